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

#include "policy/policy.h"
#include "sg-util.h"

/* inih r55: INI_MAX_LINE is 200 including the NUL, and the reader stops after
 * 199 bytes, leaving the newline of a 199-byte line to be read as a line of
 * its own. So 198 bytes (without the newline) is the longest safe line. */
#define MAX_LINE 198
/* inih r55 keeps section and key names in char[50], cut at 49. */
#define INIH_NAME 50
#define MAX_SECTION_NAME 48
#define MAX_FILE (1024 * 1024)

#define RACE_HINT                                                                                  \
	"a racing thread can change the path after the check (see THE RACE WARNING in "            \
	"sysgate-policy(5))"

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

#define POLICY_INCLUDE_DEPTH 8

/* ---- freeing ---- */

static void rule_done(struct rule *r)
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

static void section_done(struct section *s)
{
	free(s->name);
	for (size_t i = 0; i < s->n_syscalls; i++)
		free(s->syscalls[i]);
	free(s->syscalls);
	free(s->spec);
	for (size_t i = 0; i < s->n_rules; i++)
		rule_done(&s->rules[i]);
	free(s->rules);
	*s = (struct section){};
}

void policy_free(struct policy *p)
{
	if (!p)
		return;
	free(p->file);
	rule_done(&p->dflt);
	for (char **s = p->log_sinks; s && *s; s++)
		free(*s);
	free(p->log_sinks);
	free(p->log_format);
	free(p->log_full);
	for (size_t i = 0; i < p->n_sections; i++)
		section_done(&p->sections[i]);
	free(p->sections);
	for (size_t i = 0; i < p->n_files; i++)
		free(p->files[i]);
	free(p->files);
	free(p);
}

/* ---- the line scanner ---- */

enum event_type {
	EV_SECTION, /* [name] */
	EV_KV,	    /* name = value */
	EV_CONT,    /* an indented line inih reads as a continuation of prev_name */
};

struct event {
	enum event_type type;
	unsigned line;
	bool bad;      /* already refused by the scanner */
	char *section; /* the section in effect, as inih keeps it */
	char *name;    /* section name, or key */
	char *value;
};

struct handler_call {
	char *section, *name, *value;
};

/* The keys of [sysgate] (sysgate_keys, below). */
#define SYSGATE_N_KEYS 8

struct loader {
	struct policy *p;
	struct policy_diags d;

	size_t n_events;
	struct event *events;
	size_t n_calls;
	struct handler_call *calls;

	enum { CTX_NONE, CTX_SYSGATE, CTX_SECTION, CTX_BAD } ctx;
	size_t cur;			   /* CTX_SECTION: index in p->sections */
	struct section scratch;		   /* CTX_BAD: rules are checked, then dropped */
	unsigned key_line[SYSGATE_N_KEYS]; /* [sysgate] keys, by index in sysgate_keys */

	/* include = FILE: the file whose events are processed now (NULL: the
	 * policy's own; else an entry of p->files), the path its includes are
	 * relative to, and the files open above it (cycles are refused). */
	const char *cur_file;
	const char *cur_path;
	unsigned depth;
	struct {
		dev_t dev;
		ino_t ino;
	} open_files[POLICY_INCLUDE_DEPTH + 1];
};

