/*
 * pty: the command's own terminal under `sysgate run --prompt` (pty.h):
 * setting it up, the child's side, restoring the terminal; the relay
 * thread itself is pty-relay.c.
 *
 * Trust: the real terminal is the person's, and the inline prompt reads the
 * answers from it, so the supervised tree must hold no fd to it. The command
 * gets the slave of a new pty as its controlling terminal in a session of
 * its own; sysgate keeps the masters and relays on a thread of its own. The
 * command can write to its pty and read what the relay gives it, change its
 * own modes and size, TIOCSTI into its own input (the filter denies that
 * too): none of it reaches the real terminal or the prompt except as output
 * relayed while the prompt does not hold the focus.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "sg-exit.h"
#include "sg-util.h"
#include "supervisor/launch/pty-relay.h"
#include "supervisor/launch/pty.h"
#include "supervisor/launch/report.h"

/* ---- restoring the terminal on any exit ---- */

/* The relay whose terminal is raw, for the exit and crash handlers: set by
 * the main thread in pty_relay_start, taken (exchanged for NULL) by whoever
 * restores the terminal first. */
static struct pty_relay *_Atomic active;

static void restore_terminal(struct pty_relay *t)
{
	/* TCSANOW: TCSADRAIN would wait for a stalled terminal. */
	if (t->raw)
		tcsetattr(t->term, TCSANOW, &t->saved);
	if (t->excl)
		ioctl(t->term, TIOCNXCL);
	t->raw = t->excl = false;
}

static const int crash_signals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};
/* Written once by install_handlers (main thread) before the handlers can
 * run, read by them afterwards. */
static struct sigaction crash_old[ARRAY_SIZE(crash_signals)];

/* Put the person's terminal back, then let the old action (the default, or
 * a sanitizer's report) happen when the fault repeats or abort() re-raises.
 * tcsetattr and ioctl are async-signal-safe. */
static void on_crash(int sig)
{
	struct pty_relay *t = atomic_exchange(&active, NULL);

	if (t)
		restore_terminal(t);
	for (size_t i = 0; i < ARRAY_SIZE(crash_signals); i++)
		if (crash_signals[i] == sig)
			sigaction(sig, &crash_old[i], NULL);
}

static void at_exit(void)
{
	struct pty_relay *t = atomic_exchange(&active, NULL);

	if (t)
		restore_terminal(t);
}

static void install_handlers(void)
{
	static bool done;
	struct sigaction sa = {.sa_handler = on_crash, .sa_flags = SA_RESETHAND};

	if (done)
		return;
	done = true;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < ARRAY_SIZE(crash_signals); i++)
		sigaction(crash_signals[i], &sa, &crash_old[i]);
	atexit(at_exit);
}

/*
 * A SIGKILL leaves no handler to run: a small process of ours, outside the
 * supervised tree, holds the terminal and waits on a pipe whose write end
 * only sysgate has. EOF without a word first means sysgate died: it puts the
 * modes back and lifts TIOCEXCL. Forked while sysgate has no other thread
 * yet (before the relay and the session start); it makes only
 * async-signal-safe calls and execs nothing.
 */
static void start_guardian(struct pty_relay *t)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return;
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return;
	}
	if (pid == 0) {
		sigset_t none;
		char c;
		ssize_t n;

		/* In the background by the time it acts: tcsetattr must not
		 * stop it (SIGTTOU); and nothing of sysgate's is for it. */
		signal(SIGTTOU, SIG_IGN);
		signal(SIGHUP, SIG_IGN);
		signal(SIGINT, SIG_IGN);
		signal(SIGQUIT, SIG_IGN);
		signal(SIGTERM, SIG_DFL);
		/* It holds the real terminal: no pidfd_getfd or /proc/PID/fd
		 * from the command's side (same uid). */
		prctl(PR_SET_DUMPABLE, 0);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (dup2(t->term, 3) < 0 || dup2(p[0], 4) < 0)
			_exit(1);
		syscall(SYS_close_range, 5, ~0U, 0);
		close(0);
		close(1);
		close(2);
		do
			n = read(4, &c, 1);
		while (n < 0 && errno == EINTR);
		if (n == 0) {
			if (t->raw)
				tcsetattr(3, TCSANOW, &t->saved);
			if (t->excl)
				ioctl(3, TIOCNXCL);
		}
		_exit(0);
	}
	close(p[0]);
	t->guard = p[1];
}

