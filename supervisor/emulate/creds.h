#pragma once
/*
 * emulate/creds.h: what emulate.c asks of creds.c beyond emulate.h. Internal
 * to the emulate room.
 */
#include <stdbool.h>
#include <sys/stat.h>

#include "supervisor/emulate/emulate.h"

int read_creds(int procfd, struct emulate_creds *c);
bool same_userns(int procfd);
int our_root(struct stat *ret);
