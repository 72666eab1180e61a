/*
 * export: a policy as a seccomp profile for a container runtime (export.h).
 *
 * A policy is first-match: the first rule of a section that holds decides.
 * A profile is a union: every entry that holds applies, and where entries
 * of one syscall with different actions overlap, libseccomp's rule tree
 * decides (neither their order nor the kernel's precedence; PROFILES.md 1d),
 * and an unconditional entry silently overrides every conditional one. So a
 * section becomes entries only when that cannot change its meaning:
 *
 *  - every rule up to the first unconditional one looks at one register
 *    argument, the same for all of them (libseccomp 2.5 mis-compiles
 *    entries of one syscall that test different arguments: compile.c), in a
 *    form a comparison says exactly on x86_64, i386 and x32 alike (an int
 *    compares its low 32 bits: only ==, the bit tests and masked forms,
 *    written as SCMP_CMP_MASKED_EQ, can say that);
 *  - a rule is emitted only if it cannot overlap an earlier rule with
 *    another decision (proved per argument, on 64 and on 32 bits);
 *  - what falls through (the first unconditional rule, or the default) is
 *    the profile's default, or the complement of one single rule.
 *
 * Everything else is notified to `sysgate serve`, which evaluates the whole
 * section, or, where the runtime cannot notify, narrowed (denied) or widened
 * (allowed, on request) with a note naming the policy line. Nothing is
 * dropped without a note.
 *
 * One entry never compares an argument twice (runc and crun split that into
 * an OR); names this libseccomp does not know are reported, not written
 * (the runtimes would skip them without a word).
 */
#include <errno.h>
#include <json-c/json.h>
#include <linux/filter.h>
#include <seccomp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "policy/answer.h"
#include "policy/export.h"
#include "policy/facts.h"
#include "policy/import.h"
#include "sg-util.h"

/* At most this many comparisons (entries) for one syscall; beyond, notified. */
#define MAX_ATOMS 64

/* What the runtime itself calls after it loaded the filter and before exec
 * (measured, PROFILES.md section 2): a profile whose default is not allow
 * must allow them, or the container never starts. */
static const char *const runc_calls[] = {
	"read",	     "write",	"futex",      "close",	"openat", "getpid",
	"epoll_ctl", "fstatfs", "getdents64", "execve", NULL,
};
static const char *const crun_calls[] = {"wait4", "kill", "close", "munmap", "execve", NULL};

static const char *const runtime_names[] = {
	[EXPORT_RUNC] = "runc",
	[EXPORT_CRUN] = "crun",
	[EXPORT_DOCKER] = "docker",
	[EXPORT_PODMAN] = "podman",
};

int policy_export_runtime_parse(const char *name, enum export_runtime *ret)
{
	for (size_t i = 0; i < ARRAY_SIZE(runtime_names); i++)
		if (name && streq(name, runtime_names[i])) {
			*ret = (enum export_runtime)i;
			return 0;
		}
	return -EINVAL;
}

const char *policy_export_runtime_name(enum export_runtime rt)
{
	return (size_t)rt < ARRAY_SIZE(runtime_names) ? runtime_names[rt] : "?";
}

/* ---- actions ---- */

/* An action as the runtimes spell it; err for SCMP_ACT_ERRNO only. */
struct act {
	const char *name;
	int err;
};

#define ACT_ALLOW ((struct act){"SCMP_ACT_ALLOW", 0})
#define ACT_NOTIFY ((struct act){"SCMP_ACT_NOTIFY", 0})

static bool act_is(struct act a, const char *name)
{
	return a.name && streq(a.name, name);
}

static bool act_eq(struct act a, struct act b)
{
	return act_is(a, b.name) && (!act_is(a, "SCMP_ACT_ERRNO") || a.err == b.err);
}

/* allow and log let the call run. */
static bool act_lets_run(struct act a)
{
	return act_is(a, "SCMP_ACT_ALLOW") || act_is(a, "SCMP_ACT_LOG");
}

/* ---- argument comparisons ---- */

/* One comparison as an OCI arg: value a (the mask for MASKED_EQ), valueTwo b. */
struct atom {
	unsigned idx;
	enum scmp_compare op;
	uint64_t a, b;
};

/* A condition on one register, before it is cut into comparisons. */
enum pred_kind {
	PRED_ORDER,   /* arg OP v, unsigned */
	PRED_MASK_EQ, /* (arg & m) == v */
	PRED_MASK_NE, /* (arg & m) != v: one MASKED_EQ per bit of m, ORed */
};
struct pred {
	enum pred_kind kind;
	unsigned idx;
	enum arg_op op; /* PRED_ORDER: ARG_EQ .. ARG_GE */
	uint64_t v, m;
};

static enum scmp_compare scmp_op(enum arg_op op)
{
	switch (op) {
	case ARG_EQ:
		return SCMP_CMP_EQ;
	case ARG_NE:
		return SCMP_CMP_NE;
	case ARG_LT:
		return SCMP_CMP_LT;
	case ARG_LE:
		return SCMP_CMP_LE;
	case ARG_GT:
		return SCMP_CMP_GT;
	default:
		return SCMP_CMP_GE;
	}
}

static const char *scmp_op_name(enum scmp_compare op)
{
	switch (op) {
	case SCMP_CMP_NE:
		return "SCMP_CMP_NE";
	case SCMP_CMP_LT:
		return "SCMP_CMP_LT";
	case SCMP_CMP_LE:
		return "SCMP_CMP_LE";
	case SCMP_CMP_EQ:
		return "SCMP_CMP_EQ";
	case SCMP_CMP_GE:
		return "SCMP_CMP_GE";
	case SCMP_CMP_GT:
		return "SCMP_CMP_GT";
	default:
		return "SCMP_CMP_MASKED_EQ";
	}
}

/* The comparisons (ORed) that say pred; how many, or -1 beyond max. */
static int pred_atoms(const struct pred *p, struct atom *out, size_t max)
{
	size_t n = 0;

	if (p->kind == PRED_ORDER || p->kind == PRED_MASK_EQ) {
		if (max < 1)
			return -1;
		out[0] = p->kind == PRED_ORDER
				 ? (struct atom){p->idx, scmp_op(p->op), p->v, 0}
				 : (struct atom){p->idx, SCMP_CMP_MASKED_EQ, p->m, p->v};
		return 1;
	}
	/* (x & m) != v  <=>  some bit b of m has (x & b) != (v & b) */
	for (uint64_t rest = p->m; rest; rest &= rest - 1) {
		uint64_t bit = rest & -rest;

		if (n == max)
			return -1;
		out[n++] = (struct atom){p->idx, SCMP_CMP_MASKED_EQ, bit, ~p->v & bit};
	}
	return (int)n;
}

static struct pred pred_not(struct pred p)
{
	static const enum arg_op inverse[] = {
		[ARG_EQ] = ARG_NE, [ARG_NE] = ARG_EQ, [ARG_LT] = ARG_GE,
		[ARG_LE] = ARG_GT, [ARG_GT] = ARG_LE, [ARG_GE] = ARG_LT,
	};

	if (p.kind == PRED_ORDER)
		p.op = inverse[p.op];
	else
		p.kind = p.kind == PRED_MASK_EQ ? PRED_MASK_NE : PRED_MASK_EQ;
	return p;
}

static bool pred_holds(const struct pred *p, uint64_t x)
{
	switch (p->kind) {
	case PRED_ORDER:
		return policy_order_holds(p->op, x < p->v ? -1 : x > p->v);
	case PRED_MASK_EQ:
		return (x & p->m) == p->v;
	default:
		return (x & p->m) != p->v;
	}
}

/* [lo, hi] of an order other than !=; false for != (not an interval). */
static bool pred_interval(const struct pred *p, uint64_t *lo, uint64_t *hi, bool *empty)
{
	*empty = false;
	switch (p->op) {
	case ARG_LT:
		*lo = 0;
		*empty = p->v == 0;
		*hi = p->v - 1;
		return true;
	case ARG_LE:
		*lo = 0;
		*hi = p->v;
		return true;
	case ARG_GT:
		*empty = p->v == UINT64_MAX;
		*lo = p->v + 1;
		*hi = UINT64_MAX;
		return true;
	case ARG_GE:
		*lo = p->v;
		*hi = UINT64_MAX;
		return true;
	case ARG_EQ:
		*lo = *hi = p->v;
		return true;
	default:
		return false;
	}
}

/* Provably no value satisfies both (false: they may overlap). */
static bool disjoint_once(const struct pred *a, const struct pred *b)
{
	uint64_t lo1, hi1, lo2, hi2;
	bool e1, e2;

	if (a->idx != b->idx)
		return false;
	if (a->kind == PRED_ORDER && a->op == ARG_EQ)
		return !pred_holds(b, a->v);
	if (b->kind == PRED_ORDER && b->op == ARG_EQ)
		return !pred_holds(a, b->v);
	if (a->kind == PRED_ORDER && b->kind == PRED_ORDER) {
		if (!pred_interval(a, &lo1, &hi1, &e1) || !pred_interval(b, &lo2, &hi2, &e2))
			return false;
		return e1 || e2 || hi1 < lo2 || hi2 < lo1;
	}
	if (a->kind == PRED_MASK_EQ && b->kind == PRED_MASK_EQ)
		return ((a->v ^ b->v) & a->m & b->m) != 0;
	if (a->kind == PRED_MASK_EQ && b->kind == PRED_MASK_NE)
		return (b->m & ~a->m) == 0 && (a->v & b->m) == b->v;
	if (a->kind == PRED_MASK_NE && b->kind == PRED_MASK_EQ)
		return disjoint_once(b, a);
	return false;
}

static struct pred pred_low32(struct pred p)
{
	p.v = (uint32_t)p.v;
	p.m = (uint32_t)p.m;
	return p;
}

/* On 64 bits (x86_64) and on the low 32 (i386, x32: what the matcher and
 * libseccomp compare there). */
static bool disjoint(const struct pred *a, const struct pred *b)
{
	struct pred a32 = pred_low32(*a), b32 = pred_low32(*b);

	return disjoint_once(a, b) && disjoint_once(&a32, &b32);
}

/* It tests the register's high word in a way libseccomp 2.5 can merge wrongly. */
static bool two_words(const struct pred *p)
{
	if (p->kind == PRED_ORDER)
		return p->op != ARG_EQ || p->v > UINT32_MAX;
	return p->m > UINT32_MAX;
}

/* ---- rules ---- */

enum rstat {
	R_ANY,	   /* holds for every call */
	R_NEVER,   /* holds for none (a fixed argument: creat's flags) */
	R_PRED,	   /* one register condition */
	R_DYNAMIC, /* needs sysgate: *why */
};

static const char *cond_why(const struct cond *c)
{
	switch (c->kind) {
	case COND_PATH_MATCH:
	case COND_PATH_NOMATCH:
		return "a path condition";
	case COND_EXE_MATCH:
	case COND_EXE_NOMATCH:
		return "an exe condition";
	case COND_NAME_MATCH:
	case COND_NAME_NOMATCH:
		return "an xattr name condition";
	default:
		return NULL;
	}
}

