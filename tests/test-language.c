/*
 * test-language: the policy language against real programs under real
 * filters (issue 10): a rule means what it says for every syscall of its
 * section and every ABI. Each test failed on the language before names:
 * [open] could only test raw registers, and -100 never equalled glibc's int
 * AT_FDCWD.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/live-harness.h"

#define RUN_TIMEOUT_MS 60000

static char g_sysgate[PATH_MAX];
static char g_target[PATH_MAX];
static char g_target_real[PATH_MAX];

struct live {
	struct lh h;
};

static int setup(void **state)
{
	struct live *st = calloc(1, sizeof(*st));

	if (!st)
		return -1;
	if (lh_init(&st->h, "/tmp/sg-language.XXXXXX", 0) < 0) {
		lh_fini(&st->h);
		free(st);
		return -1;
	}
	if (mkdir(lh_tp(&st->h, "%s/ok", st->h.dir), 0755) < 0)
		return -1;
	lh_write_file(lh_tp(&st->h, "%s/f", st->h.dir), "data\n", 0644);
	*state = st;
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

#define run(st, ...)                                                                               \
	lh_run(&(st)->h, RUN_TIMEOUT_MS,                                                           \
	       (const char *const[]){g_sysgate, "run", "-p", "policy.ini", "--log", "log", "--",   \
				     NULL},                                                        \
	       __VA_ARGS__)

/* "stop creating files outside DIR/ok": one rule for the whole open family. */
static void write_creation_policy(struct live *st)
{
	lh_write_policy(&st->h,
			"[sysgate]\ndefault = allow\n"
			"[open]\ndeny = EACCES path !~ %s/ok/** and flags & O_CREAT\n",
			st->h.dir);
}

/* Failure 1 of the issue: tar writes its archive with creat(2). */
static void test_creat_outside_the_tree_denied_tar(void **state)
{
	struct live *st = *state;
	const char *tar = lh_tool("tar", false);

	if (!tar)
		skip();
	write_creation_policy(st);
	assert_int_not_equal(run(st, tar, "cf", lh_tp(&st->h, "%s/out.tar", st->h.dir), "-C",
				 st->h.dir, "f", NULL),
			     0);
	assert_false(lh_exists(lh_tp(&st->h, "%s/out.tar", st->h.dir)));
	assert_true(lh_count_lines_with(st->h.log, "creat(") >= 1);
	assert_true(lh_count_lines_with(st->h.log, "EACCES") >= 1);

	assert_int_equal(run(st, tar, "cf", lh_tp(&st->h, "%s/ok/out.tar", st->h.dir), "-C",
			     st->h.dir, "f", NULL),
			 0);
	assert_true(lh_exists(lh_tp(&st->h, "%s/ok/out.tar", st->h.dir)));
}

/* touch creates with openat(AT_FDCWD, ..., O_CREAT|...): the same rule. */
static void test_openat_outside_the_tree_denied_touch(void **state)
{
	struct live *st = *state;
	const char *touch = lh_tool("touch", false);

	if (!touch)
		skip();
	write_creation_policy(st);
	assert_int_not_equal(run(st, touch, lh_tp(&st->h, "%s/new", st->h.dir), NULL), 0);
	assert_false(lh_exists(lh_tp(&st->h, "%s/new", st->h.dir)));
	assert_true(strstr(st->h.err, "Permission denied") != NULL);
	/* an existing file outside is opened without O_CREAT by nobody here;
	 * inside, creation works */
	assert_int_equal(run(st, touch, lh_tp(&st->h, "%s/ok/new", st->h.dir), NULL), 0);
	assert_true(lh_exists(lh_tp(&st->h, "%s/ok/new", st->h.dir)));
}

/* Failure 2: dirfd == AT_FDCWD holds for glibc's int, from x86_64 and from
 * the i386 entry point; another dirfd does not match. */
