/*
 * Live tests of interactive approval: the `ask` decision of
 * sysgate-policy(5), answered over the control socket
 * (docs/control-protocol.md) and by `sysgate prompt` in a terminal.
 *
 * Each test makes a fresh directory DIR under /tmp with DIR/q (where the
 * policy asks) and DIR/free (where it allows), writes DIR/policy.ini, and
 * starts
 *
 *	sysgate run -p policy.ini --log log -- sg-target wait-file go : OPS...
 *
 * in the background with DIR as its working directory. The target waits for
 * DIR/go, so the test can connect to /run/sysgate/PID.sock and subscribe
 * before the first call is made. The test then speaks the protocol itself
 * (JSON lines, parsed with json-c) and asserts what the target observed, what
 * the file system shows afterwards and what the log says. sysgate's own
 * replies are checked against the target's side, never taken on trust.
 *
 * The prompt tests run `sysgate run` and `sysgate prompt PID` in two windows
 * of a private tmux server (tmux -L), type answers with send-keys and read
 * the screen with capture-pane. They are skipped when tmux is not installed
 * (or SG_ASK_NO_TMUX is set, to try that). TEST_FILTER=GLOB runs some tests.
 *
 * The binaries come from $SYSGATE and $SG_TARGET (CTest passes them), else
 * from beside this test binary. Must run as root (the control directory of
 * root is /run/sysgate).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/capability.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "live-harness.h"

#define RUN_TIMEOUT_MS 30000
#define REPLY_TIMEOUT_MS 15000
/* How long to wait for what should come soon: only a failing test waits it
 * out, and a loaded machine can be slow. */
#define WAIT_MS 15000
#define MAX_CLIENTS 8
#define CLIENT_BUF (256 * 1024)
#define NOBODY 65534

/* The ask rule of every policy below (POLICY_HEAD puts it on line 2). */
#define ASK_RULE "policy.ini:2"

static char g_sysgate[PATH_MAX];
static char g_target[PATH_MAX];
static char g_sysgate_real[PATH_MAX]; /* what /proc/PID/exe says */
static char g_target_real[PATH_MAX];

/* One line from sysgate: as received, and parsed (NULL if not JSON). */
struct msg {
	char *raw;
	struct json_object *o;
};

/* A control socket client that keeps what it has read but not yet taken. */
struct client {
	int fd;
	long next_id;
	bool eof;
	char *buf; /* CLIENT_BUF bytes */
	size_t len;
	struct msg *backlog;
	size_t n_backlog;
};

struct fixture {
	struct lh h; /* h.out, h.err, h.log: of the last run: target stdout, sysgate stderr, log */
	pid_t sg;    /* the background sysgate of start() */
	long sg_started; /* CLOCK_MONOTONIC ms */
	struct client *clients[MAX_CLIENTS];
	size_t n_clients;
	struct json_object **objs; /* taken messages, put in teardown */
	size_t n_objs;
	char tmux[64];	      /* the private tmux server (-L), "" if none */
	const char *ask_rule; /* what ask events name; ASK_RULE unless changed */
};

/* ---- helpers ---- */

/* A JSON object that lives until teardown. */
static struct json_object *keep(struct fixture *st, struct json_object *o)
{
	struct json_object **v;

	if (!o)
		return NULL;
	v = realloc(st->objs, (st->n_objs + 1) * sizeof(*v));
	assert_non_null(v);
	st->objs = v;
	st->objs[st->n_objs++] = o;
	return o;
}

/*
 * policy.ini: the ask rule on line 2, for everything below DIR/q; all else in
 * [mkdir] allowed (and so emulated, being after a path condition); extra
 * [sysgate] settings after the default ask_timeout of 30s, unless extra sets
 * it itself.
 */
#define POLICY_HEAD                                                                                \
	"[mkdir]\n"                                                                                \
	"ask = path ~ %s/q/**\n"                                                                   \
	"allow = *\n"                                                                              \
	"[sysgate]\n"

static void write_policy(struct fixture *st, const char *extra)
{
	const char *text;

	if (strstr(extra, "ask_timeout"))
		text = lh_tp(&st->h, POLICY_HEAD "%s", st->h.dir, extra);
	else
		text = lh_tp(&st->h, POLICY_HEAD "ask_timeout = 30s\n%s", st->h.dir, extra);
	lh_write_file(lh_tp(&st->h, "%s/policy.ini", st->h.dir), text, 0644);
}

/*
 * Start sysgate run -p policy.ini --log log -- sg-target wait-file go : OPS
 * (NULL-terminated) in the background. The target makes no call of interest
 * before the test creates DIR/go (go()).
 */
static pid_t start(struct fixture *st, ...)
{
	const char *const pre[] = {
		g_sysgate, "run", "-p",	    "policy.ini", "--log",
		"log",	   "--",  g_target, "wait-file",  lh_tp(&st->h, "%s/go", st->h.dir),
		":",	   NULL};
	const char *argv[LH_MAX_ARGS + 1];
	va_list ap;

	va_start(ap, st);
	lh_build_argv(argv, pre, ap);
	va_end(ap);
	unlink(st->h.log_path);
	st->sg = lh_spawn(&st->h, argv);
	st->sg_started = lh_now_ms();
	return st->sg;
}

/* Let the target go: create DIR/NAME. */
static void go_file(struct fixture *st, const char *name)
{
	lh_write_file(lh_tp(&st->h, "%s/%s", st->h.dir, name), "", 0644);
}

static void go(struct fixture *st)
{
	go_file(st, "go");
}

/* Wait for the background sysgate to end; its shell-style status. */
static int finish(struct fixture *st)
{
	int status = lh_wait_status(&st->h, st->sg, RUN_TIMEOUT_MS);

	lh_collect(&st->h);
	if (status < 0)
		fail_msg("sysgate did not finish within %d ms; stderr: %s\nout: %s", RUN_TIMEOUT_MS,
			 st->h.err, st->h.out);
	st->sg = 0;
	return lh_shell_status(status);
}

static void assert_exit_impl(struct fixture *st, int status, int want, const char *file, int line)
{
	if (status != want) {
		fprintf(stderr, "sysgate exited %d, not %d\nstderr:\n%s\nout:\n%s\n", status, want,
			st->h.err, st->h.out);
		_fail(file, line);
	}
}

/* The exit status of a run (finish() or sg()), with its output if it is wrong. */
#define assert_exit(st, status, want) assert_exit_impl((st), (status), (want), __FILE__, __LINE__)

/* sysgate run ... -- sg-target OPS in the foreground (no wait-file). */
static int sg(struct fixture *st, ...)
{
	const char *const pre[] = {g_sysgate, "run", "-p",     "policy.ini", "--log",
				   "log",     "--",  g_target, NULL};
	const char *argv[LH_MAX_ARGS + 1];
	va_list ap;

	va_start(ap, st);
	lh_build_argv(argv, pre, ap);
	va_end(ap);
	unlink(st->h.log_path);
	st->sg = lh_spawn(&st->h, argv);
	return finish(st);
}

/* Any command (argv[0] a path), NULL-terminated, in DIR. */
static int cmd(struct fixture *st, ...)
{
	static const char *const none[] = {NULL};
	const char *argv[LH_MAX_ARGS + 1];
	va_list ap;
	int status;

	va_start(ap, st);
	lh_build_argv(argv, none, ap);
	va_end(ap);
	status = lh_wait_status(&st->h, lh_spawn(&st->h, argv), RUN_TIMEOUT_MS);
	lh_collect(&st->h);
	return lh_shell_status(status);
}

static void assert_contains_impl(const char *text, const char *needle, const char *what,
				 const char *file, int lineno)
{
	if (!text || !strstr(text, needle)) {
		fprintf(stderr, "no \"%s\" in %s:\n%s\n", needle, what, text ? text : "(null)");
		_fail(file, lineno);
	}
}

