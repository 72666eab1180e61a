#pragma once
/*
 * daemon: the side of `sysgate serve` that runc, crun and sysgate-agent hand
 * listeners to: one daemon, many sandboxes, a session each. The verb
 * (cli/serve.c) parses the command line; everything after is here.
 */
#include <stdbool.h>
#include <stddef.h>

#include "supervisor/log/log.h"

#define SERVE_MAX_SINKS 8

struct serve_opts {
	const char *socket_path;	    /* required */
	const char *policy_dir;		    /* NULL: only the default is served */
	const char *default_file;	    /* NULL: the built-in policy */
	const char *sinks[SERVE_MAX_SINKS]; /* n_sinks 0: stderr */
	size_t n_sinks;
	enum log_format format;
	bool set_full; /* full was given (--log-full) */
	enum log_full full;
};

/* Serve until SIGTERM or SIGINT. 0 after a clean stop, -errno when the daemon
 * could not start or its loop broke (the reason said through diag). */
int serve_main(const struct serve_opts *o);
