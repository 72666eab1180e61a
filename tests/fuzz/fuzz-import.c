/*
 * fuzz-import: sysgate import's translator. Input: a seccomp profile as a
 * file would hold it (JSON), which is someone else's text. Nothing in it may
 * crash, leak or read out of bounds, and whatever policy text it yields must
 * load in the policy loader without a single error: a profile must never be
 * able to write a policy line of its own (a comment that ends, a section
 * header, a key) nor one that sysgate refuses.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "policy/import.h"
#include "policy/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const caps[] = {"CAP_SYS_ADMIN", "CAP_CHOWN", NULL};
	struct import_options o = {.caps = import_docker_caps,
				   .n_caps = 14,
				   .kernel_major = 6,
				   .kernel_minor = 1,
				   .allow_i386 = true};
	struct import_result r = {};
	struct json_tokener *tok;
	struct json_object *j;

	if (size > 1 << 20)
		return 0;
	(void)policy_import_check_numbers((const char *)data, size, &r);
	import_result_free(&r);
	if (size && (data[size - 1] & 1)) {
		o.podman = true;
		o.caps = caps;
		o.n_caps = 2;
	}
	tok = json_tokener_new();
	if (!tok)
		return 0;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	j = json_tokener_parse_ex(tok, (const char *)data, (int)size);
	json_tokener_free(tok);
	if (!j)
		return 0;
	if (policy_import(j, &o, &r) == 0) {
		struct policy_diags d = {};
		struct policy *p = NULL;

		if (policy_load_string("imported.ini", r.policy, &p, &d) != 0 || d.n_errors)
			abort();
		policy_free(p);
		policy_diags_free(&d);
	}
	import_result_free(&r);
	json_object_put(j);
	return 0;
}
