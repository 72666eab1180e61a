/*
 * Unit tests for supervisor/emulate's pure parts: the credentials an emulated
 * call takes on, read from the text of /proc/PID/status, and how a path is
 * cut into the directory opened and the entry acted on. No root, no /proc:
 * every input is in memory.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "supervisor/emulate/creds.h"

#define STATUS_HEAD "Name:\tcat\nUmask:\t0027\nState:\tS (sleeping)\nTgid:\t812\nPid:\t812\n"
#define STATUS_IDS "Uid:\t1000\t1001\t1002\t1003\nGid:\t2000\t2001\t2002\t2003\nFDSize:\t64\n"
#define STATUS_CAPS                                                                                \
	"CapInh:\t0000000000000000\nCapPrm:\t000001ffffffffff\nCapEff:\t000001ffffffffff\n"

/* Parse text (copied: the parser writes into it). */
static int parse(const char *text, struct emulate_creds *c)
{
	char *buf = strdup(text);
	int r;

	assert_non_null(buf);
	memset(c, 0, sizeof(*c));
	r = emulate_creds_parse(buf, c);
	free(buf);
	return r;
}

static void test_creds_parse_takes_the_fs_ids_and_the_rest(void **state)
{
	struct emulate_creds c;

	(void)state;
	assert_int_equal(parse(STATUS_HEAD STATUS_IDS "Groups:\t4 24 27 \n" STATUS_CAPS, &c), 0);
	/* The fourth of Uid and Gid is the fs id: what permission checks use. */
	assert_int_equal(c.fsuid, 1003);
	assert_int_equal(c.fsgid, 2003);
	assert_int_equal(c.umask, 0027);
	assert_int_equal(c.n_groups, 3);
	assert_int_equal(c.groups[0], 4);
	assert_int_equal(c.groups[1], 24);
	assert_int_equal(c.groups[2], 27);
	assert_true(c.cap_eff == 0x1ffffffffffull);
	free(c.groups);
}

/* The record of an emulated call takes its tgid, ppid and uids from the same
 * read (issue 12): they must be the ones the file says, and who_ok only when
 * both Tgid and PPid were there. */
static void test_creds_parse_who_for_the_record(void **state)
{
	struct emulate_creds c;

	(void)state;
	assert_int_equal(parse(STATUS_HEAD "Ngid:\t0\nPPid:\t77\nTracerPid:\t5\n" STATUS_IDS
					   "Groups:\t\n" STATUS_CAPS,
			       &c),
			 0);
	assert_true(c.who_ok);
	assert_int_equal(c.tgid, 812);
	assert_int_equal(c.ppid, 77);
	assert_int_equal(c.uid, 1000);
	assert_int_equal(c.euid, 1001);
	free(c.groups);
	/* No PPid line: the record reads the file itself. */
	assert_int_equal(parse(STATUS_HEAD STATUS_IDS "Groups:\t\n" STATUS_CAPS, &c), 0);
	assert_false(c.who_ok);
	free(c.groups);
}

static void test_creds_parse_no_groups(void **state)
{
	struct emulate_creds c;

	(void)state;
	assert_int_equal(parse(STATUS_HEAD STATUS_IDS "Groups:\t\n" STATUS_CAPS, &c), 0);
	assert_int_equal(c.n_groups, 0);
	free(c.groups);
	assert_int_equal(parse(STATUS_HEAD STATUS_IDS "Groups:\n" STATUS_CAPS, &c), 0);
	assert_int_equal(c.n_groups, 0);
	free(c.groups);
}

static void test_creds_parse_missing_line_is_refused(void **state)
{
	struct emulate_creds c;

	(void)state;
	/* Without any one of them the call cannot be done as the target. */
	assert_int_equal(parse(STATUS_IDS "Groups:\t4\n" STATUS_CAPS, &c), -EIO);
	free(c.groups);
	assert_int_equal(parse(STATUS_HEAD "Gid:\t1\t1\t1\t1\nGroups:\t4\n" STATUS_CAPS, &c), -EIO);
	free(c.groups);
	assert_int_equal(parse(STATUS_HEAD STATUS_IDS STATUS_CAPS, &c), -EIO);
	assert_int_equal(parse(STATUS_HEAD STATUS_IDS "Groups:\t4\n", &c), -EIO);
	free(c.groups);
	/* A Uid line with three ids is not one. */
	assert_int_equal(
		parse(STATUS_HEAD "Uid:\t1\t2\t3\nGid:\t1\t1\t1\t1\nGroups:\t\n" STATUS_CAPS, &c),
		-EIO);
	free(c.groups);
}

