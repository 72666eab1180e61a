/*
 * target/mem.c: bounded reads of the target's memory, and the guard that lets
 * a watchdog abandon a read the target has made sleep forever. Trusted side;
 * every byte read comes from the untrusted one. See target.h.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>

#include "sg-util.h"
#include "supervisor/target/target.h"

/* This thread's guard; see target.h. Spans nest: only the outermost
 * begins and ends the watched time, every end checks for abandonment.
 * Thread-local, so never shared: the watchdog sees only *guard. Nothing else
 * in the target room is static: every other read keeps its state on the
 * caller's stack. */
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
