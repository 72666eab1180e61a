/*
 * attack-doors: calls that reach an operation by another door than the
 * syscall a policy names (issue 8, class 2). Each op makes its call raw, so
 * the test knows exactly which number and ABI the filter sees, and prints one
 * line: "OP = RESULT" with RESULT a number or "-1 ERRNONAME".
 *
 *   sc-connect PATH     i386 socketcall(SYS_CONNECT) to a unix socket path
 *   ipc-shmget          i386 ipc(SHMGET, IPC_PRIVATE, 4096, IPC_CREAT|0600)
 *   mux-all             every call socketcall (1..20) and ipc (12 calls) carry,
 *                       with zeroed arguments: "socketcall N = ..." lines
 *   sc-race N           N i386 socketcall(SYS_SOCKET) while a thread flips the
 *                       domain in the argument array between AF_UNIX and
 *                       AF_INET; prints how many AF_INET sockets it got
 *   handle PATH         name_to_handle_at(PATH) then open_by_handle_at
 *   creat|openat|openat2|mknod PATH MODE   create a file with MODE (octal)
 *   setxattr PATH NAME  a valid value for security.capability or
 *                       system.posix_acl_access, "x" otherwise
 *   raw NAME PATH       a syscall newer than libseccomp, by number (NAME
 *                       open_tree_attr, open_tree_attr32 for i386, setxattrat)
 *
 * Links nothing but libc and pthread: it is the other side of the trust
 * boundary.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <unistd.h>

#define NR32_SOCKETCALL 102
#define NR32_IPC 117
#define SYS_SOCKET_ 1
#define SYS_CONNECT_ 3
#define IPC_SHMGET_ 23

static void report(const char *what, long r, int err)
{
	if (r >= 0) {
		printf("%s = %ld\n", what, r);
	} else {
		const char *name = strerrorname_np(err);

		if (name)
			printf("%s = -1 %s\n", what, name);
		else
			printf("%s = -1 errno %d\n", what, err);
	}
	fflush(stdout);
}

static void report_sys(const char *what, long r)
{
	report(what, r, r < 0 ? errno : 0);
}

/* int $0x80 with up to six arguments (ebp is saved around the call). */
static long int80(long nr, long a, long b, long c, long d, long e, long f)
{
	long ret;

	__asm__ volatile("push %%rbp\n\t"
			 "mov %7, %%rbp\n\t"
			 "int $0x80\n\t"
			 "pop %%rbp"
			 : "=a"(ret)
			 : "a"(nr), "b"(a), "c"(b), "d"(c), "S"(d), "D"(e), "m"(f)
			 : "r8", "r9", "r10", "r11", "memory", "cc");
	return (int)ret;
}

static void report_int80(const char *what, long r)
{
	report(what, r < 0 ? -1 : r, r < 0 ? (int)-r : 0);
}

/* Memory below 4 GiB, where a 32-bit call can point. */
static void *low(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT,
		       -1, 0);

	if (p == MAP_FAILED) {
		perror("attack-doors: mmap MAP_32BIT");
		exit(2);
	}
	return p;
}

static int sc_connect(const char *path)
{
	struct sockaddr_un *sa = low(sizeof(*sa));
	uint32_t *args = low(3 * sizeof(uint32_t));
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	if (fd < 0) {
		report_sys("socket", -1);
		return 1;
	}
	sa->sun_family = AF_UNIX;
	snprintf(sa->sun_path, sizeof(sa->sun_path), "%s", path);
	args[0] = (uint32_t)fd;
	args[1] = (uint32_t)(uintptr_t)sa;
	args[2] = sizeof(*sa);
	report_int80("socketcall(SYS_CONNECT)",
		     int80(NR32_SOCKETCALL, SYS_CONNECT_, (long)(uintptr_t)args, 0, 0, 0, 0));
	return 0;
}

