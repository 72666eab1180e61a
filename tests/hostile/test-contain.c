/*
 * hostile-contain: the supervised command goes after its supervisor's
 * lifecycle (issue 8, class 1: take over its own supervision, kill sysgate
 * and live on, outlive the command with sysgate short of fds; class 3: fds
 * 0-2 closed at start). Each test runs attack-contain under a real sysgate
 * run and asserts what a user would see: the errno, the record, the exit
 * status, and whether a left-behind grandchild still runs (its pid in the
 * host's /proc, its heartbeat file growing).
 *
 * sysgate is started in a process group of its own, so that an attack on
 * "the process group" reaches sysgate and its tree, never this test.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "live-harness.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static char g_sysgate[PATH_MAX], g_target[PATH_MAX], g_target_real[PATH_MAX];
static char g_attack[PATH_MAX];

struct st {
	struct lh h;
	pid_t extra[4]; /* host pids of grandchildren to kill in teardown */
};

static int setup(void **state)
{
	struct st *st = calloc(1, sizeof(*st));

	if (!st || lh_init(&st->h, "/tmp/sg-hostile-contain-XXXXXX", 0) < 0)
		return -1;
	*state = st;
	return 0;
}

static int teardown(void **state)
{
	struct st *st = *state;

	for (size_t i = 0; i < ARRAY_LEN(st->extra); i++)
		if (st->extra[i] > 0)
			kill(st->extra[i], SIGKILL);
	for (size_t i = 0; i < st->h.n_pids; i++)
		if (st->h.pids[i] > 0) {
			/* A stopped sysgate, its group and its tree. */
			kill(-st->h.pids[i], SIGCONT);
			kill(-st->h.pids[i], SIGKILL);
			kill(st->h.pids[i], SIGKILL);
			waitpid(st->h.pids[i], NULL, 0);
		}
	lh_fini(&st->h);
	free(st);
	return 0;
}

/*
 * sysgate ARGS... in h->dir, in a process group of its own, stdin from
 * /dev/null, stdout and stderr to DIR/out and DIR/err; then the fds in
 * close_mask (bit N: fd N) closed before the exec. With NO_LEAK_CHECK, an
 * ASan build's leak checker is off: it needs fds at exit, which the tests
 * of fd exhaustion take away from sysgate on purpose.
 */
#define NO_LEAK_CHECK (1u << 8)
/* With NO_UNSHARE, sysgate starts under a filter that fails unshare of a
 * user or pid namespace with EPERM, as an outer sysgate's built-in policy
 * does: then it can make no namespace at all. */
#define NO_UNSHARE (1u << 9)

static void refuse_unshare(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_unshare, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x30000000 /* CLONE_NEWUSER|NEWPID */, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {.len = ARRAY_LEN(f), .filter = f};

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
		_exit(123);
}
static pid_t spawn_sg(struct st *st, unsigned close_mask, const char *const *argv)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int in = open("/dev/null", O_RDONLY),
		    out = open(st->h.out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644),
		    err = open(st->h.err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		setpgid(0, 0);
		if (in < 0 || out < 0 || err < 0 || chdir(st->h.dir) < 0 || dup2(in, 0) < 0 ||
		    dup2(out, 1) < 0 || dup2(err, 2) < 0)
			_exit(121);
		close_range(3, ~0U, 0);
		if (close_mask & NO_LEAK_CHECK)
			setenv("ASAN_OPTIONS", "detect_leaks=0", 1);
		if (close_mask & NO_UNSHARE)
			refuse_unshare();
		for (int fd = 0; fd < 3; fd++)
			if (close_mask & (1u << fd))
				close(fd);
		execv(argv[0], (char *const *)argv);
		_exit(122);
	}
	setpgid(pid, pid);
	lh_remember_pid(&st->h, pid);
	return pid;
}

static void remember_extra(struct st *st, pid_t pid)
{
	for (size_t i = 0; i < ARRAY_LEN(st->extra); i++)
		if (st->extra[i] <= 0) {
			st->extra[i] = pid;
			return;
		}
}

