/* Unit tests for supervisor/log: formats, escaping, sinks and the summary. */
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "supervisor/log/log.h"

static const struct syscall_shape shape_mkdirat = {"mkdirat", "Dso", FOLLOW_NEVER};
static const struct syscall_shape shape_mkdir = {"mkdir", "so", FOLLOW_NEVER};
static const struct syscall_shape shape_openat = {"openat", "Dsfo", FOLLOW_OPEN};
static const struct syscall_shape shape_fchmodat = {"fchmodat2", "Dsoa", FOLLOW_UNLESS_AT_NOFOLLOW};
static const struct syscall_shape shape_misc = {"misc", "Fduxx", FOLLOW_ALWAYS};

/* 2026-11-22T08:13:43.123Z */
#define T_SEC 1795335223
#define T_NSEC 123456789

/* The reference record: mkdirat(AT_FDCWD, "/etc/x", 0755) denied with EACCES. */
static struct log_record mkdirat_record(void)
{
	struct log_record r = {
		.time = {.tv_sec = T_SEC, .tv_nsec = T_NSEC},
		.pid = 4711,
		.exe = "/usr/bin/mkdir",
		.arch = AUDIT_ARCH_X86_64,
		.nr = 258,
		.syscall = "mkdirat",
		.shape = &shape_mkdirat,
		.args = {(uint64_t)-100, 0x7ffd1000, 0755},
		.strs = {NULL, "/etc/x"},
		.path = "/etc/x",
		.decision = DECISION_DENY,
		.err = EACCES,
		.rule = "policy.ini:12",
		.enforced = true,
		.uid = -1, /* unknown: not in JSON records */
		.euid = -1,
	};
	return r;
}

static void assert_text(const struct log_record *r, const char *want)
{
	char buf[1024];
	int n = log_format_text(r, buf, sizeof(buf));

	assert_string_equal(buf, want);
	assert_int_equal(n, (int)strlen(want));
}

static void assert_call(const struct log_record *r, const char *want)
{
	char buf[16384];
	int n = log_format_call(r, buf, sizeof(buf));

	assert_string_equal(buf, want);
	assert_int_equal(n, (int)strlen(want));
}

/* Only printable ASCII: no control byte, no DEL, nothing of a multi-byte sequence. */
static void assert_printable(const char *s)
{
	for (; *s; s++)
		assert_true((unsigned char)*s >= 0x20 && (unsigned char)*s < 0x7f);
}

/* ---- text ---- */

static void test_format_text_deny_enforced(void **state)
{
	struct log_record r = mkdirat_record();

	assert_text(&r, "sysgate: 4711 /usr/bin/mkdir mkdirat(AT_FDCWD, \"/etc/x\", 0755) = -1 "
			"EACCES [deny policy.ini:12]");
}

static void test_format_text_deny_unnamed_errno(void **state)
{
	struct log_record r = mkdirat_record();

	r.err = 4000;
	assert_text(&r, "sysgate: 4711 /usr/bin/mkdir mkdirat(AT_FDCWD, \"/etc/x\", 0755) = -1 "
			"errno 4000 [deny policy.ini:12]");
}

static void test_format_text_deny_complain(void **state)
{
	struct log_record r = mkdirat_record();

	r.enforced = false;
	assert_text(&r, "sysgate: 4711 /usr/bin/mkdir mkdirat(AT_FDCWD, \"/etc/x\", 0755) = ? "
			"[deny policy.ini:12, complain: allowed]");
}

static void test_format_text_kill_enforced(void **state)
{
	struct log_record r = mkdirat_record();

	r.decision = DECISION_KILL;
	r.err = 0;
	r.rule = "default";
	assert_text(&r, "sysgate: 4711 /usr/bin/mkdir mkdirat(AT_FDCWD, \"/etc/x\", 0755) = ? "
			"[kill default] +++ killed +++");
}

static void test_format_text_kill_complain(void **state)
{
	struct log_record r = mkdirat_record();

	r.decision = DECISION_KILL;
	r.err = 0;
	r.enforced = false;
	assert_text(&r, "sysgate: 4711 /usr/bin/mkdir mkdirat(AT_FDCWD, \"/etc/x\", 0755) = ? "
			"[kill policy.ini:12, complain: allowed]");
}

static void test_format_text_log_and_allow(void **state)
{
	struct log_record r = mkdirat_record();

	r.decision = DECISION_LOG;
	r.err = 0;
	assert_text(&r, "sysgate: 4711 /usr/bin/mkdir mkdirat(AT_FDCWD, \"/etc/x\", 0755) = ? "
			"[log policy.ini:12]");
	r.decision = DECISION_ALLOW;
	r.rule = "implicit:io_uring";
	assert_text(&r, "sysgate: 4711 /usr/bin/mkdir mkdirat(AT_FDCWD, \"/etc/x\", 0755) = ? "
			"[allow implicit:io_uring]");
}

static void test_format_text_unknown_exe_and_rule(void **state)
{
	struct log_record r = mkdirat_record();

	r.exe = NULL;
	r.rule = NULL;
	assert_text(&r, "sysgate: 4711 ? mkdirat(AT_FDCWD, \"/etc/x\", 0755) = -1 EACCES [deny ?]");
}

static void test_format_text_i386_prefix(void **state)
{
	struct log_record r = mkdirat_record();

	r.arch = AUDIT_ARCH_I386;
	r.nr = 39;
	r.syscall = "mkdir";
	r.shape = &shape_mkdir;
	/* Bits above 32 are not part of an i386 call and must not show. */
	r.args[0] = 0xdeadbeef00001000ULL;
	r.args[1] = 0xffffffff00000000ULL | 0755;
	r.strs[0] = "/etc/x";
	r.strs[1] = NULL;
	assert_text(&r, "sysgate: 4711 /usr/bin/mkdir i386:mkdir(\"/etc/x\", 0755) = -1 EACCES "
			"[deny policy.ini:12]");
	r.strs[0] = NULL;
	assert_call(&r, "mkdir(0x1000, 0755)");
}

static void test_format_text_x32_prefix(void **state)
{
	struct log_record r = mkdirat_record();

	r.x32 = true;
	assert_text(&r, "sysgate: 4711 /usr/bin/mkdir x32:mkdirat(AT_FDCWD, \"/etc/x\", 0755) = -1 "
			"EACCES [deny policy.ini:12]");
}

