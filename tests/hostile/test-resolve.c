/*
 * Hostile tests, class 2 of issue 8: the call that is judged must be the call
 * that runs, where the kernel resolves a path differently from a plain
 * reading of its string.
 *
 *  - openat2 with RESOLVE_IN_ROOT resolves inside the dirfd ("/", "..",
 *    absolute symlinks stay there); RESOLVE_BENEATH fails any escape;
 *  - a trailing slash makes the kernel follow a final symlink even for
 *    lchown and AT_SYMLINK_NOFOLLOW;
 *  - AT_EMPTY_PATH with AT_FDCWD acts on the cwd;
 *  - a detached mount's fd (open_tree(OPEN_TREE_CLONE)) reads as "/" in
 *    /proc: paths relative to it, the fd itself, a cwd on it and magic links
 *    through it must not be judged by that name.
 *
 * Each test runs attack-resolve under `sysgate run` with a policy that
 * denies a directory, and asserts what the attacker saw (its printed errno),
 * what the file system holds afterwards (owners, directories), and the
 * record. Without sysgate the same calls succeed, so each denial is
 * sysgate's. Needs root (open_tree needs CAP_SYS_ADMIN, chown root).
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
#include <unistd.h>

#include <cmocka.h>

#include "live-harness.h"

#define RUN_TIMEOUT_MS 60000
#define UID_X 4242 /* an owner nobody else gives these files */

static char g_sysgate[PATH_MAX];
static char g_target[PATH_MAX];
static char g_target_real[PATH_MAX];
static char g_attack[PATH_MAX];

struct fx {
	struct lh h;
};

/* sysgate run -p policy.ini --log log -- attack-resolve OPS... */
#define attack(f, ...)                                                                             \
	lh_run(&(f)->h, RUN_TIMEOUT_MS,                                                            \
	       (const char *const[]){g_sysgate, "run", "-p", "policy.ini", "--log", "log", "--",   \
				     g_attack, NULL},                                              \
	       __VA_ARGS__)

/* attack-resolve OPS... without sysgate: what the kernel alone does. */
#define native(f, ...)                                                                             \
	lh_run(&(f)->h, RUN_TIMEOUT_MS, (const char *const[]){g_attack, NULL}, __VA_ARGS__)

static const char *P(struct fx *f, const char *rel)
{
	return lh_tp(&f->h, "%s/%s", f->h.dir, rel);
}

static uid_t owner(const char *path)
{
	struct stat st;

	assert_int_equal(lstat(path, &st), 0);
	return st.st_uid;
}

static void mk(struct fx *f, const char *rel)
{
	assert_int_equal(mkdir(P(f, rel), 0755), 0);
}

static void touch(struct fx *f, const char *rel)
{
	lh_write_file(P(f, rel), "x\n", 0644);
}

static void ln(struct fx *f, const char *target, const char *rel)
{
	assert_int_equal(symlink(target, P(f, rel)), 0);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f || lh_init(&f->h, "/tmp/sg-resolve-XXXXXX", 0) < 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	for (size_t i = 0; i < f->h.n_pids; i++)
		if (f->h.pids[i] > 0)
			kill(f->h.pids[i], SIGKILL);
	lh_fini(&f->h);
	free(f);
	return 0;
}

/*
 * [open] denies the files in DIR/jail. dirfd DIR/jail, RESOLVE_IN_ROOT: "/secret",
 * "../../secret" and a symlink to "/secret" all open DIR/jail/secret. Judged
 * from the real root they look like /secret (allowed): the kernel opens the
 * denied file. RESOLVE_BENEATH escapes get the kernel's EXDEV, and a struct
 * open_how with a non-zero tail the kernel's E2BIG.
 */
