/*
 * Unit tests of policy/export.c: a policy in, the profile a runtime loads
 * out. Each test reads the entries the runtime would get, as a runtime
 * reads them (names, action, errnoRet, args), and the notes a person is
 * shown. No root, no kernel filter: the BPF count is libseccomp's export.
 */
#include <errno.h>
#include <json-c/json.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "policy/export.h"
#include "policy/policy.h"

struct fx {
	struct policy *p;
	struct export_result r;
	struct json_object *base;
	char *text;
};

static int setup(void **state)
{
	*state = calloc(1, sizeof(struct fx));
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	policy_export_done(&f->r);
	policy_free(f->p);
	json_object_put(f->base);
	free(f->text);
	free(f);
	return 0;
}

static void load(struct fx *f, const char *text)
{
	struct policy_diags d = {};
	int r = policy_load_string("t.ini", text, &f->p, &d);

	for (size_t i = 0; r < 0 && i < d.n; i++)
		fprintf(stderr, "t.ini:%u: %s\n", d.v[i].line, d.v[i].msg);
	policy_diags_free(&d);
	assert_int_equal(r, 0);
}

static void run(struct fx *f, const char *text, enum export_runtime rt, const char *sock)
{
	struct export_opts o = {
		.runtime = rt,
		.listener_path = sock,
		.metadata = sock ? "policy=t" : NULL,
		.base = f->base,
		.kernel_major = 6,
		.kernel_minor = 1,
	};

	load(f, text);
	assert_int_equal(policy_export(f->p, &o, &f->r), 0);
	assert_non_null(f->r.profile);
}

static struct json_object *calls(struct fx *f)
{
	struct json_object *c;

	assert_true(json_object_object_get_ex(f->r.profile, "syscalls", &c));
	return c;
}

static const char *str(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		return NULL;
	return json_object_get_string(v);
}

static bool names_has(struct json_object *e, const char *name)
{
	struct json_object *names;

	if (!json_object_object_get_ex(e, "names", &names))
		return false;
	for (size_t k = 0; k < json_object_array_length(names); k++)
		if (!strcmp(json_object_get_string(json_object_array_get_idx(names, k)), name))
			return true;
	return false;
}

static size_t n_args(struct json_object *e)
{
	struct json_object *a;

	return json_object_object_get_ex(e, "args", &a) ? json_object_array_length(a) : 0;
}

/* The entries naming syscall, with or without comparisons. */
static size_t entries_for(struct fx *f, const char *name, bool with_args, struct json_object **v,
			  size_t max)
{
	struct json_object *c = calls(f);
	size_t n = 0;

	for (size_t i = 0; i < json_object_array_length(c); i++) {
		struct json_object *e = json_object_array_get_idx(c, i);

		if (!names_has(e, name) || (n_args(e) > 0) != with_args)
			continue;
		if (n < max)
			v[n] = e;
		n++;
	}
	return n;
}

/* The action of the unconditional entry for name; NULL if none. */
static const char *uncond(struct fx *f, const char *name, int *err)
{
	struct json_object *e[4];
	size_t n = entries_for(f, name, false, e, 4);
	struct json_object *v;

	assert_true(n <= 1);
	if (n == 0)
		return NULL;
	if (err)
		*err = json_object_object_get_ex(e[0], "errnoRet", &v) ? json_object_get_int(v)
								       : -1;
	return str(e[0], "action");
}

/* The one comparison of e: index, value, valueTwo, op. */
static void arg_is(struct json_object *e, int index, uint64_t value, uint64_t two, const char *op)
{
	struct json_object *args, *a, *v;

	assert_true(json_object_object_get_ex(e, "args", &args));
	assert_int_equal(json_object_array_length(args), 1);
	a = json_object_array_get_idx(args, 0);
	assert_true(json_object_object_get_ex(a, "index", &v));
	assert_int_equal(json_object_get_int(v), index);
	assert_true(json_object_object_get_ex(a, "value", &v));
	assert_true(json_object_get_uint64(v) == value);
	assert_true(json_object_object_get_ex(a, "valueTwo", &v));
	assert_true(json_object_get_uint64(v) == two);
	assert_string_equal(str(a, "op"), op);
}

static bool noted(struct fx *f, enum diag_level level, unsigned line, const char *part)
{
	for (size_t i = 0; i < f->r.n_notes; i++)
		if (f->r.notes[i].level == level && (!line || f->r.notes[i].line == line) &&
		    strstr(f->r.notes[i].msg, part))
			return true;
	return false;
}

/* ---- condition forms ---- */

