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

#include "live-harness.h"

#define RUN_TIMEOUT_MS 30000

#define NOBODY 65534
#define OTHER_GID 4242 /* a group nobody is not a member of */

static char g_sysgate[PATH_MAX];
static char g_target[PATH_MAX];
static char g_target_real[PATH_MAX]; /* what /proc/PID/exe of the target says */

struct emu {
	struct lh h; /* h.out, h.err, h.log: of the last run: target stdout, stderr, the log */
	char escape[2][PATH_MAX]; /* host paths a broken chroot would create */
};

/* ---- helpers ---- */

/* A directory with this mode and owner (mkdir's mode is cut by the umask). */
static void make_dir(const char *path, mode_t mode, uid_t uid, gid_t gid)
{
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(chown(path, uid, gid), 0);
	assert_int_equal(chmod(path, mode), 0);
}

/* Any command (argv[0] a path), NULL-terminated; the shell-style status. */
#define cmd(st, ...) lh_run(&(st)->h, RUN_TIMEOUT_MS, (const char *const[]){NULL}, __VA_ARGS__)

/* sysgate run -p policy.ini --log log -- sg-target OPS... (NULL-terminated). */
#define sg(st, ...)                                                                                \
	lh_run(&(st)->h, RUN_TIMEOUT_MS,                                                           \
	       (const char *const[]){g_sysgate, "run", "-p", "policy.ini", "--log", "log", "--",   \
				     g_target, NULL},                                              \
	       __VA_ARGS__)

/* The same with JSON records. */
#define sg_json(st, ...)                                                                           \
	lh_run(&(st)->h, RUN_TIMEOUT_MS,                                                           \
	       (const char *const[]){g_sysgate, "run", "-p", "policy.ini", "--log", "log",         \
				     "--log-format", "json", "--", g_target, NULL},                \
	       __VA_ARGS__)

/* sg-target OPS... without sysgate: what the kernel alone says. */
#define native(st, ...)                                                                            \
	lh_run(&(st)->h, RUN_TIMEOUT_MS, (const char *const[]){g_target, NULL}, __VA_ARGS__)

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

/* ---- setup and teardown ---- */

