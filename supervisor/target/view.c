/*
 * target/view.c: the session's view (mount namespace and root) and the
 * mapping between the host paths /proc shows sysgate and the names a target
 * or a policy uses. Trusted side; the paths mapped come from the target.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sg-util.h"
#include "supervisor/target/internal.h"
#include "supervisor/target/target.h"

/* Newer than Debian 12's headers. */
#ifndef STATX_MNT_ID
#define STATX_MNT_ID 0x1000U
#endif
#ifndef STATX_MNT_ID_UNIQUE
#define STATX_MNT_ID_UNIQUE 0x4000U /* Linux 6.8: ids never reused */
#endif
#ifndef __NR_statmount
#define __NR_statmount 457
#endif
#define SG_STATMOUNT_MNT_BASIC 0x2U
/* struct mnt_id_req, version 1 (Linux 6.11: with the namespace to look in) */
struct sg_mnt_id_req {
	uint32_t size;
	uint32_t spare;
	uint64_t mnt_id;
	uint64_t param;
	uint64_t mnt_ns_id;
};

/* The length of root without its trailing slashes: 0 for "/" (and ""). */
static size_t root_length(const char *root)
{
	size_t n = strlen(root);

	while (n > 0 && root[n - 1] == '/')
		n--;
	return n;
}

int target_root_strip(const char *root, const char *host, const char **ret)
{
	size_t n = root_length(root);

	if (host[0] != '/')
		return -EINVAL; /* "pipe:[123]", "anon_inode:...": not a path */
	if (n == 0) {
		*ret = host;
		return 0;
	}
	/* A whole component: the root /srv/a holds /srv/a/b, not /srv/ab. */
	if (strncmp(host, root, n) != 0 || (host[n] != '/' && host[n] != '\0'))
		return -ENOENT;
	*ret = host[n] ? host + n : "/";
	return 0;
}

int target_root_join(const char *root, const char *path, char *out, size_t size)
{
	size_t n = root_length(root);
	bool top = !path[0] || streq(path, "/");

	if (n == 0) {
		if ((size_t)snprintf(out, size, "%s", top ? "/" : path) >= size)
			return -ENAMETOOLONG;
		return 0;
	}
	if ((size_t)snprintf(out, size, "%.*s%s", (int)n, root, top ? "" : path) >= size)
		return -ENAMETOOLONG;
	return 0;
}

int target_view_load(pid_t pid, struct target_view *ret)
{
	struct stat st;
	int r;

	r = target_ns_stat(pid, -1, "mnt", &st);
	if (r < 0)
		return r;
	ret->mnt_dev = st.st_dev;
	ret->mnt_ino = st.st_ino;
	/* Its id lets statmount say whether a mount is in it. Without one
	 * (before 6.11) mountinfo is read instead. */
	ret->mnt_ns_id = target_mnt_ns_id(pid);
	return target_root(pid, ret->root);
}

/* Is the task whose /proc/TID is procfd (or, procfd -1, tid) in v's mount
 * namespace? A process that made one of its own could have put any
 * directory under any name: its paths mean nothing to the policy. */
static int view_check(pid_t tid, int procfd, const struct target_view *v)
{
	struct stat st;
	int r;

	if (!v)
		return 0;
	r = target_ns_stat(tid, procfd, "mnt", &st);
	if (r < 0)
		return r;
	return st.st_dev == v->mnt_dev && st.st_ino == v->mnt_ino ? 0 : -EPERM;
}

int target_view_check(pid_t tid, const struct target_view *v)
{
	return view_check(tid, -1, v);
}

int target_view_check_at(int procfd, const struct target_view *v)
{
	return view_check(0, procfd, v);
}

int target_view_path(const struct target_view *v, const char *host, char *out, size_t size)
{
	const char *view = host;

	if (v) {
		int r = target_root_strip(v->root, host, &view);

		if (r == -ENOENT)
			return -EPERM;
		if (r < 0)
			view = host; /* not a path ("pipe:[1]"): the kernel's text stays */
	}
	if ((size_t)snprintf(out, size, "%s", view) >= size)
		return -ENAMETOOLONG;
	return 0;
}

/* target_view_mount_at, and the file type of what it names if ret_mode. */
int target_mount_check(pid_t tid, int dirfd, const char *path, int flags,
		       const struct target_view *v, mode_t *ret_mode, unsigned how)
{
	struct statx sx;

	/* AT_STATX_DONT_SYNC: the type and the mount need no fresh attributes,
	 * and a FUSE file system the target serves is then not asked (it
	 * could leave the question unanswered). */
	if (statx(dirfd, path, flags | AT_STATX_DONT_SYNC,
		  STATX_TYPE | STATX_MNT_ID | STATX_MNT_ID_UNIQUE, &sx) < 0)
		return -errno;
	if (ret_mode)
		*ret_mode = sx.stx_mode;
	if (!v)
		return 0;
	if ((how & MOUNT_SPECIAL_OK) &&
	    (S_ISFIFO(sx.stx_mode) || S_ISSOCK(sx.stx_mode) || S_ISCHR(sx.stx_mode)))
		return 0;
	if ((sx.stx_mask & STATX_MNT_ID_UNIQUE) && v->mnt_ns_id) {
		struct sg_mnt_id_req req = {
			.size = sizeof(req),
			.mnt_id = sx.stx_mnt_id,
			.param = SG_STATMOUNT_MNT_BASIC,
			.mnt_ns_id = v->mnt_ns_id,
		};
		uint64_t buf[512];

		/* statmount looks the id up in that namespace's own table: a
		 * detached mount, or one of another namespace, is not there. */
		if (syscall(__NR_statmount, &req, buf, sizeof(buf), 0) == 0)
			return 0;
		if (errno != ENOSYS && errno != EINVAL && errno != E2BIG)
			return -EPERM; /* ENOENT: not in the view; EPERM: cannot tell */
		/* statmount without namespaces (6.8 to 6.10): the old id. */
		if (statx(dirfd, path, flags | AT_STATX_DONT_SYNC, STATX_MNT_ID, &sx) < 0)
			return -errno;
	}
	if (!(sx.stx_mask & STATX_MNT_ID))
		return -EPERM; /* before 5.8 the mount cannot be told: fail closed */
	return target_mountinfo_has(tid, sx.stx_mnt_id);
}

int target_view_mount_at(pid_t tid, int dirfd, const char *path, int flags,
			 const struct target_view *v)
{
	return target_mount_check(tid, dirfd, path, flags, v, NULL, 0);
}

/* -EPERM from a mount check: say why. */
int target_refused_mount(int r, const char **ret_why)
{
	if (r == -EPERM && ret_why)
		*ret_why = TARGET_WHY_MOUNT;
	return r;
}
