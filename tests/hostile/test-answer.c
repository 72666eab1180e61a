/*
 * hostile-answer: an answer never makes sysgate do what the kernel would
 * refuse (issue 9: one function turns a verdict into the kernel's answer,
 * for the session and the ask queue alike).
 *
 *  - An x32 mkdir under `[mkdir] ask = path ~ ...` (a path condition), answered allow over the
 * control socket: on this kernel (x32 off) the kernel fails an x32 call with ENOSYS, so the target
 * sees ENOSYS and no directory appears. Before the fix the ask queue carried the answered call out
 * by emulation and the directory was made.
 *
 * The attack is attack-answer (libc only) under sysgate run; the test speaks
 * the control protocol (docs/control-protocol.md) itself, as a prompt would.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "live-harness.h"

#ifndef __X32_SYSCALL_BIT
#define __X32_SYSCALL_BIT 0x40000000
#endif

static char sysgate[PATH_MAX], target[PATH_MAX], target_real[PATH_MAX], attack[PATH_MAX];

/* Generous: the machine is shared; a working sysgate needs far less. */
#define DEADLINE_MS 30000

struct fix {
	struct lh h;
	int sock;
	char buf[64 * 1024];
	size_t len;
	struct json_object *objs[16]; /* parsed lines, put in teardown */
	size_t n_objs;
};

static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));

	if (!f || lh_init(&f->h, "/tmp/sg-hostile-answer.XXXXXX", LH_SPAWN_KEEP_LOG) < 0)
		return -1;
	f->sock = -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;

	if (f->sock >= 0)
		close(f->sock);
	for (size_t i = 0; i < f->n_objs; i++)
		json_object_put(f->objs[i]);
	for (size_t i = 0; i < LH_MAX_PIDS; i++)
		if (f->h.pids[i] > 0) {
			kill(f->h.pids[i], SIGKILL);
			waitpid(f->h.pids[i], NULL, 0);
		}
	lh_fini(&f->h);
	free(f);
	return 0;
}

/* Connect to sysgate pid's control socket, waiting for it to appear. */
static void connect_control(struct fix *f, pid_t pid)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	long end = lh_now_ms() + DEADLINE_MS;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "/run/sysgate/%d.sock", (int)pid);
	for (;;) {
		f->sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		assert_true(f->sock >= 0);
		if (connect(f->sock, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return;
		close(f->sock);
		f->sock = -1;
		if (lh_now_ms() > end || waitpid(pid, NULL, WNOHANG) != 0) {
			lh_collect(&f->h);
			fail_msg("cannot connect to %s: %s; sysgate said: %s", sa.sun_path,
				 strerror(errno), f->h.err);
		}
		usleep(10 * 1000);
	}
}

static void send_line(struct fix *f, const char *line)
{
	size_t n = strlen(line);

	assert_int_equal(send(f->sock, line, n, MSG_NOSIGNAL), (ssize_t)n);
	assert_int_equal(send(f->sock, "\n", 1, MSG_NOSIGNAL), 1);
}

/* The next line from sysgate that contains needle (others are skipped), as
 * parsed JSON kept until teardown; fails after the deadline. */
static struct json_object *expect_line(struct fix *f, const char *needle)
{
	long end = lh_now_ms() + DEADLINE_MS;

	for (;;) {
		char *nl;

		while ((nl = memchr(f->buf, '\n', f->len))) {
			struct json_object *o = NULL;
			size_t n = (size_t)(nl - f->buf);

			*nl = '\0';
			if (strstr(f->buf, needle))
				o = json_tokener_parse(f->buf);
			memmove(f->buf, nl + 1, f->len - n - 1);
			f->len -= n + 1;
			if (o) {
				assert_true(f->n_objs < sizeof(f->objs) / sizeof(f->objs[0]));
				f->objs[f->n_objs++] = o;
				return o;
			}
		}
		struct pollfd p = {.fd = f->sock, .events = POLLIN};
		long left = end - lh_now_ms();
		ssize_t k;

		if (left <= 0)
			fail_msg("no line with %s from sysgate within %d ms", needle, DEADLINE_MS);
		if (poll(&p, 1, (int)left) <= 0)
			continue;
		assert_true(f->len < sizeof(f->buf));
		k = recv(f->sock, f->buf + f->len, sizeof(f->buf) - f->len, 0);
		if (k <= 0)
			fail_msg("sysgate closed the control socket");
		f->len += (size_t)k;
	}
}

static int64_t jint(struct json_object *o, const char *key)
{
	int64_t v = -1;

	assert_true(lh_jint(o, key, &v));
	return v;
}

static const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return "";
	return json_object_get_string(v);
}

