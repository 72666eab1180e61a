/*
 * sg-bench: what a notified syscall costs under sysgate, next to what it costs
 * with no filter, under a minimal hand-written supervisor, and under strace.
 *
 * The machines this runs on are noisy, so absolute times mean little: every
 * configuration is run in the same invocation, alternating, R times, and the
 * ratios are computed round by round (each round's configurations ran within a
 * few seconds of each other) and the median of those is reported. See
 * tests/bench/README.md.
 *
 * It also measures what an emulated mkdir costs next to a notified mkdir that
 * is continued (and next to no filter at all): bench-target mkdir-rmdir in a
 * fresh directory that sg-bench makes on a tmpfs (/tmp if it is one, else
 * /dev/shm; or --tmpdir), with two policies that sg-bench writes there. Not on
 * a disk file system by default: on ext4 a mkdir+rmdir costs 70 to 700 us,
 * depending on how many inodes were freed in the last seconds, which drowns
 * the few tens of us that are measured.
 *
 * Informational only: the goals are printed as PASS/MISS and the exit status is
 * 0 whatever they say. It is non-zero only if a configuration could not run.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

/* The seccomp UAPI as the running kernel has it, with what Debian 12's
 * headers lack defined (include/sg-seccomp.h, shared with sysgate). */
#include "sg-seccomp.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define STR_(x) #x
#define STR(x) STR_(x)
#define OUT_MAX 8192

enum kind {
	K_NOFILTER,
	K_MINIMAL,
	K_SYSGATE,
	K_STRACE,
};

/* How the minimal supervisor waits (K_MINIMAL only). */
enum wait {
	W_RECV,	       /* blocking RECV, SYNC_WAKE_UP set: the baseline */
	W_EPOLL,       /* epoll_wait, then RECV; SYNC_WAKE_UP set (--diagnose) */
	W_RECV_NOSYNC, /* blocking RECV without SYNC_WAKE_UP (--diagnose) */
};

struct cfg {
	const char *name;
	const char *what;
	enum kind kind;
	bool notified;
	bool mkdir;	    /* bench-target mkdir-rmdir; samples are ns per iteration */
	const char *policy; /* K_SYSGATE: this policy instead of --policy */
	bool enabled;
	bool failed;
	enum wait wait;
	double *samples; /* one per round; < 0 when that round failed */
};

#define CFG(n, w, k, notif, ...)                                                                   \
	{                                                                                          \
		.name = n, .what = w, .kind = k, .notified = notif, .enabled = true, __VA_ARGS__   \
	}
static struct cfg cfgs[] = {
	CFG("nofilter-notified", "no seccomp, getppid", K_NOFILTER, true),
	CFG("nofilter-plain", "no seccomp, getuid", K_NOFILTER, false),
	CFG("minimal-notified", "minimal supervisor, getppid notified", K_MINIMAL, true),
	CFG("minimal-plain", "minimal supervisor's filter, getuid", K_MINIMAL, false),
	CFG("sysgate-notified", "sysgate run, getppid notified", K_SYSGATE, true),
	CFG("sysgate-plain", "sysgate run, getuid (kernel-decided)", K_SYSGATE, false),
	CFG("sysgate-exe", "sysgate run, getppid by exe ~ GLOB", K_SYSGATE, true),
	CFG("strace-notified", "strace -e inject=getppid:retval=1", K_STRACE, true),
	/* mkdir+rmdir loops: ns per iteration, not per call. */
	CFG("nofilter-mkdir", "no seccomp, mkdir+rmdir (ns/iter)", K_NOFILTER, true, .mkdir = true),
	CFG("sysgate-mkdir-continue", "mkdir notified, continued (ns/iter)", K_SYSGATE, true,
	    .mkdir = true),
	CFG("sysgate-mkdir-emulate", "mkdir emulated, logged (ns/iter)", K_SYSGATE, true,
	    .mkdir = true),
	/* --diagnose: where a supervisor's cost comes from. */
	CFG("minimal-epoll", "minimal, epoll_wait then RECV, sync", K_MINIMAL, true,
	    .wait = W_EPOLL),
	CFG("minimal-nosync", "minimal, blocking RECV, no SYNC_WAKE_UP", K_MINIMAL, true,
	    .wait = W_RECV_NOSYNC),
};

