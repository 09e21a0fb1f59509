#!/bin/bash
# 67-netns-hostile-paths.sh - namespace files a container controls can
# neither block vnfplug-hook nor be opened by it.
#
# prestart records the network namespace path of the bundle's config.json
# (linux.namespaces, type network), so that poststop and gc can still find
# a namespace that outlives the container's process.  That file is where
# the bundle says, and by poststop it may have become anything.  A FIFO
# there used to hang poststop and gc while they held run_dir/lock, so that
# every other sandbox failed with "busy"; a device there was opened as
# root.
#
# The hook runs directly here, as a runtime runs it (OCI state on stdin,
# a bundle with config.json), bounded by `timeout`.  The containers are
# `unshare --net sleep` processes; the VFs' netdevs are veth ends named in
# a fixture sysfs tree, as in 65-sriov-netns.sh.  A container's namespace
# is pinned twice: by a bind mount at the path its config.json names
# (recorded at prestart) and by /run/netns/<name> (`ip netns attach`, as
# podman, CRI-O and CNI do).  Then the container's process is killed and
# reaped, the bind mount removed, and something else put at the path.
#
#   a. a FIFO: poststop exits 0 within seconds and brings the veth home
#      (through /run/netns); while it runs, another sandbox's prestart
#      (lock_timeout_ms 3000) gets the lock.  A hook that opens the FIFO
#      hangs there with the lock held (killed by timeout after 20 s), and
#      the other prestart fails with "busy".
#   b. a FIFO, released by `gc --min-age 0` instead of poststop
#   c. a character device (/dev/null's numbers), d. a regular file, e. a
#      symlink to a FIFO: poststop exits 0 within seconds, brings the veth
#      home, and never opens the file (inotify sees no open; O_PATH does
#      not count as one)
#   f. config.json names another namespace (/run/netns/<other>): prestart
#      does not record it and says so; poststop still restores
#   g. config.json names a FIFO: prestart does not wait on it and does not
#      record it
. "$(dirname "$0")/lib/lib.sh"

vp_require_root
vp_require_cmd jq ip unshare mkfifo mknod python3 timeout
vp_require_hook

T=$VP_TMP
MKSYSFS=$VP_ROOT/tests/fixtures/mksysfs.sh
SYS=$T/sys
V=vph$$                  # veth names: ${V}a<n> ("the VF"), ${V}b<n> (peer)
NS=vphn$$                # /run/netns pins: ${NS}<part>
PF=0000:3b:00.0
MAC0=02:5e:00:00:02:a0
MAC1=02:5e:00:00:02:a1
REQ='[{"network":"fastnet","ifname":"data0"}]'
QUICK=5                  # seconds a poststop or gc may take here
T_START=$SECONDS

# ----------------------------------------------------------- helpers --

# mkveth N: the pair ${V}a<N>/${V}b<N>, a<N> up with MAC<N> and MTU 1500.
mkveth() {
	local mac=$MAC0
	[ "$1" = 1 ] && mac=$MAC1
	ip link add "${V}a$1" type veth peer name "${V}b$1" &&
		ip link set "${V}a$1" address "$mac" mtu 1500 up
}

# home N: ${V}a<N> is in the host as mkveth made it.
home() {
	local j mac=$MAC0
	[ "$1" = 1 ] && mac=$MAC1
	j=$(ip -j link show dev "${V}a$1" 2>/dev/null | jq -c '.[0]') || return 1
	[ "$(jq -r '.address' <<<"$j")" = "$mac" ] &&
		[ "$(jq -r '.mtu' <<<"$j")" = 1500 ] &&
		jq -e '.flags | index("UP")' >/dev/null <<<"$j"
}

# repair N SANDBOX...: the veth did not come home: recreate the pair and
# drop the records and their claims, so that the next part starts clean.
repair() {
	local n=$1 sb
	shift
	home "$n" && return 0
	tap_diag "repairing ${V}a$n (recreated) and records: $*"
	ip link del "${V}b$n" 2>/dev/null
	vp_wait_for 10 eval '! ip link show dev "${V}b$n" >/dev/null 2>&1'
	ip link del "${V}a$n" 2>/dev/null
	mkveth "$n"
	for sb in "$@"; do
		rm -rf "$(vp_sandbox_dir "$sb")"
		[ -f "$VP_RUN_DIR/claims" ] && sed -i "/ $sb\$/d" "$VP_RUN_DIR/claims"
	done
}

