/*
 * log/summary: the --summary table (like strace -c), counted from the same
 * records the sinks get. Trusted side; syscall names are libseccomp's, and
 * escaped anyway.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supervisor/log/internal.h"

/* Distinct (syscall, decision) rows the summary keeps; the rest go to "(other)". */
#define SUMMARY_MAX_ROWS 4096
/* Longest syscall name the summary copies (libseccomp names are far shorter). */
#define SUMMARY_NAME_MAX 64

/* ---- Summary ---- */

static uint64_t row_hash(const char *name, enum decision_kind d, bool enforced)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	const unsigned char *p;

	for (p = (const unsigned char *)name; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	h = (h ^ (unsigned)d) * 1099511628211ULL;
	h = (h ^ (unsigned)enforced) * 1099511628211ULL;
	return h;
}

static struct summary_row *summary_find(struct summary_row *slots, size_t n_slots, const char *name,
					enum decision_kind d, bool enforced)
{
	size_t i = row_hash(name, d, enforced) & (n_slots - 1);

	for (;; i = (i + 1) & (n_slots - 1)) {
		struct summary_row *row = &slots[i];

		if (!row->name)
			return row;
		if (row->decision == d && row->enforced == enforced && streq(row->name, name))
			return row;
	}
}

static int summary_grow(struct summary *s)
{
	size_t n = s->n_slots ? s->n_slots * 2 : 64, i;
	struct summary_row *slots;

	slots = calloc(n, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	for (i = 0; i < s->n_slots; i++) {
		struct summary_row *old = &s->slots[i];

		if (old->name)
			*summary_find(slots, n, old->name, old->decision, old->enforced) = *old;
	}
	free(s->slots);
	s->slots = slots;
	s->n_slots = n;
	return 0;
}

void summary_count(struct summary *s, const struct log_record *r)
{
	char name[SUMMARY_NAME_MAX * 4 + 32];
	struct summary_row *row;
	bool enforced;
	struct sbuf sb;

	/* A 32-bit call is worth telling apart: it is how filters get bypassed. */
	sb_init(&sb, name, sizeof(name));
	if (!(r->arch == AUDIT_ARCH_X86_64 && !r->x32)) {
		sb_abi(&sb, r);
		sb_puts(&sb, ":");
	}
	if (r->syscall)
		sb_escape(&sb, r->syscall, strnlen(r->syscall, SUMMARY_NAME_MAX));
	else
		sb_printf(&sb, "syscall_%d", r->nr);
	/* Complain mode only changes what deny and kill did. */
	enforced = r->enforced || !record_is_blocking(r);

	if (s->n_slots == 0 && summary_grow(s) < 0) {
		s->other++;
		return;
	}
	row = summary_find(s->slots, s->n_slots, name, r->decision, enforced);
	if (row->name) {
		row->count++;
		return;
	}
	if (s->n_rows >= SUMMARY_MAX_ROWS) {
		s->other++;
		return;
	}
	/* Keep the table at most half full, so probes stay short and always end. */
	if ((s->n_rows + 1) * 2 > s->n_slots) {
		if (summary_grow(s) < 0) {
			s->other++;
			return;
		}
		row = summary_find(s->slots, s->n_slots, name, r->decision, enforced);
	}
	row->name = strdup(name);
	if (!row->name) {
		s->other++;
		return;
	}
	row->decision = r->decision;
	row->enforced = enforced;
	row->count = 1;
	s->n_rows++;
}

static int row_cmp(const void *a, const void *b)
{
	const struct summary_row *x = *(const struct summary_row *const *)a;
	const struct summary_row *y = *(const struct summary_row *const *)b;
	int c;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	c = strcmp(x->name, y->name);
	if (c)
		return c;
	if (x->decision != y->decision)
		return x->decision < y->decision ? -1 : 1;
	return (int)y->enforced - (int)x->enforced;
}

void summary_free(struct summary *s)
{
	size_t i;

	for (i = 0; i < s->n_slots; i++)
		free(s->slots[i].name);
	free(s->slots);
	*s = (struct summary){};
}

static const char *row_label(const struct summary_row *row, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s", record_decision_name(row->decision),
		 row->enforced ? "" : " (complain)");
	return buf;
}

static void summary_write(struct logger *l, FILE *out)
{
	_cleanup_free_ const struct summary_row **rows = NULL;
	const struct summary *s;
	size_t i, n = 0;
	char label[64];

	s = &l->summary;
	fputs("sysgate summary (calls decided in the supervisor; calls the filter allows in the "
	      "kernel are not counted)\n",
	      out);
	fprintf(out, "  %5s  %-21s %s\n", "calls", "decision", "syscall");
	if (s->n_rows > 0) {
		rows = calloc(s->n_rows, sizeof(*rows));
		if (!rows) {
			fputs("  (out of memory)\n", out);
			return;
		}
		for (i = 0; i < s->n_slots; i++)
			if (s->slots[i].name)
				rows[n++] = &s->slots[i];
		qsort(rows, n, sizeof(*rows), row_cmp);
	}
	for (i = 0; i < n; i++)
		fprintf(out, "  %5llu  %-21s %s\n", (unsigned long long)rows[i]->count,
			row_label(rows[i], label, sizeof(label)), rows[i]->name);
	if (s->other > 0)
		fprintf(out, "  %5llu  %-21s %s\n", (unsigned long long)s->other, "-", "(other)");
}

/*
 * The table is copied under l->lock (log_emit takes it to count, on every
 * deciding thread), and written after it is released: a stream that stalls
 * (a full pipe, a stopped terminal) must not hold a decision.
 */
void log_summary_print(struct logger *l, FILE *out)
{
	struct entry e = {.kind = ENTRY_RAW};
	FILE *m;

	if (!l || !out)
		return;
	pthread_mutex_lock(&l->lock);
	m = open_memstream(&e.text, &e.len);
	if (m) {
		summary_write(l, m);
		if (fclose(m) != 0) {
			free(e.text);
			e.text = NULL;
		}
	}
	pthread_mutex_unlock(&l->lock);
	if (!e.text) {
		/* Not straight to stderr: that is the terminal that may be stopped. */
		if (out != stderr)
			fputs("sysgate summary: out of memory\n", out);
		return;
	}
	if (out != stderr) {
		fwrite(e.text, 1, e.len, out);
		free(e.text);
		return;
	}
	/* To stderr through its queue, after the records queued there: the
	 * command may have stopped that terminal, and the exit must not wait. */
	queue_push(l->err, &e, false);
}