/* A named argument's condition as a register predicate. */
static enum rstat named_pred(const struct cond *c, const char *sys, struct pred *ret,
			     const char **why)
{
	struct arg_place at, at32;
	uint64_t v = (uint64_t)c->value, v32 = (uint64_t)c->value32, m = c->mask, m32 = c->mask32;
	unsigned w;

	if (policy_arg_find(sys, c->arg_name, &at) < 0) {
		*why = "an argument this syscall does not have";
		return R_DYNAMIC;
	}
	if (at.where == ARGW_FIXED) {
		bool h64 = policy_arg_compare(c, at.type, false, at.fixed),
		     h32 = policy_arg_compare(c, at.type, true, at.fixed);

		if (h64 == h32)
			return h64 ? R_ANY : R_NEVER;
		*why = "a fixed argument that differs between ABIs";
		return R_DYNAMIC;
	}
	if (at.where != ARGW_REGISTER) {
		*why = "an argument in memory (read by sysgate, out of a filter's reach)";
		return R_DYNAMIC;
	}
	if (policy_arg_find_abi(sys, c->arg_name, true, &at32) < 0 || at32.where != ARGW_REGISTER ||
	    at32.index != at.index || at32.type != at.type) {
		*why = "an argument that i386 keeps elsewhere or narrower";
		return R_DYNAMIC;
	}
	if (at.type == ARGT_PTR) {
		*why = "an address";
		return R_DYNAMIC;
	}
	/* umode_t is 16 bits, int and unsigned int 32, long 64 (32 on i386,
	 * where libseccomp compares the low word only). */
	w = at.type == ARGT_U16 ? 16 : at.type == ARGT_INT || at.type == ARGT_UINT ? 32 : 64;
	if (w < 64) {
		uint64_t wm = w == 16 ? 0xffffu : 0xffffffffu;

		v &= wm;
		m &= wm;
		v32 &= wm;
		m32 &= wm;
	}
	/* One comparison for every ABI: the i386 value must be the same bits. */
	if ((uint32_t)v != (uint32_t)v32 ||
	    ((c->op == ARG_MASKED_EQ || c->op == ARG_MASKED_NE) && (uint32_t)m != (uint32_t)m32)) {
		*why = "a constant whose value differs on i386";
		return R_DYNAMIC;
	}
	*ret = (struct pred){.idx = (unsigned)at.index};
	switch (c->op) {
	case ARG_EQ:
	case ARG_NE:
		if (w < 64) {
			/* The low 32 (16) bits, whatever the rest holds. */
			ret->kind = c->op == ARG_EQ ? PRED_MASK_EQ : PRED_MASK_NE;
			ret->m = w == 16 ? 0xffffu : 0xffffffffu;
			ret->v = v;
		} else {
			ret->kind = PRED_ORDER;
			ret->op = c->op;
			ret->v = v;
		}
		return R_PRED;
	case ARG_LT:
	case ARG_LE:
	case ARG_GT:
	case ARG_GE:
		/* seccomp compares unsigned, 64 bits: only an unsigned long,
		 * below 2^32 (the same on i386), is that. */
		if (w == 64 && at.type == ARGT_ULONG && v <= UINT32_MAX) {
			ret->kind = PRED_ORDER;
			ret->op = c->op;
			ret->v = v;
			return R_PRED;
		}
		*why = w == 32 ? "an order on a 32-bit argument (no comparison ignores the upper "
				 "half)"
			       : "a signed order (seccomp compares unsigned)";
		return R_DYNAMIC;
	case ARG_AND:
		ret->kind = PRED_MASK_NE;
		ret->m = v;
		ret->v = 0;
		return R_PRED;
	case ARG_NONE_OF:
		ret->kind = PRED_MASK_EQ;
		ret->m = v;
		ret->v = 0;
		return R_PRED;
	case ARG_MASKED_EQ:
	case ARG_MASKED_NE:
		ret->kind = c->op == ARG_MASKED_EQ ? PRED_MASK_EQ : PRED_MASK_NE;
		ret->m = m;
		ret->v = v;
		return R_PRED;
	}
	*why = "an operator a profile cannot say";
	return R_DYNAMIC;
}

static enum rstat rule_pred(const struct rule *r, const char *sys, struct pred *ret,
			    const char **why)
{
	const struct cond *c = &r->conds[0];

	for (size_t k = 0; k < r->n_conds; k++)
		if (cond_why(&r->conds[k])) {
			*why = cond_why(&r->conds[k]);
			return R_DYNAMIC;
		}
	if (r->kind == DECISION_EMULATE || r->kind == DECISION_ASK) {
		*why = r->kind == DECISION_EMULATE ? "emulate" : "ask";
		return R_DYNAMIC;
	}
	if (r->n_conds == 1 && c->kind == COND_ANY)
		return R_ANY;
	if (r->n_conds != 1) {
		*why = "several conditions in one rule (entries that test several arguments are "
		       "mis-compiled by libseccomp 2.5, and one argument twice is an OR)";
		return R_DYNAMIC;
	}
	if (c->kind == COND_MODE_ANY) {
		const struct syscall_shape *shape = policy_syscall_shape(sys);
		int idx = shape ? policy_shape_arg(shape, 'o') : -1;

		if (idx < 0) {
			*why = "a mode in memory (openat2's open_how)";
			return R_DYNAMIC;
		}
		*ret = (struct pred){.kind = PRED_MASK_NE, .idx = (unsigned)idx, .m = c->value};
		return R_PRED;
	}
	if (c->kind != COND_ARG) {
		*why = "a condition a profile cannot say";
		return R_DYNAMIC;
	}
	if (c->arg_name)
		return named_pred(c, sys, ret, why);
	/* argN: unsigned 64 bits (32 on i386 and x32), as seccomp compares. */
	if (c->op == ARG_AND)
		*ret = (struct pred){.kind = PRED_MASK_NE, .idx = c->arg, .m = c->value};
	else
		*ret = (struct pred){.kind = PRED_ORDER, .idx = c->arg, .op = c->op, .v = c->value};
	return R_PRED;
}

/* ---- the profile being built ---- */

struct xentry {
	struct act act;
	bool has_atom;
	struct atom atom;
	char *comment;
	struct json_object *names; /* array of strings */
};

struct xctx {
	const struct policy *p;
	const struct export_opts *o;
	struct export_result *res;
	struct act dflt; /* the profile's default */
	bool can_notify;
	const char *no_notify_why;
	struct xentry *v;
	size_t n, cap;
	char **decided; /* names the policy decides: out of the base */
	size_t n_decided, cap_decided;
	int err; /* -ENOMEM, sticky */
};

static void note(struct xctx *x, enum diag_level level, const char *file, unsigned line,
		 const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void note(struct xctx *x, enum diag_level level, const char *file, unsigned line,
		 const char *fmt, ...)
{
	struct export_result *r = x->res;
	struct export_note *nv;
	char *msg = NULL;
	va_list ap;
	int k;

	va_start(ap, fmt);
	k = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (k < 0) {
		x->err = -ENOMEM;
		return;
	}
	for (size_t i = 0; i < r->n_notes; i++)
		if (r->notes[i].line == line && streq(r->notes[i].msg, msg) &&
		    ((!file && !r->notes[i].file) ||
		     (file && r->notes[i].file && streq(file, r->notes[i].file)))) {
			free(msg);
			return;
		}
	nv = realloc(r->notes, (r->n_notes + 1) * sizeof(*nv));
	if (!nv) {
		free(msg);
		x->err = -ENOMEM;
		return;
	}
	r->notes = nv;
	nv[r->n_notes++] = (struct export_note){level, file, line, msg};
	if (level == DIAG_ERROR)
		r->n_errors++;
}

static bool decided(const struct xctx *x, const char *name)
{
	for (size_t i = 0; i < x->n_decided; i++)
		if (streq(x->decided[i], name))
			return true;
	return false;
}

static void decide_name(struct xctx *x, const char *name)
{
	if (decided(x, name))
		return;
	if (x->n_decided == x->cap_decided) {
		size_t cap = x->cap_decided ? 2 * x->cap_decided : 64;
		char **nv = realloc(x->decided, cap * sizeof(*nv));

		if (!nv) {
			x->err = -ENOMEM;
			return;
		}
		x->decided = nv;
		x->cap_decided = cap;
	}
	x->decided[x->n_decided++] = (char *)name; /* borrowed from the policy or a table */
}

static bool atom_eq(const struct atom *a, const struct atom *b)
{
	return a->idx == b->idx && a->op == b->op && a->a == b->a && a->b == b->b;
}

/* name under act (and atom), with this comment; entries that differ only
 * in their names are one. */
static void add_entry(struct xctx *x, struct act act, const struct atom *atom, const char *comment,
		      const char *name)
{
	struct xentry *e = NULL;
	size_t len;

	for (size_t i = 0; i < x->n && !e; i++) {
		struct xentry *c = &x->v[i];

		if (act_eq(c->act, act) && c->has_atom == !!atom &&
		    (!atom || atom_eq(&c->atom, atom)) && streq(c->comment, comment))
			e = c;
	}
	if (!e) {
		if (x->n == x->cap) {
			size_t cap = x->cap ? 2 * x->cap : 64;
			struct xentry *nv = realloc(x->v, cap * sizeof(*nv));

			if (!nv) {
				x->err = -ENOMEM;
				return;
			}
			x->v = nv;
			x->cap = cap;
		}
		e = &x->v[x->n];
		*e = (struct xentry){.act = act, .has_atom = !!atom};
		if (atom)
			e->atom = *atom;
		e->comment = strdup(comment);
		e->names = json_object_new_array();
		if (!e->comment || !e->names) {
			free(e->comment);
			json_object_put(e->names);
			x->err = -ENOMEM;
			return;
		}
		x->n++;
	}
	len = json_object_array_length(e->names);
	for (size_t i = 0; i < len; i++)
		if (streq(json_object_get_string(json_object_array_get_idx(e->names, i)), name))
			return;
	if (json_object_array_add(e->names, json_object_new_string(name)) < 0)
		x->err = -ENOMEM;
}

/* The unconditional action of name in the entries, or NULL act if it has
 * only conditional ones (*cond) or none. */
static struct act entry_uncond(const struct xctx *x, const char *name, bool *cond)
{
	*cond = false;
	for (size_t i = 0; i < x->n; i++) {
		size_t len = json_object_array_length(x->v[i].names);

		for (size_t k = 0; k < len; k++)
			if (streq(json_object_get_string(
					  json_object_array_get_idx(x->v[i].names, k)),
				  name)) {
				if (!x->v[i].has_atom)
					return x->v[i].act;
				*cond = true;
			}
	}
	return (struct act){NULL, 0};
}

/* libseccomp knows it on one of the ABIs the profile lists. */
static bool known(const char *name)
{
	return seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, name) >= 0 ||
	       seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86, name) >= 0 ||
	       seccomp_syscall_resolve_name_arch(SCMP_ARCH_X32, name) >= 0;
}

