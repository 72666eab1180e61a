/*
 * match: first-match evaluation of a section's rules on one call.
 *
 * The call was filled in by the supervisor from the notification and from the
 * target's memory. Anything a condition needs but the supervisor could not get
 * (the path, the exe) fails closed: the call is denied, never let through on a
 * guess.
 */
#include <errno.h>

#include "policy/policy.h"

static bool arg_cmp(enum arg_op op, uint64_t a, uint64_t v)
{
	switch (op) {
	case ARG_EQ:
		return a == v;
	case ARG_NE:
		return a != v;
	case ARG_LT:
		return a < v;
	case ARG_LE:
		return a <= v;
	case ARG_GT:
		return a > v;
	case ARG_GE:
		return a >= v;
	case ARG_AND:
		return (a & v) != 0;
	}
	return false;
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

struct decision policy_decide(const struct policy *p, const struct section *s, const struct call *c)
{
	bool used_path = false;

	for (size_t i = 0; s && i < s->n_rules; i++) {
		const struct rule *r = &s->rules[i];
		bool match = true;

		for (size_t k = 0; match && k < r->n_conds; k++) {
			const struct cond *cd = &r->conds[k];
			const struct syscall_shape *shape;
			int idx;

			switch (cd->kind) {
			case COND_ANY:
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
			case COND_MODE_ANY:
				shape = c->shape ? c->shape : policy_syscall_shape(c->syscall);
				idx = policy_shape_arg(shape, 'o');
				/* The loader only allows mode where every syscall has
				 * one; anything else is a caller bug: fail closed. */
				if (idx < 0 || idx > 5)
					return unresolved(r, EPERM, used_path);
				match = (arg_value(c, (unsigned)idx) & cd->value) != 0;
				break;
			case COND_ARG:
				match = cd->arg <= 5 &&
					arg_cmp(cd->op, arg_value(c, cd->arg),
						c->abi32 ? (uint32_t)cd->value : cd->value);
				break;
			}
		}
		if (match)
			return (struct decision){
				.kind = r->kind,
				.err = r->kind == DECISION_DENY ? (r->err > 0 ? r->err : EPERM) : 0,
				.rule = r,
				.used_path = used_path,
			};
	}
	return (struct decision){
		.kind = p->dflt.kind,
		.err = p->dflt.kind == DECISION_DENY ? (p->dflt.err > 0 ? p->dflt.err : EPERM) : 0,
		.rule = NULL,
		.used_path = used_path,
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
