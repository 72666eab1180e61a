/*
 * Unit tests for policy/: loading, refusals with their line numbers, warnings,
 * families, the implicit io_uring section, decisions, globs, errno names and
 * the built-in default policy. No kernel involved.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "policy/policy.h"

struct fx {
	struct policy *p;
	struct policy_diags d;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	policy_free(f->p);
	policy_diags_free(&f->d);
	free(f);
	return 0;
}

static int load(struct fx *f, const char *text)
{
	policy_free(f->p);
	f->p = NULL;
	policy_diags_free(&f->d);
	return policy_load_string("t.ini", text, &f->p, &f->d);
}

static void dump(const struct fx *f)
{
	for (size_t i = 0; i < f->d.n; i++)
		print_message("  diag %zu: %s line %u: %s\n", i,
			      f->d.v[i].severity == DIAG_ERROR ? "error" : "warning",
			      f->d.v[i].line, f->d.v[i].msg);
}

static const struct policy_diag *find_diag(const struct fx *f, enum diag_level sev, unsigned line,
					   const char *sub)
{
	for (size_t i = 0; i < f->d.n; i++)
		if (f->d.v[i].severity == sev && f->d.v[i].line == line &&
		    strstr(f->d.v[i].msg, sub))
			return &f->d.v[i];
	return NULL;
}

static void assert_diag(const struct fx *f, enum diag_level sev, unsigned line, const char *sub)
{
	if (!find_diag(f, sev, line, sub)) {
		dump(f);
		fail_msg("no %s at line %u containing \"%s\"",
			 sev == DIAG_ERROR ? "error" : "warning", line, sub);
	}
}

/* The text is refused, with an error at that line whose message has sub. */
static void assert_refused(struct fx *f, const char *text, unsigned line, const char *sub)
{
	int r = load(f, text);

	if (r != -EINVAL)
		dump(f);
	assert_int_equal(r, -EINVAL);
	assert_null(f->p);
	assert_true(f->d.n_errors >= 1);
	assert_diag(f, DIAG_ERROR, line, sub);
}

static void assert_loads(struct fx *f, const char *text)
{
	int r = load(f, text);

	if (r != 0 || f->d.n_errors)
		dump(f);
	assert_int_equal(r, 0);
	assert_int_equal(f->d.n_errors, 0);
	assert_non_null(f->p);
}

/* Loads with no diagnostic at all. */
static void assert_clean(struct fx *f, const char *text)
{
	assert_loads(f, text);
	if (f->d.n)
		dump(f);
	assert_int_equal(f->d.n, 0);
}

static const struct section *section(const struct fx *f, const char *syscall)
{
	const struct section *s = policy_section_for(f->p, syscall);

	assert_non_null(s);
	return s;
}

static struct call call_of(const char *syscall)
{
	return (struct call){.syscall = syscall, .shape = policy_syscall_shape(syscall)};
}

/* ---- refusals ---- */

static void test_load_refuses_unknown_section(void **state)
{
	struct fx *f = *state;
	struct policy *sentinel = (struct policy *)0x1, *p = sentinel;

	assert_refused(f, "[sysgate]\nmode = enforce\n\n[mkdri]\ndeny = *\n", 4, "mkdri");
	/* *ret is untouched on failure */
	assert_int_equal(policy_load_string("x", "[mkdri]\n", &p, NULL), -EINVAL);
	assert_ptr_equal(p, sentinel);
	/* a section with no keys is still checked */
	assert_refused(f, "[reboot]\ndeny = *\n[nosuchcall]\n", 3, "unknown section [nosuchcall]");
	assert_refused(f, "[]\ndeny = *\n", 1, "empty section name");
}

static void test_load_refuses_unknown_keys(void **state)
{
	struct fx *f = *state;

	assert_refused(f, "[sysgate]\nmode = enforce\nmdoe = complain\n", 3,
		       "unknown key 'mdoe' in [sysgate]");
	/* The keys are a table: the message lists every one of them. */
	assert_refused(f, "[sysgate]\nlogfull = drop\n", 2,
		       "unknown key 'logfull' in [sysgate] (did you mean log_full? the keys: "
		       "include, mode, default, log, log_format, log_full, ask_timeout, "
		       "ask_default, ask_unattached or abi)");
	/* Every key of the table is known, and each is set once at most. */
	assert_refused(f,
		       "[sysgate]\nmode = enforce\ndefault = allow\nlog = stderr\n"
		       "log_format = text\nlog_full = block\nask_timeout = 30s\n"
		       "ask_default = deny\nlog_full = drop\n",
		       9, "duplicate key 'log_full' in [sysgate] (first set at line 6)");
	assert_refused(f, "[reboot]\nblock = *\n", 2, "unknown decision 'block'");
	assert_refused(f, "[reboot]\nDeny = *\n", 2, "unknown decision 'Deny'");
	assert_refused(f, "deny = *\n[reboot]\ndeny = *\n", 1, "outside any section");
}

static void test_load_ask_and_its_settings(void **state)
{
	struct fx *f = *state;

	assert_clean(f, "[mkdir]\nask = path ~ /home/**\n");
	assert_int_equal(section(f, "mkdirat")->rules[0].kind, DECISION_ASK);
	assert_int_equal(f->p->ask_timeout_ms, 30000);
	assert_int_equal(f->p->ask_default.kind, DECISION_DENY);
	assert_int_equal(f->p->ask_default.err, EPERM);

	assert_clean(f, "[sysgate]\nask_timeout = 1500ms\nask_default = deny EACCES\n"
			"[reboot]\nask = *\n");
	assert_int_equal(f->p->ask_timeout_ms, 1500);
	assert_int_equal(f->p->ask_default.err, EACCES);
	assert_int_equal(f->p->ask_default.line, 3);
	assert_clean(f, "[sysgate]\nask_timeout = 2m\nask_default = allow\n");
	assert_int_equal(f->p->ask_timeout_ms, 120000);
	assert_int_equal(f->p->ask_default.kind, DECISION_ALLOW);
	assert_clean(f, "[sysgate]\nask_timeout = 0\n");
	assert_int_equal(f->p->ask_timeout_ms, 0);

	assert_refused(f, "[sysgate]\nask_timeout = 30\n", 2, "bad ask_timeout '30'");
	assert_refused(f, "[sysgate]\nask_timeout = -1s\n", 2, "bad ask_timeout");
	assert_refused(f, "[sysgate]\nask_timeout = 25h\n", 2, "bad ask_timeout");
	assert_refused(f, "[sysgate]\nask_timeout = 1441m\n", 2, "longer than a day");
	assert_refused(f, "[sysgate]\nask_default = ask\n", 2, "bad ask_default 'ask'");
	assert_refused(f, "[sysgate]\nask_default = emulate\n", 2, "bad ask_default");
	assert_refused(f, "[sysgate]\ndefault = ask\n", 2, "bad default 'ask'");
	assert_refused(f, "[sysgate]\ndefault = emulate\n", 2, "bad default 'emulate'");
	assert_refused(f, "[sysgate]\nask_default = deny\nask_default = allow\n", 3,
		       "duplicate key 'ask_default'");
	/* an allow answer continues the call: the race warning applies outside
	 * the emulated families */
	assert_loads(f, "[unlink]\nask = path ~ /home/**\ndeny = *\n");
	assert_diag(f, DIAG_WARNING, 2, "ask (answered allow) after a path condition");
	assert_clean(f, "[mkdir]\nask = path ~ /home/**\ndeny = *\n");
}

static void test_load_refuses_errno_on_other_decisions(void **state)
{
	struct fx *f = *state;

	assert_refused(f, "[reboot]\nallow = EACCES *\n", 2, "allow takes no errno");
	assert_refused(f, "[reboot]\nkill = 13 *\n", 2, "kill takes no errno");
	assert_refused(f, "[reboot]\nlog = EPERM *\n", 2, "log takes no errno");
	assert_refused(f, "[reboot]\ncontinue = EPERM *\n", 2, "continue takes no errno");
}

static void test_load_refuses_bad_errno(void **state)
{
	struct fx *f = *state;

	assert_refused(f, "[reboot]\ndeny = EFOO *\n", 2, "unknown errno name 'EFOO'");
	assert_refused(f, "[reboot]\ndeny = 0 *\n", 2, "errno 0 is out of range");
	assert_refused(f, "[reboot]\ndeny = 4096 *\n", 2, "errno 4096 is out of range");
	assert_refused(f, "[reboot]\ndeny = 512 *\n", 2, "errno 512 is kernel-internal");
	assert_refused(f, "[reboot]\ndeny = 530 *\n", 2, "errno 530 is kernel-internal");
	assert_refused(f, "[reboot]\ndeny = -1 *\n", 2, "errno -1 is out of range");
	assert_refused(f, "[reboot]\ndeny = 13x *\n", 2, "bad errno '13x'");
	assert_refused(f, "[sysgate]\ndefault = deny 512\n", 2, "kernel-internal");
	assert_refused(f, "[reboot]\ndeny = EACCES\n", 2, "missing condition");
}

static void test_load_accepts_errno_range_edges(void **state)
{
	struct fx *f = *state;
	static const struct {
		const char *tok;
		int err;
	} ok[] = {
		{"511", 511},		{"531", 531},
		{"4095", 4095},		{"1", 1},
		{"EACCES", EACCES},	{"EWOULDBLOCK", EAGAIN},
		{"EDEADLOCK", EDEADLK}, {"ENOTSUP", EOPNOTSUPP},
	};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		char text[128];

		snprintf(text, sizeof(text), "[reboot]\ndeny = %s *\n", ok[i].tok);
		assert_clean(f, text);
		assert_int_equal(section(f, "reboot")->rules[0].err, ok[i].err);
	}
	/* deny without an errno is EPERM; errno is deny's alias */
	assert_clean(f, "[reboot]\nerrno = *\n");
	assert_int_equal(section(f, "reboot")->rules[0].kind, DECISION_DENY);
	assert_int_equal(section(f, "reboot")->rules[0].err, EPERM);
}

static void test_load_refuses_bad_globs(void **state)
{
	struct fx *f = *state;

	assert_refused(f, "[mkdir]\ndeny = path ~ etc/**\n", 2, "not absolute");
	assert_refused(f, "[mkdir]\ndeny = path ~ /etc/[ab\n", 2, "unterminated '['");
	assert_refused(f, "[mkdir]\ndeny = path !~ /etc\\\n", 2, "trailing backslash");
	assert_refused(f, "[mkdir]\ndeny = path ~ /a/[z-a]\n", 2, "reversed range");
	assert_refused(f, "[mkdir]\ndeny = exe ~ bin/sh\n", 2, "exe glob 'bin/sh' is not absolute");
	assert_refused(f, "[mkdir]\ndeny = path ~\n", 2, "missing glob");
	assert_refused(f, "[mkdir]\ndeny = path = /etc\n", 2, "expected ~ or !~ after 'path'");
	assert_refused(f, "[mkdir]\ndeny = path~/etc/**\n", 2, "separate tokens with spaces");
}

