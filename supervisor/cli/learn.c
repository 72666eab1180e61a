/*
 * sysgate learn: run CMD with every call observed, then write the policy
 * that allows what it did (policy/learn.h does the writing). Trusted side.
 *
 *   the observing policy (default = log, every path resolved, the log
 *   blocking) → sysgate run, in this process, its records into a JSON file
 *   → the records read back (records.c) → a plan against the skeleton of a
 *   learned policy, or against --merge's policy → every suggestion taken →
 *   the text loaded again → written; with --json, that policy exported
 *   for a container runtime (policy/export.h) and written too.
 *
 * The records file is ours (a fresh temporary directory, or --log FILE,
 * which must be new): records from another run cannot slip in.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy/export.h"
#include "policy/learn.h"
#include "policy/oci.h"
#include "sg-util.h"
#include "supervisor/cli/cli.h"
#include "supervisor/cli/records.h"
#include "supervisor/log/diag.h"

enum { OPT_MERGE = CLI_LONG_ONLY, OPT_PATHS, OPT_JSON, OPT_RUNTIME, OPT_SOCKET, OPT_WIDEN };

static const struct cli_option learn_options[] = {
	{"output", 'o', "FILE", "write the policy there (default: standard output)"},
	{"merge", OPT_MERGE, "FILE",
	 "add this run to FILE's policy, keeping its rules and\n"
	 "comments (written to -o, or back to FILE without -o)"},
	{"paths", OPT_PATHS, "MODE",
	 "exact, dir (DIR/*) or auto (default: libraries, known\n"
	 "trees, directories of several files, /proc/*, /home/*)"},
	{"log", 'l', "FILE", "keep the run's JSON records there (a new file),\nfor sysgate review"},
	{"json", OPT_JSON, "FILE",
	 "also write the container profile of the learned policy\n"
	 "there, as sysgate export does"},
	{"runtime", OPT_RUNTIME, "NAME",
	 "for --json: runc (default), crun, docker or podman; its\n"
	 "own calls after the filter is loaded are added"},
	{"socket", OPT_SOCKET, "PATH",
	 "for --json: notify what needs sysgate (paths, exe) to\n"
	 "sysgate serve on PATH (needs -o, for the metadata)"},
	{"widen", OPT_WIDEN, NULL,
	 "for --json without --socket: allow, rather than deny,\n"
	 "the sections a profile cannot say (paths, exe)"},
	{"help", 'h', NULL, "this text"},
};

static int usage_error(void)
{
	cli_verb_usage(stderr, &verb_learn, false);
	return EXIT_SYSGATE_FAILED;
}

static int write_file(const char *path, const char *text)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	size_t len = strlen(text);

	if (fd < 0)
		return -errno;
	return write(fd, text, len) == (ssize_t)len ? 0 : -EIO;
}

/* "busybox httpd -f ..." for the policy's first comment. */
static char *command_text(char **cmd)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	for (size_t i = 0; cmd[i]; i++)
		fprintf(f, "%s%s", i ? " " : "", cmd[i]);
	fclose(f);
	return buf;
}

static void print_report(const struct learn_report *rep)
{
	for (size_t i = 0; i < rep->n; i++)
		diag(DIAG_NOTICE, "%s", rep->lines[i]);
}

struct learn_json {
	const char *file; /* NULL: no profile wanted */
	struct export_opts o;
};

/*
 * The learned policy (text, named name) as the container profile
 * `sysgate export` writes for it, with the runtime's own post-filter calls
 * (export adds them under a default that is not allow), written to j->file.
 * Every note of export is said as NAME:LINE; an error writes nothing.
 */
static int write_profile(const struct learn_json *j, const char *name, const char *text)
{
	_cleanup_free_ char *metadata = NULL, *line = NULL;
	struct export_opts o = j->o;
	struct policy_diags d = {0};
	struct export_result res;
	struct policy *p = NULL;
	const char *json;
	int r;

	r = policy_load_string(name, text, &p, &d);
	policy_diags_free(&d);
	if (r < 0)
		return diag_errno(DIAG_ERROR, r, "learn: --json: the learned policy does not load"),
		       -EINVAL;
	if (o.listener_path) {
		metadata = policy_oci_metadata_for(name);
		if (!metadata) {
			policy_free(p);
			diag(DIAG_ERROR,
			     "learn: --json with --socket: sysgate serve finds policies as "
			     "NAME.ini; "
			     "%s is not such a name",
			     name);
			return -EINVAL;
		}
		o.metadata = metadata;
	}
	r = policy_export(p, &o, &res);
	if (r < 0) {
		policy_free(p);
		return diag_errno(DIAG_ERROR, r, "learn: --json: cannot build the profile"), r;
	}
	for (size_t i = 0; i < res.n_notes; i++) {
		const struct export_note *n = &res.notes[i];
		const char *file = n->file && *n->file ? n->file : name;
		const char *lvl = n->level == DIAG_ERROR     ? "error"
				  : n->level == DIAG_WARNING ? "warning"
							     : "note";

		if (n->line)
			fprintf(stderr, "%s:%u: %s: %s\n", file, n->line, lvl, n->msg);
		else
			fprintf(stderr, "%s: %s: %s\n", file, lvl, n->msg);
	}
	if (res.n_errors) {
		diag(DIAG_ERROR, "learn: --json: the profile cannot be made; %s not written",
		     j->file);
		r = -EINVAL;
	} else {
		json = json_object_to_json_string_ext(
			res.profile, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
					     JSON_C_TO_STRING_NOSLASHESCAPE);
		r = asprintf(&line, "%s\n", json) < 0 ? -ENOMEM : 0;
		if (r == 0)
			r = cli_write_file(j->file, line, strlen(line));
		if (r < 0)
			diag_errno(DIAG_ERROR, r, "learn: cannot write %s", j->file);
		else
			diag(DIAG_NOTICE,
			     "learn: %s profile written to %s: %zu syscalls notified to sysgate "
			     "serve, %zu BPF instructions of 4096",
			     policy_export_runtime_name(o.runtime), j->file, res.n_notified,
			     res.bpf_insns);
	}
	policy_export_done(&res);
	policy_free(p);
	return r;
}

