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
#include "supervisor/core/loop.h"

struct control;
struct json_object;

enum control_op {
	CONTROL_OP_HELLO,
	CONTROL_OP_SUBSCRIBE,
	CONTROL_OP_LIST,
	CONTROL_OP_ANSWER,
	CONTROL_OP_POLICY,
};

/* One request line, parsed and checked. */
struct control_request {
	struct json_object *obj; /* the line's JSON object (owned), or NULL */
	enum control_op op;
	uint64_t ask;		  /* CONTROL_OP_ANSWER: the ask it answers */
	struct ask_answer answer; /* CONTROL_OP_ANSWER; .glob points into obj */
};

/*
 * Parse one request line (len bytes, without its newline; need not be
 * NUL-terminated). Pure: no I/O, no state, nothing decided (whether the
 * ask exists is the queue's business). 0, or -EINVAL with *ret_why (static
 * text); on failure ret->obj is still set when the line was a JSON object,
 * so an error reply can echo its "id". Always control_request_done().
 */
int control_request_parse(const char *line, size_t len, struct control_request *ret,
			  const char **ret_why);
void control_request_done(struct control_request *r); /* NULL-safe */

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
/* The directory control sockets of this user live in (for `sysgate prompt`). */
int control_dir(char *buf, size_t size);
