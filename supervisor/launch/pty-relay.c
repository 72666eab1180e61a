/*
 * pty-relay: the relay thread of `sysgate run --prompt` (pty.h): it copies
 * between the person's terminal, the command's pty and the prompt's pty, and
 * routes keystrokes by who holds the focus. Trusted side; every fd it uses
 * is nonblocking, so a stalled terminal stalls this thread only. Threads:
 * pty-relay.h.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "sg-util.h"
#include "supervisor/launch/pty-relay.h"

/* ---- the relay ---- */

static size_t room(const struct buf *b)
{
	return sizeof(b->d) - b->len;
}

static void consume(struct buf *b, size_t n)
{
	memmove(b->d, b->d + n, b->len - n);
	b->len -= n;
}

/* Read what fd has into b: > 0 bytes, 0 nothing now, -EIO and such at hangup. */
static ssize_t fill(struct buf *b, int fd)
{
	ssize_t n;

	if (!room(b))
		return 0;
	n = read(fd, b->d + b->len, room(b));
	if (n > 0) {
		b->len += (size_t)n;
		return n;
	}
	if (n == 0)
		return -EIO; /* a hung-up tty reads as EOF */
	return errno == EAGAIN || errno == EINTR ? 0 : -errno;
}

/* Write what b holds to fd: 0, or -errno when fd is gone for good. */
static int flush_to(struct buf *b, int fd)
{
	ssize_t n;

	if (!b->len)
		return 0;
	n = write(fd, b->d, b->len);
	if (n > 0) {
		consume(b, (size_t)n);
		return 0;
	}
	return n < 0 && (errno == EAGAIN || errno == EINTR) ? 0 : -EIO;
}

