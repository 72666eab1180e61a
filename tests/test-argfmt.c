/*
 * Unit tests for policy/argfmt.c: a call's arguments decoded by type for
 * records. Every value here is one a hostile target could pass: unknown bits
 * must come out as hex after the names, never be dropped, and a sockaddr's
 * bytes are decoded within the length given, escaped.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cmocka.h>
#include <seccomp.h>

#include "policy/argfmt.h"

static const char *fmt(enum argfmt f, enum arg_type t, enum argfmt_abi abi, uint64_t reg)
{
	static char buf[256];
	size_t n = policy_arg_format(f, t, abi, reg, buf, sizeof(buf));

	assert_int_equal(n, strlen(buf));
	return buf;
}

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#ifndef MIN
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#endif
#define X64 ARGFMT_X86_64
#define I386 ARGFMT_I386

static void test_argfmt_numbers_by_type(void **state)
{
	(void)state;
	/* an int is 32 bits whatever the register holds: -1 sign-extended or not */
	assert_string_equal(fmt(ARGFMT_NUM, ARGT_INT, X64, 0xffffffffULL), "-1");
	assert_string_equal(fmt(ARGFMT_NUM, ARGT_INT, X64, UINT64_MAX), "-1");
	assert_string_equal(fmt(ARGFMT_NUM, ARGT_INT, X64, 0x1fffffffeULL), "-2");
	assert_string_equal(fmt(ARGFMT_NUM, ARGT_UINT, X64, 0xffffffffULL), "4294967295");
	assert_string_equal(fmt(ARGFMT_NUM, ARGT_U16, X64, 0x12345ULL), "9029");
	/* a long is as wide as the ABI's */
	assert_string_equal(fmt(ARGFMT_NUM, ARGT_LONG, X64, UINT64_MAX), "-1");
	assert_string_equal(fmt(ARGFMT_NUM, ARGT_LONG, X64, 0xffffffffULL), "4294967295");
	assert_string_equal(fmt(ARGFMT_NUM, ARGT_LONG, I386, 0xffffffffULL), "-1");
	assert_string_equal(fmt(ARGFMT_NUM, ARGT_ULONG, X64, UINT64_MAX), "18446744073709551615");
	assert_string_equal(fmt(ARGFMT_NUM, ARGT_ULONG, I386, UINT64_MAX), "4294967295");
	assert_string_equal(fmt(ARGFMT_FD, ARGT_ULONG, X64, UINT64_MAX), "-1"); /* mmap's fd */
	assert_string_equal(fmt(ARGFMT_FD, ARGT_INT, X64, 3), "3");
	assert_string_equal(fmt(ARGFMT_DIRFD, ARGT_INT, X64, (uint64_t)-100), "AT_FDCWD");
	assert_string_equal(fmt(ARGFMT_DIRFD, ARGT_INT, X64, 0xffffff9cULL), "AT_FDCWD");
	assert_string_equal(fmt(ARGFMT_DIRFD, ARGT_INT, I386, 0xffffff9cULL), "AT_FDCWD");
	assert_string_equal(fmt(ARGFMT_DIRFD, ARGT_INT, X64, 0xffffffffULL), "-1");
	assert_string_equal(fmt(ARGFMT_DIRFD, ARGT_INT, X64, 7), "7");
	assert_string_equal(fmt(ARGFMT_MODE, ARGT_U16, X64, 0644), "0644");
	assert_string_equal(fmt(ARGFMT_MODE, ARGT_U16, X64, 0), "000");
	/* umode_t: the kernel keeps 16 bits, so does the record */
	assert_string_equal(fmt(ARGFMT_MODE, ARGT_U16, X64, 0x10000 | 04755), "04755");
	assert_string_equal(fmt(ARGFMT_MODE, ARGT_U16, X64, 0100600), "0100600");
	/* pointers and raw registers */
	assert_string_equal(fmt(ARGFMT_PTR, ARGT_PTR, X64, 0), "NULL");
	assert_string_equal(fmt(ARGFMT_PTR, ARGT_PTR, X64, 0x7ffd1000), "0x7ffd1000");
	assert_string_equal(fmt(ARGFMT_PTR, ARGT_PTR, I386, 0xdead00007ffd1000ULL), "0x7ffd1000");
	assert_string_equal(fmt(ARGFMT_STRING, ARGT_PTR, X64, 0x1000), "0x1000");
	assert_string_equal(fmt(ARGFMT_HEX, ARGT_ULONG, X64, 0), "0");
	assert_string_equal(fmt(ARGFMT_HEX, ARGT_ULONG, X64, UINT64_MAX), "0xffffffffffffffff");
	assert_string_equal(fmt(ARGFMT_HEX, ARGT_ULONG, I386, UINT64_MAX), "0xffffffff");
	assert_string_equal(fmt(ARGFMT_BITS, ARGT_ULONG, X64, 0x8001), "0x8001");
}

