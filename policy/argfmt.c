/*
 * argfmt: a call's arguments decoded by type for records (argfmt.h). Pure
 * data and formatting: the values are the target's, any register and any
 * bytes, so every name is looked up, never assumed, bits nobody named are
 * printed in hex, and the bytes of a sockaddr are escaped.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "policy/argfmt.h"
#include "sg-util.h"

/* ---- how many arguments ---- */

struct count {
	const char *name;
	unsigned char n;
};

/*
 * x86_64 (and x32) argument counts by libseccomp name, for syscalls the
 * argument table does not describe: taken from the running kernel's trace
 * events (Linux 6.18, /sys/kernel/tracing/events/syscalls/sys_enter_NAME/
 * format, fields after __syscall_nr; newstat & co under libseccomp's
 * names), plus the calls this kernel has no events for (modules, kexec, the
 * unimplemented ones: 0). Sorted for bsearch. The unit test checks every
 * entry of the argument and shape tables agrees with it.
 */
/* clang-format off */
static const struct count counts64[] = {
{"_sysctl", 1}, {"accept", 3}, {"accept4", 4}, {"access", 2},
{"acct", 1}, {"add_key", 5}, {"adjtimex", 1}, {"afs_syscall", 0},
{"alarm", 1}, {"arch_prctl", 2}, {"bind", 3}, {"bpf", 3},
{"brk", 1}, {"cachestat", 4}, {"capget", 2}, {"capset", 2},
{"chdir", 1}, {"chmod", 2}, {"chown", 3}, {"chroot", 1},
{"clock_adjtime", 2}, {"clock_getres", 2}, {"clock_gettime", 2}, {"clock_nanosleep", 4},
{"clock_settime", 2}, {"clone", 5}, {"clone3", 2}, {"close", 1},
{"close_range", 3}, {"connect", 3}, {"copy_file_range", 6}, {"creat", 2},
{"create_module", 2}, {"delete_module", 2}, {"dup", 1}, {"dup2", 2},
{"dup3", 3}, {"epoll_create", 1}, {"epoll_create1", 1}, {"epoll_ctl", 4},
{"epoll_ctl_old", 4}, {"epoll_pwait", 6}, {"epoll_pwait2", 6}, {"epoll_wait", 4},
{"epoll_wait_old", 3}, {"eventfd", 1}, {"eventfd2", 2}, {"execve", 3},
{"execveat", 5}, {"exit", 1}, {"exit_group", 1}, {"faccessat", 3},
{"faccessat2", 4}, {"fadvise64", 4}, {"fallocate", 4}, {"fanotify_init", 2},
{"fanotify_mark", 5}, {"fchdir", 1}, {"fchmod", 2}, {"fchmodat", 3},
{"fchmodat2", 4}, {"fchown", 3}, {"fchownat", 5}, {"fcntl", 3},
{"fdatasync", 1}, {"fgetxattr", 4}, {"file_getattr", 5}, {"file_setattr", 5},
{"finit_module", 3}, {"flistxattr", 3}, {"flock", 2}, {"fork", 0},
{"fremovexattr", 2}, {"fsconfig", 5}, {"fsetxattr", 5}, {"fsmount", 3},
{"fsopen", 2}, {"fspick", 3}, {"fstat", 2}, {"fstatfs", 2},
{"fsync", 1}, {"ftruncate", 2}, {"futex", 6}, {"futex_requeue", 4},
{"futex_wait", 6}, {"futex_waitv", 5}, {"futex_wake", 4}, {"futimesat", 3},
{"get_kernel_syms", 1}, {"get_mempolicy", 5}, {"get_robust_list", 3}, {"get_thread_area", 1},
{"getcpu", 3}, {"getcwd", 2}, {"getdents", 3}, {"getdents64", 3},
{"getegid", 0}, {"geteuid", 0}, {"getgid", 0}, {"getgroups", 2},
{"getitimer", 2}, {"getpeername", 3}, {"getpgid", 1}, {"getpgrp", 0},
{"getpid", 0}, {"getpmsg", 5}, {"getppid", 0}, {"getpriority", 2},
{"getrandom", 3}, {"getresgid", 3}, {"getresuid", 3}, {"getrlimit", 2},
{"getrusage", 2}, {"getsid", 1}, {"getsockname", 3}, {"getsockopt", 5},
{"gettid", 0}, {"gettimeofday", 2}, {"getuid", 0}, {"getxattr", 4},
{"getxattrat", 6}, {"init_module", 3}, {"inotify_add_watch", 3}, {"inotify_init", 0},
{"inotify_init1", 1}, {"inotify_rm_watch", 2}, {"io_cancel", 3}, {"io_destroy", 1},
{"io_getevents", 5}, {"io_pgetevents", 6}, {"io_setup", 2}, {"io_submit", 3},
{"io_uring_enter", 6}, {"io_uring_register", 4}, {"io_uring_setup", 2}, {"ioctl", 3},
{"ioperm", 3}, {"iopl", 1}, {"ioprio_get", 2}, {"ioprio_set", 3},
{"kcmp", 5}, {"kexec_file_load", 5}, {"kexec_load", 4}, {"keyctl", 5},
{"kill", 2}, {"landlock_add_rule", 4}, {"landlock_create_ruleset", 3}, {"landlock_restrict_self", 2},
{"lchown", 3}, {"lgetxattr", 4}, {"link", 2}, {"linkat", 5},
{"listen", 2}, {"listmount", 4}, {"listxattr", 3}, {"listxattrat", 5},
{"llistxattr", 3}, {"lookup_dcookie", 3}, {"lremovexattr", 2}, {"lseek", 3},
{"lsetxattr", 5}, {"lsm_get_self_attr", 4}, {"lsm_list_modules", 3}, {"lsm_set_self_attr", 4},
{"lstat", 2}, {"madvise", 3}, {"map_shadow_stack", 3}, {"mbind", 6},
{"membarrier", 3}, {"memfd_create", 2}, {"memfd_secret", 1}, {"migrate_pages", 4},
{"mincore", 3}, {"mkdir", 2}, {"mkdirat", 3}, {"mknod", 3},
{"mknodat", 4}, {"mlock", 2}, {"mlock2", 3}, {"mlockall", 1},
{"mmap", 6}, {"modify_ldt", 3}, {"mount", 5}, {"mount_setattr", 5},
{"move_mount", 5}, {"move_pages", 6}, {"mprotect", 3}, {"mq_getsetattr", 3},
{"mq_notify", 2}, {"mq_open", 4}, {"mq_timedreceive", 5}, {"mq_timedsend", 5},
{"mq_unlink", 1}, {"mremap", 5}, {"mseal", 3}, {"msgctl", 3},
{"msgget", 2}, {"msgrcv", 5}, {"msgsnd", 4}, {"msync", 3},
{"munlock", 2}, {"munlockall", 0}, {"munmap", 2}, {"name_to_handle_at", 5},
{"nanosleep", 2}, {"newfstatat", 4}, {"nfsservctl", 3}, {"open", 3},
{"open_by_handle_at", 3}, {"open_tree", 3}, {"open_tree_attr", 5}, {"openat", 4},
{"openat2", 4}, {"pause", 0}, {"perf_event_open", 5}, {"personality", 1},
{"pidfd_getfd", 3}, {"pidfd_open", 2}, {"pidfd_send_signal", 4}, {"pipe", 1},
{"pipe2", 2}, {"pivot_root", 2}, {"pkey_alloc", 2}, {"pkey_free", 1},
{"pkey_mprotect", 4}, {"poll", 3}, {"ppoll", 5}, {"prctl", 5},
{"pread64", 4}, {"preadv", 5}, {"preadv2", 6}, {"prlimit64", 4},
{"process_madvise", 5}, {"process_mrelease", 2}, {"process_vm_readv", 6}, {"process_vm_writev", 6},
{"pselect6", 6}, {"ptrace", 4}, {"putpmsg", 5}, {"pwrite64", 4},
{"pwritev", 5}, {"pwritev2", 6}, {"query_module", 5}, {"quotactl", 4},
{"quotactl_fd", 4}, {"read", 3}, {"readahead", 3}, {"readlink", 3},
{"readlinkat", 4}, {"readv", 3}, {"reboot", 4}, {"recvfrom", 6},
{"recvmmsg", 5}, {"recvmsg", 3}, {"remap_file_pages", 5}, {"removexattr", 2},
{"removexattrat", 4}, {"rename", 2}, {"renameat", 4}, {"renameat2", 5},
{"request_key", 4}, {"restart_syscall", 0}, {"rmdir", 1}, {"rseq", 4},
{"rt_sigaction", 4}, {"rt_sigpending", 2}, {"rt_sigprocmask", 4}, {"rt_sigqueueinfo", 3},
{"rt_sigreturn", 0}, {"rt_sigsuspend", 2}, {"rt_sigtimedwait", 4}, {"rt_tgsigqueueinfo", 4},
{"sched_get_priority_max", 1}, {"sched_get_priority_min", 1}, {"sched_getaffinity", 3}, {"sched_getattr", 4},
{"sched_getparam", 2}, {"sched_getscheduler", 1}, {"sched_rr_get_interval", 2}, {"sched_setaffinity", 3},
{"sched_setattr", 3}, {"sched_setparam", 2}, {"sched_setscheduler", 3}, {"sched_yield", 0},
{"seccomp", 3}, {"security", 0}, {"select", 5}, {"semctl", 4},
{"semget", 3}, {"semop", 3}, {"semtimedop", 4}, {"sendfile", 4},
{"sendmmsg", 4}, {"sendmsg", 3}, {"sendto", 6}, {"set_mempolicy", 3},
{"set_mempolicy_home_node", 4}, {"set_robust_list", 2}, {"set_thread_area", 1}, {"set_tid_address", 1},
{"setdomainname", 2}, {"setfsgid", 1}, {"setfsuid", 1}, {"setgid", 1},
{"setgroups", 2}, {"sethostname", 2}, {"setitimer", 3}, {"setns", 2},
{"setpgid", 2}, {"setpriority", 3}, {"setregid", 2}, {"setresgid", 3},
{"setresuid", 3}, {"setreuid", 2}, {"setrlimit", 2}, {"setsid", 0},
{"setsockopt", 5}, {"settimeofday", 2}, {"setuid", 1}, {"setxattr", 5},
{"setxattrat", 6}, {"shmat", 3}, {"shmctl", 3}, {"shmdt", 1},
{"shmget", 3}, {"shutdown", 2}, {"sigaltstack", 2}, {"signalfd", 3},
{"signalfd4", 4}, {"socket", 3}, {"socketpair", 4}, {"splice", 6},
{"stat", 2}, {"statfs", 2}, {"statmount", 4}, {"statx", 5},
{"swapoff", 1}, {"swapon", 2}, {"symlink", 2}, {"symlinkat", 3},
{"sync", 0}, {"sync_file_range", 4}, {"syncfs", 1}, {"sysfs", 3},
{"sysinfo", 1}, {"syslog", 3}, {"tee", 4}, {"tgkill", 3},
{"time", 1}, {"timer_create", 3}, {"timer_delete", 1}, {"timer_getoverrun", 1},
{"timer_gettime", 2}, {"timer_settime", 4}, {"timerfd_create", 2}, {"timerfd_gettime", 2},
{"timerfd_settime", 4}, {"times", 1}, {"tkill", 2}, {"truncate", 2},
{"tuxcall", 0}, {"umask", 1}, {"umount2", 2}, {"uname", 1},
{"unlink", 1}, {"unlinkat", 3}, {"unshare", 1}, {"uprobe", 0},
{"uretprobe", 0}, {"uselib", 1}, {"userfaultfd", 1}, {"ustat", 2},
{"utime", 2}, {"utimensat", 4}, {"utimes", 2}, {"vfork", 0},
{"vhangup", 0}, {"vmsplice", 4}, {"vserver", 0}, {"wait4", 4},
{"waitid", 5}, {"write", 3}, {"writev", 3},
};

