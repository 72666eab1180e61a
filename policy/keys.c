/*
 * keys: the [sysgate] section, one table row per key (name, setter, the
 * values it takes, which the messages list).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy/loader.h"
#include "policy/policy.h"
#include "sg-util.h"

/* ---- [sysgate] ---- */

struct sysgate_key;
/* Set the key from value: 0, or an error recorded (-EINVAL) or -ENOMEM. */
typedef int (*sysgate_key_set)(struct loader *ld, unsigned line, const struct sysgate_key *k,
			       const char *value);

/* One key of [sysgate]: its name, how its value is read, and what it takes
 * (the words every message about a bad value uses). */
struct sysgate_key {
	const char *name;
	sysgate_key_set set;
	const char *values;
};

/* "bad mode 'enforcing' (enforce or complain)" */
static int bad_value(struct loader *ld, unsigned line, const struct sysgate_key *k,
		     const char *value)
{
	return ld_error(ld, line, "bad %s '%s' (%s)", k->name, value, k->values) ?: -EINVAL;
}

static int set_mode(struct loader *ld, unsigned line, const struct sysgate_key *k,
		    const char *value)
{
	if (streq(value, "enforce"))
		ld->p->mode = POLICY_ENFORCE;
	else if (streq(value, "complain"))
		ld->p->mode = POLICY_COMPLAIN;
	else
		return bad_value(ld, line, k, value);
	return 0;
}

/* "30s", "1500ms", "2m", "0": how long an ask waits. At most a day. */
static int set_ask_timeout(struct loader *ld, unsigned line, const struct sysgate_key *k,
			   const char *value)
{
	unsigned long long v, scale = 1000;
	char *end;

	errno = 0;
	if (value[0] < '0' || value[0] > '9')
		return bad_value(ld, line, k, value);
	v = strtoull(value, &end, 10);
	if (errno)
		return bad_value(ld, line, k, value);
	if (streq(end, "ms"))
		scale = 1;
	else if (streq(end, "s") || (streq(end, "") && v == 0))
		scale = 1000;
	else if (streq(end, "m"))
		scale = 60 * 1000;
	else
		return bad_value(ld, line, k, value);
	if (v > 24ull * 3600 * 1000 || v * scale > 24ull * 3600 * 1000)
		return ld_error(ld, line, "ask_timeout '%s' is longer than a day", value)
			       ?: -EINVAL;
	ld->p->ask_timeout_ms = (unsigned)(v * scale);
	return 0;
}

/* default and ask_default: allow, deny [ERRNO], kill or log. */
static int set_default(struct loader *ld, unsigned line, const struct sysgate_key *k,
		       const char *value)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_free_ char **toks = NULL;
	enum decision_kind kind = DECISION_ALLOW;
	bool ask = streq(k->name, "ask_default");
	size_t n, i;
	int err = 0, r;

	r = ld_split_tokens(value, &buf, &toks, &n);
	if (r < 0)
		return r;
	for (i = 0; n > 0 && i < LD_N_DECISIONS; i++)
		if (streq(ld_decisions[i].name, toks[0]))
			break;
	if (n == 0 || i == LD_N_DECISIONS || n > 2 ||
	    (n == 2 && ld_decisions[i].kind != DECISION_DENY) ||
	    ld_decisions[i].kind == DECISION_EMULATE || ld_decisions[i].kind == DECISION_ASK)
		return bad_value(ld, line, k, value);
	kind = ld_decisions[i].kind;
	if (kind == DECISION_DENY) {
		err = EPERM;
		if (n == 2) {
			r = ld_parse_errno_token(ld, line, toks[1], &err);
			if (r < 0)
				return r;
		}
	}
	if (ask) {
		/* An answer that nobody gave is logged either way. */
		ld->p->ask_default =
			(struct rule){.kind = kind == DECISION_LOG ? DECISION_ALLOW : kind,
				      .err = err,
				      .line = line};
		return 0;
	}
	ld->p->dflt.kind = kind;
	ld->p->dflt.err = err;
	ld->p->dflt.line = line;
	return 0;
}

static int set_log(struct loader *ld, unsigned line, const struct sysgate_key *k, const char *value)
{
	_cleanup_free_ char *buf = strdup(value);
	char **sinks;
	size_t n = 1;
	char *s, *next;

	if (!buf)
		return -ENOMEM;
	for (const char *c = value; *c; c++)
		n += *c == ',';
	sinks = calloc(n + 1, sizeof(*sinks));
	if (!sinks)
		return -ENOMEM;
	/* Replace the empty list set at load start. */
	for (char **o = ld->p->log_sinks; o && *o; o++)
		free(*o);
	free(ld->p->log_sinks);
	ld->p->log_sinks = sinks;

	n = 0;
	for (s = buf; s; s = next) {
		next = strchr(s, ',');
		if (next)
			*next++ = '\0';
		s = ld_rstrip(ld_lskip(s));
		if (!*s)
			return ld_error(ld, line, "empty log sink in '%s'", value) ?: -EINVAL;
		if (!policy_sink_ok(s))
			return ld_error(ld, line, "unknown log sink '%s' (%s)", s, k->values)
				       ?: -EINVAL;
		sinks[n] = strdup(s);
		if (!sinks[n++])
			return -ENOMEM;
	}
	return 0;
}

/* Keep value as written in *field. */
static int keep_value(char **field, const char *value)
{
	free(*field);
	*field = strdup(value);
	return *field ? 0 : -ENOMEM;
}

static int set_log_format(struct loader *ld, unsigned line, const struct sysgate_key *k,
			  const char *value)
{
	if (!streq(value, "text") && !streq(value, "json"))
		return bad_value(ld, line, k, value);
	return keep_value(&ld->p->log_format, value);
}

