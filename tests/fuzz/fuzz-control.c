/*
 * fuzz-control: the control-protocol parser (docs/control-protocol.md), as
 * on_client() feeds it: the bytes a client sends, split at newlines, each
 * line (without its newline, and not NUL-terminated) parsed as a request and,
 * for "answer", into the answer sysgate would act on. Any peer the socket
 * lets in can send these bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int control_fuzz_request(const char *line, size_t len); /* supervisor/control.c */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;

	while (p < end) {
		const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = (size_t)((nl ? nl : end) - p);
		/* An exact copy, so that a read past the line is caught. */
		char *line = malloc(len ? len : 1);

		if (!line)
			return 0;
		memcpy(line, p, len);
		(void)control_fuzz_request(line, len);
		free(line);
		if (!nl)
			break;
		p = nl + 1;
	}
	return 0;
}
