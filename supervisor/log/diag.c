/*
 * diag: sysgate's own messages, one write(2) per line, on the trusted side.
 * A caller escapes (log_escape) whatever the target controls before it
 * reaches a message: diag writes what it is given.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sg-util.h"
#include "supervisor/log/diag.h"

/* Set once by diag_setup before threads start; read-only afterwards. */
static const char *diag_who = "sysgate";
static enum diag_level diag_max = DIAG_NOTICE;
/* Flipped by run's main thread while log writers may print: atomics. */
static atomic_bool diag_nonblocking;
static atomic_ulong diag_lost;
/* Set by a thread for itself (diag_thread_nonblocking). */
static _Thread_local bool diag_thread_nb;

void diag_setup(const char *who, enum diag_level max)
{
	const char *dbg = getenv("SYSGATE_DEBUG");

	if (who)
		diag_who = who;
	diag_max = max;
	if (dbg && *dbg && !streq(dbg, "0"))
		diag_max = DIAG_DEBUG;
}

void diag_set_nonblocking(bool on)
{
	atomic_store(&diag_nonblocking, on);
}

void diag_thread_nonblocking(bool on)
{
	diag_thread_nb = on;
}

unsigned long diag_dropped(void)
{
	return atomic_load(&diag_lost);
}

static void emit(const char *line, size_t len)
{
	size_t off = 0;

	while (off < len) {
		ssize_t n;

		if (diag_thread_nb || atomic_load(&diag_nonblocking)) {
			struct pollfd p = {.fd = STDERR_FILENO, .events = POLLOUT};

			if (poll(&p, 1, 100) <= 0 || !(p.revents & POLLOUT)) {
				atomic_fetch_add(&diag_lost, 1);
				return;
			}
		}
		n = write(STDERR_FILENO, line + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			atomic_fetch_add(&diag_lost, 1);
			return;
		}
		off += (size_t)n;
	}
}

static void vdiag(enum diag_level lvl, int err, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
static void vdiag(enum diag_level lvl, int err, const char *fmt, va_list ap)
{
	/* PIPE_BUF: one write that no other writer to the pipe can split. */
	char line[4096];
	size_t len;
	int n;

	if (lvl > diag_max)
		return;
	n = snprintf(line, sizeof(line), "%s: %s", diag_who,
		     lvl == DIAG_WARNING ? "warning: "
		     : lvl == DIAG_DEBUG ? "debug: "
					 : "");
	len = n < 0 ? 0 : MIN((size_t)n, sizeof(line) - 1);
	n = vsnprintf(line + len, sizeof(line) - len, fmt, ap);
	len = n < 0 ? len : MIN(len + (size_t)n, sizeof(line) - 1);
	if (err) {
		n = snprintf(line + len, sizeof(line) - len, ": %s",
			     strerror(err < 0 ? -err : err));
		len = n < 0 ? len : MIN(len + (size_t)n, sizeof(line) - 1);
	}
	/* A message cut short still ends its line. */
	if (len == sizeof(line) - 1)
		len--;
	line[len++] = '\n';
	emit(line, len);
}

void diag(enum diag_level lvl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdiag(lvl, 0, fmt, ap);
	va_end(ap);
}

int diag_errno(enum diag_level lvl, int err, const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	vdiag(lvl, err, fmt, ap);
	va_end(ap);
	errno = saved;
	return err < 0 ? err : -err;
}
