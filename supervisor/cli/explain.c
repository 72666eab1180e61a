/*
 * sysgate explain: which section, rule and line of a policy decide a given
 * call, and why, without running anything. The call is described on the
 * command line (argument values, the path, the executable, the ABI); the
 * policy's own matcher decides it, so what explain says is what run would do
 * with a call whose path and executable resolved to those.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"
#include "sg-util.h"
#include "supervisor/cli/cli.h"
#include "supervisor/log/diag.h"

static const char *decision_text(const struct decision *d, char *buf, size_t size)
{
	const char *name = policy_decision_name(d->kind);

	if (d->kind == DECISION_DENY) {
		const char *e = policy_errno_name(d->err);

		if (e)
			snprintf(buf, size, "deny %s", e);
		else
			snprintf(buf, size, "deny %d", d->err);
		return buf;
	}
	return name;
}

static const char *op_text(enum arg_op op)
{
	static const char *const ops[] = {
		[ARG_EQ] = "==",       [ARG_NE] = "!=",	      [ARG_LT] = "<",  [ARG_LE] = "<=",
		[ARG_GT] = ">",	       [ARG_GE] = ">=",	      [ARG_AND] = "&", [ARG_NONE_OF] = "!&",
		[ARG_MASKED_EQ] = "&", [ARG_MASKED_NE] = "&",
	};

	return (size_t)op < ARRAY_SIZE(ops) && ops[op] ? ops[op] : "?";
}

/* One condition, as the policy could have written it. */
static void cond_text(const struct cond *c, char *buf, size_t size)
{
	switch (c->kind) {
	case COND_ANY:
		snprintf(buf, size, "*");
		break;
	case COND_PATH_MATCH:
	case COND_PATH_NOMATCH:
		snprintf(buf, size, "path %s %s", c->kind == COND_PATH_MATCH ? "~" : "!~", c->glob);
		break;
	case COND_EXE_MATCH:
	case COND_EXE_NOMATCH:
		snprintf(buf, size, "exe %s %s", c->kind == COND_EXE_MATCH ? "~" : "!~", c->glob);
		break;
	case COND_NAME_MATCH:
	case COND_NAME_NOMATCH:
		snprintf(buf, size, "name %s %s", c->kind == COND_NAME_MATCH ? "~" : "!~", c->glob);
		break;
	case COND_ABI_EQ:
	case COND_ABI_NE:
		snprintf(buf, size, "abi %s %s", c->kind == COND_ABI_EQ ? "==" : "!=",
			 policy_abi_name((enum policy_abi)c->value));
		break;
	case COND_MODE_ANY:
		snprintf(buf, size, "mode & 0%" PRIo64, c->value);
		break;
	case COND_ARG:
		if (c->text)
			snprintf(buf, size, "%s", c->text);
		else if (c->arg_name && (c->op == ARG_MASKED_EQ || c->op == ARG_MASKED_NE))
			snprintf(buf, size, "%s & %#" PRIx64 " %s %#" PRIx64, c->arg_name, c->mask,
				 c->op == ARG_MASKED_EQ ? "==" : "!=", c->value);
		else if (c->arg_name && (c->op == ARG_AND || c->op == ARG_NONE_OF))
			snprintf(buf, size, "%s %s %#" PRIx64, c->arg_name, op_text(c->op),
				 c->value);
		else if (c->arg_name)
			snprintf(buf, size, "%s %s %" PRId64, c->arg_name, op_text(c->op),
				 (int64_t)c->value);
		else
			snprintf(buf, size, "arg%u %s %#" PRIx64, c->arg, op_text(c->op), c->value);
		break;
	}
}

static void explain_usage(FILE *out)
{
	cli_verb_usage(out, &verb_explain, out == stdout);
}

