#pragma once
/*
 * answer: the one place that turns a final verdict on a notified call into
 * what the kernel is told (an errno, continue, the result of carrying the
 * call out ourselves, or the caller's death). The session (a call decided
 * at once) and the ask queue (a call a person or a timeout settled) both go
 * through here, so the guards on the way (x32 calls the kernel would refuse,
 * a call that went away, complain mode) cannot drift apart.
 *
 * Trusted side. answer_plan() is pure (no kernel, no target): the mapping is
 * unit-tested whole (tests/test-answer.c). answer_carry_out() and
 * answer_send() act; they never print and return what happened.
 */
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "policy/policy.h"
#include "supervisor/core/notify.h"
#include "supervisor/emulate/emulate.h"

/* The ABI a notified call came through. x32 shares x86_64's AUDIT_ARCH and
 * marks its numbers with __X32_SYSCALL_BIT. */
enum call_abi {
	CALL_ABI_X86_64,
	CALL_ABI_I386,
	CALL_ABI_X32,
	CALL_N_ABI,
	CALL_ABI_UNKNOWN = CALL_N_ABI, /* any other arch: the filter kills those */
};

/* The ABI of (arch, nr) from seccomp_data; *ret_nr without the x32 bit. */
enum call_abi call_abi_of(uint32_t arch, int nr, int *ret_nr);

/* Everything the answer depends on, once the verdict is final. */
struct answer_verdict {
	enum decision_kind kind; /* final: ALLOW, LOG, DENY, KILL, EMULATE (ASK: a bug) */
	int err;		 /* DENY: the errno (<= 0 is taken as EPERM) */
	bool enforce;		 /* false: complain mode */
	/* The call's family goes through emulation (the section has an
	 * emulate rule or a path condition: decode.c section_emulates). */
	bool emulates;
	/* The verdict rests on the path copied from the target (a path
	 * condition was consulted), or a person, a remembered answer or complain
	 * mode settled an ask: an allow or log must then be carried out from
	 * the checked copy, never continued (TOCTOU). */
	bool checked;
	enum call_abi abi;
	bool x32_runs; /* this kernel runs x32 calls (answer_kernel_runs_x32) */
};

enum answer_kind {
	ANSWER_CONTINUE, /* the kernel carries the call out */
	ANSWER_ERRNO,	 /* the call fails with err */
	ANSWER_EMULATE,	 /* sysgate carries it out; the target gets its result */
	ANSWER_KILL,	 /* the caller's process is killed; the call fails with err */
};

struct answer_plan {
	enum answer_kind kind;
	int err; /* ANSWER_ERRNO, ANSWER_KILL: > 0 */
	/* The verdict asked for emulation (the record says "emulated"), even
	 * where it ends in an errno instead (an x32 call on a kernel without
	 * x32: ENOSYS, what the kernel itself would have said). */
	bool emulated;
};

/*
 * The kernel's answer for verdict v. Pure. Fail closed: anything that is not
 * a final verdict (ASK, an emulate outside an emulated family) is EPERM.
 */
struct answer_plan answer_plan(const struct answer_verdict *v);

/* Does this kernel run x32 syscalls? Asked once, of sysgate's own getpid. */
bool answer_kernel_runs_x32(void);

/*
 * For an ANSWER_EMULATE plan: carry the call out from em (opened and
 * resolved; credentials left or still held), as the target, if it still
 * waits. What the target gets: >= 0, or -errno (-(path_err or EPERM) when
 * the path could not be resolved, -EINTR when the call went away). For any
 * other plan, what answer_send() will answer: 0 or -err. Leaves the
 * credentials in every case; em stays open (emulate_done is the caller's).
 */
int64_t answer_carry_out(const struct answer_plan *plan, int listener, uint64_t id,
			 struct emulate *em, const char *path, int path_err);

/*
 * Tell the kernel: plan, with result from answer_carry_out for an emulated
 * call. A kill kills tid's process first (by id: a reused tid is never hit).
 * 0, or -ENOENT when the call went away (routine), or -errno.
 */
int answer_send(const struct answer_plan *plan, int64_t result, int listener,
		struct notify_buf *buf, uint64_t id, pid_t tid);