# container: an `unshare --net sleep` process in a namespace of its own;
# its pid in CPID.
container() {
	unshare --net sleep 300 &
	CPID=$!
	vp_on_exit "kill -9 $CPID 2>/dev/null"
	vp_wait_for 5 eval '[ "$(readlink /proc/$CPID/ns/net)" != "$(readlink /proc/self/ns/net)" ]'
}

# bundle DIR NSPATH: a bundle whose config.json joins the network
# namespace at NSPATH.
bundle() {
	mkdir -p "$1"
	jq -n --arg p "$2" '{ociVersion: "1.0.2", linux: {namespaces: [
		{type: "pid"}, {type: "network", path: $p}, {type: "mount"}]}}' \
		>"$1/config.json"
}

# ns_path ID: the namespace path the sandbox's record keeps ("" if none).
ns_path() {
	jq -r '[.resources[] | select(.kind == "netns-move") | .ns_path][0] // empty' \
		"$(vp_sandbox_dir "$1")/record.json" 2>/dev/null
}

# prepare ID PART: container, bind mount $T/pin-ID of its namespace named
# by its bundle, prestart (must record the path), /run/netns/${NS}PART
# pinned too, the container killed and reaped, the bind mount gone.
prepare() {
	local id=$1
	container
	: >"$T/pin-$id"
	mount --bind "/proc/$CPID/ns/net" "$T/pin-$id" || return 1
	bundle "$T/b-$id" "$T/pin-$id"
	state_json "$id" --pid "$CPID" --bundle "$T/b-$id" --request "$REQ" \
		>"$T/state-$id.json"
	hook_run prestart <"$T/state-$id.json" || {
		tap_diag "prestart $id: rc $HOOK_RC" "$HOOK_ERR"
		return 1
	}
	[ "$(ns_path "$id")" = "$T/pin-$id" ] || {
		tap_diag "record of $id: ns_path '$(ns_path "$id")'"
		return 1
	}
	ip netns attach "$NS$id" "$CPID" || return 1
	vp_on_exit "ip netns del $NS$id 2>/dev/null"
	kill -9 "$CPID"
	wait "$CPID" 2>/dev/null
	umount "$T/pin-$id" && rm -f "$T/pin-$id"
}

# watched FILE CMD...: run CMD; then write to $T/watch.out whether FILE
# (inotify follows a symlink) was opened meanwhile.  Returns CMD's status.
cat >"$T/watch.py" <<'EOF'
import ctypes, os, struct, subprocess, sys
libc = ctypes.CDLL(None, use_errno=True)
IN_ACCESS, IN_OPEN = 0x1, 0x20
fd = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
if fd < 0 or libc.inotify_add_watch(fd, sys.argv[1].encode(),
                                    IN_ACCESS | IN_OPEN) < 0:
    sys.exit(125)
rc = subprocess.call(sys.argv[3:])
opened = False
try:
    data = os.read(fd, 65536)
except BlockingIOError:
    data = b""
off = 0
while off + 16 <= len(data):
    _, mask, _, n = struct.unpack_from("iIII", data, off)
    opened = opened or (mask & (IN_ACCESS | IN_OPEN)) != 0
    off += 16 + n
with open(sys.argv[2], "w") as out:
    out.write("opened\n" if opened else "not opened\n")
sys.exit(rc)
EOF
watched() {
	local f=$1
	shift
	python3 "$T/watch.py" "$f" "$T/watch.out" "$@"
}

# timed ID [--watch FILE] ARG...: the hook with ARG... (timeout 20), its
# stdin ID's state at poststop; sets RC, SECS (elapsed) and ERR (stderr).
timed() {
	local id=$1 t0 watch=
	shift
	if [ "$1" = --watch ]; then
		watch=$2
		shift 2
	fi
	state_json "$id" --status stopped --bundle "$T/b-$id" --request "$REQ" \
		>"$T/state-$id-stop.json"
	t0=$(date +%s%N)
	if [ -n "$watch" ]; then
		watched "$watch" timeout 20 "$VP_HOOK" --config "$VP_CFG" "$@" \
			<"$T/state-$id-stop.json" >"$T/out-$id" 2>"$T/err-$id"
	else
		timeout 20 "$VP_HOOK" --config "$VP_CFG" "$@" \
			<"$T/state-$id-stop.json" >"$T/out-$id" 2>"$T/err-$id"
	fi
	RC=$?
	SECS=$((($(date +%s%N) - t0) / 1000000000))
	ERR=$(cat "$T/err-$id")
}