static void test_format_text_path_shown_when_it_differs(void **state)
{
	struct log_record r = mkdirat_record();

	r.strs[1] = "x";
	r.path = "/etc/x";
	assert_text(&r, "sysgate: 4711 /usr/bin/mkdir mkdirat(AT_FDCWD, \"x\", 0755) = -1 EACCES "
			"[deny policy.ini:12] path=\"/etc/x\"");
	r.decision = DECISION_KILL;
	assert_text(&r, "sysgate: 4711 /usr/bin/mkdir mkdirat(AT_FDCWD, \"x\", 0755) = ? "
			"[kill policy.ini:12] path=\"/etc/x\" +++ killed +++");
	r.path = NULL;
	r.decision = DECISION_DENY;
	assert_text(&r, "sysgate: 4711 /usr/bin/mkdir mkdirat(AT_FDCWD, \"x\", 0755) = -1 EACCES "
			"[deny policy.ini:12]");
}

static void test_format_text_escapes_target_strings(void **state)
{
	struct log_record r = mkdirat_record();
	char buf[2048];
	int n;

	r.exe = "/tmp/evil\n\x1b[31mexe";
	r.strs[1] = "a\tb\"c\\d\x7f\xc3\xa9";
	r.path = "/tmp/\x1b]0;title\x07\r";
	n = log_format_text(&r, buf, sizeof(buf));
	assert_true(n > 0);
	assert_printable(buf);
	assert_string_equal(buf, "sysgate: 4711 /tmp/evil\\n\\x1b[31mexe mkdirat(AT_FDCWD, "
				 "\"a\\tb\\\"c\\\\d\\x7f\\xc3\\xa9\", 0755) = -1 EACCES "
				 "[deny policy.ini:12] path=\"/tmp/\\x1b]0;title\\x07\\r\"");
}

static void test_format_text_enobufs(void **state)
{
	struct log_record r = mkdirat_record();
	char buf[32];

	memset(buf, 'Z', sizeof(buf));
	assert_int_equal(log_format_text(&r, buf, sizeof(buf)), -ENOBUFS);
	assert_int_equal(strnlen(buf, sizeof(buf)), sizeof(buf) - 1);
	/* Exactly the length does not fit: the NUL needs a byte too. */
	{
		char big[512];
		int n = log_format_text(&r, big, sizeof(big));

		assert_true(n > 0);
		assert_int_equal(log_format_text(&r, big, (size_t)n), -ENOBUFS);
		assert_int_equal(log_format_text(&r, big, (size_t)n + 1), n);
	}
}

/* ---- call ---- */

static void test_format_call_at_fdcwd_64_and_32_bit(void **state)
{
	struct log_record r = mkdirat_record();

	r.args[0] = (uint64_t)-100;
	assert_call(&r, "mkdirat(AT_FDCWD, \"/etc/x\", 0755)");
	r.args[0] = 0xffffff9cULL;
	assert_call(&r, "mkdirat(AT_FDCWD, \"/etc/x\", 0755)");
	r.args[0] = 3;
	assert_call(&r, "mkdirat(3, \"/etc/x\", 0755)");
	r.args[0] = 0xffffffffULL;
	assert_call(&r, "mkdirat(-1, \"/etc/x\", 0755)");
}

static void test_format_call_open_flags(void **state)
{
	struct log_record r = mkdirat_record();

	r.syscall = "openat";
	r.shape = &shape_openat;
	r.args[2] = O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC;
	r.args[3] = 0644;
	assert_call(&r, "openat(AT_FDCWD, \"/etc/x\", O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC, 0644)");
	r.args[2] = 0;
	r.args[3] = 0;
	assert_call(&r, "openat(AT_FDCWD, \"/etc/x\", O_RDONLY, 000)");
	r.args[2] = O_RDWR | O_EXCL | O_APPEND | O_NOFOLLOW | O_DIRECTORY | O_NONBLOCK;
	assert_call(&r, "openat(AT_FDCWD, \"/etc/x\", "
			"O_RDWR|O_EXCL|O_APPEND|O_NONBLOCK|O_DIRECTORY|O_NOFOLLOW, 000)");
	r.args[2] = O_RDWR | O_TMPFILE;
	r.args[3] = 0100600;
	assert_call(&r, "openat(AT_FDCWD, \"/etc/x\", O_RDWR|O_TMPFILE, 0100600)");
	r.args[2] = O_PATH | 0x80000000U;
	assert_call(&r, "openat(AT_FDCWD, \"/etc/x\", O_RDONLY|O_PATH|0x80000000, 0100600)");
}

static void test_format_call_at_flags(void **state)
{
	struct log_record r = mkdirat_record();

	r.syscall = "fchmodat2"; /* fchmodat(2) has no flags: three arguments */
	r.shape = &shape_fchmodat;
	r.args[3] = 0;
	assert_call(&r, "fchmodat2(AT_FDCWD, \"/etc/x\", 0755, 0)");
	r.args[3] = 0x100 | 0x1000;
	assert_call(&r, "fchmodat2(AT_FDCWD, \"/etc/x\", 0755, AT_SYMLINK_NOFOLLOW|AT_EMPTY_PATH)");
	r.args[3] = 0x200 | 0x400 | 0x1;
	assert_call(&r,
		    "fchmodat2(AT_FDCWD, \"/etc/x\", 0755, AT_REMOVEDIR|AT_SYMLINK_FOLLOW|0x1)");
	r.args[3] = 0x40000;
	assert_call(&r, "fchmodat2(AT_FDCWD, \"/etc/x\", 0755, 0x40000)");
}

static void test_format_call_numbers(void **state)
{
	struct log_record r = mkdirat_record();

	r.syscall = "misc";
	r.shape = &shape_misc;
	r.args[0] = 0xfffffffeULL;
	r.args[1] = 0x1ffffffffULL;
	r.args[2] = 18446744073709551615ULL;
	r.args[3] = 0;
	r.args[4] = 0x7ffc0de0;
	assert_call(&r, "misc(-2, -1, 18446744073709551615, 0, 0x7ffc0de0)");
	r.arch = AUDIT_ARCH_I386;
	assert_call(&r, "misc(-2, -1, 4294967295, 0, 0x7ffc0de0)");
}

static void test_format_call_without_shape_or_name(void **state)
{
	struct log_record r = mkdirat_record();

	r.shape = NULL;
	r.syscall = NULL;
	r.nr = 999;
	r.args[3] = 0;
	r.args[4] = 0x10;
	r.args[5] = 0xffffffffffffffffULL;
	assert_call(&r, "syscall_999(0xffffffffffffff9c, 0x7ffd1000, 0x1ed, 0, 0x10, "
			"0xffffffffffffffff)");
}

static void test_format_call_string_pointer_and_null(void **state)
{
	struct log_record r = mkdirat_record();

	r.strs[1] = NULL;
	assert_call(&r, "mkdirat(AT_FDCWD, 0x7ffd1000, 0755)");
	r.args[1] = 0;
	assert_call(&r, "mkdirat(AT_FDCWD, NULL, 0755)");
}