static int setup(void **state)
{
	struct emu *st = calloc(1, sizeof(*st));

	if (!st)
		return -1;
	if (lh_init(&st->h, "/tmp/sg-emu.XXXXXX", LH_SPAWN_SHELL) < 0) {
		lh_fini(&st->h);
		free(st);
		return -1;
	}
	*state = st;
	/* ok: where the policies let calls through; no: where they do not.
	 * Both writable by anyone, so only the policy (or the credentials
	 * being tested) decides. */
	if (chmod(st->h.dir, 0755) < 0 || mkdir(lh_tp(&st->h, "%s/ok", st->h.dir), 0700) < 0 ||
	    chmod(lh_tp(&st->h, "%s/ok", st->h.dir), 0777) < 0 ||
	    mkdir(lh_tp(&st->h, "%s/no", st->h.dir), 0700) < 0 ||
	    chmod(lh_tp(&st->h, "%s/no", st->h.dir), 0777) < 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	struct emu *st = *state;

	for (size_t i = 0; i < st->h.n_pids; i++)
		if (st->h.pids[i] > 0) {
			kill(st->h.pids[i], SIGKILL);
			waitpid(st->h.pids[i], NULL, 0);
		}
	lh_fini(&st->h);
	for (int i = 0; i < 2; i++)
		if (st->escape[i][0])
			rmdir(st->escape[i]);
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
	lh_write_policy(&st->h, POLICY_EMU, st->h.dir, st->h.dir);
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
	const char *a = lh_tp(&st->h, "%s/ok/a", st->h.dir);

	write_policy_emu(st);
	assert_int_equal(sg(st, "mkdir", a, "0777", ":", "mkdir", a, "0700", ":", "stat", a, NULL),
			 0);
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s = 0", a));
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s = -1 EEXIST", a));
	/* The target's umask (022) applied once, by the kernel; the second
	 * mkdir changed nothing. */
	lh_assert_line(st->h.out, lh_tp(&st->h, "stat %s = 0755 0 0", a));
	assert_int_equal(lh_lmode_of(a), 0755);
}

static void test_result_enoent_enotdir_eloop_as_kernel(void **state)
{
	struct emu *st = *state;
	const char *missing = lh_tp(&st->h, "%s/ok/missing/x", st->h.dir);
	const char *notdir = lh_tp(&st->h, "%s/ok/file/x", st->h.dir);
	const char *loop = lh_tp(&st->h, "%s/ok/loop1/x", st->h.dir);
	const char *after = lh_tp(&st->h, "%s/ok/after", st->h.dir);
	char *ref;

	lh_write_file(lh_tp(&st->h, "%s/ok/file", st->h.dir), "", 0644);
	assert_int_equal(symlink("loop2", lh_tp(&st->h, "%s/ok/loop1", st->h.dir)), 0);
	assert_int_equal(symlink("loop1", lh_tp(&st->h, "%s/ok/loop2", st->h.dir)), 0);
	write_policy_emu(st);
	/* Without sysgate first: the kernel's own answers are the reference. */
	assert_int_equal(native(st, "mkdir", missing, ":", "mkdir", notdir, ":", "mkdir", loop, ":",
				"chmod", lh_tp(&st->h, "%s/ok/missing", st->h.dir), "0700", NULL),
			 0);
	ref = strdup(st->h.out);
	assert_non_null(ref);
	assert_int_equal(sg(st, "mkdir", missing, ":", "mkdir", notdir, ":", "mkdir", loop, ":",
			    "chmod", lh_tp(&st->h, "%s/ok/missing", st->h.dir), "0700", ":",
			    "mkdir", after, NULL),
			 0);
	lh_assert_line(ref, lh_tp(&st->h, "mkdir %s = -1 ENOENT", missing));
	lh_assert_line(ref, lh_tp(&st->h, "mkdir %s = -1 ENOTDIR", notdir));
	lh_assert_line(ref, lh_tp(&st->h, "mkdir %s = -1 ELOOP", loop));
	lh_assert_line(ref, lh_tp(&st->h, "chmod %s/ok/missing = -1 ENOENT", st->h.dir));
	/* sysgate's output is the kernel's, line for line, and one more. */
	assert_int_equal(strncmp(st->h.out, ref, strlen(ref)), 0);
	free(ref);
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s = 0", after));
	assert_false(lh_exists(lh_tp(&st->h, "%s/ok/missing", st->h.dir)));
	assert_false(lh_exists(lh_tp(&st->h, "%s/ok/loop2/x", st->h.dir)));
	assert_true(lh_exists(after));
}

static void test_result_eacces_parent_not_writable(void **state)
{
	struct emu *st = *state;
	const char *x = lh_tp(&st->h, "%s/ok/ro/x", st->h.dir);
	pid_t pid;

	/* root's 0755 directory: a root supervisor could write there, nobody
	 * cannot, and the target is nobody. */
	make_dir(lh_tp(&st->h, "%s/ok/ro", st->h.dir), 0755, 0, 0);
	write_policy_emu(st);
	assert_int_equal(sg(st, "pid", ":", "become", "65534", "65534", ":", "mkdir", x, ":",
			    "mkdir", lh_tp(&st->h, "%s/ok/fine", st->h.dir), NULL),
			 0);
	pid = lh_target_pid(st->h.out);
	lh_assert_line(st->h.out, "become 65534 65534 = 0");
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s = -1 EACCES", x));
	assert_false(lh_exists(x));
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s/ok/fine = 0", st->h.dir));
	lh_assert_line(st->h.log, lh_tp(&st->h,
					"sysgate: %d %s mkdir(\"%s\", 0755) = -1 EACCES "
					"[emulate policy.ini:2]",
					(int)pid, g_target_real, x));
}

static void test_result_erofs_on_readonly_bind_mount(void **state)
{
	struct emu *st = *state;
	const char *ro = lh_tp(&st->h, "%s/ok/ro", st->h.dir),
		   *x = lh_tp(&st->h, "%s/ok/ro/x", st->h.dir);
	const char *f = lh_tp(&st->h, "%s/ok/ro/f", st->h.dir);
	const char *unshare = lh_tool("unshare", false), *sh = lh_tool("sh", false);

	if (!unshare || !sh || !lh_tool("mount", false))
		skip();
	make_dir(ro, 0777, 0, 0);
	lh_write_file(f, "", 0644);
	write_policy_emu(st);
	/* A private mount namespace for sysgate and its target, where ok/ro
	 * is read-only; nothing of it is visible here. */
	assert_int_equal(cmd(st, unshare, "-m", "--propagation", "private", sh, "-c",
			     "mount --bind -o ro \"$0\" \"$0\" || exit 99\n"
			     "exec \"$1\" run -p policy.ini --log log -- \"$2\" mkdir \"$0/x\" : "
			     "chmod \"$0/f\" 0600 : mkdir \"$3\"",
			     ro, g_sysgate, g_target, lh_tp(&st->h, "%s/ok/rw", st->h.dir), NULL),
			 0);
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s = -1 EROFS", x));
	lh_assert_line(st->h.out, lh_tp(&st->h, "chmod %s = -1 EROFS", f));
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s/ok/rw = 0", st->h.dir));
	assert_false(lh_exists(x));
	assert_int_equal(lh_lmode_of(f), 0644);
	assert_int_equal(lh_count_lines_with(st->h.log, "= -1 EROFS [emulate policy.ini:"), 2);
}

/* ---- acting on the path the target named ---- */

static void test_path_relative_to_cwd(void **state)
{
	struct emu *st = *state;
	pid_t pid;

	write_policy_emu(st);
	assert_int_equal(sg(st, "pid", ":", "chdir", lh_tp(&st->h, "%s/ok", st->h.dir), ":",
			    "mkdir", "rel", "0700", ":", "mkdir", "../no/rel", ":", "chdir",
			    "../no", ":", "mkdir", "rel2", ":", "mkdir", "../ok/rel3", NULL),
			 0);
	pid = lh_target_pid(st->h.out);
	lh_assert_line(st->h.out, "mkdir rel = 0");
	lh_assert_line(st->h.out, "mkdir ../no/rel = -1 EACCES");
	lh_assert_line(st->h.out, "mkdir rel2 = -1 EACCES");
	lh_assert_line(st->h.out, "mkdir ../ok/rel3 = 0");
	assert_int_equal(lh_lmode_of(lh_tp(&st->h, "%s/ok/rel", st->h.dir)), 0700);
	assert_true(lh_exists(lh_tp(&st->h, "%s/ok/rel3", st->h.dir)));
	assert_false(lh_exists(lh_tp(&st->h, "%s/no/rel", st->h.dir)));
	assert_false(lh_exists(lh_tp(&st->h, "%s/no/rel2", st->h.dir)));
	assert_false(lh_exists(lh_tp(&st->h, "%s/rel", st->h.dir)));
	lh_assert_line(st->h.log,
		       lh_tp(&st->h,
			     "sysgate: %d %s mkdir(\"rel\", 0700) = 0 [emulate policy.ini:2] "
			     "path=\"%s/ok/rel\"",
			     (int)pid, g_target_real, st->h.dir));
}

static void test_path_relative_to_dirfd_not_cwd(void **state)
{
	struct emu *st = *state;
	const char *ok = lh_tp(&st->h, "%s/ok", st->h.dir), *no = lh_tp(&st->h, "%s/no", st->h.dir);

	lh_write_file(lh_tp(&st->h, "%s/no/f", st->h.dir), "", 0644);
	lh_write_file(lh_tp(&st->h, "%s/ok/f", st->h.dir), "", 0644);
	write_policy_emu(st);
	/* The dirfd decides, wherever the cwd is. */
	assert_int_equal(sg(st, "dirfd", ok, ":", "chdir", no, ":", "mkdirat", "fd", "viafd",
			    "0700", ":", "fchmodat", "fd", "viafd", "0711", ":", "fchmodat", "fd",
			    "f", "0600", ":", "dirfd", no, ":", "chdir", ok, ":", "mkdirat", "fd",
			    "evil", ":", "fchmodat", "fd", "f", "0666", NULL),
			 0);
	lh_assert_line(st->h.out, "mkdirat fd viafd = 0");
	lh_assert_line(st->h.out, "fchmodat fd viafd = 0");
	lh_assert_line(st->h.out, "mkdirat fd evil = -1 EACCES");
	lh_assert_line(st->h.out, "fchmodat fd f = 0");
	lh_assert_line(st->h.out, "fchmodat fd f = -1 EPERM");
	assert_int_equal(lh_lmode_of(lh_tp(&st->h, "%s/ok/viafd", st->h.dir)), 0711);
	assert_false(lh_exists(lh_tp(&st->h, "%s/no/viafd", st->h.dir)));
	assert_int_equal(lh_lmode_of(lh_tp(&st->h, "%s/ok/f", st->h.dir)), 0600);
	assert_int_equal(lh_lmode_of(lh_tp(&st->h, "%s/no/f", st->h.dir)), 0644);
	assert_false(lh_exists(lh_tp(&st->h, "%s/no/evil", st->h.dir)));
	assert_false(lh_exists(lh_tp(&st->h, "%s/ok/evil", st->h.dir)));
	assert_int_equal(
		lh_count_lines_with(st->h.log, lh_tp(&st->h, "path=\"%s/ok/viafd\"", st->h.dir)),
		2);
}

static void test_path_i386_at_fdcwd_same_as_native(void **state)
{
	struct emu *st = *state;
	const char *ok = lh_tp(&st->h, "%s/ok", st->h.dir), *no = lh_tp(&st->h, "%s/no", st->h.dir);
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
	ref = strdup(strchr(st->h.out, '\n') + 1); /* after "chdir ... = 0" */
	assert_non_null(ref);
	assert_int_equal(sg(st, "chdir", ok, ":", "mkdirat32", "cwd", "a32", "0700", ":",
			    "mkdirat32", "cwd", "a32", ":", "fchmodat32", "cwd", "a32", "0750", ":",
			    "mkdirat", "cwd", "a64", "0700", ":", "mkdir32", "m32", "0701", ":",
			    "chmod32", "m32", "0705", ":", "mkdirat32", "cwd", "none/x", ":",
			    "fchmodat32", "cwd", "none", "0700", ":", "stat", "a32", ":", "stat",
			    "m32", NULL),
			 0);
	lh_assert_line(ref, "mkdirat32 cwd a32 = 0");
	lh_assert_line(ref, "mkdirat32 cwd a32 = -1 EEXIST");
	lh_assert_line(ref, "stat a32 = 0750 0 0");
	assert_string_equal(strchr(st->h.out, '\n') + 1, ref);
	free(ref);
	assert_int_equal(lh_lmode_of(lh_tp(&st->h, "%s/ok/a32", st->h.dir)), 0750);
	assert_int_equal(lh_lmode_of(lh_tp(&st->h, "%s/ok/a64", st->h.dir)), 0700);
	assert_int_equal(lh_lmode_of(lh_tp(&st->h, "%s/ok/m32", st->h.dir)), 0705);
	assert_int_equal(lh_count_lines_with(st->h.log, "i386:mkdirat(AT_FDCWD, \"a32\", 0700) = 0 "
							"[emulate policy.ini:2]"),
			 1);
	assert_int_equal(lh_count_lines_with(st->h.log,
					     "i386:fchmodat(AT_FDCWD, \"a32\", 0750) = 0 "
					     "[emulate policy.ini:5]"),
			 1);
	/* And from DIR/no the 32-bit entry is refused like the native one. */
	assert_int_equal(sg(st, "chdir", no, ":", "mkdirat32", "cwd", "b32", ":", "mkdirat", "cwd",
			    "b64", NULL),
			 0);
	lh_assert_line(st->h.out, "mkdirat32 cwd b32 = -1 EACCES");
	lh_assert_line(st->h.out, "mkdirat cwd b64 = -1 EACCES");
	assert_false(lh_exists(lh_tp(&st->h, "%s/no/b32", st->h.dir)));
	assert_false(lh_exists(lh_tp(&st->h, "%s/no/b64", st->h.dir)));
}

/* ---- inside the target's root ---- */

static void test_root_chroot_target_acts_inside_its_root(void **state)
{
	struct emu *st = *state;
	const char *jail = lh_tp(&st->h, "%s/jail", st->h.dir);
	pid_t pid;

	snprintf(st->escape[0], sizeof(st->escape[0]), "/tmp/sg-emu-escape-%d-%.32s", (int)getpid(),
		 strrchr(st->h.dir, '.') + 1);
	snprintf(st->escape[1], sizeof(st->escape[1]), "/tmp/sg-emu-escape-%d-%.32s-link",
		 (int)getpid(), strrchr(st->h.dir, '.') + 1);
	assert_false(lh_exists(st->escape[0]));
	assert_false(lh_exists(st->escape[1]));
	make_dir(jail, 0755, 0, 0);
	make_dir(lh_tp(&st->h, "%s/sandbox", jail), 0755, 0, 0);
	make_dir(lh_tp(&st->h, "%s/tmp", jail), 01777, 0, 0);
	make_dir(lh_tp(&st->h, "%s/etc", jail), 0755, 0, 0);
	/* An absolute symlink means the jail's /tmp to the target. */
	assert_int_equal(symlink("/tmp", lh_tp(&st->h, "%s/sandbox/abs", jail)), 0);
	/* Globs in the session's view, the one sysgate run started in: a
	 * chroot changes where the target's paths land, not what they are. */
	lh_write_policy(&st->h,
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
			    "rel", ":", "mkdir", lh_tp(&st->h, "../../..%s", st->escape[0]), ":",
			    "mkdir",
			    lh_tp(&st->h, "/sandbox/abs/%s", strrchr(st->escape[1], '/') + 1), ":",
			    "mkdir", "/etc/x", ":", "mkdir", lh_tp(&st->h, "%s/ok/host", st->h.dir),
			    ":", "_exit", "0", NULL),
			 0);
	pid = lh_target_pid(st->h.out);
	lh_assert_line(st->h.out, lh_tp(&st->h, "chroot %s = 0", jail));
	lh_assert_line(st->h.out, "mkdir /sandbox/a = 0");
	lh_assert_line(st->h.out, "chmod /sandbox/a = 0");
	lh_assert_line(st->h.out, "mkdir rel = 0");
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir ../../..%s = 0", st->escape[0]));
	lh_assert_line(st->h.out, "mkdir /etc/x = -1 EACCES");
	/* The host's DIR/ok does not exist in the jail: its parent is missing. */
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s/ok/host = -1 ENOENT", st->h.dir));
	assert_int_equal(lh_lmode_of(lh_tp(&st->h, "%s/sandbox/a", jail)), 0700);
	assert_true(lh_exists(lh_tp(&st->h, "%s/sandbox/rel", jail)));
	/* ".." stops at the target's root, absolute symlinks start there. */
	assert_true(lh_exists(lh_tp(&st->h, "%s/tmp/%s", jail, strrchr(st->escape[0], '/') + 1)));
	assert_true(lh_exists(lh_tp(&st->h, "%s/tmp/%s", jail, strrchr(st->escape[1], '/') + 1)));
	assert_false(lh_exists(st->escape[0]));
	assert_false(lh_exists(st->escape[1]));
	assert_false(lh_exists(lh_tp(&st->h, "%s/etc/x", jail)));
	assert_false(lh_exists(lh_tp(&st->h, "%s/ok/host", st->h.dir)));
	/* The log names where the call acted, in the session's view. */
	lh_assert_line(st->h.log,
		       lh_tp(&st->h,
			     "sysgate: %d %s mkdir(\"rel\", 0755) = 0 [emulate policy.ini:2] "
			     "path=\"%s/sandbox/rel\"",
			     (int)pid, g_target_real, jail));
}

