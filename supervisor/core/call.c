/*
 * call: one notification, from the kernel's listener to an answer, on the
 * session's serving worker (trusted side; every value from the target was
 * copied into supervisor memory before it is judged).
 *
 *   receive → decode (ABI, number → name, shape, section) → gather what the
 *   rules need from the target, once → decide (policy_decide, pure) → check
 *   the call still waits → settle an ask → plan the answer → carry it out →
 *   one log record → answer the kernel.
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>

#include "sg-util.h"
#include "supervisor/ask/ask.h"
#include "supervisor/core/session-internal.h"

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

/* The decision, from what was gathered. Pure but for the record's why. */
static void decide(struct call_ctx *x)
{
	const struct sysent *e = x->e;
	struct call_data *d = x->d;

	/* [sysgate] abi: a call through an ABI it does not list is killed,
	 * whatever the sections say (policy_decide asks too; an unnamed
	 * syscall is decided without it). */
	if (policy_abi_refused(x->s->policy, policy_call_abi(&x->c), &x->dec)) {
		snprintf(d->why, sizeof(d->why), "abi %s is not in this policy's abi list",
			 policy_abi_name(policy_call_abi(&x->c)));
		return;
	}
	/* An emulated family always has a section: policy_decide. */
	if (!e->section && (e->newer || !e->name || policy_syscall_reach(e->name)))
		x->dec = decide_unnamed(x->s, e, d);
	else
		x->dec = policy_decide(x->s->policy, e->section, &x->c);
	if (x->dec.mem_unsafe)
		snprintf(d->why, sizeof(d->why),
			 "decided on %s read from the target's memory, which the kernel "
			 "would read again: not continued",
			 x->c.name && e->section && e->section->needs_name ? "the xattr name"
			 : x->c.mode_in_mem				   ? "the mode in open_how"
									   : "arguments");
}

/*
 * The command line of the record's process, the first time a record of this
 * session names it (by tgid and start time: a reused pid is a new process);
 * NULL otherwise: a NULL-terminated vector of malloc'ed strings, which
 * strv_free() frees once the record is emitted (log_emit renders it then).
 * Reading it is guarded as any read of the target's memory.
 */
static char **first_cmdline(struct session *s, pid_t tgid)
{
	unsigned long long start = tgid > 0 ? target_start_time(tgid) : 0;
	bool seen = false;

	if (tgid <= 0 || !start)
		return NULL;
	pthread_mutex_lock(&s->seen_lock);
	for (size_t i = 0; i < s->n_seen && !seen; i++)
		seen = s->seen[i].tgid == tgid && s->seen[i].start == start;
	if (!seen) {
		s->seen[s->next_seen].tgid = tgid;
		s->seen[s->next_seen].start = start;
		s->next_seen = (s->next_seen + 1) % SESSION_SEEN;
		if (s->n_seen < SESSION_SEEN)
			s->n_seen++;
	}
	pthread_mutex_unlock(&s->seen_lock);
	return seen ? NULL : target_cmdline(tgid);
}

static void strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

/* Fill the record of a call (before the answer; see the top of the file). */
static void fill_record(struct call_ctx *x, char *rulebuf, size_t rulesize, struct log_record *rec)
{
	struct session *s = x->s;
	struct call_data *d = x->d;

	clock_gettime(CLOCK_REALTIME, &rec->time);
	rec->pid = x->tid;
	rec->uid = rec->euid = -1;
	if (x->em.target.who_ok) {
		/* Read with the credentials it emulates with, for this call:
		 * the same file, not read twice (issue 12). */
		rec->tgid = x->em.target.tgid;
		rec->ppid = x->em.target.ppid;
		rec->uid = x->em.target.uid;
		rec->euid = x->em.target.euid;
	} else if (target_who(x->tid, &rec->tgid, &rec->ppid, &rec->uid, &rec->euid) < 0) {
		rec->tgid = rec->ppid = 0;
	}
	memcpy(rec->session, s->id, sizeof(rec->session));
	rec->container = s->container;
	rec->pod = s->pod;
	if (!d->exe_ok) {
		bool cached;

		d->exe_ok =
			exe_cache_get(s->exes, x->tid, x->id, d->exe, sizeof(d->exe), &cached) == 0;
	}
	rec->exe = d->exe_ok ? d->exe : NULL;
	rec->arch = x->req->data.arch;
	rec->x32 = x->abi == CALL_ABI_X32;
	rec->nr = x->nr;
	rec->syscall = x->e->name;
	rec->shape = x->e->shape;
	memcpy(rec->args, x->c.args, sizeof(rec->args));
	gather_strings(x, rec);
	rec->addr = d->addr; /* copied before the decision (gather.c), by value */
	rec->path = x->c.path;
	rec->decision = x->dec.kind;
	/* By the line the rule has now: an `always` answer may have written
	 * rules into the file above it (and, remembered, decided this call by
	 * the rule it wrote: x->nth). */
	rec->rule = s->asks ? ask_rule_location(s->asks, x->e->section, x->dec.rule, x->nth,
						rulebuf, rulesize)
			    : policy_rule_location(s->policy, x->e->section, x->dec.rule, rulebuf,
						   rulesize);
	rec->via = d->via[0] ? d->via : NULL;
	rec->why = d->why[0] ? d->why : NULL;
}

