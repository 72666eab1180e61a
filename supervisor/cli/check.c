/* sysgate check POLICY...: validate, print every error and warning. Reads
 * policies, runs nothing; check and run load them the same way. */
#include <errno.h>
#include <stdbool.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "sg-util.h"

#include "supervisor/cli/cli.h"
#include "supervisor/log/diag.h"

void cli_print_diags(FILE *out, const char *file, const struct policy_diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct policy_diag *g = &d->v[i];
		const char *sev = g->severity == DIAG_ERROR ? "error" : "warning";

		/* a message about an included file names that file */
		const char *where = g->file ? g->file : file;

		if (g->line)
			fprintf(out, "%s:%u: %s: %s\n", where, g->line, sev, g->msg);
		else
			fprintf(out, "%s: %s: %s\n", where, sev, g->msg);
	}
}

struct policy *cli_load_policy(const char *file)
{
	struct policy_diags d = {};
	struct policy *p = NULL;
	int r;

	r = file ? policy_load_file(file, &p, &d) : policy_load_default(&p, &d);
	cli_print_diags(stderr, file ? file : POLICY_DEFAULT_NAME, &d);
	if (r < 0 && d.n_errors == 0)
		diag_errno(DIAG_ERROR, r, "cannot load the policy %s",
			   file ? file : POLICY_DEFAULT_NAME);
	policy_diags_free(&d);
	return r < 0 ? NULL : p;
}

/* Calls that act on a name, not on the file behind it: a second name for the
 * same file (a hard link, a rename) changes nothing about what they do. */
static bool acts_on_name(const char *syscall)
{
	static const char *const names[] = {
		"mkdir",  "mkdirat",  "mknod",	   "mknodat", "unlink", "unlinkat", "rmdir",
		"rename", "renameat", "renameat2", "link",    "linkat", "symlink",  "symlinkat",
	};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (streq(names[i], syscall))
			return true;
	return false;
}

/* Does the policy supervise every one of these syscalls (one left free is a
 * way in: `[=link] deny = *` leaves linkat)? One no section names is decided
 * by the default: supervised unless that is allow (under `default = deny` a
 * link is refused, so it makes no second name). */
static bool supervises_all(const struct policy *p, const char *const *syscalls)
{
	for (; *syscalls; syscalls++) {
		const struct section *s = policy_section_for(p, *syscalls);

		if (!(s ? policy_section_supervises(p, s) : p->dflt.kind != DECISION_ALLOW))
			return false;
	}
	return true;
}

/*
 * Path rules judge a file by the name it is reached through. A hard link
 * gives a file outside the rule's paths a name inside them, and a rename
 * moves it in (and back out): the same inode, judged by its other name. Say
 * so where a section that acts on files is judged by path while link or
 * rename go unsupervised. Returns how many warnings were printed.
 */
static size_t warn_second_names(FILE *out, const char *file, const struct policy *p)
{
	static const char *const link_calls[] = {"link", "linkat", NULL};
	static const char *const rename_calls[] = {"rename", "renameat", "renameat2", NULL};
	bool no_link = !supervises_all(p, link_calls), no_rename = !supervises_all(p, rename_calls);
	size_t n = 0;

	if (!no_link && !no_rename)
		return 0;
	for (size_t i = 0; i < p->n_sections; i++) {
		const struct section *s = &p->sections[i];
		bool on_files = false;

		if (!s->needs_path || s->implicit)
			continue;
		for (size_t k = 0; k < s->n_syscalls && !on_files; k++)
			on_files = !acts_on_name(s->syscalls[k]);
		if (!on_files)
			continue;
		fprintf(out,
			"%s:%u: warning: [%s] judges files by path, but %s: a file outside its "
			"paths can be %s inside them and changed there (see HARD LINKS AND "
			"RENAMES in sysgate-policy(5))\n",
			file, s->line, s->name,
			no_link && no_rename ? "link and rename are not supervised"
			: no_link	     ? "link is not supervised"
					     : "rename is not supervised",
			no_link && no_rename ? "hard-linked or renamed"
			: no_link	     ? "hard-linked"
					     : "renamed");
		n++;
	}
	return n;
}

