/*
 * attack-tty: a supervised command that types into its terminal.
 *
 *   attack-tty sti
 *	ioctl(TIOCSTI) and ioctl(TIOCLINUX) on fd 0 and on /dev/tty, through
 *	x86_64 (also with garbage in cmd's high word), i386's int $0x80 and
 *	x32's numbers. One line each: "NAME ok" or "NAME errno N".
 *
 *   attack-tty pty ASKED-PATH [GO-FILE]
 *	For `sysgate run --prompt`: says whether fd 0 is a terminal and which,
 *	tries TIOCSTI, then reads its terminal on a thread while the main thread
 *	makes a call the policy asks about (mkdir ASKED-PATH, once GO-FILE
 *	exists). Whatever the
 *	person types to answer must not reach this read; the first line it does
 *	get is printed as "stdin got [LINE]".
 *
 * libc and pthread only: this is the other side of the trust boundary.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef TIOCSTI
#define TIOCSTI 0x5412
#endif
#ifndef TIOCLINUX
#define TIOCLINUX 0x541C
#endif
#define X32_BIT 0x40000000L
#define I386_IOCTL 54
#define X32_IOCTL 514

static void say(const char *name, long r, int err)
{
	if (r < 0)
		printf("%s errno %d\n", name, err);
	else
		printf("%s ok\n", name);
	fflush(stdout);
}

/* ioctl through the i386 entry point; the buffer must lie below 4 GiB. */
static long int80_ioctl(unsigned fd, unsigned cmd, unsigned arg)
{
	long r;

	__asm__ volatile("int $0x80"
			 : "=a"(r)
			 : "a"((long)I386_IOCTL), "b"(fd), "c"(cmd), "d"(arg)
			 : "memory", "r8", "r9", "r10", "r11");
	return r;
}

static void try_sti(const char *name, int fd, unsigned long cmd, char *buf)
{
	long r = syscall(SYS_ioctl, fd, cmd, buf);

	say(name, r, errno);
}

static int do_sti(void)
{
	/* A page under 4 GiB for the 32-bit calls: "x", or TIOCLINUX's
	 * subcode 3 (TIOCL_PASTESEL: paste the console selection). */
	char *low = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	char x = 'x', paste = 3;
	long r;
	int tty;

	if (low == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	low[0] = 'x';
	low[1] = 3;
	printf("isatty0 %d\n", isatty(0));
	try_sti("sti-fd0", 0, TIOCSTI, &x);
	try_sti("sti-high", 0, 0xffffffff00005412UL, &x);
	try_sti("linux-fd0", 0, TIOCLINUX, &paste);
	try_sti("linux-high", 0, 0xdeadbeef0000541cUL, &paste);
	tty = open("/dev/tty", O_RDWR | O_CLOEXEC);
	if (tty < 0) {
		say("open-devtty", -1, errno);
	} else {
		try_sti("sti-devtty", tty, TIOCSTI, &x);
		close(tty);
	}
	r = int80_ioctl(0, TIOCSTI, (unsigned)(uintptr_t)low);
	say("sti-int80", r < 0 && r > -4096 ? -1 : r, r < 0 ? (int)-r : 0);
	r = int80_ioctl(0, TIOCLINUX, (unsigned)(uintptr_t)(low + 1));
	say("linux-int80", r < 0 && r > -4096 ? -1 : r, r < 0 ? (int)-r : 0);
	r = syscall(X32_BIT | X32_IOCTL, 0, TIOCSTI, low);
	say("sti-x32", r, errno);
	printf("sti done\n");
	return 0;
}

/* The terminal read: the first line that arrives within a minute. */
static void *reader(void *arg)
{
	char line[256];
	size_t n = 0;
	struct pollfd p = {.fd = 0, .events = POLLIN};

	(void)arg;
	while (n < sizeof(line) - 1 && poll(&p, 1, 60 * 1000) > 0) {
		ssize_t k = read(0, line + n, 1);

		if (k <= 0)
			break;
		if (line[n] == '\n')
			break;
		n++;
	}
	line[n] = '\0';
	printf("stdin got [%s]\n", line);
	fflush(stdout);
	return NULL;
}

static int do_pty(const char *asked, const char *go)
{
	struct winsize ws;
	struct stat st;
	const char *name = ttyname(0);
	char x = 'x';
	pthread_t t;
	int r;

	printf("isatty0 %d\n", isatty(0));
	printf("tty0 %s\n", name ? name : "none");
	if (ioctl(0, TIOCGWINSZ, &ws) == 0)
		printf("winsize %u %u\n", ws.ws_row, ws.ws_col);
	try_sti("sti-fd0", 0, TIOCSTI, &x);
	fflush(stdout);
	if (pthread_create(&t, NULL, reader, NULL) != 0)
		return 1;
	/* The test says when the prompt is attached (until then an ask gets
	 * ask_default at once). */
	for (int i = 0; go && stat(go, &st) < 0 && i < 60 * 100; i++)
		usleep(10 * 1000);
	r = mkdir(asked, 0755);
	printf("mkdir %s\n", r < 0 ? strerror(errno) : "ok");
	printf("ready for a line\n");
	fflush(stdout);
	pthread_join(t, NULL);
	printf("pty done\n");
	return 0;
}

int main(int argc, char **argv)
{
	/* _exit: under ASan, LeakSanitizer's exit check needs ptrace, which
	 * the built-in policy denies. */
	if (argc >= 2 && !strcmp(argv[1], "sti")) {
		int r = do_sti();

		fflush(stdout);
		_exit(r);
	}
	if (argc >= 3 && !strcmp(argv[1], "pty")) {
		int r = do_pty(argv[2], argc >= 4 ? argv[3] : NULL);

		fflush(stdout);
		_exit(r);
	}
	fprintf(stderr, "usage: attack-tty sti | pty ASKED-PATH [GO-FILE]\n");
	return 2;
}
