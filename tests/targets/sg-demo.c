/*
 * sg-demo: an untrusted program for newcomers. Run it under the built-in
 * default policy:
 *
 *	sysgate run -- sg-demo		(or: cmake --build BUILD --target demo)
 *
 * Each step says what it is about to try, tries it, and says what it saw, so
 * the errno it got stands next to sysgate's log line for the same call. The
 * last step, chmod with the setuid bit, is one the default policy kills: it
 * runs in a child, so the demo can report the kill and exit 0.
 *
 * Every call is harmless even without sysgate: the arguments are chosen so
 * that an unsupervised root would get an error or change nothing of note.
 */
#include <errno.h>
#include <linux/io_uring.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <signal.h>
#include <unistd.h>

#define NR32_MKDIR 39

static int step_no;

static void step(const char *what)
{
	printf("\n[%d] %s\n", ++step_no, what);
	fflush(stdout);
}

static void saw(const char *call, long r, int err)
{
	/* sysgate writes its record before it answers, but to its own stderr:
	 * a terminal may still interleave. */
	if (r < 0)
		printf("    -> %s = -1 %s (%s)\n", call, strerrorname_np(err) ?: "?",
		       strerror(err));
	else
		printf("    -> %s = %ld\n", call, r);
	fflush(stdout);
}

static void saw_sys(const char *call, long r)
{
	saw(call, r, r < 0 ? errno : 0);
}

/* mkdir through the i386 entry point, with the path below 4 GiB. */
static long mkdir32(const char *path, long mode)
{
	size_t len = strlen(path) + 1;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT,
		       -1, 0);
	long ret;

	if (p == MAP_FAILED)
		return -errno;
	memcpy(p, path, len);
	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "a"((long)NR32_MKDIR), "b"((long)p), "c"(mode)
			 : "r8", "r9", "r10", "r11", "memory", "cc");
	munmap(p, len);
	return (int)ret;
}

int main(void)
{
	char dir[64], dir32[80];
	struct io_uring_params params = {};
	int status;
	pid_t child;
	long r;

	snprintf(dir, sizeof(dir), "/tmp/sg-demo.%d", (int)getpid());
	snprintf(dir32, sizeof(dir32), "%s/via-int80", dir);

	printf("sg-demo: an untrusted program. Lines starting with 'sysgate:' are the\n"
	       "supervisor's log; lines starting with '->' are what this program saw.\n");

	step("mkdir in /tmp: an ordinary file operation. The default policy logs it and\n"
	     "    lets it through.");
	saw_sys("mkdir(dir, 0700)", syscall(SYS_mkdir, dir, 0700));

	step("chmod 0755 on that directory: logged, allowed.");
	saw_sys("chmod(dir, 0755)", syscall(SYS_chmod, dir, 0755));

	step("reboot: a program has no business rebooting the machine. Denied.");
	/* A wrong magic number: even unsupervised, root gets EINVAL. */
	saw_sys("reboot(0, 0, 0, NULL)", syscall(SYS_reboot, 0, 0, 0, NULL));

	step("mount a tmpfs: changing the mount table is denied.");
	saw_sys("mount(\"none\", \"/nonexistent-sg-demo\", \"tmpfs\")",
		syscall(SYS_mount, "none", "/nonexistent-sg-demo", "tmpfs", 0, NULL));

	step("unshare a new namespace: a way out of a sandbox, denied.");
	saw_sys("unshare(CLONE_NEWUTS)", syscall(SYS_unshare, 0x04000000));

	step("ptrace another process: denied.");
	saw_sys("ptrace(PTRACE_PEEKDATA, 1)", syscall(SYS_ptrace, PTRACE_PEEKDATA, 1, 0, 0));

	step("io_uring_setup: io_uring would do file operations the filter never sees.\n"
	     "    Denied.");
	r = syscall(SYS_io_uring_setup, 4, &params);
	saw_sys("io_uring_setup(4, ...)", r);
	if (r >= 0)
		close((int)r);

	step("keyctl: the kernel keyring is off limits. Denied.");
	saw_sys("keyctl(KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING)",
		syscall(SYS_keyctl, 0, -3, 0));

	step("mkdir through the 32-bit entry point (int $0x80, syscall 39): the same\n"
	     "    policy decides. Logged.");
	r = mkdir32(dir32, 0700);
	saw("i386 mkdir(dir/via-int80, 0700)", r < 0 ? -1 : r, r < 0 ? (int)-r : 0);

	rmdir(dir32);
	rmdir(dir);

	step("chmod with the setuid bit (04755), in a child process: the default policy\n"
	     "    kills the process that tries this (the whole process, not just the call).");
	fflush(stdout);
	child = fork();
	if (child == 0) {
		syscall(SYS_chmod, "/tmp/sg-demo-nonexistent", 04755);
		_exit(0); /* not reached under sysgate */
	}
	if (child < 0 || waitpid(child, &status, 0) < 0) {
		perror("sg-demo: fork");
		return 1;
	}
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) {
		printf("    -> the child was killed by SIGKILL\n");
		printf("\nsg-demo: done. Every decision above is in sysgate's log.\n");
		return 0;
	}
	printf("    -> the child was NOT killed (status %#x): is sysgate running?\n", status);
	return 1;
}
