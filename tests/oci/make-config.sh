#!/bin/sh
# Write an OCI bundle's config.json for the busybox rootfs (no python, no
# `runc spec`: the whole document is written here, so crun alone suffices).
# usage: make-config.sh SOCKET CMD [ARGS...]
#   SOCKET   listenerPath of the seccomp agent; "none" = no linux.seccomp section
#   CMD...   process.args inside the container; each is put in a JSON string with
#            '\' and '"' escaped (keep them on one line: no control characters)
# env:
#   BUNDLE (required)            the bundle directory; config.json is written there
#   ROOTFS (required)            root.path, absolute (setup-rootfs.sh builds it)
#   METADATA=policy=test         linux.seccomp.listenerMetadata ("" = none)
#   NOTIFY_SYSCALLS="mkdir mkdirat chmod fchmod fchmodat"   SCMP_ACT_NOTIFY'd syscalls
#   SECCOMP_JSON=FILE            use FILE as the whole linux.seccomp object instead
#                                (e.g. from `sysgate oci-profile`); SOCKET, METADATA and
#                                NOTIFY_SYSCALLS are then not used
#   TMPFS_TMP=1                  mount a private tmpfs on /tmp (0: the rootfs' /tmp)
#   CONTAINER_UID=0 CONTAINER_GID=0   process.user
#   ANNOTATIONS='{"io.kubernetes.pod.name":"demo"}'   top-level annotations (JSON object)
set -eu
[ $# -ge 2 ] || { echo "usage: $0 SOCKET CMD [ARGS...]" >&2; exit 2; }
: "${BUNDLE:?BUNDLE must be set}" "${ROOTFS:?ROOTFS must be set}"
SOCKET=$1
shift

jstr() { printf '"%s"' "$(printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g')"; }

args=""
for a in "$@"; do
	args="${args:+$args, }$(jstr "$a")"
done
names=""
for n in ${NOTIFY_SYSCALLS:-mkdir mkdirat chmod fchmod fchmodat}; do
	names="${names:+$names, }$(jstr "$n")"
done
tmpfs=""
if [ "${TMPFS_TMP:-1}" = 1 ]; then
	tmpfs=',
		{"destination": "/tmp", "type": "tmpfs", "source": "tmpfs",
		 "options": ["nosuid", "nodev", "mode=1777", "size=16m"]}'
fi
annotations=""
[ -n "${ANNOTATIONS:-}" ] && annotations="\"annotations\": $ANNOTATIONS,"
seccomp=""
if [ -n "${SECCOMP_JSON:-}" ]; then
	seccomp=", \"seccomp\": $(cat "$SECCOMP_JSON")"
elif [ -n "$SOCKET" ] && [ "$SOCKET" != none ]; then
	md=""
	METADATA=${METADATA-policy=test}
	[ -n "$METADATA" ] && md="\"listenerMetadata\": $(jstr "$METADATA"),"
	seccomp=",
		\"seccomp\": {
			\"defaultAction\": \"SCMP_ACT_ALLOW\",
			\"listenerPath\": $(jstr "$SOCKET"),
			$md
			\"architectures\": [\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_X86\", \"SCMP_ARCH_X32\"],
			\"syscalls\": [{\"names\": [$names], \"action\": \"SCMP_ACT_NOTIFY\"}]
		}"
fi

mkdir -p "$BUNDLE"
cat >"$BUNDLE/config.json" <<JSON
{
	"ociVersion": "1.0.2",
	$annotations
	"process": {
		"terminal": false,
		"user": {"uid": ${CONTAINER_UID:-0}, "gid": ${CONTAINER_GID:-0}},
		"args": [$args],
		"env": ["PATH=/bin", "HOME=/"],
		"cwd": "/",
		"capabilities": {
			"bounding": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
			"effective": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
			"permitted": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
			"ambient": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]
		},
		"rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
		"noNewPrivileges": true
	},
	"root": {"path": $(jstr "$ROOTFS"), "readonly": false},
	"hostname": "oci-test",
	"mounts": [
		{"destination": "/proc", "type": "proc", "source": "proc"},
		{"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
		 "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
		{"destination": "/dev/pts", "type": "devpts", "source": "devpts",
		 "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]},
		{"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
		 "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
		{"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue",
		 "options": ["nosuid", "noexec", "nodev"]},
		{"destination": "/sys", "type": "sysfs", "source": "sysfs",
		 "options": ["nosuid", "noexec", "nodev", "ro"]}$tmpfs
	],
	"linux": {
		"resources": {"devices": [{"allow": false, "access": "rwm"}]},
		"namespaces": [{"type": "pid"}, {"type": "network"}, {"type": "ipc"},
			       {"type": "uts"}, {"type": "mount"}],
		"maskedPaths": ["/proc/kcore", "/proc/keys", "/proc/timer_list", "/sys/firmware"],
		"readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
				  "/proc/sysrq-trigger"]$seccomp
	}
}
JSON
