#!/bin/bash
# 81-races.sh - concurrency: many hooks at once must neither hand out a VF
# twice, nor leak a port or a record, nor let gc free a live sandbox.
#
#   a. 64 concurrent prestarts for 32 VFs (fixture: 2 PFs x 16 VFs, vfio
#      mode, simulated kernel; the hook serialises binds under its lock,
#      so the kernel's one drivers_probe file is safe): exactly 32 succeed
#      with 32 distinct VFs (devices.json and records agree, each VF on
#      vfio-pci), 32 fail with "no free VF"; then 64 concurrent poststops:
#      every VF back on its driver, override cleared, no record
#   b. 32 sandboxes on REAL private OVS-DPDK, each a background job
#      "prestart; poststop" with random delays, all at once, plus 8
#      poststops racing their own sandbox's prestart: every hook exits 0
#      (a poststop before its prestart is a no-op), and after one more
#      poststop per sandbox: no port, no record
#   c. prestarts racing gc: 24 prestarts (16 vhost-user, 8 VF) whose owner
#      is alive, while `gc --min-age 0` runs in a loop: every prestart
#      succeeds and its port/VF and record are still there afterwards, gc
#      released nothing; once the owner is dead, gc releases them all
. "$(dirname "$0")/lib/lib.sh"
. "$(dirname "$0")/lib/faultlib.sh"

vp_require_root
vp_require_cmd jq ovs-vsctl ovsdb-server ovsdb-tool
[ -x "$VP_OVS_VSWITCHD" ] || tap_skip_all "$VP_OVS_VSWITCHD not installed"
vp_require_hook

T=$VP_TMP
BR=$VP_BRIDGE
T_START=$SECONDS
PF_A=0000:3b:00.0
PF_B=0000:5e:00.0

ovs_up "$BR" "private OVS-DPDK up, bridge $BR"