/* A chroot cannot rename a place: a policy written for the target's own
 * view of a jail does not match once the jail is seen from the session. */
static void test_root_chroot_cannot_rename_paths(void **state)
{
	struct emu *st = *state;
	const char *jail = lh_tp(&st->h, "%s/jail", st->h.dir);

	make_dir(jail, 0755, 0, 0);
	make_dir(lh_tp(&st->h, "%s/sandbox", jail), 0755, 0, 0);
	lh_write_policy(&st->h, "[mkdir]\n"
				"emulate = path ~ /sandbox/**\n"
				"deny = EACCES *\n");
	assert_int_equal(
		sg(st, "chroot", jail, ":", "mkdir", "/sandbox/b", "0700", ":", "_exit", "0", NULL),
		0);
	lh_assert_line(st->h.out, "mkdir /sandbox/b = -1 EACCES");
	assert_false(lh_exists(lh_tp(&st->h, "%s/sandbox/b", jail)));
}

static void test_root_fds_from_outside_root_act_where_kernel_would(void **state)
{
	struct emu *st = *state;
	const char *jail = lh_tp(&st->h, "%s/jail", st->h.dir);
	const char *mirror = lh_tp(&st->h, "%s%s/ok", jail, st->h.dir);

	/* A target that chroots without chdir keeps its cwd and its fds
	 * outside the new root: the kernel resolves relative paths from them,
	 * and ".." never meets the root on the way. The jail holds a copy of
	 * DIR/ok under the same name, where a supervisor that re-rooted the
	 * walk would act instead. */
	make_dir(jail, 0755, 0, 0);
	assert_int_equal(cmd(st, lh_tool("mkdir", false), "-p", mirror, NULL), 0);
	write_policy_emu(st);
	assert_int_equal(native(st, "dirfd", "ok", ":", "chroot-only", jail, ":", "mkdir",
				"ok/nrel", ":", "mkdirat", "fd", "nviafd", ":", "_exit", "0", NULL),
			 0);
	lh_assert_line(st->h.out, "mkdir ok/nrel = 0");
	lh_assert_line(st->h.out, "mkdirat fd nviafd = 0");
	assert_true(lh_exists(lh_tp(&st->h, "%s/ok/nrel", st->h.dir)));
	assert_true(lh_exists(lh_tp(&st->h, "%s/ok/nviafd", st->h.dir)));
	assert_int_equal(sg(st, "dirfd", "ok", ":", "chroot-only", jail, ":", "mkdir", "ok/rel",
			    ":", "mkdirat", "fd", "viafd", ":", "fchmodat", "fd", "viafd", "0700",
			    ":", "_exit", "0", NULL),
			 0);
	lh_assert_line(st->h.out, lh_tp(&st->h, "chroot-only %s = 0", jail));
	lh_assert_line(st->h.out, "mkdir ok/rel = 0");
	lh_assert_line(st->h.out, "mkdirat fd viafd = 0");
	lh_assert_line(st->h.out, "fchmodat fd viafd = 0");
	/* Not in the jail's look-alike... */
	assert_int_equal(count_entries(mirror), 0);
	/* ...but where the target's cwd and fd are. */
	assert_true(lh_exists(lh_tp(&st->h, "%s/ok/rel", st->h.dir)));
	assert_int_equal(lh_lmode_of(lh_tp(&st->h, "%s/ok/viafd", st->h.dir)), 0700);
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
	const char *mnt = lh_tp(&st->h, "%s/ok/mnt", st->h.dir);
	const char *in = lh_tp(&st->h, "%s/ok/mnt/inside", st->h.dir);
	const char *beside = lh_tp(&st->h, "%s/ok/beside", st->h.dir);

	make_dir(mnt, 0755, 0, 0);
	write_policy_emu(st);
	assert_int_equal(sg(st, "unshare-mnt-tmpfs", mnt, ":", "mkdir", in, "0700", ":", "mkdir",
			    beside, "0700", ":", "chmod", mnt, "0711", NULL),
			 0);
	lh_assert_line(st->h.out, lh_tp(&st->h, "unshare-mnt-tmpfs %s = 0", mnt));
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s = -1 EPERM", in));
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s = -1 EPERM", beside));
	lh_assert_line(st->h.out, lh_tp(&st->h, "chmod %s = -1 EPERM", mnt));
	assert_false(lh_exists(in));
	assert_false(lh_exists(beside));
	assert_int_equal(count_entries(mnt), 0);
	assert_int_equal(lh_lmode_of(mnt), 0755);
}

