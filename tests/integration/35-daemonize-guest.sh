#!/bin/bash
# 35-daemonize-guest.sh - a real QEMU that daemonizes keeps its sandbox:
# gc releases the devices of a -daemonize VM only once the VM is gone.
#
# QEMU with -daemonize exits its first process (the shim's pid) once the
# daemon it forks runs the guest.  With the runtime process gone as well
# (cc-runtime), only the daemon holds the sandbox.
#
#   1. sandbox G (owner: a short-lived process): the shim starts a real TCG
#      guest with -daemonize and no -pidfile: the shim adds one in the
#      sandbox directory; the shim's process returns, the owner is killed;
#      gc --min-age 0 keeps the OVS port and pins the daemon's pid in
#      vm.json; the guest finds its vhost-user NIC; status shows the VM
#      alive; QMP quit, then gc releases the port
#   2. sandbox K, Kata's shape (-daemonize -pidfile <runtime's>, a paused
#      VM): the same keep, then release once the VM is killed
. "$(dirname "$0")/lib/lib.sh"
. "$(dirname "$0")/lib/guestlib.sh"

vp_require_root
guest_require
vp_require_hook
vp_require_shim

vp_tmpdir >/dev/null
T=$VP_TMP
BR=$VP_BRIDGE
REQ='[{"network":"chain","mac":"02:00:00:00:00:1a"}]'

guest_up
ovs_up "$BR" "private OVS-DPDK up, bridge $BR (netdev)"
# vectors=0: QEMU 7.2 under TCG with a vhost-user NIC using MSI-X (see
# 30-shim-guest.sh)
vp_config_write "$T/vnfplug.json" "qemu=$GUEST_QEMU" net.vectors=0

gc_run() {
	hook_run "$@" </dev/null
}

# owner_start ID: prestart with an owner process the test kills later.
owner_start() {
	sleep 600 &
	OWNER=$!
	vp_on_exit "kill $OWNER"
	hook_run prestart <<<"$(state_json "$1" --pid "$OWNER" --bundle "$T/nowhere" --request "$REQ")"
}

owner_kill() {
	kill "$OWNER" 2>/dev/null
	wait "$OWNER" 2>/dev/null
}

# ------------------------------- 1. -daemonize, the shim's pidfile ----
ID=vpdg-$$
owner_start "$ID"
PG=$(vp_record_port "$ID")
CON=$T/console-g.log
QMP=$T/qmp-g.sock
OWNPF=$(vp_sandbox_dir "$ID")/qemu.pid
TB=$SECONDS
# however the VM's pid is (not) known: QMP stops it
vp_on_exit "[ -S '$QMP' ] && qmp_cmd '$QMP' quit"
timeout 60 "$SHIM" "--vnfplug-config=$VP_CFG" -name "sandbox-$ID,debug-threads=on" \
	-machine q35,accel=tcg -m 256M -qmp "unix:$QMP,server=on,wait=off" \
	-nodefaults -no-user-config -nographic -no-reboot -daemonize \
	-serial "file:$CON" -kernel "$GUEST_KERNEL" -initrd "$GUEST_INITRD" \
	-append "$(guest_append serve 02:00:00:00:00:1a 10.77.0.30 "" 1 300)" \
	</dev/null >"$T/shim-g.out" 2>&1
RC=$?
QG=$(tr -dc 0-9 <"$OWNPF" 2>/dev/null || true)
[ -n "$QG" ] && vp_on_exit "kill_pid $QG"
if [ "$RC" -eq 0 ] && [ -n "$QG" ] && vp_pid_alive "$QG" &&
	tr '\0' '\n' <"/proc/$QG/cmdline" | grep -qx -- "$OWNPF"; then
	tap_ok "QEMU -daemonize through the shim: first process returned, VM pid $QG from the shim's -pidfile"
else
	tap_fail "QEMU -daemonize through the shim: first process returned, VM pid from the shim's -pidfile" \
		"shim exit $RC" "$(cat "$T/shim-g.out")" "pidfile: $(cat "$OWNPF" 2>&1)"
fi
owner_kill
gc_run gc --min-age 0
if [ "$HOOK_RC" -eq 0 ] && ovs_has_port "$BR" "$PG" &&
	jq -e --argjson p "$QG" '.version == 1 and .pid == $p' \
		"$(vp_sandbox_dir "$ID")/vm.json" >/dev/null 2>&1; then
	tap_ok "owner and QEMU's first process gone: gc --min-age 0 keeps port $PG, vm.json names VM pid $QG"
