/*
 * Unit test of the line bookkeeping of `always` write-backs
 * (supervisor/ask/writeback.h): after any sequence of rules written above
 * ask rules, writeback_line_now() says where each line of the policy as
 * loaded is, and writeback_written_line() where each written rule is, in
 * the very text answer_insert_rule() (the writer's own edit) produces.
 * Records and the prompt name rules by these lines.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

static void put_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static char *get_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 4096);

	assert_non_null(f);
	assert_non_null(buf);
	(void)!fread(buf, 1, 4095, f);
	fclose(f);
	return buf;
}

/*
 * The policy file edited on disk while sysgate runs (two lines added at
 * the top): the line sysgate computes for [unlinkat]'s ask rule (6) now
 * holds [openat]'s. Written there, "allow = path ~ /srv/data" would have
 * let openat read /srv/data, which nobody allowed. The write-back is
 * refused and the file left as the user made it; so after write-backs.
 */
static void test_writeback_refused_after_edit_on_disk(void **state)
{
	static const char orig[] = "[sysgate]\n"
				   "default = deny\n"
				   "[openat]\n"
				   "ask = *\n"
				   "[unlinkat]\n"
				   "ask = *\n";
	static const char edited[] = "; my note\n"
				     ";\n"
				     "[sysgate]\n"
				     "default = deny\n"
				     "[openat]\n"
				     "ask = *\n"
				     "[unlinkat]\n"
				     "ask = *\n";
	char dir[] = "/tmp/test-wb-edit.XXXXXX", path[64];
	struct writeback w = {};
	char *written = NULL, *now;
	const char *why = NULL;
	size_t nth = 0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/p.ini", dir);
	put_file(path, orig);
	writeback_init(&w, path);
	put_file(path, edited);
	assert_int_equal(writeback_rule(&w, 6, "allow = path ~ /srv/data", &written, &nth, &why),
			 -ESTALE);
	assert_null(written);
	now = get_file(path);
	assert_string_equal(now, edited);
	free(now);

	/* Unedited, write-backs go where they should, one after another... */
	put_file(path, orig);
	writeback_init(&w, path);
	assert_int_equal(writeback_rule(&w, 6, "allow = path ~ /srv/a", &written, &nth, &why), 0);
	free(written);
	assert_int_equal(writeback_rule(&w, 4, "allow = path ~ /srv/b", &written, &nth, &why), 0);
	free(written);
	now = get_file(path);
	assert_true(strstr(now, "/srv/b") < strstr(now, "[unlinkat]"));
	assert_true(strstr(now, "/srv/a") > strstr(now, "[unlinkat]"));
	free(now);
	/* ...until the file is edited: then no more. */
	now = get_file(path);
	{
		char *e = NULL;

		assert_true(asprintf(&e, ";\n;\n%s", now) > 0);
		put_file(path, e);
		free(e);
	}
	free(now);
	assert_int_equal(writeback_rule(&w, 6, "allow = path ~ /srv/c", &written, &nth, &why),
			 -ESTALE);
	now = get_file(path);
	assert_null(strstr(now, "/srv/c"));
	free(now);
	unlink(path);
	rmdir(dir);
}

/* A FIFO given as the policy (sysgate run -p FIFO: the loader read it to
 * its end): writeback_init does not wait for a writer that never comes,
 * and remembers nothing, so no write-back goes there. */
static void test_writeback_init_fifo_does_not_block(void **state)
{
	char dir[] = "/tmp/test-wb-fifo.XXXXXX", path[64];
	struct writeback w = {};

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/p.ini", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	alarm(10); /* a hang is a failure */
	writeback_init(&w, path);
	alarm(0);
	assert_false(w.known);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_writeback_lines_follow_the_text),
		cmocka_unit_test(test_writeback_location_moves_own_file_rules_only),
		cmocka_unit_test(test_writeback_refused_after_edit_on_disk),
		cmocka_unit_test(test_writeback_init_fifo_does_not_block),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
