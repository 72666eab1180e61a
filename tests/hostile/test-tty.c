/*
 * Hostile: the supervised command types into its terminal (issue 8, "it can
 * type into the prompt").
 *
 *  - TIOCSTI and TIOCLINUX fail with EPERM under every policy, whatever it
 *    says about ioctl, through x86_64 (garbage in cmd's high word too), i386
 *    (int $0x80) and x32, and nothing reaches the terminal. sysgate runs
 *    with a pty of the test's as its stdin and controlling terminal, so that
 *    without the filter's rule TIOCSTI would work (root has CAP_SYS_ADMIN).
 *  - Under `sysgate run --prompt` in a tmux pane, the command is on a
 *    terminal of its own: the answer typed for its ask reaches the prompt
 *    and not the command's pending read, its ordinary output and what it
 *    reads afterwards still go through, and its terminal is not sysgate's.
 *
 * The attacker is attack-tty ($SG_HOSTILE_DIR). Must run as root; the prompt
 * test is skipped without tmux.
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
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cmocka.h>

#include "live-harness.h"

#define RUN_TIMEOUT_MS 60000
#define WAIT_MS 20000

static char g_sysgate[PATH_MAX];
static char g_target[PATH_MAX];
static char g_target_real[PATH_MAX];
static char g_attack[PATH_MAX];

struct fixture {
	struct lh h;
	int master, slave; /* the terminal sysgate runs on (sti tests) */
	char tmux[64];	   /* the private tmux server, "" if none */
};

static int setup(void **state)
{
	struct fixture *st = calloc(1, sizeof(*st));

	if (!st)
		return -1;
	st->master = st->slave = -1;
	*state = st;
	if (lh_init(&st->h, "/tmp/sg-tty.XXXXXX", LH_SPAWN_SHELL) < 0)
		return -1;
	if (chmod(st->h.dir, 0755) < 0 || mkdir(lh_tp(&st->h, "%s/q", st->h.dir), 0755) < 0)
		return -1;
	return 0;
}

static int tmux(struct fixture *st, ...);

static int teardown(void **state)
{
	struct fixture *st = *state;

	for (size_t i = 0; i < st->h.n_pids; i++)
		if (st->h.pids[i] > 0) {
			kill(st->h.pids[i], SIGKILL);
			waitpid(st->h.pids[i], NULL, 0);
		}
	if (st->tmux[0])
		tmux(st, "kill-server", NULL);
	if (st->master >= 0)
		close(st->master);
	if (st->slave >= 0)
		close(st->slave);
	lh_fini(&st->h);
	free(st);
	return 0;
}

/* ---- TIOCSTI and TIOCLINUX under any policy ---- */

/* A pty for sysgate to run on; our own copy of the slave, raw and
 * nonblocking, shows whatever was pushed into its input. */
static const char *make_terminal(struct fixture *st)
{
	struct termios t;
	const char *name;

	st->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	assert_true(st->master >= 0);
	assert_int_equal(grantpt(st->master), 0);
	assert_int_equal(unlockpt(st->master), 0);
	name = lh_tp(&st->h, "%s", ptsname(st->master));
	st->slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
	assert_true(st->slave >= 0);
	assert_int_equal(tcgetattr(st->slave, &t), 0);
	cfmakeraw(&t);
	assert_int_equal(tcsetattr(st->slave, TCSANOW, &t), 0);
	return name;
}

/* sysgate run [-p policy.ini] -- attack-tty sti, in a session whose
 * controlling terminal is the pty (stdin too); stdout and stderr to files. */
static int run_on_terminal(struct fixture *st, bool with_policy)
{
	const char *tty = make_terminal(st);
	const char *argv[] = {g_sysgate,    "run", "--log",  "log", "-p",
			      "policy.ini", "--",  g_attack, "sti", NULL};
	pid_t pid;
	int status;

	if (!with_policy) {
		argv[4] = "--";
		argv[5] = g_attack;
		argv[6] = "sti";
		argv[7] = NULL;
	}
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int in, out, err;

		if (setsid() < 0 || chdir(st->h.dir) < 0)
			_exit(121);
		in = open(tty, O_RDWR); /* a session leader's first tty: its ctty */
		out = open("out", O_WRONLY | O_CREAT | O_TRUNC, 0644);
		err = open("err", O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (in < 0 || out < 0 || err < 0)
			_exit(122);
		dup2(in, 0);
		dup2(out, 1);
		dup2(err, 2);
		close(in);
		close(out);
		close(err);
		execv(argv[0], (char *const *)argv);
		_exit(123);
	}
	lh_remember_pid(&st->h, pid);
	status = lh_wait_status(&st->h, pid, RUN_TIMEOUT_MS);
	assert_int_not_equal(status, -1);
	lh_collect(&st->h);
	return lh_shell_status(status);
}

