#pragma once
/*
 * control: the control socket (docs/control-protocol.md). JSON lines over a
 * unix socket that only the supervisor's own user and root may use, and of
 * those only processes outside the supervised tree and not under a seccomp
 * filter the supervisor is not under (checked on accept); prompt clients
 * subscribe to pending asks and answer them. Runs on the main thread's event
 * loop and never blocks on a client.
 */
#include "policy/policy.h"
#include "supervisor/ask/ask.h"
#include "supervisor/control/request.h"
#include "supervisor/core/loop.h"

struct control;

struct control_config {
	struct loop *loop;
	struct ask_queue *asks;
	const struct policy *policy;
	const char *policy_name; /* as users know it */
	const char *policy_text; /* the policy as loaded */
	enum policy_mode mode;
};

/* Create the socket and start serving. -errno with *ret_why on failure. */
int control_open(struct control **ret, const struct control_config *cfg, const char **ret_why);
const char *control_path(const struct control *c);
/* Settle every waiting ask (ask_default, "shutdown"; "gone" for callers
 * already dead) and tell the clients, before control_close(). NULL-safe. */
void control_shutdown_asks(struct control *c);
/* Tell subscribed clients the run is over, close them, remove the socket. NULL-safe. */
void control_close(struct control *c);
