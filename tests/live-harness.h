/*
 * live-harness: the helpers the live tests (test-live, test-emulate, test-ask,
 * test-serve) share.
 *
 * A test embeds a struct lh in its fixture, fills it with lh_init() in its
 * cmocka setup and releases it with lh_fini() in its teardown (after killing
 * what it still has in h->pids, the way that test needs). In between:
 *
 *  - lh_tp() formats strings that live until lh_fini();
 *  - lh_spawn() starts a program in h->dir, stdin from /dev/null, stdout and
 *    stderr to DIR/out and DIR/err; lh_wait_status() waits for it with a
 *    deadline; lh_collect() reads DIR/out, DIR/err and DIR/log into h->out,
 *    h->err and h->log; lh_run() does all three;
 *  - lh_has_line(), lh_count_lines_with() and lh_assert_line() look at that
 *    text, lh_exists() and lh_mode_of() at the file system.
 *
 * Everything that can fail fails the running cmocka test, so these are only
 * for use inside a test or its setup and teardown.
 */
#pragma once

#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <cmocka.h>
#include <json-c/json.h>

/* Arguments lh_build_argv() takes; callers size their arrays LH_MAX_ARGS + 1. */
#define LH_MAX_ARGS 96
/* Children a test may have at once in h->pids. */
#define LH_MAX_PIDS 8

/* lh_spawn() flags, fixed at lh_init(). */
enum {
	/* As from a login shell: umask 022, SIGALRM too back to default, and
	 * the child's first free fd is 3. */
	LH_SPAWN_SHELL = 1 << 0,
	/* Leave DIR/log alone (the caller removes it when it should). */
	LH_SPAWN_KEEP_LOG = 1 << 1,
};

struct lh {
	char dir[PATH_MAX]; /* the test's fresh directory, removed by lh_fini() */
	char out_path[PATH_MAX + 8], err_path[PATH_MAX + 8], log_path[PATH_MAX + 8];
	char *out, *err, *log; /* of the last lh_collect(); never NULL */
	char **strs;	       /* from lh_tp() and lh_keep(), freed by lh_fini() */
	size_t n_strs;
	pid_t pids[LH_MAX_PIDS]; /* children still to reap or kill in teardown; 0 is free */
	size_t n_pids;
	unsigned spawn_flags; /* LH_SPAWN_* */
};

/* mkdtemp(template) into h->dir and the paths in it; -1 on failure. */
int lh_init(struct lh *h, const char *template, unsigned spawn_flags);
/* Remove h->dir and free what h holds (not h itself, nor its children). */
void lh_fini(struct lh *h);

/* A formatted string that lives until lh_fini(). */
const char *lh_tp(struct lh *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Keep a malloc'ed string until lh_fini(); returns it. */
char *lh_keep(struct lh *h, char *s);
/* Free every string kept so far now (a long test's loop bounds its memory). */
void lh_free_strs(struct lh *h);

/* The file's text, "" if it does not exist; the caller frees it. */
char *lh_slurp(const char *path);
/* Create or truncate path with text, then chmod it to mode. */
void lh_write_file(const char *path, const char *text, mode_t mode);

/* DIR/policy.ini (mode 0644) from a printf format: callers pass h->dir
 * for each %s, so rules can name paths under it. */
void lh_write_policy(struct lh *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* CLOCK_MONOTONIC in milliseconds. */
long lh_now_ms(void);

/* A process teardown must kill if the test did not see it end. */
void lh_remember_pid(struct lh *h, pid_t pid);
void lh_forget_pid(struct lh *h, pid_t pid);

/* argv = pre[] then the NULL-terminated ap (at most LH_MAX_ARGS in all). */
void lh_build_argv(const char **argv, const char *const *pre, va_list ap);
/* Start argv (NULL-terminated, argv[0] a path) in h->dir; it is remembered. */
pid_t lh_spawn(struct lh *h, const char *const *argv);
/* waitpid with a deadline: the raw status, or -1 on timeout (then it is killed). */
int lh_wait_status(struct lh *h, pid_t pid, long timeout_ms);
/* The exit code as a shell shows it: the status, or 128+N for signal N. */
int lh_shell_status(int status);
/* Read DIR/out, DIR/err and DIR/log into h->out, h->err and h->log. */
void lh_collect(struct lh *h);
/*
 * Run pre[] then the further arguments (NULL-terminated), wait up to
 * timeout_ms (a timeout fails the test) and collect; the shell-style status.
 */
int lh_run(struct lh *h, long timeout_ms, const char *const *pre, ...) __attribute__((sentinel));
/* Wait until DIR/out has a line containing needle; re-collects outputs. */
bool lh_wait_output(struct lh *h, const char *needle, long timeout_ms);

/* Does text hold this exact line? */
bool lh_has_line(const char *text, const char *line);
/* Lines of text containing needle ("": all lines). */
int lh_count_lines_with(const char *text, const char *needle);
int lh_count_lines(const char *text);
void lh_assert_line_impl(const char *text, const char *line, const char *what, const char *file,
			 int lineno);
#define lh_assert_line(text, line) lh_assert_line_impl((text), (line), #text, __FILE__, __LINE__)

/* "pid N" as printed by sg-target's pid op, or -1. */
pid_t lh_target_pid(const char *out);

/* lstat() succeeds. */
bool lh_exists(const char *path);
/* The permission bits of path (after symlinks), or 0xffffffff. */
unsigned lh_mode_of(const char *path);
/* The same without following a last symlink. */
unsigned lh_lmode_of(const char *path);

/* An executable in /usr/bin, /bin, /usr/sbin, /sbin (or /usr/local/bin with
 * local set), or NULL; the last four answers stay valid. */
const char *lh_tool(const char *name, bool local);

/*
 * A program's path: $env if set and not empty, else rel beside this test
 * binary. False when that cannot be made (out is then rel).
 */
bool lh_locate(char *out, size_t size, const char *env, const char *rel);

/*
 * For main() of a test of `sysgate run`: sysgate ($SYSGATE, else ../sysgate
 * beside this test) and sg-target ($SG_TARGET, else beside it) into sysgate
 * and target, the real path of sg-target into target_real (PATH_MAX bytes
 * each). 0 to go on, else what main() returns, said on stderr for test: 1
 * when a binary is missing, 77 (a skip) when not run as root.
 */
int lh_find_binaries(const char *test, char *sysgate, char *target, char *target_real);

/* An integer member of o (which may be NULL). */
bool lh_jint(struct json_object *o, const char *key, int64_t *ret);
