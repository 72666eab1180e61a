/*
 * control/clients: the table of clients and its limits: accepting (after the
 * peer checks of peer.c), a slot per client with at most MAX_PER_PEER per
 * process, eviction of the oldest silent one, the idle limit, reading
 * request lines and buffering replies without ever blocking. Trusted side;
 * every byte here comes from a peer. Main thread (server.h).
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "sg-util.h"
#include "supervisor/control/server.h"

void client_close(struct client *cl)
{
	struct control *ctl = cl->ctl;
	unsigned n = 0;

	for (int i = 0; i < MAX_CLIENTS; i++)
		if (ctl->clients[i] == cl)
			ctl->clients[i] = NULL;
	loop_del(ctl->cfg.loop, cl->fd);
	safe_close(cl->fd);
	free(cl->out);
	free(cl);
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (ctl->clients[i] && ctl->clients[i]->subscribed)
			n++;
	ask_set_attached(ctl->cfg.asks, n);
}

void client_flush(struct client *cl)
{
	while (cl->out_len > 0) {
		ssize_t n = send(cl->fd, cl->out, cl->out_len, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			cl->dead = true;
			return;
		}
		memmove(cl->out, cl->out + n, cl->out_len - (size_t)n);
		cl->out_len -= (size_t)n;
	}
	loop_mod(cl->ctl->cfg.loop, cl->fd, EPOLLIN | EPOLLRDHUP | (cl->out_len ? EPOLLOUT : 0));
}

void client_send(struct client *cl, struct json_object *o)
{
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
								  JSON_C_TO_STRING_NOSLASHESCAPE);
	size_t n = strlen(s);

	if (cl->dead)
		return;
	if (cl->out_len + n + 1 > MAX_OUT) {
		/* A client that does not read does not get to grow our memory. */
		cl->dead = true;
		return;
	}
	if (cl->out_len + n + 1 > cl->out_size) {
		size_t size = MAX(cl->out_size * 2, cl->out_len + n + 1);
		char *p = realloc(cl->out, size);

		if (!p) {
			cl->dead = true;
			return;
		}
		cl->out = p;
		cl->out_size = size;
	}
	memcpy(cl->out + cl->out_len, s, n);
	cl->out[cl->out_len + n] = '\n';
	cl->out_len += n + 1;
	client_flush(cl);
}

void control_reap_clients(struct control *ctl)
{
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (ctl->clients[i] && ctl->clients[i]->dead)
			client_close(ctl->clients[i]);
}

unsigned control_count_subscribed(const struct control *ctl)
{
	unsigned n = 0;

	for (int i = 0; i < MAX_CLIENTS; i++)
		if (ctl->clients[i] && ctl->clients[i]->subscribed)
			n++;
	return n;
}

static int on_client(void *data, uint32_t events)
{
	struct client *cl = data;
	struct control *ctl = cl->ctl;

	if (events & EPOLLOUT)
		client_flush(cl);
	if (events & EPOLLIN) {
		ssize_t n =
			recv(cl->fd, cl->in + cl->in_len, MAX_LINE + 1 - cl->in_len, MSG_DONTWAIT);

		if (n == 0) {
			cl->dead = true;
		} else if (n > 0) {
			char *nl;

			cl->in_len += (size_t)n;
			while (!cl->dead && (nl = memchr(cl->in, '\n', cl->in_len))) {
				size_t len = (size_t)(nl - cl->in);

				control_handle_line(cl, cl->in, len);
				memmove(cl->in, nl + 1, cl->in_len - len - 1);
				cl->in_len -= len + 1;
			}
			if (cl->in_len > MAX_LINE) {
				control_reply_error(cl, NULL, "line longer than 65536 bytes");
				client_flush(cl);
				cl->dead = true;
			}
		} else if (errno != EAGAIN && errno != EINTR) {
			cl->dead = true;
		}
	}
	if (events & (EPOLLHUP | EPOLLERR | EPOLLRDHUP))
		if (!(events & EPOLLIN))
			cl->dead = true;
	control_reap_clients(ctl);
	return 0;
}

/* Close a client with a last line saying why (and log it). */
static void client_close_why(struct client *cl, const char *closed, const char *why)
{
	struct json_object *o = control_reply_new(NULL, false);

	peer_log(&cl->ctl->peers, "pid %d (uid %u): %s", (int)cl->pid, (unsigned)cl->uid, why);
	if (o) {
		json_object_object_add(o, "error", json_object_new_string(why));
		json_object_object_add(o, "closed", json_object_new_string(closed));
		client_send(cl, o);
		json_object_put(o);
	}
	client_close(cl);
}

/*
 * A slot for a new client of pid, or -1 with *ret_closed and *ret_why.
 * Clients that have not subscribed may be evicted, oldest first, so that a
 * table full of silent connections cannot keep a real prompt out; a
 * subscribed prompt never is.
 */