/* Running: a /proc entry that is neither a zombie nor dead. */
static bool pid_alive(pid_t pid)
{
	char p[64], buf[512];
	const char *rp;
	ssize_t n;
	int fd;

	snprintf(p, sizeof(p), "/proc/%d/stat", (int)pid);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	rp = strrchr(buf, ')');
	return rp && rp[1] == ' ' && rp[2] != 'Z' && rp[2] != 'X';
}

static bool wait_gone(pid_t pid, long ms)
{
	long end = lh_now_ms() + ms;

	while (pid_alive(pid) && lh_now_ms() < end)
		usleep(10 * 1000);
	return !pid_alive(pid);
}

static long file_size(const char *path)
{
	struct stat s;

	return stat(path, &s) < 0 ? -1 : (long)s.st_size;
}

/* "WHAT N" in DIR/out, or -1. */
static pid_t out_pid(struct st *st, const char *what)
{
	const char *p;

	lh_collect(&st->h);
	p = strstr(st->h.out, what);
	return p ? (pid_t)atoi(p + strlen(what)) : -1;
}

/*
 * The grandchild the attack left behind: it was alive (its heartbeat grew),
 * and it must now be gone for good: its pid out of the host's /proc and its
 * heartbeat still.
 */
static void assert_grandchild_dies(struct st *st, pid_t g, const char *marker)
{
	long a, b;

	assert_true(g > 0);
	if (!wait_gone(g, 3000))
		fail_msg("grandchild %d survived its tree's end", (int)g);
	a = file_size(marker);
	usleep(300 * 1000);
	b = file_size(marker);
	assert_int_equal(a, b);
}

static void assert_grandchild_lives(struct st *st, pid_t g, const char *marker)
{
	long a = file_size(marker), end = lh_now_ms() + 3000;

	assert_true(g > 0);
	remember_extra(st, g);
	assert_true(pid_alive(g));
	while (file_size(marker) <= a && lh_now_ms() < end)
		usleep(20 * 1000);
	assert_true(file_size(marker) > a);
}

/* pidfd_open(getppid()) + pidfd_getfd, then a /proc scan, under the built-in
 * policy: no listener is copied, and the denied unshare is denied and logged. */
static void test_steal_listener_refused(void **state)
{
	struct st *st = *state;
	const char *const argv[] = {g_sysgate, "run",	  "--log", st->h.log_path, "--", g_attack,
				    "steal",   st->h.dir, NULL};
	pid_t sg = spawn_sg(st, 0, argv);
	int status = lh_wait_status(&st->h, sg, 20000);

	lh_collect(&st->h);
	assert_int_not_equal(status, -1);
	assert_int_equal(lh_shell_status(status), 0);
	assert_null(strstr(st->h.out, "stole the listener"));
	lh_assert_line(st->h.out, "unshare = -1 EPERM");
	assert_int_equal(lh_count_lines_with(st->h.log, "unshare(CLONE_NEWUTS) = -1 EPERM [deny "),
			 1);
	assert_int_equal(lh_count_lines_with(st->h.err, "not in its own PID namespace"), 0);
}

/*
 * A command that stacks seccomp filters of its own cannot take a call away
 * from sysgate: a second listener on the chain is refused (EBUSY), an allow
 * ranks below sysgate's USER_NOTIF, and its own USER_NOTIF without a
 * listener fails the call (ENOSYS). No mkdir is made.
 */
