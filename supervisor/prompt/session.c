/*
 * prompt/session: the command loop of one attached prompt (session.h):
 * poll the socket and the input, turn events into calls shown and lines
 * typed into requests, until q, the end of input or the supervisor's.
 * Client side; runs on the thread that called prompt_session().
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "policy/answer.h"
#include "policy/policy.h"
#include "sg-util.h"
#include "supervisor/control/protocol.h"
#include "supervisor/prompt/prompt.h"
#include "supervisor/prompt/session.h"

/* Tell run --prompt whether we need the keyboard: while a call waits. */
static void update_focus(struct session *s)
{
	bool want = s->status < 0 && !s->leaving && (s->n_asks > 0 || s->confirming);

	if (!s->focus || want == s->focused)
		return;
	s->focused = want;
	s->focus(s->focus_data, want);
}

struct req *prompt_add_req(struct session *s, enum req_kind kind, struct json_object *o)
{
	struct req *q;

	if (s->n_reqs == REQS_MAX)
		return NULL;
	q = &s->reqs[s->n_reqs];
	*q = (struct req){.id = ++s->next_id, .kind = kind, .ask = -1};
	json_object_object_add(o, "id", json_object_new_int64(q->id));
	return q;
}

/* The supervisor went away while we wrote: say so once and end. */
static void gone(struct session *s)
{
	if (s->status < 0) {
		prompt_say(s, "sysgate prompt: sysgate %lld has exited\n", s->info.pid);
		s->status = 0;
	}
}

int prompt_send_req(struct session *s, struct json_object *o)
{
	int r = prompt_send(s->sock, o);

	if (r == -EPIPE || r == -ECONNRESET) {
		gone(s);
	} else if (r < 0) {
		prompt_say(s, "sysgate prompt: cannot write to sysgate: %s\n", strerror(-r));
		s->status = 1;
	} else {
		s->n_reqs++;
	}
	return r;
}

static void on_ask(struct session *s, struct json_object *o)
{
	struct ask *a = NULL;
	struct ask **v;
	int r = prompt_ask_from(o, &a);

	if (r == -EINVAL) {
		prompt_warn_server(s, "an ask event without a call number");
		return;
	}
	if (r < 0) {
		prompt_say(s, "sysgate prompt: %s\n", strerror(-r));
		return;
	}
	if (prompt_find_ask(s, a->id, NULL)) {
		prompt_ask_free(a);
		return; /* already queued (e.g. sent again on a new subscribe) */
	}
	prompt_print_block(s, a);
	if (s->n_asks == PENDING_MAX) {
		prompt_say(s, "sysgate prompt: %d calls pending; [%lld] is not queued here\n",
			   PENDING_MAX, a->id);
		prompt_ask_free(a);
		return;
	}
	v = realloc(s->asks, (s->n_asks + 1) * sizeof(*v));
	if (!v) {
		prompt_ask_free(a);
		return;
	}
	s->asks = v;
	s->asks[s->n_asks++] = a;
}

static void on_resolved(struct session *s, struct json_object *o)
{
	long long id;
	struct ask *a;
	const char *by = prompt_jstr(o, "by"), *why;
	_cleanup_free_ char *dec = NULL;

	if (!prompt_jint(o, "ask", &id)) {
		prompt_warn_server(s, "a resolved event without a call number");
		return;
	}
	a = prompt_find_ask(s, id, NULL);
	if (!a)
		return;
	/* Our own answer: its reply says what it did. */
	if (a->answering && by && streq(by, "answer")) {
		prompt_drop_ask(s, id);
		return;
	}
	dec = prompt_safe_or(prompt_jstr(o, "decision"), "?");
	if (!by)
		why = "?";
	else if (streq(by, "answer"))
		why = "answered by another client";
	else if (streq(by, "timeout"))
		why = "timeout";
	else if (streq(by, "gone"))
		why = "gone: the caller died or the call was interrupted";
	else if (streq(by, "shutdown"))
		why = "shutdown";
	else
		why = "?";
	prompt_say(s, "[%lld] resolved: %s (%s)\n", id, dec ? dec : "?", why);
	prompt_drop_ask(s, id);
}

