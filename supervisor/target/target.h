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
 *
 * The room, by job: mem.c (bounded reads of its memory, the guard), proc.c
 * (every read of /proc/PID), view.c (the session's view, the mapping between
 * host paths and names in a root), resolve.c (the path a call acts on).
 * Nothing here prints: failures are -errno, and where the record must say
 * more, a TARGET_WHY_* text (static) through ret_why.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "policy/policy.h"

#define TARGET_PATH_MAX 4096 /* PATH_MAX, including the NUL */

/*
 * Reads of target memory that may never return.
 *
 * A target decides what backs the memory it points us at: a page registered
 * with userfaultfd that nobody serves, or a page of a FUSE file whose daemon
 * never answers, makes process_vm_readv (and a read of /proc/PID/cmdline)
 * sleep in the kernel until the page arrives. That sleep is killable only, so
 * no signal short of killing sysgate ends it, and no flag makes the read give
 * up. The thread that reads cannot be saved; what can be saved is everything
 * else: the thread is abandoned and another one carries on.
 *
 * So every read of target memory here (mem.c, and proc.c's of cmdline) is
 * bracketed by a guard, when the reading thread has installed one
 * (target_guard_set): before the read the guard holds the time it began,
 * after it the reader takes the guard back to idle with one compare-and-swap. A watchdog on another
 * thread that finds a read older than its bound swaps the guard to ABANDONED first
 * (target_guard_expire): from then on the call belongs to the watchdog, and
 * when the reader's read returns, if ever, its swap fails and it calls
 * guard->abandoned(), which must not return (the session's ends the thread).
 * One atomic word decides who owns the call, so the reader and the watchdog
 * can never both act on it. The fast path costs a clock_gettime (vDSO) and
 * two atomic operations per read, nothing more: no hand-off to another
 * thread, no syscall.
 *
 * Reads without a guard (tests, tools) behave as before.
 */
#define TARGET_GUARD_IDLE 0
#define TARGET_GUARD_ABANDONED UINT64_MAX

/* What a guarded span waits for: the record and the errno say which. */
enum {
	TARGET_STALL_NONE,
	TARGET_STALL_MEMORY, /* the target's memory: EFAULT */
	TARGET_STALL_FILES,  /* a file system on the call's path (FUSE): EIO */
};

/*
 * Threads: a guard belongs to one reading thread (a session's worker, which
 * installs it with target_guard_set when it starts) and is watched by one
 * other (the session watchdog, under the watchdog's own lock, or the thread
 * stopping the session). No lock guards it: since is the one word both
 * sides write, only by atomic exchange or compare-and-swap, so exactly one
 * of them takes it from a read's start time to IDLE (the reader) or to
 * ABANDONED (the watchdog). what is written by the reader only and read by
 * the watchdog after it has won since. abandoned is set before the guard
 * is installed and never changes. The depth and the token of nested spans
 * are the reader's own (thread-locals in mem.c).
 */
struct target_guard {
	/* TARGET_GUARD_IDLE, TARGET_GUARD_ABANDONED, or the CLOCK_MONOTONIC
	 * time in ns (never 0) at which the current read began. */
	_Atomic uint64_t since;
	_Atomic int what; /* TARGET_STALL_*: the innermost span's */
	/* Called on the reading thread when its read returns after it was
	 * abandoned. Must not return (it ends the thread). */
	void (*abandoned)(struct target_guard *g);
};

/* Install g as this thread's guard (NULL: reads are unguarded). */
void target_guard_set(struct target_guard *g);
/*
 * Guard a span of work for a call that the target can make block beyond a
 * read of its memory: walking the call's path, which may cross a FUSE mount
 * whose daemon never answers, or carrying the call out there. what is
 * TARGET_STALL_FILES; pass the returned token to target_guard_leave(). Spans
 * nest, and every end of one checks: a thread whose span was abandoned ends
 * at the first end it reaches. Until then it runs on in the span's code, so
 * a span may only write what belongs to its thread, and whoever frees what
 * it reads must wait for such a thread (session.c: may_touch).
 */
int target_guard_enter(int what);
void target_guard_leave(int token);
/* CLOCK_MONOTONIC in ns, as the guard counts it. */
uint64_t target_now_ns(void);
/*
 * The watchdog's side: if g's thread has been in one read since before
 * now - bound_ns (bound_ns 0: any read in progress), mark it abandoned and
 * return true; the caller then owns the call the thread was handling. false
 * if it is not reading, or not for that long, or already abandoned.
 */
bool target_guard_expire(struct target_guard *g, uint64_t now_ns, uint64_t bound_ns);

/*
 * Copy the NUL-terminated string at addr in tid's memory into buf
 * (TARGET_PATH_MAX bytes). 0; -EFAULT if unmapped or unreadable before the
 * NUL; -ENAMETOOLONG if no NUL within TARGET_PATH_MAX bytes (never a
 * truncated prefix); -ESRCH if the task is gone. Guarded (above).
 */
