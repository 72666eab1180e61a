#pragma once
/*
 * emulate/creds.h: the target's credentials as emulation reads them. Internal
 * to the emulate room (emulate.h has the contract of enter and leave).
 */
#include "supervisor/emulate/emulate.h"

/*
 * Read the credentials of the task whose /proc/TID is procfd into c: fsuid,
 * fsgid, groups (malloc'd into c->groups: the caller frees them), umask, and
 * its effective capabilities, kept only when it lives in sysgate's user
 * namespace (elsewhere they are not ours to lend); and, from the same read,
 * its tgid, ppid, real and effective uid for the call's record (who_ok). 0 or -errno: -ESRCH if it
 * is gone, -EPERM if it is in more groups than can be taken on.
 */
int emulate_creds_load(int procfd, struct emulate_creds *c);
/*
 * Pure: the same from the text of a /proc/PID/status file (changed in
 * place), capabilities as they are. 0; -EIO when a line is missing or bad;
 * -EPERM over EMULATE_MAX_GROUPS groups; -ENOMEM.
 */
int emulate_creds_parse(char *status, struct emulate_creds *c);
