#!/bin/bash
# 65-sriov-netns.sh - SR-IOV namespace mode on the real kernel: runc runs
# vnfplug-hook, which moves a "VF's" netdev into the container's network
# namespace and back.
#
# The host has no VF-capable NIC (docs/architecture.md §12).  The sysfs side
# fixture (tests/fixtures/mksysfs.sh: an ixgbe-layout PF with 2 VFs) whose
# VF netdevs are the names of real veth ends created here (vpv<pid>a0/a1;
# their peers vpv<pid>b0/b1 always stay in the host).  Everything the hook
# does with the link is real netlink: the move through a temporary
# namespace, the rename, MTU, MAC, up, and the restore.
#
# Two kinds of container network namespace, because poststop runs only
# after the container's process is dead:
#  - pinned: the container joins a namespace made with `ip netns add`
#    (config.json linux.namespaces network "path"), the way podman, CRI-O
#    and every CNI setup run containers.  The namespace outlives the
#    container's process, so at poststop the veth end is still in it and
#    must be brought back.
#  - private: runc's default, a namespace of the container's own.  It dies
#    with the container's process, before poststop, and a veth dies with its
#    namespace (the kernel returns only physical devices to the host; a veth
#    end is deleted together with its peer).  The physical-device case is
#    75-netns-refund-guest.sh.
#
#   a. (pinned) a container asking for data0 with a MAC sees data0 with
#      that MAC, the network's MTU and UP (from outside with nsenter and from
#      its own process); the host no longer has the veth under its original
#      name; the hook logs "mode netns, ifname data0"
#   b. runc delete (poststop): the veth is back in the host under its
#      original name, MAC, MTU and up/down state; the record is gone; the VF
#      is free again (the next container gets the same VF)
#   c. (pinned) two containers at once get the two VFs (one with a request
#      "mtu", allowed by the network); a third is refused with "no free VF",
#      `runc run` fails and nothing is left of it; both poststops restore
#   e. a name that clashes in the container ("lo"): prestart fails with an
#      error naming the clash, the veth is back in the host unchanged, and
#      the rollback leaves nothing (it must not touch the container's lo)
#   e2. (pinned) the clash is with a link the container already has (data0,
#      as a CNI plugin would have made it): "name exists in the container",
#      the veth comes home, the container's own data0 stays untouched
#   d. (private) the container's netns is destroyed before poststop (runc
#      kill; the runtime reaps the process; then runc delete): the veth is
#      gone with it, so the honest assertions are: poststop exits 0, logs
#      that there is nothing left to restore, and frees the VF claim and
#      the record (a recreated veth under the same name is handed out
#      again).  d2: the same with the hook run directly on an
#      `unshare --net` process, killed and reaped.
#   f. a restore that fails (the original name was taken in the host
#      meanwhile) keeps the VF claimed: the next prestart gets the other VF
#      and the stranger that now has the name stays where it is
#   g. (pinned) a container with CAP_NET_ADMIN renames its data0 to evil0
#      and gives the name data0 to a link of its own; runc delete: poststop
#      finds the VF by its ifindex, brings the veth home, and leaves the
#      container's own data0 alone
#   h. the VF's netdev leaves the container's namespace for another one (a
#      container with the right to make namespaces can do that): poststop
#      fails saying it is neither in the container nor in the host, and the
#      VF stays claimed (the next prestart gets the other VF)
#
# When a restore fails, the test itself puts the veth back (deletes the
# pair through its host peer, recreates it) and removes the leftover
# record, so that each part checks the hook on a clean start.
#
# "pf_netlink": false: no NIC here accepts VF netlink (IFLA_VF_*;
# docs/architecture.md §12), and the fixture PF has no netdev at all.
#
# runc keeps a hook's stderr to itself unless the hook fails, so the hooks
# in the bundles run the real hook through a small wrapper that copies its
# stderr to $T/hook.log and its exit status to $T/hook-rc.log.
. "$(dirname "$0")/lib/lib.sh"

vp_require_root
vp_require_cmd runc jq busybox ip nsenter unshare
vp_require_hook

T=$VP_TMP
MKSYSFS=$VP_ROOT/tests/fixtures/mksysfs.sh
SYS=$T/sys
V=vpv$$                  # veth names: ${V}a<n> ("the VF"), ${V}b<n> (peer)
NS=vpn$$                 # pinned namespaces: ${NS}<container>
PF=0000:3b:00.0
VF0=0000:3b:10.0         # ixgbe layout: devfn 0x80 + 2n
VF1=0000:3b:10.2
MAC0=02:5e:00:00:00:a0   # original MACs of the veth ends
MAC1=02:5e:00:00:00:a1
CMAC=02:00:00:00:00:42   # what the containers ask for
T_START=$SECONDS

# ----------------------------------------------------------- helpers --

