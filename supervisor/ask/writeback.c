/*
 * ask/writeback: an `always` answer written into the policy file
 * (writeback.h). Trusted side. The file is the user's: it keeps its place
 * (through a symlink), owner, group and mode, and is never left half written
 * or not loading.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "policy/answer.h"
#include "policy/policy.h"
#include "sg-util.h"
#include "supervisor/ask/writeback.h"

unsigned writeback_line_now(const struct writeback *w, unsigned original)
{
	size_t n = atomic_load_explicit(&w->n_inserted, memory_order_acquire);
	unsigned line = original;

	for (size_t i = 0; i < n; i++)
		if (w->inserted[i] <= original)
			line += 2;
	return line;
}

/*
 * A rule written above the ask rule of original line A comes after every
 * line above A (moved by what was written above them), after the rules
 * written above A before it (each later one goes right above the ask rule,
 * so below the earlier ones), and after its own comment.
 */
unsigned writeback_written_line(const struct writeback *w, size_t nth)
{
	size_t n = atomic_load_explicit(&w->n_inserted, memory_order_acquire);
	unsigned a, line;

	if (nth == 0 || nth > n)
		return 0;
	a = w->inserted[nth - 1];
	line = a + 1;
	for (size_t i = 0; i < n; i++)
		if (w->inserted[i] < a || (w->inserted[i] == a && i < nth - 1))
			line += 2;
	return line;
}

const char *writeback_rule_location(const struct writeback *w, const struct policy *p,
				    const struct section *s, const struct rule *r, size_t nth,
				    char *buf, size_t size)
{
	unsigned line;

	if (!buf || size == 0)
		return "";
	/* Only the policy's own file is written to (ask.c refuses the rules of
	 * included files): the others' lines never move. */
	if (!w || !w->file || !r || (p && r == &p->dflt) || (s && s->implicit) || r->file)
		return policy_rule_location(p, s, r, buf, size);
	line = nth ? writeback_written_line(w, nth) : 0;
	if (!line)
		line = writeback_line_now(w, r->line);
	snprintf(buf, size, "%s:%u", p && p->file ? p->file : "?", line);
	return buf;
}

/* The whole of fd (a regular file of st_size bytes, read to its end). */
static int read_all(int fd, char **ret, size_t *ret_len)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 4096;

	buf = malloc(cap + 1);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n;

		if (len == cap) {
			char *b = cap > (16u << 20) ? NULL : realloc(buf, cap * 2 + 1);

			if (!b)
				return -EFBIG;
			buf = b;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*ret = TAKE_PTR(buf);
	*ret_len = len;
	return 0;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Replace real (a regular file, as st) by text: a temporary file in the same
 * directory, given st's owner, group and mode (owner first: chown clears the
 * set-id bits), written, fsync'd and renamed over real, then the directory
 * fsync'd. A failure leaves real as it was.
 */
static int replace_file(const char *real, const struct stat *st, const char *text, size_t len,
			const char **ret_why)
{
	_cleanup_free_ char *tmp = NULL, *dir_of = NULL;
	_cleanup_close_ int fd = -1, dfd = -1;
	int r;

	if (asprintf(&tmp, "%s.sysgate-XXXXXX", real) < 0)
		return -ENOMEM;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		*ret_why = "cannot create a temporary file beside the policy file";
		return -errno;
	}
	r = 0;
	if (fchown(fd, st->st_uid, st->st_gid) < 0) {
		*ret_why = "cannot give the new policy file the owner of the old one";
		r = -errno;
	} else if (fchmod(fd, st->st_mode & 07777) < 0) {
		*ret_why = "cannot give the new policy file the mode of the old one";
		r = -errno;
	} else if ((r = write_all(fd, text, len)) < 0 || fsync(fd) < 0) {
		*ret_why = "cannot write the new policy file";
		r = r ?: -errno;
	} else if (rename(tmp, real) < 0) {
		*ret_why = "cannot rename the new policy file into place";
		r = -errno;
	}
	if (r < 0) {
		unlink(tmp);
		return r;
	}
	/* The rename is durable once the directory is: best effort. */
	dir_of = strdup(real);
	if (dir_of) {
		dfd = open(dirname(dir_of), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0)
			(void)fsync(dfd);
	}
	return 0;
}

