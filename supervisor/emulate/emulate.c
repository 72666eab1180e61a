/*
 * emulate: mkdir and chmod done by the supervisor in the target's context.
 * See emulate.h for the contract and the reasoning.
 *
 * Trust: everything here acts on behalf of an untrusted process. The strings
 * and fd numbers come from it; the directories we walk may be changed by it
 * while we walk. We never look a path up twice: each step opens an fd and the
 * next step continues from that fd. Magic links (/proc/PID/fd/N, cwd, root)
 * are refused during the walk (RESOLVE_NO_MAGICLINKS): through them the
 * target could make the supervisor act on the supervisor's own files.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sg-seccomp.h"
#include "sg-util.h"
#include "supervisor/emulate/creds.h"
#include "supervisor/emulate/emulate.h"

#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif

bool emulate_supported(const char *syscall)
{
	return policy_syscall_emulatable(syscall);
}

/* ---- opening ---- */

/* sysgate's own root: it never changes (sysgate does not chroot), so it is
 * looked up once, by whichever session thread first needs it; pthread_once
 * orders that write before every read. */
static struct stat our_root_st;
static int our_root_r = -1;
static pthread_once_t our_root_once = PTHREAD_ONCE_INIT;

static void load_our_root(void)
{
	our_root_r = stat("/", &our_root_st) < 0 ? -errno : 0;
}

static int our_root(struct stat *ret)
{
	pthread_once(&our_root_once, load_our_root);
	if (our_root_r < 0)
		return our_root_r;
	*ret = our_root_st;
	return 0;
}

