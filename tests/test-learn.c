/*
 * Unit tests for policy/learn.c: observations in, policy text out. Each
 * learned text is loaded by the real loader and judged by the real matcher
 * (policy_decide), so a test says what the program would get under the
 * policy, not what the text looks like. No kernel involved.
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

#include <cmocka.h>

#include "policy/facts.h"
#include "policy/learn.h"
#include "policy/policy.h"

/* What tests hold, freed in teardown (cmocka asserts jump out). */
struct fx {
	struct learn *l;
	struct learn_plan *plan;
	struct learn_report rep;
	char *text;
	struct policy *p;
	struct policy_diags d;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f || learn_new(&f->l) < 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	learn_plan_free(f->plan);
	learn_free(f->l);
	learn_report_done(&f->rep);
	free(f->text);
	policy_free(f->p);
	policy_diags_free(&f->d);
	free(f);
	return 0;
}

static void see(struct fx *f, const char *syscall, const char *path)
{
	struct learn_obs o = {.syscall = syscall, .abi = "x86_64", .path = path, .tgid = 100};

	assert_int_equal(learn_add(f->l, &o), 0);
}

static void see_open(struct fx *f, const char *path, uint64_t flags)
{
	struct learn_obs o = {.syscall = "openat", .abi = "x86_64", .path = path, .tgid = 100};

	o.has_args = true;
	o.args[0] = (uint64_t)AT_FDCWD;
	o.args[2] = flags;
	assert_int_equal(learn_add(f->l, &o), 0);
}

/* The learned policy from base (NULL: the skeleton), every suggestion taken,
 * loaded with no error. */
static void learn_into(struct fx *f, const char *base, enum learn_paths mode)
{
	char *skel = base ? NULL : learn_skeleton_text("test");
	size_t n_err = 0;

	assert_int_equal(learn_plan_new(f->l, "t.ini", base ? base : skel, mode, &f->plan, &f->rep),
			 0);
	free(skel);
	assert_int_equal(learn_plan_apply(f->plan, NULL, &f->text, &f->rep), 0);
	assert_int_equal(policy_load_string("t.ini", f->text, &f->p, &f->d), 0);
	for (size_t i = 0; i < f->d.n; i++)
		n_err += f->d.v[i].severity == DIAG_ERROR;
	assert_int_equal(n_err, 0);
}

static struct decision judge(const struct fx *f, const char *syscall, const char *path,
			     uint64_t arg2, const char *exe)
{
	struct call c = {
		.syscall = syscall,
		.shape = policy_syscall_shape(syscall),
		.path = path,
		.path_err = ENOENT,
		.exe = exe,
	};

	c.args[0] = (uint64_t)AT_FDCWD;
	c.args[2] = arg2;
	return policy_decide(f->p, policy_section_for(f->p, syscall), &c);
}

static bool allowed(const struct fx *f, const char *syscall, const char *path)
{
	return judge(f, syscall, path, O_RDONLY, "/usr/bin/prog").kind == DECISION_ALLOW;
}

static void check_glob(const char *path, enum learn_paths mode, const char *want)
{
	const char *why = NULL;
	char *g = learn_glob_for(path, mode, &why);

	assert_non_null(g);
	assert_string_equal(g, want);
	assert_true(policy_glob_match(g, path));
	assert_int_equal(policy_path_glob_check(g, &why), 0);
	free(g);
}

static void test_learn_glob_ladder(void **state)
{
	const char *why = NULL;

	(void)state;
	check_glob("/etc/passwd", LEARN_PATHS_EXACT, "/etc/passwd");
	check_glob("/etc/passwd", LEARN_PATHS_DIR, "/etc/*");
	check_glob("/usr/lib/x86_64-linux-gnu/libc.so.6", LEARN_PATHS_AUTO,
		   "/usr/lib/x86_64-linux-gnu/libc.so*");
	check_glob("/usr/share/zoneinfo/Europe/Paris", LEARN_PATHS_AUTO, "/usr/share/zoneinfo/**");
	/* only libraries: /etc/ld.so.cache must not become /etc/ld.so* (preload) */
	check_glob("/etc/ld.so.cache", LEARN_PATHS_AUTO, "/etc/ld.so.cache");
	check_glob("/dev/pts/3", LEARN_PATHS_AUTO, "/dev/pts/[0-9]*");
	/* a terminal is not the multiplexer that makes new ones */
	assert_false(policy_glob_match("/dev/pts/[0-9]*", "/dev/pts/ptmx"));
	/* Metacharacters are escaped, so the glob is the name and no more. */
	check_glob("/srv/a*b[1]{x,y}", LEARN_PATHS_EXACT, "/srv/a\\*b\\[1\\]\\{x\\,y\\}");
	assert_false(policy_glob_match("/srv/a\\*b\\[1\\]\\{x\\,y\\}", "/srv/aXb1x"));
	/* Names the language cannot carry are refused, never widened. */
	assert_null(learn_glob_for("/srv/a b", LEARN_PATHS_AUTO, &why));
	assert_non_null(why);
	assert_null(learn_glob_for("/srv/a\\x01", LEARN_PATHS_EXACT, &why));
	assert_null(learn_glob_for("/srv/\n", LEARN_PATHS_EXACT, &why));
}

