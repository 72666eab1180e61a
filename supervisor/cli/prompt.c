/* sysgate prompt: the verb. The client itself is the prompt room's. */
#include "supervisor/cli/cli.h"
#include "supervisor/prompt/prompt.h"

const struct verb verb_prompt = {
	.name = "prompt",
	.synopsis = "[PID | SOCKET-PATH]",
	.summary = "Attach to a running sysgate run and answer the calls its policy's\n"
		   "ask rules hold for a person (no argument: this user's only one).",
	.options = NULL,
	.main = cmd_prompt,
};