static int ipc_shmget(void)
{
	long r = int80(NR32_IPC, IPC_SHMGET_, IPC_PRIVATE, 4096, IPC_CREAT | 0600, 0, 0);

	report_int80("ipc(SHMGET)", r);
	if (r >= 0)
		shmctl((int)r, IPC_RMID, NULL);
	return 0;
}

static int mux_all(void)
{
	static const int ipc_calls[] = {1, 2, 3, 4, 11, 12, 13, 14, 21, 22, 23, 24};
	uint32_t *args = low(6 * sizeof(uint32_t));
	char what[64];

	for (int call = 1; call <= 20; call++) {
		memset(args, 0, 6 * sizeof(uint32_t));
		snprintf(what, sizeof(what), "socketcall %d", call);
		report_int80(what, int80(NR32_SOCKETCALL, call, (long)(uintptr_t)args, 0, 0, 0, 0));
	}
	for (size_t i = 0; i < sizeof(ipc_calls) / sizeof(ipc_calls[0]); i++) {
		snprintf(what, sizeof(what), "ipc %d", ipc_calls[i]);
		report_int80(what, int80(NR32_IPC, ipc_calls[i], 0, 0, 0, 0, 0));
	}
	return 0;
}

static _Atomic uint32_t *race_domain;
static atomic_bool race_stop;

static void *flipper(void *arg)
{
	(void)arg;
	while (!atomic_load(&race_stop)) {
		atomic_store(race_domain, AF_UNIX);
		atomic_store(race_domain, AF_INET);
	}
	return NULL;
}

/*
 * The policy allows AF_UNIX sockets by the domain argument. The filter cannot
 * see socketcall's arguments (they are in memory) and the supervisor reads
 * them before the kernel does: if it let an AF_UNIX reading continue, the
 * kernel could read AF_INET.
 */
static int sc_race(long n)
{
	uint32_t *args = low(3 * sizeof(uint32_t));
	long inet = 0, unix_ = 0, denied = 0;
	pthread_t t;

	race_domain = (_Atomic uint32_t *)&args[0];
	args[0] = AF_UNIX;
	args[1] = SOCK_DGRAM;
	args[2] = 0;
	if (pthread_create(&t, NULL, flipper, NULL) != 0)
		return 2;
	for (long i = 0; i < n; i++) {
		long fd = int80(NR32_SOCKETCALL, SYS_SOCKET_, (long)(uintptr_t)args, 0, 0, 0, 0);
		int dom = 0;
		socklen_t len = sizeof(dom);

		if (fd < 0) {
			denied++;
			continue;
		}
		if (getsockopt((int)fd, SOL_SOCKET, SO_DOMAIN, &dom, &len) == 0 && dom == AF_INET)
			inet++;
		else
			unix_++;
		close((int)fd);
	}
	atomic_store(&race_stop, true);
	pthread_join(t, NULL);
	printf("sc-race inet=%ld unix=%ld denied=%ld\n", inet, unix_, denied);
	fflush(stdout);
	return 0;
}

static int by_handle(const char *path)
{
	struct file_handle *h = calloc(1, sizeof(*h) + MAX_HANDLE_SZ);
	int mount_id, mfd, fd;

	if (!h)
		return 2;
	h->handle_bytes = MAX_HANDLE_SZ;
	if (syscall(SYS_name_to_handle_at, AT_FDCWD, path, h, &mount_id, 0) < 0) {
		report_sys("name_to_handle_at", -1);
		return 1;
	}
	mfd = open("/", O_RDONLY | O_DIRECTORY);
	fd = (int)syscall(SYS_open_by_handle_at, mfd, h, O_RDONLY);
	report_sys("open_by_handle_at", fd);
	free(h);
	return 0;
}

static int create(const char *how, const char *path, mode_t mode)
{
	long r = -1;

	if (!strcmp(how, "creat")) {
		r = syscall(SYS_creat, path, mode);
	} else if (!strcmp(how, "openat")) {
		r = syscall(SYS_openat, AT_FDCWD, path, O_CREAT | O_WRONLY | O_EXCL, mode);
	} else if (!strcmp(how, "openat2")) {
		struct {
			uint64_t flags, mode, resolve;
		} how2 = {O_CREAT | O_WRONLY | O_EXCL, mode, 0};

		r = syscall(437 /* openat2 */, AT_FDCWD, path, &how2, sizeof(how2));
	} else if (!strcmp(how, "mknod")) {
		r = syscall(SYS_mknod, path, S_IFREG | mode, 0);
	}
	report_sys(how, r);
	return 0;
}

