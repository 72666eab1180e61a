/*
 * Unit tests of policy/import.c: each profile here is translated, the
 * policy text loaded with the policy loader, and calls decided with
 * policy_decide(), so that each test asserts what a supervised program
 * would get, not only the text. The real profiles (../shared/data and
 * Podman's /usr/share/containers/seccomp.json) are skipped when absent.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "policy/import.h"
#include "policy/policy.h"

#ifndef SG_PROFILE_DATA
#define SG_PROFILE_DATA "/work/shared/data"
#endif

struct imp {
	struct import_result r;
	struct policy *p;
	int rc;
};

static struct imp *cur;

static int teardown(void **state)
{
	(void)state;
	if (cur) {
		policy_free(cur->p);
		import_result_free(&cur->r);
		free(cur);
		cur = NULL;
	}
	return 0;
}

/* Import text with the given caps (NULL: Docker's) and kernel 6.18. */
static struct imp *import_opts(const char *json, const char *const *caps, unsigned major,
			       unsigned minor, bool podman)
{
	struct import_options o = {.caps = caps ? caps : import_docker_caps,
				   .kernel_major = major,
				   .kernel_minor = minor,
				   .podman = podman,
				   .allow_i386 = true};
	struct json_object *j = json_tokener_parse(json);
	struct imp *m = calloc(1, sizeof(*m));

	assert_non_null(m);
	teardown(NULL);
	cur = m;
	assert_non_null(j);
	while (o.caps[o.n_caps])
		o.n_caps++;
	m->rc = policy_import(j, &o, &m->r);
	json_object_put(j);
	if (m->rc == 0) {
		struct policy_diags d = {};
		int r = policy_load_string("imported.ini", m->r.policy, &m->p, &d);

		for (size_t i = 0; i < d.n; i++)
			fprintf(stderr, "imported.ini:%u: %s\n%s", d.v[i].line, d.v[i].msg,
				m->r.policy);
		assert_int_equal(r, 0);
		/* the output loads without a single warning */
		assert_int_equal(d.n, 0);
		policy_diags_free(&d);
	}
	return m;
}

static struct imp *import_i386(const char *json, bool allow_i386);

static struct imp *import_ok(const char *json)
{
	struct imp *m = import_opts(json, NULL, 6, 18, false);

	if (m->rc != 0)
		for (size_t i = 0; i < m->r.n_reports; i++)
			fprintf(stderr, "%s: %s\n", m->r.reports[i].path, m->r.reports[i].msg);
	assert_int_equal(m->rc, 0);
	return m;
}

static struct imp *import_fails(const char *json)
{
	struct imp *m = import_opts(json, NULL, 6, 18, false);

	assert_int_equal(m->rc, -EINVAL);
	assert_true(m->r.n_errors > 0);
	assert_null(m->r.policy);
	return m;
}

/* Is there a report of this severity at exactly path whose text has sub? */
static bool has(const struct imp *m, enum import_severity sev, const char *path, const char *sub)
{
	for (size_t i = 0; i < m->r.n_reports; i++) {
		const struct import_report *r = &m->r.reports[i];

		if (r->severity == sev && strcmp(r->path, path) == 0 && strstr(r->msg, sub))
			return true;
	}
	return false;
}

/* A call's decision as text: "allow", "log", "kill", "ask", "deny 13". */
static const char *decide6(const struct imp *m, const char *syscall, bool i386, uint64_t a0,
			   uint64_t a1, uint64_t a2)
{
	static char buf[32];
	struct call c = {.syscall = syscall,
			 .shape = policy_syscall_shape(syscall),
			 .args = {a0, a1, a2},
			 .abi32 = i386,
			 .i386 = i386,
			 .path = "/x"};
	const struct section *s = policy_section_for(m->p, syscall);
	struct decision d =
		s ? policy_decide(m->p, s, &c)
		  : policy_decide_unnamed(m->p, syscall, &(const struct section *){NULL});

	if (d.kind == DECISION_DENY)
		snprintf(buf, sizeof(buf), "deny %d", d.err);
	else
		snprintf(buf, sizeof(buf), "%s", policy_decision_name(d.kind));
	return buf;
}

static const char *decide(const struct imp *m, const char *syscall, uint64_t a0)
{
	return decide6(m, syscall, false, a0, 0, 0);
}

#define ARCHES "\"architectures\": [\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_X86\", \"SCMP_ARCH_X32\"]"

static void test_import_each_action(void **state)
{
	struct imp *m;

	(void)state;
	m = import_ok("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 38, " ARCHES
		      ", \"syscalls\": ["
		      "{\"names\": [\"getpid\", \"exit\", \"exit_group\", \"rt_sigreturn\", "
		      "\"sigreturn\"], "
		      "\"action\": \"SCMP_ACT_ALLOW\"},"
		      "{\"names\": [\"getppid\"], \"action\": \"SCMP_ACT_LOG\"},"
		      "{\"names\": [\"mkdir\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 13},"
		      "{\"names\": [\"rmdir\"], \"action\": \"SCMP_ACT_ERRNO\"},"
		      "{\"names\": [\"reboot\"], \"action\": \"SCMP_ACT_KILL_PROCESS\"},"
		      "{\"names\": [\"ptrace\"], \"action\": \"SCMP_ACT_KILL\"},"
		      "{\"names\": [\"kexec_load\"], \"action\": \"SCMP_ACT_KILL_THREAD\"},"
		      "{\"names\": [\"acct\"], \"action\": \"SCMP_ACT_TRAP\"},"
		      "{\"names\": [\"keyctl\"], \"action\": \"SCMP_ACT_TRACE\", \"errnoRet\": 5},"
		      "{\"names\": [\"setns\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}");
	assert_string_equal(decide(m, "getpid", 0), "allow");
	assert_string_equal(decide(m, "getppid", 0), "log");
	assert_string_equal(decide(m, "mkdir", 0), "deny 13");
	assert_string_equal(decide(m, "rmdir", 0), "deny 1"); /* errnoRet absent: EPERM */
	assert_string_equal(decide(m, "reboot", 0), "kill");
	assert_string_equal(decide(m, "ptrace", 0), "kill");
	assert_string_equal(decide(m, "kexec_load", 0), "kill");
	assert_string_equal(decide(m, "acct", 0), "kill");
	assert_string_equal(decide(m, "keyctl", 0), "deny 38"); /* no tracer: ENOSYS */
	assert_string_equal(decide(m, "setns", 0), "ask");
	assert_string_equal(decide(m, "getuid", 0), "deny 38"); /* the default */
	/* family heads name the one syscall: mkdirat keeps the default */
	assert_string_equal(decide(m, "mkdirat", 0), "deny 38");
	assert_non_null(strstr(m->r.policy, "[=mkdir]"));
	assert_true(has(m, IMPORT_WARNING, "syscalls[7].action", "SIGSYS"));
	assert_true(has(m, IMPORT_NOTE, "syscalls[8].action", "ENOSYS"));
	assert_true(has(m, IMPORT_NOTE, "syscalls[9].action", "ask"));
	assert_true(has(m, IMPORT_NOTE, "syscalls[5].action", "thread"));
	assert_int_equal(m->r.n_warnings, 1);
}

static void test_import_default_actions(void **state)
{
	struct imp *m;

	(void)state;
	m = import_ok("{\"defaultAction\": \"SCMP_ACT_KILL_PROCESS\", " ARCHES "}");
	assert_string_equal(decide(m, "getpid", 0), "kill");
	m = import_ok("{\"defaultAction\": \"SCMP_ACT_LOG\", " ARCHES "}");
	assert_string_equal(decide(m, "getpid", 0), "log");
	m = import_ok("{\"defaultAction\": \"SCMP_ACT_TRACE\", " ARCHES "}");
	assert_string_equal(decide(m, "getpid", 0), "deny 38");
	m = import_ok("{}"); /* no seccomp at all: Docker runs unconfined */
	assert_string_equal(decide(m, "reboot", 0), "allow");
	m = import_fails("{\"defaultAction\": \"SCMP_ACT_NOTIFY\", " ARCHES "}");
	assert_true(has(m, IMPORT_ERROR, "defaultAction", "default"));
	m = import_fails("{\"defaultAction\": \"SCMP_ACT_BOGUS\"}");
	assert_true(has(m, IMPORT_ERROR, "defaultAction", "unknown action"));
}

