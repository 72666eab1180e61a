/*
 * hostile-daemon-sinks: under sysgate serve, one sandbox makes a log sink stall (a
 * FIFO nobody reads, --log-full drop) and another sandbox's calls are still
 * decided at their usual pace (issue 9).
 *
 * hostile-sinks' serve case proves that two sandboxes sharing a stalled sink
 * are both answered. This goes further: the daemon has two sinks, the FIFO
 * and a file. A first sandbox floods the FIFO until it is full and records
 * are being dropped; with it still running and the FIFO still unread, a
 * second sandbox makes its calls. Proved by replies and records, not by
 * sleeps: each of its calls is answered (its "call I" lines), within a
 * generous multiple of the time the same calls took before anything
 * stalled, and each of its records reaches the file sink while the FIFO is
 * still unread; then, once the FIFO is read, a record there says how many
 * were dropped.
 *
 * The sandboxes are attack-sinks under sysgate-agent (libc only).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "live-harness.h"

static char sysgate[PATH_MAX], target[PATH_MAX], target_real[PATH_MAX], attack[PATH_MAX];
static char agent[PATH_MAX];

/* Generous: the machine is shared; a working sysgate needs far less. */
#define CALLS_DEADLINE_MS 60000
#define EXIT_DEADLINE_MS 15000
#define FLOOD_CALLS 3000
#define PACE_CALLS 300

struct fix {
	struct lh h;
	int fifo; /* the FIFO sink's read end, held, read only when the test says */
	const char *sock, *file;
};

static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));

	if (!f || lh_init(&f->h, "/tmp/sg-hostile-daemon-sinks.XXXXXX", 0) < 0)
		return -1;
	f->fifo = -1;
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
	if (f->fifo >= 0)
		close(f->fifo);
	lh_fini(&f->h);
	free(f);
	return 0;
}

/* Read what the FIFO has (waiting up to timeout_ms); false at its end. */
static bool drain(int fd, char **buf, size_t *len, int timeout_ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	char chunk[65536];
	ssize_t n;

	if (poll(&p, 1, timeout_ms) <= 0)
		return true;
	n = read(fd, chunk, sizeof(chunk));
	if (n == 0)
		return false;
	if (n < 0)
		return true;
	*buf = realloc(*buf, *len + (size_t)n + 1);
	assert_non_null(*buf);
	memcpy(*buf + *len, chunk, (size_t)n);
	*len += (size_t)n;
	(*buf)[*len] = '\0';
	return true;
}

/* The sum of N over the whole lines "sysgate: log sink NAME: N records
 * dropped", or -1 if there is none. */
static long dropped_said(const char *text)
{
	long sum = -1;

	for (const char *p = text ? strstr(text, "sysgate: log sink ") : NULL; p;
	     p = strstr(p + 1, "sysgate: log sink ")) {
		const char *nl = strchr(p, '\n'), *c;
		long n;

		if (!nl)
			break;
		if (!memmem(p, (size_t)(nl - p), "records dropped", 15))
			continue;
		c = memmem(p + 18, (size_t)(nl - p - 18), ": ", 2);
		if (c && sscanf(c + 2, "%ld", &n) == 1)
			sum = (sum < 0 ? 0 : sum) + n;
	}
	return sum;
}

/* sysgate serve with two sinks, the FIFO (drop when full) and a file. */
static pid_t start_daemon(struct fix *f)
{
	const char *fifo = lh_tp(&f->h, "%s/fifo", f->h.dir);
	pid_t pid;
	long end;

	f->sock = lh_tp(&f->h, "%s/agent.sock", f->h.dir);
	f->file = lh_tp(&f->h, "%s/records.log", f->h.dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	f->fifo = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	assert_true(f->fifo >= 0);
	fcntl(f->fifo, F_SETPIPE_SZ, 4096);
	lh_write_file(lh_tp(&f->h, "%s/sinks.ini", f->h.dir),
		      "[sysgate]\ndefault = allow\n[mkdir]\nlog = *\n", 0644);
	{
		const char *argv[] = {sysgate,	    "serve", "--socket", f->sock, "--policy-dir",
				      f->h.dir,	    "--log", fifo,	 "--log", f->file,
				      "--log-full", "drop",  NULL};

		pid = lh_spawn(&f->h, argv);
	}
	/* "listening on" comes after listen(2): the socket file alone appears
	 * at bind(2), when a connection would still be refused. */
	end = lh_now_ms() + CALLS_DEADLINE_MS;
	for (;;) {
		char *err = lh_slurp(f->h.err_path);
		bool up = err && strstr(err, "listening on");

		free(err);
		if (up)
			break;
		if (lh_now_ms() > end)
			fail_msg("sysgate serve did not start: %s",
				 lh_keep(&f->h, lh_slurp(f->h.err_path)));
		usleep(10 * 1000);
	}
	return pid;
}

/* attack-sinks --calls N --dir DIR/NAME under sysgate-agent, stdout to
 * DIR/NAME.out; it waits for DIR/go-NAME before it exits. */
static pid_t start_sandbox(struct fix *f, const char *name, long calls)
{
	const char *dir = lh_tp(&f->h, "%s/%s", f->h.dir, name);
	const char *out = lh_tp(&f->h, "%s/%s.out", f->h.dir, name);
	const char *go = lh_tp(&f->h, "%s/go-%s", f->h.dir, name);
	char n[32];
	pid_t pid;

	assert_int_equal(mkdir(dir, 0755), 0);
	snprintf(n, sizeof(n), "%ld", calls);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

		if (fd < 0 || dup2(fd, 1) < 0)
			_exit(126);
		execl(agent, agent, "--socket", f->sock, "--policy", "sinks", "--", attack,
		      "--calls", n, "--dir", dir, "--wait", go, (char *)NULL);
		_exit(127);
	}
	lh_remember_pid(&f->h, pid);
	return pid;
}

