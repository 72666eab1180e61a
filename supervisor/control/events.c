/*
 * control/events: what subscribers are told: each new ask, each resolved
 * one, and the timer that applies ask deadlines. Trusted side: the events
 * carry target strings, sanitized by the ask queue, to clients we admitted.
 * Main thread (server.h).
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "sg-util.h"
#include "supervisor/control/server.h"
#include "supervisor/log/diag.h"

void control_on_resolved(void *data, uint64_t seq, enum decision_kind kind, int err, const char *by)
{
	struct control *ctl = data;
	struct json_object *o = json_object_new_object();

	if (!o)
		return;
	json_object_object_add(o, "event", json_object_new_string("resolved"));
	json_object_object_add(o, "ask", json_object_new_uint64(seq));
	json_object_object_add(o, "decision", json_object_new_string(policy_decision_name(kind)));
	json_object_object_add(o, "by", json_object_new_string(by));
	if (kind == DECISION_DENY && err > 0 && strcmp(by, "gone") != 0) {
		const char *name = policy_errno_name(err);

		json_object_object_add(
			o, "errno", name ? json_object_new_string(name) : json_object_new_int(err));
	}
	control_broadcast(ctl, o);
	json_object_put(o);
}

void control_arm_timer(struct control *ctl, long ms)
{
	struct itimerspec its = {};

	if (ms >= 0) {
		ms = MAX(ms, 1);
		its.it_value.tv_sec = ms / 1000;
		its.it_value.tv_nsec = (ms % 1000) * 1000000;
	}
	timerfd_settime(ctl->timerfd, 0, &its, NULL);
}

void control_broadcast(struct control *ctl, struct json_object *o)
{
	for (int i = 0; i < MAX_CLIENTS; i++) {
		struct client *cl = ctl->clients[i];

		if (cl && cl->subscribed)
			client_send(cl, o);
	}
}

/* New asks from the session threads: tell the subscribers. */
int control_on_asks(void *data, uint32_t events)
{
	struct control *ctl = data;
	struct json_object *items = NULL;

	(void)events;
	if (ask_take_new(ctl->cfg.asks, &items) == 0) {
		/* Calls wait and nobody is there to answer: say once how to. */
		if (json_object_array_length(items) > 0 && !control_count_subscribed(ctl) &&
		    !ctl->said_attach) {
			ctl->said_attach = true;
			diag(DIAG_NOTICE,
			     "a call waits for an answer: attach with `sysgate prompt %d` "
			     "(within %u ms, or it gets ask_default)",
			     (int)getpid(), ctl->cfg.policy ? ctl->cfg.policy->ask_timeout_ms : 0);
		}
		for (size_t i = 0; i < json_object_array_length(items); i++) {
			struct json_object *ev = json_object_array_get_idx(items, i);

			json_object_object_add(ev, "event", json_object_new_string("ask"));
			control_broadcast(ctl, ev);
		}
		json_object_put(items);
	}
	control_reap_clients(ctl);
	control_arm_timer(ctl, ask_tick(ctl->cfg.asks, control_on_resolved, ctl));
	return 0;
}

int control_on_timer(void *data, uint32_t events)
{
	struct control *ctl = data;
	uint64_t n;
	ssize_t k = read(ctl->timerfd, &n, sizeof(n));

	(void)k;
	(void)events;
	control_arm_timer(ctl, ask_tick(ctl->cfg.asks, control_on_resolved, ctl));
	control_reap_clients(ctl);
	return 0;
}