static void test_import_errno_limits(void **state)
{
	struct imp *m;

	(void)state;
	m = import_fails("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
			 "[\"mkdir\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 0}]}");
	assert_true(has(m, IMPORT_ERROR, "syscalls[0].action", "fake success"));
	m = import_fails("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 0}");
	assert_true(has(m, IMPORT_ERROR, "defaultAction", "fake success"));
	m = import_fails("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
			 "[\"mkdir\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 4095}]}");
	assert_true(has(m, IMPORT_ERROR, "syscalls[0].action", "4095"));
	m = import_fails("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
			 "[\"mkdir\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 65549}]}");
	assert_true(has(m, IMPORT_ERROR, "syscalls[0].action", "(13)"));
	m = import_ok(
		"{\"defaultAction\": \"SCMP_ACT_ALLOW\", " ARCHES ", \"syscalls\": "
		"[{\"names\": [\"mkdir\"], \"action\": \"SCMP_ACT_ALLOW\", \"errnoRet\": 5}]}");
	assert_true(has(m, IMPORT_WARNING, "syscalls[0]", "crun refuses"));
}

static void test_import_operators(void **state)
{
	static const struct {
		const char *op;
		uint64_t v;
		uint64_t yes, no;
	} t[] = {
		{"SCMP_CMP_EQ", 8, 8, 9},
		{"SCMP_CMP_NE", 8, 9, 8},
		{"SCMP_CMP_LT", 8, 7, 8},
		{"SCMP_CMP_LE", 8, 8, 9},
		{"SCMP_CMP_GT", 8, 9, 8},
		{"SCMP_CMP_GE", 8, 8, 7},
		{"SCMP_CMP_GT", 0xffffffff, 0x100000000ull, 0xffffffff},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char json[512];
		struct imp *m;

		snprintf(json, sizeof(json),
			 "{\"defaultAction\": \"SCMP_ACT_ALLOW\", " ARCHES
			 ", \"syscalls\": [{\"names\": [\"personality\"], \"action\": "
			 "\"SCMP_ACT_ERRNO\", \"errnoRet\": 22, \"args\": [{\"index\": 0, "
			 "\"value\": %llu, \"op\": \"%s\"}]}]}",
			 (unsigned long long)t[i].v, t[i].op);
		m = import_ok(json);
		assert_string_equal(decide(m, "personality", t[i].yes), "deny 22");
		assert_string_equal(decide(m, "personality", t[i].no), "allow");
	}
}

/* Six long comparisons make a rule too long for one line: it is continued. */
static void test_import_long_rule_is_continued(void **state)
{
	char json[2048] = "{\"defaultAction\": \"SCMP_ACT_ALLOW\", " ARCHES
			  ", \"syscalls\": [{\"names\": [\"mmap\"], \"action\": "
			  "\"SCMP_ACT_ERRNO\", \"args\": [";
	struct imp *m;

	(void)state;
	for (int i = 0; i < 6; i++)
		snprintf(json + strlen(json), sizeof(json) - strlen(json),
			 "%s{\"index\": %d, \"value\": 18446744073709551615, \"op\": "
			 "\"SCMP_CMP_EQ\"}",
			 i ? ", " : "", i);
	strcat(json, "]}]}");
	m = import_ok(json);
	assert_non_null(strstr(m->r.policy, " and \\\n"));
	{
		struct call c = {.syscall = "mmap",
				 .args = {~0ull, ~0ull, ~0ull, ~0ull, ~0ull, ~0ull}};

		assert_int_equal(policy_decide(m->p, policy_section_for(m->p, "mmap"), &c).kind,
				 DECISION_DENY);
		c.args[5] = 0;
		assert_int_equal(policy_decide(m->p, policy_section_for(m->p, "mmap"), &c).kind,
				 DECISION_ALLOW);
	}
}

static const char *masked(uint64_t mask, const char *two, const char *syscall, unsigned index)
{
	static char json[512];

	snprintf(json, sizeof(json),
		 "{\"defaultAction\": \"SCMP_ACT_ALLOW\", " ARCHES
		 ", \"syscalls\": [{\"names\": [\"%s\"], \"action\": \"SCMP_ACT_ERRNO\", "
		 "\"errnoRet\": 13, \"args\": [{\"index\": %u, \"value\": %llu%s%s, \"op\": "
		 "\"SCMP_CMP_MASKED_EQ\"}]}]}",
		 syscall, index, (unsigned long long)mask, two ? ", \"valueTwo\": " : "",
		 two ? two : "");
	return json;
}

static void test_import_masked_eq_forms(void **state)
{
	struct imp *m;

	(void)state;
	/* one bit, datum == mask: any of the bits, as raw argN & M */
	m = import_ok(masked(0x10000000, "268435456", "unshare", 0));
	assert_non_null(strstr(m->r.policy, "arg0 & 0x10000000"));
	assert_string_equal(decide(m, "unshare", 0x10000000), "deny 13");
	assert_string_equal(decide(m, "unshare", 0x20000), "allow");
	/* valueTwo omitted is 0: none of the bits (moby's clone rule) */
	m = import_ok(masked(0x7E020000, NULL, "clone", 0));
	assert_non_null(strstr(m->r.policy, "flags !& 0x7e020000"));
	assert_string_equal(decide(m, "clone", 0x11), "deny 13");
	assert_string_equal(decide(m, "clone", 0x10000011), "allow");
	/* several bits: all of them, a masked equality of the named argument */
	m = import_ok(masked(0x10020000, "268435456", "clone", 0));
	assert_string_equal(decide(m, "clone", 0x10000000), "deny 13");
	assert_string_equal(decide(m, "clone", 0x10020000), "allow");
	assert_string_equal(decide(m, "clone", 0), "allow");
	/* i386 sees the same argument */
	assert_string_equal(decide6(m, "clone", true, 0x10000000, 0, 0), "deny 13");
	/* a mode is written in octal */
	m = import_ok(masked(06000, "2048", "chmod", 1));
	assert_non_null(strstr(m->r.policy, "mode & 06000 == 04000"));
	assert_string_equal(decide6(m, "chmod", false, 0, 04755, 0), "deny 13");
	assert_string_equal(decide6(m, "chmod", false, 0, 06755, 0), "allow");
	/* the datum has bits outside the mask: never holds */
	m = import_ok(masked(0x1, "3", "unshare", 0));
	assert_true(has(m, IMPORT_NOTE, "syscalls[0].args[0]", "never"));
	assert_string_equal(decide(m, "unshare", 3), "allow");
	/* mask 0, datum 0: always holds */
	m = import_ok(masked(0, NULL, "unshare", 0));
	assert_string_equal(decide(m, "unshare", 3), "deny 13");
	/* an argument without a name cannot take a masked test: refused */
	m = import_fails(masked(0x3, "1", "getpid", 4));
	assert_true(has(m, IMPORT_ERROR, "syscalls[0].args[0]", "named argument"));
}

