/* Unit tests for diag: sysgate's own messages, as the person running it sees them on stderr. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "supervisor/log/diag.h"

/* stderr captured into a temporary file, and the real one kept to restore. */
struct capture {
	char path[64];
	int fd;
	int saved;
};

static int setup_capture(void **state)
{
	struct capture *c = calloc(1, sizeof(*c));

	if (!c)
		return -1;
	unsetenv("SYSGATE_DEBUG");
	snprintf(c->path, sizeof(c->path), "/tmp/sg-test-diag-%d-XXXXXX", (int)getpid());
	c->fd = mkstemp(c->path);
	c->saved = dup(STDERR_FILENO);
	if (c->fd < 0 || c->saved < 0 || dup2(c->fd, STDERR_FILENO) < 0)
		return -1;
	*state = c;
	return 0;
}

static int teardown_capture(void **state)
{
	struct capture *c = *state;

	dup2(c->saved, STDERR_FILENO);
	close(c->saved);
	close(c->fd);
	unlink(c->path);
	free(c);
	diag_setup("sysgate", DIAG_NOTICE);
	return 0;
}

/* What reached stderr so far (malloc'd, NUL-terminated). */
static char *captured(struct capture *c)
{
	off_t n = lseek(c->fd, 0, SEEK_END);
	char *buf = calloc(1, (size_t)n + 1);

	assert_non_null(buf);
	assert_int_equal(pread(c->fd, buf, (size_t)n, 0), n);
	return buf;
}

static void test_diag_one_line_with_who_and_level(void **state)
{
	struct capture *c = *state;
	char *out;

	diag_setup("sysgate test", DIAG_NOTICE);
	diag(DIAG_ERROR, "cannot create the signalfd");
	diag(DIAG_WARNING, "audit is %s", "off");
	diag(DIAG_NOTICE, "listening");
	diag(DIAG_INFO, "not shown at NOTICE");
	diag(DIAG_DEBUG, "nor this");
	out = captured(c);
	assert_string_equal(out, "sysgate test: cannot create the signalfd\n"
				 "sysgate test: warning: audit is off\n"
				 "sysgate test: listening\n");
	free(out);
}

static void test_diag_debug_level_and_environment(void **state)
{
	struct capture *c = *state;
	char *out;

	setenv("SYSGATE_DEBUG", "1", 1);
	diag_setup("sg", DIAG_ERROR);
	unsetenv("SYSGATE_DEBUG");
	diag(DIAG_DEBUG, "x=%d", 3);
	diag_setup("sg", DIAG_ERROR);
	diag(DIAG_WARNING, "hidden at ERROR");
	out = captured(c);
	assert_string_equal(out, "sg: debug: x=3\n");
	free(out);
}

static void test_diag_errno_returns_negative_and_names_it(void **state)
{
	struct capture *c = *state;
	char *out;

	diag_setup("sysgate", DIAG_NOTICE);
	errno = ENOENT;
	assert_int_equal(diag_errno(DIAG_ERROR, EACCES, "cannot open %s", "/x"), -EACCES);
	assert_int_equal(errno, ENOENT); /* left as it was */
	/* A negative errno, as the core returns it, says the same. */
	assert_int_equal(diag_errno(DIAG_ERROR, -EMFILE, "cannot create the signalfd"), -EMFILE);
	out = captured(c);
	assert_string_equal(out, "sysgate: cannot open /x: Permission denied\n"
				 "sysgate: cannot create the signalfd: Too many open files\n");
	free(out);
}

static void test_diag_long_message_is_cut_and_ends_its_line(void **state)
{
	struct capture *c = *state;
	static char big[10000];
	char *out;
	size_t n;

	memset(big, 'a', sizeof(big) - 1);
	diag_setup("sysgate", DIAG_NOTICE);
	diag(DIAG_ERROR, "%s", big);
	diag_errno(DIAG_ERROR, EIO, "%s", big);
	diag(DIAG_ERROR, "next");
	out = captured(c);
	n = strlen(out);
	/* Each at most one write that a pipe cannot split (PIPE_BUF), and a whole line. */
	assert_true(n <= 2 * 4096 + strlen("sysgate: next\n"));
	assert_non_null(strstr(out, "aaa\nsysgate: aaa"));
	assert_non_null(strstr(out, "aaa\nsysgate: next\n"));
	assert_int_equal(out[n - 1], '\n');
	for (char *p = out, *nl; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		assert_non_null(nl);
		assert_true(nl + 1 - p <= 4096);
		assert_int_equal(strncmp(p, "sysgate: ", 9), 0);
	}
	free(out);
}

/*
 * In a child, with stderr a pipe that is full and that nobody reads: mode
 * "process" uses diag_set_nonblocking, "thread" diag_thread_nonblocking.
 * Exits 0 when both messages were dropped and counted within a few
 * seconds; alarm() kills it (SIGALRM) if a message stalls instead.
 */
static void child_full_pipe(const char *mode)
{
	char buf[65536];
	unsigned long before;
	int fds[2];

	alarm(10);
	if (pipe(fds) < 0 || fcntl(fds[1], F_SETFL, O_NONBLOCK) < 0)
		_exit(2);
	while (write(fds[1], buf, sizeof(buf)) > 0)
		;
	/* Blocking again, as a stderr that the command shares would be. */
	if (fcntl(fds[1], F_SETFL, 0) < 0 || dup2(fds[1], STDERR_FILENO) < 0)
		_exit(3);
	diag_setup("sysgate", DIAG_NOTICE);
	if (strcmp(mode, "thread") == 0)
		diag_thread_nonblocking(true);
	else
		diag_set_nonblocking(true);
	before = diag_dropped();
	diag(DIAG_WARNING, "a stalled stderr must not hold this thread");
	diag_errno(DIAG_ERROR, EPIPE, "nor this");
	_exit(diag_dropped() == before + 2 ? 0 : 4);
}

static void check_full_pipe(const char *mode)
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0)
		child_full_pipe(mode);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status))
		fail_msg("%s: diag stalled on a full stderr (signal %d)", mode, WTERMSIG(status));
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_diag_nonblocking_drops_and_counts_on_a_full_pipe(void **state)
{
	(void)state;
	check_full_pipe("process");
}

static void test_diag_thread_nonblocking_drops_and_counts(void **state)
{
	(void)state;
	check_full_pipe("thread");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_diag_one_line_with_who_and_level,
						setup_capture, teardown_capture),
		cmocka_unit_test_setup_teardown(test_diag_debug_level_and_environment,
						setup_capture, teardown_capture),
		cmocka_unit_test_setup_teardown(test_diag_errno_returns_negative_and_names_it,
						setup_capture, teardown_capture),
		cmocka_unit_test_setup_teardown(test_diag_long_message_is_cut_and_ends_its_line,
						setup_capture, teardown_capture),
		cmocka_unit_test(test_diag_nonblocking_drops_and_counts_on_a_full_pipe),
		cmocka_unit_test(test_diag_thread_nonblocking_drops_and_counts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
