#!/bin/bash
# 30-shim-guest.sh - a real QEMU guest started through vnfplug-qemu gets the
# vhost-user NIC vnfplug-hook prepared, and its frames reach OVS-DPDK.
#
#   1. private OVS-DPDK with a netdev bridge (lib.sh)
#   2. vnfplug-hook prestart for sandbox A asking for MAC 02:00:00:00:00:0a
#      creates a dpdkvhostuserclient port and devices.json
#   3. vnfplug-qemu is started with a Kata-shaped argv (-name
#      sandbox-<id>,debug-threads=on, -qmp unix:...,server=on,wait=off,
#      -nodefaults, -daemonize, -pidfile, no memory backend): it appends the
#      vhost-user chardev/netdev/device and a share=on memfd backend and
#      execs QEMU (TCG; the config sets vectors=0, docs/architecture.md §12)
#   4. QMP answers on the runtime's socket: the Kata-shaped argv survived
#      the shim; QEMU's own view shows the vhost-user netdev and share=on RAM;
#      and a QMP socket inherited as fd 3 (Kata 3.1+) survives the shim too
#   5. the guest kernel finds a virtio-net NIC with the requested MAC,
#      brings it up, sends ARP requests (console lines, guestlib.sh)
#   6. OVS counts frames received from the guest on the port (rx_packets)
#   7. poststop deletes the port and the sandbox's state
#   8. sandbox M asks for queues=2: a 2-vCPU guest gets 2 queue pairs and
#      OVS counts its frames on both rx queues; poststop removes it
#
# Only vhost-user NICs to the private bridge; no frame leaves the machine.
. "$(dirname "$0")/lib/lib.sh"
. "$(dirname "$0")/lib/guestlib.sh"

vp_require_root
guest_require
vp_require_hook
vp_require_shim

vp_tmpdir >/dev/null
T=$VP_TMP
BR=$VP_BRIDGE
ID=vpguest-a-$$
MAC=02:00:00:00:00:0a
T0=$SECONDS

guest_up

ovs_up "$BR" "private OVS-DPDK up, bridge $BR (netdev)"

# vectors=0: QEMU 7.2 segfaults with a vhost-user virtio-net using MSI-X
# under TCG (docs/architecture.md §12); production keeps the default (-1, auto).
vp_config_write "$T/vnfplug.json" "qemu=$GUEST_QEMU" net.vectors=0

# ------------------------------------------------------------- prestart --
mkdir -p "$T/bundle"
REQ='[{"network":"chain","mac":"'$MAC'"}]'
STATE=$(state_json "$ID" --bundle "$T/bundle" --request "$REQ")
vp_on_exit 'hook_run poststop <<<"$(state_json "$ID" --status stopped --bundle "$T/bundle" --request "$REQ")"'
if hook_run prestart <<<"$STATE"; then
	tap_ok "hook prestart for sandbox $ID"
else
	tap_bail "hook prestart for sandbox $ID" "rc $HOOK_RC" "$HOOK_ERR"
fi
PORT=$(ovs_ports "$BR" | head -n 1)
DEVLIST=$(vp_sandbox_dir "$ID")/devices.json
if [ -n "$PORT" ] && [ "$(ovs_port_count "$BR")" -eq 1 ] && [ -f "$DEVLIST" ] &&
	[ "$(ovs_iface_get "$PORT" type)" = dpdkvhostuserclient ]; then
	tap_ok "port $PORT (dpdkvhostuserclient) on $BR and devices.json written"
else
	tap_bail "one dpdkvhostuserclient port and devices.json" \
		"ports: $(ovs_ports "$BR" | tr '\n' ' ')" "devices.json: $(cat "$DEVLIST" 2>&1)"
fi

