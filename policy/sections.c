/*
 * sections: what a section header covers ([mkdir], [=mkdir], [a, b],
 * [@group]) and, where two cover one syscall, which one takes it.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy/loader.h"
#include "policy/policy.h"
#include "sg-util.h"

/* ---- sections ---- */

static bool section_covers(const struct section *s, const char *syscall)
{
	for (size_t i = 0; i < s->n_syscalls; i++)
		if (streq(s->syscalls[i], syscall))
			return true;
	return false;
}

const struct section *policy_section_for(const struct policy *p, const char *syscall)
{
	if (!p || !syscall)
		return NULL;
	for (size_t i = 0; i < p->n_sections; i++)
		if (section_covers(&p->sections[i], syscall))
			return &p->sections[i];
	return NULL;
}

static void section_emulatable(struct section *s)
{
	s->emulatable = s->n_syscalls > 0;
	for (size_t i = 0; i < s->n_syscalls; i++)
		s->emulatable = s->emulatable && policy_syscall_emulatable(s->syscalls[i]);
}

int ld_section_add_syscall(struct section *s, const char *name, unsigned char spec)
{
	char **v = reallocarray(s->syscalls, s->n_syscalls + 2, sizeof(*v));
	unsigned char *sp;

	if (!v)
		return -ENOMEM;
	s->syscalls = v;
	sp = realloc(s->spec, s->n_syscalls + 1);
	if (!sp)
		return -ENOMEM;
	s->spec = sp;
	s->syscalls[s->n_syscalls] = strdup(name);
	if (!s->syscalls[s->n_syscalls])
		return -ENOMEM;
	s->spec[s->n_syscalls] = spec;
	s->syscalls[++s->n_syscalls] = NULL;
	section_emulatable(s);
	return 0;
}

static ssize_t section_index(const struct section *s, const char *syscall)
{
	for (size_t i = 0; i < s->n_syscalls; i++)
		if (streq(s->syscalls[i], syscall))
			return (ssize_t)i;
	return -1;
}

/* Drop syscall k from s: a more specific section took it. */
static void section_drop(struct section *s, size_t k)
{
	free(s->syscalls[k]);
	memmove(&s->syscalls[k], &s->syscalls[k + 1], (s->n_syscalls - k) * sizeof(*s->syscalls));
	memmove(&s->spec[k], &s->spec[k + 1], s->n_syscalls - k - 1);
	s->n_syscalls--;
	s->n_taken++;
	section_emulatable(s);
}

int ld_append_section(struct policy *p, struct section *s)
{
	struct section *v = reallocarray(p->sections, p->n_sections + 1, sizeof(*v));

	if (!v)
		return -ENOMEM;
	p->sections = v;
	p->sections[p->n_sections++] = *s;
	*s = (struct section){};
	return 0;
}

/* Add one syscall to s. Named twice exactly in one header is an error; a
 * group or family that repeats a syscall adds nothing. */
static int header_add(struct loader *ld, const struct event *e, struct section *s, const char *name,
		      const char *via, unsigned char spec)
{
	ssize_t k = section_index(s, name);

	if (k >= 0) {
		if (spec == SPEC_EXACT && s->spec[k] == SPEC_EXACT)
			return ld_error(ld, e->line, "[%s]: %s is named twice in this header",
					e->name, name)
				       ?: -EINVAL;
		s->spec[k] = MAX(s->spec[k], spec);
		return 0;
	}
	(void)via;
	return ld_section_add_syscall(s, name, spec);
}

/*
 * A section header lists what it covers, separated by commas:
 *   NAME     a family, where NAME is a family head (mkdir: mkdir and
 *            mkdirat), else the one syscall NAME
 *   =NAME    exactly the syscall NAME, even where it heads a family
 *   @GROUP   every syscall of a group (policy_groups)
 * [mkdir] is the mkdir family, [=mkdir] mkdir(2) alone, [read, write,
 * close] three syscalls, [@network, mkdir] a group and a family.
 */