static int cmd_learn(int argc, char **argv)
{
	const char *out = NULL, *merge = NULL, *log_file = NULL;
	char dir[] = "/tmp/sysgate-learn.XXXXXX", obs_path[PATH_MAX], rec_path[PATH_MAX];
	char self[PATH_MAX] = "";
	enum learn_paths mode = LEARN_PATHS_AUTO;
	_cleanup_free_ char *obs = NULL, *base = NULL, *text = NULL, *source = NULL;
	struct records_stats st = {};
	struct learn_report rep = {};
	struct learn_plan *plan = NULL;
	struct learn *l = NULL;
	struct learn_json json = {.o = {.runtime = EXPORT_RUNC}};
	bool json_opts = false;
	struct cli_getopt g;
	int c, r, status, optind_cmd;
	ssize_t k;

	cli_getopt_tables(learn_options, ARRAY_SIZE(learn_options), &g);
	optind = 1;
	while ((c = getopt_long(argc, argv, g.shortopts, g.longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case OPT_MERGE:
			merge = optarg;
			break;
		case OPT_PATHS:
			r = learn_paths_parse(optarg);
			if (r < 0) {
				diag(DIAG_ERROR,
				     "learn: --paths must be exact, dir or auto, not '%s'", optarg);
				return usage_error();
			}
			mode = (enum learn_paths)r;
			break;
		case 'l':
			log_file = optarg;
			break;
		case OPT_JSON:
			json.file = optarg;
			break;
		case OPT_RUNTIME:
			if (policy_export_runtime_parse(optarg, &json.o.runtime) < 0) {
				diag(DIAG_ERROR,
				     "learn: --runtime %s: runc, crun, docker or podman", optarg);
				return usage_error();
			}
			json_opts = true;
			break;
		case OPT_SOCKET:
			json.o.listener_path = optarg;
			json_opts = true;
			break;
		case OPT_WIDEN:
			json.o.widen = true;
			json_opts = true;
			break;
		case 'h':
			cli_verb_usage(stdout, &verb_learn, true);
			return 0;
		default:
			return usage_error();
		}
	}
	if (optind >= argc) {
		diag(DIAG_ERROR, "learn: no command given");
		return usage_error();
	}
	if (!out && merge)
		out = merge;
	/* What --json needs is checked before the command runs, not after. */
	if (json_opts && !json.file) {
		diag(DIAG_ERROR, "learn: --runtime, --socket and --widen are for --json");
		return usage_error();
	}
	if (json.file && streq(json.file, out ? out : "-")) {
		diag(DIAG_ERROR, "learn: --json %s is where the policy goes too", json.file);
		return usage_error();
	}
	if (json.o.listener_path) {
		if (json.o.listener_path[0] != '/') {
			diag(DIAG_ERROR, "learn: --socket %s: an absolute path",
			     json.o.listener_path);
			return usage_error();
		}
		if (json.o.runtime == EXPORT_DOCKER) {
			diag(DIAG_ERROR, "learn: --socket: Docker 20.10 drops listenerPath");
			return usage_error();
		}
		if (!out) {
			diag(DIAG_ERROR,
			     "learn: --socket needs -o NAME.ini (sysgate serve finds the policy by "
			     "its name)");
			return usage_error();
		}
		_cleanup_free_ char *md = policy_oci_metadata_for(out);

		if (!md) {
			diag(DIAG_ERROR,
			     "learn: --socket: -o %s must be NAME.ini for sysgate serve", out);
			return usage_error();
		}
	}
	if (merge) {
		base = records_slurp(merge);
		if (!base && errno == EINVAL)
			return diag(DIAG_ERROR, "learn: %s holds a NUL byte: not a policy", merge),
			       EXIT_SYSGATE_FAILED;
		if (!base)
			return diag_errno(DIAG_ERROR, errno, "learn: cannot read %s", merge),
			       EXIT_SYSGATE_FAILED;
	}

	/* Our own files, in a directory only we can enter. */
	if (!mkdtemp(dir))
		return diag_errno(DIAG_ERROR, errno, "learn: cannot make a temporary directory"),
		       EXIT_SYSGATE_FAILED;
	snprintf(obs_path, sizeof(obs_path), "%s/observe.ini", dir);
	if (log_file)
		snprintf(rec_path, sizeof(rec_path), "%s", log_file);
	else
		snprintf(rec_path, sizeof(rec_path), "%s/records.json", dir);
	obs = learn_observer_text();
	if (!obs) {
		rmdir(dir);
		return diag_errno(DIAG_ERROR, ENOMEM, "learn: the observing policy"),
		       EXIT_SYSGATE_FAILED;
	}
	r = write_file(obs_path, obs);
	if (r == 0) {
		/* A new file: records of another run must not be read as ours. */
		int fd = open(rec_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

		r = fd < 0 ? -errno : 0;
		safe_close(fd);
		if (r < 0)
			diag_errno(DIAG_ERROR, r, "learn: --log %s must be a new file", rec_path);
	} else {
		diag_errno(DIAG_ERROR, r, "learn: cannot write %s", obs_path);
	}
	if (r < 0) {
		unlink(obs_path);
		rmdir(dir);
		return EXIT_SYSGATE_FAILED;
	}

	optind_cmd = optind;
	{
		int n_cmd = argc - optind, i = 0;
		char **rv = calloc((size_t)n_cmd + 9, sizeof(char *));

		if (!rv)
			return EXIT_SYSGATE_FAILED;
		rv[i++] = "run";
		rv[i++] = "-p";
		rv[i++] = obs_path;
		rv[i++] = "--log";
		rv[i++] = rec_path;
		rv[i++] = "--log-format";
		rv[i++] = "json";
		rv[i++] = "--";
		for (int j = 0; j < n_cmd; j++)
			rv[i++] = argv[optind + j];
		status = cmd_run(i, rv);
		free(rv);
		source = command_text(argv + optind_cmd);
	}
	unlink(obs_path);

	k = readlink("/proc/self/exe", self, sizeof(self) - 1);
	self[k > 0 ? k : 0] = '\0';
	r = learn_new(&l);
	if (r == 0)
		r = records_read(rec_path, l, self[0] ? self : NULL, true, &st);
	if (!log_file)
		unlink(rec_path);
	rmdir(dir);
	if (r < 0) {
		learn_free(l);
		return diag_errno(DIAG_ERROR, r, "learn: cannot read the records"),
		       EXIT_SYSGATE_FAILED;
	}
	if (st.records == 0) {
		diag(DIAG_ERROR, "learn: the run made no call that was recorded; nothing written");
		learn_free(l);
		return status ? status : EXIT_SYSGATE_FAILED;
	}
	if (st.lost) {
		diag(DIAG_WARNING, "learn: the run lost %lu records: the policy may miss calls",
		     st.lost);
		learn_note_lost(l, st.lost);
	}
	if (!base)
		base = learn_skeleton_text_abis(source, learn_abis_used(l));
	r = base ? learn_plan_new(l, merge ? merge : (out ? out : "learned.ini"), base, mode, &plan,
				  &rep)
		 : -ENOMEM;
	if (r == 0)
		r = learn_plan_apply(plan, NULL, &text, &rep);
	print_report(&rep);
	learn_report_done(&rep);
	learn_plan_free(plan);
	learn_free(l);
	if (r < 0)
		return diag_errno(DIAG_ERROR, r, "learn: no policy written"), EXIT_SYSGATE_FAILED;
	r = cli_write_file(out ? out : "-", text, strlen(text));
	if (r < 0)
		return diag_errno(DIAG_ERROR, r, "learn: cannot write %s", out ? out : "stdout"),
		       EXIT_SYSGATE_FAILED;
	if (out)
		diag(DIAG_NOTICE,
		     "learn: %lu calls recorded (%lu of sysgate's own), policy written to %s",
		     st.records, st.launcher, out);
	if (json.file && write_profile(&json, out ? out : "learned.ini", text) < 0)
		return EXIT_SYSGATE_FAILED;
	/* The command's own status, as run gives it: the policy is written
	 * whatever it was (a server stopped by a signal is the usual end). */
	return status;
}

const struct verb verb_learn = {
	.name = "learn",
	.synopsis = "[-o POLICY] [--merge POLICY] [--paths exact|dir|auto] [--log FILE]\n"
		    "              [--json PROFILE.json [--runtime R] [--socket PATH] [--widen]]\n"
		    "              -- CMD [ARGS...]",
	.summary = "Run CMD with every call of its whole tree observed, then write a\n"
		   "policy that allows what it did and denies the rest; with --json, also\n"
		   "the container profile of that policy (as sysgate export writes it).",
	.opts = learn_options,
	.n_opts = ARRAY_SIZE(learn_options),
	.main = cmd_learn,
};
