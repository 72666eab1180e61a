#pragma once
/*
 * import: a Docker/moby, Podman or plain OCI seccomp profile (JSON, parsed
 * by json-c) turned into sysgate policy text that decides every call as the
 * runtimes enforce that profile on this machine (x86_64, the caps given,
 * the kernel given). Pure: no I/O, no printing. The profile is hostile
 * input: every value is checked, nothing of it reaches the policy text but
 * syscall names libseccomp knows, numbers and sanitized comments.
 *
 * Whatever cannot be carried over exactly is a report with its JSON path
 * (syscalls[7].names[3]), never dropped silently:
 *   IMPORT_NOTE     exact, but worth knowing (a name the runtimes skip, so
 *                   the default applies in both);
 *   IMPORT_WARNING  lossy: sysgate may decide some call otherwise than a
 *                   runtime (TRAP taken as kill, no per-ABI default, ...);
 *   IMPORT_ERROR    no policy: the profile is invalid or says something
 *                   sysgate cannot (ERRNO(0), a masked test on an argument
 *                   without a name).
 * The reference is docs/sysgate-import.1.md.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json_object;

enum import_severity { IMPORT_NOTE, IMPORT_WARNING, IMPORT_ERROR };

enum import_dialect { IMPORT_OCI, IMPORT_MOBY, IMPORT_PODMAN };

struct import_report {
	enum import_severity severity;
	char *path; /* "syscalls[7].names[3]", "" for the whole profile */
	char *msg;
};

struct import_options {
	const char *const *caps; /* the container's bounding set (CAP_CHOWN, ...) */
	size_t n_caps;
	unsigned kernel_major, kernel_minor; /* for minKernel */
	bool podman;			     /* Podman's rules even without its keys */
	bool allow_i386;    /* a profile that lets the runtime kill i386 calls may be
			     * imported all the same (sysgate decides them by policy) */
	const char *source; /* the profile's name, for the header comment */
};

/* Docker's 14 default capabilities, NULL-terminated. */
extern const char *const import_docker_caps[];

struct import_result {
	enum import_dialect dialect;
	char *policy;		      /* the policy text; NULL when n_errors > 0 */
	struct json_object *resolved; /* the linux.seccomp object the runtime gets (archMap
				       * and includes resolved), or NULL */
	size_t n_reports;
	struct import_report *reports; /* in the order found */
	size_t n_errors, n_warnings, n_notes;
	size_t n_sections; /* of the policy text */
};

/*
 * Translate profile. 0 (ret->policy set, maybe with notes and warnings);
 * -EINVAL with at least one IMPORT_ERROR in ret->reports; -ENOMEM. ret is
 * always filled enough to be freed with import_result_free().
 */
int policy_import(const struct json_object *profile, const struct import_options *o,
		  struct import_result *ret);
void import_result_free(struct import_result *r); /* contents only; NULL-safe */

/*
 * What json-c reads otherwise than the runtimes' parsers, found in the raw
 * text, which the verbs hand here first: a report (path "line N") for every
 * number literal outside strings that exceeds 2^64-1 (json-c clamps it
 * without a word), every string with a \u0000 (json-c ends a key or a name
 * there, Go keeps it whole: "action\u0000x" is a second "action" to json-c
 * only), and every key given twice in one object. Returns how many.
 */
size_t policy_import_check_numbers(const char *text, size_t len, struct import_result *ret);

/* Does Go's encoding/json (runc, Docker, Podman) take key for the field
 * known? Case-insensitive, with Unicode's simple folding (U+017F is s,
 * U+212A is k): "Action" and "nameſ" are action and names to them. */
bool policy_json_go_key_equal(const char *key, const char *known);

const char *import_dialect_name(enum import_dialect d);