static void test_argfmt_open_flags(void **state)
{
	(void)state;
	assert_string_equal(fmt(ARGFMT_OPEN_FLAGS, ARGT_INT, X64, O_WRONLY | O_CREAT | O_TRUNC),
			    "O_WRONLY|O_CREAT|O_TRUNC");
	assert_string_equal(fmt(ARGFMT_OPEN_FLAGS, ARGT_INT, X64, 0), "O_RDONLY");
	assert_string_equal(fmt(ARGFMT_OPEN_FLAGS, ARGT_INT, X64, O_ACCMODE), "O_ACCMODE");
	/* unknown bits after the names, never dropped */
	assert_string_equal(fmt(ARGFMT_OPEN_FLAGS, ARGT_INT, X64, O_CREAT | 0x40000000),
			    "O_RDONLY|O_CREAT|0x40000000");
	/* composite flags whole, aliases once */
	assert_string_equal(fmt(ARGFMT_OPEN_FLAGS, ARGT_INT, X64, O_RDWR | O_TMPFILE),
			    "O_RDWR|O_TMPFILE");
	assert_string_equal(fmt(ARGFMT_OPEN_FLAGS, ARGT_INT, X64, O_WRONLY | O_SYNC),
			    "O_WRONLY|O_SYNC");
	assert_string_equal(fmt(ARGFMT_OPEN_FLAGS, ARGT_INT, X64, O_DSYNC), "O_RDONLY|O_DSYNC");
	assert_string_equal(fmt(ARGFMT_OPEN_FLAGS, ARGT_INT, X64, O_NONBLOCK),
			    "O_RDONLY|O_NONBLOCK");
	/* an int: the upper half of the register is not the call's */
	assert_string_equal(fmt(ARGFMT_OPEN_FLAGS, ARGT_INT, X64, 0xffffffff00000001ULL),
			    "O_WRONLY");
	/* the ABI's values: i386's open64 passes O_LARGEFILE, which x86_64
	 * does not have (0 there: the bit is shown as it is) */
	assert_string_equal(fmt(ARGFMT_OPEN_FLAGS, ARGT_INT, I386, 0100000 | O_RDONLY),
			    "O_RDONLY|O_LARGEFILE");
	assert_string_equal(fmt(ARGFMT_OPEN_FLAGS, ARGT_INT, X64, 0100000), "O_RDONLY|0x8000");
}

