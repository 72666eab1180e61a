/* reply: the daemon's reply to sysgate-agent, parsed strictly (reply.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent/reply.h"
#include "sg-util.h"

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\r')
		p++;
	return p;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * A JSON string at *pp (which points at its opening quote), decoded into a new
 * buffer. \uXXXX escapes beyond ASCII become '?': nothing the daemon says in
 * this protocol needs them, and what is printed stays plain.
 */
static int parse_string(const char **pp, char **ret)
{
	const char *p = *pp;
	_cleanup_free_ char *out = NULL;
	size_t o = 0;

	if (*p++ != '"')
		return -EPROTO;
	out = malloc(strlen(p) + 1); /* decoding never lengthens */
	if (!out)
		return -ENOMEM;
	for (;;) {
		unsigned char c = (unsigned char)*p++;

		if (c == '"')
			break;
		if (c < 0x20) /* the end of the line, or a raw control character */
			return -EPROTO;
		if (c != '\\') {
			out[o++] = (char)c;
			continue;
		}
		switch (*p++) {
		case '"':
			out[o++] = '"';
			break;
		case '\\':
			out[o++] = '\\';
			break;
		case '/':
			out[o++] = '/';
			break;
		case 'b':
			out[o++] = '\b';
			break;
		case 'f':
			out[o++] = '\f';
			break;
		case 'n':
			out[o++] = '\n';
			break;
		case 'r':
			out[o++] = '\r';
			break;
		case 't':
			out[o++] = '\t';
			break;
		case 'u': {
			unsigned v = 0;

			for (int i = 0; i < 4; i++) {
				int d = hex_digit(*p++);

				if (d < 0)
					return -EPROTO;
				v = v << 4 | (unsigned)d;
			}
			out[o++] = v > 0 && v < 0x80 ? (char)v : '?';
			break;
		}
		default:
			return -EPROTO;
		}
	}
	out[o] = '\0';
	*pp = p;
	*ret = TAKE_PTR(out);
	return 0;
}

void agent_reply_done(struct agent_reply *r)
{
	free(r->bpf);
	free(r->error);
}

/* The whole line must be the object: nothing before or after, every key
 * known and given once, and one of the two shapes. */
int agent_reply_parse(const char *line, struct agent_reply *ret)
{
	const char *p = skip_ws(line);
	int r;

	*ret = (struct agent_reply){.ok = -1};
	if (*p++ != '{')
		return -EPROTO;
	for (;;) {
		_cleanup_free_ char *key = NULL;

		p = skip_ws(p);
		r = parse_string(&p, &key);
		if (r < 0)
			return r;
		p = skip_ws(p);
		if (*p++ != ':')
			return -EPROTO;
		p = skip_ws(p);
		if (streq(key, "ok")) {
			if (ret->ok >= 0)
				return -EPROTO;
			if (strncmp(p, "true", 4) == 0) {
				ret->ok = 1;
				p += 4;
			} else if (strncmp(p, "false", 5) == 0) {
				ret->ok = 0;
				p += 5;
			} else {
				return -EPROTO;
			}
		} else if (streq(key, "bpf") || streq(key, "error")) {
			char **slot = streq(key, "bpf") ? &ret->bpf : &ret->error;

			if (*slot)
				return -EPROTO;
			r = parse_string(&p, slot);
			if (r < 0)
				return r;
		} else {
			return -EPROTO;
		}
		p = skip_ws(p);
		if (*p == '}')
			break;
		if (*p++ != ',')
			return -EPROTO;
	}
	p = skip_ws(p + 1);
	if (*p)
		return -EPROTO;
	if (ret->ok == 1 && (!ret->bpf || ret->error))
		return -EPROTO;
	if (ret->ok == 0 && (!ret->error || ret->bpf))
		return -EPROTO;
	if (ret->ok < 0)
		return -EPROTO;
	return 0;
}

static int b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * Strict base64 (RFC 4648, padded, canonical): groups of four, '=' only to
 * pad the last group, unused bits zero. The result must be a whole number of
 * struct sock_filter, at least one and at most BPF_MAXINSNS.
 */
int agent_reply_bpf(const char *s, struct sock_filter **ret, unsigned short *ret_len)
{
	size_t n = strlen(s), o = 0;
	_cleanup_free_ unsigned char *out = NULL;

	if (n == 0 || n % 4 != 0 || n / 4 * 3 > (size_t)BPF_MAXINSNS * 8 + 2)
		return -EPROTO;
	out = malloc(n / 4 * 3);
	if (!out)
		return -ENOMEM;
	for (size_t i = 0; i < n; i += 4) {
		bool last = i + 4 == n;
		int pad = last ? (s[i + 3] == '=') + (s[i + 2] == '=') : 0;
		uint32_t v = 0;

		if (pad == 1 && s[i + 2] == '=')
			return -EPROTO; /* "x=y=" */
		for (int k = 0; k < 4; k++) {
			int d = k < 4 - pad ? b64_value(s[i + k]) : 0;

			if (d < 0)
				return -EPROTO; /* not the alphabet, or '=' inside */
			v = v << 6 | (uint32_t)d;
		}
		if ((pad == 1 && (v & 0xff)) || (pad == 2 && (v & 0xffff)))
			return -EPROTO; /* not canonical */
		out[o++] = (unsigned char)(v >> 16);
		if (pad < 2)
			out[o++] = (unsigned char)(v >> 8);
		if (pad < 1)
			out[o++] = (unsigned char)v;
	}
	if (o % sizeof(struct sock_filter) != 0 || o / sizeof(struct sock_filter) == 0 ||
	    o / sizeof(struct sock_filter) > BPF_MAXINSNS)
		return -EPROTO;
	*ret_len = (unsigned short)(o / sizeof(struct sock_filter));
	*ret = (struct sock_filter *)TAKE_PTR(out);
	return 0;
}
