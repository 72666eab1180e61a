#pragma once
/*
 * bpf-interp.h: a classic-BPF interpreter for seccomp filters, for the unit
 * tests that run a compiled policy on a struct seccomp_data without a kernel
 * (test-compile, which checks it against the kernel; test-property;
 * test-export-diff). Any instruction it does not implement fails
 * the test, so a gap cannot pass silently. Include after <cmocka.h>.
 */
#include <inttypes.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint32_t load_word(const struct seccomp_data *d, uint32_t k)
{
	uint32_t w;

	if (k % 4 != 0 || k > sizeof(*d) - 4)
		fail_msg("BPF: load at offset %" PRIu32 " outside struct seccomp_data", k);
	memcpy(&w, (const char *)d + k, sizeof(w));
	return w;
}

static inline uint32_t check_mem(uint32_t k)
{
	if (k >= BPF_MEMWORDS)
		fail_msg("BPF: scratch memory index %" PRIu32 " out of range", k);
	return k;
}

/*
 * Run filter f on d and return the 32-bit return value. Any instruction it
 * does not implement fails the test, so that a gap cannot pass silently.
 */
static inline uint32_t bpf_run(const struct sock_filter *f, size_t len,
			       const struct seccomp_data *d)
{
	uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = {0};
	size_t pc = 0;

	for (;;) {
		const struct sock_filter *in;
		uint32_t src;
		size_t next;

		if (pc >= len)
			fail_msg("BPF: pc %zu runs off the end of a %zu-instruction filter", pc,
				 len);
		in = &f[pc];
		next = pc + 1;
		src = BPF_SRC(in->code) == BPF_X ? x : in->k;

		switch (BPF_CLASS(in->code)) {
		case BPF_LD:
			if (in->code == (BPF_LD | BPF_W | BPF_ABS))
				a = load_word(d, in->k);
			else if (in->code == (BPF_LD | BPF_IMM))
				a = in->k;
			else if (in->code == (BPF_LD | BPF_MEM))
				a = mem[check_mem(in->k)];
			else if (in->code == (BPF_LD | BPF_W | BPF_LEN))
				a = sizeof(*d);
			else
				fail_msg("BPF: unimplemented load 0x%04x at %zu", in->code, pc);
			break;
		case BPF_LDX:
			if (in->code == (BPF_LDX | BPF_IMM))
				x = in->k;
			else if (in->code == (BPF_LDX | BPF_MEM))
				x = mem[check_mem(in->k)];
			else if (in->code == (BPF_LDX | BPF_W | BPF_LEN))
				x = sizeof(*d);
			else
				fail_msg("BPF: unimplemented ldx 0x%04x at %zu", in->code, pc);
			break;
		case BPF_ST:
			if (in->code != BPF_ST)
				fail_msg("BPF: unimplemented st 0x%04x at %zu", in->code, pc);
			mem[check_mem(in->k)] = a;
			break;
		case BPF_STX:
			if (in->code != BPF_STX)
				fail_msg("BPF: unimplemented stx 0x%04x at %zu", in->code, pc);
			mem[check_mem(in->k)] = x;
			break;
		case BPF_ALU:
			switch (BPF_OP(in->code)) {
			case BPF_ADD:
				a += src;
				break;
			case BPF_SUB:
				a -= src;
				break;
			case BPF_MUL:
				a *= src;
				break;
			case BPF_AND:
				a &= src;
				break;
			case BPF_OR:
				a |= src;
				break;
			case BPF_XOR:
				a ^= src;
				break;
			case BPF_NEG:
				a = -a;
				break;
			case BPF_DIV:
				if (src == 0)
					fail_msg("BPF: division by zero at %zu", pc);
				a /= src;
				break;
			case BPF_LSH:
				if (src >= 32)
					fail_msg("BPF: shift by %" PRIu32 " at %zu", src, pc);
				a <<= src;
				break;
			case BPF_RSH:
				if (src >= 32)
					fail_msg("BPF: shift by %" PRIu32 " at %zu", src, pc);
				a >>= src;
				break;
			default:
				fail_msg("BPF: unimplemented alu 0x%04x at %zu", in->code, pc);
			}
			break;
		case BPF_JMP:
			switch (BPF_OP(in->code)) {
			case BPF_JA:
				if (in->code != (BPF_JMP | BPF_JA))
					fail_msg("BPF: malformed ja 0x%04x at %zu", in->code, pc);
				next += in->k;
				break;
			case BPF_JEQ:
				next += a == src ? in->jt : in->jf;
				break;
			case BPF_JGT:
				next += a > src ? in->jt : in->jf;
				break;
			case BPF_JGE:
				next += a >= src ? in->jt : in->jf;
				break;
			case BPF_JSET:
				next += (a & src) ? in->jt : in->jf;
				break;
			default:
				fail_msg("BPF: unimplemented jmp 0x%04x at %zu", in->code, pc);
			}
			break;
		case BPF_RET:
			if (in->code == (BPF_RET | BPF_K))
				return in->k;
			if (in->code == (BPF_RET | BPF_A))
				return a;
			fail_msg("BPF: unimplemented ret 0x%04x at %zu", in->code, pc);
			break;
		case BPF_MISC:
			if (in->code == (BPF_MISC | BPF_TAX))
				x = a;
			else if (in->code == (BPF_MISC | BPF_TXA))
				a = x;
			else
				fail_msg("BPF: unimplemented misc 0x%04x at %zu", in->code, pc);
			break;
		default:
			fail_msg("BPF: unknown class 0x%04x at %zu", in->code, pc);
		}
		pc = next;
	}
}
