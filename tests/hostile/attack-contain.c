/*
 * attack-contain: a supervised command that goes after its supervisor's
 * lifecycle (hostile suite "contain"). It runs under sysgate's filter, with
 * sysgate's uid, and links nothing but libc.
 *
 *   attack-contain steal TOKEN
 *       Find sysgate (getppid(), then a /proc scan for a sysgate whose command
 *       line holds TOKEN), copy its fds with pidfd_open + pidfd_getfd; with a
 *       seccomp listener in hand, SIGSTOP sysgate and answer our own
 *       unshare(CLONE_NEWUTS) with "continue". Then try that unshare anyway.
 *   attack-contain signal SIG TOKEN MARKER
 *       Leave a grandchild behind that clears PR_SET_PDEATHSIG, leaves the
 *       session and appends to MARKER every 50 ms; then send SIG (STOP or
 *       KILL) to sysgate by every door: getppid(), its pid from /proc,
 *       pidfd_open, pidfd_send_signal on /proc/PID, the process group
 *       (SIGTSTP by kill(0) and PIDFD_SIGNAL_PROCESS_GROUP, which we ignore
 *       ourselves), and kill(-1) when inside a
 *       pid namespace of our own. Then unshare(CLONE_NEWUTS).
 *   attack-contain orphan MARKER GOFILE
 *       Leave the grandchild, clear our own PR_SET_PDEATHSIG, then wait until
 *       GOFILE exists (the test acts meanwhile) and exit 5.
 *   attack-contain nodump
 *       pidfd_open(getppid()) + pidfd_getfd of fds 0-63: each refused?
 *   attack-contain fds MARKER GOFILE
 *       mkdir MARKER.d (a logged call), write "done" to MARKER, wait until
 *       GOFILE exists, exit 0.
 *   attack-contain ownfilter DIR
 *       Stack filters of our own over sysgate's, to take mkdir away from it:
 *       one that notifies mkdir to a listener of ours (NEW_LISTENER), one
 *       that allows everything, one that notifies mkdir with no listener.
 *       After each, mkdir DIR/a, DIR/b, DIR/c.
 *
 * Everything it learns goes to stdout, one line per step, flushed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef __NR_pidfd_open
#define __NR_pidfd_open 434
#endif
#ifndef __NR_pidfd_send_signal
#define __NR_pidfd_send_signal 424
#endif
#ifndef __NR_pidfd_getfd
#define __NR_pidfd_getfd 438
#endif
#ifndef PIDFD_SIGNAL_PROCESS_GROUP
#define PIDFD_SIGNAL_PROCESS_GROUP (1U << 2)
#endif

/* Under ASan the leak checker would stop the world with ptrace at exit,
 * which the built-in policy denies: the attacker's own leaks are not what
 * this suite is about. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "detect_leaks=0";
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static const char *res(long r)
{
	static char buf[64];

	if (r < 0)
		snprintf(buf, sizeof(buf), "-1 %s", strerrorname_np(errno) ?: "?");
	else
		snprintf(buf, sizeof(buf), "%ld", r);
	return buf;
}

/* Our pid as the host's /proc (and sysgate's records) name it. */
static pid_t host_pid(void)
{
	char b[32];
	ssize_t n = readlink("/proc/self", b, sizeof(b) - 1);

	if (n <= 0)
		return getpid();
	b[n] = '\0';
	return atoi(b);
}

/* A sysgate process whose command line holds token: the /proc scan. */
static pid_t find_sysgate(const char *token)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	pid_t found = 0;

	if (!d)
		return 0;
	while (!found && (e = readdir(d))) {
		char p[300], buf[4096];
		ssize_t n;
		int fd;
		bool is_sg = false, has_tok = false;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(p, sizeof(p), "/proc/%s/cmdline", e->d_name);
		fd = open(p, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		for (ssize_t i = 0; i < n; i += (ssize_t)strlen(buf + i) + 1) {
			const char *base = strrchr(buf + i, '/');

			if (i == 0 && !strcmp(base ? base + 1 : buf, "sysgate"))
				is_sg = true;
			if (strstr(buf + i, token))
				has_tok = true;
		}
		if (is_sg && has_tok)
			found = atoi(e->d_name);
	}
	closedir(d);
	return found;
}

static bool is_listener(int fd)
{
	char p[64], l[128];
	ssize_t n;

	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	n = readlink(p, l, sizeof(l) - 1);
	if (n <= 0)
		return false;
	l[n] = '\0';
	return strstr(l, "seccomp") != NULL;
}

static int stolen = -1;

