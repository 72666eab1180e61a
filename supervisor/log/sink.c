/*
 * log/sink: what a writer thread does with an entry, by the sink's kind
 * (an fd, syslog, audit), how it reports loss and failure, and opening a
 * sink by name. Trusted side: stderr and a terminal may be the command's too,
 * so it can stall them, never choose what is written to them.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "supervisor/log/diag.h"
#include "supervisor/log/internal.h"

/* The words for a sink's first failure: which step failed, and on what. */
static void sink_say_failed(struct sink *s, int err)
{
	char esc[256];

	if (log_escape(s->name, esc, sizeof(esc)) < 0)
		snprintf(esc, sizeof(esc), "?");
	switch (s->kind) {
	case SINK_AUDIT:
		if (!s->audit) {
			diag_errno(DIAG_WARNING, err,
				   "cannot open the log sink audit (its records go to the other "
				   "sinks only)");
			return;
		}
		diag_errno(DIAG_WARNING, err,
			   "cannot send a record to the log sink audit (further failures are "
			   "counted, not reported)");
		return;
	case SINK_SYSLOG: /* syslog() says nothing of its failures */
	case SINK_FD:
		break;
	}
	diag_errno(DIAG_WARNING, err,
		   "cannot write to the log sink %s (further failures are counted, not reported)",
		   esc);
}

/* ---- The writer's side ---- */

static int fd_write(struct sink *s, const char *line, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = write(s->fd, line + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			/* Someone (the command, on a shared stderr) set
			 * O_NONBLOCK on the file description: wait for room
			 * here, on this thread, as a blocking write would. */
			struct pollfd p = {.fd = s->fd, .events = POLLOUT};

			(void)poll(&p, 1, LOG_WAIT_SLICE_MS);
			continue;
		}
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		/* Short only on a pipe or a full disk; finish what the reader will take. */
		done += (size_t)n;
	}
	return 0;
}

/* One line of text to s, in the way of its kind. */
static void sink_put_text(struct sink *s, const char *text, size_t len, int prio)
{
	int r;

	switch (s->kind) {
	case SINK_AUDIT:
		audit_sink_send(s, text, len);
		break;
	case SINK_SYSLOG:
		if (len > 0 && text[len - 1] == '\n')
			len--;
		syslog(LOG_USER | prio, "%.*s", (int)len, text);
		break;
	case SINK_FD:
		r = fd_write(s, text, len);
		if (r < 0)
			sink_failed(s, -r);
		break;
	}
}

/* "N records dropped" (or lost, by another sink) in s's own form. */
void sink_put_loss(struct sink *s, const char *what, const char *about, uint64_t n)
{
	_cleanup_free_ char *text = NULL;
	char esc[512];
	size_t len = 0;
	FILE *f;

	f = open_memstream(&text, &len);
	if (!f)
		return;
	if (log_escape(about, esc, sizeof(esc)) < 0)
		snprintf(esc, sizeof(esc), "?");
	if (s->kind == SINK_AUDIT) {
		fprintf(f, "op=sysgate-%s records=%llu", what, (unsigned long long)n);
		audit_sink_value(f, "sink", about);
	} else if (s->kind == SINK_FD && s->fmt == LOG_JSON) {
		struct json_object *o = json_object_new_object();
		_cleanup_free_ char *clean = log_utf8_sanitize(about);
		struct timespec now;
		char tbuf[64];

		clock_gettime(CLOCK_REALTIME, &now);
		if (!o || !clean || log_json_time(&now, tbuf, sizeof(tbuf)) < 0 ||
		    log_json_add(o, "time", json_object_new_string(tbuf)) < 0 ||
		    log_json_add(o, "sysgate", json_object_new_string(what)) < 0 ||
		    log_json_add(o, "sink", json_object_new_string(clean)) < 0 ||
		    log_json_add(o, "records", json_object_new_int64((int64_t)n)) < 0) {
			json_object_put(o);
			fclose(f);
			return;
		}
		fprintf(f, "%s\n", json_object_to_json_string_ext(o, JSON_FLAGS));
		json_object_put(o);
	} else {
		fprintf(f, "%slog sink %s: %llu records %s%s\n",
			s->kind == SINK_SYSLOG ? "" : "sysgate: ", esc, (unsigned long long)n, what,
			streq(what, "dropped") ? " (it did not take them in time; log_full = drop)"
					       : " (it did not take them before exit)");
	}
	if (fclose(f) != 0 || !text)
		return;
	sink_put_text(s, text, len, LOG_WARNING);
}

