#!/bin/bash
# workloads.sh: real jobs bare, under sysgate and under strace -f, side by
# side in one run, and the supervisor's peak RSS (issue 12). Informational:
# it prints figures and ratios, never a verdict, and exits 0 unless a job
# could not run at all. See tests/bench/README.md ("Real workloads").
#
#   tests/bench/workloads.sh SYSGATE [SRC]
#
# SYSGATE: the sysgate binary; SRC: the source tree to build (default: the
# one this script is in). Environment: SG_BENCH_ROUNDS (tar rounds, default
# 3), SG_BENCH_BUILD_ROUNDS (build rounds, default 1), SG_BENCH_SKIP_BUILD=1.
set -uo pipefail

SG=$(realpath "${1:?usage: workloads.sh SYSGATE [SRC]}")
SRC=$(realpath "${2:-$(dirname "$0")/../..}")
ROUNDS=${SG_BENCH_ROUNDS:-3}
BROUNDS=${SG_BENCH_BUILD_ROUNDS:-1}
DOC=/usr/share/doc
STRACE=$(command -v strace || true)
W=$(mktemp -d /tmp/sg-workloads.XXXXXX)
trap 'rm -rf "$W"' EXIT INT TERM HUP
failed=0

# Seconds (wall) one command takes; "FAILED" if it exits non-zero.
seconds() {
	local t0 t1
	t0=$(date +%s.%N)
	if ! "$@" >"$W/out" 2>"$W/err"; then
		echo FAILED
		sed 's/^/    /' "$W/err" | tail -5 >&2
		return
	fi
	t1=$(date +%s.%N)
	echo "$t0 $t1" | awk '{printf "%.3f", $2 - $1}'
}

