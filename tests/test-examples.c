/*
 * test-examples: every example policy of sysgate-policy(5) and of README.md
 * is run, and does what the text around it says (issue 10: "every example
 * in it is loaded and exercised by a test").
 *
 * Each ```ini block starts with a line `; example: NAME`. The table below
 * gives every name a test that runs real programs (sg-target, busybox,
 * python3) under `sysgate run -p` with the block's own text, read from the
 * document, and asserts what they observed: the errno, the file made or not,
 * the exit status of a kill, the record. A block that only shows syntax is
 * listed with the reason it is not run. A block without a name, a name the
 * table does not know, and a table entry no document has all fail
 * test_examples_every_block_has_a_test, so a new example needs a test.
 *
 * Only what a test machine cannot offer is changed in the text, and each
 * change is named where it is made: /srv/sandbox becomes a directory of the
 * test, /var/log/sysgate.log a file of it, a 30 s ask_timeout 1 s.
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

struct ex {
	struct lh h;
	char outside[PATH_MAX]; /* a directory outside /tmp, /var/tmp and /home */
};

static int setup(void **state)
{
	struct ex *st = calloc(1, sizeof(*st));

	if (!st)
		return -1;
	if (lh_init(&st->h, "/tmp/sg-examples.XXXXXX", 0) < 0) {
		lh_fini(&st->h);
		free(st);
		return -1;
	}
	snprintf(st->outside, sizeof(st->outside), "/dev/shm/sg-examples.XXXXXX");
	if (!mkdtemp(st->outside))
		return -1;
	if (mkdir(lh_tp(&st->h, "%s/sandbox", st->h.dir), 0755) < 0)
		return -1;
	lh_write_file(lh_tp(&st->h, "%s/f", st->h.dir), "data\n", 0644);
	*state = st;
	return 0;
}

