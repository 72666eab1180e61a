/*
 * session: the life of one supervised sandbox (trusted side): made and
 * started by its owner (run's or serve's main thread), served by one worker
 * thread at a time that handles calls (call.c) until it is stopped, replaced
 * by a fresh worker when the watchdog abandons a stalled one (watchdog.c).
 * What each thread may touch is in session-internal.h.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "sg-util.h"
#include "supervisor/core/session-internal.h"

/* Interrupts a session thread blocked in NOTIF_RECV, so that it sees stop. */
#define SIG_WAKE (SIGRTMIN + 3)

struct worker *worker_unref(struct worker *w)
{
	if (w && atomic_fetch_sub(&w->refs, 1) == 1) {
		notify_buf_free(w->buf);
		free(w->scratch);
		free(w);
	}
	return NULL;
}

/* A worker with its own buffers, not yet running: one reference. */
int worker_new(struct worker **ret)
{
	struct worker *w = calloc(1, sizeof(*w));
	int r;

	if (!w)
		return -ENOMEM;
	atomic_init(&w->refs, 1);
	atomic_init(&w->guard.since, TARGET_GUARD_IDLE);
	w->guard.abandoned = worker_abandoned;
	r = notify_buf_new(&w->buf);
	w->scratch = malloc(sizeof(*w->scratch));
	if (r < 0 || !w->scratch) {
		worker_unref(w);
		return r < 0 ? r : -ENOMEM;
	}
	*ret = w;
	return 0;
}

/* Make w the session's serving worker (before its thread starts). */
void worker_install(struct session *s, struct worker *w)
{
	s->cur = w;
	s->buf = w->buf;
	s->scratch = w->scratch;
}

int session_new(int listener, const struct session_config *cfg, struct session **ret)
{
	struct worker *w = NULL;
	struct session *s = calloc(1, sizeof(*s));
	int r;

	if (!s)
		return -ENOMEM;
	s->listener = listener;
	s->done_fd = -1;
	s->policy = cfg->policy;
	s->mode = cfg->mode;
	s->log = cfg->log;
	s->asks = cfg->asks;
	if (cfg->view) {
		s->view = *cfg->view;
		s->have_view = true;
	}
	pthread_mutex_init(&s->seen_lock, NULL);
	if (cfg->exec_notified && policy_notifies_exec(cfg->policy))
		s->exes = exe_cache_new(); /* NULL: read per call */
	{
		/* An id for the session's records: random, so that two runs, or
		 * two sandboxes of one serve, never share one. */
		unsigned char raw[8] = {0};

		if (getrandom(raw, sizeof(raw), GRND_NONBLOCK) != (ssize_t)sizeof(raw)) {
			struct timespec t;

			clock_gettime(CLOCK_MONOTONIC, &t);
			memcpy(raw, &t.tv_nsec, sizeof(t.tv_nsec) < 8 ? sizeof(t.tv_nsec) : 8);
			raw[7] ^= (unsigned char)getpid();
		}
		for (size_t i = 0; i < sizeof(raw); i++)
			snprintf(s->id + 2 * i, 3, "%02x", raw[i]);
	}
	if ((cfg->container && !(s->container = strdup(cfg->container))) ||
	    (cfg->pod && !(s->pod = strdup(cfg->pod)))) {
		r = -ENOMEM;
		goto fail;
	}
	r = worker_new(&w);
	if (r < 0)
		goto fail;
	worker_install(s, w);
	r = notify_buf_new(&s->wd_buf);
	if (r < 0)
		goto fail;
	for (int i = 0; i < CALL_N_ABI; i++) {
		s->table[i] = calloc(MAX_NR, sizeof(struct sysent));
		if (!s->table[i]) {
			r = -ENOMEM;
			goto fail;
		}
	}
	/* Best effort: older kernels lack it and are merely slower. */
	(void)notify_set_sync_wakeup(listener);
	*ret = s;
	return 0;
fail:
	s->listener = -1; /* the caller keeps ownership on failure */
	session_free(s);
	return r;
}

void session_free(struct session *s)
{
	if (!s)
		return;
	/* A thread that does not end still uses the session: leak it rather
	 * than free what it holds (serve says so). */
	if (session_stop_timed(s, SESSION_STOP_MS) < 0)
		return;
	free(s->container);
	free(s->pod);
	safe_close(s->done_fd);
	safe_close(s->listener);
	/* Abandoned workers whose threads still sleep keep their own reference:
	 * the last of the two frees them. */
	worker_unref(s->cur);
	while (s->stuck) {
		struct worker *w = s->stuck;

		s->stuck = w->next;
		worker_unref(w);
	}
	notify_buf_free(s->wd_buf);
	exe_cache_free(s->exes);
	for (int i = 0; i < CALL_N_ABI; i++) {
		if (!s->table[i])
			continue;
		for (int nr = 0; nr < MAX_NR; nr++)
			free(s->table[i][nr].name);
		free(s->table[i]);
	}
	free(s);
}

