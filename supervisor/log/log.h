#pragma once
/*
 * log: one record per decision, formatted at the sink. The supervisor fills a
 * struct log_record for every call that ends in deny, kill or log (and, in
 * complain mode, for what would have been denied or killed); every sink and the
 * --summary table consume that same record.
 *
 * Strings the target controls (exe, paths, raw string arguments) are escaped
 * before they reach any sink: no raw newline, control character or terminal
 * escape is ever written.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

#include "policy/policy.h"

enum log_format {
	LOG_TEXT,
	LOG_JSON,
};

struct log_record {
	struct timespec time;  /* CLOCK_REALTIME when the call was decided */
	const char *container; /* sysgate serve: the container id; NULL otherwise */
	const char *pod;       /* its Kubernetes pod name, where the runtime gave one */
	pid_t pid;	       /* the calling thread, as the notification names it */
	/* Who that is (JSON only; 0 and -1 when /proc could not say): its
	 * process, parent, real and effective uid (sysgate's pid numbering). */
	pid_t tgid, ppid;
	long long uid, euid;
	/* The process's command line, the first time a record names it in
	 * this session (NULL-terminated; NULL otherwise), and the session's id
	 * (random, per run or per serve sandbox). */
	char *const *cmdline;
	char session[17];
	const char *exe;     /* the target's executable; NULL if unknown */
	uint32_t arch;	     /* AUDIT_ARCH_X86_64, AUDIT_ARCH_I386, ... */
	bool x32;	     /* an x32 call (nr had __X32_SYSCALL_BIT) */
	int nr;		     /* syscall number in that ABI (without the x32 bit) */
	const char *syscall; /* libseccomp name; NULL if unknown (printed syscall_NR) */
	/* argument layout where the argument table (policy/argfmt.h) has no
	 * entry; NULL: the count table, else 6 hex args */
	const struct syscall_shape *shape;
	uint64_t args[6];
	/* Raw strings read from the target for 's' arguments, by argument index;
	 * NULL where not read (then the pointer is printed in hex). */
	const char *strs[6];
	/*
	 * The sockaddr of connect, bind or sendto, copied from the target once,
	 * before the decision (core/gather.c). For the record and the prompt
	 * only: no rule consults it, and the kernel reads the target's memory
	 * again when the call goes on, so it is what the call pointed at when
	 * sysgate looked, shown as a copy. read false: not copied (the record
	 * shows the pointer).
	 */
	struct log_addr {
		bool read;		  /* a copy was attempted ... */
		uint8_t arg;		  /* ... of this argument */
		int err;		  /* and failed (EFAULT, ESRCH): the record says so */
		uint16_t len;		  /* bytes copied (addrlen, capped) */
		unsigned char bytes[128]; /* POLICY_SOCKADDR_MAX */
	} addr;
	const char *path; /* the resolved absolute path the policy saw; NULL if none */
	enum decision_kind decision;
	int err;	    /* errno returned to the target (DENY), else 0 */
	const char *rule;   /* "FILE:LINE", "default" or "implicit:io_uring" */
	bool enforced;	    /* false in complain mode: the call was let through */
	const char *ask_by; /* an ask, decided by: "answer", "remembered", "timeout",
			     * "no-prompt", "complain", "gone"; NULL if not an ask.
			     * decision is then the final one (allow, deny, kill). */
	bool emulated;	    /* sysgate carried the call out itself ... */
	int64_t result;	    /* ... and this is what the target got: >= 0, or -errno */
	const char *via;    /* the multiplexer that carried syscall, e.g.
			     * "socketcall(SYS_CONNECT)"; NULL if none */
	const char *why;    /* why sysgate decided otherwise than the rule said
			     * (memory it cannot trust, a syscall newer than
			     * libseccomp), or why there is no path beyond the
			     * errno; NULL if neither */
};

struct logger;

/* What a sink does when its queue is full (the policy's log_full). */
enum log_full {
	LOG_FULL_BLOCK, /* the deciding thread waits for room: nothing is lost */
	LOG_FULL_DROP,	/* the record is dropped, counted, and the count written
			 * to the sink as soon as it moves again, and at exit */
};

