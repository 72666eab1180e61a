/*
 * hostile-doors: the call that is judged must be the call that runs (issue 8,
 * class 2). Each test runs attack-doors under a real filter and asserts what
 * the attacker saw (its errno, its exit status, the file system) and the
 * record sysgate wrote.
 *
 *  - i386 socketcall and ipc carry connect and shmget under numbers of their
 *    own: a [connect] or [shmget] section must still decide them;
 *  - socketcall's arguments are in memory: a thread flipping them between
 *    the check and the kernel's own read must not get an arg-conditioned
 *    allow through;
 *  - open_by_handle_at opens a file without a path an [open] rule could judge;
 *  - creat, openat, openat2 and mknod make setuid files, and setxattr writes
 *    file capabilities and ACLs, past the built-in policy's chmod guard;
 *  - syscalls newer than libseccomp (open_tree_attr, setxattrat) reach
 *    families the built-in policy supervises.
 */
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
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

#define RUN_TIMEOUT_MS 60000

static char g_sysgate[PATH_MAX], g_target[PATH_MAX], g_target_real[PATH_MAX];
static char g_attack[PATH_MAX];

struct doors {
	struct lh h;
};

static int setup(void **state)
{
	struct doors *st = calloc(1, sizeof(*st));

	if (!st)
		return -1;
	if (lh_init(&st->h, "/tmp/sg-doors.XXXXXX", 0) < 0) {
		lh_fini(&st->h);
		free(st);
		return -1;
	}
	*state = st;
	return chmod(st->h.dir, 0755);
}

static int teardown(void **state)
{
	struct doors *st = *state;

	for (size_t i = 0; i < st->h.n_pids; i++)
		if (st->h.pids[i] > 0) {
			kill(st->h.pids[i], SIGKILL);
			waitpid(st->h.pids[i], NULL, WNOHANG);
		}
	lh_fini(&st->h);
	free(st);
	return 0;
}

/* sysgate run -p policy.ini --log log -- attack-doors ARGS... */
#define attack(st, ...)                                                                            \
	lh_run(&(st)->h, RUN_TIMEOUT_MS,                                                           \
	       (const char *const[]){g_sysgate, "run", "-p", "policy.ini", "--log", "log", "--",   \
				     g_attack, NULL},                                              \
	       __VA_ARGS__)

/* The same under the built-in policy. */
#define attack_builtin(st, ...)                                                                    \
	lh_run(&(st)->h, RUN_TIMEOUT_MS,                                                           \
	       (const char *const[]){g_sysgate, "run", "--log", "log", "--", g_attack, NULL},      \
	       __VA_ARGS__)

static void assert_logged(struct doors *st, const char *needle)
{
	if (lh_count_lines_with(st->h.log, needle) < 1)
		fail_msg("no record with '%s' in:\n%s", needle, st->h.log);
}

/* ---- i386's multiplexers ---- */

static void test_doors_socketcall_connect_is_judged_as_connect(void **state)
{
	struct doors *st = *state;

	lh_write_policy(&st->h, "[connect]\ndeny = *\n");
	assert_int_equal(attack(st, "sc-connect", lh_tp(&st->h, "%s/nosock", st->h.dir), NULL), 0);
	lh_assert_line(st->h.out, "socketcall(SYS_CONNECT) = -1 EPERM");
	assert_logged(st, "i386:socketcall(SYS_CONNECT) -> connect(");
	assert_logged(st, "[deny policy.ini:2]");
}

static void test_doors_ipc_shmget_is_judged_as_shmget(void **state)
{
	struct doors *st = *state;

	lh_write_policy(&st->h, "[shmget]\ndeny = EACCES *\n");
	assert_int_equal(attack(st, "ipc-shmget", NULL), 0);
	lh_assert_line(st->h.out, "ipc(SHMGET) = -1 EACCES");
	assert_logged(st, "i386:ipc(SHMGET) -> shmget(");
}

/*
 * Every call the two multiplexers carry is judged by its own section: each
 * section denies with an errno of its own, so each answer says which
 * section decided (SYS_SEND and SYS_SENDTO are both sendto, SYS_RECV and
 * SYS_RECVFROM both recvfrom).
 */
