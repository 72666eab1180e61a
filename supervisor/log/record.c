/*
 * log/record: the pieces of a record shared by every format: a bounded string
 * builder, escaping, the ABI and syscall names, and the call's arguments
 * decoded as strace shows them. Trust: every string from the target passes
 * through sb_escape, so only printable ASCII comes out.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "supervisor/log/internal.h"

/* Raw string arguments longer than this are shown cut, with "..." (like strace -s). */
#define LOG_STR_MAX 4096

/* ---- A bounded string builder that knows how long the result would have been ---- */

void sb_init(struct sbuf *sb, char *buf, size_t size)
{
	sb->p = buf;
	sb->size = size;
	sb->len = 0;
	if (size > 0)
		buf[0] = '\0';
}

void sb_put(struct sbuf *sb, const char *s, size_t n)
{
	if (sb->size > 0 && sb->len < sb->size - 1) {
		size_t room = sb->size - 1 - sb->len;

		memcpy(sb->p + sb->len, s, MIN(n, room));
	}
	sb->len += n;
	if (sb->size > 0)
		sb->p[MIN(sb->len, sb->size - 1)] = '\0';
}

void sb_puts(struct sbuf *sb, const char *s)
{
	sb_put(sb, s, strlen(s));
}

void sb_printf(struct sbuf *sb, const char *fmt, ...)
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
void sb_escape(struct sbuf *sb, const char *s, size_t n)
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
int sb_result(const struct sbuf *sb)
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
const char *record_abi_name(const struct log_record *r)
{
	/* sg_abi_name takes the number as the kernel gave it, x32 bit included;
	 * a record keeps the bit apart. */
	if (r->arch != AUDIT_ARCH_X86_64 && r->arch != AUDIT_ARCH_I386)
		return NULL;
	return sg_abi_name(r->arch, r->x32 ? __X32_SYSCALL_BIT : 0);
}

void sb_abi(struct sbuf *sb, const struct log_record *r)
{
	const char *a = record_abi_name(r);

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

/* The ABI as the decoder (policy/argfmt.h) takes it. */
enum argfmt_abi record_abi(const struct log_record *r)
{
	if (is_i386(r))
		return ARGFMT_I386;
	return r->x32 ? ARGFMT_X32 : ARGFMT_X86_64;
}

/* The arguments the call really has, by name and type where sysgate knows
 * them (the argument table, else the shape's letters, else the count). */
unsigned record_args(const struct log_record *r, struct argfmt_arg a[6])
{
	return policy_call_args(r->syscall, r->shape, record_abi(r), a, NULL);
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

/* The decoder's text for one register, into sb. */
static void sb_decoded(struct sbuf *sb, const struct log_record *r, unsigned i,
		       const struct argfmt_arg *a)
{
	char tmp[512];
	size_t n = policy_arg_format(a->fmt, a->type, record_abi(r), r->args[i], tmp, sizeof(tmp));

	sb_put(sb, tmp, MIN(n, sizeof(tmp) - 1));
}

/* The sockaddr copy of argument i, if the record has one: its text, and
 * whether it is there (else the caller shows the pointer). */
bool record_addr(const struct log_record *r, unsigned i, struct policy_sockaddr *ret)
{
	if (!r->addr.read || r->addr.arg != i || r->addr.err || r->addr.len == 0)
		return false;
	return policy_sockaddr_decode(r->addr.bytes, MIN(r->addr.len, sizeof(r->addr.bytes)),
				      record_abi(r) != ARGFMT_X86_64, ret) == 0;
}

static void sb_arg(struct sbuf *sb, const struct log_record *r, unsigned i,
		   const struct argfmt_arg *a)
{
	struct policy_sockaddr sa;
	char tmp[640];
	size_t n;

	if (a->fmt == ARGFMT_STRING && r->strs[i]) {
		sb_string_arg(sb, r->strs[i]);
		return;
	}
	if (a->fmt == ARGFMT_SOCKADDR && record_addr(r, i, &sa)) {
		/* Escaped by the decoder: printable ASCII only. Marked as the
		 * copy it is: the kernel reads the address again. */
		n = policy_sockaddr_format(&sa, tmp, sizeof(tmp));
		sb_put(sb, tmp, MIN(n, sizeof(tmp) - 1));
		sb_puts(sb, " (copy)");
		return;
	}
	sb_decoded(sb, r, i, a);
	if (a->fmt == ARGFMT_SOCKADDR && r->addr.read && r->addr.arg == i && r->addr.err) {
		const char *e = policy_errno_name(r->addr.err);

		sb_puts(sb, " (unread: ");
		sb_puts(sb, e ? e : "error");
		sb_puts(sb, ")");
	}
}

void sb_call(struct sbuf *sb, const struct log_record *r)
{
	struct argfmt_arg a[6];
	unsigned i, n = record_args(r, a);

	if (r->via) {
		sb_puts(sb, r->via); /* sysgate's own text, from fixed tables */
		sb_puts(sb, " -> ");
	}
	sb_syscall_name(sb, r);
	sb_puts(sb, "(");
	for (i = 0; i < n; i++) {
		if (i > 0)
			sb_puts(sb, ", ");
		sb_arg(sb, r, i, &a[i]);
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
bool record_path_differs(const struct log_record *r)
{
	int i;

	if (!r->path)
		return false;
	i = first_string_arg(r);
	if (i < 0 || !r->strs[i])
		return true;
	return strcmp(r->path, r->strs[i]) != 0;
}

bool record_is_blocking(const struct log_record *r)
{
	return r->decision == DECISION_DENY || r->decision == DECISION_KILL;
}

const char *record_decision_name(enum decision_kind k)
{
	const char *n = policy_decision_name(k);

	return n ? n : "?";
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
