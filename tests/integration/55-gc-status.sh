#!/bin/bash
# 55-gc-status.sh - `vnfplug-hook status` and `gc` against real runc
# containers on a private OVS-DPDK.
#
#   1. two containers start with a request through runc's prestart hook
#   2. one is SIGKILLed and deleted with its hooks stripped from runc's
#      state: its poststop never runs, its port and record stay behind
#   3. status (table and --json) shows both, the orphan's owner dead
#   4. gc --dry-run changes nothing; gc with the default grace period keeps
#      the young record; gc --min-age 0 removes the orphan's port and
#      record and never touches the live container
#   5. a corrupt record and a record-less directory are removed
#   6. vnfplug-qemu (with a fake QEMU) writes vm.json naming its own pid;
#      gc keeps a sandbox whose owner died while that VM lives, releases it
#      once the VM is gone
. "$(dirname "$0")/lib/lib.sh"

vp_require_root
vp_require_cmd runc jq busybox ovs-vsctl ovsdb-server ovsdb-tool
[ -x "$VP_OVS_VSWITCHD" ] || tap_skip_all "$VP_OVS_VSWITCHD not installed"
vp_require_hook
vp_require_shim

vp_tmpdir >/dev/null
T=$VP_TMP
BR=$VP_BRIDGE

ovs_up "$BR" "private OVS-DPDK up, bridge $BR (netdev)"

# A fake QEMU: the shim execs it with the pid it wrote to vm.json.
cat >"$T/fake-qemu" <<EOF
#!/bin/sh
echo "\$@" > "$T/fake-qemu.args"
exec sleep 300
EOF
chmod 0755 "$T/fake-qemu"
vp_config_write "$T/vnfplug.json" "qemu=$T/fake-qemu"
REQ='[{"network":"chain"}]'

# gc_run ARGS...: the hook's gc or status; sets HOOK_RC/HOOK_OUT/HOOK_ERR.
gc_run() {
	hook_run "$@" </dev/null
}

# ------------------------------------------------------------ set-up ----
runc_bundle "$T/blive" --request "$REQ" -- sleep 300
runc_bundle "$T/bdead" --request "$REQ" -- sleep 300
if runc_run_detached live1 "$T/blive" && runc_run_detached dead1 "$T/bdead"; then
	tap_ok "two containers with a request start through runc's prestart hook"
else
	tap_bail "two containers with a request start through runc's prestart hook" \
		"$(runc_log live1)" "$(runc_log dead1)"
fi
PLIVE=$(vp_record_port live1)
PDEAD=$(vp_record_port dead1)

# Kill the container and delete it without its poststop hook: runc keeps
# the hooks in its state (.config.Hooks), so strip them there first.
DPID=$(vp_runc state dead1 | jq .pid)
kill -KILL "$DPID"
vp_wait_for 10 eval '! vp_pid_alive "$DPID"'
ST=$VP_RUNC_ROOT/dead1/state.json
jq 'del(.config.Hooks)' "$ST" >"$ST.new" && mv "$ST.new" "$ST"
vp_runc delete -f dead1 >"$T/del.log" 2>&1
if ! vp_runc state dead1 >/dev/null 2>&1 && [ -n "$PDEAD" ] && ovs_has_port "$BR" "$PDEAD" &&
	[ -f "$(vp_sandbox_dir dead1)/record.json" ]; then
	tap_ok "dead1 SIGKILLed and deleted without poststop: port $PDEAD and record left behind"
else
	tap_bail "dead1 SIGKILLed and deleted without poststop: port $PDEAD and record left behind" \
		"$(cat "$T/del.log")" "ports: $(ovs_ports "$BR" | tr '\n' ' ')"
fi

# ------------------------------------------------------------ status ----
gc_run status
if [ "$HOOK_RC" -eq 0 ] &&
	grep -Eq "^dead1 +complete +[0-9]+s +$DPID dead +- *$" <<<"$HOOK_OUT" &&
	grep -Eq "^live1 +complete +[0-9]+s +[0-9]+ alive" <<<"$HOOK_OUT" &&
	grep -q "chain: port $PDEAD  bridge $BR  socket $VP_SOCKET_DIR/$PDEAD.sock" <<<"$HOOK_OUT"; then
	tap_ok "status: both sandboxes, dead1's owner dead, its port, bridge and socket"
