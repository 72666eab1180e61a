#pragma once
/*
 * export: a policy as the seccomp profile a container runtime loads itself
 * (`sysgate export`). Pure: a policy (and a base profile) in, a json-c
 * object and a list of notes out; no I/O beyond the memfd libseccomp
 * exports the filter to, no printing (the verb says what the notes mean).
 *
 * What the kernel can decide alone becomes entries; what needs sysgate
 * (paths, exe, xattr names, emulate, ask, rules whose first-match order a
 * union of entries cannot keep) becomes SCMP_ACT_NOTIFY for `sysgate serve`
 * where the runtime can notify, and is otherwise narrowed (denied) or, on
 * request, widened (allowed), with a note naming each policy line.
 */
#include <stdbool.h>
#include <stddef.h>

#include "policy/policy.h"

struct json_object;

enum export_runtime {
	EXPORT_RUNC,   /* runc 1.1: no flags, no NOTIFY on write or as default */
	EXPORT_CRUN,   /* crun 1.8: absolute listenerPath; connects even without NOTIFY */
	EXPORT_DOCKER, /* Docker 20.10: drops listenerPath, flags, defaultErrnoRet */
	EXPORT_PODMAN, /* Podman 4 with crun: passes the listener fields */
};
/* "runc", "crun", "docker", "podman" → 0 with *ret, or -EINVAL. */
int policy_export_runtime_parse(const char *name, enum export_runtime *ret);
const char *policy_export_runtime_name(enum export_runtime rt);

struct export_opts {
	enum export_runtime runtime;
	const char *listener_path; /* NULL: nothing can be notified */
	const char *metadata;	   /* listenerMetadata, or NULL */
	struct json_object *base;  /* borrowed: a profile to merge into, or NULL */
	bool widen;		   /* what cannot be notified is allowed, not denied */
	/* For the base's includes/excludes (runc and crun only; Docker and
	 * Podman resolve them themselves): the container's capabilities
	 * (NULL: Docker's 14 defaults, NULL-terminated), the host kernel. */
	const char *const *caps;
	unsigned kernel_major, kernel_minor;
	bool no_bpf; /* skip building the filter (the count stays 0) */
	/* A syscall this libseccomp cannot name, which the policy denies or
	 * supervises, under a default that lets it run: a warning, not an
	 * error (the runtime will let it run; no profile can name it). */
	bool skip_unknown;
};

struct export_note {
	enum diag_level level; /* DIAG_ERROR, DIAG_WARNING or DIAG_NOTICE */
	const char *file;      /* NULL: the policy's file (p->file); "" : no place */
	unsigned line;	       /* 0: about the whole policy, or the base */
	char *msg;
};

struct export_result {
	struct json_object *profile; /* the caller's to put */
	size_t n_notes;
	struct export_note *notes;
	size_t n_errors;
	size_t n_notified; /* syscall names the profile notifies */
	size_t bpf_insns;  /* what libseccomp builds from it, runc's way */
};

/*
 * Build the profile. 0 with *ret filled (ret->n_errors > 0: it must not be
 * written: a rule cannot be exported, the base is refused, the filter is too
 * big); -ENOMEM. Free with policy_export_done().
 */
int policy_export(const struct policy *p, const struct export_opts *o, struct export_result *ret);
void policy_export_done(struct export_result *r);

/* How many syscalls the profile of p for rt, with a listener, notifies:
 * what `sysgate serve` says when a sandbox of p is handed over (runc and
 * crun differ by write, which runc cannot notify). */
size_t policy_export_notified(const struct policy *p, enum export_runtime rt);

/*
 * How many syscalls a linux.seccomp object (a runtime's, as deployed)
 * notifies, counted as libseccomp resolves overlapping entries: a name is
 * notified when its first unconditional entry is SCMP_ACT_NOTIFY, or when
 * it has no unconditional entry and a conditional NOTIFY one. Names this
 * libseccomp does not know are not counted (the runtimes skip them).
 * *ret_default: defaultAction is NOTIFY (crun allows that): every call no
 * entry names is notified too. -EINVAL if it is not such an object.
 */
int policy_export_count_notified(struct json_object *seccomp, size_t *ret, bool *ret_default);

/*
 * The classic BPF instructions libseccomp makes of a linux.seccomp object,
 * built the way runc and crun build it (entries equal to the default
 * skipped, an entry comparing one argument twice split into one rule per
 * comparison, unknown names skipped). 0 with *ret_insns; -EINVAL with
 * *ret_why (static) and *ret_index (the entry, or -1) when libseccomp
 * refuses something the runtime would refuse too; -ENOMEM, -errno.
 */
int policy_export_bpf_count(struct json_object *profile, size_t *ret_insns, const char **ret_why,
			    int *ret_index);
/* The same, with the program itself (free with policy_filter_done()). */
int policy_export_bpf(struct json_object *profile, struct policy_filter *ret, const char **ret_why,
		      int *ret_index);
