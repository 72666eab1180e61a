/*
 * parse: load and validate a policy.
 *
 * The policy file is written by the person running sysgate, not by the target,
 * but a policy that silently means something other than what it says is a
 * hole all the same. So the loader refuses everything it does not fully
 * understand, with a line number, and builds the policy in a temporary object
 * that is thrown away on any error: a caller never sees half a policy.
 *
 * Lines are read twice. Debian's inih (r55) reads at most 199 bytes of a line
 * and parses the rest as a new line, truncates section names, and treats an
 * indented line as the continuation of the previous value, all without
 * complaint. A scanner here mirrors inih's line rules exactly, refuses what
 * inih would misread, and records each line's number (r55 does not pass line
 * numbers to the handler). inih then parses the same text; its handler calls
 * must agree one for one with the scanner, or the policy is refused.
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

/* ---- diagnostics ---- */

static __attribute__((format(printf, 5, 0))) int diag_vadd(struct policy_diags *d,
							   enum diag_level sev, const char *file,
							   unsigned line, const char *fmt,
							   va_list ap)
{
	struct policy_diag *v;
	char *msg, *f = NULL;

	if (vasprintf(&msg, fmt, ap) < 0)
		return -ENOMEM;
	if (file && !(f = strdup(file))) {
		free(msg);
		return -ENOMEM;
	}
	v = reallocarray(d->v, d->n + 1, sizeof(*v));
	if (!v) {
		free(msg);
		free(f);
		return -ENOMEM;
	}
	d->v = v;
	d->v[d->n++] = (struct policy_diag){.severity = sev, .line = line, .msg = msg, .file = f};
	if (sev == DIAG_ERROR)
		d->n_errors++;
	else
		d->n_warnings++;
	return 0;
}

void policy_diags_free(struct policy_diags *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].msg);
		free(d->v[i].file);
	}
	free(d->v);
	*d = (struct policy_diags){};
}

/* ---- freeing ---- */

void ld_rule_done(struct rule *r)
{
	for (size_t i = 0; i < r->n_conds; i++) {
		free(r->conds[i].glob);
		free(r->conds[i].arg_name);
		free(r->conds[i].text);
	}
	free(r->conds);
	r->conds = NULL;
	r->n_conds = 0;
}

void ld_section_done(struct section *s)
{
	free(s->name);
	for (size_t i = 0; i < s->n_syscalls; i++)
		free(s->syscalls[i]);
	free(s->syscalls);
	free(s->spec);
	for (size_t i = 0; i < s->n_rules; i++)
		ld_rule_done(&s->rules[i]);
	free(s->rules);
	*s = (struct section){};
}

void policy_free(struct policy *p)
{
	if (!p)
		return;
	free(p->file);
	free(p->text);
	ld_rule_done(&p->dflt);
	for (char **s = p->log_sinks; s && *s; s++)
		free(*s);
	free(p->log_sinks);
	free(p->log_format);
	free(p->log_full);
	for (size_t i = 0; i < p->n_sections; i++)
		ld_section_done(&p->sections[i]);
	free(p->sections);
	for (size_t i = 0; i < p->n_files; i++)
		free(p->files[i]);
	free(p->files);
	free(p);
}

