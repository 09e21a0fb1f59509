#!/bin/bash
# 59-daemonize.sh - gc and prestart never release the devices of a VM whose
# QEMU daemonized, and the shim never brings back a released sandbox.
#
# Kata starts QEMU with -daemonize: QEMU's first process (the shim's pid,
# kept over execv) forks, the child forks the daemon, which writes the
# -pidfile and reports ready; only then does the first process exit.  The
# VM lives on in the daemon.  A C stand-in (fake-qemu-daemonize.c) does
# exactly that; the real QEMU case is 35-daemonize-guest.sh.
#
#   1. Kata-shaped (-daemonize -pidfile): after the shim returned and the
#      owner (runtime process) died, gc --min-age 0 keeps the sandbox and
#      its OVS port, pins the daemon's pid into vm.json; status shows it;
#      a second prestart of the id keeps the live setup; the VM killed, gc
#      releases it
#   2. -daemonize without -pidfile: the shim adds one in the sandbox
#      directory; same keep / release
#   3. while the first process waits for a slow daemon, the VM's pid is not
#      known: status says "starting", gc keeps it
#   4. the first process SIGKILLed before the daemon wrote the pidfile: gc
#      keeps the sandbox while the daemon runs
#   5. QEMU fails to start: gc releases the sandbox (nothing runs)
#   6. gc releases a sandbox while the shim waits for the lock: the shim
#      refuses to start the VM and does not recreate the directory
. "$(dirname "$0")/lib/lib.sh"

vp_require_root
vp_require_cmd jq gcc flock ovs-vsctl ovsdb-server ovsdb-tool
[ -x "$VP_OVS_VSWITCHD" ] || tap_skip_all "$VP_OVS_VSWITCHD not installed"
vp_require_hook
vp_require_shim

vp_tmpdir >/dev/null
T=$VP_TMP
BR=$VP_BRIDGE
FAKE=$T/fake-qemu
REQ='[{"network":"chain"}]'

gcc -O2 -Wall -o "$FAKE" "$(dirname "$0")/lib/fake-qemu-daemonize.c" ||
	tap_bail "QEMU stand-in compiled"
# every VM process the stand-in starts, to kill on exit
export FAKE_QEMU_PIDLOG=$T/vms
vp_on_exit 'for p in $(cat "$T/vms" 2>/dev/null); do kill -KILL "$p"; done'

ovs_up "$BR" "private OVS-DPDK up, bridge $BR (netdev)"
vp_config_write "$T/vnfplug.json" "qemu=$FAKE" lock_timeout_ms=10000

gc_run() {
	hook_run "$@" </dev/null
}

vmjson() {
	cat "$(vp_sandbox_dir "$1")/vm.json" 2>&1
}

# owner_start ID: prestart for ID with a short-lived owner process (the
# runtime process of cc-runtime/Kata that exits while the VM runs); sets
# OWNER.  The caller kills it.
owner_start() {
	sleep 300 &
	OWNER=$!
	vp_on_exit "kill $OWNER"
	hook_run prestart <<<"$(state_json "$1" --pid "$OWNER" --bundle "$T/nowhere" --request "$REQ")"
}

owner_kill() {
	kill "$OWNER" 2>/dev/null
	wait "$OWNER" 2>/dev/null
}

# kill_vm PID: the daemon ends (as QEMU does when the VM powers off).
kill_vm() {
	[ -n "$1" ] || return 1
	kill -KILL "$1" 2>/dev/null
	vp_wait_for 10 eval "! vp_pid_alive $1"
}

# ----------------------------------------- 1. Kata-shaped: -pidfile ----
ID=dA
owner_start $ID
PA=$(vp_record_port $ID)
if timeout 20 "$SHIM" "--vnfplug-config=$VP_CFG" -name "sandbox-$ID,debug-threads=on" \
	-m 64 -daemonize -pidfile "$T/a.pid" </dev/null >"$T/shim-a.out" 2>&1 &&
	DA=$(tr -dc 0-9 <"$T/a.pid") && [ -n "$DA" ] && vp_pid_alive "$DA"; then
	tap_ok "shim with -daemonize -pidfile returned; the VM lives on as pid $DA"
else
	tap_bail "shim with -daemonize -pidfile returned; the VM lives on" \
		"$(cat "$T/shim-a.out")" "$(vmjson $ID)" "$HOOK_ERR"
