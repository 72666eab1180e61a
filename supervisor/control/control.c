/*
 * control: the control socket. See control.h and docs/control-protocol.md.
 *
 * Trust: a client may answer asks, which is the point, so who may be a
 * client is the boundary. The socket is owner-only from its creation, and
 * other users are refused on connect (SO_PEERCRED) without a word. Of our
 * user (or root), only a process outside the tree we supervise: the
 * supervised command has our uid and would otherwise connect, subscribe
 * and answer its own asks ("allow, always, everything below /", written
 * into the policy file). So on accept, before a client takes a slot, we
 * take the peer as the kernel saw it at connect() (SO_PEERCRED, and
 * SO_PEERPIDFD so a dead peer's reused pid cannot stand in for it) and
 * refuse it when
 *  - its ancestry leads to us: every process of the supervised tree is our
 *    descendant, since we are a child subreaper (orphans come back to us,
 *    or to a pid namespace's init that is our child), and a process cannot
 *    leave its ancestors' tree; or
 *  - it runs under a seccomp filter we are not under: it may be a program
 *    supervised by another sysgate (or sysgate-agent), whose asks it must
 *    not answer here either; no interface tells us whose filter it is; or
 *  - any of this cannot be read or verified (fail closed).
 * A refused peer gets one JSON line saying why and is closed; the refusal
 * is logged (rate-limited, so a flood of connections does not flood the
 * log). The one peer inside that is served is ourselves: `run --prompt` is
 * a thread of sysgate; a helper process of ours (a child) would be judged
 * inside, and refused.
 *
 * What the check cannot see: a process the command gets started outside
 * the tree by someone else (systemd-run over D-Bus, cron, ssh) and a
 * same-uid process it can ptrace or take fds from (pidfd_getfd) act for it
 * from outside. That is the policy's to deny (docs/control-protocol.md).
 *
 * Nothing a client sends may crash, block or confuse the supervisor: every
 * message is parsed as untrusted JSON, every field checked, output to a
 * slow client is buffered up to a bound, and a client that breaks the
 * protocol is disconnected. Nor may clients lock out a real prompt: at most
 * MAX_PER_PEER connections per process, a client that has not subscribed is
 * closed after IDLE_MS without a request, and when the table is full a new
 * client evicts the oldest one that has not subscribed.
 */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "sg-util.h"
#include "supervisor/control/control.h"

/* The protocol's scopes and covers are the ask queue's, value for value. */
_Static_assert((int)ANSWER_ONCE == (int)ASK_ONCE && (int)ANSWER_PROCESS == (int)ASK_PROCESS &&
		       (int)ANSWER_RUN == (int)ASK_RUN && (int)ANSWER_ALWAYS == (int)ASK_ALWAYS,
	       "answer scopes");
_Static_assert((int)ANSWER_COVER_EXACT == (int)ASK_COVER_EXACT &&
		       (int)ANSWER_COVER_DIR == (int)ASK_COVER_DIR &&
		       (int)ANSWER_COVER_GLOB == (int)ASK_COVER_GLOB,
	       "answer covers");

#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77 /* Linux 6.5 */
#endif

#define MAX_CLIENTS 64
#define MAX_PER_PEER 4	    /* connections per peer process */
#define IDLE_MS 10000	    /* a client that has not subscribed, without a request */
#define ACCEPT_BURST 64	    /* connections taken per wake-up, so a flood cannot starve the loop */
#define ACCEPT_PAUSE_MS 100 /* out of fds: how long before accepting again */
#define MAX_ANCESTRY 4096   /* a deeper chain of parents is refused, not walked */
#define LOG_BURST 10	    /* refusal lines per LOG_WINDOW_MS; the rest are counted */
#define LOG_WINDOW_MS 10000
#define MAX_LINE CONTROL_LINE_MAX
#define MAX_OUT (4u << 20)

struct client {
	int fd;
	pid_t pid; /* the peer process (SO_PEERCRED at connect) */
	uid_t uid;
	bool subscribed;
	bool dead;
	uint64_t serial;  /* order of arrival, for eviction */
	long deadline_ms; /* unsubscribed: closed at this time unless it asks something */
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
	int idle_timerfd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct client *clients[MAX_CLIENTS];
	uint64_t next_serial;
	/* Our own seccomp state, to judge peers under a filter by. */
	int self_seccomp, self_filters;
	bool proc_ok; /* /proc shows our own pid as getpid() */
	long log_window_ms;
	unsigned log_count, log_suppressed;
	long accept_paused_until; /* out of fds: accept again at this time (0: not paused) */
};

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- who is at the other end ---- */

