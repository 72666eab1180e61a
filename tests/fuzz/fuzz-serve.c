/*
 * fuzz-serve: the message a container runtime (runc, crun) or sysgate-agent
 * sends sysgate serve with a seccomp listener: the OCI state JSON with
 * "fds", "pid", "metadata" (listenerMetadata) and "state", or the agent's
 * {"op":"filter"} request. What it relays comes from whoever wrote the
 * container's config, so any bytes may arrive.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "supervisor/daemon/handover.h" /* serve_fuzz_message */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact copy, so that a read past the message is caught. */
	char *buf = malloc(size ? size : 1);

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	(void)serve_fuzz_message(buf, size);
	free(buf);
	return 0;
}