/* Carried by i386's socketcall or ipc. */
static bool multiplexed(const char *name)
{
	for (unsigned c = 1; c <= POLICY_SOCKETCALL_MAX; c++)
		if (policy_socketcall_name(c) && streq(policy_socketcall_name(c), name))
			return true;
	for (unsigned c = 1; c <= POLICY_IPC_MAX; c++)
		if (policy_ipc_name(c) && streq(policy_ipc_name(c), name))
			return true;
	return false;
}

/*
 * socketcall or ipc, when a call they carry is supervised: then the
 * multiplexer gets one unconditional entry of its own (plan_extras), even
 * where a section names it, as sysgate's own filter notifies it whole
 * (compile.c). Else the policy's rules for the calls it carries would not
 * reach i386's socketcall(SYS_SOCKET, ...).
 */
static bool mux_planned(const struct xctx *x, const char *name)
{
	const char *extra[32];
	size_t n;

	if (!streq(name, "socketcall") && !streq(name, "ipc"))
		return false;
	if (!x->can_notify && x->o->widen)
		return false; /* widened: the section (or the default) decides it */
	n = policy_extra_notified(x->p, extra, ARRAY_SIZE(extra));
	for (size_t i = 0; i < n; i++)
		if (streq(extra[i], name))
			return true;
	return false;
}

static struct act act_of(struct xctx *x, const struct rule *r)
{
	if (x->p->mode == POLICY_COMPLAIN && (r->kind == DECISION_DENY || r->kind == DECISION_KILL))
		return (struct act){"SCMP_ACT_LOG", 0};
	switch (r->kind) {
	case DECISION_ALLOW:
		return ACT_ALLOW;
	case DECISION_DENY: {
		int err = r->err > 0 ? r->err : EPERM;

		/* libseccomp refuses 4095 and up (the policy allows 4095). */
		if (err > 4094)
			note(x, DIAG_ERROR, r->file, r->line,
			     "errno %d: libseccomp and the runtimes take 1 to 4094", err);
		return (struct act){"SCMP_ACT_ERRNO", err};
	}
	case DECISION_KILL:
		return (struct act){"SCMP_ACT_KILL_PROCESS", 0};
	case DECISION_LOG:
		return (struct act){"SCMP_ACT_LOG", 0};
	default:
		return ACT_NOTIFY; /* emulate, ask: only reached through R_DYNAMIC */
	}
}

static char *act_text(struct act a)
{
	char *s = NULL;

	if (act_is(a, "SCMP_ACT_ERRNO")) {
		const char *n = policy_errno_name(a.err);

		int k = n ? asprintf(&s, "denied %s", n) : asprintf(&s, "denied %d", a.err);

		if (k < 0)
			return NULL;
		return s;
	}
	if (act_is(a, "SCMP_ACT_ALLOW"))
		return strdup("allowed");
	if (act_is(a, "SCMP_ACT_LOG"))
		return strdup("allowed and logged by the kernel");
	if (act_is(a, "SCMP_ACT_NOTIFY"))
		return strdup("notified");
	if (act_is(a, "SCMP_ACT_KILL_PROCESS"))
		return strdup("killed");
	if (asprintf(&s, "%s", a.name) < 0)
		return NULL;
	return s;
}

/* "policy.ini:12 [mkdir] deny = EACCES mode & 06000" */
static char *rule_comment(const struct xctx *x, const struct section *s, const struct rule *r,
			  const char *extra)
{
	char loc[256], *out = NULL;
	_cleanup_free_ char *conds = NULL, *text = NULL;

	policy_rule_location(x->p, s, r, loc, sizeof(loc));
	if (extra && r && r != &x->p->dflt) {
		/* notified or narrowed: the rule's conditions would mislead
		 * (its path conditions are not in its text) */
		text = NULL;
	} else if (r && r != &x->p->dflt) {
		conds = answer_conds_text(r);
		text = conds ? answer_covers_text(r->kind, r->err, NULL, conds) : NULL;
	} else {
		char d[64];

		if (x->p->dflt.kind == DECISION_DENY && policy_errno_name(x->p->dflt.err))
			snprintf(d, sizeof(d), "deny %s", policy_errno_name(x->p->dflt.err));
		else
			snprintf(d, sizeof(d), "%s", policy_decision_name(x->p->dflt.kind));
		if (asprintf(&text, "(the default: %s)", d) < 0)
			text = NULL;
	}
	if (asprintf(&out, "%s [%s]%s%s%s%s", loc, s ? s->name : "sysgate", text ? " " : "",
		     text ? text : "", extra ? ": " : "", extra ? extra : "") < 0)
		return NULL;
	return out;
}

/* The note's place: the rule's line, else the section's header. */
static void place_of(const struct section *s, const struct rule *r, const char **file,
		     unsigned *line)
{
	*file = r && r->line ? r->file : s->file;
	*line = r && r->line ? r->line : s->line;
}

/*
 * A syscall whose section needs sysgate: notified where the runtime can,
 * else denied (or with --widen allowed), said at the rule's line.
 */
static void need_sysgate(struct xctx *x, const struct section *s, const char *sys, const char *why,
			 const struct rule *why_rule)
{
	const struct policy *p = x->p;
	enum export_runtime rt = x->o->runtime;
	const char *no = x->no_notify_why, *file;
	_cleanup_free_ char *comment = NULL, *what = NULL;
	struct act a = {NULL, 0};
	bool lets_run = false, kills = false;
	unsigned line;

	if (x->can_notify && !(rt == EXPORT_RUNC && streq(sys, "write"))) {
		_cleanup_free_ char *tag = NULL;

		if (asprintf(&tag, "notified, sysgate serve decides (%s)", why) < 0)
			tag = NULL;
		comment = tag ? rule_comment(x, s, why_rule, tag) : NULL;
		if (!comment) {
			x->err = -ENOMEM;
			return;
		}
		add_entry(x, ACT_NOTIFY, NULL, comment, sys);
		return;
	}
	if (x->can_notify)
		no = "runc refuses SCMP_ACT_NOTIFY on write";
	/* Narrowed: killed if any of its decisions kills (an errno would let
	 * the process live through the call the policy kills it for:
	 * `kill = request & 7 == 0` then `log = pid != 1` was EPERM), else
	 * the errno of the section's first deny (EPERM if none); widened:
	 * allowed, if any of its decisions lets the call run. */
	for (size_t i = 0; i <= s->n_rules; i++) {
		const struct rule *r = i < s->n_rules ? &s->rules[i] : &p->dflt;

		if (r->kind == DECISION_DENY && !a.name)
			a = (struct act){"SCMP_ACT_ERRNO", r->err > 0 ? r->err : EPERM};
		else if (r->kind == DECISION_KILL)
			kills = true;
		else if (r->kind != DECISION_DENY)
			lets_run = true;
		if (r == &p->dflt || (r->n_conds == 1 && r->conds[0].kind == COND_ANY))
			break;
	}
	if (x->o->widen && lets_run)
		a = ACT_ALLOW;
	else if (kills)
		a = (struct act){"SCMP_ACT_KILL_PROCESS", 0};
	else if (!a.name || a.err > 4094)
		a = (struct act){"SCMP_ACT_ERRNO", EPERM};
	if (p->mode == POLICY_COMPLAIN)
		a = (struct act){"SCMP_ACT_LOG", 0};
	{
		_cleanup_free_ char *tag = NULL;

		if (asprintf(&tag, "%s (%s)", x->o->widen && lets_run ? "widened" : "narrowed",
			     why) < 0)
			tag = NULL;
		comment = tag ? rule_comment(x, s, why_rule, tag) : NULL;
	}
	what = act_text(a);
	if (!comment || !what) {
		x->err = -ENOMEM;
		return;
	}
	if (!act_eq(a, x->dflt))
		add_entry(x, a, NULL, comment, sys);
	place_of(s, why_rule, &file, &line);
	{
		/* Every other line of the section that needs sysgate too. */
		char more[256] = "";

		for (size_t i = 0; i < s->n_rules; i++) {
			const struct rule *r = &s->rules[i];
			const char *w = NULL;
			struct pred pr;
			size_t len = strlen(more);

			if (r != why_rule && r->line && rule_pred(r, sys, &pr, &w) == R_DYNAMIC &&
			    len + 16 < sizeof(more))
				snprintf(more + len, sizeof(more) - len, "%s%u",
					 len ? ", " : "; so do lines ", r->line);
			if (r->n_conds == 1 && r->conds[0].kind == COND_ANY)
				break;
		}
		note(x, DIAG_WARNING, file, line,
		     "[%s]: %s cannot be decided by the profile alone (%s%s), and %s: %s %s%s",
		     s->name, streq(sys, "write") ? "write" : "its syscalls", why, more, no,
		     streq(sys, "write") ? "it is" : "they are", what,
		     p->mode == POLICY_COMPLAIN ? " (complain mode)"
		     : x->o->widen || !lets_run ? ""
						: " (narrowed; --widen allows them instead)");
	}
}

struct crule {
	struct act act;
	struct pred pred;
	const struct rule *r;
};

