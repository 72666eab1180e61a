#pragma once
/*
 * notify: the seccomp user-notification ioctls, used raw. libseccomp's
 * wrappers turn every failure into -ECANCELED; the loop needs to tell a
 * routine ENOENT (target killed, call interrupted) from a real error.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sg-seccomp.h"

struct notify_buf {
	struct seccomp_notif *req;
	size_t req_size;
	struct seccomp_notif_resp *resp;
	size_t resp_size;
};

/* Buffers sized from SECCOMP_GET_NOTIF_SIZES: the kernel's structs may be
 * larger than our headers say. */
int notify_buf_new(struct notify_buf **ret);
void notify_buf_free(struct notify_buf *b); /* NULL-safe */

/* Receive one notification into b->req (zeroed first, as the kernel demands).
 * 0; -ENOENT when the call went away before we got it (routine); -EINTR;
 * -errno otherwise. */
int notify_recv(int listener, struct notify_buf *b);
/* 0 if the call with this id is still waiting for us, -ENOENT if not. */
int notify_id_valid(int listener, uint64_t id);
/* Answer: fail with err (> 0); succeed with val; or let the kernel continue.
 * -ENOENT when the target is gone or the call was interrupted (routine). */
int notify_send_errno(int listener, struct notify_buf *b, uint64_t id, int err);
int notify_send_value(int listener, struct notify_buf *b, uint64_t id, int64_t val);
int notify_send_continue(int listener, struct notify_buf *b, uint64_t id);
/* Ask the kernel to wake the target on our CPU (Linux 6.6). 0, or -errno
 * (EINVAL on older kernels: harmless, merely slower). */
int notify_set_sync_wakeup(int listener);
/* Kill the process of a caller still waiting (by id, so a reused tid is never hit). */
void notify_kill_caller(int listener, pid_t tid, uint64_t id);
