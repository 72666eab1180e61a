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

#include "sg-util.h"
#include "supervisor/log/log.h"

/* Trusted application message: freestyle text (linux/audit.h, 1121). */
#ifndef AUDIT_TRUSTED_APP
#define AUDIT_TRUSTED_APP 1121
#endif

#ifndef AUDIT_ARCH_X86_64
#define AUDIT_ARCH_X86_64 0xc000003eU
#endif
#ifndef AUDIT_ARCH_I386
#define AUDIT_ARCH_I386 0x40000003U
#endif

struct sbuf {
	char *p;
	size_t size;
	size_t len; /* the full length; may exceed size - 1, then the text is cut */
};

/* Plain, and "/" left as it is: paths stay readable and still parse back the same. */
#define JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

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
 * One sink. Its lock guards everything below it; it is held only to move
 * entries and flags, never across I/O or a wait (the emitter's futex wait
 * and the writer's condition wait release it).
 */
struct sink {
	struct logger *l; /* for sysgate's own notices; not used once abandoned */
	enum sink_kind kind;
	enum log_format fmt;
	int fd;
	bool owned;   /* fd is ours to close */
	bool shared;  /* stderr or a terminal: the command may stall it */
	bool records; /* takes decision records (the internal stderr does not) */
	char *name;
	struct mnl_socket *audit; /* SINK_AUDIT; NULL when unavailable */
	int open_err;		  /* ... and why */
	unsigned audit_seq;

	pthread_t thread;
	bool started;
	pthread_mutex_t lock;
	pthread_cond_t work;  /* the writer waits for entries (or quit) */
	pthread_cond_t idle;  /* log_flush/log_close wait for drained or exited */
	atomic_uint room_seq; /* futex: bumped when an entry leaves the queue */
	unsigned waiters;     /* emitters waiting for room */

	enum log_full full;
	struct entry *ring;
	size_t ring_size, head, count, bytes;
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

struct logger {
	/* The summary is counted under this lock (sessions run on threads). */
	pthread_mutex_t lock;
	enum log_format fmt;
	size_t n_sinks;
	struct sink **sinks;
	struct sink *err; /* where sysgate's notices and the summary go: stderr */
	pthread_t owner;  /* the thread that opened it: never waits */
	bool syslog_open;
	bool summary_on;
	struct summary summary;
};

/* record.c */
void sb_init(struct sbuf *sb, char *buf, size_t size);
/* record.c */
void sb_put(struct sbuf *sb, const char *s, size_t n);
/* record.c */
void sb_puts(struct sbuf *sb, const char *s);
/* record.c */
void sb_printf(struct sbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* record.c */
void sb_escape(struct sbuf *sb, const char *s, size_t n);
/* record.c */
int sb_result(const struct sbuf *sb);
/* record.c */
const char *arch_name(const struct log_record *r);
/* record.c */
void sb_arch(struct sbuf *sb, const struct log_record *r);
/* record.c */
void sb_call(struct sbuf *sb, const struct log_record *r);
/* record.c */
bool path_differs(const struct log_record *r);
/* record.c */
bool is_blocking(const struct log_record *r);
/* record.c */
const char *decision_name(enum decision_kind k);
/* audit.c */
int audit_enabled(struct mnl_socket *nl);
/* audit.c */
void audit_value(FILE *f, const char *key, const char *v);
/* audit.c */
void audit_send(struct sink *s, const char *text, size_t len);
/* audit.c */
char *audit_text(const struct log_record *r, size_t *ret_len);
/* queue.c */
void futex_wake_all(atomic_uint *addr);
/* queue.c */
void deadline_in(struct timespec *t, long ms);
/* queue.c */
void count_drop(struct sink *s);
/* queue.c */
int sink_push(struct sink *s, struct entry *e, bool may_wait);
/* queue.c */
void sink_free(struct sink *s);
/* queue.c */
struct sink *sink_new(struct logger *l, const char *name);
/* queue.c */
int sink_start(struct sink *s);
/* queue.c */
bool wait_drained(struct logger *l, const struct timespec *deadline);
/* queue.c */
void entry_free(struct entry *e);
/* summary.c */
void summary_count(struct summary *s, const struct log_record *r);
/* summary.c */
void summary_free(struct summary *s);
/* sink.c */
void notice(struct logger *l, const char *text);
/* sink.c */
void sink_put_loss(struct sink *s, const char *what, const char *about, uint64_t n);
/* sink.c */
void sink_put(struct sink *s, const struct entry *e);
/* sink.c */
void sink_failed(struct sink *s, int err);
/* json.c */
int jadd(struct json_object *o, const char *key, struct json_object *v);
/* json.c */
int format_time(const struct timespec *ts, char *buf, size_t size);
/* json.c */
int json_build(const struct log_record *r, struct json_object **ret);
/* text.c */
void format_text(struct sbuf *sb, const struct log_record *r, bool prefix);