/* sysgate put the terminal back itself: the guardian leaves it alone. Our
 * child: reaped by run's SIGCHLD handler, or killed with the rest of our
 * children at the end. */
static void stop_guardian(struct pty_relay *t)
{
	if (t->guard < 0)
		return;
	if (write(t->guard, "k", 1) < 0) {
		/* it is gone already */
	}
	t->guard = safe_close(t->guard);
}

/* ---- setting up ---- */

static int make_pty(const struct pty_relay *t, const struct winsize *ws, int *ret_master,
		    int *ret_slave)
{
	_cleanup_close_ int m = -1, s = -1;
	char name[64];

	m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
	if (m < 0)
		return -errno;
	if (grantpt(m) < 0 || unlockpt(m) < 0 || ptsname_r(m, name, sizeof(name)) != 0)
		return -errno;
	s = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (s < 0)
		return -errno;
	/* The modes the command would have had on the real terminal. */
	if (t->have_saved && tcsetattr(s, TCSANOW, &t->saved) < 0)
		return -errno;
	if (ws)
		ioctl(m, TIOCSWINSZ, ws);
	*ret_master = TAKE_FD(m);
	*ret_slave = TAKE_FD(s);
	return 0;
}

static void relay_close(struct pty_relay *t)
{
	t->term = safe_close(t->term);
	t->cmd_master = safe_close(t->cmd_master);
	t->cmd_slave = safe_close(t->cmd_slave);
	t->pr_master = safe_close(t->pr_master);
	t->pr_slave = safe_close(t->pr_slave);
	t->wake = safe_close(t->wake);
	t->winch = safe_close(t->winch);
}

/* r, with the step that failed in *ret. */
static int failed_at(const char **ret, const char *step, int r)
{
	*ret = step;
	return r;
}

/* Our own open file of the person's terminal, in the foreground: 0, -EBUSY
 * in the background, or -errno. */
