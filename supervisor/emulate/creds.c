/*
 * emulate/creds.c: taking on a target's credentials for an emulated call and
 * giving them back (fsuid, fsgid, groups, capabilities, umask; the user
 * namespace they mean something in). Trusted side: the credentials are read
 * from the kernel's /proc, and the thread that wears them must never serve
 * another call with them.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sg-util.h"
#include "supervisor/emulate/creds.h"
#include "supervisor/emulate/emulate.h"

/* ---- the target's credentials ---- */

static int parse_ids(const char *s, unsigned long v[4])
{
	return sscanf(s, "%lu %lu %lu %lu", &v[0], &v[1], &v[2], &v[3]) == 4 ? 0 : -EIO;
}

/* The whole of /proc/TID/status (its Groups line is long for a process in
 * many groups), NUL-terminated, malloc'd into *ret. 0 or -errno. */
static int read_status(int procfd, char **ret)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_close_ int fd = -1;
	size_t size = 8192, len = 0;

	fd = openat(procfd, "status", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	buf = malloc(size);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n;

		if (len + 1 == size) {
			char *b = size >= (1u << 20) ? NULL : realloc(buf, size * 2);

			if (!b)
				return -ENOMEM;
			buf = b;
			size *= 2;
		}
		n = read(fd, buf + len, size - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		len += (size_t)n;
		/* A seq_file hands over all it has at once: a read shorter than
		 * asked for was the end (no second read to learn it; should it
		 * ever not be, a line is missing and the parse refuses it). */
		if (len + 1 < size)
			break;
	}
	buf[len] = '\0';
	*ret = TAKE_PTR(buf);
	return 0;
}

int emulate_creds_parse(char *status, struct emulate_creds *c)
{
	unsigned seen = 0, who = 0;
	char *line, *save = NULL;

	c->who_ok = false;
	for (line = strtok_r(status, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned long v[4];
		int id;

		if (strncmp(line, "Tgid:", 5) == 0 && sscanf(line + 5, "%d", &id) == 1) {
			c->tgid = id;
			who |= 1;
		} else if (strncmp(line, "PPid:", 5) == 0 && sscanf(line + 5, "%d", &id) == 1) {
			c->ppid = id;
			who |= 2;
		} else if (strncmp(line, "Umask:", 6) == 0) {
			c->umask = (mode_t)strtoul(line + 6, NULL, 8) & 0777;
			seen |= 1;
		} else if (strncmp(line, "Uid:", 4) == 0 && parse_ids(line + 4, v) == 0) {
			c->fsuid = (uid_t)v[3];
			c->uid = (long long)v[0];
			c->euid = (long long)v[1];
			seen |= 2;
		} else if (strncmp(line, "Gid:", 4) == 0 && parse_ids(line + 4, v) == 0) {
			c->fsgid = (gid_t)v[3];
			seen |= 4;
		} else if (strncmp(line, "Groups:", 7) == 0) {
			char *s = line + 7, *end;
			size_t n = 0;

			/* The ids, not the spaces: the kernel ends each id with
			 * one, so a process in NGROUPS_MAX groups has as many. */
			for (const char *q = s; *q; q++)
				n += isdigit((unsigned char)*q) &&
				     (q == s || !isdigit((unsigned char)q[-1]));
			if (n > EMULATE_MAX_GROUPS)
				return -EPERM; /* cannot act as it: fail closed */
			free(c->groups);
			c->groups = calloc(n ? n : 1, sizeof(gid_t));
			if (!c->groups)
				return -ENOMEM;
			c->n_groups = 0;
			for (;;) {
				unsigned long g = strtoul(s, &end, 10);

				if (end == s || (size_t)c->n_groups == n)
					break;
				c->groups[c->n_groups++] = (gid_t)g;
				s = end;
			}
			seen |= 8;
		} else if (strncmp(line, "CapEff:", 7) == 0) {
			c->cap_eff = strtoull(line + 7, NULL, 16);
			seen |= 16;
		}
	}
	if (seen != 31)
		return -EIO;
	c->who_ok = who == 3;
	return 0;
}

/* sysgate's own user namespace: it never changes (sysgate does not
 * unshare), so it is looked up once, by whichever session thread first
 * needs it; pthread_once orders that write before every read. */
static struct stat our_userns_st;
static int our_userns_r = -1;
static pthread_once_t our_userns_once = PTHREAD_ONCE_INIT;

static void load_our_userns(void)
{
	our_userns_r = stat("/proc/self/ns/user", &our_userns_st);
}

/* Does the target live in our user namespace? Its capabilities are only
 * meaningful there; ids in /proc are already mapped into ours. */
static bool same_userns(int procfd)
{
	struct stat a;

	pthread_once(&our_userns_once, load_our_userns);
	if (our_userns_r < 0 || target_ns_stat(0, procfd, "user", &a) < 0)
		return false;
	return a.st_dev == our_userns_st.st_dev && a.st_ino == our_userns_st.st_ino;
}

int emulate_creds_load(int procfd, struct emulate_creds *c)
{
	_cleanup_free_ char *status = NULL;
	int r;

	r = read_status(procfd, &status);
	if (r < 0)
		return r;
	r = emulate_creds_parse(status, c);
	if (r < 0)
		return r;
	/* Only a target with capabilities needs the (costly) look at its user
	 * namespace: without any there is nothing to lend. */
	if (c->cap_eff && !same_userns(procfd))
		c->cap_eff = 0; /* its capabilities are not ours to lend */
	return 0;
}

static int capget_self(uint64_t *eff, uint64_t *perm, uint64_t *inh)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[2] = {};

	if (syscall(SYS_capget, &h, d) < 0)
		return -errno;
	*eff = d[0].effective | (uint64_t)d[1].effective << 32;
	*perm = d[0].permitted | (uint64_t)d[1].permitted << 32;
	*inh = d[0].inheritable | (uint64_t)d[1].inheritable << 32;
	return 0;
}

