/*
 * test-args: arguments by name and type, constants, and the section headers
 * that name one syscall, several, or a group (issue 10). Pure: policy/ only.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <seccomp.h>

#include "policy/policy.h"
#include "sg-util.h"

static struct policy *load(const char *text)
{
	struct policy_diags d = {};
	struct policy *p = NULL;
	int r = policy_load_string("t.ini", text, &p, &d);

	if (r < 0)
		for (size_t i = 0; i < d.n; i++)
			print_message("  t.ini:%u: %s\n", d.v[i].line, d.v[i].msg);
	policy_diags_free(&d);
	assert_int_equal(r, 0);
	return p;
}

static void refused(const char *text, const char *what)
{
	struct policy_diags d = {};
	struct policy *p = NULL;
	bool found = false;

	assert_int_equal(policy_load_string("t.ini", text, &p, &d), -EINVAL);
	for (size_t i = 0; i < d.n; i++)
		found = found || strstr(d.v[i].msg, what);
	if (!found)
		for (size_t i = 0; i < d.n; i++)
			print_message("  t.ini:%u: %s\n", d.v[i].line, d.v[i].msg);
	policy_diags_free(&d);
	assert_true(found);
}

static enum decision_kind decide(const struct policy *p, const char *syscall, bool abi32,
				 uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
	struct call c = {
		.syscall = syscall,
		.shape = policy_syscall_shape(syscall),
		.args = {a0, a1, a2, a3},
		.abi32 = abi32,
		.path = "/x",
	};

	return policy_decide(p, policy_section_for(p, syscall), &c).kind;
}

/* Issue 10, failure 1: [open] flags means the flags of every member. */
static void test_named_flags_in_every_member_of_open(void **state)
{
	struct policy *p = load("[open]\ndeny = EACCES flags & O_CREAT\n");

	(void)state;
	assert_int_equal(decide(p, "open", false, 0, O_CREAT | O_WRONLY, 0644, 0), DECISION_DENY);
	assert_int_equal(decide(p, "open", false, 0, O_RDONLY, 0100, 0), DECISION_ALLOW);
	assert_int_equal(decide(p, "openat", false, (uint64_t)AT_FDCWD, 0, O_CREAT, 0),
			 DECISION_DENY);
	assert_int_equal(decide(p, "openat", false, (uint64_t)AT_FDCWD, 0, O_RDONLY, 0100),
			 DECISION_ALLOW);
	/* creat is O_CREAT|O_WRONLY|O_TRUNC by definition, whatever its registers */
	assert_int_equal(decide(p, "creat", false, 0, 0, 0, 0), DECISION_DENY);
	assert_int_equal(decide(p, "creat", true, 0, 0644, 0, 0), DECISION_DENY);
	policy_free(p);
}

/* openat2's flags are in memory: without a copy the condition fails closed,
 * with one a deny may rest on it, an allow may not. */
static void test_named_openat2_flags_from_memory(void **state)
{
	struct policy *p = load("[open]\ndeny = EACCES flags & O_CREAT\nallow = flags & O_RDWR\n");
	const struct section *s = policy_section_for(p, "openat2");
	struct call c = {.syscall = "openat2", .shape = policy_syscall_shape("openat2")};
	struct decision d;

	(void)state;
	assert_true(s->needs_mode); /* the core copies open_how */
	d = policy_decide(p, s, &c);
	assert_int_equal(d.kind, DECISION_DENY);
	assert_true(d.unresolved);

	c.how_in_mem = true;
	c.mem_how[0] = O_CREAT;
	d = policy_decide(p, s, &c);
	assert_int_equal(d.kind, DECISION_DENY);
	assert_int_equal(d.err, EACCES);

	c.mem_how[0] = O_RDWR;
	d = policy_decide(p, s, &c);
	assert_int_equal(d.kind, DECISION_DENY); /* an allow on a copy would race */
	assert_true(d.mem_unsafe);
	assert_int_equal(d.err, ENOSYS);
	policy_free(p);
}

/* Issue 10, failure 2: an int is compared as 32 bits on every ABI, whatever
 * the sign extension of the register. */