static int open_terminal(struct pty_relay *t)
{
	struct stat st;

	/* An open file of our own: O_NONBLOCK must not reach the shell's. */
	t->term = open("/proc/self/fd/0", O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
	if (t->term < 0) {
		const char *name = ttyname(STDIN_FILENO);

		t->term = name ? open(name, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK) : -1;
	}
	if (t->term < 0 || fstat(t->term, &st) < 0)
		return -errno;
	t->term_rdev = st.st_rdev;
	/* In the background, changing the modes would stop us (SIGTTOU) and
	 * reading would, too (SIGTTIN). */
	if (tcgetpgrp(t->term) != getpgrp())
		return -EBUSY;
	t->have_saved = tcgetattr(t->term, &t->saved) == 0;
	return 0;
}

/* The relay's own fds: the wake eventfd, and SIGWINCH's signalfd. */
static int open_wakeups(struct pty_relay *t, const char **ret_failed)
{
	sigset_t winch;

	t->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (t->wake < 0)
		return failed_at(ret_failed, "eventfd", -errno);
	/* SIGWINCH stays pending for the relay's signalfd; threads started
	 * later inherit the mask, and the agent clears it for the command. */
	sigemptyset(&winch);
	sigaddset(&winch, SIGWINCH);
	pthread_sigmask(SIG_BLOCK, &winch, NULL);
	t->winch = signalfd(-1, &winch, SFD_CLOEXEC | SFD_NONBLOCK);
	if (t->winch < 0)
		return failed_at(ret_failed, "signalfd", -errno);
	return 0;
}

/* The terminal and both ptys; on failure *ret_failed names the step. */
static int open_all(struct pty_relay *t, const char **ret_failed)
{
	struct winsize ws;
	bool have_ws;
	int r;

	r = open_terminal(t);
	if (r < 0)
		return failed_at(ret_failed, "open the terminal", r);
	have_ws = ioctl(t->term, TIOCGWINSZ, &ws) == 0;
	r = make_pty(t, have_ws ? &ws : NULL, &t->cmd_master, &t->cmd_slave);
	if (r < 0)
		return failed_at(ret_failed, "the command's pty", r);
	r = make_pty(t, have_ws ? &ws : NULL, &t->pr_master, &t->pr_slave);
	if (r < 0)
		return failed_at(ret_failed, "the prompt's pty", r);
	/* The prompt's slave is /dev/pts/N of our uid, which the command
	 * shares: without this it could open it and read the answers. (Not
	 * the command's own pty: programs reopen /dev/tty.) */
	if (ioctl(t->pr_slave, TIOCEXCL) < 0)
		return failed_at(ret_failed, "TIOCEXCL on the prompt's pty", -errno);
	return open_wakeups(t, ret_failed);
}

int pty_relay_open(struct pty_relay **ret, const char **ret_failed)
{
	struct pty_relay *t;
	const char *failed = "?";
	int r;

	if (!isatty(STDIN_FILENO))
		return -ENOTTY;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	*t = (struct pty_relay){.term = -1,
				.cmd_master = -1,
				.cmd_slave = -1,
				.pr_master = -1,
				.pr_slave = -1,
				.wake = -1,
				.winch = -1,
				.guard = -1};
	r = open_all(t, &failed);
	if (r < 0) {
		relay_close(t);
		free(t);
		if (ret_failed)
			*ret_failed = failed;
		return r;
	}
	*ret = t;
	return 0;
}

/* ---- the child's side ---- */

/* The command must not run on the shared terminal when a prompt was asked
 * for: say which step failed (report.h) and exit 125. */
#define child_fail(report_fd, step, err)                                                           \
	launch_fail(report_fd, "--prompt: cannot give the command its own terminal (" step ")", err)

/* Is fd the real terminal: its device, or /dev/tty or /dev/console opened
 * while it was ours (TIOCGDEV names the device behind those)? */
static bool is_term(int fd, dev_t rdev)
{
	unsigned int dev;
	struct stat st;

	if (fstat(fd, &st) < 0 || !S_ISCHR(st.st_mode))
		return false;
	if (st.st_rdev == rdev)
		return true;
	return ioctl(fd, TIOCGDEV, &dev) == 0 && dev == (unsigned int)rdev;
}

struct dirent64_hdr {
	uint64_t ino;
	int64_t off;
	unsigned short reclen;
	unsigned char type;
	char name[];
};

/* Close every fd above 2 that is the real terminal: raw getdents64 and no
 * malloc, as this runs between fork and exec. */
static void close_term_fds(dev_t rdev)
{
	char buf[4096];
	int dir = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	long n;

	if (dir < 0)
		return; /* no /proc: fds 0-2 are done, which is what a shell passes */
	while ((n = syscall(SYS_getdents64, dir, buf, sizeof(buf))) > 0)
		for (long off = 0; off < n;) {
			const struct dirent64_hdr *d = (const void *)(buf + off);
			int fd = 0;
			const char *c = d->name;

			off += d->reclen;
			if (*c < '0' || *c > '9')
				continue;
			for (; *c >= '0' && *c <= '9'; c++)
				fd = fd * 10 + (*c - '0');
			if (fd > 2 && fd != dir && is_term(fd, rdev))
				close(fd);
		}
	close(dir);
}

void pty_child_attach(const struct pty_relay *t, int report_fd)
{
	/* A session of its own, without the person's terminal, then its
	 * own pty as the controlling terminal (and its foreground group). */
	if (setsid() < 0)
		child_fail(report_fd, "setsid", errno);
	if (ioctl(t->cmd_slave, TIOCSCTTY, 0) < 0)
		child_fail(report_fd, "TIOCSCTTY", errno);
	for (int fd = 0; fd <= 2; fd++)
		if (is_term(fd, t->term_rdev) && dup2(t->cmd_slave, fd) < 0)
			child_fail(report_fd, "dup2", errno);
	close_term_fds(t->term_rdev);
	if (t->cmd_slave > 2)
		close(t->cmd_slave);
	/* The rest is close-on-exec; closing it now keeps it from the agent. */
	close(t->term);
	close(t->cmd_master);
	close(t->pr_master);
	close(t->pr_slave);
	close(t->wake);
	close(t->winch);
}

int pty_relay_start(struct pty_relay *t)
{
	sigset_t all, old;
	int r;

	/* Ours no longer: the command's pty hangs up when its last fd closes. */
	t->cmd_slave = safe_close(t->cmd_slave);
	/* We hold the person's terminal now: the command (same uid) must not
	 * copy it out of us with pidfd_getfd or /proc/PID/fd. */
	prctl(PR_SET_DUMPABLE, 0);
	install_handlers();
	if (t->have_saved) {
		struct termios raw = t->saved;

		/* Raw input: every byte reaches the relay as typed, and ^C, ^Z
		 * and ^S act on the command's pty, not on sysgate. Output
		 * processing stays, so sysgate's own records and the prompt
		 * still start their lines at the left margin. */
		raw.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR |
					   ICRNL | IXON | IXOFF);
		raw.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
		raw.c_cc[VMIN] = 1;
		raw.c_cc[VTIME] = 0;
		atomic_store(&active, t); /* before: a crash right after restores */
		t->raw = tcsetattr(t->term, TCSANOW, &raw) == 0;
	}
	/* Nobody else opens the person's terminal while we relay it (the same
	 * uid could otherwise open /dev/pts/N and read the answers). */
	atomic_store(&active, t);
	t->excl = ioctl(t->term, TIOCEXCL) == 0;
	if (t->raw || t->excl)
		start_guardian(t);

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	r = -pthread_create(&t->thread, NULL, pty_relay_main, t);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r < 0) {
		atomic_store(&active, NULL);
		restore_terminal(t);
		stop_guardian(t);
		return r;
	}
	t->running = true;
	return 0;
}

