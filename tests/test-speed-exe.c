/*
 * test-speed-exe: the executable an exe rule judges is learnt once per exec
 * (supervisor/target/exe-cache.h, issue 12), and is never a stale one.
 *
 * The policy lets only this test binary make directories:
 *
 *	[mkdir]
 *	allow = exe ~ SELF
 *	deny = EACCES *
 *
 * and each test makes a cached value wrong if the cache did not follow: a
 * process that was SELF execs busybox (as the leader, or from a thread that
 * is not the leader, which takes over the leader's tid), or a pid that was
 * busybox's is reused by a new SELF process. busybox's mkdir must then be
 * refused and SELF's allowed, as a fresh readlink of /proc/TID/exe says.
 *
 * This binary is also the target: `test-speed-exe --target OP ARGS...`.
 * Root (clone3's set_tid picks the reused pid); busybox is needed.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "live-harness.h"

#define RUN_TIMEOUT_MS 60000

static char g_sysgate[PATH_MAX], g_target[PATH_MAX], g_target_real[PATH_MAX];
static char g_self[PATH_MAX];
static const char *g_busybox;

/* ---- the target side ---- */

static void report(const char *what, const char *path, long r)
{
	if (r < 0)
		printf("%s %s = -1 %s\n", what, path, strerrorname_np(errno));
	else
		printf("%s %s = 0\n", what, path);
	fflush(stdout);
}

static long raw_mkdir(const char *path)
{
	return syscall(SYS_mkdir, path, 0755);
}

struct thread_exec {
	const char *warm, *path;
};

/* A thread that is not the leader: one mkdir as SELF, then exec busybox. */
static void *exec_from_thread(void *arg)
{
	struct thread_exec *t = arg;

	report("thread mkdir", t->warm, raw_mkdir(t->warm));
	execl(g_busybox, "busybox", "mkdir", t->path, (char *)NULL);
	report("thread exec", g_busybox, -1);
	_exit(3);
}

/* A child with the pid given at each level of pid namespace, innermost
 * first (sysgate may have put the target in one of its own). */
static pid_t clone_with_pids(pid_t *want, size_t n)
{
	struct clone_args a = {
		.exit_signal = SIGCHLD,
		.set_tid = (uint64_t)(uintptr_t)want,
		.set_tid_size = n,
	};

	return (pid_t)syscall(SYS_clone3, &a, sizeof(a));
}

/* This process's pids at every level, innermost first (NSpid lists them
 * outermost first); how many. */
static size_t own_pids(pid_t *out, size_t max)
{
	char line[256];
	size_t n = 0;
	FILE *f = fopen("/proc/self/status", "re");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "NSpid:", 6)) {
			pid_t all[32];
			size_t k = 0;
			char *p = line + 6, *end;

			for (long v; k < 32 && (v = strtol(p, &end, 10), end != p); p = end)
				all[k++] = (pid_t)v;
			for (size_t i = 0; i < k && n < max; i++)
				out[n++] = all[k - 1 - i];
		}
	if (f)
		fclose(f);
	return n;
}

static int target_main(int argc, char **argv)
{
	const char *op = argv[2];

	g_busybox = getenv("SG_BUSYBOX");
	if (!g_busybox)
		return 2;
	if (!strcmp(op, "leader-exec") && argc == 5) {
		/* mkdir A as SELF, then the same process execs busybox mkdir B. */
		report("mkdir", argv[3], raw_mkdir(argv[3]));
		fflush(stdout);
		execl(g_busybox, "busybox", "mkdir", argv[4], (char *)NULL);
		return 3;
	}
	if (!strcmp(op, "thread-exec") && argc == 6) {
		struct thread_exec t = {.warm = argv[4], .path = argv[5]};
		pthread_t th;

		report("mkdir", argv[3], raw_mkdir(argv[3])); /* the leader, cached */
		if (pthread_create(&th, NULL, exec_from_thread, &t) != 0)
			return 2;
		for (;;)
			pause(); /* killed by the exec */
	}
	if (!strcmp(op, "pid-reuse") && argc == 5) {
		/* A child execs busybox and is refused mkdir A (its pid's exe is
		 * cached as busybox); once it is reaped, a SELF child gets that
		 * very pid (clone3 set_tid) and makes B. Tried a few times: the
		 * pid may be taken by someone else in between. */
		for (int attempt = 0; attempt < 50; attempt++) {
			pid_t pids[32], b;
			int status, p[2];
			ssize_t got;
			pid_t a;

			if (pipe(p) < 0)
				return 2;
			a = fork();
			if (a < 0)
				return 2;
			if (a == 0) {
				size_t n = own_pids(pids, 32);

				if (write(p[1], pids, n * sizeof(pid_t)) < 0)
					_exit(2);
				execl(g_busybox, "busybox", "mkdir", argv[3], (char *)NULL);
				_exit(3);
			}
			close(p[1]);
			got = read(p[0], pids, sizeof(pids));
			close(p[0]);
			if (waitpid(a, &status, 0) != a || got <= 0)
				return 2;
			b = clone_with_pids(pids, (size_t)got / sizeof(pid_t));
			if (b < 0 && errno == EEXIST)
				continue;
			if (b < 0) {
				report("clone3", "set_tid", -1);
				return 2;
			}
			if (b == 0) {
				report("reused mkdir", argv[4], raw_mkdir(argv[4]));
				_exit(0);
			}
			if (waitpid(b, &status, 0) != b)
				return 2;
			printf("reused pid %d (outermost %d) after %d tries\n", (int)a,
			       (int)pids[got / (ssize_t)sizeof(pid_t) - 1], attempt + 1);
			return 0;
		}
		printf("pid never reused\n");
		return 4;
	}
	return 2;
}

