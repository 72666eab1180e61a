/*
 * sysgate review: the records of a complain-mode or learn run (JSON) turned
 * into rules, a question per section and directory, or every suggestion
 * with --batch (policy/learn.h makes the questions and writes the answers).
 * Trusted side. The answers come from the terminal (standard input), one
 * line each; what is shown of the records (paths, names) is escaped, since
 * the target chose it.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/learn.h"
#include "sg-util.h"
#include "supervisor/cli/cli.h"
#include "supervisor/cli/records.h"
#include "supervisor/log/diag.h"

enum { OPT_BATCH = CLI_LONG_ONLY, OPT_PATHS };

#define SHOW_PATHS 6

static const struct cli_option review_options[] = {
	{"policy", 'p', "FILE",
	 "the policy the run was under: rules go into it (default:\n"
	 "a new learned policy, default = deny)"},
	{"batch", OPT_BATCH, NULL, "take the suggestion for every question, ask nothing"},
	{"output", 'o', "FILE", "write the policy there (default: standard output)"},
	{"paths", OPT_PATHS, "MODE", "what is suggested for paths: exact, dir or auto (default)"},
	{"help", 'h', NULL, "this text"},
};

static int usage_error(void)
{
	cli_verb_usage(stderr, &verb_review, false);
	return EXIT_SYSGATE_FAILED;
}

static void print_report(const struct learn_report *rep)
{
	for (size_t i = 0; i < rep->n; i++)
		diag(DIAG_NOTICE, "%s", rep->lines[i]);
}

/* A target string for the terminal: printable ASCII, the rest \xNN. */
static void put_shown(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 0x20 && c < 0x7f)
			fputc(c, f);
		else
			fprintf(f, "\\x%02x", c);
	}
}

static void show_item(FILE *f, size_t i, size_t n, const struct learn_item *it)
{
	fprintf(f, "\n[%zu/%zu] %s: ", i + 1, n, it->where);
	put_shown(f, it->syscalls);
	fprintf(f, ", %u call%s", it->calls, it->calls == 1 ? "" : "s");
	if (it->dir) {
		fprintf(f, ", %zu path%s in ", it->n_paths, it->n_paths == 1 ? "" : "s");
		put_shown(f, it->dir);
	}
	fputc('\n', f);
	for (size_t k = 0; k < it->n_paths && k < SHOW_PATHS; k++) {
		fputs("    ", f);
		put_shown(f, it->paths[k]);
		fputc('\n', f);
	}
	if (it->n_paths > SHOW_PATHS)
		fprintf(f, "    ... and %zu more\n", it->n_paths - SHOW_PATHS);
	fputs("  suggested: allow", f);
	if (!it->dir)
		fputs(" *", f);
	for (size_t k = 0; it->suggestion && it->suggestion[k]; k++) {
		fputs(k ? ", " : " ", f);
		if (streq(it->suggestion[k], "!")) {
			fputs("path !~ /** (objects without a file name)", f);
			continue;
		}
		fputs("path ~ ", f);
		put_shown(f, it->suggestion[k]);
	}
	fputc('\n', f);
	if (it->dir)
		fputs("  s) suggested  a) allow as seen  d) allow the directory (DIR/*)\n"
		      "  t) allow the tree (DIR/**)  g GLOB) allow a glob\n"
		      "  n [ERRNO]) deny  q) ask  k) skip\n",
		      f);
	else
		fputs("  s) allow (suggested)  n [ERRNO]) deny  q) ask  k) skip\n", f);
	fputs("answer [s]> ", f);
	fflush(f);
}

/* Parse an answer line into *a (glob points into line). NULL, or why not. */
static const char *parse_answer(char *line, struct learn_answer *a)
{
	char *w = strtok(line, " \t\r\n"), *arg = strtok(NULL, " \t\r\n");

	*a = (struct learn_answer){.choice = LEARN_SUGGESTED};
	if (!w || streq(w, "s") || streq(w, "suggested"))
		return NULL;
	if (streq(w, "a") || streq(w, "allow"))
		a->choice = LEARN_ALLOW_SEEN;
	else if (streq(w, "d") || streq(w, "dir"))
		a->choice = LEARN_ALLOW_DIR;
	else if (streq(w, "t") || streq(w, "tree"))
		a->choice = LEARN_ALLOW_TREE;
	else if (streq(w, "g") || streq(w, "glob")) {
		if (!arg)
			return "g needs a glob: g /srv/www/**";
		a->choice = LEARN_ALLOW_GLOB;
		a->glob = arg;
		return NULL;
	} else if (streq(w, "n") || streq(w, "deny")) {
		a->choice = LEARN_DENY;
		if (arg) {
			int e = policy_errno_parse(arg);

			if (e <= 0)
				return "not an errno (EACCES, EPERM, ...)";
			a->err = e;
		}
		return NULL;
	} else if (streq(w, "q") || streq(w, "ask"))
		a->choice = LEARN_ASK;
	else if (streq(w, "k") || streq(w, "skip"))
		a->choice = LEARN_SKIP;
	else
		return "not an answer: s, a, d, t, g GLOB, n [ERRNO], q or k";
	return arg ? "one word only (or g GLOB, n ERRNO)" : NULL;
}

/* One answer per item from stdin; -EIO when input ended first. */
static int ask_all(FILE *q, const struct learn_plan *plan, const struct learn_item *items, size_t n,
		   struct learn_answer *answers, char **lines)
{
	size_t cap = 0;

