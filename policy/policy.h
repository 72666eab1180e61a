#pragma once
/*
 * policy: the sysgate policy language. Pure: no /proc, no seccomp calls, no
 * printing. Everything here can be unit-tested without a kernel.
 *
 * A policy is an INI file (parsed with inih). [sysgate] holds the settings; every
 * other section names a syscall or a family of syscalls and lists rules
 * "DECISION = [ERRNO] CONDITION [and CONDITION]...", tried top to bottom, first
 * match wins. The reference is docs/sysgate-policy.5.md.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sg-diag-level.h"

enum policy_mode {
	POLICY_ENFORCE,
	POLICY_COMPLAIN,
};

enum decision_kind {
	DECISION_ALLOW,	  /* "continue": the kernel carries the call out */
	DECISION_DENY,	  /* fail with an errno */
	DECISION_KILL,	  /* kill the whole process */
	DECISION_LOG,	  /* allow, and log it */
	DECISION_EMULATE, /* the supervisor carries the call out itself, from the
			   * copy of the arguments it checked (mkdir, chmod families) */
	DECISION_ASK,	  /* a person decides, through `sysgate prompt` */
};

enum cond_kind {
	COND_ANY,	   /* "*" */
	COND_PATH_MATCH,   /* path ~ GLOB */
	COND_PATH_NOMATCH, /* path !~ GLOB */
	COND_MODE_ANY,	   /* mode & OCTAL: any of those bits set */
	COND_ARG,	   /* argN OP VALUE */
	COND_EXE_MATCH,	   /* exe ~ GLOB */
	COND_EXE_NOMATCH,  /* exe !~ GLOB */
	COND_NAME_MATCH,   /* name ~ GLOB: the xattr name ('n'), read from memory */
	COND_NAME_NOMATCH, /* name !~ GLOB */
	COND_ABI_EQ,	   /* abi == NAME: value is an enum policy_abi */
	COND_ABI_NE,	   /* abi != NAME */
};

/* The ABI a call came through, from the notification's arch (and, for x32,
 * the X32 bit of nr): what sg_abi_name() names. */
enum policy_abi {
	POLICY_ABI_X86_64,
	POLICY_ABI_I386,
	POLICY_ABI_X32,
	POLICY_ABI_COUNT,
};
/* "x86_64", "i386", "x32" (as sg_abi_name() and records spell them). */
const char *policy_abi_name(enum policy_abi abi);
/* By that name: 0 and *ret, or -EINVAL. */
int policy_abi_parse(const char *name, enum policy_abi *ret);
#define POLICY_ABIS_ALL ((1u << POLICY_ABI_COUNT) - 1)

enum arg_op {
	ARG_EQ,	 /* == */
	ARG_NE,	 /* != */
	ARG_LT,	 /* <  (unsigned 64-bit, as seccomp compares) */
	ARG_LE,	 /* <= */
	ARG_GT,	 /* >  */
	ARG_GE,	 /* >= */
	ARG_AND, /* &: any of VALUE's bits set */
	/* named arguments only: */
	ARG_NONE_OF,   /* !&: none of VALUE's bits set */
	ARG_MASKED_EQ, /* & MASK == VALUE (SCMP_CMP_MASKED_EQ; all bits: & B == B) */
	ARG_MASKED_NE, /* & MASK != VALUE */
};

struct cond {
	enum cond_kind kind;
	unsigned arg;	/* COND_ARG with argN: 0..5 */
	enum arg_op op; /* COND_ARG */
	uint64_t value; /* COND_ARG: VALUE; COND_MODE_ANY: the mask */
	char *glob;	/* COND_PATH_*, COND_EXE_*, COND_NAME_*: as written */
	/* COND_ARG by name ("dirfd", "flags"): where it is depends on the
	 * syscall (policy_arg_find); value and mask are for x86_64, value32 and
	 * mask32 for i386 and x32 (constants such as O_LARGEFILE differ). */
	char *arg_name; /* NULL for argN */
	char *text;	/* COND_ARG by name: the condition as written, for policy text
			 * written back (answers) and explain: its constants may have
			 * other values on other ABIs, so no number can stand for it */
	int64_t value32;
	uint64_t mask, mask32; /* ARG_MASKED_* */
};

/*
 * Arguments by name and type (policy/args.c). A type says how a register is
 * compared: ARGT_INT and ARGT_UINT as 32 bits whatever the ABI (an int
 * AT_FDCWD is 0xffffff9c in a 64-bit register), ARGT_LONG and ARGT_ULONG as
 * wide as the ABI's long, ARGT_PTR not at all (an address: the loader
 * refuses conditions on it).
 */
