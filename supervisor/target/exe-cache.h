#pragma once
/*
 * target/exe-cache.h: what /proc/TID/exe says, without a readlink per call
 * (issue 12). Trusted side.
 *
 * A session whose filter notifies every execve, execveat and prctl (run, when
 * the policy has exe conditions: policy_notifies_exec) keeps one. Each entry
 * is a thread: its tid, a pidfd on that very thread (PIDFD_THREAD), its tgid
 * and its executable. An entry is used only while its pidfd says the thread
 * has not exited, so a reused tid is never taken for the thread it was (a
 * tid is freed only when its thread is gone).
 *
 * An exec changes the executable of its process, and its result is not known
 * when the call is notified: exe_cache_exec(), called for the notification
 * before it is answered, forgets every entry of the process and marks it
 * "exec pending" until the execing thread is seen again (a later call from
 * its tid, its pidfd still alive: the exec returned) or its pidfd says it is
 * gone (a successful exec by a thread other than the leader, which takes the
 * leader's tid; or it was killed). While an exec is pending nothing of that
 * process is cached: every lookup reads /proc afresh, as without the cache.
 * prctl(PR_SET_MM) can set the exe file too, and of every process that
 * shares the caller's memory (clone(CLONE_VM) without CLONE_THREAD makes
 * another tgid with the same mm): it turns the cache off (exe_cache_off).
 *
 * Anything the cache cannot do exactly (no pidfd, a full table of pending
 * execs) turns it off for good: from then on every lookup reads /proc.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct exe_cache;

/* An empty cache, or NULL when out of memory (callers then read /proc). */
struct exe_cache *exe_cache_new(void);
/* NULL-safe; closes every pidfd. */
void exe_cache_free(struct exe_cache *c);

/*
 * tid's executable into out (as target_exe: 0, -ESRCH, -ENAMETOOLONG, ...),
 * for the call of notification id, which waits. From the cache when it is
 * known exact (*ret_cached), else read (and perhaps kept). c may be NULL:
 * then it is target_exe().
 *
 * A value from the cache is the caller's without an ID_VALID check: the
 * entry's pidfd is alive, so tid is that entry's thread; a thread that got
 * tid after the caller lost it made no call the session received before
 * this one. A value read from /proc needs the check, as any read.
 */
int exe_cache_get(struct exe_cache *c, pid_t tid, uint64_t id, char *out, size_t size,
		  bool *ret_cached);

/* tid is about to execve/execveat (notification id, not yet answered; before
 * any lookup for it). NULL-safe. */
void exe_cache_exec(struct exe_cache *c, pid_t tid, uint64_t id);

/* From now on every lookup reads /proc (prctl(PR_SET_MM)). NULL-safe. */
void exe_cache_off(struct exe_cache *c);