/* One syscall of section s (export.c's top says when entries are exact). */
static void plan_syscall(struct xctx *x, const struct section *s, const char *sys)
{
	_cleanup_free_ struct crule *cr = calloc(s->n_rules + 1, sizeof(*cr));
	struct atom atoms[MAX_ATOMS];
	const struct rule *frule = &x->p->dflt, *why_rule = NULL;
	const char *why = NULL;
	struct act f;
	size_t n = 0, n_s = 0, s_at = 0;

	if (!cr) {
		x->err = -ENOMEM;
		return;
	}
	decide_name(x, sys);
	for (size_t i = 0; i < s->n_rules; i++) {
		const struct rule *r = &s->rules[i];
		const char *w = NULL;
		struct pred pr;
		enum rstat st = rule_pred(r, sys, &pr, &w);

		if (st == R_DYNAMIC) {
			if (!why) {
				why = w;
				why_rule = r;
			}
			continue;
		}
		if (st == R_NEVER)
			continue;
		if (st == R_ANY) {
			frule = r;
			break;
		}
		cr[n++] = (struct crule){act_of(x, r), pr, r};
	}
	f = act_of(x, frule);
	if (why)
		goto dynamic;
	/*
	 * A call i386 also makes through socketcall or ipc: for its
	 * conditional rules libseccomp adds socketcall(SYS_...) rules of the
	 * same actions with the conditions dropped (a conditional allow would
	 * allow every socket(2) through socketcall), and refuses two of them
	 * with different actions (-EEXIST: runc then refuses the profile).
	 * Neither happens once the multiplexer has an unconditional rule of
	 * its own, added before (plan_muxes: NOTIFY). Without a listener it
	 * cannot have one that differs from every default, so then the call
	 * is not split at all.
	 */
	if (n > 0 && multiplexed(sys) && !x->can_notify) {
		why = "i386 also makes it through socketcall or ipc, where libseccomp drops "
		      "argument conditions";
		why_rule = cr[0].r;
		goto dynamic;
	}
	for (size_t j = 0; j < n; j++) {
		int k;

		if (cr[j].pred.idx != cr[0].pred.idx) {
			why = "rules that test different arguments (libseccomp 2.5 mis-compiles "
			      "them)";
			why_rule = cr[j].r;
			goto dynamic;
		}
		/* First match to union: j may not overlap an earlier rule that
		 * decides otherwise. Under a fall-through equal to the default a
		 * rule with the default's action is no entry, so it cannot
		 * claim anything. */
		if (act_eq(f, x->dflt) && act_eq(cr[j].act, x->dflt))
			continue;
		for (size_t i = 0; i < j; i++)
			if (!act_eq(cr[i].act, cr[j].act) && !disjoint(&cr[i].pred, &cr[j].pred)) {
				why = "a rule that may overlap an earlier one with another "
				      "decision "
				      "(entries are a union, not first-match)";
				why_rule = cr[j].r;
				goto dynamic;
			}
		k = pred_atoms(&cr[j].pred, atoms, MAX_ATOMS);
		if (k < 0) {
			why = "more comparisons than an entry list should hold";
			why_rule = cr[j].r;
			goto dynamic;
		}
		if (!act_eq(cr[j].act, f)) {
			n_s++;
			s_at = j;
		}
	}
	if (!act_eq(f, x->dflt) && n_s > 1) {
		why = "a fall-through that differs from the profile's default after several rules "
		      "(an entry cannot say 'none of the rules above')";
		why_rule = frule != &x->p->dflt ? frule : cr[n - 1].r;
		goto dynamic;
	}

	/*
	 * libseccomp 2.5 merges comparisons that test the high word (a range:
	 * !=, <, <=, >, >=; a value or mask above 32 bits) wrongly with the
	 * other comparisons of the same syscall (tests/test-export-diff.c
	 * found `>= 0x100000005` and `< 2` denying 0xffffff9c, and
	 * `& 0x100000005` with its complement; 2.6.1 fixes
	 * GHSA-4q85-33p6-j5g6). Such a comparison is an entry only when it is
	 * the syscall's only one.
	 */
	{
		size_t total = 0;
		bool range = false;

		for (size_t j = 0; j < n; j++) {
			const struct pred *pr = &cr[j].pred;

			if (act_eq(cr[j].act, x->dflt) || act_eq(cr[j].act, f))
				continue;
			total += (size_t)pred_atoms(pr, atoms, MAX_ATOMS);
			range = range || two_words(pr);
		}
		if (!act_eq(f, x->dflt) && n_s == 1) {
			struct pred rest = pred_not(cr[s_at].pred);
			int k = pred_atoms(&rest, atoms, MAX_ATOMS);

			total += k > 0 ? (size_t)k : MAX_ATOMS;
			range = range || two_words(&rest);
		}
		if (range && total > 1) {
			why = "a range comparison beside other comparisons of the syscall "
			      "(libseccomp 2.5 mis-merges them)";
			why_rule = cr[0].r;
			goto dynamic;
		}
	}

	/* Exact: the rules' entries, then what falls through. */
	for (size_t j = 0; j < n; j++) {
		_cleanup_free_ char *comment = NULL;
		int k;

		if (act_eq(cr[j].act, x->dflt) || act_eq(cr[j].act, f))
			continue;
		k = pred_atoms(&cr[j].pred, atoms, MAX_ATOMS);
		comment = rule_comment(x, s, cr[j].r, NULL);
		if (!comment || k < 0) {
			x->err = -ENOMEM;
			return;
		}
		for (int a = 0; a < k; a++)
			add_entry(x, cr[j].act, &atoms[a], comment, sys);
	}
	if (!act_eq(f, x->dflt)) {
		_cleanup_free_ char *comment = rule_comment(x, s, frule, NULL);
		int k = 0;

		if (!comment) {
			x->err = -ENOMEM;
			return;
		}
		if (n_s == 0) {
			add_entry(x, f, NULL, comment, sys);
			return;
		}
		{
			struct pred rest = pred_not(cr[s_at].pred);

			k = pred_atoms(&rest, atoms, MAX_ATOMS);
		}
		if (k < 0) {
			why = "more comparisons than an entry list should hold";
			why_rule = frule;
			goto dynamic;
		}
		for (int a = 0; a < k; a++)
			add_entry(x, f, &atoms[a], comment, sys);
	}
	return;
dynamic:
	need_sysgate(x, s, sys, why, why_rule);
}

static void plan_sections(struct xctx *x)
{
	const struct policy *p = x->p;

	for (size_t i = 0; i < p->n_sections && !x->err; i++) {
		const struct section *s = &p->sections[i];

		for (size_t k = 0; k < s->n_syscalls && !x->err; k++) {
			const char *sys = s->syscalls[k];

			if (policy_section_for(p, sys) != s || mux_planned(x, sys))
				continue;
			if (!known(sys)) {
				_cleanup_free_ char *what = act_text(x->dflt);

				bool widens =
					act_lets_run(x->dflt) && policy_section_supervises(p, s);

				decide_name(x, sys);
				note(x, widens && !x->o->skip_unknown ? DIAG_ERROR : DIAG_WARNING,
				     s->file, s->line,
				     "[%s]: %s is unknown to this libseccomp (newer than it): the "
				     "runtime skips it without a word, so it gets the profile's "
				     "default (%s)%s",
				     s->name, sys, what ? what : "?",
				     widens && !x->o->skip_unknown ? ", which the policy does not; "
								     "--skip-unknown accepts that"
								   : "");
				continue;
			}
			plan_syscall(x, s, sys);
		}
	}
}

/* socketcall and ipc, notified before any entry of the calls they carry
 * (plan_syscall says why the order matters). */
static void plan_muxes(struct xctx *x)
{
	static const char *const muxes[] = {"socketcall", "ipc"};

	if (!x->can_notify)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(muxes); i++)
		if (mux_planned(x, muxes[i]) && known(muxes[i])) {
			decide_name(x, muxes[i]);
			add_entry(x, ACT_NOTIFY, NULL,
				  "sysgate: a door to what the policy supervises", muxes[i]);
		}
}

/* Doors no section names (i386's multiplexers, open_by_handle_at, newer
 * syscalls), the always-allowed exits, the runtime's own calls. */
static void plan_extras(struct xctx *x)
{
	const struct policy *p = x->p;
	const char *extra[32];
	size_t n_extra = policy_extra_notified(p, extra, ARRAY_SIZE(extra));
	const char *const *rtc = x->o->runtime == EXPORT_CRUN || x->o->runtime == EXPORT_PODMAN
					 ? crun_calls
					 : runc_calls;
	char added[512] = "";

	for (size_t i = 0; i < n_extra && !x->err; i++) {
		if ((policy_section_for(p, extra[i]) && !mux_planned(x, extra[i])) ||
		    decided(x, extra[i]))
			continue;
		decide_name(x, extra[i]);
		if (!known(extra[i])) {
			/* sysgate denies it (ENOSYS, or by its section's reach):
			 * an allowing default lets it run. */
			bool widens = act_lets_run(x->dflt) && !x->o->skip_unknown;

			note(x, widens ? DIAG_ERROR : DIAG_WARNING, "", 0,
			     "%s: sysgate would decide it, but this libseccomp does not know it: "
			     "the runtime gets the profile's default for it%s",
			     extra[i],
			     widens ? ", which lets it run; --skip-unknown accepts that" : "");
			continue;
		}
		if (x->can_notify) {
			add_entry(x, ACT_NOTIFY, NULL,
				  "sysgate: a door to what the policy supervises", extra[i]);
		} else if (!x->o->widen) {
			struct act a = {"SCMP_ACT_ERRNO", EPERM};

			if (p->mode == POLICY_COMPLAIN)
				a = (struct act){"SCMP_ACT_LOG", 0};
			if (!act_eq(a, x->dflt))
				add_entry(x, a, NULL,
					  "sysgate: a door to what the policy supervises",
					  extra[i]);
			note(x, DIAG_WARNING, "", 0,
			     "%s reaches what the policy supervises and %s: denied EPERM "
			     "(narrowed)",
			     extra[i], x->no_notify_why);
		} else {
			note(x, DIAG_WARNING, "", 0,
			     "%s reaches what the policy supervises and %s: left to the default "
			     "(widened)",
			     extra[i], x->no_notify_why);
		}
	}
	if (act_lets_run(x->dflt))
		return;
	for (size_t i = 0; policy_always_allowed[i]; i++)
		if (!policy_section_for(p, policy_always_allowed[i]) &&
		    known(policy_always_allowed[i])) {
			decide_name(x, policy_always_allowed[i]);
			add_entry(x, ACT_ALLOW, NULL, "sysgate: always allowed",
				  policy_always_allowed[i]);
		}
	for (size_t i = 0; rtc[i] && !x->err; i++) {
		const struct section *s = policy_section_for(p, rtc[i]);
		bool cond;
		struct act a;

		if (!s) {
			decide_name(x, rtc[i]);
			add_entry(x, ACT_ALLOW, NULL,
				  x->o->runtime == EXPORT_CRUN || x->o->runtime == EXPORT_PODMAN
					  ? "crun's own calls after the filter is loaded"
					  : "runc's own calls after the filter is loaded",
				  rtc[i]);
			if (strlen(added) + strlen(rtc[i]) + 3 < sizeof(added))
				snprintf(added + strlen(added), sizeof(added) - strlen(added),
					 "%s%s", *added ? ", " : "", rtc[i]);
			continue;
		}
		a = entry_uncond(x, rtc[i], &cond);
		if (cond || (a.name && !act_lets_run(a) && !act_is(a, "SCMP_ACT_NOTIFY")) ||
		    (!a.name && !act_lets_run(x->dflt)))
			note(x, DIAG_WARNING, s->file, s->line,
			     "[%s]: %s calls %s after it loaded the filter, and this section does "
			     "not simply allow it: the container may not start",
			     s->name,
			     x->o->runtime == EXPORT_CRUN || x->o->runtime == EXPORT_PODMAN
				     ? "crun"
				     : "runc",
			     rtc[i]);
	}
	if (*added)
		note(x, DIAG_NOTICE, "", 0,
		     "allowed for the runtime, which calls them after it loaded the filter and "
		     "no section names them: %s",
		     added);
}

/* ---- the base profile ---- */

static const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static bool jhas(struct json_object *o, const char *key)
{
	return json_object_object_get_ex(o, key, NULL);
}

/* A uint32 errno from "errnoRet" (number) or "errno" (a name or number,
 * Podman's: it wins); dflt if neither. -1: bad. */
static int base_errno(struct json_object *o, const char *num_key, const char *str_key, int dflt)
{
	struct json_object *v;
	const char *s = jstr(o, str_key);

	if (s) {
		int e = policy_errno_parse(s);

		return e > 0 ? e : -1;
	}
	if (json_object_object_get_ex(o, num_key, &v)) {
		int64_t e;

		if (!json_object_is_type(v, json_type_int))
			return -1;
		e = json_object_get_int64(v);
		return e >= 0 && e <= 4094 ? (int)e : -1;
	}
	return dflt;
}

static bool in_list(struct json_object *arr, const char *s)
{
	size_t n = arr && json_object_is_type(arr, json_type_array) ? json_object_array_length(arr)
								    : 0;

	for (size_t i = 0; i < n; i++) {
		struct json_object *v = json_object_array_get_idx(arr, i);

		if (json_object_is_type(v, json_type_string) && streq(json_object_get_string(v), s))
			return true;
	}
	return false;
}

