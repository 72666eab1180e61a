/* sysgate prompt: the verb. Its arguments are read here; finding the socket
 * and the client itself are the prompt room's (prompt.h). */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "sg-util.h"
#include "supervisor/cli/cli.h"
#include "supervisor/prompt/prompt.h"

static int prompt_main(int argc, char **argv)
{
	const char *arg = NULL;

	if (cli_wants_help(argc, argv)) {
		cli_verb_usage(stdout, &verb_prompt, true);
		return 0;
	}
	for (int i = 1; i < argc; i++) {
		if (streq(argv[i], "--") && i + 1 < argc && !arg) {
			arg = argv[++i];
			continue;
		}
		if ((argv[i][0] == '-' && argv[i][1]) || arg) {
			cli_verb_usage(stderr, &verb_prompt, false);
			return 2;
		}
		arg = argv[i];
	}
	return prompt_attach(arg);
}

const struct verb verb_prompt = {
	.name = "prompt",
	.synopsis = "[PID | SOCKET-PATH]",
	.summary = "Attach to a running sysgate run and answer the calls its policy's\n"
		   "ask rules hold for a person (no argument: this user's only one).",
	.options = "  (none)         the one sysgate of this user\n"
		   "  PID            the sysgate with this pid\n"
		   "  SOCKET-PATH    a control socket (an argument with a '/')\n"
		   "  -h, --help     this help\n"
		   "\n"
		   "Sockets live in /run/sysgate/ for root, else $XDG_RUNTIME_DIR/sysgate/\n"
		   "(when XDG_RUNTIME_DIR is an absolute path), else /tmp/sysgate-UID/.\n"
		   "Type ? once attached for the answer grammar.\n"
		   "Exit status: 0 when done (q, end of input, sysgate exited); 1 when no\n"
		   "sysgate could be reached; 2 on bad usage or when several are running.\n",
	.main = prompt_main,
};