static int section_items(struct loader *ld, const struct event *e, struct section *s)
{
	_cleanup_free_ char *buf = strdup(e->name);
	size_t items = 0;
	char *save = NULL;
	int r;

	if (!buf)
		return -ENOMEM;
	if (strstr(e->name, ",,") || e->name[0] == ',' || e->name[strlen(e->name) - 1] == ',')
		return ld_error(ld, e->line, "[%s]: an empty name in the header", e->name)
			       ?: -EINVAL;
	for (char *it = strtok_r(buf, ",", &save); it; it = strtok_r(NULL, ",", &save), items++) {
		const struct family *f;
		const char *name;

		it = ld_rstrip(ld_lskip(it));
		if (!*it)
			return ld_error(ld, e->line, "[%s]: an empty name in the header", e->name)
				       ?: -EINVAL;
		if (it[0] == '@') {
			const struct policy_group *g = policy_group(it + 1);

			if (!g) {
				const char *near = policy_group_nearest(it + 1);

				return ld_error(ld, e->line, "[%s]: unknown group %s%s%s%s",
						e->name, it, near ? " (did you mean @" : "",
						near ? near : "",
						near ? "?)" : " (see GROUPS in sysgate-policy(5))")
					       ?: -EINVAL;
			}
			for (const char *const *n = g->syscalls; *n; n++)
				if (policy_syscall_known(*n)) {
					r = header_add(ld, e, s, *n, it, SPEC_GROUP);
					if (r < 0)
						return r;
				}
			continue;
		}
		name = it[0] == '=' ? it + 1 : it;
		f = it[0] == '=' ? NULL : policy_family(name);
		if (f) {
			/* A family head stands for the family, even where it is
			 * also a syscall name (mkdir, chmod, open, mount). */
			for (const char *const *n = f->syscalls; *n; n++)
				if (policy_syscall_known(*n)) {
					r = header_add(ld, e, s, *n, it, SPEC_FAMILY);
					if (r < 0)
						return r;
				}
			if (!strchr(e->name, ','))
				s->family = f;
		} else if (policy_syscall_known(name)) {
			r = header_add(ld, e, s, name, it, SPEC_EXACT);
			if (r < 0)
				return r;
		} else {
			const char *near = policy_syscall_nearest(name);

			return ld_error(ld, e->line,
					"unknown section [%s]: %s is neither a syscall libseccomp "
					"knows "
					"on x86_64, i386 or x32, nor a family%s%s%s",
					e->name, name, near ? " (did you mean " : "",
					near ? near : "", near ? "?)" : "")
				       ?: -EINVAL;
		}
	}
	return 0;
}

int ld_begin_section(struct loader *ld, const struct event *e)
{
	struct section s = {.line = e->line, .file = ld->cur_file};
	int r;

	ld_section_done(&ld->scratch);
	ld->ctx = CTX_BAD;
	if (e->bad)
		return 0;
	if (streq(e->name, "sysgate")) {
		ld->ctx = CTX_SYSGATE;
		return 0;
	}
	ld->scratch.line = e->line;
	ld->scratch.name = strdup(e->name);
	if (!ld->scratch.name)
		return -ENOMEM;
	if (!*e->name)
		return ld_error(ld, e->line, "empty section name") ?: -EINVAL;

	s.name = strdup(e->name);
	if (!s.name)
		return -ENOMEM;
	r = section_items(ld, e, &s);
	if (r < 0)
		goto fail;

	/*
	 * Most specific wins: a syscall named exactly beats a family, a family
	 * beats a group, whatever the order of the sections. Two sections that
	 * name a syscall equally specifically are an error (neither can win),
	 * unless a more specific one, later in the file, takes it from both:
	 * that is settled once every section is read (ld_check_overlaps).
	 */
	for (size_t i = 0; i < ld->p->n_sections; i++) {
		struct section *o = &ld->p->sections[i];

		for (size_t k = 0; k < s.n_syscalls;) {
			ssize_t j = section_index(o, s.syscalls[k]);

			if (j < 0) {
				k++;
			} else if (s.spec[k] > o->spec[j]) {
				section_drop(o, (size_t)j);
				k++;
			} else if (s.spec[k] < o->spec[j]) {
				section_drop(&s, k);
			} else {
				k++; /* both keep it for now */
			}
		}
	}
	r = ld_append_section(ld->p, &s);
	if (r < 0)
		goto fail;
	ld->ctx = CTX_SECTION;
	ld->cur = ld->p->n_sections - 1;
	return 0;
fail:
	ld_section_done(&s);
	return r;
}

int ld_check_overlaps(struct loader *ld)
{
	const struct policy *p = ld->p;

	for (size_t b = 1; b < p->n_sections; b++) {
		const struct section *sb = &p->sections[b];

		for (size_t a = 0; a < b; a++) {
			const struct section *sa = &p->sections[a];

			for (size_t k = 0; k < sb->n_syscalls; k++) {
				int r;

				if (section_index(sa, sb->syscalls[k]) < 0)
					continue;
				ld->cur_file = sb->file;
				r = ld_error(
					ld, sb->line,
					"[%s]: %s is already covered by [%s] at line %u, as "
					"specifically (name it in one of them only, or give it "
					"a section of its own)",
					sb->name, sb->syscalls[k], sa->name, sa->line);
				ld->cur_file = NULL;
				if (r < 0)
					return r;
				break;
			}
		}
	}
	return 0;
}
