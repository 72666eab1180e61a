/*
 * log: the logger, one record per decision queued on every sink (log_open,
 * log_emit, log_close). The room's other files: record.c, text.c and json.c
 * format a record; queue.c is each sink's queue and writer thread (its
 * comment says why, which order is kept and how exit is bounded); sink.c
 * opens sinks and does their I/O, audit.c the audit one; summary.c counts.
 *
 * Trust: every string in a record that came from the target (exe, resolved
 * path, raw string arguments) is attacker-controlled. The text form passes
 * each through log_escape(), so only printable ASCII reaches a terminal or a
 * file; the JSON form first makes them valid UTF-8 without C1 controls and
 * then lets json-c escape the C0 controls. The call string is built from
 * escaped pieces only, so it is plain ASCII in both forms.
 *
 * Nothing here may let the target stop the supervisor: a sink that fails
 * (EPIPE, ENOSPC) is counted and reported once, never retried in a loop, a
 * record too long for the stack buffer goes through the heap instead of
 * being cut, and a sink that stalls (a stopped terminal, a full pipe, a hung
 * syslog) stalls only its own writer thread.
 */

#include <errno.h>
#include <libmnl/libmnl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include "supervisor/log/diag.h"
#include "supervisor/log/internal.h"

/* Records up to this size are formatted on the stack; longer ones on the heap. */
#define LINE_STACK 8192

/* The loss of one stuck sink, said on every sink that moves. */
static void report_lost(struct logger *l, const struct sink *stuck, uint64_t n)
{
	for (size_t i = 0; i < l->n_sinks; i++) {
		struct sink *s = l->sinks[i];
		struct entry e = {.kind = ENTRY_LOST, .count = n};

		if (s == stuck || !s->started)
			continue;
		pthread_mutex_lock(&s->lock);
		if (!s->drained || s->busy || s->exited) {
			pthread_mutex_unlock(&s->lock);
			continue;
		}
		pthread_mutex_unlock(&s->lock);
		e.about = strdup(stuck->name);
		if (e.about)
			queue_push(s, &e, false);
	}
}

/* From here on no one waits for room, and every writer ends once it has
 * written what is queued. */
static void close_begin(struct logger *l)
{
	for (size_t i = 0; i < l->n_sinks; i++) {
		struct sink *s = l->sinks[i];

		pthread_mutex_lock(&s->lock);
		s->closing = true;
		atomic_fetch_add(&s->room_seq, 1);
		if (s->waiters)
			queue_wake_all(&s->room_seq);
		pthread_mutex_unlock(&s->lock);
	}
}

/* The records a sink that has not drained will lose (0 if it drained). */
static uint64_t sink_losing(struct sink *s)
{
	uint64_t lost = 0;

	pthread_mutex_lock(&s->lock);
	if (s->started && !s->exited && !(s->drained && !s->busy)) {
		lost = s->dropped_pending;
		for (size_t k = 0; k < s->count; k++)
			lost += s->ring[(s->head + k) % s->ring_size].kind == ENTRY_RECORD;
		lost += s->busy; /* the one in write(2) may never arrive */
	}
	pthread_mutex_unlock(&s->lock);
	return lost;
}

/* Join a writer that ended and free its sink, or leave one that is still
 * in write(2) (a terminal the command stopped, a pipe nobody reads) to
 * free it itself. Whether it was left. */
static bool sink_release(struct sink *s)
{
	bool gone;

	if (!s->started) {
		sink_free(s);
		return false;
	}
	pthread_mutex_lock(&s->lock);
	gone = s->exited;
	if (!gone) {
		s->abandoned = true;
		pthread_detach(s->thread);
	}
	pthread_mutex_unlock(&s->lock);
	if (!gone)
		return true;
	pthread_join(s->thread, NULL);
	sink_free(s);
	return false;
}

