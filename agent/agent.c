/*
 * agent: the target's side between fork and exec.
 *
 * The listener fd is born in the thread that loads the filter, and from that
 * moment every syscall of that thread may be notified, including the ones a
 * handover would use (sendmsg, write, read, close, futex): if the policy
 * notifies them, they block until the supervisor answers, and the supervisor
 * cannot answer before it has the listener. So the filtered thread makes no
 * syscall until the listener is in the supervisor's hands. A helper thread,
 * created before the filter and therefore not under it (filters are per
 * thread without TSYNC), shares the fd table, sends the listener with
 * SCM_RIGHTS and flags completion in memory; the filtered thread waits on that
 * flag with a pure spin. Then it execs, which also ends the helper thread and
 * closes the close-on-exec listener: the supervisor holds its own copy.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <linux/filter.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "agent/agent.h"
#include "sg-exit.h"
#include "sg-seccomp.h"
#include "sg-util.h"

/*
 * Shared between the filtered thread and the helper, in the forked child
 * only. No lock (a futex would be a notified syscall): handover_sock and
 * handover_message are written by the filtered thread before it creates the
 * helper and only read afterwards; listener_state is published by the
 * filtered thread with the release store of listener_ready, which the helper
 * acquires; send_state is written by the helper alone and spun on (acquire)
 * by the filtered thread, which makes no syscall until it is set.
 */
static _Atomic int listener_state = -1; /* listener fd, or -errno, or -1 while pending */
static atomic_bool listener_ready;
static _Atomic int send_state; /* 0 pending, 1 sent, -errno failed */
static int handover_sock = -1;

static const char *handover_message; /* sysgate-agent's JSON, or NULL */

