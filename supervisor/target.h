#pragma once
/*
 * target: what the supervisor learns about a target from outside it: its
 * memory, its executable, and the path a call would act on.
 *
 * Everything read here is controlled by the target and may change under our
 * feet (another thread, a shared mapping, a racing rename). Each value is read
 * once into supervisor memory; the caller checks the notification is still
 * valid after reading (then the tid still names the task that made the call,
 * since a task blocked in our notification cannot have been reaped).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "policy/policy.h"

#define TARGET_PATH_MAX 4096 /* PATH_MAX, including the NUL */

/*
 * Copy the NUL-terminated string at addr in tid's memory into buf
 * (TARGET_PATH_MAX bytes). 0; -EFAULT if unmapped or unreadable before the
 * NUL; -ENAMETOOLONG if no NUL within TARGET_PATH_MAX bytes (never a
 * truncated prefix); -ESRCH if the task is gone.
 */
int target_read_string(pid_t tid, uint64_t addr, char *buf);

/* The target's executable (readlink /proc/tid/exe). 0 or -errno. */
int target_exe(pid_t tid, char *buf, size_t size);

/* The thread group id of tid (from /proc/tid/status). */
pid_t target_tgid(pid_t tid);
/* Its thread group id and parent pid. 0 or -errno. */
int target_ids(pid_t tid, pid_t *ret_tgid, pid_t *ret_ppid);
/* Its command line (/proc/PID/cmdline), as a malloc'd NULL-terminated vector
 * of at most 64 arguments. NULL on error. */
char **target_cmdline(pid_t pid);

/*
 * Copy len bytes at addr in tid's memory into buf (a structure an argument
 * points to, such as openat2's struct open_how). 0; -EFAULT if any of it is
 * unmapped; -ESRCH if the task is gone.
 */
int target_read_mem(pid_t tid, uint64_t addr, void *buf, size_t len);

/*
 * The view in which a session's policy names paths: the mount namespace and
 * root directory its first process had when supervision began (for `run`,
 * sysgate's own). A process that later enters another mount namespace (to
 * bind-mount a forbidden directory over an allowed path) gets EPERM for every
 * call the policy judges by path; one that chroots is judged by where its
 * paths land in the session's view, so chroot cannot rename anything either.
 *
 * A descriptor can name a place the view has no name for: a detached mount
 * (open_tree(OPEN_TREE_CLONE), umount -l), another namespace's mount passed
 * over a socket, the kernel's internal mounts (memfd). /proc reads such a
 * place as "/" or "/sub/dir", a name that means something else in the view.
 * So every directory a path is resolved from (the root, the cwd, a dirfd, a
 * magic link in /proc) and every fd a call acts on is checked to lie on a
 * mount of the view's namespace; if not, the call is refused (-EPERM, why
 * TARGET_WHY_MOUNT) instead of being judged by a name that is not its own.
 */
struct target_view {
	dev_t mnt_dev;
	ino_t mnt_ino;
	uint64_t mnt_ns_id;	    /* NS_GET_MNTNS_ID (Linux 6.11); 0: this kernel has none */
	char root[TARGET_PATH_MAX]; /* the root, as a path from sysgate's root */
	size_t root_len;	    /* 0 when it is "/" */
};
int target_view_load(pid_t pid, struct target_view *ret);
/* 0 if tid is still in the view's mount namespace, -EPERM if not. */
int target_view_check(pid_t tid, const struct target_view *v);
/* A path as sysgate reads it from /proc (from its own root) in the view;
 * -EPERM when it lies outside the view's root. Non-paths ("pipe:[1]") stay. */
int target_view_path(const struct target_view *v, const char *host, char *out, size_t size);
/*
 * Is what (dirfd, path, AT_* flags) names, as statx would find it, on a mount
 * of the view's namespace? tid is a task in that namespace (for kernels
 * without statmount, its mountinfo is read). 0; -EPERM if not, or if that
 * cannot be told (fail closed); -errno if statx fails.
 */
