#!/bin/sh
# sysgate import's command line: exit codes, reports on stderr as
# PROFILE:JSONPATH: message, --strict, and -o that never leaves a broken
# or overwritten file behind on failure.
# usage: cli.sh SYSGATE FIXTURES_DIR [PROFILE_DATA_DIR]
set -u
SG=$1
FIX=$2
DATA=${3:-}
T=$(mktemp -d /tmp/sg-import-cli.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail=0
no() { echo "FAIL: $*"; fail=1; }

expect() { # expect RC CMD...
	want=$1
	shift
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
	[ "$rc" = "$want" ] || { no "exit $rc, wanted $want: $*"; cat "$T/err"; }
}

# usage errors are 125
expect 125 "$SG" import
expect 125 "$SG" import a.json b.json
expect 125 "$SG" import --bogus "$FIX/actions.json"
expect 125 "$SG" import --kernel six "$FIX/actions.json"
expect 125 "$SG" import --caps 'CAP_X;Y' "$FIX/actions.json"
expect 0 "$SG" import --help
grep -q -- "--strict" "$T/out" || no "--help does not list --strict"

# a good import to stdout, reports on stderr with their JSON paths
expect 0 "$SG" import "$FIX/actions.json"
grep -q '^\[sysgate\]' "$T/out" || no "no policy on stdout"
grep -q "^$FIX/actions.json:syscalls\[1\].args: warning: .*OR" "$T/err" || no "no OR warning with its path"
grep -q "^$FIX/actions.json:syscalls\[14\].names\[1\]: warning: \"MKDIR\"" "$T/err" || no "no MKDIR warning"
"$SG" import "$FIX/actions.json" -o "$T/p.ini" 2>/dev/null || no "import -o failed"
"$SG" check "$T/p.ini" >"$T/check" || { no "check refuses the import"; cat "$T/check"; }

# --strict: lossy (TRAP, OR, ...) fails, and the old file stays as it was
echo "; old" >"$T/keep.ini"
expect 1 "$SG" import --strict "$FIX/actions.json" -o "$T/keep.ini"
grep -q "not imported (--strict)" "$T/err" || no "--strict does not say why"
[ "$(cat "$T/keep.ini")" = "; old" ] || no "--strict overwrote the output"

# errors: exit 1, nothing written
printf '{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 0}' >"$T/zero.json"
expect 1 "$SG" import "$T/zero.json" -o "$T/keep.ini"
grep -q "zero.json:defaultAction: error: .*fake success" "$T/err" || no "no ERRNO(0) error"
[ "$(cat "$T/keep.ini")" = "; old" ] || no "an error overwrote the output"
printf '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 1, "value": 18446744073709551616, "op": "SCMP_CMP_EQ"}]}]}' >"$T/big.json"
expect 1 "$SG" import "$T/big.json"
grep -q "big.json:line 1: error: a number above 2^64-1" "$T/err" || no "2^64 not refused"
printf '{"defaultAction": ' >"$T/bad.json"
expect 1 "$SG" import "$T/bad.json"
grep -q "bad.json:line 1: error: not valid JSON" "$T/err" || no "bad JSON not reported"
expect 1 "$SG" import "$T/absent.json"
ls "$T" | grep -q 'keep.ini.' && no "a temporary file was left behind"

# a profile that lets the runtime kill i386 calls: imported as [sysgate]
# abi = x86_64 (killed there too), or with --allow-i386 decided by the sections
printf '{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"], "syscalls": [{"names": ["getpid", "exit", "exit_group", "rt_sigreturn", "sigreturn"], "action": "SCMP_ACT_ALLOW"}]}' >"$T/x64.json"
expect 0 "$SG" import -o "$T/x64.ini" "$T/x64.json"
grep -qx "abi = x86_64" "$T/x64.ini" || no "no abi = x86_64 for a profile without SCMP_ARCH_X86"
expect 0 "$SG" import --allow-i386 "$T/x64.json"
grep -q "x64.json:architectures: warning: .*kill every i386" "$T/err" || no "no i386 warning"

# i386: socketcall denied whole, socket allowed, connect denied: the runtimes
# deny every i386 socketcall, sysgate decided socketcall(SYS_SOCKET) by [socket]
printf '{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"], "syscalls": [{"names": ["socketcall"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}, {"names": ["socket"], "action": "SCMP_ACT_ALLOW"}, {"names": ["connect"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]}' >"$T/mux.json"
expect 1 "$SG" import "$T/mux.json"
grep -q "mux.json:syscalls\[1\]: error: socket on i386: .*socketcall(socket)" "$T/err" || no "socketcall widening not refused"
# json-c's reading of \u0000 and twice-given keys is not Go's: refused
printf '{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"], "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "action\\u0000x": "SCMP_ACT_ALLOW"}]}' >"$T/nul.json"
expect 1 "$SG" import "$T/nul.json"
grep -q 'nul.json:line 1: error: a string with .u0000' "$T/err" || no "a NUL key not refused"

# export --base reads its base through the same check
printf '[sysgate]\ndefault = allow\n[mkdir]\ndeny = EACCES *\n' >"$T/p.ini"
expect 1 "$SG" export "$T/p.ini" --base "$T/nul.json"
grep -q 'nul.json:line 1: a string with .u0000' "$T/err" || no "export --base took a NUL key"

# -o on a device node writes into it: renaming over it replaced the node
# (`-o /dev/null` left a regular file in /dev); a symlink is written through
if [ "$(id -u)" = 0 ] && mknod "$T/null" c 1 3 2>/dev/null; then
	expect 0 "$SG" import --allow-i386 "$T/x64.json" -o "$T/null"
	[ -c "$T/null" ] || no "-o replaced a device node with a file"
	expect 0 "$SG" import --allow-i386 "$T/x64.json" -o "$T/null" --oci "$T/null"
	[ -c "$T/null" ] || no "--oci replaced a device node with a file"
fi
: >"$T/target.ini"
ln -s "$T/target.ini" "$T/link.ini"
expect 0 "$SG" import --allow-i386 "$T/x64.json" -o "$T/link.ini"
[ -L "$T/link.ini" ] && grep -q 'default = deny' "$T/target.ini" || no "-o did not write through the symlink"

# --oci writes what the runtime gets; the real profiles import and check
if [ -n "$DATA" ] && [ -f "$DATA/moby-default.json" ]; then
	expect 0 "$SG" import "$DATA/moby-default.json" -o "$T/m.ini" --oci "$T/m.json"
	grep -q '"SCMP_ARCH_X86"' "$T/m.json" || no "--oci lacks the resolved architectures"
	grep -q 'archMap\|includes' "$T/m.json" && no "--oci still has archMap or includes"
	grep -q "imported as $T/m.ini (.* sections): 1 warnings" "$T/err" || { no "moby's counts"; tail -1 "$T/err"; }
	expect 0 "$SG" check "$T/m.ini"
	expect 1 "$SG" import --strict "$DATA/moby-default.json"
	# with CAP_SYS_ADMIN the socket rule stays lossy, nothing else
	expect 0 "$SG" import --caps CAP_SYS_ADMIN,chown "$DATA/moby-default.json"
fi
if [ -f /usr/share/containers/seccomp.json ]; then
	expect 0 "$SG" import --strict /usr/share/containers/seccomp.json -o "$T/podman.ini"
	grep -q "read as the Podman dialect" "$T/err" || no "Podman not detected"
	expect 0 "$SG" check "$T/podman.ini"
fi
[ $fail = 0 ] && echo "import cli: ok"
exit $fail