static void test_export_condition_forms_are_exact_entries(void **state)
{
	struct fx *f = *state;
	struct json_object *e[40];

	run(f,
	    "[sysgate]\ndefault = allow\n"
	    "[reboot]\ndeny = EACCES *\n"		   /* 4 */
	    "[personality]\ndeny = arg0 == 8\n"		   /* 6 */
	    "[getpriority]\ndeny = EINVAL arg0 >= 3\n"	   /* 8 */
	    "[kill]\nkill = sig == 9\n"			   /* 10 */
	    "[mprotect]\ndeny = len < 4096\n"		   /* 12 */
	    "[madvise]\ndeny = advice & 0x10\n"		   /* 14 */
	    "[ioctl]\ndeny = request & 0xff00 == 0x5400\n" /* 16 */
	    "[clone]\ndeny = flags & CLONE_NEWUSER\n",	   /* 18 */
	    EXPORT_RUNC, NULL);
	assert_int_equal(f->r.n_errors, 0);
	assert_string_equal(uncond(f, "reboot", NULL), "SCMP_ACT_ERRNO");

	assert_int_equal(entries_for(f, "personality", true, e, 40), 1);
	arg_is(e[0], 0, 8, 0, "SCMP_CMP_EQ");
	assert_int_equal(entries_for(f, "getpriority", true, e, 40), 1);
	arg_is(e[0], 0, 3, 0, "SCMP_CMP_GE");
	assert_string_equal(str(e[0], "action"), "SCMP_ACT_ERRNO");
	/* an int compares its low 32 bits, whatever the upper half holds */
	assert_int_equal(entries_for(f, "kill", true, e, 40), 1);
	arg_is(e[0], 1, 0xffffffffu, 9, "SCMP_CMP_MASKED_EQ");
	assert_string_equal(str(e[0], "action"), "SCMP_ACT_KILL_PROCESS");
	/* an unsigned long below 2^32: the same order on every ABI */
	assert_int_equal(entries_for(f, "mprotect", true, e, 40), 1);
	arg_is(e[0], 1, 4096, 0, "SCMP_CMP_LT");
	/* any of the bits: one entry per bit */
	assert_int_equal(entries_for(f, "madvise", true, e, 40), 1);
	arg_is(e[0], 2, 0x10, 0x10, "SCMP_CMP_MASKED_EQ");
	assert_int_equal(entries_for(f, "ioctl", true, e, 40), 1);
	arg_is(e[0], 1, 0xff00, 0x5400, "SCMP_CMP_MASKED_EQ");
	assert_int_equal(entries_for(f, "clone", true, e, 40), 1);
	arg_is(e[0], 0, 0x10000000, 0x10000000, "SCMP_CMP_MASKED_EQ");
	/* nothing here needs sysgate */
	assert_int_equal(f->r.n_notified, 0);
	assert_true(f->r.bpf_insns > 0 && f->r.bpf_insns < 4096);
}

static void test_export_int_not_equal_is_one_entry_per_bit(void **state)
{
	struct fx *f = *state;
	struct json_object *e[40];

	run(f, "[sysgate]\ndefault = allow\n[kill]\ndeny = sig != 9\n", EXPORT_RUNC, NULL);
	/* low32 != 9 <=> some bit of the low 32 differs from 9's */
	assert_int_equal(entries_for(f, "kill", true, e, 40), 32);
	arg_is(e[0], 1, 1, 0, "SCMP_CMP_MASKED_EQ"); /* bit 0 of 9 is set */
	arg_is(e[1], 1, 2, 2, "SCMP_CMP_MASKED_EQ"); /* bit 1 is not */
	arg_is(e[31], 1, 0x80000000u, 0x80000000u, "SCMP_CMP_MASKED_EQ");
}

static void test_export_order_on_int_needs_sysgate(void **state)
{
	struct fx *f = *state;

	run(f, "[sysgate]\ndefault = allow\n[kill]\ndeny = pid < 0\n", EXPORT_RUNC, "/run/sg.sock");
	assert_string_equal(uncond(f, "kill", NULL), "SCMP_ACT_NOTIFY");
	assert_int_equal(f->r.n_notified, 1);
}

/* ---- families and names ---- */

static void test_export_named_args_in_a_family(void **state)
{
	struct fx *f = *state;
	struct json_object *e[8];

	run(f, "[sysgate]\ndefault = allow\n[open]\ndeny = EACCES flags & O_TRUNC\n", EXPORT_RUNC,
	    "/run/sg.sock");
	/* flags is open's second argument and openat's third */
	assert_int_equal(entries_for(f, "open", true, e, 8), 1);
	arg_is(e[0], 1, 01000, 01000, "SCMP_CMP_MASKED_EQ");
	assert_int_equal(entries_for(f, "openat", true, e, 8), 1);
	arg_is(e[0], 2, 01000, 01000, "SCMP_CMP_MASKED_EQ");
	/* creat's flags are O_CREAT|O_WRONLY|O_TRUNC by definition */
	assert_string_equal(uncond(f, "creat", NULL), "SCMP_ACT_ERRNO");
	/* openat2's flags are in memory: sysgate decides */
	assert_string_equal(uncond(f, "openat2", NULL), "SCMP_ACT_NOTIFY");
}

static void test_export_family_has_its_i386_names(void **state)
{
	struct fx *f = *state;

	run(f, "[sysgate]\ndefault = allow\n[chown]\ndeny = *\n", EXPORT_RUNC, NULL);
	assert_string_equal(uncond(f, "chown", NULL), "SCMP_ACT_ERRNO");
	assert_string_equal(uncond(f, "fchownat", NULL), "SCMP_ACT_ERRNO");
	assert_string_equal(uncond(f, "chown32", NULL), "SCMP_ACT_ERRNO");
	assert_string_equal(uncond(f, "lchown32", NULL), "SCMP_ACT_ERRNO");
	assert_string_equal(uncond(f, "fchown32", NULL), "SCMP_ACT_ERRNO");
}

