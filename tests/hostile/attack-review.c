/*
 * attack-review: attacks from the post-merge review of issue 8. Each op makes
 * its call raw and prints one line, "OP ARGS = RESULT", RESULT a number or
 * "-1 ERRNONAME".
 *
 *   chroot-open ROOT PATH   chroot(ROOT), chdir("/"), open(PATH, O_RDONLY):
 *                           with ROOT /proc, PATH /PID/root/... reaches the
 *                           host's file through a magic link that does not
 *                           sit under "/proc/" in the target's own view
 *   chroot-stay ROOT PATH   chroot(ROOT) keeping the cwd outside it, then
 *                           open(PATH, O_RDONLY): /proc/self/cwd/... and
 *                           /proc/PID/root/... jump out of the chroot
 *   fdlink-chown PATH       open(PATH, O_PATH|O_NOFOLLOW) (a symlink), then
 *                           chown("/proc/self/fd/N", 4242, 4242): the kernel
 *                           jumps to the symlink itself and chowns it
 *   exec PATH ARG           execve(PATH, [PATH, ARG]): a script whose #! line
 *                           names a program [exec] denies; prints only if
 *                           execve fails
 *   tcooff-mkdir DIR OUT    stop the terminal on fd 2 (tcflow TCOOFF, what ^S
 *                           does), mkdir(DIR), write "mkdir = R" to the file
 *                           OUT (not the stopped terminal), restart it
 *   uring-statx PATH        statx(PATH) carried out by io_uring
 *                           (IORING_OP_STATX): no syscall the filter sees
 *   uring-connect PATH      connect to a unix socket PATH by IORING_OP_CONNECT
 *
 * Links nothing but libc and pthread: it is the other side of the trust
 * boundary.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <linux/io_uring.h>
#include <linux/stat.h>
#include <stdbool.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

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

/* Returns how many arguments it used, -1 on a bad op. */
static int op_chroot_open(int argc, char **argv, bool stay)
{
	char what[512];
	long r;
	int fd;

	if (argc < 3)
		return -1;
	snprintf(what, sizeof(what), "%s %s %s", argv[0], argv[1], argv[2]);
	if (chroot(argv[1]) < 0 || (!stay && chdir("/") < 0)) {
		report(what, -1, errno);
		return 3;
	}
	fd = (int)syscall(SYS_openat, AT_FDCWD, argv[2], O_RDONLY, 0);
	r = fd;
	if (fd >= 0) {
		char buf[64];
		ssize_t n = read(fd, buf, sizeof(buf) - 1);

		/* The content proves which file was opened. */
		r = n >= 0 ? 0 : -1;
		if (n > 0) {
			buf[n] = '\0';
			buf[strcspn(buf, "\n")] = '\0';
			printf("content %s\n", buf);
		}
	}
	report(what, r, errno);
	return 3;
}

static int op_fdlink_chown(int argc, char **argv)
{
	char what[512], p[64];
	int fd;
	long r;

	if (argc < 2)
		return -1;
	snprintf(what, sizeof(what), "fdlink-chown %s", argv[1]);
	fd = open(argv[1], O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		report(what, -1, errno);
		return 2;
	}
	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	r = syscall(SYS_fchownat, AT_FDCWD, p, 4242, 4242, 0);
	report(what, r, errno);
	close(fd);
	return 2;
}

static int op_exec(int argc, char **argv)
{
	char what[512];
	char *args[] = {argv[1], argv[2], NULL};

	if (argc < 3)
		return -1;
	snprintf(what, sizeof(what), "exec %s %s", argv[1], argv[2]);
	fflush(stdout);
	syscall(SYS_execve, argv[1], args, (char *[]){NULL});
	report(what, -1, errno);
	return 3;
}

static int op_tcooff_mkdir(int argc, char **argv)
{
	char line[128];
	long r;
	int fd, n;

	if (argc < 3)
		return -1;
	if (tcflow(STDERR_FILENO, TCOOFF) < 0)
		n = snprintf(line, sizeof(line), "tcooff = -1 %s\n", strerrorname_np(errno));
	else
		n = snprintf(line, sizeof(line), "mkdir = %ld\n",
			     r = syscall(SYS_mkdir, argv[1], 0755));
	fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0) {
		(void)!write(fd, line, (size_t)n);
		close(fd);
	}
	tcflow(STDERR_FILENO, TCOON);
	return 3;
}