static void test_creds_parse_too_many_groups_fails_closed(void **state)
{
	size_t n = EMULATE_MAX_GROUPS + 1, size = n * 8 + 512, len;
	struct emulate_creds c;
	char *text = malloc(size);

	(void)state;
	assert_non_null(text);
	len = (size_t)snprintf(text, size, "%s%sGroups:\t", STATUS_HEAD, STATUS_IDS);
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, size - len, "%zu ", i);
	snprintf(text + len, size - len, "\n%s", STATUS_CAPS);
	assert_int_equal(parse(text, &c), -EPERM);
	free(c.groups);

	/* As many as the kernel allows, as it prints them (each followed by a
	 * space): taken on whole. */
	len = (size_t)snprintf(text, size, "%s%sGroups:\t", STATUS_HEAD, STATUS_IDS);
	for (size_t i = 0; i + 1 < n; i++)
		len += (size_t)snprintf(text + len, size - len, "%zu ", i);
	snprintf(text + len, size - len, "\n%s", STATUS_CAPS);
	assert_int_equal(parse(text, &c), 0);
	assert_int_equal(c.n_groups, EMULATE_MAX_GROUPS);
	free(c.groups);

	/* One fewer is taken on whole. */
	len = (size_t)snprintf(text, size, "%s%sGroups:\t", STATUS_HEAD, STATUS_IDS);
	for (size_t i = 0; i + 1 < n; i++)
		len += (size_t)snprintf(text + len, size - len, i + 2 < n ? "%zu " : "%zu", i);
	snprintf(text + len, size - len, "\n%s", STATUS_CAPS);
	assert_int_equal(parse(text, &c), 0);
	assert_int_equal(c.n_groups, EMULATE_MAX_GROUPS);
	assert_int_equal(c.groups[EMULATE_MAX_GROUPS - 1], EMULATE_MAX_GROUPS - 1);
	free(c.groups);
	free(text);
}

static void split(const char *raw, const char *want_dir, const char *want_last)
{
	char dir[TARGET_PATH_MAX], last[EMULATE_NAME_MAX];

	assert_int_equal(emulate_split_last(raw, dir, last), 0);
	assert_string_equal(dir, want_dir);
	assert_string_equal(last, want_last);
}

static void test_split_last_parent_and_entry(void **state)
{
	(void)state;
	split("a", ".", "a");
	split("a/", ".", "a");
	split("a//", ".", "a");
	split("/a", "/", "a");
	split("/a/", "/", "a");
	split("/a/b", "/a", "b");
	split("/a/b/", "/a", "b");
	split("x/y/z", "x/y", "z");
	split("..", ".", "..");
	split("a/.", "a", ".");
	/* The root: nothing above it, the call acts on "." of it. */
	split("/", "/", ".");
	split("//", "/", ".");
}

static void test_split_last_too_long(void **state)
{
	char dir[TARGET_PATH_MAX], last[EMULATE_NAME_MAX], raw[TARGET_PATH_MAX + 8];

	(void)state;
	memset(raw, 'a', 300);
	raw[300] = '\0';
	assert_int_equal(emulate_split_last(raw, dir, last), -ENAMETOOLONG);
	memset(raw, 'a', 255);
	raw[255] = '\0';
	assert_int_equal(emulate_split_last(raw, dir, last), 0);
	assert_int_equal(strlen(last), 255);
	memset(raw, 'a', sizeof(raw) - 1);
	raw[sizeof(raw) - 1] = '\0';
	raw[1] = '/';
	assert_int_equal(emulate_split_last(raw, dir, last), -ENAMETOOLONG);
}

static void test_last_is_dot(void **state)
{
	(void)state;
	assert_true(emulate_last_is_dot("."));
	assert_true(emulate_last_is_dot(".."));
	assert_true(emulate_last_is_dot("a/.."));
	assert_true(emulate_last_is_dot("/a/./"));
	assert_true(emulate_last_is_dot("/"));
	assert_false(emulate_last_is_dot("a"));
	assert_false(emulate_last_is_dot("..."));
	assert_false(emulate_last_is_dot(".a"));
	assert_false(emulate_last_is_dot("a/..b"));
	assert_false(emulate_last_is_dot("//"));
}

static void join(const char *view, const char *last, const char *want)
{
	char v[TARGET_PATH_MAX], out[TARGET_PATH_MAX];

	snprintf(v, sizeof(v), "%s", view);
	assert_int_equal(emulate_join_last(v, last, out, sizeof(out)), 0);
	assert_string_equal(out, want);
}

static void test_join_last_names_the_entry(void **state)
{
	char v[8], out[8];

	(void)state;
	join("/", "a", "/a");
	join("/srv", "a", "/srv/a");
	join("/srv", ".", "/srv");
	join("/srv/a", "..", "/srv");
	join("/srv", "..", "/");
	join("/", "..", "/");
	snprintf(v, sizeof(v), "/srv");
	assert_int_equal(emulate_join_last(v, "abcd", out, sizeof(out)), -ENAMETOOLONG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_creds_parse_takes_the_fs_ids_and_the_rest),
		cmocka_unit_test(test_creds_parse_who_for_the_record),
		cmocka_unit_test(test_creds_parse_no_groups),
		cmocka_unit_test(test_creds_parse_missing_line_is_refused),
		cmocka_unit_test(test_creds_parse_too_many_groups_fails_closed),
		cmocka_unit_test(test_split_last_parent_and_entry),
		cmocka_unit_test(test_split_last_too_long),
		cmocka_unit_test(test_last_is_dot),
		cmocka_unit_test(test_join_last_names_the_entry),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
