#pragma once
/*
 * target/internal.h: what the files of the target room share among
 * themselves and nobody else uses. Not a contract for other rooms.
 */
#include <stdint.h>
#include <sys/types.h>

#include "supervisor/target/target.h"

/* proc.c */
int target_proc_readlink(pid_t tid, const char *what, char *out, size_t size);
int target_mountinfo_has(pid_t tid, uint64_t id);
int target_self_ids(pid_t tid, int procfd, pid_t *ret_tgid, pid_t *ret_tid);

/* view.c */
/*
 * FIFOs, sockets and character devices held through a descriptor are let
 * through whatever their mount: a container's stdio is the host's pty or
 * pipes, and runc's init reopens its exec FIFO (on the host) through
 * /proc/self/fd under the container's filter. They are not files a path
 * rule is about, and reopening one gives no more than the descriptor held.
 */
#define MOUNT_SPECIAL_OK 0x1

int target_mount_check(pid_t tid, int dirfd, const char *path, int flags,
		       const struct target_view *v, mode_t *ret_mode, unsigned how);
int target_refused_mount(int r, const char **ret_why);
