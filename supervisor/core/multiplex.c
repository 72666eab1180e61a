/*
 * multiplex: decode i386's socketcall and ipc into the call they carry, and
 * read the few values a policy judges that live in the target's memory.
 *
 * The argument mapping is the kernel's: net/compat.c (compat_sys_socketcall,
 * whose array holds 32-bit values) and ipc/syscall.c (compat_ksys_ipc).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>

#include "sg-util.h"
#include "supervisor/core/multiplex.h"
#include "supervisor/target/target.h"

/* How many 32-bit arguments each socketcall takes (the kernel's nas[]). */
static const unsigned char socketcall_nargs[POLICY_SOCKETCALL_MAX + 1] = {
	0, 3, 3, 3, 2, 3, 3, 3, 4, 4, 4, 6, 6, 2, 5, 5, 3, 3, 4, 5, 4,
};

/* Copy len bytes at addr in tid's memory: bounded, like every read of
 * target memory (target_read_mem). 0, -EFAULT, -ESRCH. */
static int read_mem(pid_t tid, uint64_t addr, void *buf, size_t len)
{
	return target_read_mem(tid, addr, buf, len);
}

static void decode_socketcall(pid_t tid, const uint64_t *args, struct mux_call *m)
{
	unsigned call = (unsigned)(uint32_t)args[0];
	uint32_t a[6] = {0};
	unsigned n;
	int r;

	m->name = policy_socketcall_name(call);
	if (!m->name) {
		snprintf(m->via, sizeof(m->via), "socketcall(%u)", call);
		return;
	}
	snprintf(m->via, sizeof(m->via), "socketcall(%s)", policy_socketcall_label(call));
	n = socketcall_nargs[call];
	/* All of them are in memory: the kernel copies the array itself. */
	m->mem_args = (uint8_t)((1u << n) - 1);
	r = read_mem(tid, (uint32_t)args[1], a, n * sizeof(uint32_t));
	if (r < 0) {
		m->mem_err = r == -ESRCH ? ESRCH : EFAULT;
		return;
	}
	for (unsigned i = 0; i < n; i++)
		m->args[i] = a[i];
	/* send and recv are sendto and recvfrom without an address. */
	if (call == 9 || call == 10)
		m->mem_args = 0x0f;
}

static void decode_ipc(pid_t tid, const uint64_t *args, struct mux_call *m)
{
	unsigned call = (unsigned)(args[0] & 0xffff),
		 version = (unsigned)((args[0] >> 16) & 0xffff);
	uint64_t first = args[1], second = args[2], third = args[3], ptr = args[4], fifth = args[5];
	uint64_t *o = m->args;
	int r;

	m->name = policy_ipc_name(call);
	if (!m->name) {
		snprintf(m->via, sizeof(m->via), "ipc(%u)", call);
		return;
	}
	snprintf(m->via, sizeof(m->via), "ipc(%s)", policy_ipc_label(call));
	switch (call) {
	case 1:	 /* SEMOP: semop(semid, sops, nsops) */
	case 4:	 /* SEMTIMEDOP: semtimedop(semid, sops, nsops, timeout) */
	case 21: /* SHMAT: shmat(shmid, shmaddr, shmflg); the address goes to *third */
		o[0] = first;
		o[1] = ptr;
		o[2] = second;
		o[3] = call == 4 ? fifth : 0;
		break;
	case 2:	 /* SEMGET: semget(key, nsems, semflg) */
	case 23: /* SHMGET: shmget(key, size, shmflg) */
		o[0] = first;
		o[1] = second;
		o[2] = third;
		break;
	case 3: { /* SEMCTL: semctl(semid, semnum, cmd, *ptr) */
		uint32_t pad = 0;

		o[0] = first;
		o[1] = second;
		o[2] = third;
		m->mem_args = 1u << 3;
		r = read_mem(tid, (uint32_t)ptr, &pad, sizeof(pad));
		if (r < 0)
			m->mem_err = r == -ESRCH ? ESRCH : EFAULT;
		o[3] = pad;
		break;
	}
	case 11: /* MSGSND: msgsnd(msqid, msgp, msgsz, msgflg) */
		o[0] = first;
		o[1] = ptr;
		o[2] = second;
		o[3] = third;
		break;
	case 12: /* MSGRCV: msgrcv(msqid, msgp, msgsz, msgtyp, msgflg) */
		o[0] = first;
		o[2] = second;
		o[4] = third;
		if (version == 0) {
			/* struct compat_ipc_kludge { u32 msgp; s32 msgtyp; } at ptr */
			uint32_t k[2] = {0, 0};

			m->mem_args = (1u << 1) | (1u << 3);
			r = read_mem(tid, (uint32_t)ptr, k, sizeof(k));
			if (r < 0)
				m->mem_err = r == -ESRCH ? ESRCH : EFAULT;
			o[1] = k[0];
			o[3] = k[1];
		} else {
			o[1] = ptr;
			o[3] = fifth;
		}
		break;
	case 13: /* MSGGET: msgget(key, msgflg) */
		o[0] = first;
		o[1] = second;
		break;
	case 14: /* MSGCTL: msgctl(msqid, cmd, buf) */
	case 24: /* SHMCTL: shmctl(shmid, cmd, buf) */
		o[0] = first;
		o[1] = second;
		o[2] = ptr;
		break;
	case 22: /* SHMDT: shmdt(shmaddr) */
		o[0] = ptr;
		break;
	}
}

int mux_decode(pid_t tid, int nr, const uint64_t args[6], struct mux_call *ret)
{
	*ret = (struct mux_call){};
	if (nr == MUX_NR32_SOCKETCALL)
		decode_socketcall(tid, args, ret);
	else if (nr == MUX_NR32_IPC)
		decode_ipc(tid, args, ret);
	else
		return 0;
	return 1;
}

/* The kernel's XATTR_NAME_MAX: a longer (or empty) name fails with ERANGE. */
#define XATTR_NAME_MAX_LEN 255

bool mux_read_mem_values(pid_t tid, const struct section *sec, const struct syscall_shape *shape,
			 struct call *c, char *name_buf)
{
	bool read = false;
	int i, r;

	if (!sec || !shape)
		return false;
	i = policy_shape_arg(shape, 'n');
	if (sec->needs_name && i >= 0) {
		r = target_read_string(tid, c->args[i], name_buf);
		if (r == 0 && (!name_buf[0] || strlen(name_buf) > XATTR_NAME_MAX_LEN))
			r = -ERANGE;
		if (r == -ENAMETOOLONG)
			r = -ERANGE;
		c->name = r == 0 ? name_buf : NULL;
		c->name_err = r < 0 ? -r : 0;
		read = true;
	}
	i = policy_shape_arg(shape, 'h');
	if (sec->needs_mode && i >= 0) {
		/* struct open_how { u64 flags; u64 mode; u64 resolve; }: one copy,
		 * for mode and for the named flags, mode and resolve conditions
		 * (policy_arg_find's ARGW_HOW_*); decisions on it may only refuse. */
		uint64_t how[3] = {0, 0, 0};

		r = read_mem(tid, c->abi32 ? (uint32_t)c->args[i] : c->args[i], how, sizeof(how));
		c->mode_in_mem = r == 0;
		c->mem_mode = how[1];
		c->how_in_mem = r == 0;
		memcpy(c->mem_how, how, sizeof(c->mem_how));
		c->mem_err = r < 0 ? -r : 0;
		read = true;
	}
	return read;
}
