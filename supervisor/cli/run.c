/*
 * sysgate run: launch a command under a filter built from a policy and
 * supervise its whole process tree.
 *
 *   parse options → load + compile the policy (nothing runs if it is bad)
 *   → resolve CMD → fork: the child runs the agent (no_new_privs, filter,
 *   handover, exec) → the parent receives the listener and serves it on the
 *   session's thread, while this thread's event loop reads signals → when CMD
 *   exits, kill what is left of the tree and exit with CMD's status.
 *
 * CMD is forked into a pid namespace of its own whose init is sysgate's
 * helper (contain.c): when CMD ends, or sysgate dies, the kernel kills the
 * whole namespace, so nothing of the tree is left running unsupervised.
 * Without a namespace sysgate is a child subreaper, so every descendant whose
 * parent dies is reparented to it, not to init, and stays within reach.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "agent/agent.h"
#include "sg-util.h"
#include "supervisor/ask/ask.h"
#include "supervisor/cli/cli.h"
#include "supervisor/launch/contain.h"
#include "supervisor/control/control.h"
#include "supervisor/prompt/prompt.h"
#include "supervisor/launch/pty.h"
#include "supervisor/log/log.h"
#include "supervisor/core/loop.h"
#include "supervisor/core/session.h"
#include "supervisor/target/target.h"

extern char **environ;

#define MAX_SINKS 8

struct run {
	struct loop *loop;
	struct session *session;
	struct contain *contain;
	int sigfd;
	int done_fd;
	pid_t child;
	bool child_done;
	int child_status;
	bool own_group; /* the command leads a process group of its own */
};

static const int forwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

static void run_usage(FILE *out)
{
	cli_verb_usage(out, &verb_run, out == stdout);
}

static int receive_listener(int sock, pid_t child)
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
		int k = poll(&pfd, 1, 30 * 1000);

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
	(void)child;
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

/*
 * --prompt: the prompt client on a thread of its own, talking to our own
 * control socket like any other client (the main loop serves it). Only when
 * stdin is a terminal and sysgate its foreground job. The command then runs
 * on a pseudo-terminal of its own (pty.h): it shares nothing of the person's
 * terminal with the prompt, which has a pty of its own too, and a relay
 * thread sends the keyboard to the prompt while a call waits for an answer,
 * to the command otherwise.
 */
struct inline_prompt {
	pthread_t thread;
	bool running;
	int sock;
	FILE *out;
	struct pty_relay *pty;
};

static void *inline_prompt_main(void *arg)
{
	struct inline_prompt *ip = arg;
	int fd = pty_relay_prompt_fd(ip->pty);

	prompt_session_focus(ip->sock, fd, ip->out, pty_relay_focus, ip->pty);
	fflush(ip->out);
	return NULL;
}

/* Before fork: the command's own terminal, if a prompt is wanted. */
static void open_inline_terminal(struct inline_prompt *ip)
{
	int r = pty_relay_open(&ip->pty);

	if (r == -ENOTTY)
		fprintf(stderr,
			"sysgate: --prompt needs a terminal on stdin; use sysgate prompt\n");
	else if (r == -EBUSY)
		fprintf(stderr, "sysgate: --prompt needs to run in the foreground of its terminal; "
				"use sysgate prompt\n");
	else if (r < 0)
		fprintf(stderr, "sysgate: --prompt: cannot make a terminal for the command: %s\n",
			strerror(-r));
}

/* After fork: relay the command's terminal, and start the prompt on our
 * control socket at path (NULL: there is none, asks get ask_default). */