/* Issue 10, failure 3: globs that no resolved path can match were taken, so
 * a deny built on them did nothing. Each is refused, in any alternative. */
static void test_load_refuses_globs_that_cannot_match(void **state)
{
	struct fx *f = *state;

	assert_refused(f, "[mkdir]\ndeny = path ~ /etc/\n", 2, "trailing '/' never matches");
	assert_refused(f, "[mkdir]\ndeny = path ~ /etc//**\n", 2, "'//' never matches");
	assert_refused(f, "[mkdir]\ndeny = path ~ /etc/../root/**\n", 2, "'..' component");
	assert_refused(f, "[mkdir]\ndeny = path ~ /a/./b\n", 2, "'.' or '..' component");
	assert_refused(f, "[mkdir]\ndeny = path ~ /a/..\n", 2, "'.' or '..' component");
	assert_refused(f, "[mkdir]\ndeny = exe ~ /usr//bin/*\n", 2, "'//' never matches");
	assert_refused(f, "[mkdir]\ndeny = path ~ /{tmp,var/}\n", 2, "trailing '/'");
	assert_refused(f, "[mkdir]\ndeny = path ~ {/tmp,var}/**\n", 2, "not absolute");
	assert_refused(f, "[mkdir]\ndeny = path ~ /{a,b\n", 2, "unterminated '{'");
	assert_refused(f, "[mkdir]\ndeny = path ~ /a}\n", 2, "'}' without '{'");
	/* what a resolved path can be is still taken */
	assert_clean(f, "[mkdir]\ndeny = path ~ /\n");
	assert_clean(f, "[mkdir]\ndeny = path ~ /etc/.*\n");
	assert_clean(f, "[mkdir]\ndeny = path ~ /etc/..x/**\n");
	assert_clean(f, "[mkdir]\ndeny = path ~ /{tmp,var/tmp}/**\n");
	assert_clean(f, "[mkdir]\ndeny = path ~ /a\\{b\n");
	assert_clean(f, "[mkdir]\ndeny = path !~ {/tmp/**,/dev/null}\n");
}

static void expect_glob(const char *glob, const char *path, bool match);

static void test_glob_alternation(void **state)
{
	(void)state;
	expect_glob("/{tmp,var/tmp}/**", "/tmp/x", true);
	expect_glob("/{tmp,var/tmp}/**", "/var/tmp", true);
	expect_glob("/{tmp,var/tmp}/**", "/var/x", false);
	expect_glob("/x.{c,h}", "/x.h", true);
	expect_glob("/x.{c,h}", "/x.o", false);
	expect_glob("/{a,b{c,d}}/e", "/bd/e", true);
	expect_glob("/{a,b{c,d}}/e", "/b/e", false);
	expect_glob("/{,a}b", "/b", true);
	expect_glob("{/tmp/**,/dev/null}", "/dev/null", true);
	expect_glob("{/tmp/**,/dev/null}", "/dev/nullx", false);
	expect_glob("/{,a}b", "/ab", true);
	expect_glob("/a\\{b,c\\}", "/a{b,c}", true);
	expect_glob("/a\\{b,c\\}", "/ab", false);
	expect_glob("/[{]x", "/{x", true);
	expect_glob("/{a,b", "/a", false); /* malformed: never matches */
	/* 2^9 = 512 alternatives is over the bound: refused, never matched */
	assert_int_equal(policy_glob_check("/{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}", NULL),
			 -EINVAL);
	assert_int_equal(policy_glob_check("/{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}", NULL), 0);
}

static void test_load_refuses_bad_numbers(void **state)
{
	struct fx *f = *state;

	assert_refused(f, "[reboot]\ndeny = arg0 == 12abc\n", 2, "bad number '12abc'");
	assert_refused(f, "[reboot]\ndeny = arg0 == 0x\n", 2, "bad number '0x'");
	assert_refused(f, "[reboot]\ndeny = arg0 == 08\n", 2, "bad number '08'");
	assert_refused(f, "[reboot]\ndeny = arg0 == 18446744073709551616\n", 2, "bad number");
	assert_refused(f, "[reboot]\ndeny = arg0 == -9223372036854775809\n", 2, "bad number");
	assert_refused(f, "[reboot]\ndeny = arg0 == -0x10\n", 2, "bad number");
	assert_refused(f, "[reboot]\ndeny = arg6 == 1\n", 2, "no argument arg6");
	assert_refused(f, "[reboot]\ndeny = arg0 =~ 1\n", 2, "unknown operator '=~'");
	assert_refused(f, "[reboot]\ndeny = arg0 ==\n", 2, "missing value");
	assert_refused(f, "[reboot]\ndeny = arg0\n", 2, "missing operator");
	assert_refused(f, "[reboot]\ndeny = foo == 1\n", 2,
		       "reboot has no argument 'foo' (its arguments: magic, magic2, cmd, arg)");
	assert_refused(f, "[reboot]\ndeny = Foo == 1\n", 2, "unknown condition 'Foo'");
}

static void test_load_refuses_bad_mode_masks(void **state)
{
	struct fx *f = *state;

	assert_refused(f, "[chmod]\nkill = mode & 0\n", 2, "is zero");
	assert_refused(f, "[chmod]\nkill = mode & 010000\n", 2, "larger than 07777");
	/* a mode is octal, as chmod(1) writes it, in every form */
	assert_refused(f, "[chmod]\nkill = mode & 9\n", 2, "bad mode '9'");
	assert_refused(f, "[chmod]\nkill = mode == 0x10\n", 2, "bad mode '0x10'");
	assert_clean(f, "[chmod]\nkill = mode & 7777 == 4755\n");
	assert_int_equal(section(f, "chmod")->rules[0].conds[0].mask, 07777);
	assert_int_equal(section(f, "chmod")->rules[0].conds[0].value, 04755);
	assert_clean(f, "[chmod]\nkill = mode & S_ISUID|S_ISGID\n");
	assert_clean(f, "[chmod]\nkill = mode & 4000\n");
	assert_int_equal(section(f, "chmod")->rules[0].conds[0].value, 04000);
	assert_clean(f, "[chmod]\nkill = mode & 07777\n");
	assert_int_equal(section(f, "fchmodat2")->rules[0].conds[0].value, 07777);
}

static void test_load_refuses_conditions_a_section_cannot_evaluate(void **state)
{
	struct fx *f = *state;

	assert_refused(f, "[reboot]\ndeny = path ~ /x\n", 2, "[reboot]: reboot takes no path");
	assert_refused(f, "[chown]\ndeny = mode & 04000\n", 2, "[chown]: chown takes no mode");
	assert_refused(f, "[unlink]\ndeny = mode & 04000\n", 2, "[unlink]: unlink takes no mode");
	assert_refused(f, "[mount]\ndeny = path ~ /x\n", 2, "[mount]: fsopen takes no path");
	assert_refused(f, "[getpid]\ndeny = path ~ /x\n", 2, "[getpid]: getpid takes no path");
	/* an acted-on fd counts as a path; exe and argN fit anywhere */
	assert_clean(
		f, "[sysgate]\ndefault = deny\n[fchmod]\ndeny = path ~ /etc/** and mode & 04000\n");
	assert_true(section(f, "fchmod")->needs_path);
	assert_int_equal(section(f, "fchmod")->rules[0].n_conds, 2);
	assert_false(section(f, "fchmod")->needs_exe);
	assert_clean(f, "[reboot]\ndeny = exe ~ /usr/bin/* and arg2 == 0x1234567\n");
	assert_true(section(f, "reboot")->needs_exe);
	assert_false(section(f, "reboot")->needs_path);
}

static void test_load_refuses_bad_condition_structure(void **state)
{
	struct fx *f = *state;

	assert_refused(f, "[reboot]\ndeny = * and arg0 == 1\n", 2, "* must stand alone");
	assert_refused(f, "[reboot]\ndeny = arg0 == 1 and *\n", 2, "* must stand alone");
	assert_refused(f, "[reboot]\ndeny = arg0 == 1 and\n", 2, "'and' at the end");
	assert_refused(f, "[reboot]\ndeny = arg0 == 1 arg1 == 2\n", 2,
		       "expected 'and' before 'arg1'");
	assert_refused(f, "[reboot]\ndeny = arg0 == 1 AND arg1 == 2\n", 2, "expected 'and'");
	assert_refused(f, "[reboot]\ndeny = * *\n", 2, "expected 'and'");
}

static void test_load_refuses_duplicate_sysgate_keys(void **state)
{
	struct fx *f = *state;

	assert_refused(
		f,
		"[sysgate]\nmode = enforce\n\n[reboot]\ndeny = *\n\n[sysgate]\nmode = complain\n",
		8, "duplicate key 'mode' in [sysgate] (first set at line 2)");
	assert_refused(f, "[sysgate]\nlog = stderr\nlog = syslog\n", 3, "duplicate key 'log'");
	/* a second [sysgate] that sets other keys is fine */
	assert_clean(f,
		     "[sysgate]\nmode = complain\n[reboot]\ndeny = *\n[sysgate]\ndefault = kill\n");
	assert_int_equal(f->p->mode, POLICY_COMPLAIN);
	assert_int_equal(f->p->dflt.kind, DECISION_KILL);
	assert_int_equal(f->p->dflt.line, 6);
}

static void test_load_refuses_bad_sysgate_values(void **state)
{
	struct fx *f = *state;

	assert_refused(f, "[sysgate]\nmode = enforcing\n", 2, "bad mode 'enforcing'");
	assert_refused(f, "[sysgate]\ndefault = allow EPERM\n", 2, "bad default");
	assert_refused(f, "[sysgate]\ndefault = permit\n", 2, "bad default 'permit'");
	assert_refused(f, "[sysgate]\ndefault = deny EPERM extra\n", 2, "bad default");
	assert_refused(f, "[sysgate]\ndefault = deny EFOO\n", 2, "unknown errno name 'EFOO'");
	assert_refused(f, "[sysgate]\nlog_format = xml\n", 2, "bad log_format 'xml'");
	assert_refused(f, "[sysgate]\nlog = stderr, journal\n", 2, "unknown log sink 'journal'");
	assert_refused(f, "[sysgate]\nlog = stderr,,syslog\n", 2, "empty log sink");
	assert_refused(f, "[sysgate]\nlog = var/log/x\n", 2, "unknown log sink 'var/log/x'");
}