int ld_error(struct loader *ld, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int ld_error(struct loader *ld, unsigned line, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = diag_vadd(&ld->d, DIAG_ERROR, ld->cur_file, line, fmt, ap);
	va_end(ap);
	return r;
}

int ld_warning(struct loader *ld, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int ld_warning(struct loader *ld, unsigned line, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = diag_vadd(&ld->d, DIAG_WARNING, ld->cur_file, line, fmt, ap);
	va_end(ap);
	return r;
}

/* inih's own string helpers, reproduced so the scanner cuts where inih cuts. */
/* The value of the KV event at *i with its continuation lines, each one's
 * trailing backslash dropped, joined by a space; *i moves to the last. */
static int join_continued(const struct event *events, size_t n_events, size_t *i, char **ret)
{
	size_t len = 0, j;
	char *v;

	for (j = *i; j < n_events && (j == *i || (events[j].type == EV_CONT && !events[j].bad));
	     j++)
		len += strlen(events[j].value) + 1;
	v = malloc(len + 1);
	if (!v)
		return -ENOMEM;
	v[0] = '\0';
	for (j = *i; j < n_events && (j == *i || (events[j].type == EV_CONT && !events[j].bad));
	     j++) {
		const char *piece = events[j].value;
		size_t n = strlen(piece);

		if (ld_ends_continued(piece))
			n--;
		while (n && (piece[n - 1] == ' ' || piece[n - 1] == '\t'))
			n--;
		if (*v)
			strcat(v, " ");
		strncat(v, piece, n);
	}
	*i = j - 1;
	*ret = v;
	return 0;
}

static int process_events(struct loader *ld, const struct event *events, size_t n_events);
static void loader_done(struct loader *ld);
static int move_diags(struct policy_diags *from, struct policy_diags *to);
static int read_policy(int fd, char **ret, size_t *ret_len, struct stat *ret_st);

/*
 * include = FILE in [sysgate]: FILE's sections and settings, read as if
 * they stood here. FILE is relative to the including file's directory.
 * Nested includes are followed to POLICY_INCLUDE_DEPTH; a file that
 * includes itself, directly or not, is refused. Errors name the included
 * file and its line.
 */
int ld_include_file(struct loader *ld, unsigned line, const char *name)
{
	_cleanup_(loader_done) struct loader sub = {};
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *path = NULL, *text = NULL;
	const char *slash = strrchr(ld->cur_path, '/');
	const char *saved_file = ld->cur_file, *saved_path = ld->cur_path;
	struct stat st;
	bool split;
	size_t len;
	char **files;
	int r;

	if (!*name || strchr(name, ' '))
		return ld_error(ld, line, "include needs one file name") ?: -EINVAL;
	if (ld->depth >= POLICY_INCLUDE_DEPTH)
		return ld_error(ld, line, "includes nested deeper than %d", POLICY_INCLUDE_DEPTH)
			       ?: -EINVAL;
	if (name[0] == '/' || !slash)
		path = strdup(name);
	else if (asprintf(&path, "%.*s/%s", (int)(slash - ld->cur_path), ld->cur_path, name) < 0)
		path = NULL;
	if (!path)
		return -ENOMEM;
	/* Only a regular file: opening a device can do things of its own (a
	 * tty, a watchdog), and a FIFO would wait for a writer. */
	if (stat(path, &st) < 0)
		return ld_error(ld, line, "cannot include %s: %s", path, strerror(errno))
			       ?: -EINVAL;
	if (!S_ISREG(st.st_mode))
		return ld_error(ld, line, "cannot include %s: not a regular file", path) ?: -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return ld_error(ld, line, "cannot include %s: %s", path, strerror(errno))
			       ?: -EINVAL;
	r = read_policy(fd, &text, &len, &st);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return ld_error(ld, line, "cannot include %s: %s", path, strerror(-r)) ?: -EINVAL;
	for (unsigned i = 0; i <= ld->depth; i++)
		if (ld->open_files[i].dev == st.st_dev && ld->open_files[i].ino == st.st_ino)
			return ld_error(ld, line, "%s includes itself (an include cycle)", path)
				       ?: -EINVAL;

	files = reallocarray(ld->p->files, ld->p->n_files + 1, sizeof(*files));
	if (!files)
		return -ENOMEM;
	ld->p->files = files;
	ld->p->files[ld->p->n_files++] = TAKE_PTR(path);

	/* Scan and cross-check it on its own, then process its events here. */
	sub.cur_file = ld->p->files[ld->p->n_files - 1];
	r = ld_scan(&sub, text, len, &split);
	if (r >= 0 && !split)
		r = ld_cross_check(&sub, text);
	if (r >= 0)
		r = move_diags(&sub.d, &ld->d);
	if (r < 0)
		return r;
	ld->depth++;
	ld->open_files[ld->depth].dev = st.st_dev;
	ld->open_files[ld->depth].ino = st.st_ino;
	ld->cur_file = ld->cur_path = ld->p->files[ld->p->n_files - 1];
	r = process_events(ld, sub.events, sub.n_events);
	ld->cur_file = saved_file;
	ld->cur_path = saved_path;
	ld->depth--;
	/* Back in the including file's [sysgate], whatever the other ended in. */
	ld_section_done(&ld->scratch);
	ld->ctx = CTX_SYSGATE;
	return r;
}

static int process_events(struct loader *ld, const struct event *events, size_t n_events)
{
	for (size_t i = 0; i < n_events; i++) {
		const struct event *e = &events[i];
		int r = 0;

		if (e->type == EV_SECTION) {
			r = ld_begin_section(ld, e);
		} else if (e->type == EV_KV) {
			_cleanup_free_ char *joined = NULL;
			const char *value = e->value;

			if (i + 1 < n_events && events[i + 1].type == EV_CONT &&
			    !events[i + 1].bad) {
				r = join_continued(events, n_events, &i, &joined);
				if (r < 0)
					return r;
				value = joined;
			}
			switch (ld->ctx) {
			case CTX_NONE:
				r = ld_error(ld, e->line, "'%s' outside any section", e->name);
				break;
			case CTX_SYSGATE:
				r = ld_sysgate_key(ld, e->line, e->name, value);
				break;
			case CTX_SECTION:
				r = ld_section_key(ld, &ld->p->sections[ld->cur], e->line, e->name,
						   value);
				break;
			case CTX_BAD:
				r = ld_section_key(ld, &ld->scratch, e->line, e->name, value);
				break;
			}
		}
		if (r == -ENOMEM)
			return r;
	}
	return 0;
}

static int process(struct loader *ld)
{
	int r = process_events(ld, ld->events, ld->n_events);

	ld_section_done(&ld->scratch);
	return r;
}

/* ---- whole-policy checks ---- */

static bool rule_has_name(const struct rule *r)
{
	for (size_t i = 0; i < r->n_conds; i++)
		if (r->conds[i].kind == COND_NAME_MATCH || r->conds[i].kind == COND_NAME_NOMATCH)
			return true;
	return false;
}

/* The xattr name is read from memory: what would continue after it is denied. */
static int warn_after_name(struct loader *ld, const struct section *s, const struct rule *b,
			   bool name_seen, bool shadowed)
{
	if (shadowed || !(name_seen || rule_has_name(b)))
		return 0;
	if (b->kind != DECISION_ALLOW && b->kind != DECISION_LOG && b->kind != DECISION_ASK)
		return 0;
	return ld_warning(ld, b->line,
			  "[%s]: %s after a name condition is denied EPERM: the name is read "
			  "from the target's memory, and the kernel would read it again",
			  s->name, policy_decision_name(b->kind));
}

static int check_warnings(struct loader *ld)
{
	const struct rule *dflt = &ld->p->dflt;
	int r;

	for (size_t si = 0; si < ld->p->n_sections; si++) {
		const struct section *s = &ld->p->sections[si];
		bool path_seen = false, has_any = false, name_seen = false;

		/* A section's warnings are about the file it is written in. */
		ld->cur_file = s->file;
		if (s->n_syscalls == 0 && s->n_taken > 0) {
			r = ld_warning(
				ld, s->line,
				"[%s] decides nothing: more specific sections took every syscall "
				"it names",
				s->name);
			if (r < 0)
				return r;
		}

		/* Empty, it still takes its syscalls from any less specific
		 * section, whose deny then no longer applies to them. (With
		 * errors, its rules may be the ones refused.) */
		if (s->n_syscalls > 0 && s->n_rules == 0 && ld->d.n_errors == 0) {
			r = ld_warning(ld, s->line,
				       "[%s] has no rules: its syscalls get the default (%s), also "
				       "where a less specific section would decide them",
				       s->name, policy_decision_name(dflt->kind));
			if (r < 0)
				return r;
		}

		for (size_t i = 0; i < s->n_rules; i++) {
			const struct rule *b = &s->rules[i];
			bool shadowed = false;

			if (!ld_rule_abi_possible(b)) {
				shadowed = true;
				r = ld_warning(ld, b->line,
					       "this rule can never match: no call comes through "
					       "every ABI its abi conditions name");
				if (r < 0)
					return r;
			}
			for (size_t k = 0; k < i && !shadowed; k++) {
				const struct rule *a = &s->rules[k];

				if (!ld_rule_shadows(a, b))
					continue;
				shadowed = true;
				if (ld_rule_is_any(a))
					r = ld_warning(
						ld, b->line,
						"this rule can never match: the * rule at line "
						"%u matches every call first",
						a->line);
				else if (ld_rule_shadows(b, a))
					r = ld_warning(ld, b->line,
						       "this rule can never match: it repeats the "
						       "conditions of the rule at line %u",
						       a->line);
				else
					r = ld_warning(ld, b->line,
						       "this rule can never match: every call it "
						       "matches is decided by the rule at line %u",
						       a->line);
				if (r < 0)
					return r;
			}
			/* Where sysgate can emulate, such a call is carried out
			 * from the checked copy: no race to warn about. */
			if (!shadowed && !s->emulatable &&
			    (b->kind == DECISION_ALLOW || b->kind == DECISION_LOG ||
			     b->kind == DECISION_ASK) &&
			    (path_seen || ld_rule_has_path(b))) {
				r = ld_warning(
					ld, b->line,
					"%s after a path condition continues the call; " RACE_HINT,
					b->kind == DECISION_ASK ? "ask (answered allow)"
								: policy_decision_name(b->kind));
				if (r < 0)
					return r;
			}
			/* An ask shows the path and narrows its answers by it:
			 * a remembered allow then continues later calls that
			 * name that path. */
			if (!shadowed && !s->emulatable && b->kind == DECISION_ASK &&
			    s->shows_path && !path_seen && !ld_rule_has_path(b)) {
				r = ld_warning(
					ld, b->line,
					"ask (answered allow) continues the call, and an answer "
					"remembered for its path continues later calls that name "
					"it; " RACE_HINT);
				if (r < 0)
					return r;
			}
			r = warn_after_name(ld, s, b, name_seen, shadowed);
			if (r < 0)
				return r;
			name_seen = name_seen || rule_has_name(b);
			path_seen = path_seen || ld_rule_has_path(b);
			has_any = has_any || ld_rule_is_any(b);
		}
		if (name_seen && !has_any &&
		    (dflt->kind == DECISION_ALLOW || dflt->kind == DECISION_LOG)) {
			r = ld_warning(
				ld, s->line,
				"[%s]: the default (%s) after a name condition is denied EPERM: "
				"the name is read from the target's memory, and the kernel "
				"would read it again; end the section with a deny",
				s->name, policy_decision_name(dflt->kind));
			if (r < 0)
				return r;
		}
		if (path_seen && !has_any && !s->emulatable &&
		    (dflt->kind == DECISION_ALLOW || dflt->kind == DECISION_LOG)) {
			r = ld_warning(
				ld, s->line,
				"[%s]: the default (%s) after a path condition continues the "
				"call; " RACE_HINT,
				s->name, policy_decision_name(dflt->kind));
			if (r < 0)
				return r;
		}
	}
	ld->cur_file = NULL;
	return 0;
}

/*
 * io_uring carries out openat, statx, getxattr, mkdirat, renameat, connect,
 * accept, send and more without any syscall the filter sees. Whatever a
 * policy supervises, io_uring could do it unseen, so any policy that
 * supervises anything (a section whose first rule is not a plain allow, or
 * a default other than allow) and says nothing about io_uring gets it
 * denied: otherwise its rules would be a formality. (It used to be added
 * for the file families only, and `[connect] deny = *` was passed by
 * IORING_OP_CONNECT.)
 */
static int add_implicit_io_uring(struct policy *p)
{
	const struct family *io = policy_family("io_uring");
	struct section s = {.implicit = true, .family = io};
	bool file = p->dflt.kind != DECISION_ALLOW;
	int r;

	for (size_t i = 0; i < p->n_sections && !file; i++)
		file = policy_section_supervises(p, &p->sections[i]);
	if (!file || policy_section_for(p, "io_uring_setup"))
		return 0;

	s.name = strdup(io->name);
	if (!s.name)
		return -ENOMEM;
	for (const char *const *n = io->syscalls; *n; n++)
		if (policy_syscall_known(*n) && !policy_section_for(p, *n)) {
			r = ld_section_add_syscall(&s, *n, SPEC_FAMILY);
			if (r < 0)
				goto fail;
		}
	r = -ENOMEM;
	s.rules = calloc(1, sizeof(*s.rules));
	if (!s.rules)
		goto fail;
	s.n_rules = 1;
	s.rules[0] = (struct rule){.kind = DECISION_DENY, .err = EPERM, .line = 0};
	s.rules[0].conds = calloc(1, sizeof(*s.rules[0].conds));
	if (!s.rules[0].conds)
		goto fail;
	s.rules[0].n_conds = 1;
	s.rules[0].conds[0].kind = COND_ANY;
	r = ld_append_section(p, &s);
	if (r < 0)
		goto fail;
	return 0;
fail:
	ld_section_done(&s);
	return r;
}

/* ---- loading ---- */

static void loader_done(struct loader *ld)
{
	policy_free(ld->p);
	policy_diags_free(&ld->d);
	for (size_t i = 0; i < ld->n_events; i++) {
		free(ld->events[i].section);
		free(ld->events[i].name);
		free(ld->events[i].value);
	}
	free(ld->events);
	for (size_t i = 0; i < ld->n_calls; i++) {
		free(ld->calls[i].section);
		free(ld->calls[i].name);
		free(ld->calls[i].value);
	}
	free(ld->calls);
	ld_section_done(&ld->scratch);
}

/* Sort by line, keeping the order of messages about the same line. */
/* The policy's own file first, then each included file; by line within one. */
static bool diag_after(const struct policy_diag *a, const struct policy_diag *b)
{
	if (!a->file != !b->file)
		return a->file != NULL;
	if (a->file && strcmp(a->file, b->file) != 0)
		return strcmp(a->file, b->file) > 0;
	return a->line > b->line;
}

static void sort_diags(struct policy_diags *d)
{
	for (size_t i = 1; i < d->n; i++) {
		struct policy_diag x = d->v[i];
		size_t k = i;

		for (; k > 0 && diag_after(&d->v[k - 1], &x); k--)
			d->v[k] = d->v[k - 1];
		d->v[k] = x;
	}
}

/* Append ours to the caller's (which may already hold messages). */
static int move_diags(struct policy_diags *from, struct policy_diags *to)
{
	struct policy_diag *v;

	if (!to || from->n == 0)
		return 0;
	v = reallocarray(to->v, to->n + from->n, sizeof(*v));
	if (!v)
		return -ENOMEM;
	to->v = v;
	memcpy(to->v + to->n, from->v, from->n * sizeof(*v));
	to->n += from->n;
	to->n_errors += from->n_errors;
	to->n_warnings += from->n_warnings;
	free(from->v);
	*from = (struct policy_diags){};
	return 0;
}

static int load_buffer(const char *name, const struct stat *st, const char *text, size_t len,
		       struct policy **ret, struct policy_diags *diags)
{
	_cleanup_(loader_done) struct loader ld = {};
	bool split, failed;
	int r;

	ld.p = calloc(1, sizeof(*ld.p));
	if (!ld.p)
		return -ENOMEM;
	ld.p->file = strdup(name ? name : "<string>");
	ld.p->text = strndup(text, len);
	ld.p->log_sinks = calloc(1, sizeof(*ld.p->log_sinks));
	if (!ld.p->file || !ld.p->text || !ld.p->log_sinks)
		return -ENOMEM;
	ld.p->mode = POLICY_ENFORCE;
	ld.p->dflt = (struct rule){.kind = DECISION_ALLOW};
	ld.p->ask_timeout_ms = 30 * 1000;
	ld.p->ask_default = (struct rule){.kind = DECISION_DENY, .err = EPERM};
	ld.p->abis = POLICY_ABIS_ALL;
	ld.p->abi_rule = (struct rule){.kind = DECISION_KILL};
	ld.cur_path = ld.p->file;
	if (st) {
		ld.open_files[0].dev = st->st_dev;
		ld.open_files[0].ino = st->st_ino;
	}

	/* A Docker, Podman or OCI seccomp profile given where a policy goes:
	 * say what it is rather than a screenful of syntax errors. */
	{
		size_t k = 0;

		while (k < len &&
		       (text[k] == ' ' || text[k] == '\t' || text[k] == '\n' || text[k] == '\r'))
			k++;
		if (k < len && text[k] == '{' && strstr(text, "\"syscalls\"")) {
			r = ld_error(
				&ld, 0,
				"this is a JSON seccomp profile (Docker, Podman or OCI), not a "
				"sysgate policy, which is an INI file (sysgate-policy(5)); "
				"sysgate cannot convert a profile yet");
			if (r < 0)
				return r;
			sort_diags(&ld.d);
			r = move_diags(&ld.d, diags);
			return r < 0 ? r : -EINVAL;
		}
	}
	r = ld_scan(&ld, text, len, &split);
	if (r < 0)
		return r;
	/* inih is only trusted with text it reads line for line as we do. */
	if (!split) {
		r = ld_cross_check(&ld, text);
		if (r < 0)
			return r;
	}
	r = process(&ld);
	if (r == 0)
		r = ld_check_overlaps(&ld);
	if (r < 0)
		return r;
	/* Every record of a call that names a path carries it resolved: the
	 * core reads it for sections whose every syscall names one. */
	for (size_t i = 0; i < ld.p->n_sections; i++)
		ld.p->sections[i].shows_path = ld_section_names_paths(&ld.p->sections[i]);
	r = check_warnings(&ld);
	if (r < 0)
		return r;
	if (ld.d.n_errors == 0) {
		r = add_implicit_io_uring(ld.p);
		if (r < 0)
			return r;
	}
	sort_diags(&ld.d);
	failed = ld.d.n_errors > 0;
	r = move_diags(&ld.d, diags);
	if (r < 0)
		return r;
	if (failed)
		return -EINVAL; /* ld.p, half built, goes with the loader */
	*ret = TAKE_PTR(ld.p);
	return 0;
}

int policy_load_string(const char *name, const char *text, struct policy **ret,
		       struct policy_diags *diags)
{
	if (!text || !ret)
		return -EINVAL;
	return load_buffer(name, NULL, text, strlen(text), ret, diags);
}

int policy_load_default(struct policy **ret, struct policy_diags *diags)
{
	return policy_load_string(POLICY_DEFAULT_NAME, policy_default_text, ret, diags);
}

/* Read a whole policy file into *ret (NUL-terminated), at most MAX_FILE bytes. */
static int read_policy(int fd, char **ret, size_t *ret_len, struct stat *ret_st)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;

	if (fstat(fd, ret_st) < 0)
		return -errno;
	if (S_ISDIR(ret_st->st_mode))
		return -EISDIR;
	/* Read up to one byte past the limit, to tell "too large" apart.
	 * A pipe or /dev/stdin works too: no size is trusted from fstat. */
	buf = malloc(MAX_FILE + 2);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n = read(fd, buf + len, MAX_FILE + 1 - len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > MAX_FILE)
			return -EFBIG;
	}
	buf[len] = '\0';
	*ret = TAKE_PTR(buf);
	*ret_len = len;
	return 0;
}

