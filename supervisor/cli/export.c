/*
 * sysgate export POLICY [--runtime R] [--base PROFILE.json] [--socket PATH]
 * [-o profile.json]: the seccomp profile a container runtime loads for
 * POLICY, with the calls that need sysgate notified to `sysgate serve`.
 * This file reads the options, the base profile and the host's kernel
 * version, prints the notes as POLICY:LINE: messages and writes the result
 * atomically; the builder is policy/export.c (pure).
 */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "policy/export.h"
#include "policy/import.h"
#include "policy/facts.h"
#include "policy/oci.h"
#include "sg-util.h"
#include "supervisor/cli/cli.h"
#include "supervisor/log/diag.h"

/* A base profile larger than this is refused (Podman's is 20 KiB). */
#define BASE_MAX (16u << 20)
#define MAX_CAPS 64

static const struct cli_option export_options[] = {
	{"runtime", 'r', "NAME",
	 "runc (default), crun, docker or podman: what the profile\n"
	 "must be accepted by"},
	{"socket", 'S', "PATH",
	 "where sysgate serve listens (listenerPath); without it\n"
	 "nothing is notified"},
	{"metadata", 'm', "STR", "the listenerMetadata (default: policy=NAME for NAME.ini)"},
	{"base", 'B', "FILE", "merge into this profile (Docker, Podman or OCI JSON)"},
	{"widen", 'w', NULL,
	 "allow, rather than deny, what can neither be said in the\n"
	 "profile nor notified"},
	{"caps", 'c', "LIST",
	 "the container's capabilities, for the base's includes and\n"
	 "excludes (runc, crun; default: Docker's 14)"},
	{"kernel", 'k', "X.Y",
	 "the kernel version for the base's minKernel (default: this\n"
	 "host's)"},
	{"skip-unknown", 'u', NULL,
	 "accept that syscalls this libseccomp cannot name (newer\n"
	 "ones) get an allowing default the policy does not give them"},
	{"output", 'o', "FILE", "write the profile to FILE (atomically) instead of stdout"},
	{"builtin", 'b', NULL, "the built-in policy instead of POLICY"},
	{"help", 'h', NULL, "this text"},
};

static struct json_object *load_base(const char *path)
{
	_cleanup_free_ char *text = NULL;
	struct json_tokener *tok;
	struct json_object *o;
	size_t len = 0;
	int r;

	r = cli_read_file(path, BASE_MAX, &text, &len);
	if (r < 0) {
		diag_errno(DIAG_ERROR, r, "cannot read the base profile %s", path);
		return NULL;
	}
	{
		/* what json-c reads otherwise than Go: a \u0000 in a key (json-c
		 * ends "action\u0000x" at "action"), a key twice, a number above
		 * 2^64-1 (clamped); merged, the base would mean something else */
		struct import_result ir = {};

		if (policy_import_check_numbers(text, len, &ir)) {
			for (size_t i = 0; i < ir.n_reports; i++)
				if (ir.reports[i].severity == IMPORT_ERROR)
					diag(DIAG_ERROR, "%s:%s: %s", path, ir.reports[i].path,
					     ir.reports[i].msg);
			import_result_free(&ir);
			return NULL;
		}
		import_result_free(&ir);
	}
	tok = json_tokener_new();
	if (!tok) {
		diag_errno(DIAG_ERROR, ENOMEM, "cannot parse the base profile %s", path);
		return NULL;
	}
	o = json_tokener_parse_ex(tok, text, (int)MIN(len, (size_t)INT_MAX));
	if (!o || json_tokener_get_error(tok) != json_tokener_success ||
	    tok->char_offset != (int)len) {
		/* trailing white space is fine; anything else is not */
		size_t off = (size_t)tok->char_offset;

		while (o && off < len && strchr(" \t\r\n", text[off]))
			off++;
		if (!o || off != len) {
			enum json_tokener_error je = json_tokener_get_error(tok);

			diag(DIAG_ERROR, "%s: not one JSON value (%s at byte %zu)", path,
			     o				   ? "trailing text"
			     : je == json_tokener_continue ? "it ends inside a value"
							   : json_tokener_error_desc(je),
			     (size_t)tok->char_offset);
			json_object_put(o);
			json_tokener_free(tok);
			return NULL;
		}
	}
	json_tokener_free(tok);
	return o;
}

