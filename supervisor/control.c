/*
 * control: the control socket. See control.h and docs/control-protocol.md.
 *
 * Trust: a client may be any process of our user (or root). It can answer
 * asks, which is the point, but nothing it sends may crash, block or confuse
 * the supervisor: every message is parsed as untrusted JSON, every field
 * checked, output to a slow client is buffered up to a bound, and a client
 * that breaks the protocol is disconnected. Other users are refused on
 * connect (SO_PEERCRED), and the socket is owner-only from its creation.
 */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <unistd.h>

#include "sg-util.h"
#include "supervisor/control.h"

#define MAX_CLIENTS 64
#define MAX_LINE 65536
#define MAX_OUT (4u << 20)

struct client {
	int fd;
	bool subscribed;
	bool dead;
	char in[MAX_LINE + 1];
	size_t in_len;
	char *out;
	size_t out_len, out_size;
	struct control *ctl;
};

struct control {
	struct control_config cfg;
	int fd;
	int timerfd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct client *clients[MAX_CLIENTS];
};

int control_dir(char *buf, size_t size)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");

	if (geteuid() == 0)
		snprintf(buf, size, "/run/sysgate");
	else if (xdg && xdg[0] == '/')
		snprintf(buf, size, "%s/sysgate", xdg);
	else
		snprintf(buf, size, "/tmp/sysgate-%u", (unsigned)geteuid());
	return 0;
}

/* ---- output ---- */

static void client_close(struct client *cl)
{
	struct control *ctl = cl->ctl;
	unsigned n = 0;

	for (int i = 0; i < MAX_CLIENTS; i++)
		if (ctl->clients[i] == cl)
			ctl->clients[i] = NULL;
	loop_del(ctl->cfg.loop, cl->fd);
	safe_close(cl->fd);
	free(cl->out);
	free(cl);
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (ctl->clients[i] && ctl->clients[i]->subscribed)
			n++;
	ask_set_attached(ctl->cfg.asks, n);
}

static void client_flush(struct client *cl)
{
	while (cl->out_len > 0) {
		ssize_t n = send(cl->fd, cl->out, cl->out_len, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			cl->dead = true;
			return;
		}
		memmove(cl->out, cl->out + n, cl->out_len - (size_t)n);
		cl->out_len -= (size_t)n;
	}
	loop_mod(cl->ctl->cfg.loop, cl->fd,
		 EPOLLIN | EPOLLRDHUP | (cl->out_len ? EPOLLOUT : 0));
}

static void client_send(struct client *cl, struct json_object *o)
{
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							      JSON_C_TO_STRING_NOSLASHESCAPE);
	size_t n = strlen(s);

	if (cl->dead)
		return;
	if (cl->out_len + n + 1 > MAX_OUT) {
		/* A client that does not read does not get to grow our memory. */
		cl->dead = true;
		return;
	}
	if (cl->out_len + n + 1 > cl->out_size) {
		size_t size = MAX(cl->out_size * 2, cl->out_len + n + 1);
		char *p = realloc(cl->out, size);

		if (!p) {
			cl->dead = true;
			return;
		}
		cl->out = p;
		cl->out_size = size;
	}
	memcpy(cl->out + cl->out_len, s, n);
	cl->out[cl->out_len + n] = '\n';
	cl->out_len += n + 1;
	client_flush(cl);
}

static void broadcast(struct control *ctl, struct json_object *o)
{
	for (int i = 0; i < MAX_CLIENTS; i++) {
		struct client *cl = ctl->clients[i];

		if (cl && cl->subscribed)
			client_send(cl, o);
	}
}

static void reap_clients(struct control *ctl)
{
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (ctl->clients[i] && ctl->clients[i]->dead)
			client_close(ctl->clients[i]);
}

