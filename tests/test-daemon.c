/*
 * Unit tests for the daemon's pure parts, without root or a kernel filter:
 * the OCI profile builder (policy/oci.c: a policy in, linux.seccomp out), the
 * handover message and listenerMetadata parsing, the replies to
 * sysgate-agent and the fd receiving (supervisor/daemon/handover.c), and the
 * policy cache with its reload (supervisor/daemon/cache.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "policy/facts.h"
#include "policy/oci.h"
#include "policy/policy.h"
#include "supervisor/daemon/cache.h"
#include "supervisor/daemon/handover.h"

/* ---- the OCI profile builder ---- */

struct prof {
	struct policy *p;
	struct json_object *o;
	struct policy_oci_notes notes;
};

static int prof_teardown(void **state)
{
	struct prof *f = *state;

	if (f) {
		json_object_put(f->o);
		policy_free(f->p);
		free(f);
	}
	return 0;
}

static int prof_setup(void **state)
{
	*state = calloc(1, sizeof(struct prof));
	return *state ? 0 : -1;
}

static void build(struct prof *f, const char *text, const char *metadata)
{
	struct policy_diags d = {};

	assert_int_equal(policy_load_string("t.ini", text, &f->p, &d), 0);
	policy_diags_free(&d);
	assert_int_equal(policy_oci_profile(f->p, "/run/sg.sock", metadata, &f->o, &f->notes), 0);
	assert_non_null(f->o);
}