static void test_doors_every_carried_call_has_its_section(void **state)
{
	struct doors *st = *state;
	/* include/uapi/linux/net.h and ipc.h, by the name a section uses */
	static const char *const sock_names[21] = {
		NULL,	       "socket",      "bind",	    "connect",	  "listen",   "accept",
		"getsockname", "getpeername", "socketpair", "sendto",	  "recvfrom", "sendto",
		"recvfrom",    "shutdown",    "setsockopt", "getsockopt", "sendmsg",  "recvmsg",
		"accept4",     "recvmmsg",    "sendmmsg",
	};
	static const int ipc_calls[] = {1, 2, 3, 4, 11, 12, 13, 14, 21, 22, 23, 24};
	static const char *const ipc_names[] = {"semop",  "semget", "semctl", "semtimedop",
						"msgsnd", "msgrcv", "msgget", "msgctl",
						"shmat",  "shmdt",  "shmget", "shmctl"};
	char policy[8192];
	size_t len = 0;

	for (unsigned call = 1; call <= 20; call++) {
		const char *name = sock_names[call];

		if (call == 11 || call == 12)
			continue; /* sendto, recvfrom: written at 9 and 10 */
		len += (size_t)snprintf(policy + len, sizeof(policy) - len, "[%s]\ndeny = %u *\n",
					name, 1000 + call);
	}
	for (size_t i = 0; i < sizeof(ipc_calls) / sizeof(ipc_calls[0]); i++)
		len += (size_t)snprintf(policy + len, sizeof(policy) - len, "[%s]\ndeny = %d *\n",
					ipc_names[i], 2000 + ipc_calls[i]);
	lh_write_policy(&st->h, "%s", policy);
	assert_int_equal(attack(st, "mux-all", NULL), 0);
	for (unsigned call = 1; call <= 20; call++)
		lh_assert_line(st->h.out,
			       lh_tp(&st->h, "socketcall %u = -1 errno %u", call,
				     1000 + (call == 11 || call == 12 ? call - 2 : call)));
	for (size_t i = 0; i < sizeof(ipc_calls) / sizeof(ipc_calls[0]); i++)
		lh_assert_line(st->h.out, lh_tp(&st->h, "ipc %d = -1 errno %d", ipc_calls[i],
						2000 + ipc_calls[i]));
	assert_logged(st, "i386:socketcall(SYS_RECVMMSG) -> recvmmsg(");
	assert_logged(st, "i386:ipc(SEMTIMEDOP) -> semtimedop(");
}

/* `sysgate check` says when a path rule can be bypassed through a second name. */
static void test_doors_check_warns_of_hard_links_and_renames(void **state)
{
	struct doors *st = *state;

	lh_write_policy(&st->h, "[chmod]\nemulate = path ~ %s/ok/**\ndeny = EACCES *\n", st->h.dir);
	assert_int_equal(lh_run(&st->h, RUN_TIMEOUT_MS, (const char *const[]){g_sysgate, NULL},
				"check", "--strict", "policy.ini", NULL),
			 2);
	if (lh_count_lines_with(st->h.out, "policy.ini:1: warning: [chmod] judges files by path, "
					   "but link and rename are not supervised") != 1)
		fail_msg("no warning in:\n%s", st->h.out);
	lh_write_policy(&st->h,
			"[chmod]\nemulate = path ~ %s/ok/**\ndeny = EACCES *\n"
			"[link]\ndeny = *\n[rename]\ndeny = *\n",
			st->h.dir);
	assert_int_equal(lh_run(&st->h, RUN_TIMEOUT_MS, (const char *const[]){g_sysgate, NULL},
				"check", "policy.ini", NULL),
			 0);
	assert_non_null(strstr(st->h.out, "policy.ini: ok"));
	/* link(2) alone leaves linkat free: still a way to a second name */
	lh_write_policy(&st->h,
			"[chmod]\nemulate = path ~ %s/ok/**\ndeny = EACCES *\n"
			"[=link]\ndeny = *\n[rename]\ndeny = *\n",
			st->h.dir);
	assert_int_equal(lh_run(&st->h, RUN_TIMEOUT_MS, (const char *const[]){g_sysgate, NULL},
				"check", "--strict", "policy.ini", NULL),
			 2);
	if (lh_count_lines_with(st->h.out, "policy.ini:1: warning: [chmod] judges files by path, "
					   "but link is not supervised") != 1)
		fail_msg("no warning for linkat in:\n%s", st->h.out);
	/* under default = deny, link and rename no section names are refused */
	lh_write_policy(&st->h,
			"[sysgate]\ndefault = deny\n[chmod]\nemulate = path ~ %s/ok/**\n"
			"deny = EACCES *\n",
			st->h.dir);
	assert_int_equal(lh_run(&st->h, RUN_TIMEOUT_MS, (const char *const[]){g_sysgate, NULL},
				"check", "--strict", "policy.ini", NULL),
			 0);
	assert_non_null(strstr(st->h.out, "policy.ini: ok"));
}

/*
 * An allow that rests on socketcall's arguments cannot be continued: the
 * kernel reads the array again. With a thread flipping the domain, no
 * AF_INET socket may come out, and none of AF_UNIX either (each allow is
 * turned into a deny that says why).
 */
static void test_doors_socketcall_race_gets_no_arg_allow(void **state)
{
	struct doors *st = *state;

	lh_write_policy(&st->h, "[socket]\nallow = arg0 == 1\ndeny = EACCES *\n");
	assert_int_equal(attack(st, "sc-race", "400", NULL), 0);
	lh_assert_line(st->h.out, "sc-race inet=0 unix=0 denied=400");
	assert_logged(st,
		      "i386:socketcall(SYS_SOCKET) -> socket(AF_UNIX, SOCK_DGRAM, 0) = -1 EPERM");
	assert_logged(st, "not continued");
}

/* ---- other doors to a family's operation ---- */

