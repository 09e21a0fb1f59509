#!/bin/bash
# 10-runc-ovs.sh - runc runs vnfplug-hook from the bundle's hooks.prestart
# and hooks.poststop; the hook creates dpdkvhostuserclient ports on a
# private OVS-DPDK instance, records them and writes the QEMU device list;
# runc delete (poststop) removes everything again.
. "$(dirname "$0")/lib/lib.sh"

vp_require_root
vp_require_cmd runc jq busybox ovs-vsctl ovsdb-server ovsdb-tool
[ -x "$VP_OVS_VSWITCHD" ] || tap_skip_all "$VP_OVS_VSWITCHD not installed"
vp_require_hook

vp_tmpdir >/dev/null
T=$VP_TMP
BR=$VP_BRIDGE

if ovs_start && ovs_add_bridge "$BR"; then
	tap_ok "private OVS-DPDK up (dpdk_initialized=true), bridge $BR (netdev)"
else
	tap_bail "private OVS-DPDK up (dpdk_initialized=true), bridge $BR (netdev)" \
		"see $OVS_RUNDIR/ovs-vswitchd.log"
fi
vp_config_write "$T/vnfplug.json"

MAC1=02:00:00:00:00:01
REQ1='[{"network":"chain","ifname":"net1","mac":"'$MAC1'","queues":1}]'

# check_port PORT INDEX SANDBOX: name shape, ownership tags, type and
# socket path of one port.  Prints what is wrong; returns 1 then.
check_port() {
	local p=$1 i=$2 sb=$3 ty path ids bad=0 hex
	hex=$(printf '%x' "$i")
	if ! [[ $p =~ ^vp[a-z2-7]{12}$hex$ ]]; then
		echo "port name '$p' is not vp<12 base32>$hex (15 bytes)"
		bad=1
	fi
	ids=$(ovs_vsctl get Port "$p" external_ids)
	if [ "$ids" != "{vnfplug-index=\"$i\", vnfplug-sandbox=$sb}" ]; then
		echo "port $p: external_ids $ids, want vnfplug-index=$i, vnfplug-sandbox=$sb"
		bad=1
	fi
	ty=$(ovs_iface_get "$p" type)
	if [ "$ty" != dpdkvhostuserclient ]; then
		echo "port $p: type '$ty', want dpdkvhostuserclient"
		bad=1
	fi
	if ! ovs_iface_live "$p"; then
		echo "port $p: not instantiated by vswitchd (ofport" \
			"$(ovs_iface_get "$p" ofport), error $(ovs_iface_get "$p" error))"
		bad=1
	fi
	path=$(ovs_iface_get "$p" options:vhost-server-path)
	if [ "$path" != "$VP_SOCKET_DIR/$p.sock" ]; then
		echo "port $p: vhost-server-path '$path', want '$VP_SOCKET_DIR/$p.sock'"
		bad=1
	fi
	return $bad
}

# check_devlist FILE SANDBOX PORT INDEX MAC: the -chardev/-netdev/-device
# triple for one vhost-user port in the device list.
check_devlist() {
	local f=$1 sb=$2 p=$3 i=$4 mac=$5 sock
	sock="$VP_SOCKET_DIR/$p.sock"
	jq -e --arg sb "$sb" --arg sock "$sock" --arg i "$i" --arg mac "$mac" '
		def has_pair(opt; pred):
			. as $a | [range(0; ($a | length) - 1)
				| select($a[.] == opt and ($a[. + 1] | pred))] | length == 1;
		.version == 1 and .sandbox == $sb and .shared_memory == true
		and (.args | type == "array")
		and (.args | has_pair("-chardev";
			. == "socket,id=vp-c\($i),path=\($sock),server=on,wait=off"))
		and (.args | has_pair("-netdev";
			startswith("type=vhost-user,id=vp-n\($i),chardev=vp-c\($i),vhostforce=on")))
		and (.args | has_pair("-device";
			startswith("virtio-net-pci,netdev=vp-n\($i),mac=\($mac)")))
	' "$f" >/dev/null
}