static int proc_open(int procfd, const char *what, int flags)
{
	int fd = openat(procfd, what, flags | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

/* Is the target's fd an O_PATH one? fchmod on it fails with EBADF. */
static int fd_is_opath(int procfd, int fd)
{
	char p[64], line[256];
	int r = 0, k;
	FILE *f;

	snprintf(p, sizeof(p), "fdinfo/%d", fd);
	k = openat(procfd, p, O_RDONLY | O_CLOEXEC);
	f = k < 0 ? NULL : fdopen(k, "re");
	if (!f) {
		safe_close(k);
		return -EBADF;
	}
	while (fgets(line, sizeof(line), f)) {
		unsigned long flags;

		if (sscanf(line, "flags: %lo", &flags) == 1) {
			r = (flags & O_PATH) ? 1 : 0;
			break;
		}
	}
	fclose(f);
	return r;
}

void emulate_init(struct emulate *e)
{
	memset(e, 0, sizeof(*e));
	e->procfd = e->rootfd = e->basefd = e->objfd = -1;
}

static int open_proc_dir(pid_t tid)
{
	char p[TARGET_PROC_PATH_MAX];
	int fd;

	fd = open(target_proc_path(p, tid, ""), O_PATH | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? (errno == ENOENT ? -ESRCH : -errno) : fd;
}

/* The arguments emulation needs, decoded by the syscall's shape. */
struct args {
	int dirfd;	/* 'D', else AT_FDCWD */
	bool has_fd;	/* 'F': fchmod names an fd */
	int fd;		/* that fd */
	uint64_t flags; /* 'a': fchmodat2's AT_* flags, else 0 */
};

/* Decode c into e's op, mode and follow, and into a. -ENOSYS if it is no
 * call emulation handles, -EINVAL for a flag the call does not know. */
static int decode(struct emulate *e, const struct call *c, struct args *a)
{
	const struct syscall_shape *shape = c->shape;
	int idir, imode, ifd, iflags;

	*a = (struct args){.dirfd = AT_FDCWD};
	if (!shape || !emulate_supported(c->syscall))
		return -ENOSYS;
	idir = policy_shape_arg(shape, 'D');
	imode = policy_shape_arg(shape, 'o');
	ifd = policy_shape_arg(shape, 'F');
	iflags = policy_shape_arg(shape, 'a');
	if (imode < 0)
		return -ENOSYS;
	e->op = strstr(c->syscall, "mkdir") ? EMULATE_MKDIR : EMULATE_CHMOD;
	/* The kernel keeps only these bits: S_IALLUGO for chmod; for mkdir the
	 * permission bits and the sticky bit. */
	e->mode = (mode_t)c->args[imode] & (e->op == EMULATE_MKDIR ? 01777 : 07777);
	e->follow = e->op == EMULATE_CHMOD;
	if (idir >= 0)
		a->dirfd = (int)(uint32_t)c->args[idir];
	if (ifd >= 0) {
		a->has_fd = true;
		a->fd = (int)(uint32_t)c->args[ifd];
	}
	if (iflags >= 0) {
		a->flags = c->args[iflags] & 0xffffffffu;
		/* fchmodat2 knows exactly these two flags. */
		if (a->flags & ~(uint64_t)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
			return -EINVAL;
		e->follow = !(a->flags & AT_SYMLINK_NOFOLLOW);
	}
	return 0;
}

/* fchmod(fd), or fchmodat2(fd, "", AT_EMPTY_PATH): open the fd itself. */
static int open_fd(struct emulate *e, const struct args *a)
{
	int fd = a->has_fd ? a->fd : a->dirfd, r;
	char what[32];

	e->on_fd = true;
	if (!a->has_fd && fd == AT_FDCWD) {
		/* fchmodat2(AT_FDCWD, "", AT_EMPTY_PATH): the cwd itself. */
		e->basefd = proc_open(e->procfd, "cwd", O_PATH);
		return e->basefd < 0 ? e->basefd : 0;
	}
	if (fd < 0)
		return -EBADF;
	r = fd_is_opath(e->procfd, fd);
	if (r < 0)
		return r;
	if (r > 0 && a->has_fd)
		return -EBADF; /* fchmod on an O_PATH fd; fchmodat2 accepts one */
	snprintf(what, sizeof(what), "fd/%d", fd);
	e->basefd = proc_open(e->procfd, what, O_PATH);
	return e->basefd == -ENOENT ? -EBADF : (e->basefd < 0 ? e->basefd : 0);
}

/* A path: open the directory a relative one starts from (its cwd or dirfd);
 * an absolute one starts from the root, already open. */
static int open_base(struct emulate *e, int dirfd)
{
	const char *raw = e->raw;

	if (!raw)
		return -EFAULT;
	if (!raw[0])
		return -ENOENT;
	if (raw[0] == '/')
		return 0; /* from the root */
	if (dirfd == AT_FDCWD) {
		e->basefd = proc_open(e->procfd, "cwd", O_PATH | O_DIRECTORY);
	} else {
		char what[32];

		if (dirfd < 0)
			return -EBADF;
		snprintf(what, sizeof(what), "fd/%d", dirfd);
		e->basefd = proc_open(e->procfd, what, O_PATH | O_DIRECTORY);
		if (e->basefd == -ENOENT)
			return -EBADF;
	}
	return e->basefd < 0 ? e->basefd : 0;
}

int emulate_open(struct emulate *e, pid_t tid, const struct call *c, const char *raw,
		 const struct target_view *view)
{
	struct stat st_root, st_ours;
	struct args a;
	int r;

	emulate_init(e);
	e->tid = tid;
	e->raw = raw;
	e->view = view;
	r = decode(e, c, &a);
	if (r < 0)
		return r;
	/* Every look at the target goes through one handle on /proc/TID, opened
	 * first: the caller's ID_VALID check after emulate_open then vouches
	 * that the handle, and so everything read through it (its namespace,
	 * credentials, root, cwd and fds), was the calling task's and not a
	 * reused pid's. The namespace is checked before anything is read or
	 * opened through it: a process in a mount namespace of its own gets
	 * EPERM without sysgate touching its files. */
	e->procfd = open_proc_dir(tid);
	if (e->procfd < 0)
		return e->procfd;
	/* A process that made a mount namespace of its own could have put any
	 * directory under any name: its paths mean nothing to the policy.
	 * Checked through the same /proc/TID handle the credentials and the
	 * directories are then read from, so all of them are one task's. */
	r = target_view_check_at(e->procfd, view);
	if (r < 0)
		return r;
	r = emulate_creds_load(e->procfd, &e->target);
	if (r < 0)
		return r;

	e->rootfd = proc_open(e->procfd, "root", O_PATH | O_DIRECTORY);
	if (e->rootfd < 0)
		return e->rootfd == -ENOENT ? -ESRCH : e->rootfd;
	/* Only a relative walk needs to know whether the root is ours. */
	if (raw && raw[0] && raw[0] != '/') {
		if (fstat(e->rootfd, &st_root) < 0)
			return -errno;
		r = our_root(&st_ours);
		if (r < 0)
			return r;
		e->same_root = st_root.st_dev == st_ours.st_dev && st_root.st_ino == st_ours.st_ino;
	}

	if (a.has_fd || (raw && !raw[0] && (a.flags & AT_EMPTY_PATH)))
		return open_fd(e, &a);
	return open_base(e, a.dirfd);
}

/* ---- resolving ---- */

static int openat2_fd(int dirfd, const char *path, uint64_t flags, uint64_t resolve)
{
	struct open_how how = {.flags = flags | O_CLOEXEC, .resolve = resolve};
	long fd;

	do
		fd = syscall(__NR_openat2, dirfd, path, &how, sizeof(how));
	while (fd < 0 && errno == EAGAIN);
	return fd < 0 ? -errno : (int)fd;
}

/* sysgate's own descriptor fd as a /proc/self path: the one /proc path this
 * room spells itself (a target's go through target_proc_path). */
#define OWN_FD_PATH_MAX 32
static char *own_fd_path(char buf[OWN_FD_PATH_MAX], int fd)
{
	snprintf(buf, OWN_FD_PATH_MAX, "/proc/self/fd/%d", fd);
	return buf;
}

static int fd_link(int fd, char *out, size_t size)
{
	char p[OWN_FD_PATH_MAX];
	ssize_t n;

	n = readlink(own_fd_path(p, fd), out, size);
	if (n < 0)
		return -errno;
	if ((size_t)n >= size)
		return -ENAMETOOLONG;
	out[n] = '\0';
	return 0;
}

/*
 * Is fd (ours, opened as the target) on a mount of the session's view? Asked
 * with our own credentials: looking at a mount of another namespace (a
 * container's) takes CAP_SYS_ADMIN, which the target's may lack, and that is
 * no reason to refuse its call.
 */
static int fd_in_view(struct emulate *e, int fd)
{
	/* Only a switch of ids and capabilities matters to the look (the
	 * umask does not): with the target's equal to ours, stay entered. */
	bool entered = e->entered && e->switched;
	int r;

	if (entered)
		emulate_leave(e);
	r = target_view_mount_at(e->tid, fd, "", AT_EMPTY_PATH, e->view);
	if (entered && emulate_enter(e) < 0)
		return -EPERM;
	if (r == -EPERM)
		e->why = TARGET_WHY_MOUNT;
	return r;
}

/*
 * Where fd is, in the session's view (target_view): what the policy judges.
 * fd is what the call will act on (or its parent), opened by us: if it is on
 * a mount outside the view (a detached open_tree mount the target's dirfd or
 * cwd was on), its /proc name ("/", "/sub") is not its name in the view, and
 * the call is refused rather than judged by it.
 */
static int fd_view(struct emulate *e, int fd, char *out, size_t size)
{
	char host[TARGET_PATH_MAX];
	int r;

	r = fd_in_view(e, fd);
	if (r < 0)
		return r;
	r = fd_link(fd, host, sizeof(host));
	if (r < 0)
		return r;
	return target_view_path(e->view, host, out, size);
}

/* The target's own name for fd: its root taken off. For walking, not judging. */
static int fd_target_view(const struct emulate *e, int fd, char *out, size_t size)
{
	char root[TARGET_PATH_MAX], host[TARGET_PATH_MAX];
	const char *name;
	int r;

	r = fd_link(fd, host, sizeof(host));
	if (r < 0)
		return r;
	r = fd_link(e->rootfd, root, sizeof(root));
	if (r < 0)
		return r;
	r = target_root_strip(root, host, &name);
	if (r == -ENOENT)
		return -EPERM; /* outside its root: it has no name for it there */
	if (r < 0)
		return -ENOENT; /* not a path: nothing to walk from */
	if ((size_t)snprintf(out, size, "%s", name) >= size)
		return -ENAMETOOLONG;
	return 0;
}

/*
 * Open path as the target would see it, from its root or from basefd. With
 * the target in another root, a relative walk from its cwd could climb out
 * with ".." (the kernel clamps at *our* root), so the walk is redone from
 * the target's root with RESOLVE_IN_ROOT, starting at the cwd's place in it.
 */
static int open_as_target(const struct emulate *e, const char *path, uint64_t flags)
{
	const uint64_t resolve = RESOLVE_NO_MAGICLINKS;
	char base[TARGET_PATH_MAX], full[TARGET_PATH_MAX];
	int r;

	if (path[0] == '/')
		return openat2_fd(e->rootfd, path, flags, resolve | RESOLVE_IN_ROOT);
	if (e->same_root)
		return openat2_fd(e->basefd, path, flags, resolve);
	r = fd_target_view(e, e->basefd, base, sizeof(base));
	if (r == -EPERM)
		/* The cwd or dirfd lies outside the target's root (a chroot
		 * without chdir): the kernel walks from there, and so do we. Its
		 * ".." climbs freely, as the kernel's does; an absolute symlink
		 * would jump to our root instead of the target's, so symlinks
		 * are refused on this walk (ELOOP). */
		return openat2_fd(e->basefd, path, flags, resolve | RESOLVE_NO_SYMLINKS);
	if (r < 0)
		return r;
	if (base[0] != '/')
		return -ENOENT;
	/* The walk restarts from the root with the cwd's name: make sure that
	 * name still leads to the cwd, or we would act somewhere else. */
	{
		struct stat a, b;
		_cleanup_close_ int again = openat2_fd(e->rootfd, base, O_PATH | O_DIRECTORY,
						       resolve | RESOLVE_IN_ROOT);

		if (again < 0 || fstat(again, &a) < 0 || fstat(e->basefd, &b) < 0 ||
		    a.st_dev != b.st_dev || a.st_ino != b.st_ino)
			return -EPERM;
	}
	if ((size_t)snprintf(full, sizeof(full), "%s/%s", base, path) >= sizeof(full))
		return -ENAMETOOLONG;
	return openat2_fd(e->rootfd, full, flags, resolve | RESOLVE_IN_ROOT);
}

bool emulate_last_is_dot(const char *raw)
{
	const char *end = raw + strlen(raw), *base;

	while (end > raw + 1 && end[-1] == '/')
		end--;
	base = end;
	while (base > raw && base[-1] != '/')
		base--;
	return (end - base == 1 && base[0] == '.') ||
	       (end - base == 2 && base[0] == '.' && base[1] == '.') || streq(raw, "/");
}

int emulate_split_last(const char *raw, char dir[TARGET_PATH_MAX], char last[EMULATE_NAME_MAX])
{
	const char *slash;
	size_t len;

	len = strlen(raw);
	while (len > 1 && raw[len - 1] == '/')
		len--;
	if (len >= TARGET_PATH_MAX)
		return -ENAMETOOLONG;
	memcpy(dir, raw, len);
	dir[len] = '\0';
	if (streq(dir, "/")) {
		snprintf(last, EMULATE_NAME_MAX, ".");
		return 0;
	}
	slash = strrchr(dir, '/');
	{
		const char *name = slash ? slash + 1 : dir;

		if (strlen(name) >= EMULATE_NAME_MAX)
			return -ENAMETOOLONG;
		memcpy(last, name, strlen(name) + 1); /* checked to fit above */
		if (!slash)
			snprintf(dir, TARGET_PATH_MAX, ".");
		else if (slash == dir)
			dir[1] = '\0';
		else
			dir[slash - dir] = '\0';
	}
	return 0;
}

int emulate_join_last(char *view, const char *last, char *out, size_t size)
{
	if (streq(last, ".")) {
		snprintf(out, size, "%s", view);
	} else if (streq(last, "..")) {
		char *p = strrchr(view, '/');

		if (p && p != view)
			*p = '\0';
		else if (p)
			view[1] = '\0';
		snprintf(out, size, "%s", view);
	} else if ((size_t)snprintf(out, size, "%s%s%s", view, streq(view, "/") ? "" : "/", last) >=
		   size) {
		return -ENAMETOOLONG;
	}
	return 0;
}

/* Open path as the target into e->objfd, and put where it is in e->path. */
static int open_object(struct emulate *e, const char *path, uint64_t flags)
{
	int fd = open_as_target(e, path, flags);

	if (fd < 0)
		return fd;
	e->objfd = fd;
	return fd_view(e, fd, e->path, sizeof(e->path));
}

int emulate_resolve(struct emulate *e)
{
	char dir[TARGET_PATH_MAX], view[TARGET_PATH_MAX];
	int fd, r;

	if (e->on_fd) {
		fd = fcntl(e->basefd, F_DUPFD_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
		e->objfd = fd;
		return fd_view(e, fd, e->path, sizeof(e->path));
	}
	/* "link/" names what the link points to: a trailing slash follows, also
	 * under AT_SYMLINK_NOFOLLOW. */
	if (e->op == EMULATE_CHMOD && !e->follow) {
		size_t n = strlen(e->raw);

		if (n > 1 && e->raw[n - 1] == '/')
			e->follow = true;
	}
	/* chmod follows a final symlink: open the object itself. */
	if (e->op == EMULATE_CHMOD && e->follow)
		return open_object(e, e->raw, O_PATH);
	/* chmod with AT_SYMLINK_NOFOLLOW on "." or "..": neither is a symlink,
	 * and ".." must be clamped at the target's root, which only a walk of
	 * the whole path does (the kernel would not clamp ".." below objfd). */
	if (e->op == EMULATE_CHMOD && emulate_last_is_dot(e->raw))
		return open_object(e, e->raw, O_PATH | O_DIRECTORY);

	/* mkdir (never follows a final symlink) and chmod with
	 * AT_SYMLINK_NOFOLLOW: open the parent, act on the last component. */
	r = emulate_split_last(e->raw, dir, e->last);
	if (r < 0)
		return r;
	fd = open_as_target(e, dir, O_PATH | O_DIRECTORY);
	if (fd < 0)
		return fd;
	e->objfd = fd;
	e->via_parent = true;
	r = fd_view(e, fd, view, sizeof(view));
	if (r < 0)
		return r;
	return emulate_join_last(view, e->last, e->path, sizeof(e->path));
}

/* ---- doing it ---- */

static int fchmodat2_raw(int dirfd, const char *path, mode_t mode, int flags)
{
	return syscall(__NR_fchmodat2, dirfd, path, mode, flags) < 0 ? -errno : 0;
}

int emulate_run(struct emulate *e)
{
	char p[OWN_FD_PATH_MAX];
	int r;

	if (e->objfd < 0)
		return -EBADF;
	if (e->op == EMULATE_MKDIR) {
		/* mkdir(".") and mkdir("..") name a directory that exists. */
		if (streq(e->last, ".") || streq(e->last, ".."))
			return -EEXIST;
		return mkdirat(e->objfd, e->last, e->mode) < 0 ? -errno : 0;
	}
	if (e->via_parent)
		return fchmodat2_raw(e->objfd, e->last, e->mode, AT_SYMLINK_NOFOLLOW);
	r = fchmodat2_raw(e->objfd, "", e->mode, AT_EMPTY_PATH);
	if (r != -ENOSYS)
		return r;
	/* Before Linux 6.6: the same inode through our own fd. */
	return chmod(own_fd_path(p, e->objfd), e->mode) < 0 ? -errno : 0;
}

int emulate_mkdir_exists(const struct emulate *e)
{
	struct stat st;

	if (e->op != EMULATE_MKDIR || e->objfd < 0 || !e->via_parent)
		return -EINVAL;
	if (streq(e->last, ".") || streq(e->last, ".."))
		return 1;
	/* As the target, from the parent it could open: the same lookup the
	 * kernel does before it would fail the call with EEXIST. A symlink
	 * there, dangling or not, is an existing name too. */
	if (fstatat(e->objfd, e->last, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return 1;
	return errno == ENOENT ? 0 : -errno;
}

void emulate_done(struct emulate *e)
{
	emulate_leave(e);
	free(e->target.groups);
	e->target.groups = e->saved.groups = NULL; /* saved.groups is borrowed */
	e->objfd = safe_close(e->objfd);
	e->basefd = safe_close(e->basefd);
	e->rootfd = safe_close(e->rootfd);
	e->procfd = safe_close(e->procfd);
}
