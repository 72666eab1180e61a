/*
 * Unit tests for supervisor/target's pure parts: the mapping between the host
 * paths /proc shows sysgate and the names in a target's root or a session's
 * view, and the parsers of /proc text. No root, no /proc, no kernel: every
 * input is a string in memory.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "supervisor/target/target.h"

/* host's name below root, or NULL with the errno in *err. */
static const char *strip(const char *root, const char *host, int *err)
{
	const char *name = NULL;

	*err = target_root_strip(root, host, &name);
	return *err == 0 ? name : NULL;
}

#define assert_strip(root, host, want)                                                             \
	do {                                                                                       \
		int e_;                                                                            \
		const char *got_ = strip(root, host, &e_);                                         \
		assert_int_equal(e_, 0);                                                           \
		assert_string_equal(got_, want);                                                   \
	} while (0)

#define assert_strip_fails(root, host, err)                                                        \
	do {                                                                                       \
		int e_;                                                                            \
		assert_null(strip(root, host, &e_));                                               \
		assert_int_equal(e_, err);                                                         \
	} while (0)

static void test_root_strip_whole_tree_keeps_every_path(void **state)
{
	(void)state;
	/* "/" and "" are the whole tree: a host path is its own name. */
	for (int i = 0; i < 3; i++) {
		const char *root = (const char *[]){"/", "", "//"}[i];

		assert_strip(root, "/", "/");
		assert_strip(root, "/a", "/a");
		assert_strip(root, "/a/b/", "/a/b/");
		assert_strip(root, "/srv/ab", "/srv/ab");
	}
}

static void test_root_strip_chroot_takes_the_prefix_off(void **state)
{
	(void)state;
	assert_strip("/srv/a", "/srv/a", "/");
	assert_strip("/srv/a", "/srv/a/", "/");
	assert_strip("/srv/a", "/srv/a/b", "/b");
	assert_strip("/srv/a", "/srv/a/b/c", "/b/c");
	assert_strip("/srv/a", "/srv/a/b/", "/b/");
	assert_strip("/a/b/c", "/a/b/c/d/e", "/d/e");
}

static void test_root_strip_trailing_slashes_on_root_do_not_matter(void **state)
{
	(void)state;
	for (int i = 0; i < 3; i++) {
		const char *root = (const char *[]){"/srv/a", "/srv/a/", "/srv/a///"}[i];

		assert_strip(root, "/srv/a", "/");
		assert_strip(root, "/srv/a/b", "/b");
		assert_strip_fails(root, "/srv/ab", -ENOENT);
		assert_strip_fails(root, "/srv", -ENOENT);
	}
}

static void test_root_strip_prefix_of_another_name_is_outside(void **state)
{
	(void)state;
	/* /srv/a is a string prefix of these, but not a directory above them. */
	assert_strip_fails("/srv/a", "/srv/ab", -ENOENT);
	assert_strip_fails("/srv/a", "/srv/ab/c", -ENOENT);
	assert_strip_fails("/srv/a", "/srv/a-b", -ENOENT);
	assert_strip_fails("/srv/a", "/srv/a.b/c", -ENOENT);
	assert_strip_fails("/srv/a", "/srv/a (deleted)", -ENOENT);
	/* And the other way round: a root longer than the path. */
	assert_strip_fails("/srv/ab", "/srv/a", -ENOENT);
	assert_strip_fails("/srv/ab", "/srv/a/b", -ENOENT);
}

static void test_root_strip_outside_the_root(void **state)
{
	(void)state;
	assert_strip_fails("/srv/a", "/", -ENOENT);
	assert_strip_fails("/srv/a", "/srv", -ENOENT);
	assert_strip_fails("/srv/a", "/srv/", -ENOENT);
	assert_strip_fails("/srv/a", "/srv/b", -ENOENT);
	assert_strip_fails("/srv/a", "/etc/passwd", -ENOENT);
	assert_strip_fails("/srv/a", "/SRV/a", -ENOENT);
}

static void test_root_strip_not_a_path(void **state)
{
	(void)state;
	/* What /proc/PID/fd/N reads for a pipe or an anonymous inode: no
	 * root holds it, the whole tree included. */
	for (int i = 0; i < 2; i++) {
		const char *root = (const char *[]){"/", "/srv/a"}[i];

		assert_strip_fails(root, "pipe:[1234]", -EINVAL);
		assert_strip_fails(root, "anon_inode:[eventfd]", -EINVAL);
		assert_strip_fails(root, "", -EINVAL);
		assert_strip_fails(root, "srv/a/b", -EINVAL);
	}
}

