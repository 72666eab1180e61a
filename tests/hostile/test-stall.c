/*
 * hostile-stall: a target that stalls whatever reads its memory (issue 8,
 * class 3, "memory that never arrives").
 *
 * attack-stall (beside this suite) puts mkdir's path on a userfaultfd page
 * that nobody serves, so sysgate's read of it sleeps in the kernel. sysgate
 * must give up on that read within its bound (1 s), fail the call closed
 * (EFAULT, with a record saying why), and keep serving every other process
 * of the run at its usual pace; a process that stalls it again is killed;
 * under `serve`, a sandbox that dies while its session is stalled must not
 * hold up the daemon: the next sandbox is served.
 *
 * On a sysgate without the bound, each of these hangs: every wait here has a
 * deadline, so that shows as a failure, not as a hung suite.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "live-harness.h"

#define RUN_TIMEOUT_MS 20000
/* The bound is 1 s; a loaded 2-CPU machine gets generous slack on top. */
#define STALL_MIN_MS 900
#define STALL_MAX_MS 6000
#define WHY "stall: target memory did not arrive within 1 s"
#define WHY_FILES "stall: a file system on the path did not answer within 1 s"

static char g_sysgate[PATH_MAX], g_target[PATH_MAX], g_target_real[PATH_MAX];
static char g_attack[PATH_MAX], g_agent[PATH_MAX];

struct st {
	struct lh h;
	pid_t daemon;
	int uffd; /* the attack's userfaultfd, held here: its page stays unserved */
	int hold; /* the socket the attack hands it over */
};

static int setup(void **state)
{
	struct st *st = calloc(1, sizeof(*st));

	if (!st)
		return -1;
	st->uffd = st->hold = -1;
	*state = st;
	if (lh_init(&st->h, "/tmp/sg-stall.XXXXXX", 0) < 0)
		return -1;
	return chmod(st->h.dir, 0755);
}

static int teardown(void **state)
{
	struct st *st = *state;

	for (size_t i = 0; i < st->h.n_pids; i++)
		if (st->h.pids[i] > 0) {
			kill(st->h.pids[i], SIGKILL);
			waitpid(st->h.pids[i], NULL, 0);
		}
	/* The attack's FUSE mount, if any (dead once the attack is). */
	umount2(lh_tp(&st->h, "%s/mnt", st->h.dir), MNT_DETACH);
	/* Releasing the userfaultfd wakes every reader still asleep on it. */
	if (st->uffd >= 0)
		close(st->uffd);
	if (st->hold >= 0)
		close(st->hold);
	lh_fini(&st->h);
	free(st);
	return 0;
}

/* The number after "key" on the first line that has it, or -1. */
static long num_after(const char *text, const char *key)
{
	const char *p = strstr(text, key);

	return p ? strtol(p + strlen(key), NULL, 10) : -1;
}

/* The last number on the line that starts with prefix, or -1. */
static long last_num_of_line(const char *text, const char *prefix)
{
	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (strncmp(l, prefix, strlen(prefix)) == 0) {
			const char *end = strchrnul(l, '\n'), *sp = end;

			while (sp > l && sp[-1] != ' ')
				sp--;
			return strtol(sp, NULL, 10);
		}
	return -1;
}

static void write_run_policy(struct st *st)
{
	/* userfaultfd is allowed (the built-in policy denies it); mkdir is
	 * notified and judged by path, so sysgate must read the path. */
	lh_write_policy(&st->h,
			"[sysgate]\n"
			"default = allow\n"
			"\n"
			"[mkdir]\n"
			"emulate = path ~ %s/**\n"
			"deny = EACCES *\n",
			st->h.dir);
}

/*
 * One thread's path is on a page that never arrives; 100 ms later another
 * process of the same run makes 20 notified mkdirs. The stalled call fails
 * EFAULT after the bound; the 20 others are all carried out, none of them
 * waiting past the bound (the first waits for it, the rest at the usual
 * pace).
 */