static int set_xattr(const char *path, const char *name)
{
	/* struct vfs_cap_data, revision 2: CAP_NET_RAW permitted */
	static const uint32_t cap[5] = {0x02000000, 1u << 13, 0, 0, 0};
	/* a POSIX ACL equivalent to mode 0755: USER_OBJ rwx, GROUP_OBJ r-x, OTHER r-x */
	static const struct __attribute__((packed)) {
		uint32_t version;
		struct __attribute__((packed)) {
			uint16_t tag, perm;
			uint32_t id;
		} e[3];
	} acl = {2, {{0x01, 7, 0xffffffff}, {0x04, 5, 0xffffffff}, {0x20, 5, 0xffffffff}}};
	const void *v = "x";
	size_t len = 1;

	if (!strcmp(name, "security.capability")) {
		v = cap;
		len = sizeof(cap);
	} else if (!strncmp(name, "system.posix_acl_", 17)) {
		v = &acl;
		len = sizeof(acl);
	}
	report_sys("setxattr", syscall(SYS_setxattr, path, name, v, len, 0));
	return 0;
}

static int raw(const char *name, const char *path)
{
	static const char xname[] = "user.sysgate";
	/* struct xattr_args { u64 value; u32 size; u32 flags; } */
	struct {
		uint64_t value;
		uint32_t size, flags;
	} xa = {(uint64_t)(uintptr_t) "v", 1, 0};
	long r;

	if (!strcmp(name, "open_tree_attr32")) {
		/* the same number through the i386 entry point */
		char *p32 = low(strlen(path) + 1);

		strcpy(p32, path);
		r = int80(467, AT_FDCWD, (long)(uintptr_t)p32, 0, 0, 0, 0);
		report_int80(name, r);
		return 0;
	}
	if (!strcmp(name, "open_tree_attr"))
		r = syscall(467, AT_FDCWD, path, 0, NULL, 0);
	else if (!strcmp(name, "setxattrat"))
		r = syscall(463, AT_FDCWD, path, 0, xname, &xa, sizeof(xa));
	else
		return 2;
	report_sys(name, r);
	return 0;
}

static int run(int argc, char **argv)
{
	const char *op = argc > 1 ? argv[1] : "";

	if (!strcmp(op, "sc-connect") && argc == 3)
		return sc_connect(argv[2]);
	if (!strcmp(op, "ipc-shmget"))
		return ipc_shmget();
	if (!strcmp(op, "mux-all"))
		return mux_all();
	if (!strcmp(op, "sc-race") && argc == 3)
		return sc_race(strtol(argv[2], NULL, 10));
	if (!strcmp(op, "handle") && argc == 3)
		return by_handle(argv[2]);
	if ((!strcmp(op, "creat") || !strcmp(op, "openat") || !strcmp(op, "openat2") ||
	     !strcmp(op, "mknod")) &&
	    argc == 4)
		return create(op, argv[2], (mode_t)strtoul(argv[3], NULL, 8));
	if (!strcmp(op, "setxattr") && argc == 4)
		return set_xattr(argv[2], argv[3]);
	if (!strcmp(op, "raw") && argc == 4)
		return raw(argv[2], argv[3]);
	fprintf(stderr, "usage: attack-doors OP ARGS (see the source)\n");
	return 2;
}

/*
 * _exit: under a sanitizer build, LeakSanitizer's exit check ptraces the
 * process, which the built-in policy denies; the attacker is not what is
 * under test.
 */
int main(int argc, char **argv)
{
	int r = run(argc, argv);

	fflush(stdout);
	_exit(r);
}