static int start_inline_prompt(struct inline_prompt *ip, const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	sigset_t all, old;
	int fd, r;

	if (!ip->pty)
		return 0;
	r = pty_relay_start(ip->pty);
	if (r < 0) {
		fprintf(stderr, "sysgate: --prompt: cannot relay the command's terminal: %s\n",
			strerror(-r));
		return r;
	}
	if (!path)
		return 0;
	fd = dup(pty_relay_prompt_fd(ip->pty));
	ip->out = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!ip->out)
		safe_close(fd);
	ip->sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (!ip->out || ip->sock < 0 || connect(ip->sock, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "sysgate: --prompt: %s\n", strerror(errno));
		ip->sock = safe_close(ip->sock);
		return 0; /* the command runs on; asks get ask_default */
	}
	/* Fully buffered: what the prompt prints leaves at its flush, after it
	 * has taken the keyboard for what it shows. */
	setvbuf(ip->out, NULL, _IOFBF, 1 << 14);
	fprintf(ip->out,
		"sysgate: the command runs on a terminal of its own: what you type goes to it,\n"
		"sysgate: except while a call waits for an answer: then this prompt has the\n"
		"sysgate: keyboard (^C still interrupts the command) and holds its output.\n");
	/* The process's signals belong to the main thread's signalfd. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	ip->running = pthread_create(&ip->thread, NULL, inline_prompt_main, ip) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return 0;
}

static void stop_inline_prompt(struct inline_prompt *ip)
{
	struct timespec end;

	if (ip->running) {
		/* Its socket's peer is closed by now: it reads EOF, says so and
		 * returns, while the relay still copies that to the terminal.
		 * Bounded: a stalled terminal can hold its writes, and then
		 * stopping the relay hangs its pty up, which fails them. */
		shutdown(ip->sock, SHUT_RDWR);
		clock_gettime(CLOCK_REALTIME, &end);
		end.tv_sec += 2;
		if (pthread_timedjoin_np(ip->thread, NULL, &end) == 0)
			ip->running = false;
	}
	pty_relay_stop(ip->pty);
	if (ip->running) {
		clock_gettime(CLOCK_REALTIME, &end);
		end.tv_sec += 2;
		if (pthread_timedjoin_np(ip->thread, NULL, &end) != 0)
			return; /* leave its fds alone; we are about to exit */
		ip->running = false;
	}
	if (ip->out)
		fclose(ip->out);
	ip->out = NULL;
	ip->sock = safe_close(ip->sock);
	pty_relay_free(ip->pty);
	ip->pty = NULL;
}

/* The policy as loaded, for the control socket's "policy" request. */
static char *read_policy_text(const char *file)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f, *m;
	int c;

	if (!file)
		return strdup(policy_default_text);
	f = fopen(file, "re");
	if (!f)
		return NULL;
	m = open_memstream(&buf, &len);
	if (!m) {
		fclose(f);
		return NULL;
	}
	while ((c = fgetc(f)) != EOF && len < (1u << 20))
		fputc(c, m);
	fclose(m);
	fclose(f);
	return buf;
}

static int exit_status_of(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return EXIT_SYSGATE_FAILED;
}

/* The session's thread ended on its own: the listener broke. Fail closed. */
static int on_session_done(void *data, uint32_t events)
{
	struct run *run = data;

	(void)events;
	fprintf(stderr,
		"sysgate: cannot serve the listener: %s; killing the supervised processes\n",
		strerror(-session_error(run->session)));
	contain_kill_tree(run->contain, run->child_done ? 0 : run->child);
	loop_del(run->loop, run->done_fd);
	return 0;
}

static void reap(struct run *run)
{
	for (;;) {
		int status;
		pid_t pid = waitpid(-1, &status, WNOHANG);

		if (pid <= 0)
			break;
		/* The namespace's init gone: the kernel kills the tree, and the
		 * command's own status follows. */
		contain_reaped(run->contain, pid);
		if (pid == run->child) {
			run->child_done = true;
			run->child_status = status;
		}
	}
	if (run->child_done)
		loop_quit(run->loop, 0);
}