static void test_own_filter_takes_nothing_away(void **state)
{
	struct st *st = *state;
	char policy[4200], d[4200];
	const char *argv[] = {g_sysgate, "run",	   "-p",	policy,	   "--log", st->h.log_path,
			      "--",	 g_attack, "ownfilter", st->h.dir, NULL};
	pid_t sg;
	int status;

	snprintf(policy, sizeof(policy), "%s/own.ini", st->h.dir);
	{
		FILE *f = fopen(policy, "w");

		assert_non_null(f);
		fputs("[mkdir]\ndeny = EACCES *\n", f);
		fclose(f);
	}
	sg = spawn_sg(st, 0, argv);
	status = lh_wait_status(&st->h, sg, 20000);
	lh_collect(&st->h);
	assert_int_not_equal(status, -1);
	assert_int_equal(lh_shell_status(status), 0);
	lh_assert_line(st->h.out, "own listener = -1 EBUSY");
	lh_assert_line(st->h.out, "mkdir a = -1 EACCES");
	lh_assert_line(st->h.out, "own allow = 0");
	lh_assert_line(st->h.out, "mkdir b = -1 EACCES");
	lh_assert_line(st->h.out, "own notify = 0");
	lh_assert_line(st->h.out, "mkdir c = -1 ENOSYS");
	for (const char *n = "abc"; *n; n++) {
		struct stat sb;

		snprintf(d, sizeof(d), "%s/%c", st->h.dir, *n);
		assert_int_equal(stat(d, &sb), -1);
	}
	assert_int_equal(lh_count_lines_with(st->h.log, "mkdir("), 2);
}

/* SIGSTOP to sysgate by every door: none reaches it, it goes on deciding,
 * and the left-behind grandchild is killed when the command exits. */
static void test_signal_stop_refused(void **state)
{
	struct st *st = *state;
	const char *marker = lh_tp(&st->h, "%s/beat", st->h.dir);
	const char *const argv[] = {g_sysgate, "run",  "--log",	  st->h.log_path, "--", g_attack,
				    "signal",  "STOP", st->h.dir, marker,	  NULL};
	pid_t sg = spawn_sg(st, 0, argv), g;
	int status = lh_wait_status(&st->h, sg, 20000);

	lh_collect(&st->h);
	if (status == -1)
		fail_msg("sysgate did not finish (stopped?); out:\n%s", st->h.out);
	assert_int_equal(lh_shell_status(status), 0);
	assert_null(strstr(st->h.out, "the sender was stopped"));
	/* The group signals reach only the command's own group: sysgate,
	 * which they would stop, finished (above). */
	lh_assert_line(st->h.out, "kill(0) = 0");
	assert_int_equal(lh_count_lines_with(st->h.out, "pidfd_send_signal(PROCESS_GROUP) = "), 1);
	lh_assert_line(st->h.out, "unshare = -1 EPERM");
	assert_int_equal(lh_count_lines_with(st->h.log, "unshare(CLONE_NEWUTS) = -1 EPERM [deny "),
			 1);
	g = out_pid(st, "grandchild ");
	remember_extra(st, g);
	assert_grandchild_dies(st, g, marker);
}

/* SIGKILL to sysgate by every door, after a grandchild cleared its
 * pdeathsig and left the session: sysgate survives, or the tree dies too. */
static void test_signal_kill_tree_dies(void **state)
{
	struct st *st = *state;
	const char *marker = lh_tp(&st->h, "%s/beat", st->h.dir);
	const char *const argv[] = {g_sysgate, "run",  "--log",	  st->h.log_path, "--", g_attack,
				    "signal",  "KILL", st->h.dir, marker,	  NULL};
	pid_t sg = spawn_sg(st, 0, argv), g;
	int status = lh_wait_status(&st->h, sg, 20000);

	lh_collect(&st->h);
	assert_int_not_equal(status, -1);
	g = out_pid(st, "grandchild ");
	remember_extra(st, g);
	assert_grandchild_dies(st, g, marker);
	/* In fact nothing reached sysgate: it saw the command to its end. */
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	lh_assert_line(st->h.out, "unshare = -1 EPERM");
}

/* The command and a grandchild clear PR_SET_PDEATHSIG; sysgate is killed
 * from outside: both die. */