static void test_learn_glob_proc_and_home(void **state)
{
	(void)state;
	/* Paths are judged resolved (/proc/self reads /proc/4711): a pid
	 * becomes any pid, in every mode. */
	check_glob("/proc/4711/stat", LEARN_PATHS_EXACT, "/proc/*/stat");
	check_glob("/proc/4711/task/4712/comm", LEARN_PATHS_EXACT, "/proc/*/task/*/comm");
	check_glob("/proc/sys/kernel/ngroups_max", LEARN_PATHS_EXACT,
		   "/proc/sys/kernel/ngroups_max");
	check_glob("/home/alice/.config/app.ini", LEARN_PATHS_EXACT, "/home/alice/.config/app.ini");
	check_glob("/home/alice/.config/app.ini", LEARN_PATHS_AUTO, "/home/*/.config/app.ini");
}

static void test_learn_skeleton_enosys(void **state)
{
	struct fx *f = *state;
	struct decision d;

	see(f, "read", NULL);
	see(f, "clone3", NULL);
	/* every name of one ENOSYS section seen: the section goes whole */
	see(f, "futex_waitv", NULL);
	see(f, "pidfd_open", NULL);
	learn_into(f, NULL, LEARN_PATHS_AUTO);
	assert_true(allowed(f, "futex_waitv", NULL));
	assert_true(allowed(f, "pidfd_open", NULL));
	/* Not seen: ENOSYS, so that libc falls back. */
	for (size_t i = 0; learn_enosys[i]; i++) {
		if (!strcmp(learn_enosys[i], "clone3") || !strcmp(learn_enosys[i], "futex_waitv") ||
		    !strcmp(learn_enosys[i], "pidfd_open"))
			continue;
		d = judge(f, learn_enosys[i], NULL, 0, NULL);
		assert_int_equal(d.kind, DECISION_DENY);
		assert_int_equal(d.err, ENOSYS);
	}
	/* Seen: allowed, and taken out of the ENOSYS section. */
	assert_true(allowed(f, "clone3", NULL));
	assert_true(allowed(f, "read", NULL));
	/* Everything else: the default, EPERM. */
	d = judge(f, "reboot", NULL, 0, NULL);
	assert_int_equal(d.kind, DECISION_DENY);
	assert_int_equal(d.err, EPERM);
}

static void test_learn_grouping_never_allows_unseen(void **state)
{
	struct fx *f = *state;
	const struct policy_group *g = policy_group("docker-default");
	const char *seen[] = {"read", "write", "close", "mmap", "futex", "epoll_wait", "accept4"};
	size_t n_allowed = 0;

	for (size_t i = 0; i < sizeof(seen) / sizeof(seen[0]); i++)
		see(f, seen[i], NULL);
	learn_into(f, NULL, LEARN_PATHS_AUTO);
	assert_non_null(strstr(f->text, "allow = *"));
	for (size_t i = 0; g->syscalls[i]; i++) {
		const char *m = g->syscalls[i];
		bool was_seen = false;

		for (size_t k = 0; k < sizeof(seen) / sizeof(seen[0]); k++)
			was_seen = was_seen || !strcmp(seen[k], m);
		if (!policy_syscall_known(m))
			continue;
		if (allowed(f, m, NULL)) {
			assert_true(was_seen);
			n_allowed++;
		}
	}
	assert_int_equal(n_allowed, sizeof(seen) / sizeof(seen[0]));
	/* the always-allowed calls are not written (every filter allows them) */
	assert_null(policy_section_for(f->p, "exit_group"));
}

static void test_learn_group_when_every_member_seen(void **state)
{
	struct fx *f = *state;
	const struct policy_group *g = policy_group("network");

	for (size_t i = 0; g->syscalls[i]; i++)
		if (policy_syscall_known(g->syscalls[i]))
			see(f, g->syscalls[i], NULL);
	see(f, "read", NULL);
	learn_into(f, NULL, LEARN_PATHS_AUTO);
	assert_non_null(strstr(f->text, "[@network]"));
	assert_true(allowed(f, "connect", NULL));
	assert_false(allowed(f, "write", NULL));
}

