/*
 * session: one notification, from the kernel's listener to an answer.
 *
 *   recv → decode (ABI, number → name, shape, section) → read what the rules
 *   need from the target, once → policy_decide (pure) → check the call is
 *   still waiting → act (errno | continue | kill) → one log record.
 *
 * Fail closed: whatever cannot be decided is denied. The matcher already
 * denies a call whose path cannot be read; a call from an ABI we do not know
 * (the filter kills those, so this is belt and braces) gets EPERM, a real
 * errno, so that libc does not fall back to something else as on ENOSYS.
 *
 * The record is made and written before the answer: once the call continues
 * or the target is killed, its memory and /proc entries may change or vanish,
 * and a user reading a terminal expects the record before the outcome.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/eventfd.h>
#include <fcntl.h>
#include <seccomp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "sg-seccomp.h"
#include "sg-util.h"
#include "supervisor/ask/ask.h"
#include "supervisor/emulate/emulate.h"
#include "supervisor/core/answer.h"
#include "supervisor/core/multiplex.h"
#include "supervisor/core/notify.h"
#include "supervisor/core/session.h"
#include "supervisor/target/target.h"

#define MAX_NR 1024
/* How long session_stop() and session_free() wait for a serving thread that
 * is not asleep in a read of target memory (one that is, is abandoned at
 * once: see "Stalls" below). */
#define SESSION_STOP_MS 2000

struct sysent {
	bool resolved;
	char *name; /* NULL: unknown to libseccomp */
	const struct syscall_shape *shape;
	const struct section *section;
	bool emulates;			   /* calls go through emulation (see section_emulates) */
	const struct newer_syscall *newer; /* newer than libseccomp: sysgate's own table */
};

/* Everything read from the target for one call, in supervisor memory. */
struct call_data {
	char raw[TARGET_PATH_MAX]; /* the first path argument, as passed */
	bool raw_ok;
	char path[TARGET_PATH_MAX]; /* resolved */
	char exe[TARGET_PATH_MAX];
	bool exe_ok;
	char strs[3][TARGET_PATH_MAX]; /* other string arguments, for the log only */
	char name[TARGET_PATH_MAX];    /* the xattr name a name condition judged */
	char via[40];		       /* the multiplexer that carried the call, or "" */
	char why[200];		       /* the record's why, or "" */
};

/*
 * A thread that serves the session's listener. A session has one at a time
 * (s->cur); a worker whose read of target memory outlives its bound is
 * abandoned (see target.h and the watchdog below) and a fresh one takes over.
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
	/* Stalls (see the watchdog below). cur, stuck and wd_buf change only
	 * under wd_lock while the session is watched, and on the main thread
	 * otherwise. s->buf and s->scratch are cur's. */
	struct worker *cur;	   /* the worker serving the listener now */
	struct worker *stuck;	   /* abandoned, their threads still asleep or gone */
	struct notify_buf *wd_buf; /* the watchdog's, to answer a stalled call */
	struct session *wd_next;
	bool watched;
};

static const uint32_t abi_token[CALL_N_ABI] = {
	[CALL_ABI_X86_64] = SCMP_ARCH_X86_64,
	[CALL_ABI_I386] = SCMP_ARCH_X86,
	[CALL_ABI_X32] = SCMP_ARCH_X32,
};

static void worker_abandoned(struct target_guard *g);

static struct worker *worker_unref(struct worker *w)
{
	if (w && atomic_fetch_sub(&w->refs, 1) == 1) {
		notify_buf_free(w->buf);
		free(w->scratch);
		free(w);
	}
	return NULL;
}

/* A worker with its own buffers, not yet running: one reference. */
static int worker_new(struct worker **ret)
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
static void worker_install(struct session *s, struct worker *w)
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

/* Does a call of this section go through emulation? Only if its rules can
 * ask for it: an emulate rule, or a path condition (an allow or log after
 * one is emulated, so the checked path is the one acted on). */
static bool section_emulates(const struct section *sec)
{
	if (!sec || !sec->emulatable)
		return false;
	if (sec->needs_path)
		return true;
	for (size_t i = 0; i < sec->n_rules; i++)
		if (sec->rules[i].kind == DECISION_EMULATE)
			return true;
	return false;
}

