/*
 * hostile-stress: the supervisor under load while the tree dies around it.
 *
 * attack-stress (its header says what it does) runs 64 threads and 64
 * processes making notified mkdir and chmod calls, decided by path (denied,
 * emulated, logged, allowed), while 32 threads come and go and 16 victim
 * processes die in the middle of their calls (SIGKILLed by the attack,
 * killed by sysgate's kill rule, or ended by one thread's _exit). The suite asserts
 * what a user would see: every call a survivor made got the policy's answer
 * (the attack counts them), every decided survivor call has exactly one JSON
 * record with that decision, the file system holds exactly the directories
 * the survivors were allowed to make, sysgate exits with the command's own
 * status within a bound, and nothing of the tree outlives it. Run by CTest in
 * the plain, ASan and TSan builds alike (./dev.sh test), where a sanitizer
 * report changes sysgate's exit status and so fails the test.
 *
 * A second case does the same under sysgate serve: three sandboxes started by
 * sysgate-agent, each running the attack with 16 threads and 16 processes,
 * beside a fourth that is killed whole (its process group) mid-call; then
 * the daemon must still serve a new sandbox and stop cleanly on SIGTERM.
 *
 * $SG_STRESS_ITER sets the rounds per survivor (default 20, half that under
 * serve: about 30 s for both on the 2-CPU development VM under load, in the
 * TSan build).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "live-harness.h"

/* As in attack-stress.c. */
#define N_THREADS 64
#define N_PROCS 64
#define N_SHORT 32
#define SHORT_ITER 3
#define N_VICTIMS 16

/* sysgate must be done this long after it started, the tree included. */
#define RUN_TIMEOUT_MS 180000

static char g_sysgate[PATH_MAX], g_target[PATH_MAX], g_target_real[PATH_MAX];
static char g_attack[PATH_MAX], g_agent[PATH_MAX];

struct stress {
	struct lh h;
};

static int setup(void **state)
{
	struct stress *st = calloc(1, sizeof(*st));
	static const char *const sub[] = {"deny", "emu", "logd", "plain"};

	if (!st)
		return -1;
	*state = st;
	if (lh_init(&st->h, "/tmp/sg-stress.XXXXXX", 0) < 0 || chmod(st->h.dir, 0755) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(sub) / sizeof(sub[0]); i++)
		if (mkdir(lh_tp(&st->h, "%s/%s", st->h.dir, sub[i]), 0755) < 0)
			return -1;
	return 0;
}

static int teardown(void **state)
{
	struct stress *st = *state;

	for (size_t i = 0; i < st->h.n_pids; i++)
		if (st->h.pids[i] > 0) {
			kill(st->h.pids[i], SIGKILL);
			waitpid(st->h.pids[i], NULL, 0);
		}
	lh_fini(&st->h);
	free(st);
	return 0;
}

/* Entries of DIR/sub whose name starts with prefix, directories or not. */
static int count_entries(struct stress *st, const char *sub, const char *prefix, bool dirs)
{
	DIR *d = opendir(lh_tp(&st->h, "%s/%s", st->h.dir, sub));
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, prefix, strlen(prefix)) && (e->d_type == DT_DIR) == dirs)
			n++;
	closedir(d);
	return n;
}

/* Processes whose command line mentions needle (the test's own directory). */
static int procs_mentioning(const char *needle)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d))) {
		char path[300], buf[4096];
		size_t len;
		FILE *f;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/cmdline", e->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		len = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		for (size_t i = 0; i < len; i++)
			if (!buf[i])
				buf[i] = ' ';
		buf[len] = '\0';
		if (strstr(buf, needle))
			n++;
	}
	closedir(d);
	return n;
}

struct tally {
	long deny, emulate, log, other, bad;
};

/* The JSON records of survivor calls (paths under prefix with "/S."), by decision. */
static struct tally tally_records(const char *log, const char *prefix)
{
	struct tally t = {};

	for (const char *p = log; p && *p;) {
		const char *e = strchrnul(p, '\n');
		char *line = strndup(p, (size_t)(e - p));
		struct json_object *o = line ? json_tokener_parse(line) : NULL, *v;
		const char *path = NULL, *dec = NULL;

		if (o && json_object_object_get_ex(o, "path", &v))
			path = json_object_get_string(v);
		if (o && json_object_object_get_ex(o, "decision", &v))
			dec = json_object_get_string(v);
		if (!o)
			t.bad++;
		else if (path && !strncmp(path, prefix, strlen(prefix)) && strstr(path, "/S.")) {
			if (dec && !strcmp(dec, "deny"))
				t.deny++;
			else if (dec && !strcmp(dec, "emulate"))
				t.emulate++;
			else if (dec && !strcmp(dec, "log"))
				t.log++;
			else
				t.other++;
		}
		json_object_put(o);
		free(line);
		p = *e ? e + 1 : NULL;
	}
	return t;
}

