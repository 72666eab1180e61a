#pragma once
/*
 * sg-exit: the exit statuses of `sysgate run` and `sysgate-agent`, after
 * env(1) and timeout(1). Both sides of the fork use them: the verbs, and the
 * agent between fork and exec, whose status sysgate passes on as the
 * command's. Otherwise the status is the command's own, or 128+N when it died
 * of signal N.
 *
 * Texts that name them (the usages) print them with %d or spell them with
 * the _S strings below, so that the numbers live here alone.
 */
#include <errno.h>

#include "sg-util.h" /* STRINGIFY */

/* sysgate (or sysgate-agent) itself failed: bad usage, bad policy, no filter. */
#define EXIT_SYSGATE_FAILED 125
#define EXIT_SYSGATE_FAILED_S STRINGIFY(EXIT_SYSGATE_FAILED)
/* The command was found but could not be executed. */
#define EXIT_CANNOT_EXEC 126
#define EXIT_CANNOT_EXEC_S STRINGIFY(EXIT_CANNOT_EXEC)
/* The command was not found. */
#define EXIT_NOT_FOUND 127
#define EXIT_NOT_FOUND_S STRINGIFY(EXIT_NOT_FOUND)

/* The status for a failed exec, by its errno. */
#define EXIT_FOR_EXEC_ERRNO(err) ((err) == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_EXEC)