# mkveth N: the pair ${V}a<N>/${V}b<N>; a0 gets MAC0, MTU 1500, up; a1
# MAC1, MTU 1500, down.  Deleting the peer (always in the host) deletes the
# pair wherever a<N> is.
mkveth() {
	local mac=$MAC0 up=up
	[ "$1" = 1 ] && mac=$MAC1 up=down
	ip link add "${V}a$1" type veth peer name "${V}b$1" || return 1
	ip link set "${V}a$1" address "$mac" mtu 1500 "$up"
}

# orig_ok N: ${V}a<N> is in the host exactly as mkveth made it; prints
# what differs.
orig_ok() {
	if [ "$1" = 0 ]; then
		link_is "$(link_json "${V}a0")" "${V}a0" "$MAC0" 1500 1
	else
		link_is "$(link_json "${V}a1")" "${V}a1" "$MAC1" 1500 0
	fi
}

# repair N SANDBOX...: the hook did not put ${V}a<N> back: recreate the
# pair and drop the sandboxes' records and their lines in the claims index,
# so the next part starts clean.
repair() {
	local n=$1 sb
	shift
	orig_ok "$n" >/dev/null && return 0
	tap_diag "repairing ${V}a$n (recreated) and records: $*"
	ip link del "${V}b$n" 2>/dev/null
	vp_wait_for 10 eval '! host_has "${V}b$n"'
	ip link del "${V}a$n" 2>/dev/null
	mkveth "$n"
	for sb in "$@"; do
		rm -rf "$(vp_sandbox_dir "$sb")"
		[ -f "$VP_RUN_DIR/claims" ] && sed -i "/ $sb\$/d" "$VP_RUN_DIR/claims"
	done
}

# del_vpr MAC...: delete host links the hook left as "vpr<N>" (original
# name taken) that carry one of our MACs; never anyone else's.
del_vpr() {
	local l m
	for l in $(ip -br link 2>/dev/null | awk '$1 ~ /^vpr[0-9]+(@|$)/ { sub(/@.*/, "", $1); print $1 }'); do
		for m in "$@"; do
			[ "$(cat "/sys/class/net/$l/address" 2>/dev/null)" = "$m" ] &&
				ip link del "$l" 2>/dev/null
		done
	done
}

# link_json [--ns PID] IFNAME: the link as `ip -j link show` has it.
link_json() {
	if [ "$1" = --ns ]; then
		nsenter -t "$2" -n ip -j link show dev "$3" 2>/dev/null | jq -c '.[0]'
	else
		ip -j link show dev "$1" 2>/dev/null | jq -c '.[0]'
	fi
}

# link_is JSON NAME MAC MTU UP(1|0): prints what differs; 0 when nothing.
link_is() {
	local j=$1 name=$2 mac=$3 mtu=$4 up=$5 bad=0 got
	if [ -z "$j" ] || [ "$j" = null ]; then
		echo "no link $name"
		return 1
	fi
	got=$(jq -r .ifname <<<"$j")
	[ "$got" = "$name" ] || { echo "name $got, want $name"; bad=1; }
	got=$(jq -r .address <<<"$j")
	[ "$got" = "$mac" ] || { echo "$name: MAC $got, want $mac"; bad=1; }
	got=$(jq -r .mtu <<<"$j")
	[ "$got" = "$mtu" ] || { echo "$name: MTU $got, want $mtu"; bad=1; }
	got=$(jq -r 'if (.flags | index("UP")) then 1 else 0 end' <<<"$j")
	[ "$got" = "$up" ] || { echo "$name: UP flag $got, want $up ($(jq -c .flags <<<"$j"))"; bad=1; }
	return $bad
}

host_has() {
	ip link show dev "$1" >/dev/null 2>&1
}

# veths: our links in the host and in the pinned namespaces, for failures.
veths() {
	local n
	echo "host: $(ip -br link 2>/dev/null | grep "$V" | tr -s ' ' | tr '\n' ';')"
	for n in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$NS"); do
		echo "netns $n: $(ip -n "$n" -br link 2>/dev/null | tr -s ' ' | tr '\n' ';')"
	done
}

# cpid ID: the container's pid (runc state).
cpid() {
	vp_runc state "$1" 2>/dev/null | jq -r '.pid // empty'
}

# record_vf ID: the VF (PCI address) the sandbox's record claims.
record_vf() {
	jq -r '[.resources[] | select(.kind == "vf-claim") | .vf_pci][0] // empty' \
		"$(vp_sandbox_dir "$1")/record.json" 2>/dev/null
}

# hook_rc ID STAGE: the exit status of the last STAGE hook run for ID.
hook_rc() {
	awk -v id="$1" -v st="$2" '$1 == id && $2 == st { rc = $3 } END { print rc }' \
		"$T/hook-rc.log" 2>/dev/null
}

# hook_log ID: what the hook logged for that sandbox.
hook_log() {
	grep -F "[$1]" "$T/hook.log" 2>/dev/null
}

