/*
 * syscalls: what sysgate knows about syscalls by name. The shape table (how
 * arguments are laid out), the families a section head stands for, and the
 * errno names. Pure data and lookups.
 */
#include <errno.h>
#include <limits.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"
#include "sg-util.h"

/*
 * Argument layouts as the x86_64 kernel takes them (i386 and x32 agree for
 * every entry here). A path condition needs an 's' or an 'F' argument; a mode
 * condition needs an 'o'. The follow rule says how the supervisor resolves the
 * first 's' argument: as the kernel will, or more strictly where the enum
 * cannot say it exactly (see linkat and name_to_handle_at).
 */
static const struct syscall_shape shapes[] = {
	/* mkdir family */
	{"mkdir", "so", FOLLOW_NEVER},
	{"mkdirat", "Dso", FOLLOW_NEVER},
	/* chmod family: fchmodat has no flags argument (the libc wrapper's flags
	 * never reach the kernel); fchmodat2 (Linux 6.6) has one. */
	{"chmod", "so", FOLLOW_ALWAYS},
	{"fchmod", "Fo", FOLLOW_ALWAYS},
	{"fchmodat", "Dso", FOLLOW_ALWAYS},
	{"fchmodat2", "Dsoa", FOLLOW_UNLESS_AT_NOFOLLOW},
	/* chown family, with i386's 32-bit-id variants */
	{"chown", "suu", FOLLOW_ALWAYS},
	{"lchown", "suu", FOLLOW_NEVER},
	{"fchown", "Fuu", FOLLOW_ALWAYS},
	{"fchownat", "Dsuua", FOLLOW_UNLESS_AT_NOFOLLOW},
	{"chown32", "suu", FOLLOW_ALWAYS},
	{"lchown32", "suu", FOLLOW_NEVER},
	{"fchown32", "Fuu", FOLLOW_ALWAYS},
	/* open family: creat is open(O_CREAT|O_WRONLY|O_TRUNC), which follows;
	 * openat2's flags live in the struct its third argument points to, so the
	 * supervisor treats it as following. */
	{"open", "sfo", FOLLOW_OPEN},
	{"openat", "Dsfo", FOLLOW_OPEN},
	{"creat", "so", FOLLOW_OPEN},
	{"openat2", "Dshu", FOLLOW_OPEN},
	/* unlink family */
	{"unlink", "s", FOLLOW_NEVER},
	{"unlinkat", "Dsa", FOLLOW_NEVER},
	{"rmdir", "s", FOLLOW_NEVER},
	/* rename family */
	{"rename", "ss", FOLLOW_NEVER},
	{"renameat", "DsDs", FOLLOW_NEVER},
	{"renameat2", "DsDsu", FOLLOW_NEVER},
	/* link family. symlink's target is text stored in the link, not a path
	 * the call resolves: 'x'. linkat follows the old path only with
	 * AT_SYMLINK_FOLLOW, which the enum cannot express: resolving it always
	 * is the strict side (a link to a symlink is judged by its target). */
	{"link", "ss", FOLLOW_NEVER},
	{"linkat", "DsDsa", FOLLOW_ALWAYS},
	{"symlink", "Ss", FOLLOW_NEVER},
	{"symlinkat", "SDs", FOLLOW_NEVER},
	/* exec family */
	{"execve", "sxx", FOLLOW_ALWAYS},
	{"execveat", "Dsxxa", FOLLOW_UNLESS_AT_NOFOLLOW},
	/* io_uring family */
	{"io_uring_setup", "ux", FOLLOW_NEVER},
	{"io_uring_enter", "duuuxu", FOLLOW_NEVER},
	{"io_uring_register", "duxu", FOLLOW_NEVER},
	/* mount family and the new mount API */
	{"mount", "SsSxx", FOLLOW_ALWAYS},
	{"umount", "s", FOLLOW_ALWAYS},
	{"umount2", "sx", FOLLOW_ALWAYS},
	{"pivot_root", "ss", FOLLOW_ALWAYS},
	{"fsopen", "xx", FOLLOW_NEVER},
	{"fsconfig", "duxxd", FOLLOW_NEVER},
	{"fsmount", "dxx", FOLLOW_NEVER},
	{"fspick", "Dsx", FOLLOW_ALWAYS},
	{"move_mount", "DsDsx", FOLLOW_ALWAYS},
	{"open_tree", "Dsa", FOLLOW_UNLESS_AT_NOFOLLOW},
	{"mount_setattr", "Dsaxu", FOLLOW_UNLESS_AT_NOFOLLOW},
	/* module, kexec and keyring families */
	{"init_module", "xux", FOLLOW_NEVER},
	{"finit_module", "dxx", FOLLOW_NEVER},
	{"delete_module", "xx", FOLLOW_NEVER},
	{"kexec_load", "xuxx", FOLLOW_NEVER},
	{"kexec_file_load", "ddxxx", FOLLOW_NEVER},
	{"add_key", "SSxud", FOLLOW_NEVER},
	{"keyctl", "dxxxx", FOLLOW_NEVER},
	{"request_key", "SSSd", FOLLOW_NEVER},
	/* the rest of the default policy */
	{"acct", "s", FOLLOW_ALWAYS},
	{"bpf", "dxu", FOLLOW_NEVER},
	{"clock_adjtime", "dx", FOLLOW_NEVER},
	{"clock_settime", "dx", FOLLOW_NEVER},
	{"create_module", "xu", FOLLOW_NEVER},
	{"get_kernel_syms", "x", FOLLOW_NEVER},
	{"get_mempolicy", "xxuxx", FOLLOW_NEVER},
	{"ioperm", "uud", FOLLOW_NEVER},
	{"iopl", "d", FOLLOW_NEVER},
	{"kcmp", "dddxx", FOLLOW_NEVER},
	{"lookup_dcookie", "uxu", FOLLOW_NEVER},
	{"mbind", "xudxux", FOLLOW_NEVER},
	{"move_pages", "duxxxx", FOLLOW_NEVER},
	/* follows only with AT_SYMLINK_FOLLOW: resolved strictly, as linkat */
	{"name_to_handle_at", "Dsxxa", FOLLOW_ALWAYS},
	{"nfsservctl", "dxx", FOLLOW_NEVER},
	/* the fd names the mount the handle is looked up in, not the file
	 * opened: no path condition here (see the family table in the docs) */
	{"open_by_handle_at", "dxf", FOLLOW_NEVER},
	{"perf_event_open", "xdddx", FOLLOW_NEVER},
	{"process_vm_readv", "dxuxux", FOLLOW_NEVER},
	{"process_vm_writev", "dxuxux", FOLLOW_NEVER},
	{"ptrace", "ddxx", FOLLOW_NEVER},
	{"query_module", "xdxux", FOLLOW_NEVER},
	{"quotactl", "xsdx", FOLLOW_ALWAYS},
	{"reboot", "xxxx", FOLLOW_NEVER},
	{"set_mempolicy", "dxu", FOLLOW_NEVER},
	{"setns", "dx", FOLLOW_NEVER},
	{"settimeofday", "xx", FOLLOW_NEVER},
	{"stime", "x", FOLLOW_NEVER},
	{"swapon", "sx", FOLLOW_ALWAYS},
	{"swapoff", "s", FOLLOW_ALWAYS},
	{"sysfs", "dxx", FOLLOW_NEVER},
	{"_sysctl", "x", FOLLOW_NEVER},
	{"unshare", "x", FOLLOW_NEVER},
	{"uselib", "s", FOLLOW_ALWAYS},
	{"userfaultfd", "x", FOLLOW_NEVER},
	{"ustat", "ux", FOLLOW_NEVER},
	{"vm86", "xx", FOLLOW_NEVER},
	{"vm86old", "x", FOLLOW_NEVER},
	/* other path syscalls people write sections for */
	{"truncate", "sd", FOLLOW_ALWAYS},
	{"ftruncate", "Fd", FOLLOW_ALWAYS},
	{"mknod", "sox", FOLLOW_NEVER},
	{"mknodat", "Dsox", FOLLOW_NEVER},
	{"chdir", "s", FOLLOW_ALWAYS},
	{"fchdir", "F", FOLLOW_ALWAYS},
	{"chroot", "s", FOLLOW_ALWAYS},
	{"access", "sd", FOLLOW_ALWAYS},
	{"faccessat", "Dsd", FOLLOW_ALWAYS},
	{"faccessat2", "Dsda", FOLLOW_UNLESS_AT_NOFOLLOW},
	{"stat", "sx", FOLLOW_ALWAYS},
	{"lstat", "sx", FOLLOW_NEVER},
	{"fstat", "Fx", FOLLOW_ALWAYS},
	{"newfstatat", "Dsxa", FOLLOW_UNLESS_AT_NOFOLLOW},
	{"statx", "Dsaux", FOLLOW_UNLESS_AT_NOFOLLOW},
	{"statfs", "sx", FOLLOW_ALWAYS},
	{"fstatfs", "Fx", FOLLOW_ALWAYS},
	{"readlink", "sxu", FOLLOW_NEVER},
	{"readlinkat", "Dsxu", FOLLOW_NEVER},
	{"utime", "sx", FOLLOW_ALWAYS},
	{"utimes", "sx", FOLLOW_ALWAYS},
	{"futimesat", "Dsx", FOLLOW_ALWAYS},
	{"utimensat", "Dsxa", FOLLOW_UNLESS_AT_NOFOLLOW},
	/* xattrs: 'n' is the attribute's name, which a name condition reads
	 * from memory (the kernel reads it again when the call continues) */
	{"setxattr", "snxud", FOLLOW_ALWAYS},
	{"lsetxattr", "snxud", FOLLOW_NEVER},
	{"fsetxattr", "Fnxud", FOLLOW_ALWAYS},
	{"getxattr", "snxu", FOLLOW_ALWAYS},
	{"lgetxattr", "snxu", FOLLOW_NEVER},
	{"fgetxattr", "Fnxu", FOLLOW_ALWAYS},
	{"listxattr", "sxu", FOLLOW_ALWAYS},
	{"llistxattr", "sxu", FOLLOW_NEVER},
	{"flistxattr", "Fxu", FOLLOW_ALWAYS},
	{"removexattr", "sn", FOLLOW_ALWAYS},
	{"lremovexattr", "sn", FOLLOW_NEVER},
	{"fremovexattr", "Fn", FOLLOW_ALWAYS},
	/* Newer than libseccomp (policy_newer_syscalls): the *at xattr calls
	 * take AT_SYMLINK_NOFOLLOW and AT_EMPTY_PATH; open_tree_attr is
	 * open_tree with a struct mount_attr. */
	{"setxattrat", "Dsanxu", FOLLOW_UNLESS_AT_NOFOLLOW},
	{"getxattrat", "Dsanxu", FOLLOW_UNLESS_AT_NOFOLLOW},
	{"listxattrat", "Dsaxu", FOLLOW_UNLESS_AT_NOFOLLOW},
	{"removexattrat", "Dsan", FOLLOW_UNLESS_AT_NOFOLLOW},
	{"open_tree_attr", "Dsaxu", FOLLOW_UNLESS_AT_NOFOLLOW},
	{"file_getattr", "Dsxua", FOLLOW_UNLESS_AT_NOFOLLOW},
	{"file_setattr", "Dsxua", FOLLOW_UNLESS_AT_NOFOLLOW},
	/* common calls, for printing */
	{"read", "dxu", FOLLOW_NEVER},
	{"write", "dxu", FOLLOW_NEVER},
	{"close", "d", FOLLOW_NEVER},
	{"ioctl", "dxx", FOLLOW_NEVER},
	{"fcntl", "ddx", FOLLOW_NEVER},
	{"dup", "d", FOLLOW_NEVER},
	{"dup2", "dd", FOLLOW_NEVER},
	{"dup3", "ddf", FOLLOW_NEVER},
	{"pipe2", "xf", FOLLOW_NEVER},
	{"lseek", "dxd", FOLLOW_NEVER},
	{"mmap", "xuxxdx", FOLLOW_NEVER},
	{"mprotect", "xux", FOLLOW_NEVER},
	{"munmap", "xu", FOLLOW_NEVER},
	{"socket", "ddd", FOLLOW_NEVER},
	{"connect", "dxu", FOLLOW_NEVER},
	{"bind", "dxu", FOLLOW_NEVER},
	/* the rest of what i386's socketcall and ipc carry, for their records */
	{"listen", "dd", FOLLOW_NEVER},
	{"accept", "dxx", FOLLOW_NEVER},
	{"accept4", "dxxx", FOLLOW_NEVER},
	{"getsockname", "dxx", FOLLOW_NEVER},
	{"getpeername", "dxx", FOLLOW_NEVER},
	{"socketpair", "dddx", FOLLOW_NEVER},
	{"sendto", "dxuxxu", FOLLOW_NEVER},
	{"recvfrom", "dxuxxx", FOLLOW_NEVER},
	{"shutdown", "dd", FOLLOW_NEVER},
	{"setsockopt", "dddxu", FOLLOW_NEVER},
	{"getsockopt", "dddxx", FOLLOW_NEVER},
	{"sendmsg", "dxx", FOLLOW_NEVER},
	{"recvmsg", "dxx", FOLLOW_NEVER},
	{"recvmmsg", "dxuxx", FOLLOW_NEVER},
	{"sendmmsg", "dxux", FOLLOW_NEVER},
	{"semop", "dxu", FOLLOW_NEVER},
	{"semtimedop", "dxux", FOLLOW_NEVER},
	{"semget", "xdx", FOLLOW_NEVER},
	{"semctl", "dddx", FOLLOW_NEVER},
	{"msgsnd", "dxux", FOLLOW_NEVER},
	{"msgrcv", "dxuxx", FOLLOW_NEVER},
	{"msgget", "xx", FOLLOW_NEVER},
	{"msgctl", "ddx", FOLLOW_NEVER},
	{"shmat", "dxx", FOLLOW_NEVER},
	{"shmdt", "x", FOLLOW_NEVER},
	{"shmget", "xux", FOLLOW_NEVER},
	{"shmctl", "ddx", FOLLOW_NEVER},
	{"kill", "dd", FOLLOW_NEVER},
	{"tkill", "dd", FOLLOW_NEVER},
	{"tgkill", "ddd", FOLLOW_NEVER},
	{"clone", "xxxxx", FOLLOW_NEVER},
	{"clone3", "xu", FOLLOW_NEVER},
	{"fork", "", FOLLOW_NEVER},
	{"vfork", "", FOLLOW_NEVER},
	{"exit", "d", FOLLOW_NEVER},
	{"exit_group", "d", FOLLOW_NEVER},
	{"getpid", "", FOLLOW_NEVER},
	{"personality", "x", FOLLOW_NEVER},
	{"prctl", "dxxxx", FOLLOW_NEVER},
	{"seccomp", "uux", FOLLOW_NEVER},
	{"pidfd_open", "du", FOLLOW_NEVER},
	{"pidfd_getfd", "ddu", FOLLOW_NEVER},
	{"pidfd_send_signal", "ddxx", FOLLOW_NEVER},
	{"setuid", "u", FOLLOW_NEVER},
	{"setgid", "u", FOLLOW_NEVER},
	{"setresuid", "uuu", FOLLOW_NEVER},
	{"setresgid", "uuu", FOLLOW_NEVER},
	/* the i386 twins of the id calls, and the others of their families */
	{"setuid32", "u", FOLLOW_NEVER},
	{"setgid32", "u", FOLLOW_NEVER},
	{"setreuid", "uu", FOLLOW_NEVER},
	{"setreuid32", "uu", FOLLOW_NEVER},
	{"setregid", "uu", FOLLOW_NEVER},
	{"setregid32", "uu", FOLLOW_NEVER},
	{"setresuid32", "uuu", FOLLOW_NEVER},
	{"setresgid32", "uuu", FOLLOW_NEVER},
	{"setfsuid", "u", FOLLOW_NEVER},
	{"setfsuid32", "u", FOLLOW_NEVER},
	{"setfsgid", "u", FOLLOW_NEVER},
	{"setfsgid32", "u", FOLLOW_NEVER},
	{"setgroups", "dx", FOLLOW_NEVER},
	{"setgroups32", "dx", FOLLOW_NEVER},
	/* truncate64: i386 splits the 64-bit length over two registers */
	{"truncate64", "sxx", FOLLOW_ALWAYS},
	{"ftruncate64", "Fxx", FOLLOW_ALWAYS},
	{"fcntl64", "dux", FOLLOW_NEVER},
	{"sendfile", "ddxu", FOLLOW_NEVER},
	{"sendfile64", "ddxu", FOLLOW_NEVER},
	{"capset", "xx", FOLLOW_NEVER},
	{"sethostname", "xu", FOLLOW_NEVER},
	{"setdomainname", "xu", FOLLOW_NEVER},
	{"syslog", "dxd", FOLLOW_NEVER},
	{"inotify_add_watch", "dsx", FOLLOW_ALWAYS},
	{"fanotify_mark", "dxxDs", FOLLOW_ALWAYS},
};