static void test_doors_open_by_handle_at_is_refused_under_open_paths(void **state)
{
	struct doors *st = *state;
	const char *secret = lh_tp(&st->h, "%s/secret", st->h.dir);

	assert_int_equal(mkdir(secret, 0755), 0);
	lh_write_file(lh_tp(&st->h, "%s/f", secret), "secret\n", 0644);
	lh_write_policy(&st->h, "[open]\ndeny = EACCES path ~ %s/secret/**\nallow = *\n",
			st->h.dir);
	assert_int_equal(attack(st, "handle", lh_tp(&st->h, "%s/f", secret), NULL), 0);
	lh_assert_line(st->h.out, "open_by_handle_at = -1 EPERM");
	assert_logged(st, "reaches the operation of [open]");
}

/* creat, openat, openat2, mknod with setuid bits: killed, like chmod. */
static void test_doors_builtin_kills_setuid_creation(void **state)
{
	struct doors *st = *state;
	static const char *const ops[] = {"creat", "openat", "openat2", "mknod"};

	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		const char *path = lh_tp(&st->h, "%s/%s-suid", st->h.dir, ops[i]);

		assert_int_equal(attack_builtin(st, ops[i], path, "04755", NULL), 137);
		if (lh_exists(path) && (lh_mode_of(path) & 06000))
			fail_msg("%s made a setuid file", ops[i]);
		assert_logged(st, lh_tp(&st->h, "%s(", ops[i]));
		assert_logged(st, "+++ killed +++");
	}
	/* openat2's mode is in memory: anything but a kill fails with ENOSYS,
	 * for libc to fall back to openat, which the filter judges. */
	assert_int_equal(
		attack_builtin(st, "openat2", lh_tp(&st->h, "%s/plain", st->h.dir), "0644", NULL),
		0);
	lh_assert_line(st->h.out, "openat2 = -1 ENOSYS");
	/* without setuid bits, the others create as usual */
	assert_false(lh_exists(lh_tp(&st->h, "%s/plain", st->h.dir)));
	assert_int_equal(
		attack_builtin(st, "openat", lh_tp(&st->h, "%s/plain", st->h.dir), "0644", NULL),
		0);
	assert_null(strstr(st->h.out, "= -1"));
	assert_true(lh_exists(lh_tp(&st->h, "%s/plain", st->h.dir)));
}

static void test_doors_builtin_denies_capability_and_acl_xattrs(void **state)
{
	struct doors *st = *state;
	const char *f = lh_tp(&st->h, "%s/f", st->h.dir);

	lh_write_file(f, "x\n", 0755);
	assert_int_equal(attack_builtin(st, "setxattr", f, "security.capability", NULL), 0);
	lh_assert_line(st->h.out, "setxattr = -1 EPERM");
	assert_logged(st, "\"security.capability\"");
	assert_int_equal(attack_builtin(st, "setxattr", f, "system.posix_acl_access", NULL), 0);
	lh_assert_line(st->h.out, "setxattr = -1 EPERM");
	assert_int_equal(lh_mode_of(f), 0755);
}

/* ---- syscalls newer than libseccomp ---- */

static void test_doors_builtin_newer_syscalls_get_enosys(void **state)
{
	struct doors *st = *state;
	const char *f = lh_tp(&st->h, "%s/f", st->h.dir);

	lh_write_file(f, "x\n", 0644);
	assert_int_equal(attack_builtin(st, "raw", "open_tree_attr", "/", NULL), 0);
	lh_assert_line(st->h.out, "open_tree_attr = -1 ENOSYS");
	assert_logged(st, "open_tree_attr(AT_FDCWD, \"/\"");
	assert_logged(st, "in the reach of [mount]");
	assert_int_equal(attack_builtin(st, "raw", "open_tree_attr32", "/", NULL), 0);
	lh_assert_line(st->h.out, "open_tree_attr32 = -1 ENOSYS");
	assert_logged(st, "i386:open_tree_attr(AT_FDCWD, \"/\"");
	assert_int_equal(attack_builtin(st, "raw", "setxattrat", f, NULL), 0);
	lh_assert_line(st->h.out, "setxattrat = -1 ENOSYS");
	assert_logged(st, "in the reach of [setxattr]");
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_doors_socketcall_connect_is_judged_as_connect),
		T(test_doors_ipc_shmget_is_judged_as_shmget),
		T(test_doors_every_carried_call_has_its_section),
		T(test_doors_socketcall_race_gets_no_arg_allow),
		T(test_doors_check_warns_of_hard_links_and_renames),
		T(test_doors_open_by_handle_at_is_refused_under_open_paths),
		T(test_doors_builtin_kills_setuid_creation),
		T(test_doors_builtin_denies_capability_and_acl_xattrs),
		T(test_doors_builtin_newer_syscalls_get_enosys),
	};
	int r = lh_find_binaries("hostile-doors", g_sysgate, g_target, g_target_real);

	if (r)
		return r;
	{
		char dir[PATH_MAX - 32];

		lh_locate(dir, sizeof(dir), "SG_HOSTILE_DIR", ".");
		snprintf(g_attack, sizeof(g_attack), "%s/attack-doors", dir);
		if (access(g_attack, X_OK) < 0) {
			fprintf(stderr, "hostile-doors: no %s\n", g_attack);
			return 1;
		}
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
