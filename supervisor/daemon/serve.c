/*
 * sysgate serve: one daemon supervising many sandboxes, fed listener fds by
 * container runtimes (runc, crun: the OCI seccomp agent protocol) and by
 * sysgate-agent. See docs/serve.md.
 *
 *   accept → check the peer (root or our uid) → read one JSON message and the
 *   fd it carries (non-blocking, bounded, with a deadline) → pick the policy
 *   named by listenerMetadata (a plain name in the policy directory, nothing
 *   else) → a session on a thread of its own → when the last process of the
 *   sandbox is gone (POLLHUP on the listener), stop it and free everything.
 *
 * Trust: the peer is a runtime running as root, but what it relays
 * (metadata, annotations, ids) comes from whoever wrote the container's
 * config: every field is checked, and a message that cannot be understood
 * gets the listener served by a deny-everything policy (fail closed) rather
 * than dropped (which would leave the sandbox's notified calls failing with
 * ENOSYS, inviting fallbacks).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "sg-util.h"
#include "supervisor/cli/cli.h"
#include "supervisor/log/log.h"
#include "supervisor/core/loop.h"
#include "supervisor/core/session.h"
#include "supervisor/target/target.h"

#define MAX_MSG 65536
#define MAX_CONNS 256
#define CONN_DEADLINE_MS 5000
#define MAX_SINKS 8
/*
 * The main loop never waits for a session's thread without a bound: a thread
 * that has not ended SVC_STOP_WAIT_MS after it was told to is reaped later,
 * from the timer, and one that has not ended after SVC_LEAK_MS is leaked
 * (its session, listener and policy), with a message, rather than waited for.
 * A thread asleep on target memory that never arrives is abandoned at once by
 * the session itself (see session.c), so that is not what lands here.
 */
#define SVC_STOP_WAIT_MS 20
#define SVC_LEAK_MS 30000

/* A loaded policy, shared by the sessions that use it. SIGHUP replaces the
 * entry; sessions keep the version they started with. */
struct pol {
	char *name; /* "" for the default */
	struct policy *p;
	struct policy_filter filter;
	unsigned refs;
	struct pol *next;
};

struct svc {
	struct serve *sv;
	struct session *session;
	struct pol *pol;
	int listener; /* borrowed from the session, for POLLHUP */
	int done_fd;
	char *id;
	uint64_t dying_since; /* in sv->dying: when its stop was asked */
	struct svc *next;
};

struct conn {
	struct serve *sv;
	int fd;
	char buf[MAX_MSG + 1];
	size_t len;
	int fds[8];
	int n_fds;
	uint64_t deadline;
	struct conn *next;
};

struct serve {
	struct loop *loop;
	struct logger *log;
	int sock, sigfd, timerfd;
	char *socket_path;
	char *policy_dir;
	char *default_file; /* NULL: the built-in policy */
	struct pol *pols;   /* current versions, by name */
	struct pol *deny_all;
	struct svc *svcs;
	struct svc *dying; /* ended, their threads not yet: reaped by on_timer */
	size_t n_svcs, n_conns;
	struct conn *conns;
	bool stopping;
	unsigned long sessions_total;
};

static uint64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