int policy_load_file(const char *path, struct policy **ret, struct policy_diags *diags)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	struct stat st;
	int r;

	if (!path || !ret)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	r = read_policy(fd, &buf, &len, &st);
	if (r < 0)
		return r;
	return load_buffer(path, &st, buf, len, ret, diags);
}

const char *policy_rule_location(const struct policy *p, const struct section *s,
				 const struct rule *r, char *buf, size_t size)
{
	if (!buf || size == 0)
		return "";
	if (!r || (p && r == &p->dflt))
		snprintf(buf, size, "default");
	else if (s && s->implicit && !(p && r == &p->abi_rule))
		snprintf(buf, size, "implicit:%s", s->name);
	else
		snprintf(buf, size, "%s:%u",
			 r->file	? r->file
			 : p && p->file ? p->file
					: "?",
			 r->line);
	return buf;
}

/* The one list of sink names: the policy's `log =`, `run --log`, `serve --log`
 * and the log room (which maps each name to its writer) all ask here. */
const char *const policy_sink_names[] = {"stderr", "syslog", "audit", NULL};

bool policy_sink_ok(const char *name)
{
	if (!name)
		return false;
	if (name[0] == '/')
		return name[1] != '\0';
	for (const char *const *n = policy_sink_names; *n; n++)
		if (streq(name, *n))
			return true;
	return false;
}