enum {
	C_NF_N,
	C_NF_P,
	C_MIN_N,
	C_MIN_P,
	C_SG_N,
	C_SG_P,
	C_SG_EXE,
	C_ST_N,
	C_NF_MK,
	C_SG_MK_CONT,
	C_SG_MK_EMU,
	C_MIN_EPOLL,
	C_MIN_NOSYNC,
};

static struct {
	unsigned long n;
	unsigned long mkdir_n; /* 0: n / 10 */
	unsigned rounds;
	const char *sysgate;
	const char *target;
	const char *policy;
	const char *tmpdir;
	bool diagnose;
	char strace[PATH_MAX];
} opt = {.n = 200000, .rounds = 7};

/*
 * The mkdir configurations' files, all under one mkdtemp directory:
 * TMP/sg-bench.XXXXXX/{d, mkdir-continue.ini, mkdir-emulate.ini, probe.log}.
 * bench-target works in d (DIR below); the emulate policy emulates every mkdir
 * in DIR and below it.
 */
static struct {
	char top[PATH_MAX];
	char dir[PATH_MAX + 8];
	char x[PATH_MAX + 16];
	char cont[PATH_MAX + 32];
	char emu[PATH_MAX + 32];
	char exe[PATH_MAX + 32];
	char probe[PATH_MAX + 32];
	const char *fs; /* file system type of dir */
} mk;

/* What SECCOMP_IOCTL_NOTIF_SET_FLAGS said on the minimal supervisor's listener. */
static int sync_wakeup_err = -1; /* -1: never tried; 0: accepted; else errno */

static void die(const char *what)
{
	fprintf(stderr, "sg-bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Median of the v[i] >= 0; -1 when there is none. */
static double median(const double *v, unsigned n)
{
	double s[n ? n : 1];
	unsigned k = 0;

	for (unsigned i = 0; i < n; i++)
		if (v[i] >= 0)
			s[k++] = v[i];
	if (!k)
		return -1;
	qsort(s, k, sizeof(s[0]), cmp_double);
	return k % 2 ? s[k / 2] : (s[k / 2 - 1] + s[k / 2]) / 2;
}

static void minmax(const double *v, unsigned n, double *lo, double *hi)
{
	*lo = -1;
	*hi = -1;
	for (unsigned i = 0; i < n; i++) {
		if (v[i] < 0)
			continue;
		if (*lo < 0 || v[i] < *lo)
			*lo = v[i];
		if (*hi < 0 || v[i] > *hi)
			*hi = v[i];
	}
}

/* ---- the minimal supervisor ------------------------------------------------ */

/* Notify getppid, allow everything else. Other arches are allowed: the bench
 * target is x86_64, and this is a baseline, not a sandbox. */
static int install_filter(void)
{
	struct sock_filter insns[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_getppid, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {.len = ARRAY_SIZE(insns), .filter = insns};

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	return (int)syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER,
			    &prog);
}

static int send_fd(int sock, int fd)
{
	char c = 0;
	struct iovec iov = {.iov_base = &c, .iov_len = 1};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = u.buf,
			     .msg_controllen = sizeof(u.buf)};
	struct cmsghdr *cm;

	memset(&u, 0, sizeof(u));
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &msg, MSG_NOSIGNAL) == 1 ? 0 : -1;
}

static int recv_fd(int sock)
{
	char c;
	struct iovec iov = {.iov_base = &c, .iov_len = 1};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = u.buf,
			     .msg_controllen = sizeof(u.buf)};
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != 1)
		return -1;
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS ||
	    cm->cmsg_len != CMSG_LEN(sizeof(int))) {
		errno = EPROTO;
		return -1;
	}
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

/*
 * The whole supervisor: blocking RECV, SEND continue, forever. A blocking RECV
 * does not return when the last target exits, so this runs in its own process,
 * which the parent kills once the target is gone.
 */
