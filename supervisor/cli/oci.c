/*
 * sysgate oci-profile POLICY --socket PATH [--metadata STR]: print the OCI
 * "linux.seccomp" object (config.json) that makes runc or crun hand a
 * container's calls to `sysgate serve` on PATH as the policy needs them.
 * This file parses the options and says what the profile means; the
 * builder is policy/oci.c.
 */
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "policy/facts.h"
#include "policy/oci.h"
#include "sg-util.h"
#include "supervisor/cli/cli.h"
#include "supervisor/log/diag.h"

/* What the person should know before deploying it. */
static void say_notes(const struct policy *p, const char *name, const char *socket_path,
		      const struct policy_oci_notes *n)
{
	if (n->default_in_kernel) {
		char what[64];

		if (p->dflt.kind == DECISION_DENY && policy_errno_name(p->dflt.err))
			snprintf(what, sizeof(what), "deny %s", policy_errno_name(p->dflt.err));
		else if (p->dflt.kind == DECISION_DENY)
			snprintf(what, sizeof(what), "deny %d", p->dflt.err);
		else
			snprintf(what, sizeof(what), "%s", policy_decision_name(p->dflt.kind));
		diag(DIAG_WARNING,
		     "%s: the default (%s%s) becomes the kernel's %s: calls that no section "
		     "names are decided by the kernel and will not appear in sysgate's log; the "
		     "runtime's own calls up to exec must be allowed by a section",
		     name, what, p->mode == POLICY_COMPLAIN ? ", complain mode" : "",
		     n->default_in_kernel);
	}
	if (!n->notifies)
		diag(DIAG_WARNING,
		     "%s: no call goes to the daemon; the runtime will not connect to %s", name,
		     socket_path);
	if (n->notifies_write)
		diag(DIAG_WARNING,
		     "%s: runc refuses to notify write (\"SCMP_ACT_NOTIFY cannot be used for the "
		     "write syscall\"); this profile works with crun only",
		     name);
}

static int oci_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"socket", required_argument, NULL, 'S'},
		{"metadata", required_argument, NULL, 'm'},
		{"builtin", no_argument, NULL, 'b'},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	const char *socket_path = NULL, *metadata = NULL, *file = NULL, *name;
	_cleanup_free_ char *derived = NULL;
	struct policy_oci_notes notes;
	struct json_object *o = NULL;
	struct policy *p;
	bool builtin = false;
	int c, r;

	diag_setup("sysgate oci-profile", DIAG_NOTICE);
	optind = 1;
	while ((c = getopt_long(argc, argv, "S:m:bh", opts, NULL)) != -1) {
		switch (c) {
		case 'S':
			socket_path = optarg;
			break;
		case 'm':
			metadata = optarg;
			break;
		case 'b':
			builtin = true;
			break;
		case 'h':
			cli_verb_usage(stdout, &verb_oci_profile, true);
			return 0;
		default:
			cli_verb_usage(stderr, &verb_oci_profile, false);
			return EXIT_SYSGATE_FAILED;
		}
	}
	if (!socket_path || optind + (builtin ? 0 : 1) != argc) {
		cli_verb_usage(stderr, &verb_oci_profile, false);
		return EXIT_SYSGATE_FAILED;
	}
	file = builtin ? NULL : argv[optind];
	name = file ? file : POLICY_DEFAULT_NAME;
	if (socket_path[0] != '/')
		diag(DIAG_WARNING,
		     "--socket %s is relative; the runtime resolves it from its own working "
		     "directory",
		     socket_path);
	if (file && !metadata) {
		derived = policy_oci_metadata_for(file);
		if (!derived) {
			diag(DIAG_ERROR,
			     "%s: the daemon finds policies as NAME.ini in its --policy-dir, with "
			     "NAME a plain name ([A-Za-z0-9_.-], at most %d); pass --metadata "
			     "policy=NAME",
			     file, POLICY_NAME_MAX);
			return EXIT_SYSGATE_FAILED;
		}
		metadata = derived;
	}

	/* A bad policy: the same FILE:LINE errors as check, and its status. */
	p = cli_load_policy(file);
	if (!p)
		return 1;
	r = policy_oci_profile(p, socket_path, metadata, &o, &notes);
	if (r < 0) {
		policy_free(p);
		diag_errno(DIAG_ERROR, r, "cannot build the profile of %s", name);
		return EXIT_SYSGATE_FAILED;
	}
	say_notes(p, name, socket_path, &notes);
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
						       JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	policy_free(p);
	if (fflush(stdout) != 0) {
		diag_errno(DIAG_ERROR, errno, "cannot write the profile");
		return EXIT_SYSGATE_FAILED;
	}
	return 0;
}

const struct verb verb_oci_profile = {
	.name = "oci-profile",
	.synopsis = "POLICY|--builtin --socket PATH [--metadata STR]",
	.summary = "Print the OCI linux.seccomp object (config.json) that sends POLICY's\n"
		   "syscalls to the sysgate serve on PATH; listenerMetadata is\n"
		   "policy=NAME for POLICY's file NAME.ini unless --metadata is given.\n"
		   "Exit 0; 1 if POLICY is bad.",
	.options = "  -S, --socket PATH     the listenerPath: where sysgate serve listens\n"
		   "  -m, --metadata STR    the listenerMetadata (default: policy=NAME)\n"
		   "  -b, --builtin         the built-in policy instead of POLICY\n"
		   "  -h, --help            this text\n",
	.main = oci_main,
};