void log_close(struct logger *l)
{
	struct timespec deadline;
	bool syslog_stuck = false;
	size_t i;

	if (!l)
		return;
	close_begin(l);
	queue_deadline_in(&deadline, LOG_DRAIN_MS);
	if (!queue_wait_drained(l, &deadline)) {
		for (i = 0; i < l->n_sinks; i++) {
			struct sink *s = l->sinks[i];
			uint64_t lost = sink_losing(s);

			if (lost > 0 && s->records)
				report_lost(l, s, lost);
		}
		queue_deadline_in(&deadline, LOG_NOTICE_MS);
	}
	for (i = 0; i < l->n_sinks; i++) {
		struct sink *s = l->sinks[i];

		pthread_mutex_lock(&s->lock);
		s->quit = true;
		pthread_cond_signal(&s->work);
		pthread_mutex_unlock(&s->lock);
	}
	queue_wait_drained(l, &deadline);
	for (i = 0; i < l->n_sinks; i++) {
		struct sink *s = l->sinks[i];
		enum sink_kind kind = s->kind; /* s may be freed below */

		if (sink_release(s) && kind == SINK_SYSLOG)
			syslog_stuck = true;
	}
	free(l->sinks);
	/* closelog takes the lock a stuck syslog() holds. */
	if (l->syslog_open && !syslog_stuck)
		closelog();
	summary_free(&l->summary);
	pthread_mutex_destroy(&l->lock);
	free(l);
}

static void log_closep(struct logger **l)
{
	log_close(*l);
}

static int add_sink(struct logger *l, struct sink *s)
{
	struct sink **v = reallocarray(l->sinks, l->n_sinks + 1, sizeof(*v));

	if (!v) {
		sink_free(s);
		return -ENOMEM;
	}
	l->sinks = v;
	l->sinks[l->n_sinks++] = s;
	return 0;
}

/* sysgate's loss reports and the summary go to stderr through a queue too,
 * also when stderr takes no records. */
static int add_err_sink(struct logger *l)
{
	struct sink *s;
	int r;

	if (l->err)
		return 0;
	s = sink_new(l, "stderr");
	if (!s)
		return -ENOMEM;
	r = add_sink(l, s);
	if (r < 0)
		return r;
	s->kind = SINK_FD;
	s->fd = STDERR_FILENO;
	s->shared = true;
	s->records = false;
	s->full = LOG_FULL_DROP;
	l->err = s;
	return 0;
}

/*
 * Start every writer and return only once each is idle in its loop: `run`
 * forks the agent right after log_open, and a thread caught starting up
 * could hold a lock of the allocator (ASan's is not fork-safe) that the
 * child would then wait on for ever.
 */
static int start_writers(struct logger *l)
{
	struct timespec deadline;
	size_t i;
	int r;

	for (i = 0; i < l->n_sinks; i++) {
		r = sink_start(l->sinks[i]);
		if (r < 0)
			return r;
	}
	queue_deadline_in(&deadline, 5000);
	for (i = 0; i < l->n_sinks; i++) {
		struct sink *s = l->sinks[i];

		pthread_mutex_lock(&s->lock);
		while (!s->ready)
			if (pthread_cond_timedwait(&s->idle, &s->lock, &deadline) == ETIMEDOUT)
				break;
		pthread_mutex_unlock(&s->lock);
	}
	return 0;
}

/* 0 if something listens on the syslog socket, else why not. */
static int syslog_reachable(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX, .sun_path = "/dev/log"};
	static const int types[] = {SOCK_DGRAM, SOCK_STREAM};
	int err = 0;

	for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
		int fd = socket(AF_UNIX, types[i] | SOCK_CLOEXEC, 0);

		if (fd < 0)
			return errno;
		err = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ? errno : 0;
		close(fd);
		if (err != EPROTOTYPE)
			break;
	}
	return err;
}

/*
 * No silent loss: a sink that cannot deliver (no syslog daemon, audit off
 * or out of reach) is said once, at start, and its records go to stderr
 * instead (or nowhere extra, when stderr already takes them). Before the
 * writers start: the opener still owns every sink.
 */
