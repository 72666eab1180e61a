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
#include <ftw.h>
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

#define RUN_TIMEOUT_MS 20000
#define MAX_ARGS 64
#define MAX_STRS 64
#define MAX_PIDS 8

static char g_sysgate[PATH_MAX];
static char g_target[PATH_MAX];
static char g_target_real[PATH_MAX]; /* what /proc/PID/exe of the target says */

struct live {
	char dir[PATH_MAX];
	char out_path[PATH_MAX + 8], err_path[PATH_MAX + 8], log_path[PATH_MAX + 8];
	char *out, *err, *log; /* of the last run: target stdout, stderr, the log file */
	char *strs[MAX_STRS];  /* from tp(), freed in teardown */
	size_t n_strs;
	pid_t pids[MAX_PIDS]; /* left-overs to kill in teardown (sysgate, orphans) */
	size_t n_pids;
};

/* ---- helpers ---- */

static const char *tp(struct live *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A formatted string that lives until teardown; "%s" arguments usually name st->dir. */
static const char *tp(struct live *st, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;

	assert_true(st->n_strs < MAX_STRS);
	va_start(ap, fmt);
	assert_true(vasprintf(&s, fmt, ap) >= 0);
	va_end(ap);
	st->strs[st->n_strs++] = s;
	return s;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0;

	if (!f)
		return strdup("");
	{
		FILE *m = open_memstream(&buf, &len);
		char chunk[4096];
		size_t n;

		while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
			fwrite(chunk, 1, n, m);
		fclose(m);
	}
	fclose(f);
	return buf;
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	assert_int_equal(chmod(path, mode), 0);
}

static void write_policy(struct live *st, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* policy.ini in the test's directory, from a printf format: callers pass
 * st->dir once for every %s, so rules can name paths under it. */
static void write_policy(struct live *st, const char *fmt, ...)
{
	va_list ap;
	char *text = NULL;

	va_start(ap, fmt);
	assert_true(vasprintf(&text, fmt, ap) >= 0);
	va_end(ap);
	write_file(tp(st, "%s/policy.ini", st->dir), text, 0644);
	free(text);
}

static void collect(struct live *st)
{
	char *out = slurp(st->out_path), *err = slurp(st->err_path), *log = slurp(st->log_path);

	/* Replace all three only when all were read: no dangling pointer if an
	 * assert jumps out in between. */
	assert_true(out && err && log);
	free(st->out);
	free(st->err);
	free(st->log);
	st->out = out;
	st->err = err;
	st->log = log;
}

/* A process teardown must kill if the test did not see it end. */
static void remember_pid(struct live *st, pid_t pid)
{
	for (size_t i = 0; i < st->n_pids; i++)
		if (st->pids[i] == 0) {
			st->pids[i] = pid;
			return;
		}
	assert_true(st->n_pids < MAX_PIDS);
	st->pids[st->n_pids++] = pid;
}

/* Start sysgate with argv (NULL-terminated, without "sysgate") in st->dir;
 * its stdout and stderr go to the files out and err there. */
static pid_t spawn(struct live *st, const char *const *argv)
{
	const char *args[MAX_ARGS + 2];
	size_t n = 0;
	pid_t pid;

	args[n++] = g_sysgate;
	for (; *argv && n < MAX_ARGS; argv++)
		args[n++] = *argv;
	args[n] = NULL;
	/* Each run starts with empty outputs. */
	unlink(st->out_path);
	unlink(st->err_path);
	unlink(st->log_path);

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int in, out, err;

		static const int sigs[] = {SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGPIPE};
		sigset_t none;

		/* As from an interactive shell: an ignored SIGINT (what a shell
		 * gives a background job) would survive exec into the target. */
		for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
			signal(sigs[i], SIG_DFL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (chdir(st->dir) < 0)
			_exit(121);
		in = open("/dev/null", O_RDONLY);
		out = open("out", O_WRONLY | O_CREAT | O_TRUNC, 0644);
		err = open("err", O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (in < 0 || out < 0 || err < 0)
			_exit(122);
		dup2(in, 0);
		dup2(out, 1);
		dup2(err, 2);
		execv(args[0], (char *const *)args);
		_exit(123);
	}
	remember_pid(st, pid);
	return pid;
}

static void forget_pid(struct live *st, pid_t pid)
{
	for (size_t i = 0; i < st->n_pids; i++)
		if (st->pids[i] == pid)
			st->pids[i] = 0;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* waitpid with a deadline: the raw status, or -1 on timeout (then it is killed). */
static int wait_status(struct live *st, pid_t pid, long timeout_ms)
{
	long end = now_ms() + timeout_ms;
	int status;

	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid) {
			forget_pid(st, pid);
			return status;
		}
		assert_true(r == 0);
		if (now_ms() > end) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			forget_pid(st, pid);
			return -1;
		}
		usleep(2000);
	}
}

/* The exit code as a shell shows it: the status, or 128+N for signal N. */
static int shell_status(int status)
{
	if (status < 0)
		return -1;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return -2;
}

static int vrun(struct live *st, const char *const *pre, va_list ap)
{
	const char *argv[MAX_ARGS + 1];
	size_t n = 0;
	const char *a;
	int status;

	for (; *pre; pre++)
		argv[n++] = *pre;
	while ((a = va_arg(ap, const char *)) != NULL) {
		assert_true(n < MAX_ARGS);
		argv[n++] = a;
	}
	argv[n] = NULL;
	status = wait_status(st, spawn(st, argv), RUN_TIMEOUT_MS);
	collect(st);
	if (status < 0)
		fail_msg("sysgate did not finish within %d ms; stderr: %s", RUN_TIMEOUT_MS,
			 st->err);
	return shell_status(status);
}

/* sysgate ARGS... (NULL-terminated); the shell-style exit status. */
static int sysgate(struct live *st, ...)
{
	static const char *const none[] = {NULL};
	va_list ap;
	int r;

	va_start(ap, st);
	r = vrun(st, none, ap);
	va_end(ap);
	return r;
}

/* sysgate run -p policy.ini --log log -- sg-target OPS... (NULL-terminated). */
static int sg(struct live *st, ...)
{
	const char *const pre[] = {"run", "-p", "policy.ini", "--log", "log", "--", g_target, NULL};
	va_list ap;
	int r;

	va_start(ap, st);
	r = vrun(st, pre, ap);
	va_end(ap);
	return r;
}

/* Does text hold this exact line? */
static bool has_line(const char *text, const char *line)
{
	size_t len = strlen(line);

	for (const char *p = text; p && *p;) {
		const char *e = strchrnul(p, '\n');

		if ((size_t)(e - p) == len && !memcmp(p, line, len))
			return true;
		p = *e ? e + 1 : NULL;
	}
	return false;
}

static void assert_line_impl(const char *text, const char *line, const char *what, const char *file,
			     int lineno)
{
	if (!has_line(text, line)) {
		print_error("no line \"%s\" in %s:\n%s\n", line, what, text);
		_fail(file, lineno);
	}
}

static int count_lines_with(const char *text, const char *needle)
{
	int n = 0;

	for (const char *p = text; p && *p;) {
		const char *e = strchrnul(p, '\n');
		char *line = strndup(p, (size_t)(e - p));

		if (strstr(line, needle))
			n++;
		free(line);
		p = *e ? e + 1 : NULL;
	}
	return n;
}

static int count_lines(const char *text)
{
	return count_lines_with(text, "");
}

/* "pid N" as printed by sg-target's pid op, or -1. */
static pid_t target_pid(const char *out)
{
	const char *p = strstr(out, "pid ");
	int pid;

	if (p && (p == out || p[-1] == '\n') && sscanf(p, "pid %d", &pid) == 1)
		return pid;
	return -1;
}

static bool exists(const char *path)
{
	struct stat s;

	return lstat(path, &s) == 0;
}

static unsigned mode_of(const char *path)
{
	struct stat s;

	if (stat(path, &s) < 0)
		return 0xffffffffu;
	return s.st_mode & 07777;
}

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

/* Wait until the out file has a line containing needle; re-collects outputs. */
static bool wait_output(struct live *st, const char *needle, long timeout_ms)
{
	long end = now_ms() + timeout_ms;

	for (;;) {
		collect(st);
		if (count_lines_with(st->out, needle) > 0)
			return true;
		if (now_ms() > end)
			return false;
		usleep(5000);
	}
}

#define assert_line(text, line) assert_line_impl((text), (line), #text, __FILE__, __LINE__)

/* ---- setup and teardown ---- */

static int setup(void **state)
{
	struct live *st = calloc(1, sizeof(*st));

	if (!st)
		return -1;
	snprintf(st->dir, sizeof(st->dir), "/tmp/sg-live.XXXXXX");
	if (!mkdtemp(st->dir)) {
		free(st);
		return -1;
	}
	/* "etc" is the protected tree most policies below name. */
	if (chmod(st->dir, 0755) < 0 || mkdir(tp(st, "%s/etc", st->dir), 0755) < 0)
		return -1;
	snprintf(st->out_path, sizeof(st->out_path), "%s/out", st->dir);
	snprintf(st->err_path, sizeof(st->err_path), "%s/err", st->dir);
	snprintf(st->log_path, sizeof(st->log_path), "%s/log", st->dir);
	st->out = strdup("");
	st->err = strdup("");
	st->log = strdup("");
	*state = st;
	return 0;
}

static int rm_one(const char *path, const struct stat *s, int flag, struct FTW *ftw)
{
	(void)s;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static int teardown(void **state)
{
	struct live *st = *state;

	for (size_t i = 0; i < st->n_pids; i++)
		if (st->pids[i] > 0) {
			kill(st->pids[i], SIGKILL);
			waitpid(st->pids[i], NULL, WNOHANG);
		}
	nftw(st->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	for (size_t i = 0; i < st->n_strs; i++)
		free(st->strs[i]);
	free(st->out);
	free(st->err);
	free(st->log);
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
	write_policy(st, POLICY_ETC, st->dir, st->dir);
}

/* ---- deny, log, allow: what the target sees and what the log says ---- */

static void test_run_deny_mkdir_by_path(void **state)
{
	struct live *st = *state;
	const char *bad = tp(st, "%s/etc/x", st->dir), *good = tp(st, "%s/ok", st->dir);
	pid_t pid;

	write_policy_etc(st);
	assert_int_equal(sg(st, "pid", ":", "mkdir", bad, ":", "mkdir", good, "0750", NULL), 0);
	pid = target_pid(st->out);
	assert_true(pid > 0);
	assert_line(st->out, tp(st, "mkdir %s = -1 EACCES", bad));
	assert_line(st->out, tp(st, "mkdir %s = 0", good));
	assert_false(exists(bad));
	assert_int_equal(mode_of(good), 0750);
	/* One record: the allowed mkdir is not logged. */
	assert_line(st->log,
		    tp(st, "sysgate: %d %s mkdir(\"%s\", 0755) = -1 EACCES [deny policy.ini:2]",
		       (int)pid, g_target_real, bad));
	assert_int_equal(count_lines(st->log), 1);
}

static void test_run_log_decision_allows_and_records(void **state)
{
	struct live *st = *state;
	const char *f = tp(st, "%s/f", st->dir);
	pid_t pid;

	write_file(f, "", 0644);
	write_policy(st, "[chmod]\nlog = *\n");
	assert_int_equal(sg(st, "pid", ":", "chmod", f, "0600", NULL), 0);
	pid = target_pid(st->out);
	assert_line(st->out, tp(st, "chmod %s = 0", f));
	assert_int_equal(mode_of(f), 0600);
	assert_line(st->log, tp(st, "sysgate: %d %s chmod(\"%s\", 0600) = ? [log policy.ini:2]",
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
	const char *bad = tp(st, "%s/etc/j", st->dir);
	struct json_object *o = NULL, *v, *args;
	pid_t pid;

	write_policy_etc(st);
	assert_int_equal(sysgate(st, "run", "-p", "policy.ini", "--log", "log", "--log-format",
				 "json", "--", g_target, "pid", ":", "mkdir", bad, "0711", NULL),
			 0);
	pid = target_pid(st->out);
	assert_line(st->out, tp(st, "mkdir %s = -1 EACCES", bad));
	assert_int_equal(count_lines(st->log), 1);
	o = json_tokener_parse(st->log);
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
	assert_string_equal(jstr(o, "call"), tp(st, "mkdir(\"%s\", 0711)", bad));
	assert_string_equal(jstr(o, "path"), bad);
	assert_string_equal(jstr(o, "decision"), "deny");
	assert_string_equal(jstr(o, "errno"), "EACCES");
	assert_string_equal(jstr(o, "rule"), "policy.ini:2");
	assert_true(json_object_object_get_ex(o, "enforced", &v));
	assert_true(json_object_is_type(v, json_type_boolean) && json_object_get_boolean(v));
	json_object_put(o);
	assert_false(exists(bad));
}

static void test_run_log_sinks_and_format_from_policy(void **state)
{
	struct live *st = *state;
	const char *bad = tp(st, "%s/etc/s", st->dir), *plog = tp(st, "%s/plog", st->dir);
	struct json_object *o;

	write_policy(st,
		     "[sysgate]\nlog = %s\nlog_format = json\n"
		     "[mkdir]\ndeny = EACCES path ~ %s/etc/**\n",
		     plog, st->dir);
	assert_int_equal(sysgate(st, "run", "-p", "policy.ini", "--", g_target, "mkdir", bad, NULL),
			 0);
	assert_line(st->out, tp(st, "mkdir %s = -1 EACCES", bad));
	{
		char *text = slurp(plog);

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
	assert_int_equal(count_lines_with(st->log, "= -1 EACCES [deny policy.ini:5]"), 1);
	{
		char *text = slurp(tp(st, "%s/log2", st->dir));
		int n = count_lines_with(text, "= -1 EACCES [deny policy.ini:5]");

		free(text);
		assert_int_equal(n, 1);
	}
	assert_false(exists(plog));
}

static void test_run_complain_lets_call_through(void **state)
{
	struct live *st = *state;
	const char *bad = tp(st, "%s/etc/c", st->dir), *f = tp(st, "%s/etc/f", st->dir);
	pid_t pid;

	write_file(f, "", 0644);
	write_policy_etc(st);
	assert_int_equal(sysgate(st, "run", "-p", "policy.ini", "--log", "log", "--mode",
				 "complain", "--", g_target, "pid", ":", "mkdir", bad, ":", "chmod",
				 f, "0600", NULL),
			 0);
	pid = target_pid(st->out);
	assert_line(st->out, tp(st, "mkdir %s = 0", bad));
	assert_line(st->out, tp(st, "chmod %s = 0", f));
	assert_true(exists(bad));
	assert_int_equal(mode_of(f), 0600);
	assert_line(st->log, tp(st,
				"sysgate: %d %s mkdir(\"%s\", 0755) = ? "
				"[deny policy.ini:2, complain: allowed]",
				(int)pid, g_target_real, bad));
	assert_line(st->log, tp(st,
				"sysgate: %d %s chmod(\"%s\", 0600) = ? "
				"[deny policy.ini:5, complain: allowed]",
				(int)pid, g_target_real, f));
}

static void test_run_complain_mode_from_policy_and_kill(void **state)
{
	struct live *st = *state;
	const char *f = tp(st, "%s/f", st->dir);
	pid_t pid;

	write_file(f, "", 0644);
	write_policy(st, "[sysgate]\nmode = complain\n[chmod]\nkill = mode & 04000\n");
	assert_int_equal(sg(st, "pid", ":", "chmod", f, "04755", ":", "exit", "7", NULL), 7);
	pid = target_pid(st->out);
	assert_line(st->out, tp(st, "chmod %s = 0", f));
	assert_int_equal(mode_of(f), 04755);
	assert_line(st->log, tp(st,
				"sysgate: %d %s chmod(\"%s\", 04755) = ? "
				"[kill policy.ini:4, complain: allowed]",
				(int)pid, g_target_real, f));
}

/* ---- kill ---- */

static void test_kill_setuid_chmod_kills_process(void **state)
{
	struct live *st = *state;
	const char *f = tp(st, "%s/f", st->dir);
	pid_t pid;

	write_file(f, "", 0644);
	write_policy(st, "[chmod]\nkill = mode & 06000\nlog = *\n");
	/* 137: SIGKILL; the print after the chmod never happens. */
	assert_int_equal(sg(st, "pid", ":", "chmod", f, "04755", ":", "exit", "0", NULL), 137);
	pid = target_pid(st->out);
	assert_true(pid > 0);
	assert_int_equal(count_lines_with(st->out, "chmod"), 0);
	assert_int_equal(mode_of(f), 0644);
	assert_line(st->log, tp(st,
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
	write_policy(st, "[mkdir]\nkill = path ~ %s/etc/**\n", st->dir);
	assert_int_equal(
		sg(st, "threads", "3", tp(st, "%s/etc/t", st->dir), ":", "exit", "0", NULL), 137);
	assert_int_equal(count_lines_with(st->out, "mkdir"), 0);
	assert_false(exists(tp(st, "%s/etc/t.0", st->dir)));
	assert_true(count_lines_with(st->log, "+++ killed +++") >= 1);
}

/* ---- the 32-bit entry points ---- */

static void test_i386_mkdir_same_policy(void **state)
{
	struct live *st = *state;
	const char *bad = tp(st, "%s/etc/i", st->dir), *good = tp(st, "%s/i386ok", st->dir);
	pid_t pid;

	write_policy_etc(st);
	assert_int_equal(
		sg(st, "pid", ":", "mkdir32", bad, "0700", ":", "mkdir32", good, "0700", NULL), 0);
	pid = target_pid(st->out);
	assert_line(st->out, tp(st, "mkdir32 %s = -1 EACCES", bad));
	assert_line(st->out, tp(st, "mkdir32 %s = 0", good));
	assert_false(exists(bad));
	assert_int_equal(mode_of(good), 0700);
	assert_line(st->log, tp(st,
				"sysgate: %d %s i386:mkdir(\"%s\", 0700) = -1 EACCES "
				"[deny policy.ini:2]",
				(int)pid, g_target_real, bad));
}

static void test_i386_mode_and_arg_rules(void **state)
{
	struct live *st = *state;
	const char *f = tp(st, "%s/f", st->dir);

	write_file(f, "", 0644);
	write_policy(st, "[chmod]\n"
			 "deny = EROFS mode & 0002\n"
			 "deny = EMLINK arg1 == 0711\n"
			 "allow = *\n");
	assert_int_equal(sg(st, "chmod32", f, "0666", ":", "chmod32", f, "0711", ":", "chmod", f,
			    "0711", ":", "chmod32", f, "0640", NULL),
			 0);
	assert_line(st->out, tp(st, "chmod32 %s = -1 EROFS", f));
	assert_line(st->out, tp(st, "chmod32 %s = -1 EMLINK", f));
	assert_line(st->out, tp(st, "chmod %s = -1 EMLINK", f));
	assert_line(st->out, tp(st, "chmod32 %s = 0", f));
	assert_int_equal(mode_of(f), 0640);
	assert_int_equal(count_lines_with(st->log, "i386:chmod("), 2);
}

static void test_x32_mkdir_same_policy(void **state)
{
	struct live *st = *state;
	const char *bad = tp(st, "%s/etc/x32", st->dir);

	write_policy_etc(st);
	assert_int_equal(sg(st, "mkdirx32", bad, NULL), 0);
	assert_line(st->out, tp(st, "mkdirx32 %s = -1 EACCES", bad));
	assert_false(exists(bad));
	assert_int_equal(count_lines_with(st->log, "x32:mkdir("), 1);
}

/* ---- io_uring ---- */

static void test_io_uring_denied_implicitly(void **state)
{
	struct live *st = *state;

	write_policy_etc(st);
	assert_int_equal(sg(st, "io_uring", NULL), 0);
	assert_line(st->out, "io_uring_setup = -1 EPERM");
	assert_int_equal(count_lines_with(st->log, "io_uring_setup("), 1);
	assert_int_equal(count_lines_with(st->log, "= -1 EPERM [deny implicit:io_uring]"), 1);
}

static void test_io_uring_allowed_by_section(void **state)
{
	struct live *st = *state;

	write_policy(st, POLICY_ETC "[io_uring]\nallow = *\n", st->dir, st->dir);
	assert_int_equal(sg(st, "io_uring", NULL), 0);
	assert_line(st->out, "io_uring_setup = 0");
	assert_int_equal(count_lines_with(st->log, "io_uring"), 0);
}

/* ---- the handover survives a policy that notifies its syscalls ---- */

static void test_handover_with_notified_ipc_calls(void **state)
{
	struct live *st = *state;
	const char *d = tp(st, "%s/h", st->dir);

	write_policy(st, "[sysgate]\ndefault = log\n"
			 "[sendmsg]\nlog = *\n[recvmsg]\nlog = *\n[write]\nlog = *\n"
			 "[read]\nlog = *\n[close]\nlog = *\n[futex]\nlog = *\n"
			 "[mkdir]\nlog = *\n");
	assert_int_equal(sg(st, "mkdir", d, ":", "threads", "2", d, NULL), 0);
	assert_line(st->out, tp(st, "mkdir %s = 0", d));
	assert_line(st->out, tp(st, "mkdir %s.1 = 0", d));
	assert_true(exists(d));
	/* Three result lines, each one write(2) decided by the [write] rule. */
	assert_true(count_lines_with(st->log, "[log policy.ini:8]") >= 3);
	assert_true(count_lines_with(st->log, " write(1, ") >= 3);
	assert_true(count_lines_with(st->log, "[log default]") >= 1);
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
	assert_true(wait_output(st, "pid ", 5000));
	pid = target_pid(st->out);
	assert_true(pid > 0);
	assert_false(pid_gone(pid));
	assert_int_equal(kill(sg_pid, SIGKILL), 0);
	status = wait_status(st, sg_pid, 5000);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	end = now_ms() + 2000;
	while (!pid_gone(pid) && now_ms() < end)
		usleep(10000);
	if (!pid_gone(pid)) {
		kill(pid, SIGKILL);
		fail_msg("target %d survived its supervisor", (int)pid);
	}
}

static void test_supervisor_death_descendant_calls_fail(void **state)
{
	struct live *st = *state;
	const char *late = tp(st, "%s/late", st->dir);
	const char *const argv[] = {"run",    "-p",    "policy.ini", "--log",  "log", "--",
				    g_target, "pid",   ":",	     "orphan", "2",   late,
				    ":",      "sleep", "30",	     NULL};
	pid_t sg_pid, orphan;
	const char *p;

	write_policy(st, "[mkdir]\nlog = *\n");
	sg_pid = spawn(st, argv);
	assert_true(wait_output(st, "orphan ", 5000));
	p = strstr(st->out, "orphan ");
	assert_non_null(p);
	orphan = atoi(p + 7);
	assert_true(orphan > 0);
	remember_pid(st, orphan);
	assert_int_equal(kill(sg_pid, SIGKILL), 0);
	wait_status(st, sg_pid, 5000);
	/* The orphan mkdirs 2 s after it was made: never unsupervised success. */
	wait_output(st, "orphan mkdir", 4000);
	assert_false(exists(late));
	if (count_lines_with(st->out, "orphan mkdir") > 0)
		assert_line(st->out, tp(st, "orphan mkdir %s = -1 ENOSYS", late));
}

static void test_run_cmd_exit_kills_rest_of_tree(void **state)
{
	struct live *st = *state;
	const char *after = tp(st, "%s/after", st->dir);
	const char *p;
	pid_t orphan;
	long end;

	write_policy_etc(st);
	/* CMD leaves a child behind that would mkdir a second later. */
	assert_int_equal(sg(st, "orphan", "1", after, ":", "exit", "4", NULL), 4);
	p = strstr(st->out, "orphan ");
	assert_non_null(p);
	orphan = atoi(p + 7);
	assert_true(orphan > 0);
	end = now_ms() + 500;
	while (!pid_gone(orphan) && now_ms() < end)
		usleep(5000);
	if (!pid_gone(orphan)) {
		kill(orphan, SIGKILL);
		fail_msg("descendant %d outlived sysgate run", (int)orphan);
	}
	usleep(1500 * 1000);
	assert_false(exists(after));
}

static void test_children_forked_supervised(void **state)
{
	struct live *st = *state;
	const char *bad = tp(st, "%s/etc/child", st->dir);
	pid_t pid;

	write_policy_etc(st);
	assert_int_equal(sg(st, "pid", ":", "fork", bad, NULL), 0);
	pid = target_pid(st->out);
	assert_line(st->out, tp(st, "child mkdir %s = -1 EACCES", bad));
	assert_line(st->out, "fork status 0");
	assert_false(exists(bad));
	assert_int_equal(count_lines_with(st->log, "[deny policy.ini:2]"), 1);
	/* The record names the child, not the parent. */
	assert_int_equal(count_lines_with(st->log, tp(st, "sysgate: %d ", (int)pid)), 0);
}

static void test_threads_supervised(void **state)
{
	struct live *st = *state;
	const char *base = tp(st, "%s/etc/t", st->dir);

	write_policy_etc(st);
	assert_int_equal(sg(st, "threads", "4", base, NULL), 0);
	for (int i = 0; i < 4; i++) {
		assert_line(st->out, tp(st, "mkdir %s.%d = -1 EACCES", base, i));
		assert_false(exists(tp(st, "%s.%d", base, i)));
	}
	assert_int_equal(count_lines_with(st->log, "= -1 EACCES [deny policy.ini:2]"), 4);
}

static void test_exec_inherits_filter(void **state)
{
	struct live *st = *state;
	const char *a = tp(st, "%s/etc/e1", st->dir), *b = tp(st, "%s/etc/e2", st->dir);

	write_policy_etc(st);
	/* sg-target execs itself, then a real program: both stay supervised. */
	assert_int_equal(sg(st, "exec", g_target, "mkdir", a, ":", "exec", "/bin/mkdir", b, NULL),
			 1);
	assert_line(st->out, tp(st, "mkdir %s = -1 EACCES", a));
	assert_non_null(strstr(st->err, "Permission denied"));
	assert_false(exists(a));
	assert_false(exists(b));
	assert_int_equal(count_lines_with(st->log, "/usr/bin/mkdir mkdir"), 1);
}

static void test_signal_forwarding_sigterm(void **state)
{
	struct live *st = *state;
	const char *const argv[] = {"run", "--", g_target, "sigterm-report", NULL};
	pid_t sg_pid;

	sg_pid = spawn(st, argv);
	assert_true(wait_output(st, "sigterm-report ready", 5000));
	assert_int_equal(kill(sg_pid, SIGTERM), 0);
	assert_int_equal(shell_status(wait_status(st, sg_pid, 5000)), 42);
	collect(st);
	assert_line(st->out, "got SIGTERM");
}

static void test_signal_forwarding_sigint_default_action(void **state)
{
	struct live *st = *state;
	const char *const argv[] = {"run", "--", g_target, "pid", ":", "pause", NULL};
	pid_t sg_pid, pid;

	sg_pid = spawn(st, argv);
	assert_true(wait_output(st, "pid ", 5000));
	pid = target_pid(st->out);
	assert_int_equal(kill(sg_pid, SIGINT), 0);
	assert_int_equal(shell_status(wait_status(st, sg_pid, 5000)), 128 + SIGINT);
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
	const char *f = tp(st, "%s/noexec", st->dir);

	write_file(f, "#!/bin/sh\ntouch marker\n", 0644);
	assert_int_equal(sysgate(st, "run", "--", f, NULL), 126);
	assert_false(exists(tp(st, "%s/marker", st->dir)));
	assert_non_null(strstr(st->err, "noexec"));
	/* Executable bits but no format the kernel knows: exec fails, 126. */
	write_file(tp(st, "%s/garbage", st->dir), "\x01\x02 not a program\n", 0755);
	assert_int_equal(sysgate(st, "run", "--", tp(st, "%s/garbage", st->dir), NULL), 126);
	assert_non_null(strstr(st->err, "Exec format error"));
	/* A directory is not executable either. */
	assert_int_equal(sysgate(st, "run", "--", tp(st, "%s/etc", st->dir), NULL), 126);
}

static void test_exit_status_127_not_found(void **state)
{
	struct live *st = *state;

	assert_int_equal(sysgate(st, "run", "--", tp(st, "%s/missing", st->dir), NULL), 127);
	assert_int_equal(sysgate(st, "run", "--", "sg-no-such-command-here", NULL), 127);
	assert_non_null(strstr(st->err, "sg-no-such-command-here"));
}

static void test_exit_status_125_bad_policy_runs_nothing(void **state)
{
	struct live *st = *state;
	const char *marker = tp(st, "%s/marker", st->dir);

	write_policy(st, "[mkdir]\ndeny = EACCES path ~ /x/**\nfrobnicate = *\n");
	assert_int_equal(sg(st, "mkdir", marker, NULL), 125);
	assert_false(exists(marker));
	assert_string_equal(st->out, "");
	assert_non_null(strstr(st->err, "policy.ini:3:"));

	write_policy(st, "[mkdri]\ndeny = *\n");
	assert_int_equal(sg(st, "mkdir", marker, NULL), 125);
	assert_false(exists(marker));
	assert_non_null(strstr(st->err, "policy.ini:1:"));

	/* Bad usage: nothing runs either. */
	assert_int_equal(
		sysgate(st, "run", "--mode", "bogus", "--", g_target, "mkdir", marker, NULL), 125);
	assert_false(exists(marker));
	assert_int_equal(sysgate(st, "run", "-p", "no-such-policy.ini", "--", g_target, "mkdir",
				 marker, NULL),
			 125);
	assert_false(exists(marker));
}

/* ---- paths: relative, dirfd, symlinks, bad pointers ---- */

static void test_path_relative_and_dirfd(void **state)
{
	struct live *st = *state;
	const char *etc = tp(st, "%s/etc", st->dir);

	write_policy_etc(st);
	assert_int_equal(sg(st, "chdir", etc, ":", "mkdir", "rel", ":", "mkdirat-dirfd", etc,
			    "viafd", ":", "chdir", st->dir, ":", "mkdir", "etc/../etc/./dots", ":",
			    "mkdir", "etc/../out-of-etc", NULL),
			 0);
	assert_line(st->out, "mkdir rel = -1 EACCES");
	assert_line(st->out, tp(st, "mkdirat %s viafd = -1 EACCES", etc));
	assert_line(st->out, "mkdir etc/../etc/./dots = -1 EACCES");
	assert_line(st->out, "mkdir etc/../out-of-etc = 0");
	assert_false(exists(tp(st, "%s/rel", etc)));
	assert_false(exists(tp(st, "%s/viafd", etc)));
	assert_false(exists(tp(st, "%s/dots", etc)));
	assert_true(exists(tp(st, "%s/out-of-etc", st->dir)));
	/* The record shows the call as made and the path the policy saw. */
	assert_int_equal(count_lines_with(st->log, tp(st,
						      "mkdir(\"rel\", 0755) = -1 EACCES "
						      "[deny policy.ini:2] path=\"%s/rel\"",
						      etc)),
			 1);
	assert_int_equal(count_lines_with(st->log, tp(st, "path=\"%s/viafd\"", etc)), 1);
}

static void test_path_symlinks_chmod_follows_mkdir_does_not(void **state)
{
	struct live *st = *state;
	const char *f = tp(st, "%s/etc/f", st->dir);
	const char *link = tp(st, "%s/link", st->dir), *dlink = tp(st, "%s/dlink", st->dir);
	const char *plink = tp(st, "%s/plink", st->dir);

	write_file(f, "", 0644);
	assert_int_equal(symlink(f, link), 0);
	assert_int_equal(symlink(tp(st, "%s/etc/newdir", st->dir), dlink), 0);
	assert_int_equal(symlink(tp(st, "%s/etc", st->dir), plink), 0);
	write_policy_etc(st);
	assert_int_equal(sg(st, "chmod", link, "0600", ":", "fchmod", f, "0600", ":", "mkdir",
			    dlink, ":", "mkdir", tp(st, "%s/sub", plink), NULL),
			 0);
	/* chmod follows the link into etc: denied. */
	assert_line(st->out, tp(st, "chmod %s = -1 EACCES", link));
	/* fchmod is judged by the file its fd names. */
	assert_line(st->out, tp(st, "fchmod %s = -1 EACCES", f));
	assert_int_equal(mode_of(f), 0644);
	/* mkdir does not follow a final symlink: the policy sees dlink itself,
	 * allows it, and the kernel says EEXIST. */
	assert_line(st->out, tp(st, "mkdir %s = -1 EEXIST", dlink));
	assert_false(exists(tp(st, "%s/etc/newdir", st->dir)));
	/* ...but directories on the way are followed. */
	assert_line(st->out, tp(st, "mkdir %s/sub = -1 EACCES", plink));
	assert_false(exists(tp(st, "%s/etc/sub", st->dir)));
}

static void test_path_unmapped_pointer_efault(void **state)
{
	struct live *st = *state;

	write_policy_etc(st);
	assert_int_equal(sg(st, "mkdir-badptr", ":", "exit", "5", NULL), 5);
	assert_line(st->out, "mkdir-badptr = -1 EFAULT");
	/* Denied by the rule that needed the path, the pointer shown as it was. */
	assert_int_equal(count_lines_with(st->log, "= -1 EFAULT [deny policy.ini:2]"), 1);
	assert_int_equal(count_lines_with(st->log, " mkdir(0x"), 1);
}

static void test_path_too_long_or_unterminated_never_judged_by_prefix(void **state)
{
	struct live *st = *state;
	/* The first two start inside etc, the only place the policy allows: a
	 * supervisor that judged the prefix it could read would let them
	 * through (the kernel would still fail them, so the log proves it).
	 * The third would be denied EACCES on its prefix: it must be EFAULT. */
	const char *ok = tp(st, "%s/x", st->dir);

	write_policy(st, "[mkdir]\ndeny = EACCES path !~ %s/etc/**\n", st->dir);
	assert_int_equal(sg(st, "mkdir-long", tp(st, "%s/etc/", st->dir), "5000", ":",
			    "mkdir-unterminated", tp(st, "%s/etc/u", st->dir), ":",
			    "mkdir-unterminated", ok, NULL),
			 0);
	assert_line(st->out, tp(st, "mkdir-long %s/etc/ 5000 = -1 ENAMETOOLONG", st->dir));
	assert_line(st->out, tp(st, "mkdir-unterminated %s/etc/u = -1 EFAULT", st->dir));
	assert_line(st->out, tp(st, "mkdir-unterminated %s = -1 EFAULT", ok));
	assert_false(exists(tp(st, "%s/etc/u", st->dir)));
	assert_false(exists(ok));
	assert_int_equal(count_lines_with(st->log, "= -1 ENAMETOOLONG [deny policy.ini:2]"), 1);
	assert_int_equal(count_lines_with(st->log, "= -1 EFAULT [deny policy.ini:2]"), 2);
}

static void test_path_allowed_mkdir_honours_umask(void **state)
{
	struct live *st = *state;
	const char *d = tp(st, "%s/um", st->dir);

	write_policy_etc(st);
	assert_int_equal(sg(st, "umask", "077", ":", "mkdir", d, "0777", NULL), 0);
	assert_line(st->out, tp(st, "mkdir %s = 0", d));
	assert_int_equal(mode_of(d), 0700);
}

/* ---- check and default-policy ---- */

static void test_check_exit_codes_and_locations(void **state)
{
	struct live *st = *state;

	write_file(tp(st, "%s/good.ini", st->dir), "[chmod]\nkill = mode & 06000\nlog = *\n", 0644);
	write_file(tp(st, "%s/bad.ini", st->dir), "[mkdir]\n; fine\ndeny = EBOGUS *\n", 0644);
	/* A path rule that ends in allow: valid, but racy, so check warns and says 1.
	 * (Not for mkdir: that family is emulated, and does not race.) */
	write_file(tp(st, "%s/warn.ini", st->dir), "[unlink]\ndeny = EACCES path ~ /etc/**\n", 0644);
	write_file(tp(st, "%s/emul.ini", st->dir), "[mkdir]\ndeny = EACCES path ~ /etc/**\n", 0644);
	assert_int_equal(sysgate(st, "check", "emul.ini", NULL), 0);
	assert_non_null(strstr(st->out, "emul.ini: ok"));
	assert_int_equal(sysgate(st, "check", "good.ini", NULL), 0);
	assert_non_null(strstr(st->out, "good.ini: ok"));
	assert_int_equal(sysgate(st, "check", "bad.ini", NULL), 1);
	assert_non_null(strstr(st->out, "bad.ini:3: error:"));
	assert_int_equal(sysgate(st, "check", "good.ini", "bad.ini", NULL), 1);
	assert_non_null(strstr(st->out, "good.ini: ok"));
	assert_non_null(strstr(st->out, "bad.ini:3: error:"));
	assert_int_equal(sysgate(st, "check", "warn.ini", NULL), 1);
	assert_non_null(strstr(st->out, "warn.ini:1: warning:"));
	assert_null(strstr(st->out, "warn.ini: ok"));
	assert_int_equal(sysgate(st, "check", "missing.ini", NULL), 1);
	assert_non_null(strstr(st->out, "missing.ini"));
}

static void test_default_policy_checks_clean(void **state)
{
	struct live *st = *state;
	char *text;

	assert_int_equal(sysgate(st, "default-policy", NULL), 0);
	assert_non_null(strstr(st->out, "[sysgate]"));
	text = strdup(st->out);
	write_file(tp(st, "%s/default.ini", st->dir), text, 0644);
	free(text);
	assert_int_equal(sysgate(st, "check", "default.ini", NULL), 0);
	assert_non_null(strstr(st->out, "default.ini: ok"));
}

static void test_default_policy_denies_and_kills(void **state)
{
	struct live *st = *state;
	const char *f = tp(st, "%s/f", st->dir);

	write_file(f, "", 0644);
	assert_int_equal(sysgate(st, "run", "--log", "log", "--", g_target, "reboot", ":", "mount",
				 ":", "unshare", ":", "ptrace", ":", "keyctl", ":", "io_uring", ":",
				 "chmod", f, "04755", ":", "exit", "0", NULL),
			 137);
	assert_line(st->out, "reboot = -1 EPERM");
	assert_line(st->out, "mount = -1 EPERM");
	assert_line(st->out, "unshare = -1 EPERM");
	assert_line(st->out, "ptrace = -1 EPERM");
	assert_line(st->out, "keyctl = -1 EPERM");
	assert_line(st->out, "io_uring_setup = -1 EPERM");
	assert_int_equal(mode_of(f), 0644);
	assert_int_equal(count_lines_with(st->log, "[kill sysgate-default.ini:"), 1);
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
	const char *bad = tp(st, "%s/etc/audit-x", st->dir);
	char *rec;

	if (system("command -v auditctl >/dev/null 2>&1") != 0)
		skip(); /* dev.sh installs auditd; say so loudly elsewhere */
	write_policy_etc(st);
	/* Off: sysgate says once that audit is disabled, and goes on. */
	assert_int_equal(system("auditctl -e 0 >/dev/null 2>&1"), 0);
	assert_int_equal(sysgate(st, "run", "-p", "policy.ini", "--log", "audit", "--log", "log", "--",
				 g_target, "mkdir", bad, NULL),
			 0);
	assert_non_null(strstr(st->err, "audit is disabled"));
	assert_line(st->out, tp(st, "mkdir %s = -1 EACCES", bad));
	assert_int_equal(count_lines(st->log), 1);

	/* On: the record reaches the kernel's audit log. */
	assert_int_equal(system("auditctl -e 1 >/dev/null 2>&1"), 0);
	assert_int_equal(sysgate(st, "run", "-p", "policy.ini", "--log", "audit", "--", g_target,
				 "mkdir", bad, NULL),
			 0);
	assert_int_equal(system("auditctl -e 0 >/dev/null 2>&1"), 0);
	assert_null(strstr(st->err, "audit is disabled"));
	rec = dmesg_with(tp(st, "path=\"%s\"", bad));
	if (!rec)
		fail_msg("no audit record for %s in dmesg", bad);
	assert_non_null(strstr(rec, "type=1121"));
	assert_non_null(strstr(rec, "op=sysgate-decision decision=deny"));
	assert_non_null(strstr(rec, "errno=EACCES syscall=mkdir"));
	assert_non_null(strstr(rec, "rule=\"policy.ini:2\""));
	free(rec);
}

/* ---- main ---- */

static void locate(char *out, size_t size, const char *env, const char *rel)
{
	char self[PATH_MAX];
	ssize_t n;
	char *slash;

	if (getenv(env) && *getenv(env)) {
		snprintf(out, size, "%s", getenv(env));
		return;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0) {
		snprintf(out, size, "%s", rel);
		return;
	}
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (slash)
		*slash = '\0';
	if (snprintf(out, size, "%s/%s", self, rel) >= (int)size)
		snprintf(out, size, "%s", rel);
}

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

	locate(g_sysgate, sizeof(g_sysgate), "SYSGATE", "../sysgate");
	locate(g_target, sizeof(g_target), "SG_TARGET", "sg-target");
	if (!realpath(g_target, g_target_real)) {
		fprintf(stderr, "test-live: no sg-target at %s\n", g_target);
		return 1;
	}
	if (access(g_sysgate, X_OK) < 0) {
		fprintf(stderr, "test-live: no sysgate at %s\n", g_sysgate);
		return 1;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "test-live: must run as root\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