static void test_openat2_resolve_in_root_judged_inside_dirfd(void **state)
{
	struct fx *f = *state;

	mk(f, "jail");
	touch(f, "jail/secret");
	ln(f, "/secret", "jail/lnk");
	lh_write_policy(&f->h,
			"[sysgate]\ndefault = allow\n[open]\ndeny = EACCES path ~ %s/jail/*\n",
			f->h.dir);

	/* The kernel alone opens the secret every way. */
	assert_int_equal(native(f, "openat2", "jail", "/secret", "0x10", "openat2", "jail",
				"../../secret", "0x10", "openat2", "jail", "lnk", "0x10", NULL),
			 0);
	lh_assert_line(f->h.out, "openat2 jail /secret 0x10 = 0");
	lh_assert_line(f->h.out, "openat2 jail ../../secret 0x10 = 0");
	lh_assert_line(f->h.out, "openat2 jail lnk 0x10 = 0");

	assert_int_equal(attack(f, "openat2", "jail", "/secret", "0x10", "openat2", "jail",
				"../../secret", "0x10", "openat2", "jail", "lnk", "0x10", "openat2",
				"jail", "../jail/secret", "0x08", "openat2", "jail", "lnk", "0x08",
				"openat2", "-", "jail/secret", "0x10", "openat2", "jail", "/secret",
				"0x30", "openat2", "-", "/etc/hostname", "0", "32", "1", NULL),
			 0);
	lh_assert_line(f->h.out, "openat2 jail /secret 0x10 = -1 EACCES");
	lh_assert_line(f->h.out, "openat2 jail ../../secret 0x10 = -1 EACCES");
	lh_assert_line(f->h.out, "openat2 jail lnk 0x10 = -1 EACCES");
	/* RESOLVE_BENEATH: ".." above the dirfd and an absolute symlink are
	 * the kernel's EXDEV, not a judgement of where they would lead. */
	lh_assert_line(f->h.out, "openat2 jail ../jail/secret 0x08 = -1 EXDEV");
	lh_assert_line(f->h.out, "openat2 jail lnk 0x08 = -1 EXDEV");
	/* AT_FDCWD as the root: the cwd (DIR). */
	lh_assert_line(f->h.out, "openat2 - jail/secret 0x10 = -1 EACCES");
	/* RESOLVE_IN_ROOT with RESOLVE_CACHED: the same path, judged. */
	lh_assert_line(f->h.out, "openat2 jail /secret 0x30 = -1 EACCES");
	/* A larger struct whose unknown part is not zero: E2BIG, as the kernel. */
	lh_assert_line(f->h.out, "openat2 - /etc/hostname 0 = -1 E2BIG");
	assert_true(lh_count_lines_with(f->h.log, "EACCES") >= 5);
	assert_true(lh_count_lines_with(f->h.log,
					lh_tp(&f->h, "path=\"%s/jail/secret\"", f->h.dir)) >= 4);
}

/*
 * [chown] denies DIR/denied and below; DIR/ok/link -> ../denied:
 * lchown("ok/link/") and fchownat("ok/link/", AT_SYMLINK_NOFOLLOW) change
 * the owner of DIR/denied (the slash makes the kernel follow the link); a
 * supervisor that judges the link lets them through. lchown("ok/link")
 * without the slash acts on the link and stays allowed. mkdir("ok/dang/")
 * with ok/dang -> ../denied/new does not follow (EEXIST): it is judged as
 * the kernel does it, and creates nothing.
 */
static void test_trailing_slash_follows_final_symlink(void **state)
{
	struct fx *f = *state;

	mk(f, "ok");
	mk(f, "denied");
	ln(f, "../denied", "ok/link");
	ln(f, "../denied/new", "ok/dang");
	lh_write_policy(&f->h,
			"[sysgate]\ndefault = allow\n[chown]\ndeny = path ~ %s/denied/**\n"
			"[mkdir]\ndeny = path ~ %s/denied/**\n",
			f->h.dir, f->h.dir);

	assert_int_equal(attack(f, "lchown", "ok/link/", "4242", "nofollow", "ok/link/", "4242",
				"nofollow", "ok/link//", "4242", "lchown", "ok/link", "4242",
				"mkdir", "ok/dang/", NULL),
			 0);
	lh_assert_line(f->h.out, "lchown ok/link/ 4242 = -1 EPERM");
	lh_assert_line(f->h.out, "nofollow ok/link/ 4242 = -1 EPERM");
	lh_assert_line(f->h.out, "nofollow ok/link// 4242 = -1 EPERM");
	lh_assert_line(f->h.out, "lchown ok/link 4242 = 0");
	lh_assert_line(f->h.out, "mkdir ok/dang/ = -1 EEXIST");
	assert_int_equal(owner(P(f, "denied")), 0);
	assert_int_equal(owner(P(f, "ok/link")), UID_X);
	assert_false(lh_exists(P(f, "denied/new")));
	assert_int_equal(
		lh_count_lines_with(f->h.log, lh_tp(&f->h, "path=\"%s/denied\"", f->h.dir)), 3);
}

