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
 * The view in which a session's policy names paths: the mount namespace and
 * root directory its first process had when supervision began (for `run`,
 * sysgate's own). A process that later enters another mount namespace (to
 * bind-mount a forbidden directory over an allowed path) gets EPERM for every
 * call the policy judges by path; one that chroots is judged by where its
 * paths land in the session's view, so chroot cannot rename anything either.
 */
struct target_view {
	dev_t mnt_dev;
	ino_t mnt_ino;
	char root[TARGET_PATH_MAX]; /* the root, as a path from sysgate's root */
	size_t root_len;            /* 0 when it is "/" */
};
int target_view_load(pid_t pid, struct target_view *ret);
/* 0 if tid is still in the view's mount namespace, -EPERM if not. */
int target_view_check(pid_t tid, const struct target_view *v);
/* A path as sysgate reads it from /proc (from its own root) in the view;
 * -EPERM when it lies outside the view's root. Non-paths ("pipe:[1]") stay. */
int target_view_path(const struct target_view *v, const char *host, char *out, size_t size);

/*
 * The absolute, normalized path the call would act on, in the session's view
 * (see above) of the file system: raw resolved against dirfd (AT_FDCWD: the thread's cwd;
 * absolute: the target's root), symlinks followed in every component but the
 * last, and in the last only if follow. A path of a nonexistent file is
 * resolved as far as it exists and then lexically. out has TARGET_PATH_MAX
 * bytes. 0 or -errno: EBADF (dirfd not open), ENOTDIR, ENOENT (empty raw),
 * ELOOP, ENAMETOOLONG, ESRCH.
 */
int target_resolve_path(pid_t tid, int dirfd, const char *raw, bool follow,
			const struct target_view *v, char *out);

/* The path of the file an fd of the target refers to (fchmod), in the view. */
int target_fd_path(pid_t tid, int fd, const struct target_view *v, char *out);
