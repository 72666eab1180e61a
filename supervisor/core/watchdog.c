/*
 * watchdog: stalls. One thread for all sessions finds a serving worker
 * asleep in the target's memory (or a file system that never answers),
 * answers that call itself and puts a fresh worker in its place (trusted
 * side; the target chooses what backs the memory we read, so a read may
 * never return).
 *
 * wd_lock guards wd_sessions and wd_running, and each watched session's cur,
 * stuck and wd_buf. It is taken by the watchdog on every tick and by a
 * session's owner in watch_start and watch_stop; never by a worker, so no
 * decision waits for it. Under it the watchdog, for a stalled call only,
 * reads /proc/TID/exe, writes one record (log_emit: with log_full = block a
 * full sink makes it wait), kills the caller if it stalls again, sends one
 * NOTIF_SEND and starts a fresh worker. The owner then waits in watch_stop
 * for as long: the session must not be freed while the watchdog answers
 * for it.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sg-seccomp.h"
#include "supervisor/core/session-internal.h"

/*
 * Stalls: memory that never arrives.
 *
 * A worker asleep in a read of target memory (see target.h), or in the walk
 * of a call's path (or the emulated call itself) through a FUSE mount whose
 * daemon never answers, holds up every call of its session, since the
 * listener has one serving thread. Those spans are guarded alike. A single
 * watchdog thread, for all sessions, looks every WATCHDOG_TICK_MS at each
 * session's worker; one whose current read began more than SESSION_STALL_MS
 * ago is abandoned: the watchdog answers its call itself and starts a fresh
 * worker, so the session's other calls wait at most that bound and are then
 * served at their usual pace. The abandoned thread cannot be woken (the sleep
 * is killable only); it ends by itself if the page ever arrives or its
 * userfaultfd is released (usually: the target dies), and it never touches
 * the session again.
 *
 * Why a watchdog and not a reader thread per read: a hand-off to another
 * thread costs two wake-ups per read, each a cross-CPU wake-up on these
 * machines (tens of microseconds, more than the whole round trip); the
 * guard costs two atomic operations. Only a stall pays for a thread.
 *
 * What the target sees: EFAULT, what the kernel answers for memory it cannot
 * read, and a record "target memory did not arrive within 1 s" (EIO and "a
 * file system on the path did not answer" for a path walk; the call is
 * not decided: it fails closed, in complain mode too, since the policy never
 * saw it). A legitimately slow page (a FUSE file on a slow network) gets an
 * error it can retry. A process that stalls again while an abandoned reader
 * of its session still sleeps (SESSION_STALLS_FORGIVEN) is killed: that is
 * an attack or a program that cannot work here, and its death is what most
 * often releases the sleeping readers. A session with SESSION_STUCK_MAX
 * readers asleep at once (the userfaultfd handed to a process that outlives
 * the killed ones) ends with EDEADLK: `run` then kills the tree, `serve`
 * ends the sandbox's session. Threads are never spent without bound.
 *
 * A thread abandoned in a memory read never runs session code again: the
 * read's own end ends it. One abandoned in a path walk runs on to the next
 * end of a span once the file system answers, inside code that reads the
 * session (its view, listener, policy) and writes only its own: such a
 * worker is marked may_touch, and the session is not freed (session_stop_
 * timed says -EBUSY; serve reaps it later or leaks it) until it has ended.
 */
#define SESSION_STALL_MS 1000 /* said as "1 s" in the record below */
#define SESSION_STALL_WHY "stall: target memory did not arrive within 1 s"
#define SESSION_STALL_FILES_WHY "stall: a file system on the path did not answer within 1 s"
#define WATCHDOG_TICK_MS 100
#define SESSION_STALLS_FORGIVEN 1
#define SESSION_STUCK_MAX 8

static pthread_mutex_t wd_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wd_cond = PTHREAD_COND_INITIALIZER;
static struct session *wd_sessions; /* watched: started and not stopping */
static bool wd_running;

void worker_abandoned(struct target_guard *g)
{
	struct worker *w = (struct worker *)g;

	/* Its open directories and copied groups; the credentials it took on
	 * die with the thread. */
	if (w->em)
		emulate_done(w->em);
	/* Whoever abandoned us gave this thread a reference and detached it. */
	atomic_store(&w->ended, true);
	worker_unref(w);
	pthread_exit(NULL);
}

/* The abandoned worker w becomes the session's to forget (the thread holds
 * its own reference, taken here). Caller: the one that abandoned it. */
void worker_forget(struct session *s, struct worker *w)
{
	atomic_fetch_add(&w->refs, 1);
	pthread_detach(w->thread);
	w->running = false;
	/* Asleep in a memory read, it ends at that read's end; asleep in a
	 * path walk, it runs on to the next end of a span (see target.h). */
	w->may_touch = atomic_load(&w->guard.what) == TARGET_STALL_FILES;
	w->next = s->stuck;
	s->stuck = w;
	if (s->cur == w)
		s->cur = NULL;
}

