/*
 * bench-target: the loop that sg-bench measures.
 *
 *   bench-target notified N   call getppid N times (the bench policies notify it)
 *   bench-target plain N      call getuid N times (no bench policy names it: the
 *                             kernel decides it, from its per-syscall cache)
 *   bench-target mkdir-rmdir DIR N
 *                             N times: mkdir(DIR/x, 0700), then rmdir(DIR/x)
 *                             (sg-bench's mkdir policies notify the mkdir and
 *                             either continue or emulate it; rmdir is not named)
 *
 * Both are made with syscall(2): neither has a vDSO shortcut, so every call
 * enters the kernel. A warm-up of N/10 calls comes first; then the loop is timed
 * with clock_gettime(CLOCK_MONOTONIC) (vDSO: it is not itself a syscall) and one
 * line is printed:
 *
 *   bench-target: mode=notified n=200000 ns/call=4321.0
 *   bench-target: mode=mkdir-rmdir n=20000 ns/iter=9876.5
 *
 * sg-bench parses "ns/call=" (or "ns/iter=": one mkdir plus one rmdir). If any
 * call returns -1 (ENOSYS: the supervisor went away and the kernel fails notified
 * calls; for mkdir-rmdir any failure at all), the numbers would be those of a
 * failing call, so bench-target exits 2 instead. mkdir-rmdir stops at the first
 * failure and says which call failed and why; it expects DIR/x not to exist.
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

/* N times mkdir(dir/x, 0700) and rmdir(dir/x); 0, or -1 after saying why. */
static int mkdir_rmdir(const char *x, unsigned long n)
{
	for (unsigned long i = 0; i < n; i++) {
		if (syscall(SYS_mkdir, x, 0700) != 0) {
			fprintf(stderr, "bench-target: mkdir %s (iteration %lu): %s\n", x, i,
				strerror(errno));
			return -1;
		}
		if (syscall(SYS_rmdir, x) != 0) {
			fprintf(stderr, "bench-target: rmdir %s (iteration %lu): %s\n", x, i,
				strerror(errno));
			return -1;
		}
	}
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: bench-target notified|plain N\n"
			"       bench-target mkdir-rmdir DIR N\n");
	exit(125);
}

static unsigned long parse_n(const char *s)
{
	unsigned long n;
	char *end;

	errno = 0;
	n = strtoul(s, &end, 10);
	if (errno || end == s || *end || n == 0)
		usage();
	return n;
}

static int main_mkdir_rmdir(const char *dir, const char *n_str)
{
	unsigned long n = parse_n(n_str);
	char x[4096];
	double t0, t1;

	if (!*dir || (size_t)snprintf(x, sizeof(x), "%s/x", dir) >= sizeof(x))
		usage();
	if (mkdir_rmdir(x, n / 10) < 0)
		return 2;
	t0 = now_ns();
	if (mkdir_rmdir(x, n) < 0)
		return 2;
	t1 = now_ns();
	printf("bench-target: mode=mkdir-rmdir n=%lu ns/iter=%.1f\n", n, (t1 - t0) / (double)n);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long n, failed;
	double t0, t1;
	bool notified;
	long nr;

	if (argc == 4 && strcmp(argv[1], "mkdir-rmdir") == 0)
		return main_mkdir_rmdir(argv[2], argv[3]);
	if (argc != 3)
		usage();
	if (strcmp(argv[1], "notified") == 0)
		notified = true;
	else if (strcmp(argv[1], "plain") == 0)
		notified = false;
	else
		usage();
	n = parse_n(argv[2]);
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
