/*
 * import: a seccomp profile (moby, Podman or OCI JSON) into sysgate policy
 * text, deciding as runc and crun enforce that profile on x86_64. See
 * import.h for the contract and PROFILES.md (sections 1b-1d, 5) for the
 * runtime facts each step follows: archMap and includes/excludes resolved as
 * moby does, several comparisons of one argument as the OR runc and crun
 * enforce, several entries of one syscall as libseccomp's rule tree merges
 * them, names the runtime's libseccomp skips given the default.
 *
 * The profile is hostile input. Only three kinds of its text reach the
 * policy: syscall names this libseccomp (or sysgate's table of newer
 * syscalls) knows, numbers printed here, and comments with every control
 * character replaced, so that no profile can write a line of its own.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <seccomp.h>

#include "policy/facts.h"
#include "policy/import.h"
#include "policy/policy.h"
#include "sg-util.h"

const char *const import_docker_caps[] = {
	"CAP_CHOWN",
	"CAP_DAC_OVERRIDE",
	"CAP_FSETID",
	"CAP_FOWNER",
	"CAP_MKNOD",
	"CAP_NET_RAW",
	"CAP_SETGID",
	"CAP_SETUID",
	"CAP_SETFCAP",
	"CAP_SETPCAP",
	"CAP_NET_BIND_SERVICE",
	"CAP_SYS_CHROOT",
	"CAP_KILL",
	"CAP_AUDIT_WRITE",
	NULL,
};

#define NATIVE_ARCH "amd64"
#define MAX_ARGS 16 /* comparisons per entry; runc allows any number, 6 indexes */
/* Bounds on what a hostile profile can make the translator do (Docker's has
 * 33 entries and 426 names): the work per name and per pair of rules is
 * small, but not small enough for millions of them. */
#define MAX_ENTRIES 4096
#define MAX_NAMES 16384
#define MAX_RULES_PER_SYSCALL 256
#define HEADER_MAX 48	 /* a section name's limit (inih) */
#define LINE_MAX_OUT 160 /* a rule line; the loader takes up to 198 bytes */
#define RULE_MAX 1024	 /* a rule before it is broken into lines: 6 conditions */

enum act_kind { A_ALLOW, A_LOG, A_ERRNO, A_KILL_PROCESS, A_KILL_THREAD, A_TRAP, A_TRACE, A_NOTIFY };

struct act {
	enum act_kind kind;
	int err; /* A_ERRNO; A_TRACE: the tracer message (not an errno) */
};

enum op { OP_NE, OP_LT, OP_LE, OP_EQ, OP_GE, OP_GT, OP_MASKED_EQ };

struct cmp {
	unsigned index;
	enum op op;
	uint64_t value, value2;
	char *path; /* syscalls[i].args[j] */
};

struct ent {
	size_t idx; /* in syscalls[] */
	struct act act;
	size_t n_cmps;
	struct cmp cmps[MAX_ARGS];
	bool or_split; /* an index compared twice: each comparison is a rule of its own */
	char *comment;
	bool emitted_comment;
};

/* One syscall and the entries that name it, in order. */
struct sc {
	char *name;
	size_t *ents; /* indexes into ctx.ents */
	size_t n_ents;
};

struct buf {
	char *s;
	size_t len, cap;
	bool oom;
};

struct ctx {
	const struct import_options *o;
	struct import_result *res;
	bool podman;
	bool has_x86, has_x32, arches_given;
	struct act dflt;
	struct ent *ents;
	size_t n_ents;
	struct sc *scs;
	size_t n_scs;
	struct buf out;
	bool oom;
	size_t n_names; /* read so far, for MAX_NAMES */
	char **stub;	/* names runc's ENOSYS stub decides (runc_stub) */
	size_t n_stub;
};

/* ---- small helpers ---- */

static void bprintf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void bprintf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->oom)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = true;
			return;
		}
		if (b->s && b->len + (size_t)n < b->cap) {
			b->len += (size_t)n;
			return;
		}
		size_t cap = MAX(b->cap * 2, b->len + (size_t)n + 256);
		char *s = realloc(b->s, cap);

		if (!s) {
			b->oom = true;
			return;
		}
		b->s = s;
		b->cap = cap;
	}
}

