/*
 * args: syscall arguments by name and type, and constants by name.
 *
 * A condition names an argument as the man page does (`dirfd`, `flags`,
 * `domain`). In a family section the name means the same argument in every
 * member, at whatever position it has there: open's flags are its second
 * argument, openat's its third, creat's are O_CREAT|O_WRONLY|O_TRUNC by
 * definition, openat2's are in the struct open_how it points to. Each
 * argument has the type the kernel gives it, and a value is compared as that
 * type: an int as a 32-bit signed value whatever the ABI or the sign
 * extension of the register (glibc passes AT_FDCWD as 0xffffff9c in a 64-bit
 * register), a long as wide as the ABI's long. Pure data and arithmetic.
 */
#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "policy/argfmt.h"
#include "policy/policy.h"
#include "sg-util.h"

/* clang-format off */
#define I(n) { .name = n, .type = ARGT_INT }
#define U(n) { .name = n, .type = ARGT_UINT }
#define L(n) { .name = n, .type = ARGT_LONG }
#define UL(n) { .name = n, .type = ARGT_ULONG }
#define P(n) { .name = n, .type = ARGT_PTR }
/* umode_t: the kernel keeps 16 bits of a mode (chmod 0x10000|04755 is 04755) */
#define M(n) { .name = n, .type = ARGT_U16 }
#define U16(n) { .name = n, .type = ARGT_U16 }
#define SC(s, ...) { .syscall = s, .a = { __VA_ARGS__ } }
/* clang-format on */

/* creat(path, mode) is open(path, O_CREAT|O_WRONLY|O_TRUNC, mode). */
#define CREAT_FLAGS ((uint64_t)(O_CREAT | O_WRONLY | O_TRUNC))

/*
 * Argument names per syscall, from the man pages and the kernel's
 * SYSCALL_DEFINE types (x86_64, i386 and x32 agree on every entry). A name
 * that is a pointer to a path or a string is listed so that a condition on
 * it is refused with a reason instead of comparing an address.
 */
