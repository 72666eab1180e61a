#!/bin/bash
# Live round trip (issue 11): for register-only policies, `sysgate export`
# then `sysgate import` gives a policy under which every call of the battery
# (tests/targets/battery.c: 45 calls on x86_64 and through int $0x80) gets
# what it gets under the original policy, both run by `sysgate run`.
#
# Each policy below is one export says exactly (no section notified,
# narrowed or widened: that is checked; a socket rule other than allow is
# not, since i386 reaches it through socketcall too, which export then
# narrows to EPERM whatever a [socketcall] section says), with allow, deny with errnos, kill
# and log on arguments, under defaults allow, deny EACCES and kill. The
# battery's own calls (exec, fork, write, ...) are allowed by name, so that
# export adds no runtime calls the original does not allow. A policy that
# changes nothing would pass trivially: each must change what the battery
# sees compared with a run under `default = allow` (the positive signal).
#
# And the profile itself: where runc and a static busybox are present, runc
# runs the battery with each exported profile (the container of
# tests/import/battery.py: Docker's 14 capabilities, a busybox rootfs), and
# every call gets what it gets under `sysgate run` with the original. Before
# export named the top syscall for runc's ENOSYS stub, cachestat and
# fchmodat2 got ENOSYS there and after the round trip, EACCES under the
# original (p-deny).
#
# env: SYSGATE, BATTERY. Needs root (exit 77 otherwise). Prints ok/FAIL.
set -u
SG=${SYSGATE:?set SYSGATE to the sysgate binary}
BAT=${BATTERY:?set BATTERY to the battery binary}
[ "$(id -u)" = 0 ] || { echo "roundtrip-live: needs root: skipped"; exit 77; }
T=$(mktemp -d /tmp/sg-roundtrip.XXXXXX)
trap '[ -n "${KEEP_WORK:-}" ] || rm -rf "$T"' EXIT
PASS=0 FAIL=0
ok() { PASS=$((PASS + 1)); echo "ok - $*"; }
bad() { FAIL=$((FAIL + 1)); echo "FAIL - $*"; }

BASICS='[execve, arch_prctl, set_tid_address, rseq]
allow = *
[set_robust_list, prlimit64, readlink, getrandom]
allow = *
[brk, mprotect, prctl, capset, capget, newfstatat]
allow = *
[ioctl, write, wait4, close, mmap, munmap]
allow = *
[clone, getpid, exit_group]
allow = *'

cat >"$T/allow.ini" <<'INI'
[sysgate]
default = allow
INI
cat >"$T/p-allow.ini" <<'INI'
[sysgate]
default = allow
[personality]
deny = EACCES persona == 0xffffffff
allow = *
[chroot]
deny = EROFS *
[setns]
kill = *
[syslog]
deny = ENOSYS *
[bpf]
log = *
[acct, kexec_load]
deny = EACCES *
[unshare]
deny = EINVAL flags & 0x10000000
allow = *
INI
{
	printf '[sysgate]\ndefault = deny EACCES\n%s\n' "$BASICS"
	cat <<'INI'
[personality]
allow = persona == 0
deny = EINVAL *
[socket]
allow = *
[unshare]
kill = flags & 0x10000000
deny = EINVAL *
[reboot]
kill = *
[keyctl]
log = *
[mkdir]
deny = EROFS mode & 0200
allow = *
[ptrace]
deny = ESRCH *
[mount]
deny = ENODEV *
INI
} >"$T/p-deny.ini"
{
	printf '[sysgate]\ndefault = kill\n%s\n' "$BASICS"
	cat <<'INI'
[personality]
deny = EPERM persona == 0xffffffff
allow = *
[socket]
allow = *
[chmod]
deny = EPERM mode & 0100
allow = *
[keyctl, syslog]
deny = ENOSYS *
INI
} >"$T/p-kill.ini"

# battery under `sysgate run -p POLICY` into OUT (a fresh DIR each time)
battery() {
	local dir
	dir=$(mktemp -d "$T/dir.XXXXXX")
	timeout -k 5 60 "$SG" run -p "$1" -- "$BAT" "$dir" </dev/null >"$2" 2>"$2.err"
}

# The one difference there must be: mseal, which libseccomp 2.5.4 cannot
# name, so no profile can; runc's ENOSYS stub answers it ENOSYS under any
# default that does not let calls run, and import follows runc. sysgate
# itself fails it with ENOSYS under a deny default too, so only a kill
# default differs: a refusal both ways, never an allow.
unnameable() { sed 's/^mseal killed$/mseal 38/' "$1"; }