static void test_argfmt_at_clone_prot_map_rename(void **state)
{
	(void)state;
	assert_string_equal(fmt(ARGFMT_AT_FLAGS, ARGT_INT, X64, 0), "0");
	assert_string_equal(fmt(ARGFMT_AT_FLAGS, ARGT_INT, X64, 0x200), "AT_REMOVEDIR");
	assert_string_equal(fmt(ARGFMT_ACCESS_FLAGS, ARGT_INT, X64, 0x200), "AT_EACCESS");
	assert_string_equal(fmt(ARGFMT_AT_FLAGS, ARGT_INT, X64, 0x1100 | 0x1),
			    "AT_SYMLINK_NOFOLLOW|AT_EMPTY_PATH|0x1");
	/* clone: the exit signal shares the low byte with CLONE_NEWTIME */
	assert_string_equal(fmt(ARGFMT_CLONE_FLAGS, ARGT_ULONG, X64,
				CLONE_VM | CLONE_FS | CLONE_FILES | SIGCHLD),
			    "CLONE_VM|CLONE_FS|CLONE_FILES|0x11");
	assert_string_equal(fmt(ARGFMT_CLONE_FLAGS, ARGT_ULONG, X64, 0x80), "0x80");
	assert_string_equal(fmt(ARGFMT_NS_FLAGS, ARGT_ULONG, X64, CLONE_NEWNS | 0x80),
			    "CLONE_NEWNS|CLONE_NEWTIME");
	assert_string_equal(fmt(ARGFMT_NS_FLAGS, ARGT_ULONG, X64, CLONE_NEWUSER | (1ULL << 40)),
			    "CLONE_NEWUSER|0x10000000000");
	assert_string_equal(fmt(ARGFMT_PROT, ARGT_ULONG, X64, 0), "PROT_NONE");
	assert_string_equal(fmt(ARGFMT_PROT, ARGT_ULONG, X64, PROT_READ | PROT_WRITE),
			    "PROT_READ|PROT_WRITE");
	assert_string_equal(fmt(ARGFMT_PROT, ARGT_ULONG, X64, PROT_EXEC | 0x100),
			    "PROT_EXEC|0x100");
	assert_string_equal(fmt(ARGFMT_MAP_FLAGS, ARGT_ULONG, X64, MAP_PRIVATE | MAP_ANONYMOUS),
			    "MAP_PRIVATE|MAP_ANONYMOUS");
	assert_string_equal(fmt(ARGFMT_MAP_FLAGS, ARGT_ULONG, X64, 3 | 0x80000),
			    "MAP_SHARED_VALIDATE|MAP_SYNC");
	/* MAP_32BIT is x86_64's alone */
	assert_string_equal(fmt(ARGFMT_MAP_FLAGS, ARGT_ULONG, X64, MAP_SHARED | 0x40),
			    "MAP_SHARED|MAP_32BIT");
	assert_string_equal(fmt(ARGFMT_MAP_FLAGS, ARGT_ULONG, I386, MAP_SHARED | 0x40),
			    "MAP_SHARED|0x40");
	assert_string_equal(fmt(ARGFMT_MAP_FLAGS, ARGT_ULONG, X64, 0), "0");
	assert_string_equal(fmt(ARGFMT_RENAME_FLAGS, ARGT_UINT, X64, 1 | 8),
			    "RENAME_NOREPLACE|0x8");
}

static void test_argfmt_sockets(void **state)
{
	(void)state;
	assert_string_equal(fmt(ARGFMT_SOCK_DOMAIN, ARGT_INT, X64, AF_INET), "AF_INET");
	assert_string_equal(fmt(ARGFMT_SOCK_DOMAIN, ARGT_INT, X64, AF_UNIX), "AF_UNIX");
	assert_string_equal(fmt(ARGFMT_SOCK_DOMAIN, ARGT_INT, X64, AF_INET6), "AF_INET6");
	assert_string_equal(fmt(ARGFMT_SOCK_DOMAIN, ARGT_INT, X64, 999), "999");
	assert_string_equal(fmt(ARGFMT_SOCK_DOMAIN, ARGT_INT, X64, 0xffffffffULL), "-1");
	assert_string_equal(
		fmt(ARGFMT_SOCK_TYPE, ARGT_INT, X64, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK),
		"SOCK_STREAM|SOCK_NONBLOCK|SOCK_CLOEXEC");
	assert_string_equal(fmt(ARGFMT_SOCK_TYPE, ARGT_INT, X64, SOCK_DGRAM), "SOCK_DGRAM");
	/* a type with no name stays a number among the flags */
	assert_string_equal(fmt(ARGFMT_SOCK_TYPE, ARGT_INT, X64, 0xc | SOCK_CLOEXEC),
			    "SOCK_CLOEXEC|0xc");
	assert_string_equal(fmt(ARGFMT_SOCK_TYPE, ARGT_INT, X64, SOCK_RAW | 0x100),
			    "SOCK_RAW|0x100");
	assert_string_equal(fmt(ARGFMT_SOCK_FLAGS, ARGT_INT, X64, SOCK_CLOEXEC), "SOCK_CLOEXEC");
	assert_string_equal(fmt(ARGFMT_SOCK_FLAGS, ARGT_INT, X64, 0), "0");
}

