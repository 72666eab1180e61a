/*
 * prompt/show: the calls that wait, as the person sees them: each parsed
 * from its ask event, every string from the target escaped on arrival (the
 * _e fields), the answer grammar and the confirmation text (both from
 * policy/answer.c, the same code the ask queue remembers with), the blocks,
 * the list and the prompt line. Client side; the session's thread.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "policy/answer.h"
#include "policy/policy.h"
#include "sg-util.h"
#include "supervisor/control/protocol.h"
#include "supervisor/prompt/session.h"

#define CMDLINE_SHOW_MAX 1024

/* asprintf() that returns the string, or NULL (never an undefined pointer). */
static char *strf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *strf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	return r < 0 ? NULL : s;
}

void prompt_ask_free(struct ask *a)
{
	if (!a)
		return;
	free(a->path);
	free(a->path_e);
	free(a->exe_e);
	free(a->parent_e);
	free(a->cmdline_e);
	free(a->call_e);
	free(a->section_e);
	free(a->rule_e);
	free(a->arch_e);
	free(a->conditions);
	free(a);
}

static void ask_freep(struct ask **a)
{
	prompt_ask_free(*a);
}

/* argv as a shell would read it back: elements escaped, quoted if they need it. */
static char *cmdline_show(struct json_object *o)
{
	struct json_object *v;
	size_t n, size = CMDLINE_SHOW_MAX + 8, used = 0;
	char *b;

	if (!json_object_object_get_ex(o, "cmdline", &v) ||
	    !json_object_is_type(v, json_type_array))
		return strdup("?");
	b = malloc(size);
	if (!b)
		return NULL;
	b[0] = '\0';
	n = json_object_array_length(v);
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(v, i);
		const char *s =
			json_object_is_type(e, json_type_string) ? json_object_get_string(e) : "?";
		_cleanup_free_ char *x = control_escape(s);
		bool quote;
		int k;

		if (!x) {
			free(b);
			return NULL;
		}
		quote = !*x || strpbrk(x, " '\\\"$`*?[;&|<>(){}~#");
		k = snprintf(b + used, size - used, "%s%s%s%s", i ? " " : "", quote ? "\"" : "", x,
			     quote ? "\"" : "");
		if (k < 0 || (size_t)k >= size - used || used + (size_t)k > CMDLINE_SHOW_MAX) {
			snprintf(b + MIN(used, (size_t)CMDLINE_SHOW_MAX), 8, " ...");
			break;
		}
		used += (size_t)k;
	}
	return b;
}

int prompt_ask_from(struct json_object *o, struct ask **ret)
{
	_cleanup_(ask_freep) struct ask *a = calloc(1, sizeof(*a));
	const char *path, *syscall;

	if (!a)
		return -ENOMEM;
	if (!prompt_jint(o, "ask", &a->id))
		return -EINVAL;
	a->pid = a->tgid = a->ppid = -1;
	a->left_ms = -1;
	prompt_jint(o, "pid", &a->pid);
	if (!prompt_jint(o, "tgid", &a->tgid))
		a->tgid = a->pid;
	prompt_jint(o, "ppid", &a->ppid);
	prompt_jint(o, "waited_ms", &a->waited_ms);
	prompt_jint(o, "left_ms", &a->left_ms);
	clock_gettime(CLOCK_MONOTONIC, &a->seen);
	path = prompt_jstr(o, "path");
	if (path) {
		a->path = strdup(path);
		a->path_e = control_escape(path);
		if (!a->path || !a->path_e)
			return -ENOMEM;
	}
	a->exe_e = control_escape(prompt_jstr(o, "exe") ? prompt_jstr(o, "exe") : "?");
	a->parent_e =
		control_escape(prompt_jstr(o, "parent_exe") ? prompt_jstr(o, "parent_exe") : "?");
	a->cmdline_e = cmdline_show(o);
	syscall = prompt_jstr(o, "syscall");
	if (prompt_jstr(o, "call")) {
		a->call_e = control_term_safe(prompt_jstr(o, "call"));
	} else {
		_cleanup_free_ char *s = control_escape(syscall ? syscall : "?");

		a->call_e = s ? strf("%s(...)", s) : NULL;
	}
	a->section_e = control_escape(prompt_jstr(o, "section") ? prompt_jstr(o, "section") : "?");
	a->rule_e = control_term_safe(prompt_jstr(o, "rule") ? prompt_jstr(o, "rule") : "?");
	a->arch_e = control_escape(prompt_jstr(o, "arch") ? prompt_jstr(o, "arch") : "x86_64");
	a->conditions = strdup(prompt_jstr(o, "conditions") ? prompt_jstr(o, "conditions") : "");
	if (!a->conditions || !a->exe_e || !a->parent_e || !a->cmdline_e || !a->call_e ||
	    !a->section_e || !a->rule_e || !a->arch_e)
		return -ENOMEM;
	*ret = TAKE_PTR(a);
	return 0;
}

