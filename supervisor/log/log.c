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
 * (EPIPE, ENOSPC) is counted and reported once, never retried in a loop, a
 * record too long for the stack buffer goes through the heap instead of
 * being cut, and a sink that stalls (a stopped terminal, a full pipe, a hung
 * syslog) stalls only its own writer thread: see "Sinks" below for the
 * queues, the block and drop modes, the order kept and the bounded exit.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/audit.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
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
#include "supervisor/log/log.h"

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

/* ---- Sinks: a bounded queue and a writer thread each ----
 *
 * Why queues. A record used to be written under one mutex before its call
 * was answered, so whatever stalled one write stalled every decision: a full
 * pipe or a hung syslog held every session (every container under serve),
 * and in `sysgate run` the command itself could hold its supervisor, since
 * it shares sysgate's stderr: stopping the terminal (tcflow TCOOFF, Ctrl-S)
 * left sysgate in write(2), the call unanswered, and shutdown waiting on it.
 *
 * Now each sink has a queue of rendered lines and a thread of its own that
 * writes them in order. Deciding threads render the record (CPU only) and
 * append a copy to each queue under that sink's lock, which no one holds
 * across I/O. While a queue has room, a decision never waits for I/O.
 *
 * When a queue is full, the sink's mode decides:
 *   block: the deciding thread waits for room (nothing is lost). It waits on
 *          a futex, not a condition variable, so that session_stop's
 *          SIG_WAKE (a handler without SA_RESTART) ends the wait with EINTR:
 *          a stopping session is never held by a sink. Such a record, and
 *          any record that would have to wait once log_close() has begun,
 *          is dropped and counted like one in drop mode.
 *   drop:  the record is counted and dropped; the writer reports how many
 *          ("N records dropped") at the place they were lost: before the
 *          next record that made it, or as soon as the queue has drained,
 *          hence also at exit.
 *
 * Which sinks may block: reconciling issue 8 ("no write to a terminal or
 * pipe the target can stall may hold a decision or stop a shutdown") with
 * issue 9 ("log_full = block is the default: nothing is lost"). The stderr
 * sink, and any file sink that turns out to be a terminal, always drops,
 * whatever log_full says: in `run` the command shares that terminal (or
 * pipe) and can stall it at will, and a supervisor whose decisions wait on
 * its own target's terminal is not a supervisor. That costs only records,
 * each counted and reported once the sink moves, or on the other sinks at
 * exit. Every other sink (a file, a FIFO, syslog, audit) is the operator's
 * choice, not the command's, and blocks by default as issue 9 asks;
 * log_set_full() (the policy's `log_full`, serve's --log-full) can make them
 * drop. A blocking sink that stalls holds only the calls that log to it,
 * never the event loop (below) and never the exit (log_close).
 *
 * The thread that opened the logger never waits either: it is the event
 * loop (signals, the control socket, the ask queue's timers; under serve,
 * every container's handover), and a wait there would hold all of that. Its
 * records (settled asks) may go past a full queue by LOG_QUEUE_SLACK more;
 * past that they are dropped and counted.
 *
 * Order. Within a sink, records come out in the order they were queued: for
 * one session (one thread) that is the order its calls were decided, and a
 * record is queued before its call is answered. A record is no longer
 * *written* before the answer: what the target prints about the outcome may
 * reach a shared terminal first. Keeping "written before answered" would
 * mean waiting for the writer on every logged call (two more context
 * switches, and the write's own latency on a slow disk), which is the very
 * coupling the queues remove; it is not kept, in any mode. Between sinks, and
 * between two sessions' records, no order is promised beyond each sink's.
 *
 * Shutdown is never held. log_close() gives the writers LOG_DRAIN_MS in all
 * to write what is queued, then says on the sinks that did (or nowhere, if
 * none did) how many records each of the others lost, gives those notices a
 * short while, and returns. A writer still in write(2) then is abandoned,
 * not joined: it is detached and frees its sink itself if the write ever
 * returns. O_NONBLOCK is never set on stderr: that open file description is
 * the command's too, and the flag would change how its own writes behave.
 */

#ifndef FUTEX_WAIT_PRIVATE
#define FUTEX_WAIT_PRIVATE 128
#endif
#ifndef FUTEX_WAKE_PRIVATE
#define FUTEX_WAKE_PRIVATE 129
#endif