int target_read_string(pid_t tid, uint64_t addr, char *buf);
/*
 * Copy exactly len bytes at addr in tid's memory into buf (a struct the call
 * points at: openat2's open_how, socketcall's arguments). 0; -EFAULT if any
 * of it is unmapped or unreadable; -ESRCH if the task is gone. Guarded: use
 * this, never process_vm_readv directly, for every read of target memory.
 */
int target_read_mem(pid_t tid, uint64_t addr, void *buf, size_t len);

/* ---- /proc/PID (proc.c): the one place that reads a target's entries ---- */

/* The target's executable (readlink /proc/tid/exe). 0 or -errno. */
int target_exe(pid_t tid, char *buf, size_t size);
/* Its root directory as a host path (readlink /proc/tid/root; "/" unless it
 * chrooted). 0 or -errno (-ESRCH: gone). */
int target_root(pid_t tid, char out[TARGET_PATH_MAX]);
/* stat of its namespace link ns/NS ("mnt", "user"), from procfd (an open
 * /proc/TID) when >= 0, else from /proc/tid. 0 or -errno (-ESRCH: gone). */
int target_ns_stat(pid_t tid, int procfd, const char *ns, struct stat *ret);
/* The id of its mount namespace (NS_GET_MNTNS_ID, Linux 6.11); 0 if none. */
uint64_t target_mnt_ns_id(pid_t pid);
/* Its start time (field 22 of /proc/PID/stat, in clock ticks since boot):
 * with the pid, what names one process for its whole life. 0 on error. */
unsigned long long target_start_time(pid_t pid);

/* The thread group id of tid (from /proc/tid/status). */
pid_t target_tgid(pid_t tid);
/* Its thread group id and parent pid. 0 or -errno. */
int target_ids(pid_t tid, pid_t *ret_tgid, pid_t *ret_ppid);
/* The same, with the real and effective uid (the Uid: line). 0 or -errno. */
int target_who(pid_t tid, pid_t *ret_tgid, pid_t *ret_ppid, long long *ret_uid,
	       long long *ret_euid);
/* Its command line (/proc/PID/cmdline), as a malloc'd NULL-terminated vector
 * of at most 64 arguments. NULL on error. The kernel reads it from the
 * target's memory, so it is guarded like target_read_string. */
char **target_cmdline(pid_t pid);

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
};
int target_view_load(pid_t pid, struct target_view *ret);
/* 0 if tid is still in the view's mount namespace (v NULL: always), -EPERM
 * if not, -ESRCH if it is gone. _at: the task whose /proc/TID is procfd. */
int target_view_check(pid_t tid, const struct target_view *v);
int target_view_check_at(int procfd, const struct target_view *v);
/* A path as sysgate reads it from /proc (from its own root) in the view;
 * -EPERM when it lies outside the view's root. Non-paths ("pipe:[1]") stay.
 * Pure (v NULL: host as it is). */
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
#define TARGET_WHY_OUTSIDE "magic link leads outside the target's root"

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

/*
 * The one place that spells a target's /proc path: "/proc/PID/ENTRY", or
 * "/proc/PID" when entry is "". Returns buf. Every room that reads a
 * target's /proc uses this (or a target_* reader built on it).
 */
#define TARGET_PROC_PATH_MAX 64
char *target_proc_path(char buf[TARGET_PROC_PATH_MAX], pid_t pid, const char *entry);

/*
 * ---- Pure helpers (no /proc, no syscalls): the mapping between names and
 * the parsers of /proc's text, unit-tested in tests/test-view.c ----
 *
 * Host paths are what /proc shows sysgate: absolute, from sysgate's root. A
 * root is such a path too; "/" (or "") is the whole tree, and trailing
 * slashes on a root are ignored. A root holds whole components only: /srv/a
 * holds /srv/a and /srv/a/b, never /srv/ab.
 *
 * target_root_strip: host's name below root, as *ret (into host, or "/" for
 * root itself). 0; -EINVAL if host is not a path ("pipe:[1]",
 * "anon_inode:[x]"); -ENOENT if it lies outside root (no name there).
 */
int target_root_strip(const char *root, const char *host, const char **ret);
/* The inverse: path (a name below root; "" or "/" is root itself) as a host
 * path in out. 0 or -ENAMETOOLONG. */
int target_root_join(const char *root, const char *path, char *out, size_t size);
/* Is link (the text of a symlink in a procfs directory) a magic link the
 * kernel follows by jumping to its object (an absolute host path or
 * "type:[inode]"), rather than an ordinary one ("self" reads "1234")? */
bool target_link_is_magic(const char *link);
/* starttime (field 22) of the text of a /proc/PID/stat file; 0 if it has none.
 * The command name (field 2) may hold spaces and ')'. */
unsigned long long target_parse_start_time(const char *stat);
/* The ids after "NStgid:" or "NSpid:" in /proc/PID/status (outermost pid
 * namespace first), at most max of them. Their number. */
int target_parse_ns_ids(const char *line, pid_t *ids, int max);
/* The mount id (first field) of a /proc/PID/mountinfo line. 0 or -EINVAL. */
int target_parse_mountinfo_id(const char *line, uint64_t *ret);
