#!/bin/bash
# 52-hostile-catalogue.sh - the hostile-input catalogue: more than 40
# automated cases on top of 50-hostile.sh, same style.  A real private
# OVS-DPDK runs, so a hook that accepted what it should refuse WOULD leave
# a port.  Each refusal asserts (a) non-zero exit, (b) the expected error
# text and exactly one "vnfplug-hook[...]: error:" line, (c) no port on
# the bridge, (d) no record / sandbox dir.  Cases the hook must ignore
# assert exit 0, no error line and (c) (d); cases it must accept assert
# exit 0, that devices.json holds only well-formed QEMU options with the
# hostile value nowhere in them, and that poststop leaves nothing.
#
#   QEMU option injection: ',' '=' "help" and a leading '-' in ifname, mac,
#       network name, sandbox id (state id, io.kubernetes.cri.sandbox-id,
#       io.kubernetes.cri-o.SandboxID)
#   path traversal and squatting: "../", ".", "..", "/" in sandbox ids;
#       socket_dir (or a parent) a symlink owned by a non-root user; a root
#       symlink (accepted); socket_dir a regular file; ".." in socket_dir;
#       a file or symlink squatting the socket path is never deleted or
#       followed by poststop
#   sun_path: socket_dir of 86 bytes accepted, 87 refused ("at most 86").
#       The hook's own socket names are 18 or 19 bytes
#       ("vp<10 hex>n<i>.sock") but the config reserves 21 (a 15-byte OVS
#       port name), so the socket path's own 107/108-byte check
#       (qemu_args.c) is unreachable through socket_dir; it is unit-tested
#       in test_qemu_args.
#   oversize: request of 64 KiB accepted, 64 KiB + 1 refused; 17 entries;
#       nesting deeper than 32
#   duplicate keys in the state, in its annotations, in a request entry;
#   NUL (\u0000) in a state string, annotation key, request string; raw
#       invalid UTF-8 (0xff, overlong 0xc0 0xaf); a lone surrogate escape
#   wrong types for every request field; a non-object entry; a request
#       that is a JSON string / object
#   annotation keys: near misses (io.vnfplug.network, a trailing space,
#       upper case) are ignored (exit 0, nothing created); a near-miss key
#       INSIDE the request ("netwrok") and "pf" / "bridge" / "socket_dir"
#       keys are errors; a network, PF or bridge name the config does not
#       define is "unknown network"
#   hostile environment: LD_PRELOAD and PATH in the hook's environment
#       never reach its children (a fake ovs-vsctl dumps its environment;
#       an LD_PRELOAD library compiled here logs every process it is loaded
#       into: the hook itself, which the dynamic loader runs before main()
#       and which only the runtime controls, but never ovs-vsctl); cwd in a
#       container rootfs holding a decoy `ovs-vsctl`, `config.json` and
#       `vnfplug.json`: never used
. "$(dirname "$0")/lib/lib.sh"

vp_require_root
vp_require_cmd jq gcc ovs-vsctl ovsdb-server ovsdb-tool
[ -x "$VP_OVS_VSWITCHD" ] || tap_skip_all "$VP_OVS_VSWITCHD not installed"
vp_require_hook

T=$VP_TMP
BR=$VP_BRIDGE
T_START=$SECONDS

ovs_up "$BR" "private OVS-DPDK up, bridge $BR"
# an sriov network too, so the VF fields have a network that knows them
# (no VF is ever reached: every such case is refused before allocation)
vp_config_write "$T/vnfplug.json" "networks.fastvf={\"type\":\"sriov\",\"pfs\":[\"0000:3b:00.0\"],\"mode\":\"vfio\",\"allow\":[\"mac\",\"vlan\",\"qos\",\"spoofchk\",\"trust\",\"min_tx_rate\",\"max_tx_rate\",\"link_state\",\"mtu\"]}" ||
	tap_bail "hook config written"
CFG_OK=$VP_CFG
RUN_OK=$VP_RUN_DIR
SOCK_OK=$VP_SOCKET_DIR

# ----------------------------------------------------------- harness --

clean_slate() {
	ovs_ports "$BR" | while read -r p; do ovs_vsctl --if-exists del-port "$BR" "$p"; done
	rm -rf "${VP_RUN_DIR:?}/sandboxes"
}

# left_why: (c) and (d)
left_why() {
	local n sb
	n=$(ovs_port_count "$BR")
	[ "$n" -eq 0 ] || echo "(c) $n port(s) left on $BR: $(ovs_ports "$BR" | tr '\n' ' ')"
	sb=$(vp_sandbox_count)
	[ "$sb" -eq 0 ] || echo "(d) sandbox dir(s) left: $(ls "$VP_RUN_DIR/sandboxes" | tr '\n' ' ')"
}

