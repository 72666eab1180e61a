/* sysgate serve: the verb (its options). The daemon itself is the daemon room's. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "sg-util.h"
#include "supervisor/cli/cli.h"
#include "supervisor/daemon/serve.h"
#include "supervisor/log/diag.h"

static int serve_verb_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"socket", required_argument, NULL, 'S'},
		{"policy-dir", required_argument, NULL, 'D'},
		{"policy", required_argument, NULL, 'p'},
		{"log", required_argument, NULL, 'l'},
		{"log-format", required_argument, NULL, 'f'},
		{"log-full", required_argument, NULL, 'F'},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	struct serve_opts o = {.format = LOG_TEXT};
	const char *format = "text", *full = NULL;
	int c;

	diag_setup("sysgate serve", DIAG_NOTICE);
	optind = 1;
	while ((c = getopt_long(argc, argv, "+S:D:p:l:f:F:h", opts, NULL)) != -1) {
		switch (c) {
		case 'S':
			o.socket_path = optarg;
			break;
		case 'D':
			o.policy_dir = optarg;
			break;
		case 'p':
			o.default_file = optarg;
			break;
		case 'l':
			if (o.n_sinks < SERVE_MAX_SINKS)
				o.sinks[o.n_sinks++] = optarg;
			break;
		case 'f':
			format = optarg;
			break;
		case 'F':
			full = optarg;
			break;
		case 'h':
			cli_verb_usage(stdout, &verb_serve, true);
			return 0;
		default:
			cli_verb_usage(stderr, &verb_serve, false);
			return EXIT_SYSGATE_FAILED;
		}
	}
	if (!o.socket_path || optind != argc ||
	    (!streq(format, "text") && !streq(format, "json")) ||
	    (full && !streq(full, "block") && !streq(full, "drop"))) {
		cli_verb_usage(stderr, &verb_serve, false);
		return EXIT_SYSGATE_FAILED;
	}
	o.format = streq(format, "json") ? LOG_JSON : LOG_TEXT;
	if (full) {
		o.set_full = true;
		o.full = streq(full, "drop") ? LOG_FULL_DROP : LOG_FULL_BLOCK;
	}
	return serve_main(&o) < 0 ? EXIT_SYSGATE_FAILED : 0;
}

const struct verb verb_serve = {
	.name = "serve",
	.synopsis = "--socket PATH [--policy-dir DIR] [-p DEFAULT.ini] [--log SINK]... [OPTIONS]",
	.summary = "Supervise containers and sandboxes started elsewhere: runc and crun\n"
		   "hand their listener fds to PATH (OCI listenerPath); listenerMetadata\n"
		   "policy=NAME picks DIR/NAME.ini. SIGHUP reloads policies. docs/serve.md",
	.options = "  -S, --socket PATH        listen on PATH (owner-only) for runtimes and\n"
		   "                           sysgate-agent\n"
		   "  -D, --policy-dir DIR     where policy=NAME finds NAME.ini\n"
		   "  -p, --policy FILE        the default policy (default: the built-in one)\n"
		   "  -l, --log SINK           stderr, syslog, audit or a file; repeatable\n"
		   "                           (default: stderr)\n"
		   "  -f, --log-format FMT     text or json (default: text)\n"
		   "  -F, --log-full MODE      when a sink's queue is full: block (wait; the\n"
		   "                           default) or drop (count what is dropped)\n"
		   "  -h, --help               this text\n",
	.main = serve_verb_main,
};
