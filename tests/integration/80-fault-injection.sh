#!/bin/bash
# 80-fault-injection.sh - crash safety: the hook is SIGKILLed at every
# fault point its flow reaches (build-fault/vnfplug-hook, `make fault`,
# hook/fault.h) and the mess is cleaned up by (a) poststop with the
# normal hook, (b) `gc --min-age 0` once the owner is dead.  After each,
# one TAP line per property:
#   no OVS port on the bridge; no VF claimed (records and status --json);
#   every VF on its original (fixture) driver with driver_override cleared;
#   netns: each veth back in the host under its name with its MAC;
#   no record (sandboxes/ empty).
#
# Flows and the steps each reaches (grep -r vp_fault_point hook/):
#   vhost-user, REAL private OVS-DPDK:
#       locked journal-saved port-added before-devlist devlist-written
#   SR-IOV vfio (fixture tree + simulated kernel, pf_netlink false):
#       locked journal-saved vf-claimed vf-bound before-devlist devlist-written
#   SR-IOV netns (fixture VF whose netdev is a real veth):
#       locked journal-saved vf-claimed vf-moved before-devlist devlist-written
#   vf-configured needs pf_netlink (no NIC here takes VF netlink,
#   docs/architecture.md §12): not reachable on this machine.
# Plus per flow: a 2-entry request killed at the 2nd port / VF
# (port-added:2, vf-claimed:2, vf-bound:2, vf-moved:2), and poststop itself
# killed at released-one:K for every K, then poststop again (and once gc);
# and a prestart killed after its first resource, retried by the runtime.
#
# gc + netns after the move: the owner's death destroys its namespace, and
# the kernel deletes a veth with it (only physical netdevs are returned to
# the host; 75-netns-refund-guest.sh covers that).  There the veth check is
# "destroyed together with its peer, nothing left in the host", and the
# pair is recreated for the next case.
. "$(dirname "$0")/lib/lib.sh"
. "$(dirname "$0")/lib/faultlib.sh"

vp_require_root
vp_require_cmd jq ip unshare ovs-vsctl ovsdb-server ovsdb-tool
[ -x "$VP_OVS_VSWITCHD" ] || tap_skip_all "$VP_OVS_VSWITCHD not installed"
vp_require_hook
[ -x "$VP_FAULT_HOOK" ] || tap_bail "fault-injection hook is built at $VP_FAULT_HOOK" \
	"run 'make fault' first"

T=$VP_TMP
BR=$VP_BRIDGE
T_START=$SECONDS

ovs_up "$BR" "private OVS-DPDK up, bridge $BR"
if fx_veths 2 && fx_sysfs "$T/sys" 2 2 2>"$T/mksysfs.err"; then
	tap_ok "fixture: PF $FX_PF_VFIO (VFs ${FX_VFIO_VFS[*]}), PF $FX_PF_NETNS (VFs ${FX_NETNS_VFS[*]} -> veths ${FX_V}a0/a1)"
else
	tap_bail "fixture sysfs and veths" "$(cat "$T/mksysfs.err")"
fi
fx_kernel_start
fx_config "$T/vnfplug.json" || tap_bail "hook config written"

# ------------------------------------------------------------- cases --

CASE=0
# state ID PID REQ [stopped]
state() {
	if [ "${4:-}" = stopped ]; then
		state_json "$1" --status stopped --request "$3"
	else
		state_json "$1" --pid "$2" --request "$3"
	fi
}

# fault_run STEP STAGE STATEFILE: the fault hook, killed at STEP.
fault_run() {
	# in a subshell whose stderr is discarded: the shell's "Killed" notice
	(
		VNFPLUG_FAULT=$1 timeout 60 "$VP_FAULT_HOOK" --config "$VP_CFG" "$2" \
			<"$3" >"$T/fault.out" 2>"$T/fault.err"
		exit $?
	) 2>/dev/null
	FAULT_RC=$?
}

# veth_gone: after gc of a netns sandbox whose namespace died with the VF
# in it: the pair is gone entirely (a veth is destroyed, not leaked).
veth_gone() {
	local n
	for ((n = 0; n < FX_NVETH; n++)); do
		if ! ip link show dev "${FX_V}a$n" >/dev/null 2>&1; then
			ip link show dev "${FX_V}b$n" >/dev/null 2>&1 &&
				echo "${FX_V}b$n still in the host without its peer"
		fi
	done
	fx_why_veths | grep -v 'not in the host'
}

# checks FLOW DESC [netns-destroyed]
checks() {
	local flow=$1 d=$2
	fx_check "$d: no OVS port on $BR" fx_why_ports
	[ "$flow" = vhost ] || fx_check "$d: no VF claimed (records, status --json)" fx_why_claims
	[ "$flow" = vhost ] || fx_check "$d: every VF on its original driver, driver_override cleared" fx_why_drivers
	if [ "$flow" = netns ]; then
		if [ "${3:-}" = destroyed ]; then
			fx_check "$d: veth destroyed with the dead owner's netns, nothing of it left in the host" veth_gone
		else
			fx_check "$d: veths back in the host under their names and MACs" fx_why_veths
		fi
	fi
	fx_check "$d: no record left" fx_why_records
	[ "$FX_DIRTY" = 0 ] || fx_reset
	# recreate pairs a dead namespace destroyed
	local n
	for ((n = 0; n < FX_NVETH; n++)); do
		ip link show dev "${FX_V}a$n" >/dev/null 2>&1 || fx_veth_make "$n"
	done
}