static void test_load_reads_sysgate_settings(void **state)
{
	struct fx *f = *state;

	assert_clean(f, "[sysgate]\nmode = complain\ndefault = deny EACCES\n"
			"log = stderr, syslog ,/var/log/sysgate.log\nlog_format = json\n");
	assert_int_equal(f->p->mode, POLICY_COMPLAIN);
	assert_int_equal(f->p->dflt.kind, DECISION_DENY);
	assert_int_equal(f->p->dflt.err, EACCES);
	assert_int_equal(f->p->dflt.line, 3);
	assert_int_equal(f->p->dflt.n_conds, 0);
	assert_string_equal(f->p->log_sinks[0], "stderr");
	assert_string_equal(f->p->log_sinks[1], "syslog");
	assert_string_equal(f->p->log_sinks[2], "/var/log/sysgate.log");
	assert_null(f->p->log_sinks[3]);
	assert_string_equal(f->p->log_format, "json");
	assert_string_equal(f->p->file, "t.ini");

	/* unset: enforce, default allow, no sinks, no format */
	assert_clean(f, "[reboot]\ndeny = *\n");
	assert_int_equal(f->p->mode, POLICY_ENFORCE);
	assert_int_equal(f->p->dflt.kind, DECISION_ALLOW);
	assert_int_equal(f->p->dflt.line, 0);
	assert_non_null(f->p->log_sinks);
	assert_null(f->p->log_sinks[0]);
	assert_null(f->p->log_format);

	assert_clean(f, "[sysgate]\ndefault = deny\n");
	assert_int_equal(f->p->dflt.err, EPERM);

	/* every sink name that --log takes, the policy takes too (one list) */
	for (const char *const *n = policy_sink_names; *n; n++) {
		char text[64];

		snprintf(text, sizeof(text), "[sysgate]\nlog = %s\n", *n);
		assert_clean(f, text);
		assert_string_equal(f->p->log_sinks[0], *n);
	}
	assert_true(policy_sink_ok("audit"));
	assert_false(policy_sink_ok("/"));
}

static void test_load_refuses_empty_values(void **state)
{
	struct fx *f = *state;

	assert_refused(f, "[reboot]\ndeny =\n", 2, "empty value for 'deny'");
	assert_refused(f, "[reboot]\ndeny = ; only a comment\n", 2, "empty value for 'deny'");
	assert_refused(f, "[sysgate]\nmode =\n", 2, "empty value for 'mode'");
	assert_refused(f, "[sysgate]\nlog =\n", 2, "empty value for 'log'");
	assert_refused(f, "[reboot]\n= *\n", 2, "missing key");
}

/* The 200-byte trap: inih r55 would read the tail of a long line as a rule. */
static void test_load_refuses_long_line_before_inih_splits_it(void **state)
{
	struct fx *f = *state;
	char text[512], line[256];

	/* 250 bytes: a comment whose tail, from byte 199 on, reads "deny=*" */
	memset(line, ' ', 250);
	line[0] = ';';
	memset(line + 1, 'x', 198);
	memcpy(line + 199, "deny=*", 6);
	line[250] = '\0';
	snprintf(text, sizeof(text), "[mkdir]\nlog = *\n%s\n", line);
	assert_refused(f, text, 3, "line is 250 bytes long");
	assert_int_equal(f->d.n_errors, 1);

	/* 199 bytes is already split by inih (its newline becomes a line) */
	memset(line, 'x', 199);
	line[0] = ';';
	line[199] = '\0';
	snprintf(text, sizeof(text), "[mkdir]\n%s\nlog = *\n", line);
	assert_refused(f, text, 2, "199 bytes");

	/* 198 bytes is read whole */
	line[198] = '\0';
	snprintf(text, sizeof(text), "[mkdir]\n%s\nlog = *\n", line);
	assert_clean(f, text);
	assert_int_equal(section(f, "mkdir")->rules[0].line, 3);

	/* the same limit for a rule line, and no newline at the end */
	memset(line, ' ', 210);
	memcpy(line, "log = *", 7);
	line[210] = '\0';
	snprintf(text, sizeof(text), "[mkdir]\n\n%s", line);
	assert_refused(f, text, 3, "210 bytes");
}

static void test_load_refuses_long_section_name(void **state)
{
	struct fx *f = *state;
	char name[64], text[128];

	memset(name, 'a', 49);
	name[49] = '\0';
	snprintf(text, sizeof(text), "[reboot]\ndeny = *\n[%s]\ndeny = *\n", name);
	assert_refused(f, text, 3, "section name is 49 characters long");

	/* 48 is read whole; it is refused for being no syscall, not for length */
	name[48] = '\0';
	snprintf(text, sizeof(text), "[reboot]\ndeny = *\n[%s]\ndeny = *\n", name);
	assert_refused(f, text, 3, "unknown section");
	assert_null(find_diag(f, DIAG_ERROR, 3, "characters long"));
}

static void test_load_refuses_syntax_errors(void **state)
{
	struct fx *f = *state;

	assert_refused(f, "[reboot\ndeny = *\n", 1, "closing ']'");
	assert_refused(f, "[reboot]\njunk\n", 2, "expected KEY = VALUE");
	assert_refused(f, "[reboot] trailing\ndeny = *\n", 1, "unexpected text after ']'");
	/* an indented line after a key is an inih continuation line */
	assert_refused(f, "[mkdir]\n  deny = path ~ /etc/**\n  allow = *\n", 3,
		       "indented line continues the value of 'deny'");
	assert_int_equal(f->d.n_errors, 1);
	/* inih r55 keeps inline comments on continuation lines; still one error */
	assert_refused(f, "[mkdir]\nlog = *\n\tallow = * ; c\n", 3, "indented line");
	assert_int_equal(f->d.n_errors, 1);
	/* comments, blank lines and ':' as separator are inih syntax */
	assert_clean(f, "# comment\n; comment\n\n[reboot] ; inline\n  ; indented comment\n"
			"deny: EACCES *   ; why\n");
	assert_int_equal(section(f, "reboot")->rules[0].err, EACCES);
	assert_int_equal(section(f, "reboot")->rules[0].line, 6);
}

static void test_load_collects_every_error(void **state)
{
	struct fx *f = *state;

	assert_refused(f,
		       "[sysgate]\nmode = x\n[reboot]\ndeny = EFOO *\n[mkdri]\n[reboot]\n"
		       "deny = *\n[chmod]\nallow = path ~ rel\n",
		       2, "bad mode");
	assert_diag(f, DIAG_ERROR, 4, "EFOO");
	assert_diag(f, DIAG_ERROR, 5, "mkdri");
	assert_diag(f, DIAG_ERROR, 6, "reboot is already covered by [reboot] at line 3");
	assert_diag(f, DIAG_ERROR, 9, "not absolute");
	assert_int_equal(f->d.n_errors, 5);
	/* sorted by line */
	for (size_t i = 1; i < f->d.n; i++)
		assert_true(f->d.v[i - 1].line <= f->d.v[i].line);
}

static void test_load_file_reads_and_refuses(void **state)
{
	struct fx *f = *state;
	char dir[] = "/tmp/test-policy-XXXXXX", path[128], loc[160];
	FILE *fp;
	int r;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/p.ini", dir);

	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("[sysgate]\ndefault = allow\n[reboot]\ndeny = EACCES *\n", fp);
	fclose(fp);
	r = policy_load_file(path, &f->p, &f->d);
	assert_int_equal(r, 0);
	assert_string_equal(f->p->file, path);
	policy_rule_location(f->p, section(f, "reboot"), &section(f, "reboot")->rules[0], loc,
			     sizeof(loc));
	assert_non_null(strstr(loc, "/p.ini:4"));
	policy_free(f->p);
	f->p = NULL;

	/* a NUL byte is refused at its line */
	fp = fopen(path, "w");
	assert_non_null(fp);
	fwrite("[reboot]\ndeny = *\n\nallow\0 = *\n", 1, 29, fp);
	fclose(fp);
	r = policy_load_file(path, &f->p, &f->d);
	assert_int_equal(r, -EINVAL);
	assert_null(f->p);
	assert_diag(f, DIAG_ERROR, 4, "NUL byte");

	/* more than 1 MiB */
	fp = fopen(path, "w");
	assert_non_null(fp);
	for (int i = 0; i < 1024 * 1024 / 8 + 1; i++)
		fputs(";comment\n", fp);
	fclose(fp);
	assert_int_equal(policy_load_file(path, &f->p, NULL), -EFBIG);
	assert_null(f->p);

	assert_int_equal(policy_load_file(dir, &f->p, NULL), -EISDIR);
	unlink(path);
	assert_int_equal(policy_load_file(path, &f->p, NULL), -ENOENT);
	rmdir(dir);
	assert_null(f->p);
}

/* ---- families and overlaps ---- */

static void test_family_expands_sections(void **state)
{
	struct fx *f = *state;
	const struct section *s;

	assert_clean(f, "[chown]\nlog = *\n");
	s = section(f, "chown");
	assert_int_equal(s->n_syscalls, 7);
	assert_ptr_equal(s->family, policy_family("chown"));
	for (size_t i = 0; i < s->n_syscalls; i++)
		assert_ptr_equal(policy_section_for(f->p, s->syscalls[i]), s);
	assert_ptr_equal(section(f, "fchown32"), s);
	assert_ptr_equal(section(f, "fchownat"), s);

	assert_clean(f, "[chmod]\nlog = *\n");
	assert_int_equal(section(f, "chmod")->n_syscalls, 4);
	assert_ptr_equal(section(f, "fchmodat2"), section(f, "chmod"));

	assert_clean(f, "[mount]\ndeny = *\n");
	assert_ptr_equal(section(f, "fsopen"), section(f, "mount"));
	assert_ptr_equal(section(f, "pivot_root"), section(f, "mount"));
	assert_ptr_equal(section(f, "umount"), section(f, "mount"));
	assert_null(policy_section_for(f->p, "mkdir"));

	/* a single syscall that is no family head */
	assert_clean(f, "[mkdirat]\nlog = *\n");
	assert_null(section(f, "mkdirat")->family);
	assert_int_equal(section(f, "mkdirat")->n_syscalls, 1);
	assert_null(policy_section_for(f->p, "mkdir"));

	assert_non_null(policy_family("module"));
	assert_non_null(policy_family("keyring"));
	assert_null(policy_family("mkdirat"));
	assert_ptr_equal(policy_family_of("mkdirat"), policy_family("mkdir"));
	assert_ptr_equal(policy_family_of("chown32"), policy_family("chown"));
	assert_false(policy_family("exec")->file_family);
	assert_true(policy_family("link")->file_family);
	assert_false(policy_family("io_uring")->file_family);
}

static void test_family_every_member_has_a_shape(void **state)
{
	size_t n = 0;

	(void)state;
	for (size_t i = 0; policy_families[i]; i++, n++)
		for (const char *const *s = policy_families[i]->syscalls; *s; s++) {
			if (!policy_syscall_shape(*s))
				fail_msg("no shape for %s", *s);
			if (!policy_syscall_known(*s))
				fail_msg("libseccomp does not know %s", *s);
		}
	assert_int_equal(n, 29); /* with the i386 twins (setuid and setuid32, ...) */
}

static void test_load_refuses_overlapping_sections(void **state)
{
	struct fx *f = *state;

	/* equally specific: an error, whatever the order */
	assert_refused(f, "[reboot]\ndeny = *\n[reboot]\ndeny = *\n", 3,
		       "reboot is already covered by [reboot] at line 1");
	assert_refused(f, "[mkdir]\nlog = *\n[chmod, mkdir]\ndeny = *\n", 3,
		       "mkdir is already covered by [mkdir] at line 1");
	assert_refused(f, "[@network]\nlog = *\n[@network]\ndeny = *\n", 3,
		       "is already covered by [@network] at line 1");
	assert_refused(f, "[read, write, read]\ndeny = *\n", 1, "read is named twice");
	/* rules of an overlapping section are still checked */
	assert_refused(f, "[reboot]\nlog = *\n[reboot]\ndeny = EFOO *\n", 4, "EFOO");
}

