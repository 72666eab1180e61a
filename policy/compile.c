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
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "policy/facts.h"
#include "policy/policy.h"
#include "sg-seccomp.h"
#include "sg-util.h"

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
	/* A named argument's position and width depend on the syscall and the
	 * ABI (policy_arg_compare): the supervisor decides it. */
	if (c->kind == COND_ARG && c->arg_name)
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

static enum policy_kernel plan_plain(const struct policy *p, const struct section *s,
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
			tests[n++] = (struct policy_kernel_test){c->arg, ~0ull, c->value};
			continue;
		}
		/* mode & M, argN & M: one test per bit ("any of them"). */
		for (uint64_t v = c->value; v; v &= v - 1) {
			uint64_t bit = v & -v;

			if (n == POLICY_KERNEL_MAX_TESTS)
				return POLICY_KERNEL_NOTIFY;
			tests[n++] = (struct policy_kernel_test){
				c->kind == COND_MODE_ANY ? (unsigned)mode_idx : c->arg, bit, bit};
		}
	}
	*ret_n = n;
	return n ? POLICY_KERNEL_SPLIT : POLICY_KERNEL_ALLOW;
}

/* ---- abi == NAME ---- */

static bool cond_is_abi(const struct cond *c)
{
	return c->kind == COND_ABI_EQ || c->kind == COND_ABI_NE;
}

static bool section_has_abi(const struct section *s)
{
	for (size_t i = 0; i < s->n_rules; i++)
		for (size_t k = 0; k < s->rules[i].n_conds; k++)
			if (cond_is_abi(&s->rules[i].conds[k]))
				return true;
	return false;
}

/*
 * Section s as the calls of one ABI see it: its abi conditions decided,
 * each rule one of them fails dropped (it matches no call of this ABI), the
 * ones that hold removed (a rule of nothing else is `*`). What decide()
 * does for such a call, rule for rule. The rules and conditions are
 * shallow copies in *rules and *conds, which the caller frees.
 */
static int section_view(const struct section *s, enum policy_abi abi, struct section *v,
			struct rule **rules, struct cond **conds)
{
	static const struct cond any = {.kind = COND_ANY};
	size_t n_conds = 0, nc = 0;

	for (size_t i = 0; i < s->n_rules; i++)
		n_conds += s->rules[i].n_conds + 1;
	*v = *s;
	v->n_rules = 0;
	*rules = calloc(s->n_rules + 1, sizeof(**rules));
	*conds = calloc(n_conds + 1, sizeof(**conds));
	if (!*rules || !*conds) {
		free(*rules);
		free(*conds);
		*rules = NULL;
		*conds = NULL;
		return -ENOMEM;
	}
	for (size_t i = 0; i < s->n_rules; i++) {
		const struct rule *r = &s->rules[i];
		struct rule *out = &(*rules)[v->n_rules];
		bool holds = true;

		*out = *r;
		out->conds = *conds + nc;
		out->n_conds = 0;
		for (size_t k = 0; k < r->n_conds && holds; k++) {
			const struct cond *c = &r->conds[k];

			if (!cond_is_abi(c)) {
				out->conds[out->n_conds++] = *c;
				continue;
			}
			holds = (c->value == (uint64_t)abi) == (c->kind == COND_ABI_EQ);
		}
		if (!holds)
			continue;
		if (out->n_conds == 0)
			out->conds[out->n_conds++] = any;
		nc += out->n_conds;
		v->n_rules++;
	}
	v->rules = *rules;
	return 0;
}

/* The plan for the calls of one ABI: exact, abi conditions decided. */
static enum policy_kernel plan_abi(const struct policy *p, const struct section *s,
				   const char *syscall, enum policy_abi abi,
				   struct policy_kernel_test *tests, size_t *ret_n)
{
	struct rule *rules;
	struct cond *conds;
	struct section v;
	enum policy_kernel k;