/*
 * Hand an ask over to the main thread. The item takes copies of everything
 * (this thread's buffers are reused for the next call) and the emulation
 * state with its open directory. false if it could not be queued.
 */
static bool queue_ask(struct call_ctx *x, pid_t tgid, unsigned long long start_time)
{
	struct session *s = x->s;
	struct ask_item *it = calloc(1, sizeof(*it));
	char rulebuf[512], callbuf[8192], exe[TARGET_PATH_MAX];
	pid_t ppid = 0, dummy;

	if (!it)
		return false;
	emulate_init(&it->em);
	it->id = x->id;
	it->listener = s->listener;
	it->tid = x->tid;
	it->tgid = tgid;
	it->abi = x->abi;
	(void)target_ids(x->tid, &dummy, &ppid);
	it->ppid = ppid;
	it->start_time = start_time;
	it->section = x->e->section;
	it->rule = x->dec.rule;
	fill_record(x, rulebuf, sizeof(rulebuf), &it->rec);
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
	it->path = x->c.path ? strdup(x->c.path) : NULL;
	it->path_err = x->c.path_err;
	it->rec.path = it->path;
	if (log_format_call(&it->rec, callbuf, sizeof(callbuf)) >= 0)
		it->call = strdup(callbuf);
	it->argv = target_cmdline(tgid);
	if (ppid > 0 && target_exe(ppid, exe, sizeof(exe)) == 0)
		it->parent_exe = strdup(exe);
	if (!it->rule_loc || (x->c.path && !it->path)) {
		ask_item_free(it);
		return false;
	}
	if (x->e->emulates) {
		it->emulate = true;
		it->em = x->em; /* the open directory moves into the item */
		emulate_init(&x->em);
	}
	if (ask_queue_add(s->asks, it) < 0) {
		x->em = it->em; /* give it back: the caller decides now */
		emulate_init(&it->em);
		ask_item_free(it);
		return false;
	}
	return true;
}

/*
 * An ask decision: settled at once (complain mode, a remembered answer, no
 * prompt attached: ask_default), or handed to the main thread, which
 * answers it through the same answer.c. true if handed over.
 */
static bool settle_ask(struct call_ctx *x)
{
	struct session *s = x->s;
	const struct policy *p = s->policy;
	pid_t tgid = target_tgid(x->tid);
	unsigned long long start = tgid > 0 ? ask_start_time(tgid) : 0;
	struct decision rd;

	/* Our own credentials again while we look the caller up and,
	 * perhaps, wait: they are taken on anew to carry out an allow. */
	emulate_leave(&x->em);
	if (s->mode != POLICY_ENFORCE) {
		x->dec.kind = DECISION_ALLOW; /* complain: logged, let through */
		x->ask_by = "complain";
	} else if (s->asks &&
		   ask_remembered(s->asks, x->dec.rule, tgid, start, x->c.path, &rd, &x->nth)) {
		x->dec.kind = rd.kind;
		x->dec.err = rd.err;
		x->ask_by = "remembered";
	} else if (s->asks && p->ask_timeout_ms > 0 &&
		   (ask_attached(s->asks) ||
		    (!p->ask_unattached_default && ask_reachable(s->asks))) &&
		   queue_ask(x, tgid, start)) {
		/* With no prompt attached it waits for one to (control says how,
		 * once, on stderr), and gets ask_default when its time is up. */
		return true;
	} else {
		x->dec.kind = p->ask_default.kind;
		x->dec.err = p->ask_default.err;
		x->ask_by = "no-prompt";
	}
	return false;
}

/* Plan, carry out, record, answer. The record comes before the answer. */
static void answer(struct call_ctx *x)
{
	struct session *s = x->s;
	bool enforce = s->mode == POLICY_ENFORCE;
	struct answer_plan plan = answer_plan(&(struct answer_verdict){
		.kind = x->dec.kind,
		.err = x->dec.err,
		.enforce = enforce,
		.emulates = x->e->emulates,
		.checked = x->dec.used_path || x->ask_by,
		.abi = x->abi,
		.x32_runs = answer_kernel_runs_x32(),
	});
	int64_t result =
		answer_carry_out(&plan, s->listener, x->id, &x->em, x->c.path, x->c.path_err);

	/* allow is never logged, also when it was carried out by emulation;
	 * an ask always is (it says how it was settled). */
	if (s->log && (x->dec.kind != DECISION_ALLOW || x->ask_by)) {
		struct log_record rec = {};
		char rulebuf[512];

		char **cmdline;

		fill_record(x, rulebuf, sizeof(rulebuf), &rec);
		cmdline = first_cmdline(s, rec.tgid);
		rec.cmdline = cmdline;
		rec.enforced = enforce || x->dec.kind == DECISION_LOG ||
			       x->dec.kind == DECISION_EMULATE || x->dec.kind == DECISION_ALLOW;
		rec.err = x->dec.kind == DECISION_DENY && enforce ? x->dec.err : 0;
		rec.emulated = plan.emulated;
		rec.result = plan.emulated ? result : 0;
		rec.ask_by = x->ask_by;
		/* Before the answer, so the record precedes whatever the target
		 * prints about the outcome. */
		log_emit(s->log, &rec);
		strv_free(cmdline);
	}
	if (answer_send(&plan, result, s->listener, s->buf, x->id, x->tid) == -ENOENT)
		s->stats.vanished++;
}

