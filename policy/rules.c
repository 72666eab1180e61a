/*
 * rules: "DECISION = [ERRNO] CONDITION [and CONDITION]..." into struct rule:
 * values, constants, globs, named and raw arguments.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy/loader.h"
#include "policy/policy.h"
#include "sg-util.h"

/* ---- values ---- */

int ld_split_tokens(const char *value, char **ret_buf, char ***ret_toks, size_t *ret_n)
{
	_cleanup_free_ char *buf = strdup(value);
	_cleanup_free_ char **toks = NULL;
	size_t n = 0;
	char *s, *save = NULL;

	if (!buf)
		return -ENOMEM;
	toks = calloc(strlen(value) / 2 + 2, sizeof(*toks));
	if (!toks)
		return -ENOMEM;
	for (s = strtok_r(buf, " \t\r\v\f", &save); s; s = strtok_r(NULL, " \t\r\v\f", &save))
		toks[n++] = s;
	toks[n] = NULL;
	*ret_buf = TAKE_PTR(buf);
	*ret_toks = TAKE_PTR(toks);
	*ret_n = n;
	return 0;
}

static bool all_in(const char *s, const char *set)
{
	return *s && strspn(s, set) == strlen(s);
}

/* VALUE: decimal, 0x hex, 0 octal, or negative decimal (two's complement). */
static bool parse_value(const char *s, uint64_t *ret)
{
	char *end;

	errno = 0;
	if (s[0] == '-') {
		long long v;

		if (!all_in(s + 1, "0123456789"))
			return false;
		v = strtoll(s, &end, 10);
		if (errno || *end)
			return false;
		*ret = (uint64_t)v;
		return true;
	}
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		if (!all_in(s + 2, "0123456789abcdefABCDEF"))
			return false;
		*ret = strtoull(s + 2, &end, 16);
	} else if (s[0] == '0') {
		if (!all_in(s, "01234567"))
			return false;
		*ret = strtoull(s, &end, 8);
	} else {
		if (!all_in(s, "0123456789"))
			return false;
		*ret = strtoull(s, &end, 10);
	}
	return !errno && !*end;
}

/* An errno token, by name or number, with a message saying what is wrong. */
int ld_parse_errno_token(struct loader *ld, unsigned line, const char *tok, int *ret)
{
	int e = policy_errno_parse(tok);

	if (e > 0) {
		*ret = e;
		return 0;
	}
	if (tok[0] == '-' || (tok[0] >= '0' && tok[0] <= '9')) {
		long v = 0;
		bool digits = all_in(tok[0] == '-' ? tok + 1 : tok, "0123456789");

		if (!digits)
			return ld_error(ld, line,
					"bad errno '%s' (a name like EACCES, or a number)", tok)
				       ?: -EINVAL;
		if (tok[0] != '-' && strlen(tok) < 6)
			v = strtol(tok, NULL, 10);
		if (v >= 512 && v <= 530)
			return ld_error(ld, line,
					"errno %s is kernel-internal (512..530 never reach user "
					"space)",
					tok)
				       ?: -EINVAL;
		return ld_error(ld, line, "errno %s is out of range (1..4095, except 512..530)",
				tok)
			       ?: -EINVAL;
	}
	{
		const char *near = policy_errno_nearest(tok);

		return ld_error(ld, line, "unknown errno name '%s'%s%s%s", tok,
				near ? " (did you mean " : "", near ? near : "", near ? "?)" : "")
			       ?: -EINVAL;
	}
}

