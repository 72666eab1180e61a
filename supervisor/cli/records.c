/*
 * records: JSON record files back into observations (records.h). Trusted
 * side. Every value here was influenced by the target: each is checked for
 * its type, and a line that does not hold a call record is skipped and
 * counted, so a hostile line cannot be read as some other call.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "sg-util.h"
#include "supervisor/cli/records.h"

#define MAX_SESSIONS 64
#define MAX_LINE (1u << 20)

struct session_state {
	char id[32];
	bool launched; /* its first record was seen: what follows is the program's */
};

/* Set by jstr: a string with a NUL in it ("\u0000"), which C would cut
 * short into another name ("/srv/a\u0000b" read as /srv/a). sysgate writes
 * none; a line that has one is skipped. */
static bool jstr_cut;

static const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v;
	const char *s;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	s = json_object_get_string(v);
	if (strlen(s) != (size_t)json_object_get_string_len(v))
		jstr_cut = true;
	return s;
}

static bool jint(struct json_object *o, const char *key, int64_t *ret)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
		return false;
	*ret = json_object_get_int64(v);
	return true;
}

static bool jbool(struct json_object *o, const char *key, bool dflt)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_boolean))
		return dflt;
	return json_object_get_boolean(v);
}

static bool is_launcher_exe(const char *exe, const char *want)
{
	const char *b;

	if (!exe)
		return false;
	if (want)
		return streq(exe, want);
	b = strrchr(exe, '/');
	b = b ? b + 1 : exe;
	return streq(b, "sysgate") || streq(b, "sysgate-agent");
}

static struct session_state *session_get(struct session_state *ss, size_t *n, const char *id)
{
	for (size_t i = 0; i < *n; i++)
		if (streq(ss[i].id, id))
			return &ss[i];
	if (*n == MAX_SESSIONS)
		return NULL;
	ss[*n] = (struct session_state){};
	snprintf(ss[*n].id, sizeof(ss[*n].id), "%s", id);
	return &ss[(*n)++];
}

static int one_record(struct json_object *o, struct learn *l, const char *launcher_exe,
		      bool refuse_enforced, struct session_state *ss, size_t *n_ss,
		      struct records_stats *st)
{
	const char *syscall = jstr(o, "syscall"), *decision = jstr(o, "decision"),
		   *session = jstr(o, "session"), *exe = jstr(o, "exe"), *sg = jstr(o, "sysgate");
	struct learn_obs ob = {};
	struct json_object *args;
	struct session_state *s;
	int64_t tgid = 0, v;

	if (sg) {
		/* {"sysgate":"dropped","records":N}, or "lost" (a sink that did
		 * not take its records before exit): the run lost records. */
		if ((streq(sg, "dropped") || streq(sg, "lost")) && jint(o, "records", &v) && v > 0)
			st->lost = st->lost > ULONG_MAX - (unsigned long)v
					   ? ULONG_MAX /* saturated: a loss never wraps to none */
					   : st->lost + (unsigned long)v;
		return 0;
	}
	if (!syscall || !decision || !*syscall || !strncmp(syscall, "syscall_", 8)) {
		st->skipped++;
		return 0;
	}
	if (!jint(o, "tgid", &tgid))
		(void)jint(o, "pid", &tgid);
	ob.syscall = syscall;
	ob.abi = jstr(o, "arch");
	if (ob.abi && !streq(ob.abi, "x86_64") && !streq(ob.abi, "i386") && !streq(ob.abi, "x32")) {
		st->skipped++;
		return 0;
	}
	ob.path = jstr(o, "path");
	(void)jstr(o, "rule");
	if (jstr_cut) {
		st->skipped++;
		return 0;
	}
	{
		/* A call decided by the default had no section: the run resolved
		 * no path for it, which is not the same as a path that did not
		 * resolve. */
		const char *rule = jstr(o, "rule");

		ob.path_unknown = !ob.path && (!rule || streq(rule, "default"));
	}
	ob.exe = exe;
	ob.tgid = (int)tgid;
	if (json_object_object_get_ex(o, "args", &args) &&
	    json_object_is_type(args, json_type_array)) {
		size_t n = json_object_array_length(args);

		ob.has_args = true;
		for (size_t i = 0; i < n && i < 6; i++)
			ob.args[i] = json_object_get_uint64(json_object_array_get_idx(args, i));
	}
	ob.refused = refuse_enforced && jbool(o, "enforced", true) &&
		     (streq(decision, "deny") || streq(decision, "kill"));

