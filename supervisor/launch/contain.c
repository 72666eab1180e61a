/*
 * contain: keep the supervised tree inside, and end it, whatever it does.
 *
 * The threat: the command runs with sysgate's uid and can clear its own
 * PR_SET_PDEATHSIG, fork children that never had one, double-fork away from
 * its parent, signal sysgate (getppid(), a /proc scan, kill(-1)), or make
 * sysgate short of file descriptors so that it cannot read /proc when it must
 * kill what is left. Every guarantee below must hold against that.
 *
 * The design, where sysgate may create a PID namespace (CAP_SYS_ADMIN):
 *
 *   sysgate ──fork──► init (pid 1 of a new pid ns; sysgate's code, never filtered)
 *      │                 PDEATHSIG=SIGKILL tied to sysgate, no fds, reaps orphans
 *      └──fork──► agent → CMD (pid 2 of the same ns, sysgate's own child)
 *
 * sysgate calls unshare(CLONE_NEWPID), which moves only its *children* into
 * the new namespace: the first child is its init, the second the command.
 * Then sysgate setns()es back into its own namespace, because the kernel
 * refuses CLONE_THREAD (pthread_create: EINVAL) while a thread's
 * pid_ns_for_children differs from its own, and sysgate starts threads later.
 *
 * - If sysgate dies, its init gets SIGKILL from PR_SET_PDEATHSIG. The tree
 *   cannot clear that (prctl acts on the caller only; the init is not
 *   traceable: non-dumpable, and ptrace is beyond the filter's reach of the
 *   tree only where the policy denies it, see below), and when a namespace's
 *   init dies the kernel SIGKILLs every process in it. The tree dies, orphans
 *   and grandchildren included, whatever they did to their own pdeathsig.
 * - When the command exits, sysgate SIGKILLs the init and waits for it: the
 *   kernel reaps the init only after the namespace is empty. That needs no
 *   /proc and no new fd, so it holds when sysgate's fd table is full.
 * - The tree cannot kill or stop its init: the kernel drops every signal
 *   from inside the namespace to an init that has no handler for it
 *   (SIGNAL_UNKILLABLE), SIGKILL and SIGSTOP included. The init blocks only
 *   SIGCHLD (read with sigwaitinfo) and has no handlers.
 * - The tree cannot name sysgate: pids are looked up in the caller's
 *   namespace, so kill(), pidfd_open(), ptrace() and process_vm_*() by
 *   sysgate's pid fail (ESRCH), getppid() is 0, kill(-1) reaches only the
 *   namespace, and pidfd_send_signal() on a /proc/PID directory of sysgate
 *   (the tree still sees the host's /proc) is refused by the kernel because
 *   the target is outside the caller's namespace (EINVAL).
 * - What the namespace does not cover: the process group, which crosses
 *   namespaces (kill(0, sig), kill(-pgrp, sig), pidfd_send_signal(...,
 *   PIDFD_SIGNAL_PROCESS_GROUP)). The init leads a group of its own, and
 *   run.c gives the command one too unless sysgate leads the foreground job
 *   of a terminal; only then can a group signal from the tree reach sysgate,
 *   and a stopped or killed sysgate stalls or ends the tree, never lets a
 *   call through (see in_terminal_foreground() in run.c).
 * - The init holds no file descriptor (so pidfd_getfd on it yields nothing)
 *   and is non-dumpable, like sysgate.
 *
 * The command's death signal: getppid() is 0 inside the namespace, so the
 * agent cannot compare it with sysgate's pid after arming PR_SET_PDEATHSIG.
 * It polls a pipe instead whose write end only sysgate holds: a hang-up
 * means sysgate is gone. The init checks the same way, and sysgate forks the
 * command only once the init has closed its copy of the write end.
 *
 * Without CAP_SYS_ADMIN, sysgate tries the same in a user namespace of its
 * own (unprivileged ones are allowed on Debian 12). sysgate cannot join a
 * pid namespace it does not own from its own user namespace (setns needs
 * CAP_SYS_ADMIN in both), so the forked child becomes a relay instead: it
 * unshares a user namespace (identity map of our uid and gid only) and a pid
 * namespace, forks the init and then the command, forwards the signals
 * sysgate forwards to it, and when the command ends kills the init, waits
 * for the namespace to empty and exits as the command did (the same code, or
 * the same signal). The relay is outside the pid namespace (the tree cannot
 * name it), non-dumpable, and dies with sysgate (PR_SET_PDEATHSIG, checked
 * through the pipe); the init's death signal is tied to the relay. The tree
 * then sees other users' files as owned by nobody (65534): only our own ids
 * are mapped. After exec the command has no capabilities in that namespace
 * (a non-zero uid), as before.
 *
 * Where neither can be made (e.g. under an outer sysgate, or Docker's
 * default seccomp profile, both of which refuse unshare), there is no
 * namespace: the command has PR_SET_PDEATHSIG, sysgate
 * is a child subreaper, and when the command exits the rest of the tree is
 * killed through /proc/self/task/TID/children, opened here in advance so
 * that a full fd table cannot stop it. Then a command that clears its
 * pdeathsig and kills sysgate (same uid) runs on unsupervised; run.c says so
 * once on stderr, and the README lists it.
 *
 * Nothing here prints: a failure returns -errno, or in the forked relay is
 * written to c->report_fd (report.h), and run.c says which step failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sg-exit.h"
#include "sg-util.h"
#include "supervisor/launch/contain.h"
#include "supervisor/launch/report.h"

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, text, strlen(text));
	if (n < 0) {
		safe_close(fd);
		return -1;
	}
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : (errno = EIO, -1);
}

/* The pipe's write end is held by sysgate alone: a hang-up means it is gone.
 * A failing poll counts as gone (fail closed). */
