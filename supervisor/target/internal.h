#pragma once
/*
 * target/internal.h: what the files of the target room share among
 * themselves and nobody else uses. Not a contract for other rooms.
 */
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "supervisor/target/target.h"

/* proc.c */
int proc_readlink(pid_t tid, const char *what, char *out, size_t size);
int mountinfo_has(pid_t tid, uint64_t id);
int self_ids(pid_t tid, int procfd, pid_t *ret_tgid, pid_t *ret_tid);

/* view.c */
/*
 * The target's root as the supervisor sees it ("/" unless chrooted), so that
 * links read through /proc (which name host paths) can be mapped back into
 * the target's view.
 */
struct target_root {
	char host[TARGET_PATH_MAX];
	size_t len; /* 0 when the root is "/" */
};

int root_load(pid_t tid, struct target_root *r);
int root_strip(const struct target_root *r, const char *host, const char **ret);

/*
 * FIFOs, sockets and character devices held through a descriptor are let
 * through whatever their mount: a container's stdio is the host's pty or
 * pipes, and runc's init reopens its exec FIFO (on the host) through
 * /proc/self/fd under the container's filter. They are not files a path
 * rule is about, and reopening one gives no more than the descriptor held.
 */
#define MOUNT_SPECIAL_OK 0x1

int mount_check(pid_t tid, int dirfd, const char *path, int flags, const struct target_view *v,
		mode_t *ret_mode, unsigned how);
int refused_mount(int r, const char **ret_why);