static void test_export_architectures_are_the_three_x86_abis(void **state)
{
	struct fx *f = *state;
	struct json_object *a;

	run(f, "[reboot]\ndeny = *\n", EXPORT_RUNC, NULL);
	assert_true(json_object_object_get_ex(f->r.profile, "architectures", &a));
	assert_int_equal(json_object_array_length(a), 3);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(a, 0)),
			    "SCMP_ARCH_X86_64");
	assert_string_equal(json_object_get_string(json_object_array_get_idx(a, 1)),
			    "SCMP_ARCH_X86");
	assert_string_equal(json_object_get_string(json_object_array_get_idx(a, 2)),
			    "SCMP_ARCH_X32");
}

/* [sysgate] abi: architectures are the ABIs it lists (SCMP_ARCH_*), and a
 * base's others are left out; the note says the runtime kills the thread. */
static void test_export_architectures_follow_the_abi_key(void **state)
{
	struct fx *f = *state;
	struct json_object *a;

	run(f, "[sysgate]\nabi = x86_64, x32\n[reboot]\ndeny = *\n", EXPORT_RUNC, NULL);
	assert_true(json_object_object_get_ex(f->r.profile, "architectures", &a));
	assert_int_equal(json_object_array_length(a), 2);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(a, 0)),
			    "SCMP_ARCH_X86_64");
	assert_string_equal(json_object_get_string(json_object_array_get_idx(a, 1)),
			    "SCMP_ARCH_X32");
	assert_true(noted(f, DIAG_NOTICE, 2, "KILL_THREAD"));
	policy_export_done(&f->r);
	memset(&f->r, 0, sizeof(f->r));
	policy_free(f->p);
	f->p = NULL;

	f->base =
		json_tokener_parse("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"architectures\": "
				   "[\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_X86\", \"SCMP_ARCH_X32\"], "
				   "\"syscalls\": []}");
	assert_non_null(f->base);
	run(f, "[sysgate]\nabi = x86_64\n", EXPORT_RUNC, NULL);
	assert_true(json_object_object_get_ex(f->r.profile, "architectures", &a));
	assert_int_equal(json_object_array_length(a), 1);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(a, 0)),
			    "SCMP_ARCH_X86_64");
	assert_true(noted(f, DIAG_NOTICE, 2, "the base's SCMP_ARCH_X86 is left out"));
}

static void test_export_unknown_name_is_reported(void **state)
{
	struct fx *f = *state;

	/* the runtime would let mseal run, which the policy denies: refused */
	run(f, "[sysgate]\ndefault = allow\n[mseal]\ndeny = *\n", EXPORT_RUNC, NULL);
	assert_null(uncond(f, "mseal", NULL));
	assert_true(noted(f, DIAG_ERROR, 3, "mseal is unknown to this libseccomp"));
	assert_true(noted(f, DIAG_ERROR, 3, "--skip-unknown"));
	policy_export_done(&f->r);
	policy_free(f->p);
	f->p = NULL;
	/* under a denying default it is denied anyway: said, not refused */
	run(f, "[sysgate]\ndefault = deny\n[mseal]\nallow = *\n", EXPORT_RUNC, NULL);
	assert_int_equal(f->r.n_errors, 0);
	assert_true(noted(f, DIAG_WARNING, 3, "mseal is unknown to this libseccomp"));
}

/* ---- first match as a union ---- */

static void test_export_overlap_with_another_decision_is_notified(void **state)
{
	struct fx *f = *state;

	/* 8 > 4: rule 2 would also claim what rule 1 allows */
	run(f, "[sysgate]\ndefault = allow\n[personality]\nallow = arg0 == 8\ndeny = arg0 > 4\n",
	    EXPORT_RUNC, "/run/sg.sock");
	assert_string_equal(uncond(f, "personality", NULL), "SCMP_ACT_NOTIFY");
}

static void test_export_overlap_without_a_socket_is_narrowed_at_its_line(void **state)
{
	struct fx *f = *state;
	int err;

	run(f,
	    "[sysgate]\ndefault = allow\n[personality]\nallow = arg0 == 8\ndeny = EINVAL arg0 > "
	    "4\n",
	    EXPORT_RUNC, NULL);
	assert_string_equal(uncond(f, "personality", &err), "SCMP_ACT_ERRNO");
	assert_int_equal(err, EINVAL);
	assert_true(noted(f, DIAG_WARNING, 5, "narrowed"));
}

static void test_export_disjoint_rules_are_entries(void **state)
{
	struct fx *f = *state;
	struct json_object *e[4];

	run(f, "[sysgate]\ndefault = allow\n[personality]\nallow = arg0 == 2\ndeny = arg0 > 4\n",
	    EXPORT_RUNC, "/run/sg.sock");
	/* allow is the default: no entry; 2 is not > 4: the deny is exact */
	assert_int_equal(entries_for(f, "personality", true, e, 4), 1);
	arg_is(e[0], 0, 4, 0, "SCMP_CMP_GT");
	assert_null(uncond(f, "personality", NULL));
	assert_int_equal(f->r.n_notified, 0);
}

static void test_export_fall_through_other_than_default_is_the_complement(void **state)
{
	struct fx *f = *state;
	struct json_object *e[4];

	run(f, "[sysgate]\ndefault = deny\n[personality]\ndeny = arg0 == 8\nallow = *\n",
	    EXPORT_RUNC, NULL);
	/* deny is the default; the allow = * is "arg0 != 8" */
	assert_int_equal(entries_for(f, "personality", true, e, 4), 1);
	arg_is(e[0], 0, 8, 0, "SCMP_CMP_NE");
	assert_string_equal(str(e[0], "action"), "SCMP_ACT_ALLOW");
	assert_null(uncond(f, "personality", NULL));
}