/* NAME=VALUE for a named argument, argN=VALUE, path=, exe=, name=. */
static int set_field(struct call *c, char *spec, char *why, size_t why_size)
{
	char *eq = strchr(spec, '=');
	struct arg_place at;
	int64_t v;

	snprintf(why, why_size, "NAME=VALUE");
	if (!eq)
		return -EINVAL;
	*eq++ = '\0';
	if (streq(spec, "path")) {
		c->path = eq;
		return 0;
	}
	if (streq(spec, "exe")) {
		c->exe = eq;
		return 0;
	}
	if (streq(spec, "name")) {
		c->name = eq;
		return 0;
	}
	{
		/* as the policy reads a value: a mode is octal, constants are
		 * the ABI's */
		int64_t v64, v32;
		if (policy_value_parse(eq, streq(spec, "mode"), &v64, &v32, why, why_size) < 0)
			return -EINVAL;
		v = c->abi32 ? v32 : v64;
	}
	if (strncmp(spec, "arg", 3) == 0 && spec[3] >= '0' && spec[3] <= '5' && !spec[4]) {
		c->args[spec[3] - '0'] = (uint64_t)v;
		return 0;
	}
	if (policy_arg_find_abi(c->syscall, spec, c->i386, &at) < 0)
		return -ENOENT;
	switch (at.where) {
	case ARGW_REGISTER:
		c->args[at.index] = (uint64_t)v;
		return 0;
	case ARGW_HOW_FLAGS:
	case ARGW_HOW_MODE:
	case ARGW_HOW_RESOLVE:
		c->how_in_mem = true;
		c->mem_how[at.where - ARGW_HOW_FLAGS] = (uint64_t)v;
		if (at.where == ARGW_HOW_MODE) {
			c->mode_in_mem = true;
			c->mem_mode = (uint64_t)v;
		}
		return 0;
	default:
		return -EINVAL;
	}
}

static const char *spec_text(const struct section *s, const char *syscall)
{
	for (size_t i = 0; i < s->n_syscalls; i++)
		if (streq(s->syscalls[i], syscall))
			return s->spec[i] == SPEC_EXACT	   ? "by name"
			       : s->spec[i] == SPEC_FAMILY ? "as a member of its family"
							   : "as a member of a group";
	return "";
}

static void print_rules(const struct policy *p, const struct section *s, const struct call *c,
			const struct policy_trace *t, const struct decision *d)
{
	char loc[512], text[512];

	for (size_t i = 0; i < t->n && i < s->n_rules; i++) {
		const struct rule *r = &s->rules[i];

		policy_rule_location(p, s, r, loc, sizeof(loc));
		if (t->failed[i] >= r->n_conds) {
			printf("  %s: %s matches", loc, policy_decision_name(r->kind));
			if (r->n_conds && r->conds[0].kind != COND_ANY) {
				printf(":");
				for (size_t k = 0; k < r->n_conds; k++) {
					cond_text(&r->conds[k], text, sizeof(text));
					printf("%s %s", k ? " and" : "", text);
				}
			}
			printf("\n");
		} else if (d->unresolved && d->rule == r) {
			cond_text(&r->conds[t->failed[i]], text, sizeof(text));
			printf("  %s: %s cannot be decided (%s): the call is denied\n", loc, text,
			       c->path ? "no value" : "no path given");
		} else {
			cond_text(&r->conds[t->failed[i]], text, sizeof(text));
			printf("  %s: %s does not match: %s does not hold\n", loc,
			       policy_decision_name(r->kind), text);
		}
	}
}

/* The copies of the NAME=VALUE words (NULL-terminated), freed on return. */
static void specs_free(char ***specs)
{
	for (char **s = *specs; s && *s; s++)
		free(*s);
	free(*specs);
}