static void test_named_int_is_32_bit_signed(void **state)
{
	struct policy *p = load("[mkdirat]\ndeny = dirfd == AT_FDCWD\n"
				"[openat]\ndeny = dirfd != -100 and flags & O_CREAT\n"
				"[kill]\ndeny = pid < 0\n");

	(void)state;
	/* glibc passes AT_FDCWD as an int: 0xffffff9c in the 64-bit register */
	assert_int_equal(decide(p, "mkdirat", false, 0xffffff9cULL, 0, 0, 0), DECISION_DENY);
	assert_int_equal(decide(p, "mkdirat", false, (uint64_t)-100, 0, 0, 0), DECISION_DENY);
	assert_int_equal(decide(p, "mkdirat", true, 0xffffff9cULL, 0, 0, 0), DECISION_DENY);
	/* garbage in the high word of an int register is not part of the int */
	assert_int_equal(decide(p, "mkdirat", false, 0x12345678ffffff9cULL, 0, 0, 0),
			 DECISION_DENY);
	assert_int_equal(decide(p, "mkdirat", false, 3, 0, 0, 0), DECISION_ALLOW);
	/* the reference's example: O_CREAT relative to a dirfd */
	assert_int_equal(decide(p, "openat", false, 0xffffff9cULL, 0, O_CREAT, 0), DECISION_ALLOW);
	assert_int_equal(decide(p, "openat", false, 5, 0, O_CREAT, 0), DECISION_DENY);
	assert_int_equal(decide(p, "openat", true, 5, 0, O_CREAT, 0), DECISION_DENY);
	/* signed: kill(-1, ...) is below zero as an int */
	assert_int_equal(decide(p, "kill", false, 0xffffffffULL, 9, 0, 0), DECISION_DENY);
	assert_int_equal(decide(p, "kill", true, 0xffffffffULL, 9, 0, 0), DECISION_DENY);
	assert_int_equal(decide(p, "kill", false, 1, 9, 0, 0), DECISION_ALLOW);
	policy_free(p);
}

/* Unsigned and long arguments: the ABI's width, two's complement for -1. */
static void test_named_unsigned_and_long_widths(void **state)
{
	struct policy *p = load("[setresuid]\ndeny = ruid == -1\n"
				"[mmap]\ndeny = length > 0x100000000\nkill = fd == -1\n");

	(void)state;
	assert_int_equal(decide(p, "setresuid", false, 0xffffffffULL, 0, 0, 0), DECISION_DENY);
	assert_int_equal(decide(p, "setresuid", false, UINT64_MAX, 0, 0, 0), DECISION_DENY);
	assert_int_equal(decide(p, "setresuid", false, 0, 0, 0, 0), DECISION_ALLOW);
	/* a 32-bit long cannot exceed 2^32: never matches on i386 */
	assert_int_equal(decide(p, "mmap", false, 0, 0x100000001ULL, 0, 0), DECISION_DENY);
	assert_int_equal(decide(p, "mmap", true, 0, 0x100000001ULL, 0, 0), DECISION_ALLOW);
	/* fd == -1 in mmap (unsigned long there): all ones of the ABI's width */
	{
		struct call c = {.syscall = "mmap", .args = {0, 1, 0, 0, UINT64_MAX}};

		assert_int_equal(policy_decide(p, policy_section_for(p, "mmap"), &c).kind,
				 DECISION_KILL);
		c.abi32 = true;
		c.args[4] = 0xffffffffULL;
		assert_int_equal(policy_decide(p, policy_section_for(p, "mmap"), &c).kind,
				 DECISION_KILL);
	}
	policy_free(p);
}

static void test_named_bit_tests(void **state)
{
	struct policy *p = load("[openat]\n"
				"deny = EROFS flags & O_ACCMODE == O_WRONLY\n"
				"deny = EPERM flags & O_CREAT|O_EXCL == O_CREAT|O_EXCL\n"
				"kill = flags !& O_CLOEXEC|O_RDWR\n");
	const struct section *s = policy_section_for(p, "openat");
	struct call c = {.syscall = "openat"};

	(void)state;
	c.args[2] = O_WRONLY | O_APPEND;
	assert_int_equal(policy_decide(p, s, &c).err, EROFS);
	c.args[2] = O_RDWR | O_CREAT | O_EXCL;
	assert_int_equal(policy_decide(p, s, &c).err, EPERM);
	c.args[2] = O_RDONLY | O_CREAT;
	assert_int_equal(policy_decide(p, s, &c).kind, DECISION_KILL);
	c.args[2] = O_RDONLY | O_CLOEXEC;
	assert_int_equal(policy_decide(p, s, &c).kind, DECISION_ALLOW);
	policy_free(p);
}

/* Constants have the value of the ABI being decided. */
static void test_constants_per_abi(void **state)
{
	struct policy *p = load("[open]\ndeny = flags & O_LARGEFILE\n");
	int64_t v;

	(void)state;
	assert_true(policy_constant("O_LARGEFILE", true, &v));
	assert_int_equal(v, 0100000);
	assert_true(policy_constant("AT_FDCWD", false, &v));
	assert_int_equal(v, -100);
	assert_false(policy_constant("O_NOSUCH", false, &v));
	assert_string_equal(policy_constant_nearest("O_CRAET"), "O_CREAT");
	/* x86_64's open never sets it; i386's open64 does */
	assert_int_equal(decide(p, "open", true, 0, 0100000, 0, 0), DECISION_DENY);
	policy_free(p);
}