static void report(struct ctx *c, enum import_severity sev, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void report(struct ctx *c, enum import_severity sev, const char *path, const char *fmt, ...)
{
	struct import_result *r = c->res;
	struct import_report *v;
	char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	v = realloc(r->reports, (r->n_reports + 1) * sizeof(*v));
	if (!msg || !v) {
		free(msg);
		if (v)
			r->reports = v;
		c->oom = true;
		return;
	}
	r->reports = v;
	v[r->n_reports].severity = sev;
	v[r->n_reports].msg = msg;
	v[r->n_reports].path = strdup(path ? path : "");
	if (!v[r->n_reports].path)
		c->oom = true;
	r->n_reports++;
	if (sev == IMPORT_ERROR)
		r->n_errors++;
	else if (sev == IMPORT_WARNING)
		r->n_warnings++;
	else
		r->n_notes++;
}

static char *pathf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *pathf(const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

static struct json_object *get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (!o || !json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

/* Present and not null. */
static struct json_object *get_set(struct json_object *o, const char *key)
{
	struct json_object *v = get(o, key);

	return v && !json_object_is_type(v, json_type_null) ? v : NULL;
}

static const char *type_name(struct json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_null:
		return "null";
	case json_type_boolean:
		return "a boolean";
	case json_type_double:
		return "a fraction";
	case json_type_int:
		return "an integer";
	case json_type_object:
		return "an object";
	case json_type_array:
		return "an array";
	case json_type_string:
		return "a string";
	}
	return "?";
}

/*
 * A JSON number as the runtimes read it: an unsigned integer of at most
 * max. runc (Go encoding/json into uint64/uint32) refuses negatives,
 * fractions and strings; crun accepts a negative as two's complement and a
 * string as a rule that never matches. Both readings cannot be had at once,
 * so anything but a plain unsigned integer is an error.
 */
static bool get_uint(struct ctx *c, struct json_object *v, const char *path, uint64_t max,
		     uint64_t *ret)
{
	int64_t i;

	if (!json_object_is_type(v, json_type_int)) {
		report(c, IMPORT_ERROR, path,
		       "%s where an unsigned integer is needed (runc refuses the profile%s)",
		       type_name(v),
		       json_object_is_type(v, json_type_string)
			       ? "; crun takes a string as a comparison that never matches"
			       : "");
		return false;
	}
	i = json_object_get_int64(v);
	if (i < 0) {
		report(c, IMPORT_ERROR, path,
		       "negative number %lld: runc refuses the profile, crun reads it as %llu; "
		       "write the unsigned value meant",
		       (long long)i, (unsigned long long)(uint64_t)i);
		return false;
	}
	*ret = i == INT64_MAX ? json_object_get_uint64(v) : (uint64_t)i;
	if (*ret > max) {
		report(c, IMPORT_ERROR, path, "%llu is out of range (at most %llu)",
		       (unsigned long long)*ret, (unsigned long long)max);
		return false;
	}
	return true;
}

/*
 * Go's encoding/json (runc, Docker, Podman) matches a key to a field
 * case-insensitively, with Unicode's simple folding: "Action", "ACTION" and
 * "nameſ" (U+017F) are "action" and "names" to them. So such a key is not
 * one the runtimes ignore: it is the field, and the last of them wins.
 */
bool policy_json_go_key_equal(const char *key, const char *known)
{
	const unsigned char *k = (const unsigned char *)key;

	for (; *known; known++) {
		unsigned char ch;

		if (k[0] == 0xc5 && k[1] == 0xbf) { /* U+017F, long s */
			ch = 's';
			k += 2;
		} else if (k[0] == 0xe2 && k[1] == 0x84 && k[2] == 0xaa) { /* U+212A, Kelvin */
			ch = 'k';
			k += 3;
		} else if (*k) {
			ch = (unsigned char)(*k >= 'A' && *k <= 'Z' ? *k + 32 : *k);
			k++;
		} else {
			return false;
		}
		if (ch != (unsigned char)(*known >= 'A' && *known <= 'Z' ? *known + 32 : *known))
			return false;
	}
	return !*k;
}

/* Keys the format knows; any other is reported and ignored, as the runtimes
 * ignore it. A spelling of a known key that Go takes for it is an error:
 * json-c (and so sysgate) reads the exact key, Go reads the last of them. */
static void check_keys(struct ctx *c, struct json_object *o, const char *path,
		       const char *const *known)
{
	json_object_object_foreach(o, key, val)
	{
		const char *fold = NULL;
		bool ok = false;

		(void)val;
		for (const char *const *k = known; *k && !ok; k++) {
			ok = streq(*k, key);
			if (!ok && !fold && policy_json_go_key_equal(key, *k))
				fold = *k;
		}
		if (!ok && fold)
			report(c, IMPORT_ERROR, path,
			       "key \"%.40s\" is \"%s\" to runc, Docker and Podman (Go matches "
			       "keys "
			       "case-insensitively, and the last one wins), but not to crun or "
			       "sysgate: write \"%s\" once",
			       key, fold, fold);
		else if (!ok)
			report(c, IMPORT_NOTE, path,
			       "unknown key \"%.40s\" ignored (the runtimes ignore it too)", key);
	}
}

/* A comment as ';' lines of at most ~150 bytes, broken after a space or a
 * comma where one is near; every control character becomes a space, so
 * that no text of the profile can end the comment and start a line. */
static void comment_line(struct buf *b, const char *prefix, const char *text)
{
	size_t len = strlen(text), at = 0;

	while (at < len) {
		size_t n = MIN(len - at, (size_t)150);

		if (at + n < len)
			for (size_t k = n; k > 100; k--)
				if (text[at + k - 1] == ' ' || text[at + k - 1] == ',') {
					n = k;
					break;
				}
		bprintf(b, "; %s", prefix);
		for (size_t i = 0; i < n; i++) {
			unsigned char ch = (unsigned char)text[at + i];

			bprintf(b, "%c", ch < 0x20 || ch == 0x7f ? ' ' : ch);
		}
		bprintf(b, "\n");
		at += n;
		prefix = "  ";
	}
}

/* ---- actions ---- */

static int rank(const struct act *a)
{
	switch (a->kind) {
	case A_KILL_PROCESS:
	case A_KILL_THREAD:
	case A_TRAP:
		return 4;
	case A_ERRNO:
	case A_TRACE:
		return 3;
	case A_NOTIFY:
		return 2;
	case A_ALLOW:
	case A_LOG:
		return 1;
	}
	return 0;
}

/* What libseccomp sees: KILL and KILL_THREAD are one action; an errno or a
 * trace message is part of the action. */
static bool act_same(const struct act *a, const struct act *b)
{
	enum act_kind x = a->kind == A_KILL_THREAD ? A_KILL_PROCESS + 100 : a->kind;
	enum act_kind y = b->kind == A_KILL_THREAD ? A_KILL_PROCESS + 100 : b->kind;

	if (x != y)
		return false;
	return (a->kind != A_ERRNO && a->kind != A_TRACE) || a->err == b->err;
}

/* The sysgate decision: key, and the errno that follows '=' (or NULL). */
static const char *act_key(const struct act *a)
{
	switch (a->kind) {
	case A_ALLOW:
		return "allow";
	case A_LOG:
		return "log";
	case A_ERRNO:
	case A_TRACE:
		return "deny";
	case A_NOTIFY:
		return "ask";
	default:
		return "kill";
	}
}

static void act_errno(const struct act *a, char *buf, size_t size)
{
	int e = a->kind == A_TRACE ? ENOSYS : a->err;
	const char *name = policy_errno_name(e);

	if (a->kind != A_ERRNO && a->kind != A_TRACE) {
		buf[0] = '\0';
		return;
	}
	if (name)
		snprintf(buf, size, "%s ", name);
	else
		snprintf(buf, size, "%d ", e);
}

static const struct {
	const char *name;
	enum act_kind kind;
} actions[] = {
	{"SCMP_ACT_ALLOW", A_ALLOW},	  {"SCMP_ACT_LOG", A_LOG},
	{"SCMP_ACT_ERRNO", A_ERRNO},	  {"SCMP_ACT_KILL_PROCESS", A_KILL_PROCESS},
	{"SCMP_ACT_KILL", A_KILL_THREAD}, {"SCMP_ACT_KILL_THREAD", A_KILL_THREAD},
	{"SCMP_ACT_TRAP", A_TRAP},	  {"SCMP_ACT_TRACE", A_TRACE},
	{"SCMP_ACT_NOTIFY", A_NOTIFY},
};

/*
 * An errno from errnoRet (a number) or, for Podman, from errno (a name or a
 * decimal; it wins over errnoRet). has: one was given. false on an error.
 */
static bool parse_errno(struct ctx *c, struct json_object *o, const char *num_key,
			const char *str_key, const char *path, bool *has, int *ret)
{
	struct json_object *s = get_set(o, str_key), *n = get_set(o, num_key);
	_cleanup_free_ char *p = NULL;
	uint64_t v;

	*has = false;
	if (s && c->podman) {
		int e;

		p = pathf("%s%s%s", path, *path ? "." : "", str_key);
		if (!p) {
			c->oom = true;
			return false;
		}
		if (!json_object_is_type(s, json_type_string)) {
			report(c, IMPORT_ERROR, p, "%s where an errno name is needed",
			       type_name(s));
			return false;
		}
		e = policy_errno_parse(json_object_get_string(s));
		if (e < 0) {
			report(c, IMPORT_ERROR, p, "unknown errno \"%.40s\" (Podman refuses it)",
			       json_object_get_string(s));
			return false;
		}
		*has = true;
		*ret = e;
		return true;
	}
	if (s)
		report(c, IMPORT_NOTE, path,
		       "\"%s\" is Podman's key: Docker, runc and crun ignore it (use --podman for "
		       "Podman's reading)",
		       str_key);
	if (!n)
		return true;
	p = pathf("%s%s%s", path, *path ? "." : "", num_key);
	if (!p) {
		c->oom = true;
		return false;
	}
	if (!get_uint(c, n, p, UINT32_MAX, &v))
		return false;
	*has = true;
	*ret = (int)v;
	return true;
}

/*
 * An action and its errno. ERRNO(0) is a fake success and ERRNO >= 4096
 * cannot load; TRAP and TRACE and NOTIFY are taken with a report.
 * is_default: for [sysgate] default, which takes no ask.
 */
static bool parse_action(struct ctx *c, struct json_object *o, const char *key, const char *num_key,
			 const char *str_key, const char *path, bool is_default, struct act *ret)
{
	struct json_object *a = get(o, key);
	_cleanup_free_ char *p = pathf("%s%s%s", path, *path ? "." : "", key);
	bool has = false;
	int err = EPERM;
	size_t i;

	if (!p) {
		c->oom = true;
		return false;
	}
	if (!a || !json_object_is_type(a, json_type_string)) {
		if (a)
			report(c, IMPORT_ERROR, p, "%s where an action name is needed",
			       type_name(a));
		else
			report(c, IMPORT_ERROR, p, "missing");
		return false;
	}
	for (i = 0; i < ARRAY_SIZE(actions); i++)
		if (streq(actions[i].name, json_object_get_string(a)))
			break;
	if (i == ARRAY_SIZE(actions)) {
		report(c, IMPORT_ERROR, p,
		       "unknown action \"%.40s\" (runc and crun refuse the profile)",
		       json_object_get_string(a));
		return false;
	}
	ret->kind = actions[i].kind;
	ret->err = 0;
	if (!parse_errno(c, o, num_key, str_key, path, &has, &err))
		return false;
	if (has && ret->kind != A_ERRNO && ret->kind != A_TRACE) {
		report(c, IMPORT_WARNING, path,
		       "an errno on %s: runc ignores it, crun refuses the profile; ignored",
		       actions[i].name);
		has = false;
	}
	switch (ret->kind) {
	case A_ERRNO:
		if (!has)
			err = EPERM;
		if (err == 0) {
			report(c, IMPORT_ERROR, p,
			       "SCMP_ACT_ERRNO with errno 0 makes the call return 0 without "
			       "running "
			       "it, a fake success sysgate cannot give; write a real errno, or "
			       "SCMP_ACT_ALLOW");
			return false;
		}
		if (err >= 65536) {
			report(c, IMPORT_ERROR, p,
			       "errno %d: runc and crun keep only its low 16 bits (%d); write that",
			       err, err & 0xffff);
			return false;
		}
		if (err >= 4095) {
			report(c, IMPORT_ERROR, p,
			       "errno %d: libseccomp refuses 4095 and above, so no runtime loads "
			       "this profile",
			       err);
			return false;
		}
		if (!policy_errno_in_range(err)) {
			report(c, IMPORT_ERROR, p,
			       "errno %d is a kernel-internal restart code that sysgate does not "
			       "return",
			       err);
			return false;
		}
		ret->err = err;
		break;
	case A_KILL_THREAD:
		report(c, IMPORT_NOTE, p,
		       "%s kills the calling thread; sysgate's kill kills the whole process "
		       "(as SCMP_ACT_KILL_PROCESS)",
		       actions[i].name);
		break;
	case A_TRAP:
		report(c, IMPORT_WARNING, p,
		       "SCMP_ACT_TRAP sends a catchable SIGSYS; sysgate has no trap and kills "
		       "the process instead (a program's SIGSYS handler would have run)");
		break;
	case A_TRACE:
		ret->err = has ? err : 0;
		report(c, IMPORT_NOTE, p,
		       "SCMP_ACT_TRACE without a tracer fails the call with ENOSYS, which is what "
		       "sysgate does (deny ENOSYS); under a tracer the runtime would let it "
		       "decide");
		break;
	case A_NOTIFY:
		if (is_default) {
			report(c, IMPORT_ERROR, p,
			       "SCMP_ACT_NOTIFY as the default: sysgate's default cannot be ask "
			       "(and "
			       "runc refuses this profile)");
			return false;
		}
		report(c, IMPORT_NOTE, p,
		       "SCMP_ACT_NOTIFY becomes ask: a person answers through sysgate prompt, "
		       "where the runtime handed the call to the agent at listenerPath");
		break;
	default:
		break;
	}
	return true;
}

/* ---- filters (moby's includes/excludes) ---- */

static bool has_cap(struct ctx *c, const char *cap)
{
	for (size_t i = 0; i < c->o->n_caps; i++)
		if (streq(c->o->caps[i], cap))
			return true;
	return false;
}

/* minKernel "X.Y": exactly two parts, each an 8-bit number, not 0.0. -1 on
 * a bad one (reported), else 1 if the kernel given is at least that. */
static int kernel_at_least(struct ctx *c, struct json_object *v, const char *path)
{
	const char *s = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
	unsigned a, b;
	int n = 0;

	if (!s || sscanf(s, "%3u.%3u%n", &a, &b, &n) != 2 || s[n] || a > 255 || b > 255 ||
	    (a == 0 && b == 0) || !(s[0] >= '0' && s[0] <= '9')) {
		report(c, IMPORT_ERROR, path,
		       "minKernel must be \"MAJOR.MINOR\" (two numbers up to 255, not 0.0); Docker "
		       "refuses this profile");
		return -1;
	}
	return c->o->kernel_major > a || (c->o->kernel_major == a && c->o->kernel_minor >= b);
}

static bool str_in(struct json_object *arr, const char *s)
{
	size_t n = json_object_is_type(arr, json_type_array) ? json_object_array_length(arr) : 0;

	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(arr, i);

		if (json_object_is_type(e, json_type_string) && streq(json_object_get_string(e), s))
			return true;
	}
	return false;
}

static bool check_str_array(struct ctx *c, struct json_object *arr, const char *path)
{
	if (!json_object_is_type(arr, json_type_array)) {
		report(c, IMPORT_ERROR, path, "%s where an array of strings is needed",
		       type_name(arr));
		return false;
	}
	for (size_t i = 0; i < json_object_array_length(arr); i++)
		if (!json_object_is_type(json_object_array_get_idx(arr, i), json_type_string)) {
			_cleanup_free_ char *p = pathf("%s[%zu]", path, i);

			report(c, IMPORT_ERROR, p ? p : path, "not a string");
			return false;
		}
	return true;
}

/*
 * Does entry e survive moby's resolution (seccomp_linux.go): excludes first
 * (arches, any cap in the bounding set, minKernel <= host), then includes
 * (arches, all caps, host >= minKernel). Podman ignores minKernel. -1 on a
 * bad filter (reported), 0 skipped, 1 kept. why: what skipped it.
 */
static int entry_applies(struct ctx *c, struct json_object *e, const char *path, char *why,
			 size_t why_size)
{
	static const char *const filter_keys[] = {"caps", "arches", "minKernel", NULL};
	struct json_object *ex = get_set(e, "excludes"), *in = get_set(e, "includes");
	const struct {
		struct json_object *f;
		const char *name;
	} fs[] = {{ex, "excludes"}, {in, "includes"}};

	for (size_t k = 0; k < 2; k++) {
		struct json_object *f = fs[k].f, *v;
		_cleanup_free_ char *p = pathf("%s.%s", path, fs[k].name);

		if (!p)
			return -ENOMEM;
		if (!f)
			continue;
		if (!json_object_is_type(f, json_type_object)) {
			report(c, IMPORT_ERROR, p, "%s where an object is needed", type_name(f));
			return -1;
		}
		check_keys(c, f, p, filter_keys);
		for (const char *const *key = filter_keys; *key; key++) {
			_cleanup_free_ char *kp = pathf("%s.%s", p, *key);

			if (!kp)
				return -ENOMEM;
			v = get_set(f, *key);
			if (v && !streq(*key, "minKernel") && !check_str_array(c, v, kp))
				return -1;
		}
	}
	if (ex) {
		struct json_object *arches = get_set(ex, "arches"), *caps = get_set(ex, "caps"),
				   *mk = get_set(ex, "minKernel");

		if (arches && str_in(arches, NATIVE_ARCH)) {
			snprintf(why, why_size, "excludes.arches has %s", NATIVE_ARCH);
			return 0;
		}
		for (size_t i = 0; caps && i < json_object_array_length(caps); i++) {
			const char *cap =
				json_object_get_string(json_object_array_get_idx(caps, i));

			if (has_cap(c, cap)) {
				snprintf(why, why_size,
					 "excludes.caps has %.40s, which the caps have", cap);
				return 0;
			}
		}
		if (mk && !c->podman) {
			_cleanup_free_ char *kp = pathf("%s.excludes.minKernel", path);
			int r = kernel_at_least(c, mk, kp ? kp : path);

			if (r < 0)
				return -1;
			if (r) {
				snprintf(why, why_size, "excludes.minKernel %.20s <= kernel %u.%u",
					 json_object_get_string(mk), c->o->kernel_major,
					 c->o->kernel_minor);
				return 0;
			}
		}
	}
	if (in) {
		struct json_object *arches = get_set(in, "arches"), *caps = get_set(in, "caps"),
				   *mk = get_set(in, "minKernel");

		if (arches && json_object_array_length(arches) > 0 &&
		    !str_in(arches, NATIVE_ARCH)) {
			snprintf(why, why_size, "includes.arches lacks %s", NATIVE_ARCH);
			return 0;
		}
		for (size_t i = 0; caps && i < json_object_array_length(caps); i++) {
			const char *cap =
				json_object_get_string(json_object_array_get_idx(caps, i));

			if (!has_cap(c, cap)) {
				snprintf(why, why_size,
					 "includes.caps has %.40s, which the caps lack", cap);
				return 0;
			}
		}
		if (mk && c->podman) {
			report(c, IMPORT_NOTE, path,
			       "includes.minKernel ignored: Podman does not read it");
		} else if (mk) {
			_cleanup_free_ char *kp = pathf("%s.includes.minKernel", path);
			int r = kernel_at_least(c, mk, kp ? kp : path);

			if (r < 0)
				return -1;
			if (!r) {
				snprintf(why, why_size, "kernel %u.%u < includes.minKernel %.20s",
					 c->o->kernel_major, c->o->kernel_minor,
					 json_object_get_string(mk));
				return 0;
			}
		}
	}
	return 1;
}

/* ---- names ---- */

static bool plain_name(const char *s)
{
	if (!*s || strlen(s) > 40)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

/* Known on some architecture other than the three sysgate supervises. */
static bool other_arch_name(const char *name)
{
	static const uint32_t arches[] = {
		SCMP_ARCH_ARM,	     SCMP_ARCH_AARCH64, SCMP_ARCH_MIPS,	  SCMP_ARCH_MIPS64,
		SCMP_ARCH_MIPS64N32, SCMP_ARCH_PPC,	SCMP_ARCH_PPC64,  SCMP_ARCH_PPC64LE,
		SCMP_ARCH_S390,	     SCMP_ARCH_S390X,	SCMP_ARCH_PARISC, SCMP_ARCH_RISCV64,
	};

	for (size_t i = 0; i < ARRAY_SIZE(arches); i++)
		if (seccomp_syscall_resolve_name_arch(arches[i], name) >= 0)
			return true;
	return false;
}

static struct sc *sc_find(struct ctx *c, const char *name)
{
	for (size_t i = 0; i < c->n_scs; i++)
		if (streq(c->scs[i].name, name))
			return &c->scs[i];
	return NULL;
}

/*
 * Validate syscalls[i].names[j]. A name the runtime's libseccomp cannot
 * resolve is skipped by runc and crun without a word: the default applies
 * to it there, and so it must here. Returns true to keep the name.
 */
static bool name_ok(struct ctx *c, const char *name, const char *path, const struct act *a)
{
	char lower[48];
	size_t n = strlen(name);

	if (!*name) {
		report(c, IMPORT_WARNING, path,
		       "an empty name: runc refuses the profile, crun skips it; skipped");
		return false;
	}
	if (!plain_name(name)) {
		bool upper = n < sizeof(lower);

		for (size_t i = 0; upper && i <= n; i++)
			lower[i] =
				(char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] + 32 : name[i]);
		if (upper && plain_name(lower) && policy_syscall_known(lower))
			report(c, IMPORT_WARNING, path,
			       "\"%s\" is not a syscall name (names are lower case: %s?); the "
			       "runtimes skip it, so the default applies to %s",
			       name, lower, lower);
		else
			report(c, IMPORT_NOTE, path,
			       "\"%.40s%s\" is not a syscall name; the runtimes skip it", name,
			       n > 40 ? "..." : "");
		return false;
	}
	if (policy_newer_syscall_by_name(name)) {
		bool deny = c->dflt.kind == A_ERRNO || c->dflt.kind == A_TRACE;
		const char *meant = act_same(a, &c->dflt) ? "" : act_key(a);

		report(c, IMPORT_NOTE, path,
		       "%s is newer than this libseccomp: runc and crun skip it, so the default "
		       "applies %s%s%s%s",
		       name,
		       deny ? "(runc's stub makes it ENOSYS, crun gives the default); sysgate "
			      "answers ENOSYS, as for every syscall libseccomp cannot name under a "
			      "deny default"
			    : "there and here",
		       *meant ? " (the profile meant " : "", meant, *meant ? " for it)" : "");
		return false;
	}
	if (!policy_syscall_known(name)) {
		if (other_arch_name(name))
			report(c, IMPORT_NOTE, path,
			       "%s exists on none of x86_64, i386 and x32; the runtimes ignore it "
			       "here",
			       name);
		else {
			const char *near = policy_syscall_nearest(name);

			report(c, IMPORT_NOTE, path,
			       "%s is unknown to this libseccomp; the runtimes skip it, so the "
			       "default applies%s%s%s",
			       name, near ? " (did you mean " : "", near ? near : "",
			       near ? "?)" : "");
		}
		return false;
	}
	return true;
}

/* ---- conditions ---- */

enum ct { CT_TEXT, CT_TRUE, CT_FALSE, CT_GAP, CT_I386 };

static const char *const op_tok[] = {
	[OP_NE] = "!=", [OP_LT] = "<",	[OP_LE] = "<=",
	[OP_EQ] = "==", [OP_GE] = ">=", [OP_GT] = ">",
};

static bool one_bit(uint64_t v)
{
	return v && !(v & (v - 1));
}

/*
 * The argument's name at index i in syscall, where it sits at i on x86_64
 * and on i386 alike and holds a value: a masked comparison needs a named
 * argument (the language has & MASK == VALUE and !& only on those), which
 * is compared as its type; for a mask within the type's width that is the
 * same bits the raw comparison looks at.
 */
static const char *named_at(const char *syscall, unsigned i, uint64_t mask)
{
	const struct syscall_args *a = policy_syscall_args(syscall);
	struct arg_place p64, p32;
	const char *name;

	if (!a || i > 5 || !a->a[i].name)
		return NULL;
	name = a->a[i].name;
	if (policy_arg_find_abi(syscall, name, false, &p64) < 0 ||
	    policy_arg_find_abi(syscall, name, true, &p32) < 0)
		return NULL;
	if (p64.where != ARGW_REGISTER || p32.where != ARGW_REGISTER || p64.index != (int)i ||
	    p32.index != (int)i || p64.type == ARGT_PTR)
		return NULL;
	if (policy_arg_value_fits(p64.type, (int64_t)mask))
		return NULL;
	/* sysgate compares the argument as its type on each ABI, the runtime
	 * the register: a mask wider than the type on either ABI tests bits
	 * only the runtime sees. i386's setuid takes a 16-bit uid, so `uid !&
	 * 0x7e020000` held for every i386 setuid (0xfffffffe included) where
	 * runc tested the register's bits: allowed what the profile kills. */
	for (size_t k = 0; k < 2; k++) {
		enum arg_type t = k ? p32.type : p64.type;

		if ((t == ARGT_INT || t == ARGT_UINT) && mask > UINT32_MAX)
			return NULL;
		if (t == ARGT_U16 && mask > UINT16_MAX)
			return NULL;
	}
	return name;
}

static void num(char *buf, size_t size, uint64_t v, bool octal)
{
	if (octal)
		snprintf(buf, size, "0%llo", (unsigned long long)v);
	else if (v < 10)
		snprintf(buf, size, "%llu", (unsigned long long)v);
	else
		snprintf(buf, size, "0x%llx", (unsigned long long)v);
}

/*
 * i386: libseccomp builds a 32-bit arch's filter from the low halves of the
 * mask and the datum alone (seccomp_export_pfc: mask = datum = 1 << 32 is
 * `$a1 & 0 == 0` there, a rule that always holds, and mask 0x1ffffffff with
 * datum 1 << 32 is `$a1 & 0xffffffff == 0`). sysgate compares the i386
 * register as 32 bits against the whole value, which never holds for a
 * datum above 32 bits. CT_I386 is that case: the rule means one thing on
 * x86_64 and another on i386, and a section cannot differ by ABI.
 */
static enum ct cond_text(const char *syscall, const struct cmp *m, bool i386, char *buf,
			 size_t size)
{
	char a[24], b[24];
	const char *name;

	if (m->op != OP_MASKED_EQ) {
		num(a, sizeof(a), m->value, false);
		snprintf(buf, size, "arg%u %s %s", m->index, op_tok[m->op], a);
		return CT_TEXT;
	}
	/* (arg & value) == valueTwo: value is the mask, valueTwo the datum. */
	if (m->value2 & ~m->value)
		return CT_FALSE;
	if (m->value == 0)
		return CT_TRUE;
	if (i386 && m->value2 > UINT32_MAX)
		return CT_I386;
	if (m->value2 == m->value && one_bit(m->value)) {
		num(a, sizeof(a), m->value, false);
		snprintf(buf, size, "arg%u & %s", m->index, a);
		return CT_TEXT;
	}
	name = named_at(syscall, m->index, m->value);
	if (!name)
		return CT_GAP;
	num(a, sizeof(a), m->value, streq(name, "mode"));
	num(b, sizeof(b), m->value2, streq(name, "mode"));
	if (m->value2 == 0)
		snprintf(buf, size, "%s !& %s", name, a);
	else if (m->value2 == m->value && one_bit(m->value))
		snprintf(buf, size, "%s & %s", name, a);
	else
		snprintf(buf, size, "%s & %s == %s", name, a, b);
	return CT_TEXT;
}

static bool int_typed(const char *syscall, unsigned i)
{
	const struct syscall_args *a = policy_syscall_args(syscall);

	return a && i <= 5 && a->a[i].name &&
	       (a->a[i].type == ARGT_INT || a->a[i].type == ARGT_UINT);
}

/* A set of comparisons joined by AND (one rule). */
struct alt {
	const struct ent *e;
	size_t n;
	const struct cmp *m[MAX_ARGS];
};

/* Can no call match both a and b? Conservative: true only when one index
 * has comparisons that exclude each other. */
static bool disjoint(const struct alt *a, const struct alt *b)
{
	for (unsigned i = 0; i < 6; i++) {
		uint64_t lo = 0, hi = UINT64_MAX;
		const struct alt *both[2] = {a, b};
		uint64_t eqv[2] = {0, 0};
		bool eq[2] = {false, false};

		for (size_t k = 0; k < 2; k++)
			for (size_t j = 0; j < both[k]->n; j++) {
				const struct cmp *m = both[k]->m[j];

				if (m->index != i)
					continue;
				switch (m->op) {
				case OP_EQ:
					lo = MAX(lo, m->value);
					hi = MIN(hi, m->value);
					eq[k] = true;
					eqv[k] = m->value;
					break;
				case OP_LT:
					if (m->value == 0)
						return true;
					hi = MIN(hi, m->value - 1);
					break;
				case OP_LE:
					hi = MIN(hi, m->value);
					break;
				case OP_GT:
					if (m->value == UINT64_MAX)
						return true;
					lo = MAX(lo, m->value + 1);
					break;
				case OP_GE:
					lo = MAX(lo, m->value);
					break;
				default:
					break;
				}
			}
		if (lo > hi)
			return true;
		/* EQ v against NE v, and MASKED_EQ with one mask and two data */
		for (size_t k = 0; k < 2; k++)
			for (size_t j = 0; j < both[1 - k]->n; j++) {
				const struct cmp *m = both[1 - k]->m[j];

				if (m->index == i && eq[k] && m->op == OP_NE && m->value == eqv[k])
					return true;
			}
		for (size_t j = 0; j < a->n; j++)
			for (size_t l = 0; l < b->n; l++) {
				const struct cmp *x = a->m[j], *y = b->m[l];

				if (x->index == i && y->index == i && x->op == OP_MASKED_EQ &&
				    y->op == OP_MASKED_EQ && x->value == y->value &&
				    x->value2 != y->value2)
					return true;
			}
	}
	return false;
}

/* ---- entries ---- */

static bool parse_args(struct ctx *c, struct json_object *e, const char *path, struct ent *ent)
{
	static const char *const arg_keys[] = {"index", "value", "valueTwo", "op", NULL};
	static const struct {
		const char *name;
		enum op op;
	} ops[] = {
		{"SCMP_CMP_NE", OP_NE},
		{"SCMP_CMP_LT", OP_LT},
		{"SCMP_CMP_LE", OP_LE},
		{"SCMP_CMP_EQ", OP_EQ},
		{"SCMP_CMP_GE", OP_GE},
		{"SCMP_CMP_GT", OP_GT},
		{"SCMP_CMP_MASKED_EQ", OP_MASKED_EQ},
	};
	struct json_object *args = get_set(e, "args");
	_cleanup_free_ char *ap = pathf("%s.args", path);
	unsigned seen = 0;
	bool ok = true;

	if (!ap)
		return false;
	if (!args)
		return true;
	if (!json_object_is_type(args, json_type_array)) {
		report(c, IMPORT_ERROR, ap, "%s where an array is needed", type_name(args));
		return false;
	}
	if (json_object_array_length(args) > MAX_ARGS) {
		report(c, IMPORT_ERROR, ap, "%zu comparisons in one entry; at most %d are read",
		       json_object_array_length(args), MAX_ARGS);
		return false;
	}
	for (size_t j = 0; j < json_object_array_length(args); j++) {
		struct json_object *a = json_object_array_get_idx(args, j), *v;
		struct cmp *m = &ent->cmps[ent->n_cmps];
		char *p = pathf("%s[%zu]", ap, j);
		_cleanup_free_ char *q = NULL;
		uint64_t x;
		size_t k;

		if (!p)
			return false;
		*m = (struct cmp){.path = p};
		ent->n_cmps++;
		if (!json_object_is_type(a, json_type_object)) {
			report(c, IMPORT_ERROR, p, "%s where an object is needed", type_name(a));
			ok = false;
			continue;
		}
		check_keys(c, a, p, arg_keys);
		q = pathf("%s.index", p);
		v = get(a, "index");
		if (!v) {
			report(c, IMPORT_ERROR, p, "no index");
			ok = false;
		} else if (get_uint(c, v, q, UINT32_MAX, &x)) {
			if (x > 5) {
				report(c, IMPORT_ERROR, q,
				       "index %llu: syscalls have arguments 0 to 5 (runc refuses "
				       "the "
				       "profile)",
				       (unsigned long long)x);
				ok = false;
			}
			m->index = (unsigned)x;
		} else {
			ok = false;
		}
		free(q);
		q = pathf("%s.value", p);
		v = get(a, "value");
		if (!v) {
			report(c, IMPORT_ERROR, p, "no value");
			ok = false;
		} else if (!get_uint(c, v, q, UINT64_MAX, &m->value)) {
			ok = false;
		}
		free(q);
		q = pathf("%s.valueTwo", p);
		v = get_set(a, "valueTwo");
		if (v && !get_uint(c, v, q, UINT64_MAX, &m->value2))
			ok = false;
		free(q);
		q = pathf("%s.op", p);
		v = get(a, "op");
		for (k = 0; v && json_object_is_type(v, json_type_string) && k < ARRAY_SIZE(ops);
		     k++)
			if (streq(ops[k].name, json_object_get_string(v)))
				break;
		if (!v || !json_object_is_type(v, json_type_string) || k == ARRAY_SIZE(ops)) {
			report(c, IMPORT_ERROR, q,
			       "%s: the operators are SCMP_CMP_NE, _LT, _LE, _EQ, _GE, _GT and "
			       "_MASKED_EQ",
			       v ? "unknown operator" : "missing");
			ok = false;
			continue;
		}
		m->op = ops[k].op;
		if (m->op != OP_MASKED_EQ && get_set(a, "valueTwo") && m->value2)
			report(c, IMPORT_NOTE, p, "valueTwo is used only by SCMP_CMP_MASKED_EQ");
		if (m->index <= 5) {
			if (seen & (1u << m->index))
				ent->or_split = true;
			seen |= 1u << m->index;
		}
	}
	if (ok && ent->or_split)
		report(c, IMPORT_WARNING, ap,
		       "an argument is compared more than once: runc and crun add each comparison "
		       "as a rule of its own, so the entry holds when ANY of its comparisons "
		       "does (OR, not AND); imported as that OR, one rule per comparison");
	return ok;
}

static int add_sc(struct ctx *c, const char *name, size_t ent)
{
	struct sc *s = sc_find(c, name);
	size_t *v;

	if (!s) {
		struct sc *n = realloc(c->scs, (c->n_scs + 1) * sizeof(*n));

		if (!n)
			return -ENOMEM;
		c->scs = n;
		s = &c->scs[c->n_scs];
		*s = (struct sc){.name = strdup(name)};
		if (!s->name)
			return -ENOMEM;
		c->n_scs++;
	}
	if (s->n_ents && s->ents[s->n_ents - 1] == ent)
		return 0; /* a name twice in one entry */
	v = realloc(s->ents, (s->n_ents + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	s->ents = v;
	s->ents[s->n_ents++] = ent;
	return 0;
}

/* One entry of syscalls[]: checked, resolved, its names collected. */
static int parse_entry(struct ctx *c, struct json_object *e, size_t i,
		       struct json_object *out_syscalls)
{
	static const char *const keys[] = {"names", "name",    "action",   "errnoRet", "errno",
					   "args",  "comment", "includes", "excludes", NULL};
	_cleanup_free_ char *path = pathf("syscalls[%zu]", i);
	struct json_object *names, *name, *cm;
	struct ent ent = {.idx = i};
	char why[128] = "";
	bool ok;
	int r;

	if (!path)
		return -ENOMEM;
	if (!json_object_is_type(e, json_type_object)) {
		report(c, IMPORT_ERROR, path, "%s where an object is needed", type_name(e));
		return 0;
	}
	check_keys(c, e, path, keys);
	names = get_set(e, "names");
	name = get_set(e, "name");
	if (names && name) {
		report(c, IMPORT_ERROR, path,
		       "both name and names: Docker and Podman refuse the profile");
		return 0;
	}
	if (name) {
		if (!json_object_is_type(name, json_type_string)) {
			report(c, IMPORT_ERROR, path, "name is %s, not a string", type_name(name));
			return 0;
		}
		report(c, IMPORT_WARNING, path,
		       "\"name\" is deprecated: Docker and Podman read it as names: [\"%.40s\"], "
		       "crun refuses it, and runc silently drops the whole entry; imported as "
		       "Docker reads it",
		       json_object_get_string(name));
	} else if (!names) {
		report(c, IMPORT_ERROR, path, "no names");
		return 0;
	} else if (!json_object_is_type(names, json_type_array)) {
		report(c, IMPORT_ERROR, path, "names is %s, not an array", type_name(names));
		return 0;
	}
	r = c->podman || get_set(e, "includes") || get_set(e, "excludes")
		    ? entry_applies(c, e, path, why, sizeof(why))
		    : 1;
	if (r < 0)
		return r == -ENOMEM ? r : 0;
	if (r == 0) {
		report(c, IMPORT_NOTE, path, "skipped for these caps, arch and kernel: %s", why);
		return 0;
	}
	ok = parse_action(c, e, "action", "errnoRet", "errno", path, false, &ent.act);
	ok = parse_args(c, e, path, &ent) && ok;
	cm = get_set(e, "comment");
	if (cm && json_object_is_type(cm, json_type_string) && *json_object_get_string(cm)) {
		ent.comment = strdup(json_object_get_string(cm));
		if (!ent.comment)
			return -ENOMEM;
	}
	if (!ok) {
		free(ent.comment);
		for (size_t k = 0; k < ent.n_cmps; k++)
			free(ent.cmps[k].path);
		return 0;
	}
	{
		struct ent *v = realloc(c->ents, (c->n_ents + 1) * sizeof(*v));

		if (!v)
			return -ENOMEM;
		c->ents = v;
		c->ents[c->n_ents] = ent;
	}
	/* What the runtime gets: the entry as moby copies it (names, action,
	 * errnoRet, args), for `--oci` and the tests that run it. */
	if (out_syscalls) {
		struct json_object *o = json_object_new_object(), *nm = json_object_new_array();

		if (!o || !nm)
			return -ENOMEM;
		json_object_object_add(o, "names", nm);
		json_object_object_add(o, "action", json_object_get(get(e, "action")));
		if (ent.act.kind == A_ERRNO || (ent.act.kind == A_TRACE && ent.act.err))
			json_object_object_add(o, "errnoRet", json_object_new_int(ent.act.err));
		if (get_set(e, "args"))
			json_object_object_add(o, "args", json_object_get(get(e, "args")));
		if (name)
			json_object_array_add(nm, json_object_get(name));
		for (size_t j = 0; names && j < json_object_array_length(names); j++)
			json_object_array_add(nm,
					      json_object_get(json_object_array_get_idx(names, j)));
		json_object_array_add(out_syscalls, o);
	}
	c->n_names += name ? 1 : json_object_array_length(names);
	if (c->n_names > MAX_NAMES) {
		report(c, IMPORT_ERROR, path, "more than %d names in the profile: not read",
		       MAX_NAMES);
		c->n_ents++;
		return 0;
	}
	for (size_t j = 0; j < (name ? 1 : json_object_array_length(names)); j++) {
		struct json_object *n = name ? name : json_object_array_get_idx(names, j);
		_cleanup_free_ char *np =
			name ? pathf("%s.name", path) : pathf("%s.names[%zu]", path, j);

		if (!np)
			return -ENOMEM;
		if (!json_object_is_type(n, json_type_string)) {
			report(c, IMPORT_ERROR, np, "%s where a syscall name is needed",
			       type_name(n));
			continue;
		}
		if (!name_ok(c, json_object_get_string(n), np, &ent.act))
			continue;
		r = add_sc(c, json_object_get_string(n), c->n_ents);
		if (r < 0)
			return r;
	}
	c->n_ents++;
	return 0;
}

/* ---- architectures ---- */

static void parse_arches(struct ctx *c, struct json_object *p, struct json_object *out)
{
	static const char *const archmap_keys[] = {"architecture", "subArchitectures", NULL};
	struct json_object *arches = get_set(p, "architectures"), *map = get_set(p, "archMap");
	struct json_object *list = NULL, *out_arches = json_object_new_array();

	if (arches && map) {
		report(c, IMPORT_ERROR, "archMap",
		       "both architectures and archMap: Docker and Podman refuse the profile");
		json_object_put(out_arches);
		return;
	}
	if (map) {
		if (!json_object_is_type(map, json_type_array)) {
			report(c, IMPORT_ERROR, "archMap", "%s where an array is needed",
			       type_name(map));
			json_object_put(out_arches);
			return;
		}
		for (size_t i = 0; i < json_object_array_length(map); i++) {
			struct json_object *m = json_object_array_get_idx(map, i), *a, *subs;
			_cleanup_free_ char *mp = pathf("archMap[%zu]", i);

			if (json_object_is_type(m, json_type_object))
				check_keys(c, m, mp ? mp : "archMap", archmap_keys);
			a = get_set(m, "architecture");
			if (!a || !json_object_is_type(a, json_type_string))
				continue;
			if (!streq(json_object_get_string(a), "SCMP_ARCH_X86_64"))
				continue;
			/* moby appends every matching entry's (no break there): two
			 * X86_64 entries give the union */
			if (!c->arches_given)
				json_object_array_add(out_arches,
						      json_object_new_string("SCMP_ARCH_X86_64"));
			c->arches_given = true;
			subs = get_set(m, "subArchitectures");
			if (subs && check_str_array(c, subs, mp ? mp : "archMap"))
				for (size_t k = 0; k < json_object_array_length(subs); k++) {
					const char *sa = json_object_get_string(
						json_object_array_get_idx(subs, k));

					c->has_x86 = c->has_x86 || streq(sa, "SCMP_ARCH_X86");
					c->has_x32 = c->has_x32 || streq(sa, "SCMP_ARCH_X32");
					json_object_array_add(out_arches,
							      json_object_new_string(sa));
				}
		}
		if (!c->arches_given)
			report(c, IMPORT_WARNING, "archMap",
			       "no entry for SCMP_ARCH_X86_64: on amd64 Docker gives the filter no "
			       "architectures, so i386 and x32 calls are killed");
		else
			report(c, IMPORT_NOTE, "archMap",
			       "resolved for amd64 (SCMP_ARCH_X86_64 and its subArchitectures); "
			       "the "
			       "other entries do not apply here");
	} else if (arches) {
		if (check_str_array(c, arches, "architectures")) {
			list = arches;
			c->arches_given = json_object_array_length(arches) > 0;
		}
	}
	for (size_t i = 0; list && i < json_object_array_length(list); i++) {
		const char *a = json_object_get_string(json_object_array_get_idx(list, i));

		if (streq(a, "SCMP_ARCH_X86"))
			c->has_x86 = true;
		else if (streq(a, "SCMP_ARCH_X32"))
			c->has_x32 = true;
		else if (streq(a, "SCMP_ARCH_NATIVE") && !c->podman)
			report(c, IMPORT_ERROR, "architectures",
			       "SCMP_ARCH_NATIVE is Podman's: runc and crun refuse it");
		if (!streq(a, "SCMP_ARCH_X86_64") || !map)
			json_object_array_add(out_arches, json_object_new_string(a));
	}
	/* The runtimes kill what the filter's architectures lack: [sysgate]
	 * abi = the ABIs it has does the same (abi_line). --allow-i386 keeps
	 * the old choice, deciding every ABI by the sections: then no key. */
	if (!c->has_x86 && c->o->allow_i386)
		report(c, IMPORT_WARNING, map ? "archMap" : "architectures",
		       "the profile does not cover SCMP_ARCH_X86: the runtimes kill every i386 "
		       "call (int $0x80), while sysgate decides them by the same sections as "
		       "x86_64 calls (--allow-i386 given: no abi key)");
	if (c->o->allow_i386 && !c->has_x32)
		report(c, IMPORT_NOTE, map ? "archMap" : "architectures",
		       "the profile does not cover SCMP_ARCH_X32: the runtimes kill x32 calls; "
		       "sysgate decides them by policy (--allow-i386 given: no abi key)");
	else if (!c->has_x86 || !c->has_x32)
		report(c, IMPORT_NOTE, map ? "archMap" : "architectures",
		       "the profile does not cover %s%s%s: the runtimes kill such calls "
		       "(the thread), and so does [sysgate] abi (the process)",
		       c->has_x86 ? "" : "SCMP_ARCH_X86", !c->has_x86 && !c->has_x32 ? " and " : "",
		       c->has_x32 ? "" : "SCMP_ARCH_X32");
	if (out && json_object_array_length(out_arches))
		json_object_object_add(out, "architectures", out_arches);
	else
		json_object_put(out_arches);
}

/* ---- emitting ---- */

struct out_rule {
	int rank;
	size_t order;
	const struct ent *e;
	char text[RULE_MAX + 48]; /* the key, an errno and conds[RULE_MAX] */
	size_t conds_at;	  /* where the conditions start in text */
};

/* Does every condition of a (joined by " and ") appear in b? Then a rule
 * of b's after one of a's can never match first. */
static bool conds_within(const char *a, const char *b)
{
	while (*a) {
		const char *and = strstr(a, " and ");
		size_t n = and? (size_t)(and-a) : strlen(a);
		const char *at = b;
		bool found = false;

		while (!found && (at = strstr(at, a)) != NULL) {
			found = (at == b || strncmp(at - 5, " and ", 5) == 0) &&
				(at[n] == '\0' || strncmp(at + n, " and ", 5) == 0);
			at++;
		}
		if (!found)
			return false;
		a += n;
		if (and)
			a += 5;
	}
	return true;
}

static int out_cmp(const void *a, const void *b)
{
	const struct out_rule *x = a, *y = b;

	if (x->rank != y->rank)
		return y->rank - x->rank;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* A rule, broken after an " and " into continued lines (" \\" and an
 * indented next line) where it would pass the loader's line limit. */
static void put_rule(struct buf *b, const char *text)
{
	size_t col = 0;

	while (*text) {
		const char *and = strstr(text, " and ");
		size_t n = and? (size_t)(and-text) + 4 : strlen(text);

		if (col && col + n > LINE_MAX_OUT) {
			bprintf(b, " \\\n   ");
			col = 3;
		}
		bprintf(b, "%.*s", (int)n, text);
		col += n;
		text += n;
	}
	bprintf(b, "\n");
}

static void write_rule(struct buf *b, const struct act *a, const char *conds)
{
	char e[24];

	act_errno(a, e, sizeof(e));
	bprintf(b, "%s = %s%s\n", act_key(a), e, conds);
}

/* The i386 multiplexer that also carries this syscall, or NULL. */
static const char *multiplexer(const char *name)
{
	for (unsigned i = 1; i <= POLICY_SOCKETCALL_MAX; i++)
		if (policy_socketcall_name(i) && streq(policy_socketcall_name(i), name))
			return "socketcall";
	for (unsigned i = 1; i <= POLICY_IPC_MAX; i++)
		if (policy_ipc_name(i) && streq(policy_ipc_name(i), name))
			return "ipc";
	return NULL;
}

/* The header token for one syscall: =NAME where NAME heads a family. */
static void header_name(const char *name, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s", policy_family(name) ? "=" : "", name);
}

/*
 * i386's socketcall and ipc under the runtime and under sysgate. libseccomp
 * turns a rule of a carried call C into `MUX(a0 == C)` with C's argument
 * conditions dropped, and an unconditional rule of MUX itself overrides all
 * of those (seccomp_export_pfc shows it); sysgate, whenever a carried
 * call's section is more than allow, decides every i386 MUX call by the
 * section of the call it carries. Where C's section has conditions sysgate
 * reads the arguments from memory and denies what would then be allowed,
 * so it is the stricter one (resolve_sc's warning). But where MUX has an
 * unconditional decision U and C is decided whole by something weaker
 * (allow under U's deny), sysgate lets MUX(C) through where the runtime
 * refuses it: with socketcall ERRNO(13), socket ALLOW and connect
 * ERRNO(13), i386 socketcall(SYS_SOCKET, AF_INET) got EACCES in runc and
 * crun and a socket under sysgate run (tests/import/battery.py). Returns
 * whether C (s) is such a call; *weaker: its decision.
 */
/*
 * Is e an unconditional rule to libseccomp? No comparisons, or only
 * SCMP_CMP_MASKED_EQ with mask 0 and datum 0, which libseccomp drops as
 * always true (seccomp_export_pfc: personality ERRNO(13) if arg1 & 0 == 0
 * then personality ALLOW is `action ERRNO(13)`: the first unconditional
 * rule wins) — or, in an entry split into one rule per comparison (an
 * argument compared twice), any such comparison. Taken as a conditional
 * "*", the ALLOW after it won in sysgate: allowed what runc denies.
 */
static bool cmp_always(const struct cmp *m)
{
	return m->op == OP_MASKED_EQ && m->value == 0 && m->value2 == 0;
}

static bool ent_uncond(const struct ent *e)
{
	size_t n_true = 0;

	for (size_t j = 0; j < e->n_cmps; j++)
		n_true += cmp_always(&e->cmps[j]);
	return e->n_cmps == 0 || n_true == e->n_cmps || (e->or_split && n_true > 0);
}

static const struct ent *unc_of(struct ctx *c, struct sc *s);
static bool carried_widens(struct ctx *c, struct sc *s, const struct act **weaker)
{
	const char *mux = multiplexer(s->name);
	struct sc *m = mux ? sc_find(c, mux) : NULL;
	const struct ent *mu = m ? unc_of(c, m) : NULL, *u = unc_of(c, s);

	if (!mux || !c->has_x86 || !mu || !u || act_same(&mu->act, &c->dflt))
		return false;
	if (weaker)
		*weaker = &u->act;
	return rank(&u->act) < rank(&mu->act);
}

/* The one entry that decides s whole (resolve_sc's *uncond), or NULL. */
static const struct ent *unc_of(struct ctx *c, struct sc *s)
{
	for (size_t k = 0; k < s->n_ents; k++) {
		const struct ent *e = &c->ents[s->ents[k]];

		if (!act_same(&e->act, &c->dflt) && ent_uncond(e))
			return e;
	}
	for (size_t k = 0; k < s->n_ents; k++)
		if (!act_same(&c->ents[s->ents[k]].act, &c->dflt))
			return NULL;
	return s->n_ents ? &c->ents[s->ents[0]] : NULL;
}

/* Report each carried call that (a) or (b) above widens: an error, since
 * sysgate would allow what the runtime refuses, unless --allow-i386 takes
 * sysgate's i386 decisions as they are. Only where sysgate notifies the
 * multiplexer at all (some carried call's section is more than allow). */
static void check_multiplexers(struct ctx *c)
{
	static const char *const muxes[] = {"socketcall", "ipc"};

	for (size_t x = 0; x < ARRAY_SIZE(muxes); x++) {
		bool forced = false;

		for (size_t i = 0; i < c->n_scs && !forced; i++) {
			const struct ent *u = unc_of(c, &c->scs[i]);
			const char *mux = multiplexer(c->scs[i].name);

			forced = mux && streq(mux, muxes[x]) &&
				 (!u || u->act.kind != A_ALLOW ||
				  (act_same(&u->act, &c->dflt) && c->dflt.kind != A_ALLOW));
		}
		for (size_t i = 0; forced && i < c->n_scs; i++) {
			struct sc *s = &c->scs[i];
			const char *mux = multiplexer(s->name);
			const struct act *low = NULL;
			struct sc *m = sc_find(c, muxes[x]);
			const struct ent *mu = m ? unc_of(c, m) : NULL;
			_cleanup_free_ char *p = NULL;
			char e[24];

			if (!mux || !streq(mux, muxes[x]) || !carried_widens(c, s, &low))
				continue;
			act_errno(low, e, sizeof(e));
			if (*e)
				e[strlen(e) - 1] = '\0';
			p = pathf("syscalls[%zu]", c->ents[s->ents[0]].idx);
			report(c, c->o->allow_i386 ? IMPORT_WARNING : IMPORT_ERROR, p ? p : "",
			       "%s on i386: the runtimes decide every %s(%s) as %s's own "
			       "unconditional entry syscalls[%zu] says (libseccomp lets it "
			       "override "
			       "the rules a carried call adds), while sysgate decides it by [%s], "
			       "which gives %s%s%s: sysgate would let through i386 calls the "
			       "runtime "
			       "refuses (--allow-i386 accepts sysgate's i386 decisions)",
			       s->name, muxes[x], s->name, muxes[x], mu->idx, s->name, act_key(low),
			       *e ? " " : "", e);
		}
	}
}

/*
 * Resolve one syscall's entries as libseccomp merges them (PROFILES.md 1d):
 * entries whose action is the default are skipped by both runtimes; the
 * first unconditional entry wins over everything; otherwise the conditional
 * rules, most restrictive first where they may overlap, then the default.
 * Either *uncond is set (the decision for a packed section) or the rules of
 * a section of its own are appended to body.
 */
static int resolve_sc(struct ctx *c, struct sc *s, const struct ent **uncond, struct buf *body)
{
	struct out_rule *rules = NULL;
	struct alt *alts = NULL;
	size_t n_rules = 0, n_alts = 0, n_live = 0;
	bool overlap = false, gap = false, int_noted = false;
	int r = 0;

	*uncond = NULL;
	for (size_t k = 0; k < s->n_ents; k++) {
		const struct ent *e = &c->ents[s->ents[k]];

		if (act_same(&e->act, &c->dflt))
			continue;
		n_live++;
		if (ent_uncond(e)) {
			*uncond = e;
			break;
		}
	}
	if (*uncond) {
		for (size_t k = 0; k < s->n_ents; k++) {
			const struct ent *e = &c->ents[s->ents[k]];
			_cleanup_free_ char *p = pathf("syscalls[%zu]", e->idx);

			if (e != *uncond && !act_same(&e->act, &c->dflt) &&
			    !act_same(&e->act, &(*uncond)->act))
				report(c, IMPORT_NOTE, p ? p : "",
				       "%s: the unconditional entry syscalls[%zu] decides it; "
				       "libseccomp drops this entry's rule",
				       s->name, (*uncond)->idx);
		}
		return 0;
	}
	if (n_live == 0) {
		/* Only entries the runtimes skip (their action is the default):
		 * the default, said explicitly where the profile names it. */
		*uncond = &c->ents[s->ents[0]];
		return 0;
	}
	{
		size_t n = 0;

		for (size_t k = 0; k < s->n_ents; k++)
			n += c->ents[s->ents[k]].or_split ? c->ents[s->ents[k]].n_cmps : 1;
		if (n > MAX_RULES_PER_SYSCALL) {
			_cleanup_free_ char *p = pathf("syscalls[%zu]", c->ents[s->ents[0]].idx);

			report(c, IMPORT_ERROR, p ? p : "",
			       "%s: %zu rules, more than a section may usefully have (%d)", s->name,
			       n, MAX_RULES_PER_SYSCALL);
			return 0;
		}
	}
	rules = calloc(MAX_ARGS * s->n_ents + 1, sizeof(*rules));
	alts = calloc(MAX_ARGS * s->n_ents + 1, sizeof(*alts));
	if (!rules || !alts) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t k = 0; k < s->n_ents; k++) {
		const struct ent *e = &c->ents[s->ents[k]];
		size_t n_groups = e->or_split ? e->n_cmps : 1;

		if (act_same(&e->act, &c->dflt))
			continue;
		for (size_t g = 0; g < n_groups; g++) {
			struct alt *al = &alts[n_alts];
			struct out_rule *o = &rules[n_rules];
			size_t from = e->or_split ? g : 0, to = e->or_split ? g + 1 : e->n_cmps;
			bool never = false, bad = false;
			char conds[RULE_MAX] = "";

			*al = (struct alt){.e = e};
			for (size_t j = from; j < to; j++) {
				char t[96];
				enum ct ct =
					cond_text(s->name, &e->cmps[j], c->has_x86, t, sizeof(t));

				if (ct == CT_I386) {
					report(c, IMPORT_ERROR, e->cmps[j].path,
					       "%s: SCMP_CMP_MASKED_EQ mask 0x%llx value 0x%llx on "
					       "arg%u: on i386 libseccomp compares only the low 32 "
					       "bits of mask and value (arg%u & 0x%llx == 0x%llx), "
					       "which is another rule than on x86_64, and a "
					       "section "
					       "cannot differ by ABI",
					       s->name, (unsigned long long)e->cmps[j].value,
					       (unsigned long long)e->cmps[j].value2,
					       e->cmps[j].index, e->cmps[j].index,
					       (unsigned long long)(e->cmps[j].value & UINT32_MAX),
					       (unsigned long long)(e->cmps[j].value2 &
								    UINT32_MAX));
					bad = true;
				} else if (ct == CT_FALSE) {
					report(c, IMPORT_NOTE, e->cmps[j].path,
					       "valueTwo has bits outside the mask (value): this "
					       "comparison never holds, so this rule never "
					       "matches");
					never = true;
				} else if (ct == CT_GAP) {
					report(c, IMPORT_ERROR, e->cmps[j].path,
					       "%s: SCMP_CMP_MASKED_EQ mask 0x%llx value 0x%llx on "
					       "arg%u: sysgate can say a masked comparison only of "
					       "a "
					       "named argument, and arg%u of %s has no name that "
					       "holds this mask on x86_64 and i386 alike",
					       s->name, (unsigned long long)e->cmps[j].value,
					       (unsigned long long)e->cmps[j].value2,
					       e->cmps[j].index, e->cmps[j].index, s->name);
					bad = true;
				} else if (ct == CT_TRUE) {
					report(c, IMPORT_NOTE, e->cmps[j].path,
					       "a mask of 0 with valueTwo 0 always holds");
				} else {
					size_t l = strlen(conds);

					if (e->cmps[j].op != OP_MASKED_EQ && !int_noted &&
					    int_typed(s->name, e->cmps[j].index)) {
						int_noted = true;
						report(c, IMPORT_NOTE, e->cmps[j].path,
						       "%s: arg%u is an int, compared here as 64 "
						       "bits "
						       "as the runtime's filter compares it (a "
						       "caller "
						       "that sets the upper half misses the rule "
						       "in "
						       "both); kept as the raw arg%u",
						       s->name, e->cmps[j].index, e->cmps[j].index);
					}

					snprintf(conds + l, sizeof(conds) - l, "%s%s",
						 l ? " and " : "", t);
					al->m[al->n++] = &e->cmps[j];
				}
			}
			if (never)
				continue;
			if (bad) {
				gap = true;
				continue;
			}
			if (!*conds)
				strcpy(conds, "*");
			o->rank = rank(&e->act);
			o->order = n_rules;
			o->e = e;
			{
				char en[24];

				act_errno(&e->act, en, sizeof(en));
				snprintf(o->text, sizeof(o->text), "%s = %s%s", act_key(&e->act),
					 en, conds);
				o->conds_at = strlen(o->text) - strlen(conds);
			}
			n_rules++;
			n_alts++;
		}
	}
	for (size_t x = 0; x < n_alts && !overlap; x++)
		for (size_t y = x + 1; y < n_alts && !overlap; y++)
			if (!act_same(&alts[x].e->act, &alts[y].e->act) &&
			    !disjoint(&alts[x], &alts[y]))
				overlap = true;
	{
		/* libseccomp 2.5 (Debian 12's) merges a comparison of a register's
		 * high word wrongly with the syscall's other comparisons
		 * (GHSA-4q85-33p6-j5g6, fixed in 2.6.1; export keeps such a
		 * comparison alone for that reason): with kill if arg2 >=
		 * 0x100000005 or arg2 <= 0, runc and crun kill kill(pid, sig, 3) */
		size_t n_cmps = 0;
		const struct cmp *high = NULL;

		for (size_t x = 0; x < n_alts; x++)
			for (size_t j = 0; j < alts[x].n; j++) {
				const struct cmp *m = alts[x].m[j];

				n_cmps++;
				if (m->op != OP_EQ && m->op != OP_MASKED_EQ &&
				    m->value > UINT32_MAX)
					high = m;
				if (m->op == OP_MASKED_EQ &&
				    (m->value > UINT32_MAX || m->value2 > UINT32_MAX))
					high = m;
			}
		if (high && n_cmps > 1)
			report(c, IMPORT_WARNING, high->path,
			       "%s: libseccomp 2.5 mis-merges a comparison of the register's high "
			       "word with the syscall's other comparisons (GHSA-4q85-33p6-j5g6, "
			       "fixed in 2.6.1): runc and crun here may decide calls otherwise "
			       "than the profile says (kill if arg2 >= 0x100000005 or arg2 <= 0 "
			       "killed arg2 == 3); sysgate decides as the profile says",
			       s->name);
	}
	if (overlap) {
		_cleanup_free_ char *p = pathf("syscalls[%zu]", alts[0].e->idx);

		report(c, IMPORT_WARNING, p ? p : "",
		       "%s: entries with different actions may match the same call; libseccomp "
		       "merges them by its rule tree (neither first nor most restrictive always "
		       "wins), so runtimes may differ; imported most restrictive first",
		       s->name);
	}
	if (c->has_x86 && multiplexer(s->name) && n_rules) {
		_cleanup_free_ char *p = pathf("syscalls[%zu].args", alts[0].e->idx);

		report(c, IMPORT_WARNING, p ? p : "",
		       "%s on i386: libseccomp turns this rule into %s without its argument "
		       "conditions, so the runtimes apply it to every such call made through "
		       "%s; sysgate judges the carried call's arguments (copied from memory: an "
		       "allow after them is denied)",
		       s->name, multiplexer(s->name), multiplexer(s->name));
	}
	(void)gap;
	qsort(rules, n_rules, sizeof(*rules), out_cmp);
	for (size_t k = 0; k < n_rules; k++) {
		size_t l = 0;

		/* a rule twice (Podman's file repeats a socket entry): once */
		while (l < k && strcmp(rules[l].text, rules[k].text) != 0)
			l++;
		if (l < k) {
			_cleanup_free_ char *p = pathf("syscalls[%zu]", rules[k].e->idx);

			report(c, IMPORT_NOTE, p ? p : "",
			       "%s: repeats a rule of syscalls[%zu]; merged", s->name,
			       rules[l].e->idx);
			continue;
		}
		for (l = 0; l < k; l++)
			if (conds_within(rules[l].text + rules[l].conds_at,
					 rules[k].text + rules[k].conds_at))
				break;
		if (l < k) {
			/* an earlier rule (more restrictive, or the same) takes
			 * every call this one matches: a dead line */
			_cleanup_free_ char *p = pathf("syscalls[%zu]", rules[k].e->idx);

			report(c, IMPORT_NOTE, p ? p : "",
			       "%s: a rule of syscalls[%zu] (%s) decides every call this entry's "
			       "rule (%s) matches, in sysgate's order; left out",
			       s->name, rules[l].e->idx, rules[l].text, rules[k].text);
			continue;
		}
		put_rule(body, rules[k].text);
		/* a rule that always holds (a mask of 0) decides every call that
		 * reaches it: the rules after it would be dead lines, which the
		 * loader warns about */
		if (strcmp(rules[k].text + strlen(rules[k].text) - 1, "*") == 0) {
			_cleanup_free_ char *p =
				k + 1 < n_rules ? pathf("syscalls[%zu]", rules[k + 1].e->idx)
						: NULL;

			if (p)
				report(c, IMPORT_NOTE, p,
				       "%s: after a rule of syscalls[%zu] that always holds, "
				       "its other rules decide nothing; left out",
				       s->name, rules[k].e->idx);
			break;
		}
	}
	if (n_rules == 0)
		write_rule(body, &c->dflt, "*");
out:
	free(rules);
	free(alts);
	return r;
}

static void emit_comment(struct ctx *c, struct ent *e)
{
	char prefix[48];

	if (e->emitted_comment)
		return;
	e->emitted_comment = true;
	snprintf(prefix, sizeof(prefix), "syscalls[%zu]%s", e->idx, e->comment ? ": " : "");
	if (e->comment)
		comment_line(&c->out, prefix, e->comment);
	else
		bprintf(&c->out, "; %s\n", prefix);
}

static void default_line(struct ctx *c)
{
	char e[24];

	act_errno(&c->dflt, e, sizeof(e));
	switch (c->dflt.kind) {
	case A_ALLOW:
		bprintf(&c->out, "default = allow\n");
		break;
	case A_LOG:
		bprintf(&c->out, "default = log\n");
		break;
	case A_ERRNO:
	case A_TRACE:
		bprintf(&c->out, "default = deny %.*s\n", (int)strlen(e) - 1, e);
		break;
	default:
		bprintf(&c->out, "default = kill\n");
		break;
	}
}

/*
 * Can group g stand for its members here: every syscall of it that sysgate
 * can name is decided unconditionally as a, by a name not yet written, and
 * one of them is first named by entry e? A group section covers exactly
 * its members (the more specific sections of other names do not touch it),
 * so a full allowlist becomes one line.
 */
static bool group_fits(struct ctx *c, const struct policy_group *g, const struct act *a,
		       const bool *done, const struct ent *const *unc, size_t e)
{
	bool home = false;

	for (const char *const *n = g->syscalls; *n; n++) {
		struct sc *s;
		size_t i;

		if (!policy_syscall_known(*n))
			continue; /* the loader skips it too */
		s = sc_find(c, *n);
		if (!s)
			return false;
		i = (size_t)(s - c->scs);
		if (done[i] || !unc[i] || !act_same(&unc[i]->act, a) || unc[i]->act.kind != a->kind)
			return false;
		home = home || s->ents[0] == e;
	}
	return home;
}

static size_t group_size(const struct policy_group *g)
{
	size_t n = 0;

	while (g->syscalls[n])
		n++;
	return n;
}

/* Write the largest groups that fit entry e's unconditional names. */
static void emit_groups(struct ctx *c, size_t e, bool *done, const struct ent *const *unc)
{
	for (;;) {
		const struct policy_group *best = NULL;
		const struct act *act = NULL;

		for (size_t i = 0; i < c->n_scs; i++) {
			if (done[i] || !unc[i] || c->scs[i].ents[0] != e)
				continue;
			for (const struct policy_group *g = policy_groups; g->name; g++)
				if ((!best || group_size(g) > group_size(best)) &&
				    group_fits(c, g, &unc[i]->act, done, unc, e)) {
					best = g;
					act = &unc[i]->act;
				}
		}
		if (!best)
			return;
		emit_comment(c, &c->ents[e]);
		bprintf(&c->out, "[@%s]\n", best->name);
		write_rule(&c->out, act, "*");
		c->res->n_sections++;
		for (const char *const *n = best->syscalls; *n; n++) {
			struct sc *s = policy_syscall_known(*n) ? sc_find(c, *n) : NULL;

			if (s)
				done[s - c->scs] = true;
		}
	}
}

static int emit(struct ctx *c)
{
	struct buf body = {};
	int r = 0;
	bool *done = calloc(c->n_scs + 1, sizeof(*done));
	const struct ent **unc = calloc(c->n_scs + 1, sizeof(*unc));
	char **own = calloc(c->n_scs + 1, sizeof(*own));

	if (!done || !unc || !own) {
		r = -ENOMEM;
		goto out;
	}
	/* Decide every syscall first, then write them entry by entry, each
	 * where the profile first names it. */
	for (size_t i = 0; i < c->n_scs; i++) {
		body = (struct buf){};
		r = resolve_sc(c, &c->scs[i], &unc[i], &body);
		if (r < 0 || body.oom) {
			free(body.s);
			r = r < 0 ? r : -ENOMEM;
			goto out;
		}
		own[i] = body.s;
	}
	for (size_t e = 0; e < c->n_ents; e++) {
		emit_groups(c, e, done, unc);
		/* packed sections: names decided unconditionally with this entry
		 * (its own action, or another entry's that won) */
		for (size_t pass = 0; pass < 2; pass++)
			for (size_t i = 0; i < c->n_scs; i++) {
				char header[HEADER_MAX + 1] = "";
				const struct act *a;

				if (done[i] || c->scs[i].ents[0] != e)
					continue;
				if (pass == 1 && own[i]) {
					char h[48];

					emit_comment(c, &c->ents[e]);
					header_name(c->scs[i].name, h, sizeof(h));
					bprintf(&c->out, "[%s]\n%s", h, own[i]);
					done[i] = true;
					c->res->n_sections++;
					continue;
				}
				if (pass == 1 || !unc[i])
					continue;
				a = &unc[i]->act;
				emit_comment(c, &c->ents[e]);
				/* this name and the following ones of the same decision */
				for (size_t j = i; j < c->n_scs; j++) {
					char h[48];

					if (done[j] || c->scs[j].ents[0] != e || !unc[j] ||
					    !act_same(&unc[j]->act, a) ||
					    unc[j]->act.kind != a->kind)
						continue;
					header_name(c->scs[j].name, h, sizeof(h));
					if (*header && strlen(header) + 2 + strlen(h) > HEADER_MAX)
						continue;
					snprintf(header + strlen(header),
						 sizeof(header) - strlen(header), "%s%s",
						 *header ? ", " : "", h);
					done[j] = true;
				}
				bprintf(&c->out, "[%s]\n", header);
				write_rule(&c->out, a, "*");
				c->res->n_sections++;
			}
		if (c->ents[e].emitted_comment)
			bprintf(&c->out, "\n");
	}
	if (c->out.oom)
		r = -ENOMEM;
out:
	for (size_t i = 0; own && i < c->n_scs; i++)
		free(own[i]);
	free(own);
	free(unc);
	free(done);
	return r;
}

/*
 * sysgate adds an implicit [io_uring] deny = * (EPERM) whenever a policy
 * supervises anything; the runtimes give the io_uring calls a profile does
 * not name its default. Say the default for them, so that sysgate decides
 * them as the runtimes do (io_uring's operations are then as open to the
 * program as the profile left them).
 */
static bool stub_has(struct ctx *c, const char *name);
static void emit_io_uring(struct ctx *c)
{
	static const char *const calls[] = {"io_uring_setup", "io_uring_enter",
					    "io_uring_register"};
	char header[HEADER_MAX + 16] = "";
	size_t n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(calls); i++)
		if (!sc_find(c, calls[i]) && !stub_has(c, calls[i])) {
			snprintf(header + strlen(header), sizeof(header) - strlen(header), "%s%s",
				 *header ? ", " : "", calls[i]);
			n++;
		}
	if (!n)
		return;
	if (n == ARRAY_SIZE(calls))
		snprintf(header, sizeof(header), "io_uring"); /* the family: all three */
	bprintf(&c->out,
		"; not in the profile: the default, as the runtimes give it (sysgate would "
		"otherwise deny io_uring with EPERM)\n[%s]\n",
		header);
	write_rule(&c->out, &c->dflt, "*");
	c->res->n_sections++;
	if (c->dflt.kind == A_ALLOW || c->dflt.kind == A_LOG)
		report(c, IMPORT_NOTE, "",
		       "the profile leaves io_uring to its default (allowed): io_uring carries out "
		       "opens, connects and more without a syscall any filter sees");
}

/* A few facts where sysgate itself decides otherwise than any profile. */
static void sysgate_facts(struct ctx *c)
{
	struct sc *s = sc_find(c, "ioctl");

	if (s)
		report(c, IMPORT_NOTE, "",
		       "sysgate always denies ioctl TIOCSTI and TIOCLINUX (EPERM), whatever the "
		       "profile allows");
	if (c->dflt.kind == A_ALLOW || c->dflt.kind == A_LOG)
		return;
	/* sysgate lets these through unless a section names them; the
	 * runtimes give them the default */
	for (const char *const *n = policy_always_allowed; *n; n++)
		if (!sc_find(c, *n))
			report(c, IMPORT_WARNING, "",
			       "the profile does not name %s, so the runtimes give it the default; "
			       "sysgate always lets a process exit and return from signals (exit, "
			       "exit_group, rt_sigreturn, sigreturn) unless a section names them",
			       *n);
}

/* The highest number arch gives a syscall the profile names, or -1. */
static int max_named(struct ctx *c, uint32_t arch, const char **ret_name)
{
	int max = -1;

	for (size_t i = 0; i < c->n_scs; i++) {
		int nr = seccomp_syscall_resolve_name_arch(arch, c->scs[i].name);

		if (nr > max) {
			max = nr;
			*ret_name = c->scs[i].name;
		}
	}
	return max;
}

static bool stub_has(struct ctx *c, const char *name)
{
	for (size_t i = 0; i < c->n_stub; i++)
		if (streq(c->stub[i], name))
			return true;
	return false;
}

/*
 * runc's -ENOSYS stub (PROFILES.md section 2): when the profile has
 * architectures and its default is neither allow, log nor trace, runc
 * answers ENOSYS to every syscall numbered above the highest the profile
 * names on that arch, where crun gives the default. Docker runs runc, so
 * for the OCI and moby dialects those syscalls get deny ENOSYS here (libc
 * falls back on ENOSYS); Podman runs crun, so its dialect keeps the
 * default. Only where x86_64 and i386 agree: a name above the x86_64
 * highest but below the i386 one is left to the default, with a note.
 */
static void runc_stub(struct ctx *c)
{
	const char *name64 = NULL, *name32 = NULL;
	char header[HEADER_MAX + 1] = "";
	int max64, max32;
	struct act enosys = {.kind = A_ERRNO, .err = ENOSYS};
	bool any = false;

	if (!c->arches_given || c->dflt.kind == A_ALLOW || c->dflt.kind == A_LOG ||
	    c->dflt.kind == A_TRACE || (c->dflt.kind == A_ERRNO && c->dflt.err == ENOSYS))
		return;
	max64 = max_named(c, SCMP_ARCH_X86_64, &name64);
	max32 = c->has_x86 ? max_named(c, SCMP_ARCH_X86, &name32) : -1;
	if (max64 < 0)
		return;
	if (c->podman) {
		report(c, IMPORT_NOTE, "",
		       "runc would answer ENOSYS to x86_64 syscalls numbered above %d (%s), the "
		       "highest this profile names; Podman runs crun, which gives them the "
		       "default, and so does this policy",
		       max64, name64);
		return;
	}
	for (int nr = max64 + 1; nr < 1024; nr++) {
		_cleanup_free_ char *n = seccomp_syscall_resolve_num_arch(SCMP_ARCH_X86_64, nr);
		const struct newer_syscall *nw = policy_newer_syscall(nr);
		const char *name = n ? n : nw ? nw->name : NULL;
		int nr32;
		char **v;

		if (!name || sc_find(c, name) || !plain_name(name))
			continue;
		nr32 = n ? seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86, name) : nr;
		if (c->has_x86 && nr32 >= 0 && nr32 <= max32) {
			report(c, IMPORT_NOTE, "",
			       "%s: runc answers ENOSYS on x86_64 (above %s) but the default on "
			       "i386; sysgate gives it the default on both",
			       name, name64);
			continue;
		}
		v = realloc(c->stub, (c->n_stub + 1) * sizeof(*v));
		if (!v || !(v[c->n_stub] = strdup(name))) {
			if (v)
				c->stub = v;
			c->oom = true;
			return;
		}
		c->stub = v;
		c->n_stub++;
		if (!any)
			bprintf(&c->out,
				"; runc answers ENOSYS to the syscalls numbered above the highest "
				"the profile names (%s, %d)\n",
				name64, max64);
		any = true;
		if (*header && strlen(header) + 2 + strlen(name) > HEADER_MAX) {
			bprintf(&c->out, "[%s]\n", header);
			write_rule(&c->out, &enosys, "*");
			c->res->n_sections++;
			*header = '\0';
		}
		snprintf(header + strlen(header), sizeof(header) - strlen(header), "%s%s%s",
			 *header ? ", " : "", policy_family(name) ? "=" : "", name);
	}
	if (*header) {
		bprintf(&c->out, "[%s]\n", header);
		write_rule(&c->out, &enosys, "*");
		c->res->n_sections++;
	}
	if (any)
		report(c, IMPORT_NOTE, "",
		       "runc answers ENOSYS (not the default) to the %zu syscalls numbered above "
		       "%d (%s), the highest this profile names; so does this policy (crun would "
		       "give them the default)",
		       c->n_stub, max64, name64);
}

static const char *const top_keys[] = {
	"defaultAction", "defaultErrnoRet", "defaultErrno",	"architectures", "archMap",
	"flags",	 "listenerPath",    "listenerMetadata", "syscalls",	 NULL,
};

static enum import_dialect detect(struct json_object *p, bool podman)
{
	struct json_object *sys = get_set(p, "syscalls");
	bool moby = get_set(p, "archMap") != NULL;

	if (podman || get_set(p, "defaultErrno"))
		return IMPORT_PODMAN;
	for (size_t i = 0;
	     sys && json_object_is_type(sys, json_type_array) && i < json_object_array_length(sys);
	     i++) {
		struct json_object *e = json_object_array_get_idx(sys, i);

		if (get_set(e, "errno"))
			return IMPORT_PODMAN;
		if (get(e, "includes") || get(e, "excludes") || get(e, "name") || get(e, "comment"))
			moby = true;
	}
	return moby ? IMPORT_MOBY : IMPORT_OCI;
}

const char *import_dialect_name(enum import_dialect d)
{
	return d == IMPORT_PODMAN ? "Podman" : d == IMPORT_MOBY ? "Docker (moby)" : "OCI";
}

int policy_import(const struct json_object *cp, const struct import_options *o,
		  struct import_result *ret)
{
	struct json_object *p = (struct json_object *)cp; /* json-c's getters take no const */
	struct ctx c = {.o = o, .res = ret};
	struct json_object *sys, *resolved = json_object_new_object(), *rsys = NULL;
	int r = 0;

	*ret = (struct import_result){};
	if (!resolved)
		return -ENOMEM;
	if (!json_object_is_type(p, json_type_object)) {
		report(&c, IMPORT_ERROR, "", "the profile is %s, not a JSON object", type_name(p));
		r = -EINVAL;
		goto out;
	}
	ret->dialect = detect(p, o->podman);
	c.podman = ret->dialect == IMPORT_PODMAN;
	report(&c, IMPORT_NOTE, "", "read as the %s dialect%s", import_dialect_name(ret->dialect),
	       c.podman && !o->podman ? " (it has Podman's errno names)" : "");
	check_keys(&c, p, "", top_keys);
	sys = get_set(p, "syscalls");
	if (!get(p, "defaultAction") && !sys) {
		report(&c, IMPORT_NOTE, "",
		       "no defaultAction and no syscalls: Docker and Podman run the container "
		       "without seccomp, so everything is allowed");
		c.dflt.kind = A_ALLOW;
	} else if (!parse_action(&c, p, "defaultAction", "defaultErrnoRet", "defaultErrno", "",
				 true, &c.dflt)) {
		r = -EINVAL;
		goto out;
	}
	if (!c.oom) {
		json_object_object_add(resolved, "defaultAction",
				       json_object_get(get(p, "defaultAction")));
		if (c.dflt.kind == A_ERRNO)
			json_object_object_add(resolved, "defaultErrnoRet",
					       json_object_new_int(c.dflt.err));
	}
	if (ret->dialect == IMPORT_MOBY && get_set(p, "defaultErrnoRet"))
		report(&c, IMPORT_NOTE, "defaultErrnoRet",
		       "Docker 20.10 drops defaultErrnoRet (its calls get EPERM); Docker 23 and "
		       "later, Podman, runc and crun honour it");
	if (get_set(p, "flags"))
		report(&c, IMPORT_NOTE, "flags",
		       "not carried over: sysgate loads its own filter with its own flags");
	if (get_set(p, "listenerPath") || get_set(p, "listenerMetadata"))
		report(&c, IMPORT_NOTE,
		       get_set(p, "listenerPath") ? "listenerPath" : "listenerMetadata",
		       "dropped: sysgate itself is the listener (its notified calls are asks)");
	parse_arches(&c, p, resolved);
	if (sys && !json_object_is_type(sys, json_type_array)) {
		report(&c, IMPORT_ERROR, "syscalls", "%s where an array is needed", type_name(sys));
	} else if (sys) {
		rsys = json_object_new_array();
		if (!rsys) {
			r = -ENOMEM;
			goto out;
		}
		json_object_object_add(resolved, "syscalls", rsys);
		if (json_object_array_length(sys) > MAX_ENTRIES) {
			report(&c, IMPORT_ERROR, "syscalls",
			       "%zu entries: more than sysgate import reads (%d)",
			       json_object_array_length(sys), MAX_ENTRIES);
			r = -EINVAL;
			goto out;
		}
		for (size_t i = 0; i < json_object_array_length(sys) && r == 0; i++)
			r = parse_entry(&c, json_object_array_get_idx(sys, i), i, rsys);
		if (r < 0)
			goto out;
	}
	if (c.oom) {
		r = -ENOMEM;
		goto out;
	}
	if (ret->n_errors) {
		r = -EINVAL;
		goto out;
	}
	if (o->source)
		comment_line(&c.out, "sysgate import of ", o->source);
	bprintf(&c.out, "; dialect %s, resolved for x86_64, kernel %u.%u, and the caps:\n",
		import_dialect_name(ret->dialect), o->kernel_major, o->kernel_minor);
	{
		struct buf caps = {};

		for (size_t i = 0; i < o->n_caps; i++)
			bprintf(&caps, "%s%s", i ? ", " : "", o->caps[i]);
		comment_line(&c.out, "", caps.s ? caps.s : "(none)");
		free(caps.s);
	}
	bprintf(&c.out, "; what could not be carried over exactly: sysgate import's report\n");
	bprintf(&c.out, "[sysgate]\n");
	default_line(&c);
	/* the profile's architectures, exactly (unless --allow-i386) */
	if (!o->allow_i386 && (!c.has_x86 || !c.has_x32))
		bprintf(&c.out, "abi = x86_64%s%s\n", c.has_x86 ? ", i386" : "",
			c.has_x32 ? ", x32" : "");
	bprintf(&c.out, "\n");
	check_multiplexers(&c);
	r = emit(&c);
	if (r < 0)
		goto out;
	runc_stub(&c);
	emit_io_uring(&c);
	sysgate_facts(&c);
	if (c.oom || c.out.oom) {
		r = -ENOMEM;
		goto out;
	}
	if (ret->n_errors) {
		r = -EINVAL;
		goto out;
	}
	ret->policy = TAKE_PTR(c.out.s);
	ret->resolved = TAKE_PTR(resolved);
out:
	json_object_put(resolved);
	free(c.out.s);
	for (size_t i = 0; i < c.n_ents; i++) {
		free(c.ents[i].comment);
		for (size_t k = 0; k < c.ents[i].n_cmps; k++)
			free(c.ents[i].cmps[k].path);
	}
	free(c.ents);
	for (size_t i = 0; i < c.n_scs; i++) {
		free(c.scs[i].name);
		free(c.scs[i].ents);
	}
	free(c.scs);
	for (size_t i = 0; i < c.n_stub; i++)
		free(c.stub[i]);
	free(c.stub);
	if (r == 0 && ret->n_errors)
		r = -EINVAL;
	return r;
}

void import_result_free(struct import_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_reports; i++) {
		free(r->reports[i].path);
		free(r->reports[i].msg);
	}
	free(r->reports);
	free(r->policy);
	json_object_put(r->resolved);
	*r = (struct import_result){};
}

