/*
 * control/peer: who is at the other end of a new connection (peer.h). The
 * trust boundary of the control socket: a peer that cannot be shown to be
 * outside the supervised tree, and free of a filter we are not under, is
 * refused (control.c says why at length). Main thread (the event loop).
 */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "sg-util.h"
#include "supervisor/control/peer.h"
#include "supervisor/log/diag.h"
#include "supervisor/target/target.h"

#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77 /* Linux 6.5 */
#endif

#define MAX_ANCESTRY 4096 /* a deeper chain of parents is refused, not walked */
#define LOG_BURST 10	  /* refusal lines per LOG_WINDOW_MS; the rest are counted */
#define LOG_WINDOW_MS 10000

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
	char path[TARGET_PROC_PATH_MAX], buf[8192];
	bool have_ppid = false, have_seccomp = false;
	_cleanup_close_ int fd = -1;
	size_t len = 0;
	char *p;

	fd = open(target_proc_path(path, pid, "status"), O_RDONLY | O_CLOEXEC);
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
int peer_check(const struct peer_judge *j, int fd, const struct ucred *cred, char *buf, size_t size,
	       const char **ret_closed, const char **ret_why)
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
	if (!j->proc_ok) {
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
	    (peer.seccomp == 2 && (j->self_seccomp != 2 || peer.filters < 0 ||
				   j->self_filters < 0 || peer.filters > j->self_filters))) {
		*ret_closed = "filter";
		snprintf(buf, size,
			 "refused: pid %d runs under a seccomp filter sysgate is not under (%d "
			 "filters, sysgate %d), so it may itself be a supervised program; run "
			 "the front end without a filter",
			 (int)cred->pid, peer.filters, j->self_seccomp == 2 ? j->self_filters : 0);
		return -EPERM;
	}
	return 0;
}

/* One line on stderr about a connection we refused or closed; at most
 * LOG_BURST per LOG_WINDOW_MS, then a count of the ones not shown. */
void peer_log(struct peer_judge *j, const char *fmt, ...)
{
	long now = control_now_ms();
	char line[768];
	va_list ap;

	if (now - j->log_window_ms >= LOG_WINDOW_MS) {
		peer_log_done(j);
		j->log_window_ms = now;
		j->log_count = 0;
	}
	if (j->log_count >= LOG_BURST) {
		j->log_suppressed++;
		return;
	}
	j->log_count++;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	diag(DIAG_NOTICE, "control: %s", line);
}

void peer_log_done(struct peer_judge *j)
{
	if (j->log_suppressed)
		diag(DIAG_NOTICE, "control: %u more refused or closed connections not shown",
		     j->log_suppressed);
	j->log_suppressed = 0;
}

/* The last word to a connection we do not serve: {"ok":false,"error":WHY,
 * "closed":KEY}, without blocking (it fits an empty socket buffer). */
void peer_send_last_line(int fd, const char *closed, const char *why)
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

/*
 * What peers are judged against: our own seccomp state, and whether /proc
 * is our pid namespace's (the pids SO_PEERCRED gives are in ours; if /proc
 * shows another namespace's, no ancestry read from it means anything, and
 * every peer but ourselves is refused).
 */
int peer_self_check(struct peer_judge *j, const char **ret_why)
{
	struct proc_status st;
	char link[32];
	ssize_t n = readlink("/proc/self", link, sizeof(link) - 1);
	int r;

	if (n > 0) {
		link[n] = 0;
		j->proc_ok = strtol(link, NULL, 10) == (long)getpid();
	}
	r = read_status(getpid(), &st);
	if (r < 0) {
		*ret_why = "cannot read /proc/self/status";
		return r;
	}
	j->self_seccomp = st.seccomp;
	j->self_filters = st.seccomp == 2 ? st.filters : 0;
	return 0;
}