/*
 * fchownat(AT_FDCWD, "", AT_EMPTY_PATH) acts on the cwd: denied where the
 * cwd is denied, carried out where it is allowed (it used to get EBADF).
 */
static void test_empty_path_at_fdcwd_is_the_cwd(void **state)
{
	struct fx *f = *state;

	mk(f, "ok");
	mk(f, "denied");
	lh_write_policy(&f->h, "[sysgate]\ndefault = allow\n[chown]\ndeny = path ~ %s/denied/**\n",
			f->h.dir);

	assert_int_equal(attack(f, "chdir", "denied", "emptycwd", "4242", "chdir", "../ok",
				"emptycwd", "4242", NULL),
			 0);
	lh_assert_line(f->h.out, "emptycwd 4242 = -1 EPERM");
	lh_assert_line(f->h.out, "emptycwd 4242 = 0");
	assert_int_equal(owner(P(f, "denied")), 0);
	assert_int_equal(owner(P(f, "ok")), UID_X);
	lh_assert_line(f->h.out, "chdir ../ok = 0");
	assert_int_equal(
		lh_count_lines_with(f->h.log, lh_tp(&f->h, "path=\"%s/denied\"", f->h.dir)), 1);
}

/*
 * open_tree(OPEN_TREE_CLONE) of DIR/denied: the fd reads as "/" in /proc.
 * mkdirat(fd, "x") (emulated, since [mkdir] has a path rule) and, after
 * fchdir(fd), mkdir("y") must not create anything in DIR/denied; the record
 * says why. The mount family is allowed, so open_tree itself runs.
 */
static void test_detached_mount_mkdir_refused(void **state)
{
	struct fx *f = *state;

	mk(f, "denied");
	mk(f, "ok");
	lh_write_policy(&f->h, "[sysgate]\ndefault = allow\n[mkdir]\ndeny = path ~ %s/denied/**\n",
			f->h.dir);

	/* The kernel alone creates x through the clone, into DIR/denied. */
	assert_int_equal(native(f, "tree", "denied", "treemkdir", "probe", NULL), 0);
	lh_assert_line(f->h.out, "treemkdir probe = 0");
	assert_true(lh_exists(P(f, "denied/probe")));
	assert_int_equal(rmdir(P(f, "denied/probe")), 0);

	assert_int_equal(attack(f, "tree", "denied", "treemkdir", "x", "treefchdir", "mkdir", "y",
				"mkdir", lh_tp(&f->h, "%s/ok/z", f->h.dir), "chroot", ".", "mkdir",
				"/w", NULL),
			 0);
	lh_assert_line(f->h.out, "tree denied = 0");
	lh_assert_line(f->h.out, "treemkdir x = -1 EPERM");
	lh_assert_line(f->h.out, "treefchdir = 0");
	lh_assert_line(f->h.out, "mkdir y = -1 EPERM");
	/* An absolute path from that cwd is judged by the root, which is fine. */
	lh_assert_line(f->h.out, lh_tp(&f->h, "mkdir %s/ok/z = 0", f->h.dir));
	assert_false(lh_exists(P(f, "denied/x")));
	/* chroot into the clone: its "/" is DIR/denied. */
	lh_assert_line(f->h.out, "chroot . = 0");
	lh_assert_line(f->h.out, "mkdir /w = -1 EPERM");
	assert_false(lh_exists(P(f, "denied/y")));
	assert_false(lh_exists(P(f, "denied/w")));
	assert_true(lh_exists(P(f, "ok/z")));
	assert_int_equal(
		lh_count_lines_with(f->h.log,
				    "why=\"descriptor on a mount outside the session's view\""),
		3);
}