static const struct sysent *lookup(struct session *s, enum call_abi abi, int nr)
{
	static const struct sysent unknown = {.resolved = true};
	struct sysent *e;

	if (nr < 0 || nr >= MAX_NR)
		return &unknown;
	e = &s->table[abi][nr];
	if (!e->resolved) {
		int full = abi == CALL_ABI_X32 ? (nr | __X32_SYSCALL_BIT) : nr;

		e->name = seccomp_syscall_resolve_num_arch(abi_token[abi], full);
		/* Newer than libseccomp: the same number on every ABI. */
		if (!e->name && (e->newer = policy_newer_syscall(nr)))
			e->name = strdup(e->newer->name);
		if (e->name) {
			e->shape = policy_syscall_shape(e->name);
			e->section = policy_section_for(s->policy, e->name);
			e->emulates = e->shape && section_emulates(e->section);
		}
		e->resolved = true;
	}
	return e;
}

static bool call_follows(const struct syscall_shape *shape, const uint64_t *args)
{
	int i;

	switch (shape->follow) {
	case FOLLOW_ALWAYS:
		return true;
	case FOLLOW_NEVER:
		return false;
	case FOLLOW_UNLESS_AT_NOFOLLOW:
		i = policy_shape_arg(shape, 'a');
		return i < 0 || !(args[i] & AT_SYMLINK_NOFOLLOW);
	case FOLLOW_OPEN:
		i = policy_shape_arg(shape, 'f');
		if (i < 0)
			return true;
		if (args[i] & O_NOFOLLOW)
			return false;
		return (args[i] & (O_CREAT | O_EXCL)) != (O_CREAT | O_EXCL);
	}
	return true;
}

/*
 * Calls that make or remove their final entry: the kernel looks up the
 * parent and handles the last name itself, so a trailing slash does not make
 * it follow a symlink there (mkdir("link/") is EEXIST, rmdir("link/")
 * ENOTDIR). Every other call follows a final symlink when the path ends in
 * '/', whatever its flags say (path_resolution(7)).
 */
static bool makes_entry(const char *name)
{
	static const char *const names[] = {
		"mkdir",    "mkdirat",	 "unlink",  "unlinkat",	 "rmdir", "rename",
		"renameat", "renameat2", "symlink", "symlinkat", "mknod", "mknodat",
	};

	for (size_t i = 0; name && i < ARRAY_SIZE(names); i++)
		if (streq(names[i], name))
			return true;
	return false;
}

/* struct open_how (linux/openat2.h), version 0: what openat2 reads. */
struct sg_open_how {
	uint64_t flags;
	uint64_t mode;
	uint64_t resolve;
};
#define OPEN_HOW_SIZE_MAX 4096 /* the kernel's PAGE_SIZE limit: E2BIG above */

/*
 * openat2 keeps its flags and resolve flags in a struct in the target's
 * memory: read it once, as the kernel does (copy_struct_from_user), and
 * resolve the path by it. A struct larger than ours is accepted by the kernel
 * only if the part we do not know is zero (else E2BIG): so do we, or a flag
 * we cannot see could change the resolution.
 */
static int read_open_how(pid_t tid, const struct call *c, struct target_lookup *l,
			 const char **ret_why)
{
	static const unsigned char zeros[OPEN_HOW_SIZE_MAX];
	unsigned char tail[OPEN_HOW_SIZE_MAX];
	uint64_t addr = c->args[2], size = c->args[3];
	struct sg_open_how how;
	int r;

	*ret_why = TARGET_WHY_HOW;
	if (size < sizeof(how))
		return -EINVAL;
	if (size > OPEN_HOW_SIZE_MAX)
		return -E2BIG;
	r = target_read_mem(tid, addr, &how, sizeof(how));
	if (r < 0)
		return r;
	if (size > sizeof(how)) {
		size_t more = (size_t)size - sizeof(how);

		r = target_read_mem(tid, addr + sizeof(how), tail, more);
		if (r < 0)
			return r;
		if (memcmp(tail, zeros, more) != 0)
			return -E2BIG;
	}
	*ret_why = NULL;
	l->resolve = how.resolve;
	if ((how.flags & O_NOFOLLOW) || (how.flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL))
		l->flags &= ~TARGET_FOLLOW;
	else
		l->flags |= TARGET_FOLLOW;
	return 0;
}

/* Fill c->path (or c->path_err, and d->why) for a call whose rules look at
 * the path: exactly the object the kernel will act on. */