# ------------------------------------------------------ shim-launched VM --
# What Kata 2.x passes (minus what needs KVM: -cpu host, kvm_irqchip), plus
# a serial console to a file for the test's eyes.  No memory backend: the
# shim must add a share=on one itself.
CONSOLE=$T/console-a.log
QMP=$T/qmp-a.sock
PIDFILE=$T/qemu-a.pid
ARGS=(
	-name "sandbox-$ID,debug-threads=on"
	-uuid 6f1d2c1e-3b8a-4f6e-9d7c-1a2b3c4d5e6f
	-machine q35,accel=tcg
	-qmp "unix:$QMP,server=on,wait=off"
	-m 256M,slots=2,maxmem=1G
	-device pci-bridge,bus=pcie.0,id=pci-bridge-0,chassis_nr=1,shpc=off,addr=2,io-reserve=4k,mem-reserve=1m,pref64-reserve=1m
	-device virtio-serial-pci,disable-modern=false,id=serial0
	-object rng-random,id=rng0,filename=/dev/urandom
	-device virtio-rng-pci,rng=rng0
	-rtc base=utc,driftfix=slew,clock=host
	-global kvm-pit.lost_tick_policy=discard
	-vga none -no-user-config -nodefaults -nographic --no-reboot -daemonize
	-serial "file:$CONSOLE"
	-kernel "$GUEST_KERNEL" -initrd "$GUEST_INITRD"
	-append "$(guest_append send "$MAC" 10.77.0.10 10.77.0.11 5 60 120)"
	-pidfile "$PIDFILE"
	-smp 1,cores=1,threads=1,sockets=2,maxcpus=2
)
vp_on_exit 'kill_pid "$(cat '"$PIDFILE"' 2>/dev/null)"'
TB=$SECONDS
# -daemonize: the shim's process (QEMU's parent after execv) returns once
# QEMU is initialised; a failure to start shows up here with QEMU's stderr.
if timeout 60 "$SHIM" "--vnfplug-config=$VP_CFG" "${ARGS[@]}" >"$T/shim-a.out" 2>"$T/shim-a.err"; then
	QPID=$(cat "$PIDFILE" 2>/dev/null)
	tap_ok "vnfplug-qemu with a Kata-shaped argv (-daemonize) started QEMU (pid ${QPID:-?})"
else
	tap_bail "vnfplug-qemu with a Kata-shaped argv (-daemonize) started QEMU" \
		"$(cat "$T/shim-a.err")" "devices.json: $(cat "$DEVLIST")"
fi
tr '\0' '\n' <"/proc/$QPID/cmdline" >"$T/qemu-a.argv" 2>/dev/null

# ------------------------------------------------------------------ QMP --
# The runtime's QMP socket (from the Kata argv, not one the shim added)
# answers: greeting, qmp_capabilities, and QEMU's own view of the VM.
if OUT=$(qmp_cmd "$QMP" query-name query-memdev \
	'{"execute":"human-monitor-command","arguments":{"command-line":"info network"}}' 2>&1) &&
	grep -q "\"name\": \"sandbox-$ID\"" <<<"$OUT"; then
	tap_ok "QMP on the runtime's socket answers qmp_capabilities; name sandbox-$ID"
else
	tap_fail "QMP on the runtime's socket answers qmp_capabilities; name sandbox-$ID" "$OUT"
fi
if grep -q '"share": true' <<<"$OUT" && grep -q 'vhost-user' <<<"$OUT" &&
	grep -q "macaddr=$MAC" <<<"$OUT"; then
	tap_ok "QEMU has a share=on memory backend and a vhost-user NIC with mac $MAC"
else
	tap_fail "QEMU has a share=on memory backend and a vhost-user NIC with mac $MAC" \
		"$OUT" "QEMU argv: $(tr '\n' ' ' <"$T/qemu-a.argv")"
fi

# ------------------------------------- QMP as an inherited fd (Kata 3.1+) --
# Kata 3.1+ creates the QMP listening socket itself and passes it to QEMU
# as an inherited fd (-qmp unix:fd=N,...).  A second, paused VM for a
# sandbox with no device list yet (the hot-plug order: QEMU before the
# hook) goes through the shim with the socket as fd 3: QMP answering on it
# proves the shim's execv kept the fd.
FDSOCK=$T/qmp-fd.sock
run_with_listen_fd "$FDSOCK" 3 "$SHIM" "--vnfplug-config=$VP_CFG" \
	-name "sandbox-$ID-fd,debug-threads=on" -machine q35,accel=tcg -m 64M \
	-qmp unix:fd=3,server=on,wait=off \
	-nodefaults -no-user-config -display none -S \
	</dev/null >"$T/qemu-fd.out" 2>"$T/qemu-fd.err" &
FDPID=$!
vp_on_exit "kill_pid $FDPID"
if OUT=$(qmp_cmd "$FDSOCK" query-name quit 2>&1) && grep -q "\"name\": \"sandbox-$ID-fd\"" <<<"$OUT"; then
	tap_ok "QMP on a listening socket inherited as fd 3 through the shim (Kata 3.1+ style)"