int target_view_mount_at(pid_t tid, int dirfd, const char *path, int flags,
			 const struct target_view *v);

/* Why a call was refused, where the errno alone does not say (static text). */
#define TARGET_WHY_MOUNT "descriptor on a mount outside the session's view"
#define TARGET_WHY_RESOLVE "openat2 resolve flags sysgate does not know"
#define TARGET_WHY_HOW "openat2 struct open_how too small, too large or unreadable"
#define TARGET_WHY_SELF "cannot tell which process /proc/self names in the target's /proc"

/* How a path is resolved (target_lookup.flags). */
#define TARGET_FOLLOW 0x1 /* follow a final symlink */
#define TARGET_ENTRY                                                                               \
	0x2		      /* the call makes or removes the final entry itself (mkdir,          \
			       * unlink, rmdir, rename, symlink, mknod): a trailing slash          \
			       * does not make the final component followed */
#define TARGET_EMPTY_PATH 0x4 /* AT_EMPTY_PATH: "" names dirfd itself (AT_FDCWD: the cwd) */

/* openat2's RESOLVE_* flags (linux/openat2.h), for target_lookup.resolve. */
#define TARGET_RESOLVE_NO_XDEV 0x01
#define TARGET_RESOLVE_NO_MAGICLINKS 0x02
#define TARGET_RESOLVE_NO_SYMLINKS 0x04
#define TARGET_RESOLVE_BENEATH 0x08
#define TARGET_RESOLVE_IN_ROOT 0x10
#define TARGET_RESOLVE_CACHED 0x20
#define TARGET_RESOLVE_KNOWN 0x3f

struct target_lookup {
	int dirfd;	  /* AT_FDCWD, or the target's fd a relative path starts from */
	const char *raw;  /* the path as the target passed it, read once */
	unsigned flags;	  /* TARGET_* above */
	uint64_t resolve; /* openat2's RESOLVE_* bits; 0 for every other call */
};

/*
 * The absolute, normalized path the call would act on, in the session's view
 * (see above) of the file system, resolved as the kernel resolves it:
 *  - relative to dirfd (AT_FDCWD: the thread's cwd), absolute ones from the
 *    target's root;
 *  - symlinks followed in every component but the last, and in the last
 *    with TARGET_FOLLOW, or when the path ends in '/' after it (the kernel
 *    then follows it even for lchown, AT_SYMLINK_NOFOLLOW and O_NOFOLLOW),
 *    unless TARGET_ENTRY;
 *  - "" with TARGET_EMPTY_PATH: dirfd itself;
 *  - RESOLVE_IN_ROOT: dirfd is the root ("/", "..", absolute symlinks stay
 *    inside it); RESOLVE_BENEATH: -EXDEV for any escape from dirfd, as the
 *    kernel; both: -EXDEV for magic links; RESOLVE_NO_SYMLINKS and
 *    RESOLVE_NO_MAGICLINKS: -ELOOP where the kernel would. RESOLVE_NO_XDEV
 *    and RESOLVE_CACHED only make the kernel fail more: the path is the same.
 * A path of a nonexistent file is resolved as far as it exists and then
 * lexically. out has TARGET_PATH_MAX bytes. 0 or -errno: EBADF (dirfd not
 * open), ENOTDIR, ENOENT (empty raw), ELOOP, EXDEV, ENAMETOOLONG, ESRCH, and
 * EPERM with *ret_why set when the path starts from, or passes through, a
 * mount outside the view.
 */
int target_resolve_path(pid_t tid, const struct target_lookup *l, const struct target_view *v,
			char *out, const char **ret_why);

/* The path of the file an fd of the target refers to (fchmod), in the view;
 * fd AT_FDCWD is the cwd. -EPERM with *ret_why when it is on a mount outside
 * the view. */
int target_fd_path(pid_t tid, int fd, const struct target_view *v, char *out, const char **ret_why);
