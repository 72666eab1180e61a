/* sysgate check POLICY...: validate, print every error and warning. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "supervisor/cli.h"

void cli_print_diags(FILE *out, const char *file, const struct policy_diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct policy_diag *g = &d->v[i];
		const char *sev = g->severity == DIAG_ERROR ? "error" : "warning";

		if (g->line)
			fprintf(out, "%s:%u: %s: %s\n", file, g->line, sev, g->msg);
		else
			fprintf(out, "%s: %s: %s\n", file, sev, g->msg);
	}
}

struct policy *cli_load_policy(const char *file)
{
	struct policy_diags d = {};
	struct policy *p = NULL;
	int r;

	r = file ? policy_load_file(file, &p, &d) : policy_load_default(&p, &d);
	cli_print_diags(stderr, file ? file : POLICY_DEFAULT_NAME, &d);
	if (r < 0 && d.n_errors == 0)
		fprintf(stderr, "%s: %s\n", file ? file : POLICY_DEFAULT_NAME, strerror(-r));
	policy_diags_free(&d);
	return r < 0 ? NULL : p;
}

int cmd_check(int argc, char **argv)
{
	int status = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: sysgate check POLICY...\n");
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		struct policy_diags d = {};
		struct policy *p = NULL;
		int r = policy_load_file(argv[i], &p, &d);

		cli_print_diags(stdout, argv[i], &d);
		if (r < 0 && d.n_errors == 0)
			printf("%s: error: %s\n", argv[i], strerror(-r));
		if (r < 0 || d.n > 0)
			status = 1;
		if (r == 0 && d.n == 0) {
			size_t rules = 0;

			for (size_t j = 0; j < p->n_sections; j++)
				rules += p->sections[j].n_rules;
			printf("%s: ok (%zu sections, %zu rules)\n", argv[i], p->n_sections, rules);
		}
		policy_diags_free(&d);
		policy_free(p);
	}
	return status;
}