const struct syscall_shape *policy_syscall_shape(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(shapes); i++)
		if (streq(shapes[i].name, name))
			return &shapes[i];
	return NULL;
}

int policy_shape_arg(const struct syscall_shape *shape, char letter)
{
	const char *p;

	if (!shape || !letter)
		return -1;
	p = strchr(shape->args, letter);
	return p ? (int)(p - shape->args) : -1;
}

bool policy_syscall_known(const char *name)
{
	static const uint32_t arches[] = {SCMP_ARCH_X86_64, SCMP_ARCH_X86, SCMP_ARCH_X32};

	if (!name || !*name)
		return false;
	if (policy_newer_syscall_by_name(name))
		return true;
	for (size_t i = 0; i < ARRAY_SIZE(arches); i++)
		if (seccomp_syscall_resolve_name_arch(arches[i], name) >= 0)
			return true;
	return false;
}

#define FAMILY(var, head, file, ...)                                                               \
	static const char *const var##_calls[] = {__VA_ARGS__, NULL};                              \
	static const struct family var = {head, var##_calls, file}

FAMILY(fam_mkdir, "mkdir", true, "mkdir", "mkdirat");
FAMILY(fam_chmod, "chmod", true, "chmod", "fchmod", "fchmodat", "fchmodat2");
FAMILY(fam_chown, "chown", true, "chown", "lchown", "fchown", "fchownat", "chown32", "lchown32",
       "fchown32");
FAMILY(fam_open, "open", true, "open", "openat", "creat", "openat2");
FAMILY(fam_unlink, "unlink", true, "unlink", "unlinkat", "rmdir");
FAMILY(fam_rename, "rename", true, "rename", "renameat", "renameat2");
FAMILY(fam_link, "link", true, "link", "linkat", "symlink", "symlinkat");
FAMILY(fam_exec, "exec", false, "execve", "execveat");
FAMILY(fam_io_uring, "io_uring", false, "io_uring_setup", "io_uring_enter", "io_uring_register");
FAMILY(fam_mount, "mount", false, "mount", "umount", "umount2", "fsopen", "fsconfig", "fsmount",
       "fspick", "move_mount", "open_tree", "mount_setattr", "pivot_root");
FAMILY(fam_module, "module", false, "init_module", "finit_module", "delete_module");
FAMILY(fam_kexec, "kexec", false, "kexec_load", "kexec_file_load");
FAMILY(fam_keyring, "keyring", false, "add_key", "keyctl", "request_key");
/* Other doors to a family's operation: mknod makes regular files (with any
 * mode bits), and xattrs carry POSIX ACLs (mode bits) and file capabilities. */
FAMILY(fam_mknod, "mknod", true, "mknod", "mknodat");
FAMILY(fam_setxattr, "setxattr", true, "setxattr", "lsetxattr", "fsetxattr");
FAMILY(fam_removexattr, "removexattr", true, "removexattr", "lremovexattr", "fremovexattr");
/* i386 twins: the same operation under a second number (32-bit ids, 64-bit
 * offsets). A section for the one must cover the other, or int $0x80 walks
 * around it (setuid32 past [setuid]). */
FAMILY(fam_setuid, "setuid", false, "setuid", "setuid32");
FAMILY(fam_setgid, "setgid", false, "setgid", "setgid32");
FAMILY(fam_setreuid, "setreuid", false, "setreuid", "setreuid32");
FAMILY(fam_setregid, "setregid", false, "setregid", "setregid32");
FAMILY(fam_setresuid, "setresuid", false, "setresuid", "setresuid32");
FAMILY(fam_setresgid, "setresgid", false, "setresgid", "setresgid32");
FAMILY(fam_setfsuid, "setfsuid", false, "setfsuid", "setfsuid32");
FAMILY(fam_setfsgid, "setfsgid", false, "setfsgid", "setfsgid32");
FAMILY(fam_setgroups, "setgroups", false, "setgroups", "setgroups32");
FAMILY(fam_truncate, "truncate", true, "truncate", "truncate64");
FAMILY(fam_ftruncate, "ftruncate", false, "ftruncate", "ftruncate64");
FAMILY(fam_fcntl, "fcntl", false, "fcntl", "fcntl64");
FAMILY(fam_sendfile, "sendfile", false, "sendfile", "sendfile64");

const struct family *const policy_families[] = {
	&fam_mkdir,	  &fam_chmod,	  &fam_chown,	 &fam_open,	&fam_unlink,
	&fam_rename,	  &fam_link,	  &fam_exec,	 &fam_io_uring, &fam_mount,
	&fam_module,	  &fam_kexec,	  &fam_keyring,	 &fam_mknod,	&fam_setxattr,
	&fam_removexattr, &fam_setuid,	  &fam_setgid,	 &fam_setreuid, &fam_setregid,
	&fam_setresuid,	  &fam_setresgid, &fam_setfsuid, &fam_setfsgid, &fam_setgroups,
	&fam_truncate,	  &fam_ftruncate, &fam_fcntl,	 &fam_sendfile, NULL,
};

/*
 * From the kernel's syscall tables (arch/x86/entry/syscalls/syscall_64.tbl
 * and syscall_32.tbl): every syscall added since Linux 5.1 has the same
 * number on x86_64 (common, so x32 too) and i386.
 */
const struct newer_syscall policy_newer_syscalls[] = {
	{"statmount", 457, NULL},
	{"listmount", 458, NULL},
	{"lsm_get_self_attr", 459, NULL},
	{"lsm_set_self_attr", 460, NULL},
	{"lsm_list_modules", 461, NULL},
	{"mseal", 462, NULL},
	{"setxattrat", 463, "setxattr"},
	{"getxattrat", 464, NULL},
	{"listxattrat", 465, NULL},
	{"removexattrat", 466, "removexattr"},
	{"open_tree_attr", 467, "mount"},
	{"file_getattr", 468, NULL},
	/* sets inode flags (immutable, append-only, projid): FS_IOC_FSSETXATTR's
	 * operation, which no family covers */
	{"file_setattr", 469, NULL},
	{"listns", 470, NULL},
	{NULL, 0, NULL},
};

const struct newer_syscall *policy_newer_syscall(int nr)
{
	for (const struct newer_syscall *n = policy_newer_syscalls; n->name; n++)
		if (n->nr == nr)
			return n;
	return NULL;
}

const struct newer_syscall *policy_newer_syscall_by_name(const char *name)
{
	if (!name)
		return NULL;
	for (const struct newer_syscall *n = policy_newer_syscalls; n->name; n++)
		if (streq(n->name, name))
			return n;
	return NULL;
}

const char *policy_syscall_reach(const char *name)
{
	const struct newer_syscall *n = policy_newer_syscall_by_name(name);

	if (n)
		return n->reach;
	/* A handle names a file without a path: no path rule can judge it. */
	if (name && streq(name, "open_by_handle_at"))
		return "open";
	return NULL;
}

/* include/uapi/linux/net.h: SYS_SOCKET 1 .. SYS_SENDMMSG 20 */
static const struct {
	const char *name, *label;
} socketcalls[POLICY_SOCKETCALL_MAX + 1] = {
	[1] = {"socket", "SYS_SOCKET"},
	[2] = {"bind", "SYS_BIND"},
	[3] = {"connect", "SYS_CONNECT"},
	[4] = {"listen", "SYS_LISTEN"},
	[5] = {"accept", "SYS_ACCEPT"},
	[6] = {"getsockname", "SYS_GETSOCKNAME"},
	[7] = {"getpeername", "SYS_GETPEERNAME"},
	[8] = {"socketpair", "SYS_SOCKETPAIR"},
	[9] = {"sendto", "SYS_SEND"},
	[10] = {"recvfrom", "SYS_RECV"},
	[11] = {"sendto", "SYS_SENDTO"},
	[12] = {"recvfrom", "SYS_RECVFROM"},
	[13] = {"shutdown", "SYS_SHUTDOWN"},
	[14] = {"setsockopt", "SYS_SETSOCKOPT"},
	[15] = {"getsockopt", "SYS_GETSOCKOPT"},
	[16] = {"sendmsg", "SYS_SENDMSG"},
	[17] = {"recvmsg", "SYS_RECVMSG"},
	[18] = {"accept4", "SYS_ACCEPT4"},
	[19] = {"recvmmsg", "SYS_RECVMMSG"},
	[20] = {"sendmmsg", "SYS_SENDMMSG"},
};

/* include/uapi/linux/ipc.h: the call numbers ipc(2) takes (low 16 bits) */
static const struct {
	const char *name, *label;
} ipccalls[POLICY_IPC_MAX + 1] = {
	[1] = {"semop", "SEMOP"},    [2] = {"semget", "SEMGET"},
	[3] = {"semctl", "SEMCTL"},  [4] = {"semtimedop", "SEMTIMEDOP"},
	[11] = {"msgsnd", "MSGSND"}, [12] = {"msgrcv", "MSGRCV"},
	[13] = {"msgget", "MSGGET"}, [14] = {"msgctl", "MSGCTL"},
	[21] = {"shmat", "SHMAT"},   [22] = {"shmdt", "SHMDT"},
	[23] = {"shmget", "SHMGET"}, [24] = {"shmctl", "SHMCTL"},
};

const char *policy_socketcall_name(unsigned call)
{
	return call <= POLICY_SOCKETCALL_MAX ? socketcalls[call].name : NULL;
}

const char *policy_socketcall_label(unsigned call)
{
	return call <= POLICY_SOCKETCALL_MAX ? socketcalls[call].label : NULL;
}

const char *policy_ipc_name(unsigned call)
{
	return call <= POLICY_IPC_MAX ? ipccalls[call].name : NULL;
}

const char *policy_ipc_label(unsigned call)
{
	return call <= POLICY_IPC_MAX ? ipccalls[call].label : NULL;
}

const struct family *policy_family(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; policy_families[i]; i++)
		if (streq(policy_families[i]->name, name))
			return policy_families[i];
	return NULL;
}

