#!/bin/bash
# 50-hostile.sh - hostile input to vnfplug-hook prestart.  Each case feeds
# the hook (directly, state JSON on stdin, a real private OVS-DPDK running
# so a buggy hook WOULD leave a port) and asserts:
#   (a) non-zero exit, (b) the expected error text on stderr (and the
#   "vnfplug-hook[...]: error:" form), (c) no port on the bridge, (d) no
#   record/sandbox dir left.
# One more case goes through runc: a bad request makes `runc run` fail
# before the container process starts, leaving nothing.
. "$(dirname "$0")/lib/lib.sh"

vp_require_root
vp_require_cmd runc jq busybox ovs-vsctl ovsdb-server ovsdb-tool
[ -x "$VP_OVS_VSWITCHD" ] || tap_skip_all "$VP_OVS_VSWITCHD not installed"
vp_require_hook

vp_tmpdir >/dev/null
T=$VP_TMP
BR=$VP_BRIDGE

ovs_up "$BR" "private OVS-DPDK up, bridge $BR"
vp_config_write "$T/vnfplug.json"
CFG_OK=$VP_CFG

# Sanity: the same path with a good request does create a port, so "no
# port" below means the hook refused, not that it could not have.
hook_run prestart < <(state_json good --request '[{"network":"chain"}]')
if [ "$HOOK_RC" -eq 0 ] && [ "$(ovs_port_count "$BR")" -eq 1 ]; then
	tap_ok "control: a good request creates a port"
else
	tap_fail "control: a good request creates a port" "exit $HOOK_RC" "$HOOK_ERR"
fi
hook_run poststop < <(state_json good --status stopped --request '[{"network":"chain"}]')
if [ "$HOOK_RC" -eq 0 ] && [ "$(ovs_port_count "$BR")" -eq 0 ] &&
	[ "$(vp_sandbox_count)" -eq 0 ]; then
	tap_ok "control: poststop removes it again"
else
	tap_bail "control: poststop removes it again" "exit $HOOK_RC" "$HOOK_ERR"
fi