/* Wait until NAME's calls are all answered; how long that took, in ms,
 * from start. While waiting, read the FIFO into *buf if buf is given. */
static long answered(struct fix *f, const char *name, long calls, long start, char **buf,
		     size_t *len)
{
	const char *out = lh_tp(&f->h, "%s/%s.out", f->h.dir, name);
	long end = start + CALLS_DEADLINE_MS;

	for (;;) {
		char *text = lh_slurp(out);
		bool done = lh_count_lines_with(text, "call ") == calls;

		free(text);
		if (done)
			return lh_now_ms() - start;
		if (lh_now_ms() > end)
			fail_msg("%s: not every call answered; its output:\n%s", name,
				 lh_keep(&f->h, lh_slurp(out)));
		if (buf)
			drain(f->fifo, buf, len, 5);
		else
			usleep(5 * 1000);
	}
}

static void finish(struct fix *f, const char *name, pid_t pid)
{
	lh_write_file(lh_tp(&f->h, "%s/go-%s", f->h.dir, name), "", 0644);
	assert_int_equal(lh_shell_status(lh_wait_status(&f->h, pid, EXIT_DEADLINE_MS)), 0);
}

static void test_serve_stalled_sink_keeps_the_other_sandbox_at_pace(void **state)
{
	struct fix *f = *state;
	char *buf = NULL, *file;
	size_t len = 0;
	long usual, stalled, end, dropped;
	pid_t daemon, base, flood, pace;

	if (!agent[0] || access(agent, X_OK) < 0) {
		fprintf(stderr, "hostile-daemon-sinks: SKIP: no sysgate-agent\n");
		skip();
	}
	daemon = start_daemon(f);

	/* The usual pace: PACE_CALLS logged calls while the FIFO is read. */
	base = start_sandbox(f, "base", PACE_CALLS);
	usual = answered(f, "base", PACE_CALLS, lh_now_ms(), &buf, &len);
	finish(f, "base", base);

	/* The flood: the FIFO is no longer read; past its page and its queue,
	 * the records meant for it are dropped. The sandbox stays. */
	flood = start_sandbox(f, "flood", FLOOD_CALLS);
	answered(f, "flood", FLOOD_CALLS, lh_now_ms(), NULL, NULL);

	/* The other sandbox, the FIFO still stalled and unread. */
	pace = start_sandbox(f, "pace", PACE_CALLS);
	stalled = answered(f, "pace", PACE_CALLS, lh_now_ms(), NULL, NULL);
	fprintf(stderr,
		"hostile-daemon-sinks: %d calls: %ld ms usually, %ld ms with a stalled sink\n",
		PACE_CALLS, usual, stalled);
	/* Generous for a shared machine; a decision that waited for the FIFO
	 * would never end at all (nobody reads it). */
	assert_true(stalled <= 10 * usual + 5000);
	/* And its records reach the other sink meanwhile, every one. */
	end = lh_now_ms() + CALLS_DEADLINE_MS;
	for (;;) {
		file = lh_slurp(f->file);
		if (lh_count_lines_with(file, lh_tp(&f->h, "%s/pace/none/", f->h.dir)) ==
		    PACE_CALLS)
			break;
		if (lh_now_ms() > end)
			fail_msg("the file sink lacks records of the second sandbox:\n%s",
				 lh_keep(&f->h, file));
		free(file);
		usleep(10 * 1000);
	}
	free(file);

	/* The FIFO read at last: a record there says how many it lost. */
	end = lh_now_ms() + CALLS_DEADLINE_MS;
	while ((dropped = dropped_said(buf)) <= 0 && lh_now_ms() < end)
		drain(f->fifo, &buf, &len, 50);
	assert_true(dropped > 0);

	finish(f, "flood", flood);
	finish(f, "pace", pace);
	assert_int_equal(kill(daemon, SIGTERM), 0);
	end = lh_now_ms() + EXIT_DEADLINE_MS;
	while (drain(f->fifo, &buf, &len, 100) && lh_now_ms() < end)
		;
	assert_int_equal(lh_shell_status(lh_wait_status(&f->h, daemon, EXIT_DEADLINE_MS)), 0);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_serve_stalled_sink_keeps_the_other_sandbox_at_pace, setup, teardown),
	};
	const char *dir = getenv("SG_HOSTILE_DIR");
	int r = lh_find_binaries("hostile-daemon-sinks", sysgate, target, target_real);

	if (r)
		return r;
	snprintf(attack, sizeof(attack), "%s/attack-sinks", dir && *dir ? dir : ".");
	if (!lh_locate(agent, sizeof(agent), "SYSGATE_AGENT", "../../sysgate-agent"))
		agent[0] = '\0';
	if (access(attack, X_OK) < 0) {
		fprintf(stderr, "hostile-daemon-sinks: %s: %s\n", attack, strerror(errno));
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