static void test_dirfd_at_fdcwd_every_abi(void **state)
{
	struct live *st = *state;

	lh_write_policy(&st->h, "[sysgate]\ndefault = allow\n"
				"[mkdirat]\ndeny = EROFS dirfd == AT_FDCWD\n");
	assert_int_equal(run(st, g_target, "mkdirat", "cwd", "a", ":", "mkdirat32", "cwd", "b", ":",
			     "dirfd", st->h.dir, ":", "mkdirat", "fd", "c", ":", "mkdirat32", "fd",
			     "d", NULL),
			 0);
	lh_assert_line(st->h.out, "mkdirat cwd a = -1 EROFS");
	lh_assert_line(st->h.out, "mkdirat32 cwd b = -1 EROFS");
	lh_assert_line(st->h.out, "mkdirat fd c = 0");
	lh_assert_line(st->h.out, "mkdirat32 fd d = 0");
	assert_false(lh_exists(lh_tp(&st->h, "%s/a", st->h.dir)));
	assert_false(lh_exists(lh_tp(&st->h, "%s/b", st->h.dir)));
	assert_true(lh_exists(lh_tp(&st->h, "%s/c", st->h.dir)));
	assert_true(lh_exists(lh_tp(&st->h, "%s/d", st->h.dir)));
}

/* The negation: dirfd != AT_FDCWD must not hold for glibc's AT_FDCWD (as
 * arg0 != -100 did, denying every such call). */
static void test_dirfd_not_at_fdcwd_lets_the_cwd_through(void **state)
{
	struct live *st = *state;

	lh_write_policy(&st->h, "[sysgate]\ndefault = allow\n"
				"[mkdirat]\ndeny = EROFS dirfd != AT_FDCWD\n");
	assert_int_equal(run(st, g_target, "mkdirat", "cwd", "a", NULL), 0);
	lh_assert_line(st->h.out, "mkdirat cwd a = 0");
}

/* Failure 5: mkdir -p under the reference's sandbox example walks up
 * through directories that exist, and relies on EEXIST for them. */
static void test_mkdir_p_gets_eexist_for_existing_parents(void **state)
{
	struct live *st = *state;
	const char *busybox = lh_tool("busybox", false);

	if (!busybox)
		skip();
	lh_write_policy(&st->h,
			"[sysgate]\ndefault = allow\n"
			"[mkdir]\nemulate = path ~ %s/ok/**\ndeny = EACCES *\n",
			st->h.dir);
	assert_int_equal(
		run(st, busybox, "mkdir", "-p", lh_tp(&st->h, "%s/ok/a/b", st->h.dir), NULL), 0);
	assert_true(lh_exists(lh_tp(&st->h, "%s/ok/a/b", st->h.dir)));
	assert_true(lh_count_lines_with(st->h.log, "EEXIST") >= 2);
	/* a name that does not exist outside the sandbox is still refused */
	assert_int_not_equal(run(st, busybox, "mkdir", lh_tp(&st->h, "%s/no", st->h.dir), NULL), 0);
	assert_false(lh_exists(lh_tp(&st->h, "%s/no", st->h.dir)));
	assert_true(lh_count_lines_with(st->h.log, "EACCES") >= 1);
	/* and an existing one, outside, gets the kernel's EEXIST, not the rule's */
	assert_int_not_equal(run(st, busybox, "mkdir", lh_tp(&st->h, "%s/f", st->h.dir), NULL), 0);
	assert_true(strstr(st->h.err, "File exists") != NULL);
}

/* Round 2: "a denied mkdir of a name that exists fails with EEXIST"
 * (sysgate-policy(5), DECISIONS) holds only in a section that emulates
 * (a path condition or an emulate rule): a plain deny, a deny on the mode
 * or an ask settled deny answer the rule's errno for a name that exists. */
static void test_round2_mkdir_deny_without_path_rule_gets_eexist(void **state)
{
	struct live *st = *state;

	lh_write_policy(&st->h, "[sysgate]\ndefault = allow\n[mkdir]\ndeny = EACCES *\n");
	assert_int_equal(
		run(st, g_target, "mkdir", "ok", ":", "mkdir", "f", ":", "mkdir", "new", NULL), 0);
	lh_assert_line(st->h.out, "mkdir new = -1 EACCES");
	lh_assert_line(st->h.out, "mkdir ok = -1 EEXIST");
	lh_assert_line(st->h.out, "mkdir f = -1 EEXIST");
}

