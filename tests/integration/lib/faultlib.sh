# tests/integration/lib/faultlib.sh - helpers shared by the reliability tests
# (80-fault-injection, 81-races, 82-endurance).  Sourced after lib.sh; not
# a test itself (tests/run only runs tests/integration/[0-9]*.sh).
#
#   fx_sysfs SYS NVF [NETNS_VETHS]
#                  fixture tree: PF 0000:3b:00.0 (ixgbe layout, NVF VFs,
#                  for vfio mode) and, when NETNS_VETHS > 0, PF
#                  0000:5e:00.0 whose first NETNS_VETHS VFs have the veths
#                  ${FX_V}a<n> as netdevs (netns mode).  Sets FX_SYS,
#                  FX_VFIO_VFS and FX_NETNS_VFS (arrays of PCI addresses).
#   fx_kernel_start the simulated kernel on FX_SYS (stopped on exit)
#   fx_veths N     veth pairs ${FX_V}a<n>/${FX_V}b<n>, MAC fx_mac n, up
#   fx_config FILE [PATH=VALUE...]
#                  vp_config_write with sysfs_root=FX_SYS and the networks
#                  chain (vhost-user), fastvf (sriov, vfio) and, with
#                  veths, nsvf (sriov, netns); pf_netlink false everywhere
#                  (no NIC here takes VF netlink, docs/architecture.md §12)
#   fx_owner       start a process that stands for the container (its own
#                  network namespace); sets FX_OWNER
#   fx_kill PID    SIGKILL and reap it
#   the clean-state checks, each printing what is wrong (empty when fine):
#   fx_why_ports fx_why_claims fx_why_drivers fx_why_veths fx_why_records
#   fx_reset       force a clean state after a failed check, so one
#                  failure does not cascade into every later case

: "${VP_FAULT_HOOK:=$(dirname "$VP_BUILD")/build-fault/vnfplug-hook}"
MKSYSFS=$VP_ROOT/tests/fixtures/mksysfs.sh
FX_V=vpf$$
FX_PF_VFIO=0000:3b:00.0
FX_PF_NETNS=0000:5e:00.0
FX_SYS="" FX_KERNEL="" FX_NVETH=0
FX_VFIO_VFS=() FX_NETNS_VFS=()
FX_OWNERS=()

# fx_mac N: the original MAC of veth ${FX_V}a<N>.
fx_mac() {
	printf '02:5f:00:00:%02x:%02x\n' $(($1 / 256)) $(($1 % 256))
}

fx_veths() {
	local n
	FX_NVETH=$1
	for ((n = 0; n < $1; n++)); do
		vp_on_exit "ip link del ${FX_V}b$n"
		fx_veth_make "$n" || return 1
	done
}

# fx_veth_make N: (re)create the pair; the "VF" end gets its MAC, up.
fx_veth_make() {
	ip link del "${FX_V}b$1" 2>/dev/null
	ip link add "${FX_V}a$1" type veth peer name "${FX_V}b$1" || return 1
	ip link set "${FX_V}a$1" address "$(fx_mac "$1")" mtu 1500 up
}

# fx_vfs SYS PF: the PF's VFs (virtfn order), one a line.
fx_vfs() {
	local d=$1/bus/pci/devices/$2 n=0
	while [ -L "$d/virtfn$n" ]; do
		basename "$(readlink "$d/virtfn$n")"
		n=$((n + 1))
	done
}

fx_sysfs() {
	local sys=$1 nvf=$2 nveth=${3:-0} n args=()
	FX_SYS=$sys
	"$MKSYSFS" "$sys" pf - "$FX_PF_VFIO" --layout ixgbe --vfs "$nvf" || return 1
	mapfile -t FX_VFIO_VFS < <(fx_vfs "$sys" "$FX_PF_VFIO")
	FX_NETNS_VFS=()
	if [ "$nveth" -gt 0 ]; then
		for ((n = 0; n < nveth; n++)); do
			args+=(--vf-netdev "$n=${FX_V}a$n")
		done
		"$MKSYSFS" "$sys" pf - "$FX_PF_NETNS" --layout ixgbe --vfs "$nveth" \
			"${args[@]}" || return 1
		mapfile -t FX_NETNS_VFS < <(fx_vfs "$sys" "$FX_PF_NETNS")
	fi
}

fx_kernel_start() {
	"$MKSYSFS" "$FX_SYS" kernel --interval-ms "${1:-2}" &
	FX_KERNEL=$!
	vp_on_exit "kill $FX_KERNEL; wait $FX_KERNEL"
}

fx_config() {
	local file=$1 vfio netns extra=()
	shift
	vfio=$(jq -cn --arg pf "$FX_PF_VFIO" '{type: "sriov", pfs: [$pf],
		mode: "vfio", pf_netlink: false}')
	if [ "${#FX_NETNS_VFS[@]}" -gt 0 ]; then
		netns=$(jq -cn --arg pf "$FX_PF_NETNS" '{type: "sriov", pfs: [$pf],
			mode: "netns", pf_netlink: false, mtu: 1400,
			allow: ["mac", "mtu"]}')
		extra+=("networks.nsvf=$netns")
	fi
	vp_config_write "$file" "sysfs_root=$FX_SYS" "networks.fastvf=$vfio" \
		"${extra[@]}" "$@"
}

