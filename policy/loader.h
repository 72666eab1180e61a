#pragma once
/*
 * loader: what the files of the policy loader share (policy/ only). parse.c
 * loads and checks a policy and owns the diagnostics; scan.c reads lines as
 * inih does and cross-checks inih; rules.c parses rules and their
 * conditions; keys.c the [sysgate] keys; sections.c section headers and
 * which section covers a syscall. Pure, as all of policy/.
 */
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "policy/policy.h"

/* inih r55: INI_MAX_LINE is 200 including the NUL, and the reader stops after
 * 199 bytes, leaving the newline of a 199-byte line to be read as a line of
 * its own. So 198 bytes (without the newline) is the longest safe line. */
#define MAX_LINE 198
/* inih r55 keeps section and key names in char[50], cut at 49. */
#define INIH_NAME 50
#define MAX_SECTION_NAME 48
#define MAX_FILE (1024 * 1024)

#define RACE_HINT                                                                                  \
	"a racing thread can change the path after the check (see THE RACE WARNING in "            \
	"sysgate-policy(5))"

#define POLICY_INCLUDE_DEPTH 8

enum event_type {
	EV_SECTION, /* [name] */
	EV_KV,	    /* name = value */
	EV_CONT,    /* an indented line inih reads as a continuation of prev_name */
};

struct event {
	enum event_type type;
	unsigned line;
	bool bad;      /* already refused by the scanner */
	char *section; /* the section in effect, as inih keeps it */
	char *name;    /* section name, or key */
	char *value;
};

struct handler_call {
	char *section, *name, *value;
};

/* The keys of [sysgate] (sysgate_keys, below). */
#define SYSGATE_N_KEYS 10

struct loader {
	struct policy *p;
	struct policy_diags d;

	size_t n_events;
	struct event *events;
	size_t n_calls;
	struct handler_call *calls;

	enum { CTX_NONE, CTX_SYSGATE, CTX_SECTION, CTX_BAD } ctx;
	size_t cur;			   /* CTX_SECTION: index in p->sections */
	struct section scratch;		   /* CTX_BAD: rules are checked, then dropped */
	unsigned key_line[SYSGATE_N_KEYS]; /* [sysgate] keys, by index in sysgate_keys */

	/* include = FILE: the file whose events are processed now (NULL: the
	 * policy's own; else an entry of p->files), the path its includes are
	 * relative to, and the files open above it (cycles are refused). */
	const char *cur_file;
	const char *cur_path;
	unsigned depth;
	struct {
		dev_t dev;
		ino_t ino;
	} open_files[POLICY_INCLUDE_DEPTH + 1];
};

/* parse.c */
int ld_error(struct loader *ld, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int ld_warning(struct loader *ld, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void ld_rule_done(struct rule *r);
void ld_section_done(struct section *s);
int ld_include_file(struct loader *ld, unsigned line, const char *name);

/* scan.c */
char *ld_rstrip(char *s);
char *ld_lskip(char *s);
bool ld_str_eq(const char *a, const char *b);
bool ld_ends_continued(const char *v);
int ld_scan(struct loader *ld, const char *text, size_t len, bool *ret_split);
int ld_cross_check(struct loader *ld, const char *text);

/* rules.c */
struct ld_decision {
	const char *name;
	enum decision_kind kind;
};
#define LD_N_DECISIONS 8
extern const struct ld_decision ld_decisions[LD_N_DECISIONS];
int ld_split_tokens(const char *value, char **ret_buf, char ***ret_toks, size_t *ret_n);
int ld_parse_errno_token(struct loader *ld, unsigned line, const char *tok, int *ret);
bool ld_rule_has_path(const struct rule *r);
bool ld_rule_is_any(const struct rule *r);
bool ld_rule_shadows(const struct rule *a, const struct rule *b);
bool ld_rule_abi_possible(const struct rule *r);
bool ld_section_names_paths(const struct section *s);
int ld_section_key(struct loader *ld, struct section *s, unsigned line, const char *key,
		   const char *value);

/* keys.c */
int ld_sysgate_key(struct loader *ld, unsigned line, const char *key, const char *value);

/* sections.c */
int ld_section_add_syscall(struct section *s, const char *name, unsigned char spec);
int ld_append_section(struct policy *p, struct section *s);
int ld_begin_section(struct loader *ld, const struct event *e);
/* After every section is read: a syscall two sections still both name
 * (equally specifically) is an error at the later one. */
int ld_check_overlaps(struct loader *ld);