static void test_learn_paths_and_read_only(void **state)
{
	struct fx *f = *state;

	see_open(f, "/etc/passwd", O_RDONLY);
	see_open(f, "/srv/data/log.txt", O_WRONLY | O_CREAT | O_APPEND);
	learn_into(f, NULL, LEARN_PATHS_AUTO);
	assert_true(allowed(f, "openat", "/etc/passwd"));
	/* Read, so never written under the policy. */
	assert_int_equal(judge(f, "openat", "/etc/passwd", O_WRONLY, NULL).kind, DECISION_DENY);
	assert_int_equal(judge(f, "openat", "/etc/passwd", O_RDONLY | O_TRUNC, NULL).kind,
			 DECISION_DENY);
	assert_int_equal(judge(f, "openat", "/srv/data/log.txt", O_WRONLY | O_CREAT, NULL).kind,
			 DECISION_ALLOW);
	/* /etc is not made /etc/ *: its files are not alike. */
	assert_false(allowed(f, "openat", "/etc/shadow"));
	assert_false(allowed(f, "openat", "/srv/data/other"));
}

static void test_learn_auto_directory(void **state)
{
	struct fx *f = *state;

	see(f, "newfstatat", "/srv/www/a.html");
	see(f, "newfstatat", "/srv/www/b.html");
	see(f, "newfstatat", "/srv/www/c.html");
	see(f, "newfstatat", "/srv/img/x.png");
	learn_into(f, NULL, LEARN_PATHS_AUTO);
	assert_true(allowed(f, "newfstatat", "/srv/www/new.html"));
	assert_false(allowed(f, "newfstatat", "/srv/www/new.php"));
	assert_false(allowed(f, "newfstatat", "/srv/www/sub/a.html"));
	assert_false(allowed(f, "newfstatat", "/srv/img/y.png"));
}

/* Files of several directories of one known tree give one rule, written
 * once: repeats would be rules that never match (the loader warns). */
static void test_learn_tree_rule_written_once(void **state)
{
	struct fx *f = *state;
	const char *at = NULL;
	size_t n = 0;

	see(f, "newfstatat", "/usr/lib/locale/C.utf8/LC_CTYPE");
	see(f, "newfstatat", "/usr/lib/locale/C.utf8/LC_NUMERIC");
	see(f, "newfstatat", "/usr/lib/locale/en_US.utf8/LC_CTYPE");
	see(f, "newfstatat", "/usr/lib/locale/locale-archive");
	learn_into(f, NULL, LEARN_PATHS_AUTO);
	for (at = f->text; (at = strstr(at, "path ~ /usr/lib/locale/**\n")); at++)
		n++;
	assert_int_equal(n, 1);
	for (size_t i = 0; i < f->d.n; i++)
		if (strstr(f->d.v[i].msg, "never match"))
			fail_msg("%s\n%s", f->d.v[i].msg, f->text);
	assert_true(allowed(f, "newfstatat", "/usr/lib/locale/fr_FR.utf8/LC_TIME"));
}

static void test_learn_exact_mode_is_exact(void **state)
{
	struct fx *f = *state;

	see(f, "newfstatat", "/srv/www/a.html");
	see(f, "newfstatat", "/srv/www/b.html");
	see(f, "newfstatat", "/srv/www/c.html");
	learn_into(f, NULL, LEARN_PATHS_EXACT);
	assert_true(allowed(f, "newfstatat", "/srv/www/a.html"));
	assert_false(allowed(f, "newfstatat", "/srv/www/d.html"));
}

static void test_learn_unwritable_path_stays_denied(void **state)
{
	struct fx *f = *state;

	see(f, "newfstatat", "/srv/a b");
	see(f, "newfstatat", "/srv/ok");
	learn_into(f, NULL, LEARN_PATHS_AUTO);
	assert_false(allowed(f, "newfstatat", "/srv/a b"));
	assert_false(allowed(f, "newfstatat", "/srv/a?b"));
	assert_true(f->rep.n >= 1);
	assert_non_null(strstr(f->rep.lines[0], "/srv/a b"));
	assert_true(allowed(f, "newfstatat", "/srv/ok"));
}

static void test_learn_objects_without_a_name(void **state)
{
	struct fx *f = *state;

	see(f, "newfstatat", "pipe:[8688672]");
	learn_into(f, NULL, LEARN_PATHS_AUTO);
	assert_true(allowed(f, "newfstatat", "socket:[12]"));
	assert_false(allowed(f, "newfstatat", "/etc/passwd"));
}

static void test_learn_unresolved_keeps_kernel_errno(void **state)
{
	struct fx *f = *state;
	struct decision d;

	see(f, "newfstatat", NULL); /* the path did not resolve */
	learn_into(f, NULL, LEARN_PATHS_AUTO);
	d = judge(f, "newfstatat", NULL, 0, NULL);
	assert_int_equal(d.kind, DECISION_DENY);
	assert_int_equal(d.err, ENOENT);
	assert_false(allowed(f, "newfstatat", "/etc/passwd"));
}