static void test_export_fall_through_after_several_rules_needs_sysgate(void **state)
{
	struct fx *f = *state;

	run(f,
	    "[sysgate]\ndefault = deny\n[personality]\ndeny = arg0 == 1\ndeny = arg0 == 2\n"
	    "allow = *\n",
	    EXPORT_RUNC, "/run/sg.sock");
	assert_string_equal(uncond(f, "personality", NULL), "SCMP_ACT_NOTIFY");
}

static void test_export_rules_on_two_arguments_need_sysgate(void **state)
{
	struct fx *f = *state;

	run(f, "[sysgate]\ndefault = allow\n[kill]\ndeny = sig == 9\ndeny = pid == 1\n",
	    EXPORT_RUNC, "/run/sg.sock");
	assert_string_equal(uncond(f, "kill", NULL), "SCMP_ACT_NOTIFY");
}

/* ---- what needs sysgate ---- */

static void test_export_path_emulate_ask_are_notified(void **state)
{
	struct fx *f = *state;
	struct json_object *v;

	run(f,
	    "[sysgate]\ndefault = allow\n[mkdir]\nemulate = path ~ /tmp/**\ndeny = *\n"
	    "[chmod]\nask = mode & 04000\nallow = *\n[unlink]\ndeny = exe ~ /bin/rm\n",
	    EXPORT_RUNC, "/run/sg.sock");
	assert_string_equal(uncond(f, "mkdir", NULL), "SCMP_ACT_NOTIFY");
	assert_string_equal(uncond(f, "mkdirat", NULL), "SCMP_ACT_NOTIFY");
	assert_string_equal(uncond(f, "fchmodat", NULL), "SCMP_ACT_NOTIFY");
	assert_string_equal(uncond(f, "unlinkat", NULL), "SCMP_ACT_NOTIFY");
	assert_true(json_object_object_get_ex(f->r.profile, "listenerPath", &v));
	assert_string_equal(json_object_get_string(v), "/run/sg.sock");
	assert_string_equal(str(f->r.profile, "listenerMetadata"), "policy=t");
	assert_int_equal(f->r.n_notified, 2 + 4 + 3);
}

/* ---- runtimes ---- */

static const char write_policy[] = "[sysgate]\ndefault = allow\n"
				   "[write]\ndeny = exe ~ /bin/evil\n"
				   "[mkdir]\ndeny = EACCES path ~ /etc/**\n";

static void test_export_runc_never_notifies_write(void **state)
{
	struct fx *f = *state;

	run(f, write_policy, EXPORT_RUNC, "/run/sg.sock");
	assert_string_equal(uncond(f, "write", NULL), "SCMP_ACT_ERRNO");
	assert_true(noted(f, DIAG_WARNING, 4, "runc refuses SCMP_ACT_NOTIFY on write"));
	assert_string_equal(uncond(f, "mkdir", NULL), "SCMP_ACT_NOTIFY");
	assert_false(json_object_object_get_ex(f->r.profile, "flags", NULL));
	assert_false(
		json_object_object_get_ex(json_object_array_get_idx(calls(f), 0), "comment", NULL));
}

static void test_export_crun_notifies_write(void **state)
{
	struct fx *f = *state;

	run(f, write_policy, EXPORT_CRUN, "/run/sg.sock");
	assert_string_equal(uncond(f, "write", NULL), "SCMP_ACT_NOTIFY");
}

static void test_export_docker_has_no_listener_and_says_each_line(void **state)
{
	struct fx *f = *state;
	struct json_object *e[2];

	run(f, "[sysgate]\ndefault = deny EACCES\n[mkdir]\nallow = path ~ /tmp/**\n", EXPORT_DOCKER,
	    NULL);
	assert_false(json_object_object_get_ex(f->r.profile, "listenerPath", NULL));
	assert_false(json_object_object_get_ex(f->r.profile, "defaultErrnoRet", NULL));
	assert_int_equal(f->r.n_notified, 0);
	/* the mkdir section needs a path: denied, at its line */
	assert_true(noted(f, DIAG_WARNING, 4, "Docker 20.10 drops listenerPath"));
	assert_null(uncond(f, "mkdir", NULL)); /* EACCES is the default */
	assert_true(noted(f, DIAG_WARNING, 2, "Docker 20.10 drops defaultErrnoRet"));
	/* provenance in every entry */
	assert_int_equal(entries_for(f, "exit_group", false, e, 2), 1);
	assert_non_null(str(e[0], "comment"));
}

static void test_export_widen_allows_what_cannot_be_notified(void **state)
{
	struct fx *f = *state;
	struct export_opts o = {.runtime = EXPORT_DOCKER, .widen = true};

	load(f, "[sysgate]\ndefault = deny\n[mkdir]\nallow = path ~ /tmp/**\n");
	assert_int_equal(policy_export(f->p, &o, &f->r), 0);
	assert_string_equal(uncond(f, "mkdir", NULL), "SCMP_ACT_ALLOW");
	assert_true(noted(f, DIAG_WARNING, 4, "[mkdir]"));
}