const struct family *policy_family_of(const char *syscall)
{
	if (!syscall)
		return NULL;
	for (size_t i = 0; policy_families[i]; i++)
		for (const char *const *s = policy_families[i]->syscalls; *s; s++)
			if (streq(*s, syscall))
				return policy_families[i];
	return NULL;
}

/* Linux's errno numbers, the same on every architecture sysgate covers. */
#define E(x)                                                                                       \
	{                                                                                          \
		x, #x                                                                              \
	}
static const struct {
	int err;
	const char *name;
} errnos[] = {
	E(EPERM),
	E(ENOENT),
	E(ESRCH),
	E(EINTR),
	E(EIO),
	E(ENXIO),
	E(E2BIG),
	E(ENOEXEC),
	E(EBADF),
	E(ECHILD),
	E(EAGAIN),
	E(ENOMEM),
	E(EACCES),
	E(EFAULT),
	E(ENOTBLK),
	E(EBUSY),
	E(EEXIST),
	E(EXDEV),
	E(ENODEV),
	E(ENOTDIR),
	E(EISDIR),
	E(EINVAL),
	E(ENFILE),
	E(EMFILE),
	E(ENOTTY),
	E(ETXTBSY),
	E(EFBIG),
	E(ENOSPC),
	E(ESPIPE),
	E(EROFS),
	E(EMLINK),
	E(EPIPE),
	E(EDOM),
	E(ERANGE),
	E(EDEADLK),
	E(ENAMETOOLONG),
	E(ENOLCK),
	E(ENOSYS),
	E(ENOTEMPTY),
	E(ELOOP),
	E(ENOMSG),
	E(EIDRM),
	E(ECHRNG),
	E(EL2NSYNC),
	E(EL3HLT),
	E(EL3RST),
	E(ELNRNG),
	E(EUNATCH),
	E(ENOCSI),
	E(EL2HLT),
	E(EBADE),
	E(EBADR),
	E(EXFULL),
	E(ENOANO),
	E(EBADRQC),
	E(EBADSLT),
	E(EBFONT),
	E(ENOSTR),
	E(ENODATA),
	E(ETIME),
	E(ENOSR),
	E(ENONET),
	E(ENOPKG),
	E(EREMOTE),
	E(ENOLINK),
	E(EADV),
	E(ESRMNT),
	E(ECOMM),
	E(EPROTO),
	E(EMULTIHOP),
	E(EDOTDOT),
	E(EBADMSG),
	E(EOVERFLOW),
	E(ENOTUNIQ),
	E(EBADFD),
	E(EREMCHG),
	E(ELIBACC),
	E(ELIBBAD),
	E(ELIBSCN),
	E(ELIBMAX),
	E(ELIBEXEC),
	E(EILSEQ),
	E(ERESTART),
	E(ESTRPIPE),
	E(EUSERS),
	E(ENOTSOCK),
	E(EDESTADDRREQ),
	E(EMSGSIZE),
	E(EPROTOTYPE),
	E(ENOPROTOOPT),
	E(EPROTONOSUPPORT),
	E(ESOCKTNOSUPPORT),
	E(EOPNOTSUPP),
	E(EPFNOSUPPORT),
	E(EAFNOSUPPORT),
	E(EADDRINUSE),
	E(EADDRNOTAVAIL),
	E(ENETDOWN),
	E(ENETUNREACH),
	E(ENETRESET),
	E(ECONNABORTED),
	E(ECONNRESET),
	E(ENOBUFS),
	E(EISCONN),
	E(ENOTCONN),
	E(ESHUTDOWN),
	E(ETOOMANYREFS),
	E(ETIMEDOUT),
	E(ECONNREFUSED),
	E(EHOSTDOWN),
	E(EHOSTUNREACH),
	E(EALREADY),
	E(EINPROGRESS),
	E(ESTALE),
	E(EUCLEAN),
	E(ENOTNAM),
	E(ENAVAIL),
	E(EISNAM),
	E(EREMOTEIO),
	E(EDQUOT),
	E(ENOMEDIUM),
	E(EMEDIUMTYPE),
	E(ECANCELED),
	E(ENOKEY),
	E(EKEYEXPIRED),
	E(EKEYREVOKED),
	E(EKEYREJECTED),
	E(EOWNERDEAD),
	E(ENOTRECOVERABLE),
	E(ERFKILL),
	E(EHWPOISON),
	/* aliases: accepted when parsing, never printed (the canonical name comes
	 * first in this table) */
	{EAGAIN, "EWOULDBLOCK"},
	{EDEADLK, "EDEADLOCK"},
	{EOPNOTSUPP, "ENOTSUP"},
};
#undef E

