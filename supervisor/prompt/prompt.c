/*
 * sysgate prompt [PID | SOCKET-PATH]: answer the `ask` calls of a running
 * sysgate, over its control socket (docs/control-protocol.md).
 *
 *   find the socket → connect (the peer must be us or root) → hello → subscribe
 *   → poll(socket, input): events queue or drop calls, input lines answer them
 *   → quit, input EOF or the supervisor gone.
 *
 * Trust: the supervisor runs as our user (or root) and we check that with
 * SO_PEERCRED, so its replies are believed. The strings it relays about a
 * call (exe, cmdline, path, the call itself, and the covers text built from
 * the path) come from the target, which may be hostile: every one of them is
 * escaped before it reaches the terminal, so a path cannot carry a newline
 * that fakes a prompt line or an escape sequence that rewrites the screen.
 * Everything we read is bounded: server lines (65536 bytes, the protocol's
 * limit), input lines, pending calls, answers in flight.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "policy/policy.h"
#include "sg-util.h"
#include "policy/answer.h"
#include "supervisor/control/protocol.h"
#include "supervisor/prompt/prompt.h"

#define SERVER_LINE_MAX 65536 /* the protocol's limit on one line */
#define INPUT_LINE_MAX 4096
#define PENDING_MAX 4096 /* calls we keep; more are shown once and not queued */
#define REQS_MAX 64	 /* requests in flight */
#define HELLO_TIMEOUT_MS 5000
#define DRAIN_TIMEOUT_MS 5000 /* after q or EOF, how long to wait for replies */
#define WARN_MAX 20	      /* warnings about bad server lines before going quiet */
#define SOCKETS_MAX 64	      /* live sockets listed when choosing */
#define CMDLINE_SHOW_MAX 1024

/* ---- line buffers ---- */

/* Bytes from a stream, cut at '\n'. A line longer than cap - 1 bytes is
 * dropped whole (up to its newline), never split into two lines. */
struct linebuf {
	char *buf; /* cap + 1 bytes: room to terminate a last line without '\n' */
	size_t cap, len, pos;
	bool skipping; /* inside a line that was too long */
};

static int lb_init(struct linebuf *lb, size_t max_line)
{
	lb->cap = max_line + 1;
	lb->buf = malloc(lb->cap + 1);
	lb->len = lb->pos = 0;
	lb->skipping = false;
	return lb->buf ? 0 : -ENOMEM;
}

static void lb_done(struct linebuf *lb)
{
	free(lb->buf);
	lb->buf = NULL;
}

/* > 0 bytes read, 0 at EOF, -errno. Call when lb_next() has no complete line:
 * what is left then is shorter than cap, so there is room. */
static ssize_t lb_read(struct linebuf *lb, int fd)
{
	ssize_t n;

	memmove(lb->buf, lb->buf + lb->pos, lb->len - lb->pos);
	lb->len -= lb->pos;
	lb->pos = 0;
	do
		n = read(fd, lb->buf + lb->len, lb->cap - lb->len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	lb->len += (size_t)n;
	return n;
}

/* 1 with the next complete line (NUL-terminated, no '\n'), valid until the
 * next call; 0 when none is complete; -E2BIG once per line that is too long. */
static int lb_next(struct linebuf *lb, char **ret_line)
{
	for (;;) {
		char *start = lb->buf + lb->pos;
		char *nl = memchr(start, '\n', lb->len - lb->pos);

		if (!nl) {
			memmove(lb->buf, start, lb->len - lb->pos);
			lb->len -= lb->pos;
			lb->pos = 0;
			if (lb->len == lb->cap) {
				lb->len = 0;
				if (!lb->skipping) {
					lb->skipping = true;
					return -E2BIG;
				}
			}
			return 0;
		}
		*nl = '\0';
		lb->pos = (size_t)(nl + 1 - lb->buf);
		if (lb->skipping) {
			lb->skipping = false;
			continue;
		}
		*ret_line = start;
		return 1;
	}
}

/* At EOF: the last line if it had no '\n', else NULL. */
static char *lb_rest(struct linebuf *lb)
{
	char *start = lb->buf + lb->pos;

	if (lb->skipping || lb->len == lb->pos)
		return NULL;
	lb->buf[lb->len] = '\0';
	lb->pos = lb->len;
	return start;
}

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

/* ---- JSON helpers ---- */

static const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static bool jint(struct json_object *o, const char *key, long long *ret)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
		return false;
	*ret = (long long)json_object_get_int64(v);
	return true;
}

