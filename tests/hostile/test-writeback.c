/*
 * Live tests of the write-back of `always` answers (docs/control-protocol.md):
 * a policy file reached through a symlink, with a mode and an owner of its
 * own, is rewritten where it really lives and keeps both; an answer whose
 * rule would not load leaves the file byte for byte as it was.
 *
 * Each test makes DIR with DIR/q (where the policy asks) and DIR/real/policy.ini
 * (mode 0640, owner OWNER_UID:OWNER_GID), links DIR/policy.ini to it, and runs
 *
 *	sysgate run -p policy.ini --log log -- sg-target wait-file go : mkdir DIR/q/NAME
 *
 * in the background. The test process plays the prompt: it connects to
 * /run/sysgate/PID.sock, subscribes, lets the target go and answers its ask.
 * What is asserted is what the user sees: the reply, the target's result, and
 * the link, the real file, its bytes, mode and owner afterwards. The last
 * test runs `sysgate prompt` itself (input from a pipe) and reads what it
 * asks the person to confirm.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "live-harness.h"

#define RUN_TIMEOUT_MS 60000
#define WAIT_MS 20000
#define OWNER_UID 4711
#define OWNER_GID 4712

static char g_sysgate[PATH_MAX];
static char g_target[PATH_MAX];
static char g_target_real[PATH_MAX];

struct fixture {
	struct lh h;
	pid_t sg;
	int fd;		   /* the control socket, or -1 */
	char buf[1 << 16]; /* what was read and not yet taken */
	size_t len;
	long next_id;
	const char *policy, *real; /* DIR/policy.ini (the link), DIR/real/policy.ini */
	char *original;		   /* the real file's text before the run */
};

#define POLICY                                                                                     \
	"[mkdir]\n"                                                                                \
	"ask = path ~ %s/q/**\n"                                                                   \
	"allow = *\n"                                                                              \
	"[sysgate]\n"                                                                              \
	"ask_timeout = 30s\n"

