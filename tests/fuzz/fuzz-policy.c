/*
 * fuzz-policy: the policy parser and, for policies that load, the compiler to
 * a filter and the matcher. Input: policy text, as a file would hold it. A
 * policy is what sysgate run takes from whoever starts it, and serve from
 * whoever writes its policy directory; nothing in it may crash, leak or read
 * out of bounds, whatever its bytes.
 *
 * The matcher also sees what the target controls: each syscall of each
 * section is decided for a call whose path (and exe) is the last comment line
 * of the input that starts with "#/", and whose arguments are the input's
 * first 48 bytes. A path must never make a glob match run away (-timeout).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "policy/policy.h"

static void decide_all(const struct policy *p, const uint8_t *data, size_t size, const char *path)
{
	struct call c = {.path = path, .exe = path, .path_err = ENOENT};

	memcpy(c.args, data, size < sizeof(c.args) ? size : sizeof(c.args));
	c.abi32 = size && (data[0] & 1);
	for (size_t i = 0; i < p->n_sections; i++)
		for (size_t j = 0; j < p->sections[i].n_syscalls; j++) {
			c.syscall = p->sections[i].syscalls[j];
			(void)policy_decide(p, &p->sections[i], &c);
		}
	c.syscall = "getpid";
	(void)policy_decide(p, NULL, &c);
}

static void load_and_compile(struct policy *p, const uint8_t *data, size_t size, const char *path)
{
	struct policy_filter f = {};

	if (policy_compile(p, &f) == 0)
		policy_filter_done(&f);
	decide_all(p, data, size, path);
	policy_free(p);
}

/* The last line starting with "#/", without the '#', in a fresh string. */
static char *call_path(const char *text)
{
	const char *best = NULL;

	for (const char *p = text; p; p = strchr(p, '\n')) {
		if (*p == '\n')
			p++;
		if (p[0] == '#' && p[1] == '/')
			best = p + 1;
	}
	return best ? strndup(best, strcspn(best, "\r\n")) : strdup("/tmp/fuzz/a");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy_diags diags = {};
	struct policy *p = NULL;
	char *text = malloc(size + 1), *path;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	path = call_path(text);
	if (!path) {
		free(text);
		return 0;
	}
	if (policy_load_string("fuzz.ini", text, &p, &diags) == 0)
		load_and_compile(p, data, size, path);
	policy_diags_free(&diags);
	free(text);

	/* A file may hold a NUL, which the string entry point cannot see: load
	 * such inputs through policy_load_file() too, from a memfd. */
	if (memchr(data, '\0', size)) {
		int fd = memfd_create("fuzz.ini", MFD_CLOEXEC);
		char fdpath[64];

		if (fd < 0) {
			free(path);
			return 0;
		}
		if (write(fd, data, size) == (ssize_t)size) {
			snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
			diags = (struct policy_diags){};
			p = NULL;
			if (policy_load_file(fdpath, &p, &diags) == 0)
				load_and_compile(p, data, size, path);
			policy_diags_free(&diags);
		}
		close(fd);
	}
	free(path);
	return 0;
}
