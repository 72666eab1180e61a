/*
 * log: decision records, formatted at the sink.
 *
 * Trust: every string in a record that came from the target (exe, resolved
 * path, raw string arguments) is attacker-controlled. The text form passes
 * each through log_escape(), so only printable ASCII reaches a terminal or a
 * file; the JSON form first makes them valid UTF-8 without C1 controls and
 * then lets json-c escape the C0 controls. The call string is built from
 * escaped pieces only, so it is plain ASCII in both forms.
 *
 * Nothing here may let the target stop the supervisor: a sink that fails
 * (EPIPE, ENOSPC) is counted and reported once, never retried in a loop, and
 * a record too long for the stack buffer goes through the heap instead of
 * being cut. The logger is not thread-safe; the event loop owns it.
 */
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <json-c/json.h>
#include <libmnl/libmnl.h>
#include <linux/netlink.h>

/* Trusted application message: freestyle text (linux/audit.h, 1121). */
#ifndef AUDIT_TRUSTED_APP
#define AUDIT_TRUSTED_APP 1121
#endif

#include "sg-util.h"
#include "supervisor/log.h"

#ifndef AUDIT_ARCH_X86_64
#define AUDIT_ARCH_X86_64 0xc000003eU
#endif
#ifndef AUDIT_ARCH_I386
#define AUDIT_ARCH_I386 0x40000003U
#endif

/* Raw string arguments longer than this are shown cut, with "..." (like strace -s). */
#define LOG_STR_MAX 4096
/* Distinct (syscall, decision) rows the summary keeps; the rest go to "(other)". */
#define SUMMARY_MAX_ROWS 4096
/* Longest syscall name the summary copies (libseccomp names are far shorter). */
#define SUMMARY_NAME_MAX 64
/* Records up to this size are formatted on the stack; longer ones on the heap. */
#define LINE_STACK 8192

/* ---- A bounded string builder that knows how long the result would have been ---- */

struct sbuf {
	char *p;
	size_t size;
	size_t len; /* the full length; may exceed size - 1, then the text is cut */
};

static void sb_init(struct sbuf *sb, char *buf, size_t size)
{
	sb->p = buf;
	sb->size = size;
	sb->len = 0;
	if (size > 0)
		buf[0] = '\0';
}

static void sb_put(struct sbuf *sb, const char *s, size_t n)
{
	if (sb->size > 0 && sb->len < sb->size - 1) {
		size_t room = sb->size - 1 - sb->len;

		memcpy(sb->p + sb->len, s, MIN(n, room));
	}
	sb->len += n;
	if (sb->size > 0)
		sb->p[MIN(sb->len, sb->size - 1)] = '\0';
}

static void sb_puts(struct sbuf *sb, const char *s)
{
	sb_put(sb, s, strlen(s));
}

static void sb_printf(struct sbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(struct sbuf *sb, const char *fmt, ...)
{
	char tmp[128]; /* only ever numbers and short names */
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	sb_put(sb, tmp, MIN((size_t)n, sizeof(tmp) - 1));
}

/* The C-string body of n bytes of s: only printable ASCII comes out. */
static void sb_escape(struct sbuf *sb, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, run = 0;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[4];
		size_t elen = 2;

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			run++;
			continue;
		}
		/* Flush the run of plain bytes before this one. */
		sb_put(sb, s + i - run, run);
		run = 0;
		esc[0] = '\\';
		switch (c) {
		case '\n':
			esc[1] = 'n';
			break;
		case '\t':
			esc[1] = 't';
			break;
		case '\r':
			esc[1] = 'r';
			break;
		case '"':
			esc[1] = '"';
			break;
		case '\\':
			esc[1] = '\\';
			break;
		default:
			esc[1] = 'x';
			esc[2] = hex[c >> 4];
			esc[3] = hex[c & 0xf];
			elen = 4;
			break;
		}
		sb_put(sb, esc, elen);
	}
	sb_put(sb, s + n - run, run);
}

/* The result of a public formatter: the length, or -ENOBUFS when cut. */
static int sb_result(const struct sbuf *sb)
{
	if (sb->size == 0 || sb->len >= sb->size)
		return -ENOBUFS;
	return (int)sb->len;
}

/* ---- Pieces of a record ---- */

static bool is_i386(const struct log_record *r)
{
	return r->arch == AUDIT_ARCH_I386;
}

/* The ABI name; NULL for a foreign arch (the caller prints the number). */
static const char *arch_name(const struct log_record *r)
{
	if (r->arch == AUDIT_ARCH_X86_64)
		return r->x32 ? "x32" : "x86_64";
	if (r->arch == AUDIT_ARCH_I386)
		return "i386";
	return NULL;
}

