/*
 * target: reading the untrusted side from the trusted side. See target.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "sg-util.h"
#include "supervisor/target/target.h"

#define MAX_SYMLINKS 40 /* the kernel's MAXSYMLINKS */
#ifndef PROC_SUPER_MAGIC
#define PROC_SUPER_MAGIC 0x9fa0
#endif

/* Newer than Debian 12's headers. */
#ifndef STATX_MNT_ID
#define STATX_MNT_ID 0x1000U
#endif
#ifndef STATX_MNT_ID_UNIQUE
#define STATX_MNT_ID_UNIQUE 0x4000U /* Linux 6.8: ids never reused */
#endif
#ifndef __NR_statmount
#define __NR_statmount 457
#endif
#ifndef NS_GET_MNTNS_ID
#define NS_GET_MNTNS_ID _IOR(0xb7, 0x5, uint64_t) /* Linux 6.11 */
#endif
#define SG_STATMOUNT_MNT_BASIC 0x2U
/* struct mnt_id_req, version 1 (Linux 6.11: with the namespace to look in) */
struct sg_mnt_id_req {
	uint32_t size;
	uint32_t spare;
	uint64_t mnt_id;
	uint64_t param;
	uint64_t mnt_ns_id;
};

/* This thread's guard; see target.h. Spans nest: only the outermost
 * begins and ends the watched time, every end checks for abandonment. */
static __thread struct target_guard *guard;
static __thread unsigned guard_depth;
static __thread uint64_t guard_token;

void target_guard_set(struct target_guard *g)
{
	guard = g;
	guard_depth = 0;
}

uint64_t target_now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* Before work that the target can make sleep forever; returns what the
 * guard said before, for guard_end. */
static int guard_begin(int what)
{
	int was;

	if (!guard)
		return 0;
	was = atomic_exchange(&guard->what, what);
	if (guard_depth++ == 0) {
		uint64_t t = target_now_ns() | 1; /* never IDLE */

		if (t == TARGET_GUARD_ABANDONED)
			t--;
		guard_token = t;
		atomic_store(&guard->since, t);
	}
	return was;
}

/* After it: back to idle, unless the watchdog has taken the call over in the
 * meantime. Then nothing the caller holds is ours any more (the watchdog has
 * answered the call and another thread serves the session): the thread ends
 * here, without returning into code that would act on the call. */
static void guard_end(int was)
{
	uint64_t expect;

	if (!guard)
		return;
	atomic_store(&guard->what, was);
	if (--guard_depth > 0) {
		if (atomic_load(&guard->since) == TARGET_GUARD_ABANDONED)
			guard->abandoned(guard); /* does not return */
		return;
	}
	expect = guard_token;
	if (!atomic_compare_exchange_strong(&guard->since, &expect, TARGET_GUARD_IDLE))
		guard->abandoned(guard); /* does not return */
}

int target_guard_enter(int what)
{
	return guard_begin(what);
}

void target_guard_leave(int token)
{
	guard_end(token);
}

bool target_guard_expire(struct target_guard *g, uint64_t now_ns, uint64_t bound_ns)
{
	uint64_t t = atomic_load(&g->since);

	if (t == TARGET_GUARD_IDLE || t == TARGET_GUARD_ABANDONED)
		return false;
	if (now_ns < t || now_ns - t < bound_ns)
		return false;
	/* Fails if the read ended (or another began) since we looked. */
	return atomic_compare_exchange_strong(&g->since, &t, TARGET_GUARD_ABANDONED);
}

/* One process_vm_readv, guarded. */
static ssize_t read_guarded(pid_t tid, void *local_buf, uint64_t at, size_t len)
{
	struct iovec local = {.iov_base = local_buf, .iov_len = len};
	struct iovec remote = {.iov_base = (void *)(uintptr_t)at, .iov_len = len};
	int g = guard_begin(TARGET_STALL_MEMORY);
	ssize_t n = process_vm_readv(tid, &local, 1, &remote, 1, 0);
	int err = errno;

	guard_end(g);
	errno = err;
	return n;
}

int target_read_string(pid_t tid, uint64_t addr, char *buf)
{
	size_t got = 0;

	if (addr == 0)
		return -EFAULT;
	/* Read page by page: a string may end just before an unmapped page,
	 * and process_vm_readv stops at the first fault. */
	while (got < TARGET_PATH_MAX) {
		uint64_t at = addr + got;
		size_t chunk = 4096 - (size_t)(at & 4095);
		ssize_t n;
		char *nul;

		if (at < addr)
			return -EFAULT; /* wrapped around */
		chunk = MIN(chunk, (size_t)TARGET_PATH_MAX - got);
		n = read_guarded(tid, buf + got, at, chunk);
		if (n < 0)
			return errno == ESRCH ? -ESRCH : -EFAULT;
		if (n == 0)
			return -EFAULT;
		nul = memchr(buf + got, '\0', (size_t)n);
		if (nul)
			return 0;
		got += (size_t)n;
	}
	return -ENAMETOOLONG;
}

