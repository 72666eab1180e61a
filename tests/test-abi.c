/*
 * Unit tests for the abi condition: `abi == NAME`, `abi != NAME`.
 *
 * Parsing and refusals (policy/rules.c), the decision on every ABI with x32
 * told apart from x86_64 by the X32 bit (policy/match.c), and the filter
 * (policy/compile.c) run by tests/bpf-interp.h: a rule with an abi
 * condition goes into the kernel only for the ABIs it names, and the filter
 * never allows what policy_decide refuses.
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bpf-interp.h"
#include "policy/answer.h"
#include "policy/policy.h"

#define X32_BIT 0x40000000u

static const struct {
	const char *name;
	uint32_t token, audit;
	bool abi32, i386;
} abis[3] = {
	{"x86_64", SCMP_ARCH_X86_64, AUDIT_ARCH_X86_64, false, false},
	{"i386", SCMP_ARCH_X86, AUDIT_ARCH_I386, true, true},
	{"x32", SCMP_ARCH_X32, AUDIT_ARCH_X86_64, true, false},
};

static struct policy *load(const char *text, struct policy_diags *d)
{
	struct policy *p = NULL;
	int r = policy_load_string("t.ini", text, &p, d);

	for (size_t i = 0; r < 0 && i < d->n; i++)
		print_message("  diag line %u: %s\n", d->v[i].line, d->v[i].msg);
	assert_int_equal(r, 0);
	return p;
}

/* The first error's message for text, which must be refused. */
static void refused(const char *text, const char *want)
{
	struct policy_diags d = {0};
	struct policy *p = NULL;

	assert_int_equal(policy_load_string("t.ini", text, &p, &d), -EINVAL);
	assert_true(d.n_errors > 0);
	if (!strstr(d.v[0].msg, want))
		fail_msg("message '%s' lacks '%s'", d.v[0].msg, want);
	policy_diags_free(&d);
}

/* The decision policy_decide gives syscall on ABI a (index into abis). */
static struct decision decide_on(const struct policy *p, const char *syscall, unsigned a)
{
	struct call c = {.syscall = syscall,
			 .shape = policy_syscall_shape(syscall),
			 .abi32 = abis[a].abi32,
			 .i386 = abis[a].i386,
			 .path = "/tmp/x",
			 .exe = "/usr/bin/true"};

	return policy_decide(p, policy_section_for(p, syscall), &c);
}

static int nr_on(const char *syscall, unsigned a)
{
	int nr = seccomp_syscall_resolve_name_arch(abis[a].token, syscall);

	if (nr < 0)
		return -1;
	return a == 2 ? (int)((unsigned)nr | X32_BIT) : nr;
}

static uint32_t filter_on(const struct policy_filter *f, const char *syscall, unsigned a,
			  uint64_t arg1)
{
	struct seccomp_data d = {.nr = nr_on(syscall, a), .arch = abis[a].audit};

	assert_true(d.nr >= 0);
	d.args[1] = arg1;
	return bpf_run(f->insns, f->len, &d) & SECCOMP_RET_ACTION_FULL;
}

static void test_abi_parses(void **state)
{
	struct policy_diags d = {0};
	struct policy *p;
	const struct section *s;

	(void)state;
	p = load("[mkdir]\ndeny = EACCES abi == i386 and path ~ /tmp/**\nallow = abi != x32\n", &d);
	s = policy_section_for(p, "mkdirat");
	assert_non_null(s);
	assert_int_equal(s->n_rules, 2);
	assert_int_equal(s->rules[0].n_conds, 2);
	assert_int_equal(s->rules[0].conds[0].kind, COND_ABI_EQ);
	assert_int_equal(s->rules[0].conds[0].value, POLICY_ABI_I386);
	assert_int_equal(s->rules[1].conds[0].kind, COND_ABI_NE);
	assert_int_equal(s->rules[1].conds[0].value, POLICY_ABI_X32);
	assert_int_equal(d.n_warnings + d.n_errors, 0);
	policy_free(p);
	policy_diags_free(&d);

	/* Every section takes it: a group, a family, a syscall without a path. */
	memset(&d, 0, sizeof(d));
	p = load("[@docker-default]\nallow = abi != i386\n[reboot]\nkill = abi == x86_64\n", &d);
	assert_string_equal(policy_abi_name(POLICY_ABI_X32), "x32");
	policy_free(p);
	policy_diags_free(&d);
}

