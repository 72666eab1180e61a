/*
 * sysgate: the command line. One file per verb; this one dispatches, and
 * makes every verb's usage and getopt tables from the verb's own table.
 * Trusted side: it runs before anything of the command does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include "agent/agent.h"
#include "policy/policy.h"
#include "sg-util.h"
#include "supervisor/cli/cli.h"
#include "supervisor/log/diag.h"
#include "supervisor/prompt/prompt.h"

static const struct verb *const verbs[] = {
	&verb_run,   &verb_prompt,	&verb_check,	      &verb_explain,
	&verb_learn, &verb_review,	&verb_import,	      &verb_export,
	&verb_serve, &verb_oci_profile, &verb_default_policy, &verb_version,
};

/* Each line of text, indented by indent spaces. */
static void print_indented(FILE *out, const char *text, int indent)
{
	for (const char *l = text; *l;) {
		size_t n = strcspn(l, "\n");

		fprintf(out, "%*s%.*s\n", indent, "", (int)n, l);
		l += n + (l[n] == '\n');
	}
}

static void usage(FILE *out)
{
	fprintf(out, "sysgate %s: a seccomp user-notification supervisor\n\nusage:\n",
		SYSGATE_VERSION);
	for (size_t i = 0; i < ARRAY_SIZE(verbs); i++) {
		fprintf(out, "  sysgate %s%s%s\n", verbs[i]->name, *verbs[i]->synopsis ? " " : "",
			verbs[i]->synopsis);
		print_indented(out, verbs[i]->summary, 6);
	}
	fprintf(out, "  sysgate --help | --version\n"
		     "\n"
		     "sysgate VERB --help shows the verb's options. The policy language:\n"
		     "docs/sysgate-policy.5.md (man-style reference).\n");
}

/* ---- options as a table ---- */

void cli_getopt_tables(const struct cli_option *o, size_t n, struct cli_getopt *ret)
{
	char *s = ret->shortopts;

	if (n > CLI_MAX_OPTIONS)
		abort(); /* a verb's table, not input: fix the table */
	*ret = (struct cli_getopt){};
	*s++ = '+';
	for (size_t i = 0; i < n; i++) {
		ret->longopts[i] = (struct option){
			.name = o[i].name,
			.has_arg = o[i].arg ? required_argument : no_argument,
			.val = o[i].letter,
		};
		if (o[i].letter >= CLI_LONG_ONLY)
			continue;
		*s++ = (char)o[i].letter;
		if (o[i].arg)
			*s++ = ':';
	}
	*s = '\0';
}

/* "  -p, --policy FILE   the policy": the help in a column of its own. */
static void print_options(FILE *out, const struct cli_option *o, size_t n)
{
	int width = 0;

	for (size_t i = 0; i < n; i++) {
		int w = (int)(strlen(o[i].name) + (o[i].arg ? strlen(o[i].arg) + 1 : 0));

		width = MAX(width, w);
	}
	for (size_t i = 0; i < n; i++) {
		size_t first = strcspn(o[i].help, "\n");
		int w;

		if (o[i].letter < CLI_LONG_ONLY)
			fprintf(out, "  -%c, ", o[i].letter);
		else
			fprintf(out, "      ");
		w = fprintf(out, "--%s%s%s", o[i].name, o[i].arg ? " " : "",
			    o[i].arg ? o[i].arg : "");
		fprintf(out, "%*s%.*s\n", width + 2 + 2 - w, "", (int)first, o[i].help);
		if (o[i].help[first])
			print_indented(out, o[i].help + first + 1, 6 + 2 + width + 2);
	}
}

void cli_verb_usage(FILE *out, const struct verb *v, bool full)
{
	fprintf(out, "usage: sysgate %s%s%s\n", v->name, *v->synopsis ? " " : "", v->synopsis);
	if (!full)
		return;
	fprintf(out, "\n%s\n", v->summary);
	if (v->opts) {
		fputc('\n', out);
		print_options(out, v->opts, v->n_opts);
	} else if (v->options) {
		fprintf(out, "\n%s", v->options);
	}
}

bool cli_wants_help(int argc, char **argv)
{
	return argc >= 2 && (streq(argv[1], "--help") || streq(argv[1], "-h"));
}

/* ---- the two smallest verbs ---- */

const struct cli_option cli_help_only[1] = {
	{"help", 'h', NULL, "this text"},
};

/* A verb that takes no argument but --help. -1: go on; else the status. */
static int no_arguments(int argc, char **argv, const struct verb *v)
{
	if (cli_wants_help(argc, argv)) {
		cli_verb_usage(stdout, v, true);
		return 0;
	}
	if (argc > 1) {
		cli_verb_usage(stderr, v, false);
		return EXIT_SYSGATE_FAILED;
	}
	return -1;
}

static int default_policy_main(int argc, char **argv)
{
	int r = no_arguments(argc, argv, &verb_default_policy);

	if (r >= 0)
		return r;
	fputs(policy_default_text, stdout);
	return 0;
}

const struct verb verb_default_policy = {
	.name = "default-policy",
	.synopsis = "",
	.summary = "Print the built-in policy used when run is given no -p.",
	.opts = cli_help_only,
	.n_opts = ARRAY_SIZE(cli_help_only),
	.main = default_policy_main,
};

static int version_main(int argc, char **argv)
{
	int r = no_arguments(argc, argv, &verb_version);

	if (r >= 0)
		return r;
	printf("sysgate %s\n", SYSGATE_VERSION);
	return 0;
}

const struct verb verb_version = {
	.name = "version",
	.synopsis = "",
	.summary = "Print sysgate's version (as sysgate --version and -V do).",
	.opts = cli_help_only,
	.n_opts = ARRAY_SIZE(cli_help_only),
	.main = version_main,
};

int main(int argc, char **argv)
{
	/*
	 * Before anything opens an fd: with 0, 1 or 2 closed at start, the
	 * first socket, signalfd or seccomp listener would take its number and
	 * every record meant for stderr would be written into it. /dev/null
	 * takes the place; if even that fails, nothing can be trusted to go
	 * where it should, so stop (silently: stderr may be the hole).
	 */
	if (agent_reserve_stdio() < 0)
		return EXIT_SYSGATE_FAILED;
	/* Before any thread: the verbs that speak otherwise set their own. */
	diag_setup("sysgate", DIAG_NOTICE);
	/*
	 * Non-dumpable, for every verb: then a process of the same uid without
	 * CAP_SYS_PTRACE (a supervised command, say) cannot ptrace us, read or
	 * write our memory, copy our fds with pidfd_getfd (our seccomp listener
	 * among them) or open our /proc/PID/fd, mem or environ. Root with
	 * CAP_SYS_PTRACE still can: see the README, "what cannot be contained".
	 */
	if (prctl(PR_SET_DUMPABLE, 0) < 0) {
		diag_errno(DIAG_ERROR, errno, "cannot make itself non-dumpable");
		return EXIT_SYSGATE_FAILED;
	}
	if (argc < 2) {
		usage(stderr);
		return EXIT_SYSGATE_FAILED;
	}
	if (streq(argv[1], "--help") || streq(argv[1], "-h") || streq(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (streq(argv[1], "--version") || streq(argv[1], "-V"))
		return version_main(1, argv + 1);
	for (size_t i = 0; i < ARRAY_SIZE(verbs); i++)
		if (streq(argv[1], verbs[i]->name))
			return verbs[i]->main(argc - 1, argv + 1);
	diag(DIAG_ERROR, "unknown command '%s'", argv[1]);
	fputc('\n', stderr);
	usage(stderr);
	return EXIT_SYSGATE_FAILED;
}
