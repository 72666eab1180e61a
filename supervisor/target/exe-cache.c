/*
 * target/exe-cache.c: a target thread's executable, learnt once per exec
 * (see exe-cache.h for the rules that keep it exact). Trusted side.
 *
 * Small tables scanned linearly: a few hundred threads at most are kept
 * (each holds a pidfd); the oldest entry gives way to a new one.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sg-util.h"
#include "supervisor/target/exe-cache.h"
#include "supervisor/target/target.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL /* Linux 6.9: a pidfd on the thread, not its group */
#endif

#define EXE_CACHE_ENTRIES 256
#define EXE_CACHE_PENDING 64

struct exe_entry {
	pid_t tid; /* 0: free */
	pid_t tgid;
	int pidfd;	    /* on the thread (PIDFD_THREAD) */
	bool valid;	    /* exe holds what /proc/TID/exe says */
	unsigned long used; /* for eviction: the oldest goes */
	char exe[TARGET_PATH_MAX];
};

/* An exec (or PR_SET_MM_EXE_FILE) notified but not known to be over. */
struct exe_pending {
	pid_t tgid;  /* 0: free */
	pid_t tid;   /* the thread that execs */
	int pidfd;   /* on it (PIDFD_THREAD), opened before its tgid was read */
	uint64_t id; /* the exec's notification: its own lookups do not end it */
};

struct exe_cache {
	pthread_mutex_t lock;
	bool off; /* something could not be done exactly: read /proc always */
	unsigned long clock;
	struct exe_entry e[EXE_CACHE_ENTRIES];
	struct exe_pending p[EXE_CACHE_PENDING];
};

struct exe_cache *exe_cache_new(void)
{
	struct exe_cache *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	pthread_mutex_init(&c->lock, NULL);
	for (size_t i = 0; i < EXE_CACHE_ENTRIES; i++)
		c->e[i].pidfd = -1;
	for (size_t i = 0; i < EXE_CACHE_PENDING; i++)
		c->p[i].pidfd = -1;
	return c;
}

void exe_cache_free(struct exe_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < EXE_CACHE_ENTRIES; i++)
		safe_close(c->e[i].pidfd);
	for (size_t i = 0; i < EXE_CACHE_PENDING; i++)
		safe_close(c->p[i].pidfd);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

static int thread_pidfd(pid_t tid)
{
	long fd = syscall(SYS_pidfd_open, tid, PIDFD_THREAD);

	return fd < 0 ? -errno : (int)fd;
}

/* Has the thread of this pidfd not exited? A pidfd turns readable when it
 * has (and stays so). Any doubt is "gone". */
static bool alive(int pidfd)
{
	struct pollfd q = {.fd = pidfd, .events = POLLIN};
	int r;

	do
		r = poll(&q, 1, 0);
	while (r < 0 && errno == EINTR);
	return r == 0;
}

static void entry_drop(struct exe_entry *e)
{
	e->pidfd = safe_close(e->pidfd);
	e->tid = 0;
	e->valid = false;
}

static void pending_drop(struct exe_pending *p)
{
	p->pidfd = safe_close(p->pidfd);
	p->tgid = 0;
}

/* Pending execs of tgid that are not over yet; those that are, dropped. */
static bool exec_pending(struct exe_cache *c, pid_t tgid)
{
	bool any = false;

	for (size_t i = 0; i < EXE_CACHE_PENDING; i++) {
		struct exe_pending *p = &c->p[i];

		if (!p->tgid || p->tgid != tgid)
			continue;
		if (!alive(p->pidfd))
			pending_drop(p); /* done (a leader's tid taken over) or killed */
		else
			any = true;
	}
	return any;
}

/* tid makes a call other than the exec itself: an exec it was making has
 * returned (its pidfd is still alive, so tid is that very thread, not a
 * reuse; a thread makes one call at a time). */
static void exec_returned(struct exe_cache *c, pid_t tid, uint64_t id)
{
	for (size_t i = 0; i < EXE_CACHE_PENDING; i++) {
		struct exe_pending *p = &c->p[i];

		if (p->tgid && p->tid == tid && p->id != id && alive(p->pidfd))
			pending_drop(p);
	}
}

static struct exe_entry *entry_find(struct exe_cache *c, pid_t tid)
{
	for (size_t i = 0; i < EXE_CACHE_ENTRIES; i++)
		if (c->e[i].tid == tid)
			return &c->e[i];
	return NULL;
}

static struct exe_entry *entry_take(struct exe_cache *c)
{
	struct exe_entry *old = &c->e[0];