int session_fd(const struct session *s)
{
	return s->listener;
}

void session_stats(const struct session *s, struct session_stats *ret)
{
	*ret = s->stats;
}

/* The session cannot go on serving: its owner learns it from done_fd. */
void session_fail(struct session *s, int err)
{
	uint64_t one = 1;
	ssize_t k;

	s->error = err;
	k = write(s->done_fd, &one, sizeof(one));
	(void)k;
}

/* Create a thread with every signal blocked (the process's signals belong
 * to the main thread's signalfd; a worker unblocks SIG_WAKE itself). */
int thread_create(pthread_t *t, void *(*fn)(void *), void *arg)
{
	pthread_attr_t attr;
	sigset_t all, old;
	int r;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	r = -pthread_create(t, &attr, fn, arg);
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return r;
}

static void on_wake(int sig)
{
	(void)sig;
}

struct worker_arg {
	struct session *s;
	struct worker *w;
};

static void *session_thread(void *arg)
{
	struct worker_arg a = *(struct worker_arg *)arg;
	struct session *s = a.s;
	uint64_t one = 1;
	sigset_t m;

	free(arg);
	sigemptyset(&m);
	sigaddset(&m, SIG_WAKE);
	pthread_sigmask(SIG_UNBLOCK, &m, NULL);
	target_guard_set(&a.w->guard);
	/* Our own umask, cwd and root, for emulation in a target's context. */
	if (unshare(CLONE_FS) < 0) {
		s->error = -errno;
		goto out;
	}
	emulate_own_fs();
	while (!atomic_load(&s->stop)) {
		int r = session_handle(s);

		if (r < 0) {
			s->error = r;
			break;
		}
	}
out:
	if (!atomic_load(&s->stop)) {
		ssize_t k = write(s->done_fd, &one, sizeof(one));
		(void)k;
	}
	return NULL;
}

int worker_start(struct session *s, struct worker *w)
{
	struct worker_arg *a = malloc(sizeof(*a));
	int r;

	if (!a)
		return -ENOMEM;
	*a = (struct worker_arg){.s = s, .w = w};
	r = thread_create(&w->thread, session_thread, a);
	if (r < 0) {
		free(a);
		return r;
	}
	w->running = true;
	return 0;
}

int session_start(struct session *s, int *ret_done_fd)
{
	struct sigaction sa = {.sa_handler = on_wake}; /* no SA_RESTART: RECV returns EINTR */
	int r;

	if (s->started)
		return -EBUSY;
	if (sigaction(SIG_WAKE, &sa, NULL) < 0)
		return -errno;
	s->done_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (s->done_fd < 0)
		return -errno;
	r = worker_start(s, s->cur);
	if (r < 0)
		return r;
	s->started = true;
	r = watch_start(s);
	if (r < 0) {
		session_stop(s);
		return r;
	}
	*ret_done_fd = s->done_fd;
	return 0;
}

int session_stop_timed(struct session *s, unsigned wait_ms)
{
	uint64_t end;
	struct worker *w;

	if (!s)
		return 0;
	if (!s->started)
		goto abandoned;
	watch_stop(s); /* from here s->cur is ours alone */
	atomic_store(&s->stop, true);
	w = s->cur;
	end = target_now_ns() + (uint64_t)wait_ms * 1000000u;
	while (w && w->running) {
		struct timespec t;

		/* The signal may land just before the thread blocks in RECV:
		 * repeat until it has gone. */
		pthread_kill(w->thread, SIG_WAKE);
		clock_gettime(CLOCK_REALTIME, &t);
		t.tv_nsec += 10 * 1000 * 1000;
		if (t.tv_nsec >= 1000000000) {
			t.tv_sec++;
			t.tv_nsec -= 1000000000;
		}
		if (pthread_timedjoin_np(w->thread, NULL, &t) == 0) {
			w->running = false;
			break;
		}
		if (target_guard_expire(&w->guard, UINT64_MAX, 0)) {
			/* Asleep in a read of target memory: it would never
			 * end on our signal. Abandon it, and answer its call
			 * (closing the listener would give it ENOSYS). */
			worker_forget(s, w);
			(void)notify_send_errno(s->listener, s->wd_buf, w->id, stall_errno(w));
			break;
		}
		if (target_now_ns() >= end)
			return -EBUSY;
	}
	s->started = false;
abandoned:
	/* An abandoned thread that may still read the session (it stalled in
	 * a path walk, and runs on to the end of its span once that returns)
	 * keeps it from being freed. */
	for (struct worker *a = s->stuck; a; a = a->next)
		if (a->may_touch && !atomic_load(&a->ended))
			return -EBUSY;
	return 0;
}

void session_stop(struct session *s)
{
	(void)session_stop_timed(s, SESSION_STOP_MS);
}

int session_error(const struct session *s)
{
	return s->error;
}