static void fall_back_to_stderr(struct logger *l)
{
	bool on_stderr = false;

	for (size_t i = 0; i < l->n_sinks; i++)
		if (l->sinks[i]->kind == SINK_FD && l->sinks[i]->fd == STDERR_FILENO &&
		    l->sinks[i]->records)
			on_stderr = true;
	for (size_t i = 0; i < l->n_sinks; i++) {
		struct sink *s = l->sinks[i];
		int err = 0;

		if (s->kind == SINK_AUDIT && !s->audit)
			diag_errno(
				DIAG_WARNING, s->open_err ? s->open_err : EPERM,
				"log sink audit: cannot reach the kernel's audit (its records go "
				"to stderr instead)");
		else if (s->kind == SINK_AUDIT && s->audit_off)
			diag(DIAG_WARNING, "log sink audit: audit is disabled in this kernel "
					   "(auditctl -e 1 turns it on); its records go to stderr "
					   "instead");
		else if (s->kind == SINK_SYSLOG && (err = syslog_reachable()))
			diag(DIAG_WARNING,
			     "log sink syslog: nothing takes records on /dev/log (%s); its "
			     "records go to stderr instead",
			     strerror(err));
		else
			continue;
		if (s->audit)
			mnl_socket_close(s->audit);
		s->audit = NULL;
		s->kind = SINK_FD;
		s->fd = STDERR_FILENO;
		s->owned = false;
		s->shared = true;
		s->full = LOG_FULL_DROP;
		/* One copy on stderr, however many sinks fell back to it. */
		s->records = !on_stderr;
		on_stderr = true;
	}
}

int log_open(struct logger **ret, const char *const *sinks, size_t n_sinks, enum log_format fmt,
	     bool summary, const char **ret_bad)
{
	_cleanup_(log_closep) struct logger *l = NULL;
	size_t i;
	int r;

	if (fmt != LOG_TEXT && fmt != LOG_JSON)
		return -EINVAL;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	pthread_mutex_init(&l->lock, NULL);
	l->fmt = fmt;
	l->summary_on = summary;
	l->owner = pthread_self();
	for (i = 0; i < n_sinks; i++) {
		const char *name = sinks[i];
		struct sink *s;

		/* A name from policy_sink_names, else a file (relative to the
		 * cwd on the command line; the policy demands absolute ones). */
		if (!name || !*name) {
			if (ret_bad)
				*ret_bad = name;
			return -EINVAL;
		}
		s = sink_new(l, name);
		if (!s)
			return -ENOMEM;
		r = add_sink(l, s);
		if (r == 0)
			r = sink_open(l, s);
		if (r < 0) {
			if (ret_bad)
				*ret_bad = name;
			return r;
		}
	}
	fall_back_to_stderr(l);
	r = add_err_sink(l);
	if (r == 0)
		r = start_writers(l);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(l);
	return 0;
}

void log_set_full(struct logger *l, enum log_full mode)
{
	if (!l || (mode != LOG_FULL_BLOCK && mode != LOG_FULL_DROP))
		return;
	for (size_t i = 0; i < l->n_sinks; i++) {
		struct sink *s = l->sinks[i];

		pthread_mutex_lock(&s->lock);
		if (!s->shared)
			s->full = mode;
		pthread_mutex_unlock(&s->lock);
	}
}