/* One line as one JSON object, or NULL (with *ret_why) if it is not exactly that. */
static struct json_object *parse_line(const char *line, const char **ret_why)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o;
	size_t len = strlen(line), end;

	if (!tok) {
		*ret_why = "out of memory";
		return NULL;
	}
	o = json_tokener_parse_ex(tok, line, (int)len);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	while (end < len && strchr(" \t\r", line[end]))
		end++;
	if (!o || end != len) {
		*ret_why = "not one JSON value";
		json_object_put(o);
		return NULL;
	}
	if (!json_object_is_type(o, json_type_object)) {
		*ret_why = "not a JSON object";
		json_object_put(o);
		return NULL;
	}
	return o;
}

/* Send one request: the object as one line. 0, or -errno (EPIPE: the peer is gone). */
static int send_obj(int sock, struct json_object *o)
{
	size_t len;
	const char *s = json_object_to_json_string_length(
		o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	_cleanup_free_ char *line = NULL;
	size_t done = 0;

	if (!s)
		return -ENOMEM;
	line = malloc(len + 1);
	if (!line)
		return -ENOMEM;
	memcpy(line, s, len);
	line[len++] = '\n';
	while (done < len) {
		ssize_t n = send(sock, line + done, len - done, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		done += (size_t)n;
	}
	return 0;
}

/* ---- what the supervisor tells us ---- */

struct server_info {
	long long pid;
	long long ask_timeout_ms; /* -1 if not given */
	char *policy;		  /* all escaped for the terminal */
	char *mode;
	char *ask_default;
	char *version;
};

static void server_info_done(struct server_info *i)
{
	free(i->policy);
	free(i->mode);
	free(i->ask_default);
	free(i->version);
	*i = (struct server_info){};
}

static char *safe_or(const char *s, const char *dflt)
{
	return control_term_safe(s ? s : dflt);
}

static int server_info_from(struct json_object *o, struct server_info *ret)
{
	struct server_info i = {.pid = -1, .ask_timeout_ms = -1};

	jint(o, "pid", &i.pid);
	jint(o, "ask_timeout_ms", &i.ask_timeout_ms);
	i.policy = safe_or(jstr(o, "policy"), "?");
	i.mode = safe_or(jstr(o, "mode"), "?");
	i.ask_default = safe_or(jstr(o, "ask_default"), "deny EPERM");
	i.version = safe_or(jstr(o, "sysgate"), "?");
	if (!i.policy || !i.mode || !i.ask_default || !i.version) {
		server_info_done(&i);
		return -ENOMEM;
	}
	*ret = i;
	return 0;
}

/*
 * Send hello and wait for its reply (nothing else can come first: events only
 * follow a subscribe). lb keeps whatever arrived after the reply.
 */
static int hello_sync(int sock, struct linebuf *lb, struct server_info *ret, char *why,
		      size_t why_size)
{
	struct json_object *req = json_object_new_object();
	struct timespec start;
	int r;

	if (!req)
		return -ENOMEM;
	json_object_object_add(req, "id", json_object_new_string("hello"));
	json_object_object_add(req, "op", json_object_new_string("hello"));
	r = send_obj(sock, req);
	json_object_put(req);
	/* A refused client finds the socket closed, and the line saying why
	 * waiting to be read: read it rather than report a broken pipe. */
	if (r < 0 && r != -EPIPE && r != -ECONNRESET) {
		snprintf(why, why_size, "cannot send hello: %s", strerror(-r));
		return r;
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		struct pollfd p = {.fd = sock, .events = POLLIN};
		struct timespec now;
		long elapsed;
		char *line;
		ssize_t n;

		while ((r = lb_next(lb, &line)) != 0) {
			struct json_object *o;
			const char *bad;
			bool ok_field;

			if (r < 0)
				continue;
			o = parse_line(line, &bad);
			if (!o)
				continue;
			ok_field = json_object_object_get_ex(o, "ok", NULL);
			if (!ok_field) {
				json_object_put(o);
				continue;
			}
			if (!json_object_get_boolean(json_object_object_get(o, "ok"))) {
				_cleanup_free_ char *e =
					safe_or(jstr(o, "error"), "no reason given");

				snprintf(why, why_size, "hello refused: %s", e ? e : "?");
				json_object_put(o);
				return -EPROTO;
			}
			r = server_info_from(o, ret);
			json_object_put(o);
			if (r < 0)
				snprintf(why, why_size, "%s", strerror(-r));
			return r;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		elapsed = (now.tv_sec - start.tv_sec) * 1000 +
			  (now.tv_nsec - start.tv_nsec) / 1000000;
		if (elapsed >= HELLO_TIMEOUT_MS) {
			snprintf(why, why_size, "no reply to hello within %d s",
				 HELLO_TIMEOUT_MS / 1000);
			return -ETIMEDOUT;
		}
		r = poll(&p, 1, (int)(HELLO_TIMEOUT_MS - elapsed));
		if (r < 0 && errno != EINTR) {
			snprintf(why, why_size, "poll: %m");
			return -errno;
		}
		if (r <= 0)
			continue;
		n = lb_read(lb, sock);
		if (n <= 0) {
			snprintf(why, why_size, "connection closed before the hello reply");
			return n < 0 ? (int)n : -ECONNRESET;
		}
	}
}

/* One pending call. Strings ending in _e are escaped for the terminal. */
struct ask {
	long long id;
	long long pid, tgid, ppid;
	long long waited_ms, left_ms; /* as of seen; left_ms -1 if not given */
	struct timespec seen;	      /* CLOCK_MONOTONIC when the event arrived */
	char *path;		      /* raw (as sanitized by the supervisor); NULL if none */
	char *path_e, *exe_e, *parent_e, *cmdline_e, *call_e, *section_e, *rule_e, *arch_e;
	char *conditions; /* policy text of the ask rule's kept conditions, raw; "" if none */
	bool answering;	  /* our answer is in flight */
};

static void ask_free(struct ask *a)
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
	ask_free(*a);
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

static int ask_from(struct json_object *o, struct ask **ret)
{
	_cleanup_(ask_freep) struct ask *a = calloc(1, sizeof(*a));
	const char *path, *syscall;

	if (!a)
		return -ENOMEM;
	if (!jint(o, "ask", &a->id))
		return -EINVAL;
	a->pid = a->tgid = a->ppid = -1;
	a->left_ms = -1;
	jint(o, "pid", &a->pid);
	if (!jint(o, "tgid", &a->tgid))
		a->tgid = a->pid;
	jint(o, "ppid", &a->ppid);
	jint(o, "waited_ms", &a->waited_ms);
	jint(o, "left_ms", &a->left_ms);
	clock_gettime(CLOCK_MONOTONIC, &a->seen);
	path = jstr(o, "path");
	if (path) {
		a->path = strdup(path);
		a->path_e = control_escape(path);
		if (!a->path || !a->path_e)
			return -ENOMEM;
	}
	a->exe_e = control_escape(jstr(o, "exe") ? jstr(o, "exe") : "?");
	a->parent_e = control_escape(jstr(o, "parent_exe") ? jstr(o, "parent_exe") : "?");
	a->cmdline_e = cmdline_show(o);
	syscall = jstr(o, "syscall");
	if (jstr(o, "call")) {
		a->call_e = control_term_safe(jstr(o, "call"));
	} else {
		_cleanup_free_ char *s = control_escape(syscall ? syscall : "?");

		a->call_e = s ? strf("%s(...)", s) : NULL;
	}
	a->section_e = control_escape(jstr(o, "section") ? jstr(o, "section") : "?");
	a->rule_e = control_term_safe(jstr(o, "rule") ? jstr(o, "rule") : "?");
	a->arch_e = control_escape(jstr(o, "arch") ? jstr(o, "arch") : "x86_64");
	a->conditions = strdup(jstr(o, "conditions") ? jstr(o, "conditions") : "");
	if (!a->conditions || !a->exe_e || !a->parent_e || !a->cmdline_e || !a->call_e ||
	    !a->section_e || !a->rule_e || !a->arch_e)
		return -ENOMEM;
	*ret = TAKE_PTR(a);
	return 0;
}

static long long ms_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t->tv_sec) * 1000LL + (now.tv_nsec - t->tv_nsec) / 1000000;
}

/* ---- answers ---- */

/* An answer to call ask, as typed (the grammar is policy/answer.h's). */
struct answer {
	long long ask;
	struct answer_words w;
};

/* Parse and check a typed answer against call k; -EINVAL with why filled. */
static int parse_answer(const struct ask *k, char *text, struct answer *a, char *why,
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
static char *describe(const struct server_info *info, const struct ask *k, const struct answer *a)
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

/* ---- the session ---- */

enum req_kind {
	REQ_SUBSCRIBE,
	REQ_ANSWER,
};

struct req {
	long long id;
	enum req_kind kind;
	long long ask;
	char what[64]; /* "allow (once)", "deny EACCES (run)" */
	const char *scope;
};

struct session {
	int sock, in_fd;
	FILE *out;
	bool echo; /* input is not a terminal: echo lines after the prompt */
	struct linebuf srv, in;
	struct server_info info;
	struct ask **asks; /* arrival order; the oldest not answering is current */
	size_t n_asks;
	struct req reqs[REQS_MAX]; /* in flight, oldest first */
	size_t n_reqs;
	long long next_id;
	bool confirming;
	struct answer confirm;
	bool prompt_shown;     /* the cursor is after a prompt */
	long long last_block;  /* the call whose details were printed last */
	long long last_prompt; /* the call the last prompt asked about */
	unsigned warnings;
	bool subscribed;	 /* the subscribe reply came: calls pending then are in too */
	struct timespec started; /* CLOCK_MONOTONIC when we subscribed */
	bool leaving;		 /* q or EOF: wait for replies in flight, then end */
	int status;		 /* >= 0: end with this status */
	void (*focus)(void *data, bool want); /* run --prompt: who gets the keyboard */
	void *focus_data;
	bool focused;
};

/* Tell run --prompt whether we need the keyboard: while a call waits. */
static void update_focus(struct session *s)
{
	bool want = s->status < 0 && !s->leaving && (s->n_asks > 0 || s->confirming);

	if (!s->focus || want == s->focused)
		return;
	s->focused = want;
	s->focus(s->focus_data, want);
}

/* Output that is not the prompt: first end the prompt's line. */
static void say(struct session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct session *s, const char *fmt, ...)
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

static void warn_server(struct session *s, const char *why)
{
	if (s->warnings < WARN_MAX)
		say(s, "sysgate prompt: warning: ignored a line from sysgate: %s\n", why);
	if (++s->warnings == WARN_MAX)
		say(s, "sysgate prompt: warning: further bad lines are ignored silently\n");
}

static struct ask *find_ask(struct session *s, long long id, size_t *ret_idx)
{
	for (size_t i = 0; i < s->n_asks; i++)
		if (s->asks[i]->id == id) {
			if (ret_idx)
				*ret_idx = i;
			return s->asks[i];
		}
	return NULL;
}

static struct ask *current(struct session *s)
{
	for (size_t i = 0; i < s->n_asks; i++)
		if (!s->asks[i]->answering)
			return s->asks[i];
	return NULL;
}

static void drop_ask(struct session *s, long long id)
{
	size_t i;
	struct ask *a = find_ask(s, id, &i);

	if (!a)
		return;
	if (s->confirming && s->confirm.ask == id) {
		s->confirming = false;
		say(s, "[%lld] no longer waits: nothing sent\n", id);
	}
	ask_free(a);
	memmove(s->asks + i, s->asks + i + 1, (s->n_asks - i - 1) * sizeof(*s->asks));
	s->n_asks--;
}

static void print_times(struct session *s, const struct ask *a)
{
	long long el = ms_since(&a->seen);

	say(s, "waited %llds", (a->waited_ms + el) / 1000);
	if (a->left_ms >= 0)
		say(s, ", %llds left before %s", (MAX(a->left_ms - el, 0LL) + 999) / 1000,
		    s->info.ask_default);
}

/*
 * [3] 4711 /usr/bin/mkdir (mkdir -p /home/u/.cache/x) parent 4700 /usr/bin/bash
 *     wants mkdirat(AT_FDCWD, "/home/u/.cache/x", 0755)  [rule policy.ini:7]
 *     waited 1s, 29s left before deny EPERM
 */
static void print_block(struct session *s, const struct ask *a)
{
	say(s, "[%lld] %lld", a->id, a->pid);
	if (a->tgid != a->pid)
		say(s, " (thread of %lld)", a->tgid);
	say(s, " %s (%s) parent %lld %s\n", a->exe_e, a->cmdline_e, a->ppid, a->parent_e);
	say(s, "    wants %s  [rule %s", a->call_e, a->rule_e);
	if (!streq(a->arch_e, "x86_64"))
		say(s, ", %s", a->arch_e);
	say(s, "]\n    ");
	print_times(s, a);
	say(s, "\n");
	s->last_block = a->id;
}

static void print_list(struct session *s)
{
	struct ask *cur = current(s);

	if (!s->n_asks) {
		say(s, "no pending calls\n");
		return;
	}
	for (size_t i = 0; i < s->n_asks; i++) {
		struct ask *a = s->asks[i];

		say(s, "%s[%lld] %lld %s wants %s: ", a == cur ? "> " : "  ", a->id, a->pid,
		    a->exe_e, a->call_e);
		print_times(s, a);
		say(s, "%s\n", a->answering ? " (answer sent)" : "");
	}
}

static void print_help(struct session *s)
{
	say(s,
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
	    "              glob=GLOB  an absolute glob that matches this path (glob=/home/u/**)\n"
	    "  #N ANSWER  answer call N instead of the oldest; #N alone shows it\n"
	    "  l|list     pending calls, with their times\n"
	    "  ?|help     this text\n"
	    "  q|quit     detach; pending calls get %s when their time runs out\n"
	    "An answer that is remembered (a scope other than once) is shown and\n"
	    "confirmed with y before it is sent.\n"
	    "Examples: a    d EACCES    allow run dir    #4 deny always glob=/tmp/**\n",
	    s->info.ask_default);
}

static void show_prompt(struct session *s)
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
	cur = current(s);
	if (!cur)
		return;
	/* A new question, and other calls were printed since its details: show
	 * them again. The same question keeps its prompt without repeating them. */
	if (cur->id != s->last_prompt && cur->id != s->last_block)
		print_block(s, cur);
	fprintf(s->out, "answer [%lld]> ", cur->id);
	s->last_prompt = cur->id;
	s->prompt_shown = true;
}

static struct req *add_req(struct session *s, enum req_kind kind, struct json_object *o)
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
		say(s, "sysgate prompt: sysgate %lld has exited\n", s->info.pid);
		s->status = 0;
	}
}

