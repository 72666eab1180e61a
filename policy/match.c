/*
 * match: first-match evaluation of a section's rules on one call.
 *
 * The call was filled in by the supervisor from the notification and from the
 * target's memory. Anything a condition needs but the supervisor could not get
 * (the path, the exe) fails closed: the call is denied, never let through on a
 * guess.
 */
#include <errno.h>
#include <string.h>

#include "policy/policy.h"
#include "sg-util.h"

static bool arg_cmp(enum arg_op op, uint64_t a, uint64_t v)
{
	if (op == ARG_AND)
		return (a & v) != 0;
	return policy_order_holds(op, a < v ? -1 : a > v);
}

/*
 * seccomp and libseccomp compare a 32-bit ABI's arguments as 32-bit values;
 * the matcher must agree with the filter, or the kernel could let through a
 * call the matcher would have stopped.
 */
static uint64_t arg_value(const struct call *c, unsigned i)
{
	return c->abi32 ? (uint32_t)c->args[i] : c->args[i];
}

static const char *const abi_names[POLICY_ABI_COUNT] = {
	[POLICY_ABI_X86_64] = "x86_64",
	[POLICY_ABI_I386] = "i386",
	[POLICY_ABI_X32] = "x32",
};

const char *policy_abi_name(enum policy_abi abi)
{
	return (unsigned)abi < POLICY_ABI_COUNT ? abi_names[abi] : "unknown";
}

int policy_abi_parse(const char *name, enum policy_abi *ret)
{
	for (unsigned i = 0; i < POLICY_ABI_COUNT; i++)
		if (streq(name, abi_names[i])) {
			*ret = (enum policy_abi)i;
			return 0;
		}
	return -EINVAL;
}

/* The supervisor sets abi32 and i386 from the notification's arch and the
 * X32 bit of nr (call_abi_of); nothing else the target controls. */
static enum policy_abi call_abi(const struct call *c)
{
	if (c->i386)
		return POLICY_ABI_I386;
	return c->abi32 ? POLICY_ABI_X32 : POLICY_ABI_X86_64;
}

enum policy_abi policy_call_abi(const struct call *c)
{
	return call_abi(c);
}

bool policy_abi_refused(const struct policy *p, enum policy_abi abi, struct decision *ret)
{
	if ((unsigned)abi < POLICY_ABI_COUNT && (p->abis & (1u << abi)))
		return false;
	*ret = (struct decision){.kind = DECISION_KILL, .rule = &p->abi_rule};
	return true;
}

static struct decision unresolved(const struct rule *r, int err, bool used_path)
{
	return (struct decision){
		.kind = DECISION_DENY,
		.err = err > 0 ? err : EPERM,
		.rule = r,
		.used_path = used_path,
		.unresolved = true,
	};
}

/*
 * The errno for a call that cannot be continued because its decision rested
 * on memory the kernel would read again: ENOSYS where libc and programs fall
 * back to a call the filter judges by registers alone (openat2 → openat),
 * EPERM, a plain refusal, everywhere else.
 */
static int mem_unsafe_errno(const char *syscall)
{
	return syscall && streq(syscall, "openat2") ? ENOSYS : EPERM;
}

/*
 * The one place the TOCTOU rule for copied memory lives: a value read from
 * the target's memory (socketcall's argument array, openat2's mode, an xattr
 * name) may decide a deny or a kill, which never lets the call run; an allow,
 * log or ask would continue it, and the kernel would act on what it reads
 * then, which a racing thread may have changed. Such a call is denied, and
 * the record says why (mem_unsafe).
 */
static struct decision settle_mem(struct decision d, const struct call *c)
{
	if (!d.used_mem)
		return d;
	if (d.kind != DECISION_ALLOW && d.kind != DECISION_LOG && d.kind != DECISION_ASK)
		return d;
	d.kind = DECISION_DENY;
	d.err = mem_unsafe_errno(c->syscall);
	d.mem_unsafe = true;
	return d;
}

static bool arg_in_mem(const struct call *c, unsigned i)
{
	return i < 8 && (c->mem_args & (1u << i));
}

/*
 * A named argument's value in this call: from its register, from the
 * definition (creat's flags), or from the copy of openat2's open_how (then
 * mem: it may decide a deny or kill only). err > 0 when it cannot be had:
 * the condition then fails closed, denying the call.
 */
