/*
 * test-records: records decode a real program's arguments by type (issue
 * 10, "records that stand on their own"): flag names, socket domains and
 * types, and the address and port of a sockaddr, copied once from the
 * target, in text and JSON; only the arguments the call has. sg-net makes
 * the calls; sg-target makes one through the i386 entry point.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/live-harness.h"

#define RUN_TIMEOUT_MS 60000

static char g_sysgate[PATH_MAX];
static char g_net[PATH_MAX];
static char g_net_real[PATH_MAX];

struct live {
	struct lh h;
	int inet, inet6, unx; /* listeners the target connects to */
	int port, port6;
	char abstract[64];
};

static int listen_on(int domain, const void *sa, socklen_t len)
{
	int fd = socket(domain, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || bind(fd, sa, len) < 0 || listen(fd, 8) < 0)
		return -1;
	return fd;
}

static int port_of(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return -1;
	return ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
					     : ((struct sockaddr_in6 *)&ss)->sin6_port);
}

static int setup(void **state)
{
	struct live *st = calloc(1, sizeof(*st));
	struct sockaddr_in in = {.sin_family = AF_INET};
	struct sockaddr_in6 in6 = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
	struct sockaddr_un un = {.sun_family = AF_UNIX};

	if (!st)
		return -1;
	if (lh_init(&st->h, "/tmp/sg-records.XXXXXX", 0) < 0)
		return -1;
	/* Ports chosen free at run time, by the kernel. */
	inet_pton(AF_INET, "127.0.0.1", &in.sin_addr);
	st->inet = listen_on(AF_INET, &in, sizeof(in));
	st->inet6 = listen_on(AF_INET6, &in6, sizeof(in6)); /* -1 without IPv6 */
	if (strlen(st->h.dir) + sizeof("/sock") > sizeof(un.sun_path))
		return -1;
	memcpy(un.sun_path, st->h.dir, strlen(st->h.dir));
	memcpy(un.sun_path + strlen(st->h.dir), "/sock", sizeof("/sock"));
	st->unx = listen_on(AF_UNIX, &un, sizeof(un));
	if (st->inet < 0 || st->unx < 0)
		return -1;
	st->port = port_of(st->inet);
	st->port6 = st->inet6 >= 0 ? port_of(st->inet6) : 1;
	snprintf(st->abstract, sizeof(st->abstract), "sg-records-%d", (int)getpid());
	*state = st;
	return 0;
}

static int teardown(void **state)
{
	struct live *st = *state;

	for (size_t i = 0; i < st->h.n_pids; i++)
		if (st->h.pids[i] > 0) {
			kill(st->h.pids[i], SIGKILL);
			waitpid(st->h.pids[i], NULL, WNOHANG);
		}
	close(st->inet);
	if (st->inet6 >= 0)
		close(st->inet6);
	close(st->unx);
	lh_fini(&st->h);
	free(st);
	return 0;
}

static void write_policy(struct live *st)
{
	lh_write_policy(&st->h,
			"[sysgate]\ndefault = allow\n"
			"[openat]\nlog = path ~ %s/**\n"
			"[socket]\nlog = *\n"
			"[connect]\nlog = *\n"
			"[sendto]\nlog = *\n",
			st->h.dir);
}

static int run_net(struct live *st, const char *format)
{
	return lh_run(&st->h, RUN_TIMEOUT_MS,
		      (const char *const[]){g_sysgate, "run", "-p", "policy.ini", "--log", "log",
					    "--log-format", format, "--", NULL},
		      g_net, "openat", lh_tp(&st->h, "%s/f1", st->h.dir), ":", "socket", ":",
		      "connect-inet", lh_tp(&st->h, "%d", st->port), ":", "connect-inet6",
		      lh_tp(&st->h, "%d", st->port6), ":", "connect-unix",
		      lh_tp(&st->h, "%s/sock", st->h.dir), ":", "connect-abstract", st->abstract,
		      ":", "connect-badptr", ":", "sendto-null", NULL);
}

/* The line of the log that contains needle (the first), or fail. */
static const char *line_with(struct live *st, const char *needle)
{
	const char *p = strstr(st->h.log, needle), *b, *e;

	if (!p)
		fail_msg("no record with %s in:\n%s", needle, st->h.log);
	for (b = p; b > st->h.log && b[-1] != '\n'; b--)
		;
	e = strchr(p, '\n');
	return lh_tp(&st->h, "%.*s", (int)(e ? e - b : (long)strlen(b)), b);
}

