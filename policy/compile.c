/*
 * compile: policy → classic BPF, through libseccomp.
 *
 * The filter decides in the kernel only what provably needs no supervisor:
 * calls that end in "allow" without a word being logged. Everything that is
 * denied, killed or logged is notified, so the supervisor can log it, and so is
 * everything whose outcome depends on memory (paths) or on the executable. The
 * supervisor then evaluates the full rule list on every notified call, so the
 * filter only has to notify a superset of the calls that do not end in allow.
 */
#include <errno.h>
#include <seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "policy/policy.h"
#include "sg-seccomp.h"
#include "sg-util.h"

/* Denying these cannot contain anything; it only wedges the target in a loop
 * (a denied exit_group returns, and libc calls it again). */
static const char *const always_allowed[] = {
	"exit", "exit_group", "rt_sigreturn", "sigreturn", NULL,
};

/* At most this many libseccomp rules for one syscall (a bit test becomes one
 * rule per bit); beyond it the syscall is simply notified. */
#define MAX_EXPANSION 16

/*
 * The register tests the filter may decide itself: a bit test (mode & M,
 * argN & M) or an equality, alone in its rule. libseccomp 2.5 builds wrong
 * trees for some rules that combine range comparisons (< <= > >=, !=) on
 * several arguments of one syscall, and takes exponential time on others
 * (tests/test-compile.c found both with random policies), so anything richer
 * is simply notified and decided in the supervisor.
 */
static bool rule_in_kernel(const struct rule *r)
{
	const struct cond *c = &r->conds[0];

	if (r->n_conds != 1)
		return false;
	if (c->kind == COND_MODE_ANY)
		return true;
	return c->kind == COND_ARG && (c->op == ARG_AND || c->op == ARG_EQ);
}

static int bit_count(uint64_t v)
{
	return __builtin_popcountll(v);
}

/*
 * Can the kernel tell the calls of section s that end in allow from the rest?
 * Only if every rule that does not allow, up to the first unconditional rule,
 * looks at registers alone, and the fall-through is allow.
 */
static bool section_splits_in_kernel(const struct policy *p, const struct section *s,
				     const struct syscall_shape *shape)
{
	enum decision_kind fallthrough = p->dflt.kind;
	int mode_idx = shape ? policy_shape_arg(shape, 'o') : -1, arg = -1;
	size_t n_rules = 0;

	for (size_t i = 0; i < s->n_rules; i++) {
		const struct rule *r = &s->rules[i];

		if (r->n_conds == 1 && r->conds[0].kind == COND_ANY) {
			fallthrough = r->kind;
			break;
		}
		if (r->kind == DECISION_ALLOW)
			continue; /* allowing rules never need a notification */
		if (!rule_in_kernel(r))
			return false;
		/* All on one argument: libseccomp 2.5 mis-compiles rules of one
		 * syscall that test different arguments (a stale accumulator). */
		{
			int a = r->conds[0].kind == COND_MODE_ANY ? mode_idx : (int)r->conds[0].arg;

			if (a < 0 || (arg >= 0 && a != arg))
				return false;
			arg = a;
		}
		n_rules += r->conds[0].kind == COND_ARG && r->conds[0].op == ARG_EQ
				   ? 1
				   : (size_t)bit_count(r->conds[0].value);
		if (n_rules > MAX_EXPANSION)
			return false;
	}
	return fallthrough == DECISION_ALLOW;
}

/* What the kernel does with a syscall of section s when it needs no argument. */
static uint32_t section_plain_action(const struct policy *p, const struct section *s)
{
	const struct rule *first = s->n_rules ? &s->rules[0] : &p->dflt;

	if (s->n_rules == 0 || (first->n_conds == 1 && first->conds[0].kind == COND_ANY))
		return first->kind == DECISION_ALLOW ? SCMP_ACT_ALLOW : SCMP_ACT_NOTIFY;
	return SCMP_ACT_NOTIFY;
}

