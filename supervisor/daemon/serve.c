/*
 * sysgate serve: one daemon supervising many sandboxes, fed listener fds by
 * container runtimes (runc, crun: the OCI seccomp agent protocol) and by
 * sysgate-agent. See docs/serve.md. This file is the daemon's loop, its
 * connections and its sessions; handover.c reads what the peers send and
 * cache.c keeps the policies.
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
 *
 * Threads: struct serve, its connections and its list of sessions belong to
 * the main thread (the event loop); no lock. Each session's thread owns the
 * notifications of its listener and touches nothing here: the main thread
 * learns of its end through done_fd and frees the session only once
 * session_stop_timed() says the thread has ended (or leaks it, with the
 * policy it reads, rather than wait without a bound).
 */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <signal.h>
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

#include "policy/export.h"
#include "sg-util.h"
#include "supervisor/core/loop.h"
#include "supervisor/core/session.h"
#include "supervisor/daemon/cache.h"
#include "supervisor/daemon/handover.h"
#include "supervisor/daemon/serve.h"
#include "supervisor/log/diag.h"
#include "supervisor/target/target.h"

#define MAX_CONNS 256
#define CONN_DEADLINE_MS 5000
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

/* One sandbox being served. Main thread only (see the top). */
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

/* A peer that has not yet sent a whole message. Main thread only. */
struct conn {
	struct serve *sv;
	int fd;
	char buf[HANDOVER_MAX_MSG + 1];
	size_t len;
	int fds[HANDOVER_MAX_FDS];
	int n_fds;
	uint64_t deadline;
	struct conn *next;
};

struct serve {
	const struct serve_opts *o;
	struct loop *loop;
	struct logger *log;
	int sock, sigfd, timerfd;
	struct pol_cache cache;
	struct svc *svcs;
	struct svc *dying; /* ended, their threads not yet: reaped by on_timer */
	size_t n_svcs, n_conns;
	struct conn *conns;
	unsigned long sessions_total;
};

static uint64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
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
			diag(DIAG_WARNING,
			     "sandbox %s: its session thread has not ended in %llu s; leaking its "
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
	diag(DIAG_ERROR, "sandbox %s: cannot serve its listener (%s); its notified calls now fail",
	     c->id, strerror(-session_error(c->session)));
	svc_end(c);
	return 0;
}

/* Takes the listener and the reference to pol, whatever happens. */
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

/* Best effort, never blocking: the agent waits for one line. */
static void send_reply(struct conn *cn, char *out, size_t size)
{
	if (!out || send(cn->fd, out, size, MSG_NOSIGNAL | MSG_DONTWAIT) != (ssize_t)size)
		diag(DIAG_WARNING, "sysgate-agent: cannot send the reply to its filter request");
	free(out);
}

/* sysgate-agent asks for the filter of a policy before it loads it. */
static void reply_filter(struct conn *cn, const struct handover *h)
{
	const char *why = h->policy_why;
	struct pol *p = why ? NULL : cache_get(&cn->sv->cache, h->policy, &why);
	size_t size = 0;
	char *out;

	if (!p) {
		out = handover_error_reply(why, &size);
	} else {
		out = handover_filter_reply(p->filter.insns, p->filter.len, &size);
		pol_unref(p);
	}
	send_reply(cn, out, size);
}

/*
 * What the runtime's own profile notifies: linux.seccomp of the bundle's
 * config.json (runc and crun name the bundle in the state they send), so
 * that a profile that leaves the policy's calls to the kernel (a hand merge
 * into a base profile) shows as a count that differs. -1 when it cannot be
 * read (sysgate-agent has no bundle). The runtime is root and wrote the
 * bundle; the file is still read bounded, and never followed if a link.
 */
#define CONFIG_MAX (4u << 20)
static long profile_notified(const char *bundle, bool *all)
{
	_cleanup_free_ char *path = NULL, *text = NULL;
	_cleanup_close_ int fd = -1;
	struct json_object *o, *lx, *sc;
	size_t len = 0, n = 0;
	struct stat st;
	long r = -1;

	if (asprintf(&path, "%s/config.json", bundle) < 0)
		return -1;
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    (size_t)st.st_size > CONFIG_MAX)
		return -1;
	text = malloc((size_t)st.st_size + 1);
	if (!text)
		return -1;
	while (len < (size_t)st.st_size) {
		ssize_t k = read(fd, text + len, (size_t)st.st_size - len);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		len += (size_t)k;
	}
	text[len] = '\0';
	o = json_tokener_parse(text);
	if (o && json_object_object_get_ex(o, "linux", &lx) &&
	    json_object_object_get_ex(lx, "seccomp", &sc) &&
	    policy_export_count_notified(sc, &n, all) == 0)
		r = (long)n;
	json_object_put(o);
	return r;
}