int pty_relay_prompt_fd(const struct pty_relay *t)
{
	return t->pr_slave;
}

void pty_relay_focus(void *relay, bool prompt)
{
	struct pty_relay *t = relay;
	uint64_t one = 1;

	atomic_store(&t->focus, prompt);
	if (write(t->wake, &one, sizeof(one)) < 0) {
		/* The counter is full: the relay is awake anyway. */
	}
}

void pty_relay_stop(struct pty_relay *t)
{
	uint64_t one = 1;

	if (!t || t->stopped)
		return;
	t->stopped = true;
	if (t->running) {
		atomic_store(&t->stop, true);
		if (write(t->wake, &one, sizeof(one)) < 0) {
			/* full: awake anyway */
		}
		/* Bounded: the relay's fds are all nonblocking, and its final
		 * copy gives up after DRAIN_MS. */
		pthread_join(t->thread, NULL);
		t->running = false;
	}
	atomic_store(&active, NULL);
	restore_terminal(t);
	stop_guardian(t);
	/* Closing the masters hangs up both slaves: a prompt blocked writing
	 * to its pty gets EIO and ends. */
	t->cmd_master = safe_close(t->cmd_master);
	t->pr_master = safe_close(t->pr_master);
}

void pty_relay_free(struct pty_relay *t)
{
	if (!t)
		return;
	pty_relay_stop(t);
	relay_close(t);
	free(t);
}