/* ---- which arguments a call has ---- */

static unsigned args_of(const char *name, enum argfmt_abi abi, struct argfmt_arg a[6],
			enum argfmt_source *src)
{
	return policy_call_args(name, NULL, abi, a, src);
}

static void test_argfmt_call_args_by_table(void **state)
{
	struct argfmt_arg a[6];
	enum argfmt_source src;

	(void)state;
	assert_int_equal(args_of("openat", X64, a, &src), 4);
	assert_int_equal(src, ARGFMT_FROM_TABLE);
	assert_string_equal(a[0].name, "dirfd");
	assert_int_equal(a[0].fmt, ARGFMT_DIRFD);
	assert_int_equal(a[1].fmt, ARGFMT_STRING);
	assert_int_equal(a[2].fmt, ARGFMT_OPEN_FLAGS);
	assert_int_equal(a[3].fmt, ARGFMT_MODE);
	assert_int_equal(args_of("connect", X64, a, &src), 3);
	assert_int_equal(a[1].fmt, ARGFMT_SOCKADDR);
	assert_string_equal(a[2].name, "addrlen");
	assert_int_equal(args_of("sendto", X64, a, &src), 6);
	assert_int_equal(a[4].fmt, ARGFMT_SOCKADDR);
	/* accept's addr is filled in by the kernel: not read, a pointer */
	assert_int_equal(args_of("accept", X64, a, &src), 3);
	assert_int_equal(a[1].fmt, ARGFMT_PTR);
	assert_int_equal(args_of("socket", X64, a, &src), 3);
	assert_int_equal(a[0].fmt, ARGFMT_SOCK_DOMAIN);
	assert_int_equal(a[1].fmt, ARGFMT_SOCK_TYPE);
	assert_int_equal(a[2].fmt, ARGFMT_NUM);
	assert_int_equal(args_of("mmap", X64, a, &src), 6);
	assert_int_equal(a[2].fmt, ARGFMT_PROT);
	assert_int_equal(a[3].fmt, ARGFMT_MAP_FLAGS);
	assert_int_equal(a[4].fmt, ARGFMT_FD);
	assert_int_equal(args_of("unshare", X64, a, &src), 1);
	assert_int_equal(a[0].fmt, ARGFMT_NS_FLAGS);
	/* fchmodat has three arguments, fchmodat2 four */
	assert_int_equal(args_of("fchmodat", X64, a, &src), 3);
	assert_int_equal(args_of("fchmodat2", X64, a, &src), 4);
	assert_int_equal(a[3].fmt, ARGFMT_AT_FLAGS);
	assert_int_equal(args_of("faccessat2", X64, a, &src), 4);
	assert_int_equal(a[3].fmt, ARGFMT_ACCESS_FLAGS);
}

static void test_argfmt_call_args_i386(void **state)
{
	struct argfmt_arg a[6];
	enum argfmt_source src;

	(void)state;
	/* CLONE_BACKWARDS: tls before child_tid */
	assert_int_equal(args_of("clone", I386, a, &src), 5);
	assert_string_equal(a[3].name, "tls");
	assert_string_equal(a[4].name, "child_tid");
	assert_int_equal(args_of("clone", X64, a, &src), 5);
	assert_string_equal(a[3].name, "child_tid");
	/* 16-bit ids */
	assert_int_equal(args_of("chown", I386, a, &src), 3);
	assert_int_equal(a[1].type, ARGT_U16);
	assert_int_equal(args_of("chown", X64, a, &src), 3);
	assert_int_equal(a[1].type, ARGT_UINT);
	/* old mmap: one pointer to its arguments */
	assert_int_equal(args_of("mmap", I386, a, &src), 1);
	assert_int_equal(a[0].fmt, ARGFMT_PTR);
	/* 64-bit offsets take two registers there */
	assert_int_equal(args_of("pread64", I386, a, &src), 5);
	assert_int_equal(src, ARGFMT_FROM_COUNT);
	assert_int_equal(args_of("pread64", X64, a, &src), 4);
	assert_int_equal(args_of("socketcall", I386, a, &src), 2);
	/* a long decodes as i386's */
	assert_string_equal(fmt(a[0].fmt, a[0].type, I386, 0xffffffffULL), "-1");
}

