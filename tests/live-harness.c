/*
 * live-harness: the helpers the live tests share (see live-harness.h).
 */
#include "live-harness.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int lh_init(struct lh *h, const char *template, unsigned spawn_flags)
{
	h->spawn_flags = spawn_flags;
	snprintf(h->dir, sizeof(h->dir), "%s", template);
	if (!mkdtemp(h->dir))
		return -1;
	snprintf(h->out_path, sizeof(h->out_path), "%s/out", h->dir);
	snprintf(h->err_path, sizeof(h->err_path), "%s/err", h->dir);
	snprintf(h->log_path, sizeof(h->log_path), "%s/log", h->dir);
	h->out = strdup("");
	h->err = strdup("");
	h->log = strdup("");
	if (!h->out || !h->err || !h->log)
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

void lh_free_strs(struct lh *h)
{
	for (size_t i = 0; i < h->n_strs; i++)
		free(h->strs[i]);
	h->n_strs = 0;
}

void lh_fini(struct lh *h)
{
	if (h->dir[0])
		nftw(h->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	lh_free_strs(h);
	free(h->strs);
	free(h->out);
	free(h->err);
	free(h->log);
	h->strs = NULL;
	h->out = h->err = h->log = NULL;
}

char *lh_keep(struct lh *h, char *s)
{
	char **v = realloc(h->strs, (h->n_strs + 1) * sizeof(*v));

	if (!v)
		free(s);
	assert_non_null(v);
	h->strs = v;
	h->strs[h->n_strs++] = s;
	return s;
}

const char *lh_tp(struct lh *h, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;

	va_start(ap, fmt);
	assert_true(vasprintf(&s, fmt, ap) >= 0);
	va_end(ap);
	return lh_keep(h, s);
}

char *lh_slurp(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL, chunk[4096];
	size_t len = 0, n;
	FILE *m;

	if (!f) {
		buf = strdup("");
		assert_non_null(buf);
		return buf;
	}
	m = open_memstream(&buf, &len);
	if (!m)
		fclose(f);
	assert_non_null(m);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fwrite(chunk, 1, n, m);
	fclose(m);
	fclose(f);
	assert_non_null(buf);
	return buf;
}

void lh_write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	assert_int_equal(chmod(path, mode), 0);
}

void lh_write_policy(struct lh *h, const char *fmt, ...)
{
	va_list ap;
	char *text = NULL;

	va_start(ap, fmt);
	assert_true(vasprintf(&text, fmt, ap) >= 0);
	va_end(ap);
	lh_write_file(lh_tp(h, "%s/policy.ini", h->dir), text, 0644);
	free(text);
}

long lh_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void lh_remember_pid(struct lh *h, pid_t pid)
{
	for (size_t i = 0; i < h->n_pids; i++)
		if (h->pids[i] == 0) {
			h->pids[i] = pid;
			return;
		}
	assert_true(h->n_pids < LH_MAX_PIDS);
	h->pids[h->n_pids++] = pid;
}

void lh_forget_pid(struct lh *h, pid_t pid)
{
	for (size_t i = 0; i < h->n_pids; i++)
		if (h->pids[i] == pid)
			h->pids[i] = 0;
}

void lh_build_argv(const char **argv, const char *const *pre, va_list ap)
{
	size_t n = 0;
	const char *a;

	for (; *pre; pre++) {
		assert_true(n < LH_MAX_ARGS);
		argv[n++] = *pre;
	}
	while ((a = va_arg(ap, const char *)) != NULL) {
		assert_true(n < LH_MAX_ARGS);
		argv[n++] = a;
	}
	argv[n] = NULL;
}

pid_t lh_spawn(struct lh *h, const char *const *argv)
{
	bool shell = h->spawn_flags & LH_SPAWN_SHELL;
	pid_t pid;

	/* Each run starts with empty outputs. */
	unlink(h->out_path);
	unlink(h->err_path);
	if (!(h->spawn_flags & LH_SPAWN_KEEP_LOG))
		unlink(h->log_path);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		static const int sigs[] = {SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGPIPE, SIGALRM};
		size_t n_sigs = sizeof(sigs) / sizeof(sigs[0]) - (shell ? 0 : 1);
		int in, out, err;
		sigset_t none;

		/* As from an interactive shell: an ignored SIGINT (what a shell
		 * gives a background job) would survive exec into the target. */
		for (size_t i = 0; i < n_sigs; i++)
			signal(sigs[i], SIG_DFL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (shell)
			umask(022);
		if (chdir(h->dir) < 0)
			_exit(121);
		in = open("/dev/null", O_RDONLY);
		out = open("out", O_WRONLY | O_CREAT | O_TRUNC, 0644);
		err = open("err", O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (in < 0 || out < 0 || err < 0)
			_exit(122);
		dup2(in, 0);
		dup2(out, 1);
		dup2(err, 2);
		if (shell) {
			/* The target's first fd is 3, as from a shell. */
			close(in);
			close(out);
			close(err);
		}
		execv(argv[0], (char *const *)argv);
		_exit(123);
	}
	lh_remember_pid(h, pid);
	return pid;
}

int lh_wait_status(struct lh *h, pid_t pid, long timeout_ms)
{
	long end = lh_now_ms() + timeout_ms;
	int status;

	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid) {
			lh_forget_pid(h, pid);
			return status;
		}
		assert_true(r == 0);
		if (lh_now_ms() > end) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			lh_forget_pid(h, pid);
			return -1;
		}
		usleep(2000);
	}
}