static void __attribute__((noreturn)) supervise(int listener, enum wait how)
{
	int ep = -1;
	struct seccomp_notif_sizes sizes = {0};
	struct seccomp_notif *req;
	struct seccomp_notif_resp *resp;
	size_t req_size, resp_size;

	if (syscall(__NR_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) < 0)
		_exit(1);
	req_size = sizes.seccomp_notif > sizeof(*req) ? sizes.seccomp_notif : sizeof(*req);
	resp_size =
		sizes.seccomp_notif_resp > sizeof(*resp) ? sizes.seccomp_notif_resp : sizeof(*resp);
	req = calloc(1, req_size);
	resp = calloc(1, resp_size);
	if (!req || !resp)
		_exit(1);
	if (how == W_EPOLL) {
		struct epoll_event ev = {.events = EPOLLIN};

		ep = epoll_create1(EPOLL_CLOEXEC);
		if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, listener, &ev) < 0)
			_exit(1);
	}
	for (;;) {
		if (ep >= 0) {
			struct epoll_event ev;

			if (epoll_wait(ep, &ev, 1, -1) < 0 && errno != EINTR)
				_exit(1);
		}
		memset(req, 0, req_size);
		if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, req) < 0) {
			if (errno == EINTR || errno == ENOENT)
				continue;
			_exit(1);
		}
		memset(resp, 0, resp_size);
		resp->id = req->id;
		resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		if (ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, resp) < 0 && errno != ENOENT &&
		    errno != EINTR)
			_exit(1);
	}
}

/* ---- running one configuration -------------------------------------------- */

/* Read everything from fd into out (NUL-terminated, truncated at OUT_MAX). */
static void slurp(int fd, char *out)
{
	size_t len = 0;

	for (;;) {
		char tmp[1024];
		ssize_t r = read(fd, tmp, sizeof(tmp));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (len + 1 < OUT_MAX) {
			size_t k = (size_t)r < OUT_MAX - 1 - len ? (size_t)r : OUT_MAX - 1 - len;

			memcpy(out + len, tmp, k);
			len += k;
		}
	}
	out[len] = '\0';
}

static void child_stdio(int out_w)
{
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (null >= 0)
		dup2(null, 0);
	dup2(out_w, 1);
	dup2(out_w, 2);
}

/* Run argv (one configuration, once); returns ns/call or -1 and prints why. */
static double run_once(const struct cfg *c, char *const argv[])
{
	int out[2], sock[2] = {-1, -1}, listener = -1, status;
	pid_t pid, sup = -1;
	char *text = malloc(OUT_MAX);
	const char *p;
	double ns = -1;

	if (!text)
		die("malloc");
	if (pipe2(out, O_CLOEXEC) < 0)
		die("pipe");
	if (c->kind == K_MINIMAL && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sock) < 0)
		die("socketpair");
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		child_stdio(out[1]);
		if (c->kind == K_MINIMAL) {
			int fd = install_filter();

			/* sendmsg and execve are not getppid: not notified. */
			if (fd < 0 || send_fd(sock[1], fd) < 0) {
				fprintf(stderr, "minimal supervisor: filter/hand-over: %s\n",
					strerror(errno));
				_exit(127);
			}
			close(fd);
		}
		execvp(argv[0], argv);
		fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(out[1]);
	if (c->kind == K_MINIMAL) {
		close(sock[1]);
		listener = recv_fd(sock[0]);
		close(sock[0]);
		if (listener >= 0) {
			int e = 0;

			if (c->wait != W_RECV_NOSYNC) {
				if (ioctl(listener, SECCOMP_IOCTL_NOTIF_SET_FLAGS,
					  SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP) < 0)
					e = errno;
				if (sync_wakeup_err <= 0)
					sync_wakeup_err = e;
			}
			sup = fork();
			if (sup < 0)
				die("fork");
			if (sup == 0) {
				close(out[0]);
				supervise(listener, c->wait);
			}
			close(listener);
		}
	}
	slurp(out[0], text);
	close(out[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			die("waitpid");
	if (sup > 0) {
		kill(sup, SIGKILL);
		while (waitpid(sup, NULL, 0) < 0 && errno == EINTR)
			;
	}

	p = strstr(text, c->mkdir ? "ns/iter=" : "ns/call=");
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && p)
		ns = strtod(p + strlen("ns/call="), NULL); /* same length as "ns/iter=" */
	if (!(ns > 0)) {
		ns = -1;
		fprintf(stderr, "\nsg-bench: %s failed (%s %d); its output:\n%s%s", c->name,
			WIFEXITED(status) ? "exit" : "signal",
			WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), text,
			*text && text[strlen(text) - 1] == '\n' ? "" : "\n");
	}
	free(text);
	return ns;
}