static void test_argfmt_call_args_fallbacks(void **state)
{
	struct argfmt_arg a[6];
	enum argfmt_source src;
	static const struct syscall_shape fake = {"fake", "Dx", FOLLOW_NEVER};

	(void)state;
	assert_int_equal(args_of("getpid", X64, a, &src), 0);
	assert_int_equal(args_of("epoll_pwait2", X64, a, &src), 6);
	assert_int_equal(src, ARGFMT_FROM_COUNT);
	assert_int_equal(a[5].fmt, ARGFMT_HEX);
	assert_int_equal(args_of("io_uring_enter", X64, a, &src), 6);
	assert_int_equal(src, ARGFMT_FROM_SHAPE);
	assert_int_equal(policy_call_args("fake", &fake, X64, a, &src), 2);
	assert_int_equal(src, ARGFMT_FROM_SHAPE);
	assert_int_equal(a[0].fmt, ARGFMT_DIRFD);
	assert_int_equal(args_of("no_such_call", X64, a, &src), 6);
	assert_int_equal(src, ARGFMT_UNKNOWN);
	assert_int_equal(args_of(NULL, X64, a, &src), 6);
	assert_int_equal(policy_syscall_arg_count("read", X64), 3);
	assert_int_equal(policy_syscall_arg_count("no_such_call", X64), -1);
}

/* The three sources agree wherever two of them know a syscall: the count
 * table was taken from the kernel, the others written by hand. */
static void test_argfmt_tables_agree_with_the_kernel(void **state)
{
	size_t checked = 0;

	(void)state;
	for (int nr = 0; nr < 1024; nr++) {
		char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_X86_64, nr);
		const struct syscall_args *a;
		const struct syscall_shape *sh;
		int k;

		if (!name)
			continue;
		k = policy_syscall_arg_count(name, X64);
		assert_true(k >= 0 || !fprintf(stderr, "no count for %s\n", name));
		a = policy_syscall_args(name);
		if (a) {
			int n = 0;

			while (n < 6 && a->a[n].name)
				n++;
			struct argfmt_arg shown[6];

			/* The table may leave trailing arguments unnamed (prctl):
			 * never more names than the kernel has, and the record
			 * still shows exactly the kernel's count. */
			if (n > k)
				fprintf(stderr, "%s: table %d, kernel %d\n", name, n, k);
			assert_true(n <= k);
			assert_int_equal(policy_call_args(name, NULL, X64, shown, NULL), k);
			checked++;
		}
		sh = policy_syscall_shape(name);
		if (sh) {
			if ((int)strlen(sh->args) != k)
				fprintf(stderr, "%s: shape %zu, kernel %d\n", name,
					strlen(sh->args), k);
			assert_int_equal((int)strlen(sh->args), k);
			checked++;
		}
		free(name);
	}
	assert_true(checked > 150);
}

/* ---- sockaddr ---- */

static const char *sa_text(const void *sa, size_t len, struct policy_sockaddr *d)
{
	static char buf[1024];

	assert_int_equal(policy_sockaddr_decode(sa, len, false, d), 0);
	policy_sockaddr_format(d, buf, sizeof(buf));
	return buf;
}