int lh_shell_status(int status)
{
	if (status < 0)
		return -1;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return -2;
}

void lh_collect(struct lh *h)
{
	char *out = lh_slurp(h->out_path), *err = lh_slurp(h->err_path),
	     *log = lh_slurp(h->log_path);

	free(h->out);
	free(h->err);
	free(h->log);
	h->out = out;
	h->err = err;
	h->log = log;
}

int lh_run(struct lh *h, long timeout_ms, const char *const *pre, ...)
{
	const char *argv[LH_MAX_ARGS + 1];
	va_list ap;
	int status;

	va_start(ap, pre);
	lh_build_argv(argv, pre, ap);
	va_end(ap);
	status = lh_wait_status(h, lh_spawn(h, argv), timeout_ms);
	lh_collect(h);
	if (status < 0)
		fail_msg("%s did not finish within %ld ms; stderr: %s", argv[0], timeout_ms,
			 h->err);
	return lh_shell_status(status);
}

bool lh_wait_output(struct lh *h, const char *needle, long timeout_ms)
{
	long end = lh_now_ms() + timeout_ms;

	for (;;) {
		lh_collect(h);
		if (lh_count_lines_with(h->out, needle) > 0)
			return true;
		if (lh_now_ms() > end)
			return false;
		usleep(5000);
	}
}

bool lh_has_line(const char *text, const char *line)
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

/* Diagnostics go to stderr directly: cmocka's print_error() cuts long text. */
__attribute__((noinline)) void lh_assert_line_impl(const char *text, const char *line,
						   const char *what, const char *file, int lineno)
{
	if (!lh_has_line(text, line)) {
		fprintf(stderr, "no line \"%s\" in %s:\n%s\n", line ? line : "(null)", what,
			text ? text : "(null)");
		_fail(file, lineno);
	}
}

int lh_count_lines_with(const char *text, const char *needle)
{
	int n = 0;

	for (const char *p = text; p && *p;) {
		const char *e = strchrnul(p, '\n');
		char *line = strndup(p, (size_t)(e - p));

		assert_non_null(line);
		if (strstr(line, needle))
			n++;
		free(line);
		p = *e ? e + 1 : NULL;
	}
	return n;
}

int lh_count_lines(const char *text)
{
	return lh_count_lines_with(text, "");
}

pid_t lh_target_pid(const char *out)
{
	const char *p = strstr(out, "pid ");
	int pid;

	if (p && (p == out || p[-1] == '\n') && sscanf(p, "pid %d", &pid) == 1)
		return pid;
	return -1;
}

bool lh_exists(const char *path)
{
	struct stat s;

	return lstat(path, &s) == 0;
}

unsigned lh_mode_of(const char *path)
{
	struct stat s;

	if (stat(path, &s) < 0)
		return 0xffffffffu;
	return s.st_mode & 07777;
}

unsigned lh_lmode_of(const char *path)
{
	struct stat s;

	if (lstat(path, &s) < 0)
		return 0xffffffffu;
	return s.st_mode & 07777;
}

const char *lh_tool(const char *name, bool local)
{
	static const char *const dirs[] = {"/usr/bin", "/bin", "/usr/sbin", "/sbin",
					   "/usr/local/bin"};
	static char buf[4][PATH_MAX];
	static int next;
	size_t n_dirs = sizeof(dirs) / sizeof(dirs[0]) - (local ? 0 : 1);
	char *b = buf[next++ % 4];

	for (size_t i = 0; i < n_dirs; i++) {
		snprintf(b, PATH_MAX, "%s/%s", dirs[i], name);
		if (access(b, X_OK) == 0)
			return b;
	}
	return NULL;
}

bool lh_locate(char *out, size_t size, const char *env, const char *rel)
{
	char self[PATH_MAX], *slash;
	ssize_t n;

	if (getenv(env) && *getenv(env)) {
		snprintf(out, size, "%s", getenv(env));
		return true;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0) {
		snprintf(out, size, "%s", rel);
		return false;
	}
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (slash)
		*slash = '\0';
	if ((size_t)snprintf(out, size, "%s/%s", self, rel) >= size) {
		snprintf(out, size, "%s", rel);
		return false;
	}
	return true;
}

int lh_find_binaries(const char *test, char *sysgate, char *target, char *target_real)
{
	lh_locate(sysgate, PATH_MAX, "SYSGATE", "../sysgate");
	lh_locate(target, PATH_MAX, "SG_TARGET", "sg-target");
	if (!realpath(target, target_real)) {
		fprintf(stderr, "%s: no sg-target at %s\n", test, target);
		return 1;
	}
	if (access(sysgate, X_OK) < 0) {
		fprintf(stderr, "%s: no sysgate at %s\n", test, sysgate);
		return 1;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "%s: must run as root\n", test);
		return 77;
	}
	return 0;
}

bool lh_jint(struct json_object *o, const char *key, int64_t *ret)
{
	struct json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
		return false;
	*ret = json_object_get_int64(v);
	return true;
}