static void test_pdeathsig_cleared_then_sysgate_killed(void **state)
{
	struct st *st = *state;
	const char *marker = lh_tp(&st->h, "%s/beat", st->h.dir);
	const char *go = lh_tp(&st->h, "%s/go", st->h.dir);
	const char *const argv[] = {g_sysgate, "run",	 "--log",  st->h.log_path,
				    "--",      g_attack, "orphan", marker,
				    go,	       NULL};
	pid_t sg = spawn_sg(st, 0, argv), g, cmd;
	int status;

	assert_true(lh_wait_output(&st->h, "waiting for", 10000));
	g = out_pid(st, "grandchild ");
	cmd = out_pid(st, "command ");
	assert_true(cmd > 0);
	remember_extra(st, cmd);
	assert_grandchild_lives(st, g, marker);
	assert_int_equal(kill(sg, SIGKILL), 0);
	status = lh_wait_status(&st->h, sg, 5000);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	if (!wait_gone(cmd, 3000))
		fail_msg("the command %d survived its supervisor", (int)cmd);
	assert_grandchild_dies(st, g, marker);
}

/* The command exits while a grandchild lives and sysgate cannot open a
 * single new fd: the grandchild is still killed. */
static void test_cmd_exit_kills_tree_with_fds_exhausted(void **state)
{
	struct st *st = *state;
	const char *marker = lh_tp(&st->h, "%s/beat", st->h.dir);
	const char *go = lh_tp(&st->h, "%s/go", st->h.dir);
	const char *const argv[] = {g_sysgate, "run",	 "--log",  st->h.log_path,
				    "--",      g_attack, "orphan", marker,
				    go,	       NULL};
	struct rlimit tiny = {.rlim_cur = 3, .rlim_max = 3};
	pid_t sg = spawn_sg(st, NO_LEAK_CHECK, argv), g;
	int status;

	assert_true(lh_wait_output(&st->h, "waiting for", 10000));
	g = out_pid(st, "grandchild ");
	assert_grandchild_lives(st, g, marker);
	/* sysgate already holds more than 3 fds: from now on every open fails. */
	assert_int_equal(prlimit(sg, RLIMIT_NOFILE, &tiny, NULL), 0);
	lh_write_file(go, "", 0644);
	status = lh_wait_status(&st->h, sg, 10000);
	assert_int_not_equal(status, -1);
	lh_collect(&st->h);
	if (lh_shell_status(status) != 5)
		fail_msg("exit %d; stderr:\n%s", lh_shell_status(status), st->h.err);
	assert_grandchild_dies(st, g, marker);
}

#define AS_NOBODY(tool)                                                                            \
	tool ? tool : "/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"

/* A plain user's sysgate puts the tree in a user and pid namespace of its
 * own: the command and a grandchild clear their death signal, sysgate is
 * killed from outside, and both die. */
static void test_unprivileged_tree_dies_with_sysgate(void **state)
{
	struct st *st = *state;
	const char *setpriv = lh_tool("setpriv", false);
	const char *w = lh_tp(&st->h, "%s/w", st->h.dir);
	const char *marker = lh_tp(&st->h, "%s/beat", w);
	const char *go = lh_tp(&st->h, "%s/go", st->h.dir);
	const char *const argv[] = {AS_NOBODY(setpriv), g_sysgate, "run", "--", g_attack,
				    "orphan",		marker,	   go,	  NULL};
	pid_t sg, g, cmd;
	int status;

	if (!setpriv)
		skip();
	assert_int_equal(chmod(st->h.dir, 0755), 0);
	assert_int_equal(mkdir(w, 0777), 0);
	assert_int_equal(chmod(w, 0777), 0);
	sg = spawn_sg(st, 0, argv);
	assert_true(lh_wait_output(&st->h, "waiting for", 10000));
	g = out_pid(st, "grandchild ");
	cmd = out_pid(st, "command ");
	assert_true(cmd > 0);
	remember_extra(st, cmd);
	assert_grandchild_lives(st, g, marker);
	assert_int_equal(kill(sg, SIGKILL), 0);
	status = lh_wait_status(&st->h, sg, 5000);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	if (!wait_gone(cmd, 3000))
		fail_msg("the command %d survived its supervisor", (int)cmd);
	assert_grandchild_dies(st, g, marker);
	lh_collect(&st->h);
	assert_int_equal(lh_count_lines_with(st->h.err, "not in its own PID namespace"), 0);
}