enum arg_type { ARGT_INT, ARGT_UINT, ARGT_U16, ARGT_LONG, ARGT_ULONG, ARGT_PTR };
struct arg_spec {
	const char *name;
	enum arg_type type;
};
struct syscall_args {
	const char *syscall;
	struct arg_spec a[6];
	struct {
		const char *name; /* an argument the call has by definition */
		uint64_t value;	  /* (creat's flags: O_CREAT|O_WRONLY|O_TRUNC) */
	} fixed;
	bool how;	/* openat2: flags, mode and resolve are in struct open_how */
	bool in_memory; /* (i386 old mmap) every argument is in a struct in memory */
};
enum arg_where {
	ARGW_NONE,
	ARGW_REGISTER,	/* args[index] */
	ARGW_POINTER,	/* args[index] is an address: no condition can use it */
	ARGW_FIXED,	/* the value is `fixed` */
	ARGW_HOW_FLAGS, /* openat2's open_how, copied from memory (call.mem_how) */
	ARGW_HOW_MODE,
	ARGW_HOW_RESOLVE,
	ARGW_IN_MEMORY, /* the ABI keeps it in memory sysgate does not read: fail closed */
};
struct arg_place {
	enum arg_where where;
	int index;
	enum arg_type type;
	uint64_t fixed;
};
const struct syscall_args *policy_syscall_args(const char *syscall);
/* Where syscall keeps the argument called name: 0, or -ENOENT. The loader
 * asks policy_arg_find; the matcher asks with the call's ABI, since i386
 * keeps some arguments elsewhere or narrower (16-bit ids, clone, old mmap). */
int policy_arg_find(const char *syscall, const char *name, struct arg_place *ret);
int policy_arg_find_abi(const char *syscall, const char *name, bool i386, struct arg_place *ret);
const struct syscall_args *policy_syscall_args_i386(const char *syscall);
/* "dirfd, pathname, flags, mode" into buf; the length (0: no names known). */
size_t policy_arg_names(const char *syscall, char *buf, size_t size);
/* Does an order (==, !=, <, <=, >, >=) hold for a three-way comparison cmp
 * (-1, 0, 1)? false for the bit tests. */
bool policy_order_holds(enum arg_op op, int cmp);
/* Compare the register (or copied value) reg with a named condition. */
bool policy_arg_compare(const struct cond *c, enum arg_type type, bool abi32, uint64_t reg);
/* NULL if v can be compared with an argument of this type, else why not. */
const char *policy_arg_value_fits(enum arg_type type, int64_t v);
/* VALUE of a named condition: numbers and constants joined by '|', octal
 * where octal is set (a mode), for x86_64 (*ret64) and for i386 and x32
 * (*ret32). 0, or -EINVAL with why, -ENOMEM. */
int policy_value_parse(const char *expr, bool octal, int64_t *ret64, int64_t *ret32, char *why,
		       size_t why_size);
/* A constant by name (O_CREAT, AT_FDCWD, AF_INET, ...) for x86_64 or for
 * i386 and x32 (abi32). false if unknown. */
bool policy_constant(const char *name, bool abi32, int64_t *ret);
/* The known constant nearest to name (at most two edits away), or NULL. */
const char *policy_constant_nearest(const char *name);
/* Levenshtein distance of a and b, or cap if it is cap or more. */
size_t policy_edit_distance(const char *a, const char *b, size_t cap);

struct rule {
	enum decision_kind kind;
	int err;	  /* DECISION_DENY: the errno (default EPERM) */
	unsigned line;	  /* line in the policy file; 0 for implicit rules */
	const char *file; /* NULL: the policy's file; else an included one (in policy.files) */
	size_t n_conds;	  /* >= 1; conditions are ANDed */
	struct cond *conds;
};

/*
 * How a syscall's arguments are laid out, for decoding, path resolution and
 * strace-style printing. One character per argument:
 *   'D' dirfd (AT_FDCWD or an fd)      's' path pointer
 *   'S' string pointer that is not a path (shown in logs, never resolved)
 *   'F' fd the call acts on (fchmod)   'o' mode (octal)
 *   'a' AT_* flags                     'f' O_* open flags
 *   'd' signed int                     'x' hex / pointer
 *   'u' unsigned                       'n' xattr name (string pointer)
 *   'h' struct open_how pointer (openat2: its mode is read from memory)
 */
