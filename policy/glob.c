/*
 * glob: path globs for path and exe conditions.
 *
 * The glob is compiled into tokens, then matched by dynamic programming over
 * (token, path position): O(tokens x path length) time and O(path length)
 * memory whatever the glob looks like, so a policy author (or a path the
 * target makes up) cannot make matching blow up the way backtracking matchers
 * do on a glob of many double stars against a long path.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"
#include "sg-util.h"

enum tok_kind {
	T_CHAR,	 /* one literal byte */
	T_ANY,	 /* '?': one byte other than '/' */
	T_CLASS, /* '[...]': one byte in the set, never '/' */
	T_STAR,	 /* '*': any run of bytes without '/' */
	T_DSTAR, /* '**' not forming a whole component: any run of bytes */
	T_DIRS,	 /* "**" "/" at a component start: "" or any run ending in '/' */
	T_TAIL,	 /* "/" "**" at the end: "" or '/' followed by anything */
};

struct tok {
	enum tok_kind kind;
	unsigned char c;
	bool negate;
	uint8_t set[32]; /* T_CLASS: bitmap of bytes */
};

static void set_bit(uint8_t *set, unsigned char c)
{
	set[c >> 3] |= (uint8_t)(1u << (c & 7));
}

static bool has_bit(const uint8_t *set, unsigned char c)
{
	return set[c >> 3] & (1u << (c & 7));
}

/*
 * Parse a class starting after '['. Returns the index after the closing ']',
 * or 0 with *why set.
 */
static size_t parse_class(const char *g, size_t i, struct tok *t, const char **why)
{
	size_t start;

	if (g[i] == '!' || g[i] == '^') {
		t->negate = true;
		i++;
	}
	start = i;
	for (;;) {
		unsigned char lo, hi;

		if (!g[i]) {
			*why = "unterminated '[' class";
			return 0;
		}
		/* A ']' right after '[' (or '[!') is a member, not the end. */
		if (g[i] == ']' && i > start)
			return i + 1;
		if (g[i] == '\\') {
			if (!g[i + 1]) {
				*why = "trailing backslash";
				return 0;
			}
			i++;
		}
		lo = (unsigned char)g[i++];
		hi = lo;
		if (g[i] == '-' && g[i + 1] && g[i + 1] != ']') {
			i++;
			if (g[i] == '\\') {
				if (!g[i + 1]) {
					*why = "trailing backslash";
					return 0;
				}
				i++;
			}
			hi = (unsigned char)g[i++];
			if (hi < lo) {
				*why = "reversed range in '[' class";
				return 0;
			}
		}
		for (unsigned c = lo; c <= hi; c++)
			set_bit(t->set, (unsigned char)c);
	}
}

/* Compile into toks (room for strlen(g) + 1 entries). Returns the count, or -EINVAL. */
static int compile(const char *g, struct tok *toks, const char **why)
{
	size_t n = 0, i = 0;

	*why = NULL;
	if (!g || !*g) {
		*why = "empty glob";
		return -EINVAL;
	}
	while (g[i]) {
		struct tok *t = &toks[n];

		memset(t, 0, sizeof(*t));
		switch (g[i]) {
		case '\\':
			if (!g[i + 1]) {
				*why = "trailing backslash";
				return -EINVAL;
			}
			t->kind = T_CHAR;
			t->c = (unsigned char)g[i + 1];
			i += 2;
			break;
		case '?':
			t->kind = T_ANY;
			i++;
			break;
		case '[': {
			size_t next = parse_class(g, i + 1, t, why);

			if (!next)
				return -EINVAL;
			t->kind = T_CLASS;
			i = next;
			break;
		}
		case '*': {
			size_t run = 0;
			/* Does this '*' start a component? The previous token is then
			 * a literal '/' (an escaped "\/" counts the same), or a
			 * double-star component, which ends in '/'. */
			const struct tok *prev = n > 0 ? &toks[n - 1] : NULL;
			bool at_start = prev && ((prev->kind == T_CHAR && prev->c == '/') ||
						 prev->kind == T_DIRS);

			while (g[i + run] == '*')
				run++;
			i += run;
			if (run == 1) {
				t->kind = T_STAR;
			} else if (at_start && g[i] == '/') {
				t->kind = T_DIRS;
				i++;
			} else if (at_start && !g[i]) {
				/* Double-star components before a final one add
				 * nothing: drop them. */
				while (n > 0 && toks[n - 1].kind == T_DIRS)
					n--;
				t = &toks[n];
				memset(t, 0, sizeof(*t));
				t->kind = T_DSTAR;
				if (n > 0 && toks[n - 1].kind == T_CHAR && toks[n - 1].c == '/') {
					/* A trailing slash and double star: the slash
					 * becomes optional, so the directory matches
					 * too. */
					n--;
					t = &toks[n];
					memset(t, 0, sizeof(*t));
					t->kind = T_TAIL;
				}
			} else {
				t->kind = T_DSTAR;
			}
			break;
		}
		default:
			t->kind = T_CHAR;
			t->c = (unsigned char)g[i];
			i++;
			break;
		}
		n++;
	}
	return (int)n;
}