battery "$T/allow.ini" "$T/bare.out" || { bad "the battery under default = allow"; exit 1; }
for pol in p-allow p-deny p-kill; do
	ini=$T/$pol.ini
	if ! "$SG" export "$ini" --runtime runc -o "$T/$pol.json" 2>"$T/$pol.export.err"; then
		bad "$pol: export failed: $(cat "$T/$pol.export.err")"
		continue
	fi
	if grep -E 'narrowed|widened|cannot be decided|notified to' "$T/$pol.export.err" |
		grep -qv ' 0 syscalls notified'; then
		bad "$pol: export is not exact: $(grep -E 'narrowed|widened|cannot be decided' "$T/$pol.export.err")"
		continue
	fi
	if ! "$SG" import "$T/$pol.json" -o "$T/$pol.rt.ini" 2>"$T/$pol.import.err"; then
		bad "$pol: import of the export failed: $(cat "$T/$pol.import.err")"
		continue
	fi
	battery "$ini" "$T/$pol.orig.out" || { bad "$pol: the battery under the original"; continue; }
	battery "$T/$pol.rt.ini" "$T/$pol.rt.out" || {
		bad "$pol: the battery under the round trip"
		continue
	}
	n=$(wc -l <"$T/$pol.orig.out")
	changed=$(diff "$T/bare.out" "$T/$pol.orig.out" | grep -c '^>')
	if [ "$n" -lt 45 ]; then
		bad "$pol: only $n calls ran"
	elif [ "$changed" -lt 4 ]; then
		bad "$pol: the policy changes only $changed calls of the battery: it proves nothing"
	elif diff <(unnameable "$T/$pol.orig.out") <(unnameable "$T/$pol.rt.out") >"$T/$pol.diff"; then
		same="all $n" note=
		cmp -s "$T/$pol.orig.out" "$T/$pol.rt.out" ||
			same="$((n - 1)) of $n" note="; mseal killed by the original, ENOSYS after the round trip, as under runc"
		ok "$pol: export then import: $same calls of the battery get the same errno ($changed differ from default = allow$note)"
	else
		bad "$pol: calls differ (original < > round trip):"
		cat "$T/$pol.diff"
	fi
done
HERE=$(cd "$(dirname "$0")" && pwd)
if command -v runc >/dev/null && command -v python3 >/dev/null &&
	"$HERE/../oci/setup-rootfs.sh" "$T/rootfs" >/dev/null 2>&1; then
	cp "$BAT" "$T/rootfs/bin/battery"
	for pol in p-allow p-deny p-kill; do
		[ -s "$T/$pol.json" ] && [ -s "$T/$pol.orig.out" ] || continue
		mkdir -p "$T/bundle-$pol"
		python3 - "$HERE/../import" "$T/rootfs" "$T/$pol.json" "$T/bundle-$pol/config.json" <<'PY' ||
import json, sys
sys.path.insert(0, sys.argv[1])
import battery  # tests/import/battery.py: the container the import proof uses
with open(sys.argv[3]) as f:
    cfg = battery.config(sys.argv[2], json.load(f))
with open(sys.argv[4], "w") as f:
    json.dump(cfg, f)
PY
			{ bad "$pol: no bundle"; continue; }
		cid=sg-rt-$$-$pol
		timeout -k 5 60 runc --root "$T/runc-state" run --bundle "$T/bundle-$pol" "$cid" \
			</dev/null >"$T/$pol.runc.out" 2>"$T/$pol.runc.err"
		runc --root "$T/runc-state" delete -f "$cid" >/dev/null 2>&1
		n=$(wc -l <"$T/$pol.runc.out")
		if [ "$n" -lt 45 ]; then
			bad "$pol: under runc only $n calls ran: $(cat "$T/$pol.runc.err")"
		elif diff <(unnameable "$T/$pol.orig.out") <(unnameable "$T/$pol.runc.out") >"$T/$pol.runc.diff"; then
			note=
			cmp -s "$T/$pol.orig.out" "$T/$pol.runc.out" || note=" (but mseal, as above)"
			ok "$pol: runc with the exported profile: the battery's calls get what sysgate run with the original gives$note"
		else
			bad "$pol: under runc with the export, calls differ (sysgate run < > runc):"
			cat "$T/$pol.runc.diff"
		fi
	done
else
	echo "skip - runc with the exported profiles: no runc, python3 or static busybox"
fi

echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