static void on_resolved(void *data, uint64_t seq, enum decision_kind kind, int err,
			const char *by)
{
	struct control *ctl = data;
	struct json_object *o = json_object_new_object();

	if (!o)
		return;
	json_object_object_add(o, "event", json_object_new_string("resolved"));
	json_object_object_add(o, "ask", json_object_new_uint64(seq));
	json_object_object_add(o, "decision", json_object_new_string(policy_decision_name(kind)));
	json_object_object_add(o, "by", json_object_new_string(by));
	if (kind == DECISION_DENY && err > 0 && strcmp(by, "gone") != 0) {
		const char *name = policy_errno_name(err);

		json_object_object_add(o, "errno", name ? json_object_new_string(name)
							: json_object_new_int(err));
	}
	broadcast(ctl, o);
	json_object_put(o);
}

static void arm_timer(struct control *ctl, long ms)
{
	struct itimerspec its = {};

	if (ms >= 0) {
		ms = MAX(ms, 1);
		its.it_value.tv_sec = ms / 1000;
		its.it_value.tv_nsec = (ms % 1000) * 1000000;
	}
	timerfd_settime(ctl->timerfd, 0, &its, NULL);
}

/* ---- requests ---- */

static struct json_object *reply_new(struct json_object *req, bool ok)
{
	struct json_object *o = json_object_new_object(), *id;

	if (!o)
		return NULL;
	if (req && json_object_object_get_ex(req, "id", &id))
		json_object_object_add(o, "id", json_object_get(id));
	json_object_object_add(o, "ok", json_object_new_boolean(ok));
	return o;
}

static void reply_error(struct client *cl, struct json_object *req, const char *why)
{
	struct json_object *o = reply_new(req, false);

	if (!o)
		return;
	json_object_object_add(o, "error", json_object_new_string(why));
	client_send(cl, o);
	json_object_put(o);
}

