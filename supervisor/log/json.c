/*
 * log/json: a record as one JSON object per line. Target strings are made
 * valid UTF-8 without C1 controls first; json-c escapes the C0 controls.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <json-c/json.h>

#include "supervisor/log/internal.h"

/* ---- JSON ---- */

/*
 * The length of the valid UTF-8 sequence at s (at most n bytes), or 0 if the
 * bytes there are not one. Overlong forms, surrogates and code points above
 * U+10FFFF are invalid (RFC 3629). C1 controls (U+0080..U+009F) count as
 * invalid too: some terminals act on them as they do on ESC.
 */
static size_t utf8_valid_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len, i;
	uint32_t cp;

	if (c < 0x80)
		return c == 0x7f ? 0 : 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp <= 0x9f))
		return 0;
	return len;
}

/*
 * A copy of s that is valid UTF-8: each byte that is not part of a valid
 * sequence (and DEL, and the bytes of a C1 control) becomes the text \xNN.
 * C0 controls stay; json-c escapes them as \u00NN. NULL on ENOMEM.
 */
char *log_utf8_sanitize(const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;
	size_t n = strlen(s), i = 0, o = 0;
	char *out;

	out = malloc(n * 4 + 1);
	if (!out)
		return NULL;
	while (i < n) {
		size_t len = utf8_valid_len(u + i, n - i);

		if (len > 0) {
			memcpy(out + o, s + i, len);
			o += len;
			i += len;
			continue;
		}
		out[o++] = '\\';
		out[o++] = 'x';
		out[o++] = hex[u[i] >> 4];
		out[o++] = hex[u[i] & 0xf];
		i++;
	}
	out[o] = '\0';
	return out;
}