static void sb_arch(struct sbuf *sb, const struct log_record *r)
{
	const char *a = arch_name(r);

	if (a)
		sb_puts(sb, a);
	else
		sb_printf(sb, "arch_0x%08x", r->arch);
}

static void sb_syscall_name(struct sbuf *sb, const struct log_record *r)
{
	if (r->syscall)
		sb_escape(sb, r->syscall, strlen(r->syscall));
	else
		sb_printf(sb, "syscall_%d", r->nr);
}

struct flag_name {
	uint32_t value;
	const char *name;
};

/*
 * The kernel's x86 values (identical for x86_64, i386 and x32), not glibc's:
 * glibc defines O_LARGEFILE as 0 on x86_64, yet i386 callers pass it.
 * Composite flags come before their parts so O_TMPFILE is not shown as
 * O_DIRECTORY|0x400000 and O_SYNC not as O_DSYNC|0x100000.
 */
/* clang-format off */
static const struct flag_name open_flags[] = {
	{ 020200000, "O_TMPFILE" },
	{ 04010000, "O_SYNC" },
	{ 0100, "O_CREAT" },
	{ 0200, "O_EXCL" },
	{ 0400, "O_NOCTTY" },
	{ 01000, "O_TRUNC" },
	{ 02000, "O_APPEND" },
	{ 04000, "O_NONBLOCK" },
	{ 010000, "O_DSYNC" },
	{ 020000, "O_ASYNC" },
	{ 040000, "O_DIRECT" },
	{ 0100000, "O_LARGEFILE" },
	{ 0200000, "O_DIRECTORY" },
	{ 0400000, "O_NOFOLLOW" },
	{ 01000000, "O_NOATIME" },
	{ 02000000, "O_CLOEXEC" },
	{ 010000000, "O_PATH" },
};

static const struct flag_name at_flags[] = {
	{ 0x100, "AT_SYMLINK_NOFOLLOW" },
	{ 0x200, "AT_REMOVEDIR" },
	{ 0x400, "AT_SYMLINK_FOLLOW" },
	{ 0x800, "AT_NO_AUTOMOUNT" },
	{ 0x1000, "AT_EMPTY_PATH" },
};
/* clang-format on */

/* NAME|NAME|0xREST; "first" says whether nothing has been printed yet. */
static void sb_flags(struct sbuf *sb, uint32_t v, const struct flag_name *names, size_t n,
		     bool first)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if ((v & names[i].value) != names[i].value)
			continue;
		if (!first)
			sb_puts(sb, "|");
		sb_puts(sb, names[i].name);
		v &= ~names[i].value;
		first = false;
	}
	if (v) {
		if (!first)
			sb_puts(sb, "|");
		sb_printf(sb, "%#x", v);
	} else if (first) {
		sb_puts(sb, "0");
	}
}

static void sb_open_flags(struct sbuf *sb, uint32_t v)
{
	static const char *const acc[] = {"O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE"};

	sb_puts(sb, acc[v & 3]);
	sb_flags(sb, v & ~3U, open_flags, ARRAY_SIZE(open_flags), false);
}

static void sb_string_arg(struct sbuf *sb, const char *s)
{
	size_t n = strnlen(s, LOG_STR_MAX + 1);

	sb_puts(sb, "\"");
	sb_escape(sb, s, MIN(n, (size_t)LOG_STR_MAX));
	sb_puts(sb, "\"");
	if (n > LOG_STR_MAX)
		sb_puts(sb, "...");
}

static void sb_arg(struct sbuf *sb, const struct log_record *r, unsigned i, char letter)
{
	uint64_t v = r->args[i];
	uint32_t lo = (uint32_t)v;

	/* An i386 call's registers are 32 bits wide; anything above is not the target's. */
	if (is_i386(r))
		v = lo;

	switch (letter) {
	case 'D':
		if ((int32_t)lo == -100)
			sb_puts(sb, "AT_FDCWD");
		else
			sb_printf(sb, "%d", (int32_t)lo);
		break;
	case 's':
	case 'S':
	case 'n':
		if (r->strs[i])
			sb_string_arg(sb, r->strs[i]);
		else if (v == 0)
			sb_puts(sb, "NULL");
		else
			sb_printf(sb, "%#llx", (unsigned long long)v);
		break;
	case 'F':
	case 'd':
		sb_printf(sb, "%d", (int32_t)lo);
		break;
	case 'o':
		/* strace's form: 0755, 000, 0100755 when there is more than the permission bits. */
		sb_printf(sb, "%#03o", lo);
		break;
	case 'a':
		sb_flags(sb, lo, at_flags, ARRAY_SIZE(at_flags), true);
		break;
	case 'f':
		sb_open_flags(sb, lo);
		break;
	case 'u':
		sb_printf(sb, "%llu", (unsigned long long)v);
		break;
	case 'x':
	default:
		if (v == 0)
			sb_puts(sb, "0");
		else
			sb_printf(sb, "%#llx", (unsigned long long)v);
		break;
	}
}