static int capset_self(uint64_t eff, uint64_t perm, uint64_t inh)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[2] = {
		{(uint32_t)eff, (uint32_t)perm, (uint32_t)inh},
		{(uint32_t)(eff >> 32), (uint32_t)(perm >> 32), (uint32_t)(inh >> 32)},
	};

	return syscall(SYS_capset, &h, d) < 0 ? -errno : 0;
}

static bool same_groups(const struct emulate_creds *a, const struct emulate_creds *b)
{
	if (a->n_groups != b->n_groups)
		return false;
	for (int i = 0; i < a->n_groups; i++) {
		bool found = false;

		for (int j = 0; j < b->n_groups && !found; j++)
			found = a->groups[i] == b->groups[j];
		if (!found)
			return false;
	}
	return true;
}

/* ---- credentials ---- */

/* No allocation here: a thread-local has no destructor to free it with. */
#define OWN_MAX_GROUPS 256

/*
 * The calling thread's own credentials, read the first time it emulates and
 * restored by every emulate_leave on it. Thread-local, so no lock: each
 * session worker has its own, and credentials are per thread too (the raw
 * setfsuid/setfsgid/setgroups/capset syscalls change the calling thread
 * only, never glibc's process-wide wrappers; the umask is the thread's own
 * because each worker unshares its fs_struct, CLONE_FS, in session.c).
 */

static __thread struct {
	bool have;
	uint64_t eff, perm, inh;
	uid_t fsuid;
	gid_t fsgid;
	int n_groups;
	gid_t groups[OWN_MAX_GROUPS];
	/* The umask, on a thread whose fs_struct is its own (a session worker,
	 * emulate_own_fs): only emulate_enter/leave change it there, so it is
	 * known without a umask() to read it, and set only when it differs. */
	bool own_fs, have_umask;
	mode_t umask;
} own;

void emulate_own_fs(void)
{
	own.own_fs = true;
}

/* Set this thread's umask to m; the one it had. */
static mode_t set_umask(mode_t m)
{
	mode_t old;

	if (!own.own_fs)
		return umask(m);
	if (!own.have_umask) {
		own.umask = umask(m);
		own.have_umask = true;
		old = own.umask;
		own.umask = m;
		return old;
	}
	old = own.umask;
	if (m != old) {
		umask(m);
		own.umask = m;
	}
	return old;
}