else
	tap_fail "QMP on a listening socket inherited as fd 3 through the shim (Kata 3.1+ style)" \
		"$OUT" "QEMU stderr: $(cat "$T/qemu-fd.err")"
fi
vp_wait_for 10 eval "! vp_pid_alive $FDPID" || kill_pid "$FDPID"

# ---------------------------------------------------------------- guest --
guest_wait_for "$CONSOLE" "^VP-(NIC-FOUND|NIC-MISSING|DONE)" 120 "$QPID"
TN=$((SECONDS - TB))
IFN=$(guest_console_field "$CONSOLE" VP-NIC-FOUND 2)
if [ -n "$IFN" ] && [ "$(guest_console_field "$CONSOLE" VP-NIC-FOUND 3)" = "$MAC" ]; then
	tap_ok "guest kernel sees virtio-net $IFN with MAC $MAC (${TN}s after launch)"
else
	tap_bail "guest kernel sees a virtio-net NIC with MAC $MAC" "$(guest_console_diag "$CONSOLE")"
fi
guest_wait_for "$CONSOLE" "^VP-ROLE-DONE" 60 "$QPID"
SENT=$(guest_console_field "$CONSOLE" VP-ARPING 2)
if grep -aq "^VP-LINK-UP $IFN up" "$CONSOLE" && [ "${SENT:-0}" -gt 0 ]; then
	tap_ok "guest brought $IFN up and sent $SENT ARP requests ($((SECONDS - TB))s after launch)"
else
	tap_fail "guest brought $IFN up and sent ARP requests" "$(guest_console_diag "$CONSOLE")"
fi

# ------------------------------------------------------------------ OVS --
# Direction: OVS names a vhost-user port's counters from the switch's side.
# For dpdkvhostuserclient, rx_* counts what OVS dequeued from the guest's
# TX virtqueue (netdev_dpdk_vhost_rxq_recv), i.e. frames the guest sent;
# tx_* counts what OVS enqueued towards the guest.  Seen on this machine:
# the guest (alone on the bridge) reports tx_packets=11 rx_packets=0 and
# OVS rx_packets=7..11 (a 5 s snapshot) tx_packets=0 (printed below as a
# diagnostic).  The
# counters exist only while QEMU is connected and are refreshed every 5 s,
# so the guest stays up (vp.linger) while we poll.
if RX=$(ovs_wait_stat "$PORT" rx_packets 20); then
	tap_ok "OVS received the guest's frames: $PORT statistics:rx_packets=$RX"
else
	tap_fail "OVS received the guest's frames: $PORT statistics:rx_packets > 0" \
		"rx_packets: $RX" "$(ovs_vsctl get Interface "$PORT" statistics link_state 2>&1)" \
		"$(guest_console_diag "$CONSOLE")"
fi
tap_diag "guest ifstats: $(grep -a '^VP-IFSTATS' "$CONSOLE" | tail -n 1)" \
	"OVS $PORT: rx_packets=$(ovs_stat "$PORT" rx_packets) tx_packets=$(ovs_stat "$PORT" tx_packets) link_state=$(ovs_iface_get "$PORT" link_state)"

# ------------------------------------------------------------- teardown --
qmp_cmd "$QMP" quit >/dev/null 2>&1
if vp_wait_for 15 eval "! vp_pid_alive $QPID"; then
	tap_ok "QEMU quit over QMP"
else
	tap_fail "QEMU quit over QMP"
	kill_pid "$QPID"
fi

if hook_run poststop <<<"$(state_json "$ID" --status stopped --bundle "$T/bundle" --request "$REQ")" &&
	[ "$(ovs_port_count "$BR")" -eq 0 ] && [ ! -e "$(vp_sandbox_dir "$ID")" ]; then
	tap_ok "hook poststop removed port $PORT and the sandbox's state"
else
	tap_fail "hook poststop removed port $PORT and the sandbox's state" "rc $HOOK_RC" "$HOOK_ERR" \
		"ports: $(ovs_ports "$BR" | tr '\n' ' ')" "$(ls -la "$(vp_sandbox_dir "$ID")" 2>&1)"
