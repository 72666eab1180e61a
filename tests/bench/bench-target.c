/*
 * bench-target: the loop that sg-bench measures.
 *
 *   bench-target notified N   call getppid N times (the bench policies notify it)
 *   bench-target plain N      call getuid N times (no bench policy names it: the
 *                             kernel decides it, from its per-syscall cache)
 *
 * Both are made with syscall(2): neither has a vDSO shortcut, so every call
 * enters the kernel. A warm-up of N/10 calls comes first; then the loop is timed
 * with clock_gettime(CLOCK_MONOTONIC) (vDSO: it is not itself a syscall) and one
 * line is printed:
 *
 *   bench-target: mode=notified n=200000 ns/call=4321.0
 *
 * sg-bench parses "ns/call=". If any call returns -1 (ENOSYS: the supervisor went
 * away and the kernel fails notified calls), the numbers would be those of a
 * failing call, so bench-target exits 2 instead.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Returns the number of calls that failed. */
static unsigned long loop(long nr, unsigned long n)
{
	unsigned long failed = 0;

	for (unsigned long i = 0; i < n; i++) {
		if (syscall(nr) == -1)
			failed++;
	}
	return failed;
}

static void usage(void)
{
	fprintf(stderr, "usage: bench-target notified|plain N\n");
	exit(125);
}

int main(int argc, char **argv)
{
	unsigned long n, failed;
	char *end;
	double t0, t1;
	bool notified;
	long nr;

	if (argc != 3)
		usage();
	if (strcmp(argv[1], "notified") == 0)
		notified = true;
	else if (strcmp(argv[1], "plain") == 0)
		notified = false;
	else
		usage();
	errno = 0;
	n = strtoul(argv[2], &end, 10);
	if (errno || end == argv[2] || *end || n == 0)
		usage();
	nr = notified ? SYS_getppid : SYS_getuid;

	failed = loop(nr, n / 10);
	t0 = now_ns();
	failed += loop(nr, n);
	t1 = now_ns();
	if (failed) {
		fprintf(stderr, "bench-target: %lu of %lu %s calls failed (%s)\n", failed,
			n + n / 10, notified ? "getppid" : "getuid", strerror(errno));
		return 2;
	}
	printf("bench-target: mode=%s n=%lu ns/call=%.1f\n", argv[1], n, (t1 - t0) / (double)n);
	return 0;
}