static bool has_cap(const struct export_opts *o, const char *cap)
{
	/* a base profile's includes.caps: Docker's 14, import's one list */
	const char *const *caps = o->caps ? o->caps : import_docker_caps;

	for (size_t i = 0; caps[i]; i++)
		if (streq(caps[i], cap))
			return true;
	return false;
}

/* -1 below, 0 equal, 1 above minKernel "X.Y"; -2 if it does not parse. */
static int kernel_vs(const struct export_opts *o, struct json_object *v)
{
	unsigned a, b;
	char end;

	if (!v || !json_object_is_type(v, json_type_string) ||
	    sscanf(json_object_get_string(v), "%u.%u%c", &a, &b, &end) != 2)
		return -2;
	if (o->kernel_major != a)
		return o->kernel_major < a ? -1 : 1;
	return o->kernel_minor < b ? -1 : o->kernel_minor > b;
}

/* moby's includes/excludes for amd64 (PROFILES.md 1b step 4): 1 keep, 0 skip,
 * -1 cannot tell (*why). */
static int base_filter(const struct export_opts *o, struct json_object *e, const char **why)
{
	struct json_object *inc = NULL, *exc = NULL, *v;

	json_object_object_get_ex(e, "includes", &inc);
	json_object_object_get_ex(e, "excludes", &exc);
	if (exc && json_object_is_type(exc, json_type_object)) {
		if (json_object_object_get_ex(exc, "arches", &v) && in_list(v, "amd64"))
			return 0;
		if (json_object_object_get_ex(exc, "caps", &v) &&
		    json_object_is_type(v, json_type_array))
			for (size_t i = 0; i < json_object_array_length(v); i++) {
				struct json_object *c = json_object_array_get_idx(v, i);

				if (json_object_is_type(c, json_type_string) &&
				    has_cap(o, json_object_get_string(c)))
					return 0;
			}
		if (json_object_object_get_ex(exc, "minKernel", &v)) {
			int k = kernel_vs(o, v);

			if (k == -2) {
				*why = "excludes.minKernel is not \"X.Y\"";
				return -1;
			}
			if (k >= 0)
				return 0;
		}
	}
	if (inc && json_object_is_type(inc, json_type_object)) {
		if (json_object_object_get_ex(inc, "arches", &v) &&
		    json_object_is_type(v, json_type_array) && json_object_array_length(v) > 0 &&
		    !in_list(v, "amd64"))
			return 0;
		if (json_object_object_get_ex(inc, "caps", &v) &&
		    json_object_is_type(v, json_type_array))
			for (size_t i = 0; i < json_object_array_length(v); i++) {
				struct json_object *c = json_object_array_get_idx(v, i);

				if (!json_object_is_type(c, json_type_string) ||
				    !has_cap(o, json_object_get_string(c)))
					return 0;
			}
		if (json_object_object_get_ex(inc, "minKernel", &v)) {
			int k = kernel_vs(o, v);

			if (k == -2) {
				*why = "includes.minKernel is not \"X.Y\"";
				return -1;
			}
			if (k < 0)
				return 0;
		}
	}
	return 1;
}

/* The profile's default: the policy's if it says one or there is no base;
 * else the base's. */
static int choose_default(struct xctx *x)
{
	struct json_object *b = x->o->base;
	const struct policy *p = x->p;
	struct act pol = act_of(x, &p->dflt);
	const char *bd = b ? jstr(b, "defaultAction") : NULL;
	int berr;

	x->dflt = pol;
	if (!b)
		return 0;
	if (!bd || strncmp(bd, "SCMP_ACT_", 9) != 0) {
		note(x, DIAG_ERROR, "", 0, "the base: defaultAction is missing or not an action");
		return 0;
	}
	berr = base_errno(b, "defaultErrnoRet", "defaultErrno", EPERM);
	if (berr < 0) {
		note(x, DIAG_ERROR, "", 0,
		     "the base: defaultErrnoRet or defaultErrno is not an errno from 1 to 4094");
		return 0;
	}
	if (p->dflt.line) {
		_cleanup_free_ char *t = act_text(pol);

		note(x, DIAG_NOTICE, p->dflt.file, p->dflt.line,
		     "the profile's default is the policy's (%s), not the base's (%s)", t ? t : "?",
		     bd);
		return 0;
	}
	x->dflt = (struct act){bd, streq(bd, "SCMP_ACT_ERRNO") ? berr : 0};
	note(x, DIAG_NOTICE, "", 0,
	     "the profile's default is the base's (%s), since the policy sets none; the "
	     "policy's sections keep their own fall-through (%s)",
	     bd, policy_decision_name(p->dflt.kind));
	return 0;
}

static void arches_add(struct json_object *arches, const char *a)
{
	if (!in_list(arches, a))
		json_object_array_add(arches, json_object_new_string(a));
}

/* The SCMP_ARCH_ of each enum policy_abi. */
static const char *const abi_arch[POLICY_ABI_COUNT] = {
	[POLICY_ABI_X86_64] = "SCMP_ARCH_X86_64",
	[POLICY_ABI_I386] = "SCMP_ARCH_X86",
	[POLICY_ABI_X32] = "SCMP_ARCH_X32",
};

/* A base's architecture the policy's abi key leaves out is not added:
 * the base would widen what the policy runs. */
static void base_arch_add(struct xctx *x, struct json_object *arches, const char *a)
{
	for (unsigned k = 0; k < POLICY_ABI_COUNT; k++)
		if (streq(a, abi_arch[k]) && !(x->p->abis & (1u << k))) {
			note(x, DIAG_NOTICE, x->p->abi_rule.file, x->p->abi_rule.line,
			     "the base's %s is left out: abi does not list %s", a,
			     policy_abi_name((enum policy_abi)k));
			return;
		}
	arches_add(arches, a);
}

/* The base's architectures (or archMap, for x86_64) into arches. */
static void base_arches(struct xctx *x, struct json_object *arches)
{
	struct json_object *b = x->o->base, *v, *map;

	if (jhas(b, "architectures") && jhas(b, "archMap")) {
		note(x, DIAG_ERROR, "", 0,
		     "the base has both architectures and archMap (moby and Podman refuse that)");
		return;
	}
	if (json_object_object_get_ex(b, "archMap", &map)) {
		size_t n = json_object_is_type(map, json_type_array) ? json_object_array_length(map)
								     : 0;

		for (size_t i = 0; i < n; i++) {
			struct json_object *e = json_object_array_get_idx(map, i), *subs;
			const char *a = jstr(e, "architecture");

			if (!a || !streq(a, "SCMP_ARCH_X86_64"))
				continue;
			if (json_object_object_get_ex(e, "subArchitectures", &subs) &&
			    json_object_is_type(subs, json_type_array))
				for (size_t k = 0; k < json_object_array_length(subs); k++) {
					struct json_object *s = json_object_array_get_idx(subs, k);

					if (json_object_is_type(s, json_type_string))
						base_arch_add(x, arches, json_object_get_string(s));
				}
		}
		note(x, DIAG_NOTICE, "", 0,
		     "the base's archMap is resolved for x86_64 (its other entries are for other "
		     "hosts)");
		return;
	}
	if (json_object_object_get_ex(b, "architectures", &v) &&
	    json_object_is_type(v, json_type_array))
		for (size_t i = 0; i < json_object_array_length(v); i++) {
			struct json_object *s = json_object_array_get_idx(v, i);
			const char *a = json_object_is_type(s, json_type_string)
						? json_object_get_string(s)
						: "";

			if (streq(a, "SCMP_ARCH_X86_64") || streq(a, "SCMP_ARCH_X86") ||
			    streq(a, "SCMP_ARCH_X32"))
				base_arch_add(x, arches, a);
			else
				note(x, DIAG_NOTICE, "", 0,
				     "the base's architectures[%zu] (%s) is not an x86 ABI: left "
				     "out",
				     i, a);
		}
}

/*
 * A key of the base that Go (runc, Docker, Podman) reads as one of known
 * and json-c does not ("Names", "ACTION", "nameſ"): export reads the exact
 * key and copies the other through, so the runtime would read the base
 * otherwise than export merged it ({"Names": ["mkdir"], "action":
 * "SCMP_ACT_ALLOW"} was dropped as an entry without names, where runc reads
 * an unconditional ALLOW of mkdir). An error; true if there is one.
 */
static bool base_go_keys(struct xctx *x, struct json_object *o, const char *where,
			 const char *const *known)
{
	bool bad = false;

	if (!json_object_is_type(o, json_type_object))
		return false;
	json_object_object_foreach(o, key, val)
	{
		(void)val;
		for (const char *const *k = known; *k; k++)
			if (!streq(key, *k) && policy_json_go_key_equal(key, *k)) {
				note(x, DIAG_ERROR, "", 0,
				     "the base: %s has the key \"%.40s\", which runc, Docker and "
				     "Podman read as \"%s\" (Go matches keys case-insensitively) "
				     "and crun and sysgate do not: write \"%s\"",
				     where, key, *k, *k);
				bad = true;
				break;
			}
	}
	return bad;
}

/* The base's entries, minus every name the policy decides, into calls. */
/* An entry's keys, its filters' and its comparisons'. */
static bool base_entry_go_keys(struct xctx *x, struct json_object *e, const char *where)
{
	static const char *const entry_keys[] = {"names",    "name", "action",	"errnoRet",
						 "errno",    "args", "comment", "includes",
						 "excludes", NULL};
	static const char *const filter_keys[] = {"caps", "arches", "minKernel", NULL};
	static const char *const arg_keys[] = {"index", "value", "valueTwo", "op", NULL};
	struct json_object *v;
	char w[64];
	bool bad = base_go_keys(x, e, where, entry_keys);

	for (size_t f = 0; f < 2; f++) {
		const char *k = f ? "excludes" : "includes";

		snprintf(w, sizeof(w), "%s.%s", where, k);
		if (json_object_is_type(e, json_type_object) && json_object_object_get_ex(e, k, &v))
			bad = base_go_keys(x, v, w, filter_keys) || bad;
	}
	if (json_object_is_type(e, json_type_object) && json_object_object_get_ex(e, "args", &v) &&
	    json_object_is_type(v, json_type_array))
		for (size_t j = 0; j < json_object_array_length(v); j++) {
			snprintf(w, sizeof(w), "%s.args[%zu]", where, j);
			bad = base_go_keys(x, json_object_array_get_idx(v, j), w, arg_keys) || bad;
		}
	return bad;
}

/* The base's top level and archMap. */
static void base_top_go_keys(struct xctx *x)
{
	static const char *const top_keys[] = {
		"defaultAction", "defaultErrnoRet", "defaultErrno",	"architectures", "archMap",
		"flags",	 "listenerPath",    "listenerMetadata", "syscalls",	 NULL,
	};
	static const char *const map_keys[] = {"architecture", "subArchitectures", NULL};
	struct json_object *map;
	char w[32];

	base_go_keys(x, x->o->base, "the top level", top_keys);
	if (json_object_object_get_ex(x->o->base, "archMap", &map) &&
	    json_object_is_type(map, json_type_array))
		for (size_t i = 0; i < json_object_array_length(map); i++) {
			snprintf(w, sizeof(w), "archMap[%zu]", i);
			base_go_keys(x, json_object_array_get_idx(map, i), w, map_keys);
		}
}