static const struct syscall_args table[] = {
	SC("mkdir", P("pathname"), M("mode")),
	SC("mkdirat", I("dirfd"), P("pathname"), M("mode")),
	SC("chmod", P("pathname"), M("mode")),
	SC("fchmod", I("fd"), M("mode")),
	SC("fchmodat", I("dirfd"), P("pathname"), M("mode")),
	SC("fchmodat2", I("dirfd"), P("pathname"), M("mode"), I("flags")),
	SC("chown", P("pathname"), U("owner"), U("group")),
	SC("lchown", P("pathname"), U("owner"), U("group")),
	SC("fchown", I("fd"), U("owner"), U("group")),
	SC("fchownat", I("dirfd"), P("pathname"), U("owner"), U("group"), I("flags")),
	SC("chown32", P("pathname"), U("owner"), U("group")),
	SC("lchown32", P("pathname"), U("owner"), U("group")),
	SC("fchown32", I("fd"), U("owner"), U("group")),
	SC("open", P("pathname"), I("flags"), M("mode")),
	SC("openat", I("dirfd"), P("pathname"), I("flags"), M("mode")),
	{.syscall = "creat", .a = {P("pathname"), M("mode")}, .fixed = {"flags", CREAT_FLAGS}},
	/* flags, mode and resolve live in the struct open_how: read once from
	 * memory (ARG_MEM_*), decided on that copy. */
	{.syscall = "openat2", .a = {I("dirfd"), P("pathname"), P("how"), UL("size")}, .how = true},
	SC("unlink", P("pathname")),
	SC("unlinkat", I("dirfd"), P("pathname"), I("flags")),
	SC("rmdir", P("pathname")),
	SC("rename", P("oldpath"), P("newpath")),
	SC("renameat", I("olddirfd"), P("oldpath"), I("newdirfd"), P("newpath")),
	SC("renameat2", I("olddirfd"), P("oldpath"), I("newdirfd"), P("newpath"), U("flags")),
	SC("link", P("oldpath"), P("newpath")),
	SC("linkat", I("olddirfd"), P("oldpath"), I("newdirfd"), P("newpath"), I("flags")),
	SC("symlink", P("target"), P("linkpath")),
	SC("symlinkat", P("target"), I("newdirfd"), P("linkpath")),
	SC("mknod", P("pathname"), M("mode"), U("dev")),
	SC("mknodat", I("dirfd"), P("pathname"), M("mode"), U("dev")),
	SC("execve", P("pathname"), P("argv"), P("envp")),
	SC("execveat", I("dirfd"), P("pathname"), P("argv"), P("envp"), I("flags")),
	SC("truncate", P("path"), L("length")),
	SC("ftruncate", I("fd"), L("length")),
	SC("access", P("pathname"), I("mode")),
	SC("faccessat", I("dirfd"), P("pathname"), I("mode")),
	SC("faccessat2", I("dirfd"), P("pathname"), I("mode"), I("flags")),
	SC("read", I("fd"), P("buf"), UL("count")),
	SC("write", I("fd"), P("buf"), UL("count")),
	SC("close", I("fd")),
	SC("dup", I("oldfd")),
	SC("dup2", I("oldfd"), I("newfd")),
	SC("dup3", I("oldfd"), I("newfd"), I("flags")),
	SC("lseek", I("fd"), L("offset"), I("whence")),
	SC("ioctl", I("fd"), U("request"), UL("arg")),
	SC("fcntl", I("fd"), U("cmd"), UL("arg")),
	SC("flock", I("fd"), I("operation")),
	SC("pipe2", P("pipefd"), I("flags")),
	SC("memfd_create", P("name"), U("flags")),
	SC("socket", I("domain"), I("type"), I("protocol")),
	SC("socketpair", I("domain"), I("type"), I("protocol"), P("sv")),
	SC("bind", I("sockfd"), P("addr"), I("addrlen")),
	SC("connect", I("sockfd"), P("addr"), I("addrlen")),
	SC("listen", I("sockfd"), I("backlog")),
	SC("accept", I("sockfd"), P("addr"), P("addrlen")),
	SC("accept4", I("sockfd"), P("addr"), P("addrlen"), I("flags")),
	SC("sendto", I("sockfd"), P("buf"), UL("len"), U("flags"), P("dest_addr"), I("addrlen")),
	SC("recvfrom", I("sockfd"), P("buf"), UL("len"), U("flags"), P("src_addr"), P("addrlen")),
	SC("sendmsg", I("sockfd"), P("msg"), U("flags")),
	SC("recvmsg", I("sockfd"), P("msg"), U("flags")),
	SC("shutdown", I("sockfd"), I("how")),
	SC("setsockopt", I("sockfd"), I("level"), I("optname"), P("optval"), I("optlen")),
	SC("getsockopt", I("sockfd"), I("level"), I("optname"), P("optval"), P("optlen")),
	SC("mmap", P("addr"), UL("length"), UL("prot"), UL("flags"), UL("fd"), UL("offset")),
	SC("mmap2", P("addr"), UL("length"), UL("prot"), UL("flags"), UL("fd"), UL("pgoffset")),
	SC("mprotect", P("addr"), UL("len"), UL("prot")),
	SC("pkey_mprotect", P("addr"), UL("len"), UL("prot"), I("pkey")),
	SC("munmap", P("addr"), UL("length")),
	SC("madvise", P("addr"), UL("length"), I("advice")),
	SC("clone", UL("flags"), P("stack"), P("parent_tid"), P("child_tid"), UL("tls")),
	SC("unshare", UL("flags")),
	SC("setns", I("fd"), I("nstype")),
	SC("kill", I("pid"), I("sig")),
	SC("tkill", I("tid"), I("sig")),
	SC("tgkill", I("tgid"), I("tid"), I("sig")),
	/* prctl(2) calls its other arguments arg2..arg5, which a condition
	 * would read as the raw registers arg2..arg5 (prctl's arg3..): no such
	 * names here, so argN always means register N. They are unsigned
	 * longs, which raw argN compares as their type anyway. */
	SC("prctl", I("option")),
	SC("personality", U("persona")),
	SC("ptrace", L("request"), L("pid"), P("addr"), P("data")),
	SC("setuid", U("uid")),
	SC("setgid", U("gid")),
	SC("setreuid", U("ruid"), U("euid")),
	SC("setregid", U("rgid"), U("egid")),
	SC("setresuid", U("ruid"), U("euid"), U("suid")),
	SC("setresgid", U("rgid"), U("egid"), U("sgid")),
	SC("setuid32", U("uid")),
	SC("setgid32", U("gid")),
	SC("setreuid32", U("ruid"), U("euid")),
	SC("setregid32", U("rgid"), U("egid")),
	SC("setresuid32", U("ruid"), U("euid"), U("suid")),
	SC("setresgid32", U("rgid"), U("egid"), U("sgid")),
	SC("setfsuid", U("fsuid")),
	SC("setfsgid", U("fsgid")),
	SC("setfsuid32", U("fsuid")),
	SC("setfsgid32", U("fsgid")),
	SC("setgroups", I("size"), P("list")),
	SC("setgroups32", I("size"), P("list")),
	SC("fcntl64", I("fd"), U("cmd"), UL("arg")),
	SC("sendfile", I("out_fd"), I("in_fd"), P("offset"), UL("count")),
	SC("sendfile64", I("out_fd"), I("in_fd"), P("offset"), UL("count")),
	SC("umask", U("mask")),
	SC("bpf", I("cmd"), P("attr"), U("size")),
	SC("seccomp", U("operation"), U("flags"), P("args")),
	SC("pidfd_open", I("pid"), U("flags")),
	SC("pidfd_getfd", I("pidfd"), I("targetfd"), U("flags")),
	SC("pidfd_send_signal", I("pidfd"), I("sig"), P("info"), U("flags")),
	SC("reboot", I("magic"), I("magic2"), U("cmd"), P("arg")),
	SC("syslog", I("type"), P("bufp"), I("len")),
	SC("io_uring_setup", U("entries"), P("params")),
	SC("perf_event_open", P("attr"), I("pid"), I("cpu"), I("group_fd"), UL("flags")),
	SC("mount", P("source"), P("target"), P("filesystemtype"), UL("mountflags"), P("data")),
	SC("umount2", P("target"), I("flags")),
	SC("inotify_add_watch", I("fd"), P("pathname"), U("mask")),
	SC("getrandom", P("buf"), UL("buflen"), U("flags")),
	SC("socketcall", I("call"), P("args")),
	SC("ipc", U("call"), I("first"), UL("second"), UL("third"), P("ptr"), L("fifth")),
	/* i386 only: the 64-bit length spans two registers, so only the fd
	 * and the path have names (a length condition names these members) */
	SC("truncate64", P("path")),
	SC("ftruncate64", I("fd")),
	SC("keyctl", I("operation")),
	SC("add_key", P("type"), P("description"), P("payload"), UL("plen"), I("keyring")),
	SC("request_key", P("type"), P("description"), P("callout_info"), I("dest_keyring")),
	SC("setpriority", I("which"), I("who"), I("prio")),
	SC("getpriority", I("which"), I("who")),
	SC("ioprio_set", I("which"), I("who"), I("ioprio")),
	SC("setrlimit", U("resource"), P("rlim")),
	SC("prlimit64", I("pid"), U("resource"), P("new_limit"), P("old_limit")),
	SC("sched_setscheduler", I("pid"), I("policy"), P("param")),
	SC("sched_setaffinity", I("pid"), U("cpusetsize"), P("mask")),
	SC("setpgid", I("pid"), I("pgid")),
	SC("wait4", I("pid"), P("wstatus"), I("options"), P("rusage")),
	SC("waitid", I("idtype"), I("id"), P("infop"), I("options"), P("rusage")),
	SC("rt_sigaction", I("signum"), P("act"), P("oldact"), UL("sigsetsize")),
	SC("rt_sigprocmask", I("how"), P("set"), P("oldset"), UL("sigsetsize")),
	SC("rt_sigqueueinfo", I("tgid"), I("sig"), P("info")),
	SC("rt_tgsigqueueinfo", I("tgid"), I("tid"), I("sig"), P("info")),
	SC("kcmp", I("pid1"), I("pid2"), I("type"), UL("idx1"), UL("idx2")),
	SC("process_vm_readv", I("pid"), P("local_iov"), UL("liovcnt"), P("remote_iov"),
	   UL("riovcnt"), UL("flags")),
	SC("process_vm_writev", I("pid"), P("local_iov"), UL("liovcnt"), P("remote_iov"),
	   UL("riovcnt"), UL("flags")),
	SC("userfaultfd", I("flags")),
	SC("fanotify_init", U("flags"), U("event_f_flags")),
	SC("inotify_init1", I("flags")),
	SC("eventfd2", U("initval"), I("flags")),
	SC("epoll_create1", I("flags")),
	SC("timerfd_create", I("clockid"), I("flags")),
	SC("clock_settime", I("clockid"), P("tp")),
	SC("init_module", P("module_image"), UL("len"), P("param_values")),
	SC("finit_module", I("fd"), P("param_values"), I("flags")),
	SC("delete_module", P("name"), U("flags")),
	SC("kexec_load", UL("entry"), UL("nr_segments"), P("segments"), UL("flags")),
	SC("kexec_file_load", I("kernel_fd"), I("initrd_fd"), UL("cmdline_len"), P("cmdline"),
	   UL("flags")),
	SC("quotactl", U("cmd"), P("special"), U("id"), P("addr")),
	SC("mremap", P("old_address"), UL("old_size"), UL("new_size"), UL("flags"),
	   P("new_address")),
	SC("msync", P("addr"), UL("length"), I("flags")),
	SC("mlockall", I("flags")),
	SC("mlock2", P("addr"), UL("len"), I("flags")),
	SC("sendmmsg", I("sockfd"), P("msgvec"), U("vlen"), U("flags")),
	SC("recvmmsg", I("sockfd"), P("msgvec"), U("vlen"), U("flags"), P("timeout")),
};

