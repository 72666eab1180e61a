/*
 * learn: observed calls in, policy text out (learn.h says the contract).
 * Pure: the observations are strings the verbs read from records, the base
 * policy is text, and the result is text loaded again by the loader.
 *
 * Trust: every path and exe here was named by the target. A name is written
 * into the policy only as a glob that matches it exactly (its metacharacters
 * escaped) or as a generalisation that provably matches it; a name that the
 * language cannot carry gets no rule and is reported, so the call it came
 * from stays denied. Never the other way round.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/facts.h"
#include "policy/learn.h"
#include "policy/loader.h"
#include "policy/policy.h"
#include "sg-util.h"

const char *const learn_enosys[] = {
	"clone3",    "faccessat2",   "close_range", "openat2",	  "statx", "rseq",
	"fchmodat2", "epoll_pwait2", "futex_waitv", "pidfd_open", NULL,
};

#define READ_ONLY " and flags & O_ACCMODE == O_RDONLY and flags !& O_CREAT|O_TRUNC"
#define ENOSYS_MARK "; learn: not seen, ENOSYS"
#define HEADER_MAX MAX_SECTION_NAME
/* A learned glob at most: "allow = path ~ GLOB" READ_ONLY, or GLOB with a
 * suffix (".so*", a tree answer's "/ **"), within MAX_LINE (198). */
#define GLOB_MAX 112
#define AUTO_DIR_MIN 3 /* auto: this many files of one directory make DIR/ * */

int learn_paths_parse(const char *s)
{
	if (streq(s, "exact"))
		return LEARN_PATHS_EXACT;
	if (streq(s, "dir"))
		return LEARN_PATHS_DIR;
	if (streq(s, "auto"))
		return LEARN_PATHS_AUTO;
	return -EINVAL;
}

/* ---- observations ---- */

struct sample {
	char *syscall, *abi, *path, *exe;
	int tgid;
	bool launcher, refused, has_args, path_unknown;
	bool written; /* an open call that may write (or create, or truncate) */
	uint64_t args[6];
	unsigned n;
};

static bool is_open_call(const char *syscall)
{
	return streq(syscall, "open") || streq(syscall, "openat") || streq(syscall, "creat") ||
	       streq(syscall, "openat2");
}

/* Could this open write? O_WRONLY, O_RDWR, O_CREAT, O_TRUNC (x86_64 and i386
 * share these values), creat always, openat2 (flags in memory) and a record
 * without arguments: yes. */
static bool open_writes(const struct learn_obs *o)
{
	uint64_t f;

	if (!is_open_call(o->syscall))
		return false;
	if (!o->has_args || streq(o->syscall, "creat") || streq(o->syscall, "openat2"))
		return true;
	f = streq(o->syscall, "open") ? o->args[1] : o->args[2];
	return (f & 03) != 0 || (f & (0100 | 01000)) != 0;
}

struct learn {
	size_t n, cap;
	struct sample *v;
	size_t hcap;  /* the index of v by sample_key (open addressing, 0: empty) */
	size_t *hash; /* index + 1 */
	size_t n_obs;
	unsigned long lost;
};

int learn_new(struct learn **ret)
{
	*ret = calloc(1, sizeof(**ret));
	return *ret ? 0 : -ENOMEM;
}

void learn_free(struct learn *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].syscall);
		free(l->v[i].abi);
		free(l->v[i].path);
		free(l->v[i].exe);
	}
	free(l->v);
	free(l->hash);
	free(l);
}

static bool str_same(const char *a, const char *b)
{
	return a == b || (a && b && streq(a, b));
}

static char *dup_or_null(const char *s, bool *fail)
{
	char *d;

	if (!s)
		return NULL;
	d = strdup(s);
	if (!d)
		*fail = true;
	return d;
}

