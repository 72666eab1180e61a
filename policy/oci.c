/*
 * oci: the OCI "linux.seccomp" object for a policy (oci.h).
 *
 * The runtime builds the filter from this object, not from sysgate's
 * compiler, so the object must notify a superset of the calls the daemon has
 * to see: every syscall of every section, whole (no argument conditions: the
 * daemon evaluates the full rule list on each call, and libseccomp 2.5
 * mis-compiles some argument trees, see compile.c). Sections that begin with
 * an unconditional allow are the only ones the kernel may decide. The
 * policy's default is the exception: the runtime cannot notify by default
 * (runc refuses SCMP_ACT_NOTIFY as defaultAction, since runc's own calls
 * between filter and exec would wait for an agent that does not have the fd
 * yet), so a non-allow default becomes the kernel's action and the daemon
 * never hears of those calls; the notes say so.
 */
#include <errno.h>
#include <json-c/json.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/facts.h"
#include "policy/oci.h"
#include "sg-util.h"

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

char *policy_oci_metadata_for(const char *file)
{
	const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
	size_t n = strlen(base);
	char *md = NULL;

	if (n <= 4 || strcmp(base + n - 4, ".ini") != 0 || !policy_plain_name(base, n - 4))
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

/* Every section's syscalls, sorted into notify, allow and split entries. */
static int sort_sections(const struct policy *p, struct json_object *calls, struct names *notify,
			 struct names *allow)
{
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
					return -ENOMEM;
				continue;
			}
			if (names_add(kernel_allows ? allow : notify, s->syscalls[k]) < 0)
				return -ENOMEM;
		}
	}
	{
		/* Doors no section names: i386's multiplexers, open_by_handle_at,
		 * newer syscalls (which the runtime's libseccomp may know). */
		const char *extra[32];
		size_t n_extra = policy_extra_notified(p, extra, ARRAY_SIZE(extra));

		for (size_t i = 0; i < n_extra; i++)
			if (names_add(notify, extra[i]) < 0)
				return -ENOMEM;
	}
	if (p->dflt.kind != DECISION_ALLOW)
		for (size_t i = 0; policy_always_allowed[i]; i++)
			if (!policy_section_for(p, policy_always_allowed[i]) &&
			    known_on_x86(policy_always_allowed[i]) &&
			    names_add(allow, policy_always_allowed[i]) < 0)
				return -ENOMEM;
	return 0;
}

static const char *default_action(const struct policy *p)
{
	/* complain mode lets everything run; the kernel cannot complain, only log. */
	if (p->mode == POLICY_COMPLAIN && p->dflt.kind != DECISION_ALLOW)
		return "SCMP_ACT_LOG";
	switch (p->dflt.kind) {
	case DECISION_ALLOW:
		return "SCMP_ACT_ALLOW";
	case DECISION_DENY:
		return "SCMP_ACT_ERRNO";
	case DECISION_KILL:
		return "SCMP_ACT_KILL_PROCESS";
	default:
		return "SCMP_ACT_LOG";
	}
}

int policy_oci_profile(const struct policy *p, const char *listener_path, const char *metadata,
		       struct json_object **ret, struct policy_oci_notes *ret_notes)
{
	struct json_object *o = json_object_new_object(), *arches = json_object_new_array();
	struct json_object *calls = json_object_new_array();
	struct names notify = {json_object_new_array()}, allow = {json_object_new_array()};
	struct policy_oci_notes notes = {};
	const char *dflt_action = default_action(p);
	int r = -ENOMEM;

	if (!o || !arches || !calls || !notify.arr || !allow.arr)
		goto out;
	if (sort_sections(p, calls, &notify, &allow) < 0)
		goto out;

	notes.notifies = json_object_array_length(notify.arr) > 0;
	for (size_t i = 0; i < json_object_array_length(notify.arr); i++)
		if (streq(json_object_get_string(json_object_array_get_idx(notify.arr, i)),
			  "write"))
			notes.notifies_write = true;
	if (p->dflt.kind != DECISION_ALLOW)
		notes.default_in_kernel = dflt_action;

	json_object_object_add(o, "defaultAction", json_object_new_string(dflt_action));
	if (streq(dflt_action, "SCMP_ACT_ERRNO"))
		json_object_object_add(o, "defaultErrnoRet", json_object_new_int(p->dflt.err));
	/* Only the ABIs [sysgate] abi lists: the runtime kills the others'
	 * calls, as the policy does; listing them would let their allowed
	 * calls run in the kernel. */
	json_object_array_add(arches, json_object_new_string("SCMP_ARCH_X86_64"));
	if (p->abis & (1u << POLICY_ABI_I386))
		json_object_array_add(arches, json_object_new_string("SCMP_ARCH_X86"));
	if (p->abis & (1u << POLICY_ABI_X32))
		json_object_array_add(arches, json_object_new_string("SCMP_ARCH_X32"));
	json_object_object_add(o, "architectures", TAKE_PTR(arches));
	json_object_object_add(o, "listenerPath", json_object_new_string(listener_path));
	if (metadata)
		json_object_object_add(o, "listenerMetadata", json_object_new_string(metadata));
	if (add_entry(calls, &notify, "SCMP_ACT_NOTIFY") < 0 ||
	    add_entry(calls, &allow, "SCMP_ACT_ALLOW") < 0)
		goto out;
	json_object_object_add(o, "syscalls", TAKE_PTR(calls));
	*ret = TAKE_PTR(o);
	*ret_notes = notes;
	r = 0;
out:
	json_object_put(o);
	json_object_put(arches);
	json_object_put(calls);
	json_object_put(notify.arr);
	json_object_put(allow.arr);
	return r;
}