else
	tap_fail "owner and QEMU's first process gone: gc --min-age 0 keeps port $PG, vm.json names VM pid $QG" \
		"exit $HOOK_RC" "$HOOK_OUT" "$HOOK_ERR" "vm.json: $(cat "$(vp_sandbox_dir "$ID")/vm.json" 2>&1)" \
		"ports: $(ovs_ports "$BR" | tr '\n' ' ')"
fi
guest_wait_for "$CON" "^VP-(SERVING|NIC-MISSING|DONE)" 150 "$QG"
if grep -aq "^VP-NIC-FOUND .* 02:00:00:00:00:1a" "$CON" && grep -aq "^VP-SERVING" "$CON"; then
	tap_ok "the daemonized guest has its vhost-user NIC ($((SECONDS - TB))s after launch)"
else
	tap_fail "the daemonized guest has its vhost-user NIC" "$(guest_console_diag "$CON")"
fi
gc_run status --json
if jq -e --arg id "$ID" --argjson p "$QG" '.sandboxes[] | select(.id == $id)
	| .owner.state == "dead" and .vm.pid == $p and .vm.state == "alive" and .alive' \
	<<<"$HOOK_OUT" >/dev/null; then
	tap_ok "status: owner dead, VM pid $QG alive"
else
	tap_fail "status: owner dead, VM pid $QG alive" "$HOOK_OUT" "$HOOK_ERR"
fi
qmp_cmd "$QMP" quit >/dev/null 2>&1
[ -z "$QG" ] || vp_wait_for 15 eval "! vp_pid_alive $QG" || kill_pid "$QG"
gc_run gc --min-age 0
if [ "$HOOK_RC" -eq 0 ] && ! ovs_has_port "$BR" "$PG" && [ ! -e "$(vp_sandbox_dir "$ID")" ] &&
	grep -q "^released $ID: owner pid $OWNER gone, VM pid $QG gone" <<<"$HOOK_OUT"; then
	tap_ok "VM quit: gc releases port $PG"
else
	tap_fail "VM quit: gc releases port $PG" "exit $HOOK_RC" "$HOOK_OUT" "$HOOK_ERR"
fi

# ------------------------------ 2. Kata's shape: -daemonize -pidfile ----
ID=vpdk-$$
owner_start "$ID"
PK=$(vp_record_port "$ID")
PIDFILE=$T/kata/pid
mkdir -p "$T/kata"
timeout 60 "$SHIM" "--vnfplug-config=$VP_CFG" -name "sandbox-$ID,debug-threads=on" \
	-machine q35,accel=tcg -m 128M -nodefaults -no-user-config -display none \
	-S -daemonize -pidfile "$PIDFILE" </dev/null >"$T/shim-k.out" 2>&1
RC=$?
QK=$(tr -dc 0-9 <"$PIDFILE" 2>/dev/null || true)
[ -n "$QK" ] && vp_on_exit "kill_pid $QK"
owner_kill
gc_run gc --min-age 0
if [ "$RC" -eq 0 ] && [ -n "$QK" ] && vp_pid_alive "$QK" && [ "$HOOK_RC" -eq 0 ] &&
	ovs_has_port "$BR" "$PK" && [ ! -e "$(vp_sandbox_dir "$ID")/qemu.pid" ] &&
	jq -e --argjson p "$QK" '.pid == $p' "$(vp_sandbox_dir "$ID")/vm.json" >/dev/null 2>&1; then
	tap_ok "Kata's -pidfile: VM pid $QK from it; gc --min-age 0 keeps port $PK"
else
	tap_fail "Kata's -pidfile: VM pid from it; gc --min-age 0 keeps port $PK" \
		"shim exit $RC" "$(cat "$T/shim-k.out")" "gc: exit $HOOK_RC $HOOK_OUT $HOOK_ERR" \
		"vm.json: $(cat "$(vp_sandbox_dir "$ID")/vm.json" 2>&1)"
fi
if [ -n "$QK" ]; then
	kill_pid "$QK"
	vp_wait_for 10 eval "! vp_pid_alive $QK"
fi
gc_run gc --min-age 0
if [ "$HOOK_RC" -eq 0 ] && ! ovs_has_port "$BR" "$PK" && [ ! -e "$(vp_sandbox_dir "$ID")" ]; then
	tap_ok "VM killed: gc releases port $PK"
else
	tap_fail "VM killed: gc releases port $PK" "exit $HOOK_RC" "$HOOK_OUT" "$HOOK_ERR"
fi

tap_diag "35-daemonize-guest total ${SECONDS}s"
tap_done
