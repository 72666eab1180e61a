/*
 * sysgate run: its options, from one table that makes both getopt's tables
 * and `sysgate run --help`, and their merge with the policy's [sysgate].
 * Trusted side; reads only the command line and the policy.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sg-util.h"
#include "supervisor/cli/cli.h"
#include "supervisor/cli/run.h"
#include "supervisor/log/diag.h"

enum { OPT_PROMPT = CLI_LONG_ONLY };

static const struct cli_option run_options[] = {
	{"policy", 'p', "FILE", "the policy (default: the built-in one, sysgate default-policy)"},
	{"mode", 'm', "MODE",
	 "enforce (default) or complain: log what enforce would\n"
	 "deny or kill, and let it run. Overrides the policy."},
	{"log", 'l', "SINK",
	 "stderr (default), syslog, audit, or a file (appended);\n"
	 "may be repeated. Overrides the policy's log = ..."},
	{"log-format", 'f', "FMT", "text (strace-like lines) or json (one object per line)"},
	{"summary", 's', NULL, "print a table of decisions per syscall at exit"},
	{"prompt", OPT_PROMPT, NULL,
	 "answer the policy's ask rules in this terminal (stdin\n"
	 "must be one); otherwise use sysgate prompt elsewhere"},
	{"help", 'h', NULL, "this text"},
};

static int usage_error(void)
{
	cli_verb_usage(stderr, &verb_run, false);
	return EXIT_SYSGATE_FAILED;
}

int run_parse(int argc, char **argv, struct run_args *ret)
{
	struct cli_getopt g;
	int c;

	*ret = (struct run_args){};
	cli_getopt_tables(run_options, ARRAY_SIZE(run_options), &g);
	optind = 1;
	/* '+': the options end at CMD, so `run -- prog --help` is prog's. */
	while ((c = getopt_long(argc, argv, g.shortopts, g.longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			ret->policy_file = optarg;
			break;
		case 'm':
			ret->mode = optarg;
			break;
		case 'l':
			if (ret->n_sinks == RUN_MAX_SINKS) {
				diag(DIAG_ERROR, "run: at most %d --log sinks", RUN_MAX_SINKS);
				return EXIT_SYSGATE_FAILED;
			}
			ret->sinks[ret->n_sinks++] = optarg;
			break;
		case 'f':
			ret->format = optarg;
			break;
		case 's':
			ret->summary = true;
			break;
		case OPT_PROMPT:
			ret->prompt = true;
			break;
		case 'h':
			cli_verb_usage(stdout, &verb_run, true);
			return 0;
		default: /* getopt said what */
			return usage_error();
		}
	}
	if (optind >= argc) {
		diag(DIAG_ERROR, "run: no command given");
		return usage_error();
	}
	if (ret->mode && !streq(ret->mode, "enforce") && !streq(ret->mode, "complain")) {
		diag(DIAG_ERROR, "run: --mode must be enforce or complain, not '%s'", ret->mode);
		return EXIT_SYSGATE_FAILED;
	}
	if (ret->format && !streq(ret->format, "text") && !streq(ret->format, "json")) {
		diag(DIAG_ERROR, "run: --log-format must be text or json, not '%s'", ret->format);
		return EXIT_SYSGATE_FAILED;
	}
	ret->cmd = argv + optind;
	return -1;
}

void run_merge_policy(struct run_args *a, const struct policy *p)
{
	if (a->mode)
		a->pmode = streq(a->mode, "complain") ? POLICY_COMPLAIN : POLICY_ENFORCE;
	else
		a->pmode = p->mode;
	if (!a->format)
		a->format = p->log_format ? p->log_format : "text";
	if (a->n_sinks == 0)
		for (size_t i = 0; p->log_sinks && p->log_sinks[i] && a->n_sinks < RUN_MAX_SINKS;
		     i++)
			a->sinks[a->n_sinks++] = p->log_sinks[i];
	if (a->n_sinks == 0)
		a->sinks[a->n_sinks++] = "stderr";
}

/* The policy as loaded, for the control socket's "policy" request: the text
 * the loader read, never the file read again (a FIFO, `-p <(...)`, has
 * nothing more to give, and a file changed since is not what decides). */
char *run_policy_text(const struct policy *p)
{
	return p && p->text ? strdup(p->text) : strdup(policy_default_text);
}

const struct verb verb_run = {
	.name = "run",
	.synopsis =
		"[-p POLICY] [--mode enforce|complain] [--log SINK]...\n"
		"              [--log-format text|json] [--summary] [--prompt] -- CMD [ARGS...]",
	.summary = "Run CMD under a seccomp filter built from POLICY (the built-in\n"
		   "default policy without -p) and supervise its whole process tree.\n"
		   "Exits with CMD's status; 128+N if CMD died of signal N; " EXIT_SYSGATE_FAILED_S
		   " if\n"
		   "sysgate failed (bad usage, bad policy, no filter); " EXIT_CANNOT_EXEC_S
		   " if CMD is\n"
		   "not executable; " EXIT_NOT_FOUND_S " if CMD was not found.",
	.opts = run_options,
	.n_opts = ARRAY_SIZE(run_options),
	.main = cmd_run,
};