# ------------------------------------------------------------ one port --
B1=$T/b1
runc_bundle "$B1" --request "$REQ1" -- sleep 60
if runc_run_detached c1 "$B1"; then
	tap_ok "runc run --detach with a request: prestart hook succeeds"
else
	tap_bail "runc run --detach with a request: prestart hook succeeds" "$(runc_log c1)"
fi

if [ "$(vp_runc state c1 | jq -r .status)" = running ]; then
	tap_ok "container c1 is running"
else
	tap_fail "container c1 is running" "$(vp_runc state c1 2>&1)"
fi

ports=$(ovs_ports "$BR")
if [ "$(printf '%s' "$ports" | grep -c .)" -eq 1 ]; then
	tap_ok "one port on $BR while c1 runs"
else
	tap_fail "one port on $BR while c1 runs" "ports: $ports"
fi
P1=$(printf '%s\n' "$ports" | head -n 1)
if out=$(check_port "$P1" 0 c1); then
	tap_ok "port $P1: live dpdkvhostuserclient, vhost-server-path in socket_dir, tagged c1/0"
else
	tap_fail "port $P1: live dpdkvhostuserclient, vhost-server-path in socket_dir, tagged c1/0" "$out"
fi

SB1=$(vp_sandbox_dir c1)
if jq -e 'type == "object"' "$SB1/record.json" >/dev/null 2>&1; then
	tap_ok "record.json exists (valid JSON) in $SB1"
else
	tap_fail "record.json exists (valid JSON) in $SB1" "$(ls -la "$SB1" 2>&1)"
fi
if grep -q "$P1" "$SB1/record.json" 2>/dev/null; then
	tap_ok "record names port $P1"
else
	tap_fail "record names port $P1" "$(cat "$SB1/record.json" 2>&1)"
fi
if check_devlist "$SB1/devices.json" c1 "$P1" 0 "$MAC1"; then
	tap_ok "devices.json: -chardev/-netdev/-device for $P1 with mac $MAC1"
else
	tap_fail "devices.json: -chardev/-netdev/-device for $P1 with mac $MAC1" \
		"$(cat "$SB1/devices.json" 2>&1)"
fi

# A second prestart for the same sandbox (Kata runs prestart for every
# container of a pod) is a no-op.
state_json c1 --pid "$(vp_runc state c1 | jq .pid)" --bundle "$B1" \
	--request "$REQ1" >"$T/c1-state.json"
hook_run prestart <"$T/c1-state.json"
n=$(ovs_port_count "$BR")
if [ "$HOOK_RC" -eq 0 ] && [ "$n" -eq 1 ] && [ "$(ovs_ports "$BR")" = "$P1" ]; then
	tap_ok "second prestart for the same sandbox: exit 0, still one port"
else
	tap_fail "second prestart for the same sandbox: exit 0, still one port" \
		"exit $HOOK_RC, $n ports: $(ovs_ports "$BR" | tr '\n' ' ')" "$HOOK_ERR"
fi

# A second container of the same pod (CRI sandbox annotation naming c1)
# run through runc: its prestart adds nothing; its poststop (not the
# sandbox owner) removes nothing.
B2=$T/b2
runc_bundle "$B2" --request "$REQ1" \
	--annotation io.kubernetes.cri.sandbox-id c1 \
	--annotation io.kubernetes.cri.container-type container -- sleep 60
if runc_run_detached c1-app "$B2" && [ "$(ovs_port_count "$BR")" -eq 1 ] &&
	[ ! -e "$(vp_sandbox_dir c1-app)" ]; then
	tap_ok "pod member container (cri sandbox-id=c1) via runc: no new port, no new sandbox"
else
	tap_fail "pod member container (cri sandbox-id=c1) via runc: no new port, no new sandbox" \
		"$(runc_log c1-app)" "ports: $(ovs_ports "$BR" | tr '\n' ' ')" \
		"sandboxes: $(ls "$VP_RUN_DIR/sandboxes" 2>&1 | tr '\n' ' ')"
fi
runc_delete c1-app >/dev/null 2>&1
if [ "$(ovs_ports "$BR")" = "$P1" ] && [ -f "$SB1/record.json" ]; then
	tap_ok "pod member's poststop leaves the sandbox's port and record"
