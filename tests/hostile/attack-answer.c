/*
 * attack-answer: an x32 call that only a person's answer lets through.
 *
 *   attack-answer --go FILE PATH
 *
 * Waits for FILE to exist (so the test can attach to the control socket
 * first), then makes mkdir(PATH, 0755) through the x32 ABI:
 * syscall(__X32_SYSCALL_BIT | __NR_mkdir). On a kernel built without x32
 * the call reaches the filter with AUDIT_ARCH_X86_64 and bit 30 set, and
 * the kernel itself would fail it with ENOSYS after the filter said
 * continue. A supervisor that carries it out instead (emulation after an
 * `allow` answer) creates a directory the kernel would never have made.
 * Prints "x32 mkdir = R errno E" (E is 0 on success).
 *
 * The other side of the trust boundary: libc only.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef __X32_SYSCALL_BIT
#define __X32_SYSCALL_BIT 0x40000000
#endif

int main(int argc, char **argv)
{
	struct stat st;
	long r;

	if (argc != 4 || strcmp(argv[1], "--go"))
		return 2;
	while (stat(argv[2], &st) < 0)
		usleep(10 * 1000);
	errno = 0;
	r = syscall(__X32_SYSCALL_BIT | __NR_mkdir, argv[3], 0755);
	/* dprintf: one write(2), on disk when the test looks. */
	dprintf(STDOUT_FILENO, "x32 mkdir = %ld errno %d\n", r, r < 0 ? errno : 0);
	return 0;
}
