/*
 * sg-target: the untrusted program the live tests run under `sysgate run`.
 *
 * It makes the calls a test names and prints one machine-readable line per
 * call, so a test can assert what the program observed:
 *
 *	sg-target mkdir /tmp/x 0755 : chmod /tmp/y 0700
 *	mkdir /tmp/x = 0
 *	chmod /tmp/y = -1 EACCES
 *
 * Ops are separated by ":" and run in order. Every syscall of interest is
 * made raw (syscall(2) or int $0x80) so the test knows exactly which number
 * the filter sees, whatever glibc would pick. The program exits 0 unless an
 * op says otherwise (exit, kill-self, sigterm-report). It links nothing but
 * libc: it is the other side of the trust boundary.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#define X32_SYSCALL_BIT 0x40000000
/* i386 numbers (arch/x86/entry/syscalls/syscall_32.tbl) */
#define NR32_CHMOD 15
#define NR32_MKDIR 39
#define NR32_MKDIRAT 296
#define NR32_FCHMODAT 306

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

/* The directory fd the "dirfd" op opened, for the *at ops' "fd". */
static int g_dirfd = -1;

/* Print "NAME ARGS = RESULT", RESULT being 0 (or the value) or -1 ERRNAME. */
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

static unsigned long parse_mode(const char *s)
{
	return strtoul(s, NULL, 8);
}

/* A 32-bit syscall through the i386 entry point. The kernel zeroes r8-r11 on
 * the way back from int $0x80. Returns -errno on failure, as the kernel does. */
static long int80(long nr, long a, long b, long c)
{
	long ret;

	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "a"(nr), "b"(a), "c"(b), "d"(c)
			 : "r8", "r9", "r10", "r11", "memory", "cc");
	return (int)ret;
}

/* A copy of s in memory below 4 GiB, where a 32-bit call can point. */
static char *low_copy(const char *s)
{
	size_t len = strlen(s) + 1;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT,
		       -1, 0);

	if (p == MAP_FAILED) {
		perror("sg-target: mmap MAP_32BIT");
		exit(2);
	}
	memcpy(p, s, len);
	return p;
}

static void report_int80(const char *what, long r)
{
	report(what, r < 0 ? -1 : r, r < 0 ? (int)-r : 0);
}

/* An address that is certainly not mapped: a page we mapped, then unmapped. */
static void *unmapped(void)
{
	void *p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("sg-target: mmap");
		exit(2);
	}
	munmap(p, 4096);
	return p;
}

struct thread_arg {
	char path[4096];
	pthread_t t;
};

static void *thread_mkdir(void *data)
{
	struct thread_arg *a = data;
	char what[4200];
	long r = syscall(SYS_mkdir, a->path, 0755);

	snprintf(what, sizeof(what), "mkdir %s", a->path);
	report_sys(what, r);
	return NULL;
}

static void on_sigterm(int sig)
{
	static const char msg[] = "got SIGTERM\n";

	(void)sig;
	(void)!write(STDOUT_FILENO, msg, sizeof(msg) - 1);
	_exit(42);
}

/* WHERE of the *at ops: "cwd" (AT_FDCWD), "fd" (the "dirfd" op's) or a number. */
static int parse_where(const char *s)
{
	if (!strcmp(s, "cwd"))
		return AT_FDCWD;
	if (!strcmp(s, "fd"))
		return g_dirfd;
	return atoi(s);
}

/* FLAGS of fchmodat2: "0", "nofollow", "empty", or a number. */
static int parse_at_flags(const char *s)
{
	if (!strcmp(s, "nofollow"))
		return AT_SYMLINK_NOFOLLOW;
	if (!strcmp(s, "empty"))
		return AT_EMPTY_PATH;
	return (int)strtol(s, NULL, 0);
}

