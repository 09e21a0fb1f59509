#!/bin/bash
# 40-two-guests.sh - two sandboxes, two shim-launched guests, one OVS-DPDK
# bridge: guest A pings guest B through OVS-DPDK.
#
#   1. private OVS-DPDK, netdev bridge (lib.sh)
#   2. vnfplug-hook prestart for sandbox A (MAC 02:00:00:00:00:0a) and B
#      (02:00:00:00:00:0b): two dpdkvhostuserclient ports, two device lists
#   3. both guests start through vnfplug-qemu and run at the same time:
#      A with no memory backend (the shim adds a share=on memfd one), B with
#      a Kata-style -object memory-backend-file,...,mem-path=/dev/shm and
#      -numa node,memdev=... but without share=on (the shim must add it, or
#      OVS could not see B's buffers and B would never answer)
#   4. B (10.78.0.11) serves; A (10.78.0.10) pings it, retrying while B boots
#   5. A's console reports replies; both ports counted frames both ways
#   6. sandbox B's guest is restarted Kata/govmm-style with
#      -object memory-backend-ram (no share=on, no fd) and pings A
#   7. QEMUs quit, poststop removes both ports
#
# The 10.78.0.0/24 addresses exist only inside the two guests; the bridge
# has no uplink, so no frame leaves the machine.
. "$(dirname "$0")/lib/lib.sh"
. "$(dirname "$0")/lib/guestlib.sh"

vp_require_root
guest_require
vp_require_hook
vp_require_shim

vp_tmpdir >/dev/null
T=$VP_TMP
BR=$VP_BRIDGE
IP_A=10.78.0.10 IP_B=10.78.0.11
MAC_A=02:00:00:00:00:0a MAC_B=02:00:00:00:00:0b

guest_up
ovs_up "$BR" "private OVS-DPDK up, bridge $BR (netdev)"
# vectors=0 for TCG guests (docs/architecture.md §12)
vp_config_write "$T/vnfplug.json" "qemu=$GUEST_QEMU" net.vectors=0

# sandbox NAME: prestart for sandbox vpguest-NAME-$$ with MAC_NAME; sets
# ID_x, PORT_x (found by the socket the device list names).
sandbox() {
	local n=$1 mac id req sock port
	eval "mac=\$MAC_$n"
	id=vpguest-${n,,}-$$
	req='[{"network":"chain","mac":"'$mac'"}]'
	mkdir -p "$T/bundle-$n"
	vp_on_exit "hook_run poststop <<<'$(state_json "$id" --status stopped --bundle "$T/bundle-$n" --request "$req")'"
	if ! hook_run prestart <<<"$(state_json "$id" --bundle "$T/bundle-$n" --request "$req")"; then
		tap_bail "hook prestart for sandbox $id" "rc $HOOK_RC" "$HOOK_ERR"
	fi
	sock=$(jq -r '.args[] | select(startswith("socket,")) | capture("path=(?<p>[^,]+)").p' \
		"$(vp_sandbox_dir "$id")/devices.json" 2>/dev/null | head -n 1)
	port=$(ovs_vsctl --bare --columns=name find Interface "options:vhost-server-path=\"$sock\"" 2>/dev/null)
	if [ -z "$port" ]; then
		tap_bail "sandbox $id: a port whose vhost-server-path is the device list's socket" \
			"socket '$sock'" "ports: $(ovs_ports "$BR" | tr '\n' ' ')"
	fi
	eval "ID_$n=\$id PORT_$n=\$port REQ_$n=\$req"
}
sandbox A
sandbox B
if [ "$(ovs_port_count "$BR")" -eq 2 ]; then
	tap_ok "prestart for two sandboxes: ports $PORT_A and $PORT_B on $BR"
else
	tap_fail "prestart for two sandboxes: two ports on $BR" "ports: $(ovs_ports "$BR" | tr '\n' ' ')"
fi

