#pragma once
/*
 * log/internal.h: what the files of the log room share and nothing outside
 * it may use: the string builder, the queue's entries, a sink, the logger.
 * The public contract is log.h.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <json-c/json.h>
#include <libmnl/libmnl.h>

#include "sg-seccomp.h" /* AUDIT_ARCH_*, __X32_SYSCALL_BIT, sg_abi_name */
#include "policy/argfmt.h"
#include "sg-util.h"
#include "supervisor/log/log.h"

/* Trusted application message: freestyle text (linux/audit.h, 1121). */
#ifndef AUDIT_TRUSTED_APP
#define AUDIT_TRUSTED_APP 1121
#endif

struct sbuf {
	char *p;
	size_t size;
	size_t len; /* the full length; may exceed size - 1, then the text is cut */
};

/* Plain, and "/" left as it is: paths stay readable and still parse back the same. */
#define JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

/*
 * The --summary table. Owned by its logger; every field is guarded by
 * logger.lock, under which only counting and copying happen (malloc, never
 * I/O): deciding threads take that lock for each record.
 */
struct summary_row {
	char *name; /* NULL: free slot */
	enum decision_kind decision;
	bool enforced;
	uint64_t count;
};

struct summary {
	struct summary_row *slots; /* open addressing, power-of-two size */
	size_t n_slots;
	size_t n_rows;
	uint64_t other; /* records beyond SUMMARY_MAX_ROWS distinct rows */
};

/* Records a queue holds before it is full. */
#define LOG_QUEUE_RECORDS 1024
/* Bytes it holds (a record can be long: six strings of up to 4 KiB). */
#define LOG_QUEUE_BYTES (4u << 20)
/* How far the event loop's records and sysgate's notices may go past full. */
#define LOG_QUEUE_SLACK 256
/* A blocked emitter re-checks its sink this often (log_close may have begun). */
#define LOG_WAIT_SLICE_MS 200
/* At exit: time for every queue to drain, then for the notices about loss. */
#define LOG_DRAIN_MS 2000
#define LOG_NOTICE_MS 500

enum sink_kind {
	SINK_FD,
	SINK_SYSLOG,
	SINK_AUDIT,
};

enum entry_kind {
	ENTRY_RECORD, /* a decision record, rendered for this sink */
	ENTRY_RAW,    /* text to write as it is (the summary, sysgate's notices) */
	ENTRY_LOST,   /* "another sink lost N records": rendered by the writer */
};

/* One queued line. Owned by whoever holds it: the emitter until
 * queue_push, then the ring (under sink.lock), then the writer once popped.
 * Never shared: each sink gets its own copy. */
struct entry {
	enum entry_kind kind;
	char *text; /* malloc'd; RECORD and RAW */
	size_t len;
	int prio;		 /* syslog priority */
	uint64_t dropped_before; /* records dropped just before this one */
	uint64_t count;		 /* ENTRY_LOST: how many */
	char *about;		 /* ENTRY_LOST: the sink that lost them */
};

struct logger;

/*
 * One sink, and the threads that touch it:
 *  - the opener (log_open, log_set_full, log_close, log_flush): creates it,
 *    sets the fields of the first group, starts the writer, and at the end
 *    joins or abandons it;
 *  - deciding threads (log_emit, through queue_push): append entries, wait
 *    for room in block mode, count drops;
 *  - its writer thread (sink_main, queue.c): pops entries and does all of
 *    the sink's I/O (write(2), syslog(), the netlink send), never holding
 *    the lock while it does.
 * Once log_close abandons a sink whose writer is stuck in I/O, the writer
 * owns it alone and frees it if that I/O ever returns.
 */
struct sink {
	/* Set by the opener before the writer starts; read-only afterwards,
	 * read by every thread without the lock. */
	enum sink_kind kind;
	enum log_format fmt;
	int fd;
	bool owned;   /* fd is ours to close */
	bool shared;  /* stderr or a terminal: the command may stall it */
	bool records; /* takes decision records (the internal stderr does not) */
	char *name;
	struct mnl_socket *audit; /* SINK_AUDIT; NULL when unavailable */
	int open_err;		  /* ... and why */
	bool audit_off;		  /* SINK_AUDIT: the kernel has audit disabled */
	struct entry *ring;	  /* the array; its slots are guarded by lock */
	size_t ring_size;
	pthread_t thread;
	bool started;

	/* The writer's own: touched by the writer thread only. */
	unsigned audit_seq;

	/*
	 * lock guards everything below. It is held only to move entries and
	 * flags and to count: never across I/O or a wait (the emitter's futex
	 * wait and the writer's and closer's condition waits release it), so
	 * an emitter that takes it never waits for a sink's I/O. Lock order:
	 * a sink's lock is never held while another is taken.
	 */
	pthread_mutex_t lock;
	pthread_cond_t work;  /* the writer waits for entries (or quit) */
	pthread_cond_t idle;  /* log_flush/log_close wait for drained or exited */
	atomic_uint room_seq; /* futex word: bumped under lock when an entry
			       * leaves the queue; emitters wait on it unlocked */
	unsigned waiters;     /* emitters waiting for room */

