#pragma once
/*
 * records: reading JSON record files (sysgate run --log-format json) back,
 * for sysgate learn and sysgate review. Trusted side, reading what the
 * target could influence (every string in a record came from it): keys are
 * taken by name, unknown keys ignored, a line that is not a record is
 * counted and skipped, never guessed at.
 */
#include <stdbool.h>

#include "policy/learn.h"

struct records_stats {
	unsigned long records; /* call records read */
	unsigned long skipped; /* lines that were not call records */
	unsigned long lost;    /* records the run said it lost */
	unsigned long launcher;
};

/*
 * Add every call record of file to l. launcher_exe: sysgate's executable
 * (the first record of a session, when it is an exec by it, is sysgate's
 * launcher exec'ing CMD, marked as such); NULL: any executable named
 * sysgate or sysgate-agent. refuse_enforced: an enforced
 * deny or kill of the recorded run is marked refused (learn: sysgate itself
 * kept it out; review wants exactly those). 0, or -errno from reading.
 */
int records_read(const char *file, struct learn *l, const char *launcher_exe, bool refuse_enforced,
		 struct records_stats *st);

/* The text of a file (at most 1 MiB, EFBIG; no NUL byte in it, EINVAL),
 * NUL-terminated, or NULL with errno. */
char *records_slurp(const char *file);