/* ---- with the target's credentials ---- */

static void test_creds_unprivileged_owner_umask_eacces_eperm(void **state)
{
	struct emu *st = *state;
	const char *pub = lh_tp(&st->h, "%s/ok/pub", st->h.dir),
		   *n = lh_tp(&st->h, "%s/ok/pub/n", st->h.dir);
	const char *m = lh_tp(&st->h, "%s/ok/pub/m", st->h.dir),
		   *x = lh_tp(&st->h, "%s/ok/ro/x", st->h.dir);
	const char *rootfile = lh_tp(&st->h, "%s/ok/rootfile", st->h.dir);

	make_dir(pub, 0777, 0, 0);
	make_dir(lh_tp(&st->h, "%s/ok/ro", st->h.dir), 0755, 0, 0);
	lh_write_file(rootfile, "", 0644);
	write_policy_emu(st);
	assert_int_equal(sg(st, "become", "65534", "65534", ":", "mkdir", n, "0777", ":", "mkdir",
			    x, ":", "chmod", rootfile, "0666", ":", "umask", "077", ":", "mkdir", m,
			    "0777", ":", "chmod", n, "0701", NULL),
			 0);
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s = 0", n));
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s = -1 EACCES", x));
	lh_assert_line(st->h.out, lh_tp(&st->h, "chmod %s = -1 EPERM", rootfile));
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s = 0", m));
	lh_assert_line(st->h.out, lh_tp(&st->h, "chmod %s = 0", n));
	assert_owner(n, NOBODY, NOBODY);
	assert_owner(m, NOBODY, NOBODY);
	assert_int_equal(lh_lmode_of(n), 0701);
	assert_int_equal(lh_lmode_of(m), 0700);
	assert_false(lh_exists(x));
	assert_int_equal(lh_lmode_of(rootfile), 0644);
}

static void test_creds_setgid_parent_gives_group_and_bit(void **state)
{
	struct emu *st = *state;
	const char *sgd = lh_tp(&st->h, "%s/ok/sgid", st->h.dir),
		   *n = lh_tp(&st->h, "%s/ok/sgid/n", st->h.dir);

	make_dir(sgd, 02777, 0, OTHER_GID);
	write_policy_emu(st);
	assert_int_equal(sg(st, "become", "65534", "65534", ":", "mkdir", n, "0755", NULL), 0);
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s = 0", n));
	assert_owner(n, NOBODY, OTHER_GID);
	assert_int_equal(lh_lmode_of(n), 02755);
}

static void test_creds_default_acl_wins_over_umask(void **state)
{
	struct emu *st = *state;
	const char *acl = lh_tp(&st->h, "%s/ok/acl", st->h.dir),
		   *n = lh_tp(&st->h, "%s/ok/acl/n", st->h.dir);
	const char *setfacl = lh_tool("setfacl", false);

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
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s = 0", n));
	assert_owner(n, NOBODY, NOBODY);
	assert_int_equal(lh_lmode_of(n), 0750);
}

static void test_creds_chmod_setgid_cleared_for_non_member(void **state)
{
	struct emu *st = *state;
	const char *g = lh_tp(&st->h, "%s/ok/g", st->h.dir),
		   *h = lh_tp(&st->h, "%s/ok/h", st->h.dir);

	lh_write_file(g, "", 0644);
	lh_write_file(h, "", 0644);
	assert_int_equal(chown(g, NOBODY, OTHER_GID), 0);
	assert_int_equal(chown(h, NOBODY, OTHER_GID), 0);
	write_policy_emu(st);
	/* Not in the file's group: the call succeeds and S_ISGID is dropped. */
	assert_int_equal(sg(st, "become", "65534", "65534", ":", "chmod", g, "02755", NULL), 0);
	lh_assert_line(st->h.out, lh_tp(&st->h, "chmod %s = 0", g));
	assert_int_equal(lh_lmode_of(g), 0755);
	/* A member (supplementary group) keeps it. */
	assert_int_equal(sg(st, "become", "65534", "65534", "4242", ":", "chmod", h, "02755", NULL),
			 0);
	lh_assert_line(st->h.out, lh_tp(&st->h, "chmod %s = 0", h));
	assert_int_equal(lh_lmode_of(h), 02755);
}

static void test_creds_many_supplementary_groups(void **state)
{
	struct emu *st = *state;
	const char *g = lh_tp(&st->h, "%s/ok/g", st->h.dir),
		   *n = lh_tp(&st->h, "%s/ok/g/n", st->h.dir);
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
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s = 0", n));
	assert_owner(n, NOBODY, NOBODY);
}

