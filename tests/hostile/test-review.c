/*
 * Hostile tests from the post-merge review of issue 8: attacks that got past
 * a policy after the fixes for "Containment that holds". Each runs
 * attack-review under `sysgate run` and asserts what the attacker saw (its
 * printed errno, the content it could read) and what the log holds; where
 * it matters, the same ops without sysgate prove the kernel alone lets them
 * through, so each refusal is sysgate's. Needs root (chroot).
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
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include <cmocka.h>

#include "live-harness.h"

#define RUN_TIMEOUT_MS 60000

static char g_sysgate[PATH_MAX];
static char g_target[PATH_MAX];
static char g_target_real[PATH_MAX];
static char g_attack[PATH_MAX];

struct fx {
	struct lh h;
	char proc_mnt[PATH_MAX]; /* a procfs the test mounted, or "" */
};

/* sysgate run -p policy.ini --log log -- attack-review OPS... */
#define attack(f, ...)                                                                             \
	lh_run(&(f)->h, RUN_TIMEOUT_MS,                                                            \
	       (const char *const[]){g_sysgate, "run", "-p", "policy.ini", "--log", "log", "--",   \
				     g_attack, NULL},                                              \
	       __VA_ARGS__)

/* attack-review OPS... without sysgate: what the kernel alone does. */
#define native(f, ...)                                                                             \
	lh_run(&(f)->h, RUN_TIMEOUT_MS, (const char *const[]){g_attack, NULL}, __VA_ARGS__)

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f || lh_init(&f->h, "/tmp/sg-review-XXXXXX", 0) < 0)
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
	if (f->proc_mnt[0])
		umount2(f->proc_mnt, MNT_DETACH);
	lh_fini(&f->h);
	free(f);
	return 0;
}

/*
 * "A chrooted one is judged by where its paths really land." [open] denies
 * DIR/secret. The (root) target chroots into /proc, so procfs is its "/"
 * and its magic links sit at /PID/root, /PID/cwd, /PID/fd/N, not under
 * "/proc/". /PID/root/DIR/secret (PID: this test, whose root is the host's
 * "/") is the denied file; judged as an ordinary symlink below the chroot
 * it reads as /proc/DIR/secret, and the kernel opens the secret.
 */
static void test_chroot_into_proc_magic_link_judged(void **state)
{
	struct fx *f = *state;
	const char *path = lh_tp(&f->h, "/%d/root%s/secret", (int)getpid(), f->h.dir);
	const char *line = lh_tp(&f->h, "chroot-open /proc %s", path);

	lh_write_file(lh_tp(&f->h, "%s/secret", f->h.dir), "TOPSECRET\n", 0644);
	lh_write_policy(&f->h, "[sysgate]\ndefault = allow\n[open]\ndeny = path ~ %s/secret\n",
			f->h.dir);

	/* The kernel alone reads the secret this way. */
	assert_int_equal(native(f, "chroot-open", "/proc", path, NULL), 0);
	lh_assert_line(f->h.out, "content TOPSECRET");
	lh_assert_line(f->h.out, lh_tp(&f->h, "%s = 0", line));

	assert_int_equal(attack(f, "chroot-open", "/proc", path, NULL), 0);
	assert_false(lh_has_line(f->h.out, "content TOPSECRET"));
	lh_assert_line(f->h.out, lh_tp(&f->h, "%s = -1 EPERM", line));
	assert_true(lh_count_lines_with(f->h.log, "deny") >= 1);
}

/*
 * The same class with the target's /proc where it belongs: a jail (DIR/jail)
 * with a procfs at jail/proc, as a build chroot has. The target chroots into
 * it and keeps its cwd, DIR, outside. /proc/self/cwd/secret and
 * /proc/PID/root/DIR/secret are magic links whose objects lie outside the
 * jail; the kernel opens DIR/secret through both, but sysgate puts the jail
 * back in front of the link's text (DIR/jail/DIR/secret) and allows them.
 */