/* Most specific wins: a syscall named exactly beats its family, a family
 * beats a group, in either order. */
static void test_load_most_specific_section_wins(void **state)
{
	struct fx *f = *state;

	assert_clean(f, "[sysgate]\nmode = enforce\n[mkdir]\nlog = *\n[mkdirat]\ndeny = *\n");
	assert_string_equal(section(f, "mkdirat")->name, "mkdirat");
	assert_string_equal(section(f, "mkdir")->name, "mkdir");
	assert_int_equal(section(f, "mkdir")->n_syscalls, 1);
	assert_int_equal(section(f, "mkdir")->n_taken, 1);

	assert_clean(f, "[fchown32]\nlog = *\n\n[chown]\ndeny = *\n");
	assert_string_equal(section(f, "fchown32")->name, "fchown32");
	assert_string_equal(section(f, "chown32")->name, "chown");

	/* [=mkdir] is mkdir(2) alone; the family keeps mkdirat */
	assert_clean(f, "[mkdir]\ndeny = *\n[=mkdir]\nallow = *\n");
	assert_string_equal(section(f, "mkdir")->name, "=mkdir");
	assert_string_equal(section(f, "mkdirat")->name, "mkdir");

	/* a group gives way to a family and to a syscall */
	assert_clean(f, "[socket]\ndeny = *\n[@network]\nallow = *\n[open]\nkill = *\n"
			"[@file-read]\nallow = *\n");
	assert_string_equal(section(f, "socket")->name, "socket");
	assert_string_equal(section(f, "connect")->name, "@network");
	assert_string_equal(section(f, "openat")->name, "open");
	assert_string_equal(section(f, "read")->name, "@file-read");

	/* a list: several syscalls and families in one header */
	assert_clean(f, "[read, write, mkdir]\ndeny = *\n");
	assert_string_equal(section(f, "write")->name, "read, write, mkdir");
	assert_string_equal(section(f, "mkdirat")->name, "read, write, mkdir");
	assert_null(policy_section_for(f->p, "close"));
	assert_refused(f, "[read, nosuch]\ndeny = *\n", 1, "nosuch is neither a syscall");
	assert_refused(f, "[read,,write]\ndeny = *\n", 1, "empty name");
	assert_refused(f, "[@netwrok]\ndeny = *\n", 1,
		       "unknown group @netwrok (did you mean @network?)");
	assert_refused(f, "[mkdri]\ndeny = *\n", 1, "(did you mean mkdir?)");
}

/* ---- warnings ---- */

static void test_warn_rules_that_never_match(void **state)
{
	struct fx *f = *state;

	assert_loads(f, "[reboot]\ndeny = *\nallow = arg0 == 1\n");
	assert_diag(f, DIAG_WARNING, 3, "can never match: the * rule at line 2");
	assert_int_equal(f->d.n_warnings, 1);

	assert_loads(f,
		     "[reboot]\ndeny = arg0 == 1\nkill = arg1 > 2\ndeny = arg0 == 1\nallow = *\n");
	assert_diag(f, DIAG_WARNING, 4, "repeats the conditions of the rule at line 2");
	assert_int_equal(f->d.n_warnings, 1);

	/* a narrower rule after a broader one */
	assert_loads(f, "[reboot]\ndeny = arg0 == 1\nkill = arg1 == 2 and arg0 == 1\n");
	assert_diag(f, DIAG_WARNING, 3, "can never match");

	/* a broader rule after a narrower one is reachable */
	assert_clean(f, "[reboot]\ndeny = arg1 == 2 and arg0 == 1\nkill = arg0 == 1\n");
}

static void test_warn_race_after_path_condition(void **state)
{
	struct fx *f = *state;
	const struct policy_diag *d;

	assert_loads(f,
		     "[unlink]\ndeny = EACCES path ~ /etc/**\nlog = path ~ /tmp/**\nallow = *\n");
	assert_null(find_diag(f, DIAG_WARNING, 2, ""));
	d = find_diag(f, DIAG_WARNING, 3, "log after a path condition continues the call");
	assert_non_null(d);
	assert_non_null(strstr(d->msg, "a racing thread can change the path after the check"));
	assert_non_null(strstr(d->msg, "THE RACE WARNING in sysgate-policy(5)"));
	assert_diag(f, DIAG_WARNING, 4, "allow after a path condition continues the call");
	/* the * rule decides everything: the default is never reached */
	assert_int_equal(f->d.n_warnings, 2);

	/* the rule itself has the path */
	assert_loads(f, "[sysgate]\ndefault = deny\n[open]\nallow = path ~ /tmp/**\n");
	assert_diag(f, DIAG_WARNING, 4, "allow after a path condition");
	assert_int_equal(f->d.n_warnings, 1);

	/* the default allow after path rules: once, at the section */
	assert_loads(f, "[unlink]\ndeny = path ~ /etc/**\nkill = path ~ /root/**\n");
	assert_diag(f, DIAG_WARNING, 1, "the default (allow) after a path condition");
	assert_int_equal(f->d.n_warnings, 1);
	assert_loads(f, "[sysgate]\ndefault = log\n[unlink]\ndeny = path ~ /etc/**\n");
	assert_diag(f, DIAG_WARNING, 3, "the default (log)");

	/* deny/kill defaults, and register-only rules, do not race */
	assert_clean(f, "[sysgate]\ndefault = deny\n[unlink]\ndeny = path ~ /etc/**\n");
	assert_clean(f, "[mkdir]\nkill = mode & 06000\nallow = *\n");
	assert_clean(f, "[unlink]\nallow = exe ~ /usr/bin/**\ndeny = *\n");
}

/* In the mkdir and chmod families an allow after a path condition is carried
 * out by emulation, from the checked copy: nothing to warn about. */
static void test_warn_race_not_for_emulated_families(void **state)
{
	struct fx *f = *state;

	assert_clean(f, "[mkdir]\ndeny = EACCES path ~ /etc/**\nlog = path ~ /tmp/**\nallow = *\n");
	assert_clean(f, "[chmod]\ndeny = path ~ /etc/**\n");
	assert_clean(f, "[fchmodat]\nallow = path ~ /tmp/**\ndeny = *\n");
	assert_true(section(f, "fchmodat")->emulatable);
	/* a section mixing an emulatable syscall with another is not emulated */
	assert_loads(f, "[mkdirat]\ndeny = path ~ /etc/**\n[unlinkat]\ndeny = path ~ /etc/**\n");
	assert_true(section(f, "mkdirat")->emulatable);
	assert_false(section(f, "unlinkat")->emulatable);
	assert_int_equal(f->d.n_warnings, 1);
	assert_diag(f, DIAG_WARNING, 3, "the default (allow) after a path condition");
}

static void test_load_emulate_only_where_supported(void **state)
{
	struct fx *f = *state;

	assert_clean(f, "[mkdir]\nemulate = path ~ /srv/sandbox/**\ndeny = EACCES *\n");
	assert_int_equal(section(f, "mkdirat")->rules[0].kind, DECISION_EMULATE);
	assert_clean(f, "[chmod]\nkill = mode & 06000\nemulate = path ~ /srv/**\ndeny = *\n");
	assert_int_equal(section(f, "fchmod")->rules[1].kind, DECISION_EMULATE);

	assert_refused(f, "[unlink]\nemulate = *\n", 2, "cannot emulate unlink");
	assert_diag(f, DIAG_ERROR, 2, POLICY_EMULATABLE_LIST);
	assert_refused(f, "[reboot]\n\nemulate = *\n", 3, "cannot emulate reboot");
	assert_refused(f, "[mkdir]\nemulate = EEXIST *\n", 2, "takes no errno");
}

/* ---- implicit io_uring ---- */

static void test_implicit_io_uring_added_for_file_families(void **state)
{
	struct fx *f = *state;
	const struct section *s;
	char buf[64];

	assert_clean(f, "[mkdir]\nlog = *\n");
	assert_int_equal(f->p->n_sections, 2);
	s = &f->p->sections[1];
	assert_true(s->implicit);
	assert_string_equal(s->name, "io_uring");
	assert_int_equal(s->line, 0);
	assert_int_equal(s->n_syscalls, 3);
	assert_ptr_equal(section(f, "io_uring_setup"), s);
	assert_ptr_equal(section(f, "io_uring_enter"), s);
	assert_ptr_equal(section(f, "io_uring_register"), s);
	assert_int_equal(s->n_rules, 1);
	assert_int_equal(s->rules[0].kind, DECISION_DENY);
	assert_int_equal(s->rules[0].err, EPERM);
	assert_int_equal(s->rules[0].line, 0);
	assert_int_equal(s->rules[0].n_conds, 1);
	assert_int_equal(s->rules[0].conds[0].kind, COND_ANY);
	assert_string_equal(policy_rule_location(f->p, s, &s->rules[0], buf, sizeof(buf)),
			    "implicit:io_uring");

	/* a single file syscall is enough */
	assert_clean(f, "[renameat2]\nlog = *\n");
	assert_true(section(f, "io_uring_setup")->implicit);

	/* only what the policy leaves uncovered */
	assert_clean(f, "[open]\nlog = *\n[io_uring_enter]\nallow = *\n");
	assert_int_equal(f->p->n_sections, 3);
	assert_false(section(f, "io_uring_enter")->implicit);
	assert_true(section(f, "io_uring_setup")->implicit);
	assert_int_equal(section(f, "io_uring_setup")->n_syscalls, 2);
}

static void test_implicit_io_uring_not_added_otherwise(void **state)
{
	struct fx *f = *state;

	/* Any supervised call keeps io_uring out (IORING_OP_CONNECT, STATX,
	 * ... would pass any section's rules); only a policy that supervises
	 * nothing leaves it alone. */
	assert_clean(f, "[reboot]\ndeny = *\n[exec]\nlog = *\n");
	assert_true(section(f, "io_uring_setup")->implicit);
	assert_clean(f, "[connect]\ndeny = *\n");
	assert_true(section(f, "io_uring_setup")->implicit);
	assert_clean(f, "[getpid]\nallow = *\n");
	assert_null(policy_section_for(f->p, "io_uring_setup"));
	assert_clean(f, "[sysgate]\ndefault = log\n");
	assert_true(section(f, "io_uring_setup")->implicit);
	assert_clean(f, "[mkdir]\nlog = *\n[io_uring]\nallow = *\n");
	assert_int_equal(f->p->n_sections, 2);
	assert_false(section(f, "io_uring_setup")->implicit);
	assert_clean(f, "[mkdir]\nlog = *\n[io_uring_setup]\nallow = *\n");
	assert_int_equal(f->p->n_sections, 2);
	/* no implicit section on a failed load */
	assert_refused(f, "[mkdir]\nlog = *\n[reboot]\nfoo = *\n", 4, "unknown decision");
}

