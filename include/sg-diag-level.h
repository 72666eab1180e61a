#pragma once
/*
 * sg-diag-level: the levels of a message, shared by sysgate's own messages
 * (supervisor/log/diag.h) and a policy's diagnostics (policy/policy.h, which
 * uses the first two), so that the two headers can be included together.
 */
enum diag_level {
	DIAG_ERROR,   /* the step failed: "sysgate: cannot ...: why" */
	DIAG_WARNING, /* sysgate goes on, weaker than asked: "sysgate: warning: ..." */
	DIAG_NOTICE,  /* something the person should know: "sysgate: ..." */
	DIAG_INFO,    /* progress a person asked for (-v) */
	DIAG_DEBUG,   /* for developers (-vv, or SYSGATE_DEBUG=1) */
};
