/*
 * gather: what a call's rules need from the target, read once into
 * supervisor memory before the decision (trusted side reading untrusted
 * data: the path, the exe, openat2's open_how, an xattr name). Everything
 * read here is the target's and may change after we read it; the caller
 * checks the call still waits (ID_VALID) after reading and before acting,
 * and the matcher marks decisions that consulted it (used_path, used_mem)
 * so that none of them is continued.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "policy/argfmt.h"
#include "sg-util.h"
#include "supervisor/core/multiplex.h"
#include "supervisor/core/session-internal.h"

static bool call_follows(const struct syscall_shape *shape, const uint64_t *args)
{
	int i;

	switch (shape->follow) {
	case FOLLOW_ALWAYS:
		return true;
	case FOLLOW_NEVER:
		return false;
	case FOLLOW_UNLESS_AT_NOFOLLOW:
		i = policy_shape_arg(shape, 'a');
		return i < 0 || !(args[i] & AT_SYMLINK_NOFOLLOW);
	case FOLLOW_OPEN:
		i = policy_shape_arg(shape, 'f');
		if (i < 0)
			return true;
		if (args[i] & O_NOFOLLOW)
			return false;
		return (args[i] & (O_CREAT | O_EXCL)) != (O_CREAT | O_EXCL);
	}
	return true;
}

/*
 * Calls that make or remove their final entry: the kernel looks up the
 * parent and handles the last name itself, so a trailing slash does not make
 * it follow a symlink there (mkdir("link/") is EEXIST, rmdir("link/")
 * ENOTDIR). Every other call follows a final symlink when the path ends in
 * '/', whatever its flags say (path_resolution(7)).
 */
static bool makes_entry(const char *name)
{
	static const char *const names[] = {
		"mkdir",    "mkdirat",	 "unlink",  "unlinkat",	 "rmdir", "rename",
		"renameat", "renameat2", "symlink", "symlinkat", "mknod", "mknodat",
	};

	for (size_t i = 0; name && i < ARRAY_SIZE(names); i++)
		if (streq(names[i], name))
			return true;
	return false;
}

/* struct open_how (linux/openat2.h), version 0: what openat2 reads. */
struct sg_open_how {
	uint64_t flags;
	uint64_t mode;
	uint64_t resolve;
};
#define OPEN_HOW_SIZE_MAX 4096 /* the kernel's PAGE_SIZE limit: E2BIG above */

/*
 * openat2 keeps its flags and resolve flags in a struct in the target's
 * memory: read it once, as the kernel does (copy_struct_from_user), and
 * resolve the path by it. A struct larger than ours is accepted by the kernel
 * only if the part we do not know is zero (else E2BIG): so do we, or a flag
 * we cannot see could change the resolution.
 */
static int read_open_how(pid_t tid, const struct call *c, struct target_lookup *l,
			 const char **ret_why)
{
	static const unsigned char zeros[OPEN_HOW_SIZE_MAX];
	unsigned char tail[OPEN_HOW_SIZE_MAX];
	uint64_t addr = c->args[2], size = c->args[3];
	struct sg_open_how how;
	int r;

	*ret_why = TARGET_WHY_HOW;
	if (size < sizeof(how))
		return -EINVAL;
	if (size > OPEN_HOW_SIZE_MAX)
		return -E2BIG;
	r = target_read_mem(tid, addr, &how, sizeof(how));
	if (r < 0)
		return r;
	if (size > sizeof(how)) {
		size_t more = (size_t)size - sizeof(how);

		r = target_read_mem(tid, addr + sizeof(how), tail, more);
		if (r < 0)
			return r;
		if (memcmp(tail, zeros, more) != 0)
			return -E2BIG;
	}
	*ret_why = NULL;
	l->resolve = how.resolve;
	if ((how.flags & O_NOFOLLOW) || (how.flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL))
		l->flags &= ~TARGET_FOLLOW;
	else
		l->flags |= TARGET_FOLLOW;
	return 0;
}

/* Fill c->path (or c->path_err, and d->why) for a call whose rules look at
 * the path: exactly the object the kernel will act on. */
static void read_path(struct session *s, pid_t tid, const struct syscall_shape *shape,
		      struct call *c, struct call_data *d)
{
	int is = policy_shape_arg(shape, 's');
	int idir = policy_shape_arg(shape, 'D');
	int ifd = policy_shape_arg(shape, 'F');
	int ia = policy_shape_arg(shape, 'a');
	/* An fd is an int in every ABI: AT_FDCWD arrives as 0xffffff9c through
	 * the 32-bit entry and as a sign-extended 64-bit value natively. */
	struct target_lookup l = {
		.dirfd = idir >= 0 ? (int)(uint32_t)c->args[idir] : AT_FDCWD,
	};
	const char *why = NULL;
	int r;