	for (size_t i = 0; i < EXE_CACHE_ENTRIES; i++) {
		if (!c->e[i].tid)
			return &c->e[i];
		if (c->e[i].used < old->used)
			old = &c->e[i];
	}
	entry_drop(old);
	return old;
}

/*
 * A new entry for tid: the pidfd first, then what /proc says, then the pidfd
 * still alive: whatever was read is then that thread's (a tid is reused only
 * once its thread is gone). NULL when any of it fails: the caller reads
 * /proc without the cache.
 */
static struct exe_entry *entry_new(struct exe_cache *c, pid_t tid)
{
	struct exe_entry *e;
	int fd = thread_pidfd(tid);
	pid_t tgid;

	if (fd < 0) {
		if (fd != -ESRCH)
			c->off = true; /* no thread pidfds here (before Linux 6.9) */
		return NULL;
	}
	tgid = target_tgid(tid);
	if (tgid <= 0 || !alive(fd)) {
		safe_close(fd);
		return NULL;
	}
	e = entry_take(c);
	e->tid = tid;
	e->tgid = tgid;
	e->pidfd = fd;
	e->valid = false;
	return e;
}

int exe_cache_get(struct exe_cache *c, pid_t tid, uint64_t id, char *out, size_t size,
		  bool *ret_cached)
{
	struct exe_entry *e;
	int r;

	*ret_cached = false;
	if (!c)
		return target_exe(tid, out, size);
	pthread_mutex_lock(&c->lock);
	if (c->off)
		goto fresh;
	exec_returned(c, tid, id);
	e = entry_find(c, tid);
	if (e && !alive(e->pidfd)) {
		entry_drop(e); /* that thread is gone: tid is someone else now */
		e = NULL;
	}
	if (e && e->valid && !exec_pending(c, e->tgid)) {
		e->used = ++c->clock;
		if (strlen(e->exe) >= size) {
			r = -ENAMETOOLONG;
		} else {
			memcpy(out, e->exe, strlen(e->exe) + 1);
			r = 0;
		}
		*ret_cached = true;
		pthread_mutex_unlock(&c->lock);
		return r;
	}
	if (!e)
		e = entry_new(c, tid);
	if (!e)
		goto fresh;
	e->used = ++c->clock;
	r = target_exe(tid, e->exe, sizeof(e->exe));
	/* Kept only if the read was this thread's and no exec of its process
	 * may be changing it under us. */
	e->valid = r == 0 && alive(e->pidfd) && !exec_pending(c, e->tgid);
	if (r == 0 && strlen(e->exe) >= size)
		r = -ENAMETOOLONG;
	else if (r == 0)
		memcpy(out, e->exe, strlen(e->exe) + 1);
	pthread_mutex_unlock(&c->lock);
	return r;
fresh:
	pthread_mutex_unlock(&c->lock);
	return target_exe(tid, out, size);
}

void exe_cache_exec(struct exe_cache *c, pid_t tid, uint64_t id)
{
	struct exe_pending *slot = NULL;
	pid_t tgid;
	int fd;

	if (!c)
		return;
	pthread_mutex_lock(&c->lock);
	if (c->off)
		goto out;
	/* The pidfd first, then the tgid, then the pidfd alive: the tgid is
	 * that thread's. */
	fd = thread_pidfd(tid);
	tgid = fd < 0 ? -1 : target_tgid(tid);
	if (fd < 0 || tgid <= 0 || !alive(fd)) {
		safe_close(fd);
		/* Whose exec it is cannot be told: no entry can be trusted. */
		c->off = true;
		goto out;
	}
	for (size_t i = 0; i < EXE_CACHE_ENTRIES; i++)
		if (c->e[i].tid && c->e[i].tgid == tgid)
			c->e[i].valid = false;
	for (size_t i = 0; i < EXE_CACHE_PENDING && !slot; i++) {
		if (c->p[i].tgid && !alive(c->p[i].pidfd))
			pending_drop(&c->p[i]);
		if (!c->p[i].tgid)
			slot = &c->p[i];
	}
	if (!slot) {
		safe_close(fd);
		c->off = true; /* more execs in flight than we can follow */
		goto out;
	}
	slot->tgid = tgid;
	slot->tid = tid;
	slot->pidfd = fd;
	slot->id = id;
out:
	pthread_mutex_unlock(&c->lock);
}

void exe_cache_off(struct exe_cache *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&c->lock);
	c->off = true;
	pthread_mutex_unlock(&c->lock);
}