/* What /proc/PID/status says that we judge a peer by. */
struct proc_status {
	pid_t ppid;
	int seccomp; /* 0 none, 1 strict, 2 filter */
	int filters; /* Seccomp_filters (Linux 5.9), -1 if the kernel does not say */
};

/*
 * Read PPid, Seccomp and Seccomp_filters of pid. The first line is Name:,
 * the one thing in the file the process controls (its comm); the kernel
 * escapes newlines in it, and we skip that line anyway, so a process cannot
 * forge the fields below it.
 */
static int read_status(pid_t pid, struct proc_status *ret)
{
	char path[64], buf[8192];
	bool have_ppid = false, have_seccomp = false;
	_cleanup_close_ int fd = -1;
	size_t len = 0;
	char *p;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (len < sizeof(buf) - 1) {
		ssize_t n = read(fd, buf + len, sizeof(buf) - 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = 0;
	*ret = (struct proc_status){.filters = -1};
	p = strchr(buf, '\n');
	while (p && *++p) {
		char *end;
		long v;

		if (!strncmp(p, "PPid:\t", 6)) {
			v = strtol(p + 6, &end, 10);
			have_ppid = end != p + 6 && *end == '\n' && v >= 0 && v <= INT_MAX;
			ret->ppid = (pid_t)v;
		} else if (!strncmp(p, "Seccomp:\t", 9)) {
			v = strtol(p + 9, &end, 10);
			have_seccomp = end != p + 9 && *end == '\n' && v >= 0 && v <= 2;
			ret->seccomp = (int)v;
		} else if (!strncmp(p, "Seccomp_filters:\t", 17)) {
			v = strtol(p + 17, &end, 10);
			ret->filters = end != p + 17 && *end == '\n' && v >= 0 && v <= INT_MAX
					       ? (int)v
					       : -1;
		}
		p = strchr(p, '\n');
	}
	/* A kernel without Seccomp in status (CONFIG_SECCOMP off) could not
	 * have a filtered command either; but then neither do we run one. */
	return have_ppid && have_seccomp ? 0 : -EIO;
}

static int pidfd_open_pid(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

/*
 * Is the process of this pidfd still alive (or a zombie not yet reaped)?
 * While it is, its pid names it and nothing else, so what we read from
 * /proc/PID after taking the pidfd and before this check was about it.
 * EPERM (a root peer of a non-root sysgate) also says it exists.
 */
static bool pidfd_alive(int pidfd)
{
	return syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) == 0 || errno == EPERM;
}

enum peer_verdict {
	PEER_OUTSIDE,
	PEER_INSIDE,	 /* a descendant of ours: the supervised tree */
	PEER_UNVERIFIED, /* something could not be read or did not hold still */
};

/*
 * Walk the peer's parents, each link verified, in our view of /proc
 * (SO_PEERCRED's pid is in our pid namespace, and so is our /proc: see
 * control_open). Every step holds a pidfd of the process whose status it
 * reads and checks afterwards that it is still alive, so a pid that died
 * and was reused in between cannot stand in for it; and the parent's pidfd
 * is opened between two reads of the child's PPid that agree, so it is the
 * parent's (a live process is only ever reparented to an older process, a
 * subreaper or init, never back to a new holder of the old parent's pid).
 */
static enum peer_verdict walk_ancestry(pid_t pid, int pidfd, struct proc_status *ret_peer,
				       char *why, size_t size)
{
	_cleanup_close_ int ownfd = -1;
	pid_t self = getpid();
	int curfd = pidfd;

	for (int depth = 0; depth <= MAX_ANCESTRY; depth++) {
		struct proc_status st, again;
		int next, r;

		r = read_status(pid, &st);
		if (r < 0) {
			snprintf(why, size, "cannot read /proc/%d/status: %s", (int)pid,
				 strerror(-r));
			return PEER_UNVERIFIED;
		}
		if (!pidfd_alive(curfd)) {
			snprintf(why, size, "pid %d exited while it was checked", (int)pid);
			return PEER_UNVERIFIED;
		}
		if (depth == 0)
			*ret_peer = st;
		if (st.ppid == self)
			return PEER_INSIDE;
		if (st.ppid == 0)
			return PEER_OUTSIDE; /* init (or kthreadd): the top, and not us */
		next = pidfd_open_pid(st.ppid);
		if (next < 0) {
			snprintf(why, size, "no pidfd for pid %d: %s", (int)st.ppid,
				 strerror(errno));
			return PEER_UNVERIFIED;
		}
		r = read_status(pid, &again);
		if (r < 0 || again.ppid != st.ppid || !pidfd_alive(curfd)) {
			close(next);
			if (r < 0)
				snprintf(why, size, "cannot read /proc/%d/status: %s", (int)pid,
					 strerror(-r));
			else
				snprintf(why, size, "pid %d changed parent while it was checked",
					 (int)pid);
			return PEER_UNVERIFIED;
		}
		safe_close(ownfd);
		ownfd = curfd = next;
		pid = st.ppid;
	}
	snprintf(why, size, "its chain of parents is longer than %d", MAX_ANCESTRY);
	return PEER_UNVERIFIED;
}

/*
 * May the peer of a new connection fd (of an allowed uid) be served? 0 if
 * so; otherwise -EPERM with *ret_closed (a short reason key) and *ret_why
 * (a sentence, in buf) for the client and the log.
 */
static int peer_check(const struct control *ctl, int fd, const struct ucred *cred, char *buf,
		      size_t size, const char **ret_closed, const char **ret_why)
{
	_cleanup_close_ int pidfd = -1;
	socklen_t len = sizeof(pidfd);
	struct proc_status peer = {};
	char detail[160];

	/* `sysgate run --prompt`: a thread of ours. Nothing else connects
	 * with our pid (SO_PEERCRED is the kernel's, not the peer's, word). */
	if (cred->pid == getpid())
		return 0;
	*ret_closed = "unverified";
	*ret_why = buf;
	if (cred->pid <= 0) {
		snprintf(buf, size,
			 "refused: the peer's pid is not visible from sysgate's pid "
			 "namespace, so it cannot be shown to be outside the supervised tree");
		return -EPERM;
	}
	if (!ctl->proc_ok) {
		snprintf(buf, size,
			 "refused: /proc is not sysgate's own pid namespace's, so pid %d cannot "
			 "be shown to be outside the supervised tree",
			 (int)cred->pid);
		return -EPERM;
	}
	/* The peer as it was at connect(), even if its pid has been reused
	 * since; before Linux 6.5, the best we have is the pid now. */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERPIDFD, &pidfd, &len) < 0) {
		pidfd = -1;
		if (errno == ENOPROTOOPT || errno == EINVAL)
			pidfd = pidfd_open_pid(cred->pid);
	}
	if (pidfd < 0) {
		snprintf(buf, size,
			 "refused: no pidfd for pid %d (%s), so it cannot be shown to be outside "
			 "the supervised tree",
			 (int)cred->pid, strerror(errno));
		return -EPERM;
	}
	switch (walk_ancestry(cred->pid, pidfd, &peer, detail, sizeof(detail))) {
	case PEER_INSIDE:
		*ret_closed = "inside";
		snprintf(buf, size,
			 "refused: pid %d is inside the supervised tree (a descendant of sysgate "
			 "%d); asks are answered only from outside it",
			 (int)cred->pid, (int)getpid());
		return -EPERM;
	case PEER_UNVERIFIED:
		snprintf(buf, size,
			 "refused: cannot show that pid %d is outside the supervised "
			 "tree: %s",
			 (int)cred->pid, detail);
		return -EPERM;
	case PEER_OUTSIDE:
		break;
	}
	/*
	 * Outside our tree, but under a seccomp filter? A filter is inherited
	 * and never removed, and no interface tells us whose it is: the
	 * peer may be a program supervised by another sysgate run (or by
	 * sysgate-agent under serve), perhaps on the very policy file an
	 * "always" answer here writes to. So we refuse a peer under more
	 * filters than we are under ourselves. The cost: a front end run
	 * with a filter of its own (a systemd unit's SystemCallFilter=) is
	 * refused too, and told why; where sysgate itself runs under N
	 * filters (a container), peers under at most N are served.
	 */
	if (peer.seccomp == 1 ||
	    (peer.seccomp == 2 && (ctl->self_seccomp != 2 || peer.filters < 0 ||
				   ctl->self_filters < 0 || peer.filters > ctl->self_filters))) {
		*ret_closed = "filter";
		snprintf(buf, size,
			 "refused: pid %d runs under a seccomp filter sysgate is not under (%d "
			 "filters, sysgate %d), so it may itself be a supervised program; run "
			 "the front end without a filter",
			 (int)cred->pid, peer.filters,
			 ctl->self_seccomp == 2 ? ctl->self_filters : 0);
		return -EPERM;
	}
	return 0;
}