/*
 * Open the sinks: each is "stderr", "syslog", "audit" (user records over
 * NETLINK_AUDIT; where audit, or syslog, cannot deliver that is said once on
 * stderr and its records go to stderr instead), or a file path (opened O_APPEND, created 0600 if
 * missing). 0, or -errno with *ret_bad naming the sink that
 * failed. summary: count records for log_summary_print().
 *
 * Each sink gets a bounded queue and a writer thread of its own (started
 * here, with every signal blocked), so a stalled sink never stalls a
 * decision while its queue has room. Sinks block when full, except stderr
 * and any sink that is a terminal: the supervised command may share those
 * and stall them at will, so they always drop. The thread that calls
 * log_open (the event loop's) never waits in log_emit: past a full queue its
 * records take a small slack, then are dropped and counted.
 */
int log_open(struct logger **ret, const char *const *sinks, size_t n_sinks, enum log_format fmt,
	     bool summary, const char **ret_bad);
/* The mode of every sink that may block (not stderr, not a terminal). Call
 * it before the first log_emit. */
void log_set_full(struct logger *l, enum log_full mode);
/*
 * Queue one record on every sink, in call order within each sink. It is
 * queued (not yet written) when this returns. In block mode a full queue
 * makes it wait; a signal to the waiting thread (session_stop's SIG_WAKE)
 * or log_close ends the wait, and the record is then counted as dropped.
 */
void log_emit(struct logger *l, const struct log_record *r);
/*
 * sysgate serve: a sandbox was handed over (log/event.c). One record on
 * every sink, naming the container, the policy and how many syscalls its
 * profile notifies (why: the policy was refused and the sandbox is served
 * deny-all; then no count).
 */
struct log_handover {
	const char *container, *pod, *policy, *why;
	size_t notified;       /* what the policy's exported profile notifies */
	long profile_notified; /* what the container's own profile does; -1: unknown */
	bool profile_all;      /* ... and its default is NOTIFY */
};
void log_emit_handover(struct logger *l, const struct log_handover *h);
/* The --summary table (like strace -c): one row per syscall and decision.
 * out == stderr goes through stderr's queue, after the records queued there,
 * so a stopped terminal cannot hold the exit. */
void log_summary_print(struct logger *l, FILE *out);
/* Wait up to timeout_ms for every queue to be written: 0, or -ETIMEDOUT. */
int log_flush(struct logger *l, int timeout_ms);
/*
 * NULL-safe. Gives the writers 2 s in all to write what is queued, then says
 * on the sinks that moved how many records each stuck sink lost, and
 * returns (after at most 0.5 s more): a writer stuck in write(2) is
 * abandoned, never joined.
 */
void log_close(struct logger *l);
/* Records the sinks failed to take (EPIPE, ENOSPC, ...), summed over sinks,
 * after a bounded log_flush. The first failure of each sink is reported once
 * on stderr; the rest only counted. */
unsigned long log_write_errors(struct logger *l);
/* Records dropped (full queue in drop mode, interrupted or late), summed. */
uint64_t log_dropped(struct logger *l);

/*
 * Formatting, exposed for tests and for the prompt client. Each writes a
 * NUL-terminated line without the trailing newline into buf and returns its
 * length, or -ENOBUFS (with buf still terminated) when it did not fit.
 */
int log_format_text(const struct log_record *r, char *buf, size_t size);
int log_format_json(const struct log_record *r, char *buf, size_t size);
/* The call as strace prints it: mkdirat(AT_FDCWD, "/etc/x", 0755) */
int log_format_call(const struct log_record *r, char *buf, size_t size);
/* Escape a target-controlled string as a C string body (no quotes added):
 * \n \t \" \\ and \xNN for every other byte outside printable ASCII. */
int log_escape(const char *s, char *buf, size_t size);
/* A malloc'd copy of a target-controlled string that is valid UTF-8: bytes
 * outside valid sequences (and DEL and C1 controls) become the text \xNN.
 * For JSON, which escapes the C0 controls itself. NULL on ENOMEM. */
char *log_utf8_sanitize(const char *s);