static void test_abi_refusals(void **state)
{
	(void)state;
	refused("[mkdir]\ndeny = abi == arm64\n", "unknown ABI 'arm64'");
	refused("[mkdir]\ndeny = abi == arm64\n", "x86_64, i386 or x32");
	refused("[mkdir]\ndeny = abi == i368\n", "did you mean i386?");
	refused("[mkdir]\ndeny = abi == X86_64\n", "did you mean x86_64?");
	refused("[mkdir]\ndeny = abi ~ i386\n", "expected == or != after 'abi'");
	refused("[mkdir]\ndeny = abi ==\n", "missing ABI after 'abi =='");
	refused("[mkdir]\ndeny = abi == and path ~ /x\n", "missing ABI");
	refused("[mkdir]\ndeny = abi\n", "expected == or != after 'abi'");
}

static void test_abi_never_matches_warned(void **state)
{
	struct policy_diags d = {0};
	struct policy *p;
	bool found = false;

	(void)state;
	p = load("[mkdir]\ndeny = abi == i386 and abi == x32\nallow = *\n", &d);
	for (size_t i = 0; i < d.n; i++)
		if (d.v[i].line == 2 && strstr(d.v[i].msg, "this rule can never match"))
			found = true;
	assert_true(found);
	policy_free(p);
	policy_diags_free(&d);

	/* abi != i386 and abi != x32 is x86_64: no warning. */
	memset(&d, 0, sizeof(d));
	p = load("[mkdir]\ndeny = abi != i386 and abi != x32\nallow = *\n", &d);
	assert_int_equal(d.n_warnings, 0);
	assert_int_equal(decide_on(p, "mkdir", 0).kind, DECISION_DENY);
	assert_int_equal(decide_on(p, "mkdir", 1).kind, DECISION_ALLOW);
	assert_int_equal(decide_on(p, "mkdir", 2).kind, DECISION_ALLOW);
	policy_free(p);
	policy_diags_free(&d);
}

static void test_abi_decides_each_abi(void **state)
{
	static const char *const names[3] = {"x86_64", "i386", "x32"};
	(void)state;

	for (unsigned want = 0; want < 3; want++) {
		char text[128];
		struct policy_diags d = {0};
		struct policy *p;

		snprintf(text, sizeof(text), "[mkdir]\ndeny = EACCES abi == %s\nallow = *\n",
			 names[want]);
		p = load(text, &d);
		for (unsigned a = 0; a < 3; a++) {
			struct decision dec = decide_on(p, "mkdir", a);

			assert_int_equal(dec.kind, a == want ? DECISION_DENY : DECISION_ALLOW);
			if (a == want)
				assert_int_equal(dec.err, EACCES);
		}
		policy_free(p);
		policy_diags_free(&d);

		snprintf(text, sizeof(text), "[mkdir]\ndeny = EACCES abi != %s\nallow = *\n",
			 names[want]);
		p = load(text, &d);
		for (unsigned a = 0; a < 3; a++)
			assert_int_equal(decide_on(p, "mkdir", a).kind,
					 a == want ? DECISION_ALLOW : DECISION_DENY);
		policy_free(p);
		policy_diags_free(&d);
	}
}

/* explain's trace names the abi condition that failed. */
static void test_abi_trace(void **state)
{
	struct policy_diags d = {0};
	struct policy *p;
	struct policy_trace t;
	struct call c = {.syscall = "mkdir", .path = "/tmp/x"};
	struct decision dec;

	(void)state;
	p = load("[mkdir]\ndeny = path ~ /tmp/** and abi == i386\nallow = *\n", &d);
	dec = policy_decide_trace(p, policy_section_for(p, "mkdir"), &c, &t);
	assert_int_equal(dec.kind, DECISION_ALLOW);
	assert_int_equal(t.n, 2);
	assert_int_equal(t.failed[0], 1); /* the abi condition */
	policy_free(p);
	policy_diags_free(&d);
}

