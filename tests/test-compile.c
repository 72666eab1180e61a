/*
 * Unit tests for policy/compile.c: the policy → classic BPF compiler.
 *
 * The filter is run here by a small classic-BPF interpreter over struct
 * seccomp_data, no kernel involved. The safety claim under test: for every
 * call, if policy_decide() (the supervisor's matcher) would give anything but
 * allow, the filter must not return SECCOMP_RET_ALLOW; it must notify so the
 * supervisor can decide. And the cheap side: calls allowed by an unconditional
 * rule or by the default allow stay in the kernel.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cmocka.h>

#include "bpf-interp.h"
#include "policy/policy.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

#define RET_ALLOW SECCOMP_RET_ALLOW
#define RET_NOTIF SECCOMP_RET_USER_NOTIF
#define RET_KILL_PROCESS SECCOMP_RET_KILL_PROCESS

#define X32_BIT 0x40000000u
#define AT_FDCWD_64 ((uint64_t)-100)
#define AT_FDCWD_32 ((uint64_t)(uint32_t)-100)

/* ---- A classic-BPF interpreter: tests/bpf-interp.h ---- */

/* ---- Fixtures ---- */

struct fx {
	struct policy *p;
	struct policy_diags d;
	struct policy_filter f;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	*state = f;
	return 0;
}

static void fx_reset(struct fx *f)
{
	policy_free(f->p);
	f->p = NULL;
	policy_diags_free(&f->d);
	memset(&f->d, 0, sizeof(f->d));
	policy_filter_done(&f->f);
}

static int teardown(void **state)
{
	struct fx *f = *state;

	fx_reset(f);
	free(f);
	return 0;
}

/* Load and compile text; both must succeed. */
static void compile(struct fx *f, const char *text)
{
	int r;

	fx_reset(f);
	r = policy_load_string("t.ini", text, &f->p, &f->d);
	for (size_t i = 0; r < 0 && i < f->d.n; i++)
		print_message("  diag line %u: %s\n", f->d.v[i].line, f->d.v[i].msg);
	assert_int_equal(r, 0);
	r = policy_compile(f->p, &f->f);
	assert_int_equal(r, 0);
	assert_true(f->f.len > 0);
	assert_non_null(f->f.insns);
}

enum abi {
	ABI_X86_64,
	ABI_I386,
	ABI_X32,
};

static const char *abi_name(enum abi abi)
{
	switch (abi) {
	case ABI_X86_64:
		return "x86_64";
	case ABI_I386:
		return "i386";
	case ABI_X32:
		return "x32";
	}
	return "?";
}

static uint32_t abi_token(enum abi abi)
{
	switch (abi) {
	case ABI_X86_64:
		return SCMP_ARCH_X86_64;
	case ABI_I386:
		return SCMP_ARCH_X86;
	case ABI_X32:
		return SCMP_ARCH_X32;
	}
	return 0;
}

/* The AUDIT_ARCH the kernel puts in seccomp_data: x32 shares x86_64's. */
static uint32_t abi_audit_arch(enum abi abi)
{
	return abi == ABI_I386 ? AUDIT_ARCH_I386 : AUDIT_ARCH_X86_64;
}

/* The number of syscall name on abi, X32_BIT included for x32; -1 if none. */
static int abi_nr(enum abi abi, const char *name)
{
	int nr = seccomp_syscall_resolve_name_arch(abi_token(abi), name);

	if (nr < 0)
		return -1;
	if (abi == ABI_X32)
		nr |= (int)X32_BIT; /* libseccomp may already include it */
	return nr;
}

/* Run the compiled filter on a raw (arch, nr, args) call. */
static uint32_t run_raw(const struct fx *f, uint32_t arch, int nr, const uint64_t args[6])
{
	struct seccomp_data d = {.nr = nr, .arch = arch, .instruction_pointer = 0x401000};

	if (args)
		memcpy(d.args, args, sizeof(d.args));
	return bpf_run(f->f.insns, f->f.len, &d) & SECCOMP_RET_ACTION_FULL;
}

/* Run the filter on syscall name through abi; i386 args are zero-extended. */
static uint32_t run_call(const struct fx *f, enum abi abi, const char *name, const uint64_t args[6])
{
	uint64_t a[6] = {0};
	int nr = abi_nr(abi, name);

	if (nr < 0)
		fail_msg("%s has no number on %s", name, abi_name(abi));
	for (int i = 0; args && i < 6; i++)
		a[i] = abi == ABI_I386 ? (uint32_t)args[i] : args[i];
	return run_raw(f, abi_audit_arch(abi), nr, a);
}

static uint32_t run0(const struct fx *f, enum abi abi, const char *name)
{
	return run_call(f, abi, name, NULL);
}

/* ---- The interpreter itself ---- */

static void test_compile_interpreter_selftest(void **state)
{
	/* A hand-written filter with every jump kind: nr == 1 → 1; arch > 5 →
	 * 2; args[0] low word has bit 3 → 3; nr >= 100 → 4; else A | 0x10. */
	const struct sock_filter prog[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 1),
		BPF_STMT(BPF_ST, 0),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, 5, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 2),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 8, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 3),
		BPF_STMT(BPF_LD | BPF_MEM, 0),
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 100, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 4),
		BPF_STMT(BPF_JMP | BPF_JA, 1),
		BPF_STMT(BPF_RET | BPF_K, 0xdead),
		BPF_STMT(BPF_ALU | BPF_OR | BPF_K, 0x10),
		BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0xff),
		BPF_STMT(BPF_RET | BPF_A, 0),
	};
	struct seccomp_data d = {.nr = 1, .arch = 0};

	assert_int_equal(bpf_run(prog, ARRAY_SIZE(prog), &d), 1);
	d.nr = 2;
	assert_int_equal(bpf_run(prog, ARRAY_SIZE(prog), &d), 0x12);
	d.arch = 6;
	assert_int_equal(bpf_run(prog, ARRAY_SIZE(prog), &d), 2);
	d.arch = 0;
	d.args[0] = 0xffffffff00000008ULL; /* the low word is at the lower address */
	assert_int_equal(bpf_run(prog, ARRAY_SIZE(prog), &d), 3);
	d.args[0] = 0;
	d.nr = 100;
	assert_int_equal(bpf_run(prog, ARRAY_SIZE(prog), &d), 4);
}

/* ---- Specific behaviour ---- */

static void test_compile_deny_all_notifies_every_abi(void **state)
{
	struct fx *f = *state;

	compile(f, "[mkdir]\ndeny = *\n");
	assert_int_equal(run_raw(f, AUDIT_ARCH_X86_64, 83, NULL), RET_NOTIF);
	assert_int_equal(run_raw(f, AUDIT_ARCH_X86_64, 258, NULL), RET_NOTIF);
	assert_int_equal(run_raw(f, AUDIT_ARCH_I386, 39, NULL), RET_NOTIF);
	assert_int_equal(run0(f, ABI_I386, "mkdirat"), RET_NOTIF);
	assert_int_equal(run_raw(f, AUDIT_ARCH_X86_64, (int)(X32_BIT | 83), NULL), RET_NOTIF);
	assert_int_equal(run0(f, ABI_X32, "mkdirat"), RET_NOTIF);
	/* Uncovered calls stay in the kernel on every ABI. */
	assert_int_equal(run_raw(f, AUDIT_ARCH_X86_64, 39, NULL), RET_ALLOW); /* getpid */
	assert_int_equal(run0(f, ABI_I386, "getpid"), RET_ALLOW);
	assert_int_equal(run0(f, ABI_X32, "getpid"), RET_ALLOW);
	assert_int_equal(run0(f, ABI_X86_64, "chmod"), RET_ALLOW);
}