static void base_entries(struct xctx *x, struct json_object *calls)
{
	struct json_object *b = x->o->base, *list;
	enum export_runtime rt = x->o->runtime;
	bool resolve = rt == EXPORT_RUNC || rt == EXPORT_CRUN;
	size_t n, skipped = 0;

	if (!json_object_object_get_ex(b, "syscalls", &list))
		return;
	if (!json_object_is_type(list, json_type_array)) {
		note(x, DIAG_ERROR, "", 0, "the base: syscalls is not an array");
		return;
	}
	n = json_object_array_length(list);
	for (size_t i = 0; i < n && !x->err; i++) {
		struct json_object *e = json_object_array_get_idx(list, i), *names = NULL, *out,
				   *kept;
		const char *action =
			json_object_is_type(e, json_type_object) ? jstr(e, "action") : NULL;
		char taken[512] = "";
		char where[32];
		int err;

		snprintf(where, sizeof(where), "syscalls[%zu]", i);
		if (base_entry_go_keys(x, e, where))
			continue;
		if (!action) {
			note(x, DIAG_ERROR, "", 0, "the base: syscalls[%zu] has no action", i);
			continue;
		}
		if (jhas(e, "name") && jhas(e, "names")) {
			note(x, DIAG_ERROR, "", 0,
			     "the base: syscalls[%zu] has both name and names (moby and Podman "
			     "refuse that)",
			     i);
			continue;
		}
		if (resolve) {
			const char *why = NULL;
			int k = base_filter(x->o, e, &why);

			if (k < 0) {
				note(x, DIAG_ERROR, "", 0, "the base: syscalls[%zu]: %s", i, why);
				continue;
			}
			if (k == 0) {
				skipped++;
				continue;
			}
		}
		err = base_errno(e, "errnoRet", "errno", -2);
		if (err == -1) {
			note(x, DIAG_ERROR, "", 0,
			     "the base: syscalls[%zu]: errnoRet or errno is not an errno from 1 "
			     "to 4094",
			     i);
			continue;
		}
		kept = json_object_new_array();
		if (!kept) {
			x->err = -ENOMEM;
			return;
		}
		if (jhas(e, "name")) {
			/* runc drops a name-only entry without a word. */
			const char *nm = jstr(e, "name");

			names = nm ? json_object_new_array() : NULL;
			if (names)
				json_object_array_add(names, json_object_new_string(nm));
		} else if (json_object_object_get_ex(e, "names", &names)) {
			if (!json_object_is_type(names, json_type_array)) {
				note(x, DIAG_ERROR, "", 0,
				     "the base: syscalls[%zu].names is not an array", i);
				json_object_put(kept);
				continue;
			}
			json_object_get(names);
		}
		for (size_t k = 0; names && k < json_object_array_length(names); k++) {
			struct json_object *nm = json_object_array_get_idx(names, k);
			const char *s = json_object_is_type(nm, json_type_string)
						? json_object_get_string(nm)
						: NULL;

			if (!s) {
				note(x, DIAG_ERROR, "", 0,
				     "the base: syscalls[%zu].names[%zu] is not a string", i, k);
				continue;
			}
			if (decided(x, s)) {
				if (strlen(taken) + strlen(s) + 3 < sizeof(taken))
					snprintf(taken + strlen(taken),
						 sizeof(taken) - strlen(taken), "%s%s",
						 *taken ? ", " : "", s);
				continue;
			}
			json_object_array_add(kept, json_object_new_string(s));
		}
		json_object_put(names);
		if (*taken)
			note(x, DIAG_NOTICE, "", 0,
			     "the base's syscalls[%zu] (%s) no longer decides %s: the policy does",
			     i, action, taken);
		if (json_object_array_length(kept) == 0) {
			json_object_put(kept);
			continue;
		}
		if (streq(action, "SCMP_ACT_NOTIFY") && x->can_notify)
			note(x, DIAG_WARNING, "", 0,
			     "the base's syscalls[%zu] notifies: sysgate serve decides those calls "
			     "by the policy's default",
			     i);
		out = json_object_new_object();
		if (!out) {
			json_object_put(kept);
			x->err = -ENOMEM;
			return;
		}
		json_object_object_foreach(e, key, val)
		{
			if (streq(key, "name") || streq(key, "names") || streq(key, "errno") ||
			    streq(key, "errnoRet") ||
			    (resolve && (streq(key, "includes") || streq(key, "excludes"))))
				continue;
			json_object_object_add(out, key, json_object_get(val));
		}
		json_object_object_add(out, "names", kept);
		if (err > 0)
			json_object_object_add(out, "errnoRet", json_object_new_int(err));
		json_object_array_add(calls, out);
	}
	if (skipped)
		note(x, DIAG_NOTICE, "", 0,
		     "%zu of the base's entries do not apply (includes/excludes resolved for "
		     "amd64, "
		     "kernel %u.%u and %s capabilities)",
		     skipped, x->o->kernel_major, x->o->kernel_minor,
		     x->o->caps ? "the given" : "Docker's default");
}

/* ---- the object ---- */

static struct json_object *entry_json(const struct xctx *x, struct xentry *e)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	json_object_object_add(o, "names", json_object_get(e->names));
	json_object_object_add(o, "action", json_object_new_string(e->act.name));
	if (act_is(e->act, "SCMP_ACT_ERRNO"))
		json_object_object_add(o, "errnoRet", json_object_new_int(e->act.err));
	if (e->has_atom) {
		struct json_object *args = json_object_new_array(), *a = json_object_new_object();

		json_object_object_add(a, "index", json_object_new_int((int)e->atom.idx));
		json_object_object_add(a, "value", json_object_new_uint64(e->atom.a));
		json_object_object_add(a, "valueTwo", json_object_new_uint64(e->atom.b));
		json_object_object_add(a, "op", json_object_new_string(scmp_op_name(e->atom.op)));
		json_object_array_add(args, a);
		json_object_object_add(o, "args", args);
	}
	if (x->o->runtime == EXPORT_DOCKER || x->o->runtime == EXPORT_PODMAN)
		json_object_object_add(o, "comment", json_object_new_string(e->comment));
	return o;
}

static void default_notes(struct xctx *x)
{
	enum export_runtime rt = x->o->runtime;

	if (act_lets_run(x->dflt))
		return;
	if (rt == EXPORT_RUNC || rt == EXPORT_DOCKER)
		note(x, DIAG_NOTICE, "", 0,
		     "runc answers ENOSYS, not the default, for syscall numbers above the highest "
		     "one the profile names");
	if (rt == EXPORT_DOCKER && act_is(x->dflt, "SCMP_ACT_ERRNO") && x->dflt.err != EPERM)
		note(x, DIAG_WARNING, x->p->dflt.file, x->p->dflt.line,
		     "Docker 20.10 drops defaultErrnoRet: calls no entry names get EPERM, not "
		     "%d",
		     x->dflt.err);
}

/*
 * runc's -ENOSYS stub (PROFILES.md section 2): under a default that is not
 * allow, log or trace, runc answers ENOSYS to every syscall numbered above
 * the highest the profile names on that arch, where the policy gives them
 * its default (EPERM, or kill). An entry of the default's action naming the
 * highest syscall this libseccomp knows on each arch moves that line up to
 * it: runc counts the entry, then skips it as equal to the default, so the
 * filter is the same and only syscalls no profile can name stay ENOSYS.
 * Tested with runc 1.1.5: cachestat and fchmodat2 get the default then.
 */
static int stub_entry(struct xctx *x, struct json_object *calls)
{
	static const uint32_t arches[] = {SCMP_ARCH_X86_64, SCMP_ARCH_X86, SCMP_ARCH_X32};
	struct json_object *names, *e;

	if (x->o->runtime != EXPORT_RUNC && x->o->runtime != EXPORT_DOCKER)
		return 0;
	if (act_lets_run(x->dflt) || act_is(x->dflt, "SCMP_ACT_TRACE") ||
	    (act_is(x->dflt, "SCMP_ACT_ERRNO") && x->dflt.err == ENOSYS))
		return 0;
	names = json_object_new_array();
	if (!names)
		return -ENOMEM;
	for (size_t a = 0; a < ARRAY_SIZE(arches); a++) {
		int base = arches[a] == SCMP_ARCH_X32 ? 0x40000000 : 0, max = -1, top = -1;
		char *top_name = NULL;

		for (size_t i = 0; i < json_object_array_length(calls); i++) {
			struct json_object *nm;

			if (!json_object_object_get_ex(json_object_array_get_idx(calls, i), "names",
						       &nm) ||
			    !json_object_is_type(nm, json_type_array))
				continue;
			for (size_t k = 0; k < json_object_array_length(nm); k++) {
				const char *n =
					json_object_get_string(json_object_array_get_idx(nm, k));
				int nr = n ? seccomp_syscall_resolve_name_arch(arches[a], n) : -1;

				if (nr > max)
					max = nr;
			}
		}
		for (int nr = base + 1023; nr > base && !top_name; nr--) {
			top_name = seccomp_syscall_resolve_num_arch(arches[a], nr);
			top = nr;
		}
		if (top_name && max < top && !in_list(names, top_name))
			json_object_array_add(names, json_object_new_string(top_name));
		free(top_name);
	}
	if (json_object_array_length(names) == 0) {
		json_object_put(names);
		return 0;
	}
	e = json_object_new_object();
	if (!e) {
		json_object_put(names);
		return -ENOMEM;
	}
	json_object_object_add(e, "names", names);
	json_object_object_add(e, "action", json_object_new_string(x->dflt.name));
	if (act_is(x->dflt, "SCMP_ACT_ERRNO"))
		json_object_object_add(e, "errnoRet", json_object_new_int(x->dflt.err));
	if (x->o->runtime == EXPORT_DOCKER)
		json_object_object_add(
			e, "comment",
			json_object_new_string("the default, named so that runc's ENOSYS stub "
					       "leaves every syscall libseccomp knows to it"));
	if (json_object_array_add(calls, e) < 0) {
		json_object_put(e);
		return -ENOMEM;
	}
	note(x, DIAG_NOTICE, "", 0,
	     "%s named with the default, so that runc's ENOSYS stub gives only syscalls this "
	     "libseccomp does not know ENOSYS",
	     json_object_get_string(json_object_array_get_idx(names, 0)));
	return 0;
}

