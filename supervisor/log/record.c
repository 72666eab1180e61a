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

void sb_call(struct sbuf *sb, const struct log_record *r)
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