	for (size_t i = 0; i < n; i++) {
		for (;;) {
			const char *why;
			ssize_t k;

			show_item(q, i, n, &items[i]);
			k = getline(&lines[i], &cap, stdin);
			cap = 0;
			if (k < 0) {
				fputc('\n', q);
				return -EIO;
			}
			why = parse_answer(lines[i], &answers[i]);
			if (!why)
				why = learn_answer_check(plan, i, &answers[i]);
			if (!why)
				break;
			fprintf(q, "  %s\n", why);
			free(lines[i]);
			lines[i] = NULL;
		}
	}
	return 0;
}

static int cmd_review(int argc, char **argv)
{
	const char *policy = NULL, *out = NULL;
	enum learn_paths mode = LEARN_PATHS_AUTO;
	_cleanup_free_ char *base = NULL, *text = NULL;
	_cleanup_free_ struct learn_answer *answers = NULL;
	struct records_stats st = {};
	struct learn_report rep = {};
	struct learn_plan *plan = NULL;
	const struct learn_item *items;
	struct learn *l = NULL;
	struct cli_getopt g;
	bool batch = false;
	char **lines = NULL;
	size_t n = 0;
	int c, r;

	cli_getopt_tables(review_options, ARRAY_SIZE(review_options), &g);
	optind = 1;
	while ((c = getopt_long(argc, argv, g.shortopts, g.longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			policy = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case OPT_BATCH:
			batch = true;
			break;
		case OPT_PATHS:
			r = learn_paths_parse(optarg);
			if (r < 0) {
				diag(DIAG_ERROR,
				     "review: --paths must be exact, dir or auto, not '%s'",
				     optarg);
				return usage_error();
			}
			mode = (enum learn_paths)r;
			break;
		case 'h':
			cli_verb_usage(stdout, &verb_review, true);
			return 0;
		default:
			return usage_error();
		}
	}
	if (optind >= argc) {
		diag(DIAG_ERROR, "review: no record file given");
		return usage_error();
	}
	if (policy) {
		base = records_slurp(policy);
		if (!base && errno == EINVAL)
			return diag(DIAG_ERROR, "review: %s holds a NUL byte: not a policy",
				    policy),
			       EXIT_SYSGATE_FAILED;
		if (!base)
			return diag_errno(DIAG_ERROR, errno, "review: cannot read %s", policy),
			       EXIT_SYSGATE_FAILED;
	}
	r = learn_new(&l);
	for (int i = optind; r == 0 && i < argc; i++) {
		r = records_read(argv[i], l, NULL, false, &st);
		if (r < 0)
			diag_errno(DIAG_ERROR, r, "review: cannot read %s", argv[i]);
	}
	if (r < 0) {
		learn_free(l);
		return EXIT_SYSGATE_FAILED;
	}
	if (st.lost)
		diag(DIAG_WARNING, "review: the run lost %lu records: calls may be missing",
		     st.lost);
	if (st.skipped)
		diag(DIAG_NOTICE, "review: %lu lines were not call records (skipped)", st.skipped);
	learn_note_lost(l, st.lost);
	/* as learn writes it: [sysgate] abi lists the ABIs the records show */
	if (!policy && !(base = learn_skeleton_text_abis("sysgate review", learn_abis_used(l)))) {
		learn_free(l);
		return EXIT_SYSGATE_FAILED;
	}
	r = learn_plan_new(l, policy ? policy : (out ? out : "reviewed.ini"), base, mode, &plan,
			   &rep);
	learn_free(l);
	print_report(&rep);
	learn_report_done(&rep);
	if (r < 0)
		return diag_errno(DIAG_ERROR, r, "review: no policy written"), EXIT_SYSGATE_FAILED;
	n = learn_plan_items(plan, &items);
	if (!batch && n) {
		answers = calloc(n, sizeof(*answers));
		lines = calloc(n, sizeof(*lines));
		if (!answers || !lines) {
			learn_plan_free(plan);
			free(lines);
			return EXIT_SYSGATE_FAILED;
		}
		/* The questions on stdout, unless the policy goes there. */
		FILE *q = out && !streq(out, "-") ? stdout : stderr;

		fprintf(q, "%zu question%s from %lu records\n", n, n == 1 ? "" : "s", st.records);
		r = ask_all(q, plan, items, n, answers, lines);
		if (r < 0) {
			diag(DIAG_ERROR, "review: the input ended before the last answer; nothing "
					 "written");
			for (size_t i = 0; i < n; i++)
				free(lines[i]);
			free(lines);
			learn_plan_free(plan);
			return EXIT_SYSGATE_FAILED;
		}
	}
	r = learn_plan_apply(plan, answers, &text, &rep);
	print_report(&rep);
	learn_report_done(&rep);
	for (size_t i = 0; lines && i < n; i++)
		free(lines[i]);
	free(lines);
	learn_plan_free(plan);
	if (r < 0)
		return diag_errno(DIAG_ERROR, r, "review: no policy written"), EXIT_SYSGATE_FAILED;
	r = cli_write_file(out ? out : "-", text, strlen(text));
	if (r < 0)
		return diag_errno(DIAG_ERROR, r, "review: cannot write %s", out ? out : "stdout"),
		       EXIT_SYSGATE_FAILED;
	if (out)
		diag(DIAG_NOTICE, "review: %zu question%s, policy written to %s", n,
		     n == 1 ? "" : "s", out);
	return 0;
}

const struct verb verb_review = {
	.name = "review",
	.synopsis = "[-p POLICY] [--batch] [-o FILE] [--paths exact|dir|auto] LOG...",
	.summary = "Turn the JSON records of a complain-mode or learn run into rules,\n"
		   "a question per section and directory (--batch: every suggestion).",
	.opts = review_options,
	.n_opts = ARRAY_SIZE(review_options),
	.main = cmd_review,
};
