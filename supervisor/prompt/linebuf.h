#pragma once
/*
 * prompt/linebuf: bytes from a stream (the control socket, the terminal),
 * cut into lines, with a bound on a line. The client's side: what the
 * supervisor or the person sends is held to the limit, never grown to it.
 * One session's, on its one thread.
 */
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Bytes from a stream, cut at '\n'. A line longer than cap - 1 bytes is
 * dropped whole (up to its newline), never split into two lines. */
struct linebuf {
	char *buf; /* cap + 1 bytes: room to terminate a last line without '\n' */
	size_t cap, len, pos;
	bool skipping; /* inside a line that was too long */
};

int lb_init(struct linebuf *lb, size_t max_line); /* 0 or -ENOMEM */
void lb_done(struct linebuf *lb);
/* > 0 bytes read, 0 at EOF, -errno. Call when lb_next() has no complete line. */
ssize_t lb_read(struct linebuf *lb, int fd);
/* 1 with the next complete line (NUL-terminated, no '\n'), valid until the
 * next call; 0 when none is complete; -E2BIG once per line that is too long. */
int lb_next(struct linebuf *lb, char **ret_line);
/* At EOF: the last line if it had no '\n', else NULL. */
char *lb_rest(struct linebuf *lb);
/* A complete line is waiting. */
bool lb_has_line(const struct linebuf *lb);
