/*
 * handover: the bytes and fds a runtime or sysgate-agent hands the daemon
 * (handover.h). Trusted side, reading what a container's author may have
 * written: every field is bounded and checked before it is used.
 */
#include <errno.h>
#include <stdbool.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sg-util.h"
#include "supervisor/daemon/handover.h"

static const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* A printable, bounded copy of a runtime-supplied id. */
static void clean_id(const char *in, char *out, size_t size)
{
	size_t o = 0;

	for (; in && *in && o + 1 < size; in++)
		out[o++] = (*in > 0x20 && *in < 0x7f) ? *in : '?';
	out[o] = '\0';
	if (!o)
		snprintf(out, size, "?");
}

int handover_metadata_policy(const char *md, char ret[POLICY_NAME_MAX + 1], const char **why)
{
	const char *p = md;

	ret[0] = '\0';
	while (p && *p) {
		size_t n = strcspn(p, " ,;");

		if (n > 7 && strncmp(p, "policy=", 7) == 0) {
			const char *v = p + 7;
			size_t len = n - 7;

			*why = policy_plain_name_why(v, len);
			if (*why)
				return -EINVAL;
			memcpy(ret, v, len);
			ret[len] = '\0';
			return 0;
		}
		p += n;
		p += strspn(p, " ,;");
	}
	return 0;
}

/* sysgate-agent's {"op":"filter","policy":NAME}: NAME plain, or the default. */
static void parse_filter_request(struct json_object *msg, struct handover *h)
{
	const char *name = jstr(msg, "policy");

	h->kind = HANDOVER_FILTER;
	if (!name)
		return;
	h->policy_why = policy_plain_name_why(name, strlen(name));
	if (!h->policy_why)
		snprintf(h->policy, sizeof(h->policy), "%s", name);
}

/* The OCI seccomp agent message: {"ociVersion", "fds": [...], "pid",
 * "metadata", "state": {"id", "annotations": {...}}}. */
static void parse_state(struct json_object *msg, struct handover *h)
{
	struct json_object *fds = NULL, *state = NULL, *ann = NULL, *v;
	const char *pod = NULL;

	json_object_object_get_ex(msg, "state", &state);
	clean_id(jstr(state, "id"), h->id, sizeof(h->id));
	if (state && json_object_object_get_ex(state, "annotations", &ann))
		pod = jstr(ann, "io.kubernetes.pod.name");
	{
		/* Where the runtime keeps the bundle: only its config.json is
		 * read from it (serve.c), so only a plain absolute path is kept. */
		const char *b = jstr(state, "bundle");
		bool plain = b && b[0] == '/' && strlen(b) < 4000;

		for (const char *c = b; plain && *c; c++)
			plain = *c > 0x20 && *c < 0x7f;
		if (plain)
			h->bundle = strdup(b);
	}
	if (pod && !(h->pod = strdup(pod))) {
		h->kind = HANDOVER_REFUSED;
		h->why = "out of memory";
		return;
	}
	if (json_object_object_get_ex(msg, "pid", &v) && json_object_is_type(v, json_type_int))
		h->pid = (pid_t)json_object_get_int(v);
	if (h->pid < 0)
		h->pid = 0;

	if (!json_object_object_get_ex(msg, "fds", &fds) ||
	    !json_object_is_type(fds, json_type_array)) {
		h->kind = HANDOVER_REFUSED;
		h->why = "no \"fds\" array";
		return;
	}
	h->fd_index = -1;
	for (size_t i = 0; i < json_object_array_length(fds); i++) {
		const char *n = json_object_get_string(json_object_array_get_idx(fds, i));

		if (n && streq(n, "seccompFd"))
			h->fd_index = (int)i;
	}
	if (h->fd_index < 0) {
		h->kind = HANDOVER_REFUSED;
		h->why = "no seccomp listener fd came with it";
		return;
	}
	h->kind = HANDOVER_LISTENER;
	if (handover_metadata_policy(jstr(msg, "metadata"), h->policy, &h->policy_why) < 0)
		h->policy[0] = '\0';
}

