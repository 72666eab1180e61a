/*
 * test-abi-live: abi == NAME against real calls. sg-target makes the same
 * mkdir through x86_64's syscall, i386's int $0x80 and x32's numbers, in one
 * run each, under filters whose per-ABI overrides (policy/compile.c) the
 * kernel itself loads and runs: what each call returned, what was made and
 * what was recorded is asserted.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/live-harness.h"

#define RUN_TIMEOUT_MS 60000

static char g_sysgate[PATH_MAX];
static char g_target[PATH_MAX];
static char g_target_real[PATH_MAX];

static int setup(void **state)
{
	struct lh *h = calloc(1, sizeof(*h));

	if (!h || lh_init(h, "/tmp/sg-abi-live.XXXXXX", 0) < 0) {
		free(h);
		return -1;
	}
	*state = h;
	return 0;
}

static int teardown(void **state)
{
	lh_fini(*state);
	free(*state);
	return 0;
}

#define run(h, ...)                                                                                \
	lh_run(h, RUN_TIMEOUT_MS,                                                                  \
	       (const char *const[]){g_sysgate, "run", "-p", "policy.ini", "--log", "log", "--",   \
				     NULL},                                                        \
	       __VA_ARGS__)

static char *the_log(struct lh *h)
{
	char *log = lh_slurp(lh_tp(h, "%s/log", h->dir));

	assert_non_null(log);
	return lh_keep(h, log);
}

/* deny = abi == i386 first: only the int $0x80 mkdir is refused. */
static void test_abi_live_deny_i386(void **state)
{
	struct lh *h = *state;
	const char *log;

	lh_write_policy(h, "[mkdir]\ndeny = EACCES abi == i386\nallow = *\n");
	assert_int_equal(
		run(h, g_target, "mkdir", "a", ":", "mkdir32", "b", ":", "mkdirx32", "c", NULL), 0);
	lh_assert_line(h->out, "mkdir a = 0");
	lh_assert_line(h->out, "mkdir32 b = -1 EACCES");
	assert_null(strstr(h->out, "mkdirx32 c = -1 EACCES"));
	assert_true(lh_exists(lh_tp(h, "%s/a", h->dir)));
	assert_false(lh_exists(lh_tp(h, "%s/b", h->dir)));
	log = the_log(h);
	if (!strstr(log, "i386:mkdir(\"b\"") || strstr(log, "x86_64:mkdir(\"a\""))
		fail_msg("records:\n%s", log);
}

/* An allowlist for x86_64 alone: i386 and x32 get the default (deny),
 * x86_64's mkdir runs in the kernel (no record for it). */
static void test_abi_live_allowlist_x86_64(void **state)
{
	struct lh *h = *state;
	const char *log;

	lh_write_policy(h, "[sysgate]\ndefault = deny\n[@docker-default]\nallow = abi == x86_64\n");
	assert_int_equal(
		run(h, g_target, "mkdir", "a", ":", "mkdir32", "b", ":", "mkdirx32", "c", NULL), 0);
	lh_assert_line(h->out, "mkdir a = 0");
	lh_assert_line(h->out, "mkdir32 b = -1 EPERM");
	lh_assert_line(h->out, "mkdirx32 c = -1 EPERM");
	assert_true(lh_exists(lh_tp(h, "%s/a", h->dir)));
	assert_false(lh_exists(lh_tp(h, "%s/b", h->dir)));
	assert_false(lh_exists(lh_tp(h, "%s/c", h->dir)));
	log = the_log(h);
	if (!strstr(log, "i386:mkdir(\"b\"") || !strstr(log, "x32:mkdir(\"c\"") ||
	    strstr(log, "(\"a\""))
		fail_msg("records:\n%s", log);
}

/* sysgate explain --abi shows what the abi condition gave; check refuses a
 * name that is no ABI, listing the three (check reports on stdout). */
static void test_abi_live_explain_and_check(void **state)
{
	struct lh *h = *state;
	const char *const explain[] = {g_sysgate, "explain", NULL};
	const char *const check[] = {g_sysgate, "check", NULL};

	lh_write_policy(h, "[mkdir]\ndeny = EACCES abi == i386\nallow = *\n");
	assert_int_equal(lh_run(h, RUN_TIMEOUT_MS, explain, "--abi", "i386", "policy.ini", "mkdir",
				"path=/tmp/x", NULL),
			 0);
	lh_assert_line(h->out, "  policy.ini:2: deny matches: abi == i386");
	lh_assert_line(h->out, "  decided: deny EACCES by policy.ini:2");
	assert_int_equal(lh_run(h, RUN_TIMEOUT_MS, explain, "--abi", "x32", "policy.ini", "mkdir",
				"path=/tmp/x", NULL),
			 0);
	lh_assert_line(h->out, "  policy.ini:2: deny does not match: abi == i386 does not hold");
	lh_assert_line(h->out, "  decided: allow by policy.ini:3");

	lh_write_policy(h, "[mkdir]\ndeny = abi == arm64\n");
	assert_int_not_equal(lh_run(h, RUN_TIMEOUT_MS, check, "policy.ini", NULL), 0);
	assert_non_null(strstr(h->out, "policy.ini:2: error: unknown ABI 'arm64' (x86_64, i386 "
				       "or x32"));
	lh_write_policy(h, "[mkdir]\ndeny = abi == i386 and abi == x32\nallow = *\n");
	assert_int_equal(lh_run(h, RUN_TIMEOUT_MS, check, "policy.ini", NULL), 0);
	assert_non_null(strstr(h->out, "policy.ini:2: warning: this rule can never match"));
}