int log_json_add(struct json_object *o, const char *key, struct json_object *v)
{
	if (!v)
		return -ENOMEM;
	if (json_object_object_add(o, key, v) < 0) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

/* A sanitized copy of a target-controlled string, or JSON null for NULL. */
static int jadd_target_string(struct json_object *o, const char *key, const char *s)
{
	_cleanup_free_ char *clean = NULL;

	if (!s)
		return json_object_object_add(o, key, NULL) < 0 ? -ENOMEM : 0;
	clean = log_utf8_sanitize(s);
	if (!clean)
		return -ENOMEM;
	return log_json_add(o, key, json_object_new_string(clean));
}

/* The same into an array (a command line's words, which the target chose). */
static int jadd_array_string(struct json_object *a, const char *s)
{
	_cleanup_free_ char *clean = log_utf8_sanitize(s);
	struct json_object *v;

	if (!clean)
		return -ENOMEM;
	v = json_object_new_string(clean);
	if (!v || json_object_array_add(a, v) < 0) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

int log_json_time(const struct timespec *ts, char *buf, size_t size)
{
	struct tm tm;
	size_t n;

	if (!gmtime_r(&ts->tv_sec, &tm))
		return -EINVAL;
	n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
	if (n == 0)
		return -ENOBUFS;
	if (snprintf(buf + n, size - n, ".%03ldZ", (long)(ts->tv_nsec / 1000000) % 1000) >=
	    (int)(size - n))
		return -ENOBUFS;
	return 0;
}

/* Who called: time, container and pod, pid, exe, ABI and syscall. */
static int json_add_caller(struct json_object *o, const struct log_record *r)
{
	char tbuf[64], name[32];
	int k;

	k = log_json_time(&r->time, tbuf, sizeof(tbuf));
	if (k == 0)
		k = log_json_add(o, "time", json_object_new_string(tbuf));
	if (k == 0 && r->container)
		k = jadd_target_string(o, "container", r->container);
	if (k == 0 && r->container && r->pod)
		k = jadd_target_string(o, "pod", r->pod);
	if (k == 0)
		k = log_json_add(o, "pid", json_object_new_int(r->pid));
	if (k == 0 && r->tgid > 0)
		k = log_json_add(o, "tgid", json_object_new_int(r->tgid));
	if (k == 0 && r->tgid > 0)
		k = log_json_add(o, "ppid", json_object_new_int(r->ppid));
	if (k == 0 && r->uid >= 0)
		k = log_json_add(o, "uid", json_object_new_int64(r->uid));
	if (k == 0 && r->euid >= 0)
		k = log_json_add(o, "euid", json_object_new_int64(r->euid));
	if (k == 0 && r->session[0])
		k = log_json_add(o, "session", json_object_new_string(r->session));
	if (k == 0 && r->cmdline) {
		struct json_object *a = json_object_new_array();

		k = log_json_add(o, "cmdline", a);
		for (size_t i = 0; k == 0 && r->cmdline[i]; i++)
			k = jadd_array_string(a, r->cmdline[i]);
	}
	if (k == 0)
		k = jadd_target_string(o, "exe", r->exe);
	if (k < 0)
		return k;
	if (record_abi_name(r))
		snprintf(name, sizeof(name), "%s", record_abi_name(r));
	else
		snprintf(name, sizeof(name), "arch_0x%08x", r->arch);
	k = log_json_add(o, "arch", json_object_new_string(name));
	if (k < 0)
		return k;
	if (r->syscall)
		return jadd_target_string(o, "syscall", r->syscall);
	snprintf(name, sizeof(name), "syscall_%d", r->nr);
	return log_json_add(o, "syscall", json_object_new_string(name));
}

/* "argv": each argument the call really has, decoded, by its man page name
 * (argN where sysgate knows none): strings, one type for every key. */
static int json_add_argv(struct json_object *o, const struct log_record *r,
			 const struct argfmt_arg *a, unsigned n)
{
	struct json_object *argv = json_object_new_object();
	int k = log_json_add(o, "argv", argv);

	for (unsigned i = 0; k == 0 && i < n; i++) {
		char key[16], val[512];
		const char *name = a[i].name;

		if (!name) {
			snprintf(key, sizeof(key), "arg%u", i);
			name = key;
		}
		if (a[i].fmt == ARGFMT_STRING && r->strs[i]) {
			k = jadd_target_string(argv, name, r->strs[i]);
			continue;
		}
		/* The decoder's text is plain ASCII; a sockaddr is the pointer
		 * here, its copy is "addr". */
		policy_arg_format(a[i].fmt, a[i].type, record_abi(r), r->args[i], val, sizeof(val));
		k = log_json_add(argv, name, json_object_new_string(val));
	}
	return k;
}

/*
 * "addr": the sockaddr of connect, bind or sendto as sysgate copied it once,
 * before the decision ("copy": true: no rule consults it, and the kernel
 * reads the target's memory again), or why it could not be read.
 */
static int json_add_addr(struct json_object *o, const struct log_record *r,
			 const struct argfmt_arg *a, unsigned n)
{
	struct policy_sockaddr sa;
	struct json_object *v;
	char num[16];
	unsigned i;
	int k;

	for (i = 0; i < n; i++)
		if (a[i].fmt == ARGFMT_SOCKADDR && r->addr.read && r->addr.arg == i)
			break;
	if (i == n)
		return 0;
	v = json_object_new_object();
	k = log_json_add(o, "addr", v);
	if (k == 0)
		k = log_json_add(v, "copy", json_object_new_boolean(!r->addr.err));
	if (k < 0 || r->addr.err) {
		const char *e = policy_errno_name(r->addr.err);

		snprintf(num, sizeof(num), "%d", r->addr.err);
		return k < 0 ? k : log_json_add(v, "error", json_object_new_string(e ? e : num));
	}
	if (!record_addr(r, i, &sa))
		return log_json_add(v, "len", json_object_new_int(r->addr.len));
	snprintf(num, sizeof(num), "%d", sa.family);
	if (sa.family >= 0)
		k = log_json_add(v, "family",
				 json_object_new_string(sa.family_name ? sa.family_name : num));
	if (k == 0 && sa.truncated)
		k = log_json_add(v, "truncated", json_object_new_boolean(true));
	if (k == 0 && (sa.truncated || sa.family < 0))
		return log_json_add(v, "len", json_object_new_int(r->addr.len));
	if (k == 0 && sa.ip[0])
		k = log_json_add(v, "ip", json_object_new_string(sa.ip));
	if (k == 0 && sa.port >= 0)
		k = log_json_add(v, "port", json_object_new_int(sa.port));
	if (k == 0 && sa.scope_id)
		k = log_json_add(v, "scope_id", json_object_new_int64(sa.scope_id));
	if (k == 0 && sa.family == AF_UNIX && !sa.unix_unnamed)
		k = log_json_add(v, "path", json_object_new_string(sa.unix_path));
	if (k == 0 && sa.family == AF_UNIX)
		k = log_json_add(v, sa.unix_abstract ? "abstract" : "unnamed",
				 json_object_new_boolean(sa.unix_abstract || sa.unix_unnamed));
	return k;
}

/* The call: its raw arguments, as strace shows it, and decoded. */
static int json_add_call(struct json_object *o, const struct log_record *r)
{
	struct json_object *args = json_object_new_array();
	_cleanup_free_ char *call = NULL;
	struct argfmt_arg a[6];
	unsigned i, n_args;
	struct sbuf sb;
	int k;

	k = log_json_add(o, "args", args);
	if (k < 0)
		return k;
	/* Only the registers the call has: no trailing garbage. */
	n_args = record_args(r, a);
	for (i = 0; i < n_args; i++) {
		struct json_object *v = json_object_new_uint64(r->args[i]);

		if (!v || json_object_array_add(args, v) < 0) {
			json_object_put(v);
			return -ENOMEM;
		}
	}

	/* The call is built from escaped pieces only: plain ASCII. */
	sb_init(&sb, NULL, 0);
	sb_call(&sb, r);
	call = malloc(sb.len + 1);
	if (!call)
		return -ENOMEM;
	sb_init(&sb, call, sb.len + 1);
	sb_call(&sb, r);
	k = log_json_add(o, "call", json_object_new_string(call));
	if (k == 0)
		k = json_add_argv(o, r, a, n_args);
	if (k == 0)
		k = json_add_addr(o, r, a, n_args);
	return k;
}

/* What became of it: path, why, decision, errno or result, ask, via, rule. */
static int json_add_outcome(struct json_object *o, const struct log_record *r)
{
	char name[32];
	int k;

	k = jadd_target_string(o, "path", r->path);
	if (k == 0 && r->why)
		k = log_json_add(o, "why", json_object_new_string(r->why));
	if (k == 0)
		k = log_json_add(
			o, "decision",
			json_object_new_string(r->ask_by && streq(r->ask_by, "gone")
						       ? "none"
						       : record_decision_name(r->decision)));
	if (k < 0)
		return k;
	if ((r->decision == DECISION_DENY && r->enforced && !r->emulated && r->err > 0) ||
	    (r->emulated && r->result < 0)) {
		int err = r->emulated ? (int)-r->result : r->err;
		const char *e = policy_errno_name(err);

		/* A number without a name stays a string, so the key has one type. */
		snprintf(name, sizeof(name), "%d", err);
		k = log_json_add(o, "errno", json_object_new_string(e ? e : name));
	}
	if (k == 0 && r->emulated)
		k = log_json_add(o, "result", json_object_new_int64(r->result));
	if (k == 0)
		k = log_json_add(o, "emulated", json_object_new_boolean(r->emulated));
	if (k == 0 && r->ask_by)
		k = log_json_add(o, "ask", json_object_new_string(r->ask_by));
	if (k == 0 && r->via)
		k = log_json_add(o, "via", json_object_new_string(r->via));
	if (k < 0)
		return k;
	if (r->rule)
		k = jadd_target_string(o, "rule", r->rule);
	else
		k = json_object_object_add(o, "rule", NULL) < 0 ? -ENOMEM : 0;
	if (k == 0)
		k = log_json_add(o, "enforced", json_object_new_boolean(r->enforced));
	return k;
}

/* The record as a JSON object, keys in this order; the caller puts it. */
int log_json_build(const struct log_record *r, struct json_object **ret)
{
	struct json_object *o = json_object_new_object();
	int k;

	if (!o)
		return -ENOMEM;
	k = json_add_caller(o, r);
	if (k == 0)
		k = json_add_call(o, r);
	if (k == 0)
		k = json_add_outcome(o, r);
	if (k < 0) {
		json_object_put(o);
		return k;
	}
	*ret = o;
	return 0;
}

int log_format_json(const struct log_record *r, char *buf, size_t size)
{
	struct json_object *o = NULL;
	const char *s;
	size_t len;
	struct sbuf sb;
	int k;

	sb_init(&sb, buf, size);
	k = log_json_build(r, &o);
	if (k < 0)
		return k;
	s = json_object_to_json_string_length(o, JSON_FLAGS, &len);
	if (!s) {
		json_object_put(o);
		return -ENOMEM;
	}
	sb_put(&sb, s, len);
	json_object_put(o);
	return sb_result(&sb);
}