static void assert_nothing_typed(struct fixture *st)
{
	char c;
	ssize_t n = read(st->slave, &c, 1);

	if (n >= 0)
		fail_msg("the terminal's input got '%c' (%zd byte(s)): something typed into it", c,
			 n);
	assert_int_equal(errno, EAGAIN);
}

static void assert_all_denied(struct fixture *st)
{
	static const char *const lines[] = {
		"isatty0 1",	     "sti-fd0 errno 1",	    "sti-high errno 1",
		"linux-fd0 errno 1", "linux-high errno 1",  "sti-devtty errno 1",
		"sti-int80 errno 1", "linux-int80 errno 1", "sti-x32 errno 1",
		"sti done",
	};

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		if (!lh_has_line(st->h.out, lines[i]))
			fail_msg("no line \"%s\" in the attacker's output:\n%s\nsysgate:\n%s",
				 lines[i], st->h.out, st->h.err);
	assert_nothing_typed(st);
	/* Denied in the kernel: never notified, so no record of it, even where
	 * the policy logs every other ioctl. */
	assert_null(strstr(st->h.log, "0x5412"));
	assert_null(strstr(st->h.log, "0x541c"));
}

static void test_tty_sti_denied_builtin_policy(void **state)
{
	struct fixture *st = *state;

	assert_int_equal(run_on_terminal(st, false), 0);
	assert_all_denied(st);
}

static void test_tty_sti_denied_when_policy_allows_ioctl(void **state)
{
	struct fixture *st = *state;

	lh_write_policy(&st->h, "[ioctl]\nallow = *\n");
	assert_int_equal(run_on_terminal(st, true), 0);
	assert_all_denied(st);
}

static void test_tty_sti_denied_when_policy_allows_tiocsti(void **state)
{
	struct fixture *st = *state;

	/* It names TIOCSTI itself, and logs the rest in complain mode. */
	lh_write_policy(&st->h, "[sysgate]\nmode = complain\ndefault = log\n"
				"[ioctl]\nallow = arg1 == 0x5412\nallow = arg1 == 0x541c\n"
				"log = *\n");
	assert_int_equal(run_on_terminal(st, true), 0);
	assert_all_denied(st);
}

/* ---- run --prompt: the command on a terminal of its own ---- */

static int tmux_counter;

/* tmux -L OUR-SERVER ARGS... (NULL-terminated); its exit status, output in
 * DIR/tmux.out. */
