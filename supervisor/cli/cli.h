#pragma once
/* cli: the verbs of the sysgate command line, one file each. */
#include <stdbool.h>
#include <stdio.h>

#include "policy/policy.h"

/* Exit statuses of `sysgate run`, after env(1) and timeout(1). */
#define EXIT_SYSGATE_FAILED 125
#define EXIT_CANNOT_EXEC 126
#define EXIT_NOT_FOUND 127

/*
 * A verb of the command line. Each verb file defines one (`verb_run` in
 * run.c, ...) and main.c lists them: `sysgate --help` is generated from the
 * table, and every verb answers `--help` (and `-h`) with cli_verb_help().
 */
struct verb {
	const char *name;		    /* "run" */
	const char *synopsis;		    /* "[-p POLICY] [OPTIONS] -- CMD [ARGS...]" */
	const char *summary;		    /* one or two sentences, for `sysgate --help` */
	const char *options;		    /* option lines for `sysgate VERB --help`, or NULL */
	int (*main)(int argc, char **argv); /* argv[0] is the verb's name */
};

extern const struct verb verb_run, verb_check, verb_prompt, verb_serve, verb_oci_profile,
	verb_default_policy;

/* "usage: sysgate NAME SYNOPSIS" and, when full, the summary and options. */
void cli_verb_usage(FILE *out, const struct verb *v, bool full);
/* For a verb's main: argv[1] is --help or -h (print the full usage to stdout). */
bool cli_wants_help(int argc, char **argv);

int cmd_run(int argc, char **argv);
int cmd_check(int argc, char **argv);

/* Print diags as "FILE:LINE: error: msg" (or "FILE: ..." when line is 0). */
void cli_print_diags(FILE *out, const char *file, const struct policy_diags *d);
/* Load -p FILE, or the built-in policy when file is NULL; print diags; NULL on error. */
struct policy *cli_load_policy(const char *file);