static void test_text_records_decode_by_type(void **state)
{
	struct live *st = *state;
	const char *l;

	write_policy(st);
	assert_int_equal(run_net(st, "text"), 0);
	/* the calls were made (connect succeeded: the listeners are ours) */
	lh_assert_line(st->h.out, "connect-inet = 0");
	lh_assert_line(st->h.out, "connect-unix = 0");

	l = line_with(st, "openat(");
	assert_non_null(strstr(l, lh_tp(&st->h,
					"openat(AT_FDCWD, \"%s/f1\", "
					"O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC, 0644) = ? [log ",
					st->h.dir)));
	l = line_with(st, "socket(");
	assert_non_null(strstr(l, "socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, 0) = ? [log "));
	l = line_with(st, "sin_port=");
	assert_non_null(strstr(l, lh_tp(&st->h,
					"{sa_family=AF_INET, sin_port=htons(%d), "
					"sin_addr=inet_addr(\"127.0.0.1\")} (copy), 16) = ? [log ",
					st->port)));
	if (st->inet6 >= 0) {
		l = line_with(st, "sin6_port=");
		assert_non_null(strstr(l, lh_tp(&st->h,
						"{sa_family=AF_INET6, sin6_port=htons(%d), "
						"sin6_addr=\"::1\"} (copy), 28)",
						st->port6)));
	}
	l = line_with(st, "sun_path=\"");
	assert_non_null(strstr(
		l, lh_tp(&st->h, "{sa_family=AF_UNIX, sun_path=\"%s/sock\"} (copy)", st->h.dir)));
	/* the abstract name: its ESC and NUL escaped, nothing raw in the log */
	l = line_with(st, "sun_path=@");
	assert_non_null(
		strstr(l, lh_tp(&st->h, "sun_path=@\"%s\\x1b\\x00z\"} (copy)", st->abstract)));
	assert_null(strchr(st->h.log, 0x1b));
	/* an address the target has not mapped: a marker, the call goes on
	 * and the kernel gives it EFAULT */
	l = line_with(st, "(unread: ");
	assert_non_null(strstr(l, ", 0x10 (unread: EFAULT), 16) = ? [log "));
	lh_assert_line(st->h.out, lh_tp(&st->h, "connect-badptr = -1 errno %d", EFAULT));
	/* sendto without an address: nothing read, six real arguments */
	l = line_with(st, "sendto(");
	assert_non_null(strstr(l, ", 1, 0, NULL, 0) = ? [log "));
	assert_null(strstr(l, "(copy)"));
	assert_null(strstr(l, "unread"));
}

/* The record of the first line whose "syscall" is name and, if key is set,
 * has that key; the caller puts it. */
static struct json_object *record_of(struct live *st, const char *name, const char *key,
				     const char *in_call)
{
	char *log = strdup(st->h.log), *save = NULL;

	assert_non_null(log);
	for (char *line = strtok_r(log, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct json_object *o = json_tokener_parse(line), *v;

		if (o && json_object_object_get_ex(o, "syscall", &v) &&
		    !strcmp(json_object_get_string(v), name) &&
		    (!key || json_object_object_get_ex(o, key, NULL)) &&
		    (!in_call || (json_object_object_get_ex(o, "call", &v) &&
				  strstr(json_object_get_string(v), in_call)))) {
			free(log);
			return o;
		}
		json_object_put(o);
	}
	free(log);
	fail_msg("no %s record in:\n%s", name, st->h.log);
	return NULL;
}

static const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		fail_msg("no key %s in %s", key, json_object_to_json_string(o));
	return json_object_get_string(v);
}

static struct json_object *jobj(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		fail_msg("no key %s in %s", key, json_object_to_json_string(o));
	return v;
}