	if (is < 0 && ifd >= 0) {
		r = target_fd_path(tid, (int)(uint32_t)c->args[ifd], &s->view, d->path, &why);
		goto done;
	}
	if (is < 0) {
		r = -EINVAL; /* the parser refuses path conditions here */
		goto done;
	}
	if (c->args[is] == 0 && idir >= 0 && l.dirfd != AT_FDCWD && c->syscall &&
	    (streq(c->syscall, "utimensat") || streq(c->syscall, "futimesat"))) {
		/* utimensat(fd, NULL, ...) is futimens(fd): the fd itself. */
		r = target_fd_path(tid, l.dirfd, &s->view, d->path, &why);
		goto done;
	}
	r = target_read_string(tid, c->args[is], d->raw);
	if (r < 0)
		goto done;
	d->raw_ok = true;
	l.raw = d->raw;
	if (call_follows(shape, c->args))
		l.flags |= TARGET_FOLLOW;
	if (makes_entry(c->syscall))
		l.flags |= TARGET_ENTRY;
	if (idir >= 0 && ia >= 0 && (c->args[ia] & AT_EMPTY_PATH))
		l.flags |= TARGET_EMPTY_PATH; /* "" is dirfd itself, AT_FDCWD the cwd */
	if (c->syscall && streq(c->syscall, "openat2")) {
		r = read_open_how(tid, c, &l, &why);
		if (r < 0)
			goto done;
	}
	r = target_resolve_path(tid, &l, &s->view, d->path, &why);
done:
	if (r < 0) {
		c->path = NULL;
		c->path_err = -r;
		snprintf(d->why, sizeof(d->why), "%s", why ? why : "");
	} else {
		c->path = d->path;
	}
}

/* Copy the string arguments for the record (display only; the path the
 * policy judged was read once, before the decision, and is reused). */
static void fill_strings(pid_t tid, const struct syscall_shape *shape, const uint64_t *args,
			 struct call_data *d, struct log_record *rec)
{
	int first = shape ? policy_shape_arg(shape, 's') : -1, extra = 0;

	if (!shape)
		return;
	for (int i = 0; shape->args[i] && i < 6; i++) {
		if (shape->args[i] != 's' && shape->args[i] != 'S' && shape->args[i] != 'n')
			continue;
		if (i == first) {
			if (!d->raw_ok && target_read_string(tid, args[i], d->raw) == 0)
				d->raw_ok = true;
			rec->strs[i] = d->raw_ok ? d->raw : NULL;
		} else if (extra < (int)ARRAY_SIZE(d->strs)) {
			if (target_read_string(tid, args[i], d->strs[extra]) == 0)
				rec->strs[i] = d->strs[extra];
			extra++;
		}
	}
}

/*
 * The emulation path, first half: read the path once, open what the call
 * acts on as the target would, and take on the target's credentials. The
 * policy then judges c->path, the place actually opened. false if the call
 * went away. The caller leaves the credentials (emulate_leave) in any case.
 */
static bool prepare_emulated(struct call_ctx *x)
{
	struct session *s = x->s;
	struct call *c = &x->c;
	struct call_data *d = x->d;
	struct emulate *em = &x->em;
	int is = policy_shape_arg(x->e->shape, 's');
	int r;

	c->path = NULL;
	c->path_err = 0;
	if (is >= 0) {
		r = target_read_string(x->tid, c->args[is], d->raw);
		if (r == -ESRCH)
			return false;
		if (r < 0) {
			c->path_err = -r;
			return true;
		}
		d->raw_ok = true;
	}
	r = emulate_open(em, x->tid, c, d->raw_ok ? d->raw : NULL, &s->view);
	/* What we opened under /proc/tid may belong to another process if
	 * the caller went away and its id was reused: ID_VALID after the open
	 * (as the kernel's user-trap sample does), before anything is judged
	 * or done through it. */
	if (notify_id_valid(s->listener, x->id) < 0)
		return false;
	if (r < 0) {
		c->path_err = -r;
		snprintf(d->why, sizeof(d->why), "%s", em->why ? em->why : "");
		return true;
	}
	if (x->e->section->needs_exe) {
		bool cached; /* emulation checks ID_VALID anyway */

		d->exe_ok = exe_cache_get(x->s->exes, x->tid, x->id, d->exe, sizeof(d->exe),
					  &cached) == 0;
		c->exe = d->exe_ok ? d->exe : NULL;
	}
	r = emulate_enter(em);
	if (r == 0)
		r = emulate_resolve(em);
	if (r < 0) {
		c->path_err = -r;
		snprintf(d->why, sizeof(d->why), "%s", em->why ? em->why : "");
	} else {
		memcpy(d->path, em->path, sizeof(d->path));
		c->path = d->path;
	}
	return true;
}