# --------------------------------------------------------------- setup --
for n in 0 1; do
	vp_on_exit "ip link del ${V}b$n 2>/dev/null; ip link del ${V}a$n 2>/dev/null"
done
mkveth 0 && mkveth 1 || tap_bail "veth pairs ${V}a0/${V}b0, ${V}a1/${V}b1"
"$MKSYSFS" "$SYS" pf - "$PF" --layout ixgbe --vfs 2 \
	--vf-netdev "0=${V}a0" --vf-netdev "1=${V}a1" >/dev/null ||
	tap_bail "fixture PF $PF with 2 VFs whose netdevs are the veths"
NET=$(jq -cn --arg pf "$PF" '{type: "sriov", pfs: [$pf], mode: "netns",
	pf_netlink: false}')
vp_config_write "$T/vnfplug.json" -networks.chain -ovs_vsctl \
	"sysfs_root=$SYS" "networks.fastnet=$NET" lock_timeout_ms=3000 ||
	tap_bail "hook config written"
mkdir -p /run/netns
tap_ok "veths ${V}a0/${V}a1 as the netdevs of 2 fixture VFs; lock_timeout_ms 3000"

# ------------------------------------------------ a. FIFO at poststop --
if prepare a; then
	tap_ok "a: prestart recorded ns_path $T/pin-a (the container's namespace); container killed, namespace pinned in /run/netns"
else
	tap_bail "a: prestart records the container's namespace path"
fi
mkfifo "$T/pin-a"
(
	timed a poststop
	echo "$RC $SECS" >"$T/a.rc"
	printf '%s\n' "$ERR" >"$T/a.err"
) &
APID=$!
sleep 1
container
state_json a2 --pid "$CPID" --request "$REQ" >"$T/state-a2.json"
hook_run prestart <"$T/state-a2.json"
A2_RC=$HOOK_RC A2_ERR=$HOOK_ERR
wait "$APID"
read -r RC SECS <"$T/a.rc"
if [ "$RC" = 0 ] && [ "$SECS" -le "$QUICK" ]; then
	tap_ok "a: poststop with a FIFO at the recorded path exits 0 in ${SECS} s"
else
	tap_fail "a: poststop with a FIFO at the recorded path exits 0 within $QUICK s" \
		"rc $RC (124: killed by timeout) after $SECS s" "$(cat "$T/a.err")"
fi
if [ "$A2_RC" = 0 ]; then
	tap_ok "a: meanwhile another sandbox's prestart got the lock and its VF"
else
	tap_fail "a: meanwhile another sandbox's prestart got the lock and its VF" \
		"rc $A2_RC" "$A2_ERR"
fi
# the other sandbox may have got ${V}a0 once it was home: check after its
# poststop
state_json a2 --status stopped --request "$REQ" >"$T/state-a2.json"
hook_run poststop <"$T/state-a2.json"
kill -9 "$CPID" 2>/dev/null
wait "$CPID" 2>/dev/null
if home 0 && [ ! -e "$(vp_sandbox_dir a)" ]; then
	tap_ok "a: ${V}a0 is home (found through /run/netns), the record gone"
else
	tap_fail "a: ${V}a0 is home (found through /run/netns), the record gone" \
		"$(ip -br link | grep "$V")" "$(cat "$T/a.err")"
fi
ip netns del "${NS}a" 2>/dev/null
repair 0 a
repair 1 a2

# ------------------------------------------------------ b. FIFO at gc --
if prepare b; then
	mkfifo "$T/pin-b"
	timed b gc --min-age 0
	if [ "$RC" = 0 ] && [ "$SECS" -le "$QUICK" ]; then
		tap_ok "b: gc --min-age 0 with a FIFO at the recorded path exits 0 in ${SECS} s"
	else
		tap_fail "b: gc --min-age 0 with a FIFO at the recorded path exits 0 within $QUICK s" \
			"rc $RC (124: killed by timeout) after $SECS s" "$ERR"
	fi
	if home 0 && [ ! -e "$(vp_sandbox_dir b)" ]; then
		tap_ok "b: gc brought ${V}a0 home and removed the record"
	else
		tap_fail "b: gc brought ${V}a0 home and removed the record" \
			"$(ip -br link | grep "$V")" "$ERR"
	fi
else
	tap_fail "b: prestart records the container's namespace path"
fi
ip netns del "${NS}b" 2>/dev/null
repair 0 b

