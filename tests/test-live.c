/*
 * Live tests of `sysgate run`: real programs under real seccomp filters.
 *
 * Each test writes a policy into a fresh directory under /tmp, runs
 *
 *	sysgate run -p policy.ini --log log -- sg-target OP ARGS : OP ARGS ...
 *
 * with that directory as the working directory (so every rule is named
 * "policy.ini:LINE" in the log), and asserts what a user would observe: the
 * errno sg-target printed, the file system afterwards, the exit status, and
 * the log records. Nothing here trusts sysgate's own account of what it did:
 * a denied mkdir is proven by the directory not existing.
 *
 * The binaries come from $SYSGATE and $SG_TARGET (CTest passes them), else
 * from beside this test binary (../sysgate and targets' sg-target).
 *
 * Must run as root on x86_64 with the i386 entry point enabled.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "live-harness.h"

#define RUN_TIMEOUT_MS 20000

static char g_sysgate[PATH_MAX];
static char g_target[PATH_MAX];
static char g_target_real[PATH_MAX]; /* what /proc/PID/exe of the target says */

/* h.out, h.err, h.log: of the last run: target stdout, stderr, the log file;
 * h.pids: left-overs to kill in teardown (sysgate, orphans). */
struct live {
	struct lh h;
};

/* ---- helpers ---- */

/* Start sysgate with argv (NULL-terminated, without "sysgate") in st->h.dir;
 * its stdout and stderr go to the files out and err there. */
static pid_t spawn(struct live *st, const char *const *argv)
{
	const char *args[LH_MAX_ARGS + 2];
	size_t n = 0;

	args[n++] = g_sysgate;
	for (; *argv && n < LH_MAX_ARGS; argv++)
		args[n++] = *argv;
	args[n] = NULL;
	return lh_spawn(&st->h, args);
}

/* sysgate ARGS... (NULL-terminated); the shell-style exit status. */
#define sysgate(st, ...)                                                                           \
	lh_run(&(st)->h, RUN_TIMEOUT_MS, (const char *const[]){g_sysgate, NULL}, __VA_ARGS__)

/* sysgate run -p policy.ini --log log -- sg-target OPS... (NULL-terminated). */
#define sg(st, ...)                                                                                \
	lh_run(&(st)->h, RUN_TIMEOUT_MS,                                                           \
	       (const char *const[]){g_sysgate, "run", "-p", "policy.ini", "--log", "log", "--",   \
				     g_target, NULL},                                              \
	       __VA_ARGS__)

/* Gone means no /proc entry or a zombie nobody has reaped yet. */
static bool pid_gone(pid_t pid)
{
	char p[64], buf[512];
	const char *rp;
	ssize_t n;
	int fd;

	snprintf(p, sizeof(p), "/proc/%d/stat", (int)pid);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return true;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return true;
	buf[n] = '\0';
	rp = strrchr(buf, ')');
	return !rp || rp[1] != ' ' || rp[2] == 'Z' || rp[2] == 'X';
}

/* ---- setup and teardown ---- */