static void test_named_refusals(void **state)
{
	(void)state;
	refused("[mkdir]\ndeny = dirfd == AT_FDCWD\n", "mkdir has no argument 'dirfd'");
	refused("[open]\ndeny = arg2 & 0100\n", "arg2 is not the same argument");
	refused("[mkdir]\ndeny = arg0 == -100\n", "arg0 is not the same argument");
	refused("[open]\ndeny = pathname == 0\n", "is a pointer");
	refused("[socket]\ndeny = domain == AF_INTE\n", "did you mean AF_INET?");
	refused("[socket]\ndeny = domain == 0x100000000\n", "does not fit an int");
	refused("[openat]\ndeny = flags & O_ACCMODE == O_CREAT\n", "bits outside the mask");
	refused("[openat]\ndeny = flags & 0\n", "tests no bits");
	refused("[openat]\ndeny = flags & O_CREAT||O_EXCL\n", "bad value");
	refused("[openat]\ndeny = flags & -1|4\n", "cannot be or-ed");
	refused("[openat]\ndeny = flags ~ 3\n", "unknown operator '~'");
	refused("[fsopen]\ndeny = flags == 1\n", "knows no argument names for fsopen");
	refused("[mkdir]\ndeny = EACESS *\n", "unknown errno name 'EACESS' (did you mean EACCES?)");
	refused("\n  {\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": []}\n",
		"this is a JSON seccomp profile");
}

/* Every member of every family has argument names, so that a name in a
 * family section can always be checked against all of them. */
static void test_argument_table_covers_every_family_member(void **state)
{
	(void)state;
	for (const struct family *const *f = policy_families; *f; f++)
		for (const char *const *n = (*f)->syscalls; *n; n++) {
			char names[160];

			if (strstr(*n, "io_uring") || strstr(*n, "module") || strstr(*n, "kexec") ||
			    strstr(*n, "key") || strstr(*n, "fs") || strstr(*n, "mount") ||
			    strstr(*n, "open_tree") || strstr(*n, "pivot_root") ||
			    strstr(*n, "umount") || strstr(*n, "xattr") || strstr(*n, "truncate64"))
				continue; /* judged by name only (truncate64: i386
					   * splits its length over two registers) */
			if (!policy_arg_names(*n, names, sizeof(names)))
				fail_msg("%s (family %s) has no argument names", *n, (*f)->name);
		}
}

/* The form of raw argN: named and raw agree wherever raw can be written
 * (one syscall, an unsigned long argument, a value within its width). */
static void test_named_agrees_with_raw_on_unsigned_long(void **state)
{
	struct policy *named = load("[mmap]\ndeny = prot & PROT_EXEC\nkill = length >= 0x10000\n");
	struct policy *raw = load("[mmap]\ndeny = arg2 & 4\nkill = arg1 >= 0x10000\n");
	uint64_t seed = 42;

	(void)state;
	for (int i = 0; i < 20000; i++) {
		struct call c = {.syscall = "mmap"};

		for (int k = 0; k < 6; k++) {
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			c.args[k] = (seed >> (seed & 31)) & ((i & 1) ? 0xffffffffULL : 0x1ffffULL);
		}
		c.abi32 = i % 3 == 0;
		assert_int_equal(policy_decide(named, policy_section_for(named, "mmap"), &c).kind,
				 policy_decide(raw, policy_section_for(raw, "mmap"), &c).kind);
	}
	policy_free(named);
	policy_free(raw);
}

/* Found by test-property: `mode & 4` took the older `mode & OCTAL` form,
 * which wants a file mode, so access(2)'s int mode could be tested by
 * constant but not by number ("access takes no mode"). */
static void test_named_mode_of_access_by_number(void **state)
{
	struct policy *p = load("[=access]\ndeny = EACCES mode & 2\n"
				"[faccessat, faccessat2]\nkill = mode & 1\n");

	(void)state;
	assert_int_equal(decide(p, "access", false, 0, 2, 0, 0), DECISION_DENY);
	assert_int_equal(decide(p, "access", false, 0, 4, 0, 0), DECISION_ALLOW);
	assert_int_equal(decide(p, "faccessat", true, 0, 0, 1, 0), DECISION_KILL);
	assert_int_equal(decide(p, "faccessat2", false, 0, 0, 4, 0), DECISION_ALLOW);
	policy_free(p);
	/* where every syscall has a file mode, the older form and its limit stay */
	refused("[chmod]\nkill = mode & 010000\n", "larger than 07777");
	refused("[mkdir, unlink]\ndeny = mode & 0100\n", "unlink takes no mode");
}

/* Found by test-property: prctl's table named its arguments arg2..arg5 as
 * prctl(2) does, and `sysgate check` listed them, but a condition on arg2
 * is the raw register 2 (prctl's arg3). No argument name may read as argN. */