# hostile DESC REGEX STATEFILE [CONFIG [STAGE]]: run the hook (stage
# prestart by default) with STATEFILE on stdin and check (a)-(d).  REGEX is
# matched case-insensitively (grep -E) against stderr.
hostile() {
	local desc=$1 re=$2 state=$3 cfg=${4:-$CFG_OK} stage=${5:-prestart} why=() n sb
	hook_run --config "$cfg" "$stage" <"$state"
	[ "$HOOK_RC" -ne 0 ] || why+=("(a) exit status 0, want non-zero")
	[ "$HOOK_RC" -lt 126 ] || why+=("(a) exit status $HOOK_RC: crashed or timed out")
	printf '%s\n' "$HOOK_ERR" | grep -Eiq -- "$re" ||
		why+=("(b) stderr does not match /$re/")
	# One error line.  Before the state is parsed no sandbox is known, so
	# "vnfplug-hook: error:" (no [<sandbox>]) is accepted there.
	[ "$(printf '%s\n' "$HOOK_ERR" | grep -Ec '^vnfplug-hook(\[[^]]*\])?: error: ')" -eq 1 ] ||
		why+=("(b) not exactly one 'vnfplug-hook[<sandbox>]: error: <reason>' line")
	[ "${VP_VERBOSE:-0}" = 1 ] && tap_diag "$desc: $HOOK_ERR"
	n=$(ovs_port_count "$BR")
	[ "$n" -eq 0 ] || why+=("(c) $n port(s) left on $BR: $(ovs_ports "$BR" | tr '\n' ' ')")
	sb=$(vp_sandbox_count)
	[ "$sb" -eq 0 ] || why+=("(d) sandbox dir(s) left: $(ls "$VP_RUN_DIR/sandboxes" | tr '\n' ' ')")
	if [ ${#why[@]} -eq 0 ]; then
		tap_ok "$desc"
	else
		tap_fail "$desc" "${why[@]}" "exit $HOOK_RC; stderr:" "$HOOK_ERR"
		# leave a clean slate for the next case
		ovs_ports "$BR" | while read -r p; do ovs_vsctl --if-exists del-port "$BR" "$p"; done
		rm -rf "${VP_RUN_DIR:?}/sandboxes"
	fi
}

# request_case DESC REGEX REQUEST: a well-formed state carrying REQUEST.
CASE=0
request_case() {
	CASE=$((CASE + 1))
	state_json "h$CASE" --request "$3" >"$T/state-$CASE.json"
	hostile "$1" "$2" "$T/state-$CASE.json"
}

# ----------------------------------------------------------- the state --
printf 'this is not JSON {' >"$T/notjson"
hostile "state not JSON" 'json|parse|invalid' "$T/notjson"

state_json trunc --request '[{"network":"chain"}]' >"$T/full.json"
head -c $(($(stat -c %s "$T/full.json") / 2)) "$T/full.json" >"$T/trunc.json"
hostile "state truncated mid-document" 'json|parse|premature|truncated|incomplete|end of' "$T/trunc.json"

# Exactly 1 MiB + 1 byte of valid-looking state: a real request and a
# long padding string.
head_doc=$(state_json big --request '[{"network":"chain"}]')
head_doc=${head_doc%\}}',"padding":"'
pad=$((1024 * 1024 + 1 - ${#head_doc} - 2))
{ printf '%s' "$head_doc"; head -c "$pad" /dev/zero | tr '\0' x; printf '"}'; } >"$T/big.json"
if [ "$(stat -c %s "$T/big.json")" -eq $((1024 * 1024 + 1)) ] && jq -e .id "$T/big.json" >/dev/null; then
	hostile "state of 1 MiB + 1 byte (valid JSON) refused" 'exceeds|too (large|big|long)|1048576|limit' "$T/big.json"
else
	tap_fail "state of 1 MiB + 1 byte (valid JSON) refused" "test bug: $T/big.json is $(stat -c %s "$T/big.json") bytes"
fi

# --------------------------------------------------------- the request --
request_case "request names an unknown network" 'unknown network.*nosuchnet' \
	'[{"network":"nosuchnet"}]'
request_case "malformed MAC (02:00:00:00:00)" 'networks\[0\]\.mac' \
	'[{"network":"chain","mac":"02:00:00:00:00"}]'
request_case "malformed MAC (non-hex 02:00:00:00:00:zz)" 'networks\[0\]\.mac' \
	'[{"network":"chain","mac":"02:00:00:00:00:zz"}]'
request_case "multicast MAC 01:00:5e:00:00:01" 'mac.*multicast' \
	'[{"network":"chain","mac":"01:00:5e:00:00:01"}]'
request_case "ifname with ','" 'networks\[0\]\.ifname' \
	'[{"network":"chain","ifname":"net,1"}]'
request_case "ifname with '/'" 'networks\[0\]\.ifname' \
	'[{"network":"chain","ifname":"net/1"}]'
request_case "ifname with a space" 'networks\[0\]\.ifname' \
	'[{"network":"chain","ifname":"net 1"}]'
request_case "queues 0" 'networks\[0\]\.queues' \
	'[{"network":"chain","queues":0}]'
request_case "queues over max_queues (9 > 8)" 'networks\[0\]\.queues.*max' \
	'[{"network":"chain","queues":9}]'
request_case "second entry bad, first good: nothing of the first is left" 'networks\[1\]\.mac.*multicast' \
	'[{"network":"chain"},{"network":"chain","mac":"01:00:00:00:00:02"}]'

# The OVS side fails for the second entry (its network's bridge does not
# exist): the port already created for the first entry is rolled back.
vp_config_write "$T/two.json" "networks.chain2=$(jq -c --arg sd "$T/s" --arg db "$OVS_DB" -n \
	'{type: "vhost-user", switch: "ovs-dpdk", bridge: "br-missing", ovsdb: $db,
	  socket_dir: $sd, queues: 1, max_queues: 8}')"
VP_CFG=$CFG_OK
state_json rollback --request '[{"network":"chain"},{"network":"chain2"}]' >"$T/rollback.json"
hostile "second entry's bridge missing: first entry's port rolled back" 'br-missing' \
	"$T/rollback.json" "$T/two.json"

# A container may never name a bridge, a path or a QEMU option itself.
request_case "request entry naming a bridge (unknown key) refused" 'bridge' \
	'[{"network":"chain","bridge":"br-evil"}]'
request_case "request that is not an array refused" 'io\.vnfplug\.networks' \
	'{"network":"chain"}'
request_case "empty request array refused" 'io\.vnfplug\.networks' '[]'

# A sandbox id that would escape run_dir/sandboxes.
state_json ../../escape --request '[{"network":"chain"}]' >"$T/escape.json"
hostile "sandbox id ../../escape refused" 'id' "$T/escape.json"
if [ -e "$VP_RUN_DIR/escape" ] || [ -e "$VP_RUN_DIR/../escape" ]; then
	tap_fail "sandbox id ../../escape created nothing outside sandboxes/" \
		"$(ls -la "$VP_RUN_DIR" "$VP_RUN_DIR/.." 2>&1)"
else
	tap_ok "sandbox id ../../escape created nothing outside sandboxes/"
fi

# Usage errors: an unknown stage is refused before anything is read.
state_json stage1 --request '[{"network":"chain"}]' >"$T/stage1.json"
hostile "unknown stage 'poststart' refused" 'stage' "$T/stage1.json" "$CFG_OK" poststart

# ------------------------------------------------- socket path length --
# socket_dir so long that <socket_dir>/<15-byte port>.sock exceeds 107
# bytes: the config load (or, at the latest, the request) must refuse it
# and say why.
long=$T/$(printf 'd%.0s' $(seq 1 $((100 - ${#T}))))
mkdir -p "$long"
vp_config_write "$T/long.json" "net.socket_dir=$long"
VP_CFG=$CFG_OK
state_json longsock --request '[{"network":"chain"}]' >"$T/longsock.json"
hostile "socket_dir of ${#long} bytes (socket path > 107 bytes) refused, message says 107" \
	'107' "$T/longsock.json" "$T/long.json"

# ------------------------------------------------------ through runc --
MARK=$T/mark
mkdir -p "$MARK"
runc_bundle "$T/bad" --request '[{"network":"chain","mac":"01:00:5e:00:00:01"}]' \
	--mount "$MARK:/mark" -- sh -c 'touch /mark/started'
if runc_run badc "$T/bad"; then
	tap_fail "runc run with a bad request fails" "$(runc_log badc)"
else
	tap_ok "runc run with a bad request fails"
fi
why=()
[ ! -e "$MARK/started" ] || why+=("the container process ran")
[ -z "$(vp_runc list -q 2>/dev/null)" ] || why+=("runc still lists: $(vp_runc list -q | tr '\n' ' ')")
[ "$(ovs_port_count "$BR")" -eq 0 ] || why+=("ports left: $(ovs_ports "$BR" | tr '\n' ' ')")
[ "$(vp_sandbox_count)" -eq 0 ] || why+=("sandbox dirs left: $(ls "$VP_RUN_DIR/sandboxes" | tr '\n' ' ')")
grep -Eiq multicast "$T/runc-badc.log" || why+=("runc's error does not carry the hook's reason")
if [ ${#why[@]} -eq 0 ]; then
	tap_ok "refused runc container never started and left nothing (reason in runc's error)"
else
	tap_fail "refused runc container never started and left nothing (reason in runc's error)" \
		"${why[@]}" "$(runc_log badc)"
fi

tap_done
