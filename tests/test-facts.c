/*
 * Unit tests for policy/facts.c: the plain-policy-name rule (what NAME in
 * policy=NAME may be) and the always-allowed syscalls, each written once and
 * used by the daemon, the oci-profile verb and the compiler.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "policy/facts.h"

static bool plain(const char *s)
{
	return policy_plain_name(s, strlen(s));
}

static void test_plain_name_accepts_file_names(void **state)
{
	char name[POLICY_NAME_MAX + 2];

	(void)state;
	assert_true(plain("web"));
	assert_true(plain("db-1.v2_x"));
	assert_true(plain("a..b"));
	memset(name, 'n', POLICY_NAME_MAX);
	name[POLICY_NAME_MAX] = '\0';
	assert_true(plain(name));
	/* n bytes are checked, not up to a terminator. */
	assert_true(policy_plain_name("web/../x", 3));
}

static void test_plain_name_refuses_escapes(void **state)
{
	char name[POLICY_NAME_MAX + 2];

	(void)state;
	assert_false(plain(""));
	assert_false(plain("."));
	assert_false(plain(".."));
	assert_false(plain(".hidden"));
	assert_false(plain("../etc/passwd"));
	assert_false(plain("/etc/passwd"));
	assert_false(plain("a/b"));
	assert_false(plain("a b"));
	assert_false(plain("a\\b"));
	assert_false(plain("caf\xc3\xa9"));
	/* A NUL inside the n bytes is no plain name (strchr would find it). */
	assert_false(policy_plain_name("we\0b", 4));
	memset(name, 'n', POLICY_NAME_MAX + 1);
	name[POLICY_NAME_MAX + 1] = '\0';
	assert_false(plain(name));
	assert_non_null(strstr(policy_plain_name_why(name, strlen(name)), "longer than 64"));
	assert_non_null(strstr(policy_plain_name_why("a/b", 3), "not a plain name"));
	assert_null(policy_plain_name_why("web", 3));
}

static void test_always_allowed_are_the_exits_and_sigreturns(void **state)
{
	static const char *const want[] = {"exit", "exit_group", "rt_sigreturn", "sigreturn"};
	size_t n = 0;

	(void)state;
	while (policy_always_allowed[n])
		n++;
	assert_int_equal(n, 4);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(policy_always_allowed[i], want[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_name_accepts_file_names),
		cmocka_unit_test(test_plain_name_refuses_escapes),
		cmocka_unit_test(test_always_allowed_are_the_exits_and_sigreturns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
