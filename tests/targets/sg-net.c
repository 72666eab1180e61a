/*
 * sg-net: calls whose records carry decoded arguments, for test-records.
 * Each operation prints "OP = RESULT" (0, or -1 ERRNONAME-ish as strerror
 * number) on stdout; operations are separated by ":" on the command line.
 *
 *   openat PATH             openat(AT_FDCWD, PATH, O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC, 0644)
 *   socket                  socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, 0)
 *   connect-inet PORT       connect to 127.0.0.1:PORT (refused is fine: the call is made)
 *   connect-inet6 PORT      connect to [::1]:PORT
 *   connect-unix PATH       connect an AF_UNIX stream socket to PATH
 *   connect-abstract NAME   the same in the abstract namespace, NAME then ESC then NUL then "z"
 *   connect-badptr          connect with an address the target has not mapped
 *   sendto-null             sendto on a UDP socket without an address
 *   connect-stall           connect with its address on a userfaultfd page nobody
 *                           serves: whoever reads it sleeps (exit 2: no userfaultfd)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/userfaultfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

static void report(const char *op, int r)
{
	if (r < 0)
		printf("%s = -1 errno %d\n", op, errno);
	else
		printf("%s = 0\n", op);
	fflush(stdout);
}

static int connect_to(int domain, const void *sa, socklen_t len)
{
	int fd = socket(domain, SOCK_STREAM | SOCK_CLOEXEC, 0), r;

	if (fd < 0)
		return -1;
	r = connect(fd, sa, len);
	close(fd);
	return r;
}

/* A page registered with a fresh userfaultfd, never served; NULL if there is none. */
static void *unserved_page(void)
{
	struct uffdio_api api = {.api = UFFD_API};
	struct uffdio_register reg = {.mode = UFFDIO_REGISTER_MODE_MISSING};
	int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC);
	void *p;

	if (fd < 0 || ioctl(fd, UFFDIO_API, &api) < 0)
		return NULL;
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	reg.range.start = (uintptr_t)p;
	reg.range.len = 4096;
	if (ioctl(fd, UFFDIO_REGISTER, &reg) < 0)
		return NULL;
	return p; /* fd stays open: the page stays unserved */
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *op = argv[i];
		const char *arg = i + 1 < argc ? argv[i + 1] : "";
		int r = -1;

		if (!strcmp(op, ":"))
			continue;
		if (!strcmp(op, "openat")) {
			r = openat(AT_FDCWD, arg, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
			if (r >= 0)
				close(r);
			i++;
		} else if (!strcmp(op, "socket")) {
			r = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
			if (r >= 0)
				close(r);
		} else if (!strcmp(op, "connect-inet")) {
			struct sockaddr_in in = {.sin_family = AF_INET,
						 .sin_port = htons((uint16_t)atoi(arg))};

			inet_pton(AF_INET, "127.0.0.1", &in.sin_addr);
			r = connect_to(AF_INET, &in, sizeof(in));
			i++;
		} else if (!strcmp(op, "connect-inet6")) {
			struct sockaddr_in6 in6 = {.sin6_family = AF_INET6,
						   .sin6_port = htons((uint16_t)atoi(arg))};

			inet_pton(AF_INET6, "::1", &in6.sin6_addr);
			r = connect_to(AF_INET6, &in6, sizeof(in6));
			i++;
		} else if (!strcmp(op, "connect-unix") || !strcmp(op, "connect-abstract")) {
			struct sockaddr_un un = {.sun_family = AF_UNIX};
			bool abstract = !strcmp(op, "connect-abstract");
			size_t n = strlen(arg), off = abstract ? 1 : 0;
			socklen_t len;

			if (n + off + 3 > sizeof(un.sun_path))
				return 2;
			memcpy(un.sun_path + off, arg, n);
			if (abstract) {
				memcpy(un.sun_path + 1 + n, "\x1b\0z", 3);
				n += 3;
			}
			len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + off + n +
					  (abstract ? 0 : 1));
			r = connect_to(AF_UNIX, &un, len);
			i++;
		} else if (!strcmp(op, "connect-badptr")) {
			r = connect_to(AF_INET, (const void *)(uintptr_t)0x10, 16);
		} else if (!strcmp(op, "connect-stall")) {
			void *page = unserved_page();

			if (!page)
				return 2;
			r = connect_to(AF_INET, page, 16);
		} else if (!strcmp(op, "sendto-null")) {
			int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

			r = fd < 0 ? -1 : (int)sendto(fd, "x", 1, 0, NULL, 0);
			if (fd >= 0)
				close(fd);
		} else {
			fprintf(stderr, "sg-net: unknown operation %s\n", op);
			return 2;
		}
		report(op, r);
	}
	return 0;
}
