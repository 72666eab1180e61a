/*
 * Unit tests of answer_plan(): the mapping from a final verdict to what the
 * kernel is told, over its whole domain (decision kind x enforce/complain x
 * emulated family or not x path consulted or not x ABI x whether the kernel
 * runs x32). No kernel, no root.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "sg-seccomp.h"
#include "supervisor/core/answer.h"

static const enum decision_kind kinds[] = {
	DECISION_ALLOW, DECISION_DENY, DECISION_KILL, DECISION_LOG, DECISION_EMULATE, DECISION_ASK,
};
static const enum call_abi abis[] = {CALL_ABI_X86_64, CALL_ABI_I386, CALL_ABI_X32};

static struct answer_plan plan_of(enum decision_kind kind, int err, bool enforce, bool emulates,
				  bool checked, enum call_abi abi, bool x32_runs)
{
	struct answer_verdict v = {
		.kind = kind,
		.err = err,
		.enforce = enforce,
		.emulates = emulates,
		.checked = checked,
		.abi = abi,
		.x32_runs = x32_runs,
	};

	return answer_plan(&v);
}

/* The specification, written as the table the docs give, not as the code. */
static struct answer_plan expected(enum decision_kind kind, int err, bool enforce, bool emulates,
				   bool checked, enum call_abi abi, bool x32_runs)
{
	bool carried = emulates && (kind == DECISION_EMULATE ||
				    (checked && (kind == DECISION_ALLOW || kind == DECISION_LOG)));

	if (carried && abi == CALL_ABI_X32 && !x32_runs)
		return (struct answer_plan){ANSWER_ERRNO, ENOSYS, true};
	if (carried)
		return (struct answer_plan){ANSWER_EMULATE, 0, true};
	if (kind == DECISION_ALLOW || kind == DECISION_LOG)
		return (struct answer_plan){ANSWER_CONTINUE, 0, false};
	if ((kind == DECISION_DENY || kind == DECISION_KILL) && !enforce)
		return (struct answer_plan){ANSWER_CONTINUE, 0, false};
	if (kind == DECISION_DENY)
		return (struct answer_plan){ANSWER_ERRNO, err > 0 ? err : EPERM, false};
	if (kind == DECISION_KILL)
		return (struct answer_plan){ANSWER_KILL, EPERM, false};
	return (struct answer_plan){ANSWER_ERRNO, EPERM, false};
}

static void test_answer_plan_whole_domain_matches_the_table(void **state)
{
	static const int errs[] = {0, -1, EACCES, ENOSYS};
	unsigned n = 0;

	(void)state;
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
		for (size_t a = 0; a < sizeof(abis) / sizeof(abis[0]); a++)
			for (int bits = 0; bits < 16; bits++)
				for (size_t e = 0; e < sizeof(errs) / sizeof(errs[0]); e++) {
					bool enforce = bits & 1, emulates = bits & 2,
					     checked = bits & 4, x32 = bits & 8;
					struct answer_plan got = plan_of(kinds[k], errs[e], enforce,
									 emulates, checked, abis[a],
									 x32),
							   want = expected(kinds[k], errs[e],
									   enforce, emulates,
									   checked, abis[a], x32);

					if (got.kind != want.kind || got.err != want.err ||
					    got.emulated != want.emulated)
						fail_msg("kind %d err %d enforce %d emulates %d "
							 "checked %d abi %d x32 %d: got %d/%d/%d, "
							 "want %d/%d/%d",
							 kinds[k], errs[e], enforce, emulates,
							 checked, abis[a], x32, got.kind, got.err,
							 got.emulated, want.kind, want.err,
							 want.emulated);
					n++;
				}
	assert_int_equal(n, 6 * 3 * 16 * 4);
}

/* Properties that must hold whatever the table says. */
static void test_answer_plan_never_opens_a_hole(void **state)
{
	(void)state;
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
		for (size_t a = 0; a < sizeof(abis) / sizeof(abis[0]); a++)
			for (int bits = 0; bits < 16; bits++) {
				bool enforce = bits & 1, emulates = bits & 2, checked = bits & 4,
				     x32 = bits & 8;
				struct answer_plan p = plan_of(kinds[k], 0, enforce, emulates,
							       checked, abis[a], x32);

				/* An errno answer is never 0 (that would be success). */
				if (p.kind == ANSWER_ERRNO || p.kind == ANSWER_KILL)
					assert_true(p.err > 0);
				/* TOCTOU: an allow resting on the checked path of an
				 * emulated family is never continued. */
				if (emulates && checked &&
				    (kinds[k] == DECISION_ALLOW || kinds[k] == DECISION_LOG))
					assert_int_not_equal(p.kind, ANSWER_CONTINUE);
				/* sysgate never carries out an x32 call the kernel
				 * would refuse. */
				if (abis[a] == CALL_ABI_X32 && !x32)
					assert_int_not_equal(p.kind, ANSWER_EMULATE);
				/* Enforced refusals are never let through. */
				if (enforce &&
				    (kinds[k] == DECISION_DENY || kinds[k] == DECISION_KILL))
					assert_int_not_equal(p.kind, ANSWER_CONTINUE);
				/* Something that is not a verdict fails closed. */
				if (kinds[k] == DECISION_ASK)
					assert_int_equal(p.kind, ANSWER_ERRNO);
			}
}