static uint64_t text_sum(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
	return h;
}

void writeback_init(struct writeback *w, const char *file)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_close_ int fd = -1;
	struct stat st;
	size_t len = 0;

	w->file = file;
	w->known = false;
	if (!file)
		return;
	/* Non-blocking, and a regular file only: a FIFO given as -p (read
	 * once by the loader) must not hold the start here waiting for a
	 * writer; it is no file to write back to anyway (writeback_rule). */
	fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || read_all(fd, &text, &len) < 0)
		return;
	w->text_len = len;
	w->text_sum = text_sum(text, len);
	w->known = true;
}

/* st and now are the same version of the same file. */
static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

int writeback_rule(struct writeback *w, unsigned ask_line, const char *rule, char **ret_written,
		   size_t *ret_nth, const char **ret_why)
{
	_cleanup_free_ char *old = NULL, *new = NULL, *real = NULL;
	_cleanup_close_ int fd = -1;
	struct policy_diags d = {};
	struct policy *check = NULL;
	struct stat st, again;
	size_t len = 0, new_len = 0;
	unsigned want;
	size_t n = atomic_load_explicit(&w->n_inserted, memory_order_relaxed);
	char stamp[64];
	struct tm tm;
	time_t now;
	int r;

	*ret_written = NULL;
	*ret_nth = 0;
	if (!w->file) {
		*ret_why = "the built-in policy has no file to write to (run with -p FILE)";
		return -EINVAL;
	}
	if (strlen(rule) > 198 || strpbrk(rule, "\n\r")) {
		*ret_why = "the rule does not fit on one policy line (198 bytes)";
		return -EINVAL;
	}
	if (n == ARRAY_SIZE(w->inserted)) {
		*ret_why = "too many rules written in this run";
		return -ENOSPC;
	}
	/* A symlinked policy is the user's way of keeping it elsewhere: write
	 * the file it leads to, and leave the link as it is. */
	real = realpath(w->file, NULL);
	if (!real) {
		*ret_why = "cannot resolve the policy file's path";
		return -errno;
	}
	fd = open(real, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &st) < 0) {
		*ret_why = "cannot read the policy file";
		return -errno;
	}
	if (!S_ISREG(st.st_mode)) {
		*ret_why = "the policy file is not a regular file";
		return -EINVAL;
	}
	r = read_all(fd, &old, &len);
	if (r < 0) {
		*ret_why = "cannot read the policy file";
		return r;
	}

	/* The file must be the text sysgate counts lines in: edited since
	 * (lines added or taken away above), the ask rule at the line sysgate
	 * computes may be another section's, and the rule would allow that
	 * section's syscall. Theirs wins: nothing is written. */
	if (!w->known || len != w->text_len || text_sum(old, len) != w->text_sum) {
		*ret_why = "the policy file has changed since sysgate loaded it";
		return -ESTALE;
	}
	want = writeback_line_now(w, ask_line);
	now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	r = answer_insert_rule(old, len, want, rule, stamp, &new, &new_len, ret_why);
	if (r < 0)
		return r;

	/* Validate before writing: the new text must load as a policy, or the
	 * file is not touched at all. */
	r = policy_load_string(w->file, new, &check, &d);
	policy_free(check);
	if (r < 0 || d.n_errors > 0) {
		policy_diags_free(&d);
		*ret_why = "the rule would make the policy invalid; the file is unchanged";
		return -EINVAL;
	}
	policy_diags_free(&d);

	/* Someone may have edited the file since we read it: theirs wins. */
	if (stat(real, &again) < 0 || !same_file(&st, &again)) {
		*ret_why = "the policy file has changed since sysgate loaded it";
		return -ESTALE;
	}
	r = replace_file(real, &st, new, new_len, ret_why);
	if (r < 0)
		return r;
	w->text_len = new_len;
	w->text_sum = text_sum(new, new_len);
	/* The entry first, then the count that publishes it (see writeback.h). */
	w->inserted[n] = ask_line;
	atomic_store_explicit(&w->n_inserted, n + 1, memory_order_release);
	*ret_nth = n + 1;
	if (asprintf(ret_written, "%s:%u", w->file, want + 1) < 0)
		*ret_written = NULL;
	return 0;
}