static void test_no_argument_named_like_a_register(void **state)
{
	struct policy *p = load("[prctl]\ndeny = arg2 == 5\nkill = option == 22\n");
	char names[160];

	(void)state;
	assert_int_equal(decide(p, "prctl", false, 1, 0, 5, 0), DECISION_DENY);
	assert_int_equal(decide(p, "prctl", false, 1, 5, 0, 0), DECISION_ALLOW);
	assert_int_equal(decide(p, "prctl", true, 22, 0, 0, 0), DECISION_KILL);
	policy_free(p);
	policy_arg_names("prctl", names, sizeof(names));
	assert_string_equal(names, "option");
	for (int abi = 0; abi < 2; abi++)
		for (int nr = 0; nr < 1024; nr++) {
			char *name = seccomp_syscall_resolve_num_arch(
				abi ? SCMP_ARCH_X86 : SCMP_ARCH_X86_64, nr);
			const struct syscall_args *a = name ? policy_syscall_args(name) : NULL;

			for (int i = 0; a && i < 6; i++)
				if (a->a[i].name && !strncmp(a->a[i].name, "arg", 3) &&
				    a->a[i].name[3] >= '0' && a->a[i].name[3] <= '9')
					fail_msg("%s names an argument %s", name, a->a[i].name);
			free(name);
		}
}

static void test_rule_continues_on_indented_lines(void **state)
{
	struct policy *p = load("[mkdir]\n"
				"deny = path !~ /tmp/** and \\\n"
				"    path !~ /var/tmp/** and \\\n"
				"\tpath !~ /home/**\n"
				"allow = *\n");
	const struct section *s = policy_section_for(p, "mkdir");

	(void)state;
	assert_int_equal(s->n_rules, 2);
	assert_int_equal(s->rules[0].n_conds, 3);
	assert_int_equal(s->rules[0].line, 2);
	assert_string_equal(s->rules[0].conds[2].glob, "/home/**");
	policy_free(p);
	refused("[mkdir]\ndeny = path !~ /tmp/** and \\\npath !~ /x/**\n", "not indented");
	refused("[mkdir]\ndeny = path !~ /tmp/** and \\\n  path !~ /x/** ; why\n",
		"cannot hold a comment");
	refused("[mkdir]\ndeny = path !~ /tmp/** and \\\n", "nothing follows");
	refused("[mkdir]\ndeny = path !~ /tmp/**\n  and path !~ /x/**\n", "indented line");
}

static void test_groups_are_known_syscalls(void **state)
{
	(void)state;
	for (const struct policy_group *g = policy_groups; g->name; g++) {
		size_t n = 0;

		for (const char *const *s = g->syscalls; *s; s++, n++)
			if (!policy_syscall_known(*s) && !strstr(*s, "time64") &&
			    !strstr(*s, "64") && !streq(*s, "send") && !streq(*s, "recv") &&
			    !streq(*s, "waitpid"))
				fail_msg("@%s: %s is not a syscall libseccomp knows", g->name, *s);
		assert_true(n > 5);
	}
	/* Docker's allowlist and what it blocks do not meet */
	for (const char *const *a = policy_group("docker-default")->syscalls; *a; a++)
		for (const char *const *b = policy_group("privileged")->syscalls; *b; b++)
			if (streq(*a, *b))
				fail_msg("%s is in @docker-default and @privileged", *a);
}