static void test_stall_run_others_served_stalled_call_fails_closed(void **state)
{
	struct st *st = *state;
	long t0, t1, last;
	int code;

	write_run_policy(st);
	code = lh_run(&st->h, RUN_TIMEOUT_MS,
		      (const char *const[]){g_sysgate, "run", "-p",
					    lh_tp(&st->h, "%s/policy.ini", st->h.dir), "--log",
					    st->h.log_path, "--", g_attack, NULL},
		      "run", st->h.dir, NULL);
	if (strstr(st->h.out, "no userfaultfd"))
		fail_msg("attack-stall cannot create a userfaultfd: %s", st->h.out);
	if (code != 0)
		fprintf(stderr, "out: %s\nerr: %s\nlog: %s\n", st->h.out, st->h.err, st->h.log);
	assert_int_equal(code, 0);
	t0 = num_after(st->h.out, "stall start ");
	t1 = last_num_of_line(st->h.out, "stall rc=");
	assert_true(strstr(st->h.out, "stall rc=-1 errno=14 ") != NULL); /* EFAULT */
	/* It really stalled (the attack worked) and then got its answer. */
	assert_true(t1 - t0 >= STALL_MIN_MS);
	assert_true(t1 - t0 <= STALL_MAX_MS);
	/* The other process: every call carried out, all within the bound. */
	assert_int_equal(lh_count_lines_with(st->h.out, " rc=0 errno=0 took="), 20);
	for (int i = 0; i < 20; i++)
		assert_true(lh_exists(lh_tp(&st->h, "%s/steady-%d", st->h.dir, i)));
	last = last_num_of_line(st->h.out, "steady 19 ");
	assert_true(last - t0 <= STALL_MAX_MS);
	assert_true(lh_has_line(st->h.out, "done"));
	/* The record says what happened. */
	assert_int_equal(lh_count_lines_with(st->h.log, "= -1 EFAULT [deny " WHY "]"), 1);
	assert_int_equal(lh_count_lines_with(st->h.log, "steady-"), 20);
}

/*
 * The same with the stall in sysgate's walk of the path: DIR/mnt is a FUSE
 * mount whose daemon (the attack) never answers. The call fails EIO after
 * the bound; the other process is served meanwhile.
 */
static void test_stall_fuse_path_walk_others_served_call_fails_closed(void **state)
{
	struct st *st = *state;
	long t0, t1, last;
	int code;

	write_run_policy(st);
	code = lh_run(&st->h, RUN_TIMEOUT_MS,
		      (const char *const[]){g_sysgate, "run", "-p",
					    lh_tp(&st->h, "%s/policy.ini", st->h.dir), "--log",
					    st->h.log_path, "--", g_attack, NULL},
		      "fuse", st->h.dir, NULL);
	if (strstr(st->h.out, "no fuse"))
		fail_msg("attack-stall cannot mount FUSE: %s", st->h.out);
	if (code != 0)
		fprintf(stderr, "out: %s\nerr: %s\nlog: %s\n", st->h.out, st->h.err, st->h.log);
	assert_int_equal(code, 0);
	t0 = num_after(st->h.out, "stall start ");
	t1 = last_num_of_line(st->h.out, "stall rc=");
	assert_true(strstr(st->h.out, "stall rc=-1 errno=5 ") != NULL); /* EIO */
	assert_true(t1 - t0 >= STALL_MIN_MS);
	assert_true(t1 - t0 <= STALL_MAX_MS);
	assert_int_equal(lh_count_lines_with(st->h.out, " rc=0 errno=0 took="), 20);
	last = last_num_of_line(st->h.out, "steady 19 ");
	assert_true(last - t0 <= STALL_MAX_MS);
	assert_int_equal(lh_count_lines_with(st->h.log, "= -1 EIO [deny " WHY_FILES "]"), 1);
	assert_int_equal(lh_count_lines_with(st->h.log, "steady-"), 20);
}

/*
 * A process that stalls sysgate a second time, while the reader of its first
 * stall still sleeps, is killed: the first call failed EFAULT, the second
 * never returns.
 */