/* The same attack as test_signal_kill_tree_dies, by a plain user's command. */
static void test_unprivileged_signal_kill_refused(void **state)
{
	struct st *st = *state;
	const char *setpriv = lh_tool("setpriv", false);
	const char *w = lh_tp(&st->h, "%s/w", st->h.dir);
	const char *marker = lh_tp(&st->h, "%s/beat", w);
	const char *const argv[] = {AS_NOBODY(setpriv), g_sysgate, "run",     "--",   g_attack,
				    "signal",		"KILL",	   st->h.dir, marker, NULL};
	pid_t sg, g;
	int status;

	if (!setpriv)
		skip();
	assert_int_equal(chmod(st->h.dir, 0755), 0);
	assert_int_equal(mkdir(w, 0777), 0);
	assert_int_equal(chmod(w, 0777), 0);
	sg = spawn_sg(st, 0, argv);
	status = lh_wait_status(&st->h, sg, 20000);
	lh_collect(&st->h);
	assert_int_not_equal(status, -1);
	g = out_pid(st, "grandchild ");
	remember_extra(st, g);
	assert_grandchild_dies(st, g, marker);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_non_null(strstr(st->h.out, "getppid = 0, "));
	lh_assert_line(st->h.out, "kill(0) = 0");
	lh_assert_line(st->h.out, "unshare = -1 EPERM");
}

/* Exit status and signal forwarding through the relay are those of run. */
static void test_unprivileged_exit_status_and_signals(void **state)
{
	struct st *st = *state;
	const char *setpriv = lh_tool("setpriv", false);
	const char *const exit3[] = {AS_NOBODY(setpriv), g_sysgate, "run", "-p", "policy.ini", "--",
				     g_target,		 "exit",    "3",   NULL};
	const char *const self15[] = {
		AS_NOBODY(setpriv), g_sysgate,	 "run", "-p", "policy.ini", "--",
		g_target,	    "kill-self", "15",	NULL};
	const char *const term[] = {
		AS_NOBODY(setpriv), g_sysgate,	      "run", "-p", "policy.ini", "--",
		g_target,	    "sigterm-report", NULL};
	const char *const intr[] = {AS_NOBODY(setpriv), g_sysgate, "run", "-p", "policy.ini", "--",
				    g_target,		"pause",   NULL};
	pid_t sg;

	if (!setpriv)
		skip();
	assert_int_equal(chmod(st->h.dir, 0755), 0);
	/* Not the built-in policy: it denies ptrace, which an ASan build's
	 * leak checker in sg-target needs at exit. */
	lh_write_policy(&st->h, "[mkdir]\nlog = *\n");
	sg = spawn_sg(st, 0, exit3);
	assert_int_equal(lh_shell_status(lh_wait_status(&st->h, sg, 10000)), 3);
	lh_forget_pid(&st->h, sg);
	sg = spawn_sg(st, 0, self15);
	assert_int_equal(lh_shell_status(lh_wait_status(&st->h, sg, 10000)), 128 + SIGTERM);
	lh_forget_pid(&st->h, sg);
	sg = spawn_sg(st, 0, term);
	assert_true(lh_wait_output(&st->h, "sigterm-report ready", 10000));
	assert_int_equal(kill(sg, SIGTERM), 0);
	assert_int_equal(lh_shell_status(lh_wait_status(&st->h, sg, 10000)), 42);
	lh_collect(&st->h);
	lh_assert_line(st->h.out, "got SIGTERM");
	lh_forget_pid(&st->h, sg);
	sg = spawn_sg(st, 0, intr);
	usleep(300 * 1000);
	assert_int_equal(kill(sg, SIGINT), 0);
	assert_int_equal(lh_shell_status(lh_wait_status(&st->h, sg, 10000)), 128 + SIGINT);
	lh_collect(&st->h);
	assert_int_equal(lh_count_lines_with(st->h.err, "not in its own PID namespace"), 0);
}

