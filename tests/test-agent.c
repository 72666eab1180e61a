/*
 * Unit tests of agent/reply.c: sysgate-agent's strict parser of the daemon's
 * one-line reply ({"ok":true,"bpf":"BASE64"} or {"ok":false,"error":"..."})
 * and of the filter in it. Pure: no daemon, no kernel, no root.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "agent/reply.h"

/* agent_reply_parse(line), released at once; its status. */
static int parse_status(const char *line)
{
	struct agent_reply r;
	int s = agent_reply_parse(line, &r);

	agent_reply_done(&r);
	return s;
}

static void test_reply_parse_accepts_both_shapes(void **state)
{
	struct agent_reply r;

	(void)state;
	assert_int_equal(agent_reply_parse("{\"ok\":true,\"bpf\":\"AQIDBAUGBwg=\"}", &r), 0);
	assert_int_equal(r.ok, 1);
	assert_string_equal(r.bpf, "AQIDBAUGBwg=");
	assert_null(r.error);
	agent_reply_done(&r);

	/* Any order, blanks between the tokens, escapes decoded. */
	assert_int_equal(
		agent_reply_parse(" { \"error\" : \"no \\\"web\\\"\\u0021\" , \"ok\":false } ", &r),
		0);
	assert_int_equal(r.ok, 0);
	assert_string_equal(r.error, "no \"web\"!");
	assert_null(r.bpf);
	agent_reply_done(&r);

	/* Beyond ASCII, a \u escape prints as '?': what is printed stays plain. */
	assert_int_equal(agent_reply_parse("{\"ok\":false,\"error\":\"caf\\u00e9\"}", &r), 0);
	assert_string_equal(r.error, "caf?");
	agent_reply_done(&r);
}

static void test_reply_parse_refuses_anything_else(void **state)
{
	(void)state;
	/* Not the whole line, or not one object. */
	assert_int_equal(parse_status("{\"ok\":true,\"bpf\":\"AAAAAAAAAAA=\"} x"), -EPROTO);
	assert_int_equal(parse_status("x{\"ok\":true,\"bpf\":\"AAAAAAAAAAA=\"}"), -EPROTO);
	assert_int_equal(parse_status(""), -EPROTO);
	assert_int_equal(parse_status("{\"ok\":true,\"bpf\":\"AAAAAAAAAAA=\""), -EPROTO);
	/* A key unknown, or given twice. */
	assert_int_equal(parse_status("{\"ok\":true,\"bpf\":\"AAAAAAAAAAA=\",\"x\":1}"), -EPROTO);
	assert_int_equal(parse_status("{\"ok\":true,\"ok\":true,\"bpf\":\"AAAAAAAAAAA=\"}"),
			 -EPROTO);
	/* Neither shape. */
	assert_int_equal(parse_status("{\"ok\":true}"), -EPROTO);
	assert_int_equal(parse_status("{\"ok\":false}"), -EPROTO);
	assert_int_equal(parse_status("{\"bpf\":\"AAAAAAAAAAA=\"}"), -EPROTO);
	assert_int_equal(parse_status("{\"ok\":true,\"bpf\":\"AAAAAAAAAAA=\",\"error\":\"e\"}"),
			 -EPROTO);
	assert_int_equal(parse_status("{\"ok\":1,\"bpf\":\"AAAAAAAAAAA=\"}"), -EPROTO);
	/* A raw control character, or a bad escape, in a string. */
	assert_int_equal(parse_status("{\"ok\":false,\"error\":\"a\tb\"}"), -EPROTO);
	assert_int_equal(parse_status("{\"ok\":false,\"error\":\"\\x41\"}"), -EPROTO);
	assert_int_equal(parse_status("{\"ok\":false,\"error\":\"\\u00g1\"}"), -EPROTO);
}

static void test_reply_bpf_decodes_whole_instructions(void **state)
{
	static const unsigned char one[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	struct sock_filter *f = NULL;
	unsigned short n = 0;

	(void)state;
	assert_int_equal(agent_reply_bpf("AQIDBAUGBwg=", &f, &n), 0);
	assert_int_equal(n, 1);
	assert_memory_equal(f, one, sizeof(one));
	free(f);
	assert_int_equal(agent_reply_bpf("AAAAAAAAAAAAAAAAAAAAAA==", &f, &n), 0);
	assert_int_equal(n, 2);
	free(f);
}

static void test_reply_bpf_refuses_what_is_not_a_filter(void **state)
{
	struct sock_filter *f = NULL;
	unsigned short n = 0;
	char *big;
	size_t len;

	(void)state;
	assert_int_equal(agent_reply_bpf("", &f, &n), -EPROTO);
	/* 7 bytes: not a whole instruction. */
	assert_int_equal(agent_reply_bpf("AAAAAAAAAA==", &f, &n), -EPROTO);
	/* Not canonical (unused bits set), unpadded, '=' inside, not the alphabet. */
	assert_int_equal(agent_reply_bpf("AAAAAAAAAAB=", &f, &n), -EPROTO);
	assert_int_equal(agent_reply_bpf("AAAAAAAAAAA", &f, &n), -EPROTO);
	assert_int_equal(agent_reply_bpf("AAAA=AAAAAA=", &f, &n), -EPROTO);
	assert_int_equal(agent_reply_bpf("AAAAAAAAAA-=", &f, &n), -EPROTO);
	/* More than BPF_MAXINSNS instructions. */
	len = ((BPF_MAXINSNS + 1) * 8 + 2) / 3 * 4;
	big = malloc(len + 1);
	assert_non_null(big);
	memset(big, 'A', len);
	big[len] = '\0';
	assert_int_equal(agent_reply_bpf(big, &f, &n), -EPROTO);
	free(big);
	assert_null(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reply_parse_accepts_both_shapes),
		cmocka_unit_test(test_reply_parse_refuses_anything_else),
		cmocka_unit_test(test_reply_bpf_decodes_whole_instructions),
		cmocka_unit_test(test_reply_bpf_refuses_what_is_not_a_filter),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
