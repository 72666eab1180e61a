/*
 * attack-sinks: a command that stalls what its supervisor writes to.
 *
 *   attack-sinks [--stop-tty] [--resume-tty] --calls N --dir DIR [--wait FILE]
 *
 * --stop-tty stops output on the terminal on fd 2 (tcflow TCOOFF, what
 * Ctrl-S does): fd 2 is sysgate's stderr too, so every write sysgate makes
 * there blocks until someone restarts it. Then N calls of mkdir(DIR/none/I)
 * (ENOENT: DIR/none does not exist), each of which the test's policy logs,
 * so each makes sysgate write a record; after each, "call I = R" on stdout
 * (a file), so the test sees every answer. Then "done", then --resume-tty
 * restarts the terminal ("resumed"), then it waits for FILE to exist (or, without
 * --wait, for a signal). A FIFO log sink nobody reads is the same attack
 * from outside; the test sets that up.
 *
 * The other side of the trust boundary: libc only.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	bool stop = false, resume = false;
	const char *dir = NULL, *wait = NULL;
	long calls = 0;
	char path[4096];

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--stop-tty"))
			stop = true;
		else if (!strcmp(argv[i], "--resume-tty"))
			resume = true;
		else if (!strcmp(argv[i], "--calls") && i + 1 < argc)
			calls = atol(argv[++i]);
		else if (!strcmp(argv[i], "--dir") && i + 1 < argc)
			dir = argv[++i];
		else if (!strcmp(argv[i], "--wait") && i + 1 < argc)
			wait = argv[++i];
		else
			return 2;
	}
	if (!dir)
		return 2;
	if (stop) {
		if (tcflow(STDERR_FILENO, TCOOFF) < 0) {
			dprintf(STDOUT_FILENO, "tcflow: %s\n", strerror(errno));
			return 3;
		}
		dprintf(STDOUT_FILENO, "stopped\n");
	}
	for (long i = 0; i < calls; i++) {
		long r;

		snprintf(path, sizeof(path), "%s/none/%ld", dir, i);
		r = mkdir(path, 0700) < 0 ? -errno : 0;
		/* dprintf: one write(2) per line, on disk when the test looks. */
		dprintf(STDOUT_FILENO, "call %ld = %ld\n", i, r);
	}
	dprintf(STDOUT_FILENO, "done\n");
	if (resume) {
		if (tcflow(STDERR_FILENO, TCOON) < 0)
			return 4;
		dprintf(STDOUT_FILENO, "resumed\n");
	}
	if (wait) {
		struct stat st;

		while (stat(wait, &st) < 0)
			usleep(10 * 1000);
	} else {
		for (;;)
			pause();
	}
	return 0;
}