static int explain_main(int argc, char **argv)
{
	_cleanup_free_ char *policy_file = NULL;
	struct call c = {0};
	const struct section *s;
	struct policy_trace t;
	struct decision d;
	struct policy *p;
	char buf[64], loc[512];
	_cleanup_(specs_free) char **specs = calloc((size_t)argc + 1, sizeof(*specs));
	size_t n_specs = 0;
	int i = 1;

	if (cli_wants_help(argc, argv)) {
		explain_usage(stdout);
		return 0;
	}
	if (argc > 2 && (streq(argv[1], "--abi") || streq(argv[1], "-a"))) {
		if (!streq(argv[2], "x86_64") && !streq(argv[2], "i386") &&
		    !streq(argv[2], "x32")) {
			diag(DIAG_ERROR, "explain: --abi is x86_64, i386 or x32");
			return EXIT_SYSGATE_FAILED;
		}
		c.abi32 = !streq(argv[2], "x86_64");
		c.i386 = streq(argv[2], "i386");
		i = 3;
	}
	if (argc - i < 2) {
		explain_usage(stderr);
		return EXIT_SYSGATE_FAILED;
	}
	p = cli_load_policy(argv[i]);
	if (!p)
		return 1;
	c.syscall = argv[i + 1];
	c.shape = policy_syscall_shape(c.syscall);
	if (!policy_syscall_known(c.syscall)) {
		const char *near = policy_syscall_nearest(c.syscall);

		diag(DIAG_ERROR, "explain: unknown syscall %s%s%s%s", c.syscall,
		     near ? " (did you mean " : "", near ? near : "", near ? "?)" : "");
		policy_free(p);
		return EXIT_SYSGATE_FAILED;
	}
	for (int k = i + 2; k < argc; k++) {
		/* path=, exe= and name= point into the copy: it lives as long as c */
		char *spec = specs ? strdup(argv[k]) : NULL, why[256];
		int r = spec ? set_field(&c, spec, why, sizeof(why)) : -ENOMEM;

		if (spec)
			specs[n_specs++] = spec;

		if (r < 0) {
			char names[160];

			policy_arg_names(c.syscall, names, sizeof(names));
			if (r == -ENOENT)
				diag(DIAG_ERROR,
				     "explain: cannot use '%s' (the arguments of %s: %s)", argv[k],
				     c.syscall, names);
			else
				diag(DIAG_ERROR, "explain: cannot use '%s' (%s)", argv[k], why);
			policy_free(p);
			return EXIT_SYSGATE_FAILED;
		}
	}
	if (!c.path)
		c.path_err = ENOENT;

	if (policy_abi_refused(p, policy_call_abi(&c), &d)) {
		/* [sysgate] abi: before any section */
		policy_rule_location(p, NULL, d.rule, loc, sizeof(loc));
		printf("%s: abi %s is not in this policy's abi list ([sysgate] abi)\n"
		       "  decided: kill by %s\n",
		       p->file, policy_abi_name(policy_call_abi(&c)), loc);
		if (p->mode == POLICY_COMPLAIN)
			printf("  mode = complain: logged, and let through\n");
		policy_free(p);
		return 0;
	}
	s = policy_section_for(p, c.syscall);
	if (!s) {
		d = policy_decide_unnamed(p, c.syscall, &s);
		printf("%s: no section covers %s", p->file, c.syscall);
		if (s)
			printf("; [%s] at line %u reaches its operation", s->name, s->line);
		printf("\n  decided: %s (%s)\n", decision_text(&d, buf, sizeof(buf)),
		       s ? "a supervised family's operation by another door" : "the default");
		policy_free(p);
		return 0;
	}
	d = policy_decide_trace(p, s, &c, &t);
	printf("%s: [%s] at line %u covers %s %s\n", s->file ? s->file : p->file, s->name, s->line,
	       c.syscall, spec_text(s, c.syscall));
	print_rules(p, s, &c, &t, &d);
	policy_rule_location(p, s, d.rule, loc, sizeof(loc));
	printf("  decided: %s by %s", decision_text(&d, buf, sizeof(buf)),
	       d.rule ? loc : "the default");
	if (d.mem_unsafe)
		printf(" (the rule allowed it on a value read from memory, which the kernel would "
		       "read again)");
	if (d.kind == DECISION_ALLOW && d.used_path)
		printf(" (continued after a path check: see THE RACE WARNING)");
	printf("\n");
	if (p->mode == POLICY_COMPLAIN && (d.kind == DECISION_DENY || d.kind == DECISION_KILL))
		printf("  mode = complain: logged, and let through\n");
	policy_free(p);
	return 0;
}

const struct verb verb_explain = {
	.name = "explain",
	.synopsis = "[--abi x86_64|i386|x32] POLICY SYSCALL [NAME=VALUE]... [path=P] [exe=E]",
	.summary = "Say which section, rule and line of POLICY decide such a call, and why,\n"
		   "without running anything. NAME is an argument's name (flags, dirfd,\n"
		   "mode, ...) or argN; VALUE a number or a constant (O_CREAT). path and\n"
		   "exe are taken as already resolved.",
	.options = "  --abi ABI   decide as a call from x86_64 (the default), i386 or x32\n"
		   "  -h, --help  this text\n",
	.main = explain_main,
};
