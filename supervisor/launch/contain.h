#pragma once
/*
 * contain: the lifecycle of the tree `sysgate run` supervises, against the
 * tree itself. Trusted side: everything here runs in sysgate or in a helper
 * process of sysgate's that the tree cannot control.
 *
 * Where sysgate may create a PID namespace (CAP_SYS_ADMIN), the command is
 * forked into a new one whose init is a tiny helper of sysgate's, not under
 * the filter and tied to sysgate's life by PR_SET_PDEATHSIG. The command
 * stays sysgate's own child (its wait status is sysgate's to read, no relay
 * anyone could forge). When sysgate kills that init, or when sysgate dies and
 * the init with it, the kernel kills every process in the namespace: no
 * /proc, no fd, no cooperation of the tree needed. See contain.c for what the
 * namespace does and does not keep out.
 *
 * Without a namespace the tree is contained as before: PR_SET_PDEATHSIG on
 * the command, sysgate a child subreaper, and the rest of the tree killed
 * through a list of sysgate's children opened in advance.
 */
#include <stdbool.h>
#include <sys/types.h>

/* Threads: the main thread's alone (run.c). The forked init, relay and
 * command each work on their own copy. */
struct contain {
	bool relay; /* unprivileged: the forked child is a relay in a new user and pid
		     * namespace, which forks the init and the command */
	pid_t init; /* the namespace's init, as sysgate sees it; 0 without one */
	bool init_reaped;
	int alive_rd;	    /* a pipe only sysgate holds the write end of: its */
	int alive_wr;	    /*   hang-up tells a child that sysgate is gone */
	int back_fd;	    /* sysgate's own pid namespace, to return to after the fork */
	int children_fd;    /* without a namespace: /proc/self/task/TID/children */
	char why[160];	    /* without a namespace: why not */
	const char *failed; /* after -errno from contain_prepare: the step that failed */
	int report_fd;	    /* set by the caller before the fork: where the relay writes
			     * the step that failed (report.h), or -1 */
};

/* Empty, so that contain_done() may be called on it. */
#define CONTAIN_INIT                                                                               \
	{                                                                                          \
		.alive_rd = -1, .alive_wr = -1, .back_fd = -1, .children_fd = -1, .report_fd = -1  \
	}

/*
 * Call right before forking the command, from the main thread. 0 with the
 * namespace and its init in place (c->init > 0) and this thread's children
 * going into it, or 0 without one (c->init == 0, c->why says why, the caller
 * says so); -errno when nothing should run (the caller says c->failed and
 * fails with 125).
 */
int contain_prepare(struct contain *c);

/* In sysgate, right after the command's fork (whether it worked or not):
 * later threads and children belong to sysgate's own pid namespace again.
 * -errno if that failed: then kill the tree and fail. */
int contain_after_fork(struct contain *c);

/* In the forked command, first thing: drop what only sysgate may hold.
 * Returns in the command only; where a relay is needed (unprivileged), the
 * forked child becomes the relay and a failed step of it is written to
 * c->report_fd before it exits 125. Async-signal-safe calls only. */
void contain_in_child(struct contain *c);

/* reap() found pid: true if it was the namespace's init (the tree is then
 * being killed by the kernel). */
bool contain_reaped(struct contain *c, pid_t pid);

/* Kill the whole tree now, the command (child) included. Async-signal-safe
 * in spirit: no allocation, no new fd. */
void contain_kill_tree(struct contain *c, pid_t child);

/*
 * After the command has been reaped: kill whatever is left of the tree and
 * wait until it is gone. Needs no new file descriptor.
 */
void contain_end(struct contain *c, pid_t child);

/* Close what c holds. */
void contain_done(struct contain *c);