static void read_path(struct session *s, pid_t tid, const struct syscall_shape *shape,
		      struct call *c, struct call_data *d)
{
	int is = policy_shape_arg(shape, 's');
	int idir = policy_shape_arg(shape, 'D');
	int ifd = policy_shape_arg(shape, 'F');
	int ia = policy_shape_arg(shape, 'a');
	/* An fd is an int in every ABI: AT_FDCWD arrives as 0xffffff9c through
	 * the 32-bit entry and as a sign-extended 64-bit value natively. */
	struct target_lookup l = {
		.dirfd = idir >= 0 ? (int)(uint32_t)c->args[idir] : AT_FDCWD,
	};
	const char *why = NULL;
	int r;

	if (is < 0 && ifd >= 0) {
		r = target_fd_path(tid, (int)(uint32_t)c->args[ifd], &s->view, d->path, &why);
		goto done;
	}
	if (is < 0) {
		r = -EINVAL; /* the parser refuses path conditions here */
		goto done;
	}
	if (c->args[is] == 0 && idir >= 0 && l.dirfd != AT_FDCWD && c->syscall &&
	    (streq(c->syscall, "utimensat") || streq(c->syscall, "futimesat"))) {
		/* utimensat(fd, NULL, ...) is futimens(fd): the fd itself. */
		r = target_fd_path(tid, l.dirfd, &s->view, d->path, &why);
		goto done;
	}
	r = target_read_string(tid, c->args[is], d->raw);
	if (r < 0)
		goto done;
	d->raw_ok = true;
	l.raw = d->raw;
	if (call_follows(shape, c->args))
		l.flags |= TARGET_FOLLOW;
	if (makes_entry(c->syscall))
		l.flags |= TARGET_ENTRY;
	if (idir >= 0 && ia >= 0 && (c->args[ia] & AT_EMPTY_PATH))
		l.flags |= TARGET_EMPTY_PATH; /* "" is dirfd itself, AT_FDCWD the cwd */
	if (c->syscall && streq(c->syscall, "openat2")) {
		r = read_open_how(tid, c, &l, &why);
		if (r < 0)
			goto done;
	}
	r = target_resolve_path(tid, &l, &s->view, d->path, &why);
done:
	if (r < 0) {
		c->path = NULL;
		c->path_err = -r;
		snprintf(d->why, sizeof(d->why), "%s", why ? why : "");
	} else {
		c->path = d->path;
	}
}

/* Copy the string arguments for the record (display only; the path the
 * policy judged was read once, before the decision, and is reused). */
static void fill_strings(pid_t tid, const struct syscall_shape *shape, const uint64_t *args,
			 struct call_data *d, struct log_record *rec)
{
	int first = shape ? policy_shape_arg(shape, 's') : -1, extra = 0;

	if (!shape)
		return;
	for (int i = 0; shape->args[i] && i < 6; i++) {
		if (shape->args[i] != 's' && shape->args[i] != 'S' && shape->args[i] != 'n')
			continue;
		if (i == first) {
			if (!d->raw_ok && target_read_string(tid, args[i], d->raw) == 0)
				d->raw_ok = true;
			rec->strs[i] = d->raw_ok ? d->raw : NULL;
		} else if (extra < (int)ARRAY_SIZE(d->strs)) {
			if (target_read_string(tid, args[i], d->strs[extra]) == 0)
				rec->strs[i] = d->strs[extra];
			extra++;
		}
	}
}

/*
 * The emulation path, first half: read the path once, open what the call
 * acts on as the target would, and take on the target's credentials. The
 * policy then judges c->path, the place actually opened. false if the call
 * went away. The caller leaves the credentials (emulate_leave) in any case.
 */
static bool prepare_emulated(struct session *s, uint64_t id, pid_t tid, const struct sysent *e,
			     struct call *c, struct call_data *d, struct emulate *em)
{
	int is = policy_shape_arg(e->shape, 's');
	int r;