static bool supervisor_gone(int alive_rd)
{
	struct pollfd p = {.fd = alive_rd, .events = POLLIN};
	int r;

	do
		r = poll(&p, 1, 0);
	while (r < 0 && errno == EINTR);
	return r != 0;
}

/*
 * pid 1 of the namespace. Runs sysgate's code only (it never execs and is
 * never under the filter). It reaps the orphans the kernel reparents to it
 * and otherwise waits to be killed, by sysgate or by its own death signal.
 */
static _Noreturn void init_main(struct contain *c, int ready_wr)
{
	struct sigaction dfl = {.sa_handler = SIG_DFL};
	sigset_t chld;
	ssize_t k;

	/* Signals from inside the namespace reach an init only through a
	 * handler or a blocked signal: no handlers, and only SIGCHLD blocked. */
	for (int s = 1; s < NSIG; s++)
		sigaction(s, &dfl, NULL);
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_SETMASK, &chld, NULL);
	/* Out of sysgate's process group: a group signal sent through the
	 * init's pidfd (PIDFD_SIGNAL_PROCESS_GROUP) reaches the init alone. */
	setpgid(0, 0);

	safe_close(c->alive_wr);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || supervisor_gone(c->alive_rd))
		_exit(1);
	prctl(PR_SET_DUMPABLE, 0);
	prctl(PR_SET_NAME, "sysgate-init");
	k = write(ready_wr, "1", 1);
	(void)k;
	/* Nothing for the tree to take with pidfd_getfd, no terminal, no
	 * mount pinned. */
	close_range(0, ~0U, 0);
	if (chdir("/") < 0)
		_exit(1);

	for (;;) {
		while (waitpid(-1, NULL, WNOHANG | __WALL) > 0)
			;
		sigwaitinfo(&chld, NULL);
	}
}

static int open_children(struct contain *c)
{
	char p[64];

	/* Orphans are reparented to the subreaper's first live thread, the
	 * main thread: its list is ours. */
	snprintf(p, sizeof(p), "/proc/self/task/%d/children", (int)getpid());
	c->children_fd = open(p, O_RDONLY | O_CLOEXEC);
	return c->children_fd < 0 ? -errno : 0;
}

/* Map our own uid and gid (only) into the user namespace just made. The
 * files are written by ourselves, which /proc allows only while dumpable;
 * nothing of the tree exists yet. */
static int map_ids(uid_t uid, gid_t gid)
{
	char m[64];
	int r = 0;

	if (prctl(PR_SET_DUMPABLE, 1) < 0)
		return -errno;
	if (write_file("/proc/self/setgroups", "deny") < 0)
		r = -errno;
	snprintf(m, sizeof(m), "%u %u 1", (unsigned)uid, (unsigned)uid);
	if (r == 0 && write_file("/proc/self/uid_map", m) < 0)
		r = -errno;
	snprintf(m, sizeof(m), "%u %u 1", (unsigned)gid, (unsigned)gid);
	if (r == 0 && write_file("/proc/self/gid_map", m) < 0)
		r = -errno;
	prctl(PR_SET_DUMPABLE, 0);
	return r;
}

/* Can we make a user and a pid namespace, and map our ids? 0 or -errno. */
static int probe_userns(void)
{
	uid_t uid = getuid();
	gid_t gid = getgid();
	pid_t pid = fork();
	int st = 0;

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int r = 0;

		if (unshare(CLONE_NEWUSER | CLONE_NEWPID) < 0)
			r = -errno;
		else
			r = map_ids(uid, gid);
		_exit(r < 0 ? (-r & 0xff) : 0);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (!WIFEXITED(st))
		return -ECHILD;
	return -WEXITSTATUS(st);
}