static uint64_t fnv(uint64_t h, const char *s)
{
	for (; s && *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return (h ^ 0xff) * 0x100000001b3ull;
}

/* What a rule can tell apart: two calls alike in all of it are one sample. */
static uint64_t obs_key(const char *syscall, const char *abi, const char *path, const char *exe,
			int tgid, unsigned flags)
{
	uint64_t h = 0xcbf29ce484222325ull;

	h = fnv(fnv(fnv(fnv(h, syscall), abi), path), exe);
	if (path && !strncmp(path, "/proc/", 6))
		h = (h ^ (uint64_t)(unsigned)tgid) * 0x100000001b3ull;
	return (h ^ flags) * 0x100000001b3ull;
}

static unsigned sample_flags(bool launcher, bool refused, bool written, bool unknown)
{
	return (unsigned)launcher | (unsigned)refused << 1 | (unsigned)written << 2 |
	       (unsigned)unknown << 3;
}

static uint64_t sample_key(const struct sample *s)
{
	return obs_key(s->syscall, s->abi, s->path, s->exe, s->tgid,
		       sample_flags(s->launcher, s->refused, s->written, s->path_unknown));
}

static int rehash(struct learn *l)
{
	size_t cap = l->hcap ? l->hcap * 2 : 256;
	size_t *h = calloc(cap, sizeof(*h));

	if (!h)
		return -ENOMEM;
	for (size_t i = 0; i < l->n; i++) {
		size_t k = (size_t)sample_key(&l->v[i]) & (cap - 1);

		while (h[k])
			k = (k + 1) & (cap - 1);
		h[k] = i + 1;
	}
	free(l->hash);
	l->hash = h;
	l->hcap = cap;
	return 0;
}

/*
 * A syscall name as the policy writes it: lower case, digits, '_', short.
 * The name is written into section headers and the ABI into comments, and a
 * record file given to review says what it likes: "getpid]\n[ptrace]\nallow
 * = *" would be a section of the file's making.
 */
static bool plain_name(const char *s)
{
	size_t n = s ? strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") : 0;

	return n > 0 && n < 64 && s[n] == '\0';
}

int learn_add(struct learn *l, const struct learn_obs *o)
{
	const char *abi = o->abi ? o->abi : "x86_64";
	bool written, unknown = o->path_unknown && !o->path;
	struct sample *s;
	bool fail = false;
	uint64_t key;
	size_t k;

	if (!plain_name(o->syscall) ||
	    (o->abi && !streq(o->abi, "x86_64") && !streq(o->abi, "i386") && !streq(o->abi, "x32")))
		return -EINVAL;
	written = open_writes(o);
	l->n_obs++;
	if ((l->n + 1) * 2 > l->hcap && rehash(l) < 0)
		return -ENOMEM;
	key = obs_key(o->syscall, abi, o->path, o->exe, o->tgid,
		      sample_flags(o->launcher, o->refused, written, unknown));
	for (k = (size_t)key & (l->hcap - 1); l->hash[k]; k = (k + 1) & (l->hcap - 1)) {
		s = &l->v[l->hash[k] - 1];
		if (streq(s->syscall, o->syscall) && streq(s->abi, abi) &&
		    str_same(s->path, o->path) && str_same(s->exe, o->exe) &&
		    s->launcher == o->launcher && s->refused == o->refused &&
		    s->written == written && s->path_unknown == unknown &&
		    (!o->path || !strncmp(o->path, "/proc/", 6) ? s->tgid == o->tgid : true)) {
			s->n++;
			return 0;
		}
	}
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct sample *v = reallocarray(l->v, cap, sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	s = &l->v[l->n];
	*s = (struct sample){
		.syscall = dup_or_null(o->syscall, &fail),
		.abi = dup_or_null(abi, &fail),
		.path = dup_or_null(o->path, &fail),
		.exe = dup_or_null(o->exe, &fail),
		.tgid = o->tgid,
		.launcher = o->launcher,
		.refused = o->refused,
		.has_args = o->has_args,
		.written = written,
		.path_unknown = unknown,
		.n = 1,
	};
	memcpy(s->args, o->args, sizeof(s->args));
	if (fail) {
		free(s->syscall);
		free(s->abi);
		free(s->path);
		free(s->exe);
		return -ENOMEM;
	}
	l->hash[k] = l->n + 1;
	l->n++;
	return 0;
}

void learn_note_lost(struct learn *l, unsigned long n)
{
	l->lost = l->lost > (unsigned long)-1 - n ? (unsigned long)-1 : l->lost + n;
}

size_t learn_count(const struct learn *l)
{
	return l->n_obs;
}

/* ---- small text helpers ---- */

struct strv {
	size_t n;
	char **v;
	bool fail;
};

static void strv_push_own(struct strv *sv, char *s)
{
	char **v;

	if (!s) {
		sv->fail = true;
		return;
	}
	v = reallocarray(sv->v, sv->n + 2, sizeof(*v));
	if (!v) {
		free(s);
		sv->fail = true;
		return;
	}
	sv->v = v;
	sv->v[sv->n++] = s;
	sv->v[sv->n] = NULL;
}

static __attribute__((format(printf, 2, 3))) void strv_printf(struct strv *sv, const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	strv_push_own(sv, r < 0 ? NULL : s);
}

static bool strv_has(const struct strv *sv, const char *s)
{
	for (size_t i = 0; i < sv->n; i++)
		if (streq(sv->v[i], s))
			return true;
	return false;
}

static void strv_push_unique(struct strv *sv, const char *s)
{
	if (!strv_has(sv, s))
		strv_push_own(sv, strdup(s));
}

static void strv_done(struct strv *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	*sv = (struct strv){};
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void report(struct learn_report *rep, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void report(struct learn_report *rep, const char *fmt, ...)
{
	char *s = NULL, **v;
	va_list ap;
	int r;

	if (!rep)
		return;
	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0)
		return;
	for (size_t i = 0; i < rep->n; i++)
		if (streq(rep->lines[i], s)) {
			free(s);
			return;
		}
	v = reallocarray(rep->lines, rep->n + 1, sizeof(*v));
	if (!v) {
		free(s);
		return;
	}
	rep->lines = v;
	rep->lines[rep->n++] = s;
}

void learn_report_done(struct learn_report *r)
{
	for (size_t i = 0; r && i < r->n; i++)
		free(r->lines[i]);
	if (r) {
		free(r->lines);
		*r = (struct learn_report){};
	}
}

/* A target string made safe for a comment or a message: printable ASCII,
 * the rest as \xNN, cut to max bytes. */
static char *shown(const char *s, size_t max)
{
	char *out = malloc(max * 4 + 4), *o = out;

	if (!out)
		return NULL;
	for (size_t i = 0; s[i] && (size_t)(o - out) < max; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f)
			*o++ = (char)c;
		else
			o += sprintf(o, "\\x%02x", c);
	}
	if (strlen(s) > max)
		o += sprintf(o, "...");
	*o = '\0';
	return out;
}

/* ---- paths into globs ---- */

/*
 * An object without a file name, reached through a descriptor (fstat of a
 * pipe with AT_EMPTY_PATH, /proc/PID/fd/N of a socket): the record names it
 * "pipe:[8688672]", which no glob can match (globs are absolute), and its
 * inode is new each run. `path !~ / **` is exactly these objects.
 */
#define OBJECTS "\x01objects"
static bool is_object(const char *path)
{
	size_t n = strspn(path, "abcdefghijklmnopqrstuvwxyz_");

	return n > 0 && path[n] == ':' && path[strlen(path) - 1] != '\n' && !strpbrk(path, "\n\t ");
}

/* The bytes of s that are in set. */
static size_t strcspn_count(const char *s, const char *set)
{
	size_t n = 0;

	for (; *s; s++)
		n += strchr(set, *s) != NULL;
	return n;
}

/* Why the language cannot carry this name exactly, or NULL. */
static const char *path_unwritable(const char *path)
{
	if (path[0] != '/')
		return "not a file name";
	for (const unsigned char *c = (const unsigned char *)path; *c; c++) {
		if (*c == ' ' || *c == '\t')
			return "a space or tab (a glob cannot hold one)";
		if (*c < 0x20 || *c == 0x7f)
			return "a control character";
		if (*c == '\\')
			return "a backslash (the record may have escaped a byte: the name is not "
			       "known "
			       "exactly)";
	}
	/* Its glob (each metacharacter escaped, so up to twice the name) in
	 * the longest rule learn writes must fit a policy line. */
	if (strlen(path) + strcspn_count(path, "*?[]{},") > GLOB_MAX)
		return "too long for one policy line";
	/* Resolved paths are normalized; a glob for any other never matches
	 * (the loader refuses it). */
	if (strstr(path, "//") || strstr(path, "/./") || strstr(path, "/../") ||
	    (strlen(path) > 1 && path[strlen(path) - 1] == '/') ||
	    (strlen(path) >= 2 && !strcmp(path + strlen(path) - 2, "/.")) ||
	    (strlen(path) >= 3 && !strcmp(path + strlen(path) - 3, "/..")))
		return "not a normalized path";
	return NULL;
}

/* n bytes of s with the glob metacharacters escaped, appended to buf. */
static void esc_append(char *buf, size_t size, const char *s, size_t n)
{
	size_t o = strlen(buf);

	for (size_t i = 0; i < n && o + 3 < size; i++) {
		if (strchr("*?[]{}\\,", s[i]))
			buf[o++] = '\\';
		buf[o++] = s[i];
	}
	buf[o] = '\0';
}

static bool all_digits(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/*
 * The path as a glob, component by component: /proc/PID and /proc/PID/task/TID
 * as any pid (pids are never the same twice; a rule cannot say "its own",
 * since paths are judged resolved: /proc/self reads /proc/4711), /home/USER
 * as /home/ * unless exact (every mode but auto: --paths dir of
 * /home/alice/x is /home/alice/ *, not every home's files), everything else
 * escaped.
 */
static void glob_base(const char *path, bool exact, char *buf, size_t size)
{
	const char *p = path;
	unsigned idx = 0;
	bool in_proc = false, in_task = false, in_home = false;

	buf[0] = '\0';
	while (*p == '/') {
		const char *c = p + 1;
		size_t n = strcspn(c, "/");

		strncat(buf, "/", size - strlen(buf) - 1);
		if (idx == 1 && in_proc && all_digits(c, n))
			strncat(buf, "*", size - strlen(buf) - 1);
		else if (idx == 3 && in_task && all_digits(c, n))
			strncat(buf, "*", size - strlen(buf) - 1);
		else if (idx == 1 && in_home && !exact && n > 0)
			strncat(buf, "*", size - strlen(buf) - 1);
		else
			esc_append(buf, size, c, n);
		if (idx == 0) {
			in_proc = n == 4 && !memcmp(c, "proc", 4);
			in_home = n == 4 && !memcmp(c, "home", 4);
		}
		if (idx == 2 && in_proc)
			in_task = n == 4 && !memcmp(c, "task", 4);
		idx++;
		p = c + n;
	}
}

/* Trees whose files a program reads by the many (aa-logprof's [globs]). */
static const char *const auto_trees[] = {
	"/usr/share/locale/",	"/usr/lib/locale/",
	"/usr/share/zoneinfo/", "/usr/share/fonts/",
	"/usr/share/i18n/",	"/usr/lib/x86_64-linux-gnu/gconv/",
	"/usr/share/terminfo/", "/usr/share/X11/locale/",
	"/etc/ssl/certs/",	NULL,
};

char *learn_glob_for(const char *path, enum learn_paths paths, const char **ret_why)
{
	char buf[1024];
	const char *why = path_unwritable(path), *slash;

	*ret_why = NULL;
	if (why) {
		*ret_why = why;
		return NULL;
	}
	glob_base(path, paths != LEARN_PATHS_AUTO, buf, sizeof(buf));
	slash = strrchr(buf, '/');
	if (paths == LEARN_PATHS_DIR && slash) {
		/* The directory's files: DIR/ *; a file of / stays exact. */
		if (slash != buf)
			strcpy((char *)slash + 1, "*");
	} else if (paths == LEARN_PATHS_AUTO && slash) {
		const char *base = slash + 1, *so = strstr(base, ".so"), *lib = strstr(buf, "/lib");

		for (size_t i = 0; auto_trees[i]; i++) {
			size_t n = strlen(auto_trees[i]);

			if (!strncmp(buf, auto_trees[i], n)) {
				snprintf(buf + n, sizeof(buf) - n, "**");
				goto out;
			}
		}
		/* libfoo.so.1.2 -> libfoo.so*, which a later version matches.
		 * Only a library: in a directory named lib... (/usr/lib, /lib64),
		 * not a file of /tmp or /etc named like one (/tmp/lib.so). */
		if (so && (so[3] == '\0' || so[3] == '.') && so > base && lib && lib < slash)
			strcpy((char *)so + 3, "*");
		else if (!strncmp(buf, "/dev/pts/", 9) && all_digits(buf + 9, strlen(buf + 9)))
			strcpy(buf + 9, "[0-9]*"); /* a terminal, not /dev/pts/ptmx */
	}
out:
	return strdup(buf);
}

/* The glob is one the loader accepts and it matches path. */
static bool glob_fits(const char *glob, const char *path)
{
	const char *why;

	return policy_path_glob_check(glob, &why) == 0 && policy_glob_match(glob, path);
}

static char *exact_glob(const char *path)
{
	if (is_object(path))
		return strdup("!");
	const char *why;

	return learn_glob_for(path, LEARN_PATHS_EXACT, &why);
}

/* The directory of a (writable) path, as a glob prefix: "/etc", "" for /. */
static char *dir_glob(const char *path)
{
	char buf[1024], *slash;

	glob_base(path, true, buf, sizeof(buf));
	slash = strrchr(buf, '/');
	if (slash)
		*slash = '\0';
	return strdup(buf);
}

/* ---- the observing policy and the skeleton ---- */

static bool takes_path(const char *syscall)
{
	const struct syscall_shape *sh = policy_syscall_shape(syscall);

	return sh && strchr(sh->args, 's');
}

/* "[=a, b, =c]" lines of names, each at most HEADER_MAX characters. */
static void headers(FILE *f, char *const *names, size_t n, const char *after_header,
		    const char *rule)
{
	char cur[HEADER_MAX + 8] = "";

	for (size_t i = 0; i <= n; i++) {
		char item[64] = "";

		if (i < n)
			snprintf(item, sizeof(item), "%s%s", policy_family(names[i]) ? "=" : "",
				 names[i]);
		if (cur[0] && (i == n || strlen(cur) + 2 + strlen(item) + 2 > HEADER_MAX)) {
			fprintf(f, "[%s]%s\n%s\n", cur, after_header, rule);
			cur[0] = '\0';
		}
		if (i < n) {
			if (cur[0])
				strcat(cur, ", ");
			strcat(cur, item);
		}
	}
}

/* Every syscall name sysgate knows: Docker's allowlist and the rest
 * (@privileged is every other name libseccomp has), and the newer ones. */
static void all_names(struct strv *out)
{
	const struct policy_group *g[] = {policy_group("docker-default"),
					  policy_group("privileged")};

	for (size_t k = 0; k < ARRAY_SIZE(g); k++)
		for (size_t i = 0; g[k] && g[k]->syscalls[i]; i++)
			if (policy_syscall_known(g[k]->syscalls[i]))
				strv_push_unique(out, g[k]->syscalls[i]);
	for (const struct newer_syscall *e = policy_newer_syscalls; e->name; e++)
		strv_push_unique(out, e->name);
	/* Not in either group: decided by argument in Docker's profile. */
	strv_push_unique(out, "clone");
	strv_push_unique(out, "personality");
	strv_push_unique(out, "socket");
}

char *learn_observer_text(void)
{
	struct strv names = {}, withpath = {};
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	all_names(&names);
	for (size_t i = 0; i < names.n; i++)
		if (takes_path(names.v[i]))
			strv_push_unique(&withpath, names.v[i]);
	f = open_memstream(&buf, &len);
	if (!f || names.fail || withpath.fail) {
		if (f)
			fclose(f);
		free(buf);
		strv_done(&names);
		strv_done(&withpath);
		return NULL;
	}
	if (withpath.n)
		qsort(withpath.v, withpath.n, sizeof(char *), cmp_str);
	fputs("; sysgate learn: observe every call of every ABI (generated)\n"
	      "[sysgate]\n"
	      "mode = enforce\n"
	      "default = log\n"
	      "log_full = block\n"
	      "log_format = json\n\n"
	      "; the calls that name a path: resolved for the record\n",
	      f);
	headers(f, withpath.v, withpath.n, "", "log = *");
	/* The filter allows these without a word when no section names them
	 * (compile.c): named here, they are seen too. */
	fputs("\n; the calls every filter allows unseen otherwise\n"
	      "[exit, exit_group, rt_sigreturn, sigreturn]\nlog = *\n",
	      f);
	fclose(f);
	strv_done(&names);
	strv_done(&withpath);
	return buf;
}

unsigned learn_abis_used(const struct learn *l)
{
	unsigned abis = 1u << POLICY_ABI_X86_64;

	for (size_t i = 0; i < l->n; i++) {
		enum policy_abi a;

		if (policy_abi_parse(l->v[i].abi, &a) == 0)
			abis |= 1u << a;
	}
	return abis;
}

char *learn_skeleton_text(const char *source)
{
	return learn_skeleton_text_abis(source, POLICY_ABIS_ALL);
}

char *learn_skeleton_text_abis(const char *source, unsigned abis)
{
	char key[160] = "";
	struct strv en = {};
	char *buf = NULL, *src = source ? shown(source, 120) : NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f) {
		free(src);
		return NULL;
	}
	for (size_t i = 0; learn_enosys[i]; i++)
		strv_push_unique(&en, learn_enosys[i]);
	abis |= 1u << POLICY_ABI_X86_64;
	if ((abis & POLICY_ABIS_ALL) != POLICY_ABIS_ALL)
		snprintf(key, sizeof(key),
			 "; the ABIs the run used; a call through another is killed\n"
			 "abi = x86_64%s%s\n",
			 abis & (1u << POLICY_ABI_I386) ? ", i386" : "",
			 abis & (1u << POLICY_ABI_X32) ? ", x32" : "");
	fprintf(f,
		"; Learned by sysgate learn%s%s.\n"
		"; Allows what the recorded run did and denies the rest (EPERM). Rules below a\n"
		"; line \"; learn:\" were written by sysgate; your own rules are kept by --merge.\n"
		"; Not written: exit, exit_group, rt_sigreturn and sigreturn, which every sysgate\n"
		"; filter allows; io_uring, which sysgate keeps out (its operations bypass "
		"seccomp).\n"
		"; A section covers its syscalls on every ABI (x86_64, i386, x32): the language\n"
		"; cannot allow a call on one ABI only; each section says where it was seen.\n"
		"[sysgate]\n"
		"default = deny\n"
		"%s\n"
		"; Calls libc falls back from on ENOSYS, not seen: ENOSYS, so that it does.\n",
		src ? ": " : "", src ? src : "", key);
	if (!en.fail)
		headers(f, en.v, en.n, " " ENOSYS_MARK, "deny = ENOSYS *");
	fclose(f);
	free(src);
	strv_done(&en);
	return buf;
}

/* ---- the plan ---- */

enum target_kind {
	T_INSERT, /* rules into an existing section, before line `line` (0: at its end) */
	T_NEW,	  /* a new section of its own for the syscall */
};

struct pitem {
	struct learn_item pub;
	enum target_kind kind;
	size_t section; /* T_INSERT */
	unsigned line;	/* T_INSERT: before this line; 0: after the section's last rule */
	char *syscall;	/* T_NEW: the one syscall */
	bool path;	/* a path item */
	struct strv paths, sugg;
	struct strv written; /* paths opened for writing (or that may have been) */
	bool opens;	     /* every syscall of the target is an open call */
	char *dirg;	     /* the directory as a glob prefix */
};

struct newsec {
	char *syscall;
	bool path_rules_needed; /* only unresolved paths: the kernel's errno, else default */
	char *catchall;		/* the rule of the section it is taken from, to keep */
	char *abis;
};

struct learn_plan {
	struct policy *p;
	char *name;
	char *text;
	enum learn_paths mode;
	size_t n_items;
	struct pitem *items;
	struct learn_item *pub;
	struct strv launcher_rules; /* "execve\tallow = exe ~ ..." */
	struct strv enosys_seen;    /* names to take out of the ENOSYS sections */
	struct strv notes;	    /* comments for the top of new text */
	size_t n_new;
	struct newsec *news;
	unsigned long lost;
};

void learn_plan_free(struct learn_plan *pl)
{
	if (!pl)
		return;
	for (size_t i = 0; i < pl->n_items; i++) {
		struct pitem *it = &pl->items[i];

		free(it->pub.where);
		free(it->pub.syscalls);
		free(it->pub.dir);
		free(it->syscall);
		free(it->dirg);
		strv_done(&it->paths);
		strv_done(&it->sugg);
		strv_done(&it->written);
	}
	for (size_t i = 0; i < pl->n_new; i++) {
		free(pl->news[i].syscall);
		free(pl->news[i].catchall);
		free(pl->news[i].abis);
	}
	free(pl->news);
	free(pl->items);
	free(pl->pub);
	strv_done(&pl->launcher_rules);
	strv_done(&pl->enosys_seen);
	strv_done(&pl->notes);
	policy_free(pl->p);
	free(pl->name);
	free(pl->text);
	free(pl);
}

size_t learn_plan_items(const struct learn_plan *pl, const struct learn_item **ret)
{
	*ret = pl->pub;
	return pl->n_items;
}

/* Line `line` (1-based) of text, as a pointer and length. */
static const char *text_line(const char *text, unsigned line, size_t *ret_len)
{
	const char *p = text;

	for (unsigned i = 1; i < line && p; i++) {
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	if (!p || !*p) {
		*ret_len = 0;
		return NULL;
	}
	*ret_len = strcspn(p, "\n");
	return p;
}

static bool section_is_enosys(const struct learn_plan *pl, const struct section *s)
{
	size_t n;
	const char *l;

	if (s->file || s->n_rules != 1 || s->rules[0].kind != DECISION_DENY ||
	    s->rules[0].err != ENOSYS || !ld_rule_is_any(&s->rules[0]))
		return false;
	l = text_line(pl->text, s->line, &n);
	return l && memmem(l, n, ENOSYS_MARK, strlen(ENOSYS_MARK));
}

static bool rule_is_catchall(const struct rule *r)
{
	return r->n_conds == 1 && r->conds[0].kind == COND_ANY;
}

static unsigned char section_spec(const struct section *s, const char *syscall)
{
	for (size_t i = 0; i < s->n_syscalls; i++)
		if (streq(s->syscalls[i], syscall))
			return s->spec ? s->spec[i] : SPEC_EXACT;
	return 0;
}

static bool is_allowing(enum decision_kind k)
{
	return k == DECISION_ALLOW || k == DECISION_LOG || k == DECISION_EMULATE ||
	       k == DECISION_ASK;
}

static struct decision decide(const struct learn_plan *pl, const struct sample *s,
			      const struct section **ret_sec)
{
	const struct section *sec = policy_section_for(pl->p, s->syscall);
	struct call c = {
		.syscall = s->syscall,
		.shape = policy_syscall_shape(s->syscall),
		.abi32 = !streq(s->abi, "x86_64"),
		.i386 = streq(s->abi, "i386"),
		.path = s->path,
		.path_err = ENOENT,
		.exe = s->exe,
		.mem_err = EFAULT,
		.name_err = EFAULT,
	};

	memcpy(c.args, s->args, sizeof(c.args));
	*ret_sec = sec;
	if (!sec) {
		for (size_t i = 0; policy_always_allowed[i]; i++)
			if (streq(policy_always_allowed[i], s->syscall))
				return (struct decision){.kind = DECISION_ALLOW};
		if (!policy_syscall_known(s->syscall) || policy_newer_syscall_by_name(s->syscall) ||
		    policy_syscall_reach(s->syscall))
			return policy_decide_unnamed(pl->p, s->syscall, NULL);
	}
	return policy_decide(pl->p, sec, &c);
}

static struct newsec *new_section(struct learn_plan *pl, const char *syscall)
{
	struct newsec *v;

	for (size_t i = 0; i < pl->n_new; i++)
		if (streq(pl->news[i].syscall, syscall))
			return &pl->news[i];
	v = reallocarray(pl->news, pl->n_new + 1, sizeof(*v));
	if (!v)
		return NULL;
	pl->news = v;
	v = &pl->news[pl->n_new];
	*v = (struct newsec){.syscall = strdup(syscall)};
	if (!v->syscall)
		return NULL;
	pl->n_new++;
	return v;
}

static void newsec_abi(struct newsec *ns, const char *abi)
{
	char *n = NULL;

	if (ns->abis && strstr(ns->abis, abi))
		return;
	if (asprintf(&n, "%s%s%s", ns->abis ? ns->abis : "", ns->abis ? ", " : "", abi) < 0)
		return;
	free(ns->abis);
	ns->abis = n;
}

static struct pitem *item_for(struct learn_plan *pl, enum target_kind kind, size_t section,
			      unsigned line, const char *syscall, const char *dirg)
{
	struct pitem *v;

	for (size_t i = 0; i < pl->n_items; i++) {
		struct pitem *it = &pl->items[i];

		if (it->kind != kind || !str_same(it->dirg, dirg))
			continue;
		if (kind == T_INSERT && it->section == section && it->line == line)
			return it;
		if (kind == T_NEW && streq(it->syscall, syscall))
			return it;
	}
	v = reallocarray(pl->items, pl->n_items + 1, sizeof(*v));
	if (!v)
		return NULL;
	pl->items = v;
	v = &pl->items[pl->n_items];
	*v = (struct pitem){.kind = kind, .section = section, .line = line};
	if ((syscall && !(v->syscall = strdup(syscall))) || (dirg && !(v->dirg = strdup(dirg))))
		return NULL;
	v->path = dirg != NULL;
	pl->n_items++;
	return v;
}

/* Directories whose files are not alike: auto never makes DIR/ * of them
 * (a server reading /etc/passwd must not be given /etc/shadow). */
static bool dir_keeps_exact(const char *dirg)
{
	/* Each with everything below it: /root/.ssh holds id_rsa beside the
	 * known_hosts read, /run/secrets every secret beside the three read. */
	static const char *const dirs[] = {"/etc",	"/root", "/dev",     "/proc",
					   "/sys",	"/run",	 "/var/lib", "/var/spool",
					   "/var/mail", "/home", NULL};

	if (!dirg[0])
		return true; /* / */
	for (size_t i = 0; dirs[i]; i++) {
		size_t n = strlen(dirs[i]);

		if (!strncmp(dirg, dirs[i], n) && (dirg[n] == '\0' || dirg[n] == '/'))
			return true;
	}
	return false;
}

/*
 * The suggestion for a path item under mode: each path's own glob (auto:
 * libraries, known trees, /proc/ *, /dev/pts/[0-9]*); then, under auto, the paths
 * still exact in a directory of several such files become DIR/ * (DIR/ *.EXT
 * when they share an extension).
 */
static void suggest(struct pitem *it, enum learn_paths mode)
{
	struct strv exact = {};
	const char *ext = NULL;
	size_t with_ext = 0;
	char g[1100];

	if (streq(it->dirg, OBJECTS)) {
		strv_push_unique(&it->sugg, "!");
		return;
	}
	for (size_t i = 0; i < it->paths.n; i++) {
		const char *why;
		char *x = exact_glob(it->paths.v[i]);
		char *a = learn_glob_for(it->paths.v[i], mode, &why);

		if (a && !glob_fits(a, it->paths.v[i])) {
			free(a);
			a = x ? strdup(x) : NULL;
		}
		if (a && x && streq(a, x) && mode == LEARN_PATHS_AUTO)
			strv_push_unique(&exact, it->paths.v[i]);
		else if (a && glob_fits(a, it->paths.v[i]))
			strv_push_unique(&it->sugg, a);
		free(a);
		free(x);
	}
	if (exact.n >= AUTO_DIR_MIN && it->dirg[0] && !dir_keeps_exact(it->dirg)) {
		for (size_t i = 0; i < exact.n; i++) {
			const char *b = strrchr(exact.v[i], '/'), *dot = b ? strrchr(b, '.') : NULL;

			if (dot && dot != b + 1 && !strpbrk(dot, "*?[]{}\\,") &&
			    (!ext || streq(ext, dot))) {
				ext = dot;
				with_ext++;
			}
		}
		snprintf(g, sizeof(g), "%s/*%s", it->dirg, with_ext == exact.n ? ext : "");
		for (size_t i = 0; i < exact.n; i++)
			if (!glob_fits(g, exact.v[i]))
				goto each;
		strv_push_unique(&it->sugg, g);
		strv_done(&exact);
		return;
	}
each:
	for (size_t i = 0; i < exact.n; i++) {
		char *x = exact_glob(exact.v[i]);

		if (x && glob_fits(x, exact.v[i]))
			strv_push_unique(&it->sugg, x);
		free(x);
	}
	strv_done(&exact);
}

static void section_where(const struct learn_plan *pl, const struct section *s, char *buf,
			  size_t size)
{
	snprintf(buf, size, "[%s] (%s:%u)", s->name, s->file ? s->file : pl->name, s->line);
}

/*
 * Every syscall of s is of one family (open, openat, creat, openat2): a path
 * rule written for one of them is the same operation for the others. In
 * [openat, unlinkat] it is not: an allow for the openat of /etc/hosts seen
 * would let unlinkat remove it.
 */
static bool one_family(const struct section *s)
{
	const struct family *f = s->n_syscalls ? policy_family_of(s->syscalls[0]) : NULL;

	for (size_t i = 1; f && i < s->n_syscalls; i++)
		if (policy_family_of(s->syscalls[i]) != f)
			return false;
	return f != NULL;
}

/* The calls with two paths whose rules judge one (sysgate-policy(5)). */
static bool two_paths(const char *syscall)
{
	static const char *const v[] = {"rename",     "renameat", "renameat2",	"link", "linkat",
					"move_mount", "mount",	  "pivot_root", NULL};

	for (size_t i = 0; v[i]; i++)
		if (streq(v[i], syscall))
			return true;
	return false;
}

/* One program sample against the base: covered, kept, reported, or an item. */
static int plan_sample(struct learn_plan *pl, const struct sample *sm, struct learn_report *rep)
{
	const struct section *sec = NULL;
	struct decision d = decide(pl, sm, &sec);
	bool path = takes_path(sm->syscall);
	_cleanup_free_ char *dirg = NULL, *sp = NULL;
	enum target_kind kind = T_NEW;
	size_t si = 0;
	unsigned line = 0;
	struct pitem *it;
	const char *why;

	if (is_allowing(d.kind) || (d.unresolved && !sm->path && !sm->path_unknown))
		return 0; /* allowed, or the kernel's own error for a path that
			   * does not resolve */
	if (!policy_syscall_known(sm->syscall)) {
		/* A record file may name anything: no section can hold it, and
		 * one would spoil the whole policy. */
		report(rep, "%s: not written: no syscall of that name on x86_64, i386 or x32",
		       sm->syscall);
		return 0;
	}
	if (path && sm->path_unknown) {
		report(rep,
		       "%s: not written: the records name no path for it (the run's policy had "
		       "no section for %s, so none was resolved); record it with sysgate learn, "
		       "or give it a section (log = *) in the complain-mode policy",
		       sm->syscall, sm->syscall);
		return 0;
	}
	if (sec && section_is_enosys(pl, sec)) {
		strv_push_unique(&pl->enosys_seen, sm->syscall);
		sec = NULL;
	}
	if (sec) {
		char where[128];

		si = (size_t)(sec - pl->p->sections);
		section_where(pl, sec, where, sizeof(where));
		if (d.rule && (!rule_is_catchall(d.rule) || d.rule == &sec->rules[0])) {
			/* A rule of yours decided it (a condition, or a catch-all
			 * that is the section's only word): kept, never overridden.
			 * Only a catch-all that closes rules before it, or the
			 * default, leaves room for what the run did. */
			char loc[80];

			report(rep, "%s: kept: %s decides it by your rule %s", sm->syscall, where,
			       policy_rule_location(pl->p, sec, d.rule, loc, sizeof(loc)));
			return 0;
		}
		if (sec->file) {
			report(rep, "%s: not written: %s is in an included file", sm->syscall,
			       where);
			return 0;
		}
		if (sec->n_syscalls == 1 || (path && sec->shows_path && one_family(sec))) {
			/* Into the section, before the catch-all that decided, or
			 * at its end (the default decided). */
			kind = T_INSERT;
			line = d.rule ? d.rule->line : 0;
			if (sec->n_syscalls > 1 && path)
				report(rep,
				       "%s: rules written into %s also hold for its other syscalls",
				       sm->syscall, where);
		} else if (section_spec(sec, sm->syscall) < SPEC_EXACT && sec->n_rules == 0) {
			/* A section of its own takes it from the wider one, which
			 * has no rule (the default decided it). */
			kind = T_NEW;
		} else {
			report(rep,
			       "%s: not written: %s covers other syscalls too and has rules of its "
			       "own; allowing it there would allow them",
			       sm->syscall, where);
			return 0;
		}
	}
	if (path && sm->path && is_object(sm->path)) {
		dirg = strdup(OBJECTS);
		if (!dirg)
			return -ENOMEM;
	} else if (path && sm->path) {
		why = path_unwritable(sm->path);
		if (why) {
			sp = shown(sm->path, 80);
			report(rep, "%s %s: not written (%s): it stays denied", sm->syscall,
			       sp ? sp : "?", why);
			return 0;
		}
		dirg = dir_glob(sm->path);
		if (!dirg)
			return -ENOMEM;
	}
	if (kind == T_NEW) {
		struct newsec *ns = new_section(pl, sm->syscall);

		if (!ns)
			return -ENOMEM;
		newsec_abi(ns, sm->abi);
		if (sec && !ns->catchall && d.rule) {
			char e[32] = "";

			if (d.rule->kind == DECISION_DENY)
				snprintf(e, sizeof(e), "%s ",
					 policy_errno_name(d.rule->err) ?: "EPERM");
			if (asprintf(&ns->catchall, "%s = %s*", policy_decision_name(d.rule->kind),
				     e) < 0)
				return -ENOMEM;
		}
		if (path && !sm->path) {
			ns->path_rules_needed = true;
			return 0;
		}
	}
	if (path && !sm->path)
		return 0; /* into an existing path section: its rules say the errno */
	it = item_for(pl, kind, si, line, kind == T_NEW ? sm->syscall : NULL, dirg);
	if (!it)
		return -ENOMEM;
	if (path && two_paths(sm->syscall)) {
		/* The language judges the first path only (sysgate-policy(5)):
		 * what the rule allows, it allows to any destination. */
		report(rep,
		       "%s: its rules judge the first path only: what they allow may go to any "
		       "destination (%s)",
		       sm->syscall, streq(sm->syscall, "mount") ? "the target" : "the second path");
		char note[160];

		snprintf(note, sizeof(note),
			 "; learn: WARNING: %s rules judge its first path only; the second is "
			 "not checked",
			 sm->syscall);
		strv_push_unique(&pl->notes, note);
		if (pl->notes.fail)
			return -ENOMEM;
	}
	it->pub.calls += sm->n;
	if (kind == T_INSERT && !it->pub.syscalls) {
		it->pub.syscalls = strdup(sm->syscall);
	} else if (kind == T_INSERT && !strstr(it->pub.syscalls, sm->syscall)) {
		char *n = NULL;

		if (asprintf(&n, "%s, %s", it->pub.syscalls, sm->syscall) < 0)
			return -ENOMEM;
		free(it->pub.syscalls);
		it->pub.syscalls = n;
	}
	if (sm->path)
		strv_push_unique(&it->paths, sm->path);
	if (sm->path && sm->written)
		strv_push_unique(&it->written, sm->path);
	if (it->pub.calls == sm->n) {
		/* new: may its rules say "read only"? */
		const struct section *t = kind == T_INSERT ? &pl->p->sections[si] : NULL;

		it->opens = is_open_call(sm->syscall);
		for (size_t k = 0; t && k < t->n_syscalls; k++)
			it->opens = it->opens && is_open_call(t->syscalls[k]);
	}
	return it->paths.fail || it->written.fail ? -ENOMEM : 0;
}

/* sysgate's launcher: its exec of CMD, allowed to its own executable only. */
static int plan_launcher(struct learn_plan *pl, const struct sample *sm, struct learn_report *rep)
{
	const struct section *sec = NULL;
	struct decision d = decide(pl, sm, &sec);
	char *g;
	const char *why;

	if (is_allowing(d.kind))
		return 0;
	if (!streq(sm->syscall, "execve") || !sm->exe) {
		report(rep, "%s: sysgate's own call before CMD ran: left out", sm->syscall);
		return 0;
	}
	g = learn_glob_for(sm->exe, LEARN_PATHS_EXACT, &why);
	if (!g) {
		report(rep, "execve: sysgate's executable cannot be written (%s)", why ?: "ENOMEM");
		return why ? 0 : -ENOMEM;
	}
	strv_printf(&pl->launcher_rules, "allow = exe ~ %s", g);
	free(g);
	if (sec && sec->file)
		report(rep, "execve: the section that decides it is in an included file");
	return pl->launcher_rules.fail ? -ENOMEM : 0;
}

int learn_plan_new(const struct learn *l, const char *name, const char *text, enum learn_paths mode,
		   struct learn_plan **ret, struct learn_report *rep)
{
	struct learn_plan *pl = calloc(1, sizeof(*pl));
	struct policy_diags diags = {};
	struct strv refused = {}, launched = {};
	int r;

	if (!pl)
		return -ENOMEM;
	pl->mode = mode;
	pl->lost = l->lost;
	pl->name = strdup(name);
	pl->text = strdup(text);
	if (!pl->name || !pl->text) {
		learn_plan_free(pl);
		return -ENOMEM;
	}
	r = policy_load_string(name, text, &pl->p, &diags);
	if (r < 0) {
		for (size_t i = 0; i < diags.n; i++)
			if (diags.v[i].severity == DIAG_ERROR)
				report(rep, "%s:%u: error: %s", name, diags.v[i].line,
				       diags.v[i].msg);
		policy_diags_free(&diags);
		learn_plan_free(pl);
		return r;
	}
	policy_diags_free(&diags);

	/* [sysgate] abi: an ABI the run used that the policy does not list is
	 * said, never added (that would widen the policy); its calls are
	 * killed, so no rule is written for them. */
	{
		unsigned extra = learn_abis_used(l) & ~pl->p->abis;

		for (unsigned a = 0; a < POLICY_ABI_COUNT; a++)
			if (extra & (1u << a))
				report(rep,
				       "the run used the %s ABI, which [sysgate] abi (%s:%u) does "
				       "not list: its calls are killed and no rule is written for "
				       "them; add %s to abi to allow them",
				       policy_abi_name((enum policy_abi)a),
				       pl->p->abi_rule.file ? pl->p->abi_rule.file : name,
				       pl->p->abi_rule.line, policy_abi_name((enum policy_abi)a));
	}
	for (size_t i = 0; i < l->n && r >= 0; i++) {
		const struct sample *sm = &l->v[i];
		enum policy_abi a;

		if (policy_abi_parse(sm->abi, &a) == 0 && !(pl->p->abis & (1u << a)))
			continue;
		if (sm->refused) {
			strv_push_unique(&refused, sm->syscall);
			continue;
		}
		if (sm->launcher) {
			strv_push_unique(&launched, sm->syscall);
			r = plan_launcher(pl, sm, rep);
			continue;
		}
		r = plan_sample(pl, sm, rep);
	}
	if (r < 0) {
		strv_done(&refused);
		strv_done(&launched);
		learn_plan_free(pl);
		return r;
	}
	if (refused.n) {
		qsort(refused.v, refused.n, sizeof(char *), cmp_str);
		for (size_t i = 0; i < refused.n; i++)
			strv_printf(&pl->notes,
				    "; learn: refused by sysgate during the run, so "
				    "denied here too: %s",
				    refused.v[i]);
	}
	for (size_t i = 0; i < launched.n; i++)
		strv_printf(&pl->notes,
			    "; learn: sysgate's own call before CMD ran (not the program's): %s",
			    launched.v[i]);
	if (pl->lost)
		strv_printf(&pl->notes,
			    "; learn: WARNING: the run lost %lu records: calls may be missing",
			    pl->lost);
	strv_done(&refused);
	strv_done(&launched);

	pl->pub = calloc(pl->n_items ? pl->n_items : 1, sizeof(*pl->pub));
	if (!pl->pub) {
		learn_plan_free(pl);
		return -ENOMEM;
	}
	for (size_t i = 0; i < pl->n_items; i++) {
		struct pitem *it = &pl->items[i];
		char where[160];

		if (it->kind == T_INSERT)
			section_where(pl, &pl->p->sections[it->section], where, sizeof(where));
		else
			snprintf(where, sizeof(where), "new [%s%s]",
				 policy_family(it->syscall) ? "=" : "", it->syscall);
		it->pub.where = strdup(where);
		if (it->kind == T_NEW)
			it->pub.syscalls = strdup(it->syscall);
		if (it->path) {
			char tree[1100];
			const char *why;

			if (it->paths.n)
				if (it->paths.n)
					qsort(it->paths.v, it->paths.n, sizeof(char *), cmp_str);
			suggest(it, mode);
			it->pub.dir = strdup(streq(it->dirg, OBJECTS)
						     ? "(no file name: pipes, sockets, anon inodes)"
					     : it->dirg[0] ? it->dirg
							   : "/");
			snprintf(tree, sizeof(tree), "%s/**", it->dirg);
			it->pub.tree_ok = it->dirg[0] && !streq(it->dirg, OBJECTS) &&
					  policy_path_glob_check(tree, &why) == 0;
		}
		it->pub.n_paths = it->paths.n;
		it->pub.paths = it->paths.v;
		it->pub.suggestion = it->sugg.v;
		if (!it->pub.where || !it->pub.syscalls || (it->path && !it->pub.dir) ||
		    it->sugg.fail) {
			learn_plan_free(pl);
			return -ENOMEM;
		}
		pl->pub[i] = it->pub;
	}
	*ret = pl;
	return 0;
}

/* ---- answers into text ---- */

const char *learn_answer_check(const struct learn_plan *pl, size_t i, const struct learn_answer *a)
{
	const struct pitem *it = &pl->items[i];
	const char *why;

	switch (a->choice) {
	case LEARN_ALLOW_SEEN:
	case LEARN_ALLOW_DIR:
	case LEARN_ALLOW_TREE:
		if (!it->path)
			return "this call names no path: allow, deny, ask or skip";
		if (streq(it->dirg, OBJECTS))
			return NULL;
		if (a->choice == LEARN_ALLOW_TREE && !it->pub.tree_ok)
			return "a tree of / is every path: give a glob";
		if (a->choice == LEARN_ALLOW_DIR && !it->dirg[0])
			return "the directory is /: give a glob";
		return NULL;
	case LEARN_ALLOW_GLOB:
		if (!it->path)
			return "this call names no path";
		if (streq(it->dirg, OBJECTS))
			return "these objects have no file name for a glob: allow, deny, ask or "
			       "skip";
		if (!a->glob || (a->glob[0] != '/' && a->glob[0] != '{'))
			return "a glob must be absolute";
		if (strpbrk(a->glob, " \t;"))
			return "a glob cannot hold a space, a tab or ';'";
		if (policy_path_glob_check(a->glob, &why) < 0)
			return why ? why : "not a valid glob";
		if (strlen(a->glob) > 120)
			return "too long for one policy line";
		for (size_t k = 0; k < it->paths.n; k++)
			if (!policy_glob_match(a->glob, it->paths.v[k]))
				return "the glob does not match every path seen";
		return NULL;
	case LEARN_DENY:
		if (a->err && !policy_errno_in_range(a->err))
			return "not an errno a policy can return";
		return NULL;
	default:
		return NULL;
	}
}

/*
 * The rule of a glob: "!" stands for the objects without a name. An allow
 * of an open call for paths that were only read says so, so that what was
 * read cannot be written (nor created, nor truncated) under the policy.
 */
static void rule_line(struct strv *out, const struct pitem *it, const char *decision,
		      const char *glob)
{
	bool ro = it && it->opens && decision[0] == 'a' && decision[1] == 'l';

	for (size_t i = 0; ro && i < it->paths.n; i++)
		if (strv_has(&it->written, it->paths.v[i]) &&
		    (streq(glob, "!") || policy_glob_match(glob, it->paths.v[i])))
			ro = false;
	if (streq(glob, "!"))
		strv_printf(out, "%s path !~ /**%s", decision, ro ? READ_ONLY : "");
	else
		strv_printf(out, "%s path ~ %s%s", decision, glob, ro ? READ_ONLY : "");
}

/* The rule lines an answer gives item it, into out. */
static void answer_rules(const struct pitem *it, const struct learn_answer *a, struct strv *out)
{
	bool objects = it->path && streq(it->dirg, OBJECTS);
	char e[32], g[1100];

	switch (a->choice) {
	case LEARN_SUGGESTED:
		if (!it->path)
			strv_printf(out, "allow = *");
		for (size_t i = 0; it->path && i < it->sugg.n; i++)
			rule_line(out, it, "allow =", it->sugg.v[i]);
		return;
	case LEARN_ALLOW_SEEN:
	case LEARN_ALLOW_DIR:
	case LEARN_ALLOW_TREE:
	case LEARN_ALLOW_GLOB:
		if (objects) {
			rule_line(out, it, "allow =", "!");
			return;
		}
		if (a->choice == LEARN_ALLOW_SEEN) {
			for (size_t i = 0; i < it->paths.n; i++) {
				char *x = exact_glob(it->paths.v[i]);

				if (x)
					rule_line(out, it, "allow =", x);
				free(x);
			}
			return;
		}
		if (a->choice == LEARN_ALLOW_GLOB)
			snprintf(g, sizeof(g), "%s", a->glob);
		else
			snprintf(g, sizeof(g), "%s/%s", it->dirg,
				 a->choice == LEARN_ALLOW_DIR ? "*" : "**");
		rule_line(out, it, "allow =", g);
		return;
	case LEARN_DENY:
	case LEARN_ASK: {
		const char *en = a->err ? policy_errno_name(a->err) : NULL;

		if (a->choice == LEARN_DENY) {
			if (a->err && !en)
				snprintf(e, sizeof(e), "deny = %d", a->err);
			else
				snprintf(e, sizeof(e), "deny = %s", en ? en : "EPERM");
		} else {
			snprintf(e, sizeof(e), "ask =");
		}
		if (!it->path)
			strv_printf(out, "%s *", e);
		if (objects) {
			rule_line(out, it, e, "!");
			return;
		}
		for (size_t i = 0; it->path && i < it->paths.n; i++) {
			char *x = exact_glob(it->paths.v[i]);

			if (x)
				rule_line(out, it, e, x);
			free(x);
		}
		return;
	}
	case LEARN_SKIP:
		return;
	}
}

/* Edits against the base's lines: text to put before line N (N = lines+1:
 * the end), and lines replaced. */
struct edit {
	unsigned line;
	char *text;   /* inserted before the line (NULL: none) */
	bool replace; /* the line itself becomes repl */
	char *repl;
};

struct edits {
	size_t n;
	struct edit *v;
	bool fail;
};

static void edit_insert(struct edits *e, unsigned line, const char *text)
{
	struct edit *v;
	char *t = NULL;

	for (size_t i = 0; i < e->n; i++)
		if (e->v[i].line == line && !e->v[i].replace) {
			if (strstr(e->v[i].text, text))
				return;
			if (asprintf(&t, "%s%s", e->v[i].text, text) < 0) {
				e->fail = true;
				return;
			}
			free(e->v[i].text);
			e->v[i].text = t;
			return;
		}
	v = reallocarray(e->v, e->n + 1, sizeof(*v));
	if (v)
		e->v = v;
	if (!v || !(t = strdup(text))) {
		e->fail = true;
		return;
	}
	e->v = v;
	e->v[e->n++] = (struct edit){.line = line, .text = t};
}

static void edit_replace(struct edits *e, unsigned line, const char *repl)
{
	struct edit *v = reallocarray(e->v, e->n + 1, sizeof(*v));
	char *t = strdup(repl);

	if (!v || !t) {
		free(t);
		if (v)
			e->v = v;
		e->fail = true;
		return;
	}
	e->v = v;
	e->v[e->n++] = (struct edit){.line = line, .replace = true, .repl = t};
}

static void edits_done(struct edits *e)
{
	for (size_t i = 0; i < e->n; i++) {
		free(e->v[i].text);
		free(e->v[i].repl);
	}
	free(e->v);
}

/* The line after the last line of section s (its last rule's, continuation
 * lines included; its header's without rules). */
static unsigned section_end(const struct learn_plan *pl, const struct section *s)
{
	unsigned last = s->line;
	size_t n;
	const char *l;

	for (size_t i = 0; i < s->n_rules; i++)
		if (s->rules[i].line > last)
			last = s->rules[i].line;
	while ((l = text_line(pl->text, last, &n)) && n >= 2 && l[n - 1] == '\\' &&
	       (l[n - 2] == ' ' || l[n - 2] == '\t'))
		last++;
	return last + 1;
}

/* The ENOSYS headers with the names seen taken out. */
static void enosys_edits(const struct learn_plan *pl, struct edits *e)
{
	for (size_t i = 0; i < pl->p->n_sections; i++) {
		const struct section *s = &pl->p->sections[i];
		char hdr[256] = "";
		bool changed = false;

		if (!section_is_enosys(pl, s))
			continue;
		for (size_t k = 0; k < s->n_syscalls; k++) {
			if (strv_has(&pl->enosys_seen, s->syscalls[k])) {
				changed = true;
				continue;
			}
			snprintf(hdr + strlen(hdr), sizeof(hdr) - strlen(hdr), "%s%s%s",
				 hdr[0] ? ", " : "", policy_family(s->syscalls[k]) ? "=" : "",
				 s->syscalls[k]);
		}
		if (!changed)
			continue;
		if (hdr[0]) {
			char line[300];

			snprintf(line, sizeof(line), "[%s] %s", hdr, ENOSYS_MARK);
			edit_replace(e, s->line, line);
		} else {
			edit_replace(e, s->line,
				     "; learn: every call of this ENOSYS section was seen");
			edit_replace(e, s->rules[0].line, ";");
		}
	}
}

static int cmp_rule_order(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	/* deny and ask before allow, so a narrower answer is not shadowed. */
	int rx = x[0] == 'a' && x[1] == 'l', ry = y[0] == 'a' && y[1] == 'l';

	if (rx != ry)
		return rx - ry;
	return strcmp(x, y);
}

/* New sections, appended: path and decided ones one by one, the plain
 * allowed ones grouped. */
static void new_sections(const struct learn_plan *pl, const struct learn_answer *answers, FILE *f,
			 struct strv *plain)
{
	for (size_t k = 0; k < pl->n_new; k++) {
		const struct newsec *ns = &pl->news[k];
		struct strv rules = {};
		bool only_plain_allow = true, any_item = false;

		if (!ns->syscall)
			continue;
		for (size_t i = 0; i < pl->n_items; i++) {
			const struct pitem *it = &pl->items[i];
			struct learn_answer sug = {.choice = LEARN_SUGGESTED};
			const struct learn_answer *a = answers ? &answers[i] : &sug;

			if (it->kind != T_NEW || !streq(it->syscall, ns->syscall))
				continue;
			any_item = true;
			if (it->path || a->choice != LEARN_SUGGESTED)
				only_plain_allow = false;
			answer_rules(it, a, &rules);
		}
		if (streq(ns->syscall, "execve"))
			for (size_t i = 0; i < pl->launcher_rules.n; i++) {
				strv_push_unique(&rules, pl->launcher_rules.v[i]);
				only_plain_allow = false;
			}
		if (only_plain_allow && any_item && !ns->catchall && !ns->path_rules_needed) {
			strv_push_unique(plain, ns->syscall);
			strv_done(&rules);
			continue;
		}
		if (rules.n == 0 && !ns->path_rules_needed && !ns->catchall) {
			strv_done(&rules);
			continue; /* every item skipped */
		}
		if (rules.n)
			qsort(rules.v, rules.n, sizeof(char *), cmp_rule_order);
		fprintf(f, "\n[%s%s]   ; learn: seen on %s\n",
			policy_family(ns->syscall) ? "=" : "", ns->syscall,
			ns->abis ? ns->abis : "x86_64");
		/* Items of several directories can suggest one glob (a tree:
		 * /usr/lib/locale and all below): once, or the loader warns the repeats
		 * never match. Sorted, so equal lines are neighbours. */
		for (size_t i = 0; i < rules.n; i++)
			if (i == 0 || !streq(rules.v[i], rules.v[i - 1]))
				fprintf(f, "%s\n", rules.v[i]);
		if (ns->path_rules_needed && rules.n == 0)
			fputs("; only calls whose path did not resolve were seen: they keep the "
			      "kernel's error\ndeny = path !~ /**\n",
			      f);
		if (ns->catchall)
			fprintf(f, "%s\n", ns->catchall);
		strv_done(&rules);
	}
}

/* The plain allowed calls: whole groups where every member was seen, the
 * rest in sections of several names. */
static void plain_sections(const struct learn_plan *pl, struct strv *plain, FILE *f)
{
	struct strv used = {};

	if (plain->n == 0)
		return;
	if (plain->n)
		qsort(plain->v, plain->n, sizeof(char *), cmp_str);
	fputs("\n; learn: the calls made without a path to judge\n", f);
	for (const struct policy_group *g = policy_groups; g->name; g++) {
		bool all = true;
		size_t n = 0;

		for (size_t i = 0; g->syscalls[i] && all; i++) {
			const char *m = g->syscalls[i];

			if (!policy_syscall_known(m))
				continue;
			n++;
			all = strv_has(plain, m) && !strv_has(&used, m) &&
			      !policy_section_for(pl->p, m);
		}
		if (!all || n == 0)
			continue;
		fprintf(f, "[@%s]   ; learn: every member was seen\nallow = *\n", g->name);
		for (size_t i = 0; g->syscalls[i]; i++)
			strv_push_unique(&used, g->syscalls[i]);
	}
	{
		struct strv rest = {};

		for (size_t i = 0; i < plain->n; i++)
			if (!strv_has(&used, plain->v[i]))
				strv_push_unique(&rest, plain->v[i]);
		headers(f, rest.v, rest.n, "", "allow = *");
		strv_done(&rest);
	}
	strv_done(&used);
}

int learn_plan_apply(const struct learn_plan *pl, const struct learn_answer *answers,
		     char **ret_text, struct learn_report *rep)
{
	struct edits e = {};
	struct strv plain = {};
	char *buf = NULL, *tail = NULL;
	size_t len = 0, tail_len = 0;
	struct policy_diags diags = {};
	struct policy *check = NULL;
	FILE *f, *t;
	unsigned n_lines = 1;
	int r;

	for (const char *c = pl->text; *c; c++)
		if (*c == '\n' && c[1])
			n_lines++;

	/* Rules into existing sections. */
	for (size_t i = 0; i < pl->n_items; i++) {
		const struct pitem *it = &pl->items[i];
		struct learn_answer sug = {.choice = LEARN_SUGGESTED};
		const struct learn_answer *a = answers ? &answers[i] : &sug;
		struct strv rules = {};
		unsigned at;

		if (it->kind != T_INSERT)
			continue;
		answer_rules(it, a, &rules);
		at = it->line ? it->line : section_end(pl, &pl->p->sections[it->section]);
		if (rules.n)
			qsort(rules.v, rules.n, sizeof(char *), cmp_rule_order);
		for (size_t k = 0; k < rules.n; k++) {
			char *line = NULL;

			if (asprintf(&line, "%s\n", rules.v[k]) < 0) {
				e.fail = true;
				break;
			}
			edit_insert(&e, at, line);
			free(line);
		}
		strv_done(&rules);
	}
	/* The launcher's exec into an existing [execve]-deciding section. */
	if (pl->launcher_rules.n) {
		bool made = false;

		for (size_t k = 0; k < pl->n_new && !made; k++)
			made = streq(pl->news[k].syscall, "execve");
		if (!made) {
			const struct section *s = policy_section_for(pl->p, "execve");

			if (s && !s->file && s->n_syscalls == 1) {
				unsigned at = section_end(pl, s);

				/* before its catch-all, if it has one */
				for (size_t k = 0; k < s->n_rules; k++)
					if (rule_is_catchall(&s->rules[k])) {
						at = s->rules[k].line;
						break;
					}
				for (size_t k = 0; k < pl->launcher_rules.n; k++) {
					char *line = NULL;

					if (asprintf(&line, "%s\n", pl->launcher_rules.v[k]) < 0)
						e.fail = true;
					else
						edit_insert(&e, at, line);
					free(line);
				}
			} else if (s) {
				report(rep,
				       "execve: not written: [%s] covers other syscalls too; "
				       "sysgate's exec of CMD needs execve",
				       s->name);
			}
		}
	}
	enosys_edits(pl, &e);

	t = open_memstream(&tail, &tail_len);
	if (!t) {
		edits_done(&e);
		return -ENOMEM;
	}
	for (size_t i = 0; i < pl->notes.n; i++)
		fprintf(t, "%s\n", pl->notes.v[i]);
	new_sections(pl, answers, t, &plain);
	/* The launcher's exec with no [execve] section anywhere. */
	if (pl->launcher_rules.n && !policy_section_for(pl->p, "execve")) {
		bool made = false;

		for (size_t k = 0; k < pl->n_new && !made; k++)
			made = streq(pl->news[k].syscall, "execve");
		if (!made) {
			fputs("\n[execve]   ; learn: sysgate's own exec of CMD, from its "
			      "executable "
			      "only\n",
			      t);
			for (size_t k = 0; k < pl->launcher_rules.n; k++)
				fprintf(t, "%s\n", pl->launcher_rules.v[k]);
		}
	}
	plain_sections(pl, &plain, t);
	fclose(t);
	strv_done(&plain);

	f = open_memstream(&buf, &len);
	if (!f || e.fail) {
		if (f)
			fclose(f);
		free(buf);
		free(tail);
		edits_done(&e);
		return -ENOMEM;
	}
	{
		const char *p = pl->text;

		for (unsigned line = 1; line <= n_lines + 1; line++) {
			size_t n = p ? strcspn(p, "\n") : 0;
			bool replaced = false;

			for (size_t i = 0; i < e.n; i++)
				if (e.v[i].line == line && !e.v[i].replace)
					fputs(e.v[i].text, f);
			if (line == n_lines + 1 || !p || !*p)
				break;
			for (size_t i = 0; i < e.n; i++)
				if (e.v[i].line == line && e.v[i].replace) {
					fprintf(f, "%s\n", e.v[i].repl);
					replaced = true;
					break;
				}
			if (!replaced)
				fprintf(f, "%.*s\n", (int)n, p);
			p += n;
			if (*p == '\n')
				p++;
		}
	}
	if (tail_len)
		fputs(tail, f);
	fclose(f);
	free(tail);
	edits_done(&e);

	r = policy_load_string(pl->name, buf, &check, &diags);
	if (r < 0) {
		for (size_t i = 0; i < diags.n; i++)
			if (diags.v[i].severity == DIAG_ERROR)
				report(rep, "learned policy %s:%u: error: %s (not written)",
				       pl->name, diags.v[i].line, diags.v[i].msg);
		policy_diags_free(&diags);
		free(buf);
		return r;
	}
	policy_diags_free(&diags);
	policy_free(check);
	*ret_text = buf;
	return 0;
}
