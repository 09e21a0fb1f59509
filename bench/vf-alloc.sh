#!/bin/bash
# bench/vf-alloc.sh [RUNS] - VF allocation latency with 256 VFs across 4 PFs
# and 128 live records, on a fixture sysfs tree.  Target: median <= 5 ms.
#
# Setup (untimed): tests/fixtures/mksysfs.sh builds 4 PFs x 64 VFs (ixgbe
# layout, VFs on ixgbevf; ~30 s, it is a shell script) and its simulated
# kernel runs, so vfio-pci binds take effect in the tree.  One network
# "fastnet" (mode vfio, pf_netlink false) over the 4 PFs; 128 real
# prestarts fill PF 1 and PF 2 (first free VF wins), their owner (this
# shell) alive: 128 live records, every one read by each allocation.
#
# Timed, RUNS (default 30) times each: a prestart without any request (the
# floor: exec, dynamic loading, state parsing); with no record yet, the
# prestart of a sandbox that takes virtfn0 of PF 1; and, with the 128
# records, the prestart of one more sandbox, which
# scans PF 1 and PF 2 (all claimed), then takes virtfn0 of PF 3; its
# poststop (untimed) frees that VF again.  bench/vf_alloc_bench.c runs the
# real hook binary and reports two numbers per run:
#   allocation  from fork() to the hook's first write to that VF's
#               driver_override: exec, config, lock, reading the 128
#               records, scanning the VFs, saving the claim in the journal.
#               vp_vfio_bind writes the override right after the claim is
#               saved, so this is the allocation and nothing of the rebind.
#   prestart    until the hook exited: plus the vfio-pci rebind, which on
#               the fixture waits for the simulated kernel (a shell loop)
#               and the hook's 5 ms driver poll; on a real kernel
#               drivers_probe binds synchronously.  Context, not the target.
# run_dir on /dev/shm (tmpfs, as /run is on a systemd host); BENCH_RUN_BASE
# moves it.
. "$(dirname "$0")/lib.sh"
runs=${1:-30}
vp_require_root
t=$(vp_tmpdir)
MK=$VP_ROOT/tests/fixtures/mksysfs.sh
root=$t/sys
PFS=(0000:3b:00.0 0000:3b:00.1 0000:5e:00.0 0000:5e:00.1)
NVF=64
LIVE=128

[ -x "$VP_HOOK" ] || { echo "no hook at $VP_HOOK: run make" >&2; exit 1; }
# a private copy: a rebuild during the run must not change what is timed
cp "$VP_HOOK" "$t/vnfplug-hook" || exit 1
VP_HOOK=$t/vnfplug-hook
gcc -O2 -Wall -o "$t/vf_alloc_bench" "$VP_ROOT/bench/vf_alloc_bench.c" || exit 1

echo "building the fixture: ${#PFS[@]} PFs x $NVF VFs ..." >&2
for pf in "${PFS[@]}"; do
	bash "$MK" "$root" pf - "$pf" --vfs "$NVF" --total "$NVF" >/dev/null || exit 1
done
# 5 ms: the hook polls the driver link every 5 ms anyway; a faster loop
# only takes CPU from the hook on a small machine
bash "$MK" "$root" kernel --interval-ms "${BENCH_KERNEL_MS:-5}" &
kpid=$!
vp_on_exit "kill $kpid"

rd=$(mktemp -d "${BENCH_RUN_BASE:-/dev/shm}/vp-bench.XXXXXX") || exit 1
vp_on_exit "rm -rf $rd"
pfs_json=$(printf '%s\n' "${PFS[@]}" | jq -R . | jq -sc .)
vp_config_write "$t/vnfplug.json" "run_dir=$rd" "sysfs_root=$root" -networks.chain \
	"networks.fastnet={\"type\":\"sriov\",\"pfs\":$pfs_json,\"mode\":\"vfio\",\"pf_netlink\":false}" ||
	exit 1
REQ='[{"network":"fastnet"}]'