	c->path = NULL;
	c->path_err = 0;
	if (is >= 0) {
		r = target_read_string(tid, c->args[is], d->raw);
		if (r == -ESRCH)
			return false;
		if (r < 0) {
			c->path_err = -r;
			return true;
		}
		d->raw_ok = true;
	}
	r = emulate_open(em, tid, c, d->raw_ok ? d->raw : NULL, &s->view);
	/* What we opened under /proc/tid may belong to another process if
	 * the caller went away and its id was reused. */
	if (notify_id_valid(s->listener, id) < 0)
		return false;
	if (r < 0) {
		c->path_err = -r;
		snprintf(d->why, sizeof(d->why), "%s", em->why ? em->why : "");
		return true;
	}
	if (e->section->needs_exe) {
		d->exe_ok = target_exe(tid, d->exe, sizeof(d->exe)) == 0;
		c->exe = d->exe_ok ? d->exe : NULL;
	}
	r = emulate_enter(em);
	if (r == 0)
		r = emulate_resolve(em);
	if (r < 0) {
		c->path_err = -r;
		snprintf(d->why, sizeof(d->why), "%s", em->why ? em->why : "");
	} else {
		memcpy(d->path, em->path, sizeof(d->path));
		c->path = d->path;
	}
	return true;
}

/* Fill the record of a call (before the answer; see the top of the file). */
static void fill_record(struct session *s, pid_t tid, const struct seccomp_notif *req,
			enum call_abi abi, int nr, const struct sysent *e, const struct call *c,
			struct call_data *d, const struct decision *dec, char *rulebuf,
			size_t rulesize, struct log_record *rec)
{
	clock_gettime(CLOCK_REALTIME, &rec->time);
	rec->pid = tid;
	rec->container = s->container;
	rec->pod = s->pod;
	if (!d->exe_ok)
		d->exe_ok = target_exe(tid, d->exe, sizeof(d->exe)) == 0;
	rec->exe = d->exe_ok ? d->exe : NULL;
	rec->arch = req->data.arch;
	rec->x32 = abi == CALL_ABI_X32;
	rec->nr = nr;
	rec->syscall = e->name;
	rec->shape = e->shape;
	memcpy(rec->args, c->args, sizeof(rec->args));
	fill_strings(tid, e->shape, c->args, d, rec);
	rec->path = c->path;
	rec->decision = dec->kind;
	rec->rule = policy_rule_location(s->policy, e->section, dec->rule, rulebuf, rulesize);
	rec->via = d->via[0] ? d->via : NULL;
	rec->why = d->why[0] ? d->why : NULL;
}

/*
 * Hand an ask over to the main thread. The item takes copies of everything
 * (this thread's buffers are reused for the next call) and the emulation
 * state with its open directory. false if it could not be queued.
 */
static bool queue_ask(struct session *s, uint64_t id, pid_t tid, pid_t tgid,
		      unsigned long long start_time, const struct seccomp_notif *req,
		      enum call_abi abi, int nr, const struct sysent *e, const struct call *c,
		      struct call_data *d, const struct decision *dec, struct emulate *em)
{
	struct ask_item *it = calloc(1, sizeof(*it));
	char rulebuf[512], callbuf[8192], exe[TARGET_PATH_MAX];
	pid_t ppid = 0, dummy;

	if (!it)
		return false;
	emulate_init(&it->em);
	it->id = id;
	it->listener = s->listener;
	it->tid = tid;
	it->tgid = tgid;
	it->abi = abi;
	(void)target_ids(tid, &dummy, &ppid);
	it->ppid = ppid;
	it->start_time = start_time;
	it->section = e->section;
	it->rule = dec->rule;
	fill_record(s, tid, req, abi, nr, e, c, d, dec, rulebuf, sizeof(rulebuf), &it->rec);
	it->exe = it->rec.exe ? strdup(it->rec.exe) : NULL;
	it->rec.exe = it->exe;
	it->rule_loc = strdup(rulebuf);
	it->rec.rule = it->rule_loc;
	/* via and why are d's: the item outlives it. Only calls decided
	 * without memory get here (policy_decide), so why is unset; via is
	 * dropped (the call shown is the carried one). */
	it->rec.via = NULL;
	it->rec.why = NULL;
	for (int i = 0; i < 6; i++)
		if (it->rec.strs[i]) {
			it->strs[i] = strdup(it->rec.strs[i]);
			it->rec.strs[i] = it->strs[i];
		}
	it->path = c->path ? strdup(c->path) : NULL;
	it->path_err = c->path_err;
	it->rec.path = it->path;
	if (log_format_call(&it->rec, callbuf, sizeof(callbuf)) >= 0)
		it->call = strdup(callbuf);
	it->argv = target_cmdline(tgid);
	if (ppid > 0 && target_exe(ppid, exe, sizeof(exe)) == 0)
		it->parent_exe = strdup(exe);
	if (!it->rule_loc || (c->path && !it->path)) {
		ask_item_free(it);
		return false;
	}
	if (e->emulates) {
		it->emulate = true;
		it->em = *em; /* the open directory moves into the item */
		emulate_init(em);
	}
	if (ask_queue_add(s->asks, it) < 0) {
		*em = it->em; /* give it back: the caller decides now */
		emulate_init(&it->em);
		ask_item_free(it);
		return false;
	}
	return true;
}

