/*
 * attack-stall: a target that stalls whatever reads its memory.
 *
 * It registers an anonymous page with userfaultfd (missing mode) and never
 * serves it, then passes a pointer into that page as mkdir's path. The kernel
 * faults on the page when the supervisor's process_vm_readv touches it, and
 * the reader sleeps until someone resolves the fault: nobody does. (As root,
 * userfaultfd handles faults taken by the kernel too; without
 * CAP_SYS_PTRACE, vm.unprivileged_userfaultfd = 0 allows only
 * UFFD_USER_MODE_ONLY, whose kernel-mode faults fail at once with EFAULT,
 * and then there is no stall to test.)
 *
 *   attack-stall run DIR     one thread stalls mkdir; 100 ms later a child
 *                            process makes 20 ordinary mkdirs of DIR/steady-N,
 *                            each printed with the time it took
 *   attack-stall connect DIR the same, but the stalled call is connect, its
 *                            sockaddr on the page (sysgate copies it for the
 *                            record)
 *   attack-stall fuse DIR    the same, but the path is DIR/mnt/x, and DIR/mnt a
 *                            FUSE mount (made here, in sysgate's own mount
 *                            namespace, as root) whose daemon never answers:
 *                            the stall is in sysgate's walk of the path
 *   attack-stall twice DIR   stalls once, then (the first reader still asleep,
 *                            since the page is still unserved) again
 *   attack-stall serve SOCK  hands the userfaultfd to whoever listens on the
 *                            unix socket SOCK (so the page stays unserved after
 *                            this process dies), says "stalling", stalls
 *
 * Lines: "stall start T", "stall rc=R errno=E T", "steady I rc=R errno=E
 * took=MS T", with T in ms of CLOCK_MONOTONIC. Exit 0 when done, 2 when the
 * attack could not be set up (no userfaultfd).
 *
 * Only libc and pthread: this is the other side of the trust boundary.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdbool.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* n pages registered with a fresh userfaultfd, never served. */
static char *unserved_pages(int *ret_uffd, size_t n)
{
	struct uffdio_api api = {.api = UFFD_API};
	struct uffdio_register reg = {};
	size_t len = n * 4096;
	char *p;
	int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC);

	if (fd < 0) {
		dprintf(1, "no userfaultfd: %s\n", strerror(errno));
		exit(2);
	}
	if (ioctl(fd, UFFDIO_API, &api) < 0) {
		dprintf(1, "UFFDIO_API: %s\n", strerror(errno));
		exit(2);
	}
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		exit(2);
	reg.range.start = (uintptr_t)p;
	reg.range.len = len;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	if (ioctl(fd, UFFDIO_REGISTER, &reg) < 0) {
		dprintf(1, "UFFDIO_REGISTER: %s\n", strerror(errno));
		exit(2);
	}
	*ret_uffd = fd;
	return p;
}

/* connect mode: the stalled call is connect, its sockaddr on the page. */
static bool g_connect;

static void stall(const char *path)
{
	int r;

	dprintf(1, "stall start %ld\n", now_ms());
	if (g_connect)
		r = connect(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0),
			    (const struct sockaddr *)path, sizeof(struct sockaddr_in));
	else
		r = mkdir(path, 0755);
	dprintf(1, "stall rc=%d errno=%d %ld\n", r, r < 0 ? errno : 0, now_ms());
}

static void *stall_thread(void *arg)
{
	stall(arg);
	return NULL;
}

static int steady(const char *dir)
{
	char path[4096];

	for (int i = 0; i < 20; i++) {
		long t0 = now_ms();
		int r;

		snprintf(path, sizeof(path), "%s/steady-%d", dir, i);
		r = mkdir(path, 0755);
		dprintf(1, "steady %d rc=%d errno=%d took=%ld %ld\n", i, r, r < 0 ? errno : 0,
			now_ms() - t0, now_ms());
	}
	return 0;
}

/* DIR/mnt/x, below a FUSE mount nobody serves (the fd stays open, unread). */
static char *unserved_fuse_path(const char *dir)
{
	static char path[4096];
	char opts[128];
	int fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);

	snprintf(path, sizeof(path), "%s/mnt", dir);
	if (fd < 0 || mkdir(path, 0755) < 0) {
		dprintf(1, "no fuse: %s\n", strerror(errno));
		exit(2);
	}
	snprintf(opts, sizeof(opts), "fd=%d,rootmode=40000,user_id=0,group_id=0", fd);
	if (mount("sg-stall", path, "fuse", 0, opts) < 0) {
		dprintf(1, "no fuse: mount: %s\n", strerror(errno));
		exit(2);
	}
	snprintf(path, sizeof(path), "%s/mnt/x", dir);
	return path;
}

static int attack_run(const char *dir, bool fuse)
{
	struct timespec pause = {.tv_nsec = 100 * 1000000l};
	pthread_t t;
	int uffd, status;
	char *page = fuse ? unserved_fuse_path(dir) : unserved_pages(&uffd, 1);
	pid_t kid;

	if (pthread_create(&t, NULL, stall_thread, page) != 0)
		return 2;
	nanosleep(&pause, NULL);
	kid = fork();
	if (kid == 0)
		_exit(steady(dir));
	if (kid < 0 || waitpid(kid, &status, 0) != kid || status != 0)
		dprintf(1, "steady child failed\n");
	pthread_join(t, NULL);
	dprintf(1, "done\n");
	return 0;
}

static int attack_twice(void)
{
	int uffd;
	char *pages = unserved_pages(&uffd, 2);

	stall(pages);
	stall(pages + 4096);
	dprintf(1, "survived\n");
	return 0;
}

static int attack_serve(const char *sock)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u = {};
	struct iovec iov = {.iov_base = "u", .iov_len = 1};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = u.buf,
			    .msg_controllen = sizeof(u.buf)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	int uffd, fd;
	char *page = unserved_pages(&uffd, 1);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		dprintf(1, "connect %s: %s\n", sock, strerror(errno));
		return 2;
	}
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &uffd, sizeof(int));
	if (sendmsg(fd, &mh, 0) != 1) {
		dprintf(1, "sendmsg: %s\n", strerror(errno));
		return 2;
	}
	dprintf(1, "stalling\n");
	stall(page);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "run") == 0)
		return attack_run(argv[2], false);
	if (argc == 3 && strcmp(argv[1], "connect") == 0) {
		g_connect = true;
		return attack_run(argv[2], false);
	}
	if (argc == 3 && strcmp(argv[1], "fuse") == 0)
		return attack_run(argv[2], true);
	if (argc == 3 && strcmp(argv[1], "twice") == 0)
		return attack_twice();
	if (argc == 3 && strcmp(argv[1], "serve") == 0)
		return attack_serve(argv[2]);
	fprintf(stderr, "usage: attack-stall run DIR | fuse DIR | twice DIR | serve SOCK\n");
	return 2;
}
