/*
 * battery DIR: make each syscall of interest with chosen arguments and print
 * one line per call, "NAME ERRNO" (0: it succeeded; "killed SIG": the
 * calling process was killed). Run under a container runtime with a seccomp
 * profile and under `sysgate run` with the policy `sysgate import` made of
 * it, the two outputs must be equal (tests/import/battery.py).
 *
 * Each call is made in a child of its own, so that one that succeeds
 * (unshare, chroot, personality) changes nothing for the next one, and a
 * kill is seen as such. Calls through the i386 entry point (int $0x80) take
 * 32-bit pointers: their strings live in static storage of this non-PIE
 * static binary, below 4 GiB.
 *
 * First of all the capabilities are cut to Docker's 14 defaults (what the
 * container gets), so that a call both filters let through meets the same
 * permission checks in the kernel on either side.
 */
#include <errno.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static const int keep_caps[] = {
	CAP_CHOWN,   CAP_DAC_OVERRIDE, CAP_FSETID,	     CAP_FOWNER,
	CAP_MKNOD,   CAP_NET_RAW,      CAP_SETGID,	     CAP_SETUID,
	CAP_SETFCAP, CAP_SETPCAP,      CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT,
	CAP_KILL,    CAP_AUDIT_WRITE,
};

static char dir[256], path_x[300], path_y[300], path_z[300];
/* socketcall(SYS_SOCKET, args): i386's argument array, 32-bit longs */
static uint32_t sock_inet[3] = {AF_INET, SOCK_STREAM, 0}, sock_alg[3] = {38, SOCK_SEQPACKET, 0};

static int drop_caps(void)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[2] = {};

	for (int cap = 0; cap <= 63; cap++) {
		int keep = 0;

		for (size_t i = 0; i < sizeof(keep_caps) / sizeof(keep_caps[0]); i++)
			keep |= keep_caps[i] == cap;
		if (!keep && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
			return -1;
	}
	for (size_t i = 0; i < sizeof(keep_caps) / sizeof(keep_caps[0]); i++) {
		d[keep_caps[i] / 32].effective |= 1u << (keep_caps[i] % 32);
		d[keep_caps[i] / 32].permitted |= 1u << (keep_caps[i] % 32);
	}
	return (int)syscall(SYS_capset, &h, d);
}

/* A raw i386 syscall through int $0x80 (arguments truncated to 32 bits). */
static long sys32(long nr, long a, long b, long c)
{
	long r;

	__asm__ volatile("int $0x80" : "=a"(r) : "a"(nr), "b"(a), "c"(b), "d"(c) : "memory");
	return r;
}

static int ret_errno(long r)
{
	return r < 0 ? (int)errno : 0;
}

static int ret32(long r)
{
	return r < 0 && r > -4096 ? (int)-r : 0;
}

static int clone_raw(unsigned long flags)
{
	long r = syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);

	if (r == 0)
		_exit(0);
	if (r > 0)
		waitpid((pid_t)r, NULL, 0);
	return ret_errno(r);
}

static int sock(int family, int type, int proto)
{
	int fd = socket(family, type, proto);

	if (fd >= 0)
		close(fd);
	return fd < 0 ? errno : 0;
}

static const char *const names[] = {
	"getpid",
	"socket(AF_INET,SOCK_STREAM)",
	"socket(AF_UNIX,SOCK_STREAM)",
	"socket(AF_ALG)",
	"socket(AF_VSOCK)",
	"socket(AF_NETLINK,NETLINK_AUDIT)",
	"socket(AF_NETLINK,NETLINK_ROUTE)",
	"personality(0xffffffff)",
	"personality(PER_LINUX32)",
	"personality(ADDR_NO_RANDOMIZE)",
	"clone(SIGCHLD)",
	"clone(CLONE_NEWUSER)",
	"clone(CLONE_NEWNS)",
	"clone3(NULL)",
	"mkdir",
	"mkdirat",
	"chmod",
	"reboot(badmagic)",
	"mount",
	"unshare(CLONE_NEWUSER)",
	"unshare(CLONE_NEWUTS)",
	"setns(-1)",
	"ptrace(bogus,999999)",
	"kexec_load",
	"keyctl(9999)",
	"syslog(999)",
	"io_uring_setup",
	"acct",
	"chroot",
	"bpf(bogus)",
	"mseal",
	"i386:getpid",
	"i386:mkdir",
	"i386:personality(ADDR_NO_RANDOMIZE)",
	"i386:personality(0xffffffff)",
	"i386:unshare(CLONE_NEWUSER)",
	"i386:keyctl(9999)",
	"i386:reboot(badmagic)",
	"i386:chown32",
	"i386:socket(AF_INET)",
	"i386:socket(AF_ALG)",
	"cachestat(-1)",
	"fchmodat2",
	"i386:socketcall(SYS_SOCKET,AF_INET)",
	"i386:socketcall(SYS_SOCKET,AF_ALG)",
};