/* The filter: x86_64's plan in libseccomp's program, i386's and x32's in front. */
static void test_abi_compiles_per_abi(void **state)
{
	struct policy_diags d = {0};
	struct policy_filter f = {0};
	struct policy *p;

	(void)state;
	/* Allowed in the kernel except on i386, which is notified. */
	p = load("[mkdir]\nallow = abi != i386\ndeny = *\n[getpid]\ndeny = abi == x32\n", &d);
	assert_int_equal(policy_compile(p, &f), 0);
	assert_int_equal(filter_on(&f, "mkdir", 0, 0), SECCOMP_RET_ALLOW);
	assert_int_equal(filter_on(&f, "mkdirat", 0, 0), SECCOMP_RET_ALLOW);
	assert_int_equal(filter_on(&f, "mkdir", 1, 0), SECCOMP_RET_USER_NOTIF);
	assert_int_equal(filter_on(&f, "mkdirat", 1, 0), SECCOMP_RET_USER_NOTIF);
	assert_int_equal(filter_on(&f, "mkdir", 2, 0), SECCOMP_RET_ALLOW);
	assert_int_equal(filter_on(&f, "getpid", 0, 0), SECCOMP_RET_ALLOW);
	assert_int_equal(filter_on(&f, "getpid", 1, 0), SECCOMP_RET_ALLOW);
	assert_int_equal(filter_on(&f, "getpid", 2, 0), SECCOMP_RET_USER_NOTIF);
	/* An untouched syscall is still allowed on every ABI. */
	for (unsigned a = 0; a < 3; a++)
		assert_int_equal(filter_on(&f, "getppid", a, 0), SECCOMP_RET_ALLOW);
	policy_filter_done(&f);
	policy_free(p);
	policy_diags_free(&d);

	/* A register split on i386 only: x86_64 and x32 allowed whole. */
	memset(&d, 0, sizeof(d));
	p = load("[chmod]\nkill = abi == i386 and mode & 04000\nallow = *\n", &d);
	assert_int_equal(policy_compile(p, &f), 0);
	assert_int_equal(filter_on(&f, "chmod", 0, 04755), SECCOMP_RET_ALLOW);
	assert_int_equal(filter_on(&f, "chmod", 2, 04755), SECCOMP_RET_ALLOW);
	assert_int_equal(filter_on(&f, "chmod", 1, 04755), SECCOMP_RET_USER_NOTIF);
	assert_int_equal(decide_on(p, "chmod", 0).kind, DECISION_ALLOW);
	policy_filter_done(&f);
	policy_free(p);
	policy_diags_free(&d);

	/* The same split everywhere but x32: x32 needs no notification. */
	memset(&d, 0, sizeof(d));
	p = load("[chmod]\nkill = abi != x32 and mode & 04000\nallow = *\n", &d);
	assert_int_equal(policy_compile(p, &f), 0);
	assert_int_equal(filter_on(&f, "chmod", 0, 04755), SECCOMP_RET_USER_NOTIF);
	assert_int_equal(filter_on(&f, "chmod", 0, 0755), SECCOMP_RET_ALLOW);
	assert_int_equal(filter_on(&f, "chmod", 1, 04755), SECCOMP_RET_USER_NOTIF);
	assert_int_equal(filter_on(&f, "chmod", 1, 0755), SECCOMP_RET_ALLOW);
	assert_int_equal(filter_on(&f, "chmod", 2, 04755), SECCOMP_RET_ALLOW);
	policy_filter_done(&f);
	policy_free(p);
	policy_diags_free(&d);
}

/* A whole group, all ABIs: the filter agrees with policy_decide for every
 * syscall of the group on every ABI (never allows what it refuses, allows
 * in the kernel what allow decides there without a condition left). */