enum path_follow {
	FOLLOW_ALWAYS,		   /* chmod: a final symlink is followed */
	FOLLOW_NEVER,		   /* mkdir, unlink, rmdir: never follows a final symlink */
	FOLLOW_UNLESS_AT_NOFOLLOW, /* fchmodat, fchownat: unless AT_SYMLINK_NOFOLLOW in 'a' */
	FOLLOW_OPEN,		   /* open*: unless O_NOFOLLOW, or O_CREAT|O_EXCL, in 'f' */
};

struct syscall_shape {
	const char *name;
	const char *args; /* one letter per argument, see above; "" if none */
	enum path_follow follow;
};

/* The shape of a syscall by libseccomp name, or NULL if sysgate knows none. */
const struct syscall_shape *policy_syscall_shape(const char *name);
/* Index of the first argument of that letter in shape->args, or -1. */
int policy_shape_arg(const struct syscall_shape *shape, char letter);

struct family {
	const char *name;	     /* the family head, e.g. "mkdir" */
	const char *const *syscalls; /* NULL-terminated, libseccomp names */
	bool file_family;	     /* acts on files (the file families of sysgate-policy(5)) */
};
/*
 * Can sysgate carry this syscall out itself (emulate)? mkdir, mkdirat, chmod,
 * fchmod, fchmodat, fchmodat2. In a section where every syscall can, an
 * allow or log reached after a path condition is emulated as well, so the
 * path the policy checked is the path acted on.
 */
bool policy_syscall_emulatable(const char *name);
#define POLICY_EMULATABLE_LIST "mkdir, mkdirat, chmod, fchmod, fchmodat, fchmodat2"

/* The family whose head is this name, or NULL. */
const struct family *policy_family(const char *name);
/* All families, NULL-terminated (for documentation and --help). */
extern const struct family *const policy_families[];
/* The family a syscall belongs to (by libseccomp name), or NULL. */
const struct family *policy_family_of(const char *syscall);
/* Whether libseccomp knows the name on at least one of x86_64, i386 and x32,
 * or it is one of the newer syscalls below. */
bool policy_syscall_known(const char *name);

/*
 * Syscalls newer than the libseccomp sysgate is built with (Debian 12's 2.5.4
 * knows Linux up to 6.7). libseccomp can neither name nor compile them, so
 * sysgate keeps their numbers itself (the same on x86_64 and i386, and on x32
 * with __X32_SYSCALL_BIT: every syscall since Linux 5.1 has one number on
 * every ABI) and the compiler puts them in front of libseccomp's filter.
 * reach: the family whose operation the syscall also carries out (its
 * section, if the policy has one, fails it with ENOSYS; see policy_decide_newer),
 * or NULL.
 */
struct newer_syscall {
	const char *name;
	int nr;
	const char *reach;
};
extern const struct newer_syscall policy_newer_syscalls[]; /* terminated by name == NULL */
/* By number (x86_64 or i386 numbering, without the x32 bit), or NULL. */
const struct newer_syscall *policy_newer_syscall(int nr);
const struct newer_syscall *policy_newer_syscall_by_name(const char *name);

/*
 * i386's multiplexers: socketcall(call, args) and ipc(call, ...) carry other
 * syscalls, named here by the (x86_64) name a section would use: socketcall's
 * SYS_SEND and SYS_RECV are sendto and recvfrom without an address. NULL for a
 * call number the kernel does not know.
 */
#define POLICY_SOCKETCALL_MAX 20
#define POLICY_IPC_MAX 24
const char *policy_socketcall_name(unsigned call);
const char *policy_socketcall_label(unsigned call); /* "SYS_CONNECT" */
const char *policy_ipc_name(unsigned call);
const char *policy_ipc_label(unsigned call); /* "SHMGET" */

enum { SPEC_GROUP = 1, SPEC_FAMILY = 2, SPEC_EXACT = 3 };

