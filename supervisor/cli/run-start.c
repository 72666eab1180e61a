/*
 * sysgate run, starting the command: the signals and pipes it needs, the
 * command's pid namespace (launch/contain.h), the fork, the child's side up
 * to the agent, and the listener the agent hands back; then the session,
 * the asks and the control socket that serve it.
 *
 * Trust: the forked child runs sysgate's code until agent_exec() installs the
 * filter and execs CMD; what it receives from the child (the handover) is
 * checked, since the child may have died or been replaced half-way.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent/agent.h"
#include "sg-util.h"
#include "supervisor/ask/ask.h"
#include "supervisor/cli/cli.h"
#include "supervisor/cli/run.h"
#include "supervisor/control/control.h"
#include "supervisor/core/loop.h"
#include "supervisor/core/session.h"
#include "supervisor/launch/contain.h"
#include "supervisor/launch/pty.h"
#include "supervisor/launch/report.h"
#include "supervisor/log/diag.h"
#include "supervisor/target/target.h"

extern char **environ;

static const int forwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

/* How long the agent may take to hand the listener over. */
#define HANDOVER_TIMEOUT_MS (30 * 1000)

int run_prepare_signals(struct run *run)
{
	sigset_t mask;

	/* A log sink that went away must not kill the supervisor. */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	for (size_t i = 0; i < ARRAY_SIZE(forwarded); i++)
		sigaddset(&mask, forwarded[i]);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return diag_errno(DIAG_ERROR, errno, "cannot block the forwarded signals");
	run->sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (run->sigfd < 0)
		return diag_errno(DIAG_ERROR, errno, "cannot create the signalfd");
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		return diag_errno(DIAG_ERROR, errno, "cannot become a child subreaper");
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, run->sv) < 0)
		return diag_errno(DIAG_ERROR, errno, "cannot create the handover socket");
	if (pipe2(run->status_pipe, O_CLOEXEC) < 0)
		return diag_errno(DIAG_ERROR, errno, "cannot create the exec status pipe");
	/* Nonblocking: read once the child is gone, whatever it wrote. */
	if (pipe2(run->launch_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		return diag_errno(DIAG_ERROR, errno, "cannot create the launch status pipe");
	return 0;
}

/*
 * Does sysgate lead the job in the foreground of its controlling terminal?
 * Only then does the command stay in sysgate's process group, so that ^C and
 * ^Z act on both as one job. Otherwise (no terminal, a background job, CI,
 * a service) the command gets a process group of its own: kill(0, SIGSTOP)
 * or kill(-pgrp, ...) from the tree then reaches the tree only, never
 * sysgate, which is outside its pid namespace anyway. In the foreground case
 * such a group signal still reaches sysgate: it stops or ends sysgate, which
 * stalls or ends the tree's own supervised calls, and lets nothing through.
 */
static bool in_terminal_foreground(void)
{
	int fd = open("/dev/tty", O_RDONLY | O_CLOEXEC | O_NOCTTY);
	bool fg;

	if (fd < 0)
		return false;
	fg = tcgetpgrp(fd) == getpgrp();
	close(fd);
	return fg;
}

/* The listener from the agent, checked: -errno (the agent's own, or
 * -EPIPE when it died first, -EPROTO when the message is wrong). */
static int receive_listener(int sock)
{
	struct agent_handover msg = {};
	union {
		char buf[CMSG_SPACE(sizeof(int) * 4)];
		struct cmsghdr align;
	} u;
	struct iovec iov = {.iov_base = &msg, .iov_len = sizeof(msg)};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = u.buf,
			    .msg_controllen = sizeof(u.buf)};
	struct pollfd pfd = {.fd = sock, .events = POLLIN};
	int fd = -1, n_fds = 0, fds[4];
	char link[64], p[64];
	ssize_t n;

	for (;;) {
		int k = poll(&pfd, 1, HANDOVER_TIMEOUT_MS);

		if (k > 0)
			break;
		if (k == 0)
			return -ETIMEDOUT;
		if (errno != EINTR)
			return -errno;
	}
	n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	if (n < 0)
		return -errno;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			n_fds = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
			n_fds = MIN(n_fds, 4);
			memcpy(fds, CMSG_DATA(c), sizeof(int) * (size_t)n_fds);
		}
	if (n_fds > 0)
		fd = fds[0];
	for (int i = 1; i < n_fds; i++)
		close(fds[i]);
	if (n == 0)
		return -EPIPE; /* the agent died before handing over */
	if (n != (ssize_t)sizeof(msg) || (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
		safe_close(fd);
		return -EPROTO;
	}
	if (msg.status < 0) {
		safe_close(fd);
		return msg.status;
	}
	if (fd < 0)
		return -EPROTO;
	/* Trust the fd only if it is what it claims to be. */
	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	n = readlink(p, link, sizeof(link) - 1);
	if (n < 0 || (link[n] = '\0', !strstr(link, "seccomp"))) {
		safe_close(fd);
		return -EPROTO;
	}
	return fd;
}

/* In the forked child: never returns. Async-signal-safe calls only until
 * the exec (sysgate has threads by now: the log's writers). */
static _Noreturn void child_main(struct run *run, pid_t parent)
{
	struct agent_config cfg = {
		.insns = run->filter.insns,
		.len = (unsigned short)run->filter.len,
		.sock = run->sv[1],
		.status_fd = run->status_pipe[1],
		.parent = parent,
		.alive_fd = run->contain.alive_rd,
		.path = run->exe,
		.argv = run->args.cmd,
		.envp = environ,
	};

	/* First: under a plain user it returns only in the command's process. */
	contain_in_child(&run->contain);
	if (run->ip.pty)
		pty_child_attach(run->ip.pty, run->launch_pipe[1]); /* or _exit(125) */
	else if (run->own_group && setpgid(0, 0) < 0)
		launch_fail(run->launch_pipe[1], "cannot give the command a process group", errno);
	agent_exec(&cfg);
}