static const char *get_string(struct json_object *req, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(req, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static int parse_answer(struct json_object *req, uint64_t *ret_seq, struct ask_answer *a,
			const char **why)
{
	struct json_object *v;
	const char *s;

	*a = (struct ask_answer){ .err = EPERM };
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

		if (a->kind != DECISION_DENY || e <= 0 || e > 4095 || (e >= 512 && e <= 530)) {
			*why = "\"errno\" must be a valid errno, and only for deny";
			return -EINVAL;
		}
		a->err = e;
	}
	if (json_object_object_get_ex(req, "scope", &v) && !json_object_is_type(v, json_type_string)) {
		*why = "\"scope\" must be a string";
		return -EINVAL;
	}
	if (json_object_object_get_ex(req, "cover", &v) && !json_object_is_type(v, json_type_string)) {
		*why = "\"cover\" must be a string";
		return -EINVAL;
	}
	s = get_string(req, "scope");
	if (!s || streq(s, "once"))
		a->scope = ASK_ONCE;
	else if (streq(s, "process"))
		a->scope = ASK_PROCESS;
	else if (streq(s, "run"))
		a->scope = ASK_RUN;
	else if (streq(s, "always"))
		a->scope = ASK_ALWAYS;
	else {
		*why = "\"scope\" must be once, process, run or always";
		return -EINVAL;
	}
	s = get_string(req, "cover");
	if (!s || streq(s, "exact")) {
		a->cover = ASK_COVER_EXACT;
	} else if (streq(s, "dir")) {
		a->cover = ASK_COVER_DIR;
	} else if (streq(s, "glob")) {
		a->cover = ASK_COVER_GLOB;
		a->glob = get_string(req, "glob");
		if (!a->glob) {
			*why = "cover glob needs \"glob\"";
			return -EINVAL;
		}
	} else {
		*why = "\"cover\" must be exact, dir or glob";
		return -EINVAL;
	}
	return 0;
}

static void handle_request(struct client *cl, struct json_object *req)
{
	struct control *ctl = cl->ctl;
	struct json_object *o = NULL;
	const char *op = get_string(req, "op");

	if (!op) {
		reply_error(cl, req, "a request needs \"op\"");
		return;
	}
	if (streq(op, "hello")) {
		const struct policy *p = ctl->cfg.policy;
		char dflt[64];
		const char *e = policy_errno_name(p->ask_default.err);

		o = reply_new(req, true);
		if (!o)
			return;
		if (p->ask_default.kind == DECISION_DENY)
			snprintf(dflt, sizeof(dflt), "deny %s", e ? e : "EPERM");
		else
			snprintf(dflt, sizeof(dflt), "%s", policy_decision_name(p->ask_default.kind));
		json_object_object_add(o, "sysgate", json_object_new_string(SYSGATE_VERSION));
		json_object_object_add(o, "pid", json_object_new_int(getpid()));
		json_object_object_add(o, "policy", json_object_new_string(ctl->cfg.policy_name));
		json_object_object_add(o, "mode",
				       json_object_new_string(ctl->cfg.mode == POLICY_COMPLAIN
								      ? "complain"
								      : "enforce"));
		json_object_object_add(o, "ask_timeout_ms", json_object_new_uint64(p->ask_timeout_ms));
		json_object_object_add(o, "ask_default", json_object_new_string(dflt));
	} else if (streq(op, "subscribe")) {
		struct json_object *pending = ask_list(ctl->cfg.asks);
		unsigned n = 0;

		cl->subscribed = true;
		for (int i = 0; i < MAX_CLIENTS; i++)
			if (ctl->clients[i] && ctl->clients[i]->subscribed)
				n++;
		ask_set_attached(ctl->cfg.asks, n);
		o = reply_new(req, true);
		if (o)
			client_send(cl, o);
		json_object_put(o);
		o = NULL;
		for (size_t i = 0; pending && i < json_object_array_length(pending); i++) {
			struct json_object *ev = json_object_get(json_object_array_get_idx(pending, i));

			json_object_object_add(ev, "event", json_object_new_string("ask"));
			client_send(cl, ev);
			json_object_put(ev);
		}
		json_object_put(pending);
	} else if (streq(op, "list")) {
		o = reply_new(req, true);
		if (o)
			json_object_object_add(o, "pending", ask_list(ctl->cfg.asks));
	} else if (streq(op, "answer")) {
		struct ask_answer a;
		char *covers = NULL, *written = NULL;
		const char *why = NULL;
		uint64_t seq = 0;
		int r = parse_answer(req, &seq, &a, &why);

		if (r == 0)
			r = ask_answer(ctl->cfg.asks, seq, &a, &covers, &written, &why, on_resolved,
				       ctl);
		if (r < 0) {
			reply_error(cl, req, why ? why : strerror(-r));
			return;
		}
		o = reply_new(req, true);
		if (o) {
			json_object_object_add(o, "covers", json_object_new_string(covers));
			if (written)
				json_object_object_add(o, "written",
						       json_object_new_string(written));
		}
		free(covers);
		free(written);
		arm_timer(ctl, ask_tick(ctl->cfg.asks, on_resolved, ctl));
	} else if (streq(op, "policy")) {
		o = reply_new(req, true);
		if (o) {
			json_object_object_add(o, "file", json_object_new_string(ctl->cfg.policy_name));
			json_object_object_add(o, "text", json_object_new_string(ctl->cfg.policy_text));
			json_object_object_add(o, "remembered",
					       ask_remembered_list(ctl->cfg.asks));
		}
	} else {
		reply_error(cl, req, "unknown op (hello, subscribe, list, answer, policy)");
		return;
	}
	if (o)
		client_send(cl, o);
	json_object_put(o);
}

static void handle_line(struct client *cl, char *line, size_t len)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *req;

	if (!tok) {
		cl->dead = true;
		return;
	}
	req = json_tokener_parse_ex(tok, line, (int)len);
	if (!req || json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != len || !json_object_is_type(req, json_type_object))
		reply_error(cl, NULL, "not a JSON object on one line");
	else
		handle_request(cl, req);
	json_object_put(req);
	json_tokener_free(tok);
}

