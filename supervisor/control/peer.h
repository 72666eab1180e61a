#pragma once
/*
 * control/peer: judging the peer of a new control connection, and saying
 * so. Trusted side; the peer is anyone of our uid (or root) who can reach
 * the socket, the supervised command included, so every fact about it is
 * the kernel's (SO_PEERCRED, SO_PEERPIDFD, /proc verified against pidfds),
 * never its own. Used only on the main thread's event loop.
 */
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>

/* What peers are judged against, and the refusal log's rate limit. Owned by
 * the control socket; main thread only. */
struct peer_judge {
	int self_seccomp, self_filters; /* our own seccomp state */
	bool proc_ok;			/* /proc shows our own pid as getpid() */
	long log_window_ms;
	unsigned log_count, log_suppressed;
};

static inline long control_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Fill j from our own /proc/self/status. -errno with *ret_why. */
int peer_self_check(struct peer_judge *j, const char **ret_why);

/*
 * May the peer of a new connection fd (of an allowed uid) be served? 0 if
 * so; otherwise -EPERM with *ret_closed (a short reason key) and *ret_why
 * (a sentence, in buf) for the client and the log.
 */
int peer_check(const struct peer_judge *j, int fd, const struct ucred *cred, char *buf, size_t size,
	       const char **ret_closed, const char **ret_why);

/* "sysgate: control: TEXT" (diag), at most 10 lines per 10 s; the rest are
 * counted and their number said once the window passes or peer_log_done(). */
void peer_log(struct peer_judge *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void peer_log_done(struct peer_judge *j);

/* The last word to a connection we do not serve: {"ok":false,"error":WHY,
 * "closed":KEY}, without blocking (it fits an empty socket buffer). */
void peer_send_last_line(int fd, const char *closed, const char *why);