struct named {
	uint64_t value;
	enum arg_type type;
	bool mem;
	int err;
};

static struct named named_value(const struct call *c, const char *name)
{
	struct arg_place at;

	if (policy_arg_find_abi(c->syscall, name, c->i386, &at) < 0)
		return (struct named){.err = EPERM}; /* the loader refuses this */
	switch (at.where) {
	case ARGW_REGISTER:
		if (arg_in_mem(c, (unsigned)at.index))
			return (struct named){.value = c->args[at.index],
					      .type = at.type,
					      .mem = true,
					      .err = c->mem_err};
		return (struct named){.value = c->args[at.index], .type = at.type};
	case ARGW_FIXED:
		return (struct named){.value = at.fixed, .type = at.type};
	case ARGW_HOW_FLAGS:
	case ARGW_HOW_MODE:
	case ARGW_HOW_RESOLVE:
		if (at.where == ARGW_HOW_MODE && c->mode_in_mem)
			return (struct named){.value = c->mem_mode, .type = at.type, .mem = true};
		if (!c->how_in_mem)
			return (struct named){.mem = true, .err = c->mem_err ? c->mem_err : EPERM};
		return (struct named){.value = c->mem_how[at.where - ARGW_HOW_FLAGS],
				      .type = at.type,
				      .mem = true};
	case ARGW_IN_MEMORY:
		/* i386's old mmap: its arguments are a struct the call points
		 * to; its registers say nothing about them. */
		return (struct named){.mem = true, .err = EPERM};
	default:
		return (struct named){.err = EPERM};
	}
}

static struct decision decide(const struct policy *p, const struct section *s, const struct call *c,
			      struct policy_trace *t)
{
	bool used_path = false, used_mem = false;
	struct decision d;

	/* [sysgate] abi first: no section decides a call through another ABI */
	if (policy_abi_refused(p, call_abi(c), &d))
		return d;
	for (size_t i = 0; s && i < s->n_rules; i++) {
		const struct rule *r = &s->rules[i];
		bool match = true;

		for (size_t k = 0; match && k < r->n_conds; k++) {
			const struct cond *cd = &r->conds[k];
			const struct syscall_shape *shape;
			int idx;

			if (t && i < POLICY_TRACE_MAX) {
				t->n = i + 1;
				t->failed[i] = k; /* the condition being tried */
			}

			switch (cd->kind) {
			case COND_ANY:
				break;
			case COND_ABI_EQ:
			case COND_ABI_NE:
				match = (call_abi(c) == (enum policy_abi)cd->value) ==
					(cd->kind == COND_ABI_EQ);
				break;
			case COND_PATH_MATCH:
			case COND_PATH_NOMATCH:
				used_path = true;
				if (!c->path)
					return unresolved(r, c->path_err, true);
				match = policy_glob_match(cd->glob, c->path) ==
					(cd->kind == COND_PATH_MATCH);
				break;
			case COND_EXE_MATCH:
			case COND_EXE_NOMATCH:
				if (!c->exe)
					return unresolved(r, EPERM, used_path);
				match = policy_glob_match(cd->glob, c->exe) ==
					(cd->kind == COND_EXE_MATCH);
				break;
			case COND_NAME_MATCH:
			case COND_NAME_NOMATCH:
				used_mem = true;
				if (!c->name)
					return unresolved(r, c->name_err, used_path);
				match = policy_glob_match(cd->glob, c->name) ==
					(cd->kind == COND_NAME_MATCH);
				break;
			case COND_MODE_ANY:
				shape = c->shape ? c->shape : policy_syscall_shape(c->syscall);
				idx = policy_shape_arg(shape, 'o');
				if (idx < 0 && policy_shape_arg(shape, 'h') >= 0) {
					/* openat2: the mode is in struct open_how */
					used_mem = true;
					if (!c->mode_in_mem)
						return unresolved(r, c->mem_err, used_path);
					match = (c->mem_mode & cd->value) != 0;
					break;
				}
				/* The loader only allows mode where every syscall has
				 * one; anything else is a caller bug: fail closed. */
				if (idx < 0 || idx > 5)
					return unresolved(r, EPERM, used_path);
				if (arg_in_mem(c, (unsigned)idx)) {
					used_mem = true;
					if (c->mem_err)
						return unresolved(r, c->mem_err, used_path);
				}
				match = (arg_value(c, (unsigned)idx) & cd->value) != 0;
				break;
			case COND_ARG:
				if (cd->arg_name) {
					struct named nv = named_value(c, cd->arg_name);

					if (nv.err)
						return unresolved(r, nv.err, used_path);
					used_mem = used_mem || nv.mem;
					match = policy_arg_compare(cd, nv.type, c->abi32, nv.value);
					break;
				}
				if (cd->arg <= 5 && arg_in_mem(c, cd->arg)) {
					used_mem = true;
					if (c->mem_err)
						return unresolved(r, c->mem_err, used_path);
				}
				match = cd->arg <= 5 &&
					arg_cmp(cd->op, arg_value(c, cd->arg),
						c->abi32 ? (uint32_t)cd->value : cd->value);
				break;
			}
		}
		if (t && i < POLICY_TRACE_MAX) {
			t->n = i + 1;
			if (match)
				t->failed[i] = r->n_conds;
		}
		if (match) {
			d = (struct decision){
				.kind = r->kind,
				.err = r->kind == DECISION_DENY ? (r->err > 0 ? r->err : EPERM) : 0,
				.rule = r,
				.used_path = used_path,
				.used_mem = used_mem,
			};
			return settle_mem(d, c);
		}
	}
	d = (struct decision){
		.kind = p->dflt.kind,
		.err = p->dflt.kind == DECISION_DENY ? (p->dflt.err > 0 ? p->dflt.err : EPERM) : 0,
		.rule = NULL,
		.used_path = used_path,
		.used_mem = used_mem,
	};
	return settle_mem(d, c);
}