static void test_learn_launcher_exec(void **state)
{
	struct fx *f = *state;
	struct learn_obs o = {.syscall = "execve",
			      .abi = "x86_64",
			      .path = "/usr/bin/busybox",
			      .exe = "/usr/bin/sysgate",
			      .launcher = true};

	assert_int_equal(learn_add(f->l, &o), 0);
	see(f, "read", NULL);
	learn_into(f, NULL, LEARN_PATHS_AUTO);
	/* sysgate's exec of CMD is allowed to sysgate's executable only: the
	 * program's own execve was never seen. */
	assert_int_equal(judge(f, "execve", "/usr/bin/busybox", 0, "/usr/bin/sysgate").kind,
			 DECISION_ALLOW);
	assert_int_equal(judge(f, "execve", "/bin/sh", 0, "/usr/bin/busybox").kind, DECISION_DENY);
	assert_non_null(strstr(f->text, "sysgate's own"));
}

static void test_learn_refused_not_allowed(void **state)
{
	struct fx *f = *state;
	struct learn_obs o = {.syscall = "io_uring_setup", .abi = "x86_64", .refused = true};

	assert_int_equal(learn_add(f->l, &o), 0);
	see(f, "read", NULL);
	learn_into(f, NULL, LEARN_PATHS_AUTO);
	assert_false(allowed(f, "io_uring_setup", NULL));
}

static bool reported(const struct fx *f, const char *part)
{
	for (size_t i = 0; i < f->rep.n; i++)
		if (strstr(f->rep.lines[i], part))
			return true;
	return false;
}

/* The skeleton lists the ABIs the run used: x86_64 alone, or with i386;
 * a call through another is then killed. */
static void test_learn_abi_key_lists_what_ran(void **state)
{
	struct fx *f = *state;
	struct learn_obs o = {.syscall = "mkdir", .abi = "i386", .path = "/tmp/a", .tgid = 100};
	char *skel;

	see(f, "getpid", NULL);
	skel = learn_skeleton_text_abis("test", learn_abis_used(f->l));
	assert_non_null(skel);
	assert_non_null(strstr(skel, "\nabi = x86_64\n"));
	free(skel);
	assert_int_equal(learn_add(f->l, &o), 0);
	assert_int_equal(learn_abis_used(f->l),
			 (1u << POLICY_ABI_X86_64) | (1u << POLICY_ABI_I386));
	skel = learn_skeleton_text_abis("test", learn_abis_used(f->l));
	assert_non_null(strstr(skel, "\nabi = x86_64, i386\n"));
	learn_into(f, skel, LEARN_PATHS_AUTO);
	free(skel);
	assert_int_equal(f->p->abis, (1u << POLICY_ABI_X86_64) | (1u << POLICY_ABI_I386));
	assert_false(reported(f, "does not list"));
	/* all three: no key */
	skel = learn_skeleton_text_abis("test", POLICY_ABIS_ALL);
	assert_null(strstr(skel, "\nabi ="));
	free(skel);
}

/* --merge into a policy whose abi leaves out an ABI the run used: said,
 * not widened, and no rule is written for those calls. */
static void test_learn_merge_abi_not_widened(void **state)
{
	struct fx *f = *state;
	struct learn_obs o = {.syscall = "mkdir", .abi = "i386", .path = "/tmp/a", .tgid = 100};
	static const char base[] = "[sysgate]\ndefault = deny\nabi = x86_64\n";

	see(f, "getpid", NULL);
	assert_int_equal(learn_add(f->l, &o), 0);
	learn_into(f, base, LEARN_PATHS_AUTO);
	assert_int_equal(f->p->abis, 1u << POLICY_ABI_X86_64);
	assert_true(reported(f, "the run used the i386 ABI, which [sysgate] abi (t.ini:3) does not "
				"list"));
	assert_null(strstr(f->text, "[mkdir"));
	assert_true(allowed(f, "getpid", NULL));
}

static void test_learn_merge_keeps_hand_written(void **state)
{
	struct fx *f = *state;
	static const char base[] = "; my own note\n"
				   "[sysgate]\n"
				   "default = deny\n"
				   "\n"
				   "[openat]\n"
				   "deny = EACCES path ~ /etc/shadow   ; never\n"
				   "allow = path ~ /usr/**\n"
				   "deny = *\n"
				   "\n"
				   "[ptrace]\n"
				   "kill = *\n";
	struct decision d;

	see_open(f, "/etc/shadow", O_RDONLY);
	see_open(f, "/etc/hosts", O_RDONLY);
	see(f, "ptrace", NULL);
	see(f, "getpid", NULL);
	learn_into(f, base, LEARN_PATHS_AUTO);
	assert_non_null(strstr(f->text, "; my own note"));
	assert_non_null(strstr(f->text, "deny = EACCES path ~ /etc/shadow   ; never"));
	d = judge(f, "openat", "/etc/shadow", O_RDONLY, NULL);
	assert_int_equal(d.kind, DECISION_DENY);
	assert_int_equal(d.err, EACCES);
	assert_true(allowed(f, "openat", "/etc/hosts"));
	assert_true(allowed(f, "openat", "/usr/lib/x"));
	assert_int_equal(judge(f, "ptrace", NULL, 0, NULL).kind, DECISION_KILL);
	assert_true(allowed(f, "getpid", NULL));
	/* the new rule went before the catch-all, inside [openat] */
	assert_true(strstr(f->text, "/etc/hosts") < strstr(f->text, "deny = *"));
}