static void test_stress_survivors_answered_and_recorded_while_others_killed(void **state)
{
	struct stress *st = *state;
	const char *d = st->h.dir, *env = getenv("SG_STRESS_ITER");
	int iter = env && atoi(env) > 0 ? atoi(env) : 20;
	long rounds = (long)(N_THREADS + N_PROCS) * iter + (long)N_SHORT * SHORT_ITER;
	long calls = -1, deny = -1, emulate = -1, log = -1, allow = -1, wrong = -1;
	int killed = -1, bad_children = -1, status;
	long t0 = lh_now_ms(), took;
	const char *line;
	struct tally t;

	lh_write_policy(&st->h,
			"[sysgate]\n"
			"default = allow\n"
			"[mkdir]\n"
			"deny = EACCES path ~ %s/deny/**\n"
			"emulate = path ~ %s/emu/**\n"
			"log = path ~ %s/logd/**\n"
			"allow = *\n"
			"[chmod]\n"
			"kill = mode & 04000\n"
			"deny = EPERM path ~ %s/deny/**\n"
			"log = path ~ %s/logd/**\n"
			"allow = *\n",
			d, d, d, d, d);
	status = lh_run(&st->h, RUN_TIMEOUT_MS,
			(const char *const[]){g_sysgate, "run", "-p", "policy.ini", "--log", "log",
					      "--log-format", "json", "--", NULL},
			g_attack, d, lh_tp(&st->h, "%d", iter), NULL);
	took = lh_now_ms() - t0;
	print_message("attack-stress: %s; sysgate took %ld ms\n", st->h.out, took);

	/* sysgate exits with the command's own status: 23, all answered right. */
	if (status != 23)
		fail_msg("sysgate exited %d; stdout: %s stderr: %s", status, st->h.out, st->h.err);
	line = strstr(st->h.out, "stress: ");
	assert_non_null(line);
	assert_int_equal(
		sscanf(line,
		       "stress: calls=%ld deny=%ld emulate=%ld log=%ld allow=%ld wrong=%ld "
		       "killed=%d bad_children=%d",
		       &calls, &deny, &emulate, &log, &allow, &wrong, &killed, &bad_children),
		8);
	assert_int_equal(wrong, 0);
	assert_int_equal(bad_children, 0);
	assert_int_equal(killed, (N_VICTIMS + 2) / 3);
	assert_int_equal(calls, 6 * rounds);
	assert_int_equal(deny, 2 * rounds);
	assert_int_equal(emulate, rounds);
	assert_int_equal(log, 2 * rounds);
	assert_int_equal(allow, rounds);

	/* One record per decided survivor call, nothing lost or doubled;
	 * allowed calls are not recorded. */
	t = tally_records(st->h.log, d);
	assert_int_equal(t.bad, 0);
	assert_int_equal(t.other, 0);
	assert_int_equal(t.deny, deny);
	assert_int_equal(t.emulate, emulate);
	assert_int_equal(t.log, log);

	/* What the file system shows: exactly the survivors' directories. */
	assert_int_equal(count_entries(st, "emu", "S.", true), rounds);
	assert_int_equal(count_entries(st, "logd", "S.", true), rounds);
	assert_int_equal(count_entries(st, "plain", "S.", true), rounds);
	/* In deny/: the files the attack made for chmod, and no directory. */
	assert_int_equal(count_entries(st, "deny", "S.", true), 0);
	assert_int_equal(count_entries(st, "deny", "S.", false), rounds);

	/* Nothing of the tree outlives sysgate. */
	assert_int_equal(procs_mentioning(d), 0);
}

/* ---- the same under sysgate serve, sandboxes started by sysgate-agent ---- */

#define SERVE_SANDBOXES 3 /* that live; one more is killed whole */
#define SERVE_THREADS 16
#define SERVE_PROCS 16

struct sums {
	long calls, deny, emulate, log, allow, wrong;
	int killed, bad_children;
};