else
	tap_fail "status: both sandboxes, dead1's owner dead, its port, bridge and socket" \
		"exit $HOOK_RC" "$HOOK_OUT" "$HOOK_ERR"
fi

gc_run status --json
if [ "$HOOK_RC" -eq 0 ] && jq -e --arg p "$PDEAD" --arg pl "$PLIVE" --arg br "$BR" '
	.version == 1 and (.sandboxes | length) == 2
	and (.sandboxes[] | select(.id == "dead1")
		| .state == "complete" and .owner.state == "dead"
		  and .vm == null and .alive == false
		  and .devices == [.devices[0]] and .devices[0].type == "vhost-user"
		  and .devices[0].port == $p and .devices[0].bridge == $br)
	and (.sandboxes[] | select(.id == "live1")
		| .owner.state == "alive" and .alive == true and .devices[0].port == $pl)
	' <<<"$HOOK_OUT" >/dev/null; then
	tap_ok "status --json parses with jq and lists both ports, owners dead/alive"
else
	tap_fail "status --json parses with jq and lists both ports, owners dead/alive" \
		"exit $HOOK_RC" "$HOOK_OUT" "$HOOK_ERR"
fi

# ---------------------------------------------------------------- gc ----
snap() {
	{ ovs_ports "$BR"; find "$VP_RUN_DIR/sandboxes" -type f -exec md5sum {} +; } | sort
}
before=$(snap)
gc_run gc --dry-run
rc1=$HOOK_RC out1=$HOOK_OUT
gc_run gc --dry-run --min-age 0
if [ "$rc1" -eq 0 ] && [ "$HOOK_RC" -eq 0 ] && [ "$(snap)" = "$before" ] &&
	grep -q "^keep dead1: younger than 60 s" <<<"$out1" &&
	grep -q "^would release dead1: owner pid $DPID gone, no VM; port $PDEAD on bridge $BR" <<<"$HOOK_OUT" &&
	grep -q "^keep live1: owner pid [0-9]* alive" <<<"$HOOK_OUT"; then
	tap_ok "gc --dry-run lists what it would do (grace period, then --min-age 0) and changes nothing"
else
	tap_fail "gc --dry-run lists what it would do (grace period, then --min-age 0) and changes nothing" \
		"exits $rc1, $HOOK_RC" "$out1" "$HOOK_OUT" "$HOOK_ERR"
fi

gc_run gc
if [ "$HOOK_RC" -eq 0 ] && [ "$(snap)" = "$before" ]; then
	tap_ok "gc with the default 60 s grace period leaves the young orphan alone"
else
	tap_fail "gc with the default 60 s grace period leaves the young orphan alone" \
		"exit $HOOK_RC" "$HOOK_OUT" "$HOOK_ERR"
fi

gc_run gc --min-age 0
if [ "$HOOK_RC" -eq 0 ] && ! ovs_has_port "$BR" "$PDEAD" && [ ! -e "$(vp_sandbox_dir dead1)" ] &&
	grep -q "^released dead1: " <<<"$HOOK_OUT"; then
	tap_ok "gc --min-age 0 deletes the orphan's port $PDEAD and its record"
else
	tap_fail "gc --min-age 0 deletes the orphan's port $PDEAD and its record" \
		"exit $HOOK_RC" "$HOOK_OUT" "$HOOK_ERR" "ports: $(ovs_ports "$BR" | tr '\n' ' ')"
fi
if ovs_has_port "$BR" "$PLIVE" && [ -f "$(vp_sandbox_dir live1)/record.json" ] &&
	[ "$(vp_runc state live1 | jq -r .status)" = running ]; then
	tap_ok "gc leaves the live container's port $PLIVE and record alone"
else
	tap_fail "gc leaves the live container's port $PLIVE and record alone" \
		"ports: $(ovs_ports "$BR" | tr '\n' ' ')" "$(ls -la "$(vp_sandbox_dir live1)" 2>&1)"
fi

