#pragma once
/* cli: the verbs of the sysgate command line, one file each. */
#include <stdio.h>

#include "policy/policy.h"

/* Exit statuses of `sysgate run`, after env(1) and timeout(1). */
#define EXIT_SYSGATE_FAILED 125
#define EXIT_CANNOT_EXEC 126
#define EXIT_NOT_FOUND 127

int cmd_run(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_oci_profile(int argc, char **argv);

/* Print diags as "FILE:LINE: error: msg" (or "FILE: ..." when line is 0). */
void cli_print_diags(FILE *out, const char *file, const struct policy_diags *d);
/* Load -p FILE, or the built-in policy when file is NULL; print diags; NULL on error. */
struct policy *cli_load_policy(const char *file);