static int check_one(const char *glob, const char **ret_why)
{
	_cleanup_free_ struct tok *toks = NULL;
	const char *why = NULL;

	if (!glob || !*glob) {
		if (ret_why)
			*ret_why = "empty glob";
		return -EINVAL;
	}
	toks = calloc(strlen(glob) + 1, sizeof(*toks));
	if (!toks)
		return -ENOMEM;
	if (compile(glob, toks, &why) < 0) {
		if (ret_why)
			*ret_why = why;
		return -EINVAL;
	}
	return 0;
}

static bool tok_byte(const struct tok *t, unsigned char c)
{
	switch (t->kind) {
	case T_CHAR:
		return c == t->c;
	case T_ANY:
		return c != '/';
	case T_CLASS:
		return c != '/' && has_bit(t->set, c) != t->negate;
	default:
		return false;
	}
}

static bool match_one(const char *glob, const char *path)
{
	_cleanup_free_ struct tok *toks = NULL;
	_cleanup_free_ bool *cur = NULL;
	_cleanup_free_ bool *next = NULL;
	const unsigned char *s = (const unsigned char *)path;
	const char *why;
	size_t len;
	int n;

	if (!glob || !path)
		return false;
	/* The bytes before the first special one each match only themselves:
	 * a path without them cannot match, and a glob of nothing else is the
	 * path itself (the common "exe ~ /usr/bin/git"). Saves the tables on
	 * every call (issue 12). */
	if (!*glob)
		return false; /* compile() refuses it */
	{
		size_t lit = strcspn(glob, "\\?[*");

		/* "dir/" + a final "**" matches "dir" too: that slash is not
		 * required. */
		if (lit > 0 && glob[lit] == '*' && glob[lit - 1] == '/')
			lit--;
		if (strncmp(glob, path, lit) != 0)
			return false;
		if (!glob[lit])
			return path[lit] == '\0';
	}
	toks = calloc(strlen(glob) + 1, sizeof(*toks));
	if (!toks)
		return false;
	n = compile(glob, toks, &why);
	if (n < 0)
		return false;
	len = strlen(path);
	cur = calloc(len + 1, sizeof(*cur));
	next = calloc(len + 1, sizeof(*next));
	if (!cur || !next)
		return false;

	/* cur[j]: the tokens so far match the first j bytes of the path. */
	cur[0] = true;
	for (int k = 0; k < n; k++) {
		const struct tok *t = &toks[k];
		bool any = false, seen_slash_start = false;

		switch (t->kind) {
		case T_CHAR:
		case T_ANY:
		case T_CLASS:
			next[0] = false;
			for (size_t j = 1; j <= len; j++)
				next[j] = cur[j - 1] && tok_byte(t, s[j - 1]);
			break;
		case T_STAR:
			next[0] = cur[0];
			for (size_t j = 1; j <= len; j++)
				next[j] = cur[j] || (next[j - 1] && s[j - 1] != '/');
			break;
		case T_DSTAR:
			for (size_t j = 0; j <= len; j++) {
				any = any || cur[j];
				next[j] = any;
			}
			break;
		case T_DIRS:
			/* "" or s[i..j) for any i < j with s[j-1] == '/' */
			for (size_t j = 0; j <= len; j++) {
				next[j] = cur[j] || (any && j > 0 && s[j - 1] == '/');
				any = any || cur[j];
			}
			break;
		case T_TAIL:
			/* "" or s[i..len) with s[i] == '/' */
			for (size_t j = 0; j < len; j++) {
				seen_slash_start = seen_slash_start || (cur[j] && s[j] == '/');
				next[j] = false;
			}
			next[len] = cur[len] || seen_slash_start;
			break;
		}
		{
			bool *tmp = cur;

			cur = next;
			next = tmp;
		}
	}
	return cur[len];
}

/*
 * Alternation: "{a,b,c}" stands for each alternative in turn, nested to any
 * depth, "\{" a literal brace. It is expanded before compiling, into at
 * most GLOB_ALTERNATIVES globs, so matching stays O(alternatives x tokens x
 * path length) and no glob can make it blow up.
 */
#define GLOB_ALTERNATIVES 256

/* The first unescaped '{' outside a '[' class, and its matching '}'.
 * 1 found, 0 none, -EINVAL unbalanced (with *why). */
