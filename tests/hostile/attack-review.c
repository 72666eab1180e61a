/*
 * attack-review: attacks from the post-merge review of issue 8. Each op makes
 * its call raw and prints one line, "OP ARGS = RESULT", RESULT a number or
 * "-1 ERRNONAME".
 *
 *   chroot-open ROOT PATH   chroot(ROOT), chdir("/"), open(PATH, O_RDONLY):
 *                           with ROOT /proc, PATH /PID/root/... reaches the
 *                           host's file through a magic link that does not
 *                           sit under "/proc/" in the target's own view
 *   chroot-stay ROOT PATH   chroot(ROOT) keeping the cwd outside it, then
 *                           open(PATH, O_RDONLY): /proc/self/cwd/... and
 *                           /proc/PID/root/... jump out of the chroot
 *
 * Links nothing but libc and pthread: it is the other side of the trust
 * boundary.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static void report(const char *what, long r, int err)
{
	if (r >= 0) {
		printf("%s = %ld\n", what, r);
	} else {
		const char *name = strerrorname_np(err);

		if (name)
			printf("%s = -1 %s\n", what, name);
		else
			printf("%s = -1 errno %d\n", what, err);
	}
	fflush(stdout);
}

/* Returns how many arguments it used, -1 on a bad op. */
static int op_chroot_open(int argc, char **argv, bool stay)
{
	char what[512];
	long r;
	int fd;

	if (argc < 3)
		return -1;
	snprintf(what, sizeof(what), "%s %s %s", argv[0], argv[1], argv[2]);
	if (chroot(argv[1]) < 0 || (!stay && chdir("/") < 0)) {
		report(what, -1, errno);
		return 3;
	}
	fd = (int)syscall(SYS_openat, AT_FDCWD, argv[2], O_RDONLY, 0);
	r = fd;
	if (fd >= 0) {
		char buf[64];
		ssize_t n = read(fd, buf, sizeof(buf) - 1);

		/* The content proves which file was opened. */
		r = n >= 0 ? 0 : -1;
		if (n > 0) {
			buf[n] = '\0';
			buf[strcspn(buf, "\n")] = '\0';
			printf("content %s\n", buf);
		}
	}
	report(what, r, errno);
	return 3;
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc;) {
		int used = -1;

		if (!strcmp(argv[i], "chroot-open"))
			used = op_chroot_open(argc - i, argv + i, false);
		else if (!strcmp(argv[i], "chroot-stay"))
			used = op_chroot_open(argc - i, argv + i, true);
		if (used < 0) {
			fprintf(stderr, "attack-review: bad op at %s\n", argv[i]);
			return 2;
		}
		i += used;
	}
	return 0;
}
