/*
 * decode: what a notified call is, from the notification alone (trusted
 * side; the registers are the kernel's copy, so nothing here can race):
 * its ABI, its number resolved to a name, shape and policy section (once per
 * session and number), and for i386's socketcall and ipc the call they carry
 * (multiplex.c reads socketcall's argument array from the target: that part
 * is the target's and is marked so).
 */
#include <errno.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>

#include "sg-seccomp.h"
#include "supervisor/core/multiplex.h"
#include "supervisor/core/session-internal.h"

static const uint32_t abi_token[CALL_N_ABI] = {
	[CALL_ABI_X86_64] = SCMP_ARCH_X86_64,
	[CALL_ABI_I386] = SCMP_ARCH_X86,
	[CALL_ABI_X32] = SCMP_ARCH_X32,
};

/* Does a call of this section go through emulation? Only if its rules can
 * ask for it: an emulate rule, or a path condition (an allow or log after
 * one is emulated, so the checked path is the one acted on). */
char *decode_syscall_name(enum call_abi abi, int nr)
{
	if (abi >= CALL_N_ABI)
		return NULL;
	return seccomp_syscall_resolve_num_arch(
		abi_token[abi], abi == CALL_ABI_X32 ? (nr | __X32_SYSCALL_BIT) : nr);
}

static bool section_emulates(const struct section *sec)
{
	if (!sec || !sec->emulatable)
		return false;
	if (sec->needs_path)
		return true;
	/* A deny or an ask too: a denied mkdir of a name that exists gets the
	 * kernel's EEXIST (call.c, kernel_errno_first), which takes the path
	 * opened as the target. An allow without a path condition still
	 * continues (answer_plan). */
	for (size_t i = 0; i < sec->n_rules; i++)
		if (sec->rules[i].kind == DECISION_EMULATE || sec->rules[i].kind == DECISION_DENY ||
		    sec->rules[i].kind == DECISION_ASK)
			return true;
	return false;
}

static const struct sysent *lookup(struct session *s, enum call_abi abi, int nr)
{
	static const struct sysent unknown = {.resolved = true};
	struct sysent *e;

	if (nr < 0 || nr >= MAX_NR)
		return &unknown;
	e = &s->table[abi][nr];
	if (!e->resolved) {
		e->name = decode_syscall_name(abi, nr);
		/* Newer than libseccomp: the same number on every ABI. */
		if (!e->name && (e->newer = policy_newer_syscall(nr)))
			e->name = strdup(e->newer->name);
		if (e->name) {
			e->shape = policy_syscall_shape(e->name);
			e->section = policy_section_for(s->policy, e->name);
			e->emulates = e->shape && section_emulates(e->section);
		}
		e->resolved = true;
	}
	return e;
}

/*
 * i386's socketcall and ipc: when the call they carry has a section, decide
 * that call, with the arguments it really gets (socketcall's are copied from
 * memory, and c->mem_args says so, so that no decision on them continues).
 * Without one, the multiplexer is decided as itself (its own section or the
 * default). Returns the entry to decide by: *carried, filled in, or e.
 */
static const struct sysent *decode_multiplexed(struct session *s, pid_t tid, int nr,
					       const struct sysent *e, struct sysent *carried,
					       struct call *c, struct call_data *d)
{
	struct mux_call m;
	const struct section *sec;

	if (mux_decode(tid, nr, c->args, &m) <= 0 || !m.name)
		return e;
	sec = policy_section_for(s->policy, m.name);
	if (!sec)
		return e;
	*carried = (struct sysent){
		.resolved = true,
		.name = (char *)m.name, /* static: policy's table */
		.shape = policy_syscall_shape(m.name),
		.section = sec,
	};
	memcpy(d->via, m.via, sizeof(d->via));
	c->syscall = m.name;
	c->shape = carried->shape;
	memcpy(c->args, m.args, sizeof(c->args));
	c->mem_args = m.mem_args;
	c->mem_err = m.mem_err;
	return carried;
}

bool decode_call(struct call_ctx *x)
{
	struct session *s = x->s;
	const struct seccomp_notif *req = x->req;

	x->abi = call_abi_of(req->data.arch, (int)req->data.nr, &x->nr);
	if (x->abi == CALL_ABI_UNKNOWN) {
		/* The filter kills every other architecture; never let one through. */
		(void)notify_send_errno(s->listener, s->buf, x->id, EPERM);
		return false;
	}
	x->e = lookup(s, x->abi, x->nr);
	if (!s->have_view) {
		/* The session's view is its first caller's (a container runtime
		 * that named no pid): from then on it is fixed. */
		if (target_view_load(x->tid, &s->view) < 0) {
			(void)notify_send_errno(s->listener, s->buf, x->id, EPERM);
			return false;
		}
		s->have_view = true;
	}
	x->c = (struct call){
		.syscall = x->e->name,
		.shape = x->e->shape,
		.abi32 = x->abi != CALL_ABI_X86_64,
		.i386 = x->abi == CALL_ABI_I386,
	};
	memcpy(x->c.args, req->data.args, sizeof(x->c.args));
	/* seccomp hands a 32-bit ABI's arguments over as 64-bit words whose
	 * upper half the call never sees: judge what the call gets. */
	if (x->abi == CALL_ABI_I386)
		for (int i = 0; i < 6; i++)
			x->c.args[i] &= 0xffffffffu;
	x->d = s->scratch;
	x->d->raw_ok = x->d->exe_ok = false;
	x->d->addr.read = false; /* gather_plain copies this call's, if it has one */
	x->d->via[0] = x->d->why[0] = '\0';
	if (x->abi == CALL_ABI_I386)
		x->e = decode_multiplexed(s, x->tid, x->nr, x->e, &x->carried, &x->c, x->d);
	/* socketcall's array, ipc's SEMCTL and MSGRCV came from memory. */
	x->read_memory = x->d->via[0] != '\0';
	return true;
}