# bundle NAME REQUEST [pinned]: a runc bundle whose process records its own
# view of data0 in $T/out-NAME/ (a bind mount) and then sleeps; "pinned"
# makes it join the namespace ${NS}NAME (created here, deleted on exit).
bundle() {
	local name=$1 req=$2 b=$T/b-$1
	mkdir -p "$T/out-$name"
	VP_HOOK=$WRAP runc_bundle "$b" --request "$req" \
		--mount "$T/out-$name:/out" -- sh -c \
		'ip -o link show data0 >/out/links 2>&1; echo done >/out/ready; exec sleep 120' ||
		return 1
	[ "${3:-}" = pinned ] || return 0
	ip netns add "$NS$name" || return 1
	vp_on_exit "ip netns del $NS$name"
	jq --arg p "/run/netns/$NS$name" '.linux.namespaces |= map(
		if .type == "network" then . + {path: $p} else . end)' \
		"$b/config.json" >"$b/config.json.new" && mv "$b/config.json.new" "$b/config.json"
}

# --------------------------------------------------------------- setup --
WRAP=$T/hook-wrap
cat >"$WRAP" <<EOF
#!/bin/bash
# runs the real hook; keeps its stderr and exit status for the test
in=\$(mktemp "$T/hookin.XXXXXX")
err=\$(mktemp "$T/hookerr.XXXXXX")
cat >"\$in"
"$VP_HOOK" "\$@" <"\$in" 2>"\$err"
rc=\$?
id=\$(jq -r '.id // "?"' "\$in" 2>/dev/null)
cat "\$err" >>"$T/hook.log"
echo "\$id \${!#} \$rc" >>"$T/hook-rc.log"
cat "\$err" >&2
rm -f "\$in" "\$err"
exit \$rc
EOF
chmod 755 "$WRAP"

for n in 0 1; do
	vp_on_exit "ip link del ${V}b$n; ip link del ${V}a$n"
done
if mkveth 0 && mkveth 1; then
	tap_ok "veth pairs ${V}a0/${V}b0 (up, $MAC0) and ${V}a1/${V}b1 (down, $MAC1), MTU 1500"
else
	tap_bail "veth pairs ${V}a0/${V}b0 and ${V}a1/${V}b1"
fi

if "$MKSYSFS" "$SYS" pf - "$PF" --layout ixgbe --vfs 2 \
	--vf-netdev "0=${V}a0" --vf-netdev "1=${V}a1" 2>"$T/mksysfs.err" &&
	[ -d "$SYS/bus/pci/devices/$VF0/net/${V}a0" ] &&
	[ -d "$SYS/bus/pci/devices/$VF1/net/${V}a1" ]; then
	tap_ok "fixture PF $PF (ixgbe layout): VF $VF0 -> ${V}a0, VF $VF1 -> ${V}a1"
else
	tap_bail "fixture PF $PF with 2 VFs whose netdevs are the veths" "$(cat "$T/mksysfs.err")"
fi

NET=$(jq -cn --arg pf "$PF" '{type: "sriov", pfs: [$pf], mode: "netns",
	pf_netlink: false, mtu: 1400, allow: ["mac", "mtu"]}')
vp_config_write "$T/vnfplug.json" -networks.chain -ovs_vsctl \
	"sysfs_root=$SYS" "networks.fastnet=$NET" ||
	tap_bail "hook config written"
REQ='[{"network":"fastnet","ifname":"data0","mac":"'$CMAC'"}]'

# ------------------------------------------- a. into the container ----
bundle c1 "$REQ" pinned || tap_bail "bundle c1"
if runc_run_detached c1 "$T/b-c1"; then
	tap_ok "a: runc run --detach c1 (pinned netns; prestart: netns mode, data0, $CMAC)"
else
	tap_bail "a: runc run --detach c1 (pinned netns; prestart: netns mode, data0, $CMAC)" \
		"$(runc_log c1)" "$(cat "$T/hook.log" 2>/dev/null)"
fi
P1=$(cpid c1)
if out=$(link_is "$(link_json --ns "$P1" data0)" data0 "$CMAC" 1400 1); then
	tap_ok "a: in c1's netns (nsenter): data0, MAC $CMAC, MTU 1400 (network's mtu), UP"
else
	tap_fail "a: in c1's netns (nsenter): data0, MAC $CMAC, MTU 1400, UP" "$out" "$(veths)"
fi
vp_wait_for 10 test -s "$T/out-c1/ready"
links=$(cat "$T/out-c1/links" 2>/dev/null)
if grep -q 'data0' <<<"$links" && grep -q 'UP' <<<"$links" &&
	grep -q 'mtu 1400' <<<"$links" && grep -q "link/ether $CMAC" <<<"$links"; then
	tap_ok "a: the container's own process sees data0 UP, mtu 1400, $CMAC"
else
	tap_fail "a: the container's own process sees data0 UP, mtu 1400, $CMAC" "links: $links"
fi
if ! host_has "${V}a0" && host_has "${V}b0"; then
	tap_ok "a: the host no longer has ${V}a0 (its peer ${V}b0 stays)"
else
	tap_fail "a: the host no longer has ${V}a0" "$(veths)"
fi
if hook_log c1 | grep -q "VF 0 ($VF0), mode netns, ifname data0"; then
	tap_ok "a: hook log: \"... VF 0 ($VF0), mode netns, ifname data0\""
