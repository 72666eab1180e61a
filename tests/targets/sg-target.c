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
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define X32_SYSCALL_BIT 0x40000000
/* i386 numbers (arch/x86/entry/syscalls/syscall_32.tbl) */
#define NR32_CHMOD 15
#define NR32_MKDIR 39

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
			"  sigterm-report            exit N | kill-self SIGNUM\n");
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

		/* A child that outlives us, tries a mkdir SECS seconds later and
		 * reports it: what a descendant sees after the supervisor died. */
		NEED(2);
		fflush(stdout);
		pid = fork();
		if (pid < 0)
			exit(2);
		if (pid == 0) {
			sleep((unsigned)atoi(w[1]));
			r = syscall(SYS_mkdir, w[2], 0755);
			snprintf(what, sizeof(what), "orphan mkdir %s", w[2]);
			report_sys(what, r);
			_exit(0);
		}
		printf("orphan %d\n", (int)pid);
		fflush(stdout);
	} else if (!strcmp(op, "exec")) {
		NEED(1);
		fflush(stdout);
		execv(w[1], w + 1);
		report_sys("exec", -1);
		exit(2);
	} else if (!strcmp(op, "pid")) {
		printf("pid %d\n", (int)getpid());
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
	} else {
		fprintf(stderr, "sg-target: unknown op '%s'\n", op);
		usage();
	}
#undef NEED
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
