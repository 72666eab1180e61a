/*
 * Live tests of emulation: sysgate carrying out mkdir and chmod itself.
 *
 * Each test makes a fresh directory DIR under /tmp with DIR/ok (where the
 * policy lets calls be emulated) and DIR/no (where it does not), writes
 * policy.ini there, runs
 *
 *	sysgate run -p policy.ini --log log -- sg-target OP ARGS : OP ARGS ...
 *
 * with DIR as the working directory, and asserts what the user observes: the
 * errno sg-target printed, whether the directory exists afterwards, its mode
 * and owner, and the log records. An emulated call must give the target
 * exactly what the kernel would have given it (sg-target run without sysgate
 * is the reference), acting where the target named, inside its root and
 * mount namespace, with its credentials, and never anywhere else however the
 * target races.
 *
 * The binaries come from $SYSGATE and $SG_TARGET (CTest passes them), else
 * from beside this test binary (../sysgate and targets' sg-target).
 *
 * Must run as root on x86_64 with the i386 entry point enabled. The default
 * ACL test needs setfacl (package acl), the read-only test unshare(1) and
 * mount(8), the unprivileged tests setpriv(1): each skips without them.
 */
#include <dirent.h>
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

#define RUN_TIMEOUT_MS 30000
#define MAX_ARGS 96
#define MAX_STRS 96
#define MAX_PIDS 8

#define NOBODY 65534
#define OTHER_GID 4242 /* a group nobody is not a member of */

static char g_sysgate[PATH_MAX];
static char g_target[PATH_MAX];
static char g_target_real[PATH_MAX]; /* what /proc/PID/exe of the target says */

struct emu {
	char dir[PATH_MAX];
	char out_path[PATH_MAX + 8], err_path[PATH_MAX + 8], log_path[PATH_MAX + 8];
	char *out, *err, *log; /* of the last run: target stdout, stderr, the log file */
	char *strs[MAX_STRS];  /* from tp(), freed in teardown */
	size_t n_strs;
	pid_t pids[MAX_PIDS]; /* left-overs to kill in teardown */
	size_t n_pids;
	char escape[2][PATH_MAX]; /* host paths a broken chroot would create */
};

/* ---- helpers ---- */

