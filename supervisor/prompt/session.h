#pragma once
/*
 * prompt/session: one attached prompt, inside the prompt room: the calls it
 * shows (show.c), the answers typed and the requests in flight, the loop
 * over the socket and the input (session.c).
 *
 * Threads: a session is owned by the one thread that runs prompt_session()
 * (`sysgate prompt`'s main thread, or the prompt thread of `run --prompt`)
 * and nothing in it is shared; the only call out is focus(), made on that
 * thread, whose data is run --prompt's to guard (launch/pty.h).
 */
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "policy/answer.h"
#include "supervisor/prompt/linebuf.h"
#include "supervisor/prompt/server.h"

#define INPUT_LINE_MAX 4096
#define PENDING_MAX 4096      /* calls we keep; more are shown once and not queued */
#define REQS_MAX 64	      /* requests in flight */
#define DRAIN_TIMEOUT_MS 5000 /* after q or EOF, how long to wait for replies */
#define WARN_MAX 20	      /* warnings about bad server lines before going quiet */

struct json_object;

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

/* An answer to call ask, as typed (the grammar is policy/answer.h's). */
struct answer {
	long long ask;
	struct answer_words w;
};

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

/* ---- show.c: the calls and what the person sees ---- */

/* The call in an ask event; -EINVAL when it has no "ask" number. */
int prompt_ask_from(struct json_object *o, struct ask **ret);
void prompt_ask_free(struct ask *a); /* NULL-safe */
long long prompt_ms_since(const struct timespec *t);
/* Parse and check a typed answer against call k; -EINVAL with why filled. */
int prompt_parse_answer(const struct ask *k, char *text, struct answer *a, char *why,
			size_t why_size);
/* What a remembered answer covers, for the confirmation; escaped; NULL on ENOMEM. */
char *prompt_describe(const struct server_info *info, const struct ask *k, const struct answer *a);
/* Output that is not the prompt: first end the prompt's line. */
void prompt_say(struct session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void prompt_warn_server(struct session *s, const char *why);
struct ask *prompt_find_ask(struct session *s, long long id, size_t *ret_idx);
struct ask *prompt_current(struct session *s);
void prompt_drop_ask(struct session *s, long long id);
void prompt_print_block(struct session *s, const struct ask *a);
void prompt_print_list(struct session *s);
void prompt_print_help(struct session *s);
void prompt_show(struct session *s);

/* ---- session.c: requests in flight ---- */

/* A slot for a request of this kind (its "id" set in o); NULL when full. */
struct req *prompt_add_req(struct session *s, enum req_kind kind, struct json_object *o);
/* Send o; on failure the session ends (the supervisor is gone). 0 or -errno. */
int prompt_send_req(struct session *s, struct json_object *o);

/* ---- input.c: what the person types ---- */
void prompt_input_line(struct session *s, char *line);
/* Take one complete input line, if any, between events. */
void prompt_next_input(struct session *s);