/* Run c once with bench-target's count n_str, logging to log_sink. */
static double run_cfg_with(const struct cfg *c, const char *n_str, const char *log_sink)
{
	char *argv[24];
	int i = 0;

	switch (c->kind) {
	case K_NOFILTER:
	case K_MINIMAL:
		break;
	case K_SYSGATE:
		argv[i++] = (char *)opt.sysgate;
		argv[i++] = "run";
		argv[i++] = "-p";
		argv[i++] = (char *)(c->policy ? c->policy : opt.policy);
		argv[i++] = "--log";
		argv[i++] = (char *)log_sink;
		argv[i++] = "--";
		break;
	case K_STRACE:
		argv[i++] = opt.strace;
		argv[i++] = "-f";
		argv[i++] = "-qq";
		argv[i++] = "-o";
		argv[i++] = "/dev/null";
		argv[i++] = "-e";
		argv[i++] = "trace=getppid";
		argv[i++] = "-e";
		argv[i++] = "inject=getppid:retval=1";
		break;
	}
	argv[i++] = (char *)opt.target;
	if (c->mkdir) {
		argv[i++] = "mkdir-rmdir";
		argv[i++] = mk.dir;
	} else {
		argv[i++] = c->notified ? "notified" : "plain";
	}
	argv[i++] = (char *)n_str;
	argv[i] = NULL;
	return run_once(c, argv);
}

static double run_cfg(const struct cfg *c)
{
	char n_str[32];
	double ns;

	snprintf(n_str, sizeof(n_str), "%lu",
		 c->mkdir      ? opt.mkdir_n
		 : c->notified ? opt.n
			       : opt.n * 10);
	ns = run_cfg_with(c, n_str, "/dev/null");
	if (c->mkdir)
		rmdir(mk.x); /* left behind by a failed run: the next would fail too */
	return ns;
}

/* ---- the mkdir configurations' directory and policies ---------------------- */

static void mk_cleanup(void)
{
	if (!mk.top[0])
		return;
	rmdir(mk.x); /* left behind if a run failed between mkdir and rmdir */
	rmdir(mk.dir);
	unlink(mk.cont);
	unlink(mk.emu);
	unlink(mk.probe);
	rmdir(mk.top);
}

static void on_fatal_signal(int sig)
{
	mk_cleanup(); /* rmdir and unlink are async-signal-safe */
	signal(sig, SIG_DFL);
	raise(sig);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");

	if (!f || fputs(text, f) == EOF || fclose(f) == EOF)
		die(path);
}

static bool is_tmpfs(const char *path)
{
	struct statfs sf;

	return statfs(path, &sf) == 0 && (unsigned long)sf.f_type == 0x01021994;
}

static const char *fs_name(const char *path)
{
	static char other[32];
	struct statfs sf;

	if (statfs(path, &sf) < 0)
		return "?";
	switch ((unsigned long)sf.f_type) {
	case 0xEF53:
		return "ext4";
	case 0x01021994:
		return "tmpfs";
	case 0x9123683E:
		return "btrfs";
	case 0x58465342:
		return "xfs";
	case 0x794c7630:
		return "overlayfs";
	}
	snprintf(other, sizeof(other), "fs 0x%lx", (unsigned long)sf.f_type);
	return other;
}