static void test_creds_root_target_owns_as_root(void **state)
{
	struct emu *st = *state;
	const char *r = lh_tp(&st->h, "%s/ok/r", st->h.dir);
	const char *ro = lh_tp(&st->h, "%s/ok/ro", st->h.dir);

	make_dir(ro, 0555, NOBODY, NOBODY);
	write_policy_emu(st);
	/* Root may write where its mode says nobody may (CAP_DAC_OVERRIDE). */
	assert_int_equal(sg(st, "mkdir", r, ":", "mkdir", lh_tp(&st->h, "%s/x", ro), ":", "chmod",
			    ro, "0500", NULL),
			 0);
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s = 0", r));
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s/x = 0", ro));
	lh_assert_line(st->h.out, lh_tp(&st->h, "chmod %s = 0", ro));
	assert_owner(r, 0, 0);
	assert_owner(lh_tp(&st->h, "%s/x", ro), 0, 0);
	assert_int_equal(lh_lmode_of(ro), 0500);
}

static void test_creds_unprivileged_supervisor_and_target(void **state)
{
	struct emu *st = *state;
	const char *setpriv = lh_tool("setpriv", false);
	const char *u = lh_tp(&st->h, "%s/ok/u", st->h.dir),
		   *x = lh_tp(&st->h, "%s/ok/ro/x", st->h.dir);

	if (!setpriv)
		skip();
	make_dir(lh_tp(&st->h, "%s/ok/ro", st->h.dir), 0755, 0, 0);
	make_dir(lh_tp(&st->h, "%s/logs", st->h.dir), 0777, 0, 0);
	write_policy_emu(st);
	assert_int_equal(cmd(st, setpriv, "--reuid=65534", "--regid=65534", "--clear-groups",
			     g_sysgate, "run", "-p", "policy.ini", "--log", "logs/log", "--",
			     g_target, "mkdir", u, "0750", ":", "stat", u, ":", "mkdir",
			     lh_tp(&st->h, "%s/no/u", st->h.dir), ":", "mkdir", x, ":", "chmod", u,
			     "0700", NULL),
			 0);
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s = 0", u));
	lh_assert_line(st->h.out, lh_tp(&st->h, "stat %s = 0750 65534 65534", u));
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s/no/u = -1 EACCES", st->h.dir));
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s = -1 EACCES", x));
	lh_assert_line(st->h.out, lh_tp(&st->h, "chmod %s = 0", u));
	assert_owner(u, NOBODY, NOBODY);
	assert_int_equal(lh_lmode_of(u), 0700);
	assert_false(lh_exists(x));
	assert_false(lh_exists(lh_tp(&st->h, "%s/no/u", st->h.dir)));
	{
		char *log = lh_slurp(lh_tp(&st->h, "%s/logs/log", st->h.dir));
		int k = lh_count_lines_with(log, "= 0 [emulate policy.ini:2]");

		free(log);
		assert_int_equal(k, 1);
	}
}

/* ---- the syscalls' own symlink rules ---- */

static void test_symlink_mkdir_dangling_eexist_creates_nothing(void **state)
{
	struct emu *st = *state;
	const char *dl = lh_tp(&st->h, "%s/ok/dl", st->h.dir),
		   *dl2 = lh_tp(&st->h, "%s/ok/dl2", st->h.dir);

	assert_int_equal(symlink(lh_tp(&st->h, "%s/ok/there", st->h.dir), dl), 0);
	assert_int_equal(symlink(lh_tp(&st->h, "%s/no/there", st->h.dir), dl2), 0);
	write_policy_emu(st);
	assert_int_equal(sg(st, "mkdir", dl, ":", "mkdir", dl2, ":", "chdir",
			    lh_tp(&st->h, "%s/ok", st->h.dir), ":", "mkdir", "dl/", NULL),
			 0);
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s = -1 EEXIST", dl));
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s = -1 EEXIST", dl2));
	assert_false(lh_exists(lh_tp(&st->h, "%s/ok/there", st->h.dir)));
	assert_false(lh_exists(lh_tp(&st->h, "%s/no/there", st->h.dir)));
	/* A trailing slash does not make mkdir follow either (the kernel says
	 * EEXIST too). */
	lh_assert_line(st->h.out, "mkdir dl/ = -1 EEXIST");
	assert_int_equal(lh_count_lines_with(st->h.log, "= -1 EEXIST [emulate policy.ini:2]"), 3);
}

static void test_symlink_chmod_follows_and_judges_target(void **state)
{
	struct emu *st = *state;
	const char *f = lh_tp(&st->h, "%s/ok/f", st->h.dir),
		   *lf = lh_tp(&st->h, "%s/ok/lf", st->h.dir);
	const char *secret = lh_tp(&st->h, "%s/no/secret", st->h.dir);
	const char *ls = lh_tp(&st->h, "%s/ok/lsecret", st->h.dir);
	pid_t pid;

	lh_write_file(f, "", 0644);
	lh_write_file(secret, "", 0644);
	assert_int_equal(symlink(f, lf), 0);
	assert_int_equal(symlink(secret, ls), 0);
	write_policy_emu(st);
	assert_int_equal(sg(st, "pid", ":", "chmod", lf, "0600", ":", "chmod", ls, "0666", ":",
			    "fchmodat", "cwd", ls, "0666", ":", "chmod32", ls, "0666", NULL),
			 0);
	pid = lh_target_pid(st->h.out);
	lh_assert_line(st->h.out, lh_tp(&st->h, "chmod %s = 0", lf));
	assert_int_equal(lh_lmode_of(f), 0600);
	lh_assert_line(st->h.out, lh_tp(&st->h, "chmod %s = -1 EPERM", ls));
	lh_assert_line(st->h.out, lh_tp(&st->h, "fchmodat cwd %s = -1 EPERM", ls));
	lh_assert_line(st->h.out, lh_tp(&st->h, "chmod32 %s = -1 EPERM", ls));
	assert_int_equal(lh_lmode_of(secret), 0644);
	lh_assert_line(st->h.log,
		       lh_tp(&st->h,
			     "sysgate: %d %s chmod(\"%s\", 0600) = 0 [emulate policy.ini:5] "
			     "path=\"%s\"",
			     (int)pid, g_target_real, lf, f));
	lh_assert_line(st->h.log,
		       lh_tp(&st->h,
			     "sysgate: %d %s chmod(\"%s\", 0666) = -1 EPERM [deny policy.ini:6] "
			     "path=\"%s\"",
			     (int)pid, g_target_real, ls, secret));
}

