#pragma once
/*
 * reply: the daemon's one line of reply to sysgate-agent's {"op":"filter"},
 *
 *   {"ok":true,"bpf":"BASE64"}  or  {"ok":false,"error":"..."}
 *
 * parsed by hand and strictly (sysgate-agent links no JSON library, so that
 * it can be linked statically). Pure: no I/O. The daemon is the trusted side,
 * but its reply is checked all the same (see sysgate-agent.c).
 */
#include <linux/filter.h>

struct agent_reply {
	int ok; /* -1 while absent */
	char *bpf;
	char *error;
};

/* The whole line must be the object: nothing before or after, every key
 * known and given once, and one of the two shapes. 0, -EPROTO or -ENOMEM;
 * *ret is to be released with agent_reply_done() either way. */
int agent_reply_parse(const char *line, struct agent_reply *ret);
void agent_reply_done(struct agent_reply *r);

/* The filter in bpf: strict base64 of a whole number of struct sock_filter,
 * at least one and at most BPF_MAXINSNS. 0 with *ret (to be freed) and
 * *ret_len, or -EPROTO, -ENOMEM. */
int agent_reply_bpf(const char *bpf, struct sock_filter **ret, unsigned short *ret_len);