static void sb_call(struct sbuf *sb, const struct log_record *r)
{
	const char *letters = r->shape ? r->shape->args : "xxxxxx";
	unsigned i;

	if (r->via) {
		sb_puts(sb, r->via); /* sysgate's own text, from fixed tables */
		sb_puts(sb, " -> ");
	}
	sb_syscall_name(sb, r);
	sb_puts(sb, "(");
	for (i = 0; i < 6 && letters && letters[i]; i++) {
		if (i > 0)
			sb_puts(sb, ", ");
		sb_arg(sb, r, i, letters[i]);
	}
	sb_puts(sb, ")");
}

/* The index of the first 's' argument whose raw string was read, or -1. */
static int first_string_arg(const struct log_record *r)
{
	const char *s;

	if (!r->shape || !r->shape->args)
		return -1;
	s = strchr(r->shape->args, 's');
	if (!s || s - r->shape->args >= 6)
		return -1;
	return (int)(s - r->shape->args);
}

/* Whether the resolved path says something the raw string argument does not. */
static bool path_differs(const struct log_record *r)
{
	int i;

	if (!r->path)
		return false;
	i = first_string_arg(r);
	if (i < 0 || !r->strs[i])
		return true;
	return strcmp(r->path, r->strs[i]) != 0;
}

static bool is_blocking(const struct log_record *r)
{
	return r->decision == DECISION_DENY || r->decision == DECISION_KILL;
}

static const char *decision_name(enum decision_kind k)
{
	const char *n = policy_decision_name(k);

	return n ? n : "?";
}

static void format_text(struct sbuf *sb, const struct log_record *r, bool prefix)
{
	bool complain = is_blocking(r) && !r->enforced;

	if (prefix)
		sb_puts(sb, "sysgate: ");
	if (r->container) {
		sb_puts(sb, "[");
		sb_escape(sb, r->container, strlen(r->container));
		if (r->pod) {
			sb_puts(sb, " pod ");
			sb_escape(sb, r->pod, strlen(r->pod));
		}
		sb_puts(sb, "] ");
	}
	sb_printf(sb, "%d ", (int)r->pid);
	if (r->exe)
		sb_escape(sb, r->exe, strlen(r->exe));
	else
		sb_puts(sb, "?");
	sb_puts(sb, " ");
	if (!(r->arch == AUDIT_ARCH_X86_64 && !r->x32)) {
		sb_arch(sb, r);
		sb_puts(sb, ":");
	}
	sb_call(sb, r);

	bool gone = r->ask_by && streq(r->ask_by, "gone");

	if (gone) {
		sb_puts(sb, " = ?");
	} else if (r->emulated && r->result < 0) {
		const char *e = policy_errno_name((int)-r->result);

		if (e)
			sb_printf(sb, " = -1 %s", e);
		else
			sb_printf(sb, " = -1 errno %d", (int)-r->result);
	} else if (r->emulated) {
		sb_printf(sb, " = %lld", (long long)r->result);
	} else if (r->decision == DECISION_DENY && r->enforced) {
		const char *e = policy_errno_name(r->err);

		if (e)
			sb_printf(sb, " = -1 %s", e);
		else
			sb_printf(sb, " = -1 errno %d", r->err);
	} else {
		sb_puts(sb, " = ?");
	}

	sb_puts(sb, " [");
	sb_puts(sb, r->ask_by ? "ask" : decision_name(r->decision));
	sb_puts(sb, " ");
	if (r->rule)
		sb_escape(sb, r->rule, strlen(r->rule));
	else
		sb_puts(sb, "?");
	if (r->ask_by) {
		sb_puts(sb, " -> ");
		/* A caller that died while it waited got no decision at all. */
		sb_puts(sb, gone ? "none" : decision_name(r->decision));
		sb_puts(sb, " (");
		sb_puts(sb, r->ask_by);
		sb_puts(sb, ")");
	}
	if (complain)
		sb_puts(sb, ", complain: allowed");
	if (r->emulated && r->decision != DECISION_EMULATE)
		sb_puts(sb, ", emulated");
	sb_puts(sb, "]");

	if (path_differs(r)) {
		sb_puts(sb, " path=\"");
		sb_escape(sb, r->path, strlen(r->path));
		sb_puts(sb, "\"");
	}
	if (r->why) {
		sb_puts(sb, " why=\"");
		sb_escape(sb, r->why, strlen(r->why));
		sb_puts(sb, "\"");
	}
	if (r->decision == DECISION_KILL && r->enforced)
		sb_puts(sb, " +++ killed +++");
}