/* -err, with the step that failed in c->failed. */
static int fail_step(struct contain *c, const char *step, int err)
{
	c->failed = step;
	return -err;
}

/* The namespace's init, forked into it and ready: 0 or -errno. */
static int start_init(struct contain *c)
{
	int ready[2], r = 0;
	char b;
	ssize_t n;

	if (pipe2(ready, O_CLOEXEC) < 0)
		return fail_step(c, "the init's pipe", errno);
	c->init = fork();
	if (c->init < 0) {
		c->init = 0;
		r = fail_step(c, "fork the namespace's init", errno);
		goto out;
	}
	if (c->init == 0) {
		safe_close(ready[0]);
		init_main(c, ready[1]);
	}
	ready[1] = safe_close(ready[1]);
	/* The command is forked only once the init holds no copy of the
	 * write end, so that the command's own check is sound. */
	do
		n = read(ready[0], &b, 1);
	while (n < 0 && errno == EINTR);
	if (n != 1) {
		waitpid(c->init, NULL, __WALL);
		c->init_reaped = true;
		r = fail_step(c, "the namespace's init did not start", ECHILD);
	}
out:
	safe_close(ready[0]);
	safe_close(ready[1]);
	return r;
}

int contain_prepare(struct contain *c)
{
	int alive[2], r;

	if (pipe2(alive, O_CLOEXEC) < 0)
		return fail_step(c, "the alive pipe", errno);
	c->alive_rd = alive[0];
	c->alive_wr = alive[1];

	c->back_fd = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
	if (c->back_fd < 0 || unshare(CLONE_NEWPID) < 0) {
		int err = errno;

		c->back_fd = safe_close(c->back_fd);
		r = probe_userns();
		if (r == 0) {
			c->relay = true;
			return 0;
		}
		snprintf(c->why, sizeof(c->why), "%s; in a user namespace: %s", strerror(err),
			 strerror(-r));
		r = open_children(c);
		return r < 0 ? fail_step(c, "open the list of sysgate's children", -r) : 0;
	}
	r = start_init(c);
	if (r == 0)
		return 0;
	/* Back to our own: without a live init no child can be forked into the
	 * new namespace. Nothing runs anyway, and r says what failed first. */
	setns(c->back_fd, CLONE_NEWPID);
	c->back_fd = safe_close(c->back_fd);
	return r;
}

int contain_after_fork(struct contain *c)
{
	int r = 0;

	if (c->back_fd >= 0 && setns(c->back_fd, CLONE_NEWPID) < 0)
		r = -errno;
	c->back_fd = safe_close(c->back_fd);
	return r;
}

/* The relay cannot go on: sysgate says which step failed (report.h). */
#define relay_fail(c, step, err)                                                                   \
	launch_fail((c)->report_fd, "cannot contain the command's tree: " step, err)

/* Exit as the command did: its code, or its signal (no core: we are not
 * dumpable), 128+N if the signal does not end us. */
static _Noreturn void exit_like(int status)
{
	struct sigaction dfl = {.sa_handler = SIG_DFL};
	sigset_t none;
	int sig;

	if (!WIFSIGNALED(status))
		_exit(WIFEXITED(status) ? WEXITSTATUS(status) : EXIT_SYSGATE_FAILED);
	sig = WTERMSIG(status);
	sigaction(sig, &dfl, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	kill(getpid(), sig);
	_exit(128 + sig);
}

/* In the relay: a user and pid namespace of its own, and its init (pid 1)
 * in it, ready. Exits 125 after reporting a failed step. */
static void relay_enter_namespace(struct contain *c)
{
	uid_t uid = getuid();
	gid_t gid = getgid();
	int ready[2], r;
	ssize_t n;
	char b;

	if (unshare(CLONE_NEWUSER | CLONE_NEWPID) < 0)
		relay_fail(c, "unshare", errno);
	r = map_ids(uid, gid);
	if (r < 0)
		relay_fail(c, "uid_map", -r);
	if (pipe2(ready, O_CLOEXEC) < 0)
		relay_fail(c, "pipe", errno);
	c->init = fork();
	if (c->init < 0)
		relay_fail(c, "fork", errno);
	if (c->init == 0) {
		safe_close(ready[0]);
		/* Its death signal is tied to us, the relay. */
		init_main(c, ready[1]);
	}
	safe_close(ready[1]);
	do
		n = read(ready[0], &b, 1);
	while (n < 0 && errno == EINTR);
	safe_close(ready[0]);
	if (n != 1)
		relay_fail(c, "the namespace's init", ECHILD);
}

/* In the relay, once the command runs: forward sysgate's signals to it,
 * and when it ends, end the namespace and exit as the command did. */
static _Noreturn void relay_forward(struct contain *c, pid_t cmd)
{
	int status = 0;
	sigset_t set;

	/* sysgate's signal mask is ours: the forwarded signals and SIGCHLD
	 * are blocked; read them here. Nothing else of sysgate's is needed. */
	close_range(3, ~0U, 0);
	sigprocmask(SIG_BLOCK, NULL, &set);
	sigaddset(&set, SIGCHLD);
	for (;;) {
		siginfo_t si;
		pid_t pid;

		if (sigwaitinfo(&set, &si) < 0)
			continue;
		if (si.si_signo != SIGCHLD) {
			/* As sysgate does: what the terminal sent the whole
			 * group reached the command already. */
			if (si.si_code != SI_KERNEL)
				kill(cmd, si.si_signo);
			continue;
		}
		pid = waitpid(cmd, &status, WNOHANG);
		if (pid == cmd)
			break;
		/* The init gone (killed from outside): the kernel ends the
		 * tree, the command's status follows. */
		if (waitpid(c->init, NULL, WNOHANG) == c->init)
			c->init_reaped = true;
	}
	/* The rest of the tree: the kernel empties the namespace before the
	 * init can be reaped. Never signal a reaped pid: it may be reused. */
	if (!c->init_reaped)
		kill(c->init, SIGKILL);
	while (waitpid(-1, NULL, __WALL) >= 0 || errno == EINTR)
		;
	exit_like(status);
}

/*
 * The relay (unprivileged sysgate): see the top of this file. Returns in the
 * command only.
 */
static void relay(struct contain *c)
{
	pid_t cmd;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || supervisor_gone(c->alive_rd))
		_exit(EXIT_SYSGATE_FAILED);
	relay_enter_namespace(c);
	cmd = fork();
	if (cmd < 0) {
		kill(c->init, SIGKILL);
		relay_fail(c, "fork", errno);
	}
	if (cmd == 0)
		return; /* the command: on to the agent */
	relay_forward(c, cmd);
}

