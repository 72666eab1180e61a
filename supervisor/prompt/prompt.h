#pragma once
/*
 * prompt: `sysgate prompt`, the terminal client of the control socket
 * (docs/control-protocol.md). It shows each call that waits for an answer
 * (an `ask` rule) and sends what the person types back to the supervisor.
 *
 * The supervisor is as trusted as the user running the prompt, but the
 * strings it relays (exe, cmdline, path, call) come from the target: they are
 * escaped before they reach the terminal.
 */
#include <stdbool.h>
#include <stdio.h>

/*
 * Run the prompt on an already connected control socket: hello, subscribe,
 * then show pending calls and read answers from in_fd (a terminal or any
 * line-oriented stream) until the user quits, in_fd reaches EOF or the
 * supervisor goes away. Everything, warnings included, is printed to out.
 * Does not close sock or in_fd. Returns an exit status: 0 on a normal end
 * (quit, EOF, the supervisor exited), 1 when the supervisor could not be
 * talked to (no hello, subscribe refused, an I/O error).
 */
int prompt_session(int sock, int in_fd, FILE *out);

/*
 * The same, telling focus(data, true) when the prompt starts needing the
 * person's keystrokes (a call waits for an answer, or a remembered answer
 * for confirmation) and focus(data, false) when it no longer does, before
 * anything about that is printed. `run --prompt` sends the keyboard to the
 * command otherwise (pty.h).
 */
int prompt_session_focus(int sock, int in_fd, FILE *out, void (*focus)(void *data, bool want),
			 void *data);

/*
 * sysgate prompt [PID | SOCKET-PATH] (the verb reads the arguments): find
 * the socket (arg NULL: this user's only sysgate; a PID; a path with a '/'),
 * connect, prompt_session() on stdin and stdout. Errors are reported with
 * diag(). The exit status: 0 when done, 1 when no sysgate could be reached,
 * 2 when the argument is neither or several sysgates run.
 */
int prompt_attach(const char *arg);