int log_format_text(const struct log_record *r, char *buf, size_t size)
{
	struct sbuf sb;

	sb_init(&sb, buf, size);
	format_text(&sb, r, true);
	return sb_result(&sb);
}

int log_format_call(const struct log_record *r, char *buf, size_t size)
{
	struct sbuf sb;

	sb_init(&sb, buf, size);
	sb_call(&sb, r);
	return sb_result(&sb);
}

int log_escape(const char *s, char *buf, size_t size)
{
	struct sbuf sb;

	sb_init(&sb, buf, size);
	if (!s)
		return -EINVAL;
	sb_escape(&sb, s, strlen(s));
	return sb_result(&sb);
}

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

static int jadd(struct json_object *o, const char *key, struct json_object *v)
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
	return jadd(o, key, json_object_new_string(clean));
}

static int format_time(const struct timespec *ts, char *buf, size_t size)
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

/* The record as a JSON object; the caller puts it. */
static int json_build(const struct log_record *r, struct json_object **ret)
{
	struct json_object *o = NULL, *args;
	_cleanup_free_ char *call = NULL;
	char tbuf[64], name[32];
	const char *letters;
	unsigned i, n_args;
	struct sbuf sb;
	int k;

	o = json_object_new_object();
	if (!o)
		return -ENOMEM;

	k = format_time(&r->time, tbuf, sizeof(tbuf));
	if (k < 0)
		goto fail;
	k = jadd(o, "time", json_object_new_string(tbuf));
	if (k < 0)
		goto fail;
	if (r->container) {
		k = jadd_target_string(o, "container", r->container);
		if (k == 0 && r->pod)
			k = jadd_target_string(o, "pod", r->pod);
		if (k < 0)
			goto fail;
	}
	k = jadd(o, "pid", json_object_new_int(r->pid));
	if (k < 0)
		goto fail;
	k = jadd_target_string(o, "exe", r->exe);
	if (k < 0)
		goto fail;
	if (arch_name(r))
		snprintf(name, sizeof(name), "%s", arch_name(r));
	else
		snprintf(name, sizeof(name), "arch_0x%08x", r->arch);
	k = jadd(o, "arch", json_object_new_string(name));
	if (k < 0)
		goto fail;
	if (r->syscall) {
		k = jadd_target_string(o, "syscall", r->syscall);
	} else {
		snprintf(name, sizeof(name), "syscall_%d", r->nr);
		k = jadd(o, "syscall", json_object_new_string(name));
	}
	if (k < 0)
		goto fail;

	args = json_object_new_array();
	k = jadd(o, "args", args);
	if (k < 0)
		goto fail;
	letters = r->shape && r->shape->args ? r->shape->args : NULL;
	n_args = letters ? (unsigned)MIN(strlen(letters), (size_t)6) : 6;
	for (i = 0; i < n_args; i++) {
		struct json_object *v = json_object_new_uint64(r->args[i]);

		if (!v || json_object_array_add(args, v) < 0) {
			json_object_put(v);
			k = -ENOMEM;
			goto fail;
		}
	}

	/* The call is built from escaped pieces only: plain ASCII. */
	sb_init(&sb, NULL, 0);
	sb_call(&sb, r);
	call = malloc(sb.len + 1);
	if (!call) {
		k = -ENOMEM;
		goto fail;
	}
	sb_init(&sb, call, sb.len + 1);
	sb_call(&sb, r);
	k = jadd(o, "call", json_object_new_string(call));
	if (k < 0)
		goto fail;

	k = jadd_target_string(o, "path", r->path);
	if (k < 0)
		goto fail;
	if (r->why) {
		k = jadd(o, "why", json_object_new_string(r->why));
		if (k < 0)
			goto fail;
	}
	k = jadd(o, "decision",
		 json_object_new_string(r->ask_by && streq(r->ask_by, "gone")
						? "none"
						: decision_name(r->decision)));
	if (k < 0)
		goto fail;
	if ((r->decision == DECISION_DENY && r->enforced && !r->emulated && r->err > 0) ||
	    (r->emulated && r->result < 0)) {
		int err = r->emulated ? (int)-r->result : r->err;
		const char *e = policy_errno_name(err);

		/* A number without a name stays a string, so the key has one type. */
		snprintf(name, sizeof(name), "%d", err);
		k = jadd(o, "errno", json_object_new_string(e ? e : name));
		if (k < 0)
			goto fail;
	}
	if (r->emulated) {
		k = jadd(o, "result", json_object_new_int64(r->result));
		if (k < 0)
			goto fail;
	}
	k = jadd(o, "emulated", json_object_new_boolean(r->emulated));
	if (k < 0)
		goto fail;
	if (r->ask_by) {
		k = jadd(o, "ask", json_object_new_string(r->ask_by));
		if (k < 0)
			goto fail;
	}
	if (r->via) {
		k = jadd(o, "via", json_object_new_string(r->via));
		if (k < 0)
			goto fail;
	}
	if (r->rule)
		k = jadd_target_string(o, "rule", r->rule);
	else
		k = json_object_object_add(o, "rule", NULL) < 0 ? -ENOMEM : 0;
	if (k < 0)
		goto fail;
	k = jadd(o, "enforced", json_object_new_boolean(r->enforced));
	if (k < 0)
		goto fail;

	*ret = o;
	return 0;
fail:
	json_object_put(o);
	return k;
}

