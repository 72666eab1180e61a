#pragma once
/*
 * run: the parts of `sysgate run`, one file per job. Trusted side: all of it
 * runs in sysgate, except what run-start.c does in the forked child before
 * the agent takes over.
 *
 *   run-options.c  the options, and their merge with the policy's [sysgate]
 *   run.c          the sequence: load, compile, start, supervise, end
 *   run-start.c    setting up and starting the command (fork, handover)
 *   run-prompt.c   --prompt: the command's own terminal, the inline prompt
 *   run-wait.c     waiting: signals forwarded, children reaped, exit status
 */
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "policy/policy.h"
#include "supervisor/launch/contain.h"
#include "supervisor/target/target.h"

struct ask_queue;
struct control;
struct logger;
struct loop;
struct pty_relay;
struct session;

#define RUN_MAX_SINKS 8

/*
 * What the command line asked for, merged with the policy's [sysgate] (the
 * command line wins). Written by run_parse() and run_merge_policy() on the
 * main thread before anything starts; read-only afterwards. The strings
 * point into argv or into the policy, which outlive the run.
 */
struct run_args {
	const char *policy_file;	  /* -p FILE, or NULL: the built-in policy */
	const char *mode;		  /* --mode as given, or NULL */
	const char *format;		  /* --log-format, else the policy's, else "text" */
	const char *sinks[RUN_MAX_SINKS]; /* --log..., else the policy's, else stderr */
	size_t n_sinks;
	bool summary, prompt;
	char **cmd;		/* CMD and its arguments (argv after the options) */
	enum policy_mode pmode; /* the mode after the merge */
};

/*
 * --prompt: the prompt client on a thread of its own, over our own control
 * socket, and the command on a pty of its own (launch/pty.h).
 *
 * Threads: the main thread owns this struct and is the only one to write
 * its fields (inline_prompt_open/start/stop). The prompt thread, while
 * running is true, uses sock, out and pty (through pty_relay_prompt_fd and
 * pty_relay_focus, which are safe from any thread). The main thread touches
 * them again only to tell it to end (shutdown(sock), then stopping the relay
 * hangs its pty up) and, once it has been joined, to close them. No lock.
 */
struct inline_prompt {
	pthread_t thread;
	bool running; /* the thread was started and not yet joined */
	int sock;     /* connected to our control socket, or -1 */
	FILE *out;    /* the prompt's side of its pty, fully buffered */
	struct pty_relay *pty;
};

/*
 * One `sysgate run`: everything it holds, so that one function (run_done)
 * releases it in one order whatever step failed.
 *
 * Threads: the main thread owns this struct and every field. Other threads
 * are reached only through the objects' own APIs: the session's thread
 * through session (session.h says what is shared), the log's writers through
 * log, the prompt and pty relay threads through ip. The session's thread
 * reads policy and view (never written after the start) and uses log and
 * asks until session_stop(), which run_end() and run_done() call before any
 * of them is freed. The event loop's handlers (run-wait.c) run on the main
 * thread.
 */
struct run {
	struct run_args args;
	struct policy *policy;
	struct policy_filter filter;
	char exe[PATH_MAX]; /* CMD resolved as execvp would */
	struct logger *log;
	struct ask_queue *asks;
	struct target_view view;
	struct control *control;
	char *policy_text; /* the policy as loaded, for the control socket */
	struct loop *loop;
	struct session *session;
	struct contain contain;
	struct inline_prompt ip;
	int sigfd;	    /* the forwarded signals and SIGCHLD */
	int done_fd;	    /* the session's thread ended (owned by the session) */
	int sv[2];	    /* the handover socket: ours, the agent's */
	int status_pipe[2]; /* the agent's exec errno (agent.h) */
	int launch_pipe[2]; /* a failed step before the agent (launch/report.h) */
	int listener;	    /* from the agent, until the session takes it */
	pid_t child;	    /* the forked command (or the relay, contain.c) */
	bool child_done;    /* reaped; child_status is its wait status */
	int child_status;
	bool own_group; /* the command leads a process group of its own */
};

#define RUN_INIT                                                                                   \
	{                                                                                          \
		.contain = CONTAIN_INIT, .ip = {.sock = -1}, .sigfd = -1, .done_fd = -1,           \
		.sv = {-1, -1}, .status_pipe = {-1, -1}, .launch_pipe = {-1, -1}, .listener = -1,  \
		.child = -1                                                                        \
	}

/* run-options.c */
/* -1 to go on with a filled *ret; otherwise the exit status (0 after --help). */
int run_parse(int argc, char **argv, struct run_args *ret);
/* Fill in what the command line left to the policy. */
void run_merge_policy(struct run_args *a, const struct policy *p);
/* The policy as loaded (the built-in one when file is NULL), or NULL. */
char *run_policy_text(const struct policy *p);

/* run-start.c: each 0, or -errno after saying which step failed. */
/* The signals, the signalfd and the pipes to the child; before the fork. */
int run_prepare_signals(struct run *run);
/* Fork the command and receive its listener (the command then runs). */
int run_start_command(struct run *run);
/* The session, the asks, the control socket, the inline prompt. */
int run_start_supervision(struct run *run);

/* run-prompt.c */
/* Before fork: the command's own terminal, if one can be made; says why not. */
void inline_prompt_open(struct inline_prompt *ip);
/* After fork: relay the terminal, start the prompt on the control socket at
 * path (NULL: there is none). 0, or -errno after saying what failed. */
int inline_prompt_start(struct inline_prompt *ip, const char *path);
void inline_prompt_stop(struct inline_prompt *ip);

/* run-wait.c */
/* Serve until the command has been reaped (or the loop failed: then the
 * tree is killed). 0, or -errno after saying what failed to start. */
int run_wait(struct run *run);
/* The exit status for the command's wait status. */
int run_exit_status(int status);
/* After it ended: why the command could not run, if it could not. */
void run_report_exec(struct run *run, int ret);
