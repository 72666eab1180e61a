/*
 * test-property: a policy written with argument names decides exactly as the
 * same policy written with raw per-syscall argN, on every ABI (issue 10).
 *
 * Random policies are drawn over the syscalls policy/args.c names arguments
 * for: single syscalls ([=openat]), families ([open], [chown]) and lists
 * ([read, write]), with random conditions on named arguments (==, !=, <, <=,
 * >, >=, &, !&, & M == V, & M != V; numbers, negative numbers, constants)
 * and exe globs. Each is written a second time in the raw language: one
 * [=SYSCALL] section per member, where every named condition becomes argN
 * tests at that member's position on that ABI, for what the named form
 * means by the reference (sysgate-policy(5), CONDITIONS): an int compared
 * as 32 bits signed whatever the upper half of the register, a long as wide
 * as the ABI's long, a umode_t or an i386 16-bit id as 16 bits; a negative
 * value written for an unsigned type is its two's complement in the type's
 * width, a value the type cannot hold never equals it. The raw form is
 * derived here from that meaning (an oracle independent of policy/args.c's
 * comparison code), as a disjunction of raw rules with the same decision.
 *
 * What the raw language cannot say is excluded and counted, never skipped
 * silently:
 *  - a bit test whose set of values is no short union of ranges (`flags !&
 *    O_CREAT` has 2^25 of them: raw argN has no "none of"): the raw section
 *    stops before that rule, and a call decided by it or after it is not
 *    compared;
 *  - on x86_64 raw argN compares the whole 64-bit register, so a 32-bit
 *    argument is translated for an upper half of zero or all ones (zero- and
 *    sign-extended callers). A call with other bits there (and a 16-bit
 *    argument with bits above 16) is instead checked to decide exactly as the
 *    same call with those bits cleared, which is what the kernel sees, and
 *    that cleared call is compared with the raw policy.
 * Arguments the call keeps in memory (openat2's open_how, i386's old mmap)
 * fail closed in the named form; their raw form is "deny EPERM" where the
 * condition is reached.
 *
 * Both policies are also compiled, and the filter is run on each call by a
 * BPF interpreter (bpf-interp.h): whatever the filter allows in the kernel
 * must be an allow of the userspace decision (compile.c puts register-only
 * argN rules in the kernel; named conditions are always notified).
 *
 * SG_PROPERTY_SEED=N replays a run (the seed is printed on failure),
 * SG_PROPERTY_CASES=N sets the number of policies.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/audit.h>
#include <linux/sched.h>
#include <seccomp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "bpf-interp.h"
#include "policy/policy.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

typedef __int128 i128;

/* ---- the random source: splitmix64, seeded and replayable ---- */

static uint64_t seed, rng_state;

