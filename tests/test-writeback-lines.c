/*
 * Unit test of the line bookkeeping of `always` write-backs
 * (supervisor/ask/writeback.h): after any sequence of rules written above
 * ask rules, writeback_line_now() says where each line of the policy as
 * loaded is, and writeback_written_line() where each written rule is, in
 * the very text answer_insert_rule() (the writer's own edit) produces.
 * Records and the prompt name rules by these lines.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "policy/answer.h"
#include "supervisor/ask/writeback.h"

#define N_LINES 12

/* The 1-based line of text that contains needle, or 0. */
static unsigned line_of(const char *text, const char *needle)
{
	const char *p = strstr(text, needle);
	unsigned line = 1;

	if (!p)
		return 0;
	for (const char *c = text; c < p; c++)
		line += *c == '\n';
	return line;
}

static void test_writeback_lines_follow_the_text(void **state)
{
	/* ask rules on lines 3, 6 and 9; every line says which it was */
	static const unsigned asks[] = {3, 6, 9};
	struct writeback w = {.file = "p.ini"};
	char *text = NULL, *next = NULL;
	size_t len = 0;

	(void)state;
	srand(4711);
	{
		char buf[1024] = "";

		for (unsigned l = 1; l <= N_LINES; l++) {
			size_t o = strlen(buf);

			snprintf(buf + o, sizeof(buf) - o, "%s ; orig %02u\n",
				 l % 3 == 0 && l < 12 ? "ask = *" : "allow = *", l);
		}
		text = strdup(buf);
		len = strlen(text);
	}
	for (size_t k = 1; k <= 40; k++) {
		unsigned a = asks[rand() % 3];
		char rule[64], needle[64];
		const char *why = NULL;
		size_t new_len = 0, n;

		snprintf(rule, sizeof(rule), "allow = path ~ /written/%03zu", k);
		assert_int_equal(answer_insert_rule(text, len, writeback_line_now(&w, a), rule,
						    "STAMP", &next, &new_len, &why),
				 0);
		free(text);
		text = next;
		len = new_len;
		/* what writeback_rule records once the file is replaced */
		n = atomic_load(&w.n_inserted);
		w.inserted[n] = a;
		atomic_store(&w.n_inserted, n + 1);

		for (unsigned l = 1; l <= N_LINES; l++) {
			snprintf(needle, sizeof(needle), "; orig %02u\n", l);
			assert_int_equal(writeback_line_now(&w, l), line_of(text, needle));
		}
		for (size_t j = 1; j <= k; j++) {
			snprintf(needle, sizeof(needle), "/written/%03zu\n", j);
			assert_int_equal(writeback_written_line(&w, j), line_of(text, needle));
		}
	}
	assert_int_equal(writeback_written_line(&w, 0), 0);
	assert_int_equal(writeback_written_line(&w, 41), 0);
	free(text);
}

static void test_writeback_location_moves_own_file_rules_only(void **state)
{
	struct writeback w = {.file = "p.ini", .inserted = {5}, .n_inserted = 1};
	struct rule own = {.line = 7}, ask = {.line = 5}, above = {.line = 4},
		    included = {.line = 7, .file = "inc.ini"};
	struct policy p = {.file = "p.ini"};
	struct section s = {.name = "mkdir"}, implicit = {.name = "io_uring", .implicit = true};
	char buf[64];

	(void)state;
	assert_string_equal(writeback_rule_location(&w, &p, &s, &own, 0, buf, sizeof(buf)),
			    "p.ini:9");
	assert_string_equal(writeback_rule_location(&w, &p, &s, &ask, 0, buf, sizeof(buf)),
			    "p.ini:7");
	assert_string_equal(writeback_rule_location(&w, &p, &s, &above, 0, buf, sizeof(buf)),
			    "p.ini:4");
	/* the rule write-back 1 wrote, for what it decides */
	assert_string_equal(writeback_rule_location(&w, &p, &s, &ask, 1, buf, sizeof(buf)),
			    "p.ini:6");
	assert_string_equal(writeback_rule_location(&w, &p, &s, &included, 0, buf, sizeof(buf)),
			    "inc.ini:7");
	assert_string_equal(writeback_rule_location(&w, &p, &implicit, &own, 0, buf, sizeof(buf)),
			    "implicit:io_uring");
	assert_string_equal(writeback_rule_location(&w, &p, &s, &p.dflt, 0, buf, sizeof(buf)),
			    "default");
	assert_string_equal(writeback_rule_location(&w, &p, &s, NULL, 0, buf, sizeof(buf)),
			    "default");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_writeback_lines_follow_the_text),
		cmocka_unit_test(test_writeback_location_moves_own_file_rules_only),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
