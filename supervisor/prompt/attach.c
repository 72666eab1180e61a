/*
 * prompt/attach: `sysgate prompt`'s way to a supervisor: find the control
 * socket (the protocol's directory rule), check the directory and the peer,
 * connect, then run the session. Client side: a socket planted by another
 * user, or served by one, is refused before a word is read from it.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "sg-util.h"
#include "supervisor/control/protocol.h"
#include "supervisor/log/diag.h"
#include "supervisor/prompt/linebuf.h"
#include "supervisor/prompt/prompt.h"
#include "supervisor/prompt/server.h"

#define SOCKETS_MAX 64 /* live sockets listed when choosing */

/*
 * The supervisor refuses such a directory; so do we. Whoever could write into
 * it could plant a socket of their own and show us calls of their making.
 */
static int check_dir(const char *dir)
{
	struct stat st;

	if (lstat(dir, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode)) {
		diag(DIAG_ERROR, "%s is not a directory; not using it", dir);
		return -ENOTDIR;
	}
	if (!control_dir_is_private(&st)) {
		diag(DIAG_ERROR,
		     "%s is not private to this user (owner uid %u, mode %04o); not using it", dir,
		     (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
		return -EPERM;
	}
	return 0;
}

/* fd connected to path, or -errno: ECONNREFUSED for a stale socket, EPERM for
 * a peer that is neither us nor root. */
static int connect_socket(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	_cleanup_close_ int fd = -1;
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return -errno;
	/* Root may attach to any user's sysgate it names; others only to their
	 * own (or to root's, which is as trusted as it gets). */
	if (geteuid() != 0 && cred.uid != geteuid() && cred.uid != 0) {
		diag(DIAG_ERROR, "%s is served by uid %u, not by us; not using it", path,
		     (unsigned)cred.uid);
		return -EPERM;
	}
	return TAKE_FD(fd);
}

static bool is_pid(const char *s)
{
	if (!*s || strlen(s) > 10)
		return false;
	for (const char *p = s; *p; p++)
		if (*p < '0' || *p > '9')
			return false;
	return atol(s) > 0;
}

static void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

/* The one live sysgate of this user; exit status 1 or 2 (having said why) if
 * there is none or more than one. */
static int find_only(const char *dir, int *ret_fd)
{
	_cleanup_(closedirp) DIR *d = NULL;
	int fds[SOCKETS_MAX];
	size_t n = 0, more = 0;
	struct dirent *e;
	int r;

	r = check_dir(dir);
	if (r == -ENOENT)
		goto none;
	if (r < 0)
		return 1;
	d = opendir(dir);
	if (!d) {
		diag_errno(DIAG_ERROR, errno, "cannot read the control directory %s", dir);
		return 1;
	}
	while ((e = readdir(d))) {
		char path[PATH_MAX + 256], name[32];
		const char *dot = strrchr(e->d_name, '.');
		int fd;

		if (!dot || !streq(dot, ".sock") || (size_t)(dot - e->d_name) >= sizeof(name))
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)(dot - e->d_name), e->d_name);
		if (!is_pid(name))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		fd = connect_socket(path);
		if (fd == -ECONNREFUSED || fd == -ENOENT)
			continue; /* stale: its sysgate died without removing it */
		if (fd < 0) {
			if (fd != -EPERM)
				diag_errno(DIAG_WARNING, fd, "cannot connect to %s", path);
			continue;
		}
		if (n == SOCKETS_MAX) {
			close(fd);
			more++;
			continue;
		}
		fds[n++] = fd;
	}
	if (n == 1) {
		*ret_fd = fds[0];
		return 0;
	}
	if (n == 0)
		goto none;
	diag(DIAG_ERROR,
	     "%zu sysgates are running for this user; choose one with sysgate prompt PID:",
	     n + more);
	for (size_t i = 0; i < n; i++) {
		struct server_info info = {};
		struct linebuf lb;
		char why[512];

		if (lb_init(&lb, CONTROL_LINE_MAX) == 0 &&
		    prompt_hello(fds[i], &lb, &info, why, sizeof(why)) == 0) {
			fprintf(stderr, "  %-8lld %s (mode %s)\n", info.pid, info.policy,
				info.mode);
			server_info_done(&info);
		} else {
			fprintf(stderr, "  ?        (no answer to hello)\n");
		}
		lb_done(&lb);
		close(fds[i]);
	}
	if (more)
		fprintf(stderr, "  ... and %zu more\n", more);
	return 2;
none:
	diag(DIAG_ERROR, "no sysgate is running for this user");
	return 1;
}

int prompt_attach(const char *arg)
{
	_cleanup_close_ int fd = -1;
	char dir[PATH_MAX];
	int r;

	diag_setup("sysgate prompt", DIAG_NOTICE);
	/* A supervisor that goes away must not kill us with SIGPIPE: we say so. */
	signal(SIGPIPE, SIG_IGN);
	if (control_socket_dir(dir, sizeof(dir)) < 0) {
		diag(DIAG_ERROR, "the control directory's path is too long");
		return 1;
	}
	if (!arg) {
		r = find_only(dir, &fd);
		if (r)
			return r;
	} else if (strchr(arg, '/')) {
		fd = connect_socket(arg);
		if (fd < 0) {
			if (fd != -EPERM)
				diag(DIAG_ERROR, "cannot connect to %s: %s%s", arg, strerror(-fd),
				     fd == -ECONNREFUSED ? " (its sysgate is not running)" : "");
			return 1;
		}
	} else if (is_pid(arg)) {
		char path[PATH_MAX + 32];

		snprintf(path, sizeof(path), "%s", dir);
		r = check_dir(dir);
		if (r == 0) {
			snprintf(path, sizeof(path), "%s/%s.sock", dir, arg);
			fd = connect_socket(path);
			r = fd < 0 ? fd : 0;
		}
		if (r == -ENOENT || r == -ECONNREFUSED) {
			diag(DIAG_ERROR, "no sysgate with pid %s is running for this user", arg);
			return 1;
		}
		if (r < 0) {
			if (r != -EPERM && r != -ENOTDIR)
				diag(DIAG_ERROR, "cannot connect to %s: %s", path, strerror(-r));
			return 1;
		}
	} else {
		diag(DIAG_ERROR, "'%s' is neither a pid nor a socket path (a path has a '/': ./%s)",
		     arg, arg);
		return 2;
	}
	return prompt_session(fd, STDIN_FILENO, stdout);
}
