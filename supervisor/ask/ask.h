#pragma once
/*
 * ask: calls that wait for a person's answer, and the answers remembered.
 *
 * A session thread that reaches an `ask` decision either settles it at once
 * (a remembered answer, no prompt attached, complain mode) or hands the call
 * over as an ask_item and goes back to receiving: nothing waits on a person
 * but the caller itself. The main thread owns the queue from then on: it
 * tells the prompt clients (control.c), applies their answers, and applies
 * ask_default when the time runs out or drops the item when the caller dies.
 */
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "policy/policy.h"
#include "supervisor/core/answer.h"
#include "supervisor/emulate/emulate.h"
#include "supervisor/log/log.h"

struct json_object;

enum ask_scope {
	ASK_ONCE,
	ASK_PROCESS,
	ASK_RUN,
	ASK_ALWAYS,
};

enum ask_cover {
	ASK_COVER_EXACT,
	ASK_COVER_DIR,
	ASK_COVER_GLOB,
	ASK_COVER_ANY, /* every call the ask rule matches, named by the person */
};

/* Made by a session worker (call.c queue_ask), which hands it over whole
 * with ask_queue_add: from then on it is the queue's, and only the main
 * thread reads its fields outside the queue's lock or frees it. */
struct ask_item {
	uint64_t seq; /* the number users see */
	uint64_t id;  /* the notification */
	int listener; /* the session's listener (borrowed) */
	pid_t tid, tgid, ppid;
	enum call_abi abi;	       /* x32 calls get what the kernel gives them (answer.h) */
	unsigned long long start_time; /* of tgid: a reused pid is another process */
	char *exe, *parent_exe;
	char **argv; /* the caller's command line, NULL-terminated */
	const struct section *section;
	const struct rule *rule;
	char *rule_loc; /* refreshed when the item is finished (a write-back may move it) */
	size_t nth;	/* settled by a remembered `always` answer: its write-back */
	char *call;	/* strace style */
	char *path;	/* resolved; NULL if the call has none */
	int path_err;
	bool emulate;	       /* an allow answer is carried out from em */
	struct emulate em;     /* opened and resolved; credentials left */
	struct log_record rec; /* prepared; its strings point into this item */
	char *strs[6];
	uint64_t queued_ms, deadline_ms; /* CLOCK_MONOTONIC */
	bool announced;			 /* told to the prompt clients */
	struct ask_item *next;
};

struct ask_queue;

/* file: the policy file, for "always" answers (NULL for the built-in one). */
int ask_queue_new(struct ask_queue **ret, const struct policy *p, const char *file,
		  struct logger *log);
void ask_queue_free(struct ask_queue *q); /* NULL-safe; answers what is left "shutdown" */

/* ---- any thread ---- */

/* Is a prompt attached (some client subscribed)? */
bool ask_attached(const struct ask_queue *q);
/* A prompt could attach (the control socket is open): then an ask may wait
 * for one (ask_unattached = wait). Main thread, before the session starts. */
void ask_set_reachable(struct ask_queue *q, bool reachable);
bool ask_reachable(const struct ask_queue *q);
void ask_set_attached(struct ask_queue *q, unsigned n_clients);
/* A remembered answer for a call that reached ask rule r; *ret_nth (may be
 * NULL): for an `always` answer, the write-back that wrote its rule, else 0. */
bool ask_remembered(struct ask_queue *q, const struct rule *r, pid_t tgid,
		    unsigned long long start_time, const char *path, struct decision *ret,
		    size_t *ret_nth);
/* "FILE:LINE" of rule r of section s as the policy file is now, after the
 * rules `always` answers wrote into it (their lines, and those of every rule
 * below them, moved); nth > 0: the rule write-back nth wrote, which decides
 * for r (ask_remembered's *ret_nth). Returns buf. */
const char *ask_rule_location(struct ask_queue *q, const struct section *s, const struct rule *r,
			      size_t nth, char *buf, size_t size);
/* Hand an item over (the queue owns it from here) and wake the main loop.
 * -ENOSPC when too many calls wait already: the caller applies ask_default. */
int ask_queue_add(struct ask_queue *q, struct ask_item *it);
void ask_item_free(struct ask_item *it);
/* The start time of a process (field 22 of /proc/PID/stat), 0 if unknown. */
unsigned long long ask_start_time(pid_t pid);

/* ---- the main thread ---- */

/* Readable when items were added; ask_take_new() drains it. */
int ask_queue_fd(const struct ask_queue *q);
/* The items added since the last call, oldest first, as ASK JSON objects
 * (the caller puts them). */
int ask_take_new(struct ask_queue *q, struct json_object **ret_array);
/* Every pending item as an ASK JSON array. */
struct json_object *ask_list(struct ask_queue *q);
/* Apply timeouts and drop callers that went away. Resolved items are
 * reported through cb. Returns the ms until the next deadline, or -1. */
typedef void (*ask_resolved_cb)(void *data, uint64_t seq, enum decision_kind kind, int err,
				const char *by);
long ask_tick(struct ask_queue *q, ask_resolved_cb cb, void *data);

struct ask_answer {
	enum decision_kind kind; /* ALLOW, DENY or KILL */
	int err;
	enum ask_scope scope;
	enum ask_cover cover;
	const char *glob; /* ASK_COVER_GLOB */
};
/* Answer item seq. 0 with *ret_covers (malloc'd policy text) and, for
 * always, *ret_written ("FILE:LINE"); -errno with *ret_why otherwise. */
int ask_answer(struct ask_queue *q, uint64_t seq, const struct ask_answer *a, char **ret_covers,
	       char **ret_written, const char **ret_why, ask_resolved_cb cb, void *data);
/* The answers remembered for this run, as a JSON array of policy text. */
struct json_object *ask_remembered_list(struct ask_queue *q);
/* Answer everything still pending with ask_default ("shutdown"). */
void ask_shutdown(struct ask_queue *q, ask_resolved_cb cb, void *data);

/* Carry out a final decision on a call that waited: respond, log. Main thread. */
void ask_finish(struct ask_queue *q, struct ask_item *it, enum decision_kind kind, int err,
		const char *by);