/* prlimit(pid, RLIMIT_NOFILE, rl) from a process of uid: 0 or the errno. */
static int prlimit_as(uid_t uid, pid_t pid, const struct rlimit *rl)
{
	pid_t c = fork();
	int st = 0;

	if (c < 0)
		return errno;
	if (c == 0) {
		if (setgroups(0, NULL) < 0 || setresgid(uid, uid, uid) < 0 ||
		    setresuid(uid, uid, uid) < 0)
			_exit(EPERM);
		_exit(prlimit(pid, RLIMIT_NOFILE, rl, NULL) < 0 ? errno : 0);
	}
	if (waitpid(c, &st, 0) < 0 || !WIFEXITED(st))
		return EIO;
	return WEXITSTATUS(st);
}

/* The same as a plain user where no namespace can be made (unshare refused):
 * the rest of the tree is killed through the children list sysgate opened in
 * advance. */
static void test_cmd_exit_kills_tree_with_fds_exhausted_no_pidns(void **state)
{
	struct st *st = *state;
	const char *setpriv = lh_tool("setpriv", false);
	const char *w = lh_tp(&st->h, "%s/w", st->h.dir);
	const char *marker = lh_tp(&st->h, "%s/beat", w);
	const char *go = lh_tp(&st->h, "%s/go", st->h.dir);
	const char *const argv[] = {setpriv ? setpriv : "/usr/bin/setpriv",
				    "--reuid=65534",
				    "--regid=65534",
				    "--clear-groups",
				    "--",
				    g_sysgate,
				    "run",
				    "--",
				    g_attack,
				    "orphan",
				    marker,
				    go,
				    NULL};
	struct rlimit tiny = {.rlim_cur = 3, .rlim_max = 3};
	pid_t sg, g;
	int status, r;

	if (!setpriv)
		skip();
	assert_int_equal(chmod(st->h.dir, 0755), 0);
	assert_int_equal(mkdir(w, 0777), 0);
	assert_int_equal(chmod(w, 0777), 0);
	sg = spawn_sg(st, NO_LEAK_CHECK | NO_UNSHARE, argv);
	assert_true(lh_wait_output(&st->h, "waiting for", 10000));
	g = out_pid(st, "grandchild ");
	assert_grandchild_lives(st, g, marker);
	/* This test may lack CAP_SYS_RESOURCE: set it as sysgate's own uid. */
	r = prlimit_as(65534, sg, &tiny);
	if (r != 0)
		fail_msg("prlimit on sysgate %d: %s", (int)sg, strerror(r));
	lh_write_file(go, "", 0644);
	status = lh_wait_status(&st->h, sg, 10000);
	assert_int_not_equal(status, -1);
	assert_int_equal(lh_shell_status(status), 5);
	assert_grandchild_dies(st, g, marker);
	lh_collect(&st->h);
	assert_int_equal(lh_count_lines_with(st->h.err, "the tree is not in its own PID namespace"),
			 1);
}

/* Started with fd 2 (then 0, 1 and 2) closed, sysgate holds /dev/null there
 * while it runs, not its signalfd, socket or listener, and works. */
