/*
 * log/queue: each sink's bounded queue and writer thread; block and drop
 * when full, the counts of what was dropped, and the bounded drain at exit.
 * A deciding thread only ever queues here: it never does a sink's I/O.
 * Trusted side: the target can fill a queue (by making calls) or stall a
 * sink it shares, and neither holds a decision beyond block mode's wait.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "supervisor/log/diag.h"
#include "supervisor/log/internal.h"

/* ---- Sinks: a bounded queue and a writer thread each ----
 *
 * Why queues. A record used to be written under one mutex before its call
 * was answered, so whatever stalled one write stalled every decision: a full
 * pipe or a hung syslog held every session (every container under serve),
 * and in `sysgate run` the command itself could hold its supervisor, since
 * it shares sysgate's stderr: stopping the terminal (tcflow TCOOFF, Ctrl-S)
 * left sysgate in write(2), the call unanswered, and shutdown waiting on it.
 *
 * Now each sink has a queue of rendered lines and a thread of its own that
 * writes them in order. Deciding threads render the record (CPU only) and
 * append a copy to each queue under that sink's lock, which no one holds
 * across I/O. While a queue has room, a decision never waits for I/O.
 *
 * When a queue is full, the sink's mode decides:
 *   block: the deciding thread waits for room (nothing is lost). It waits on
 *          a futex, not a condition variable, so that session_stop's
 *          SIG_WAKE (a handler without SA_RESTART) ends the wait with EINTR:
 *          a stopping session is never held by a sink. Such a record, and
 *          any record that would have to wait once log_close() has begun,
 *          is dropped and counted like one in drop mode.
 *   drop:  the record is counted and dropped; the writer reports how many
 *          ("N records dropped") at the place they were lost: before the
 *          next record that made it, or as soon as the queue has drained,
 *          hence also at exit.
 *
 * Which sinks may block: reconciling issue 8 ("no write to a terminal or
 * pipe the target can stall may hold a decision or stop a shutdown") with
 * issue 9 ("log_full = block is the default: nothing is lost"). The stderr
 * sink, and any file sink that turns out to be a terminal, always drops,
 * whatever log_full says: in `run` the command shares that terminal (or
 * pipe) and can stall it at will, and a supervisor whose decisions wait on
 * its own target's terminal is not a supervisor. That costs only records,
 * each counted and reported once the sink moves, or on the other sinks at
 * exit. Every other sink (a file, a FIFO, syslog, audit) is the operator's
 * choice, not the command's, and blocks by default as issue 9 asks;
 * log_set_full() (the policy's `log_full`, serve's --log-full) can make them
 * drop. A blocking sink that stalls holds only the calls that log to it,
 * never the event loop (below) and never the exit (log_close).
 *
 * The thread that opened the logger never waits either: it is the event
 * loop (signals, the control socket, the ask queue's timers; under serve,
 * every container's handover), and a wait there would hold all of that. Its
 * records (settled asks) may go past a full queue by LOG_QUEUE_SLACK more;
 * past that they are dropped and counted.
 *
 * Order. Within a sink, records come out in the order they were queued: for
 * one session (one thread) that is the order its calls were decided, and a
 * record is queued before its call is answered. A record is no longer
 * *written* before the answer: what the target prints about the outcome may
 * reach a shared terminal first. Keeping "written before answered" would
 * mean waiting for the writer on every logged call (two more context
 * switches, and the write's own latency on a slow disk), which is the very
 * coupling the queues remove; it is not kept, in any mode. Between sinks, and
 * between two sessions' records, no order is promised beyond each sink's.
 *
 * Shutdown is never held. log_close() gives the writers LOG_DRAIN_MS in all
 * to write what is queued, then says on the sinks that did (or nowhere, if
 * none did) how many records each of the others lost, gives those notices a
 * short while, and returns. A writer still in write(2) then is abandoned,
 * not joined: it is detached and frees its sink itself if the write ever
 * returns. O_NONBLOCK is never set on stderr: that open file description is
 * the command's too, and the flag would change how its own writes behave.
 */

