#pragma once
/*
 * cache: the daemon's loaded policies, by name, shared by the sessions that
 * use them; SIGHUP reloads them. Trusted side: names come from runtimes and
 * are checked (facts.h) before they reach a file name.
 *
 * Threads: the cache, its list and every pol's refs and next belong to the
 * daemon's main thread (the event loop: handover, SIGHUP, session ends); no
 * lock, none is needed. A session's thread only reads pol->p, which never
 * changes after loading; the main thread drops a session's reference only
 * after that thread has ended (or leaks both together).
 */
#include "policy/policy.h"

/* A loaded policy. SIGHUP replaces the cache's entry; sessions keep the
 * version they started with. */
struct pol {
	char *name; /* "" for the default */
	struct policy *p;
	struct policy_filter filter;
	unsigned refs;
	struct pol *next;
};

struct pol_cache {
	const char *policy_dir;	  /* borrowed; NULL: only the default */
	const char *default_file; /* borrowed; NULL: the built-in policy */
	struct pol *pols;	  /* current versions, by name */
	struct pol *deny_all;	  /* for what cannot be understood: fail closed */
};

/* Load the default policy and deny-all: a bad default stops the daemon
 * before it serves anything. 0, or -errno with the reason said. */
int cache_open(struct pol_cache *c, const char *policy_dir, const char *default_file);
void cache_close(struct pol_cache *c);

/* A new reference to NAME's policy ("" for the default), loaded from
 * DIR/NAME.ini on first use. NAME must be plain (policy_plain_name). NULL
 * with *why on failure. */
struct pol *cache_get(struct pol_cache *c, const char *name, const char **why);
/* A new reference to the deny-everything policy. */
struct pol *cache_deny_all(struct pol_cache *c);
/* SIGHUP: reload every cached policy; a bad new version leaves the old. */
void cache_reload(struct pol_cache *c);

void pol_unref(struct pol *p); /* NULL-safe */
