/*
 * sysgate-agent: start a sandbox supervised by a running `sysgate serve`.
 *
 *   sysgate-agent --socket PATH [--policy NAME] -- CMD [ARGS...]
 *
 *   ask the daemon for the filter of policy NAME ({"op":"filter"}, one line
 *   back with the BPF in base64) → resolve CMD (nothing runs if it is not
 *   there) → a second connection, over which agent_exec() hands the listener
 *   to the daemon with the same OCI seccomp-agent message runc would send →
 *   exec CMD under the filter. The daemon then supervises CMD and everything
 *   it starts, exactly as it supervises a container.
 *
 * This program links only agent/ and libc (no libseccomp, json-c or policy
 * code), so that it can be linked statically (-DAGENT_STATIC=ON) and copied
 * into an image. That is why the daemon compiles the filter and why its one
 * line of JSON is parsed by hand below.
 *
 * Trust: the daemon is the trusted side (it is root or our own uid, and it is
 * who will decide our calls), but its reply is still checked strictly: the
 * exact keys, a well-formed base64 string, and a whole number of BPF
 * instructions within the kernel's limit. The kernel verifies the program
 * itself when it is loaded.
 *
 * Exit statuses, after env(1) and timeout(1): 125 when sysgate-agent fails
 * (usage, no daemon, refused policy, bad reply, filter not installed), 126
 * when CMD is not executable, 127 when it is not found; otherwise CMD's own.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <linux/filter.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/reply.h"
#include "sg-exit.h"
#include "sg-util.h"

extern char **environ;

/* The longest reply: BPF_MAXINSNS instructions of 8 bytes in base64, plus
 * the frame; error replies are short. */
#define MAX_REPLY (((BPF_MAXINSNS * 8 + 2) / 3) * 4 + 256)
#define REPLY_TIMEOUT_MS (10 * 1000)
#define MAX_POLICY_NAME 64

static void usage(FILE *out)
{
	fprintf(out,
		"usage: sysgate-agent --socket PATH [--policy NAME] -- CMD [ARGS...]\n"
		"       sysgate-agent --help | --version\n"
		"\n"
		"Run CMD under the filter of policy NAME (the daemon's default policy\n"
		"without --policy), supervised by the sysgate serve listening on PATH.\n"
		"NAME is a policy of the daemon's --policy-dir, without \".ini\".\n"
		"Exits with CMD's status; %d if sysgate-agent failed; %d if CMD is not\n"
		"executable; %d if CMD was not found.\n"
		"\n"
		"  -S, --socket PATH  the socket sysgate serve listens on (its --socket)\n"
		"  -p, --policy NAME  the daemon's policy NAME.ini\n"
		"  -h, --help         this text\n"
		"  -V, --version      sysgate-agent's version\n",
		EXIT_SYSGATE_FAILED, EXIT_CANNOT_EXEC, EXIT_NOT_FOUND);
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	fputs("sysgate-agent: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* The daemon's rule for policy names (serve.c, metadata_policy): a plain file
 * name in its policy directory, so nothing in it needs escaping in JSON. */
static bool plain_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > MAX_POLICY_NAME || s[0] == '.')
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") == n;
}

/* A close-on-exec stream connection to the daemon, or -errno. */
static int connect_daemon(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	return fd;
}

static int send_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* One line, up to and without its '\n', NUL-terminated in buf. The daemon
 * writes one line and closes; EOF before the newline is a protocol error. */
static int read_line(int fd, char *buf, size_t size, size_t *ret_len)
{
	size_t len = 0;

	for (;;) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		char *nl;
		ssize_t n;
		int k = poll(&pfd, 1, REPLY_TIMEOUT_MS);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		if (k == 0)
			return -ETIMEDOUT;
		if (len + 1 >= size)
			return -EMSGSIZE;
		n = recv(fd, buf + len, size - 1 - len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EPIPE;
		nl = memchr(buf + len, '\n', (size_t)n);
		len += (size_t)n;
		if (nl) {
			*nl = '\0';
			*ret_len = (size_t)(nl - buf);
			return 0;
		}
	}
}