/*
 * i386's socketcall and ipc: when the call they carry has a section, decide
 * that call, with the arguments it really gets (socketcall's are copied from
 * memory, and c->mem_args says so, so that no decision on them continues).
 * Without one, the multiplexer is decided as itself (its own section or the
 * default). Returns the entry to decide by: *carried, filled in, or e.
 */
static const struct sysent *decode_multiplexed(struct session *s, pid_t tid, int nr,
					       const struct sysent *e, struct sysent *carried,
					       struct call *c, struct call_data *d)
{
	struct mux_call m;
	const struct section *sec;

	if (mux_decode(tid, nr, c->args, &m) <= 0 || !m.name)
		return e;
	sec = policy_section_for(s->policy, m.name);
	if (!sec)
		return e;
	*carried = (struct sysent){
		.resolved = true,
		.name = (char *)m.name, /* static: policy's table */
		.shape = policy_syscall_shape(m.name),
		.section = sec,
	};
	memcpy(d->via, m.via, sizeof(d->via));
	c->syscall = m.name;
	c->shape = carried->shape;
	memcpy(c->args, m.args, sizeof(c->args));
	c->mem_args = m.mem_args;
	c->mem_err = m.mem_err;
	return carried;
}

/* A syscall no section names that the rules cannot judge (policy_decide_unnamed). */
static struct decision decide_unnamed(struct session *s, const struct sysent *e,
				      struct call_data *d)
{
	const struct section *reach = NULL;
	struct decision dec = policy_decide_unnamed(s->policy, e->name, &reach);

	if (reach && e->newer)
		snprintf(d->why, sizeof(d->why),
			 "newer than libseccomp, in the reach of [%s] (line %u): ENOSYS, so "
			 "libc falls back to the calls it supervises",
			 reach->name, reach->line);
	else if (reach)
		snprintf(d->why, sizeof(d->why),
			 "reaches the operation of [%s] (line %u), whose rules cannot judge it",
			 reach->name, reach->line);
	else if (dec.kind == DECISION_DENY && dec.err == ENOSYS)
		snprintf(d->why, sizeof(d->why), "%s: ENOSYS under a default of deny",
			 e->name ? "newer than libseccomp" : "unknown to libseccomp");
	return dec;
}

