/*
 * hostile-sinks: the command stalls what sysgate writes its records to, and
 * sysgate neither stops deciding nor fails to exit (issue 8, class 3; the
 * sink queues of issue 9).
 *
 *  - It stops the terminal it shares with sysgate (tcflow TCOOFF on its
 *    stderr, a pty the test holds): its logged calls are still answered,
 *    the records it made sysgate drop are counted and said once the terminal
 *    moves again, and SIGTERM still ends sysgate while it stays stopped.
 *  - A FIFO log sink that nobody reads: with log_full = drop the calls go on
 *    and the drop count is written once the FIFO is read; with block the
 *    calls wait and nothing is lost; and SIGTERM ends a sysgate whose calls
 *    are waiting on it.
 *
 * Each attack is attack-sinks (libc only) under sysgate run.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "live-harness.h"

static char sysgate[PATH_MAX], target[PATH_MAX], target_real[PATH_MAX], attack[PATH_MAX];
static char agent[PATH_MAX]; /* sysgate-agent, for the serve case; "" if there is none */

/* Generous: the machine is shared; a working sysgate needs far less. */
#define CALLS_DEADLINE_MS 60000
/* sysgate gives its sinks 2 s at exit, then 0.5 s for notices about loss. */
#define EXIT_DEADLINE_MS 15000

struct fix {
	struct lh h;
	int master, slave; /* the pty whose slave is sysgate's (and the command's) stderr */
	int fifo;	   /* the FIFO sink's read end, held but read only when the test says */
	char *tty;	   /* what the test read from the master */
	size_t tty_len;
};

static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));

	if (!f || lh_init(&f->h, "/tmp/sg-hostile-sinks.XXXXXX", 0) < 0)
		return -1;
	f->master = f->slave = f->fifo = -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;

	for (size_t i = 0; i < LH_MAX_PIDS; i++)
		if (f->h.pids[i] > 0) {
			kill(f->h.pids[i], SIGKILL);
			waitpid(f->h.pids[i], NULL, 0);
		}
	if (f->slave >= 0) {
		tcflow(f->slave, TCOON);
		close(f->slave);
	}
	if (f->master >= 0)
		close(f->master);
	if (f->fifo >= 0)
		close(f->fifo);
	free(f->tty);
	lh_fini(&f->h);
	free(f);
	return 0;
}

/* sysgate run -p DIR/policy.ini [--summary] -- attack-sinks ARGS..., stdout to
 * DIR/out, stderr to err_fd (the pty's slave) or DIR/err (err_fd < 0). */