/* race-mkdir: a path buffer a sibling thread keeps rewriting. */
struct race {
	char buf[4096];
	char a[4096], b[4096];
	size_t len;
	atomic_bool stop;
	pthread_t t;
	/* race-symlink-mkdir: the two names swapped with RENAME_EXCHANGE */
	char x[4096], y[4096];
};

static void *race_flip(void *data)
{
	struct race *r = data;
	volatile char *buf = r->buf;

	while (!atomic_load_explicit(&r->stop, memory_order_relaxed)) {
		for (size_t i = 0; i <= r->len; i++)
			buf[i] = r->b[i];
		for (size_t i = 0; i <= r->len; i++)
			buf[i] = r->a[i];
	}
	return NULL;
}

static void *race_swap(void *data)
{
	struct race *r = data;

	while (!atomic_load_explicit(&r->stop, memory_order_relaxed))
		syscall(SYS_renameat2, AT_FDCWD, r->x, AT_FDCWD, r->y, RENAME_EXCHANGE);
	return NULL;
}

static volatile sig_atomic_t g_alarms;

static void on_sigalrm(int sig)
{
	(void)sig;
	g_alarms++;
}

/* mkdir and rmdir PATH n times (forever if n is 0); how many mkdirs failed. */
static long mkdir_loop(const char *path, long n)
{
	long fails = 0;

	for (long i = 0; n == 0 || i < n; i++) {
		if (syscall(SYS_mkdir, path, 0755) < 0)
			fails++;
		rmdir(path);
	}
	return fails;
}

/*
 * Our pid as sysgate's records (and the host's /proc) name it. Under sysgate
 * run the tree is in a pid namespace of its own, where getpid() is another
 * number; /proc is still the host's, so /proc/self names the host's pid.
 */
static pid_t seen_pid(void)
{
	char b[32];
	ssize_t n = readlink("/proc/self", b, sizeof(b) - 1);

	if (n <= 0)
		return getpid();
	b[n] = '\0';
	return (pid_t)atoi(b);
}

static void usage(void)
{
	fprintf(stderr, "usage: sg-target OP [ARGS] [: OP [ARGS]]...\n"
			"  mkdir PATH [MODE]         mkdirat-dirfd DIR NAME [MODE]\n"
			"  mkdir32 PATH [MODE]       mkdirx32 PATH [MODE]\n"
			"  mkdir-badptr              chmod PATH MODE\n"
			"  mkdir-long PREFIX LEN     mkdir-unterminated PREFIX\n"
			"  fchmod PATH MODE          chmod32 PATH MODE\n"
			"  chdir DIR                 umask MASK\n"
			"  io_uring                  reboot | mount | unshare | ptrace | keyctl\n"
			"  threads N PATH            fork PATH\n"
			"  orphan SECS PATH          exec PROG [ARGS...] (takes the rest)\n"
			"  pid                       sleep SECS | pause | getppid-loop N\n"
			"  sigterm-report            exit N | kill-self SIGNUM\n"
			"  dirfd DIR                 (WHERE below: cwd | fd | N)\n"
			"  mkdirat WHERE NAME [MODE] mkdirat32 WHERE NAME [MODE]\n"
			"  fchmodat WHERE NAME MODE  fchmodat32 WHERE NAME MODE\n"
			"  fchmodat2 WHERE NAME MODE FLAGS (0 | nofollow | empty | N)\n"
			"  fchmod-opath PATH MODE    stat PATH\n"
			"  chroot DIR                unshare-mnt-tmpfs DIR\n"
			"  chroot-only DIR (no chdir) _exit N\n"
			"  become UID GID [G,G...]   sigalrm-mkdir PATH N\n"
			"  race-mkdir ALLOWED FORBIDDEN N\n"
			"  race-symlink-mkdir SUB ALT PATH N\n"
			"  mkdir-loop PATH N         fork-kill-loop PATH MS\n"
			"  wait-file PATH            spawn-mkdirs N PREFIX\n"
			"  wait-children             pad ARG\n");
	exit(2);
}