static bool looks_like_errno(const char *t)
{
	if (t[0] >= '0' && t[0] <= '9')
		return true;
	if (t[0] == '-' && t[1] >= '0' && t[1] <= '9')
		return true;
	return t[0] == 'E' && all_in(t + 1, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
}

/* ---- rules ---- */

/* The decisions a rule's key names (and [sysgate] default, keys.c). */
const struct ld_decision ld_decisions[LD_N_DECISIONS] = {
	{"allow", DECISION_ALLOW},     {"continue", DECISION_ALLOW}, {"deny", DECISION_DENY},
	{"errno", DECISION_DENY},      {"kill", DECISION_KILL},	     {"log", DECISION_LOG},
	{"emulate", DECISION_EMULATE}, {"ask", DECISION_ASK},
};

/* 0 and *ret set, -EINVAL after an error diag, -ENOMEM. */
static int lookup_decision(struct loader *ld, unsigned line, const char *key,
			   enum decision_kind *ret)
{
	for (size_t i = 0; i < LD_N_DECISIONS; i++)
		if (streq(ld_decisions[i].name, key)) {
			*ret = ld_decisions[i].kind;
			return 0;
		}
	if (!*key)
		return ld_error(ld, line, "missing key before '='") ?: -EINVAL;
	return ld_error(
		       ld, line,
		       "unknown decision '%s' (allow, continue, deny, errno, kill, log, emulate or "
		       "ask)",
		       key)
		       ?: -EINVAL;
}

static bool cond_has_path(const struct cond *c)
{
	return c->kind == COND_PATH_MATCH || c->kind == COND_PATH_NOMATCH;
}

bool ld_rule_has_path(const struct rule *r)
{
	for (size_t i = 0; i < r->n_conds; i++)
		if (cond_has_path(&r->conds[i]))
			return true;
	return false;
}

bool ld_rule_is_any(const struct rule *r)
{
	return r->n_conds == 1 && r->conds[0].kind == COND_ANY;
}

/* Check the section can evaluate a condition needing argument letters. */
static int check_section_has(struct loader *ld, const struct section *s, unsigned line,
			     const char *letters, const char *what)
{
	for (size_t i = 0; i < s->n_syscalls; i++) {
		const struct syscall_shape *shape = policy_syscall_shape(s->syscalls[i]);

		if (!shape)
			return ld_error(ld, line,
					"[%s]: %s takes no %s sysgate knows of (no argument "
					"layout for it)",
					s->name, s->syscalls[i], what)
				       ?: -EINVAL;
		if (!strpbrk(shape->args, letters))
			return ld_error(ld, line, "[%s]: %s takes no %s", s->name, s->syscalls[i],
					what)
				       ?: -EINVAL;
	}
	return 0;
}

/* Is `mode & OCTAL` the older form here: every syscall of s takes a file
 * mode (umode_t, or openat2's), or some has no argument called mode (the
 * older form's error says so)? Else (access's int mode) it is a name. */
static bool section_takes_octal_mode(const struct section *s)
{
	bool file_modes = true, all_named = true;

	for (size_t i = 0; i < s->n_syscalls; i++) {
		const struct syscall_shape *shape = policy_syscall_shape(s->syscalls[i]);
		struct arg_place at;

		if (!shape || !strpbrk(shape->args, "oh"))
			file_modes = false;
		if (policy_arg_find(s->syscalls[i], "mode", &at) < 0)
			all_named = false;
	}
	return file_modes || !all_named;
}

/* Does every syscall of s name a path (or an fd acted on) sysgate resolves? */
bool ld_section_names_paths(const struct section *s)
{
	for (size_t i = 0; i < s->n_syscalls; i++) {
		const struct syscall_shape *shape = policy_syscall_shape(s->syscalls[i]);

		if (!shape || !strpbrk(shape->args, "sF"))
			return false;
	}
	return s->n_syscalls > 0;
}

static int parse_glob(struct loader *ld, unsigned line, const char *what, const char *glob,
		      struct cond *c)
{
	const char *why = NULL;
	int r;

	/* A glob of alternatives, {/a,/b}, is absolute too: each alternative is
	 * checked below. */
	if (glob[0] != '/' && glob[0] != '{')
		return ld_error(ld, line, "%s glob '%s' is not absolute (it must start with '/')",
				what, glob)
			       ?: -EINVAL;
	r = policy_path_glob_check(glob, &why);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return ld_error(ld, line, "bad %s glob '%s': %s", what, glob, why ? why : "invalid")
			       ?: -EINVAL;
	c->glob = strdup(glob);
	return c->glob ? 0 : -ENOMEM;
}

static const struct {
	const char *tok;
	enum arg_op op;
} arg_ops[] = {
	{"==", ARG_EQ}, {"!=", ARG_NE}, {"<", ARG_LT},	{"<=", ARG_LE},
	{">", ARG_GT},	{">=", ARG_GE}, {"&", ARG_AND},
};

/*
 * VALUE for a named argument: numbers and constants joined by '|'
 * ("O_WRONLY|O_RDWR|O_CREAT", "-100", "AT_FDCWD", "0x1000|S_ISUID"), for
 * x86_64 (*ret64) and for i386 and x32 (*ret32), whose constants may differ.
 */
int policy_value_parse(const char *expr, bool octal, int64_t *ret64, int64_t *ret32, char *why,
		       size_t why_size)
{
	_cleanup_free_ char *buf = strdup(expr);
	char *save = NULL;
	int64_t v64 = 0, v32 = 0;
	size_t terms = 0;

	if (!buf)
		return -ENOMEM;
	if (!*expr || expr[0] == '|' || expr[strlen(expr) - 1] == '|' || strstr(expr, "||")) {
		snprintf(why, why_size, "bad value '%s' (numbers and constants joined by |)", expr);
		return -EINVAL;
	}
	for (char *t = strtok_r(buf, "|", &save); t; t = strtok_r(NULL, "|", &save), terms++) {
		uint64_t n;
		int64_t c64, c32;

		if (octal && t[0] >= '0' && t[0] <= '9') {
			/* A mode is octal as chmod(1) writes it: 4755, 0755. */
			if (!all_in(t, "01234567")) {
				snprintf(why, why_size, "bad mode '%s' (octal digits, like 0755)",
					 t);
				return -EINVAL;
			}
			n = strtoull(t, NULL, 8);
			c64 = c32 = (int64_t)n;
		} else if (parse_value(t, &n)) {
			c64 = c32 = (int64_t)n;
			/* A negative number among bits would set them all. */
			if (t[0] == '-' && strchr(expr, '|')) {
				snprintf(why, why_size, "a negative number cannot be or-ed ('%s')",
					 expr);
				return -EINVAL;
			}
		} else if (policy_constant(t, false, &c64)) {
			policy_constant(t, true, &c32);
		} else {
			const char *near = policy_constant_nearest(t);

			snprintf(why, why_size, "unknown constant '%s'%s%s%s", t,
				 near ? " (did you mean " : "", near ? near : "",
				 near ? "?)" : " (a number, or a name such as O_CREAT)");
			return -EINVAL;
		}
		v64 = terms ? (int64_t)((uint64_t)v64 | (uint64_t)c64) : c64;
		v32 = terms ? (int64_t)((uint64_t)v32 | (uint64_t)c32) : c32;
	}
	*ret64 = v64;
	*ret32 = v32;
	return 0;
}

static int parse_expr(struct loader *ld, unsigned line, const char *expr, bool octal,
		      int64_t *ret64, int64_t *ret32)
{
	char why[256];
	int r = policy_value_parse(expr, octal, ret64, ret32, why, sizeof(why));

	if (r == -EINVAL)
		return ld_error(ld, line, "%s", why) ?: -EINVAL;
	return r;
}

static bool is_ident(const char *t)
{
	if (!((*t >= 'a' && *t <= 'z') || *t == '_'))
		return false;
	for (; *t; t++)
		if (!((*t >= 'a' && *t <= 'z') || (*t >= '0' && *t <= '9') || *t == '_'))
			return false;
	return true;
}

/*
 * NAME OP VALUE, NAME & MASK == VALUE, NAME & MASK != VALUE, NAME !& BITS:
 * an argument by name. Every syscall of the section must have it (at
 * whatever position) and it must be a value, not an address; the values
 * must fit its type in every member.
 */
static int parse_named_cond(struct loader *ld, const struct section *s, unsigned line, char **toks,
			    size_t n, size_t *i, struct cond *c)
{
	const char *name = toks[*i];
	const char *op = *i + 1 < n ? toks[*i + 1] : NULL;
	const char *arg = *i + 2 < n ? toks[*i + 2] : NULL;
	size_t used = 3, k;
	int r;

	for (size_t m = 0; m < s->n_syscalls; m++) {
		struct arg_place at;
		char names[160];

		if (policy_arg_find(s->syscalls[m], name, &at) == 0) {
			if (at.where == ARGW_POINTER)
				return ld_error(ld, line,
						"[%s]: '%s' of %s is a pointer, not a value%s",
						s->name, name, s->syscalls[m],
						strstr(name, "path") ? " (use path ~ GLOB)" : "")
					       ?: -EINVAL;
			continue;
		}
		if (!policy_arg_names(s->syscalls[m], names, sizeof(names)))
			return ld_error(ld, line,
					"[%s]: sysgate knows no argument names for %s (use argN in "
					"a section of its own)",
					s->name, s->syscalls[m])
				       ?: -EINVAL;
		return ld_error(ld, line, "[%s]: %s has no argument '%s' (its arguments: %s)",
				s->name, s->syscalls[m], name, names)
			       ?: -EINVAL;
	}
	if (!op)
		return ld_error(ld, line, "missing operator after '%s'", name) ?: -EINVAL;
	if (streq(op, "!&")) {
		k = ARRAY_SIZE(arg_ops);
		c->op = ARG_NONE_OF;
	} else {
		for (k = 0; k < ARRAY_SIZE(arg_ops); k++)
			if (streq(arg_ops[k].tok, op))
				break;
		if (k == ARRAY_SIZE(arg_ops))
			return ld_error(ld, line,
					"unknown operator '%s' after '%s' (==, !=, <, <=, >, >=, "
					"&, !& or & MASK == VALUE)",
					op, name)
				       ?: -EINVAL;
		c->op = arg_ops[k].op;
	}
	if (!arg || streq(arg, "and"))
		return ld_error(ld, line, "missing value after '%s %s'", name, op) ?: -EINVAL;
	r = parse_expr(ld, line, arg, streq(name, "mode"), (int64_t *)&c->value, &c->value32);
	if (r < 0)
		return r;
	if (c->op == ARG_AND && *i + 3 < n &&
	    (streq(toks[*i + 3], "==") || streq(toks[*i + 3], "!="))) {
		const char *v = *i + 4 < n ? toks[*i + 4] : NULL;
		int64_t v64, v32;

		if (!v || streq(v, "and"))
			return ld_error(ld, line, "missing value after '%s & %s %s'", name, arg,
					toks[*i + 3])
				       ?: -EINVAL;
		r = parse_expr(ld, line, v, streq(name, "mode"), &v64, &v32);
		if (r < 0)
			return r;
		c->op = streq(toks[*i + 3], "==") ? ARG_MASKED_EQ : ARG_MASKED_NE;
		c->mask = c->value;
		c->mask32 = (uint64_t)c->value32;
		c->value = (uint64_t)v64;
		c->value32 = v32;
		if (((uint64_t)v64 & ~c->mask) || ((uint64_t)v32 & ~c->mask32))
			return ld_error(ld, line,
					"'%s & %s %s %s' compares bits outside the mask: it is "
					"always %s",
					name, arg, toks[*i + 3], v,
					c->op == ARG_MASKED_EQ ? "false" : "true")
				       ?: -EINVAL;
		used = 5;
	}
	if ((c->op == ARG_AND || c->op == ARG_NONE_OF) && c->value == 0 && c->value32 == 0)
		return ld_error(ld, line, "'%s %s %s' tests no bits: it is always %s", name, op,
				arg, c->op == ARG_AND ? "false" : "true")
			       ?: -EINVAL;
	for (size_t m = 0; m < s->n_syscalls; m++) {
		struct arg_place at;
		const char *why;

		policy_arg_find(s->syscalls[m], name, &at);
		why = policy_arg_value_fits(at.type, (int64_t)c->value);
		if (!why && c->op >= ARG_MASKED_EQ)
			why = policy_arg_value_fits(at.type, (int64_t)c->mask);
		if (why)
			return ld_error(ld, line, "[%s]: the value for '%s' of %s %s", s->name,
					name, s->syscalls[m], why)
				       ?: -EINVAL;
	}
	c->kind = COND_ARG;
	c->arg_name = strdup(name);
	if (!c->arg_name)
		return -ENOMEM;
	{
		size_t len = 0;

		for (size_t t = 0; t < used; t++)
			len += strlen(toks[*i + t]) + 1;
		c->text = malloc(len);
		if (!c->text)
			return -ENOMEM;
		c->text[0] = '\0';
		for (size_t t = 0; t < used; t++) {
			if (t)
				strcat(c->text, " ");
			strcat(c->text, toks[*i + t]);
		}
	}
	*i += used;
	return 0;
}

/*
 * argN in a family section must mean the same argument in every member:
 * [open]'s arg2 is openat's flags but open's mode and nothing for creat.
 */
static int check_raw_arg(struct loader *ld, const struct section *s, unsigned line, unsigned n)
{
	const char *first = NULL;

	if (s->n_syscalls < 2)
		return 0;
	for (size_t m = 0; m < s->n_syscalls; m++) {
		const struct syscall_args *a = policy_syscall_args(s->syscalls[m]);
		const char *here = a ? a->a[n].name : NULL;

		if (!here || (first && !streq(first, here)))
			return ld_error(ld, line,
					"[%s]: arg%u is not the same argument in every syscall of "
					"the "
					"section (in %s it is %s); name the argument instead "
					"(flags, "
					"mode, dirfd, ...)",
					s->name, n, s->syscalls[m],
					here ? here : "unknown to sysgate")
				       ?: -EINVAL;
		first = here;
	}
	return 0;
}

/*
 * name ~ GLOB, name !~ GLOB: the xattr name ('n'), which the supervisor reads
 * from memory once. Names are not paths: the glob need not start with '/'
 * ("security.*", "system.posix_acl_*"). A deny or kill decided on it is
 * safe; an allow, log or ask after it is denied (policy_decide), because the
 * kernel would read the name again.
 */
static int parse_name_cond(struct loader *ld, const struct section *s, unsigned line,
			   const char *op, const char *arg, size_t *i, struct cond *c)
{
	const char *why = NULL;
	int r;

	if (!op || (!streq(op, "~") && !streq(op, "!~")))
		return ld_error(ld, line, "expected ~ or !~ after 'name'%s%s", op ? ", got " : "",
				op ? op : "")
			       ?: -EINVAL;
	if (!arg || streq(arg, "and"))
		return ld_error(ld, line, "missing glob after 'name %s'", op) ?: -EINVAL;
	r = check_section_has(ld, s, line, "n", "xattr name");
	if (r < 0)
		return r;
	r = policy_glob_check(arg, &why);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return ld_error(ld, line, "bad name glob '%s': %s", arg, why ? why : "invalid")
			       ?: -EINVAL;
	c->kind = streq(op, "~") ? COND_NAME_MATCH : COND_NAME_NOMATCH;
	c->glob = strdup(arg);
	if (!c->glob)
		return -ENOMEM;
	*i += 3;
	return 0;
}

/*
 * abi == NAME, abi != NAME: the ABI the call came through (x86_64, i386,
 * x32), as the notification's arch says. Every section may test it.
 */
static int parse_abi_cond(struct loader *ld, unsigned line, const char *op, const char *arg,
			  size_t *i, struct cond *c)
{
	enum policy_abi abi;

	if (!op || (!streq(op, "==") && !streq(op, "!=")))
		return ld_error(ld, line, "expected == or != after 'abi'%s%s", op ? ", got " : "",
				op ? op : "")
			       ?: -EINVAL;
	if (!arg || streq(arg, "and"))
		return ld_error(ld, line, "missing ABI after 'abi %s' (x86_64, i386 or x32)", op)
			       ?: -EINVAL;
	if (policy_abi_parse(arg, &abi) < 0) {
		const char *near = NULL;

		for (unsigned k = 0; k < POLICY_ABI_COUNT && !near; k++)
			if (policy_edit_distance(arg, policy_abi_name((enum policy_abi)k), 3) < 3)
				near = policy_abi_name((enum policy_abi)k);
		return ld_error(ld, line,
				"unknown ABI '%s' (%s%s%sx86_64, i386 or x32: the ABIs sysgate "
				"filters)",
				arg, near ? "did you mean " : "", near ? near : "",
				near ? "? " : "")
			       ?: -EINVAL;
	}
	c->kind = streq(op, "==") ? COND_ABI_EQ : COND_ABI_NE;
	c->value = (uint64_t)abi;
	*i += 3;
	return 0;
}

/* Can a rule with these conditions match a call of some ABI? (abi == i386
 * and abi == x32 cannot.) */
bool ld_rule_abi_possible(const struct rule *r)
{
	for (unsigned abi = 0; abi < POLICY_ABI_COUNT; abi++) {
		bool ok = true;

		for (size_t k = 0; k < r->n_conds && ok; k++)
			if (r->conds[k].kind == COND_ABI_EQ || r->conds[k].kind == COND_ABI_NE)
				ok = (r->conds[k].value == abi) ==
				     (r->conds[k].kind == COND_ABI_EQ);
		if (ok)
			return true;
	}
	return false;
}

/*
 * Parse one condition starting at toks[*i]. 0, -EINVAL after a diag, -ENOMEM.
 */
static int parse_cond(struct loader *ld, const struct section *s, unsigned line, char **toks,
		      size_t n, size_t *i, struct cond *c)
{
	const char *t = toks[*i];
	const char *op = *i + 1 < n ? toks[*i + 1] : NULL;
	const char *arg = *i + 2 < n ? toks[*i + 2] : NULL;
	int r;

	if (streq(t, "*")) {
		c->kind = COND_ANY;
		*i += 1;
		return 0;
	}
	if (streq(t, "path") || streq(t, "exe")) {
		bool path = streq(t, "path");

		if (!op || (!streq(op, "~") && !streq(op, "!~")))
			return ld_error(ld, line, "expected ~ or !~ after '%s'%s%s", t,
					op ? ", got " : "", op ? op : "")
				       ?: -EINVAL;
		if (!arg || streq(arg, "and"))
			return ld_error(ld, line, "missing glob after '%s %s'", t, op) ?: -EINVAL;
		if (path) {
			r = check_section_has(ld, s, line, "sF", "path");
			if (r < 0)
				return r;
		}
		if (streq(op, "~"))
			c->kind = path ? COND_PATH_MATCH : COND_EXE_MATCH;
		else
			c->kind = path ? COND_PATH_NOMATCH : COND_EXE_NOMATCH;
		r = parse_glob(ld, line, t, arg, c);
		if (r < 0)
			return r;
		*i += 3;
		return 0;
	}
	if (streq(t, "name"))
		return parse_name_cond(ld, s, line, op, arg, i, c);
	if (streq(t, "abi"))
		return parse_abi_cond(ld, line, op, arg, i, c);
	/* The older `mode & OCTAL` (at most 07777, for file modes); access(2)'s
	 * int mode is an argument by name like the others. */
	if (streq(t, "mode") && op && streq(op, "&") && arg && all_in(arg, "01234567") &&
	    !(*i + 3 < n && (streq(toks[*i + 3], "==") || streq(toks[*i + 3], "!="))) &&
	    section_takes_octal_mode(s)) {
		unsigned long v = 0;

		if (!op || !streq(op, "&"))
			return ld_error(ld, line, "expected & after 'mode'%s%s", op ? ", got " : "",
					op ? op : "")
				       ?: -EINVAL;
		if (!arg || streq(arg, "and"))
			return ld_error(ld, line, "missing mask after 'mode &'") ?: -EINVAL;
		if (!all_in(arg, "01234567"))
			return ld_error(ld, line, "bad mode mask '%s' (octal digits, like 06000)",
					arg)
				       ?: -EINVAL;
		for (const char *d = arg; *d && v <= 07777; d++)
			v = v * 8 + (unsigned long)(*d - '0');
		if (v == 0)
			return ld_error(ld, line, "mode mask '%s' is zero and can never match", arg)
				       ?: -EINVAL;
		if (v > 07777)
			return ld_error(ld, line, "mode mask '%s' is larger than 07777", arg)
				       ?: -EINVAL;
		r = check_section_has(ld, s, line, "oh", "mode");
		if (r < 0)
			return r;
		c->kind = COND_MODE_ANY;
		c->value = v;
		*i += 3;
		return 0;
	}
	if (strncmp(t, "arg", 3) == 0 && t[3] >= '0' && t[3] <= '9' && !t[4]) {
		size_t k;

		if (t[3] > '5')
			return ld_error(ld, line, "no argument %s (arg0 to arg5)", t) ?: -EINVAL;
		r = check_raw_arg(ld, s, line, (unsigned)(t[3] - '0'));
		if (r < 0)
			return r;
		if (!op)
			return ld_error(ld, line, "missing operator after '%s'", t) ?: -EINVAL;
		for (k = 0; k < ARRAY_SIZE(arg_ops); k++)
			if (streq(arg_ops[k].tok, op))
				break;
		if (k == ARRAY_SIZE(arg_ops))
			return ld_error(ld, line,
					"unknown operator '%s' after '%s' (==, !=, <, <=, >, >= or "
					"&)",
					op, t)
				       ?: -EINVAL;
		if (!arg || streq(arg, "and"))
			return ld_error(ld, line, "missing value after '%s %s'", t, op) ?: -EINVAL;
		if (!parse_value(arg, &c->value))
			return ld_error(ld, line,
					"bad number '%s' (decimal, 0x hex, 0 octal or negative "
					"decimal, within 64 bits)",
					arg)
				       ?: -EINVAL;
		c->kind = COND_ARG;
		c->arg = (unsigned)(t[3] - '0');
		c->op = arg_ops[k].op;
		*i += 3;
		return 0;
	}
	if (is_ident(t))
		return parse_named_cond(ld, s, line, toks, n, i, c);
	if (strpbrk(t, "~&=<>!"))
		return ld_error(ld, line, "unknown condition '%s' (separate tokens with spaces)", t)
			       ?: -EINVAL;
	return ld_error(ld, line,
			"unknown condition '%s' (*, path, exe, name, abi, an argument name "
			"such as flags, or argN)",
			t)
		       ?: -EINVAL;
}

/* Parse "[ERRNO] CONDITION [and CONDITION]..." into *rule. */
static int parse_rule(struct loader *ld, const struct section *s, unsigned line, const char *key,
		      enum decision_kind kind, const char *value, struct rule *rule)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_free_ char **toks = NULL;
	size_t n, i = 0;
	bool any = false;
	int r;

	*rule = (struct rule){.kind = kind,
			      .err = kind == DECISION_DENY ? EPERM : 0,
			      .line = line,
			      .file = ld->cur_file};
	if (kind == DECISION_EMULATE)
		for (size_t k = 0; k < s->n_syscalls; k++)
			if (!policy_syscall_emulatable(s->syscalls[k]))
				return ld_error(ld, line,
						"[%s]: sysgate cannot emulate %s; emulate is "
						"supported "
						"for " POLICY_EMULATABLE_LIST,
						s->name, s->syscalls[k])
					       ?: -EINVAL;
	r = ld_split_tokens(value, &buf, &toks, &n);
	if (r < 0)
		return r;
	if (n == 0)
		return ld_error(ld, line, "empty value for '%s' (write * to match every call)", key)
			       ?: -EINVAL;
	if (looks_like_errno(toks[0])) {
		if (kind != DECISION_DENY)
			return ld_error(ld, line,
					"%s takes no errno ('%s'); only deny and errno return one",
					key, toks[0])
				       ?: -EINVAL;
		r = ld_parse_errno_token(ld, line, toks[0], &rule->err);
		if (r < 0)
			return r;
		i++;
	}
	if (i == n)
		return ld_error(ld, line,
				"missing condition after '%s = %s' (write * to match every call)",
				key, toks[0])
			       ?: -EINVAL;
	rule->conds = calloc(n, sizeof(*rule->conds));
	if (!rule->conds)
		return -ENOMEM;
	for (;;) {
		r = parse_cond(ld, s, line, toks, n, &i, &rule->conds[rule->n_conds++]);
		if (r < 0)
			goto fail;
		if (rule->conds[rule->n_conds - 1].kind == COND_ANY)
			any = true;
		if (i == n)
			break;
		if (!streq(toks[i], "and")) {
			r = ld_error(ld, line, "expected 'and' before '%s'", toks[i]) ?: -EINVAL;
			goto fail;
		}
		if (++i == n) {
			r = ld_error(ld, line, "'and' at the end of the rule") ?: -EINVAL;
			goto fail;
		}
	}
	if (any && rule->n_conds > 1) {
		r = ld_error(ld, line, "* must stand alone (it already matches every call)")
			    ?: -EINVAL;
		goto fail;
	}
	return 0;
fail:
	ld_rule_done(rule);
	return r;
}

