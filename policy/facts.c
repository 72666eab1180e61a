/* facts: the plain-policy-name rule and the always-allowed syscalls (facts.h). */
#include <string.h>

#include "policy/facts.h"

const char *const policy_always_allowed[] = {
	"exit", "exit_group", "rt_sigreturn", "sigreturn", NULL,
};

const char *policy_plain_name_why(const char *s, size_t n)
{
	static const char plain[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				    "0123456789_-.";

	if (n == 0)
		return "policy name is empty";
	/* memchr, not strchr: strchr finds the terminator, so a NUL in s
	 * would pass as plain. */
	for (size_t i = 0; i < n; i++)
		if (!s[i] || !memchr(plain, s[i], sizeof(plain) - 1))
			return "policy name is not a plain name ([A-Za-z0-9_.-])";
	if (n > POLICY_NAME_MAX || s[0] == '.')
		return "policy name is hidden (starts with '.') or longer than 64";
	return NULL;
}

bool policy_plain_name(const char *s, size_t n)
{
	return !policy_plain_name_why(s, n);
}