/* Print a daemon-supplied string, one line, control characters as '?'. */
static void print_clean(FILE *out, const char *s)
{
	for (; *s; s++)
		fputc((unsigned char)*s >= 0x20 && *s != 0x7f ? *s : '?', out);
}

/*
 * Ask the daemon for policy's filter (NULL: its default). 0 with the program,
 * or EXIT_SYSGATE_FAILED after saying why.
 */
static int fetch_filter(const char *socket_path, const char *policy, struct sock_filter **ret,
			unsigned short *ret_len)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *line = NULL;
	struct agent_reply rep;
	char req[128];
	size_t len = 0;
	int r;

	fd = connect_daemon(socket_path);
	if (fd < 0) {
		say("%s: cannot connect: %s (is sysgate serve running there?)", socket_path,
		    strerror(-fd));
		return EXIT_SYSGATE_FAILED;
	}
	if (policy)
		snprintf(req, sizeof(req), "{\"op\":\"filter\",\"policy\":\"%s\"}\n", policy);
	else
		snprintf(req, sizeof(req), "{\"op\":\"filter\"}\n");
	r = send_all(fd, req, strlen(req));
	if (r < 0) {
		say("%s: cannot send the request: %s", socket_path, strerror(-r));
		return EXIT_SYSGATE_FAILED;
	}
	line = malloc(MAX_REPLY);
	if (!line) {
		say("%s", strerror(ENOMEM));
		return EXIT_SYSGATE_FAILED;
	}
	r = read_line(fd, line, MAX_REPLY, &len);
	if (r < 0) {
		say("%s: no reply from the daemon: %s", socket_path,
		    r == -EPIPE ? "it closed the connection" : strerror(-r));
		return EXIT_SYSGATE_FAILED;
	}
	if (strlen(line) != len) {
		say("%s: the daemon's reply is malformed (a NUL byte)", socket_path);
		return EXIT_SYSGATE_FAILED;
	}
	r = agent_reply_parse(line, &rep);
	if (r < 0) {
		agent_reply_done(&rep);
		say("%s: the daemon's reply is malformed", socket_path);
		return EXIT_SYSGATE_FAILED;
	}
	if (!rep.ok) {
		fprintf(stderr, "sysgate-agent: policy %s: ", policy ? policy : "(default)");
		print_clean(stderr, rep.error);
		fputc('\n', stderr);
		agent_reply_done(&rep);
		return EXIT_SYSGATE_FAILED;
	}
	r = agent_reply_bpf(rep.bpf, ret, ret_len);
	agent_reply_done(&rep);
	if (r < 0) {
		say("%s: the daemon sent a malformed filter", socket_path);
		return EXIT_SYSGATE_FAILED;
	}
	return 0;
}

