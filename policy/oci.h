#pragma once
/*
 * oci: a policy as the OCI "linux.seccomp" object (config.json) that makes
 * runc or crun hand a container's calls to `sysgate serve`. Pure: a policy
 * in, a json-c object out; no I/O, no printing (the caller says what the
 * notes mean).
 */
#include <stdbool.h>

#include "policy/policy.h"

struct json_object;

/* What the caller should tell a person before the profile is deployed. */
struct policy_oci_notes {
	/* The default is not allow: it becomes this kernel action
	 * ("SCMP_ACT_ERRNO", ...), and calls that no section names never
	 * reach the daemon. NULL under a default of allow. */
	const char *default_in_kernel;
	bool notifies;	     /* some call goes to the daemon (else no connection) */
	bool notifies_write; /* write is notified: runc refuses that, crun does not */
};

/*
 * The linux.seccomp object for p: listenerPath listener_path,
 * listenerMetadata metadata (none if NULL), and the syscalls notified,
 * allowed and split by argument tests as the daemon needs to see them.
 * 0 with *ret (the caller puts it) and *ret_notes; -ENOMEM.
 */
int policy_oci_profile(const struct policy *p, const char *listener_path, const char *metadata,
		       struct json_object **ret, struct policy_oci_notes *ret_notes);

/* "policy=NAME" for a policy file DIR/NAME.ini with NAME plain (facts.h),
 * malloc'd; NULL if the file is not named like that (or no memory). */
char *policy_oci_metadata_for(const char *file);