/* Messages about the daemon itself (not decisions): stderr, one line. */
static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	fputs("sysgate serve: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* ---- policies ---- */

static void pol_unref(struct pol *p)
{
	if (!p || --p->refs > 0)
		return;
	policy_filter_done(&p->filter);
	policy_free(p->p);
	free(p->name);
	free(p);
}

static void print_diags(const char *file, const struct policy_diags *d)
{
	for (size_t i = 0; i < d->n; i++)
		say("%s:%u: %s: %s", file, d->v[i].line,
		    d->v[i].severity == DIAG_ERROR ? "error" : "warning", d->v[i].msg);
}

/* Load (or reload) a policy; NULL on error, with the reason said. */
static struct pol *pol_load(const char *name, const char *file)
{
	struct policy_diags d = {};
	struct pol *p = calloc(1, sizeof(*p));
	int r;

	if (!p)
		return NULL;
	p->refs = 1;
	p->name = strdup(name);
	r = file ? policy_load_file(file, &p->p, &d) : policy_load_default(&p->p, &d);
	print_diags(file ? file : POLICY_DEFAULT_NAME, &d);
	if (r < 0 && d.n_errors == 0)
		say("%s: %s", file ? file : POLICY_DEFAULT_NAME, strerror(-r));
	policy_diags_free(&d);
	if (r == 0)
		r = policy_compile(p->p, &p->filter);
	if (r < 0 || !p->name) {
		pol_unref(p);
		return NULL;
	}
	return p;
}

/*
 * listenerMetadata: "policy=NAME", optionally among other "key=value"
 * words separated by spaces, commas or semicolons (unknown keys ignored).
 * NAME is a plain file name in the policy directory: letters, digits, '_',
 * '-' and '.', not starting with '.', at most 64 characters. 0 with *ret
 * (NULL: none given), or -EINVAL with *why.
 */
static int metadata_policy(const char *md, char *ret, size_t size, const char **why)
{
	const char *p = md;

	ret[0] = '\0';
	while (p && *p) {
		size_t n = strcspn(p, " ,;");

		if (n > 7 && strncmp(p, "policy=", 7) == 0) {
			const char *v = p + 7;
			size_t len = n - 7;

			for (size_t i = 0; i < len; i++)
				if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					    "0123456789_-.",
					    v[i])) {
					*why = "policy name is not a plain name ([A-Za-z0-9_.-])";
					return -EINVAL;
				}
			if (len > 64 || len >= size || v[0] == '.') {
				*why = "policy name is hidden (starts with '.') or longer than 64";
				return -EINVAL;
			}
			memcpy(ret, v, len);
			ret[len] = '\0';
			return 0;
		}
		p += n;
		p += strspn(p, " ,;");
	}
	return 0;
}

static struct pol *pol_get(struct serve *sv, const char *name, const char **why)
{
	_cleanup_free_ char *file = NULL;
	struct pol *p;

	for (p = sv->pols; p; p = p->next)
		if (streq(p->name, name)) {
			p->refs++;
			return p;
		}
	if (!*name) {
		*why = "no default policy";
		return NULL;
	}
	if (!sv->policy_dir) {
		*why = "a policy was named but serve has no --policy-dir";
		return NULL;
	}
	if (asprintf(&file, "%s/%s.ini", sv->policy_dir, name) < 0)
		return NULL;
	p = pol_load(name, file);
	if (!p) {
		*why = "the named policy does not load";
		return NULL;
	}
	p->next = sv->pols;
	sv->pols = p;
	p->refs++; /* one for the cache, one for the caller */
	return p;
}

/* SIGHUP: reload every cached policy; a bad new version leaves the old. */
static void reload(struct serve *sv)
{
	for (struct pol **pp = &sv->pols; *pp; pp = &(*pp)->next) {
		struct pol *old = *pp, *fresh;
		_cleanup_free_ char *file = NULL;

		if (!*old->name)
			fresh = pol_load("", sv->default_file);
		else if (asprintf(&file, "%s/%s.ini", sv->policy_dir, old->name) >= 0)
			fresh = pol_load(old->name, file);
		else
			fresh = NULL;
		if (!fresh) {
			say("reload: kept the old %s policy", *old->name ? old->name : "default");
			continue;
		}
		fresh->next = old->next;
		*pp = fresh;
		pol_unref(old); /* running sessions hold their own reference */
	}
	say("reloaded policies; new sandboxes get them, running ones keep theirs");
}

/* ---- sessions ---- */

/* Its thread has ended (or it never had one). */
static void svc_free(struct svc *c)
{
	session_free(c->session); /* closes the listener */
	pol_unref(c->pol);
	free(c->id);
	free(c);
}

