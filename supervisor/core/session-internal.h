#pragma once
/*
 * session-internal: what the files of one session share (core/ only, never
 * included outside it). The trusted side's per-listener state, the threads
 * that serve it, and the context of the one call being handled.
 *
 *   session.c   a session's life: new, start, stop, free; its serving thread
 *   watchdog.c  stalls: a worker asleep in the target's memory is replaced
 *   decode.c    the call's ABI and number → name, shape, section (multiplex)
 *   gather.c    what the rules need from the target, read once (path, exe,
 *               emulation's open)
 *   call.c      one call's pipeline: decode → gather → decide → settle an
 *               ask → record → answer (answer.c)
 *
 * Threads (who touches what; see each struct):
 *   - the owner: the thread that made the session (run's or serve's main
 *     thread). Only it calls session_new/start/stop/free.
 *   - the serving worker (s->cur): one thread at a time blocked in
 *     NOTIF_RECV, deciding calls. It takes no lock of its own; the only
 *     locks a decision may wait for are the logger's (log_emit) and the ask
 *     queue's (ask_remembered, ask_queue_add: ask.c says what runs under it).
 *   - the watchdog (one for all sessions, watchdog.c) under wd_lock.
 *   - abandoned workers: asleep in the kernel; they never touch the session
 *     again, except one abandoned in a path walk (may_touch), which reads it
 *     until the end of its span and then ends.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "policy/policy.h"
#include "supervisor/core/answer.h"
#include "supervisor/core/notify.h"
#include "supervisor/core/session.h"
#include "supervisor/emulate/emulate.h"
#include "supervisor/target/exe-cache.h"
#include "supervisor/target/target.h"

#define MAX_NR 1024
/* Processes whose command line records have given, per session (a ring). */
#define SESSION_SEEN 256
/* How long session_stop() and session_free() wait for a serving thread that
 * is not asleep in a read of target memory (one that is, is abandoned at
 * once: see watchdog.c). */
#define SESSION_STOP_MS 2000

/* What a syscall number means in one ABI, resolved once per session. Written
 * only by the serving worker (lookup), before any guarded span. */
struct sysent {
	bool resolved;
	char *name; /* NULL: unknown to libseccomp */
	const struct syscall_shape *shape;
	const struct section *section;
	bool emulates;			   /* calls go through emulation (see section_emulates) */
	const struct newer_syscall *newer; /* newer than libseccomp: sysgate's own table */
};

/* Everything read from the target for one call, in supervisor memory. The
 * serving worker's own (worker->scratch): an abandoned worker keeps it. */
struct call_data {
	char raw[TARGET_PATH_MAX]; /* the first path argument, as passed */
	bool raw_ok;
	char path[TARGET_PATH_MAX]; /* resolved */
	char exe[TARGET_PATH_MAX];
	bool exe_ok;
	char strs[3][TARGET_PATH_MAX]; /* other string arguments, for the log only */
	char name[TARGET_PATH_MAX];    /* the xattr name a name condition judged */
	char via[40];		       /* the multiplexer that carried the call, or "" */
	struct log_addr addr;	       /* connect/bind/sendto's sockaddr: for the record only */
	char why[200];		       /* the record's why, or "" */
};

/*
 * A thread that serves the session's listener. A session has one at a time
 * (s->cur); a worker whose read of target memory outlives its bound is
 * abandoned (see target.h and watchdog.c) and a fresh one takes over.
 * Everything a worker writes while it reads is its own (buf, scratch), so the
 * abandoned one can go on sleeping in the kernel, and one day wake up and
 * end, without touching the session: it may be long gone by then (except
 * after a stall in a path walk, see may_touch).
 */
struct worker {
	struct target_guard guard; /* first: the abandoned() callback finds us */
	struct notify_buf *buf;
	struct call_data *scratch;
	/* The call being handled, for the watchdog: written by the thread
	 * before it reads (before guard.since, which publishes them). */
	uint64_t id;
	pid_t tid;
	/* The call's emulation state, on this thread's stack in session_handle,
	 * where every guarded span lies: released if the thread is abandoned. */
	struct emulate *em;
	pthread_t thread;
	bool running;	     /* a thread was started for it */
	atomic_int refs;     /* the thread's and the session's */
	atomic_bool ended;   /* an abandoned thread has woken up and ended */
	bool may_touch;	     /* abandoned in a span that reads the session
			      * (target_guard_enter): free it only once ended */
	struct worker *next; /* in the session's list of abandoned workers */
};