/*
 * The same for a family sysgate does not emulate (chown: the supervisor
 * judges, the kernel acts): relative to the clone's fd, the fd itself (a
 * file opened through it, and AT_EMPTY_PATH), a magic link through
 * /proc/self/fd, and a cwd on the clone. The owner of DIR/denied/file never
 * changes.
 */
static void test_detached_mount_chown_refused(void **state)
{
	struct fx *f = *state;

	mk(f, "denied");
	touch(f, "denied/file");
	mk(f, "ok");
	touch(f, "ok/file");
	lh_write_policy(&f->h, "[sysgate]\ndefault = allow\n[chown]\ndeny = path ~ %s/denied/**\n",
			f->h.dir);

	assert_int_equal(attack(f, "tree", "denied", "treechown", "file", "4242", "treefchown",
				"file", "4242", "treeempty", "4242", "procchown", "file", "4242",
				"treefchdir", "chown", "file", "4242", "chown",
				lh_tp(&f->h, "%s/ok/file", f->h.dir), "4242", "chroot", ".",
				"chown", "/file", "4242", NULL),
			 0);
	lh_assert_line(f->h.out, "treechown file 4242 = -1 EPERM");
	lh_assert_line(f->h.out, "treefchown file 4242 = -1 EPERM");
	lh_assert_line(f->h.out, "treeempty 4242 = -1 EPERM");
	lh_assert_line(f->h.out, "procchown file 4242 = -1 EPERM");
	lh_assert_line(f->h.out, "chown file 4242 = -1 EPERM");
	lh_assert_line(f->h.out, lh_tp(&f->h, "chown %s/ok/file 4242 = 0", f->h.dir));
	/* chroot into the clone: "/file" is DIR/denied/file. */
	lh_assert_line(f->h.out, "chroot . = 0");
	lh_assert_line(f->h.out, "chown /file 4242 = -1 EPERM");
	assert_int_equal(owner(P(f, "denied/file")), 0);
	assert_int_equal(owner(P(f, "denied")), 0);
	assert_int_equal(owner(P(f, "ok/file")), UID_X);
	assert_int_equal(
		lh_count_lines_with(f->h.log,
				    "why=\"descriptor on a mount outside the session's view\""),
		6);
}

/*
 * A chrooted target whose root holds a /proc of its own making: there
 * "proc/self" is an ordinary symlink (here to ../sub, which [chown] denies),
 * and the kernel follows it as one. Read as the real /proc/self it named
 * the target's pid and a path nobody denies.
 */
static void test_fake_proc_self_is_an_ordinary_symlink(void **state)
{
	struct fx *f = *state;

	mk(f, "root");
	mk(f, "root/proc");
	mk(f, "root/sub");
	touch(f, "root/sub/file");
	ln(f, "../sub", "root/proc/self");
	lh_write_policy(&f->h,
			"[sysgate]\ndefault = allow\n[chown]\ndeny = path ~ %s/root/sub/**\n",
			f->h.dir);

	assert_int_equal(attack(f, "chroot", "root", "chown", "/proc/self/file", "4242", NULL), 0);
	lh_assert_line(f->h.out, "chroot root = 0");
	lh_assert_line(f->h.out, "chown /proc/self/file 4242 = -1 EPERM");
	assert_int_equal(owner(P(f, "root/sub/file")), 0);
	assert_int_equal(
		lh_count_lines_with(f->h.log, lh_tp(&f->h, "path=\"%s/root/sub/file\"", f->h.dir)),
		1);
}