/*
 * i386 where it differs: its own syscalls, and those whose 64-bit arguments
 * take two registers there (pread64's offset: five registers, not four).
 * Sorted for bsearch.
 */
static const struct count counts32[] = {
	{"_llseek", 5}, {"_newselect", 5}, {"bdflush", 2}, {"break", 0},
	{"chown32", 3}, {"clock_adjtime64", 2}, {"clock_getres_time64", 2}, {"clock_gettime64", 2},
	{"clock_nanosleep_time64", 4}, {"clock_settime64", 2}, {"fadvise64", 5}, {"fadvise64_64", 6},
	{"fallocate", 6}, {"fanotify_mark", 6}, {"fchown32", 3}, {"fcntl64", 3},
	{"fstat64", 2}, {"fstatat64", 4}, {"fstatfs64", 3}, {"ftime", 0},
	{"ftruncate64", 3}, {"futex_time64", 6}, {"getegid32", 0}, {"geteuid32", 0},
	{"getgid32", 0}, {"getgroups32", 2}, {"getresgid32", 3}, {"getresuid32", 3},
	{"getuid32", 0}, {"gtty", 0}, {"idle", 0}, {"io_pgetevents_time64", 6},
	{"ipc", 6}, {"lchown32", 3}, {"lock", 0}, {"lookup_dcookie", 4},
	{"lstat64", 2}, {"mmap", 1}, {"mmap2", 6}, {"mpx", 0},
	{"mq_timedreceive_time64", 5}, {"mq_timedsend_time64", 5}, {"nice", 1}, {"oldfstat", 2},
	{"oldlstat", 2}, {"oldolduname", 1}, {"oldstat", 2}, {"olduname", 1},
	{"ppoll_time64", 5}, {"pread64", 5}, {"prof", 0}, {"profil", 0},
	{"pselect6_time64", 6}, {"pwrite64", 5}, {"readahead", 4}, {"readdir", 3},
	{"recvmmsg_time64", 5}, {"rt_sigtimedwait_time64", 4}, {"sched_rr_get_interval_time64", 2},
	{"select", 1}, {"semtimedop_time64", 4}, {"sendfile64", 4}, {"setfsgid32", 1},
	{"setfsuid32", 1}, {"setgid32", 1}, {"setgroups32", 2}, {"setregid32", 2},
	{"setresgid32", 3}, {"setresuid32", 3}, {"setreuid32", 2}, {"setuid32", 1},
	{"sgetmask", 0}, {"sigaction", 3}, {"signal", 2}, {"sigpending", 1},
	{"sigprocmask", 3}, {"sigreturn", 0}, {"sigsuspend", 3}, {"socketcall", 2},
	{"ssetmask", 1}, {"stat64", 2}, {"statfs64", 3}, {"stime", 1},
	{"stty", 0}, {"sync_file_range", 6}, {"timer_gettime64", 2}, {"timer_settime64", 4},
	{"timerfd_gettime64", 2}, {"timerfd_settime64", 4}, {"truncate64", 3}, {"ugetrlimit", 2},
	{"ulimit", 0}, {"umount", 1}, {"utimensat_time64", 4}, {"vm86", 2},
	{"vm86old", 1}, {"waitpid", 3},
};
/* clang-format on */

