/*
 * prompt/server: JSON lines to and from the supervisor, and the hello
 * (server.h). Client side: each line is parsed as it comes, and a line that
 * is not one JSON object is set aside, never half believed.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <json-c/json.h>

#include "sg-util.h"
#include "supervisor/control/protocol.h"
#include "supervisor/prompt/server.h"

const char *prompt_jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

bool prompt_jint(struct json_object *o, const char *key, long long *ret)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
		return false;
	*ret = (long long)json_object_get_int64(v);
	return true;
}

/* One line as one JSON object, or NULL (with *ret_why) if it is not exactly that. */
struct json_object *prompt_parse_line(const char *line, const char **ret_why)
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
int prompt_send(int sock, struct json_object *o)
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

void server_info_done(struct server_info *i)
{
	free(i->policy);
	free(i->mode);
	free(i->ask_default);
	free(i->version);
	*i = (struct server_info){};
}

char *prompt_safe_or(const char *s, const char *dflt)
{
	return control_term_safe(s ? s : dflt);
}

static int server_info_from(struct json_object *o, struct server_info *ret)
{
	struct server_info i = {.pid = -1, .ask_timeout_ms = -1};

	prompt_jint(o, "pid", &i.pid);
	prompt_jint(o, "ask_timeout_ms", &i.ask_timeout_ms);
	i.policy = prompt_safe_or(prompt_jstr(o, "policy"), "?");
	i.mode = prompt_safe_or(prompt_jstr(o, "mode"), "?");
	i.ask_default = prompt_safe_or(prompt_jstr(o, "ask_default"), "deny EPERM");
	i.version = prompt_safe_or(prompt_jstr(o, "sysgate"), "?");
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
int prompt_hello(int sock, struct linebuf *lb, struct server_info *ret, char *why, size_t why_size)
{
	struct json_object *req = json_object_new_object();
	struct timespec start;
	int r;

	if (!req)
		return -ENOMEM;
	json_object_object_add(req, "id", json_object_new_string("hello"));
	json_object_object_add(req, "op", json_object_new_string("hello"));
	r = prompt_send(sock, req);
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
			o = prompt_parse_line(line, &bad);
			if (!o)
				continue;
			ok_field = json_object_object_get_ex(o, "ok", NULL);
			if (!ok_field) {
				json_object_put(o);
				continue;
			}
			if (!json_object_get_boolean(json_object_object_get(o, "ok"))) {
				_cleanup_free_ char *e =
					prompt_safe_or(prompt_jstr(o, "error"), "no reason given");

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