static void test_root_join_puts_the_root_back(void **state)
{
	char out[TARGET_PATH_MAX];

	(void)state;
	const struct {
		const char *root, *path, *want;
	} cases[] = {
		{"/", "", "/"},
		{"/", "/", "/"},
		{"/", "/a", "/a"},
		{"/", "/a/b/", "/a/b/"},
		{"", "/a", "/a"},
		{"/srv/a", "", "/srv/a"},
		{"/srv/a", "/", "/srv/a"},
		{"/srv/a", "/b", "/srv/a/b"},
		{"/srv/a", "/b/c", "/srv/a/b/c"},
		{"/srv/a/", "/b", "/srv/a/b"},
		{"/srv/a//", "", "/srv/a"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(target_root_join(cases[i].root, cases[i].path, out, sizeof(out)),
				 0);
		assert_string_equal(out, cases[i].want);
	}
}

static void test_root_join_too_long_is_refused_not_cut(void **state)
{
	char out[8];

	(void)state;
	assert_int_equal(target_root_join("/srv", "/abc", out, sizeof(out)), -ENAMETOOLONG);
	assert_int_equal(target_root_join("/srv", "/ab", out, sizeof(out)), 0);
	assert_string_equal(out, "/srv/ab");
	assert_int_equal(target_root_join("/", "/abcdefgh", out, sizeof(out)), -ENAMETOOLONG);
	assert_int_equal(target_root_join("/abcdefgh", "", out, sizeof(out)), -ENAMETOOLONG);
}

static void test_root_join_then_strip_is_the_name_again(void **state)
{
	const char *roots[] = {"/", "/srv/a", "/srv/a/", "/srv/ab", "/a/b/c"};
	const char *paths[] = {"/", "/b", "/b/c", "/ab", "/a", "/srv/a", "/x/"};
	char host[TARGET_PATH_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++)
		for (size_t j = 0; j < sizeof(paths) / sizeof(paths[0]); j++) {
			assert_int_equal(target_root_join(roots[i], paths[j], host, sizeof(host)),
					 0);
			assert_strip(roots[i], host, paths[j]);
		}
}

static void test_view_path_maps_into_the_session_view(void **state)
{
	static struct target_view v; /* static: 4 KiB of root */
	char out[TARGET_PATH_MAX];

	(void)state;
	snprintf(v.root, sizeof(v.root), "/srv/a");
	assert_int_equal(target_view_path(&v, "/srv/a/etc", out, sizeof(out)), 0);
	assert_string_equal(out, "/etc");
	assert_int_equal(target_view_path(&v, "/srv/a", out, sizeof(out)), 0);
	assert_string_equal(out, "/");
	/* Outside the view's root: the policy has no name for it. */
	assert_int_equal(target_view_path(&v, "/srv/ab/etc", out, sizeof(out)), -EPERM);
	assert_int_equal(target_view_path(&v, "/etc", out, sizeof(out)), -EPERM);
	/* Not a path: the kernel's text stays, and no absolute glob matches it. */
	assert_int_equal(target_view_path(&v, "pipe:[7]", out, sizeof(out)), 0);
	assert_string_equal(out, "pipe:[7]");
	assert_int_equal(target_view_path(&v, "/srv/a/long", out, 5), -ENAMETOOLONG);

	snprintf(v.root, sizeof(v.root), "/");
	assert_int_equal(target_view_path(&v, "/srv/ab", out, sizeof(out)), 0);
	assert_string_equal(out, "/srv/ab");
	assert_int_equal(target_view_path(NULL, "/srv/ab", out, sizeof(out)), 0);
	assert_string_equal(out, "/srv/ab");
}

/* A /proc/PID/stat line with name as field 2 and starttime (22) = start. */
static void stat_line(char *buf, size_t size, const char *name, const char *start)
{
	snprintf(buf, size,
		 "1234 (%s) S 1 1234 1234 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 %s 2461696 "
		 "230 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n",
		 name, start);
}

static void test_parse_start_time_field_22(void **state)
{
	char buf[512];

	(void)state;
	stat_line(buf, sizeof(buf), "cat", "98765");
	assert_int_equal(target_parse_start_time(buf), 98765);
	/* The name is the target's: spaces, ')' and digits in it change nothing. */
	stat_line(buf, sizeof(buf), "a) b) 1 2 3", "4242");
	assert_int_equal(target_parse_start_time(buf), 4242);
	stat_line(buf, sizeof(buf), ")", "7");
	assert_int_equal(target_parse_start_time(buf), 7);
}

static void test_parse_start_time_malformed_is_zero(void **state)
{
	char buf[512];

	(void)state;
	assert_int_equal(target_parse_start_time(""), 0);
	assert_int_equal(target_parse_start_time("1234 (cat S 1 2 3"), 0);
	assert_int_equal(target_parse_start_time("1234 (cat) S 1 2 3"), 0); /* cut short */
	stat_line(buf, sizeof(buf), "cat", "x");
	assert_int_equal(target_parse_start_time(buf), 0);
}

static void test_parse_ns_ids_outermost_first(void **state)
{
	pid_t ids[4] = {0};

	(void)state;
	assert_int_equal(target_parse_ns_ids("\t812\t5\t1\n", ids, 4), 3);
	assert_int_equal(ids[0], 812);
	assert_int_equal(ids[1], 5);
	assert_int_equal(ids[2], 1);
	assert_int_equal(target_parse_ns_ids("\t77\n", ids, 4), 1);
	assert_int_equal(ids[0], 77);
	/* At most max, however many the line holds. */
	assert_int_equal(target_parse_ns_ids(" 1 2 3 4 5 6", ids, 4), 4);
	assert_int_equal(ids[3], 4);
	assert_int_equal(target_parse_ns_ids("\t\n", ids, 4), 0);
	assert_int_equal(target_parse_ns_ids("", ids, 4), 0);
}

static void test_parse_mountinfo_id(void **state)
{
	uint64_t id = 0;

	(void)state;
	assert_int_equal(
		target_parse_mountinfo_id(
			"36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw\n", &id),
		0);
	assert_int_equal(id, 36);
	assert_int_equal(target_parse_mountinfo_id("4294967296 1 0:1 / / rw - x y rw\n", &id), 0);
	assert_int_equal(id, 4294967296ull);
	assert_int_equal(target_parse_mountinfo_id("x 1 0:1 / /\n", &id), -EINVAL);
	assert_int_equal(target_parse_mountinfo_id("", &id), -EINVAL);
}

static void test_link_is_magic(void **state)
{
	(void)state;
	/* fd/N, cwd, root, exe: the kernel jumps to the object. */
	assert_true(target_link_is_magic("/home/user/file"));
	assert_true(target_link_is_magic("/"));
	assert_true(target_link_is_magic("pipe:[4026]"));
	assert_true(target_link_is_magic("anon_inode:[eventfd]"));
	assert_true(target_link_is_magic("mnt:[4026531841]"));
	/* self, thread-self, mounts, net: ordinary symlinks with relative text. */
	assert_false(target_link_is_magic("1234"));
	assert_false(target_link_is_magic("1234/task/1240"));
	assert_false(target_link_is_magic("self/mounts"));
	assert_false(target_link_is_magic("self/net"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_root_strip_whole_tree_keeps_every_path),
		cmocka_unit_test(test_root_strip_chroot_takes_the_prefix_off),
		cmocka_unit_test(test_root_strip_trailing_slashes_on_root_do_not_matter),
		cmocka_unit_test(test_root_strip_prefix_of_another_name_is_outside),
		cmocka_unit_test(test_root_strip_outside_the_root),
		cmocka_unit_test(test_root_strip_not_a_path),
		cmocka_unit_test(test_root_join_puts_the_root_back),
		cmocka_unit_test(test_root_join_too_long_is_refused_not_cut),
		cmocka_unit_test(test_root_join_then_strip_is_the_name_again),
		cmocka_unit_test(test_view_path_maps_into_the_session_view),
		cmocka_unit_test(test_parse_start_time_field_22),
		cmocka_unit_test(test_parse_start_time_malformed_is_zero),
		cmocka_unit_test(test_parse_ns_ids_outermost_first),
		cmocka_unit_test(test_parse_mountinfo_id),
		cmocka_unit_test(test_link_is_magic),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
