/*
 * sysgate import PROFILE.json [--caps LIST] [--kernel X.Y] [--podman]
 * [--strict] [-o POLICY] [--oci FILE]: a Docker, Podman or OCI seccomp
 * profile as a sysgate policy. This file reads the file and the machine
 * (uname), prints the reports and writes the result; the translator is
 * policy/import.c, which is pure.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "policy/import.h"
#include "sg-util.h"
#include "supervisor/cli/cli.h"
#include "supervisor/log/diag.h"

#define PROFILE_MAX (4u << 20) /* a profile is a few tens of KiB */
#define CAPS_MAX 64

static const struct cli_option import_options_table[] = {
	{"caps", 'c', "LIST",
	 "the container's capabilities (bounding set), comma-separated,\nfor includes/excludes; "
	 "default: Docker's 14 defaults"},
	{"kernel", 'k', "X.Y", "the kernel for minKernel (default: this one's)"},
	{"podman", 'P', NULL, "read as Podman does (minKernel ignored, errno names)"},
	{"strict", 's', NULL, "fail (exit 1, nothing written) on any lossy translation"},
	{"allow-i386", 'I', NULL,
	 "import a profile without SCMP_ARCH_X86 all the same: i386 calls\nthe runtime "
	 "kills are then decided by the x86_64 sections"},
	{"output", 'o', "POLICY", "write the policy there (atomically) instead of stdout"},
	{"oci", 'O', "FILE",
	 "also write the linux.seccomp object the runtime gets\n(archMap and includes resolved)"},
	{"help", 'h', NULL, "this text"},
};

/* Text of the profile (a key, a name) can be in a report: no control
 * character of it reaches the terminal. */
static void put_clean(const char *s)
{
	for (; *s; s++)
		fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, stderr);
}

static void print_reports(const char *file, const struct import_result *r)
{
	static const char *const sev[] = {"note", "warning", "error"};

	for (size_t i = 0; i < r->n_reports; i++) {
		const struct import_report *p = &r->reports[i];

		put_clean(file);
		fprintf(stderr, ":%s%s %s: ", p->path, *p->path ? ":" : "", sev[p->severity]);
		put_clean(p->msg);
		fputc('\n', stderr);
	}
}

static bool parse_kernel(const char *s, unsigned *major, unsigned *minor)
{
	int n = 0;

	return sscanf(s, "%u.%u%n", major, minor, &n) == 2 && (!s[n] || s[n] == '.' || s[n] == '-');
}