static bool cond_eq(const struct cond *a, const struct cond *b)
{
	if (a->kind != b->kind)
		return false;
	switch (a->kind) {
	case COND_ANY:
		return true;
	case COND_ARG:
		return a->arg == b->arg && a->op == b->op && a->value == b->value &&
		       (a->arg_name ? ld_str_eq(a->arg_name, b->arg_name) : !b->arg_name) &&
		       a->value32 == b->value32 && a->mask == b->mask && a->mask32 == b->mask32;
	case COND_MODE_ANY:
	case COND_ABI_EQ:
	case COND_ABI_NE:
		return a->value == b->value;
	default:
		return ld_str_eq(a->glob, b->glob);
	}
}

/* Every (non-*) condition of a is also in b: whenever b matches, a matched first. */
bool ld_rule_shadows(const struct rule *a, const struct rule *b)
{
	for (size_t i = 0; i < a->n_conds; i++) {
		bool found = a->conds[i].kind == COND_ANY;

		for (size_t k = 0; !found && k < b->n_conds; k++)
			found = cond_eq(&a->conds[i], &b->conds[k]);
		if (!found)
			return false;
	}
	return true;
}

int ld_section_key(struct loader *ld, struct section *s, unsigned line, const char *key,
		   const char *value)
{
	enum decision_kind kind = DECISION_DENY;
	struct rule rule, *v;
	int r;

	r = lookup_decision(ld, line, key, &kind);
	if (r < 0)
		return r;
	r = parse_rule(ld, s, line, key, kind, value, &rule);
	if (r < 0)
		return r;
	v = reallocarray(s->rules, s->n_rules + 1, sizeof(*v));
	if (!v) {
		ld_rule_done(&rule);
		return -ENOMEM;
	}
	s->rules = v;
	s->rules[s->n_rules++] = rule;
	if (ld_rule_has_path(&rule))
		s->needs_path = true;

	for (size_t i = 0; i < rule.n_conds; i++)
		if (rule.conds[i].kind == COND_EXE_MATCH || rule.conds[i].kind == COND_EXE_NOMATCH)
			s->needs_exe = true;
		else if (rule.conds[i].kind == COND_NAME_MATCH ||
			 rule.conds[i].kind == COND_NAME_NOMATCH)
			s->needs_name = true;
		else if (rule.conds[i].kind == COND_MODE_ANY)
			s->needs_mode = true;
		else if (rule.conds[i].kind == COND_ARG && rule.conds[i].arg_name)
			for (size_t m = 0; m < s->n_syscalls; m++) {
				struct arg_place at;

				/* openat2's flags, mode, resolve: the core copies open_how */
				if (policy_arg_find(s->syscalls[m], rule.conds[i].arg_name, &at) ==
					    0 &&
				    at.where >= ARGW_HOW_FLAGS)
					s->needs_mode = true;
			}
	return 0;
}