/* The reference's GROUPS table lists exactly the members of each group. */
static void test_groups_documented(void **state)
{
	FILE *f = fopen(SYSGATE_DOCS_DIR "/sysgate-policy.5.md", "r");
	char *line = NULL;
	size_t cap = 0;

	(void)state;
	assert_non_null(f);
	for (const struct policy_group *g = policy_groups; g->name; g++) {
		char head[64];
		bool found = false;

		snprintf(head, sizeof(head), "| `@%s` |", g->name);
		rewind(f);
		while (getline(&line, &cap, f) > 0) {
			size_t n = 0, commas = 0;

			if (strncmp(line, head, strlen(head)) != 0)
				continue;
			found = true;
			for (const char *const *m = g->syscalls; *m; m++, n++) {
				char word[64];

				snprintf(word, sizeof(word), " %s,", *m);
				if (!strstr(line, word)) {
					snprintf(word, sizeof(word), " %s |", *m);
					if (!strstr(line, word))
						fail_msg("@%s: %s is not in the reference", g->name,
							 *m);
				}
			}
			for (const char *c = strrchr(line, '|') ? line : line; *c; c++)
				commas += *c == ',';
			/* as many listed as there are members (no stale extras) */
			assert_true(commas >= n - 1);
		}
		if (!found)
			fail_msg("@%s has no row in GROUPS", g->name);
	}
	free(line);
	fclose(f);
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[1400];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* include = FILE: relative to the including file, nested, cycles refused,
 * errors and rule locations name the included file. */
static void test_includes(void **state)
{
	char dir[] = "/tmp/sg-test-args-XXXXXX", top[600], sub[600];
	struct policy_diags d = {};
	struct policy *p = NULL;
	char loc[600], want[700];

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/sub", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	write_file(dir, "top.ini",
		   "[sysgate]\ninclude = sub/base.ini\ndefault = deny\n"
		   "[mkdir]\nallow = *\n");
	write_file(sub, "base.ini", "[reboot]\nkill = *\n[sysgate]\ninclude = more.ini\n");
	write_file(sub, "more.ini", "[ptrace]\ndeny = EACCES *\n");
	snprintf(top, sizeof(top), "%s/top.ini", dir);
	assert_int_equal(policy_load_file(top, &p, &d), 0);
	assert_int_equal(d.n, 0);
	assert_int_equal(p->dflt.kind, DECISION_DENY);
	assert_int_equal(policy_section_for(p, "reboot")->rules[0].kind, DECISION_KILL);
	assert_int_equal(policy_section_for(p, "ptrace")->rules[0].err, EACCES);
	policy_rule_location(p, policy_section_for(p, "ptrace"),
			     &policy_section_for(p, "ptrace")->rules[0], loc, sizeof(loc));
	snprintf(want, sizeof(want), "%s/sub/more.ini:2", dir);
	assert_string_equal(loc, want);
	policy_free(p);
	p = NULL;

	/* an error in an included file is that file's, at its line */
	write_file(sub, "more.ini", "\n[ptrace]\ndeny = EFOO *\n");
	assert_int_equal(policy_load_file(top, &p, &d), -EINVAL);
	assert_int_equal(d.n_errors, 1);
	snprintf(want, sizeof(want), "%s/sub/more.ini", dir);
	assert_string_equal(d.v[0].file, want);
	assert_int_equal(d.v[0].line, 3);
	policy_diags_free(&d);

	/* a cycle, however long */
	write_file(sub, "more.ini", "[sysgate]\ninclude = ../top.ini\n");
	assert_int_equal(policy_load_file(top, &p, &d), -EINVAL);
	assert_non_null(strstr(d.v[0].msg, "includes itself"));
	policy_diags_free(&d);

	/* a missing file, at the include's line */
	write_file(sub, "more.ini", "[sysgate]\ninclude = nope.ini\n");
	assert_int_equal(policy_load_file(top, &p, &d), -EINVAL);
	assert_non_null(strstr(d.v[0].msg, "cannot include"));
	assert_int_equal(d.v[0].line, 2);
	policy_diags_free(&d);

	/* an included section that takes every syscall of a deny away: the
	 * deny decides nothing, and check says so (the hostile review) */
	write_file(sub, "more.ini", "[=mkdir]\nallow = *\n[mkdirat]\nallow = *\n");
	write_file(dir, "top.ini", "[sysgate]\ninclude = sub/more.ini\n[mkdir]\ndeny = *\n");
	assert_int_equal(policy_load_file(top, &p, &d), 0);
	assert_int_equal(d.n_warnings, 1);
	assert_non_null(strstr(d.v[0].msg, "[mkdir] decides nothing"));
	assert_null(d.v[0].file);
	snprintf(want, sizeof(want), "%s/sub/more.ini", dir);
	assert_string_equal(policy_section_for(p, "mkdirat")->file, want);
	policy_diags_free(&d);
	policy_free(p);
	p = NULL;

	/* only a regular file: a FIFO would wait for a writer for ever */
	{
		char fifo[700];

		snprintf(fifo, sizeof(fifo), "%s/fifo", sub);
		assert_int_equal(mkfifo(fifo, 0600), 0);
		write_file(sub, "more.ini", "[sysgate]\ninclude = fifo\n");
		write_file(dir, "top.ini", "[sysgate]\ninclude = sub/more.ini\n");
		assert_int_equal(policy_load_file(top, &p, &d), -EINVAL);
		assert_non_null(strstr(d.v[0].msg, "not a regular file"));
		policy_diags_free(&d);
	}

	/* an include outside [sysgate] is an unknown key of a section */
	write_file(sub, "more.ini", "[ptrace]\ninclude = x.ini\n");
	assert_int_equal(policy_load_file(top, &p, &d), -EINVAL);
	policy_diags_free(&d);
	snprintf(want, sizeof(want), "rm -rf '%s'", dir);
	assert_int_equal(system(want), 0);
}

static enum decision_kind decide386(const struct policy *p, const char *syscall, uint64_t a0,
				    uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4)
{
	struct call c = {
		.syscall = syscall,
		.shape = policy_syscall_shape(syscall),
		.args = {a0, a1, a2, a3, a4},
		.abi32 = true,
		.i386 = true,
		.path = "/x",
	};

	return policy_decide(p, policy_section_for(p, syscall), &c).kind;
}