static void test_export_runtime_calls_are_allowed_under_a_deny_default(void **state)
{
	struct fx *f = *state;

	run(f, "[sysgate]\ndefault = deny\n[reboot]\ndeny = *\n", EXPORT_RUNC, NULL);
	assert_string_equal(uncond(f, "futex", NULL), "SCMP_ACT_ALLOW");
	assert_string_equal(uncond(f, "getdents64", NULL), "SCMP_ACT_ALLOW");
	assert_string_equal(uncond(f, "fstatfs", NULL), "SCMP_ACT_ALLOW");
	assert_string_equal(uncond(f, "exit_group", NULL), "SCMP_ACT_ALLOW");
	assert_null(uncond(f, "wait4", NULL));
	assert_true(noted(f, DIAG_NOTICE, 0, "fstatfs"));
	policy_export_done(&f->r);
	policy_free(f->p);
	f->p = NULL;
	run(f, "[sysgate]\ndefault = deny\n[reboot]\ndeny = *\n", EXPORT_CRUN, NULL);
	assert_string_equal(uncond(f, "wait4", NULL), "SCMP_ACT_ALLOW");
	assert_string_equal(uncond(f, "munmap", NULL), "SCMP_ACT_ALLOW");
}

static void test_export_errno_4095_is_refused(void **state)
{
	struct fx *f = *state;

	run(f, "[sysgate]\ndefault = allow\n[reboot]\ndeny = 4095 *\n", EXPORT_RUNC, NULL);
	assert_true(f->r.n_errors > 0);
	assert_true(noted(f, DIAG_ERROR, 4, "4094"));
}

/* ---- --base ---- */

/* The shape of Podman's seccomp.json: ERRNO(ENOSYS) default with both
 * spellings, archMap, explicit empty keys, caps-gated entries. */
static const char podman_like[] =
	"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":38,\"defaultErrno\":"
	"\"ENOSYS\",\"archMap\":[{\"architecture\":\"SCMP_ARCH_X86_64\",\"subArchitectures\":"
	"[\"SCMP_ARCH_X86\",\"SCMP_ARCH_X32\"]},{\"architecture\":\"SCMP_ARCH_AARCH64\","
	"\"subArchitectures\":[\"SCMP_ARCH_ARM\"]}],\"syscalls\":["
	"{\"names\":[\"read\",\"mkdir\",\"mkdirat\",\"write\",\"exit_group\"],\"action\":"
	"\"SCMP_ACT_ALLOW\",\"args\":[],\"comment\":\"\",\"includes\":{},\"excludes\":{}},"
	"{\"names\":[\"kexec_load\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1,\"errno\":"
	"\"EPERM\",\"args\":[],\"comment\":\"\",\"includes\":{},\"excludes\":{}},"
	"{\"names\":[\"mount\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[],\"comment\":\"\","
	"\"includes\":{\"caps\":[\"CAP_SYS_ADMIN\"]},\"excludes\":{}},"
	"{\"names\":[\"mount\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1,\"errno\":\"EPERM\","
	"\"args\":[],\"comment\":\"\",\"includes\":{},\"excludes\":{\"caps\":[\"CAP_SYS_ADMIN\"]}},"
	"{\"names\":[\"mkdirat\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":"
	"1,\"op\":\"SCMP_CMP_EQ\"}],\"comment\":\"\",\"includes\":{},\"excludes\":{}}]}";

static const char notify_mkdir[] = "[mkdir]\ndeny = EACCES path ~ /etc/**\nallow = *\n";

static void test_export_base_takes_notified_calls_out_of_its_entries(void **state)
{
	struct fx *f = *state;
	struct json_object *c, *e[4];
	int err;

	f->base = json_tokener_parse(podman_like);
	assert_non_null(f->base);
	run(f, notify_mkdir, EXPORT_RUNC, "/run/sg.sock");
	assert_int_equal(f->r.n_errors, 0);
	/* mkdir and mkdirat are notified, and no base entry decides them */
	assert_string_equal(uncond(f, "mkdir", NULL), "SCMP_ACT_NOTIFY");
	assert_string_equal(uncond(f, "mkdirat", NULL), "SCMP_ACT_NOTIFY");
	assert_int_equal(entries_for(f, "mkdirat", true, e, 4), 0);
	/* the rest of the base, in its order */
	c = calls(f);
	assert_string_equal(uncond(f, "read", NULL), "SCMP_ACT_ALLOW");
	assert_string_equal(uncond(f, "kexec_load", &err), "SCMP_ACT_ERRNO");
	assert_int_equal(err, 1);
	assert_false(json_object_object_get_ex(json_object_array_get_idx(c, 1), "errno", NULL));
	/* runc ignores includes: resolved here, for Docker's capabilities */
	assert_string_equal(uncond(f, "mount", NULL), "SCMP_ACT_ERRNO");
	/* the policy sets no default: the base's */
	assert_string_equal(str(f->r.profile, "defaultAction"), "SCMP_ACT_ERRNO");
	assert_true(json_object_object_get_ex(f->r.profile, "defaultErrnoRet", &c));
	assert_int_equal(json_object_get_int(c), 38);
	assert_true(noted(f, DIAG_NOTICE, 0, "mkdir, mkdirat"));
	assert_true(noted(f, DIAG_NOTICE, 0, "the base's (SCMP_ACT_ERRNO)"));
	assert_false(json_object_object_get_ex(f->r.profile, "archMap", NULL));
}