# cleanup_run HOW ID REQ OWNER: poststop (owner alive, killed after) or gc
# (owner killed first).  One TAP line.
cleanup_run() {
	local how=$1 id=$2 req=$3 owner=$4 d=$5
	if [ "$how" = poststop ]; then
		state "$id" 0 "$req" stopped >"$T/st-stop.json"
		hook_run poststop <"$T/st-stop.json"
		fx_kill "$owner"
	else
		fx_kill "$owner"
		hook_run gc --min-age 0 </dev/null
	fi
	tap_result "$d: $how exits 0" "$HOOK_RC" "exit $HOOK_RC" "$HOOK_ERR" "$HOOK_OUT"
}

# fault_case FLOW STEP HOW REQUEST
fault_case() {
	local flow=$1 step=$2 how=$3 req=$4 id d left destroyed=""
	CASE=$((CASE + 1))
	id=fi$CASE
	d="$flow, prestart killed at $step, then $how"
	fx_owner
	state "$id" "$FX_OWNER" "$req" >"$T/st.json"
	fault_run "$step" prestart "$T/st.json"
	left=no
	[ -d "$(vp_sandbox_dir "$id")" ] && left=yes
	want=yes
	[ "$step" = locked ] && want=no
	if [ "$FAULT_RC" -eq 137 ] && grep -q "SIGKILL at ${step%%:*}" "$T/fault.err" &&
		[ "$left" = "$want" ]; then
		tap_ok "$d: hook died at $step (journal left: $left)"
	else
		tap_fail "$d: hook died at $step (journal left: $want)" \
			"exit $FAULT_RC, journal left: $left" "$(cat "$T/fault.err")"
	fi
	cleanup_run "$how" "$id" "$req" "$FX_OWNER" "$d"
	if [ "$flow" = netns ] && [ "$how" = gc ]; then
		case $step in
		vf-moved* | before-devlist | devlist-written) destroyed=destroyed ;;
		vf-claimed:2) destroyed=destroyed ;; # the first VF was moved
		esac
	fi
	checks "$flow" "$d" $destroyed
}

# release_case FLOW K HOW REQUEST: a complete prestart, poststop killed
# after its K-th undo, then HOW (poststop again, or gc).
release_case() {
	local flow=$1 k=$2 how=$3 req=$4 id d destroyed=""
	CASE=$((CASE + 1))
	id=fi$CASE
	d="$flow, poststop killed at released-one:$k, then $how"
	fx_owner
	state "$id" "$FX_OWNER" "$req" >"$T/st.json"
	if ! hook_run prestart <"$T/st.json"; then
		tap_fail "$d: prestart" "exit $HOOK_RC" "$HOOK_ERR"
		fx_kill "$FX_OWNER"
		fx_reset
		return
	fi
	state "$id" 0 "$req" stopped >"$T/st-stop.json"
	fault_run "released-one:$k" poststop "$T/st-stop.json"
	if [ "$FAULT_RC" -eq 137 ] && grep -q "SIGKILL at released-one" "$T/fault.err"; then
		tap_ok "$d: poststop died at released-one:$k"
	else
		tap_fail "$d: poststop died at released-one:$k" "exit $FAULT_RC" "$(cat "$T/fault.err")"
	fi
	cleanup_run "$how" "$id" "$req" "$FX_OWNER" "$d"
	# gc with the namespace dead: a veth that was still inside is gone
	if [ "$flow" = netns ] && [ "$how" = gc ] && ! fx_why_veths | grep -q .; then
		:
	elif [ "$flow" = netns ] && [ "$how" = gc ]; then
		destroyed=destroyed
	fi
	checks "$flow" "$d" $destroyed
}

# retry_case FLOW STEP REQUEST: prestart killed at STEP, then the runtime
# retries prestart: the earlier partial setup is undone and the retry sets
# up exactly one of everything; poststop then leaves nothing.
retry_case() {
	local flow=$1 step=$2 req=$3 id d why=()
	CASE=$((CASE + 1))
	id=fi$CASE
	d="$flow, prestart killed at $step, then prestart again"
	fx_owner
	state "$id" "$FX_OWNER" "$req" >"$T/st.json"
	fault_run "$step" prestart "$T/st.json"
	[ "$FAULT_RC" -eq 137 ] || why+=("the fault hook exited $FAULT_RC: $(cat "$T/fault.err")")
	hook_run prestart <"$T/st.json"
	[ "$HOOK_RC" -eq 0 ] || why+=("the retry exited $HOOK_RC: $HOOK_ERR")
	grep -q 'undoing the partial setup' <<<"$HOOK_ERR" || why+=("the retry did not say it undid the partial setup")
	case $flow in
	vhost) [ "$(ovs_port_count "$BR")" = 1 ] || why+=("$(ovs_port_count "$BR") port(s), want 1") ;;
	vfio) [ "$(for v in "${FX_VFIO_VFS[@]}"; do readlink "$FX_SYS/bus/pci/devices/$v/driver"; done | grep -c vfio-pci)" = 1 ] ||
		why+=("want exactly one VF on vfio-pci") ;;
	netns) nsenter -t "$FX_OWNER" -n ip link show dev data0 >/dev/null 2>&1 ||
		why+=("data0 not in the owner's netns") ;;
	esac
	[ "$(cat "$(vp_sandbox_dir "$id")/record.json" 2>/dev/null | jq '.complete')" = true ] ||
		why+=("no complete record")
	tap_result "$d: the retry undoes the partial setup and sets up exactly one" "${#why[@]}" "${why[@]}"
	cleanup_run poststop "$id" "$req" "$FX_OWNER" "$d"
	checks "$flow" "$d"
}

