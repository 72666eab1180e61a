#pragma once
/*
 * prompt/server: talking to the supervisor: JSON lines both ways, and the
 * hello that opens a session. The supervisor is as trusted as we are (the
 * peer's uid is checked on connect), but what it relays from the target is
 * escaped before the terminal sees it: server_info's strings already are.
 */
#include <stdbool.h>
#include <stddef.h>

#include "supervisor/prompt/linebuf.h"

#define HELLO_TIMEOUT_MS 5000 /* how long the supervisor has to answer */

struct json_object;

struct server_info {
	long long pid;
	long long ask_timeout_ms; /* -1 if not given */
	char *policy;		  /* all escaped for the terminal */
	char *mode;
	char *ask_default;
	char *version;
};

void server_info_done(struct server_info *i);

/* A string member of o, or NULL. */
const char *prompt_jstr(struct json_object *o, const char *key);
/* An integer member of o into *ret; false if there is none. */
bool prompt_jint(struct json_object *o, const char *key, long long *ret);
/* One line as one JSON object, or NULL (with *ret_why) if it is not exactly that. */
struct json_object *prompt_parse_line(const char *line, const char **ret_why);
/* Send one request: the object as one line. 0, or -errno (EPIPE: the peer is gone). */
int prompt_send(int sock, struct json_object *o);
/* s (or dflt when NULL) made safe for the terminal; NULL on ENOMEM. */
char *prompt_safe_or(const char *s, const char *dflt);
/*
 * Send hello and wait for its reply (nothing else can come first: events
 * only follow a subscribe), at most 5 s. lb keeps whatever arrived after the
 * reply. 0 with *ret filled, or -errno with why filled.
 */
int prompt_hello(int sock, struct linebuf *lb, struct server_info *ret, char *why, size_t why_size);