static void test_answered_x32_mkdir_gets_enosys(void **state)
{
	struct fix *f = *state;
	const char *dir = lh_tp(&f->h, "%s/made", f->h.dir);
	const char *go = lh_tp(&f->h, "%s/go", f->h.dir);
	const char *argv[] = {sysgate, "run",  "-p",   "policy.ini", "--log", "log",
			      "--",    attack, "--go", go,	     dir,     NULL};
	struct json_object *ask, *reply, *o;
	char line[128];
	int status;
	pid_t pid;

	/* A path condition makes the family emulated: an allowed call is
	 * carried out by sysgate from the checked copy. (`ask = *` alone lets
	 * an allow continue, and the kernel says ENOSYS itself.) */
	lh_write_file(lh_tp(&f->h, "%s/policy.ini", f->h.dir),
		      lh_tp(&f->h, "[sysgate]\nask_timeout = 60s\n[mkdir]\nask = path ~ %s/**\n",
			    f->h.dir),
		      0644);
	pid = lh_spawn(&f->h, argv);
	connect_control(f, pid);
	send_line(f, "{\"id\":1,\"op\":\"hello\"}");
	o = expect_line(f, "\"id\":1");
	send_line(f, "{\"id\":2,\"op\":\"subscribe\"}");
	o = expect_line(f, "\"id\":2");
	assert_true(json_object_get_boolean(json_object_object_get(o, "ok")));
	lh_write_file(go, "", 0644);

	/* The call waits for a person: the positive signal that it was asked. */
	ask = expect_line(f, "\"event\":\"ask\"");
	assert_string_equal(jstr(ask, "syscall"), "mkdir");
	assert_string_equal(jstr(ask, "arch"), "x32");
	snprintf(line, sizeof(line),
		 "{\"id\":3,\"op\":\"answer\",\"ask\":%lld,\"decision\":\"allow\"}",
		 (long long)jint(ask, "ask"));
	send_line(f, line);
	reply = expect_line(f, "\"id\":3");
	assert_true(json_object_get_boolean(json_object_object_get(reply, "ok")));

	status = lh_wait_status(&f->h, pid, DEADLINE_MS);
	lh_collect(&f->h);
	assert_true(status >= 0);
	assert_int_equal(lh_shell_status(status), 0);
	/* What the kernel would have said, and nothing made. */
	lh_assert_line(f->h.out, lh_tp(&f->h, "x32 mkdir = -1 errno %d", ENOSYS));
	assert_false(lh_exists(dir));
	/* The ask ends in one record, saying how it was settled. */
	assert_int_equal(lh_count_lines_with(f->h.log, "-> allow (answer)"), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_answered_x32_mkdir_gets_enosys, setup,
						teardown),
	};
	const char *dir = getenv("SG_HOSTILE_DIR");
	int r = lh_find_binaries("hostile-answer", sysgate, target, target_real);

	if (r)
		return r;
	snprintf(attack, sizeof(attack), "%s/attack-answer", dir && *dir ? dir : ".");
	if (access(attack, X_OK) < 0) {
		fprintf(stderr, "hostile-answer: %s: %s\n", attack, strerror(errno));
		return 1;
	}
	/* On a kernel that runs x32 calls, carrying the call out is right. */
	if (syscall(__X32_SYSCALL_BIT | __NR_getpid) >= 0 || errno != ENOSYS) {
		fprintf(stderr, "hostile-answer: this kernel runs x32 calls; skipped\n");
		return 77;
	}
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