static void svc_end(struct svc *c)
{
	struct serve *sv = c->sv;

	for (struct svc **pp = &sv->svcs; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	sv->n_svcs--;
	loop_del(sv->loop, c->listener);
	if (c->done_fd >= 0)
		loop_del(sv->loop, c->done_fd);
	if (session_stop_timed(c->session, SVC_STOP_WAIT_MS) < 0) {
		c->dying_since = now_ms();
		c->next = sv->dying;
		sv->dying = c;
		return;
	}
	svc_free(c);
}

/* Try the dying sessions again, waiting at most wait_ms for each; leak the
 * ones that have taken too long (all of them when final). */
static void reap_dying(struct serve *sv, unsigned wait_ms, bool final)
{
	uint64_t now = now_ms();

	for (struct svc **pp = &sv->dying; *pp;) {
		struct svc *c = *pp;

		if (session_stop_timed(c->session, wait_ms) == 0) {
			*pp = c->next;
			svc_free(c);
		} else if (final || now - c->dying_since >= SVC_LEAK_MS) {
			say("sandbox %s: its session thread has not ended in %llu s; leaking its "
			    "session rather than waiting for it",
			    c->id, (unsigned long long)((now - c->dying_since) / 1000));
			*pp = c->next;
			free(c->id);
			free(c); /* the session and its policy stay: the thread uses them */
		} else {
			pp = &c->next;
		}
	}
}

/* POLLHUP: the last process of the sandbox is gone. */
static int on_listener_event(void *data, uint32_t events)
{
	struct svc *c = data;

	if (events & (EPOLLHUP | EPOLLERR))
		svc_end(c);
	return 0;
}

static int on_session_done(void *data, uint32_t events)
{
	struct svc *c = data;

	(void)events;
	say("sandbox %s: cannot serve its listener (%s); its notified calls now fail", c->id,
	    strerror(-session_error(c->session)));
	svc_end(c);
	return 0;
}

static int start_session(struct serve *sv, int listener, pid_t pid, struct pol *pol, const char *id,
			 const char *pod)
{
	struct svc *c = calloc(1, sizeof(*c));
	struct target_view view;
	bool have_view = pid > 0 && target_view_load(pid, &view) == 0;
	int r;

	if (!c) {
		close(listener);
		pol_unref(pol);
		return -ENOMEM;
	}
	c->sv = sv;
	c->pol = pol;
	c->listener = listener;
	c->done_fd = -1;
	c->id = strdup(id);
	r = session_new(listener,
			&(struct session_config){
				.policy = pol->p,
				.mode = pol->p->mode,
				.log = sv->log,
				.view = have_view ? &view : NULL,
				.container = id,
				.pod = pod,
			},
			&c->session);
	if (r < 0) {
		close(listener);
		pol_unref(pol);
		free(c->id);
		free(c);
		return r;
	}
	r = session_start(c->session, &c->done_fd);
	if (r == 0)
		r = loop_add(sv->loop, c->done_fd, EPOLLIN, on_session_done, c);
	/* Events 0: only EPOLLHUP/EPOLLERR, which epoll always reports. The
	 * session's thread does the receiving. */
	if (r == 0)
		r = loop_add(sv->loop, listener, 0, on_listener_event, c);
	c->next = sv->svcs;
	sv->svcs = c;
	sv->n_svcs++;
	sv->sessions_total++;
	if (r < 0) {
		svc_end(c);
		return r;
	}
	return 0;
}

/* ---- connections ---- */

static void conn_close(struct conn *cn)
{
	struct serve *sv = cn->sv;

	for (struct conn **pp = &sv->conns; *pp; pp = &(*pp)->next)
		if (*pp == cn) {
			*pp = cn->next;
			break;
		}
	sv->n_conns--;
	loop_del(sv->loop, cn->fd);
	close(cn->fd);
	for (int i = 0; i < cn->n_fds; i++)
		safe_close(cn->fds[i]);
	free(cn);
}

static const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static bool is_listener(int fd)
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

/* sysgate-agent asks for the filter of a policy before it loads it. */
static void reply_filter(struct conn *cn, struct json_object *req)
{
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	struct serve *sv = cn->sv;
	const char *name = jstr(req, "policy"), *why = NULL;
	char clean[72] = "", *out = NULL;
	struct pol *p = NULL;
	size_t size;
	FILE *f;

	if (name) {
		_cleanup_free_ char *md = NULL;

		if (asprintf(&md, "policy=%s", name) < 0 ||
		    metadata_policy(md, clean, sizeof(clean), &why) < 0 || !*clean) {
			why = why ? why : "bad policy name";
			goto fail;
		}
	}
	p = pol_get(sv, clean, &why);
	if (!p)
		goto fail;
	f = open_memstream(&out, &size);
	if (!f)
		goto fail;
	fputs("{\"ok\":true,\"bpf\":\"", f);
	{
		const unsigned char *b = p->filter.insns;
		size_t n = p->filter.len * 8;

		for (size_t i = 0; i < n; i += 3) {
			unsigned v = (unsigned)b[i] << 16 | (i + 1 < n ? b[i + 1] : 0) << 8 |
				     (i + 2 < n ? b[i + 2] : 0);

			fputc(b64[v >> 18 & 63], f);
			fputc(b64[v >> 12 & 63], f);
			fputc(i + 1 < n ? b64[v >> 6 & 63] : '=', f);
			fputc(i + 2 < n ? b64[v & 63] : '=', f);
		}
	}
	fputs("\"}\n", f);
	fclose(f);
	if (send(cn->fd, out, size, MSG_NOSIGNAL | MSG_DONTWAIT) != (ssize_t)size)
		say("sysgate-agent: could not send the filter");
	free(out);
	pol_unref(p);
	return;
fail : {
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "ok", json_object_new_boolean(false));
	json_object_object_add(o, "error", json_object_new_string(why ? why : "error"));
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	ssize_t k = send(cn->fd, s, strlen(s), MSG_NOSIGNAL | MSG_DONTWAIT);

	k += send(cn->fd, "\n", 1, MSG_NOSIGNAL | MSG_DONTWAIT);
	(void)k;
	json_object_put(o);
}
}