static const char *get_str(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* The action of the entry that names syscall (without argument tests), or
 * NULL if none does. */
static const char *action_for(struct json_object *o, const char *syscall)
{
	struct json_object *calls;

	assert_true(json_object_object_get_ex(o, "syscalls", &calls));
	for (size_t i = 0; i < json_object_array_length(calls); i++) {
		struct json_object *e = json_object_array_get_idx(calls, i), *names, *args;

		if (json_object_object_get_ex(e, "args", &args))
			continue;
		assert_true(json_object_object_get_ex(e, "names", &names));
		for (size_t k = 0; k < json_object_array_length(names); k++)
			if (!strcmp(json_object_get_string(json_object_array_get_idx(names, k)),
				    syscall))
				return get_str(e, "action");
	}
	return NULL;
}

/* The entries for syscall that carry argument tests. */
static size_t split_entries(struct json_object *o, const char *syscall, struct json_object **first)
{
	struct json_object *calls;
	size_t n = 0;

	assert_true(json_object_object_get_ex(o, "syscalls", &calls));
	for (size_t i = 0; i < json_object_array_length(calls); i++) {
		struct json_object *e = json_object_array_get_idx(calls, i), *names, *args;

		if (!json_object_object_get_ex(e, "args", &args))
			continue;
		json_object_object_get_ex(e, "names", &names);
		if (strcmp(json_object_get_string(json_object_array_get_idx(names, 0)), syscall))
			continue;
		if (!n++)
			*first = e;
	}
	return n;
}

static void test_oci_profile_default_allow_notifies_supervised_calls(void **state)
{
	struct prof *f = *state;
	struct json_object *arches;

	build(f, "[sysgate]\ndefault = allow\n[mkdir]\ndeny = path ~ /etc/**\nallow = *\n",
	      "policy=web");
	assert_string_equal(get_str(f->o, "defaultAction"), "SCMP_ACT_ALLOW");
	assert_false(json_object_object_get_ex(f->o, "defaultErrnoRet", NULL));
	assert_string_equal(get_str(f->o, "listenerPath"), "/run/sg.sock");
	assert_string_equal(get_str(f->o, "listenerMetadata"), "policy=web");
	assert_true(json_object_object_get_ex(f->o, "architectures", &arches));
	assert_int_equal(json_object_array_length(arches), 3);
	/* mkdir's section covers mkdirat: both go to the daemon. */
	assert_string_equal(action_for(f->o, "mkdir"), "SCMP_ACT_NOTIFY");
	assert_string_equal(action_for(f->o, "mkdirat"), "SCMP_ACT_NOTIFY");
	/* Under a default of allow, nothing is added to allow. */
	assert_null(action_for(f->o, "exit_group"));
	assert_null(action_for(f->o, "openat"));
	assert_null(f->notes.default_in_kernel);
	assert_true(f->notes.notifies);
	assert_false(f->notes.notifies_write);
}

static void test_oci_profile_default_deny_goes_to_the_kernel(void **state)
{
	struct prof *f = *state;
	struct json_object *v;

	build(f,
	      "[sysgate]\ndefault = deny EACCES\n[openat]\nallow = *\n"
	      "[mkdir]\nlog = *\n",
	      NULL);
	assert_string_equal(get_str(f->o, "defaultAction"), "SCMP_ACT_ERRNO");
	assert_true(json_object_object_get_ex(f->o, "defaultErrnoRet", &v));
	assert_int_equal(json_object_get_int(v), EACCES);
	assert_string_equal(f->notes.default_in_kernel, "SCMP_ACT_ERRNO");
	/* No metadata given: none written. */
	assert_false(json_object_object_get_ex(f->o, "listenerMetadata", NULL));
	/* A section that starts with an unconditional allow: the kernel's. */
	assert_string_equal(action_for(f->o, "openat"), "SCMP_ACT_ALLOW");
	assert_string_equal(action_for(f->o, "mkdir"), "SCMP_ACT_NOTIFY");
}

static void test_oci_profile_always_allowed_unless_a_section_names_them(void **state)
{
	struct prof *f = *state;

	build(f, "[sysgate]\ndefault = kill\n[exit]\nlog = *\n", NULL);
	assert_string_equal(get_str(f->o, "defaultAction"), "SCMP_ACT_KILL_PROCESS");
	/* policy_always_allowed is the list: each is allowed, but exit, which
	 * a section names, is the section's (notified). */
	for (size_t i = 0; policy_always_allowed[i]; i++) {
		const char *a = action_for(f->o, policy_always_allowed[i]);

		if (!strcmp(policy_always_allowed[i], "exit"))
			assert_string_equal(a, "SCMP_ACT_NOTIFY");
		else
			assert_string_equal(a, "SCMP_ACT_ALLOW");
	}
}

static void test_oci_profile_complain_mode_logs_in_the_kernel(void **state)
{
	struct prof *f = *state;

	build(f, "[sysgate]\nmode = complain\ndefault = kill\n[mkdir]\ndeny = *\n", NULL);
	assert_string_equal(get_str(f->o, "defaultAction"), "SCMP_ACT_LOG");
	assert_string_equal(f->notes.default_in_kernel, "SCMP_ACT_LOG");
	assert_string_equal(action_for(f->o, "mkdir"), "SCMP_ACT_NOTIFY");
}

static void test_oci_profile_register_tests_are_split(void **state)
{
	struct prof *f = *state;
	struct json_object *e = NULL, *args, *a, *v;

	build(f, "[sysgate]\ndefault = allow\n[chmod]\ndeny = mode & 04000\nallow = *\n", NULL);
	/* chmod is not notified whole: one NOTIFY entry per register test. */
	assert_null(action_for(f->o, "chmod"));
	assert_true(split_entries(f->o, "chmod", &e) >= 1);
	assert_string_equal(get_str(e, "action"), "SCMP_ACT_NOTIFY");
	assert_true(json_object_object_get_ex(e, "args", &args));
	a = json_object_array_get_idx(args, 0);
	assert_string_equal(get_str(a, "op"), "SCMP_CMP_MASKED_EQ");
	assert_true(json_object_object_get_ex(a, "index", &v));
	assert_int_equal(json_object_get_int(v), 1);
	assert_true(json_object_object_get_ex(a, "value", &v));
	assert_int_equal(json_object_get_uint64(v), 04000);
}

static void test_oci_profile_notes_write_and_nothing_notified(void **state)
{
	struct prof *f = *state;

	build(f, "[sysgate]\ndefault = allow\n[write]\nlog = *\n", NULL);
	assert_true(f->notes.notifies);
	assert_true(f->notes.notifies_write);
	json_object_put(f->o);
	policy_free(f->p);
	f->o = NULL;
	f->p = NULL;
	build(f, "[sysgate]\ndefault = allow\n", NULL);
	assert_false(f->notes.notifies);
	assert_false(f->notes.notifies_write);
}

/* [sysgate] abi: the profile lists only those ABIs, so the runtime kills the
 * others' calls as the policy does; listed, their allowed calls would run in
 * the kernel (oci-profile wrote all three whatever the key said). */
static void test_oci_profile_architectures_follow_the_abi_key(void **state)
{
	struct prof *f = *state;
	struct json_object *arches;

	build(f, "[sysgate]\nabi = x86_64\ndefault = allow\n[mkdir]\ndeny = *\n", NULL);
	assert_true(json_object_object_get_ex(f->o, "architectures", &arches));
	assert_int_equal(json_object_array_length(arches), 1);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(arches, 0)),
			    "SCMP_ARCH_X86_64");
	json_object_put(f->o);
	policy_free(f->p);
	f->o = NULL;
	f->p = NULL;
	build(f, "[sysgate]\nabi = x86_64, i386\n", NULL);
	assert_true(json_object_object_get_ex(f->o, "architectures", &arches));
	assert_int_equal(json_object_array_length(arches), 2);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(arches, 1)),
			    "SCMP_ARCH_X86");
}