else
	tap_fail "a: hook log: \"... VF 0 ($VF0), mode netns, ifname data0\"" \
		"$(cat "$T/hook.log" 2>/dev/null)"
fi
if [ "$(record_vf c1)" = "$VF0" ]; then
	tap_ok "a: c1's record claims VF $VF0"
else
	tap_fail "a: c1's record claims VF $VF0" "$(cat "$(vp_sandbox_dir c1)/record.json" 2>&1)"
fi

# ------------------------------------------------ b. poststop restores --
runc_delete c1 >"$T/delete-c1.log" 2>&1
if [ "$(hook_rc c1 poststop)" = 0 ]; then
	tap_ok "b: runc delete c1: poststop hook exit 0"
else
	tap_fail "b: runc delete c1: poststop hook exit 0" "rc $(hook_rc c1 poststop)" \
		"$(hook_log c1)" "$(cat "$T/delete-c1.log")"
fi
if out=$(orig_ok 0); then
	tap_ok "b: host has ${V}a0 back: original name, MAC $MAC0, MTU 1500, UP"
else
	tap_fail "b: host has ${V}a0 back: original name, MAC $MAC0, MTU 1500, UP" "$out" \
		"$(veths)" "hook: $(hook_log c1 | tail -n 3)"
fi
if [ ! -e "$(vp_sandbox_dir c1)" ]; then
	tap_ok "b: c1's record dir is gone"
else
	tap_fail "b: c1's record dir is gone" "$(jq -c .resources "$(vp_sandbox_dir c1)/record.json" 2>&1)"
fi
repair 0 c1
bundle c1b "$REQ" pinned
if runc_run_detached c1b "$T/b-c1b" && [ "$(record_vf c1b)" = "$VF0" ] &&
	link_is "$(link_json --ns "$(cpid c1b)" data0)" data0 "$CMAC" 1400 1 >/dev/null; then
	tap_ok "b: the VF is free again: the next container (c1b) gets $VF0 as data0"
else
	tap_fail "b: the VF is free again: the next container (c1b) gets $VF0 as data0" \
		"record VF: $(record_vf c1b)" "$(runc_log c1b)"
fi
runc_delete c1b >/dev/null 2>&1
if out=$(orig_ok 0) && [ ! -e "$(vp_sandbox_dir c1b)" ]; then
	tap_ok "b: after c1b's poststop ${V}a0 is restored again and the record gone"
else
	tap_fail "b: after c1b's poststop ${V}a0 is restored again and the record gone" \
		"$out" "$(veths)" "sandboxes: $(ls "$VP_RUN_DIR/sandboxes" 2>&1 | tr '\n' ' ')"
fi
repair 0 c1b

# ------------------------------------------- c. two VFs, a third refused --
bundle c2 "$REQ" pinned
bundle c3 '[{"network":"fastnet","ifname":"data0","mac":"02:00:00:00:00:43","mtu":9000}]' pinned
bundle c4 "$REQ" pinned
ok2=0 ok3=0
runc_run_detached c2 "$T/b-c2" && ok2=1
runc_run_detached c3 "$T/b-c3" && ok3=1
V2=$(record_vf c2)
V3=$(record_vf c3)
if [ $ok2 = 1 ] && [ $ok3 = 1 ] && [ -n "$V2" ] && [ -n "$V3" ] && [ "$V2" != "$V3" ]; then
	tap_ok "c: c2 and c3 run at once with distinct VFs ($V2, $V3)"
else
	tap_fail "c: c2 and c3 run at once with distinct VFs" "c2: $ok2 $V2, c3: $ok3 $V3" \
		"$(runc_log c2)" "$(runc_log c3)"
fi
if out=$(link_is "$(link_json --ns "$(cpid c2)" data0)" data0 "$CMAC" 1400 1 &&
	link_is "$(link_json --ns "$(cpid c3)" data0)" data0 02:00:00:00:00:43 9000 1) &&
	! host_has "${V}a0" && ! host_has "${V}a1"; then
	tap_ok "c: each has data0 (c3 with its requested MTU 9000, allowed); neither veth in the host"
else
	tap_fail "c: each has data0 (c3 with its requested MTU 9000); neither veth in the host" \
		"$out" "$(veths)"
fi
if runc_run_detached c4 "$T/b-c4"; then
	tap_fail "c: a third container (c4) is refused: runc run fails" "it ran"
else
	tap_ok "c: a third container (c4) is refused: runc run fails"
fi
if grep -q 'no free VF' <<<"$(runc_log c4)" && [ "$(hook_rc c4 prestart)" = 1 ]; then
	tap_ok "c: c4's prestart exits 1 with \"no free VF\" (runc shows it)"
else
	tap_fail "c: c4's prestart exits 1 with \"no free VF\"" "rc $(hook_rc c4 prestart)" \
		"$(runc_log c4)" "$(hook_log c4)"