static int on_client(void *data, uint32_t events)
{
	struct client *cl = data;
	struct control *ctl = cl->ctl;

	if (events & EPOLLOUT)
		client_flush(cl);
	if (events & EPOLLIN) {
		ssize_t n = recv(cl->fd, cl->in + cl->in_len, MAX_LINE + 1 - cl->in_len,
				 MSG_DONTWAIT);

		if (n == 0) {
			cl->dead = true;
		} else if (n > 0) {
			char *nl;

			cl->in_len += (size_t)n;
			while (!cl->dead && (nl = memchr(cl->in, '\n', cl->in_len))) {
				size_t len = (size_t)(nl - cl->in);

				handle_line(cl, cl->in, len);
				memmove(cl->in, nl + 1, cl->in_len - len - 1);
				cl->in_len -= len + 1;
			}
			if (cl->in_len > MAX_LINE) {
				reply_error(cl, NULL, "line longer than 65536 bytes");
				client_flush(cl);
				cl->dead = true;
			}
		} else if (errno != EAGAIN && errno != EINTR) {
			cl->dead = true;
		}
	}
	if (events & (EPOLLHUP | EPOLLERR | EPOLLRDHUP))
		if (!(events & EPOLLIN))
			cl->dead = true;
	reap_clients(ctl);
	return 0;
}

static int on_accept(void *data, uint32_t events)
{
	struct control *ctl = data;

	(void)events;
	for (;;) {
		struct ucred cred;
		socklen_t len = sizeof(cred);
		struct client *cl;
		int fd = accept4(ctl->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK), slot = -1;

		if (fd < 0)
			return 0;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 ||
		    (cred.uid != geteuid() && cred.uid != 0)) {
			fprintf(stderr, "sysgate: control: refused a connection from uid %u (pid %d)\n",
				(unsigned)cred.uid, (int)cred.pid);
			close(fd);
			continue;
		}
		for (int i = 0; i < MAX_CLIENTS && slot < 0; i++)
			if (!ctl->clients[i])
				slot = i;
		cl = slot >= 0 ? calloc(1, sizeof(*cl)) : NULL;
		if (!cl) {
			close(fd);
			continue;
		}
		cl->fd = fd;
		cl->ctl = ctl;
		if (loop_add(ctl->cfg.loop, fd, EPOLLIN | EPOLLRDHUP, on_client, cl) < 0) {
			close(fd);
			free(cl);
			continue;
		}
		ctl->clients[slot] = cl;
	}
}

/* New asks from the session threads: tell the subscribers. */
static int on_asks(void *data, uint32_t events)
{
	struct control *ctl = data;
	struct json_object *items = NULL;

	(void)events;
	if (ask_take_new(ctl->cfg.asks, &items) == 0) {
		for (size_t i = 0; i < json_object_array_length(items); i++) {
			struct json_object *ev = json_object_array_get_idx(items, i);

			json_object_object_add(ev, "event", json_object_new_string("ask"));
			broadcast(ctl, ev);
		}
		json_object_put(items);
	}
	reap_clients(ctl);
	arm_timer(ctl, ask_tick(ctl->cfg.asks, on_resolved, ctl));
	return 0;
}

static int on_timer(void *data, uint32_t events)
{
	struct control *ctl = data;
	uint64_t n;
	ssize_t k = read(ctl->timerfd, &n, sizeof(n));

	(void)k;
	(void)events;
	arm_timer(ctl, ask_tick(ctl->cfg.asks, on_resolved, ctl));
	reap_clients(ctl);
	return 0;
}

static int check_dir(const char *dir, const char **why)
{
	struct stat st;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		*why = "cannot create the control directory";
		return -errno;
	}
	if (lstat(dir, &st) < 0) {
		*why = "cannot inspect the control directory";
		return -errno;
	}
	/* Someone else's directory, a symlink, or one others can enter would
	 * let them replace or reach our socket. */
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077)) {
		*why = "the control directory is not a private directory of ours "
		       "(owner-only, not a symlink)";
		return -EPERM;
	}
	return 0;
}