int target_read_mem(pid_t tid, uint64_t addr, void *buf, size_t len)
{
	size_t got = 0;

	if (len == 0)
		return 0;
	if (addr == 0 || addr + len < addr)
		return -EFAULT;
	while (got < len) {
		ssize_t n = read_guarded(tid, (char *)buf + got, addr + got, len - got);

		if (n < 0)
			return errno == ESRCH ? -ESRCH : -EFAULT;
		if (n == 0)
			return -EFAULT;
		got += (size_t)n;
	}
	return 0;
}

char *target_proc_path(char buf[TARGET_PROC_PATH_MAX], pid_t pid, const char *entry)
{
	snprintf(buf, TARGET_PROC_PATH_MAX, "/proc/%d%s%s", (int)pid, *entry ? "/" : "", entry);
	return buf;
}

static int proc_readlink(pid_t tid, const char *what, char *out, size_t size)
{
	char p[64];
	ssize_t n;

	snprintf(p, sizeof(p), "/proc/%d/%s", (int)tid, what);
	n = readlink(p, out, size);
	if (n < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	if ((size_t)n >= size)
		return -ENAMETOOLONG;
	out[n] = '\0';
	return 0;
}

int target_exe(pid_t tid, char *buf, size_t size)
{
	return proc_readlink(tid, "exe", buf, size);
}

int target_ids(pid_t tid, pid_t *ret_tgid, pid_t *ret_ppid)
{
	char p[64], line[256];
	int tgid = -1, ppid = -1;
	FILE *f;

	snprintf(p, sizeof(p), "/proc/%d/status", (int)tid);
	f = fopen(p, "re");
	if (!f)
		return errno == ENOENT ? -ESRCH : -errno;
	while (fgets(line, sizeof(line), f) && (tgid < 0 || ppid < 0)) {
		if (sscanf(line, "Tgid: %d", &tgid) == 1)
			continue;
		sscanf(line, "PPid: %d", &ppid);
	}
	fclose(f);
	if (tgid < 0 || ppid < 0)
		return -EIO;
	*ret_tgid = tgid;
	*ret_ppid = ppid;
	return 0;
}

pid_t target_tgid(pid_t tid)
{
	pid_t tgid, ppid;

	return target_ids(tid, &tgid, &ppid) < 0 ? -1 : tgid;
}

char **target_cmdline(pid_t pid)
{
	char p[64], buf[4096];
	char **argv;
	size_t n = 0;
	ssize_t len;
	int fd;

	snprintf(p, sizeof(p), "/proc/%d/cmdline", (int)pid);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	{
		/* The kernel copies cmdline out of the target's memory, which
		 * the target may have put on a page that never arrives. */
		int g = guard_begin(TARGET_STALL_MEMORY);

		len = read(fd, buf, sizeof(buf) - 1);
		close(fd); /* before guard_end, which may end the thread */
		guard_end(g);
	}
	if (len < 0)
		return NULL;
	buf[len] = '\0';
	argv = calloc(65, sizeof(*argv));
	if (!argv)
		return NULL;
	for (ssize_t i = 0; i < len && n < 64; i += (ssize_t)strlen(buf + i) + 1) {
		argv[n] = strdup(buf + i);
		if (!argv[n++])
			break;
	}
	return argv;
}

/* A path as a stack of components, in the target's view, below its root. */
struct pathbuf {
	char s[TARGET_PATH_MAX]; /* "" for the root, else "/a/b" */
	size_t len;
};

static int path_push(struct pathbuf *p, const char *comp, size_t n)
{
	if (p->len + 1 + n >= sizeof(p->s))
		return -ENAMETOOLONG;
	p->s[p->len++] = '/';
	memcpy(p->s + p->len, comp, n);
	p->len += n;
	p->s[p->len] = '\0';
	return 0;
}

static void path_pop(struct pathbuf *p)
{
	char *slash = memrchr(p->s, '/', p->len);

	p->len = slash ? (size_t)(slash - p->s) : 0;
	p->s[p->len] = '\0';
}

/* Set p to an absolute path (in the target's view). */
static int path_set(struct pathbuf *p, const char *abs)
{
	p->len = 0;
	p->s[0] = '\0';
	for (const char *c = abs; *c;) {
		const char *e;

		while (*c == '/')
			c++;
		if (!*c)
			break;
		e = strchrnul(c, '/');
		if ((e - c == 1 && c[0] == '.'))
			;
		else if (e - c == 2 && c[0] == '.' && c[1] == '.')
			path_pop(p);
		else if (path_push(p, c, (size_t)(e - c)) < 0)
			return -ENAMETOOLONG;
		c = e;
	}
	return 0;
}

/*
 * The target's root as the supervisor sees it ("/" unless chrooted), so that
 * links read through /proc (which name host paths) can be mapped back into
 * the target's view.
 */
struct target_root {
	char host[TARGET_PATH_MAX];
	size_t len; /* 0 when the root is "/" */
};

static int root_load(pid_t tid, struct target_root *r)
{
	int k = proc_readlink(tid, "root", r->host, sizeof(r->host));

	if (k < 0)
		return k;
	r->len = streq(r->host, "/") ? 0 : strlen(r->host);
	return 0;
}

/* Map a host path from /proc into the target's view; -ENOENT if it lies
 * outside the target's root (it cannot name it then). */
static int root_strip(const struct target_root *r, const char *host, const char **ret)
{
	if (host[0] != '/')
		return -EINVAL; /* "pipe:[123]", "anon_inode:...": not a path */
	if (r->len == 0) {
		*ret = host;
		return 0;
	}
	if (strncmp(host, r->host, r->len) != 0 || (host[r->len] != '/' && host[r->len] != '\0'))
		return -ENOENT;
	*ret = host[r->len] ? host + r->len : "/";
	return 0;
}

int target_view_load(pid_t pid, struct target_view *ret)
{
	struct stat st;
	char p[64];
	int r;

	snprintf(p, sizeof(p), "/proc/%d/ns/mnt", (int)pid);
	if (stat(p, &st) < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	ret->mnt_dev = st.st_dev;
	ret->mnt_ino = st.st_ino;
	ret->mnt_ns_id = 0;
	{
		/* Its id lets statmount say whether a mount is in it. Without
		 * one (before 6.11) mountinfo is read instead. */
		_cleanup_close_ int nsfd = open(p, O_RDONLY | O_CLOEXEC);
		uint64_t id = 0;

		if (nsfd >= 0 && ioctl(nsfd, NS_GET_MNTNS_ID, &id) == 0)
			ret->mnt_ns_id = id;
	}
	r = proc_readlink(pid, "root", ret->root, sizeof(ret->root));
	if (r < 0)
		return r;
	ret->root_len = streq(ret->root, "/") ? 0 : strlen(ret->root);
	return 0;
}

int target_view_check(pid_t tid, const struct target_view *v)
{
	struct stat st;
	char p[64];

	if (!v)
		return 0;
	snprintf(p, sizeof(p), "/proc/%d/ns/mnt", (int)tid);
	if (stat(p, &st) < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	return st.st_dev == v->mnt_dev && st.st_ino == v->mnt_ino ? 0 : -EPERM;
}

int target_view_path(const struct target_view *v, const char *host, char *out, size_t size)
{
	const char *view = host;

	if (host[0] == '/' && v && v->root_len) {
		if (strncmp(host, v->root, v->root_len) != 0 ||
		    (host[v->root_len] != '/' && host[v->root_len] != '\0'))
			return -EPERM;
		view = host[v->root_len] ? host + v->root_len : "/";
	}
	if ((size_t)snprintf(out, size, "%s", view) >= size)
		return -ENAMETOOLONG;
	return 0;
}

/* Is mount id (the old kind, STATX_MNT_ID) in tid's mountinfo? For kernels
 * without statmount in a namespace; tid is in the view's namespace (checked
 * by the caller, and a task blocked in a notification cannot change its own). */
static int mountinfo_has(pid_t tid, uint64_t id)
{
	_cleanup_free_ char *line = NULL;
	size_t n = 0;
	char p[64];
	int r = -EPERM;
	FILE *f;

	snprintf(p, sizeof(p), "/proc/%d/mountinfo", (int)tid);
	f = fopen(p, "re");
	if (!f)
		return errno == ENOENT ? -ESRCH : -errno;
	while (getline(&line, &n, f) > 0) {
		unsigned long long m;

		if (sscanf(line, "%llu", &m) == 1 && m == id) {
			r = 0;
			break;
		}
	}
	fclose(f);
	return r;
}

/*
 * FIFOs, sockets and character devices held through a descriptor are let
 * through whatever their mount: a container's stdio is the host's pty or
 * pipes, and runc's init reopens its exec FIFO (on the host) through
 * /proc/self/fd under the container's filter. They are not files a path
 * rule is about, and reopening one gives no more than the descriptor held.
 */
#define MOUNT_SPECIAL_OK 0x1

/* target_view_mount_at, and the file type of what it names if ret_mode. */
static int mount_check(pid_t tid, int dirfd, const char *path, int flags,
		       const struct target_view *v, mode_t *ret_mode, unsigned how)
{
	struct statx sx;

	/* AT_STATX_DONT_SYNC: the type and the mount need no fresh attributes,
	 * and a FUSE file system the target serves is then not asked (it
	 * could leave the question unanswered). */
	if (statx(dirfd, path, flags | AT_STATX_DONT_SYNC,
		  STATX_TYPE | STATX_MNT_ID | STATX_MNT_ID_UNIQUE, &sx) < 0)
		return -errno;
	if (ret_mode)
		*ret_mode = sx.stx_mode;
	if (!v)
		return 0;
	if ((how & MOUNT_SPECIAL_OK) &&
	    (S_ISFIFO(sx.stx_mode) || S_ISSOCK(sx.stx_mode) || S_ISCHR(sx.stx_mode)))
		return 0;
	if ((sx.stx_mask & STATX_MNT_ID_UNIQUE) && v->mnt_ns_id) {
		struct sg_mnt_id_req req = {
			.size = sizeof(req),
			.mnt_id = sx.stx_mnt_id,
			.param = SG_STATMOUNT_MNT_BASIC,
			.mnt_ns_id = v->mnt_ns_id,
		};
		uint64_t buf[512];

		/* statmount looks the id up in that namespace's own table: a
		 * detached mount, or one of another namespace, is not there. */
		if (syscall(__NR_statmount, &req, buf, sizeof(buf), 0) == 0)
			return 0;
		if (errno != ENOSYS && errno != EINVAL && errno != E2BIG)
			return -EPERM; /* ENOENT: not in the view; EPERM: cannot tell */
		/* statmount without namespaces (6.8 to 6.10): the old id. */
		if (statx(dirfd, path, flags | AT_STATX_DONT_SYNC, STATX_MNT_ID, &sx) < 0)
			return -errno;
	}
	if (!(sx.stx_mask & STATX_MNT_ID))
		return -EPERM; /* before 5.8 the mount cannot be told: fail closed */
	return mountinfo_has(tid, sx.stx_mnt_id);
}

int target_view_mount_at(pid_t tid, int dirfd, const char *path, int flags,
			 const struct target_view *v)
{
	return mount_check(tid, dirfd, path, flags, v, NULL, 0);
}

/* -EPERM from a mount check: say why. */
static int refused_mount(int r, const char **ret_why)
{
	if (r == -EPERM && ret_why)
		*ret_why = TARGET_WHY_MOUNT;
	return r;
}

/*
 * What /proc/TID/<what> (cwd, fd/N) links to, read as a host path into host,
 * and, when it is a path, checked to be on a mount of the view (the check
 * follows the same link: the object, not its name). ret_mode: its type.
 * -EBADF for an fd that is not open.
 */
static int proc_object(pid_t tid, const char *what, const struct target_view *v, char *host,
		       mode_t *ret_mode, const char **ret_why)
{
	bool is_fd = strncmp(what, "fd/", 3) == 0;
	char p[64];
	int r;

	r = proc_readlink(tid, what, host, TARGET_PATH_MAX);
	if (r == -ESRCH && is_fd)
		return -EBADF; /* /proc/tid/fd/N missing: fd not open (the task is checked by
				  ID_VALID) */
	if (r < 0)
		return r;
	/* Not a file system path (pipe, socket, anon inode): no glob names it. */
	if (host[0] != '/' && !ret_mode)
		return 0;
	snprintf(p, sizeof(p), "/proc/%d/%s", (int)tid, what);
	/* The object an fd names (not a directory to walk from) may be one
	 * of the special files above. */
	r = mount_check(tid, AT_FDCWD, p, 0, host[0] == '/' ? v : NULL, ret_mode,
			ret_mode ? 0 : MOUNT_SPECIAL_OK);
	if (r == -ENOENT)
		return is_fd ? -EBADF : -ESRCH; /* closed, or gone, meanwhile */
	return refused_mount(r, ret_why);
}

int target_fd_path(pid_t tid, int fd, const struct target_view *v, char *out, const char **ret_why)
{
	char link[TARGET_PATH_MAX], what[32];
	int r;

	if (fd < 0 && fd != AT_FDCWD)
		return -EBADF;
	r = target_view_check(tid, v);
	if (r < 0)
		return r;
	if (fd == AT_FDCWD)
		snprintf(what, sizeof(what), "cwd"); /* AT_EMPTY_PATH with AT_FDCWD */
	else
		snprintf(what, sizeof(what), "fd/%d", fd);
	r = proc_object(tid, what, v, link, NULL, ret_why);
	if (r < 0)
		return r;
	/* Not a file system path (pipe, socket, anon inode) stays the kernel's
	 * description: no absolute glob matches it. */
	return target_view_path(v, link, out, TARGET_PATH_MAX);
}

#ifndef PROC_ROOT_INO
#define PROC_ROOT_INO 1 /* the inode of every procfs's root directory */
#endif

/*
 * Open the directory dir (a path in the target's view, "" for its root, with
 * no symlink in it) below rootfd, and say whether it is on a procfs and
 * whether it is that procfs's root. Only there do "self" and the magic links
 * mean what they mean, wherever that procfs sits in the target's view: at
 * /proc, at "/" (a chroot into /proc), at jail/proc. A "proc" directory the
 * target made itself holds ordinary symlinks. The fd, or -errno.
 */
static int proc_dir_open(int rootfd, const char *dir, bool *ret_procfs, bool *ret_proc_root)
{
	_cleanup_close_ int fd = openat(rootfd, dir[0] ? dir + 1 : ".",
					O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct statfs sf;
	struct stat st;

	if (fd < 0)
		return -errno;
	if (fstatfs(fd, &sf) < 0 || fstat(fd, &st) < 0)
		return -errno;
	*ret_procfs = sf.f_type == PROC_SUPER_MAGIC;
	*ret_proc_root = *ret_procfs && st.st_ino == PROC_ROOT_INO;
	return TAKE_FD(fd);
}

/* starttime (field 22) of a /proc/.../stat file, or 0. */
static unsigned long long stat_start_time(int dirfd, const char *path)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	unsigned long long v = 0;
	char buf[1024], *p;
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strrchr(buf, ')'); /* the name may hold spaces and ')' */
	if (!p)
		return 0;
	p++;
	for (int field = 3; field <= 22; field++) {
		char *e;

		while (*p == ' ')
			p++;
		if (field == 22) {
			v = strtoull(p, &e, 10);
			return e == p ? 0 : v;
		}
		p = strchr(p, ' ');
		if (!p)
			return 0;
	}
	return 0;
}

/* The ids of a "NStgid:" or "NSpid:" line (outermost namespace first). */
static int ns_ids(const char *line, pid_t *ids, int max)
{
	int n = 0;

	for (const char *c = line; *c && n < max;) {
		char *e;
		long v;

		while (*c == ' ' || *c == '\t')
			c++;
		v = strtol(c, &e, 10);
		if (e == c)
			break;
		ids[n++] = (pid_t)v;
		c = e;
	}
	return n;
}

#define MAX_PIDNS_LEVELS 33 /* MAX_PID_NS_LEVEL + 1 */

/*
 * The numbers /proc/self and /proc/thread-self stand for when the target
 * reads them: its ids in the pid namespace of the procfs being walked (procfd,
 * its root directory, wherever it sits in the target's view). That
 * may be its own namespace (a container mounts its own /proc) or an outer one
 * (a new pid namespace that kept the host's /proc), so each level of its ids
 * (NStgid, NSpid) is tried, and the one whose entry in that procfs is this
 * very task (the same start time) is taken. None, or more than one: which
 * process it names cannot be told, and the call is refused (-EPERM).
 */
static int self_ids(pid_t tid, int procfd, pid_t *ret_tgid, pid_t *ret_tid)
{
	pid_t tgids[MAX_PIDNS_LEVELS], tids[MAX_PIDNS_LEVELS];
	int n_tgid = 0, n_tid = 0, found = 0;
	unsigned long long start;
	char p[96], line[512];
	FILE *f;

	snprintf(p, sizeof(p), "/proc/%d/status", (int)tid);
	f = fopen(p, "re");
	if (!f)
		return errno == ENOENT ? -ESRCH : -errno;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "NStgid:", 7) == 0)
			n_tgid = ns_ids(line + 7, tgids, MAX_PIDNS_LEVELS);
		else if (strncmp(line, "NSpid:", 6) == 0)
			n_tid = ns_ids(line + 6, tids, MAX_PIDNS_LEVELS);
	}
	fclose(f);
	if (n_tgid == 0 || n_tgid != n_tid)
		return -EPERM;
	snprintf(p, sizeof(p), "/proc/%d/stat", (int)tid);
	start = stat_start_time(AT_FDCWD, p);
	if (!start)
		return -ESRCH;
	for (int i = 0; i < n_tgid; i++) {
		snprintf(p, sizeof(p), "%d/task/%d/stat", (int)tgids[i], (int)tids[i]);
		if (stat_start_time(procfd, p) == start) {
			*ret_tgid = tgids[i];
			*ret_tid = tids[i];
			found++;
		}
	}
	return found == 1 ? 0 : -EPERM;
}