static void test_oci_metadata_for_file_names(void **state)
{
	char name[80], *md;

	(void)state;
	md = policy_oci_metadata_for("/etc/sysgate/web-1.ini");
	assert_string_equal(md, "policy=web-1");
	free(md);
	md = policy_oci_metadata_for("web.ini");
	assert_string_equal(md, "policy=web");
	free(md);
	assert_null(policy_oci_metadata_for("/etc/sysgate/.hidden.ini"));
	assert_null(policy_oci_metadata_for("/etc/sysgate/bad name.ini"));
	assert_null(policy_oci_metadata_for("/etc/sysgate/web.json"));
	assert_null(policy_oci_metadata_for(".ini"));
	memset(name, 'a', 65);
	strcpy(name + 65, ".ini");
	assert_null(policy_oci_metadata_for(name));
	strcpy(name + 64, ".ini");
	md = policy_oci_metadata_for(name);
	assert_non_null(md);
	free(md);
}

/* ---- the handover message ---- */

static void parse(const char *msg, struct handover *h)
{
	assert_int_equal(handover_parse(msg, strlen(msg), h), 0);
}

static void test_handover_runc_message(void **state)
{
	struct handover h;

	(void)state;
	parse("{\"ociVersion\":\"1.0.2\",\"fds\":[\"seccompFd\"],\"pid\":4321,"
	      "\"metadata\":\"policy=web\",\"state\":{\"id\":\"ctr1\",\"annotations\":"
	      "{\"io.kubernetes.pod.name\":\"pod1\"}}}",
	      &h);
	assert_int_equal(h.kind, HANDOVER_LISTENER);
	assert_int_equal(h.fd_index, 0);
	assert_int_equal(h.pid, 4321);
	assert_string_equal(h.id, "ctr1");
	assert_string_equal(h.pod, "pod1");
	assert_string_equal(h.policy, "web");
	assert_null(h.policy_why);
	handover_done(&h);
}

static void test_handover_in_pieces_and_not_terminated(void **state)
{
	const char *msg = "{\n  \"fds\": [\n    \"other\",\n    \"seccompFd\"\n  ]\n}";
	char *copy = malloc(strlen(msg));
	struct handover h;

	(void)state;
	/* crun pretty-prints and may arrive in pieces: more is needed. */
	assert_int_equal(handover_parse(msg, 10, &h), 1);
	/* Exactly len bytes are read: no terminator is looked for. */
	memcpy(copy, msg, strlen(msg));
	assert_int_equal(handover_parse(copy, strlen(msg), &h), 0);
	free(copy);
	assert_int_equal(h.kind, HANDOVER_LISTENER);
	assert_int_equal(h.fd_index, 1);
	assert_string_equal(h.id, "?");
	assert_null(h.pod);
	assert_int_equal(h.pid, 0);
	assert_string_equal(h.policy, ""); /* no metadata: the default */
	assert_null(h.policy_why);
	handover_done(&h);
}