# fx_owner: a process in a network namespace of its own, as a container's
# init would be.  `unshare` execs sleep, so $! is the process in the netns.
fx_owner() {
	unshare --net -- sleep 100000 &
	FX_OWNER=$!
	FX_OWNERS+=("$FX_OWNER")
	# the namespace must exist before the hook looks at /proc/PID/ns/net
	vp_wait_for 5 eval "[ \"\$(readlink /proc/$FX_OWNER/ns/net)\" != \"\$(readlink /proc/self/ns/net)\" ]"
}

fx_kill() {
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

fx__kill_owners() {
	local p
	for p in "${FX_OWNERS[@]}"; do kill -KILL "$p" 2>/dev/null; done
	return 0
}
vp_on_exit fx__kill_owners

# ------------------------------------------------------------- checks --

fx_why_ports() {
	local n
	n=$(ovs_port_count "$VP_BRIDGE")
	[ "$n" = 0 ] || echo "$n port(s) on $VP_BRIDGE: $(ovs_ports "$VP_BRIDGE" | tr '\n' ' ')"
}

# No record claims a VF: in the records themselves and in `status --json`.
fx_why_claims() {
	local n j
	n=$(cat "$VP_RUN_DIR"/sandboxes/*/record.json 2>/dev/null |
		jq -s '[.[].resources[] | select(.kind == "vf-claim")] | length')
	[ "${n:-0}" = 0 ] || echo "$n vf-claim(s) in records"
	j=$(timeout 30 "$VP_HOOK" --config "$VP_CFG" status --json 2>&1) ||
		{ echo "status --json failed: $j"; return; }
	n=$(jq '[.sandboxes[].devices[] | select(.type == "sriov")] | length' <<<"$j")
	[ "$n" = 0 ] || echo "status --json lists $n VF(s): $(jq -c '[.sandboxes[].devices[]]' <<<"$j")"
}

# Every VF on its original (fixture) driver, driver_override cleared.
fx_why_drivers() {
	local pci d want ov
	for pci in "${FX_VFIO_VFS[@]}" "${FX_NETNS_VFS[@]}"; do
		d=$FX_SYS/bus/pci/devices/$pci
		want=$(cat "$FX_SYS/.fixture/drv/$pci")
		if [ ! -L "$d/driver" ]; then
			echo "$pci: no driver (want $want)"
		elif [ "$(basename "$(readlink "$d/driver")")" != "$want" ]; then
			echo "$pci: driver $(basename "$(readlink "$d/driver")") (want $want)"
		fi
		ov=$(tr -d '\n' <"$d/driver_override")
		[ -z "$ov" ] || [ "$ov" = "(null)" ] || echo "$pci: driver_override '$ov'"
	done
}

# Every veth end back in the host under its name with its MAC.
fx_why_veths() {
	local n j mac
	for ((n = 0; n < FX_NVETH; n++)); do
		j=$(ip -j link show dev "${FX_V}a$n" 2>/dev/null | jq -r '.[0].address // empty')
		mac=$(fx_mac "$n")
		if [ -z "$j" ]; then
			echo "${FX_V}a$n not in the host"
		elif [ "$j" != "$mac" ]; then
			echo "${FX_V}a$n has MAC $j, want $mac"
		fi
	done
}

fx_why_records() {
	local n
	n=$(vp_sandbox_count)
	[ "$n" = 0 ] || echo "$n sandbox dir(s): $(ls "$VP_RUN_DIR/sandboxes" | tr '\n' ' ')"
}

# fx_check DESC WHY-FUNCTION: one TAP line; on failure force a clean slate.
FX_DIRTY=0
fx_check() {
	local why
	why=$("$2")
	if [ -z "$why" ]; then
		tap_ok "$1"
	else
		tap_fail "$1" "$why"
		FX_DIRTY=1
	fi
}

fx_reset() {
	local p pci n
	ovs_ports "$VP_BRIDGE" 2>/dev/null | while read -r p; do
		ovs_vsctl --if-exists del-port "$VP_BRIDGE" "$p"
	done
	rm -rf "${VP_RUN_DIR:?}/sandboxes"
	for pci in "${FX_VFIO_VFS[@]}" "${FX_NETNS_VFS[@]}"; do
		"$MKSYSFS" "$FX_SYS" override "$pci" ""
		"$MKSYSFS" "$FX_SYS" bind "$pci" "$(cat "$FX_SYS/.fixture/drv/$pci")"
	done
	for ((n = 0; n < FX_NVETH; n++)); do
		[ "$(ip -j link show dev "${FX_V}a$n" 2>/dev/null |
			jq -r '.[0].address // empty')" = "$(fx_mac "$n")" ] ||
			fx_veth_make "$n"
	done
	FX_DIRTY=0
}