/*
 * Where i386 differs from the table above, under the same libseccomp name:
 * the 16-bit id calls (chown, setuid... without "32": the kernel keeps 16
 * bits of each id), clone's CLONE_BACKWARDS order (tls before child_tid),
 * and old mmap, whose arguments are a struct in memory (in_memory: no
 * named condition can be decided on its registers).
 */
static const struct syscall_args i386_table[] = {
	SC("chown", P("pathname"), U16("owner"), U16("group")),
	SC("lchown", P("pathname"), U16("owner"), U16("group")),
	SC("fchown", I("fd"), U16("owner"), U16("group")),
	SC("setuid", U16("uid")),
	SC("setgid", U16("gid")),
	SC("setreuid", U16("ruid"), U16("euid")),
	SC("setregid", U16("rgid"), U16("egid")),
	SC("setresuid", U16("ruid"), U16("euid"), U16("suid")),
	SC("setresgid", U16("rgid"), U16("egid"), U16("sgid")),
	SC("setfsuid", U16("fsuid")),
	SC("setfsgid", U16("fsgid")),
	SC("clone", UL("flags"), P("stack"), P("parent_tid"), UL("tls"), P("child_tid")),
	{.syscall = "mmap", .in_memory = true},
};

const struct syscall_args *policy_syscall_args_i386(const char *syscall)
{
	for (size_t i = 0; syscall && i < ARRAY_SIZE(i386_table); i++)
		if (streq(i386_table[i].syscall, syscall))
			return &i386_table[i];
	return policy_syscall_args(syscall);
}

