/*
 * attack-control: a supervised command that goes for its own supervisor's
 * control socket (docs/control-protocol.md), to answer its own asks or to
 * lock every prompt out. It links nothing but libc and pthread: it is the
 * other side of the trust boundary. Each mode prints machine-readable lines
 * for tests/hostile/test-control.c. SOCK is the socket's path, or @FILE: a
 * file (waited for) that holds it, since the test learns sysgate's pid only
 * once it has started it.
 *
 *   attack-control self SOCK PATH [GO]
 *	connect to SOCK, hello, subscribe; then (once the file GO exists, if
 *	given) mkdir(PATH) on a thread and
 *	answer its ask "allow, always, glob /..." (all below /). Prints
 *	  connect = 0 | -1 ERRNO
 *	  refused = LINE        (a line sysgate sent that is not a reply to us)
 *	  subscribed = 1
 *	  answered = REPLY      (sysgate's reply to our answer)
 *	  mkdir PATH = 0 | -1 ERRNO
 *	  done
 *   attack-control grandchild SOCK PATH
 *	the same from a grandchild that double-forked, so it is reparented to
 *	the subreaper (prints "reparented = 1" first).
 *   attack-control pidns SOCK PATH
 *	the same from the init of a new pid namespace (unshare(CLONE_NEWPID),
 *	then fork): its parent is outside its namespace, getppid() is 0
 *	(prints "pidns = 1" first, or "pidns = -1 ERRNO").
 *   attack-control dead SOCK GO
 *	once GO exists, connect from a child that exits at once and is
 *	reaped, so its pid is free for anyone to reuse; then say hello on that
 *	connection. Prints "connector reaped = 1", then the first line sysgate
 *	sends ("refused = LINE" or "reply = LINE").
 *   attack-control flood SOCK N GO PATH
 *	open N connections to SOCK and send nothing; print
 *	"flood connected = K"; wait for the file GO, then mkdir(PATH) (an ask
 *	for the test's prompt), print its result, close everything, "done".
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void report(const char *what, long r, int err)
{
	if (r >= 0)
		printf("%s = %ld\n", what, r);
	else
		printf("%s = -1 %s\n", what, strerrorname_np(err) ? strerrorname_np(err) : "?");
	fflush(stdout);
}

/* SOCK as given, or read from @FILE once that exists. */
static const char *sock_path(const char *arg)
{
	static char path[108];
	FILE *f;

	if (arg[0] != '@')
		return arg;
	while (!(f = fopen(arg + 1, "re")))
		usleep(5000);
	if (!fgets(path, sizeof(path), f))
		path[0] = 0;
	fclose(f);
	path[strcspn(path, "\n")] = 0;
	return path;
}

static int connect_once(const char *arg)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path(arg));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	return fd;
}

/* sysgate makes its socket after it started us: wait for it (10 s). */
static int connect_to(const char *arg)
{
	int fd;

	for (int i = 0; i < 2000; i++) {
		fd = connect_once(arg);
		if (fd != -ENOENT && fd != -ECONNREFUSED)
			break;
		usleep(5000);
	}
	return fd;
}

/* Lines from sysgate, one at a time. */
static char g_buf[1 << 20];
static size_t g_len;

/* The next line within ms into line (NUL-terminated); 0 on EOF or timeout. */
static int read_line(int fd, char *line, size_t size, int ms)
{
	for (;;) {
		char *nl = memchr(g_buf, '\n', g_len);
		struct pollfd p = {.fd = fd, .events = POLLIN};
		ssize_t n;

		if (nl) {
			size_t len = (size_t)(nl - g_buf);

			snprintf(line, size, "%.*s", (int)len, g_buf);
			memmove(g_buf, nl + 1, g_len - len - 1);
			g_len -= len + 1;
			return 1;
		}
		if (poll(&p, 1, ms) <= 0)
			return 0;
		n = recv(fd, g_buf + g_len, sizeof(g_buf) - g_len, 0);
		if (n <= 0)
			return 0;
		g_len += (size_t)n;
	}
}

static void send_str(int fd, const char *s)
{
	(void)!send(fd, s, strlen(s), MSG_NOSIGNAL);
}

/* A reply to our request id, or something else (an event, a refusal). */
static bool is_reply(const char *line, int id)
{
	char want[32];

	snprintf(want, sizeof(want), "\"id\":%d", id);
	return strstr(line, want) != NULL;
}

/* Send {"id":ID,REST} and wait for its reply; false (and "refused = LINE"
 * for whatever came instead) when it does not come. */
static bool request(int fd, int id, const char *rest, char *line, size_t size)
{
	char req[1024];

	if ((size_t)snprintf(req, sizeof(req), "{\"id\":%d,%s}\n", id, rest) >= sizeof(req))
		return false;
	send_str(fd, req);
	while (read_line(fd, line, size, 10000)) {
		if (is_reply(line, id))
			return strstr(line, "\"ok\":true") != NULL;
		if (!strstr(line, "\"event\"")) {
			printf("refused = %s\n", line);
			fflush(stdout);
		}
	}
	return false;
}

struct mk {
	const char *path;
	volatile int done;
	long r;
	int err;
};

static void *mkdir_thread(void *arg)
{
	struct mk *m = arg;

	m->r = syscall(SYS_mkdir, m->path, 0755);
	m->err = errno;
	m->done = 1;
	return NULL;
}

static void wait_file(const char *go)
{
	struct stat sb;

	while (go && stat(go, &sb) < 0)
		usleep(5000);
}