/*
 * A policy that sets no `default` gets `default = allow`. When every rule it
 * has refuses something (deny, kill), that implicit allow is all it lets
 * through: `[reboot] deny = *` alone reads like a list of what may not run,
 * but means "everything but reboot, unsupervised". The loader accepts it
 * (it is a valid policy, and the built-in default), so check says so, and
 * counts it as a warning: write the default down to silence it. 1 if warned.
 */
static int warn_no_default(FILE *out, const char *file, const struct policy *p)
{
	if (p->dflt.line != 0 || p->n_sections == 0)
		return 0;
	for (size_t i = 0; i < p->n_sections; i++)
		for (size_t j = 0; j < p->sections[i].n_rules; j++) {
			enum decision_kind k = p->sections[i].rules[j].kind;

			if (k != DECISION_DENY && k != DECISION_KILL)
				return 0;
		}
	fprintf(out,
		"%s: warning: no default is set, so every call that no rule here refuses is "
		"allowed (default = allow), every syscall without a section included; write "
		"\"default = allow\" or \"default = deny\" in [sysgate] to say which is meant\n",
		file);
	return 1;
}

static const struct cli_option check_options[] = {
	{"strict", 's', NULL, "warnings fail too (exit 2)"},
	{"help", 'h', NULL, "this text"},
};

/*
 * Exit 0: every policy loads (warnings are printed, and do not fail);
 * 1: one does not load (errors); 2 with --strict: all load, but with
 * warnings. A usage error is 125, as for every verb, so that it is never
 * taken for one of those.
 */
int cmd_check(int argc, char **argv)
{
	bool strict = false, warned = false;
	struct cli_getopt g;
	int status = 0, c;

	cli_getopt_tables(check_options, ARRAY_SIZE(check_options), &g);
	optind = 1;
	while ((c = getopt_long(argc, argv, g.shortopts, g.longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			strict = true;
			break;
		case 'h':
			cli_verb_usage(stdout, &verb_check, true);
			return 0;
		default:
			cli_verb_usage(stderr, &verb_check, false);
			return EXIT_SYSGATE_FAILED;
		}
	}
	if (optind >= argc) {
		cli_verb_usage(stderr, &verb_check, false);
		return EXIT_SYSGATE_FAILED;
	}
	for (int i = optind; i < argc; i++) {
		struct policy_diags d = {};
		struct policy *p = NULL;
		int r = policy_load_file(argv[i], &p, &d);

		size_t extra = 0;

		cli_print_diags(stdout, argv[i], &d);
		if (r < 0 && d.n_errors == 0)
			printf("%s: error: %s\n", argv[i], strerror(-r));
		if (r == 0)
			extra = warn_second_names(stdout, argv[i], p);
		if (r < 0)
			status = 1;
		if (r == 0 && (d.n > 0 || extra > 0))
			warned = true;
		if (r == 0 && warn_no_default(stdout, argv[i], p)) {
			warned = true;
		} else if (r == 0 && d.n == 0 && extra == 0) {
			size_t rules = 0;

			for (size_t j = 0; j < p->n_sections; j++)
				rules += p->sections[j].n_rules;
			printf("%s: ok (%zu sections, %zu rules)\n", argv[i], p->n_sections, rules);
		}
		policy_diags_free(&d);
		policy_free(p);
	}
	if (status == 0 && warned && strict)
		status = 2;
	return status;
}

const struct verb verb_check = {
	.name = "check",
	.synopsis = "[--strict] POLICY...",
	.summary = "Validate policies; print errors and warnings as FILE:LINE: message.\n"
		   "Exit 0 when every policy loads (warnings do not fail), 1 when one does\n"
		   "not (errors); with --strict, 2 when all load but with warnings; 125 on\n"
		   "bad usage.",
	.opts = check_options,
	.n_opts = ARRAY_SIZE(check_options),
	.main = cmd_check,
};
