/*
 * fuzz-export: the base profile `sysgate export --base` merges a policy
 * into (Docker's, Podman's or anyone's JSON), and the container profile
 * `sysgate serve` counts at handover (a bundle's linux.seccomp). Both come
 * from files a user was handed, so any JSON may arrive. The first byte
 * picks the runtime and --widen; the rest is the JSON. The filter is not
 * built (libseccomp itself is not what is fuzzed here).
 */
#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy/export.h"

static struct policy *policy;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_tokener *tok;
	struct json_object *base;
	struct export_result r;
	size_t n;
	bool all;

	if (!policy &&
	    policy_load_string("f.ini",
			       "[sysgate]\ndefault = deny EACCES\n[mkdir]\ndeny = path ~ /etc/**\n"
			       "allow = *\n[socket]\ndeny = domain == AF_NETLINK\nallow = *\n"
			       "[personality]\nallow = persona == 0\n",
			       &policy, NULL) < 0)
		abort();
	if (size < 1)
		return 0;
	tok = json_tokener_new();
	if (!tok)
		return 0;
	base = json_tokener_parse_ex(tok, (const char *)data + 1, (int)(size - 1));
	json_tokener_free(tok);
	if (!base)
		return 0;
	{
		struct export_opts o = {
			.runtime = (enum export_runtime)(data[0] % 4),
			.listener_path = data[0] & 4 ? "/run/sg.sock" : NULL,
			.metadata = "policy=f",
			.base = base,
			.widen = data[0] & 8,
			.kernel_major = 6,
			.kernel_minor = 1,
			.no_bpf = true,
		};

		if (policy_export(policy, &o, &r) == 0)
			policy_export_done(&r);
	}
	(void)policy_export_count_notified(base, &n, &all);
	json_object_put(base);
	return 0;
}