static int send_req(struct session *s, struct json_object *o)
{
	int r = send_obj(s->sock, o);

	if (r == -EPIPE || r == -ECONNRESET) {
		gone(s);
	} else if (r < 0) {
		say(s, "sysgate prompt: cannot write to sysgate: %s\n", strerror(-r));
		s->status = 1;
	} else {
		s->n_reqs++;
	}
	return r;
}

static void send_answer(struct session *s, const struct answer *a)
{
	struct json_object *o = json_object_new_object();
	struct ask *k = find_ask(s, a->ask, NULL);
	struct req *q;

	if (!o || !k) {
		json_object_put(o);
		return;
	}
	q = add_req(s, REQ_ANSWER, o);
	if (!q) {
		say(s, "sysgate prompt: too many answers in flight; try again\n");
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
	if (send_req(s, o) == 0)
		k->answering = true;
	json_object_put(o);
}

/* A line that answers call k: parse, check, confirm if remembered, send. */
static void answer_line(struct session *s, struct ask *k, char *text)
{
	struct answer a = {.ask = k->id};
	char why[512];
	_cleanup_free_ char *d = NULL;

	if (parse_answer(k, text, &a, why, sizeof(why)) < 0) {
		say(s, "sysgate prompt: %s (? for help)\n", why);
		return;
	}
	if (a.w.scope == ANSWER_ONCE && a.w.cover == ANSWER_COVER_EXACT) {
		send_answer(s, &a);
		return;
	}
	d = describe(&s->info, k, &a);
	say(s, "[%lld] %s\n", k->id, d ? d : "(out of memory)");
	s->confirming = true;
	s->confirm = a;
}

static void input_line(struct session *s, char *line)
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

	if (s->confirming) {
		s->confirming = false;
		if (streq(p, "y") || streq(p, "yes")) {
			if (find_ask(s, s->confirm.ask, NULL))
				send_answer(s, &s->confirm);
			else
				say(s, "[%lld] no longer waits: nothing sent\n", s->confirm.ask);
		} else {
			say(s, "[%lld] not sent\n", s->confirm.ask);
		}
		return;
	}
	if (!*p)
		return;
	if (streq(p, "?") || streq(p, "help") || streq(p, "h")) {
		print_help(s);
		return;
	}
	if (streq(p, "l") || streq(p, "list")) {
		print_list(s);
		return;
	}
	if (streq(p, "q") || streq(p, "quit")) {
		size_t n = 0;

		for (size_t i = 0; i < s->n_asks; i++)
			n += !s->asks[i]->answering;
		if (n)
			say(s,
			    "sysgate prompt: detached; %zu pending call%s will get %s when %s time "
			    "runs out\n",
			    n, n == 1 ? "" : "s", s->info.ask_default, n == 1 ? "its" : "their");
		s->leaving = true;
		return;
	}
	if (*p == '#') {
		char *num_end;
		long long id;

		errno = 0;
		id = strtoll(p + 1, &num_end, 10);
		if (errno || num_end == p + 1) {
			say(s, "sysgate prompt: #N needs a call number (#3 allow)\n");
			return;
		}
		k = find_ask(s, id, NULL);
		if (!k || k->answering) {
			say(s, "sysgate prompt: no pending call [%lld] (l lists them)\n", id);
			return;
		}
		p = num_end;
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			print_block(s, k);
		else
			answer_line(s, k, p);
		return;
	}
	k = current(s);
	if (!k) {
		say(s, "sysgate prompt: no call is waiting (? for help)\n");
		return;
	}
	answer_line(s, k, p);
}