static int count_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct count *)elem)->name);
}

static const struct count *count_find(const struct count *t, size_t n, const char *name)
{
	return bsearch(name, t, n, sizeof(*t), count_cmp);
}

int policy_syscall_arg_count(const char *syscall, enum argfmt_abi abi)
{
	const struct count *c = NULL;

	if (!syscall)
		return -1;
	if (abi == ARGFMT_I386)
		c = count_find(counts32, ARRAY_SIZE(counts32), syscall);
	if (!c)
		c = count_find(counts64, ARRAY_SIZE(counts64), syscall);
	return c ? c->n : -1;
}

/* ---- which decoder for which argument ---- */

static bool in_list(const char *name, const char *const *list)
{
	for (; name && *list; list++)
		if (streq(name, *list))
			return true;
	return false;
}

/* The decoder of a named argument of the argument table. */
static enum argfmt fmt_of(const char *syscall, const char *name, enum arg_type type, char letter)
{
	static const char *const open_flags[] = {"open", "openat", "dup3", "pipe2", NULL};
	static const char *const at_flags[] = {"unlinkat", "linkat",	"fchownat",
					       "execveat", "fchmodat2", NULL};
	static const char *const sockaddr_in[] = {"connect", "bind", NULL};

	if (type == ARGT_PTR) {
		if ((in_list(syscall, sockaddr_in) && streq(name, "addr")) ||
		    (streq(syscall, "sendto") && streq(name, "dest_addr")))
			return ARGFMT_SOCKADDR;
		if (letter == 's' || letter == 'S' || letter == 'n')
			return ARGFMT_STRING;
		return ARGFMT_PTR;
	}
	if (streq(name, "dirfd") || streq(name, "olddirfd") || streq(name, "newdirfd"))
		return ARGFMT_DIRFD;
	if (strlen(name) >= 2 && streq(name + strlen(name) - 2, "fd"))
		return ARGFMT_FD; /* mmap's fd is an unsigned long the kernel takes as int */
	if (streq(name, "mode") && type == ARGT_U16)
		return ARGFMT_MODE;
	if (streq(name, "prot"))
		return ARGFMT_PROT;
	if (streq(name, "domain"))
		return ARGFMT_SOCK_DOMAIN;
	if (streq(name, "type") && (streq(syscall, "socket") || streq(syscall, "socketpair")))
		return ARGFMT_SOCK_TYPE;
	if (streq(name, "nstype"))
		return ARGFMT_NS_FLAGS;
	if (streq(name, "flags")) {
		if (in_list(syscall, open_flags))
			return ARGFMT_OPEN_FLAGS;
		if (in_list(syscall, at_flags))
			return ARGFMT_AT_FLAGS;
		if (streq(syscall, "faccessat2"))
			return ARGFMT_ACCESS_FLAGS;
		if (streq(syscall, "mmap") || streq(syscall, "mmap2"))
			return ARGFMT_MAP_FLAGS;
		if (streq(syscall, "clone"))
			return ARGFMT_CLONE_FLAGS;
		if (streq(syscall, "unshare"))
			return ARGFMT_NS_FLAGS;
		if (streq(syscall, "accept4"))
			return ARGFMT_SOCK_FLAGS;
		if (streq(syscall, "renameat2"))
			return ARGFMT_RENAME_FLAGS;
		return ARGFMT_BITS;
	}
	if (strstr(name, "flags") || strstr(name, "mask"))
		return ARGFMT_BITS;
	return ARGFMT_NUM;
}