static int error(struct loader *ld, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int error(struct loader *ld, unsigned line, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = diag_vadd(&ld->d, DIAG_ERROR, ld->cur_file, line, fmt, ap);
	va_end(ap);
	return r;
}

static int warning(struct loader *ld, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int warning(struct loader *ld, unsigned line, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = diag_vadd(&ld->d, DIAG_WARNING, ld->cur_file, line, fmt, ap);
	va_end(ap);
	return r;
}

/* inih's own string helpers, reproduced so the scanner cuts where inih cuts. */
static char *rstrip(char *s)
{
	char *p = s + strlen(s);

	while (p > s && isspace((unsigned char)*--p))
		*p = '\0';
	return s;
}

static char *lskip(char *s)
{
	while (*s && isspace((unsigned char)*s))
		s++;
	return s;
}

/* inih's find_chars_or_comment with inline comments on (prefix ";"). */
static char *find_chars_or_comment(char *s, const char *chars)
{
	bool was_space = false;

	while (*s && (!chars || !strchr(chars, *s)) && !(was_space && *s == ';')) {
		was_space = isspace((unsigned char)*s);
		s++;
	}
	return s;
}

static int add_event(struct loader *ld, enum event_type type, unsigned line, bool bad,
		     const char *section, const char *name, const char *value)
{
	struct event *v, *e;

	v = reallocarray(ld->events, ld->n_events + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	ld->events = v;
	e = &ld->events[ld->n_events];
	*e = (struct event){.type = type, .line = line, .bad = bad};
	e->section = strdup(section);
	e->name = strdup(name);
	e->value = value ? strdup(value) : NULL;
	ld->n_events++;
	if (!e->section || !e->name || (value && !e->value))
		return -ENOMEM;
	return 0;
}

/* Copy at most size - 1 bytes, always terminated: inih's strncpy0. */
static void strncpy0(char *dst, const char *src, size_t size)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

/*
 * Split the text into events, the way inih r55 reads it. Sets *ret_split when
 * inih would read the text differently (a long line, a NUL, a long section
 * name): inih must then not be trusted with it at all.
 */
/* A value that ends in " \" (or is "\"): the rule continues on the next,
 * indented line. */
static bool ends_continued(const char *v)
{
	size_t n = strlen(v);

	return n && v[n - 1] == '\\' && (n == 1 || v[n - 2] == ' ' || v[n - 2] == '\t');
}

static int scan(struct loader *ld, const char *text, size_t len, bool *ret_split)
{
	char section[INIH_NAME] = "";
	char prev_name[INIH_NAME] = "";
	char buf[MAX_LINE + 1];
	unsigned lineno = 0;
	bool cont = false; /* the last value ended in " \": the rule goes on */
	size_t pos = 0;
	int r;

	*ret_split = false;
	while (pos < len) {
		const char *line = text + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t l = nl ? (size_t)(nl - line) : len - pos;
		char *start, *end;

		pos += l + (nl ? 1 : 0);
		lineno++;
		if (memchr(line, '\0', l)) {
			*ret_split = true;
			r = error(ld, lineno, "NUL byte in the line");
			if (r < 0)
				return r;
			continue;
		}
		if (l > MAX_LINE) {
			*ret_split = true;
			r = error(
				ld, lineno,
				"line is %zu bytes long; the limit is %d (inih would read the rest "
				"as a separate line)",
				l, MAX_LINE);
			if (r < 0)
				return r;
			continue;
		}
		memcpy(buf, line, l);
		buf[l] = '\0';
		start = buf;
		if (lineno == 1 && (unsigned char)start[0] == 0xEF &&
		    (unsigned char)start[1] == 0xBB && (unsigned char)start[2] == 0xBF)
			start += 3;
		start = lskip(rstrip(start));

		if (!*start || *start == ';' || *start == '#')
			continue;

		if (*prev_name && start > buf && cont) {
			/* The previous line ended in " \": this one carries on the
			 * rule. inih reads it as a continuation of prev_name (and
			 * does not cut comments from it), the scanner agrees. */
			if (find_chars_or_comment(start, NULL)[0]) {
				r = error(
					ld, lineno,
					"a continued line cannot hold a comment; put it on a line "
					"of its own");
				if (r >= 0)
					r = add_event(ld, EV_CONT, lineno, true, section, prev_name,
						      start);
			} else {
				r = add_event(ld, EV_CONT, lineno, false, section, prev_name,
					      start);
			}
			if (r < 0)
				return r;
			cont = ends_continued(start);
			continue;
		}
		if (cont) {
			cont = false;
			r = error(ld, lineno - 1,
				  "the line ends in '\\' but the next one is not indented (indent "
				  "the rest of the rule)");
			if (r < 0)
				return r;
		}
		if (*prev_name && start > buf) {
			/* inih: "continuation of previous name's value". A rule
			 * that silently grows by the next line is not what anyone
			 * indenting a rule means: refuse it. (r55 does not cut
			 * inline comments from continuation lines.) */
			r = error(
				ld, lineno,
				"indented line continues the value of '%s' (inih reads it as a "
				"continuation line); start each rule at the beginning of its line",
				prev_name);
			if (r >= 0)
				r = add_event(ld, EV_CONT, lineno, true, section, prev_name, start);
			if (r < 0)
				return r;
			continue;
		}

		if (*start == '[') {
			bool bad = false;
			char *rest;

			end = find_chars_or_comment(start + 1, "]");
			if (*end != ']') {
				r = error(ld, lineno, "section header without a closing ']'");
				if (r < 0)
					return r;
				continue;
			}
			*end = '\0';
			rest = lskip(end + 1);
			if (*rest && *rest != ';' && *rest != '#') {
				r = error(ld, lineno, "unexpected text after ']': '%s'", rest);
				if (r < 0)
					return r;
			}
			if (strlen(start + 1) > MAX_SECTION_NAME) {
				*ret_split = true;
				bad = true;
				r = error(ld, lineno,
					  "section name is %zu characters long; the limit is %d",
					  strlen(start + 1), MAX_SECTION_NAME);
				if (r < 0)
					return r;
			}
			strncpy0(section, start + 1, sizeof(section));
			*prev_name = '\0';
			r = add_event(ld, EV_SECTION, lineno, bad, section, start + 1, NULL);
			if (r < 0)
				return r;
			continue;
		}

		end = find_chars_or_comment(start, "=:");
		if (*end == '=' || *end == ':') {
			char *name, *value;

			*end = '\0';
			name = rstrip(start);
			value = end + 1;
			end = find_chars_or_comment(value, NULL);
			*end = '\0';
			value = lskip(value);
			rstrip(value);
			strncpy0(prev_name, name, sizeof(prev_name));
			cont = ends_continued(value);
			r = add_event(ld, EV_KV, lineno, false, section, name, value);
			if (r < 0)
				return r;
		} else {
			r = error(ld, lineno, "expected KEY = VALUE or [SECTION]");
			if (r < 0)
				return r;
		}
	}
	if (cont) {
		r = error(ld, lineno, "the last line ends in '\\' but nothing follows it");
		if (r < 0)
			return r;
	}
	return 0;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct loader *ld = user;
	struct handler_call *v, *c;

	v = reallocarray(ld->calls, ld->n_calls + 1, sizeof(*v));
	if (!v)
		return 1; /* counted as a mismatch below; inih goes on regardless */
	ld->calls = v;
	c = &ld->calls[ld->n_calls++];
	c->section = strdup(section);
	c->name = strdup(name);
	c->value = strdup(value);
	return 1;
}

static bool str_eq(const char *a, const char *b)
{
	return a && b && streq(a, b);
}

/* Run inih on the text and check it read what the scanner read. */
static int cross_check(struct loader *ld, const char *text)
{
	size_t k = 0;
	int rc;

	rc = ini_parse_string(text, handler, ld);
	if (rc == -2)
		return -ENOMEM;
	if (rc > 0) {
		bool known = false;

		for (size_t i = 0; i < ld->d.n; i++)
			if (ld->d.v[i].severity == DIAG_ERROR && ld->d.v[i].line == (unsigned)rc)
				known = true;
		if (!known) {
			int r = error(ld, (unsigned)rc, "syntax error");

			if (r < 0)
				return r;
		}
	} else if (rc < 0) {
		return error(ld, 0, "inih could not parse the policy (%d)", rc);
	}

	for (size_t i = 0; i < ld->n_events; i++) {
		const struct event *e = &ld->events[i];
		const struct handler_call *c;

		if (e->type == EV_SECTION)
			continue;
		c = k < ld->n_calls ? &ld->calls[k] : NULL;
		k++;
		if (!c || !str_eq(c->section, e->section) || !str_eq(c->name, e->name) ||
		    !str_eq(c->value, e->value))
			return error(ld, e->line,
				     "internal error: inih read this line differently from "
				     "sysgate's scanner");
	}
	if (k != ld->n_calls)
		return error(ld, 0, "internal error: inih read more values than sysgate's scanner");
	return 0;
}

/* ---- values ---- */

static int split_tokens(const char *value, char **ret_buf, char ***ret_toks, size_t *ret_n)
{
	_cleanup_free_ char *buf = strdup(value);
	_cleanup_free_ char **toks = NULL;
	size_t n = 0;
	char *s, *save = NULL;

	if (!buf)
		return -ENOMEM;
	toks = calloc(strlen(value) / 2 + 2, sizeof(*toks));
	if (!toks)
		return -ENOMEM;
	for (s = strtok_r(buf, " \t\r\v\f", &save); s; s = strtok_r(NULL, " \t\r\v\f", &save))
		toks[n++] = s;
	toks[n] = NULL;
	*ret_buf = TAKE_PTR(buf);
	*ret_toks = TAKE_PTR(toks);
	*ret_n = n;
	return 0;
}

static bool all_in(const char *s, const char *set)
{
	return *s && strspn(s, set) == strlen(s);
}

/* VALUE: decimal, 0x hex, 0 octal, or negative decimal (two's complement). */
static bool parse_value(const char *s, uint64_t *ret)
{
	char *end;

	errno = 0;
	if (s[0] == '-') {
		long long v;

		if (!all_in(s + 1, "0123456789"))
			return false;
		v = strtoll(s, &end, 10);
		if (errno || *end)
			return false;
		*ret = (uint64_t)v;
		return true;
	}
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		if (!all_in(s + 2, "0123456789abcdefABCDEF"))
			return false;
		*ret = strtoull(s + 2, &end, 16);
	} else if (s[0] == '0') {
		if (!all_in(s, "01234567"))
			return false;
		*ret = strtoull(s, &end, 8);
	} else {
		if (!all_in(s, "0123456789"))
			return false;
		*ret = strtoull(s, &end, 10);
	}
	return !errno && !*end;
}

/* An errno token, by name or number, with a message saying what is wrong. */
static int parse_errno_token(struct loader *ld, unsigned line, const char *tok, int *ret)
{
	int e = policy_errno_parse(tok);

	if (e > 0) {
		*ret = e;
		return 0;
	}
	if (tok[0] == '-' || (tok[0] >= '0' && tok[0] <= '9')) {
		long v = 0;
		bool digits = all_in(tok[0] == '-' ? tok + 1 : tok, "0123456789");

		if (!digits)
			return error(ld, line, "bad errno '%s' (a name like EACCES, or a number)",
				     tok)
				       ?: -EINVAL;
		if (tok[0] != '-' && strlen(tok) < 6)
			v = strtol(tok, NULL, 10);
		if (v >= 512 && v <= 530)
			return error(ld, line,
				     "errno %s is kernel-internal (512..530 never reach user "
				     "space)",
				     tok)
				       ?: -EINVAL;
		return error(ld, line, "errno %s is out of range (1..4095, except 512..530)", tok)
			       ?: -EINVAL;
	}
	{
		const char *near = policy_errno_nearest(tok);

		return error(ld, line, "unknown errno name '%s'%s%s%s", tok,
			     near ? " (did you mean " : "", near ? near : "", near ? "?)" : "")
			       ?: -EINVAL;
	}
}

static bool looks_like_errno(const char *t)
{
	if (t[0] >= '0' && t[0] <= '9')
		return true;
	if (t[0] == '-' && t[1] >= '0' && t[1] <= '9')
		return true;
	return t[0] == 'E' && all_in(t + 1, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
}

/* ---- rules ---- */

static const struct {
	const char *name;
	enum decision_kind kind;
} decisions[] = {
	{"allow", DECISION_ALLOW},     {"continue", DECISION_ALLOW}, {"deny", DECISION_DENY},
	{"errno", DECISION_DENY},      {"kill", DECISION_KILL},	     {"log", DECISION_LOG},
	{"emulate", DECISION_EMULATE}, {"ask", DECISION_ASK},
};

/* 0 and *ret set, -EINVAL after an error diag, -ENOMEM. */
static int lookup_decision(struct loader *ld, unsigned line, const char *key,
			   enum decision_kind *ret)
{
	for (size_t i = 0; i < ARRAY_SIZE(decisions); i++)
		if (streq(decisions[i].name, key)) {
			*ret = decisions[i].kind;
			return 0;
		}
	if (!*key)
		return error(ld, line, "missing key before '='") ?: -EINVAL;
	return error(ld, line,
		     "unknown decision '%s' (allow, continue, deny, errno, kill, log, emulate or "
		     "ask)",
		     key)
		       ?: -EINVAL;
}

static bool cond_has_path(const struct cond *c)
{
	return c->kind == COND_PATH_MATCH || c->kind == COND_PATH_NOMATCH;
}

static bool rule_has_path(const struct rule *r)
{
	for (size_t i = 0; i < r->n_conds; i++)
		if (cond_has_path(&r->conds[i]))
			return true;
	return false;
}

static bool rule_is_any(const struct rule *r)
{
	return r->n_conds == 1 && r->conds[0].kind == COND_ANY;
}

/* Check the section can evaluate a condition needing argument letters. */
static int check_section_has(struct loader *ld, const struct section *s, unsigned line,
			     const char *letters, const char *what)
{
	for (size_t i = 0; i < s->n_syscalls; i++) {
		const struct syscall_shape *shape = policy_syscall_shape(s->syscalls[i]);

		if (!shape)
			return error(ld, line,
				     "[%s]: %s takes no %s sysgate knows of (no argument "
				     "layout for it)",
				     s->name, s->syscalls[i], what)
				       ?: -EINVAL;
		if (!strpbrk(shape->args, letters))
			return error(ld, line, "[%s]: %s takes no %s", s->name, s->syscalls[i],
				     what)
				       ?: -EINVAL;
	}
	return 0;
}

/* Does every syscall of s name a path (or an fd acted on) sysgate resolves? */
static bool section_names_paths(const struct section *s)
{
	for (size_t i = 0; i < s->n_syscalls; i++) {
		const struct syscall_shape *shape = policy_syscall_shape(s->syscalls[i]);

		if (!shape || !strpbrk(shape->args, "sF"))
			return false;
	}
	return s->n_syscalls > 0;
}

static int parse_glob(struct loader *ld, unsigned line, const char *what, const char *glob,
		      struct cond *c)
{
	const char *why = NULL;
	int r;

	if (glob[0] != '/')
		return error(ld, line, "%s glob '%s' is not absolute (it must start with '/')",
			     what, glob)
			       ?: -EINVAL;
	r = policy_path_glob_check(glob, &why);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return error(ld, line, "bad %s glob '%s': %s", what, glob, why ? why : "invalid")
			       ?: -EINVAL;
	c->glob = strdup(glob);
	return c->glob ? 0 : -ENOMEM;
}

static const struct {
	const char *tok;
	enum arg_op op;
} arg_ops[] = {
	{"==", ARG_EQ}, {"!=", ARG_NE}, {"<", ARG_LT},	{"<=", ARG_LE},
	{">", ARG_GT},	{">=", ARG_GE}, {"&", ARG_AND},
};

/*
 * VALUE for a named argument: numbers and constants joined by '|'
 * ("O_WRONLY|O_RDWR|O_CREAT", "-100", "AT_FDCWD", "0x1000|S_ISUID"), for
 * x86_64 (*ret64) and for i386 and x32 (*ret32), whose constants may differ.
 */
static int parse_expr(struct loader *ld, unsigned line, const char *expr, bool octal,
		      int64_t *ret64, int64_t *ret32)
{
	_cleanup_free_ char *buf = strdup(expr);
	char *save = NULL;
	int64_t v64 = 0, v32 = 0;
	size_t terms = 0;

	if (!buf)
		return -ENOMEM;
	if (!*expr || expr[0] == '|' || expr[strlen(expr) - 1] == '|' || strstr(expr, "||"))
		return error(ld, line, "bad value '%s' (numbers and constants joined by |)", expr)
			       ?: -EINVAL;
	for (char *t = strtok_r(buf, "|", &save); t; t = strtok_r(NULL, "|", &save), terms++) {
		uint64_t n;
		int64_t c64, c32;

		if (octal && t[0] >= '0' && t[0] <= '9') {
			/* A mode is octal as chmod(1) writes it: 4755, 0755. */
			if (!all_in(t, "01234567"))
				return error(ld, line, "bad mode '%s' (octal digits, like 0755)", t)
					       ?: -EINVAL;
			n = strtoull(t, NULL, 8);
			c64 = c32 = (int64_t)n;
		} else if (parse_value(t, &n)) {
			c64 = c32 = (int64_t)n;
			/* A negative number among bits would set them all. */
			if (t[0] == '-' && strchr(expr, '|'))
				return error(ld, line, "a negative number cannot be or-ed ('%s')",
					     expr)
					       ?: -EINVAL;
		} else if (policy_constant(t, false, &c64)) {
			policy_constant(t, true, &c32);
		} else {
			const char *near = policy_constant_nearest(t);

			return error(ld, line, "unknown constant '%s'%s%s%s", t,
				     near ? " (did you mean " : "", near ? near : "",
				     near ? "?)" : " (a number, or a name such as O_CREAT)")
				       ?: -EINVAL;
		}
		v64 = terms ? (int64_t)((uint64_t)v64 | (uint64_t)c64) : c64;
		v32 = terms ? (int64_t)((uint64_t)v32 | (uint64_t)c32) : c32;
	}
	*ret64 = v64;
	*ret32 = v32;
	return 0;
}

static bool is_ident(const char *t)
{
	if (!((*t >= 'a' && *t <= 'z') || *t == '_'))
		return false;
	for (; *t; t++)
		if (!((*t >= 'a' && *t <= 'z') || (*t >= '0' && *t <= '9') || *t == '_'))
			return false;
	return true;
}

/*
 * NAME OP VALUE, NAME & MASK == VALUE, NAME & MASK != VALUE, NAME !& BITS:
 * an argument by name. Every syscall of the section must have it (at
 * whatever position) and it must be a value, not an address; the values
 * must fit its type in every member.
 */
static int parse_named_cond(struct loader *ld, const struct section *s, unsigned line, char **toks,
			    size_t n, size_t *i, struct cond *c)
{
	const char *name = toks[*i];
	const char *op = *i + 1 < n ? toks[*i + 1] : NULL;
	const char *arg = *i + 2 < n ? toks[*i + 2] : NULL;
	size_t used = 3, k;
	int r;

	for (size_t m = 0; m < s->n_syscalls; m++) {
		struct arg_place at;
		char names[160];

		if (policy_arg_find(s->syscalls[m], name, &at) == 0) {
			if (at.where == ARGW_POINTER)
				return error(ld, line,
					     "[%s]: '%s' of %s is a pointer, not a value%s",
					     s->name, name, s->syscalls[m],
					     strstr(name, "path") ? " (use path ~ GLOB)" : "")
					       ?: -EINVAL;
			continue;
		}
		if (!policy_arg_names(s->syscalls[m], names, sizeof(names)))
			return error(ld, line,
				     "[%s]: sysgate knows no argument names for %s (use argN in "
				     "a section of its own)",
				     s->name, s->syscalls[m])
				       ?: -EINVAL;
		return error(ld, line, "[%s]: %s has no argument '%s' (its arguments: %s)", s->name,
			     s->syscalls[m], name, names)
			       ?: -EINVAL;
	}
	if (!op)
		return error(ld, line, "missing operator after '%s'", name) ?: -EINVAL;
	if (streq(op, "!&")) {
		k = ARRAY_SIZE(arg_ops);
		c->op = ARG_NONE_OF;
	} else {
		for (k = 0; k < ARRAY_SIZE(arg_ops); k++)
			if (streq(arg_ops[k].tok, op))
				break;
		if (k == ARRAY_SIZE(arg_ops))
			return error(ld, line,
				     "unknown operator '%s' after '%s' (==, !=, <, <=, >, >=, "
				     "&, !& or & MASK == VALUE)",
				     op, name)
				       ?: -EINVAL;
		c->op = arg_ops[k].op;
	}
	if (!arg || streq(arg, "and"))
		return error(ld, line, "missing value after '%s %s'", name, op) ?: -EINVAL;
	r = parse_expr(ld, line, arg, streq(name, "mode"), (int64_t *)&c->value, &c->value32);
	if (r < 0)
		return r;
	if (c->op == ARG_AND && *i + 3 < n &&
	    (streq(toks[*i + 3], "==") || streq(toks[*i + 3], "!="))) {
		const char *v = *i + 4 < n ? toks[*i + 4] : NULL;
		int64_t v64, v32;

		if (!v || streq(v, "and"))
			return error(ld, line, "missing value after '%s & %s %s'", name, arg,
				     toks[*i + 3])
				       ?: -EINVAL;
		r = parse_expr(ld, line, v, streq(name, "mode"), &v64, &v32);
		if (r < 0)
			return r;
		c->op = streq(toks[*i + 3], "==") ? ARG_MASKED_EQ : ARG_MASKED_NE;
		c->mask = c->value;
		c->mask32 = (uint64_t)c->value32;
		c->value = (uint64_t)v64;
		c->value32 = v32;
		if (((uint64_t)v64 & ~c->mask) || ((uint64_t)v32 & ~c->mask32))
			return error(ld, line,
				     "'%s & %s %s %s' compares bits outside the mask: it is "
				     "always %s",
				     name, arg, toks[*i + 3], v,
				     c->op == ARG_MASKED_EQ ? "false" : "true")
				       ?: -EINVAL;
		used = 5;
	}
	if ((c->op == ARG_AND || c->op == ARG_NONE_OF) && c->value == 0 && c->value32 == 0)
		return error(ld, line, "'%s %s %s' tests no bits: it is always %s", name, op, arg,
			     c->op == ARG_AND ? "false" : "true")
			       ?: -EINVAL;
	for (size_t m = 0; m < s->n_syscalls; m++) {
		struct arg_place at;
		const char *why;

		policy_arg_find(s->syscalls[m], name, &at);
		why = policy_arg_value_fits(at.type, (int64_t)c->value);
		if (!why && c->op >= ARG_MASKED_EQ)
			why = policy_arg_value_fits(at.type, (int64_t)c->mask);
		if (why)
			return error(ld, line, "[%s]: the value for '%s' of %s %s", s->name, name,
				     s->syscalls[m], why)
				       ?: -EINVAL;
	}
	c->kind = COND_ARG;
	c->arg_name = strdup(name);
	if (!c->arg_name)
		return -ENOMEM;
	{
		size_t len = 0;

		for (size_t t = 0; t < used; t++)
			len += strlen(toks[*i + t]) + 1;
		c->text = malloc(len);
		if (!c->text)
			return -ENOMEM;
		c->text[0] = '\0';
		for (size_t t = 0; t < used; t++) {
			if (t)
				strcat(c->text, " ");
			strcat(c->text, toks[*i + t]);
		}
	}
	*i += used;
	return 0;
}

/*
 * argN in a family section must mean the same argument in every member:
 * [open]'s arg2 is openat's flags but open's mode and nothing for creat.
 */
static int check_raw_arg(struct loader *ld, const struct section *s, unsigned line, unsigned n)
{
	const char *first = NULL;

	if (s->n_syscalls < 2)
		return 0;
	for (size_t m = 0; m < s->n_syscalls; m++) {
		const struct syscall_args *a = policy_syscall_args(s->syscalls[m]);
		const char *here = a ? a->a[n].name : NULL;

		if (!here || (first && !streq(first, here)))
			return error(ld, line,
				     "[%s]: arg%u is not the same argument in every syscall of the "
				     "section (in %s it is %s); name the argument instead (flags, "
				     "mode, dirfd, ...)",
				     s->name, n, s->syscalls[m], here ? here : "unknown to sysgate")
				       ?: -EINVAL;
		first = here;
	}
	return 0;
}

/*
 * name ~ GLOB, name !~ GLOB: the xattr name ('n'), which the supervisor reads
 * from memory once. Names are not paths: the glob need not start with '/'
 * ("security.*", "system.posix_acl_*"). A deny or kill decided on it is
 * safe; an allow, log or ask after it is denied (policy_decide), because the
 * kernel would read the name again.
 */
static int parse_name_cond(struct loader *ld, const struct section *s, unsigned line,
			   const char *op, const char *arg, size_t *i, struct cond *c)
{
	const char *why = NULL;
	int r;

	if (!op || (!streq(op, "~") && !streq(op, "!~")))
		return error(ld, line, "expected ~ or !~ after 'name'%s%s", op ? ", got " : "",
			     op ? op : "")
			       ?: -EINVAL;
	if (!arg || streq(arg, "and"))
		return error(ld, line, "missing glob after 'name %s'", op) ?: -EINVAL;
	r = check_section_has(ld, s, line, "n", "xattr name");
	if (r < 0)
		return r;
	r = policy_glob_check(arg, &why);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return error(ld, line, "bad name glob '%s': %s", arg, why ? why : "invalid")
			       ?: -EINVAL;
	c->kind = streq(op, "~") ? COND_NAME_MATCH : COND_NAME_NOMATCH;
	c->glob = strdup(arg);
	if (!c->glob)
		return -ENOMEM;
	*i += 3;
	return 0;
}

/*
 * Parse one condition starting at toks[*i]. 0, -EINVAL after a diag, -ENOMEM.
 */
static int parse_cond(struct loader *ld, const struct section *s, unsigned line, char **toks,
		      size_t n, size_t *i, struct cond *c)
{
	const char *t = toks[*i];
	const char *op = *i + 1 < n ? toks[*i + 1] : NULL;
	const char *arg = *i + 2 < n ? toks[*i + 2] : NULL;
	int r;

	if (streq(t, "*")) {
		c->kind = COND_ANY;
		*i += 1;
		return 0;
	}
	if (streq(t, "path") || streq(t, "exe")) {
		bool path = streq(t, "path");

		if (!op || (!streq(op, "~") && !streq(op, "!~")))
			return error(ld, line, "expected ~ or !~ after '%s'%s%s", t,
				     op ? ", got " : "", op ? op : "")
				       ?: -EINVAL;
		if (!arg || streq(arg, "and"))
			return error(ld, line, "missing glob after '%s %s'", t, op) ?: -EINVAL;
		if (path) {
			r = check_section_has(ld, s, line, "sF", "path");
			if (r < 0)
				return r;
		}
		if (streq(op, "~"))
			c->kind = path ? COND_PATH_MATCH : COND_EXE_MATCH;
		else
			c->kind = path ? COND_PATH_NOMATCH : COND_EXE_NOMATCH;
		r = parse_glob(ld, line, t, arg, c);
		if (r < 0)
			return r;
		*i += 3;
		return 0;
	}
	if (streq(t, "name"))
		return parse_name_cond(ld, s, line, op, arg, i, c);
	if (streq(t, "mode") && op && streq(op, "&") && arg && all_in(arg, "01234567") &&
	    !(*i + 3 < n && (streq(toks[*i + 3], "==") || streq(toks[*i + 3], "!=")))) {
		unsigned long v = 0;

		if (!op || !streq(op, "&"))
			return error(ld, line, "expected & after 'mode'%s%s", op ? ", got " : "",
				     op ? op : "")
				       ?: -EINVAL;
		if (!arg || streq(arg, "and"))
			return error(ld, line, "missing mask after 'mode &'") ?: -EINVAL;
		if (!all_in(arg, "01234567"))
			return error(ld, line, "bad mode mask '%s' (octal digits, like 06000)", arg)
				       ?: -EINVAL;
		for (const char *d = arg; *d && v <= 07777; d++)
			v = v * 8 + (unsigned long)(*d - '0');
		if (v == 0)
			return error(ld, line, "mode mask '%s' is zero and can never match", arg)
				       ?: -EINVAL;
		if (v > 07777)
			return error(ld, line, "mode mask '%s' is larger than 07777", arg)
				       ?: -EINVAL;
		r = check_section_has(ld, s, line, "oh", "mode");
		if (r < 0)
			return r;
		c->kind = COND_MODE_ANY;
		c->value = v;
		*i += 3;
		return 0;
	}
	if (strncmp(t, "arg", 3) == 0 && t[3] >= '0' && t[3] <= '9' && !t[4]) {
		size_t k;

		if (t[3] > '5')
			return error(ld, line, "no argument %s (arg0 to arg5)", t) ?: -EINVAL;
		r = check_raw_arg(ld, s, line, (unsigned)(t[3] - '0'));
		if (r < 0)
			return r;
		if (!op)
			return error(ld, line, "missing operator after '%s'", t) ?: -EINVAL;
		for (k = 0; k < ARRAY_SIZE(arg_ops); k++)
			if (streq(arg_ops[k].tok, op))
				break;
		if (k == ARRAY_SIZE(arg_ops))
			return error(ld, line,
				     "unknown operator '%s' after '%s' (==, !=, <, <=, >, >= or &)",
				     op, t)
				       ?: -EINVAL;
		if (!arg || streq(arg, "and"))
			return error(ld, line, "missing value after '%s %s'", t, op) ?: -EINVAL;
		if (!parse_value(arg, &c->value))
			return error(ld, line,
				     "bad number '%s' (decimal, 0x hex, 0 octal or negative "
				     "decimal, within 64 bits)",
				     arg)
				       ?: -EINVAL;
		c->kind = COND_ARG;
		c->arg = (unsigned)(t[3] - '0');
		c->op = arg_ops[k].op;
		*i += 3;
		return 0;
	}
	if (is_ident(t))
		return parse_named_cond(ld, s, line, toks, n, i, c);
	if (strpbrk(t, "~&=<>!"))
		return error(ld, line, "unknown condition '%s' (separate tokens with spaces)", t)
			       ?: -EINVAL;
	return error(ld, line,
		     "unknown condition '%s' (*, path, exe, name, an argument name such as flags, "
		     "or "
		     "argN)",
		     t)
		       ?: -EINVAL;
}

/* Parse "[ERRNO] CONDITION [and CONDITION]..." into *rule. */
static int parse_rule(struct loader *ld, const struct section *s, unsigned line, const char *key,
		      enum decision_kind kind, const char *value, struct rule *rule)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_free_ char **toks = NULL;
	size_t n, i = 0;
	bool any = false;
	int r;

	*rule = (struct rule){.kind = kind,
			      .err = kind == DECISION_DENY ? EPERM : 0,
			      .line = line,
			      .file = ld->cur_file};
	if (kind == DECISION_EMULATE)
		for (size_t k = 0; k < s->n_syscalls; k++)
			if (!policy_syscall_emulatable(s->syscalls[k]))
				return error(ld, line,
					     "[%s]: sysgate cannot emulate %s; emulate is "
					     "supported "
					     "for " POLICY_EMULATABLE_LIST,
					     s->name, s->syscalls[k])
					       ?: -EINVAL;
	r = split_tokens(value, &buf, &toks, &n);
	if (r < 0)
		return r;
	if (n == 0)
		return error(ld, line, "empty value for '%s' (write * to match every call)", key)
			       ?: -EINVAL;
	if (looks_like_errno(toks[0])) {
		if (kind != DECISION_DENY)
			return error(ld, line,
				     "%s takes no errno ('%s'); only deny and errno return one",
				     key, toks[0])
				       ?: -EINVAL;
		r = parse_errno_token(ld, line, toks[0], &rule->err);
		if (r < 0)
			return r;
		i++;
	}
	if (i == n)
		return error(ld, line,
			     "missing condition after '%s = %s' (write * to match every call)", key,
			     toks[0])
			       ?: -EINVAL;
	rule->conds = calloc(n, sizeof(*rule->conds));
	if (!rule->conds)
		return -ENOMEM;
	for (;;) {
		r = parse_cond(ld, s, line, toks, n, &i, &rule->conds[rule->n_conds++]);
		if (r < 0)
			goto fail;
		if (rule->conds[rule->n_conds - 1].kind == COND_ANY)
			any = true;
		if (i == n)
			break;
		if (!streq(toks[i], "and")) {
			r = error(ld, line, "expected 'and' before '%s'", toks[i]) ?: -EINVAL;
			goto fail;
		}
		if (++i == n) {
			r = error(ld, line, "'and' at the end of the rule") ?: -EINVAL;
			goto fail;
		}
	}
	if (any && rule->n_conds > 1) {
		r = error(ld, line, "* must stand alone (it already matches every call)")
			    ?: -EINVAL;
		goto fail;
	}
	return 0;
fail:
	rule_done(rule);
	return r;
}

static bool cond_eq(const struct cond *a, const struct cond *b)
{
	if (a->kind != b->kind)
		return false;
	switch (a->kind) {
	case COND_ANY:
		return true;
	case COND_ARG:
		return a->arg == b->arg && a->op == b->op && a->value == b->value &&
		       (a->arg_name ? str_eq(a->arg_name, b->arg_name) : !b->arg_name) &&
		       a->value32 == b->value32 && a->mask == b->mask && a->mask32 == b->mask32;
	case COND_MODE_ANY:
		return a->value == b->value;
	default:
		return str_eq(a->glob, b->glob);
	}
}

/* Every (non-*) condition of a is also in b: whenever b matches, a matched first. */
static bool rule_shadows(const struct rule *a, const struct rule *b)
{
	for (size_t i = 0; i < a->n_conds; i++) {
		bool found = a->conds[i].kind == COND_ANY;

		for (size_t k = 0; !found && k < b->n_conds; k++)
			found = cond_eq(&a->conds[i], &b->conds[k]);
		if (!found)
			return false;
	}
	return true;
}

static int section_key(struct loader *ld, struct section *s, unsigned line, const char *key,
		       const char *value)
{
	enum decision_kind kind = DECISION_DENY;
	struct rule rule, *v;
	int r;

	r = lookup_decision(ld, line, key, &kind);
	if (r < 0)
		return r;
	r = parse_rule(ld, s, line, key, kind, value, &rule);
	if (r < 0)
		return r;
	v = reallocarray(s->rules, s->n_rules + 1, sizeof(*v));
	if (!v) {
		rule_done(&rule);
		return -ENOMEM;
	}
	s->rules = v;
	s->rules[s->n_rules++] = rule;
	if (rule_has_path(&rule))
		s->needs_path = true;

	for (size_t i = 0; i < rule.n_conds; i++)
		if (rule.conds[i].kind == COND_EXE_MATCH || rule.conds[i].kind == COND_EXE_NOMATCH)
			s->needs_exe = true;
		else if (rule.conds[i].kind == COND_NAME_MATCH ||
			 rule.conds[i].kind == COND_NAME_NOMATCH)
			s->needs_name = true;
		else if (rule.conds[i].kind == COND_MODE_ANY)
			s->needs_mode = true;
		else if (rule.conds[i].kind == COND_ARG && rule.conds[i].arg_name)
			for (size_t m = 0; m < s->n_syscalls; m++) {
				struct arg_place at;

				/* openat2's flags, mode, resolve: the core copies open_how */
				if (policy_arg_find(s->syscalls[m], rule.conds[i].arg_name, &at) ==
					    0 &&
				    at.where >= ARGW_HOW_FLAGS)
					s->needs_mode = true;
			}
	return 0;
}

/* ---- [sysgate] ---- */

struct sysgate_key;
/* Set the key from value: 0, or an error recorded (-EINVAL) or -ENOMEM. */
typedef int (*sysgate_key_set)(struct loader *ld, unsigned line, const struct sysgate_key *k,
			       const char *value);

/* One key of [sysgate]: its name, how its value is read, and what it takes
 * (the words every message about a bad value uses). */
struct sysgate_key {
	const char *name;
	sysgate_key_set set;
	const char *values;
};

/* "bad mode 'enforcing' (enforce or complain)" */
static int bad_value(struct loader *ld, unsigned line, const struct sysgate_key *k,
		     const char *value)
{
	return error(ld, line, "bad %s '%s' (%s)", k->name, value, k->values) ?: -EINVAL;
}

static int set_mode(struct loader *ld, unsigned line, const struct sysgate_key *k,
		    const char *value)
{
	if (streq(value, "enforce"))
		ld->p->mode = POLICY_ENFORCE;
	else if (streq(value, "complain"))
		ld->p->mode = POLICY_COMPLAIN;
	else
		return bad_value(ld, line, k, value);
	return 0;
}

/* "30s", "1500ms", "2m", "0": how long an ask waits. At most a day. */
static int set_ask_timeout(struct loader *ld, unsigned line, const struct sysgate_key *k,
			   const char *value)
{
	unsigned long long v, scale = 1000;
	char *end;

	errno = 0;
	if (value[0] < '0' || value[0] > '9')
		return bad_value(ld, line, k, value);
	v = strtoull(value, &end, 10);
	if (errno)
		return bad_value(ld, line, k, value);
	if (streq(end, "ms"))
		scale = 1;
	else if (streq(end, "s") || (streq(end, "") && v == 0))
		scale = 1000;
	else if (streq(end, "m"))
		scale = 60 * 1000;
	else
		return bad_value(ld, line, k, value);
	if (v > 24ull * 3600 * 1000 || v * scale > 24ull * 3600 * 1000)
		return error(ld, line, "ask_timeout '%s' is longer than a day", value) ?: -EINVAL;
	ld->p->ask_timeout_ms = (unsigned)(v * scale);
	return 0;
}

/* default and ask_default: allow, deny [ERRNO], kill or log. */
static int set_default(struct loader *ld, unsigned line, const struct sysgate_key *k,
		       const char *value)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_free_ char **toks = NULL;
	enum decision_kind kind = DECISION_ALLOW;
	bool ask = streq(k->name, "ask_default");
	size_t n, i;
	int err = 0, r;

	r = split_tokens(value, &buf, &toks, &n);
	if (r < 0)
		return r;
	for (i = 0; n > 0 && i < ARRAY_SIZE(decisions); i++)
		if (streq(decisions[i].name, toks[0]))
			break;
	if (n == 0 || i == ARRAY_SIZE(decisions) || n > 2 ||
	    (n == 2 && decisions[i].kind != DECISION_DENY) ||
	    decisions[i].kind == DECISION_EMULATE || decisions[i].kind == DECISION_ASK)
		return bad_value(ld, line, k, value);
	kind = decisions[i].kind;
	if (kind == DECISION_DENY) {
		err = EPERM;
		if (n == 2) {
			r = parse_errno_token(ld, line, toks[1], &err);
			if (r < 0)
				return r;
		}
	}
	if (ask) {
		/* An answer that nobody gave is logged either way. */
		ld->p->ask_default =
			(struct rule){.kind = kind == DECISION_LOG ? DECISION_ALLOW : kind,
				      .err = err,
				      .line = line};
		return 0;
	}
	ld->p->dflt.kind = kind;
	ld->p->dflt.err = err;
	ld->p->dflt.line = line;
	return 0;
}

static int set_log(struct loader *ld, unsigned line, const struct sysgate_key *k, const char *value)
{
	_cleanup_free_ char *buf = strdup(value);
	char **sinks;
	size_t n = 1;
	char *s, *next;

	if (!buf)
		return -ENOMEM;
	for (const char *c = value; *c; c++)
		n += *c == ',';
	sinks = calloc(n + 1, sizeof(*sinks));
	if (!sinks)
		return -ENOMEM;
	/* Replace the empty list set at load start. */
	for (char **o = ld->p->log_sinks; o && *o; o++)
		free(*o);
	free(ld->p->log_sinks);
	ld->p->log_sinks = sinks;

	n = 0;
	for (s = buf; s; s = next) {
		next = strchr(s, ',');
		if (next)
			*next++ = '\0';
		s = rstrip(lskip(s));
		if (!*s)
			return error(ld, line, "empty log sink in '%s'", value) ?: -EINVAL;
		if (!policy_sink_ok(s))
			return error(ld, line, "unknown log sink '%s' (%s)", s, k->values)
				       ?: -EINVAL;
		sinks[n] = strdup(s);
		if (!sinks[n++])
			return -ENOMEM;
	}
	return 0;
}

/* Keep value as written in *field. */
static int keep_value(char **field, const char *value)
{
	free(*field);
	*field = strdup(value);
	return *field ? 0 : -ENOMEM;
}

static int set_log_format(struct loader *ld, unsigned line, const struct sysgate_key *k,
			  const char *value)
{
	if (!streq(value, "text") && !streq(value, "json"))
		return bad_value(ld, line, k, value);
	return keep_value(&ld->p->log_format, value);
}

/* What a log sink does when it cannot keep up: the call waits, or the
 * record is dropped and counted (supervisor/log/). */
static int set_log_full(struct loader *ld, unsigned line, const struct sysgate_key *k,
			const char *value)
{
	if (!streq(value, "block") && !streq(value, "drop"))
		return bad_value(ld, line, k, value);
	return keep_value(&ld->p->log_full, value);
}

static int include_file(struct loader *ld, unsigned line, const char *name);

static int set_include(struct loader *ld, unsigned line, const struct sysgate_key *k,
		       const char *value)
{
	return include_file(ld, line, value);
}

/* In the order the message about an unknown key lists them. */
static const struct sysgate_key sysgate_keys[SYSGATE_N_KEYS] = {
	{"include", set_include, "a policy file, relative to this one"},
	{"mode", set_mode, "enforce or complain"},
	{"default", set_default, "allow, deny [ERRNO], kill or log"},
	{"log", set_log, POLICY_SINKS_TEXT},
	{"log_format", set_log_format, "text or json"},
	{"log_full", set_log_full, "block or drop"},
	{"ask_timeout", set_ask_timeout, "a number with ms, s or m, like 30s"},
	{"ask_default", set_default, "allow, deny [ERRNO], kill or log"},
};

/* "unknown key 'mdoe' in [sysgate] (mode, default, ... or ask_default)" */
static int unknown_key(struct loader *ld, unsigned line, const char *key)
{
	char names[256];
	size_t len = 0;

	names[0] = '\0';
	for (size_t k = 0; k < ARRAY_SIZE(sysgate_keys) && len < sizeof(names); k++)
		len += (size_t)snprintf(names + len, sizeof(names) - len, "%s%s",
					k == 0				    ? ""
					: k + 1 == ARRAY_SIZE(sysgate_keys) ? " or "
									    : ", ",
					sysgate_keys[k].name);
	{
		const char *near = NULL;
		size_t best = 3;

		for (size_t k = 0; k < ARRAY_SIZE(sysgate_keys); k++) {
			size_t d = policy_edit_distance(key, sysgate_keys[k].name, best);

			if (d < best) {
				best = d;
				near = sysgate_keys[k].name;
			}
		}
		if (near)
			return error(ld, line,
				     "unknown key '%s' in [sysgate] (did you mean %s? the keys: "
				     "%s)",
				     key, near, names)
				       ?: -EINVAL;
	}
	return error(ld, line, "unknown key '%s' in [sysgate] (%s)", key, names) ?: -EINVAL;
}

static int sysgate_key(struct loader *ld, unsigned line, const char *key, const char *value)
{
	size_t k;

	for (k = 0; k < ARRAY_SIZE(sysgate_keys); k++)
		if (streq(sysgate_keys[k].name, key))
			break;
	if (k == ARRAY_SIZE(sysgate_keys))
		return unknown_key(ld, line, key);
	/* include may be repeated: each names another file */
	if (ld->key_line[k] && sysgate_keys[k].set != set_include)
		return error(ld, line, "duplicate key '%s' in [sysgate] (first set at line %u)",
			     key, ld->key_line[k])
			       ?: -EINVAL;
	ld->key_line[k] = line;
	if (!*value)
		return error(ld, line, "empty value for '%s'", key) ?: -EINVAL;
	return sysgate_keys[k].set(ld, line, &sysgate_keys[k], value);
}

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

static int section_add_syscall(struct section *s, const char *name, unsigned char spec)
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

static int append_section(struct policy *p, struct section *s)
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
			return error(ld, e->line, "[%s]: %s is named twice in this header", e->name,
				     name)
				       ?: -EINVAL;
		s->spec[k] = MAX(s->spec[k], spec);
		return 0;
	}
	(void)via;
	return section_add_syscall(s, name, spec);
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
		return error(ld, e->line, "[%s]: an empty name in the header", e->name) ?: -EINVAL;
	for (char *it = strtok_r(buf, ",", &save); it; it = strtok_r(NULL, ",", &save), items++) {
		const struct family *f;
		const char *name;

		it = rstrip(lskip(it));
		if (!*it)
			return error(ld, e->line, "[%s]: an empty name in the header", e->name)
				       ?: -EINVAL;
		if (it[0] == '@') {
			const struct policy_group *g = policy_group(it + 1);

			if (!g) {
				const char *near = policy_group_nearest(it + 1);

				return error(ld, e->line, "[%s]: unknown group %s%s%s%s", e->name,
					     it, near ? " (did you mean @" : "", near ? near : "",
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

			return error(ld, e->line,
				     "unknown section [%s]: %s is neither a syscall libseccomp "
				     "knows "
				     "on x86_64, i386 or x32, nor a family%s%s%s",
				     e->name, name, near ? " (did you mean " : "", near ? near : "",
				     near ? "?)" : "")
				       ?: -EINVAL;
		}
	}
	return 0;
}

static int begin_section(struct loader *ld, const struct event *e)
{
	struct section s = {.line = e->line, .file = ld->cur_file};
	bool overlap = false;
	int r;

	section_done(&ld->scratch);
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
		return error(ld, e->line, "empty section name") ?: -EINVAL;

	s.name = strdup(e->name);
	if (!s.name)
		return -ENOMEM;
	r = section_items(ld, e, &s);
	if (r < 0)
		goto fail;

	/*
	 * Most specific wins: a syscall named exactly beats a family, a family
	 * beats a group, whatever the order of the sections. Two sections that
	 * name a syscall equally specifically are an error: neither can win.
	 */
	for (size_t i = 0; i < ld->p->n_sections && !overlap; i++) {
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
				overlap = true;
				r = error(ld, e->line,
					  "[%s]: %s is already covered by [%s] at line %u, as "
					  "specifically (name it in one of them only)",
					  s.name, s.syscalls[k], o->name, o->line);
				if (r < 0)
					goto fail;
				break;
			}
		}
	}
	if (overlap) {
		/* Keep checking its rules, against the right syscalls. */
		section_done(&ld->scratch);
		ld->scratch = s;
		return -EINVAL;
	}
	r = append_section(ld->p, &s);
	if (r < 0)
		goto fail;
	ld->ctx = CTX_SECTION;
	ld->cur = ld->p->n_sections - 1;
	return 0;