/* Answer our own notifications: "continue", as if sysgate had allowed them. */
static void *answer_main(void *arg)
{
	(void)arg;
	for (;;) {
		struct seccomp_notif req;
		struct seccomp_notif_resp resp;

		memset(&req, 0, sizeof(req));
		if (ioctl(stolen, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0) {
			if (errno == EINTR || errno == ENOENT)
				continue;
			return NULL;
		}
		memset(&resp, 0, sizeof(resp));
		resp.id = req.id;
		resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		ioctl(stolen, SECCOMP_IOCTL_NOTIF_SEND, &resp);
	}
}

static void try_unshare(void)
{
	long r = unshare(CLONE_NEWUTS);

	say("unshare = %s", res(r));
}

static int steal_from(pid_t pid, const char *how)
{
	int pfd = (int)syscall(__NR_pidfd_open, pid, 0);

	say("pidfd_open(%s %d) = %s", how, (int)pid, res(pfd));
	if (pfd < 0)
		return -1;
	for (int fd = 0; fd < 64; fd++) {
		int got = (int)syscall(__NR_pidfd_getfd, pfd, fd, 0);

		if (got < 0) {
			if (errno != EBADF)
				say("pidfd_getfd(%s, %d) = %s", how, fd, res(got));
			continue;
		}
		if (is_listener(got)) {
			say("stole the listener (fd %d of %s)", fd, how);
			close(pfd);
			return got;
		}
		close(got);
	}
	close(pfd);
	return -1;
}

static int do_steal(const char *token)
{
	pid_t ppid = getppid(), sg = find_sysgate(token);
	pthread_t t;

	say("getppid = %d, scan = %d", (int)ppid, (int)sg);
	if (ppid > 0)
		stolen = steal_from(ppid, "ppid");
	if (stolen < 0 && sg > 0)
		stolen = steal_from(sg, "scan");
	if (stolen >= 0) {
		/* Keep sysgate from answering first, then answer ourselves. */
		kill(ppid > 0 ? ppid : sg, SIGSTOP);
		pthread_create(&t, NULL, answer_main, NULL);
		try_unshare();
		kill(ppid > 0 ? ppid : sg, SIGCONT);
		return 0;
	}
	try_unshare();
	return 0;
}

/* A grandchild that outlives us and tries not to die: no pdeathsig, its own
 * session, and a heartbeat appended to marker every 50 ms. "grandchild PID"
 * (host pid) is printed before we go on. */
static void leave_grandchild(const char *marker)
{
	int p[2];
	pid_t pid;

	if (pipe(p) < 0)
		exit(2);
	pid = fork();
	if (pid < 0)
		exit(2);
	if (pid == 0) {
		struct timespec ts = {.tv_nsec = 50 * 1000 * 1000};
		pid_t me;

		if (fork() != 0)
			_exit(0);
		prctl(PR_SET_PDEATHSIG, 0);
		setsid();
		signal(SIGHUP, SIG_IGN);
		me = host_pid();
		if (write(p[1], &me, sizeof(me)) != sizeof(me))
			_exit(1);
		close(p[1]);
		for (;;) {
			int fd = open(marker, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);

			if (fd >= 0) {
				if (write(fd, ".", 1) < 0) {
				}
				close(fd);
			}
			nanosleep(&ts, NULL);
		}
	}
	close(p[1]);
	waitpid(pid, NULL, 0);
	{
		pid_t g = 0;

		if (read(p[0], &g, sizeof(g)) != sizeof(g))
			exit(2);
		say("grandchild %d", (int)g);
	}
	close(p[0]);
}

/*
 * Signal our own process group from a child in it. sysgate gives the command
 * a group of its own unless it leads a terminal's foreground job (the tests
 * start it without a terminal): a group signal that still reached sysgate
 * would stop it. SIGTSTP stops sysgate (its default action) but not us: we
 * ignore it, so the attack goes on and the test sees who stopped.
 */
static void group_attack(bool by_pidfd)
{
	const char *what = by_pidfd ? "pidfd_send_signal(PROCESS_GROUP)" : "kill(0)";
	int st = 0;
	pid_t c;

	signal(SIGTSTP, SIG_IGN);
	c = fork();
	if (c < 0)
		exit(2);
	if (c == 0) {
		long r;

		if (by_pidfd) {
			int self = (int)syscall(__NR_pidfd_open, getpid(), 0);

			r = syscall(__NR_pidfd_send_signal, self, SIGTSTP, NULL,
				    PIDFD_SIGNAL_PROCESS_GROUP);
		} else {
			r = kill(0, SIGTSTP);
		}
		say("%s = %s", what, res(r));
		_exit(0);
	}
	waitpid(c, &st, 0);
}

static int do_signal(const char *signame, const char *token, const char *marker)
{
	int sig = !strcmp(signame, "KILL") ? SIGKILL : SIGSTOP;
	pid_t ppid, sg;
	char p[64];
	int dfd;

	leave_grandchild(marker);
	prctl(PR_SET_PDEATHSIG, 0);
	ppid = getppid();
	sg = find_sysgate(token);
	say("getppid = %d, scan = %d", (int)ppid, (int)sg);
	if (ppid > 1)
		say("kill(ppid) = %s", res(kill(ppid, sig)));
	if (sg > 0) {
		int pfd;

		say("kill(scan) = %s", res(kill(sg, sig)));
		pfd = (int)syscall(__NR_pidfd_open, sg, 0);
		say("pidfd_open(scan) = %s", res(pfd));
		if (pfd >= 0)
			say("pidfd_send_signal(pidfd) = %s",
			    res(syscall(__NR_pidfd_send_signal, pfd, sig, NULL, 0)));
		snprintf(p, sizeof(p), "/proc/%d", (int)sg);
		dfd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0)
			say("pidfd_send_signal(/proc/PID) = %s",
			    res(syscall(__NR_pidfd_send_signal, dfd, sig, NULL, 0)));
	}
	/* Our own process group (sysgate's, were it shared). */
	group_attack(false);
	group_attack(true);
	/* kill(-1) as root would reach every process of the machine: only in a
	 * pid namespace of our own, where it is confined. */
	if (getppid() == 0 && getpid() < 50)
		say("kill(-1) = %s", res(kill(-1, sig)));
	try_unshare();
	return 0;
}