/* The decoder of a shape letter (policy.h), for syscalls without a table entry. */
static struct argfmt_arg from_letter(char letter)
{
	switch (letter) {
	case 'D':
		return (struct argfmt_arg){NULL, ARGT_INT, ARGFMT_DIRFD};
	case 's':
	case 'S':
	case 'n':
		return (struct argfmt_arg){NULL, ARGT_PTR, ARGFMT_STRING};
	case 'F':
	case 'd':
		return (struct argfmt_arg){NULL, ARGT_INT, ARGFMT_NUM};
	case 'o':
		return (struct argfmt_arg){NULL, ARGT_UINT, ARGFMT_MODE};
	case 'a':
		return (struct argfmt_arg){NULL, ARGT_INT, ARGFMT_AT_FLAGS};
	case 'f':
		return (struct argfmt_arg){NULL, ARGT_INT, ARGFMT_OPEN_FLAGS};
	case 'u':
		return (struct argfmt_arg){NULL, ARGT_ULONG, ARGFMT_NUM};
	case 'h':
		return (struct argfmt_arg){NULL, ARGT_PTR, ARGFMT_PTR};
	case 'x':
	default:
		return (struct argfmt_arg){NULL, ARGT_ULONG, ARGFMT_HEX};
	}
}

unsigned policy_call_args(const char *syscall, const struct syscall_shape *shape,
			  enum argfmt_abi abi, struct argfmt_arg ret[6],
			  enum argfmt_source *ret_source)
{
	const struct syscall_args *a = NULL;
	enum argfmt_source src = ARGFMT_UNKNOWN;
	unsigned n = 0;
	int k;