const struct syscall_args *policy_syscall_args(const char *syscall)
{
	if (!syscall)
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(table); i++)
		if (streq(table[i].syscall, syscall))
			return &table[i];
	return NULL;
}

/* The members of struct open_how, openat2's only flags, mode and resolve. */
static const struct arg_spec how_fields[] = {
	[ARGW_HOW_FLAGS - ARGW_HOW_FLAGS] = {"flags", ARGT_ULONG},
	[ARGW_HOW_MODE - ARGW_HOW_FLAGS] = {"mode", ARGT_ULONG},
	[ARGW_HOW_RESOLVE - ARGW_HOW_FLAGS] = {"resolve", ARGT_ULONG},
};

static int find_in(const struct syscall_args *a, const char *name, struct arg_place *ret);

int policy_arg_find(const char *syscall, const char *name, struct arg_place *ret)
{
	return find_in(policy_syscall_args(syscall), name, ret);
}

int policy_arg_find_abi(const char *syscall, const char *name, bool i386, struct arg_place *ret)
{
	const struct syscall_args *a =
		i386 ? policy_syscall_args_i386(syscall) : policy_syscall_args(syscall);

	if (a && a->in_memory) {
		/* Known to the x86_64 table, kept in memory here: fail closed. */
		*ret = (struct arg_place){.where = ARGW_IN_MEMORY};
		return policy_arg_find(syscall, name, &(struct arg_place){0}) == 0 ? 0 : -ENOENT;
	}
	return find_in(a, name, ret);
}