fi
if ! vp_runc list -q 2>/dev/null | grep -qx c4 && [ ! -e "$(vp_sandbox_dir c4)" ] &&
	[ "$(ip -n "${NS}c4" -o link 2>/dev/null | grep -vc ': lo:')" -eq 0 ] &&
	[ "$(record_vf c2)" = "$V2" ] && [ "$(record_vf c3)" = "$V3" ] &&
	nsenter -t "$(cpid c2)" -n ip link show data0 >/dev/null 2>&1 &&
	nsenter -t "$(cpid c3)" -n ip link show data0 >/dev/null 2>&1; then
	tap_ok "c: nothing left of c4 (no container, no record, nothing in its netns); c2 and c3 keep their VFs"
else
	tap_fail "c: nothing left of c4; c2 and c3 keep their VFs" \
		"runc list: $(vp_runc list -q 2>&1 | tr '\n' ' ')" "$(veths)" \
		"sandboxes: $(ls "$VP_RUN_DIR/sandboxes" 2>&1 | tr '\n' ' ')"
fi
runc_delete c2 >/dev/null 2>&1
runc_delete c3 >/dev/null 2>&1
if [ "$(hook_rc c2 poststop)" = 0 ] && [ "$(hook_rc c3 poststop)" = 0 ] &&
	out=$(orig_ok 0 && orig_ok 1) && [ "$(vp_sandbox_count)" -eq 0 ]; then
	tap_ok "c: after both poststops ${V}a0 (up) and ${V}a1 (down) are back as they were, no records"
else
	tap_fail "c: after both poststops both veths are back as they were, no records" "$out" \
		"poststop rc: c2 $(hook_rc c2 poststop), c3 $(hook_rc c3 poststop)" "$(veths)" \
		"sandboxes: $(ls "$VP_RUN_DIR/sandboxes" 2>&1 | tr '\n' ' ')"
fi
repair 0 c2 c3
repair 1 c2 c3

# ------------------------------------------------------ e. name clash --
bundle c5 '[{"network":"fastnet","ifname":"lo","mac":"'$CMAC'"}]'
if runc_run_detached c5 "$T/b-c5"; then
	tap_fail "e: ifname \"lo\" (taken in the container): runc run fails" "it ran"
else
	tap_ok "e: ifname \"lo\" (taken in the container): runc run fails"
fi
# refused with the request, before the VF is touched
if [ "$(hook_rc c5 prestart)" = 1 ] &&
	hook_log c5 | grep -q '`lo` is the container'"'"'s loopback'; then
	tap_ok "e: prestart's error names the clash: $(hook_log c5 | grep -o 'ifname: `lo` is the container.s loopback' | head -n 1)"
else
	tap_fail "e: prestart's error names the clash with lo" "rc $(hook_rc c5 prestart)" \
		"$(hook_log c5)" "$(runc_log c5)"
fi
if out=$(orig_ok 0); then
	tap_ok "e: ${V}a0 is back in the host unchanged"
else
	tap_fail "e: ${V}a0 is back in the host unchanged" "$out" "$(veths)"
fi
# the prestart's own rollback must not touch the container's links: its
# netns-move was never done, and the `lo` in there is the container's
if [ ! -e "$(vp_sandbox_dir c5)" ] && ! vp_runc list -q 2>/dev/null | grep -qx c5 &&
	! hook_log c5 | grep -q 'could not be released'; then
	tap_ok "e: nothing left: no record, no container, the rollback released everything"
else
	tap_fail "e: nothing left: no record, no container, the rollback released everything" \
		"$(hook_log c5 | grep -E 'rollback|could not')" \
		"record: $(jq -c .resources "$(vp_sandbox_dir c5)/record.json" 2>&1)"
fi
repair 0 c5

# e2: the clash is with a link the container already has (a CNI veth
# named data0): the error says so, the VF's veth comes home, and the
# container's own data0 stays where it is, untouched.
XMAC=02:5e:00:00:00:99
bundle c8 "$REQ" pinned
vp_on_exit "ip link del ${V}y"
ip link add "${V}x" type veth peer name "${V}y" &&
	ip link set "${V}x" netns "${NS}c8" name data0 address "$XMAC" mtu 1500 &&
	ip -n "${NS}c8" link set data0 up
if runc_run_detached c8 "$T/b-c8"; then
	tap_fail "e2: ifname data0, taken in the (pinned) container netns: runc run fails" "it ran"
else
	tap_ok "e2: ifname data0, taken in the (pinned) container netns: runc run fails"
fi
if hook_log c8 | grep -q 'name exists in the container'; then
	tap_ok "e2: prestart's error: \"name exists in the container\""
else
	tap_fail "e2: prestart's error: \"name exists in the container\"" "$(hook_log c8)"
fi
if out=$(orig_ok 0 && link_is "$(ip -n "${NS}c8" -j link show dev data0 2>/dev/null | jq -c '.[0]')" \
	data0 "$XMAC" 1500 1) && ! ip -br link | grep -q '^vpr'; then
	tap_ok "e2: ${V}a0 back in the host unchanged; the container's own data0 untouched"
else
	tap_fail "e2: ${V}a0 back in the host unchanged; the container's own data0 untouched" \
		"$out" "$(veths)" "$(hook_log c8 | grep -E 'rollback|could not')"
