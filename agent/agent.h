#pragma once
/*
 * agent: what runs on the target's side, in the forked child, before exec.
 *
 * It sets no_new_privs, dies with its parent, loads the filter, hands the
 * listener fd to the supervisor and execs the command. It runs with the
 * supervisor's privileges but on the untrusted side of the boundary: once the
 * filter is loaded, any syscall it makes may be notified, so the handover must
 * never need a syscall of the filtered thread (see agent.c).
 */
#include <stddef.h>
#include <sys/types.h>

struct agent_config {
	const void *insns; /* struct sock_filter[len], from policy_compile() */
	unsigned short len;
	int sock;	     /* unix socket to the supervisor (SOCK_SEQPACKET) */
	int status_fd;	     /* close-on-exec pipe: on exec failure the errno is written here */
	pid_t parent;	     /* the supervisor; the agent dies if it is gone (0: no such tie,
			      * as for sysgate-agent, whose supervisor is a daemon) */
	int alive_fd;	     /* with parent: the read end of a pipe only the supervisor holds
			      * the write end of, or -1. Its hang-up says the supervisor is
			      * gone; needed where getppid() cannot tell (in a new pid
			      * namespace it is 0). With -1, getppid() is compared. */
	const char *message; /* sent with the listener instead of struct agent_handover
			      * (sysgate-agent: the OCI agent JSON); NULL for run */
	const char *path;    /* the executable, already resolved */
	char *const *argv;
	char *const *envp;
};

/*
 * The wire format of the handover, one SOCK_SEQPACKET message: status 0 with
 * the listener in SCM_RIGHTS, or status = -errno (and no fd) when the filter
 * could not be loaded.
 */
struct agent_handover {
	int status;
};

/*
 * execvp's search of PATH for cmd, done before anything runs, so that "not
 * found" (-ENOENT: exit 127) and "not executable" (-EACCES: 126) are told
 * apart and nothing of the command starts. 0 with the path in out.
 */
int agent_find_command(const char *cmd, char *out, size_t size);

/*
 * Make sure fds 0, 1 and 2 are open (on /dev/null where they were closed),
 * before anything else opens an fd: otherwise the first socket, signalfd or
 * listener becomes "stderr" and messages are written into it. 0 or -errno.
 */
int agent_reserve_stdio(void);

/* Never returns: execs cfg->path, or _exit()s with 127 (ENOENT) or 126. */
_Noreturn void agent_exec(const struct agent_config *cfg);
