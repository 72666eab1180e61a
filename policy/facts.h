#pragma once
/*
 * facts: small rules of the policy side that the daemon, the CLI and the
 * compiler all rely on, each written once. Pure: no I/O, no printing.
 */
#include <stdbool.h>
#include <stddef.h>

/* The longest plain policy name (NAME in policy=NAME, DIR/NAME.ini). */
#define POLICY_NAME_MAX 64

/*
 * What NAME in listenerMetadata "policy=NAME" may be, so that DIR/NAME.ini
 * stays a file in the policy directory: 1 to POLICY_NAME_MAX of
 * [A-Za-z0-9_.-], not starting with '.' (no "..", no hidden file, no '/').
 * s need not be terminated: n bytes are checked. NULL when s is plain, else
 * why not (for a message).
 */
const char *policy_plain_name_why(const char *s, size_t n);
bool policy_plain_name(const char *s, size_t n);

/*
 * The syscalls every filter allows when no section names them, whatever the
 * default: denying them only wedges the target in a loop (exit, exit_group,
 * rt_sigreturn, sigreturn). NULL-terminated.
 */
extern const char *const policy_always_allowed[];
