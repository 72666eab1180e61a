/*
 * Live tests of the command line itself: every verb's --help and usage,
 * versions, unknown verbs, and that run's help lists exactly the options its
 * getopt accepts. They run the built sysgate ($SYSGATE, else ../sysgate
 * beside this test) and sysgate-agent ($SYSGATE_AGENT, else beside sysgate),
 * and assert what a user sees: the exit status, stdout and stderr.
 *
 * Also the launch report (supervisor/launch/report.h), the one pure part of
 * how a failure in the forked child reaches sysgate's words.
 *
 * Nothing here needs root, except running a command under run (skipped
 * without it).
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
#include <unistd.h>

#include <cmocka.h>

#include "live-harness.h"
#include "supervisor/launch/report.h"

#define RUN_TIMEOUT_MS 20000

static char g_sysgate[PATH_MAX];
static char g_agent[PATH_MAX];

struct cli {
	struct lh h;
};

/* sysgate ARGS... (NULL-terminated); the shell-style exit status; the
 * output in st->h.out and st->h.err. */
#define sysgate(st, ...)                                                                           \
	lh_run(&(st)->h, RUN_TIMEOUT_MS, (const char *const[]){g_sysgate, NULL}, __VA_ARGS__)
#define agent(st, ...)                                                                             \
	lh_run(&(st)->h, RUN_TIMEOUT_MS, (const char *const[]){g_agent, NULL}, __VA_ARGS__)

static int setup(void **state)
{
	struct cli *st = calloc(1, sizeof(*st));

	if (!st)
		return -1;
	if (lh_init(&st->h, "/tmp/sg-cli.XXXXXX", 0) < 0) {
		lh_fini(&st->h);
		free(st);
		return -1;
	}
	*state = st;
	return 0;
}

static int teardown(void **state)
{
	struct cli *st = *state;

	for (size_t i = 0; i < st->h.n_pids; i++)
		if (st->h.pids[i] > 0) {
			kill(st->h.pids[i], SIGKILL);
			waitpid(st->h.pids[i], NULL, WNOHANG);
		}
	lh_fini(&st->h);
	free(st);
	return 0;
}

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The verbs `sysgate --help` lists ("  sysgate NAME ..."), into names. */
static size_t listed_verbs(struct cli *st, char names[][32], size_t max)
{
	size_t n = 0;

	assert_int_equal(sysgate(st, "--help", NULL), 0);
	for (const char *l = st->h.out; *l && n < max;) {
		size_t len = strcspn(l, "\n");

		if (starts_with(l, "  sysgate ") && l[10] != '-') {
			size_t w = strcspn(l + 10, " \n");

			assert_true(w < 32);
			memcpy(names[n], l + 10, w);
			names[n++][w] = '\0';
		}
		l += len + (l[len] == '\n');
	}
	return n;
}

/* ---- every verb's help ---- */

static void test_every_verb_answers_help(void **state)
{
	struct cli *st = *state;
	char names[16][32];
	size_t n = listed_verbs(st, names, 16);

	/* The verbs the issue names are in the generated usage. */
	assert_true(n >= 7);
	for (const char *const *v =
		     (const char *const[]){"run", "check", "prompt", "serve", "oci-profile",
					   "default-policy", "version", NULL};
	     *v; v++) {
		bool found = false;

		for (size_t i = 0; i < n; i++)
			found = found || strcmp(names[i], *v) == 0;
		if (!found)
			fail_msg("sysgate --help does not list %s", *v);
	}
	for (size_t i = 0; i < n; i++)
		for (const char *const *h = (const char *const[]){"--help", "-h", NULL}; *h; h++) {
			const char *want = lh_tp(&st->h, "usage: sysgate %s", names[i]);

			if (sysgate(st, names[i], *h, NULL) != 0)
				fail_msg("sysgate %s %s: not 0; stderr: %s", names[i], *h,
					 st->h.err);
			if (!starts_with(st->h.out, want))
				fail_msg("sysgate %s %s does not start with \"%s\": %s", names[i],
					 *h, want, st->h.out);
		}
}

static void test_check_help_is_not_a_file(void **state)
{
	struct cli *st = *state;

	assert_int_equal(sysgate(st, "check", "--help", NULL), 0);
	assert_true(starts_with(st->h.out, "usage: sysgate check"));
	assert_null(strstr(st->h.out, "--help:"));
	assert_string_equal(st->h.err, "");
	/* Without a policy: the short usage on stderr, not 0. */
	assert_int_equal(sysgate(st, "check", NULL), 125);
	assert_true(starts_with(st->h.err, "usage: sysgate check"));
}

