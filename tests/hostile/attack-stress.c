/*
 * attack-stress: load on the supervisor while parts of the supervised tree
 * die under it. Run as
 *
 *	attack-stress DIR ITER [THREADS PROCS]
 *
 * under a policy that denies mkdir and chmod in DIR/deny, emulates mkdir in
 * DIR/emu, logs mkdir and chmod in DIR/logd and allows the rest (see
 * test-stress.c). At once:
 *
 *  - 64 survivor threads in this process and 64 survivor processes (or
 *    THREADS and PROCS, at most 64) each do
 *    ITER rounds of six notified calls (mkdir deny, mkdir emu, mkdir log,
 *    chmod log, chmod deny of a file it creates, mkdir plain: allowed and
 *    unrecorded), and 32
 *    short-lived threads do 3 rounds each and exit while the others run;
 *  - 16 victim processes of 4 threads loop on the same calls (some of their
 *    threads exit on the way) until they die mid-call: a third SIGKILLed by
 *    this program, a third killed by sysgate (a setuid chmod meets the
 *    policy's kill rule), a third by one thread's _exit(7).
 *
 * Survivors name their paths S.*, victims V.*, so the test can tell their
 * records apart. Every survivor call must get the answer the policy gives
 * (a lost answer hangs this program, which the test's deadline catches; a
 * wrong one is counted). Prints one line
 *
 *	stress: calls=N deny=D emulate=E log=L allow=A wrong=W killed=K
 *
 * (K: victims this program SIGKILLed) and exits 23 when every survivor call
 * was answered right and every victim died the way it was meant to, 1
 * otherwise. Only libc and pthreads: this is the other
 * side of the trust boundary.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_THREADS 64 /* survivor threads and processes: 64 unless told fewer */
#define MAX_PROCS 64
#define N_SHORT 32
#define SHORT_ITER 3
#define N_VICTIMS 16
#define VICTIM_THREADS 4

struct counts {
	long calls, deny, emulate, log, allow, wrong;
};

static const char *dir;
static int iter;
static int start_fd; /* read end: EOF means go */

static void wait_start(void)
{
	char c;

	while (read(start_fd, &c, 1) < 0 && errno == EINTR)
		;
}

static void expect(struct counts *c, long *kind, int r, int want_errno)
{
	c->calls++;
	if ((want_errno == 0 && r == 0) || (want_errno && r < 0 && errno == want_errno))
		(*kind)++;
	else
		c->wrong++;
}

/* One round of the six calls; tag is "S.pid.tid.round" or "V...". */
static void round_of_calls(struct counts *c, const char *tag)
{
	char p[PATH_MAX];
	int fd;

	snprintf(p, sizeof(p), "%s/deny/%s", dir, tag);
	expect(c, &c->deny, mkdir(p, 0755), EACCES);
	snprintf(p, sizeof(p), "%s/emu/%s", dir, tag);
	expect(c, &c->emulate, mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/logd/%s", dir, tag);
	expect(c, &c->log, mkdir(p, 0755), 0);
	expect(c, &c->log, chmod(p, 0700), 0);
	/* A denied chmod of a missing file is ENOENT, as the kernel would say:
	 * make it (open is not supervised), then be refused. */
	snprintf(p, sizeof(p), "%s/deny/%s", dir, tag);
	fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0)
		close(fd);
	expect(c, &c->deny, chmod(p, 0600), EPERM);
	snprintf(p, sizeof(p), "%s/plain/%s", dir, tag);
	expect(c, &c->allow, mkdir(p, 0755), 0);
}

static void add(struct counts *to, const struct counts *c)
{
	to->calls += c->calls;
	to->deny += c->deny;
	to->emulate += c->emulate;
	to->log += c->log;
	to->allow += c->allow;
	to->wrong += c->wrong;
}

/* ---- survivor threads (this process) ---- */

static pthread_mutex_t total_lock = PTHREAD_MUTEX_INITIALIZER;
static struct counts total;

struct worker {
	pthread_t t;
	int id, rounds;
	bool wait;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct counts c = {};
	char tag[64];

	if (w->wait)
		wait_start();
	for (int i = 0; i < w->rounds; i++) {
		snprintf(tag, sizeof(tag), "S.%d.t%d.%d", (int)getpid(), w->id, i);
		round_of_calls(&c, tag);
	}
	pthread_mutex_lock(&total_lock);
	add(&total, &c);
	pthread_mutex_unlock(&total_lock);
	return NULL;
}

/* ---- survivor processes ---- */

static _Noreturn void survivor_proc(int id, int out)
{
	struct counts c = {};
	char tag[64];

	wait_start();
	for (int i = 0; i < iter; i++) {
		snprintf(tag, sizeof(tag), "S.%d.p%d.%d", (int)getpid(), id, i);
		round_of_calls(&c, tag);
	}
	/* sizeof(c) < PIPE_BUF: one atomic write. */
	_exit(write(out, &c, sizeof(c)) == (ssize_t)sizeof(c) ? 0 : 1);
}

/* ---- victims: loop until they die, three ways ---- */

enum victim_kind {
	VICTIM_SIGKILLED, /* by this program's main thread */
	VICTIM_KILL_RULE, /* by sysgate: a setuid chmod hits the policy's kill rule */
	VICTIM_EXIT,	  /* one thread calls _exit(7) while the others are in calls */
};
#define VICTIM_EXIT_STATUS 7

static int victim_ready_fd;
static enum victim_kind victim_kind;
static atomic_bool victim_said_ready;