/* The OCI seccomp agent message: {"ociVersion", "fds": [...], "pid",
 * "metadata", "state": {"id", "annotations": {...}}} and the fds. */
static void handle_message(struct conn *cn, struct json_object *msg)
{
	struct serve *sv = cn->sv;
	struct json_object *fds = NULL, *state = NULL, *ann = NULL, *v;
	const char *md = jstr(msg, "metadata"), *why = NULL, *pod = NULL;
	char name[72] = "", id[128];
	struct pol *pol = NULL;
	int listener = -1, idx = -1;
	pid_t pid = 0;

	if (jstr(msg, "op")) {
		if (streq(jstr(msg, "op"), "filter"))
			reply_filter(cn, msg);
		return;
	}
	json_object_object_get_ex(msg, "state", &state);
	clean_id(jstr(state, "id"), id, sizeof(id));
	if (state && json_object_object_get_ex(state, "annotations", &ann))
		pod = jstr(ann, "io.kubernetes.pod.name");
	if (json_object_object_get_ex(msg, "pid", &v) && json_object_is_type(v, json_type_int))
		pid = (pid_t)json_object_get_int(v);
	if (pid < 0)
		pid = 0;

	if (!json_object_object_get_ex(msg, "fds", &fds) ||
	    !json_object_is_type(fds, json_type_array)) {
		say("refused a message from a runtime: no \"fds\" array (container %s)", id);
		return;
	}
	for (size_t i = 0; i < json_object_array_length(fds); i++) {
		const char *n = json_object_get_string(json_object_array_get_idx(fds, i));

		if (n && streq(n, "seccompFd"))
			idx = (int)i;
	}
	if (idx < 0 || idx >= cn->n_fds || !is_listener(cn->fds[idx])) {
		say("refused a message: no seccomp listener fd came with it (container %s)", id);
		return;
	}
	listener = TAKE_FD(cn->fds[idx]);

	if (metadata_policy(md, name, sizeof(name), &why) < 0) {
		say("container %s: listenerMetadata refused (%s); serving it deny-all", id, why);
	} else {
		pol = pol_get(sv, name, &why);
		if (!pol)
			say("container %s: policy '%s': %s; serving it deny-all", id,
			    *name ? name : "default", why ? why : "error");
	}
	if (!pol) {
		/* Fail closed, visibly: every notified call fails EPERM, logged. */
		pol = sv->deny_all;
		pol->refs++;
	}
	if (start_session(sv, listener, pid, pol, id, pod) < 0)
		say("container %s: cannot start a session", id);
}