static void test_argfmt_sockaddr_inet(void **state)
{
	struct sockaddr_in in = {.sin_family = AF_INET, .sin_port = htons(80)};
	struct sockaddr_in6 in6 = {.sin6_family = AF_INET6, .sin6_port = htons(443)};
	struct policy_sockaddr d;

	(void)state;
	inet_pton(AF_INET, "127.0.0.1", &in.sin_addr);
	assert_string_equal(
		sa_text(&in, sizeof(in), &d),
		"{sa_family=AF_INET, sin_port=htons(80), sin_addr=inet_addr(\"127.0.0.1\")}");
	assert_string_equal(d.family_name, "AF_INET");
	assert_string_equal(d.ip, "127.0.0.1");
	assert_int_equal(d.port, 80);
	/* shorter than a sockaddr_in: the kernel refuses it, the record says so */
	assert_string_equal(sa_text(&in, 5, &d), "{sa_family=AF_INET, truncated}");
	assert_true(d.truncated);
	assert_int_equal(d.port, -1);
	assert_string_equal(sa_text(&in, 1, &d), "{truncated}");
	assert_int_equal(d.family, -1);
	assert_int_equal(policy_sockaddr_decode(&in, 0, false, &d), -EINVAL);

	inet_pton(AF_INET6, "::1", &in6.sin6_addr);
	in6.sin6_scope_id = 2;
	assert_string_equal(sa_text(&in6, sizeof(in6), &d),
			    "{sa_family=AF_INET6, sin6_port=htons(443), sin6_addr=\"::1\", "
			    "sin6_scope_id=2}");
	/* RFC 2133's 24 bytes: no scope id */
	assert_string_equal(sa_text(&in6, 24, &d),
			    "{sa_family=AF_INET6, sin6_port=htons(443), sin6_addr=\"::1\"}");
	assert_string_equal(sa_text(&in6, 20, &d), "{sa_family=AF_INET6, truncated}");
}

static void test_argfmt_sockaddr_unix_and_others(void **state)
{
	unsigned char big[300];
	struct sockaddr_un un = {.sun_family = AF_UNIX};
	struct policy_sockaddr d;
	size_t off = offsetof(struct sockaddr_un, sun_path);

	(void)state;
	strcpy(un.sun_path, "/run/x\"y");
	assert_string_equal(sa_text(&un, off + 9, &d),
			    "{sa_family=AF_UNIX, sun_path=\"/run/x\\\"y\"}");
	assert_false(d.unix_abstract);
	/* abstract: every byte counts, NULs and controls escaped */
	memset(un.sun_path, 0, sizeof(un.sun_path));
	memcpy(un.sun_path, "\0ab\x1b\0z\n", 7);
	assert_string_equal(sa_text(&un, off + 7, &d),
			    "{sa_family=AF_UNIX, sun_path=@\"ab\\x1b\\x00z\\n\"}");
	assert_true(d.unix_abstract);
	assert_string_equal(d.unix_path, "ab\\x1b\\x00z\\n");
	/* unnamed (autobind) */
	assert_string_equal(sa_text(&un, off, &d), "{sa_family=AF_UNIX}");
	assert_true(d.unix_unnamed);
	/* a path that fills sun_path without a NUL: all of it, no more */
	memset(un.sun_path, 'a', sizeof(un.sun_path));
	sa_text(&un, sizeof(un), &d);
	assert_int_equal(strlen(d.unix_path), sizeof(un.sun_path));
	/* a length beyond what the kernel takes is capped: nothing past 128
	 * bytes is looked at (the buffer is larger, and poisoned there) */
	memset(big, 0, sizeof(big));
	big[0] = AF_UNIX;
	memset(big + 2, 'b', sizeof(big) - 2);
	sa_text(big, sizeof(big), &d);
	assert_int_equal(strlen(d.unix_path), 108);
	/* another family: its name; an unknown one: its number */
	{
		unsigned short fam[8] = {AF_NETLINK};

		assert_string_equal(sa_text(fam, sizeof(fam), &d), "{sa_family=AF_NETLINK}");
		fam[0] = 9999;
		assert_string_equal(sa_text(fam, sizeof(fam), &d), "{sa_family=9999}");
	}
}

/*
 * Any register, any bytes of a sockaddr, any buffer size: the text is the
 * same prefix of the whole one, terminated, the length the whole one has,
 * and only printable ASCII. (A hostile target chooses every input here.)
 */