int control_open(struct control **ret, const struct control_config *cfg, const char **ret_why)
{
	struct control *ctl = calloc(1, sizeof(*ctl));
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[sizeof(sa.sun_path)];
	mode_t old;
	int r;

	if (!ctl)
		return -ENOMEM;
	ctl->cfg = *cfg;
	ctl->fd = ctl->timerfd = -1;
	control_dir(dir, sizeof(dir));
	r = check_dir(dir, ret_why);
	if (r < 0)
		goto fail;
	if ((size_t)snprintf(ctl->path, sizeof(ctl->path), "%s/%d.sock", dir, (int)getpid()) >=
	    sizeof(ctl->path)) {
		*ret_why = "the control socket path is too long";
		r = -ENAMETOOLONG;
		goto fail;
	}
	memcpy(sa.sun_path, ctl->path, sizeof(sa.sun_path));
	ctl->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (ctl->fd < 0) {
		r = -errno;
		*ret_why = "socket";
		goto fail;
	}
	(void)unlink(ctl->path); /* a stale one of a dead sysgate with our pid */
	old = umask(0077);       /* owner-only from the moment it exists */
	r = bind(ctl->fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r < 0 || listen(ctl->fd, 16) < 0) {
		r = -errno;
		*ret_why = "cannot bind the control socket";
		goto fail;
	}
	ctl->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (ctl->timerfd < 0) {
		r = -errno;
		*ret_why = "timerfd";
		goto fail;
	}
	r = loop_add(cfg->loop, ctl->fd, EPOLLIN, on_accept, ctl);
	if (r == 0)
		r = loop_add(cfg->loop, ctl->timerfd, EPOLLIN, on_timer, ctl);
	if (r == 0)
		r = loop_add(cfg->loop, ask_queue_fd(cfg->asks), EPOLLIN, on_asks, ctl);
	if (r < 0) {
		*ret_why = "event loop";
		goto fail;
	}
	*ret = ctl;
	return 0;
fail:
	control_close(ctl);
	return r;
}

void control_shutdown_asks(struct control *ctl)
{
	if (!ctl)
		return;
	ask_shutdown(ctl->cfg.asks, on_resolved, ctl);
	/* Last words to the clients: best effort, without blocking. */
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (ctl->clients[i])
			client_flush(ctl->clients[i]);
}

const char *control_path(const struct control *c)
{
	return c->path;
}

void control_close(struct control *ctl)
{
	if (!ctl)
		return;
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (ctl->clients[i])
			client_close(ctl->clients[i]);
	if (ctl->fd >= 0) {
		loop_del(ctl->cfg.loop, ctl->fd);
		unlink(ctl->path);
		close(ctl->fd);
	}
	if (ctl->timerfd >= 0) {
		loop_del(ctl->cfg.loop, ctl->timerfd);
		close(ctl->timerfd);
	}
	if (ctl->cfg.asks)
		loop_del(ctl->cfg.loop, ask_queue_fd(ctl->cfg.asks));
	free(ctl);
}

/*
 * For tests/fuzz/fuzz-control.c only: parse one request line exactly as
 * handle_line() does and, for "answer", into the ask_answer that
 * handle_request() would pass on, without a client or a session to act on.
 * 0 for a request sysgate would act on, -EINVAL for one it would refuse.
 * Declared here, not in control.h: it is no part of the module's interface.
 */
int control_fuzz_request(const char *line, size_t len);
int control_fuzz_request(const char *line, size_t len)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *req = NULL;
	struct ask_answer a;
	const char *op, *why = NULL;
	uint64_t seq = 0;
	int r = -EINVAL;

	if (!tok || len > MAX_LINE) /* on_client never passes more */
		goto out;
	req = json_tokener_parse_ex(tok, line, (int)len);
	if (!req || json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != len || !json_object_is_type(req, json_type_object))
		goto out;
	op = get_string(req, "op");
	if (!op)
		goto out;
	if (streq(op, "answer"))
		r = parse_answer(req, &seq, &a, &why);
	else if (streq(op, "hello") || streq(op, "subscribe") || streq(op, "list") ||
		 streq(op, "policy"))
		r = 0;
out:
	json_object_put(req);
	json_tokener_free(tok);
	return r;
}