/* What a log sink does when it cannot keep up: the call waits, or the
 * record is dropped and counted (supervisor/log/). */
static int set_log_full(struct loader *ld, unsigned line, const struct sysgate_key *k,
			const char *value)
{
	if (!streq(value, "block") && !streq(value, "drop"))
		return bad_value(ld, line, k, value);
	return keep_value(&ld->p->log_full, value);
}

int ld_include_file(struct loader *ld, unsigned line, const char *name);

static int set_include(struct loader *ld, unsigned line, const struct sysgate_key *k,
		       const char *value)
{
	return ld_include_file(ld, line, value);
}

/* wait (the default): an ask with no prompt attached waits ask_timeout for
 * one; default: it gets ask_default at once. */
static int set_ask_unattached(struct loader *ld, unsigned line, const struct sysgate_key *k,
			      const char *value)
{
	if (!streq(value, "wait") && !streq(value, "default"))
		return bad_value(ld, line, k, value);
	ld->p->ask_unattached_default = streq(value, "default");
	return 0;
}

/*
 * abi = x86_64[, i386][, x32]: the ABIs a call may come through; one through
 * any other is killed (policy_abi_refused), as a container runtime kills a
 * call from an architecture its profile does not list. x86_64 must be listed:
 * sysgate's agent runs x86_64 code up to the exec, so without it no command
 * could start.
 */
static int set_abi(struct loader *ld, unsigned line, const struct sysgate_key *k, const char *value)
{
	_cleanup_free_ char *buf = strdup(value);
	unsigned abis = 0;
	char *s, *next;

	if (!buf)
		return -ENOMEM;
	for (s = buf; s; s = next) {
		enum policy_abi abi;

		next = strchr(s, ',');
		if (next)
			*next++ = '\0';
		s = ld_rstrip(ld_lskip(s));
		if (!*s)
			return ld_error(ld, line, "empty ABI in abi = '%s' (%s)", value, k->values)
				       ?: -EINVAL;
		if (policy_abi_parse(s, &abi) < 0)
			return ld_error(ld, line, "unknown ABI '%s' in abi (%s)", s, k->values)
				       ?: -EINVAL;
		if (abis & (1u << abi))
			return ld_error(ld, line, "ABI '%s' listed twice in abi", s) ?: -EINVAL;
		abis |= 1u << abi;
	}
	if (!(abis & (1u << POLICY_ABI_X86_64)))
		return ld_error(ld, line,
				"abi = %s does not list x86_64: sysgate starts every command "
				"with x86_64 calls, so none could run (list x86_64, then the "
				"32-bit ABIs to allow)",
				value)
			       ?: -EINVAL;
	ld->p->abis = abis;
	ld->p->abi_rule = (struct rule){.kind = DECISION_KILL, .line = line, .file = ld->cur_file};
	return 0;
}

/* In the order the message about an unknown key lists them. */
static const struct sysgate_key sysgate_keys[SYSGATE_N_KEYS] = {
	{"include", set_include, "a policy file, relative to this one"},
	{"mode", set_mode, "enforce or complain"},
	{"default", set_default, "allow, deny [ERRNO], kill or log"},
	{"log", set_log, POLICY_SINKS_TEXT},
	{"log_format", set_log_format, "text or json"},
	{"log_full", set_log_full, "block or drop"},
	{"ask_timeout", set_ask_timeout, "a number with ms, s or m, like 30s"},
	{"ask_default", set_default, "allow, deny [ERRNO], kill or log"},
	{"ask_unattached", set_ask_unattached, "wait or default"},
	{"abi", set_abi, "x86_64, i386 or x32, separated by commas, x86_64 among them"},
};

/* "unknown key 'mdoe' in [sysgate] (mode, default, ... or ask_default)" */
static int unknown_key(struct loader *ld, unsigned line, const char *key)
{
	char names[256];
	size_t len = 0;

	names[0] = '\0';
	for (size_t k = 0; k < ARRAY_SIZE(sysgate_keys) && len < sizeof(names); k++)
		len += (size_t)snprintf(names + len, sizeof(names) - len, "%s%s",
					k == 0				    ? ""
					: k + 1 == ARRAY_SIZE(sysgate_keys) ? " or "
									    : ", ",
					sysgate_keys[k].name);
	{
		const char *near = NULL;
		size_t best = 3;

		for (size_t k = 0; k < ARRAY_SIZE(sysgate_keys); k++) {
			size_t d = policy_edit_distance(key, sysgate_keys[k].name, best);

			if (d < best) {
				best = d;
				near = sysgate_keys[k].name;
			}
		}
		if (near)
			return ld_error(ld, line,
					"unknown key '%s' in [sysgate] (did you mean %s? the keys: "
					"%s)",
					key, near, names)
				       ?: -EINVAL;
	}
	return ld_error(ld, line, "unknown key '%s' in [sysgate] (%s)", key, names) ?: -EINVAL;
}

int ld_sysgate_key(struct loader *ld, unsigned line, const char *key, const char *value)
{
	size_t k;

	for (k = 0; k < ARRAY_SIZE(sysgate_keys); k++)
		if (streq(sysgate_keys[k].name, key))
			break;
	if (k == ARRAY_SIZE(sysgate_keys))
		return unknown_key(ld, line, key);
	/* include may be repeated: each names another file */
	if (ld->key_line[k] && sysgate_keys[k].set != set_include)
		return ld_error(ld, line, "duplicate key '%s' in [sysgate] (first set at line %u)",
				key, ld->key_line[k])
			       ?: -EINVAL;
	ld->key_line[k] = line;
	if (!*value)
		return ld_error(ld, line, "empty value for '%s'", key) ?: -EINVAL;
	return sysgate_keys[k].set(ld, line, &sysgate_keys[k], value);
}
