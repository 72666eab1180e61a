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
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "policy/policy.h"
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
 * Add NOTIFY rules to ctx for syscall nr that together match exactly when
 * rule r's conditions do. An '&' condition (any bit set) becomes one rule per
 * bit, so the rule expands to the product of its '&' conditions' bits.
 */
static int add_notify_for_rule(scmp_filter_ctx ctx, int nr, const struct syscall_shape *shape,
			       const struct rule *r)
{
	struct scmp_arg_cmp cmps[6 * 2];
	size_t n_expansions = 1;
	int mode_idx = shape ? policy_shape_arg(shape, 'o') : -1;

	if (r->n_conds > ARRAY_SIZE(cmps))
		return -E2BIG;
	for (size_t i = 0; i < r->n_conds; i++) {
		const struct cond *c = &r->conds[i];

		if (c->kind == COND_MODE_ANY || (c->kind == COND_ARG && c->op == ARG_AND)) {
			n_expansions *= (size_t)bit_count(c->value);
			if (n_expansions > MAX_EXPANSION || n_expansions == 0)
				return -E2BIG;
		}
		if (c->kind == COND_MODE_ANY && mode_idx < 0)
			return -EINVAL;
	}

	for (size_t e = 0; e < n_expansions; e++) {
		size_t rest = e;

		for (size_t i = 0; i < r->n_conds; i++) {
			const struct cond *c = &r->conds[i];
			unsigned arg = c->kind == COND_MODE_ANY ? (unsigned)mode_idx : c->arg;
			enum scmp_compare op = SCMP_CMP_EQ;
			uint64_t datum = c->value, mask = 0;

			if (c->kind == COND_MODE_ANY || c->op == ARG_AND) {
				/* Pick bit number (rest % bits) of the mask. */
				int bits = bit_count(c->value), pick = (int)(rest % (size_t)bits);
				uint64_t v = c->value;

				rest /= (size_t)bits;
				while (pick-- > 0)
					v &= v - 1;
				mask = v & -v;
				op = SCMP_CMP_MASKED_EQ;
				datum = mask;
			} else {
				switch (c->op) {
				case ARG_EQ: op = SCMP_CMP_EQ; break;
				case ARG_NE: op = SCMP_CMP_NE; break;
				case ARG_LT: op = SCMP_CMP_LT; break;
				case ARG_LE: op = SCMP_CMP_LE; break;
				case ARG_GT: op = SCMP_CMP_GT; break;
				case ARG_GE: op = SCMP_CMP_GE; break;
				default: return -EINVAL;
				}
			}
			cmps[i] = (struct scmp_arg_cmp){ .arg = arg, .op = op,
							 .datum_a = op == SCMP_CMP_MASKED_EQ ? mask : datum,
							 .datum_b = op == SCMP_CMP_MASKED_EQ ? datum : 0 };
		}
		int k = seccomp_rule_add_array(ctx, SCMP_ACT_NOTIFY, nr, (unsigned)r->n_conds, cmps);
		if (k < 0)
			return k;
	}
	return 0;
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

static int add_section(scmp_filter_ctx ctx, const struct policy *p, const struct section *s,
		       uint32_t dflt_action)
{
	for (size_t i = 0; i < s->n_syscalls; i++) {
		const struct syscall_shape *shape = policy_syscall_shape(s->syscalls[i]);
		int nr = seccomp_syscall_resolve_name(s->syscalls[i]);
		uint32_t action = section_plain_action(p, s);
		int k;

		if (nr == __NR_SCMP_ERROR)
			continue; /* known on no architecture we filter; the parser said so */

		if (action == SCMP_ACT_NOTIFY && dflt_action == SCMP_ACT_ALLOW &&
		    section_splits_in_kernel(p, s, shape)) {
			bool ok = true;

			for (size_t j = 0; j < s->n_rules && ok; j++) {
				const struct rule *r = &s->rules[j];

				if (r->n_conds == 1 && r->conds[0].kind == COND_ANY)
					break;
				if (r->kind == DECISION_ALLOW)
					continue;
				if (add_notify_for_rule(ctx, nr, shape, r) < 0)
					ok = false;
			}
			if (ok)
				continue;
			/* Could not express it: notify the whole syscall (an
			 * unconditional rule subsumes the conditional ones). */
		}
		if (action == dflt_action)
			continue;
		k = seccomp_rule_add(ctx, action, nr, 0);
		if (k < 0)
			return k;
	}
	return 0;
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
	if (size <= 0 || size % 8 != 0 || size > 4096 * 8) {
		r = size > 4096 * 8 ? -E2BIG : -EIO;
		goto out;
	}
	buf = malloc((size_t)size);
	if (!buf) {
		r = -ENOMEM;
		goto out;
	}
	if (pread(fd, buf, (size_t)size, 0) != size) {
		free(buf);
		r = -EIO;
		goto out;
	}
	ret->insns = buf;
	ret->len = (size_t)size / 8;
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
