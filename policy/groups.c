/*
 * groups: named sets of syscalls for section headers ([@network]), so that a
 * policy can say "every networking call" or "Docker's default allowlist" in
 * one line. Members unknown to the libseccomp sysgate is built with are
 * skipped when a section is built (policy_syscall_known); the reference
 * (GROUPS in sysgate-policy(5)) lists every member, and a test keeps the two
 * in step. Pure data.
 */
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"
#include "sg-util.h"

/* clang-format off */
static const char *const g_file_read[] = {
	"read", "readv", "pread64", "preadv", "preadv2", "open", "openat", "openat2", "stat",
	"fstat", "lstat", "newfstatat", "statx", "stat64", "fstat64", "lstat64", "fstatat64",
	"access", "faccessat", "faccessat2", "readlink", "readlinkat", "getdents", "getdents64",
	"lseek", "_llseek", "getxattr", "lgetxattr", "fgetxattr", "listxattr", "llistxattr",
	"flistxattr", "getcwd", "statfs", "fstatfs", "statfs64", "fstatfs64", "fadvise64",
	"fadvise64_64", "readahead", "name_to_handle_at", "oldstat", "oldlstat", "oldfstat", "readdir", NULL,
};

static const char *const g_file_write[] = {
	"write", "writev", "pwrite64", "pwritev", "pwritev2", "open", "openat", "openat2",
	"creat", "truncate", "ftruncate", "truncate64", "ftruncate64", "fallocate", "unlink",
	"unlinkat", "rename", "renameat", "renameat2", "link", "linkat", "symlink", "symlinkat",
	"mkdir", "mkdirat", "rmdir", "mknod", "mknodat", "chmod", "fchmod", "fchmodat",
	"fchmodat2", "chown", "lchown", "fchown", "fchownat", "chown32", "lchown32", "fchown32",
	"utime", "utimes", "futimesat", "utimensat", "utimensat_time64", "setxattr", "lsetxattr",
	"fsetxattr", "removexattr", "lremovexattr", "fremovexattr", "fsync", "fdatasync", "sync",
	"syncfs", "sync_file_range", "copy_file_range", "sendfile", "sendfile64", "splice", "vmsplice", "tee", "io_submit", NULL,
};

static const char *const g_dir[] = {
	"mkdir", "mkdirat", "rmdir", "chdir", "fchdir", "chroot", "getcwd", "getdents",
	"getdents64", NULL,
};

static const char *const g_process[] = {
	"fork", "vfork", "clone", "clone3", "execve", "execveat", "wait4", "waitpid", "waitid",
	"exit", "exit_group", NULL,
};

static const char *const g_network[] = {
	"socket", "socketpair", "bind", "connect", "listen", "accept", "accept4", "sendto",
	"recvfrom", "sendmsg", "recvmsg", "sendmmsg", "recvmmsg", "recvmmsg_time64", "send",
	"recv", "shutdown", "setsockopt", "getsockopt", "getsockname", "getpeername",
	"socketcall", NULL,
};

static const char *const g_mount[] = {
	"mount", "umount", "umount2", "pivot_root", "fsopen", "fsconfig", "fsmount", "fspick",
	"move_mount", "open_tree", "mount_setattr", "unshare", "setns", "chroot", NULL,
};

static const char *const g_privileged[] = {
	"_sysctl", "acct", "add_key", "afs_syscall", "bdflush", "bpf", "break", "chroot",
	"clock_settime", "clock_settime64", "create_module", "delete_module", "fanotify_init",
	"finit_module", "fsconfig", "fsmount", "fsopen", "fspick", "ftime", "get_kernel_syms",
	"get_mempolicy", "getpmsg", "gtty", "idle", "init_module", "io_uring_enter",
	"io_uring_register", "io_uring_setup", "ioperm", "iopl", "kcmp", "kexec_file_load",
	"kexec_load", "keyctl", "lock", "lookup_dcookie", "mbind", "migrate_pages", "mount",
	"mount_setattr", "move_mount", "move_pages", "mpx", "nfsservctl", "nice", "oldfstat",
	"oldlstat", "oldolduname", "oldstat", "olduname", "open_by_handle_at", "open_tree",
	"perf_event_open", "pidfd_getfd", "pivot_root", "process_madvise", "prof", "profil",
	"putpmsg", "query_module", "quotactl", "quotactl_fd", "readdir", "reboot", "request_key",
	"security", "set_mempolicy", "set_mempolicy_home_node", "setdomainname", "sethostname",
	"setns", "settimeofday", "sgetmask", "sigaction", "signal", "sigpending", "sigsuspend",
	"ssetmask", "stime", "stty", "swapoff", "swapon", "sysfs", "syslog", "tuxcall", "ulimit",
	"umount", "umount2", "unshare", "uselib", "userfaultfd", "ustat", "vhangup", "vm86",
	"vm86old", "vserver", NULL,
};