fail:
	section_done(&s);
	return r;
}

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

		if (ends_continued(piece))
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
static int include_file(struct loader *ld, unsigned line, const char *name)
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
		return error(ld, line, "include needs one file name") ?: -EINVAL;
	if (ld->depth >= POLICY_INCLUDE_DEPTH)
		return error(ld, line, "includes nested deeper than %d", POLICY_INCLUDE_DEPTH)
			       ?: -EINVAL;
	if (name[0] == '/' || !slash)
		path = strdup(name);
	else if (asprintf(&path, "%.*s/%s", (int)(slash - ld->cur_path), ld->cur_path, name) < 0)
		path = NULL;
	if (!path)
		return -ENOMEM;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return error(ld, line, "cannot include %s: %s", path, strerror(errno)) ?: -EINVAL;
	r = read_policy(fd, &text, &len, &st);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return error(ld, line, "cannot include %s: %s", path, strerror(-r)) ?: -EINVAL;
	for (unsigned i = 0; i <= ld->depth; i++)
		if (ld->open_files[i].dev == st.st_dev && ld->open_files[i].ino == st.st_ino)
			return error(ld, line, "%s includes itself (an include cycle)", path)
				       ?: -EINVAL;

	files = reallocarray(ld->p->files, ld->p->n_files + 1, sizeof(*files));
	if (!files)
		return -ENOMEM;
	ld->p->files = files;
	ld->p->files[ld->p->n_files++] = TAKE_PTR(path);

	/* Scan and cross-check it on its own, then process its events here. */
	sub.cur_file = ld->p->files[ld->p->n_files - 1];
	r = scan(&sub, text, len, &split);
	if (r >= 0 && !split)
		r = cross_check(&sub, text);
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
	section_done(&ld->scratch);
	ld->ctx = CTX_SYSGATE;
	return r;
}