	*ret_n = 0;
	if (!section_has_abi(s))
		return plan_plain(p, s, syscall, tests, ret_n);
	if (section_view(s, abi, &v, &rules, &conds) < 0)
		return POLICY_KERNEL_NOTIFY; /* fail closed: the supervisor decides */
	k = plan_plain(p, &v, syscall, tests, ret_n);
	free(rules);
	free(conds);
	return k;
}

struct plan {
	enum policy_kernel kind;
	size_t n;
	struct policy_kernel_test tests[POLICY_KERNEL_MAX_TESTS];
};

static bool plan_eq(const struct plan *a, const struct plan *b)
{
	if (a->kind != b->kind || a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (a->tests[i].arg != b->tests[i].arg || a->tests[i].mask != b->tests[i].mask ||
		    a->tests[i].value != b->tests[i].value)
			return false;
	return true;
}

/*
 * Without an ABI (sysgate oci-profile, the multiplexers): the plan every
 * ABI shares, or where they differ, notified: the supervisor decides.
 */
enum policy_kernel policy_kernel_plan(const struct policy *p, const struct section *s,
				      const char *syscall, struct policy_kernel_test *tests,
				      size_t *ret_n)
{
	struct plan pl[POLICY_ABI_COUNT];

	if (!section_has_abi(s))
		return plan_plain(p, s, syscall, tests, ret_n);
	for (unsigned a = 0; a < POLICY_ABI_COUNT; a++)
		pl[a].kind = plan_abi(p, s, syscall, (enum policy_abi)a, pl[a].tests, &pl[a].n);
	*ret_n = 0;
	for (unsigned a = 1; a < POLICY_ABI_COUNT; a++)
		if (!plan_eq(&pl[0], &pl[a]))
			return POLICY_KERNEL_NOTIFY;
	memcpy(tests, pl[0].tests, pl[0].n * sizeof(*tests));
	*ret_n = pl[0].n;
	return pl[0].kind;
}

/*
 * Where a syscall's plan on one ABI differs from the plan libseccomp's
 * program carries out for every ABI (add_overrides), a test of our own in
 * front of it gives that ABI's calls of the syscall their action: allow if
 * its plan is allow, else notify (a split plan for one ABI alone is
 * notified whole: the supervisor decides). Each block loads nothing but
 * arch and nr; x32's numbers carry __X32_SYSCALL_BIT under
 * AUDIT_ARCH_X86_64 and x86_64's do not, so one block holds both.
 */
struct abi_override {
	size_t n[2], cap[2]; /* [0] AUDIT_ARCH_I386, [1] AUDIT_ARCH_X86_64 (x86_64, x32) */
	uint32_t *nr[2], *action[2];
};

static int abi_override_add(struct abi_override *o, unsigned which, int nr, uint32_t action)
{
	if (o->n[which] == o->cap[which]) {
		size_t cap = o->cap[which] ? 2 * o->cap[which] : 64;
		uint32_t *a = reallocarray(o->nr[which], cap, sizeof(uint32_t));

		if (!a)
			return -ENOMEM;
		o->nr[which] = a;
		a = reallocarray(o->action[which], cap, sizeof(uint32_t));
		if (!a)
			return -ENOMEM;
		o->action[which] = a;
		o->cap[which] = cap;
	}
	o->nr[which][o->n[which]] = (uint32_t)nr;
	o->action[which][o->n[which]++] = action;
	return 0;
}

static void abi_override_done(struct abi_override *o)
{
	for (unsigned w = 0; w < 2; w++) {
		free(o->nr[w]);
		free(o->action[w]);
	}
}

static size_t abi_override_len(const struct abi_override *o)
{
	size_t len = 0;

	for (unsigned w = 0; w < 2; w++)
		if (o->n[w])
			len += 4 + 2 * o->n[w];
	return len;
}

/* ld arch; jeq ARCH, +1; ja past the block; ld nr; (jeq NR, 0, 1; ret ACTION)... */
static void abi_override_build(const struct abi_override *o, struct sock_filter *out)
{
	static const uint32_t arch[2] = {AUDIT_ARCH_I386, AUDIT_ARCH_X86_64};
	size_t n = 0;

	for (unsigned w = 0; w < 2; w++) {
		if (!o->n[w])
			continue;
		out[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
							offsetof(struct seccomp_data, arch));
		out[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, arch[w], 1, 0);
		out[n++] =
			(struct sock_filter)BPF_STMT(BPF_JMP | BPF_JA, (uint32_t)(1 + 2 * o->n[w]));
		out[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
							offsetof(struct seccomp_data, nr));
		for (size_t i = 0; i < o->n[w]; i++) {
			out[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
								o->nr[w][i], 0, 1);
			out[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
								o->action[w][i] == SCMP_ACT_ALLOW
									? SECCOMP_RET_ALLOW
									: SECCOMP_RET_USER_NOTIF);
		}
	}
}

/* ---- i386's multiplexers ---- */

/*
 * socketcall(call, args) and ipc(call, ...) carry the socket and SysV IPC
 * calls on i386, under their own syscall numbers: a filter that supervises
 * connect by its number never sees socketcall(SYS_CONNECT). libseccomp 2.5
 * adds socketcall(call == N) rules of its own for some carried calls (socket
 * among them, seen in seccomp_export_pfc) and none for ipc: not a thing to
 * rely on. And socketcall's arguments are in memory, where no filter can
 * test them. So whenever a call either one
 * carries has a section that is not decided in the kernel by allow alone,
 * the multiplexer is notified whole, and the supervisor decodes it
 * (supervisor/multiplex.c).
 */
static bool carried_needs_notify(const struct policy *p, const char *(*name_of)(unsigned),
				 unsigned max)
{
	for (unsigned call = 1; call <= max; call++) {
		struct policy_kernel_test tests[POLICY_KERNEL_MAX_TESTS];
		const char *name = name_of(call);
		const struct section *s = name ? policy_section_for(p, name) : NULL;
		size_t n;

		if (s && policy_kernel_plan(p, s, name, tests, &n) != POLICY_KERNEL_ALLOW)
			return true;
	}
	return false;
}

/* Must socketcall or ipc (by name) be notified whole for what they carry? */
static bool mux_forced(const struct policy *p, const char *syscall)
{
	if (streq(syscall, "socketcall"))
		return carried_needs_notify(p, policy_socketcall_name, POLICY_SOCKETCALL_MAX);
	if (streq(syscall, "ipc"))
		return carried_needs_notify(p, policy_ipc_name, POLICY_IPC_MAX);
	return false;
}

/* ---- syscalls i386 has and x86_64 has not ---- */

/*
 * chown32, _llseek, vm86, sigreturn, socketcall, ipc...: on x86_64 (and x32)
 * these are libseccomp pseudo-syscalls (negative numbers). Given a rule for
 * one, libseccomp 2.5.4 may put that pseudo-syscall first in the x86_64
 * block, skip it while generating, and with it the load of the syscall
 * number: the block then compares the arch with every syscall number and
 * matches none, so every x86_64 and x32 call falls through to the default.
 * It happens when the block's other rules are conditional ones:
 * `[chmod] kill = mode & 06000` with `[=_llseek] deny = *` and `[io_uring]
 * allow = *` let chmod(path, 04755) run in the kernel, and `[connect] deny
 * = arg0 == 10` (socketcall notified for i386) let connect(10, ...) run
 * (tests/test-property.c found it). So these syscalls never reach
 * libseccomp: their action is a test of our own on the i386 number, in
 * front of libseccomp's program (build_i386_prelude). A conditional plan
 * for one is notified whole: the supervisor decides it.
 */
#define I386_ONLY_MAX 200
struct i386_only {
	size_t n;
	int nr[I386_ONLY_MAX];
	uint32_t action[I386_ONLY_MAX];
};

static bool i386_only(const char *name)
{
	return seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, name) < 0 &&
	       seccomp_syscall_resolve_name_arch(SCMP_ARCH_X32, name) < 0 &&
	       seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86, name) >= 0;
}