static int send_handover(int sock, int status, int fd)
{
	struct agent_handover msg = {.status = status};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u = {};
	struct iovec iov = {.iov_base = &msg, .iov_len = sizeof(msg)};
	size_t want = sizeof(msg);

	if (handover_message) {
		if (fd < 0)
			return -EINVAL; /* the daemon learns of failure by EOF */
		iov = (struct iovec){.iov_base = (void *)handover_message,
				     .iov_len = strlen(handover_message)};
		want = iov.iov_len;
	}
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};

	if (fd >= 0) {
		struct cmsghdr *c;

		mh.msg_control = u.buf;
		mh.msg_controllen = sizeof(u.buf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	for (;;) {
		ssize_t n = sendmsg(sock, &mh, MSG_NOSIGNAL);

		if (n == (ssize_t)want)
			return 0;
		if (n < 0 && errno == EINTR)
			continue;
		return n < 0 ? -errno : -EIO;
	}
}

/* Not under the filter: free to make any syscall. */
static void *helper_main(void *arg)
{
	struct timespec nap = {.tv_nsec = 20 * 1000};
	int r;

	(void)arg;
	while (!atomic_load_explicit(&listener_ready, memory_order_acquire))
		nanosleep(&nap, NULL);
	r = send_handover(handover_sock,
			  atomic_load(&listener_state) >= 0 ? 0 : atomic_load(&listener_state),
			  atomic_load(&listener_state));
	/* This thread is not under the filter: it can say what went wrong, which
	 * the filtered thread could not (its write might be notified). Only
	 * sysgate-agent has a handover message; for run, sysgate says it itself.
	 * (The agent links no diag: sysgate-agent is agent/ and libc only.) */
	if (handover_message && atomic_load(&listener_state) < 0)
		dprintf(STDERR_FILENO, "sysgate-agent: cannot install the seccomp filter: %s\n",
			strerror(-atomic_load(&listener_state)));
	else if (handover_message && r < 0)
		dprintf(STDERR_FILENO,
			"sysgate-agent: cannot hand the listener to the daemon: %s\n",
			strerror(-r));
	atomic_store_explicit(&send_state, r < 0 ? r : 1, memory_order_release);
	return NULL;
}

/* The supervisor is gone: the pipe only it holds the write end of has hung
 * up (or cannot be polled: fail closed), or, without one, we have another
 * parent. */
static bool supervisor_gone(const struct agent_config *cfg)
{
	struct pollfd p = {.fd = cfg->alive_fd, .events = POLLIN};
	int r;

	if (cfg->alive_fd < 0)
		return getppid() != cfg->parent;
	do
		r = poll(&p, 1, 0);
	while (r < 0 && errno == EINTR);
	return r != 0;
}

int agent_reserve_stdio(void)
{
	for (int fd = 0; fd < 3; fd++) {
		int n;

		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		/* The lowest free number is fd itself: 0..fd-1 are open. */
		n = open("/dev/null", O_RDWR);
		if (n < 0)
			return -errno;
		if (n != fd) {
			close(n);
			return -EBADF;
		}
	}
	return 0;
}

static _Noreturn void die(const struct agent_config *cfg, int err)
{
	/* Best effort: the supervisor prints the message. */
	if (cfg->status_fd >= 0) {
		ssize_t k = write(cfg->status_fd, &err, sizeof(err));
		(void)k;
	}
	_exit(EXIT_FOR_EXEC_ERRNO(err));
}

_Noreturn void agent_exec(const struct agent_config *cfg)
{
	struct sock_fprog prog = {.len = cfg->len, .filter = (struct sock_filter *)cfg->insns};
	pthread_t helper;
	sigset_t all;
	int fd, s;

	/* The supervisor blocks signals it reads from a signalfd and ignores
	 * SIGPIPE; the command must start with a clean slate. */
	signal(SIGPIPE, SIG_DFL);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);

	/* Fail closed: if the supervisor goes, so does the command. Checked after
	 * arming, since the parent may have died before. The command can clear
	 * this itself; sysgate run's pid namespace is what holds against that
	 * (supervisor/contain.c). */
	if (cfg->parent && (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || supervisor_gone(cfg)))
		_exit(EXIT_SYSGATE_FAILED);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		die(cfg, errno);
	if (cfg->len == 0 || cfg->len > BPF_MAXINSNS || !cfg->insns)
		die(cfg, EINVAL);

	handover_sock = cfg->sock;
	handover_message = cfg->message;
	s = pthread_create(&helper, NULL, helper_main, NULL);
	if (s != 0)
		die(cfg, s);

	/* WAIT_KILLABLE_RECV (Linux 5.19): once the supervisor has received a
	 * call, only a fatal signal interrupts the wait. Otherwise a signal
	 * could restart a call the supervisor is emulating, and the restarted
	 * mkdir would find its own directory (EEXIST). */
	fd = (int)syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER,
			  SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV,
			  &prog);
	if (fd < 0 && errno == EINVAL)
		fd = (int)syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER,
				  SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
	atomic_store(&listener_state, fd < 0 ? -errno : fd);
	atomic_store_explicit(&listener_ready, true, memory_order_release);

	/* From here on: no syscall until the supervisor has the listener. */
	while ((s = atomic_load_explicit(&send_state, memory_order_acquire)) == 0)
		__builtin_ia32_pause();
	if (fd < 0 || s < 0)
		_exit(EXIT_SYSGATE_FAILED);

	execve(cfg->path, cfg->argv, cfg->envp);
	die(cfg, errno);
}

/* execvp's search; see agent.h. */
int agent_find_command(const char *cmd, char *out, size_t size)
{
	const char *path = getenv("PATH");
	int err = ENOENT;

	if (!*cmd)
		return -ENOENT;
	if (strchr(cmd, '/')) {
		struct stat st;

		if (stat(cmd, &st) < 0)
			return -errno;
		if (S_ISDIR(st.st_mode) || access(cmd, X_OK) < 0)
			return -EACCES;
		if ((size_t)snprintf(out, size, "%s", cmd) >= size)
			return -ENAMETOOLONG;
		return 0;
	}
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (const char *p = path;; p++) {
		const char *e = strchrnul(p, ':');
		struct stat st;

		if (e == p) {
			if ((size_t)snprintf(out, size, "./%s", cmd) >= size)
				goto next;
		} else if ((size_t)snprintf(out, size, "%.*s/%s", (int)(e - p), p, cmd) >= size) {
			goto next;
		}
		if (stat(out, &st) == 0) {
			if (!S_ISDIR(st.st_mode) && access(out, X_OK) == 0)
				return 0;
			err = EACCES;
		}
	next:
		if (!*e)
			break;
		p = e;
	}
	return -err;
}