/* Records a queue holds before it is full. */
#define LOG_QUEUE_RECORDS 1024
/* Bytes it holds (a record can be long: six strings of up to 4 KiB). */
#define LOG_QUEUE_BYTES (4u << 20)
/* How far the event loop's records and sysgate's notices may go past full. */
#define LOG_QUEUE_SLACK 256
/* A blocked emitter re-checks its sink this often (log_close may have begun). */
#define LOG_WAIT_SLICE_MS 200
/* At exit: time for every queue to drain, then for the notices about loss. */
#define LOG_DRAIN_MS 2000
#define LOG_NOTICE_MS 500

enum sink_kind {
	SINK_FD,
	SINK_SYSLOG,
	SINK_AUDIT,
};

enum entry_kind {
	ENTRY_RECORD, /* a decision record, rendered for this sink */
	ENTRY_RAW,    /* text to write as it is (the summary, sysgate's notices) */
	ENTRY_LOST,   /* "another sink lost N records": rendered by the writer */
};

struct entry {
	enum entry_kind kind;
	char *text; /* malloc'd; RECORD and RAW */
	size_t len;
	int prio;		 /* syslog priority */
	uint64_t dropped_before; /* records dropped just before this one */
	uint64_t count;		 /* ENTRY_LOST: how many */
	char *about;		 /* ENTRY_LOST: the sink that lost them */
};

struct logger;

/*
 * One sink. Its lock guards everything below it; it is held only to move
 * entries and flags, never across I/O or a wait (the emitter's futex wait
 * and the writer's condition wait release it).
 */
struct sink {
	struct logger *l; /* for sysgate's own notices; not used once abandoned */
	enum sink_kind kind;
	enum log_format fmt;
	int fd;
	bool owned;   /* fd is ours to close */
	bool shared;  /* stderr or a terminal: the command may stall it */
	bool records; /* takes decision records (the internal stderr does not) */
	char *name;
	struct mnl_socket *audit; /* SINK_AUDIT; NULL when unavailable */
	int open_err;		  /* ... and why */
	unsigned audit_seq;

	pthread_t thread;
	bool started;
	pthread_mutex_t lock;
	pthread_cond_t work;  /* the writer waits for entries (or quit) */
	pthread_cond_t idle;  /* log_flush/log_close wait for drained or exited */
	atomic_uint room_seq; /* futex: bumped when an entry leaves the queue */
	unsigned waiters;     /* emitters waiting for room */

	enum log_full full;
	struct entry *ring;
	size_t ring_size, head, count, bytes;
	uint64_t dropped_pending; /* dropped, not yet reported */
	uint64_t dropped_total;
	unsigned long errors; /* records this sink failed to take */
	bool ready;	      /* the writer has started and reached its loop */
	bool busy;	      /* the writer is between pop and done */
	bool drained;	      /* nothing queued, nothing pending, no write under way */
	bool closing;	      /* log_close has begun: no more waiting */
	bool quit;	      /* the writer ends once drained */
	bool exited;	      /* it has */
	bool abandoned;	      /* log_close gave up on it: it frees itself */
};

struct logger {
	/* The summary is counted under this lock (sessions run on threads). */
	pthread_mutex_t lock;
	enum log_format fmt;
	size_t n_sinks;
	struct sink **sinks;
	struct sink *err; /* where sysgate's notices and the summary go: stderr */
	pthread_t owner;  /* the thread that opened it: never waits */
	bool syslog_open;
	bool summary_on;
	struct summary summary;
};

static void sink_failed(struct sink *s, int err);

static int futex_wait_ms(atomic_uint *addr, unsigned val, int ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000};

	if (syscall(SYS_futex, addr, FUTEX_WAIT_PRIVATE, val, &ts, NULL, 0) < 0)
		return -errno;
	return 0;
}

