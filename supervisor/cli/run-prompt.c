/*
 * sysgate run --prompt: the prompt client on a thread of its own, talking to
 * our own control socket like any other client (the main loop serves it).
 * Only when stdin is a terminal and sysgate its foreground job. The command
 * then runs on a pseudo-terminal of its own (launch/pty.h): it shares nothing
 * of the person's terminal with the prompt, which has a pty of its own too,
 * and a relay thread sends the keyboard to the prompt while a call waits for
 * an answer, to the command otherwise. Trusted side; threads: run.h.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "sg-util.h"
#include "supervisor/cli/run.h"
#include "supervisor/launch/pty.h"
#include "supervisor/log/diag.h"
#include "supervisor/prompt/prompt.h"

/* The prompt thread: it owns ip->sock and ip->out until it returns. */
static void *inline_prompt_main(void *arg)
{
	struct inline_prompt *ip = arg;
	int fd = pty_relay_prompt_fd(ip->pty);

	prompt_session_focus(ip->sock, fd, ip->out, pty_relay_focus, ip->pty);
	fflush(ip->out);
	return NULL;
}

void inline_prompt_open(struct inline_prompt *ip)
{
	const char *failed = "?";
	int r = pty_relay_open(&ip->pty, &failed);

	if (r == -ENOTTY)
		diag(DIAG_ERROR, "--prompt needs a terminal on stdin; use sysgate prompt");
	else if (r == -EBUSY)
		diag(DIAG_ERROR, "--prompt needs to run in the foreground of its terminal; "
				 "use sysgate prompt");
	else if (r < 0)
		diag_errno(DIAG_ERROR, r, "--prompt: cannot make a terminal for the command (%s)",
			   failed);
}

/* Our control socket at path, connected; the stream to the prompt's pty. */
static int connect_prompt(struct inline_prompt *ip, const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = dup(pty_relay_prompt_fd(ip->pty));

	if (fd < 0)
		return diag_errno(DIAG_ERROR, errno, "--prompt: cannot duplicate its terminal");
	ip->out = fdopen(fd, "w");
	if (!ip->out) {
		safe_close(fd);
		return diag_errno(DIAG_ERROR, errno, "--prompt: cannot open its terminal");
	}
	ip->sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (ip->sock < 0)
		return diag_errno(DIAG_ERROR, errno, "--prompt: cannot create a socket");
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (connect(ip->sock, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		ip->sock = safe_close(ip->sock);
		return diag_errno(DIAG_ERROR, errno, "--prompt: cannot connect to %s", path);
	}
	return 0;
}

int inline_prompt_start(struct inline_prompt *ip, const char *path)
{
	sigset_t all, old;
	int r;

	if (!ip->pty)
		return 0;
	r = pty_relay_start(ip->pty);
	if (r < 0)
		return diag_errno(DIAG_ERROR, r, "--prompt: cannot relay the command's terminal");
	if (!path)
		return 0;
	if (connect_prompt(ip, path) < 0) {
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
	r = pthread_create(&ip->thread, NULL, inline_prompt_main, ip);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	ip->running = r == 0;
	if (r != 0)
		diag_errno(DIAG_ERROR, r, "--prompt: cannot start the prompt's thread");
	return 0;
}

/* Join the prompt's thread within 2 s; false if it did not return. */
static bool join_bounded(struct inline_prompt *ip)
{
	struct timespec end;

	clock_gettime(CLOCK_REALTIME, &end);
	end.tv_sec += 2;
	if (pthread_timedjoin_np(ip->thread, NULL, &end) != 0)
		return false;
	ip->running = false;
	return true;
}

void inline_prompt_stop(struct inline_prompt *ip)
{
	if (ip->running) {
		/* Its socket's peer is closed by now: it reads EOF, says so and
		 * returns, while the relay still copies that to the terminal.
		 * Bounded: a stalled terminal can hold its writes, and then
		 * stopping the relay hangs its pty up, which fails them. */
		shutdown(ip->sock, SHUT_RDWR);
		join_bounded(ip);
	}
	pty_relay_stop(ip->pty);
	if (ip->running && !join_bounded(ip))
		return; /* leave its fds alone; we are about to exit */
	if (ip->out)
		fclose(ip->out);
	ip->out = NULL;
	ip->sock = safe_close(ip->sock);
	pty_relay_free(ip->pty);
	ip->pty = NULL;
}
