#!/bin/bash
# The cost of learning: the same workload bare, under sysgate's observing
# policy (every call notified and logged as JSON, the log blocking: what
# `sysgate learn` runs), and through `sysgate learn` whole (the run, reading
# the records back and writing the policy), in one invocation, medians of
# RUNS runs each. Informational: prints ratios, never fails a build.
#
#   tests/bench/learn-cost.sh [SYSGATE] [-- WORKLOAD...]
#   default workload: sh -c 'tar cf - /usr/share/doc | wc -c'
set -eu
SG=${1:-${SYSGATE:-build/sysgate}}
shift || true
[ "${1:-}" = "--" ] && shift
# tar into a pipe reads every file (into /dev/null GNU tar skips the reads)
if [ $# -gt 0 ]; then WL=("$@"); else WL=(sh -c 'tar cf - /usr/share/doc 2>/dev/null | wc -c'); fi
RUNS=${RUNS:-5}
T=$(mktemp -d /tmp/sg-learn-bench.XXXXXX)
trap 'rm -rf "$T"' EXIT

now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
timed() { # CMD...: seconds, output to /dev/null
	local t0 t1
	t0=$(now)
	"$@" >/dev/null 2>&1 || true
	t1=$(now)
	echo "$t1 - $t0" | bc -l
}

bare=() learn=() gen=() st=()
for i in $(seq "$RUNS"); do
	bare+=("$(timed "${WL[@]}")")
	rm -f "$T/r.json"
	learn+=("$(timed "$SG" learn -o "$T/p.ini" --log "$T/r.json" -- "${WL[@]}")")
	# the writing alone: the same records through review --batch
	gen+=("$(timed "$SG" review --batch -o "$T/q.ini" "$T/r.json")")
	# what people do today, for comparison
	if command -v strace >/dev/null; then
		st+=("$(timed strace -f -qq -o "$T/s.txt" "${WL[@]}")")
	fi
done
calls=$(wc -l <"$T/r.json")
b=$(printf '%s\n' "${bare[@]}" | median)
l=$(printf '%s\n' "${learn[@]}" | median)
g=$(printf '%s\n' "${gen[@]}" | median)
echo "workload: ${WL[*]}"
echo "calls recorded per run: $calls"
printf 'bare:            %.3f s (median of %d)\n' "$b" "$RUNS"
printf 'sysgate learn:   %.3f s, of which writing the policy %.3f s (review --batch of the records)\n' "$l" "$g"
printf 'ratio learn/bare: %.1f; the observed run alone/bare: %.1f\n' \
	"$(echo "$l / $b" | bc -l)" "$(echo "($l - $g) / $b" | bc -l)"
if [ ${#st[@]} -gt 0 ]; then
	s=$(printf '%s\n' "${st[@]}" | median)
	printf 'strace -f -o FILE: %.3f s, ratio %.1f\n' "$s" "$(echo "$s / $b" | bc -l)"
fi
printf 'per recorded call (observed run - bare): %.1f us\n' \
	"$(echo "($l - $g - $b) * 1000000 / $calls" | bc -l)"
