#pragma once
/*
 * control/request: one request line of the control protocol, parsed and
 * checked (docs/control-protocol.md). What any admitted peer sends is
 * untrusted: every field is checked here, before the server acts on it.
 * Implemented in protocol.c, with the request table (protocol.h).
 */
#include <stddef.h>
#include <stdint.h>

#include "policy/answer.h"
#include "policy/policy.h"
#include "supervisor/control/protocol.h"

/* An answer request, checked for form (whether it applies is the queue's). */
struct control_answer {
	enum decision_kind kind; /* ALLOW, DENY or KILL */
	int err;		 /* deny: the errno (default EPERM) */
	enum answer_scope scope;
	enum answer_cover cover;
	const char *glob; /* ANSWER_COVER_GLOB; points into the request's obj */
};

struct json_object;

/* One request line, parsed and checked. */
struct control_request {
	struct json_object *obj; /* the line's JSON object (owned), or NULL */
	enum control_op op;
	uint64_t ask;		      /* CONTROL_OP_ANSWER: the ask it answers */
	struct control_answer answer; /* CONTROL_OP_ANSWER */
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