/* Plain, and "/" left as it is: paths stay readable and still parse back the same. */
#define JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

int log_format_json(const struct log_record *r, char *buf, size_t size)
{
	struct json_object *o = NULL;
	const char *s;
	size_t len;
	struct sbuf sb;
	int k;

	sb_init(&sb, buf, size);
	k = json_build(r, &o);
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

/* ---- Summary ---- */

struct summary_row {
	char *name; /* NULL: free slot */
	enum decision_kind decision;
	bool enforced;
	uint64_t count;
};

struct summary {
	struct summary_row *slots; /* open addressing, power-of-two size */
	size_t n_slots;
	size_t n_rows;
	uint64_t other; /* records beyond SUMMARY_MAX_ROWS distinct rows */
};

static uint64_t row_hash(const char *name, enum decision_kind d, bool enforced)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	const unsigned char *p;

	for (p = (const unsigned char *)name; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	h = (h ^ (unsigned)d) * 1099511628211ULL;
	h = (h ^ (unsigned)enforced) * 1099511628211ULL;
	return h;
}

static struct summary_row *summary_find(struct summary_row *slots, size_t n_slots, const char *name,
					enum decision_kind d, bool enforced)
{
	size_t i = row_hash(name, d, enforced) & (n_slots - 1);

	for (;; i = (i + 1) & (n_slots - 1)) {
		struct summary_row *row = &slots[i];

		if (!row->name)
			return row;
		if (row->decision == d && row->enforced == enforced && streq(row->name, name))
			return row;
	}
}

static int summary_grow(struct summary *s)
{
	size_t n = s->n_slots ? s->n_slots * 2 : 64, i;
	struct summary_row *slots;

	slots = calloc(n, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	for (i = 0; i < s->n_slots; i++) {
		struct summary_row *old = &s->slots[i];

		if (old->name)
			*summary_find(slots, n, old->name, old->decision, old->enforced) = *old;
	}
	free(s->slots);
	s->slots = slots;
	s->n_slots = n;
	return 0;
}

static void summary_count(struct summary *s, const struct log_record *r)
{
	char name[SUMMARY_NAME_MAX * 4 + 32];
	struct summary_row *row;
	bool enforced;
	struct sbuf sb;

	/* A 32-bit call is worth telling apart: it is how filters get bypassed. */
	sb_init(&sb, name, sizeof(name));
	if (!(r->arch == AUDIT_ARCH_X86_64 && !r->x32)) {
		sb_arch(&sb, r);
		sb_puts(&sb, ":");
	}
	if (r->syscall)
		sb_escape(&sb, r->syscall, strnlen(r->syscall, SUMMARY_NAME_MAX));
	else
		sb_printf(&sb, "syscall_%d", r->nr);
	/* Complain mode only changes what deny and kill did. */
	enforced = r->enforced || !is_blocking(r);

	if (s->n_slots == 0 && summary_grow(s) < 0) {
		s->other++;
		return;
	}
	row = summary_find(s->slots, s->n_slots, name, r->decision, enforced);
	if (row->name) {
		row->count++;
		return;
	}
	if (s->n_rows >= SUMMARY_MAX_ROWS) {
		s->other++;
		return;
	}
	/* Keep the table at most half full, so probes stay short and always end. */
	if ((s->n_rows + 1) * 2 > s->n_slots) {
		if (summary_grow(s) < 0) {
			s->other++;
			return;
		}
		row = summary_find(s->slots, s->n_slots, name, r->decision, enforced);
	}
	row->name = strdup(name);
	if (!row->name) {
		s->other++;
		return;
	}
	row->decision = r->decision;
	row->enforced = enforced;
	row->count = 1;
	s->n_rows++;
}

static int row_cmp(const void *a, const void *b)
{
	const struct summary_row *x = *(const struct summary_row *const *)a;
	const struct summary_row *y = *(const struct summary_row *const *)b;
	int c;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	c = strcmp(x->name, y->name);
	if (c)
		return c;
	if (x->decision != y->decision)
		return x->decision < y->decision ? -1 : 1;
	return (int)y->enforced - (int)x->enforced;
}

static void summary_free(struct summary *s)
{
	size_t i;

	for (i = 0; i < s->n_slots; i++)
		free(s->slots[i].name);
	free(s->slots);
	*s = (struct summary){};
}

/* ---- Sinks ---- */

enum sink_kind {
	SINK_FD,
	SINK_SYSLOG,
	SINK_AUDIT,
};

struct sink {
	enum sink_kind kind;
	int fd;
	bool owned;	      /* fd is ours to close */
	char *name;	      /* for the one error report */
	unsigned long errors; /* records this sink failed to take */
};

struct logger {
	/* Sessions run on their own threads; one record is written whole
	 * before the next, and the summary is counted under the same lock. */
	pthread_mutex_t lock;
	enum log_format fmt;
	size_t n_sinks;
	struct sink *sinks;
	bool syslog_open;
	struct mnl_socket *audit;
	unsigned audit_seq;
	bool summary_on;
	struct summary summary;
};

static void sink_failed(struct sink *s, int err);

/* Ask the kernel whether audit is on (AUDIT_GET): 1, 0, or -errno. With it
 * off, the kernel drops user records silently, so say so. */
static int audit_enabled(struct mnl_socket *nl)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct timeval tv = { .tv_sec = 1 };
	unsigned seq = 1, portid = mnl_socket_get_portid(nl);
	ssize_t n;

	nlh->nlmsg_type = AUDIT_GET;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = seq;
	setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
	if (n < 0)
		return -errno;
	for (nlh = (struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, (int)n); nlh = mnl_nlmsg_next(nlh, (int *)&n)) {
		if (nlh->nlmsg_seq != seq || nlh->nlmsg_pid != 0 || portid == 0)
			continue;
		if (nlh->nlmsg_type == AUDIT_GET &&
		    mnl_nlmsg_get_payload_len(nlh) >= sizeof(struct audit_status))
			return ((struct audit_status *)mnl_nlmsg_get_payload(nlh))->enabled ? 1 : 0;
	}
	return -EIO;
}

static void audit_disabled_once(struct sink *s)
{
	static const char msg[] =
		"sysgate: log sink audit: audit is disabled in this kernel (auditctl -e 1 turns "
		"it on); its records go to the other sinks only\n";

	(void)!write(STDERR_FILENO, msg, sizeof(msg) - 1);
	(void)s;
}

void log_close(struct logger *l)
{
	size_t i;

	if (!l)
		return;
	for (i = 0; i < l->n_sinks; i++) {
		if (l->sinks[i].owned)
			safe_close(l->sinks[i].fd);
		free(l->sinks[i].name);
	}
	free(l->sinks);
	if (l->syslog_open)
		closelog();
	if (l->audit)
		mnl_socket_close(l->audit);
	summary_free(&l->summary);
	pthread_mutex_destroy(&l->lock);
	free(l);
}

static void log_closep(struct logger **l)
{
	log_close(*l);
}

int log_open(struct logger **ret, const char *const *sinks, size_t n_sinks, enum log_format fmt,
	     bool summary, const char **ret_bad)
{
	_cleanup_(log_closep) struct logger *l = NULL;
	size_t i;

	if (fmt != LOG_TEXT && fmt != LOG_JSON)
		return -EINVAL;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	pthread_mutex_init(&l->lock, NULL);
	l->fmt = fmt;
	l->summary_on = summary;
	if (n_sinks > 0) {
		l->sinks = calloc(n_sinks, sizeof(*l->sinks));
		if (!l->sinks)
			return -ENOMEM;
	}
	for (i = 0; i < n_sinks; i++) {
		struct sink *s = &l->sinks[i];
		const char *name = sinks[i];

		if (!name || !*name) {
			if (ret_bad)
				*ret_bad = name;
			return -EINVAL;
		}
		s->name = strdup(name);
		if (!s->name)
			return -ENOMEM;
		l->n_sinks++;
		if (streq(name, "stderr")) {
			s->kind = SINK_FD;
			s->fd = STDERR_FILENO;
		} else if (streq(name, "audit")) {
			s->kind = SINK_AUDIT;
			s->fd = -1;
			if (!l->audit) {
				l->audit = mnl_socket_open(NETLINK_AUDIT);
				if (l->audit && mnl_socket_bind(l->audit, 0, MNL_SOCKET_AUTOPID) < 0) {
					mnl_socket_close(l->audit);
					l->audit = NULL;
				}
				/* No audit in this kernel, or no right to it: say so
				 * once and go on; records still reach the other sinks. */
				if (!l->audit)
					sink_failed(s, errno);
				else if (audit_enabled(l->audit) == 0)
					audit_disabled_once(s);
			}
		} else if (streq(name, "syslog")) {
			s->kind = SINK_SYSLOG;
			s->fd = -1;
			if (!l->syslog_open) {
				openlog("sysgate", LOG_PID, LOG_USER);
				l->syslog_open = true;
			}
		} else {
			/*
			 * O_APPEND: concurrent writers (two sysgate runs, logrotate's
			 * copytruncate) each get whole lines. O_NOCTTY: a path that
			 * names a terminal must not become our controlling one.
			 */
			s->kind = SINK_FD;
			s->fd = open(name, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY,
				     0600);
			if (s->fd < 0) {
				int k = -errno;

				if (ret_bad)
					*ret_bad = name;
				return k;
			}
			s->owned = true;
		}
	}
	*ret = TAKE_PTR(l);
	return 0;
}

/*
 * An audit field value: as it is when it is safe (printable, no space,
 * quote or '='), else hex, as the audit tools expect of untrusted strings
 * (ausearch -i decodes them).
 */
static void audit_value(FILE *f, const char *key, const char *v)
{
	bool plain = v && *v;

	for (const unsigned char *c = (const unsigned char *)v; plain && *c; c++)
		plain = *c > 0x20 && *c < 0x7f && *c != '"' && *c != '=';
	if (!v) {
		fprintf(f, " %s=?", key);
	} else if (plain) {
		fprintf(f, " %s=\"%s\"", key, v);
	} else {
		fprintf(f, " %s=", key);
		for (const unsigned char *c = (const unsigned char *)v; *c; c++)
			fprintf(f, "%02X", *c);
	}
}

/* One AUDIT_TRUSTED_APP user record per decision, beside the kernel's own
 * SECCOMP records, sent over NETLINK_AUDIT (needs CAP_AUDIT_WRITE). */
static void audit_emit(struct logger *l, struct sink *s, const struct log_record *r)
{
	char buf[MNL_SOCKET_BUFFER_SIZE], *text = NULL;
	struct nlmsghdr *nlh;
	size_t len = 0;
	FILE *f;

	if (!l->audit) {
		s->errors++;
		return;
	}
	f = open_memstream(&text, &len);
	if (!f) {
		sink_failed(s, ENOMEM);
		return;
	}
	fprintf(f, "op=sysgate-decision decision=%s", decision_name(r->decision));
	if (r->ask_by)
		fprintf(f, " ask=%s", r->ask_by);
	fprintf(f, " enforced=%s", r->enforced ? "yes" : "no");
	if (r->decision == DECISION_DENY && r->enforced && r->err) {
		const char *e = policy_errno_name(r->err);

		fprintf(f, " errno=%s", e ? e : "?");
	}
	fprintf(f, " syscall=%s arch=%s pid=%d", r->syscall ? r->syscall : "?",
		r->x32 ? "x32" : (r->arch == AUDIT_ARCH_I386 ? "i386" : "x86_64"), (int)r->pid);
	audit_value(f, "exe", r->exe);
	if (r->path)
		audit_value(f, "path", r->path);
	audit_value(f, "rule", r->rule);
	if (r->container)
		audit_value(f, "container", r->container);
	if (r->pod)
		audit_value(f, "pod", r->pod);
	fclose(f);
	if (!text)
		return;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = AUDIT_TRUSTED_APP;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = ++l->audit_seq;
	if (len + 1 > sizeof(buf) - MNL_NLMSG_HDRLEN - 16)
		len = sizeof(buf) - MNL_NLMSG_HDRLEN - 17; /* a record, not a book */
	memcpy(mnl_nlmsg_put_extra_header(nlh, len + 1), text, len);
	((char *)mnl_nlmsg_get_payload(nlh))[len] = '\0';
	if (mnl_socket_sendto(l->audit, nlh, nlh->nlmsg_len) < 0)
		sink_failed(s, errno);
	free(text);
}

static void sink_failed(struct sink *s, int err)
{
	char msg[512];
	int n;

	/* Report the first failure only: a full disk must not become a flood. */
	if (s->errors++ > 0)
		return;
	if (s->kind == SINK_FD && s->fd == STDERR_FILENO)
		return;
	n = snprintf(msg, sizeof(msg),
		     "sysgate: log sink %s: %s (further records to it are counted, not reported)\n",
		     s->name, strerror(err));
	if (n > 0)
		(void)!write(STDERR_FILENO, msg, MIN((size_t)n, sizeof(msg) - 1));
}

/* The whole line in one write, so O_APPEND writers never interleave. */
static void sink_write(struct sink *s, const char *line, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = write(s->fd, line + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			sink_failed(s, errno);
			return;
		}
		if (n == 0) {
			sink_failed(s, EIO);
			return;
		}
		/* Short only on a pipe or a full disk; finish what the reader will take. */
		done += (size_t)n;
	}
}