static void test_abi_group_filter_agrees(void **state)
{
	const struct policy_group *g = policy_group("docker-default");
	static const char *const texts[] = {
		"[sysgate]\ndefault = deny\n[@docker-default]\nallow = abi != i386\n",
		"[sysgate]\ndefault = deny\n[@docker-default]\nallow = abi == x86_64\n",
		"[@docker-default]\ndeny = abi == i386\nallow = *\n",
		"[@docker-default]\nlog = abi == x32\nallow = *\n",
		/* the largest: every known syscall with an override on two ABIs */
		"[sysgate]\ndefault = deny\n[@docker-default, @privileged]\nallow = abi == "
		"x86_64\n",
	};
	unsigned checked = 0, allowed = 0;

	(void)state;
	assert_non_null(g);
	for (size_t t = 0; t < sizeof(texts) / sizeof(texts[0]); t++) {
		struct policy_diags d = {0};
		struct policy_filter f = {0};
		struct policy *p = load(texts[t], &d);

		assert_int_equal(policy_compile(p, &f), 0);
		print_message("  policy %zu: %zu BPF instructions\n", t, f.len);
		for (size_t i = 0; g->syscalls[i]; i++) {
			const char *sys = g->syscalls[i];
			const struct section *s = policy_section_for(p, sys);

			if (!s)
				continue;
			for (unsigned a = 0; a < 3; a++) {
				struct decision dec;
				uint32_t ret;

				if (nr_on(sys, a) < 0 || !strcmp(sys, "socketcall") ||
				    !strcmp(sys, "ipc") || !strcmp(sys, "ioctl"))
					continue;
				dec = decide_on(p, sys, a);
				ret = filter_on(&f, sys, a, 0);
				checked++;
				if (dec.kind != DECISION_ALLOW && ret == SECCOMP_RET_ALLOW &&
				    strcmp(sys, "exit") && strcmp(sys, "exit_group") &&
				    strcmp(sys, "rt_sigreturn") && strcmp(sys, "sigreturn"))
					fail_msg("policy %zu: %s on %s allowed in the kernel, "
						 "decided %s",
						 t, sys, abis[a].name,
						 policy_decision_name(dec.kind));
				/* no other condition: the kernel decides allow itself */
				if (dec.kind == DECISION_ALLOW &&
				    !policy_newer_syscall_by_name(sys)) {
					if (ret != SECCOMP_RET_ALLOW)
						fail_msg("policy %zu: %s on %s notified, but "
							 "allowed by abi alone",
							 t, sys, abis[a].name);
					allowed++;
				}
			}
		}
		policy_filter_done(&f);
		policy_free(p);
		policy_diags_free(&d);
	}
	print_message("  %u calls checked, %u allowed in the kernel\n", checked, allowed);
	assert_true(checked > 1000);
	assert_true(allowed > 500);
}

/* An answer to an ask behind an abi condition keeps it (no wider). */
static void test_abi_answer_keeps_condition(void **state)
{
	struct policy_diags d = {0};
	struct policy *p;
	char *text;

	(void)state;
	p = load("[mkdir]\nask = abi == i386 and path ~ /tmp/**\nallow = *\n", &d);
	text = answer_conds_text(&policy_section_for(p, "mkdir")->rules[0]);
	assert_non_null(text);
	assert_string_equal(text, "abi == i386");
	free(text);
	policy_free(p);
	policy_diags_free(&d);
}

/* [sysgate] abi: parsed, names as abi == NAME takes them, refusals at the
 * key's line. */
static void test_abi_key_parses(void **state)
{
	struct policy_diags d = {0};
	struct policy *p;

	(void)state;
	p = load("[mkdir]\nallow = *\n", &d);
	assert_int_equal(p->abis, POLICY_ABIS_ALL);
	policy_free(p);
	p = load("[sysgate]\nmode = enforce\nabi = x86_64 , x32\n", &d);
	assert_int_equal(p->abis, (1u << POLICY_ABI_X86_64) | (1u << POLICY_ABI_X32));
	assert_int_equal(p->abi_rule.kind, DECISION_KILL);
	assert_int_equal(p->abi_rule.line, 3);
	policy_free(p);
	policy_diags_free(&d);
	refused("[sysgate]\nabi = x86_64, arm64\n",
		"unknown ABI 'arm64' in abi (x86_64, i386 or x32");
	refused("[sysgate]\nabi = i386, x32\n", "does not list x86_64");
	refused("[sysgate]\nabi = x86_64, i386, i386\n", "ABI 'i386' listed twice");
	refused("[sysgate]\nabi = x86_64,,i386\n", "empty ABI");
	refused("[sysgate]\nabi =\n", "empty value for 'abi'");
}

/* A call through an ABI not listed is killed by the key, whatever the
 * section says; the others are decided by the section as before. */
static void test_abi_key_decides(void **state)
{
	struct policy_diags d = {0};
	struct policy *p;
	struct decision dec;
	char loc[64];

	(void)state;
	p = load("[sysgate]\nabi = x86_64, x32\n[mkdir]\ndeny = EACCES *\n", &d);
	dec = decide_on(p, "mkdir", 1);
	assert_int_equal(dec.kind, DECISION_KILL);
	assert_ptr_equal(dec.rule, &p->abi_rule);
	assert_string_equal(policy_rule_location(p, NULL, dec.rule, loc, sizeof(loc)), "t.ini:2");
	assert_int_equal(decide_on(p, "mkdir", 0).kind, DECISION_DENY);
	assert_int_equal(decide_on(p, "mkdir", 2).kind, DECISION_DENY);
	/* no section: the default would allow */
	assert_int_equal(decide_on(p, "getpid", 1).kind, DECISION_KILL);
	assert_true(policy_abi_refused(p, POLICY_ABI_I386, &dec));
	assert_false(policy_abi_refused(p, POLICY_ABI_X32, &dec));
	policy_free(p);
	policy_diags_free(&d);
}

