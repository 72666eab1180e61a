/*
 * sysgate run: launch a command under a filter built from a policy and
 * supervise its whole process tree. This file is the sequence; run.h lists
 * the files that do each step. Trusted side.
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
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
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
#include "supervisor/log/diag.h"
#include "supervisor/log/log.h"

/* The policy compiled, CMD found and the log open: 0, or the exit status
 * after saying what failed. Nothing of CMD runs unless all of it worked. */
static int run_load(struct run *run)
{
	const char *name = run->args.policy_file ? run->args.policy_file : POLICY_DEFAULT_NAME;
	const char *bad = NULL;
	int r;

	run->policy = cli_load_policy(run->args.policy_file);
	if (!run->policy)
		return EXIT_SYSGATE_FAILED;
	run_merge_policy(&run->args, run->policy);

	r = policy_compile(run->policy, &run->filter);
	if (r < 0) {
		diag_errno(DIAG_ERROR, r, "%s: cannot compile the filter", name);
		return EXIT_SYSGATE_FAILED;
	}
	if (run->filter.len > 0xffff) {
		diag(DIAG_ERROR, "%s: the filter is too large (%zu instructions)", name,
		     run->filter.len);
		return EXIT_SYSGATE_FAILED;
	}

	r = agent_find_command(run->args.cmd[0], run->exe, sizeof(run->exe));
	if (r < 0) {
		diag_errno(DIAG_ERROR, r, "cannot run %s", run->args.cmd[0]);
		return EXIT_FOR_EXEC_ERRNO(-r);
	}

	r = log_open(&run->log, run->args.sinks, run->args.n_sinks,
		     streq(run->args.format, "json") ? LOG_JSON : LOG_TEXT, run->args.summary,
		     &bad);
	if (r < 0) {
		diag_errno(DIAG_ERROR, r, "cannot open the log sink %s", bad ? bad : "?");
		return EXIT_SYSGATE_FAILED;
	}
	if (run->policy->log_full) /* stderr and terminals drop whatever it says */
		log_set_full(run->log,
			     streq(run->policy->log_full, "drop") ? LOG_FULL_DROP : LOG_FULL_BLOCK);
	return 0;
}

/* The command ended: whatever is left of the tree goes, then what served it. */
static void run_end(struct run *run)
{
	/* With no new fd (contain.c). */
	contain_end(&run->contain, run->child);
	session_stop(run->session);
	control_shutdown_asks(run->control);
	control_close(run->control); /* the inline prompt sees the end and returns */
	run->control = NULL;
	inline_prompt_stop(&run->ip);
	ask_queue_free(run->asks);
	run->asks = NULL;
}

/* Release everything, in one order whatever step failed. */
static void run_done(struct run *run)
{
	contain_kill_tree(&run->contain, 0);
	contain_end(&run->contain, run->child);
	contain_done(&run->contain);
	session_stop(run->session);
	control_close(run->control);
	inline_prompt_stop(&run->ip);
	ask_queue_free(run->asks);
	loop_free(run->loop);
	session_free(run->session);
	safe_close(run->listener);
	safe_close(run->sigfd);
	for (int i = 0; i < 2; i++) {
		safe_close(run->sv[i]);
		safe_close(run->status_pipe[i]);
		safe_close(run->launch_pipe[i]);
	}
	log_close(run->log);
	policy_filter_done(&run->filter);
	policy_free(run->policy);
	free(run->policy_text);
}

static int run_main(struct run *run)
{
	int r, ret;

	r = run_load(run);
	if (r != 0)
		return r;
	r = run_prepare_signals(run);
	if (r == 0)
		r = run_start_command(run);
	if (r == 0)
		r = run_start_supervision(run);
	if (r == 0)
		r = run_wait(run);
	if (r < 0) {
		/* Each step said what failed; the tree must not run on. */
		if (run->child > 0 && !run->child_done) {
			contain_kill_tree(&run->contain, run->child);
			waitpid(run->child, NULL, 0);
		}
		return EXIT_SYSGATE_FAILED;
	}
	run_end(run);
	ret = run_exit_status(run->child_status);
	run_report_exec(run, ret);
	if (run->args.summary)
		log_summary_print(run->log, stderr);
	return ret;
}

int cmd_run(int argc, char **argv)
{
	struct run run = RUN_INIT;
	int ret = run_parse(argc, argv, &run.args);

	if (ret >= 0)
		return ret;
	ret = run_main(&run);
	run_done(&run);
	if (diag_dropped() > 0)
		diag(DIAG_WARNING, "%lu of sysgate's messages could not be written to stderr",
		     diag_dropped());
	return ret;
}