static void test_rule_location_formats(void **state)
{
	struct fx *f = *state;
	const struct section *s;
	char buf[64];

	assert_clean(f, "[sysgate]\ndefault = deny\n\n[reboot]\nkill = arg0 == 1\n");
	s = section(f, "reboot");
	assert_string_equal(policy_rule_location(f->p, s, &s->rules[0], buf, sizeof(buf)),
			    "t.ini:5");
	assert_string_equal(policy_rule_location(f->p, s, NULL, buf, sizeof(buf)), "default");
	assert_string_equal(policy_rule_location(f->p, NULL, &f->p->dflt, buf, sizeof(buf)),
			    "default");
}

/* ---- decisions ---- */

static void test_decide_first_match_wins(void **state)
{
	struct fx *f = *state;
	const struct section *s;
	struct call c = call_of("reboot");
	struct decision d;

	assert_clean(f, "[reboot]\ndeny = EACCES arg0 == 1\nkill = arg0 >= 1\nlog = arg0 == 7\n");
	s = section(f, "reboot");

	c.args[0] = 1;
	d = policy_decide(f->p, s, &c);
	assert_int_equal(d.kind, DECISION_DENY);
	assert_int_equal(d.err, EACCES);
	assert_ptr_equal(d.rule, &s->rules[0]);
	assert_false(d.used_path);
	assert_false(d.unresolved);

	c.args[0] = 7;
	d = policy_decide(f->p, s, &c);
	assert_int_equal(d.kind, DECISION_KILL);
	assert_int_equal(d.err, 0);
	assert_ptr_equal(d.rule, &s->rules[1]);

	c.args[0] = 0;
	d = policy_decide(f->p, s, &c);
	assert_int_equal(d.kind, DECISION_ALLOW);
	assert_null(d.rule);
}

static void test_decide_default(void **state)
{
	struct fx *f = *state;
	struct call c = call_of("reboot");
	struct decision d;

	assert_clean(f, "[sysgate]\ndefault = deny EROFS\n[reboot]\nallow = arg0 == 1\n");
	d = policy_decide(f->p, section(f, "reboot"), &c);
	assert_int_equal(d.kind, DECISION_DENY);
	assert_int_equal(d.err, EROFS);
	assert_null(d.rule);
	/* no section at all */
	d = policy_decide(f->p, NULL, &c);
	assert_int_equal(d.kind, DECISION_DENY);
	assert_int_equal(d.err, EROFS);
	assert_null(d.rule);

	assert_clean(f, "[sysgate]\ndefault = log\n");
	d = policy_decide(f->p, NULL, &c);
	assert_int_equal(d.kind, DECISION_LOG);
	assert_int_equal(d.err, 0);
}

static void test_decide_mode_mask_uses_shape(void **state)
{
	struct fx *f = *state;
	const struct section *s;
	struct call c;
	struct decision d;

	assert_clean(f, "[chmod]\nkill = mode & 06000\nlog = *\n");
	s = section(f, "chmod");

	c = call_of("chmod");
	c.args[1] = 04755;
	assert_int_equal(policy_decide(f->p, s, &c).kind, DECISION_KILL);
	c.args[1] = 0755;
	d = policy_decide(f->p, s, &c);
	assert_int_equal(d.kind, DECISION_LOG);
	assert_ptr_equal(d.rule, &s->rules[1]);

	/* fchmodat: the mode is the third argument */
	c = call_of("fchmodat");
	c.args[1] = 06000;
	c.args[2] = 0644;
	assert_int_equal(policy_decide(f->p, s, &c).kind, DECISION_LOG);
	c.args[2] = 02755;
	assert_int_equal(policy_decide(f->p, s, &c).kind, DECISION_KILL);

	/* without a shape in the call, the name finds it */
	c.shape = NULL;
	assert_int_equal(policy_decide(f->p, s, &c).kind, DECISION_KILL);
	/* fchmod: second */
	c = call_of("fchmod");
	c.args[1] = 04000;
	assert_int_equal(policy_decide(f->p, s, &c).kind, DECISION_KILL);
}

static void test_decide_arg_operators(void **state)
{
	struct fx *f = *state;
	const struct section *s;
	struct call c = call_of("ptrace");
	static const struct {
		const char *cond;
		uint64_t arg;
		bool match;
	} cases[] = {
		{"arg1 == 5", 5, true},
		{"arg1 == 5", 6, false},
		{"arg1 != 5", 6, true},
		{"arg1 != 5", 5, false},
		{"arg1 < 5", 4, true},
		{"arg1 < 5", 5, false},
		{"arg1 < 5", (uint64_t)-1, false}, /* unsigned, as seccomp compares */
		{"arg1 <= 5", 5, true},
		{"arg1 <= 5", 6, false},
		{"arg1 > 5", 6, true},
		{"arg1 > 5", 5, false},
		{"arg1 >= 5", 5, true},
		{"arg1 >= 5", 4, false},
		{"arg1 & 0x12", 0x10, true},
		{"arg1 & 0x12", 0x21, false},
		{"arg1 == 0x10", 16, true},
		{"arg1 == 010", 8, true},
		{"arg1 == 0", 0, true},
		{"arg1 == 18446744073709551615", UINT64_MAX, true},
		{"arg1 == -100", (uint64_t)-100, true}, /* AT_FDCWD */
		{"arg1 == -100", 0xffffff9c, false},
		{"arg1 == -9223372036854775808", 0x8000000000000000ull, true},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[128];
		struct decision d;

		snprintf(text, sizeof(text), "[ptrace]\ndeny = %s\n", cases[i].cond);
		assert_clean(f, text);
		s = section(f, "ptrace");
		assert_int_equal(s->rules[0].conds[0].kind, COND_ARG);
		assert_int_equal(s->rules[0].conds[0].arg, 1);
		c.args[1] = cases[i].arg;
		d = policy_decide(f->p, s, &c);
		if ((d.kind == DECISION_DENY) != cases[i].match)
			fail_msg("'%s' with arg1 = %#llx: expected %s", cases[i].cond,
				 (unsigned long long)cases[i].arg,
				 cases[i].match ? "match" : "no match");
	}
}

/* Through a 32-bit ABI both sides compare as 32-bit values, as the filter does. */
static void test_decide_abi32_compares_low_32_bits(void **state)
{
	struct fx *f = *state;
	const struct section *s;
	struct call c = call_of("ptrace");
	struct decision d;

	c.abi32 = true;
	assert_clean(f, "[ptrace]\ndeny = arg1 == -100\n");
	s = section(f, "ptrace");
	c.args[1] = 0xffffff9c; /* i386's AT_FDCWD */
	d = policy_decide(f->p, s, &c);
	assert_int_equal(d.kind, DECISION_DENY);
	c.args[1] = 0x1ffffff9cull; /* high bits are not part of a 32-bit argument */
	d = policy_decide(f->p, s, &c);
	assert_int_equal(d.kind, DECISION_DENY);
	c.args[1] = 0xffffff9d;
	d = policy_decide(f->p, s, &c);
	assert_int_equal(d.kind, DECISION_ALLOW);
	c.abi32 = false;
	c.args[1] = 0xffffff9c; /* natively, -100 is sign-extended to 64 bits */
	d = policy_decide(f->p, s, &c);
	assert_int_equal(d.kind, DECISION_ALLOW);
}

static void test_decide_conditions_are_anded(void **state)
{
	struct fx *f = *state;
	const struct section *s;
	struct call c = call_of("mkdirat");
	struct decision d;

	assert_clean(
		f,
		"[sysgate]\ndefault = kill\n"
		"[mkdirat]\ndeny = EACCES mode & 01000 and path ~ /etc/** and dirfd == AT_FDCWD\n");
	s = section(f, "mkdirat");
	c.args[0] = (uint64_t)-100;
	c.args[2] = 01777;
	c.path = "/etc/x";
	d = policy_decide(f->p, s, &c);
	assert_int_equal(d.kind, DECISION_DENY);
	assert_int_equal(d.err, EACCES);
	assert_true(d.used_path);

	c.args[0] = 3;
	assert_int_equal(policy_decide(f->p, s, &c).kind, DECISION_KILL);

	/* a failing register condition stops before the path is needed */
	c.args[0] = (uint64_t)-100;
	c.args[2] = 0755;
	c.path = NULL;
	c.path_err = EFAULT;
	d = policy_decide(f->p, s, &c);
	assert_int_equal(d.kind, DECISION_KILL);
	assert_false(d.used_path);
	assert_false(d.unresolved);
}

static void test_decide_path_fails_closed(void **state)
{
	struct fx *f = *state;
	const struct section *s;
	struct call c = call_of("mkdir");
	struct decision d;

	assert_loads(f, "[mkdir]\nkill = path ~ /etc/**\nlog = path !~ /tmp/**\n");
	s = section(f, "mkdir");

	c.path = "/etc/passwd.d";
	d = policy_decide(f->p, s, &c);
	assert_int_equal(d.kind, DECISION_KILL);
	assert_true(d.used_path);
	assert_false(d.unresolved);

	c.path = "/var/x";
	d = policy_decide(f->p, s, &c);
	assert_int_equal(d.kind, DECISION_LOG);
	assert_ptr_equal(d.rule, &s->rules[1]);

	c.path = "/tmp/x";
	d = policy_decide(f->p, s, &c);
	assert_int_equal(d.kind, DECISION_ALLOW);
	assert_null(d.rule);
	assert_true(d.used_path);

	c.path = NULL;
	c.path_err = ENAMETOOLONG;
	d = policy_decide(f->p, s, &c);
	assert_int_equal(d.kind, DECISION_DENY);
	assert_int_equal(d.err, ENAMETOOLONG);
	assert_true(d.unresolved);
	assert_true(d.used_path);
	assert_ptr_equal(d.rule, &s->rules[0]);

	c.path_err = 0;
	d = policy_decide(f->p, s, &c);
	assert_int_equal(d.kind, DECISION_DENY);
	assert_int_equal(d.err, EPERM);
	assert_true(d.unresolved);
}

static void test_decide_exe(void **state)
{
	struct fx *f = *state;
	const struct section *s;
	struct call c = call_of("ptrace");
	struct decision d;

	assert_clean(f, "[ptrace]\nallow = exe ~ /usr/bin/gdb\ndeny = EACCES exe !~ /usr/bin/*\n"
			"kill = *\n");
	s = section(f, "ptrace");

	c.exe = "/usr/bin/gdb";
	assert_int_equal(policy_decide(f->p, s, &c).kind, DECISION_ALLOW);
	c.exe = "/opt/x";
	d = policy_decide(f->p, s, &c);
	assert_int_equal(d.kind, DECISION_DENY);
	assert_int_equal(d.err, EACCES);
	c.exe = "/usr/bin/strace";
	assert_int_equal(policy_decide(f->p, s, &c).kind, DECISION_KILL);

	c.exe = NULL;
	d = policy_decide(f->p, s, &c);
	assert_int_equal(d.kind, DECISION_DENY);
	assert_int_equal(d.err, EPERM);
	assert_true(d.unresolved);
	assert_false(d.used_path);
	assert_ptr_equal(d.rule, &s->rules[0]);
}