static const char *level_word(enum diag_level l)
{
	return l == DIAG_ERROR ? "error" : l == DIAG_WARNING ? "warning" : "note";
}

static void print_notes(const char *name, const struct export_result *res)
{
	for (size_t i = 0; i < res->n_notes; i++) {
		const struct export_note *n = &res->notes[i];
		const char *file = n->file && *n->file ? n->file : name;

		if (n->line)
			fprintf(stderr, "%s:%u: %s: %s\n", file, n->line, level_word(n->level),
				n->msg);
		else
			fprintf(stderr, "%s: %s: %s\n", file, level_word(n->level), n->msg);
	}
}

static int parse_kernel(const char *s, unsigned *major, unsigned *minor)
{
	char end;

	return sscanf(s, "%u.%u%c", major, minor, &end) == 2 ? 0 : -EINVAL;
}

static int export_main(int argc, char **argv)
{
	const char *socket_path = NULL, *metadata = NULL, *base_file = NULL, *out = NULL;
	const char *file = NULL, *name, *caps[MAX_CAPS + 1] = {0}, *kernel = NULL;
	_cleanup_free_ char *derived = NULL, *caps_buf = NULL;
	struct export_opts o = {.runtime = EXPORT_RUNC};
	struct export_result res;
	struct json_object *base = NULL;
	bool builtin = false, have_caps = false;
	struct cli_getopt g;
	struct policy *p;
	const char *text;
	int c, r, status;

	diag_setup("sysgate export", DIAG_NOTICE);
	cli_getopt_tables(export_options, ARRAY_SIZE(export_options), &g);
	optind = 1;
	/* No leading '+': options may follow POLICY (no command follows it). */
	while ((c = getopt_long(argc, argv, g.shortopts + 1, g.longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			if (policy_export_runtime_parse(optarg, &o.runtime) < 0) {
				diag(DIAG_ERROR, "--runtime %s: runc, crun, docker or podman",
				     optarg);
				return EXIT_SYSGATE_FAILED;
			}
			break;
		case 'S':
			socket_path = optarg;
			break;
		case 'm':
			metadata = optarg;
			break;
		case 'B':
			base_file = optarg;
			break;
		case 'w':
			o.widen = true;
			break;
		case 'c': {
			size_t n = 0;

			free(caps_buf);
			caps_buf = strdup(optarg);
			if (!caps_buf)
				return EXIT_SYSGATE_FAILED;
			for (char *sv = NULL, *t = strtok_r(caps_buf, ", ", &sv); t;
			     t = strtok_r(NULL, ", ", &sv)) {
				if (n == MAX_CAPS) {
					diag(DIAG_ERROR, "--caps: at most %d", MAX_CAPS);
					return EXIT_SYSGATE_FAILED;
				}
				caps[n++] = t;
			}
			caps[n] = NULL;
			have_caps = true;
			break;
		}
		case 'k':
			kernel = optarg;
			if (parse_kernel(kernel, &o.kernel_major, &o.kernel_minor) < 0) {
				diag(DIAG_ERROR, "--kernel %s: MAJOR.MINOR, as 6.1", kernel);
				return EXIT_SYSGATE_FAILED;
			}
			break;
		case 'o':
			out = optarg;
			break;
		case 'u':
			o.skip_unknown = true;
			break;
		case 'b':
			builtin = true;
			break;
		case 'h':
			cli_verb_usage(stdout, &verb_export, true);
			return 0;
		default:
			cli_verb_usage(stderr, &verb_export, false);
			return EXIT_SYSGATE_FAILED;
		}
	}
	if (optind + (builtin ? 0 : 1) != argc) {
		cli_verb_usage(stderr, &verb_export, false);
		return EXIT_SYSGATE_FAILED;
	}
	file = builtin ? NULL : argv[optind];
	name = file ? file : POLICY_DEFAULT_NAME;
	if (socket_path && o.runtime == EXPORT_DOCKER) {
		diag(DIAG_WARNING,
		     "--socket %s: Docker 20.10 drops listenerPath; nothing can be notified (for "
		     "Docker 23 and later, export with --runtime runc)",
		     socket_path);
		socket_path = NULL;
	}
	if (socket_path && socket_path[0] != '/') {
		if (o.runtime == EXPORT_CRUN || o.runtime == EXPORT_PODMAN) {
			diag(DIAG_ERROR, "--socket %s: crun refuses a relative listenerPath",
			     socket_path);
			return 1;
		}
		diag(DIAG_WARNING,
		     "--socket %s is relative; runc resolves it from its own working directory",
		     socket_path);
	}
	if (socket_path && file && !metadata)
		metadata = derived = policy_oci_metadata_for(file);
	if (!kernel) {
		struct utsname u;

		if (uname(&u) == 0)
			(void)parse_kernel(u.release, &o.kernel_major, &o.kernel_minor);
	}
	o.listener_path = socket_path;
	o.metadata = metadata;
	o.caps = have_caps ? caps : NULL;

	p = cli_load_policy(file);
	if (!p)
		return 1;
	if (base_file) {
		base = load_base(base_file);
		if (!base) {
			policy_free(p);
			return 1;
		}
		o.base = base;
	}
	r = policy_export(p, &o, &res);
	json_object_put(base);
	if (r < 0) {
		policy_free(p);
		diag_errno(DIAG_ERROR, r, "cannot build the profile of %s", name);
		return 1;
	}
	print_notes(name, &res);
	status = res.n_errors ? 1 : 0;
	if (status == 0 && res.n_notified > 0 && !metadata && file) {
		diag(DIAG_ERROR,
		     "%s: the daemon finds policies as NAME.ini in its --policy-dir, with NAME a "
		     "plain name ([A-Za-z0-9_.-], at most %d); pass --metadata policy=NAME",
		     name, POLICY_NAME_MAX);
		status = 1;
	}
	if (status == 0) {
		fprintf(stderr,
			"%s: %s profile: %zu syscalls notified to sysgate serve, %zu BPF "
			"instructions of %d\n",
			name, policy_export_runtime_name(o.runtime), res.n_notified, res.bpf_insns,
			4096);
		text = json_object_to_json_string_ext(
			res.profile, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
					     JSON_C_TO_STRING_NOSLASHESCAPE);
		if (out) {
			_cleanup_free_ char *line = NULL;

			if (asprintf(&line, "%s\n", text) < 0 ||
			    (r = cli_write_file(out, line, strlen(line))) < 0) {
				diag_errno(DIAG_ERROR, line ? r : -ENOMEM, "cannot write %s", out);
				status = 1;
			}
		} else if (puts(text) < 0 || fflush(stdout) != 0) {
			diag_errno(DIAG_ERROR, errno, "cannot write the profile");
			status = 1;
		}
	}
	policy_export_done(&res);
	policy_free(p);
	return status;
}

const struct verb verb_export = {
	.name = "export",
	.synopsis = "POLICY|--builtin [--runtime runc|crun|docker|podman] [--base PROFILE.json]\n"
		    "               [--socket PATH] [-o profile.json]",
	.summary = "Write the seccomp profile a container runtime loads for POLICY: what the\n"
		   "kernel can decide alone as entries, the rest notified to sysgate serve on\n"
		   "PATH (or, where the runtime cannot notify, denied, or with --widen allowed),\n"
		   "each such change said as POLICY:LINE. --base merges into an existing\n"
		   "profile, taking the syscalls the policy decides out of its entries.\n"
		   "Exit 0; 1 if POLICY or the base is bad or the profile cannot be made\n"
		   "(nothing is written); 125 on bad usage.",
	.opts = export_options,
	.n_opts = ARRAY_SIZE(export_options),
	.main = export_main,
};