/* The filter: with i386 (x32) left out, no call through it is ever allowed
 * in the kernel, whatever number; x86_64's verdicts do not change. */
static void test_abi_key_filter(void **state)
{
	static const char *const texts[] = {
		"[mkdir]\nallow = *\n[getpid]\nallow = *\n",
		"[sysgate]\ndefault = deny\n[@docker-default]\nallow = *\n",
		"[sysgate]\ndefault = kill\n[open]\nallow = abi == i386\n",
	};
	static const char *const keys[] = {"abi = x86_64\n", "abi = x86_64, x32\n",
					   "abi = x86_64, i386\n"};

	(void)state;
	for (size_t t = 0; t < sizeof(texts) / sizeof(texts[0]); t++) {
		struct policy_diags d = {0};
		struct policy *base = load(texts[t], &d);
		struct policy_filter fb = {0};

		assert_int_equal(policy_compile(base, &fb), 0);
		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
			char text[512];
			struct policy *p;
			struct policy_filter f = {0};
			bool x32 = k == 1, i386 = k == 2;

			snprintf(text, sizeof(text), "[sysgate]\n%s%s", keys[k],
				 strncmp(texts[t], "[sysgate]\n", 10) ? texts[t] : texts[t] + 10);
			p = load(text, &d);
			assert_int_equal(policy_compile(p, &f), 0);
			for (uint32_t nr = 0; nr < 600; nr++) {
				struct seccomp_data x86 = {.nr = (int)nr,
							   .arch = AUDIT_ARCH_X86_64},
						    i32 = {.nr = (int)nr, .arch = AUDIT_ARCH_I386},
						    xx = {.nr = (int)(nr | X32_BIT),
							  .arch = AUDIT_ARCH_X86_64};
				uint32_t ri =
					bpf_run(f.insns, f.len, &i32) & SECCOMP_RET_ACTION_FULL;
				uint32_t rx =
					bpf_run(f.insns, f.len, &xx) & SECCOMP_RET_ACTION_FULL;

				assert_int_equal(bpf_run(f.insns, f.len, &x86),
						 bpf_run(fb.insns, fb.len, &x86));
				if (!i386 && ri != SECCOMP_RET_USER_NOTIF &&
				    ri != SECCOMP_RET_KILL_PROCESS && ri != SECCOMP_RET_KILL_THREAD)
					fail_msg("%s: i386 nr %u gets %#x", text, nr, ri);
				if (!x32 && rx != SECCOMP_RET_USER_NOTIF &&
				    rx != SECCOMP_RET_KILL_PROCESS && rx != SECCOMP_RET_KILL_THREAD)
					fail_msg("%s: x32 nr %u gets %#x", text, nr, rx);
				if (i386)
					assert_int_equal(ri, bpf_run(fb.insns, fb.len, &i32) &
								     SECCOMP_RET_ACTION_FULL);
				if (x32)
					assert_int_equal(rx, bpf_run(fb.insns, fb.len, &xx) &
								     SECCOMP_RET_ACTION_FULL);
			}
			policy_filter_done(&f);
			policy_free(p);
		}
		policy_filter_done(&fb);
		policy_free(base);
		policy_diags_free(&d);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_abi_parses),
		cmocka_unit_test(test_abi_refusals),
		cmocka_unit_test(test_abi_never_matches_warned),
		cmocka_unit_test(test_abi_decides_each_abi),
		cmocka_unit_test(test_abi_trace),
		cmocka_unit_test(test_abi_compiles_per_abi),
		cmocka_unit_test(test_abi_group_filter_agrees),
		cmocka_unit_test(test_abi_answer_keeps_condition),
		cmocka_unit_test(test_abi_key_parses),
		cmocka_unit_test(test_abi_key_decides),
		cmocka_unit_test(test_abi_key_filter),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