static void test_round2_mkdir_ask_denied_gets_eexist(void **state)
{
	struct live *st = *state;

	lh_write_policy(&st->h, "[sysgate]\ndefault = allow\nask_unattached = default\n"
				"ask_default = deny EACCES\n[mkdir]\nask = *\n");
	assert_int_equal(run(st, g_target, "mkdir", "ok", ":", "mkdir", "new", NULL), 0);
	lh_assert_line(st->h.out, "mkdir new = -1 EACCES");
	lh_assert_line(st->h.out, "mkdir ok = -1 EEXIST");
}

/* Round 2: an ask in [mkdir] or [chmod] shows the path, and a person's
 * allow (once, or remembered for that path) is carried out from that copy
 * only if the section emulates; with no path condition and no emulate rule
 * it was continued, so the kernel read the path again (a racing thread's),
 * and check said nothing (the families are taken as emulated). An ask
 * settled allow without a prompt goes the same way. */
static void test_round2_mkdir_ask_allowed_is_emulated(void **state)
{
	struct live *st = *state;

	lh_write_policy(&st->h, "[sysgate]\ndefault = allow\nask_unattached = default\n"
				"ask_default = allow\n[mkdir]\nask = *\n"
				"[chmod]\nask = *\n");
	assert_int_equal(run(st, g_target, "mkdir", "new", ":", "chmod", "f", "0600", NULL), 0);
	lh_assert_line(st->h.out, "mkdir new = 0");
	assert_int_equal(lh_count_lines_with(st->h.log, "-> allow (no-prompt), emulated]"), 2);
}

/* Records that stand on their own (issue 10, failure 6): every record of a
 * path family carries the resolved path, and JSON records say who called
 * (tgid, ppid, uid), the session, and the command line the first time. */
static void test_json_records_stand_on_their_own(void **state)
{
	struct live *st = *state;
	struct json_object *first, *second, *v;
	char *log, *nl;

	lh_write_policy(&st->h, "[sysgate]\ndefault = allow\n[mkdir]\nlog = *\n");
	assert_int_equal(lh_run(&st->h, RUN_TIMEOUT_MS,
				(const char *const[]){g_sysgate, "run", "-p", "policy.ini", "--log",
						      "log", "--log-format", "json", "--", NULL},
				g_target, "mkdir", "ux", ":", "mkdir", "uy", NULL),
			 0);
	log = strdup(st->h.log);
	assert_non_null(log);
	nl = strchr(log, '\n');
	assert_non_null(nl);
	*nl = '\0';
	first = json_tokener_parse(log);
	second = json_tokener_parse(nl + 1);
	assert_non_null(first);
	assert_non_null(second);
	/* mkdir("ux"), relative: the record places it */
	assert_true(json_object_object_get_ex(first, "path", &v));
	assert_string_equal(json_object_get_string(v), lh_tp(&st->h, "%s/ux", st->h.dir));
	assert_true(json_object_object_get_ex(first, "ppid", &v) && json_object_get_int(v) > 0);
	assert_true(json_object_object_get_ex(first, "uid", &v));
	assert_int_equal(json_object_get_int64(v), (int64_t)getuid());
	assert_true(json_object_object_get_ex(first, "cmdline", &v));
	assert_string_equal(json_object_get_string(json_object_array_get_idx(v, 1)), "mkdir");
	/* the same process again: no command line, the same session */
	assert_false(json_object_object_get_ex(second, "cmdline", &v));
	assert_true(json_object_object_get_ex(first, "session", &v));
	{
		const char *sid = json_object_get_string(v);

		assert_int_equal(strlen(sid), 16);
		assert_true(json_object_object_get_ex(second, "session", &v));
		assert_string_equal(json_object_get_string(v), sid);
	}
	json_object_put(first);
	json_object_put(second);
	free(log);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_creat_outside_the_tree_denied_tar, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_openat_outside_the_tree_denied_touch, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_dirfd_at_fdcwd_every_abi, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json_records_stand_on_their_own, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_round2_mkdir_deny_without_path_rule_gets_eexist, setup, teardown),
		cmocka_unit_test_setup_teardown(test_round2_mkdir_ask_allowed_is_emulated, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_round2_mkdir_ask_denied_gets_eexist, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_mkdir_p_gets_eexist_for_existing_parents,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_dirfd_not_at_fdcwd_lets_the_cwd_through, setup,
						teardown),
	};
	int r = lh_find_binaries("test-language", g_sysgate, g_target, g_target_real);

	if (r)
		return r;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
