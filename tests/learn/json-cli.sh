#!/bin/bash
# sysgate learn --json, the options: misuse is refused before the command
# runs (exit 125, the command never started: its marker file is absent),
# and a learned run writes the profile `sysgate export` writes for the
# learned policy. env: SYSGATE. Needs root (exit 77: skipped).
set -u
SG=${SYSGATE:?set SYSGATE to the sysgate binary}
[ "$(id -u)" = 0 ] || { echo "learn-json-cli: needs root: skipped"; exit 77; }
T=$(mktemp -d /tmp/sg-learn-json.XXXXXX)
trap 'rm -rf "$T"' EXIT
FAIL=0
refused() { # WHAT ARGS...: exit 125, the command not run
	local what=$1
	shift
	"$SG" learn "$@" -- touch "$T/ran" >/dev/null 2>"$T/err"
	local rc=$?
	if [ $rc = 125 ] && [ ! -e "$T/ran" ]; then
		echo "ok - refused before running: $what ($(head -1 "$T/err"))"
	else
		echo "FAIL - $what: exit $rc, ran: $([ -e "$T/ran" ] && echo yes || echo no)"
		FAIL=1
	fi
	rm -f "$T/ran"
}
refused "--runtime without --json" --runtime runc
refused "--widen without --json" --widen
refused "--json where the policy goes (stdout)" --json -
refused "--json where the policy goes (-o)" -o "$T/p.ini" --json "$T/p.ini"
refused "an unknown runtime" --json "$T/p.json" --runtime bogus
refused "--socket without -o" --json "$T/p.json" --socket /run/sg.sock
refused "--socket with -o not NAME.ini" -o "$T/p.policy" --json "$T/p.json" --socket /run/sg.sock
refused "a relative --socket" -o "$T/p.ini" --json "$T/p.json" --socket sg.sock

if "$SG" learn -o "$T/true.ini" --json "$T/true.json" --runtime crun -- true 2>"$T/learn.err" &&
	"$SG" export "$T/true.ini" --runtime crun -o "$T/export.json" 2>/dev/null &&
	cmp -s "$T/true.json" "$T/export.json" && grep -q '"wait4"' "$T/true.json"; then
	echo "ok - learn --json --runtime crun writes export's profile, with crun's own calls (wait4)"
else
	echo "FAIL - learn --json --runtime crun: $(tail -3 "$T/learn.err")"
	FAIL=1
fi
exit $FAIL