static const char *const g_docker_default[] = {
	"_llseek", "_newselect", "accept", "accept4", "access", "adjtimex", "alarm",
	"arch_prctl", "bind", "brk", "cachestat", "capget", "capset", "chdir", "chmod", "chown",
	"chown32", "clock_adjtime", "clock_adjtime64", "clock_getres", "clock_getres_time64",
	"clock_gettime", "clock_gettime64", "clock_nanosleep", "clock_nanosleep_time64", "close",
	"close_range", "connect", "copy_file_range", "creat", "dup", "dup2", "dup3",
	"epoll_create", "epoll_create1", "epoll_ctl", "epoll_ctl_old", "epoll_pwait",
	"epoll_pwait2", "epoll_wait", "epoll_wait_old", "eventfd", "eventfd2", "execve",
	"execveat", "exit", "exit_group", "faccessat", "faccessat2", "fadvise64", "fadvise64_64",
	"fallocate", "fanotify_mark", "fchdir", "fchmod", "fchmodat", "fchmodat2", "fchown",
	"fchown32", "fchownat", "fcntl", "fcntl64", "fdatasync", "fgetxattr", "flistxattr",
	"flock", "fork", "fremovexattr", "fsetxattr", "fstat", "fstat64", "fstatat64", "fstatfs",
	"fstatfs64", "fsync", "ftruncate", "ftruncate64", "futex", "futex_requeue",
	"futex_time64", "futex_wait", "futex_waitv", "futex_wake", "futimesat",
	"get_robust_list", "get_thread_area", "getcpu", "getcwd", "getdents", "getdents64",
	"getegid", "getegid32", "geteuid", "geteuid32", "getgid", "getgid32", "getgroups",
	"getgroups32", "getitimer", "getpeername", "getpgid", "getpgrp", "getpid", "getppid",
	"getpriority", "getrandom", "getresgid", "getresgid32", "getresuid", "getresuid32",
	"getrlimit", "getrusage", "getsid", "getsockname", "getsockopt", "gettid",
	"gettimeofday", "getuid", "getuid32", "getxattr", "inotify_add_watch", "inotify_init",
	"inotify_init1", "inotify_rm_watch", "io_cancel", "io_destroy", "io_getevents",
	"io_pgetevents", "io_pgetevents_time64", "io_setup", "io_submit", "ioctl", "ioprio_get",
	"ioprio_set", "ipc", "kill", "landlock_add_rule", "landlock_create_ruleset",
	"landlock_restrict_self", "lchown", "lchown32", "lgetxattr", "link", "linkat", "listen",
	"listxattr", "llistxattr", "lremovexattr", "lseek", "lsetxattr", "lstat", "lstat64",
	"madvise", "map_shadow_stack", "membarrier", "memfd_create", "memfd_secret", "mincore",
	"mkdir", "mkdirat", "mknod", "mknodat", "mlock", "mlock2", "mlockall", "mmap", "mmap2",
	"modify_ldt", "mprotect", "mq_getsetattr", "mq_notify", "mq_open", "mq_timedreceive",
	"mq_timedreceive_time64", "mq_timedsend", "mq_timedsend_time64", "mq_unlink", "mremap",
	"msgctl", "msgget", "msgrcv", "msgsnd", "msync", "munlock", "munlockall", "munmap",
	"name_to_handle_at", "nanosleep", "newfstatat", "open", "openat", "openat2", "pause",
	"pidfd_open", "pidfd_send_signal", "pipe", "pipe2", "pkey_alloc", "pkey_free",
	"pkey_mprotect", "poll", "ppoll", "ppoll_time64", "prctl", "pread64", "preadv",
	"preadv2", "prlimit64", "process_mrelease", "process_vm_readv", "process_vm_writev",
	"pselect6", "pselect6_time64", "ptrace", "pwrite64", "pwritev", "pwritev2", "read",
	"readahead", "readlink", "readlinkat", "readv", "recvfrom", "recvmmsg",
	"recvmmsg_time64", "recvmsg", "remap_file_pages", "removexattr", "rename", "renameat",
	"renameat2", "restart_syscall", "rmdir", "rseq", "rt_sigaction", "rt_sigpending",
	"rt_sigprocmask", "rt_sigqueueinfo", "rt_sigreturn", "rt_sigsuspend", "rt_sigtimedwait",
	"rt_sigtimedwait_time64", "rt_tgsigqueueinfo", "sched_get_priority_max",
	"sched_get_priority_min", "sched_getaffinity", "sched_getattr", "sched_getparam",
	"sched_getscheduler", "sched_rr_get_interval", "sched_rr_get_interval_time64",
	"sched_setaffinity", "sched_setattr", "sched_setparam", "sched_setscheduler",
	"sched_yield", "seccomp", "select", "semctl", "semget", "semop", "semtimedop",
	"semtimedop_time64", "sendfile", "sendfile64", "sendmmsg", "sendmsg", "sendto",
	"set_robust_list", "set_thread_area", "set_tid_address", "setfsgid", "setfsgid32",
	"setfsuid", "setfsuid32", "setgid", "setgid32", "setgroups", "setgroups32", "setitimer",
	"setpgid", "setpriority", "setregid", "setregid32", "setresgid", "setresgid32",
	"setresuid", "setresuid32", "setreuid", "setreuid32", "setrlimit", "setsid",
	"setsockopt", "setuid", "setuid32", "setxattr", "shmat", "shmctl", "shmdt", "shmget",
	"shutdown", "sigaltstack", "signalfd", "signalfd4", "sigprocmask", "sigreturn",
	"socketcall", "socketpair", "splice", "stat", "stat64", "statfs", "statfs64", "statx",
	"symlink", "symlinkat", "sync", "sync_file_range", "syncfs", "sysinfo", "tee", "tgkill",
	"time", "timer_create", "timer_delete", "timer_getoverrun", "timer_gettime",
	"timer_gettime64", "timer_settime", "timer_settime64", "timerfd_create",
	"timerfd_gettime", "timerfd_gettime64", "timerfd_settime", "timerfd_settime64", "times",
	"tkill", "truncate", "truncate64", "ugetrlimit", "umask", "uname", "unlink", "unlinkat",
	"utime", "utimensat", "utimensat_time64", "utimes", "vfork", "vmsplice", "wait4",
	"waitid", "waitpid", "write", "writev", NULL,
};
/* clang-format on */

