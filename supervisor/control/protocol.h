#pragma once
/*
 * control/protocol: the facts both ends of the control socket rely on
 * (docs/control-protocol.md): where the socket lives, how a request line is
 * framed and parsed, the requests there are and who may send them, and how
 * strings that come from the target are made safe for a terminal. Linked by
 * the supervisor's control room (the server) and by the prompt (a client),
 * so the two cannot drift. Pure but for reading the environment: no I/O.
 * The requests' contents are request.h's.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

/* The longest line either side sends or accepts, without its newline. */
#define CONTROL_LINE_MAX 65536

/*
 * The directory this user's control sockets (PID.sock) live in: /run/sysgate
 * for root; else $XDG_RUNTIME_DIR/sysgate when XDG_RUNTIME_DIR is an absolute
 * path (the XDG spec says a relative one is invalid and to be ignored, so it
 * is, as if unset); else /tmp/sysgate-UID. 0, or -ENAMETOOLONG.
 */
int control_socket_dir(char *buf, size_t size);

/* st (from lstat) is a directory others can neither replace nor enter: a
 * real directory (not a symlink) of ours, mode without group or other bits.
 * Whoever could write into it could plant a socket, or reach ours. */
bool control_dir_is_private(const struct stat *st);

enum control_op {
	CONTROL_OP_HELLO,
	CONTROL_OP_SUBSCRIBE,
	CONTROL_OP_LIST,
	CONTROL_OP_ANSWER,
	CONTROL_OP_POLICY,
	CONTROL_N_OPS,
};

/*
 * The requests, by their "op". Who may send them: any client the socket let
 * in (the peer checks of control/peer.c) may send every one; none needs a
 * subscription, since an answer is worth as much as the peer that sends it
 * and that is judged once, on accept.
 */
struct control_op_info {
	const char *name;
	enum control_op op;
	const char *who; /* who may send it, in words */
};
extern const struct control_op_info control_ops[CONTROL_N_OPS];

/*
 * A string from the target (exe, path, an argv element) as the body of a C
 * string: control bytes, DEL, non-ASCII, quotes and backslashes escaped, so
 * it can neither move a terminal's cursor nor fake a line. NULL on ENOMEM.
 */
char *control_escape(const char *s);
/*
 * A string the supervisor composed (the call, covers text, a reason), which
 * already quotes the target C-escaped: only what a terminal acts on is
 * escaped (control bytes, DEL, non-ASCII); quotes and backslashes stay.
 */
char *control_term_safe(const char *s);