#define assert_contains(text, needle)                                                              \
	assert_contains_impl((text), (needle), #text, __FILE__, __LINE__)

/* ---- JSON ---- */

static const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	/* "" when missing or not a string: callers format it, and a test that
	 * needs it present says so with *jstr(...). */
	if (!o || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return "";
	return json_object_get_string(v);
}

/* An integer field that must be there. */
static int64_t jnum(struct json_object *o, const char *key)
{
	int64_t v = 0;

	if (!lh_jint(o, key, &v))
		fail_msg("no integer \"%s\" in %s", key,
			 o ? json_object_to_json_string(o) : "(null)");
	return v;
}

static bool jok(struct json_object *o)
{
	struct json_object *v;

	return o && json_object_object_get_ex(o, "ok", &v) &&
	       json_object_is_type(v, json_type_boolean) && json_object_get_boolean(v);
}

static bool jhas(struct json_object *o, const char *key)
{
	return o && json_object_object_get_ex(o, key, NULL);
}

/* ---- the control socket ---- */

static const char *sock_path(struct fixture *st, pid_t sg_pid)
{
	return lh_tp(&st->h, "/run/sysgate/%d.sock", (int)sg_pid);
}

static int connect_path(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	return fd;
}

/* Connect to sysgate sg_pid's socket, waiting up to 5 s for it to appear. */
static struct client *client_connect(struct fixture *st, pid_t sg_pid)
{
	const char *path = sock_path(st, sg_pid);
	long end = lh_now_ms() + WAIT_MS;
	struct client *c;
	int fd;

	for (;;) {
		fd = connect_path(path);
		if (fd >= 0)
			break;
		if (lh_now_ms() > end)
			fail_msg("cannot connect to %s: %s", path, strerror(-fd));
		usleep(5000);
	}
	c = calloc(1, sizeof(*c));
	assert_non_null(c);
	c->fd = fd;
	c->buf = malloc(CLIENT_BUF);
	assert_non_null(c->buf);
	assert_true(st->n_clients < MAX_CLIENTS);
	st->clients[st->n_clients++] = c;
	return c;
}

static void client_free(struct client *c)
{
	if (!c)
		return;
	if (c->fd >= 0)
		close(c->fd);
	for (size_t i = 0; i < c->n_backlog; i++) {
		free(c->backlog[i].raw);
		json_object_put(c->backlog[i].o);
	}
	free(c->backlog);
	free(c->buf);
	free(c);
}

static void send_raw(struct client *c, const char *data, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = send(c->fd, data + done, len - done, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			fail_msg("send to sysgate: %s", strerror(errno));
		done += (size_t)n;
	}
}

static void send_line(struct client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* One line, as given (a newline is added). */
static void send_line(struct client *c, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	assert_true(n >= 0);
	send_raw(c, s, (size_t)n);
	send_raw(c, "\n", 1);
	free(s);
}

/* Move the complete lines of buf into the backlog. */
static void split_lines(struct client *c)
{
	char *nl;

	while ((nl = memchr(c->buf, '\n', c->len))) {
		size_t len = (size_t)(nl - c->buf);
		struct msg *v = realloc(c->backlog, (c->n_backlog + 1) * sizeof(*v));

		assert_non_null(v);
		c->backlog = v;
		v[c->n_backlog].raw = strndup(c->buf, len);
		assert_non_null(v[c->n_backlog].raw);
		v[c->n_backlog].o = json_tokener_parse(v[c->n_backlog].raw);
		c->n_backlog++;
		memmove(c->buf, nl + 1, c->len - len - 1);
		c->len -= len + 1;
	}
	if (c->len == CLIENT_BUF)
		fail_msg("a line from sysgate longer than %d bytes", CLIENT_BUF);
}

/* Read what is there, waiting up to ms. false on EOF or timeout. */
static bool client_fill(struct client *c, long ms)
{
	struct pollfd p = {.fd = c->fd, .events = POLLIN};
	ssize_t n;
	int r;

	if (c->eof)
		return false;
	r = poll(&p, 1, (int)(ms < 0 ? 0 : ms));
	if (r < 0 && errno == EINTR)
		return true;
	assert_true(r >= 0);
	if (r == 0)
		return false;
	n = recv(c->fd, c->buf + c->len, CLIENT_BUF - c->len, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return true;
	if (n <= 0) {
		/* ECONNRESET: sysgate closed with our bytes unread. */
		c->eof = true;
		return false;
	}
	c->len += (size_t)n;
	split_lines(c);
	return true;
}

typedef bool (*match_fn)(const struct msg *m, const void *arg);

/*
 * The first message that matches, from the backlog or read within
 * timeout_ms; NULL if none came. It is removed from the backlog; the object
 * lives until teardown, and *ret_raw (if given) is its line.
 */
static struct json_object *take(struct fixture *st, struct client *c, match_fn match,
				const void *arg, long timeout_ms, const char **ret_raw)
{
	long end = lh_now_ms() + timeout_ms;

	for (;;) {
		for (size_t i = 0; i < c->n_backlog; i++) {
			struct msg m = c->backlog[i];

			if (!match(&m, arg))
				continue;
			memmove(c->backlog + i, c->backlog + i + 1,
				(c->n_backlog - i - 1) * sizeof(*c->backlog));
			c->n_backlog--;
			if (ret_raw)
				*ret_raw = lh_tp(&st->h, "%s", m.raw);
			free(m.raw);
			if (!m.o)
				return keep(st, json_object_new_object());
			return keep(st, m.o);
		}
		if (c->eof || lh_now_ms() > end)
			return NULL;
		client_fill(c, end - lh_now_ms());
	}
}

struct ev_match {
	const char *event;
	int64_t ask; /* 0: any */
};

static bool match_event(const struct msg *m, const void *arg)
{
	const struct ev_match *w = arg;
	const char *ev = jstr(m->o, "event");
	int64_t n;

	if (!ev || strcmp(ev, w->event))
		return false;
	return w->ask == 0 || (lh_jint(m->o, "ask", &n) && n == w->ask);
}

static bool match_reply(const struct msg *m, const void *arg)
{
	const int64_t *id = arg;
	int64_t n;

	if (!m->o || jhas(m->o, "event") || !jhas(m->o, "ok"))
		return false;
	if (*id < 0)
		return !jhas(m->o, "id");
	return lh_jint(m->o, "id", &n) && n == *id;
}

static bool match_any(const struct msg *m, const void *arg)
{
	(void)m;
	(void)arg;
	return true;
}

/* The next event of this kind (and ask number, if not 0), or NULL. */
static struct json_object *event(struct fixture *st, struct client *c, const char *name,
				 int64_t ask, long timeout_ms)
{
	struct ev_match w = {name, ask};

	return take(st, c, match_event, &w, timeout_ms, NULL);
}

static struct json_object *expect_event(struct fixture *st, struct client *c, const char *name,
					int64_t ask, long timeout_ms)
{
	struct json_object *o = event(st, c, name, ask, timeout_ms);

	if (!o)
		fail_msg("no \"%s\" event (ask %lld) within %ld ms", name, (long long)ask,
			 timeout_ms);
	return o;
}

/* The reply to request id (-1: a reply without an id), or fail. */
static struct json_object *expect_reply(struct fixture *st, struct client *c, int64_t id)
{
	struct json_object *o = take(st, c, match_reply, &id, REPLY_TIMEOUT_MS, NULL);

	if (!o)
		fail_msg("no reply to request %lld within %d ms%s", (long long)id, REPLY_TIMEOUT_MS,
			 c->eof ? " (connection closed)" : "");
	return o;
}

static struct json_object *request(struct fixture *st, struct client *c, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Send {"id":N, FIELDS} and return its reply. */
static struct json_object *request(struct fixture *st, struct client *c, const char *fmt, ...)
{
	va_list ap;
	char *fields = NULL;
	long id = ++c->next_id;

	va_start(ap, fmt);
	assert_true(vasprintf(&fields, fmt, ap) >= 0);
	va_end(ap);
	send_line(c, "{\"id\":%ld,%s}", id, fields);
	free(fields);
	return expect_reply(st, c, id);
}

/* Answer ask n with FIELDS ("\"decision\":\"allow\"", ...): the reply. */
static struct json_object *answer(struct fixture *st, struct client *c, int64_t n,
				  const char *fields)
{
	return request(st, c, "\"op\":\"answer\",\"ask\":%lld,%s", (long long)n, fields);
}

static void assert_ok_impl(struct json_object *o, const char *file, int line)
{
	if (!jok(o)) {
		print_error("reply not ok: %s\n", o ? json_object_to_json_string(o) : "(null)");
		_fail(file, line);
	}
}

#define assert_ok(o) assert_ok_impl((o), __FILE__, __LINE__)

static void assert_error_impl(struct json_object *o, const char *why, const char *file, int line)
{
	if (!o || !jhas(o, "ok") || jok(o) || !*jstr(o, "error") ||
	    (why && !strstr(jstr(o, "error"), why))) {
		print_error("not an error reply%s%s: %s\n", why ? " saying " : "", why ? why : "",
			    o ? json_object_to_json_string(o) : "(null)");
		_fail(file, line);
	}
}

#define assert_error(o, why) assert_error_impl((o), (why), __FILE__, __LINE__)

/* Connect, hello and subscribe: a prompt is attached from here on. */
static struct client *attach(struct fixture *st, pid_t sg_pid)
{
	struct client *c = client_connect(st, sg_pid);

	assert_ok(request(st, c, "\"op\":\"hello\""));
	assert_ok(request(st, c, "\"op\":\"subscribe\""));
	return c;
}

/* The number of pending calls, by "list". */
static size_t pending(struct fixture *st, struct client *c)
{
	struct json_object *r = request(st, c, "\"op\":\"list\""), *a;

	assert_ok(r);
	assert_true(json_object_object_get_ex(r, "pending", &a));
	assert_true(json_object_is_type(a, json_type_array));
	return json_object_array_length(a);
}

/* No event of this kind comes before EOF or within ms. */
static void assert_no_event(struct fixture *st, struct client *c, const char *name, long ms)
{
	struct json_object *o = event(st, c, name, 0, ms);

	if (o)
		fail_msg("unexpected event: %s", json_object_to_json_string(o));
}

/* Read until sysgate closes the connection (it does when it exits). */
static void drain_to_eof(struct client *c, long timeout_ms)
{
	long end = lh_now_ms() + timeout_ms;

	while (!c->eof && lh_now_ms() < end)
		client_fill(c, end - lh_now_ms());
	assert_true(c->eof);
}

/* ---- setup and teardown ---- */

static int setup(void **state)
{
	struct fixture *st = calloc(1, sizeof(*st));

	if (!st)
		return -1;
	if (lh_init(&st->h, "/tmp/sg-ask.XXXXXX", LH_SPAWN_SHELL | LH_SPAWN_KEEP_LOG) < 0) {
		lh_fini(&st->h);
		free(st);
		return -1;
	}
	st->ask_rule = ASK_RULE;
	*state = st;
	if (chmod(st->h.dir, 0755) < 0 || mkdir(lh_tp(&st->h, "%s/q", st->h.dir), 0755) < 0 ||
	    mkdir(lh_tp(&st->h, "%s/free", st->h.dir), 0755) < 0)
		return -1;
	return 0;
}

static void tmux_kill_server(struct fixture *st);

static int teardown(void **state)
{
	struct fixture *st = *state;
	char go[PATH_MAX + 16];

	/* Let waiting targets end, ask sysgate to end, then make sure. */
	for (int i = 0; i < 3; i++) {
		snprintf(go, sizeof(go), "%s/%s", st->h.dir,
			 i == 0	  ? "go"
			 : i == 1 ? "go2"
				  : "go3");
		close(open(go, O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
	}
	for (size_t i = 0; i < st->n_clients; i++)
		client_free(st->clients[i]);
	for (size_t i = 0; i < st->h.n_pids; i++)
		if (st->h.pids[i] > 0) {
			long end = lh_now_ms() + 3000;

			kill(st->h.pids[i], SIGTERM);
			while (waitpid(st->h.pids[i], NULL, WNOHANG) == 0 && lh_now_ms() < end)
				usleep(5000);
			kill(st->h.pids[i], SIGKILL);
			waitpid(st->h.pids[i], NULL, 0);
		}
	/* A sysgate started in tmux that has not ended (no status written by
	 * its shell, so the pid is still its own). */
	snprintf(go, sizeof(go), "%s/sg.status", st->h.dir);
	if (st->tmux[0] && st->sg > 0 && access(go, F_OK) < 0)
		kill(st->sg, SIGTERM);
	tmux_kill_server(st);
	lh_fini(&st->h);
	for (size_t i = 0; i < st->n_objs; i++)
		json_object_put(st->objs[i]);
	free(st->objs);
	free(st);
	return 0;
}

/* ---- the ask event ---- */

/* The ask event of a call, checked for what every ask event must carry. */
static struct json_object *expect_ask(struct fixture *st, struct client *c, const char *path)
{
	struct json_object *o = expect_event(st, c, "ask", 0, WAIT_MS);

	assert_true(jnum(o, "ask") > 0);
	if (path)
		assert_string_equal(jstr(o, "path"), path);
	assert_string_equal(jstr(o, "rule"), st->ask_rule);
	return o;
}

/* ---- no prompt, complain ---- */

static void test_noprompt_ask_default_at_once(void **state)
{
	struct fixture *st = *state;
	const char *a = lh_tp(&st->h, "%s/q/a", st->h.dir);
	long t0;

	write_policy(st, "ask_unattached = default\n");
	/* A client that only says hello is not a prompt: nothing is attached. */
	start(st, "mkdir", a, NULL);
	assert_ok(request(st, client_connect(st, st->sg), "\"op\":\"hello\""));
	t0 = lh_now_ms();
	go(st);
	assert_exit(st, finish(st), 0);
	/* ask_timeout is 30 s: the answer came at once, not after it. */
	assert_true(lh_now_ms() - t0 < 10000);
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s = -1 EPERM", a));
	assert_false(lh_exists(a));
	assert_contains(st->h.log, lh_tp(&st->h,
					 "mkdir(\"%s\", 0755) = -1 EPERM [ask " ASK_RULE
					 " -> deny (no-prompt)]",
					 a));
	assert_int_equal(lh_count_lines_with(st->h.log, "[ask "), 1);
}

static void test_noprompt_ask_default_allow_without_socket_client(void **state)
{
	struct fixture *st = *state;
	const char *a = lh_tp(&st->h, "%s/q/a", st->h.dir);

	write_policy(st, "ask_default = allow\nask_unattached = default\n");
	assert_exit(st, sg(st, "mkdir", a, NULL), 0);
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s = 0", a));
	assert_true(lh_exists(a));
	assert_contains(
		st->h.log,
		lh_tp(&st->h, "mkdir(\"%s\", 0755) = 0 [ask " ASK_RULE " -> allow (no-prompt)", a));
}

/* Issue 10: with no prompt attached, an ask waits ask_timeout for one (run
 * says once how to attach), and a prompt that attaches late answers it. */
static void test_noprompt_ask_waits_for_a_prompt_to_attach(void **state)
{
	struct fixture *st = *state;
	const char *a = lh_tp(&st->h, "%s/q/a", st->h.dir);
	struct json_object *ev;
	struct client *c;

	write_policy(st, "");
	start(st, "mkdir", a, NULL);
	go(st);
	/* the notice is the positive signal that the call is waiting */
	for (long t0 = lh_now_ms(); lh_now_ms() - t0 < WAIT_MS;) {
		lh_collect(&st->h);
		if (strstr(st->h.err, "a call waits for an answer: attach with `sysgate prompt "))
			break;
		usleep(20000);
	}
	assert_contains(st->h.err, lh_tp(&st->h, "attach with `sysgate prompt %d`", (int)st->sg));
	c = attach(st, st->sg); /* late: the waiting call comes as an event */
	ev = expect_ask(st, c, a);
	assert_ok(answer(st, c, jnum(ev, "ask"), "\"decision\":\"allow\""));
	assert_exit(st, finish(st), 0);
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s = 0", a));
	assert_true(lh_exists(a));
	assert_int_equal(lh_count_lines_with(st->h.err, "a call waits for an answer"), 1);
}

static void test_complain_allowed_without_waiting(void **state)
{
	struct fixture *st = *state;
	const char *a = lh_tp(&st->h, "%s/q/a", st->h.dir);
	struct client *c;
	struct json_object *hello;
	long t0;

	write_policy(st, "mode = complain\n");
	start(st, "mkdir", a, NULL);
	c = client_connect(st, st->sg);
	hello = request(st, c, "\"op\":\"hello\"");
	assert_ok(hello);
	assert_string_equal(jstr(hello, "mode"), "complain");
	assert_ok(request(st, c, "\"op\":\"subscribe\""));
	t0 = lh_now_ms();
	go(st);
	assert_exit(st, finish(st), 0);
	assert_true(lh_now_ms() - t0 < 10000);
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s = 0", a));
	assert_true(lh_exists(a));
	assert_contains(
		st->h.log,
		lh_tp(&st->h, "mkdir(\"%s\", 0755) = 0 [ask " ASK_RULE " -> allow (complain)", a));
	/* Attached, yet nobody was asked. */
	assert_no_event(st, c, "ask", 1000);
}

/* ---- answers ---- */

/*
 * Answers never widen (issue 10, failure 4). In a path family, ask = *
 * still resolves and shows the path, and a remembered answer is narrowed to
 * it; where a call has no path and the ask rule no condition, a remembered
 * answer would decide every call of the section: only 'any' says so.
 */
static void test_answer_never_widens(void **state)
{
	struct fixture *st = *state;
	const char *q = lh_tp(&st->h, "%s/q", st->h.dir);
	struct json_object *ev, *r;
	struct client *c;

	assert_true(mkdir(q, 0755) == 0 || errno == EEXIST);
	lh_write_file(lh_tp(&st->h, "%s/policy.ini", st->h.dir),
		      "[sysgate]\nask_timeout = 30s\n[chdir]\nask = *\n[reboot]\nask = *\n", 0644);
	st->ask_rule = "policy.ini:4";
	/* reboot, not ptrace: LeakSanitizer's tracer calls ptrace at exit */
	start(st, "chdir", q, ":", "reboot", NULL);
	c = attach(st, st->sg);
	go(st);
	ev = expect_event(st, c, "ask", 0, WAIT_MS);
	assert_string_equal(jstr(ev, "syscall"), "chdir");
	assert_string_equal(jstr(ev, "path"), q); /* resolved for an ask = * */
	assert_error(answer(st, c, jnum(ev, "ask"),
			    "\"decision\":\"allow\",\"scope\":\"run\",\"cover\":\"glob\","
			    "\"glob\":\"/elsewhere/**\""),
		     "does not match");
	r = answer(st, c, jnum(ev, "ask"), "\"decision\":\"allow\",\"scope\":\"run\"");
	assert_ok(r);
	assert_string_equal(jstr(r, "covers"), lh_tp(&st->h, "allow = path ~ %s", q));

	ev = expect_event(st, c, "ask", 0, WAIT_MS);
	assert_string_equal(jstr(ev, "syscall"), "reboot");
	assert_error(answer(st, c, jnum(ev, "ask"), "\"decision\":\"deny\",\"scope\":\"run\""),
		     "would cover every call");
	assert_error(answer(st, c, jnum(ev, "ask"),
			    "\"decision\":\"deny\",\"scope\":\"run\",\"cover\":\"dir\""),
		     "has no path");
	r = answer(st, c, jnum(ev, "ask"),
		   "\"decision\":\"deny\",\"scope\":\"run\",\"cover\":\"any\"");
	assert_ok(r);
	assert_string_equal(jstr(r, "covers"), "deny = EPERM *");
	assert_exit(st, finish(st), 0);
	lh_assert_line(st->h.out, lh_tp(&st->h, "chdir %s = 0", q));
	lh_assert_line(st->h.out, "reboot = -1 EPERM");
}

/* An always answer to an ask rule of an included file is refused: the
 * write-back edits the policy's own file, where that line is another rule
 * (the hostile review wrote an allow into [chmod] that way). */
static void test_answer_always_refused_for_an_included_rule(void **state)
{
	struct fixture *st = *state;
	const char *a = lh_tp(&st->h, "%s/q/a", st->h.dir);
	struct json_object *ev;
	struct client *c;
	char *before, *after;

	lh_write_file(lh_tp(&st->h, "%s/inc.ini", st->h.dir),
		      lh_tp(&st->h, "[mkdir]\nask = path ~ %s/q/**\nallow = *\n", st->h.dir), 0644);
	lh_write_file(lh_tp(&st->h, "%s/policy.ini", st->h.dir),
		      "[sysgate]\nask_timeout = 30s\ninclude = inc.ini\n[chmod]\nallow = *\n",
		      0644);
	before = lh_slurp(lh_tp(&st->h, "%s/policy.ini", st->h.dir));
	st->ask_rule = lh_tp(&st->h, "%s/inc.ini:2", st->h.dir);
	start(st, "mkdir", a, NULL);
	c = attach(st, st->sg);
	go(st);
	ev = expect_event(st, c, "ask", 0, WAIT_MS);
	assert_error(answer(st, c, jnum(ev, "ask"),
			    "\"decision\":\"allow\",\"scope\":\"always\",\"cover\":\"dir\""),
		     "included file");
	assert_ok(answer(st, c, jnum(ev, "ask"), "\"decision\":\"allow\",\"scope\":\"run\""));
	assert_exit(st, finish(st), 0);
	after = lh_slurp(lh_tp(&st->h, "%s/policy.ini", st->h.dir));
	assert_string_equal(before, after);
	free(before);
	free(after);
}

static void test_answer_event_fields_and_allow_once(void **state)
{
	struct fixture *st = *state;
	const char *a = lh_tp(&st->h, "%s/q/a", st->h.dir),
		   *go_path = lh_tp(&st->h, "%s/go", st->h.dir);
	struct json_object *hello, *ev, *argv, *r, *res;
	struct client *c;
	int64_t n, left, waited;
	pid_t pid;

	write_policy(st, "");
	start(st, "pid", ":", "mkdir", a, NULL);
	c = client_connect(st, st->sg);
	hello = request(st, c, "\"op\":\"hello\"");
	assert_ok(hello);
	assert_int_equal(jnum(hello, "pid"), st->sg);
	assert_string_equal(jstr(hello, "policy"), "policy.ini");
	assert_string_equal(jstr(hello, "mode"), "enforce");
	assert_int_equal(jnum(hello, "ask_timeout_ms"), 30000);
	assert_string_equal(jstr(hello, "ask_default"), "deny EPERM");
	assert_true(*jstr(hello, "sysgate"));
	assert_ok(request(st, c, "\"op\":\"subscribe\""));
	go(st);

	ev = expect_ask(st, c, a);
	assert_true(lh_wait_output(&st->h, "pid ", WAIT_MS));
	pid = lh_target_pid(st->h.out);
	assert_true(pid > 0);
	n = jnum(ev, "ask");
	assert_int_equal(jnum(ev, "pid"), pid);
	assert_int_equal(jnum(ev, "tgid"), pid);
	assert_int_equal(jnum(ev, "ppid"), st->sg);
	assert_string_equal(jstr(ev, "exe"), g_target_real);
	assert_string_equal(jstr(ev, "parent_exe"), g_sysgate_real);
	assert_string_equal(jstr(ev, "syscall"), "mkdir");
	assert_string_equal(jstr(ev, "arch"), "x86_64");
	assert_string_equal(jstr(ev, "section"), "mkdir");
	assert_string_equal(jstr(ev, "call"), lh_tp(&st->h, "mkdir(\"%s\", 0755)", a));
	assert_true(json_object_object_get_ex(ev, "cmdline", &argv));
	assert_true(json_object_is_type(argv, json_type_array));
	{
		/* As sysgate was given it: start() puts wait-file first. */
		const char *want[] = {g_target, "wait-file", go_path, ":", "pid", ":", "mkdir", a};

		assert_int_equal(json_object_array_length(argv), 8);
		for (size_t i = 0; i < 8; i++)
			assert_string_equal(
				json_object_get_string(json_object_array_get_idx(argv, i)),
				want[i]);
	}
	left = jnum(ev, "left_ms");
	waited = jnum(ev, "waited_ms");
	assert_true(left > 20000 && left <= 30000);
	assert_true(waited >= 0 && waited < 10000);
	/* The call waits: the target has not returned from it. */
	usleep(200 * 1000);
	lh_collect(&st->h);
	assert_int_equal(lh_count_lines_with(st->h.out, "mkdir "), 0);
	assert_int_equal(pending(st, c), 1);

	r = answer(st, c, n, "\"decision\":\"allow\"");
	assert_ok(r);
	res = expect_event(st, c, "resolved", n, WAIT_MS);
	assert_string_equal(jstr(res, "decision"), "allow");
	assert_string_equal(jstr(res, "by"), "answer");
	assert_false(jhas(res, "errno"));
	assert_exit(st, finish(st), 0);
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s = 0", a));
	assert_true(lh_exists(a));
	assert_contains(st->h.log, lh_tp(&st->h,
					 "mkdir(\"%s\", 0755) = 0 [ask " ASK_RULE
					 " -> allow (answer), emulated]",
					 a));
}

static void test_answer_deny_errno_eacces(void **state)
{
	struct fixture *st = *state;
	const char *a = lh_tp(&st->h, "%s/q/a", st->h.dir);
	struct json_object *res;
	struct client *c;
	int64_t n;

	write_policy(st, "");
	start(st, "mkdir", a, NULL);
	c = attach(st, st->sg);
	go(st);
	n = jnum(expect_ask(st, c, a), "ask");
	assert_ok(answer(st, c, n, "\"decision\":\"deny\",\"errno\":\"EACCES\""));
	res = expect_event(st, c, "resolved", n, WAIT_MS);
	assert_string_equal(jstr(res, "decision"), "deny");
	assert_string_equal(jstr(res, "errno"), "EACCES");
	assert_string_equal(jstr(res, "by"), "answer");
	assert_exit(st, finish(st), 0);
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s = -1 EACCES", a));
	assert_false(lh_exists(a));
	assert_contains(st->h.log,
			lh_tp(&st->h,
			      "mkdir(\"%s\", 0755) = -1 EACCES [ask " ASK_RULE " -> deny (answer)]",
			      a));
}

static void test_answer_deny_errno_number(void **state)
{
	struct fixture *st = *state;
	const char *a = lh_tp(&st->h, "%s/q/a", st->h.dir);
	struct client *c;
	int64_t n;

	write_policy(st, "");
	start(st, "mkdir", a, NULL);
	c = attach(st, st->sg);
	go(st);
	n = jnum(expect_ask(st, c, a), "ask");
	assert_ok(answer(st, c, n, "\"decision\":\"deny\",\"errno\":28"));
	assert_exit(st, finish(st), 0);
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s = -1 ENOSPC", a));
	assert_false(lh_exists(a));
}

static void test_answer_kill_target_dies_137(void **state)
{
	struct fixture *st = *state;
	const char *a = lh_tp(&st->h, "%s/q/a", st->h.dir),
		   *b = lh_tp(&st->h, "%s/free/b", st->h.dir);
	struct client *c;
	int64_t n;

	write_policy(st, "");
	start(st, "mkdir", a, ":", "mkdir", b, NULL);
	c = attach(st, st->sg);
	go(st);
	n = jnum(expect_ask(st, c, a), "ask");
	assert_ok(answer(st, c, n, "\"decision\":\"kill\""));
	assert_string_equal(jstr(expect_event(st, c, "resolved", n, WAIT_MS), "decision"), "kill");
	assert_exit(st, finish(st), 137);
	/* It never returned from the call, and made no other. */
	assert_int_equal(lh_count_lines_with(st->h.out, "mkdir "), 0);
	assert_false(lh_exists(a));
	assert_false(lh_exists(b));
	assert_contains(st->h.log, lh_tp(&st->h, "mkdir(\"%s\", 0755)", a));
	assert_contains(st->h.log, "[ask " ASK_RULE " -> kill (answer)]");
}

/* ---- timeout ---- */

/* ask_timeout 1s and nobody answers: ask_default, and resolved by=timeout. */
static void timeout_case(struct fixture *st, const char *settings, const char *want_default,
			 const char *want_decision, const char *want_errno, const char *want_out,
			 const char *want_log)
{
	const char *a = lh_tp(&st->h, "%s/q/a", st->h.dir);
	struct json_object *hello, *res;
	struct client *c;
	int64_t n;
	long t0, waited;

	write_policy(st, settings);
	/* The target stays until go2, so sysgate is there for the late answer. */
	start(st, "mkdir", a, ":", "wait-file", lh_tp(&st->h, "%s/go2", st->h.dir), NULL);
	c = client_connect(st, st->sg);
	hello = request(st, c, "\"op\":\"hello\"");
	assert_int_equal(jnum(hello, "ask_timeout_ms"), 1000);
	assert_string_equal(jstr(hello, "ask_default"), want_default);
	assert_ok(request(st, c, "\"op\":\"subscribe\""));
	/* From before the call to after its end: at least ask_timeout. */
	t0 = lh_now_ms();
	go(st);
	n = jnum(expect_ask(st, c, a), "ask");
	res = expect_event(st, c, "resolved", n, 6000);
	waited = lh_now_ms() - t0;
	assert_string_equal(jstr(res, "by"), "timeout");
	assert_string_equal(jstr(res, "decision"), want_decision);
	if (want_errno)
		assert_string_equal(jstr(res, "errno"), want_errno);
	else
		assert_false(jhas(res, "errno"));
	assert_true(waited >= 990 && waited < 6000);
	/* Too late: the call is no longer waiting. */
	assert_error(answer(st, c, n, "\"decision\":\"allow\""), "no such call");
	go_file(st, "go2");
	assert_exit(st, finish(st), 0);
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s = %s", a, want_out));
	assert_int_equal(lh_exists(a), !strcmp(want_out, "0"));
	assert_contains(st->h.log, lh_tp(&st->h, "mkdir(\"%s\", 0755) = %s [ask " ASK_RULE " -> %s",
					 a, want_out, want_log));
}

static void test_timeout_default_deny_eperm(void **state)
{
	timeout_case(*state, "ask_timeout = 1s\n", "deny EPERM", "deny", "EPERM", "-1 EPERM",
		     "deny (timeout)]");
}

static void test_timeout_default_allow(void **state)
{
	timeout_case(*state, "ask_timeout = 1s\nask_default = allow\n", "allow", "allow", NULL, "0",
		     "allow (timeout), emulated]");
}

static void test_timeout_default_deny_erofs(void **state)
{
	timeout_case(*state, "ask_timeout = 1s\nask_default = deny EROFS\n", "deny EROFS", "deny",
		     "EROFS", "-1 EROFS", "deny (timeout)]");
}

/* ---- remembered answers ---- */

static void test_scope_process_remembered_not_for_other_process(void **state)
{
	struct fixture *st = *state;
	const char *a = lh_tp(&st->h, "%s/q/a", st->h.dir);
	struct json_object *r, *ev2;
	struct client *c;
	int64_t n, pid1;

	write_policy(st, "");
	start(st, "mkdir", a, ":", "mkdir", a, ":", "fork", a, NULL);
	c = attach(st, st->sg);
	go(st);
	r = expect_ask(st, c, a);
	n = jnum(r, "ask");
	pid1 = jnum(r, "pid");
	r = answer(st, c, n, "\"decision\":\"deny\",\"errno\":\"EACCES\",\"scope\":\"process\"");
	assert_ok(r);
	assert_string_equal(jstr(r, "covers"), lh_tp(&st->h, "deny = EACCES path ~ %s", a));
	/* The same process again: remembered. A child (another process) with
	 * the same call: asked anew. */
	ev2 = expect_ask(st, c, a);
	assert_int_not_equal(jnum(ev2, "ask"), n);
	assert_int_not_equal(jnum(ev2, "pid"), pid1);
	assert_int_equal(jnum(ev2, "ppid"), pid1);
	assert_ok(answer(st, c, jnum(ev2, "ask"), "\"decision\":\"allow\""));
	assert_exit(st, finish(st), 0);
	assert_int_equal(lh_count_lines_with(st->h.out, lh_tp(&st->h, "mkdir %s = -1 EACCES", a)),
			 2);
	lh_assert_line(st->h.out, lh_tp(&st->h, "child mkdir %s = 0", a));
	assert_true(lh_exists(a));
	assert_contains(st->h.log, "-> deny (answer)]");
	assert_contains(st->h.log, lh_tp(&st->h,
					 "mkdir(\"%s\", 0755) = -1 EACCES [ask " ASK_RULE
					 " -> deny (remembered)]",
					 a));
	assert_contains(st->h.log, "-> allow (answer), emulated]");
	/* Exactly two asks were announced. */
	assert_no_event(st, c, "ask", 200);
}

static void test_scope_run_remembered_for_other_process(void **state)
{
	struct fixture *st = *state;
	const char *a = lh_tp(&st->h, "%s/q/a", st->h.dir);
	struct json_object *r, *rem, *pol;
	struct client *c;
	int64_t n;

	write_policy(st, "");
	start(st, "mkdir", a, ":", "mkdir", a, ":", "fork", a, ":", "wait-file",
	      lh_tp(&st->h, "%s/go2", st->h.dir), NULL);
	c = attach(st, st->sg);
	go(st);
	n = jnum(expect_ask(st, c, a), "ask");
	r = answer(st, c, n, "\"decision\":\"deny\",\"errno\":\"EACCES\",\"scope\":\"run\"");
	assert_ok(r);
	assert_string_equal(jstr(r, "covers"), lh_tp(&st->h, "deny = EACCES path ~ %s", a));
	pol = request(st, c, "\"op\":\"policy\"");
	assert_ok(pol);
	assert_string_equal(jstr(pol, "file"), "policy.ini");
	assert_non_null(strstr(jstr(pol, "text"), "ask = path ~ "));
	assert_true(json_object_object_get_ex(pol, "remembered", &rem));
	assert_int_equal(json_object_array_length(rem), 1);
	assert_string_equal(jstr(json_object_array_get_idx(rem, 0), "scope"), "run");
	assert_string_equal(jstr(json_object_array_get_idx(rem, 0), "rule"),
			    lh_tp(&st->h, "deny = EACCES path ~ %s", a));
	go_file(st, "go2");
	assert_exit(st, finish(st), 0);
	/* Twice from the process, once from its child. */
	assert_int_equal(lh_count_lines_with(st->h.out, lh_tp(&st->h, "mkdir %s = -1 EACCES", a)),
			 3);
	lh_assert_line(st->h.out, lh_tp(&st->h, "child mkdir %s = -1 EACCES", a));
	assert_false(lh_exists(a));
	assert_int_equal(lh_count_lines_with(st->h.log, "-> deny (remembered)]"), 2);
	/* Nobody was asked about the second call or the child's. */
	assert_no_event(st, c, "ask", 200);
}

/* An answer for the run settles the calls already waiting that it covers. */
static void test_scope_run_settles_other_pending_calls(void **state)
{
	struct fixture *st = *state;
	const char *prefix = lh_tp(&st->h, "%s/q/m", st->h.dir);
	struct json_object *e1, *e2, *res;
	struct client *c;

	write_policy(st, "");
	start(st, "spawn-mkdirs", "2", prefix, ":", "wait-children", ":", "wait-file",
	      lh_tp(&st->h, "%s/go2", st->h.dir), NULL);
	c = attach(st, st->sg);
	go(st);
	e1 = expect_event(st, c, "ask", 0, WAIT_MS);
	e2 = expect_event(st, c, "ask", 0, WAIT_MS);
	assert_int_equal(pending(st, c), 2);
	assert_ok(answer(st, c, jnum(e1, "ask"),
			 "\"decision\":\"deny\",\"errno\":\"EROFS\",\"scope\":\"run\","
			 "\"cover\":\"dir\""));
	res = expect_event(st, c, "resolved", jnum(e2, "ask"), WAIT_MS);
	assert_string_equal(jstr(res, "by"), "remembered");
	assert_string_equal(jstr(res, "decision"), "deny");
	assert_string_equal(jstr(res, "errno"), "EROFS");
	assert_int_equal(pending(st, c), 0);
	go_file(st, "go2");
	assert_exit(st, finish(st), 0);
	lh_assert_line(st->h.out, lh_tp(&st->h, "child mkdir %s = -1 EROFS", jstr(e1, "path")));
	lh_assert_line(st->h.out, lh_tp(&st->h, "child mkdir %s = -1 EROFS", jstr(e2, "path")));
	assert_contains(st->h.log, lh_tp(&st->h,
					 "mkdir(\"%s\", 0755) = -1 EROFS [ask " ASK_RULE
					 " -> deny (remembered)]",
					 jstr(e2, "path")));
}

static void test_cover_dir_covers_sibling(void **state)
{
	struct fixture *st = *state;
	const char *a = lh_tp(&st->h, "%s/q/a", st->h.dir), *b = lh_tp(&st->h, "%s/q/b", st->h.dir);
	const char *deep = lh_tp(&st->h, "%s/q/a/x", st->h.dir);
	struct json_object *r;
	struct client *c;
	int64_t n;

	write_policy(st, "");
	start(st, "mkdir", a, ":", "mkdir", b, ":", "mkdir", deep, NULL);
	c = attach(st, st->sg);
	go(st);
	n = jnum(expect_ask(st, c, a), "ask");
	r = answer(st, c, n, "\"decision\":\"allow\",\"scope\":\"run\",\"cover\":\"dir\"");
	assert_ok(r);
	assert_string_equal(jstr(r, "covers"), lh_tp(&st->h, "allow = path ~ %s/q/**", st->h.dir));
	assert_exit(st, finish(st), 0);
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s = 0", a));
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s = 0", b));
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s = 0", deep));
	assert_true(lh_exists(b) && lh_exists(deep));
	assert_contains(st->h.log, lh_tp(&st->h,
					 "mkdir(\"%s\", 0755) = 0 [ask " ASK_RULE
					 " -> allow (remembered), emulated]",
					 b));
	assert_int_equal(lh_count_lines_with(st->h.log, "(remembered)"), 2);
	assert_no_event(st, c, "ask", 200);
}

static void test_cover_glob_must_match_the_path(void **state)
{
	struct fixture *st = *state;
	const char *a = lh_tp(&st->h, "%s/q/a", st->h.dir),
		   *ab = lh_tp(&st->h, "%s/q/ab", st->h.dir);
	const char *b = lh_tp(&st->h, "%s/q/b", st->h.dir);
	struct json_object *r, *rem, *pol;
	struct client *c;
	int64_t n, n2;

	write_policy(st, "");
	start(st, "mkdir", a, ":", "mkdir", ab, ":", "mkdir", b, NULL);
	c = attach(st, st->sg);
	go(st);
	n = jnum(expect_ask(st, c, a), "ask");
	assert_error(answer(st, c, n,
			    "\"decision\":\"allow\",\"scope\":\"run\",\"cover\":\"glob\","
			    "\"glob\":\"/elsewhere/**\""),
		     "does not match");
	assert_error(answer(st, c, n,
			    "\"decision\":\"allow\",\"scope\":\"run\",\"cover\":\"glob\","
			    "\"glob\":\"q/**\""),
		     NULL);
	assert_error(answer(st, c, n,
			    "\"decision\":\"allow\",\"scope\":\"run\",\"cover\":\"glob\","
			    "\"glob\":\"/tmp/[z-a]\""),
		     NULL);
	assert_error(
		answer(st, c, n, "\"decision\":\"allow\",\"scope\":\"run\",\"cover\":\"glob\""),
		NULL);
	/* Nothing changed: still pending, nothing remembered. */
	assert_int_equal(pending(st, c), 1);
	pol = request(st, c, "\"op\":\"policy\"");
	assert_true(json_object_object_get_ex(pol, "remembered", &rem));
	assert_int_equal(json_object_array_length(rem), 0);
	lh_collect(&st->h);
	assert_int_equal(lh_count_lines_with(st->h.out, "mkdir "), 0);

	r = answer(st, c, n,
		   lh_tp(&st->h,
			 "\"decision\":\"allow\",\"scope\":\"run\",\"cover\":\"glob\","
			 "\"glob\":\"%s/q/a*\"",
			 st->h.dir));
	assert_ok(r);
	assert_string_equal(jstr(r, "covers"), lh_tp(&st->h, "allow = path ~ %s/q/a*", st->h.dir));
	/* ab is covered; b is not, and is asked. */
	n2 = jnum(expect_ask(st, c, b), "ask");
	assert_ok(answer(st, c, n2, "\"decision\":\"deny\""));
	assert_exit(st, finish(st), 0);
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s = 0", a));
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s = 0", ab));
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s = -1 EPERM", b));
	assert_contains(st->h.log, lh_tp(&st->h,
					 "mkdir(\"%s\", 0755) = 0 [ask " ASK_RULE
					 " -> allow (remembered), emulated]",
					 ab));
}

static void test_scope_always_writes_policy_and_next_run_asks_nothing(void **state)
{
	struct fixture *st = *state;
	const char *a = lh_tp(&st->h, "%s/q/a", st->h.dir), *b = lh_tp(&st->h, "%s/q/b", st->h.dir);
	const char *policy = lh_tp(&st->h, "%s/policy.ini", st->h.dir);
	struct json_object *r;
	struct client *c;
	char *text, *l2, *l3, *l4;
	int64_t n;
	int y, mo, d, h, mi, s;
	char z;

	write_policy(st, "");
	start(st, "mkdir", a, NULL);
	c = attach(st, st->sg);
	go(st);
	n = jnum(expect_ask(st, c, a), "ask");
	r = answer(st, c, n, "\"decision\":\"allow\",\"scope\":\"always\"");
	assert_ok(r);
	assert_string_equal(jstr(r, "covers"), lh_tp(&st->h, "allow = path ~ %s", a));
	/* Two lines above the ask rule (line 2): the comment, then the rule. */
	assert_string_equal(jstr(r, "written"), "policy.ini:3");
	assert_exit(st, finish(st), 0);
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s = 0", a));

	text = lh_slurp(policy);
	assert_non_null(text);
	l2 = strchr(text, '\n') + 1;
	l3 = strchr(l2, '\n') + 1;
	l4 = strchr(l3, '\n') + 1;
	assert_memory_equal(text, "[mkdir]\n", 8);
	assert_int_equal(sscanf(l2, "; added by sysgate prompt, %4d-%2d-%2dT%2d:%2d:%2d%c", &y, &mo,
				&d, &h, &mi, &s, &z),
			 7);
	assert_int_equal(z, 'Z');
	assert_memory_equal(l3, lh_tp(&st->h, "allow = path ~ %s\n", a), strlen(a) + 16);
	assert_memory_equal(l4, lh_tp(&st->h, "ask = path ~ %s/q/**\n", st->h.dir),
			    strlen(st->h.dir) + 19);
	/* The rest as it was. */
	assert_non_null(strstr(l4, "\nallow = *\n[sysgate]\nask_timeout = 30s\n"));
	free(text);
	assert_int_equal(cmd(st, g_sysgate, "check", "policy.ini", NULL), 0);
	assert_contains(st->h.out, "policy.ini: ok");

	/* A second run, with a prompt attached: the new rule decides a, and b
	 * (not covered by it) is still asked. */
	assert_int_equal(rmdir(a), 0);
	unlink(lh_tp(&st->h, "%s/go", st->h.dir));
	start(st, "mkdir", a, ":", "mkdir", b, NULL);
	c = attach(st, st->sg);
	go(st);
	st->ask_rule = "policy.ini:4";
	r = expect_ask(st, c, b);
	assert_ok(answer(st, c, jnum(r, "ask"), "\"decision\":\"deny\""));
	assert_exit(st, finish(st), 0);
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s = 0", a));
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s = -1 EPERM", b));
	assert_true(lh_exists(a));
	assert_int_equal(lh_count_lines_with(st->h.log, a), 0);
	assert_int_equal(lh_count_lines_with(st->h.log, "[ask "), 1);
	assert_no_event(st, c, "ask", 200);
}

/* ---- many pending calls ---- */

static void test_pending_many_answered_out_of_order(void **state)
{
	struct fixture *st = *state;
	enum { N = 6 };
	static const char *const errs[N] = {NULL, "EACCES", "EROFS", "ENOSPC", "EDQUOT", "EEXIST"};
	const char *prefix = lh_tp(&st->h, "%s/q/m", st->h.dir),
		   *free_x = lh_tp(&st->h, "%s/free/x", st->h.dir);
	int64_t ask_of[N];
	struct client *c;
	pid_t pids[N];

	write_policy(st, "");
	/* pid flushes what getppid-loop printed. */
	start(st, "spawn-mkdirs", "6", prefix, ":", "mkdir", free_x, ":", "getppid-loop", "100000",
	      ":", "pid", ":", "wait-children", NULL);
	c = attach(st, st->sg);
	go(st);
	for (int i = 0; i < N; i++)
		ask_of[i] = 0;
	for (int k = 0; k < N; k++) {
		struct json_object *ev = expect_event(st, c, "ask", 0, WAIT_MS);
		const char *p = jstr(ev, "path");
		int i;

		assert_non_null(p);
		assert_true(strncmp(p, prefix, strlen(prefix)) == 0 && p[strlen(prefix)] == '.');
		i = atoi(p + strlen(prefix) + 1);
		assert_true(i >= 0 && i < N);
		assert_int_equal(ask_of[i], 0);
		ask_of[i] = jnum(ev, "ask");
		pids[i] = (pid_t)jnum(ev, "pid");
		for (int j = 0; j < i; j++)
			if (ask_of[j])
				assert_int_not_equal(pids[j], pids[i]);
	}
	/* Calls that need no answer did not wait behind those that do. */
	assert_true(lh_wait_output(&st->h, "getppid-loop 100000", WAIT_MS));
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s = 0", free_x));
	assert_int_equal(pending(st, c), N);
	assert_int_equal(lh_count_lines_with(st->h.out, "child mkdir"), 0);

	/* Answer from the newest ask to the oldest, each differently. */
	for (int64_t want = N * 100; want > 0; want--)
		for (int i = 0; i < N; i++) {
			if (ask_of[i] != want)
				continue;
			if (errs[i])
				assert_ok(answer(st, c, ask_of[i],
						 lh_tp(&st->h,
						       "\"decision\":\"deny\",\"errno\":\"%s\"",
						       errs[i])));
			else
				assert_ok(answer(st, c, ask_of[i], "\"decision\":\"allow\""));
		}
	assert_exit(st, finish(st), 0);
	lh_assert_line(st->h.out, "children done 6");
	for (int i = 0; i < N; i++) {
		const char *p = lh_tp(&st->h, "%s.%d", prefix, i);

		lh_assert_line(st->h.out, lh_tp(&st->h, "child mkdir %s = %s%s", p,
						errs[i] ? "-1 " : "0", errs[i] ? errs[i] : ""));
		assert_int_equal(lh_exists(p), errs[i] == NULL);
	}
}

/* ---- a caller that goes away ---- */

static void test_gone_killed_caller_resolved_and_run_goes_on(void **state)
{
	struct fixture *st = *state;
	const char *k = lh_tp(&st->h, "%s/q/k", st->h.dir),
		   *after = lh_tp(&st->h, "%s/q/after", st->h.dir);
	struct json_object *ev, *res;
	struct client *c;
	int64_t n;
	long t0, took;

	write_policy(st, "");
	start(st, "spawn-mkdirs", "1", k, ":", "wait-file", lh_tp(&st->h, "%s/go2", st->h.dir), ":",
	      "mkdir", after, ":", "wait-children", NULL);
	c = attach(st, st->sg);
	go(st);
	ev = expect_ask(st, c, lh_tp(&st->h, "%s.0", k));
	n = jnum(ev, "ask");
	t0 = lh_now_ms();
	assert_int_equal(kill((pid_t)jnum(ev, "pid"), SIGKILL), 0);
	res = expect_event(st, c, "resolved", n, WAIT_MS);
	took = lh_now_ms() - t0;
	assert_string_equal(jstr(res, "by"), "gone");
	assert_true(took < 2500);
	assert_int_equal(pending(st, c), 0);
	assert_error(answer(st, c, n, "\"decision\":\"allow\""), "no such call");

	/* sysgate goes on: the next call is asked and answered. */
	go_file(st, "go2");
	ev = expect_ask(st, c, after);
	assert_ok(answer(st, c, jnum(ev, "ask"), "\"decision\":\"allow\""));
	assert_exit(st, finish(st), 0);
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s = 0", after));
	lh_assert_line(st->h.out, "children done 1");
	assert_int_equal(lh_count_lines_with(st->h.out, "child mkdir"), 0);
	assert_false(lh_exists(lh_tp(&st->h, "%s.0", k)));
}

/* control-protocol.md: "Every ask ends in one record", gone included. */
static void test_gone_logged_in_one_record(void **state)
{
	struct fixture *st = *state;
	const char *k = lh_tp(&st->h, "%s/q/k", st->h.dir);
	struct json_object *ev;
	struct client *c;
	int64_t n;

	write_policy(st, "");
	start(st, "spawn-mkdirs", "1", k, ":", "wait-children", ":", "wait-file",
	      lh_tp(&st->h, "%s/go2", st->h.dir), NULL);
	c = attach(st, st->sg);
	go(st);
	ev = expect_ask(st, c, lh_tp(&st->h, "%s.0", k));
	n = jnum(ev, "ask");
	assert_int_equal(kill((pid_t)jnum(ev, "pid"), SIGKILL), 0);
	assert_string_equal(jstr(expect_event(st, c, "resolved", n, WAIT_MS), "by"), "gone");
	go_file(st, "go2");
	assert_exit(st, finish(st), 0);
	assert_int_equal(lh_count_lines_with(st->h.log, lh_tp(&st->h, "mkdir(\"%s.0\", 0755)", k)),
			 1);
	/* It got no decision at all. */
	assert_contains(st->h.log, "[ask " ASK_RULE " -> none (gone)]");
}

/*
 * The command exits while a call of its child waits: sysgate ends the tree
 * and exits. A subscribed client is told that the call no longer waits
 * ("resolved", by shutdown or gone) before the connection closes.
 */
static void test_shutdown_pending_ask_resolved_before_close(void **state)
{
	struct fixture *st = *state;
	const char *k = lh_tp(&st->h, "%s/q/k", st->h.dir);
	struct json_object *res;
	struct client *c;
	int64_t n;

	write_policy(st, "");
	start(st, "spawn-mkdirs", "1", k, ":", "wait-file", lh_tp(&st->h, "%s/go2", st->h.dir),
	      NULL);
	c = attach(st, st->sg);
	go(st);
	n = jnum(expect_ask(st, c, lh_tp(&st->h, "%s.0", k)), "ask");
	go_file(st, "go2");
	assert_exit(st, finish(st), 0);
	res = event(st, c, "resolved", n, WAIT_MS);
	if (!res)
		fail_msg("the connection closed (eof=%d) without a resolved event for ask %lld",
			 c->eof, (long long)n);
	assert_true(!strcmp(jstr(res, "by"), "shutdown") || !strcmp(jstr(res, "by"), "gone"));
	drain_to_eof(c, WAIT_MS);
	assert_false(lh_exists(lh_tp(&st->h, "%s.0", k)));
	/* Every ask ends in one record. */
	assert_int_equal(lh_count_lines_with(st->h.log, lh_tp(&st->h, "mkdir(\"%s.0\", 0755)", k)),
			 1);
	assert_contains(st->h.log, lh_tp(&st->h, "(%s)]", jstr(res, "by")));
}

/* ---- who may connect ---- */

enum {
	PEER_EOF_NO_REPLY = 0,
	PEER_GOT_DATA = 1,
	PEER_TIMEOUT = 2,
	PEER_EACCES = 10,
	PEER_CONNECT_OTHER = 11,
	PEER_SETUP_FAILED = 12,
};

/*
 * In a child: become uid/gid 65534 and connect to path. With dac, keep
 * CAP_DAC_OVERRIDE (and nothing else) across the change, so the directory's
 * 0700 does not stop us and the refusal is sysgate's own SO_PEERCRED check:
 * the peer credentials of a connection are the euid at connect(), 65534.
 */
static int peer_as_nobody(const char *path, bool dac)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[2] = {};
	struct pollfd p;
	char buf[256];
	int fd;

	if (dac && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return PEER_SETUP_FAILED;
	if (setgroups(0, NULL) < 0 || setresgid(NOBODY, NOBODY, NOBODY) < 0 ||
	    setresuid(NOBODY, NOBODY, NOBODY) < 0)
		return PEER_SETUP_FAILED;
	if (dac) {
		d[0].permitted = d[0].effective = 1u << CAP_DAC_OVERRIDE;
		if (syscall(SYS_capset, &h, d) < 0)
			return PEER_SETUP_FAILED;
	}
	fd = connect_path(path);
	if (fd == -EACCES)
		return PEER_EACCES;
	if (fd < 0)
		return PEER_CONNECT_OTHER;
	if (send(fd, "{\"op\":\"hello\"}\n", 15, MSG_NOSIGNAL) < 0 && errno != EPIPE &&
	    errno != ECONNRESET)
		return PEER_SETUP_FAILED;
	p = (struct pollfd){.fd = fd, .events = POLLIN};
	if (poll(&p, 1, 10000) <= 0)
		return PEER_TIMEOUT;
	return recv(fd, buf, sizeof(buf), 0) > 0 ? PEER_GOT_DATA : PEER_EOF_NO_REPLY;
}

static int run_peer(const char *path, bool dac)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(peer_as_nobody(path, dac));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void test_peer_other_uid_refused(void **state)
{
	struct fixture *st = *state;
	const char *a = lh_tp(&st->h, "%s/q/a", st->h.dir), *path;
	struct client *c;
	struct stat sb;
	int64_t n;

	write_policy(st, "");
	start(st, "mkdir", a, NULL);
	c = attach(st, st->sg);
	path = sock_path(st, st->sg);

	/* The directory is root's and private, the socket owner-only. */
	assert_int_equal(lstat("/run/sysgate", &sb), 0);
	assert_true(S_ISDIR(sb.st_mode));
	assert_int_equal(sb.st_uid, 0);
	assert_int_equal(sb.st_mode & 077, 0);
	assert_int_equal(lstat(path, &sb), 0);
	assert_true(S_ISSOCK(sb.st_mode));
	assert_int_equal(sb.st_uid, 0);
	assert_int_equal(sb.st_mode & 077, 0);

	/* Plain uid 65534 cannot even reach the socket. */
	assert_int_equal(run_peer(path, false), PEER_EACCES);
	/* uid 65534 with CAP_DAC_OVERRIDE reaches it and is refused by
	 * SO_PEERCRED: closed without a reply. */
	assert_int_equal(run_peer(path, true), PEER_EOF_NO_REPLY);

	/* And sysgate goes on serving root. */
	go(st);
	n = jnum(expect_ask(st, c, a), "ask");
	assert_ok(answer(st, c, n, "\"decision\":\"allow\""));
	assert_exit(st, finish(st), 0);
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s = 0", a));
	assert_contains(st->h.err, "sysgate: control: refused a connection from uid 65534");
	assert_int_equal(lh_count_lines_with(st->h.err, "refused a connection"), 1);
}

/* ---- malformed requests ---- */

static void test_proto_malformed_requests_change_nothing(void **state)
{
	struct fixture *st = *state;
	const char *a = lh_tp(&st->h, "%s/q/a", st->h.dir);
	static const char *const bad_answers[] = {
		"\"decision\":\"maybe\"",
		"\"decision\":\"log\"",
		"\"decision\":\"deny\",\"errno\":\"EFOO\"",
		"\"decision\":\"deny\",\"errno\":0",
		"\"decision\":\"deny\",\"errno\":-13",
		"\"decision\":\"deny\",\"errno\":512",
		"\"decision\":\"deny\",\"errno\":4096",
		"\"decision\":\"deny\",\"errno\":\"eacces\"",
		"\"decision\":\"deny\",\"errno\":[13]",
		"\"decision\":\"allow\",\"errno\":\"EACCES\"",
		"\"decision\":\"allow\",\"scope\":\"forever\"",
		"\"decision\":\"allow\",\"scope\":\"run\",\"cover\":\"sideways\"",
		"\"decision\":\"allow\",\"scope\":\"run\",\"cover\":\"glob\",\"glob\":7",
		"\"decision\":7",
	};
	struct json_object *r, *pol, *rem, *list, *arr;
	struct client *c;
	const char *raw;
	int64_t n;

	write_policy(st, "");
	start(st, "mkdir", a, NULL);
	c = attach(st, st->sg);
	go(st);
	n = jnum(expect_ask(st, c, a), "ask");

	/* Not JSON; JSON but not an object; two objects on one line. */
	send_line(c, "this is not json");
	assert_error(expect_reply(st, c, -1), NULL);
	send_line(c, "[1,2,3]");
	assert_error(expect_reply(st, c, -1), NULL);
	send_line(c, "\"op\"");
	assert_error(expect_reply(st, c, -1), NULL);
	send_line(c, "{\"op\":\"hello\"}{\"op\":\"hello\"}");
	assert_error(expect_reply(st, c, -1), NULL);
	send_line(c, "{\"op\":\"hello\"");
	assert_error(expect_reply(st, c, -1), NULL);
	/* No op, an unknown op, an op that is not a string; the id is echoed. */
	assert_error(request(st, c, "\"nop\":1"), NULL);
	assert_error(request(st, c, "\"op\":\"frobnicate\""), "unknown op");
	assert_error(request(st, c, "\"op\":42"), NULL);
	send_line(c, "{\"id\":\"x\\n\",\"op\":\"frobnicate\"}");
	r = take(st, c, match_any, NULL, REPLY_TIMEOUT_MS, &raw);
	assert_error(r, NULL);
	assert_string_equal(jstr(r, "id"), "x\n");
	/* Answers to calls that do not wait, or not numbered as calls are. */
	assert_error(answer(st, c, n + 1000, "\"decision\":\"allow\""), "no such call");
	assert_error(request(st, c, "\"op\":\"answer\",\"ask\":0,\"decision\":\"allow\""), NULL);
	assert_error(request(st, c, "\"op\":\"answer\",\"ask\":-1,\"decision\":\"allow\""), NULL);
	assert_error(request(st, c, "\"op\":\"answer\",\"ask\":\"%lld\",\"decision\":\"allow\"",
			     (long long)n),
		     NULL);
	assert_error(request(st, c, "\"op\":\"answer\",\"decision\":\"allow\""), NULL);
	assert_error(request(st, c, "\"op\":\"answer\",\"ask\":%lld", (long long)n), NULL);
	/* Bad decisions, errnos, scopes, covers. */
	for (size_t i = 0; i < sizeof(bad_answers) / sizeof(bad_answers[0]); i++) {
		r = answer(st, c, n, bad_answers[i]);
		if (jok(r) || !*jstr(r, "error"))
			fail_msg("answer {%s} was not refused: %s", bad_answers[i],
				 json_object_to_json_string(r));
	}

	/* Nothing changed: the call still waits, nothing is remembered, the
	 * target has not returned, and the connection still works. */
	list = request(st, c, "\"op\":\"list\"");
	assert_ok(list);
	assert_true(json_object_object_get_ex(list, "pending", &arr));
	assert_int_equal(json_object_array_length(arr), 1);
	assert_int_equal(jnum(json_object_array_get_idx(arr, 0), "ask"), n);
	pol = request(st, c, "\"op\":\"policy\"");
	assert_ok(pol);
	assert_true(json_object_object_get_ex(pol, "remembered", &rem));
	assert_int_equal(json_object_array_length(rem), 0);
	assert_no_event(st, c, "resolved", 100);
	lh_collect(&st->h);
	assert_int_equal(lh_count_lines_with(st->h.out, "mkdir "), 0);
	assert_false(lh_exists(a));

	assert_ok(answer(st, c, n, "\"decision\":\"deny\",\"errno\":\"EACCES\""));
	assert_exit(st, finish(st), 0);
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s = -1 EACCES", a));
}

/*
 * A field of the wrong type is malformed too: it must be refused, not read
 * as its default. Here the default would answer the call (scope once), or
 * remember it for this exact path (cover exact) where "dir" was perhaps meant.
 */
static void bad_field_case(struct fixture *st, const char *fields)
{
	const char *a = lh_tp(&st->h, "%s/q/a", st->h.dir);
	struct json_object *r, *rem;
	struct client *c;
	int64_t n;

	write_policy(st, "");
	start(st, "mkdir", a, NULL);
	c = attach(st, st->sg);
	go(st);
	n = jnum(expect_ask(st, c, a), "ask");
	r = answer(st, c, n, fields);
	if (jok(r) || !*jstr(r, "error"))
		fail_msg("answer {%s} was not refused: %s", fields, json_object_to_json_string(r));
	assert_int_equal(pending(st, c), 1);
	r = request(st, c, "\"op\":\"policy\"");
	assert_true(json_object_object_get_ex(r, "remembered", &rem));
	assert_int_equal(json_object_array_length(rem), 0);
	assert_ok(answer(st, c, n, "\"decision\":\"deny\",\"errno\":\"EACCES\""));
	assert_exit(st, finish(st), 0);
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s = -1 EACCES", a));
}

static void test_proto_answer_scope_not_a_string_refused(void **state)
{
	bad_field_case(*state, "\"decision\":\"allow\",\"scope\":7");
}

static void test_proto_answer_cover_not_a_string_refused(void **state)
{
	bad_field_case(*state, "\"decision\":\"allow\",\"scope\":\"run\",\"cover\":[\"dir\"]");
}

static void test_proto_long_line_error_and_disconnect(void **state)
{
	struct fixture *st = *state;
	const char *a = lh_tp(&st->h, "%s/q/a", st->h.dir);
	struct client *c, *big;
	size_t len = 70 * 1024;
	char *line = malloc(len + 1);
	int64_t n;

	assert_non_null(line);
	write_policy(st, "");
	start(st, "mkdir", a, NULL);
	c = attach(st, st->sg);
	big = client_connect(st, st->sg);
	assert_ok(request(st, big, "\"op\":\"hello\""));
	/* A well-formed request that is too long: {"op":"hello","x":"aaa..."} */
	memset(line, 'a', len);
	memcpy(line, "{\"op\":\"hello\",\"x\":\"", 19);
	memcpy(line + len - 3, "\"}\n", 3);
	line[len] = '\0';
	/* sysgate may close before it has read it all. */
	for (size_t done = 0; done < len;) {
		ssize_t k = send(big->fd, line + done, len - done, MSG_NOSIGNAL);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			break;
		done += (size_t)k;
	}
	free(line);
	assert_error(expect_reply(st, big, -1), "longer than");
	drain_to_eof(big, WAIT_MS);
	assert_int_equal(big->n_backlog, 0);

	/* Others are served, and so is a new connection. */
	assert_ok(request(st, client_connect(st, st->sg), "\"op\":\"hello\""));
	go(st);
	n = jnum(expect_ask(st, c, a), "ask");
	assert_ok(answer(st, c, n, "\"decision\":\"allow\""));
	assert_exit(st, finish(st), 0);
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s = 0", a));
}

/*
 * A subscriber that never reads: 2000 asks (each event about 5 KB, the
 * target's command line padded to 4000 bytes) with ask_timeout 1ms. sysgate
 * must not wait for it; it drops it at its buffer limit (4 MiB), and from
 * then on no prompt is attached.
 */
static void test_proto_slow_client_disconnected_not_blocking(void **state)
{
	struct fixture *st = *state;
	const char *s = lh_tp(&st->h, "%s/q/s", st->h.dir),
		   *x = lh_tp(&st->h, "%s/free/x", st->h.dir);
	char *pad = malloc(4001);
	struct client *slow, *c;
	int small = 4096;

	assert_non_null(pad);
	memset(pad, 'p', 4000);
	pad[4000] = '\0';
	write_policy(st, "ask_timeout = 1ms\nask_unattached = default\n");
	start(st, "pad", lh_tp(&st->h, "%s", pad), ":", "mkdir-loop", s, "2000", ":", "mkdir", x,
	      ":", "wait-file", lh_tp(&st->h, "%s/go2", st->h.dir), NULL);
	free(pad);
	slow = attach(st, st->sg);
	assert_int_equal(setsockopt(slow->fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)), 0);
	go(st);
	/* Every call got through, while the slow client sat there. */
	if (!lh_wait_output(&st->h, lh_tp(&st->h, "mkdir %s = 0", x), 3 * WAIT_MS))
		fail_msg("the target did not get through 2000 asks in 45 s; out: %s", st->h.out);
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir-loop %s failed=2000", s));
	/* sysgate is still running and serves a new client. */
	c = client_connect(st, st->sg);
	assert_ok(request(st, c, "\"op\":\"hello\""));
	/* The slow client was dropped while sysgate runs: what it has is what
	 * the kernel buffered, then EOF. */
	drain_to_eof(slow, WAIT_MS);
	lh_collect(&st->h);
	assert_true(lh_count_lines_with(st->h.log, "-> deny (timeout)]") > 0);
	assert_true(lh_count_lines_with(st->h.log, "-> deny (no-prompt)]") > 0);
	assert_int_equal(
		lh_count_lines_with(st->h.log, lh_tp(&st->h, "mkdir(\"%s\", 0755) = -1 EPERM", s)),
		2000);
	go_file(st, "go2");
	assert_exit(st, finish(st), 0);
}

/* ---- strings the target controls ---- */

static void test_event_path_control_bytes_escaped(void **state)
{
	struct fixture *st = *state;
	const char *weird = lh_tp(&st->h, "%s/q/a\nb\x1b[31mc\xff", st->h.dir);
	const char *shown = lh_tp(&st->h, "%s/q/a\nb\x1b[31mc\\xff", st->h.dir);
	struct json_object *ev, *argv;
	struct client *c;
	const char *raw = NULL;
	struct ev_match w = {"ask", 0};

	write_policy(st, "");
	start(st, "mkdir", weird, NULL);
	c = attach(st, st->sg);
	go(st);
	ev = take(st, c, match_event, &w, WAIT_MS, &raw);
	assert_non_null(ev);
	/* No raw control byte on the line; the newline and ESC as JSON
	 * escapes; the invalid byte as \xNN text. */
	for (const unsigned char *p = (const unsigned char *)raw; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			fail_msg("raw byte 0x%02x in the ask event: %s", *p, raw);
	assert_non_null(strstr(raw, "\\n"));
	assert_non_null(strstr(raw, "\\u001b"));
	assert_string_equal(jstr(ev, "path"), shown);
	assert_true(json_object_object_get_ex(ev, "cmdline", &argv));
	assert_string_equal(json_object_get_string(json_object_array_get_idx(
				    argv, json_object_array_length(argv) - 1)),
			    shown);
	/* The call is C-escaped as well, then sanitized. */
	assert_string_equal(jstr(ev, "call"),
			    lh_tp(&st->h, "mkdir(\"%s/q/a\\nb\\x1b[31mc\\xff\", 0755)", st->h.dir));
	assert_ok(answer(st, c, jnum(ev, "ask"), "\"decision\":\"allow\""));
	assert_exit(st, finish(st), 0);
	assert_true(lh_exists(weird));
}

/* ---- sysgate prompt in a terminal ---- */

static int tmux_counter;

/* tmux -L OUR-SERVER ARGS... (NULL-terminated); its exit status. Output to
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
	assert_true(pid >= 0);
	if (pid == 0) {
		/* No cmocka here: a failed assert would longjmp into the tests. */
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
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void tmux_kill_server(struct fixture *st)
{
	if (!st->tmux[0] || !lh_tool("tmux", true))
		return;
	tmux(st, "kill-server", NULL);
	st->tmux[0] = '\0';
}

/* What window W shows, wrapped lines joined, history included. */
static char *pane(struct fixture *st, const char *w)
{
	char *text;

	if (tmux(st, "capture-pane", "-p", "-J", "-S", "-", "-t", lh_tp(&st->h, "sg:%s", w),
		 NULL) != 0)
		return strdup("");
	text = lh_slurp(lh_tp(&st->h, "%s/tmux.out", st->h.dir));
	assert_non_null(text);
	return text;
}

/* Wait until window W shows needle; the screen then (until teardown). */
static const char *wait_pane(struct fixture *st, const char *w, const char *needle, long ms)
{
	long end = lh_now_ms() + ms;
	char *text;

	for (;;) {
		text = pane(st, w);
		if (strstr(text, needle)) {
			const char *kept = lh_tp(&st->h, "%s", text);

			free(text);
			return kept;
		}
		if (lh_now_ms() > end) {
			fprintf(stderr, "window %s does not show \"%s\" after %ld ms:\n%s\n", w,
				needle, ms, text);
			free(text);
			fail();
		}
		free(text);
		usleep(30 * 1000);
	}
}

/* Type a line into window W. */
static void keys(struct fixture *st, const char *w, const char *line)
{
	assert_int_equal(tmux(st, "send-keys", "-t", lh_tp(&st->h, "sg:%s", w), "-l", line, NULL),
			 0);
	assert_int_equal(tmux(st, "send-keys", "-t", lh_tp(&st->h, "sg:%s", w), "Enter", NULL), 0);
}

/* A word for sh, in single quotes. */
static const char *sh_quote(struct fixture *st, const char *s)
{
	size_t n = strlen(s);
	char *b = malloc(n * 4 + 3), *p = b;

	assert_non_null(b);
	*p++ = '\'';
	for (; *s; s++) {
		if (*s == '\'') {
			memcpy(p, "'\\''", 4);
			p += 4;
		} else {
			*p++ = *s;
		}
	}
	*p++ = '\'';
	*p = '\0';
	s = lh_tp(&st->h, "%s", b);
	free(b);
	return s;
}

/*
 * Window "run": sysgate run -- sg-target wait-file go : OPS (the target's
 * output to DIR/out, sysgate's stderr to DIR/err); window "prompt": sysgate
 * prompt SYSGATE-PID. Returns the observer: a subscribed client of our own,
 * for ask numbers and paths (and so that asks wait even before the prompt's
 * subscribe is through: it must then show the calls already pending).
 */
static struct client *tmux_start(struct fixture *st, ...)
{
	const char *script = lh_tp(&st->h, "%s/run.sh", st->h.dir);
	const char *pidfile = lh_tp(&st->h, "%s/sg.pid", st->h.dir);
	char *text = NULL, *pidtext;
	size_t len = 0;
	struct client *obs;
	FILE *f;
	const char *a;
	long end;
	va_list ap;

	if (!lh_tool("tmux", true) || getenv("SG_ASK_NO_TMUX")) {
		print_message("tmux is not available: skipping the sysgate prompt tests "
			      "(apt-get install tmux)\n");
		skip();
	}
	snprintf(st->tmux, sizeof(st->tmux), "sg-ask-%d-%d", (int)getpid(), ++tmux_counter);
	lh_write_file(lh_tp(&st->h, "%s/tmux.conf", st->h.dir),
		      "set -g remain-on-exit on\nset -g history-limit 10000\n", 0644);

	f = open_memstream(&text, &len);
	assert_non_null(f);
	/* The shell waits for sysgate and writes down its status: tmux 3.3
	 * does not always reap a pane's process (seen here: zombies for good),
	 * so neither its pid nor pane_dead_status can be relied on. The
	 * terminal stays sysgate's stdin (an async list would get /dev/null). */
	fprintf(f, "cd %s || exit 1\nexec 3<&0\n", sh_quote(st, st->h.dir));
	fprintf(f, "%s run -p policy.ini --log log -- %s wait-file %s :", sh_quote(st, g_sysgate),
		sh_quote(st, g_target), sh_quote(st, lh_tp(&st->h, "%s/go", st->h.dir)));
	va_start(ap, st);
	while ((a = va_arg(ap, const char *)) != NULL)
		fprintf(f, " %s", sh_quote(st, a));
	va_end(ap);
	fprintf(f, " <&3 3<&- >out 2>err &\n"
		   "echo $! > sg.pid.tmp && mv sg.pid.tmp sg.pid\n"
		   "wait $!\n"
		   "echo $? > sg.status.tmp && mv sg.status.tmp sg.status\n");
	fclose(f);
	lh_write_file(script, text, 0755);
	free(text);

	unlink(pidfile);
	assert_int_equal(tmux(st, "new-session", "-d", "-s", "sg", "-x", "220", "-y", "50", "-n",
			      "run", lh_tp(&st->h, "/bin/sh %s", script), NULL),
			 0);
	end = lh_now_ms() + WAIT_MS;
	while (!lh_exists(pidfile)) {
		if (lh_now_ms() > end)
			fail_msg("sysgate did not start in tmux");
		usleep(10000);
	}
	pidtext = lh_slurp(pidfile);
	assert_non_null(pidtext);
	st->sg = atoi(pidtext);
	free(pidtext);
	assert_true(st->sg > 0);
	obs = attach(st, st->sg);
	assert_int_equal(
		tmux(st, "new-window", "-t", "sg", "-n", "prompt",
		     lh_tp(&st->h, "exec %s prompt %d", sh_quote(st, g_sysgate), (int)st->sg),
		     NULL),
		0);
	wait_pane(st, "prompt",
		  lh_tp(&st->h,
			"attached to sysgate %d (policy.ini, mode enforce, asks "
			"wait 30s then deny EPERM)",
			(int)st->sg),
		  WAIT_MS);
	return obs;
}

/* Wait for the sysgate of tmux_start() to end; its exit status. */
static int tmux_wait_sysgate(struct fixture *st)
{
	const char *path = lh_tp(&st->h, "%s/sg.status", st->h.dir);
	long end = lh_now_ms() + RUN_TIMEOUT_MS;
	char *text;
	int status;

	while (!lh_exists(path)) {
		if (lh_now_ms() > end) {
			char *screen = pane(st, "prompt");

			lh_collect(&st->h);
			fprintf(stderr, "sysgate in tmux did not finish; prompt:\n%s\n", screen);
			fprintf(stderr, "out:\n%s\nerr:\n%s\n", st->h.out, st->h.err);
			free(screen);
			fail();
		}
		usleep(10000);
	}
	text = lh_slurp(path);
	assert_non_null(text);
	status = atoi(text);
	free(text);
	st->sg = 0;
	lh_collect(&st->h);
	return status;
}

static void test_prompt_shows_call_and_allow_once(void **state)
{
	struct fixture *st = *state;
	const char *a = lh_tp(&st->h, "%s/q/a", st->h.dir), *screen, *l;
	struct json_object *ev;
	struct client *obs;
	int64_t n;
	int waited, left;
	pid_t sg_pid;

	write_policy(st, "");
	obs = tmux_start(st, "mkdir", a, NULL);
	sg_pid = st->sg;
	go(st);
	ev = expect_ask(st, obs, a);
	n = jnum(ev, "ask");
	screen = wait_pane(st, "prompt", lh_tp(&st->h, "answer [%lld]>", (long long)n), WAIT_MS);
	/* [N] PID EXE (CMDLINE) parent PPID EXE, the call strace style, times. */
	assert_contains(screen,
			lh_tp(&st->h,
			      "[%lld] %lld %s (%s wait-file %s/go : mkdir %s) parent %d %s\n",
			      (long long)n, (long long)jnum(ev, "pid"), g_target_real, g_target,
			      st->h.dir, a, (int)st->sg, g_sysgate_real));
	assert_contains(screen,
			lh_tp(&st->h, "    wants mkdir(\"%s\", 0755)  [rule " ASK_RULE "]\n", a));
	l = strstr(screen, "    waited ");
	assert_non_null(l);
	assert_int_equal(sscanf(l, "    waited %ds, %ds left before deny EPERM", &waited, &left),
			 2);
	assert_true(waited >= 0 && waited <= 10);
	assert_true(left >= 20 && left <= 30);

	keys(st, "prompt", "a");
	wait_pane(st, "prompt", lh_tp(&st->h, "[%lld] answered allow (once)", (long long)n),
		  WAIT_MS);
	assert_true(lh_wait_output(&st->h, lh_tp(&st->h, "mkdir %s = 0", a), WAIT_MS));
	assert_exit(st, tmux_wait_sysgate(st), 0);
	assert_true(lh_exists(a));
	assert_contains(st->h.log, "-> allow (answer), emulated]");
	wait_pane(st, "prompt", lh_tp(&st->h, "sysgate prompt: sysgate %d has exited", (int)sg_pid),
		  WAIT_MS);
}

static void test_prompt_deny_eacces(void **state)
{
	struct fixture *st = *state;
	const char *a = lh_tp(&st->h, "%s/q/a", st->h.dir);
	struct client *obs;
	int64_t n;

	write_policy(st, "");
	obs = tmux_start(st, "mkdir", a, NULL);
	go(st);
	n = jnum(expect_ask(st, obs, a), "ask");
	wait_pane(st, "prompt", lh_tp(&st->h, "answer [%lld]>", (long long)n), WAIT_MS);
	keys(st, "prompt", "d EACCES");
	wait_pane(st, "prompt", lh_tp(&st->h, "[%lld] answered deny EACCES (once)", (long long)n),
		  WAIT_MS);
	assert_true(lh_wait_output(&st->h, lh_tp(&st->h, "mkdir %s = -1 EACCES", a), WAIT_MS));
	assert_exit(st, tmux_wait_sysgate(st), 0);
	assert_false(lh_exists(a));
	assert_contains(st->h.log, "-1 EACCES [ask " ASK_RULE " -> deny (answer)]");
}

static void test_prompt_run_dir_confirmed_then_remembered(void **state)
{
	struct fixture *st = *state;
	const char *a = lh_tp(&st->h, "%s/q/a", st->h.dir), *b = lh_tp(&st->h, "%s/q/b", st->h.dir);
	struct client *obs;
	int64_t n;

	write_policy(st, "");
	obs = tmux_start(st, "mkdir", a, ":", "wait-file", lh_tp(&st->h, "%s/go2", st->h.dir), ":",
			 "mkdir", b, NULL);
	go(st);
	n = jnum(expect_ask(st, obs, a), "ask");
	wait_pane(st, "prompt", lh_tp(&st->h, "answer [%lld]>", (long long)n), WAIT_MS);
	keys(st, "prompt", "a run dir");
	/* What it amounts to, before anything is sent. */
	wait_pane(st, "prompt",
		  lh_tp(&st->h, "[%lld] allow = path ~ %s/q/** in [mkdir] for the rest of the run",
			(long long)n, st->h.dir),
		  WAIT_MS);
	wait_pane(st, "prompt", "confirm? [y/N]", WAIT_MS);
	assert_int_equal(pending(st, obs), 1);
	keys(st, "prompt", "y");
	wait_pane(st, "prompt",
		  lh_tp(&st->h, "[%lld] answered allow (run); covers: allow = path ~ %s/q/**",
			(long long)n, st->h.dir),
		  WAIT_MS);
	assert_true(lh_wait_output(&st->h, lh_tp(&st->h, "mkdir %s = 0", a), WAIT_MS));
	go_file(st, "go2");
	assert_true(lh_wait_output(&st->h, lh_tp(&st->h, "mkdir %s = 0", b), WAIT_MS));
	assert_exit(st, tmux_wait_sysgate(st), 0);
	assert_contains(st->h.log, lh_tp(&st->h,
					 "mkdir(\"%s\", 0755) = 0 [ask " ASK_RULE
					 " -> allow (remembered), emulated]",
					 b));
	assert_no_event(st, obs, "ask", 200);
}

/* The block the prompt printed for call n names this path. */
static void assert_block(struct fixture *st, const char *screen, int64_t n, int64_t pid,
			 const char *path)
{
	const char *b = strstr(screen, lh_tp(&st->h, "[%lld] %lld ", (long long)n, (long long)pid));
	const char *nl = b ? strchr(b, '\n') : NULL;
	const char *want =
		lh_tp(&st->h, "    wants mkdir(\"%s\", 0755)  [rule " ASK_RULE "]\n", path);

	if (!nl || strncmp(nl + 1, want, strlen(want)) != 0)
		fail_msg("no block for [%lld] (pid %lld) wanting %s in:\n%s", (long long)n,
			 (long long)pid, path, screen);
}

static void test_prompt_answers_out_of_order_by_number(void **state)
{
	struct fixture *st = *state;
	const char *prefix = lh_tp(&st->h, "%s/q/m", st->h.dir), *screen;
	struct json_object *e1, *e2, *t;
	struct client *obs;
	int64_t n1, n2;

	write_policy(st, "");
	obs = tmux_start(st, "spawn-mkdirs", "2", prefix, ":", "wait-children", NULL);
	go(st);
	e1 = expect_event(st, obs, "ask", 0, WAIT_MS);
	e2 = expect_event(st, obs, "ask", 0, WAIT_MS);
	if (jnum(e1, "ask") > jnum(e2, "ask")) {
		t = e1;
		e1 = e2;
		e2 = t;
	}
	n1 = jnum(e1, "ask");
	n2 = jnum(e2, "ask");
	/* The oldest is the current call; both are shown. */
	screen = wait_pane(st, "prompt", lh_tp(&st->h, "answer [%lld]>", (long long)n1), WAIT_MS);
	screen = wait_pane(st, "prompt",
			   lh_tp(&st->h, "[%lld] %lld ", (long long)n2, (long long)jnum(e2, "pid")),
			   WAIT_MS);
	assert_block(st, screen, n1, jnum(e1, "pid"), jstr(e1, "path"));
	assert_block(st, screen, n2, jnum(e2, "pid"), jstr(e2, "path"));

	keys(st, "prompt", lh_tp(&st->h, "#%lld d EROFS", (long long)n2));
	wait_pane(st, "prompt", lh_tp(&st->h, "[%lld] answered deny EROFS (once)", (long long)n2),
		  WAIT_MS);
	assert_true(lh_wait_output(
		&st->h, lh_tp(&st->h, "child mkdir %s = -1 EROFS", jstr(e2, "path")), WAIT_MS));
	/* The first still waits. */
	assert_int_equal(pending(st, obs), 1);
	lh_collect(&st->h);
	assert_int_equal(lh_count_lines_with(st->h.out, jstr(e1, "path")), 0);
	keys(st, "prompt", lh_tp(&st->h, "#%lld a", (long long)n1));
	wait_pane(st, "prompt", lh_tp(&st->h, "[%lld] answered allow (once)", (long long)n1),
		  WAIT_MS);
	assert_exit(st, tmux_wait_sysgate(st), 0);
	lh_assert_line(st->h.out, lh_tp(&st->h, "child mkdir %s = 0", jstr(e1, "path")));
	lh_assert_line(st->h.out, lh_tp(&st->h, "child mkdir %s = -1 EROFS", jstr(e2, "path")));
	lh_assert_line(st->h.out, "children done 2");
	assert_true(lh_exists(jstr(e1, "path")));
	assert_false(lh_exists(jstr(e2, "path")));
}

static void test_prompt_escapes_path_for_the_terminal(void **state)
{
	struct fixture *st = *state;
	const char *weird = lh_tp(&st->h, "%s/q/a\nb\x1b[31mc", st->h.dir);
	const char *screen;
	struct client *obs;
	int64_t n;

	write_policy(st, "");
	obs = tmux_start(st, "mkdir", weird, NULL);
	go(st);
	n = jnum(expect_ask(st, obs, weird), "ask");
	screen = wait_pane(st, "prompt", lh_tp(&st->h, "answer [%lld]>", (long long)n), WAIT_MS);
	/* Shown as escapes: had ESC reached the terminal, "[31m" would have
	 * been taken as a colour and not shown, and the newline would break
	 * the line. */
	assert_contains(
		screen,
		lh_tp(&st->h, "    wants mkdir(\"%s/q/a\\nb\\x1b[31mc\", 0755)  [rule", st->h.dir));
	assert_contains(screen, lh_tp(&st->h, "mkdir \"%s/q/a\\nb\\x1b[31mc\") parent", st->h.dir));
	keys(st, "prompt", "a");
	wait_pane(st, "prompt", lh_tp(&st->h, "[%lld] answered allow (once)", (long long)n),
		  WAIT_MS);
	assert_exit(st, tmux_wait_sysgate(st), 0);
	assert_true(lh_exists(weird));
}

/* ---- main ---- */

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_noprompt_ask_default_at_once),
		T(test_noprompt_ask_waits_for_a_prompt_to_attach),
		T(test_noprompt_ask_default_allow_without_socket_client),
		T(test_complain_allowed_without_waiting),
		T(test_answer_event_fields_and_allow_once),
		T(test_answer_never_widens),
		T(test_answer_always_refused_for_an_included_rule),
		T(test_answer_deny_errno_eacces),
		T(test_answer_deny_errno_number),
		T(test_answer_kill_target_dies_137),
		T(test_timeout_default_deny_eperm),
		T(test_timeout_default_allow),
		T(test_timeout_default_deny_erofs),
		T(test_scope_process_remembered_not_for_other_process),
		T(test_scope_run_remembered_for_other_process),
		T(test_scope_run_settles_other_pending_calls),
		T(test_cover_dir_covers_sibling),
		T(test_cover_glob_must_match_the_path),
		T(test_scope_always_writes_policy_and_next_run_asks_nothing),
		T(test_pending_many_answered_out_of_order),
		T(test_gone_killed_caller_resolved_and_run_goes_on),
		T(test_gone_logged_in_one_record),
		T(test_shutdown_pending_ask_resolved_before_close),
		T(test_peer_other_uid_refused),
		T(test_proto_malformed_requests_change_nothing),
		T(test_proto_answer_scope_not_a_string_refused),
		T(test_proto_answer_cover_not_a_string_refused),
		T(test_proto_long_line_error_and_disconnect),
		T(test_proto_slow_client_disconnected_not_blocking),
		T(test_event_path_control_bytes_escaped),
		T(test_prompt_shows_call_and_allow_once),
		T(test_prompt_deny_eacces),
		T(test_prompt_run_dir_confirmed_then_remembered),
		T(test_prompt_answers_out_of_order_by_number),
		T(test_prompt_escapes_path_for_the_terminal),
	};

	lh_locate(g_sysgate, sizeof(g_sysgate), "SYSGATE", "../sysgate");
	lh_locate(g_target, sizeof(g_target), "SG_TARGET", "sg-target");
	if (!realpath(g_target, g_target_real) || !realpath(g_sysgate, g_sysgate_real)) {
		fprintf(stderr, "test-ask: no sysgate at %s or no sg-target at %s\n", g_sysgate,
			g_target);
		return 1;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "test-ask: must run as root\n");
		return 77;
	}
	signal(SIGPIPE, SIG_IGN);
	/* TEST_FILTER=test_prompt_* runs some of them. */
	if (getenv("TEST_FILTER"))
		cmocka_set_test_filter(getenv("TEST_FILTER"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