static int process_events(struct loader *ld, const struct event *events, size_t n_events)
{
	for (size_t i = 0; i < n_events; i++) {
		const struct event *e = &events[i];
		int r = 0;

		if (e->type == EV_SECTION) {
			r = begin_section(ld, e);
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
				r = error(ld, e->line, "'%s' outside any section", e->name);
				break;
			case CTX_SYSGATE:
				r = sysgate_key(ld, e->line, e->name, value);
				break;
			case CTX_SECTION:
				r = section_key(ld, &ld->p->sections[ld->cur], e->line, e->name,
						value);
				break;
			case CTX_BAD:
				r = section_key(ld, &ld->scratch, e->line, e->name, value);
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

	section_done(&ld->scratch);
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
	return warning(ld, b->line,
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
			r = warning(
				ld, s->line,
				"[%s] decides nothing: more specific sections took every syscall "
				"it names",
				s->name);
			if (r < 0)
				return r;
		}

		for (size_t i = 0; i < s->n_rules; i++) {
			const struct rule *b = &s->rules[i];
			bool shadowed = false;

			for (size_t k = 0; k < i && !shadowed; k++) {
				const struct rule *a = &s->rules[k];

				if (!rule_shadows(a, b))
					continue;
				shadowed = true;
				if (rule_is_any(a))
					r = warning(ld, b->line,
						    "this rule can never match: the * rule at line "
						    "%u matches every call first",
						    a->line);
				else if (rule_shadows(b, a))
					r = warning(ld, b->line,
						    "this rule can never match: it repeats the "
						    "conditions of the rule at line %u",
						    a->line);
				else
					r = warning(ld, b->line,
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
			    (path_seen || rule_has_path(b))) {
				r = warning(
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
			    s->shows_path && !path_seen && !rule_has_path(b)) {
				r = warning(ld, b->line,
					    "ask: an answer remembered for a path continues later "
					    "calls that name it; " RACE_HINT);
				if (r < 0)
					return r;
			}
			r = warn_after_name(ld, s, b, name_seen, shadowed);
			if (r < 0)
				return r;
			name_seen = name_seen || rule_has_name(b);
			path_seen = path_seen || rule_has_path(b);
			has_any = has_any || rule_is_any(b);
		}
		if (name_seen && !has_any &&
		    (dflt->kind == DECISION_ALLOW || dflt->kind == DECISION_LOG)) {
			r = warning(
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
			r = warning(ld, s->line,
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
			r = section_add_syscall(&s, *n, SPEC_FAMILY);
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
	r = append_section(p, &s);
	if (r < 0)
		goto fail;
	return 0;
fail:
	section_done(&s);
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
	section_done(&ld->scratch);
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
	ld.p->log_sinks = calloc(1, sizeof(*ld.p->log_sinks));
	if (!ld.p->file || !ld.p->log_sinks)
		return -ENOMEM;
	ld.p->mode = POLICY_ENFORCE;
	ld.p->dflt = (struct rule){.kind = DECISION_ALLOW};
	ld.p->ask_timeout_ms = 30 * 1000;
	ld.p->ask_default = (struct rule){.kind = DECISION_DENY, .err = EPERM};
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
			r = error(&ld, 0,
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
	r = scan(&ld, text, len, &split);
	if (r < 0)
		return r;
	/* inih is only trusted with text it reads line for line as we do. */
	if (!split) {
		r = cross_check(&ld, text);
		if (r < 0)
			return r;
	}
	r = process(&ld);
	if (r < 0)
		return r;
	/* Every record of a call that names a path carries it resolved: the
	 * core reads it for sections whose every syscall names one. */
	for (size_t i = 0; i < ld.p->n_sections; i++)
		ld.p->sections[i].shows_path = section_names_paths(&ld.p->sections[i]);
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
	else if (s && s->implicit)
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