static void on_reply(struct session *s, struct json_object *o)
{
	struct json_object *ok;
	long long id;
	struct req q;
	size_t i;

	if (!prompt_jint(o, "id", &id)) {
		prompt_warn_server(s, "a reply without our request id");
		return;
	}
	for (i = 0; i < s->n_reqs; i++)
		if (s->reqs[i].id == id)
			break;
	if (i == s->n_reqs) {
		prompt_warn_server(s, "a reply to no request of ours");
		return;
	}
	q = s->reqs[i];
	memmove(s->reqs + i, s->reqs + i + 1, (s->n_reqs - i - 1) * sizeof(*s->reqs));
	s->n_reqs--;
	json_object_object_get_ex(o, "ok", &ok);
	if (!json_object_get_boolean(ok)) {
		_cleanup_free_ char *e = prompt_safe_or(prompt_jstr(o, "error"), "no reason given");
		struct ask *a;

		if (q.kind == REQ_SUBSCRIBE) {
			prompt_say(s, "sysgate prompt: sysgate refused to subscribe us: %s\n",
				   e ? e : "?");
			s->status = 1;
			return;
		}
		prompt_say(s, "[%lld] answer refused: %s\n", q.ask, e ? e : "?");
		a = prompt_find_ask(s, q.ask, NULL);
		if (a)
			a->answering = false;
		return;
	}
	if (q.kind == REQ_SUBSCRIBE)
		s->subscribed = true;
	if (q.kind == REQ_ANSWER) {
		_cleanup_free_ char *covers = NULL, *written = NULL;

		if (prompt_jstr(o, "covers"))
			covers = control_term_safe(prompt_jstr(o, "covers"));
		if (prompt_jstr(o, "written"))
			written = control_term_safe(prompt_jstr(o, "written"));
		prompt_say(s, "[%lld] answered %s", q.ask, q.what);
		if (covers && !streq(q.scope, "once"))
			prompt_say(s, "; covers: %s", covers);
		if (written)
			prompt_say(s, "; written: %s", written);
		prompt_say(s, "\n");
		prompt_drop_ask(s, q.ask);
	}
}

static void server_line(struct session *s, char *line)
{
	struct json_object *o;
	const char *why, *ev;

	o = prompt_parse_line(line, &why);
	if (!o) {
		prompt_warn_server(s, why);
		return;
	}
	ev = prompt_jstr(o, "event");
	if (ev) {
		if (streq(ev, "ask"))
			on_ask(s, o);
		else if (streq(ev, "resolved"))
			on_resolved(s, o);
		/* Unknown events are for newer clients. */
	} else if (json_object_object_get_ex(o, "ok", NULL)) {
		on_reply(s, o);
	} else {
		prompt_warn_server(s, "neither an event nor a reply");
	}
	json_object_put(o);
}

static void drain_server(struct session *s)
{
	char *line;
	int r;

	while (s->status < 0 && (r = lb_next(&s->srv, &line)) != 0) {
		if (r < 0)
			prompt_warn_server(s, "a line longer than 65536 bytes");
		else
			server_line(s, line);
	}
}

