/* sysgate serve: the verb. The daemon itself is the daemon room's. */
#include "supervisor/cli/cli.h"

const struct verb verb_serve = {
	.name = "serve",
	.synopsis = "--socket PATH [--policy-dir DIR] [-p DEFAULT.ini] [--log SINK]...",
	.summary = "Supervise containers and sandboxes started elsewhere: runc and crun\n"
		   "hand their listener fds to PATH (OCI listenerPath); listenerMetadata\n"
		   "policy=NAME picks DIR/NAME.ini. SIGHUP reloads policies. docs/serve.md",
	.options = NULL,
	.main = cmd_serve,
};