static void futex_wake_all(atomic_uint *addr)
{
	(void)syscall(SYS_futex, addr, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

static void deadline_in(struct timespec *t, long ms)
{
	clock_gettime(CLOCK_MONOTONIC, t);
	t->tv_sec += ms / 1000;
	t->tv_nsec += (ms % 1000) * 1000000;
	if (t->tv_nsec >= 1000000000) {
		t->tv_sec++;
		t->tv_nsec -= 1000000000;
	}
}

static void entry_free(struct entry *e)
{
	free(e->text);
	free(e->about);
	*e = (struct entry){};
}

/* Ask the kernel whether audit is on (AUDIT_GET): 1, 0, or -errno. With it
 * off, the kernel drops user records silently, so say so. */
static int audit_enabled(struct mnl_socket *nl)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct timeval tv = {.tv_sec = 1};
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
	for (nlh = (struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, (int)n);
	     nlh = mnl_nlmsg_next(nlh, (int *)&n)) {
		if (nlh->nlmsg_seq != seq || nlh->nlmsg_pid != 0 || portid == 0)
			continue;
		if (nlh->nlmsg_type == AUDIT_GET &&
		    mnl_nlmsg_get_payload_len(nlh) >= sizeof(struct audit_status))
			return ((struct audit_status *)mnl_nlmsg_get_payload(nlh))->enabled ? 1 : 0;
	}
	return -EIO;
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

/* ---- The queue ---- */

static bool queue_full(const struct sink *s, size_t len)
{
	if (s->count == 0)
		return false; /* one record of any size always fits */
	return s->count >= LOG_QUEUE_RECORDS || s->bytes + len > LOG_QUEUE_BYTES;
}

/* The caller holds s->lock. The writer says how many once it can. */
static void count_drop(struct sink *s)
{
	s->dropped_pending++;
	s->dropped_total++;
	s->drained = false;
	pthread_cond_signal(&s->work);
}

/* Append e; the caller holds s->lock and has checked the room. */
static void queue_put(struct sink *s, struct entry *e)
{
	size_t tail = (s->head + s->count) % s->ring_size;

	if (e->kind == ENTRY_RECORD) {
		/* The drops since the last record that made it are reported
		 * just before this one: where they were lost. */
		e->dropped_before = s->dropped_pending;
		s->dropped_pending = 0;
	}
	s->ring[tail] = *e;
	*e = (struct entry){};
	s->count++;
	s->bytes += s->ring[tail].len;
	s->drained = false;
	pthread_cond_signal(&s->work);
}

/*
 * Queue e on s (taking its text in every case). may_wait: the caller may
 * wait for room (a session thread in block mode). 0 when queued, -ENOBUFS
 * when dropped (counted).
 */
static int sink_push(struct sink *s, struct entry *e, bool may_wait)
{
	int r = 0;

	pthread_mutex_lock(&s->lock);
	for (;;) {
		unsigned seq;
		int k;

		if (s->abandoned || s->exited) {
			r = -ENOBUFS;
			break;
		}
		if (!queue_full(s, e->len))
			break;
		/* Past full, within the slack: the event loop's records in block
		 * mode, and sysgate's own notices, which must not wait either. */
		if ((!may_wait && (s->full == LOG_FULL_BLOCK || e->kind != ENTRY_RECORD)) &&
		    s->count < s->ring_size)
			break;
		if (!may_wait || s->full != LOG_FULL_BLOCK || s->closing) {
			r = -ENOBUFS;
			break;
		}
		seq = atomic_load(&s->room_seq);
		s->waiters++;
		pthread_mutex_unlock(&s->lock);
		k = futex_wait_ms(&s->room_seq, seq, LOG_WAIT_SLICE_MS);
		pthread_mutex_lock(&s->lock);
		s->waiters--;
		if (k == -EINTR) {
			/* session_stop's SIG_WAKE: the session is ending; a
			 * stalled sink must not hold it. Counted below. */
			r = -ENOBUFS;
			break;
		}
	}
	if (r == 0)
		queue_put(s, e);
	else if (e->kind == ENTRY_RECORD)
		count_drop(s);
	pthread_mutex_unlock(&s->lock);
	entry_free(e);
	return r;
}

/* sysgate's own message (text, with "sysgate: " and '\n') to its stderr. */
static void notice(struct logger *l, const char *text)
{
	struct entry e = {.kind = ENTRY_RAW};

	if (!l || !l->err)
		return;
	e.text = strdup(text);
	if (!e.text)
		return;
	e.len = strlen(text);
	sink_push(l->err, &e, false);
}

/* ---- The writer's side ---- */

static int fd_write(struct sink *s, const char *line, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = write(s->fd, line + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			/* Someone (the command, on a shared stderr) set
			 * O_NONBLOCK on the file description: wait for room
			 * here, on this thread, as a blocking write would. */
			struct pollfd p = {.fd = s->fd, .events = POLLOUT};

			(void)poll(&p, 1, LOG_WAIT_SLICE_MS);
			continue;
		}
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		/* Short only on a pipe or a full disk; finish what the reader will take. */
		done += (size_t)n;
	}
	return 0;
}

static void audit_send(struct sink *s, const char *text, size_t len)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;

	if (!s->audit) {
		pthread_mutex_lock(&s->lock);
		s->errors++;
		pthread_mutex_unlock(&s->lock);
		return;
	}
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = AUDIT_TRUSTED_APP;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = ++s->audit_seq;
	if (len + 1 > sizeof(buf) - MNL_NLMSG_HDRLEN - 16)
		len = sizeof(buf) - MNL_NLMSG_HDRLEN - 17; /* a record, not a book */
	memcpy(mnl_nlmsg_put_extra_header(nlh, len + 1), text, len);
	((char *)mnl_nlmsg_get_payload(nlh))[len] = '\0';
	if (mnl_socket_sendto(s->audit, nlh, nlh->nlmsg_len) < 0)
		sink_failed(s, errno);
}

