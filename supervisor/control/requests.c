/*
 * control/requests: what the server does with each request (the table of
 * protocol.h: any admitted client may send every one). Trusted side; the
 * request was parsed and checked for form by control_request_parse(); its
 * meaning (does the ask exist, does the glob match) is the ask queue's to
 * judge. Main thread (server.h).
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sg-util.h"
#include "supervisor/control/server.h"

/* The protocol's scopes and covers are the ask queue's, value for value. */
_Static_assert((int)ANSWER_ONCE == (int)ASK_ONCE && (int)ANSWER_PROCESS == (int)ASK_PROCESS &&
		       (int)ANSWER_RUN == (int)ASK_RUN && (int)ANSWER_ALWAYS == (int)ASK_ALWAYS,
	       "answer scopes");
_Static_assert((int)ANSWER_COVER_EXACT == (int)ASK_COVER_EXACT &&
		       (int)ANSWER_COVER_DIR == (int)ASK_COVER_DIR &&
		       (int)ANSWER_COVER_GLOB == (int)ASK_COVER_GLOB &&
		       (int)ANSWER_COVER_ANY == (int)ASK_COVER_ANY,
	       "answer covers");

struct json_object *control_reply_new(struct json_object *req, bool ok)
{
	struct json_object *o = json_object_new_object(), *id;

	if (!o)
		return NULL;
	if (req && json_object_object_get_ex(req, "id", &id))
		json_object_object_add(o, "id", json_object_get(id));
	json_object_object_add(o, "ok", json_object_new_boolean(ok));
	return o;
}

void control_reply_error(struct client *cl, struct json_object *req, const char *why)
{
	struct json_object *o = control_reply_new(req, false);

	if (!o)
		return;
	json_object_object_add(o, "error", json_object_new_string(why));
	client_send(cl, o);
	json_object_put(o);
}

/*
 * One handler per request of the protocol's table (protocol.h), each
 * returning the reply to send, or NULL when it sent what it had to itself.
 */
typedef struct json_object *(*request_handler)(struct client *cl, const struct control_request *rq);

static struct json_object *on_hello(struct client *cl, const struct control_request *rq)
{
	const struct control *ctl = cl->ctl;
	const struct policy *p = ctl->cfg.policy;
	const char *e = policy_errno_name(p->ask_default.err);
	struct json_object *o = control_reply_new(rq->obj, true);
	char dflt[64];

	if (!o)
		return NULL;
	if (p->ask_default.kind == DECISION_DENY)
		snprintf(dflt, sizeof(dflt), "deny %s", e ? e : "EPERM");
	else
		snprintf(dflt, sizeof(dflt), "%s", policy_decision_name(p->ask_default.kind));
	json_object_object_add(o, "sysgate", json_object_new_string(SYSGATE_VERSION));
	json_object_object_add(o, "pid", json_object_new_int(getpid()));
	json_object_object_add(o, "policy", json_object_new_string(ctl->cfg.policy_name));
	json_object_object_add(
		o, "mode",
		json_object_new_string(ctl->cfg.mode == POLICY_COMPLAIN ? "complain" : "enforce"));
	json_object_object_add(o, "ask_timeout_ms", json_object_new_uint64(p->ask_timeout_ms));
	json_object_object_add(o, "ask_default", json_object_new_string(dflt));
	return o;
}

static struct json_object *on_subscribe(struct client *cl, const struct control_request *rq)
{
	struct control *ctl = cl->ctl;
	struct json_object *pending = ask_list(ctl->cfg.asks), *o;

	/* A prompt now: it may wait for asks as long as it likes. */
	cl->subscribed = true;
	ask_set_attached(ctl->cfg.asks, control_count_subscribed(ctl));
	/* The reply first, then the calls already waiting, as events. */
	o = control_reply_new(rq->obj, true);
	if (o)
		client_send(cl, o);
	json_object_put(o);
	for (size_t i = 0; pending && i < json_object_array_length(pending); i++) {
		struct json_object *ev = json_object_get(json_object_array_get_idx(pending, i));

		json_object_object_add(ev, "event", json_object_new_string("ask"));
		client_send(cl, ev);
		json_object_put(ev);
	}
	json_object_put(pending);
	return NULL;
}

static struct json_object *on_list(struct client *cl, const struct control_request *rq)
{
	struct json_object *o = control_reply_new(rq->obj, true);

	if (o)
		json_object_object_add(o, "pending", ask_list(cl->ctl->cfg.asks));
	return o;
}

static struct json_object *on_answer(struct client *cl, const struct control_request *rq)
{
	struct control *ctl = cl->ctl;
	const struct control_answer *ca = &rq->answer;
	const struct ask_answer a = {
		.kind = ca->kind,
		.err = ca->err,
		.scope = (enum ask_scope)ca->scope,
		.cover = (enum ask_cover)ca->cover,
		.glob = ca->glob,
	};
	char *covers = NULL, *written = NULL;
	const char *why = NULL;
	struct json_object *o;
	int r = ask_answer(ctl->cfg.asks, rq->ask, &a, &covers, &written, &why, control_on_resolved,
			   ctl);

	if (r < 0) {
		control_reply_error(cl, rq->obj, why ? why : strerror(-r));
		return NULL;
	}
	o = control_reply_new(rq->obj, true);
	if (o) {
		json_object_object_add(o, "covers", json_object_new_string(covers));
		if (written)
			json_object_object_add(o, "written", json_object_new_string(written));
	}
	free(covers);
	free(written);
	control_arm_timer(ctl, ask_tick(ctl->cfg.asks, control_on_resolved, ctl));
	return o;
}

static struct json_object *on_policy(struct client *cl, const struct control_request *rq)
{
	const struct control *ctl = cl->ctl;
	struct json_object *o = control_reply_new(rq->obj, true);

	if (o) {
		json_object_object_add(o, "file", json_object_new_string(ctl->cfg.policy_name));
		json_object_object_add(o, "text", json_object_new_string(ctl->cfg.policy_text));
		json_object_object_add(o, "remembered", ask_remembered_list(ctl->cfg.asks));
	}
	return o;
}

/* Indexed by the op of the protocol's table: every op has its handler. */
static const request_handler handlers[CONTROL_N_OPS] = {
	[CONTROL_OP_HELLO] = on_hello,	 [CONTROL_OP_SUBSCRIBE] = on_subscribe,
	[CONTROL_OP_LIST] = on_list,	 [CONTROL_OP_ANSWER] = on_answer,
	[CONTROL_OP_POLICY] = on_policy,
};

static void handle_request(struct client *cl, const struct control_request *rq)
{
	struct json_object *o;

	if ((unsigned)rq->op >= CONTROL_N_OPS || !handlers[rq->op])
		return control_reply_error(cl, rq->obj, "unknown op");
	o = handlers[rq->op](cl, rq);
	if (o)
		client_send(cl, o);
	json_object_put(o);
}

void control_handle_line(struct client *cl, char *line, size_t len)
{
	struct control_request rq;
	const char *why = NULL;

	if (control_request_parse(line, len, &rq, &why) < 0) {
		control_reply_error(cl, rq.obj, why);
	} else {
		/* A request that means something keeps a client that has
		 * not subscribed from being closed as idle. */
		if (!cl->subscribed)
			cl->deadline_ms = control_now_ms() + IDLE_MS;
		handle_request(cl, &rq);
		control_arm_idle_timer(cl->ctl);
	}
	control_request_done(&rq);
}