static void test_chroot_magic_link_out_of_the_jail_judged(void **state)
{
	struct fx *f = *state;
	const char *jail = lh_tp(&f->h, "%s/jail", f->h.dir);
	const char *via_root = lh_tp(&f->h, "/proc/%d/root%s/secret", (int)getpid(), f->h.dir);

	lh_write_file(lh_tp(&f->h, "%s/secret", f->h.dir), "TOPSECRET\n", 0644);
	assert_int_equal(mkdir(jail, 0755), 0);
	assert_int_equal(mkdir(lh_tp(&f->h, "%s/proc", jail), 0755), 0);
	snprintf(f->proc_mnt, sizeof(f->proc_mnt), "%s/proc", jail);
	assert_int_equal(mount("proc", f->proc_mnt, "proc", 0, NULL), 0);
	lh_write_policy(&f->h, "[sysgate]\ndefault = allow\n[open]\ndeny = path ~ %s/secret\n",
			f->h.dir);

	/* The kernel alone reads the secret both ways (the cwd is DIR). */
	assert_int_equal(native(f, "chroot-stay", jail, "/proc/self/cwd/secret", NULL), 0);
	lh_assert_line(f->h.out, "content TOPSECRET");
	assert_int_equal(native(f, "chroot-stay", jail, via_root, NULL), 0);
	lh_assert_line(f->h.out, "content TOPSECRET");

	assert_int_equal(attack(f, "chroot-stay", jail, "/proc/self/cwd/secret", NULL), 0);
	assert_false(lh_has_line(f->h.out, "content TOPSECRET"));
	lh_assert_line(f->h.out,
		       lh_tp(&f->h, "chroot-stay %s /proc/self/cwd/secret = -1 EPERM", jail));
	assert_int_equal(attack(f, "chroot-stay", jail, via_root, NULL), 0);
	assert_false(lh_has_line(f->h.out, "content TOPSECRET"));
	lh_assert_line(f->h.out, lh_tp(&f->h, "chroot-stay %s %s = -1 EPERM", jail, via_root));
}

/*
 * "io_uring stays out whenever a policy supervises file syscalls." [statx]
 * and [getxattr] hide DIR/secret (path rules on file syscalls), but neither
 * is one of the seven families that add the implicit [io_uring] section, so
 * io_uring_setup is allowed and IORING_OP_STATX (or IORING_OP_GETXATTR)
 * reads what the rules hide, with no syscall the filter sees.
 */
static void test_io_uring_out_when_stat_supervised(void **state)
{
	struct fx *f = *state;
	const char *secret = lh_tp(&f->h, "%s/secret", f->h.dir);

	lh_write_file(secret, "TOPSECRET\n", 0644);
	lh_write_policy(&f->h,
			"[sysgate]\ndefault = allow\n[statx]\ndeny = path ~ %s\n"
			"[newfstatat]\ndeny = path ~ %s\n[getxattr]\ndeny = path ~ %s\n",
			secret, secret, secret);

	/* The kernel alone: the ring stats the file (10 bytes). */
	assert_int_equal(native(f, "uring-statx", secret, NULL), 0);
	lh_assert_line(f->h.out, lh_tp(&f->h, "uring-statx %s = 10", secret));

	assert_int_equal(attack(f, "uring-statx", secret, NULL), 0);
	assert_false(lh_has_line(f->h.out, lh_tp(&f->h, "uring-statx %s = 10", secret)));
	lh_assert_line(f->h.out, lh_tp(&f->h, "uring-statx %s = -1 EPERM", secret));
	assert_true(lh_count_lines_with(f->h.log, "io_uring_setup") >= 1);
}

/*
 * [chown] denies DIR/secret and below; DIR/secret/link -> ../ok/target.
 * chown("/proc/self/fd/N") with N an O_PATH|O_NOFOLLOW fd of the link: the
 * kernel jumps to the fd's object, the symlink itself, and chowns it (no
 * further following after a magic link's jump). sysgate follows the link's
 * text on to ok/target, judges that, and allows: the link in the denied
 * directory changes owner.
 */
static void test_proc_fd_of_a_symlink_is_the_symlink(void **state)
{
	struct fx *f = *state;
	const char *link = lh_tp(&f->h, "%s/secret/link", f->h.dir);
	struct stat st;

	assert_int_equal(mkdir(lh_tp(&f->h, "%s/secret", f->h.dir), 0755), 0);
	assert_int_equal(mkdir(lh_tp(&f->h, "%s/ok", f->h.dir), 0755), 0);
	lh_write_file(lh_tp(&f->h, "%s/ok/target", f->h.dir), "x\n", 0644);
	assert_int_equal(symlink("../ok/target", link), 0);
	lh_write_policy(&f->h, "[sysgate]\ndefault = allow\n[chown]\ndeny = path ~ %s/secret/**\n",
			f->h.dir);

	assert_int_equal(attack(f, "fdlink-chown", link, NULL), 0);
	lh_assert_line(f->h.out, lh_tp(&f->h, "fdlink-chown %s = -1 EPERM", link));
	assert_int_equal(lstat(link, &st), 0);
	assert_int_equal(st.st_uid, 0);
	assert_true(lh_count_lines_with(f->h.log, lh_tp(&f->h, "path=\"%s\"", link)) >= 1);
}

