/*
 * sysgate oci-profile POLICY --socket PATH [--metadata STR]: the OCI
 * "linux.seccomp" object (config.json) that makes runc or crun hand a
 * container's calls to `sysgate serve` on PATH as the policy needs them.
 *
 * The runtime builds the filter from this object, not from sysgate's
 * compiler, so the object must notify a superset of the calls the daemon has
 * to see: every syscall of every section, whole (no argument conditions: the
 * daemon evaluates the full rule list on each call, and libseccomp 2.5
 * mis-compiles some argument trees, see policy/compile.c). Sections that
 * begin with an unconditional allow are the only ones the kernel may decide.
 * The policy's default is the exception: the runtime cannot notify by default
 * (runc refuses SCMP_ACT_NOTIFY as defaultAction, since runc's own calls
 * between filter and exec would wait for an agent that does not have the fd
 * yet), so a non-allow default becomes the kernel's action and the daemon
 * never hears of those calls. We say so.
 */
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "sg-util.h"
#include "supervisor/cli/cli.h"

#define MAX_POLICY_NAME 64

/* As policy/compile.c: denying these only wedges the target in a loop. */
static const char *const always_allowed[] = {
	"exit", "exit_group", "rt_sigreturn", "sigreturn", NULL,
};

static void oci_usage(FILE *out)
{
	fprintf(out, "usage: sysgate oci-profile POLICY --socket PATH [--metadata STR]\n"
		     "       sysgate oci-profile --builtin --socket PATH [--metadata STR]\n");
}

/* runc resolves names per architecture and skips the unknown; a name that no
 * architecture of ours knows would only be noise. */
static bool known_on_x86(const char *name)
{
	return seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, name) >= 0 ||
	       seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86, name) >= 0;
}

/* A JSON array of unique strings. */
struct names {
	struct json_object *arr;
};

static int names_add(struct names *n, const char *name)
{
	size_t len = json_object_array_length(n->arr);

	for (size_t i = 0; i < len; i++)
		if (streq(json_object_get_string(json_object_array_get_idx(n->arr, i)), name))
			return 0;
	return json_object_array_add(n->arr, json_object_new_string(name)) < 0 ? -ENOMEM : 0;
}

/* The daemon's rule (serve.c, metadata_policy): a plain name in its directory. */
static bool plain_name(const char *s, size_t n)
{
	if (n == 0 || n > MAX_POLICY_NAME || s[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.",
			    s[i]))
			return false;
	return true;
}

/* "policy=NAME" for DIR/NAME.ini, or NULL if FILE is not named like that. */
static char *metadata_for(const char *file)
{
	const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
	size_t n = strlen(base);
	char *md = NULL;

	if (n <= 4 || strcmp(base + n - 4, ".ini") != 0 || !plain_name(base, n - 4))
		return NULL;
	if (asprintf(&md, "policy=%.*s", (int)(n - 4), base) < 0)
		return NULL;
	return md;
}

/* {"names": [...], "action": ACTION} into calls, unless there are no names. */
static int add_entry(struct json_object *calls, struct names *n, const char *action)
{
	struct json_object *e;

	if (json_object_array_length(n->arr) == 0)
		return 0;
	e = json_object_new_object();
	if (!e)
		return -ENOMEM;
	json_object_object_add(e, "names", TAKE_PTR(n->arr));
	json_object_object_add(e, "action", json_object_new_string(action));
	if (json_object_array_add(calls, e) < 0) {
		json_object_put(e);
		return -ENOMEM;
	}
	return 0;
}

/* One NOTIFY entry per test: {"names":[name],"action":...,"args":[{...}]}. */
static int add_split(struct json_object *calls, const char *name,
		     const struct policy_kernel_test *tests, size_t n)
{
	for (size_t t = 0; t < n; t++) {
		struct json_object *e = json_object_new_object(), *names = json_object_new_array();
		struct json_object *args = json_object_new_array(), *a = json_object_new_object();
		bool eq = tests[t].mask == ~0ull;

		if (!e || !names || !args || !a) {
			json_object_put(e);
			json_object_put(names);
			json_object_put(args);
			json_object_put(a);
			return -ENOMEM;
		}
		json_object_array_add(names, json_object_new_string(name));
		/* runc and crun: value is libseccomp's datum_a (the mask for
		 * MASKED_EQ), valueTwo its datum_b. */
		json_object_object_add(a, "index", json_object_new_int((int)tests[t].arg));
		json_object_object_add(a, "value",
				       json_object_new_uint64(eq ? tests[t].value : tests[t].mask));
		json_object_object_add(a, "valueTwo",
				       json_object_new_uint64(eq ? 0 : tests[t].value));
		json_object_object_add(
			a, "op", json_object_new_string(eq ? "SCMP_CMP_EQ" : "SCMP_CMP_MASKED_EQ"));
		json_object_array_add(args, a);
		json_object_object_add(e, "names", names);
		json_object_object_add(e, "action", json_object_new_string("SCMP_ACT_NOTIFY"));
		json_object_object_add(e, "args", args);
		json_object_array_add(calls, e);
	}
	return 0;
}