FX_SYS=$T/sys
if "$MKSYSFS" "$FX_SYS" pf - "$PF_A" --layout ixgbe --vfs 16 2>"$T/mksysfs.err" &&
	"$MKSYSFS" "$FX_SYS" pf - "$PF_B" --layout i40e --vfs 16 2>>"$T/mksysfs.err"; then
	mapfile -t FX_VFIO_VFS < <(fx_vfs "$FX_SYS" "$PF_A"; fx_vfs "$FX_SYS" "$PF_B")
	tap_result "fixture: 2 PFs x 16 VFs (${#FX_VFIO_VFS[@]} VFs)" \
		"$([ "${#FX_VFIO_VFS[@]}" -eq 32 ]; echo $?)"
else
	tap_bail "fixture: 2 PFs x 16 VFs" "$(cat "$T/mksysfs.err")"
fi
fx_kernel_start
VFIO=$(jq -cn --arg a "$PF_A" --arg b "$PF_B" '{type: "sriov", pfs: [$a, $b],
	mode: "vfio", pf_netlink: false}')
# 64 hooks queue for one lock while 32 binds go through a kernel written
# in bash: wait for the lock longer than the 10 s default
vp_config_write "$T/vnfplug.json" "sysfs_root=$FX_SYS" "networks.fastvf=$VFIO" \
	lock_timeout_ms=120000 timeout_ms=20000 || tap_bail "hook config written"

# job ID STAGE STATEFILE: run the hook in the background; exit status to
# $T/rc/ID.STAGE, stderr to $T/err/ID.STAGE.
mkdir -p "$T/rc" "$T/err"
job() {
	timeout 180 "$VP_HOOK" --config "$VP_CFG" "$2" <"$3" >/dev/null 2>"$T/err/$1.$2"
	echo $? >"$T/rc/$1.$2"
}

# ------------------------------------------------------------------- a --
t0=$SECONDS
pids=()
for i in $(seq 1 64); do
	state_json "ra$i" --request '[{"network":"fastvf"}]' >"$T/ra$i.json"
done
for i in $(seq 1 64); do
	job "ra$i" prestart "$T/ra$i.json" &
	pids+=($!)
done
wait "${pids[@]}"
ok=() nofree=() other=()
for i in $(seq 1 64); do
	rc=$(cat "$T/rc/ra$i.prestart" 2>/dev/null || echo missing)
	if [ "$rc" = 0 ]; then
		ok+=("ra$i")
	elif grep -q 'no free VF' "$T/err/ra$i.prestart"; then
		nofree+=("ra$i")
	else
		other+=("ra$i: exit $rc: $(cat "$T/err/ra$i.prestart")")
	fi
done
tap_result "a: 64 concurrent prestarts for 32 VFs: 32 succeed, 32 fail with 'no free VF' ($((SECONDS - t0)) s)" \
	"$([ ${#ok[@]} -eq 32 ] && [ ${#nofree[@]} -eq 32 ]; echo $?)" \
	"${#ok[@]} succeeded, ${#nofree[@]} 'no free VF'" "${other[@]}"

# the VFs handed out, by devices.json and by the records
dl_vfs=$(for id in "${ok[@]}"; do
	jq -r '.. | strings | select(startswith("vfio-pci,host=")) | sub("vfio-pci,host="; "")' \
		"$(vp_sandbox_dir "$id")/devices.json"
done | sort)
rec_vfs=$(cat "$VP_RUN_DIR"/sandboxes/*/record.json |
	jq -r '.resources[] | select(.kind == "vf-claim") | .vf_pci' | sort)
n_dl=$(printf '%s\n' "$dl_vfs" | grep -c .)
n_dl_u=$(printf '%s\n' "$dl_vfs" | grep . | sort -u | wc -l)
tap_result "a: the 32 devices.json name 32 distinct VFs" \
	"$([ "$n_dl" -eq 32 ] && [ "$n_dl_u" -eq 32 ]; echo $?)" \
	"$n_dl VFs, $n_dl_u distinct:" "$dl_vfs"
tap_result "a: the records claim exactly those VFs" \
	"$([ "$dl_vfs" = "$rec_vfs" ]; echo $?)" "records:" "$rec_vfs"
why=()
for pci in "${FX_VFIO_VFS[@]}"; do
	d=$(basename "$(readlink "$FX_SYS/bus/pci/devices/$pci/driver")")
	[ "$d" = vfio-pci ] || why+=("$pci on ${d:-no driver}")
done
tap_result "a: all 32 VFs on vfio-pci" "${#why[@]}" "${why[@]}"
tap_result "a: no record left by the 32 refused prestarts" \
	"$([ "$(vp_sandbox_count)" -eq 32 ]; echo $?)" "$(vp_sandbox_count) sandbox dirs"

t0=$SECONDS
pids=()
for i in $(seq 1 64); do
	state_json "ra$i" --status stopped --request '[{"network":"fastvf"}]' >"$T/ra$i.stop.json"
	job "ra$i" poststop "$T/ra$i.stop.json" &
	pids+=($!)
done
wait "${pids[@]}"
bad=()
for i in $(seq 1 64); do
	rc=$(cat "$T/rc/ra$i.poststop" 2>/dev/null || echo missing)
	[ "$rc" = 0 ] || bad+=("ra$i: exit $rc: $(cat "$T/err/ra$i.poststop")")
done
tap_result "a: 64 concurrent poststops exit 0 ($((SECONDS - t0)) s)" "${#bad[@]}" "${bad[@]}"
fx_check "a: every VF back on its driver, driver_override cleared" fx_why_drivers
fx_check "a: no VF claimed" fx_why_claims
fx_check "a: no record left" fx_why_records
[ "$FX_DIRTY" = 0 ] || fx_reset

# ------------------------------------------------------------------- b --
t0=$SECONDS
REQ='[{"network":"chain"}]'
# pause: 0-49 ms
pause() { sleep "0.0$((RANDOM % 5))$((RANDOM % 10))"; }
cycle() {
	pause
	job "$1" prestart "$T/$1.json"
	pause
	job "$1" poststop "$T/$1.stop.json"
}
pids=()
for i in $(seq 1 32); do
	state_json "rb$i" --request "$REQ" >"$T/rb$i.json"
	state_json "rb$i" --status stopped --request "$REQ" >"$T/rb$i.stop.json"
done
for i in $(seq 1 32); do
	cycle "rb$i" &
	pids+=($!)
	if [ "$i" -le 8 ]; then
		# a poststop racing its own sandbox's prestart
		(pause; job "rb$i-early" poststop "$T/rb$i.stop.json") &
		pids+=($!)
	fi
done
wait "${pids[@]}"
bad=()
for f in "$T"/rc/rb*; do
	rc=$(cat "$f")
	n=${f##*/}
	[ "$rc" = 0 ] || bad+=("$n: exit $rc: $(cat "$T/err/$n")")
	grep -H ': error: ' "$T/err/$n" >/dev/null && bad+=("$n: $(grep ': error: ' "$T/err/$n")")
done
n=$(ls "$T"/rc/rb* | wc -l)
tap_result "b: 32 concurrent prestart+poststop jobs and 8 racing poststops: all $n hook runs exit 0, no error logged ($((SECONDS - t0)) s)" \
	"$([ ${#bad[@]} -eq 0 ] && [ "$n" -eq 72 ]; echo $?)" "$n runs" "${bad[@]}"
left=$(ovs_port_count "$BR")
tap_diag "b: after the jobs: $left port(s), $(vp_sandbox_count) record(s) (a prestart that ran after its racing poststop keeps its port)"
bad=()
for i in $(seq 1 32); do
	job "rb$i-final" poststop "$T/rb$i.stop.json"
	[ "$(cat "$T/rc/rb$i-final.poststop")" = 0 ] || bad+=("rb$i: $(cat "$T/err/rb$i-final.poststop")")
done
tap_result "b: one more poststop per sandbox exits 0" "${#bad[@]}" "${bad[@]}"
fx_check "b: no port leaked" fx_why_ports
fx_check "b: no record leaked" fx_why_records
[ "$FX_DIRTY" = 0 ] || fx_reset

# ------------------------------------------------------------------- c --
t0=$SECONDS
sleep 100000 &
OWNER=$!
FX_OWNERS+=("$OWNER")
: >"$T/gc.out"
(
	while [ ! -e "$T/c.done" ]; do
		timeout 60 "$VP_HOOK" --config "$VP_CFG" gc --min-age 0 >>"$T/gc.out" 2>&1
		echo "rc=$?" >>"$T/gc.out"
	done
) &
GCLOOP=$!
vp_on_exit "touch $T/c.done; kill $GCLOOP"
pids=()
for i in $(seq 1 24); do
	if [ "$i" -le 16 ]; then req=$REQ; else req='[{"network":"fastvf"}]'; fi
	state_json "rc$i" --pid "$OWNER" --request "$req" >"$T/rc$i.json"
	state_json "rc$i" --status stopped --request "$req" >"$T/rc$i.stop.json"
	(pause; job "rc$i" prestart "$T/rc$i.json") &
	pids+=($!)
done
wait "${pids[@]}"
touch "$T/c.done"
wait "$GCLOOP"
gcruns=$(grep -c '^rc=' "$T/gc.out")
bad=()
for i in $(seq 1 24); do
	rc=$(cat "$T/rc/rc$i.prestart")
	[ "$rc" = 0 ] || bad+=("rc$i: exit $rc: $(cat "$T/err/rc$i.prestart")")
done
tap_result "c: 24 prestarts racing $gcruns gc --min-age 0 runs all succeed ($((SECONDS - t0)) s)" \
	"$([ ${#bad[@]} -eq 0 ] && [ "$gcruns" -ge 2 ]; echo $?)" "${bad[@]}"
why=()
for i in $(seq 1 24); do
	f=$(vp_sandbox_dir "rc$i")/record.json
	if ! jq -e '.complete == true' "$f" >/dev/null 2>&1; then
		why+=("rc$i: no complete record")
		continue
	fi
	if [ "$i" -le 16 ]; then
		p=$(jq -r '.resources[] | select(.kind == "ovs-port") | .port' "$f")
		ovs_vsctl port-to-br "$p" >/dev/null 2>&1 || why+=("rc$i: port $p gone")
	else
		v=$(jq -r '.resources[] | select(.kind == "vf-claim") | .vf_pci' "$f")
		[ "$(basename "$(readlink "$FX_SYS/bus/pci/devices/$v/driver")")" = vfio-pci ] ||
			why+=("rc$i: VF $v not on vfio-pci")
	fi
done
tap_result "c: every sandbox's record, port or VF is still there" "${#why[@]}" "${why[@]}"
tap_result "c: gc released nothing and failed nowhere" \
	"$(! grep -Eq '^released|error|^rc=[1-9]' "$T/gc.out"; echo $?)" \
	"$(grep -E '^released|error|^rc=[1-9]' "$T/gc.out" | head -20)"
fx_kill "$OWNER"
hook_run gc --min-age 0 </dev/null
tap_result "c: with the owner dead, gc releases all 24 ($(grep -c '^released' <<<"$HOOK_OUT") reported)" \
	"$([ "$HOOK_RC" -eq 0 ] && [ "$(grep -c '^released' <<<"$HOOK_OUT")" -eq 24 ]; echo $?)" \
	"exit $HOOK_RC" "$HOOK_OUT" "$HOOK_ERR"
fx_check "c: no port left" fx_why_ports
fx_check "c: every VF back on its driver" fx_why_drivers
fx_check "c: no record left" fx_why_records

tap_diag "81-races: $((SECONDS - T_START)) s"
tap_done