static void test_import_same_arg_is_or(void **state)
{
	struct imp *m;

	(void)state;
	m = import_ok(
		"{\"defaultAction\": \"SCMP_ACT_ALLOW\", " ARCHES
		", \"syscalls\": [{\"names\": [\"personality\"], \"action\": "
		"\"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, \"value\": 448, \"op\": "
		"\"SCMP_CMP_EQ\"}, {\"index\": 0, \"value\": 511, \"op\": \"SCMP_CMP_EQ\"}]}]}");
	assert_true(has(m, IMPORT_WARNING, "syscalls[0].args", "OR"));
	assert_string_equal(decide(m, "personality", 448), "deny 1");
	assert_string_equal(decide(m, "personality", 511), "deny 1");
	assert_string_equal(decide(m, "personality", 8), "allow");
	/* different indexes: AND */
	m = import_ok(
		"{\"defaultAction\": \"SCMP_ACT_ALLOW\", " ARCHES
		", \"syscalls\": [{\"names\": [\"socket\"], \"action\": \"SCMP_ACT_ERRNO\", "
		"\"errnoRet\": 22, \"args\": [{\"index\": 0, \"value\": 16, \"op\": "
		"\"SCMP_CMP_EQ\"}, {\"index\": 2, \"value\": 9, \"op\": \"SCMP_CMP_EQ\"}]}]}");
	assert_string_equal(decide6(m, "socket", false, 16, 3, 9), "deny 22");
	assert_string_equal(decide6(m, "socket", false, 16, 3, 0), "allow");
	assert_string_equal(decide6(m, "socket", false, 2, 1, 9), "allow");
	assert_false(has(m, IMPORT_WARNING, "syscalls[0].args", "OR"));
}

static void test_import_entries_of_one_syscall(void **state)
{
	struct imp *m;

	(void)state;
	/* LOG if mode==511, then ERRNO unconditional: ERRNO (libseccomp drops the
	 * conditional rule) */
	m = import_ok("{\"defaultAction\": \"SCMP_ACT_ALLOW\", " ARCHES ", \"syscalls\": ["
		      "{\"names\": [\"personality\"], \"action\": \"SCMP_ACT_LOG\", \"args\": "
		      "[{\"index\": 0, \"value\": 511, \"op\": \"SCMP_CMP_EQ\"}]},"
		      "{\"names\": [\"personality\"], \"action\": \"SCMP_ACT_ERRNO\"}]}");
	assert_string_equal(decide(m, "personality", 511), "deny 1");
	assert_string_equal(decide(m, "personality", 0), "deny 1");
	/* the first unconditional entry wins over a later one */
	m = import_ok("{\"defaultAction\": \"SCMP_ACT_ALLOW\", " ARCHES ", \"syscalls\": ["
		      "{\"names\": [\"mkdir\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 13},"
		      "{\"names\": [\"mkdir\"], \"action\": \"SCMP_ACT_KILL_PROCESS\"}]}");
	assert_string_equal(decide(m, "mkdir", 0), "deny 13");
	/* overlapping conditional entries with different actions: most
	 * restrictive first, with a warning */
	m = import_ok("{\"defaultAction\": \"SCMP_ACT_ALLOW\", " ARCHES ", \"syscalls\": ["
		      "{\"names\": [\"personality\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": "
		      "[{\"index\": 0, \"value\": 0, \"op\": \"SCMP_CMP_GE\"}]},"
		      "{\"names\": [\"personality\"], \"action\": \"SCMP_ACT_KILL_PROCESS\", "
		      "\"args\": [{\"index\": 0, \"value\": 511, \"op\": \"SCMP_CMP_EQ\"}]}]}");
	assert_true(has(m, IMPORT_WARNING, "syscalls[0]", "runtimes may differ"));
	assert_string_equal(decide(m, "personality", 511), "kill");
	assert_string_equal(decide(m, "personality", 5), "deny 1");
	/* disjoint ones (moby's socket: < 38, == 39, > 40) are exact */
	m = import_ok("{\"defaultAction\": \"SCMP_ACT_ERRNO\", " ARCHES ", \"syscalls\": ["
		      "{\"names\": [\"socket\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": "
		      "[{\"index\": 0, \"value\": 38, \"op\": \"SCMP_CMP_LT\"}]},"
		      "{\"names\": [\"socket\"], \"action\": \"SCMP_ACT_KILL_PROCESS\", \"args\": "
		      "[{\"index\": 0, \"value\": 39, \"op\": \"SCMP_CMP_EQ\"}]},"
		      "{\"names\": [\"socket\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": "
		      "[{\"index\": 0, \"value\": 40, \"op\": \"SCMP_CMP_GT\"}]}]}");
	assert_false(has(m, IMPORT_WARNING, "syscalls[0]", "runtimes may differ"));
	assert_string_equal(decide(m, "socket", 2), "allow");
	assert_string_equal(decide(m, "socket", 38), "deny 1");
	assert_string_equal(decide(m, "socket", 39), "kill");
	assert_string_equal(decide(m, "socket", 40), "deny 1");
	assert_string_equal(decide(m, "socket", 41), "allow");
	/* an entry whose action is the default is skipped by the runtimes: it
	 * must not shadow a later allow */
	m = import_ok("{\"defaultAction\": \"SCMP_ACT_ERRNO\", " ARCHES ", \"syscalls\": ["
		      "{\"names\": [\"personality\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": "
		      "[{\"index\": 0, \"value\": 0, \"op\": \"SCMP_CMP_GE\"}]},"
		      "{\"names\": [\"personality\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": "
		      "[{\"index\": 0, \"value\": 8, \"op\": \"SCMP_CMP_EQ\"}]}]}");
	assert_string_equal(decide(m, "personality", 8), "allow");
	assert_string_equal(decide(m, "personality", 9), "deny 1");
}

static const char *const no_caps[] = {NULL};
static const char *const admin_caps[] = {"CAP_SYS_ADMIN", "CAP_CHOWN", NULL};