static void test_export_base_keeps_includes_for_podman(void **state)
{
	struct fx *f = *state;
	struct json_object *e[4];

	f->base = json_tokener_parse(podman_like);
	run(f, notify_mkdir, EXPORT_PODMAN, "/run/sg.sock");
	/* Podman resolves includes itself, for the container's capabilities */
	assert_int_equal(entries_for(f, "mount", false, e, 4), 2);
	assert_true(json_object_object_get_ex(e[0], "includes", NULL));
	assert_string_equal(uncond(f, "mkdir", NULL), "SCMP_ACT_NOTIFY");
}

static void test_export_policy_default_wins_over_the_base_and_is_said(void **state)
{
	struct fx *f = *state;

	f->base = json_tokener_parse(podman_like);
	run(f, "[sysgate]\ndefault = deny EACCES\n[reboot]\ndeny = *\n", EXPORT_RUNC, NULL);
	assert_string_equal(str(f->r.profile, "defaultAction"), "SCMP_ACT_ERRNO");
	assert_int_equal(
		json_object_get_int(json_object_object_get(f->r.profile, "defaultErrnoRet")),
		EACCES);
	assert_true(noted(f, DIAG_NOTICE, 2, "is the policy's"));
}

static void test_export_base_with_archmap_and_architectures_is_refused(void **state)
{
	struct fx *f = *state;

	f->base = json_tokener_parse("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":"
				     "[\"SCMP_ARCH_X86_64\"],\"archMap\":[]}");
	run(f, notify_mkdir, EXPORT_RUNC, NULL);
	assert_true(f->r.n_errors > 0);
	assert_true(noted(f, DIAG_ERROR, 0, "archMap"));
}

static void test_export_base_flags_go_for_runc_and_stay_for_crun(void **state)
{
	struct fx *f = *state;

	f->base = json_tokener_parse("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"flags\":"
				     "[\"SECCOMP_FILTER_FLAG_SPEC_ALLOW\"]}");
	run(f, notify_mkdir, EXPORT_RUNC, "/run/sg.sock");
	assert_false(json_object_object_get_ex(f->r.profile, "flags", NULL));
	assert_true(noted(f, DIAG_NOTICE, 0, "runc 1.1 refuses every flag"));
	policy_export_done(&f->r);
	policy_free(f->p);
	f->p = NULL;
	run(f, notify_mkdir, EXPORT_CRUN, "/run/sg.sock");
	assert_true(json_object_object_get_ex(f->r.profile, "flags", NULL));
}

static void test_export_hostile_base_is_refused_not_crashed_on(void **state)
{
	struct fx *f = *state;
	static const char *const bad[] = {
		"[]",
		"{\"defaultAction\":5}",
		"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":{}}",
		"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[5]}",
		"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":5,\"action\":"
		"\"SCMP_ACT_ALLOW\"}]}",
		"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],"
		"\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":4095}]}",
		/* (an entry with the default's action is skipped unread, as runc does) */
		"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],"
		"\"action\":\"SCMP_ACT_LOG\",\"args\":[{\"index\":7,\"value\":1,\"op\":"
		"\"SCMP_CMP_EQ\"}]}]}",
		"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"name\":\"read\","
		"\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\"}]}",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		f->base = json_tokener_parse(bad[i]);
		assert_non_null(f->base);
		run(f, notify_mkdir, EXPORT_RUNC, "/run/sg.sock");
		if (f->r.n_errors == 0)
			fail_msg("base %zu accepted: %s", i, bad[i]);
		policy_export_done(&f->r);
		policy_free(f->p);
		f->p = NULL;
		json_object_put(f->base);
		f->base = NULL;
	}
}

/*
 * Go (runc, Docker, Podman) reads "Names", "nameſ" (U+017F) or "Value" as
 * names and value; json-c and export do not. A base entry {"Names":
 * ["mkdir"], "action": "SCMP_ACT_ALLOW"} was dropped without a word as an
 * entry with no names, and the same key beside "names" or "value" was
 * copied through for runc to read; each is an error now.
 */
static void test_export_base_go_folded_keys_are_refused(void **state)
{
	struct fx *f = *state;
	static const char *const bad[] = {
		"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"Names\":[\"mkdir\"],"
		"\"action\":\"SCMP_ACT_ALLOW\"}]}",
		"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"getpid\"],"
		"\"name\xc5\xbf\":[\"mkdir\"],\"action\":\"SCMP_ACT_ALLOW\"}]}",
		"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"getpid\"],"
		"\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":0,\"value\":1,\"Value\":2,"
		"\"op\":\"SCMP_CMP_EQ\"}]}]}",
		"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"mount\"],"
		"\"action\":\"SCMP_ACT_ERRNO\",\"Excludes\":{\"caps\":[\"CAP_SYS_ADMIN\"]}}]}",
		"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"DefaultAction\":\"SCMP_ACT_ERRNO\"}",
		"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"archMap\":[{\"architecture\":"
		"\"SCMP_ARCH_X86_64\",\"SubArchitectures\":[]}]}",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		f->base = json_tokener_parse(bad[i]);
		assert_non_null(f->base);
		run(f, notify_mkdir, EXPORT_RUNC, "/run/sg.sock");
		if (f->r.n_errors == 0)
			fail_msg("base %zu accepted: %s", i, bad[i]);
		assert_true(noted(f, DIAG_ERROR, 0, "Go matches keys case-insensitively"));
		policy_export_done(&f->r);
		policy_free(f->p);
		f->p = NULL;
		json_object_put(f->base);
		f->base = NULL;
	}
}