#ifndef FUTEX_WAIT_PRIVATE
#define FUTEX_WAIT_PRIVATE 128
#endif
#ifndef FUTEX_WAKE_PRIVATE
#define FUTEX_WAKE_PRIVATE 129
#endif

static int futex_wait_ms(atomic_uint *addr, unsigned val, int ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000};

	if (syscall(SYS_futex, addr, FUTEX_WAIT_PRIVATE, val, &ts, NULL, 0) < 0)
		return -errno;
	return 0;
}

void queue_wake_all(atomic_uint *addr)
{
	(void)syscall(SYS_futex, addr, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

void queue_deadline_in(struct timespec *t, long ms)
{
	clock_gettime(CLOCK_MONOTONIC, t);
	t->tv_sec += ms / 1000;
	t->tv_nsec += (ms % 1000) * 1000000;
	if (t->tv_nsec >= 1000000000) {
		t->tv_sec++;
		t->tv_nsec -= 1000000000;
	}
}

void queue_entry_free(struct entry *e)
{
	free(e->text);
	free(e->about);
	*e = (struct entry){};
}

/* ---- The queue ---- */

static bool queue_full(const struct sink *s, size_t len)
{
	if (s->count == 0)
		return false; /* one record of any size always fits */
	return s->count >= LOG_QUEUE_RECORDS || s->bytes + len > LOG_QUEUE_BYTES;
}

/* The caller holds s->lock. The writer says how many once it can. */
void queue_count_drop(struct sink *s)
{
	s->dropped_pending++;
	s->dropped_total++;
	s->drained = false;
	pthread_cond_signal(&s->work);
}

/* Append e; the caller holds s->lock and has checked the room. */
static void queue_put(struct sink *s, struct entry *e)
{
	size_t tail = (s->head + s->count) % s->ring_size;

	if (e->kind == ENTRY_RECORD) {
		/* The drops since the last record that made it are reported
		 * just before this one: where they were lost. */
		e->dropped_before = s->dropped_pending;
		s->dropped_pending = 0;
	}
	s->ring[tail] = *e;
	*e = (struct entry){};
	s->count++;
	s->bytes += s->ring[tail].len;
	s->drained = false;
	pthread_cond_signal(&s->work);
}

/*
 * Queue e on s (taking its text in every case). may_wait: the caller may
 * wait for room (a session thread in block mode). 0 when queued, -ENOBUFS
 * when dropped (counted).
 */
int queue_push(struct sink *s, struct entry *e, bool may_wait)
{
	int r = 0;

	pthread_mutex_lock(&s->lock);
	for (;;) {
		unsigned seq;
		int k;

		if (s->abandoned || s->exited) {
			r = -ENOBUFS;
			break;
		}
		if (!queue_full(s, e->len))
			break;
		/* Past full, within the slack: the event loop's records in block
		 * mode, and sysgate's own notices, which must not wait either. */
		if ((!may_wait && (s->full == LOG_FULL_BLOCK || e->kind != ENTRY_RECORD)) &&
		    s->count < s->ring_size)
			break;
		if (!may_wait || s->full != LOG_FULL_BLOCK || s->closing) {
			r = -ENOBUFS;
			break;
		}
		seq = atomic_load(&s->room_seq);
		s->waiters++;
		pthread_mutex_unlock(&s->lock);
		k = futex_wait_ms(&s->room_seq, seq, LOG_WAIT_SLICE_MS);
		pthread_mutex_lock(&s->lock);
		s->waiters--;
		if (k == -EINTR) {
			/* session_stop's SIG_WAKE: the session is ending; a
			 * stalled sink must not hold it. Counted below. */
			r = -ENOBUFS;
			break;
		}
	}
	if (r == 0)
		queue_put(s, e);
	else if (e->kind == ENTRY_RECORD)
		queue_count_drop(s);
	pthread_mutex_unlock(&s->lock);
	queue_entry_free(e);
	return r;
}

void sink_free(struct sink *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->count; i++)
		queue_entry_free(&s->ring[(s->head + i) % s->ring_size]);
	free(s->ring);
	if (s->owned)
		safe_close(s->fd);
	if (s->audit)
		mnl_socket_close(s->audit);
	free(s->name);
	pthread_cond_destroy(&s->work);
	pthread_cond_destroy(&s->idle);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

static void *sink_main(void *arg)
{
	struct sink *s = arg;
	bool abandoned;

	/* What this thread says about its sink (sink_failed) must not hold it:
	 * its queue would fill behind a stalled stderr. */
	diag_thread_nonblocking(true);
	pthread_mutex_lock(&s->lock);
	s->ready = true;
	pthread_cond_broadcast(&s->idle);
	while (!s->abandoned) {
		if (s->count > 0) {
			struct entry e = s->ring[s->head];

			s->ring[s->head] = (struct entry){};
			s->head = (s->head + 1) % s->ring_size;
			s->count--;
			s->bytes -= e.len;
			atomic_fetch_add(&s->room_seq, 1);
			if (s->waiters)
				queue_wake_all(&s->room_seq);
			s->busy = true;
			pthread_mutex_unlock(&s->lock);
			sink_put(s, &e);
			queue_entry_free(&e);
			pthread_mutex_lock(&s->lock);
			s->busy = false;
			continue;
		}
		if (s->dropped_pending > 0) {
			/* The sink moved again and nothing else is queued: say
			 * now how many were lost, not at the next record. */
			uint64_t n = s->dropped_pending;

			s->dropped_pending = 0;
			s->busy = true;
			pthread_mutex_unlock(&s->lock);
			sink_put_loss(s, "dropped", s->name, n);
			pthread_mutex_lock(&s->lock);
			s->busy = false;
			continue;
		}
		s->drained = true;
		pthread_cond_broadcast(&s->idle);
		if (s->quit)
			break;
		pthread_cond_wait(&s->work, &s->lock);
	}
	abandoned = s->abandoned;
	s->exited = true;
	pthread_cond_broadcast(&s->idle);
	pthread_mutex_unlock(&s->lock);
	/* log_close is gone: nobody else will ever touch this sink. */
	if (abandoned)
		sink_free(s);
	return NULL;
}

struct sink *sink_new(struct logger *l, const char *name)
{
	struct sink *s = calloc(1, sizeof(*s));
	pthread_condattr_t ca;

	if (!s)
		return NULL;
	s->fd = -1;
	s->fmt = l->fmt;
	s->records = true;
	s->full = LOG_FULL_BLOCK;
	s->drained = true;
	s->ring_size = LOG_QUEUE_RECORDS + LOG_QUEUE_SLACK;
	s->ring = calloc(s->ring_size, sizeof(*s->ring));
	s->name = strdup(name);
	pthread_mutex_init(&s->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->work, &ca);
	pthread_cond_init(&s->idle, &ca);
	pthread_condattr_destroy(&ca);
	if (!s->ring || !s->name) {
		sink_free(s);
		return NULL;
	}
	return s;
}

int sink_start(struct sink *s)
{
	sigset_t all, old;
	pthread_attr_t attr;
	int r;

	/* Every signal blocked: the process's signals belong to the main
	 * thread's signalfd, and the writer must never see EINTR loops. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	r = -pthread_create(&s->thread, &attr, sink_main, s);
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r == 0)
		s->started = true;
	return r;
}

/* Wait until every sink has drained (or exited), at most until deadline. */
bool queue_wait_drained(struct logger *l, const struct timespec *deadline)
{
	bool all = true;

	for (size_t i = 0; i < l->n_sinks; i++) {
		struct sink *s = l->sinks[i];

		pthread_mutex_lock(&s->lock);
		while (s->started && !s->exited && !(s->drained && !s->busy))
			if (pthread_cond_timedwait(&s->idle, &s->lock, deadline) == ETIMEDOUT)
				break;
		all = all && (!s->started || s->exited || (s->drained && !s->busy));
		pthread_mutex_unlock(&s->lock);
	}
	return all;
}

int log_flush(struct logger *l, int timeout_ms)
{
	struct timespec deadline;

	if (!l)
		return 0;
	queue_deadline_in(&deadline, timeout_ms);
	return queue_wait_drained(l, &deadline) ? 0 : -ETIMEDOUT;
}