static const char *tp(struct emu *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A formatted string that lives until teardown. */
static const char *tp(struct emu *st, const char *fmt, ...)
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
	FILE *m;
	char chunk[4096];
	size_t n;

	if (!f)
		return strdup("");
	m = open_memstream(&buf, &len);
	if (!m) {
		fclose(f);
		return NULL;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fwrite(chunk, 1, n, m);
	fclose(m);
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

static void write_policy(struct emu *st, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* policy.ini in DIR, from a printf format (callers pass DIR for each %s). */
static void write_policy(struct emu *st, const char *fmt, ...)
{
	va_list ap;
	char *text = NULL;

	va_start(ap, fmt);
	assert_true(vasprintf(&text, fmt, ap) >= 0);
	va_end(ap);
	write_file(tp(st, "%s/policy.ini", st->dir), text, 0644);
	free(text);
}

/* A directory with this mode and owner (mkdir's mode is cut by the umask). */
static void make_dir(const char *path, mode_t mode, uid_t uid, gid_t gid)
{
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(chown(path, uid, gid), 0);
	assert_int_equal(chmod(path, mode), 0);
}

static void collect(struct emu *st)
{
	char *out = slurp(st->out_path), *err = slurp(st->err_path), *log = slurp(st->log_path);

	assert_true(out && err && log);
	free(st->out);
	free(st->err);
	free(st->log);
	st->out = out;
	st->err = err;
	st->log = log;
}

static void remember_pid(struct emu *st, pid_t pid)
{
	for (size_t i = 0; i < st->n_pids; i++)
		if (st->pids[i] == 0) {
			st->pids[i] = pid;
			return;
		}
	assert_true(st->n_pids < MAX_PIDS);
	st->pids[st->n_pids++] = pid;
}

static void forget_pid(struct emu *st, pid_t pid)
{
	for (size_t i = 0; i < st->n_pids; i++)
		if (st->pids[i] == pid)
			st->pids[i] = 0;
}

/* Start argv (NULL-terminated, argv[0] a path) in DIR with umask 022; its
 * stdout and stderr go to DIR/out and DIR/err. */
static pid_t spawn(struct emu *st, const char *const *argv)
{
	pid_t pid;

	unlink(st->out_path);
	unlink(st->err_path);
	unlink(st->log_path);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		static const int sigs[] = {SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGPIPE, SIGALRM};
		int in, out, err;
		sigset_t none;

		for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
			signal(sigs[i], SIG_DFL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		umask(022);
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
		/* The target's first fd is 3, as from a shell. */
		close(in);
		close(out);
		close(err);
		execv(argv[0], (char *const *)argv);
		_exit(123);
	}
	remember_pid(st, pid);
	return pid;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* waitpid with a deadline: the raw status, or -1 on timeout (then it is killed). */
static int wait_status(struct emu *st, pid_t pid, long timeout_ms)
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

/* Run pre[] then the NULL-terminated va_list; the shell-style status. */
static int vrun(struct emu *st, const char *const *pre, va_list ap)
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
		fail_msg("%s did not finish within %d ms; stderr: %s", argv[0], RUN_TIMEOUT_MS,
			 st->err);
	return shell_status(status);
}

/* Any command (argv[0] a path), NULL-terminated. */
static int cmd(struct emu *st, ...)
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
static int sg(struct emu *st, ...)
{
	const char *const pre[] = {g_sysgate, "run", "-p",     "policy.ini", "--log",
				   "log",     "--",  g_target, NULL};
	va_list ap;
	int r;

	va_start(ap, st);
	r = vrun(st, pre, ap);
	va_end(ap);
	return r;
}

/* The same with JSON records. */
static int sg_json(struct emu *st, ...)
{
	const char *const pre[] = {g_sysgate,	   "run",  "-p", "policy.ini", "--log", "log",
				   "--log-format", "json", "--", g_target,     NULL};
	va_list ap;
	int r;

	va_start(ap, st);
	r = vrun(st, pre, ap);
	va_end(ap);
	return r;
}

/* sg-target OPS... without sysgate: what the kernel alone says. */
static int native(struct emu *st, ...)
{
	const char *const pre[] = {g_target, NULL};
	va_list ap;
	int r;

	va_start(ap, st);
	r = vrun(st, pre, ap);
	va_end(ap);
	return r;
}

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

#define assert_line(text, line) assert_line_impl((text), (line), #text, __FILE__, __LINE__)

static int count_lines_with(const char *text, const char *needle)
{
	int n = 0;

	for (const char *p = text; p && *p;) {
		const char *e = strchrnul(p, '\n');
		char *line = strndup(p, (size_t)(e - p));

		if (line && strstr(line, needle))
			n++;
		free(line);
		p = *e ? e + 1 : NULL;
	}
	return n;
}

/* The value after "key=" in the first line starting with prefix, or -1. */
static long field(const char *text, const char *prefix, const char *key)
{
	const char *p = text;
	char k[64];

	snprintf(k, sizeof(k), " %s=", key);
	while (p && *p) {
		const char *e = strchrnul(p, '\n');

		if (!strncmp(p, prefix, strlen(prefix))) {
			const char *v = strstr(p, k);

			return v && v < e ? atol(v + strlen(k)) : -1;
		}
		p = *e ? e + 1 : NULL;
	}
	return -1;
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

	if (lstat(path, &s) < 0)
		return 0xffffffffu;
	return s.st_mode & 07777;
}

static void assert_owner(const char *path, uid_t uid, gid_t gid)
{
	struct stat s;

	assert_int_equal(lstat(path, &s), 0);
	assert_int_equal(s.st_uid, uid);
	assert_int_equal(s.st_gid, gid);
}

/* Entries in a directory other than . and .. */
static int count_entries(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

/* Wait until DIR/out has a line containing needle. */
static bool wait_output(struct emu *st, const char *needle, long timeout_ms)
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

/* An executable found on PATH's usual places, or NULL. */
static const char *tool(const char *name)
{
	static const char *const dirs[] = {"/usr/bin", "/bin", "/usr/sbin", "/sbin"};
	static char buf[4][PATH_MAX];
	static int next;
	char *b = buf[next++ % 4];

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(b, PATH_MAX, "%s/%s", dirs[i], name);
		if (access(b, X_OK) == 0)
			return b;
	}
	return NULL;
}

/* The n-th line of text (from 0) parsed as JSON, or NULL. */
static struct json_object *json_line(const char *text, int n)
{
	const char *p = text;
	struct json_object *o;
	char *line;

	for (int i = 0; i < n && p; i++) {
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	if (!p || !*p)
		return NULL;
	line = strndup(p, (size_t)(strchrnul(p, '\n') - p));
	o = line ? json_tokener_parse(line) : NULL;
	free(line);
	return o;
}

static const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static bool jbool(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_boolean) &&
	       json_object_get_boolean(v);
}

static bool jint(struct json_object *o, const char *key, int64_t *ret)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
		return false;
	*ret = json_object_get_int64(v);
	return true;
}

/* ---- setup and teardown ---- */

static int setup(void **state)
{
	struct emu *st = calloc(1, sizeof(*st));

	if (!st)
		return -1;
	snprintf(st->dir, sizeof(st->dir), "/tmp/sg-emu.XXXXXX");
	if (!mkdtemp(st->dir)) {
		free(st);
		return -1;
	}
	snprintf(st->out_path, sizeof(st->out_path), "%s/out", st->dir);
	snprintf(st->err_path, sizeof(st->err_path), "%s/err", st->dir);
	snprintf(st->log_path, sizeof(st->log_path), "%s/log", st->dir);
	st->out = strdup("");
	st->err = strdup("");
	st->log = strdup("");
	*state = st;
	/* ok: where the policies let calls through; no: where they do not.
	 * Both writable by anyone, so only the policy (or the credentials
	 * being tested) decides. */
	if (chmod(st->dir, 0755) < 0 || mkdir(tp(st, "%s/ok", st->dir), 0700) < 0 ||
	    chmod(tp(st, "%s/ok", st->dir), 0777) < 0 ||
	    mkdir(tp(st, "%s/no", st->dir), 0700) < 0 || chmod(tp(st, "%s/no", st->dir), 0777) < 0)
		return -1;
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
	struct emu *st = *state;

	for (size_t i = 0; i < st->n_pids; i++)
		if (st->pids[i] > 0) {
			kill(st->pids[i], SIGKILL);
			waitpid(st->pids[i], NULL, 0);
		}
	nftw(st->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	for (int i = 0; i < 2; i++)
		if (st->escape[i][0])
			rmdir(st->escape[i]);
	for (size_t i = 0; i < st->n_strs; i++)
		free(st->strs[i]);
	free(st->out);
	free(st->err);
	free(st->log);
	free(st);
	return 0;
}

/*
 * The policy most tests use: emulate under DIR/ok, refuse elsewhere.
 * Line 2 emulates mkdir, 3 denies it; 5 emulates chmod, 6 denies it.
 */
#define POLICY_EMU                                                                                 \
	"[mkdir]\n"                                                                                \
	"emulate = path ~ %s/ok/**\n"                                                              \
	"deny = EACCES *\n"                                                                        \
	"[chmod]\n"                                                                                \
	"emulate = path ~ %s/ok/**\n"                                                              \
	"deny = *\n"

static void write_policy_emu(struct emu *st)
{
	write_policy(st, POLICY_EMU, st->dir, st->dir);
}

/* The same with allow: reached after a path condition, it is emulated too. */
#define POLICY_ALLOW                                                                               \
	"[mkdir]\n"                                                                                \
	"allow = path ~ %s/ok/**\n"                                                                \
	"deny = EACCES *\n"                                                                        \
	"[chmod]\n"                                                                                \
	"allow = path ~ %s/ok/**\n"                                                                \
	"deny = *\n"

/* ---- emulate returns the real result ---- */

static void test_result_success_and_eexist(void **state)
{
	struct emu *st = *state;
	const char *a = tp(st, "%s/ok/a", st->dir);

	write_policy_emu(st);
	assert_int_equal(sg(st, "mkdir", a, "0777", ":", "mkdir", a, "0700", ":", "stat", a, NULL),
			 0);
	assert_line(st->out, tp(st, "mkdir %s = 0", a));
	assert_line(st->out, tp(st, "mkdir %s = -1 EEXIST", a));
	/* The target's umask (022) applied once, by the kernel; the second
	 * mkdir changed nothing. */
	assert_line(st->out, tp(st, "stat %s = 0755 0 0", a));
	assert_int_equal(mode_of(a), 0755);
}

static void test_result_enoent_enotdir_eloop_as_kernel(void **state)
{
	struct emu *st = *state;
	const char *missing = tp(st, "%s/ok/missing/x", st->dir);
	const char *notdir = tp(st, "%s/ok/file/x", st->dir);
	const char *loop = tp(st, "%s/ok/loop1/x", st->dir);
	const char *after = tp(st, "%s/ok/after", st->dir);
	char *ref;

	write_file(tp(st, "%s/ok/file", st->dir), "", 0644);
	assert_int_equal(symlink("loop2", tp(st, "%s/ok/loop1", st->dir)), 0);
	assert_int_equal(symlink("loop1", tp(st, "%s/ok/loop2", st->dir)), 0);
	write_policy_emu(st);
	/* Without sysgate first: the kernel's own answers are the reference. */
	assert_int_equal(native(st, "mkdir", missing, ":", "mkdir", notdir, ":", "mkdir", loop, ":",
				"chmod", tp(st, "%s/ok/missing", st->dir), "0700", NULL),
			 0);
	ref = strdup(st->out);
	assert_non_null(ref);
	assert_int_equal(sg(st, "mkdir", missing, ":", "mkdir", notdir, ":", "mkdir", loop, ":",
			    "chmod", tp(st, "%s/ok/missing", st->dir), "0700", ":", "mkdir", after,
			    NULL),
			 0);
	assert_line(ref, tp(st, "mkdir %s = -1 ENOENT", missing));
	assert_line(ref, tp(st, "mkdir %s = -1 ENOTDIR", notdir));
	assert_line(ref, tp(st, "mkdir %s = -1 ELOOP", loop));
	assert_line(ref, tp(st, "chmod %s/ok/missing = -1 ENOENT", st->dir));
	/* sysgate's output is the kernel's, line for line, and one more. */
	assert_int_equal(strncmp(st->out, ref, strlen(ref)), 0);
	free(ref);
	assert_line(st->out, tp(st, "mkdir %s = 0", after));
	assert_false(exists(tp(st, "%s/ok/missing", st->dir)));
	assert_false(exists(tp(st, "%s/ok/loop2/x", st->dir)));
	assert_true(exists(after));
}

static void test_result_eacces_parent_not_writable(void **state)
{
	struct emu *st = *state;
	const char *x = tp(st, "%s/ok/ro/x", st->dir);
	pid_t pid;

	/* root's 0755 directory: a root supervisor could write there, nobody
	 * cannot, and the target is nobody. */
	make_dir(tp(st, "%s/ok/ro", st->dir), 0755, 0, 0);
	write_policy_emu(st);
	assert_int_equal(sg(st, "pid", ":", "become", "65534", "65534", ":", "mkdir", x, ":",
			    "mkdir", tp(st, "%s/ok/fine", st->dir), NULL),
			 0);
	pid = target_pid(st->out);
	assert_line(st->out, "become 65534 65534 = 0");
	assert_line(st->out, tp(st, "mkdir %s = -1 EACCES", x));
	assert_false(exists(x));
	assert_line(st->out, tp(st, "mkdir %s/ok/fine = 0", st->dir));
	assert_line(st->log, tp(st,
				"sysgate: %d %s mkdir(\"%s\", 0755) = -1 EACCES "
				"[emulate policy.ini:2]",
				(int)pid, g_target_real, x));
}

static void test_result_erofs_on_readonly_bind_mount(void **state)
{
	struct emu *st = *state;
	const char *ro = tp(st, "%s/ok/ro", st->dir), *x = tp(st, "%s/ok/ro/x", st->dir);
	const char *f = tp(st, "%s/ok/ro/f", st->dir);
	const char *unshare = tool("unshare"), *sh = tool("sh");

	if (!unshare || !sh || !tool("mount"))
		skip();
	make_dir(ro, 0777, 0, 0);
	write_file(f, "", 0644);
	write_policy_emu(st);
	/* A private mount namespace for sysgate and its target, where ok/ro
	 * is read-only; nothing of it is visible here. */
	assert_int_equal(cmd(st, unshare, "-m", "--propagation", "private", sh, "-c",
			     "mount --bind -o ro \"$0\" \"$0\" || exit 99\n"
			     "exec \"$1\" run -p policy.ini --log log -- \"$2\" mkdir \"$0/x\" : "
			     "chmod \"$0/f\" 0600 : mkdir \"$3\"",
			     ro, g_sysgate, g_target, tp(st, "%s/ok/rw", st->dir), NULL),
			 0);
	assert_line(st->out, tp(st, "mkdir %s = -1 EROFS", x));
	assert_line(st->out, tp(st, "chmod %s = -1 EROFS", f));
	assert_line(st->out, tp(st, "mkdir %s/ok/rw = 0", st->dir));
	assert_false(exists(x));
	assert_int_equal(mode_of(f), 0644);
	assert_int_equal(count_lines_with(st->log, "= -1 EROFS [emulate policy.ini:"), 2);
}

/* ---- acting on the path the target named ---- */

static void test_path_relative_to_cwd(void **state)
{
	struct emu *st = *state;
	pid_t pid;

	write_policy_emu(st);
	assert_int_equal(sg(st, "pid", ":", "chdir", tp(st, "%s/ok", st->dir), ":", "mkdir", "rel",
			    "0700", ":", "mkdir", "../no/rel", ":", "chdir", "../no", ":", "mkdir",
			    "rel2", ":", "mkdir", "../ok/rel3", NULL),
			 0);
	pid = target_pid(st->out);
	assert_line(st->out, "mkdir rel = 0");
	assert_line(st->out, "mkdir ../no/rel = -1 EACCES");
	assert_line(st->out, "mkdir rel2 = -1 EACCES");
	assert_line(st->out, "mkdir ../ok/rel3 = 0");
	assert_int_equal(mode_of(tp(st, "%s/ok/rel", st->dir)), 0700);
	assert_true(exists(tp(st, "%s/ok/rel3", st->dir)));
	assert_false(exists(tp(st, "%s/no/rel", st->dir)));
	assert_false(exists(tp(st, "%s/no/rel2", st->dir)));
	assert_false(exists(tp(st, "%s/rel", st->dir)));
	assert_line(st->log, tp(st,
				"sysgate: %d %s mkdir(\"rel\", 0700) = 0 [emulate policy.ini:2] "
				"path=\"%s/ok/rel\"",
				(int)pid, g_target_real, st->dir));
}

static void test_path_relative_to_dirfd_not_cwd(void **state)
{
	struct emu *st = *state;
	const char *ok = tp(st, "%s/ok", st->dir), *no = tp(st, "%s/no", st->dir);

	write_file(tp(st, "%s/no/f", st->dir), "", 0644);
	write_file(tp(st, "%s/ok/f", st->dir), "", 0644);
	write_policy_emu(st);
	/* The dirfd decides, wherever the cwd is. */
	assert_int_equal(sg(st, "dirfd", ok, ":", "chdir", no, ":", "mkdirat", "fd", "viafd",
			    "0700", ":", "fchmodat", "fd", "viafd", "0711", ":", "fchmodat", "fd",
			    "f", "0600", ":", "dirfd", no, ":", "chdir", ok, ":", "mkdirat", "fd",
			    "evil", ":", "fchmodat", "fd", "f", "0666", NULL),
			 0);
	assert_line(st->out, "mkdirat fd viafd = 0");
	assert_line(st->out, "fchmodat fd viafd = 0");
	assert_line(st->out, "mkdirat fd evil = -1 EACCES");
	assert_line(st->out, "fchmodat fd f = 0");
	assert_line(st->out, "fchmodat fd f = -1 EPERM");
	assert_int_equal(mode_of(tp(st, "%s/ok/viafd", st->dir)), 0711);
	assert_false(exists(tp(st, "%s/no/viafd", st->dir)));
	assert_int_equal(mode_of(tp(st, "%s/ok/f", st->dir)), 0600);
	assert_int_equal(mode_of(tp(st, "%s/no/f", st->dir)), 0644);
	assert_false(exists(tp(st, "%s/no/evil", st->dir)));
	assert_false(exists(tp(st, "%s/ok/evil", st->dir)));
	assert_int_equal(count_lines_with(st->log, tp(st, "path=\"%s/ok/viafd\"", st->dir)), 2);
}

static void test_path_i386_at_fdcwd_same_as_native(void **state)
{
	struct emu *st = *state;
	const char *ok = tp(st, "%s/ok", st->dir), *no = tp(st, "%s/no", st->dir);
	char *ref;

	write_policy_emu(st);
	/* The same calls natively (in DIR/no, which nothing guards then) and
	 * under sysgate (in DIR/ok): the same answers. */
	assert_int_equal(native(st, "chdir", no, ":", "mkdirat32", "cwd", "a32", "0700", ":",
				"mkdirat32", "cwd", "a32", ":", "fchmodat32", "cwd", "a32", "0750",
				":", "mkdirat", "cwd", "a64", "0700", ":", "mkdir32", "m32", "0701",
				":", "chmod32", "m32", "0705", ":", "mkdirat32", "cwd", "none/x",
				":", "fchmodat32", "cwd", "none", "0700", ":", "stat", "a32", ":",
				"stat", "m32", NULL),
			 0);
	ref = strdup(strchr(st->out, '\n') + 1); /* after "chdir ... = 0" */
	assert_non_null(ref);
	assert_int_equal(sg(st, "chdir", ok, ":", "mkdirat32", "cwd", "a32", "0700", ":",
			    "mkdirat32", "cwd", "a32", ":", "fchmodat32", "cwd", "a32", "0750", ":",
			    "mkdirat", "cwd", "a64", "0700", ":", "mkdir32", "m32", "0701", ":",
			    "chmod32", "m32", "0705", ":", "mkdirat32", "cwd", "none/x", ":",
			    "fchmodat32", "cwd", "none", "0700", ":", "stat", "a32", ":", "stat",
			    "m32", NULL),
			 0);
	assert_line(ref, "mkdirat32 cwd a32 = 0");
	assert_line(ref, "mkdirat32 cwd a32 = -1 EEXIST");
	assert_line(ref, "stat a32 = 0750 0 0");
	assert_string_equal(strchr(st->out, '\n') + 1, ref);
	free(ref);
	assert_int_equal(mode_of(tp(st, "%s/ok/a32", st->dir)), 0750);
	assert_int_equal(mode_of(tp(st, "%s/ok/a64", st->dir)), 0700);
	assert_int_equal(mode_of(tp(st, "%s/ok/m32", st->dir)), 0705);
	assert_int_equal(count_lines_with(st->log, "i386:mkdirat(AT_FDCWD, \"a32\", 0700) = 0 "
						   "[emulate policy.ini:2]"),
			 1);
	assert_int_equal(count_lines_with(st->log, "i386:fchmodat(AT_FDCWD, \"a32\", 0750) = 0 "
						   "[emulate policy.ini:5]"),
			 1);
	/* And from DIR/no the 32-bit entry is refused like the native one. */
	assert_int_equal(sg(st, "chdir", no, ":", "mkdirat32", "cwd", "b32", ":", "mkdirat", "cwd",
			    "b64", NULL),
			 0);
	assert_line(st->out, "mkdirat32 cwd b32 = -1 EACCES");
	assert_line(st->out, "mkdirat cwd b64 = -1 EACCES");
	assert_false(exists(tp(st, "%s/no/b32", st->dir)));
	assert_false(exists(tp(st, "%s/no/b64", st->dir)));
}

/* ---- inside the target's root ---- */

static void test_root_chroot_target_acts_inside_its_root(void **state)
{
	struct emu *st = *state;
	const char *jail = tp(st, "%s/jail", st->dir);
	pid_t pid;

	snprintf(st->escape[0], sizeof(st->escape[0]), "/tmp/sg-emu-escape-%d-%.32s", (int)getpid(),
		 strrchr(st->dir, '.') + 1);
	snprintf(st->escape[1], sizeof(st->escape[1]), "/tmp/sg-emu-escape-%d-%.32s-link",
		 (int)getpid(), strrchr(st->dir, '.') + 1);
	assert_false(exists(st->escape[0]));
	assert_false(exists(st->escape[1]));
	make_dir(jail, 0755, 0, 0);
	make_dir(tp(st, "%s/sandbox", jail), 0755, 0, 0);
	make_dir(tp(st, "%s/tmp", jail), 01777, 0, 0);
	make_dir(tp(st, "%s/etc", jail), 0755, 0, 0);
	/* An absolute symlink means the jail's /tmp to the target. */
	assert_int_equal(symlink("/tmp", tp(st, "%s/sandbox/abs", jail)), 0);
	/* Globs in the session's view, the one sysgate run started in: a
	 * chroot changes where the target's paths land, not what they are. */
	write_policy(st,
		     "[mkdir]\n"
		     "emulate = path ~ %s/sandbox/**\n"
		     "emulate = path ~ %s/tmp/**\n"
		     "deny = EACCES *\n"
		     "[chmod]\n"
		     "emulate = path ~ %s/sandbox/**\n"
		     "deny = *\n",
		     jail, jail, jail);
	assert_int_equal(sg(st, "pid", ":", "chroot", jail, ":", "mkdir", "/sandbox/a", "0777", ":",
			    "chmod", "/sandbox/a", "0700", ":", "chdir", "/sandbox", ":", "mkdir",
			    "rel", ":", "mkdir", tp(st, "../../..%s", st->escape[0]), ":", "mkdir",
			    tp(st, "/sandbox/abs/%s", strrchr(st->escape[1], '/') + 1), ":",
			    "mkdir", "/etc/x", ":", "mkdir", tp(st, "%s/ok/host", st->dir), ":",
			    "_exit", "0", NULL),
			 0);
	pid = target_pid(st->out);
	assert_line(st->out, tp(st, "chroot %s = 0", jail));
	assert_line(st->out, "mkdir /sandbox/a = 0");
	assert_line(st->out, "chmod /sandbox/a = 0");
	assert_line(st->out, "mkdir rel = 0");
	assert_line(st->out, tp(st, "mkdir ../../..%s = 0", st->escape[0]));
	assert_line(st->out, "mkdir /etc/x = -1 EACCES");
	/* The host's DIR/ok does not exist in the jail: its parent is missing. */
	assert_line(st->out, tp(st, "mkdir %s/ok/host = -1 ENOENT", st->dir));
	assert_int_equal(mode_of(tp(st, "%s/sandbox/a", jail)), 0700);
	assert_true(exists(tp(st, "%s/sandbox/rel", jail)));
	/* ".." stops at the target's root, absolute symlinks start there. */
	assert_true(exists(tp(st, "%s/tmp/%s", jail, strrchr(st->escape[0], '/') + 1)));
	assert_true(exists(tp(st, "%s/tmp/%s", jail, strrchr(st->escape[1], '/') + 1)));
	assert_false(exists(st->escape[0]));
	assert_false(exists(st->escape[1]));
	assert_false(exists(tp(st, "%s/etc/x", jail)));
	assert_false(exists(tp(st, "%s/ok/host", st->dir)));
	/* The log names where the call acted, in the session's view. */
	assert_line(st->log, tp(st,
				"sysgate: %d %s mkdir(\"rel\", 0755) = 0 [emulate policy.ini:2] "
				"path=\"%s/sandbox/rel\"",
				(int)pid, g_target_real, jail));
}

/* A chroot cannot rename a place: a policy written for the target's own
 * view of a jail does not match once the jail is seen from the session. */
static void test_root_chroot_cannot_rename_paths(void **state)
{
	struct emu *st = *state;
	const char *jail = tp(st, "%s/jail", st->dir);

	make_dir(jail, 0755, 0, 0);
	make_dir(tp(st, "%s/sandbox", jail), 0755, 0, 0);
	write_policy(st, "[mkdir]\n"
			 "emulate = path ~ /sandbox/**\n"
			 "deny = EACCES *\n");
	assert_int_equal(sg(st, "chroot", jail, ":", "mkdir", "/sandbox/b", "0700", ":", "_exit",
			    "0", NULL),
			 0);
	assert_line(st->out, "mkdir /sandbox/b = -1 EACCES");
	assert_false(exists(tp(st, "%s/sandbox/b", jail)));
}

static void test_root_fds_from_outside_root_act_where_kernel_would(void **state)
{
	struct emu *st = *state;
	const char *jail = tp(st, "%s/jail", st->dir);
	const char *mirror = tp(st, "%s%s/ok", jail, st->dir);

	/* A target that chroots without chdir keeps its cwd and its fds
	 * outside the new root: the kernel resolves relative paths from them,
	 * and ".." never meets the root on the way. The jail holds a copy of
	 * DIR/ok under the same name, where a supervisor that re-rooted the
	 * walk would act instead. */
	make_dir(jail, 0755, 0, 0);
	assert_int_equal(cmd(st, tool("mkdir"), "-p", mirror, NULL), 0);
	write_policy_emu(st);
	assert_int_equal(native(st, "dirfd", "ok", ":", "chroot-only", jail, ":", "mkdir",
				"ok/nrel", ":", "mkdirat", "fd", "nviafd", ":", "_exit", "0", NULL),
			 0);
	assert_line(st->out, "mkdir ok/nrel = 0");
	assert_line(st->out, "mkdirat fd nviafd = 0");
	assert_true(exists(tp(st, "%s/ok/nrel", st->dir)));
	assert_true(exists(tp(st, "%s/ok/nviafd", st->dir)));
	assert_int_equal(sg(st, "dirfd", "ok", ":", "chroot-only", jail, ":", "mkdir", "ok/rel",
			    ":", "mkdirat", "fd", "viafd", ":", "fchmodat", "fd", "viafd", "0700",
			    ":", "_exit", "0", NULL),
			 0);
	assert_line(st->out, tp(st, "chroot-only %s = 0", jail));
	assert_line(st->out, "mkdir ok/rel = 0");
	assert_line(st->out, "mkdirat fd viafd = 0");
	assert_line(st->out, "fchmodat fd viafd = 0");
	/* Not in the jail's look-alike... */
	assert_int_equal(count_entries(mirror), 0);
	/* ...but where the target's cwd and fd are. */
	assert_true(exists(tp(st, "%s/ok/rel", st->dir)));
	assert_int_equal(mode_of(tp(st, "%s/ok/viafd", st->dir)), 0700);
}

/* ---- inside the target's mount namespace ---- */

/*
 * A process that makes a mount namespace of its own can put any directory
 * under any name (bind mounts need no privilege in a user namespace of its
 * own). Its paths mean nothing to the policy any more: every call judged by
 * path fails with EPERM, and nothing is created anywhere.
 */
static void test_mntns_own_namespace_refused(void **state)
{
	struct emu *st = *state;
	const char *mnt = tp(st, "%s/ok/mnt", st->dir);
	const char *in = tp(st, "%s/ok/mnt/inside", st->dir);
	const char *beside = tp(st, "%s/ok/beside", st->dir);

	make_dir(mnt, 0755, 0, 0);
	write_policy_emu(st);
	assert_int_equal(sg(st, "unshare-mnt-tmpfs", mnt, ":", "mkdir", in, "0700", ":", "mkdir",
			    beside, "0700", ":", "chmod", mnt, "0711", NULL),
			 0);
	assert_line(st->out, tp(st, "unshare-mnt-tmpfs %s = 0", mnt));
	assert_line(st->out, tp(st, "mkdir %s = -1 EPERM", in));
	assert_line(st->out, tp(st, "mkdir %s = -1 EPERM", beside));
	assert_line(st->out, tp(st, "chmod %s = -1 EPERM", mnt));
	assert_false(exists(in));
	assert_false(exists(beside));
	assert_int_equal(count_entries(mnt), 0);
	assert_int_equal(mode_of(mnt), 0755);
}

/* ---- with the target's credentials ---- */

static void test_creds_unprivileged_owner_umask_eacces_eperm(void **state)
{
	struct emu *st = *state;
	const char *pub = tp(st, "%s/ok/pub", st->dir), *n = tp(st, "%s/ok/pub/n", st->dir);
	const char *m = tp(st, "%s/ok/pub/m", st->dir), *x = tp(st, "%s/ok/ro/x", st->dir);
	const char *rootfile = tp(st, "%s/ok/rootfile", st->dir);

	make_dir(pub, 0777, 0, 0);
	make_dir(tp(st, "%s/ok/ro", st->dir), 0755, 0, 0);
	write_file(rootfile, "", 0644);
	write_policy_emu(st);
	assert_int_equal(sg(st, "become", "65534", "65534", ":", "mkdir", n, "0777", ":", "mkdir",
			    x, ":", "chmod", rootfile, "0666", ":", "umask", "077", ":", "mkdir", m,
			    "0777", ":", "chmod", n, "0701", NULL),
			 0);
	assert_line(st->out, tp(st, "mkdir %s = 0", n));
	assert_line(st->out, tp(st, "mkdir %s = -1 EACCES", x));
	assert_line(st->out, tp(st, "chmod %s = -1 EPERM", rootfile));
	assert_line(st->out, tp(st, "mkdir %s = 0", m));
	assert_line(st->out, tp(st, "chmod %s = 0", n));
	assert_owner(n, NOBODY, NOBODY);
	assert_owner(m, NOBODY, NOBODY);
	assert_int_equal(mode_of(n), 0701);
	assert_int_equal(mode_of(m), 0700);
	assert_false(exists(x));
	assert_int_equal(mode_of(rootfile), 0644);
}

static void test_creds_setgid_parent_gives_group_and_bit(void **state)
{
	struct emu *st = *state;
	const char *sgd = tp(st, "%s/ok/sgid", st->dir), *n = tp(st, "%s/ok/sgid/n", st->dir);

	make_dir(sgd, 02777, 0, OTHER_GID);
	write_policy_emu(st);
	assert_int_equal(sg(st, "become", "65534", "65534", ":", "mkdir", n, "0755", NULL), 0);
	assert_line(st->out, tp(st, "mkdir %s = 0", n));
	assert_owner(n, NOBODY, OTHER_GID);
	assert_int_equal(mode_of(n), 02755);
}

static void test_creds_default_acl_wins_over_umask(void **state)
{
	struct emu *st = *state;
	const char *acl = tp(st, "%s/ok/acl", st->dir), *n = tp(st, "%s/ok/acl/n", st->dir);
	const char *setfacl = tool("setfacl");

	if (!setfacl) {
		print_message("setfacl not found (install the acl package): skipped\n");
		skip();
	}
	make_dir(acl, 0777, 0, 0);
	assert_int_equal(cmd(st, setfacl, "-d", "-m", "u::rwx,g::r-x,o::---", acl, NULL), 0);
	write_policy_emu(st);
	/* umask 077 would give 0700; the default ACL replaces the umask. */
	assert_int_equal(sg(st, "become", "65534", "65534", ":", "umask", "077", ":", "mkdir", n,
			    "0777", NULL),
			 0);
	assert_line(st->out, tp(st, "mkdir %s = 0", n));
	assert_owner(n, NOBODY, NOBODY);
	assert_int_equal(mode_of(n), 0750);
}

static void test_creds_chmod_setgid_cleared_for_non_member(void **state)
{
	struct emu *st = *state;
	const char *g = tp(st, "%s/ok/g", st->dir), *h = tp(st, "%s/ok/h", st->dir);

	write_file(g, "", 0644);
	write_file(h, "", 0644);
	assert_int_equal(chown(g, NOBODY, OTHER_GID), 0);
	assert_int_equal(chown(h, NOBODY, OTHER_GID), 0);
	write_policy_emu(st);
	/* Not in the file's group: the call succeeds and S_ISGID is dropped. */
	assert_int_equal(sg(st, "become", "65534", "65534", ":", "chmod", g, "02755", NULL), 0);
	assert_line(st->out, tp(st, "chmod %s = 0", g));
	assert_int_equal(mode_of(g), 0755);
	/* A member (supplementary group) keeps it. */
	assert_int_equal(sg(st, "become", "65534", "65534", "4242", ":", "chmod", h, "02755", NULL),
			 0);
	assert_line(st->out, tp(st, "chmod %s = 0", h));
	assert_int_equal(mode_of(h), 02755);
}

static void test_creds_many_supplementary_groups(void **state)
{
	struct emu *st = *state;
	const char *g = tp(st, "%s/ok/g", st->dir), *n = tp(st, "%s/ok/g/n", st->dir);
	char groups[4096];
	size_t len = 0;

	/* 300 groups (Linux allows 65536); only the last one may write in g. */
	for (int i = 5001; i <= 5300; i++)
		len += (size_t)snprintf(groups + len, sizeof(groups) - len, "%s%d",
					i > 5001 ? "," : "", i);
	assert_true(len < sizeof(groups));
	make_dir(g, 0770, 0, 5300);
	write_policy_emu(st);
	assert_int_equal(sg(st, "become", "65534", "65534", groups, ":", "mkdir", n, NULL), 0);
	assert_line(st->out, tp(st, "mkdir %s = 0", n));
	assert_owner(n, NOBODY, NOBODY);
}

static void test_creds_root_target_owns_as_root(void **state)
{
	struct emu *st = *state;
	const char *r = tp(st, "%s/ok/r", st->dir);
	const char *ro = tp(st, "%s/ok/ro", st->dir);

	make_dir(ro, 0555, NOBODY, NOBODY);
	write_policy_emu(st);
	/* Root may write where its mode says nobody may (CAP_DAC_OVERRIDE). */
	assert_int_equal(sg(st, "mkdir", r, ":", "mkdir", tp(st, "%s/x", ro), ":", "chmod", ro,
			    "0500", NULL),
			 0);
	assert_line(st->out, tp(st, "mkdir %s = 0", r));
	assert_line(st->out, tp(st, "mkdir %s/x = 0", ro));
	assert_line(st->out, tp(st, "chmod %s = 0", ro));
	assert_owner(r, 0, 0);
	assert_owner(tp(st, "%s/x", ro), 0, 0);
	assert_int_equal(mode_of(ro), 0500);
}

static void test_creds_unprivileged_supervisor_and_target(void **state)
{
	struct emu *st = *state;
	const char *setpriv = tool("setpriv");
	const char *u = tp(st, "%s/ok/u", st->dir), *x = tp(st, "%s/ok/ro/x", st->dir);

	if (!setpriv)
		skip();
	make_dir(tp(st, "%s/ok/ro", st->dir), 0755, 0, 0);
	make_dir(tp(st, "%s/logs", st->dir), 0777, 0, 0);
	write_policy_emu(st);
	assert_int_equal(cmd(st, setpriv, "--reuid=65534", "--regid=65534", "--clear-groups",
			     g_sysgate, "run", "-p", "policy.ini", "--log", "logs/log", "--",
			     g_target, "mkdir", u, "0750", ":", "stat", u, ":", "mkdir",
			     tp(st, "%s/no/u", st->dir), ":", "mkdir", x, ":", "chmod", u, "0700",
			     NULL),
			 0);
	assert_line(st->out, tp(st, "mkdir %s = 0", u));
	assert_line(st->out, tp(st, "stat %s = 0750 65534 65534", u));
	assert_line(st->out, tp(st, "mkdir %s/no/u = -1 EACCES", st->dir));
	assert_line(st->out, tp(st, "mkdir %s = -1 EACCES", x));
	assert_line(st->out, tp(st, "chmod %s = 0", u));
	assert_owner(u, NOBODY, NOBODY);
	assert_int_equal(mode_of(u), 0700);
	assert_false(exists(x));
	assert_false(exists(tp(st, "%s/no/u", st->dir)));
	{
		char *log = slurp(tp(st, "%s/logs/log", st->dir));
		int k = count_lines_with(log, "= 0 [emulate policy.ini:2]");

		free(log);
		assert_int_equal(k, 1);
	}
}

/* ---- the syscalls' own symlink rules ---- */

static void test_symlink_mkdir_dangling_eexist_creates_nothing(void **state)
{
	struct emu *st = *state;
	const char *dl = tp(st, "%s/ok/dl", st->dir), *dl2 = tp(st, "%s/ok/dl2", st->dir);

	assert_int_equal(symlink(tp(st, "%s/ok/there", st->dir), dl), 0);
	assert_int_equal(symlink(tp(st, "%s/no/there", st->dir), dl2), 0);
	write_policy_emu(st);
	assert_int_equal(sg(st, "mkdir", dl, ":", "mkdir", dl2, ":", "chdir",
			    tp(st, "%s/ok", st->dir), ":", "mkdir", "dl/", NULL),
			 0);
	assert_line(st->out, tp(st, "mkdir %s = -1 EEXIST", dl));
	assert_line(st->out, tp(st, "mkdir %s = -1 EEXIST", dl2));
	assert_false(exists(tp(st, "%s/ok/there", st->dir)));
	assert_false(exists(tp(st, "%s/no/there", st->dir)));
	/* A trailing slash does not make mkdir follow either (the kernel says
	 * EEXIST too). */
	assert_line(st->out, "mkdir dl/ = -1 EEXIST");
	assert_int_equal(count_lines_with(st->log, "= -1 EEXIST [emulate policy.ini:2]"), 3);
}

static void test_symlink_chmod_follows_and_judges_target(void **state)
{
	struct emu *st = *state;
	const char *f = tp(st, "%s/ok/f", st->dir), *lf = tp(st, "%s/ok/lf", st->dir);
	const char *secret = tp(st, "%s/no/secret", st->dir);
	const char *ls = tp(st, "%s/ok/lsecret", st->dir);
	pid_t pid;

	write_file(f, "", 0644);
	write_file(secret, "", 0644);
	assert_int_equal(symlink(f, lf), 0);
	assert_int_equal(symlink(secret, ls), 0);
	write_policy_emu(st);
	assert_int_equal(sg(st, "pid", ":", "chmod", lf, "0600", ":", "chmod", ls, "0666", ":",
			    "fchmodat", "cwd", ls, "0666", ":", "chmod32", ls, "0666", NULL),
			 0);
	pid = target_pid(st->out);
	assert_line(st->out, tp(st, "chmod %s = 0", lf));
	assert_int_equal(mode_of(f), 0600);
	assert_line(st->out, tp(st, "chmod %s = -1 EPERM", ls));
	assert_line(st->out, tp(st, "fchmodat cwd %s = -1 EPERM", ls));
	assert_line(st->out, tp(st, "chmod32 %s = -1 EPERM", ls));
	assert_int_equal(mode_of(secret), 0644);
	assert_line(st->log, tp(st,
				"sysgate: %d %s chmod(\"%s\", 0600) = 0 [emulate policy.ini:5] "
				"path=\"%s\"",
				(int)pid, g_target_real, lf, f));
	assert_line(st->log, tp(st,
				"sysgate: %d %s chmod(\"%s\", 0666) = -1 EPERM [deny policy.ini:6] "
				"path=\"%s\"",
				(int)pid, g_target_real, ls, secret));
}

static void test_symlink_fchmodat2_nofollow(void **state)
{
	struct emu *st = *state;
	const char *f = tp(st, "%s/ok/f", st->dir), *lf = tp(st, "%s/ok/lf", st->dir);
	const char *secret = tp(st, "%s/no/secret", st->dir);
	const char *ls = tp(st, "%s/ok/lsecret", st->dir);

	write_file(f, "", 0644);
	write_file(secret, "", 0644);
	assert_int_equal(symlink(f, lf), 0);
	assert_int_equal(symlink(secret, ls), 0);
	write_policy_emu(st);
	assert_int_equal(sg(st, "fchmodat2", "cwd", lf, "0600", "nofollow", ":", "fchmodat2", "cwd",
			    ls, "0666", "nofollow", ":", "fchmodat2", "cwd", f, "0640", "nofollow",
			    ":", "fchmodat2", "cwd", lf, "0604", "0", NULL),
			 0);
	/* On the link itself, which Linux refuses; the file stays as it was. */
	assert_line(st->out, tp(st, "fchmodat2 cwd %s nofollow = -1 EOPNOTSUPP", lf));
	assert_line(st->out, tp(st, "fchmodat2 cwd %s nofollow = -1 EOPNOTSUPP", ls));
	assert_int_equal(mode_of(secret), 0644);
	/* On a regular file it works; without the flag it follows. */
	assert_line(st->out, tp(st, "fchmodat2 cwd %s nofollow = 0", f));
	assert_line(st->out, tp(st, "fchmodat2 cwd %s 0 = 0", lf));
	assert_int_equal(mode_of(f), 0604);
	assert_int_equal(mode_of(lf), 0777);
}

static void test_symlink_fchmodat2_nofollow_trailing_slash_follows(void **state)
{
	struct emu *st = *state;
	const char *d = tp(st, "%s/ok/d", st->dir), *ld = tp(st, "%s/ok/ld/", st->dir);

	/* A trailing slash makes the kernel follow the link even with
	 * AT_SYMLINK_NOFOLLOW: the directory's mode changes. */
	make_dir(d, 0755, 0, 0);
	assert_int_equal(symlink("d", tp(st, "%s/ok/ld", st->dir)), 0);
	assert_int_equal(native(st, "fchmodat2", "cwd", ld, "0701", "nofollow", NULL), 0);
	assert_line(st->out, tp(st, "fchmodat2 cwd %s nofollow = 0", ld));
	assert_int_equal(mode_of(d), 0701);
	write_policy_emu(st);
	assert_int_equal(sg(st, "fchmodat2", "cwd", ld, "0700", "nofollow", ":", "dirfd", d, ":",
			    "fchmodat2", "fd", "", "0710", "empty", NULL),
			 0);
	assert_line(st->out, tp(st, "fchmodat2 cwd %s nofollow = 0", ld));
	/* AT_EMPTY_PATH on an O_PATH directory fd: the directory itself. */
	assert_line(st->out, "fchmodat2 fd  empty = 0");
	assert_int_equal(mode_of(d), 0710);
}

static void test_symlink_fchmod_opath_ebadf_and_fd_judged_by_path(void **state)
{
	struct emu *st = *state;
	const char *f = tp(st, "%s/ok/f", st->dir), *secret = tp(st, "%s/no/secret", st->dir);
	pid_t pid;

	write_file(f, "", 0644);
	write_file(secret, "", 0644);
	write_policy_emu(st);
	assert_int_equal(sg(st, "pid", ":", "fchmod-opath", f, "0600", ":", "fchmod", f, "0640",
			    ":", "fchmod", secret, "0600", NULL),
			 0);
	pid = target_pid(st->out);
	assert_line(st->out, tp(st, "fchmod-opath %s = -1 EBADF", f));
	assert_line(st->out, tp(st, "fchmod %s = 0", f));
	assert_line(st->out, tp(st, "fchmod %s = -1 EPERM", secret));
	assert_int_equal(mode_of(f), 0640);
	assert_int_equal(mode_of(secret), 0644);
	/* The fd number depends on what the test runner left open: match the
	 * rest of the line. */
	/* Three records: the O_PATH one (EBADF, as the kernel answers), the
	 * emulated one, the denied one. */
	assert_int_equal(count_lines_with(st->log, tp(st, "sysgate: %d %s fchmod(", (int)pid,
						      g_target_real)),
			 3);
	assert_int_equal(count_lines_with(st->log, ", 0600) = -1 EBADF"), 1);
	assert_int_equal(count_lines_with(st->log, tp(st,
						      ", 0640) = 0 "
						      "[emulate policy.ini:5] path=\"%s\"",
						      f)),
			 1);
	assert_int_equal(count_lines_with(st->log, tp(st,
						      ", 0600) = -1 EPERM "
						      "[deny policy.ini:6] path=\"%s\"",
						      secret)),
			 1);
}

/* ---- no window: racing threads ---- */

#define RACE_N "3000"

/* ok/rx and no/rx have the same length: the flipping thread only ever
 * leaves one of the two (or, mid-copy, a mix naming neither) in the buffer. */
static void race_buffer_flip(struct emu *st)
{
	const char *a = tp(st, "%s/ok/rx", st->dir), *b = tp(st, "%s/no/rx", st->dir);
	long ok, seen;

	assert_int_equal(sg(st, "race-mkdir", a, b, RACE_N, NULL), 0);
	ok = field(st->out, "race-mkdir", "ok");
	seen = field(st->out, "race-mkdir", "forbidden-seen");
	print_message("race-mkdir: ok=%ld failed=%ld forbidden-seen=%ld\n", ok,
		      field(st->out, "race-mkdir", "failed"), seen);
	assert_true(ok >= 0);
	assert_int_equal(seen, 0);
	assert_false(exists(b));
	assert_int_equal(count_entries(tp(st, "%s/no", st->dir)), 0);
	/* The flip did happen under sysgate's eyes: some calls were allowed. */
	assert_true(ok > 0);
}

/* ok/sw/sub (a directory) and ok/sw/alt (a symlink to DIR/no) trade places
 * while the target makes ok/sw/sub/x.N. */
static void race_symlink_swap(struct emu *st)
{
	const char *sw = tp(st, "%s/ok/sw", st->dir);
	long ok;

	make_dir(sw, 0777, 0, 0);
	make_dir(tp(st, "%s/sub", sw), 0777, 0, 0);
	assert_int_equal(symlink(tp(st, "%s/no", st->dir), tp(st, "%s/alt", sw)), 0);
	assert_int_equal(sg(st, "race-symlink-mkdir", tp(st, "%s/sub", sw), tp(st, "%s/alt", sw),
			    tp(st, "%s/sub/x", sw), "2000", NULL),
			 0);
	ok = field(st->out, "race-symlink-mkdir", "ok");
	print_message("race-symlink-mkdir: ok=%ld failed=%ld\n", ok,
		      field(st->out, "race-symlink-mkdir", "failed"));
	assert_true(ok > 0);
	assert_int_equal(count_entries(tp(st, "%s/no", st->dir)), 0);
}

static void test_race_path_buffer_flip_never_forbidden(void **state)
{
	struct emu *st = *state;

	write_policy_emu(st);
	race_buffer_flip(st);
}

static void test_race_symlink_swap_never_forbidden(void **state)
{
	struct emu *st = *state;

	write_policy_emu(st);
	race_symlink_swap(st);
}

static void test_race_allow_after_path_is_emulated_buffer_flip(void **state)
{
	struct emu *st = *state;

	write_policy(st, POLICY_ALLOW, st->dir, st->dir);
	race_buffer_flip(st);
}

static void test_race_allow_after_path_is_emulated_symlink_swap(void **state)
{
	struct emu *st = *state;

	write_policy(st, POLICY_ALLOW, st->dir, st->dir);
	race_symlink_swap(st);
}

/* ---- bad input ---- */

/* DIR/ok/bbb.../bbb.../ with the last component sized so that the whole,
 * with its trailing "/", is len bytes; made on the host. */
static const char *deep_prefix(struct emu *st, const char *top, size_t len)
{
	char path[PATH_MAX];
	size_t n;

	n = (size_t)snprintf(path, sizeof(path), "%s", top);
	while (len - n > 200 + 1) {
		path[n++] = '/';
		memset(path + n, 'b', 199);
		n += 199;
		path[n] = '\0';
		assert_int_equal(mkdir(path, 0755), 0);
	}
	/* the last component: len - n - 2 bytes between "/" and "/" */
	assert_true(len - n >= 3);
	path[n++] = '/';
	memset(path + n, 'c', len - n - 1);
	n = len - 1;
	path[n] = '\0';
	assert_int_equal(mkdir(path, 0755), 0);
	path[n++] = '/';
	path[n] = '\0';
	assert_int_equal(strlen(path), len);
	return tp(st, "%s", path);
}

static void test_badinput_efault_enametoolong_keep_serving(void **state)
{
	struct emu *st = *state;
	const char *pa, *pb, *after = tp(st, "%s/ok/after", st->dir);
	char full[PATH_MAX + 1];

	/* Two parents of the same length: under A a 4096-byte path whose first
	 * 4095 bytes would name a new directory there (a supervisor that cut it
	 * would make it); under B a 4095-byte one, which is fine. */
	make_dir(tp(st, "%s/ok/A", st->dir), 0755, 0, 0);
	make_dir(tp(st, "%s/ok/B", st->dir), 0755, 0, 0);
	pa = deep_prefix(st, tp(st, "%s/ok/A", st->dir), 3900);
	pb = deep_prefix(st, tp(st, "%s/ok/B", st->dir), 3900);
	write_policy_emu(st);
	assert_int_equal(sg(st, "mkdir-badptr", ":", "mkdir-unterminated",
			    tp(st, "%s/ok/u", st->dir), ":", "mkdir-long", pa, "4096", ":",
			    "mkdir-long", pb, "4095", ":", "mkdir", after, NULL),
			 0);
	assert_line(st->out, "mkdir-badptr = -1 EFAULT");
	assert_line(st->out, tp(st, "mkdir-unterminated %s/ok/u = -1 EFAULT", st->dir));
	assert_line(st->out, tp(st, "mkdir-long %s 4096 = -1 ENAMETOOLONG", pa));
	assert_line(st->out, tp(st, "mkdir-long %s 4095 = 0", pb));
	assert_line(st->out, tp(st, "mkdir %s = 0", after));
	assert_false(exists(tp(st, "%s/ok/u", st->dir)));
	assert_int_equal(count_entries(pa), 0);
	assert_int_equal(count_entries(pb), 1);
	memset(full, 'a', sizeof(full));
	memcpy(full, pb, strlen(pb));
	full[4095] = '\0';
	assert_true(exists(full));
	assert_true(exists(after));
	assert_int_equal(count_lines_with(st->log, "= -1 EFAULT ["), 2);
	assert_int_equal(count_lines_with(st->log, "= -1 ENAMETOOLONG ["), 1);
}

/* ---- a call re-issued after a signal ---- */

static void test_signal_restart_never_seen_twice(void **state)
{
	struct emu *st = *state;

	write_policy_emu(st);
	/* mkdir+rmdir under a 1 ms SA_RESTART timer: a call that sysgate
	 * carried out and that the kernel then restarted would say EEXIST. */
	assert_int_equal(sg(st, "sigalrm-mkdir", tp(st, "%s/ok/s", st->dir), "3000", NULL), 0);
	assert_line(st->out, "sigalrm-mkdir mkdir-failed=0 rmdir-failed=0 first=none alarms=some");
	assert_int_equal(count_lines_with(st->log, "EEXIST"), 0);
	assert_int_equal(count_lines_with(st->log, "= 0 [emulate policy.ini:2]"), 3000);
}

/* ---- a target killed while its call is pending ---- */

static void test_lifecycle_killed_child_others_still_served(void **state)
{
	struct emu *st = *state;
	const char *k = tp(st, "%s/ok/k", st->dir), *c = tp(st, "%s/ok/child", st->dir);
	const char *after = tp(st, "%s/ok/after", st->dir);

	write_policy_emu(st);
	assert_int_equal(sg(st, "fork-kill-loop", k, "300", ":", "fork", c, ":", "mkdir", after,
			    ":", "fork-kill-loop", k, "100", ":", "mkdir", k, NULL),
			 0);
	assert_int_equal(count_lines_with(st->out, "fork-kill-loop status 137"), 2);
	assert_line(st->out, tp(st, "child mkdir %s = 0", c));
	assert_line(st->out, "fork status 0");
	assert_line(st->out, tp(st, "mkdir %s = 0", after));
	/* k is there or not, depending on where the child died; mkdir says which. */
	assert_int_equal(count_lines_with(st->out, tp(st, "mkdir %s = ", k)), 1);
	assert_true(exists(k));
}

static void test_lifecycle_killed_target_exit_137(void **state)
{
	struct emu *st = *state;
	const char *k = tp(st, "%s/ok/k", st->dir);
	const char *const argv[] = {g_sysgate, "run", "-p", "policy.ini", "--log", "log", "--",
				    g_target,  "pid", ":",  "mkdir-loop", k,	   "0",	  NULL};
	pid_t sg_pid, pid;

	write_policy_emu(st);
	sg_pid = spawn(st, argv);
	assert_true(wait_output(st, "mkdir-loop", 5000));
	pid = target_pid(st->out);
	assert_true(pid > 0);
	usleep(200 * 1000);
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(shell_status(wait_status(st, sg_pid, 5000)), 137);
	collect(st);
	assert_true(count_lines_with(st->log, tp(st, "mkdir(\"%s\", 0755) = 0 [emulate", k)) > 0);
	/* And a new run is served as usual. */
	assert_int_equal(sg(st, "mkdir", tp(st, "%s/ok/next", st->dir), NULL), 0);
	assert_line(st->out, tp(st, "mkdir %s/ok/next = 0", st->dir));
}

/* ---- allow and log after a path condition are emulated ---- */

static void test_allow_log_after_path_emulated_text(void **state)
{
	struct emu *st = *state;
	const char *l = tp(st, "%s/ok/l", st->dir), *d = tp(st, "%s/elsewhere", st->dir);
	const char *f = tp(st, "%s/ok/f", st->dir);
	pid_t pid;

	write_file(f, "", 0644);
	write_policy(st,
		     "[sysgate]\n"
		     "default = log\n"
		     "[mkdir]\n"
		     "deny = EACCES path ~ %s/no/**\n"
		     "log = path ~ %s/ok/**\n"
		     "[chmod]\n"
		     "allow = path ~ %s/ok/**\n"
		     "deny = *\n",
		     st->dir, st->dir, st->dir);
	assert_int_equal(sg(st, "pid", ":", "mkdir", l, ":", "mkdir", l, ":", "mkdir", d, ":",
			    "mkdir", tp(st, "%s/no/n", st->dir), ":", "chmod", f, "0600", NULL),
			 0);
	pid = target_pid(st->out);
	assert_line(st->out, tp(st, "mkdir %s = 0", l));
	assert_line(st->out, tp(st, "mkdir %s = -1 EEXIST", l));
	assert_line(st->out, tp(st, "mkdir %s = 0", d));
	assert_line(st->out, tp(st, "mkdir %s/no/n = -1 EACCES", st->dir));
	assert_line(st->out, tp(st, "chmod %s = 0", f));
	assert_int_equal(mode_of(f), 0600);
	assert_line(st->log, tp(st,
				"sysgate: %d %s mkdir(\"%s\", 0755) = 0 [log policy.ini:5, "
				"emulated]",
				(int)pid, g_target_real, l));
	assert_line(st->log, tp(st,
				"sysgate: %d %s mkdir(\"%s\", 0755) = -1 EEXIST [log policy.ini:5, "
				"emulated]",
				(int)pid, g_target_real, l));
	/* The default, reached after a path condition, is emulated as well. */
	assert_line(st->log,
		    tp(st, "sysgate: %d %s mkdir(\"%s\", 0755) = 0 [log default, emulated]",
		       (int)pid, g_target_real, d));
	/* allow is not logged, emulated or not. */
	assert_int_equal(count_lines_with(st->log, "chmod("), 0);
}

static void test_allow_log_after_path_emulated_json(void **state)
{
	struct emu *st = *state;
	const char *l = tp(st, "%s/ok/l", st->dir);
	struct json_object *o;
	int64_t v;

	write_policy(st, "[mkdir]\nlog = path ~ %s/ok/**\ndeny = EACCES *\n", st->dir);
	assert_int_equal(sg_json(st, "mkdir", l, ":", "mkdir", l, NULL), 0);
	assert_line(st->out, tp(st, "mkdir %s = 0", l));
	assert_line(st->out, tp(st, "mkdir %s = -1 EEXIST", l));
	o = json_line(st->log, 0);
	assert_non_null(o);
	assert_string_equal(jstr(o, "decision"), "log");
	assert_true(jbool(o, "emulated"));
	assert_true(jint(o, "result", &v));
	assert_int_equal(v, 0);
	assert_null(jstr(o, "errno"));
	assert_string_equal(jstr(o, "rule"), "policy.ini:2");
	json_object_put(o);
	o = json_line(st->log, 1);
	assert_non_null(o);
	assert_string_equal(jstr(o, "decision"), "log");
	assert_true(jbool(o, "emulated"));
	assert_string_equal(jstr(o, "errno"), "EEXIST");
	json_object_put(o);
}

/* ---- log records of emulate ---- */

static void test_log_emulate_text_result(void **state)
{
	struct emu *st = *state;
	pid_t pid;

	write_policy_emu(st);
	assert_int_equal(sg(st, "pid", ":", "chdir", tp(st, "%s/ok", st->dir), ":", "mkdir", "a",
			    "0777", ":", "mkdir", "a", "0777", NULL),
			 0);
	pid = target_pid(st->out);
	assert_line(st->log, tp(st,
				"sysgate: %d %s mkdir(\"a\", 0777) = 0 [emulate policy.ini:2] "
				"path=\"%s/ok/a\"",
				(int)pid, g_target_real, st->dir));
	assert_line(st->log, tp(st,
				"sysgate: %d %s mkdir(\"a\", 0777) = -1 EEXIST [emulate "
				"policy.ini:2] path=\"%s/ok/a\"",
				(int)pid, g_target_real, st->dir));
	assert_int_equal(count_lines_with(st->log, "sysgate: "), 2);
}

static void test_log_emulate_json_result_and_errno(void **state)
{
	struct emu *st = *state;
	const char *a = tp(st, "%s/ok/a", st->dir);
	struct json_object *o;
	int64_t v;

	write_policy_emu(st);
	assert_int_equal(sg_json(st, "pid", ":", "mkdir", a, "0700", ":", "mkdir", a, "0700", NULL),
			 0);
	o = json_line(st->log, 0);
	assert_non_null(o);
	assert_string_equal(jstr(o, "syscall"), "mkdir");
	assert_string_equal(jstr(o, "decision"), "emulate");
	assert_string_equal(jstr(o, "path"), a);
	assert_string_equal(jstr(o, "rule"), "policy.ini:2");
	assert_true(jbool(o, "emulated"));
	assert_true(jbool(o, "enforced"));
	assert_true(jint(o, "result", &v));
	assert_int_equal(v, 0);
	assert_null(jstr(o, "errno"));
	json_object_put(o);
	o = json_line(st->log, 1);
	assert_non_null(o);
	assert_string_equal(jstr(o, "decision"), "emulate");
	assert_true(jbool(o, "emulated"));
	/* result is what the target got, -errno (log.h); errno names it. */
	assert_true(jint(o, "result", &v));
	assert_int_equal(v, -EEXIST);
	assert_string_equal(jstr(o, "errno"), "EEXIST");
	json_object_put(o);
	assert_null(json_line(st->log, 2));
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
		T(test_result_success_and_eexist),
		T(test_result_enoent_enotdir_eloop_as_kernel),
		T(test_result_eacces_parent_not_writable),
		T(test_result_erofs_on_readonly_bind_mount),
		T(test_path_relative_to_cwd),
		T(test_path_relative_to_dirfd_not_cwd),
		T(test_path_i386_at_fdcwd_same_as_native),
		T(test_root_chroot_target_acts_inside_its_root),
		T(test_root_chroot_cannot_rename_paths),
		T(test_root_fds_from_outside_root_act_where_kernel_would),
		T(test_mntns_own_namespace_refused),
		T(test_creds_unprivileged_owner_umask_eacces_eperm),
		T(test_creds_setgid_parent_gives_group_and_bit),
		T(test_creds_default_acl_wins_over_umask),
		T(test_creds_chmod_setgid_cleared_for_non_member),
		T(test_creds_many_supplementary_groups),
		T(test_creds_root_target_owns_as_root),
		T(test_creds_unprivileged_supervisor_and_target),
		T(test_symlink_mkdir_dangling_eexist_creates_nothing),
		T(test_symlink_chmod_follows_and_judges_target),
		T(test_symlink_fchmodat2_nofollow),
		T(test_symlink_fchmodat2_nofollow_trailing_slash_follows),
		T(test_symlink_fchmod_opath_ebadf_and_fd_judged_by_path),
		T(test_race_path_buffer_flip_never_forbidden),
		T(test_race_symlink_swap_never_forbidden),
		T(test_race_allow_after_path_is_emulated_buffer_flip),
		T(test_race_allow_after_path_is_emulated_symlink_swap),
		T(test_badinput_efault_enametoolong_keep_serving),
		T(test_signal_restart_never_seen_twice),
		T(test_lifecycle_killed_child_others_still_served),
		T(test_lifecycle_killed_target_exit_137),
		T(test_allow_log_after_path_emulated_text),
		T(test_allow_log_after_path_emulated_json),
		T(test_log_emulate_text_result),
		T(test_log_emulate_json_result_and_errno),
	};

	locate(g_sysgate, sizeof(g_sysgate), "SYSGATE", "../sysgate");
	locate(g_target, sizeof(g_target), "SG_TARGET", "sg-target");
	if (!realpath(g_target, g_target_real)) {
		fprintf(stderr, "test-emulate: no sg-target at %s\n", g_target);
		return 1;
	}
	if (access(g_sysgate, X_OK) < 0) {
		fprintf(stderr, "test-emulate: no sysgate at %s\n", g_sysgate);
		return 1;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "test-emulate: must run as root\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