static int find_in(const struct syscall_args *a, const char *name, struct arg_place *ret)
{
	*ret = (struct arg_place){.where = ARGW_NONE};
	if (!a || !name)
		return -ENOENT;
	for (int i = 0; i < 6; i++)
		if (a->a[i].name && streq(a->a[i].name, name)) {
			*ret = (struct arg_place){
				.where = a->a[i].type == ARGT_PTR ? ARGW_POINTER : ARGW_REGISTER,
				.index = i,
				.type = a->a[i].type,
			};
			return 0;
		}
	if (a->fixed.name && streq(a->fixed.name, name)) {
		*ret = (struct arg_place){
			.where = ARGW_FIXED, .type = ARGT_INT, .fixed = a->fixed.value};
		return 0;
	}
	if (a->how)
		for (size_t i = 0; i < ARRAY_SIZE(how_fields); i++)
			if (streq(how_fields[i].name, name)) {
				*ret = (struct arg_place){.where = ARGW_HOW_FLAGS + (int)i,
							  .type = how_fields[i].type};
				return 0;
			}
	return -ENOENT;
}

size_t policy_arg_names(const char *syscall, char *buf, size_t size)
{
	const struct syscall_args *a = policy_syscall_args(syscall);
	size_t len = 0;

	if (size)
		buf[0] = '\0';
	if (!a)
		return 0;
	for (size_t i = 0; i < 6 + 1 + ARRAY_SIZE(how_fields); i++) {
		const char *n = i < 6	 ? a->a[i].name
				: i == 6 ? a->fixed.name
				: a->how ? how_fields[i - 7].name
					 : NULL;
		int w;

		if (!n)
			continue;
		w = snprintf(buf + len, size > len ? size - len : 0, "%s%s", len ? ", " : "", n);
		if (w > 0)
			len += (size_t)w;
	}
	return len;
}

/* ---- constants ---- */

/*
 * By name, with the value on x86_64 and, where it differs, on i386 and x32
 * (O_LARGEFILE: glibc's x86_64 open never sets it; i386's open64 passes
 * 0100000). MAP_32BIT exists on x86_64 only: 0 elsewhere, so a bit test on
 * it matches nothing there.
 */
struct constant {
	const char *name;
	int64_t v64;
	int64_t v32;
};
#define C(n)                                                                                       \
	{                                                                                          \
#n, (int64_t)(n), (int64_t)(n)                                                     \
	}
#define C2(n, v64, v32)                                                                            \
	{                                                                                          \
#n, (int64_t)(v64), (int64_t)(v32)                                                 \
	}