static void test_answer_plan_x32_emulated_allow_is_enosys(void **state)
{
	struct answer_plan p = plan_of(DECISION_ALLOW, 0, true, true, true, CALL_ABI_X32, false);

	(void)state;
	assert_int_equal(p.kind, ANSWER_ERRNO);
	assert_int_equal(p.err, ENOSYS);
	assert_true(p.emulated);
	p = plan_of(DECISION_ALLOW, 0, true, true, true, CALL_ABI_X32, true);
	assert_int_equal(p.kind, ANSWER_EMULATE);
	/* Not emulated: the kernel gets the call and says ENOSYS itself. */
	p = plan_of(DECISION_ALLOW, 0, true, false, true, CALL_ABI_X32, false);
	assert_int_equal(p.kind, ANSWER_CONTINUE);
}

static void test_answer_plan_complain_lets_refusals_through_but_emulates(void **state)
{
	(void)state;
	assert_int_equal(
		plan_of(DECISION_DENY, EACCES, false, true, true, CALL_ABI_X86_64, false).kind,
		ANSWER_CONTINUE);
	assert_int_equal(plan_of(DECISION_KILL, 0, false, false, false, CALL_ABI_I386, false).kind,
			 ANSWER_CONTINUE);
	assert_int_equal(
		plan_of(DECISION_EMULATE, 0, false, true, false, CALL_ABI_X86_64, false).kind,
		ANSWER_EMULATE);
}

static void test_answer_plan_deny_keeps_its_errno(void **state)
{
	struct answer_plan p =
		plan_of(DECISION_DENY, EACCES, true, false, false, CALL_ABI_I386, false);

	(void)state;
	assert_int_equal(p.kind, ANSWER_ERRNO);
	assert_int_equal(p.err, EACCES);
	assert_false(p.emulated);
	p = plan_of(DECISION_KILL, EACCES, true, true, true, CALL_ABI_X86_64, true);
	assert_int_equal(p.kind, ANSWER_KILL);
	assert_int_equal(p.err, EPERM);
	/* An emulate rule outside an emulated family did not emulate. */
	p = plan_of(DECISION_EMULATE, 0, true, false, true, CALL_ABI_X86_64, true);
	assert_int_equal(p.kind, ANSWER_ERRNO);
	assert_int_equal(p.err, EPERM);
}

static void test_call_abi_of_decodes_arch_and_x32_bit(void **state)
{
	int nr = -1;

	(void)state;
	assert_int_equal(call_abi_of(AUDIT_ARCH_X86_64, 83, &nr), CALL_ABI_X86_64);
	assert_int_equal(nr, 83);
	assert_int_equal(call_abi_of(AUDIT_ARCH_X86_64, __X32_SYSCALL_BIT | 83, &nr), CALL_ABI_X32);
	assert_int_equal(nr, 83);
	assert_int_equal(call_abi_of(AUDIT_ARCH_I386, 39, &nr), CALL_ABI_I386);
	assert_int_equal(nr, 39);
	/* i386 has no x32 bit: the number stays as the kernel gave it. */
	assert_int_equal(call_abi_of(AUDIT_ARCH_I386, __X32_SYSCALL_BIT | 39, &nr), CALL_ABI_I386);
	assert_int_equal(nr, __X32_SYSCALL_BIT | 39);
	assert_int_equal(call_abi_of(0xc00000b7u /* aarch64 */, 34, &nr), CALL_ABI_UNKNOWN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_answer_plan_whole_domain_matches_the_table),
		cmocka_unit_test(test_answer_plan_never_opens_a_hole),
		cmocka_unit_test(test_answer_plan_x32_emulated_allow_is_enosys),
		cmocka_unit_test(test_answer_plan_complain_lets_refusals_through_but_emulates),
		cmocka_unit_test(test_answer_plan_deny_keeps_its_errno),
		cmocka_unit_test(test_call_abi_of_decodes_arch_and_x32_bit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