/* A link in a procfs directory that the kernel follows by jumping to an
 * object rather than by reading a path (fd/N, cwd, root, exe, ns/...): its
 * text is an absolute host path or "type:[inode]". self and mounts read as
 * relative text and are ordinary symlinks. The caller has checked the
 * directory the link is in is on a procfs (proc_dir_open). */
static bool magic_link(const char *link)
{
	return link[0] == '/' || strchr(link, ':');
}

int target_resolve_path(pid_t tid, const struct target_lookup *l, const struct target_view *v,
			char *out, const char **ret_why)
{
	const bool beneath = l->resolve & TARGET_RESOLVE_BENEATH;
	const bool in_root = l->resolve & TARGET_RESOLVE_IN_ROOT;
	const bool scoped = beneath || in_root;
	const bool no_symlinks = l->resolve & TARGET_RESOLVE_NO_SYMLINKS;
	const bool no_magic =
		l->resolve & (TARGET_RESOLVE_NO_MAGICLINKS | TARGET_RESOLVE_NO_SYMLINKS);
	const char *raw = l->raw;
	bool follow = l->flags & TARGET_FOLLOW;
	_cleanup_close_ int rootfd = -1;
	struct target_root root;
	struct pathbuf cur = {};
	/* Where ".." and absolute names stop: the root, or under RESOLVE_IN_ROOT
	 * and RESOLVE_BENEATH the dirfd (cur never gets shorter than this). */
	size_t floor = 0;
	/* Components still to walk. Symlink targets are prepended here. */
	_cleanup_free_ char *todo = NULL;
	size_t todo_len;
	int links = 0, r;
	bool root_ok = false;
	/* After a magic link's jump, the end (in todo) of the last component
	 * of its text: that component is the object the kernel jumped to and
	 * is never followed, even if it is a symlink (an O_PATH|O_NOFOLLOW fd
	 * of one); 0: none pending. */
	size_t jump_end = 0;
	char p[64];

	/* A flag this code does not know could change resolution: it cannot
	 * be judged (this kernel says EINVAL too). */
	if (l->resolve & ~(uint64_t)TARGET_RESOLVE_KNOWN) {
		if (ret_why)
			*ret_why = TARGET_WHY_RESOLVE;
		return -EINVAL;
	}
	if (beneath && in_root)
		return -EINVAL; /* as the kernel */
	if (!raw[0]) {
		/* AT_EMPTY_PATH: the call acts on dirfd itself (AT_FDCWD: the cwd). */
		if (l->flags & TARGET_EMPTY_PATH)
			return target_fd_path(tid, l->dirfd, v, out, ret_why);
		return -ENOENT;
	}
	r = target_view_check(tid, v);
	if (r < 0)
		return r;
	r = root_load(tid, &root);
	if (r < 0)
		return r;
	snprintf(p, sizeof(p), "/proc/%d/root", (int)tid);
	rootfd = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	/* A root on a detached mount (fchdir to an open_tree fd, chroot ".")
	 * reads as "/": its absolute paths would be judged as ours. Checked
	 * when the walk starts from it or jumps to it (an absolute symlink),
	 * the only times the kernel uses it (a relative walk whose ".." meets
	 * it stays where it is, which our walk also does). */
	if (raw[0] == '/' && !scoped) {
		r = mount_check(tid, rootfd, "", AT_EMPTY_PATH, v, NULL, 0);
		if (r < 0)
			return refused_mount(r, ret_why);
		root_ok = true;
	}

	if (raw[0] != '/' || scoped) {
		char base[TARGET_PATH_MAX], what[32];
		const char *view;
		mode_t mode = 0;

		if (l->dirfd == AT_FDCWD) {
			snprintf(what, sizeof(what), "cwd");
		} else {
			if (l->dirfd < 0)
				return -EBADF;
			snprintf(what, sizeof(what), "fd/%d", l->dirfd);
		}
		/* The directory the walk starts from, checked to be on a mount
		 * of the view: a detached mount's fd reads as "/". */
		r = proc_object(tid, what, v, base, &mode, ret_why);
		if (r < 0)
			return r;
		if (!S_ISDIR(mode))
			return -ENOTDIR;
		r = root_strip(&root, base, &view);
		if (r < 0)
			return r == -EINVAL ? -ENOTDIR : r;
		r = path_set(&cur, view);
		if (r < 0)
			return r;
		if (scoped)
			floor = cur.len;
	}
	/* RESOLVE_BENEATH: an absolute path escapes at once. RESOLVE_IN_ROOT:
	 * it starts at dirfd, where cur already is. */
	if (raw[0] == '/' && beneath)
		return -EXDEV;

	todo_len = strlen(raw);
	todo = strdup(raw);
	if (!todo)
		return -ENOMEM;

	for (size_t at = 0; at < todo_len;) {
		char link[TARGET_PATH_MAX];
		const char *c = todo + at;
		bool last, magic = false;
		mode_t obj_mode = 0;
		size_t n;
		ssize_t k;

		if (*c == '/') {
			at++;
			continue;
		}
		n = (size_t)(strchrnul(c, '/') - c);
		at += n;
		last = true;
		for (size_t j = at; j < todo_len; j++)
			if (todo[j] != '/') {
				last = false;
				break;
			}
		if (n == 1 && c[0] == '.')
			continue;
		if (n == 2 && c[0] == '.' && c[1] == '.') {
			if (cur.len <= floor) {
				if (beneath)
					return -EXDEV; /* climbs out of dirfd */
				continue;	       /* at the root: ".." stays there */
			}
			path_pop(&cur);
			continue;
		}
		r = path_push(&cur, c, n);
		if (r < 0)
			return r;
		/* A final name followed by '/' must be a directory, so the
		 * kernel follows a symlink there whatever the call (lchown,
		 * AT_SYMLINK_NOFOLLOW, O_NOFOLLOW), and from then on in the
		 * link's text too; except where the call makes or removes the
		 * entry itself, and then fails on a symlink (ENOTDIR, EEXIST). */
		if (last && at < todo_len && !(l->flags & TARGET_ENTRY))
			follow = true;
		if (last && !follow)
			break;

		/* The object a magic link jumped to: the kernel does not look
		 * at it again (chown of /proc/self/fd/N, N an O_PATH fd of a
		 * symlink, changes the symlink), so neither do we. */
		if (jump_end && at == jump_end) {
			jump_end = 0;
			continue;
		}
		if (jump_end && at > jump_end)
			jump_end = 0;

		/* Whether this is a magic link, or "self" names the reader, is
		 * decided by the directory it is in being a procfs, not by the
		 * name "/proc/": a target that chroots into /proc has its magic
		 * links at /PID/root, and one in a jail at /proc inside it. */
		if ((n == 4 && memcmp(c, "self", 4) == 0) ||
		    (n == 11 && memcmp(c, "thread-self", 11) == 0)) {
			bool is_proc = false, is_proc_root = false;
			_cleanup_close_ int dfd = -1;

			path_pop(&cur);
			dfd = proc_dir_open(rootfd, cur.s, &is_proc, &is_proc_root);
			r = path_push(&cur, c, n);
			if (r < 0)
				return r;
			if (dfd >= 0 && is_proc_root) {
				/* The reader's ids in that procfs: substitute the
				 * target's, or we would resolve our own files. */
				pid_t stgid = 0, stid = 0;

				r = self_ids(tid, dfd, &stgid, &stid);
				if (r < 0) {
					if (r == -EPERM && ret_why)
						*ret_why = TARGET_WHY_SELF;
					return r;
				}
				if (n == 4)
					snprintf(link, sizeof(link), "%d", (int)stgid);
				else
					snprintf(link, sizeof(link), "%d/task/%d", (int)stgid,
						 (int)stid);
				goto have_link;
			}
		}
		/* cur has no symlink in it (we expanded them), so the kernel
		 * walks it below rootfd exactly as we did. */
		k = readlinkat(rootfd, cur.s + 1, link, sizeof(link));
		if (k < 0) {
			if (errno == EINVAL || errno == ENOENT || errno == ENOTDIR ||
			    errno == EACCES)
				continue; /* not a symlink, or not there: lexical from here */
			return -errno;
		}
		{
			/* A symlink: is the directory it is in a procfs? Its
			 * text is read again from that very directory, so the
			 * answer and the text belong together. */
			bool is_proc = false, is_proc_root = false;
			_cleanup_close_ int dfd = -1;

			path_pop(&cur);
			dfd = proc_dir_open(rootfd, cur.s, &is_proc, &is_proc_root);
			r = path_push(&cur, c, n);
			if (r < 0)
				return r;
			if (dfd < 0)
				continue; /* gone meanwhile: lexical from here */
			if (is_proc) {
				char name[NAME_MAX + 1];

				if (n > NAME_MAX)
					return -ENAMETOOLONG;
				memcpy(name, c, n);
				name[n] = '\0';
				k = readlinkat(dfd, name, link, sizeof(link));
				if (k < 0) {
					if (errno == EINVAL || errno == ENOENT ||
					    errno == ENOTDIR || errno == EACCES)
						continue;
					return -errno;
				}
			}
			if ((size_t)k >= sizeof(link))
				return -ENAMETOOLONG;
			link[k] = '\0';
			magic = is_proc && magic_link(link);
		}
	have_link:
		/* A symlink to follow: where openat2 forbids that, so do we. */
		if (no_symlinks || (magic && no_magic))
			return -ELOOP;
		if (magic && scoped)
			return -EXDEV; /* the kernel's answer for a scoped walk */
		if (++links > MAX_SYMLINKS)
			return -ELOOP;
		if (magic && link[0] == '/') {
			/* The kernel jumps to the object itself, which may be on a
			 * detached mount that reads as "/": check the object. */
			r = mount_check(tid, rootfd, cur.s + 1, 0, v, &obj_mode,
					last ? MOUNT_SPECIAL_OK : 0);
			if (r < 0)
				return refused_mount(r, ret_why);
		}
		path_pop(&cur);
		if (link[0] == '/') {
			/* Absolute: from the target's root (RESOLVE_IN_ROOT: from
			 * dirfd; RESOLVE_BENEATH: an escape). Magic links under
			 * /proc (fd/N, cwd, root) read as host paths: map them. */
			const char *view = link;

			if (beneath)
				return -EXDEV;
			if (!magic && !in_root && !root_ok) {
				r = mount_check(tid, rootfd, "", AT_EMPTY_PATH, v, NULL, 0);
				if (r < 0)
					return refused_mount(r, ret_why);
				root_ok = true;
			}
			/*
			 * The link's text is a host path. One outside the
			 * target's root (a cwd or fd kept from before a chroot,
			 * another process's root, a chroot into /proc) cannot be
			 * put in the target's view, and putting the root back
			 * in front of it would judge a path that is not the
			 * object's: refused (fail closed). Walking on in host
			 * coordinates would judge it exactly, but a `serve`
			 * target's host paths are not sysgate's. A FIFO, socket
			 * or character device as the last component (runc's
			 * init reopening its exec FIFO from the host through
			 * /proc/self/fd) is let through as before: no path rule
			 * is about them and reopening one gives no more than the
			 * descriptor held (MOUNT_SPECIAL_OK).
			 */
			if (magic && root_strip(&root, link, &view) < 0) {
				if (!(last && (S_ISFIFO(obj_mode) || S_ISSOCK(obj_mode) ||
					       S_ISCHR(obj_mode)))) {
					if (ret_why)
						*ret_why = TARGET_WHY_OUTSIDE;
					return -EPERM;
				}
				view = link;
			}
			cur.len = floor;
			cur.s[cur.len] = '\0';
			if (view != link)
				memmove(link, view, strlen(view) + 1);
		} else if (magic) {
			/* A magic link to a pipe or socket: no path beyond it. */
			snprintf(out, TARGET_PATH_MAX, "%s", link);
			return 0;
		}
		{
			/* The link's text, then what was left of the path (no
			 * '/' between when nothing was: that would read as a
			 * trailing slash the caller never wrote). */
			size_t ln = strlen(link), rest = todo_len - at, sep = rest ? 1 : 0;
			char *nt = malloc(ln + sep + rest + 1);

			if (!nt)
				return -ENOMEM;
			memcpy(nt, link, ln);
			if (sep)
				nt[ln] = '/';
			memcpy(nt + ln + sep, todo + at, rest);
			nt[ln + sep + rest] = '\0';
			free(todo);
			todo = nt;
			todo_len = ln + sep + rest;
			/* A pending jump's end moves with the rest of the path;
			 * this link's own, if magic, is the end of its text. */
			if (jump_end > at)
				jump_end = jump_end - at + ln + sep;
			else
				jump_end = 0;
			if (magic && link[0] == '/' && ln > 1)
				jump_end = ln;
			at = 0;
		}
	}
	/* cur is in the target's own view (below its root); the policy judges
	 * the session's view: put the target's root back in front, then take
	 * the view's root off. */
	{
		char host[TARGET_PATH_MAX];

		if ((size_t)snprintf(host, sizeof(host), "%s%s", root.len ? root.host : "",
				     cur.len ? cur.s : (root.len ? "" : "/")) >= sizeof(host))
			return -ENAMETOOLONG;
		return target_view_path(v, host, out, TARGET_PATH_MAX);
	}
}
