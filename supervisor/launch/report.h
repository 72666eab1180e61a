#pragma once
/*
 * report: a step that failed in the forked child before the agent took over
 * (the relay's unshare, the pty's setsid, ...). launch/ never prints: the
 * child writes what failed to a pipe of sysgate's and exits 125, and run.c,
 * which knows what the person asked for, says it. Trusted side on both ends.
 */
#include <stdbool.h>

struct launch_failure {
	int err;       /* the errno */
	char what[96]; /* the step, as a phrase: "cannot contain the command's tree: unshare" */
};

/*
 * In the child: write what failed to fd (when fd >= 0) and _exit(125).
 * Async-signal-safe (between fork and exec): one write(2) of less than
 * PIPE_BUF, so that the reader gets all of it or nothing.
 */
_Noreturn void launch_fail(int fd, const char *what, int err);

/* In sysgate, once the child is gone: true with *ret filled if it wrote a
 * failure to the read end fd (which is O_NONBLOCK), false if not. */
bool launch_failure_read(int fd, struct launch_failure *ret);
