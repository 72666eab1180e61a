#pragma once
/*
 * ask/writeback: an `always` answer written into the policy file. Trusted
 * side; the rule text comes from answer_covers_text() (policy/answer.h) and
 * its path from the target, so the new policy is loaded in memory first and
 * the file is only replaced when it loads. Main thread only (ask_answer()):
 * nothing here is shared between threads.
 */
#include <stddef.h>

struct writeback {
	const char *file; /* the policy file as the user named it (borrowed); NULL: built-in */
	unsigned inserted[256]; /* original lines above which a rule was written (two lines) */
	size_t n_inserted;
};

/*
 * Write rule (one policy line) into the policy file, right above the ask
 * rule that was on line ask_line when the policy was loaded, with a comment
 * saying when. The new text must load (policy_load_string) or nothing is
 * written. A symlinked file is written where it really is (the link stays),
 * once, atomically (a temporary file beside it, fsync, rename), with the
 * file's owner, group and mode. 0 with *ret_written ("FILE:LINE", the name
 * the user gave); -errno with *ret_why (static text) otherwise.
 */
int writeback_rule(struct writeback *w, unsigned ask_line, const char *rule, char **ret_written,
		   const char **ret_why);
