/*
 * target/resolve.c: the path a call would act on, resolved as the kernel
 * would resolve it for the target (dirfd, cwd, root, symlinks, openat2's
 * RESOLVE_* flags, procfs magic links). Trusted side; every name and link
 * walked is the target's.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "sg-util.h"
#include "supervisor/target/internal.h"
#include "supervisor/target/target.h"

#define MAX_SYMLINKS 40 /* the kernel's MAXSYMLINKS */
#ifndef PROC_SUPER_MAGIC
#define PROC_SUPER_MAGIC 0x9fa0
#endif

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
 * What /proc/TID/<what> (cwd, fd/N) links to, read as a host path into host,
 * and, when it is a path, checked to be on a mount of the view (the check
 * follows the same link: the object, not its name). ret_mode: its type.
 * -EBADF for an fd that is not open.
 */
static int proc_object(pid_t tid, const char *what, const struct target_view *v, char *host,
		       mode_t *ret_mode, const char **ret_why)
{
	bool is_fd = strncmp(what, "fd/", 3) == 0;
	char p[TARGET_PROC_PATH_MAX];
	int r;

	r = target_proc_readlink(tid, what, host, TARGET_PATH_MAX);
	if (r == -ESRCH && is_fd)
		return -EBADF; /* /proc/tid/fd/N missing: fd not open (the task is checked by
				  ID_VALID) */
	if (r < 0)
		return r;
	/* Not a file system path (pipe, socket, anon inode): no glob names it. */
	if (host[0] != '/' && !ret_mode)
		return 0;
	/* The object an fd names (not a directory to walk from) may be one
	 * of the special files above. */
	r = target_mount_check(tid, AT_FDCWD, target_proc_path(p, tid, what), 0,
			       host[0] == '/' ? v : NULL, ret_mode,
			       ret_mode ? 0 : MOUNT_SPECIAL_OK);
	if (r == -ENOENT)
		return is_fd ? -EBADF : -ESRCH; /* closed, or gone, meanwhile */
	return target_refused_mount(r, ret_why);
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

/* A link in a procfs directory that the kernel follows by jumping to an
 * object rather than by reading a path (fd/N, cwd, root, exe, ns/...): its
 * text is an absolute host path or "type:[inode]". self and mounts read as
 * relative text and are ordinary symlinks. The caller has checked the
 * directory the link is in is on a procfs (proc_dir_open). */
bool target_link_is_magic(const char *link)
{
	return link[0] == '/' || strchr(link, ':');
}

/*
 * One resolution in progress: target_resolve_path's state, shared by its
 * steps below. On the caller's stack; nothing here outlives the call.
 */
struct walk {
	pid_t tid;
	const struct target_lookup *l;
	const struct target_view *v;
	const char **ret_why;
	bool beneath, in_root, scoped; /* openat2's RESOLVE_BENEATH, _IN_ROOT, either */
	bool no_symlinks, no_magic;    /* RESOLVE_NO_SYMLINKS, NO_MAGICLINKS (or NO_SYMLINKS) */
	bool follow;		       /* follow a final symlink */
	int rootfd;		       /* the target's root (O_PATH) */
	char root[TARGET_PATH_MAX];    /* the same, as a host path */
	struct pathbuf cur;	       /* where the walk is, below the root */
	/* Where ".." and absolute names stop: the root, or under RESOLVE_IN_ROOT
	 * and RESOLVE_BENEATH the dirfd (cur never gets shorter than this). */
	size_t floor;
	/* Components still to walk (malloc'd). Symlink targets are prepended. */
	char *todo;
	size_t todo_len;
	int links;    /* symlinks followed */
	bool root_ok; /* the root was checked to be on a mount of the view */
	/* After a magic link's jump, the end (in todo) of the last component
	 * of its text: that component is the object the kernel jumped to and
	 * is never followed, even if it is a symlink (an O_PATH|O_NOFOLLOW fd
	 * of one); 0: none pending. */
	size_t jump_end;
};

static void why(const struct walk *w, const char *text)
{
	if (w->ret_why)
		*w->ret_why = text;
}

/* Open the target's root, check what needs checking before the walk, and
 * put cur where the walk starts (the root, or the cwd or dirfd). */
static int walk_start(struct walk *w)
{
	const char *raw = w->l->raw;
	char p[TARGET_PROC_PATH_MAX];
	int r;

	r = target_view_check(w->tid, w->v);
	if (r < 0)
		return r;
	r = target_root(w->tid, w->root);
	if (r < 0)
		return r;
	w->rootfd = open(target_proc_path(p, w->tid, "root"), O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (w->rootfd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	/* A root on a detached mount (fchdir to an open_tree fd, chroot ".")
	 * reads as "/": its absolute paths would be judged as ours. Checked
	 * when the walk starts from it or jumps to it (an absolute symlink),
	 * the only times the kernel uses it (a relative walk whose ".." meets
	 * it stays where it is, which our walk also does). */
	if (raw[0] == '/' && !w->scoped) {
		r = target_mount_check(w->tid, w->rootfd, "", AT_EMPTY_PATH, w->v, NULL, 0);
		if (r < 0)
			return target_refused_mount(r, w->ret_why);
		w->root_ok = true;
	}

	if (raw[0] != '/' || w->scoped) {
		char base[TARGET_PATH_MAX], what[32];
		const char *view;
		mode_t mode = 0;

		if (w->l->dirfd == AT_FDCWD) {
			snprintf(what, sizeof(what), "cwd");
		} else {
			if (w->l->dirfd < 0)
				return -EBADF;
			snprintf(what, sizeof(what), "fd/%d", w->l->dirfd);
		}
		/* The directory the walk starts from, checked to be on a mount
		 * of the view: a detached mount's fd reads as "/". */
		r = proc_object(w->tid, what, w->v, base, &mode, w->ret_why);
		if (r < 0)
			return r;
		if (!S_ISDIR(mode))
			return -ENOTDIR;
		r = target_root_strip(w->root, base, &view);
		if (r < 0)
			return r == -EINVAL ? -ENOTDIR : r;
		r = path_set(&w->cur, view);
		if (r < 0)
			return r;
		if (w->scoped)
			w->floor = w->cur.len;
	}
	/* RESOLVE_BENEATH: an absolute path escapes at once. RESOLVE_IN_ROOT:
	 * it starts at dirfd, where cur already is. */
	if (raw[0] == '/' && w->beneath)
		return -EXDEV;

	w->todo_len = strlen(raw);
	w->todo = strdup(raw);
	return w->todo ? 0 : -ENOMEM;
}

/* Open the directory cur is in (cur without its last component, c, n) into
 * *ret_dfd (or -errno there) and say whether it is on a procfs and that
 * procfs's root. cur is as before. 0, or -errno if cur cannot be rebuilt. */
static int parent_open(struct walk *w, const char *c, size_t n, bool *ret_procfs,
		       bool *ret_proc_root, int *ret_dfd)
{
	path_pop(&w->cur);
	*ret_dfd = proc_dir_open(w->rootfd, w->cur.s, ret_procfs, ret_proc_root);
	return path_push(&w->cur, c, n);
}

/*
 * The component c (n bytes, just pushed on cur) is "self" or "thread-self":
 * if it is in a procfs's root, put the numbers it stands for, for the target,
 * into link (what the kernel would read there for it). 1 if so, 0 if it is
 * an ordinary name here, or -errno.
 */
static int self_link(struct walk *w, const char *c, size_t n, char *link, size_t size)
{
	bool is_proc = false, is_proc_root = false;
	_cleanup_close_ int dfd = -1;
	pid_t stgid = 0, stid = 0;
	int r;

	/* Whether "self" names the reader is decided by the directory it is in
	 * being a procfs, not by the name "/proc/": a target that chroots into
	 * /proc has it at /self, and one in a jail at /proc inside it. */
	r = parent_open(w, c, n, &is_proc, &is_proc_root, &dfd);
	if (r < 0)
		return r;
	if (dfd < 0 || !is_proc_root)
		return 0;
	/* The reader's ids in that procfs: substitute the target's, or we
	 * would resolve our own files. */
	r = target_self_ids(w->tid, dfd, &stgid, &stid);
	if (r < 0) {
		if (r == -EPERM)
			why(w, TARGET_WHY_SELF);
		return r;
	}
	if (n == 4)
		snprintf(link, size, "%d", (int)stgid);
	else
		snprintf(link, size, "%d/task/%d", (int)stgid, (int)stid);
	return 1;
}

/*
 * Read the symlink cur names (its last component c, n bytes) into link, and
 * say whether it is a magic link. 1 if it is a symlink; 0 if it is not, or
 * is not there (the walk goes on lexically); -errno.
 */
static int read_link(struct walk *w, const char *c, size_t n, char *link, size_t size,
		     bool *ret_magic)
{
	bool is_proc = false, is_proc_root = false;
	_cleanup_close_ int dfd = -1;
	ssize_t k;
	int r;

	/* cur has no symlink in it (we expanded them), so the kernel walks it
	 * below rootfd exactly as we did. */
	k = readlinkat(w->rootfd, w->cur.s + 1, link, size);
	if (k < 0) {
		if (errno == EINVAL || errno == ENOENT || errno == ENOTDIR || errno == EACCES)
			return 0; /* not a symlink, or not there: lexical from here */
		return -errno;
	}
	/* A symlink: is the directory it is in a procfs? Its text is read
	 * again from that very directory, so the answer and the text belong
	 * together. */
	r = parent_open(w, c, n, &is_proc, &is_proc_root, &dfd);
	if (r < 0)
		return r;
	if (dfd < 0)
		return 0; /* gone meanwhile: lexical from here */
	if (is_proc) {
		char name[NAME_MAX + 1];

		if (n > NAME_MAX)
			return -ENAMETOOLONG;
		memcpy(name, c, n);
		name[n] = '\0';
		k = readlinkat(dfd, name, link, size);
		if (k < 0) {
			if (errno == EINVAL || errno == ENOENT || errno == ENOTDIR ||
			    errno == EACCES)
				return 0;
			return -errno;
		}
	}
	if ((size_t)k >= size)
		return -ENAMETOOLONG;
	link[k] = '\0';
	*ret_magic = is_proc && target_link_is_magic(link);
	return 1;
}

/* Put the text of the link just followed in front of what was left of the
 * path (todo from at): the walk goes on from todo's start. 0 or -ENOMEM. */
static int splice_link(struct walk *w, const char *link, bool magic, size_t at)
{
	/* No '/' between when nothing was left: that would read as a trailing
	 * slash the caller never wrote. */
	size_t ln = strlen(link), rest = w->todo_len - at, sep = rest ? 1 : 0;
	char *nt = malloc(ln + sep + rest + 1);

	if (!nt)
		return -ENOMEM;
	memcpy(nt, link, ln);
	if (sep)
		nt[ln] = '/';
	memcpy(nt + ln + sep, w->todo + at, rest);
	nt[ln + sep + rest] = '\0';
	free(w->todo);
	w->todo = nt;
	w->todo_len = ln + sep + rest;
	/* A pending jump's end moves with the rest of the path; this link's
	 * own, if magic, is the end of its text. */
	if (w->jump_end > at)
		w->jump_end = w->jump_end - at + ln + sep;
	else
		w->jump_end = 0;
	if (magic && link[0] == '/' && ln > 1)
		w->jump_end = ln;
	return 0;
}

/*
 * Follow the symlink cur names, whose text is link, with todo + at what is
 * left of the path: cur goes back to where the link's text starts from, and
 * the text is put in front of the rest. 0 to walk on from todo's start; 1
 * when the walk ends here with out filled (a magic link to a pipe or
 * socket); -errno.
 */
static int follow_link(struct walk *w, char *link, bool magic, bool last, size_t at, char *out)
{
	mode_t obj_mode = 0;
	int r;

	/* A symlink to follow: where openat2 forbids that, so do we. */
	if (w->no_symlinks || (magic && w->no_magic))
		return -ELOOP;
	if (magic && w->scoped)
		return -EXDEV; /* the kernel's answer for a scoped walk */
	if (++w->links > MAX_SYMLINKS)
		return -ELOOP;
	if (magic && link[0] == '/') {
		/* The kernel jumps to the object itself, which may be on a
		 * detached mount that reads as "/": check the object. */
		r = target_mount_check(w->tid, w->rootfd, w->cur.s + 1, 0, w->v, &obj_mode,
				       last ? MOUNT_SPECIAL_OK : 0);
		if (r < 0)
			return target_refused_mount(r, w->ret_why);
	}
	path_pop(&w->cur);
	if (link[0] == '/') {
		/* Absolute: from the target's root (RESOLVE_IN_ROOT: from
		 * dirfd; RESOLVE_BENEATH: an escape). Magic links under
		 * /proc (fd/N, cwd, root) read as host paths: map them. */
		const char *view = link;

		if (w->beneath)
			return -EXDEV;
		if (!magic && !w->in_root && !w->root_ok) {
			r = target_mount_check(w->tid, w->rootfd, "", AT_EMPTY_PATH, w->v, NULL, 0);
			if (r < 0)
				return target_refused_mount(r, w->ret_why);
			w->root_ok = true;
		}
		/*
		 * The link's text is a host path. One outside the target's
		 * root (a cwd or fd kept from before a chroot, another
		 * process's root, a chroot into /proc) cannot be put in the
		 * target's view, and putting the root back in front of it
		 * would judge a path that is not the object's: refused (fail
		 * closed). Walking on in host coordinates would judge it
		 * exactly, but a `serve` target's host paths are not
		 * sysgate's. A FIFO, socket or character device as the last
		 * component (runc's init reopening its exec FIFO from the host
		 * through /proc/self/fd) is let through as before: no path
		 * rule is about them and reopening one gives no more than the
		 * descriptor held (MOUNT_SPECIAL_OK).
		 */
		if (magic && target_root_strip(w->root, link, &view) < 0) {
			if (!(last &&
			      (S_ISFIFO(obj_mode) || S_ISSOCK(obj_mode) || S_ISCHR(obj_mode)))) {
				why(w, TARGET_WHY_OUTSIDE);
				return -EPERM;
			}
			view = link;
		}
		w->cur.len = w->floor;
		w->cur.s[w->cur.len] = '\0';
		if (view != link)
			memmove(link, view, strlen(view) + 1);
	} else if (magic) {
		/* A magic link to a pipe or socket: no path beyond it. */
		snprintf(out, TARGET_PATH_MAX, "%s", link);
		return 1;
	}
	return splice_link(w, link, magic, at);
}

/* Walk todo component by component from cur. 0 with cur final; 1 with out
 * filled (the walk ended on a magic link to a non-file); -errno. */
static int walk(struct walk *w, char *out)
{
	for (size_t at = 0; at < w->todo_len;) {
		char link[TARGET_PATH_MAX];
		const char *c = w->todo + at;
		bool last, magic = false;
		size_t n;
		int r;

		if (*c == '/') {
			at++;
			continue;
		}
		n = (size_t)(strchrnul(c, '/') - c);
		at += n;
		last = true;
		for (size_t j = at; j < w->todo_len; j++)
			if (w->todo[j] != '/') {
				last = false;
				break;
			}
		if (n == 1 && c[0] == '.')
			continue;
		if (n == 2 && c[0] == '.' && c[1] == '.') {
			if (w->cur.len <= w->floor) {
				if (w->beneath)
					return -EXDEV; /* climbs out of dirfd */
				continue;	       /* at the root: ".." stays there */
			}
			path_pop(&w->cur);
			continue;
		}
		r = path_push(&w->cur, c, n);
		if (r < 0)
			return r;
		/* A final name followed by '/' must be a directory, so the
		 * kernel follows a symlink there whatever the call (lchown,
		 * AT_SYMLINK_NOFOLLOW, O_NOFOLLOW), and from then on in the
		 * link's text too; except where the call makes or removes the
		 * entry itself, and then fails on a symlink (ENOTDIR, EEXIST). */
		if (last && at < w->todo_len && !(w->l->flags & TARGET_ENTRY))
			w->follow = true;
		if (last && !w->follow)
			break;

		/* The object a magic link jumped to: the kernel does not look
		 * at it again (chown of /proc/self/fd/N, N an O_PATH fd of a
		 * symlink, changes the symlink), so neither do we. */
		if (w->jump_end && at == w->jump_end) {
			w->jump_end = 0;
			continue;
		}
		if (w->jump_end && at > w->jump_end)
			w->jump_end = 0;

		r = 0;
		if ((n == 4 && memcmp(c, "self", 4) == 0) ||
		    (n == 11 && memcmp(c, "thread-self", 11) == 0))
			r = self_link(w, c, n, link, sizeof(link));
		if (r == 0)
			r = read_link(w, c, n, link, sizeof(link), &magic);
		if (r < 0)
			return r;
		if (r == 0)
			continue; /* not a symlink: the name stays on cur */
		r = follow_link(w, link, magic, last, at, out);
		if (r != 0)
			return r;
		at = 0;
	}
	return 0;
}

int target_resolve_path(pid_t tid, const struct target_lookup *l, const struct target_view *v,
			char *out, const char **ret_why)
{
	struct walk w = {
		.tid = tid,
		.l = l,
		.v = v,
		.ret_why = ret_why,
		.beneath = l->resolve & TARGET_RESOLVE_BENEATH,
		.in_root = l->resolve & TARGET_RESOLVE_IN_ROOT,
		.no_symlinks = l->resolve & TARGET_RESOLVE_NO_SYMLINKS,
		.no_magic =
			l->resolve & (TARGET_RESOLVE_NO_MAGICLINKS | TARGET_RESOLVE_NO_SYMLINKS),
		.follow = l->flags & TARGET_FOLLOW,
		.rootfd = -1,
	};
	char host[TARGET_PATH_MAX];
	int r;

	w.scoped = w.beneath || w.in_root;
	/* A flag this code does not know could change resolution: it cannot
	 * be judged (this kernel says EINVAL too). */
	if (l->resolve & ~(uint64_t)TARGET_RESOLVE_KNOWN) {
		why(&w, TARGET_WHY_RESOLVE);
		return -EINVAL;
	}
	if (w.beneath && w.in_root)
		return -EINVAL; /* as the kernel */
	if (!l->raw[0]) {
		/* AT_EMPTY_PATH: the call acts on dirfd itself (AT_FDCWD: the cwd). */
		if (l->flags & TARGET_EMPTY_PATH)
			return target_fd_path(tid, l->dirfd, v, out, ret_why);
		return -ENOENT;
	}
	r = walk_start(&w);
	if (r == 0)
		r = walk(&w, out);
	free(w.todo);
	safe_close(w.rootfd);
	if (r != 0)
		return r < 0 ? r : 0;
	/* cur is in the target's own view (below its root); the policy judges
	 * the session's view: put the target's root back in front, then take
	 * the view's root off. */
	r = target_root_join(w.root, w.cur.s, host, sizeof(host));
	if (r < 0)
		return r;
	return target_view_path(v, host, out, TARGET_PATH_MAX);
}