fi
if [ ! -e "$(vp_sandbox_dir c8)" ]; then
	tap_ok "e2: no record left"
else
	tap_fail "e2: no record left" "record: $(jq -c .resources "$(vp_sandbox_dir c8)/record.json" 2>&1)"
fi
ip link del "${V}y" 2>/dev/null
del_vpr "$MAC0" "$XMAC"
repair 0 c8

# ---------------------------------- d. netns destroyed before poststop --
bundle c6 "$REQ"
if runc_run_detached c6 "$T/b-c6" && [ "$(record_vf c6)" = "$VF0" ]; then
	tap_ok "d: c6 (private netns) runs with $VF0 (${V}a0) as data0"
else
	tap_bail "d: c6 (private netns) runs with $VF0 (${V}a0) as data0" "$(runc_log c6)" "$(hook_log c6)"
fi
P6=$(cpid c6)
# Kill the container's only process: nothing holds its network namespace
# any more, the kernel destroys it, and with it the veth end inside; a veth
# takes its peer along, so the peer vanishing from the host tells that the
# namespace is gone.  A runtime reaps the process (containerd-shim is a
# subreaper); here whoever inherited it does, and the test waits for that
# before runc delete runs poststop.
vp_runc kill c6 KILL >/dev/null 2>&1
vp_wait_for 20 eval '[ "$(vp_runc state c6 2>/dev/null | jq -r .status)" = stopped ]'
reaped=reaped
vp_wait_for 10 test ! -e "/proc/$P6" || reaped="NOT reaped (a zombie)"
if vp_wait_for 20 eval '! host_has "${V}b0"'; then
	tap_ok "d: c6 killed (pid $P6 $reaped); its netns is gone and the veth with it (peer ${V}b0 vanished)"
else
	tap_fail "d: c6 killed; its netns is gone and the veth with it" "$(veths)"
fi
runc_delete c6 >"$T/delete-c6.log" 2>&1
if [ "$(hook_rc c6 poststop)" = 0 ]; then
	tap_ok "d: poststop after the netns died: exit 0"
else
	tap_fail "d: poststop after the netns died: exit 0" "rc $(hook_rc c6 poststop)" \
		"$(hook_log c6)"
fi
if hook_log c6 | grep -q "nothing left to restore"; then
	tap_ok "d: poststop logs: $(hook_log c6 | grep "nothing left to restore" | head -n 1 | sed 's/.*: warning: //' | cut -c1-150)"
else
	tap_fail "d: poststop logs that there is nothing left to restore" "$(hook_log c6)"
fi
if [ ! -e "$(vp_sandbox_dir c6)" ]; then
	tap_ok "d: c6's record (and with it the VF claim) is gone"
else
	tap_fail "d: c6's record (and with it the VF claim) is gone" \
		"$(jq -c .resources "$(vp_sandbox_dir c6)/record.json" 2>&1)"
fi
repair 0 c6
bundle c7 "$REQ"
if runc_run_detached c7 "$T/b-c7" && [ "$(record_vf c7)" = "$VF0" ]; then
	tap_ok "d: $VF0 is free again: c7 gets it (a recreated ${V}a0)"
else
	tap_fail "d: $VF0 is free again: c7 gets it (a recreated ${V}a0)" \
		"record VF: $(record_vf c7)" "$(runc_log c7)"
fi
vp_runc kill c7 KILL >/dev/null 2>&1
vp_wait_for 20 eval '[ "$(vp_runc state c7 2>/dev/null | jq -r .status)" = stopped ]'
runc_delete c7 >/dev/null 2>&1
rm -rf "$(vp_sandbox_dir c7)"
repair 0 c7

# d2: the hook run directly, as a runtime that reaps its container before
# poststop would: an `unshare --net` process is the container.
unshare --net sleep 120 &
PD=$!
vp_on_exit "kill -9 $PD"
vp_wait_for 5 eval '[ "$(readlink /proc/$PD/ns/net)" != "$(readlink /proc/self/ns/net)" ]'
state_json d2 --pid "$PD" --request "$REQ" >"$T/d2-state.json"
hook_run prestart <"$T/d2-state.json"
if [ "$HOOK_RC" = 0 ] && [ "$(record_vf d2)" = "$VF0" ] &&
	nsenter -t "$PD" -n ip link show data0 >/dev/null 2>&1; then
	tap_ok "d2: hook prestart on an unshare --net process: data0 ($VF0) inside"
else
	tap_fail "d2: hook prestart on an unshare --net process: data0 ($VF0) inside" \
		"rc $HOOK_RC" "$HOOK_ERR"
fi
kill -9 "$PD"
wait "$PD" 2>/dev/null
vp_wait_for 20 eval '! host_has "${V}b0"'
state_json d2 --status stopped --request "$REQ" >"$T/d2-state.json"
hook_run poststop <"$T/d2-state.json"
if [ "$HOOK_RC" = 0 ] && grep -q "nothing left to restore" <<<"$HOOK_ERR" &&
	[ ! -e "$(vp_sandbox_dir d2)" ]; then
	tap_ok "d2: process killed and reaped, netns gone: poststop exit 0, \"nothing left to restore\", record gone"
