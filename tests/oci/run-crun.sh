#!/bin/sh
# Run one container with crun from the busybox rootfs, seccomp notify -> SOCKET.
# usage: run-crun.sh SOCKET CMD [ARGS...]
#   Same env and exit status as run-runc.sh (state in $OCI_WORK/crun-state;
#   CRUN_CGROUP_MANAGER=cgroupfs|disabled, default cgroupfs).
# crun 1.8 refuses cgroup "hybrid" mode (v1 controllers plus a cgroup2 at
# /sys/fs/cgroup/unified that has controllers) whatever the cgroup manager.
# There, this script re-runs itself in a private mount namespace (unshare -m)
# in which /sys/fs/cgroup/unified is unmounted, so crun sees plain cgroup v1.
# The host's mounts are untouched; the socket, rootfs and state are on the
# host's filesystems, which the private namespace still sees.
set -u
[ $# -ge 2 ] || { echo "usage: $0 SOCKET CMD [ARGS...]" >&2; exit 2; }
: "${OCI_WORK:?OCI_WORK must be set}"
HERE=$(cd "$(dirname "$0")" && pwd)
command -v crun >/dev/null || { echo "run-crun: crun is not installed" >&2; exit 127; }
if [ "${OCI_CRUN_UNSHARED:-0}" != 1 ] &&
	[ "$(stat -fc %T /sys/fs/cgroup)" = tmpfs ] &&
	[ "$(stat -fc %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ] &&
	[ -n "$(cat /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null)" ]; then
	export OCI_CRUN_UNSHARED=1
	exec unshare -m --propagation private sh -c \
		'umount /sys/fs/cgroup/unified || exit 1; exec "$0" "$@"' "$0" "$@"
fi
SOCKET=$1
shift
ID=${CONTAINER_ID:-crun-$$}
STATE=$OCI_WORK/crun-state
CGM=${CRUN_CGROUP_MANAGER:-cgroupfs}
TIMEOUT=${RUN_TIMEOUT:-60}
export ROOTFS=$OCI_WORK/rootfs
export BUNDLE=$OCI_WORK/bundles/$ID
[ -x "$ROOTFS/bin/busybox" ] || "$HERE/setup-rootfs.sh" "$ROOTFS" >&2 || exit 1
"$HERE/make-config.sh" "$SOCKET" "$@" || exit 1
if [ "${CRUN_DETACH:-0}" = 1 ]; then
	exec crun --cgroup-manager="$CGM" --root "$STATE" run -d --bundle "$BUNDLE" "$ID" </dev/null
fi
timeout -k 5 "$TIMEOUT" crun --cgroup-manager="$CGM" --root "$STATE" run --bundle "$BUNDLE" "$ID" </dev/null
rc=$?
if [ $rc -eq 124 ]; then
	echo "run-crun: timeout after ${TIMEOUT}s, killing container $ID" >&2
	crun --cgroup-manager="$CGM" --root "$STATE" kill "$ID" KILL 2>/dev/null
	rc=124
fi
crun --cgroup-manager="$CGM" --root "$STATE" delete -f "$ID" 2>/dev/null
[ "${KEEP_BUNDLE:-0}" = 1 ] || rm -rf "$BUNDLE"
exit $rc