/* The record formatted (with '\n') into stack or heap; NULL on ENOMEM. */
static char *render(const struct log_record *r, enum log_format fmt, bool prefix, char *stack,
		    size_t stack_size, size_t *ret_len)
{
	struct sbuf sb;
	char *heap;

	if (fmt == LOG_JSON) {
		struct json_object *o = NULL;
		const char *s;
		size_t len;

		if (json_build(r, &o) < 0)
			return NULL;
		s = json_object_to_json_string_length(o, JSON_FLAGS, &len);
		heap = s ? malloc(len + 2) : NULL;
		if (heap) {
			memcpy(heap, s, len);
			heap[len] = '\n';
			heap[len + 1] = '\0';
			*ret_len = len + 1;
		}
		json_object_put(o);
		return heap;
	}

	sb_init(&sb, stack, stack_size);
	format_text(&sb, r, prefix);
	if (sb.len + 1 < stack_size) {
		stack[sb.len] = '\n';
		stack[sb.len + 1] = '\0';
		*ret_len = sb.len + 1;
		return stack;
	}
	heap = malloc(sb.len + 2);
	if (!heap)
		return NULL;
	sb_init(&sb, heap, sb.len + 2);
	format_text(&sb, r, prefix);
	heap[sb.len] = '\n';
	heap[sb.len + 1] = '\0';
	*ret_len = sb.len + 1;
	return heap;
}