static int teardown(void **state)
{
	struct ex *st = *state;
	char cmd[PATH_MAX + 16];

	for (size_t i = 0; i < st->h.n_pids; i++)
		if (st->h.pids[i] > 0) {
			kill(st->h.pids[i], SIGKILL);
			waitpid(st->h.pids[i], NULL, WNOHANG);
		}
	/* what a failing example may have made outside the test's directories */
	snprintf(cmd, sizeof(cmd), "/etc/sg-examples-%d", (int)getpid());
	rmdir(cmd);
	snprintf(cmd, sizeof(cmd), "/home/sg-examples-%d", (int)getpid());
	rmdir(cmd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", st->outside);
	if (strncmp(st->outside, "/dev/shm/sg-examples.", 21) == 0 && system(cmd) != 0)
		fprintf(stderr, "test-examples: could not remove %s\n", st->outside);
	lh_fini(&st->h);
	free(st);
	return 0;
}

/* ---- the documents' blocks ---- */

struct block {
	char id[64];
	char *text; /* malloc'ed, the block without its fences */
	const char *doc;
};

static const char *const docs[] = {
	SYSGATE_SOURCE_DIR "/docs/sysgate-policy.5.md",
	SYSGATE_SOURCE_DIR "/README.md",
};

/* Every ```ini block of the documents, in order; the caller frees texts. */
static size_t read_blocks(struct block *out, size_t max)
{
	size_t n = 0;

	for (size_t d = 0; d < sizeof(docs) / sizeof(docs[0]); d++) {
		char *doc = lh_slurp(docs[d]), *s = doc, *end;

		assert_true(doc && *doc);
		while ((s = strstr(s, "```ini\n"))) {
			const char *tag = "; example: ";

			s += strlen("```ini\n");
			end = strstr(s, "\n```");
			assert_non_null(end);
			assert_true(n < max);
			out[n] = (struct block){.doc = docs[d]};
			out[n].text = strndup(s, (size_t)(end - s) + 1);
			assert_non_null(out[n].text);
			if (strncmp(s, tag, strlen(tag)) == 0) {
				size_t len = strcspn(s + strlen(tag), " \n");

				assert_true(len < sizeof(out[n].id));
				memcpy(out[n].id, s + strlen(tag), len);
			}
			n++;
			s = end + 4;
		}
		free(doc);
	}
	return n;
}

/* The text of the example called id (it must exist), for the test's fixture. */
static const char *example(struct ex *st, const char *id)
{
	struct block b[64];
	size_t n = read_blocks(b, 64);
	const char *found = NULL;

	for (size_t i = 0; i < n; i++) {
		if (!found && !strcmp(b[i].id, id))
			found = lh_keep(&st->h, b[i].text);
		else
			free(b[i].text);
	}
	if (!found)
		fail_msg("no example '%s' in the documents", id);
	return found;
}

/* text with every `from` replaced by `to`, kept until the end of the test. */
static const char *replace(struct ex *st, const char *text, const char *from, const char *to)
{
	size_t n = 0, lf = strlen(from), lt = strlen(to);
	char *out, *o;

	for (const char *p = strstr(text, from); p; p = strstr(p + lf, from))
		n++;
	if (n == 0)
		fail_msg("the example no longer holds '%s':\n%s", from, text);
	out = malloc(strlen(text) + n * lt + 1);
	assert_non_null(out);
	o = out;
	for (const char *p = text, *q; (q = strstr(p, from)); p = q + lf) {
		memcpy(o, p, (size_t)(q - p));
		o += q - p;
		memcpy(o, to, lt);
		o += lt;
		text = q + lf;
	}
	strcpy(o, text);
	return lh_keep(&st->h, out);
}

static void use_policy(struct ex *st, const char *text)
{
	lh_write_file(lh_tp(&st->h, "%s/policy.ini", st->h.dir), text, 0644);
}

/* sysgate run -p policy.ini --log log -- ARGS: records in DIR/log. */
#define run(st, ...)                                                                               \
	lh_run(&(st)->h, RUN_TIMEOUT_MS,                                                           \
	       (const char *const[]){g_sysgate, "run", "-p", "policy.ini", "--log", "log", "--",   \
				     NULL},                                                        \
	       __VA_ARGS__)
/* the same with the policy's own sinks */
#define run_own_log(st, ...)                                                                       \
	lh_run(&(st)->h, RUN_TIMEOUT_MS,                                                           \
	       (const char *const[]){g_sysgate, "run", "-p", "policy.ini", "--", NULL},            \
	       __VA_ARGS__)

static const char *need_tool(const char *name)
{
	const char *t = lh_tool(name, false);

	if (!t) {
		print_message("  %s is not installed: skipped\n", name);
		skip();
	}
	return t;
}

/* ---- RULES: a rule continued on the next lines ---- */

static void test_example_continued_rule(void **state)
{
	struct ex *st = *state;

	use_policy(st, example(st, "continued-rule"));
	assert_int_equal(run(st, g_target, "mkdir", lh_tp(&st->h, "%s/a", st->h.dir), ":", "mkdir",
			     lh_tp(&st->h, "%s/b", st->outside), NULL),
			 0);
	/* every line of the rule counts: /tmp is allowed, elsewhere EACCES */
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s/a = 0", st->h.dir));
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s/b = -1 EACCES", st->outside));
	assert_true(lh_exists(lh_tp(&st->h, "%s/a", st->h.dir)));
	assert_false(lh_exists(lh_tp(&st->h, "%s/b", st->outside)));
}

/* ---- THE RACE WARNING: opens under /tmp only ---- */

static void test_example_race_open_tmp(void **state)
{
	struct ex *st = *state;
	const char *busybox = need_tool("busybox");

	use_policy(st, example(st, "race-open-tmp"));
	assert_int_equal(run(st, busybox, "cat", lh_tp(&st->h, "%s/f", st->h.dir), NULL), 0);
	assert_true(lh_has_line(st->h.out, "data"));
	assert_int_not_equal(run(st, busybox, "cat", "/etc/hostname", NULL), 0);
	assert_non_null(strstr(st->h.err, "Operation not permitted"));
	assert_true(lh_count_lines_with(st->h.log, "/etc/hostname") >= 1);
}

/* ---- IO_URING: the implicit section ---- */

static void test_example_implicit_io_uring(void **state)
{
	struct ex *st = *state;

	/* the section as the page shows it */
	use_policy(st, example(st, "implicit-io-uring"));
	assert_int_equal(run(st, g_target, "io_uring", NULL), 0);
	lh_assert_line(st->h.out, "io_uring_setup = -1 EPERM");
	/* and added by sysgate to a policy that supervises anything */
	use_policy(st, "[mkdir]\ndeny = *\n");
	assert_int_equal(run(st, g_target, "io_uring", NULL), 0);
	lh_assert_line(st->h.out, "io_uring_setup = -1 EPERM");
	assert_true(lh_count_lines_with(st->h.log, "implicit:io_uring") >= 1);
}

/* ---- EXAMPLES ---- */

/* The example from the top (and README's): mkdir in /etc denied EACCES,
 * in /tmp logged (and emulated), a setuid chmod kills, reboot denied, and
 * the implicit io_uring section is there. */
static void check_top_example(struct ex *st, const char *id)
{
	const char *etc = lh_tp(&st->h, "/etc/sg-examples-%d", (int)getpid());

	use_policy(st, example(st, id));
	assert_int_equal(run(st, g_target, "mkdir", etc, ":", "mkdir",
			     lh_tp(&st->h, "%s/t", st->h.dir), ":", "chmod",
			     lh_tp(&st->h, "%s/f", st->h.dir), "0640", ":", "reboot", ":",
			     "io_uring", NULL),
			 0);
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s = -1 EACCES", etc));
	assert_false(lh_exists(etc));
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s/t = 0", st->h.dir));
	assert_true(lh_exists(lh_tp(&st->h, "%s/t", st->h.dir)));
	lh_assert_line(st->h.out, lh_tp(&st->h, "chmod %s/f = 0", st->h.dir));
	assert_int_equal(lh_mode_of(lh_tp(&st->h, "%s/f", st->h.dir)), 0640);
	lh_assert_line(st->h.out, "reboot = -1 EPERM");
	lh_assert_line(st->h.out, "io_uring_setup = -1 EPERM");
	/* the mkdir under /tmp is logged, the one under /etc denied */
	assert_true(lh_count_lines_with(st->h.log, lh_tp(&st->h, "%s/t", st->h.dir)) >= 1);
	assert_true(lh_count_lines_with(st->h.log, "[log ") >= 1);
	assert_true(lh_count_lines_with(st->h.log, "EACCES [deny ") >= 1);

	/* kill = mode & 06000: the process dies (137), the mode is unchanged */
	assert_int_equal(
		run(st, g_target, "chmod", lh_tp(&st->h, "%s/f", st->h.dir), "04755", NULL), 137);
	assert_int_equal(lh_mode_of(lh_tp(&st->h, "%s/f", st->h.dir)), 0640);
	assert_true(lh_count_lines_with(st->h.log, "[kill ") >= 1);
}

static void test_example_top(void **state)
{
	check_top_example(*state, "top");
}

static void test_example_readme_policy(void **state)
{
	check_top_example(*state, "readme-policy");
}

/* The second example: two sinks in JSON, unlink under /usr and /etc denied
 * EROFS and others logged, ptrace only for gdb, O_CREAT relative to a dirfd
 * denied EACCES. */
static void test_example_second(void **state)
{
	struct ex *st = *state;
	const char *busybox = need_tool("busybox");
	const char *python = need_tool("python3");
	const char *sink = lh_tp(&st->h, "%s/sysgate.log", st->h.dir);
	char *json;

	/* the example's file sink is /var/log/sysgate.log: one of the test here */
	use_policy(st, replace(st, example(st, "second"), "/var/log/sysgate.log", sink));
	lh_write_file(lh_tp(&st->h, "%s/g", st->h.dir), "x\n", 0644);
	assert_int_not_equal(run_own_log(st, busybox, "unlink", "/usr/sg-examples-never", NULL), 0);
	assert_non_null(strstr(st->h.err, "Read-only file system"));
	assert_int_equal(run_own_log(st, busybox, "unlink", lh_tp(&st->h, "%s/g", st->h.dir), NULL),
			 0);
	assert_false(lh_exists(lh_tp(&st->h, "%s/g", st->h.dir)));
	assert_int_equal(run_own_log(st, g_target, "ptrace", NULL), 0);
	lh_assert_line(st->h.out, "ptrace = -1 EPERM");
	/* the stderr sink, in JSON */
	assert_true(lh_count_lines_with(st->h.err, "\"syscall\":\"ptrace\"") >= 1);
	/* O_CREAT through a dirfd is denied, through AT_FDCWD allowed */
	assert_int_equal(
		run_own_log(st, python, "-c",
			    lh_tp(&st->h,
				  "import os\n"
				  "d = os.open('%s', os.O_RDONLY)\n"
				  "try:\n"
				  "    os.open('viafd', os.O_CREAT | os.O_WRONLY, dir_fd=d)\n"
				  "    print('viafd ok')\n"
				  "except OSError as e:\n"
				  "    print('viafd', e.errno)\n"
				  "os.open('%s/viacwd', os.O_CREAT | os.O_WRONLY)\n"
				  "print('viacwd ok')\n",
				  st->h.dir, st->h.dir),
			    NULL),
		0);
	lh_assert_line(st->h.out, lh_tp(&st->h, "viafd %d", EACCES));
	lh_assert_line(st->h.out, "viacwd ok");
	assert_false(lh_exists(lh_tp(&st->h, "%s/viafd", st->h.dir)));
	/* and the file sink */
	json = lh_slurp(sink);
	lh_keep(&st->h, json);
	assert_true(lh_count_lines_with(json, "\"decision\":\"deny\"") >= 3);
	assert_true(lh_count_lines_with(json, "\"decision\":\"log\"") >= 1);
	assert_true(lh_count_lines_with(json, "\"errno\":\"EROFS\"") >= 1);
}

/* The emulation sandbox: mkdir and chmod only under /srv/sandbox, carried
 * out by sysgate; mkdir -p walks up through what exists; a setuid chmod
 * kills. */
static void check_sandbox(struct ex *st, const char *text)
{
	const char *busybox = lh_tool("busybox", false);
	const char *sb = lh_tp(&st->h, "%s/sandbox", st->h.dir);

	use_policy(st, text);
	assert_int_equal(run(st, g_target, "mkdir", lh_tp(&st->h, "%s/a", sb), ":", "mkdir",
			     lh_tp(&st->h, "%s/elsewhere", st->h.dir), NULL),
			 0);
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s/a = 0", sb));
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s/elsewhere = -1 EACCES", st->h.dir));
	assert_true(lh_exists(lh_tp(&st->h, "%s/a", sb)));
	assert_false(lh_exists(lh_tp(&st->h, "%s/elsewhere", st->h.dir)));
	assert_true(lh_count_lines_with(st->h.log, "emulate") >= 1);
	if (busybox) {
		assert_int_equal(run(st, busybox, "mkdir", "-p", lh_tp(&st->h, "%s/b/c", sb), NULL),
				 0);
		assert_true(lh_exists(lh_tp(&st->h, "%s/b/c", sb)));
	}
}

static void test_example_sandbox(void **state)
{
	struct ex *st = *state;
	const char *sb = lh_tp(&st->h, "%s/sandbox", st->h.dir);

	/* /srv/sandbox is a directory of the test */
	check_sandbox(st, replace(st, example(st, "sandbox"), "/srv/sandbox", sb));
	assert_int_equal(run(st, g_target, "chmod", lh_tp(&st->h, "%s/a", sb), "0700", ":", "chmod",
			     lh_tp(&st->h, "%s/f", st->h.dir), "0600", NULL),
			 0);
	lh_assert_line(st->h.out, lh_tp(&st->h, "chmod %s/a = 0", sb));
	assert_int_equal(lh_mode_of(lh_tp(&st->h, "%s/a", sb)), 0700);
	lh_assert_line(st->h.out, lh_tp(&st->h, "chmod %s/f = -1 EPERM", st->h.dir));
	assert_int_equal(lh_mode_of(lh_tp(&st->h, "%s/f", st->h.dir)), 0644);
	assert_int_equal(run(st, g_target, "chmod", lh_tp(&st->h, "%s/a", sb), "04755", NULL), 137);
	assert_int_equal(lh_mode_of(lh_tp(&st->h, "%s/a", sb)), 0700);
}

/* README's ask example: emulated in the sandbox, a person asked for /home
 * (nobody answers here: ask_default, deny), EACCES elsewhere. */
static void test_example_readme_ask(void **state)
{
	struct ex *st = *state;
	const char *sb = lh_tp(&st->h, "%s/sandbox", st->h.dir);
	const char *text = example(st, "readme-ask");
	const char *home = lh_tp(&st->h, "/home/sg-examples-%d", (int)getpid());
	long t0;

	if (!lh_exists("/home"))
		skip();
	/* /srv/sandbox is a directory of the test; nobody answers, so the ask
	 * waits 1 s instead of 30 s */
	text = replace(st, text, "/srv/sandbox", sb);
	text = replace(st, text, "ask_timeout = 30s", "ask_timeout = 1s");
	check_sandbox(st, text);
	t0 = lh_now_ms();
	assert_int_equal(run(st, g_target, "mkdir", home, NULL), 0);
	assert_true(lh_now_ms() - t0 >= 900);
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s = -1 EPERM", home));
	assert_false(lh_exists(home));
	assert_true(lh_count_lines_with(st->h.log, "-> deny (timeout)") >= 1);
}

/* The built-in policy's sketch, and the built-in policy itself. */
static void test_example_builtin_sketch(void **state)
{
	struct ex *st = *state;
	const char *f = lh_tp(&st->h, "%s/f", st->h.dir);

	use_policy(st, example(st, "builtin-sketch"));
	assert_int_equal(run(st, g_target, "mount", ":", "mkdir", lh_tp(&st->h, "%s/m", st->h.dir),
			     ":", "chmod", f, "0640", NULL),
			 0);
	lh_assert_line(st->h.out, "mount = -1 EPERM");
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s/m = 0", st->h.dir));
	lh_assert_line(st->h.out, lh_tp(&st->h, "chmod %s = 0", f));
	assert_true(lh_count_lines_with(st->h.log, "[log ") >= 2);
	assert_int_equal(run(st, g_target, "chmod", f, "02755", NULL), 137);
	assert_int_equal(lh_mode_of(f), 0640);

	/* what the text says of sysgate-default.ini, without -p */
	assert_int_equal(lh_run(&st->h, RUN_TIMEOUT_MS,
				(const char *const[]){g_sysgate, "run", "--log", "log", "--", NULL},
				g_target, "mount", ":", "reboot", ":", "unshare", ":", "ptrace",
				":", "io_uring", ":", "keyctl", ":", "mkdir",
				lh_tp(&st->h, "%s/n", st->h.dir), NULL),
			 0);
	lh_assert_line(st->h.out, "mount = -1 EPERM");
	lh_assert_line(st->h.out, "reboot = -1 EPERM");
	lh_assert_line(st->h.out, "unshare = -1 EPERM");
	lh_assert_line(st->h.out, "ptrace = -1 EPERM");
	lh_assert_line(st->h.out, "io_uring_setup = -1 EPERM");
	assert_true(lh_count_lines_with(st->h.out, "= -1 EPERM") >= 6); /* keyctl's line too */
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s/n = 0", st->h.dir));
	assert_int_equal(lh_run(&st->h, RUN_TIMEOUT_MS,
				(const char *const[]){g_sysgate, "run", "--log", "log", "--", NULL},
				g_target, "chmod", f, "04755", NULL),
			 137);
	assert_int_equal(lh_mode_of(f), 0640);
}

/* README's names: no file created outside /tmp (but /dev/null), mkdir(2)
 * alone read-only, only AF_UNIX and AF_INET sockets, @privileged denied. */
static void test_example_readme_names(void **state)
{
	struct ex *st = *state;
	const char *busybox = need_tool("busybox");
	const char *python = need_tool("python3");

	use_policy(st, example(st, "readme-names"));
	assert_int_not_equal(run(st, busybox, "touch", lh_tp(&st->h, "%s/x", st->outside), NULL),
			     0);
	assert_non_null(strstr(st->h.err, "Permission denied"));
	assert_false(lh_exists(lh_tp(&st->h, "%s/x", st->outside)));
	assert_int_equal(run(st, busybox, "touch", lh_tp(&st->h, "%s/x", st->h.dir), NULL), 0);
	assert_true(lh_exists(lh_tp(&st->h, "%s/x", st->h.dir)));
	/* /dev/null stays writable */
	assert_int_equal(
		run(st, busybox, "cp", lh_tp(&st->h, "%s/f", st->h.dir), "/dev/null", NULL), 0);
	/* [=mkdir]: mkdir(2) alone, not mkdirat */
	assert_int_equal(run(st, g_target, "mkdir", "y", ":", "mkdirat", "cwd", "z", NULL), 0);
	lh_assert_line(st->h.out, "mkdir y = -1 EROFS");
	lh_assert_line(st->h.out, "mkdirat cwd z = 0");
	/* sockets */
	assert_int_equal(run(st, python, "-c",
			     "import socket\n"
			     "for name in ('AF_UNIX', 'AF_INET', 'AF_INET6'):\n"
			     "    try:\n"
			     "        socket.socket(getattr(socket, name)).close()\n"
			     "        print(name, 'ok')\n"
			     "    except OSError as e:\n"
			     "        print(name, e.errno)\n",
			     NULL),
			 0);
	lh_assert_line(st->h.out, "AF_UNIX ok");
	lh_assert_line(st->h.out, "AF_INET ok");
	lh_assert_line(st->h.out, lh_tp(&st->h, "AF_INET6 %d", EAFNOSUPPORT));
	/* @privileged */
	assert_int_equal(run(st, g_target, "reboot", ":", "mount", ":", "unshare", NULL), 0);
	lh_assert_line(st->h.out, "reboot = -1 EPERM");
	lh_assert_line(st->h.out, "mount = -1 EPERM");
	lh_assert_line(st->h.out, "unshare = -1 EPERM");
}

/* CONDITIONS, abi: the same mkdir through int $0x80 is denied, through
 * x86_64 it is made, in one run; the record names the ABI. */
static void test_example_abi(void **state)
{
	struct ex *st = *state;
	char *log;

	use_policy(st, example(st, "abi"));
	assert_int_equal(run(st, g_target, "mkdir32", "a32", ":", "mkdir", "a64", ":", "mkdirat",
			     "cwd", "b64", ":", "mkdirx32", "ax32", NULL),
			 0);
	lh_assert_line(st->h.out, "mkdir32 a32 = -1 EACCES");
	lh_assert_line(st->h.out, "mkdir a64 = 0");
	lh_assert_line(st->h.out, "mkdirat cwd b64 = 0");
	assert_false(lh_exists(lh_tp(&st->h, "%s/a32", st->h.dir)));
	assert_true(lh_exists(lh_tp(&st->h, "%s/a64", st->h.dir)));
	assert_true(lh_exists(lh_tp(&st->h, "%s/b64", st->h.dir)));
	/* x32 is not i386: allowed (made, or ENOSYS where the kernel has no x32) */
	assert_null(strstr(st->h.out, "mkdirx32 ax32 = -1 EACCES"));
	log = lh_slurp(lh_tp(&st->h, "%s/log", st->h.dir));
	assert_non_null(log);
	if (!strstr(log, "i386") || !strstr(log, "EACCES"))
		fail_msg("the record does not name i386 and EACCES:\n%s", log);
	free(log);
}

/* ---- the map from examples to tests ---- */

static const struct {
	const char *id;
	void (*test)(void **state); /* NULL: not run, for the reason given */
	const char *not_run;
} examples[] = {
	{"synopsis", NULL, "the grammar, with alternatives in place of values: not a policy"},
	{"continued-rule", test_example_continued_rule, NULL},
	{"race-open-tmp", test_example_race_open_tmp, NULL},
	{"implicit-io-uring", test_example_implicit_io_uring, NULL},
	{"top", test_example_top, NULL},
	{"second", test_example_second, NULL},
	{"sandbox", test_example_sandbox, NULL},
	{"builtin-sketch", test_example_builtin_sketch, NULL},
	{"readme-policy", test_example_readme_policy, NULL},
	{"readme-names", test_example_readme_names, NULL},
	{"readme-ask", test_example_readme_ask, NULL},
	{"abi", test_example_abi, NULL},
};
#define N_EXAMPLES (sizeof(examples) / sizeof(examples[0]))

static void test_examples_every_block_has_a_test(void **state)
{
	struct block b[64];
	size_t n = read_blocks(b, 64);
	bool seen[N_EXAMPLES] = {0};

	(void)state;
	for (size_t i = 0; i < n; i++) {
		size_t k;

		if (!b[i].id[0])
			fail_msg("%s: an ```ini block without '; example: NAME':\n%s", b[i].doc,
				 b[i].text);
		for (k = 0; k < N_EXAMPLES; k++)
			if (!strcmp(examples[k].id, b[i].id))
				break;
		if (k == N_EXAMPLES)
			fail_msg("%s: example '%s' has no test in test-examples.c", b[i].doc,
				 b[i].id);
		if (seen[k])
			fail_msg("two examples are called '%s'", b[i].id);
		seen[k] = true;
		free(b[i].text);
	}
	for (size_t k = 0; k < N_EXAMPLES; k++)
		if (!seen[k])
			fail_msg("test-examples.c knows '%s', which no document has",
				 examples[k].id);
}

int main(void)
{
	struct CMUnitTest tests[N_EXAMPLES + 1] = {
		cmocka_unit_test(test_examples_every_block_has_a_test),
	};
	size_t n = 1;
	int r = lh_find_binaries("test-examples", g_sysgate, g_target, g_target_real);

	if (r)
		return r;
	/* one test per example that describes a behaviour, named by it */
	for (size_t k = 0; k < N_EXAMPLES; k++)
		if (examples[k].test)
			tests[n++] = (struct CMUnitTest){
				.name = examples[k].id,
				.test_func = examples[k].test,
				.setup_func = setup,
				.teardown_func = teardown,
			};
	return _cmocka_run_group_tests("examples", tests, n, NULL, NULL);
}