	/* The launcher: sysgate's agent makes exactly one call under the
	 * filter, its exec of CMD, and makes it first. So only the session's
	 * first record, and only an exec by sysgate's executable, is sysgate's
	 * own: anything else is the program's, whatever its name. */
	s = session ? session_get(ss, n_ss, session) : NULL;
	if (s && !s->launched) {
		s->launched = true;
		if ((streq(syscall, "execve") || streq(syscall, "execveat")) &&
		    is_launcher_exe(exe, launcher_exe)) {
			ob.launcher = true;
			st->launcher++;
		}
	}
	v = learn_add(l, &ob);
	if (v == -EINVAL) {
		/* Not a syscall name the policy can write ("getpid]\n[ptrace]"
		 * from a crafted file): skipped, never written as a header. */
		st->skipped++;
		if (ob.launcher)
			st->launcher--;
		return 0;
	}
	st->records++;
	return (int)v;
}

/*
 * One line of f (without its newline) into buf, MAX_LINE + 1 bytes: its
 * length, or -1 at the end. A longer line is read to its end but not kept,
 * and its length is MAX_LINE + 1: a file of one endless line (/dev/zero, a
 * 10 GB record) costs no more memory than a record.
 */
static ssize_t read_line(FILE *f, char *buf)
{
	size_t n = 0;
	bool any = false;
	int c;

	while ((c = getc_unlocked(f)) != EOF) {
		any = true;
		if (c == '\n')
			break;
		if (n < MAX_LINE)
			buf[n] = (char)c;
		if (n <= MAX_LINE)
			n++;
	}
	if (!any)
		return -1;
	buf[MIN(n, (size_t)MAX_LINE)] = '\0';
	return (ssize_t)n;
}

int records_read(const char *file, struct learn *l, const char *launcher_exe, bool refuse_enforced,
		 struct records_stats *st)
{
	struct session_state ss[MAX_SESSIONS];
	size_t n_ss = 0;
	char *line = malloc(MAX_LINE + 1);
	ssize_t n;
	FILE *f;
	int r = 0;

	if (!line)
		return -ENOMEM;
	f = streq(file, "-") ? stdin : fopen(file, "re");
	if (!f) {
		r = -errno;
		free(line);
		return r;
	}
	while (r >= 0 && (n = read_line(f, line)) >= 0) {
		struct json_object *o;

		if (n == 0 || line[0] != '{' || (size_t)n > MAX_LINE) {
			if (n > 0)
				st->skipped++;
			continue;
		}
		o = json_tokener_parse(line);
		if (!o || !json_object_is_type(o, json_type_object)) {
			st->skipped++;
			json_object_put(o);
			continue;
		}
		jstr_cut = false;
		r = one_record(o, l, launcher_exe, refuse_enforced, ss, &n_ss, st);
		json_object_put(o);
	}
	if (r >= 0 && ferror(f))
		r = -EIO;
	free(line);
	if (f != stdin)
		fclose(f);
	return r;
}

char *records_slurp(const char *file)
{
	FILE *f = fopen(file, "re");
	char *buf;
	size_t n;

	if (!f)
		return NULL;
	buf = malloc(MAX_LINE + 1);
	if (!buf) {
		fclose(f);
		errno = ENOMEM;
		return NULL;
	}
	n = fread(buf, 1, MAX_LINE + 1, f);
	fclose(f);
	if (n > MAX_LINE) {
		free(buf);
		errno = EFBIG;
		return NULL;
	}
	if (memchr(buf, '\0', n)) {
		/* The text would end at the NUL: what follows (a [ptrace]
		 * kill = * of yours) would be gone from the policy written. */
		free(buf);
		errno = EINVAL;
		return NULL;
	}
	buf[n] = '\0';
	return buf;
}
