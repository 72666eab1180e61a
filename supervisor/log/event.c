/*
 * log/event: records about a sandbox rather than about a call. Today one:
 * `sysgate serve` says, when a sandbox is handed over, which container it
 * is, which policy serves it and how many syscalls that policy's profile
 * notifies, so that a profile that notifies nothing is seen at once rather
 * than inferred from a silent log. On every sink that takes records, in its
 * own form (text, JSON, an audit user record), queued like any record.
 *
 * Trust: the container id and pod name come from the runtime's message,
 * relayed from whoever wrote the container's config; they are escaped here
 * like every target-controlled string.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "supervisor/log/internal.h"

/* The text form, without the "sysgate: " prefix. */
static void handover_text(FILE *f, const struct log_handover *h)
{
	char id[512], pod[512], pol[512];

	if (log_escape(h->container ? h->container : "?", id, sizeof(id)) < 0)
		snprintf(id, sizeof(id), "?");
	if (h->pod && log_escape(h->pod, pod, sizeof(pod)) < 0)
		snprintf(pod, sizeof(pod), "?");
	if (log_escape(h->policy ? h->policy : "?", pol, sizeof(pol)) < 0)
		snprintf(pol, sizeof(pol), "?");
	fprintf(f, "[%s%s%s] handed over: policy %s", id, h->pod ? " pod " : "", h->pod ? pod : "",
		pol);
	if (h->why) {
		char why[512];

		if (log_escape(h->why, why, sizeof(why)) < 0)
			snprintf(why, sizeof(why), "?");
		fprintf(f, " (%s): every call its profile notifies is denied", why);
		return;
	}
	if (h->profile_notified < 0 || (size_t)h->profile_notified == h->notified) {
		fprintf(f, ", %zu syscalls notified", h->notified);
		if (h->notified == 0)
			fputs(": the policy supervises nothing, so no call of it reaches sysgate",
			      f);
		return;
	}
	/* The container's profile is not the policy's export. */
	fprintf(f, ", %ld syscalls notified by its profile%s (the policy's export notifies %zu)",
		h->profile_notified, h->profile_all ? " and every call it does not name" : "",
		h->notified);
	if (h->profile_notified == 0 && !h->profile_all)
		fputs(": its profile sends no call to sysgate", f);
}

static char *handover_json(const struct log_handover *h)
{
	struct json_object *o = json_object_new_object();
	_cleanup_free_ char *id = log_utf8_sanitize(h->container ? h->container : "?");
	_cleanup_free_ char *pod = h->pod ? log_utf8_sanitize(h->pod) : NULL;
	_cleanup_free_ char *pol = log_utf8_sanitize(h->policy ? h->policy : "?");
	_cleanup_free_ char *why = h->why ? log_utf8_sanitize(h->why) : NULL;
	struct timespec now;
	char tbuf[64], *out = NULL;
	int r = 0;

	clock_gettime(CLOCK_REALTIME, &now);
	if (!o || !id || !pol || (h->pod && !pod) || (h->why && !why) ||
	    log_json_time(&now, tbuf, sizeof(tbuf)) < 0) {
		json_object_put(o);
		return NULL;
	}
	r |= log_json_add(o, "time", json_object_new_string(tbuf));
	r |= log_json_add(o, "sysgate", json_object_new_string("handover"));
	r |= log_json_add(o, "container", json_object_new_string(id));
	if (pod)
		r |= log_json_add(o, "pod", json_object_new_string(pod));
	r |= log_json_add(o, "policy", json_object_new_string(pol));
	if (why)
		r |= log_json_add(o, "why", json_object_new_string(why));
	else
		r |= log_json_add(o, "notified", json_object_new_int64((int64_t)h->notified));
	if (!why && h->profile_notified >= 0) {
		r |= log_json_add(o, "profile_notified",
				  json_object_new_int64(h->profile_notified));
		if (h->profile_all)
			r |= log_json_add(o, "profile_default_notify", json_object_new_boolean(1));
	}
	if (r == 0 && asprintf(&out, "%s\n", json_object_to_json_string_ext(o, JSON_FLAGS)) < 0)
		out = NULL;
	json_object_put(o);
	return out;
}

static char *handover_audit(const struct log_handover *h)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return NULL;
	fputs("op=sysgate-handover", f);
	audit_sink_value(f, "container", h->container);
	if (h->pod)
		audit_sink_value(f, "pod", h->pod);
	audit_sink_value(f, "policy", h->policy);
	if (h->why)
		audit_sink_value(f, "why", h->why);
	else
		fprintf(f, " notified=%zu", h->notified);
	if (!h->why && h->profile_notified >= 0)
		fprintf(f, " profile_notified=%ld%s", h->profile_notified,
			h->profile_all ? " profile_default=notify" : "");
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

void log_emit_handover(struct logger *l, const struct log_handover *h)
{
	_cleanup_free_ char *text = NULL, *json = NULL, *audit = NULL, *plain = NULL;
	bool may_wait;

	if (!l || !h)
		return;
	{
		size_t len = 0;
		FILE *f = open_memstream(&plain, &len);

		if (f) {
			handover_text(f, h);
			if (fclose(f) != 0) {
				free(plain);
				plain = NULL;
			}
		}
	}
	if (plain && asprintf(&text, "sysgate: %s\n", plain) < 0)
		text = NULL;
	json = handover_json(h);
	audit = handover_audit(h);
	may_wait = !pthread_equal(pthread_self(), l->owner);
	for (size_t i = 0; i < l->n_sinks; i++) {
		struct sink *s = l->sinks[i];
		struct entry e = {.kind = ENTRY_RAW, .prio = LOG_NOTICE};
		const char *src;

		if (!s->records)
			continue;
		if (s->kind == SINK_AUDIT)
			src = audit;
		else if (s->kind == SINK_SYSLOG)
			src = l->fmt == LOG_JSON ? json : plain;
		else
			src = l->fmt == LOG_JSON ? json : text;
		e.text = src ? strdup(src) : NULL;
		if (!e.text) {
			pthread_mutex_lock(&s->lock);
			queue_count_drop(s);
			pthread_mutex_unlock(&s->lock);
			continue;
		}
		e.len = strlen(e.text);
		queue_push(s, &e, may_wait);
	}
}