static int attack_self(const char *sock, const char *path, const char *go)
{
	static char line[1 << 20];
	struct mk m = {.path = path};
	char what[4096];
	pthread_t t;
	bool sub = false;
	int fd = connect_to(sock);

	report("connect", fd < 0 ? fd : 0, -fd);
	if (fd >= 0 && request(fd, 1, "\"op\":\"hello\"", line, sizeof(line)) &&
	    request(fd, 2, "\"op\":\"subscribe\"", line, sizeof(line))) {
		printf("subscribed = 1\n");
		fflush(stdout);
		sub = true;
	}
	/* The call that asks: with us subscribed it waits for our answer. */
	wait_file(go);
	pthread_create(&t, NULL, mkdir_thread, &m);
	while (sub && !m.done && read_line(fd, line, sizeof(line), 20000)) {
		const char *a = strstr(line, "\"event\":\"ask\"") ? strstr(line, "\"ask\":") : NULL;
		char req[512];

		if (!a)
			continue;
		snprintf(
			req, sizeof(req),
			"\"op\":\"answer\",\"ask\":%ld,\"decision\":\"allow\",\"scope\":\"always\","
			"\"cover\":\"glob\",\"glob\":\"/**\"",
			strtol(a + 6, NULL, 10));
		if (request(fd, 3, req, line, sizeof(line)) || strstr(line, "\"id\":3")) {
			printf("answered = %s\n", line);
			fflush(stdout);
		}
	}
	pthread_join(t, NULL);
	snprintf(what, sizeof(what), "mkdir %s", path);
	report(what, m.r, m.err);
	/* Whatever sysgate still says (a refusal after our hello, say). */
	while (fd >= 0 && read_line(fd, line, sizeof(line), 200))
		if (!strstr(line, "\"event\"") && !strstr(line, "\"id\""))
			printf("refused = %s\n", line);
	printf("done\n");
	fflush(stdout);
	return 0;
}

static int attack_grandchild(const char *sock, const char *path)
{
	int p[2], status;
	pid_t child;
	char c;

	if (pipe(p) < 0)
		return 1;
	fflush(stdout);
	child = fork();
	if (child == 0) {
		pid_t mid = getpid();

		if (fork() == 0) {
			close(p[0]);
			/* Wait until our parent is gone and we are someone
			 * else's child: the subreaper's (or a namespace's init). */
			while (getppid() == mid)
				usleep(1000);
			printf("reparented = 1\n");
			fflush(stdout);
			attack_self(sock, path, NULL);
			_exit(0);
		}
		_exit(0);
	}
	close(p[1]);
	waitpid(child, &status, 0);
	/* EOF when the grandchild has exited (it holds the write end). */
	(void)!read(p[0], &c, 1);
	return 0;
}

static int attack_pidns(const char *sock, const char *path)
{
	int status;
	pid_t child;

	if (unshare(CLONE_NEWPID) < 0) {
		report("pidns", -1, errno);
		return 1;
	}
	fflush(stdout);
	child = fork();
	if (child == 0) {
		printf("pidns = %d\n", getpid() == 1 && getppid() == 0);
		fflush(stdout);
		attack_self(sock, path, NULL);
		_exit(0);
	}
	waitpid(child, &status, 0);
	/* No exit handlers (a sanitizer's leak check forks, and this pid
	 * namespace has no init left to fork in). */
	fflush(stdout);
	_exit(0);
}

static int attack_dead(const char *sockarg, const char *go)
{
	static char line[1 << 16];
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), status;
	pid_t child;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path(sockarg));
	wait_file(go);
	fflush(stdout);
	child = fork();
	if (child == 0)
		_exit(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0);
	waitpid(child, &status, 0);
	printf("connector reaped = %d\n", WIFEXITED(status) && WEXITSTATUS(status) == 0);
	fflush(stdout);
	send_str(fd, "{\"id\":1,\"op\":\"hello\"}\n");
	if (read_line(fd, line, sizeof(line), 30000))
		printf("%s = %s\n", strstr(line, "\"id\":1") ? "reply" : "refused", line);
	printf("done\n");
	fflush(stdout);
	return 0;
}

static int attack_flood(const char *sock, int n, const char *go, const char *path)
{
	char what[4096];
	int k = 0;
	long r;
	int err;

	for (int i = 0; i < n; i++)
		if (connect_to(sock) >= 0)
			k++;
	printf("flood connected = %d\n", k);
	fflush(stdout);
	wait_file(go);
	r = syscall(SYS_mkdir, path, 0755);
	err = errno;
	snprintf(what, sizeof(what), "mkdir %s", path);
	report(what, r, err);
	printf("done\n");
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	if ((argc == 4 || argc == 5) && !strcmp(argv[1], "self"))
		return attack_self(argv[2], argv[3], argc == 5 ? argv[4] : NULL);
	if (argc == 4 && !strcmp(argv[1], "grandchild"))
		return attack_grandchild(argv[2], argv[3]);
	if (argc == 4 && !strcmp(argv[1], "pidns"))
		return attack_pidns(argv[2], argv[3]);
	if (argc == 4 && !strcmp(argv[1], "dead"))
		return attack_dead(argv[2], argv[3]);
	if (argc == 6 && !strcmp(argv[1], "flood"))
		return attack_flood(argv[2], atoi(argv[3]), argv[4], argv[5]);
	fprintf(stderr, "usage: attack-control self SOCK PATH [GO] | grandchild|pidns SOCK PATH | "
			"dead SOCK GO | flood "
			"SOCK N GO PATH\n");
	return 2;
}