/* ---- the tests ---- */

struct st {
	struct lh h;
};

static int setup(void **state)
{
	struct st *st = calloc(1, sizeof(*st));

	if (!st || lh_init(&st->h, "/tmp/sg-speed-exe.XXXXXX", LH_SPAWN_SHELL) < 0)
		return -1;
	*state = st;
	return 0;
}

static int teardown(void **state)
{
	struct st *st = *state;

	lh_fini(&st->h);
	free(st);
	return 0;
}

/* The policy: only SELF makes directories. With execve_section, under a
 * default that notifies everything, [execve] allow = * would have the kernel
 * allow every exec without telling sysgate, were it not for the exe rule
 * (policy_notifies_exec). */
static void write_policy(struct st *st, bool execve_section)
{
	lh_write_policy(&st->h,
			"[sysgate]\ndefault = %s\n%s"
			"[mkdir]\nallow = exe ~ %s\ndeny = EACCES *\n",
			execve_section ? "log" : "allow",
			execve_section ? "[execve]\nallow = *\n" : "", g_self);
}

#define sg(st, ...)                                                                                \
	lh_run(&(st)->h, RUN_TIMEOUT_MS,                                                           \
	       (const char *const[]){g_sysgate, "run", "-p", "policy.ini", "--log", "log", "--",   \
				     g_self, "--target", NULL},                                    \
	       __VA_ARGS__)

static void test_leader_exec_is_seen(void **state)
{
	struct st *st = *state;
	const char *a = lh_tp(&st->h, "%s/a", st->h.dir), *b = lh_tp(&st->h, "%s/b", st->h.dir);

	for (int with_section = 0; with_section < 2; with_section++) {
		rmdir(a);
		write_policy(st, with_section);
		/* busybox mkdir fails: exit 1 */
		assert_int_equal(sg(st, "leader-exec", a, b, NULL), 1);
		lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s = 0", a));
		assert_true(lh_exists(a));
		assert_false(lh_exists(b)); /* busybox is not SELF */
		assert_int_equal(lh_count_lines_with(st->h.log, "EACCES [deny"), 1);
	}
}

static void test_thread_exec_takes_the_leaders_tid(void **state)
{
	struct st *st = *state;
	const char *a = lh_tp(&st->h, "%s/a", st->h.dir), *w = lh_tp(&st->h, "%s/w", st->h.dir),
		   *b = lh_tp(&st->h, "%s/b", st->h.dir);

	write_policy(st, false);
	assert_int_equal(sg(st, "thread-exec", a, w, b, NULL), 1);
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s = 0", a));
	lh_assert_line(st->h.out, lh_tp(&st->h, "thread mkdir %s = 0", w));
	assert_true(lh_exists(a));
	assert_true(lh_exists(w));
	/* The execing thread is now the leader's tid, whose exe was cached as
	 * SELF: busybox must be refused all the same. */
	assert_false(lh_exists(b));
}

static void test_reused_pid_is_a_new_process(void **state)
{
	struct st *st = *state;
	const char *a = lh_tp(&st->h, "%s/a", st->h.dir), *b = lh_tp(&st->h, "%s/b", st->h.dir);

	write_policy(st, false);
	assert_int_equal(sg(st, "pid-reuse", a, b, NULL), 0);
	assert_true(lh_count_lines_with(st->h.out, "reused pid") == 1);
	assert_false(lh_exists(a)); /* busybox was refused */
	/* The new process on busybox's pid is SELF: allowed, not busybox's
	 * cached verdict. */
	lh_assert_line(st->h.out, lh_tp(&st->h, "reused mkdir %s = 0", b));
	assert_true(lh_exists(b));
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_leader_exec_is_seen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_thread_exec_takes_the_leaders_tid, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_reused_pid_is_a_new_process, setup, teardown),
	};
	int r;

	if (argc >= 3 && !strcmp(argv[1], "--target"))
		return target_main(argc, argv);
	r = lh_find_binaries("test-speed-exe", g_sysgate, g_target, g_target_real);
	if (r)
		return r;
	if (!realpath("/proc/self/exe", g_self))
		return 1;
	g_busybox = lh_tool("busybox", false);
	if (!g_busybox) {
		fprintf(stderr, "test-speed-exe: no busybox: skipped\n");
		return 77;
	}
	setenv("SG_BUSYBOX", g_busybox, 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
