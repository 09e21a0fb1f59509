#!/bin/bash
# 66-sriov-netns-concurrency.sh - 16 concurrent prestarts against 4 VFs in
# namespace mode give exactly 4 allocations with 4 distinct VFs and 12
# clean refusals ("no free VF"); 16 concurrent poststops then bring every
# netdev home.
#
# 60-sriov-concurrency.sh does this in vfio mode (fixture + simulated
# kernel, and NVMe VFs in a guest).  Here the VFs' netdevs are real veth
# ends (the fixture's --vf-netdev names), so the concurrent part includes
# the real netlink work: 4 links moved at once through temporary
# namespaces into 4 containers (`unshare --net sleep` processes), renamed
# to data0, given a MAC and MTU, brought up, and back.  "pf_netlink": false:
# no NIC here accepts VF netlink (docs/architecture.md §12).
. "$(dirname "$0")/lib/lib.sh"

vp_require_root
vp_require_cmd jq ip nsenter unshare
vp_require_hook

T=$VP_TMP
N=16
NVF=4
MKSYSFS=$VP_ROOT/tests/fixtures/mksysfs.sh
SYS=$T/sys
V=vpq$$
PF=0000:3b:00.0
T_START=$SECONDS

# ------------------------------------------------------------- setup --
vfargs=()
for ((i = 0; i < NVF; i++)); do
	vp_on_exit "ip link del ${V}b$i"
	ip link add "${V}a$i" type veth peer name "${V}b$i" &&
		ip link set "${V}a$i" address "02:5e:00:00:01:0$i" mtu 1500 ||
		tap_bail "veth pair ${V}a$i/${V}b$i"
	vfargs+=(--vf-netdev "$i=${V}a$i")
done
"$MKSYSFS" "$SYS" pf - "$PF" --layout ixgbe --vfs "$NVF" "${vfargs[@]}" ||
	tap_bail "fixture PF with $NVF VFs"
tap_ok "$NVF veth pairs ${V}a<n>/${V}b<n>; fixture PF $PF whose $NVF VFs have them as netdevs"

NET=$(jq -cn --arg pf "$PF" '{type: "sriov", pfs: [$pf], mode: "netns",
	pf_netlink: false, mtu: 1400, allow: ["mac"]}')
vp_config_write "$T/vnfplug.json" -networks.chain -ovs_vsctl \
	"sysfs_root=$SYS" "networks.fastnet=$NET" lock_timeout_ms=60000 ||
	tap_bail "hook config written"

# --------------------------------------------------- 16 containers --
declare -a PIDS
for ((i = 1; i <= N; i++)); do
	unshare --net sleep 170 &
	PIDS[i]=$!
	vp_on_exit "kill -9 ${PIDS[i]}"
done
for ((i = 1; i <= N; i++)); do
	vp_wait_for 5 eval '[ "$(readlink /proc/${PIDS[i]}/ns/net)" != "$(readlink /proc/self/ns/net)" ]'
done

# state I PID [STATUS]: container c<I>'s state, asking for data0 with a
# MAC of its own (runc gives the annotations to poststop too)
state() {
	printf -v mac '02:00:00:00:02:%02x' "$1"
	state_json "c$1" --pid "$2" --status "${3:-creating}" \
		--request '[{"network":"fastnet","ifname":"data0","mac":"'"$mac"'"}]'
}

for ((i = 1; i <= N; i++)); do
	state "$i" "${PIDS[i]}" >"$T/state-$i.json"
done
t0=$SECONDS
for ((i = 1; i <= N; i++)); do
	(
		timeout 90 "$VP_HOOK" --config "$VP_CFG" prestart <"$T/state-$i.json" \
			>"$T/pre-$i.out" 2>"$T/pre-$i.err"
		echo $? >"$T/pre-$i.rc"
	) &
done
wait_n=0
while [ "$(ls "$T"/pre-*.rc 2>/dev/null | wc -l)" -lt "$N" ] && [ $wait_n -lt 1000 ]; do
	sleep 0.1
	wait_n=$((wait_n + 1))
done
tp=$((SECONDS - t0))

ok=() refused=() other=()
for ((i = 1; i <= N; i++)); do
	rc=$(cat "$T/pre-$i.rc" 2>/dev/null)
	if [ "$rc" = 0 ]; then
		ok+=("$i")
	elif [ "$rc" = 1 ] && grep -q 'no free VF' "$T/pre-$i.err"; then
		refused+=("$i")
	else
		other+=("c$i rc=${rc:-none}: $(tr '\n' ' ' <"$T/pre-$i.err" 2>/dev/null)")
	fi