/*
 * The same door for sockets: [connect] deny = * (no file family at all, so no
 * implicit [io_uring]) and io_uring's IORING_OP_CONNECT connects anyway,
 * unseen and unlogged. IORING_OP_SOCKET, BIND, LISTEN, ACCEPT, SEND(MSG)
 * and RECV(MSG) are the same. Once fixed (io_uring kept out whenever the
 * policy supervises a call io_uring can make), io_uring_setup gets EPERM.
 */
static void test_io_uring_out_when_connect_denied(void **state)
{
	struct fx *f = *state;
	const char *path = lh_tp(&f->h, "%s/sock", f->h.dir);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(s >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(s, 8), 0);
	lh_write_policy(&f->h, "[sysgate]\ndefault = allow\n[connect]\ndeny = *\n");

	assert_int_equal(native(f, "uring-connect", path, NULL), 0);
	lh_assert_line(f->h.out, lh_tp(&f->h, "uring-connect %s = 0", path));

	assert_int_equal(attack(f, "uring-connect", path, NULL), 0);
	lh_assert_line(f->h.out, lh_tp(&f->h, "uring-connect %s = -1 EPERM", path));
	close(s);
}

/*
 * Issue 8: "No write to a terminal or pipe the target can stall may hold a
 * decision or stop a shutdown." Without --prompt the command shares
 * sysgate's terminal, where the records go (log = stderr). It stops the
 * terminal (tcflow TCOOFF) and makes a logged mkdir: sysgate's session
 * thread blocks in write(2) on the stopped terminal, the mkdir is never
 * answered, nor is any other call of the run, for as long as the terminal
 * stays stopped. The bound of the other stalls is 1 s; here 15 s pass
 * without an answer.
 */
static void test_stopped_terminal_does_not_hold_a_decision(void **state)
{
	struct fx *f = *state;
	const char *dir = lh_tp(&f->h, "%s/new", f->h.dir);
	const char *out = lh_tp(&f->h, "%s/result", f->h.dir);
	int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK), slave;
	char *result = NULL;
	pid_t pid;

	assert_true(master >= 0);
	assert_int_equal(grantpt(master), 0);
	assert_int_equal(unlockpt(master), 0);
	slave = open(ptsname(master), O_RDWR | O_NOCTTY | O_CLOEXEC);
	assert_true(slave >= 0);
	lh_write_policy(&f->h, "[sysgate]\ndefault = allow\nlog = stderr\n[mkdir]\nlog = *\n");

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(slave, STDIN_FILENO);
		dup2(slave, STDOUT_FILENO);
		dup2(slave, STDERR_FILENO);
		if (chdir(f->h.dir) < 0)
			_exit(127);
		execl(g_sysgate, g_sysgate, "run", "-p", "policy.ini", "--", g_attack,
		      "tcooff-mkdir", dir, out, (char *)NULL);
		_exit(127);
	}
	lh_remember_pid(&f->h, pid);
	for (long end = lh_now_ms() + 15000; lh_now_ms() < end;) {
		free(result);
		result = lh_slurp(out);
		if (result && *result)
			break;
		usleep(20000);
	}
	/* Let the terminal go again, so whatever blocked ends. */
	tcflow(slave, TCOON);
	if (!result || !*result) {
		/* What the stalled call got once the terminal ran again. */
		char junk[4096];

		usleep(2000000);
		while (read(master, junk, sizeof(junk)) > 0)
			;
		free(result);
		result = lh_slurp(out);
		print_message("after TCOON: \"%s\"\n", result ? result : "");
		free(result);
		result = NULL;
	}
	assert_non_null(result);
	assert_string_equal(result, "mkdir = 0\n");
	free(result);
	assert_true(lh_wait_status(&f->h, pid, 20000) >= 0);
	close(slave);
	close(master);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_chroot_into_proc_magic_link_judged),
		T(test_chroot_magic_link_out_of_the_jail_judged),
		T(test_io_uring_out_when_stat_supervised),
		T(test_proc_fd_of_a_symlink_is_the_symlink),
		T(test_io_uring_out_when_connect_denied),
		T(test_stopped_terminal_does_not_hold_a_decision),
	};
	const char *dir = getenv("SG_HOSTILE_DIR");
	int r;

	if (geteuid() != 0) {
		fprintf(stderr, "hostile-review: needs root\n");
		return 77;
	}
	r = lh_find_binaries("hostile-review", g_sysgate, g_target, g_target_real);
	if (r)
		return r;
	if (dir && *dir)
		snprintf(g_attack, sizeof(g_attack), "%s/attack-review", dir);
	else if (!lh_locate(g_attack, sizeof(g_attack), "SG_ATTACK_REVIEW", "attack-review"))
		return 1;
	if (access(g_attack, X_OK) < 0) {
		fprintf(stderr, "hostile-review: %s: %s\n", g_attack, strerror(errno));
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
