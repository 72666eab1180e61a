#pragma once
/*
 * session: everything about one supervised sandbox, hanging off one listener
 * fd: its policy, mode, logger, buffers and syscall-name cache. The loop only
 * multiplexes sessions; `run` has one, `serve` will have many.
 */
#include <stdbool.h>
#include <stdint.h>

#include "policy/policy.h"
#include "supervisor/log.h"

struct session;

struct session_config {
	const struct policy *policy; /* borrowed; outlives the session */
	enum policy_mode mode;       /* may differ from policy->mode (--mode) */
	struct logger *log;          /* borrowed */
};

/* Takes ownership of listener. */
int session_new(int listener, const struct session_config *cfg, struct session **ret);
void session_free(struct session *s); /* NULL-safe; closes the listener */
int session_fd(const struct session *s);

/*
 * Receive and answer one notification. 0 when handled or when the call went
 * away (routine); -errno on a broken listener.
 */
int session_handle(struct session *s);

struct session_stats {
	uint64_t notifications; /* received */
	uint64_t vanished;      /* calls that went away before we answered (routine) */
};
void session_stats(const struct session *s, struct session_stats *ret);