static const struct constant constants[] = {
	C(O_RDONLY),
	C(O_WRONLY),
	C(O_RDWR),
	C(O_ACCMODE),
	C(O_CREAT),
	C(O_EXCL),
	C(O_NOCTTY),
	C(O_TRUNC),
	C(O_APPEND),
	C(O_NONBLOCK),
	C(O_NDELAY),
	C(O_DSYNC),
	C(O_ASYNC),
	C(O_DIRECT),
	C2(O_LARGEFILE, 0, 0100000),
	C(O_DIRECTORY),
	C(O_NOFOLLOW),
	C(O_NOATIME),
	C(O_CLOEXEC),
	C(O_SYNC),
	C(O_PATH),
	C(O_TMPFILE),
	C(AT_FDCWD),
	C(AT_SYMLINK_NOFOLLOW),
	C(AT_REMOVEDIR),
	C(AT_SYMLINK_FOLLOW),
	C(AT_NO_AUTOMOUNT),
	C(AT_EMPTY_PATH),
	C(AT_EACCESS),
	C(AF_UNSPEC),
	C(AF_UNIX),
	C(AF_LOCAL),
	C(AF_INET),
	C(AF_INET6),
	C(AF_NETLINK),
	C(AF_PACKET),
	C(AF_KEY),
	C(AF_BLUETOOTH),
	C(AF_ALG),
	C(AF_VSOCK),
	C(AF_XDP),
	C(AF_CAN),
	C(AF_TIPC),
	C(AF_RDS),
	C(AF_AX25),
	C(AF_APPLETALK),
	C(AF_X25),
	C(AF_IPX),
	C(SOCK_STREAM),
	C(SOCK_DGRAM),
	C(SOCK_RAW),
	C(SOCK_RDM),
	C(SOCK_SEQPACKET),
	C(SOCK_PACKET),
	C(SOCK_NONBLOCK),
	C(SOCK_CLOEXEC),
	C(CLONE_VM),
	C(CLONE_FS),
	C(CLONE_FILES),
	C(CLONE_SIGHAND),
	C(CLONE_PIDFD),
	C(CLONE_PTRACE),
	C(CLONE_VFORK),
	C(CLONE_PARENT),
	C(CLONE_THREAD),
	C(CLONE_NEWNS),
	C(CLONE_SYSVSEM),
	C(CLONE_SETTLS),
	C(CLONE_PARENT_SETTID),
	C(CLONE_CHILD_CLEARTID),
	C(CLONE_DETACHED),
	C(CLONE_UNTRACED),
	C(CLONE_CHILD_SETTID),
	C(CLONE_NEWCGROUP),
	C(CLONE_NEWUTS),
	C(CLONE_NEWIPC),
	C(CLONE_NEWUSER),
	C(CLONE_NEWPID),
	C(CLONE_NEWNET),
	C(CLONE_IO),
	C2(CLONE_NEWTIME, 0x80, 0x80),
	C(PROT_NONE),
	C(PROT_READ),
	C(PROT_WRITE),
	C(PROT_EXEC),
	C(PROT_GROWSDOWN),
	C(PROT_GROWSUP),
	C(MAP_SHARED),
	C(MAP_PRIVATE),
	C2(MAP_SHARED_VALIDATE, 3, 3),
	C(MAP_FIXED),
	C(MAP_ANONYMOUS),
	C(MAP_ANON),
	C2(MAP_32BIT, 0x40, 0),
	C(MAP_GROWSDOWN),
	C(MAP_DENYWRITE),
	C(MAP_EXECUTABLE),
	C(MAP_LOCKED),
	C(MAP_NORESERVE),
	C(MAP_POPULATE),
	C(MAP_NONBLOCK),
	C(MAP_STACK),
	C(MAP_HUGETLB),
	C2(MAP_SYNC, 0x80000, 0x80000),
	C2(MAP_FIXED_NOREPLACE, 0x100000, 0x100000),
	C(S_IFMT),
	C(S_IFSOCK),
	C(S_IFLNK),
	C(S_IFREG),
	C(S_IFBLK),
	C(S_IFDIR),
	C(S_IFCHR),
	C(S_IFIFO),
	C(S_ISUID),
	C(S_ISGID),
	C(S_ISVTX),
	C(S_IRWXU),
	C(S_IRUSR),
	C(S_IWUSR),
	C(S_IXUSR),
	C(S_IRWXG),
	C(S_IRGRP),
	C(S_IWGRP),
	C(S_IXGRP),
	C(S_IRWXO),
	C(S_IROTH),
	C(S_IWOTH),
	C(S_IXOTH),
	C2(RENAME_NOREPLACE, 1, 1),
	C2(RENAME_EXCHANGE, 2, 2),
	C2(RENAME_WHITEOUT, 4, 4),
};
#undef C
#undef C2

bool policy_constant(const char *name, bool abi32, int64_t *ret)
{
	for (size_t i = 0; i < ARRAY_SIZE(constants); i++)
		if (streq(constants[i].name, name)) {
			*ret = abi32 ? constants[i].v32 : constants[i].v64;
			return true;
		}
	return false;
}

/* For the record's decoder (argfmt.c): the same table, so a record names a
 * value as the policy would write it. */
bool policy_constant_at(size_t i, const char **ret_name, int64_t *ret64, int64_t *ret32)
{
	if (i >= ARRAY_SIZE(constants))
		return false;
	*ret_name = constants[i].name;
	*ret64 = constants[i].v64;
	*ret32 = constants[i].v32;
	return true;
}

const char *policy_constant_nearest(const char *name)
{
	const char *best = NULL;
	size_t best_d = 3; /* suggest only what is at most two edits away */

	for (size_t i = 0; i < ARRAY_SIZE(constants); i++) {
		size_t d = policy_edit_distance(name, constants[i].name, best_d);

		if (d < best_d) {
			best_d = d;
			best = constants[i].name;
		}
	}
	return best;
}