# timed_runs TAG VF: RUNS prestart+poststop cycles of a new sandbox that
# must get VF; per-run numbers into $t/TAG.{alloc,total,cpu}.
timed_runs() {
	local tag=$1 vf=$2 i claim total rc cpu watch
	watch=$root/bus/pci/devices/$vf/driver_override
	: >"$t/$tag.alloc"; : >"$t/$tag.total"; : >"$t/$tag.cpu"
	for i in $(seq 1 "$runs"); do
		state_json "$tag$i" --request "$REQ" >"$t/state.json"
		read -r claim total rc cpu < <("$t/vf_alloc_bench" "$watch" "$t/state.json" \
			"$VP_HOOK" --config "$VP_CFG" --log-level error prestart)
		[ "$rc" = 0 ] || { echo "prestart $tag$i failed (exit $rc)" >&2; return 1; }
		[ "$claim" -ge 0 ] || { echo "$tag$i: the hook never wrote $watch" >&2; return 1; }
		grep -q "vfio-pci,host=$vf" "$(vp_sandbox_dir "$tag$i")/devices.json" ||
			{ echo "$tag$i did not get $vf" >&2; return 1; }
		echo "$claim" >>"$t/$tag.alloc"
		echo "$total" >>"$t/$tag.total"
		echo "$cpu" >>"$t/$tag.cpu"
		state_json "$tag$i" --status stopped --request "$REQ" |
			"$VP_HOOK" --config "$VP_CFG" --log-level error poststop || return 1
	done
}
vf_of() { basename "$(readlink "$root/bus/pci/devices/$1/virtfn$2")"; }

echo "fixture built in $SECONDS s; timing $runs runs with no record ..." >&2
# the floor: a prestart without a request (exec, loader, state parsing)
state_json noreq >"$t/noreq.json"
: >"$t/noreq.total"; : >"$t/noreq.cpu"
for i in $(seq 1 "$runs"); do
	read -r _ total rc cpu < <("$t/vf_alloc_bench" "$t/noreq.json" "$t/noreq.json" \
		"$VP_HOOK" --config "$VP_CFG" --log-level error prestart)
	[ "$rc" = 0 ] || { echo "prestart without a request failed (exit $rc)" >&2; exit 1; }
	echo "$total" >>"$t/noreq.total"
	echo "$cpu" >>"$t/noreq.cpu"
done
timed_runs empty "$(vf_of "${PFS[0]}" 0)" || exit 1

echo "making $LIVE live records ..." >&2
for i in $(seq 1 "$LIVE"); do
	state_json "live$i" --request "$REQ" |
		"$VP_HOOK" --config "$VP_CFG" --log-level error prestart ||
		{ echo "prestart live$i failed" >&2; exit 1; }
done
[ "$(vp_sandbox_count)" -eq "$LIVE" ] || { echo "expected $LIVE records, found $(vp_sandbox_count)" >&2; exit 1; }
echo "records made at $SECONDS s; timing $runs runs with $LIVE live records ..." >&2
timed_runs full "$(vf_of "${PFS[2]}" 0)" || exit 1

ms() { awk -v n="$1" 'BEGIN { printf "%.2f", n / 1e6 }'; }
q() { sort -n "$1" | awk -v p="$2" '{ a[NR] = $1 } END { i = int(NR * p + 0.5); if (i < 1) i = 1; print a[i] }'; }
ma=$(median "$t/full.alloc")
line() { # line TAG LABEL
	printf '  %-24s allocation %6s ms (p10 %s, p90 %s)  prestart %6s ms  CPU %s ms\n' "$2" \
		"$(ms "$(median "$t/$1.alloc")")" "$(ms "$(q "$t/$1.alloc" 0.1)")" \
		"$(ms "$(q "$t/$1.alloc" 0.9)")" "$(ms "$(median "$t/$1.total")")" \
		"$(ms "$(median "$t/$1.cpu")")"
}
printf 'VF allocation: %d PFs x %d VFs, fixture tree, %d runs each, medians (run_dir %s)\n' \
	"${#PFS[@]}" "$NVF" "$runs" "${rd%/*}"
printf '  %-24s prestart %6s ms  CPU %s ms\n' "no request (floor):" \
	"$(ms "$(median "$t/noreq.total")")" "$(ms "$(median "$t/noreq.cpu")")"
line empty "no live record:"
line full "$LIVE live records:"
printf '  allocation = fork to claim journaled (wall); prestart = + the fixture rebind (wall);\n'
printf '  CPU = the hook'"'"'s user+sys for the whole prestart (does not grow with load)\n'
printf '  load average: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
awk -v n="$ma" 'BEGIN { exit !(n <= 5e6) }' && verdict=met || verdict=MISSED
printf '  target: allocation median <= 5 ms with %d live records: %s\n' "$LIVE" "$verdict"