/* The review's findings: widths and places the kernel gives, per ABI. */
static void test_named_kernel_widths_and_i386_places(void **state)
{
	struct policy *p = load("[chmod]\ndeny = EPERM mode == 04755\n"
				"[chown]\ndeny = EACCES owner == 0\n"
				"[setuid]\ndeny = uid < 1000\n"
				"[clone]\ndeny = EACCES tls == 0x1234\n"
				"[mmap, mmap2]\ndeny = EACCES prot & PROT_EXEC\n");

	(void)state;
	/* umode_t: the kernel keeps 16 bits, so 0x10000|04755 is 04755 */
	assert_int_equal(decide(p, "chmod", false, 0, 0x10000 | 04755, 0, 0), DECISION_DENY);
	assert_int_equal(decide(p, "chmod", true, 0, 0x10000 | 04755, 0, 0), DECISION_DENY);
	/* i386's chown and setuid keep 16 bits of an id: 0x10000 is root */
	assert_int_equal(decide386(p, "chown", 0, 0x10000, 0xffff, 0, 0), DECISION_DENY);
	assert_int_equal(decide(p, "chown", false, 0, 0x10000, 0, 0), DECISION_ALLOW);
	assert_int_equal(decide386(p, "setuid", 0x10005, 0, 0, 0, 0), DECISION_DENY);
	assert_int_equal(decide(p, "setuid32", true, 0x10005, 0, 0, 0), DECISION_ALLOW);
	/* i386 clone: flags, stack, parent_tid, tls, child_tid */
	assert_int_equal(decide386(p, "clone", 0, 0, 0, 0x1234, 0), DECISION_DENY);
	assert_int_equal(decide386(p, "clone", 0, 0, 0, 0, 0x1234), DECISION_ALLOW);
	{
		struct call c = {.syscall = "clone", .args = {0, 0, 0, 0x1234, 0}};

		/* x86_64: tls is the fifth */
		assert_int_equal(policy_decide(p, policy_section_for(p, "clone"), &c).kind,
				 DECISION_ALLOW);
		c.args[4] = 0x1234;
		assert_int_equal(policy_decide(p, policy_section_for(p, "clone"), &c).kind,
				 DECISION_DENY);
	}
	/* i386's old mmap keeps its arguments in memory: fail closed */
	assert_int_equal(decide386(p, "mmap", 0, 0, 0, 0, 0), DECISION_DENY);
	assert_int_equal(decide386(p, "mmap2", 0, 4096, 1, 2, 0), DECISION_ALLOW);
	assert_int_equal(decide(p, "mmap", false, 0, 4096, 4, 2), DECISION_DENY);
	policy_free(p);

	/* i386's twins are in the family: [setuid] covers setuid32 too */
	p = load("[setuid]\ndeny = EPERM *\n[truncate]\ndeny = EROFS *\n"
		 "[@file-write]\ndeny = EACCES *\n[@file-read]\nallow = *\n"
		 /* both groups open files: a family section settles it */
		 "[open]\ndeny = EACCES flags & O_WRONLY|O_RDWR|O_CREAT\nallow = *\n");
	assert_string_equal(policy_section_for(p, "setuid32")->name, "setuid");
	assert_string_equal(policy_section_for(p, "truncate64")->name, "truncate");
	/* splice writes a file as write does; oldstat reads as stat */
	assert_string_equal(policy_section_for(p, "splice")->name, "@file-write");
	assert_string_equal(policy_section_for(p, "vmsplice")->name, "@file-write");
	assert_string_equal(policy_section_for(p, "oldstat")->name, "@file-read");
	policy_free(p);
}

/* Round 2: a section with no rules decides nothing either, and it still
 * takes its syscalls from a less specific section: [@mount] deny = * with
 * an empty [unshare] (a header whose rules were commented out) lets every
 * unshare through to the default, and check said nothing, not even with
 * --strict. */
static void test_round2_empty_section_warned(void **state)
{
	static const char *const texts[] = {
		"[sysgate]\ndefault = allow\n[@mount]\ndeny = *\n[unshare]\n",
		"[sysgate]\ndefault = allow\n[mkdir]\ndeny = *\n[=mkdir]\n; deny = *\n",
		"[sysgate]\ndefault = allow\n[unshare]\n",
	};

	(void)state;
	for (size_t t = 0; t < sizeof(texts) / sizeof(texts[0]); t++) {
		struct policy_diags d = {};
		struct policy *p = NULL;
		bool found = false;

		assert_int_equal(policy_load_string("t.ini", texts[t], &p, &d), 0);
		for (size_t i = 0; i < d.n; i++)
			found = found || (d.v[i].line == (t == 2 ? 3u : 5u) &&
					  strstr(d.v[i].msg, "no rules"));
		if (!found)
			print_message("  no 'no rules' warning for: %s\n", texts[t]);
		assert_true(found);
		assert_true(d.n_warnings >= 1);
		policy_diags_free(&d);
		policy_free(p);
	}
}