void log_emit(struct logger *l, const struct log_record *r)
{
	char stack[LINE_STACK], stack_sys[LINE_STACK];
	char *line = NULL, *sysline = NULL;
	size_t len = 0, syslen = 0, i;

	if (!l || !r)
		return;
	pthread_mutex_lock(&l->lock);
	if (l->summary_on)
		summary_count(&l->summary, r);

	for (i = 0; i < l->n_sinks; i++) {
		struct sink *s = &l->sinks[i];

		if (s->kind == SINK_AUDIT) {
			audit_emit(l, s, r);
			continue;
		}
		if (s->kind == SINK_SYSLOG) {
			/* syslog adds its own "sysgate[PID]:" and wants the text form. */
			if (!sysline)
				sysline = render(r, LOG_TEXT, false, stack_sys, sizeof(stack_sys),
						 &syslen);
			if (!sysline) {
				sink_failed(s, ENOMEM);
				continue;
			}
			syslog(LOG_USER | (is_blocking(r) ? LOG_NOTICE : LOG_INFO), "%.*s",
			       (int)(syslen - 1), sysline);
			continue;
		}
		if (!line)
			line = render(r, l->fmt, true, stack, sizeof(stack), &len);
		if (!line) {
			sink_failed(s, ENOMEM);
			continue;
		}
		sink_write(s, line, len);
	}
	pthread_mutex_unlock(&l->lock);
	if (line != stack)
		free(line);
	if (sysline != stack_sys)
		free(sysline);
}