/* One SQE through a fresh ring: the completion's result, or -errno. */
static long uring_one(const struct io_uring_sqe *sqe)
{
	struct io_uring_params prm = {0};
	size_t sq_sz, cq_sz;
	uint8_t *sq, *cq;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqe;
	uint32_t *tail, *array, *cq_head, *cq_tail;
	long r;
	int fd;

	fd = (int)syscall(__NR_io_uring_setup, 4, &prm);
	if (fd < 0)
		return -errno;
	sq_sz = prm.sq_off.array + prm.sq_entries * sizeof(uint32_t);
	cq_sz = prm.cq_off.cqes + prm.cq_entries * sizeof(struct io_uring_cqe);
	sq = mmap(NULL, sq_sz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd,
		  IORING_OFF_SQ_RING);
	cq = mmap(NULL, cq_sz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd,
		  IORING_OFF_CQ_RING);
	sqes = mmap(NULL, prm.sq_entries * sizeof(*sqes), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQES);
	if (sq == MAP_FAILED || cq == MAP_FAILED || sqes == MAP_FAILED)
		return -errno;
	tail = (uint32_t *)(sq + prm.sq_off.tail);
	array = (uint32_t *)(sq + prm.sq_off.array);
	cq_head = (uint32_t *)(cq + prm.cq_off.head);
	cq_tail = (uint32_t *)(cq + prm.cq_off.tail);
	sqes[0] = *sqe;
	array[*tail & (prm.sq_entries - 1)] = 0;
	__atomic_store_n(tail, *tail + 1, __ATOMIC_RELEASE);
	r = syscall(__NR_io_uring_enter, fd, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0);
	if (r < 0)
		return -errno;
	if (__atomic_load_n(cq_tail, __ATOMIC_ACQUIRE) == *cq_head)
		return -EAGAIN;
	cqe = (struct io_uring_cqe *)(cq + prm.cq_off.cqes) + (*cq_head & (prm.cq_entries - 1));
	return cqe->res;
}

static int op_uring_statx(int argc, char **argv)
{
	static struct statx sx;
	struct io_uring_sqe sqe = {0};
	char what[512];
	long r;

	if (argc < 2)
		return -1;
	snprintf(what, sizeof(what), "uring-statx %s", argv[1]);
	sqe.opcode = IORING_OP_STATX;
	sqe.fd = AT_FDCWD;
	sqe.addr = (uint64_t)(uintptr_t)argv[1];
	sqe.len = STATX_BASIC_STATS;
	sqe.off = (uint64_t)(uintptr_t)&sx;
	r = uring_one(&sqe);
	/* The size: it saw the file. */
	report(what, r < 0 ? -1 : (long)sx.stx_size, r < 0 ? (int)-r : 0);
	return 2;
}

/* connect(2) to a unix socket path, carried out by IORING_OP_CONNECT. */
static int op_uring_connect(int argc, char **argv)
{
	static struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct io_uring_sqe sqe = {0};
	char what[512];
	long r;
	int s;

	if (argc < 2)
		return -1;
	snprintf(what, sizeof(what), "uring-connect %s", argv[1]);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", argv[1]);
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0) {
		report(what, -1, errno);
		return 2;
	}
	sqe.opcode = IORING_OP_CONNECT;
	sqe.fd = s;
	sqe.addr = (uint64_t)(uintptr_t)&sa;
	sqe.off = sizeof(sa);
	r = uring_one(&sqe);
	report(what, r < 0 ? -1 : r, r < 0 ? (int)-r : 0);
	return 2;
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc;) {
		int used = -1;

		if (!strcmp(argv[i], "chroot-open"))
			used = op_chroot_open(argc - i, argv + i, false);
		else if (!strcmp(argv[i], "fdlink-chown"))
			used = op_fdlink_chown(argc - i, argv + i);
		else if (!strcmp(argv[i], "exec"))
			used = op_exec(argc - i, argv + i);
		else if (!strcmp(argv[i], "uring-connect"))
			used = op_uring_connect(argc - i, argv + i);
		else if (!strcmp(argv[i], "tcooff-mkdir"))
			used = op_tcooff_mkdir(argc - i, argv + i);
		else if (!strcmp(argv[i], "uring-statx"))
			used = op_uring_statx(argc - i, argv + i);
		else if (!strcmp(argv[i], "chroot-stay"))
			used = op_chroot_open(argc - i, argv + i, true);
		if (used < 0) {
			fprintf(stderr, "attack-review: bad op at %s\n", argv[i]);
			return 2;
		}
		i += used;
	}
	/* _exit: a sanitized build's LeakSanitizer would check at exit, and
	 * after chroot("/proc") it cannot read /proc/PID/task (nor ptrace,
	 * which a policy may deny): its failure is not the attack's. */
	fflush(NULL);
	_exit(0);
}