static void test_learn_merge_twice_is_stable(void **state)
{
	struct fx *f = *state;
	struct learn_plan *again = NULL;
	char *text2 = NULL;

	see_open(f, "/etc/hosts", O_RDONLY);
	see(f, "getpid", NULL);
	learn_into(f, NULL, LEARN_PATHS_AUTO);
	/* The same observations against the learned text: nothing to add. */
	assert_int_equal(learn_plan_new(f->l, "t.ini", f->text, LEARN_PATHS_AUTO, &again, &f->rep),
			 0);
	assert_int_equal(learn_plan_items(again, &(const struct learn_item *){NULL}), 0);
	assert_int_equal(learn_plan_apply(again, NULL, &text2, &f->rep), 0);
	assert_string_equal(text2, f->text);
	free(text2);
	learn_plan_free(again);
}

static void test_learn_review_answers(void **state)
{
	struct fx *f = *state;
	const struct learn_item *items;
	struct learn_answer *a;
	char *skel = learn_skeleton_text(NULL);
	size_t n;

	see(f, "newfstatat", "/srv/www/a.html");
	see(f, "newfstatat", "/srv/private/key");
	see(f, "getpid", NULL);
	assert_int_equal(learn_plan_new(f->l, "t.ini", skel, LEARN_PATHS_AUTO, &f->plan, &f->rep),
			 0);
	free(skel);
	n = learn_plan_items(f->plan, &items);
	assert_int_equal(n, 3);
	a = calloc(n, sizeof(*a));
	assert_non_null(a);
	for (size_t i = 0; i < n; i++) {
		if (items[i].dir && !strcmp(items[i].dir, "/srv/www")) {
			a[i].choice = LEARN_ALLOW_DIR;
		} else if (items[i].dir) {
			struct learn_answer bad = {.choice = LEARN_ALLOW_GLOB,
						   .glob = "/srv/www/*"};

			/* a glob must match what was seen */
			assert_non_null(learn_answer_check(f->plan, i, &bad));
			a[i].choice = LEARN_DENY;
			a[i].err = EACCES;
		} else {
			a[i].choice = LEARN_SKIP;
		}
		assert_null(learn_answer_check(f->plan, i, &a[i]));
	}
	assert_int_equal(learn_plan_apply(f->plan, a, &f->text, &f->rep), 0);
	free(a);
	assert_int_equal(policy_load_string("t.ini", f->text, &f->p, &f->d), 0);
	assert_true(allowed(f, "newfstatat", "/srv/www/b.html"));
	assert_int_equal(judge(f, "newfstatat", "/srv/private/key", 0, NULL).err, EACCES);
	assert_false(allowed(f, "getpid", NULL));
}

static void test_learn_observer_policy(void **state)
{
	struct policy *p = NULL;
	char *t = learn_observer_text();

	(void)state;
	assert_non_null(t);
	assert_int_equal(policy_load_string("observe.ini", t, &p, NULL), 0);
	free(t);
	assert_int_equal(p->dflt.kind, DECISION_LOG);
	assert_string_equal(p->log_full, "block");
	/* every call that names a path has a section that resolves it */
	assert_true(policy_section_for(p, "openat")->shows_path);
	assert_true(policy_section_for(p, "truncate64")->shows_path);
	assert_true(policy_section_for(p, "execve")->shows_path);
	/* and the calls every filter allows unseen are notified */
	assert_non_null(policy_section_for(p, "exit_group"));
	policy_free(p);
}

/*
 * Random runs: names from Docker's allowlist, paths from an alphabet with
 * glob metacharacters, spaces and control characters. Whatever they are,
 * the learned policy loads with no error (learn_into), allows every call
 * that was seen with a name it can write, and in exact mode denies every
 * one it cannot write.
 */