/* A JSON string at text[*i] == '"', decoded enough to compare keys (an
 * escape \\uXXXX as that code unit in UTF-8); *i ends on the closing quote.
 * has_nul: it holds a \\u0000, which json-c ends the string at (in a key,
 * in a name) while Go keeps it. NULL on ENOMEM. */
static char *scan_string(const char *text, size_t len, size_t *i, bool *has_nul)
{
	struct buf b = {};

	*has_nul = false;
	bprintf(&b, "%s", "");
	for ((*i)++; *i < len && text[*i] != '"'; (*i)++) {
		unsigned v;

		if (text[*i] != '\\') {
			bprintf(&b, "%c", text[*i]);
			continue;
		}
		if (++*i >= len)
			break;
		if (text[*i] != 'u' || *i + 4 >= len || sscanf(text + *i + 1, "%4x", &v) != 1) {
			bprintf(&b, "\\%c", text[*i]);
			continue;
		}
		*i += 4;
		if (v == 0)
			*has_nul = true;
		if (v < 0x80)
			bprintf(&b, "%c", (char)v);
		else if (v < 0x800)
			bprintf(&b, "%c%c", (char)(0xc0 | v >> 6), (char)(0x80 | (v & 0x3f)));
		else
			bprintf(&b, "%c%c%c", (char)(0xe0 | v >> 12),
				(char)(0x80 | ((v >> 6) & 0x3f)), (char)(0x80 | (v & 0x3f)));
	}
	if (b.oom) {
		free(b.s);
		return NULL;
	}
	return b.s;
}