else
	tap_fail "pod member's poststop leaves the sandbox's port and record" \
		"ports: $(ovs_ports "$BR" | tr '\n' ' ')" "$(ls -la "$SB1" 2>&1)"
fi

# runc delete runs the poststop hook.
if runc_delete c1 >"$T/del.log" 2>&1; then
	tap_ok "runc delete -f c1 (poststop hook) succeeds"
else
	tap_fail "runc delete -f c1 (poststop hook) succeeds" "$(cat "$T/del.log")"
fi
n=$(ovs_port_count "$BR")
if [ "$n" -eq 0 ]; then
	tap_ok "after poststop: port gone from $BR"
else
	tap_fail "after poststop: port gone from $BR" "ports: $(ovs_ports "$BR" | tr '\n' ' ')"
fi
if ovs_vsctl --columns=name find Interface name="$P1" | grep -q .; then
	tap_fail "after poststop: no Interface row $P1 left" \
		"$(ovs_vsctl list Interface "$P1" 2>&1)"
else
	tap_ok "after poststop: no Interface row $P1 left"
fi
if [ ! -e "$SB1" ]; then
	tap_ok "after poststop: record and sandbox dir gone"
else
	tap_fail "after poststop: record and sandbox dir gone" "$(ls -laR "$SB1" 2>&1)"
fi

# --------------------------------------------------------- two entries --
REQ2='[{"network":"chain","ifname":"net1","mac":"02:00:00:00:00:11"},{"network":"chain","ifname":"net2","mac":"02:00:00:00:00:12","queues":2}]'
B3=$T/b3
runc_bundle "$B3" --request "$REQ2" -- sleep 60
if runc_run_detached c2 "$B3"; then
	tap_ok "runc run with a 2-entry request"
else
	tap_fail "runc run with a 2-entry request" "$(runc_log c2)"
fi
ports=$(ovs_ports "$BR" | sort)
pn0=$(printf '%s\n' "$ports" | grep '0$')
pn1=$(printf '%s\n' "$ports" | grep '1$')
if [ "$(printf '%s' "$ports" | grep -c .)" -eq 2 ] && [ -n "$pn0" ] && [ -n "$pn1" ] &&
	out=$(check_port "$pn0" 0 c2 && check_port "$pn1" 1 c2); then
	tap_ok "2 entries -> 2 ports (...0, ...1), both dpdkvhostuserclient in socket_dir, tagged"
else
	tap_fail "2 entries -> 2 ports (...0, ...1), both dpdkvhostuserclient in socket_dir, tagged" \
		"ports: $(printf '%s' "$ports" | tr '\n' ' ')" "${out:-}"
fi
SB2=$(vp_sandbox_dir c2)
if [ -n "$pn0" ] && [ -n "$pn1" ] &&
	check_devlist "$SB2/devices.json" c2 "$pn0" 0 02:00:00:00:00:11 &&
	check_devlist "$SB2/devices.json" c2 "$pn1" 1 02:00:00:00:00:12 &&
	jq -e '[.args[] | select(startswith("type=vhost-user,id=vp-n1,") and test(",queues=2(,|$)"))] | length == 1' \
		"$SB2/devices.json" >/dev/null; then
	tap_ok "devices.json holds both devices (vp-c0/vp-c1, both MACs, queues=2 on the second)"
else
	tap_fail "devices.json holds both devices (vp-c0/vp-c1, both MACs, queues=2 on the second)" \
		"$(cat "$SB2/devices.json" 2>&1)"
fi
runc_delete c2 >/dev/null 2>&1
if [ "$(ovs_port_count "$BR")" -eq 0 ] && [ ! -e "$SB2" ]; then
	tap_ok "2-entry sandbox: poststop removes both ports and the sandbox dir"
else
	tap_fail "2-entry sandbox: poststop removes both ports and the sandbox dir" \
		"ports: $(ovs_ports "$BR" | tr '\n' ' ')" "$(ls -la "$SB2" 2>&1)"
fi

