/*
 * fuzz-policy: the policy parser and, for policies that load, the compiler to
 * a filter. Input: policy text, as a file would hold it. A policy is what
 * sysgate run takes from whoever starts it, and serve from whoever writes its
 * policy directory; nothing in it may crash, leak or read out of bounds,
 * whatever its bytes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "policy/policy.h"

static void load_and_compile(struct policy *p)
{
	struct policy_filter f = {};

	if (policy_compile(p, &f) == 0)
		policy_filter_done(&f);
	policy_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy_diags diags = {};
	struct policy *p = NULL;
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (policy_load_string("fuzz.ini", text, &p, &diags) == 0)
		load_and_compile(p);
	policy_diags_free(&diags);
	free(text);

	/* A file may hold a NUL, which the string entry point cannot see: load
	 * such inputs through policy_load_file() too, from a memfd. */
	if (memchr(data, '\0', size)) {
		int fd = memfd_create("fuzz.ini", MFD_CLOEXEC);
		char path[64];

		if (fd < 0)
			return 0;
		if (write(fd, data, size) == (ssize_t)size) {
			snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
			diags = (struct policy_diags){};
			p = NULL;
			if (policy_load_file(path, &p, &diags) == 0)
				load_and_compile(p);
			policy_diags_free(&diags);
		}
		close(fd);
	}
	return 0;
}