fi
if jq -e --arg pf "$T/a.pid" --argjson d "$DA" \
	'.version == 2 and .pidfile == $pf and .pid != $d' \
	"$(vp_sandbox_dir $ID)/vm.json" >/dev/null 2>&1; then
	tap_ok "vm.json names QEMU's first process and the runtime's pidfile"
else
	tap_fail "vm.json names QEMU's first process and the runtime's pidfile" "$(vmjson $ID)"
fi
owner_kill
gc_run gc --min-age 0
if [ "$HOOK_RC" -eq 0 ] && ovs_has_port "$BR" "$PA" && [ -f "$(vp_sandbox_dir $ID)/record.json" ] &&
	jq -e --argjson p "$DA" '.version == 1 and .pid == $p and (has("pidfile") | not)' \
		"$(vp_sandbox_dir $ID)/vm.json" >/dev/null 2>&1; then
	tap_ok "owner and QEMU's first process gone, VM alive: gc --min-age 0 keeps port $PA, pins pid $DA"
else
	tap_fail "owner and QEMU's first process gone, VM alive: gc --min-age 0 keeps port $PA, pins pid $DA" \
		"exit $HOOK_RC" "$HOOK_OUT" "$HOOK_ERR" "vm.json: $(vmjson $ID)" \
		"ports: $(ovs_ports "$BR" | tr '\n' ' ')"
fi
gc_run status --json
if jq -e --argjson p "$DA" '.sandboxes[] | select(.id == "dA")
	| .owner.state == "dead" and .vm.pid == $p and .vm.state == "alive"
	  and .alive and .reason == "VM pid \($p) alive"' <<<"$HOOK_OUT" >/dev/null; then
	tap_ok "status: owner dead, VM pid $DA alive"
else
	tap_fail "status: owner dead, VM pid $DA alive" "$HOOK_OUT" "$HOOK_ERR"
fi

# prestart's "earlier sandbox of this id" path: the setup is in use
UUID=$(ovs_vsctl get Interface "$PA" _uuid 2>/dev/null)
hook_run prestart <<<"$(state_json $ID --pid $$ --bundle "$T/nowhere" --request "$REQ")"
if [ "$HOOK_RC" -eq 0 ] && [ -n "$UUID" ] &&
	[ "$(ovs_vsctl get Interface "$PA" _uuid 2>/dev/null)" = "$UUID" ] &&
	! grep -q "releasing the setup left by an earlier sandbox" <<<"$HOOK_ERR"; then
	tap_ok "a second prestart of $ID leaves the running VM's port alone"
else
	tap_fail "a second prestart of $ID leaves the running VM's port alone" \
		"exit $HOOK_RC" "$HOOK_ERR" "uuid before $UUID after $(ovs_vsctl get Interface "$PA" _uuid 2>&1)"
fi

kill_vm "$DA"
gc_run gc --min-age 0
if [ "$HOOK_RC" -eq 0 ] && ! ovs_has_port "$BR" "$PA" && [ ! -e "$(vp_sandbox_dir $ID)" ] &&
	grep -q "^released $ID: owner pid $OWNER gone, VM pid $DA gone" <<<"$HOOK_OUT"; then
	tap_ok "VM killed: gc releases port $PA"
else
	tap_fail "VM killed: gc releases port $PA" "exit $HOOK_RC" "$HOOK_OUT" "$HOOK_ERR"
fi

# ------------------------------------- 2. -daemonize, no -pidfile ----
ID=dB
owner_start $ID
PB=$(vp_record_port $ID)
OWNPF=$(vp_sandbox_dir $ID)/qemu.pid
FAKE_QEMU_ARGS=$T/b.args timeout 20 "$SHIM" "--vnfplug-config=$VP_CFG" \
	-name "sandbox-$ID" -m 64 -daemonize </dev/null >"$T/shim-b.out" 2>&1
RC=$?
DB=$(tr -dc 0-9 <"$OWNPF" 2>/dev/null)
if [ "$RC" -eq 0 ] && grep -qx -- "$OWNPF" "$T/b.args" && [ -n "$DB" ] &&
	vp_pid_alive "$DB" && [ "$(stat -c %U:%a "$(vp_sandbox_dir $ID)")" = root:700 ]; then
	tap_ok "without -pidfile the shim gives QEMU one in the sandbox dir (root, 0700): VM pid $DB"