static void test_handover_refuses_malformed_and_missing(void **state)
{
	static const struct {
		const char *msg, *why;
	} cases[] = {
		{"this is { not json ]]", "not a JSON object"},
		{"[1, 2, 3]", "not a JSON object"},
		{"\"seccompFd\"", "not a JSON object"},
		{"{\"state\":{\"id\":\"x\"}}", "no \"fds\" array"},
		{"{\"fds\":\"seccompFd\"}", "no \"fds\" array"},
		{"{\"fds\":[]}", "no seccomp listener fd came with it"},
		{"{\"fds\":[\"seccompfd\", 3]}", "no seccomp listener fd came with it"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct handover h;

		parse(cases[i].msg, &h);
		assert_int_equal(h.kind, HANDOVER_REFUSED);
		assert_string_equal(h.why, cases[i].why);
		handover_done(&h);
	}
}

static void test_handover_bounds_what_the_runtime_relays(void **state)
{
	char msg[1024], id[400];
	struct handover h;

	(void)state;
	/* Control characters and spaces in the id are not copied; a long id
	 * is cut; a negative or non-number pid is no pid. */
	memset(id, 'i', sizeof(id) - 1);
	id[sizeof(id) - 1] = '\0';
	snprintf(msg, sizeof(msg), "{\"fds\":[\"seccompFd\"],\"pid\":-5,\"state\":{\"id\":\"%s\"}}",
		 id);
	parse(msg, &h);
	assert_int_equal(h.pid, 0);
	assert_int_equal(strlen(h.id), sizeof(h.id) - 1);
	handover_done(&h);
	parse("{\"fds\":[\"seccompFd\"],\"pid\":\"12\",\"state\":{\"id\":\"a b\\n\\u001b[1m\"}}",
	      &h);
	assert_int_equal(h.pid, 0);
	assert_string_equal(h.id, "a?b??[1m");
	handover_done(&h);
}

static void test_handover_too_long(void **state)
{
	size_t n = HANDOVER_MAX_MSG;
	char *buf = malloc(n + 1);
	struct handover h;

	(void)state;
	/* An object still open at the limit: refused, not waited for. */
	memset(buf, ' ', n + 1);
	buf[0] = '{';
	assert_int_equal(handover_parse(buf, n, &h), 0);
	assert_int_equal(h.kind, HANDOVER_REFUSED);
	assert_string_equal(h.why, "longer than 65536 bytes");
	assert_int_equal(handover_parse(buf, n - 1, &h), 1);
	assert_int_equal(handover_parse(buf, n + 1, &h), 0);
	assert_int_equal(h.kind, HANDOVER_REFUSED);
	free(buf);
}

static void test_handover_metadata_policy_names(void **state)
{
	static const struct {
		const char *md, *policy; /* policy NULL: refused */
	} cases[] = {
		{"policy=web", "web"},
		{"a=b policy=web;c=d", "web"},
		{"tier=x,policy=db-1.v2", "db-1.v2"},
		{"policy=", ""},
		{"nothing here", ""},
		{"", ""},
		{"policy=../etc/passwd", NULL},
		{"policy=/etc/passwd", NULL},
		{"policy=..", NULL},
		{"policy=.hidden", NULL},
		{"policy=a/b", NULL},
		{"policy=we$b", NULL},
		{"policy=web\tx", NULL},
	};
	char name[POLICY_NAME_MAX + 1], md[128];
	const char *why;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		why = NULL;
		if (cases[i].policy) {
			assert_int_equal(handover_metadata_policy(cases[i].md, name, &why), 0);
			assert_string_equal(name, cases[i].policy);
		} else {
			assert_int_equal(handover_metadata_policy(cases[i].md, name, &why),
					 -EINVAL);
			assert_non_null(why);
			assert_string_equal(name, "");
		}
	}
	assert_int_equal(handover_metadata_policy(NULL, name, &why), 0);
	assert_string_equal(name, "");
	/* 64 characters are plain; 65 are too long. */
	snprintf(md, sizeof(md), "policy=%.*s", 64,
		 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	assert_int_equal(handover_metadata_policy(md, name, &why), 0);
	assert_int_equal(strlen(name), 64);
	strcat(md, "a");
	assert_int_equal(handover_metadata_policy(md, name, &why), -EINVAL);
	assert_non_null(strstr(why, "longer than 64"));
}

static void test_handover_metadata_refused_serves_deny_all(void **state)
{
	struct handover h;

	(void)state;
	/* The listener still comes (to be served deny-all), the name does not. */
	parse("{\"fds\":[\"seccompFd\"],\"metadata\":\"policy=../../etc/shadow\"}", &h);
	assert_int_equal(h.kind, HANDOVER_LISTENER);
	assert_non_null(h.policy_why);
	assert_string_equal(h.policy, "");
	handover_done(&h);
	assert_int_equal(
		serve_fuzz_message("{\"fds\":[\"seccompFd\"],\"metadata\":\"policy=.x\"}", 44),
		-EINVAL);
}

static void test_handover_filter_requests(void **state)
{
	struct handover h;

	(void)state;
	parse("{\"op\":\"filter\",\"policy\":\"web\"}", &h);
	assert_int_equal(h.kind, HANDOVER_FILTER);
	assert_string_equal(h.policy, "web");
	assert_null(h.policy_why);
	parse("{\"op\":\"filter\"}", &h);
	assert_int_equal(h.kind, HANDOVER_FILTER);
	assert_string_equal(h.policy, "");
	/* A name is a name, whole: no separators, no escape. */
	parse("{\"op\":\"filter\",\"policy\":\"../x\"}", &h);
	assert_non_null(h.policy_why);
	parse("{\"op\":\"filter\",\"policy\":\"web x\"}", &h);
	assert_non_null(h.policy_why);
	parse("{\"op\":\"filter\",\"policy\":\"\"}", &h);
	assert_non_null(h.policy_why);
	parse("{\"op\":\"frob\",\"fds\":[\"seccompFd\"]}", &h);
	assert_int_equal(h.kind, HANDOVER_OTHER_OP);
	assert_int_equal(serve_fuzz_message("{\"op\":\"filter\"}", 15), 0);
	assert_int_equal(serve_fuzz_message("{\"op\":\"frob\"}", 13), -EINVAL);
	assert_int_equal(serve_fuzz_message("{\"op\":", 6), 1);
}

static void test_handover_replies(void **state)
{
	/* Two sock_filter instructions: 16 bytes, base64 with one '=' pad...
	 * (16 bytes = 5 groups of 3 and one left: "==" pad). */
	const unsigned char insns[16] = {0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0x7f,
					 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
	struct json_object *o, *v;
	size_t size = 0;
	char *out;

	(void)state;
	out = handover_filter_reply(insns, 2, &size);
	assert_non_null(out);
	assert_int_equal(size, strlen(out));
	assert_string_equal(out, "{\"ok\":true,\"bpf\":\"BgAAAAAA/38GAAAAAAAAAA==\"}\n");
	free(out);
	out = handover_error_reply("bad \"name\"", &size);
	assert_non_null(out);
	assert_int_equal(out[size - 1], '\n');
	o = json_tokener_parse(out);
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "ok", &v));
	assert_false(json_object_get_boolean(v));
	assert_string_equal(get_str(o, "error"), "bad \"name\"");
	json_object_put(o);
	free(out);
}