/* Docker and Podman resolve the includes export keeps for them: the size
 * count must not build an entry the container never gets (reboot LOG if
 * arg1 == 1 for CAP_SYS_ADMIN beside reboot ALLOW if arg1 == 1: libseccomp
 * refuses one condition with two actions, and the export failed). */
static void test_export_docker_count_resolves_includes(void **state)
{
	struct fx *f = *state;
	struct export_opts o = {.runtime = EXPORT_DOCKER, .kernel_major = 6, .kernel_minor = 1};

	f->base = json_tokener_parse(
		"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"reboot\"],"
		"\"action\":\"SCMP_ACT_LOG\",\"args\":[{\"index\":1,\"value\":1,\"op\":"
		"\"SCMP_CMP_EQ\"}],\"includes\":{\"caps\":[\"CAP_SYS_ADMIN\"]}},"
		"{\"names\":[\"reboot\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":1,"
		"\"value\":1,\"op\":\"SCMP_CMP_EQ\"}]}]}");
	assert_non_null(f->base);
	o.base = f->base;
	load(f, "[sysgate]\ndefault = deny\n[@docker-default]\nallow = *\n");
	assert_int_equal(policy_export(f->p, &o, &f->r), 0);
	assert_int_equal(f->r.n_errors, 0);
	assert_true(f->r.bpf_insns > 0);
	/* the includes stay for Docker to resolve */
	assert_non_null(strstr(json_object_to_json_string(f->r.profile), "CAP_SYS_ADMIN"));
}

/* Narrowed (nothing to notify to), a section that kills for some calls is
 * killed whole: it was EPERM, so the process lived through the ptrace the
 * policy kills it for. test-export-diff's merged-and-narrowed run found it. */
static void test_export_narrowed_kill_stays_kill(void **state)
{
	struct fx *f = *state;
	int err = 0;

	run(f, "[sysgate]\ndefault = allow\n[ptrace]\nkill = request & 7 == 0\nlog = pid != 1\n",
	    EXPORT_DOCKER, NULL);
	assert_string_equal(uncond(f, "ptrace", &err), "SCMP_ACT_KILL_PROCESS");
	assert_true(noted(f, DIAG_WARNING, 5, "they are killed"));
}

static void test_export_base_notify_without_a_listener_is_refused(void **state)
{
	struct fx *f = *state;
	static const char base[] = "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{"
				   "\"names\":[\"chdir\"],\"action\":\"SCMP_ACT_NOTIFY\"}]}";
	static const enum export_runtime rts[] = {EXPORT_DOCKER, EXPORT_RUNC};

	for (size_t i = 0; i < 2; i++) {
		f->base = json_tokener_parse(base);
		run(f, "[reboot]\ndeny = *\n", rts[i], NULL);
		assert_true(noted(f, DIAG_ERROR, 0, "has no listenerPath"));
		policy_export_done(&f->r);
		policy_free(f->p);
		f->p = NULL;
		json_object_put(f->base);
	}
	/* with sysgate serve's listener, serve gets them (and says so) */
	f->base = json_tokener_parse(base);
	run(f, notify_mkdir, EXPORT_RUNC, "/run/sg.sock");
	assert_int_equal(f->r.n_errors, 0);
	assert_true(noted(f, DIAG_WARNING, 0, "the base's syscalls[0] notifies"));
}

static void test_export_real_podman_profile(void **state)
{
	struct fx *f = *state;
	struct json_object *c;

	if (access("/usr/share/containers/seccomp.json", R_OK) != 0)
		skip();
	f->base = json_object_from_file("/usr/share/containers/seccomp.json");
	assert_non_null(f->base);
	run(f, notify_mkdir, EXPORT_RUNC, "/run/sg.sock");
	assert_int_equal(f->r.n_errors, 0);
	c = calls(f);
	for (size_t i = 0; i < json_object_array_length(c); i++) {
		struct json_object *e = json_object_array_get_idx(c, i);

		if (names_has(e, "mkdir") || names_has(e, "mkdirat"))
			assert_string_equal(str(e, "action"), "SCMP_ACT_NOTIFY");
	}
	assert_int_equal(f->r.n_notified, 2);
	assert_true(f->r.bpf_insns > 0 && f->r.bpf_insns < 4096);
}

/* ---- the kernel's limit ---- */

static void test_export_filter_too_big_is_refused_with_its_size(void **state)
{
	struct fx *f = *state;
	size_t cap = 5200 * 24 + 64, len = 0;
	char *t = malloc(cap);

	assert_non_null(t);
	f->text = t;
	len += (size_t)snprintf(t + len, cap - len, "[sysgate]\ndefault = allow\n[personality]\n");
	for (int i = 0; i < 5000; i++)
		len += (size_t)snprintf(t + len, cap - len, "deny = arg0 == %d\n", i + 1);
	run(f, t, EXPORT_RUNC, NULL);
	assert_true(f->r.n_errors > 0);
	assert_true(noted(f, DIAG_ERROR, 0, "the kernel loads at most 4096"));
	assert_true(f->r.bpf_insns > 4096);
}

