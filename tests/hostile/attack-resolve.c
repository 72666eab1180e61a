/*
 * attack-resolve: calls whose path the kernel resolves differently from a
 * plain reading of the string, to make a supervisor judge one object while
 * the kernel acts on another.
 *
 *	attack-resolve OP ARGS... [OP ARGS...]
 *
 * Each op prints one line, "OP ARG... = RESULT" (RESULT a number, or
 * "-1 ENAME"), and the ops run in order in one process, so state carries
 * over (the cwd, the detached mount's fd):
 *
 *	openat2 DIR PATH RESOLVE [SIZE [TAIL]]
 *	        openat2(open(DIR), PATH, {O_RDONLY, resolve RESOLVE}, SIZE);
 *	        DIR "-" is AT_FDCWD; SIZE > 24 passes TAIL as the byte after it
 *	lchown PATH UID                    lchown(PATH, UID, -1)
 *	nofollow PATH UID                  fchownat(AT_FDCWD, PATH, UID, -1, AT_SYMLINK_NOFOLLOW)
 *	emptycwd UID                       fchownat(AT_FDCWD, "", UID, -1, AT_EMPTY_PATH)
 *	chdir DIR                          chdir(DIR)
 *	tree DIR                           open_tree(AT_FDCWD, DIR, OPEN_TREE_CLONE): the fd is kept
 *	treemkdir NAME                     mkdirat(tree, NAME, 0755)
 *	treechown NAME UID                 fchownat(tree, NAME, UID, -1, 0)
 *	treefchown NAME UID                fchown(openat(tree, NAME), UID, -1)
 *	treeempty UID                      fchownat(tree, "", UID, -1, AT_EMPTY_PATH)
 *	procchown NAME UID                 chown("/proc/self/fd/TREE/NAME", UID, -1)
 *	treefchdir                         fchdir(tree)
 *	chroot DIR                         chroot(DIR)
 *	mkdir NAME                         mkdir(NAME, 0755)
 *	chown PATH UID                     chown(PATH, UID, -1)
 *
 * The attacker's side of the trust boundary: libc only.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#ifndef SYS_open_tree
#define SYS_open_tree 428
#endif
#define OPEN_TREE_CLONE_ 1
#define OPEN_TREE_CLOEXEC_ O_CLOEXEC

static const char *ename(int e)
{
	static const struct {
		int e;
		const char *n;
	} t[] = {
		{EPERM, "EPERM"},   {ENOENT, "ENOENT"}, {EBADF, "EBADF"},     {EACCES, "EACCES"},
		{EEXIST, "EEXIST"}, {EXDEV, "EXDEV"},	{ENOTDIR, "ENOTDIR"}, {EISDIR, "EISDIR"},
		{EINVAL, "EINVAL"}, {E2BIG, "E2BIG"},	{ELOOP, "ELOOP"},     {EFAULT, "EFAULT"},
		{ENOSYS, "ENOSYS"},
	};
	static char buf[32];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (t[i].e == e)
			return t[i].n;
	snprintf(buf, sizeof(buf), "errno %d", e);
	return buf;
}

static void say(const char *what, long r, int err)
{
	if (r < 0)
		printf("%s = -1 %s\n", what, ename(err));
	else
		printf("%s = %ld\n", what, r);
	fflush(stdout);
}

static int tree = -1;

static void need(int argc, int i, int n)
{
	if (i + n > argc) {
		fprintf(stderr, "attack-resolve: missing arguments\n");
		exit(2);
	}
}

int main(int argc, char **argv)
{
	char what[8192];

	for (int i = 1; i < argc;) {
		const char *op = argv[i++];
		long r;
		int e;

		if (!strcmp(op, "openat2")) {
			struct {
				uint64_t flags, mode, resolve;
				unsigned char tail[64];
			} how = {.flags = O_RDONLY | O_CLOEXEC};
			const char *path;
			size_t size = 24;
			int dfd = AT_FDCWD;

			need(argc, i, 3);
			if (strcmp(argv[i], "-")) {
				dfd = open(argv[i], O_PATH | O_DIRECTORY | O_CLOEXEC);
				if (dfd < 0) {
					perror(argv[i]);
					return 2;
				}
			}
			path = argv[i + 1];
			how.resolve = strtoull(argv[i + 2], NULL, 0);
			snprintf(what, sizeof(what), "openat2 %s %s %s", argv[i], path,
				 argv[i + 2]);
			i += 3;
			if (i < argc && argv[i][0] >= '0' && argv[i][0] <= '9') {
				size = strtoul(argv[i++], NULL, 0);
				if (size > sizeof(how))
					size = sizeof(how);
				if (i < argc && argv[i][0] >= '0' && argv[i][0] <= '9')
					how.tail[0] = (unsigned char)strtoul(argv[i++], NULL, 0);
			}
			r = syscall(SYS_openat2, dfd, path, &how, size);
			e = errno;
			if (r >= 0)
				close((int)r);
			say(what, r < 0 ? -1 : 0, e);
			if (dfd >= 0)
				close(dfd);
		} else if (!strcmp(op, "lchown")) {
			need(argc, i, 2);
			snprintf(what, sizeof(what), "lchown %s %s", argv[i], argv[i + 1]);
			r = lchown(argv[i], (uid_t)atol(argv[i + 1]), (gid_t)-1);
			say(what, r, errno);
			i += 2;
		} else if (!strcmp(op, "nofollow")) {
			need(argc, i, 2);
			snprintf(what, sizeof(what), "nofollow %s %s", argv[i], argv[i + 1]);
			r = fchownat(AT_FDCWD, argv[i], (uid_t)atol(argv[i + 1]), (gid_t)-1,
				     AT_SYMLINK_NOFOLLOW);
			say(what, r, errno);
			i += 2;
		} else if (!strcmp(op, "emptycwd")) {
			need(argc, i, 1);
			snprintf(what, sizeof(what), "emptycwd %s", argv[i]);
			r = fchownat(AT_FDCWD, "", (uid_t)atol(argv[i]), (gid_t)-1, AT_EMPTY_PATH);
			say(what, r, errno);
			i += 1;
		} else if (!strcmp(op, "chdir")) {
			need(argc, i, 1);
			snprintf(what, sizeof(what), "chdir %s", argv[i]);
			r = chdir(argv[i]);
			say(what, r, errno);
			i += 1;
		} else if (!strcmp(op, "tree")) {
			need(argc, i, 1);
			snprintf(what, sizeof(what), "tree %s", argv[i]);
			tree = (int)syscall(SYS_open_tree, AT_FDCWD, argv[i],
					    OPEN_TREE_CLONE_ | OPEN_TREE_CLOEXEC_);
			say(what, tree < 0 ? -1 : 0, errno);
			i += 1;
		} else if (!strcmp(op, "treemkdir")) {
			need(argc, i, 1);
			snprintf(what, sizeof(what), "treemkdir %s", argv[i]);
			r = mkdirat(tree, argv[i], 0755);
			say(what, r, errno);
			i += 1;
		} else if (!strcmp(op, "treechown")) {
			need(argc, i, 2);
			snprintf(what, sizeof(what), "treechown %s %s", argv[i], argv[i + 1]);
			r = fchownat(tree, argv[i], (uid_t)atol(argv[i + 1]), (gid_t)-1, 0);
			say(what, r, errno);
			i += 2;
		} else if (!strcmp(op, "treefchown")) {
			int fd;

			need(argc, i, 2);
			snprintf(what, sizeof(what), "treefchown %s %s", argv[i], argv[i + 1]);
			fd = openat(tree, argv[i], O_RDONLY | O_CLOEXEC);
			r = fd < 0 ? -1 : fchown(fd, (uid_t)atol(argv[i + 1]), (gid_t)-1);
			say(what, r, errno);
			if (fd >= 0)
				close(fd);
			i += 2;
		} else if (!strcmp(op, "treeempty")) {
			need(argc, i, 1);
			snprintf(what, sizeof(what), "treeempty %s", argv[i]);
			r = fchownat(tree, "", (uid_t)atol(argv[i]), (gid_t)-1, AT_EMPTY_PATH);
			say(what, r, errno);
			i += 1;
		} else if (!strcmp(op, "procchown")) {
			char p[4096];

			need(argc, i, 2);
			snprintf(what, sizeof(what), "procchown %s %s", argv[i], argv[i + 1]);
			snprintf(p, sizeof(p), "/proc/self/fd/%d/%s", tree, argv[i]);
			r = chown(p, (uid_t)atol(argv[i + 1]), (gid_t)-1);
			say(what, r, errno);
			i += 2;
		} else if (!strcmp(op, "treefchdir")) {
			r = fchdir(tree);
			say("treefchdir", r, errno);
		} else if (!strcmp(op, "chroot")) {
			need(argc, i, 1);
			snprintf(what, sizeof(what), "chroot %s", argv[i]);
			r = chroot(argv[i]);
			say(what, r, errno);
			i += 1;
		} else if (!strcmp(op, "mkdir")) {
			need(argc, i, 1);
			snprintf(what, sizeof(what), "mkdir %s", argv[i]);
			r = mkdir(argv[i], 0755);
			say(what, r, errno);
			i += 1;
		} else if (!strcmp(op, "chown")) {
			need(argc, i, 2);
			snprintf(what, sizeof(what), "chown %s %s", argv[i], argv[i + 1]);
			r = chown(argv[i], (uid_t)atol(argv[i + 1]), (gid_t)-1);
			say(what, r, errno);
			i += 2;
		} else {
			fprintf(stderr, "attack-resolve: unknown op %s\n", op);
			return 2;
		}
	}
	/* _exit: after a chroot a sanitizer's exit-time checks cannot find
	 * /proc, and would fail a run whose calls all went as expected. */
	fflush(stdout);
	_exit(0);
}