/* [sysgate] abi = x86_64: the int $0x80 mkdir kills the process (137),
 * whatever the sections say (here: nothing, the default allows), and the
 * record names the key's line and why. */
static void test_abi_live_key_kills_i386(void **state)
{
	struct lh *h = *state;
	const char *log;

	lh_write_policy(h, "[sysgate]\nabi = x86_64\n[mkdir]\nallow = *\n");
	assert_int_equal(
		run(h, g_target, "mkdir", "a", ":", "mkdir32", "b", ":", "mkdir", "c", NULL), 137);
	lh_assert_line(h->out, "mkdir a = 0");
	assert_null(strstr(h->out, "mkdir32 b ="));
	assert_true(lh_exists(lh_tp(h, "%s/a", h->dir)));
	assert_false(lh_exists(lh_tp(h, "%s/b", h->dir)));
	assert_false(lh_exists(lh_tp(h, "%s/c", h->dir)));
	log = the_log(h);
	if (!strstr(log, "i386:mkdir(\"b\"") || !strstr(log, "kill policy.ini:2") ||
	    !strstr(log, "abi i386 is not in this policy's abi list"))
		fail_msg("records:\n%s", log);
}

/* abi = x86_64, x32: an x32 call is killed too when x32 is left out, and
 * with abi = x86_64, i386 both the x86_64 and the i386 mkdir run. */
static void test_abi_live_key_lists(void **state)
{
	struct lh *h = *state;
	const char *log;

	lh_write_policy(h, "[sysgate]\nabi = x86_64, i386\n");
	assert_int_equal(run(h, g_target, "mkdir", "a", ":", "mkdir32", "b", NULL), 0);
	lh_assert_line(h->out, "mkdir a = 0");
	lh_assert_line(h->out, "mkdir32 b = 0");
	assert_true(lh_exists(lh_tp(h, "%s/b", h->dir)));

	lh_write_policy(h, "[sysgate]\nabi = x86_64, i386\n");
	assert_int_equal(run(h, g_target, "mkdirx32", "c", NULL), 137);
	assert_false(lh_exists(lh_tp(h, "%s/c", h->dir)));
	log = the_log(h);
	if (!strstr(log, "x32:mkdir(\"c\"") || !strstr(log, "abi x32 is not in"))
		fail_msg("records:\n%s", log);

	/* complain mode: like any kill, logged and let through */
	lh_write_policy(h, "[sysgate]\nmode = complain\nabi = x86_64\n");
	assert_int_equal(run(h, g_target, "mkdir32", "d", NULL), 0);
	lh_assert_line(h->out, "mkdir32 d = 0");
	log = the_log(h);
	if (!strstr(log, "[kill policy.ini:3, complain: allowed]"))
		fail_msg("records:\n%s", log);
}

/* abi = x86_64: the calls a hostile target would try instead of mkdir are
 * killed as well, before anything runs: i386's multiplexers, i386-only
 * calls, io_uring, a number no table names, and x32 with any number. */
static void test_abi_live_key_kills_raw(void **state)
{
	static const char *const calls[][3] = {
		{"raw32", "102", "i386:socketcall("},	  {"raw32", "117", "i386:ipc("},
		{"raw32", "212", "i386:chown32("},	  {"raw32", "140", "i386:_llseek("},
		{"raw32", "425", "i386:io_uring_setup("}, {"raw32", "999", "i386:syscall_999("},
		{"rawx32", "39", "x32:getpid("},	  {"rawx32", "999", "x32:syscall_999("},
	};
	struct lh *h = *state;

	lh_write_policy(h, "[sysgate]\nabi = x86_64\n");
	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		const char *log;

		assert_int_equal(
			run(h, g_target, "mkdir", "a", ":", calls[i][0], calls[i][1], NULL), 137);
		lh_assert_line(h->out, "mkdir a = 0");
		assert_null(strstr(h->out, "raw"));
		log = the_log(h);
		if (!strstr(log, calls[i][2]) || !strstr(log, "kill policy.ini:2"))
			fail_msg("%s %s: records:\n%s", calls[i][0], calls[i][1], log);
		rmdir(lh_tp(h, "%s/a", h->dir));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_abi_live_deny_i386, setup, teardown),
		cmocka_unit_test_setup_teardown(test_abi_live_allowlist_x86_64, setup, teardown),
		cmocka_unit_test_setup_teardown(test_abi_live_explain_and_check, setup, teardown),
		cmocka_unit_test_setup_teardown(test_abi_live_key_kills_i386, setup, teardown),
		cmocka_unit_test_setup_teardown(test_abi_live_key_lists, setup, teardown),
		cmocka_unit_test_setup_teardown(test_abi_live_key_kills_raw, setup, teardown),
	};
	int r = lh_find_binaries("test-abi-live", g_sysgate, g_target, g_target_real);

	if (r)
		return r;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
