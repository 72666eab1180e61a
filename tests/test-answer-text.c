/*
 * Unit tests of policy/answer.c and the control protocol's answer request:
 * the grammar of a typed answer (every accepted form, the refusals and their
 * reasons), and the one text of what an answer covers: what the prompt shows
 * before it confirms is what the ask queue remembers and writes into the
 * policy, conditions included, and that text loads back as the same rule.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "policy/answer.h"
#include "policy/policy.h"
#include "supervisor/control/protocol.h"
#include "supervisor/control/request.h"

struct form {
	const char *typed;
	enum decision_kind kind;
	int err;
	const char *err_word;
	enum answer_scope scope;
	enum answer_cover cover;
	const char *glob;
};

static void test_answer_parse_accepts_every_form(void **state)
{
	static const struct form forms[] = {
		{"allow", DECISION_ALLOW, EPERM, "", ANSWER_ONCE, ANSWER_COVER_EXACT, ""},
		{"a", DECISION_ALLOW, EPERM, "", ANSWER_ONCE, ANSWER_COVER_EXACT, ""},
		{"deny", DECISION_DENY, EPERM, "", ANSWER_ONCE, ANSWER_COVER_EXACT, ""},
		{"d", DECISION_DENY, EPERM, "", ANSWER_ONCE, ANSWER_COVER_EXACT, ""},
		{"kill", DECISION_KILL, EPERM, "", ANSWER_ONCE, ANSWER_COVER_EXACT, ""},
		{"k", DECISION_KILL, EPERM, "", ANSWER_ONCE, ANSWER_COVER_EXACT, ""},
		{"deny EACCES", DECISION_DENY, EACCES, "EACCES", ANSWER_ONCE, ANSWER_COVER_EXACT,
		 ""},
		{"d 13", DECISION_DENY, 13, "13", ANSWER_ONCE, ANSWER_COVER_EXACT, ""},
		{"a once", DECISION_ALLOW, EPERM, "", ANSWER_ONCE, ANSWER_COVER_EXACT, ""},
		{"a o", DECISION_ALLOW, EPERM, "", ANSWER_ONCE, ANSWER_COVER_EXACT, ""},
		{"a process", DECISION_ALLOW, EPERM, "", ANSWER_PROCESS, ANSWER_COVER_EXACT, ""},
		{"a p", DECISION_ALLOW, EPERM, "", ANSWER_PROCESS, ANSWER_COVER_EXACT, ""},
		{"a run", DECISION_ALLOW, EPERM, "", ANSWER_RUN, ANSWER_COVER_EXACT, ""},
		{"a r", DECISION_ALLOW, EPERM, "", ANSWER_RUN, ANSWER_COVER_EXACT, ""},
		{"a always", DECISION_ALLOW, EPERM, "", ANSWER_ALWAYS, ANSWER_COVER_EXACT, ""},
		{"a A", DECISION_ALLOW, EPERM, "", ANSWER_ALWAYS, ANSWER_COVER_EXACT, ""},
		{"a run exact", DECISION_ALLOW, EPERM, "", ANSWER_RUN, ANSWER_COVER_EXACT, ""},
		{"a run dir", DECISION_ALLOW, EPERM, "", ANSWER_RUN, ANSWER_COVER_DIR, ""},
		{"a r glob=/x/**", DECISION_ALLOW, EPERM, "", ANSWER_RUN, ANSWER_COVER_GLOB,
		 "/x/**"},
		/* The optional words in any order, tabs as spaces. */
		{"d dir\trun EROFS", DECISION_DENY, EROFS, "EROFS", ANSWER_RUN, ANSWER_COVER_DIR,
		 ""},
		{"  deny  A  glob=/t/*  EACCES ", DECISION_DENY, EACCES, "EACCES", ANSWER_ALWAYS,
		 ANSWER_COVER_GLOB, "/t/*"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		const struct form *f = &forms[i];
		struct answer_words w;
		const char *why = NULL, *word = NULL;
		char text[128];

		snprintf(text, sizeof(text), "%s", f->typed);
		if (answer_parse(text, &w, &why, &word) != 0)
			fail_msg("'%s' refused: %s", f->typed, why);
		assert_int_equal(w.kind, f->kind);
		assert_int_equal(w.err, f->err);
		assert_string_equal(w.err_word, f->err_word);
		assert_int_equal(w.scope, f->scope);
		assert_int_equal(w.cover, f->cover);
		if (f->cover == ANSWER_COVER_GLOB)
			assert_string_equal(w.glob, f->glob);
	}
}