struct section {
	char *name;		     /* as written in the policy */
	unsigned line;		     /* of the [header] */
	const char *file;	     /* NULL: the policy's file; else an included one */
	bool implicit;		     /* added by sysgate (io_uring kept out), not written */
	const struct family *family; /* NULL for a single syscall */
	size_t n_syscalls;
	char **syscalls; /* libseccomp names this section covers */
	/* per syscall, how specifically the header named it: SPEC_GROUP,
	 * SPEC_FAMILY or SPEC_EXACT; where two sections cover one syscall the
	 * more specific keeps it (equal: an error) */
	unsigned char *spec;
	size_t n_taken;	 /* syscalls a more specific section took from this one */
	bool needs_path; /* some rule has a path condition */
	bool shows_path; /* every syscall names a path: the core resolves it for
			  * the record, the ask shown and the answers narrowed by it */
	bool needs_exe;	 /* some rule has an exe condition */
	bool needs_name; /* some rule has a name condition (the xattr name) */
	bool needs_mode; /* some rule has a mode condition (openat2: read its open_how) */
	bool emulatable; /* every syscall of the section is policy_syscall_emulatable() */
	size_t n_rules;
	struct rule *rules;
};

struct policy {
	char *file; /* the name errors and log records use, e.g. "policy.ini" */
	char *text; /* the policy's own file as it was read and loaded, once
		     * (NUL-terminated; included files not inlined) */
	enum policy_mode mode;
	struct rule dflt;	 /* the [sysgate] default (n_conds == 0, line of the key or 0) */
	char **log_sinks;	 /* from [sysgate] log = a, b; NULL-terminated; may be empty */
	char *log_format;	 /* "text", "json", or NULL when unset */
	char *log_full;		 /* "block", "drop", or NULL when unset (then block;
				  * stderr and terminals always drop) */
	unsigned ask_timeout_ms; /* how long an ask waits for an answer (default 30 s) */
	bool ask_unattached_default; /* ask_unattached = default: without a prompt
				      * attached, ask_default at once (else the
				      * ask waits ask_timeout for one) */
	struct rule ask_default;     /* what it gets without one: allow, deny ERRNO or kill
				      * (default deny EPERM; n_conds == 0) */
	unsigned abis;		     /* [sysgate] abi: bit 1 << enum policy_abi for each
				      * ABI listed (default: all three) */
	struct rule abi_rule;	     /* a call through any other is killed by this rule
				      * (DECISION_KILL, the key's line; n_conds == 0) */
	size_t n_sections;
	struct section *sections;
	size_t n_files;
	char **files; /* files included with include = FILE, as errors name them */
};

struct policy_diag {
	enum diag_level severity; /* DIAG_ERROR or DIAG_WARNING */
	unsigned line;		  /* 0 when the message is about the whole file */
	char *msg;		  /* without "FILE:LINE: " */
	char *file; /* NULL: the policy's own file; else the included file it is about */
};

struct policy_diags {
	size_t n;
	struct policy_diag *v;
	size_t n_errors;
	size_t n_warnings;
};
void policy_diags_free(struct policy_diags *d); /* frees the contents; d itself is the caller's */

/*
 * Parse and validate a policy. 0 on success (warnings may still be added to
 * *diags); -EINVAL on a bad policy with at least one DIAG_ERROR in *diags and
 * *ret untouched; -ENOMEM, or -errno from reading the file. diags may be NULL.
 */
int policy_load_file(const char *path, struct policy **ret, struct policy_diags *diags);
int policy_load_string(const char *name, const char *text, struct policy **ret,
		       struct policy_diags *diags);
/* The built-in default policy (policy/default.ini, compiled in). */
extern const char policy_default_text[];
#define POLICY_DEFAULT_NAME "sysgate-default.ini"
int policy_load_default(struct policy **ret, struct policy_diags *diags);
void policy_free(struct policy *p); /* NULL-safe */

/* The section that covers a syscall (by libseccomp name), or NULL. */
const struct section *policy_section_for(const struct policy *p, const char *syscall);