static int on_conn(void *data, uint32_t events)
{
	struct conn *cn = data;
	union {
		char buf[CMSG_SPACE(sizeof(int) * 8)];
		struct cmsghdr align;
	} u;
	struct iovec iov = {.iov_base = cn->buf + cn->len, .iov_len = MAX_MSG - cn->len};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = u.buf,
			    .msg_controllen = sizeof(u.buf)};
	struct json_tokener *tok;
	struct json_object *msg;
	ssize_t n;

	(void)events;
	n = recvmsg(cn->fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); n >= 0 && c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		for (size_t i = 0; i < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (cn->n_fds < (int)ARRAY_SIZE(cn->fds))
				cn->fds[cn->n_fds++] = fd;
			else
				close(fd);
		}
	}
	if (n <= 0) {
		if (cn->len == 0 || n < 0)
			say("a runtime connection ended without a message");
		else
			say("a runtime connection ended in the middle of a message");
		conn_close(cn);
		return 0;
	}
	cn->len += (size_t)n;
	cn->buf[cn->len] = '\0';

	/* Complete yet? (runc sends one compact line, crun pretty-prints.) */
	tok = json_tokener_new();
	msg = tok ? json_tokener_parse_ex(tok, cn->buf, (int)cn->len) : NULL;
	if (tok && json_tokener_get_error(tok) == json_tokener_continue) {
		json_tokener_free(tok);
		if (cn->len == MAX_MSG) {
			say("refused a message longer than %d bytes", MAX_MSG);
			conn_close(cn);
		}
		return 0;
	}
	if (!msg || !json_object_is_type(msg, json_type_object))
		say("refused a message that is not a JSON object");
	else
		handle_message(cn, msg);
	json_object_put(msg);
	json_tokener_free(tok);
	conn_close(cn);
	return 0;
}

static int on_accept(void *data, uint32_t events)
{
	struct serve *sv = data;

	(void)events;
	for (;;) {
		struct ucred cred;
		socklen_t len = sizeof(cred);
		struct conn *cn;
		int fd = accept4(sv->sock, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

		if (fd < 0)
			return 0;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 ||
		    (cred.uid != 0 && cred.uid != geteuid())) {
			say("refused a connection from uid %u (pid %d)", (unsigned)cred.uid,
			    (int)cred.pid);
			close(fd);
			continue;
		}
		if (sv->n_conns >= MAX_CONNS || !(cn = calloc(1, sizeof(*cn)))) {
			say("too many connections waiting; refused one");
			close(fd);
			continue;
		}
		cn->sv = sv;
		cn->fd = fd;
		cn->deadline = now_ms() + CONN_DEADLINE_MS;
		if (loop_add(sv->loop, fd, EPOLLIN | EPOLLRDHUP, on_conn, cn) < 0) {
			close(fd);
			free(cn);
			continue;
		}
		cn->next = sv->conns;
		sv->conns = cn;
		sv->n_conns++;
	}
}

/* Once a second: reap dying sessions; drop connections that sent nothing
 * whole in time. */
static int on_timer(void *data, uint32_t events)
{
	struct serve *sv = data;
	uint64_t n, now = now_ms();
	ssize_t k = read(sv->timerfd, &n, sizeof(n));

	(void)k;
	(void)events;
	reap_dying(sv, 0, false);
	for (struct conn *cn = sv->conns, *next; cn; cn = next) {
		next = cn->next;
		if (now >= cn->deadline) {
			say("dropped a connection that sent no whole message in %d s",
			    CONN_DEADLINE_MS / 1000);
			conn_close(cn);
		}
	}
	return 0;
}

static int on_signal(void *data, uint32_t events)
{
	struct serve *sv = data;
	struct signalfd_siginfo si;

	(void)events;
	while (read(sv->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			reload(sv);
		} else {
			say("stopping (%s)", strsignal((int)si.ssi_signo));
			sv->stopping = true;
			loop_quit(sv->loop, 0);
		}
	}
	return 0;
}

static int listen_on(const char *path, const char **why)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct stat st;
	mode_t old;
	int fd, r;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		*why = "socket path too long";
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	/* Replace a stale socket, never anything else. */
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			*why = "exists and is not a socket";
			return -EEXIST;
		}
		unlink(path);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		*why = "socket";
		return -errno;
	}
	old = umask(0077); /* the runtimes run as root: owner-only */
	r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r < 0 || listen(fd, 64) < 0) {
		r = -errno;
		close(fd);
		*why = "bind/listen";
		return r;
	}
	return fd;
}