const char *policy_errno_name(int err)
{
	for (size_t i = 0; i < ARRAY_SIZE(errnos); i++)
		if (errnos[i].err == err)
			return errnos[i].name;
	return NULL;
}

const char *policy_errno_nearest(const char *name)
{
	const char *best = NULL;
	size_t best_d = 3;

	for (size_t i = 0; i < ARRAY_SIZE(errnos); i++) {
		size_t d = policy_edit_distance(name, errnos[i].name, best_d);

		if (d < best_d) {
			best_d = d;
			best = errnos[i].name;
		}
	}
	return best;
}

bool policy_errno_in_range(long err)
{
	/* 512..530 are the kernel's ERESTARTSYS and friends: never returned to
	 * user space, and a seccomp reply with one of them misbehaves. */
	return err >= 1 && err <= 4095 && !(err >= 512 && err <= 530);
}

int policy_errno_parse(const char *s)
{
	if (!s || !*s)
		return -EINVAL;
	if (s[0] >= '0' && s[0] <= '9') {
		long v = 0;

		for (const char *c = s; *c; c++) {
			if (*c < '0' || *c > '9')
				return -EINVAL;
			v = v * 10 + (*c - '0');
			if (v > 4095)
				return -EINVAL;
		}
		return policy_errno_in_range(v) ? (int)v : -EINVAL;
	}
	for (size_t i = 0; i < ARRAY_SIZE(errnos); i++)
		if (streq(errnos[i].name, s))
			return errnos[i].err;
	return -EINVAL;
}

bool policy_syscall_emulatable(const char *name)
{
	static const char *const names[] = {
		"mkdir", "mkdirat", "chmod", "fchmod", "fchmodat", "fchmodat2",
	};

	if (!name)
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (streq(names[i], name))
			return true;
	return false;
}
