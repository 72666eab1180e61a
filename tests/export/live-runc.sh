#!/bin/sh
# Live test of `sysgate export` (issue 11) under runc, with a busybox
# container (tests/oci/). Exit 0: passed; 77: skipped (not root, no runc, no
# busybox-static); anything else: failed, with what was seen.
#
#  1. A policy exported for runc without a socket: the denied calls get their
#     errno inside the container (mkdir EACCES by a register rule on the mode,
#     rmdir EROFS), allowed ones work (a mkdir of another mode, ls).
#  2. The same kind of policy, with a path rule on mkdir, exported with
#     --base Podman's seccomp.json (when installed) and --socket: runc runs it
#     with `sysgate serve` listening; the mkdir reaches serve (its record names
#     the rule and the path), and serve's handover record gives the count.
# env: SYSGATE (required): the sysgate binary.
set -u
: "${SYSGATE:?SYSGATE must be set}"
HERE=$(cd "$(dirname "$0")" && pwd)
OCI=$HERE/../oci
[ "$(id -u)" = 0 ] || { echo "skip: not root"; exit 77; }
command -v runc >/dev/null || { echo "skip: no runc"; exit 77; }
BB=$(command -v busybox || echo /bin/busybox)
[ -x "$BB" ] && ! ldd "$BB" >/dev/null 2>&1 || { echo "skip: no static busybox"; exit 77; }

