#pragma once
/*
 * gen-policy.h: random register-only policies and call arguments for the
 * differential tests (test-export-diff: export against policy_decide;
 * test-roundtrip: export then import against the original). Seeded by the
 * includer through rng_state. Include after <cmocka.h>.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

/* ---- random policies ---- */

static uint64_t rng_state;

static inline uint64_t rng(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline unsigned pick(unsigned n)
{
	return (unsigned)(rng() % n);
}

struct gen_section {
	const char *name;
	bool has_mode, raw;
	const char *names[3];
};

static const struct gen_section sections[] = {
	{"ptrace", false, true, {"request", "pid"}},
	{"personality", false, true, {"persona"}},
	{"chmod", true, false, {"mode"}},
	{"kill", false, true, {"pid", "sig"}},
	{"mprotect", false, true, {"len", "prot"}},
	{"socket", false, true, {"domain", "type"}},
	{"madvise", false, true, {"length", "advice"}},
	/* a family whose i386 members keep 16-bit ids (chown, lchown, fchown)
	 * beside 32-bit ones (chown32, ...) */
	{"chown", false, false, {"owner", "group"}},
	{"setuid", false, false, {"uid"}},
};

static const char *const calls_tried[] = {
	"ptrace",   "personality", "chmod",    "fchmod",  "fchmodat", "fchmodat2", "kill",
	"mprotect", "socket",	   "madvise",  "getppid", "chown",    "lchown",	   "fchown",
	"fchownat", "chown32",	   "fchown32", "setuid",  "setuid32", "mount",	   "umount2",
	"unshare",  "setns",	   "connect",  "bind"};

static const char *const decisions[] = {
	"allow = ", "deny = ", "kill = ", "log = ", "deny = EACCES ", "deny = EINVAL "};
static const char *const raw_ops[] = {"==", "!=", "<", "<=", ">", ">=", "&"};
static const char *const raw_values[] = {
	"0", "1", "2", "5", "8", "0x800", "0xffffffff", "-100", "0x100000005", "0x80000000", "16"};
static const char *const named_ops[] = {"==", "!=", "<", ">=", "&", "!&", "& 7 ==", "& 7 !="};
static const char *const named_values[] = {"0", "1", "2", "5", "8", "-1", "16"};
static const char *const mode_values[] = {"06000", "04000", "0777", "01", "0100"};

static inline void append(char *buf, size_t size, size_t *len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static inline void append(char *buf, size_t size, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf + *len, size - *len, fmt, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < size - *len);
	*len += (size_t)n;
}

static inline void gen_policy(char *buf, size_t size)
{
	static const char *const defaults[] = {"allow", "deny", "deny EACCES", "log", "kill"};
	size_t len = 0;

	buf[0] = '\0';
	append(buf, size, &len, "[sysgate]\ndefault = %s\n", defaults[pick(ARRAY_SIZE(defaults))]);
	/* a group, whose members the named sections below take when they
	 * name one (a family beats a group) */
	if (pick(3) == 0)
		append(buf, size, &len, "[%s]\n%s*\n", pick(2) ? "@mount" : "@network",
		       decisions[pick(ARRAY_SIZE(decisions))]);
	for (size_t g = 0; g < ARRAY_SIZE(sections); g++) {
		const struct gen_section *s = &sections[g];
		unsigned n_rules = 1 + pick(3), n_names = 0;
		unsigned raw_arg = pick(3); /* one argument per section, mostly */

		while (n_names < 3 && s->names[n_names])
			n_names++;
		if (pick(3) == 0)
			continue;
		append(buf, size, &len, "[%s]\n", s->name);
		for (unsigned r = 0; r < n_rules; r++) {
			unsigned n_conds = pick(8) == 0 ? 2 : 1;

			append(buf, size, &len, "%s", decisions[pick(ARRAY_SIZE(decisions))]);
			if (pick(5) == 0) {
				append(buf, size, &len, "*\n");
				continue;
			}
			for (unsigned c = 0; c < n_conds; c++) {
				if (c)
					append(buf, size, &len, " and ");
				if (s->has_mode)
					append(buf, size, &len, "mode & %s",
					       mode_values[pick(ARRAY_SIZE(mode_values))]);
				else if (s->raw && pick(2) == 0)
					append(buf, size, &len, "arg%u %s %s",
					       pick(6) == 0 ? pick(3) : raw_arg,
					       raw_ops[pick(ARRAY_SIZE(raw_ops))],
					       raw_values[pick(ARRAY_SIZE(raw_values))]);
				else {
					unsigned op = pick(ARRAY_SIZE(named_ops));
					unsigned v = op < 4 ? pick(ARRAY_SIZE(named_values))
							    : 1 + pick(4);

					if (op >= 6)
						v = pick(4); /* 0, 1, 2, 5: within the mask 7 */
					append(buf, size, &len, "%s %s %s",
					       s->names[pick(6) == 0 ? pick(n_names) : 0],
					       named_ops[op], named_values[v]);
				}
			}
			append(buf, size, &len, "\n");
		}
	}
}

static const uint64_t interesting[] = {
	0,
	1,
	2,
	4,
	5,
	7,
	8,
	9,
	16,
	0x7ff,
	0x800,
	0x801,
	0x7fffffff,
	0x80000000,
	0xfffffffe,
	0xffffffff,
	0x100000000ULL,
	0x100000005ULL,
	(uint64_t)-100,
	(uint64_t)(uint32_t)-100,
	UINT64_MAX,
	0755,
	04755,
	02000,
	06000,
	0100,
};

static inline uint64_t gen_arg(void)
{
	uint64_t v = interesting[pick(ARRAY_SIZE(interesting))];

	switch (pick(6)) {
	case 0:
		return rng();
	case 1:
		return v | (rng() & 0xffffffff00000000ULL);
	case 2:
		return v + 1;
	case 3:
		return v - 1;
	default:
		return v;
	}
}

enum abi { ABI_X86_64, ABI_I386, ABI_X32 };