/* Run one op: its name and its n - 1 arguments. */
static void run_op(char **w, int n)
{
	const char *op = w[0];
	char what[8300];
	long r;

#define NEED(k)                                                                                    \
	do {                                                                                       \
		if (n < (k) + 1)                                                                   \
			usage();                                                                   \
	} while (0)

	if (!strcmp(op, "mkdir")) {
		NEED(1);
		r = syscall(SYS_mkdir, w[1], n > 2 ? parse_mode(w[2]) : 0755);
		snprintf(what, sizeof(what), "mkdir %s", w[1]);
		report_sys(what, r);
	} else if (!strcmp(op, "mkdirat-dirfd")) {
		int dfd;

		NEED(2);
		dfd = open(w[1], O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0) {
			perror("sg-target: open dir");
			exit(2);
		}
		r = syscall(SYS_mkdirat, dfd, w[2], n > 3 ? parse_mode(w[3]) : 0755);
		snprintf(what, sizeof(what), "mkdirat %s %s", w[1], w[2]);
		report_sys(what, r);
		close(dfd);
	} else if (!strcmp(op, "mkdir32")) {
		NEED(1);
		r = int80(NR32_MKDIR, (long)low_copy(w[1]), n > 2 ? (long)parse_mode(w[2]) : 0755,
			  0);
		snprintf(what, sizeof(what), "mkdir32 %s", w[1]);
		report_int80(what, r);
	} else if (!strcmp(op, "raw32")) {
		/* raw32 NR [A B C]: i386 call NR through int $0x80 */
		NEED(1);
		r = int80(strtol(w[1], NULL, 0), n > 2 ? strtol(w[2], NULL, 0) : 0,
			  n > 3 ? strtol(w[3], NULL, 0) : 0, n > 4 ? strtol(w[4], NULL, 0) : 0);
		snprintf(what, sizeof(what), "raw32 %s", w[1]);
		report_int80(what, r);
	} else if (!strcmp(op, "rawx32")) {
		/* rawx32 NR: x86_64 call NR | the x32 bit, no arguments */
		NEED(1);
		r = syscall(X32_SYSCALL_BIT | strtol(w[1], NULL, 0), 0, 0, 0);
		snprintf(what, sizeof(what), "rawx32 %s", w[1]);
		report_sys(what, r);
	} else if (!strcmp(op, "mkdirx32")) {
		NEED(1);
		r = syscall(X32_SYSCALL_BIT | SYS_mkdir, low_copy(w[1]),
			    n > 2 ? parse_mode(w[2]) : 0755);
		snprintf(what, sizeof(what), "mkdirx32 %s", w[1]);
		report_sys(what, r);
	} else if (!strcmp(op, "mkdir-badptr")) {
		r = syscall(SYS_mkdir, unmapped(), 0755);
		report_sys("mkdir-badptr", r);
		return;
	} else if (!strcmp(op, "mkdir-long")) {
		/* PREFIX padded with "a" to LEN bytes (PATH_MAX is 4096). */
		size_t len;
		char *path;

		NEED(2);
		len = strtoul(w[2], NULL, 10);
		path = malloc(len + 1);
		if (!path || len < strlen(w[1]))
			exit(2);
		memset(path, 'a', len);
		memcpy(path, w[1], strlen(w[1]));
		path[len] = '\0';
		r = syscall(SYS_mkdir, path, 0755);
		snprintf(what, sizeof(what), "mkdir-long %s %zu", w[1], len);
		report_sys(what, r);
		free(path);
	} else if (!strcmp(op, "mkdir-unterminated")) {
		/* PREFIX ends exactly where the mapping ends: no NUL before the
		 * unmapped page. The kernel says EFAULT; a supervisor must not
		 * judge the prefix it could read. */
		size_t len;
		char *page;

		NEED(1);
		len = strlen(w[1]);
		page = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (page == MAP_FAILED || len > 4096)
			exit(2);
		munmap(page + 4096, 4096);
		memcpy(page + 4096 - len, w[1], len);
		r = syscall(SYS_mkdir, page + 4096 - len, 0755);
		snprintf(what, sizeof(what), "mkdir-unterminated %s", w[1]);
		report_sys(what, r);
		munmap(page, 4096);
	} else if (!strcmp(op, "chmod")) {
		NEED(2);
		r = syscall(SYS_chmod, w[1], parse_mode(w[2]));
		snprintf(what, sizeof(what), "chmod %s", w[1]);
		report_sys(what, r);
	} else if (!strcmp(op, "fchmod")) {
		int fd;

		NEED(2);
		fd = open(w[1], O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			perror("sg-target: open");
			exit(2);
		}
		r = syscall(SYS_fchmod, fd, parse_mode(w[2]));
		snprintf(what, sizeof(what), "fchmod %s", w[1]);
		report_sys(what, r);
		close(fd);
	} else if (!strcmp(op, "chmod32")) {
		NEED(2);
		r = int80(NR32_CHMOD, (long)low_copy(w[1]), (long)parse_mode(w[2]), 0);
		snprintf(what, sizeof(what), "chmod32 %s", w[1]);
		report_int80(what, r);
	} else if (!strcmp(op, "chdir")) {
		NEED(1);
		r = chdir(w[1]);
		snprintf(what, sizeof(what), "chdir %s", w[1]);
		report_sys(what, r);
	} else if (!strcmp(op, "umask")) {
		NEED(1);
		umask((mode_t)parse_mode(w[1]));
		printf("umask %s\n", w[1]);
		return;
	} else if (!strcmp(op, "io_uring")) {
		struct io_uring_params p = {};

		r = syscall(SYS_io_uring_setup, 4, &p);
		if (r >= 0) {
			close((int)r);
			r = 0;
		}
		report_sys("io_uring_setup", r);
		return;
	} else if (!strcmp(op, "reboot")) {
		/* A wrong magic: unfiltered, root gets EINVAL and nothing happens. */
		r = syscall(SYS_reboot, 0, 0, 0, NULL);
		report_sys("reboot", r);
		return;
	} else if (!strcmp(op, "mount")) {
		/* A target that does not exist: unfiltered, ENOENT. */
		r = syscall(SYS_mount, "none", "/nonexistent-sg-target", "tmpfs", 0, NULL);
		report_sys("mount", r);
		return;
	} else if (!strcmp(op, "unshare")) {
		/* Only this process would get a new UTS namespace. */
		r = syscall(SYS_unshare, 0x04000000 /* CLONE_NEWUTS */);
		report_sys("unshare", r);
		return;
	} else if (!strcmp(op, "ptrace")) {
		/* pid 1 is not our tracee: unfiltered, ESRCH. */
		r = syscall(SYS_ptrace, PTRACE_PEEKDATA, 1, 0, 0);
		report_sys("ptrace", r);
		return;
	} else if (!strcmp(op, "keyctl")) {
		/* KEYCTL_GET_KEYRING_ID of the session keyring, without creating it */
		r = syscall(SYS_keyctl, 0, -3, 0);
		report_sys("keyctl", r < 0 ? r : 0);
		return;
	} else if (!strcmp(op, "threads")) {
		struct thread_arg *a;
		int k;

		NEED(2);
		k = atoi(w[1]);
		a = calloc((size_t)k, sizeof(*a));
		if (!a)
			exit(2);
		for (int i = 0; i < k; i++) {
			snprintf(a[i].path, sizeof(a[i].path), "%s.%d", w[2], i);
			if (pthread_create(&a[i].t, NULL, thread_mkdir, &a[i]) != 0)
				exit(2);
		}
		for (int i = 0; i < k; i++)
			pthread_join(a[i].t, NULL);
		free(a);
		return;
	} else if (!strcmp(op, "fork")) {
		pid_t pid;
		int status;

		NEED(1);
		fflush(stdout);
		pid = fork();
		if (pid < 0)
			exit(2);
		if (pid == 0) {
			r = syscall(SYS_mkdir, w[1], 0755);
			snprintf(what, sizeof(what), "child mkdir %s", w[1]);
			report_sys(what, r);
			_exit(0);
		}
		waitpid(pid, &status, 0);
		printf("fork status %d\n", status);
	} else if (!strcmp(op, "orphan")) {
		pid_t pid;
		int p[2];

		/* A child that outlives us, tries a mkdir SECS seconds later and
		 * reports it: what a descendant sees after the supervisor died. */
		NEED(2);
		fflush(stdout);
		if (pipe(p) < 0)
			exit(2);
		pid = fork();
		if (pid < 0)
			exit(2);
		if (pid == 0) {
			pid_t me = seen_pid();

			if (write(p[1], &me, sizeof(me)) != sizeof(me))
				_exit(2);
			close(p[1]);
			sleep((unsigned)atoi(w[1]));
			r = syscall(SYS_mkdir, w[2], 0755);
			snprintf(what, sizeof(what), "orphan mkdir %s", w[2]);
			report_sys(what, r);
			_exit(0);
		}
		close(p[1]);
		if (read(p[0], &pid, sizeof(pid)) != sizeof(pid))
			exit(2);
		close(p[0]);
		printf("orphan %d\n", (int)pid);
		fflush(stdout);
	} else if (!strcmp(op, "exec")) {
		NEED(1);
		fflush(stdout);
		execv(w[1], w + 1);
		report_sys("exec", -1);
		exit(2);
	} else if (!strcmp(op, "pid")) {
		printf("pid %d\n", (int)seen_pid());
		fflush(stdout);
		return;
	} else if (!strcmp(op, "sleep")) {
		NEED(1);
		sleep((unsigned)atoi(w[1]));
		printf("slept %s\n", w[1]);
	} else if (!strcmp(op, "pause")) {
		pause();
		return;
	} else if (!strcmp(op, "getppid-loop")) {
		long k;

		NEED(1);
		k = atol(w[1]);
		for (long i = 0; i < k; i++)
			syscall(SYS_getppid);
		printf("getppid-loop %ld\n", k);
	} else if (!strcmp(op, "sigterm-report")) {
		struct sigaction sa = {.sa_handler = on_sigterm};

		sigemptyset(&sa.sa_mask);
		if (sigaction(SIGTERM, &sa, NULL) < 0)
			exit(2);
		printf("sigterm-report ready\n");
		fflush(stdout);
		for (;;)
			pause();
	} else if (!strcmp(op, "exit")) {
		NEED(1);
		fflush(stdout);
		exit(atoi(w[1]));
	} else if (!strcmp(op, "kill-self")) {
		NEED(1);
		fflush(stdout);
		signal(atoi(w[1]), SIG_DFL);
		raise(atoi(w[1]));
		printf("kill-self survived\n");
		exit(2);
	} else if (!strcmp(op, "dirfd")) {
		NEED(1);
		if (g_dirfd >= 0)
			close(g_dirfd);
		g_dirfd = open(w[1], O_PATH | O_DIRECTORY | O_CLOEXEC);
		snprintf(what, sizeof(what), "dirfd %s", w[1]);
		report_sys(what, g_dirfd < 0 ? -1 : 0);
	} else if (!strcmp(op, "mkdirat")) {
		NEED(2);
		r = syscall(SYS_mkdirat, parse_where(w[1]), w[2], n > 3 ? parse_mode(w[3]) : 0755);
		snprintf(what, sizeof(what), "mkdirat %s %s", w[1], w[2]);
		report_sys(what, r);
	} else if (!strcmp(op, "mkdirat32")) {
		NEED(2);
		r = int80(NR32_MKDIRAT, parse_where(w[1]), (long)low_copy(w[2]),
			  n > 3 ? (long)parse_mode(w[3]) : 0755);
		snprintf(what, sizeof(what), "mkdirat32 %s %s", w[1], w[2]);
		report_int80(what, r);
	} else if (!strcmp(op, "fchmodat")) {
		NEED(3);
		r = syscall(SYS_fchmodat, parse_where(w[1]), w[2], parse_mode(w[3]));
		snprintf(what, sizeof(what), "fchmodat %s %s", w[1], w[2]);
		report_sys(what, r);
	} else if (!strcmp(op, "fchmodat32")) {
		NEED(3);
		r = int80(NR32_FCHMODAT, parse_where(w[1]), (long)low_copy(w[2]),
			  (long)parse_mode(w[3]));
		snprintf(what, sizeof(what), "fchmodat32 %s %s", w[1], w[2]);
		report_int80(what, r);
	} else if (!strcmp(op, "fchmodat2")) {
		NEED(4);
		r = syscall(SYS_fchmodat2, parse_where(w[1]), w[2], parse_mode(w[3]),
			    parse_at_flags(w[4]));
		snprintf(what, sizeof(what), "fchmodat2 %s %s %s", w[1], w[2], w[4]);
		report_sys(what, r);
	} else if (!strcmp(op, "fchmod-opath")) {
		int fd;

		NEED(2);
		fd = open(w[1], O_PATH | O_CLOEXEC);
		if (fd < 0) {
			perror("sg-target: open O_PATH");
			exit(2);
		}
		r = syscall(SYS_fchmod, fd, parse_mode(w[2]));
		snprintf(what, sizeof(what), "fchmod-opath %s", w[1]);
		report_sys(what, r);
		close(fd);
	} else if (!strcmp(op, "stat")) {
		struct stat sb;

		NEED(1);
		if (lstat(w[1], &sb) < 0) {
			snprintf(what, sizeof(what), "stat %s", w[1]);
			report_sys(what, -1);
			return;
		}
		printf("stat %s = %04o %u %u\n", w[1], (unsigned)(sb.st_mode & 07777),
		       (unsigned)sb.st_uid, (unsigned)sb.st_gid);
		fflush(stdout);
	} else if (!strcmp(op, "chroot")) {
		/* Needs root; everything sg-target needs is already loaded. */
		NEED(1);
		r = chroot(w[1]);
		if (r == 0)
			r = chdir("/");
		snprintf(what, sizeof(what), "chroot %s", w[1]);
		report_sys(what, r);
	} else if (!strcmp(op, "_exit")) {
		/* Without atexit handlers: a sanitizer's leak check cannot run
		 * in a chroot without /proc. */
		NEED(1);
		fflush(stdout);
		_exit(atoi(w[1]));
	} else if (!strcmp(op, "chroot-only")) {
		/* chroot without chdir: the cwd (and open fds) stay outside. */
		NEED(1);
		r = chroot(w[1]);
		snprintf(what, sizeof(what), "chroot-only %s", w[1]);
		report_sys(what, r);
	} else if (!strcmp(op, "unshare-mnt-tmpfs")) {
		/* A private mount namespace (nothing propagates back to the
		 * host) with a tmpfs on DIR that only this process sees. */
		NEED(1);
		r = unshare(CLONE_NEWNS);
		if (r == 0)
			r = mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
		if (r == 0)
			r = mount("none", w[1], "tmpfs", 0, "mode=0755");
		snprintf(what, sizeof(what), "unshare-mnt-tmpfs %s", w[1]);
		report_sys(what, r);
	} else if (!strcmp(op, "become")) {
		/* become UID GID [G,G,...]: all ids, supplementary groups too. */
		gid_t groups[1024];
		size_t k = 0;
		uid_t uid;
		gid_t gid;

		NEED(2);
		uid = (uid_t)strtoul(w[1], NULL, 10);
		gid = (gid_t)strtoul(w[2], NULL, 10);
		if (n > 3) {
			char *s = w[3], *end;

			for (;;) {
				unsigned long g = strtoul(s, &end, 10);

				if (end == s || k == 1024)
					break;
				groups[k++] = (gid_t)g;
				s = *end == ',' ? end + 1 : end;
			}
		}
		r = setgroups(k, groups);
		if (r == 0)
			r = setresgid(gid, gid, gid);
		if (r == 0)
			r = setresuid(uid, uid, uid);
		snprintf(what, sizeof(what), "become %s %s", w[1], w[2]);
		report_sys(what, r);
	} else if (!strcmp(op, "race-mkdir")) {
		/* mkdir a buffer another thread keeps rewriting between
		 * ALLOWED and FORBIDDEN (same length, or the mix is a third
		 * path); a successful mkdir is undone by name, ALLOWED only. */
		struct race *rc = calloc(1, sizeof(*rc));
		long iters, ok = 0, fails = 0, forbidden = 0;
		struct stat sb;

		NEED(3);
		if (!rc || strlen(w[1]) >= sizeof(rc->a) || strlen(w[2]) != strlen(w[1]))
			exit(2);
		iters = atol(w[3]);
		snprintf(rc->a, sizeof(rc->a), "%s", w[1]);
		snprintf(rc->b, sizeof(rc->b), "%s", w[2]);
		memcpy(rc->buf, rc->a, sizeof(rc->buf));
		rc->len = strlen(rc->a);
		if (pthread_create(&rc->t, NULL, race_flip, rc) != 0)
			exit(2);
		for (long i = 0; i < iters; i++) {
			if (syscall(SYS_mkdir, rc->buf, 0755) == 0) {
				ok++;
				rmdir(rc->a);
			} else {
				fails++;
			}
			if (stat(rc->b, &sb) == 0)
				forbidden++;
		}
		atomic_store(&rc->stop, true);
		pthread_join(rc->t, NULL);
		printf("race-mkdir ok=%ld failed=%ld forbidden-seen=%ld\n", ok, fails, forbidden);
		fflush(stdout);
		free(rc);
	} else if (!strcmp(op, "race-symlink-mkdir")) {
		/* A thread swaps SUB (a directory) and ALT (a symlink to a
		 * forbidden directory) with RENAME_EXCHANGE while the main
		 * thread makes PATH.0, PATH.1, ... (PATH runs through SUB). */
		struct race *rc = calloc(1, sizeof(*rc));
		long iters, ok = 0, fails = 0;
		char p[4200];

		NEED(4);
		if (!rc)
			exit(2);
		snprintf(rc->x, sizeof(rc->x), "%s", w[1]);
		snprintf(rc->y, sizeof(rc->y), "%s", w[2]);
		iters = atol(w[4]);
		if (pthread_create(&rc->t, NULL, race_swap, rc) != 0)
			exit(2);
		for (long i = 0; i < iters; i++) {
			snprintf(p, sizeof(p), "%s.%ld", w[3], i);
			if (syscall(SYS_mkdir, p, 0755) == 0)
				ok++;
			else
				fails++;
		}
		atomic_store(&rc->stop, true);
		pthread_join(rc->t, NULL);
		printf("race-symlink-mkdir ok=%ld failed=%ld\n", ok, fails);
		fflush(stdout);
		free(rc);
	} else if (!strcmp(op, "sigalrm-mkdir")) {
		/* mkdir and rmdir PATH N times under a 1 ms SA_RESTART timer. */
		struct sigaction sa = {.sa_handler = on_sigalrm, .sa_flags = SA_RESTART};
		struct itimerval it = {{0, 1000}, {0, 1000}}, off = {};
		long iters, mk_fail = 0, rm_fail = 0;
		int first_err = 0;

		NEED(2);
		iters = atol(w[2]);
		sigemptyset(&sa.sa_mask);
		if (sigaction(SIGALRM, &sa, NULL) < 0 || setitimer(ITIMER_REAL, &it, NULL) < 0)
			exit(2);
		for (long i = 0; i < iters; i++) {
			if (syscall(SYS_mkdir, w[1], 0755) < 0) {
				if (!first_err)
					first_err = errno;
				mk_fail++;
			}
			if (rmdir(w[1]) < 0)
				rm_fail++;
		}
		setitimer(ITIMER_REAL, &off, NULL);
		printf("sigalrm-mkdir mkdir-failed=%ld rmdir-failed=%ld first=%s alarms=%s\n",
		       mk_fail, rm_fail, first_err ? strerrorname_np(first_err) : "none",
		       g_alarms > 0 ? "some" : "none");
		fflush(stdout);
	} else if (!strcmp(op, "mkdir-loop")) {
		long k;

		NEED(2);
		k = atol(w[2]);
		printf("mkdir-loop %s started\n", w[1]);
		fflush(stdout);
		printf("mkdir-loop %s failed=%ld\n", w[1], mkdir_loop(w[1], k));
		fflush(stdout);
	} else if (!strcmp(op, "fork-kill-loop")) {
		/* A child loops mkdir+rmdir PATH; after MS ms we SIGKILL it,
		 * most likely while a mkdir of it waits for the supervisor. */
		pid_t pid;
		int status;

		NEED(2);
		fflush(stdout);
		pid = fork();
		if (pid < 0)
			exit(2);
		if (pid == 0) {
			mkdir_loop(w[1], 0);
			_exit(0);
		}
		usleep((useconds_t)atoi(w[2]) * 1000);
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		printf("fork-kill-loop status %d\n",
		       WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status));
		fflush(stdout);
	} else if (!strcmp(op, "wait-file")) {
		/* Block until PATH exists (the test says go), 30 s at most. */
		NEED(1);
		for (int i = 0; access(w[1], F_OK) < 0; i++) {
			if (i == 3000) {
				fprintf(stderr, "sg-target: %s never appeared\n", w[1]);
				exit(3);
			}
			usleep(10000);
		}
		printf("wait-file %s\n", w[1]);
		fflush(stdout);
	} else if (!strcmp(op, "spawn-mkdirs")) {
		/* N children that each mkdir PREFIX.I and report it; not waited
		 * for here (wait-children), so the ops after this one run while
		 * the children's calls are pending. */
		long k;

		NEED(2);
		k = atol(w[1]);
		fflush(stdout);
		for (long i = 0; i < k; i++) {
			pid_t pid = fork();

			if (pid < 0)
				exit(2);
			if (pid == 0) {
				char p[4200];

				snprintf(p, sizeof(p), "%s.%ld", w[2], i);
				r = syscall(SYS_mkdir, p, 0755);
				snprintf(what, sizeof(what), "child mkdir %s", p);
				report_sys(what, r);
				_exit(0);
			}
		}
		printf("spawned %ld\n", k);
		fflush(stdout);
	} else if (!strcmp(op, "wait-children")) {
		int status;
		long k = 0;

		while (wait(&status) > 0)
			k++;
		printf("children done %ld\n", k);
		fflush(stdout);
	} else if (!strcmp(op, "pad")) {
		/* Nothing: an argument that only makes the command line long. */
		NEED(1);
	} else {
		fprintf(stderr, "sg-target: unknown op '%s'\n", op);
		usage();
	}
#undef NEED
}

/*
 * Under ASan, LeakSanitizer's check at exit clones a tracer thread that
 * ptraces this process; the policies under test deny clone or ptrace (and
 * should), so the check is off for this target: its leaks are not what the
 * tests look for, sysgate's are. Unused in other builds.
 */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "detect_leaks=0";
}

int main(int argc, char **argv)
{
	int i = 1;

	if (argc < 2)
		usage();
	while (i < argc) {
		int n = 0;

		/* The op's words run up to the next ":" (exec takes them all). */
		while (i + n < argc && (strcmp(argv[i + n], ":") || !strcmp(argv[i], "exec")))
			n++;
		if (n == 0)
			usage();
		run_op(argv + i, n);
		i += n + 1;
	}
	return 0;
}
