#pragma once
/*
 * emulate: carry out a target's mkdir or chmod in the target's context.
 *
 * "continue" lets the kernel re-read the path after the policy checked it, so
 * a racing thread can swap it. Emulation closes that gap: the path is read
 * once, the directory the call acts on is opened (walking the path as the
 * target would: from its cwd or dirfd, inside its root and mount namespace,
 * with its credentials), the policy is asked about the place that was
 * actually opened, and the operation is done on that open directory. No
 * string is ever looked up twice.
 *
 * Credentials: while a call is emulated the session thread takes on the
 * target's fsuid, fsgid, supplementary groups, effective capabilities and
 * umask (all per thread: raw setfsuid/setfsgid/setgroups/capset, and a
 * thread-private fs_struct for the umask), so ownership, permission checks,
 * set-group-ID inheritance and default ACLs come out as the kernel would
 * give them to the target, and the supervisor's own privileges never leak
 * into the result. If the thread cannot take them on, the call is denied; if
 * it cannot give them back, the supervisor aborts (its targets die with it).
 *
 * The room: creds.c takes the credentials on and gives them back (enter,
 * leave); emulate.c opens, resolves and carries the call out. Nothing here
 * prints: failures are -errno, and e->why says more where the record must.
 *
 * Usage, all on one thread:
 *	emulate_open()    open the target's root, cwd or dirfd (from /proc);
 *	                  the caller then checks the notification is still valid
 *	emulate_enter()   take on the target's credentials
 *	emulate_resolve() open what the call acts on; fills e->path
 *	emulate_run()     do it; returns what the target gets
 *	emulate_leave()   give the credentials back (always, after enter)
 *	emulate_done()    close everything (always)
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "policy/policy.h"
#include "supervisor/target/target.h"

#define EMULATE_MAX_GROUPS 65536 /* the kernel's NGROUPS_MAX */
#define EMULATE_NAME_MAX 256	 /* NAME_MAX, including the NUL */

struct emulate_creds {
	uid_t fsuid;
	gid_t fsgid;
	int n_groups;
	gid_t *groups; /* malloc'd */
	uint64_t cap_eff;
	mode_t umask;
	/* From the same read of /proc/TID/status, for the call's record (which
	 * would otherwise read it a second time): who_ok when all were found. */
	bool who_ok;
	pid_t tgid, ppid;
	long long uid, euid; /* real and effective */
};

enum emulate_op {
	EMULATE_MKDIR,
	EMULATE_CHMOD,
};

struct emulate {
	pid_t tid;
	enum emulate_op op;
	const char *raw; /* the path as the target passed it (read once); NULL for fchmod */
	mode_t mode;
	bool follow;	/* chmod: follow a final symlink */
	bool on_fd;	/* fchmod: the call names an fd, not a path */
	bool same_root; /* the target's root is ours: walk from its cwd/dirfd directly */

	int procfd;	 /* /proc/TID (O_PATH) */
	int rootfd;	 /* the target's root (O_PATH) */
	int basefd;	 /* its cwd, its dirfd, or (fchmod) the file itself (O_PATH) */
	int objfd;	 /* what the call acts on, or its parent directory (O_PATH) */
	bool via_parent; /* objfd is the parent and last names the entry */
	char last[EMULATE_NAME_MAX];

	char path[TARGET_PATH_MAX]; /* where the call acts, in the target's view */
	const char *why;	    /* static: why it was refused, beyond the errno; NULL */

	const struct target_view *view; /* the session's: where the policy's paths live */
	struct emulate_creds target;
	struct emulate_creds saved;
	uint64_t saved_cap_perm, saved_cap_inh;
	bool entered;
	bool switched; /* credentials were changed (not merely equal) */
};

/* An emulate that owns nothing yet: emulate_done() is safe on it. */
void emulate_init(struct emulate *e);

/* Which syscalls emulation handles, and how; false if not one of them. */
bool emulate_supported(const char *syscall);

/*
 * Read the target's credentials and open its root and the directory (or fd)
 * the call starts from. raw may be NULL only for fchmod. 0 or -errno (EBADF,
 * ENOTDIR, ESRCH, ...), which is what the call would have got; -EPERM when
 * the target left the session's mount namespace (see target_view).
 */
int emulate_open(struct emulate *e, pid_t tid, const struct call *c, const char *raw,
		 const struct target_view *view);
/* Take on the target's credentials. 0, or -EPERM when we cannot. */
int emulate_enter(struct emulate *e);
/* The calling thread has a fs_struct of its own (unshare(CLONE_FS)) where
 * nothing but emulation sets the umask: emulate_enter and emulate_leave then
 * skip the umask() calls that would change nothing. */
void emulate_own_fs(void);
/* Open what the call acts on and fill e->path. 0 or -errno for the target. */
int emulate_resolve(struct emulate *e);
/* Carry the call out. >= 0, or -errno: exactly what the target gets. */
int emulate_run(struct emulate *e);
/* Back to our own credentials; aborts if that fails. Safe to call twice. */
void emulate_leave(struct emulate *e);
/*
 * mkdir only, after emulate_resolve, with the target's credentials taken on:
 * 1 if the name it would create exists (the kernel's EEXIST, which it gives
 * before any permission check), 0 if not, -errno if that cannot be told.
 */
int emulate_mkdir_exists(const struct emulate *e);
void emulate_done(struct emulate *e);

/*
 * Pure helpers (no /proc, no syscalls), unit-tested in tests/test-emulate-unit.c.
 *
 * emulate_last_is_dot: does raw end in "." or ".." (trailing slashes aside),
 * or is it "/"? Such a final name is never a symlink.
 * emulate_split_last: raw as the directory to open and the entry in it the
 * call acts on: "a" is (".", "a"), "/a/b/" is ("/a", "b"), "/" is ("/",
 * "."). 0 or -ENAMETOOLONG (raw too long, or a final name over NAME_MAX).
 * emulate_join_last: the path of that entry, from view (the directory's
 * path, which ".." shortens in place) and last. 0 or -ENAMETOOLONG.
 */
bool emulate_last_is_dot(const char *raw);
int emulate_split_last(const char *raw, char dir[TARGET_PATH_MAX], char last[EMULATE_NAME_MAX]);
int emulate_join_last(char *view, const char *last, char *out, size_t size);
