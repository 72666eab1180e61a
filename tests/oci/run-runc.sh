#!/bin/sh
# Run one container with runc from the busybox rootfs, seccomp notify -> SOCKET.
# usage: run-runc.sh SOCKET CMD [ARGS...]
#   Exit status: the container's (runc passes it through), 124 after RUN_TIMEOUT,
#   or runc's own failure.
# env: OCI_WORK (required)   a scratch directory of the caller's: the rootfs
#                             ($OCI_WORK/rootfs, built on first use), bundles and
#                             runc's state live under it
#      CONTAINER_ID=runc-PID RUN_TIMEOUT=60 (s) KEEP_BUNDLE=1 (keep config.json)
#      RUNC_DETACH=1          `runc run -d`: return once started; the caller must
#                             `runc --root $OCI_WORK/runc-state delete -f ID`
#      and what make-config.sh reads (METADATA, NOTIFY_SYSCALLS, SECCOMP_JSON,
#      TMPFS_TMP, CONTAINER_UID/GID, ANNOTATIONS).
set -u
[ $# -ge 2 ] || { echo "usage: $0 SOCKET CMD [ARGS...]" >&2; exit 2; }
: "${OCI_WORK:?OCI_WORK must be set}"
HERE=$(cd "$(dirname "$0")" && pwd)
SOCKET=$1
shift
ID=${CONTAINER_ID:-runc-$$}
STATE=$OCI_WORK/runc-state
TIMEOUT=${RUN_TIMEOUT:-60}
export ROOTFS=$OCI_WORK/rootfs
export BUNDLE=$OCI_WORK/bundles/$ID
command -v runc >/dev/null || { echo "run-runc: runc is not installed" >&2; exit 127; }
[ -x "$ROOTFS/bin/busybox" ] || "$HERE/setup-rootfs.sh" "$ROOTFS" >&2 || exit 1
"$HERE/make-config.sh" "$SOCKET" "$@" || exit 1
if [ "${RUNC_DETACH:-0}" = 1 ]; then
	exec runc --root "$STATE" run -d --bundle "$BUNDLE" "$ID" </dev/null
fi
# runc's cgroup driver is cgroupfs unless --systemd-cgroup is given.
timeout -k 5 "$TIMEOUT" runc --root "$STATE" run --bundle "$BUNDLE" "$ID" </dev/null
rc=$?
if [ $rc -eq 124 ]; then
	echo "run-runc: timeout after ${TIMEOUT}s, killing container $ID" >&2
	runc --root "$STATE" kill "$ID" KILL 2>/dev/null
	rc=124
fi
runc --root "$STATE" delete -f "$ID" 2>/dev/null
[ "${KEEP_BUNDLE:-0}" = 1 ] || rm -rf "$BUNDLE"
exit $rc
