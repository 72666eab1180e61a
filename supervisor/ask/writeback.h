#pragma once
/*
 * ask/writeback: an `always` answer written into the policy file. Trusted
 * side; the rule text comes from answer_covers_text() (policy/answer.h) and
 * its path from the target, so the new policy is loaded in memory first and
 * the file is only replaced when it loads. Main thread only (ask_answer()):
 * nothing here is shared between threads.
 */
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#include "policy/policy.h"

/*
 * inserted[] and n_inserted are written by the main thread alone
 * (writeback_rule): an entry is set first, then published by the release
 * store that counts it; entries never change once counted. Any thread may
 * read them (an acquire load of n_inserted, then the entries below it): the
 * session workers name rules by the line they have now.
 */
struct writeback {
	const char *file; /* the policy file as the user named it (borrowed); NULL: built-in */
	unsigned inserted[256]; /* original lines above which a rule was written (two lines) */
	atomic_size_t n_inserted;
	/* The file's text as sysgate loaded it (writeback_init) or last wrote
	 * it: its length and FNV-1a hash. Main thread only. A write-back into
	 * a file that is not this text any more is refused: its lines are not
	 * the lines sysgate counts, and the ask rule at the old line may be
	 * another section's. */
	bool known;
	size_t text_len;
	uint64_t text_sum;
};

/*
 * Set w up for the policy file (NULL: built-in, nothing is written): file is
 * borrowed, and its text is remembered, to be compared at each write-back.
 * Call it right after the policy was loaded from file (an edit in between is
 * not seen). A file that cannot be read leaves nothing remembered, and then
 * every write-back is refused.
 */
void writeback_init(struct writeback *w, const char *file);

/*
 * Write rule (one policy line) into the policy file, right above the ask
 * rule that was on line ask_line when the policy was loaded, with a comment
 * saying when. The new text must load (policy_load_string) or nothing is
 * written. A symlinked file is written where it really is (the link stays),
 * once, atomically (a temporary file beside it, fsync, rename), with the
 * file's owner, group and mode. 0 with *ret_written ("FILE:LINE", the name
 * the user gave) and *ret_nth (this write-back's number, from 1, for
 * writeback_written_line); -errno with *ret_why (static text) otherwise.
 */
int writeback_rule(struct writeback *w, unsigned ask_line, const char *rule, char **ret_written,
		   size_t *ret_nth, const char **ret_why);

/* Where line `original` of the policy file as loaded is now, after every
 * rule written so far (each two lines, the comment and the rule, above its
 * ask rule). Any thread. */
unsigned writeback_line_now(const struct writeback *w, unsigned original);
/* The line the rule of write-back nth (from writeback_rule) has now; 0 if
 * there is no such write-back. Any thread. */
unsigned writeback_written_line(const struct writeback *w, size_t nth);

/*
 * "FILE:LINE" of rule r of section s as the policy file is now: its line
 * moved by the rules written above it; for nth > 0, the rule write-back nth
 * wrote (what a remembered `always` answer decides by) instead of r. Rules
 * of included files, implicit sections and the default as
 * policy_rule_location() names them. Any thread; returns buf.
 */
const char *writeback_rule_location(const struct writeback *w, const struct policy *p,
				    const struct section *s, const struct rule *r, size_t nth,
				    char *buf, size_t size);