unsigned long log_write_errors(const struct logger *l)
{
	unsigned long n = 0;
	size_t i;

	if (!l)
		return 0;
	for (i = 0; i < l->n_sinks; i++)
		n += l->sinks[i].errors;
	return n;
}

static const char *row_label(const struct summary_row *row, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s", decision_name(row->decision),
		 row->enforced ? "" : " (complain)");
	return buf;
}

void log_summary_print(const struct logger *l, FILE *out)
{
	_cleanup_free_ const struct summary_row **rows = NULL;
	const struct summary *s;
	size_t i, n = 0;
	char label[64];

	if (!l || !out)
		return;
	s = &l->summary;
	fputs("sysgate summary (calls decided in the supervisor; calls the filter allows in the "
	      "kernel are not counted)\n",
	      out);
	fprintf(out, "  %5s  %-21s %s\n", "calls", "decision", "syscall");
	if (s->n_rows > 0) {
		rows = calloc(s->n_rows, sizeof(*rows));
		if (!rows) {
			fputs("  (out of memory)\n", out);
			return;
		}
		for (i = 0; i < s->n_slots; i++)
			if (s->slots[i].name)
				rows[n++] = &s->slots[i];
		qsort(rows, n, sizeof(*rows), row_cmp);
	}
	for (i = 0; i < n; i++)
		fprintf(out, "  %5llu  %-21s %s\n", (unsigned long long)rows[i]->count,
			row_label(rows[i], label, sizeof(label)), rows[i]->name);
	if (s->other > 0)
		fprintf(out, "  %5llu  %-21s %s\n", (unsigned long long)s->other, "-", "(other)");
}
