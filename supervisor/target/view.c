/*
 * target/view.c: the session's view (mount namespace and root) and the
 * mapping between the host paths /proc shows sysgate and the names a target
 * or a policy uses. Trusted side; the paths mapped come from the target.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
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
#ifndef NS_GET_MNTNS_ID
#define NS_GET_MNTNS_ID _IOR(0xb7, 0x5, uint64_t) /* Linux 6.11 */
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

int root_load(pid_t tid, struct target_root *r)
{
	int k = proc_readlink(tid, "root", r->host, sizeof(r->host));

	if (k < 0)
		return k;
	r->len = streq(r->host, "/") ? 0 : strlen(r->host);
	return 0;
}

/* Map a host path from /proc into the target's view; -ENOENT if it lies
 * outside the target's root (it cannot name it then). */
int root_strip(const struct target_root *r, const char *host, const char **ret)
{
	if (host[0] != '/')
		return -EINVAL; /* "pipe:[123]", "anon_inode:...": not a path */
	if (r->len == 0) {
		*ret = host;
		return 0;
	}
	if (strncmp(host, r->host, r->len) != 0 || (host[r->len] != '/' && host[r->len] != '\0'))
		return -ENOENT;
	*ret = host[r->len] ? host + r->len : "/";
	return 0;
}

int target_view_load(pid_t pid, struct target_view *ret)
{
	struct stat st;
	char p[64];
	int r;

	snprintf(p, sizeof(p), "/proc/%d/ns/mnt", (int)pid);
	if (stat(p, &st) < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	ret->mnt_dev = st.st_dev;
	ret->mnt_ino = st.st_ino;
	ret->mnt_ns_id = 0;
	{
		/* Its id lets statmount say whether a mount is in it. Without
		 * one (before 6.11) mountinfo is read instead. */
		_cleanup_close_ int nsfd = open(p, O_RDONLY | O_CLOEXEC);
		uint64_t id = 0;

		if (nsfd >= 0 && ioctl(nsfd, NS_GET_MNTNS_ID, &id) == 0)
			ret->mnt_ns_id = id;
	}
	r = proc_readlink(pid, "root", ret->root, sizeof(ret->root));
	if (r < 0)
		return r;
	ret->root_len = streq(ret->root, "/") ? 0 : strlen(ret->root);
	return 0;
}

int target_view_check(pid_t tid, const struct target_view *v)
{
	struct stat st;
	char p[64];

	if (!v)
		return 0;
	snprintf(p, sizeof(p), "/proc/%d/ns/mnt", (int)tid);
	if (stat(p, &st) < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	return st.st_dev == v->mnt_dev && st.st_ino == v->mnt_ino ? 0 : -EPERM;
}

int target_view_path(const struct target_view *v, const char *host, char *out, size_t size)
{
	const char *view = host;

	if (host[0] == '/' && v && v->root_len) {
		if (strncmp(host, v->root, v->root_len) != 0 ||
		    (host[v->root_len] != '/' && host[v->root_len] != '\0'))
			return -EPERM;
		view = host[v->root_len] ? host + v->root_len : "/";
	}
	if ((size_t)snprintf(out, size, "%s", view) >= size)
		return -ENAMETOOLONG;
	return 0;
}

/* target_view_mount_at, and the file type of what it names if ret_mode. */
int mount_check(pid_t tid, int dirfd, const char *path, int flags, const struct target_view *v,
		mode_t *ret_mode, unsigned how)
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
	return mountinfo_has(tid, sx.stx_mnt_id);
}

int target_view_mount_at(pid_t tid, int dirfd, const char *path, int flags,
			 const struct target_view *v)
{
	return mount_check(tid, dirfd, path, flags, v, NULL, 0);
}

/* -EPERM from a mount check: say why. */
int refused_mount(int r, const char **ret_why)
{
	if (r == -EPERM && ret_why)
		*ret_why = TARGET_WHY_MOUNT;
	return r;
}