/* The attack's "stress:" line in text into *s; false if there is none. */
static bool parse_stress(const char *text, struct sums *s)
{
	const char *line = text ? strstr(text, "stress: ") : NULL;

	return line && sscanf(line,
			      "stress: calls=%ld deny=%ld emulate=%ld log=%ld allow=%ld wrong=%ld "
			      "killed=%d bad_children=%d",
			      &s->calls, &s->deny, &s->emulate, &s->log, &s->allow, &s->wrong,
			      &s->killed, &s->bad_children) == 8;
}

/* fork and exec argv with stdout and stderr to out, in a process group of
 * its own (so that a whole sandbox can be killed); remembered. */
static pid_t spawn_to(struct stress *st, const char *out, const char *const *argv)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		int nul = open("/dev/null", O_RDONLY | O_CLOEXEC);

		if (setpgid(0, 0) < 0 || fd < 0 || nul < 0 || dup2(nul, 0) < 0 || dup2(fd, 1) < 0 ||
		    dup2(fd, 2) < 0)
			_exit(126);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	lh_remember_pid(&st->h, pid);
	return pid;
}

static void make_tree(struct stress *st, const char *top)
{
	static const char *const sub[] = {"deny", "emu", "logd", "plain"};

	assert_int_equal(mkdir(top, 0755), 0);
	for (size_t i = 0; i < sizeof(sub) / sizeof(sub[0]); i++)
		assert_int_equal(mkdir(lh_tp(&st->h, "%s/%s", top, sub[i]), 0755), 0);
}