# median of the arguments (FAILED ones left out), or "n/a"
median() {
	printf '%s\n' "$@" | grep -v FAILED | sort -g |
		awk '{v[NR] = $1} END {if (NR == 0) print "n/a"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}

# The median of per-round ratios a[i]/b[i]: the two ran seconds apart.
ratio() {
	local -n num=$1 den=$2
	local v=() i
	for i in "${!num[@]}"; do
		[[ ${num[$i]} == FAILED || ${den[$i]} == FAILED ]] && continue
		v+=("$(echo "${num[$i]} ${den[$i]}" | awk '{printf "%.3f", $1 / $2}')")
	done
	((${#v[@]})) && median "${v[@]}" || echo n/a
}

echo "sysgate workloads: $(nproc) CPUs, kernel $(uname -r); $SG"
echo

# ---- tar c of /usr/share/doc -------------------------------------------------
# Through a pipe: GNU tar writing to /dev/null itself would skip reading the
# files. Every syscall of tar and cat is notified and logged (default = log)
# to a file.
cat >"$W/log.ini" <<EOF
[sysgate]
default = log
EOF
TAR=(sh -c "tar cf - $DOC 2>/dev/null | cat >/dev/null")
declare -a tb=() ts=() tt=()
"${TAR[@]}" # warm-up: the files in the page cache for every configuration
for ((r = 0; r < ROUNDS; r++)); do
	tb+=("$(seconds "${TAR[@]}")")
	rm -f "$W/tar.log"
	ts+=("$(seconds "$SG" run -p "$W/log.ini" --log "$W/tar.log" -- "${TAR[@]}")")
	if [[ -n $STRACE ]]; then
		tt+=("$(seconds "$STRACE" -f -o /dev/null "${TAR[@]}")")
	else
		tt+=(FAILED)
	fi
	echo "  tar round $((r + 1))/$ROUNDS: bare ${tb[-1]} s, sysgate ${ts[-1]} s, strace ${tt[-1]} s" >&2
done
records=$(wc -l <"$W/tar.log" 2>/dev/null || echo 0)
echo "tar cf - $DOC | cat (median of $ROUNDS rounds; default = log, $records records in the last run's file):"
printf '  %-28s %8s s\n' "bare" "$(median "${tb[@]}")" "sysgate (default = log)" "$(median "${ts[@]}")" \
	"strace -f -o /dev/null" "$(median "${tt[@]}")"
printf '  %-28s %8s\n' "sysgate / bare" "$(ratio ts tb)" "strace / bare" "$(ratio tt tb)" \
	"sysgate / strace" "$(ratio ts tt)"
[[ ${ts[*]} == *FAILED* || ${tb[*]} == *FAILED* ]] && failed=1
echo

# ---- building sysgate itself -------------------------------------------------
# A copy of the tree (sources only), configured and built (cmake, then make -j2
# of the sysgate target) from scratch each time. The policy emulates every mkdir
# inside the build tree and checks every open by its path.
if [[ ${SG_BENCH_SKIP_BUILD:-0} != 1 ]]; then
	mkdir -p "$W/src"
	(cd "$SRC" && git ls-files -z 2>/dev/null | xargs -0 cp --parents -t "$W/src" 2>/dev/null) ||
		cp -r "$SRC"/{CMakeLists.txt,include,policy,supervisor,agent,tests} "$W/src"
	cat >"$W/build.ini" <<EOF
[sysgate]
default = allow
[mkdir]
emulate = path ~ $W/bld/**
allow = *
[open]
deny = EACCES path ~ /etc/shadow
allow = *
EOF
	BUILD=(sh -c "rm -rf $W/bld && cmake -S $W/src -B $W/bld -DCMAKE_BUILD_TYPE=Release >/dev/null && make -C $W/bld -j2 sysgate >/dev/null")
	declare -a bb=() bs=() bt=()
	for ((r = 0; r < BROUNDS; r++)); do
		bb+=("$(seconds "${BUILD[@]}")")
		rm -f "$W/build.log"
		bs+=("$(seconds "$SG" run -p "$W/build.ini" --log "$W/build.log" -- "${BUILD[@]}")")
		if [[ -n $STRACE ]]; then
			bt+=("$(seconds "$STRACE" -f -o /dev/null "${BUILD[@]}")")
		else
			bt+=(FAILED)
		fi
		echo "  build round $((r + 1))/$BROUNDS: bare ${bb[-1]} s, sysgate ${bs[-1]} s, strace ${bt[-1]} s" >&2
	done
	emulated=$(grep -c '\[emulate ' "$W/build.log" 2>/dev/null || echo 0)
	echo "build sysgate (cmake + make -j2 sysgate, fresh build dir; median of $BROUNDS; $emulated mkdirs emulated in the last run):"
	printf '  %-28s %8s s\n' "bare" "$(median "${bb[@]}")" "sysgate (build.ini)" \
		"$(median "${bs[@]}")" "strace -f -o /dev/null" "$(median "${bt[@]}")"
	printf '  %-28s %8s   goal <= 1.15\n' "sysgate / bare" "$(ratio bs bb)"
	printf '  %-28s %8s\n' "strace / bare" "$(ratio bt bb)" "sysgate / strace" "$(ratio bs bt)"
	[[ ${bs[*]} == *FAILED* || ${bb[*]} == *FAILED* ]] && failed=1
	echo
fi

# ---- the supervisor's peak RSS -----------------------------------------------
# sysgate run on the built-in default policy (no -p), its target walking
# /usr/share/doc; VmHWM of the sysgate process itself (not its target), read
# every 50 ms while it lives: the last reading is its peak up to its exit.
"$SG" run -- sh -c "ls -lR $DOC >/dev/null; sleep 0.5" >/dev/null 2>"$W/rss.err" &
pid=$!
hwm=
while kill -0 "$pid" 2>/dev/null; do
	v=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status" 2>/dev/null) && [[ -n $v ]] && hwm=$v
	sleep 0.05
done
wait "$pid" || true
if [[ -n $hwm ]]; then
	echo "peak RSS of sysgate run (default policy): $hwm kB = $(awk -v k="$hwm" 'BEGIN {printf "%.2f", k / 1024}') MiB   goal <= 4 MiB"
else
	echo "peak RSS of sysgate run (default policy): n/a (could not read /proc/$pid/status)"
	failed=1
fi
exit $failed
