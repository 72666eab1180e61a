/*
 * ask: the queue of calls waiting for a person, and the answers remembered
 * (trusted side; what a person answers comes through control.c, which has
 * checked who they are). See ask.h for which thread calls what.
 */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sg-seccomp.h"
#include "sg-util.h"
#include "policy/answer.h"
#include "supervisor/ask/ask.h"
#include "supervisor/ask/writeback.h"

#include "supervisor/core/answer.h"
#include "supervisor/core/notify.h"
#include "supervisor/target/target.h"

#define MAX_PENDING 1024
#define MAX_REMEMBERED 1024
#define GONE_CHECK_MS 500 /* how often waiting callers are checked for life */

struct remembered {
	const struct rule *rule; /* the ask rule it answers */
	enum decision_kind kind;
	int err;
	enum ask_scope scope;
	pid_t tgid; /* ASK_PROCESS */
	unsigned long long start_time;
	enum ask_cover cover;
	char *pattern; /* exact path, or a glob; NULL: the call had no path */
	char *text;    /* as policy text */
	size_t nth;    /* always: the write-back that wrote it (writeback.h), else 0 */
};

/*
 * Owned by the main thread (run's), which made it and alone answers, times
 * out and frees items. Session workers take lock to look up remembered
 * answers and to add items while they decide, so under lock there is only
 * work on memory: walking the list, copying, building the JSON of an item.
 * Never I/O, an ioctl or a log record: the liveness check (NOTIF_ID_VALID),
 * answering the kernel, emulating, writing the policy file and logging all
 * happen outside it, on items the main thread has taken out (unlink_item)
 * or on copies (find_due).
 *   lock guards: pending, n_pending, next_seq, rem, n_rem, and each pending
 *     item's announced flag;
 *   read-only after ask_queue_new: p, file, log, efd, buf (the main
 *     thread's own, for answers);
 *   attached: atomic, written by the control socket's code (main thread);
 *   wb: written by the main thread (ask_answer); its insertion list is
 *     read by any thread to name rules by their line now (writeback.h).
 */
struct ask_queue {
	pthread_mutex_t lock;
	const struct policy *p;
	char *file;
	struct logger *log;
	int efd;
	atomic_uint attached;
	atomic_bool reachable; /* the control socket is open: a prompt can attach */
	uint64_t next_seq;
	struct ask_item *pending; /* oldest first */
	size_t n_pending;
	struct remembered rem[MAX_REMEMBERED];
	size_t n_rem;
	struct notify_buf *buf; /* the main thread's, for answers */
	struct writeback wb;	/* "always" answers: main thread only (writeback.h) */
};

static uint64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

int ask_queue_new(struct ask_queue **ret, const struct policy *p, const char *file,
		  struct logger *log)
{
	struct ask_queue *q = calloc(1, sizeof(*q));
	int r;

	if (!q)
		return -ENOMEM;
	pthread_mutex_init(&q->lock, NULL);
	q->p = p;
	q->log = log;
	q->next_seq = 1;
	q->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (q->efd < 0) {
		r = -errno;
		goto fail;
	}
	if (file) {
		q->file = strdup(file);
		if (!q->file) {
			r = -ENOMEM;
			goto fail;
		}
		writeback_init(&q->wb, q->file);
	}
	r = notify_buf_new(&q->buf);
	if (r < 0)
		goto fail;
	/* Answers are carried out on this (the main) thread, emulation
	 * included: give it a umask of its own to lend to targets. */
	if (unshare(CLONE_FS) < 0) {
		r = -errno;
		goto fail;
	}
	*ret = q;
	return 0;
fail:
	ask_queue_free(q);
	return r;
}

void ask_item_free(struct ask_item *it)
{
	if (!it)
		return;
	emulate_done(&it->em);
	free(it->exe);
	free(it->parent_exe);
	for (char **a = it->argv; a && *a; a++)
		free(*a);
	free(it->argv);
	free(it->rule_loc);
	free(it->call);
	free(it->path);
	for (int i = 0; i < 6; i++)
		free(it->strs[i]);
	free(it);
}

