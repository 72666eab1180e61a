#!/bin/sh
# Build a minimal busybox root filesystem for the OCI tests.
# usage: setup-rootfs.sh ROOTFS_DIR
# needs: a statically linked busybox (Debian: busybox-static, /bin/busybox)
set -eu
[ $# -eq 1 ] || { echo "usage: $0 ROOTFS_DIR" >&2; exit 2; }
ROOTFS=$1
BB=${BUSYBOX:-$(command -v busybox || echo /bin/busybox)}
[ -x "$BB" ] || { echo "setup-rootfs: no busybox (apt-get install busybox-static)" >&2; exit 1; }
# The container has no libc: a dynamic busybox would not start in it.
if ldd "$BB" >/dev/null 2>&1; then
	echo "setup-rootfs: $BB is not static (apt-get install busybox-static)" >&2
	exit 1
fi
rm -rf "$ROOTFS"
mkdir -p "$ROOTFS/bin" "$ROOTFS/dev" "$ROOTFS/proc" "$ROOTFS/sys" "$ROOTFS/tmp" "$ROOTFS/etc"
chmod 1777 "$ROOTFS/tmp"
cp "$BB" "$ROOTFS/bin/busybox"
for app in sh mkdir rmdir ls stat id cat echo sleep touch true false chmod; do
	ln -s busybox "$ROOTFS/bin/$app"
done
printf 'root:x:0:0:root:/:/bin/sh\nuser:x:1000:1000:user:/:/bin/sh\n' >"$ROOTFS/etc/passwd"
printf 'root:x:0:\nuser:x:1000:\n' >"$ROOTFS/etc/group"