long long prompt_ms_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t->tv_sec) * 1000LL + (now.tv_nsec - t->tv_nsec) / 1000000;
}

/* ---- answers ---- */

/* Parse and check a typed answer against call k; -EINVAL with why filled. */
int prompt_parse_answer(const struct ask *k, char *text, struct answer *a, char *why,
			size_t why_size)
{
	const char *reason = NULL, *word = NULL;

	if (answer_parse(text, &a->w, &reason, &word) < 0) {
		_cleanup_free_ char *e = word ? control_escape(word) : NULL;

		if (word)
			snprintf(why, why_size, "'%s' %s", e ? e : "?", reason);
		else
			snprintf(why, why_size, "%s", reason);
		return -EINVAL;
	}
	if (answer_check(&a->w, k->path, &reason) < 0) {
		snprintf(why, why_size, "call [%lld]: %s", k->id, reason);
		return -EINVAL;
	}
	return 0;
}

/*
 * What a remembered answer covers, as the policy text the supervisor will
 * remember (and write, for always): built by the same code the ask queue
 * uses (policy/answer.h), from the call's path and the ask rule's kept
 * conditions (the event's "conditions"), so the person confirms exactly
 * that: "allow = path ~ /home/u/.cache/x in [mkdir] for the rest of the
 * run". The supervisor's own "covers" comes back in the reply. Escaped for
 * the terminal.
 */
char *prompt_describe(const struct server_info *info, const struct ask *k, const struct answer *a)
{
	_cleanup_free_ char *glob = NULL, *text = NULL, *shown = NULL, *scope = NULL;

	if (k->path) {
		glob = answer_covers_glob(k->path, a->w.cover, a->w.glob);
		if (!glob)
			return NULL;
	}
	text = answer_covers_text(a->w.kind, a->w.err, glob, k->conditions);
	if (!text)
		return NULL;
	/* Policy text, so not control_escape(): that would double the
	 * backslashes of the glob. Only what a terminal acts on is escaped. */
	shown = control_term_safe(text);
	if (!shown)
		return NULL;
	switch (a->w.scope) {
	case ANSWER_PROCESS:
		scope = strf("for process %lld (%s) for the rest of the run", k->tgid, k->exe_e);
		break;
	case ANSWER_RUN:
		scope = strdup("for the rest of the run");
		break;
	case ANSWER_ALWAYS:
		scope = strf("for the rest of the run, and written into %s", info->policy);
		break;
	case ANSWER_ONCE:
		scope = strdup("for this call only");
		break;
	}
	if (!scope)
		return NULL;
	return strf("%s in [%s] %s", shown, k->section_e, scope);
}

/* Output that is not the prompt: first end the prompt's line. */
void prompt_say(struct session *s, const char *fmt, ...)
{
	va_list ap;

	if (s->prompt_shown) {
		fputc('\n', s->out);
		s->prompt_shown = false;
	}
	va_start(ap, fmt);
	vfprintf(s->out, fmt, ap);
	va_end(ap);
}

void prompt_warn_server(struct session *s, const char *why)
{
	if (s->warnings < WARN_MAX)
		prompt_say(s, "sysgate prompt: warning: ignored a line from sysgate: %s\n", why);
	if (++s->warnings == WARN_MAX)
		prompt_say(s, "sysgate prompt: warning: further bad lines are ignored silently\n");
}

struct ask *prompt_find_ask(struct session *s, long long id, size_t *ret_idx)
{
	for (size_t i = 0; i < s->n_asks; i++)
		if (s->asks[i]->id == id) {
			if (ret_idx)
				*ret_idx = i;
			return s->asks[i];
		}
	return NULL;
}

struct ask *prompt_current(struct session *s)
{
	for (size_t i = 0; i < s->n_asks; i++)
		if (!s->asks[i]->answering)
			return s->asks[i];
	return NULL;
}

void prompt_drop_ask(struct session *s, long long id)
{
	size_t i;
	struct ask *a = prompt_find_ask(s, id, &i);

	if (!a)
		return;
	if (s->confirming && s->confirm.ask == id) {
		s->confirming = false;
		prompt_say(s, "[%lld] no longer waits: nothing sent\n", id);
	}
	prompt_ask_free(a);
	memmove(s->asks + i, s->asks + i + 1, (s->n_asks - i - 1) * sizeof(*s->asks));
	s->n_asks--;
}