static void on_ask(struct session *s, struct json_object *o)
{
	struct ask *a = NULL;
	struct ask **v;
	int r = ask_from(o, &a);

	if (r == -EINVAL) {
		warn_server(s, "an ask event without a call number");
		return;
	}
	if (r < 0) {
		say(s, "sysgate prompt: %s\n", strerror(-r));
		return;
	}
	if (find_ask(s, a->id, NULL)) {
		ask_free(a);
		return; /* already queued (e.g. sent again on a new subscribe) */
	}
	print_block(s, a);
	if (s->n_asks == PENDING_MAX) {
		say(s, "sysgate prompt: %d calls pending; [%lld] is not queued here\n", PENDING_MAX,
		    a->id);
		ask_free(a);
		return;
	}
	v = realloc(s->asks, (s->n_asks + 1) * sizeof(*v));
	if (!v) {
		ask_free(a);
		return;
	}
	s->asks = v;
	s->asks[s->n_asks++] = a;
}

static void on_resolved(struct session *s, struct json_object *o)
{
	long long id;
	struct ask *a;
	const char *by = jstr(o, "by"), *why;
	_cleanup_free_ char *dec = NULL;

	if (!jint(o, "ask", &id)) {
		warn_server(s, "a resolved event without a call number");
		return;
	}
	a = find_ask(s, id, NULL);
	if (!a)
		return;
	/* Our own answer: its reply says what it did. */
	if (a->answering && by && streq(by, "answer")) {
		drop_ask(s, id);
		return;
	}
	dec = safe_or(jstr(o, "decision"), "?");
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
	say(s, "[%lld] resolved: %s (%s)\n", id, dec ? dec : "?", why);
	drop_ask(s, id);
}