static int take_slot(struct control *ctl, pid_t pid, char *buf, size_t size,
		     const char **ret_closed, const char **ret_why)
{
	struct client *oldest = NULL;
	int slot = -1, mine = 0;

	for (int i = 0; i < MAX_CLIENTS; i++) {
		struct client *cl = ctl->clients[i];

		if (!cl) {
			if (slot < 0)
				slot = i;
			continue;
		}
		if (cl->pid == pid)
			mine++;
		if (!cl->subscribed && (!oldest || cl->serial < oldest->serial))
			oldest = cl;
	}
	if (mine >= MAX_PER_PEER) {
		snprintf(buf, size,
			 "refused: at most %d connections per process, and pid %d has them",
			 MAX_PER_PEER, (int)pid);
		*ret_closed = "per-process";
		*ret_why = buf;
		return -1;
	}
	if (slot >= 0)
		return slot;
	if (!oldest) {
		snprintf(buf, size, "refused: all %d client slots are taken by subscribed prompts",
			 MAX_CLIENTS);
		*ret_closed = "full";
		*ret_why = buf;
		return -1;
	}
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (ctl->clients[i] == oldest)
			slot = i;
	client_close_why(oldest, "evicted",
			 "closed: the table of clients is full and this one never subscribed; "
			 "it made room for a new one");
	return slot;
}

int control_on_accept(void *data, uint32_t events)
{
	struct control *ctl = data;

	(void)events;
	/* A bounded number per wake-up: the loop is level-triggered, so the
	 * rest are taken after the other fds (asks, timers) had their turn. */
	for (int k = 0; k < ACCEPT_BURST; k++) {
		struct ucred cred;
		socklen_t len = sizeof(cred);
		struct client *cl;
		const char *closed = NULL, *why = NULL;
		char buf[512];
		int fd = accept4(ctl->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK), slot;

		if (fd < 0) {
			/* Out of fds (or memory), the connection stays queued
			 * and the socket readable: stop watching it for a while
			 * rather than spin the loop on it. */
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM) {
				loop_mod(ctl->cfg.loop, ctl->fd, 0);
				ctl->accept_paused_until = control_now_ms() + ACCEPT_PAUSE_MS;
			}
			break;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 ||
		    (cred.uid != geteuid() && cred.uid != 0)) {
			/* Another user: not a word to them. */
			peer_log(&ctl->peers, "refused a connection from uid %u (pid %d)",
				 (unsigned)cred.uid, (int)cred.pid);
			close(fd);
			continue;
		}
		/* Before it takes a slot: a refused peer costs nobody a place. */
		if (peer_check(&ctl->peers, fd, &cred, buf, sizeof(buf), &closed, &why) < 0 ||
		    (slot = take_slot(ctl, cred.pid, buf, sizeof(buf), &closed, &why)) < 0) {
			peer_log(&ctl->peers, "pid %d (uid %u): %s", (int)cred.pid,
				 (unsigned)cred.uid, why);
			peer_send_last_line(fd, closed, why);
			close(fd);
			continue;
		}
		cl = calloc(1, sizeof(*cl));
		if (!cl) {
			close(fd);
			continue;
		}
		cl->fd = fd;
		cl->ctl = ctl;
		cl->pid = cred.pid;
		cl->uid = cred.uid;
		cl->serial = ++ctl->next_serial;
		cl->deadline_ms = control_now_ms() + IDLE_MS;
		if (loop_add(ctl->cfg.loop, fd, EPOLLIN | EPOLLRDHUP, on_client, cl) < 0) {
			close(fd);
			free(cl);
			continue;
		}
		ctl->clients[slot] = cl;
	}
	control_arm_idle_timer(ctl);
	return 0;
}

/* The next time a client that has not subscribed is due to be closed. */
void control_arm_idle_timer(struct control *ctl)
{
	struct itimerspec its = {};
	long next = -1, now = control_now_ms();

	for (int i = 0; i < MAX_CLIENTS; i++) {
		struct client *cl = ctl->clients[i];

		if (cl && !cl->subscribed && (next < 0 || cl->deadline_ms < next))
			next = cl->deadline_ms;
	}
	if (ctl->accept_paused_until && (next < 0 || ctl->accept_paused_until < next))
		next = ctl->accept_paused_until;
	if (next >= 0) {
		long ms = MAX(next - now, 1);

		its.it_value.tv_sec = ms / 1000;
		its.it_value.tv_nsec = (ms % 1000) * 1000000;
	}
	timerfd_settime(ctl->idle_timerfd, 0, &its, NULL);
}

int control_on_idle_timer(void *data, uint32_t events)
{
	struct control *ctl = data;
	long now = control_now_ms();
	uint64_t n;
	ssize_t k = read(ctl->idle_timerfd, &n, sizeof(n));

	(void)k;
	(void)events;
	if (ctl->accept_paused_until && ctl->accept_paused_until <= now) {
		ctl->accept_paused_until = 0;
		loop_mod(ctl->cfg.loop, ctl->fd, EPOLLIN);
	}
	for (int i = 0; i < MAX_CLIENTS; i++) {
		struct client *cl = ctl->clients[i];

		if (cl && !cl->subscribed && cl->deadline_ms <= now)
			client_close_why(cl, "idle",
					 "closed: idle for 10 s without subscribing (a prompt "
					 "subscribes; other clients must keep asking)");
	}
	control_reap_clients(ctl);
	control_arm_idle_timer(ctl);
	return 0;
}