static pid_t spawn(struct fix *f, int err_fd, bool summary, const char *const *args)
{
	const char *argv[LH_MAX_ARGS + 1];
	size_t n = 0;
	pid_t pid;

	argv[n++] = sysgate;
	argv[n++] = "run";
	argv[n++] = "-p";
	argv[n++] = lh_tp(&f->h, "%s/policy.ini", f->h.dir);
	if (summary)
		argv[n++] = "--summary";
	argv[n++] = "--";
	argv[n++] = attack;
	for (size_t i = 0; args[i] && n < LH_MAX_ARGS; i++)
		argv[n++] = args[i];
	argv[n] = NULL;

	unlink(f->h.out_path);
	unlink(f->h.err_path);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		sigset_t none;
		int in, out, err;

		signal(SIGTERM, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (chdir(f->h.dir) < 0)
			_exit(121);
		in = open("/dev/null", O_RDONLY);
		out = open("out", O_WRONLY | O_CREAT | O_TRUNC, 0644);
		err = err_fd >= 0 ? err_fd : open("err", O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (in < 0 || out < 0 || err < 0)
			_exit(122);
		dup2(in, 0);
		dup2(out, 1);
		dup2(err, 2);
		execv(argv[0], (char *const *)argv);
		_exit(123);
	}
	lh_remember_pid(&f->h, pid);
	return pid;
}

/* Lines "call I = R" in DIR/out. */
static int calls_answered(struct fix *f)
{
	lh_collect(&f->h);
	return lh_count_lines_with(f->h.out, "call ");
}

static void wait_calls(struct fix *f, int n, long timeout_ms)
{
	long end = lh_now_ms() + timeout_ms;

	for (;;) {
		int got = calls_answered(f);

		if (got >= n)
			return;
		if (lh_now_ms() > end)
			fail_msg("only %d of %d calls answered in %ld ms; out:\n%s", got, n,
				 timeout_ms, f->h.out);
		usleep(10 * 1000);
	}
}

/* Append what fd has (non-blocking) to *buf; false at EOF. */
static bool drain(int fd, char **buf, size_t *len, int timeout_ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	char chunk[65536];
	ssize_t n;

	if (poll(&p, 1, timeout_ms) <= 0)
		return true;
	n = read(fd, chunk, sizeof(chunk));
	if (n == 0 || (n < 0 && errno == EIO))
		return false; /* EOF; EIO: a pty whose slave is closed */
	if (n < 0)
		return true;
	*buf = realloc(*buf, *len + (size_t)n + 1);
	assert_non_null(*buf);
	memcpy(*buf + *len, chunk, (size_t)n);
	*len += (size_t)n;
	(*buf)[*len] = '\0';
	return true;
}

/* Read fd until a line containing needle has come (and the line is whole). */
static bool read_until(int fd, char **buf, size_t *len, const char *needle, long timeout_ms)
{
	long end = lh_now_ms() + timeout_ms;

	for (;;) {
		const char *p = *buf ? strstr(*buf, needle) : NULL;

		if (p && strchr(p, '\n'))
			return true;
		if (!drain(fd, buf, len, 50) || lh_now_ms() > end)
			return p && strchr(p, '\n');
	}
}

/* The sum of N over the whole lines "sysgate: log sink NAME: N records WHAT",
 * or -1 if there is none. Drops are said where they happened: there may be
 * one before each record that made it after a run of drops. */
static long records_said(const char *text, const char *what)
{
	long sum = -1;

	for (const char *p = strstr(text, "sysgate: log sink "); p;
	     p = strstr(p + 1, "sysgate: log sink ")) {
		const char *nl = strchr(p, '\n'), *colon = NULL;
		long n;

		if (!nl)
			break; /* not whole yet */
		if (!memmem(p, (size_t)(nl - p), what, strlen(what)))
			continue;
		for (const char *c = p + 18; c < nl; c++)
			if (!strncmp(c, ": ", 2)) {
				colon = c;
				break;
			}
		if (colon && sscanf(colon + 2, "%ld", &n) == 1)
			sum = (sum < 0 ? 0 : sum) + n;
	}
	return sum;
}

/* The records of "mkdir(DIR/none/I" in text are for I ascending, and how
 * many. Only whole lines count: the text may have been read mid-record. */
static int records_in_order(const char *text)
{
	int n = 0;
	long last = -1;

	for (const char *p = strstr(text, "/none/"); p; p = strstr(p + 1, "/none/")) {
		long i;

		if (!strchr(p, '\n'))
			break; /* the last line, not whole yet */
		i = strtol(p + 6, NULL, 10);

		if (i <= last)
			fail_msg("record for call %ld after call %ld", i, last);
		last = i;
		n++;
	}
	return n;
}

/* Read fd until its records and its drop counts account for every one of
 * total calls (or the deadline passes); whether they did. */
static bool read_accounted(int fd, char **buf, size_t *len, int total, long timeout_ms)
{
	long end = lh_now_ms() + timeout_ms;

	for (;;) {
		const char *text = *buf ? *buf : "";
		long said = records_said(text, "records dropped");

		if (records_in_order(text) + (said > 0 ? said : 0) == total)
			return true;
		if (!drain(fd, buf, len, 50) || lh_now_ms() > end)
			return false;
	}
}

static void open_pty(struct fix *f)
{
	assert_int_equal(openpty(&f->master, &f->slave, NULL, NULL, NULL), 0);
	fcntl(f->master, F_SETFD, FD_CLOEXEC);
	fcntl(f->master, F_SETFL, O_NONBLOCK);
}

/*
 * The command stops its terminal, which is sysgate's stderr, then makes
 * logged calls: each is answered at once (the record waits in stderr's
 * queue, or is dropped and counted), and SIGTERM ends sysgate within the
 * exit bound although the terminal never moves again.
 */
static void test_stopped_terminal_holds_neither_calls_nor_exit(void **state)
{
	struct fix *f = *state;
	const char *args[] = {"--stop-tty", "--calls", "200", "--dir", f->h.dir, NULL};
	long t0;
	pid_t pid;
	int st;

	lh_write_policy(&f->h, "[sysgate]\ndefault = allow\nlog = stderr\n[mkdir]\nlog = *\n");
	open_pty(f);
	pid = spawn(f, f->slave, true, args);
	wait_calls(f, 200, CALLS_DEADLINE_MS);
	assert_true(lh_wait_output(&f->h, "done", CALLS_DEADLINE_MS));
	lh_assert_line(f->h.out, "stopped");
	lh_assert_line(f->h.out, "call 199 = -2");

	/* Records, a drop count and the summary wait for a terminal that the
	 * command keeps stopped: sysgate must exit anyway. */
	t0 = lh_now_ms();
	assert_int_equal(kill(pid, SIGTERM), 0);
	st = lh_wait_status(&f->h, pid, EXIT_DEADLINE_MS);
	assert_int_not_equal(st, -1);
	/* The command died of the SIGTERM sysgate passed on. */
	assert_int_equal(lh_shell_status(st), 128 + SIGTERM);
	assert_true(lh_now_ms() - t0 < EXIT_DEADLINE_MS);
}

/*
 * 3000 logged calls on a stopped terminal: more than stderr's queue holds.
 * They are all answered; once the command restarts the terminal, the records
 * that were queued come out in call order, followed by how many were
 * dropped, and the two add up to every call.
 */
static void test_stopped_terminal_drops_are_counted_when_it_moves(void **state)
{
	struct fix *f = *state;
	const char *go = lh_tp(&f->h, "%s/go", f->h.dir);
	const char *args[] = {"--stop-tty", "--resume-tty", "--calls", "3000", "--dir",
			      f->h.dir,	    "--wait",	    go,	       NULL};
	long dropped;
	int written;
	pid_t pid;

	lh_write_policy(&f->h, "[sysgate]\ndefault = allow\nlog = stderr\n[mkdir]\nlog = *\n");
	open_pty(f);
	pid = spawn(f, f->slave, false, args);
	wait_calls(f, 3000, CALLS_DEADLINE_MS);
	assert_true(lh_wait_output(&f->h, "resumed", CALLS_DEADLINE_MS));

	/* What was queued, in call order, and the counts of what was not. */
	assert_true(read_accounted(f->master, &f->tty, &f->tty_len, 3000, CALLS_DEADLINE_MS));
	dropped = records_said(f->tty, "records dropped");
	written = records_in_order(f->tty);
	assert_true(dropped > 0);
	assert_int_equal(written + dropped, 3000);
	assert_non_null(strstr(f->tty, "sysgate: log sink stderr: "));

	lh_write_file(go, "", 0644);
	assert_int_equal(lh_shell_status(lh_wait_status(&f->h, pid, EXIT_DEADLINE_MS)), 0);
}

/* DIR/fifo, opened for reading (so sysgate's open returns) with a one-page
 * buffer, and not read. */
static const char *make_fifo(struct fix *f)
{
	const char *path = lh_tp(&f->h, "%s/fifo", f->h.dir);

	assert_int_equal(mkfifo(path, 0600), 0);
	f->fifo = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	assert_true(f->fifo >= 0);
	fcntl(f->fifo, F_SETPIPE_SZ, 4096);
	return path;
}

/*
 * log_full = drop on a FIFO nobody reads: every call is answered, and when
 * the FIFO is read, the records it took are in call order and a record
 * says how many were dropped; the two add up to every call.
 */
static void test_fifo_drop_goes_on_and_counts(void **state)
{
	struct fix *f = *state;
	const char *go = lh_tp(&f->h, "%s/go", f->h.dir);
	const char *args[] = {"--calls", "3000", "--dir", f->h.dir, "--wait", go, NULL};
	const char *fifo = make_fifo(f);
	char *buf = NULL;
	size_t len = 0;
	long dropped;
	pid_t pid;

	lh_write_policy(
		&f->h,
		"[sysgate]\ndefault = allow\nlog = %s/fifo\nlog_full = drop\n[mkdir]\nlog = *\n",
		f->h.dir);
	(void)fifo;
	pid = spawn(f, -1, false, args);
	wait_calls(f, 3000, CALLS_DEADLINE_MS);
	assert_true(lh_wait_output(&f->h, "done", CALLS_DEADLINE_MS));

	/* Read: the records in call order, and counts (each where its drops
	 * happened) for the rest. */
	assert_true(read_accounted(f->fifo, &buf, &len, 3000, CALLS_DEADLINE_MS));
	dropped = records_said(buf, "records dropped");
	assert_true(dropped > 0);

	lh_write_file(go, "", 0644);
	assert_int_equal(lh_shell_status(lh_wait_status(&f->h, pid, EXIT_DEADLINE_MS)), 0);
	while (drain(f->fifo, &buf, &len, 100))
		;
	/* Nothing more was lost, and no drop was said twice. */
	assert_int_equal(records_in_order(buf) + records_said(buf, "records dropped"), 3000);
	free(buf);
}

/*
 * log_full = block on a FIFO nobody reads: the calls wait for it. The FIFO
 * (4 KiB) and the queue (1024 records) hold fewer than 3000 records, so the
 * command cannot be done before the test reads; once it reads, every call
 * completes and every record is there, in order, none dropped.
 */
static void test_fifo_block_waits_and_loses_nothing(void **state)
{
	struct fix *f = *state;
	const char *go = lh_tp(&f->h, "%s/go", f->h.dir);
	const char *args[] = {"--calls", "3000", "--dir", f->h.dir, "--wait", go, NULL};
	char *buf = NULL;
	size_t len = 0;
	long end;
	pid_t pid;

	make_fifo(f);
	lh_write_policy(
		&f->h,
		"[sysgate]\ndefault = allow\nlog = %s/fifo\nlog_full = block\n[mkdir]\nlog = *\n",
		f->h.dir);
	pid = spawn(f, -1, false, args);
	wait_calls(f, 1000, CALLS_DEADLINE_MS);
	lh_collect(&f->h);
	assert_int_equal(lh_count_lines_with(f->h.out, "done"), 0);
	assert_true(calls_answered(f) < 3000);

	/* Read: the calls go on as the sink moves, to the last one. */
	end = lh_now_ms() + CALLS_DEADLINE_MS;
	while (calls_answered(f) < 3000 && lh_now_ms() < end)
		drain(f->fifo, &buf, &len, 10);
	assert_true(lh_wait_output(&f->h, "done", CALLS_DEADLINE_MS));
	lh_write_file(go, "", 0644);
	end = lh_now_ms() + EXIT_DEADLINE_MS;
	while (drain(f->fifo, &buf, &len, 100) && lh_now_ms() < end)
		;
	assert_int_equal(lh_shell_status(lh_wait_status(&f->h, pid, EXIT_DEADLINE_MS)), 0);
	assert_int_equal(records_in_order(buf), 3000);
	assert_null(strstr(buf, "dropped"));
	free(buf);
}

/*
 * The calls wait on a blocked FIFO sink, and SIGTERM comes: sysgate ends
 * within the exit bound and says on stderr how many records the FIFO lost.
 */
static void test_fifo_block_sigterm_exits(void **state)
{
	struct fix *f = *state;
	const char *args[] = {"--calls", "3000", "--dir", f->h.dir, NULL};
	long t0;
	pid_t pid;
	int st;

	make_fifo(f);
	lh_write_policy(&f->h, "[sysgate]\ndefault = allow\nlog = %s/fifo\n[mkdir]\nlog = *\n",
			f->h.dir);
	pid = spawn(f, -1, false, args);
	wait_calls(f, 1000, CALLS_DEADLINE_MS);

	t0 = lh_now_ms();
	assert_int_equal(kill(pid, SIGTERM), 0);
	st = lh_wait_status(&f->h, pid, EXIT_DEADLINE_MS);
	assert_int_not_equal(st, -1);
	assert_int_equal(lh_shell_status(st), 128 + SIGTERM);
	assert_true(lh_now_ms() - t0 < EXIT_DEADLINE_MS);
	lh_collect(&f->h);
	assert_true(records_said(f->h.err, "records lost") > 0);
	assert_non_null(strstr(f->h.err, lh_tp(&f->h, "sysgate: log sink %s/fifo: ", f->h.dir)));
}

/*
 * Under serve, two sandboxes share a FIFO sink nobody reads (--log-full
 * drop): the calls of both are all answered, and the count of what was
 * dropped is written once the FIFO is read; SIGTERM then ends the daemon.
 */
static void test_serve_stalled_sink_holds_no_sandbox(void **state)
{
	struct fix *f = *state;
	const char *sock = lh_tp(&f->h, "%s/agent.sock", f->h.dir);
	const char *go = lh_tp(&f->h, "%s/go", f->h.dir);
	pid_t daemon, agents[2];
	char *buf = NULL;
	size_t len = 0;
	long dropped, end;
	int st;

	if (!agent[0] || access(agent, X_OK) < 0) {
		fprintf(stderr, "hostile-sinks: SKIP: no sysgate-agent\n");
		skip();
	}
	make_fifo(f);
	lh_write_file(lh_tp(&f->h, "%s/sinks.ini", f->h.dir),
		      "[sysgate]\ndefault = allow\n[mkdir]\nlog = *\n", 0644);
	{
		const char *argv[] = {
			sysgate,	"serve",  "--socket", sock,
			"--policy-dir", f->h.dir, "--log",    lh_tp(&f->h, "%s/fifo", f->h.dir),
			"--log-full",	"drop",	  NULL};

		daemon = lh_spawn(&f->h, argv);
	}
	end = lh_now_ms() + CALLS_DEADLINE_MS;
	while (!lh_exists(sock) && lh_now_ms() < end)
		usleep(10 * 1000);
	assert_true(lh_exists(sock));

	for (int i = 0; i < 2; i++) {
		const char *out = lh_tp(&f->h, "%s/agent%d.out", f->h.dir, i);

		agents[i] = fork();
		assert_true(agents[i] >= 0);
		if (agents[i] == 0) {
			int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

			if (fd < 0 || dup2(fd, 1) < 0)
				_exit(126);
			execl(agent, agent, "--socket", sock, "--policy", "sinks", "--", attack,
			      "--calls", "3000", "--dir", f->h.dir, "--wait", go, (char *)NULL);
			_exit(127);
		}
		lh_remember_pid(&f->h, agents[i]);
	}
	/* Every call of both sandboxes is answered, though nobody reads. */
	end = lh_now_ms() + CALLS_DEADLINE_MS;
	for (int i = 0; i < 2; i++) {
		const char *out = lh_tp(&f->h, "%s/agent%d.out", f->h.dir, i);

		for (;;) {
			char *text = lh_slurp(out);
			bool done = lh_count_lines_with(text, "call ") == 3000;

			free(text);
			if (done)
				break;
			if (lh_now_ms() > end)
				fail_msg("sandbox %d: not every call answered; its output:\n%s", i,
					 lh_keep(&f->h, lh_slurp(out)));
			usleep(10 * 1000);
		}
	}

	assert_true(read_until(f->fifo, &buf, &len, "records dropped", CALLS_DEADLINE_MS));
	dropped = records_said(buf, "records dropped");
	assert_true(dropped > 0);
	lh_write_file(go, "", 0644);
	for (int i = 0; i < 2; i++)
		assert_int_equal(
			lh_shell_status(lh_wait_status(&f->h, agents[i], EXIT_DEADLINE_MS)), 0);
	assert_int_equal(kill(daemon, SIGTERM), 0);
	end = lh_now_ms() + EXIT_DEADLINE_MS;
	while (drain(f->fifo, &buf, &len, 100) && lh_now_ms() < end)
		;
	st = lh_wait_status(&f->h, daemon, EXIT_DEADLINE_MS);
	assert_int_equal(lh_shell_status(st), 0);
	/* Both sandboxes' records and every drop count add up to their 6000
	 * calls: nothing went missing unsaid. */
	{
		long n = 0;

		for (const char *p = strstr(buf, "/none/"); p; p = strstr(p + 1, "/none/"))
			n++;
		assert_true(records_said(buf, "records dropped") >= dropped);
		assert_int_equal(n + records_said(buf, "records dropped"), 6000);
	}
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_stopped_terminal_holds_neither_calls_nor_exit,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_stopped_terminal_drops_are_counted_when_it_moves, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fifo_drop_goes_on_and_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fifo_block_waits_and_loses_nothing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_fifo_block_sigterm_exits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_serve_stalled_sink_holds_no_sandbox, setup,
						teardown),
	};
	const char *dir = getenv("SG_HOSTILE_DIR");
	int r = lh_find_binaries("hostile-sinks", sysgate, target, target_real);

	if (r)
		return r;
	snprintf(attack, sizeof(attack), "%s/attack-sinks", dir && *dir ? dir : ".");
	if (!lh_locate(agent, sizeof(agent), "SYSGATE_AGENT", "../../sysgate-agent"))
		agent[0] = '\0';
	if (access(attack, X_OK) < 0) {
		fprintf(stderr, "hostile-sinks: %s: %s\n", attack, strerror(errno));
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