else
	tap_fail "without -pidfile the shim gives QEMU one in the sandbox dir" "shim exit $RC" \
		"$(cat "$T/shim-b.out")" "args: $(tr '\n' ' ' <"$T/b.args" 2>&1)" "$(vmjson $ID)"
	DB=$(tail -n 1 "$T/vms")
fi
owner_kill
gc_run gc --min-age 0
if [ "$HOOK_RC" -eq 0 ] && ovs_has_port "$BR" "$PB" &&
	jq -e --argjson p "$DB" '.pid == $p' "$(vp_sandbox_dir $ID)/vm.json" >/dev/null 2>&1; then
	tap_ok "gc --min-age 0 keeps port $PB of VM pid $DB"
else
	tap_fail "gc --min-age 0 keeps port $PB of VM pid $DB" "exit $HOOK_RC" "$HOOK_OUT" \
		"$HOOK_ERR" "vm.json: $(vmjson $ID)"
fi
kill_vm "$DB"
gc_run gc --min-age 0
if [ "$HOOK_RC" -eq 0 ] && ! ovs_has_port "$BR" "$PB" && [ ! -e "$(vp_sandbox_dir $ID)" ]; then
	tap_ok "VM killed: gc releases port $PB"
else
	tap_fail "VM killed: gc releases port $PB" "exit $HOOK_RC" "$HOOK_OUT" "$HOOK_ERR"
fi

# --------------------------------- 3. a slow daemon: pid not known ----
ID=dC
owner_start $ID
PC=$(vp_record_port $ID)
FAKE_QEMU_DELAY=4000 "$SHIM" "--vnfplug-config=$VP_CFG" -name "sandbox-$ID" \
	-m 64 -daemonize -pidfile "$T/c.pid" </dev/null >"$T/shim-c.out" 2>&1 &
LC=$!
vp_on_exit "kill $LC"
owner_kill
vp_wait_for 5 test -s "$(vp_sandbox_dir $ID)/vm.json"
gc_run status
ST=$HOOK_OUT
gc_run status --json
STJ=$HOOK_OUT
gc_run gc --min-age 0
if vp_pid_alive "$LC" && [ "$HOOK_RC" -eq 0 ] && ovs_has_port "$BR" "$PC" &&
	grep -Eq "^$ID +complete +[0-9]+s +$OWNER dead +\? starting" <<<"$ST" &&
	jq -e '.sandboxes[] | select(.id == "dC") | .vm.state == "starting" and .alive
		and (.reason | startswith("VM pid not yet known"))' <<<"$STJ" >/dev/null; then
	tap_ok "QEMU still starting: status says the VM pid is not yet known, gc keeps port $PC"
else
	tap_fail "QEMU still starting: status says the VM pid is not yet known, gc keeps port $PC" \
		"launcher $LC alive? $(vp_pid_alive "$LC" && echo yes || echo no)" \
		"$ST" "$STJ" "gc: exit $HOOK_RC $HOOK_OUT $HOOK_ERR"
fi
wait "$LC"
RC=$?
DC=$(tr -dc 0-9 <"$T/c.pid" 2>/dev/null)
gc_run gc --min-age 0
if [ "$RC" -eq 0 ] && [ -n "$DC" ] && ovs_has_port "$BR" "$PC" &&
	jq -e --argjson p "$DC" '.pid == $p' "$(vp_sandbox_dir $ID)/vm.json" >/dev/null 2>&1; then
	tap_ok "once up, the daemon (pid $DC) is pinned and keeps port $PC"
else
	tap_fail "once up, the daemon is pinned and keeps port $PC" "shim exit $RC" \
		"$(cat "$T/shim-c.out")" "$HOOK_OUT" "$HOOK_ERR" "vm.json: $(vmjson $ID)"
fi
kill_vm "$DC"
gc_run gc --min-age 0

# ------------------------- 4. first process killed half-way ----
ID=dD
owner_start $ID
PD=$(vp_record_port $ID)
FAKE_QEMU_DELAY=3000 "$SHIM" "--vnfplug-config=$VP_CFG" -name "sandbox-$ID" \
	-m 64 -daemonize -pidfile "$T/d.pid" </dev/null >"$T/shim-d.out" 2>&1 &
