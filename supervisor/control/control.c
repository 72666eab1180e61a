/*
 * control: the control socket. See control.h and docs/control-protocol.md.
 *
 * Trust: a client may answer asks, which is the point, so who may be a
 * client is the boundary. The socket is owner-only from its creation, and
 * other users are refused on connect (SO_PEERCRED) without a word. Of our
 * user (or root), only a process outside the tree we supervise: the
 * supervised command has our uid and would otherwise connect, subscribe
 * and answer its own asks ("allow, always, everything below /", written
 * into the policy file). So on accept, before a client takes a slot, we
 * take the peer as the kernel saw it at connect() (SO_PEERCRED, and
 * SO_PEERPIDFD so a dead peer's reused pid cannot stand in for it) and
 * refuse it when
 *  - its ancestry leads to us: every process of the supervised tree is our
 *    descendant, since we are a child subreaper (orphans come back to us,
 *    or to a pid namespace's init that is our child), and a process cannot
 *    leave its ancestors' tree; or
 *  - it runs under a seccomp filter we are not under: it may be a program
 *    supervised by another sysgate (or sysgate-agent), whose asks it must
 *    not answer here either; no interface tells us whose filter it is; or
 *  - any of this cannot be read or verified (fail closed).
 * A refused peer gets one JSON line saying why and is closed; the refusal
 * is logged (rate-limited, so a flood of connections does not flood the
 * log). The one peer inside that is served is ourselves: `run --prompt` is
 * a thread of sysgate; a helper process of ours (a child) would be judged
 * inside, and refused.
 *
 * What the check cannot see: a process the command gets started outside
 * the tree by someone else (systemd-run over D-Bus, cron, ssh) and a
 * same-uid process it can ptrace or take fds from (pidfd_getfd) act for it
 * from outside. That is the policy's to deny (docs/control-protocol.md).
 *
 * Nothing a client sends may crash, block or confuse the supervisor: every
 * message is parsed as untrusted JSON, every field checked, output to a
 * slow client is buffered up to a bound, and a client that breaks the
 * protocol is disconnected. Nor may clients lock out a real prompt: at most
 * MAX_PER_PEER connections per process, a client that has not subscribed is
 * closed after IDLE_MS without a request, and when the table is full a new
 * client evicts the oldest one that has not subscribed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <unistd.h>

#include "sg-util.h"
#include "supervisor/control/server.h"

static int check_dir(const char *dir, const char **why)
{
	struct stat st;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		*why = "cannot create the control directory";
		return -errno;
	}
	if (lstat(dir, &st) < 0) {
		*why = "cannot inspect the control directory";
		return -errno;
	}
	/* Someone else's directory, a symlink, or one others can enter would
	 * let them replace or reach our socket. */
	if (!control_dir_is_private(&st)) {
		*why = "the control directory is not a private directory of ours "
		       "(owner-only, not a symlink)";
		return -EPERM;
	}
	return 0;
}

int control_open(struct control **ret, const struct control_config *cfg, const char **ret_why)
{
	struct control *ctl = calloc(1, sizeof(*ctl));
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char dir[sizeof(sa.sun_path)];
	mode_t old;
	int r;

	if (!ctl)
		return -ENOMEM;
	ctl->cfg = *cfg;
	ctl->fd = ctl->timerfd = ctl->idle_timerfd = -1;
	r = peer_self_check(&ctl->peers, ret_why);
	if (r < 0)
		goto fail;
	r = control_socket_dir(dir, sizeof(dir));
	if (r < 0) {
		*ret_why = "the control directory's path is too long";
		goto fail;
	}
	r = check_dir(dir, ret_why);
	if (r < 0)
		goto fail;
	if ((size_t)snprintf(ctl->path, sizeof(ctl->path), "%s/%d.sock", dir, (int)getpid()) >=
	    sizeof(ctl->path)) {
		*ret_why = "the control socket path is too long";
		r = -ENAMETOOLONG;
		goto fail;
	}
	memcpy(sa.sun_path, ctl->path, sizeof(sa.sun_path));
	ctl->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (ctl->fd < 0) {
		r = -errno;
		*ret_why = "cannot create the control socket";
		goto fail;
	}
	(void)unlink(ctl->path); /* a stale one of a dead sysgate with our pid */
	old = umask(0077);	 /* owner-only from the moment it exists */
	r = bind(ctl->fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r < 0 || listen(ctl->fd, 16) < 0) {
		r = -errno;
		*ret_why = "cannot bind the control socket";
		goto fail;
	}
	ctl->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	ctl->idle_timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (ctl->timerfd < 0 || ctl->idle_timerfd < 0) {
		r = -errno;
		*ret_why = "cannot create the control socket's timers";
		goto fail;
	}
	r = loop_add(cfg->loop, ctl->fd, EPOLLIN, control_on_accept, ctl);
	if (r == 0)
		r = loop_add(cfg->loop, ctl->timerfd, EPOLLIN, control_on_timer, ctl);
	if (r == 0)
		r = loop_add(cfg->loop, ctl->idle_timerfd, EPOLLIN, control_on_idle_timer, ctl);
	if (r == 0)
		r = loop_add(cfg->loop, ask_queue_fd(cfg->asks), EPOLLIN, control_on_asks, ctl);
	if (r < 0) {
		*ret_why = "cannot watch the control socket in the event loop";
		goto fail;
	}
	*ret = ctl;
	return 0;
fail:
	control_close(ctl);
	return r;
}

void control_shutdown_asks(struct control *ctl)
{
	if (!ctl)
		return;
	ask_shutdown(ctl->cfg.asks, control_on_resolved, ctl);
	/* Last words to the clients: best effort, without blocking. */
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (ctl->clients[i])
			client_flush(ctl->clients[i]);
}

const char *control_path(const struct control *c)
{
	return c->path;
}

void control_close(struct control *ctl)
{
	if (!ctl)
		return;
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (ctl->clients[i])
			client_close(ctl->clients[i]);
	peer_log_done(&ctl->peers);
	if (ctl->fd >= 0) {
		loop_del(ctl->cfg.loop, ctl->fd);
		unlink(ctl->path);
		close(ctl->fd);
	}
	if (ctl->timerfd >= 0) {
		loop_del(ctl->cfg.loop, ctl->timerfd);
		close(ctl->timerfd);
	}
	if (ctl->idle_timerfd >= 0) {
		loop_del(ctl->cfg.loop, ctl->idle_timerfd);
		close(ctl->idle_timerfd);
	}
	if (ctl->cfg.asks)
		loop_del(ctl->cfg.loop, ask_queue_fd(ctl->cfg.asks));
	free(ctl);
}