/* ---- receiving the fds ---- */

static void send_fds(int s, const char *msg, const int *fds, int n)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * 16)];
		struct cmsghdr align;
	} u = {};
	struct iovec iov = {.iov_base = (void *)msg, .iov_len = strlen(msg)};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	struct cmsghdr *c;

	if (n) {
		mh.msg_control = u.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * n);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * n);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
	}
	assert_int_equal(sendmsg(s, &mh, 0), (ssize_t)strlen(msg));
}

static void test_handover_recv_takes_fds_and_bounds_them(void **state)
{
	char buf[HANDOVER_MAX_MSG + 1];
	int sp[2], p[2], fds[HANDOVER_MAX_FDS], got[10], n_fds = 0;
	size_t len = 0;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	assert_int_equal(pipe(p), 0);
	/* Nothing yet: -EAGAIN, not an end. */
	assert_int_equal(handover_recv(sp[1], buf, &len, fds, &n_fds), -EAGAIN);
	for (int i = 0; i < 10; i++)
		got[i] = p[1];
	send_fds(sp[0], "{\"fds\":", got, 10);
	close(p[1]);
	assert_int_equal(handover_recv(sp[1], buf, &len, fds, &n_fds), 7);
	assert_int_equal(len, 7);
	/* Eight kept, close-on-exec; the other two closed at once. */
	assert_int_equal(n_fds, HANDOVER_MAX_FDS);
	for (int i = 0; i < n_fds; i++)
		assert_true(fcntl(fds[i], F_GETFD) & FD_CLOEXEC);
	send_fds(sp[0], "[]}", NULL, 0);
	assert_int_equal(handover_recv(sp[1], buf, &len, fds, &n_fds), 3);
	assert_int_equal(len, 10);
	assert_memory_equal(buf, "{\"fds\":[]}", 10);
	/* A pipe is not a seccomp listener. */
	assert_false(handover_is_listener(fds[0]));
	for (int i = 0; i < n_fds; i++)
		close(fds[i]);
	/* Every copy of the write end is closed: none leaked. */
	{
		char c;

		assert_int_equal(read(p[0], &c, 1), 0);
	}
	close(sp[0]);
	assert_int_equal(handover_recv(sp[1], buf, &len, fds, &n_fds), 0);
	close(sp[1]);
	close(p[0]);
}

/* ---- the policy cache ---- */

static char cache_dir[64];

static void write_policy(const char *name, const char *text)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.ini", cache_dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static int cache_setup(void **state)
{
	snprintf(cache_dir, sizeof(cache_dir), "/tmp/sg-test-daemon-XXXXXX");
	return mkdtemp(cache_dir) ? 0 : -1;
}

