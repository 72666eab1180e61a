/* sysgate: the command line. One file per verb; this one dispatches. */
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>

#include "agent/agent.h"
#include "policy/policy.h"
#include "sg-util.h"
#include "supervisor/cli/cli.h"
#include "supervisor/prompt/prompt.h"

static const struct verb *const verbs[] = {
	&verb_run,   &verb_check,	&verb_explain,	      &verb_prompt,
	&verb_serve, &verb_oci_profile, &verb_default_policy,
};

static void usage(FILE *out)
{
	fprintf(out, "sysgate %s: a seccomp user-notification supervisor\n\nusage:\n",
		SYSGATE_VERSION);
	for (size_t i = 0; i < ARRAY_SIZE(verbs); i++) {
		fprintf(out, "  sysgate %s %s\n", verbs[i]->name, verbs[i]->synopsis);
		for (const char *l = verbs[i]->summary; *l;) {
			size_t n = strcspn(l, "\n");

			fprintf(out, "      %.*s\n", (int)n, l);
			l += n + (l[n] == '\n');
		}
	}
	fprintf(out, "  sysgate --help | --version\n"
		     "\n"
		     "sysgate VERB --help shows the verb's options. The policy language:\n"
		     "docs/sysgate-policy.5.md (man-style reference).\n");
}

void cli_verb_usage(FILE *out, const struct verb *v, bool full)
{
	fprintf(out, "usage: sysgate %s %s\n", v->name, v->synopsis);
	if (!full)
		return;
	fprintf(out, "\n%s\n", v->summary);
	if (v->options)
		fprintf(out, "\n%s", v->options);
}

bool cli_wants_help(int argc, char **argv)
{
	return argc >= 2 && (streq(argv[1], "--help") || streq(argv[1], "-h"));
}

static int default_policy_main(int argc, char **argv)
{
	if (cli_wants_help(argc, argv)) {
		cli_verb_usage(stdout, &verb_default_policy, true);
		return 0;
	}
	if (argc > 1) {
		cli_verb_usage(stderr, &verb_default_policy, false);
		return EXIT_SYSGATE_FAILED;
	}
	fputs(policy_default_text, stdout);
	return 0;
}

const struct verb verb_default_policy = {
	.name = "default-policy",
	.synopsis = "",
	.summary = "Print the built-in policy used when run is given no -p.",
	.main = default_policy_main,
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
	/*
	 * Non-dumpable, for every verb: then a process of the same uid without
	 * CAP_SYS_PTRACE (a supervised command, say) cannot ptrace us, read or
	 * write our memory, copy our fds with pidfd_getfd (our seccomp listener
	 * among them) or open our /proc/PID/fd, mem or environ. Root with
	 * CAP_SYS_PTRACE still can: see the README, "what cannot be contained".
	 */
	if (prctl(PR_SET_DUMPABLE, 0) < 0) {
		fprintf(stderr, "sysgate: cannot make itself non-dumpable: %m\n");
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
	if (streq(argv[1], "--version") || streq(argv[1], "-V")) {
		printf("sysgate %s\n", SYSGATE_VERSION);
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(verbs); i++)
		if (streq(argv[1], verbs[i]->name))
			return verbs[i]->main(argc - 1, argv + 1);
	fprintf(stderr, "sysgate: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return EXIT_SYSGATE_FAILED;
}