/*
 * docker-default: the syscalls Docker's default profile (moby/profiles
 * seccomp/default.json, as in /work/shared/data/moby-default.json) allows on
 * x86 without added capabilities and without argument conditions. clone,
 * personality and socket, which it allows only with certain arguments, are
 * not members: a policy gives them rules of its own. privileged: every other
 * syscall libseccomp names on x86_64 or i386, which is what that profile
 * blocks (mounts, modules, kexec, clocks, keyrings, namespaces, io_uring,
 * obsolete calls).
 */
const struct policy_group policy_groups[] = {
	{"file-read", "reading files and their metadata", g_file_read},
	{"file-write", "writing, creating, removing and changing files", g_file_write},
	{"dir", "creating and removing directories, changing the working directory or root", g_dir},
	{"process", "creating processes, exec, waiting and exit", g_process},
	{"network", "sockets and everything done on them", g_network},
	{"mount", "mounts and namespaces", g_mount},
	{"privileged", "privileged and host-wide calls: what Docker's default profile blocks",
	 g_privileged},
	{"docker-default", "Docker's default allowlist (x86, no added capabilities)",
	 g_docker_default},
	{NULL, NULL, NULL},
};

const struct policy_group *policy_group(const char *name)
{
	for (const struct policy_group *g = policy_groups; name && g->name; g++)
		if (streq(g->name, name))
			return g;
	return NULL;
}

const char *policy_group_nearest(const char *name)
{
	const char *best = NULL;
	size_t best_d = 3;

	for (const struct policy_group *g = policy_groups; g->name; g++) {
		size_t d = policy_edit_distance(name, g->name, best_d);

		if (d < best_d) {
			best_d = d;
			best = g->name;
		}
	}
	return best;
}

/* The nearest family head or syscall name libseccomp knows, for "did you
 * mean". */
const char *policy_syscall_nearest(const char *name)
{
	static const uint32_t arches[] = {SCMP_ARCH_X86_64, SCMP_ARCH_X86};
	static char best[64];
	size_t best_d = 3;
	bool found = false;

	for (size_t a = 0; a < ARRAY_SIZE(arches); a++)
		for (int nr = 0; nr < 600; nr++) {
			char *n = seccomp_syscall_resolve_num_arch(arches[a], nr);
			size_t d;

			if (!n)
				continue;
			d = policy_edit_distance(name, n, best_d);
			if (d < best_d && strlen(n) < sizeof(best)) {
				best_d = d;
				strcpy(best, n);
				found = true;
			}
			free(n);
		}
	return found ? best : NULL;
}