static int find_braces(const char *g, size_t *ret_open, size_t *ret_close, const char **why)
{
	size_t depth = 0, open = 0;
	bool in_class = false;

	for (size_t i = 0; g[i]; i++) {
		if (g[i] == '\\' && g[i + 1]) {
			i++;
		} else if (in_class) {
			if (g[i] == ']')
				in_class = false;
		} else if (g[i] == '[') {
			in_class = true;
			/* A ']' right after '[' or '[!' is a member. */
			if (g[i + 1] == '!' || g[i + 1] == '^')
				i++;
			if (g[i + 1] == ']')
				i++;
		} else if (g[i] == '{') {
			if (depth++ == 0)
				open = i;
		} else if (g[i] == '}') {
			if (depth == 0) {
				*why = "'}' without '{' (write \\} for a literal brace)";
				return -EINVAL;
			}
			if (--depth == 0) {
				*ret_open = open;
				*ret_close = i;
				return 1;
			}
		}
	}
	if (depth) {
		*why = "unterminated '{' alternation";
		return -EINVAL;
	}
	return 0;
}

typedef int (*glob_each_fn)(const char *glob, void *data);

/* Call fn on every expansion of g; stops at fn's first non-zero result
 * and returns it. -E2BIG past GLOB_ALTERNATIVES, -EINVAL when unbalanced. */
static int expand(const char *g, size_t *budget, glob_each_fn fn, void *data, const char **why)
{
	size_t open, close, len = strlen(g);
	int r = find_braces(g, &open, &close, why);

	if (r < 0)
		return r;
	if (r == 0) {
		if (*budget == 0) {
			*why = "more than 256 alternatives";
			return -E2BIG;
		}
		(*budget)--;
		return fn(g, data);
	}
	/* Each top-level alternative between open and close. */
	for (size_t start = open + 1, i = open + 1, depth = 0; i <= close; i++) {
		if (g[i] == '\\' && i + 1 < close) {
			i++;
			continue;
		}
		if (g[i] == '{')
			depth++;
		else if (g[i] == '}' && depth > 0 && i != close)
			depth--;
		else if ((g[i] == ',' && depth == 0) || i == close) {
			_cleanup_free_ char *alt = malloc(len + 1);

			if (!alt)
				return -ENOMEM;
			memcpy(alt, g, open);
			memcpy(alt + open, g + start, i - start);
			strcpy(alt + open + (i - start), g + close + 1);
			r = expand(alt, budget, fn, data, why);
			if (r)
				return r;
			start = i + 1;
		}
	}
	return 0;
}

struct match_data {
	const char *path;
	bool matched;
};

static int match_each(const char *glob, void *data)
{
	struct match_data *m = data;

	m->matched = match_one(glob, m->path);
	return m->matched ? 1 : 0;
}

bool policy_glob_match(const char *glob, const char *path)
{
	struct match_data m = {.path = path};
	size_t budget = GLOB_ALTERNATIVES;
	const char *why = NULL;

	if (!glob || !path)
		return false;
	return expand(glob, &budget, match_each, &m, &why) == 1 && m.matched;
}

struct check_data {
	bool path; /* the glob is matched against normalized absolute paths */
	const char *why;
};

/*
 * Paths are resolved and normalized before they are matched: no "//", no
 * "." or ".." component, no trailing '/' except "/" itself. A literal
 * piece of glob that demands one of those can never match, so a rule
 * built on it would do nothing, silently: refuse it.
 */
static const char *path_shape(const char *g)
{
	size_t len = strlen(g);

	for (size_t i = 0; i < len; i++) {
		size_t j;

		if (g[i] == '\\' && g[i + 1]) {
			i++;
			continue;
		}
		if (g[i] != '/')
			continue;
		if (g[i + 1] == '/')
			return "'//' never matches: paths are normalized before they are matched";
		if (!g[i + 1] && i > 0)
			return "a trailing '/' never matches: paths are normalized (write DIR or "
			       "DIR/**)";
		for (j = i + 1; g[j] == '.'; j++)
			;
		if ((j - i == 2 || j - i == 3) && (g[j] == '/' || !g[j]))
			return "a '.' or '..' component never matches: paths are resolved before "
			       "they are matched";
	}
	return NULL;
}

static int check_each(const char *glob, void *data)
{
	struct check_data *c = data;
	int r = check_one(glob, &c->why);

	if (r < 0)
		return r;
	if (c->path && glob[0] != '/') {
		c->why = "an alternative is not absolute (it must start with '/')";
		return -EINVAL;
	}
	if (c->path && (c->why = path_shape(glob)))
		return -EINVAL;
	return 0;
}

static int check(const char *glob, bool path, const char **ret_why)
{
	struct check_data c = {.path = path};
	size_t budget = GLOB_ALTERNATIVES;
	const char *why = NULL;
	int r;

	if (!glob || !*glob) {
		if (ret_why)
			*ret_why = "empty glob";
		return -EINVAL;
	}
	r = expand(glob, &budget, check_each, &c, &why);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		if (ret_why)
			*ret_why = c.why ? c.why : why;
		return -EINVAL;
	}
	return 0;
}

int policy_glob_check(const char *glob, const char **ret_why)
{
	return check(glob, false, ret_why);
}

int policy_path_glob_check(const char *glob, const char **ret_why)
{
	return check(glob, true, ret_why);
}
