/*
 * prompt/input: what the person types, one line at a time: the commands
 * (? l q #N), an answer to the current call, the confirmation of a
 * remembered one, and the answer request sent for it. Client side: input
 * is the person's, bounded by the line buffer; the session's thread.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "policy/answer.h"
#include "policy/policy.h"
#include "sg-util.h"
#include "supervisor/control/protocol.h"
#include "supervisor/prompt/session.h"

static void send_answer(struct session *s, const struct answer *a)
{
	struct json_object *o = json_object_new_object();
	struct ask *k = prompt_find_ask(s, a->ask, NULL);
	struct req *q;

	if (!o || !k) {
		json_object_put(o);
		return;
	}
	q = prompt_add_req(s, REQ_ANSWER, o);
	if (!q) {
		prompt_say(s, "sysgate prompt: too many answers in flight; try again\n");
		json_object_put(o);
		return;
	}
	q->ask = a->ask;
	q->scope = answer_scope_names[a->w.scope];
	snprintf(q->what, sizeof(q->what), "%s%s%s (%s)", policy_decision_name(a->w.kind),
		 a->w.err_word[0] ? " " : "", a->w.err_word, q->scope);
	json_object_object_add(o, "op", json_object_new_string("answer"));
	json_object_object_add(o, "ask", json_object_new_int64(a->ask));
	json_object_object_add(o, "decision",
			       json_object_new_string(policy_decision_name(a->w.kind)));
	if (a->w.err_word[0]) {
		if (a->w.err_word[0] >= '0' && a->w.err_word[0] <= '9')
			json_object_object_add(o, "errno", json_object_new_int(a->w.err));
		else
			json_object_object_add(o, "errno", json_object_new_string(a->w.err_word));
	}
	/* Defaults are left out: a call without a path takes no cover at all. */
	if (a->w.scope != ANSWER_ONCE)
		json_object_object_add(o, "scope", json_object_new_string(q->scope));
	if (a->w.cover != ANSWER_COVER_EXACT) {
		json_object_object_add(o, "cover",
				       json_object_new_string(answer_cover_names[a->w.cover]));
		if (a->w.cover == ANSWER_COVER_GLOB)
			json_object_object_add(o, "glob", json_object_new_string(a->w.glob));
	}
	if (prompt_send_req(s, o) == 0)
		k->answering = true;
	json_object_put(o);
}

/* A line that answers call k: parse, check, confirm if remembered, send. */
static void answer_line(struct session *s, struct ask *k, char *text)
{
	struct answer a = {.ask = k->id};
	char why[512];
	_cleanup_free_ char *d = NULL;

	if (prompt_parse_answer(k, text, &a, why, sizeof(why)) < 0) {
		prompt_say(s, "sysgate prompt: %s (? for help)\n", why);
		return;
	}
	if (a.w.scope == ANSWER_ONCE && a.w.cover == ANSWER_COVER_EXACT) {
		send_answer(s, &a);
		return;
	}
	d = prompt_describe(&s->info, k, &a);
	prompt_say(s, "[%lld] %s\n", k->id, d ? d : "(out of memory)");
	s->confirming = true;
	s->confirm = a;
}

/* The line after a confirmation question: y sends, anything else does not. */
static void confirm_line(struct session *s, const char *p)
{
	s->confirming = false;
	if (streq(p, "y") || streq(p, "yes")) {
		if (prompt_find_ask(s, s->confirm.ask, NULL))
			send_answer(s, &s->confirm);
		else
			prompt_say(s, "[%lld] no longer waits: nothing sent\n", s->confirm.ask);
	} else {
		prompt_say(s, "[%lld] not sent\n", s->confirm.ask);
	}
}

/* q: leave once the replies in flight are in; say what the rest will get. */
static void quit(struct session *s)
{
	size_t n = 0;

	for (size_t i = 0; i < s->n_asks; i++)
		n += !s->asks[i]->answering;
	if (n)
		prompt_say(s,
			   "sysgate prompt: detached; %zu pending call%s will get %s when "
			   "%s time "
			   "runs out\n",
			   n, n == 1 ? "" : "s", s->info.ask_default, n == 1 ? "its" : "their");
	s->leaving = true;
}

/* #N: show call N again, or #N ANSWER: answer it. */
static void numbered_line(struct session *s, char *p)
{
	char *num_end;
	long long id;
	struct ask *k;

	errno = 0;
	id = strtoll(p + 1, &num_end, 10);
	if (errno || num_end == p + 1) {
		prompt_say(s, "sysgate prompt: #N needs a call number (#3 allow)\n");
		return;
	}
	k = prompt_find_ask(s, id, NULL);
	if (!k || k->answering) {
		prompt_say(s, "sysgate prompt: no pending call [%lld] (l lists them)\n", id);
		return;
	}
	p = num_end;
	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p)
		prompt_print_block(s, k);
	else
		answer_line(s, k, p);
}

void prompt_input_line(struct session *s, char *line)
{
	char *p = line, *end;
	struct ask *k;

	if (s->echo && s->prompt_shown) {
		_cleanup_free_ char *e = control_escape(line);

		fprintf(s->out, "%s\n", e ? e : "");
	}
	/* A terminal echoed the newline itself. */
	s->prompt_shown = false;
	while (*p == ' ' || *p == '\t')
		p++;
	end = p + strlen(p);
	while (end > p && strchr(" \t\r", end[-1]))
		*--end = '\0';

	if (s->confirming)
		confirm_line(s, p);
	else if (!*p)
		return;
	else if (streq(p, "?") || streq(p, "help") || streq(p, "h"))
		prompt_print_help(s);
	else if (streq(p, "l") || streq(p, "list"))
		prompt_print_list(s);
	else if (streq(p, "q") || streq(p, "quit"))
		quit(s);
	else if (*p == '#')
		numbered_line(s, p);
	else if ((k = prompt_current(s)))
		answer_line(s, k, p);
	else
		prompt_say(s, "sysgate prompt: no call is waiting (? for help)\n");
}

/* One input line at a time, so that events and the prompt come between
 * lines, as they would between lines typed by hand. */
void prompt_next_input(struct session *s)
{
	char *line;
	int r;

	if (s->status >= 0 || s->leaving || !s->subscribed)
		return;
	r = lb_next(&s->in, &line);
	if (r < 0) {
		if (!s->echo)
			s->prompt_shown = false; /* the terminal echoed the newline */
		prompt_say(s, "sysgate prompt: input line too long; ignored\n");
	} else if (r > 0) {
		prompt_input_line(s, line);
	}
}