static void serve_usage(FILE *out)
{
	fprintf(out, "usage: sysgate serve --socket PATH [--policy-dir DIR] [-p DEFAULT.ini]\n"
		     "                     [--log SINK]... [--log-format text|json] [--log-full "
		     "block|drop]\n");
}

int cmd_serve(int argc, char **argv)
{
	static const struct option opts[] = {
		{"socket", required_argument, NULL, 'S'},
		{"policy-dir", required_argument, NULL, 'D'},
		{"policy", required_argument, NULL, 'p'},
		{"log", required_argument, NULL, 'l'},
		{"log-format", required_argument, NULL, 'f'},
		{"log-full", required_argument, NULL, 'F'},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	const char *sinks[MAX_SINKS], *format = "text", *why = NULL, *bad = NULL, *full = NULL;
	struct serve sv = {.sock = -1, .sigfd = -1, .timerfd = -1};
	struct itimerspec its = {.it_interval.tv_sec = 1, .it_value.tv_sec = 1};
	size_t n_sinks = 0;
	sigset_t mask;
	int c, r, ret = EXIT_SYSGATE_FAILED;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+S:D:p:l:f:F:h", opts, NULL)) != -1) {
		switch (c) {
		case 'S':
			sv.socket_path = optarg;
			break;
		case 'D':
			sv.policy_dir = optarg;
			break;
		case 'p':
			sv.default_file = optarg;
			break;
		case 'l':
			if (n_sinks < MAX_SINKS)
				sinks[n_sinks++] = optarg;
			break;
		case 'f':
			format = optarg;
			break;
		case 'F':
			full = optarg;
			break;
		case 'h':
			serve_usage(stdout);
			return 0;
		default:
			serve_usage(stderr);
			return EXIT_SYSGATE_FAILED;
		}
	}
	if (!sv.socket_path || optind != argc) {
		serve_usage(stderr);
		return EXIT_SYSGATE_FAILED;
	}
	if (!streq(format, "text") && !streq(format, "json")) {
		serve_usage(stderr);
		return EXIT_SYSGATE_FAILED;
	}
	if (full && !streq(full, "block") && !streq(full, "drop")) {
		serve_usage(stderr);
		return EXIT_SYSGATE_FAILED;
	}
	if (n_sinks == 0)
		sinks[n_sinks++] = "stderr";

	/* Bad policies stop the daemon before it serves anything. */
	{
		struct pol *dflt = pol_load("", sv.default_file);
		struct policy_diags d = {};
		struct pol *deny = calloc(1, sizeof(*deny));

		if (!dflt || !deny)
			goto out;
		sv.pols = dflt;
		deny->refs = 1;
		deny->name = strdup("deny-all");
		if (policy_load_string("deny-all", "[sysgate]\ndefault = deny EPERM\n", &deny->p,
				       &d) < 0 ||
		    policy_compile(deny->p, &deny->filter) < 0) {
			policy_diags_free(&d);
			pol_unref(deny);
			goto out;
		}
		policy_diags_free(&d);
		sv.deny_all = deny;
	}

	r = log_open(&sv.log, sinks, n_sinks, streq(format, "json") ? LOG_JSON : LOG_TEXT, false,
		     &bad);
	if (r < 0) {
		say("log %s: %s", bad ? bad : "?", strerror(-r));
		goto out;
	}
	if (full) /* stderr and terminals drop whatever it says */
		log_set_full(sv.log, streq(full, "drop") ? LOG_FULL_DROP : LOG_FULL_BLOCK);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sv.sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	sv.timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (sv.sigfd < 0 || sv.timerfd < 0 || timerfd_settime(sv.timerfd, 0, &its, NULL) < 0) {
		say("%s", strerror(errno));
		goto out;
	}
	sv.sock = listen_on(sv.socket_path, &why);
	if (sv.sock < 0) {
		say("%s: %s (%s)", sv.socket_path, why, strerror(-sv.sock));
		goto out;
	}
	r = loop_new(&sv.loop);
	if (r == 0)
		r = loop_add(sv.loop, sv.sock, EPOLLIN, on_accept, &sv);
	if (r == 0)
		r = loop_add(sv.loop, sv.sigfd, EPOLLIN, on_signal, &sv);
	if (r == 0)
		r = loop_add(sv.loop, sv.timerfd, EPOLLIN, on_timer, &sv);
	if (r < 0) {
		say("%s", strerror(-r));
		goto out;
	}
	say("listening on %s (policies: %s, default: %s)", sv.socket_path,
	    sv.policy_dir ? sv.policy_dir : "none", sv.default_file ? sv.default_file : "built-in");
	r = loop_run(sv.loop);
	ret = r < 0 ? EXIT_SYSGATE_FAILED : 0;

out:
	/* Stop accepting first, then end every session: their threads stop and
	 * their listeners close, so notified calls in the sandboxes fail from
	 * here on; none is ever let through. */
	if (sv.sock >= 0) {
		close(sv.sock);
		unlink(sv.socket_path);
	}
	while (sv.conns)
		conn_close(sv.conns);
	while (sv.svcs)
		svc_end(sv.svcs);
	reap_dying(&sv, 1000, true);
	while (sv.pols) {
		struct pol *p = sv.pols;

		sv.pols = p->next;
		pol_unref(p);
	}
	pol_unref(sv.deny_all);
	loop_free(sv.loop);
	safe_close(sv.sigfd);
	safe_close(sv.timerfd);
	log_close(sv.log);
	return ret;
}