else
	tap_fail "d2: process killed and reaped, netns gone: poststop exit 0, \"nothing left to restore\", record gone" \
		"rc $HOOK_RC" "$HOOK_ERR" "record: $(jq -c .resources "$(vp_sandbox_dir d2)/record.json" 2>&1)"
fi
rm -rf "$(vp_sandbox_dir d2)"
repair 0 d2

# f: a restore that fails keeps the VF claimed.  The container (an
# `unshare --net` process, alive) holds VF0's veth as data0; meanwhile
# another link takes the original name ${V}a0 in the host.  poststop can
# not restore the name (netns.h: the link comes home as vpr<ifindex>, EEXIST,
# poststop fails); the VF must then stay claimed by the record, so the next
# prestart gets VF1, not VF0 and with it the stranger now called ${V}a0.
unshare --net sleep 120 &
PF1=$!
vp_on_exit "kill -9 $PF1"
unshare --net sleep 120 &
PF2=$!
vp_on_exit "kill -9 $PF2"
vp_wait_for 5 eval '[ "$(readlink /proc/$PF2/ns/net)" != "$(readlink /proc/self/ns/net)" ]'
hook_run prestart <<<"$(state_json f1 --pid "$PF1" --request "$REQ")"
vp_on_exit "ip link del ${V}z"
if [ "$HOOK_RC" = 0 ] && [ "$(record_vf f1)" = "$VF0" ] &&
	ip link add "${V}a0" type veth peer name "${V}z"; then
	tap_ok "f: f1 holds $VF0 as data0; another link now has the name ${V}a0 in the host"
else
	tap_fail "f: f1 holds $VF0 as data0; another link now has the name ${V}a0 in the host" \
		"rc $HOOK_RC" "$HOOK_ERR" "$(veths)"
fi
hook_run poststop <<<"$(state_json f1 --pid "$PF1" --status stopped --request "$REQ")"
F1_RC=$HOOK_RC F1_ERR=$HOOK_ERR
if [ "$F1_RC" != 0 ] && grep -q 'is taken in the host' <<<"$F1_ERR"; then
	tap_ok "f: poststop fails, saying the name is taken: $(grep -o 'name `[^;]*' <<<"$F1_ERR" | head -n 1 | cut -c1-120)"
else
	tap_fail "f: poststop fails, saying the name is taken" "rc $F1_RC" "$F1_ERR"
fi
if [ "$(record_vf f1)" = "$VF0" ]; then
	tap_ok "f: the record keeps the claim on $VF0 (its netdev is not restored)"
else
	tap_fail "f: the record keeps the claim on $VF0 (its netdev is not restored)" \
		"$(grep -E 'released|could not' <<<"$F1_ERR")" \
		"record: $(jq -c .resources "$(vp_sandbox_dir f1)/record.json" 2>&1)"
fi
hook_run prestart <<<"$(state_json f2 --pid "$PF2" --request "$REQ")"
if [ "$HOOK_RC" = 0 ] && [ "$(record_vf f2)" = "$VF1" ] && host_has "${V}z" &&
	[ "$(ip -d -j link show dev "${V}a0" 2>/dev/null | jq -r '.[0].link // empty')" = "${V}z" ]; then
	tap_ok "f: the next prestart (f2) gets $VF1; the stranger ${V}a0 stays in the host"
else
	tap_fail "f: the next prestart (f2) gets $VF1; the stranger ${V}a0 stays in the host" \
		"rc $HOOK_RC, f2's VF: $(record_vf f2)" "$HOOK_ERR" "$(veths)"
fi
hook_run poststop <<<"$(state_json f2 --pid "$PF2" --status stopped --request "$REQ")"
kill -9 "$PF1" "$PF2" 2>/dev/null
wait "$PF1" "$PF2" 2>/dev/null
ip link del "${V}z" 2>/dev/null
del_vpr "$MAC0" "$CMAC"
rm -rf "$(vp_sandbox_dir f1)" "$(vp_sandbox_dir f2)"
repair 0 f1 f2
repair 1 f1 f2

# ------------------------------------- g. the container renames its VF --
bundle c9 "$REQ" pinned
jq '.process.args = ["sh", "-c", "ip link set data0 down && ip link set data0 name evil0 && ip link add data0 type veth peer name data0p && echo done >/out/ready; exec sleep 120"]
	| .process.capabilities |= with_entries(.value += ["CAP_NET_ADMIN"])' \
	"$T/b-c9/config.json" >"$T/b-c9/config.json.new" &&
	mv "$T/b-c9/config.json.new" "$T/b-c9/config.json"
