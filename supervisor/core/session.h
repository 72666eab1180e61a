#pragma once
/*
 * session: everything about one supervised sandbox, hanging off one listener
 * fd: its policy, mode, logger, buffers and syscall-name cache. `run` has one,
 * `serve` will have many.
 *
 * Each session serves its listener on a thread of its own (one at a time: a
 * thread stalled on target memory is replaced, see watchdog.c), blocked in
 * SECCOMP_IOCTL_NOTIF_RECV: a round trip then costs exactly recv + send, with
 * no epoll wake-up in between (measured: epoll in front of each recv costs
 * 12-14% per notified call), and a slow session never stalls another. The
 * main thread keeps the event loop for signals and lifecycle. A session
 * thread has its own fs_struct (unshare(CLONE_FS)), so emulation can take on
 * a target's umask without touching the other sessions.
 */
#include <stdbool.h>
#include <stdint.h>

#include "policy/policy.h"
#include "supervisor/log/log.h"
#include "supervisor/target/target.h"

struct session;

struct session_config {
	const struct policy *policy;	/* borrowed; outlives the session */
	enum policy_mode mode;		/* may differ from policy->mode (--mode) */
	struct logger *log;		/* borrowed */
	struct ask_queue *asks;		/* borrowed; NULL: asks get ask_default at once */
	const struct target_view *view; /* copied: where the policy's paths live;
					 * NULL: the first caller's (serve, crun exec) */
	bool exec_notified;		/* the filter is policy_compile's of policy (run): when
					 * policy_notifies_exec, every exec is seen */
	const char *container;		/* copied; for records (serve) */
	const char *pod;
};

/* Takes ownership of listener. */
int session_new(int listener, const struct session_config *cfg, struct session **ret);
/* NULL-safe; closes the listener. If the session's thread did not end within
 * 2 s (session_stop_timed), the session is leaked instead: the thread still
 * uses it. */
void session_free(struct session *s);
int session_fd(const struct session *s);

/*
 * Receive and answer one notification. 0 when handled or when the call went
 * away (routine); -errno on a broken listener.
 */
int session_handle(struct session *s);

/*
 * Serve the listener on a thread of its own until session_stop() or a broken
 * listener. *ret_done_fd (owned by the session) becomes readable when the
 * thread has ended on its own, with session_error() telling why.
 */
int session_start(struct session *s, int *ret_done_fd);
/*
 * Stop the thread, waiting at most wait_ms for it. A thread asleep in a read
 * of target memory (a page that never arrives, see target.h) is abandoned at
 * once: it can be neither woken nor waited for. 0 when no thread of the
 * session runs any more (it may be freed); -EBUSY if one still does: call
 * again later, never wait without a bound. NULL-safe; idempotent.
 */
int session_stop_timed(struct session *s, unsigned wait_ms);
/* The same with a bound of 2 s, for a caller that can afford it. */
void session_stop(struct session *s);
/* 0, or the -errno that ended the session's thread. */
int session_error(const struct session *s);

struct session_stats {
	uint64_t notifications; /* received */
	uint64_t vanished;	/* calls that went away before we answered (routine) */
};
void session_stats(const struct session *s, struct session_stats *ret);