/* Receive one notification into s->buf; false when there is none to handle
 * (*ret: 0 routine, or the listener's error). */
static bool receive(struct session *s, struct call_ctx *x, int *ret)
{
	int r = notify_recv(s->listener, s->buf);

	*ret = 0;
	if (r == -ENOENT || r == -EINTR || r == -EAGAIN) {
		if (r == -ENOENT)
			s->stats.vanished++;
		return false;
	}
	if (r < 0) {
		*ret = r;
		return false;
	}
	s->stats.notifications++;
	x->s = s;
	x->req = s->buf->req;
	x->id = x->req->id;
	x->tid = (pid_t)x->req->pid;
	x->dec = (struct decision){};
	x->ask_by = NULL;
	x->nth = 0;
	/* For the watchdog, should a read of this call's memory stall: before
	 * any read (decode reads socketcall's arguments; the guard's start
	 * publishes these). em is released by the watchdog if this thread is
	 * abandoned, so it must be valid from the first read on. */
	s->cur->id = x->id;
	s->cur->tid = x->tid;
	emulate_init(&x->em);
	s->cur->em = &x->em;
	return true;
}

/*
 * A denied mkdir of a name that exists gets EEXIST, as the kernel gives it
 * before any permission check (filename_create): `mkdir -p` walks up
 * through directories that exist and relies on it. It reveals nothing a
 * stat by the same process would not, since the name is looked up with the
 * target's credentials from the parent it could open.
 */
static void kernel_errno_first(struct call_ctx *x)
{
	if ((x->dec.kind != DECISION_DENY && x->dec.kind != DECISION_ASK) || x->dec.unresolved ||
	    x->dec.mem_unsafe || x->em.op != EMULATE_MKDIR || !x->c.path)
		return;
	/* An ask too: whatever a person would answer, the kernel fails the
	 * call with EEXIST first, so nobody is asked. */
	if (emulate_mkdir_exists(&x->em) > 0) {
		x->dec.kind = DECISION_DENY;
		x->dec.err = EEXIST;
	}
}

/*
 * An exec is about to change what /proc/TID/exe says: before anything is read
 * for it or it is answered (target/exe-cache.h). prctl(PR_SET_MM) can set the
 * exe file of every process sharing the caller's memory: the cache is turned
 * off. prctl's option is an int.
 */
static void note_exec(struct call_ctx *x)
{
	const char *name = x->e->name;

	if (!x->s->exes || !name)
		return;
	if (streq(name, "execve") || streq(name, "execveat"))
		exe_cache_exec(x->s->exes, x->tid, x->id);
	else if (streq(name, "prctl") && (int)(uint32_t)x->req->data.args[0] == PR_SET_MM)
		exe_cache_off(x->s->exes);
}

int session_handle(struct session *s)
{
	struct call_ctx x;
	int r;

	if (!receive(s, &x, &r))
		return r;
	if (!decode_call(&x))
		return 0; /* answered: EPERM */
	note_exec(&x);

	if (x.e->emulates) {
		/* ID_VALID is checked inside, right after the open under
		 * /proc/TID and before the path is resolved through it. */
		if (!gather_emulated(&x))
			goto vanished;
		decide(&x);
		kernel_errno_first(&x);
	} else {
		gather_plain(&x);
		decide(&x);
		/* What we read may belong to another process if the caller went
		 * away and its id was reused: only act if the call still waits
		 * (after every read, before acting). The TOCTOU rule lives
		 * elsewhere: a decision on copied memory never continues
		 * (policy_decide), an emulated family's allow on its path is
		 * carried out from the copy (answer_plan). */
		if (x.read_memory && notify_id_valid(s->listener, x.id) < 0)
			goto vanished;
	}
	if (x.dec.kind == DECISION_ASK && settle_ask(&x)) {
		emulate_done(&x.em);
		return 0; /* the main thread answers it */
	}
	answer(&x);
	emulate_done(&x.em);
	return 0;
vanished:
	s->stats.vanished++;
	emulate_done(&x.em);
	return 0;
}