#define SCAN_DEPTH 64  /* json-c refuses more than 32 */
#define SCAN_KEYS 1024 /* a profile's objects have about ten */

size_t policy_import_check_numbers(const char *text, size_t len, struct import_result *ret)
{
	struct ctx c = {.res = ret};
	unsigned line = 1;
	size_t n = 0, depth = 0;
	/* per open object: its keys so far (an array: NULL) */
	struct keys {
		bool object;
		char **v;
		size_t n;
	} stack[SCAN_DEPTH] = {};

	for (size_t i = 0; i < len; i++) {
		if (text[i] == '\n') {
			line++;
		} else if (text[i] == '{' || text[i] == '[') {
			if (depth < SCAN_DEPTH)
				stack[depth] = (struct keys){.object = text[i] == '{'};
			depth++;
		} else if (text[i] == '}' || text[i] == ']') {
			if (depth > 0 && --depth < SCAN_DEPTH) {
				for (size_t k = 0; k < stack[depth].n; k++)
					free(stack[depth].v[k]);
				free(stack[depth].v);
				stack[depth] = (struct keys){};
			}
		} else if (text[i] == '"') {
			char where[32];
			bool nul, key;
			char *s = scan_string(text, len, &i, &nul);
			size_t j = i + 1;
			struct keys *top =
				depth > 0 && depth <= SCAN_DEPTH ? &stack[depth - 1] : NULL;

			if (!s) {
				c.oom = true;
				break;
			}
			snprintf(where, sizeof(where), "line %u", line);
			while (j < len && (text[j] == ' ' || text[j] == '\t' || text[j] == '\r' ||
					   text[j] == '\n'))
				j++;
			key = top && top->object && j < len && text[j] == ':';
			if (nul) {
				report(&c, IMPORT_ERROR, where,
				       "a string with \\u0000 in it (\"%.40s...\"): json-c, and so "
				       "sysgate, ends it there, while runc reads it whole (a key "
				       "\"action\\u0000x\" would be \"action\" to sysgate only)",
				       s);
				n++;
			} else if (key && top->n >= SCAN_KEYS) {
				report(&c, IMPORT_ERROR, where,
				       "more than %d keys in one object: not read", SCAN_KEYS);
				n++;
				free(s);
				break;
			} else if (key) {
				for (size_t k = 0; k < top->n; k++)
					if (streq(top->v[k], s)) {
						report(&c, IMPORT_ERROR, where,
						       "key \"%.40s\" twice in one object: which "
						       "one a "
						       "runtime reads is its JSON parser's choice "
						       "(json-c and Go take the last); write it "
						       "once",
						       s);
						n++;
						break;
					}
			}
			if (key && !nul) {
				char **v = realloc(top->v, (top->n + 1) * sizeof(*v));

				if (!v) {
					free(s);
					c.oom = true;
					break;
				}
				top->v = v;
				top->v[top->n++] = s;
				s = NULL;
			}
			free(s);
		} else if (text[i] >= '0' && text[i] <= '9' &&
			   (i == 0 || !(text[i - 1] >= '0' && text[i - 1] <= '9'))) {
			size_t s = i, digits;

			while (i + 1 < len && text[i + 1] >= '0' && text[i + 1] <= '9')
				i++;
			digits = i - s + 1;
			while (digits > 1 && text[s] == '0')
				s++, digits--;
			if (digits > 20 ||
			    (digits == 20 && strncmp(text + s, "18446744073709551615", 20) > 0)) {
				char where[32];

				snprintf(where, sizeof(where), "line %u", line);
				report(&c, IMPORT_ERROR, where,
				       "a number above 2^64-1 (%.*s...): runc refuses the profile",
				       (int)MIN(digits, (size_t)24), text + s);
				n++;
			}
		}
	}
	for (size_t d = 0; d < MIN(depth, (size_t)SCAN_DEPTH); d++) {
		for (size_t k = 0; k < stack[d].n; k++)
			free(stack[d].v[k]);
		free(stack[d].v);
	}
	if (c.oom && !n) {
		report(&c, IMPORT_ERROR, "", "out of memory reading the profile");
		n++;
	}
	return n;
}