#define FILTERED                                                                                   \
	"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": ["                                  \
	"{\"names\": [\"mount\"], \"action\": \"SCMP_ACT_ALLOW\", \"includes\": {\"caps\": "       \
	"[\"CAP_SYS_ADMIN\"]}},"                                                                   \
	"{\"names\": [\"clone3\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 38, "             \
	"\"excludes\": {\"caps\": [\"CAP_SYS_ADMIN\"]}},"                                          \
	"{\"names\": [\"ptrace\"], \"action\": \"SCMP_ACT_ALLOW\", \"includes\": "                 \
	"{\"minKernel\": \"4.8\"}},"                                                               \
	"{\"names\": [\"getpid\"], \"action\": \"SCMP_ACT_ALLOW\", \"excludes\": {\"arches\": "    \
	"[\"amd64\"]}},"                                                                           \
	"{\"names\": [\"getppid\"], \"action\": \"SCMP_ACT_ALLOW\", \"includes\": {\"arches\": "   \
	"[\"s390x\"]}},"                                                                           \
	"{\"names\": [\"getuid\"], \"action\": \"SCMP_ACT_ALLOW\", \"includes\": {\"arches\": "    \
	"[\"amd64\", \"x32\"]}},"                                                                  \
	"{\"names\": [\"getgid\"], \"action\": \"SCMP_ACT_ALLOW\", \"excludes\": {\"minKernel\": " \
	"\"5.0\"}}]}"

static void test_import_includes_excludes(void **state)
{
	struct imp *m;

	(void)state;
	m = import_opts(FILTERED, admin_caps, 6, 18, false);
	assert_int_equal(m->rc, 0);
	assert_string_equal(decide(m, "mount", 0), "allow");
	assert_string_equal(decide(m, "clone3", 0), "deny 1"); /* excluded: the default */
	assert_string_equal(decide(m, "ptrace", 0), "allow");
	assert_string_equal(decide(m, "getpid", 0), "deny 1");
	assert_string_equal(decide(m, "getppid", 0), "deny 1");
	assert_string_equal(decide(m, "getuid", 0), "allow");
	assert_string_equal(decide(m, "getgid", 0), "deny 1"); /* 5.0 <= 6.18 */
	assert_true(has(m, IMPORT_NOTE, "syscalls[1]", "CAP_SYS_ADMIN"));
	m = import_opts(FILTERED, no_caps, 4, 7, false);
	assert_int_equal(m->rc, 0);
	assert_string_equal(decide(m, "mount", 0), "deny 1");
	assert_string_equal(decide(m, "clone3", 0), "deny 38");
	assert_string_equal(decide(m, "ptrace", 0), "deny 1"); /* 4.7 < 4.8 */
	assert_string_equal(decide(m, "getgid", 0), "allow");  /* 4.7 < 5.0 */
	/* Podman ignores minKernel */
	m = import_opts(FILTERED, no_caps, 4, 7, true);
	assert_int_equal(m->rc, 0);
	assert_string_equal(decide(m, "ptrace", 0), "allow");
	assert_string_equal(decide(m, "getgid", 0), "allow");
	/* a bad minKernel is refused, with its path */
	m = import_fails("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": "
			 "[\"ptrace\"], \"action\": \"SCMP_ACT_ALLOW\", \"includes\": "
			 "{\"minKernel\": \"4\"}}]}");
	assert_true(has(m, IMPORT_ERROR, "syscalls[0].includes.minKernel", "MAJOR.MINOR"));
}

static void test_import_podman_strings(void **state)
{
	struct imp *m;

	(void)state;
	m = import_ok("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 1, "
		      "\"defaultErrno\": \"ENOSYS\", " ARCHES ", \"syscalls\": ["
		      "{\"names\": [\"kexec_load\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": "
		      "1, \"errno\": \"EACCES\"},"
		      "{\"names\": [\"ptrace\"], \"action\": \"SCMP_ACT_ALLOW\", \"includes\": "
		      "{\"minKernel\": \"99.0\"}}]}");
	assert_int_equal(m->r.dialect, IMPORT_PODMAN);
	assert_string_equal(decide(m, "getpid", 0), "deny 38"); /* defaultErrno wins */
	assert_string_equal(decide(m, "kexec_load", 0), "deny 13");
	assert_string_equal(decide(m, "ptrace", 0), "allow");
	m = import_fails("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrno\": \"EBOGUS\"}");
	assert_true(has(m, IMPORT_ERROR, "defaultErrno", "EBOGUS"));
	/* the same keys read as Docker: errno is not Docker's, minKernel applies */
	m = import_opts("{\"defaultAction\": \"SCMP_ACT_ERRNO\", " ARCHES ", \"syscalls\": "
			"[{\"names\": [\"ptrace\"], \"action\": \"SCMP_ACT_ALLOW\", \"includes\": "
			"{\"minKernel\": \"99.0\"}}]}",
			NULL, 6, 18, false);
	assert_int_equal(m->rc, 0);
	assert_int_equal(m->r.dialect, IMPORT_MOBY);
	assert_string_equal(decide(m, "ptrace", 0), "deny 1");
}

static void test_import_bad_numbers(void **state)
{
	static const struct {
		const char *value;
		const char *path;
	} t[] = {
		{"-2", "syscalls[0].args[0].value"},
		{"448.0", "syscalls[0].args[0].value"},
		{"\"511\"", "syscalls[0].args[0].value"},
	};
	struct imp *m;
	struct import_result r = {};
	const char *big = "{\"x\": [18446744073709551615, 18446744073709551616, "
			  "\"99999999999999999999999\"]}";

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char json[400];

		snprintf(json, sizeof(json),
			 "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
			 "[\"mkdir\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 1, "
			 "\"value\": %s, \"op\": \"SCMP_CMP_EQ\"}]}]}",
			 t[i].value);
		m = import_fails(json);
		assert_true(has(m, IMPORT_ERROR, t[i].path, ""));
	}
	m = import_fails("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": \"1\"}");
	assert_true(has(m, IMPORT_ERROR, "defaultErrnoRet", "a string"));
	m = import_fails("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
			 "[\"mkdir\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 6, "
			 "\"value\": 1, \"op\": \"SCMP_CMP_EQ\"}]}]}");
	assert_true(has(m, IMPORT_ERROR, "syscalls[0].args[0].index", "0 to 5"));
	m = import_fails("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
			 "[\"mkdir\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, "
			 "\"value\": 1, \"op\": \"SCMP_CMP_BOGUS\"}]}]}");
	assert_true(has(m, IMPORT_ERROR, "syscalls[0].args[0].op", "unknown operator"));
	/* json-c would clamp 2^64 to 2^64-1 without a word: the text is checked */
	assert_int_equal(policy_import_check_numbers(big, strlen(big), &r), 1);
	assert_string_equal(r.reports[0].path, "line 1");
	import_result_free(&r);
}

static void test_import_name_and_names(void **state)
{
	struct imp *m;

	(void)state;
	m = import_fails("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"name\": "
			 "\"mkdir\", \"names\": [\"mkdir\"], \"action\": \"SCMP_ACT_ERRNO\"}]}");
	assert_true(has(m, IMPORT_ERROR, "syscalls[0]", "both name and names"));
	m = import_ok("{\"defaultAction\": \"SCMP_ACT_ALLOW\", " ARCHES ", \"syscalls\": "
		      "[{\"name\": \"mkdir\", \"action\": \"SCMP_ACT_ERRNO\"}]}");
	assert_true(has(m, IMPORT_WARNING, "syscalls[0]", "runc silently drops"));
	assert_string_equal(decide(m, "mkdir", 0), "deny 1");
	m = import_fails("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"action\": "
			 "\"SCMP_ACT_ERRNO\"}]}");
	assert_true(has(m, IMPORT_ERROR, "syscalls[0]", "no names"));
}

static void test_import_names(void **state)
{
	struct imp *m;

	(void)state;
	m = import_ok("{\"defaultAction\": \"SCMP_ACT_ERRNO\", " ARCHES ", \"syscalls\": ["
		      "{\"names\": [\"getpid\", \"\", \"MKDIR\", \"nosuchcall\", \"mseal\", "
		      "\"riscv_flush_icache\", \"getpid\", \"chown32\"], \"action\": "
		      "\"SCMP_ACT_ALLOW\"},"
		      "{\"names\": [\"getpid\", \"getppid\"], \"action\": \"SCMP_ACT_ALLOW\"}]}");
	assert_true(has(m, IMPORT_WARNING, "syscalls[0].names[1]", "empty"));
	assert_true(has(m, IMPORT_WARNING, "syscalls[0].names[2]", "mkdir"));
	assert_true(has(m, IMPORT_NOTE, "syscalls[0].names[3]", "default applies"));
	assert_true(has(m, IMPORT_NOTE, "syscalls[0].names[4]", "newer than this libseccomp"));
	assert_true(has(m, IMPORT_NOTE, "syscalls[0].names[5]", "none of x86_64"));
	assert_string_equal(decide(m, "getpid", 0), "allow");
	assert_string_equal(decide(m, "getppid", 0), "allow");
	assert_string_equal(decide(m, "chown32", 0), "allow");
	assert_string_equal(decide(m, "mkdir", 0), "deny 1");
	/* mseal: the runtimes skip it, and it gets ENOSYS under a deny default,
	 * as runc's stub answers above the highest named syscall */
	assert_string_equal(decide(m, "mseal", 0), "deny 38");
	/* the duplicate getpid is merged: one section has it */
	assert_non_null(strstr(m->r.policy, "[getpid, chown32]"));
	assert_non_null(strstr(m->r.policy, "[getppid]"));
}

static void test_import_allowlist_is_packed(void **state)
{
	char json[8192] =
		"{\"defaultAction\": \"SCMP_ACT_ERRNO\", " ARCHES ", \"syscalls\": [{\"names\": [";
	const struct policy_group *g = policy_group("docker-default");
	size_t n = 0, lines = 0;
	struct imp *m;

	(void)state;
	assert_non_null(g);
	for (const char *const *s = g->syscalls; *s; s++, n++)
		snprintf(json + strlen(json), sizeof(json) - strlen(json), "%s\"%s\"",
			 n ? ", " : "", *s);
	strcat(json, "], \"action\": \"SCMP_ACT_ALLOW\"}]}");
	m = import_ok(json);
	for (const char *s = m->r.policy; *s; s++)
		lines += *s == '\n';
	/* a 300-name allowlist: many names to a section */
	assert_true(n > 300);
	assert_true(lines < n / 2);
	for (const char *const *s = g->syscalls; *s; s++)
		if (!policy_newer_syscall_by_name(*s) && policy_syscall_known(*s))
			assert_string_equal(decide(m, *s, 0), "allow");
	assert_string_equal(decide(m, "mkdirat", 0), "allow");
	assert_string_equal(decide(m, "reboot", 0), "deny 1");
}

static void test_import_arches(void **state)
{
	struct imp *m;

	(void)state;
	m = import_ok("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"archMap\": [{\"architecture\": "
		      "\"SCMP_ARCH_AARCH64\", \"subArchitectures\": [\"SCMP_ARCH_ARM\"]}, "
		      "{\"architecture\": \"SCMP_ARCH_X86_64\", \"subArchitectures\": "
		      "[\"SCMP_ARCH_X86\", \"SCMP_ARCH_X32\"]}]}");
	assert_false(has(m, IMPORT_WARNING, "archMap", ""));
	assert_non_null(
		strstr(json_object_to_json_string_ext(m->r.resolved, JSON_C_TO_STRING_PLAIN),
		       "\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\",\"SCMP_ARCH_X32\""));
	m = import_ok("{\"defaultAction\": \"SCMP_ACT_ERRNO\"}");
	assert_true(has(m, IMPORT_WARNING, "architectures", "kill every i386"));
	/* without --allow-i386 the profile's architectures are carried over
	 * exactly: [sysgate] abi lists the ABIs it has, and an i386 (x32)
	 * call is killed, as the runtimes kill it */
	m = import_i386("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"architectures\": "
			"[\"SCMP_ARCH_X86_64\"], \"syscalls\": [{\"names\": [\"getpid\"], "
			"\"action\": \"SCMP_ACT_ALLOW\"}]}",
			false);
	assert_int_equal(m->rc, 0);
	assert_int_equal(m->r.n_errors, 0);
	assert_non_null(strstr(m->r.policy, "\nabi = x86_64\n"));
	assert_int_equal(m->p->abis, 1u << POLICY_ABI_X86_64);
	assert_string_equal(decide6(m, "getpid", true, 0, 0, 0), "kill");
	assert_string_equal(decide(m, "getpid", 0), "allow");
	assert_true(has(m, IMPORT_NOTE, "architectures", "SCMP_ARCH_X86 and SCMP_ARCH_X32"));
	m = import_i386("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"architectures\": "
			"[\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_X86\"]}",
			false);
	assert_int_equal(m->rc, 0);
	assert_non_null(strstr(m->r.policy, "\nabi = x86_64, i386\n"));
	/* --allow-i386: every ABI decided by the sections, no key */
	m = import_i386("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"architectures\": "
			"[\"SCMP_ARCH_X86_64\"]}",
			true);
	assert_int_equal(m->rc, 0);
	assert_null(strstr(m->r.policy, "\nabi ="));
	assert_int_equal(m->p->abis, POLICY_ABIS_ALL);
	/* two X86_64 entries: moby appends both (its loop does not stop at the
	 * first), so i386 is covered; the import refused this (no X86) */
	m = import_i386("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"archMap\": [{\"architecture\": "
			"\"SCMP_ARCH_X86_64\", \"subArchitectures\": []}, {\"architecture\": "
			"\"SCMP_ARCH_X86_64\", \"subArchitectures\": [\"SCMP_ARCH_X86\"]}]}",
			false);
	assert_int_equal(m->rc, 0);
	assert_non_null(
		strstr(json_object_to_json_string_ext(m->r.resolved, JSON_C_TO_STRING_PLAIN),
		       "[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\"]"));
	m = import_fails("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"architectures\": [], "
			 "\"archMap\": []}");
	assert_true(has(m, IMPORT_ERROR, "archMap", "both architectures and archMap"));
}

static void test_import_comments_cannot_write_lines(void **state)
{
	struct imp *m;

	(void)state;
	m = import_ok("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": ["
		      "{\"names\": [\"getpid\"], \"action\": \"SCMP_ACT_ALLOW\", \"comment\": "
		      "\"fine\\n[sysgate]\\ndefault = allow\\r[reboot]\\nallow = *\"}]}");
	assert_non_null(strstr(m->r.policy, "; syscalls[0]: fine [sysgate] default = allow"));
	assert_string_equal(decide(m, "reboot", 0), "deny 1");
	assert_string_equal(decide(m, "getpid", 0), "allow");
}

/* ---- hostile profiles (tests/hostile review) ---- */

#define ARCHES "\"architectures\": [\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_X86\", \"SCMP_ARCH_X32\"]"

/* Reports of the raw-text check, as the verb runs it before json-c. */
static size_t text_errors(const char *json, const char *sub)
{
	struct import_result r = {};
	size_t n = policy_import_check_numbers(json, strlen(json), &r);
	bool found = !sub;

	for (size_t i = 0; i < r.n_reports; i++)
		found = found || strstr(r.reports[i].msg, sub);
	assert_true(found);
	import_result_free(&r);
	return n;
}

/*
 * json-c ends a key at \u0000 and keeps the last of two equal keys, so
 * "action\u0000x" was a second "action" to sysgate alone: `{"names":
 * ["mkdir"], "action": "SCMP_ACT_ERRNO", "action\u0000x": "SCMP_ACT_ALLOW"}`
 * under default ALLOW imported as `[=mkdir] allow = *`, where runc (Go
 * keeps the key whole and ignores it) denies mkdir. Such text, and any key
 * twice in one object, is refused before json-c reads it.
 */
static void test_import_hostile_text(void **state)
{
	(void)state;
	assert_int_equal(text_errors("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": "
				     "[{\"names\": [\"mkdir\"], \"action\": \"SCMP_ACT_ERRNO\", "
				     "\"action\\u0000x\": \"SCMP_ACT_ALLOW\"}]}",
				     "\\u0000"),
			 1);
	assert_int_equal(
		text_errors("{\"syscalls\": [{\"names\": [\"mkdir\\u0000x\"]}]}", "\\u0000"), 1);
	assert_int_equal(text_errors("{\"syscalls\": [{\"names\": [\"mkdir\"], \"action\": "
				     "\"SCMP_ACT_ERRNO\", \"action\": \"SCMP_ACT_ALLOW\"}]}",
				     "twice"),
			 1);
	/* the same key through an escape */
	assert_int_equal(text_errors("{\"syscalls\": [{\"action\": \"SCMP_ACT_ERRNO\", "
				     "\"\\u0061ction\": \"SCMP_ACT_ALLOW\"}]}",
				     "twice"),
			 1);
	/* equal keys in different objects, and strings that are values, are fine */
	assert_int_equal(
		text_errors("{\"syscalls\": [{\"names\": [\"names\", \"names\"], "
			    "\"action\": \"x\"}, {\"names\": [], \"action\": \"x\", "
			    "\"args\": [{\"index\": 0}, {\"index\": 1}]}], \"a\": {\"action\": "
			    "1}}",
			    NULL),
		0);
	/* an object of very many keys is refused, not compared pair by pair */
	{
		size_t len = 0, cap = 40 * 5000;
		char *t = malloc(cap);

		assert_non_null(t);
		len += (size_t)snprintf(t + len, cap - len, "{");
		for (int i = 0; i < 5000; i++)
			len += (size_t)snprintf(t + len, cap - len, "%s\"k%d\": 1", i ? ", " : "",
						i);
		snprintf(t + len, cap - len, "}");
		assert_int_equal(text_errors(t, "keys in one object"), 1);
		free(t);
	}
	/* the real profiles have none of this */
	{
		static const char *const files[] = {SG_PROFILE_DATA "/moby-default.json",
						    SG_PROFILE_DATA
						    "/containers-common-seccomp.json",
						    "/usr/share/containers/seccomp.json"};

		for (size_t k = 0; k < sizeof(files) / sizeof(files[0]); k++) {
			FILE *f = fopen(files[k], "r");
			static char text[1 << 20];
			size_t n;

			if (!f)
				continue;
			n = fread(text, 1, sizeof(text) - 1, f);
			fclose(f);
			text[n] = '\0';
			assert_int_equal(text_errors(text, NULL), 0);
		}
	}
}

/*
 * Go's encoding/json (runc, Docker, Podman) takes "Action", "ACTION" and
 * "nameſ" (U+017F) for "action" and "names", the last one winning; json-c
 * does not. `{"names": ["getpid"], "nameſ": ["mkdir"], "action":
 * "SCMP_ACT_ERRNO"}` under default ALLOW denies mkdir in runc, and was
 * imported as getpid denied, mkdir allowed, with a note that the key was
 * "ignored (the runtimes ignore it too)".
 */
static void test_import_go_folded_keys(void **state)
{
	struct imp *m;

	(void)state;
	m = import_fails("{\"defaultAction\": \"SCMP_ACT_ALLOW\", " ARCHES ", \"syscalls\": "
			 "[{\"names\": [\"getpid\"], \"name\xc5\xbf\": [\"mkdir\"], \"action\": "
			 "\"SCMP_ACT_ERRNO\"}]}");
	assert_true(has(m, IMPORT_ERROR, "syscalls[0]", "is \"names\" to runc"));
	m = import_fails("{\"defaultAction\": \"SCMP_ACT_ALLOW\", " ARCHES ", \"syscalls\": "
			 "[{\"names\": [\"mkdir\"], \"action\": \"SCMP_ACT_ALLOW\", \"Action\": "
			 "\"SCMP_ACT_ERRNO\"}]}");
	assert_true(has(m, IMPORT_ERROR, "syscalls[0]", "is \"action\" to runc"));
	m = import_fails("{\"DefaultAction\": \"SCMP_ACT_ERRNO\", \"defaultAction\": "
			 "\"SCMP_ACT_ALLOW\", " ARCHES "}");
	assert_true(has(m, IMPORT_ERROR, "", "is \"defaultAction\" to runc"));
	m = import_fails("{\"defaultAction\": \"SCMP_ACT_ERRNO\", " ARCHES ", \"syscalls\": "
			 "[{\"names\": [\"mkdir\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": "
			 "[{\"index\": 1, \"value\": 511, \"op\": \"SCMP_CMP_EQ\", \"Value\": "
			 "448}]}]}");
	assert_true(has(m, IMPORT_ERROR, "syscalls[0].args[0]", "is \"value\" to runc"));
	m = import_fails("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"archMap\": [{\"architecture\": "
			 "\"SCMP_ARCH_X86_64\", \"subArchitectures\": [\"SCMP_ARCH_X86\"], "
			 "\"SubArchitectures\": []}]}");
	assert_true(has(m, IMPORT_ERROR, "archMap[0]", "is \"subArchitectures\" to runc"));
	/* a key that is no field's spelling stays a note */
	m = import_ok("{\"defaultAction\": \"SCMP_ACT_ERRNO\", " ARCHES ", \"actions\": 1}");
	assert_true(has(m, IMPORT_NOTE, "", "unknown key \"actions\""));
}

/*
 * libseccomp drops SCMP_CMP_MASKED_EQ mask 0 datum 0 as always true, so
 * such an entry is unconditional to it (seccomp_export_pfc): personality
 * ERRNO(13) if arg1 & 0 == 0, then personality ALLOW, is ERRNO(13) in
 * runc. The import took the first entry as a conditional "*" and the
 * second as the unconditional winner: personality allowed. Found by
 * test-export-diff's test_import_decides_as_libseccomp, as were the dead
 * rules the output had after such a "*" or after a rule whose conditions
 * a later one repeats (the loader warned about them).
 */
static void test_import_always_true_mask_is_unconditional(void **state)
{
	struct imp *m;

	(void)state;
	m = import_ok("{\"defaultAction\": \"SCMP_ACT_LOG\", " ARCHES ", \"syscalls\": ["
		      "{\"names\": [\"personality\"], \"action\": \"SCMP_ACT_ERRNO\", "
		      "\"errnoRet\": 13, \"args\": [{\"index\": 1, \"value\": 0, \"valueTwo\": 0, "
		      "\"op\": \"SCMP_CMP_MASKED_EQ\"}]}, "
		      "{\"names\": [\"personality\"], \"action\": \"SCMP_ACT_ALLOW\"}]}");
	assert_string_equal(decide(m, "personality", 8), "deny 13");
	/* one comparison of a twice-compared argument always true: that rule
	 * of the split is unconditional */
	m = import_ok("{\"defaultAction\": \"SCMP_ACT_LOG\", " ARCHES ", \"syscalls\": ["
		      "{\"names\": [\"personality\"], \"action\": \"SCMP_ACT_ERRNO\", "
		      "\"errnoRet\": 13, \"args\": [{\"index\": 0, \"value\": 0, \"valueTwo\": 0, "
		      "\"op\": \"SCMP_CMP_MASKED_EQ\"}, {\"index\": 0, \"value\": 5, \"op\": "
		      "\"SCMP_CMP_EQ\"}]}, "
		      "{\"names\": [\"personality\"], \"action\": \"SCMP_ACT_ALLOW\"}]}");
	assert_string_equal(decide(m, "personality", 8), "deny 13");
	/* dead rules are left out, so the output loads without a warning
	 * (import_ok checks that) */
	m = import_ok("{\"defaultAction\": \"SCMP_ACT_LOG\", " ARCHES ", \"syscalls\": ["
		      "{\"names\": [\"kill\"], \"action\": \"SCMP_ACT_KILL_PROCESS\", \"args\": "
		      "[{\"index\": 0, \"value\": 2048, \"op\": \"SCMP_CMP_LT\"}]}, "
		      "{\"names\": [\"kill\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": "
		      "[{\"index\": 0, \"value\": 2048, \"op\": \"SCMP_CMP_LT\"}, {\"index\": 2, "
		      "\"value\": 8, \"op\": \"SCMP_CMP_GT\"}]}]}");
	assert_true(has(m, IMPORT_NOTE, "syscalls[1]", "left out"));
	assert_string_equal(decide(m, "kill", 5), "kill");
}

/* Import with --allow-i386 as given. */
static struct imp *import_i386(const char *json, bool allow_i386)
{
	struct import_options o = {.caps = import_docker_caps,
				   .kernel_major = 6,
				   .kernel_minor = 18,
				   .allow_i386 = allow_i386};
	struct json_object *j = json_tokener_parse(json);
	struct imp *m = calloc(1, sizeof(*m));

	assert_non_null(m);
	assert_non_null(j);
	teardown(NULL);
	cur = m;
	while (o.caps[o.n_caps])
		o.n_caps++;
	m->rc = policy_import(j, &o, &m->r);
	json_object_put(j);
	if (m->rc == 0) {
		struct policy_diags d = {};

		/* the output loads, without a single warning */
		assert_int_equal(policy_load_string("imported.ini", m->r.policy, &m->p, &d), 0);
		assert_int_equal(d.n, 0);
		policy_diags_free(&d);
	}
	return m;
}

/*
 * libseccomp builds i386's filter from the low 32 bits of mask and datum
 * (seccomp_export_pfc): mkdir ERRNO(13) if arg1 MASKED_EQ 1 << 32 (mask
 * and datum) is `$a1 & 0 == 0` on i386, so runc denies every i386 mkdir.
 * It was imported as `arg1 & 0x100000000`, which sysgate compares as 32
 * bits on i386, where it never holds: i386 mkdir allowed. Refused now.
 */
static void test_import_masked_high_bits_on_i386(void **state)
{
	struct imp *m;

	(void)state;
	m = import_i386(masked(1ull << 32, "4294967296", "mkdir", 1), true);
	assert_int_equal(m->rc, -EINVAL);
	assert_true(has(m, IMPORT_ERROR, "syscalls[0].args[0]", "low 32 bits"));
	/* the named form, datum above 32 bits */
	m = import_i386(masked(0x1ffffffffull, "4294967296", "clone", 0), true);
	assert_int_equal(m->rc, -EINVAL);
	assert_true(has(m, IMPORT_ERROR, "syscalls[0].args[0]", "low 32 bits"));
	/* a mask wider than the argument's type on i386: setuid's 16-bit uid
	 * there, where runc tests the register's bits (found by
	 * test_import_decides_as_libseccomp: i386 setuid(0xfffffffe) allowed
	 * by `uid !& 0x7e020000`, killed by runc) */
	m = import_i386(
		"{\"defaultAction\": \"SCMP_ACT_KILL_PROCESS\", " ARCHES
		", \"syscalls\": [{\"names\": [\"setuid\"], \"action\": \"SCMP_ACT_ALLOW\", "
		"\"args\": [{\"index\": 0, \"value\": 2114060288, \"valueTwo\": 0, \"op\": "
		"\"SCMP_CMP_MASKED_EQ\"}]}]}",
		true);
	if (m->rc == 0) {
		struct policy_diags d = {};

		assert_int_equal(policy_load_string("i.ini", m->r.policy, &m->p, &d), 0);
		policy_diags_free(&d);
		assert_string_equal(decide6(m, "setuid", true, 0xfffffffe, 0, 0), "kill");
	} else {
		assert_true(has(m, IMPORT_ERROR, "syscalls[0].args[0]", "named argument"));
	}
	/* and without i386 in the profile the x86_64 reading is the one */
	m = import_i386("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": "
			"[\"SCMP_ARCH_X86_64\"], \"syscalls\": [{\"names\": [\"mkdir\"], "
			"\"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 13, \"args\": [{\"index\": "
			"1, \"value\": 4294967296, \"valueTwo\": 4294967296, \"op\": "
			"\"SCMP_CMP_MASKED_EQ\"}]}]}",
			true);
	assert_int_equal(m->rc, 0);
}

/*
 * i386's socketcall. libseccomp (2.5.4, seccomp_export_pfc) lets an
 * unconditional socketcall rule override the socketcall(a0 == SYS_SOCKET)
 * rule a socket rule adds, so with socketcall ERRNO(13), socket ALLOW and
 * connect ERRNO(13) every i386 socketcall gets EACCES in runc. sysgate
 * notifies socketcall whole (connect's section is not an allow) and
 * decides socketcall(SYS_SOCKET) by [socket]: allowed (measured with
 * tests/import/battery.py: EACCES in runc and crun, a socket under sysgate
 * run). That was imported without a word. A conditional deny of socket
 * under an allowing default: libseccomp drops the condition, so
 * the runtime denies every i386 socketcall socket; sysgate reads the family
 * from memory and then refuses what it would allow, so it is the stricter
 * there (a warning, as Docker's conditional allow). The first is refused
 * unless --allow-i386.
 */
static void test_import_i386_multiplexer_widening(void **state)
{
	struct imp *m;

	(void)state;
	m = import_i386("{\"defaultAction\": \"SCMP_ACT_ERRNO\", " ARCHES ", \"syscalls\": ["
			"{\"names\": [\"socketcall\"], \"action\": \"SCMP_ACT_ERRNO\", "
			"\"errnoRet\": 13}, "
			"{\"names\": [\"socket\"], \"action\": \"SCMP_ACT_ALLOW\"}, "
			"{\"names\": [\"connect\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": "
			"13}, {\"names\": [\"exit\", \"exit_group\", \"rt_sigreturn\", "
			"\"sigreturn\"], \"action\": \"SCMP_ACT_ALLOW\"}]}",
			false);
	assert_int_equal(m->rc, -EINVAL);
	assert_true(has(m, IMPORT_ERROR, "syscalls[1]", "socket on i386"));
	assert_true(has(m, IMPORT_ERROR, "syscalls[1]", "unconditional entry syscalls[0]"));
	assert_false(has(m, IMPORT_ERROR, "syscalls[2]", "")); /* connect: deny both ways */
	m = import_i386("{\"defaultAction\": \"SCMP_ACT_ERRNO\", " ARCHES ", \"syscalls\": ["
			"{\"names\": [\"socketcall\"], \"action\": \"SCMP_ACT_ERRNO\", "
			"\"errnoRet\": 13}, "
			"{\"names\": [\"socket\"], \"action\": \"SCMP_ACT_ALLOW\"}, "
			"{\"names\": [\"connect\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": "
			"13}]}",
			true);
	assert_int_equal(m->rc, 0);
	assert_true(has(m, IMPORT_WARNING, "syscalls[1]", "socket on i386"));
	/* socket denied for AF_ALG only, under an allowing default: the runtime
	 * denies every socketcall socket, sysgate (the family read from memory)
	 * refuses them too, EPERM (tests/import/battery.py): a warning */
	m = import_i386("{\"defaultAction\": \"SCMP_ACT_ALLOW\", " ARCHES ", \"syscalls\": ["
			"{\"names\": [\"socket\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": "
			"[{\"index\": 0, \"value\": 38, \"op\": \"SCMP_CMP_EQ\"}]}]}",
			false);
	assert_int_equal(m->rc, 0);
	assert_true(has(m, IMPORT_WARNING, "syscalls[0].args", "without its argument"));
	/* the allowing default, socketcall denied whole: as measured */
	m = import_i386("{\"defaultAction\": \"SCMP_ACT_ALLOW\", " ARCHES ", \"syscalls\": ["
			"{\"names\": [\"socketcall\"], \"action\": \"SCMP_ACT_ERRNO\", "
			"\"errnoRet\": 13}, {\"names\": [\"socket\"], \"action\": "
			"\"SCMP_ACT_ALLOW\"}, {\"names\": [\"connect\"], \"action\": "
			"\"SCMP_ACT_ERRNO\", \"errnoRet\": 13}]}",
			false);
	assert_int_equal(m->rc, -EINVAL);
	assert_true(has(m, IMPORT_ERROR, "syscalls[1]", "socket on i386"));
	/* the same with connect allowed: sysgate lets socketcall(SYS_CONNECT) run
	 * where the runtime's socketcall entry denies it */
	m = import_i386("{\"defaultAction\": \"SCMP_ACT_ERRNO\", " ARCHES ", \"syscalls\": ["
			"{\"names\": [\"socketcall\", \"socket\"], \"action\": \"SCMP_ACT_ERRNO\", "
			"\"errnoRet\": 13}, "
			"{\"names\": [\"connect\", \"exit\", \"exit_group\", \"rt_sigreturn\", "
			"\"sigreturn\"], \"action\": \"SCMP_ACT_ALLOW\"}]}",
			false);
	assert_int_equal(m->rc, -EINVAL);
	assert_true(has(m, IMPORT_ERROR, "syscalls[1]", "connect on i386"));
	/* socketcall allowed whole, connect denied: sysgate is the stricter */
	m = import_i386("{\"defaultAction\": \"SCMP_ACT_ERRNO\", " ARCHES ", \"syscalls\": ["
			"{\"names\": [\"socketcall\", \"socket\", \"exit\", \"exit_group\", "
			"\"rt_sigreturn\", \"sigreturn\"], \"action\": \"SCMP_ACT_ALLOW\"}, "
			"{\"names\": [\"connect\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": "
			"13}]}",
			false);
	assert_int_equal(m->rc, 0);
	assert_int_equal(m->r.n_errors, 0);
	/* Docker's: socket allowed by family under a deny default; sysgate is the
	 * stricter one there (a warning, as before) */
	m = import_i386("{\"defaultAction\": \"SCMP_ACT_ERRNO\", " ARCHES ", \"syscalls\": ["
			"{\"names\": [\"socketcall\", \"exit\", \"exit_group\", \"rt_sigreturn\", "
			"\"sigreturn\"], \"action\": \"SCMP_ACT_ALLOW\"}, "
			"{\"names\": [\"socket\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": "
			"[{\"index\": 0, \"value\": 38, \"op\": \"SCMP_CMP_LT\"}]}]}",
			false);
	assert_int_equal(m->rc, 0);
	assert_true(has(m, IMPORT_WARNING, "syscalls[1].args", "socket on i386"));
}

/* ---- the real profiles ---- */

static struct imp *import_file(const char *path, const char *const *caps)
{
	FILE *f = fopen(path, "r");
	static char text[1 << 20];
	size_t n;

	if (!f)
		return NULL;
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	return import_opts(text, caps, 6, 18, false);
}

static void test_import_moby_default(void **state)
{
	struct imp *m = import_file(SG_PROFILE_DATA "/moby-default.json", NULL);

	(void)state;
	if (!m)
		skip();
	assert_int_equal(m->rc, 0);
	assert_int_equal(m->r.dialect, IMPORT_MOBY);
	assert_int_equal(m->r.n_errors, 0);
	/* the one lossy point: socket's family through i386 socketcall */
	assert_int_equal(m->r.n_warnings, 1);
	assert_true(has(m, IMPORT_WARNING, "syscalls[2].args", "socketcall"));
	assert_string_equal(decide(m, "socket", 2), "allow");
	assert_string_equal(decide(m, "socket", 38), "deny 1");
	assert_string_equal(decide(m, "socket", 40), "deny 1");
	assert_string_equal(decide(m, "personality", 0x20008), "allow");
	assert_string_equal(decide(m, "personality", 0x40000), "deny 1");
	assert_string_equal(decide(m, "clone", 0x11), "allow");
	assert_string_equal(decide(m, "clone", 0x10000011), "deny 1");
	assert_string_equal(decide(m, "clone3", 0), "deny 38");
	assert_string_equal(decide(m, "ptrace", 0), "allow");
	assert_string_equal(decide(m, "mount", 0), "deny 1");
	assert_string_equal(decide(m, "mseal", 0), "deny 38");
	/* with CAP_SYS_ADMIN, moby allows mount and any clone */
	m = import_file(SG_PROFILE_DATA "/moby-default.json", admin_caps);
	assert_string_equal(decide(m, "mount", 0), "allow");
	assert_string_equal(decide(m, "clone", 0x10000011), "allow");
	assert_string_equal(decide(m, "clone3", 0), "allow");
}

static void test_import_moby_20_10(void **state)
{
	struct imp *m = import_file(SG_PROFILE_DATA "/moby-default-20.10.24.json", NULL);

	(void)state;
	if (!m)
		skip();
	assert_int_equal(m->rc, 0);
	assert_int_equal(m->r.n_errors, 0);
	assert_int_equal(m->r.n_warnings, 0); /* its socket rule has no conditions */
	assert_string_equal(decide(m, "getpid", 0), "allow");
	assert_string_equal(decide(m, "clone3", 0), "deny 38");
	assert_string_equal(decide(m, "keyctl", 0), "deny 1");
	/* above its highest name (futex_waitv, 449) runc answers ENOSYS */
	assert_string_equal(decide(m, "cachestat", 0), "deny 38");
	assert_string_equal(decide(m, "fchmodat2", 0), "deny 38");
}

/* runc's stub: ENOSYS above the highest syscall named, with architectures
 * only; Podman runs crun, which has no stub. */
static void test_import_runc_enosys_stub(void **state)
{
	const char *with = "{\"defaultAction\": \"SCMP_ACT_ERRNO\", " ARCHES
			   ", \"syscalls\": [{\"names\": [\"getpid\", \"exit\", \"exit_group\", "
			   "\"rt_sigreturn\", \"sigreturn\"], \"action\": \"SCMP_ACT_ALLOW\"}]}";
	struct imp *m;

	(void)state;
	m = import_ok(with);
	assert_string_equal(decide(m, "getpid", 0), "allow");
	/* the highest named is exit_group, 231 */
	assert_string_equal(decide(m, "mkdir", 0), "deny 1");	   /* 83, below */
	assert_string_equal(decide(m, "openat", 0), "deny 38");	   /* 257, above */
	assert_string_equal(decide(m, "fchmodat2", 0), "deny 38"); /* 452 */
	assert_string_equal(decide(m, "io_uring_setup", 0), "deny 38");
	m = import_opts(with, NULL, 6, 18, true);
	assert_int_equal(m->rc, 0);
	assert_string_equal(decide(m, "openat", 0), "deny 1");
	m = import_ok("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": "
		      "[\"getpid\"], \"action\": \"SCMP_ACT_ALLOW\"}]}");
	assert_string_equal(decide(m, "openat", 0), "deny 1");
}

static void podman_checks(const char *path)
{
	static const char *const no_audit[] = {"CAP_CHOWN", "CAP_SETUID", NULL};
	struct imp *m = import_file(path, NULL);

	if (!m)
		skip();
	assert_int_equal(m->rc, 0);
	assert_int_equal(m->r.dialect, IMPORT_PODMAN);
	assert_int_equal(m->r.n_errors, 0);
	assert_int_equal(m->r.n_warnings, 0);
	assert_true(has(m, IMPORT_NOTE, "syscalls[1].names[333]", "none of x86_64"));
	assert_string_equal(decide(m, "cachestat", 0), "deny 38"); /* not listed: ENOSYS */
	assert_string_equal(decide(m, "getuid", 0), "allow");
	assert_string_equal(decide(m, "kexec_load", 0), "deny 1");
	assert_string_equal(decide(m, "keyctl", 0), "allow");
	assert_string_equal(decide(m, "mount", 0), "allow");
	assert_string_equal(decide6(m, "socket", false, 16, 3, 9), "allow");
	/* without CAP_AUDIT_WRITE: NETLINK_AUDIT sockets get EINVAL */
	m = import_file(path, no_audit);
	assert_int_equal(m->rc, 0);
	assert_string_equal(decide6(m, "socket", false, 16, 3, 9), "deny 22");
	assert_string_equal(decide6(m, "socket", false, 16, 3, 0), "allow");
	assert_string_equal(decide6(m, "socket", false, 2, 1, 0), "allow");
}

static void test_import_podman_data(void **state)
{
	(void)state;
	podman_checks(SG_PROFILE_DATA "/containers-common-seccomp.json");
}

static void test_import_podman_installed(void **state)
{
	(void)state;
	podman_checks("/usr/share/containers/seccomp.json");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_import_each_action, teardown),
		cmocka_unit_test_teardown(test_import_default_actions, teardown),
		cmocka_unit_test_teardown(test_import_errno_limits, teardown),
		cmocka_unit_test_teardown(test_import_operators, teardown),
		cmocka_unit_test_teardown(test_import_long_rule_is_continued, teardown),
		cmocka_unit_test_teardown(test_import_masked_eq_forms, teardown),
		cmocka_unit_test_teardown(test_import_same_arg_is_or, teardown),
		cmocka_unit_test_teardown(test_import_entries_of_one_syscall, teardown),
		cmocka_unit_test_teardown(test_import_includes_excludes, teardown),
		cmocka_unit_test_teardown(test_import_podman_strings, teardown),
		cmocka_unit_test_teardown(test_import_bad_numbers, teardown),
		cmocka_unit_test_teardown(test_import_name_and_names, teardown),
		cmocka_unit_test_teardown(test_import_names, teardown),
		cmocka_unit_test_teardown(test_import_allowlist_is_packed, teardown),
		cmocka_unit_test_teardown(test_import_arches, teardown),
		cmocka_unit_test_teardown(test_import_comments_cannot_write_lines, teardown),
		cmocka_unit_test_teardown(test_import_moby_default, teardown),
		cmocka_unit_test_teardown(test_import_moby_20_10, teardown),
		cmocka_unit_test_teardown(test_import_runc_enosys_stub, teardown),
		cmocka_unit_test_teardown(test_import_hostile_text, teardown),
		cmocka_unit_test_teardown(test_import_go_folded_keys, teardown),
		cmocka_unit_test_teardown(test_import_i386_multiplexer_widening, teardown),
		cmocka_unit_test_teardown(test_import_masked_high_bits_on_i386, teardown),
		cmocka_unit_test_teardown(test_import_always_true_mask_is_unconditional, teardown),
		cmocka_unit_test_teardown(test_import_podman_data, teardown),
		cmocka_unit_test_teardown(test_import_podman_installed, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