static void test_decision_names(void **state)
{
	(void)state;
	assert_string_equal(policy_decision_name(DECISION_ALLOW), "allow");
	assert_string_equal(policy_decision_name(DECISION_DENY), "deny");
	assert_string_equal(policy_decision_name(DECISION_KILL), "kill");
	assert_string_equal(policy_decision_name(DECISION_LOG), "log");
}

/* ---- globs ---- */

static void expect_glob(const char *glob, const char *path, bool match)
{
	if (policy_glob_match(glob, path) != match)
		fail_msg("glob '%s' on '%s': expected %s", glob, path,
			 match ? "match" : "no match");
}

static void test_glob_double_star(void **state)
{
	(void)state;
	expect_glob("/tmp/**", "/tmp", true);
	expect_glob("/tmp/**", "/tmp/a", true);
	expect_glob("/tmp/**", "/tmp/a/b", true);
	expect_glob("/tmp/**", "/tmpx", false);
	expect_glob("/tmp/**", "/tm", false);
	expect_glob("/tmp/**", "/", false);
	expect_glob("/a/**/b", "/a/b", true);
	expect_glob("/a/**/b", "/a/x/y/b", true);
	expect_glob("/a/**/b", "/a/xb", false);
	expect_glob("/a/**/b", "/ab", false);
	expect_glob("/a/**/b", "/a/b/c", false);
	expect_glob("/a/**/**/b", "/a/b", true);
	expect_glob("/a/**/**/b", "/a/x/b", true);
	expect_glob("/a/**/**", "/a", true);
	expect_glob("/a/**/**", "/a/x/y", true);
	expect_glob("/a/**/**", "/ab", false);
	expect_glob("/**/**", "/", true);
	expect_glob("/**", "/", true);
	expect_glob("/**", "/x/y", true);
	expect_glob("/**/x", "/x", true);
	expect_glob("/**/x", "/a/b/x", true);
	expect_glob("/**/x", "/a/bx", false);
	/* not a whole component: any run, '/' included */
	expect_glob("/a/**b", "/a/x/yb", true);
	expect_glob("/a**", "/a/b/c", true);
	expect_glob("/a/**b", "/a/x/yc", false);
}

static void test_glob_single_wildcards(void **state)
{
	(void)state;
	expect_glob("/a/*", "/a/x", true);
	expect_glob("/a/*", "/a/x/y", false);
	expect_glob("/a/*.conf", "/a/b.conf", true);
	expect_glob("/a/*.conf", "/a/b/c.conf", false);
	expect_glob("/a/*/c", "/a/b/c", true);
	expect_glob("/a/*/c", "/a/b/d/c", false);
	expect_glob("/a/?", "/a/x", true);
	expect_glob("/a/?", "/a/xy", false);
	expect_glob("/a?b", "/a/b", false);
	expect_glob("/etc/passwd", "/etc/passwd", true);
	expect_glob("/etc/passwd", "/etc/passwd2", false);
	expect_glob("/etc/passwd", "/etc/passw", false);
}

static void test_glob_classes_and_escapes(void **state)
{
	(void)state;
	expect_glob("/a/[abc]", "/a/b", true);
	expect_glob("/a/[abc]", "/a/d", false);
	expect_glob("/a/[!abc]", "/a/d", true);
	expect_glob("/a/[!abc]", "/a/a", false);
	expect_glob("/a/[^a-c]x", "/a/dx", true);
	expect_glob("/a/[^a-c]x", "/a/bx", false);
	expect_glob("/a/[a-c]", "/a/c", true);
	expect_glob("/a/[]x]", "/a/]", true);
	expect_glob("/a/[a-]", "/a/-", true);
	expect_glob("/a[/]b", "/a/b", false); /* a class never matches '/' */
	expect_glob("/a[!x]b", "/a/b", false);
	expect_glob("/a/\\*", "/a/*", true);
	expect_glob("/a/\\*", "/a/x", false);
	expect_glob("/a/\\[x]", "/a/[x]", true);
	expect_glob("/a/[\\]]", "/a/]", true);
	/* malformed globs match nothing */
	expect_glob("/a/[b", "/a/[b", false);
	expect_glob("", "", false);
	assert_false(policy_glob_match(NULL, "/a"));
	assert_false(policy_glob_match("/a", NULL));
}

static void test_glob_check_refuses_malformed(void **state)
{
	const char *why = NULL;

	(void)state;
	assert_int_equal(policy_glob_check("", &why), -EINVAL);
	assert_non_null(strstr(why, "empty"));
	assert_int_equal(policy_glob_check(NULL, &why), -EINVAL);
	assert_int_equal(policy_glob_check("/a/[b", &why), -EINVAL);
	assert_non_null(strstr(why, "unterminated"));
	assert_int_equal(policy_glob_check("/a/[]", &why), -EINVAL);
	assert_int_equal(policy_glob_check("/a/\\", &why), -EINVAL);
	assert_non_null(strstr(why, "backslash"));
	assert_int_equal(policy_glob_check("/a/[z-a]", &why), -EINVAL);
	assert_non_null(strstr(why, "reversed"));
	assert_int_equal(policy_glob_check("/a/[]]", &why), 0);
	assert_int_equal(policy_glob_check("/a/**/b/*.[ch]", &why), 0);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Backtracking matchers take exponential time here. */
static void test_glob_pathological_is_fast(void **state)
{
	struct fx *f = *state;
	char *path = malloc(4097);
	double t0;

	(void)f;
	assert_non_null(path);
	for (size_t i = 0; i < 4096; i++)
		path[i] = (i % 2 == 0) ? '/' : 'a';
	path[4096] = '\0';
	t0 = now();
	for (int i = 0; i < 20; i++) {
		assert_false(policy_glob_match("/**/**/**/**/**/x", path));
		assert_false(policy_glob_match("/*a*a*a*a*a*a*a*a*a*a*b", path));
		assert_false(policy_glob_match("/**a**a**a**a**a**a**a**a**b", path));
	}
	path[4095] = 'x';
	assert_true(policy_glob_match("/**/**/**/**/**/x", path));
	free(path);
	/* about a millisecond each; seconds would mean backtracking */
	assert_true(now() - t0 < 2.0);
}

/* ---- syscalls and errnos ---- */

static void test_shape_table(void **state)
{
	static const struct {
		const char *name, *args;
		enum path_follow follow;
	} want[] = {
		{"mkdir", "so", FOLLOW_NEVER},
		{"mkdirat", "Dso", FOLLOW_NEVER},
		{"chmod", "so", FOLLOW_ALWAYS},
		{"fchmod", "Fo", FOLLOW_ALWAYS},
		{"fchmodat", "Dso", FOLLOW_ALWAYS},
		{"fchmodat2", "Dsoa", FOLLOW_UNLESS_AT_NOFOLLOW},
		{"chown", "suu", FOLLOW_ALWAYS},
		{"lchown", "suu", FOLLOW_NEVER},
		{"fchownat", "Dsuua", FOLLOW_UNLESS_AT_NOFOLLOW},
		{"lchown32", "suu", FOLLOW_NEVER},
		{"open", "sfo", FOLLOW_OPEN},
		{"openat", "Dsfo", FOLLOW_OPEN},
		{"creat", "so", FOLLOW_OPEN},
		{"openat2", "Dshu", FOLLOW_OPEN},
		{"unlinkat", "Dsa", FOLLOW_NEVER},
		{"renameat2", "DsDsu", FOLLOW_NEVER},
		{"symlink", "Ss", FOLLOW_NEVER},
		{"symlinkat", "SDs", FOLLOW_NEVER},
		{"execve", "sxx", FOLLOW_ALWAYS},
		{"execveat", "Dsxxa", FOLLOW_UNLESS_AT_NOFOLLOW},
		{"truncate", "sd", FOLLOW_ALWAYS},
		{"mknod", "sox", FOLLOW_NEVER},
		{"setns", "dx", FOLLOW_NEVER},
	};
	const struct syscall_shape *s;

	(void)state;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		s = policy_syscall_shape(want[i].name);
		if (!s)
			fail_msg("no shape for %s", want[i].name);
		assert_string_equal(s->name, want[i].name);
		assert_string_equal(s->args, want[i].args);
		assert_int_equal(s->follow, want[i].follow);
	}
	assert_int_equal(strlen(policy_syscall_shape("reboot")->args), 4);
	assert_int_equal(strlen(policy_syscall_shape("ptrace")->args), 4);
	assert_int_equal(strlen(policy_syscall_shape("perf_event_open")->args), 5);
	assert_int_equal(strlen(policy_syscall_shape("mount")->args), 5);
	assert_string_equal(policy_syscall_shape("getpid")->args, "");
	assert_null(policy_syscall_shape("nosuchcall"));
	assert_null(policy_syscall_shape(NULL));

	s = policy_syscall_shape("fchmodat");
	assert_int_equal(policy_shape_arg(s, 'o'), 2);
	assert_int_equal(policy_shape_arg(s, 'D'), 0);
	assert_int_equal(policy_shape_arg(s, 'a'), -1);
	assert_int_equal(policy_shape_arg(policy_syscall_shape("renameat"), 's'), 1);
	assert_int_equal(policy_shape_arg(NULL, 's'), -1);
}

static void test_syscall_known_by_libseccomp(void **state)
{
	(void)state;
	assert_true(policy_syscall_known("mkdir"));
	assert_true(policy_syscall_known("chown32"));	 /* i386 only */
	assert_true(policy_syscall_known("vm86"));	 /* i386 only */
	assert_true(policy_syscall_known("fchmodat2"));	 /* Linux 6.6 */
	assert_true(policy_syscall_known("newfstatat")); /* not on i386 */
	assert_false(policy_syscall_known("mkdri"));
	assert_false(policy_syscall_known(""));
}

static void test_errno_names(void **state)
{
	(void)state;
	assert_string_equal(policy_errno_name(EPERM), "EPERM");
	assert_string_equal(policy_errno_name(13), "EACCES");
	assert_string_equal(policy_errno_name(EAGAIN), "EAGAIN");
	assert_string_equal(policy_errno_name(EDEADLK), "EDEADLK");
	assert_string_equal(policy_errno_name(95), "EOPNOTSUPP");
	assert_string_equal(policy_errno_name(133), "EHWPOISON");
	assert_null(policy_errno_name(0));
	assert_null(policy_errno_name(41));
	assert_null(policy_errno_name(58));
	assert_null(policy_errno_name(134));
	/* every name parses back to its number */
	for (int e = 1; e <= 133; e++) {
		const char *n = policy_errno_name(e);

		if (e == 41 || e == 58)
			continue;
		if (!n)
			fail_msg("no name for errno %d", e);
		assert_int_equal(policy_errno_parse(n), e);
		assert_string_equal(n, strerrorname_np(e));
	}
}

