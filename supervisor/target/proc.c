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
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sg-util.h"
#include "supervisor/target/internal.h"
#include "supervisor/target/target.h"

#ifndef NS_GET_MNTNS_ID
#define NS_GET_MNTNS_ID _IOR(0xb7, 0x5, uint64_t) /* Linux 6.11 */
#endif

char *target_proc_path(char buf[TARGET_PROC_PATH_MAX], pid_t pid, const char *entry)
{
	snprintf(buf, TARGET_PROC_PATH_MAX, "/proc/%d%s%s", (int)pid, *entry ? "/" : "", entry);
	return buf;
}

int target_proc_readlink(pid_t tid, const char *what, char *out, size_t size)
{
	char p[TARGET_PROC_PATH_MAX];
	ssize_t n;

	n = readlink(target_proc_path(p, tid, what), out, size);
	if (n < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	if ((size_t)n >= size)
		return -ENAMETOOLONG;
	out[n] = '\0';
	return 0;
}

int target_exe(pid_t tid, char *buf, size_t size)
{
	return target_proc_readlink(tid, "exe", buf, size);
}

int target_root(pid_t tid, char out[TARGET_PATH_MAX])
{
	return target_proc_readlink(tid, "root", out, TARGET_PATH_MAX);
}

int target_ns_stat(pid_t tid, int procfd, const char *ns, struct stat *ret)
{
	char p[TARGET_PROC_PATH_MAX], entry[32];
	int r;

	snprintf(entry, sizeof(entry), "ns/%s", ns);
	if (procfd >= 0)
		r = fstatat(procfd, entry, ret, 0);
	else
		r = stat(target_proc_path(p, tid, entry), ret);
	return r < 0 ? (errno == ENOENT ? -ESRCH : -errno) : 0;
}

uint64_t target_mnt_ns_id(pid_t pid)
{
	char p[TARGET_PROC_PATH_MAX];
	_cleanup_close_ int nsfd = open(target_proc_path(p, pid, "ns/mnt"), O_RDONLY | O_CLOEXEC);
	uint64_t id = 0;

	if (nsfd < 0 || ioctl(nsfd, NS_GET_MNTNS_ID, &id) < 0)
		return 0;
	return id;
}

int target_ids(pid_t tid, pid_t *ret_tgid, pid_t *ret_ppid)
{
	char p[TARGET_PROC_PATH_MAX], line[256];
	int tgid = -1, ppid = -1;
	FILE *f;

	f = fopen(target_proc_path(p, tid, "status"), "re");
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

int target_who(pid_t tid, pid_t *ret_tgid, pid_t *ret_ppid, long long *ret_uid, long long *ret_euid)
{
	char p[TARGET_PROC_PATH_MAX], line[256];
	int tgid = -1, ppid = -1;
	long long uid = -1, euid = -1;
	FILE *f;

	f = fopen(target_proc_path(p, tid, "status"), "re");
	if (!f)
		return errno == ENOENT ? -ESRCH : -errno;
	while (fgets(line, sizeof(line), f) && (tgid < 0 || ppid < 0 || uid < 0)) {
		if (sscanf(line, "Tgid: %d", &tgid) == 1 || sscanf(line, "PPid: %d", &ppid) == 1)
			continue;
		sscanf(line, "Uid: %lld %lld", &uid, &euid);
	}
	fclose(f);
	if (tgid < 0 || ppid < 0)
		return -EIO;
	*ret_tgid = tgid;
	*ret_ppid = ppid;
	*ret_uid = uid;
	*ret_euid = euid;
	return 0;
}

pid_t target_tgid(pid_t tid)
{
	pid_t tgid, ppid;

	return target_ids(tid, &tgid, &ppid) < 0 ? -1 : tgid;
}

char **target_cmdline(pid_t pid)
{
	char p[TARGET_PROC_PATH_MAX], buf[4096];
	char **argv;
	size_t n = 0;
	ssize_t len;
	int fd;

	fd = open(target_proc_path(p, pid, "cmdline"), O_RDONLY | O_CLOEXEC);
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
int target_mountinfo_has(pid_t tid, uint64_t id)
{
	_cleanup_free_ char *line = NULL;
	char p[TARGET_PROC_PATH_MAX];
	size_t n = 0;
	int r = -EPERM;
	FILE *f;

	f = fopen(target_proc_path(p, tid, "mountinfo"), "re");
	if (!f)
		return errno == ENOENT ? -ESRCH : -errno;
	while (getline(&line, &n, f) > 0) {
		uint64_t m;

		if (target_parse_mountinfo_id(line, &m) == 0 && m == id) {
			r = 0;
			break;
		}
	}
	fclose(f);
	return r;
}

int target_parse_mountinfo_id(const char *line, uint64_t *ret)
{
	unsigned long long m;

	if (sscanf(line, "%llu", &m) != 1)
		return -EINVAL;
	*ret = m;
	return 0;
}

unsigned long long target_parse_start_time(const char *stat)
{
	unsigned long long v = 0;
	const char *p = strrchr(stat, ')'); /* the name may hold spaces and ')' */

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

/* starttime (field 22) of a /proc/.../stat file, or 0. */
static unsigned long long stat_start_time(int dirfd, const char *path)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	char buf[1024];
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return target_parse_start_time(buf);
}

unsigned long long target_start_time(pid_t pid)
{
	char p[TARGET_PROC_PATH_MAX];

	return stat_start_time(AT_FDCWD, target_proc_path(p, pid, "stat"));
}

int target_parse_ns_ids(const char *line, pid_t *ids, int max)
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
int target_self_ids(pid_t tid, int procfd, pid_t *ret_tgid, pid_t *ret_tid)
{
	pid_t tgids[MAX_PIDNS_LEVELS], tids[MAX_PIDNS_LEVELS];
	int n_tgid = 0, n_tid = 0, found = 0;
	unsigned long long start;
	char p[96], line[512];
	FILE *f;

	f = fopen(target_proc_path(p, tid, "status"), "re");
	if (!f)
		return errno == ENOENT ? -ESRCH : -errno;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "NStgid:", 7) == 0)
			n_tgid = target_parse_ns_ids(line + 7, tgids, MAX_PIDNS_LEVELS);
		else if (strncmp(line, "NSpid:", 6) == 0)
			n_tid = target_parse_ns_ids(line + 6, tids, MAX_PIDNS_LEVELS);
	}
	fclose(f);
	if (n_tgid == 0 || n_tgid != n_tid)
		return -EPERM;
	start = target_start_time(tid);
	if (!start)
		return -ESRCH;
	for (int i = 0; i < n_tgid; i++) {
		/* Below that procfs's root, not our /proc: the ids are its. */
		snprintf(p, sizeof(p), "%d/task/%d/stat", (int)tgids[i], (int)tids[i]);
		if (stat_start_time(procfd, p) == start) {
			*ret_tgid = tgids[i];
			*ret_tid = tids[i];
			found++;
		}
	}
	return found == 1 ? 0 : -EPERM;
}
