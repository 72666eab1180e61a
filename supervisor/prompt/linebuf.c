/* prompt/linebuf: lines from a stream, bounded (linebuf.h). Client side. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "supervisor/prompt/linebuf.h"

int lb_init(struct linebuf *lb, size_t max_line)
{
	lb->cap = max_line + 1;
	lb->buf = malloc(lb->cap + 1);
	lb->len = lb->pos = 0;
	lb->skipping = false;
	return lb->buf ? 0 : -ENOMEM;
}

void lb_done(struct linebuf *lb)
{
	free(lb->buf);
	lb->buf = NULL;
}

/* > 0 bytes read, 0 at EOF, -errno. Call when lb_next() has no complete line:
 * what is left then is shorter than cap, so there is room. */
ssize_t lb_read(struct linebuf *lb, int fd)
{
	ssize_t n;

	memmove(lb->buf, lb->buf + lb->pos, lb->len - lb->pos);
	lb->len -= lb->pos;
	lb->pos = 0;
	do
		n = read(fd, lb->buf + lb->len, lb->cap - lb->len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	lb->len += (size_t)n;
	return n;
}

/* 1 with the next complete line (NUL-terminated, no '\n'), valid until the
 * next call; 0 when none is complete; -E2BIG once per line that is too long. */
int lb_next(struct linebuf *lb, char **ret_line)
{
	for (;;) {
		char *start = lb->buf + lb->pos;
		char *nl = memchr(start, '\n', lb->len - lb->pos);

		if (!nl) {
			memmove(lb->buf, start, lb->len - lb->pos);
			lb->len -= lb->pos;
			lb->pos = 0;
			if (lb->len == lb->cap) {
				lb->len = 0;
				if (!lb->skipping) {
					lb->skipping = true;
					return -E2BIG;
				}
			}
			return 0;
		}
		*nl = '\0';
		lb->pos = (size_t)(nl + 1 - lb->buf);
		if (lb->skipping) {
			lb->skipping = false;
			continue;
		}
		*ret_line = start;
		return 1;
	}
}

/* At EOF: the last line if it had no '\n', else NULL. */
char *lb_rest(struct linebuf *lb)
{
	char *start = lb->buf + lb->pos;

	if (lb->skipping || lb->len == lb->pos)
		return NULL;
	lb->buf[lb->len] = '\0';
	lb->pos = lb->len;
	return start;
}

bool lb_has_line(const struct linebuf *lb)
{
	return memchr(lb->buf + lb->pos, '\n', lb->len - lb->pos) != NULL;
}