static void test_default_policy_help_prints_no_policy(void **state)
{
	struct cli *st = *state;
	char *policy;

	assert_int_equal(sysgate(st, "default-policy", NULL), 0);
	assert_non_null(strstr(st->h.out, "[sysgate]"));
	policy = lh_keep(&st->h, strdup(st->h.out));
	assert_int_equal(sysgate(st, "default-policy", "--help", NULL), 0);
	assert_true(starts_with(st->h.out, "usage: sysgate default-policy\n"));
	assert_null(strstr(st->h.out, "[sysgate]"));
	assert_string_not_equal(st->h.out, policy);
	/* Anything else is bad usage. */
	assert_int_equal(sysgate(st, "default-policy", "extra", NULL), 125);
	assert_string_equal(st->h.out, "");
}

/* ---- versions ---- */

static void test_versions_agree(void **state)
{
	struct cli *st = *state;
	char *version;

	assert_int_equal(sysgate(st, "--version", NULL), 0);
	assert_true(starts_with(st->h.out, "sysgate "));
	version = lh_keep(&st->h, strdup(st->h.out + strlen("sysgate ")));
	assert_true(strlen(version) > 1);
	assert_int_equal(sysgate(st, "-V", NULL), 0);
	assert_string_equal(st->h.out, lh_tp(&st->h, "sysgate %s", version));
	assert_int_equal(sysgate(st, "version", NULL), 0);
	assert_string_equal(st->h.out, lh_tp(&st->h, "sysgate %s", version));

	if (access(g_agent, X_OK) != 0)
		fail_msg("no sysgate-agent at %s", g_agent);
	assert_int_equal(agent(st, "--version", NULL), 0);
	assert_string_equal(st->h.out, lh_tp(&st->h, "sysgate-agent %s", version));
	assert_int_equal(agent(st, "-V", NULL), 0);
	assert_string_equal(st->h.out, lh_tp(&st->h, "sysgate-agent %s", version));
	assert_int_equal(agent(st, "--help", NULL), 0);
	assert_true(starts_with(st->h.out, "usage: sysgate-agent "));
	assert_non_null(strstr(st->h.out, "--version"));
	/* Bad usage is 125, as sysgate's. */
	assert_int_equal(agent(st, "--frobnicate", NULL), 125);
}

/* ---- bad usage ---- */

/* sysgate explain names the section, the rule that decides and why, with
 * the policy's own matcher (named arguments, constants, precedence). */
static void test_explain_names_section_rule_and_why(void **state)
{
	struct cli *st = *state;

	lh_write_policy(&st->h, "[sysgate]\ndefault = deny\n"
				"[@docker-default]\nallow = *\n"
				"[open]\ndeny = EACCES path !~ /tmp/** and flags & O_CREAT\n"
				"allow = *\n");
	assert_int_equal(sysgate(st, "explain", "policy.ini", "openat", "dirfd=AT_FDCWD",
				 "flags=O_CREAT|O_WRONLY", "path=/etc/x", NULL),
			 0);
	assert_non_null(strstr(st->h.out, "[open] at line 5 covers openat as a member of its "
					  "family"));
	assert_non_null(strstr(st->h.out, "policy.ini:6: deny matches"));
	assert_non_null(strstr(st->h.out, "decided: deny EACCES by policy.ini:6"));

	assert_int_equal(sysgate(st, "explain", "policy.ini", "creat", "path=/tmp/x", NULL), 0);
	assert_non_null(strstr(st->h.out, "path !~ /tmp/** does not hold"));
	assert_non_null(strstr(st->h.out, "decided: allow by policy.ini:7"));

	/* a group gives mkdir to nobody more specific: the group decides */
	assert_int_equal(sysgate(st, "explain", "policy.ini", "read", NULL), 0);
	assert_non_null(strstr(st->h.out, "covers read as a member of a group"));
	assert_int_equal(sysgate(st, "explain", "policy.ini", "mount", NULL), 0);
	assert_non_null(strstr(st->h.out, "no section covers mount"));
	assert_non_null(strstr(st->h.out, "decided: deny EPERM (the default)"));

	/* bad input is a usage error, before anything is decided */
	assert_int_equal(sysgate(st, "explain", "policy.ini", "mkdri", NULL), 125);
	assert_non_null(strstr(st->h.err, "did you mean mkdir?"));
	assert_int_equal(sysgate(st, "explain", "policy.ini", "openat", "nosuch=1", NULL), 125);
	assert_non_null(strstr(st->h.err, "the arguments of openat: dirfd, pathname, flags, mode"));

	/* a value is read as the policy reads it: a mode is octal */
	lh_write_policy(&st->h, "[chmod]\ndeny = EPERM mode == 04755\n");
	assert_int_equal(
		sysgate(st, "explain", "policy.ini", "chmod", "mode=4755", "path=/x", NULL), 0);
	assert_non_null(strstr(st->h.out, "decided: deny EPERM by policy.ini:2"));
	assert_int_equal(sysgate(st, "explain", "policy.ini", "chmod", "mode=9", NULL), 125);
	assert_non_null(strstr(st->h.err, "bad mode '9'"));
}