struct decision policy_decide(const struct policy *p, const struct section *s, const struct call *c)
{
	return decide(p, s, c, NULL);
}

struct decision policy_decide_trace(const struct policy *p, const struct section *s,
				    const struct call *c, struct policy_trace *t)
{
	*t = (struct policy_trace){0};
	return decide(p, s, c, t);
}

bool policy_section_supervises(const struct policy *p, const struct section *s)
{
	const struct rule *first;

	if (!s)
		return false;
	first = s->n_rules ? &s->rules[0] : &p->dflt;
	return !(first->kind == DECISION_ALLOW &&
		 (!s->n_rules || (first->n_conds == 1 && first->conds[0].kind == COND_ANY)));
}

/*
 * A syscall no section names, that the policy cannot judge by its own rules.
 * Failing a newer one with ENOSYS is what an older kernel would do, and libc
 * then falls back to the older calls, which the filter and the policy see:
 * that is how a policy written for the calls it knows keeps its meaning
 * against calls it cannot know. Only an allowing default with no supervised
 * family in reach lets one run.
 */
struct decision policy_decide_unnamed(const struct policy *p, const char *name,
				      const struct section **ret_section)
{
	const struct newer_syscall *n = policy_newer_syscall_by_name(name);
	const char *reach_name = policy_syscall_reach(name);
	const struct section *reach = NULL;
	const struct family *f = reach_name ? policy_family(reach_name) : NULL;
	bool unknown = !name || n;

	if (ret_section)
		*ret_section = NULL;
	for (size_t i = 0; f && f->syscalls[i] && !reach; i++)
		reach = policy_section_for(p, f->syscalls[i]);
	if (reach && policy_section_supervises(p, reach)) {
		if (ret_section)
			*ret_section = reach;
		return (struct decision){.kind = DECISION_DENY, .err = unknown ? ENOSYS : EPERM};
	}
	if (unknown && p->dflt.kind == DECISION_DENY)
		return (struct decision){.kind = DECISION_DENY, .err = ENOSYS};
	return (struct decision){
		.kind = p->dflt.kind,
		.err = p->dflt.kind == DECISION_DENY ? (p->dflt.err > 0 ? p->dflt.err : EPERM) : 0,
	};
}

const char *policy_decision_name(enum decision_kind k)
{
	switch (k) {
	case DECISION_ALLOW:
		return "allow";
	case DECISION_DENY:
		return "deny";
	case DECISION_KILL:
		return "kill";
	case DECISION_LOG:
		return "log";
	case DECISION_EMULATE:
		return "emulate";
	case DECISION_ASK:
		return "ask";
	}
	return "?";
}