static int build(struct xctx *x, struct json_object **ret)
{
	const struct export_opts *o = x->o;
	struct json_object *obj = json_object_new_object(), *arches = json_object_new_array();
	struct json_object *calls = json_object_new_array(), *notified = json_object_new_array();

	if (!obj || !arches || !calls || !notified)
		goto oom;
	json_object_object_add(obj, "defaultAction", json_object_new_string(x->dflt.name));
	if (act_is(x->dflt, "SCMP_ACT_ERRNO") && o->runtime != EXPORT_DOCKER)
		json_object_object_add(obj, "defaultErrnoRet", json_object_new_int(x->dflt.err));
	/* [sysgate] abi: the ABIs it lists, and no others (the runtime kills
	 * a call from an architecture the profile does not list) */
	for (unsigned a = 0; a < POLICY_ABI_COUNT; a++)
		if (x->p->abis & (1u << a))
			arches_add(arches, abi_arch[a]);
	if (x->p->abis != POLICY_ABIS_ALL)
		note(x, DIAG_NOTICE, x->p->abi_rule.file, x->p->abi_rule.line,
		     "architectures: only the ABIs abi lists; the runtime kills a call through "
		     "another with KILL_THREAD (the calling thread), where sysgate run kills the "
		     "whole process");
	if (o->base) {
		base_top_go_keys(x);
		base_arches(x, arches);
	}
	json_object_object_add(obj, "architectures", json_object_get(arches));
	for (size_t i = 0; i < x->n; i++) {
		struct json_object *e = entry_json(x, &x->v[i]);

		if (!e || json_object_array_add(calls, e) < 0) {
			json_object_put(e);
			goto oom;
		}
		if (act_is(x->v[i].act, "SCMP_ACT_NOTIFY"))
			for (size_t k = 0; k < json_object_array_length(x->v[i].names); k++) {
				const char *nm = json_object_get_string(
					json_object_array_get_idx(x->v[i].names, k));

				if (!in_list(notified, nm))
					json_object_array_add(notified, json_object_new_string(nm));
			}
	}
	x->res->n_notified = json_object_array_length(notified);
	if (o->base) {
		struct json_object *v;

		base_entries(x, calls);
		if (json_object_object_get_ex(o->base, "flags", &v)) {
			if (o->runtime == EXPORT_RUNC || o->runtime == EXPORT_DOCKER)
				note(x, DIAG_NOTICE, "", 0, "the base's flags are left out (%s)",
				     o->runtime == EXPORT_RUNC ? "runc 1.1 refuses every flag"
							       : "Docker 20.10 drops them");
			else
				json_object_object_add(obj, "flags", json_object_get(v));
		}
		if (x->res->n_notified == 0 && o->runtime != EXPORT_DOCKER)
			for (size_t i = 0; i < 2; i++) {
				const char *k = i ? "listenerMetadata" : "listenerPath";

				if (json_object_object_get_ex(o->base, k, &v))
					json_object_object_add(obj, k, json_object_get(v));
			}
	}
	if (x->res->n_notified > 0) {
		json_object_object_add(obj, "listenerPath",
				       json_object_new_string(o->listener_path));
		if (o->metadata)
			json_object_object_add(obj, "listenerMetadata",
					       json_object_new_string(o->metadata));
	} else if (o->listener_path && o->runtime != EXPORT_DOCKER) {
		note(x, DIAG_WARNING, "", 0,
		     "no call is notified: no listenerPath is written (crun would connect to %s "
		     "even so)",
		     o->listener_path);
	}
	/* A NOTIFY entry of the base's with no listener: runc refuses the
	 * profile ("listenerPath is not set"), crun gives those calls ENOSYS. */
	if (!json_object_object_get_ex(obj, "listenerPath", NULL))
		for (size_t i = 0; i < json_object_array_length(calls); i++) {
			const char *a = jstr(json_object_array_get_idx(calls, i), "action");

			if (a && streq(a, "SCMP_ACT_NOTIFY")) {
				note(x, DIAG_ERROR, "", 0,
				     "the base notifies some calls, and the profile has no "
				     "listenerPath (%s): give --socket, or take those entries out",
				     o->runtime == EXPORT_DOCKER ? "Docker 20.10 drops it"
								 : "the runtime refuses that");
				break;
			}
		}
	if (x->res->n_notified > 0 && o->base && jhas(o->base, "listenerPath"))
		note(x, DIAG_NOTICE, "", 0,
		     "the base's listenerPath is replaced by sysgate serve's (%s)",
		     o->listener_path);
	if (stub_entry(x, calls) < 0)
		goto oom;
	json_object_object_add(obj, "syscalls", calls);
	json_object_put(arches);
	json_object_put(notified);
	*ret = obj;
	return 0;
oom:
	json_object_put(obj);
	json_object_put(arches);
	json_object_put(calls);
	json_object_put(notified);
	return -ENOMEM;
}

static struct json_object *resolved_copy(const struct export_opts *o, struct json_object *profile,
					 size_t **map);

int policy_export(const struct policy *p, const struct export_opts *o, struct export_result *ret)
{
	struct xctx x = {.p = p, .o = o, .res = ret};
	struct json_object *obj = NULL;
	int r;

	*ret = (struct export_result){0};
	if (o->runtime == EXPORT_DOCKER)
		x.no_notify_why = "Docker 20.10 drops listenerPath, so nothing can be notified";
	else if (!o->listener_path)
		x.no_notify_why = "no --socket was given for sysgate serve";
	x.can_notify = !x.no_notify_why;
	x.dflt = act_of(&x, &p->dflt);
	if (o->base && !json_object_is_type(o->base, json_type_object))
		note(&x, DIAG_ERROR, "", 0, "the base is not a JSON object");
	else
		choose_default(&x);
	if (x.err == 0)
		plan_muxes(&x);
	if (x.err == 0)
		plan_sections(&x);
	if (x.err == 0)
		plan_extras(&x);
	if (x.err == 0)
		default_notes(&x);
	r = x.err ? x.err : build(&x, &obj);
	if (r == 0 && x.err)
		r = x.err;
	if (r == 0 && !o->no_bpf && ret->n_errors == 0) {
		const char *why = NULL;
		int idx = -1;
		size_t *map = NULL;
		struct json_object *counted = resolved_copy(o, obj, &map);

		r = counted ? policy_export_bpf_count(counted, &ret->bpf_insns, &why, &idx)
			    : -ENOMEM;
		if (idx >= 0 && map)
			idx = (int)map[idx];
		free(map);
		json_object_put(counted);
		if (r == -EINVAL) {
			if (idx >= 0)
				note(&x, DIAG_ERROR, "", 0, "syscalls[%d] of the profile: %s", idx,
				     why);
			else
				note(&x, DIAG_ERROR, "", 0, "the profile: %s", why);
			r = x.err;
		} else if (r == 0 && ret->bpf_insns > BPF_MAXINSNS) {
			note(&x, DIAG_ERROR, "", 0,
			     "the filter is %zu BPF instructions; the kernel loads at most %d "
			     "(write fewer rules, or group syscalls into fewer sections)",
			     ret->bpf_insns, BPF_MAXINSNS);
			r = x.err;
		}
	}
	for (size_t i = 0; i < x.n; i++) {
		free(x.v[i].comment);
		json_object_put(x.v[i].names);
	}
	free(x.v);
	free(x.decided);
	if (r < 0) {
		json_object_put(obj);
		policy_export_done(ret);
		return r;
	}
	ret->profile = obj;
	return 0;
}

void policy_export_done(struct export_result *r)
{
	if (!r)
		return;
	json_object_put(r->profile);
	for (size_t i = 0; i < r->n_notes; i++)
		free(r->notes[i].msg);
	free(r->notes);
	*r = (struct export_result){0};
}

size_t policy_export_notified(const struct policy *p, enum export_runtime rt)
{
	struct export_opts o = {
		.runtime = rt, .listener_path = "/run/sysgate.sock", .no_bpf = true};
	struct export_result r;
	size_t n;

	if (policy_export(p, &o, &r) < 0)
		return 0;
	n = r.n_notified;
	policy_export_done(&r);
	return n;
}

/*
 * The profile as the runtime's libseccomp gets it. For docker and podman
 * the base's includes and excludes stay in the profile, and Docker and
 * Podman resolve them before runc or crun see it: counting them all
 * refused a merge where socket KILL_PROCESS if CAP_SYS_ADMIN sits beside
 * socket ALLOW (two unconditional socketcall rules of different actions
 * for libseccomp, which the container never gets). So the entries that do
 * not apply for the caps and kernel given are left out of the count.
 * map[i]: the index in profile of the copy's entry i.
 */
static struct json_object *resolved_copy(const struct export_opts *o, struct json_object *profile,
					 size_t **map)
{
	struct json_object *c = json_object_new_object(), *calls, *out;

	*map = NULL;
	if (!c)
		return NULL;
	json_object_object_foreach(profile, key, val)
	{
		if (!streq(key, "syscalls"))
			json_object_object_add(c, key, json_object_get(val));
	}
	if (!json_object_object_get_ex(profile, "syscalls", &calls) ||
	    !json_object_is_type(calls, json_type_array))
		return c;
	out = json_object_new_array();
	*map = calloc(json_object_array_length(calls) + 1, sizeof(**map));
	if (!out || !*map) {
		json_object_put(out);
		json_object_put(c);
		free(*map);
		*map = NULL;
		return NULL;
	}
	for (size_t i = 0; i < json_object_array_length(calls); i++) {
		struct json_object *e = json_object_array_get_idx(calls, i);
		const char *why = NULL;

		if ((o->runtime == EXPORT_DOCKER || o->runtime == EXPORT_PODMAN) &&
		    json_object_is_type(e, json_type_object) && base_filter(o, e, &why) != 1)
			continue;
		(*map)[json_object_array_length(out)] = i;
		json_object_array_add(out, json_object_get(e));
	}
	json_object_object_add(c, "syscalls", out);
	return c;
}

/* ---- what a deployed profile notifies ---- */

/* Does args hold a comparison libseccomp keeps? SCMP_CMP_MASKED_EQ with
 * mask 0 and datum 0 is dropped as always true (seccomp_export_pfc), so an
 * entry of only those is unconditional: NOTIFY mkdir if arg1 & 0 == 0, then
 * ALLOW mkdir, notifies mkdir, which the count said it did not. */
static bool has_real_cond(struct json_object *args)
{
	unsigned seen = 0;
	bool twice = false, always = false, real = false;

	for (size_t i = 0; i < json_object_array_length(args); i++) {
		struct json_object *a = json_object_array_get_idx(args, i), *v;
		const char *op = jstr(a, "op");
		uint64_t mask = 1, datum = 0, idx = 0;

		if (json_object_object_get_ex(a, "value", &v))
			mask = json_object_get_uint64(v);
		if (json_object_object_get_ex(a, "valueTwo", &v))
			datum = json_object_get_uint64(v);
		if (json_object_object_get_ex(a, "index", &v))
			idx = json_object_get_uint64(v);
		if (idx < 32) {
			twice = twice || (seen & (1u << idx));
			seen |= 1u << idx;
		}
		if (op && streq(op, "SCMP_CMP_MASKED_EQ") && mask == 0 && datum == 0)
			always = true;
		else
			real = true;
	}
	/* an argument compared twice is one rule per comparison (runc,
	 * crun): one of them always true makes that rule unconditional */
	return real && !(twice && always);
}