static void std_fds_closed(struct st *st, unsigned mask)
{
	const char *marker = lh_tp(&st->h, "%s/m%u", st->h.dir, mask);
	const char *go = lh_tp(&st->h, "%s/go%u", st->h.dir, mask);
	const char *const argv[] = {g_sysgate, "run",	 "--log", "stderr", "--log", st->h.log_path,
				    "--",      g_attack, "fds",	  marker,   go,	     NULL};
	pid_t sg = spawn_sg(st, mask, argv);
	long end = lh_now_ms() + 10000;
	int status;

	while (!lh_exists(marker) && lh_now_ms() < end)
		usleep(10 * 1000);
	assert_true(lh_exists(marker));
	for (int fd = 0; fd < 3; fd++) {
		char p[64], l[PATH_MAX];
		ssize_t n;

		if (!(mask & (1u << fd)))
			continue;
		snprintf(p, sizeof(p), "/proc/%d/fd/%d", (int)sg, fd);
		n = readlink(p, l, sizeof(l) - 1);
		assert_true(n > 0);
		l[n] = '\0';
		if (strcmp(l, "/dev/null"))
			fail_msg("sysgate's fd %d is %s, not /dev/null", fd, l);
	}
	lh_write_file(go, "", 0644);
	status = lh_wait_status(&st->h, sg, 10000);
	assert_int_equal(lh_shell_status(status), 0);
	lh_collect(&st->h);
	assert_int_equal(
		lh_count_lines_with(st->h.log, lh_tp(&st->h, "%s.d\", 0755) = ? [log ", marker)),
		1);
	assert_true(lh_exists(lh_tp(&st->h, "%s.d", marker)));
	lh_forget_pid(&st->h, sg);
}

static void test_std_fds_closed_at_start(void **state)
{
	struct st *st = *state;

	std_fds_closed(st, 1u << 2);
	std_fds_closed(st, 7);
}

/* sysgate as a plain user where no namespace can be made, with a policy that
 * lets pidfd_getfd through: the command can name sysgate, but sysgate being
 * non-dumpable refuses the copy to a command of its own uid. */
static void test_nondumpable_refuses_pidfd_getfd(void **state)
{
	struct st *st = *state;
	const char *setpriv = lh_tool("setpriv", false);
	const char *const argv[] = {setpriv ? setpriv : "/usr/bin/setpriv",
				    "--reuid=65534",
				    "--regid=65534",
				    "--clear-groups",
				    "--",
				    g_sysgate,
				    "run",
				    "-p",
				    "policy.ini",
				    "--",
				    g_attack,
				    "nodump",
				    NULL};
	pid_t sg;
	int status;

	if (!setpriv)
		skip();
	assert_int_equal(chmod(st->h.dir, 0755), 0);
	lh_write_policy(&st->h, "[mkdir]\nlog = *\n");
	sg = spawn_sg(st, NO_UNSHARE, argv);
	status = lh_wait_status(&st->h, sg, 20000);
	lh_collect(&st->h);
	if (lh_shell_status(status) != 0)
		fail_msg("exit %d; stderr:\n%s", lh_shell_status(status), st->h.err);
	assert_int_equal(lh_count_lines_with(st->h.out, "pidfd_open(ppid "), 1);
	assert_null(strstr(st->h.out, "pidfd_open(ppid 0)"));
	lh_assert_line(st->h.out, "pidfd_getfd copied 0 fds");
	assert_true(lh_count_lines_with(st->h.out, "= -1 EPERM") >= 3);
	/* Unprivileged, no pid namespace: said once. */
	assert_int_equal(lh_count_lines_with(st->h.err, "the tree is not in its own PID namespace"),
			 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_steal_listener_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_own_filter_takes_nothing_away, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_signal_stop_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_signal_kill_tree_dies, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pdeathsig_cleared_then_sysgate_killed, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_cmd_exit_kills_tree_with_fds_exhausted, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_cmd_exit_kills_tree_with_fds_exhausted_no_pidns, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unprivileged_tree_dies_with_sysgate, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_unprivileged_signal_kill_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_unprivileged_exit_status_and_signals, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_std_fds_closed_at_start, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nondumpable_refuses_pidfd_getfd, setup,
						teardown),
	};
	int r = lh_find_binaries("hostile-contain", g_sysgate, g_target, g_target_real);

	if (r)
		return r;
	if (!lh_locate(g_attack, sizeof(g_attack), "SG_HOSTILE_DIR_ATTACK", "attack-contain"))
		return 1;
	{
		const char *d = getenv("SG_HOSTILE_DIR");

		if (d && *d)
			snprintf(g_attack, sizeof(g_attack), "%s/attack-contain", d);
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