/* Fork the command into its namespace (if any); 0 or -errno after saying so. */
static int fork_command(struct run *run)
{
	pid_t self = getpid();
	int r, k;

	run->contain.report_fd = run->launch_pipe[1];
	run->own_group = !run->ip.pty && !in_terminal_foreground();
	fflush(NULL);
	run->child = fork();
	if (run->child == 0)
		child_main(run, self);
	r = run->child < 0 ? -errno : 0;
	/* Before any thread is started (session_start, the inline prompt);
	 * whether the fork worked or not. */
	k = contain_after_fork(&run->contain);
	if (k < 0 && r == 0)
		r = diag_errno(DIAG_ERROR, k, "cannot return to sysgate's pid namespace");
	else if (r < 0)
		diag_errno(DIAG_ERROR, r, "cannot fork the command");
	run->sv[1] = safe_close(run->sv[1]);
	run->status_pipe[1] = safe_close(run->status_pipe[1]);
	run->launch_pipe[1] = safe_close(run->launch_pipe[1]);
	run->contain.report_fd = -1;
	return r;
}

/* The child ended before the handover, or sent none: say what failed. */
static void report_no_listener(struct run *run, int err)
{
	struct launch_failure f;

	/* The child's own account first: it is gone by now (EPIPE). */
	if (err == -EPIPE && launch_failure_read(run->launch_pipe[0], &f))
		diag_errno(DIAG_ERROR, f.err, "%s", f.what);
	else
		diag_errno(DIAG_ERROR, err, "could not install the filter in the target");
}

int run_start_command(struct run *run)
{
	int r;

	/* Forks nothing: the terminal's guardian process starts with the relay,
	 * after contain_after_fork(), so it can never be the first fork into
	 * the command's pid namespace (its init). */
	if (run->args.prompt)
		inline_prompt_open(&run->ip);

	/* The command's own pid namespace, where we may (contain.c). */
	r = contain_prepare(&run->contain);
	if (r < 0)
		return diag_errno(DIAG_ERROR, r, "cannot contain the command's tree: %s",
				  run->contain.failed ? run->contain.failed : "?");
	if (run->contain.init == 0 && !run->contain.relay)
		diag(DIAG_WARNING,
		     "the tree is not in its own PID namespace: %s; if sysgate is killed, a "
		     "process "
		     "that cleared its PR_SET_PDEATHSIG runs on unsupervised",
		     run->contain.why);

	r = fork_command(run);
	if (r < 0)
		return r;
	r = receive_listener(run->sv[0]);
	if (r < 0) {
		/* Reaped first, so that what it wrote is all there. */
		contain_kill_tree(&run->contain, run->child);
		waitpid(run->child, NULL, 0);
		run->child_done = true;
		report_no_listener(run, r);
		return r;
	}
	run->listener = r;
	/* The command runs from here on, and may share our stderr: a message
	 * that cannot be written soon is dropped and counted, never waited on. */
	diag_set_nonblocking(true);
	return 0;
}

/* The session on the listener, the asks, the control socket and the inline
 * prompt; the session's thread started last. 0 or -errno after saying so. */
int run_start_supervision(struct run *run)
{
	const char *why = NULL;
	int r;

	/* The view the policy's paths are in: the command's, which is ours
	 * (the agent changes neither; and the command may be gone already). */
	r = target_view_load(getpid(), &run->view);
	if (r < 0)
		return diag_errno(DIAG_ERROR, r, "cannot read sysgate's own mount namespace");
	r = ask_queue_new(&run->asks, run->policy, run->args.policy_file, run->log);
	if (r < 0)
		return diag_errno(DIAG_ERROR, r, "cannot create the ask queue");
	r = session_new(run->listener,
			&(struct session_config){.policy = run->policy,
						 .mode = run->args.pmode,
						 .log = run->log,
						 .asks = run->asks,
						 .view = &run->view,
						 /* its own filter: policy_compile's */
						 .exec_notified = true},
			&run->session);
	if (r < 0)
		return diag_errno(DIAG_ERROR, r, "cannot create the session");
	run->listener = -1; /* the session's now */
	r = loop_new(&run->loop);
	if (r < 0)
		return diag_errno(DIAG_ERROR, r, "cannot create the event loop");

	run->policy_text = run_policy_text(run->policy);
	r = control_open(&run->control,
			 &(struct control_config){
				 .loop = run->loop,
				 .asks = run->asks,
				 .policy = run->policy,
				 .policy_name = run->args.policy_file ? run->args.policy_file
								      : POLICY_DEFAULT_NAME,
				 .policy_text = run->policy_text ? run->policy_text : "",
				 .mode = run->args.pmode,
			 },
			 &why);
	/* Without a control socket no prompt can attach: asks then get
	 * ask_default at once, which is fail-closed. Say so and go on. */
	if (r < 0)
		diag(DIAG_WARNING, "no control socket (%s: %s); asks get ask_default",
		     why ? why : "?", strerror(-r));
	else
		ask_set_reachable(run->asks, true);
	if (run->args.prompt) {
		r = inline_prompt_start(&run->ip, run->control ? control_path(run->control) : NULL);
		if (r < 0)
			return r;
	}
	r = session_start(run->session, &run->done_fd);
	if (r < 0)
		return diag_errno(DIAG_ERROR, r, "cannot start the session's thread");
	return 0;
}
