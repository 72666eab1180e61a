/*
 * loop: the main thread's epoll loop (trusted side; it only dispatches, the
 * handlers decide). Single-threaded by design: see loop.h.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "sg-util.h"
#include "supervisor/core/loop.h"

struct watch {
	int fd;
	loop_handler_t h;
	void *data;
	struct watch *next;
};

struct loop {
	int epfd;
	bool quit;
	int code;
	struct watch *watches;
};

int loop_new(struct loop **ret)
{
	struct loop *l = calloc(1, sizeof(*l));

	if (!l)
		return -ENOMEM;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		int r = -errno;

		free(l);
		return r;
	}
	*ret = l;
	return 0;
}

void loop_free(struct loop *l)
{
	if (!l)
		return;
	while (l->watches) {
		struct watch *w = l->watches;

		l->watches = w->next;
		free(w);
	}
	safe_close(l->epfd);
	free(l);
}

int loop_add(struct loop *l, int fd, uint32_t events, loop_handler_t h, void *data)
{
	struct watch *w = calloc(1, sizeof(*w));
	struct epoll_event ev = {.events = events};

	if (!w)
		return -ENOMEM;
	*w = (struct watch){.fd = fd, .h = h, .data = data, .next = l->watches};
	ev.data.ptr = w;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int r = -errno;

		free(w);
		return r;
	}
	l->watches = w;
	return 0;
}

int loop_del(struct loop *l, int fd)
{
	for (struct watch **p = &l->watches; *p; p = &(*p)->next) {
		struct watch *w = *p;

		if (w->fd != fd)
			continue;
		epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
		/* Keep the struct until the current batch is done: a pending
		 * event may still point at it. Mark it dead instead. */
		w->h = NULL;
		w->fd = -1;
		return 0;
	}
	return -ENOENT;
}

int loop_mod(struct loop *l, int fd, uint32_t events)
{
	for (struct watch *w = l->watches; w; w = w->next) {
		struct epoll_event ev = {.events = events, .data.ptr = w};

		if (w->fd != fd || !w->h)
			continue;
		return epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev) < 0 ? -errno : 0;
	}
	return -ENOENT;
}

static void reap_dead(struct loop *l)
{
	for (struct watch **p = &l->watches; *p;) {
		struct watch *w = *p;

		if (w->h) {
			p = &w->next;
			continue;
		}
		*p = w->next;
		free(w);
	}
}

int loop_run(struct loop *l)
{
	struct epoll_event evs[16];

	while (!l->quit) {
		int n = epoll_wait(l->epfd, evs, (int)ARRAY_SIZE(evs), -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (int i = 0; i < n && !l->quit; i++) {
			struct watch *w = evs[i].data.ptr;
			int r;

			if (!w->h)
				continue;
			r = w->h(w->data, evs[i].events);
			if (r < 0)
				return r;
		}
		reap_dead(l);
	}
	return l->code;
}

void loop_quit(struct loop *l, int code)
{
	l->quit = true;
	l->code = code;
}
