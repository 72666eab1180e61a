#pragma once
/*
 * diag: sysgate's own messages to the person running it ("sysgate: cannot
 * create the signalfd: Too many open files"), with levels. Not the records
 * of decisions: those go through log.h to their sinks.
 *
 * Only the edges call this (the verbs, the daemon, the prompt client, and
 * the log's writer threads about their own sinks). The core, the target
 * reader, emulation, asks and the policy return -errno and leave the words
 * to their caller, which knows which step failed.
 *
 * One line per message, written with one write(2) so that lines from
 * several threads never interleave. Thread-safe; no lock is held while
 * writing.
 */
#include <stdbool.h>

#include "sg-diag-level.h" /* enum diag_level: DIAG_ERROR ... DIAG_DEBUG */

/* Who speaks ("sysgate", "sysgate serve", "sysgate prompt") and the most
 * verbose level printed (DIAG_NOTICE unless set). SYSGATE_DEBUG=1 in the
 * environment raises it to DIAG_DEBUG. Call once, early, before threads. */
void diag_setup(const char *who, enum diag_level max);

/* Once the supervised command runs, it may share sysgate's stderr (a pipe
 * that it stops reading, a terminal it stops with ^S). From then on a
 * message that cannot be written within 100 ms is dropped and counted
 * instead of stalling the thread that had something to say; diag_dropped()
 * says how many, and run prints that count when it ends. */
void diag_set_nonblocking(bool on);
unsigned long diag_dropped(void);

/* Print one message at lvl: "WHO: [warning: ]TEXT\n". */
void diag(enum diag_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The same, with ": strerror(|err|)" appended; returns -|err| so that an
 * edge can write `return diag_errno(DIAG_ERROR, r, "cannot open %s", p);`. */
int diag_errno(enum diag_level lvl, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