	if (!shape && syscall)
		shape = policy_syscall_shape(syscall);
	if (syscall)
		a = abi == ARGFMT_I386 ? policy_syscall_args_i386(syscall)
				       : policy_syscall_args(syscall);
	if (a && a->in_memory) {
		/* i386's old mmap: one pointer to a struct of its arguments. */
		ret[0] = (struct argfmt_arg){"args", ARGT_PTR, ARGFMT_PTR};
		n = 1;
		src = ARGFMT_FROM_TABLE;
	} else if (a) {
		const char *letters = shape ? shape->args : "";

		while (n < 6 && a->a[n].name) {
			char letter = n < strlen(letters) ? letters[n] : 'x';

			ret[n] = (struct argfmt_arg){
				a->a[n].name, a->a[n].type,
				fmt_of(syscall, a->a[n].name, a->a[n].type, letter)};
			n++;
		}
		/* Arguments the table leaves unnamed (prctl's after option, whose
		 * meaning depends on it) are still arguments: raw, up to the
		 * kernel's count. */
		k = policy_syscall_arg_count(syscall, abi);
		for (; k > 0 && n < (unsigned)k && n < 6; n++)
			ret[n] = n < strlen(letters)
					 ? from_letter(letters[n])
					 : (struct argfmt_arg){NULL, ARGT_ULONG, ARGFMT_HEX};
		src = ARGFMT_FROM_TABLE;
	} else if (shape && shape->args) {
		while (n < 6 && shape->args[n]) {
			ret[n] = from_letter(shape->args[n]);
			n++;
		}
		src = ARGFMT_FROM_SHAPE;
	} else if ((k = policy_syscall_arg_count(syscall, abi)) >= 0) {
		for (n = 0; n < (unsigned)k && n < 6; n++)
			ret[n] = (struct argfmt_arg){NULL, ARGT_ULONG, ARGFMT_HEX};
		src = ARGFMT_FROM_COUNT;
	} else {
		for (n = 0; n < 6; n++)
			ret[n] = (struct argfmt_arg){NULL, ARGT_ULONG, ARGFMT_HEX};
	}
	if (ret_source)
		*ret_source = src;
	return n;
}

/* ---- formatting ---- */

struct out {
	char *p;
	size_t size, len;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->size > 0 && o->len < o->size - 1)
		memcpy(o->p + o->len, s, MIN(n, o->size - 1 - o->len));
	o->len += n;
	if (o->size > 0)
		o->p[MIN(o->len, o->size - 1)] = '\0';
}

static void puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

