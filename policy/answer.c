/*
 * answer: the grammar of a person's answer and the policy text of what it
 * covers (answer.h). Pure: the prompt and the ask queue both call it, so what
 * the person confirms is what is remembered and written.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/answer.h"
#include "sg-util.h"

const char *const answer_scope_names[4] = {"once", "process", "run", "always"};
const char *const answer_cover_names[4] = {"exact", "dir", "glob", "any"};

int answer_scope_parse(const char *name)
{
	for (size_t i = 0; name && i < ARRAY_SIZE(answer_scope_names); i++)
		if (streq(name, answer_scope_names[i]))
			return (int)i;
	return -EINVAL;
}

int answer_cover_parse(const char *name)
{
	for (size_t i = 0; name && i < ARRAY_SIZE(answer_cover_names); i++)
		if (streq(name, answer_cover_names[i]))
			return (int)i;
	return -EINVAL;
}

/* The words of an answer: full and short. */
static const struct {
	const char *word, *alias;
	enum decision_kind kind;
} decisions[] = {
	{"allow", "a", DECISION_ALLOW},
	{"deny", "d", DECISION_DENY},
	{"kill", "k", DECISION_KILL},
};

static const char *const scope_aliases[4] = {"o", "p", "r", "A"};

/* "EACCES" or "13" that the policy language accepts as a deny errno; 0 if not. */
static int errno_word(const char *w)
{
	int e;

	if (!((w[0] == 'E' && w[1]) || (w[0] >= '0' && w[0] <= '9')))
		return 0;
	e = policy_errno_parse(w);
	return e > 0 && policy_errno_in_range(e) ? e : 0;
}

static int scope_word(const char *w)
{
	for (size_t i = 0; i < ARRAY_SIZE(answer_scope_names); i++)
		if (streq(w, answer_scope_names[i]) || streq(w, scope_aliases[i]))
			return (int)i;
	return -1;
}

static int bad(const char **ret_why, const char *why, const char **ret_word, const char *word)
{
	*ret_why = why;
	*ret_word = word;
	return -EINVAL;
}

int answer_parse(char *text, struct answer_words *a, const char **ret_why, const char **ret_word)
{
	bool have_scope = false, have_cover = false, have_err = false, have_kind = false;
	char *save = NULL, *w;

	*a = (struct answer_words){.err = EPERM};
	*ret_word = NULL;
	w = strtok_r(text, " \t", &save);
	if (!w)
		return bad(ret_why, "empty answer", ret_word, NULL);
	for (size_t i = 0; i < ARRAY_SIZE(decisions); i++)
		if (streq(w, decisions[i].word) || streq(w, decisions[i].alias)) {
			a->kind = decisions[i].kind;
			have_kind = true;
		}
	if (!have_kind)
		return bad(ret_why, "is not a decision (allow, deny, kill)", ret_word, w);
	while ((w = strtok_r(NULL, " \t", &save))) {
		int scope = scope_word(w), e;

		if (scope >= 0) {
			if (have_scope)
				return bad(ret_why, "two scopes given", ret_word, NULL);
			have_scope = true;
			a->scope = (enum answer_scope)scope;
		} else if (streq(w, "exact") || streq(w, "dir") || streq(w, "any") ||
			   !strncmp(w, "glob=", 5)) {
			if (have_cover)
				return bad(ret_why, "two covers given", ret_word, NULL);
			have_cover = true;
			a->cover = streq(w, "exact") ? ANSWER_COVER_EXACT
				   : streq(w, "dir") ? ANSWER_COVER_DIR
				   : streq(w, "any") ? ANSWER_COVER_ANY
						     : ANSWER_COVER_GLOB;
			if (a->cover == ANSWER_COVER_GLOB) {
				if (strlen(w + 5) >= sizeof(a->glob))
					return bad(ret_why, "is too long a glob", ret_word, w);
				snprintf(a->glob, sizeof(a->glob), "%s", w + 5);
			}
		} else if ((e = errno_word(w)) && strlen(w) < sizeof(a->err_word)) {
			if (have_err)
				return bad(ret_why, "two errnos given", ret_word, NULL);
			have_err = true;
			a->err = e;
			snprintf(a->err_word, sizeof(a->err_word), "%s", w);
		} else {
			return bad(ret_why, "is not an errno, scope or cover", ret_word, w);
		}
	}
	if (have_err && a->kind != DECISION_DENY)
		return bad(ret_why, "an errno goes only with deny", ret_word, NULL);
	return 0;
}

int answer_check(const struct answer_words *a, const char *path, const char **ret_why)
{
	const char *why = NULL;

	if (a->cover == ANSWER_COVER_EXACT)
		return 0;
	if (a->scope == ANSWER_ONCE) {
		*ret_why = "a cover applies to a remembered answer: add a scope (process, run or "
			   "always)";
		return -EINVAL;
	}
	if (a->cover == ANSWER_COVER_ANY)
		return 0; /* every call the ask rule matches, path or not */
	if (!path) {
		*ret_why = "the call has no path: only cover exact (or any) applies";
		return -EINVAL;
	}
	if (a->cover != ANSWER_COVER_GLOB)
		return 0;
	if (a->glob[0] != '/') {
		*ret_why = "the glob must be absolute (glob=/dir/**)";
		return -EINVAL;
	}
	if (policy_path_glob_check(a->glob, &why) < 0) {
		*ret_why = why ? why : "the glob is not well formed";
		return -EINVAL;
	}
	if (!policy_glob_match(a->glob, path)) {
		*ret_why = "the glob does not match the call's path";
		return -EINVAL;
	}
	return 0;
}