int policy_export_count_notified(struct json_object *seccomp, size_t *ret, bool *ret_default)
{
	struct json_object *calls, *seen = json_object_new_object();
	const char *dflt = seccomp ? jstr(seccomp, "defaultAction") : NULL;
	size_t n = 0;

	*ret = 0;
	*ret_default = false;
	if (!seen)
		return -ENOMEM;
	if (!dflt) {
		json_object_put(seen);
		return -EINVAL;
	}
	*ret_default = streq(dflt, "SCMP_ACT_NOTIFY");
	if (!json_object_object_get_ex(seccomp, "syscalls", &calls) ||
	    !json_object_is_type(calls, json_type_array)) {
		json_object_put(seen);
		return 0;
	}
	/* seen: name -> 1 notified for good, 0 decided otherwise, 2 notified
	 * conditionally so far (an unconditional entry later overrides it). */
	for (size_t i = 0; i < json_object_array_length(calls); i++) {
		struct json_object *e = json_object_array_get_idx(calls, i), *names, *args;
		const char *action =
			json_object_is_type(e, json_type_object) ? jstr(e, "action") : NULL;
		bool cond = json_object_object_get_ex(e, "args", &args) &&
			    json_object_is_type(args, json_type_array) && has_real_cond(args);
		/* runc and crun skip an entry whose action, errno included, is
		 * the default's: ERRNO(13) under ERRNO(1) is not skipped */
		bool same = action && streq(action, dflt) &&
			    (!streq(action, "SCMP_ACT_ERRNO") ||
			     base_errno(e, "errnoRet", "errno", EPERM) ==
				     base_errno(seccomp, "defaultErrnoRet", "defaultErrno", EPERM));

		if (!action || same || !json_object_object_get_ex(e, "names", &names) ||
		    !json_object_is_type(names, json_type_array))
			continue;
		for (size_t k = 0; k < json_object_array_length(names); k++) {
			struct json_object *nm = json_object_array_get_idx(names, k), *v;
			const char *name = json_object_is_type(nm, json_type_string)
						   ? json_object_get_string(nm)
						   : NULL;
			int before = -1;

			if (!name || !known(name))
				continue;
			if (json_object_object_get_ex(seen, name, &v))
				before = json_object_get_int(v);
			if (before == 0 || before == 1)
				continue; /* an unconditional entry came first */
			if (cond && streq(action, "SCMP_ACT_NOTIFY"))
				json_object_object_add(seen, name, json_object_new_int(2));
			else if (!cond)
				json_object_object_add(
					seen, name,
					json_object_new_int(streq(action, "SCMP_ACT_NOTIFY") ? 1
											     : 0));
		}
	}
	json_object_object_foreach(seen, key, val)
	{
		(void)key;
		if (json_object_get_int(val) != 0)
			n++;
	}
	json_object_put(seen);
	*ret = n;
	return 0;
}

/* ---- the filter, as runc builds it ---- */

static int scmp_action(const char *name, int err, uint32_t *ret)
{
	static const struct {
		const char *name;
		uint32_t act;
	} acts[] = {
		{"SCMP_ACT_KILL", SCMP_ACT_KILL},
		{"SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD},
		{"SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS},
		{"SCMP_ACT_TRAP", SCMP_ACT_TRAP},
		{"SCMP_ACT_ALLOW", SCMP_ACT_ALLOW},
		{"SCMP_ACT_LOG", SCMP_ACT_LOG},
		{"SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY},
	};

	if (streq(name, "SCMP_ACT_ERRNO")) {
		*ret = SCMP_ACT_ERRNO((uint32_t)err);
		return 0;
	}
	if (streq(name, "SCMP_ACT_TRACE")) {
		*ret = SCMP_ACT_TRACE((uint32_t)err);
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(acts); i++)
		if (streq(acts[i].name, name)) {
			*ret = acts[i].act;
			return 0;
		}
	return -EINVAL;
}

static int scmp_cmp(const char *op, enum scmp_compare *ret)
{
	static const enum scmp_compare ops[] = {SCMP_CMP_NE,	   SCMP_CMP_LT, SCMP_CMP_LE,
						SCMP_CMP_EQ,	   SCMP_CMP_GE, SCMP_CMP_GT,
						SCMP_CMP_MASKED_EQ};

	for (size_t i = 0; i < ARRAY_SIZE(ops); i++)
		if (op && streq(op, scmp_op_name(ops[i]))) {
			*ret = ops[i];
			return 0;
		}
	return -EINVAL;
}

static int json_u64(struct json_object *o, const char *key, uint64_t *ret)
{
	struct json_object *v;

	*ret = 0;
	if (!json_object_object_get_ex(o, key, &v))
		return 0;
	if (!json_object_is_type(v, json_type_int))
		return -EINVAL;
	/* json-c keeps large values unsigned; a negative one is refused by runc */
	if (json_object_get_int64(v) < 0 && json_object_get_uint64(v) <= (uint64_t)INT64_MAX)
		return -EINVAL;
	*ret = json_object_get_uint64(v);
	return 0;
}

static int add_json_entry(scmp_filter_ctx ctx, uint32_t dflt, struct json_object *e,
			  const char **why)
{
	struct json_object *names, *args = NULL;
	struct scmp_arg_cmp cmp[6];
	const char *action = jstr(e, "action");
	int err = base_errno(e, "errnoRet", "errno", EPERM);
	size_t n_args = 0;
	bool same = false;
	uint32_t act;

	if (!action || err < 0 || scmp_action(action, err, &act) < 0) {
		*why = "an action or errno libseccomp does not take";
		return -EINVAL;
	}
	/* runc and crun skip an entry whose action is the default's. */
	if (act == dflt)
		return 0;
	if (json_object_object_get_ex(e, "args", &args) && args &&
	    json_object_is_type(args, json_type_array))
		n_args = json_object_array_length(args);
	if (n_args > 6) {
		*why = "more than six argument comparisons";
		return -EINVAL;
	}
	for (size_t i = 0; i < n_args; i++) {
		struct json_object *a = json_object_array_get_idx(args, i), *iv;
		uint64_t va, vb;
		enum scmp_compare op;

		if (!json_object_object_get_ex(a, "index", &iv) ||
		    !json_object_is_type(iv, json_type_int) || json_object_get_int64(iv) < 0 ||
		    json_object_get_int64(iv) > 5 || json_u64(a, "value", &va) < 0 ||
		    json_u64(a, "valueTwo", &vb) < 0 || scmp_cmp(jstr(a, "op"), &op) < 0) {
			*why = "an argument comparison runc refuses";
			return -EINVAL;
		}
		cmp[i] = (struct scmp_arg_cmp){(unsigned)json_object_get_int64(iv), op, va, vb};
		for (size_t k = 0; k < i; k++)
			same = same || cmp[k].arg == cmp[i].arg;
	}
	if (!json_object_object_get_ex(e, "names", &names) ||
	    !json_object_is_type(names, json_type_array))
		return 0; /* runc: no rule */
	for (size_t i = 0; i < json_object_array_length(names); i++) {
		const char *nm = json_object_get_string(json_object_array_get_idx(names, i));
		int nr = nm ? seccomp_syscall_resolve_name(nm) : __NR_SCMP_ERROR, r = 0;

		if (nr == __NR_SCMP_ERROR)
			continue; /* unknown to libseccomp: the runtimes skip it */
		if (!same) {
			r = seccomp_rule_add_array(ctx, act, nr, (unsigned)n_args,
						   n_args ? cmp : NULL);
		} else {
			/* One argument twice: one rule per comparison (an OR). */
			for (size_t k = 0; k < n_args && r == 0; k++)
				r = seccomp_rule_add_array(ctx, act, nr, 1, &cmp[k]);
		}
		if (r < 0) {
			*why = "libseccomp refuses a rule of it (so would the runtime)";
			return -EINVAL;
		}
	}
	return 0;
}

int policy_export_bpf_count(struct json_object *profile, size_t *ret_insns, const char **ret_why,
			    int *ret_index)
{
	struct policy_filter f = {0};
	int r = policy_export_bpf(profile, &f, ret_why, ret_index);

	*ret_insns = f.len;
	policy_filter_done(&f);
	return r;
}

int policy_export_bpf(struct json_object *profile, struct policy_filter *ret, const char **ret_why,
		      int *ret_index)
{
	struct json_object *arches, *calls;
	const char *dname = jstr(profile, "defaultAction");
	int derr = base_errno(profile, "defaultErrnoRet", "defaultErrno", EPERM), r = 0;
	_cleanup_close_ int fd = -1;
	scmp_filter_ctx ctx;
	uint32_t dflt;
	off_t size;

	*ret_index = -1;
	*ret = (struct policy_filter){0};
	if (!dname || derr < 0 || scmp_action(dname, derr, &dflt) < 0) {
		*ret_why = "a defaultAction libseccomp does not take";
		return -EINVAL;
	}
	ctx = seccomp_init(dflt);
	if (!ctx)
		return -ENOMEM;
	if (json_object_object_get_ex(profile, "architectures", &arches) &&
	    json_object_is_type(arches, json_type_array))
		for (size_t i = 0; i < json_object_array_length(arches) && r == 0; i++) {
			const char *a =
				json_object_get_string(json_object_array_get_idx(arches, i));
			uint32_t token;

			if (!a || strncmp(a, "SCMP_ARCH_", 10) != 0) {
				r = -EINVAL;
				break;
			}
			{
				char low[32];
				size_t k;

				for (k = 0; a[10 + k] && k + 1 < sizeof(low); k++)
					low[k] = (char)(a[10 + k] >= 'A' && a[10 + k] <= 'Z'
								? a[10 + k] - 'A' + 'a'
								: a[10 + k]);
				low[k] = '\0';
				token = seccomp_arch_resolve_name(low);
			}
			if (!token) {
				r = -EINVAL;
				break;
			}
			r = seccomp_arch_add(ctx, token);
			if (r == -EEXIST)
				r = 0;
		}
	if (r < 0) {
		*ret_why = "an architecture libseccomp does not know";
		seccomp_release(ctx);
		return -EINVAL;
	}
	if (json_object_object_get_ex(profile, "syscalls", &calls) &&
	    json_object_is_type(calls, json_type_array))
		for (size_t i = 0; i < json_object_array_length(calls); i++) {
			r = add_json_entry(ctx, dflt, json_object_array_get_idx(calls, i), ret_why);
			if (r < 0) {
				*ret_index = (int)i;
				seccomp_release(ctx);
				return r;
			}
		}
	fd = memfd_create("sysgate-export", MFD_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		seccomp_release(ctx);
		return r;
	}
	r = seccomp_export_bpf(ctx, fd);
	seccomp_release(ctx);
	if (r < 0)
		return r;
	size = lseek(fd, 0, SEEK_END);
	if (size < 0)
		return -errno;
	if (size == 0 || size % (off_t)sizeof(struct sock_filter) != 0)
		return -EIO;
	ret->insns = malloc((size_t)size);
	if (!ret->insns)
		return -ENOMEM;
	if (pread(fd, ret->insns, (size_t)size, 0) != size) {
		free(ret->insns);
		ret->insns = NULL;
		return -EIO;
	}
	ret->len = (size_t)size / sizeof(struct sock_filter);
	return 0;
}
