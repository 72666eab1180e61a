/* report: a failed step of the forked child, told to sysgate (report.h). */
#include <string.h>
#include <unistd.h>

#include "sg-exit.h"
#include "supervisor/launch/report.h"

_Noreturn void launch_fail(int fd, const char *what, int err)
{
	struct launch_failure f = {.err = err};
	size_t n = strlen(what);

	/* strlen and memcpy are async-signal-safe; no snprintf. */
	n = n < sizeof(f.what) - 1 ? n : sizeof(f.what) - 1;
	memcpy(f.what, what, n);
	if (fd >= 0 && write(fd, &f, sizeof(f)) < 0) {
		/* nobody to tell: the exit status still says sysgate failed */
	}
	_exit(EXIT_SYSGATE_FAILED);
}

bool launch_failure_read(int fd, struct launch_failure *ret)
{
	ssize_t n;

	if (fd < 0)
		return false;
	n = read(fd, ret, sizeof(*ret));
	if (n != (ssize_t)sizeof(*ret))
		return false;
	ret->what[sizeof(ret->what) - 1] = '\0';
	return true;
}
