#include <errno.h>
#include <signal.h>
#include <sys/syscall.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "sg-util.h"
#include "supervisor/core/notify.h"
#include "supervisor/target/target.h"

int notify_buf_new(struct notify_buf **ret)
{
	struct seccomp_notif_sizes sizes = {};
	struct notify_buf *b;

	if (syscall(__NR_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) < 0)
		return -errno;
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->req_size = MAX((size_t)sizes.seccomp_notif, sizeof(struct seccomp_notif));
	b->resp_size = MAX((size_t)sizes.seccomp_notif_resp, sizeof(struct seccomp_notif_resp));
	b->req = calloc(1, b->req_size);
	b->resp = calloc(1, b->resp_size);
	if (!b->req || !b->resp) {
		notify_buf_free(b);
		return -ENOMEM;
	}
	*ret = b;
	return 0;
}

void notify_buf_free(struct notify_buf *b)
{
	if (!b)
		return;
	free(b->req);
	free(b->resp);
	free(b);
}

int notify_recv(int listener, struct notify_buf *b)
{
	memset(b->req, 0, b->req_size);
	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, b->req) < 0)
		return -errno;
	return 0;
}

int notify_id_valid(int listener, uint64_t id)
{
	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) < 0)
		return -errno;
	return 0;
}

static int send_resp(int listener, struct notify_buf *b, uint64_t id, int64_t val, int err,
		     uint32_t flags)
{
	memset(b->resp, 0, b->resp_size);
	b->resp->id = id;
	b->resp->val = val;
	b->resp->error = err ? -err : 0;
	b->resp->flags = flags;
	for (;;) {
		if (ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, b->resp) == 0)
			return 0;
		if (errno != EINTR)
			return -errno;
	}
}

int notify_send_errno(int listener, struct notify_buf *b, uint64_t id, int err)
{
	return send_resp(listener, b, id, 0, err, 0);
}

int notify_send_value(int listener, struct notify_buf *b, uint64_t id, int64_t val)
{
	return send_resp(listener, b, id, val, 0, 0);
}

int notify_send_continue(int listener, struct notify_buf *b, uint64_t id)
{
	return send_resp(listener, b, id, 0, 0, SECCOMP_USER_NOTIF_FLAG_CONTINUE);
}

int notify_set_sync_wakeup(int listener)
{
	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP) < 0)
		return -errno;
	return 0;
}

void notify_kill_caller(int listener, pid_t tid, uint64_t id)
{
	pid_t tgid = target_tgid(tid);

	/* Still waiting for us means tid still names the caller: a task blocked
	 * in a notification cannot have been reaped and its id reused. SIGKILL
	 * to one thread takes the whole thread group. */
	if (tgid > 0 && notify_id_valid(listener, id) == 0)
		syscall(SYS_tgkill, tgid, tid, SIGKILL);
}