static void test_format_call_long_string_cut(void **state)
{
	struct log_record r = mkdirat_record();
	char *s = malloc(5001), *want = malloc(5100);

	assert_non_null(s);
	assert_non_null(want);
	memset(s, 'a', 5000);
	s[5000] = '\0';
	r.strs[1] = s;
	snprintf(want, 5100, "mkdirat(AT_FDCWD, \"%.4096s\"..., 0755)", s);
	assert_call(&r, want);
	/* Exactly 4096 is whole, without "...". */
	s[4096] = '\0';
	snprintf(want, 5100, "mkdirat(AT_FDCWD, \"%s\", 0755)", s);
	assert_call(&r, want);
	free(s);
	free(want);
}

static void test_format_call_enobufs(void **state)
{
	struct log_record r = mkdirat_record();
	char buf[8];

	assert_int_equal(log_format_call(&r, buf, sizeof(buf)), -ENOBUFS);
	assert_string_equal(buf, "mkdirat");
	assert_int_equal(log_format_call(&r, buf, 0), -ENOBUFS);
}

/* ---- escape ---- */

static void test_escape_every_class(void **state)
{
	char buf[128];

	assert_int_equal(log_escape("plain /path-1_x.y", buf, sizeof(buf)), 17);
	assert_string_equal(buf, "plain /path-1_x.y");
	assert_int_equal(log_escape("\n\t\r\"\\\x01\x1b\x7f\x80\xff ~", buf, sizeof(buf)), 32);
	assert_string_equal(buf, "\\n\\t\\r\\\"\\\\\\x01\\x1b\\x7f\\x80\\xff ~");
	assert_int_equal(log_escape("", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
}

static void test_escape_enobufs(void **state)
{
	char buf[4];

	assert_int_equal(log_escape("abc", buf, sizeof(buf)), 3);
	assert_int_equal(log_escape("abcd", buf, sizeof(buf)), -ENOBUFS);
	assert_string_equal(buf, "abc");
	/* One byte in, four out. */
	assert_int_equal(log_escape("\x1b", buf, sizeof(buf)), -ENOBUFS);
	assert_int_equal(buf[3], '\0');
	assert_int_equal(log_escape("a", buf, 0), -ENOBUFS);
}

/* ---- JSON ---- */

static struct json_object *json_key(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	assert_true(json_object_object_get_ex(o, key, &v));
	return v;
}

static void assert_json_string(struct json_object *o, const char *key, const char *want)
{
	struct json_object *v = json_key(o, key);

	assert_true(json_object_is_type(v, json_type_string));
	assert_string_equal(json_object_get_string(v), want);
}

static struct json_object *format_and_parse(const struct log_record *r, char *buf, size_t size)
{
	struct json_object *o;
	int n = log_format_json(r, buf, size);

	assert_true(n > 0);
	assert_int_equal((size_t)n, strlen(buf));
	assert_null(strchr(buf, '\n'));
	o = json_tokener_parse(buf);
	assert_non_null(o);
	assert_true(json_object_is_type(o, json_type_object));
	return o;
}

static void test_format_json_every_key(void **state)
{
	struct log_record r = mkdirat_record();
	struct json_object *o, *args;
	int y, mo, d, h, mi, s, ms, n = 0;
	char buf[2048];

	r.strs[1] = "x";
	o = format_and_parse(&r, buf, sizeof(buf));
	assert_json_string(o, "time", "2026-11-22T08:13:43.123Z");
	assert_int_equal(sscanf(json_object_get_string(json_key(o, "time")),
				"%4d-%2d-%2dT%2d:%2d:%2d.%3dZ%n", &y, &mo, &d, &h, &mi, &s, &ms,
				&n),
			 7);
	assert_int_equal(n, 24);
	assert_true(json_object_is_type(json_key(o, "pid"), json_type_int));
	assert_int_equal(json_object_get_int(json_key(o, "pid")), 4711);
	assert_json_string(o, "exe", "/usr/bin/mkdir");
	assert_json_string(o, "arch", "x86_64");
	assert_json_string(o, "syscall", "mkdirat");
	args = json_key(o, "args");
	assert_true(json_object_is_type(args, json_type_array));
	assert_int_equal(json_object_array_length(args), 3);
	assert_true(json_object_get_uint64(json_object_array_get_idx(args, 0)) == (uint64_t)-100);
	assert_true(json_object_get_uint64(json_object_array_get_idx(args, 1)) == 0x7ffd1000);
	assert_true(json_object_get_uint64(json_object_array_get_idx(args, 2)) == 0755);
	assert_json_string(o, "call", "mkdirat(AT_FDCWD, \"x\", 0755)");
	assert_json_string(o, "path", "/etc/x");
	assert_json_string(o, "decision", "deny");
	assert_json_string(o, "errno", "EACCES");
	assert_json_string(o, "rule", "policy.ini:12");
	assert_true(json_object_is_type(json_key(o, "enforced"), json_type_boolean));
	assert_true(json_object_get_boolean(json_key(o, "enforced")));
	assert_true(json_object_is_type(json_key(o, "emulated"), json_type_boolean));
	assert_false(json_object_get_boolean(json_key(o, "emulated")));
	assert_false(
		json_object_object_get_ex(o, "result", NULL)); /* only emulated calls carry it */
	/* decoded, by the man page's names (keys added after "call") */
	{
		struct json_object *argv = json_key(o, "argv");

		assert_true(json_object_is_type(argv, json_type_object));
		assert_int_equal(json_object_object_length(argv), 3);
		assert_json_string(argv, "dirfd", "AT_FDCWD");
		assert_json_string(argv, "pathname", "x");
		assert_json_string(argv, "mode", "0755");
	}
	assert_false(json_object_object_get_ex(o, "addr", NULL)); /* mkdirat has none */
	assert_int_equal(json_object_object_length(o), 14);
	/* Numbers stay exact, as unsigned 64-bit, not doubles. */
	assert_non_null(strstr(buf, "\"args\":[18446744073709551516,2147291136,493]"));
	json_object_put(o);

	/* who called, the session, and the command line the first time */
	{
		char *const argv[] = {"mkdir", "-p", "a\x1b[b", NULL};
		struct json_object *cmd;

		r.tgid = 4700;
		r.ppid = 4600;
		r.uid = 1000;
		r.euid = 0;
		snprintf(r.session, sizeof(r.session), "0123456789abcdef");
		r.cmdline = argv;
		o = format_and_parse(&r, buf, sizeof(buf));
		assert_int_equal(json_object_get_int(json_key(o, "tgid")), 4700);
		assert_int_equal(json_object_get_int(json_key(o, "ppid")), 4600);
		assert_int_equal(json_object_get_int(json_key(o, "uid")), 1000);
		assert_int_equal(json_object_get_int(json_key(o, "euid")), 0);
		assert_json_string(o, "session", "0123456789abcdef");
		cmd = json_key(o, "cmdline");
		assert_int_equal(json_object_array_length(cmd), 3);
		/* what the target chose is escaped as every target string is:
		 * no raw escape character reaches the sink */
		assert_null(strchr(buf, 0x1b));
		assert_string_equal(json_object_get_string(json_object_array_get_idx(cmd, 2)),
				    "a\x1b[b");
		assert_int_equal(json_object_object_length(o), 20); /* 19 and argv */
		json_object_put(o);
	}
}

static void test_format_json_nulls_and_complain(void **state)
{
	struct log_record r = mkdirat_record();
	struct json_object *o;
	char buf[2048];

	r.exe = NULL;
	r.path = NULL;
	r.syscall = NULL;
	r.shape = NULL;
	r.nr = 39;
	r.arch = AUDIT_ARCH_I386;
	r.enforced = false;
	r.time.tv_nsec = 999999999;
	o = format_and_parse(&r, buf, sizeof(buf));
	assert_json_string(o, "time", "2026-11-22T08:13:43.999Z");
	assert_true(json_object_is_type(json_key(o, "exe"), json_type_null));
	assert_true(json_object_is_type(json_key(o, "path"), json_type_null));
	assert_json_string(o, "arch", "i386");
	assert_json_string(o, "syscall", "syscall_39");
	assert_int_equal(json_object_array_length(json_key(o, "args")), 6);
	assert_json_string(o, "call", "syscall_39(0xffffff9c, 0x7ffd1000, 0x1ed, 0, 0, 0)");
	/* Complain mode returned no errno: the key is absent. */
	assert_false(json_object_object_get_ex(o, "errno", NULL));
	assert_false(json_object_get_boolean(json_key(o, "enforced")));
	json_object_put(o);

	r = mkdirat_record();
	r.x32 = true;
	r.decision = DECISION_LOG;
	r.err = 0;
	o = format_and_parse(&r, buf, sizeof(buf));
	assert_json_string(o, "arch", "x32");
	assert_json_string(o, "decision", "log");
	assert_false(json_object_object_get_ex(o, "errno", NULL));
	json_object_put(o);
}

static bool valid_utf8(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;

	while (*u) {
		size_t len, i;

		if (*u < 0x80)
			len = 1;
		else if (*u >= 0xc2 && *u <= 0xdf)
			len = 2;
		else if (*u >= 0xe0 && *u <= 0xef)
			len = 3;
		else if (*u >= 0xf0 && *u <= 0xf4)
			len = 4;
		else
			return false;
		for (i = 1; i < len; i++)
			if ((u[i] & 0xc0) != 0x80)
				return false;
		u += len;
	}
	return true;
}

static void test_format_json_sanitizes_target_strings(void **state)
{
	struct log_record r = mkdirat_record();
	struct json_object *o;
	char buf[4096];
	const char *p;

	r.exe = "/tmp/\xff\xfe-\xc3\xa9-\xc0\xaf-\xed\xa0\x80-\xc2\x9b-\x7f";
	r.path = "/tmp/a\nb\x1b[2Jc\xe2\x82";
	r.strs[1] = "\xf0\x9f\x98\x80\x1b";
	o = format_and_parse(&r, buf, sizeof(buf));
	/* Valid UTF-8 (é) stays; bad bytes, overlongs, surrogates, C1 and DEL become text. */
	assert_json_string(o, "exe",
			   "/tmp/\\xff\\xfe-\xc3\xa9-\\xc0\\xaf-"
			   "\\xed\\xa0\\x80-\\xc2\\x9b-\\x7f");
	/* C0 controls are kept in the value but escaped by JSON on the wire. */
	assert_json_string(o, "path", "/tmp/a\nb\x1b[2Jc\\xe2\\x82");
	/* The call is escaped C text: ASCII only. */
	assert_json_string(o, "call", "mkdirat(AT_FDCWD, \"\\xf0\\x9f\\x98\\x80\\x1b\", 0755)");
	json_object_put(o);
	assert_true(valid_utf8(buf));
	for (p = buf; *p; p++)
		assert_true((unsigned char)*p >= 0x20 && (unsigned char)*p != 0x7f);
	assert_non_null(strstr(buf, "\\u001b"));
}

static void test_format_json_enobufs(void **state)
{
	struct log_record r = mkdirat_record();
	char buf[64];

	assert_int_equal(log_format_json(&r, buf, sizeof(buf)), -ENOBUFS);
	assert_int_equal(strnlen(buf, sizeof(buf)), sizeof(buf) - 1);
}

/* ---- sinks and summary: a scratch directory per test ---- */

struct fixture {
	char dir[64];
	char file[128];
	char file2[128];
};

static int setup_dir(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/test-log.XXXXXX");
	if (!mkdtemp(f->dir)) {
		free(f);
		return -1;
	}
	snprintf(f->file, sizeof(f->file), "%s/log", f->dir);
	snprintf(f->file2, sizeof(f->file2), "%s/log2", f->dir);
	*state = f;
	return 0;
}

static int teardown_dir(void **state)
{
	struct fixture *f = *state;

	unlink(f->file);
	unlink(f->file2);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* The whole file, NUL-terminated; the caller frees. */
static char *read_all(const char *path, size_t *ret_len)
{
	FILE *fp = fopen(path, "re");
	char *s;
	long n;

	assert_non_null(fp);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	n = ftell(fp);
	rewind(fp);
	s = malloc((size_t)n + 1);
	assert_non_null(s);
	assert_int_equal(fread(s, 1, (size_t)n, fp), (size_t)n);
	s[n] = '\0';
	fclose(fp);
	if (ret_len)
		*ret_len = (size_t)n;
	return s;
}

static void test_emit_file_sink_appends_whole_lines(void **state)
{
	struct fixture *f = *state;
	const char *sinks[] = {f->file};
	struct log_record r = mkdirat_record();
	struct logger *a = NULL, *b = NULL;
	struct stat st;
	char *s;

	/* Two loggers on one file, as two sysgate runs would be (each
	 * writes on its own thread: a's line is out before b's is queued). */
	assert_int_equal(log_open(&a, sinks, 1, LOG_TEXT, false, NULL), 0);
	assert_int_equal(log_open(&b, sinks, 1, LOG_TEXT, false, NULL), 0);
	log_emit(a, &r);
	assert_int_equal(log_flush(a, 5000), 0);
	r.pid = 4712;
	r.decision = DECISION_LOG;
	log_emit(b, &r);
	assert_int_equal(log_write_errors(a) + log_write_errors(b), 0);
	log_close(a);
	log_close(b);

	assert_int_equal(stat(f->file, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	s = read_all(f->file, NULL);
	assert_string_equal(s,
			    "sysgate: 4711 /usr/bin/mkdir mkdirat(AT_FDCWD, \"/etc/x\", 0755) = -1 "
			    "EACCES [deny policy.ini:12]\n"
			    "sysgate: 4712 /usr/bin/mkdir mkdirat(AT_FDCWD, \"/etc/x\", 0755) = ? "
			    "[log policy.ini:12]\n");
	free(s);

	/* Opening again appends; it does not truncate. */
	assert_int_equal(log_open(&a, sinks, 1, LOG_JSON, false, NULL), 0);
	log_emit(a, &r);
	log_close(a);
	s = read_all(f->file, NULL);
	assert_non_null(strstr(s, "[log policy.ini:12]\n{\"time\":\"2026-11-22T08:13:43.123Z\""));
	assert_int_equal(s[strlen(s) - 1], '\n');
	free(s);
}

static void test_emit_long_record_is_whole(void **state)
{
	struct fixture *f = *state;
	const char *sinks[] = {f->file};
	struct log_record r = mkdirat_record();
	struct logger *l = NULL;
	char *path = malloc(4097), *want = malloc(16384), *s;
	size_t len;

	assert_non_null(path);
	assert_non_null(want);
	path[0] = '/';
	memset(path + 1, 'p', 4095);
	path[4096] = '\0';
	r.path = path;
	r.strs[1] = path + 1; /* relative: differs, so the path is shown too */
	r.exe = path;
	assert_int_equal(log_open(&l, sinks, 1, LOG_TEXT, false, NULL), 0);
	log_emit(l, &r);
	assert_int_equal(log_write_errors(l), 0);
	log_close(l);

	snprintf(want, 16384,
		 "sysgate: 4711 %s mkdirat(AT_FDCWD, \"%s\", 0755) = -1 EACCES "
		 "[deny policy.ini:12] path=\"%s\"\n",
		 path, path + 1, path);
	s = read_all(f->file, &len);
	assert_int_equal(len, strlen(want));
	assert_string_equal(s, want);
	free(s);
	free(path);
	free(want);
}

static void test_emit_write_errors_are_counted(void **state)
{
	const char *sinks[] = {"/dev/full"};
	struct log_record r = mkdirat_record();
	struct logger *l = NULL;

	assert_int_equal(log_open(&l, sinks, 1, LOG_TEXT, false, NULL), 0);
	log_emit(l, &r);
	log_emit(l, &r);
	assert_int_equal(log_write_errors(l), 2);
	log_close(l);
}

static void test_emit_broken_pipe_is_counted(void **state)
{
	struct fixture *f = *state;
	const char *sinks[] = {f->file};
	struct log_record r = mkdirat_record();
	struct logger *l = NULL;

	/* A FIFO whose reader went away: EPIPE, as a closed log consumer gives. */
	assert_int_equal(mkfifo(f->file, 0600), 0);
	{
		int rfd = open(f->file, O_RDONLY | O_NONBLOCK | O_CLOEXEC);

		assert_true(rfd >= 0);
		assert_int_equal(log_open(&l, sinks, 1, LOG_TEXT, false, NULL), 0);
		close(rfd);
	}
	log_emit(l, &r);
	assert_int_equal(log_write_errors(l), 1);
	log_close(l);
}

static void test_open_reports_bad_sink(void **state)
{
	const char *sinks[] = {"stderr", "/nonexistent-dir/x/log"};
	const char *empty[] = {""};
	struct logger *l = NULL;
	const char *bad = NULL;

	assert_int_equal(log_open(&l, sinks, 2, LOG_TEXT, false, &bad), -ENOENT);
	assert_null(l);
	assert_ptr_equal(bad, sinks[1]);
	bad = NULL;
	assert_int_equal(log_open(&l, empty, 1, LOG_TEXT, false, &bad), -EINVAL);
	assert_ptr_equal(bad, empty[0]);
	log_close(NULL);
}

/* Every name the policy accepts as a sink is a sink of its own kind, not a
 * file of that name in the cwd. */
static void test_open_knows_every_sink_name(void **state)
{
	struct fixture *f = *state;
	char cwd[4096];

	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(f->dir), 0);
	for (const char *const *n = policy_sink_names; *n; n++) {
		const char *sinks[] = {*n};
		struct logger *l = NULL;

		assert_int_equal(log_open(&l, sinks, 1, LOG_TEXT, false, NULL), 0);
		log_close(l);
		if (access(*n, F_OK) == 0)
			fail_msg("log sink '%s' was opened as a file", *n);
	}
	assert_int_equal(chdir(cwd), 0);
}

static void test_emit_syslog_sink_takes_records(void **state)
{
	const char *sinks[] = {"syslog"};
	struct log_record r = mkdirat_record();
	struct logger *l = NULL;

	/* No syslog daemon need be running: syslog(3) drops quietly, never fails. */
	assert_int_equal(log_open(&l, sinks, 1, LOG_JSON, false, NULL), 0);
	log_emit(l, &r);
	r.decision = DECISION_LOG;
	log_emit(l, &r);
	assert_int_equal(log_write_errors(l), 0);
	log_close(l);
}

/* No silent loss (issue 10, failure 7): with nothing on /dev/log, --log
 * syslog says so at start and its records go to stderr instead. */
static void test_open_unreachable_syslog_falls_back_to_stderr(void **state)
{
	const char *sinks[] = {"syslog"};
	struct log_record r = mkdirat_record();
	struct logger *l = NULL;
	char path[] = "/tmp/sg-test-log-XXXXXX";
	int fd = mkstemp(path), saved = dup(STDERR_FILENO);
	char *text;

	(void)state;
	if (access("/dev/log", F_OK) == 0) {
		close(fd);
		close(saved);
		unlink(path);
		skip(); /* a syslog daemon here: the fallback does not apply */
	}
	assert_true(fd >= 0 && saved >= 0);
	assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	assert_int_equal(log_open(&l, sinks, 1, LOG_TEXT, false, NULL), 0);
	log_emit(l, &r);
	log_close(l);
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(fd);
	text = read_all(path, NULL);
	unlink(path);
	assert_non_null(strstr(text, "warning: log sink syslog: nothing takes records on "
				     "/dev/log"));
	assert_non_null(strstr(text, "its records go to stderr instead"));
	assert_non_null(strstr(text, "mkdirat("));
	free(text);
}

static char *summary_text(struct logger *l)
{
	char *s = NULL;
	size_t n = 0;
	FILE *fp = open_memstream(&s, &n);

	assert_non_null(fp);
	log_summary_print(l, fp);
	fclose(fp);
	return s;
}

#define SUMMARY_HEAD                                                                               \
	"sysgate summary (calls decided in the supervisor; calls the filter allows in the "        \
	"kernel are not counted)\n"                                                                \
	"  calls  decision              syscall\n"

static void test_summary_counts_by_syscall_and_decision(void **state)
{
	struct log_record r = mkdirat_record();
	struct logger *l = NULL;
	char *s;
	int i;

	assert_int_equal(log_open(&l, NULL, 0, LOG_TEXT, true, NULL), 0);
	for (i = 0; i < 3; i++)
		log_emit(l, &r);
	r.syscall = "reboot";
	r.enforced = false;
	log_emit(l, &r);
	r.syscall = "chmod";
	r.decision = DECISION_LOG;
	log_emit(l, &r);
	r.enforced = true; /* complain mode does not split log rows */
	log_emit(l, &r);
	r.syscall = "mkdir";
	r.arch = AUDIT_ARCH_I386;
	r.decision = DECISION_KILL;
	log_emit(l, &r);
	s = summary_text(l);
	assert_string_equal(s, SUMMARY_HEAD "      3  deny                  mkdirat\n"
					    "      2  log                   chmod\n"
					    "      1  kill                  i386:mkdir\n"
					    "      1  deny (complain)       reboot\n");
	free(s);
	log_close(l);
}

static void test_summary_caps_distinct_rows(void **state)
{
	struct log_record r = mkdirat_record();
	struct logger *l = NULL;
	char name[32], *s, *last;
	int i;

	assert_int_equal(log_open(&l, NULL, 0, LOG_TEXT, true, NULL), 0);
	r.syscall = name;
	for (i = 0; i < 4100; i++) {
		snprintf(name, sizeof(name), "sc%05d", i);
		log_emit(l, &r);
	}
	/* A known row still counts once the table is full. */
	snprintf(name, sizeof(name), "sc%05d", 7);
	log_emit(l, &r);
	s = summary_text(l);
	assert_non_null(strstr(s, SUMMARY_HEAD "      2  deny                  sc00007\n"
					       "      1  deny                  sc00000\n"));
	last = strstr(s, "sc04095\n");
	assert_non_null(last);
	assert_string_equal(last, "sc04095\n      4  -                     (other)\n");
	assert_null(strstr(s, "sc04096"));
	free(s);
	log_close(l);
}

static void test_summary_without_records(void **state)
{
	struct logger *l = NULL;
	char *s;

	assert_int_equal(log_open(&l, NULL, 0, LOG_JSON, true, NULL), 0);
	s = summary_text(l);
	assert_string_equal(s, SUMMARY_HEAD);
	free(s);
	log_close(l);
}

/* ---- The queues: block and drop, order, the drop count, a bounded exit ---- */

/* A FIFO at path, opened for reading (so the sink's open returns), with a
 * one-page buffer, and read only when the test says. */
static int fifo_unread(const char *path)
{
	int fd;

	assert_int_equal(mkfifo(path, 0600), 0);
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	assert_true(fd >= 0);
	fcntl(fd, F_SETPIPE_SZ, 4096);
	return fd;
}

/* Read what fd has into buf (grows it); false at EOF. */
static bool fifo_drain(int fd, char **buf, size_t *len, int timeout_ms)
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

/* The records in text ("sysgate: PID ...") have ascending pids; how many. */
static int records_in_order(const char *text)
{
	long last = -1;
	int n = 0;

	for (const char *p = strstr(text, "sysgate: "); p; p = strstr(p + 1, "sysgate: ")) {
		char *end;
		long pid = strtol(p + 9, &end, 10);

		if (end == p + 9)
			continue; /* not a record: a notice */
		assert_true(pid > last);
		last = pid;
		n++;
	}
	return n;
}

/* The sum of N over the lines "sysgate: log sink NAME: N records WHAT", or
 * -1 if there is none. Drops are said where they happened, so there may be
 * several: one before each record that made it after a run of drops. */
static long records_said(const char *text, const char *name, const char *what)
{
	char head[256], tail[64];
	long sum = -1;

	snprintf(head, sizeof(head), "sysgate: log sink %s: ", name);
	snprintf(tail, sizeof(tail), " records %s", what);
	for (const char *p = strstr(text, head); p; p = strstr(p + 1, head)) {
		const char *nl = strchrnul(p, '\n');
		long n;

		if (!*nl)
			break; /* not whole yet */
		if (sscanf(p + strlen(head), "%ld", &n) != 1 ||
		    !memmem(p, (size_t)(nl - p), tail, strlen(tail)))
			continue;
		sum = (sum < 0 ? 0 : sum) + n;
	}
	return sum;
}

struct emitter {
	struct logger *l;
	int n, first_pid;
	atomic_int done; /* records emitted so far */
	pthread_t thread;
};

/* A session's thread: log_emit may wait here (it is not the opener). */
static void *emitter_main(void *arg)
{
	struct emitter *e = arg;
	struct log_record r = mkdirat_record();

	for (int i = 0; i < e->n; i++) {
		r.pid = e->first_pid + i;
		log_emit(e->l, &r);
		atomic_store(&e->done, i + 1);
	}
	return NULL;
}

static void emitter_start(struct emitter *e, struct logger *l, int first_pid, int n)
{
	e->l = l;
	e->n = n;
	e->first_pid = first_pid;
	atomic_store(&e->done, 0);
	assert_int_equal(pthread_create(&e->thread, NULL, emitter_main, e), 0);
}

#define N_MANY 3000 /* more than a queue (1024) and a 4 KiB FIFO hold */

static void test_queue_drop_goes_on_and_counts(void **state)
{
	struct fixture *f = *state;
	const char *sinks[] = {f->file};
	int fd = fifo_unread(f->file);
	struct logger *l = NULL;
	struct emitter e;
	char *buf = NULL;
	size_t len = 0;
	long dropped;

	assert_int_equal(log_open(&l, sinks, 1, LOG_TEXT, false, NULL), 0);
	log_set_full(l, LOG_FULL_DROP);
	/* Nobody reads, yet every emit returns. */
	emitter_start(&e, l, 10000, N_MANY);
	assert_int_equal(pthread_join(e.thread, NULL), 0);
	assert_int_equal(atomic_load(&e.done), N_MANY);
	assert_true(log_dropped(l) > 0);

	/* The FIFO moves: what was queued comes out in order, and the counts,
	 * each where its drops happened, add up to what was dropped. */
	while (records_said(buf ? buf : "", f->file, "dropped") < (long)log_dropped(l))
		assert_true(fifo_drain(fd, &buf, &len, 5000));
	dropped = records_said(buf, f->file, "dropped");
	assert_int_equal((uint64_t)dropped, log_dropped(l));
	assert_int_equal(records_in_order(buf) + dropped, N_MANY);

	/* The next record comes after the counts, and nothing is said twice. */
	emitter_start(&e, l, 20000, 1);
	assert_int_equal(pthread_join(e.thread, NULL), 0);
	log_close(l);
	while (fifo_drain(fd, &buf, &len, 1000))
		;
	assert_int_equal(records_in_order(buf) + dropped, N_MANY + 1);
	assert_int_equal(records_said(buf, f->file, "dropped"), dropped);
	free(buf);
	close(fd);
}

static void test_queue_block_waits_and_loses_nothing(void **state)
{
	struct fixture *f = *state;
	const char *sinks[] = {f->file};
	int fd = fifo_unread(f->file);
	struct logger *l = NULL;
	struct emitter e;
	char *buf = NULL;
	size_t len = 0;

	assert_int_equal(log_open(&l, sinks, 1, LOG_TEXT, false, NULL), 0);
	emitter_start(&e, l, 10000, N_MANY);
	/* The queue fills (its 1024 and the FIFO's 4 KiB, ~30 records)... */
	while (atomic_load(&e.done) < 1000)
		usleep(1000);
	/* ... and the emitter cannot get past what they hold. */
	assert_true(atomic_load(&e.done) < 1024 + 100);
	/* Read: it goes on, to the last record, none dropped. */
	while (atomic_load(&e.done) < N_MANY)
		fifo_drain(fd, &buf, &len, 10);
	assert_int_equal(pthread_join(e.thread, NULL), 0);
	assert_int_equal(log_dropped(l), 0);
	while (!buf || records_in_order(buf) < N_MANY)
		assert_true(fifo_drain(fd, &buf, &len, 5000));
	log_close(l);
	while (fifo_drain(fd, &buf, &len, 1000))
		;
	assert_int_equal(records_in_order(buf), N_MANY);
	assert_null(strstr(buf, "dropped"));
	free(buf);
	close(fd);
}

/* The opener is the event loop: it never waits, even in block mode. */
static void test_queue_opener_never_waits(void **state)
{
	struct fixture *f = *state;
	const char *sinks[] = {f->file};
	int fd = fifo_unread(f->file);
	struct log_record r = mkdirat_record();
	struct logger *l = NULL;

	assert_int_equal(log_open(&l, sinks, 1, LOG_TEXT, false, NULL), 0);
	for (int i = 0; i < N_MANY; i++) {
		r.pid = 10000 + i;
		log_emit(l, &r);
	}
	/* Past the queue and its slack (1280), the rest were dropped. */
	assert_true(log_dropped(l) > 0);
	assert_true(log_dropped(l) < N_MANY - 1024);
	log_close(l);
	close(fd);
}

static void on_sig(int sig)
{
	(void)sig;
}

/* A signal without SA_RESTART (session_stop's SIG_WAKE) ends a blocked wait. */
static void test_queue_block_wait_ends_on_signal(void **state)
{
	struct fixture *f = *state;
	const char *sinks[] = {f->file};
	struct sigaction sa = {.sa_handler = on_sig};
	int fd = fifo_unread(f->file);
	struct logger *l = NULL;
	struct emitter e;

	assert_int_equal(sigaction(SIGUSR1, &sa, NULL), 0);
	assert_int_equal(log_open(&l, sinks, 1, LOG_TEXT, false, NULL), 0);
	emitter_start(&e, l, 10000, N_MANY);
	while (atomic_load(&e.done) < 1000)
		usleep(1000);
	/* Each signal ends one wait; the emitter reaches the end. */
	while (atomic_load(&e.done) < N_MANY) {
		pthread_kill(e.thread, SIGUSR1);
		usleep(100);
	}
	assert_int_equal(pthread_join(e.thread, NULL), 0);
	assert_true(log_dropped(l) > 0);
	log_close(l);
	signal(SIGUSR1, SIG_DFL);
	close(fd);
}

/* At exit a sink that never moves costs at most the bound, and the sinks
 * that do move say how many records it lost. */
static void test_queue_close_is_bounded_and_says_what_was_lost(void **state)
{
	struct fixture *f = *state;
	const char *sinks[] = {f->file, f->file2};
	int fd = fifo_unread(f->file);
	struct log_record r = mkdirat_record();
	struct logger *l = NULL;
	struct timespec t0, t1;
	long lost;
	char *s;

	/* From the opener, which never waits: 1200 records fit in a queue
	 * and its slack, so the file loses none; the FIFO takes ~30. */
	assert_int_equal(log_open(&l, sinks, 2, LOG_TEXT, false, NULL), 0);
	for (int i = 0; i < 1200; i++) {
		r.pid = 10000 + i;
		log_emit(l, &r);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	log_close(l);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* 2 s to drain, 0.5 s for the notices; the machine may be slow. */
	assert_true(t1.tv_sec - t0.tv_sec < 6);

	s = read_all(f->file2, NULL);
	assert_int_equal(records_in_order(s), 1200);
	lost = records_said(s, f->file, "lost");
	/* What the FIFO took (a page, ~30 records) and what it lost add up. */
	assert_true(lost > 1200 - 100 && lost <= 1200);
	free(s);
	close(fd);
}

/* The summary to stderr goes through stderr's queue: it cannot hold. */
struct summary_printer {
	struct logger *l;
	FILE *out;
	atomic_bool done;
};

static void *summary_printer_main(void *arg)
{
	struct summary_printer *p = arg;

	log_summary_print(p->l, p->out);
	atomic_store(&p->done, true);
	return NULL;
}

struct one_emit {
	struct logger *l;
	struct log_record r;
	atomic_bool done;
};

static void *one_emit_main(void *arg)
{
	struct one_emit *e = arg;

	log_emit(e->l, &e->r);
	atomic_store(&e->done, true);
	return NULL;
}

/* Wait up to ms for *flag: whether it was set. */
static bool wait_flag(atomic_bool *flag, int ms)
{
	for (int i = 0; i < ms / 10 && !atomic_load(flag); i++)
		usleep(10000);
	return atomic_load(flag);
}

/*
 * The summary printed to a stream that stalls (a full pipe) does not hold
 * a decision: its table is copied under the logger's lock, which log_emit
 * takes to count, and written after the lock is released.
 */
static void test_summary_to_a_stalled_stream_holds_no_decision(void **state)
{
	struct summary_printer p = {};
	struct one_emit e = {.r = mkdirat_record()};
	pthread_t pt, et;
	char buf[65536];
	int fds[2];

	assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
	/* Fill the pipe, then make its writes block again. */
	assert_int_equal(fcntl(fds[1], F_SETFL, O_NONBLOCK), 0);
	while (write(fds[1], buf, sizeof(buf)) > 0)
		;
	assert_int_equal(fcntl(fds[1], F_SETFL, 0), 0);
	p.out = fdopen(fds[1], "w");
	assert_non_null(p.out);
	setvbuf(p.out, NULL, _IONBF, 0);
	assert_int_equal(log_open(&p.l, NULL, 0, LOG_TEXT, true, NULL), 0);
	e.l = p.l;
	log_emit(p.l, &e.r);

	assert_int_equal(pthread_create(&pt, NULL, summary_printer_main, &p), 0);
	usleep(300000); /* the printer is in write(2) on the full pipe by now */
	assert_int_equal(pthread_create(&et, NULL, one_emit_main, &e), 0);
	assert_true(wait_flag(&e.done, 5000));
	assert_false(atomic_load(&p.done));

	/* Read the pipe until the printer is through: its table came out. */
	assert_int_equal(fcntl(fds[0], F_SETFL, O_NONBLOCK), 0);
	for (int i = 0; i < 1000 && !atomic_load(&p.done); i++) {
		while (read(fds[0], buf, sizeof(buf)) > 0)
			;
		usleep(10000);
	}
	assert_true(atomic_load(&p.done));
	pthread_join(pt, NULL);
	pthread_join(et, NULL);
	fclose(p.out);
	close(fds[0]);
	log_close(p.l);
}

static void test_summary_to_stderr_is_queued(void **state)
{
	struct log_record r = mkdirat_record();
	struct logger *l = NULL;

	(void)state;
	assert_int_equal(log_open(&l, NULL, 0, LOG_TEXT, true, NULL), 0);
	log_emit(l, &r);
	log_summary_print(l, stderr);
	assert_int_equal(log_flush(l, 5000), 0);
	log_close(l);
}

static void test_policy_log_full_key(void **state)
{
	struct policy_diags d = {};
	struct policy *p = NULL;

	(void)state;
	assert_int_equal(policy_load_string("t.ini", "[sysgate]\nlog_full = drop\n", &p, &d), 0);
	assert_string_equal(p->log_full, "drop");
	policy_free(p);
	policy_diags_free(&d);
	p = NULL;
	assert_int_equal(policy_load_string("t.ini", "[sysgate]\n", &p, &d), 0);
	assert_null(p->log_full);
	policy_free(p);
	policy_diags_free(&d);
	p = NULL;
	assert_int_equal(policy_load_string("t.ini", "[sysgate]\nlog_full = maybe\n", &p, &d),
			 -EINVAL);
	assert_null(p);
	policy_diags_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_text_deny_enforced),
		cmocka_unit_test(test_format_text_deny_unnamed_errno),
		cmocka_unit_test(test_format_text_deny_complain),
		cmocka_unit_test(test_format_text_kill_enforced),
		cmocka_unit_test(test_format_text_kill_complain),
		cmocka_unit_test(test_format_text_log_and_allow),
		cmocka_unit_test(test_format_text_unknown_exe_and_rule),
		cmocka_unit_test(test_format_text_i386_prefix),
		cmocka_unit_test(test_format_text_x32_prefix),
		cmocka_unit_test(test_format_text_path_shown_when_it_differs),
		cmocka_unit_test(test_format_text_escapes_target_strings),
		cmocka_unit_test(test_format_text_enobufs),
		cmocka_unit_test(test_format_call_at_fdcwd_64_and_32_bit),
		cmocka_unit_test(test_format_call_open_flags),
		cmocka_unit_test(test_format_call_at_flags),
		cmocka_unit_test(test_format_call_numbers),
		cmocka_unit_test(test_format_call_without_shape_or_name),
		cmocka_unit_test(test_format_call_string_pointer_and_null),
		cmocka_unit_test(test_format_call_long_string_cut),
		cmocka_unit_test(test_format_call_enobufs),
		cmocka_unit_test(test_escape_every_class),
		cmocka_unit_test(test_escape_enobufs),
		cmocka_unit_test(test_format_json_every_key),
		cmocka_unit_test(test_format_json_nulls_and_complain),
		cmocka_unit_test(test_format_json_sanitizes_target_strings),
		cmocka_unit_test(test_format_json_enobufs),
		cmocka_unit_test_setup_teardown(test_emit_file_sink_appends_whole_lines, setup_dir,
						teardown_dir),
		cmocka_unit_test_setup_teardown(test_emit_long_record_is_whole, setup_dir,
						teardown_dir),
		cmocka_unit_test(test_emit_write_errors_are_counted),
		cmocka_unit_test_setup_teardown(test_emit_broken_pipe_is_counted, setup_dir,
						teardown_dir),
		cmocka_unit_test_setup_teardown(test_open_knows_every_sink_name, setup_dir,
						teardown_dir),
		cmocka_unit_test(test_emit_syslog_sink_takes_records),
		cmocka_unit_test(test_open_unreachable_syslog_falls_back_to_stderr),
		cmocka_unit_test(test_open_reports_bad_sink),
		cmocka_unit_test(test_summary_counts_by_syscall_and_decision),
		cmocka_unit_test(test_summary_caps_distinct_rows),
		cmocka_unit_test(test_summary_without_records),
		cmocka_unit_test(test_summary_to_stderr_is_queued),
		cmocka_unit_test(test_summary_to_a_stalled_stream_holds_no_decision),
		cmocka_unit_test_setup_teardown(test_queue_drop_goes_on_and_counts, setup_dir,
						teardown_dir),
		cmocka_unit_test_setup_teardown(test_queue_block_waits_and_loses_nothing, setup_dir,
						teardown_dir),
		cmocka_unit_test_setup_teardown(test_queue_opener_never_waits, setup_dir,
						teardown_dir),
		cmocka_unit_test_setup_teardown(test_queue_block_wait_ends_on_signal, setup_dir,
						teardown_dir),
		cmocka_unit_test_setup_teardown(test_queue_close_is_bounded_and_says_what_was_lost,
						setup_dir, teardown_dir),
		cmocka_unit_test(test_policy_log_full_key),
	};

	/* As the CLI does: a vanished log reader is an error to count, not a signal. */
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
