#pragma once
/*
 * pty-relay: what pty.c and the relay thread (pty-relay.c) share inside
 * launch/; not for other rooms, which use pty.h. Trusted side.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <termios.h>

#define RELAY_BUF 4096
/* How long the final copy may take: the terminal may be stalled for good. */
#define DRAIN_MS 1000
/* With the command's pty hung up (every slave fd closed), look again this
 * often: the command may reopen /dev/tty. */
#define HUP_RETRY_MS 200

struct buf {
	size_t len;
	char d[RELAY_BUF];
};

/*
 * Threads: the main thread creates, starts, stops and frees the relay
 * (pty_relay_open/start/stop/free); nothing else writes its fields. While
 * running is true the relay thread (pty_relay_main) uses the fds and reads the
 * rest; the fields are not changed under it, so it needs no lock. focus and
 * stop are atomics written from other threads: focus by the prompt's thread
 * (pty_relay_focus, which then writes to the wake eventfd, safe from any
 * thread), stop by the main thread before it joins the relay. raw and excl
 * are cleared by restore_terminal(), which runs on the main thread after the
 * join, or in a crash handler on whichever thread crashed: the atomic
 * exchange of `active` lets only one of them have the relay. The guardian is
 * a forked process with a copy of the struct as it was at the fork (raw,
 * excl and saved set by then); it shares nothing else with sysgate but a
 * pipe. No lock anywhere, so none is held over the relay's I/O.
 */
struct pty_relay {
	int term;	      /* the real terminal: our own open file, O_NONBLOCK */
	dev_t term_rdev;      /* to recognise it among the child's fds */
	struct termios saved; /* its modes when we found it */
	bool have_saved, raw, excl;
	int cmd_master, cmd_slave; /* the command's pty */
	int pr_master, pr_slave;   /* the prompt's pty */
	int wake;		   /* eventfd: focus changed, or stop */
	int winch;		   /* signalfd for SIGWINCH */
	atomic_bool focus;	   /* the prompt holds the keyboard */
	atomic_bool stop;
	bool running, stopped;
	pthread_t thread;
	int guard; /* write end of the guardian's pipe (see start_guardian) */
};

/* The relay thread's body: pthread_create(..., pty_relay_main, t). */
void *pty_relay_main(void *arg);