static void *victim_main(void *arg)
{
	long id = (long)arg;
	struct counts c = {};
	char tag[64], p[PATH_MAX];

	for (long i = 0;; i++) {
		snprintf(tag, sizeof(tag), "V.%d.%ld.%ld", (int)getpid(), id, i);
		round_of_calls(&c, tag);
		if (!atomic_exchange(&victim_said_ready, true)) {
			ssize_t k = write(victim_ready_fd, "r", 1);
			(void)k;
		}
		if (id == 1 && i == 3 && victim_kind == VICTIM_KILL_RULE) {
			snprintf(p, sizeof(p), "%s/logd/%s", dir, tag);
			chmod(p, 04755);
		}
		if (id == 1 && i == 3 && victim_kind == VICTIM_EXIT)
			_exit(VICTIM_EXIT_STATUS);
		/* Some threads exit on the way; the others run on till the end. */
		if (id % 2 && id > 1 && i == 2 + id)
			return NULL;
	}
}

static _Noreturn void victim_proc(int ready, enum victim_kind kind)
{
	pthread_attr_t attr;
	pthread_t t;

	victim_ready_fd = ready;
	victim_kind = kind;
	/* Detached: nobody joins them; the process dies with them in calls. */
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	wait_start();
	for (long i = 1; i < VICTIM_THREADS; i++)
		pthread_create(&t, &attr, victim_main, (void *)i);
	victim_main((void *)0);
	_exit(0); /* not reached */
}

int main(int argc, char **argv)
{
	int start[2], results[2], ready[2];
	pid_t procs[MAX_PROCS], victims[N_VICTIMS];
	struct worker workers[MAX_THREADS + N_SHORT] = {};
	int n_threads = MAX_THREADS, n_procs = MAX_PROCS;
	int killed = 0, bad_children = 0;
	struct pollfd pfd;

	if (argc != 3 && argc != 5) {
		fprintf(stderr, "usage: attack-stress DIR ITER [THREADS PROCS]\n");
		return 2;
	}
	if (argc == 5) {
		n_threads = atoi(argv[3]);
		n_procs = atoi(argv[4]);
		if (n_threads < 0 || n_threads > MAX_THREADS || n_procs < 0 || n_procs > MAX_PROCS)
			return 2;
	}
	dir = argv[1];
	iter = atoi(argv[2]);
	if (pipe2(start, O_CLOEXEC) < 0 || pipe2(results, O_CLOEXEC) < 0 ||
	    pipe2(ready, O_CLOEXEC) < 0)
		return 1;
	start_fd = start[0];

	/* Processes first, while this one has a single thread. */
	for (int i = 0; i < n_procs; i++) {
		procs[i] = fork();
		if (procs[i] < 0)
			return 1;
		if (procs[i] == 0) {
			close(start[1]);
			survivor_proc(i, results[1]);
		}
	}
	for (int i = 0; i < N_VICTIMS; i++) {
		victims[i] = fork();
		if (victims[i] < 0)
			return 1;
		if (victims[i] == 0) {
			close(start[1]);
			victim_proc(ready[1], (enum victim_kind)(i % 3));
		}
	}
	close(results[1]);
	close(ready[1]);
	for (int i = 0; i < n_threads; i++) {
		workers[i] = (struct worker){.id = i, .rounds = iter, .wait = true};
		if (pthread_create(&workers[i].t, NULL, worker_main, &workers[i]) != 0)
			return 1;
	}

	/* Go: everyone is blocked on the start pipe until it closes. */
	close(start[1]);

	/* Threads that start, make their calls and end while the rest run. */
	for (int i = n_threads; i < n_threads + N_SHORT; i++) {
		workers[i] = (struct worker){.id = i, .rounds = SHORT_ITER};
		if (pthread_create(&workers[i].t, NULL, worker_main, &workers[i]) != 0)
			return 1;
	}

	/* Kill each victim once every victim has made calls, a few ms apart:
	 * they spend nearly all their time waiting on sysgate, so SIGKILL
	 * lands mid-call. */
	pfd = (struct pollfd){.fd = ready[0], .events = POLLIN};
	for (int n = 0; n < N_VICTIMS;) {
		char buf[N_VICTIMS];
		ssize_t k;

		if (poll(&pfd, 1, 60000) != 1)
			break;
		k = read(ready[0], buf, sizeof(buf));
		if (k <= 0)
			break;
		n += (int)k;
	}
	for (int i = 0; i < N_VICTIMS; i += 3) {
		struct timespec nap = {.tv_nsec = (1 + i % 5) * 1000000L};

		if (kill(victims[i], SIGKILL) == 0)
			killed++;
		nanosleep(&nap, NULL);
	}
	for (int i = 0; i < N_VICTIMS; i++) {
		int status;
		bool ok;

		if (waitpid(victims[i], &status, 0) != victims[i])
			ok = false;
		else if (i % 3 == VICTIM_EXIT)
			ok = WIFEXITED(status) && WEXITSTATUS(status) == VICTIM_EXIT_STATUS;
		else
			ok = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
		if (!ok)
			bad_children++;
	}

	for (int i = 0; i < n_threads + N_SHORT; i++)
		pthread_join(workers[i].t, NULL);
	for (int i = 0; i < n_procs; i++) {
		int status;

		if (waitpid(procs[i], &status, 0) != procs[i] || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0)
			bad_children++;
	}
	for (;;) {
		struct counts c;
		ssize_t k = read(results[0], &c, sizeof(c));

		if (k != (ssize_t)sizeof(c))
			break;
		add(&total, &c);
	}
	printf("stress: calls=%ld deny=%ld emulate=%ld log=%ld allow=%ld wrong=%ld killed=%d "
	       "bad_children=%d\n",
	       total.calls, total.deny, total.emulate, total.log, total.allow, total.wrong, killed,
	       bad_children);
	fflush(stdout);
	return total.wrong == 0 && bad_children == 0 && killed == (N_VICTIMS + 2) / 3 ? 23 : 1;
}
