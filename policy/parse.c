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

static __attribute__((format(printf, 4, 0))) int
diag_vadd(struct policy_diags *d, enum diag_level sev, unsigned line, const char *fmt, va_list ap)
{
	struct policy_diag *v;
	char *msg;

	if (vasprintf(&msg, fmt, ap) < 0)
		return -ENOMEM;
	v = reallocarray(d->v, d->n + 1, sizeof(*v));
	if (!v) {
		free(msg);
		return -ENOMEM;
	}
	d->v = v;
	d->v[d->n++] = (struct policy_diag){.severity = sev, .line = line, .msg = msg};
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
	for (size_t i = 0; i < d->n; i++)
		free(d->v[i].msg);
	free(d->v);
	*d = (struct policy_diags){};
}

/* ---- freeing ---- */

static void rule_done(struct rule *r)
{
	for (size_t i = 0; i < r->n_conds; i++)
		free(r->conds[i].glob);
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

struct loader {
	struct policy *p;
	struct policy_diags d;

	size_t n_events;
	struct event *events;
	size_t n_calls;
	struct handler_call *calls;

	enum { CTX_NONE, CTX_SYSGATE, CTX_SECTION, CTX_BAD } ctx;
	size_t cur;		/* CTX_SECTION: index in p->sections */
	struct section scratch; /* CTX_BAD: rules are checked, then dropped */
	unsigned key_line[7];	/* [sysgate] keys, by index in sysgate_keys */
};

static int error(struct loader *ld, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int error(struct loader *ld, unsigned line, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = diag_vadd(&ld->d, DIAG_ERROR, line, fmt, ap);
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
	r = diag_vadd(&ld->d, DIAG_WARNING, line, fmt, ap);
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
static int scan(struct loader *ld, const char *text, size_t len, bool *ret_split)
{
	char section[INIH_NAME] = "";
	char prev_name[INIH_NAME] = "";
	char buf[MAX_LINE + 1];
	unsigned lineno = 0;
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
			r = add_event(ld, EV_KV, lineno, false, section, name, value);
			if (r < 0)
				return r;
		} else {
			r = error(ld, lineno, "expected KEY = VALUE or [SECTION]");
			if (r < 0)
				return r;
		}
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
	return error(ld, line, "unknown errno name '%s'", tok) ?: -EINVAL;
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

static int parse_glob(struct loader *ld, unsigned line, const char *what, const char *glob,
		      struct cond *c)
{
	const char *why = NULL;
	int r;

	if (glob[0] != '/')
		return error(ld, line, "%s glob '%s' is not absolute (it must start with '/')",
			     what, glob)
			       ?: -EINVAL;
	r = policy_glob_check(glob, &why);
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
	if (streq(t, "mode")) {
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
	if (strpbrk(t, "~&=<>!"))
		return error(ld, line, "unknown condition '%s' (separate tokens with spaces)", t)
			       ?: -EINVAL;
	return error(ld, line, "unknown condition '%s' (*, path, mode, argN, exe or name)", t)
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

	*rule = (struct rule){.kind = kind, .err = kind == DECISION_DENY ? EPERM : 0, .line = line};
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
		return a->arg == b->arg && a->op == b->op && a->value == b->value;
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
	return 0;
}

/* ---- [sysgate] ---- */

static const char *const sysgate_keys[] = {"mode",	  "default",	 "log",	    "log_format",
					   "ask_timeout", "ask_default", "log_full"};

/* "30s", "1500ms", "2m", "0": how long an ask waits. At most a day. */
static int set_ask_timeout(struct loader *ld, unsigned line, const char *value)
{
	unsigned long long v, scale = 1000;
	char *end;

	errno = 0;
	if (value[0] < '0' || value[0] > '9')
		goto bad;
	v = strtoull(value, &end, 10);
	if (errno)
		goto bad;
	if (streq(end, "ms"))
		scale = 1;
	else if (streq(end, "s") || (streq(end, "") && v == 0))
		scale = 1000;
	else if (streq(end, "m"))
		scale = 60 * 1000;
	else
		goto bad;
	if (v > 24ull * 3600 * 1000 || v * scale > 24ull * 3600 * 1000)
		return error(ld, line, "ask_timeout '%s' is longer than a day", value) ?: -EINVAL;
	ld->p->ask_timeout_ms = (unsigned)(v * scale);
	return 0;
bad:
	return error(ld, line, "bad ask_timeout '%s' (a number with ms, s or m, like 30s)", value)
		       ?: -EINVAL;
}

static int set_default(struct loader *ld, unsigned line, const char *value, bool ask)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_free_ char **toks = NULL;
	enum decision_kind kind = DECISION_ALLOW;
	size_t n, k;
	int err = 0, r;

	r = split_tokens(value, &buf, &toks, &n);
	if (r < 0)
		return r;
	for (k = 0; n > 0 && k < ARRAY_SIZE(decisions); k++)
		if (streq(decisions[k].name, toks[0]))
			break;
	if (n == 0 || k == ARRAY_SIZE(decisions) || n > 2 ||
	    (n == 2 && decisions[k].kind != DECISION_DENY) ||
	    decisions[k].kind == DECISION_EMULATE || decisions[k].kind == DECISION_ASK)
		return error(ld, line, "bad %s '%s' (allow, deny [ERRNO], kill or log)",
			     ask ? "ask_default" : "default", value)
			       ?: -EINVAL;
	kind = decisions[k].kind;
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

static int set_log(struct loader *ld, unsigned line, const char *value)
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
			return error(ld, line, "unknown log sink '%s' (%s)", s, POLICY_SINKS_TEXT)
				       ?: -EINVAL;
		sinks[n] = strdup(s);
		if (!sinks[n++])
			return -ENOMEM;
	}
	return 0;
}

static int sysgate_key(struct loader *ld, unsigned line, const char *key, const char *value)
{
	size_t k;

	for (k = 0; k < ARRAY_SIZE(sysgate_keys); k++)
		if (streq(sysgate_keys[k], key))
			break;
	if (k == ARRAY_SIZE(sysgate_keys))
		return error(ld, line,
			     "unknown key '%s' in [sysgate] (mode, default, log, log_format, "
			     "log_full, ask_timeout or ask_default)",
			     key)
			       ?: -EINVAL;
	if (ld->key_line[k])
		return error(ld, line, "duplicate key '%s' in [sysgate] (first set at line %u)",
			     key, ld->key_line[k])
			       ?: -EINVAL;
	ld->key_line[k] = line;
	if (!*value)
		return error(ld, line, "empty value for '%s'", key) ?: -EINVAL;

	switch (k) {
	case 0:
		if (streq(value, "enforce"))
			ld->p->mode = POLICY_ENFORCE;
		else if (streq(value, "complain"))
			ld->p->mode = POLICY_COMPLAIN;
		else
			return error(ld, line, "bad mode '%s' (enforce or complain)", value)
				       ?: -EINVAL;
		return 0;
	case 1:
		return set_default(ld, line, value, false);
	case 2:
		return set_log(ld, line, value);
	case 4:
		return set_ask_timeout(ld, line, value);
	case 5:
		return set_default(ld, line, value, true);
	case 6:
		/* What a log sink does when it cannot keep up: the call waits, or
		 * the record is dropped and counted (supervisor/log.c). */
		if (!streq(value, "block") && !streq(value, "drop"))
			return error(ld, line, "bad log_full '%s' (block or drop)", value)
				       ?: -EINVAL;
		free(ld->p->log_full);
		ld->p->log_full = strdup(value);
		return ld->p->log_full ? 0 : -ENOMEM;
	default:
		if (!streq(value, "text") && !streq(value, "json"))
			return error(ld, line, "bad log_format '%s' (text or json)", value)
				       ?: -EINVAL;
		free(ld->p->log_format);
		ld->p->log_format = strdup(value);
		return ld->p->log_format ? 0 : -ENOMEM;
	}
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

static int section_add_syscall(struct section *s, const char *name)
{
	char **v = reallocarray(s->syscalls, s->n_syscalls + 2, sizeof(*v));

	if (!v)
		return -ENOMEM;
	s->syscalls = v;
	s->syscalls[s->n_syscalls] = strdup(name);
	if (!s->syscalls[s->n_syscalls])
		return -ENOMEM;
	s->syscalls[++s->n_syscalls] = NULL;
	s->emulatable = (s->n_syscalls == 1 || s->emulatable) && policy_syscall_emulatable(name);
	return 0;
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

static int begin_section(struct loader *ld, const struct event *e)
{
	struct section s = {.line = e->line};
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
	s.family = policy_family(e->name);
	if (s.family) {
		/* A family head stands for the family, even where it is also a
		 * syscall name (mkdir, chmod, open, mount). */
		for (const char *const *n = s.family->syscalls; *n; n++)
			if (policy_syscall_known(*n)) {
				r = section_add_syscall(&s, *n);
				if (r < 0)
					goto fail;
			}
	} else if (policy_syscall_known(e->name)) {
		r = section_add_syscall(&s, e->name);
		if (r < 0)
			goto fail;
	} else {
		section_done(&s);
		return error(ld, e->line,
			     "unknown section [%s]: neither a syscall libseccomp knows on x86_64, "
			     "i386 or x32, nor a family",
			     e->name)
			       ?: -EINVAL;
	}

	for (size_t i = 0; i < ld->p->n_sections; i++) {
		const struct section *o = &ld->p->sections[i];

		for (size_t k = 0; k < s.n_syscalls; k++)
			if (section_covers(o, s.syscalls[k])) {
				overlap = true;
				r = error(ld, e->line,
					  "[%s]: %s is already covered by [%s] at line %u", s.name,
					  s.syscalls[k], o->name, o->line);
				if (r < 0)
					goto fail;
				break;
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

static int process(struct loader *ld)
{
	for (size_t i = 0; i < ld->n_events; i++) {
		const struct event *e = &ld->events[i];
		int r = 0;

		if (e->type == EV_SECTION) {
			r = begin_section(ld, e);
		} else if (e->type == EV_KV) {
			switch (ld->ctx) {
			case CTX_NONE:
				r = error(ld, e->line, "'%s' outside any section", e->name);
				break;
			case CTX_SYSGATE:
				r = sysgate_key(ld, e->line, e->name, e->value);
				break;
			case CTX_SECTION:
				r = section_key(ld, &ld->p->sections[ld->cur], e->line, e->name,
						e->value);
				break;
			case CTX_BAD:
				r = section_key(ld, &ld->scratch, e->line, e->name, e->value);
				break;
			}
		}
		if (r == -ENOMEM)
			return r;
	}
	section_done(&ld->scratch);
	return 0;
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
			r = section_add_syscall(&s, *n);
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
static void sort_diags(struct policy_diags *d)
{
	for (size_t i = 1; i < d->n; i++) {
		struct policy_diag x = d->v[i];
		size_t k = i;

		for (; k > 0 && d->v[k - 1].line > x.line; k--)
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

static int load_buffer(const char *name, const char *text, size_t len, struct policy **ret,
		       struct policy_diags *diags)
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
	return load_buffer(name, text, strlen(text), ret, diags);
}

int policy_load_default(struct policy **ret, struct policy_diags *diags)
{
	return policy_load_string(POLICY_DEFAULT_NAME, policy_default_text, ret, diags);
}

int policy_load_file(const char *path, struct policy **ret, struct policy_diags *diags)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	struct stat st;

	if (!path || !ret)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode))
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
	return load_buffer(path, buf, len, ret, diags);
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
		snprintf(buf, size, "%s:%u", p && p->file ? p->file : "?", r->line);
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