/*
 * One record for the sandbox, before any of its calls: the container, the
 * policy, how many syscalls the profile exported for that policy notifies
 * (policy_export_notified: the runc profile, what `sysgate export` writes)
 * and, where the bundle can be read, how many the container's own profile
 * does, so that a policy or a profile that supervises nothing is seen at
 * once. deny_why: the sandbox is served deny-all, and why.
 */
static void say_handover(struct serve *sv, const struct handover *h, struct pol *pol,
			 const char *deny_why)
{
	struct log_handover ho = {
		.container = h->id,
		.pod = h->pod,
		.policy = deny_why	 ? "deny-all"
			  : pol->p->file ? pol->p->file
					 : "default",
		.why = deny_why,
		.notified = deny_why ? 0 : policy_export_notified(pol->p, EXPORT_RUNC),
		.profile_notified = -1,
	};
	bool all = false;

	if (h->bundle && !deny_why) {
		ho.profile_notified = profile_notified(h->bundle, &all);
		/* crun can notify write, runc cannot: either export is the policy's */
		if (ho.profile_notified >= 0 && (size_t)ho.profile_notified != ho.notified &&
		    (size_t)ho.profile_notified == policy_export_notified(pol->p, EXPORT_CRUN))
			ho.notified = (size_t)ho.profile_notified;
	}
	ho.profile_all = all;
	log_emit_handover(sv->log, &ho);
}

/* A listener and what the runtime said about it: a session, by the named
 * policy or, failing that, deny-all. */
static void serve_listener(struct conn *cn, const struct handover *h)
{
	struct serve *sv = cn->sv;
	const char *why = h->policy_why;
	struct pol *pol = NULL;
	int listener, r;

	if (h->fd_index >= cn->n_fds || !handover_is_listener(cn->fds[h->fd_index])) {
		diag(DIAG_WARNING,
		     "refused a message: no seccomp listener fd came with it (container %s)",
		     h->id);
		return;
	}
	listener = TAKE_FD(cn->fds[h->fd_index]);
	if (why) {
		diag(DIAG_WARNING,
		     "container %s: listenerMetadata refused (%s); serving it deny-all", h->id,
		     why);
	} else {
		pol = cache_get(&sv->cache, h->policy, &why);
		if (!pol)
			diag(DIAG_WARNING, "container %s: policy '%s': %s; serving it deny-all",
			     h->id, *h->policy ? h->policy : "default", why ? why : "error");
	}
	/* Fail closed, visibly: every notified call fails EPERM, logged. */
	if (!pol)
		pol = cache_deny_all(&sv->cache);
	say_handover(sv, h, pol, why ? why : (pol == sv->cache.deny_all ? "error" : NULL));
	r = start_session(sv, listener, h->pid, pol, h->id, h->pod);
	if (r < 0)
		diag_errno(DIAG_ERROR, r, "container %s: cannot start a session", h->id);
}

static void handle_message(struct conn *cn, const struct handover *h)
{
	switch (h->kind) {
	case HANDOVER_LISTENER:
		serve_listener(cn, h);
		break;
	case HANDOVER_FILTER:
		reply_filter(cn, h);
		break;
	case HANDOVER_OTHER_OP:
		break;
	case HANDOVER_REFUSED:
		diag(DIAG_WARNING, "refused a message: %s (container %s)", h->why, h->id);
		break;
	}
}

static int on_conn(void *data, uint32_t events)
{
	struct conn *cn = data;
	struct handover h;
	ssize_t n;

	(void)events;
	n = handover_recv(cn->fd, cn->buf, &cn->len, cn->fds, &cn->n_fds);
	if (n == -EAGAIN || n == -EINTR)
		return 0;
	if (n <= 0) {
		if (cn->len == 0 || n < 0)
			diag(DIAG_WARNING, "a runtime connection ended without a message");
		else
			diag(DIAG_WARNING, "a runtime connection ended in the middle of a message");
		conn_close(cn);
		return 0;
	}
	cn->buf[cn->len] = '\0';
	/* Complete yet? (runc sends one compact line, crun pretty-prints.) */
	if (handover_parse(cn->buf, cn->len, &h) == 1)
		return 0;
	handle_message(cn, &h);
	handover_done(&h);
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
			diag(DIAG_WARNING, "refused a connection from uid %u (pid %d)",
			     (unsigned)cred.uid, (int)cred.pid);
			close(fd);
			continue;
		}
		if (sv->n_conns >= MAX_CONNS || !(cn = calloc(1, sizeof(*cn)))) {
			diag(DIAG_WARNING, "too many connections waiting; refused one");
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
			diag(DIAG_WARNING,
			     "dropped a connection that sent no whole message in %d s",
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
			cache_reload(&sv->cache);
		} else {
			diag(DIAG_NOTICE, "stopping (%s)", strsignal((int)si.ssi_signo));
			loop_quit(sv->loop, 0);
		}
	}
	return 0;
}