static void test_stall_twice_kills_the_caller(void **state)
{
	struct st *st = *state;
	int code;

	write_run_policy(st);
	code = lh_run(&st->h, RUN_TIMEOUT_MS,
		      (const char *const[]){g_sysgate, "run", "-p",
					    lh_tp(&st->h, "%s/policy.ini", st->h.dir), "--log",
					    st->h.log_path, "--", g_attack, NULL},
		      "twice", st->h.dir, NULL);
	if (code != 137)
		fprintf(stderr, "out: %s\nerr: %s\nlog: %s\n", st->h.out, st->h.err, st->h.log);
	assert_int_equal(code, 137);
	assert_int_equal(lh_count_lines_with(st->h.out, "stall rc=-1 errno=14 "), 1);
	assert_int_equal(lh_count_lines_with(st->h.out, "survived"), 0);
	assert_int_equal(lh_count_lines_with(st->h.log, "= -1 EFAULT [deny " WHY "]"), 1);
	assert_int_equal(lh_count_lines_with(st->h.log, "[kill " WHY "] +++ killed +++"), 1);
}

/* ---- serve ---- */

static pid_t start_out(struct st *st, const char *out, const char *const *argv)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

		if (fd < 0 || null < 0 || dup2(null, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(126);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	lh_remember_pid(&st->h, pid);
	return pid;
}

static bool file_has(const char *path, const char *needle, long timeout_ms)
{
	long end = lh_now_ms() + timeout_ms;

	for (;;) {
		char *t = lh_slurp(path);
		bool found = strstr(t, needle) != NULL;

		free(t);
		if (found)
			return true;
		if (lh_now_ms() >= end)
			return false;
		usleep(20000);
	}
}

/* Is pid built with AddressSanitizer? */
static bool sanitized(pid_t pid)
{
	char path[64], *maps;
	bool found;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	maps = lh_slurp(path);
	found = strstr(maps, "libasan") != NULL;

	free(maps);
	return found;
}

/* Accept the attack's connection and take the userfaultfd it sends. */
static int take_uffd(int listener, long timeout_ms)
{
	struct pollfd p = {.fd = listener, .events = POLLIN};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	char byte;
	struct iovec iov = {.iov_base = &byte, .iov_len = 1};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = u.buf,
			    .msg_controllen = sizeof(u.buf)};
	struct cmsghdr *c;
	int fd, conn;

	if (poll(&p, 1, (int)timeout_ms) != 1)
		return -1;
	conn = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
	if (conn < 0)
		return -1;
	p = (struct pollfd){.fd = conn, .events = POLLIN};
	if (poll(&p, 1, (int)timeout_ms) != 1 || recvmsg(conn, &mh, MSG_CMSG_CLOEXEC) != 1) {
		close(conn);
		return -1;
	}
	close(conn);
	c = CMSG_FIRSTHDR(&mh);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

/*
 * A sandbox under `serve` stalls its session and is killed while the read
 * sleeps; its userfaultfd lives on here, so the read never returns. The
 * daemon ends that session without waiting for its thread: the next sandbox
 * is accepted and served (its mkdir gets the policy's EACCES, with a record),
 * and the daemon still stops cleanly on SIGTERM.
 */
static void test_stall_serve_dead_sandbox_does_not_hold_the_daemon(void **state)
{
	struct st *st = *state;
	const char *dir = st->h.dir;
	const char *sock = lh_tp(&st->h, "%s/serve.sock", dir);
	const char *hold = lh_tp(&st->h, "%s/hold.sock", dir);
	const char *denied = lh_tp(&st->h, "%s/denied-after", dir);
	const char *out1 = lh_tp(&st->h, "%s/agent1.out", dir);
	const char *out2 = lh_tp(&st->h, "%s/agent2.out", dir);
	const char *derr = lh_tp(&st->h, "%s/daemon.err", dir);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	pid_t a1, a2;
	int status;

	if (!g_agent[0] || access(g_agent, X_OK) < 0)
		fail_msg("no sysgate-agent at %s", g_agent);
	assert_int_equal(mkdir(lh_tp(&st->h, "%s/policies", dir), 0755), 0);
	lh_write_file(lh_tp(&st->h, "%s/policies/test.ini", dir),
		      lh_tp(&st->h,
			    "[sysgate]\n"
			    "default = allow\n"
			    "\n"
			    "[mkdir]\n"
			    "deny = EACCES path ~ %s/denied*\n"
			    "allow = *\n",
			    dir),
		      0644);
	st->daemon =
		start_out(st, derr,
			  (const char *const[]){g_sysgate, "serve", "--socket", sock,
						"--policy-dir", lh_tp(&st->h, "%s/policies", dir),
						"--log", st->h.log_path, NULL});
	assert_true(file_has(derr, "listening on", 10000));

	st->hold = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(st->hold >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", hold);
	assert_int_equal(bind(st->hold, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(st->hold, 1), 0);

	a1 = start_out(st, out1,
		       (const char *const[]){g_agent, "--socket", sock, "--policy", "test", "--",
					     g_attack, "serve", hold, NULL});
	st->uffd = take_uffd(st->hold, 10000);
	if (st->uffd < 0)
		fprintf(stderr, "agent1: %s\n", lh_keep(&st->h, lh_slurp(out1)));
	assert_true(st->uffd >= 0);
	assert_true(file_has(out1, "stall start", 10000));
	/* Killed while sysgate's read of its path sleeps (within the 1 s bound). */
	usleep(200000);
	kill(a1, SIGKILL);
	assert_int_equal(waitpid(a1, &status, 0), a1);
	lh_forget_pid(&st->h, a1);

	/* The next sandbox starts and is served. */
	a2 = start_out(st, out2,
		       (const char *const[]){g_agent, "--socket", sock, "--policy", "test", "--",
					     "/bin/mkdir", denied, NULL});
	status = lh_wait_status(&st->h, a2, RUN_TIMEOUT_MS);
	lh_forget_pid(&st->h, a2);
	if (status < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 1)
		fprintf(stderr, "agent2 (status %d): %s\ndaemon: %s\n", status,
			lh_keep(&st->h, lh_slurp(out2)), lh_keep(&st->h, lh_slurp(derr)));
	assert_true(status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 1);
	assert_true(file_has(out2, "Permission denied", 1000));
	assert_false(lh_exists(denied));
	assert_true(file_has(st->h.log_path,
			     lh_tp(&st->h, "mkdir(\"%s\", 0777) = -1 EACCES", denied), 5000));

	/*
	 * And the daemon stops when told to, though a reader still sleeps
	 * (exit kills it). Not under a sanitizer: LeakSanitizer stops every
	 * thread with ptrace at exit and waits forever for one asleep in the
	 * kernel; there the page is released first (the reader then wakes up
	 * and ends by itself).
	 */
	if (sanitized(st->daemon)) {
		close(st->uffd);
		st->uffd = -1;
	}
	kill(st->daemon, SIGTERM);
	status = lh_wait_status(&st->h, st->daemon, 10000);
	lh_forget_pid(&st->h, st->daemon);
	if (status < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fprintf(stderr, "daemon (status %d): %s\n", status,
			lh_keep(&st->h, lh_slurp(derr)));
	assert_true(status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* ---- a policy without a default ---- */

/*
 * `[reboot] deny = *` alone allows everything else: check warns (and says 1)
 * until the default is written down.
 */
static void test_check_warns_policy_that_only_refuses_without_default(void **state)
{
	struct st *st = *state;
	const char *only = lh_tp(&st->h, "%s/only-deny.ini", st->h.dir);
	const char *said = lh_tp(&st->h, "%s/said.ini", st->h.dir);
	int code;

	lh_write_file(only, "[reboot]\ndeny = *\n", 0644);
	lh_write_file(said, "[sysgate]\ndefault = allow\n\n[reboot]\ndeny = *\n", 0644);
	code = lh_run(&st->h, RUN_TIMEOUT_MS,
		      (const char *const[]){g_sysgate, "check", "--strict", only, NULL}, NULL);
	assert_int_equal(code, 2);
	assert_true(strstr(st->h.out, lh_tp(&st->h, "%s: warning: no default is set", only)));
	assert_true(strstr(st->h.out, "(default = allow)"));
	assert_null(strstr(st->h.out, ": ok"));
	code = lh_run(&st->h, RUN_TIMEOUT_MS, (const char *const[]){g_sysgate, "check", said, NULL},
		      NULL);
	assert_int_equal(code, 0);
	assert_true(strstr(st->h.out, lh_tp(&st->h, "%s: ok", said)));
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

/*
 * connect's sockaddr on a page that never arrives, under a policy that
 * logs connect: sysgate copies the address for the record (gather.c), and
 * that read must be bounded like every other. The stalled call fails
 * EFAULT after the bound, with a record; the other process's 20 mkdirs are
 * served meanwhile.
 */
static void test_stall_connect_sockaddr_copy_bounded(void **state)
{
	struct st *st = *state;
	long t0, t1, last;
	int code;

	lh_write_policy(&st->h,
			"[sysgate]\n"
			"default = allow\n"
			"\n"
			"[connect]\n"
			"log = *\n"
			"\n"
			"[mkdir]\n"
			"emulate = path ~ %s/**\n"
			"deny = EACCES *\n",
			st->h.dir);
	code = lh_run(&st->h, RUN_TIMEOUT_MS,
		      (const char *const[]){g_sysgate, "run", "-p",
					    lh_tp(&st->h, "%s/policy.ini", st->h.dir), "--log",
					    st->h.log_path, "--", g_attack, NULL},
		      "connect", st->h.dir, NULL);
	if (strstr(st->h.out, "no userfaultfd"))
		fail_msg("attack-stall cannot create a userfaultfd: %s", st->h.out);
	if (code != 0)
		fprintf(stderr, "out: %s\nerr: %s\nlog: %s\n", st->h.out, st->h.err, st->h.log);
	assert_int_equal(code, 0);
	t0 = num_after(st->h.out, "stall start ");
	t1 = last_num_of_line(st->h.out, "stall rc=");
	assert_true(strstr(st->h.out, "stall rc=-1 errno=14 ") != NULL); /* EFAULT */
	assert_true(t1 - t0 >= STALL_MIN_MS);
	assert_true(t1 - t0 <= STALL_MAX_MS);
	assert_int_equal(lh_count_lines_with(st->h.out, " rc=0 errno=0 took="), 20);
	last = last_num_of_line(st->h.out, "steady 19 ");
	assert_true(last - t0 <= STALL_MAX_MS);
	assert_true(lh_has_line(st->h.out, "done"));
	assert_int_equal(lh_count_lines_with(st->h.log, "connect("), 1);
	assert_int_equal(lh_count_lines_with(st->h.log, "= -1 EFAULT [deny " WHY "]"), 1);
	assert_int_equal(lh_count_lines_with(st->h.log, "steady-"), 20);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_stall_run_others_served_stalled_call_fails_closed),
		T(test_stall_fuse_path_walk_others_served_call_fails_closed),
		T(test_stall_twice_kills_the_caller),
		T(test_stall_connect_sockaddr_copy_bounded),
		T(test_stall_serve_dead_sandbox_does_not_hold_the_daemon),
		T(test_check_warns_policy_that_only_refuses_without_default),
	};
	int r = lh_find_binaries("hostile-stall", g_sysgate, g_target, g_target_real);
	const char *hd = getenv("SG_HOSTILE_DIR");

	if (r)
		return r;
	snprintf(g_attack, sizeof(g_attack), "%s/attack-stall", hd && *hd ? hd : ".");
	if (!lh_locate(g_agent, sizeof(g_agent), "SYSGATE_AGENT", "../../sysgate-agent"))
		g_agent[0] = '\0';
	return cmocka_run_group_tests(tests, NULL, NULL);
}