/*
 * For tests/fuzz/fuzz-serve.c only: what on_conn() and handle_message() make
 * of the bytes of one runtime message (the OCI seccomp agent state, or
 * sysgate-agent's filter request), down to the policy name that would be
 * loaded, without a connection, fds or a policy directory. 1 while more bytes
 * are needed, 0 for a message that names a policy (or none: the default), and
 * -EINVAL for one that would be refused or served deny-all.
 * Declared here, not in a header: it is no part of serve's interface.
 */
int serve_fuzz_message(const char *buf, size_t len);
int serve_fuzz_message(const char *buf, size_t len)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *msg = NULL, *state = NULL, *ann = NULL, *fds = NULL, *v;
	char name[72] = "", id[128];
	const char *why = NULL;
	int r = -EINVAL, idx = -1;

	if (!tok || len > MAX_MSG)
		goto out;
	msg = json_tokener_parse_ex(tok, buf, (int)len);
	if (json_tokener_get_error(tok) == json_tokener_continue) {
		r = 1;
		goto out;
	}
	if (!msg || !json_object_is_type(msg, json_type_object))
		goto out;
	if (jstr(msg, "op")) {
		_cleanup_free_ char *md = NULL;
		const char *pname = jstr(msg, "policy");

		if (!streq(jstr(msg, "op"), "filter"))
			goto out;
		if (!pname)
			r = 0;
		else if (asprintf(&md, "policy=%s", pname) >= 0 &&
			 metadata_policy(md, name, sizeof(name), &why) == 0 && *name)
			r = 0;
		goto out;
	}
	json_object_object_get_ex(msg, "state", &state);
	clean_id(jstr(state, "id"), id, sizeof(id));
	if (state && json_object_object_get_ex(state, "annotations", &ann))
		(void)jstr(ann, "io.kubernetes.pod.name");
	if (json_object_object_get_ex(msg, "pid", &v) && json_object_is_type(v, json_type_int))
		(void)json_object_get_int(v);
	if (!json_object_object_get_ex(msg, "fds", &fds) ||
	    !json_object_is_type(fds, json_type_array))
		goto out;
	for (size_t i = 0; i < json_object_array_length(fds); i++) {
		const char *n = json_object_get_string(json_object_array_get_idx(fds, i));

		if (n && streq(n, "seccompFd"))
			idx = (int)i;
	}
	if (idx < 0)
		goto out;
	r = metadata_policy(jstr(msg, "metadata"), name, sizeof(name), &why);
out:
	json_object_put(msg);
	json_tokener_free(tok);
	return r;
}