void sink_put(struct sink *s, const struct entry *e)
{
	if (e->dropped_before)
		sink_put_loss(s, "dropped", s->name, e->dropped_before);
	switch (e->kind) {
	case ENTRY_LOST:
		sink_put_loss(s, "lost", e->about, e->count);
		break;
	case ENTRY_RECORD:
	case ENTRY_RAW:
		sink_put_text(s, e->text, e->len, e->prio);
		break;
	}
}

/*
 * Report a sink's first failure once; count every one. Called by the
 * sink's writer thread, and by log_open for an audit sink it could not
 * open. The words go out through diag() after s->lock is released: a write
 * to stderr may stall (the command can stop that terminal), and emitters
 * take s->lock. The writer's diag() never waits long (sink_main made it
 * nonblocking), and s outlives this call: only its own writer frees an
 * abandoned sink.
 */
void sink_failed(struct sink *s, int err)
{
	bool say;

	pthread_mutex_lock(&s->lock);
	/* Not on a sink the command may share (stderr, a terminal): that is
	 * where the words would go. Not once log_close gave up on it. */
	say = s->errors++ == 0 && !s->abandoned && !s->shared;
	pthread_mutex_unlock(&s->lock);
	if (say)
		sink_say_failed(s, err);
}

/* ---- Opening, by name ---- */

static int open_stderr(struct logger *l, struct sink *s)
{
	s->kind = SINK_FD;
	s->fd = STDERR_FILENO;
	s->shared = true;
	if (!l->err)
		l->err = s;
	return 0;
}

static int open_syslog(struct logger *l, struct sink *s)
{
	s->kind = SINK_SYSLOG;
	if (!l->syslog_open) {
		openlog("sysgate", LOG_PID, LOG_USER);
		l->syslog_open = true;
	}
	return 0;
}

static int open_file(struct logger *l, struct sink *s)
{
	(void)l;
	/*
	 * O_APPEND: concurrent writers (two sysgate runs, logrotate's
	 * copytruncate) each get whole lines. O_NOCTTY: a path that
	 * names a terminal must not become our controlling one.
	 */
	s->kind = SINK_FD;
	s->fd = open(s->name, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
	if (s->fd < 0)
		return -errno;
	s->owned = true;
	/* A terminal may be the command's too (/dev/tty, /dev/pts/N). */
	s->shared = isatty(s->fd);
	return 0;
}

/* One row per name in policy_sink_names (test_open_knows_every_sink_name
 * holds them together); any other name is a file. */
static const struct {
	const char *name;
	int (*open)(struct logger *l, struct sink *s);
} sink_types[] = {
	{"stderr", open_stderr},
	{"syslog", open_syslog},
	{"audit", audit_sink_open},
};

int sink_open(struct logger *l, struct sink *s)
{
	int (*fn)(struct logger *, struct sink *) = open_file;
	int r;

	for (size_t i = 0; i < ARRAY_SIZE(sink_types); i++)
		if (streq(s->name, sink_types[i].name))
			fn = sink_types[i].open;
	r = fn(l, s);
	if (r < 0)
		return r;
	/* The command may stall a sink it shares, at will: those always drop. */
	if (s->shared)
		s->full = LOG_FULL_DROP;
	return 0;
}