static int setup(void **state)
{
	struct fixture *st = calloc(1, sizeof(*st));

	if (!st)
		return -1;
	st->fd = -1;
	*state = st;
	if (lh_init(&st->h, "/tmp/sg-writeback.XXXXXX", LH_SPAWN_SHELL | LH_SPAWN_KEEP_LOG) < 0)
		return -1;
	if (chmod(st->h.dir, 0755) < 0 || mkdir(lh_tp(&st->h, "%s/q", st->h.dir), 0755) < 0 ||
	    mkdir(lh_tp(&st->h, "%s/real", st->h.dir), 0755) < 0)
		return -1;
	st->policy = lh_tp(&st->h, "%s/policy.ini", st->h.dir);
	st->real = lh_tp(&st->h, "%s/real/policy.ini", st->h.dir);
	st->original = strdup(lh_tp(&st->h, POLICY, st->h.dir));
	if (!st->original)
		return -1;
	lh_write_file(st->real, st->original, 0640);
	if (chmod(st->real, 0640) < 0 || chown(st->real, OWNER_UID, OWNER_GID) < 0 ||
	    symlink("real/policy.ini", st->policy) < 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *st = *state;

	close(open(lh_tp(&st->h, "%s/go", st->h.dir), O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
	if (st->fd >= 0)
		close(st->fd);
	for (size_t i = 0; i < st->h.n_pids; i++)
		if (st->h.pids[i] > 0) {
			kill(st->h.pids[i], SIGTERM);
			usleep(100000);
			kill(st->h.pids[i], SIGKILL);
			waitpid(st->h.pids[i], NULL, 0);
		}
	lh_fini(&st->h);
	free(st->original);
	free(st);
	return 0;
}

static void start(struct fixture *st, const char *path)
{
	const char *const argv[] = {
		g_sysgate, "run",   "-p",     "policy.ini", "--log",
		"log",	   "--",    g_target, "wait-file",  lh_tp(&st->h, "%s/go", st->h.dir),
		":",	   "mkdir", path,     NULL};
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	long end;

	st->sg = lh_spawn(&st->h, argv);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "/run/sysgate/%d.sock", (int)st->sg);
	end = lh_now_ms() + WAIT_MS;
	for (;;) {
		st->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		assert_true(st->fd >= 0);
		if (connect(st->fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			break;
		close(st->fd);
		st->fd = -1;
		if (lh_now_ms() > end)
			fail_msg("cannot connect to %s", sa.sun_path);
		usleep(5000);
	}
}

/* The next line that has key == value (an integer or a string), parsed. */
static struct json_object *take(struct fixture *st, const char *key, const char *str, int64_t num)
{
	long end = lh_now_ms() + WAIT_MS;

	for (;;) {
		char *nl = memchr(st->buf, '\n', st->len);
		struct pollfd p = {.fd = st->fd, .events = POLLIN};
		ssize_t n;

		while (nl) {
			struct json_object *o, *v;
			size_t line = (size_t)(nl - st->buf) + 1;
			bool hit;

			*nl = '\0';
			o = json_tokener_parse(st->buf);
			memmove(st->buf, st->buf + line, st->len - line);
			st->len -= line;
			hit = o && json_object_object_get_ex(o, key, &v) &&
			      (str ? json_object_is_type(v, json_type_string) &&
					       !strcmp(json_object_get_string(v), str)
				   : json_object_is_type(v, json_type_int) &&
					       json_object_get_int64(v) == num);
			if (hit)
				return o;
			json_object_put(o);
			nl = memchr(st->buf, '\n', st->len);
		}
		if (lh_now_ms() > end)
			fail_msg("no line with \"%s\" within %d ms", key, WAIT_MS);
		if (poll(&p, 1, 100) <= 0)
			continue;
		assert_true(st->len < sizeof(st->buf));
		n = read(st->fd, st->buf + st->len, sizeof(st->buf) - st->len);
		if (n <= 0)
			fail_msg("the control socket closed");
		st->len += (size_t)n;
	}
}

/* Send {"id":N,FIELDS}; its reply (the caller puts it). */
static struct json_object *request(struct fixture *st, const char *fields)
{
	char line[1024];
	long id = ++st->next_id;
	int n = snprintf(line, sizeof(line), "{\"id\":%ld,%s}\n", id, fields);

	assert_int_equal(write(st->fd, line, (size_t)n), n);
	return take(st, "id", NULL, id);
}

static bool ok(struct json_object *o)
{
	struct json_object *v;

	return json_object_object_get_ex(o, "ok", &v) && json_object_get_boolean(v);
}

/* Subscribe, let the target go, and return the number of its ask. */
static int64_t ask_of(struct fixture *st)
{
	struct json_object *o;
	int64_t n;

	o = request(st, "\"op\":\"hello\"");
	assert_true(ok(o));
	json_object_put(o);
	o = request(st, "\"op\":\"subscribe\"");
	assert_true(ok(o));
	json_object_put(o);
	lh_write_file(lh_tp(&st->h, "%s/go", st->h.dir), "", 0644);
	o = take(st, "event", "ask", 0);
	assert_true(lh_jint(o, "ask", &n));
	json_object_put(o);
	return n;
}

static void finish(struct fixture *st)
{
	int status = lh_wait_status(&st->h, st->sg, RUN_TIMEOUT_MS);

	lh_collect(&st->h);
	if (lh_shell_status(status) != 0)
		fail_msg("sysgate exited %d; stderr:\n%s", lh_shell_status(status), st->h.err);
}

/* The entries of a directory, "." and ".." apart. */
static int entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

/* The link is still a link to the real file, which has kept mode and owner. */
static void assert_file_kept(struct fixture *st)
{
	char to[PATH_MAX];
	ssize_t n = readlink(st->policy, to, sizeof(to) - 1);
	struct stat s;

	assert_true(n > 0);
	to[n] = '\0';
	assert_string_equal(to, "real/policy.ini");
	assert_int_equal(stat(st->real, &s), 0);
	assert_true(S_ISREG(s.st_mode));
	assert_int_equal(s.st_mode & 07777, 0640);
	assert_int_equal(s.st_uid, OWNER_UID);
	assert_int_equal(s.st_gid, OWNER_GID);
	/* Nothing left beside it (a temporary file of the rewrite). */
	assert_int_equal(entries(lh_tp(&st->h, "%s/real", st->h.dir)), 1);
}

static void test_always_writes_through_the_link_keeping_mode_and_owner(void **state)
{
	struct fixture *st = *state;
	const char *a = lh_tp(&st->h, "%s/q/a", st->h.dir);
	struct json_object *r;
	char *text;
	int64_t n;

	start(st, a);
	n = ask_of(st);
	r = request(st, lh_tp(&st->h,
			      "\"op\":\"answer\",\"ask\":%lld,\"decision\":\"allow\","
			      "\"scope\":\"always\"",
			      (long long)n));
	if (!ok(r))
		fail_msg("answer refused: %s", json_object_to_json_string(r));
	json_object_put(r);
	finish(st);
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s = 0", a));

	assert_file_kept(st);
	text = lh_slurp(st->real);
	assert_non_null(text);
	assert_non_null(strstr(text, lh_tp(&st->h, "\nallow = path ~ %s\nask = ", a)));
	free(text);
}

static void test_always_that_would_not_load_is_refused_file_unchanged(void **state)
{
	struct fixture *st = *state;
	/* A vertical tab: the policy loader splits words on it, so the rule
	 * "allow = path ~ DIR/q/a\vb" reads as a condition with a stray word. */
	const char *a = lh_tp(&st->h, "%s/q/a\vb", st->h.dir);
	struct json_object *r;
	char *text;
	int64_t n;

	start(st, a);
	n = ask_of(st);
	r = request(st, lh_tp(&st->h,
			      "\"op\":\"answer\",\"ask\":%lld,\"decision\":\"allow\","
			      "\"scope\":\"always\"",
			      (long long)n));
	assert_false(ok(r));
	json_object_put(r);
	/* The call still waits: answer it once, so the run ends. */
	r = request(st, lh_tp(&st->h, "\"op\":\"answer\",\"ask\":%lld,\"decision\":\"deny\"",
			      (long long)n));
	assert_true(ok(r));
	json_object_put(r);
	finish(st);
	assert_false(lh_exists(a));

	assert_file_kept(st);
	text = lh_slurp(st->real);
	assert_non_null(text);
	assert_string_equal(text, st->original);
	free(text);
}

static bool read_until(int fd, char *buf, size_t size, size_t *len, const char *needle);

/*
 * After an `always` answer has written its rule above the ask rule, records
 * and asks name rules by the lines they have in the file now: the written
 * rule for the calls it decides, and the ask rule and a deny rule below the
 * insertion point two lines further down (before, every one of them named
 * its line as loaded: 2, 2 and 3).
 *
 *   1 [mkdir]                          1 [mkdir]
 *   2 ask = path ~ DIR/q/...            2 ; added by sysgate prompt, ...
 *   3 deny = EACCES path ~ DIR/r/...    3 allow = path ~ DIR/q/?
 *   4 allow = *                        4 ask = path ~ DIR/q/...
 *                                      5 deny = EACCES path ~ DIR/r/...
 */
static void test_always_later_records_and_asks_cite_the_new_lines(void **state)
{
	struct fixture *st = *state;
	const char *q = lh_tp(&st->h, "%s/q", st->h.dir), *r_dir = lh_tp(&st->h, "%s/r", st->h.dir);
	const char *const argv[] = {g_sysgate,
				    "run",
				    "-p",
				    "policy.ini",
				    "--log",
				    "log",
				    "--",
				    g_target,
				    "wait-file",
				    lh_tp(&st->h, "%s/go", st->h.dir),
				    ":",
				    "mkdir",
				    lh_tp(&st->h, "%s/a", q),
				    ":",
				    "mkdir",
				    lh_tp(&st->h, "%s/c", q),
				    ":",
				    "mkdir",
				    lh_tp(&st->h, "%s/x", r_dir),
				    ":",
				    "mkdir",
				    lh_tp(&st->h, "%s/bb", q),
				    NULL};
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct json_object *o, *v;
	int64_t n;
	long end;
	FILE *f;

	assert_int_equal(mkdir(r_dir, 0755), 0);
	f = fopen(st->real, "w");
	assert_non_null(f);
	fprintf(f,
		"[mkdir]\nask = path ~ %s/**\ndeny = EACCES path ~ %s/**\nallow = *\n"
		"[sysgate]\nask_timeout = 30s\n",
		q, r_dir);
	fclose(f);

	st->sg = lh_spawn(&st->h, argv);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "/run/sysgate/%d.sock", (int)st->sg);
	end = lh_now_ms() + WAIT_MS;
	for (;;) {
		st->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		assert_true(st->fd >= 0);
		if (connect(st->fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			break;
		close(st->fd);
		st->fd = -1;
		if (lh_now_ms() > end)
			fail_msg("cannot connect to %s", sa.sun_path);
		usleep(5000);
	}
	n = ask_of(st);
	/* DIR/q/? covers a and c, not bb */
	o = request(st, lh_tp(&st->h,
			      "\"op\":\"answer\",\"ask\":%lld,\"decision\":\"allow\","
			      "\"scope\":\"always\",\"cover\":\"glob\",\"glob\":\"%s/?\"",
			      (long long)n, q));
	if (!ok(o))
		fail_msg("answer refused: %s", json_object_to_json_string(o));
	json_object_put(o);

	/* mkdir DIR/q/bb: a new ask, whose rule is on line 4 now */
	o = take(st, "event", "ask", 0);
	assert_true(json_object_object_get_ex(o, "rule", &v));
	assert_string_equal(json_object_get_string(v), "policy.ini:4");
	json_object_put(o);
	/* and so says the prompt, which a person answers it in */
	{
		char out[16384] = "", pid[16];
		int in[2], from[2];
		size_t len = 0;
		pid_t prompt;

		snprintf(pid, sizeof(pid), "%d", (int)st->sg);
		assert_int_equal(pipe(in), 0);
		assert_int_equal(pipe(from), 0);
		prompt = fork();
		assert_true(prompt >= 0);
		if (prompt == 0) {
			dup2(in[0], 0);
			dup2(from[1], 1);
			dup2(from[1], 2);
			execl(g_sysgate, g_sysgate, "prompt", pid, (char *)NULL);
			_exit(127);
		}
		lh_remember_pid(&st->h, prompt);
		close(in[0]);
		close(from[1]);
		if (!read_until(from[0], out, sizeof(out), &len, "answer ["))
			fail_msg("no call shown:\n%s", out);
		if (!strstr(out, lh_tp(&st->h, "/bb\", 0755)  [rule policy.ini:4]")))
			fail_msg("the prompt does not cite the ask rule's new line:\n%s", out);
		assert_int_equal(write(in[1], "d\n", 2), 2);
		if (!read_until(from[0], out, sizeof(out), &len, "answered deny"))
			fail_msg("not answered:\n%s", out);
		close(in[1]);
		close(from[0]);
		finish(st);
		assert_true(lh_wait_status(&st->h, prompt, WAIT_MS) >= 0);
		lh_forget_pid(&st->h, prompt);
	}

	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s/a = 0", q));
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s/c = 0", q));
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s/x = -1 EACCES", r_dir));
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s/bb = -1 EPERM", q));
	/* the file has the rule where the records say */
	{
		char *text = lh_slurp(st->real);
		char *l3;

		assert_non_null(text);
		l3 = strchr(strchr(text, '\n') + 1, '\n') + 1;
		if (strncmp(l3, lh_tp(&st->h, "allow = path ~ %s/?\n", q),
			    strlen(lh_tp(&st->h, "allow = path ~ %s/?\n", q))))
			fail_msg("line 3 is not the written rule:\n%s", text);
		free(text);
	}
	/* the answered call: by the ask rule, now on line 4 */
	assert_int_equal(lh_count_lines_with(st->h.log, lh_tp(&st->h, "\"%s/a\"", q)), 1);
	assert_true(lh_count_lines_with(st->h.log, "[ask policy.ini:4 -> allow (answer)") >= 1);
	/* the call the written rule decides: by the written rule's line */
	assert_int_equal(lh_count_lines_with(st->h.log, "[ask policy.ini:3 -> allow (remembered)"),
			 1);
	assert_true(strstr(st->h.log, lh_tp(&st->h, "\"%s/c\"", q)) <
		    strstr(st->h.log, "[ask policy.ini:3 -> allow (remembered)"));
	/* a rule below the insertion point: moved two lines */
	assert_int_equal(lh_count_lines_with(st->h.log, "-1 EACCES [deny policy.ini:5]"), 1);
	/* the second ask, answered once */
	assert_int_equal(lh_count_lines_with(st->h.log, "[ask policy.ini:4 -> deny (answer)]"), 1);
	assert_int_equal(lh_count_lines_with(st->h.log, "policy.ini:2"), 0);
}

/* Read fd into buf (NUL-terminated) until needle shows up; false on timeout or EOF. */
static bool read_until(int fd, char *buf, size_t size, size_t *len, const char *needle)
{
	long end = lh_now_ms() + WAIT_MS;

	while (!strstr(buf, needle)) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		ssize_t n;

		if (lh_now_ms() > end || *len + 1 >= size)
			return false;
		if (poll(&p, 1, 100) <= 0)
			continue;
		n = read(fd, buf + *len, size - 1 - *len);
		if (n <= 0)
			return false;
		*len += (size_t)n;
		buf[*len] = '\0';
	}
	return true;
}

/*
 * sysgate prompt, its input a pipe: the confirmation it shows before sending
 * a remembered answer names the ask rule's other conditions, as the rule the
 * supervisor then remembers does (before, the prompt showed the path alone).
 */
static void test_prompt_confirmation_shows_the_conditions_remembered(void **state)
{
	struct fixture *st = *state;
	const char *a = lh_tp(&st->h, "%s/q/a", st->h.dir);
	const char *rule = lh_tp(&st->h, "allow = path ~ %s and mode & 0700", a);
	char out[16384] = "", pid[16];
	int in[2], from[2];
	size_t len = 0;
	pid_t prompt;
	FILE *f;

	f = fopen(st->real, "w");
	assert_non_null(f);
	fprintf(f,
		"[mkdir]\nask = path ~ %s/q/** and mode & 0700\nallow = *\n[sysgate]\n"
		"ask_timeout = 30s\n",
		st->h.dir);
	fclose(f);
	start(st, a);
	close(st->fd); /* only to know the socket is there */
	st->fd = -1;
	snprintf(pid, sizeof(pid), "%d", (int)st->sg);
	assert_int_equal(pipe(in), 0);
	assert_int_equal(pipe(from), 0);
	prompt = fork();
	assert_true(prompt >= 0);
	if (prompt == 0) {
		dup2(in[0], 0);
		dup2(from[1], 1);
		dup2(from[1], 2);
		execl(g_sysgate, g_sysgate, "prompt", pid, (char *)NULL);
		_exit(127);
	}
	lh_remember_pid(&st->h, prompt);
	close(in[0]);
	close(from[1]);
	if (!read_until(from[0], out, sizeof(out), &len, "waiting for calls"))
		fail_msg("the prompt did not attach:\n%s", out);
	lh_write_file(lh_tp(&st->h, "%s/go", st->h.dir), "", 0644);
	if (!read_until(from[0], out, sizeof(out), &len, "answer ["))
		fail_msg("no call shown:\n%s", out);
	assert_int_equal(write(in[1], "a run\n", 6), 6);
	if (!read_until(from[0], out, sizeof(out), &len, "confirm? [y/N]"))
		fail_msg("no confirmation asked:\n%s", out);
	if (!strstr(out, lh_tp(&st->h, "%s in [mkdir] for the rest of the run", rule)))
		fail_msg("the confirmation does not show \"%s\":\n%s", rule, out);
	assert_int_equal(write(in[1], "y\n", 2), 2);
	if (!read_until(from[0], out, sizeof(out), &len, lh_tp(&st->h, "covers: %s", rule)))
		fail_msg("the supervisor remembered another rule than \"%s\":\n%s", rule, out);
	close(in[1]);
	close(from[0]);
	finish(st);
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s = 0", a));
	assert_true(lh_wait_status(&st->h, prompt, WAIT_MS) >= 0);
	lh_forget_pid(&st->h, prompt);
}

#define NOBODY 65534

/*
 * With a relative XDG_RUNTIME_DIR (invalid by the XDG spec), sysgate run and
 * sysgate prompt of one user agree on where the socket is: both ignore it.
 * Before, the supervisor bound /tmp/sysgate-UID/PID.sock and the prompt
 * looked in ./REL/sysgate/ and found nothing. Both run as nobody (root's
 * sockets are in /run/sysgate whatever the environment says).
 */
static void test_relative_xdg_runtime_dir_prompt_finds_the_supervisor(void **state)
{
	struct fixture *st = *state;
	const char *a = lh_tp(&st->h, "%s/q/a", st->h.dir);
	const char *policy = lh_tp(&st->h, "%s/nobody.ini", st->h.dir);
	const char *const run[] = {"/usr/bin/setpriv",
				   "--reuid=65534",
				   "--regid=65534",
				   "--clear-groups",
				   "/usr/bin/env",
				   "XDG_RUNTIME_DIR=rel",
				   g_sysgate,
				   "run",
				   "-p",
				   policy,
				   "--",
				   g_target,
				   "wait-file",
				   lh_tp(&st->h, "%s/go", st->h.dir),
				   ":",
				   "mkdir",
				   a,
				   NULL};
	char out[16384] = "", pid[16];
	int in[2], from[2];
	size_t len = 0;
	pid_t prompt;

	if (access("/usr/bin/setpriv", X_OK) < 0)
		skip();
	lh_write_file(policy,
		      lh_tp(&st->h,
			    "[mkdir]\nask = path ~ %s/q/**\nallow = *\n[sysgate]\n"
			    "ask_timeout = 30s\n",
			    st->h.dir),
		      0644);
	assert_int_equal(chown(lh_tp(&st->h, "%s/q", st->h.dir), NOBODY, NOBODY), 0);
	st->sg = lh_spawn(&st->h, run);
	snprintf(pid, sizeof(pid), "%d", (int)st->sg);
	/* The supervisor's socket, where the rule says it is. */
	for (long end = lh_now_ms() + WAIT_MS;
	     !lh_exists(lh_tp(&st->h, "/tmp/sysgate-%d/%s.sock", NOBODY, pid));)
		if (lh_now_ms() > end)
			fail_msg("no socket in /tmp/sysgate-%d/", NOBODY);
		else
			usleep(5000);
	assert_int_equal(pipe(in), 0);
	assert_int_equal(pipe(from), 0);
	prompt = fork();
	assert_true(prompt >= 0);
	if (prompt == 0) {
		dup2(in[0], 0);
		dup2(from[1], 1);
		dup2(from[1], 2);
		if (chdir(st->h.dir) < 0)
			_exit(126);
		execl("/usr/bin/setpriv", "setpriv", "--reuid=65534", "--regid=65534",
		      "--clear-groups", "/usr/bin/env", "XDG_RUNTIME_DIR=rel", g_sysgate, "prompt",
		      pid, (char *)NULL);
		_exit(127);
	}
	lh_remember_pid(&st->h, prompt);
	close(in[0]);
	close(from[1]);
	if (!read_until(from[0], out, sizeof(out), &len, "waiting for calls"))
		fail_msg("the prompt did not find sysgate %s:\n%s", pid, out);
	assert_non_null(strstr(out, lh_tp(&st->h, "attached to sysgate %s", pid)));
	lh_write_file(lh_tp(&st->h, "%s/go", st->h.dir), "", 0644);
	if (!read_until(from[0], out, sizeof(out), &len, "answer ["))
		fail_msg("no call shown:\n%s", out);
	assert_int_equal(write(in[1], "a\n", 2), 2);
	if (!read_until(from[0], out, sizeof(out), &len, "answered allow (once)"))
		fail_msg("not answered:\n%s", out);
	close(in[1]);
	close(from[0]);
	finish(st);
	lh_assert_line(st->h.out, lh_tp(&st->h, "mkdir %s = 0", a));
	assert_true(lh_wait_status(&st->h, prompt, WAIT_MS) >= 0);
	lh_forget_pid(&st->h, prompt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_always_writes_through_the_link_keeping_mode_and_owner, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_always_that_would_not_load_is_refused_file_unchanged, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_prompt_confirmation_shows_the_conditions_remembered, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_always_later_records_and_asks_cite_the_new_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_relative_xdg_runtime_dir_prompt_finds_the_supervisor, setup, teardown),
	};

	int r = lh_find_binaries("hostile-writeback", g_sysgate, g_target, g_target_real);

	if (r)
		return r;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