/* The listening socket, owner-only; -errno with the step said. */
static int listen_on(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct stat st;
	mode_t old;
	int fd, r;

	if (strlen(path) >= sizeof(sa.sun_path))
		return diag_errno(DIAG_ERROR, ENAMETOOLONG, "%s: socket path too long", path);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	/* Replace a stale socket, never anything else. */
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return diag_errno(DIAG_ERROR, EEXIST, "%s: exists and is not a socket",
					  path);
		unlink(path);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return diag_errno(DIAG_ERROR, errno, "cannot create the socket for %s", path);
	old = umask(0077); /* the runtimes run as root: owner-only */
	r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r < 0) {
		r = diag_errno(DIAG_ERROR, errno, "cannot bind %s", path);
		close(fd);
		return r;
	}
	if (listen(fd, 64) < 0) {
		r = diag_errno(DIAG_ERROR, errno, "cannot listen on %s", path);
		close(fd);
		return r;
	}
	return fd;
}

/* The signalfd (TERM, INT: stop; HUP: reload) and the once-a-second timer. */
static int open_signals_and_timer(struct serve *sv)
{
	struct itimerspec its = {.it_interval.tv_sec = 1, .it_value.tv_sec = 1};
	sigset_t mask;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return diag_errno(DIAG_ERROR, errno, "cannot block SIGTERM, SIGINT and SIGHUP");
	sv->sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sv->sigfd < 0)
		return diag_errno(DIAG_ERROR, errno, "cannot create the signalfd");
	sv->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (sv->timerfd < 0)
		return diag_errno(DIAG_ERROR, errno, "cannot create the timerfd");
	if (timerfd_settime(sv->timerfd, 0, &its, NULL) < 0)
		return diag_errno(DIAG_ERROR, errno, "cannot arm the timerfd");
	return 0;
}

static int open_log(struct serve *sv)
{
	const struct serve_opts *o = sv->o;
	const char *const stderr_only[] = {"stderr"};
	const char *bad = NULL;
	int r;

	r = log_open(&sv->log, o->n_sinks ? o->sinks : stderr_only, o->n_sinks ? o->n_sinks : 1,
		     o->format, false, &bad);
	if (r < 0)
		return diag_errno(DIAG_ERROR, r, "cannot open the log %s", bad ? bad : "?");
	if (o->set_full) /* stderr and terminals drop whatever it says */
		log_set_full(sv->log, o->full);
	return 0;
}

static int open_loop(struct serve *sv)
{
	int r = loop_new(&sv->loop);

	if (r < 0)
		return diag_errno(DIAG_ERROR, r, "cannot create the event loop");
	r = loop_add(sv->loop, sv->sock, EPOLLIN, on_accept, sv);
	if (r == 0)
		r = loop_add(sv->loop, sv->sigfd, EPOLLIN, on_signal, sv);
	if (r == 0)
		r = loop_add(sv->loop, sv->timerfd, EPOLLIN, on_timer, sv);
	if (r < 0)
		return diag_errno(DIAG_ERROR, r, "cannot add to the event loop");
	return 0;
}

/* Stop accepting first, then end every session: their threads stop and
 * their listeners close, so notified calls in the sandboxes fail from here
 * on; none is ever let through. */
static void serve_done(struct serve *sv)
{
	if (sv->sock >= 0) {
		close(sv->sock);
		unlink(sv->o->socket_path);
	}
	while (sv->conns)
		conn_close(sv->conns);
	while (sv->svcs)
		svc_end(sv->svcs);
	reap_dying(sv, 1000, true);
	cache_close(&sv->cache);
	loop_free(sv->loop);
	safe_close(sv->sigfd);
	safe_close(sv->timerfd);
	log_close(sv->log);
}

int serve_main(const struct serve_opts *o)
{
	struct serve sv = {.o = o, .sock = -1, .sigfd = -1, .timerfd = -1};
	int r;

	/* Bad policies stop the daemon before it serves anything. */
	r = cache_open(&sv.cache, o->policy_dir, o->default_file);
	if (r == 0)
		r = open_log(&sv);
	if (r == 0)
		r = open_signals_and_timer(&sv);
	if (r == 0) {
		sv.sock = listen_on(o->socket_path);
		r = sv.sock < 0 ? sv.sock : 0;
	}
	if (r == 0)
		r = open_loop(&sv);
	if (r == 0) {
		diag(DIAG_NOTICE, "listening on %s (policies: %s, default: %s)", o->socket_path,
		     o->policy_dir ? o->policy_dir : "none",
		     o->default_file ? o->default_file : "built-in");
		r = loop_run(sv.loop);
		if (r < 0)
			diag_errno(DIAG_ERROR, r, "the event loop failed");
	}
	serve_done(&sv);
	return r < 0 ? r : 0;
}