static void test_stress_serve_sandboxes_answered_while_one_is_killed_whole(void **state)
{
	struct stress *st = *state;
	const char *d = st->h.dir, *env = getenv("SG_STRESS_ITER");
	const char *sock = lh_tp(&st->h, "%s/sock", d), *pol = lh_tp(&st->h, "%s/pol", d);
	const char *live = lh_tp(&st->h, "%s/s", d), *doomed = lh_tp(&st->h, "%s/k", d);
	/* Half the rounds of the run case: three sandboxes share the daemon. */
	int iter = env && atoi(env) > 1 ? atoi(env) / 2 : 10;
	long rounds = (long)(SERVE_THREADS + SERVE_PROCS) * iter + (long)N_SHORT * SHORT_ITER;
	pid_t daemon, kids[SERVE_SANDBOXES], victim;
	struct sums sum = {};
	struct stat sb;
	struct tally t;
	long end;
	int status;
	char *log;

	if (!*g_agent) {
		print_message("sysgate-agent not found: skipped\n");
		skip();
	}
	make_tree(st, live);
	make_tree(st, doomed);
	assert_int_equal(mkdir(pol, 0755), 0);
	/* One policy for both trees: DIR/s (sandboxes that live) and DIR/k. */
	lh_write_file(lh_tp(&st->h, "%s/stress.ini", pol),
		      lh_tp(&st->h,
			    "[sysgate]\n"
			    "default = allow\n"
			    "[mkdir]\n"
			    "deny = EACCES path ~ %s/*/deny/**\n"
			    "emulate = path ~ %s/*/emu/**\n"
			    "log = path ~ %s/*/logd/**\n"
			    "allow = *\n"
			    "[chmod]\n"
			    "kill = mode & 04000\n"
			    "deny = EPERM path ~ %s/*/deny/**\n"
			    "log = path ~ %s/*/logd/**\n"
			    "allow = *\n",
			    d, d, d, d, d),
		      0644);
	daemon =
		spawn_to(st, lh_tp(&st->h, "%s/serve.err", d),
			 (const char *const[]){g_sysgate, "serve", "--socket", sock, "--policy-dir",
					       pol, "--log", lh_tp(&st->h, "%s/log", d),
					       "--log-format", "json", NULL});
	end = lh_now_ms() + 10000;
	while (stat(sock, &sb) < 0 && lh_now_ms() < end)
		usleep(10000);
	assert_int_equal(stat(sock, &sb), 0);

	/* A sandbox that runs until it is killed whole, mid-call. */
	victim = spawn_to(st, lh_tp(&st->h, "%s/k.out", d),
			  (const char *const[]){g_agent, "--socket", sock, "--policy", "stress",
						"--", g_attack, doomed, "100000", "8", "8", NULL});
	for (int i = 0; i < SERVE_SANDBOXES; i++)
		kids[i] = spawn_to(st, lh_tp(&st->h, "%s/s%d.out", d, i),
				   (const char *const[]){g_agent, "--socket", sock, "--policy",
							 "stress", "--", g_attack, live,
							 lh_tp(&st->h, "%d", iter),
							 lh_tp(&st->h, "%d", SERVE_THREADS),
							 lh_tp(&st->h, "%d", SERVE_PROCS), NULL});

	/* Kill the doomed sandbox once it has made calls: its calls are then
	 * in flight while the others run. */
	end = lh_now_ms() + 60000;
	for (;;) {
		log = lh_slurp(lh_tp(&st->h, "%s/log", d));
		if (strstr(log, lh_tp(&st->h, "\"%s/emu/", doomed)) || lh_now_ms() > end)
			break;
		free(log);
		usleep(20000);
	}
	free(log);
	assert_int_equal(kill(-victim, SIGKILL), 0);
	assert_int_equal(lh_wait_status(&st->h, victim, 30000), SIGKILL);

	for (int i = 0; i < SERVE_SANDBOXES; i++) {
		struct sums s = {};
		char *out;

		status = lh_wait_status(&st->h, kids[i], RUN_TIMEOUT_MS);
		out = lh_slurp(lh_tp(&st->h, "%s/s%d.out", d, i));
		print_message("sandbox %d: %s", i, out);
		if (status < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 23 ||
		    !parse_stress(out, &s))
			fail_msg("sandbox %d: status 0x%x, output %s", i, status, out);
		free(out);
		assert_int_equal(s.wrong, 0);
		assert_int_equal(s.bad_children, 0);
		assert_int_equal(s.calls, 6 * rounds);
		sum.deny += s.deny;
		sum.emulate += s.emulate;
		sum.log += s.log;
	}
	assert_int_equal(sum.deny, SERVE_SANDBOXES * 2 * rounds);
	assert_int_equal(sum.emulate, SERVE_SANDBOXES * rounds);

	/* The daemon served the dead sandbox's session to its end and still
	 * serves: one more sandbox, then a clean stop within a bound. */
	kids[0] = spawn_to(st, lh_tp(&st->h, "%s/last.out", d),
			   (const char *const[]){g_agent, "--socket", sock, "--policy", "stress",
						 "--", g_attack, live, "1", "1", "1", NULL});
	status = lh_wait_status(&st->h, kids[0], 60000);
	assert_true(status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 23);
	assert_int_equal(kill(daemon, SIGTERM), 0);
	status = lh_wait_status(&st->h, daemon, 30000);
	if (status != 0)
		fail_msg("sysgate serve: status 0x%x; stderr: %s", status,
			 lh_keep(&st->h, lh_slurp(lh_tp(&st->h, "%s/serve.err", d))));

	/* One record per decided call of the sandboxes that lived (the last
	 * one's included: it made one round per thread, process and short
	 * thread, 1 + 1 + 32). */
	log = lh_keep(&st->h, lh_slurp(lh_tp(&st->h, "%s/log", d)));
	t = tally_records(log, live);
	assert_int_equal(t.bad, 0);
	assert_int_equal(t.other, 0);
	rounds = 1 + 1 + (long)N_SHORT * SHORT_ITER;
	assert_int_equal(t.deny, sum.deny + 2 * rounds);
	assert_int_equal(t.emulate, sum.emulate + rounds);
	assert_int_equal(t.log, sum.log + 2 * rounds);
	assert_int_equal(procs_mentioning(d), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_stress_survivors_answered_and_recorded_while_others_killed, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_stress_serve_sandboxes_answered_while_one_is_killed_whole, setup,
			teardown),
	};
	int r = lh_find_binaries("hostile-stress", g_sysgate, g_target, g_target_real);

	if (r)
		return r;
	/* $SG_HOSTILE_DIR (CTest sets it), else beside this test. */
	if (getenv("SG_HOSTILE_DIR") && *getenv("SG_HOSTILE_DIR"))
		snprintf(g_attack, sizeof(g_attack), "%s/attack-stress", getenv("SG_HOSTILE_DIR"));
	else
		lh_locate(g_attack, sizeof(g_attack), "SG_ATTACK_STRESS", "attack-stress");
	if (!lh_locate(g_agent, sizeof(g_agent), "SYSGATE_AGENT", "../../sysgate-agent") ||
	    access(g_agent, X_OK) < 0)
		g_agent[0] = '\0';
	if (access(g_attack, X_OK) < 0) {
		fprintf(stderr, "hostile-stress: %s: %s\n", g_attack, strerror(errno));
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