static void test_export_count_of_a_deployed_profile(void **state)
{
	struct fx *f = *state;
	struct json_object *naive = json_tokener_parse(podman_like), *calls_v;
	size_t n = 99;
	bool all = true;

	/* the hand merge: a NOTIFY entry after the base's big ALLOW */
	assert_non_null(naive);
	assert_true(json_object_object_get_ex(naive, "syscalls", &calls_v));
	json_object_array_add(calls_v, json_tokener_parse("{\"names\":[\"mkdir\",\"mkdirat\"],"
							  "\"action\":\"SCMP_ACT_NOTIFY\"}"));
	assert_int_equal(policy_export_count_notified(naive, &n, &all), 0);
	assert_int_equal(n, 0);
	assert_false(all);
	json_object_put(naive);
	/* what export writes notifies what it says */
	f->base = json_tokener_parse(podman_like);
	run(f, notify_mkdir, EXPORT_RUNC, "/run/sg.sock");
	assert_int_equal(policy_export_count_notified(f->r.profile, &n, &all), 0);
	assert_int_equal(n, f->r.n_notified);
	assert_int_equal(n, 2);
	/* a conditional NOTIFY counts; a default NOTIFY is said */
	naive = json_tokener_parse(
		"{\"defaultAction\":\"SCMP_ACT_NOTIFY\",\"syscalls\":[{\"names\":[\"kill\"],"
		"\"action\":\"SCMP_ACT_NOTIFY\",\"args\":[{\"index\":1,\"value\":9,\"op\":"
		"\"SCMP_CMP_EQ\"}]},{\"names\":[\"read\",\"nosuchcall\"],\"action\":"
		"\"SCMP_ACT_ALLOW\"}]}");
	assert_int_equal(policy_export_count_notified(naive, &n, &all), 0);
	assert_int_equal(n, 0); /* NOTIFY entries equal to the default are skipped */
	assert_true(all);
	json_object_put(naive);
}

static void test_export_notified_count_for_serve(void **state)
{
	struct fx *f = *state;

	load(f, notify_mkdir);
	assert_int_equal(policy_export_notified(f->p, EXPORT_RUNC), 2);
	policy_free(f->p);
	f->p = NULL;
	load(f, "[sysgate]\ndefault = allow\n[reboot]\ndeny = *\n");
	assert_int_equal(policy_export_notified(f->p, EXPORT_RUNC), 0);
}

/* serve's handover count follows libseccomp: an entry of only always-true
 * masks (mask 0, datum 0) is unconditional, and an ERRNO entry with an
 * errno other than the default's is not skipped. */
static void test_export_count_notified_as_libseccomp_merges(void **state)
{
	static const char *const cases[][2] = {
		{"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"mkdir\"],"
		 "\"action\":\"SCMP_ACT_NOTIFY\",\"args\":[{\"index\":1,\"value\":0,\"valueTwo\":0,"
		 "\"op\":\"SCMP_CMP_MASKED_EQ\"}]},{\"names\":[\"mkdir\"],\"action\":"
		 "\"SCMP_ACT_ERRNO\"}]}",
		 "1"},
		{"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"mkdir\"],"
		 "\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":13},{\"names\":[\"mkdir\"],\"action\":"
		 "\"SCMP_ACT_NOTIFY\"}]}",
		 "0"},
	};
	size_t n;
	bool all;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct json_object *j = json_tokener_parse(cases[i][0]);

		assert_non_null(j);
		assert_int_equal(policy_export_count_notified(j, &n, &all), 0);
		if (n != (size_t)atoi(cases[i][1]))
			fail_msg("case %zu: %zu notified, libseccomp notifies %s", i, n,
				 cases[i][1]);
		json_object_put(j);
	}
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_export_condition_forms_are_exact_entries),
		T(test_export_int_not_equal_is_one_entry_per_bit),
		T(test_export_order_on_int_needs_sysgate),
		T(test_export_named_args_in_a_family),
		T(test_export_family_has_its_i386_names),
		T(test_export_architectures_are_the_three_x86_abis),
		T(test_export_architectures_follow_the_abi_key),
		T(test_export_unknown_name_is_reported),
		T(test_export_overlap_with_another_decision_is_notified),
		T(test_export_overlap_without_a_socket_is_narrowed_at_its_line),
		T(test_export_disjoint_rules_are_entries),
		T(test_export_fall_through_other_than_default_is_the_complement),
		T(test_export_fall_through_after_several_rules_needs_sysgate),
		T(test_export_rules_on_two_arguments_need_sysgate),
		T(test_export_path_emulate_ask_are_notified),
		T(test_export_runc_never_notifies_write),
		T(test_export_crun_notifies_write),
		T(test_export_docker_has_no_listener_and_says_each_line),
		T(test_export_widen_allows_what_cannot_be_notified),
		T(test_export_runtime_calls_are_allowed_under_a_deny_default),
		T(test_export_errno_4095_is_refused),
		T(test_export_base_takes_notified_calls_out_of_its_entries),
		T(test_export_base_keeps_includes_for_podman),
		T(test_export_policy_default_wins_over_the_base_and_is_said),
		T(test_export_base_with_archmap_and_architectures_is_refused),
		T(test_export_base_flags_go_for_runc_and_stay_for_crun),
		T(test_export_hostile_base_is_refused_not_crashed_on),
		T(test_export_base_notify_without_a_listener_is_refused),
		T(test_export_base_go_folded_keys_are_refused),
		T(test_export_docker_count_resolves_includes),
		T(test_export_narrowed_kill_stays_kill),
		T(test_export_real_podman_profile),
		T(test_export_filter_too_big_is_refused_with_its_size),
		T(test_export_count_of_a_deployed_profile),
		T(test_export_notified_count_for_serve),
		T(test_export_count_notified_as_libseccomp_merges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
