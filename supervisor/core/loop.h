#pragma once
/*
 * loop: one epoll loop multiplexing every fd the supervisor serves (listeners
 * of any number of sessions, the signalfd, later the control socket). Handlers
 * must not block: a slow decision for one target must never stall the others.
 *
 * Threads: a loop belongs to the thread that runs it (the main thread); every
 * call here, handlers included, is made on that thread, so it has no lock.
 * Session workers never touch it: they wake it through an fd it watches
 * (a session's done_fd, the ask queue's eventfd).
 */
#include <stdint.h>

struct loop;
/* Return < 0 to stop the loop with that error. */
typedef int (*loop_handler_t)(void *data, uint32_t events);

int loop_new(struct loop **ret);
void loop_free(struct loop *l); /* NULL-safe; does not close the fds */
int loop_add(struct loop *l, int fd, uint32_t events, loop_handler_t h, void *data);
int loop_del(struct loop *l, int fd);
/* Change the events a watched fd waits for. */
int loop_mod(struct loop *l, int fd, uint32_t events);
/* Run until loop_quit() or a handler fails; returns the quit code or the error. */
int loop_run(struct loop *l);
void loop_quit(struct loop *l, int code);