static int setup(void **state)
{
	struct live *st = calloc(1, sizeof(*st));

	if (!st)
		return -1;
	if (lh_init(&st->h, "/tmp/sg-live.XXXXXX", 0) < 0) {
		lh_fini(&st->h);
		free(st);
		return -1;
	}
	*state = st;
	/* "etc" is the protected tree most policies below name. */
	if (chmod(st->h.dir, 0755) < 0 || mkdir(lh_tp(&st->h, "%s/etc", st->h.dir), 0755) < 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	struct live *st = *state;

	for (size_t i = 0; i < st->h.n_pids; i++)
		if (st->h.pids[i] > 0) {
			kill(st->h.pids[i], SIGKILL);
			waitpid(st->h.pids[i], NULL, WNOHANG);
		}
	lh_fini(&st->h);
	free(st);
	return 0;
}

/* The policy most tests use: mkdir and chmod denied under DIR/etc, else allowed. */
#define POLICY_ETC                                                                                 \
	"[mkdir]\n"                                                                                \
	"deny = EACCES path ~ %s/etc/**\n"                                                         \
	"allow = *\n"                                                                              \
	"[chmod]\n"                                                                                \
	"deny = EACCES path ~ %s/etc/**\n"                                                         \
	"allow = *\n"

static void write_policy_etc(struct live *st)
{
	lh_write_policy(&st->h, POLICY_ETC, st->h.dir, st->h.dir);
}

/* ---- deny, log, allow: what the target sees and what the log says ---- */

static void test_run_deny_mkdir_by_path(void **state)
{
	struct live *st = *state;
	const char *bad = lh_tp(&st->h, "%s/etc/x", st->h.dir),
		   *good = lh_tp(&st->h, "%s/ok", st->h.dir);
	pid_t pid;

	write_policy_etc(st);
	assert_int_equal(sg(st, "pid", ":", "mkdir", bad, ":", "mkdir", good, "0750", NULL), 0);
	pid = lh_target_pid(st->h.out);
	assert_true(pid > 0);
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s = -1 EACCES", bad));
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s = 0", good));
	assert_false(lh_exists(bad));
	assert_int_equal(lh_mode_of(good), 0750);
	/* One record: the allowed mkdir is not logged. */
	lh_assert_line(st->h.log,
		       lh_tp(&st->h,
			     "sysgate: %d %s mkdir(\"%s\", 0755) = -1 EACCES [deny policy.ini:2]",
			     (int)pid, g_target_real, bad));
	assert_int_equal(lh_count_lines(st->h.log), 1);
}

static void test_run_log_decision_allows_and_records(void **state)
{
	struct live *st = *state;
	const char *f = lh_tp(&st->h, "%s/f", st->h.dir);
	pid_t pid;

	lh_write_file(f, "", 0644);
	lh_write_policy(&st->h, "[chmod]\nlog = *\n");
	assert_int_equal(sg(st, "pid", ":", "chmod", f, "0600", NULL), 0);
	pid = lh_target_pid(st->h.out);
	lh_assert_line(st->h.out, lh_tp(&st->h, "chmod %s = 0", f));
	assert_int_equal(lh_mode_of(f), 0600);
	lh_assert_line(st->h.log,
		       lh_tp(&st->h, "sysgate: %d %s chmod(\"%s\", 0600) = ? [log policy.ini:2]",
			     (int)pid, g_target_real, f));
}

static const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static void test_run_json_log_records(void **state)
{
	struct live *st = *state;
	const char *bad = lh_tp(&st->h, "%s/etc/j", st->h.dir);
	struct json_object *o = NULL, *v, *args;
	pid_t pid;

	write_policy_etc(st);
	assert_int_equal(sysgate(st, "run", "-p", "policy.ini", "--log", "log", "--log-format",
				 "json", "--", g_target, "pid", ":", "mkdir", bad, "0711", NULL),
			 0);
	pid = lh_target_pid(st->h.out);
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s = -1 EACCES", bad));
	assert_int_equal(lh_count_lines(st->h.log), 1);
	o = json_tokener_parse(st->h.log);
	assert_non_null(o);
	/* Each check fails with the key's name in the message. */
	assert_non_null(jstr(o, "time"));
	assert_true(json_object_object_get_ex(o, "pid", &v) && json_object_get_int(v) == pid);
	assert_string_equal(jstr(o, "exe"), g_target_real);
	assert_string_equal(jstr(o, "arch"), "x86_64");
	assert_string_equal(jstr(o, "syscall"), "mkdir");
	assert_true(json_object_object_get_ex(o, "args", &args));
	assert_true(json_object_is_type(args, json_type_array));
	assert_int_equal(json_object_array_length(args), 2);
	assert_int_equal(json_object_get_uint64(json_object_array_get_idx(args, 1)), 0711);
	assert_string_equal(jstr(o, "call"), lh_tp(&st->h, "mkdir(\"%s\", 0711)", bad));
	assert_string_equal(jstr(o, "path"), bad);
	assert_string_equal(jstr(o, "decision"), "deny");
	assert_string_equal(jstr(o, "errno"), "EACCES");
	assert_string_equal(jstr(o, "rule"), "policy.ini:2");
	assert_true(json_object_object_get_ex(o, "enforced", &v));
	assert_true(json_object_is_type(v, json_type_boolean) && json_object_get_boolean(v));
	json_object_put(o);
	assert_false(lh_exists(bad));
}

static void test_run_log_sinks_and_format_from_policy(void **state)
{
	struct live *st = *state;
	const char *bad = lh_tp(&st->h, "%s/etc/s", st->h.dir),
		   *plog = lh_tp(&st->h, "%s/plog", st->h.dir);
	struct json_object *o;

	lh_write_policy(&st->h,
			"[sysgate]\nlog = %s\nlog_format = json\n"
			"[mkdir]\ndeny = EACCES path ~ %s/etc/**\n",
			plog, st->h.dir);
	assert_int_equal(sysgate(st, "run", "-p", "policy.ini", "--", g_target, "mkdir", bad, NULL),
			 0);
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s = -1 EACCES", bad));
	{
		char *text = lh_slurp(plog);

		o = json_tokener_parse(text);
		free(text);
	}
	assert_non_null(o);
	assert_string_equal(jstr(o, "path"), bad);
	assert_string_equal(jstr(o, "rule"), "policy.ini:5");
	json_object_put(o);
	/* --log overrides the policy's sinks: two files, both get the record. */
	unlink(plog);
	assert_int_equal(sysgate(st, "run", "-p", "policy.ini", "--log", "log", "--log", "log2",
				 "--log-format", "text", "--", g_target, "mkdir", bad, NULL),
			 0);
	assert_int_equal(lh_count_lines_with(st->h.log, "= -1 EACCES [deny policy.ini:5]"), 1);
	{
		char *text = lh_slurp(lh_tp(&st->h, "%s/log2", st->h.dir));
		int n = lh_count_lines_with(text, "= -1 EACCES [deny policy.ini:5]");

		free(text);
		assert_int_equal(n, 1);
	}
	assert_false(lh_exists(plog));
}

static void test_run_complain_lets_call_through(void **state)
{
	struct live *st = *state;
	const char *bad = lh_tp(&st->h, "%s/etc/c", st->h.dir),
		   *f = lh_tp(&st->h, "%s/etc/f", st->h.dir);
	pid_t pid;

	lh_write_file(f, "", 0644);
	write_policy_etc(st);
	assert_int_equal(sysgate(st, "run", "-p", "policy.ini", "--log", "log", "--mode",
				 "complain", "--", g_target, "pid", ":", "mkdir", bad, ":", "chmod",
				 f, "0600", NULL),
			 0);
	pid = lh_target_pid(st->h.out);
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s = 0", bad));
	lh_assert_line(st->h.out, lh_tp(&st->h, "chmod %s = 0", f));
	assert_true(lh_exists(bad));
	assert_int_equal(lh_mode_of(f), 0600);
	lh_assert_line(st->h.log, lh_tp(&st->h,
					"sysgate: %d %s mkdir(\"%s\", 0755) = ? "
					"[deny policy.ini:2, complain: allowed]",
					(int)pid, g_target_real, bad));
	lh_assert_line(st->h.log, lh_tp(&st->h,
					"sysgate: %d %s chmod(\"%s\", 0600) = ? "
					"[deny policy.ini:5, complain: allowed]",
					(int)pid, g_target_real, f));
}

static void test_run_complain_mode_from_policy_and_kill(void **state)
{
	struct live *st = *state;
	const char *f = lh_tp(&st->h, "%s/f", st->h.dir);
	pid_t pid;

	lh_write_file(f, "", 0644);
	lh_write_policy(&st->h, "[sysgate]\nmode = complain\n[chmod]\nkill = mode & 04000\n");
	assert_int_equal(sg(st, "pid", ":", "chmod", f, "04755", ":", "exit", "7", NULL), 7);
	pid = lh_target_pid(st->h.out);
	lh_assert_line(st->h.out, lh_tp(&st->h, "chmod %s = 0", f));
	assert_int_equal(lh_mode_of(f), 04755);
	lh_assert_line(st->h.log, lh_tp(&st->h,
					"sysgate: %d %s chmod(\"%s\", 04755) = ? "
					"[kill policy.ini:4, complain: allowed]",
					(int)pid, g_target_real, f));
}

/* ---- kill ---- */

static void test_kill_setuid_chmod_kills_process(void **state)
{
	struct live *st = *state;
	const char *f = lh_tp(&st->h, "%s/f", st->h.dir);
	pid_t pid;

	lh_write_file(f, "", 0644);
	lh_write_policy(&st->h, "[chmod]\nkill = mode & 06000\nlog = *\n");
	/* 137: SIGKILL; the print after the chmod never happens. */
	assert_int_equal(sg(st, "pid", ":", "chmod", f, "04755", ":", "exit", "0", NULL), 137);
	pid = lh_target_pid(st->h.out);
	assert_true(pid > 0);
	assert_int_equal(lh_count_lines_with(st->h.out, "chmod"), 0);
	assert_int_equal(lh_mode_of(f), 0644);
	lh_assert_line(st->h.log,
		       lh_tp(&st->h,
			     "sysgate: %d %s chmod(\"%s\", 04755) = ? [kill policy.ini:2] "
			     "+++ killed +++",
			     (int)pid, g_target_real, f));
	/* The whole process, not one thread: nothing of it is left. */
	assert_true(pid_gone(pid));
}

static void test_kill_in_thread_kills_whole_process(void **state)
{
	struct live *st = *state;

	/* Threads mkdir PATH.i; mkdir is killed everywhere under etc. */
	lh_write_policy(&st->h, "[mkdir]\nkill = path ~ %s/etc/**\n", st->h.dir);
	assert_int_equal(sg(st, "threads", "3", lh_tp(&st->h, "%s/etc/t", st->h.dir), ":", "exit",
			    "0", NULL),
			 137);
	assert_int_equal(lh_count_lines_with(st->h.out, "mkdir"), 0);
	assert_false(lh_exists(lh_tp(&st->h, "%s/etc/t.0", st->h.dir)));
	assert_true(lh_count_lines_with(st->h.log, "+++ killed +++") >= 1);
}

/* ---- the 32-bit entry points ---- */

static void test_i386_mkdir_same_policy(void **state)
{
	struct live *st = *state;
	const char *bad = lh_tp(&st->h, "%s/etc/i", st->h.dir),
		   *good = lh_tp(&st->h, "%s/i386ok", st->h.dir);
	pid_t pid;

	write_policy_etc(st);
	assert_int_equal(
		sg(st, "pid", ":", "mkdir32", bad, "0700", ":", "mkdir32", good, "0700", NULL), 0);
	pid = lh_target_pid(st->h.out);
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir32 %s = -1 EACCES", bad));
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir32 %s = 0", good));
	assert_false(lh_exists(bad));
	assert_int_equal(lh_mode_of(good), 0700);
	lh_assert_line(st->h.log, lh_tp(&st->h,
					"sysgate: %d %s i386:mkdir(\"%s\", 0700) = -1 EACCES "
					"[deny policy.ini:2]",
					(int)pid, g_target_real, bad));
}

static void test_i386_mode_and_arg_rules(void **state)
{
	struct live *st = *state;
	const char *f = lh_tp(&st->h, "%s/f", st->h.dir);

	lh_write_file(f, "", 0644);
	lh_write_policy(&st->h, "[chmod]\n"
				"deny = EROFS mode & 0002\n"
				"deny = EMLINK mode == 0711\n"
				"allow = *\n");
	assert_int_equal(sg(st, "chmod32", f, "0666", ":", "chmod32", f, "0711", ":", "chmod", f,
			    "0711", ":", "chmod32", f, "0640", NULL),
			 0);
	lh_assert_line(st->h.out, lh_tp(&st->h, "chmod32 %s = -1 EROFS", f));
	lh_assert_line(st->h.out, lh_tp(&st->h, "chmod32 %s = -1 EMLINK", f));
	lh_assert_line(st->h.out, lh_tp(&st->h, "chmod %s = -1 EMLINK", f));
	lh_assert_line(st->h.out, lh_tp(&st->h, "chmod32 %s = 0", f));
	assert_int_equal(lh_mode_of(f), 0640);
	assert_int_equal(lh_count_lines_with(st->h.log, "i386:chmod("), 2);
}

static void test_x32_mkdir_same_policy(void **state)
{
	struct live *st = *state;
	const char *bad = lh_tp(&st->h, "%s/etc/x32", st->h.dir);

	write_policy_etc(st);
	assert_int_equal(sg(st, "mkdirx32", bad, NULL), 0);
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdirx32 %s = -1 EACCES", bad));
	assert_false(lh_exists(bad));
	assert_int_equal(lh_count_lines_with(st->h.log, "x32:mkdir("), 1);
}

/* ---- io_uring ---- */

static void test_io_uring_denied_implicitly(void **state)
{
	struct live *st = *state;

	write_policy_etc(st);
	assert_int_equal(sg(st, "io_uring", NULL), 0);
	lh_assert_line(st->h.out, "io_uring_setup = -1 EPERM");
	assert_int_equal(lh_count_lines_with(st->h.log, "io_uring_setup("), 1);
	assert_int_equal(lh_count_lines_with(st->h.log, "= -1 EPERM [deny implicit:io_uring]"), 1);
}

static void test_io_uring_allowed_by_section(void **state)
{
	struct live *st = *state;

	lh_write_policy(&st->h, POLICY_ETC "[io_uring]\nallow = *\n", st->h.dir, st->h.dir);
	assert_int_equal(sg(st, "io_uring", NULL), 0);
	lh_assert_line(st->h.out, "io_uring_setup = 0");
	assert_int_equal(lh_count_lines_with(st->h.log, "io_uring"), 0);
}

/* ---- the handover survives a policy that notifies its syscalls ---- */

static void test_handover_with_notified_ipc_calls(void **state)
{
	struct live *st = *state;
	const char *d = lh_tp(&st->h, "%s/h", st->h.dir);

	lh_write_policy(&st->h, "[sysgate]\ndefault = log\n"
				"[sendmsg]\nlog = *\n[recvmsg]\nlog = *\n[write]\nlog = *\n"
				"[read]\nlog = *\n[close]\nlog = *\n[futex]\nlog = *\n"
				"[mkdir]\nlog = *\n");
	assert_int_equal(sg(st, "mkdir", d, ":", "threads", "2", d, NULL), 0);
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s = 0", d));
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s.1 = 0", d));
	assert_true(lh_exists(d));
	/* Three result lines, each one write(2) decided by the [write] rule. */
	assert_true(lh_count_lines_with(st->h.log, "[log policy.ini:8]") >= 3);
	assert_true(lh_count_lines_with(st->h.log, " write(1, ") >= 3);
	assert_true(lh_count_lines_with(st->h.log, "[log default]") >= 1);
}

/* ---- lifecycle ---- */

static void test_supervisor_death_kills_target(void **state)
{
	struct live *st = *state;
	const char *const argv[] = {"run", "--", g_target, "pid", ":", "sleep", "30", NULL};
	pid_t sg_pid, pid;
	long end;
	int status;

	sg_pid = spawn(st, argv);
	assert_true(lh_wait_output(&st->h, "pid ", 5000));
	pid = lh_target_pid(st->h.out);
	assert_true(pid > 0);
	assert_false(pid_gone(pid));
	assert_int_equal(kill(sg_pid, SIGKILL), 0);
	status = lh_wait_status(&st->h, sg_pid, 5000);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	end = lh_now_ms() + 2000;
	while (!pid_gone(pid) && lh_now_ms() < end)
		usleep(10000);
	if (!pid_gone(pid)) {
		kill(pid, SIGKILL);
		fail_msg("target %d survived its supervisor", (int)pid);
	}
}

static void test_supervisor_death_descendant_calls_fail(void **state)
{
	struct live *st = *state;
	const char *late = lh_tp(&st->h, "%s/late", st->h.dir);
	const char *const argv[] = {"run",    "-p",    "policy.ini", "--log",  "log", "--",
				    g_target, "pid",   ":",	     "orphan", "2",   late,
				    ":",      "sleep", "30",	     NULL};
	pid_t sg_pid, orphan;
	const char *p;

	lh_write_policy(&st->h, "[mkdir]\nlog = *\n");
	sg_pid = spawn(st, argv);
	assert_true(lh_wait_output(&st->h, "orphan ", 5000));
	p = strstr(st->h.out, "orphan ");
	assert_non_null(p);
	orphan = atoi(p + 7);
	assert_true(orphan > 0);
	lh_remember_pid(&st->h, orphan);
	assert_int_equal(kill(sg_pid, SIGKILL), 0);
	lh_wait_status(&st->h, sg_pid, 5000);
	/* The orphan mkdirs 2 s after it was made: never unsupervised success. */
	lh_wait_output(&st->h, "orphan mkdir", 4000);
	assert_false(lh_exists(late));
	if (lh_count_lines_with(st->h.out, "orphan mkdir") > 0)
		lh_assert_line(st->h.out, lh_tp(&st->h, "orphan mkdir %s = -1 ENOSYS", late));
}

static void test_run_cmd_exit_kills_rest_of_tree(void **state)
{
	struct live *st = *state;
	const char *after = lh_tp(&st->h, "%s/after", st->h.dir);
	const char *p;
	pid_t orphan;
	long end;

	write_policy_etc(st);
	/* CMD leaves a child behind that would mkdir a second later. */
	assert_int_equal(sg(st, "orphan", "1", after, ":", "exit", "4", NULL), 4);
	p = strstr(st->h.out, "orphan ");
	assert_non_null(p);
	orphan = atoi(p + 7);
	assert_true(orphan > 0);
	end = lh_now_ms() + 500;
	while (!pid_gone(orphan) && lh_now_ms() < end)
		usleep(5000);
	if (!pid_gone(orphan)) {
		kill(orphan, SIGKILL);
		fail_msg("descendant %d outlived sysgate run", (int)orphan);
	}
	usleep(1500 * 1000);
	assert_false(lh_exists(after));
}

static void test_children_forked_supervised(void **state)
{
	struct live *st = *state;
	const char *bad = lh_tp(&st->h, "%s/etc/child", st->h.dir);
	pid_t pid;

	write_policy_etc(st);
	assert_int_equal(sg(st, "pid", ":", "fork", bad, NULL), 0);
	pid = lh_target_pid(st->h.out);
	lh_assert_line(st->h.out, lh_tp(&st->h, "child mkdir %s = -1 EACCES", bad));
	lh_assert_line(st->h.out, "fork status 0");
	assert_false(lh_exists(bad));
	assert_int_equal(lh_count_lines_with(st->h.log, "[deny policy.ini:2]"), 1);
	/* The record names the child, not the parent. */
	assert_int_equal(lh_count_lines_with(st->h.log, lh_tp(&st->h, "sysgate: %d ", (int)pid)),
			 0);
}

static void test_threads_supervised(void **state)
{
	struct live *st = *state;
	const char *base = lh_tp(&st->h, "%s/etc/t", st->h.dir);

	write_policy_etc(st);
	assert_int_equal(sg(st, "threads", "4", base, NULL), 0);
	for (int i = 0; i < 4; i++) {
		lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s.%d = -1 EACCES", base, i));
		assert_false(lh_exists(lh_tp(&st->h, "%s.%d", base, i)));
	}
	assert_int_equal(lh_count_lines_with(st->h.log, "= -1 EACCES [deny policy.ini:2]"), 4);
}

static void test_exec_inherits_filter(void **state)
{
	struct live *st = *state;
	const char *a = lh_tp(&st->h, "%s/etc/e1", st->h.dir),
		   *b = lh_tp(&st->h, "%s/etc/e2", st->h.dir);

	write_policy_etc(st);
	/* sg-target execs itself, then a real program: both stay supervised. */
	assert_int_equal(sg(st, "exec", g_target, "mkdir", a, ":", "exec", "/bin/mkdir", b, NULL),
			 1);
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s = -1 EACCES", a));
	assert_non_null(strstr(st->h.err, "Permission denied"));
	assert_false(lh_exists(a));
	assert_false(lh_exists(b));
	assert_int_equal(lh_count_lines_with(st->h.log, "/usr/bin/mkdir mkdir"), 1);
}

static void test_signal_forwarding_sigterm(void **state)
{
	struct live *st = *state;
	const char *const argv[] = {"run", "--", g_target, "sigterm-report", NULL};
	pid_t sg_pid;

	sg_pid = spawn(st, argv);
	assert_true(lh_wait_output(&st->h, "sigterm-report ready", 5000));
	assert_int_equal(kill(sg_pid, SIGTERM), 0);
	assert_int_equal(lh_shell_status(lh_wait_status(&st->h, sg_pid, 5000)), 42);
	lh_collect(&st->h);
	lh_assert_line(st->h.out, "got SIGTERM");
}

static void test_signal_forwarding_sigint_default_action(void **state)
{
	struct live *st = *state;
	const char *const argv[] = {"run", "--", g_target, "pid", ":", "pause", NULL};
	pid_t sg_pid, pid;

	sg_pid = spawn(st, argv);
	assert_true(lh_wait_output(&st->h, "pid ", 5000));
	pid = lh_target_pid(st->h.out);
	assert_int_equal(kill(sg_pid, SIGINT), 0);
	assert_int_equal(lh_shell_status(lh_wait_status(&st->h, sg_pid, 5000)), 128 + SIGINT);
	assert_true(pid_gone(pid));
}

/* ---- exit status ---- */

static void test_exit_status_passthrough(void **state)
{
	struct live *st = *state;

	write_policy_etc(st);
	assert_int_equal(sg(st, "exit", "0", NULL), 0);
	assert_int_equal(sg(st, "exit", "3", NULL), 3);
	assert_int_equal(sg(st, "exit", "124", NULL), 124);
}

static void test_exit_status_signal_128_plus_n(void **state)
{
	struct live *st = *state;

	write_policy_etc(st);
	assert_int_equal(sg(st, "kill-self", "11", NULL), 128 + SIGSEGV);
	assert_int_equal(sg(st, "kill-self", "15", NULL), 128 + SIGTERM);
}

static void test_exit_status_126_not_executable(void **state)
{
	struct live *st = *state;
	const char *f = lh_tp(&st->h, "%s/noexec", st->h.dir);

	lh_write_file(f, "#!/bin/sh\ntouch marker\n", 0644);
	assert_int_equal(sysgate(st, "run", "--", f, NULL), 126);
	assert_false(lh_exists(lh_tp(&st->h, "%s/marker", st->h.dir)));
	assert_non_null(strstr(st->h.err, "noexec"));
	/* Executable bits but no format the kernel knows: exec fails, 126. */
	lh_write_file(lh_tp(&st->h, "%s/garbage", st->h.dir), "\x01\x02 not a program\n", 0755);
	assert_int_equal(sysgate(st, "run", "--", lh_tp(&st->h, "%s/garbage", st->h.dir), NULL),
			 126);
	assert_non_null(strstr(st->h.err, "Exec format error"));
	/* A directory is not executable either. */
	assert_int_equal(sysgate(st, "run", "--", lh_tp(&st->h, "%s/etc", st->h.dir), NULL), 126);
}

static void test_exit_status_127_not_found(void **state)
{
	struct live *st = *state;

	assert_int_equal(sysgate(st, "run", "--", lh_tp(&st->h, "%s/missing", st->h.dir), NULL),
			 127);
	assert_int_equal(sysgate(st, "run", "--", "sg-no-such-command-here", NULL), 127);
	assert_non_null(strstr(st->h.err, "sg-no-such-command-here"));
}

static void test_exit_status_125_bad_policy_runs_nothing(void **state)
{
	struct live *st = *state;
	const char *marker = lh_tp(&st->h, "%s/marker", st->h.dir);

	lh_write_policy(&st->h, "[mkdir]\ndeny = EACCES path ~ /x/**\nfrobnicate = *\n");
	assert_int_equal(sg(st, "mkdir", marker, NULL), 125);
	assert_false(lh_exists(marker));
	assert_string_equal(st->h.out, "");
	assert_non_null(strstr(st->h.err, "policy.ini:3:"));

	lh_write_policy(&st->h, "[mkdri]\ndeny = *\n");
	assert_int_equal(sg(st, "mkdir", marker, NULL), 125);
	assert_false(lh_exists(marker));
	assert_non_null(strstr(st->h.err, "policy.ini:1:"));

	/* Bad usage: nothing runs either. */
	assert_int_equal(
		sysgate(st, "run", "--mode", "bogus", "--", g_target, "mkdir", marker, NULL), 125);
	assert_false(lh_exists(marker));
	assert_int_equal(sysgate(st, "run", "-p", "no-such-policy.ini", "--", g_target, "mkdir",
				 marker, NULL),
			 125);
	assert_false(lh_exists(marker));
}

/* ---- paths: relative, dirfd, symlinks, bad pointers ---- */

static void test_path_relative_and_dirfd(void **state)
{
	struct live *st = *state;
	const char *etc = lh_tp(&st->h, "%s/etc", st->h.dir);

	write_policy_etc(st);
	assert_int_equal(sg(st, "chdir", etc, ":", "mkdir", "rel", ":", "mkdirat-dirfd", etc,
			    "viafd", ":", "chdir", st->h.dir, ":", "mkdir", "etc/../etc/./dots",
			    ":", "mkdir", "etc/../out-of-etc", NULL),
			 0);
	lh_assert_line(st->h.out, "mkdir rel = -1 EACCES");
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdirat %s viafd = -1 EACCES", etc));
	lh_assert_line(st->h.out, "mkdir etc/../etc/./dots = -1 EACCES");
	lh_assert_line(st->h.out, "mkdir etc/../out-of-etc = 0");
	assert_false(lh_exists(lh_tp(&st->h, "%s/rel", etc)));
	assert_false(lh_exists(lh_tp(&st->h, "%s/viafd", etc)));
	assert_false(lh_exists(lh_tp(&st->h, "%s/dots", etc)));
	assert_true(lh_exists(lh_tp(&st->h, "%s/out-of-etc", st->h.dir)));
	/* The record shows the call as made and the path the policy saw. */
	assert_int_equal(lh_count_lines_with(st->h.log, lh_tp(&st->h,
							      "mkdir(\"rel\", 0755) = -1 EACCES "
							      "[deny policy.ini:2] path=\"%s/rel\"",
							      etc)),
			 1);
	assert_int_equal(lh_count_lines_with(st->h.log, lh_tp(&st->h, "path=\"%s/viafd\"", etc)),
			 1);
}

static void test_path_symlinks_chmod_follows_mkdir_does_not(void **state)
{
	struct live *st = *state;
	const char *f = lh_tp(&st->h, "%s/etc/f", st->h.dir);
	const char *link = lh_tp(&st->h, "%s/link", st->h.dir),
		   *dlink = lh_tp(&st->h, "%s/dlink", st->h.dir);
	const char *plink = lh_tp(&st->h, "%s/plink", st->h.dir);

	lh_write_file(f, "", 0644);
	assert_int_equal(symlink(f, link), 0);
	assert_int_equal(symlink(lh_tp(&st->h, "%s/etc/newdir", st->h.dir), dlink), 0);
	assert_int_equal(symlink(lh_tp(&st->h, "%s/etc", st->h.dir), plink), 0);
	write_policy_etc(st);
	assert_int_equal(sg(st, "chmod", link, "0600", ":", "fchmod", f, "0600", ":", "mkdir",
			    dlink, ":", "mkdir", lh_tp(&st->h, "%s/sub", plink), NULL),
			 0);
	/* chmod follows the link into etc: denied. */
	lh_assert_line(st->h.out, lh_tp(&st->h, "chmod %s = -1 EACCES", link));
	/* fchmod is judged by the file its fd names. */
	lh_assert_line(st->h.out, lh_tp(&st->h, "fchmod %s = -1 EACCES", f));
	assert_int_equal(lh_mode_of(f), 0644);
	/* mkdir does not follow a final symlink: the policy sees dlink itself,
	 * allows it, and the kernel says EEXIST. */
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s = -1 EEXIST", dlink));
	assert_false(lh_exists(lh_tp(&st->h, "%s/etc/newdir", st->h.dir)));
	/* ...but directories on the way are followed. */
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s/sub = -1 EACCES", plink));
	assert_false(lh_exists(lh_tp(&st->h, "%s/etc/sub", st->h.dir)));
}

static void test_path_unmapped_pointer_efault(void **state)
{
	struct live *st = *state;

	write_policy_etc(st);
	assert_int_equal(sg(st, "mkdir-badptr", ":", "exit", "5", NULL), 5);
	lh_assert_line(st->h.out, "mkdir-badptr = -1 EFAULT");
	/* Denied by the rule that needed the path, the pointer shown as it was. */
	assert_int_equal(lh_count_lines_with(st->h.log, "= -1 EFAULT [deny policy.ini:2]"), 1);
	assert_int_equal(lh_count_lines_with(st->h.log, " mkdir(0x"), 1);
}

static void test_path_too_long_or_unterminated_never_judged_by_prefix(void **state)
{
	struct live *st = *state;
	/* The first two start inside etc, the only place the policy allows: a
	 * supervisor that judged the prefix it could read would let them
	 * through (the kernel would still fail them, so the log proves it).
	 * The third would be denied EACCES on its prefix: it must be EFAULT. */
	const char *ok = lh_tp(&st->h, "%s/x", st->h.dir);

	lh_write_policy(&st->h, "[mkdir]\ndeny = EACCES path !~ %s/etc/**\n", st->h.dir);
	assert_int_equal(sg(st, "mkdir-long", lh_tp(&st->h, "%s/etc/", st->h.dir), "5000", ":",
			    "mkdir-unterminated", lh_tp(&st->h, "%s/etc/u", st->h.dir), ":",
			    "mkdir-unterminated", ok, NULL),
			 0);
	lh_assert_line(st->h.out,
		       lh_tp(&st->h, "mkdir-long %s/etc/ 5000 = -1 ENAMETOOLONG", st->h.dir));
	lh_assert_line(st->h.out,
		       lh_tp(&st->h, "mkdir-unterminated %s/etc/u = -1 EFAULT", st->h.dir));
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir-unterminated %s = -1 EFAULT", ok));
	assert_false(lh_exists(lh_tp(&st->h, "%s/etc/u", st->h.dir)));
	assert_false(lh_exists(ok));
	assert_int_equal(lh_count_lines_with(st->h.log, "= -1 ENAMETOOLONG [deny policy.ini:2]"),
			 1);
	assert_int_equal(lh_count_lines_with(st->h.log, "= -1 EFAULT [deny policy.ini:2]"), 2);
}

static void test_path_allowed_mkdir_honours_umask(void **state)
{
	struct live *st = *state;
	const char *d = lh_tp(&st->h, "%s/um", st->h.dir);

	write_policy_etc(st);
	assert_int_equal(sg(st, "umask", "077", ":", "mkdir", d, "0777", NULL), 0);
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s = 0", d));
	assert_int_equal(lh_mode_of(d), 0700);
}

/* ---- check and default-policy ---- */

static void test_check_exit_codes_and_locations(void **state)
{
	struct live *st = *state;

	lh_write_file(lh_tp(&st->h, "%s/good.ini", st->h.dir),
		      "[chmod]\nkill = mode & 06000\nlog = *\n", 0644);
	lh_write_file(lh_tp(&st->h, "%s/bad.ini", st->h.dir), "[mkdir]\n; fine\ndeny = EBOGUS *\n",
		      0644);
	/* A path rule that ends in allow: valid, but racy, so check warns and says 1.
	 * (Not for mkdir: that family is emulated, and does not race.) */
	lh_write_file(lh_tp(&st->h, "%s/warn.ini", st->h.dir),
		      "[unlink]\ndeny = EACCES path ~ /etc/**\n", 0644);
	lh_write_file(lh_tp(&st->h, "%s/emul.ini", st->h.dir),
		      "[sysgate]\ndefault = allow\n[mkdir]\ndeny = EACCES path ~ /etc/**\n", 0644);
	assert_int_equal(sysgate(st, "check", "emul.ini", NULL), 0);
	assert_non_null(strstr(st->h.out, "emul.ini: ok"));
	assert_int_equal(sysgate(st, "check", "good.ini", NULL), 0);
	assert_non_null(strstr(st->h.out, "good.ini: ok"));
	assert_int_equal(sysgate(st, "check", "bad.ini", NULL), 1);
	assert_non_null(strstr(st->h.out, "bad.ini:3: error:"));
	assert_int_equal(sysgate(st, "check", "good.ini", "bad.ini", NULL), 1);
	assert_non_null(strstr(st->h.out, "good.ini: ok"));
	assert_non_null(strstr(st->h.out, "bad.ini:3: error:"));
	/* warnings do not fail, unless --strict (and then with their own code) */
	assert_int_equal(sysgate(st, "check", "warn.ini", NULL), 0);
	assert_non_null(strstr(st->h.out, "warn.ini:1: warning:"));
	assert_null(strstr(st->h.out, "warn.ini: ok"));
	assert_int_equal(sysgate(st, "check", "--strict", "warn.ini", NULL), 2);
	assert_non_null(strstr(st->h.out, "warn.ini:1: warning:"));
	assert_int_equal(sysgate(st, "check", "--strict", "warn.ini", "bad.ini", NULL), 1);
	assert_int_equal(sysgate(st, "check", "--strict", "good.ini", NULL), 0);
	assert_int_equal(sysgate(st, "check", "missing.ini", NULL), 1);
	assert_non_null(strstr(st->h.out, "missing.ini"));
}

static void test_default_policy_checks_clean(void **state)
{
	struct live *st = *state;
	char *text;

	assert_int_equal(sysgate(st, "default-policy", NULL), 0);
	assert_non_null(strstr(st->h.out, "[sysgate]"));
	text = strdup(st->h.out);
	lh_write_file(lh_tp(&st->h, "%s/default.ini", st->h.dir), text, 0644);
	free(text);
	assert_int_equal(sysgate(st, "check", "default.ini", NULL), 0);
	assert_non_null(strstr(st->h.out, "default.ini: ok"));
}

static void test_default_policy_denies_and_kills(void **state)
{
	struct live *st = *state;
	const char *f = lh_tp(&st->h, "%s/f", st->h.dir);

	lh_write_file(f, "", 0644);
	assert_int_equal(sysgate(st, "run", "--log", "log", "--", g_target, "reboot", ":", "mount",
				 ":", "unshare", ":", "ptrace", ":", "keyctl", ":", "io_uring", ":",
				 "chmod", f, "04755", ":", "exit", "0", NULL),
			 137);
	lh_assert_line(st->h.out, "reboot = -1 EPERM");
	lh_assert_line(st->h.out, "mount = -1 EPERM");
	lh_assert_line(st->h.out, "unshare = -1 EPERM");
	lh_assert_line(st->h.out, "ptrace = -1 EPERM");
	lh_assert_line(st->h.out, "keyctl = -1 EPERM");
	lh_assert_line(st->h.out, "io_uring_setup = -1 EPERM");
	assert_int_equal(lh_mode_of(f), 0644);
	assert_int_equal(lh_count_lines_with(st->h.log, "[kill sysgate-default.ini:"), 1);
}

/* The kernel's dmesg lines holding a marker, or NULL (caller frees). */
static char *dmesg_with(const char *marker)
{
	FILE *f = popen("dmesg 2>/dev/null", "r");
	char *line = NULL, *found = NULL;
	size_t size = 0;

	if (!f)
		return NULL;
	while (getline(&line, &size, f) > 0)
		if (strstr(line, marker)) {
			free(found);
			found = strdup(line);
		}
	free(line);
	pclose(f);
	return found;
}

/* --log audit: one AUDIT_TRUSTED_APP user record per decision, which the
 * kernel keeps only while audit is on (here, with no auditd, in dmesg). */
static void test_log_audit_records(void **state)
{
	struct live *st = *state;
	const char *bad = lh_tp(&st->h, "%s/etc/audit-x", st->h.dir);
	char *rec;

	if (system("command -v auditctl >/dev/null 2>&1") != 0)
		skip(); /* dev.sh installs auditd; say so loudly elsewhere */
	write_policy_etc(st);
	/* Off: sysgate says once that audit is disabled, and goes on. */
	assert_int_equal(system("auditctl -e 0 >/dev/null 2>&1"), 0);
	assert_int_equal(sysgate(st, "run", "-p", "policy.ini", "--log", "audit", "--log", "log",
				 "--", g_target, "mkdir", bad, NULL),
			 0);
	assert_non_null(strstr(st->h.err, "audit is disabled"));
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s = -1 EACCES", bad));
	assert_int_equal(lh_count_lines(st->h.log), 1);

	/* On: the record reaches the kernel's audit log. Without auditd the
	 * kernel prints it, rate-limited: seccomp's own LOG records from other
	 * suites running at the same time (the runc tests) can take the
	 * budget, so a missing line is tried again, a few times. */
	for (int tries = 0; tries < 5; tries++) {
		if (tries)
			sleep(1);
		assert_int_equal(system("auditctl -e 1 >/dev/null 2>&1"), 0);
		assert_int_equal(sysgate(st, "run", "-p", "policy.ini", "--log", "audit", "--",
					 g_target, "mkdir", bad, NULL),
				 0);
		assert_int_equal(system("auditctl -e 0 >/dev/null 2>&1"), 0);
		assert_null(strstr(st->h.err, "audit is disabled"));
		rec = dmesg_with(lh_tp(&st->h, "path=\"%s\"", bad));
		if (rec)
			break;
	}
	if (!rec)
		fail_msg("no audit record for %s in dmesg", bad);
	assert_non_null(strstr(rec, "type=1121"));
	assert_non_null(strstr(rec, "op=sysgate-decision decision=deny"));
	assert_non_null(strstr(rec, "errno=EACCES syscall=mkdir"));
	assert_non_null(strstr(rec, "rule=\"policy.ini:2\""));
	free(rec);
}

/* ---- main ---- */

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_run_deny_mkdir_by_path),
		T(test_run_log_decision_allows_and_records),
		T(test_run_json_log_records),
		T(test_run_log_sinks_and_format_from_policy),
		T(test_run_complain_lets_call_through),
		T(test_run_complain_mode_from_policy_and_kill),
		T(test_kill_setuid_chmod_kills_process),
		T(test_kill_in_thread_kills_whole_process),
		T(test_i386_mkdir_same_policy),
		T(test_i386_mode_and_arg_rules),
		T(test_x32_mkdir_same_policy),
		T(test_io_uring_denied_implicitly),
		T(test_io_uring_allowed_by_section),
		T(test_handover_with_notified_ipc_calls),
		T(test_supervisor_death_kills_target),
		T(test_supervisor_death_descendant_calls_fail),
		T(test_run_cmd_exit_kills_rest_of_tree),
		T(test_children_forked_supervised),
		T(test_threads_supervised),
		T(test_exec_inherits_filter),
		T(test_signal_forwarding_sigterm),
		T(test_signal_forwarding_sigint_default_action),
		T(test_exit_status_passthrough),
		T(test_exit_status_signal_128_plus_n),
		T(test_exit_status_126_not_executable),
		T(test_exit_status_127_not_found),
		T(test_exit_status_125_bad_policy_runs_nothing),
		T(test_path_relative_and_dirfd),
		T(test_path_symlinks_chmod_follows_mkdir_does_not),
		T(test_path_unmapped_pointer_efault),
		T(test_path_too_long_or_unterminated_never_judged_by_prefix),
		T(test_path_allowed_mkdir_honours_umask),
		T(test_check_exit_codes_and_locations),
		T(test_default_policy_checks_clean),
		T(test_default_policy_denies_and_kills),
		T(test_log_audit_records),
	};
	int r = lh_find_binaries("test-live", g_sysgate, g_target, g_target_real);

	if (r)
		return r;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