	enum log_full full; /* also written by log_set_full */
	size_t head, count, bytes;
	uint64_t dropped_pending; /* dropped, not yet reported */
	uint64_t dropped_total;
	unsigned long errors; /* records this sink failed to take */
	bool ready;	      /* the writer has started and reached its loop */
	bool busy;	      /* the writer is between pop and done */
	bool drained;	      /* nothing queued, nothing pending, no write under way */
	bool closing;	      /* log_close has begun: no more waiting */
	bool quit;	      /* the writer ends once drained */
	bool exited;	      /* it has */
	bool abandoned;	      /* log_close gave up on it: it frees itself */
};

/*
 * The logger. Made and freed by the opener (the event loop's thread); used
 * by every deciding thread through log_emit. sinks, n_sinks, err, fmt,
 * owner and the flags are set in log_open before any other thread sees the
 * logger and read-only until log_close, which must not race a log_emit
 * (the caller ends its sessions first).
 */
struct logger {
	/* Guards summary only. Taken by every log_emit when summary_on, so
	 * only counting and copying happen under it, never I/O. */
	pthread_mutex_t lock;
	struct summary summary;

	enum log_format fmt;
	size_t n_sinks;
	struct sink **sinks;
	struct sink *err; /* where the summary and loss reports go: stderr */
	pthread_t owner;  /* the thread that opened it: never waits */
	bool syslog_open;
	bool summary_on;
};

/* ---- record.c: the string builder and the pieces every format shares ---- */
void sb_init(struct sbuf *sb, char *buf, size_t size);
void sb_put(struct sbuf *sb, const char *s, size_t n);
void sb_puts(struct sbuf *sb, const char *s);
void sb_printf(struct sbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The C-string body of n bytes of s: only printable ASCII comes out. */
void sb_escape(struct sbuf *sb, const char *s, size_t n);
/* The result of a public formatter: the length, or -ENOBUFS when cut. */
int sb_result(const struct sbuf *sb);
/* The ABI name; NULL for a foreign arch (the caller prints the number). */
const char *record_abi_name(const struct log_record *r);
void sb_abi(struct sbuf *sb, const struct log_record *r);
/* The call as strace prints it, built from escaped pieces only. */
void sb_call(struct sbuf *sb, const struct log_record *r);
/* The decoder's view of a record (policy/argfmt.h): its ABI, its real
 * arguments, and the sockaddr copy of argument i if it has one. */
enum argfmt_abi record_abi(const struct log_record *r);
unsigned record_args(const struct log_record *r, struct argfmt_arg a[6]);
bool record_addr(const struct log_record *r, unsigned i, struct policy_sockaddr *ret);
bool record_path_differs(const struct log_record *r);
bool record_is_blocking(const struct log_record *r);
const char *record_decision_name(enum decision_kind k);

/* ---- text.c, json.c: the two formats ---- */
void text_build(struct sbuf *sb, const struct log_record *r, bool prefix);
int log_json_add(struct json_object *o, const char *key, struct json_object *v);
int log_json_time(const struct timespec *ts, char *buf, size_t size);
/* The record as a JSON object; the caller puts it. */
int log_json_build(const struct log_record *r, struct json_object **ret);

/* ---- audit.c: the audit sink ---- */
int audit_sink_open(struct logger *l, struct sink *s);
int audit_sink_enabled(struct mnl_socket *nl);
void audit_sink_value(FILE *f, const char *key, const char *v);
/* The writer's side: one user record. */
void audit_sink_send(struct sink *s, const char *text, size_t len);
/* The record as the audit sink sends it (without the netlink header). */
char *audit_sink_text(const struct log_record *r, size_t *ret_len);

/* ---- queue.c: a sink's queue and writer thread ---- */
struct sink *sink_new(struct logger *l, const char *name);
int sink_start(struct sink *s);
void sink_free(struct sink *s);
/* Queue e on s, taking its text in every case; 0, or -ENOBUFS when dropped
 * (counted). Takes s->lock; never does I/O. */
int queue_push(struct sink *s, struct entry *e, bool may_wait);
/* The caller holds s->lock. */
void queue_count_drop(struct sink *s);
void queue_entry_free(struct entry *e);
void queue_wake_all(atomic_uint *addr);
void queue_deadline_in(struct timespec *t, long ms);
bool queue_wait_drained(struct logger *l, const struct timespec *deadline);

/* ---- sink.c: opening a sink by name; what a writer does with an entry ---- */
/* Open s by its name (a name of policy_sink_names, else a file path); on the
 * opener's thread, before the writer starts. 0 or -errno. */
int sink_open(struct logger *l, struct sink *s);
void sink_put(struct sink *s, const struct entry *e);
void sink_put_loss(struct sink *s, const char *what, const char *about, uint64_t n);
void sink_failed(struct sink *s, int err);

/* ---- summary.c ---- */
/* The caller holds l->lock. */
void summary_count(struct summary *s, const struct log_record *r);
void summary_free(struct summary *s);