int handover_parse(const char *buf, size_t len, struct handover *ret)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *msg = NULL;
	struct handover h = {.kind = HANDOVER_REFUSED, .fd_index = -1};

	snprintf(h.id, sizeof(h.id), "?");
	if (!tok) {
		h.why = "out of memory";
		goto out;
	}
	if (len > HANDOVER_MAX_MSG) {
		h.why = "longer than 65536 bytes";
		goto out;
	}
	msg = json_tokener_parse_ex(tok, buf, (int)len);
	if (json_tokener_get_error(tok) == json_tokener_continue) {
		if (len < HANDOVER_MAX_MSG) {
			json_tokener_free(tok);
			return 1;
		}
		h.why = "longer than 65536 bytes";
		goto out;
	}
	if (!msg || !json_object_is_type(msg, json_type_object))
		h.why = "not a JSON object";
	else if (jstr(msg, "op") && streq(jstr(msg, "op"), "filter"))
		parse_filter_request(msg, &h);
	else if (jstr(msg, "op"))
		h.kind = HANDOVER_OTHER_OP;
	else
		parse_state(msg, &h);
out:
	json_object_put(msg);
	json_tokener_free(tok);
	*ret = h;
	return 0;
}

void handover_done(struct handover *h)
{
	free(h->pod);
	h->pod = NULL;
	free(h->bundle);
	h->bundle = NULL;
}

ssize_t handover_recv(int fd, char *buf, size_t *len, int *fds, int *n_fds)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * HANDOVER_MAX_FDS)];
		struct cmsghdr align;
	} u;
	struct iovec iov = {.iov_base = buf + *len, .iov_len = HANDOVER_MAX_MSG - *len};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = u.buf,
			    .msg_controllen = sizeof(u.buf)};
	ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);

	if (n < 0)
		return -errno;
	/* Every fd that came is taken, kept or closed: none may linger in our
	 * table, whatever else is wrong with the message. */
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		for (size_t i = 0; i < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++) {
			int f;

			memcpy(&f, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (*n_fds < HANDOVER_MAX_FDS)
				fds[(*n_fds)++] = f;
			else
				close(f);
		}
	}
	*len += (size_t)n;
	return n;
}

bool handover_is_listener(int fd)
{
	char p[64], link[64];
	ssize_t n;

	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	n = readlink(p, link, sizeof(link) - 1);
	if (n < 0)
		return false;
	link[n] = '\0';
	return strstr(link, "seccomp") != NULL;
}

char *handover_filter_reply(const void *insns, size_t len, size_t *ret_size)
{
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *b = insns;
	size_t n = len * 8; /* sizeof(struct sock_filter) */
	char *out = NULL;
	FILE *f = open_memstream(&out, ret_size);

	if (!f)
		return NULL;
	fputs("{\"ok\":true,\"bpf\":\"", f);
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)b[i] << 16 | (i + 1 < n ? b[i + 1] : 0) << 8 |
			     (i + 2 < n ? b[i + 2] : 0);

		fputc(b64[v >> 18 & 63], f);
		fputc(b64[v >> 12 & 63], f);
		fputc(i + 1 < n ? b64[v >> 6 & 63] : '=', f);
		fputc(i + 2 < n ? b64[v & 63] : '=', f);
	}
	fputs("\"}\n", f);
	if (fclose(f) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

char *handover_error_reply(const char *why, size_t *ret_size)
{
	struct json_object *o = json_object_new_object();
	char *out = NULL;

	if (!o)
		return NULL;
	json_object_object_add(o, "ok", json_object_new_boolean(false));
	json_object_object_add(o, "error", json_object_new_string(why ? why : "error"));
	if (asprintf(&out, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN)) < 0)
		out = NULL;
	json_object_put(o);
	if (out)
		*ret_size = strlen(out);
	return out;
}

int serve_fuzz_message(const char *buf, size_t len)
{
	struct handover h;
	int r = handover_parse(buf, len, &h);

	if (r == 1)
		return 1;
	if ((h.kind == HANDOVER_LISTENER || h.kind == HANDOVER_FILTER) && !h.policy_why)
		r = 0;
	else
		r = -EINVAL;
	handover_done(&h);
	return r;
}
