#pragma once
/*
 * handover: how a listener reaches the daemon. A runtime (runc, crun: the OCI
 * seccomp agent protocol) or sysgate-agent connects, sends one JSON message
 * and, with it over SCM_RIGHTS, the listener fd. This is the parsing of
 * those bytes, the receiving of the fds and the replies to sysgate-agent.
 *
 * Trust: the peer is checked (root or our uid) before this runs, but what it
 * relays (listenerMetadata, annotations, ids) comes from whoever wrote the
 * container's config: every field is bounded and checked here, and nothing
 * here trusts a length, a name or an fd it was given.
 */
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "policy/facts.h"

#define HANDOVER_MAX_MSG 65536
#define HANDOVER_MAX_FDS 8

enum handover_kind {
	HANDOVER_LISTENER, /* the OCI state with a "seccompFd" among its "fds" */
	HANDOVER_FILTER,   /* sysgate-agent's {"op":"filter","policy":NAME} */
	HANDOVER_OTHER_OP, /* an "op" this daemon does not know: ignored */
	HANDOVER_REFUSED,  /* not understood: why says why */
};

struct handover {
	enum handover_kind kind;
	const char *why; /* HANDOVER_REFUSED: "not a JSON object", ... */
	char id[128];	 /* state.id, printable and bounded; "?" if none */
	char *pod;	 /* io.kubernetes.pod.name or NULL; owned */
	char *bundle;	 /* state.bundle when absolute and printable, or NULL; owned
			  * (its config.json says what the runtime's profile notifies) */
	pid_t pid;	 /* the container's pid, or 0 */
	int fd_index;	 /* HANDOVER_LISTENER: where "seccompFd" is in "fds" */
	/* The policy named by listenerMetadata (or the filter request): "" for
	 * the default. policy_why non-NULL: the name was refused (the listener
	 * is served deny-all; the filter request fails). */
	char policy[POLICY_NAME_MAX + 1];
	const char *policy_why;
};

/*
 * Parse one message of len bytes (buf[len] need not be NUL). 1 while more
 * bytes are needed (a message may arrive in pieces; crun pretty-prints it),
 * 0 with *ret filled (any kind, HANDOVER_REFUSED included). Free *ret with
 * handover_done().
 */
int handover_parse(const char *buf, size_t len, struct handover *ret);
void handover_done(struct handover *h);

/*
 * listenerMetadata: "policy=NAME", optionally among other "key=value"
 * words separated by spaces, commas or semicolons (unknown keys ignored).
 * NAME is plain (policy_plain_name). 0 with ret set ("" when none is named;
 * md may be NULL), or -EINVAL with *why.
 */
int handover_metadata_policy(const char *md, char ret[POLICY_NAME_MAX + 1], const char **why);

/*
 * Receive what is there on a connection (non-blocking): bytes appended at
 * buf + *len (at most HANDOVER_MAX_MSG in all), fds appended to fds (at most
 * HANDOVER_MAX_FDS in all, the rest closed at once), close-on-exec. The
 * recvmsg result: > 0 bytes, 0 at the end, -errno (-EAGAIN: nothing yet).
 */
ssize_t handover_recv(int fd, char *buf, size_t *len, int *fds, int *n_fds);

/* Is fd a seccomp listener (anon_inode:seccomp notify), not any other fd? */
bool handover_is_listener(int fd);

/* The replies to a filter request, malloc'd, one line each:
 * {"ok":true,"bpf":"BASE64"} of len insns, or {"ok":false,"error":why}. */
char *handover_filter_reply(const void *insns, size_t len, size_t *ret_size);
char *handover_error_reply(const char *why, size_t *ret_size);

/*
 * For tests/fuzz/fuzz-serve.c: what handover_parse() and the daemon make of
 * the bytes of one message, down to the policy name that would be loaded,
 * without a connection, fds or a policy directory. 1 while more bytes are
 * needed, 0 for a message that names a policy (or none: the default), and
 * -EINVAL for one that would be refused or served deny-all.
 */
int serve_fuzz_message(const char *buf, size_t len);