static void on_reply(struct session *s, struct json_object *o)
{
	struct json_object *ok;
	long long id;
	struct req q;
	size_t i;

	if (!jint(o, "id", &id)) {
		warn_server(s, "a reply without our request id");
		return;
	}
	for (i = 0; i < s->n_reqs; i++)
		if (s->reqs[i].id == id)
			break;
	if (i == s->n_reqs) {
		warn_server(s, "a reply to no request of ours");
		return;
	}
	q = s->reqs[i];
	memmove(s->reqs + i, s->reqs + i + 1, (s->n_reqs - i - 1) * sizeof(*s->reqs));
	s->n_reqs--;
	json_object_object_get_ex(o, "ok", &ok);
	if (!json_object_get_boolean(ok)) {
		_cleanup_free_ char *e = safe_or(jstr(o, "error"), "no reason given");
		struct ask *a;

		if (q.kind == REQ_SUBSCRIBE) {
			say(s, "sysgate prompt: sysgate refused to subscribe us: %s\n",
			    e ? e : "?");
			s->status = 1;
			return;
		}
		say(s, "[%lld] answer refused: %s\n", q.ask, e ? e : "?");
		a = find_ask(s, q.ask, NULL);
		if (a)
			a->answering = false;
		return;
	}
	if (q.kind == REQ_SUBSCRIBE)
		s->subscribed = true;
	if (q.kind == REQ_ANSWER) {
		_cleanup_free_ char *covers = NULL, *written = NULL;

		if (jstr(o, "covers"))
			covers = control_term_safe(jstr(o, "covers"));
		if (jstr(o, "written"))
			written = control_term_safe(jstr(o, "written"));
		say(s, "[%lld] answered %s", q.ask, q.what);
		if (covers && !streq(q.scope, "once"))
			say(s, "; covers: %s", covers);
		if (written)
			say(s, "; written: %s", written);
		say(s, "\n");
		drop_ask(s, q.ask);
	}
}