done
if [ ${#ok[@]} -eq $NVF ] && [ ${#refused[@]} -eq $((N - NVF)) ]; then
	tap_ok "$N concurrent prestarts (${tp} s): ${#ok[@]} succeed, ${#refused[@]} refused with \"no free VF\""
else
	tap_fail "$N concurrent prestarts: $NVF succeed, $((N - NVF)) refused with \"no free VF\"" \
		"ok: ${ok[*]:-}" "refused: ${refused[*]:-}" "${other[@]}"
fi

vfs=""
for i in "${ok[@]}"; do
	vfs+="$(jq -r '[.resources[] | select(.kind == "vf-claim") | .vf_pci][0] // "none"' \
		"$(vp_sandbox_dir "c$i")/record.json" 2>/dev/null) "
done
nd=$(tr ' ' '\n' <<<"$vfs" | grep -v '^none$' | grep . | sort -u | wc -l)
if [ "$nd" -eq $NVF ] && [ "$(vp_sandbox_count)" -eq $NVF ]; then
	tap_ok "the $NVF records claim $NVF distinct VFs: $vfs; no record for the refused ones"
else
	tap_fail "the $NVF records claim $NVF distinct VFs; no record for the refused ones" \
		"VFs: $vfs" "sandboxes: $(ls "$VP_RUN_DIR/sandboxes" 2>&1 | tr '\n' ' ')"
fi

bad=""
for i in "${ok[@]}"; do
	printf -v mac '02:00:00:00:02:%02x' "$i"
	j=$(nsenter -t "${PIDS[i]}" -n ip -j link show dev data0 2>/dev/null | jq -c '.[0]')
	if [ "$(jq -r '"\(.address) \(.mtu) \(.flags | index("UP") != null)"' <<<"$j" 2>/dev/null)" != "$mac 1400 true" ]; then
		bad+="c$i: ${j:-no data0}; "
	fi
done
for i in "${refused[@]}"; do
	n=$(nsenter -t "${PIDS[i]}" -n ip -o link show 2>/dev/null | grep -vc ': lo:')
	[ "$n" -eq 0 ] || bad+="refused c$i has $n links; "
done
inhost=$(ip -br link | grep -c "^${V}a")
if [ -z "$bad" ] && [ "$inhost" -eq 0 ]; then
	tap_ok "each winner has data0 with its own MAC, MTU 1400, UP; the refused have only lo; no ${V}a<n> left in the host"
else
	tap_fail "each winner has data0 with its own MAC, MTU 1400, UP; the refused have only lo; none left in the host" \
		"$bad" "in the host: $inhost"
fi

# --------------------------------------------------- 16 poststops --
t0=$SECONDS
for ((i = 1; i <= N; i++)); do
	(
		state "$i" "${PIDS[i]}" stopped |
			timeout 90 "$VP_HOOK" --config "$VP_CFG" poststop \
				>"$T/post-$i.out" 2>"$T/post-$i.err"
		echo $? >"$T/post-$i.rc"
	) &
done
wait_n=0
while [ "$(ls "$T"/post-*.rc 2>/dev/null | wc -l)" -lt "$N" ] && [ $wait_n -lt 1000 ]; do
	sleep 0.1
	wait_n=$((wait_n + 1))
done
tq=$((SECONDS - t0))
fails=""
for ((i = 1; i <= N; i++)); do
	[ "$(cat "$T/post-$i.rc" 2>/dev/null)" = 0 ] ||
		fails+="c$i rc=$(cat "$T/post-$i.rc" 2>/dev/null): $(tr '\n' ' ' <"$T/post-$i.err"); "
done
if [ -z "$fails" ] && [ "$(vp_sandbox_count)" -eq 0 ]; then
	tap_ok "$N concurrent poststops (containers alive, ${tq} s): all exit 0, no records left"
else
	tap_fail "$N concurrent poststops: all exit 0, no records left" "$fails" \
		"sandboxes: $(ls "$VP_RUN_DIR/sandboxes" 2>&1 | tr '\n' ' ')"
fi
bad=""
for ((i = 0; i < NVF; i++)); do
	got=$(ip -j link show dev "${V}a$i" 2>/dev/null | jq -r '.[0] | "\(.address) \(.mtu) \(.flags | index("UP") != null)"')
	[ "$got" = "02:5e:00:00:01:0$i 1500 false" ] || bad+="${V}a$i: ${got:-absent}; "
done
if [ -z "$bad" ]; then
	tap_ok "every ${V}a<n> is back in the host: original name, MAC, MTU 1500, down"
else
	tap_fail "every ${V}a<n> is back in the host: original name, MAC, MTU 1500, down" "$bad"
fi

for ((i = 1; i <= N; i++)); do
	kill -9 "${PIDS[i]}" 2>/dev/null
	wait "${PIDS[i]}" 2>/dev/null
done
tap_diag "66-sriov-netns-concurrency: $((SECONDS - T_START)) s"
tap_done