/*
 * The target's root is taken off whole components only. The target keeps
 * its cwd in DIR/ab and chroots into DIR/a: "DIR/a" is a string prefix of
 * "DIR/ab", but DIR/ab lies outside the root, and the kernel chowns DIR/ab/x
 * (a cwd outside the root is walked from where it is). [chown] denies
 * DIR/ab/x; read as "DIR/a" + "b" the call would be judged DIR/a/b/x and
 * let through. sysgate has no name for it in the target's view and refuses
 * it. With the cwd inside the root (DIR/a/b) calls are judged where they
 * land, the root put back in front: DIR/a/b/y is denied, DIR/a/b/x allowed.
 * (chown, not mkdir: the path of an emulated mkdir is that of the directory
 * emulation opened, which never needs the target's root taken off.)
 */
static void test_chroot_root_is_no_string_prefix(void **state)
{
	struct fx *f = *state;

	mk(f, "a");
	mk(f, "a/b");
	mk(f, "ab");
	touch(f, "ab/x");
	touch(f, "a/b/x");
	touch(f, "a/b/y");
	lh_write_policy(&f->h,
			"[sysgate]\ndefault = allow\n[chown]\ndeny = path ~ %s/ab/x\n"
			"deny = path ~ %s/a/b/y\n",
			f->h.dir, f->h.dir);

	/* The kernel alone chowns DIR/ab/x. */
	assert_int_equal(
		native(f, "chdir", P(f, "ab"), "chroot", P(f, "a"), "chown", "x", "4242", NULL), 0);
	lh_assert_line(f->h.out, "chown x 4242 = 0");
	assert_int_equal(owner(P(f, "ab/x")), UID_X);
	assert_int_equal(chown(P(f, "ab/x"), 0, 0), 0);

	assert_int_equal(
		attack(f, "chdir", P(f, "ab"), "chroot", P(f, "a"), "chown", "x", "4242", NULL), 0);
	lh_assert_line(f->h.out, lh_tp(&f->h, "chroot %s = 0", P(f, "a")));
	assert_false(lh_has_line(f->h.out, "chown x 4242 = 0"));
	assert_int_equal(owner(P(f, "ab/x")), 0);
	assert_int_equal(owner(P(f, "a/b/x")), 0);
	assert_int_equal(lh_count_lines_with(f->h.log, "deny"), 1);

	assert_int_equal(attack(f, "chdir", P(f, "a/b"), "chroot", P(f, "a"), "chown", "y", "4242",
				"chown", "x", "4242", NULL),
			 0);
	lh_assert_line(f->h.out, "chown y 4242 = -1 EPERM");
	lh_assert_line(f->h.out, "chown x 4242 = 0");
	assert_int_equal(owner(P(f, "a/b/y")), 0);
	assert_int_equal(owner(P(f, "a/b/x")), UID_X);
	assert_int_equal(lh_count_lines_with(f->h.log, lh_tp(&f->h, "path=\"%s/a/b/y\"", f->h.dir)),
			 1);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_openat2_resolve_in_root_judged_inside_dirfd),
		T(test_trailing_slash_follows_final_symlink),
		T(test_empty_path_at_fdcwd_is_the_cwd),
		T(test_detached_mount_mkdir_refused),
		T(test_detached_mount_chown_refused),
		T(test_fake_proc_self_is_an_ordinary_symlink),
		T(test_chroot_root_is_no_string_prefix),
	};
	const char *dir = getenv("SG_HOSTILE_DIR");
	int r = lh_find_binaries("hostile-resolve", g_sysgate, g_target, g_target_real);

	if (r)
		return r;
	if (dir && *dir)
		snprintf(g_attack, sizeof(g_attack), "%s/attack-resolve", dir);
	else if (!lh_locate(g_attack, sizeof(g_attack), "SG_ATTACK_RESOLVE", "attack-resolve"))
		return 1;
	if (access(g_attack, X_OK) < 0) {
		fprintf(stderr, "hostile-resolve: %s: %s\n", g_attack, strerror(errno));
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