static int session_loop(struct session *s)
{
	bool in_open = true, left = false;
	struct timespec leave_at;

	while (s->status < 0) {
		struct pollfd p[2] = {
			{.fd = s->sock, .events = POLLIN},
			{.fd = s->in_fd, .events = POLLIN},
		};
		int timeout = -1, r;
		ssize_t n;

		update_focus(s);
		prompt_show(s);
		fflush(s->out);
		if (!s->subscribed) {
			long long el = prompt_ms_since(&s->started);

			if (el >= HELLO_TIMEOUT_MS) {
				prompt_say(s, "sysgate prompt: no reply to subscribe within %d s\n",
					   HELLO_TIMEOUT_MS / 1000);
				return 1;
			}
			timeout = (int)(HELLO_TIMEOUT_MS - el);
		}
		if (s->leaving) {
			long long el;

			if (!left)
				clock_gettime(CLOCK_MONOTONIC, &leave_at);
			left = true;
			el = prompt_ms_since(&leave_at);
			/* Only answers in flight keep us: print what became of them. */
			if (s->n_reqs == 0 || el >= DRAIN_TIMEOUT_MS)
				return 0;
			timeout = (int)(DRAIN_TIMEOUT_MS - el);
		}
		/* Input waits for the subscribe reply, so that a line piped in at
		 * once answers the calls that were already pending. Lines already
		 * read wait only for what the socket has now. */
		if (lb_has_line(&s->in) && !s->leaving && s->subscribed)
			timeout = 0;
		r = poll(p, in_open && !s->leaving && s->subscribed ? 2 : 1, timeout);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			prompt_say(s, "sysgate prompt: poll: %m\n");
			return 1;
		}
		if (p[0].revents) {
			n = lb_read(&s->srv, s->sock);
			if (n == 0 || n == -ECONNRESET) {
				drain_server(s);
				gone(s);
				break;
			}
			if (n < 0) {
				prompt_say(s, "sysgate prompt: reading from sysgate: %s\n",
					   strerror((int)-n));
				return 1;
			}
			drain_server(s);
		}
		if (!s->subscribed)
			continue;
		if (lb_has_line(&s->in)) {
			prompt_next_input(s);
			continue;
		}
		if (in_open && !s->leaving && p[1].revents) {
			n = lb_read(&s->in, s->in_fd);
			if (n < 0 && n != -EAGAIN) {
				prompt_say(s, "sysgate prompt: reading input: %s\n",
					   strerror((int)-n));
				n = 0;
			}
			if (n != 0) {
				prompt_next_input(s);
				continue;
			}
			/* EOF: a last line without '\n' still counts. */
			char *rest = lb_rest(&s->in);

			if (rest && s->status < 0)
				prompt_input_line(s, rest);
			in_open = false;
			s->leaving = true;
			if (s->prompt_shown) {
				/* ^D on a terminal leaves the cursor after the prompt. */
				fputc('\n', s->out);
				s->prompt_shown = false;
			}
		}
	}
	fflush(s->out);
	return s->status;
}

int prompt_session(int sock, int in_fd, FILE *out)
{
	return prompt_session_focus(sock, in_fd, out, NULL, NULL);
}

int prompt_session_focus(int sock, int in_fd, FILE *out, void (*focus)(void *data, bool want),
			 void *data)
{
	struct session s = {
		.sock = sock,
		.in_fd = in_fd,
		.out = out,
		.echo = !isatty(in_fd),
		.last_block = -1,
		.last_prompt = -1,
		.status = -1,
		.focus = focus,
		.focus_data = data,
	};
	struct json_object *o = NULL;
	char why[512];
	int r, status = 1;

	if (lb_init(&s.srv, CONTROL_LINE_MAX) < 0 || lb_init(&s.in, INPUT_LINE_MAX) < 0) {
		fprintf(out, "sysgate prompt: out of memory\n");
		goto out;
	}
	r = prompt_hello(sock, &s.srv, &s.info, why, sizeof(why));
	if (r < 0) {
		fprintf(out, "sysgate prompt: %s\n", why);
		goto out;
	}
	fprintf(out, "sysgate prompt: attached to sysgate %lld (%s, mode %s, ", s.info.pid,
		s.info.policy, s.info.mode);
	if (s.info.ask_timeout_ms < 0)
		fprintf(out, "asks wait ? then %s)\n", s.info.ask_default);
	else if (s.info.ask_timeout_ms % 1000 == 0)
		fprintf(out, "asks wait %llds then %s)\n", s.info.ask_timeout_ms / 1000,
			s.info.ask_default);
	else
		fprintf(out, "asks wait %.1fs then %s)\n", (double)s.info.ask_timeout_ms / 1000,
			s.info.ask_default);
	fprintf(out, "sysgate prompt: waiting for calls (? for help, q to quit)\n");

	o = json_object_new_object();
	if (!o || !prompt_add_req(&s, REQ_SUBSCRIBE, o)) {
		fprintf(out, "sysgate prompt: out of memory\n");
		goto out;
	}
	json_object_object_add(o, "op", json_object_new_string("subscribe"));
	if (prompt_send_req(&s, o) < 0) {
		status = s.status < 0 ? 1 : s.status;
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &s.started);
	/* The hello reply may have come with more behind it. */
	drain_server(&s);
	status = s.status >= 0 ? s.status : session_loop(&s);
out:
	fflush(out);
	if (s.focused)
		focus(data, false);
	json_object_put(o);
	for (size_t i = 0; i < s.n_asks; i++)
		prompt_ask_free(s.asks[i]);
	free(s.asks);
	server_info_done(&s.info);
	lb_done(&s.srv);
	lb_done(&s.in);
	return status;
}