/* Found by test-property: a masked value with bits the argument's type does
 * not have on an ABI was truncated, so `ruid & 0xffff0000 == 0x10000` held
 * for i386's 16-bit ruid 0 (root), and `length & 0x1ffffffff == 0x100000000`
 * for an i386 length of 0. Such a value is never what the argument holds. */
static void test_masked_value_beyond_the_width(void **state)
{
	struct policy *p = load("[setreuid]\ndeny = ruid & 0xffff0000 == 0x10000\n"
				"kill = euid & 0xffff0000 != 0x10000\n"
				"[mmap2]\ndeny = length & 0x1ffffffff == 0x100000000\n");

	(void)state;
	/* i386's setreuid keeps 16 bits: never 0x10000, always != 0x10000 */
	assert_int_equal(decide386(p, "setreuid", 0, 5, 0, 0, 0), DECISION_KILL);
	assert_int_equal(decide386(p, "setreuid", 0x10000, 5, 0, 0, 0), DECISION_KILL);
	/* x86_64's 32-bit ruid can hold it */
	assert_int_equal(decide(p, "setreuid", false, 0x10000, 0x10000, 0, 0), DECISION_DENY);
	assert_int_equal(decide(p, "setreuid", false, 0, 0x10000, 0, 0), DECISION_ALLOW);
	/* a 32-bit long has no bit 32 */
	assert_int_equal(decide386(p, "mmap2", 0, 0, 0, 0, 0), DECISION_ALLOW);
	policy_free(p);
}

/* Found by test-property: a signed long on i386 took its value modulo 2^32
 * as an int does, so `request <= 0xfffff000` meant request <= -4096 there
 * and request <= 4294963200 on x86_64, and `offset > 0x100000000` held for
 * every positive i386 offset. A long compares as a number on every ABI. */
static void test_long_is_a_number_on_every_abi(void **state)
{
	struct policy *p = load("[ptrace]\ndeny = request <= 0xfffff000\n"
				"[lseek]\nkill = offset > 0x100000000\n"
				"deny = EACCES offset < -4294967296\n");

	(void)state;
	assert_int_equal(decide(p, "ptrace", false, (uint64_t)-100, 0, 0, 0), DECISION_DENY);
	assert_int_equal(decide386(p, "ptrace", 0xffffff9c, 0, 0, 0, 0), DECISION_DENY);
	assert_int_equal(decide386(p, "ptrace", 0x7fffffff, 0, 0, 0, 0), DECISION_DENY);
	assert_int_equal(decide(p, "ptrace", false, 0xfffff001, 0, 0, 0), DECISION_ALLOW);
	assert_int_equal(decide386(p, "lseek", 3, 5, 0, 0, 0), DECISION_ALLOW);
	assert_int_equal(decide386(p, "lseek", 3, 0x80000000, 0, 0, 0), DECISION_ALLOW);
	assert_int_equal(decide(p, "lseek", false, 3, 0x100000001, 0, 0), DECISION_KILL);
	assert_int_equal(decide(p, "lseek", false, 3, (uint64_t)-4294967297LL, 0, 0),
			 DECISION_DENY);
	/* an int still takes 0x80000000..0xffffffff as its two's complement */
	policy_free(p);
	p = load("[kill]\ndeny = pid == 0xffffffff\n");
	assert_int_equal(decide386(p, "kill", 0xffffffff, 9, 0, 0, 0), DECISION_DENY);
	assert_int_equal(decide(p, "kill", false, UINT64_MAX, 9, 0, 0), DECISION_DENY);
	policy_free(p);
}

/*
 * The arguments added for commonly restricted calls, at their positions in
 * the kernel's SYSCALL_DEFINE (the same on i386 for all of these): a
 * condition on each name decides on that register and no other, on x86_64
 * and through the i386 entry point, and an int ignores the upper half.
 */