int session_handle(struct session *s)
{
	struct seccomp_notif *req;
	struct call_data *d = NULL;
	struct log_record rec = {};
	struct emulate em;
	struct call c = {};
	struct decision dec;
	const struct sysent *e;
	struct sysent carried;
	bool enforce = s->mode == POLICY_ENFORCE, read_memory = false;
	struct answer_plan plan;
	const char *ask_by = NULL;
	int64_t result = 0;
	char rulebuf[512];
	enum call_abi abi;
	uint64_t id;
	pid_t tid;
	int nr, r;

	r = notify_recv(s->listener, s->buf);
	if (r == -ENOENT || r == -EINTR || r == -EAGAIN) {
		if (r == -ENOENT)
			s->stats.vanished++;
		return 0;
	}
	if (r < 0)
		return r;
	s->stats.notifications++;
	req = s->buf->req;
	id = req->id;
	tid = (pid_t)req->pid;
	nr = req->data.nr;
	/* For the watchdog, should a read of this call's memory stall. */
	s->cur->id = id;
	s->cur->tid = tid;

	abi = call_abi_of(req->data.arch, nr, &nr);
	if (abi == CALL_ABI_UNKNOWN) {
		/* The filter kills every other architecture; never let one through. */
		(void)notify_send_errno(s->listener, s->buf, id, EPERM);
		return 0;
	}
	e = lookup(s, abi, nr);
	if (!s->have_view) {
		/* The session's view is its first caller's (a container runtime
		 * that named no pid): from then on it is fixed. */
		if (target_view_load(tid, &s->view) < 0) {
			(void)notify_send_errno(s->listener, s->buf, id, EPERM);
			return 0;
		}
		s->have_view = true;
	}

	c.syscall = e->name;
	c.shape = e->shape;
	c.abi32 = abi != CALL_ABI_X86_64;
	memcpy(c.args, req->data.args, sizeof(c.args));
	if (abi == CALL_ABI_I386)
		for (int i = 0; i < 6; i++)
			c.args[i] &= 0xffffffffu;

	d = s->scratch;
	d->raw_ok = d->exe_ok = false;
	d->via[0] = d->why[0] = '\0';
	if (abi == CALL_ABI_I386)
		e = decode_multiplexed(s, tid, nr, e, &carried, &c, d);
	read_memory = d->via[0] != '\0'; /* socketcall's array, ipc's SEMCTL and MSGRCV */
	emulate_init(&em);
	s->cur->em = &em;
	if (e->emulates) {
		/* The path walk and the open may cross a FUSE mount that
		 * never answers: guarded like a read (see "Stalls" below). */
		int g = target_guard_enter(TARGET_STALL_FILES);
		bool waiting = prepare_emulated(s, id, tid, e, &c, d, &em);

		target_guard_leave(g);
		if (!waiting) {
			s->stats.vanished++;
			emulate_done(&em);
			return 0;
		}
		dec = policy_decide(s->policy, e->section, &c);
	} else {
		if (e->section && e->section->needs_path && e->shape) {
			int g = target_guard_enter(TARGET_STALL_FILES);

			read_path(s, tid, e->shape, &c, d);
			target_guard_leave(g);
			read_memory = true;
		}
		if (e->section && e->section->needs_exe) {
			d->exe_ok = target_exe(tid, d->exe, sizeof(d->exe)) == 0;
			c.exe = d->exe_ok ? d->exe : NULL;
			read_memory = true;
		}
		if (mux_read_mem_values(tid, e->section, e->shape, &c, d->name))
			read_memory = true;

		if (!e->section && (e->newer || !e->name || policy_syscall_reach(e->name)))
			dec = decide_unnamed(s, e, d);
		else
			dec = policy_decide(s->policy, e->section, &c);
		if (dec.mem_unsafe)
			snprintf(d->why, sizeof(d->why),
				 "decided on %s read from the target's memory, which the kernel "
				 "would read again: not continued",
				 c.name && e->section && e->section->needs_name ? "the xattr name"
				 : c.mode_in_mem ? "the mode in open_how"
						 : "arguments");

		/* What we read may belong to another process if the caller went
		 * away and its id was reused: only act if the call still waits. */
		if (read_memory && notify_id_valid(s->listener, id) < 0) {
			s->stats.vanished++;
			return 0;
		}
	}

	if (dec.kind == DECISION_ASK) {
		const struct policy *p = s->policy;
		pid_t tgid = target_tgid(tid);
		unsigned long long start = tgid > 0 ? ask_start_time(tgid) : 0;
		struct decision rd;

		/* Our own credentials again while we look the caller up and,
		 * perhaps, wait: they are taken on anew to carry out an allow. */
		emulate_leave(&em);
		if (!enforce) {
			dec.kind = DECISION_ALLOW; /* complain: logged, let through */
			ask_by = "complain";
		} else if (s->asks && ask_remembered(s->asks, dec.rule, tgid, start, c.path, &rd)) {
			dec.kind = rd.kind;
			dec.err = rd.err;
			ask_by = "remembered";
		} else if (s->asks && ask_attached(s->asks) && p->ask_timeout_ms > 0 &&
			   queue_ask(s, id, tid, tgid, start, req, abi, nr, e, &c, d, &dec, &em)) {
			emulate_done(&em);
			return 0; /* the main thread answers it */
		} else {
			dec.kind = p->ask_default.kind;
			dec.err = p->ask_default.err;
			ask_by = "no-prompt";
		}
	}

	plan = answer_plan(&(struct answer_verdict){
		.kind = dec.kind,
		.err = dec.err,
		.enforce = enforce,
		.emulates = e->emulates,
		.checked = dec.used_path || ask_by,
		.abi = abi,
		.x32_runs = answer_kernel_runs_x32(),
	});
	result = answer_carry_out(&plan, s->listener, id, &em, c.path, c.path_err);

	/* allow is never logged, also when it was carried out by emulation;
	 * an ask always is (it says how it was settled). */
	if (s->log && (dec.kind != DECISION_ALLOW || ask_by)) {
		fill_record(s, tid, req, abi, nr, e, &c, d, &dec, rulebuf, sizeof(rulebuf), &rec);
		rec.enforced = enforce || dec.kind == DECISION_LOG ||
			       dec.kind == DECISION_EMULATE || dec.kind == DECISION_ALLOW;
		rec.err = dec.kind == DECISION_DENY && enforce ? dec.err : 0;
		rec.emulated = plan.emulated;
		rec.result = plan.emulated ? result : 0;
		rec.ask_by = ask_by;
		/* Before the answer, so the record precedes whatever the target
		 * prints about the outcome. */
		log_emit(s->log, &rec);
	}
	r = answer_send(&plan, result, s->listener, s->buf, id, tid);
	emulate_done(&em);
	if (r == -ENOENT)
		s->stats.vanished++;
	return 0;
}

