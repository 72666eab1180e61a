/*
 * log/text: a record as one line of text (stderr, files, syslog). Built from
 * escaped pieces only: a target-controlled string never reaches a terminal raw.
 */
#include <string.h>

#include "supervisor/log/internal.h"

/* Who made which call: "[container pod P] PID EXE ABI:call(args)". */
static void text_caller(struct sbuf *sb, const struct log_record *r, bool prefix)
{
	if (prefix)
		sb_puts(sb, "sysgate: ");
	if (r->container) {
		sb_puts(sb, "[");
		sb_escape(sb, r->container, strlen(r->container));
		if (r->pod) {
			sb_puts(sb, " pod ");
			sb_escape(sb, r->pod, strlen(r->pod));
		}
		sb_puts(sb, "] ");
	}
	sb_printf(sb, "%d ", (int)r->pid);
	if (r->exe)
		sb_escape(sb, r->exe, strlen(r->exe));
	else
		sb_puts(sb, "?");
	sb_puts(sb, " ");
	if (!(r->arch == AUDIT_ARCH_X86_64 && !r->x32)) {
		sb_abi(sb, r);
		sb_puts(sb, ":");
	}
	sb_call(sb, r);
}

/* What the target got: " = -1 EACCES", " = 0", " = ?". */
static void text_result(struct sbuf *sb, const struct log_record *r, bool gone)
{
	if (gone) {
		sb_puts(sb, " = ?");
	} else if (r->emulated && r->result < 0) {
		const char *e = policy_errno_name((int)-r->result);

		if (e)
			sb_printf(sb, " = -1 %s", e);
		else
			sb_printf(sb, " = -1 errno %d", (int)-r->result);
	} else if (r->emulated) {
		sb_printf(sb, " = %lld", (long long)r->result);
	} else if (r->decision == DECISION_DENY && r->enforced) {
		const char *e = policy_errno_name(r->err);

		if (e)
			sb_printf(sb, " = -1 %s", e);
		else
			sb_printf(sb, " = -1 errno %d", r->err);
	} else {
		sb_puts(sb, " = ?");
	}
}

/* Which rule decided what: " [deny FILE:LINE]", " [ask R -> deny (timeout)]". */
static void text_decision(struct sbuf *sb, const struct log_record *r, bool gone)
{
	bool complain = record_is_blocking(r) && !r->enforced;

	sb_puts(sb, " [");
	sb_puts(sb, r->ask_by ? "ask" : record_decision_name(r->decision));
	sb_puts(sb, " ");
	if (r->rule)
		sb_escape(sb, r->rule, strlen(r->rule));
	else
		sb_puts(sb, "?");
	if (r->ask_by) {
		sb_puts(sb, " -> ");
		/* A caller that died while it waited got no decision at all. */
		sb_puts(sb, gone ? "none" : record_decision_name(r->decision));
		sb_puts(sb, " (");
		sb_puts(sb, r->ask_by);
		sb_puts(sb, ")");
	}
	if (complain)
		sb_puts(sb, ", complain: allowed");
	if (r->emulated && r->decision != DECISION_EMULATE)
		sb_puts(sb, ", emulated");
	sb_puts(sb, "]");
}

void text_build(struct sbuf *sb, const struct log_record *r, bool prefix)
{
	bool gone = r->ask_by && streq(r->ask_by, "gone");

	text_caller(sb, r, prefix);
	text_result(sb, r, gone);
	text_decision(sb, r, gone);
	if (record_path_differs(r)) {
		sb_puts(sb, " path=\"");
		sb_escape(sb, r->path, strlen(r->path));
		sb_puts(sb, "\"");
	}
	if (r->why) {
		sb_puts(sb, " why=\"");
		sb_escape(sb, r->why, strlen(r->why));
		sb_puts(sb, "\"");
	}
	if (r->decision == DECISION_KILL && r->enforced)
		sb_puts(sb, " +++ killed +++");
}

int log_format_text(const struct log_record *r, char *buf, size_t size)
{
	struct sbuf sb;

	sb_init(&sb, buf, size);
	text_build(&sb, r, true);
	return sb_result(&sb);
}