static int on_signal(void *data, uint32_t events)
{
	struct run *run = data;
	struct signalfd_siginfo si;

	while (read(run->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGCHLD) {
			reap(run);
			continue;
		}
		/* A signal from the terminal went to the whole foreground process
		 * group, CMD included; pass on only what was sent to us alone
		 * (all of them when CMD has a group of its own). */
		if (si.ssi_code == SI_KERNEL && !run->own_group)
			continue;
		if (!run->child_done)
			kill(run->child, (int)si.ssi_signo);
	}
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

int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{"policy", required_argument, NULL, 'p'},
		{"mode", required_argument, NULL, 'm'},
		{"log", required_argument, NULL, 'l'},
		{"log-format", required_argument, NULL, 'f'},
		{"summary", no_argument, NULL, 's'},
		{"prompt", no_argument, NULL, 'P'},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	const char *policy_file = NULL, *mode = NULL, *format = NULL, *bad = NULL;
	const char *sinks[MAX_SINKS];
	size_t n_sinks = 0;
	bool summary = false, want_prompt = false;
	struct inline_prompt ip = {.sock = -1};
	struct policy *policy = NULL;
	struct policy_filter filter = {};
	struct logger *log = NULL;
	struct ask_queue *asks = NULL;
	struct target_view view;
	struct control *control = NULL;
	_cleanup_free_ char *policy_text = NULL;
	struct contain contain = CONTAIN_INIT;
	struct run run = {.sigfd = -1, .done_fd = -1, .child = -1, .contain = &contain};
	char exe[PATH_MAX];
	int sv[2] = {-1, -1}, status_pipe[2] = {-1, -1};
	int ret = EXIT_SYSGATE_FAILED, listener = -1, c, r;
	enum policy_mode pmode;
	pid_t self = getpid();
	sigset_t mask;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+p:m:l:f:sh", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			policy_file = optarg;
			break;
		case 'm':
			mode = optarg;
			break;
		case 'l':
			if (n_sinks == MAX_SINKS) {
				fprintf(stderr, "sysgate: at most %d --log sinks\n", MAX_SINKS);
				return EXIT_SYSGATE_FAILED;
			}
			sinks[n_sinks++] = optarg;
			break;
		case 'f':
			format = optarg;
			break;
		case 's':
			summary = true;
			break;
		case 'P':
			want_prompt = true;
			break;
		case 'h':
			run_usage(stdout);
			return 0;
		default:
			run_usage(stderr);
			return EXIT_SYSGATE_FAILED;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "sysgate run: no command given\n");
		run_usage(stderr);
		return EXIT_SYSGATE_FAILED;
	}
	if (mode && !streq(mode, "enforce") && !streq(mode, "complain")) {
		fprintf(stderr, "sysgate run: --mode must be enforce or complain, not '%s'\n",
			mode);
		return EXIT_SYSGATE_FAILED;
	}
	if (format && !streq(format, "text") && !streq(format, "json")) {
		fprintf(stderr, "sysgate run: --log-format must be text or json, not '%s'\n",
			format);
		return EXIT_SYSGATE_FAILED;
	}

	/* Nothing of CMD runs unless the policy is good. */
	policy = cli_load_policy(policy_file);
	if (!policy)
		return EXIT_SYSGATE_FAILED;
	pmode = mode ? (streq(mode, "complain") ? POLICY_COMPLAIN : POLICY_ENFORCE) : policy->mode;
	if (!format)
		format = policy->log_format ? policy->log_format : "text";
	if (n_sinks == 0)
		for (size_t i = 0; policy->log_sinks && policy->log_sinks[i] && n_sinks < MAX_SINKS;
		     i++)
			sinks[n_sinks++] = policy->log_sinks[i];
	if (n_sinks == 0)
		sinks[n_sinks++] = "stderr";

	r = policy_compile(policy, &filter);
	if (r < 0) {
		fprintf(stderr, "sysgate: %s: cannot compile the filter: %s\n",
			policy_file ? policy_file : POLICY_DEFAULT_NAME, strerror(-r));
		goto out;
	}
	if (filter.len > 0xffff) {
		fprintf(stderr, "sysgate: the filter is too large\n");
		goto out;
	}

	r = agent_find_command(argv[optind], exe, sizeof(exe));
	if (r < 0) {
		fprintf(stderr, "sysgate: %s: %s\n", argv[optind], strerror(-r));
		ret = r == -ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_EXEC;
		goto out;
	}

	r = log_open(&log, sinks, n_sinks, streq(format, "json") ? LOG_JSON : LOG_TEXT, summary,
		     &bad);
	if (r < 0) {
		fprintf(stderr, "sysgate: log %s: %s\n", bad ? bad : "?", strerror(-r));
		goto out;
	}
	if (policy->log_full) /* stderr and terminals drop whatever it says */
		log_set_full(log, streq(policy->log_full, "drop") ? LOG_FULL_DROP : LOG_FULL_BLOCK);

	/* A log sink that went away must not kill the supervisor. */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	for (size_t i = 0; i < ARRAY_SIZE(forwarded); i++)
		sigaddset(&mask, forwarded[i]);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		goto out_errno;
	run.sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (run.sigfd < 0)
		goto out_errno;
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		goto out_errno;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		goto out_errno;
	if (pipe2(status_pipe, O_CLOEXEC) < 0)
		goto out_errno;

	/* Forks nothing: the terminal's guardian process starts with the relay,
	 * after contain_after_fork(), so it can never be the first fork into
	 * the command's pid namespace (its init). */
	if (want_prompt)
		open_inline_terminal(&ip);

	/* The command's own pid namespace, where we may (contain.c). */
	r = contain_prepare(&contain);
	if (r < 0) {
		fprintf(stderr, "sysgate: cannot contain the command's tree: %s\n", strerror(-r));
		goto out;
	}
	if (contain.init == 0 && !contain.relay)
		fprintf(stderr,
			"sysgate: the tree is not in its own PID namespace: %s; if sysgate is "
			"killed, "
			"a process that cleared its PR_SET_PDEATHSIG runs on unsupervised\n",
			contain.why);

	run.own_group = !ip.pty && !in_terminal_foreground();
	fflush(NULL);
	run.child = fork();
	if (run.child == 0) {
		struct agent_config cfg = {
			.insns = filter.insns,
			.len = (unsigned short)filter.len,
			.sock = sv[1],
			.status_fd = status_pipe[1],
			.parent = self,
			.alive_fd = contain.alive_rd,
			.path = exe,
			.argv = argv + optind,
			.envp = environ,
		};

		/* First: under a plain user it returns only in the command's process. */
		contain_in_child(&contain);
		if (ip.pty)
			pty_child_attach(ip.pty); /* its own terminal, or _exit(125) */
		else if (run.own_group && setpgid(0, 0) < 0)
			_exit(EXIT_SYSGATE_FAILED);
		agent_exec(&cfg);
	}
	if (run.child < 0) {
		r = -errno;
		contain_after_fork(&contain);
		goto out_err;
	}
	/* Before any thread is started (session_start, the inline prompt). */
	r = contain_after_fork(&contain);
	if (r < 0)
		goto out_err;
	sv[1] = safe_close(sv[1]);
	status_pipe[1] = safe_close(status_pipe[1]);

	listener = receive_listener(sv[0], run.child);
	if (listener < 0) {
		fprintf(stderr, "sysgate: could not install the filter in the target: %s\n",
			strerror(-listener));
		kill(run.child, SIGKILL);
		waitpid(run.child, NULL, 0);
		goto out;
	}

	/* The view the policy's paths are in: the command's, which is ours
	 * (the agent changes neither; and the command may be gone already). */
	r = target_view_load(getpid(), &view);
	if (r < 0) {
		safe_close(listener);
		goto out_err;
	}
	r = ask_queue_new(&asks, policy, policy_file, log);
	if (r < 0) {
		safe_close(listener);
		goto out_err;
	}
	r = session_new(
		listener,
		&(struct session_config){
			.policy = policy, .mode = pmode, .log = log, .asks = asks, .view = &view},
		&run.session);
	if (r < 0) {
		safe_close(listener);
		goto out_err;
	}
	r = loop_new(&run.loop);
	if (r < 0)
		goto out_err;
	{
		const char *why = NULL;

		policy_text = read_policy_text(policy_file);
		r = control_open(
			&control,
			&(struct control_config){
				.loop = run.loop,
				.asks = asks,
				.policy = policy,
				.policy_name = policy_file ? policy_file : POLICY_DEFAULT_NAME,
				.policy_text = policy_text ? policy_text : "",
				.mode = pmode,
			},
			&why);
		/* Without a control socket no prompt can attach: asks then get
		 * ask_default at once, which is fail-closed. Say so and go on. */
		if (r < 0)
			fprintf(stderr,
				"sysgate: no control socket (%s: %s); asks get ask_default\n",
				why ? why : "?", strerror(-r));
	}
	if (want_prompt) {
		r = start_inline_prompt(&ip, control ? control_path(control) : NULL);
		if (r < 0)
			goto out_err;
	}
	r = session_start(run.session, &run.done_fd);
	if (r < 0)
		goto out_err;
	r = loop_add(run.loop, run.done_fd, EPOLLIN, on_session_done, &run);
	if (r < 0)
		goto out_err;
	r = loop_add(run.loop, run.sigfd, EPOLLIN, on_signal, &run);
	if (r < 0)
		goto out_err;
	reap(&run); /* a SIGCHLD may have come before the loop */

	r = loop_run(run.loop);
	if (r < 0) {
		/* Fail closed: a supervisor that cannot serve ends the tree. */
		fprintf(stderr, "sysgate: %s; killing the supervised processes\n", strerror(-r));
		contain_kill_tree(&contain, run.child_done ? 0 : run.child);
	}
	if (!run.child_done) {
		waitpid(run.child, &run.child_status, 0);
		run.child_done = true;
	}
	/* Whatever is left of the tree, with no new fd (contain.c). */
	contain_end(&contain, run.child);
	session_stop(run.session);
	control_shutdown_asks(control);
	control_close(control); /* the inline prompt sees the end and returns */
	control = NULL;
	stop_inline_prompt(&ip);
	ask_queue_free(asks);
	asks = NULL;

	ret = exit_status_of(run.child_status);
	{
		int err = 0;

		if (read(status_pipe[0], &err, sizeof(err)) == (ssize_t)sizeof(err) && err > 0)
			fprintf(stderr, "sysgate: %s: %s\n", argv[optind], strerror(err));
		else if ((ret == EXIT_CANNOT_EXEC || ret == EXIT_NOT_FOUND) &&
			 (policy->dflt.kind == DECISION_DENY ||
			  policy->dflt.kind == DECISION_KILL) &&
			 !policy_section_for(policy, "execve"))
			/* The agent's own report was denied too. */
			fprintf(stderr,
				"sysgate: %s could not be executed: the policy's default is %s and "
				"no section allows execve\n",
				argv[optind], policy_decision_name(policy->dflt.kind));
	}
	if (summary)
		log_summary_print(log, stderr);
	goto out;

