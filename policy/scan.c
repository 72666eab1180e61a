/*
 * scan: the policy's lines, read exactly as inih reads them, so that what
 * inih would misread is refused with a line number; then inih itself, whose
 * handler calls must agree one for one (the loader's other half, parse.c).
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

char *ld_rstrip(char *s)
{
	char *p = s + strlen(s);

	while (p > s && isspace((unsigned char)*--p))
		*p = '\0';
	return s;
}

char *ld_lskip(char *s)
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
bool ld_ends_continued(const char *v)
{
	size_t n = strlen(v);

	return n && v[n - 1] == '\\' && (n == 1 || v[n - 2] == ' ' || v[n - 2] == '\t');
}

int ld_scan(struct loader *ld, const char *text, size_t len, bool *ret_split)
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
			r = ld_error(ld, lineno, "NUL byte in the line");
			if (r < 0)
				return r;
			continue;
		}
		if (l > MAX_LINE) {
			*ret_split = true;
			r = ld_error(
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
		start = ld_lskip(ld_rstrip(start));

		if (!*start || *start == ';' || *start == '#')
			continue;

		if (*prev_name && start > buf && cont) {
			/* The previous line ended in " \": this one carries on the
			 * rule. inih reads it as a continuation of prev_name (and
			 * does not cut comments from it), the scanner agrees. */
			if (find_chars_or_comment(start, NULL)[0]) {
				r = ld_error(
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
			cont = ld_ends_continued(start);
			continue;
		}
		if (cont) {
			cont = false;
			r = ld_error(
				ld, lineno - 1,
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
			r = ld_error(
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
				r = ld_error(ld, lineno, "section header without a closing ']'");
				if (r < 0)
					return r;
				continue;
			}
			*end = '\0';
			rest = ld_lskip(end + 1);
			if (*rest && *rest != ';' && *rest != '#') {
				r = ld_error(ld, lineno, "unexpected text after ']': '%s'", rest);
				if (r < 0)
					return r;
			}
			if (strlen(start + 1) > MAX_SECTION_NAME) {
				*ret_split = true;
				bad = true;
				r = ld_error(ld, lineno,
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
			name = ld_rstrip(start);
			value = end + 1;
			end = find_chars_or_comment(value, NULL);
			*end = '\0';
			value = ld_lskip(value);
			ld_rstrip(value);
			strncpy0(prev_name, name, sizeof(prev_name));
			cont = ld_ends_continued(value);
			r = add_event(ld, EV_KV, lineno, false, section, name, value);
			if (r < 0)
				return r;
		} else {
			r = ld_error(ld, lineno, "expected KEY = VALUE or [SECTION]");
			if (r < 0)
				return r;
		}
	}
	if (cont) {
		r = ld_error(ld, lineno, "the last line ends in '\\' but nothing follows it");
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

bool ld_str_eq(const char *a, const char *b)
{
	return a && b && streq(a, b);
}

/* Run inih on the text and check it read what the scanner read. */
int ld_cross_check(struct loader *ld, const char *text)
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
			int r = ld_error(ld, (unsigned)rc, "syntax error");

			if (r < 0)
				return r;
		}
	} else if (rc < 0) {
		return ld_error(ld, 0, "inih could not parse the policy (%d)", rc);
	}

	for (size_t i = 0; i < ld->n_events; i++) {
		const struct event *e = &ld->events[i];
		const struct handler_call *c;

		if (e->type == EV_SECTION)
			continue;
		c = k < ld->n_calls ? &ld->calls[k] : NULL;
		k++;
		if (!c || !ld_str_eq(c->section, e->section) || !ld_str_eq(c->name, e->name) ||
		    !ld_str_eq(c->value, e->value))
			return ld_error(ld, e->line,
					"internal error: inih read this line differently from "
					"sysgate's scanner");
	}
	if (k != ld->n_calls)
		return ld_error(ld, 0,
				"internal error: inih read more values than sysgate's scanner");
	return 0;
}