static void test_answer_parse_refuses_with_reasons(void **state)
{
	static const struct {
		const char *typed, *why, *word;
	} bad[] = {
		{"", "empty answer", NULL},
		{" \t ", "empty answer", NULL},
		{"yes", "is not a decision (allow, deny, kill)", "yes"},
		{"A", "is not a decision (allow, deny, kill)", "A"},
		{"a run run", "two scopes given", NULL},
		{"a r always", "two scopes given", NULL},
		{"a run dir exact", "two covers given", NULL},
		{"a run dir glob=/x", "two covers given", NULL},
		{"d EACCES 13", "two errnos given", NULL},
		{"a EACCES", "an errno goes only with deny", NULL},
		{"k 13", "an errno goes only with deny", NULL},
		{"a forever", "is not an errno, scope or cover", "forever"},
		{"d ENOTANERRNO", "is not an errno, scope or cover", "ENOTANERRNO"},
		/* The range a policy may return: 1..4095 but 512..530. */
		{"d 0", "is not an errno, scope or cover", "0"},
		{"d 520", "is not an errno, scope or cover", "520"},
		{"d 4096", "is not an errno, scope or cover", "4096"},
		{"d E", "is not an errno, scope or cover", "E"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct answer_words w;
		const char *why = NULL, *word = NULL;
		char text[128];

		snprintf(text, sizeof(text), "%s", bad[i].typed);
		if (answer_parse(text, &w, &why, &word) != -EINVAL)
			fail_msg("'%s' accepted", bad[i].typed);
		assert_string_equal(why, bad[i].why);
		if (bad[i].word)
			assert_string_equal(word, bad[i].word);
		else
			assert_null(word);
	}
}

static int check(const char *typed, const char *path, const char **ret_why)
{
	struct answer_words w;
	const char *word;
	char text[128];

	snprintf(text, sizeof(text), "%s", typed);
	assert_int_equal(answer_parse(text, &w, ret_why, &word), 0);
	return answer_check(&w, path, ret_why);
}

static void test_answer_check_what_the_supervisor_would_refuse(void **state)
{
	const char *why = NULL;

	(void)state;
	assert_int_equal(check("a", "/q/a", &why), 0);
	assert_int_equal(check("a", NULL, &why), 0);
	assert_int_equal(check("a run dir", "/q/a", &why), 0);
	assert_int_equal(check("a run glob=/q/*", "/q/a", &why), 0);
	assert_int_equal(check("a dir", "/q/a", &why), -EINVAL);
	assert_non_null(strstr(why, "add a scope"));
	assert_int_equal(check("a run dir", NULL, &why), -EINVAL);
	assert_non_null(strstr(why, "no path"));
	assert_int_equal(check("a run glob=q/*", "/q/a", &why), -EINVAL);
	assert_non_null(strstr(why, "absolute"));
	assert_int_equal(check("a run glob=/q/[z-a]", "/q/a", &why), -EINVAL);
	assert_int_equal(check("a run glob=/elsewhere/**", "/q/a", &why), -EINVAL);
	assert_non_null(strstr(why, "does not match"));
}

static void test_answer_covers_glob_escapes_the_path(void **state)
{
	char *g;

	(void)state;
	g = answer_covers_glob("/q/a*b[1]", ANSWER_COVER_EXACT, NULL);
	assert_string_equal(g, "/q/a\\*b\\[1\\]");
	free(g);
	/* braces too: /q/{x,y} must not become an answer for /q/x and /q/y */
	g = answer_covers_glob("/q/{x,y}", ANSWER_COVER_EXACT, NULL);
	assert_string_equal(g, "/q/\\{x,y\\}");
	assert_true(policy_glob_match(g, "/q/{x,y}"));
	assert_false(policy_glob_match(g, "/q/x"));
	free(g);
	g = answer_covers_glob("/q/}", ANSWER_COVER_EXACT, NULL);
	assert_int_equal(policy_path_glob_check(g, NULL), 0);
	assert_true(policy_glob_match(g, "/q/}"));
	free(g);
	g = answer_covers_glob("/q?/a", ANSWER_COVER_DIR, NULL);
	assert_string_equal(g, "/q\\?/**");
	free(g);
	g = answer_covers_glob("/a", ANSWER_COVER_DIR, NULL);
	assert_string_equal(g, "/**");
	free(g);
	g = answer_covers_glob("/q/a", ANSWER_COVER_GLOB, "/q/*");
	assert_string_equal(g, "/q/*");
	free(g);
}

/* The ask rule on line 2 of text, loaded. */
static const struct rule *ask_rule(const char *text, struct policy **ret)
{
	struct policy_diags d = {};
	const struct section *s;

	if (policy_load_string("t.ini", text, ret, &d) != 0)
		fail_msg("does not load: %s", d.n ? d.v[0].msg : "?");
	policy_diags_free(&d);
	s = policy_section_for(*ret, "mkdir");
	if (!s)
		s = policy_section_for(*ret, "openat");
	assert_non_null(s);
	for (size_t i = 0; i < s->n_rules; i++)
		if (s->rules[i].line == 2)
			return &s->rules[i];
	fail_msg("no rule on line 2");
	return NULL;
}

/*
 * The prompt's side: the typed answer and the ask event's "conditions"; the
 * queue's: the request the prompt sends, parsed as the server parses it,
 * and the rule itself. Both build the same text.
 */
static void same_text(const char *policy, const char *typed, const char *request, const char *path,
		      const char *want)
{
	struct policy *p = NULL;
	const struct rule *r = ask_rule(policy, &p);
	struct control_request rq;
	struct answer_words w;
	const char *why = NULL, *word;
	char text[256], *conds, *glob, *shown, *rglob, *remembered;

	/* What the ask event tells the prompt. */
	conds = answer_conds_text(r);
	assert_non_null(conds);
	/* The prompt: what it shows before asking for confirmation. */
	snprintf(text, sizeof(text), "%s", typed);
	assert_int_equal(answer_parse(text, &w, &why, &word), 0);
	glob = path ? answer_covers_glob(path, w.cover, w.glob) : NULL;
	shown = answer_covers_text(w.kind, w.err, glob, conds);
	/* The queue: what it remembers and writes. */
	if (control_request_parse(request, strlen(request), &rq, &why) != 0)
		fail_msg("request refused: %s", why);
	rglob = path ? answer_covers_glob(path, rq.answer.cover, rq.answer.glob) : NULL;
	free(conds);
	conds = answer_conds_text(r);
	remembered = answer_covers_text(rq.answer.kind, rq.answer.err, rglob, conds);
	assert_string_equal(shown, want);
	assert_string_equal(remembered, want);
	control_request_done(&rq);
	free(conds);
	free(glob);
	free(rglob);
	free(shown);
	free(remembered);
	policy_free(p);
}

static void test_answer_text_confirmed_is_remembered_with_conditions(void **state)
{
	static const char policy[] = "[mkdir]\n"
				     "ask = path ~ /q/** and mode & 02000 and exe ~ /usr/bin/x*\n"
				     "allow = *\n";

	(void)state;
	same_text(policy, "a run",
		  "{\"op\":\"answer\",\"ask\":1,\"decision\":\"allow\",\"scope\":\"run\"}", "/q/a",
		  "allow = path ~ /q/a and mode & 02000 and exe ~ /usr/bin/x*");
	same_text(policy, "d EACCES A dir",
		  "{\"op\":\"answer\",\"ask\":1,\"decision\":\"deny\",\"errno\":\"EACCES\","
		  "\"scope\":\"always\",\"cover\":\"dir\"}",
		  "/q/sub/a",
		  "deny = EACCES path ~ /q/sub/** and mode & 02000 and exe ~ /usr/bin/x*");
	same_text(policy, "d p",
		  "{\"op\":\"answer\",\"ask\":1,\"decision\":\"deny\",\"scope\":\"process\"}",
		  "/q/a", "deny = EPERM path ~ /q/a and mode & 02000 and exe ~ /usr/bin/x*");
	/* A call without a path: the conditions alone. */
	same_text(policy, "k run",
		  "{\"op\":\"answer\",\"ask\":1,\"decision\":\"kill\",\"scope\":\"run\"}", NULL,
		  "kill = mode & 02000 and exe ~ /usr/bin/x*");
	/* A named argument is kept as written: its constants are the ABI's
	 * (O_LARGEFILE differs), so no number could stand for it. */
	same_text("[openat]\nask = path ~ /q/** and flags & O_WRONLY|O_LARGEFILE and dirfd != "
		  "AT_FDCWD\n",
		  "a run", "{\"op\":\"answer\",\"ask\":1,\"decision\":\"allow\",\"scope\":\"run\"}",
		  "/q/a",
		  "allow = path ~ /q/a and flags & O_WRONLY|O_LARGEFILE and dirfd != AT_FDCWD");
	same_text("[mkdir]\nask = *\n", "a run",
		  "{\"op\":\"answer\",\"ask\":1,\"decision\":\"allow\",\"scope\":\"run\"}", NULL,
		  "allow = *");
}

/* The text written loads, above the ask rule, as a rule with the same conditions. */
static void test_answer_text_written_loads_as_the_same_rule(void **state)
{
	static const char policy[] = "[mkdir]\n"
				     "ask = path ~ /q/** and mode & 02000 and exe !~ /usr/bin/x\n"
				     "allow = *\n";
	struct policy *p = NULL, *q = NULL;
	const struct rule *r = ask_rule(policy, &p), *nr;
	struct policy_diags d = {};
	char *conds = answer_conds_text(r),
	     *glob = answer_covers_glob("/q/a b", ANSWER_COVER_DIR, NULL);
	char *rule = answer_covers_text(DECISION_ALLOW, 0, glob, conds), *out = NULL, *again;
	const char *why = NULL;
	const struct section *s;
	size_t len = 0;

	(void)state;
	assert_int_equal(
		answer_insert_rule(policy, strlen(policy), 2, rule, "STAMP", &out, &len, &why), 0);
	assert_int_equal(len, strlen(out));
	assert_non_null(strstr(out, "[mkdir]\n; added by sysgate prompt, STAMP\nallow = path ~ "
				    "/q/** and mode & 02000 and exe !~ /usr/bin/x\nask = "));
	if (policy_load_string("t.ini", out, &q, &d) != 0)
		fail_msg("written text does not load: %s", d.n ? d.v[0].msg : "?");
	s = policy_section_for(q, "mkdir");
	nr = &s->rules[0];
	assert_int_equal(nr->line, 3);
	assert_int_equal(nr->kind, DECISION_ALLOW);
	again = answer_conds_text(nr);
	assert_string_equal(again, conds);
	/* Not an ask rule there: the file changed since it was loaded. */
	free(out);
	out = NULL;
	assert_int_equal(
		answer_insert_rule(policy, strlen(policy), 3, rule, "STAMP", &out, &len, &why),
		-ESTALE);
	assert_null(out);
	assert_int_equal(answer_insert_rule("a\0b", 3, 1, rule, "STAMP", &out, &len, &why),
			 -ESTALE);
	policy_diags_free(&d);
	free(again);
	free(conds);
	free(glob);
	free(rule);
	policy_free(p);
	policy_free(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_answer_parse_accepts_every_form),
		cmocka_unit_test(test_answer_parse_refuses_with_reasons),
		cmocka_unit_test(test_answer_check_what_the_supervisor_would_refuse),
		cmocka_unit_test(test_answer_covers_glob_escapes_the_path),
		cmocka_unit_test(test_answer_text_confirmed_is_remembered_with_conditions),
		cmocka_unit_test(test_answer_text_written_loads_as_the_same_rule),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