static uint64_t rng(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned pick(unsigned n)
{
	return (unsigned)(rng() % n);
}

/* ---- ABIs ---- */

enum abi { ABI_X86_64, ABI_I386, ABI_X32, N_ABIS };
static const char *const abi_names[N_ABIS] = {"x86_64", "i386", "x32"};
static const uint32_t abi_tokens[N_ABIS] = {SCMP_ARCH_X86_64, SCMP_ARCH_X86, SCMP_ARCH_X32};

static bool abi32(enum abi a)
{
	return a != ABI_X86_64;
}

static int abi_nr(enum abi a, const char *name)
{
	int nr = seccomp_syscall_resolve_name_arch(abi_tokens[a], name);

	if (nr < 0)
		return -1;
	return a == ABI_X32 ? nr | 0x40000000 : nr;
}

/* ---- the meaning of a named condition, independent of policy/args.c ---- */

static unsigned type_width(enum arg_type t, bool a32)
{
	if (t == ARGT_U16)
		return 16;
	if (t == ARGT_INT || t == ARGT_UINT)
		return 32;
	return a32 ? 32 : 64;
}

static bool type_signed(enum arg_type t)
{
	return t == ARGT_INT || t == ARGT_LONG;
}

static uint64_t low_mask(unsigned bits)
{
	return bits >= 64 ? UINT64_MAX : (1ULL << bits) - 1;
}

/* The number a value stands for, compared with a value of the type: for an
 * int, 0x80000000..0xffffffff is its two's complement; a negative value for
 * an unsigned type is its two's complement in the type's width. */
static i128 math_value(enum arg_type t, unsigned w, int64_t v)
{
	if (type_signed(t)) {
		if (t == ARGT_INT && v >= 0x80000000LL && v <= 0xffffffffLL)
			return (i128)v - ((i128)1 << 32);
		return v;
	}
	if (v < 0)
		return (i128)((uint64_t)v & low_mask(w));
	return v;
}

/* The bits of a value for a bit test: a negative one in the type's width,
 * a positive one as written (bits above the width are never set in it). */
static uint64_t bits_value(unsigned w, int64_t v)
{
	return v < 0 ? (uint64_t)v & low_mask(w) : (uint64_t)v;
}

/* ---- raw conditions, as disjunctions of conjunctions ---- */

#define MAX_ATOMS 12
#define MAX_TERMS 48

struct atom {
	char text[160];
};
struct term {
	size_t n;
	struct atom a[MAX_ATOMS];
};
enum dnf_state { DNF_OK, DNF_FAILCLOSED, DNF_INEXPRESSIBLE };
struct dnf {
	enum dnf_state st;
	size_t n; /* 0 terms: false; one empty term: true */
	struct term t[MAX_TERMS];
};

static void dnf_true(struct dnf *d)
{
	d->st = DNF_OK;
	d->n = 1;
	d->t[0].n = 0;
}

static void dnf_false(struct dnf *d)
{
	d->st = DNF_OK;
	d->n = 0;
}

static void term_add(struct dnf *d, struct term *t, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void term_add(struct dnf *d, struct term *t, const char *fmt, ...)
{
	va_list ap;

	if (t->n == MAX_ATOMS) {
		d->st = DNF_INEXPRESSIBLE;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(t->a[t->n++].text, sizeof(t->a[0].text), fmt, ap);
	va_end(ap);
}

static struct term *dnf_new_term(struct dnf *d)
{
	if (d->n == MAX_TERMS) {
		d->st = DNF_INEXPRESSIBLE;
		return NULL;
	}
	d->t[d->n].n = 0;
	return &d->t[d->n++];
}

/* acc = acc and d (distributed). */
static void dnf_and(struct dnf *acc, const struct dnf *d)
{
	static struct dnf out;

	if (acc->st != DNF_OK)
		return;
	if (d->st != DNF_OK) {
		acc->st = d->st;
		return;
	}
	out.st = DNF_OK;
	out.n = 0;
	for (size_t i = 0; i < acc->n; i++)
		for (size_t j = 0; j < d->n; j++) {
			struct term *t = dnf_new_term(&out);

			if (!t || acc->t[i].n + d->t[j].n > MAX_ATOMS) {
				acc->st = DNF_INEXPRESSIBLE;
				return;
			}
			*t = acc->t[i];
			memcpy(t->a + t->n, d->t[j].a, d->t[j].n * sizeof(struct atom));
			t->n += d->t[j].n;
		}
	*acc = out;
}

/* Sets of W-bit patterns as intervals. */
#define MAX_IV 16
struct ivs {
	size_t n;
	uint64_t lo[MAX_IV], hi[MAX_IV];
	bool too_many;
};

static void iv_add(struct ivs *s, uint64_t lo, uint64_t hi)
{
	if (s->n == MAX_IV) {
		s->too_many = true;
		return;
	}
	s->lo[s->n] = lo;
	s->hi[s->n++] = hi;
}

/* {x in [0, 2^w) : (x & m) == v}, as at most 16 intervals (else too_many). */
static void masked_set(struct ivs *s, unsigned w, uint64_t m, uint64_t v)
{
	uint64_t free_bits;
	unsigned l;

	s->n = 0;
	s->too_many = false;
	m &= low_mask(w);
	if (v & ~m)
		return; /* empty */
	if (m == 0) {
		iv_add(s, 0, low_mask(w));
		return;
	}
	l = (unsigned)__builtin_ctzll(m);
	free_bits = low_mask(w) & ~m & ~low_mask(l + 1);
	if (__builtin_popcountll(free_bits) > 4) {
		s->too_many = true;
		return;
	}
	/* every subset of the free bits above the lowest mask bit */
	{
		uint64_t sub = 0;

		do {
			uint64_t lo = v | sub;

			iv_add(s, lo, lo | low_mask(l));
			sub = (sub - free_bits) & free_bits;
		} while (sub != 0);
	}
}

static int iv_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The complement of s in [0, 2^w). */
static void iv_complement(struct ivs *s, unsigned w)
{
	uint64_t pairs[MAX_IV][2], next = 0;
	struct ivs out = {0};
	bool done = false;

	for (size_t i = 0; i < s->n; i++) {
		pairs[i][0] = s->lo[i];
		pairs[i][1] = s->hi[i];
	}
	qsort(pairs, s->n, sizeof(pairs[0]), iv_cmp);
	for (size_t i = 0; i < s->n && !done; i++) {
		if (pairs[i][0] > next)
			iv_add(&out, next, pairs[i][0] - 1);
		if (pairs[i][1] == low_mask(w))
			done = true;
		else
			next = pairs[i][1] + 1;
	}
	if (!done)
		iv_add(&out, next, low_mask(w));
	*s = out;
}

/*
 * How a raw register holds a W-bit value: on x86_64 a 32-bit argument is
 * zero- or sign-extended (two copies of every range: upper half 0 or all
 * ones); otherwise the value is the register (in raw's width) as it is.
 */
struct reg_form {
	unsigned idx, w;
	bool a32;
	size_t n_highs;
	uint64_t highs[2];
};

static struct reg_form reg_form(unsigned idx, unsigned w, bool a32)
{
	struct reg_form f = {.idx = idx, .w = w, .a32 = a32, .n_highs = 1};

	if (w == 32 && !a32) {
		f.n_highs = 2;
		f.highs[1] = 0xffffffff00000000ULL;
	}
	return f;
}

/* The pattern intervals s as raw rules on the register. */
static void dnf_from_ivs(struct dnf *d, const struct reg_form *f, const struct ivs *s)
{
	uint64_t rawmax = f->a32 ? 0xffffffffULL : UINT64_MAX;

	d->st = DNF_OK;
	d->n = 0;
	for (size_t j = 0; j < f->n_highs; j++)
		for (size_t i = 0; i < s->n; i++) {
			uint64_t lo = s->lo[i] | f->highs[j], hi = s->hi[i] | f->highs[j];
			struct term *t = dnf_new_term(d);

			if (!t)
				return;
			if (lo == hi) {
				term_add(d, t, "arg%u == %#" PRIx64, f->idx, lo);
				continue;
			}
			if (lo > 0)
				term_add(d, t, "arg%u >= %#" PRIx64, f->idx, lo);
			if (hi < rawmax)
				term_add(d, t, "arg%u <= %#" PRIx64, f->idx, hi);
		}
}

/* The math interval [a, b] of a w-bit type as pattern intervals. */
static void ivs_from_math(struct ivs *s, unsigned w, bool sgn, i128 a, i128 b)
{
	i128 mod = (i128)1 << w;

	if (a > b)
		return;
	if (!sgn || a >= 0) {
		iv_add(s, (uint64_t)a, (uint64_t)b);
		return;
	}
	if (b < 0) {
		iv_add(s, (uint64_t)(a + mod), (uint64_t)(b + mod));
		return;
	}
	iv_add(s, (uint64_t)(a + mod), low_mask(w));
	iv_add(s, 0, (uint64_t)b);
}

/* A named condition on a register argument of type t, as raw rules. */
static void raw_of_named(struct dnf *d, const struct reg_form *f, enum arg_type t, enum arg_op op,
			 int64_t v, int64_t m)
{
	unsigned w = f->w;
	bool sgn = type_signed(t);
	i128 lo = sgn ? -((i128)1 << (w - 1)) : 0;
	i128 hi = sgn ? ((i128)1 << (w - 1)) - 1 : (i128)low_mask(w);
	i128 mv = math_value(t, w, v);
	struct ivs s = {0};

	switch (op) {
	case ARG_EQ:
		if (mv >= lo && mv <= hi)
			ivs_from_math(&s, w, sgn, mv, mv);
		dnf_from_ivs(d, f, &s);
		return;
	case ARG_NE: {
		uint64_t p = (uint64_t)(mv < 0 ? mv + ((i128)1 << w) : mv);
		struct term *tm;

		dnf_true(d);
		if (mv < lo || mv > hi)
			return;
		tm = &d->t[0];
		for (size_t j = 0; j < f->n_highs; j++)
			term_add(d, tm, "arg%u != %#" PRIx64, f->idx, p | f->highs[j]);
		return;
	}
	case ARG_LT:
		ivs_from_math(&s, w, sgn, lo, mv - 1 < hi ? mv - 1 : hi);
		dnf_from_ivs(d, f, &s);
		return;
	case ARG_LE:
		ivs_from_math(&s, w, sgn, lo, mv < hi ? mv : hi);
		dnf_from_ivs(d, f, &s);
		return;
	case ARG_GT:
		ivs_from_math(&s, w, sgn, mv + 1 > lo ? mv + 1 : lo, hi);
		dnf_from_ivs(d, f, &s);
		return;
	case ARG_GE:
		ivs_from_math(&s, w, sgn, mv > lo ? mv : lo, hi);
		dnf_from_ivs(d, f, &s);
		return;
	case ARG_AND: {
		uint64_t b = bits_value(w, v) & low_mask(w);

		dnf_false(d);
		if (b) {
			struct term *tm = dnf_new_term(d);

			term_add(d, tm, "arg%u & %#" PRIx64, f->idx, b);
		}
		return;
	}
	case ARG_NONE_OF: {
		uint64_t b = bits_value(w, v) & low_mask(w);

		masked_set(&s, w, b, 0);
		break;
	}
	case ARG_MASKED_EQ:
	case ARG_MASKED_NE: {
		uint64_t mb = bits_value(w, m) & low_mask(w), vb = bits_value(w, v);

		if (vb & ~low_mask(w)) {
			/* a value with bits the type does not have: never equal */
			if (op == ARG_MASKED_EQ)
				dnf_false(d);
			else
				dnf_true(d);
			return;
		}
		if (op == ARG_MASKED_NE && vb == 0) { /* any of the mask's bits */
			dnf_false(d);
			if (mb) {
				struct term *tm = dnf_new_term(d);

				term_add(d, tm, "arg%u & %#" PRIx64, f->idx, mb);
			}
			return;
		}
		masked_set(&s, w, mb, vb);
		if (!s.too_many && op == ARG_MASKED_NE)
			iv_complement(&s, w);
		if (s.too_many && op == ARG_MASKED_EQ && mb == vb &&
		    __builtin_popcountll(mb) <= 6) {
			/* all of the bits: one & per bit */
			struct term *tm;

			dnf_false(d);
			tm = dnf_new_term(d);
			for (uint64_t x = mb; x; x &= x - 1)
				term_add(d, tm, "arg%u & %#" PRIx64, f->idx, x & -x);
			return;
		}
		break;
	}
	}
	if (s.too_many) {
		d->st = DNF_INEXPRESSIBLE;
		return;
	}
	dnf_from_ivs(d, f, &s);
}

/* ---- constants and values, by their meaning (libc's headers) ---- */

struct value {
	const char *text;
	int64_t v64, v32; /* x86_64; i386 and x32 */
};

/* For any argument but a mode (which is octal). */
static const struct value plain_values[] = {
	{"0", 0, 0},
	{"1", 1, 1},
	{"2", 2, 2},
	{"5", 5, 5},
	{"16", 16, 16},
	{"255", 255, 255},
	{"-1", -1, -1},
	{"-100", -100, -100},
	{"AT_FDCWD", AT_FDCWD, AT_FDCWD},
	{"0x7fffffff", 0x7fffffff, 0x7fffffff},
	{"0x80000000", 0x80000000LL, 0x80000000LL},
	{"0xffffffff", 0xffffffffLL, 0xffffffffLL},
	{"0xffffff9c", 0xffffff9cLL, 0xffffff9cLL},
	{"-2147483648", INT32_MIN, INT32_MIN},
	{"65535", 65535, 65535},
	{"65536", 65536, 65536},
	{"70000", 70000, 70000},
	{"0x100000000", 0x100000000LL, 0x100000000LL},
	{"0x7fffffffffffffff", INT64_MAX, INT64_MAX},
	{"-4294967296", -4294967296LL, -4294967296LL},
	{"O_CREAT|O_EXCL", O_CREAT | O_EXCL, O_CREAT | O_EXCL},
	{"O_WRONLY|O_RDWR", O_WRONLY | O_RDWR, O_WRONLY | O_RDWR},
	{"O_LARGEFILE", 0, 0100000},
	{"O_CLOEXEC", O_CLOEXEC, O_CLOEXEC},
	{"AF_INET", AF_INET, AF_INET},
	{"SOCK_STREAM|SOCK_NONBLOCK", SOCK_STREAM | SOCK_NONBLOCK, SOCK_STREAM | SOCK_NONBLOCK},
	{"CLONE_NEWUSER|CLONE_NEWNS", CLONE_NEWUSER | CLONE_NEWNS, CLONE_NEWUSER | CLONE_NEWNS},
	{"PROT_EXEC", PROT_EXEC, PROT_EXEC},
	{"MAP_32BIT", 0x40, 0},
	{"MAP_SHARED|MAP_FIXED", MAP_SHARED | MAP_FIXED, MAP_SHARED | MAP_FIXED},
	{"0xfffff000", 0xfffff000LL, 0xfffff000LL},
	{"0xc0000000", 0xc0000000LL, 0xc0000000LL},
};
static const struct value plain_masks[] = {
	{"O_ACCMODE", O_ACCMODE, O_ACCMODE},
	{"0xfffff000", 0xfffff000LL, 0xfffff000LL},
	{"0xffff0000", 0xffff0000LL, 0xffff0000LL},
	{"0x80000000", 0x80000000LL, 0x80000000LL},
	{"0xc0000000", 0xc0000000LL, 0xc0000000LL},
	{"O_CREAT|O_EXCL", O_CREAT | O_EXCL, O_CREAT | O_EXCL},
	{"PROT_READ|PROT_WRITE|PROT_EXEC", 7, 7},
	{"0xffffffff00000000", (int64_t)0xffffffff00000000ULL, (int64_t)0xffffffff00000000ULL},
	{"0x1ffffffff", 0x1ffffffffLL, 0x1ffffffffLL},
	{"-1", -1, -1},
};
static const struct value plain_masked_values[] = {
	{"0", 0, 0},
	{"O_WRONLY", O_WRONLY, O_WRONLY},
	{"O_RDWR", O_RDWR, O_RDWR},
	{"O_CREAT", O_CREAT, O_CREAT},
	{"0x80000000", 0x80000000LL, 0x80000000LL},
	{"0x40000000", 0x40000000LL, 0x40000000LL},
	{"0x10000", 0x10000, 0x10000},
	{"0x100000000", 0x100000000LL, 0x100000000LL},
	{"4", 4, 4},
	{"-1", -1, -1},
};
static const struct value mode_values[] = {
	{"0", 0, 0},
	{"0755", 0755, 0755},
	{"4755", 04755, 04755},
	{"04000", 04000, 04000},
	{"06000", 06000, 06000},
	{"07777", 07777, 07777},
	{"0177777", 0177777, 0177777},
	{"0100", 0100, 0100},
	{"1", 1, 1},
	{"-1", -1, -1},
	{"S_ISUID|S_ISGID", S_ISUID | S_ISGID, S_ISUID | S_ISGID},
	{"S_IFMT", S_IFMT, S_IFMT},
	{"0100000", 0100000, 0100000},
	{"0140000", 0140000, 0140000},
};
static const struct value mode_masks[] = {
	{"07777", 07777, 07777},       {"06000", 06000, 06000},	      {"S_IFMT", S_IFMT, S_IFMT},
	{"0100000", 0100000, 0100000}, {"0140000", 0140000, 0140000}, {"0177000", 0177000, 0177000},
};
static const struct value mode_masked_values[] = {
	{"0", 0, 0},
	{"04000", 04000, 04000},
	{"S_IFREG", S_IFREG, S_IFREG},
	{"0100000", 0100000, 0100000},
	{"S_ISUID|S_ISGID", 06000, 06000},
	{"040000", 040000, 040000},
};

/* Does v fit the loader's check for type t ("a value that does not fit the
 * type is an error")? Only what fits is generated. */
static bool fits(enum arg_type t, int64_t v)
{
	if (t == ARGT_U16)
		return v >= INT16_MIN && v <= (int64_t)UINT16_MAX;
	if (t == ARGT_INT || t == ARGT_UINT)
		return v >= INT32_MIN && v <= (int64_t)UINT32_MAX;
	return true;
}

/* ---- candidate sections ---- */

#define MAX_MEMBERS 16
#define MAX_NAMES 8

struct cand {
	char header[64];
	bool family;
	size_t n_members;
	const char *members[MAX_MEMBERS];
	size_t n_names;
	const char *names[MAX_NAMES];
};

static struct cand cands[600];
static size_t n_cands;

/* The names every member has as a value (not an address); the x86_64 table
 * is what the loader checks. */
static void common_names(struct cand *c)
{
	const struct syscall_args *a = policy_syscall_args(c->members[0]);
	const char *all[8];
	size_t n = 0;

	c->n_names = 0;
	if (!a)
		return;
	for (int i = 0; i < 6; i++)
		if (a->a[i].name)
			all[n++] = a->a[i].name;
	if (a->fixed.name)
		all[n++] = a->fixed.name;
	for (size_t i = 0; i < n; i++) {
		bool ok = true;

		for (size_t m = 0; m < c->n_members && ok; m++) {
			struct arg_place at;

			ok = policy_arg_find(c->members[m], all[i], &at) == 0 &&
			     at.where != ARGW_POINTER;
		}
		if (ok && c->n_names < MAX_NAMES)
			c->names[c->n_names++] = all[i];
	}
}

static bool cand_has(const char *name)
{
	for (size_t i = 0; i < n_cands; i++)
		for (size_t m = 0; m < cands[i].n_members; m++)
			if (!cands[i].family && !strcmp(cands[i].members[m], name) &&
			    cands[i].n_members == 1)
				return true;
	return false;
}

static void build_cands(void)
{
	static const char *const lists[][4] = {
		{"read", "write"},	  {"kill", "tkill"},
		{"socket", "socketpair"}, {"setsockopt", "getsockopt"},
		{"mmap", "mmap2"},	  {"dup2", "dup3"},
		{"sendmsg", "recvmsg"},	  {"mprotect", "pkey_mprotect"},
		{"accept", "accept4"},
	};

	n_cands = 0;
	for (const struct family *const *f = policy_families; *f; f++) {
		struct cand *c = &cands[n_cands];

		*c = (struct cand){.family = true};
		snprintf(c->header, sizeof(c->header), "%s", (*f)->name);
		for (const char *const *s = (*f)->syscalls; *s && c->n_members < MAX_MEMBERS; s++)
			c->members[c->n_members++] = *s;
		common_names(c);
		if (c->n_names)
			n_cands++;
	}
	for (size_t i = 0; i < ARRAY_SIZE(lists); i++) {
		struct cand *c = &cands[n_cands];

		*c = (struct cand){0};
		snprintf(c->header, sizeof(c->header), "%s, %s", lists[i][0], lists[i][1]);
		c->members[0] = lists[i][0];
		c->members[1] = lists[i][1];
		c->n_members = 2;
		common_names(c);
		if (c->n_names)
			n_cands++;
	}
	/* every syscall the table names arguments for, alone */
	for (int abi = 0; abi < 2; abi++)
		for (int nr = 0; nr < 1024 && n_cands < ARRAY_SIZE(cands); nr++) {
			char *name = seccomp_syscall_resolve_num_arch(abi_tokens[abi], nr);
			struct cand *c = &cands[n_cands];
			const char *kept = NULL;

			if (!name)
				continue;
			if (policy_syscall_args(name) && !cand_has(name)) {
				/* a stable copy of the name: the table's own */
				kept = policy_syscall_args(name)->syscall;
				*c = (struct cand){.n_members = 1, .members = {kept}};
				snprintf(c->header, sizeof(c->header), "=%s", kept);
				common_names(c);
				if (c->n_names)
					n_cands++;
			}
			free(name);
		}
}

/* ---- a generated policy ---- */

struct gcond {
	enum { GC_ANY, GC_EXE, GC_NAMED } kind;
	char text[160];
	const char *name;
	enum arg_op op;
	int64_t v64, v32, m64, m32;
};
struct grule {
	unsigned line; /* of its key */
	char key[32];  /* "deny = EACCES " */
	size_t n;
	struct gcond c[3];
};
struct gsection {
	const struct cand *cand;
	unsigned line;
	size_t n_rules;
	struct grule r[4];
};
struct gpolicy {
	const char *dflt;
	size_t n;
	struct gsection s[6];
	char text[8192];
};

static void append(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void append(char *buf, size_t size, const char *fmt, ...)
{
	size_t len = strlen(buf);
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf + len, size - len, fmt, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < size - len);
}

/* Does the value fit name's type in every member (the loader's check)? */
static bool fits_all(const struct cand *c, const char *name, int64_t v)
{
	for (size_t m = 0; m < c->n_members; m++) {
		struct arg_place at;

		if (policy_arg_find(c->members[m], name, &at) == 0 && !fits(at.type, v))
			return false;
	}
	return true;
}

static const struct value *pick_value(const struct value *pool, size_t n, const struct cand *c,
				      const char *name)
{
	for (int tries = 0; tries < 20; tries++) {
		const struct value *v = &pool[pick((unsigned)n)];

		if (fits_all(c, name, v->v64))
			return v;
	}
	return &pool[0]; /* "0" fits everything */
}

static void gen_cond(struct gcond *g, const struct cand *c)
{
	static const char *const order_ops[] = {"==", "!=", "<", "<=", ">", ">="};
	const char *name;
	bool mode;
	unsigned k = pick(20);

	if (k == 0) {
		g->kind = GC_EXE;
		snprintf(g->text, sizeof(g->text), "%s",
			 pick(2) ? "exe ~ /usr/bin/*" : "exe !~ /bin/sh");
		return;
	}
	g->kind = GC_NAMED;
	name = c->names[pick((unsigned)c->n_names)];
	mode = !strcmp(name, "mode");
	g->name = name;
	k = pick(10);
	if (k < 5) {
		const struct value *v =
			mode ? pick_value(mode_values, ARRAY_SIZE(mode_values), c, name)
			     : pick_value(plain_values, ARRAY_SIZE(plain_values), c, name);

		g->op = (enum arg_op)(ARG_EQ + pick(6));
		g->v64 = v->v64;
		g->v32 = v->v32;
		snprintf(g->text, sizeof(g->text), "%s %s %s", name, order_ops[g->op], v->text);
		return;
	}
	if (k < 8) {
		/* & or !&: bits (a test of no bits is refused) */
		const struct value *v;

		for (;;) {
			v = mode ? pick_value(mode_values, ARRAY_SIZE(mode_values), c, name)
				 : pick_value(plain_values, ARRAY_SIZE(plain_values), c, name);
			/* `mode & 0100000` is refused by design where the section
			 * has file modes (the older form: at most 07777) */
			if (mode && k < 7 && strspn(v->text, "01234567") == strlen(v->text) &&
			    v->v64 > 07777)
				continue;
			if (v->v64 || v->v32)
				break;
		}
		g->op = k < 7 ? ARG_AND : ARG_NONE_OF;
		g->v64 = v->v64;
		g->v32 = v->v32;
		snprintf(g->text, sizeof(g->text), "%s %s %s", name, k < 7 ? "&" : "!&", v->text);
		return;
	}
	{
		const struct value *m =
			mode ? pick_value(mode_masks, ARRAY_SIZE(mode_masks), c, name)
			     : pick_value(plain_masks, ARRAY_SIZE(plain_masks), c, name);
		const struct value *pool = mode ? mode_masked_values : plain_masked_values;
		size_t n = mode ? ARRAY_SIZE(mode_masked_values) : ARRAY_SIZE(plain_masked_values);
		const struct value *v = &pool[0];

		/* a value within its mask, on both ABIs (else: refused) */
		for (int tries = 0; tries < 20; tries++) {
			const struct value *x = &pool[pick((unsigned)n)];

			if (!((uint64_t)x->v64 & ~(uint64_t)m->v64) &&
			    !((uint64_t)x->v32 & ~(uint64_t)m->v32) && fits_all(c, name, x->v64)) {
				v = x;
				break;
			}
		}
		if (pick(4) == 0)
			v = m; /* all of the bits */
		g->op = k == 8 ? ARG_MASKED_EQ : ARG_MASKED_NE;
		g->m64 = m->v64;
		g->m32 = m->v32;
		g->v64 = v->v64;
		g->v32 = v->v32;
		snprintf(g->text, sizeof(g->text), "%s & %s %s %s", name, m->text,
			 k == 8 ? "==" : "!=", v->text);
	}
}

static const char *const keys[] = {
	"allow = ", "deny = ", "deny = EACCES ", "kill = ", "log = ", "errno = ENOENT ", "ask = ",
};

static bool members_overlap(const struct gpolicy *g, const struct cand *c)
{
	for (size_t i = 0; i < g->n; i++) {
		const struct cand *o = g->s[i].cand;

		if (o == c)
			return true;
		if (o->family != c->family)
			continue; /* a family and an exact name: the exact one wins */
		for (size_t a = 0; a < o->n_members; a++)
			for (size_t b = 0; b < c->n_members; b++)
				if (!strcmp(o->members[a], c->members[b]))
					return true;
	}
	return false;
}

static void gen_policy(struct gpolicy *g)
{
	static const char *const defaults[] = {"allow", "allow", "deny",
					       "kill",	"log",	 "deny EROFS"};
	unsigned want = 1 + pick(4), line = 3;

	memset(g, 0, sizeof(*g));
	g->dflt = defaults[pick(ARRAY_SIZE(defaults))];
	append(g->text, sizeof(g->text), "[sysgate]\ndefault = %s\n", g->dflt);
	for (unsigned tries = 0; g->n < want && tries < 20; tries++) {
		const struct cand *c = &cands[pick((unsigned)n_cands)];
		struct gsection *s;

		if (members_overlap(g, c))
			continue;
		s = &g->s[g->n++];
		s->cand = c;
		s->line = line++;
		s->n_rules = 1 + pick(4);
		append(g->text, sizeof(g->text), "[%s]\n", c->header);
		for (size_t r = 0; r < s->n_rules; r++) {
			struct grule *gr = &s->r[r];

			snprintf(gr->key, sizeof(gr->key), "%s", keys[pick(ARRAY_SIZE(keys))]);
			if (pick(8) == 0) {
				gr->n = 1;
				gr->c[0].kind = GC_ANY;
				snprintf(gr->c[0].text, sizeof(gr->c[0].text), "*");
			} else {
				gr->n = 1 + pick(3);
				for (size_t k = 0; k < gr->n; k++)
					gen_cond(&gr->c[k], c);
			}
			gr->line = line;
			append(g->text, sizeof(g->text), "%s", gr->key);
			for (size_t k = 0; k < gr->n; k++) {
				/* a long rule continues on the next line */
				bool cont = k && (pick(2) || strlen(gr->c[k].text) > 50);

				append(g->text, sizeof(g->text), "%s%s",
				       !k     ? ""
				       : cont ? " and \\\n    "
					      : " and ",
				       gr->c[k].text);
				line += cont;
			}
			append(g->text, sizeof(g->text), "\n");
			line++;
		}
	}
}

/* ---- the raw form ---- */

struct stats {
	unsigned policies, calls, compared, noncanonical, inexpressible_calls;
	unsigned inexpressible_sections, failclosed_rules, sections_translated;
	unsigned bpf_checked, bpf_allowed_conditional, bpf_notified;
	unsigned decisions[6];
};

/* The raw rules of one named condition in member m on abi. */
static void raw_of_cond(struct dnf *d, const struct gcond *g, const char *m, enum abi abi)
{
	struct arg_place at;
	bool a32 = abi32(abi);

	if (g->kind == GC_ANY) {
		dnf_true(d);
		return;
	}
	if (g->kind == GC_EXE) {
		dnf_true(d);
		snprintf(d->t[0].a[0].text, sizeof(d->t[0].a[0].text), "%s", g->text);
		d->t[0].n = 1;
		return;
	}
	if (policy_arg_find_abi(m, g->name, abi == ABI_I386, &at) < 0)
		fail_msg("%s has no argument %s on %s, but the policy loaded", m, g->name,
			 abi_names[abi]);
	switch (at.where) {
	case ARGW_REGISTER: {
		struct reg_form f = reg_form((unsigned)at.index, type_width(at.type, a32), a32);

		raw_of_named(d, &f, at.type, g->op, a32 ? g->v32 : g->v64, a32 ? g->m32 : g->m64);
		return;
	}
	case ARGW_FIXED: {
		/* creat's flags: the condition is true or false by definition;
		 * decide it on the value as a raw register of that value. */
		struct reg_form f = reg_form(0, type_width(at.type, a32), a32);
		struct dnf probe;
		bool holds = false;

		raw_of_named(&probe, &f, at.type, g->op, a32 ? g->v32 : g->v64,
			     a32 ? g->m32 : g->m64);
		if (probe.st != DNF_OK) {
			d->st = probe.st;
			return;
		}
		/* evaluate the raw terms on register value at.fixed */
		for (size_t i = 0; i < probe.n && !holds; i++) {
			bool all = true;

			for (size_t k = 0; k < probe.t[i].n && all; k++) {
				char op[4];
				uint64_t v, r = at.fixed;

				if (sscanf(probe.t[i].a[k].text, "arg0 %3s %" SCNx64, op, &v) != 2)
					fail_msg("cannot read back '%s'", probe.t[i].a[k].text);
				if (!strcmp(op, "=="))
					all = r == v;
				else if (!strcmp(op, "!="))
					all = r != v;
				else if (!strcmp(op, ">="))
					all = r >= v;
				else if (!strcmp(op, "<="))
					all = r <= v;
				else if (!strcmp(op, "&"))
					all = (r & v) != 0;
				else
					fail_msg("op %s", op);
			}
			holds = all;
		}
		if (holds)
			dnf_true(d);
		else
			dnf_false(d);
		return;
	}
	case ARGW_HOW_FLAGS:
	case ARGW_HOW_MODE:
	case ARGW_HOW_RESOLVE:
	case ARGW_IN_MEMORY:
		d->st = DNF_FAILCLOSED; /* no copy of the memory in these calls */
		return;
	default:
		fail_msg("%s's %s: unexpected place %d", m, g->name, (int)at.where);
	}
}

/*
 * Append m's raw section for abi. Returns the number of rules written in raw
 * form: s->n_rules, or the index of the first rule the raw language cannot
 * say (the raw section stops there, and only calls a rule before it decides
 * are compared).
 */
static size_t raw_section(char *buf, size_t size, const struct gsection *s, const char *m,
			  enum abi abi, struct stats *st)
{
	static struct dnf acc, d;
	static char sec[32768];
	size_t r;

	sec[0] = '\0';
	append(sec, sizeof(sec), "[=%s]\n", m);
	for (r = 0; r < s->n_rules; r++) {
		const struct grule *gr = &s->r[r];
		bool failclosed = false, cut = false;

		dnf_true(&acc);
		for (size_t k = 0; k < gr->n && !cut; k++) {
			raw_of_cond(&d, &gr->c[k], m, abi);
			if (d.st == DNF_INEXPRESSIBLE) {
				cut = true;
				break;
			}
			if (d.st == DNF_FAILCLOSED) {
				failclosed = true;
				break;
			}
			dnf_and(&acc, &d);
			cut = acc.st == DNF_INEXPRESSIBLE;
			if (acc.n == 0)
				break; /* false: later conditions are never evaluated */
		}
		if (cut)
			break;
		if (failclosed)
			st->failclosed_rules++;
		for (size_t i = 0; i < acc.n; i++) {
			const struct term *t = &acc.t[i];

			append(sec, sizeof(sec), "%s", failclosed ? "deny = EPERM " : gr->key);
			if (!t->n)
				append(sec, sizeof(sec), "*");
			for (size_t k = 0; k < t->n; k++)
				append(sec, sizeof(sec), "%s%s", k ? " and \\\n    " : "",
				       t->a[k].text);
			append(sec, sizeof(sec), "\n");
		}
	}
	append(buf, size, "%s", sec);
	return r;
}

/* ---- calls ---- */

static const uint64_t interesting[] = {
	0,
	1,
	2,
	5,
	16,
	0x7ff,
	0x800,
	0755,
	04755,
	06000,
	0100000,
	0170000,
	0xffff,
	0x10000,
	0x7fffffff,
	0x80000000ULL,
	0xfffff000ULL,
	0xffffff9cULL,
	0xffffffffULL,
	0x100000000ULL,
	(uint64_t)-100,
	(uint64_t)-1,
	(uint64_t)INT32_MIN,
	0x8000000000000000ULL,
	0x7fffffffffffffffULL,
};

/* A register value near a value the policy names, or an interesting one,
 * zero- or sign-extended, now and then with garbage in the upper half. */
static uint64_t gen_reg(const struct gpolicy *g, enum abi abi)
{
	uint64_t v = interesting[pick(ARRAY_SIZE(interesting))];
	unsigned k = pick(12);

	if (k < 5 && g->n) {
		const struct gsection *s = &g->s[pick((unsigned)g->n)];
		const struct grule *r = &s->r[pick((unsigned)s->n_rules)];
		const struct gcond *c = &r->c[pick((unsigned)r->n)];

		if (c->kind == GC_NAMED) {
			v = (uint64_t)(abi32(abi) ? c->v32 : c->v64);
			if (c->op >= ARG_MASKED_EQ && pick(2))
				v |= (uint64_t)(abi32(abi) ? c->m32 : c->m64) & rng();
		}
	}
	switch (pick(8)) {
	case 0:
		v += 1;
		break;
	case 1:
		v -= 1;
		break;
	case 2:
		v = (uint64_t)(int64_t)(int32_t)v; /* sign-extended int */
		break;
	case 3:
		v = (uint32_t)v; /* zero-extended int */
		break;
	case 4:
		if (pick(3) == 0)
			v = (v & 0xffffffffULL) | (rng() << 32); /* upper garbage */
		break;
	case 5:
		if (pick(4) == 0)
			v = rng();
		break;
	default:
		break;
	}
	return abi == ABI_I386 ? (uint32_t)v : v; /* i386's registers are 32 bits */
}

/* The named conditions' registers of section s in m on abi, with widths. */
static size_t used_regs(const struct gsection *s, const char *m, enum abi abi, unsigned idx[12],
			unsigned w[12])
{
	size_t n = 0;

	for (size_t r = 0; r < s->n_rules; r++)
		for (size_t k = 0; k < s->r[r].n; k++) {
			const struct gcond *c = &s->r[r].c[k];
			struct arg_place at;

			if (c->kind != GC_NAMED ||
			    policy_arg_find_abi(m, c->name, abi == ABI_I386, &at) < 0 ||
			    at.where != ARGW_REGISTER || n == 12)
				continue;
			idx[n] = (unsigned)at.index;
			w[n++] = type_width(at.type, abi32(abi));
		}
	return n;
}

/* Clear what the kernel does not see of the named arguments: false if the
 * call was already as the raw translation assumes. */
static bool canonicalize(struct call *c, const struct gsection *s, enum abi abi)
{
	unsigned idx[12], w[12];
	size_t n = used_regs(s, c->syscall, abi, idx, w);
	bool changed = false;

	for (size_t i = 0; i < n; i++) {
		uint64_t r = c->args[idx[i]], raw = abi32(abi) ? (uint32_t)r : r;

		if (w[i] == 16 && (raw >> 16) != 0) {
			c->args[idx[i]] = r & 0xffff;
			changed = true;
		} else if (w[i] == 32 && !abi32(abi) && (r >> 32) != 0 &&
			   (r >> 32) != 0xffffffffULL) {
			c->args[idx[i]] = (uint32_t)r;
			changed = true;
		}
	}
	return changed;
}

/* ---- running the filters ---- */

static uint32_t run_filter(const struct policy_filter *f, enum abi abi, int nr, const uint64_t a[6])
{
	struct seccomp_data d = {
		.nr = nr,
		.arch = abi == ABI_I386 ? AUDIT_ARCH_I386 : AUDIT_ARCH_X86_64,
		.instruction_pointer = 0x401000,
	};

	memcpy(d.args, a, sizeof(d.args));
	return bpf_run(f->insns, f->len, &d) & SECCOMP_RET_ACTION_FULL;
}

/*
 * A call the supervisor denies only because a value it needs is in memory it
 * was not given (openat2's open_how here), in a section where every rule and
 * the default allow: the filter may allow it in the kernel, since no value of
 * that memory leads anywhere but allow.
 */
static bool every_branch_allows(const struct policy *p, const struct section *s, struct decision d)
{
	if (!d.unresolved && !d.mem_unsafe)
		return false;
	for (size_t i = 0; s && i < s->n_rules; i++) {
		if (s->rules[i].kind != DECISION_ALLOW)
			return false;
		if (s->rules[i].n_conds == 1 && s->rules[i].conds[0].kind == COND_ANY)
			return true;
	}
	return p->dflt.kind == DECISION_ALLOW;
}

static bool decision_eq(struct decision a, struct decision b)
{
	return a.kind == b.kind && (a.kind != DECISION_DENY || a.err == b.err);
}

static struct policy *load(const char *what, const char *text)
{
	struct policy_diags d = {0};
	struct policy *p = NULL;
	int r = policy_load_string("t.ini", text, &p, &d);

	if (r < 0) {
		print_message("seed %" PRIu64 ": the %s policy is refused:\n%s", seed, what, text);
		for (size_t i = 0; i < d.n; i++)
			print_message("  t.ini:%u: %s\n", d.v[i].line, d.v[i].msg);
	}
	policy_diags_free(&d);
	if (r < 0)
		fail();
	return p;
}

static void show_call(const char *what, enum abi abi, const struct call *c, struct decision d)
{
	print_message("  %s: %s %s(%#" PRIx64 ", %#" PRIx64 ", %#" PRIx64 ", %#" PRIx64
		      ", %#" PRIx64 ", %#" PRIx64 ") exe %s -> %s %s (rule line %u)\n",
		      what, abi_names[abi], c->syscall, c->args[0], c->args[1], c->args[2],
		      c->args[3], c->args[4], c->args[5], c->exe, policy_decision_name(d.kind),
		      d.kind == DECISION_DENY ? policy_errno_name(d.err) : "",
		      d.rule ? d.rule->line : 0);
}

static const struct gsection *gsection_for(const struct gpolicy *g, const struct policy *p,
					   const char *m)
{
	const struct section *s = policy_section_for(p, m);

	for (size_t i = 0; s && i < g->n; i++)
		if (g->s[i].line == s->line)
			return &g->s[i];
	return NULL;
}

/* The syscalls the policy's sections cover, as the loader expanded them. */
static size_t covered(const struct policy *p, const char **out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < p->n_sections; i++)
		for (size_t k = 0; k < p->sections[i].n_syscalls && n < max; k++) {
			const char *m = p->sections[i].syscalls[k];
			bool dup = false;

			if (p->sections[i].implicit)
				continue;
			for (size_t j = 0; j < n && !dup; j++)
				dup = !strcmp(out[j], m);
			if (!dup)
				out[n++] = m;
		}
	return n;
}

static void one_policy(unsigned iter, struct stats *st)
{
	static struct gpolicy g;
	static char raw_text[N_ABIS][262144];
	unsigned cut_line[N_ABIS][64]; /* 0, or the line of the first rule raw cannot say */
	struct policy *named, *raw[N_ABIS];
	struct policy_filter fnamed = {0}, fraw[N_ABIS] = {{0}};
	const char *members[64];
	size_t n_members;

	gen_policy(&g);
	named = load("named", g.text);
	st->policies++;
	n_members = covered(named, members, ARRAY_SIZE(members));

	for (int abi = 0; abi < N_ABIS; abi++) {
		raw_text[abi][0] = '\0';
		append(raw_text[abi], sizeof(raw_text[abi]), "[sysgate]\ndefault = %s\n", g.dflt);
		for (size_t i = 0; i < n_members; i++) {
			const struct gsection *s = gsection_for(&g, named, members[i]);

			size_t n_raw;

			if (!s)
				fail_msg("no generated section for %s", members[i]);
			st->sections_translated++;
			n_raw = raw_section(raw_text[abi], sizeof(raw_text[abi]), s, members[i],
					    (enum abi)abi, st);
			cut_line[abi][i] = 0;
			if (n_raw < s->n_rules) {
				cut_line[abi][i] = s->r[n_raw].line;
				st->inexpressible_sections++;
			}
		}
		raw[abi] = load("raw", raw_text[abi]);
		assert_int_equal(policy_compile(raw[abi], &fraw[abi]), 0);
	}
	assert_int_equal(policy_compile(named, &fnamed), 0);

	for (unsigned k = 0; k < 40; k++) {
		enum abi abi = (enum abi)pick(N_ABIS);
		size_t mi = pick((unsigned)n_members + 1);
		const char *m = mi < n_members ? members[mi] : "getpid";
		const struct gsection *gs = mi < n_members ? gsection_for(&g, named, m) : NULL;
		struct call c = {.syscall = m, .shape = policy_syscall_shape(m)};
		struct decision dn, dr;
		uint64_t orig[6];
		int nr = abi_nr(abi, m);

		if (nr < 0)
			continue; /* not a syscall of this ABI */
		c.abi32 = abi32(abi);
		c.i386 = abi == ABI_I386;
		c.exe = pick(2) ? "/usr/bin/true" : "/bin/sh";
		c.path = "/tmp/x";
		for (int i = 0; i < 6; i++)
			c.args[i] = gen_reg(&g, abi);
		st->calls++;
		dn = policy_decide(named, policy_section_for(named, m), &c);

		/* the kernel filter of the named policy */
		{
			uint32_t ret = run_filter(&fnamed, abi, nr, c.args);

			st->bpf_checked++;
			if (ret == SECCOMP_RET_USER_NOTIF)
				st->bpf_notified++;
			else if (ret != SECCOMP_RET_ALLOW ||
				 (dn.kind != DECISION_ALLOW &&
				  !every_branch_allows(named, policy_section_for(named, m), dn))) {
				print_message("seed %" PRIu64 " policy %u: the filter returns %#x, "
					      "the supervisor would say %s\n%s",
					      seed, iter, ret, policy_decision_name(dn.kind),
					      g.text);
				show_call("call", abi, &c, dn);
				fail();
			}
		}

		memcpy(orig, c.args, sizeof(orig));
		if (gs && canonicalize(&c, gs, abi)) {
			struct decision dc = policy_decide(named, policy_section_for(named, m), &c);

			st->noncanonical++;
			if (!decision_eq(dn, dc)) {
				print_message("seed %" PRIu64 " policy %u: bits the kernel ignores "
					      "change the decision\n%s",
					      seed, iter, g.text);
				show_call("with them", abi,
					  &(struct call){.syscall = m,
							 .args = {orig[0], orig[1], orig[2],
								  orig[3], orig[4], orig[5]},
							 .exe = c.exe},
					  dn);
				show_call("cleared", abi, &c, dc);
				fail();
			}
		}
		/* decided by a rule after one raw cannot say (or the default
		 * reached through it): not compared */
		if (mi < n_members && cut_line[abi][mi] &&
		    (!dn.rule || dn.rule->line >= cut_line[abi][mi])) {
			st->inexpressible_calls++;
			continue;
		}
		dr = policy_decide(raw[abi], policy_section_for(raw[abi], m), &c);
		st->compared++;
		st->decisions[dn.kind]++;
		if (!decision_eq(dn, dr)) {
			print_message("seed %" PRIu64 " policy %u: named and raw disagree on %s\n"
				      "named:\n%s\nraw (%s):\n%s",
				      seed, iter, abi_names[abi], g.text, abi_names[abi],
				      raw_text[abi]);
			show_call("named", abi, &c, dn);
			show_call("raw", abi, &c, dr);
			print_message("  replay: SG_PROPERTY_SEED=%" PRIu64 "\n", seed);
			fail();
		}
		/* the kernel filter of the raw policy, where argN rules are in BPF */
		{
			uint32_t ret = run_filter(&fraw[abi], abi, nr, c.args);
			const struct section *rs = policy_section_for(raw[abi], m);

			st->bpf_checked++;
			if (ret == SECCOMP_RET_USER_NOTIF) {
				st->bpf_notified++;
			} else if (ret != SECCOMP_RET_ALLOW || dr.kind != DECISION_ALLOW) {
				print_message("seed %" PRIu64 " policy %u: the raw filter returns "
					      "%#x, the supervisor would say %s\n%s",
					      seed, iter, ret, policy_decision_name(dr.kind),
					      raw_text[abi]);
				show_call("call", abi, &c, dr);
				fail();
			} else if (rs && rs->n_rules &&
				   !(rs->rules[0].kind == DECISION_ALLOW &&
				     rs->rules[0].conds[0].kind == COND_ANY)) {
				st->bpf_allowed_conditional++;
			}
		}
	}
	for (int abi = 0; abi < N_ABIS; abi++) {
		policy_filter_done(&fraw[abi]);
		policy_free(raw[abi]);
	}
	policy_filter_done(&fnamed);
	policy_free(named);
}

static void test_property_names_decide_as_raw_argn(void **state)
{
	const char *env = getenv("SG_PROPERTY_SEED"), *cases = getenv("SG_PROPERTY_CASES");
	unsigned n = cases ? (unsigned)strtoul(cases, NULL, 10) : 4000;
	struct stats st = {0};

	(void)state;
	seed = env ? strtoull(env, NULL, 0) : (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	rng_state = seed;
	print_message("  seed %" PRIu64 " (SG_PROPERTY_SEED to replay)\n", seed);
	build_cands();
	assert_true(n_cands > 50);
	for (unsigned i = 0; i < n; i++)
		one_policy(i, &st);
	print_message(
		"  %u policies over %zu candidate sections, %u calls: %u compared with the "
		"raw form (allow %u, deny %u, kill %u, log %u, ask %u), %u with bits the "
		"kernel ignores (decided as with them cleared), %u not compared: decided after a "
		"rule raw argN cannot say on that ABI (%u of %u sections have one)\n",
		st.policies, n_cands, st.calls, st.compared, st.decisions[DECISION_ALLOW],
		st.decisions[DECISION_DENY], st.decisions[DECISION_KILL],
		st.decisions[DECISION_LOG], st.decisions[DECISION_ASK], st.noncanonical,
		st.inexpressible_calls, st.inexpressible_sections, st.sections_translated);
	print_message("  %u rules fail closed (arguments in memory); filters: %u runs, %u "
		      "notified, %u allowed in the kernel under conditional raw rules\n",
		      st.failclosed_rules, st.bpf_checked, st.bpf_notified,
		      st.bpf_allowed_conditional);
	/* The check is real: most calls are compared, every decision occurs,
	 * and some raw rules are decided in the kernel. */
	assert_true(st.compared > st.calls / 2);
	assert_true(st.inexpressible_calls < st.calls / 4);
	for (int k = DECISION_ALLOW; k <= DECISION_LOG; k++)
		assert_true(st.decisions[k] > 0);
	assert_true(st.noncanonical > 0);
	assert_true(st.failclosed_rules > 0);
	assert_true(st.bpf_allowed_conditional > 0);
}

/*
 * Found by the property: libseccomp 2.5.4 drops the load of the syscall
 * number from the x86_64 block when that block starts with a rule for an
 * i386-only syscall (a pseudo-syscall there) and its other rules are
 * conditional, so no x86_64 call of the block was notified. compile.c keeps
 * i386-only syscalls out of libseccomp (its i386 prelude).
 */
static void test_property_i386_only_rules_keep_x86_64_filtered(void **state)
{
	static const struct {
		const char *text, *syscall;
		uint64_t args[6];
	} cases[] = {
		/* a setuid chmod, killed by the supervisor */
		{"[chmod]\nkill = mode & 06000\nallow = *\n[io_uring]\nallow = *\n"
		 "[=_llseek]\ndeny = *\n",
		 "chmod",
		 {0, 04755}},
		/* socketcall notified for i386 because connect is supervised */
		{"[io_uring]\nallow = *\n[connect]\ndeny = arg0 == 10\n", "connect", {10}},
		{"[io_uring]\nallow = *\n[shmget]\ndeny = arg0 == 10\n", "shmget", {10}},
		{"[=io_uring_setup]\n[=socket]\nerrno = ENOENT arg0 & 0x1\n[=chown32]\nkill = "
		 "arg2 > 5 and arg1 < 7\n",
		 "socket",
		 {0x9ed}},
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char text[512];
		struct policy *p;
		struct policy_filter f = {0};
		struct call c = {.syscall = cases[i].syscall};
		uint32_t ret;

		snprintf(text, sizeof(text), "[sysgate]\ndefault = allow\n%s", cases[i].text);
		p = load("regression", text);
		memcpy(c.args, cases[i].args, sizeof(c.args));
		assert_int_not_equal(policy_decide(p, policy_section_for(p, c.syscall), &c).kind,
				     DECISION_ALLOW);
		assert_int_equal(policy_compile(p, &f), 0);
		for (int abi = ABI_X86_64; abi < N_ABIS; abi++) {
			int nr = abi_nr((enum abi)abi, c.syscall);

			if (nr < 0 || abi == ABI_I386)
				continue; /* i386 reaches connect and shmget by socketcall, ipc too
					   */
			ret = run_filter(&f, (enum abi)abi, nr, c.args);
			if (ret != SECCOMP_RET_USER_NOTIF)
				fail_msg("%s: %s %s returns %#x in the kernel", text,
					 abi_names[abi], c.syscall, ret);
		}
		policy_filter_done(&f);
		policy_free(p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_property_i386_only_rules_keep_x86_64_filtered),
		cmocka_unit_test(test_property_names_decide_as_raw_argn),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