bool gather_emulated(struct call_ctx *x)
{
	/* The path walk and the open may cross a FUSE mount that never
	 * answers: guarded like a read (see watchdog.c). */
	int g = target_guard_enter(TARGET_STALL_FILES);
	bool waiting = prepare_emulated(x);

	target_guard_leave(g);
	return waiting;
}

/*
 * The sockaddr of connect, bind and sendto, for the record and the prompt
 * only: copied once, here, before the decision, so that what the record
 * shows is what the target pointed at when sysgate decided (and never a
 * later read). No rule consults it: the decision does not depend on it, and
 * the kernel reads the target's memory again when the call goes on, so a
 * racing thread can make the call connect elsewhere. Were a condition on the
 * address ever added, it would have to decide on this same copy, and its
 * decision could deny or kill but never continue (the TOCTOU rule of
 * policy_decide). It comes after the reads the rules need, so those happen
 * in the order they always did; it sets read_memory, so the call's ID_VALID
 * after the decision covers it as every other read (a pid read before it may
 * have been reused). Bounded as every read is (target/mem.c): a target that
 * stalls it gets the watchdog's answer and record, as for any stalled read.
 * Never read when the call has no address (sendto on a connected socket
 * passes NULL), nor past addrlen (capped: the kernel refuses more with
 * EINVAL).
 */
static void copy_sockaddr(struct call_ctx *x)
{
	enum argfmt_abi abi = x->abi == CALL_ABI_I386  ? ARGFMT_I386
			      : x->abi == CALL_ABI_X32 ? ARGFMT_X32
						       : ARGFMT_X86_64;
	struct log_addr *ad = &x->d->addr;
	struct argfmt_arg a[6];
	unsigned n, i, ilen;
	uint64_t at;
	int32_t len;
	int r;

	if (!x->s->log && !x->s->asks)
		return; /* nobody would see it */
	n = policy_call_args(x->c.syscall, x->c.shape, abi, a, NULL);
	for (i = 0; i < n && a[i].fmt != ARGFMT_SOCKADDR; i++)
		;
	for (ilen = i + 1; ilen < n && !streq(a[ilen].name ? a[ilen].name : "", "addrlen"); ilen++)
		;
	if (i >= n || ilen >= n)
		return;
	at = x->c.abi32 ? (uint32_t)x->c.args[i] : x->c.args[i];
	len = (int32_t)(uint32_t)x->c.args[ilen]; /* socklen_t, as an int: the kernel's check */
	if (at == 0 || len <= 0)
		return;
	ad->arg = (uint8_t)i;
	ad->len = (uint16_t)MIN((size_t)len, sizeof(ad->bytes));
	r = target_read_mem(x->tid, at, ad->bytes, ad->len);
	ad->err = r < 0 ? -r : 0;
	ad->read = true;
	x->read_memory = true;
}

void gather_plain(struct call_ctx *x)
{
	const struct sysent *e = x->e;
	struct call_data *d = x->d;

	if (e->section && (e->section->needs_path || e->section->shows_path) && e->shape) {
		int g = target_guard_enter(TARGET_STALL_FILES);

		read_path(x->s, x->tid, e->shape, &x->c, d);
		target_guard_leave(g);
		x->read_memory = true;
	}
	if (e->section && e->section->needs_exe) {
		bool cached;

		d->exe_ok = exe_cache_get(x->s->exes, x->tid, x->id, d->exe, sizeof(d->exe),
					  &cached) == 0;
		x->c.exe = d->exe_ok ? d->exe : NULL;
		/* From the exe cache: the caller's, no ID_VALID needed. */
		if (!cached)
			x->read_memory = true;
	}
	if (mux_read_mem_values(x->tid, e->section, e->shape, &x->c, d->name))
		x->read_memory = true;
	copy_sockaddr(x);
}

void gather_strings(struct call_ctx *x, struct log_record *rec)
{
	fill_strings(x->tid, x->e->shape, x->c.args, x->d, rec);
}
