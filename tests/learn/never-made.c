/*
 * never-made: make calls nginx never makes and print "NAME ERRNO" for each
 * (0: it succeeded). Run in the container of the learned nginx profile, each
 * must get the profile's errno; run without a filter (the control), each
 * gets the kernel's own answer, which differs: mount of an unknown type
 * ENODEV, reboot with a bad magic EINVAL, ptrace of no process ESRCH, keyctl
 * of no operation EOPNOTSUPP (with CAP_SYS_ADMIN and CAP_SYS_BOOT). None of
 * them changes anything. Static, so that it runs in any rootfs.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

static int err(long r)
{
	return r < 0 ? errno : 0;
}

int main(void)
{
	printf("mount %d\n", err(syscall(SYS_mount, "none", "/", "sg-bogusfs", 0UL, NULL)));
	printf("reboot %d\n", err(syscall(SYS_reboot, 0, 0, 0, NULL)));
	printf("ptrace %d\n", err(syscall(SYS_ptrace, 0x4242, 999999, 0, 0)));
	printf("keyctl %d\n", err(syscall(SYS_keyctl, 9999, 0, 0, 0, 0)));
	return 0;
}