static void test_learn_random_runs_complete_and_loadable(void **state)
{
	struct fx *f = *state;
	const struct policy_group *g = policy_group("docker-default");
	static const char alpha[] = "ab*?[]{},\\ \t\x01.-_/";
	const char *names[64], *seen_name[48];
	char paths[48][24];
	bool has_path[48];
	size_t n_names = 0;
	unsigned seed = 12345;

	for (size_t i = 0; g->syscalls[i] && n_names < 64; i += 5)
		if (policy_syscall_known(g->syscalls[i]) && strcmp(g->syscalls[i], "exit") &&
		    strcmp(g->syscalls[i], "exit_group") &&
		    strcmp(g->syscalls[i], "rt_sigreturn") && strcmp(g->syscalls[i], "sigreturn"))
			names[n_names++] = g->syscalls[i];
	for (int mode = LEARN_PATHS_EXACT; mode <= LEARN_PATHS_AUTO; mode++) {
		for (int run = 0; run < 8; run++) {
			learn_free(f->l);
			assert_int_equal(learn_new(&f->l), 0);
			learn_plan_free(f->plan);
			f->plan = NULL;
			free(f->text);
			f->text = NULL;
			policy_free(f->p);
			f->p = NULL;
			policy_diags_free(&f->d);
			learn_report_done(&f->rep);
			for (int k = 0; k < 48; k++) {
				size_t len = 1 + rand_r(&seed) % 12;

				paths[k][0] = '/';
				for (size_t c = 1; c <= len; c++)
					paths[k][c] = alpha[rand_r(&seed) % (sizeof(alpha) - 1)];
				paths[k][len + 1] = '\0';
				seen_name[k] = names[rand_r(&seed) % n_names];
				has_path[k] = policy_syscall_shape(seen_name[k]) &&
					      strchr(policy_syscall_shape(seen_name[k])->args, 's');
				see(f, seen_name[k], has_path[k] ? paths[k] : NULL);
			}
			learn_into(f, NULL, (enum learn_paths)mode);
			for (int k = 0; k < 48; k++) {
				const char *why;
				char *gl = has_path[k] ? learn_glob_for(paths[k], LEARN_PATHS_EXACT,
									&why)
						       : NULL;
				bool writable = !has_path[k] || gl;
				bool ok = allowed(f, seen_name[k], has_path[k] ? paths[k] : NULL);

				free(gl);
				if (writable && !ok)
					fail_msg("%s %s was seen but is not allowed", seen_name[k],
						 has_path[k] ? paths[k] : "");
				if (!writable && ok && mode == LEARN_PATHS_EXACT)
					fail_msg("%s %s cannot be written but is allowed",
						 seen_name[k], paths[k]);
				if (has_path[k] && mode == LEARN_PATHS_EXACT) {
					/* a path never seen: denied (exact writes no more) */
					char other[64];
					bool seen_too = false;

					snprintf(other, sizeof(other), "%.30sZ", paths[k]);
					for (int j = 0; j < 48; j++)
						seen_too = seen_too || !strcmp(paths[j], other);
					if (!seen_too && allowed(f, seen_name[k], other))
						fail_msg("%s %s was never seen but is allowed",
							 seen_name[k], other);
				}
			}
		}
	}
}

/* ---- hostile inputs (a crafted record file given to review, a program
 * shaping its paths under learn) ---- */

/* A syscall name from a record is text the record file chose: one holding
 * "]" and newlines must not become a section header of its own making. */
static void test_learn_hostile_syscall_name_injects_nothing(void **state)
{
	struct fx *f = *state;
	static const char *const bad[] = {
		"getpid]\n[ptrace, mount, init_module]\nallow = *\n;[",
		"getpid] ; x",
		"ptrace,mount",
		"=getpid",
		"getpid\n",
		"x]\n[sysgate]\ndefault = allow\n[y",
		NULL,
	};

	for (size_t i = 0; bad[i]; i++) {
		struct learn_obs o = {.syscall = bad[i], .abi = "x86_64"};

		assert_int_equal(learn_add(f->l, &o), -EINVAL);
	}
	see(f, "getuid", NULL);
	learn_into(f, NULL, LEARN_PATHS_AUTO);
	assert_true(allowed(f, "getuid", NULL));
	assert_false(allowed(f, "ptrace", NULL));
	assert_false(allowed(f, "mount", NULL));
	assert_false(allowed(f, "init_module", NULL));
	assert_false(allowed(f, "getpid", NULL));
	assert_int_equal(f->p->dflt.kind, DECISION_DENY);
}

/* The ABI is written into a section's comment: only the three names. */
static void test_learn_hostile_abi_injects_nothing(void **state)
{
	struct fx *f = *state;
	struct learn_obs o = {.syscall = "getpid", .abi = "x86_64\n[ptrace]\nallow = *"};

	assert_int_equal(learn_add(f->l, &o), -EINVAL);
	see(f, "getuid", NULL);
	learn_into(f, NULL, LEARN_PATHS_AUTO);
	assert_false(allowed(f, "ptrace", NULL));
	assert_false(allowed(f, "getpid", NULL));
}

/* A name that is no syscall (a record file may say anything) gets no
 * section, and does not stop the policy of the others from being written. */
static void test_learn_unknown_syscall_does_not_spoil_policy(void **state)
{
	struct fx *f = *state;

	see(f, "no_such_call", NULL);
	see(f, "getuid", NULL);
	learn_into(f, NULL, LEARN_PATHS_AUTO);
	assert_true(allowed(f, "getuid", NULL));
	assert_null(strstr(f->text, "no_such_call]"));
}

/* A path made of metacharacters, each escaped, doubles in length: the rule
 * line must still fit, or the name be refused (reported, denied), never
 * the whole policy lost. */