/* Call i of names[]: 0 or the errno it failed with. */
static int do_call(int i)
{
	switch (i) {
	case 0:
		return ret_errno(syscall(SYS_getpid));
	case 1:
		return sock(AF_INET, SOCK_STREAM, 0);
	case 2:
		return sock(AF_UNIX, SOCK_STREAM, 0);
	case 3:
		return sock(38, SOCK_SEQPACKET, 0);
	case 4:
		return sock(40, SOCK_STREAM, 0);
	case 5:
		return sock(AF_NETLINK, SOCK_RAW, 9);
	case 6:
		return sock(AF_NETLINK, SOCK_RAW, 0);
	case 7:
		return ret_errno(syscall(SYS_personality, 0xffffffffUL));
	case 8:
		return ret_errno(syscall(SYS_personality, 8UL));
	case 9:
		return ret_errno(syscall(SYS_personality, 0x0040000UL));
	case 10:
		return clone_raw(0);
	case 11:
		return clone_raw(CLONE_NEWUSER);
	case 12:
		return clone_raw(CLONE_NEWNS);
	case 13:
		return ret_errno(syscall(435, NULL, 0));
	case 14:
		return ret_errno(syscall(SYS_mkdir, path_x, 0755));
	case 15:
		return ret_errno(syscall(SYS_mkdirat, -100, path_z, 0755));
	case 16:
		return ret_errno(syscall(SYS_chmod, path_x, 0700));
	case 17:
		return ret_errno(syscall(SYS_reboot, 0, 0, 0, NULL));
	case 18:
		return ret_errno(syscall(SYS_mount, "none", path_x, "bogusfs", 0, NULL));
	case 19:
		return ret_errno(syscall(SYS_unshare, CLONE_NEWUSER));
	case 20:
		return ret_errno(syscall(SYS_unshare, CLONE_NEWUTS));
	case 21:
		return ret_errno(syscall(SYS_setns, -1, 0));
	case 22:
		return ret_errno(syscall(SYS_ptrace, 0x4242, 999999, 0, 0));
	case 23:
		return ret_errno(syscall(SYS_kexec_load, 0, 0, NULL, 0));
	case 24:
		return ret_errno(syscall(SYS_keyctl, 9999, 0, 0, 0, 0));
	case 25:
		return ret_errno(syscall(SYS_syslog, 999, NULL, 0));
	case 26:
		return ret_errno(syscall(425, 0, NULL));
	case 27:
		return ret_errno(syscall(SYS_acct, NULL));
	case 28:
		return ret_errno(syscall(SYS_chroot, dir));
	case 29:
		return ret_errno(syscall(321, 9999, NULL, 0));
	case 30:
		return ret_errno(syscall(462, 0, 0, 0));
	case 31:
		return ret32(sys32(20, 0, 0, 0));
	case 32:
		return ret32(sys32(39, (long)(uintptr_t)path_y, 0755, 0));
	case 33:
		return ret32(sys32(136, 0x0040000, 0, 0));
	case 34:
		return ret32(sys32(136, 0xffffffffL, 0, 0));
	case 35:
		return ret32(sys32(310, CLONE_NEWUSER, 0, 0));
	case 36:
		return ret32(sys32(288, 9999, 0, 0));
	case 37:
		return ret32(sys32(88, 0, 0, 0));
	case 38:
		return ret32(sys32(212, (long)(uintptr_t)path_y, 0, 0));
	case 39:
		return ret32(sys32(359, AF_INET, SOCK_STREAM, 0));
	case 40:
		return ret32(sys32(359, 38, SOCK_SEQPACKET, 0));
	case 41:
		return ret_errno(syscall(451, -1, NULL, NULL, 0));
	case 42:
		return ret_errno(syscall(452, -100, path_x, 0700, 0));
	case 43:
		return ret32(sys32(102, 1, (long)(uintptr_t)sock_inet, 0));
	case 44:
		return ret32(sys32(102, 1, (long)(uintptr_t)sock_alg, 0));
	}
	return 255;
}

static void run(const char *name, int i)
{
	pid_t pid;
	int st;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		printf("%s fork-failed-%d\n", name, errno);
		return;
	}
	if (pid == 0)
		_exit(do_call(i) & 0xff);
	if (waitpid(pid, &st, 0) < 0) {
		printf("%s wait-failed\n", name);
		return;
	}
	if (WIFSIGNALED(st))
		printf("%s killed\n", name); /* SIGSYS from a runtime, SIGKILL from sysgate */
	else
		printf("%s %d\n", name, WEXITSTATUS(st));
}

int main(int argc, char **argv)
{
	if (argc != 2 || strlen(argv[1]) > 200) {
		fprintf(stderr, "usage: battery DIR\n");
		return 2;
	}
	snprintf(dir, sizeof(dir), "%s", argv[1]);
	snprintf(path_x, sizeof(path_x), "%s/x", dir);
	snprintf(path_y, sizeof(path_y), "%s/y", dir);
	snprintf(path_z, sizeof(path_z), "%s/z", dir);
	if (drop_caps() < 0) {
		printf("capset %d\n", errno);
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		run(names[i], (int)i);
	return 0;
}