/* Interrupts a session thread blocked in NOTIF_RECV, so that it sees stop. */
#define SIG_WAKE (SIGRTMIN + 3)

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

static void worker_abandoned(struct target_guard *g)
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
static void worker_forget(struct session *s, struct worker *w)
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
static int stall_errno(struct worker *w)
{
	return atomic_load(&w->guard.what) == TARGET_STALL_FILES ? EIO : EFAULT;
}

/* Answer the call an abandoned worker was reading for, with its record. */
static void answer_stalled(struct session *s, struct worker *w, bool kill)
{
	const struct seccomp_notif *req = w->buf->req;
	struct log_record rec = {};
	char exe[TARGET_PATH_MAX];
	char *name = NULL;
	bool x32 = req->data.arch == AUDIT_ARCH_X86_64 && (req->data.nr & __X32_SYSCALL_BIT);
	int nr = req->data.nr & ~__X32_SYSCALL_BIT;

	if (s->log) {
		uint32_t token = req->data.arch == AUDIT_ARCH_I386 ? SCMP_ARCH_X86
				 : x32				   ? SCMP_ARCH_X32
								   : SCMP_ARCH_X86_64;

		clock_gettime(CLOCK_REALTIME, &rec.time);
		rec.pid = w->tid;
		rec.container = s->container;
		rec.pod = s->pod;
		/* /proc/tid/exe does not touch the target's memory. */
		rec.exe = target_exe(w->tid, exe, sizeof(exe)) == 0 ? exe : NULL;
		rec.arch = req->data.arch;
		rec.x32 = x32;
		rec.nr = nr;
		name = seccomp_syscall_resolve_num_arch(token, x32 ? (nr | __X32_SYSCALL_BIT) : nr);
		rec.syscall = name;
		rec.shape = name ? policy_syscall_shape(name) : NULL;
		memcpy(rec.args, req->data.args, sizeof(rec.args));
		if (req->data.arch == AUDIT_ARCH_I386)
			for (int i = 0; i < 6; i++)
				rec.args[i] &= 0xffffffffu;
		rec.decision = kill ? DECISION_KILL : DECISION_DENY;
		rec.err = kill ? 0 : stall_errno(w);
		rec.rule = stall_errno(w) == EIO ? SESSION_STALL_FILES_WHY : SESSION_STALL_WHY;
		rec.enforced = true;
		log_emit(s->log, &rec);
		free(name);
	}
	if (kill)
		notify_kill_caller(s->listener, w->tid, w->id);
	(void)notify_send_errno(s->listener, s->wd_buf, w->id, stall_errno(w));
}

/* The session cannot go on serving: its main loop learns it from done_fd. */
static void session_fail(struct session *s, int err)
{
	uint64_t one = 1;
	ssize_t k;

	s->error = err;
	k = write(s->done_fd, &one, sizeof(one));
	(void)k;
}

static int worker_start(struct session *s, struct worker *w);

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

/* Create a thread with every signal blocked (the process's signals belong
 * to the main thread's signalfd; a worker unblocks SIG_WAKE itself). */
static int thread_create(pthread_t *t, void *(*fn)(void *), void *arg)
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

static int watch_start(struct session *s)
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
static void watch_stop(struct session *s)
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

static int worker_start(struct session *s, struct worker *w)
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