static void test_unknown_verb_prints_usage_125(void **state)
{
	struct cli *st = *state;

	assert_int_equal(sysgate(st, "frobnicate", NULL), 125);
	assert_string_equal(st->h.out, "");
	assert_true(starts_with(st->h.err, "sysgate: unknown command 'frobnicate'\n"));
	/* The generated usage, every verb in it. */
	assert_non_null(strstr(st->h.err, "\nusage:\n"));
	assert_non_null(strstr(st->h.err, "  sysgate run "));
	assert_non_null(strstr(st->h.err, "  sysgate default-policy\n"));
	/* No verb at all: the same usage, the same status. */
	assert_int_equal(sysgate(st, NULL), 125);
	assert_non_null(strstr(st->h.err, "\nusage:\n"));
}

/* ---- run's options: the help and getopt agree ---- */

/* Does run's help list "-c, --"? And which long options does it list? */
static bool help_lists_letter(const char *help, char c)
{
	char want[16];

	snprintf(want, sizeof(want), "  -%c, --", c);
	return strstr(help, want) != NULL;
}

/* getopt's verdict on `sysgate run ARG`: refused as unknown, or not. */
static bool run_accepts(struct cli *st, const char *arg)
{
	int status = sysgate(st, "run", arg, NULL);

	if (!strstr(st->h.err, "invalid option") && !strstr(st->h.err, "unrecognized option"))
		return true;
	assert_int_equal(status, 125);
	return false;
}

static void test_run_help_lists_every_option_getopt_accepts(void **state)
{
	struct cli *st = *state;
	char *help;
	size_t n_long = 0;

	assert_int_equal(sysgate(st, "run", "--help", NULL), 0);
	help = lh_keep(&st->h, strdup(st->h.out));
	assert_true(starts_with(help, "usage: sysgate run "));

	/* Every short letter: listed in the help exactly when getopt takes it. */
	for (int c = 0x21; c < 0x7f; c++) {
		char arg[3] = {'-', (char)c, '\0'};
		bool listed = help_lists_letter(help, (char)c), accepted;

		if (c == '-')
			continue; /* "--" ends the options */
		accepted = run_accepts(st, arg);
		if (listed != accepted)
			fail_msg("-%c: %s by getopt, %s in run --help", c,
				 accepted ? "accepted" : "refused",
				 listed ? "listed" : "not listed");
	}

	/* Every long option the help lists is accepted; and every letter a
	 * long option may start with is accepted (as a unique or an ambiguous
	 * prefix) exactly when the help lists a long option starting so. */
	for (const char *p = strstr(help, "\n  "); p; p = strstr(p + 1, "\n  ")) {
		const char *o = strstr(p, "--");
		size_t len;

		if (!o || o > p + 8 || (o[2] < 'a' || o[2] > 'z'))
			continue;
		len = strcspn(o, " \n");
		if (!run_accepts(st, lh_tp(&st->h, "%.*s", (int)len, o)))
			fail_msg("%.*s is listed in run --help but refused", (int)len, o);
		n_long++;
	}
	assert_true(n_long >= 7); /* policy mode log log-format summary prompt help */
	for (char c = 'a'; c <= 'z'; c++) {
		bool listed = strstr(help, lh_tp(&st->h, ", --%c", c)) ||
			      strstr(help, lh_tp(&st->h, "      --%c", c));

		if (listed != run_accepts(st, lh_tp(&st->h, "--%c", c)))
			fail_msg("--%c...: getopt and run --help disagree", c);
	}
}

