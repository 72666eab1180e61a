/*
 * answer: a final verdict becomes the kernel's answer (see answer.h). The
 * trusted side's last step for every notified call, whichever thread
 * settled it: the session's worker or the ask queue's main thread.
 */
#include <errno.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sg-seccomp.h"
#include "supervisor/core/answer.h"
#include "supervisor/target/target.h"

enum call_abi call_abi_of(uint32_t arch, int nr, int *ret_nr)
{
	*ret_nr = nr;
	if (arch == AUDIT_ARCH_X86_64 && (nr & __X32_SYSCALL_BIT)) {
		*ret_nr = nr & ~__X32_SYSCALL_BIT;
		return CALL_ABI_X32;
	}
	if (arch == AUDIT_ARCH_X86_64)
		return CALL_ABI_X86_64;
	if (arch == AUDIT_ARCH_I386)
		return CALL_ABI_I386;
	return CALL_ABI_UNKNOWN;
}

struct answer_plan answer_plan(const struct answer_verdict *v)
{
	/* In the emulated families an allow or log reached after a path
	 * condition (or settled as an ask) is carried out from the checked
	 * copy, never continued: the kernel would read the path again. An
	 * emulate rule is carried out in complain mode too (it is what the
	 * policy says the call does, not a refusal). */
	bool emulate = v->emulates &&
		       (v->kind == DECISION_EMULATE ||
			((v->kind == DECISION_ALLOW || v->kind == DECISION_LOG) && v->checked));

	if (emulate) {
		/* With x32 off in the kernel (the usual case) the kernel fails
		 * such a call with ENOSYS after the filter: sysgate must not
		 * carry it out instead. */
		if (v->abi == CALL_ABI_X32 && !v->x32_runs)
			return (struct answer_plan){ANSWER_ERRNO, ENOSYS, true};
		return (struct answer_plan){ANSWER_EMULATE, 0, true};
	}
	switch (v->kind) {
	case DECISION_ALLOW:
	case DECISION_LOG:
		return (struct answer_plan){ANSWER_CONTINUE, 0, false};
	case DECISION_DENY:
		/* Complain mode: logged, let through. An errno of 0 would be
		 * a success: fail closed with EPERM. */
		if (!v->enforce)
			return (struct answer_plan){ANSWER_CONTINUE, 0, false};
		return (struct answer_plan){ANSWER_ERRNO, v->err > 0 ? v->err : EPERM, false};
	case DECISION_KILL:
		if (!v->enforce)
			return (struct answer_plan){ANSWER_CONTINUE, 0, false};
		return (struct answer_plan){ANSWER_KILL, EPERM, false};
	default:
		/* An emulate decision outside an emulated family, or an ask
		 * nobody settled: fail closed. */
		return (struct answer_plan){ANSWER_ERRNO, EPERM, false};
	}
}

bool answer_kernel_runs_x32(void)
{
	/* Every session's worker and the main thread ask: the first to ask
	 * probes, and any that race probe alike and store the same answer. */
	static _Atomic int enabled = -1;
	int v = atomic_load_explicit(&enabled, memory_order_relaxed);

	if (v < 0) {
		v = syscall(__X32_SYSCALL_BIT | __NR_getpid) >= 0 || errno != ENOSYS;
		atomic_store_explicit(&enabled, v, memory_order_relaxed);
	}
	return v;
}

int64_t answer_carry_out(const struct answer_plan *plan, int listener, uint64_t id,
			 struct emulate *em, const char *path, int path_err)
{
	int64_t result;

	if (plan->kind != ANSWER_EMULATE) {
		emulate_leave(em);
		return plan->kind == ANSWER_CONTINUE ? 0 : -plan->err;
	}
	if (!path)
		result = -(path_err ? path_err : EPERM);
	/* Last check before acting: what em opened under /proc/TID belongs
	 * to another process if the caller went away and its id was reused. */
	else if (notify_id_valid(listener, id) < 0)
		result = -EINTR; /* gone: nobody will see it */
	else if (emulate_enter(em) < 0)
		result = -EPERM;
	else {
		/* The call itself may cross a FUSE mount that never answers:
		 * guarded like a read (a no-op on a thread without a guard). */
		int g = target_guard_enter(TARGET_STALL_FILES);

		result = emulate_run(em);
		target_guard_leave(g);
	}
	emulate_leave(em);
	return result;
}

int answer_send(const struct answer_plan *plan, int64_t result, int listener,
		struct notify_buf *buf, uint64_t id, pid_t tid)
{
	switch (plan->kind) {
	case ANSWER_EMULATE:
		return result < 0 ? notify_send_errno(listener, buf, id, (int)-result)
				  : notify_send_value(listener, buf, id, result);
	case ANSWER_CONTINUE:
		return notify_send_continue(listener, buf, id);
	case ANSWER_KILL:
		/* Kill first: the errno must never reach a caller that is to die. */
		notify_kill_caller(listener, tid, id);
		return notify_send_errno(listener, buf, id, plan->err);
	case ANSWER_ERRNO:
	default:
		return notify_send_errno(listener, buf, id, plan->err > 0 ? plan->err : EPERM);
	}
}