# hostile DESC REGEX STATEFILE [CONFIG [STAGE]]: must be refused.
NCASES=0
hostile() {
	local desc=$1 re=$2 state=$3 cfg=${4:-$CFG_OK} stage=${5:-prestart} why=() l
	NCASES=$((NCASES + 1))
	hook_run --config "$cfg" "$stage" <"$state"
	[ "$HOOK_RC" -ne 0 ] || why+=("(a) exit status 0, want non-zero")
	[ "$HOOK_RC" -lt 126 ] || why+=("(a) exit status $HOOK_RC: crashed or timed out")
	printf '%s\n' "$HOOK_ERR" | grep -Eiq -- "$re" ||
		why+=("(b) stderr does not match /$re/")
	[ "$(printf '%s\n' "$HOOK_ERR" | grep -Ec '^vnfplug-hook(\[[^]]*\])?: error: ')" -eq 1 ] ||
		why+=("(b) not exactly one 'vnfplug-hook[<sandbox>]: error: <reason>' line")
	[ "${VP_VERBOSE:-0}" = 1 ] && tap_diag "$desc: $HOOK_ERR"
	while IFS= read -r l; do [ -n "$l" ] && why+=("$l"); done < <(left_why)
	if [ ${#why[@]} -eq 0 ]; then
		tap_ok "refused: $desc"
	else
		tap_fail "refused: $desc" "${why[@]}" "exit $HOOK_RC; stderr:" "$HOOK_ERR"
		clean_slate
	fi
}

# ignored DESC STATEFILE: exit 0, no error, nothing created.
ignored() {
	local desc=$1 state=$2 why=() l
	NCASES=$((NCASES + 1))
	hook_run prestart <"$state"
	[ "$HOOK_RC" -eq 0 ] || why+=("exit status $HOOK_RC, want 0")
	! printf '%s\n' "$HOOK_ERR" | grep -q ': error: ' || why+=("an error was logged")
	while IFS= read -r l; do [ -n "$l" ] && why+=("$l"); done < <(left_why)
	if [ ${#why[@]} -eq 0 ]; then
		tap_ok "ignored: $desc"
	else
		tap_fail "ignored: $desc" "${why[@]}" "stderr:" "$HOOK_ERR"
		clean_slate
	fi
}

# args_why SANDBOX [HOSTILE]: devices.json holds only "-chardev/-netdev/
# -device VALUE" pairs whose values are option lists (first item a word or
# key=value, then key=value items; ",," is an escaped comma) and HOSTILE
# appears in no value.
args_why() {
	local f ok
	f=$(vp_sandbox_dir "$1")/devices.json
	[ -r "$f" ] || { echo "no devices.json"; return; }
	ok=$(jq -r --arg h "${2:-}" '
		.args as $a
		| [range(0; $a | length; 2) as $i
		   | ($a[$i] | IN("-chardev", "-netdev", "-device"))
		     and ($a[$i + 1] | gsub(",,"; "") | test("^[a-z][a-z-]*(=[^,=]+)?(,[a-z_][a-z_-]*=[^,=]+)*$"))
		     and (($h == "") or ($a[$i + 1] | contains($h) | not))]
		| (($a | length) % 2 == 0) and all' "$f" 2>&1)
	[ "$ok" = true ] || echo "devices.json args not well-formed or carry '${2:-}': $(jq -c .args "$f")"
}

# accepted DESC STATEFILE SANDBOX [HOSTILE] [PORTS]: exit 0, PORTS (1)
# ports, safe arguments; then poststop leaves nothing.
accepted() {
	local desc=$1 state=$2 sb=$3 hostile=${4:-} want=${5:-1} why=() l n
	NCASES=$((NCASES + 1))
	hook_run prestart <"$state"
	[ "$HOOK_RC" -eq 0 ] || why+=("prestart exit $HOOK_RC: $HOOK_ERR")
	n=$(ovs_port_count "$BR")
	[ "$n" -eq "$want" ] || why+=("$n port(s), want $want")
	[ "$HOOK_RC" -ne 0 ] || while IFS= read -r l; do [ -n "$l" ] && why+=("$l"); done < <(args_why "$sb" "$hostile")
	jq --arg sb "$sb" '.annotations = (.annotations // {}) | .status = "stopped" | del(.pid)' \
		"$state" >"$state.stop"
	hook_run poststop <"$state.stop"
	[ "$HOOK_RC" -eq 0 ] || why+=("poststop exit $HOOK_RC: $HOOK_ERR")
	while IFS= read -r l; do [ -n "$l" ] && why+=("$l"); done < <(left_why)
	if [ ${#why[@]} -eq 0 ]; then
		tap_ok "accepted safely: $desc"
	else
		tap_fail "accepted safely: $desc" "${why[@]}"
		clean_slate
	fi
}

CASE=0
# req DESC REGEX REQUEST: a well-formed state carrying REQUEST, refused.
req() {
	CASE=$((CASE + 1))
	state_json "h$CASE" --request "$3" >"$T/c$CASE.json"
	hostile "$1" "$2" "$T/c$CASE.json"
}
# raw FILE TEXT: write TEXT (printf %b: \xNN escapes) as a state file.
raw() {
	printf '%b' "$2" >"$1"
}
# cfgw FILE [PATH=VALUE...]: another config; VP_CFG stays the good one
cfgw() {
	vp_config_write "$@" 2>/dev/null
	VP_CFG=$CFG_OK
	VP_SOCKET_DIR=$SOCK_OK
}
GOOD='[{"network":"chain"}]'
GOODJ='[{\"network\":\"chain\"}]' # the same, escaped inside a JSON string

# control
state_json ctl --request "$GOOD" >"$T/ctl.json"
accepted "control: a good request" "$T/ctl.json" ctl

# ------------------------------------------------ QEMU option injection --
req "ifname with ',' and '=' (net,id=x)" 'networks\[0\]\.ifname.*not a valid interface name' \
	'[{"network":"chain","ifname":"n,id=x"}]'
req "ifname '=' alone" 'networks\[0\]\.ifname.*not a valid interface name' \
	'[{"network":"chain","ifname":"="}]'
req "mac with a ',' suffix (02:00:00:00:00:01,bus=x)" 'networks\[0\]\.mac.*not a valid MAC' \
	'[{"network":"chain","mac":"02:00:00:00:00:01,bus=x"}]'
req "mac 'help'" 'networks\[0\]\.mac.*not a valid MAC' \
	'[{"network":"chain","mac":"help"}]'
req "mac with a leading '-' (-02:00:00:00:00:01)" 'networks\[0\]\.mac.*not a valid MAC' \
	'[{"network":"chain","mac":"-02:00:00:00:00:01"}]'
req "network name with ',' (chain,id=x)" 'networks\[0\]\.network.*not a valid network name' \
	'[{"network":"chain,id=x"}]'
req "network name '='" 'networks\[0\]\.network.*not a valid network name' \
	'[{"network":"="}]'
req "network name 'help' (not configured)" 'networks\[0\]\.network: unknown network `help`' \
	'[{"network":"help"}]'
req "network name with a leading '-' (-device)" 'networks\[0\]\.network: unknown network `-device`' \
	'[{"network":"-device"}]'

CASE=$((CASE + 1))
state_json 'a,b' --request "$GOOD" >"$T/c$CASE.json"
hostile "container id with ',' (a,b)" 'container id: `a,b` is not a valid sandbox id' "$T/c$CASE.json"
CASE=$((CASE + 1))
state_json ok1 --request "$GOOD" --annotation io.kubernetes.cri.sandbox-id 'sb,id=evil' >"$T/c$CASE.json"
hostile "sandbox id annotation with ',' and '='" \
	'io\.kubernetes\.cri\.sandbox-id: `sb,id=evil` is not a valid sandbox id' "$T/c$CASE.json"
CASE=$((CASE + 1))
state_json ok2 --request "$GOOD" --annotation io.kubernetes.cri-o.SandboxID '-name' >"$T/c$CASE.json"
hostile "CRI-O sandbox id with a leading '-' (-name)" \
	'io\.kubernetes\.cri-o\.SandboxID: `-name` is not a valid sandbox id' "$T/c$CASE.json"
CASE=$((CASE + 1))
state_json ok3 --request "$GOOD" --annotation io.kubernetes.cri.sandbox-id '=' >"$T/c$CASE.json"
hostile "sandbox id '='" 'sandbox-id: `=` is not a valid sandbox id' "$T/c$CASE.json"
# "help" and a '-' inside are valid names; they must never reach QEMU raw
CASE=$((CASE + 1))
state_json ok4 --request "$GOOD" --annotation io.kubernetes.cri.sandbox-id help >"$T/c$CASE.json"
accepted "sandbox id 'help': no QEMU option carries it" "$T/c$CASE.json" help help
CASE=$((CASE + 1))
state_json ok5 --request '[{"network":"chain","ifname":"x-device"}]' >"$T/c$CASE.json"
accepted "ifname 'x-device' (only ever a netlink name): no QEMU option carries it" \
	"$T/c$CASE.json" ok5 x-device
# a leading '-' would read as an option to the tools that get the name
req "ifname '-device'" 'networks\[0\]\.ifname: `-device` starts with `-`' \
	'[{"network":"chain","ifname":"-device"}]'

# ---------------------------------------------- traversal and squatting --
for bad in ../../x . .. a/b; do
	CASE=$((CASE + 1))
	state_json ok6 --request "$GOOD" --annotation io.kubernetes.cri.sandbox-id "$bad" >"$T/c$CASE.json"
	hostile "sandbox id '$bad'" "sandbox-id: \`${bad//./\\.}\` is not a valid sandbox id" "$T/c$CASE.json"
done
[ ! -e "$RUN_OK/x" ] && [ ! -e "$(dirname "$RUN_OK")/x" ]
tap_result "sandbox id ../../x created nothing outside sandboxes/" $? "$(ls -la "$RUN_OK" "$(dirname "$RUN_OK")")"

# socket_dir a symlink owned by a non-root user (squatted in a shared dir)
mkdir -p "$T/shared/real"
ln -s "$T/shared/real" "$T/shared/sock"
chown -h nobody "$T/shared/sock"
cfgw "$T/symlink.json" "net.socket_dir=$T/shared/sock"
CASE=$((CASE + 1))
state_json h$CASE --request "$GOOD" >"$T/c$CASE.json"
hostile "socket_dir a symlink owned by nobody" "\`$T/shared/sock\` is a symlink not owned by root" \
	"$T/c$CASE.json" "$T/symlink.json"
# ... or one of its parents
mkdir -p "$T/shared2/real/sub"
ln -s "$T/shared2/real" "$T/shared2/lnk"
chown -h nobody "$T/shared2/lnk"
cfgw "$T/symlink2.json" "net.socket_dir=$T/shared2/lnk/sub"
CASE=$((CASE + 1))
state_json h$CASE --request "$GOOD" >"$T/c$CASE.json"
hostile "socket_dir under a parent symlink owned by nobody" "\`$T/shared2/lnk\` is a symlink not owned by root" \
	"$T/c$CASE.json" "$T/symlink2.json"
# socket_dir is a regular file
: >"$T/notadir"
cfgw "$T/file.json" "net.socket_dir=$T/notadir"
CASE=$((CASE + 1))
state_json h$CASE --request "$GOOD" >"$T/c$CASE.json"
hostile "socket_dir a regular file" "\`$T/notadir\` is not a directory" "$T/c$CASE.json" "$T/file.json"
# ".." in socket_dir (the admin's config, refused at load)
jq --arg d "$SOCK_OK/../etc" '.networks.chain.socket_dir = $d' "$CFG_OK" >"$T/dotdot.json"
CASE=$((CASE + 1))
state_json h$CASE --request "$GOOD" >"$T/c$CASE.json"
hostile "socket_dir with a '..' component" 'networks\.chain\.socket_dir: .*without \. or \.\. components' \
	"$T/c$CASE.json" "$T/dotdot.json"
# a root-owned symlink (/var/run -> /run) is followed
mkdir -p "$T/rootlnk-real"
ln -s "$T/rootlnk-real" "$T/rootlnk"
cfgw "$T/rootlnk.json" "net.socket_dir=$T/rootlnk"
CASE=$((CASE + 1))
state_json rl --request "$GOOD" >"$T/c$CASE.json"
VP_CFG=$T/rootlnk.json
accepted "socket_dir a root-owned symlink" "$T/c$CASE.json" rl
VP_CFG=$CFG_OK
VP_RUN_DIR=$RUN_OK

# a regular file and a symlink squatting the socket paths: QEMU would fail
# to bind there; poststop removes only sockets and follows nothing
state_json sq --request '[{"network":"chain"},{"network":"chain"}]' >"$T/sq.json"
hook_run prestart <"$T/sq.json"
s0=$(jq -r '.resources[] | select(.kind == "ovs-port" and .index == 0) | .socket' "$(vp_sandbox_dir sq)/record.json")
s1=$(jq -r '.resources[] | select(.kind == "ovs-port" and .index == 1) | .socket' "$(vp_sandbox_dir sq)/record.json")
echo precious >"$T/precious"
echo squat >"$s0"
ln -sf "$T/precious" "$s1"
state_json sq --status stopped --request '[{"network":"chain"},{"network":"chain"}]' >"$T/sq.stop.json"
hook_run poststop <"$T/sq.stop.json"
NCASES=$((NCASES + 1))
why=()
[ "$HOOK_RC" -eq 0 ] || why+=("poststop exit $HOOK_RC: $HOOK_ERR")
[ "$(cat "$s0" 2>/dev/null)" = squat ] || why+=("the regular file at $s0 was removed or changed")
[ -L "$s1" ] || why+=("the symlink at $s1 was removed")
[ "$(cat "$T/precious")" = precious ] || why+=("the symlink's target was touched")
while IFS= read -r l; do [ -n "$l" ] && why+=("$l"); done < <(left_why)
tap_result "squatted socket paths (a file, a symlink): poststop removes the ports and record, deletes and follows neither" \
	"${#why[@]}" "${why[@]}"
rm -f "$s0" "$s1"

# ----------------------------------------------------------- sun_path --
sd86=$T/$(printf 'd%.0s' $(seq 1 $((86 - ${#T} - 1))))
sd87=${sd86}e
mkdir -p "$sd86" "$sd87"
cfgw "$T/sd86.json" "net.socket_dir=$sd86"
CASE=$((CASE + 1))
state_json s86 --request "$GOOD" >"$T/c$CASE.json"
VP_CFG=$T/sd86.json
accepted "socket_dir of ${#sd86} bytes (the most the config allows)" "$T/c$CASE.json" s86
VP_CFG=$CFG_OK
cfgw "$T/sd87.json" "net.socket_dir=$sd87"
VP_CFG=$CFG_OK
CASE=$((CASE + 1))
state_json h$CASE --request "$GOOD" >"$T/c$CASE.json"
hostile "socket_dir of ${#sd87} bytes" 'socket_dir: too long \(87 bytes, at most 86\).*107' \
	"$T/c$CASE.json" "$T/sd87.json"

# ----------------------------------------------------------- oversize --
# the request padded with spaces to exactly 64 KiB, then one byte more
pad=$((65536 - ${#GOOD}))
big=$GOOD$(printf '%*s' "$pad" '')
CASE=$((CASE + 1))
state_json b64k --request "$big" >"$T/c$CASE.json"
accepted "request of exactly 65536 bytes" "$T/c$CASE.json" b64k
req "request of 65537 bytes" 'io\.vnfplug\.networks: longer than 65536 bytes' "$big "
many=$(jq -cn '[range(17) | {network: "chain"}]')
req "17 entries" 'io\.vnfplug\.networks: at most 16 entries, got 17' "$many"
deep=$(printf '[%.0s' $(seq 1 40))$(printf ']%.0s' $(seq 1 40))
req "nesting 40 deep" 'io\.vnfplug\.networks: invalid JSON: nesting deeper than 32 levels' "$deep"

# ----------------------------------------------------- duplicate keys --
CASE=$((CASE + 1))
raw "$T/c$CASE.json" '{"ociVersion":"1.0.2","id":"d1","id":"d2","status":"creating","pid":1,"bundle":"/x","annotations":{"io.vnfplug.networks":"'"$GOODJ"'"}}'
hostile "duplicate key in the state (id)" 'duplicate key `id`' "$T/c$CASE.json"
CASE=$((CASE + 1))
raw "$T/c$CASE.json" '{"ociVersion":"1.0.2","id":"d3","status":"creating","pid":1,"bundle":"/x","annotations":{"io.vnfplug.networks":"'"$GOODJ"'","io.vnfplug.networks":"[{\\"network\\":\\"evil\\"}]"}}'
hostile "duplicate annotation key io.vnfplug.networks" 'duplicate key `io\.vnfplug\.networks`' "$T/c$CASE.json"
req "duplicate key in a request entry (network twice)" 'duplicate key `network`' \
	'[{"network":"chain","network":"evil"}]'

# --------------------------------------------------- NUL, bad UTF-8 --
CASE=$((CASE + 1))
raw "$T/c$CASE.json" '{"ociVersion":"1.0.2","id":"n\\u0000x","status":"creating","pid":1,"bundle":"/x","annotations":{"io.vnfplug.networks":"'"$GOODJ"'"}}'
hostile "NUL in the state's id" 'string contains NUL' "$T/c$CASE.json"
CASE=$((CASE + 1))
raw "$T/c$CASE.json" '{"ociVersion":"1.0.2","id":"n2","status":"creating","pid":1,"bundle":"/x","annotations":{"io.vnfplug.networks\\u0000x":"'"$GOODJ"'"}}'
hostile "NUL in an annotation key" 'string contains NUL' "$T/c$CASE.json"
req "NUL in a request string (network chain\\u0000x)" 'io\.vnfplug\.networks: invalid JSON: string contains NUL' \
	'[{"network":"chain\u0000x"}]'
CASE=$((CASE + 1))
raw "$T/c$CASE.json" '{"ociVersion":"1.0.2","id":"u\xff","status":"creating","pid":1,"bundle":"/x","annotations":{"io.vnfplug.networks":"'"$GOODJ"'"}}'
hostile "byte 0xff in the state's id" 'UTF-8|utf8' "$T/c$CASE.json"
CASE=$((CASE + 1))
raw "$T/c$CASE.json" '{"ociVersion":"1.0.2","id":"u2","status":"creating","pid":1,"bundle":"/x","annotations":{"io.vnfplug.networks":"[{\\"network\\":\\"ch\xc0\xafain\\"}]"}}'
hostile "overlong UTF-8 (0xc0 0xaf) inside the request" 'UTF-8|utf8' "$T/c$CASE.json"
req "lone surrogate escape in the request (\\ud800)" 'unpaired UTF-16 surrogate' \
	'[{"network":"chain","ifname":"\ud800"}]'

# ------------------------------------------------------- wrong types --
req "network: a number" 'networks\[0\]\.network: must be a string' '[{"network":1}]'
req "network: missing" 'networks\[0\]\.network: missing' '[{"ifname":"net0"}]'
req "ifname: true" 'networks\[0\]\.ifname: must be a string' '[{"network":"chain","ifname":true}]'
req "mac: an array" 'networks\[0\]\.mac: must be a string' '[{"network":"chain","mac":["02:00:00:00:00:01"]}]'
req "queues: a string" 'networks\[0\]\.queues: must be an integer' '[{"network":"chain","queues":"2"}]'
req "queues: 1.5" 'networks\[0\]\.queues: must be an integer' '[{"network":"chain","queues":1.5}]'
req "queues: -1" 'networks\[0\]\.queues' '[{"network":"chain","queues":-1}]'
req "queues: 1e400" 'networks\[0\]\.queues|out of range' '[{"network":"chain","queues":1e400}]'
req "queues: null" 'networks\[0\]\.queues: must be an integer' '[{"network":"chain","queues":null}]'
req "vlan: a string" 'networks\[0\]\.vlan: must be an integer' '[{"network":"fastvf","vlan":"100"}]'
req "vlan: 4096" 'networks\[0\]\.vlan' '[{"network":"fastvf","vlan":4096}]'
req "qos: an object" 'networks\[0\]\.qos: must be an integer' '[{"network":"fastvf","qos":{}}]'
req "spoofchk: a string" 'networks\[0\]\.spoofchk: must be true or false' '[{"network":"fastvf","spoofchk":"yes"}]'
req "trust: 1" 'networks\[0\]\.trust: must be true or false' '[{"network":"fastvf","trust":1}]'
req "min_tx_rate: a string" 'networks\[0\]\.min_tx_rate: must be an integer' '[{"network":"fastvf","min_tx_rate":"1"}]'
req "max_tx_rate: false" 'networks\[0\]\.max_tx_rate: must be an integer' '[{"network":"fastvf","max_tx_rate":false}]'
req "link_state: a number" 'networks\[0\]\.link_state: must be a string' '[{"network":"fastvf","link_state":1}]'
req "link_state: 'up'" 'networks\[0\]\.link_state: `up` is not one of auto, enable, disable' '[{"network":"fastvf","link_state":"up"}]'
req "mtu: a string" 'networks\[0\]\.mtu: must be an integer' '[{"network":"fastvf","mtu":"1500"}]'
req "an entry that is a string" 'networks\[0\]: must be (an )?object' '["chain"]'
req "the request a JSON string" 'io\.vnfplug\.networks: must be (an )?array' '"chain"'
req "vlan on a vhost-user network" 'networks\[0\]\.vlan: only sriov networks take it' '[{"network":"chain","vlan":5}]'
req "queues on an sriov network" 'networks\[0\]\.queues: only vhost-user networks have queues' '[{"network":"fastvf","queues":2}]'
CASE=$((CASE + 1))
state_json h$CASE >"$T/c$CASE.json"
jq -c '.annotations["io.vnfplug.networks"] = 5' "$T/c$CASE.json" >"$T/c$CASE.j" && mv "$T/c$CASE.j" "$T/c$CASE.json"
hostile "the annotation a JSON number, not a string" 'annotations\.io\.vnfplug\.networks: must be a string' "$T/c$CASE.json"
CASE=$((CASE + 1))
state_json h$CASE --request "$GOOD" >"$T/c$CASE.json"
jq -c '.pid = "1"' "$T/c$CASE.json" >"$T/c$CASE.j" && mv "$T/c$CASE.j" "$T/c$CASE.json"
hostile "the state's pid a string" 'pid: must be an integer' "$T/c$CASE.json"

# --------------------------------------------- keys: near misses, unknown --
for k in io.vnfplug.network 'io.vnfplug.networks ' IO.VNFPLUG.NETWORKS ' io.vnfplug.networks' io.vnfplug.networks.0; do
	CASE=$((CASE + 1))
	state_json h$CASE --annotation "$k" "$GOOD" >"$T/c$CASE.json"
	ignored "annotation key '$k'" "$T/c$CASE.json"
done
req "near-miss key inside the request (netwrok)" 'networks\[0\]: unknown key `netwrok`' '[{"netwrok":"chain"}]'
req "key 'pf' in the request" 'networks\[0\]: unknown key `pf`' '[{"network":"fastvf","pf":"0000:3b:00.0"}]'
req "key 'bridge' in the request" 'networks\[0\]: unknown key `bridge`' '[{"network":"chain","bridge":"br-int"}]'
req "key 'socket_dir' in the request" 'networks\[0\]: unknown key `socket_dir`' '[{"network":"chain","socket_dir":"/etc"}]'
req "key 'Network' (upper case) in the request" 'networks\[0\]: unknown key `Network`' '[{"Network":"chain"}]'
req "the bridge's name as a network" 'networks\[0\]\.network: unknown network `br-vnf`' '[{"network":"br-vnf"}]'
req "a PF's PCI address as a network" 'networks\[0\]\.network: `0000:3b:00\.0` is not a valid network name' \
	'[{"network":"0000:3b:00.0"}]'

# ------------------------------------------------- hostile environment --
# a library that logs every process it is preloaded into
cat >"$T/evil.c" <<EOF
#include <stdio.h>
#include <string.h>
#include <unistd.h>
__attribute__((constructor)) static void evil(void)
{
	char comm[64] = "";
	FILE *f = fopen("/proc/self/comm", "r");
	FILE *m = fopen("$T/evil-marker", "a");
	if (f) { if (fgets(comm, sizeof(comm), f) == NULL) comm[0] = 0; fclose(f); }
	if (m) { fprintf(m, "%d %s", (int)getpid(), comm[0] ? comm : "?\n"); fclose(m); }
}
EOF
gcc -shared -fPIC -o "$T/evil.so" "$T/evil.c" || tap_bail "evil.so compiled"
# a fake ovs-vsctl (the configured absolute path) that records its
# environment, then runs the real one
cat >"$T/fake-vsctl" <<EOF
#!/bin/sh
env >"$T/vsctl-env.\$\$"
exec $(command -v ovs-vsctl) "\$@"
EOF
chmod 755 "$T/fake-vsctl"
mkdir -p "$T/evilbin"
cat >"$T/evilbin/ovs-vsctl" <<EOF
#!/bin/sh
echo "\$0" >>"$T/decoy-ran"
exit 0
EOF
chmod 755 "$T/evilbin/ovs-vsctl"
cfgw "$T/env.json" "ovs_vsctl=$T/fake-vsctl"
CFG_ENV=$T/env.json

# evil_run STAGE STATE: the hook alone gets LD_PRELOAD, PATH and a stray
# variable (not timeout, not this shell)
evil_run() {
	timeout 60 env LD_PRELOAD="$T/evil.so" PATH="$T/evilbin:/usr/bin:/bin" VNFPLUG_EVIL=1 \
		"$VP_HOOK" --config "$CFG_ENV" "$1" <"$2" >"$T/hook.out" 2>"$T/hook.err"
	HOOK_RC=$?
	HOOK_ERR=$(cat "$T/hook.err")
}

state_json envc --request "$GOOD" >"$T/envc.json"
state_json envc --status stopped --request "$GOOD" >"$T/envc.stop.json"
rm -f "$T"/vsctl-env.* "$T/evil-marker"
evil_run prestart "$T/envc.json"
rc1=$HOOK_RC
err1=$HOOK_ERR
evil_run poststop "$T/envc.stop.json"
NCASES=$((NCASES + 1))
why=()
[ "$rc1" -eq 0 ] && [ "$HOOK_RC" -eq 0 ] || why+=("exit $rc1/$HOOK_RC: $err1 $HOOK_ERR")
envs=$(cat "$T"/vsctl-env.* 2>/dev/null)
[ -n "$envs" ] || why+=("the configured ovs-vsctl never ran")
grep -q '^LD_PRELOAD=' <<<"$envs" && why+=("a child saw LD_PRELOAD")
grep -q "^PATH=.*evilbin" <<<"$envs" && why+=("a child saw the hook's PATH")
grep -q '^VNFPLUG_EVIL=' <<<"$envs" && why+=("a child saw the hook's environment")
[ ! -e "$T/decoy-ran" ] || why+=("the ovs-vsctl on the hook's PATH ran")
grep -q 'vnfplug-hook' "$T/evil-marker" 2>/dev/null ||
	why+=("test bug: evil.so did not even run in the hook")
grep -qv 'vnfplug-hook' "$T/evil-marker" 2>/dev/null && why+=("evil.so ran in: $(grep -v vnfplug-hook "$T/evil-marker" | tr '\n' ' ')")
while IFS= read -r l; do [ -n "$l" ] && why+=("$l"); done < <(left_why)
tap_result "LD_PRELOAD/PATH in the hook's environment: its ovs-vsctl runs by the configured path with neither, evil.so loaded into no child" \
	"${#why[@]}" "${why[@]}" "children's environment:" "$envs"
tap_diag "evil.so constructor ran in (the runtime controls the hook's own environment): $(tr '\n' ' ' <"$T/evil-marker" 2>/dev/null)"

# cwd = a container rootfs with decoys: ./ovs-vsctl, ./config.json (a
# bundle-less state would read the bundle's), ./vnfplug.json
ROOTFS=$T/bundle/rootfs
mkdir -p "$ROOTFS"
cp "$T/evilbin/ovs-vsctl" "$ROOTFS/ovs-vsctl"
jq -n --arg r "$GOOD" '{ociVersion: "1.0.2", annotations: {"io.vnfplug.networks": $r}}' >"$T/bundle/config.json"
jq -n '{ociVersion: "1.0.2", annotations: {"io.vnfplug.networks": "[{\"network\":\"chain\"},{\"network\":\"chain\"},{\"network\":\"chain\"}]"}}' >"$ROOTFS/config.json"
jq --arg v "$ROOTFS/ovs-vsctl" '.ovs_vsctl = $v' "$CFG_OK" >"$ROOTFS/vnfplug.json"
rm -f "$T/decoy-ran"
state_json cwdc --no-annotations --bundle "$T/bundle" >"$T/cwdc.json"
(cd "$ROOTFS" && PATH=.:/usr/bin:/bin hook_run prestart <"$T/cwdc.json"
	echo "$HOOK_RC" >"$T/cwdc.rc"; printf '%s' "$HOOK_ERR" >"$T/cwdc.err")
NCASES=$((NCASES + 1))
why=()
[ "$(cat "$T/cwdc.rc")" = 0 ] || why+=("prestart exit $(cat "$T/cwdc.rc"): $(cat "$T/cwdc.err")")
n=$(ovs_port_count "$BR")
[ "$n" = 1 ] || why+=("$n port(s): want 1 (the bundle's config.json), 3 would be the cwd decoy")
[ ! -e "$T/decoy-ran" ] || why+=("./ovs-vsctl in the cwd ran")
tap_result "cwd in a rootfs with decoy ovs-vsctl and config.json: the bundle's config.json and the configured ovs-vsctl are used" \
	"${#why[@]}" "${why[@]}"
state_json cwdc --status stopped --no-annotations --bundle "$T/bundle" >"$T/cwdc.stop.json"
hook_run poststop <"$T/cwdc.stop.json"
clean_slate
# a relative --config resolves from "/", never from the rootfs cwd
CASE=$((CASE + 1))
state_json h$CASE --request "$GOOD" >"$T/c$CASE.json"
(cd "$ROOTFS" && hook_run --config vnfplug.json prestart <"$T/c$CASE.json"
	echo "$HOOK_RC" >"$T/rel.rc"; printf '%s' "$HOOK_ERR" >"$T/rel.err")
NCASES=$((NCASES + 1))
why=()
[ "$(cat "$T/rel.rc")" != 0 ] || why+=("exit 0")
grep -q 'vnfplug.json' "$T/rel.err" || why+=("error does not name the config: $(cat "$T/rel.err")")
[ ! -e "$T/decoy-ran" ] || why+=("the decoy config's ovs-vsctl ran")
while IFS= read -r l; do [ -n "$l" ] && why+=("$l"); done < <(left_why)
tap_result "refused: relative --config with cwd in a rootfs holding a decoy vnfplug.json (resolved from /)" \
	"${#why[@]}" "${why[@]}" "$(cat "$T/rel.err")"
CASE=$((CASE + 1))
state_json h$CASE --no-annotations --bundle . >"$T/c$CASE.json"
(cd "$T/bundle" && hook_run prestart <"$T/c$CASE.json"; echo "$HOOK_RC" >"$T/dot.rc"; printf '%s' "$HOOK_ERR" >"$T/dot.err")
NCASES=$((NCASES + 1))
why=()
[ "$(cat "$T/dot.rc")" != 0 ] || why+=("exit 0")
grep -q 'bundle `\.` is not an absolute path' "$T/dot.err" || why+=("stderr: $(cat "$T/dot.err")")
while IFS= read -r l; do [ -n "$l" ] && why+=("$l"); done < <(left_why)
tap_result "refused: bundle '.' (relative) in a state without annotations" "${#why[@]}" "${why[@]}"

tap_diag "52-hostile-catalogue: $NCASES cases in $((SECONDS - T_START)) s"
tap_done