static void test_learn_hostile_long_metachar_path(void **state)
{
	struct fx *f = *state;
	char p[128] = "/srv/";

	memset(p + 5, '*', 114);
	p[119] = '\0';
	see_open(f, p, O_RDONLY);
	see_open(f, "/srv/ok", O_RDONLY);
	see(f, "getuid", NULL);
	learn_into(f, NULL, LEARN_PATHS_EXACT);
	assert_true(allowed(f, "openat", "/srv/ok"));
	assert_false(allowed(f, "openat", "/srv/x"));
	assert_false(allowed(f, "openat", "/srv/other"));
	assert_true(allowed(f, "getuid", NULL));
}

/* Every metacharacter and separator of the language in a name: the glob
 * learned matches that name, and none of its neighbours, in every mode
 * that keeps it exact. */
static void test_learn_hostile_metachar_names_stay_exact(void **state)
{
	struct fx *f = *state;
	static const char *const names[] = {
		"/srv/d/*",   "/srv/d/?",     "/srv/d/[a-z]", "/srv/d/{a,b}",
		"/srv/d/a,b", "/srv/d/;x",    "/srv/d/#x",    "/srv/d/!x",
		"/srv/d/**",  "/srv/d/a]",    "/srv/d/}",     "/srv/d/~x",
		"/srv/d/x=y", "/srv/d/\"x\"", "/srv/d/'x'",   NULL,
	};

	for (size_t i = 0; names[i]; i++)
		see(f, "newfstatat", names[i]);
	learn_into(f, NULL, LEARN_PATHS_EXACT);
	for (size_t i = 0; names[i]; i++)
		assert_true(allowed(f, "newfstatat", names[i]));
	assert_false(allowed(f, "newfstatat", "/srv/d/zz"));
	assert_false(allowed(f, "newfstatat", "/srv/d/a"));
	assert_false(allowed(f, "newfstatat", "/srv/d/b"));
	assert_false(allowed(f, "newfstatat", "/srv/d/x"));
	assert_false(allowed(f, "newfstatat", "/srv/d/e/f"));
	assert_false(allowed(f, "newfstatat", "/srv/d"));
	assert_false(allowed(f, "newfstatat", "/etc/shadow"));
}

/* The library generalisation is for libraries: a file named like one in
 * /tmp or /etc is not widened to every name it begins. */
static void test_learn_so_only_in_lib_dirs(void **state)
{
	(void)state;
	check_glob("/tmp/lib.so", LEARN_PATHS_AUTO, "/tmp/lib.so");
	check_glob("/etc/libfoo.so.conf", LEARN_PATHS_AUTO, "/etc/libfoo.so.conf");
	check_glob("/srv/library.so", LEARN_PATHS_AUTO, "/srv/library.so");
	check_glob("/usr/lib/libz.so.1", LEARN_PATHS_AUTO, "/usr/lib/libz.so*");
	check_glob("/usr/lib64/libz.so.1", LEARN_PATHS_AUTO, "/usr/lib64/libz.so*");
	check_glob("/lib/x86_64-linux-gnu/libc.so.6", LEARN_PATHS_AUTO,
		   "/lib/x86_64-linux-gnu/libc.so*");
}

/* --paths dir is the directory's files: a file of /home/alice gives
 * /home/alice/ *, not every file of every home (/home/ * / *). */
static void test_learn_dir_mode_keeps_the_home(void **state)
{
	struct fx *f = *state;

	(void)state;
	check_glob("/home/alice/notes.txt", LEARN_PATHS_DIR, "/home/alice/*");
	check_glob("/home/alice", LEARN_PATHS_DIR, "/home/*");
	see(f, "newfstatat", "/home/alice/notes.txt");
	learn_into(f, NULL, LEARN_PATHS_DIR);
	assert_true(allowed(f, "newfstatat", "/home/alice/todo.txt"));
	assert_false(allowed(f, "newfstatat", "/home/bob/notes.txt"));
	assert_false(allowed(f, "newfstatat", "/home/bob/.ssh"));
}

/* A path rule written into a section of several syscalls holds for all of
 * them: openat of /etc/hosts seen must not let unlinkat remove it. */
static void test_learn_merge_path_rule_not_given_to_other_syscalls(void **state)
{
	struct fx *f = *state;
	static const char base[] = "[sysgate]\n"
				   "default = deny\n"
				   "\n"
				   "[openat, unlinkat]\n"
				   "allow = path ~ /srv/**\n"
				   "deny = *\n"
				   "\n"
				   "[open, openat2]\n"
				   "allow = path ~ /srv/**\n"
				   "deny = *\n";
	struct learn_obs o = {.syscall = "open", .abi = "x86_64", .path = "/etc/motd", .tgid = 1};

	see_open(f, "/etc/hosts", O_RDONLY);
	o.has_args = true;
	assert_int_equal(learn_add(f->l, &o), 0);
	learn_into(f, base, LEARN_PATHS_AUTO);
	assert_int_equal(judge(f, "unlinkat", "/etc/hosts", 0, NULL).kind, DECISION_DENY);
	assert_true(allowed(f, "unlinkat", "/srv/x"));
	/* said, and left denied */
	assert_int_equal(judge(f, "openat", "/etc/hosts", O_RDONLY, NULL).kind, DECISION_DENY);
	{
		bool said = false;

		for (size_t i = 0; i < f->rep.n; i++)
			said = said || strstr(f->rep.lines[i], "openat: not written");
		assert_true(said);
	}
	/* one family (open, openat2): the rule is the family's, as before */
	assert_int_equal(judge(f, "open", "/etc/motd", O_RDONLY, NULL).kind, DECISION_ALLOW);
}