static void test_argfmt_hostile_any_input_any_buffer(void **state)
{
	static const uint64_t regs[] = {0,
					1,
					0x7f,
					0x80000000ULL,
					0xffffffffULL,
					0x100000000ULL,
					0xdeadbeefcafebabeULL,
					UINT64_MAX,
					(uint64_t)-100,
					0x7fffffffffffffffULL};
	char whole[1024], part[1024];

	(void)state;
	srand(4242);
	for (int f = ARGFMT_HEX; f <= ARGFMT_RENAME_FLAGS; f++)
		for (int t = ARGT_INT; t <= ARGT_PTR; t++)
			for (int abi = ARGFMT_X86_64; abi <= ARGFMT_X32; abi++)
				for (size_t k = 0; k < ARRAY_LEN(regs) + 20; k++) {
					uint64_t reg = k < ARRAY_LEN(regs)
							       ? regs[k]
							       : ((uint64_t)rand() << 33) ^
									 ((uint64_t)rand() << 7) ^
									 (uint64_t)rand();
					size_t n = policy_arg_format(f, t, abi, reg, whole,
								     sizeof(whole));

					assert_true(n < sizeof(whole));
					assert_int_equal(n, strlen(whole));
					for (size_t c = 0; c < n; c++)
						assert_true(whole[c] >= 0x20 && whole[c] < 0x7f);
					for (size_t size = 0; size <= n + 1; size++) {
						memset(part, 'Z', sizeof(part));
						assert_int_equal(policy_arg_format(f, t, abi, reg,
										   part, size),
								 n);
						if (size == 0) {
							assert_int_equal(part[0], 'Z');
							continue;
						}
						assert_int_equal(strlen(part), MIN(n, size - 1));
						assert_memory_equal(part, whole, MIN(n, size - 1));
						assert_int_equal(part[size], 'Z');
					}
				}
	for (int round = 0; round < 3000; round++) {
		unsigned char b[200];
		size_t len = (size_t)rand() % sizeof(b);
		struct policy_sockaddr d;
		size_t n;

		for (size_t i = 0; i < sizeof(b); i++)
			b[i] = (unsigned char)rand();
		if (round % 3 == 0)
			b[0] = AF_UNIX, b[1] = 0;
		if (round % 3 == 1)
			b[0] = (unsigned char)(round % 6 ? AF_INET : AF_INET6), b[1] = 0;
		if (policy_sockaddr_decode(b, len, round & 1, &d) < 0) {
			assert_int_equal(len, 0);
			continue;
		}
		n = policy_sockaddr_format(&d, whole, sizeof(whole));
		assert_true(n < sizeof(whole));
		assert_int_equal(n, strlen(whole));
		for (size_t c = 0; c < n; c++)
			assert_true(whole[c] >= 0x20 && whole[c] < 0x7f);
		for (size_t c = 0; d.unix_path[c]; c++)
			assert_true(d.unix_path[c] >= 0x20 && d.unix_path[c] < 0x7f);
		for (size_t size = 1; size <= n + 1; size += 7) {
			memset(part, 'Z', sizeof(part));
			assert_int_equal(policy_sockaddr_format(&d, part, size), n);
			assert_memory_equal(part, whole, MIN(n, size - 1));
			assert_int_equal(part[size], 'Z');
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_argfmt_numbers_by_type),
		cmocka_unit_test(test_argfmt_open_flags),
		cmocka_unit_test(test_argfmt_at_clone_prot_map_rename),
		cmocka_unit_test(test_argfmt_sockets),
		cmocka_unit_test(test_argfmt_call_args_by_table),
		cmocka_unit_test(test_argfmt_call_args_i386),
		cmocka_unit_test(test_argfmt_call_args_fallbacks),
		cmocka_unit_test(test_argfmt_tables_agree_with_the_kernel),
		cmocka_unit_test(test_argfmt_sockaddr_inet),
		cmocka_unit_test(test_argfmt_sockaddr_unix_and_others),
		cmocka_unit_test(test_argfmt_hostile_any_input_any_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