static void test_run_passes_help_after_dashes_to_cmd(void **state)
{
	struct cli *st = *state;

	if (geteuid() != 0)
		skip();
	assert_int_equal(
		sysgate(st, "run", "--", "/bin/sh", "-c", "echo \"[$1]\"", "sh", "--help", NULL),
		0);
	lh_assert_line(st->h.out, "[--help]");
	assert_null(strstr(st->h.out, "usage: sysgate"));
}

/* ---- errors say which step failed ---- */

static void test_run_errors_name_the_step(void **state)
{
	struct cli *st = *state;
	const char *missing = lh_tp(&st->h, "%s/no-such-dir/log", st->h.dir);

	if (geteuid() != 0)
		skip();
	assert_int_equal(sysgate(st, "run", "--", lh_tp(&st->h, "%s/nothing", st->h.dir), NULL),
			 127);
	lh_assert_line(st->h.err, lh_tp(&st->h,
					"sysgate: cannot run %s/nothing: No such file or "
					"directory",
					st->h.dir));
	assert_int_equal(sysgate(st, "run", "--log", missing, "--", "/bin/true", NULL), 125);
	lh_assert_line(st->h.err,
		       lh_tp(&st->h,
			     "sysgate: cannot open the log sink %s: No such file or directory",
			     missing));
	assert_int_equal(sysgate(st, "run", "--mode", "bogus", "--", "/bin/true", NULL), 125);
	lh_assert_line(st->h.err, "sysgate: run: --mode must be enforce or complain, not 'bogus'");
}

/* `-p <(generate)` or any FIFO: the policy is read once, and what the
 * control socket shows is that text (run read it again and hung, waiting
 * for a second writer, before anything ran). */
static void test_run_reads_a_fifo_policy_once(void **state)
{
	struct cli *st = *state;
	const char *fifo = lh_tp(&st->h, "%s/policy.fifo", st->h.dir);
	const char *made = lh_tp(&st->h, "%s/made", st->h.dir);
	struct stat sb;
	int status = -1;
	pid_t w;

	if (geteuid() != 0)
		skip();
	assert_int_equal(mkfifo(fifo, 0600), 0);
	w = fork();
	assert_true(w >= 0);
	if (w == 0) {
		static const char text[] = "[mkdir]\ndeny = EACCES *\n";
		int fd;

		alarm(30);
		fd = open(fifo, O_WRONLY | O_CLOEXEC);
		_exit(fd >= 0 && write(fd, text, sizeof(text) - 1) == sizeof(text) - 1 ? 0 : 1);
	}
	assert_int_equal(sysgate(st, "run", "-p", fifo, "--", "/bin/sh", "-c",
				 "mkdir \"$1\" 2>/dev/null; echo mkdir=$?", "sh", made, NULL),
			 0);
	lh_assert_line(st->h.out, "mkdir=1");
	assert_int_equal(stat(made, &sb), -1);
	assert_int_equal(waitpid(w, &status, 0), w);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* ---- the launch report ---- */

static void test_launch_fail_reaches_the_parent(void **state)
{
	struct launch_failure f;
	int p[2], status;
	pid_t pid;

	(void)state;
	assert_int_equal(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
	/* Nothing written: nothing read. */
	assert_false(launch_failure_read(p[0], &f));
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		launch_fail(p[1], "cannot contain the command's tree: unshare", EPERM);
	close(p[1]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 125);
	assert_true(launch_failure_read(p[0], &f));
	assert_int_equal(f.err, EPERM);
	assert_string_equal(f.what, "cannot contain the command's tree: unshare");
	assert_false(launch_failure_read(p[0], &f));
	close(p[0]);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_every_verb_answers_help),
		T(test_check_help_is_not_a_file),
		T(test_default_policy_help_prints_no_policy),
		T(test_versions_agree),
		T(test_unknown_verb_prints_usage_125),
		T(test_explain_names_section_rule_and_why),
		T(test_run_help_lists_every_option_getopt_accepts),
		T(test_run_passes_help_after_dashes_to_cmd),
		T(test_run_errors_name_the_step),
		T(test_run_reads_a_fifo_policy_once),
		T(test_launch_fail_reaches_the_parent),
	};

	if (!lh_locate(g_sysgate, sizeof(g_sysgate), "SYSGATE", "../sysgate")) {
		fprintf(stderr, "test-cli: no sysgate at %s\n", g_sysgate);
		return 1;
	}
	if (!lh_locate(g_agent, sizeof(g_agent), "SYSGATE_AGENT", "../sysgate-agent")) {
		fprintf(stderr, "test-cli: no sysgate-agent at %s\n", g_agent);
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