REQ_VHOST='[{"network":"chain"}]'
REQ_VHOST2='[{"network":"chain"},{"network":"chain"}]'
REQ_VFIO='[{"network":"fastvf"}]'
REQ_VFIO2='[{"network":"fastvf"},{"network":"fastvf"}]'
REQ_NETNS='[{"network":"nsvf","ifname":"data0","mac":"02:00:00:00:00:42"}]'
REQ_NETNS2='[{"network":"nsvf","ifname":"data0"},{"network":"nsvf","ifname":"data1"}]'

# control: the fault hook without VNFPLUG_FAULT is a working hook, and a
# full round trip of each flow ends clean (so a clean state after a kill
# means the cleanup worked, not that nothing was ever created)
for flow in vhost vfio netns; do
	case $flow in
	vhost) req=$REQ_VHOST2 ;;
	vfio) req=$REQ_VFIO2 ;;
	netns) req=$REQ_NETNS2 ;;
	esac
	fx_owner
	state ctl-$flow "$FX_OWNER" "$req" >"$T/st.json"
	timeout 60 "$VP_FAULT_HOOK" --config "$VP_CFG" prestart <"$T/st.json" >/dev/null 2>"$T/fault.err"
	rc=$?
	why=()
	[ "$rc" -eq 0 ] || why+=("prestart exit $rc: $(cat "$T/fault.err")")
	case $flow in
	vhost) [ "$(ovs_port_count "$BR")" = 2 ] || why+=("want 2 ports, have $(ovs_port_count "$BR")") ;;
	vfio) [ "$(basename "$(readlink "$FX_SYS/bus/pci/devices/${FX_VFIO_VFS[1]}/driver")")" = vfio-pci ] ||
		why+=("${FX_VFIO_VFS[1]} not on vfio-pci") ;;
	netns) nsenter -t "$FX_OWNER" -n ip link show dev data1 >/dev/null 2>&1 ||
		why+=("data1 not in the owner's netns") ;;
	esac
	tap_result "control, $flow: the fault build without VNFPLUG_FAULT sets up a 2-entry request" \
		"${#why[@]}" "${why[@]}"
	cleanup_run poststop ctl-$flow "$req" "$FX_OWNER" "control, $flow"
	checks "$flow" "control, $flow"
done

for how in poststop gc; do
	for step in locked journal-saved port-added before-devlist devlist-written; do
		fault_case vhost "$step" "$how" "$REQ_VHOST"
	done
	fault_case vhost port-added:2 "$how" "$REQ_VHOST2"

	for step in locked journal-saved vf-claimed vf-bound before-devlist devlist-written; do
		fault_case vfio "$step" "$how" "$REQ_VFIO"
	done
	fault_case vfio vf-claimed:2 "$how" "$REQ_VFIO2"
	fault_case vfio vf-bound:2 "$how" "$REQ_VFIO2"

	for step in locked journal-saved vf-claimed vf-moved before-devlist devlist-written; do
		fault_case netns "$step" "$how" "$REQ_NETNS"
	done
	fault_case netns vf-claimed:2 "$how" "$REQ_NETNS2"
	fault_case netns vf-moved:2 "$how" "$REQ_NETNS2"
done

retry_case vhost port-added "$REQ_VHOST"
retry_case vfio vf-bound "$REQ_VFIO"
retry_case netns vf-moved "$REQ_NETNS"

# poststop killed after each of its undos (newest first): 2 ports +
# devices.json = 3; per VF a claim and a bind/move, + devices.json = 5
for k in 1 2 3; do release_case vhost "$k" poststop "$REQ_VHOST2"; done
for k in 1 2 3 4 5; do release_case vfio "$k" poststop "$REQ_VFIO2"; done
for k in 1 2 3 4 5; do release_case netns "$k" poststop "$REQ_NETNS2"; done
release_case vhost 1 gc "$REQ_VHOST2"
release_case vfio 2 gc "$REQ_VFIO2"
release_case netns 3 gc "$REQ_NETNS2"

tap_diag "80-fault-injection: $CASE cases in $((SECONDS - T_START)) s"
tap_done