static bool starts_with_allow(const struct section *s)
{
	const struct rule *r = s->n_rules ? &s->rules[0] : NULL;

	return r && r->kind == DECISION_ALLOW && r->n_conds == 1 && r->conds[0].kind == COND_ANY;
}

int cmd_oci_profile(int argc, char **argv)
{
	static const struct option opts[] = {
		{"socket", required_argument, NULL, 'S'},
		{"metadata", required_argument, NULL, 'm'},
		{"builtin", no_argument, NULL, 'b'},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	const char *socket_path = NULL, *metadata = NULL, *file = NULL;
	const char *name, *dflt_action;
	_cleanup_free_ char *derived = NULL;
	struct policy *p = NULL;
	struct json_object *o = NULL, *arches, *calls;
	struct names notify = {}, allow = {};
	bool builtin = false, notifies, notifies_write;
	int c, ret = EXIT_SYSGATE_FAILED;

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
			oci_usage(stdout);
			return 0;
		default:
			oci_usage(stderr);
			return EXIT_SYSGATE_FAILED;
		}
	}
	if (!socket_path || optind + (builtin ? 0 : 1) != argc) {
		oci_usage(stderr);
		return EXIT_SYSGATE_FAILED;
	}
	file = builtin ? NULL : argv[optind];
	name = file ? file : POLICY_DEFAULT_NAME;
	if (socket_path[0] != '/')
		fprintf(stderr,
			"sysgate oci-profile: warning: --socket %s is relative; the runtime "
			"resolves it from its own working directory\n",
			socket_path);
	if (file && !metadata) {
		derived = metadata_for(file);
		if (!derived) {
			fprintf(stderr,
				"sysgate oci-profile: %s: the daemon finds policies as NAME.ini in "
				"its --policy-dir, with NAME a plain name ([A-Za-z0-9_.-], at most "
				"%d); pass --metadata policy=NAME\n",
				file, MAX_POLICY_NAME);
			return EXIT_SYSGATE_FAILED;
		}
		metadata = derived;
	}

	/* A bad policy: the same FILE:LINE errors as check, and its status. */
	p = cli_load_policy(file);
	if (!p)
		return 1;

	o = json_object_new_object();
	arches = json_object_new_array();
	calls = json_object_new_array();
	notify.arr = json_object_new_array();
	allow.arr = json_object_new_array();
	if (!o || !arches || !calls || !notify.arr || !allow.arr)
		goto oom;

	for (size_t i = 0; i < p->n_sections; i++) {
		const struct section *s = &p->sections[i];
		bool kernel_allows = starts_with_allow(s);

		/* No rules: the default decides, in the kernel either way. */
		if (s->n_rules == 0)
			continue;
		if (kernel_allows && p->dflt.kind == DECISION_ALLOW)
			continue;
		for (size_t k = 0; k < s->n_syscalls; k++) {
			struct policy_kernel_test tests[POLICY_KERNEL_MAX_TESTS];
			size_t n = 0;

			if (!known_on_x86(s->syscalls[k]))
				continue;
			/* Under a default of allow, register tests the filter can
			 * make itself (chmod's setuid bits, clone's namespace flags)
			 * go to the runtime too, exactly as sysgate's own filter
			 * has them: the daemon is not woken for every fork. */
			if (p->dflt.kind == DECISION_ALLOW &&
			    policy_kernel_plan(p, s, s->syscalls[k], tests, &n) ==
				    POLICY_KERNEL_SPLIT) {
				if (add_split(calls, s->syscalls[k], tests, n) < 0)
					goto oom;
				continue;
			}
			if (names_add(kernel_allows ? &allow : &notify, s->syscalls[k]) < 0)
				goto oom;
		}
	}
	{
		/* Doors no section names: i386's multiplexers, open_by_handle_at,
		 * newer syscalls (which the runtime's libseccomp may know). */
		const char *extra[32];
		size_t n_extra = policy_extra_notified(p, extra, ARRAY_SIZE(extra));

		for (size_t i = 0; i < n_extra; i++)
			if (names_add(&notify, extra[i]) < 0)
				goto oom;
	}
	if (p->dflt.kind != DECISION_ALLOW)
		for (size_t i = 0; always_allowed[i]; i++)
			if (!policy_section_for(p, always_allowed[i]) &&
			    known_on_x86(always_allowed[i]) &&
			    names_add(&allow, always_allowed[i]) < 0)
				goto oom;

	switch (p->dflt.kind) {
	case DECISION_ALLOW:
		dflt_action = "SCMP_ACT_ALLOW";
		break;
	case DECISION_DENY:
		dflt_action = "SCMP_ACT_ERRNO";
		break;
	case DECISION_KILL:
		dflt_action = "SCMP_ACT_KILL_PROCESS";
		break;
	default:
		dflt_action = "SCMP_ACT_LOG";
		break;
	}
	/* complain mode lets everything run; the kernel cannot complain, only log. */
	if (p->mode == POLICY_COMPLAIN && p->dflt.kind != DECISION_ALLOW)
		dflt_action = "SCMP_ACT_LOG";

	notifies = json_object_array_length(notify.arr) > 0;
	notifies_write = false;
	for (size_t i = 0; i < json_object_array_length(notify.arr); i++)
		if (streq(json_object_get_string(json_object_array_get_idx(notify.arr, i)),
			  "write"))
			notifies_write = true;

	json_object_object_add(o, "defaultAction", json_object_new_string(dflt_action));
	if (streq(dflt_action, "SCMP_ACT_ERRNO"))
		json_object_object_add(o, "defaultErrnoRet", json_object_new_int(p->dflt.err));
	json_object_array_add(arches, json_object_new_string("SCMP_ARCH_X86_64"));
	json_object_array_add(arches, json_object_new_string("SCMP_ARCH_X86"));
	json_object_array_add(arches, json_object_new_string("SCMP_ARCH_X32"));
	json_object_object_add(o, "architectures", TAKE_PTR(arches));
	json_object_object_add(o, "listenerPath", json_object_new_string(socket_path));
	if (metadata)
		json_object_object_add(o, "listenerMetadata", json_object_new_string(metadata));
	if (add_entry(calls, &notify, "SCMP_ACT_NOTIFY") < 0 ||
	    add_entry(calls, &allow, "SCMP_ACT_ALLOW") < 0)
		goto oom;
	json_object_object_add(o, "syscalls", TAKE_PTR(calls));

	/* What the user should know before deploying it. */
	if (p->dflt.kind != DECISION_ALLOW) {
		char what[64];

		if (p->dflt.kind == DECISION_DENY && policy_errno_name(p->dflt.err))
			snprintf(what, sizeof(what), "deny %s", policy_errno_name(p->dflt.err));
		else if (p->dflt.kind == DECISION_DENY)
			snprintf(what, sizeof(what), "deny %d", p->dflt.err);
		else
			snprintf(what, sizeof(what), "%s", policy_decision_name(p->dflt.kind));
		fprintf(stderr,
			"sysgate oci-profile: warning: %s: the default (%s%s) becomes the kernel's "
			"%s: calls that no section names are decided by the kernel and will not "
			"appear in sysgate's log; the runtime's own calls up to exec must be "
			"allowed by a section\n",
			name, what, p->mode == POLICY_COMPLAIN ? ", complain mode" : "",
			dflt_action);
	}
	if (!notifies)
		fprintf(stderr,
			"sysgate oci-profile: warning: %s: no call goes to the daemon; the runtime "
			"will not connect to %s\n",
			name, socket_path);
	if (notifies_write)
		fprintf(stderr,
			"sysgate oci-profile: warning: %s: runc refuses to notify write "
			"(\"SCMP_ACT_NOTIFY cannot be used for the write syscall\"); this profile "
			"works with crun only\n",
			name);

	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
						       JSON_C_TO_STRING_NOSLASHESCAPE));
	ret = fflush(stdout) == 0 ? 0 : EXIT_SYSGATE_FAILED;
	goto out;
oom:
	fprintf(stderr, "sysgate oci-profile: %s\n", strerror(ENOMEM));
out:
	json_object_put(o);
	json_object_put(arches);
	json_object_put(calls);
	json_object_put(notify.arr);
	json_object_put(allow.arr);
	policy_free(p);
	return ret;
}

const struct verb verb_oci_profile = {
	.name = "oci-profile",
	.synopsis = "POLICY|--builtin --socket PATH [--metadata STR]",
	.summary = "Print the OCI linux.seccomp object (config.json) that sends POLICY's\n"
		   "syscalls to the sysgate serve on PATH; listenerMetadata is\n"
		   "policy=NAME for POLICY's file NAME.ini unless --metadata is given.\n"
		   "Exit 0; 1 if POLICY is bad.",
	.options = NULL,
	.main = cmd_oci_profile,
};