WORK=$(mktemp -d /tmp/sg-export-XXXXXX)
SERVE_PID=
cleanup() {
	[ -n "$SERVE_PID" ] && kill "$SERVE_PID" 2>/dev/null && wait "$SERVE_PID" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT
[ -n "${KEEP_WORK:-}" ] && trap - EXIT
export OCI_WORK=$WORK
fail() {
	echo "FAIL: $*"
	for f in "$WORK"/*.out "$WORK"/*.err "$WORK"/serve.log; do
		[ -f "$f" ] && { echo "--- $f"; cat "$f"; }
	done
	exit 1
}

# ---- 1: a static profile, no supervisor ----
cat >"$WORK/static.ini" <<'INI'
[sysgate]
default = allow

[chmod]
deny = EACCES mode & 04000
allow = *

[rmdir]
deny = EROFS *
INI
"$SYSGATE" export "$WORK/static.ini" --runtime runc -o "$WORK/static.json" 2>"$WORK/export1.err" ||
	fail "export of static.ini failed"
grep -q '"SCMP_CMP_MASKED_EQ"' "$WORK/static.json" || fail "no masked comparison for the mode"
grep -q listenerPath "$WORK/static.json" && fail "a static profile names a listener"
SECCOMP_JSON=$WORK/static.json CONTAINER_ID=sgx1-$$ "$OCI/run-runc.sh" none /bin/sh -c \
	'mkdir /tmp/b; echo "b=$?"; chmod 4755 /tmp/b; echo "a=$?"; chmod 0700 /tmp/b; echo "c=$?"; rmdir /tmp/b; echo "rm=$?"; stat -c %a /tmp/b' >"$WORK/run1.out" 2>"$WORK/run1.err"
grep -q '^b=0$' "$WORK/run1.out" || fail "mkdir was not allowed"
grep -q '^a=1$' "$WORK/run1.out" || fail "chmod 4755 was not denied"
grep -q 'Permission denied' "$WORK/run1.err" || fail "chmod 4755 did not get EACCES"
grep -q '^c=0$' "$WORK/run1.out" || fail "chmod 0700 was not allowed"
grep -q '^rm=1$' "$WORK/run1.out" || fail "rmdir was not denied"
grep -q 'Read-only file system' "$WORK/run1.err" || fail "rmdir did not get EROFS"
grep -q '^700$' "$WORK/run1.out" || fail "the directory is not there with mode 700"
echo "ok 1 - static profile: chmod 4755 EACCES, rmdir EROFS, mkdir and chmod 0700 run"

# ---- 2: --base Podman's profile, mkdir notified to sysgate serve ----
BASE=/usr/share/containers/seccomp.json
[ -r "$BASE" ] || { echo "ok 2 # skip no $BASE"; exit 0; }
mkdir -p "$WORK/policies"
cat >"$WORK/policies/web.ini" <<'INI'
[mkdir]
deny = EACCES path ~ /tmp/no/*
allow = *
INI
SOCK=$WORK/agent.sock
"$SYSGATE" export "$WORK/policies/web.ini" --runtime runc --base "$BASE" --socket "$SOCK" \
	-o "$WORK/merged.json" 2>"$WORK/export2.err" || fail "export with --base failed"
grep -q 'no longer decides.*mkdir' "$WORK/export2.err" || fail "export did not say it took mkdir out of the base"
"$SYSGATE" serve --socket "$SOCK" --policy-dir "$WORK/policies" --log "$WORK/serve.log" \
	2>"$WORK/serve.err" &
SERVE_PID=$!
i=0
while [ ! -S "$SOCK" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
[ -S "$SOCK" ] || fail "serve did not listen"
SECCOMP_JSON=$WORK/merged.json CONTAINER_ID=sgx2-$$ "$OCI/run-runc.sh" none /bin/sh -c \
	'mkdir -p /tmp/no; mkdir /tmp/no/x; echo "no=$?"; mkdir /tmp/yes; echo "yes=$?"' >"$WORK/run2.out" 2>"$WORK/run2.err"
grep -q '^no=1$' "$WORK/run2.out" || fail "mkdir /tmp/no/x was not denied by serve"
grep -q '^yes=0$' "$WORK/run2.out" || fail "mkdir /tmp/yes did not work"
i=0
while ! grep -q 'mkdir.*/tmp/no/x' "$WORK/serve.log" 2>/dev/null && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
grep -q "\[sgx2-$$\].*mkdir.*\"/tmp/no/x\".*EACCES.*web.ini:2" "$WORK/serve.log" ||
	fail "serve's record of the denied mkdir is missing"
grep -q "\[sgx2-$$\] handed over: policy .*web.ini, 2 syscalls notified$" "$WORK/serve.log" ||
	fail "serve's handover record does not give the count"
echo "ok 2 - --base Podman's profile: mkdir reaches serve, the handover says 2 syscalls"

# ---- 3: the hand merge export prevents, seen at handover ----
# Podman's profile with a NOTIFY entry for mkdir appended: its big ALLOW entry
# comes first, so libseccomp lets mkdir run and serve never sees it. runc still
# connects (a NOTIFY entry exists), and the handover record says so.
command -v python3 >/dev/null || { echo "ok 3 # skip no python3"; exit 0; }
python3 - "$BASE" "$SOCK" "$WORK/naive.json" <<'PY' || fail "cannot write the naive merge"
import json, sys
p = json.load(open(sys.argv[1]))
p["syscalls"].append({"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_NOTIFY"})
p["listenerPath"] = sys.argv[2]
p["listenerMetadata"] = "policy=web"
json.dump(p, open(sys.argv[3], "w"))
PY
SECCOMP_JSON=$WORK/naive.json CONTAINER_ID=sgx3-$$ "$OCI/run-runc.sh" none /bin/sh -c \
	'mkdir -p /tmp/no; mkdir /tmp/no/x; echo "no=$?"' >"$WORK/run3.out" 2>"$WORK/run3.err"
grep -q '^no=0$' "$WORK/run3.out" || fail "the naive merge did not leave mkdir to the kernel"
i=0
while ! grep -q "\[sgx3-$$\] handed over" "$WORK/serve.log" && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
grep -q "\[sgx3-$$\] handed over: policy .*web.ini, 0 syscalls notified by its profile (the policy's export notifies 2): its profile sends no call to sysgate" \
	"$WORK/serve.log" || fail "the handover record does not show the naive merge"
grep -q "\[sgx3-$$\].*mkdir(" "$WORK/serve.log" && fail "serve saw a mkdir of the naive merge"
echo "ok 3 - a hand merge into Podman's profile: the handover says its profile notifies 0 of 2"

# ---- 4: crun takes what runc refuses: write notified ----
command -v crun >/dev/null || { echo "ok 4 # skip no crun"; exit 0; }
cat >"$WORK/policies/crunw.ini" <<'INI'
[mkdir]
deny = EACCES path ~ /tmp/no/*
allow = *

[write]
deny = EIO exe ~ /nothing/*
allow = *
INI
"$SYSGATE" export "$WORK/policies/crunw.ini" --runtime crun --socket "$SOCK" \
	-o "$WORK/crun.json" 2>"$WORK/export4.err" || fail "export for crun failed"
"$SYSGATE" export "$WORK/policies/crunw.ini" --runtime runc --socket "$SOCK" \
	-o "$WORK/runc-w.json" 2>"$WORK/export4r.err" || fail "export for runc failed"
grep -q 'runc refuses SCMP_ACT_NOTIFY on write' "$WORK/export4r.err" ||
	fail "the runc export does not say write cannot be notified"
SECCOMP_JSON=$WORK/crun.json CONTAINER_ID=sgx4-$$ "$OCI/run-crun.sh" none /bin/sh -c \
	'mkdir -p /tmp/no; mkdir /tmp/no/x; echo "no=$?"' >"$WORK/run4.out" 2>"$WORK/run4.err"
grep -q '^no=1$' "$WORK/run4.out" || fail "under crun, mkdir /tmp/no/x was not denied (or write failed)"
i=0
while ! grep -q "\[sgx4-$$\].*mkdir.*/tmp/no/x" "$WORK/serve.log" && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
grep -q "\[sgx4-$$\] handed over: policy .*crunw.ini, 3 syscalls notified$" "$WORK/serve.log" ||
	fail "crun's handover record does not count write"
grep -q "\[sgx4-$$\].*mkdir(\"/tmp/no/x\".*EACCES" "$WORK/serve.log" ||
	fail "serve's record of crun's mkdir is missing"
echo "ok 4 - crun: write notified and answered, mkdir denied by serve"
