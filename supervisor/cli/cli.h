#pragma once
/*
 * cli: the verbs of the sysgate command line, one file each (run has
 * several, run.h). The edge of the trusted side: the only room that prints
 * what went wrong, through diag (supervisor/log/diag.h).
 */
#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "policy/policy.h"
#include "sg-exit.h" /* the exit statuses 125, 126 and 127 */

/*
 * One option of a verb. A verb's getopt_long() tables and the option lines
 * of its --help are both made from one array of these, so that the help
 * cannot leave out an option that getopt accepts, nor list one it refuses.
 */
struct cli_option {
	const char *name; /* the long name: "policy" */
	int letter;	  /* the short letter 'p', or CLI_LONG_ONLY + n for none */
	const char *arg;  /* "FILE" when it takes an argument, else NULL */
	const char *help; /* what it does; a '\n' starts an indented line */
};
#define CLI_LONG_ONLY 0x100
#define CLI_MAX_OPTIONS 16

/* getopt_long()'s two tables, made by cli_getopt_tables(). The short
 * letters start with '+': options end at the first operand (CMD). */
struct cli_getopt {
	struct option longopts[CLI_MAX_OPTIONS + 1];
	char shortopts[2 + 2 * CLI_MAX_OPTIONS + 1];
};
/* The options of a verb that has none but --help (and -h). */
extern const struct cli_option cli_help_only[1];

/* At most CLI_MAX_OPTIONS options (more abort at once: a programming error). */
void cli_getopt_tables(const struct cli_option *o, size_t n, struct cli_getopt *ret);

/*
 * A verb of the command line. Each verb file defines one (`verb_run` in
 * run-options.c, ...) and main.c lists them: `sysgate --help` is generated
 * from the table, and every verb answers `--help` (and `-h`) with
 * cli_verb_usage().
 */
struct verb {
	const char *name;		    /* "run" */
	const char *synopsis;		    /* "[-p POLICY] [OPTIONS] -- CMD [ARGS...]" */
	const char *summary;		    /* one or two sentences, for `sysgate --help` */
	const char *options;		    /* option lines for `sysgate VERB --help`, or NULL */
	const struct cli_option *opts;	    /* or its options as a table (then options is */
	size_t n_opts;			    /*   unused): its getopt reads the same table */
	int (*main)(int argc, char **argv); /* argv[0] is the verb's name */
};

extern const struct verb verb_run, verb_check, verb_prompt, verb_serve, verb_oci_profile,
	verb_default_policy, verb_explain, verb_version, verb_import, verb_export, verb_learn,
	verb_review;

/*
 * Files the verbs read and write (files.c). cli_read_file: a regular file
 * only (else -EINVAL; a FIFO does not block), at most max bytes (else
 * -EFBIG), NUL-terminated into *ret (the caller frees). cli_write_file:
 * "-" is stdout; a regular file or a new one is replaced whole through a
 * temporary file beside it and rename(2), keeping an existing file's mode
 * and owner; a device, FIFO or symlink is written in place.
 */
int cli_read_file(const char *path, size_t max, char **ret, size_t *ret_len);
int cli_write_file(const char *path, const char *text, size_t len);

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
