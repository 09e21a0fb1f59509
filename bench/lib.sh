# bench/lib.sh - shared by the benchmark scripts: timing and medians.
# Benchmarks reuse the integration helpers (OVS-DPDK, runc bundles).
. "$(dirname "${BASH_SOURCE[0]}")/../tests/integration/lib/lib.sh"
# benchmarks report numbers, not TAP: keep the exit trap quiet about it
VP_TAP_DONE=1

# now_ns: monotonic-enough wall clock in nanoseconds.
now_ns() { date +%s%N; }

# median FILE: median of the numbers in FILE, one a line.
median() {
	sort -n "$1" | awk '{ a[NR] = $1 } END {
		if (NR == 0) { print "nan"; exit }
		if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# ratio A B: A/B with 3 decimals.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f\n", a / b }'; }