static int cache_teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", cache_dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_cache_loads_by_name_and_reload_keeps_a_bad_one_out(void **state)
{
	struct pol_cache c;
	struct pol *web, *again, *dflt, *deny;
	const char *why = NULL;

	(void)state;
	write_policy("web", "[sysgate]\ndefault = deny EPERM\n");
	assert_int_equal(cache_open(&c, cache_dir, NULL), 0);
	dflt = cache_get(&c, "", &why);
	assert_non_null(dflt);
	web = cache_get(&c, "web", &why);
	assert_non_null(web);
	assert_int_equal(web->p->dflt.err, EPERM);
	again = cache_get(&c, "web", &why);
	assert_ptr_equal(again, web); /* loaded once */
	pol_unref(again);
	assert_null(cache_get(&c, "missing", &why));
	assert_string_equal(why, "the named policy does not load");
	assert_null(cache_get(&c, "../web", &why));
	deny = cache_deny_all(&c);
	assert_int_equal(deny->p->dflt.kind, DECISION_DENY);
	pol_unref(deny);

	/* A bad new version: the old one stays. */
	write_policy("web", "[sysgate]\ndefault = frob\n");
	cache_reload(&c);
	again = cache_get(&c, "web", &why);
	assert_ptr_equal(again, web);
	pol_unref(again);
	/* A good one replaces it for new sandboxes; the running one keeps its
	 * own (web is still valid: it holds a reference). */
	write_policy("web", "[sysgate]\ndefault = deny EACCES\n");
	cache_reload(&c);
	again = cache_get(&c, "web", &why);
	assert_ptr_not_equal(again, web);
	assert_int_equal(again->p->dflt.err, EACCES);
	assert_int_equal(web->p->dflt.err, EPERM);
	pol_unref(again);
	pol_unref(web);
	pol_unref(dflt);
	cache_close(&c);
}

static void test_cache_without_policy_dir(void **state)
{
	struct pol_cache c;
	const char *why = NULL;

	(void)state;
	assert_int_equal(cache_open(&c, NULL, NULL), 0);
	assert_null(cache_get(&c, "web", &why));
	assert_string_equal(why, "a policy was named but serve has no --policy-dir");
	cache_close(&c);
	/* A default that does not load stops the daemon before it serves. */
	write_policy("bad", "[sysgate]\ndefault = frob\n");
	{
		char path[128];

		snprintf(path, sizeof(path), "%s/bad.ini", cache_dir);
		assert_true(cache_open(&c, NULL, path) < 0);
		cache_close(&c);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_oci_profile_default_allow_notifies_supervised_calls, prof_setup,
			prof_teardown),
		cmocka_unit_test_setup_teardown(test_oci_profile_default_deny_goes_to_the_kernel,
						prof_setup, prof_teardown),
		cmocka_unit_test_setup_teardown(
			test_oci_profile_always_allowed_unless_a_section_names_them, prof_setup,
			prof_teardown),
		cmocka_unit_test_setup_teardown(test_oci_profile_complain_mode_logs_in_the_kernel,
						prof_setup, prof_teardown),
		cmocka_unit_test_setup_teardown(test_oci_profile_register_tests_are_split,
						prof_setup, prof_teardown),
		cmocka_unit_test_setup_teardown(test_oci_profile_notes_write_and_nothing_notified,
						prof_setup, prof_teardown),
		cmocka_unit_test_setup_teardown(test_oci_profile_architectures_follow_the_abi_key,
						prof_setup, prof_teardown),
		cmocka_unit_test(test_oci_metadata_for_file_names),
		cmocka_unit_test(test_handover_runc_message),
		cmocka_unit_test(test_handover_in_pieces_and_not_terminated),
		cmocka_unit_test(test_handover_refuses_malformed_and_missing),
		cmocka_unit_test(test_handover_bounds_what_the_runtime_relays),
		cmocka_unit_test(test_handover_too_long),
		cmocka_unit_test(test_handover_metadata_policy_names),
		cmocka_unit_test(test_handover_metadata_refused_serves_deny_all),
		cmocka_unit_test(test_handover_filter_requests),
		cmocka_unit_test(test_handover_replies),
		cmocka_unit_test(test_handover_recv_takes_fds_and_bounds_them),
		cmocka_unit_test_setup_teardown(
			test_cache_loads_by_name_and_reload_keeps_a_bad_one_out, cache_setup,
			cache_teardown),
		cmocka_unit_test_setup_teardown(test_cache_without_policy_dir, cache_setup,
						cache_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