# ---------------------------------------------- poststop, unknown/auto --
hook_run poststop < <(state_json never-seen --status stopped --bundle "$T/nowhere" --request "$REQ1")
if [ "$HOOK_RC" -eq 0 ] && [ "$(vp_sandbox_count)" -eq 0 ]; then
	tap_ok "poststop for an unknown sandbox exits 0"
else
	tap_fail "poststop for an unknown sandbox exits 0" "exit $HOOK_RC" "$HOOK_ERR"
fi

# Stage auto: status creating -> prestart, stopped -> poststop.
hook_run auto < <(state_json auto1 --bundle "$T/nowhere" --request "$REQ1")
n=$(ovs_port_count "$BR")
if [ "$HOOK_RC" -eq 0 ] && [ "$n" -eq 1 ] && [ -d "$(vp_sandbox_dir auto1)" ]; then
	tap_ok "stage auto with status creating acts as prestart"
else
	tap_fail "stage auto with status creating acts as prestart" \
		"exit $HOOK_RC, $n ports" "$HOOK_ERR"
fi
hook_run auto < <(state_json auto1 --status stopped --bundle "$T/nowhere" --request "$REQ1")
n=$(ovs_port_count "$BR")
if [ "$HOOK_RC" -eq 0 ] && [ "$n" -eq 0 ] && [ ! -e "$(vp_sandbox_dir auto1)" ]; then
	tap_ok "stage auto with status stopped acts as poststop"
else
	tap_fail "stage auto with status stopped acts as poststop" \
		"exit $HOOK_RC, $n ports" "$HOOK_ERR"
fi

# createRuntime is accepted as a prestart synonym.
hook_run createRuntime < <(state_json cr1 --bundle "$T/nowhere" --request "$REQ1")
n=$(ovs_port_count "$BR")
if [ "$HOOK_RC" -eq 0 ] && [ "$n" -eq 1 ] && [ -f "$(vp_sandbox_dir cr1)/devices.json" ]; then
	tap_ok "stage createRuntime acts as prestart"
else
	tap_fail "stage createRuntime acts as prestart" "exit $HOOK_RC, $n ports" "$HOOK_ERR"
fi

# poststop is idempotent: the port already gone (an operator removed it,
# or OVS lost it) is not an error, and a second poststop is a no-op.
ovs_vsctl --if-exists del-port "$BR" "$(ovs_ports "$BR" | head -n 1)"
hook_run poststop < <(state_json cr1 --status stopped --bundle "$T/nowhere" --request "$REQ1")
rc1=$HOOK_RC err1=$HOOK_ERR
hook_run poststop < <(state_json cr1 --status stopped --bundle "$T/nowhere" --request "$REQ1")
if [ "$rc1" -eq 0 ] && [ "$HOOK_RC" -eq 0 ] && [ ! -e "$(vp_sandbox_dir cr1)" ] &&
	[ "$(ovs_port_count "$BR")" -eq 0 ]; then
	tap_ok "poststop after the port vanished, and poststop twice: exit 0, sandbox dir gone"
else
	tap_fail "poststop after the port vanished, and poststop twice: exit 0, sandbox dir gone" \
		"first exit $rc1: $err1" "second exit $HOOK_RC: $HOOK_ERR" \
		"$(ls -la "$(vp_sandbox_dir cr1)" 2>&1)"
fi

# -------------------------------------------------------- no annotation --
B4=$T/b4
runc_bundle "$B4" -- sh -c 'echo vp-plain-ran'
if runc_run plain "$B4" && grep -q vp-plain-ran "$T/runc-plain.log"; then
	tap_ok "container without the annotation runs (hooks configured)"
else
	tap_fail "container without the annotation runs (hooks configured)" "$(runc_log plain)"
fi
if [ "$(ovs_port_count "$BR")" -eq 0 ] && [ "$(vp_sandbox_count)" -eq 0 ]; then
	tap_ok "container without the annotation leaves no port and no sandbox"
else
	tap_fail "container without the annotation leaves no port and no sandbox" \
		"ports: $(ovs_ports "$BR" | tr '\n' ' ')" \
		"sandboxes: $(ls "$VP_RUN_DIR/sandboxes" 2>&1 | tr '\n' ' ')"
fi

tap_done
