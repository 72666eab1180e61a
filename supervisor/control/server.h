#pragma once
/*
 * control/server: the inside of the control socket, shared by its files:
 * the client table and its limits (clients.c), the requests (requests.c),
 * the events to subscribers (events.c), opening and closing (control.c).
 *
 * Threads: everything here belongs to the main thread. The socket, the
 * clients and the timers are served from its event loop (loop.h) and
 * touched by nothing else; no lock guards them because no other thread
 * can reach them. The ask queue (cfg.asks) is shared with the session
 * threads and guards itself (ask.h): we call it from this thread only, and
 * never hold anything of ours locked while we do. No call here blocks: sends
 * are MSG_DONTWAIT into a bounded buffer per client, and a client that does
 * not read is dropped.
 */
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/un.h>

#include "supervisor/control/control.h"
#include "supervisor/control/peer.h"

#define MAX_CLIENTS 64
#define MAX_PER_PEER 4	    /* connections per peer process */
#define IDLE_MS 10000	    /* a client that has not subscribed, without a request */
#define ACCEPT_BURST 64	    /* connections taken per wake-up, so a flood cannot starve the loop */
#define ACCEPT_PAUSE_MS 100 /* out of fds: how long before accepting again */
#define MAX_LINE CONTROL_LINE_MAX
#define MAX_OUT (4u << 20) /* bytes waiting for a client that does not read */

struct json_object;

/* One connection that passed the peer checks. Owned by the table. */
struct client {
	int fd;
	pid_t pid; /* the peer process (SO_PEERCRED at connect) */
	uid_t uid;
	bool subscribed;
	bool dead;
	uint64_t serial;  /* order of arrival, for eviction */
	long deadline_ms; /* unsubscribed: closed at this time unless it asks something */
	char in[MAX_LINE + 1];
	size_t in_len;
	char *out;
	size_t out_len, out_size;
	struct control *ctl;
};

struct control {
	struct control_config cfg;
	int fd;
	int timerfd;	  /* the next ask deadline (events.c) */
	int idle_timerfd; /* the next idle client, or accepting again (clients.c) */
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct client *clients[MAX_CLIENTS];
	uint64_t next_serial;
	struct peer_judge peers;  /* our own state, to judge peers by; the refusal log */
	long accept_paused_until; /* out of fds: accept again at this time (0: not paused) */
	bool said_attach;	  /* "attach with sysgate prompt PID" was said (once) */
};

/* ---- clients.c ---- */
int control_on_accept(void *data, uint32_t events);
int control_on_idle_timer(void *data, uint32_t events);
void control_arm_idle_timer(struct control *ctl);
void client_close(struct client *cl);
void client_flush(struct client *cl);
void client_send(struct client *cl, struct json_object *o); /* buffered, never blocks */
void control_reap_clients(struct control *ctl);
unsigned control_count_subscribed(const struct control *ctl);

/* ---- requests.c ---- */
struct json_object *control_reply_new(struct json_object *req, bool ok);
void control_reply_error(struct client *cl, struct json_object *req, const char *why);
/* One line a client sent (len bytes, without its newline): parse, answer. */
void control_handle_line(struct client *cl, char *line, size_t len);

/* ---- events.c ---- */
/* An ask resolved (ask_resolved_cb): tell the subscribers. */
void control_on_resolved(void *data, uint64_t seq, enum decision_kind kind, int err,
			 const char *by);
void control_broadcast(struct control *ctl, struct json_object *o);
void control_arm_timer(struct control *ctl, long ms);
int control_on_asks(void *data, uint32_t events);
int control_on_timer(void *data, uint32_t events);