/* What the matcher is told about one call. Filled in by the supervisor. */
struct call {
	const char *syscall;		   /* libseccomp name */
	const struct syscall_shape *shape; /* may be NULL */
	uint64_t args[6];
	/* The call came through a 32-bit ABI (i386, x32). seccomp and libseccomp
	 * compare such arguments as 32-bit values, so argN and mode conditions
	 * compare the low 32 bits of both sides: "arg0 == -100" matches i386's
	 * AT_FDCWD (0xffffff9c), and the matcher agrees with the BPF filter. */
	bool abi32;
	bool i386; /* and that ABI is i386 (some arguments sit elsewhere there) */
	/* abi == NAME: x86_64 (!abi32), i386 (i386), x32 (abi32 && !i386), as
	 * the supervisor set them from the notification's arch and nr */
	const char *path; /* the absolute, normalized path it acts on; NULL if none */
	int path_err;	  /* if path is NULL: why (EFAULT, ENAMETOOLONG, ENOENT, ...) */
	const char *exe;  /* the target's executable; NULL if unknown */
	/*
	 * Values copied from the target's memory rather than taken from
	 * registers: the kernel reads them again when the call continues, so a
	 * racing thread can change them after the decision. A decision that
	 * consulted one may deny or kill, never continue (see policy_decide).
	 */
	uint8_t mem_args;    /* bit i: args[i] came from memory (socketcall's array) */
	int mem_err;	     /* reading them failed: conditions on them deny with it */
	bool mode_in_mem;    /* the mode is in memory (openat2's open_how) ... */
	uint64_t mem_mode;   /* ... and this is the copy */
	bool how_in_mem;     /* openat2's struct open_how was copied ... */
	uint64_t mem_how[3]; /* ... flags, mode, resolve (ARGW_HOW_* order) */
	const char *name;    /* the xattr name ('n'); NULL if unread */
	int name_err;	     /* if name is NULL: why (EFAULT, ERANGE) */
};

struct decision {
	enum decision_kind kind;
	int err;		 /* DECISION_DENY */
	const struct rule *rule; /* NULL: the policy's default */
	bool used_path;		 /* pointer data (the path) was consulted on the way here */
	bool unresolved;	 /* denied because a value a condition needs was unavailable */
	/* A condition looked at a value copied from memory (mem_args, the
	 * openat2 mode, the xattr name), and the rule said allow, log or ask:
	 * continuing would let the kernel act on what it reads again, so the
	 * call is denied instead (err: ENOSYS where libc has a fallback the
	 * filter judges by register, EPERM otherwise). */
	bool mem_unsafe;
	bool used_mem; /* memory (not the path) was consulted on the way here */
};

/*
 * First-match evaluation of s's rules on c; the policy default when none
 * matches (or s is NULL). A condition whose input is unavailable (path or exe
 * NULL) fails closed: the call is denied with path_err (or EPERM) and
 * .unresolved set.
 */
struct decision policy_decide(const struct policy *p, const struct section *s,
			      const struct call *c);
/* The same, saying for each rule tried which condition failed (failed[i] ==
 * the rule's n_conds: it matched; a rule not reached has i >= n). For
 * sysgate explain. */
#define POLICY_TRACE_MAX 256
struct policy_trace {
	size_t n;
	size_t failed[POLICY_TRACE_MAX];
};
struct decision policy_decide_trace(const struct policy *p, const struct section *s,
				    const struct call *c, struct policy_trace *t);
/*
 * [sysgate] abi: a call through an ABI the key does not list is killed,
 * whatever the sections say. true and *ret (DECISION_KILL, rule
 * &p->abi_rule) for such a call; false when the ABI is listed. policy_decide
 * asks it first; a caller deciding without a struct call (unnamed syscalls)
 * asks it itself.
 */
bool policy_abi_refused(const struct policy *p, enum policy_abi abi, struct decision *ret);
/* The ABI of a call, as abi == NAME tests it. */
enum policy_abi policy_call_abi(const struct call *c);

/*
 * The family whose operation a syscall outside it also carries out, where
 * the family's conditions cannot judge it (open_by_handle_at opens a file by
 * a handle, not a path: "open"; the newer syscalls' reach), or NULL.
 */
const char *policy_syscall_reach(const char *name);

/*
 * A syscall that no section names and policy_decide cannot judge: unknown
 * (name NULL), newer than libseccomp, or in a family's reach. When the policy
 * supervises the family it reaches (a section for one of its syscalls that is
 * not a plain allow = *), it is denied: ENOSYS for the newer ones, so libc
 * falls back to the older calls the policy judges, EPERM for the others.
 * Under a default of deny an unknown or newer syscall gets ENOSYS (what an
 * older kernel says). Else the default. *ret_section: the reach section
 * that decided, or NULL.
 */
struct decision policy_decide_unnamed(const struct policy *p, const char *name,
				      const struct section **ret_section);
/* Does the policy supervise section s (anything but a first allow = *)? */
bool policy_section_supervises(const struct policy *p, const struct section *s);

/* Glob matching: '*' within one path component, '**' across any depth, '?' one
 * character, '[...]' a class; a trailing slash-double-star also matches the directory itself. */