static void test_symlink_fchmodat2_nofollow(void **state)
{
	struct emu *st = *state;
	const char *f = lh_tp(&st->h, "%s/ok/f", st->h.dir),
		   *lf = lh_tp(&st->h, "%s/ok/lf", st->h.dir);
	const char *secret = lh_tp(&st->h, "%s/no/secret", st->h.dir);
	const char *ls = lh_tp(&st->h, "%s/ok/lsecret", st->h.dir);

	lh_write_file(f, "", 0644);
	lh_write_file(secret, "", 0644);
	assert_int_equal(symlink(f, lf), 0);
	assert_int_equal(symlink(secret, ls), 0);
	write_policy_emu(st);
	assert_int_equal(sg(st, "fchmodat2", "cwd", lf, "0600", "nofollow", ":", "fchmodat2", "cwd",
			    ls, "0666", "nofollow", ":", "fchmodat2", "cwd", f, "0640", "nofollow",
			    ":", "fchmodat2", "cwd", lf, "0604", "0", NULL),
			 0);
	/* On the link itself, which Linux refuses; the file stays as it was. */
	lh_assert_line(st->h.out, lh_tp(&st->h, "fchmodat2 cwd %s nofollow = -1 EOPNOTSUPP", lf));
	lh_assert_line(st->h.out, lh_tp(&st->h, "fchmodat2 cwd %s nofollow = -1 EOPNOTSUPP", ls));
	assert_int_equal(lh_lmode_of(secret), 0644);
	/* On a regular file it works; without the flag it follows. */
	lh_assert_line(st->h.out, lh_tp(&st->h, "fchmodat2 cwd %s nofollow = 0", f));
	lh_assert_line(st->h.out, lh_tp(&st->h, "fchmodat2 cwd %s 0 = 0", lf));
	assert_int_equal(lh_lmode_of(f), 0604);
	assert_int_equal(lh_lmode_of(lf), 0777);
}

static void test_symlink_fchmodat2_nofollow_trailing_slash_follows(void **state)
{
	struct emu *st = *state;
	const char *d = lh_tp(&st->h, "%s/ok/d", st->h.dir),
		   *ld = lh_tp(&st->h, "%s/ok/ld/", st->h.dir);

	/* A trailing slash makes the kernel follow the link even with
	 * AT_SYMLINK_NOFOLLOW: the directory's mode changes. */
	make_dir(d, 0755, 0, 0);
	assert_int_equal(symlink("d", lh_tp(&st->h, "%s/ok/ld", st->h.dir)), 0);
	assert_int_equal(native(st, "fchmodat2", "cwd", ld, "0701", "nofollow", NULL), 0);
	lh_assert_line(st->h.out, lh_tp(&st->h, "fchmodat2 cwd %s nofollow = 0", ld));
	assert_int_equal(lh_lmode_of(d), 0701);
	write_policy_emu(st);
	assert_int_equal(sg(st, "fchmodat2", "cwd", ld, "0700", "nofollow", ":", "dirfd", d, ":",
			    "fchmodat2", "fd", "", "0710", "empty", NULL),
			 0);
	lh_assert_line(st->h.out, lh_tp(&st->h, "fchmodat2 cwd %s nofollow = 0", ld));
	/* AT_EMPTY_PATH on an O_PATH directory fd: the directory itself. */
	lh_assert_line(st->h.out, "fchmodat2 fd  empty = 0");
	assert_int_equal(lh_lmode_of(d), 0710);
}