int emulate_enter(struct emulate *e)
{
	uint64_t eff = 0;
	int r;

	if (e->entered)
		return 0;
	/* This thread's own credentials, read once: emulate_leave() always
	 * restores exactly these, and nothing else on it changes them. */
	if (!own.have) {
		r = capget_self(&own.eff, &own.perm, &own.inh);
		if (r < 0)
			return -EPERM;
		own.fsuid = (uid_t)setfsuid((uid_t)-1);
		own.fsgid = (gid_t)setfsgid((gid_t)-1);
		/* sysgate itself in more groups than this cannot give them back
		 * exactly: it does not emulate then (fail closed). */
		own.n_groups = getgroups(OWN_MAX_GROUPS, own.groups);
		if (own.n_groups < 0)
			return -EPERM;
		own.have = true;
	}
	eff = own.eff;
	e->saved_cap_perm = own.perm;
	e->saved_cap_inh = own.inh;
	e->saved.cap_eff = own.eff;
	e->saved.fsuid = own.fsuid;
	e->saved.fsgid = own.fsgid;
	e->saved.n_groups = own.n_groups;
	e->saved.groups = own.groups; /* borrowed */
	/* The umask before the comparison below: a target that is us in
	 * every other way may still have its own umask. entered before any
	 * change, so that emulate_leave restores whatever was changed. */
	e->saved.umask = set_umask(e->target.umask); /* this thread's own fs_struct */
	e->entered = true;

	if (e->target.fsuid == e->saved.fsuid && e->target.fsgid == e->saved.fsgid &&
	    same_groups(&e->target, &e->saved) && e->target.cap_eff == eff)
		return 0; /* the target is us: nothing to lend or take away */

	/* We need CAP_SETUID and CAP_SETGID to become someone else. An
	 * unprivileged supervisor cannot, so it cannot act for a target whose
	 * credentials differ: fail closed. */
	if (!(eff & (1ull << CAP_SETUID)) || !(eff & (1ull << CAP_SETGID)))
		return -EPERM;
	/*
	 * The order matters. switched is set before the first change, so that
	 * emulate_leave undoes a half-done switch (the caller leaves on every
	 * failure). Groups and fsgid go first: both need CAP_SETGID, which
	 * the capset below may take away. fsuid next: leaving fsuid 0 makes the
	 * kernel drop the file-system capabilities from the effective set, so
	 * the capset comes last, to set exactly what the target has whatever
	 * the fsuid change did. Each fs id is read back, because the raw
	 * setfsuid/setfsgid report no failure.
	 */
	e->switched = true;
	if (syscall(SYS_setgroups, (size_t)e->target.n_groups, e->target.groups) < 0)
		return -EPERM;
	syscall(SYS_setfsgid, e->target.fsgid);
	if ((gid_t)setfsgid((gid_t)-1) != e->target.fsgid)
		return -EPERM;
	syscall(SYS_setfsuid, e->target.fsuid);
	if ((uid_t)setfsuid((uid_t)-1) != e->target.fsuid)
		return -EPERM;
	/* Exactly the target's effective capabilities (within what we hold):
	 * a root target without CAP_DAC_OVERRIDE must not borrow ours. */
	if (capset_self(e->target.cap_eff & e->saved_cap_perm, e->saved_cap_perm,
			e->saved_cap_inh) < 0)
		return -EPERM;
	return 0;
}

void emulate_leave(struct emulate *e)
{
	if (!e->entered)
		return;
	if (e->switched) {
		/* The reverse order. Capabilities first: setfsuid back to ours
		 * needs CAP_SETUID, setfsgid and setgroups CAP_SETGID, which the
		 * target's set may lack. Then the ids, each checked, because an
		 * unchecked failure would serve the next call as the target. */
		if (capset_self(e->saved.cap_eff, e->saved_cap_perm, e->saved_cap_inh) < 0)
			abort();
		syscall(SYS_setfsuid, e->saved.fsuid);
		syscall(SYS_setfsgid, e->saved.fsgid);
		if (syscall(SYS_setgroups, (size_t)e->saved.n_groups, e->saved.groups) < 0 ||
		    (uid_t)setfsuid((uid_t)-1) != e->saved.fsuid ||
		    (gid_t)setfsgid((gid_t)-1) != e->saved.fsgid)
			abort(); /* never serve another call with a target's identity */
		e->switched = false;
	}
	set_umask(e->saved.umask);
	e->entered = false;
}
