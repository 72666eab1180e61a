/*
 * fuzz-control: the control-protocol parser (docs/control-protocol.md), as
 * on_client() feeds it: the bytes a client sends, split at newlines, each
 * line (without its newline, and not NUL-terminated) parsed as a request by
 * control_request_parse(), the function handle_line() calls. Any peer the socket
 * lets in can send these bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "supervisor/control/request.h"

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
		{
			struct control_request rq;
			const char *why = NULL;

			/* The parser handle_line() uses; rq.obj may be set on
			 * failure too, so it is always released. */
			(void)control_request_parse(line, len, &rq, &why);
			control_request_done(&rq);
		}
		free(line);
		if (!nl)
			break;
		p = nl + 1;
	}
	return 0;
}