static void mk_setup(void)
{
	char text[2 * sizeof(mk.dir) + 256];

	if (!opt.tmpdir)
		opt.tmpdir = is_tmpfs("/tmp") || !is_tmpfs("/dev/shm") ? "/tmp" : "/dev/shm";
	if ((size_t)snprintf(mk.top, sizeof(mk.top), "%s/sg-bench.XXXXXX", opt.tmpdir) >=
	    sizeof(mk.top)) {
		fprintf(stderr, "sg-bench: --tmpdir too long\n");
		exit(2);
	}
	if (!mkdtemp(mk.top)) {
		mk.top[0] = '\0';
		die("mkdtemp");
	}
	atexit(mk_cleanup);
	signal(SIGINT, on_fatal_signal);
	signal(SIGTERM, on_fatal_signal);
	signal(SIGHUP, on_fatal_signal);
	snprintf(mk.dir, sizeof(mk.dir), "%s/d", mk.top);
	snprintf(mk.x, sizeof(mk.x), "%s/x", mk.dir);
	snprintf(mk.cont, sizeof(mk.cont), "%s/mkdir-continue.ini", mk.top);
	snprintf(mk.emu, sizeof(mk.emu), "%s/mkdir-emulate.ini", mk.top);
	snprintf(mk.exe, sizeof(mk.exe), "%s/exe.ini", mk.top);
	snprintf(mk.probe, sizeof(mk.probe), "%s/probe.log", mk.top);
	if (mkdir(mk.dir, 0700) < 0)
		die(mk.dir);
	mk.fs = fs_name(mk.dir);
	/* A glob cannot contain a space, a tab or glob characters unescaped;
	 * mkdtemp adds only letters and digits, so only --tmpdir can. */
	if (strpbrk(mk.dir, " \t*?[]\\;")) {
		fprintf(stderr,
			"sg-bench: --tmpdir must not contain spaces, ';' or glob characters\n");
		exit(2);
	}
	/* Notified (the unconditional deny keeps the kernel from deciding it),
	 * allowed by a register-only rule: no path condition, so no emulation.
	 * The mode (mkdir arg1, mkdirat arg2) is, never 12345 here. */
	write_file(mk.cont, "# sg-bench: every mkdir notified and continued (not emulated)\n"
			    "[sysgate]\ndefault = allow\n"
			    "[mkdir]\nallow = mode != 12345\ndeny = *\n");
	snprintf(text, sizeof(text),
		 "# sg-bench: every mkdir under %s emulated (and logged)\n"
		 "[sysgate]\ndefault = allow\n"
		 "[mkdir]\nemulate = path ~ %s/**\ndeny = EACCES *\n",
		 mk.dir, mk.dir);
	write_file(mk.emu, text);
	cfgs[C_SG_MK_CONT].policy = mk.cont;
	cfgs[C_SG_MK_EMU].policy = mk.emu;

	/* getppid decided by the executable: bench-target's own path (what
	 * /proc/PID/exe says), so the rule allows every call. */
	{
		char target[PATH_MAX];
		char exe_text[2 * PATH_MAX + 256];

		if (!realpath(opt.target, target) || strpbrk(target, " \t*?[]{}\\;")) {
			cfgs[C_SG_EXE].enabled = false;
			return;
		}
		snprintf(exe_text, sizeof(exe_text),
			 "# sg-bench: every getppid notified and allowed by its executable\n"
			 "[sysgate]\ndefault = allow\n"
			 "[getppid]\nallow = exe ~ %s\ndeny = *\n",
			 target);
		write_file(mk.exe, exe_text);
		cfgs[C_SG_EXE].policy = mk.exe;
	}
}

/* Iterations of a probe run; bench-target adds a warm-up of a tenth. */
#define PROBE_N 10
#define PROBE_MKDIRS (PROBE_N + PROBE_N / 10)

/*
 * Do the two policies do what their names say? Run each once, briefly, with
 * its records in a file: "emulate" must log every mkdir as emulated and
 * successful, "continue" must log nothing (allowed calls are not logged; an
 * emulated one would be). Returns the number of emulated records seen, or -1
 * if the run failed or some record was not an emulated mkdir.
 */
static long mk_probe(const struct cfg *c)
{
	char line[1024];
	long emulated = 0, records = 0;
	FILE *f;

	unlink(mk.probe);
	if (run_cfg_with(c, STR(PROBE_N), mk.probe) < 0) {
		rmdir(mk.x);
		return -1;
	}
	f = fopen(mk.probe, "re");
	if (!f)
		return errno == ENOENT ? 0 : -1;
	while (fgets(line, sizeof(line), f)) {
		records++;
		if (strstr(line, "mkdir(") && strstr(line, ") = 0 [emulate "))
			emulated++;
	}
	fclose(f);
	unlink(mk.probe);
	return emulated == records ? emulated : -1;
}

/* ---- setup and report ------------------------------------------------------ */

static bool find_in_path(const char *name, char *out, size_t size)
{
	const char *path = getenv("PATH");
	char *dup, *save = NULL;
	bool found = false;

	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	dup = strdup(path);
	if (!dup)
		die("strdup");
	for (char *d = strtok_r(dup, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		snprintf(out, size, "%s/%s", d, name);
		if (access(out, X_OK) == 0) {
			found = true;
			break;
		}
	}
	free(dup);
	return found;
}

/* Directory of this executable, for the defaults of --target and --sysgate. */
static const char *self_dir(void)
{
	static char dir[PATH_MAX];
	ssize_t r = readlink("/proc/self/exe", dir, sizeof(dir) - 1);
	char *slash;

	if (r <= 0)
		return ".";
	dir[r] = '\0';
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	return dir;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sg-bench [-n N] [-m N] [-r R] [--sysgate PATH] [--target PATH]\n"
		"                [--policy PATH] [--tmpdir DIR] [--diagnose]\n"
		"  -n N            notified calls per run (default 200000); plain runs make 10*N\n"
		"  -m N            mkdir+rmdir iterations per mkdir run (default N/10)\n"
		"  -r R            rounds; every configuration runs once per round (default 7)\n"
		"  --sysgate PATH  the sysgate binary (default: ../sysgate next to sg-bench)\n"
		"  --target PATH   bench-target (default: next to sg-bench)\n"
		"  --policy PATH   the bench policy (default: tests/bench/bench-policy.ini)\n"
		"  --tmpdir DIR    where the mkdir runs make their directory (default: /tmp\n"
		"                  if it is a tmpfs, else /dev/shm if that is one, else /tmp)\n"
		"  --diagnose      also run the minimal supervisor waiting in epoll_wait, and\n"
		"                  without SYNC_WAKE_UP, to see where a supervisor's cost goes\n"
		"Prints ns/call (median of R) per configuration and the ratios against the\n"
		"goals. Informational: exits 0 unless a configuration could not run.\n");
}