static void test_compile_log_and_kill_notify(void **state)
{
	struct fx *f = *state;

	compile(f, "[mkdir]\nlog = *\n[ptrace]\nkill = *\n");
	assert_int_equal(run0(f, ABI_X86_64, "mkdir"), RET_NOTIF);
	assert_int_equal(run0(f, ABI_I386, "mkdirat"), RET_NOTIF);
	assert_int_equal(run0(f, ABI_X86_64, "ptrace"), RET_NOTIF);
	assert_int_equal(run0(f, ABI_I386, "ptrace"), RET_NOTIF);
	assert_int_equal(run0(f, ABI_X86_64, "getpid"), RET_ALLOW);
}

static void test_compile_mode_mask_splits_in_kernel(void **state)
{
	struct fx *f = *state;
	static const enum abi abis[] = {ABI_X86_64, ABI_I386, ABI_X32};

	compile(f, "[chmod]\nkill = mode & 06000\nallow = *\n");
	assert_int_equal(run_raw(f, AUDIT_ARCH_I386, 15, (uint64_t[6]){0x1000, 0755}), RET_ALLOW);
	assert_int_equal(run_raw(f, AUDIT_ARCH_I386, 15, (uint64_t[6]){0x1000, 04755}), RET_NOTIF);
	assert_int_equal(
		run_raw(f, AUDIT_ARCH_I386, 306, (uint64_t[6]){AT_FDCWD_32, 0x1000, 02755}),
		RET_NOTIF);
	for (size_t i = 0; i < ARRAY_SIZE(abis); i++) {
		enum abi abi = abis[i];
		uint64_t fdcwd = abi == ABI_X86_64 ? AT_FDCWD_64 : AT_FDCWD_32;

		print_message("  %s\n", abi_name(abi));
		assert_int_equal(run_call(f, abi, "chmod", (uint64_t[6]){0x1000, 0755}), RET_ALLOW);
		assert_int_equal(run_call(f, abi, "chmod", (uint64_t[6]){0x1000, 04755}),
				 RET_NOTIF);
		assert_int_equal(run_call(f, abi, "chmod", (uint64_t[6]){0x1000, 02000}),
				 RET_NOTIF);
		assert_int_equal(run_call(f, abi, "chmod", (uint64_t[6]){0x1000, 06000}),
				 RET_NOTIF);
		assert_int_equal(run_call(f, abi, "fchmodat", (uint64_t[6]){fdcwd, 0x1000, 02755}),
				 RET_NOTIF);
		assert_int_equal(run_call(f, abi, "fchmodat", (uint64_t[6]){fdcwd, 0x1000, 0644}),
				 RET_ALLOW);
		/* The mode bits live in a different argument for fchmodat. */
		assert_int_equal(run_call(f, abi, "fchmodat", (uint64_t[6]){fdcwd, 04000, 0644}),
				 RET_ALLOW);
		assert_int_equal(run_call(f, abi, "fchmod", (uint64_t[6]){3, 04700}), RET_NOTIF);
		assert_int_equal(run_call(f, abi, "fchmod", (uint64_t[6]){3, 0700}), RET_ALLOW);
	}
	/* Upper-word garbage does not hide a bit in the low word on x86_64. */
	assert_int_equal(
		run_call(f, ABI_X86_64, "chmod", (uint64_t[6]){0x1000, 0xffffffff000001edULL}),
		RET_ALLOW);
	assert_int_equal(
		run_call(f, ABI_X86_64, "chmod", (uint64_t[6]){0x1000, 0xffffffff000009edULL}),
		RET_NOTIF);
}

static void test_compile_default_deny_notifies_unlisted(void **state)
{
	struct fx *f = *state;

	compile(f, "[sysgate]\ndefault = deny\n[write]\nallow = *\n");
	assert_int_equal(run0(f, ABI_X86_64, "getpid"), RET_NOTIF);
	assert_int_equal(run0(f, ABI_I386, "getpid"), RET_NOTIF);
	assert_int_equal(run0(f, ABI_X32, "getpid"), RET_NOTIF);
	assert_int_equal(run0(f, ABI_X86_64, "mkdir"), RET_NOTIF);
	/* Denying these would only wedge the target in a loop. */
	assert_int_equal(run_raw(f, AUDIT_ARCH_X86_64, 231, NULL), RET_ALLOW); /* exit_group */
	assert_int_equal(run_raw(f, AUDIT_ARCH_I386, 252, NULL), RET_ALLOW);
	assert_int_equal(run0(f, ABI_X86_64, "exit"), RET_ALLOW);
	assert_int_equal(run0(f, ABI_I386, "exit"), RET_ALLOW);
	assert_int_equal(run0(f, ABI_X32, "exit_group"), RET_ALLOW);
	assert_int_equal(run0(f, ABI_X86_64, "rt_sigreturn"), RET_ALLOW);
	assert_int_equal(run0(f, ABI_I386, "sigreturn"), RET_ALLOW);
	/* An unconditional allow costs no notification. */
	assert_int_equal(run0(f, ABI_X86_64, "write"), RET_ALLOW);
	assert_int_equal(run0(f, ABI_I386, "write"), RET_ALLOW);
	assert_int_equal(run0(f, ABI_X32, "write"), RET_ALLOW);
}

static void test_compile_default_log_notifies_unlisted(void **state)
{
	struct fx *f = *state;

	compile(f, "[sysgate]\ndefault = log\n");
	assert_int_equal(run0(f, ABI_X86_64, "getpid"), RET_NOTIF);
	assert_int_equal(run0(f, ABI_I386, "getpid"), RET_NOTIF);
	assert_int_equal(run0(f, ABI_X86_64, "exit_group"), RET_ALLOW);
}

static void test_compile_default_deny_conditional_allow_notifies(void **state)
{
	struct fx *f = *state;

	/* The fall-through is deny: the kernel cannot decide any of it. */
	compile(f, "[sysgate]\ndefault = deny\n[ptrace]\nallow = arg0 == 0\n");
	assert_int_equal(run_call(f, ABI_X86_64, "ptrace", (uint64_t[6]){0}), RET_NOTIF);
	assert_int_equal(run_call(f, ABI_X86_64, "ptrace", (uint64_t[6]){16}), RET_NOTIF);
}