/* One line of text to s, in the way of its kind. */
static void sink_put_text(struct sink *s, const char *text, size_t len, int prio)
{
	int r;

	switch (s->kind) {
	case SINK_AUDIT:
		audit_send(s, text, len);
		break;
	case SINK_SYSLOG:
		if (len > 0 && text[len - 1] == '\n')
			len--;
		syslog(LOG_USER | prio, "%.*s", (int)len, text);
		break;
	case SINK_FD:
		r = fd_write(s, text, len);
		if (r < 0)
			sink_failed(s, -r);
		break;
	}
}

/* "N records dropped" (or lost, by another sink) in s's own form. */
static void sink_put_loss(struct sink *s, const char *what, const char *about, uint64_t n)
{
	_cleanup_free_ char *text = NULL;
	char esc[512];
	size_t len = 0;
	FILE *f;

	f = open_memstream(&text, &len);
	if (!f)
		return;
	if (log_escape(about, esc, sizeof(esc)) < 0)
		snprintf(esc, sizeof(esc), "?");
	if (s->kind == SINK_AUDIT) {
		fprintf(f, "op=sysgate-%s records=%llu", what, (unsigned long long)n);
		audit_value(f, "sink", about);
	} else if (s->kind == SINK_FD && s->fmt == LOG_JSON) {
		struct json_object *o = json_object_new_object();
		_cleanup_free_ char *clean = log_utf8_sanitize(about);
		struct timespec now;
		char tbuf[64];

		clock_gettime(CLOCK_REALTIME, &now);
		if (!o || !clean || format_time(&now, tbuf, sizeof(tbuf)) < 0 ||
		    jadd(o, "time", json_object_new_string(tbuf)) < 0 ||
		    jadd(o, "sysgate", json_object_new_string(what)) < 0 ||
		    jadd(o, "sink", json_object_new_string(clean)) < 0 ||
		    jadd(o, "records", json_object_new_int64((int64_t)n)) < 0) {
			json_object_put(o);
			fclose(f);
			return;
		}
		fprintf(f, "%s\n", json_object_to_json_string_ext(o, JSON_FLAGS));
		json_object_put(o);
	} else {
		fprintf(f, "%slog sink %s: %llu records %s%s\n",
			s->kind == SINK_SYSLOG ? "" : "sysgate: ", esc, (unsigned long long)n, what,
			streq(what, "dropped") ? " (it did not take them in time; log_full = drop)"
					       : " (it did not take them before exit)");
	}
	if (fclose(f) != 0 || !text)
		return;
	sink_put_text(s, text, len, LOG_WARNING);
}

static void sink_put(struct sink *s, const struct entry *e)
{
	if (e->dropped_before)
		sink_put_loss(s, "dropped", s->name, e->dropped_before);
	switch (e->kind) {
	case ENTRY_LOST:
		sink_put_loss(s, "lost", e->about, e->count);
		break;
	case ENTRY_RECORD:
	case ENTRY_RAW:
		sink_put_text(s, e->text, e->len, e->prio);
		break;
	}
}

static void sink_free(struct sink *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->count; i++)
		entry_free(&s->ring[(s->head + i) % s->ring_size]);
	free(s->ring);
	if (s->owned)
		safe_close(s->fd);
	if (s->audit)
		mnl_socket_close(s->audit);
	free(s->name);
	pthread_cond_destroy(&s->work);
	pthread_cond_destroy(&s->idle);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