/* The record formatted (with '\n') into stack or heap; NULL on ENOMEM. */
static char *render(const struct log_record *r, enum log_format fmt, bool prefix, char *stack,
		    size_t stack_size, size_t *ret_len)
{
	struct sbuf sb;
	char *heap;

	if (fmt == LOG_JSON) {
		struct json_object *o = NULL;
		const char *s;
		size_t len;

		if (log_json_build(r, &o) < 0)
			return NULL;
		s = json_object_to_json_string_length(o, JSON_FLAGS, &len);
		heap = s ? malloc(len + 2) : NULL;
		if (heap) {
			memcpy(heap, s, len);
			heap[len] = '\n';
			heap[len + 1] = '\0';
			*ret_len = len + 1;
		}
		json_object_put(o);
		return heap;
	}

	sb_init(&sb, stack, stack_size);
	text_build(&sb, r, prefix);
	if (sb.len + 1 < stack_size) {
		stack[sb.len] = '\n';
		stack[sb.len + 1] = '\0';
		*ret_len = sb.len + 1;
		return stack;
	}
	heap = malloc(sb.len + 2);
	if (!heap)
		return NULL;
	sb_init(&sb, heap, sb.len + 2);
	text_build(&sb, r, prefix);
	heap[sb.len] = '\n';
	heap[sb.len + 1] = '\0';
	*ret_len = sb.len + 1;
	return heap;
}

/* A record that could not even be rendered (ENOMEM) is a drop: counted and
 * reported like one, so no record goes missing unsaid. */
static void drop_unrendered(struct sink *s)
{
	pthread_mutex_lock(&s->lock);
	queue_count_drop(s);
	pthread_mutex_unlock(&s->lock);
}

void log_emit(struct logger *l, const struct log_record *r)
{
	char stack[LINE_STACK], stack_sys[LINE_STACK];
	char *line = NULL, *sysline = NULL, *atext = NULL;
	size_t len = 0, syslen = 0, alen = 0, i;
	bool may_wait;

	if (!l || !r)
		return;
	if (l->summary_on) {
		pthread_mutex_lock(&l->lock);
		summary_count(&l->summary, r);
		pthread_mutex_unlock(&l->lock);
	}
	may_wait = !pthread_equal(pthread_self(), l->owner);

	/* Rendering is CPU only; each sink gets its own copy to keep. */
	for (i = 0; i < l->n_sinks; i++) {
		struct sink *s = l->sinks[i];
		struct entry e = {.kind = ENTRY_RECORD};
		const char *src;
		size_t n;

		if (!s->records)
			continue;
		if (s->kind == SINK_AUDIT) {
			if (!atext)
				atext = audit_sink_text(r, &alen);
			src = atext;
			n = alen;
		} else if (s->kind == SINK_SYSLOG) {
			/* syslog adds its own "sysgate[PID]:"; the record in the
			 * log's format (log_format = json: one JSON object). */
			if (!sysline)
				sysline = render(r, l->fmt, false, stack_sys, sizeof(stack_sys),
						 &syslen);
			src = sysline;
			n = syslen;
			e.prio = record_is_blocking(r) ? LOG_NOTICE : LOG_INFO;
		} else {
			if (!line)
				line = render(r, l->fmt, true, stack, sizeof(stack), &len);
			src = line;
			n = len;
		}
		e.text = src ? malloc(n + 1) : NULL;
		if (!e.text) {
			drop_unrendered(s);
			continue;
		}
		memcpy(e.text, src, n);
		e.text[n] = '\0';
		e.len = n;
		queue_push(s, &e, may_wait);
	}
	if (line != stack)
		free(line);
	if (sysline != stack_sys)
		free(sysline);
	free(atext);
}

unsigned long log_write_errors(struct logger *l)
{
	unsigned long n = 0;

	if (!l)
		return 0;
	/* What is still queued has not failed yet: let it be written first. */
	(void)log_flush(l, LOG_DRAIN_MS);
	for (size_t i = 0; i < l->n_sinks; i++) {
		struct sink *s = l->sinks[i];

		pthread_mutex_lock(&s->lock);
		n += s->errors;
		pthread_mutex_unlock(&s->lock);
	}
	return n;
}

uint64_t log_dropped(struct logger *l)
{
	uint64_t n = 0;

	if (!l)
		return 0;
	for (size_t i = 0; i < l->n_sinks; i++) {
		struct sink *s = l->sinks[i];

		pthread_mutex_lock(&s->lock);
		n += s->dropped_total;
		pthread_mutex_unlock(&s->lock);
	}
	return n;
}