/* A glob that matches exactly these n bytes: its metacharacters escaped. */
static char *glob_escape(const char *s, size_t n)
{
	char *out = malloc(n * 2 + 1), *o = out;

	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (strchr("*?[]{}\\", s[i]))
			*o++ = '\\';
		*o++ = s[i];
	}
	*o = '\0';
	return out;
}

char *answer_covers_glob(const char *path, enum answer_cover cover, const char *glob)
{
	const char *slash;
	char *dir, *ret = NULL;

	switch (cover) {
	case ANSWER_COVER_EXACT:
		return glob_escape(path, strlen(path));
	case ANSWER_COVER_DIR:
		slash = strrchr(path, '/');
		if (!slash || slash == path)
			return strdup("/**");
		dir = glob_escape(path, (size_t)(slash - path));
		if (dir && asprintf(&ret, "%s/**", dir) < 0)
			ret = NULL;
		free(dir);
		return ret;
	case ANSWER_COVER_GLOB:
		return glob ? strdup(glob) : NULL;
	case ANSWER_COVER_ANY:
		return NULL; /* no path condition at all */
	}
	return NULL;
}

static void cond_text(FILE *f, const struct cond *c)
{
	static const char *const ops[] = {
		[ARG_EQ] = "==", [ARG_NE] = "!=", [ARG_LT] = "<",  [ARG_LE] = "<=",
		[ARG_GT] = ">",	 [ARG_GE] = ">=", [ARG_AND] = "&",
	};

	switch (c->kind) {
	case COND_MODE_ANY:
		fprintf(f, "mode & 0%llo", (unsigned long long)c->value);
		break;
	case COND_ARG:
		/* A named argument as written: its constants are the ABI's. */
		if (c->arg_name)
			fputs(c->text, f);
		else
			fprintf(f, "arg%u %s %#llx", c->arg, ops[c->op],
				(unsigned long long)c->value);
		break;
	case COND_EXE_MATCH:
		fprintf(f, "exe ~ %s", c->glob);
		break;
	case COND_EXE_NOMATCH:
		fprintf(f, "exe !~ %s", c->glob);
		break;
	case COND_NAME_MATCH:
		fprintf(f, "name ~ %s", c->glob);
		break;
	case COND_NAME_NOMATCH:
		fprintf(f, "name !~ %s", c->glob);
		break;
	case COND_ABI_EQ: /* kept: an answer is no wider than the rule asked */
	case COND_ABI_NE:
		fprintf(f, "abi %s %s", c->kind == COND_ABI_EQ ? "==" : "!=",
			policy_abi_name((enum policy_abi)c->value));
		break;
	default:
		break;
	}
}

char *answer_conds_text(const struct rule *r)
{
	char *buf = NULL;
	size_t len = 0;
	bool any = false;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	for (size_t i = 0; r && i < r->n_conds; i++) {
		const struct cond *c = &r->conds[i];

		if (c->kind == COND_ANY || c->kind == COND_PATH_MATCH ||
		    c->kind == COND_PATH_NOMATCH)
			continue;
		if (any)
			fputs(" and ", f);
		cond_text(f, c);
		any = true;
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

char *answer_covers_text(enum decision_kind kind, int err, const char *glob, const char *conds)
{
	char *buf = NULL;
	size_t len = 0;
	bool any = false;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	fputs(policy_decision_name(kind), f);
	fputs(" =", f);
	if (kind == DECISION_DENY) {
		const char *name = policy_errno_name(err);

		if (name)
			fprintf(f, " %s", name);
		else
			fprintf(f, " %d", err);
	}
	if (glob) {
		fprintf(f, " path ~ %s", glob);
		any = true;
	}
	if (conds && *conds) {
		fprintf(f, "%s%s", any ? " and " : " ", conds);
		any = true;
	}
	if (!any)
		fputs(" *", f);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

int answer_insert_rule(const char *old, size_t len, unsigned want, const char *rule,
		       const char *stamp, char **ret_text, size_t *ret_len, const char **ret_why)
{
	const char *line_start;
	size_t pos = 0;
	unsigned line = 1;
	char *text = NULL;
	int n;

	if (memchr(old, '\0', len)) {
		*ret_why = "the policy file holds a NUL byte";
		return -ESTALE;
	}
	while (line < want && pos < len) {
		if (old[pos++] == '\n')
			line++;
	}
	line_start = old + pos;
	while (*line_start == ' ' || *line_start == '\t')
		line_start++;
	if (line != want || strncmp(line_start, "ask", 3) != 0 || !line_start[3] ||
	    !strchr(" \t=:", line_start[3])) {
		*ret_why = "the policy file has changed since sysgate loaded it";
		return -ESTALE;
	}
	n = asprintf(&text, "%.*s; added by sysgate prompt, %s\n%s\n%.*s", (int)pos, old, stamp,
		     rule, (int)(len - pos), old + pos);
	if (n < 0)
		return -ENOMEM;
	*ret_text = text;
	*ret_len = (size_t)n;
	return 0;
}