static void test_errno_parse(void **state)
{
	(void)state;
	assert_int_equal(policy_errno_parse("EACCES"), EACCES);
	assert_int_equal(policy_errno_parse("EWOULDBLOCK"), EAGAIN);
	assert_int_equal(policy_errno_parse("EDEADLOCK"), EDEADLK);
	assert_int_equal(policy_errno_parse("ENOTSUP"), EOPNOTSUPP);
	assert_int_equal(policy_errno_parse("13"), 13);
	assert_int_equal(policy_errno_parse("511"), 511);
	assert_int_equal(policy_errno_parse("531"), 531);
	assert_int_equal(policy_errno_parse("4095"), 4095);
	assert_int_equal(policy_errno_parse("0"), -EINVAL);
	assert_int_equal(policy_errno_parse("512"), -EINVAL);
	assert_int_equal(policy_errno_parse("530"), -EINVAL);
	assert_int_equal(policy_errno_parse("4096"), -EINVAL);
	assert_int_equal(policy_errno_parse("99999999999"), -EINVAL);
	assert_int_equal(policy_errno_parse("-1"), -EINVAL);
	assert_int_equal(policy_errno_parse("eacces"), -EINVAL);
	assert_int_equal(policy_errno_parse("13x"), -EINVAL);
	assert_int_equal(policy_errno_parse(""), -EINVAL);
	assert_int_equal(policy_errno_parse(NULL), -EINVAL);
}

/* ---- the default policy ---- */

static void test_default_policy_loads_clean(void **state)
{
	struct fx *f = *state;
	static const char *const denied[] = {
		"acct",
		"add_key",
		"bpf",
		"clock_adjtime",
		"clock_settime",
		"create_module",
		"delete_module",
		"finit_module",
		"get_kernel_syms",
		"get_mempolicy",
		"init_module",
		"ioperm",
		"iopl",
		"kcmp",
		"kexec_file_load",
		"kexec_load",
		"keyctl",
		"lookup_dcookie",
		"mbind",
		"mount",
		"move_pages",
		"name_to_handle_at",
		"nfsservctl",
		"open_by_handle_at",
		"perf_event_open",
		"pivot_root",
		"process_vm_readv",
		"process_vm_writev",
		"ptrace",
		"query_module",
		"quotactl",
		"reboot",
		"request_key",
		"set_mempolicy",
		"setns",
		"settimeofday",
		"stime",
		"swapon",
		"swapoff",
		"sysfs",
		"_sysctl",
		"umount",
		"umount2",
		"unshare",
		"uselib",
		"userfaultfd",
		"ustat",
		"vm86",
		"vm86old",
		"fsopen",
		"fsconfig",
		"fsmount",
		"fspick",
		"move_mount",
		"open_tree",
		"mount_setattr",
		"io_uring_setup",
		"io_uring_enter",
		"io_uring_register",
	};
	struct decision d;
	struct call c;
	int r;

	r = policy_load_default(&f->p, &f->d);
	if (r || f->d.n)
		dump(f);
	assert_int_equal(r, 0);
	assert_int_equal(f->d.n, 0);
	assert_string_equal(f->p->file, POLICY_DEFAULT_NAME);
	assert_int_equal(f->p->mode, POLICY_ENFORCE);
	assert_int_equal(f->p->dflt.kind, DECISION_ALLOW);
	assert_string_equal(f->p->log_sinks[0], "stderr");
	assert_null(f->p->log_sinks[1]);

	for (size_t i = 0; i < sizeof(denied) / sizeof(denied[0]); i++) {
		const struct section *s = policy_section_for(f->p, denied[i]);

		if (!s)
			fail_msg("the default policy does not cover %s", denied[i]);
		assert_false(s->implicit);
		assert_int_equal(s->n_rules, 1);
		c = call_of(denied[i]);
		d = policy_decide(f->p, s, &c);
		assert_int_equal(d.kind, DECISION_DENY);
		assert_int_equal(d.err, EPERM);
		if (!policy_syscall_shape(denied[i]))
			fail_msg("no shape for %s", denied[i]);
	}
	/* every section's syscalls have a shape, for logging */
	for (size_t i = 0; i < f->p->n_sections; i++)
		for (size_t k = 0; k < f->p->sections[i].n_syscalls; k++)
			if (!policy_syscall_shape(f->p->sections[i].syscalls[k]))
				fail_msg("no shape for %s", f->p->sections[i].syscalls[k]);

	c = call_of("fchmodat");
	c.args[2] = 04755;
	assert_int_equal(policy_decide(f->p, section(f, "fchmodat"), &c).kind, DECISION_KILL);
	c.args[2] = 0755;
	assert_int_equal(policy_decide(f->p, section(f, "fchmodat"), &c).kind, DECISION_LOG);
	c = call_of("mkdirat");
	assert_int_equal(policy_decide(f->p, section(f, "mkdirat"), &c).kind, DECISION_LOG);
	c = call_of("openat");
	c.args[3] = 0644;
	assert_int_equal(policy_decide(f->p, section(f, "openat"), &c).kind, DECISION_ALLOW);
	c.args[3] = 04755;
	assert_int_equal(policy_decide(f->p, section(f, "openat"), &c).kind, DECISION_KILL);
	assert_null(policy_section_for(f->p, "execve"));
}

/* ---- the man page's examples ---- */

static char *read_text(const char *path)
{
	FILE *fp = fopen(path, "re");
	char *buf;
	size_t n;

	if (!fp)
		return NULL;
	buf = calloc(1, 256 * 1024);
	if (buf) {
		n = fread(buf, 1, 256 * 1024 - 1, fp);
		buf[n] = '\0';
	}
	fclose(fp);
	return buf;
}

/*
 * Every ```ini block of sysgate-policy(5) after the SYNOPSIS loads, with the
 * warnings the text around it promises: the continued rule of RULES (0), the
 * abi condition of CONDITIONS (0), the RACE WARNING example (1), the
 * implicit io_uring section (0), then EXAMPLES: the example from the top (0:
 * mkdir is emulated), the second example (1), the emulation sandbox (0), the
 * built-in policy sketch (0).
 */
static void test_docs_examples_load(void **state)
{
	struct fx *f = *state;
	static const size_t want_warnings[] = {0, 0, 1, 0, 0, 1, 0, 0};
	char *doc = read_text(SYSGATE_DOCS_DIR "/sysgate-policy.5.md");
	char *s, *end;
	size_t n = 0;

	assert_non_null(doc);
	s = strstr(doc, "## DESCRIPTION");
	assert_non_null(s);
	while ((s = strstr(s, "```ini\n"))) {
		s += strlen("```ini\n");
		end = strstr(s, "```");
		assert_non_null(end);
		*end = '\0';
		if (load(f, s) != 0 || f->d.n_errors)
			dump(f);
		assert_int_equal(f->d.n_errors, 0);
		assert_non_null(f->p);
		assert_true(n < sizeof(want_warnings) / sizeof(want_warnings[0]));
		if (f->d.n_warnings != want_warnings[n])
			dump(f);
		assert_int_equal(f->d.n_warnings, want_warnings[n]);
		n++;
		s = end + 3;
	}
	free(doc);
	assert_int_equal(n, 8);
}

/* The example of the design brief, verbatim: it loads cleanly. */
static void test_load_example_policy(void **state)
{
	struct fx *f = *state;

	assert_loads(f, "[sysgate]\n"
			"mode    = enforce          ; enforce | complain\n"
			"default = allow            ; allow | deny [ERRNO] | kill | log\n"
			"log     = stderr           ; comma-separated sinks\n"
			"log_format = text          ; text | json   (optional)\n"
			"\n"
			"[mkdir]                    ; a family head stands for its family\n"
			"deny  = EACCES path ~ /etc/**\n"
			"log   = path ~ /tmp/**\n"
			"allow = *\n"
			"\n"
			"[chmod]                    ; chmod, fchmod, fchmodat, fchmodat2\n"
			"kill  = mode & 06000       ; setuid or setgid bits\n"
			"allow = *\n"
			"\n"
			"[reboot]\n"
			"deny = *\n");
	/* The mkdir family is emulated: its allow after a path races nothing. */
	assert_int_equal(f->d.n_warnings, 0);
	assert_int_equal(f->p->n_sections, 4); /* + implicit io_uring */
	assert_string_equal(f->p->log_format, "text");
	assert_int_equal(section(f, "mkdirat")->rules[0].err, EACCES);
	assert_string_equal(section(f, "mkdirat")->rules[0].conds[0].glob, "/etc/**");
	assert_int_equal(section(f, "fchmodat2")->rules[0].kind, DECISION_KILL);
	assert_true(section(f, "io_uring_enter")->implicit);
}

/* ---- other doors: copied memory, xattr names, multiplexers, newer syscalls ---- */

static void test_name_condition_loads_where_there_is_a_name(void **state)
{
	struct fx *f = *state;

	assert_clean(f, "[setxattr]\ndeny = name ~ security.*\ndeny = EOPNOTSUPP *\n");
	assert_int_equal(section(f, "fsetxattr")->rules[0].conds[0].kind, COND_NAME_MATCH);
	assert_true(section(f, "lsetxattr")->needs_name);
	assert_clean(f, "[removexattr]\nkill = name !~ user.*\ndeny = *\n");
	assert_refused(f, "[mkdir]\ndeny = name ~ x\n", 2, "[mkdir]: mkdir takes no xattr name");
	assert_refused(f, "[setxattr]\ndeny = name x\n", 2, "expected ~ or !~ after 'name'");
	assert_refused(f, "[setxattr]\ndeny = name ~ [x\n", 2, "bad name glob");
	/* an allow after it is denied: said at load time */
	assert_loads(f, "[setxattr]\ndeny = name ~ security.capability\nallow = *\n");
	assert_diag(f, DIAG_WARNING, 3, "after a name condition is denied EPERM");
	assert_loads(f, "[setxattr]\ndeny = name ~ security.capability\n");
	assert_diag(f, DIAG_WARNING, 1, "the default (allow) after a name condition is denied");
}

static void test_decide_name_condition_never_continues(void **state)
{
	struct fx *f = *state;
	struct call c = call_of("setxattr");
	struct decision d;

	assert_loads(f, "[setxattr]\ndeny = EACCES name ~ system.posix_acl_*\nallow = *\n");
	c.name = "system.posix_acl_access";
	d = policy_decide(f->p, section(f, "setxattr"), &c);
	assert_int_equal(d.kind, DECISION_DENY);
	assert_int_equal(d.err, EACCES);
	assert_false(d.mem_unsafe);
	c.name = "user.x";
	d = policy_decide(f->p, section(f, "setxattr"), &c);
	assert_int_equal(d.kind, DECISION_DENY);
	assert_int_equal(d.err, EPERM);
	assert_true(d.mem_unsafe);
	c.name = NULL;
	c.name_err = ERANGE;
	d = policy_decide(f->p, section(f, "setxattr"), &c);
	assert_int_equal(d.kind, DECISION_DENY);
	assert_int_equal(d.err, ERANGE);
	assert_true(d.unresolved);
	/* a section that never looks at the name continues as before */
	assert_loads(f, "[setxattr]\nlog = *\n");
	c = call_of("setxattr");
	assert_int_equal(policy_decide(f->p, section(f, "setxattr"), &c).kind, DECISION_LOG);
}

