#pragma once
/*
 * learn: observed calls in, policy text out. Pure: no I/O, no printing, no
 * /proc. `sysgate learn` and `sysgate review` feed it the records of a run
 * (supervisor/cli/records.c reads them) and print what it reports.
 *
 * Everything the observations hold came from the target (paths, exe names):
 * nothing of it is trusted. A path the policy language cannot carry exactly
 * (a space, a control character, a backslash the JSON log may have made,
 * a name that is not absolute, a line too long) is reported and gets no
 * rule, so the call stays denied: a learned policy is never widened to fit
 * a name it cannot write.
 *
 * The one engine serves both verbs: a base policy (an existing one, or the
 * skeleton of a learned one: default = deny, ENOSYS for the calls whose libc
 * falls back on ENOSYS) is loaded with the policy loader; each observation it
 * does not already allow becomes part of an item (the section that decides
 * it, or a new one, and a directory); each item gets an answer (the
 * suggestion under --batch); the answers become rules written into the base
 * text at the place that decides the call: before the catch-all rule of its
 * section, or in a new section. The result is loaded again before it is
 * returned: it never has an error.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy/policy.h"

/* One observed call (one record). The strings are copied. */
struct learn_obs {
	const char *syscall; /* libseccomp name */
	const char *abi;     /* "x86_64", "i386", "x32" */
	const char *path;    /* the resolved path the record names, or NULL */
	const char *exe;     /* the caller's executable, or NULL */
	int tgid;	     /* the caller's process (for /proc/PID), or 0 */
	bool launcher;	     /* made by sysgate's launcher before CMD's exec */
	bool refused;	     /* sysgate denied it during the recorded run itself
			      * (an enforced deny or kill): not the program's to keep */
	bool path_unknown;   /* no path because the recorded run resolved none for
			      * this call (no section of its policy covered it),
			      * not because it did not resolve */
	bool has_args;
	uint64_t args[6];
};

enum learn_paths {
	LEARN_PATHS_EXACT, /* each path as seen (pids of /proc as any pid) */
	LEARN_PATHS_DIR,   /* the directory of each path: DIR/ * */
	LEARN_PATHS_AUTO,  /* as aa-logprof proposes: libraries, known trees,
			    * directories with several files, extensions, /home */
};
int learn_paths_parse(const char *s); /* the enum, or -EINVAL */

struct learn;
int learn_new(struct learn **ret);
void learn_free(struct learn *l); /* NULL-safe */
/* 0, -ENOMEM, or -EINVAL for an observation without a syscall name. */
int learn_add(struct learn *l, const struct learn_obs *o);
/* Records lost by the recorded run (the log said so): noted in the text. */
void learn_note_lost(struct learn *l, unsigned long n);
size_t learn_count(const struct learn *l); /* observations added */

/*
 * The observing policy `sysgate learn` runs CMD under: every call of every
 * ABI notified and logged (default = log), with the path resolved for every
 * call that names one, the log blocking rather than dropping. malloc'd, NULL
 * on ENOMEM.
 */
char *learn_observer_text(void);

/* The skeleton of a learned policy: comments, default = deny, the ENOSYS
 * section. source: what was run (a comment; NULL: none). malloc'd. */
char *learn_skeleton_text(const char *source);
/* The same with [sysgate] abi = the ABIs in abis (bit 1 << enum policy_abi;
 * x86_64 always), unless that is all three. */
char *learn_skeleton_text_abis(const char *source, unsigned abis);
/* The ABIs the recorded run's calls came through (bits as above), x86_64
 * always. */
unsigned learn_abis_used(const struct learn *l);

/* ---- items and answers ---- */

enum learn_choice {
	LEARN_SUGGESTED, /* what --paths suggests (allow) */
	LEARN_ALLOW_SEEN,
	LEARN_ALLOW_DIR,  /* DIR/ * */
	LEARN_ALLOW_TREE, /* DIR/ ** */
	LEARN_ALLOW_GLOB, /* a glob given (checked: it must match every path) */
	LEARN_DENY,
	LEARN_ASK,
	LEARN_SKIP,
};

struct learn_item {
	char *where;	   /* "[openat]" (the deciding section) or "new [=openat]" */
	char *syscalls;	   /* "openat, newfstatat" */
	char *dir;	   /* the directory the paths are in; NULL: no path */
	size_t n_paths;	   /* distinct paths seen (for a path item) */
	char **paths;	   /* as seen */
	char **suggestion; /* the globs --paths suggests (NULL-terminated; empty
			    * for an item without a path: allow = *) */
	unsigned calls;	   /* observations in the item */
	bool tree_ok;	   /* DIR/ ** is a glob the language accepts */
};

struct learn_answer {
	enum learn_choice choice;
	int err;	  /* LEARN_DENY: the errno (0: EPERM) */
	const char *glob; /* LEARN_ALLOW_GLOB */
};

/* Messages for the verb to print (each a line; target strings escaped). */
struct learn_report {
	size_t n;
	char **lines;
};
void learn_report_done(struct learn_report *r);

struct learn_plan;
/*
 * Compare the observations with the base policy (name for messages, text
 * its contents) and make the items. 0; -EINVAL with a report line when the
 * base does not load; -ENOMEM.
 */
int learn_plan_new(const struct learn *l, const char *name, const char *text,
		   enum learn_paths paths, struct learn_plan **ret, struct learn_report *rep);
void learn_plan_free(struct learn_plan *p);
size_t learn_plan_items(const struct learn_plan *p, const struct learn_item **ret);
/*
 * Can this answer be given to item i? NULL if so, else why not (static):
 * a glob that is not well formed, not absolute or does not match every path
 * of the item, a path answer to an item without a path.
 */
const char *learn_answer_check(const struct learn_plan *p, size_t i, const struct learn_answer *a);
/*
 * The base text with the answers (one per item; NULL: every suggestion)
 * written in, loaded again to be sure. 0 with *ret_text; -EINVAL with a
 * report line when the result would not load (a bug: nothing is written);
 * -ENOMEM.
 */
int learn_plan_apply(const struct learn_plan *p, const struct learn_answer *answers,
		     char **ret_text, struct learn_report *rep);

/* The glob --paths gives one path on its own (exact: escaped; /proc/PID as
 * /proc/ *: rules judge resolved paths, where /proc/self reads /proc/PID).
 * NULL with *ret_why when the path cannot be written (see above), or on
 * ENOMEM (*ret_why NULL). */
char *learn_glob_for(const char *path, enum learn_paths paths, const char **ret_why);

/* The syscalls a learned policy fails with ENOSYS when not seen. */
extern const char *const learn_enosys[]; /* NULL-terminated */
