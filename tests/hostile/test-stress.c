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
 * $SG_STRESS_ITER sets the rounds per survivor (default 20: under 30 s on
 * the 2-CPU development VM under load, in the TSan build).
 */
#include <dirent.h>
#include <errno.h>
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
static char g_attack[PATH_MAX];

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

/* The JSON records of survivor calls (paths with "/S."), by decision. */
static struct tally tally_records(const char *log)
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
		else if (path && strstr(path, "/S.")) {
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
	t = tally_records(st->h.log);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_stress_survivors_answered_and_recorded_while_others_killed, setup,
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
	if (access(g_attack, X_OK) < 0) {
		fprintf(stderr, "hostile-stress: %s: %s\n", g_attack, strerror(errno));
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