static void test_json_records_decode_by_type(void **state)
{
	struct live *st = *state;
	struct json_object *o, *argv, *addr;

	write_policy(st);
	assert_int_equal(run_net(st, "json"), 0);
	lh_assert_line(st->h.out, "connect-inet = 0");

	o = record_of(st, "openat", NULL, "/f1\"");
	/* the keys others read are still there, "args" only as many as it has */
	assert_int_equal(json_object_array_length(jobj(o, "args")), 4);
	assert_non_null(strstr(jstr(o, "call"), "O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC, 0644)"));
	argv = jobj(o, "argv");
	assert_string_equal(jstr(argv, "dirfd"), "AT_FDCWD");
	assert_string_equal(jstr(argv, "pathname"), lh_tp(&st->h, "%s/f1", st->h.dir));
	assert_string_equal(jstr(argv, "flags"), "O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC");
	assert_string_equal(jstr(argv, "mode"), "0644");
	assert_false(json_object_object_get_ex(o, "addr", NULL));
	json_object_put(o);

	o = record_of(st, "socket", NULL, NULL);
	argv = jobj(o, "argv");
	assert_string_equal(jstr(argv, "domain"), "AF_INET");
	assert_string_equal(jstr(argv, "type"), "SOCK_STREAM|SOCK_CLOEXEC");
	assert_string_equal(jstr(argv, "protocol"), "0");
	json_object_put(o);

	o = record_of(st, "connect", NULL, "sin_port=");
	addr = jobj(o, "addr");
	assert_string_equal(jstr(addr, "family"), "AF_INET");
	assert_string_equal(jstr(addr, "ip"), "127.0.0.1");
	assert_int_equal(json_object_get_int(jobj(addr, "port")), st->port);
	assert_true(json_object_get_boolean(jobj(addr, "copy")));
	assert_string_equal(jstr(jobj(o, "argv"), "addrlen"), "16");
	assert_int_equal(json_object_array_length(jobj(o, "args")), 3);
	json_object_put(o);

	o = record_of(st, "connect", NULL, "sun_path=\"");
	addr = jobj(o, "addr");
	assert_string_equal(jstr(addr, "family"), "AF_UNIX");
	assert_string_equal(jstr(addr, "path"), lh_tp(&st->h, "%s/sock", st->h.dir));
	json_object_put(o);

	o = record_of(st, "connect", NULL, "sun_path=@");
	addr = jobj(o, "addr");
	assert_string_equal(jstr(addr, "path"), lh_tp(&st->h, "%s\\x1b\\x00z", st->abstract));
	assert_true(json_object_get_boolean(jobj(addr, "abstract")));
	json_object_put(o);

	o = record_of(st, "connect", NULL, "unread");
	addr = jobj(o, "addr");
	assert_false(json_object_get_boolean(jobj(addr, "copy")));
	assert_string_equal(jstr(addr, "error"), "EFAULT");
	json_object_put(o);

	o = record_of(st, "sendto", NULL, NULL);
	assert_false(json_object_object_get_ex(o, "addr", NULL));
	assert_string_equal(jstr(jobj(o, "argv"), "dest_addr"), "NULL");
	assert_int_equal(json_object_array_length(jobj(o, "args")), 6);
	json_object_put(o);
}

/* A target that stalls the copy of its sockaddr (a userfaultfd page nobody
 * serves) stalls no more than any read of its memory: the watchdog answers
 * the call EFAULT with a record that names the stall, and sysgate goes on
 * deciding (the next call has its record). */
static void test_stalled_sockaddr_is_bounded(void **state)
{
	struct live *st = *state;
	int status;

	write_policy(st);
	status = lh_run(&st->h, RUN_TIMEOUT_MS,
			(const char *const[]){g_sysgate, "run", "-p", "policy.ini", "--log", "log",
					      "--", NULL},
			g_net, "connect-stall", ":", "socket", NULL);
	if (strstr(st->h.out, "connect-stall") == NULL && status != 0)
		skip(); /* no userfaultfd here */
	lh_assert_line(st->h.out, lh_tp(&st->h, "connect-stall = -1 errno %d", EFAULT));
	lh_assert_line(st->h.out, "socket = 0");
	assert_int_equal(lh_count_lines_with(st->h.log, "stall: target memory did not arrive"), 1);
	assert_non_null(strstr(line_with(st, "stall: target memory"), "connect("));
	/* the next call was decided and recorded after it (connect-stall's own
	 * socket comes before) */
	{
		const char *stalled = strstr(st->h.log, "stall: target memory");

		assert_non_null(
			strstr(stalled, "socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, 0) = ? [log"));
	}
}

/* An i386 call decodes with i386's positions and widths: mkdirat through
 * int $0x80 (sg-target), its AT_FDCWD a 32-bit int. */
static void test_i386_record_decodes(void **state)
{
	struct live *st = *state;
	const char *target = getenv("SG_TARGET_MAIN");
	struct json_object *o;

	if (!target || access(target, X_OK) < 0)
		skip();
	lh_write_policy(&st->h, "[sysgate]\ndefault = allow\n[mkdirat]\nlog = *\n");
	assert_int_equal(lh_run(&st->h, RUN_TIMEOUT_MS,
				(const char *const[]){g_sysgate, "run", "-p", "policy.ini", "--log",
						      "log", "--log-format", "json", "--", NULL},
				target, "mkdirat32", "cwd", "b", NULL),
			 0);
	o = record_of(st, "mkdirat", NULL, NULL);
	assert_string_equal(jstr(o, "arch"), "i386");
	assert_string_equal(jstr(o, "call"), "mkdirat(AT_FDCWD, \"b\", 0755)");
	assert_string_equal(jstr(jobj(o, "argv"), "dirfd"), "AT_FDCWD");
	assert_int_equal(json_object_array_length(jobj(o, "args")), 3);
	json_object_put(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_text_records_decode_by_type, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json_records_decode_by_type, setup, teardown),
		cmocka_unit_test_setup_teardown(test_i386_record_decodes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stalled_sockaddr_is_bounded, setup, teardown),
	};
	int r = lh_find_binaries("test-records", g_sysgate, g_net, g_net_real);

	if (r)
		return r;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