static void copy_winsize(struct pty_relay *t)
{
	struct winsize ws;

	/* Setting it on a master sets the slave's and sends SIGWINCH to its
	 * foreground process group. */
	if (ioctl(t->term, TIOCGWINSZ, &ws) == 0) {
		ioctl(t->cmd_master, TIOCSWINSZ, &ws);
		ioctl(t->pr_master, TIOCSWINSZ, &ws);
	}
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct relay_state {
	struct buf out;	   /* for the terminal: the command's and the prompt's output */
	struct buf cmd_in; /* keystrokes for the command */
	struct buf pr_in;  /* keystrokes for the prompt */
	bool term_gone, cmd_hup;
	long hup_retry; /* with cmd_hup: when to look at the command's pty again */
	bool focus;
};

/* Keystrokes, sorted by who holds the focus. */
static void route_input(struct pty_relay *t, struct relay_state *s, const char *d, size_t n)
{
	unsigned char intr = t->have_saved ? t->saved.c_cc[VINTR] : 3;

	for (size_t i = 0; i < n; i++) {
		if (!s->focus) {
			if (room(&s->cmd_in))
				s->cmd_in.d[s->cmd_in.len++] = d[i];
			continue;
		}
		/* ^C while the prompt has the keyboard still interrupts the
		 * command, as it would on a terminal of its own, without its
		 * reading the byte. */
		if ((unsigned char)d[i] == intr && intr != _POSIX_VDISABLE) {
			int sig = SIGINT;

			ioctl(t->cmd_master, TIOCSIG, sig);
			continue;
		}
		if (room(&s->pr_in))
			s->pr_in.d[s->pr_in.len++] = d[i];
	}
}

static void read_terminal(struct pty_relay *t, struct relay_state *s)
{
	char d[RELAY_BUF];
	size_t max = MIN(sizeof(d), room(s->focus ? &s->pr_in : &s->cmd_in));
	ssize_t n;

	if (!max)
		return;
	n = read(t->term, d, max);
	if (n > 0) {
		route_input(t, s, d, (size_t)n);
		return;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	/* The person's terminal hung up: so does the command's, as it would
	 * have on the real one, and its output has nowhere to go. */
	s->term_gone = true;
	s->out.len = 0;
	ioctl(t->cmd_master, TIOCSIG, SIGHUP);
}

static void set_focus(struct pty_relay *t, struct relay_state *s)
{
	bool f = atomic_load(&t->focus);

	if (f == s->focus)
		return;
	s->focus = f;
	/* A half-typed answer of an ask that ended without it must not become
	 * the start of the next answer. */
	if (!f) {
		s->pr_in.len = 0;
		tcflush(t->pr_slave, TCIFLUSH);
	}
}

static void drain_eventfd(int fd)
{
	uint64_t v;

	while (read(fd, &v, sizeof(v)) == (ssize_t)sizeof(v))
		;
}

/* After stop: what is left for the terminal, until the command's pty hangs
 * up (its tree is gone) and the prompt's is empty, or the time is up. */
static void final_copy(struct pty_relay *t, struct relay_state *s)
{
	long end = now_ms() + DRAIN_MS;
	bool cmd_done = false;

	for (;;) {
		long left = end - now_ms();
		struct pollfd p[2] = {
			{.fd = t->term, .events = POLLOUT},
			{.fd = t->cmd_master, .events = POLLIN},
		};
		ssize_t k;

		while ((k = fill(&s->out, t->pr_master)) > 0)
			;
		if (!cmd_done) {
			k = fill(&s->out, t->cmd_master);
			if (k < 0)
				cmd_done = true;
		}
		if (s->term_gone)
			s->out.len = 0;
		if (flush_to(&s->out, t->term) < 0) {
			s->term_gone = true;
			s->out.len = 0;
		}
		if (cmd_done && !s->out.len)
			return;
		if (left <= 0)
			return;
		if (!s->out.len && !cmd_done)
			p[0].fd = -1;
		if (cmd_done || room(&s->out) == 0)
			p[1].fd = -1;
		if (p[0].fd < 0 && p[1].fd < 0)
			p[1].fd = t->cmd_master;
		poll(p, 2, (int)MIN(left, 50L));
	}
}

enum { P_WAKE, P_WINCH, P_TERM, P_CMD, P_PR, P_N };

/* What to wait for, by what the buffers hold and who has the focus; the
 * poll timeout. */
static int poll_set(const struct pty_relay *t, const struct relay_state *s, struct pollfd *p)
{
	const struct buf *in_buf = s->focus ? &s->pr_in : &s->cmd_in;

	p[P_WAKE] = (struct pollfd){.fd = t->wake, .events = POLLIN};
	p[P_WINCH] = (struct pollfd){.fd = t->winch, .events = POLLIN};
	/* An fd with nothing to wait for is left out: POLLHUP would come
	 * whatever the events. */
	p[P_TERM] = (struct pollfd){.fd = t->term};
	if (!s->term_gone && room(in_buf))
		p[P_TERM].events |= POLLIN;
	if (!s->term_gone && s->out.len)
		p[P_TERM].events |= POLLOUT;
	p[P_CMD] = (struct pollfd){.fd = t->cmd_master};
	/* While the prompt holds the focus the command's output waits in
	 * its pty: nothing it prints can pose as the prompt. */
	if (!s->focus && !s->cmd_hup && room(&s->out))
		p[P_CMD].events |= POLLIN;
	if (!s->cmd_hup && s->cmd_in.len)
		p[P_CMD].events |= POLLOUT;
	p[P_PR] = (struct pollfd){.fd = t->pr_master};
	if (room(&s->out))
		p[P_PR].events |= POLLIN;
	if (s->pr_in.len)
		p[P_PR].events |= POLLOUT;
	for (int i = P_TERM; i < P_N; i++)
		if (!p[i].events)
			p[i].fd = -1;
	return s->cmd_hup ? HUP_RETRY_MS : -1;
}

/* The command's output, when it has some or, hung up, now and then. */
static void read_command(struct pty_relay *t, struct relay_state *s, bool ready)
{
	if (!ready && !(s->cmd_hup && !s->focus && now_ms() >= s->hup_retry))
		return;
	/* EIO: no slave fd is open. The command may open /dev/tty again, so
	 * look now and then. */
	if (fill(&s->out, t->cmd_master) < 0) {
		s->cmd_hup = true;
		s->cmd_in.len = 0;
		s->hup_retry = now_ms() + HUP_RETRY_MS;
	} else {
		s->cmd_hup = false;
	}
}

/* Everything the buffers hold, to where it goes (as much as fits now). */
static void write_all(struct pty_relay *t, struct relay_state *s)
{
	if (s->cmd_in.len && !s->cmd_hup && flush_to(&s->cmd_in, t->cmd_master) < 0)
		s->cmd_in.len = 0;
	if (s->pr_in.len && flush_to(&s->pr_in, t->pr_master) < 0)
		s->pr_in.len = 0;
	if (s->term_gone) {
		s->out.len = 0;
	} else if (s->out.len && flush_to(&s->out, t->term) < 0) {
		s->term_gone = true;
		s->out.len = 0;
	}
}

/* One round: what poll said is ready, read in this order, then written. */
static void on_ready(struct pty_relay *t, struct relay_state *s, const struct pollfd *p)
{
	const short in = POLLIN | POLLHUP | POLLERR;

	if (p[P_WAKE].revents)
		drain_eventfd(t->wake);
	if (p[P_WINCH].revents) {
		struct signalfd_siginfo si;

		while (read(t->winch, &si, sizeof(si)) == (ssize_t)sizeof(si))
			;
		copy_winsize(t);
	}
	/* The focus may have changed while we slept: route by the new one. */
	set_focus(t, s);
	if (p[P_TERM].revents & in)
		read_terminal(t, s);
	if (p[P_PR].revents & in)
		fill(&s->out, t->pr_master);
	read_command(t, s, p[P_CMD].revents & in);
	write_all(t, s);
}

void *pty_relay_main(void *arg)
{
	struct pty_relay *t = arg;
	struct relay_state *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	while (!atomic_load(&t->stop)) {
		struct pollfd p[P_N];
		int timeout;

		set_focus(t, s);
		timeout = poll_set(t, s, p);
		if (poll(p, P_N, timeout) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		on_ready(t, s, p);
	}
	final_copy(t, s);
	free(s);
	return NULL;
}