/* Give syscall name the action on i386 (unless it is the default). */
static int i386_only_add(struct i386_only *l, const char *name, uint32_t action,
			 uint32_t dflt_action)
{
	int nr = seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86, name);

	if (action == dflt_action)
		return 0;
	for (size_t i = 0; i < l->n; i++)
		if (l->nr[i] == nr) {
			if (action == SCMP_ACT_NOTIFY)
				l->action[i] = action; /* notify wins: the supervisor decides */
			return 0;
		}
	if (l->n == I386_ONLY_MAX)
		return -E2BIG;
	l->nr[l->n] = nr;
	l->action[l->n++] = action;
	return 0;
}

/*
 * ld arch; not i386: to the end; ld nr; one jeq per syscall to its return;
 * none: to the end; ret NOTIFY; ret ALLOW. Loads nothing but arch and nr.
 */
#define I386_PRELUDE_MAX (I386_ONLY_MAX + 6)
static size_t build_i386_prelude(const struct i386_only *l, struct sock_filter *out)
{
	size_t n = 0, len = l->n + 6;

	if (l->n == 0)
		return 0;
	out[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
						offsetof(struct seccomp_data, arch));
	out[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_I386, 0,
						(uint8_t)(len - 2));
	out[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
						offsetof(struct seccomp_data, nr));
	for (size_t i = 0; i < l->n; i++) {
		/* from instruction 3 + i to ret NOTIFY (3 + l->n + 1) or ALLOW (+1) */
		size_t to = l->n - i + (l->action[i] == SCMP_ACT_NOTIFY ? 0 : 1);

		out[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
							(uint32_t)l->nr[i], (uint8_t)to, 0);
	}
	out[n++] = (struct sock_filter)BPF_STMT(BPF_JMP | BPF_JA, 2);
	out[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF);
	out[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	return n;
}

/* A rule without conditions: through libseccomp, or for an i386-only
 * syscall into the i386 prelude. */
static int add_plain(scmp_filter_ctx ctx, struct i386_only *l, const char *name, uint32_t action,
		     uint32_t dflt_action)
{
	int r;

	if (i386_only(name))
		return i386_only_add(l, name, action, dflt_action);
	if (action == dflt_action)
		return 0;
	r = seccomp_rule_add(ctx, action, seccomp_syscall_resolve_name(name), 0);
	return r == -EEXIST ? 0 : r;
}

/* ---- syscalls newer than libseccomp ---- */

/*
 * What the kernel does with one of policy_newer_syscalls, or 0 for "what the
 * default does". A section that names it decides it like any syscall with
 * no argument the filter can test (allow = * first: allow; else notify);
 * without one, a supervised family in its reach (or a default of deny) means
 * ENOSYS, which the supervisor answers, with a record.
 */
static uint32_t newer_action(const struct policy *p, const char *name)
{
	const struct section *s = policy_section_for(p, name), *reach = NULL;

	if (s)
		return policy_section_supervises(p, s) ? SCMP_ACT_NOTIFY : SCMP_ACT_ALLOW;
	(void)policy_decide_unnamed(p, name, &reach);
	return reach ? SCMP_ACT_NOTIFY : 0;
}

/*
 * Known syscalls in a family's reach (open_by_handle_at), without a section
 * of their own: notified when the family is supervised, so the supervisor
 * can deny them (policy_decide_unnamed).
 */
static int add_reach(scmp_filter_ctx ctx, struct i386_only *l, const struct policy *p,
		     uint32_t dflt_action)
{
	static const char *const doors[] = {"open_by_handle_at"};

	for (size_t i = 0; i < ARRAY_SIZE(doors); i++) {
		int r;

		if (policy_section_for(p, doors[i]) || newer_action(p, doors[i]) != SCMP_ACT_NOTIFY)
			continue;
		r = add_plain(ctx, l, doors[i], SCMP_ACT_NOTIFY, dflt_action);
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * libseccomp can neither name these nor add a rule for their raw numbers
 * (-EFAULT: it translates every number through its own tables). So their
 * tests go in front of the program libseccomp exports, for the two
 * architectures that share their numbers; everything else falls through to
 * libseccomp's program unchanged, which starts by loading the arch itself
 * (and kills any architecture it does not know).
 */
#define PRELUDE_MAX (4 + 4 * 32)
static size_t build_prelude(const struct policy *p, uint32_t dflt_action, struct sock_filter *out)
{
	struct sock_filter body[4 * 32];
	size_t n = 0, len;

	for (const struct newer_syscall *e = policy_newer_syscalls; e->name && n + 4 <= 4 * 32;
	     e++) {
		uint32_t a = newer_action(p, e->name);

		if (!a || a == dflt_action)
			continue;
		body[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)e->nr,
							 0, 1);
		body[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, a);
		body[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
							 (uint32_t)e->nr | 0x40000000u, 0, 1);
		body[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, a);
	}
	if (n == 0)
		return 0;
	len = 0;
	out[len++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
						  offsetof(struct seccomp_data, arch));
	out[len++] =
		(struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
	out[len++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_I386, 0,
						  (uint8_t)(n + 1));
	out[len++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
						  offsetof(struct seccomp_data, nr));
	memcpy(out + len, body, n * sizeof(*body));
	return len + n;
}

/* Calls that change what /proc/PID/exe says: under a policy with exe
 * conditions each is notified whole, whatever its section says, so that the
 * supervisor sees every one (supervisor/target/exe-cache.h). */
static const char *const exec_calls[] = {"execve", "execveat", "prctl"};

bool policy_notifies_exec(const struct policy *p)
{
	for (size_t i = 0; i < p->n_sections; i++)
		if (p->sections[i].needs_exe)
			return true;
	return false;
}

static bool exec_call(const struct policy *p, const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(exec_calls); i++)
		if (streq(exec_calls[i], name))
			return policy_notifies_exec(p);
	return false;
}

/*
 * The plans of the three ABIs for syscall: *ret_base is the ABI whose plan
 * libseccomp's program carries out (for every ABI: x86_64's, or i386's where
 * i386 and x32 agree and x86_64 differs, which halves the overrides of
 * `allow = abi == x86_64`); every ABI whose plan differs gets an override.
 */
static int add_overrides(struct abi_override *o, const struct policy *p, const struct section *s,
			 const char *syscall, enum policy_abi *ret_base)
{
	static const struct {
		uint32_t arch;
		unsigned block; /* abi_override's [0] i386, [1] AUDIT_ARCH_X86_64 */
	} abi[POLICY_ABI_COUNT] = {
		[POLICY_ABI_X86_64] = {SCMP_ARCH_X86_64, 1},
		[POLICY_ABI_I386] = {SCMP_ARCH_X86, 0},
		[POLICY_ABI_X32] = {SCMP_ARCH_X32, 1},
	};
	struct plan pl[POLICY_ABI_COUNT];
	enum policy_abi base = POLICY_ABI_X86_64;

	for (unsigned a = 0; a < POLICY_ABI_COUNT; a++)
		pl[a].kind = plan_abi(p, s, syscall, (enum policy_abi)a, pl[a].tests, &pl[a].n);
	if (plan_eq(&pl[POLICY_ABI_I386], &pl[POLICY_ABI_X32]) &&
	    !plan_eq(&pl[POLICY_ABI_X86_64], &pl[POLICY_ABI_I386]))
		base = POLICY_ABI_I386;
	*ret_base = base;
	for (unsigned a = 0; a < POLICY_ABI_COUNT; a++) {
		int nr = seccomp_syscall_resolve_name_arch(abi[a].arch, syscall), r;

		if (plan_eq(&pl[a], &pl[base]))
			continue;
		if (nr < 0)
			continue; /* not on this ABI (or a pseudo-syscall) */
		if (a == POLICY_ABI_X32)
			nr = (int)((uint32_t)nr |
				   __X32_SYSCALL_BIT); /* libseccomp may include it */
		r = abi_override_add(o, abi[a].block, nr,
				     pl[a].kind == POLICY_KERNEL_ALLOW ? SCMP_ACT_ALLOW
								       : SCMP_ACT_NOTIFY);
		if (r < 0)
			return r;
	}
	return 0;
}

static int add_section(scmp_filter_ctx ctx, struct i386_only *l, struct abi_override *o,
		       const struct policy *p, const struct section *s, uint32_t dflt_action)
{
	bool has_abi = section_has_abi(s);
	enum policy_abi base = POLICY_ABI_X86_64;

	for (size_t i = 0; i < s->n_syscalls; i++) {
		struct policy_kernel_test tests[POLICY_KERNEL_MAX_TESTS];
		int nr = seccomp_syscall_resolve_name(s->syscalls[i]);
		uint32_t action;
		size_t n;
		int k;

		if (nr == __NR_SCMP_ERROR)
			continue; /* newer than libseccomp (the prelude), or known on no
				   * architecture we filter (the parser said so) */
		if (mux_forced(p, s->syscalls[i]))
			continue; /* notified whole, with the multiplexers */
		if (exec_call(p, s->syscalls[i]))
			continue; /* notified whole, below */
		if (i386_only(s->syscalls[i])) {
			enum policy_kernel plan =
				plan_abi(p, s, s->syscalls[i], POLICY_ABI_I386, tests, &n);

			k = i386_only_add(l, s->syscalls[i],
					  plan == POLICY_KERNEL_ALLOW ? SCMP_ACT_ALLOW
								      : SCMP_ACT_NOTIFY,
					  dflt_action);
			if (k < 0)
				return k;
			continue;
		}

		/* libseccomp's program carries one ABI's plan out for every
		 * ABI; where another's differs, an override in front. */
		if (has_abi) {
			k = add_overrides(o, p, s, s->syscalls[i], &base);
			if (k < 0)
				return k;
		}
		switch (plan_abi(p, s, s->syscalls[i], base, tests, &n)) {
		case POLICY_KERNEL_ALLOW:
			action = SCMP_ACT_ALLOW;
			break;
		case POLICY_KERNEL_SPLIT: {
			bool ok = true;

			for (size_t t = 0; t < n && ok; t++) {
				struct scmp_arg_cmp cmp = {
					.arg = tests[t].arg,
					.op = tests[t].mask == ~0ull ? SCMP_CMP_EQ
								     : SCMP_CMP_MASKED_EQ,
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

/*
 * [sysgate] abi: a call through an ABI the key does not list is notified
 * whatever else the filter says, and the supervisor kills its process
 * (policy_abi_refused), with a record; the kernel never runs it. First in
 * the program, so nothing after it (not even the tty denials) sees such a
 * call. i386 is AUDIT_ARCH_I386; x32 is AUDIT_ARCH_X86_64 with the X32 bit
 * in nr. Empty when every ABI is listed.
 */
#define ABI_GATE_MAX 7

static size_t build_abi_gate(const struct policy *p, struct sock_filter *out)
{
	const uint32_t nr = offsetof(struct seccomp_data, nr),
		       arch = offsetof(struct seccomp_data, arch);
	bool i386 = p->abis & (1u << POLICY_ABI_I386), x32 = p->abis & (1u << POLICY_ABI_X32);
	size_t n = 0;

	if (i386 && x32)
		return 0;
	out[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, arch);
	if (!i386) {
		out[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_I386,
							0, 1);
		out[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF);
	}
	if (!x32) {
		/* -> past the gate unless x86_64 with the X32 bit */
		out[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
							AUDIT_ARCH_X86_64, 0, 3);
		out[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, nr);
		out[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K,
							__X32_SYSCALL_BIT, 0, 1);
		out[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF);
	}
	return n;
}

int policy_compile(const struct policy *p, struct policy_filter *ret)
{
	struct sock_filter gate[ABI_GATE_MAX];
	size_t gate_len = build_abi_gate(p, gate);
	uint32_t dflt_action = p->dflt.kind == DECISION_ALLOW ? SCMP_ACT_ALLOW : SCMP_ACT_NOTIFY;
	struct sock_filter prelude[PRELUDE_MAX], prelude32[I386_PRELUDE_MAX];
	struct i386_only only32 = {0};
	struct abi_override over = {0};
	size_t prelude32_len, over_len;
	_cleanup_close_ int fd = -1;
	size_t prelude_len;
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
		r = add_section(ctx, &only32, &over, p, &p->sections[i], dflt_action);
		if (r < 0)
			goto out;
	}
	/* i386's multiplexers, notified whole when what they carry is
	 * supervised (under a notifying default they are notified already) */
	if (mux_forced(p, "socketcall") &&
	    (r = i386_only_add(&only32, "socketcall", SCMP_ACT_NOTIFY, dflt_action)) < 0)
		goto out;
	if (mux_forced(p, "ipc") &&
	    (r = i386_only_add(&only32, "ipc", SCMP_ACT_NOTIFY, dflt_action)) < 0)
		goto out;
	r = add_reach(ctx, &only32, p, dflt_action);
	if (r < 0)
		goto out;
	for (size_t i = 0; i < ARRAY_SIZE(exec_calls) && policy_notifies_exec(p); i++) {
		r = add_plain(ctx, &only32, exec_calls[i], SCMP_ACT_NOTIFY, dflt_action);
		if (r < 0)
			goto out;
	}
	/* Denying these cannot contain anything; it only wedges the target in
	 * a loop (a denied exit_group returns, and libc calls it again). */
	if (dflt_action != SCMP_ACT_ALLOW)
		for (size_t i = 0; policy_always_allowed[i]; i++) {
			if (policy_section_for(p, policy_always_allowed[i]))
				continue;
			r = add_plain(ctx, &only32, policy_always_allowed[i], SCMP_ACT_ALLOW,
				      dflt_action);
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
	prelude_len = build_prelude(p, dflt_action, prelude);
	prelude32_len = build_i386_prelude(&only32, prelude32);
	over_len = abi_override_len(&over);
	/* The program: the abi gate, the always-denied tty ioctls, then the
	 * prelude for the syscalls libseccomp cannot name, then the one for the
	 * i386-only syscalls, then the abi overrides, then libseccomp's own;
	 * each of the first five falls through to what follows it. */
	if (size <= 0 || size % 8 != 0 ||
	    size / 8 + (off_t)(gate_len + prelude_len + prelude32_len + over_len) + TTY_DENY_LEN >
		    BPF_MAXINSNS) {
		r = size > 0 ? -E2BIG : -EIO;
		goto out;
	}
	buf = malloc((gate_len + TTY_DENY_LEN + prelude_len + prelude32_len + over_len) *
			     sizeof(struct sock_filter) +
		     (size_t)size);
	if (!buf) {
		r = -ENOMEM;
		goto out;
	}
	{
		struct sock_filter *f = buf;

		memcpy(f, gate, gate_len * 8);
		f += gate_len;
		tty_deny_prefix(f);
		f += TTY_DENY_LEN;
		memcpy(f, prelude, prelude_len * 8);
		f += prelude_len;
		memcpy(f, prelude32, prelude32_len * 8);
		f += prelude32_len;
		abi_override_build(&over, f);
		f += over_len;
		if (pread(fd, f, (size_t)size, 0) != size) {
			free(buf);
			r = -EIO;
			goto out;
		}
	}
	ret->insns = buf;
	ret->len =
		gate_len + TTY_DENY_LEN + prelude_len + prelude32_len + over_len + (size_t)size / 8;
	r = 0;
out:
	abi_override_done(&over);
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

size_t policy_extra_notified(const struct policy *p, const char **names, size_t max)
{
	static const char *const fixed[] = {"socketcall", "ipc", "open_by_handle_at"};
	size_t n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(fixed) && n < max; i++) {
		bool yes = i < 2 ? mux_forced(p, fixed[i])
				 : !policy_section_for(p, fixed[i]) &&
					   newer_action(p, fixed[i]) == SCMP_ACT_NOTIFY;

		if (yes)
			names[n++] = fixed[i];
	}
	for (const struct newer_syscall *e = policy_newer_syscalls; e->name && n < max; e++)
		if (newer_action(p, e->name) == SCMP_ACT_NOTIFY)
			names[n++] = e->name;
	return n;
}