# ------------------------- c, d, e. a device, a file, a symlink at poststop --
# what FILE: put a WHAT at FILE; the file to watch in WATCH.
put() {
	case $1 in
	chr) mknod "$2" c 1 3; WATCH=$2 ;;
	reg) echo '{}' >"$2"; WATCH=$2 ;;
	lnk) mkfifo "$2.fifo"; ln -s "$(basename "$2").fifo" "$2"; WATCH=$2.fifo ;;
	esac
}
for part in c:chr:"a character device (/dev/null's numbers)" \
	d:reg:"a regular file" e:lnk:"a symlink to a FIFO"; do
	id=${part%%:*} rest=${part#*:}
	kind=${rest%%:*} what=${rest#*:}
	if ! prepare "$id"; then
		tap_fail "$id: prestart records the container's namespace path"
		repair 0 "$id"
		continue
	fi
	put "$kind" "$T/pin-$id"
	timed "$id" --watch "$WATCH" poststop
	opened=$(cat "$T/watch.out" 2>/dev/null)
	if [ "$RC" = 0 ] && [ "$SECS" -le "$QUICK" ] && home 0 &&
		[ ! -e "$(vp_sandbox_dir "$id")" ] && [ "$opened" = "not opened" ]; then
		tap_ok "$id: $what at the recorded path: poststop exits 0 in ${SECS} s, ${V}a0 home, the file never opened"
	else
		tap_fail "$id: $what at the recorded path: poststop exits 0, ${V}a0 home, the file never opened" \
			"rc $RC after $SECS s; the file was: $opened" "$ERR" \
			"$(ip -br link | grep "$V")"
	fi
	ip netns del "$NS$id" 2>/dev/null
	repair 0 "$id"
done

# ------------------------------- f. config.json names another namespace --
ip netns add "${NS}other" || tap_bail "namespace ${NS}other"
vp_on_exit "ip netns del ${NS}other 2>/dev/null"
container
bundle "$T/b-f" "/run/netns/${NS}other"
state_json f --pid "$CPID" --bundle "$T/b-f" --request "$REQ" >"$T/state-f.json"
hook_run prestart <"$T/state-f.json"
if [ "$HOOK_RC" = 0 ] && [ -e "$(vp_sandbox_dir f)" ] && [ -z "$(ns_path f)" ] &&
	grep -q 'namespace path in config.json is not recorded: .*another network namespace' <<<"$HOOK_ERR"; then
	tap_ok "f: config.json names another namespace: not recorded ($(grep -o 'not recorded: .*' <<<"$HOOK_ERR" | cut -c1-110))"
else
	tap_fail "f: config.json names another namespace: not recorded, and the hook says so" \
		"rc $HOOK_RC; ns_path '$(ns_path f)'" "$HOOK_ERR"
fi
timed f poststop
if [ "$RC" = 0 ] && home 0 && [ ! -e "$(vp_sandbox_dir f)" ]; then
	tap_ok "f: poststop brings ${V}a0 home from the container"
else
	tap_fail "f: poststop brings ${V}a0 home from the container" "rc $RC" "$ERR"
fi
kill -9 "$CPID" 2>/dev/null
wait "$CPID" 2>/dev/null
repair 0 f

# ----------------------------------------- g. config.json names a FIFO --
container
mkfifo "$T/pin-g"
bundle "$T/b-g" "$T/pin-g"
state_json g --pid "$CPID" --bundle "$T/b-g" --request "$REQ" >"$T/state-g.json"
t0=$SECONDS
hook_run prestart <"$T/state-g.json"
if [ "$HOOK_RC" = 0 ] && [ $((SECONDS - t0)) -le "$QUICK" ] &&
	[ -e "$(vp_sandbox_dir g)" ] && [ -z "$(ns_path g)" ] &&
	grep -q 'is a FIFO, not a namespace' <<<"$HOOK_ERR"; then
	tap_ok "g: config.json names a FIFO: prestart exits 0 at once and does not record it"
else
	tap_fail "g: config.json names a FIFO: prestart exits 0 at once and does not record it" \
		"rc $HOOK_RC after $((SECONDS - t0)) s; ns_path '$(ns_path g)'" "$HOOK_ERR"
fi
timed g poststop
kill -9 "$CPID" 2>/dev/null
wait "$CPID" 2>/dev/null
repair 0 g

tap_diag "67-netns-hostile-paths: $((SECONDS - T_START)) s"
tap_done