void ask_queue_free(struct ask_queue *q)
{
	if (!q)
		return;
	ask_shutdown(q, NULL, NULL);
	for (size_t i = 0; i < q->n_rem; i++) {
		free(q->rem[i].pattern);
		free(q->rem[i].text);
	}
	notify_buf_free(q->buf);
	safe_close(q->efd);
	free(q->file);
	pthread_mutex_destroy(&q->lock);
	free(q);
}

void ask_set_reachable(struct ask_queue *q, bool reachable)
{
	if (q)
		atomic_store(&q->reachable, reachable);
}

bool ask_reachable(const struct ask_queue *q)
{
	return q && atomic_load(&q->reachable);
}

bool ask_attached(const struct ask_queue *q)
{
	return q && atomic_load(&q->attached) > 0;
}

void ask_set_attached(struct ask_queue *q, unsigned n_clients)
{
	atomic_store(&q->attached, n_clients);
}

int ask_queue_fd(const struct ask_queue *q)
{
	return q->efd;
}

unsigned long long ask_start_time(pid_t pid)
{
	char p[TARGET_PROC_PATH_MAX], buf[1024], *close_paren;
	unsigned long long v = 0;
	ssize_t n;
	int fd;

	fd = open(target_proc_path(p, pid, "stat"), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* The command name may contain anything, ')' included: skip to the
	 * last ')'. Field 22 (starttime) is then the 20th after it. */
	close_paren = strrchr(buf, ')');
	if (!close_paren)
		return 0;
	if (sscanf(close_paren + 1,
		   " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d "
		   "%llu",
		   &v) != 1)
		return 0;
	return v;
}

/* ---- remembered answers ---- */

static bool rem_matches(const struct remembered *m, const struct rule *r, pid_t tgid,
			unsigned long long start_time, const char *path)
{
	if (m->rule != r)
		return false;
	if (m->scope == ASK_PROCESS && (m->tgid != tgid || m->start_time != start_time))
		return false;
	if (!m->pattern)
		return true;
	if (!path)
		return false;
	if (m->cover == ASK_COVER_EXACT)
		return streq(m->pattern, path);
	return policy_glob_match(m->pattern, path);
}

bool ask_remembered(struct ask_queue *q, const struct rule *r, pid_t tgid,
		    unsigned long long start_time, const char *path, struct decision *ret,
		    size_t *ret_nth)
{
	bool found = false;

	pthread_mutex_lock(&q->lock);
	/* The newest answer wins: a person may change their mind. */
	for (size_t i = q->n_rem; i-- > 0;) {
		const struct remembered *m = &q->rem[i];

		if (!rem_matches(m, r, tgid, start_time, path))
			continue;
		*ret = (struct decision){.kind = m->kind, .err = m->err, .rule = r};
		if (ret_nth)
			*ret_nth = m->nth;
		found = true;
		break;
	}
	pthread_mutex_unlock(&q->lock);
	return found;
}

/* ---- the queue ---- */

int ask_queue_add(struct ask_queue *q, struct ask_item *it)
{
	uint64_t one = 1;
	ssize_t k;

	pthread_mutex_lock(&q->lock);
	if (q->n_pending >= MAX_PENDING) {
		pthread_mutex_unlock(&q->lock);
		return -ENOSPC;
	}
	it->seq = q->next_seq++;
	it->queued_ms = now_ms();
	it->deadline_ms = it->queued_ms + q->p->ask_timeout_ms;
	it->next = NULL;
	{
		struct ask_item **tail = &q->pending;

		while (*tail)
			tail = &(*tail)->next;
		*tail = it;
	}
	q->n_pending++;
	pthread_mutex_unlock(&q->lock);
	k = write(q->efd, &one, sizeof(one));
	(void)k;
	return 0;
}

static int jset(struct json_object *o, const char *key, struct json_object *v)
{
	if (!v && key)
		return json_object_object_add(o, key, NULL) < 0 ? -ENOMEM : 0;
	return json_object_object_add(o, key, v) < 0 ? -ENOMEM : 0;
}

static struct json_object *jstr_target(const char *s)
{
	_cleanup_free_ char *clean = NULL;

	if (!s)
		return NULL;
	clean = log_utf8_sanitize(s);
	return clean ? json_object_new_string(clean) : NULL;
}

static const char *arch_name(const struct log_record *r)
{
	return sg_abi_name(r->arch, r->x32 ? __X32_SYSCALL_BIT : 0);
}

const char *ask_rule_location(struct ask_queue *q, const struct section *s, const struct rule *r,
			      size_t nth, char *buf, size_t size)
{
	return writeback_rule_location(&q->wb, q->p, s, r, nth, buf, size);
}

/* Under q->lock (memory only). */
static struct json_object *item_json(struct ask_queue *q, const struct ask_item *it, uint64_t now)
{
	struct json_object *o = json_object_new_object(), *argv;
	char rule[512];
	/* The ask rule's conditions an answer keeps: the prompt shows them. */
	_cleanup_free_ char *conds = answer_conds_text(it->rule);

	if (!o)
		return NULL;
	argv = json_object_new_array();
	for (char **a = it->argv; argv && a && *a; a++)
		json_object_array_add(argv, jstr_target(*a));
	jset(o, "ask", json_object_new_uint64(it->seq));
	jset(o, "pid", json_object_new_int(it->tid));
	jset(o, "tgid", json_object_new_int(it->tgid));
	jset(o, "ppid", json_object_new_int(it->ppid));
	jset(o, "exe", jstr_target(it->exe));
	jset(o, "cmdline", argv);
	jset(o, "parent_exe", jstr_target(it->parent_exe));
	jset(o, "syscall", json_object_new_string(it->rec.syscall ? it->rec.syscall : "?"));
	jset(o, "arch", json_object_new_string(arch_name(&it->rec)));
	jset(o, "call", jstr_target(it->call));
	jset(o, "path", jstr_target(it->path));
	jset(o, "section", json_object_new_string(it->section ? it->section->name : "?"));
	/* The line the ask rule has now: a rule written back since the call
	 * was queued may have moved it. */
	jset(o, "rule",
	     json_object_new_string(
		     ask_rule_location(q, it->section, it->rule, 0, rule, sizeof(rule))));
	jset(o, "conditions", jstr_target(conds));
	jset(o, "waited_ms", json_object_new_uint64(now - it->queued_ms));
	jset(o, "left_ms",
	     json_object_new_uint64(it->deadline_ms > now ? it->deadline_ms - now : 0));
	return o;
}

int ask_take_new(struct ask_queue *q, struct json_object **ret_array)
{
	struct json_object *a = json_object_new_array();
	uint64_t v, now = now_ms();
	ssize_t k = read(q->efd, &v, sizeof(v));

	(void)k;
	if (!a)
		return -ENOMEM;
	pthread_mutex_lock(&q->lock);
	for (struct ask_item *it = q->pending; it; it = it->next) {
		if (it->announced)
			continue;
		json_object_array_add(a, item_json(q, it, now));
		it->announced = true;
	}
	pthread_mutex_unlock(&q->lock);
	*ret_array = a;
	return 0;
}

struct json_object *ask_list(struct ask_queue *q)
{
	struct json_object *a = json_object_new_array();
	uint64_t now = now_ms();

	if (!a)
		return NULL;
	pthread_mutex_lock(&q->lock);
	for (struct ask_item *it = q->pending; it; it = it->next)
		json_object_array_add(a, item_json(q, it, now));
	pthread_mutex_unlock(&q->lock);
	return a;
}

/* Take item seq out of the queue; NULL if it is not (or no longer) there. */
static struct ask_item *unlink_item(struct ask_queue *q, uint64_t seq)
{
	struct ask_item *found = NULL;

	pthread_mutex_lock(&q->lock);
	for (struct ask_item **p = &q->pending; *p; p = &(*p)->next)
		if ((*p)->seq == seq) {
			found = *p;
			*p = found->next;
			q->n_pending--;
			break;
		}
	pthread_mutex_unlock(&q->lock);
	return found;
}

/*
 * The final verdict on a call that waited, carried out on the main thread:
 * the same answer (answer.h) a call decided at once gets, so the guards on
 * the way cannot differ (an x32 call the kernel would refuse is refused
 * here too). The record comes before the answer, as on the session path.
 */
void ask_finish(struct ask_queue *q, struct ask_item *it, enum decision_kind kind, int err,
		const char *by)
{
	struct answer_verdict v;
	struct answer_plan plan;
	int64_t result;

	if (kind == DECISION_LOG)
		kind = DECISION_ALLOW;
	v = (struct answer_verdict){
		.kind = kind,
		.err = err,
		.enforce = true, /* complain mode settles an ask at once, never queues it */
		.emulates = it->emulate,
		.checked = true, /* a person, a remembered answer or the timeout settled it */
		.abi = it->abi,
		.x32_runs = answer_kernel_runs_x32(),
	};
	plan = answer_plan(&v);
	result = answer_carry_out(&plan, it->listener, it->id, &it->em, it->path, it->path_err);
	clock_gettime(CLOCK_REALTIME, &it->rec.time);
	/* Named as the file is now (a write-back since it was queued may have
	 * moved the rule), by the written rule if a remembered one decided. */
	{
		char loc[512];
		char *now = strdup(
			ask_rule_location(q, it->section, it->rule, it->nth, loc, sizeof(loc)));

		if (now) {
			free(it->rule_loc);
			it->rule_loc = now;
		}
		it->rec.rule = it->rule_loc;
	}
	it->rec.decision = kind;
	it->rec.err = kind == DECISION_DENY ? err : 0;
	it->rec.ask_by = by;
	it->rec.enforced = true;
	it->rec.emulated = plan.emulated;
	it->rec.result = plan.emulated ? result : 0;
	log_emit(q->log, &it->rec);
	/* ENOENT: the caller is gone; nothing left to do. */
	(void)answer_send(&plan, result, it->listener, q->buf, it->id, it->tid);
}

/*
 * The first pending item that is due: its time ran out ("timeout") or its
 * caller went away ("gone"). 0 if none. The liveness check is an ioctl per
 * item: it runs on a copy taken under the lock, never under it, since
 * session threads take the lock while they decide (ask_remembered).
 */
static uint64_t find_due(struct ask_queue *q, uint64_t now, const char **ret_by)
{
	struct pending_call {
		uint64_t seq, id;
		int listener;
	} * calls;
	uint64_t seq = 0;
	size_t n = 0;

	pthread_mutex_lock(&q->lock);
	for (struct ask_item *it = q->pending; it; it = it->next)
		if (now >= it->deadline_ms) {
			seq = it->seq;
			break;
		}
	calls = seq ? NULL : malloc(MAX(q->n_pending, (size_t)1) * sizeof(*calls));
	for (struct ask_item *it = q->pending; calls && it; it = it->next)
		calls[n++] = (struct pending_call){it->seq, it->id, it->listener};
	pthread_mutex_unlock(&q->lock);
	if (seq) {
		*ret_by = "timeout";
		return seq;
	}
	/* Without memory, the callers are checked at the next tick. */
	for (size_t i = 0; i < n && !seq; i++)
		if (notify_id_valid(calls[i].listener, calls[i].id) < 0)
			seq = calls[i].seq;
	free(calls);
	*ret_by = "gone";
	return seq;
}

long ask_tick(struct ask_queue *q, ask_resolved_cb cb, void *data)
{
	uint64_t now = now_ms(), next = UINT64_MAX;

	for (;;) {
		struct ask_item *due = NULL;
		const char *by = NULL;
		uint64_t seq = find_due(q, now, &by);

		if (!seq)
			break;
		due = unlink_item(q, seq);
		if (!due)
			continue;
		if (streq(by, "timeout")) {
			ask_finish(q, due, q->p->ask_default.kind, q->p->ask_default.err, by);
		} else {
			/* Gone: nobody waits for an answer any more, but the ask
			 * still ends in one record, saying so. */
			clock_gettime(CLOCK_REALTIME, &due->rec.time);
			due->rec.decision = DECISION_DENY;
			due->rec.err = 0;
			due->rec.ask_by = by;
			due->rec.enforced = true;
			log_emit(q->log, &due->rec);
		}
		if (cb)
			cb(data, due->seq,
			   streq(by, "gone") ? DECISION_DENY : q->p->ask_default.kind,
			   streq(by, "gone") ? 0 : q->p->ask_default.err, by);
		ask_item_free(due);
	}
	pthread_mutex_lock(&q->lock);
	for (struct ask_item *it = q->pending; it; it = it->next)
		next = MIN(next, it->deadline_ms);
	pthread_mutex_unlock(&q->lock);
	if (next == UINT64_MAX)
		return -1;
	return (long)MIN(next - now, (uint64_t)GONE_CHECK_MS);
}

void ask_shutdown(struct ask_queue *q, ask_resolved_cb cb, void *data)
{
	for (;;) {
		struct ask_item *it;

		pthread_mutex_lock(&q->lock);
		it = q->pending;
		if (it) {
			q->pending = it->next;
			q->n_pending--;
		}
		pthread_mutex_unlock(&q->lock);
		if (!it)
			break;
		/* Fail closed: a call nobody answered gets ask_default. A caller
		 * that is gone already needs no answer and no record. */
		if (notify_id_valid(it->listener, it->id) == 0) {
			ask_finish(q, it, q->p->ask_default.kind, q->p->ask_default.err,
				   "shutdown");
			if (cb)
				cb(data, it->seq, q->p->ask_default.kind, q->p->ask_default.err,
				   "shutdown");
		} else {
			clock_gettime(CLOCK_REALTIME, &it->rec.time);
			it->rec.decision = DECISION_DENY;
			it->rec.err = 0;
			it->rec.ask_by = "gone";
			it->rec.enforced = true;
			log_emit(q->log, &it->rec);
			if (cb)
				cb(data, it->seq, DECISION_DENY, 0, "gone");
		}
		ask_item_free(it);
	}
}

/* ---- answers ---- */

int ask_answer(struct ask_queue *q, uint64_t seq, const struct ask_answer *a, char **ret_covers,
	       char **ret_written, const char **ret_why, ask_resolved_cb cb, void *data)
{
	_cleanup_free_ char *glob = NULL, *text = NULL, *pattern = NULL, *conds = NULL;
	struct ask_item *it = NULL;
	const char *path;
	size_t nth = 0;
	int r;

	*ret_covers = *ret_written = NULL;
	if (a->kind != DECISION_ALLOW && a->kind != DECISION_DENY && a->kind != DECISION_KILL) {
		*ret_why = "decision must be allow, deny or kill";
		return -EINVAL;
	}
	pthread_mutex_lock(&q->lock);
	for (struct ask_item *i = q->pending; i; i = i->next)
		if (i->seq == seq)
			it = i;
	pthread_mutex_unlock(&q->lock);
	if (!it) {
		*ret_why = "no such call is waiting (answered, timed out or gone)";
		return -ENOENT;
	}
	/* Only the main thread answers or removes items: it stays valid. */
	path = it->path;
	if (a->scope != ASK_ONCE && a->cover == ASK_COVER_ANY) {
		/* Named by the person: every call the ask rule matches. */
	} else if (path && a->scope != ASK_ONCE) {
		/* The prompt's own check, the one owner of what a cover may be. */
		struct answer_words w = {.scope = (enum answer_scope)a->scope,
					 .cover = (enum answer_cover)a->cover};

		if (a->cover == ASK_COVER_GLOB && (!a->glob || strlen(a->glob) >= sizeof(w.glob))) {
			*ret_why = "the glob must be absolute and well formed";
			return -EINVAL;
		}
		if (a->glob)
			snprintf(w.glob, sizeof(w.glob), "%s", a->glob);
		if (answer_check(&w, path, ret_why) < 0)
			return -EINVAL;
		glob = answer_covers_glob(path, (enum answer_cover)a->cover, a->glob);
		pattern = a->cover == ASK_COVER_EXACT ? strdup(path) : glob ? strdup(glob) : NULL;
		if (!glob || !pattern)
			return -ENOMEM;
	} else if (!path && a->scope != ASK_ONCE && it->section &&
		   (it->section->needs_path || it->section->shows_path)) {
		*ret_why = "the call's path could not be read: only 'once' can answer it";
		return -EINVAL;
	} else if (!path && a->scope != ASK_ONCE && a->cover != ASK_COVER_EXACT) {
		*ret_why = "the call has no path: a dir or glob cover needs one";
		return -EINVAL;
	}
	conds = answer_conds_text(it->rule);
	/*
	 * Answers never widen: remembered with nothing to narrow it (no path,
	 * an ask rule of '*'), it would decide every call of the section. Only
	 * a person who says so ("any") gets that.
	 */
	if (conds && !*conds && !glob && a->scope != ASK_ONCE && a->cover != ASK_COVER_ANY) {
		*ret_why = "this answer would cover every call the ask rule holds: add 'any' to "
			   "mean that, or answer once";
		return -EINVAL;
	}
	text = conds ? answer_covers_text(a->kind, a->err, glob, conds) : NULL;
	if (!text)
		return -ENOMEM;
	if (a->scope == ASK_ALWAYS) {
		/* The write-back edits the policy's own file at the ask rule's
		 * line: a rule from an included file has its line in another. */
		if (it->rule->file) {
			*ret_why = "the ask rule is in an included file: answer for the run, or "
				   "write the rule into that file yourself";
			return -EINVAL;
		}
		if (glob && strpbrk(glob, " \t")) {
			*ret_why =
				"a path with white space cannot be written into a policy; answer "
				"for the run instead";
			return -EINVAL;
		}
		r = writeback_rule(&q->wb, it->rule->line, text, ret_written, &nth, ret_why);
		if (r < 0)
			return r;
	}

	it = unlink_item(q, seq);
	if (!it) {
		*ret_why = "the call went away";
		return -ENOENT;
	}
	if (a->scope != ASK_ONCE) {
		pthread_mutex_lock(&q->lock);
		if (q->n_rem < MAX_REMEMBERED) {
			q->rem[q->n_rem++] = (struct remembered){
				.rule = it->rule,
				.kind = a->kind,
				.err = a->err,
				.scope = a->scope,
				.tgid = it->tgid,
				.start_time = it->start_time,
				.cover = a->cover,
				.pattern = path ? TAKE_PTR(pattern) : NULL,
				.text = strdup(text),
				.nth = nth,
			};
		}
		pthread_mutex_unlock(&q->lock);
	}
	ask_finish(q, it, a->kind, a->err, "answer");
	if (cb)
		cb(data, seq, a->kind, a->err, "answer");
	ask_item_free(it);

	/* The answer may settle other waiting calls too. */
	if (a->scope != ASK_ONCE) {
		for (;;) {
			struct ask_item *other = NULL;
			struct decision d;
			size_t other_nth = 0;

			pthread_mutex_lock(&q->lock);
			for (struct ask_item *i = q->pending; i && !other; i = i->next) {
				const struct remembered *m = &q->rem[q->n_rem - 1];

				if (rem_matches(m, i->rule, i->tgid, i->start_time, i->path))
					other = i;
			}
			pthread_mutex_unlock(&q->lock);
			if (!other)
				break;
			if (!ask_remembered(q, other->rule, other->tgid, other->start_time,
					    other->path, &d, &other_nth))
				break;
			other = unlink_item(q, other->seq);
			if (!other)
				continue;
			other->nth = other_nth;
			ask_finish(q, other, d.kind, d.err, "remembered");
			if (cb)
				cb(data, other->seq, d.kind, d.err, "remembered");
			ask_item_free(other);
		}
	}
	*ret_covers = TAKE_PTR(text);
	return 0;
}

struct json_object *ask_remembered_list(struct ask_queue *q)
{
	static const char *const scopes[] = {"once", "process", "run", "always"};
	struct json_object *a = json_object_new_array();

	if (!a)
		return NULL;
	pthread_mutex_lock(&q->lock);
	for (size_t i = 0; i < q->n_rem; i++) {
		struct json_object *o = json_object_new_object();

		if (!o)
			break;
		jset(o, "rule", jstr_target(q->rem[i].text));
		jset(o, "scope", json_object_new_string(scopes[q->rem[i].scope]));
		if (q->rem[i].scope == ASK_PROCESS)
			jset(o, "tgid", json_object_new_int(q->rem[i].tgid));
		json_object_array_add(a, o);
	}
	pthread_mutex_unlock(&q->lock);
	return a;
}