static void *sink_main(void *arg)
{
	struct sink *s = arg;
	bool abandoned;

	pthread_mutex_lock(&s->lock);
	s->ready = true;
	pthread_cond_broadcast(&s->idle);
	while (!s->abandoned) {
		if (s->count > 0) {
			struct entry e = s->ring[s->head];

			s->ring[s->head] = (struct entry){};
			s->head = (s->head + 1) % s->ring_size;
			s->count--;
			s->bytes -= e.len;
			atomic_fetch_add(&s->room_seq, 1);
			if (s->waiters)
				futex_wake_all(&s->room_seq);
			s->busy = true;
			pthread_mutex_unlock(&s->lock);
			sink_put(s, &e);
			entry_free(&e);
			pthread_mutex_lock(&s->lock);
			s->busy = false;
			continue;
		}
		if (s->dropped_pending > 0) {
			/* The sink moved again and nothing else is queued: say
			 * now how many were lost, not at the next record. */
			uint64_t n = s->dropped_pending;

			s->dropped_pending = 0;
			s->busy = true;
			pthread_mutex_unlock(&s->lock);
			sink_put_loss(s, "dropped", s->name, n);
			pthread_mutex_lock(&s->lock);
			s->busy = false;
			continue;
		}
		s->drained = true;
		pthread_cond_broadcast(&s->idle);
		if (s->quit)
			break;
		pthread_cond_wait(&s->work, &s->lock);
	}
	abandoned = s->abandoned;
	s->exited = true;
	pthread_cond_broadcast(&s->idle);
	pthread_mutex_unlock(&s->lock);
	/* log_close is gone: nobody else will ever touch this sink. */
	if (abandoned)
		sink_free(s);
	return NULL;
}

/* Report a sink's first failure once, on stderr; count every one. Called by
 * the sink's writer, and for audit also at open. */
static void sink_failed(struct sink *s, int err)
{
	char msg[512], esc[256];
	bool first;

	pthread_mutex_lock(&s->lock);
	first = s->errors++ == 0;
	/* Under s->lock, so that log_close cannot abandon s and free the
	 * logger in between (lock order: a sink, then the stderr sink). */
	if (first && !s->abandoned && s->l && s->l->err && s->l->err != s && !s->shared) {
		if (log_escape(s->name, esc, sizeof(esc)) < 0)
			snprintf(esc, sizeof(esc), "?");
		snprintf(msg, sizeof(msg),
			 "sysgate: log sink %s: %s (further records to it are counted, not "
			 "reported)\n",
			 esc, strerror(err));
		notice(s->l, msg);
	}
	pthread_mutex_unlock(&s->lock);
}

static struct sink *sink_new(struct logger *l, const char *name)
{
	struct sink *s = calloc(1, sizeof(*s));
	pthread_condattr_t ca;

	if (!s)
		return NULL;
	s->l = l;
	s->fd = -1;
	s->fmt = l->fmt;
	s->records = true;
	s->full = LOG_FULL_BLOCK;
	s->drained = true;
	s->ring_size = LOG_QUEUE_RECORDS + LOG_QUEUE_SLACK;
	s->ring = calloc(s->ring_size, sizeof(*s->ring));
	s->name = strdup(name);
	pthread_mutex_init(&s->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->work, &ca);
	pthread_cond_init(&s->idle, &ca);
	pthread_condattr_destroy(&ca);
	if (!s->ring || !s->name) {
		sink_free(s);
		return NULL;
	}
	return s;
}