bool policy_glob_match(const char *glob, const char *path);
/* 0 if the glob is well formed, else -EINVAL with *ret_why set to a static string. */
int policy_glob_check(const char *glob, const char **ret_why);
/* The same, for a glob matched against resolved absolute paths: also
 * -EINVAL for a glob that no such path can match ("//", "/./", "/../", a
 * trailing '/'), in any of its {a,b} alternatives. */
int policy_path_glob_check(const char *glob, const char **ret_why);

/* Decision and errno names for records and messages. */
const char *policy_decision_name(enum decision_kind k);
const char *policy_errno_name(int err);		    /* "EACCES", or NULL if unknown */
int policy_errno_parse(const char *s);		    /* errno by name or number, or -EINVAL */
const char *policy_errno_nearest(const char *name); /* for "did you mean", or NULL */
/* 1..4095 except the kernel-internal 512..530: the errnos a policy may return. */
bool policy_errno_in_range(long err);

/* "FILE:LINE", "default" or "implicit:io_uring", into buf. */
const char *policy_rule_location(const struct policy *p, const struct section *s,
				 const struct rule *r, char *buf, size_t size);

/*
 * The compiler: a classic BPF program that the agent loads. Calls that the
 * policy decides in the kernel (unconditional allow, default allow, and
 * register-only conditions that provably end in allow) return
 * SECCOMP_RET_ALLOW; everything else is SECCOMP_RET_USER_NOTIF. Covers
 * x86_64, i386 and x32; any other architecture kills the process. Whatever
 * the policy says, ioctl TIOCSTI and TIOCLINUX fail with EPERM in the kernel
 * (compile.c: nothing may type into a terminal).
 */
struct policy_filter {
	size_t len;
	void *insns; /* struct sock_filter[len] */
};
int policy_compile(const struct policy *p, struct policy_filter *ret);

/*
 * What the filter does with one syscall of section s (also what `sysgate
 * oci-profile` tells a container runtime): POLICY_KERNEL_ALLOW (never
 * notified), POLICY_KERNEL_NOTIFY (always), or POLICY_KERNEL_SPLIT: notified
 * exactly when one of the tests holds, each "(args[arg] & mask) == value"
 * (a bit test has mask == value; an equality mask ~0). Only under a default
 * of allow, only single bit tests or equalities on one argument: what
 * libseccomp 2.5 compiles correctly (see compile.c).
 */
enum policy_kernel {
	POLICY_KERNEL_ALLOW,
	POLICY_KERNEL_NOTIFY,
	POLICY_KERNEL_SPLIT,
};
struct policy_kernel_test {
	unsigned arg;
	uint64_t mask, value;
};
#define POLICY_KERNEL_MAX_TESTS 16
enum policy_kernel policy_kernel_plan(const struct policy *p, const struct section *s,
				      const char *syscall, struct policy_kernel_test *tests,
				      size_t *ret_n);
void policy_filter_done(struct policy_filter *f);
/*
 * Does policy_compile's filter notify every execve, execveat and prctl of p,
 * whatever their sections say? True when some rule has an exe condition: the
 * supervisor then follows execs instead of reading /proc/PID/exe per call.
 */
bool policy_notifies_exec(const struct policy *p);

/*
 * Syscalls the filter notifies that no section names, by name, for filters
 * built elsewhere from names (sysgate oci-profile): i386's socketcall and ipc
 * when a call they carry is supervised, calls in a supervised family's reach
 * (open_by_handle_at), and the newer syscalls a section or a reach makes
 * notified (which a runtime's libseccomp may or may not know). Up to max
 * into names; returns how many.
 */
size_t policy_extra_notified(const struct policy *p, const char **names, size_t max);

/* Log sinks by name: "stderr", "syslog", "audit", or an absolute file path.
 * One list for the policy's `log =`, the --log options and the log room. */
extern const char *const policy_sink_names[]; /* NULL-terminated */
#define POLICY_SINKS_TEXT "stderr, syslog, audit or an absolute file path"
bool policy_sink_ok(const char *name);

/* Groups of syscalls for section headers: [@network]. */
struct policy_group {
	const char *name;
	const char *summary;
	const char *const *syscalls; /* NULL-terminated, libseccomp names */
};
extern const struct policy_group policy_groups[]; /* terminated by name == NULL */
const struct policy_group *policy_group(const char *name);
/* For "did you mean": the nearest group, syscall name, or NULL. Not
 * thread-safe (policy_syscall_nearest returns a static buffer). */
const char *policy_group_nearest(const char *name);
const char *policy_syscall_nearest(const char *name);