static int import_main(int argc, char **argv)
{
	const char *out = NULL, *oci = NULL, *kernel = NULL, *caps_arg = NULL, *file;
	_cleanup_free_ char *text = NULL, *caps_buf = NULL;
	const char *caps[CAPS_MAX + 1];
	char cap_names[CAPS_MAX][48];
	struct import_options o = {};
	struct import_result res = {};
	struct json_tokener *tok = NULL;
	struct json_object *profile = NULL;
	bool strict = false;
	struct cli_getopt g;
	struct utsname u;
	size_t len = 0;
	int c, r, status = 1;

	diag_setup("sysgate import", DIAG_NOTICE);
	cli_getopt_tables(import_options_table, ARRAY_SIZE(import_options_table), &g);
	optind = 1;
	/* options may follow the profile (getopt permutes; no CMD to protect) */
	while ((c = getopt_long(argc, argv, g.shortopts + 1, g.longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			caps_arg = optarg;
			break;
		case 'k':
			kernel = optarg;
			break;
		case 'P':
			o.podman = true;
			break;
		case 's':
			strict = true;
			break;
		case 'I':
			o.allow_i386 = true;
			break;
		case 'o':
			out = optarg;
			break;
		case 'O':
			oci = optarg;
			break;
		case 'h':
			cli_verb_usage(stdout, &verb_import, true);
			return 0;
		default:
			cli_verb_usage(stderr, &verb_import, false);
			return EXIT_SYSGATE_FAILED;
		}
	}
	if (optind != argc - 1) {
		cli_verb_usage(stderr, &verb_import, false);
		return EXIT_SYSGATE_FAILED;
	}
	file = argv[optind];
	if (kernel ? !parse_kernel(kernel, &o.kernel_major, &o.kernel_minor)
		   : uname(&u) < 0 || !parse_kernel(u.release, &o.kernel_major, &o.kernel_minor)) {
		if (kernel) {
			diag(DIAG_ERROR, "--kernel %s: expected MAJOR.MINOR, like 6.1", kernel);
			return EXIT_SYSGATE_FAILED;
		}
		diag(DIAG_ERROR, "cannot read this kernel's version; give --kernel X.Y");
		return 1;
	}
	if (caps_arg) {
		char *save = NULL;

		caps_buf = strdup(caps_arg);
		if (!caps_buf)
			return diag_errno(DIAG_ERROR, -ENOMEM, "cannot read --caps"), 1;
		for (char *t = strtok_r(caps_buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
			char *d = cap_names[o.n_caps];
			bool prefixed = strncasecmp(t, "CAP_", 4) == 0;

			if (o.n_caps == CAPS_MAX || strlen(t) > 40 || !*t) {
				diag(DIAG_ERROR,
				     "--caps: at most %d names of at most 40 characters", CAPS_MAX);
				return EXIT_SYSGATE_FAILED;
			}
			snprintf(d, 48, "%s%s", prefixed ? "" : "CAP_", t);
			for (char *q = d; *q; q++) {
				if (!isalnum((unsigned char)*q) && *q != '_') {
					diag(DIAG_ERROR, "--caps: '%s' is not a capability name",
					     t);
					return EXIT_SYSGATE_FAILED;
				}
				*q = (char)toupper((unsigned char)*q);
			}
			caps[o.n_caps++] = d;
		}
		caps[o.n_caps] = NULL;
		o.caps = caps;
	} else {
		o.caps = import_docker_caps;
		while (import_docker_caps[o.n_caps])
			o.n_caps++;
	}
	o.source = file;

	r = cli_read_file(file, PROFILE_MAX, &text, &len);
	if (r < 0) {
		diag_errno(DIAG_ERROR, r, "cannot read the profile %s%s", file,
			   r == -EFBIG	  ? " (more than 4 MiB)"
			   : r == -EINVAL ? " (not a file)"
					  : "");
		return 1;
	}
	if (policy_import_check_numbers(text, len, &res)) {
		print_reports(file, &res);
		import_result_free(&res);
		return 1;
	}
	tok = json_tokener_new();
	if (!tok)
		return diag_errno(DIAG_ERROR, -ENOMEM, "cannot parse %s", file), 1;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	profile = json_tokener_parse_ex(tok, text, (int)len);
	if (!profile || json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) < len) {
		size_t at = json_tokener_get_parse_end(tok);
		unsigned line = 1;
		bool trailing = profile && json_tokener_get_error(tok) == json_tokener_success;

		for (size_t i = 0; i < at && i < len; i++)
			line += text[i] == '\n';
		/* only white space may follow the document */
		while (trailing && at < len && isspace((unsigned char)text[at]))
			at++;
		if (!trailing || at < len) {
			fprintf(stderr, "%s:line %u: error: not valid JSON: %s\n", file, line,
				trailing ? "text after the document"
					 : json_tokener_error_desc(json_tokener_get_error(tok)));
			json_tokener_free(tok);
			json_object_put(profile);
			return 1;
		}
	}
	json_tokener_free(tok);

	r = policy_import(profile, &o, &res);
	json_object_put(profile);
	print_reports(file, &res);
	if (r == -ENOMEM) {
		diag_errno(DIAG_ERROR, r, "cannot import %s", file);
		goto done;
	}
	if (r < 0) {
		fprintf(stderr, "%s: not imported: %zu errors, %zu warnings\n", file, res.n_errors,
			res.n_warnings);
		goto done;
	}
	if (strict && res.n_warnings) {
		fprintf(stderr,
			"%s: not imported (--strict): %zu warnings say what sysgate would decide "
			"otherwise than the runtimes\n",
			file, res.n_warnings);
		goto done;
	}
	if (oci) {
		const char *j = json_object_to_json_string_ext(
			res.resolved, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);

		r = cli_write_file(oci, j, strlen(j));
		if (r < 0) {
			diag_errno(DIAG_ERROR, r, "cannot write %s", oci);
			goto done;
		}
	}
	if (out) {
		r = cli_write_file(out, res.policy, strlen(res.policy));
		if (r < 0) {
			diag_errno(DIAG_ERROR, r, "cannot write %s", out);
			goto done;
		}
	} else {
		fputs(res.policy, stdout);
		if (fflush(stdout) != 0) {
			diag_errno(DIAG_ERROR, -errno, "cannot write the policy to stdout");
			goto done;
		}
	}
	fprintf(stderr, "%s: imported as %s (%zu sections): %zu warnings, %zu notes\n", file,
		out ? out : "stdout", res.n_sections, res.n_warnings, res.n_notes);
	status = 0;
done:
	import_result_free(&res);
	return status;
}

const struct verb verb_import = {
	.name = "import",
	.synopsis = "PROFILE.json [--caps LIST] [--kernel X.Y] [--podman] [--strict] "
		    "[--allow-i386] [-o POLICY] [--oci FILE]",
	.summary = "Turn a Docker, Podman or OCI seccomp profile into a policy that decides as\n"
		   "the runtimes enforce it here; report (PROFILE:JSONPATH: message) what\n"
		   "cannot be carried over exactly. Exit 0 imported, 1 not, 125 bad usage.",
	.opts = import_options_table,
	.n_opts = ARRAY_SIZE(import_options_table),
	.main = import_main,
};