/* The command line: -1 to go on (CMD at argv[optind]), else the exit status. */
static int parse_args(int argc, char **argv, const char **ret_socket, const char **ret_policy)
{
	static const struct option opts[] = {
		{"socket", required_argument, NULL, 'S'},
		{"policy", required_argument, NULL, 'p'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{},
	};
	int c;

	while ((c = getopt_long(argc, argv, "+S:p:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'S':
			*ret_socket = optarg;
			break;
		case 'p':
			*ret_policy = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("sysgate-agent %s\n", SYSGATE_VERSION);
			return 0;
		default:
			usage(stderr);
			return EXIT_SYSGATE_FAILED;
		}
	}
	if (!*ret_socket || optind >= argc) {
		say(!*ret_socket ? "--socket is required" : "no command given");
		usage(stderr);
		return EXIT_SYSGATE_FAILED;
	}
	if (*ret_policy && !plain_name(*ret_policy)) {
		say("'%s' is not a policy name (letters, digits, '_', '-' and '.', not starting "
		    "with '.', at most %d)",
		    *ret_policy, MAX_POLICY_NAME);
		return EXIT_SYSGATE_FAILED;
	}
	return -1;
}

/*
 * The handover message. The daemon reads it as it reads runc's: the
 * container-process state with the listener named "seccompFd". Our pid
 * stays CMD's pid through exec, so the daemon's view of the sandbox's root
 * and working directory is CMD's. The name is plain (checked by parse_args),
 * so the JSON needs no escaping. 0, or -ENAMETOOLONG.
 */
static int handover_message(int sock, const char *policy, char *buf, size_t size)
{
	pid_t pid = getpid();
	struct ucred cred = {};
	socklen_t cl = sizeof(cred);
	char pid_field[32];
	int r;

	/*
	 * Our pid means something to the daemon only if we share its pid
	 * namespace (or one below it sees ours). Copied into a container image,
	 * we run in a pid namespace of our own, and the daemon would take our
	 * pid for one of its own processes, perhaps pid 1 of the host, and judge
	 * our paths in that process's mount namespace and root. The kernel tells
	 * us: the peer's pid, translated into our namespace, is 0 when the
	 * daemon is outside it. Then we name no pid, and the daemon takes the
	 * view of the first call it receives, whose pid the kernel translates.
	 */
	if (getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &cred, &cl) < 0 || cred.pid <= 0)
		snprintf(pid_field, sizeof(pid_field), "%s", "");
	else
		snprintf(pid_field, sizeof(pid_field), "\"pid\":%d,", (int)pid);
	r = snprintf(buf, size,
		     "{\"ociVersion\":\"1.0.2\",\"fds\":[\"seccompFd\"],%s%s%s%s"
		     "\"state\":{\"ociVersion\":\"1.0.2\",\"id\":\"sysgate-agent-%d\","
		     "\"status\":\"running\",\"pid\":%d,\"bundle\":\"\"}}",
		     pid_field, policy ? "\"metadata\":\"policy=" : "", policy ? policy : "",
		     policy ? "\"," : "", (int)pid, (int)pid);
	return r < 0 || (size_t)r >= size ? -ENAMETOOLONG : 0;
}

int main(int argc, char **argv)
{
	const char *socket_path = NULL, *policy = NULL;
	_cleanup_free_ struct sock_filter *insns = NULL;
	unsigned short len = 0;
	char exe[PATH_MAX], message[512];
	int r, sock;

	/* Before anything opens an fd: a closed 0-2 would be taken by the
	 * daemon's socket, and our messages (and CMD's output) go into it. */
	if (agent_reserve_stdio() < 0)
		return EXIT_SYSGATE_FAILED;
	r = parse_args(argc, argv, &socket_path, &policy);
	if (r >= 0)
		return r;

	/* The policy first: nothing of CMD runs unless the daemon has it. */
	r = fetch_filter(socket_path, policy, &insns, &len);
	if (r != 0)
		return r;

	r = agent_find_command(argv[optind], exe, sizeof(exe));
	if (r < 0) {
		say("%s: %s", argv[optind], strerror(-r));
		return EXIT_FOR_EXEC_ERRNO(-r);
	}

	/* The handover connection. */
	sock = connect_daemon(socket_path);
	if (sock < 0) {
		say("%s: cannot connect: %s", socket_path, strerror(-sock));
		return EXIT_SYSGATE_FAILED;
	}
	if (handover_message(sock, policy, message, sizeof(message)) < 0) {
		say("the handover message is too long");
		return EXIT_SYSGATE_FAILED;
	}

	fflush(NULL);
	/* From here the agent: no_new_privs, filter, handover, exec. If the
	 * filter cannot be installed or handed over it exits 125, and the
	 * daemon sees the connection end without a message. */
	agent_exec(&(struct agent_config){
		.insns = insns,
		.len = len,
		.sock = sock,
		.status_fd = -1,
		.parent = 0, /* the supervisor is a daemon, not our parent */
		.message = message,
		.path = exe,
		.argv = argv + optind,
		.envp = environ,
	});
}