static void print_times(struct session *s, const struct ask *a)
{
	long long el = prompt_ms_since(&a->seen);

	prompt_say(s, "waited %llds", (a->waited_ms + el) / 1000);
	if (a->left_ms >= 0)
		prompt_say(s, ", %llds left before %s", (MAX(a->left_ms - el, 0LL) + 999) / 1000,
			   s->info.ask_default);
}

/*
 * [3] 4711 /usr/bin/mkdir (mkdir -p /home/u/.cache/x) parent 4700 /usr/bin/bash
 *     wants mkdirat(AT_FDCWD, "/home/u/.cache/x", 0755)  [rule policy.ini:7]
 *     waited 1s, 29s left before deny EPERM
 */
void prompt_print_block(struct session *s, const struct ask *a)
{
	prompt_say(s, "[%lld] %lld", a->id, a->pid);
	if (a->tgid != a->pid)
		prompt_say(s, " (thread of %lld)", a->tgid);
	prompt_say(s, " %s (%s) parent %lld %s\n", a->exe_e, a->cmdline_e, a->ppid, a->parent_e);
	prompt_say(s, "    wants %s  [rule %s", a->call_e, a->rule_e);
	if (!streq(a->arch_e, "x86_64"))
		prompt_say(s, ", %s", a->arch_e);
	prompt_say(s, "]\n    ");
	print_times(s, a);
	prompt_say(s, "\n");
	s->last_block = a->id;
}

void prompt_print_list(struct session *s)
{
	struct ask *cur = prompt_current(s);

	if (!s->n_asks) {
		prompt_say(s, "no pending calls\n");
		return;
	}
	for (size_t i = 0; i < s->n_asks; i++) {
		struct ask *a = s->asks[i];

		prompt_say(s, "%s[%lld] %lld %s wants %s: ", a == cur ? "> " : "  ", a->id, a->pid,
			   a->exe_e, a->call_e);
		print_times(s, a);
		prompt_say(s, "%s\n", a->answering ? " (answer sent)" : "");
	}
}

void prompt_print_help(struct session *s)
{
	prompt_say(s,
		   "Answer the current call (the oldest pending) with one line:\n"
		   "  DECISION [ERRNO] [SCOPE] [COVER]\n"
		   "    DECISION  a|allow, d|deny, k|kill\n"
		   "    ERRNO     with deny: a name (EACCES) or a number; EPERM if none\n"
		   "    SCOPE     o|once     this call only (the default)\n"
		   "              p|process  this call and later matching calls of this process,\n"
		   "                         for the rest of the run\n"
		   "              r|run      later matching calls of any process, for the rest\n"
		   "                         of the run\n"
		   "              A|always   as run, and written into the policy file\n"
		   "    COVER     what a remembered answer matches, for calls with a path:\n"
		   "              exact      this path (the default)\n"
		   "              dir        anything below the path's directory (DIR/**)\n"
		   "              glob=GLOB  an absolute glob that matches this path "
		   "(glob=/home/u/**)\n"
		   "              any        every call the ask rule holds, whatever its path\n"
		   "                         (a remembered answer without a path or condition\n"
		   "                         to narrow it needs this word)\n"
		   "  #N ANSWER  answer call N instead of the oldest; #N alone shows it\n"
		   "  l|list     pending calls, with their times\n"
		   "  ?|help     this text\n"
		   "  q|quit     detach; pending calls get %s when their time runs out\n"
		   "An answer that is remembered (a scope other than once) is shown and\n"
		   "confirmed with y before it is sent.\n"
		   "Examples: a    d EACCES    allow run dir    #4 deny always glob=/tmp/**\n",
		   s->info.ask_default);
}

void prompt_show(struct session *s)
{
	struct ask *cur;

	if (s->prompt_shown || s->leaving || s->status >= 0)
		return;
	if (s->confirming) {
		fputs("confirm? [y/N] ", s->out);
		s->prompt_shown = true;
		return;
	}
	/* An answer in flight: its reply comes first (it takes a moment). */
	for (size_t i = 0; i < s->n_reqs; i++)
		if (s->reqs[i].kind == REQ_ANSWER)
			return;
	cur = prompt_current(s);
	if (!cur)
		return;
	/* A new question, and other calls were printed since its details: show
	 * them again. The same question keeps its prompt without repeating them. */
	if (cur->id != s->last_prompt && cur->id != s->last_block)
		prompt_print_block(s, cur);
	fprintf(s->out, "answer [%lld]> ", cur->id);
	s->last_prompt = cur->id;
	s->prompt_shown = true;
}