fi
# ------------------------------------------------ multi-queue sandbox M --
# queues=2 in the request: the device list carries queues=2 / mq=on (with
# vectors=0 for TCG); a 2-vCPU guest gets 2 queue pairs, and one pinned
# arping per vCPU puts frames on both TX queues, which OVS counts per
# queue (rx_q0_good_packets, rx_q1_good_packets).
IDM=vpguest-m-$$
MACM=02:00:00:00:00:0d
REQM='[{"network":"chain","mac":"'$MACM'","queues":2}]'
vp_on_exit 'hook_run poststop <<<"$(state_json "$IDM" --status stopped --bundle "$T/bundle" --request "$REQM")"'
if hook_run prestart <<<"$(state_json "$IDM" --bundle "$T/bundle" --request "$REQM")" &&
	jq -e '.args | any(test("type=vhost-user,.*queues=2")) and any(test("virtio-net-pci,.*mq=on"))' \
		"$(vp_sandbox_dir "$IDM")/devices.json" >/dev/null; then
	tap_ok "prestart with queues=2: device list has queues=2 and mq=on"
else
	tap_fail "prestart with queues=2: device list has queues=2 and mq=on" "rc $HOOK_RC" "$HOOK_ERR" \
		"$(cat "$(vp_sandbox_dir "$IDM")/devices.json" 2>&1)"
fi
PORTM=$(ovs_ports "$BR" | head -n 1)
CONM=$T/console-m.log
"$SHIM" "--vnfplug-config=$VP_CFG" -name "sandbox-$IDM,debug-threads=on" \
	-machine q35,accel=tcg -m 256M -smp 2 \
	-qmp "unix:$T/qmp-m.sock,server=on,wait=off" \
	-nodefaults -no-user-config -nographic -no-reboot -serial "file:$CONM" \
	-kernel "$GUEST_KERNEL" -initrd "$GUEST_INITRD" \
	-append "$(guest_append send "$MACM" 10.77.0.20 10.77.0.21 3 60 120)" \
	</dev/null >"$T/qemu-m.out" 2>"$T/qemu-m.err" &
QPIDM=$!
vp_on_exit "kill_pid $QPIDM"
TM=$SECONDS
guest_wait_for "$CONM" '^VP-(ROLE-DONE|NIC-MISSING|DONE)' 150 "$QPIDM"
QL=$(grep -a '^VP-QUEUES' "$CONM" | tail -n 1 | tr -d '\r')
if [ "$(guest_console_field "$CONM" VP-NIC-FOUND 3)" = "$MACM" ] &&
	grep -q ' rx=2 tx=2 ' <<<"$QL "; then
	tap_ok "2-vCPU guest has virtio-net $MACM with 2 queue pairs ($QL, $((SECONDS - TM))s)"
else
	tap_fail "2-vCPU guest has virtio-net $MACM with 2 queue pairs" \
		"$(guest_console_diag "$CONM")" "QEMU stderr: $(cat "$T/qemu-m.err")"
fi
Q0=$(ovs_wait_stat "$PORTM" rx_q0_good_packets 20)
Q1=$(ovs_wait_stat "$PORTM" rx_q1_good_packets 10)
if [ "$Q0" -gt 0 ] 2>/dev/null && [ "$Q1" -gt 0 ] 2>/dev/null; then
	tap_ok "OVS received the guest's frames on both queues of $PORTM: q0=$Q0 q1=$Q1"
else
	tap_fail "OVS received the guest's frames on both queues of $PORTM" "q0=$Q0 q1=$Q1" \
		"$(ovs_vsctl get Interface "$PORTM" statistics 2>&1 | tr ',' '\n' | grep -E '_q[0-9]+_good_packets')" \
		"$(guest_console_diag "$CONM")"
fi
qmp_cmd "$T/qmp-m.sock" quit >/dev/null 2>&1
vp_wait_for 15 eval "! vp_pid_alive $QPIDM" || kill_pid "$QPIDM"
if hook_run poststop <<<"$(state_json "$IDM" --status stopped --bundle "$T/bundle" --request "$REQM")" &&
	[ "$(ovs_port_count "$BR")" -eq 0 ] && [ "$(vp_sandbox_count)" -eq 0 ]; then
	tap_ok "poststop removed the multi-queue port $PORTM"
else
	tap_fail "poststop removed the multi-queue port $PORTM" "rc $HOOK_RC" "$HOOK_ERR" \
		"ports: $(ovs_ports "$BR" | tr '\n' ' ')"
fi

tap_diag "30-shim-guest total ${SECONDS}s"
tap_done
