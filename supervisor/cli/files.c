/*
 * files: how the verbs read the files they are given (profiles, bases,
 * policies to rewrite) and write what they make (policies, profiles), in one
 * way each: bounded reads of regular files only, and writes that leave the
 * old file whole until the new one is.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sg-util.h"
#include "supervisor/cli/cli.h"

int cli_read_file(const char *path, size_t max, char **ret, size_t *ret_len)
{
	/* O_NONBLOCK: a FIFO given as the file does not hold the verb until a
	 * writer comes; it is refused below, as every other non-file is. */
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	struct stat st;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	buf = malloc(max + 1);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n = read(fd, buf + len, max + 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max)
			return -EFBIG;
	}
	buf[len] = '\0';
	*ret = TAKE_PTR(buf);
	if (ret_len)
		*ret_len = len;
	return 0;
}

static int write_all(int fd, const char *text, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, text, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		text += n;
		len -= (size_t)n;
	}
	return 0;
}

int cli_write_file(const char *path, const char *text, size_t len)
{
	_cleanup_free_ char *tmp = NULL;
	_cleanup_close_ int fd = -1;
	struct stat st;
	bool had;
	int r;

	if (streq(path, "-"))
		return fwrite(text, 1, len, stdout) == len && fflush(stdout) == 0 ? 0 : -EIO;
	had = lstat(path, &st) == 0;
	if (had && S_ISDIR(st.st_mode))
		return -EISDIR;
	if (had && !S_ISREG(st.st_mode)) {
		/* /dev/null, /dev/stdout, a FIFO, a symlink: written in place. A
		 * rename over it replaced the node itself (`-o /dev/null`, run
		 * as root, left a regular file there). O_NONBLOCK: a FIFO with
		 * no reader is an error (ENXIO), not a wait without end. */
		fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
		if (fd < 0)
			return -errno;
		if (fcntl(fd, F_SETFL, 0) < 0)
			return -errno;
		r = write_all(fd, text, len);
		if (close(TAKE_FD(fd)) < 0 && r == 0)
			r = -errno;
		return r;
	}
	if (asprintf(&tmp, "%s.XXXXXX", path) < 0)
		return -ENOMEM;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* A file that exists keeps its mode, owner and group: a private
	 * policy (0600) does not become readable by all when rewritten. */
	if (had && fchown(fd, st.st_uid, st.st_gid) < 0)
		r = -errno;
	else
		r = write_all(fd, text, len);
	if (r == 0 && (fchmod(fd, had ? st.st_mode & 07777 : 0644) < 0 || fsync(fd) < 0))
		r = -errno;
	if (close(TAKE_FD(fd)) < 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0)
		unlink(tmp);
	return r;
}
