/*
 * control/protocol: what both ends of the control socket rely on
 * (protocol.h). The parser reads what any admitted peer sends: untrusted
 * JSON, every field checked; the escapes stand between the target's strings
 * and a person's terminal.
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sg-util.h"
#include "supervisor/control/protocol.h"
#include "supervisor/control/request.h"

int control_socket_dir(char *buf, size_t size)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	int n;

	if (geteuid() == 0)
		n = snprintf(buf, size, "/run/sysgate");
	else if (xdg && xdg[0] == '/')
		n = snprintf(buf, size, "%s/sysgate", xdg);
	else
		n = snprintf(buf, size, "/tmp/sysgate-%u", (unsigned)geteuid());
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

bool control_dir_is_private(const struct stat *st)
{
	return S_ISDIR(st->st_mode) && st->st_uid == geteuid() && !(st->st_mode & 077);
}

#define ANY_CLIENT "any client let in (peer checks on accept)"

const struct control_op_info control_ops[CONTROL_N_OPS] = {
	{"hello", CONTROL_OP_HELLO, ANY_CLIENT},   {"subscribe", CONTROL_OP_SUBSCRIBE, ANY_CLIENT},
	{"list", CONTROL_OP_LIST, ANY_CLIENT},	   {"answer", CONTROL_OP_ANSWER, ANY_CLIENT},
	{"policy", CONTROL_OP_POLICY, ANY_CLIENT},
};

static const char *get_string(struct json_object *req, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(req, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static int parse_answer(struct json_object *req, uint64_t *ret_seq, struct control_answer *a,
			const char **why)
{
	struct json_object *v;
	const char *s;
	int r;

	*a = (struct control_answer){.err = EPERM};
	if (!json_object_object_get_ex(req, "ask", &v) || !json_object_is_type(v, json_type_int) ||
	    json_object_get_int64(v) <= 0) {
		*why = "answer needs \"ask\": the number of a waiting call";
		return -EINVAL;
	}
	*ret_seq = (uint64_t)json_object_get_int64(v);
	s = get_string(req, "decision");
	if (s && streq(s, "allow"))
		a->kind = DECISION_ALLOW;
	else if (s && streq(s, "deny"))
		a->kind = DECISION_DENY;
	else if (s && streq(s, "kill"))
		a->kind = DECISION_KILL;
	else {
		*why = "\"decision\" must be allow, deny or kill";
		return -EINVAL;
	}
	if (json_object_object_get_ex(req, "errno", &v)) {
		int e = json_object_is_type(v, json_type_int)
				? (int)json_object_get_int64(v)
				: (json_object_is_type(v, json_type_string)
					   ? policy_errno_parse(json_object_get_string(v))
					   : -EINVAL);

		if (a->kind != DECISION_DENY || !policy_errno_in_range(e)) {
			*why = "\"errno\" must be a valid errno, and only for deny";
			return -EINVAL;
		}
		a->err = e;
	}
	if (json_object_object_get_ex(req, "scope", &v) &&
	    !json_object_is_type(v, json_type_string)) {
		*why = "\"scope\" must be a string";
		return -EINVAL;
	}
	if (json_object_object_get_ex(req, "cover", &v) &&
	    !json_object_is_type(v, json_type_string)) {
		*why = "\"cover\" must be a string";
		return -EINVAL;
	}
	s = get_string(req, "scope");
	r = s ? answer_scope_parse(s) : ANSWER_ONCE;
	if (r < 0) {
		*why = "\"scope\" must be once, process, run or always";
		return -EINVAL;
	}
	a->scope = (enum answer_scope)r;
	s = get_string(req, "cover");
	r = s ? answer_cover_parse(s) : ANSWER_COVER_EXACT;
	if (r < 0) {
		*why = "\"cover\" must be exact, dir or glob";
		return -EINVAL;
	}
	a->cover = (enum answer_cover)r;
	if (a->cover == ANSWER_COVER_GLOB) {
		a->glob = get_string(req, "glob");
		if (!a->glob) {
			*why = "cover glob needs \"glob\"";
			return -EINVAL;
		}
	}
	return 0;
}

int control_request_parse(const char *line, size_t len, struct control_request *ret,
			  const char **ret_why)
{
	struct json_tokener *tok;
	struct json_object *req;
	const char *op;

	*ret = (struct control_request){};
	if (len > CONTROL_LINE_MAX) {
		*ret_why = "line longer than 65536 bytes";
		return -EINVAL;
	}
	tok = json_tokener_new();
	if (!tok) {
		*ret_why = "out of memory";
		return -ENOMEM;
	}
	req = json_tokener_parse_ex(tok, line, (int)len);
	if (!req || json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != len || !json_object_is_type(req, json_type_object)) {
		json_object_put(req);
		json_tokener_free(tok);
		*ret_why = "not a JSON object on one line";
		return -EINVAL;
	}
	json_tokener_free(tok);
	ret->obj = req; /* kept on errors too: the error reply echoes its "id" */
	op = get_string(req, "op");
	if (!op) {
		*ret_why = "a request needs \"op\"";
		return -EINVAL;
	}
	for (size_t i = 0; i < ARRAY_SIZE(control_ops); i++) {
		if (!streq(op, control_ops[i].name))
			continue;
		ret->op = control_ops[i].op;
		if (ret->op == CONTROL_OP_ANSWER)
			return parse_answer(req, &ret->ask, &ret->answer, ret_why);
		return 0;
	}
	*ret_why = "unknown op (hello, subscribe, list, answer, policy)";
	return -EINVAL;
	return 0;
}

void control_request_done(struct control_request *r)
{
	if (!r)
		return;
	json_object_put(r->obj);
	*r = (struct control_request){};
}

static const char hex[] = "0123456789abcdef";

/* s with what a terminal acts on escaped; quotes and backslashes too when c_string. */
static char *escape(const char *s, bool c_string)
{
	char *b = malloc(strlen(s) * 4 + 1), *p = b;

	if (!b)
		return NULL;
	for (const unsigned char *u = (const unsigned char *)s; *u; u++) {
		bool quote = c_string && (*u == '"' || *u == '\\');

		if (*u >= 0x20 && *u < 0x7f && !quote) {
			*p++ = (char)*u;
			continue;
		}
		*p++ = '\\';
		if (quote)
			*p++ = (char)*u;
		else if (*u == '\n')
			*p++ = 'n';
		else if (*u == '\t')
			*p++ = 't';
		else if (*u == '\r')
			*p++ = 'r';
		else {
			*p++ = 'x';
			*p++ = hex[*u >> 4];
			*p++ = hex[*u & 15];
		}
	}
	*p = '\0';
	return b;
}

char *control_escape(const char *s)
{
	return escape(s, true);
}

char *control_term_safe(const char *s)
{
	return escape(s, false);
}