size_t policy_edit_distance(const char *a, const char *b, size_t cap)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t row[64], prev;

	if (la >= ARRAY_SIZE(row) || lb >= ARRAY_SIZE(row))
		return cap;
	if ((la > lb ? la - lb : lb - la) >= cap)
		return cap;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t cur = row[j];
			size_t sub = prev + (a[i - 1] != b[j - 1]);

			row[j] = MIN(MIN(row[j] + 1, row[j - 1] + 1), sub);
			prev = cur;
		}
	}
	return MIN(row[lb], cap);
}

/* ---- comparing as the type ---- */

bool policy_order_holds(enum arg_op op, int cmp)
{
	switch (op) {
	case ARG_EQ:
		return cmp == 0;
	case ARG_NE:
		return cmp != 0;
	case ARG_LT:
		return cmp < 0;
	case ARG_LE:
		return cmp <= 0;
	case ARG_GT:
		return cmp > 0;
	case ARG_GE:
		return cmp >= 0;
	default:
		return false; /* the bit tests are not orders */
	}
}

static unsigned width(enum arg_type t, bool abi32)
{
	if (t == ARGT_U16)
		return 16;
	return t == ARGT_INT || t == ARGT_UINT || abi32 ? 32 : 64;
}

static bool is_signed(enum arg_type t)
{
	return t == ARGT_INT || t == ARGT_LONG;
}

/* The value of register r as the C type has it, widened to 64 bits. */
static int64_t as_signed(uint64_t r, unsigned w)
{
	return w == 32 ? (int64_t)(int32_t)(uint32_t)r : (int64_t)r;
}

static uint64_t as_bits(uint64_t r, unsigned w)
{
	return w == 16 ? (uint16_t)r : w == 32 ? (uint32_t)r : r;
}

bool policy_arg_compare(const struct cond *c, enum arg_type type, bool abi32, uint64_t reg)
{
	unsigned w = width(type, abi32);
	int64_t v = abi32 ? c->value32 : (int64_t)c->value;
	uint64_t bits = as_bits(reg, w), vbits = as_bits((uint64_t)v, w);

	switch (c->op) {
	case ARG_AND:
		return (bits & vbits) != 0;
	case ARG_NONE_OF:
		return (bits & vbits) == 0;
	case ARG_MASKED_EQ:
	case ARG_MASKED_NE: {
		/* A value with bits the type does not have (0x10000 for an i386
		 * 16-bit id, 0x100000000 for a 32-bit long) is never what the
		 * masked argument holds; truncated, it would equal 0. */
		bool beyond = v >= 0 && w < 64 && ((uint64_t)v >> w) != 0;
		bool eq = !beyond &&
			  (bits & as_bits((uint64_t)(abi32 ? c->mask32 : c->mask), w)) == vbits;

		return c->op == ARG_MASKED_EQ ? eq : !eq;
	}
	default:
		break;
	}
	if (is_signed(type)) {
		int64_t a = as_signed(reg, w);

		/* v was written for this type: the loader refused values an
		 * int cannot hold, and took 0x80000000..0xffffffff for an int
		 * as its two's complement (so 0xffffff9c == -100). A long is a
		 * number as wide as the ABI's: 0xfffff000 is 4294963200 on
		 * every ABI, which no 32-bit long reaches (as
		 * length > 0x100000000 never holds for an unsigned one). */
		if (type == ARGT_INT)
			v = as_signed((uint64_t)v, 32);
		return policy_order_holds(c->op, a < v ? -1 : a > v);
	}
	/* Unsigned: a negative value written for it is its two's complement
	 * in the type's width (uid == -1 is 0xffffffff). */
	{
		uint64_t a = bits, u = v < 0 ? vbits : (uint64_t)v;

		return policy_order_holds(c->op, a < u ? -1 : a > u);
	}
}

const char *policy_arg_value_fits(enum arg_type type, int64_t v)
{
	if (type == ARGT_U16 && (v < INT16_MIN || v > (int64_t)UINT16_MAX))
		return "does not fit a 16-bit value (umode_t, or an i386 16-bit id)";
	if ((type == ARGT_INT || type == ARGT_UINT) && (v < INT32_MIN || v > (int64_t)UINT32_MAX))
		return type == ARGT_INT ? "does not fit an int (32 bits)"
					: "does not fit an unsigned int (32 bits)";
	return NULL;
}