static void printf_(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void printf_(struct out *o, const char *fmt, ...)
{
	char tmp[64]; /* numbers only */
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		put(o, tmp, MIN((size_t)n, sizeof(tmp) - 1));
}

/* The C-string body of n bytes: printable ASCII, \n \t \r \" \\, else \xNN. */
static void escape(struct out *o, const unsigned char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];
		char e[4] = {'\\', 0, 0, 0};
		size_t len = 2;

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			put(o, (const char *)&c, 1);
			continue;
		}
		switch (c) {
		case '\n':
			e[1] = 'n';
			break;
		case '\t':
			e[1] = 't';
			break;
		case '\r':
			e[1] = 'r';
			break;
		case '"':
		case '\\':
			e[1] = (char)c;
			break;
		default:
			e[1] = 'x';
			e[2] = hex[c >> 4];
			e[3] = hex[c & 0xf];
			len = 4;
		}
		put(o, e, len);
	}
}

static bool abi32(enum argfmt_abi abi)
{
	return abi != ARGFMT_X86_64;
}

/* The bits of reg the type has on abi (as policy_arg_compare takes them). */
static unsigned width_of(enum arg_type t, enum argfmt_abi abi)
{
	if (t == ARGT_U16)
		return 16;
	return t == ARGT_INT || t == ARGT_UINT || abi32(abi) ? 32 : 64;
}

static uint64_t bits_of(uint64_t r, unsigned w)
{
	return w == 16 ? (uint16_t)r : w == 32 ? (uint32_t)r : r;
}

/*
 * A set of constants of the constant table, by prefix. enum_mask: the bits
 * that are one value, not flags (O_ACCMODE, the socket type, the mapping
 * type); enum_named: they have names here (accept4's flags have no type);
 * unnamed: bits left to hex whatever a constant says (clone's exit signal,
 * which shares its byte with CLONE_NEWTIME); skip: a constant of the prefix
 * that means something else for this call (AT_EACCESS is AT_REMOVEDIR's
 * value).
 */
struct flagset {
	const char *prefix;
	uint64_t enum_mask;
	bool enum_named;
	uint64_t unnamed;
	const char *skip;
};

static const struct flagset flagsets[] = {
	[ARGFMT_OPEN_FLAGS] = {"O_", 3, true, 0, NULL},
	[ARGFMT_AT_FLAGS] = {"AT_", 0, false, 0, "AT_EACCESS"},
	[ARGFMT_ACCESS_FLAGS] = {"AT_", 0, false, 0, "AT_REMOVEDIR"},
	[ARGFMT_CLONE_FLAGS] = {"CLONE_", 0, false, 0xff, NULL},
	[ARGFMT_NS_FLAGS] = {"CLONE_", 0, false, 0, NULL},
	[ARGFMT_PROT] = {"PROT_", 0, false, 0, NULL},
	[ARGFMT_MAP_FLAGS] = {"MAP_", 3, true, 0, NULL},
	[ARGFMT_SOCK_TYPE] = {"SOCK_", 0xf, true, 0, NULL},
	[ARGFMT_SOCK_FLAGS] = {"SOCK_", 0xf, false, 0, NULL},
	[ARGFMT_RENAME_FLAGS] = {"RENAME_", 0, false, 0, NULL},
	[ARGFMT_SOCK_DOMAIN] = {"AF_", ~0ULL, true, 0, NULL},
};