void contain_in_child(struct contain *c)
{
	c->alive_wr = safe_close(c->alive_wr);
	c->back_fd = safe_close(c->back_fd);
	c->children_fd = safe_close(c->children_fd);
	if (c->relay)
		relay(c);
}

bool contain_reaped(struct contain *c, pid_t pid)
{
	if (c->init <= 0 || pid != c->init)
		return false;
	c->init_reaped = true;
	return true;
}

void contain_kill_tree(struct contain *c, pid_t child)
{
	if (child > 0)
		kill(child, SIGKILL);
	if (c->init > 0 && !c->init_reaped)
		kill(c->init, SIGKILL);
}

/* The pids in the children list, read afresh from the fd opened in advance;
 * only whole numbers (a long list is read in rounds). */
static int read_children(int fd, pid_t *pids, int max)
{
	char buf[4096];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	int k = 0;
	long v = 0;
	bool in = false;

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	for (ssize_t i = 0; i < n && k < max; i++) {
		if (buf[i] >= '0' && buf[i] <= '9') {
			v = v * 10 + (buf[i] - '0');
			in = true;
		} else {
			if (in && v > 0)
				pids[k++] = (pid_t)v;
			v = 0;
			in = false;
		}
	}
	/* A number at the very end may be cut; the next round gets it. */
	if (in && v > 0 && n < (ssize_t)sizeof(buf) - 1 && k < max)
		pids[k++] = (pid_t)v;
	return k;
}

void contain_end(struct contain *c, pid_t child)
{
	if (c->init > 0) {
		if (c->init_reaped)
			return;
		kill(c->init, SIGKILL);
		/* The kernel lets the init be reaped only once the namespace is
		 * empty, and waits for zombies whose parent is outside (the
		 * command) to be reaped first: so reap anything, not only it. */
		for (;;) {
			pid_t pid = waitpid(-1, NULL, __WALL);

			if (pid == c->init || (pid < 0 && errno != EINTR))
				break;
		}
		c->init_reaped = true;
		return;
	}
	if (c->children_fd < 0)
		return;
	/* No namespace: our children, as descendants reparent to us while
	 * their parents die; repeat until none is left. */
	for (int round = 0; round < 10000; round++) {
		pid_t pids[256];
		int n = read_children(c->children_fd, pids, (int)ARRAY_SIZE(pids));

		if (n == 0)
			break;
		for (int i = 0; i < n; i++)
			kill(pids[i], SIGKILL);
		for (int i = 0; i < n; i++)
			if (pids[i] != child)
				waitpid(pids[i], NULL, 0);
	}
	c->children_fd = safe_close(c->children_fd);
}

void contain_done(struct contain *c)
{
	c->alive_rd = safe_close(c->alive_rd);
	c->alive_wr = safe_close(c->alive_wr);
	c->back_fd = safe_close(c->back_fd);
	c->children_fd = safe_close(c->children_fd);
}