static int tmux(struct fixture *st, ...)
{
	const char *const pre[] = {lh_tool("tmux", true),
				   "-L",
				   st->tmux,
				   "-f",
				   lh_tp(&st->h, "%s/tmux.conf", st->h.dir),
				   NULL};
	const char *out_path = lh_tp(&st->h, "%s/tmux.out", st->h.dir);
	const char *argv[LH_MAX_ARGS + 1];
	va_list ap;
	int status;
	pid_t pid;

	va_start(ap, st);
	lh_build_argv(argv, pre, ap);
	va_end(ap);
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int in = open("/dev/null", O_RDONLY);

		if (out < 0 || in < 0)
			_exit(122);
		dup2(in, 0);
		dup2(out, 1);
		setenv("TERM", "xterm-256color", 0);
		unsetenv("TMUX");
		execv(argv[0], (char *const *)argv);
		_exit(123);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static char *pane(struct fixture *st)
{
	char *text;

	if (tmux(st, "capture-pane", "-p", "-J", "-S", "-", "-t", "sg:run", NULL) != 0)
		return strdup("");
	text = lh_slurp(lh_tp(&st->h, "%s/tmux.out", st->h.dir));
	assert_non_null(text);
	return text;
}

static const char *wait_pane(struct fixture *st, const char *needle, long ms)
{
	long end = lh_now_ms() + ms;

	for (;;) {
		char *text = pane(st);

		if (strstr(text, needle)) {
			const char *kept = lh_tp(&st->h, "%s", text);

			free(text);
			return kept;
		}
		if (lh_now_ms() > end) {
			lh_collect(&st->h);
			fprintf(stderr,
				"the pane does not show \"%s\" after %ld ms:\n%s\nlog:\n%s\n",
				needle, ms, text, st->h.log);
			free(text);
			fail();
		}
		free(text);
		usleep(30 * 1000);
	}
}

static void keys(struct fixture *st, const char *line)
{
	assert_int_equal(tmux(st, "send-keys", "-t", "sg:run", "-l", line, NULL), 0);
	assert_int_equal(tmux(st, "send-keys", "-t", "sg:run", "Enter", NULL), 0);
}

/* One line of tmux display -p FORMAT for the pane. */
static const char *pane_info(struct fixture *st, const char *format)
{
	char *text, *nl;

	assert_int_equal(tmux(st, "display", "-p", "-t", "sg:run", format, NULL), 0);
	text = lh_keep(&st->h, lh_slurp(lh_tp(&st->h, "%s/tmux.out", st->h.dir)));
	nl = strchr(text, '\n');
	if (nl)
		*nl = '\0';
	return text;
}

static int wait_status_file(struct fixture *st)
{
	const char *path = lh_tp(&st->h, "%s/sg.status", st->h.dir);
	long end = lh_now_ms() + RUN_TIMEOUT_MS;
	char *text;
	int status;

	while (!lh_exists(path)) {
		if (lh_now_ms() > end) {
			char *screen = pane(st);

			fprintf(stderr, "sysgate did not finish; the pane:\n%s\n", screen);
			free(screen);
			fail();
		}
		usleep(20000);
	}
	text = lh_slurp(path);
	assert_non_null(text);
	status = atoi(text);
	free(text);
	return status;
}

static void test_tty_prompt_answer_does_not_reach_command(void **state)
{
	struct fixture *st = *state;
	const char *asked = lh_tp(&st->h, "%s/q/a", st->h.dir), *screen, *tty_line;
	const char *pane_tty, *pane_size;
	FILE *f;

	if (!lh_tool("tmux", true)) {
		print_message("tmux is not available: skipped (apt-get install tmux)\n");
		skip();
	}
	snprintf(st->tmux, sizeof(st->tmux), "sg-tty-%d-%d", (int)getpid(), ++tmux_counter);
	lh_write_file(lh_tp(&st->h, "%s/tmux.conf", st->h.dir),
		      "set -g remain-on-exit on\nset -g history-limit 10000\n", 0644);
	lh_write_policy(&st->h, "[mkdir]\nask = path ~ %s/q/**\nallow = *\n", st->h.dir);
	/* sysgate in the foreground of the pane: stdin, stdout and stderr are
	 * the pane's terminal, so the command's output shows there. */
	f = fopen(lh_tp(&st->h, "%s/run.sh", st->h.dir), "we");
	assert_non_null(f);
	fprintf(f,
		"cd '%s' || exit 1\n"
		"'%s' run --prompt -p policy.ini --log log -- '%s' pty '%s' '%s/go'\n"
		"echo $? > sg.status.tmp && mv sg.status.tmp sg.status\n",
		st->h.dir, g_sysgate, g_attack, asked, st->h.dir);
	fclose(f);
	assert_int_equal(tmux(st, "new-session", "-d", "-s", "sg", "-x", "200", "-y", "50", "-n",
			      "run", lh_tp(&st->h, "/bin/sh %s/run.sh", st->h.dir), NULL),
			 0);
	pane_tty = pane_info(st, "#{pane_tty}");
	pane_size = pane_info(st, "winsize #{pane_height} #{pane_width}\n");

	wait_pane(st, "sysgate prompt: waiting for calls", WAIT_MS);
	lh_write_file(lh_tp(&st->h, "%s/go", st->h.dir), "", 0644);
	/* The ask is shown: the command's read is pending by now. */
	wait_pane(st, "answer [1]>", WAIT_MS);
	keys(st, "a");
	wait_pane(st, "[1] answered allow (once)", WAIT_MS);
	/* Its output after the answer still reaches the pane. */
	wait_pane(st, "ready for a line", WAIT_MS);
	assert_true(lh_exists(asked));
	keys(st, "hello");
	screen = wait_pane(st, "pty done", WAIT_MS);
	assert_int_equal(wait_status_file(st), 0);
	screen = pane(st);
	lh_keep(&st->h, (char *)screen);
	/* The first line the command read is what was typed for it, not the
	 * answer typed for the prompt. */
	if (!strstr(screen, "stdin got [hello]\n"))
		fail_msg("the command's read did not get \"hello\" first:\n%s", screen);
	assert_null(strstr(screen, "stdin got [a"));
	assert_non_null(strstr(screen, "mkdir ok\n"));
	/* What it printed before the ask (held while the prompt had the
	 * keyboard, at the latest): a terminal, not sysgate's, where TIOCSTI
	 * fails. */
	assert_non_null(strstr(screen, "isatty0 1\n"));
	assert_non_null(strstr(screen, "sti-fd0 errno 1\n"));
	tty_line = strstr(screen, "tty0 /dev/");
	assert_non_null(tty_line);
	if (!strncmp(tty_line + 5, pane_tty, strlen(pane_tty)) &&
	    tty_line[5 + strlen(pane_tty)] == '\n')
		fail_msg("the command's terminal is sysgate's own, %s", pane_tty);
	/* Its terminal has the pane's size. */
	if (!strstr(screen, lh_tp(&st->h, "%s\n", pane_size)))
		fail_msg("no \"%s\" on the screen:\n%s", pane_size, screen);
	/* The banner says who gets the keyboard. */
	assert_non_null(strstr(screen, "what you type goes to it"));
	lh_collect(&st->h);
	assert_non_null(strstr(st->h.log, "-> allow (answer)"));
}

/*
 * The person's terminal stalls (tcflow TCOOFF, what ^S does; here from
 * outside, as the command holds no fd of it): the relay waits and the command
 * blocks on its own output, but SIGTERM still ends sysgate, with the
 * command's status, and the terminal gets its modes back.
 */
static void test_tty_prompt_stalled_terminal_does_not_hold_sysgate(void **state)
{
	struct fixture *st = *state;
	const char *pane_tty, *pid_path = lh_tp(&st->h, "%s/sg.pid", st->h.dir);
	struct termios t;
	long end;
	pid_t sg;
	char *text;
	FILE *f;
	int fd;

	if (!lh_tool("tmux", true)) {
		print_message("tmux is not available: skipped (apt-get install tmux)\n");
		skip();
	}
	snprintf(st->tmux, sizeof(st->tmux), "sg-tty-%d-%d", (int)getpid(), ++tmux_counter);
	lh_write_file(lh_tp(&st->h, "%s/tmux.conf", st->h.dir),
		      "set -g remain-on-exit on\nset -g history-limit 10000\n", 0644);
	lh_write_policy(&st->h, "[mkdir]\nlog = *\n");
	/* A non-interactive sh keeps its async list in the pane's foreground
	 * process group; the terminal stays sysgate's stdin through fd 3. */
	f = fopen(lh_tp(&st->h, "%s/run.sh", st->h.dir), "we");
	assert_non_null(f);
	fprintf(f,
		"cd '%s' || exit 1\nexec 3<&0\n"
		"'%s' run --prompt -p policy.ini --log log -- /bin/sh -c "
		"'i=0; while :; do i=$((i+1)); echo line $i; mkdir -p d/$i; done' <&3 3<&- &\n"
		"echo $! > sg.pid.tmp && mv sg.pid.tmp sg.pid\n"
		"wait $!\n"
		"echo $? > sg.status.tmp && mv sg.status.tmp sg.status\n"
		"sleep 60\n", /* the terminal stays, to look at its modes */
		st->h.dir, g_sysgate);
	fclose(f);
	assert_int_equal(tmux(st, "new-session", "-d", "-s", "sg", "-x", "200", "-y", "50", "-n",
			      "run", lh_tp(&st->h, "/bin/sh %s/run.sh", st->h.dir), NULL),
			 0);
	pane_tty = pane_info(st, "#{pane_tty}");
	end = lh_now_ms() + WAIT_MS;
	while (!lh_exists(pid_path)) {
		assert_true(lh_now_ms() < end);
		usleep(10000);
	}
	text = lh_slurp(pid_path);
	sg = atoi(text);
	free(text);
	assert_true(sg > 0);
	/* Running, and being decided: its mkdirs are logged. */
	wait_pane(st, "line 20\n", WAIT_MS);

	fd = open(pane_tty, O_RDWR | O_NOCTTY | O_CLOEXEC); /* root: past TIOCEXCL */
	assert_true(fd >= 0);
	assert_int_equal(tcflow(fd, TCOOFF), 0);
	usleep(300 * 1000);
	assert_int_equal(kill(sg, SIGTERM), 0);
	end = lh_now_ms() + 15000;
	while (!lh_exists(lh_tp(&st->h, "%s/sg.status", st->h.dir)) && lh_now_ms() < end)
		usleep(20000);
	tcflow(fd, TCOON);
	if (!lh_exists(lh_tp(&st->h, "%s/sg.status", st->h.dir))) {
		close(fd);
		fail_msg("sysgate did not end on SIGTERM with its terminal stalled");
	}
	assert_int_equal(wait_status_file(st), 128 + SIGTERM);
	assert_int_equal(tcgetattr(fd, &t), 0);
	close(fd);
	assert_true(t.c_lflag & ICANON);
	assert_true(t.c_lflag & ECHO);
	lh_collect(&st->h);
	assert_true(lh_count_lines_with(st->h.log, "mkdir(") > 0);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_tty_sti_denied_builtin_policy),
		T(test_tty_sti_denied_when_policy_allows_ioctl),
		T(test_tty_sti_denied_when_policy_allows_tiocsti),
		T(test_tty_prompt_answer_does_not_reach_command),
		T(test_tty_prompt_stalled_terminal_does_not_hold_sysgate),
	};
	int r = lh_find_binaries("hostile-tty", g_sysgate, g_target, g_target_real);

	if (r)
		return r;
	if (!lh_locate(g_attack, sizeof(g_attack), "SG_ATTACK_TTY", "attack-tty"))
		return 1;
	{
		const char *dir = getenv("SG_HOSTILE_DIR");

		if (dir && *dir)
			snprintf(g_attack, sizeof(g_attack), "%s/attack-tty", dir);
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