static bool has_prefix(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

/* The i-th constant of fs with its value on abi, as bits of width w. */
static bool constant_of(const struct flagset *fs, size_t i, enum argfmt_abi abi, unsigned w,
			const char **name, uint64_t *v, bool *ok)
{
	int64_t v64, v32, val;

	*ok = false;
	if (!policy_constant_at(i, name, &v64, &v32))
		return false;
	if (!has_prefix(*name, fs->prefix) || (fs->skip && streq(*name, fs->skip)))
		return true;
	val = abi32(abi) ? v32 : v64;
	if (val < 0 || (w < 64 && (uint64_t)val >> w))
		return true; /* AT_FDCWD is no flag; nor is a value too wide */
	*v = (uint64_t)val;
	*ok = true;
	return true;
}

static size_t popcount(uint64_t v)
{
	return (size_t)__builtin_popcountll(v);
}

/* NAME|NAME|0xREST for the flags, after the enumerated part's name. */
static void format_flags(struct out *o, const struct flagset *fs, enum argfmt_abi abi, unsigned w,
			 uint64_t v)
{
	uint64_t rest = v, chosen_mask = 0, e = v & fs->enum_mask;
	const char *name, *enum_name = NULL, *zero_name = NULL;
	bool chosen[512] = {false}, ok, first = true;
	uint64_t cv;

	/* The enumerated part: one value, named as the first constant of
	 * that value (AF_UNIX before AF_LOCAL); unnamed, it stays in rest. */
	if (fs->enum_mask && fs->enum_named) {
		for (size_t i = 0; constant_of(fs, i, abi, w, &name, &cv, &ok); i++)
			if (ok && (cv & ~fs->enum_mask) == 0 && cv == e) {
				enum_name = name;
				break;
			}
		if (enum_name) {
			puts_(o, enum_name);
			first = false;
			rest &= ~fs->enum_mask;
		}
	}
	/* The flags: constants of several bits first (O_TMPFILE before
	 * O_DIRECTORY, O_SYNC before O_DSYNC), then single bits, each taken
	 * once (O_NONBLOCK before its alias O_NDELAY); printed in table order. */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0;
		     i < ARRAY_SIZE(chosen) && constant_of(fs, i, abi, w, &name, &cv, &ok); i++) {
			if (!ok || cv == 0) {
				if (ok && cv == 0 && !zero_name && !fs->enum_mask)
					zero_name = name;
				continue;
			}
			if ((cv & fs->enum_mask) || (cv & fs->unnamed))
				continue;
			if ((pass == 0) != (popcount(cv) > 1))
				continue;
			if ((rest & cv) == cv && (chosen_mask & cv) == 0) {
				chosen[i] = true;
				chosen_mask |= cv;
			}
		}
	for (size_t i = 0; i < ARRAY_SIZE(chosen) && constant_of(fs, i, abi, w, &name, &cv, &ok);
	     i++) {
		if (!chosen[i])
			continue;
		if (!first)
			puts_(o, "|");
		puts_(o, name);
		first = false;
	}
	rest &= ~chosen_mask;
	if (rest) {
		if (!first)
			puts_(o, "|");
		printf_(o, "%#" PRIx64, rest);
	} else if (first) {
		puts_(o, zero_name ? zero_name : "0");
	}
}

size_t policy_arg_format(enum argfmt fmt, enum arg_type type, enum argfmt_abi abi, uint64_t reg,
			 char *buf, size_t size)
{
	struct out o = {buf, size, 0};
	unsigned w = width_of(type, abi);
	uint64_t v = bits_of(reg, w);

	if (size > 0)
		buf[0] = '\0';
	/* An i386 register is 32 bits; anything above is not the target's. */
	if (abi == ARGFMT_I386)
		reg = (uint32_t)reg;
	switch (fmt) {
	case ARGFMT_HEX:
		if (reg == 0)
			puts_(&o, "0");
		else
			printf_(&o, "%#" PRIx64, reg);
		break;
	case ARGFMT_PTR:
	case ARGFMT_STRING:
	case ARGFMT_SOCKADDR:
		v = bits_of(reg, abi32(abi) ? 32 : 64);
		if (v == 0)
			puts_(&o, "NULL");
		else
			printf_(&o, "%#" PRIx64, v);
		break;
	case ARGFMT_BITS:
		if (v == 0)
			puts_(&o, "0");
		else
			printf_(&o, "%#" PRIx64, v);
		break;
	case ARGFMT_FD:
		printf_(&o, "%" PRId32, (int32_t)(uint32_t)reg);
		break;
	case ARGFMT_DIRFD:
		if ((int32_t)(uint32_t)reg == -100)
			puts_(&o, "AT_FDCWD");
		else
			printf_(&o, "%" PRId32, (int32_t)(uint32_t)reg);
		break;
	case ARGFMT_MODE:
		/* strace's form: 0755, 000, 0100755 beyond the permission bits. */
		printf_(&o, "%#03" PRIo64, v);
		break;
	case ARGFMT_NUM:
		if (type == ARGT_INT || (type == ARGT_LONG && w == 32))
			printf_(&o, "%" PRId32, (int32_t)(uint32_t)v);
		else if (type == ARGT_LONG)
			printf_(&o, "%" PRId64, (int64_t)v);
		else
			printf_(&o, "%" PRIu64, v);
		break;
	case ARGFMT_SOCK_DOMAIN: {
		const char *name;
		uint64_t cv;
		bool ok, found = false;

		for (size_t i = 0;
		     !found && constant_of(&flagsets[fmt], i, abi, w, &name, &cv, &ok); i++)
			if (ok && cv == v) {
				puts_(&o, name);
				found = true;
			}
		if (!found)
			printf_(&o, "%" PRId32, (int32_t)(uint32_t)v);
		break;
	}
	case ARGFMT_OPEN_FLAGS:
	case ARGFMT_AT_FLAGS:
	case ARGFMT_ACCESS_FLAGS:
	case ARGFMT_CLONE_FLAGS:
	case ARGFMT_NS_FLAGS:
	case ARGFMT_PROT:
	case ARGFMT_MAP_FLAGS:
	case ARGFMT_SOCK_TYPE:
	case ARGFMT_SOCK_FLAGS:
	case ARGFMT_RENAME_FLAGS:
		format_flags(&o, &flagsets[fmt], abi, w, v);
		break;
	}
	return o.len;
}

