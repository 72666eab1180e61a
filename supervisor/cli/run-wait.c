/*
 * sysgate run, while the command runs: the main thread's event loop reads
 * the forwarded signals and SIGCHLD and watches the session's thread; when
 * the command has been reaped, its wait status becomes sysgate's exit
 * status. Trusted side; everything here runs on the main thread (run.h).
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sg-util.h"
#include "supervisor/cli/cli.h"
#include "supervisor/cli/run.h"
#include "supervisor/core/loop.h"
#include "supervisor/core/session.h"
#include "supervisor/launch/contain.h"
#include "supervisor/log/diag.h"

int run_exit_status(int status)
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
	diag(DIAG_ERROR, "cannot serve the listener: %s; killing the supervised processes",
	     strerror(-session_error(run->session)));
	contain_kill_tree(&run->contain, run->child_done ? 0 : run->child);
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
		contain_reaped(&run->contain, pid);
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

	(void)events;
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

int run_wait(struct run *run)
{
	int r;

	r = loop_add(run->loop, run->done_fd, EPOLLIN, on_session_done, run);
	if (r < 0)
		return diag_errno(DIAG_ERROR, r, "cannot watch the session's thread");
	r = loop_add(run->loop, run->sigfd, EPOLLIN, on_signal, run);
	if (r < 0)
		return diag_errno(DIAG_ERROR, r, "cannot watch the signalfd");
	reap(run); /* a SIGCHLD may have come before the loop */

	r = loop_run(run->loop);
	if (r < 0) {
		/* Fail closed: a supervisor that cannot serve ends the tree. */
		diag(DIAG_ERROR, "the event loop failed: %s; killing the supervised processes",
		     strerror(-r));
		contain_kill_tree(&run->contain, run->child_done ? 0 : run->child);
	}
	if (!run->child_done) {
		waitpid(run->child, &run->child_status, 0);
		run->child_done = true;
	}
	return 0;
}

void run_report_exec(struct run *run, int ret)
{
	const struct policy *p = run->policy;
	int err = 0;

	if (read(run->status_pipe[0], &err, sizeof(err)) == (ssize_t)sizeof(err) && err > 0)
		diag_errno(DIAG_ERROR, err, "cannot execute %s", run->args.cmd[0]);
	else if ((ret == EXIT_CANNOT_EXEC || ret == EXIT_NOT_FOUND) &&
		 (p->dflt.kind == DECISION_DENY || p->dflt.kind == DECISION_KILL) &&
		 !policy_section_for(p, "execve"))
		/* The agent's own report was denied too. */
		diag(DIAG_ERROR,
		     "%s could not be executed: the policy's default is %s and no section "
		     "allows execve",
		     run->args.cmd[0], policy_decision_name(p->dflt.kind));
}
