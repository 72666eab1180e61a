/* sysgate: the command line. One file per verb; this one dispatches. */
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>

#include "agent/agent.h"
#include "policy/policy.h"
#include "sg-util.h"
#include "supervisor/cli/cli.h"
#include "supervisor/prompt/prompt.h"

static void usage(FILE *out)
{
	fprintf(out,
		"sysgate %s: a seccomp user-notification supervisor\n"
		"\n"
		"usage:\n"
		"  sysgate run [-p POLICY] [--mode enforce|complain] [--log SINK]...\n"
		"              [--log-format text|json] [--summary] [--prompt] -- CMD [ARGS...]\n"
		"      Run CMD under a seccomp filter built from POLICY (the built-in\n"
		"      default policy without -p) and supervise its whole process tree.\n"
		"      Exits with CMD's status; 128+N if CMD died of signal N; 125 if\n"
		"      sysgate failed (bad usage, bad policy, no filter); 126 if CMD is\n"
		"      not executable; 127 if CMD was not found.\n"
		"      --mode       enforce (default) or complain: log what enforce would\n"
		"                   deny or kill, and let it run. Overrides the policy.\n"
		"      --log SINK   stderr (default), syslog, or a file (appended); may be\n"
		"                   repeated. Overrides the policy's log = ...\n"
		"      --log-format text (strace-like lines) or json (one object per line)\n"
		"      --summary    print a table of decisions per syscall at exit\n"
		"      --prompt     answer the policy's ask rules in this terminal (stdin\n"
		"                   must be one); otherwise use sysgate prompt elsewhere\n"
		"  sysgate check POLICY...\n"
		"      Validate policies; print errors and warnings as FILE:LINE: message.\n"
		"      Exit 0 when clean, 1 otherwise.\n"
		"  sysgate prompt [PID | SOCKET-PATH]\n"
		"      Attach to a running sysgate run and answer the calls its policy's\n"
		"      ask rules hold for a person (no argument: this user's only one).\n"
		"  sysgate serve --socket PATH [--policy-dir DIR] [-p DEFAULT.ini] [--log "
		"SINK]...\n"
		"      Supervise containers and sandboxes started elsewhere: runc and crun\n"
		"      hand their listener fds to PATH (OCI listenerPath); listenerMetadata\n"
		"      policy=NAME picks DIR/NAME.ini. SIGHUP reloads policies. docs/serve.md\n"
		"  sysgate oci-profile POLICY|--builtin --socket PATH [--metadata STR]\n"
		"      Print the OCI linux.seccomp object (config.json) that sends POLICY's\n"
		"      syscalls to the sysgate serve on PATH; listenerMetadata is\n"
		"      policy=NAME for POLICY's file NAME.ini unless --metadata is given.\n"
		"      Exit 0; 1 if POLICY is bad.\n"
		"  sysgate default-policy\n"
		"      Print the built-in policy used when run is given no -p.\n"
		"  sysgate --help | --version\n"
		"\n"
		"The policy language: docs/sysgate-policy.5.md (man-style reference).\n",
		SYSGATE_VERSION);
}

int main(int argc, char **argv)
{
	/*
	 * Before anything opens an fd: with 0, 1 or 2 closed at start, the
	 * first socket, signalfd or seccomp listener would take its number and
	 * every record meant for stderr would be written into it. /dev/null
	 * takes the place; if even that fails, nothing can be trusted to go
	 * where it should, so stop (silently: stderr may be the hole).
	 */
	if (agent_reserve_stdio() < 0)
		return EXIT_SYSGATE_FAILED;
	/*
	 * Non-dumpable, for every verb: then a process of the same uid without
	 * CAP_SYS_PTRACE (a supervised command, say) cannot ptrace us, read or
	 * write our memory, copy our fds with pidfd_getfd (our seccomp listener
	 * among them) or open our /proc/PID/fd, mem or environ. Root with
	 * CAP_SYS_PTRACE still can: see the README, "what cannot be contained".
	 */
	if (prctl(PR_SET_DUMPABLE, 0) < 0) {
		fprintf(stderr, "sysgate: cannot make itself non-dumpable: %m\n");
		return EXIT_SYSGATE_FAILED;
	}
	if (argc < 2) {
		usage(stderr);
		return EXIT_SYSGATE_FAILED;
	}
	if (streq(argv[1], "--help") || streq(argv[1], "-h") || streq(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (streq(argv[1], "--version") || streq(argv[1], "-V")) {
		printf("sysgate %s\n", SYSGATE_VERSION);
		return 0;
	}
	if (streq(argv[1], "run"))
		return cmd_run(argc - 1, argv + 1);
	if (streq(argv[1], "check"))
		return cmd_check(argc - 1, argv + 1);
	if (streq(argv[1], "serve"))
		return cmd_serve(argc - 1, argv + 1);
	if (streq(argv[1], "oci-profile"))
		return cmd_oci_profile(argc - 1, argv + 1);
	if (streq(argv[1], "prompt"))
		return cmd_prompt(argc - 1, argv + 1);
	if (streq(argv[1], "default-policy")) {
		fputs(policy_default_text, stdout);
		return 0;
	}
	fprintf(stderr, "sysgate: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return EXIT_SYSGATE_FAILED;
}