static unsigned long parse_ul(const char *s, const char *what)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v == 0) {
		fprintf(stderr, "sg-bench: %s must be a positive integer, not '%s'\n", what, s);
		exit(2);
	}
	return v;
}

static void parse_args(int argc, char **argv)
{
	static char target[PATH_MAX], sysgate[PATH_MAX];
	static const struct option longopts[] = {
		{"sysgate", required_argument, NULL, 'S'},
		{"target", required_argument, NULL, 'T'},
		{"policy", required_argument, NULL, 'P'},
		{"diagnose", no_argument, NULL, 'D'},
		{"tmpdir", required_argument, NULL, 'M'},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	int o;

	while ((o = getopt_long(argc, argv, "n:m:r:h", longopts, NULL)) != -1) {
		switch (o) {
		case 'n':
			opt.n = parse_ul(optarg, "-n");
			break;
		case 'm':
			opt.mkdir_n = parse_ul(optarg, "-m");
			break;
		case 'M':
			opt.tmpdir = optarg;
			break;
		case 'r':
			opt.rounds = (unsigned)parse_ul(optarg, "-r");
			break;
		case 'S':
			opt.sysgate = optarg;
			break;
		case 'T':
			opt.target = optarg;
			break;
		case 'P':
			opt.policy = optarg;
			break;
		case 'D':
			opt.diagnose = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(2);
		}
	}
	if (optind != argc) {
		usage(stderr);
		exit(2);
	}
	if (opt.rounds > 1000 || opt.n > ULONG_MAX / 10) {
		fprintf(stderr, "sg-bench: -n or -r too large\n");
		exit(2);
	}
	if (!opt.target) {
		snprintf(target, sizeof(target), "%s/bench-target", self_dir());
		opt.target = target;
	}
	if (!opt.sysgate) {
		snprintf(sysgate, sizeof(sysgate), "%s/../sysgate", self_dir());
		opt.sysgate = sysgate;
	}
	if (!opt.policy)
		opt.policy = "tests/bench/bench-policy.ini";
	if (!opt.mkdir_n)
		opt.mkdir_n = opt.n / 10 ? opt.n / 10 : 1;
}

static double ratio_of(unsigned r, int num, int den)
{
	double a = cfgs[num].samples[r], b = cfgs[den].samples[r];

	return a > 0 && b > 0 ? a / b : -1;
}

/* Per round, (num - den) in microseconds; num and den are ns. */
static void print_diff(const char *name, int num, int den, const char *note)
{
	double per_round[opt.rounds];
	double m, lo, hi;

	printf("  %-34s ", name);
	if (!cfgs[num].enabled || !cfgs[den].enabled) {
		printf("skipped\n");
		return;
	}
	for (unsigned r = 0; r < opt.rounds; r++) {
		double a = cfgs[num].samples[r], b = cfgs[den].samples[r];

		/* Shifted by 1e6 so that negative differences survive median(),
		 * which ignores values < 0. */
		per_round[r] = a > 0 && b > 0 ? (a - b) / 1000.0 + 1e6 : -1;
	}
	m = median(per_round, opt.rounds);
	if (m < 0) {
		printf("n/a (no round where both ran)\n");
		return;
	}
	minmax(per_round, opt.rounds, &lo, &hi);
	printf("%+7.2f us [%+.2f..%+.2f]  %s\n", m - 1e6, lo - 1e6, hi - 1e6, note);
}

/* goal <= 0: a reference point, printed without PASS/MISS. */
static void print_ratio(const char *name, int num, int den, bool at_most, double goal)
{
	double per_round[opt.rounds];
	double m, lo, hi, mnum, mden;

	printf("  %-34s ", name);
	if (!cfgs[num].enabled || !cfgs[den].enabled) {
		printf("skipped (%s not run)\n",
		       !cfgs[num].enabled ? cfgs[num].name : cfgs[den].name);
		return;
	}
	for (unsigned r = 0; r < opt.rounds; r++)
		per_round[r] = ratio_of(r, num, den);
	m = median(per_round, opt.rounds);
	if (m < 0) {
		printf("n/a (no round where both ran)\n");
		return;
	}
	minmax(per_round, opt.rounds, &lo, &hi);
	mnum = median(cfgs[num].samples, opt.rounds);
	mden = median(cfgs[den].samples, opt.rounds);
	printf("%7.3f  [%5.2f..%5.2f]  (of medians %6.3f)", m, lo, hi, mnum / mden);
	if (goal > 0)
		printf("  goal %s %.2f  %s", at_most ? "<=" : ">=", goal,
		       (at_most ? m <= goal : m >= goal) ? "PASS" : "MISS");
	printf("\n");
}

int main(int argc, char **argv)
{
	struct utsname u;
	bool any_failed = false;
	long probe_emu, probe_cont;

	parse_args(argc, argv);
	signal(SIGPIPE, SIG_IGN);

	if (access(opt.target, X_OK) < 0) {
		fprintf(stderr, "sg-bench: bench-target %s: %s\n", opt.target, strerror(errno));
		return 1;
	}
	if (!find_in_path("strace", opt.strace, sizeof(opt.strace)))
		cfgs[C_ST_N].enabled = false;
	cfgs[C_MIN_EPOLL].enabled = cfgs[C_MIN_NOSYNC].enabled = opt.diagnose;
	mk_setup();
	for (size_t i = 0; i < ARRAY_SIZE(cfgs); i++) {
		cfgs[i].samples = calloc(opt.rounds, sizeof(double));
		if (!cfgs[i].samples)
			die("calloc");
		for (unsigned r = 0; r < opt.rounds; r++)
			cfgs[i].samples[r] = -1;
	}

	/* Before the rounds: do the mkdir policies continue and emulate? A
	 * policy that does not is reported and its configuration not run. */
	fprintf(stderr, "sg-bench: checking the mkdir policies in %s\n", mk.dir);
	probe_emu = mk_probe(&cfgs[C_SG_MK_EMU]);
	probe_cont = mk_probe(&cfgs[C_SG_MK_CONT]);
	if (probe_emu != PROBE_MKDIRS) {
		fprintf(stderr, "sg-bench: %s does not emulate every mkdir (see above)\n", mk.emu);
		cfgs[C_SG_MK_EMU].failed = any_failed = true;
	}
	if (probe_cont != 0) {
		fprintf(stderr, "sg-bench: %s logs or emulates mkdir (see above)\n", mk.cont);
		cfgs[C_SG_MK_CONT].failed = any_failed = true;
	}
	/* The exe policy must allow every getppid: a denial is logged. */
	if (cfgs[C_SG_EXE].enabled && mk_probe(&cfgs[C_SG_EXE]) != 0) {
		fprintf(stderr, "sg-bench: %s denies or logs getppid (see above)\n", mk.exe);
		cfgs[C_SG_EXE].failed = any_failed = true;
	}

	for (unsigned r = 0; r < opt.rounds; r++) {
		fprintf(stderr, "sg-bench: round %u/%u:", r + 1, opt.rounds);
		for (size_t i = 0; i < ARRAY_SIZE(cfgs); i++) {
			struct cfg *c = &cfgs[i];

			/* A configuration that failed once is not retried: it
			 * could not run at all, and each try costs time. */
			if (!c->enabled || c->failed)
				continue;
			c->samples[r] = run_cfg(c);
			if (c->samples[r] < 0)
				c->failed = any_failed = true;
			else
				fprintf(stderr, " %s=%.0f", c->name, c->samples[r]);
		}
		fprintf(stderr, "\n");
	}

	printf("sg-bench: %lu notified calls (getppid), %lu plain calls (getuid), "
	       "%lu mkdir+rmdir iterations per run; %u alternating rounds, median shown\n",
	       opt.n, opt.n * 10, opt.mkdir_n, opt.rounds);
	if (uname(&u) == 0)
		printf("machine:  %ld CPUs online, kernel %s %s\n", sysconf(_SC_NPROCESSORS_ONLN),
		       u.release, u.machine);
	printf("SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP on the minimal supervisor: %s\n",
	       sync_wakeup_err < 0    ? "not tried"
	       : sync_wakeup_err == 0 ? "accepted"
				      : strerror(sync_wakeup_err));
	printf("sysgate:  %s -p %s\n", opt.sysgate, opt.policy);
	printf("strace:   %s\n", cfgs[C_ST_N].enabled ? opt.strace : "not installed: skipped");
	printf("mkdir:    in %s (%s); policies %s, %s\n", mk.dir, mk.fs, mk.cont, mk.emu);
	printf("          checked: emulate policy %ld of %d mkdirs emulated, continue policy "
	       "%ld records\n\n",
	       probe_emu, PROBE_MKDIRS, probe_cont);

	printf("  %-22s %-38s %10s %10s %10s\n", "config", "what", "ns/call", "min", "max");
	for (size_t i = 0; i < ARRAY_SIZE(cfgs); i++) {
		const struct cfg *c = &cfgs[i];
		double lo, hi;

		if (!c->enabled && c->kind == K_MINIMAL)
			continue; /* the --diagnose rows */
		printf("  %-22s %-38s ", c->name, c->what);
		if (!c->enabled) {
			printf("%10s\n", "skipped");
			continue;
		}
		if (c->failed && median(c->samples, opt.rounds) < 0) {
			printf("%10s\n", "FAILED");
			continue;
		}
		minmax(c->samples, opt.rounds, &lo, &hi);
		printf("%10.1f %10.1f %10.1f\n", median(c->samples, opt.rounds), lo, hi);
	}

	printf("\nratios (median of per-round ratios [range]; informational):\n");
	print_ratio("sysgate / minimal (notified)", C_SG_N, C_MIN_N, true, 1.2);
	print_ratio("strace / sysgate (notified)", C_ST_N, C_SG_N, false, 3.0);
	print_ratio("sysgate-plain / nofilter-plain", C_SG_P, C_NF_P, true, 1.10);
	print_ratio("sysgate-exe / minimal (notified)", C_SG_EXE, C_MIN_N, true, 1.10);
	printf("reference points (no goal):\n");
	print_ratio("minimal-plain / nofilter-plain", C_MIN_P, C_NF_P, true, -1);
	print_ratio("sysgate-plain / minimal-plain", C_SG_P, C_MIN_P, true, -1);
	print_ratio("sysgate-exe / sysgate (notified)", C_SG_EXE, C_SG_N, true, -1);
	if (opt.diagnose) {
		print_ratio("minimal-epoll / minimal", C_MIN_EPOLL, C_MIN_N, true, -1);
		print_ratio("minimal-nosync / minimal", C_MIN_NOSYNC, C_MIN_N, true, -1);
		print_ratio("sysgate / minimal-epoll", C_SG_N, C_MIN_EPOLL, true, -1);
	}
	printf("  %-34s ", "minimal / nofilter (notified)");
	if (median(cfgs[C_MIN_N].samples, opt.rounds) > 0 &&
	    median(cfgs[C_NF_N].samples, opt.rounds) > 0) {
		double v[opt.rounds];

		for (unsigned r = 0; r < opt.rounds; r++)
			v[r] = ratio_of(r, C_MIN_N, C_NF_N);
		printf("%7.3f  (the price of a notification itself)\n", median(v, opt.rounds));
	} else {
		printf("n/a\n");
	}

	printf("\nmkdir emulation (one iteration = a notified mkdir + an rmdir sysgate is not told "
	       "of;\n%lu iterations in %s on %s; emulated mkdirs are logged, to /dev/null):\n",
	       opt.mkdir_n, mk.dir, mk.fs);
	print_ratio("emulate / continue (per iteration)", C_SG_MK_EMU, C_SG_MK_CONT, true, 2.0);
	print_diff("emulate - continue, per mkdir", C_SG_MK_EMU, C_SG_MK_CONT,
		   "emulating (and logging) instead of continuing");
	print_diff("continue - nofilter, per mkdir", C_SG_MK_CONT, C_NF_MK,
		   "the notification round trip");
	print_diff("emulate - nofilter, per mkdir", C_SG_MK_EMU, C_NF_MK,
		   "all an emulated mkdir adds");
	print_ratio("continue / nofilter (per iteration)", C_SG_MK_CONT, C_NF_MK, true, -1);

	if (any_failed)
		fprintf(stderr, "sg-bench: some configurations could not run (see above)\n");
	return any_failed ? 1 : 0;
}
