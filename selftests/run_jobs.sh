#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make run_tests` with the programs side by side (make run_tests_jobs
# RUN_JOBS=N): each program runs through the kernel tree's own kselftest
# runner (runner.sh's run_many: its timeout, its output prefixing, its KTAP
# line), up to N at a time, each into a file of its own; their KTAP is then
# printed whole, in the order given, numbered as one run would number it.
# The programs named in RUN_ALONE run when nothing else does (they read
# machine-wide counters or share a device; see the Makefile).
#
#   run_jobs.sh JOBS PROGRAM...
# Environment: BASE_DIR (the tree's tools/testing/selftests, as lib.mk sets
# it), the runner's own variables (kselftest_override_timeout), RUN_ALONE,
# and optionally RUN_DURATIONS (a file to write "program seconds" lines to)
# and RUN_DURATIONS_HINT (an earlier such file: the longest programs start
# first). Exit status: 0, like run_many (the verdicts are in the KTAP).
jobs=$1
shift
work=$(mktemp -d "${TMPDIR:-/tmp}/run_jobs.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT

# duration PROGRAM: its time in the hint file, 0 if unknown.
duration() {
	[ -r "${RUN_DURATIONS_HINT:-}" ] || { echo 0; return; }
	awk -v p="$1" '$1 == p { print int($2); found = 1; exit } END { if (!found) print 0 }' "$RUN_DURATIONS_HINT"
}
alone() { case " $RUN_ALONE " in *" $(basename "$1") "*) return 0 ;; esac; return 1; }

# run PROGRAM: one program through run_many, its KTAP into work/<name>.ktap
# (opened for appending: runner.sh writes the per-case lines through a second
# descriptor it opens on /dev/stdout with >>, which a truncating descriptor
# beside it would write over), its wall time into work/<name>.time.
run() {
	local name start end
	name=$(basename "$1")
	: >"$work/$name.ktap"
	start=$(date +%s.%N)
	(
		. "$BASE_DIR/kselftest/runner.sh"
		run_many "$1"
	) >>"$work/$name.ktap" 2>&1
	end=$(date +%s.%N)
	awk -v s="$start" -v e="$end" 'BEGIN { printf "%.1f\n", e - s }' >"$work/$name.time"
}

# The side-by-side ones, longest first (as the hint knows them), then the
# ones that run alone.
together=() by_time=()
for p in "$@"; do
	alone "$p" || by_time+=("$(duration "$(basename "$p")") $p")
done
while read -r _ p; do [ -n "$p" ] && together+=("$p"); done < <(printf '%s\n' "${by_time[@]}" | sort -k1,1nr -s)
running=0
for p in "${together[@]}"; do
	if [ "$running" -ge "$jobs" ]; then
		wait -n
		running=$((running - 1))
	fi
	run "$p" &
	running=$((running + 1))
done
wait
for p in "$@"; do
	alone "$p" && run "$p"
done

# The KTAP of each program in the given order, its top-level line numbered
# as run_many numbers the programs of one call.
n=0
for p in "$@"; do
	name=$(basename "$p")
	n=$((n + 1))
	sed -E "s/^(not )?ok 1 (selftests: )/\\1ok $n \\2/" "$work/$name.ktap"
	[ -z "${RUN_DURATIONS:-}" ] || echo "$name $(cat "$work/$name.time")" >>"$RUN_DURATIONS"
done
exit 0