enum policy_kernel policy_kernel_plan(const struct policy *p, const struct section *s,
				      const char *syscall, struct policy_kernel_test *tests,
				      size_t *ret_n)
{
	const struct syscall_shape *shape = policy_syscall_shape(syscall);
	int mode_idx = shape ? policy_shape_arg(shape, 'o') : -1;
	size_t n = 0;

	*ret_n = 0;
	if (section_plain_action(p, s) == SCMP_ACT_ALLOW)
		return POLICY_KERNEL_ALLOW;
	if (p->dflt.kind != DECISION_ALLOW || !section_splits_in_kernel(p, s, shape))
		return POLICY_KERNEL_NOTIFY;
	for (size_t j = 0; j < s->n_rules; j++) {
		const struct rule *r = &s->rules[j];
		const struct cond *c = &r->conds[0];

		if (r->n_conds == 1 && c->kind == COND_ANY)
			break;
		if (r->kind == DECISION_ALLOW)
			continue;
		if (c->kind == COND_ARG && c->op == ARG_EQ) {
			if (n == POLICY_KERNEL_MAX_TESTS)
				return POLICY_KERNEL_NOTIFY;
			tests[n++] = (struct policy_kernel_test){ c->arg, ~0ull, c->value };
			continue;
		}
		/* mode & M, argN & M: one test per bit ("any of them"). */
		for (uint64_t v = c->value; v; v &= v - 1) {
			uint64_t bit = v & -v;

			if (n == POLICY_KERNEL_MAX_TESTS)
				return POLICY_KERNEL_NOTIFY;
			tests[n++] = (struct policy_kernel_test){
				c->kind == COND_MODE_ANY ? (unsigned)mode_idx : c->arg, bit, bit
			};
		}
	}
	*ret_n = n;
	return n ? POLICY_KERNEL_SPLIT : POLICY_KERNEL_ALLOW;
}

static int add_section(scmp_filter_ctx ctx, const struct policy *p, const struct section *s,
		       uint32_t dflt_action)
{
	for (size_t i = 0; i < s->n_syscalls; i++) {
		struct policy_kernel_test tests[POLICY_KERNEL_MAX_TESTS];
		int nr = seccomp_syscall_resolve_name(s->syscalls[i]);
		uint32_t action;
		size_t n;
		int k;

		if (nr == __NR_SCMP_ERROR)
			continue; /* known on no architecture we filter; the parser said so */

		switch (policy_kernel_plan(p, s, s->syscalls[i], tests, &n)) {
		case POLICY_KERNEL_ALLOW:
			action = SCMP_ACT_ALLOW;
			break;
		case POLICY_KERNEL_SPLIT: {
			bool ok = true;

			for (size_t t = 0; t < n && ok; t++) {
				struct scmp_arg_cmp cmp = {
					.arg = tests[t].arg,
					.op = tests[t].mask == ~0ull ? SCMP_CMP_EQ : SCMP_CMP_MASKED_EQ,
					.datum_a = tests[t].mask == ~0ull ? tests[t].value
									  : tests[t].mask,
					.datum_b = tests[t].mask == ~0ull ? 0 : tests[t].value,
				};

				ok = seccomp_rule_add_array(ctx, SCMP_ACT_NOTIFY, nr, 1, &cmp) == 0;
			}
			if (ok)
				continue;
			/* Could not express it: notify the whole syscall (an
			 * unconditional rule subsumes the conditional ones). */
			action = SCMP_ACT_NOTIFY;
			break;
		}
		default:
			action = SCMP_ACT_NOTIFY;
			break;
		}
		if (action == dflt_action)
			continue;
		k = seccomp_rule_add(ctx, action, nr, 0);
		if (k < 0)
			return k;
	}
	return 0;
}

/*
 * Always denied, whatever the policy says: ioctl(fd, TIOCSTI) pushes bytes
 * into a terminal's input as if typed there, and TIOCLINUX (TIOCL_PASTESEL)
 * pastes the console selection into it. A command sharing a terminal with a
 * person (the inline prompt, or the shell that runs once the command is
 * gone: bubblewrap's CVE-2017-5226) would type for them. No policy has a
 * reason to allow either, so they fail with EPERM in the kernel, unlogged,
 * in complain mode too.
 *
 * This is hand-written BPF put in front of libseccomp's program, not a
 * libseccomp rule: a rule on ioctl's arg1 would have to live beside the
 * policy's own ioctl rules (allow = arg1 == 0x5412, a deny on arg0, ...),
 * and libseccomp 2.5.4 mis-compiles rules of one syscall that test different
 * arguments (tests/test-compile.c). Here the two tests run first and fall
 * through untouched to the policy's filter otherwise, so they cannot
 * interact with it. They load nothing but arch and nr for any other
 * syscall, which keeps the kernel's per-syscall allow cache intact.
 *
 * ioctl's cmd is an unsigned int (SYSCALL_DEFINE3(ioctl, unsigned int fd,
 * unsigned int cmd, unsigned long arg), compat_sys_ioctl alike): the kernel
 * truncates the register, so only its low 32 bits are compared, and
 * 0xffffffff00005412 is TIOCSTI too. ioctl is 16 on x86_64 and 54 on i386;
 * x32's is 514 with bit 30 set. 514 without the bit and 16 with it are
 * caught as well: older kernels reached the x32 and 64-bit tables through
 * both, and an extra test of a number that is not ioctl costs nothing.
 */
