#!/usr/bin/env bash
# dev.sh: install what is missing (Debian 12, as root), build, and run.
#
#   ./dev.sh demo    run the untrusted demo under the built-in default policy
#   ./dev.sh test    build with warnings as errors and run every test, then the
#                    same again under AddressSanitizer + UBSan (ctest both times),
#                    the live suites under ThreadSanitizer (build-tsan), and each
#                    libFuzzer target for FUZZ_SECONDS (build-fuzz, clang)
#   ./dev.sh bench   the benchmark and real workloads (prints ratios; never fails a build)
#   ./dev.sh build   just build (build/sysgate)
#   ./dev.sh format  apply .clang-format to every C file (test fails on drift)
set -euo pipefail
cd "$(dirname "$0")"

PKGS=(gcc make cmake pkg-config libseccomp-dev libmnl-dev libinih-dev libcmocka-dev
      libjson-c-dev strace tmux acl auditd runc crun busybox-static
      clang libclang-rt-14-dev clang-format nginx golang-github-containers-common)

install_missing() {
	local need=() p
	for p in "${PKGS[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
			need+=("$p")
	done
	((${#need[@]} == 0)) && return 0
	if [[ $(id -u) -ne 0 ]]; then
		echo "dev.sh: missing packages: ${need[*]} (run as root to install them)" >&2
		exit 1
	fi
	echo "dev.sh: installing ${need[*]}" >&2
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
}

build() {
	local dir=$1
	shift
	cmake -S . -B "$dir" -DWERROR=ON "$@" >/dev/null
	cmake --build "$dir" -j"$(nproc)"
}

# Every tracked C file as .clang-format has it; "./dev.sh format" applies it.
c_files() {
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		git ls-files '*.c' '*.h'
	else
		find agent include policy supervisor tests -name '*.[ch]'
	fi
}

check_format() {
	if ! c_files | xargs clang-format --dry-run --Werror 2>/tmp/sysgate-format.$$; then
		head -40 /tmp/sysgate-format.$$ >&2
		rm -f /tmp/sysgate-format.$$
		echo "dev.sh: these files drift from .clang-format: ./dev.sh format fixes them" >&2
		exit 1
	fi
	rm -f /tmp/sysgate-format.$$
}

install_missing
case "${1:-}" in
demo)
	build build
	exec build/sysgate run -- build/tests/sg-demo
	;;
test)
	check_format
	build build
	(cd build && ctest --output-on-failure)
	build build-asan -DSANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
	(cd build-asan && ctest --output-on-failure)
	# ThreadSanitizer: the suites where sysgate runs threads (sessions,
	# the inline prompt) under real load. A report makes the sanitized
	# process exit 66, which the suites see as a wrong exit status. (To
	# keep the reports, log_path=/NAME: a log_path with directories makes
	# every instrumented target mkdir them under its filter at start.)
	build build-tsan -DTSAN=ON
	# die_after_fork=0: sysgate forks the agent while its log writers run,
	# and the agent starts its handover thread before exec; TSan refuses
	# threads after a multi-threaded fork unless told the child is short.
	export TSAN_OPTIONS="exitcode=66 second_deadlock_stack=1 die_after_fork=0 suppressions=$PWD/tests/tsan.supp"
	(cd build-tsan && ctest --output-on-failure -R '^(live|emulate|ask|serve|hostile-.*)$')
	unset TSAN_OPTIONS
	# libFuzzer: each parser fuzzed briefly from its seed corpus; a crash,
	# a leak or a sanitizer report fails (tests/fuzz/CMakeLists.txt). Only
	# the fuzz targets are built: the rest is gcc's to check.
	CC=clang cmake -S . -B build-fuzz -DWERROR=ON -DFUZZ=ON -DCMAKE_BUILD_TYPE=Debug \
		-DFUZZ_SECONDS="${FUZZ_SECONDS:-30}" >/dev/null
	cmake --build build-fuzz -j"$(nproc)" --target fuzz
	(cd build-fuzz && ctest --output-on-failure -L fuzz)
	;;
bench)
	build build-bench -DCMAKE_BUILD_TYPE=Release
	cmake --build build-bench --target bench
	# Real jobs (tar, building sysgate) bare, under sysgate and strace -f,
	# and the supervisor's peak RSS: informational, never a verdict.
	tests/bench/workloads.sh build-bench/sysgate . || true
	;;
build)
	build build
	;;
format)
	c_files | xargs clang-format -i
	;;
*)
	echo "usage: $0 demo|test|bench|build|format" >&2
	exit 2
	;;
esac
