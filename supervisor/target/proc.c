/*
 * target/proc.c: every read of a target's /proc/PID entries (status, stat,
 * cmdline, exe, mountinfo). Trusted side: what these files say about the
 * target is the kernel's word, but their text holds names the target chose.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sg-util.h"
#include "supervisor/target/internal.h"
#include "supervisor/target/target.h"

char *target_proc_path(char buf[TARGET_PROC_PATH_MAX], pid_t pid, const char *entry)
{
	snprintf(buf, TARGET_PROC_PATH_MAX, "/proc/%d%s%s", (int)pid, *entry ? "/" : "", entry);
	return buf;
}

int proc_readlink(pid_t tid, const char *what, char *out, size_t size)
{
	char p[64];
	ssize_t n;

	snprintf(p, sizeof(p), "/proc/%d/%s", (int)tid, what);
	n = readlink(p, out, size);
	if (n < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	if ((size_t)n >= size)
		return -ENAMETOOLONG;
	out[n] = '\0';
	return 0;
}

int target_exe(pid_t tid, char *buf, size_t size)
{
	return proc_readlink(tid, "exe", buf, size);
}

int target_ids(pid_t tid, pid_t *ret_tgid, pid_t *ret_ppid)
{
	char p[64], line[256];
	int tgid = -1, ppid = -1;
	FILE *f;

	snprintf(p, sizeof(p), "/proc/%d/status", (int)tid);
	f = fopen(p, "re");
	if (!f)
		return errno == ENOENT ? -ESRCH : -errno;
	while (fgets(line, sizeof(line), f) && (tgid < 0 || ppid < 0)) {
		if (sscanf(line, "Tgid: %d", &tgid) == 1)
			continue;
		sscanf(line, "PPid: %d", &ppid);
	}
	fclose(f);
	if (tgid < 0 || ppid < 0)
		return -EIO;
	*ret_tgid = tgid;
	*ret_ppid = ppid;
	return 0;
}

pid_t target_tgid(pid_t tid)
{
	pid_t tgid, ppid;

	return target_ids(tid, &tgid, &ppid) < 0 ? -1 : tgid;
}

char **target_cmdline(pid_t pid)
{
	char p[64], buf[4096];
	char **argv;
	size_t n = 0;
	ssize_t len;
	int fd;

	snprintf(p, sizeof(p), "/proc/%d/cmdline", (int)pid);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	{
		/* The kernel copies cmdline out of the target's memory, which
		 * the target may have put on a page that never arrives. */
		int g = target_guard_enter(TARGET_STALL_MEMORY);

		len = read(fd, buf, sizeof(buf) - 1);
		close(fd); /* before target_guard_leave, which may end the thread */
		target_guard_leave(g);
	}
	if (len < 0)
		return NULL;
	buf[len] = '\0';
	argv = calloc(65, sizeof(*argv));
	if (!argv)
		return NULL;
	for (ssize_t i = 0; i < len && n < 64; i += (ssize_t)strlen(buf + i) + 1) {
		argv[n] = strdup(buf + i);
		if (!argv[n++])
			break;
	}
	return argv;
}

/* Is mount id (the old kind, STATX_MNT_ID) in tid's mountinfo? For kernels
 * without statmount in a namespace; tid is in the view's namespace (checked
 * by the caller, and a task blocked in a notification cannot change its own). */
int mountinfo_has(pid_t tid, uint64_t id)
{
	_cleanup_free_ char *line = NULL;
	size_t n = 0;
	char p[64];
	int r = -EPERM;
	FILE *f;

	snprintf(p, sizeof(p), "/proc/%d/mountinfo", (int)tid);
	f = fopen(p, "re");
	if (!f)
		return errno == ENOENT ? -ESRCH : -errno;
	while (getline(&line, &n, f) > 0) {
		unsigned long long m;

		if (sscanf(line, "%llu", &m) == 1 && m == id) {
			r = 0;
			break;
		}
	}
	fclose(f);
	return r;
}

/* starttime (field 22) of a /proc/.../stat file, or 0. */
static unsigned long long stat_start_time(int dirfd, const char *path)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	unsigned long long v = 0;
	char buf[1024], *p;
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strrchr(buf, ')'); /* the name may hold spaces and ')' */
	if (!p)
		return 0;
	p++;
	for (int field = 3; field <= 22; field++) {
		char *e;

		while (*p == ' ')
			p++;
		if (field == 22) {
			v = strtoull(p, &e, 10);
			return e == p ? 0 : v;
		}
		p = strchr(p, ' ');
		if (!p)
			return 0;
	}
	return 0;
}

/* The ids of a "NStgid:" or "NSpid:" line (outermost namespace first). */
static int ns_ids(const char *line, pid_t *ids, int max)
{
	int n = 0;

	for (const char *c = line; *c && n < max;) {
		char *e;
		long v;

		while (*c == ' ' || *c == '\t')
			c++;
		v = strtol(c, &e, 10);
		if (e == c)
			break;
		ids[n++] = (pid_t)v;
		c = e;
	}
	return n;
}

#define MAX_PIDNS_LEVELS 33 /* MAX_PID_NS_LEVEL + 1 */

/*
 * The numbers /proc/self and /proc/thread-self stand for when the target
 * reads them: its ids in the pid namespace of the procfs being walked (procfd,
 * its root directory, wherever it sits in the target's view). That
 * may be its own namespace (a container mounts its own /proc) or an outer one
 * (a new pid namespace that kept the host's /proc), so each level of its ids
 * (NStgid, NSpid) is tried, and the one whose entry in that procfs is this
 * very task (the same start time) is taken. None, or more than one: which
 * process it names cannot be told, and the call is refused (-EPERM).
 */
int self_ids(pid_t tid, int procfd, pid_t *ret_tgid, pid_t *ret_tid)
{
	pid_t tgids[MAX_PIDNS_LEVELS], tids[MAX_PIDNS_LEVELS];
	int n_tgid = 0, n_tid = 0, found = 0;
	unsigned long long start;
	char p[96], line[512];
	FILE *f;

	snprintf(p, sizeof(p), "/proc/%d/status", (int)tid);
	f = fopen(p, "re");
	if (!f)
		return errno == ENOENT ? -ESRCH : -errno;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "NStgid:", 7) == 0)
			n_tgid = ns_ids(line + 7, tgids, MAX_PIDNS_LEVELS);
		else if (strncmp(line, "NSpid:", 6) == 0)
			n_tid = ns_ids(line + 6, tids, MAX_PIDNS_LEVELS);
	}
	fclose(f);
	if (n_tgid == 0 || n_tgid != n_tid)
		return -EPERM;
	snprintf(p, sizeof(p), "/proc/%d/stat", (int)tid);
	start = stat_start_time(AT_FDCWD, p);
	if (!start)
		return -ESRCH;
	for (int i = 0; i < n_tgid; i++) {
		snprintf(p, sizeof(p), "%d/task/%d/stat", (int)tgids[i], (int)tids[i]);
		if (stat_start_time(procfd, p) == start) {
			*ret_tgid = tgids[i];
			*ret_tid = tids[i];
			found++;
		}
	}
	return found == 1 ? 0 : -EPERM;
}