static void test_more_syscalls_named(void **state)
{
	static const struct {
		const char *syscall, *name;
		int index;
		bool is_int; /* compared as 32 bits on x86_64 too */
	} args[] = {
		{"keyctl", "operation", 0, true},
		{"add_key", "keyring", 4, true},
		{"request_key", "dest_keyring", 3, true},
		{"setpriority", "which", 0, true},
		{"setpriority", "who", 1, true},
		{"setpriority", "prio", 2, true},
		{"getpriority", "who", 1, true},
		{"ioprio_set", "ioprio", 2, true},
		{"setrlimit", "resource", 0, true},
		{"prlimit64", "pid", 0, true},
		{"prlimit64", "resource", 1, true},
		{"sched_setscheduler", "policy", 1, true},
		{"sched_setaffinity", "cpusetsize", 1, true},
		{"setpgid", "pgid", 1, true},
		{"wait4", "options", 2, true},
		{"waitid", "idtype", 0, true},
		{"waitid", "options", 3, true},
		{"rt_sigaction", "signum", 0, true},
		{"rt_sigaction", "sigsetsize", 3, false},
		{"rt_sigprocmask", "how", 0, true},
		{"rt_sigqueueinfo", "sig", 1, true},
		{"rt_tgsigqueueinfo", "sig", 2, true},
		{"kcmp", "type", 2, true},
		{"kcmp", "idx2", 4, false},
		{"process_vm_readv", "pid", 0, true},
		{"process_vm_writev", "flags", 5, false},
		{"userfaultfd", "flags", 0, true},
		{"fanotify_init", "event_f_flags", 1, true},
		{"inotify_init1", "flags", 0, true},
		{"eventfd2", "flags", 1, true},
		{"epoll_create1", "flags", 0, true},
		{"timerfd_create", "clockid", 0, true},
		{"clock_settime", "clockid", 0, true},
		{"init_module", "len", 1, false},
		{"finit_module", "flags", 2, true},
		{"delete_module", "flags", 1, true},
		{"kexec_load", "flags", 3, false},
		{"quotactl", "cmd", 0, true},
		{"quotactl", "id", 2, true},
		{"mremap", "flags", 3, false},
		{"msync", "flags", 2, true},
		{"mlockall", "flags", 0, true},
		{"mlock2", "flags", 2, true},
		{"sendmmsg", "vlen", 2, true},
		{"recvmmsg", "flags", 3, true},
		{"ftruncate64", "fd", 0, true},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(args) / sizeof(args[0]); i++) {
		char text[160];
		struct policy *p;

		snprintf(text, sizeof(text), "[=%s]\ndeny = EACCES %s == 5\n", args[i].syscall,
			 args[i].name);
		p = load(text);
		for (int abi = 0; abi < 2; abi++) {
			struct call c = {.syscall = args[i].syscall, .abi32 = abi, .i386 = abi};
			const struct section *s = policy_section_for(p, c.syscall);

			c.args[args[i].index] = 5;
			if (policy_decide(p, s, &c).kind != DECISION_DENY)
				fail_msg("%s: %s is not argument %d (%s)", c.syscall, args[i].name,
					 args[i].index, abi ? "i386" : "x86_64");
			/* the same value in every other register: no match */
			for (int k = 0; k < 6; k++)
				c.args[k] = k == args[i].index ? 6 : 5;
			if (policy_decide(p, s, &c).kind != DECISION_ALLOW)
				fail_msg("%s: %s matched another register", c.syscall,
					 args[i].name);
			/* an int: garbage in the upper half is not part of it */
			c.args[args[i].index] = 0xdead000000000005ULL;
			if (!abi &&
			    (policy_decide(p, s, &c).kind == DECISION_DENY) != args[i].is_int)
				fail_msg("%s: %s is %s an int", c.syscall, args[i].name,
					 args[i].is_int ? "not" : "wrongly");
		}
		policy_free(p);
	}
	/* [ftruncate] covers ftruncate64: fd has a name there, length does not */
	refused("[ftruncate]\ndeny = length > 0\n", "ftruncate64 has no argument 'length'");
	{
		struct policy *p = load("[ftruncate]\ndeny = EBADF fd == 9\n");

		assert_int_equal(decide386(p, "ftruncate64", 9, 0, 1, 0, 0), DECISION_DENY);
		assert_int_equal(decide(p, "ftruncate", false, 9, 0, 0, 0), DECISION_DENY);
		policy_free(p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_named_flags_in_every_member_of_open),
		cmocka_unit_test(test_named_openat2_flags_from_memory),
		cmocka_unit_test(test_named_int_is_32_bit_signed),
		cmocka_unit_test(test_named_unsigned_and_long_widths),
		cmocka_unit_test(test_named_bit_tests),
		cmocka_unit_test(test_constants_per_abi),
		cmocka_unit_test(test_named_refusals),
		cmocka_unit_test(test_argument_table_covers_every_family_member),
		cmocka_unit_test(test_named_agrees_with_raw_on_unsigned_long),
		cmocka_unit_test(test_rule_continues_on_indented_lines),
		cmocka_unit_test(test_groups_are_known_syscalls),
		cmocka_unit_test(test_groups_documented),
		cmocka_unit_test(test_includes),
		cmocka_unit_test(test_named_kernel_widths_and_i386_places),
		cmocka_unit_test(test_round2_empty_section_warned),
		cmocka_unit_test(test_named_mode_of_access_by_number),
		cmocka_unit_test(test_no_argument_named_like_a_register),
		cmocka_unit_test(test_masked_value_beyond_the_width),
		cmocka_unit_test(test_long_is_a_number_on_every_abi),
		cmocka_unit_test(test_more_syscalls_named),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