/*
 * One supervised sandbox. Owned by the owner thread (above). Which thread
 * writes what:
 *   listener, policy, mode, log, asks, container, pod: set by session_new,
 *     read-only afterwards (the worker and the watchdog read them);
 *   view, have_view: set once, by the first call's worker when the session
 *     has no view of its own (serve), before any guarded span; read-only then;
 *   buf, scratch, table: the serving worker's (s->cur's buffers);
 *   stop: the owner's (atomic); error and stats: the serving worker's (or
 *     the watchdog's, then done_fd says so), read by the owner after done_fd
 *     or as counters (session_stats: 64-bit words, never torn here);
 *   cur, stuck, wd_buf: under wd_lock while the session is watched, and the
 *     owner's alone otherwise (watchdog.c).
 * No lock is ever held by the worker while it decides.
 */
struct session {
	int listener;
	const struct policy *policy;
	enum policy_mode mode;
	struct logger *log;
	struct ask_queue *asks;
	struct target_view view;
	bool have_view;
	char *container, *pod;
	struct notify_buf *buf;
	struct sysent *table[CALL_N_ABI]; /* [MAX_NR] each, filled lazily */
	struct call_data *scratch;	  /* one call's copies; reused, never zeroed whole */
	bool started;
	atomic_bool stop;
	int done_fd; /* eventfd: the thread ended on its own */
	int error;
	struct session_stats stats;
	struct worker *cur;	   /* the worker serving the listener now */
	struct worker *stuck;	   /* abandoned, their threads still asleep or gone */
	struct notify_buf *wd_buf; /* the watchdog's, to answer a stalled call */
	struct session *wd_next;
	bool watched;

	/* Records (call.c): the session's id, and the processes whose command
	 * line a record has given already (tgid and start time, so a reused
	 * pid is new). Touched by the serving worker only, under seen_lock
	 * (a replaced worker may still be finishing a record). */
	char id[17];
	pthread_mutex_t seen_lock;
	/* Executables learnt per exec (target/exe-cache.h), when the filter
	 * notifies every exec; NULL: /proc/TID/exe is read per call. */
	struct exe_cache *exes;
	struct {
		pid_t tgid;
		unsigned long long start;
	} seen[SESSION_SEEN];
	size_t n_seen, next_seen;
};

/*
 * One notified call on its way through the pipeline (call.c), on the
 * serving worker's stack: nothing in it outlives the call, except what
 * queue_ask copies into an ask item.
 */
struct call_ctx {
	struct session *s;
	const struct seccomp_notif *req; /* in the worker's buffer, until the next recv */
	uint64_t id;
	pid_t tid; /* a thread id: cwd, root and fds are per thread */
	enum call_abi abi;
	int nr;			/* in abi, without the x32 bit */
	const struct sysent *e; /* what the call is decided as (its own, or carried) */
	struct sysent carried;	/* i386 socketcall/ipc: the call they carry */
	struct call c;		/* what the matcher sees */
	struct call_data *d;	/* the worker's scratch */
	struct emulate em;	/* emulation's open directories and credentials */
	bool read_memory;	/* read from the target: ID_VALID before acting on it */
	struct decision dec;
	const char *ask_by; /* an ask, settled by: "remembered", "complain", ... */
	size_t nth;	    /* ... by an `always` answer's rule: its write-back (ask.h) */
};

/* decode.c */
/* Fill x from the notification in s->buf: ABI, entry, the call's registers
 * (and, for i386's multiplexers, the call they carry). false if the call was
 * answered already (an ABI we do not know, a view we cannot load): EPERM. */
bool decode_call(struct call_ctx *x);
/* libseccomp's name of nr (without the x32 bit) in abi, malloc'd; NULL if it
 * has none (then policy_newer_syscall may know it). */
char *decode_syscall_name(enum call_abi abi, int nr);

/* gather.c */
/* The emulated families: read the path once, open what the call acts on as
 * the target would, take on its credentials, resolve. false if the call went
 * away (ID_VALID after the open under /proc/TID). */
bool gather_emulated(struct call_ctx *x);
/* Every other call: the path, the exe and the values in memory its section's
 * rules need, each read once (x->read_memory says whether any was). */
void gather_plain(struct call_ctx *x);
/* The string arguments, for the record only (display; never decided on). */
void gather_strings(struct call_ctx *x, struct log_record *rec);

/* session.c, for watchdog.c */
struct worker *worker_unref(struct worker *w);
int worker_new(struct worker **ret);
void worker_install(struct session *s, struct worker *w);
int worker_start(struct session *s, struct worker *w);
/* Create a thread with every signal blocked. */
int thread_create(pthread_t *t, void *(*fn)(void *), void *arg);
/* The session cannot go on serving: its owner learns it from done_fd. */
void session_fail(struct session *s, int err);

/* watchdog.c, for session.c */
void worker_abandoned(struct target_guard *g);
void worker_forget(struct session *s, struct worker *w);
int stall_errno(struct worker *w);
int watch_start(struct session *s);
void watch_stop(struct session *s);