static void test_compile_path_condition_notifies_whole_syscall(void **state)
{
	struct fx *f = *state;
	static const uint64_t argsets[][6] = {
		{0},
		{0x1000, 0755},
		{AT_FDCWD_64, 0x1000, 0700},
		{AT_FDCWD_32, 0, 0},
		{UINT64_MAX, UINT64_MAX, UINT64_MAX},
	};

	compile(f, "[mkdir]\ndeny = path ~ /etc/**\n");
	for (size_t i = 0; i < ARRAY_SIZE(argsets); i++) {
		assert_int_equal(run_call(f, ABI_X86_64, "mkdir", argsets[i]), RET_NOTIF);
		assert_int_equal(run_call(f, ABI_X86_64, "mkdirat", argsets[i]), RET_NOTIF);
		assert_int_equal(run_call(f, ABI_I386, "mkdir", argsets[i]), RET_NOTIF);
		assert_int_equal(run_call(f, ABI_X32, "mkdirat", argsets[i]), RET_NOTIF);
	}
	assert_int_equal(run0(f, ABI_X86_64, "getpid"), RET_ALLOW);

	/* A register condition before it does not let the kernel decide either. */
	compile(f, "[mkdir]\nkill = mode & 04000\ndeny = EACCES path ~ /etc/**\n");
	assert_int_equal(run_call(f, ABI_X86_64, "mkdir", (uint64_t[6]){0x1000, 0755}), RET_NOTIF);

	/* Nor does an exe condition. */
	compile(f, "[ptrace]\ndeny = exe ~ /usr/bin/gdb\n");
	assert_int_equal(run_call(f, ABI_X86_64, "ptrace", (uint64_t[6]){0}), RET_NOTIF);
}

static void test_compile_arg_condition_splits_in_kernel(void **state)
{
	struct fx *f = *state;

	compile(f, "[ptrace]\ndeny = arg0 == 16\n");
	assert_int_equal(run_call(f, ABI_X86_64, "ptrace", (uint64_t[6]){16}), RET_NOTIF);
	assert_int_equal(run_call(f, ABI_X86_64, "ptrace", (uint64_t[6]){0}), RET_ALLOW);
	/* 64-bit compare on x86_64: a high word makes it another value. */
	assert_int_equal(run_call(f, ABI_X86_64, "ptrace", (uint64_t[6]){0x100000010ULL}),
			 RET_ALLOW);
	assert_int_equal(run_call(f, ABI_I386, "ptrace", (uint64_t[6]){16}), RET_NOTIF);
	assert_int_equal(run_call(f, ABI_I386, "ptrace", (uint64_t[6]){17}), RET_ALLOW);
	/* 32-bit compare on x32, as the matcher does with abi32. */
	assert_int_equal(run_call(f, ABI_X32, "ptrace", (uint64_t[6]){16}), RET_NOTIF);
	assert_int_equal(run_call(f, ABI_X32, "ptrace", (uint64_t[6]){0x100000010ULL}), RET_NOTIF);

	/* -100 is AT_FDCWD as a 64-bit value, and its low 32 bits on i386. */
	compile(f, "[mkdirat]\ndeny = arg0 == -100\n");
	assert_int_equal(run_call(f, ABI_X86_64, "mkdirat", (uint64_t[6]){AT_FDCWD_64}), RET_NOTIF);
	assert_int_equal(run_call(f, ABI_X86_64, "mkdirat", (uint64_t[6]){AT_FDCWD_32}), RET_ALLOW);
	assert_int_equal(run_call(f, ABI_I386, "mkdirat", (uint64_t[6]){AT_FDCWD_32}), RET_NOTIF);
	assert_int_equal(run_call(f, ABI_X86_64, "mkdirat", (uint64_t[6]){3}), RET_ALLOW);

	/* A named int argument is compared as 32 bits: dirfd == AT_FDCWD holds
	 * for either sign extension. Such rules are decided by the supervisor
	 * (policy_arg_compare), so every mkdirat is notified. */
	compile(f, "[mkdirat]\ndeny = dirfd == AT_FDCWD\n");
	assert_int_equal(run_call(f, ABI_X86_64, "mkdirat", (uint64_t[6]){AT_FDCWD_32}), RET_NOTIF);
	assert_int_equal(run_call(f, ABI_X86_64, "mkdirat", (uint64_t[6]){3}), RET_NOTIF);

	/* An earlier allow does not hide a later deny from the kernel's view. */
	compile(f, "[ptrace]\nallow = arg0 == 0\ndeny = arg0 == 16\n");
	assert_int_equal(run_call(f, ABI_X86_64, "ptrace", (uint64_t[6]){16}), RET_NOTIF);
	assert_int_equal(run_call(f, ABI_X86_64, "ptrace", (uint64_t[6]){17}), RET_ALLOW);

	/* '&' over several bits is "any of them". */
	compile(f, "[ptrace]\ndeny = arg0 & 0x5\n");
	assert_int_equal(run_call(f, ABI_X86_64, "ptrace", (uint64_t[6]){4}), RET_NOTIF);
	assert_int_equal(run_call(f, ABI_X86_64, "ptrace", (uint64_t[6]){1}), RET_NOTIF);
	assert_int_equal(run_call(f, ABI_X86_64, "ptrace", (uint64_t[6]){2}), RET_ALLOW);

	/* What libseccomp cannot be trusted with stays out of the kernel:
	 * range comparisons, several conditions in a rule, several arguments
	 * in a section. Those calls are all notified. */
	compile(f, "[ptrace]\ndeny = arg0 < 17\n");
	assert_int_equal(run_call(f, ABI_X86_64, "ptrace", (uint64_t[6]){17}), RET_NOTIF);
	compile(f, "[ptrace]\ndeny = arg0 & 0x5 and arg1 > 0x800\n");
	assert_int_equal(run_call(f, ABI_X86_64, "ptrace", (uint64_t[6]){2, 0x801}), RET_NOTIF);
	compile(f, "[ptrace]\ndeny = arg0 == 1\nkill = arg1 == 2\n");
	assert_int_equal(run_call(f, ABI_X86_64, "ptrace", (uint64_t[6]){0, 0}), RET_NOTIF);
}

/*
 * A libseccomp bug sysgate works around (compile.c keeps such sections out
 * of the kernel): libseccomp 2.5.4 (Debian 12) emits BPF that tests a condition against a
 * stale accumulator: after loading one argument for a rule it jumps into
 * code shared with another rule that expects a different argument in A. A
 * call the policy denies or kills is then ALLOWed in the kernel and the
 * supervisor never sees it. It happens on x86_64, i386 and x32, as soon as
 * two non-allow rules of a section compare different arguments.
 */
static void test_compile_later_rule_sees_its_own_argument(void **state)
{
	struct fx *f = *state;

	/* x86_64: mkdir(2, 0, 6) matches the second rule. The filter tests
	 * "arg0 > 1" against arg2 & 16 (0) and allows it. */
	compile(f, "[=mkdir]\ndeny = arg0 < 5 and arg2 & 16\ndeny = arg0 > 1 and arg2 > "
		   "5\n[mkdirat]\ndeny = arg0 < 5 and arg2 & 16\ndeny = arg0 > 1 and arg2 > 5\n");
	assert_int_equal(run_call(f, ABI_X86_64, "mkdir", (uint64_t[6]){2, 0, 6}), RET_NOTIF);
	assert_int_equal(run_call(f, ABI_X86_64, "mkdirat", (uint64_t[6]){2, 0, 6}), RET_NOTIF);

	/* i386 and x32: ptrace(0, 0, 7, 0x40) is killed by the first rule; the
	 * filter compares arg3 (0x40) with 0100 instead of arg2. */
	compile(f, "[ptrace]\nkill = arg2 < 0100\nkill = arg3 == 0x800 and arg2 != 5\n");
	assert_int_equal(run_call(f, ABI_X86_64, "ptrace", (uint64_t[6]){0, 0, 7, 0x40}),
			 RET_NOTIF);
	assert_int_equal(run_call(f, ABI_I386, "ptrace", (uint64_t[6]){0, 0, 7, 0x40}), RET_NOTIF);
	assert_int_equal(run_call(f, ABI_X32, "ptrace", (uint64_t[6]){0, 0, 7, 0x40}), RET_NOTIF);
}