if runc_run_detached c9 "$T/b-c9" && [ "$(record_vf c9)" = "$VF0" ] &&
	vp_wait_for 10 test -s "$T/out-c9/ready" &&
	ip -n "${NS}c9" link show evil0 >/dev/null 2>&1 &&
	ip -n "${NS}c9" link show data0 >/dev/null 2>&1; then
	tap_ok "g: c9 (CAP_NET_ADMIN, pinned) got $VF0, renamed its data0 to evil0 and made a data0 of its own"
else
	tap_fail "g: c9 (CAP_NET_ADMIN, pinned) got $VF0, renamed its data0 to evil0 and made a data0 of its own" \
		"record VF: $(record_vf c9)" "$(runc_log c9)" "$(veths)"
fi
runc_delete c9 >"$T/delete-c9.log" 2>&1
if [ "$(hook_rc c9 poststop)" = 0 ] && out=$(orig_ok 0) && [ ! -e "$(vp_sandbox_dir c9)" ]; then
	tap_ok "g: poststop brings the renamed VF home as ${V}a0 (MAC, MTU, UP restored); record and claim gone"
else
	tap_fail "g: poststop brings the renamed VF home as ${V}a0; record and claim gone" \
		"rc $(hook_rc c9 poststop)" "${out:-}" "$(veths)" "$(hook_log c9 | tail -n 3)" \
		"record: $(jq -c .resources "$(vp_sandbox_dir c9)/record.json" 2>&1)"
fi
if ip -n "${NS}c9" link show data0 >/dev/null 2>&1 && ! ip -n "${NS}c9" link show evil0 >/dev/null 2>&1; then
	tap_ok "g: the container's own data0 stays in its namespace"
else
	tap_fail "g: the container's own data0 stays in its namespace" "$(veths)"
fi
ip netns del "${NS}c9" 2>/dev/null
repair 0 c9

# ------------------------------ h. the VF's netdev leaves the container --
unshare --net sleep 120 &
PH=$!
vp_on_exit "kill -9 $PH"
ip netns add "${NS}h2" && vp_on_exit "ip netns del ${NS}h2"
vp_wait_for 5 eval '[ "$(readlink /proc/$PH/ns/net)" != "$(readlink /proc/self/ns/net)" ]'
hook_run prestart <<<"$(state_json h1 --pid "$PH" --request "$REQ")"
if [ "$HOOK_RC" = 0 ] && [ "$(record_vf h1)" = "$VF0" ] &&
	nsenter -t "$PH" -n ip link set data0 netns "${NS}h2" &&
	ip -n "${NS}h2" link show data0 >/dev/null 2>&1; then
	tap_ok "h: h1 holds $VF0 as data0; the netdev then leaves for another namespace"
else
	tap_fail "h: h1 holds $VF0 as data0; the netdev then leaves for another namespace" \
		"rc $HOOK_RC" "$HOOK_ERR" "$(veths)"
fi
hook_run poststop <<<"$(state_json h1 --pid "$PH" --status stopped --request "$REQ")"
if [ "$HOOK_RC" != 0 ] && grep -q 'neither in the container.s namespace .* nor in the host' <<<"$HOOK_ERR" &&
	[ "$(record_vf h1)" = "$VF0" ]; then
	tap_ok "h: poststop fails ($(grep -o 'the link is neither[^;]*' <<<"$HOOK_ERR" | head -n 1)) and the record keeps the claim on $VF0"
else
	tap_fail "h: poststop fails, saying where the link is not, and the record keeps the claim on $VF0" \
		"rc $HOOK_RC" "$HOOK_ERR" "record: $(jq -c .resources "$(vp_sandbox_dir h1)/record.json" 2>&1)"
fi
hook_run prestart <<<"$(state_json h2 --pid "$PH" --request "$REQ")"
if [ "$HOOK_RC" = 0 ] && [ "$(record_vf h2)" = "$VF1" ]; then
	tap_ok "h: the next prestart (h2) gets $VF1, not the VF still out there"
else
	tap_fail "h: the next prestart (h2) gets $VF1, not the VF still out there" \
		"rc $HOOK_RC, h2's VF: $(record_vf h2)" "$HOOK_ERR"
fi
hook_run poststop <<<"$(state_json h2 --pid "$PH" --status stopped --request "$REQ")"
# the netdev back where the record expects it: poststop restores it
ip -n "${NS}h2" link set data0 netns "$PH"
hook_run poststop <<<"$(state_json h1 --pid "$PH" --status stopped --request "$REQ")"
if [ "$HOOK_RC" = 0 ] && out=$(orig_ok 0) && [ ! -e "$(vp_sandbox_dir h1)" ]; then
	tap_ok "h: once the netdev is back in the container, the next poststop restores it and drops the claim"
else
	tap_fail "h: once the netdev is back in the container, the next poststop restores it and drops the claim" \
		"rc $HOOK_RC" "$HOOK_ERR" "${out:-}" "$(veths)"
fi
kill -9 "$PH" 2>/dev/null
wait "$PH" 2>/dev/null
rm -rf "$(vp_sandbox_dir h1)" "$(vp_sandbox_dir h2)"
repair 0 h1 h2
repair 1 h1 h2

tap_diag "65-sriov-netns: $((SECONDS - T_START)) s"
tap_done
