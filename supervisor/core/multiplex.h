#pragma once
/*
 * multiplex: the call a notified syscall really makes, where that is not the
 * syscall number: i386's socketcall and ipc (decoded into the socket or SysV
 * IPC call they carry), and the values a policy judges that live in the
 * target's memory (openat2's mode, an xattr name).
 *
 * Everything here is read once from the target into supervisor memory. It is
 * the target's: a racing thread can change it after we read it, and the
 * kernel reads it again when the call continues. So the matcher marks a
 * decision that consulted it (struct call's mem_args, mode_in_mem, name) and
 * never lets such a decision continue (policy_decide); deny and kill are safe.
 */
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "policy/policy.h"

#define MUX_NR32_SOCKETCALL 102
#define MUX_NR32_IPC 117

struct mux_call {
	const char *name; /* the carried call's (x86_64) name; NULL: no such call */
	char via[40];	  /* "socketcall(SYS_CONNECT)", "ipc(SHMGET)" */
	uint64_t args[6]; /* in the carried call's own argument order */
	uint8_t mem_args; /* bit i: args[i] was read from the target's memory */
	int mem_err;	  /* reading them failed (EFAULT), or 0 */
};

/*
 * If nr is i386's socketcall or ipc, decode the call it carries from its
 * registers (args, already cut to 32 bits) and, for socketcall, its argument
 * array in tid's memory: 1 with *ret filled. 0 if nr is neither. The call
 * number itself is a register, so which call is carried cannot race; the
 * arguments read from memory can (see mem_args).
 */
int mux_decode(pid_t tid, int nr, const uint64_t args[6], struct mux_call *ret);

/*
 * Fill c's values from memory that section sec's rules need: the xattr name
 * ('n', into name_buf of TARGET_PATH_MAX bytes) for a name condition, the
 * mode in openat2's struct open_how ('h') for a mode condition. true if
 * anything was read (the caller checks the notification is still valid).
 */
bool mux_read_mem_values(pid_t tid, const struct section *sec, const struct syscall_shape *shape,
			 struct call *c, char *name_buf);