/* policy_compile in a child with a deadline: 1 if it returned, 0 if not. */
static int compile_in_child(const struct policy *p, unsigned seconds)
{
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (pid == 0) {
		struct policy_filter filter = {0};

		alarm(seconds);
		_exit(policy_compile(p, &filter) < 0 ? 1 : 0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return !(WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM);
}

/*
 * A libseccomp hang sysgate works around (compile.c never hands it such
 * rules): libseccomp 2.5.4 never returns from seccomp_rule_add_array() for the second
 * of two rules that share a multi-instruction comparison (>, <, !=) and
 * compare another argument with values that differ only in the high word.
 * '&' over high-word bits expands into exactly such rules. sysgate would hang
 * at startup on these valid policies.
 */
static void test_compile_terminates_on_high_word_comparisons(void **state)
{
	struct fx *f = *state;
	static const char *const texts[] = {
		"[ptrace]\ndeny = arg0 > 5 and arg1 == 0x100000000\n"
		"deny = arg0 > 5 and arg1 == 0x200000000\n",
		"[ptrace]\nlog = arg0 < 5 and arg2 & 0x300000000\n",
	};

	for (size_t i = 0; i < ARRAY_SIZE(texts); i++) {
		fx_reset(f);
		assert_int_equal(policy_load_string("t.ini", texts[i], &f->p, &f->d), 0);
		if (!compile_in_child(f->p, 5))
			fail_msg("policy_compile does not return for:\n%s", texts[i]);
	}
}

/*
 * The interpreter agrees with the kernel: the compiled filter, with
 * USER_NOTIF turned into ERRNO(77), is installed in a child, which makes the
 * calls for real (x86_64 only; skipped where seccomp is unavailable).
 */
static void test_compile_interpreter_agrees_with_kernel(void **state)
{
	struct fx *f = *state;
	static const uint64_t argsets[][3] = {
		{2, 0, 6},
		{2, 0, 16},
		{0, 0, 0},
		{7, 0, 0},
		{1, 0, 0x100000006ULL},
		{0x100000000ULL, 0, 17},
	};
	char want[ARRAY_SIZE(argsets)], out[ARRAY_SIZE(argsets)];
	struct sock_filter *insns;
	int fds[2], status;
	ssize_t n;
	pid_t pid;

	compile(f, "[=mkdir]\ndeny = arg0 < 5 and arg2 & 16\ndeny = arg0 > 1 and arg2 > "
		   "5\n[mkdirat]\ndeny = arg0 < 5 and arg2 & 16\ndeny = arg0 > 1 and arg2 > 5\n");
	for (size_t i = 0; i < ARRAY_SIZE(argsets); i++) {
		uint64_t a[6] = {argsets[i][0], argsets[i][1], argsets[i][2]};

		want[i] = run_raw(f, AUDIT_ARCH_X86_64, 83, a) == RET_NOTIF ? 'n' : 'a';
	}
	insns = f->f.insns;
	for (size_t i = 0; i < f->f.len; i++)
		if (insns[i].code == (BPF_RET | BPF_K) && insns[i].k == RET_NOTIF)
			insns[i].k = SECCOMP_RET_ERRNO | 77;
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct sock_fprog prog = {.len = (unsigned short)f->f.len, .filter = insns};

		close(fds[0]);
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
		    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
			_exit(77);
		for (size_t i = 0; i < ARRAY_SIZE(argsets); i++) {
			/* Bad pointers: a call the kernel runs fails with EFAULT. */
			long r = syscall(SYS_mkdir, argsets[i][0], argsets[i][1], argsets[i][2]);

			out[i] = r < 0 && errno == 77 ? 'n' : 'a';
		}
		if (write(fds[1], out, sizeof(out)) != (ssize_t)sizeof(out))
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	n = read(fds[0], out, sizeof(out));
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77) {
		print_message("  seccomp unavailable here, skipped\n");
		skip();
	}
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(n, (ssize_t)sizeof(out));
	for (size_t i = 0; i < ARRAY_SIZE(argsets); i++)
		if (out[i] != want[i])
			fail_msg("mkdir(%#" PRIx64 ", %#" PRIx64 ", %#" PRIx64 "): kernel %c, "
				 "interpreter %c",
				 argsets[i][0], argsets[i][1], argsets[i][2], out[i], want[i]);
}

static void test_compile_foreign_arch_is_killed(void **state)
{
	struct fx *f = *state;
	static const uint32_t arches[] = {
		AUDIT_ARCH_AARCH64, AUDIT_ARCH_ARM,   AUDIT_ARCH_RISCV64,
		AUDIT_ARCH_PPC64LE, AUDIT_ARCH_S390X, 0,
	};
	static const int nrs[] = {0, 39, 83, 231, 258};

	compile(f, "[mkdir]\ndeny = *\n");
	for (size_t i = 0; i < ARRAY_SIZE(arches); i++)
		for (size_t j = 0; j < ARRAY_SIZE(nrs); j++)
			assert_int_equal(run_raw(f, arches[i], nrs[j], NULL), RET_KILL_PROCESS);
	compile(f, "[sysgate]\ndefault = deny\n");
	assert_int_equal(run_raw(f, AUDIT_ARCH_AARCH64, 93, NULL), RET_KILL_PROCESS); /* exit */
	compile(f, "");
	assert_int_equal(run_raw(f, AUDIT_ARCH_AARCH64, 172, NULL), RET_KILL_PROCESS);
}

static void test_compile_default_policy(void **state)
{
	struct fx *f = *state;

	fx_reset(f);
	assert_int_equal(policy_load_default(&f->p, &f->d), 0);
	assert_int_equal(policy_compile(f->p, &f->f), 0);
	assert_int_equal(run_raw(f, AUDIT_ARCH_AARCH64, 39, NULL), RET_KILL_PROCESS);
	assert_int_equal(run0(f, ABI_X86_64, "getpid"), RET_ALLOW);
	assert_int_equal(run0(f, ABI_X86_64, "read"), RET_ALLOW);
}

/* ---- The property: never ALLOW in the kernel what the matcher would not ---- */

static uint64_t rng_state;

static uint64_t rng(void)
{
	/* splitmix64 */
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned pick(unsigned n)
{
	return (unsigned)(rng() % n);
}

static const char *const value_texts[] = {
	"0",
	"1",
	"2",
	"5",
	"0x800",
	"0xffffffff",
	"-100",
	"0x10000000000",
	"0x80000000",
	"0x100000005",
	"0xffffffffffffffff",
	"0x7fffffff",
	"16",
	"0100",
};

static const uint64_t interesting[] = {
	0,
	1,
	2,
	4,
	5,
	6,
	16,
	0x7ff,
	0x800,
	0x801,
	0x7fffffff,
	0x80000000,
	0xfffffffe,
	0xffffffff,
	0x100000000ULL,
	0x100000005ULL,
	1ULL << 40,
	(1ULL << 40) + 1,
	(uint64_t)-100,
	(uint64_t)(uint32_t)-100,
	UINT64_MAX,
	UINT64_MAX - 1,
	0755,
	04755,
	02000,
	06000,
	07777,
	0100,
	0x8000000000000000ULL,
};

static const char *const mode_texts[] = {"06000", "04000", "02000", "0777",
					 "01",	  "07777", "0100",  "0222"};

/* The start of a rule: the decision, and for some denials an errno. */
static const char *const decision_texts[] = {
	"allow = ",	  "deny = ",	     "kill = ",	    "log = ",
	"deny = EACCES ", "errno = ENOENT ", "continue = ",
};

static const char *const op_texts[] = {"==", "!=", "<", "<=", ">", ">=", "&"};

/* A section name, whether its syscalls all take a mode, whether argN may be
 * used (one syscall, or a family whose members agree), and argument names
 * every member has. */
struct gen_section {
	const char *name;
	bool has_mode;
	bool raw;
	const char *names[3];
};

/* Groups of mutually overlapping sections: at most one of each is written. */
static const struct gen_section gen_groups[][2] = {
	{{"ptrace", false, true, {"request", "pid"}}, {"ptrace", false, true, {"request"}}},
	{{"chmod", true, false, {"mode"}}, {"fchmodat", true, true, {"dirfd", "mode"}}},
	{{"mkdir", true, false, {"mode"}}, {"mkdirat", true, true, {"dirfd", "mode"}}},
};

/* Values for named arguments (a mode is octal) and their operators. */
static const char *const named_value_texts[] = {
	"0", "1", "2", "5", "0100", "0777", "04000", "-1", "-100", "AT_FDCWD", "S_ISUID|S_ISGID"};
static const char *const named_op_texts[] = {"==", "!=", "<",  "<=",	    ">",
					     ">=", "&",	 "!&", "& 07777 =="};

/* The calls tried: every member of the sections above, and two outsiders. */
static const char *const call_names[] = {
	"ptrace", "chmod",   "fchmod", "fchmodat",	 "fchmodat2",
	"mkdir",  "mkdirat", "getpid", "io_uring_setup",
};

static void append(char *buf, size_t size, size_t *len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void append(char *buf, size_t size, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf + *len, size - *len, fmt, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < size - *len);
	*len += (size_t)n;
}

static void gen_policy(char *buf, size_t size)
{
	static const char *const defaults[] = {"allow", "allow", "allow", "deny", "log"};
	size_t len = 0;

	buf[0] = '\0';
	append(buf, size, &len, "[sysgate]\ndefault = %s\n", defaults[pick(ARRAY_SIZE(defaults))]);
	for (size_t g = 0; g < ARRAY_SIZE(gen_groups); g++) {
		const struct gen_section *s = &gen_groups[g][pick(2)];
		unsigned n_rules = 1 + pick(4);

		if (pick(4) == 0)
			continue;
		append(buf, size, &len, "[%s]\n", s->name);
		for (unsigned r = 0; r < n_rules; r++) {
			unsigned n_conds = 1 + pick(3);

			append(buf, size, &len, "%s",
			       decision_texts[pick(ARRAY_SIZE(decision_texts))]);
			if (pick(6) == 0) {
				append(buf, size, &len, "*\n");
				continue;
			}
			for (unsigned c = 0; c < n_conds; c++) {
				if (c)
					append(buf, size, &len, " and ");
				unsigned n_names = 0;

				while (n_names < 3 && s->names[n_names])
					n_names++;
				if (pick(5) == 0)
					append(buf, size, &len, "abi %s %s",
					       pick(2) ? "==" : "!=", abi_name((enum abi)pick(3)));
				else if (s->has_mode && pick(3) == 0)
					append(buf, size, &len, "mode & %s",
					       mode_texts[pick(ARRAY_SIZE(mode_texts))]);
				else if (s->raw && pick(2) == 0)
					append(buf, size, &len, "arg%u %s %s", pick(4),
					       op_texts[pick(ARRAY_SIZE(op_texts))],
					       value_texts[pick(ARRAY_SIZE(value_texts))]);
				else {
					unsigned op = pick(ARRAY_SIZE(named_op_texts));
					/* bit tests take bits; a masked value fits its mask */
					unsigned v = op < 6   ? pick(ARRAY_SIZE(named_value_texts))
						     : op < 8 ? 1 + pick(6)
							      : pick(7);

					append(buf, size, &len, "%s %s %s", s->names[pick(n_names)],
					       named_op_texts[op], named_value_texts[v]);
				}
			}
			append(buf, size, &len, "\n");
		}
	}
}

static uint64_t gen_arg(void)
{
	uint64_t v = interesting[pick(ARRAY_SIZE(interesting))];

	switch (pick(6)) {
	case 0:
		return rng();
	case 1:
		return v | (rng() & 0xffffffff00000000ULL); /* garbage in the high word */
	case 2:
		return v + 1;
	case 3:
		return v - 1;
	default:
		return v;
	}
}

static bool always_allowed(const char *name)
{
	return !strcmp(name, "exit") || !strcmp(name, "exit_group") ||
	       !strcmp(name, "rt_sigreturn") || !strcmp(name, "sigreturn");
}

struct stats {
	unsigned policies, refused, hung, calls, notified, allowed, allowed_conditional;
	unsigned unsound[3]; /* by enum abi */
	unsigned unsound_policies, not_in_kernel;
};

static bool unconditional_allow_first(const struct section *s)
{
	return s->n_rules && s->rules[0].kind == DECISION_ALLOW && s->rules[0].n_conds == 1 &&
	       s->rules[0].conds[0].kind == COND_ANY;
}

static void report(const char *what, const char *text, enum abi abi, const struct call *c, int nr,
		   const struct decision *dec, uint32_t ret)
{
	print_message("%s: policy:\n%s", what, text);
	print_message("call: %s %s (nr %#x) args %#" PRIx64 " %#" PRIx64 " %#" PRIx64 " %#" PRIx64
		      " %#" PRIx64 " %#" PRIx64 "\n",
		      abi_name(abi), c->syscall, (unsigned)nr, c->args[0], c->args[1], c->args[2],
		      c->args[3], c->args[4], c->args[5]);
	print_message("decide: %s (rule on line %u); filter: 0x%08" PRIx32 "\n\n",
		      policy_decision_name(dec->kind), dec->rule ? dec->rule->line : 0, ret);
}

/* Try n_calls random calls on the compiled policy; record what goes wrong. */
static void check_calls(const struct fx *f, const char *text, unsigned n_calls, struct stats *st)
{
	static const enum abi abis[] = {ABI_X86_64, ABI_I386, ABI_X32};
	bool reported = false;

	for (unsigned i = 0; i < n_calls; i++) {
		const char *name = call_names[pick(ARRAY_SIZE(call_names))];
		enum abi abi = abis[pick(ARRAY_SIZE(abis))];
		const struct section *s = policy_section_for(f->p, name);
		struct call c = {.syscall = name, .shape = policy_syscall_shape(name)};
		int nr = abi_nr(abi, name);
		struct decision dec;
		bool must_allow;
		uint32_t ret;

		if (nr < 0)
			continue; /* not on this ABI, or unknown to this libseccomp */
		/* The kernel zero-extends i386's 32-bit registers; x32 passes
		 * full 64-bit registers, garbage in the high words included. */
		for (int k = 0; k < 6; k++)
			c.args[k] = abi == ABI_I386 ? (uint32_t)gen_arg() : gen_arg();
		c.abi32 = abi != ABI_X86_64;
		c.i386 = abi == ABI_I386;
		c.path = "/tmp/x";
		c.exe = "/usr/bin/true";
		dec = policy_decide(f->p, s, &c);
		ret = run_raw(f, abi_audit_arch(abi), nr, c.args);
		st->calls++;

		if (ret != RET_ALLOW && ret != RET_NOTIF) {
			report("UNEXPECTED ACTION", text, abi, &c, nr, &dec, ret);
			fail();
		}
		if (ret == RET_NOTIF) {
			st->notified++;
		} else {
			st->allowed++;
			if (s && s->n_rules && !unconditional_allow_first(s))
				st->allowed_conditional++;
		}

		if (dec.kind != DECISION_ALLOW && ret == RET_ALLOW && !always_allowed(name)) {
			st->unsound[abi]++;
			if (!reported)
				st->unsound_policies++;
			if (!reported && st->unsound_policies <= 5)
				report("UNSOUND", text, abi, &c, nr, &dec, ret);
			reported = true;
		}
		/* What must stay in the kernel: a call no section covers under a
		 * default allow, or one whose section starts with "allow = *". */
		must_allow = s ? unconditional_allow_first(s) : f->p->dflt.kind == DECISION_ALLOW;
		if (must_allow && ret != RET_ALLOW) {
			if (st->not_in_kernel++ < 5)
				report("NOT DECIDED IN THE KERNEL", text, abi, &c, nr, &dec, ret);
		}
	}
}

static void test_compile_never_allows_what_matcher_refuses(void **state)
{
	struct fx *f = *state;
	struct stats st = {0};
	char text[4096];

	rng_state = 0x5eed5eed2024ULL;
	for (unsigned it = 0; it < 2000; it++) {
		int r;

		gen_policy(text, sizeof(text));
		fx_reset(f);
		st.policies++;
		if (policy_load_string("t.ini", text, &f->p, &f->d) < 0) {
			if (getenv("SG_SHOW_REFUSED") && f->d.n)
				print_message("refused: %s\n", f->d.v[0].msg);
			st.refused++;
			continue;
		}
		/* See test_compile_terminates_on_high_word_comparisons. */
		if (!compile_in_child(f->p, 1)) {
			if (st.hung++ < 3)
				print_message("  policy_compile does not return (libseccomp):\n%s",
					      text);
			continue;
		}
		r = policy_compile(f->p, &f->f);
		if (r < 0) {
			print_message("policy_compile: %s\npolicy:\n%s", strerror(-r), text);
			fail();
		}
		check_calls(f, text, 200, &st);
	}
	print_message(
		"  %u policies (%u refused by the loader, %u not compiled in time), %u calls: "
		"%u allowed in the kernel (%u of them under conditional rules), %u notified\n",
		st.policies, st.refused, st.hung, st.calls, st.allowed, st.allowed_conditional,
		st.notified);
	print_message("  unsound calls: x86_64 %u, i386 %u, x32 %u, in %u policies\n",
		      st.unsound[ABI_X86_64], st.unsound[ABI_I386], st.unsound[ABI_X32],
		      st.unsound_policies);
	assert_int_equal(st.unsound_policies, 0);
	assert_int_equal(st.not_in_kernel, 0);
	assert_true(st.refused < st.policies / 10);
	assert_true(st.allowed > 0);
	assert_true(st.allowed_conditional > 0);
	assert_true(st.notified > 0);
}

/* ---- Other doors: i386's multiplexers, newer syscalls, a family's reach ---- */

#define NR32_SOCKETCALL 102
#define NR32_IPC 117

/* socketcall's arguments are in memory: whatever it carries, notified whole. */
static void test_compile_socketcall_notified_when_carried_call_supervised(void **state)
{
	struct fx *f = *state;
	uint64_t a[6] = {3, 0x10000};

	compile(f, "[connect]\ndeny = *\n");
	assert_int_equal(run_raw(f, AUDIT_ARCH_I386, NR32_SOCKETCALL, a), RET_NOTIF);
	a[0] = 1; /* SYS_SOCKET: decided by the supervisor too (the default) */
	assert_int_equal(run_raw(f, AUDIT_ARCH_I386, NR32_SOCKETCALL, a), RET_NOTIF);
	assert_int_equal(run_raw(f, AUDIT_ARCH_I386, 362 /* connect */, NULL), RET_NOTIF);
	assert_int_equal(run_raw(f, AUDIT_ARCH_I386, NR32_IPC, NULL), RET_ALLOW);

	compile(f, "[shmget]\ndeny = EACCES *\n");
	a[0] = 23;
	assert_int_equal(run_raw(f, AUDIT_ARCH_I386, NR32_IPC, a), RET_NOTIF);
	assert_int_equal(run_raw(f, AUDIT_ARCH_I386, NR32_SOCKETCALL, a), RET_ALLOW);
	assert_int_equal(run0(f, ABI_X86_64, "shmget"), RET_NOTIF);

	/* A register test on the carried call cannot be made on socketcall,
	 * whose second argument is a pointer: notified whatever it holds. */
	compile(f, "[socket]\ndeny = arg0 == 16\n");
	for (uint64_t v = 0; v < 32; v++) {
		a[0] = 1;
		a[1] = v;
		assert_int_equal(run_raw(f, AUDIT_ARCH_I386, NR32_SOCKETCALL, a), RET_NOTIF);
	}

	/* Carried calls allowed by the kernel leave it in the kernel. */
	compile(f, "[connect]\nallow = *\n[semop]\nallow = *\n");
	assert_int_equal(run_raw(f, AUDIT_ARCH_I386, NR32_SOCKETCALL, a), RET_ALLOW);
	assert_int_equal(run_raw(f, AUDIT_ARCH_I386, NR32_IPC, a), RET_ALLOW);

	/* A [socketcall] section of its own does not let a carried [connect]
	 * through the kernel. */
	compile(f, "[sysgate]\ndefault = deny\n[socketcall]\nallow = *\n[connect]\ndeny = *\n");
	a[0] = 3;
	assert_int_equal(run_raw(f, AUDIT_ARCH_I386, NR32_SOCKETCALL, a), RET_NOTIF);
}

static void test_compile_newer_syscalls_in_prelude(void **state)
{
	struct fx *f = *state;

	fx_reset(f);
	assert_int_equal(policy_load_default(&f->p, &f->d), 0);
	assert_int_equal(policy_compile(f->p, &f->f), 0);
	/* open_tree_attr (mount's reach), setxattrat (setxattr's), on every ABI */
	for (int nr = 463; nr <= 467; nr += 4) {
		assert_int_equal(run_raw(f, AUDIT_ARCH_X86_64, nr, NULL), RET_NOTIF);
		assert_int_equal(run_raw(f, AUDIT_ARCH_I386, nr, NULL), RET_NOTIF);
		assert_int_equal(run_raw(f, AUDIT_ARCH_X86_64, nr | (int)X32_BIT, NULL), RET_NOTIF);
		assert_int_equal(run_raw(f, AUDIT_ARCH_AARCH64, nr, NULL), RET_KILL_PROCESS);
	}
	/* mseal and statmount reach nothing supervised: the default */
	assert_int_equal(run_raw(f, AUDIT_ARCH_X86_64, 462, NULL), RET_ALLOW);
	assert_int_equal(run_raw(f, AUDIT_ARCH_I386, 457, NULL), RET_ALLOW);
	/* and the rest of the program is untouched */
	assert_int_equal(run0(f, ABI_X86_64, "getpid"), RET_ALLOW);
	assert_int_equal(run0(f, ABI_I386, "mount"), RET_NOTIF);

	/* A section may name one; its plain action is taken in the kernel. */
	compile(f, "[sysgate]\ndefault = deny\n[mseal]\nallow = *\n");
	assert_int_equal(run_raw(f, AUDIT_ARCH_X86_64, 462, NULL), RET_ALLOW);
	assert_int_equal(run_raw(f, AUDIT_ARCH_I386, 462, NULL), RET_ALLOW);
	assert_int_equal(run_raw(f, AUDIT_ARCH_X86_64, 462 | (int)X32_BIT, NULL), RET_ALLOW);
	assert_int_equal(run_raw(f, AUDIT_ARCH_X86_64, 467, NULL), RET_NOTIF);
	assert_int_equal(run_raw(f, AUDIT_ARCH_X86_64, 499, NULL), RET_NOTIF);
	compile(f, "[mseal]\ndeny = *\n");
	assert_int_equal(run_raw(f, AUDIT_ARCH_X86_64, 462, NULL), RET_NOTIF);
	assert_int_equal(run_raw(f, AUDIT_ARCH_X86_64, 467, NULL), RET_ALLOW);
}

static void test_compile_open_by_handle_at_notified_under_open(void **state)
{
	struct fx *f = *state;

	compile(f, "[open]\ndeny = path ~ /x/**\nallow = *\n");
	assert_int_equal(run0(f, ABI_X86_64, "open_by_handle_at"), RET_NOTIF);
	assert_int_equal(run0(f, ABI_I386, "open_by_handle_at"), RET_NOTIF);
	compile(f, "[open]\nallow = *\n");
	assert_int_equal(run0(f, ABI_X86_64, "open_by_handle_at"), RET_ALLOW);
	compile(f, "[open]\ndeny = path ~ /x/**\n[open_by_handle_at]\nallow = *\n");
	assert_int_equal(run0(f, ABI_X86_64, "open_by_handle_at"), RET_ALLOW);
}

/* ---- Always denied: TIOCSTI and TIOCLINUX (compile.c, tty_deny_prefix) ---- */

#ifndef TIOCSTI
#define TIOCSTI 0x5412
#endif
#ifndef TIOCLINUX
#define TIOCLINUX 0x541C
#endif
#define RET_EPERM (SECCOMP_RET_ERRNO | EPERM)

/* The full 32-bit return value (action and data) of a raw call. */
static uint32_t run_full(const struct fx *f, uint32_t arch, int nr, const uint64_t args[6])
{
	struct seccomp_data d = {.nr = nr, .arch = arch, .instruction_pointer = 0x401000};

	memcpy(d.args, args, sizeof(d.args));
	return bpf_run(f->f.insns, f->f.len, &d);
}

/*
 * Policies that say every possible thing about ioctl, TIOCSTI included. Each
 * must still get EPERM for ioctl(fd, TIOCSTI) and ioctl(fd, TIOCLINUX).
 */
static const char *const tty_policies[] = {
	"",
	"[ioctl]\nallow = *\n",
	"[ioctl]\nallow = arg1 == 0x5412\n",
	"[ioctl]\nallow = arg1 == 0x5412\ndeny = *\n",
	"[ioctl]\nallow = arg1 == 0x5412\nallow = arg1 == 0x541c\n",
	"[ioctl]\ndeny = arg0 == 0\nallow = *\n",
	"[ioctl]\nlog = arg1 & 0x5412\n",
	"[ioctl]\nkill = arg1 == 0x5412\n",
	"[ioctl]\ndeny = EACCES *\n",
	"[ioctl]\nlog = *\n",
	"[sysgate]\ndefault = deny\n",
	"[sysgate]\ndefault = deny\n[ioctl]\nallow = *\n",
	"[sysgate]\ndefault = log\n",
	"[sysgate]\nmode = complain\ndefault = deny\n[ioctl]\nallow = arg1 == 0x5412\n",
	"[ioctl]\nallow = arg0 == 0 and arg1 == 0x5412\nkill = arg2 > 5\n",
};

/* ioctl's number on each ABI, from libseccomp, as the prefix hard-codes it. */
static void test_compile_tty_ioctl_numbers(void **state)
{
	(void)state;
	assert_int_equal(abi_nr(ABI_X86_64, "ioctl"), 16);
	assert_int_equal(abi_nr(ABI_I386, "ioctl"), 54);
	assert_int_equal(abi_nr(ABI_X32, "ioctl"), (int)(X32_BIT | 514));
	assert_int_equal(TIOCSTI, 0x5412);
	assert_int_equal(TIOCLINUX, 0x541c);
}

static void test_compile_tty_inject_denied_whatever_the_policy(void **state)
{
	struct fx *f = *state;
	/* (arch, nr) pairs that reach ioctl, or did on older kernels. */
	static const struct {
		uint32_t arch;
		int nr;
	} doors[] = {
		{AUDIT_ARCH_X86_64, 16},
		{AUDIT_ARCH_X86_64, (int)(X32_BIT | 514)},
		{AUDIT_ARCH_X86_64, (int)(X32_BIT | 16)},
		{AUDIT_ARCH_X86_64, 514},
		{AUDIT_ARCH_I386, 54},
	};
	/* ioctl's cmd is an unsigned int: the kernel drops the high word, so
	 * garbage there is the same command (i386 registers have none). */
	static const uint64_t cmds[] = {
		TIOCSTI,
		TIOCLINUX,
		0xffffffff00005412ULL,
		0x100005412ULL,
		0x800000000000541cULL,
		0xdeadbeef0000541cULL,
	};
	static const uint64_t fds[] = {0, 1, 3, 0xffffffffULL, 0xffffffff00000000ULL};

	for (size_t p = 0; p < ARRAY_SIZE(tty_policies); p++) {
		compile(f, tty_policies[p]);
		for (size_t d = 0; d < ARRAY_SIZE(doors); d++)
			for (size_t c = 0; c < ARRAY_SIZE(cmds); c++)
				for (size_t k = 0; k < ARRAY_SIZE(fds); k++) {
					uint64_t a[6] = {fds[k], cmds[c], 0x7ffc0000};
					uint32_t ret;

					if (doors[d].arch == AUDIT_ARCH_I386) {
						a[0] = (uint32_t)a[0];
						a[1] = (uint32_t)a[1];
					}
					ret = run_full(f, doors[d].arch, doors[d].nr, a);
					if (ret != RET_EPERM)
						fail_msg(
							"policy:\n%sarch %#x nr %#x ioctl(%#" PRIx64
							", %#" PRIx64 "): %#" PRIx32
							", not ERRNO(EPERM)",
							tty_policies[p], doors[d].arch,
							(unsigned)doors[d].nr, a[0], a[1], ret);
				}
	}
}

/* Other commands, and TIOCSTI's value in another argument or another
 * syscall, are the policy's to decide: the prefix does not touch them. */
static void test_compile_tty_prefix_leaves_the_rest_to_the_policy(void **state)
{
	struct fx *f = *state;
	static const uint64_t others[] = {0x5411, 0x5413, 0x15412, 0x5412 << 8,
					  0x541b, 0x541d, 0x5401 /* TCGETS */};
	static const enum abi abis[] = {ABI_X86_64, ABI_I386, ABI_X32};

	compile(f, "[ioctl]\nallow = *\n");
	for (size_t i = 0; i < ARRAY_SIZE(abis); i++) {
		print_message("  %s\n", abi_name(abis[i]));
		for (size_t k = 0; k < ARRAY_SIZE(others); k++)
			assert_int_equal(run_call(f, abis[i], "ioctl", (uint64_t[6]){0, others[k]}),
					 RET_ALLOW);
		assert_int_equal(run_call(f, abis[i], "ioctl", (uint64_t[6]){TIOCSTI, 0}),
				 RET_ALLOW);
		assert_int_equal(run_call(f, abis[i], "ioctl", (uint64_t[6]){0, 0, TIOCSTI}),
				 RET_ALLOW);
		assert_int_equal(run_call(f, abis[i], "write", (uint64_t[6]){0, TIOCSTI}),
				 RET_ALLOW);
		assert_int_equal(run_call(f, abis[i], "getpid", (uint64_t[6]){0, TIOCLINUX}),
				 RET_ALLOW);
	}
	/* The policy's own ioctl rules still decide everything else. */
	compile(f, "[ioctl]\ndeny = arg1 == 0x5401\nallow = *\n");
	assert_int_equal(run_call(f, ABI_X86_64, "ioctl", (uint64_t[6]){0, 0x5401}), RET_NOTIF);
	assert_int_equal(run_call(f, ABI_I386, "ioctl", (uint64_t[6]){0, 0x5401}), RET_NOTIF);
	assert_int_equal(run_call(f, ABI_X86_64, "ioctl", (uint64_t[6]){0, 0x5402}), RET_ALLOW);
	compile(f, "[sysgate]\ndefault = deny\n");
	assert_int_equal(run_call(f, ABI_X86_64, "ioctl", (uint64_t[6]){0, 0x5401}), RET_NOTIF);
	assert_int_equal(run_call(f, ABI_X32, "ioctl", (uint64_t[6]){0, 0x5413}), RET_NOTIF);
	/* Foreign architectures are still killed, ioctl's numbers or not. */
	assert_int_equal(run_raw(f, AUDIT_ARCH_AARCH64, 29, (uint64_t[6]){0, TIOCSTI}),
			 RET_KILL_PROCESS);
	assert_int_equal(run_raw(f, AUDIT_ARCH_ARM, 54, (uint64_t[6]){0, TIOCSTI}),
			 RET_KILL_PROCESS);
	/* libseccomp's program follows, and starts by loading what it tests:
	 * it depends on nothing the prefix leaves in A. */
	assert_int_equal(((const struct sock_filter *)f->f.insns)[14].code,
			 BPF_LD | BPF_W | BPF_ABS);
}

/* The kernel's side: without a filter, ioctl(tty, 0xffffffff00005412) is
 * TIOCSTI (the high word is dropped); under the compiled filter it is EPERM
 * and nothing reaches the terminal. Skipped where TIOCSTI is unavailable. */
static void test_compile_tty_kernel_truncates_cmd(void **state)
{
	struct fx *f = *state;
	int m, s, fds[2], status;
	char c = 'x', out[3] = {0};
	struct termios t;
	pid_t pid;

	compile(f, "[ioctl]\nallow = arg1 == 0x5412\n");
	m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	assert_true(m >= 0);
	assert_int_equal(grantpt(m), 0);
	assert_int_equal(unlockpt(m), 0);
	s = open(ptsname(m), O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
	assert_true(s >= 0);
	assert_int_equal(tcgetattr(s, &t), 0);
	cfmakeraw(&t);
	assert_int_equal(tcsetattr(s, TCSANOW, &t), 0);
	if (syscall(SYS_ioctl, s, 0xffffffff00005412ULL, &c) < 0) {
		print_message("  TIOCSTI unavailable here (%s), skipped\n", strerror(errno));
		close(s);
		close(m);
		skip();
	}
	assert_int_equal(read(s, out, 1), 1); /* injected as typed */
	assert_int_equal(out[0], 'x');

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct sock_fprog prog = {.len = (unsigned short)f->f.len, .filter = f->f.insns};
		long r1, r2;
		int e1, e2;

		close(fds[0]);
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
		    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
			_exit(77);
		r1 = syscall(SYS_ioctl, s, 0xffffffff00005412ULL, &c);
		e1 = errno;
		r2 = syscall(SYS_ioctl, s, (unsigned long)TIOCSTI, &c);
		e2 = errno;
		out[0] = r1 < 0 && e1 == EPERM ? 'E' : 'a';
		out[1] = r2 < 0 && e2 == EPERM ? 'E' : 'a';
		if (write(fds[1], out, 2) != 2)
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	assert_int_equal(read(fds[0], out, 2), 2);
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77) {
		close(s);
		close(m);
		print_message("  seccomp unavailable here, skipped\n");
		skip();
	}
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(out[0], 'E');
	assert_int_equal(out[1], 'E');
	/* Nothing was typed into the terminal. */
	assert_int_equal(read(s, out, 1), -1);
	assert_int_equal(errno, EAGAIN);
	close(s);
	close(m);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_compile_interpreter_selftest),
		T(test_compile_deny_all_notifies_every_abi),
		T(test_compile_log_and_kill_notify),
		T(test_compile_mode_mask_splits_in_kernel),
		T(test_compile_default_deny_notifies_unlisted),
		T(test_compile_default_log_notifies_unlisted),
		T(test_compile_default_deny_conditional_allow_notifies),
		T(test_compile_path_condition_notifies_whole_syscall),
		T(test_compile_arg_condition_splits_in_kernel),
		T(test_compile_later_rule_sees_its_own_argument),
		T(test_compile_terminates_on_high_word_comparisons),
		T(test_compile_interpreter_agrees_with_kernel),
		T(test_compile_foreign_arch_is_killed),
		T(test_compile_default_policy),
		T(test_compile_never_allows_what_matcher_refuses),
		T(test_compile_socketcall_notified_when_carried_call_supervised),
		T(test_compile_newer_syscalls_in_prelude),
		T(test_compile_open_by_handle_at_notified_under_open),
		T(test_compile_tty_ioctl_numbers),
		T(test_compile_tty_inject_denied_whatever_the_policy),
		T(test_compile_tty_prefix_leaves_the_rest_to_the_policy),
		T(test_compile_tty_kernel_truncates_cmd),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