#define TTY_DENY_LEN 14

static void tty_deny_prefix(struct sock_filter *f)
{
	const uint32_t nr = offsetof(struct seccomp_data, nr),
		       arch = offsetof(struct seccomp_data, arch),
		       cmd = offsetof(struct seccomp_data, args[1]); /* low word: little endian */
	/* Jump offsets count from the next instruction; "end" is TTY_DENY_LEN,
	 * the first instruction of libseccomp's program. */
	const struct sock_filter prog[TTY_DENY_LEN] = {
		/* 0 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, arch),
		/* 1 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 5), /* -> 7 */
		/* 2 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, nr),
		/* 3 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 16, 6, 0), /* -> 10 */
		/* 4 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __X32_SYSCALL_BIT | 514, 5, 0),
		/* 5 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __X32_SYSCALL_BIT | 16, 4, 0),
		/* 6 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 514, 3, 7),		    /* -> 10, end */
		/* 7 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_I386, 0, 6), /* -> end */
		/* 8 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, nr),
		/* 9 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 54, 0, 4), /* -> end */
		/* 10 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, cmd),
		/* 11 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TIOCSTI, 1, 0),   /* -> 13 */
		/* 12 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TIOCLINUX, 0, 1), /* -> end */
		/* 13 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
	};

	memcpy(f, prog, sizeof(prog));
}

int policy_compile(const struct policy *p, struct policy_filter *ret)
{
	uint32_t dflt_action = p->dflt.kind == DECISION_ALLOW ? SCMP_ACT_ALLOW : SCMP_ACT_NOTIFY;
	_cleanup_close_ int fd = -1;
	scmp_filter_ctx ctx;
	void *buf = NULL;
	off_t size;
	int r;

	ctx = seccomp_init(dflt_action);
	if (!ctx)
		return -ENOMEM;

	/* Every ABI the x86_64 kernel accepts is decided by the same policy with
	 * its own numbers; any other architecture kills the process. */
	r = seccomp_arch_add(ctx, SCMP_ARCH_X86);
	if (r < 0 && r != -EEXIST)
		goto out;
	r = seccomp_arch_add(ctx, SCMP_ARCH_X32);
	if (r < 0 && r != -EEXIST)
		goto out;
	r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	if (r < 0)
		goto out;

	for (size_t i = 0; i < p->n_sections; i++) {
		r = add_section(ctx, p, &p->sections[i], dflt_action);
		if (r < 0)
			goto out;
	}
	if (dflt_action != SCMP_ACT_ALLOW)
		for (size_t i = 0; always_allowed[i]; i++) {
			if (policy_section_for(p, always_allowed[i]))
				continue;
			r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW,
					     seccomp_syscall_resolve_name(always_allowed[i]), 0);
			if (r < 0)
				goto out;
		}

	fd = memfd_create("sysgate-bpf", MFD_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		goto out;
	}
	r = seccomp_export_bpf(ctx, fd);
	if (r < 0)
		goto out;
	size = lseek(fd, 0, SEEK_END);
	if (size <= 0 || size % 8 != 0 || size > (BPF_MAXINSNS - TTY_DENY_LEN) * 8) {
		r = size > (BPF_MAXINSNS - TTY_DENY_LEN) * 8 ? -E2BIG : -EIO;
		goto out;
	}
	buf = malloc((size_t)size + TTY_DENY_LEN * sizeof(struct sock_filter));
	if (!buf) {
		r = -ENOMEM;
		goto out;
	}
	tty_deny_prefix(buf);
	if (pread(fd, (struct sock_filter *)buf + TTY_DENY_LEN, (size_t)size, 0) != size) {
		free(buf);
		r = -EIO;
		goto out;
	}
	ret->insns = buf;
	ret->len = (size_t)size / 8 + TTY_DENY_LEN;
	r = 0;
out:
	seccomp_release(ctx);
	return r;
}

void policy_filter_done(struct policy_filter *f)
{
	if (!f)
		return;
	free(f->insns);
	f->insns = NULL;
	f->len = 0;
}