out_errno:
	r = -errno;
out_err:
	fprintf(stderr, "sysgate: %s\n", strerror(-r));
	if (run.child > 0) {
		contain_kill_tree(&contain, run.child);
		waitpid(run.child, NULL, 0);
	}
out:
	contain_kill_tree(&contain, 0);
	contain_end(&contain, run.child);
	contain_done(&contain);
	session_stop(run.session);
	control_close(control);
	stop_inline_prompt(&ip);
	ask_queue_free(asks);
	loop_free(run.loop);
	session_free(run.session);
	safe_close(run.sigfd);
	safe_close(sv[0]);
	safe_close(sv[1]);
	safe_close(status_pipe[0]);
	safe_close(status_pipe[1]);
	log_close(log);
	policy_filter_done(&filter);
	policy_free(policy);
	return ret;
}

const struct verb verb_run = {
	.name = "run",
	.synopsis =
		"[-p POLICY] [--mode enforce|complain] [--log SINK]...\n"
		"              [--log-format text|json] [--summary] [--prompt] -- CMD [ARGS...]",
	.summary = "Run CMD under a seccomp filter built from POLICY (the built-in\n"
		   "default policy without -p) and supervise its whole process tree.\n"
		   "Exits with CMD's status; 128+N if CMD died of signal N; 125 if\n"
		   "sysgate failed (bad usage, bad policy, no filter); 126 if CMD is\n"
		   "not executable; 127 if CMD was not found.",
	.options = "  -p, --policy FILE  the policy (default: the built-in one, sysgate "
		   "default-policy)\n"
		   "  --mode MODE        enforce (default) or complain: log what enforce would\n"
		   "                     deny or kill, and let it run. Overrides the policy.\n"
		   "  --log SINK         stderr (default), syslog, audit, or a file (appended);\n"
		   "                     may be repeated. Overrides the policy's log = ...\n"
		   "  --log-format FMT   text (strace-like lines) or json (one object per line)\n"
		   "  --summary          print a table of decisions per syscall at exit\n"
		   "  --prompt           answer the policy's ask rules in this terminal (stdin\n"
		   "                     must be one); otherwise use sysgate prompt elsewhere\n"
		   "  -h, --help         this text\n",
	.main = cmd_run,
};