static void test_symlink_fchmod_opath_ebadf_and_fd_judged_by_path(void **state)
{
	struct emu *st = *state;
	const char *f = lh_tp(&st->h, "%s/ok/f", st->h.dir),
		   *secret = lh_tp(&st->h, "%s/no/secret", st->h.dir);
	pid_t pid;

	lh_write_file(f, "", 0644);
	lh_write_file(secret, "", 0644);
	write_policy_emu(st);
	assert_int_equal(sg(st, "pid", ":", "fchmod-opath", f, "0600", ":", "fchmod", f, "0640",
			    ":", "fchmod", secret, "0600", NULL),
			 0);
	pid = lh_target_pid(st->h.out);
	lh_assert_line(st->h.out, lh_tp(&st->h, "fchmod-opath %s = -1 EBADF", f));
	lh_assert_line(st->h.out, lh_tp(&st->h, "fchmod %s = 0", f));
	lh_assert_line(st->h.out, lh_tp(&st->h, "fchmod %s = -1 EPERM", secret));
	assert_int_equal(lh_lmode_of(f), 0640);
	assert_int_equal(lh_lmode_of(secret), 0644);
	/* The fd number depends on what the test runner left open: match the
	 * rest of the line. */
	/* Three records: the O_PATH one (EBADF, as the kernel answers), the
	 * emulated one, the denied one. */
	assert_int_equal(lh_count_lines_with(st->h.log, lh_tp(&st->h, "sysgate: %d %s fchmod(",
							      (int)pid, g_target_real)),
			 3);
	assert_int_equal(lh_count_lines_with(st->h.log, ", 0600) = -1 EBADF"), 1);
	assert_int_equal(lh_count_lines_with(st->h.log, lh_tp(&st->h,
							      ", 0640) = 0 "
							      "[emulate policy.ini:5] path=\"%s\"",
							      f)),
			 1);
	assert_int_equal(lh_count_lines_with(st->h.log, lh_tp(&st->h,
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
	const char *a = lh_tp(&st->h, "%s/ok/rx", st->h.dir),
		   *b = lh_tp(&st->h, "%s/no/rx", st->h.dir);
	long ok, seen;

	assert_int_equal(sg(st, "race-mkdir", a, b, RACE_N, NULL), 0);
	ok = field(st->h.out, "race-mkdir", "ok");
	seen = field(st->h.out, "race-mkdir", "forbidden-seen");
	print_message("race-mkdir: ok=%ld failed=%ld forbidden-seen=%ld\n", ok,
		      field(st->h.out, "race-mkdir", "failed"), seen);
	assert_true(ok >= 0);
	assert_int_equal(seen, 0);
	assert_false(lh_exists(b));
	assert_int_equal(count_entries(lh_tp(&st->h, "%s/no", st->h.dir)), 0);
	/* The flip did happen under sysgate's eyes: some calls were allowed. */
	assert_true(ok > 0);
}

/* ok/sw/sub (a directory) and ok/sw/alt (a symlink to DIR/no) trade places
 * while the target makes ok/sw/sub/x.N. */
static void race_symlink_swap(struct emu *st)
{
	const char *sw = lh_tp(&st->h, "%s/ok/sw", st->h.dir);
	long ok;

	make_dir(sw, 0777, 0, 0);
	make_dir(lh_tp(&st->h, "%s/sub", sw), 0777, 0, 0);
	assert_int_equal(symlink(lh_tp(&st->h, "%s/no", st->h.dir), lh_tp(&st->h, "%s/alt", sw)),
			 0);
	assert_int_equal(sg(st, "race-symlink-mkdir", lh_tp(&st->h, "%s/sub", sw),
			    lh_tp(&st->h, "%s/alt", sw), lh_tp(&st->h, "%s/sub/x", sw), "2000",
			    NULL),
			 0);
	ok = field(st->h.out, "race-symlink-mkdir", "ok");
	print_message("race-symlink-mkdir: ok=%ld failed=%ld\n", ok,
		      field(st->h.out, "race-symlink-mkdir", "failed"));
	assert_true(ok > 0);
	assert_int_equal(count_entries(lh_tp(&st->h, "%s/no", st->h.dir)), 0);
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

	lh_write_policy(&st->h, POLICY_ALLOW, st->h.dir, st->h.dir);
	race_buffer_flip(st);
}

static void test_race_allow_after_path_is_emulated_symlink_swap(void **state)
{
	struct emu *st = *state;

	lh_write_policy(&st->h, POLICY_ALLOW, st->h.dir, st->h.dir);
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
	return lh_tp(&st->h, "%s", path);
}

static void test_badinput_efault_enametoolong_keep_serving(void **state)
{
	struct emu *st = *state;
	const char *pa, *pb, *after = lh_tp(&st->h, "%s/ok/after", st->h.dir);
	char full[PATH_MAX + 1];

	/* Two parents of the same length: under A a 4096-byte path whose first
	 * 4095 bytes would name a new directory there (a supervisor that cut it
	 * would make it); under B a 4095-byte one, which is fine. */
	make_dir(lh_tp(&st->h, "%s/ok/A", st->h.dir), 0755, 0, 0);
	make_dir(lh_tp(&st->h, "%s/ok/B", st->h.dir), 0755, 0, 0);
	pa = deep_prefix(st, lh_tp(&st->h, "%s/ok/A", st->h.dir), 3900);
	pb = deep_prefix(st, lh_tp(&st->h, "%s/ok/B", st->h.dir), 3900);
	write_policy_emu(st);
	assert_int_equal(sg(st, "mkdir-badptr", ":", "mkdir-unterminated",
			    lh_tp(&st->h, "%s/ok/u", st->h.dir), ":", "mkdir-long", pa, "4096", ":",
			    "mkdir-long", pb, "4095", ":", "mkdir", after, NULL),
			 0);
	lh_assert_line(st->h.out, "mkdir-badptr = -1 EFAULT");
	lh_assert_line(st->h.out,
		       lh_tp(&st->h, "mkdir-unterminated %s/ok/u = -1 EFAULT", st->h.dir));
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir-long %s 4096 = -1 ENAMETOOLONG", pa));
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir-long %s 4095 = 0", pb));
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s = 0", after));
	assert_false(lh_exists(lh_tp(&st->h, "%s/ok/u", st->h.dir)));
	assert_int_equal(count_entries(pa), 0);
	assert_int_equal(count_entries(pb), 1);
	memset(full, 'a', sizeof(full));
	memcpy(full, pb, strlen(pb));
	full[4095] = '\0';
	assert_true(lh_exists(full));
	assert_true(lh_exists(after));
	assert_int_equal(lh_count_lines_with(st->h.log, "= -1 EFAULT ["), 2);
	assert_int_equal(lh_count_lines_with(st->h.log, "= -1 ENAMETOOLONG ["), 1);
}

/* ---- a call re-issued after a signal ---- */

static void test_signal_restart_never_seen_twice(void **state)
{
	struct emu *st = *state;

	write_policy_emu(st);
	/* mkdir+rmdir under a 1 ms SA_RESTART timer: a call that sysgate
	 * carried out and that the kernel then restarted would say EEXIST. */
	assert_int_equal(sg(st, "sigalrm-mkdir", lh_tp(&st->h, "%s/ok/s", st->h.dir), "3000", NULL),
			 0);
	lh_assert_line(st->h.out,
		       "sigalrm-mkdir mkdir-failed=0 rmdir-failed=0 first=none alarms=some");
	assert_int_equal(lh_count_lines_with(st->h.log, "EEXIST"), 0);
	assert_int_equal(lh_count_lines_with(st->h.log, "= 0 [emulate policy.ini:2]"), 3000);
}

/* ---- a target killed while its call is pending ---- */

static void test_lifecycle_killed_child_others_still_served(void **state)
{
	struct emu *st = *state;
	const char *k = lh_tp(&st->h, "%s/ok/k", st->h.dir),
		   *c = lh_tp(&st->h, "%s/ok/child", st->h.dir);
	const char *after = lh_tp(&st->h, "%s/ok/after", st->h.dir);

	write_policy_emu(st);
	assert_int_equal(sg(st, "fork-kill-loop", k, "300", ":", "fork", c, ":", "mkdir", after,
			    ":", "fork-kill-loop", k, "100", ":", "mkdir", k, NULL),
			 0);
	assert_int_equal(lh_count_lines_with(st->h.out, "fork-kill-loop status 137"), 2);
	lh_assert_line(st->h.out, lh_tp(&st->h, "child mkdir %s = 0", c));
	lh_assert_line(st->h.out, "fork status 0");
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s = 0", after));
	/* k is there or not, depending on where the child died; mkdir says which. */
	assert_int_equal(lh_count_lines_with(st->h.out, lh_tp(&st->h, "mkdir %s = ", k)), 1);
	assert_true(lh_exists(k));
}

static void test_lifecycle_killed_target_exit_137(void **state)
{
	struct emu *st = *state;
	const char *k = lh_tp(&st->h, "%s/ok/k", st->h.dir);
	const char *const argv[] = {g_sysgate, "run", "-p", "policy.ini", "--log", "log", "--",
				    g_target,  "pid", ":",  "mkdir-loop", k,	   "0",	  NULL};
	pid_t sg_pid, pid;

	write_policy_emu(st);
	sg_pid = lh_spawn(&st->h, argv);
	assert_true(lh_wait_output(&st->h, "mkdir-loop", 5000));
	pid = lh_target_pid(st->h.out);
	assert_true(pid > 0);
	usleep(200 * 1000);
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(lh_shell_status(lh_wait_status(&st->h, sg_pid, 5000)), 137);
	lh_collect(&st->h);
	assert_true(lh_count_lines_with(st->h.log,
					lh_tp(&st->h, "mkdir(\"%s\", 0755) = 0 [emulate", k)) > 0);
	/* And a new run is served as usual. */
	assert_int_equal(sg(st, "mkdir", lh_tp(&st->h, "%s/ok/next", st->h.dir), NULL), 0);
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s/ok/next = 0", st->h.dir));
}

/* ---- allow and log after a path condition are emulated ---- */

static void test_allow_log_after_path_emulated_text(void **state)
{
	struct emu *st = *state;
	const char *l = lh_tp(&st->h, "%s/ok/l", st->h.dir),
		   *d = lh_tp(&st->h, "%s/elsewhere", st->h.dir);
	const char *f = lh_tp(&st->h, "%s/ok/f", st->h.dir);
	pid_t pid;

	lh_write_file(f, "", 0644);
	lh_write_policy(&st->h,
			"[sysgate]\n"
			"default = log\n"
			"[mkdir]\n"
			"deny = EACCES path ~ %s/no/**\n"
			"log = path ~ %s/ok/**\n"
			"[chmod]\n"
			"allow = path ~ %s/ok/**\n"
			"deny = *\n",
			st->h.dir, st->h.dir, st->h.dir);
	assert_int_equal(sg(st, "pid", ":", "mkdir", l, ":", "mkdir", l, ":", "mkdir", d, ":",
			    "mkdir", lh_tp(&st->h, "%s/no/n", st->h.dir), ":", "chmod", f, "0600",
			    NULL),
			 0);
	pid = lh_target_pid(st->h.out);
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s = 0", l));
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s = -1 EEXIST", l));
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s = 0", d));
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s/no/n = -1 EACCES", st->h.dir));
	lh_assert_line(st->h.out, lh_tp(&st->h, "chmod %s = 0", f));
	assert_int_equal(lh_lmode_of(f), 0600);
	lh_assert_line(st->h.log, lh_tp(&st->h,
					"sysgate: %d %s mkdir(\"%s\", 0755) = 0 [log policy.ini:5, "
					"emulated]",
					(int)pid, g_target_real, l));
	lh_assert_line(st->h.log,
		       lh_tp(&st->h,
			     "sysgate: %d %s mkdir(\"%s\", 0755) = -1 EEXIST [log policy.ini:5, "
			     "emulated]",
			     (int)pid, g_target_real, l));
	/* The default, reached after a path condition, is emulated as well. */
	lh_assert_line(st->h.log,
		       lh_tp(&st->h,
			     "sysgate: %d %s mkdir(\"%s\", 0755) = 0 [log default, emulated]",
			     (int)pid, g_target_real, d));
	/* allow is not logged, emulated or not. */
	assert_int_equal(lh_count_lines_with(st->h.log, "chmod("), 0);
}

static void test_allow_log_after_path_emulated_json(void **state)
{
	struct emu *st = *state;
	const char *l = lh_tp(&st->h, "%s/ok/l", st->h.dir);
	struct json_object *o;
	int64_t v;

	lh_write_policy(&st->h, "[mkdir]\nlog = path ~ %s/ok/**\ndeny = EACCES *\n", st->h.dir);
	assert_int_equal(sg_json(st, "mkdir", l, ":", "mkdir", l, NULL), 0);
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s = 0", l));
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s = -1 EEXIST", l));
	o = json_line(st->h.log, 0);
	assert_non_null(o);
	assert_string_equal(jstr(o, "decision"), "log");
	assert_true(jbool(o, "emulated"));
	assert_true(lh_jint(o, "result", &v));
	assert_int_equal(v, 0);
	assert_null(jstr(o, "errno"));
	assert_string_equal(jstr(o, "rule"), "policy.ini:2");
	json_object_put(o);
	o = json_line(st->h.log, 1);
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
	assert_int_equal(sg(st, "pid", ":", "chdir", lh_tp(&st->h, "%s/ok", st->h.dir), ":",
			    "mkdir", "a", "0777", ":", "mkdir", "a", "0777", NULL),
			 0);
	pid = lh_target_pid(st->h.out);
	lh_assert_line(st->h.log,
		       lh_tp(&st->h,
			     "sysgate: %d %s mkdir(\"a\", 0777) = 0 [emulate policy.ini:2] "
			     "path=\"%s/ok/a\"",
			     (int)pid, g_target_real, st->h.dir));
	lh_assert_line(st->h.log, lh_tp(&st->h,
					"sysgate: %d %s mkdir(\"a\", 0777) = -1 EEXIST [emulate "
					"policy.ini:2] path=\"%s/ok/a\"",
					(int)pid, g_target_real, st->h.dir));
	assert_int_equal(lh_count_lines_with(st->h.log, "sysgate: "), 2);
}

static void test_log_emulate_json_result_and_errno(void **state)
{
	struct emu *st = *state;
	const char *a = lh_tp(&st->h, "%s/ok/a", st->h.dir);
	struct json_object *o;
	int64_t v;

	write_policy_emu(st);
	assert_int_equal(sg_json(st, "pid", ":", "mkdir", a, "0700", ":", "mkdir", a, "0700", NULL),
			 0);
	o = json_line(st->h.log, 0);
	assert_non_null(o);
	assert_string_equal(jstr(o, "syscall"), "mkdir");
	assert_string_equal(jstr(o, "decision"), "emulate");
	assert_string_equal(jstr(o, "path"), a);
	assert_string_equal(jstr(o, "rule"), "policy.ini:2");
	assert_true(jbool(o, "emulated"));
	assert_true(jbool(o, "enforced"));
	assert_true(lh_jint(o, "result", &v));
	assert_int_equal(v, 0);
	assert_null(jstr(o, "errno"));
	json_object_put(o);
	o = json_line(st->h.log, 1);
	assert_non_null(o);
	assert_string_equal(jstr(o, "decision"), "emulate");
	assert_true(jbool(o, "emulated"));
	/* result is what the target got, -errno (log.h); errno names it. */
	assert_true(lh_jint(o, "result", &v));
	assert_int_equal(v, -EEXIST);
	assert_string_equal(jstr(o, "errno"), "EEXIST");
	json_object_put(o);
	assert_null(json_line(st->h.log, 2));
}

/* The record's pid, ppid and uids come from the read of /proc/TID/status
 * the emulation makes anyway (issue 12): they must be this call's, also
 * after the target changed its uid between two calls. */
static void test_log_emulate_json_who_after_setuid(void **state)
{
	struct emu *st = *state;
	const char *a = lh_tp(&st->h, "%s/ok/a", st->h.dir),
		   *b = lh_tp(&st->h, "%s/ok/b", st->h.dir);
	struct json_object *o;
	long pid;
	int64_t v;

	write_policy_emu(st);
	assert_int_equal(sg_json(st, "pid", ":", "mkdir", a, "0700", ":", "become", "65534",
				 "65534", ":", "mkdir", b, "0700", NULL),
			 0);
	assert_int_equal(sscanf(st->h.out, "pid %ld", &pid), 1);
	o = json_line(st->h.log, 0);
	assert_non_null(o);
	assert_string_equal(jstr(o, "path"), a);
	assert_true(lh_jint(o, "pid", &v));
	assert_int_equal(v, pid);
	assert_true(lh_jint(o, "uid", &v));
	assert_int_equal(v, 0);
	assert_true(lh_jint(o, "ppid", &v));
	assert_true(v > 0 && v != pid);
	json_object_put(o);
	o = json_line(st->h.log, 1);
	assert_non_null(o);
	assert_string_equal(jstr(o, "path"), b);
	assert_true(lh_jint(o, "uid", &v));
	assert_int_equal(v, NOBODY);
	json_object_put(o);
	assert_owner(b, NOBODY, NOBODY);
}

/* Between two emulated calls the target changes its umask and its cwd: each
 * call is made with the values it has then (issue 12: nothing of the
 * target's context may be carried over from one call to the next, and
 * sysgate's own umask, set only when it differs, must come back between). */
static void test_creds_umask_and_cwd_change_between_calls(void **state)
{
	struct emu *st = *state;
	const char *ok = lh_tp(&st->h, "%s/ok", st->h.dir);

	write_policy_emu(st);
	assert_int_equal(sg(st, "mkdir", lh_tp(&st->h, "%s/a", ok), "0777", ":", "umask", "077",
			    ":", "mkdir", lh_tp(&st->h, "%s/b", ok), "0777", ":", "umask", "022",
			    ":", "mkdir", lh_tp(&st->h, "%s/c", ok), "0777", ":", "umask", "0", ":",
			    "chdir", ok, ":", "mkdir", "d", "0777", ":", "chdir", "/", ":", "mkdir",
			    "e", "0777", NULL),
			 0);
	assert_int_equal(lh_mode_of(lh_tp(&st->h, "%s/a", ok)), 0755);
	assert_int_equal(lh_mode_of(lh_tp(&st->h, "%s/b", ok)), 0700);
	assert_int_equal(lh_mode_of(lh_tp(&st->h, "%s/c", ok)), 0755);
	assert_int_equal(lh_mode_of(lh_tp(&st->h, "%s/d", ok)), 0777);
	/* From / the relative "e" is /e: outside ok, refused */
	lh_assert_line(st->h.out, "mkdir e = -1 EACCES");
}

/* ---- main ---- */

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
		T(test_log_emulate_json_who_after_setuid),
		T(test_creds_umask_and_cwd_change_between_calls),
	};
	int r = lh_find_binaries("test-emulate", g_sysgate, g_target, g_target_real);

	if (r)
		return r;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