static int sink_start(struct sink *s)
{
	sigset_t all, old;
	pthread_attr_t attr;
	int r;

	/* Every signal blocked: the process's signals belong to the main
	 * thread's signalfd, and the writer must never see EINTR loops. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	r = -pthread_create(&s->thread, &attr, sink_main, s);
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r == 0)
		s->started = true;
	return r;
}

/* Wait until every sink has drained (or exited), at most until deadline. */
static bool wait_drained(struct logger *l, const struct timespec *deadline)
{
	bool all = true;

	for (size_t i = 0; i < l->n_sinks; i++) {
		struct sink *s = l->sinks[i];

		pthread_mutex_lock(&s->lock);
		while (s->started && !s->exited && !(s->drained && !s->busy))
			if (pthread_cond_timedwait(&s->idle, &s->lock, deadline) == ETIMEDOUT)
				break;
		all = all && (!s->started || s->exited || (s->drained && !s->busy));
		pthread_mutex_unlock(&s->lock);
	}
	return all;
}

int log_flush(struct logger *l, int timeout_ms)
{
	struct timespec deadline;

	if (!l)
		return 0;
	deadline_in(&deadline, timeout_ms);
	return wait_drained(l, &deadline) ? 0 : -ETIMEDOUT;
}

/* The loss of one stuck sink, said on every sink that moves. */
static void report_lost(struct logger *l, const struct sink *stuck, uint64_t n)
{
	for (size_t i = 0; i < l->n_sinks; i++) {
		struct sink *s = l->sinks[i];
		struct entry e = {.kind = ENTRY_LOST, .count = n};

		if (s == stuck || !s->started)
			continue;
		pthread_mutex_lock(&s->lock);
		if (!s->drained || s->busy || s->exited) {
			pthread_mutex_unlock(&s->lock);
			continue;
		}
		pthread_mutex_unlock(&s->lock);
		e.about = strdup(stuck->name);
		if (e.about)
			sink_push(s, &e, false);
	}
}

void log_close(struct logger *l)
{
	struct timespec deadline;
	bool syslog_stuck = false;
	size_t i;

	if (!l)
		return;
	/* No one waits for room from here on, and every writer ends once it
	 * has written what is queued. */
	for (i = 0; i < l->n_sinks; i++) {
		struct sink *s = l->sinks[i];

		pthread_mutex_lock(&s->lock);
		s->closing = true;
		atomic_fetch_add(&s->room_seq, 1);
		if (s->waiters)
			futex_wake_all(&s->room_seq);
		pthread_mutex_unlock(&s->lock);
	}
	deadline_in(&deadline, LOG_DRAIN_MS);
	if (!wait_drained(l, &deadline)) {
		for (i = 0; i < l->n_sinks; i++) {
			struct sink *s = l->sinks[i];
			uint64_t lost;
			bool stuck;

			pthread_mutex_lock(&s->lock);
			stuck = s->started && !s->exited && !(s->drained && !s->busy);
			lost = s->dropped_pending;
			for (size_t k = 0; k < s->count; k++)
				lost += s->ring[(s->head + k) % s->ring_size].kind == ENTRY_RECORD;
			lost += s->busy; /* the one in write(2) may never arrive */
			pthread_mutex_unlock(&s->lock);
			if (stuck && lost > 0 && s->records)
				report_lost(l, s, lost);
		}
		deadline_in(&deadline, LOG_NOTICE_MS);
	}
	for (i = 0; i < l->n_sinks; i++) {
		struct sink *s = l->sinks[i];

		pthread_mutex_lock(&s->lock);
		s->quit = true;
		pthread_cond_signal(&s->work);
		pthread_mutex_unlock(&s->lock);
	}
	wait_drained(l, &deadline);
	for (i = 0; i < l->n_sinks; i++) {
		struct sink *s = l->sinks[i];
		bool gone;

		if (!s->started) {
			sink_free(s);
			continue;
		}
		pthread_mutex_lock(&s->lock);
		gone = s->exited;
		if (!gone) {
			/* Still in write(2), on a terminal stopped by the
			 * command or a pipe nobody reads: leave it there. */
			s->abandoned = true;
			pthread_detach(s->thread);
			if (s->kind == SINK_SYSLOG)
				syslog_stuck = true;
		}
		pthread_mutex_unlock(&s->lock);
		if (gone) {
			pthread_join(s->thread, NULL);
			sink_free(s);
		}
	}
	free(l->sinks);
	/* closelog takes the lock a stuck syslog() holds. */
	if (l->syslog_open && !syslog_stuck)
		closelog();
	summary_free(&l->summary);
	pthread_mutex_destroy(&l->lock);
	free(l);
}

static void log_closep(struct logger **l)
{
	log_close(*l);
}

static int add_sink(struct logger *l, struct sink *s)
{
	struct sink **v = reallocarray(l->sinks, l->n_sinks + 1, sizeof(*v));

	if (!v) {
		sink_free(s);
		return -ENOMEM;
	}
	l->sinks = v;
	l->sinks[l->n_sinks++] = s;
	return 0;
}

int log_open(struct logger **ret, const char *const *sinks, size_t n_sinks, enum log_format fmt,
	     bool summary, const char **ret_bad)
{
	_cleanup_(log_closep) struct logger *l = NULL;
	bool audit_off = false;
	size_t i;
	int r;

	if (fmt != LOG_TEXT && fmt != LOG_JSON)
		return -EINVAL;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	pthread_mutex_init(&l->lock, NULL);
	l->fmt = fmt;
	l->summary_on = summary;
	l->owner = pthread_self();
	for (i = 0; i < n_sinks; i++) {
		const char *name = sinks[i];
		struct sink *s;

		/* A name from policy_sink_names, else a file (relative to the
		 * cwd on the command line; the policy demands absolute ones). */
		if (!name || !*name) {
			if (ret_bad)
				*ret_bad = name;
			return -EINVAL;
		}
		s = sink_new(l, name);
		if (!s)
			return -ENOMEM;
		r = add_sink(l, s);
		if (r < 0)
			return r;
		if (streq(name, "stderr")) {
			s->kind = SINK_FD;
			s->fd = STDERR_FILENO;
			s->shared = true;
			if (!l->err)
				l->err = s;
		} else if (streq(name, "audit")) {
			s->kind = SINK_AUDIT;
			s->audit = mnl_socket_open(NETLINK_AUDIT);
			if (s->audit && mnl_socket_bind(s->audit, 0, MNL_SOCKET_AUTOPID) < 0) {
				mnl_socket_close(s->audit);
				s->audit = NULL;
			}
			if (!s->audit)
				s->open_err = errno ? errno : EPERM;
			if (s->audit && audit_enabled(s->audit) == 0)
				audit_off = true;
		} else if (streq(name, "syslog")) {
			s->kind = SINK_SYSLOG;
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
			/* A terminal may be the command's too (/dev/tty, /dev/pts/N). */
			s->shared = isatty(s->fd);
		}
		if (s->shared)
			s->full = LOG_FULL_DROP;
	}
	/* sysgate's own notices and the summary go to stderr through a queue
	 * too, also when stderr takes no records. */
	if (!l->err) {
		struct sink *s = sink_new(l, "stderr");

		if (!s)
			return -ENOMEM;
		r = add_sink(l, s);
		if (r < 0)
			return r;
		s->kind = SINK_FD;
		s->fd = STDERR_FILENO;
		s->shared = true;
		s->records = false;
		s->full = LOG_FULL_DROP;
		l->err = s;
	}
	for (i = 0; i < l->n_sinks; i++) {
		r = sink_start(l->sinks[i]);
		if (r < 0)
			return r;
	}
	/*
	 * Return only once every writer is idle in its loop: `run` forks the
	 * agent right after this, and a thread caught starting up could hold
	 * a lock of the allocator (ASan's is not fork-safe) that the child
	 * would then wait on for ever.
	 */
	{
		struct timespec deadline;

		deadline_in(&deadline, 5000);
		for (i = 0; i < l->n_sinks; i++) {
			struct sink *s = l->sinks[i];

			pthread_mutex_lock(&s->lock);
			while (!s->ready)
				if (pthread_cond_timedwait(&s->idle, &s->lock, &deadline) ==
				    ETIMEDOUT)
					break;
			pthread_mutex_unlock(&s->lock);
		}
	}
	/* No audit in this kernel, or no right to it: say so once and go on;
	 * records still reach the other sinks. */
	for (i = 0; i < l->n_sinks; i++)
		if (l->sinks[i]->kind == SINK_AUDIT && !l->sinks[i]->audit)
			sink_failed(l->sinks[i], l->sinks[i]->open_err);
	if (audit_off)
		notice(l,
		       "sysgate: log sink audit: audit is disabled in this kernel (auditctl -e 1 "
		       "turns it on); its records go to the other sinks only\n");
	*ret = TAKE_PTR(l);
	return 0;
}

void log_set_full(struct logger *l, enum log_full mode)
{
	if (!l || (mode != LOG_FULL_BLOCK && mode != LOG_FULL_DROP))
		return;
	for (size_t i = 0; i < l->n_sinks; i++) {
		struct sink *s = l->sinks[i];

		pthread_mutex_lock(&s->lock);
		if (!s->shared)
			s->full = mode;
		pthread_mutex_unlock(&s->lock);
	}
}

/* The record as the audit sink sends it (without the netlink header). */
static char *audit_text(const struct log_record *r, size_t *ret_len)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	f = open_memstream(&text, &len);
	if (!f)
		return NULL;
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
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	*ret_len = len;
	return text;
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

/* A record that could not even be rendered (ENOMEM) is a drop: counted and
 * reported like one, so no record goes missing unsaid. */
static void drop_unrendered(struct sink *s)
{
	pthread_mutex_lock(&s->lock);
	count_drop(s);
	pthread_mutex_unlock(&s->lock);
}

void log_emit(struct logger *l, const struct log_record *r)
{
	char stack[LINE_STACK], stack_sys[LINE_STACK];
	char *line = NULL, *sysline = NULL, *atext = NULL;
	size_t len = 0, syslen = 0, alen = 0, i;
	bool may_wait;

	if (!l || !r)
		return;
	if (l->summary_on) {
		pthread_mutex_lock(&l->lock);
		summary_count(&l->summary, r);
		pthread_mutex_unlock(&l->lock);
	}
	may_wait = !pthread_equal(pthread_self(), l->owner);

	/* Rendering is CPU only; each sink gets its own copy to keep. */
	for (i = 0; i < l->n_sinks; i++) {
		struct sink *s = l->sinks[i];
		struct entry e = {.kind = ENTRY_RECORD};
		const char *src;
		size_t n;

		if (!s->records)
			continue;
		if (s->kind == SINK_AUDIT) {
			if (!atext)
				atext = audit_text(r, &alen);
			src = atext;
			n = alen;
		} else if (s->kind == SINK_SYSLOG) {
			/* syslog adds its own "sysgate[PID]:" and wants the text form. */
			if (!sysline)
				sysline = render(r, LOG_TEXT, false, stack_sys, sizeof(stack_sys),
						 &syslen);
			src = sysline;
			n = syslen;
			e.prio = is_blocking(r) ? LOG_NOTICE : LOG_INFO;
		} else {
			if (!line)
				line = render(r, l->fmt, true, stack, sizeof(stack), &len);
			src = line;
			n = len;
		}
		e.text = src ? malloc(n + 1) : NULL;
		if (!e.text) {
			drop_unrendered(s);
			continue;
		}
		memcpy(e.text, src, n);
		e.text[n] = '\0';
		e.len = n;
		sink_push(s, &e, may_wait);
	}
	if (line != stack)
		free(line);
	if (sysline != stack_sys)
		free(sysline);
	free(atext);
}

unsigned long log_write_errors(struct logger *l)
{
	unsigned long n = 0;

	if (!l)
		return 0;
	/* What is still queued has not failed yet: let it be written first. */
	(void)log_flush(l, LOG_DRAIN_MS);
	for (size_t i = 0; i < l->n_sinks; i++) {
		struct sink *s = l->sinks[i];

		pthread_mutex_lock(&s->lock);
		n += s->errors;
		pthread_mutex_unlock(&s->lock);
	}
	return n;
}

uint64_t log_dropped(struct logger *l)
{
	uint64_t n = 0;

	if (!l)
		return 0;
	for (size_t i = 0; i < l->n_sinks; i++) {
		struct sink *s = l->sinks[i];

		pthread_mutex_lock(&s->lock);
		n += s->dropped_total;
		pthread_mutex_unlock(&s->lock);
	}
	return n;
}

static const char *row_label(const struct summary_row *row, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s", decision_name(row->decision),
		 row->enforced ? "" : " (complain)");
	return buf;
}

static void summary_write(struct logger *l, FILE *out)
{
	_cleanup_free_ const struct summary_row **rows = NULL;
	const struct summary *s;
	size_t i, n = 0;
	char label[64];

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

void log_summary_print(struct logger *l, FILE *out)
{
	struct entry e = {.kind = ENTRY_RAW};
	FILE *m;

	if (!l || !out)
		return;
	pthread_mutex_lock(&l->lock);
	if (out != stderr) {
		summary_write(l, out);
		pthread_mutex_unlock(&l->lock);
		return;
	}
	/* To stderr through its queue, after the records queued there: the
	 * command may have stopped that terminal, and the exit must not wait. */
	m = open_memstream(&e.text, &e.len);
	if (m) {
		summary_write(l, m);
		if (fclose(m) != 0) {
			free(e.text);
			e.text = NULL;
		}
	}
	pthread_mutex_unlock(&l->lock);
	if (e.text)
		sink_push(l->err, &e, false);
}