/* rename's rules judge its source only: the learned policy says so, in the
 * text and on stderr, once. */
static void test_learn_two_path_calls_are_said(void **state)
{
	struct fx *f = *state;
	const char *first, *w = "; learn: WARNING: renameat rules judge its first path only";
	bool said = false;

	see(f, "renameat", "/srv/a");
	see(f, "renameat", "/srv/b");
	learn_into(f, NULL, LEARN_PATHS_EXACT);
	first = strstr(f->text, w);
	assert_non_null(first);
	assert_null(strstr(first + 1, w));
	for (size_t i = 0; i < f->rep.n; i++)
		said = said || strstr(f->rep.lines[i], "renameat: its rules judge the first path");
	assert_true(said);
	assert_true(allowed(f, "renameat", "/srv/a"));
	assert_false(allowed(f, "renameat", "/srv/c"));
}

/* The directories whose files are not alike keep them exact below them
 * too: a program that read three files of /root/.ssh (its known_hosts,
 * config, id_rsa.pub) is not given id_rsa; three secrets of /run/secrets
 * are not every secret. */
static void test_learn_auto_dir_not_below_private_trees(void **state)
{
	struct fx *f = *state;
	static const char *const dirs[] = {"/root/.ssh", "/run/secrets",    "/var/lib/app/keys",
					   "/dev/shm/x", "/var/spool/cron", "/var/mail/box",
					   NULL};

	for (size_t d = 0; dirs[d]; d++)
		for (int i = 0; i < 3; i++) {
			char p[64];

			snprintf(p, sizeof(p), "%s/f%d", dirs[d], i);
			see_open(f, p, O_RDONLY);
		}
	see_open(f, "/srv/www/a.html", O_RDONLY);
	see_open(f, "/srv/www/b.html", O_RDONLY);
	see_open(f, "/srv/www/c.html", O_RDONLY);
	learn_into(f, NULL, LEARN_PATHS_AUTO);
	for (size_t d = 0; dirs[d]; d++) {
		char p[64];

		snprintf(p, sizeof(p), "%s/f0", dirs[d]);
		assert_true(allowed(f, "openat", p));
		snprintf(p, sizeof(p), "%s/secret", dirs[d]);
		assert_false(allowed(f, "openat", p));
	}
	/* an ordinary directory still gets its DIR/ *.EXT */
	assert_true(allowed(f, "openat", "/srv/www/d.html"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_learn_hostile_syscall_name_injects_nothing,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_learn_hostile_abi_injects_nothing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_learn_unknown_syscall_does_not_spoil_policy,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_learn_hostile_long_metachar_path, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_learn_hostile_metachar_names_stay_exact, setup,
						teardown),
		cmocka_unit_test(test_learn_so_only_in_lib_dirs),
		cmocka_unit_test_setup_teardown(test_learn_auto_dir_not_below_private_trees, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_learn_two_path_calls_are_said, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_learn_merge_path_rule_not_given_to_other_syscalls, setup, teardown),
		cmocka_unit_test_setup_teardown(test_learn_dir_mode_keeps_the_home, setup,
						teardown),
		cmocka_unit_test(test_learn_glob_ladder),
		cmocka_unit_test(test_learn_glob_proc_and_home),
		cmocka_unit_test_setup_teardown(test_learn_skeleton_enosys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_learn_grouping_never_allows_unseen, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_learn_group_when_every_member_seen, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_learn_paths_and_read_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_learn_auto_directory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_learn_tree_rule_written_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_learn_exact_mode_is_exact, setup, teardown),
		cmocka_unit_test_setup_teardown(test_learn_unwritable_path_stays_denied, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_learn_objects_without_a_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_learn_unresolved_keeps_kernel_errno, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_learn_launcher_exec, setup, teardown),
		cmocka_unit_test_setup_teardown(test_learn_refused_not_allowed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_learn_abi_key_lists_what_ran, setup, teardown),
		cmocka_unit_test_setup_teardown(test_learn_merge_abi_not_widened, setup, teardown),
		cmocka_unit_test_setup_teardown(test_learn_merge_keeps_hand_written, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_learn_merge_twice_is_stable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_learn_review_answers, setup, teardown),
		cmocka_unit_test(test_learn_observer_policy),
		cmocka_unit_test_setup_teardown(test_learn_random_runs_complete_and_loadable, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
