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
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "sg-util.h"
#include "supervisor/target.h"

#define MAX_SYMLINKS 40 /* the kernel's MAXSYMLINKS */

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

	if (addr + len < addr)
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

int target_fd_path(pid_t tid, int fd, const struct target_view *v, char *out)
{
	char link[TARGET_PATH_MAX], what[32];
	int r;

	if (fd < 0)
		return -EBADF;
	r = target_view_check(tid, v);
	if (r < 0)
		return r;
	snprintf(what, sizeof(what), "fd/%d", fd);
	r = proc_readlink(tid, what, link, sizeof(link));
	if (r == -ESRCH)
		return -EBADF; /* /proc/tid/fd/N missing: fd not open (the task is checked by ID_VALID) */
	if (r < 0)
		return r;
	/* Not a file system path (pipe, socket, anon inode) stays the kernel's
	 * description: no absolute glob matches it. */
	return target_view_path(v, link, out, TARGET_PATH_MAX);
}

int target_resolve_path(pid_t tid, int dirfd, const char *raw, bool follow,
			const struct target_view *v, char *out)
{
	_cleanup_close_ int rootfd = -1;
	struct target_root root;
	struct pathbuf cur = {};
	/* Components still to walk. Symlink targets are prepended here. */
	_cleanup_free_ char *todo = NULL;
	size_t todo_len;
	int links = 0, r;
	char p[64];

	if (!raw[0])
		return -ENOENT;
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

	if (raw[0] != '/') {
		char base[TARGET_PATH_MAX], what[32];
		const char *view;

		if (dirfd == AT_FDCWD) {
			r = proc_readlink(tid, "cwd", base, sizeof(base));
		} else {
			struct stat st;

			if (dirfd < 0)
				return -EBADF;
			snprintf(what, sizeof(what), "fd/%d", dirfd);
			r = proc_readlink(tid, what, base, sizeof(base));
			if (r == -ESRCH)
				return -EBADF;
			if (r == 0) {
				char fdp[64];

				snprintf(fdp, sizeof(fdp), "/proc/%d/fd/%d", (int)tid, dirfd);
				if (stat(fdp, &st) < 0)
					return -errno;
				if (!S_ISDIR(st.st_mode))
					return -ENOTDIR;
			}
		}
		if (r < 0)
			return r;
		r = root_strip(&root, base, &view);
		if (r < 0)
			return r == -EINVAL ? -ENOTDIR : r;
		r = path_set(&cur, view);
		if (r < 0)
			return r;
	}

	todo_len = strlen(raw);
	todo = strdup(raw);
	if (!todo)
		return -ENOMEM;

	for (size_t at = 0; at < todo_len;) {
		char link[TARGET_PATH_MAX];
		const char *c = todo + at;
		size_t n;
		bool last;
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
			path_pop(&cur);
			continue;
		}
		r = path_push(&cur, c, n);
		if (r < 0)
			return r;
		if (last && !follow)
			break;

		/* /proc/self and /proc/thread-self name the reader: substitute the
		 * target, or we would resolve the supervisor's own files. */
		if (streq(cur.s, "/proc/self") || streq(cur.s, "/proc/thread-self")) {
			char who[64];
			pid_t tgid = target_tgid(tid);

			if (tgid < 0)
				return -ESRCH;
			if (streq(cur.s, "/proc/self"))
				snprintf(who, sizeof(who), "%d", (int)tgid);
			else
				snprintf(who, sizeof(who), "%d/task/%d", (int)tgid, (int)tid);
			snprintf(link, sizeof(link), "%s", who);
			k = (ssize_t)strlen(link);
		} else {
			/* cur has no symlink in it (we expanded them), so the kernel
			 * walks it below rootfd exactly as we did. */
			k = readlinkat(rootfd, cur.s + 1, link, sizeof(link));
			if (k < 0) {
				if (errno == EINVAL || errno == ENOENT || errno == ENOTDIR ||
				    errno == EACCES)
					continue; /* not a symlink, or not there: lexical from here */
				return -errno;
			}
			if ((size_t)k >= sizeof(link))
				return -ENAMETOOLONG;
			link[k] = '\0';
		}

		if (++links > MAX_SYMLINKS)
			return -ELOOP;
		path_pop(&cur);
		if (link[0] == '/') {
			/* Absolute: from the target's root. Magic links under /proc
			 * (fd/N, cwd, root) read as host paths: map them. */
			const char *view = link;

			if (strncmp(cur.s, "/proc/", 6) == 0 && root_strip(&root, link, &view) < 0)
				view = link;
			cur.len = 0;
			cur.s[0] = '\0';
			if (view != link)
				memmove(link, view, strlen(view) + 1);
		} else if (strchr(link, ':') && strncmp(cur.s, "/proc/", 6) == 0) {
			/* A magic link to a pipe or socket: no path beyond it. */
			snprintf(out, TARGET_PATH_MAX, "%s", link);
			return 0;
		}
		{
			size_t ln = strlen(link), rest = todo_len - at;
			char *nt = malloc(ln + 1 + rest + 1);

			if (!nt)
				return -ENOMEM;
			memcpy(nt, link, ln);
			nt[ln] = '/';
			memcpy(nt + ln + 1, todo + at, rest);
			nt[ln + 1 + rest] = '\0';
			free(todo);
			todo = nt;
			todo_len = ln + 1 + rest;
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