static int do_orphan(const char *marker, const char *gofile)
{
	struct timespec ts = {.tv_nsec = 20 * 1000 * 1000};

	leave_grandchild(marker);
	prctl(PR_SET_PDEATHSIG, 0);
	say("command %d", (int)host_pid());
	say("waiting for %s", gofile);
	while (access(gofile, F_OK) < 0)
		nanosleep(&ts, NULL);
	say("going");
	return 5;
}

static int do_nodump(void)
{
	pid_t ppid = getppid();
	int pfd = (int)syscall(__NR_pidfd_open, ppid, 0), got = 0;

	say("pidfd_open(ppid %d) = %s", (int)ppid, res(pfd));
	if (pfd < 0)
		return 1;
	for (int fd = 0; fd < 64; fd++) {
		long r = syscall(__NR_pidfd_getfd, pfd, fd, 0);

		if (r >= 0) {
			got++;
			close((int)r);
		} else if (errno != EBADF) {
			say("pidfd_getfd %d = %s", fd, res(r));
		}
	}
	say("pidfd_getfd copied %d fds", got);
	return 0;
}

static int do_fds(const char *marker, const char *gofile)
{
	struct timespec ts = {.tv_nsec = 20 * 1000 * 1000};
	char d[4096];
	int fd;

	snprintf(d, sizeof(d), "%s.d", marker);
	say("mkdir = %s", res(mkdir(d, 0755)));
	fd = open(marker, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, "done\n", 5) != 5)
		return 1;
	close(fd);
	while (access(gofile, F_OK) < 0)
		nanosleep(&ts, NULL);
	return 0;
}

/* A filter of our own: action for mkdir (x86_64), allow for the rest. */
static long own_filter(uint32_t action, unsigned flags)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_mkdir, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, action),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {.len = sizeof(f) / sizeof(f[0]), .filter = f};

	return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
}

static int do_ownfilter(const char *dir)
{
	char p[4096];

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return 1;
	/* the chain has sysgate's listener already: a second one is refused */
	say("own listener = %s",
	    res(own_filter(SECCOMP_RET_USER_NOTIF, SECCOMP_FILTER_FLAG_NEW_LISTENER)));
	snprintf(p, sizeof(p), "%s/a", dir);
	say("mkdir a = %s", res(mkdir(p, 0755)));
	/* allow ranks below sysgate's USER_NOTIF: sysgate still decides */
	say("own allow = %s", res(own_filter(SECCOMP_RET_ALLOW, 0)));
	snprintf(p, sizeof(p), "%s/b", dir);
	say("mkdir b = %s", res(mkdir(p, 0755)));
	/* USER_NOTIF without a listener: the newest filter's, so ENOSYS */
	say("own notify = %s", res(own_filter(SECCOMP_RET_USER_NOTIF, 0)));
	snprintf(p, sizeof(p), "%s/c", dir);
	say("mkdir c = %s", res(mkdir(p, 0755)));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "ownfilter"))
		return do_ownfilter(argv[2]);
	if (argc >= 3 && !strcmp(argv[1], "steal"))
		return do_steal(argv[2]);
	if (argc >= 5 && !strcmp(argv[1], "signal"))
		return do_signal(argv[2], argv[3], argv[4]);
	if (argc >= 4 && !strcmp(argv[1], "orphan"))
		return do_orphan(argv[2], argv[3]);
	if (argc >= 2 && !strcmp(argv[1], "nodump"))
		return do_nodump();
	if (argc >= 4 && !strcmp(argv[1], "fds"))
		return do_fds(argv[2], argv[3]);
	fprintf(stderr, "usage: see the comment at the top of attack-contain.c\n");
	return 2;
}