/* Abandoned readers of s still asleep; drops the ones that have ended. */
static unsigned stuck_count(struct session *s)
{
	unsigned n = 0;

	for (struct worker **pp = &s->stuck; *pp;) {
		struct worker *w = *pp;

		if (atomic_load(&w->ended)) {
			*pp = w->next;
			worker_unref(w);
		} else {
			n++;
			pp = &w->next;
		}
	}
	return n;
}

/* What the target gets for a call whose span stalled. */
int stall_errno(struct worker *w)
{
	return atomic_load(&w->guard.what) == TARGET_STALL_FILES ? EIO : EFAULT;
}

/* Answer the call an abandoned worker was reading for, with its record.
 * Under wd_lock (see the top of the file for what that costs). */
static void answer_stalled(struct session *s, struct worker *w, bool kill)
{
	const struct seccomp_notif *req = w->buf->req;
	/* Not decided: the policy never saw the call. Fails closed, in
	 * complain mode too; a kill is for a caller that stalls again. */
	struct answer_plan plan = {kill ? ANSWER_KILL : ANSWER_ERRNO, stall_errno(w), false};
	struct log_record rec = {};
	char exe[TARGET_PATH_MAX];
	char *name = NULL;
	int nr;
	enum call_abi abi = call_abi_of(req->data.arch, req->data.nr, &nr);

	if (s->log) {
		clock_gettime(CLOCK_REALTIME, &rec.time);
		rec.pid = w->tid;
		rec.container = s->container;
		rec.pod = s->pod;
		/* /proc/tid/exe does not touch the target's memory. */
		rec.exe = target_exe(w->tid, exe, sizeof(exe)) == 0 ? exe : NULL;
		rec.arch = req->data.arch;
		rec.x32 = abi == CALL_ABI_X32;
		rec.nr = nr;
		name = decode_syscall_name(abi, nr);
		rec.syscall = name;
		rec.shape = name ? policy_syscall_shape(name) : NULL;
		memcpy(rec.args, req->data.args, sizeof(rec.args));
		if (abi == CALL_ABI_I386)
			for (int i = 0; i < 6; i++)
				rec.args[i] &= 0xffffffffu;
		rec.decision = kill ? DECISION_KILL : DECISION_DENY;
		rec.err = kill ? 0 : stall_errno(w);
		rec.rule = stall_errno(w) == EIO ? SESSION_STALL_FILES_WHY : SESSION_STALL_WHY;
		rec.enforced = true;
		log_emit(s->log, &rec);
		free(name);
	}
	(void)answer_send(&plan, 0, s->listener, s->wd_buf, w->id, w->tid);
}

/* Under wd_lock. */
static void watch(struct session *s, uint64_t now)
{
	struct worker *w = s->cur, *fresh = NULL;
	unsigned stuck = stuck_count(s);
	int r;

	if (!w || !target_guard_expire(&w->guard, now, SESSION_STALL_MS * 1000000ull))
		return;
	/* The call is ours now; w's thread never comes back to it. */
	worker_forget(s, w);
	answer_stalled(s, w, stuck >= SESSION_STALLS_FORGIVEN);
	if (++stuck >= SESSION_STUCK_MAX) {
		session_fail(s, -EDEADLK);
		return;
	}
	r = worker_new(&fresh);
	if (r == 0) {
		worker_install(s, fresh);
		r = worker_start(s, fresh);
	}
	if (r < 0) {
		s->cur = NULL;
		worker_unref(fresh);
		session_fail(s, r);
	}
}

static void *watchdog_thread(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&wd_lock);
	for (;;) {
		struct timespec tick = {.tv_nsec = WATCHDOG_TICK_MS * 1000000l};
		uint64_t now;

		while (!wd_sessions)
			pthread_cond_wait(&wd_cond, &wd_lock);
		now = target_now_ns();
		for (struct session *s = wd_sessions; s; s = s->wd_next)
			watch(s, now);
		pthread_mutex_unlock(&wd_lock);
		nanosleep(&tick, NULL);
		pthread_mutex_lock(&wd_lock);
	}
	return NULL;
}

int watch_start(struct session *s)
{
	int r = 0;

	pthread_mutex_lock(&wd_lock);
	if (!wd_running) {
		pthread_t t;

		r = thread_create(&t, watchdog_thread, NULL);
		if (r == 0) {
			pthread_detach(t);
			wd_running = true;
		}
	}
	if (r == 0) {
		s->wd_next = wd_sessions;
		wd_sessions = s;
		s->watched = true;
		pthread_cond_signal(&wd_cond);
	}
	pthread_mutex_unlock(&wd_lock);
	return r;
}

/* After this the watchdog never looks at s again. */
void watch_stop(struct session *s)
{
	pthread_mutex_lock(&wd_lock);
	if (s->watched)
		for (struct session **pp = &wd_sessions; *pp; pp = &(*pp)->wd_next)
			if (*pp == s) {
				*pp = s->wd_next;
				break;
			}
	s->watched = false;
	pthread_mutex_unlock(&wd_lock);
}