# launch NAME[:TAG] APPEND EXTRA-ARGS...: start sandbox NAME's guest
# through the shim in the background (Kata-shaped argv, console to
# $T/console-TAG.log, TAG defaults to NAME); sets QPID_TAG.
launch() {
	local n=${1%%:*} append=$2 id pid
	local tag=${1#*:}
	shift 2
	eval "id=\$ID_$n"
	n=$tag
	"$SHIM" "--vnfplug-config=$VP_CFG" \
		-name "sandbox-$id,debug-threads=on" \
		-machine q35,accel=tcg -m 256M -smp 1 \
		-qmp "unix:$T/qmp-$n.sock,server=on,wait=off" \
		"$@" \
		-vga none -no-user-config -nodefaults -nographic -no-reboot \
		-serial "file:$T/console-$n.log" \
		-kernel "$GUEST_KERNEL" -initrd "$GUEST_INITRD" -append "$append" \
		</dev/null >"$T/qemu-$n.out" 2>"$T/qemu-$n.err" &
	pid=$!
	eval "QPID_$n=\$pid"
	vp_on_exit "kill_pid $pid"
	# what the shim exec'd, for diagnostics
	vp_wait_for 10 eval "tr '\\0' '\\n' </proc/$pid/cmdline | head -n 1 | grep -q qemu-system"
	tr '\0' ' ' <"/proc/$pid/cmdline" >"$T/qemu-$n.argv" 2>/dev/null
}

TB=$SECONDS
# B answers ARP and ICMP for up to 200 s; A pings 5 times per try, retrying
# for up to 120 s while B boots, then lingers (and answers) 150 s: OVS's
# counters are only kept while QEMU is connected and refreshed every 5 s,
# and step 7 pings A from a second guest B.
launch B "$(guest_append serve "$MAC_B" "$IP_B" "" 5 200 0)" \
	-object memory-backend-file,id=dimm1,size=256M,mem-path=/dev/shm \
	-numa node,memdev=dimm1
launch A "$(guest_append ping "$MAC_A" "$IP_A" "$IP_B" 5 120 150)"

# One deadline for boot + ping (about 20 s here; generous for a loaded
# machine, bounded so the script stays within a few minutes).
DEADLINE=$((TB + 150))
left() {
	local r=$((DEADLINE - SECONDS))
	[ "$r" -gt 1 ] && echo "$r" || echo 1
}
guest_wait_for "$T/console-B.log" '^VP-(NIC-FOUND|NIC-MISSING|DONE)' "$(left)" "$QPID_B"
if [ "$(guest_console_field "$T/console-B.log" VP-NIC-FOUND 3)" = "$MAC_B" ]; then
	tap_ok "guest B up with its vhost-user NIC $MAC_B ($((SECONDS - TB))s)"
else
	tap_fail "guest B up with its vhost-user NIC $MAC_B" \
		"$(guest_console_diag "$T/console-B.log")" "QEMU B stderr: $(cat "$T/qemu-B.err")"
fi
guest_wait_for "$T/console-A.log" '^VP-(NIC-FOUND|NIC-MISSING|DONE)' "$(left)" "$QPID_A"
if [ "$(guest_console_field "$T/console-A.log" VP-NIC-FOUND 3)" = "$MAC_A" ]; then
	tap_ok "guest A up with its vhost-user NIC $MAC_A ($((SECONDS - TB))s)"
else
	tap_fail "guest A up with its vhost-user NIC $MAC_A" \
		"$(guest_console_diag "$T/console-A.log")" "QEMU A stderr: $(cat "$T/qemu-A.err")"
fi

guest_wait_for "$T/console-A.log" '^VP-PING-(OK|FAIL)' "$(left)" "$QPID_A"
OKLINE=$(grep -a '^VP-PING-OK' "$T/console-A.log" | tail -n 1 | tr -d '\r')
REPLIES=${OKLINE#VP-PING-OK }
REPLIES=${REPLIES%%/*}
if [ -n "$OKLINE" ] && [ "${REPLIES:-0}" -gt 0 ] 2>/dev/null; then
	tap_ok "guest A pinged guest B through OVS-DPDK: $REPLIES/${OKLINE##*/} replies ($((SECONDS - TB))s)"
else
	tap_fail "guest A pinged guest B through OVS-DPDK" \
		"$(guest_console_diag "$T/console-A.log")" "$(guest_console_diag "$T/console-B.log")"
fi
if vp_pid_alive "$QPID_A" && vp_pid_alive "$QPID_B"; then
	tap_ok "both guests running at the same time"
else
	tap_fail "both guests running at the same time" \
		"A alive: $(vp_pid_alive "$QPID_A" && echo yes || echo no)" \
		"B alive: $(vp_pid_alive "$QPID_B" && echo yes || echo no)"
fi

# QEMU's own view: every RAM backend of both VMs is share=on (A: the
# shim's memfd; B: Kata's memory-backend-file with share=on added).
for n in A B; do
	if out=$(qmp_cmd "$T/qmp-$n.sock" query-memdev 2>&1) &&
		m=$(sed -n 2p <<<"$out") &&
		jq -e '(.return | length) > 0 and all(.return[]; .share == true)' >/dev/null 2>&1 <<<"$m"; then
		tap_ok "guest $n: QMP query-memdev shows only share=on RAM ($(jq -c '[.return[] | .id]' <<<"$m"))"
	else
		tap_fail "guest $n: QMP query-memdev shows only share=on RAM" "$out"
	fi
done

# OVS's counters are from the switch's side: rx = frames OVS took from the
# guest's TX ring, tx = frames OVS put into the guest's RX ring.  A ping
# exchange moves frames both ways on both ports.
for n in A B; do
	eval "p=\$PORT_$n"
	rx=$(ovs_wait_stat "$p" rx_packets 20)
	rrc=$?
	tx=$(ovs_wait_stat "$p" tx_packets 10)
	trc=$?
	if [ $rrc -eq 0 ] && [ $trc -eq 0 ]; then
		tap_ok "port $p (guest $n): rx_packets=$rx tx_packets=$tx, both > 0"
	else
		tap_fail "port $p (guest $n): rx_packets and tx_packets > 0" \
			"rx_packets=$rx tx_packets=$tx" \
			"$(ovs_vsctl get Interface "$p" statistics link_state 2>&1)"
	fi
done

# ------------------------------------------- B again, memory-backend-ram --
# The same sandbox B restarted the way Kata's govmm builds memory when
# neither hugepages nor virtio-fs are configured: -object
# memory-backend-ram,... -numa node,memdev=....  share=on alone is not
# enough here: anonymous RAM has no fd to hand to the vhost-user backend
# (QEMU: "Failed initializing vhost-user memory map, consider using -object
# memory-backend-file share=on"), so the shim has to turn such a backend
# into one with an fd (memfd/file) for a vhost-user sandbox.
qmp_cmd "$T/qmp-B.sock" quit >/dev/null 2>&1
vp_wait_for 15 eval "! vp_pid_alive $QPID_B" || kill_pid "$QPID_B"
TB2=$SECONDS
launch B:B2 "$(guest_append ping "$MAC_B" "$IP_B" "$IP_A" 3 60 0)" \
	-object memory-backend-ram,id=dimm1,size=256M \
	-numa node,memdev=dimm1
# Stop waiting early when QEMU already said the memory cannot be shared.
END=$((SECONDS + 100))
while [ "$SECONDS" -lt "$END" ] && vp_pid_alive "$QPID_B2"; do
	grep -aqE '^VP-(PING-OK|PING-FAIL|NIC-MISSING|DONE)' "$T/console-B2.log" 2>/dev/null && break
	grep -q 'vhost-user memory map\|vhost_set_mem_table failed' "$T/qemu-B2.err" 2>/dev/null && break
	sleep 0.5
done
OKLINE=$(grep -a '^VP-PING-OK' "$T/console-B2.log" | tail -n 1 | tr -d '\r')
if [ -n "$OKLINE" ]; then
	tap_ok "sandbox B restarted with Kata's memory-backend-ram: pings A through OVS-DPDK (${OKLINE#VP-PING-OK }, $((SECONDS - TB2))s)"
else
	tap_fail "sandbox B restarted with Kata's memory-backend-ram: pings A through OVS-DPDK" \
		"QEMU B2 stderr: $(cat "$T/qemu-B2.err")" \
		"QEMU B2 argv: $(cat "$T/qemu-B2.argv")" \
		"$(guest_console_diag "$T/console-B2.log")"
fi

# ------------------------------------------------------------- teardown --
for n in A B2; do
	eval "pid=\$QPID_$n"
	qmp_cmd "$T/qmp-$n.sock" quit >/dev/null 2>&1
	vp_wait_for 15 eval "! vp_pid_alive $pid" || kill_pid "$pid"
done
bad=""
for n in A B; do
	eval "id=\$ID_$n req=\$REQ_$n"
	hook_run poststop <<<"$(state_json "$id" --status stopped --bundle "$T/bundle-$n" --request "$req")" ||
		bad="$bad poststop $id: rc $HOOK_RC $HOOK_ERR;"
done
if [ -z "$bad" ] && [ "$(ovs_port_count "$BR")" -eq 0 ] && [ "$(vp_sandbox_count)" -eq 0 ]; then
	tap_ok "poststop removed both ports and both sandboxes"
else
	tap_fail "poststop removed both ports and both sandboxes" "$bad" \
		"ports: $(ovs_ports "$BR" | tr '\n' ' ')" "sandboxes: $(vp_sandbox_count)"
fi
tap_diag "40-two-guests total ${SECONDS}s"
tap_done
