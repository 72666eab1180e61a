#pragma once
/*
 * answer: a person's answer to an ask, as words and as policy text. The
 * grammar the prompt reads ("deny EACCES run dir"), and the one text of what
 * a remembered answer covers, which the prompt shows before it confirms and
 * the ask queue remembers and writes into the policy: both build it here, so
 * they cannot differ. Pure: no I/O, no printing, nothing about the target
 * but the strings it is given (which the caller escapes before showing).
 */
#include <stdbool.h>
#include <stddef.h>

#include "policy/policy.h"

/* How long a remembered answer lasts (the values of the protocol's "scope"). */
enum answer_scope {
	ANSWER_ONCE,
	ANSWER_PROCESS,
	ANSWER_RUN,
	ANSWER_ALWAYS,
};

/* What a remembered answer covers of the call's path ("cover"). */
enum answer_cover {
	ANSWER_COVER_EXACT,
	ANSWER_COVER_DIR,
	ANSWER_COVER_GLOB,
	ANSWER_COVER_ANY, /* every call the ask rule's conditions match: typed as "any" */
};

extern const char *const answer_scope_names[4]; /* "once", "process", "run", "always" */
extern const char *const answer_cover_names[4]; /* "exact", "dir", "glob", "any" */
/* The scope or cover of that name, or -EINVAL. */
int answer_scope_parse(const char *name);
int answer_cover_parse(const char *name);

#define ANSWER_GLOB_MAX 4096
#define ANSWER_ERR_MAX 32

/* An answer as typed: DECISION [ERRNO] [SCOPE] [COVER]. */
struct answer_words {
	enum decision_kind kind;       /* ALLOW, DENY or KILL */
	int err;		       /* deny: the errno (EPERM when none was typed) */
	char err_word[ANSWER_ERR_MAX]; /* as typed ("EACCES", "13"); "" when none */
	enum answer_scope scope;       /* ONCE unless typed */
	enum answer_cover cover;       /* EXACT unless typed */
	char glob[ANSWER_GLOB_MAX];    /* ANSWER_COVER_GLOB: glob=GLOB */
};

/*
 * Parse an answer line: the decision first (allow/a, deny/d, kill/k), then
 * in any order at most one errno (a name or number the policy accepts; deny
 * only), scope (once/o, process/p, run/r, always/A) and cover (exact, dir,
 * glob=GLOB). 0, or -EINVAL with *ret_why (static text) and *ret_word (the
 * offending word, inside text, or NULL): the caller shows "'WORD' WHY".
 * text is cut into words in place.
 */
int answer_parse(char *text, struct answer_words *ret, const char **ret_why, const char **ret_word);

/*
 * What the supervisor would refuse anyway, for a call whose path is path
 * (NULL: it has none): a cover on a once answer, a cover other than exact
 * without a path, a glob that is not absolute, not well formed or does not
 * match the path. 0, or -EINVAL with *ret_why (static text).
 */
int answer_check(const struct answer_words *a, const char *path, const char **ret_why);

/*
 * The glob a remembered answer covers of path: exact, the path with the glob
 * metacharacters escaped; dir, its directory followed by / **; glob, the
 * glob as given (the caller checked it). NULL on ENOMEM.
 */
char *answer_covers_glob(const char *path, enum answer_cover cover, const char *glob);

/*
 * The conditions of rule r that an answer keeps, as policy text: all but its
 * path conditions (which the cover replaces) and '*'. "" when none; NULL on
 * ENOMEM. "mode & 02000 and exe ~ /usr/bin/sudo".
 */
char *answer_conds_text(const struct rule *r);

/*
 * The rule an answer amounts to, as policy text: "DECISION = [ERRNO] COND
 * [and COND]...", glob (NULL: no path condition) first, then conds (from
 * answer_conds_text(); NULL or "": none), "*" when there is neither.
 * "deny = EACCES path ~ /home/u/x and mode & 02000". NULL on ENOMEM.
 */
char *answer_covers_text(enum decision_kind kind, int err, const char *glob, const char *conds);

/*
 * The policy text old (len bytes) with rule written above line `line`, which
 * must be an `ask` rule, preceded by a comment "; added by sysgate prompt,
 * STAMP". 0 with *ret_text (malloc'd, NUL-terminated, *ret_len bytes);
 * -ESTALE with *ret_why when line is not an ask rule (the file changed
 * since it was loaded) or old holds a NUL byte; -ENOMEM.
 */
int answer_insert_rule(const char *old, size_t len, unsigned line, const char *rule,
		       const char *stamp, char **ret_text, size_t *ret_len, const char **ret_why);
