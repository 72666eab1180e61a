#pragma once
/*
 * pty: `sysgate run --prompt` gives the command a terminal of its own.
 *
 * The person's terminal is shared by sysgate (its records, the inline
 * prompt) and, without this, by the command, which could then read the
 * answer keystrokes, push input with TIOCSTI, or draw a fake prompt. With
 * it, the command's stdio that was the terminal becomes the slave of a new
 * pseudo-terminal, its controlling terminal in a session of its own, and a
 * relay thread in sysgate copies between the real terminal (raw input) and
 * the pty master. The inline prompt gets a second pty of its own, so it keeps
 * the kernel's line editing; the relay decides where keystrokes go:
 *
 *   - while the prompt holds the focus (a call waits for an answer), what is
 *     typed goes to the prompt, and the command's output is held back (it
 *     blocks when its pty fills), so nothing it prints can pose as the
 *     prompt; ^C still interrupts the command (TIOCSIG on its master);
 *   - otherwise everything typed goes to the command, and its output is
 *     copied to the terminal.
 *
 * The relay never blocks sysgate's decisions: it has its own thread and only
 * nonblocking fds, so a stalled terminal (tcflow TCOOFF) stalls the relay and,
 * through its pty, the command's own writes, nothing else.
 *
 * Trust: the command holds nothing of the real terminal after
 * pty_child_attach() (other fds on it are closed), and the real terminal and
 * the prompt's pty are TIOCEXCL while the relay runs, so the same uid cannot
 * open them by name (CAP_SYS_ADMIN still can). A guardian process restores
 * the terminal if sysgate is killed with SIGKILL.
 */
#include <stdbool.h>

struct pty_relay;

/*
 * Before fork: if fd 0 is a terminal and sysgate is its foreground job, make
 * the command's pty (and the prompt's), with the terminal's modes and size.
 * 0 and *ret set; -ENOTTY when fd 0 is not a terminal, -EBUSY when sysgate is
 * not in the foreground; other -errno on failure, with the step that failed
 * in *ret_failed ("the command's pty"). Blocks SIGWINCH in the calling thread
 * (the relay reads it), so call it before starting threads.
 */
int pty_relay_open(struct pty_relay **ret, const char **ret_failed);

/*
 * In the forked child, before the agent: a new session with the pty's slave
 * as controlling terminal, on each of fds 0-2 that was the real terminal;
 * every other fd on the real terminal closed. Async-signal-safe. On failure
 * it writes the step that failed to report_fd (report.h) and _exit()s 125:
 * the command must not run on the shared terminal when a prompt was asked
 * for.
 */
void pty_child_attach(const struct pty_relay *t, int report_fd);

/*
 * In the parent after fork: close our copy of the slave, put the terminal in
 * raw input mode (restored by pty_relay_stop(), at exit, and on a crash) and
 * start relaying. 0 or -errno (then nothing is changed).
 */
int pty_relay_start(struct pty_relay *t);

/* The prompt's side of its pty: read the person's lines from it, write to it. */
int pty_relay_prompt_fd(const struct pty_relay *t);

/* The prompt takes (true) or gives back (false) the keyboard. Any thread. */
void pty_relay_focus(void *relay, bool prompt);

/*
 * Copy what the command and the prompt still have for the terminal (bounded
 * to about a second: the terminal may be stalled), stop the thread, restore
 * the terminal, and hang up both ptys (a prompt still writing to its pty gets
 * EIO). Idempotent.
 */
void pty_relay_stop(struct pty_relay *t);

/* Stop if needed, then free. NULL-safe. */
void pty_relay_free(struct pty_relay *t);