# ------------------------------------------- corrupt and record-less ----
mkdir -p "$(vp_sandbox_dir junk1)" "$(vp_sandbox_dir orphan1)"
printf '{"version":1,"sand' >"$(vp_sandbox_dir junk1)/record.json"
gc_run gc --min-age 0
if [ "$HOOK_RC" -eq 0 ] && [ ! -e "$(vp_sandbox_dir junk1)" ] &&
	[ ! -e "$(vp_sandbox_dir orphan1)" ] && ovs_has_port "$BR" "$PLIVE" &&
	grep -q "^corrupt record for sandbox junk1: .*; removed, resources may need manual cleanup: OVS ports vp" <<<"$HOOK_OUT" &&
	grep -q "^remove orphan1: directory without a record" <<<"$HOOK_OUT"; then
	tap_ok "gc reports and removes a corrupt record and a record-less directory, exit 0"
else
	tap_fail "gc reports and removes a corrupt record and a record-less directory, exit 0" \
		"exit $HOOK_RC" "$HOOK_OUT" "$HOOK_ERR"
fi

# ----------------------------------------------------- shim, vm.json ----
sleep 300 &
OWNER=$!
vp_on_exit "kill $OWNER"
hook_run prestart <<<"$(state_json vm1 --pid "$OWNER" --bundle "$T/nowhere" --request "$REQ")"
PVM=$(vp_record_port vm1)
"$SHIM" "--vnfplug-config=$VP_CFG" -name sandbox-vm1,debug-threads=on -m 64 \
	</dev/null >"$T/shim.out" 2>&1 &
VMPID=$!
vp_on_exit "kill $VMPID"
VMJ=$(vp_sandbox_dir vm1)/vm.json
vp_wait_for 10 test -s "$T/fake-qemu.args"
start=$(sed 's/^.*) //' "/proc/$VMPID/stat" | cut -d' ' -f20)
if [ -n "$PVM" ] && jq -e --argjson pid "$VMPID" --argjson st "${start:-0}" \
	'.pid == $pid and .start == $st' "$VMJ" >/dev/null 2>&1 &&
	grep -q -- "-name sandbox-vm1,debug-threads=on -m 64 .*-chardev socket,id=vp-c0" "$T/fake-qemu.args"; then
	tap_ok "vnfplug-qemu writes vm.json with the pid and start time QEMU runs under"
else
	tap_fail "vnfplug-qemu writes vm.json with the pid and start time QEMU runs under" \
		"pid $VMPID start ${start:-?}" "$(cat "$VMJ" 2>&1)" "$(cat "$T/shim.out")" \
		"$(cat "$T/fake-qemu.args" 2>&1)" "$HOOK_ERR"
fi

kill "$OWNER"
wait "$OWNER" 2>/dev/null
gc_run gc --min-age 0
rc1=$HOOK_RC out1=$HOOK_OUT
gc_run status --json
if [ "$rc1" -eq 0 ] && ovs_has_port "$BR" "$PVM" && [ -f "$(vp_sandbox_dir vm1)/record.json" ] &&
	jq -e '.sandboxes[] | select(.id == "vm1")
		| .owner.state == "dead" and .vm.state == "alive" and .alive' \
		<<<"$HOOK_OUT" >/dev/null; then
	tap_ok "owner dead, VM alive: status says so and gc keeps the sandbox"
else
	tap_fail "owner dead, VM alive: status says so and gc keeps the sandbox" \
		"exit $rc1" "$out1" "$HOOK_OUT"
fi

kill "$VMPID"
wait "$VMPID" 2>/dev/null
gc_run gc --min-age 0
if [ "$HOOK_RC" -eq 0 ] && ! ovs_has_port "$BR" "$PVM" && [ ! -e "$(vp_sandbox_dir vm1)" ] &&
	grep -q "^released vm1: owner pid $OWNER gone, VM pid $VMPID gone" <<<"$HOOK_OUT"; then
	tap_ok "VM gone too: gc releases the sandbox"
else
	tap_fail "VM gone too: gc releases the sandbox" "exit $HOOK_RC" "$HOOK_OUT" "$HOOK_ERR"
fi

# -------------------------------------------------------------- done ----
runc_delete live1 >/dev/null 2>&1
gc_run status
if [ "$(ovs_port_count "$BR")" -eq 0 ] && [ "$(vp_sandbox_count)" -eq 0 ] &&
	grep -q "^no sandboxes in " <<<"$HOOK_OUT"; then
	tap_ok "live1's own poststop cleans up; status: no sandboxes"
else
	tap_fail "live1's own poststop cleans up; status: no sandboxes" \
		"ports: $(ovs_ports "$BR" | tr '\n' ' ')" "$HOOK_OUT"
fi

tap_done