/* One line on stderr about a connection we refused or closed; at most
 * LOG_BURST per LOG_WINDOW_MS, then a count of the ones not shown. */
static void log_refusal(struct control *ctl, pid_t pid, uid_t uid, const char *why)
{
	long now = now_ms();

	if (now - ctl->log_window_ms >= LOG_WINDOW_MS) {
		if (ctl->log_suppressed)
			fprintf(stderr,
				"sysgate: control: %u more refused or closed connections "
				"not shown\n",
				ctl->log_suppressed);
		ctl->log_window_ms = now;
		ctl->log_count = 0;
		ctl->log_suppressed = 0;
	}
	if (ctl->log_count >= LOG_BURST) {
		ctl->log_suppressed++;
		return;
	}
	ctl->log_count++;
	fprintf(stderr, "sysgate: control: pid %d (uid %u): %s\n", (int)pid, (unsigned)uid, why);
}

/* The last word to a connection we do not serve: {"ok":false,"error":WHY,
 * "closed":KEY}, without blocking (it fits an empty socket buffer). */
static void send_last_line(int fd, const char *closed, const char *why)
{
	struct json_object *o = json_object_new_object();
	const char *s;

	if (!o)
		return;
	json_object_object_add(o, "ok", json_object_new_boolean(false));
	json_object_object_add(o, "error", json_object_new_string(why));
	json_object_object_add(o, "closed", json_object_new_string(closed));
	s = json_object_to_json_string_ext(o,
					   JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (s) {
		struct iovec iov[2] = {{(void *)s, strlen(s)}, {"\n", 1}};
		struct msghdr mh = {.msg_iov = iov, .msg_iovlen = 2};

		(void)sendmsg(fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
	}
	json_object_put(o);
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
	loop_mod(cl->ctl->cfg.loop, cl->fd, EPOLLIN | EPOLLRDHUP | (cl->out_len ? EPOLLOUT : 0));
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

static void on_resolved(void *data, uint64_t seq, enum decision_kind kind, int err, const char *by)
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

		json_object_object_add(
			o, "errno", name ? json_object_new_string(name) : json_object_new_int(err));
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

static unsigned count_subscribed(const struct control *ctl)
{
	unsigned n = 0;

	for (int i = 0; i < MAX_CLIENTS; i++)
		if (ctl->clients[i] && ctl->clients[i]->subscribed)
			n++;
	return n;
}

static void arm_idle_timer(struct control *ctl);

static void handle_request(struct client *cl, const struct control_request *rq)
{
	struct control *ctl = cl->ctl;
	struct json_object *o = NULL, *req = rq->obj;

	if (rq->op == CONTROL_OP_HELLO) {
		const struct policy *p = ctl->cfg.policy;
		char dflt[64];
		const char *e = policy_errno_name(p->ask_default.err);

		o = reply_new(req, true);
		if (!o)
			return;
		if (p->ask_default.kind == DECISION_DENY)
			snprintf(dflt, sizeof(dflt), "deny %s", e ? e : "EPERM");
		else
			snprintf(dflt, sizeof(dflt), "%s",
				 policy_decision_name(p->ask_default.kind));
		json_object_object_add(o, "sysgate", json_object_new_string(SYSGATE_VERSION));
		json_object_object_add(o, "pid", json_object_new_int(getpid()));
		json_object_object_add(o, "policy", json_object_new_string(ctl->cfg.policy_name));
		json_object_object_add(o, "mode",
				       json_object_new_string(ctl->cfg.mode == POLICY_COMPLAIN
								      ? "complain"
								      : "enforce"));
		json_object_object_add(o, "ask_timeout_ms",
				       json_object_new_uint64(p->ask_timeout_ms));
		json_object_object_add(o, "ask_default", json_object_new_string(dflt));
	} else if (rq->op == CONTROL_OP_SUBSCRIBE) {
		struct json_object *pending = ask_list(ctl->cfg.asks);

		/* A prompt now: it may wait for asks as long as it likes. */
		cl->subscribed = true;
		ask_set_attached(ctl->cfg.asks, count_subscribed(ctl));
		o = reply_new(req, true);
		if (o)
			client_send(cl, o);
		json_object_put(o);
		o = NULL;
		for (size_t i = 0; pending && i < json_object_array_length(pending); i++) {
			struct json_object *ev =
				json_object_get(json_object_array_get_idx(pending, i));

			json_object_object_add(ev, "event", json_object_new_string("ask"));
			client_send(cl, ev);
			json_object_put(ev);
		}
		json_object_put(pending);
	} else if (rq->op == CONTROL_OP_LIST) {
		o = reply_new(req, true);
		if (o)
			json_object_object_add(o, "pending", ask_list(ctl->cfg.asks));
	} else if (rq->op == CONTROL_OP_ANSWER) {
		const struct control_answer *ca = &rq->answer;
		const struct ask_answer a = {
			.kind = ca->kind,
			.err = ca->err,
			.scope = (enum ask_scope)ca->scope,
			.cover = (enum ask_cover)ca->cover,
			.glob = ca->glob,
		};
		char *covers = NULL, *written = NULL;
		const char *why = NULL;
		int r = ask_answer(ctl->cfg.asks, rq->ask, &a, &covers, &written, &why, on_resolved,
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
	} else if (rq->op == CONTROL_OP_POLICY) {
		o = reply_new(req, true);
		if (o) {
			json_object_object_add(o, "file",
					       json_object_new_string(ctl->cfg.policy_name));
			json_object_object_add(o, "text",
					       json_object_new_string(ctl->cfg.policy_text));
			json_object_object_add(o, "remembered", ask_remembered_list(ctl->cfg.asks));
		}
	}
	if (o)
		client_send(cl, o);
	json_object_put(o);
}

static void handle_line(struct client *cl, char *line, size_t len)
{
	struct control_request rq;
	const char *why = NULL;

	if (control_request_parse(line, len, &rq, &why) < 0) {
		reply_error(cl, rq.obj, why);
	} else {
		/* A request that means something keeps a client that has
		 * not subscribed from being closed as idle. */
		if (!cl->subscribed)
			cl->deadline_ms = now_ms() + IDLE_MS;
		handle_request(cl, &rq);
		arm_idle_timer(cl->ctl);
	}
	control_request_done(&rq);
}

static int on_client(void *data, uint32_t events)
{
	struct client *cl = data;
	struct control *ctl = cl->ctl;

	if (events & EPOLLOUT)
		client_flush(cl);
	if (events & EPOLLIN) {
		ssize_t n =
			recv(cl->fd, cl->in + cl->in_len, MAX_LINE + 1 - cl->in_len, MSG_DONTWAIT);

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

/* Close a client with a last line saying why (and log it). */
static void client_close_why(struct client *cl, const char *closed, const char *why)
{
	struct json_object *o = reply_new(NULL, false);

	log_refusal(cl->ctl, cl->pid, cl->uid, why);
	if (o) {
		json_object_object_add(o, "error", json_object_new_string(why));
		json_object_object_add(o, "closed", json_object_new_string(closed));
		client_send(cl, o);
		json_object_put(o);
	}
	client_close(cl);
}

/*
 * A slot for a new client of pid, or -1 with *ret_closed and *ret_why.
 * Clients that have not subscribed may be evicted, oldest first, so that a
 * table full of silent connections cannot keep a real prompt out; a
 * subscribed prompt never is.
 */
static int take_slot(struct control *ctl, pid_t pid, char *buf, size_t size,
		     const char **ret_closed, const char **ret_why)
{
	struct client *oldest = NULL;
	int slot = -1, mine = 0;

	for (int i = 0; i < MAX_CLIENTS; i++) {
		struct client *cl = ctl->clients[i];

		if (!cl) {
			if (slot < 0)
				slot = i;
			continue;
		}
		if (cl->pid == pid)
			mine++;
		if (!cl->subscribed && (!oldest || cl->serial < oldest->serial))
			oldest = cl;
	}
	if (mine >= MAX_PER_PEER) {
		snprintf(buf, size,
			 "refused: at most %d connections per process, and pid %d has them",
			 MAX_PER_PEER, (int)pid);
		*ret_closed = "per-process";
		*ret_why = buf;
		return -1;
	}
	if (slot >= 0)
		return slot;
	if (!oldest) {
		snprintf(buf, size, "refused: all %d client slots are taken by subscribed prompts",
			 MAX_CLIENTS);
		*ret_closed = "full";
		*ret_why = buf;
		return -1;
	}
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (ctl->clients[i] == oldest)
			slot = i;
	client_close_why(oldest, "evicted",
			 "closed: the table of clients is full and this one never subscribed; "
			 "it made room for a new one");
	return slot;
}

static int on_accept(void *data, uint32_t events)
{
	struct control *ctl = data;

	(void)events;
	/* A bounded number per wake-up: the loop is level-triggered, so the
	 * rest are taken after the other fds (asks, timers) had their turn. */
	for (int k = 0; k < ACCEPT_BURST; k++) {
		struct ucred cred;
		socklen_t len = sizeof(cred);
		struct client *cl;
		const char *closed = NULL, *why = NULL;
		char buf[512];
		int fd = accept4(ctl->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK), slot;

		if (fd < 0) {
			/* Out of fds (or memory), the connection stays queued
			 * and the socket readable: stop watching it for a while
			 * rather than spin the loop on it. */
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM) {
				loop_mod(ctl->cfg.loop, ctl->fd, 0);
				ctl->accept_paused_until = now_ms() + ACCEPT_PAUSE_MS;
			}
			break;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 ||
		    (cred.uid != geteuid() && cred.uid != 0)) {
			/* Another user: not a word to them. */
			fprintf(stderr,
				"sysgate: control: refused a connection from uid %u (pid %d)\n",
				(unsigned)cred.uid, (int)cred.pid);
			close(fd);
			continue;
		}
		/* Before it takes a slot: a refused peer costs nobody a place. */
		if (peer_check(ctl, fd, &cred, buf, sizeof(buf), &closed, &why) < 0 ||
		    (slot = take_slot(ctl, cred.pid, buf, sizeof(buf), &closed, &why)) < 0) {
			log_refusal(ctl, cred.pid, cred.uid, why);
			send_last_line(fd, closed, why);
			close(fd);
			continue;
		}
		cl = calloc(1, sizeof(*cl));
		if (!cl) {
			close(fd);
			continue;
		}
		cl->fd = fd;
		cl->ctl = ctl;
		cl->pid = cred.pid;
		cl->uid = cred.uid;
		cl->serial = ++ctl->next_serial;
		cl->deadline_ms = now_ms() + IDLE_MS;
		if (loop_add(ctl->cfg.loop, fd, EPOLLIN | EPOLLRDHUP, on_client, cl) < 0) {
			close(fd);
			free(cl);
			continue;
		}
		ctl->clients[slot] = cl;
	}
	arm_idle_timer(ctl);
	return 0;
}

/* The next time a client that has not subscribed is due to be closed. */
static void arm_idle_timer(struct control *ctl)
{
	struct itimerspec its = {};
	long next = -1, now = now_ms();

	for (int i = 0; i < MAX_CLIENTS; i++) {
		struct client *cl = ctl->clients[i];

		if (cl && !cl->subscribed && (next < 0 || cl->deadline_ms < next))
			next = cl->deadline_ms;
	}
	if (ctl->accept_paused_until && (next < 0 || ctl->accept_paused_until < next))
		next = ctl->accept_paused_until;
	if (next >= 0) {
		long ms = MAX(next - now, 1);

		its.it_value.tv_sec = ms / 1000;
		its.it_value.tv_nsec = (ms % 1000) * 1000000;
	}
	timerfd_settime(ctl->idle_timerfd, 0, &its, NULL);
}

static int on_idle_timer(void *data, uint32_t events)
{
	struct control *ctl = data;
	long now = now_ms();
	uint64_t n;
	ssize_t k = read(ctl->idle_timerfd, &n, sizeof(n));

	(void)k;
	(void)events;
	if (ctl->accept_paused_until && ctl->accept_paused_until <= now) {
		ctl->accept_paused_until = 0;
		loop_mod(ctl->cfg.loop, ctl->fd, EPOLLIN);
	}
	for (int i = 0; i < MAX_CLIENTS; i++) {
		struct client *cl = ctl->clients[i];

		if (cl && !cl->subscribed && cl->deadline_ms <= now)
			client_close_why(cl, "idle",
					 "closed: idle for 10 s without subscribing (a prompt "
					 "subscribes; other clients must keep asking)");
	}
	reap_clients(ctl);
	arm_idle_timer(ctl);
	return 0;
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
	if (!control_dir_is_private(&st)) {
		*why = "the control directory is not a private directory of ours "
		       "(owner-only, not a symlink)";
		return -EPERM;
	}
	return 0;
}

/*
 * What peers are judged against: our own seccomp state, and whether /proc
 * is our pid namespace's (the pids SO_PEERCRED gives are in ours; if /proc
 * shows another namespace's, no ancestry read from it means anything, and
 * every peer but ourselves is refused).
 */
static int self_check(struct control *ctl, const char **ret_why)
{
	struct proc_status st;
	char link[32];
	ssize_t n = readlink("/proc/self", link, sizeof(link) - 1);
	int r;

	if (n > 0) {
		link[n] = 0;
		ctl->proc_ok = strtol(link, NULL, 10) == (long)getpid();
	}
	r = read_status(getpid(), &st);
	if (r < 0) {
		*ret_why = "cannot read /proc/self/status";
		return r;
	}
	ctl->self_seccomp = st.seccomp;
	ctl->self_filters = st.seccomp == 2 ? st.filters : 0;
	return 0;
}

int control_open(struct control **ret, const struct control_config *cfg, const char **ret_why)
{
	struct control *ctl = calloc(1, sizeof(*ctl));
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char dir[sizeof(sa.sun_path)];
	mode_t old;
	int r;

	if (!ctl)
		return -ENOMEM;
	ctl->cfg = *cfg;
	ctl->fd = ctl->timerfd = ctl->idle_timerfd = -1;
	r = self_check(ctl, ret_why);
	if (r < 0)
		goto fail;
	r = control_socket_dir(dir, sizeof(dir));
	if (r < 0) {
		*ret_why = "the control directory's path is too long";
		goto fail;
	}
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
	old = umask(0077);	 /* owner-only from the moment it exists */
	r = bind(ctl->fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r < 0 || listen(ctl->fd, 16) < 0) {
		r = -errno;
		*ret_why = "cannot bind the control socket";
		goto fail;
	}
	ctl->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	ctl->idle_timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (ctl->timerfd < 0 || ctl->idle_timerfd < 0) {
		r = -errno;
		*ret_why = "timerfd";
		goto fail;
	}
	r = loop_add(cfg->loop, ctl->fd, EPOLLIN, on_accept, ctl);
	if (r == 0)
		r = loop_add(cfg->loop, ctl->timerfd, EPOLLIN, on_timer, ctl);
	if (r == 0)
		r = loop_add(cfg->loop, ctl->idle_timerfd, EPOLLIN, on_idle_timer, ctl);
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
	if (ctl->log_suppressed)
		fprintf(stderr,
			"sysgate: control: %u more refused or closed connections not shown\n",
			ctl->log_suppressed);
	if (ctl->fd >= 0) {
		loop_del(ctl->cfg.loop, ctl->fd);
		unlink(ctl->path);
		close(ctl->fd);
	}
	if (ctl->timerfd >= 0) {
		loop_del(ctl->cfg.loop, ctl->timerfd);
		close(ctl->timerfd);
	}
	if (ctl->idle_timerfd >= 0) {
		loop_del(ctl->cfg.loop, ctl->idle_timerfd);
		close(ctl->idle_timerfd);
	}
	if (ctl->cfg.asks)
		loop_del(ctl->cfg.loop, ask_queue_fd(ctl->cfg.asks));
	free(ctl);
}