static void test_decide_args_from_memory_never_continue(void **state)
{
	struct fx *f = *state;
	struct call c = call_of("socket");
	struct decision d;

	assert_loads(f, "[socket]\ndeny = EACCES arg0 == 2\nallow = arg0 == 1\nlog = *\n");
	c.abi32 = true;
	c.mem_args = 0x7; /* socketcall's array */
	c.args[0] = 2;
	d = policy_decide(f->p, section(f, "socket"), &c);
	assert_int_equal(d.kind, DECISION_DENY);
	assert_int_equal(d.err, EACCES);
	assert_false(d.mem_unsafe);
	c.args[0] = 1;
	d = policy_decide(f->p, section(f, "socket"), &c);
	assert_int_equal(d.kind, DECISION_DENY);
	assert_int_equal(d.err, EPERM);
	assert_true(d.mem_unsafe);
	c.mem_err = EFAULT;
	d = policy_decide(f->p, section(f, "socket"), &c);
	assert_int_equal(d.err, EFAULT);
	assert_true(d.unresolved);
	/* registers are what they were: an arg test on them may continue */
	c = call_of("socket");
	c.args[0] = 1;
	assert_int_equal(policy_decide(f->p, section(f, "socket"), &c).kind, DECISION_ALLOW);
	/* a rule that does not look at the arguments may continue too */
	assert_loads(f, "[connect]\nlog = *\n");
	c = call_of("connect");
	c.mem_args = 0x7;
	assert_int_equal(policy_decide(f->p, section(f, "connect"), &c).kind, DECISION_LOG);
	/* an ask would continue on an answer: denied as well */
	assert_loads(f, "[socket]\nask = arg0 == 1\n");
	c = call_of("socket");
	c.mem_args = 0x7;
	c.args[0] = 1;
	assert_true(policy_decide(f->p, section(f, "socket"), &c).mem_unsafe);
}

static void test_decide_openat2_mode_is_read_from_memory(void **state)
{
	struct fx *f = *state;
	struct call c = call_of("openat2");
	struct decision d;

	assert_clean(f, "[open]\nkill = mode & 06000\nallow = *\n");
	assert_true(section(f, "openat2")->needs_mode);
	c.mode_in_mem = true;
	c.mem_mode = 04755;
	assert_int_equal(policy_decide(f->p, section(f, "openat2"), &c).kind, DECISION_KILL);
	c.mem_mode = 0644;
	d = policy_decide(f->p, section(f, "openat2"), &c);
	assert_int_equal(d.kind, DECISION_DENY);
	assert_int_equal(d.err, ENOSYS); /* libc falls back to openat */
	assert_true(d.mem_unsafe);
	c.mode_in_mem = false;
	c.mem_err = EFAULT;
	d = policy_decide(f->p, section(f, "openat2"), &c);
	assert_int_equal(d.err, EFAULT);
	/* open, openat and creat: the register */
	c = call_of("creat");
	c.args[1] = 04755;
	assert_int_equal(policy_decide(f->p, section(f, "creat"), &c).kind, DECISION_KILL);
	c.args[1] = 0644;
	assert_int_equal(policy_decide(f->p, section(f, "creat"), &c).kind, DECISION_ALLOW);
}

static void test_multiplexer_tables(void **state)
{
	(void)state;
	assert_string_equal(policy_socketcall_name(3), "connect");
	assert_string_equal(policy_socketcall_label(3), "SYS_CONNECT");
	assert_string_equal(policy_socketcall_name(9), "sendto"); /* SYS_SEND */
	assert_string_equal(policy_socketcall_name(10), "recvfrom");
	assert_string_equal(policy_socketcall_name(20), "sendmmsg");
	assert_null(policy_socketcall_name(0));
	assert_null(policy_socketcall_name(21));
	assert_string_equal(policy_ipc_name(23), "shmget");
	assert_string_equal(policy_ipc_label(1), "SEMOP");
	assert_null(policy_ipc_name(5));
	assert_null(policy_ipc_name(25));
	/* every carried call can have a section */
	for (unsigned i = 1; i <= POLICY_SOCKETCALL_MAX; i++)
		assert_true(policy_syscall_known(policy_socketcall_name(i)));
	for (unsigned i = 1; i <= POLICY_IPC_MAX; i++)
		if (policy_ipc_name(i))
			assert_true(policy_syscall_known(policy_ipc_name(i)));
}

static void test_newer_syscalls_named_and_decided(void **state)
{
	struct fx *f = *state;
	const struct section *reach = NULL;
	struct decision d;

	assert_string_equal(policy_newer_syscall(467)->name, "open_tree_attr");
	assert_string_equal(policy_newer_syscall_by_name("setxattrat")->reach, "setxattr");
	assert_null(policy_newer_syscall(452)); /* fchmodat2: libseccomp knows it */
	assert_true(policy_syscall_known("mseal"));
	assert_clean(f, "[mseal]\ndeny = *\n[setxattrat]\ndeny = name ~ security.*\ndeny = *\n");

	assert_loads(f, "[mount]\ndeny = *\n[open]\ndeny = path ~ /x/**\nallow = *\n");
	d = policy_decide_unnamed(f->p, "open_tree_attr", &reach);
	assert_int_equal(d.kind, DECISION_DENY);
	assert_int_equal(d.err, ENOSYS);
	assert_ptr_equal(reach, section(f, "mount"));
	d = policy_decide_unnamed(f->p, "open_by_handle_at", &reach);
	assert_int_equal(d.kind, DECISION_DENY);
	assert_int_equal(d.err, EPERM);
	assert_ptr_equal(reach, section(f, "openat"));
	assert_int_equal(policy_decide_unnamed(f->p, "mseal", &reach).kind, DECISION_ALLOW);
	assert_null(reach);
	assert_int_equal(policy_decide_unnamed(f->p, NULL, NULL).kind, DECISION_ALLOW);

	assert_loads(f, "[sysgate]\ndefault = deny EACCES\n[mount]\nallow = *\n");
	d = policy_decide_unnamed(f->p, "open_tree_attr", &reach);
	assert_int_equal(d.err, ENOSYS); /* the default's, as an older kernel says */
	assert_null(reach);
	assert_int_equal(policy_decide_unnamed(f->p, NULL, NULL).err, ENOSYS);
	d = policy_decide_unnamed(f->p, "open_by_handle_at", NULL);
	assert_int_equal(d.err, EACCES); /* known: the default */
}

static void test_default_policy_guards_other_doors(void **state)
{
	struct fx *f = *state;
	struct call c;

	assert_int_equal(policy_load_default(&f->p, &f->d), 0);
	c = call_of("mknodat");
	c.args[2] = 0104755;
	assert_int_equal(policy_decide(f->p, section(f, "mknodat"), &c).kind, DECISION_KILL);
	c.args[2] = 0100644;
	assert_int_equal(policy_decide(f->p, section(f, "mknodat"), &c).kind, DECISION_ALLOW);
	c = call_of("open");
	c.args[2] = 02755;
	assert_int_equal(policy_decide(f->p, section(f, "open"), &c).kind, DECISION_KILL);
	c = call_of("fsetxattr");
	c.name = "security.capability";
	assert_int_equal(policy_decide(f->p, section(f, "fsetxattr"), &c).err, EPERM);
	c.name = "system.posix_acl_default";
	assert_int_equal(policy_decide(f->p, section(f, "fsetxattr"), &c).err, EPERM);
	c.name = "user.x";
	assert_int_equal(policy_decide(f->p, section(f, "fsetxattr"), &c).err, EOPNOTSUPP);
	assert_int_equal(policy_decide_unnamed(f->p, "open_tree_attr", NULL).err, ENOSYS);
	assert_int_equal(policy_decide_unnamed(f->p, "setxattrat", NULL).err, ENOSYS);
	assert_int_equal(policy_decide_unnamed(f->p, "mseal", NULL).kind, DECISION_ALLOW);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_load_refuses_unknown_section),
		T(test_load_refuses_unknown_keys),
		T(test_load_ask_and_its_settings),
		T(test_load_refuses_errno_on_other_decisions),
		T(test_load_refuses_bad_errno),
		T(test_load_accepts_errno_range_edges),
		T(test_load_refuses_bad_globs),
		T(test_load_refuses_globs_that_cannot_match),
		T(test_load_refuses_bad_numbers),
		T(test_load_refuses_bad_mode_masks),
		T(test_load_refuses_conditions_a_section_cannot_evaluate),
		T(test_load_refuses_bad_condition_structure),
		T(test_load_refuses_duplicate_sysgate_keys),
		T(test_load_refuses_bad_sysgate_values),
		T(test_load_reads_sysgate_settings),
		T(test_load_refuses_empty_values),
		T(test_load_refuses_long_line_before_inih_splits_it),
		T(test_load_refuses_long_section_name),
		T(test_load_refuses_syntax_errors),
		T(test_load_collects_every_error),
		T(test_load_file_reads_and_refuses),
		T(test_family_expands_sections),
		T(test_family_every_member_has_a_shape),
		T(test_load_refuses_overlapping_sections),
		T(test_load_most_specific_section_wins),
		T(test_warn_rules_that_never_match),
		T(test_warn_race_after_path_condition),
		T(test_warn_race_not_for_emulated_families),
		T(test_load_emulate_only_where_supported),
		T(test_implicit_io_uring_added_for_file_families),
		T(test_implicit_io_uring_not_added_otherwise),
		T(test_rule_location_formats),
		T(test_decide_first_match_wins),
		T(test_decide_default),
		T(test_decide_mode_mask_uses_shape),
		T(test_decide_arg_operators),
		T(test_decide_abi32_compares_low_32_bits),
		T(test_decide_conditions_are_anded),
		T(test_decide_path_fails_closed),
		T(test_decide_exe),
		T(test_decision_names),
		T(test_glob_double_star),
		T(test_glob_alternation),
		T(test_glob_single_wildcards),
		T(test_glob_classes_and_escapes),
		T(test_glob_check_refuses_malformed),
		T(test_glob_pathological_is_fast),
		T(test_shape_table),
		T(test_syscall_known_by_libseccomp),
		T(test_errno_names),
		T(test_errno_parse),
		T(test_default_policy_loads_clean),
		T(test_docs_examples_load),
		T(test_load_example_policy),
		T(test_name_condition_loads_where_there_is_a_name),
		T(test_decide_name_condition_never_continues),
		T(test_decide_args_from_memory_never_continue),
		T(test_decide_openat2_mode_is_read_from_memory),
		T(test_multiplexer_tables),
		T(test_newer_syscalls_named_and_decided),
		T(test_default_policy_guards_other_doors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