static void server_line(struct session *s, char *line)
{
	struct json_object *o;
	const char *why, *ev;

	o = parse_line(line, &why);
	if (!o) {
		warn_server(s, why);
		return;
	}
	ev = jstr(o, "event");
	if (ev) {
		if (streq(ev, "ask"))
			on_ask(s, o);
		else if (streq(ev, "resolved"))
			on_resolved(s, o);
		/* Unknown events are for newer clients. */
	} else if (json_object_object_get_ex(o, "ok", NULL)) {
		on_reply(s, o);
	} else {
		warn_server(s, "neither an event nor a reply");
	}
	json_object_put(o);
}

static void drain_server(struct session *s)
{
	char *line;
	int r;

	while (s->status < 0 && (r = lb_next(&s->srv, &line)) != 0) {
		if (r < 0)
			warn_server(s, "a line longer than 65536 bytes");
		else
			server_line(s, line);
	}
}

static bool lb_has_line(const struct linebuf *lb)
{
	return memchr(lb->buf + lb->pos, '\n', lb->len - lb->pos) != NULL;
}

/* One input line at a time, so that events and the prompt come between
 * lines, as they would between lines typed by hand. */
static void next_input(struct session *s)
{
	char *line;
	int r;

	if (s->status >= 0 || s->leaving || !s->subscribed)
		return;
	r = lb_next(&s->in, &line);
	if (r < 0) {
		if (!s->echo)
			s->prompt_shown = false; /* the terminal echoed the newline */
		say(s, "sysgate prompt: input line too long; ignored\n");
	} else if (r > 0) {
		input_line(s, line);
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
		show_prompt(s);
		fflush(s->out);
		if (!s->subscribed) {
			long long el = ms_since(&s->started);

			if (el >= HELLO_TIMEOUT_MS) {
				say(s, "sysgate prompt: no reply to subscribe within %d s\n",
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
			el = ms_since(&leave_at);
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
			say(s, "sysgate prompt: poll: %m\n");
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
				say(s, "sysgate prompt: reading from sysgate: %s\n",
				    strerror((int)-n));
				return 1;
			}
			drain_server(s);
		}
		if (!s->subscribed)
			continue;
		if (lb_has_line(&s->in)) {
			next_input(s);
			continue;
		}
		if (in_open && !s->leaving && p[1].revents) {
			n = lb_read(&s->in, s->in_fd);
			if (n < 0 && n != -EAGAIN) {
				say(s, "sysgate prompt: reading input: %s\n", strerror((int)-n));
				n = 0;
			}
			if (n != 0) {
				next_input(s);
				continue;
			}
			/* EOF: a last line without '\n' still counts. */
			char *rest = lb_rest(&s->in);

			if (rest && s->status < 0)
				input_line(s, rest);
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

	if (lb_init(&s.srv, SERVER_LINE_MAX) < 0 || lb_init(&s.in, INPUT_LINE_MAX) < 0) {
		fprintf(out, "sysgate prompt: out of memory\n");
		goto out;
	}
	r = hello_sync(sock, &s.srv, &s.info, why, sizeof(why));
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
	if (!o || !add_req(&s, REQ_SUBSCRIBE, o)) {
		fprintf(out, "sysgate prompt: out of memory\n");
		goto out;
	}
	json_object_object_add(o, "op", json_object_new_string("subscribe"));
	if (send_req(&s, o) < 0) {
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
		ask_free(s.asks[i]);
	free(s.asks);
	server_info_done(&s.info);
	lb_done(&s.srv);
	lb_done(&s.in);
	return status;
}

/* ---- finding the socket ---- */

static void prompt_usage(FILE *out)
{
	fprintf(out, "usage: sysgate prompt [PID | SOCKET-PATH]\n"
		     "Attach to a running `sysgate run` and answer the calls its policy's ask\n"
		     "rules hold for a person. With no argument, the one sysgate of this user;\n"
		     "PID picks one by its pid; an argument with a '/' is a control socket.\n"
		     "Sockets live in /run/sysgate/ for root, else $XDG_RUNTIME_DIR/sysgate/,\n"
		     "else /tmp/sysgate-UID/. Type ? once attached for the answer grammar.\n"
		     "Exit status: 0 when done (q, end of input, sysgate exited); 1 when no\n"
		     "sysgate could be reached; 2 on bad usage or when several are running.\n");
}

/*
 * The supervisor refuses such a directory; so do we. Whoever could write into
 * it could plant a socket of their own and show us calls of their making.
 */
static int check_dir(const char *dir)
{
	struct stat st;

	if (lstat(dir, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode)) {
		fprintf(stderr, "sysgate prompt: %s is not a directory; not using it\n", dir);
		return -ENOTDIR;
	}
	if (!control_dir_is_private(&st)) {
		fprintf(stderr,
			"sysgate prompt: %s is not private to this user (owner uid %u, mode %04o); "
			"not using it\n",
			dir, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
		return -EPERM;
	}
	return 0;
}

/* fd connected to path, or -errno: ECONNREFUSED for a stale socket, EPERM for
 * a peer that is neither us nor root. */
static int connect_socket(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	_cleanup_close_ int fd = -1;
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return -errno;
	/* Root may attach to any user's sysgate it names; others only to their
	 * own (or to root's, which is as trusted as it gets). */
	if (geteuid() != 0 && cred.uid != geteuid() && cred.uid != 0) {
		fprintf(stderr, "sysgate prompt: %s is served by uid %u, not by us; not using it\n",
			path, (unsigned)cred.uid);
		return -EPERM;
	}
	return TAKE_FD(fd);
}

static bool is_pid(const char *s)
{
	if (!*s || strlen(s) > 10)
		return false;
	for (const char *p = s; *p; p++)
		if (*p < '0' || *p > '9')
			return false;
	return atol(s) > 0;
}

static void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

/* The one live sysgate of this user; exit status 1 or 2 (having said why) if
 * there is none or more than one. */
static int find_only(const char *dir, int *ret_fd)
{
	_cleanup_(closedirp) DIR *d = NULL;
	int fds[SOCKETS_MAX];
	size_t n = 0, more = 0;
	struct dirent *e;
	int r;

	r = check_dir(dir);
	if (r == -ENOENT)
		goto none;
	if (r < 0)
		return 1;
	d = opendir(dir);
	if (!d) {
		fprintf(stderr, "sysgate prompt: %s: %m\n", dir);
		return 1;
	}
	while ((e = readdir(d))) {
		char path[PATH_MAX + 256], name[32];
		const char *dot = strrchr(e->d_name, '.');
		int fd;

		if (!dot || !streq(dot, ".sock") || (size_t)(dot - e->d_name) >= sizeof(name))
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)(dot - e->d_name), e->d_name);
		if (!is_pid(name))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		fd = connect_socket(path);
		if (fd == -ECONNREFUSED || fd == -ENOENT)
			continue; /* stale: its sysgate died without removing it */
		if (fd < 0) {
			if (fd != -EPERM)
				fprintf(stderr, "sysgate prompt: %s: %s\n", path, strerror(-fd));
			continue;
		}
		if (n == SOCKETS_MAX) {
			close(fd);
			more++;
			continue;
		}
		fds[n++] = fd;
	}
	if (n == 1) {
		*ret_fd = fds[0];
		return 0;
	}
	if (n == 0)
		goto none;
	fprintf(stderr,
		"sysgate prompt: %zu sysgates are running for this user; choose one with "
		"sysgate prompt PID:\n",
		n + more);
	for (size_t i = 0; i < n; i++) {
		struct server_info info = {};
		struct linebuf lb;
		char why[512];

		if (lb_init(&lb, SERVER_LINE_MAX) == 0 &&
		    hello_sync(fds[i], &lb, &info, why, sizeof(why)) == 0) {
			fprintf(stderr, "  %-8lld %s (mode %s)\n", info.pid, info.policy,
				info.mode);
			server_info_done(&info);
		} else {
			fprintf(stderr, "  ?        (no answer to hello)\n");
		}
		lb_done(&lb);
		close(fds[i]);
	}
	if (more)
		fprintf(stderr, "  ... and %zu more\n", more);
	return 2;
none:
	fprintf(stderr, "sysgate prompt: no sysgate is running for this user\n");
	return 1;
}

int cmd_prompt(int argc, char **argv)
{
	_cleanup_close_ int fd = -1;
	const char *arg = NULL;
	char dir[PATH_MAX];
	int r;

	for (int i = 1; i < argc; i++) {
		if (streq(argv[i], "--help") || streq(argv[i], "-h")) {
			prompt_usage(stdout);
			return 0;
		}
		if (streq(argv[i], "--") && i + 1 < argc && !arg) {
			arg = argv[++i];
			continue;
		}
		if ((argv[i][0] == '-' && argv[i][1]) || arg) {
			prompt_usage(stderr);
			return 2;
		}
		arg = argv[i];
	}
	/* A supervisor that goes away must not kill us with SIGPIPE: we say so. */
	signal(SIGPIPE, SIG_IGN);
	if (control_socket_dir(dir, sizeof(dir)) < 0) {
		fprintf(stderr, "sysgate prompt: the control directory's path is too long\n");
		return 1;
	}
	if (!arg) {
		r = find_only(dir, &fd);
		if (r)
			return r;
	} else if (strchr(arg, '/')) {
		fd = connect_socket(arg);
		if (fd < 0) {
			if (fd != -EPERM)
				fprintf(stderr, "sysgate prompt: %s: %s%s\n", arg, strerror(-fd),
					fd == -ECONNREFUSED ? " (its sysgate is not running)" : "");
			return 1;
		}
	} else if (is_pid(arg)) {
		char path[PATH_MAX + 32];

		snprintf(path, sizeof(path), "%s", dir);
		r = check_dir(dir);
		if (r == 0) {
			snprintf(path, sizeof(path), "%s/%s.sock", dir, arg);
			fd = connect_socket(path);
			r = fd < 0 ? fd : 0;
		}
		if (r == -ENOENT || r == -ECONNREFUSED) {
			fprintf(stderr,
				"sysgate prompt: no sysgate with pid %s is running for this user\n",
				arg);
			return 1;
		}
		if (r < 0) {
			if (r != -EPERM && r != -ENOTDIR)
				fprintf(stderr, "sysgate prompt: %s: %s\n", path, strerror(-r));
			return 1;
		}
	} else {
		fprintf(stderr,
			"sysgate prompt: '%s' is neither a pid nor a socket path (a path has a "
			"'/': ./%s)\n",
			arg, arg);
		return 2;
	}
	return prompt_session(fd, STDIN_FILENO, stdout);
}