/* ---- sockaddr ---- */

static const char *family_name(int family, bool is32)
{
	const char *name;
	int64_t v64, v32;

	for (size_t i = 0; policy_constant_at(i, &name, &v64, &v32); i++)
		if (has_prefix(name, "AF_") && (is32 ? v32 : v64) == family)
			return name;
	return NULL;
}

int policy_sockaddr_decode(const void *sa, size_t len, bool is32, struct policy_sockaddr *ret)
{
	const unsigned char *b = sa;
	sa_family_t family;

	*ret = (struct policy_sockaddr){.family = -1, .port = -1};
	if (len == 0)
		return -EINVAL;
	len = MIN(len, (size_t)POLICY_SOCKADDR_MAX);
	if (len < sizeof(sa_family_t)) {
		ret->truncated = true;
		return 0;
	}
	memcpy(&family, b, sizeof(family));
	ret->family = family;
	ret->family_name = family_name(family, is32);
	switch (family) {
	case AF_INET: {
		struct sockaddr_in in;

		if (len < sizeof(in)) {
			ret->truncated = true; /* the kernel says EINVAL */
			break;
		}
		memcpy(&in, b, sizeof(in));
		inet_ntop(AF_INET, &in.sin_addr, ret->ip, sizeof(ret->ip));
		ret->port = ntohs(in.sin_port);
		break;
	}
	case AF_INET6: {
		struct sockaddr_in6 in6 = {};

		/* 24 bytes (RFC 2133, without the scope id) is accepted too. */
		if (len < offsetof(struct sockaddr_in6, sin6_scope_id)) {
			ret->truncated = true;
			break;
		}
		memcpy(&in6, b, MIN(len, sizeof(in6)));
		inet_ntop(AF_INET6, &in6.sin6_addr, ret->ip, sizeof(ret->ip));
		ret->port = ntohs(in6.sin6_port);
		ret->scope_id = len >= sizeof(in6) ? in6.sin6_scope_id : 0;
		break;
	}
	case AF_UNIX: {
		size_t off = offsetof(struct sockaddr_un, sun_path), n = len - off;
		const unsigned char *p = b + off;
		struct out o = {ret->unix_path, sizeof(ret->unix_path), 0};

		ret->unix_path[0] = '\0';
		if (len <= off) {
			ret->unix_unnamed = true;
			break;
		}
		n = MIN(n, sizeof(((struct sockaddr_un *)0)->sun_path));
		if (p[0] == '\0') {
			/* Abstract: every byte after the first counts, NULs too. */
			ret->unix_abstract = true;
			escape(&o, p + 1, n - 1);
		} else {
			/* A path: up to its NUL, or all of sun_path (the kernel
			 * takes it unterminated). */
			const unsigned char *nul = memchr(p, '\0', n);

			escape(&o, p, nul ? (size_t)(nul - p) : n);
		}
		break;
	}
	default:
		break;
	}
	return 0;
}

size_t policy_sockaddr_format(const struct policy_sockaddr *a, char *buf, size_t size)
{
	struct out o = {buf, size, 0};

	if (size > 0)
		buf[0] = '\0';
	if (a->family < 0) {
		puts_(&o, "{truncated}");
		return o.len;
	}
	puts_(&o, "{sa_family=");
	if (a->family_name)
		puts_(&o, a->family_name);
	else
		printf_(&o, "%d", a->family);
	if (a->truncated) {
		puts_(&o, ", truncated}");
		return o.len;
	}
	switch (a->family) {
	case AF_INET:
		printf_(&o, ", sin_port=htons(%d), sin_addr=inet_addr(\"", a->port);
		puts_(&o, a->ip);
		puts_(&o, "\")");
		break;
	case AF_INET6:
		printf_(&o, ", sin6_port=htons(%d), sin6_addr=\"", a->port);
		puts_(&o, a->ip);
		puts_(&o, "\"");
		if (a->scope_id)
			printf_(&o, ", sin6_scope_id=%" PRIu32, a->scope_id);
		break;
	case AF_UNIX:
		if (a->unix_unnamed)
			break;
		puts_(&o, a->unix_abstract ? ", sun_path=@\"" : ", sun_path=\"");
		puts_(&o, a->unix_path);
		puts_(&o, "\"");
		break;
	default:
		break;
	}
	puts_(&o, "}");
	return o.len;
}
