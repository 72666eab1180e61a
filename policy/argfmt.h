#pragma once
/*
 * policy/argfmt: a call's arguments decoded by type, for records and the
 * prompt. Pure: no /proc, no printing; it formats into the caller's buffer.
 *
 * Names, types and per-ABI positions come from the argument table
 * (policy/args.c), constants by name from its constant table (the values a
 * policy's O_CREAT has on that ABI), so a record shows an argument as the
 * policy compares it. Where the argument table has no entry, the shape's
 * letters (policy/syscalls.c) say how to show each argument, and where
 * neither knows the syscall, a count table (argfmt.c, taken from the kernel's
 * syscall trace events) says how many registers are real: those are shown in
 * hex. Only when nothing knows the syscall are all six registers shown.
 *
 * Everything here takes values a hostile target chose: any register, any
 * bytes of a sockaddr. Bits without a name are printed as hex after the
 * names (O_CREAT|0x40000000); every byte of a string it controls is escaped
 * (only printable ASCII comes out).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy/policy.h"

/* How an argument is shown. */
enum argfmt {
	ARGFMT_HEX,	     /* a register sysgate knows nothing about: hex */
	ARGFMT_NUM,	     /* a number, as its type (int -1, unsigned 4294967295) */
	ARGFMT_BITS,	     /* flags sysgate has no names for: hex */
	ARGFMT_PTR,	     /* an address: NULL or hex */
	ARGFMT_STRING,	     /* a pointer to a string (the record may carry a copy) */
	ARGFMT_SOCKADDR,     /* a pointer to a struct sockaddr (ditto) */
	ARGFMT_FD,	     /* an int file descriptor, whatever the register's type */
	ARGFMT_DIRFD,	     /* AT_FDCWD, or the fd */
	ARGFMT_MODE,	     /* octal: 0644 */
	ARGFMT_OPEN_FLAGS,   /* O_WRONLY|O_CREAT|O_TRUNC */
	ARGFMT_AT_FLAGS,     /* AT_SYMLINK_NOFOLLOW|AT_REMOVEDIR */
	ARGFMT_ACCESS_FLAGS, /* faccessat2: AT_EACCESS|AT_SYMLINK_NOFOLLOW */
	ARGFMT_CLONE_FLAGS,  /* clone: CLONE_VM|CLONE_FS|0x11 (the exit signal in hex) */
	ARGFMT_NS_FLAGS,     /* unshare, setns: CLONE_NEWNS|CLONE_NEWTIME */
	ARGFMT_PROT,	     /* PROT_READ|PROT_WRITE, PROT_NONE */
	ARGFMT_MAP_FLAGS,    /* MAP_PRIVATE|MAP_ANONYMOUS */
	ARGFMT_SOCK_DOMAIN,  /* AF_INET */
	ARGFMT_SOCK_TYPE,    /* SOCK_STREAM|SOCK_CLOEXEC */
	ARGFMT_SOCK_FLAGS,   /* accept4: SOCK_NONBLOCK|SOCK_CLOEXEC */
	ARGFMT_RENAME_FLAGS, /* RENAME_NOREPLACE */
};

/* The ABI a call came through: constants and widths depend on it. */
enum argfmt_abi {
	ARGFMT_X86_64,
	ARGFMT_I386, /* 32-bit registers, i386's argument positions and widths */
	ARGFMT_X32,  /* 64-bit registers, 32-bit long and constants */
};

struct argfmt_arg {
	const char *name; /* as the man page names it; NULL where sysgate knows none */
	enum arg_type type;
	enum argfmt fmt;
};

/* Where the argument list came from (for tests, and a record may say so). */
enum argfmt_source {
	ARGFMT_FROM_TABLE, /* the argument table: names, types, positions */
	ARGFMT_FROM_SHAPE, /* the shape's letters: no names */
	ARGFMT_FROM_COUNT, /* the count table: that many registers, in hex */
	ARGFMT_UNKNOWN,	   /* nothing knows the syscall: six registers, in hex */
};

/*
 * The arguments syscall (libseccomp name, or NULL) really has on abi, into
 * ret[0..n); returns n (0..6). shape may be NULL (then it is looked up by
 * name); *ret_source, if not NULL, says where the list came from.
 */
unsigned policy_call_args(const char *syscall, const struct syscall_shape *shape,
			  enum argfmt_abi abi, struct argfmt_arg ret[6],
			  enum argfmt_source *ret_source);

/* The count table alone: how many arguments syscall has on abi, or -1. */
int policy_syscall_arg_count(const char *syscall, enum argfmt_abi abi);

/*
 * Format reg as fmt and type say on abi into buf (always terminated when
 * size > 0). Returns the length the text has (as snprintf does: a result >=
 * size means it was cut). Never reads memory: ARGFMT_STRING and
 * ARGFMT_SOCKADDR print as the pointer they are.
 */
size_t policy_arg_format(enum argfmt fmt, enum arg_type type, enum argfmt_abi abi, uint64_t reg,
			 char *buf, size_t size);

/* A sockaddr as sysgate copied it (at most this many bytes: the kernel
 * refuses a longer addrlen with EINVAL). */
#define POLICY_SOCKADDR_MAX 128

struct policy_sockaddr {
	int family;		     /* -1: too short to hold a family */
	const char *family_name;     /* "AF_INET" (static), NULL if unknown */
	bool truncated;		     /* shorter than the family's address */
	char ip[48];		     /* AF_INET, AF_INET6: the address as text */
	int port;		     /* AF_INET, AF_INET6; -1 otherwise */
	uint32_t scope_id;	     /* AF_INET6, where the copy holds one */
	bool unix_unnamed;	     /* AF_UNIX with no path (autobind) */
	bool unix_abstract;	     /* AF_UNIX in the abstract namespace ... */
	char unix_path[4 * 108 + 1]; /* ... path or name, escaped (printable ASCII) */
};

/* Decode the len bytes of a sockaddr at sa (len is capped at
 * POLICY_SOCKADDR_MAX). 0, or -EINVAL if len is 0. */
int policy_sockaddr_decode(const void *sa, size_t len, bool abi32, struct policy_sockaddr *ret);
/* strace style: {sa_family=AF_INET, sin_port=htons(80), sin_addr=inet_addr("127.0.0.1")};
 * returns the length as policy_arg_format does. */
size_t policy_sockaddr_format(const struct policy_sockaddr *a, char *buf, size_t size);

/* The i-th constant of the constant table (args.c): false past its end. */
bool policy_constant_at(size_t i, const char **ret_name, int64_t *ret64, int64_t *ret32);