LD=$!
vp_on_exit "kill $LD"
owner_kill
# the daemon exists (it sleeps before writing the pidfile) once the first
# process's child is gone: two processes with the sandbox's argv remain
vp_wait_for 5 eval "[ \"\$(pgrep -f -c -- '-name sandbox-$ID ')\" -ge 2 ]"
sleep 0.3
{
	kill -KILL "$LD"
	wait "$LD"
} 2>/dev/null
gc_run gc --min-age 0
if [ "$HOOK_RC" -eq 0 ] && ovs_has_port "$BR" "$PD" && [ ! -s "$T/d.pid" ]; then
	tap_ok "first process killed before the daemon wrote its pid: gc keeps port $PD"
else
	tap_fail "first process killed before the daemon wrote its pid: gc keeps port $PD" \
		"exit $HOOK_RC" "$HOOK_OUT" "$HOOK_ERR" "vm.json: $(vmjson $ID)" \
		"pidfile: $(cat "$T/d.pid" 2>&1)"
fi
vp_wait_for 10 test -s "$T/d.pid"
DD=$(tr -dc 0-9 <"$T/d.pid" 2>/dev/null)
vp_on_exit "kill -KILL $DD"
kill_vm "$DD"
gc_run gc --min-age 0
if [ "$HOOK_RC" -eq 0 ] && ! ovs_has_port "$BR" "$PD" && [ ! -e "$(vp_sandbox_dir $ID)" ]; then
	tap_ok "its daemon (pid $DD) killed: gc releases port $PD"
else
	tap_fail "its daemon killed: gc releases port $PD" "exit $HOOK_RC" "$HOOK_OUT" "$HOOK_ERR"
fi

# -------------------------------------------- 5. QEMU fails to start ----
ID=dE
owner_start $ID
PE=$(vp_record_port $ID)
FAKE_QEMU_FAIL=1 "$SHIM" "--vnfplug-config=$VP_CFG" -name "sandbox-$ID" -m 64 \
	-daemonize -pidfile "$T/e.pid" </dev/null >"$T/shim-e.out" 2>&1
RC=$?
owner_kill
gc_run gc --min-age 0
if [ "$RC" -ne 0 ] && [ "$HOOK_RC" -eq 0 ] && ! ovs_has_port "$BR" "$PE" &&
	[ ! -e "$(vp_sandbox_dir $ID)" ] && grep -q "^released $ID: .*VM gone" <<<"$HOOK_OUT"; then
	tap_ok "QEMU failed to start: gc releases port $PE"
else
	tap_fail "QEMU failed to start: gc releases port $PE" "shim exit $RC" \
		"exit $HOOK_RC" "$HOOK_OUT" "$HOOK_ERR"
fi

# ---------------------- 6. released while the shim waits for the lock ----
ID=dF
owner_start $ID
PF=$(vp_record_port $ID)
owner_kill
# The test holds the lock, as gc does while it releases the sandbox; the
# shim has read the device list and waits for the lock to write vm.json.
flock "$VP_RUN_DIR/lock" sh -c "touch '$T/held'; sleep 3" &
HOLD=$!
vp_wait_for 5 test -e "$T/held"
FAKE_QEMU_ARGS=$T/f.args "$SHIM" "--vnfplug-config=$VP_CFG" -name "sandbox-$ID" \
	-m 64 </dev/null >"$T/shim-f.out" 2>&1 &
LF=$!
vp_on_exit "kill $LF"
sleep 1
rm -rf "$(vp_sandbox_dir $ID)"
wait "$HOLD"
# an old shim runs QEMU (which does not return) instead of refusing
vp_wait_for 15 eval "! vp_pid_alive $LF" || kill -KILL "$LF"
wait "$LF"
RC=$?
if [ "$RC" -ne 0 ] && [ ! -e "$(vp_sandbox_dir $ID)" ] && [ ! -e "$T/f.args" ] &&
	grep -q "devices are gone" "$T/shim-f.out"; then
	tap_ok "sandbox released while the shim waited: VM not started, directory not recreated"
else
	tap_fail "sandbox released while the shim waited: VM not started, directory not recreated" \
		"shim exit $RC" "$(cat "$T/shim-f.out")" "$(ls -la "$(vp_sandbox_dir $ID)" 2>&1)" \
		"QEMU ran: $(tr '\n' ' ' <"$T/f.args" 2>&1)"
fi
# the port of the "released" sandbox: the test removed only its directory
ovs_vsctl --if-exists del-port "$BR" "$PF" >/dev/null 2>&1

tap_done
