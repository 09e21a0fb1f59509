#!/bin/bash
# 58-port-ownership.sh - port names and port ownership on a real private
# OVS-DPDK, the hook run directly (state JSON on stdin):
#   1. xylizc532bva and 4kicbtgoamj5 (the same port name under the old
#      40-bit scheme) both get ports, tagged with their ids, and each
#      survives the other's poststop, socket file included
#   2. ports that exist and are not ours (pre-created with add-port under
#      the names a sandbox would choose first, one with a socket file):
#      a prestart that fails later leaves them, a prestart that succeeds
#      takes the next names, its poststop leaves them
#   3. a journal that names such a port (as a prestart killed after its
#      add-port found the name taken leaves it): poststop and gc delete
#      the sandbox's own port, leave the other and its socket, and say so
#   4. the release of an earlier sandbox's record runs against the
#      prestart deadline: with a del-port that takes 5 s, a prestart with
#      deadline_ms 1000 fails in about that and keeps the record
. "$(dirname "$0")/lib/lib.sh"

vp_require_root
vp_require_cmd jq ovs-vsctl ovsdb-server ovsdb-tool
[ -x "$VP_OVS_VSWITCHD" ] || tap_skip_all "$VP_OVS_VSWITCHD not installed"
[ -x /usr/bin/python3 ] || tap_skip_all "python3 not installed"
vp_require_hook

T=$VP_TMP
BR=$VP_BRIDGE

ovs_up "$BR" "private OVS-DPDK up, bridge $BR"
vp_config_write "$T/vnfplug.json" \
	'networks.broken={"type": "vhost-user", "switch": "ovs-dpdk", "bridge": "br-none", "ovsdb": "'"$OVS_DB"'", "socket_dir": "'"$T/s"'"}'
CFG=$VP_CFG
REQ1='[{"network":"chain"}]'
REQ2='[{"network":"chain"},{"network":"chain"}]'

# ports_of ID: the record's port names, one a line.
ports_of() {
	jq -r '.resources[] | select(.kind == "ovs-port") | .port' \
		"$(vp_sandbox_dir "$1")/record.json" 2>/dev/null
}
sock() {
	printf '%s/%s.sock\n' "$VP_SOCKET_DIR" "$1"
}
# mksock PATH: a unix socket file, as a QEMU serving a port leaves it.
mksock() {
	/usr/bin/python3 -c 'import socket, sys
socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$1"
}
# tag PORT KEY: the Port's external_ids:KEY, quotes stripped.
tag() {
	ovs_vsctl --if-exists get Port "$1" "external_ids:$2" | tr -d '"'
}
# owner: a process standing for a container; sets OWNER.
owner() {
	sleep 300 &
	OWNER=$!
	vp_on_exit "kill $OWNER"
}
prestart() { # prestart ID REQ [CFG]
	owner
	hook_run --config "${3:-$CFG}" prestart \
		<<<"$(state_json "$1" --pid "$OWNER" --request "$2")"
}
poststop() { # poststop ID REQ
	hook_run --config "$CFG" poststop \
		<<<"$(state_json "$1" --status stopped --request "$2")"
}
# add_entry ID PORT INDEX STATE: journal one more ovs-port entry in the
# record (written as root, mode kept).
add_entry() {
	local f r
	f=$(vp_sandbox_dir "$1")/record.json
	r=$(jq -c --arg p "$2" --argjson i "$3" --arg st "$4" --arg s "$(sock "$2")" \
		--arg db "$OVS_DB" --arg br "$BR" '.resources += [{kind: "ovs-port",
		state: $st, index: $i, network: "chain", ovsdb: $db, bridge: $br,
		port: $p, socket: $s}]' "$f") && printf '%s\n' "$r" >"$f"
}

# ------------------------------------------------- 1. colliding ids ----
A=xylizc532bva B=4kicbtgoamj5
prestart "$A" "$REQ1"
rca=$HOOK_RC erra=$HOOK_ERR
prestart "$B" "$REQ1"
PA=$(ports_of "$A") PB=$(ports_of "$B")
if [ "$rca" -eq 0 ] && [ "$HOOK_RC" -eq 0 ] && [ -n "$PA" ] && [ -n "$PB" ] &&
	[ "$PA" != "$PB" ] && ovs_has_port "$BR" "$PA" && ovs_has_port "$BR" "$PB"; then
	tap_ok "$A and $B both get a port of their own ($PA, $PB)"
else
	tap_fail "$A and $B both get a port of their own" "exits $rca, $HOOK_RC" \
		"$erra" "$HOOK_ERR" "ports: $(ovs_ports "$BR" | tr '\n' ' ')"
fi
if [ "$(tag "$PA" vnfplug-sandbox)" = "$A" ] && [ "$(tag "$PA" vnfplug-index)" = 0 ] &&
	[ "$(tag "$PB" vnfplug-sandbox)" = "$B" ] && [ "$(tag "$PB" vnfplug-index)" = 0 ]; then
	tap_ok "each port carries external_ids:vnfplug-sandbox=<its id>, vnfplug-index=0"
else
	tap_fail "each port carries external_ids:vnfplug-sandbox=<its id>, vnfplug-index=0" \
		"$PA: $(ovs_vsctl --if-exists get Port "$PA" external_ids)" \
		"$PB: $(ovs_vsctl --if-exists get Port "$PB" external_ids)"
fi
mksock "$(sock "$PA")"
mksock "$(sock "$PB")"
poststop "$B" "$REQ1"
rcb=$HOOK_RC
if [ "$rcb" -eq 0 ] && ovs_has_port "$BR" "$PA" && [ -S "$(sock "$PA")" ] &&
	! ovs_has_port "$BR" "$PB" && [ ! -e "$(sock "$PB")" ]; then
	tap_ok "$B's poststop removes its port and socket, $A's stay"
else
	tap_fail "$B's poststop removes its port and socket, $A's stay" "exit $rcb" \
		"$HOOK_ERR" "ports: $(ovs_ports "$BR" | tr '\n' ' ')" "$(ls -l "$VP_SOCKET_DIR")"
fi
poststop "$A" "$REQ1"
if [ "$HOOK_RC" -eq 0 ] && ! ovs_has_port "$BR" "$PA" && [ ! -e "$(sock "$PA")" ] &&
	[ "$(vp_sandbox_count)" -eq 0 ]; then
	tap_ok "$A's poststop removes its own"
else
	tap_fail "$A's poststop removes its own" "exit $HOOK_RC" "$HOOK_ERR" \
		"ports: $(ovs_ports "$BR" | tr '\n' ' ')"
fi

# ------------------------------------------ 2. names already taken ----
# The names sandbox g would choose first, learned from a round trip.
G=gtaken1
prestart "$G" "$REQ2"
mapfile -t GN < <(ports_of "$G")
poststop "$G" "$REQ2"
F0=${GN[0]:-} F1=${GN[1]:-}
# An admin's ports under those names (plain add-port, no tags); F1 also
# with a socket file, as if its QEMU ran.
if [ -n "$F0" ] && [ -n "$F1" ] &&
	ovs_vsctl add-port "$BR" "$F0" -- set Interface "$F0" type=dpdkvhostuserclient \
		"options:vhost-server-path=$(sock "$F0")" &&
	ovs_vsctl add-port "$BR" "$F1" -- set Interface "$F1" type=dpdkvhostuserclient \
		"options:vhost-server-path=$(sock "$F1")" && mksock "$(sock "$F1")"; then
	tap_ok "pre-created $F0 and $F1 (with its socket file), the names $G chooses first"
else
	tap_bail "pre-created the names $G chooses first" "names: ${GN[*]}"
fi
foreign_ok() {
	ovs_has_port "$BR" "$F0" && ovs_has_port "$BR" "$F1" && [ -S "$(sock "$F1")" ]
}

prestart "$G" '[{"network":"chain"},{"network":"chain"},{"network":"broken"}]'
if [ "$HOOK_RC" -ne 0 ] && grep -q "no bridge named br-none" <<<"$HOOK_ERR" &&
	foreign_ok && [ "$(ovs_port_count "$BR")" -eq 2 ] && [ "$(vp_sandbox_count)" -eq 0 ]; then
	tap_ok "a prestart failing at its 3rd entry leaves $F0, $F1 and the socket, and nothing of its own"
else
	tap_fail "a prestart failing at its 3rd entry leaves $F0, $F1 and the socket, and nothing of its own" \
		"exit $HOOK_RC" "$HOOK_ERR" "ports: $(ovs_ports "$BR" | tr '\n' ' ')" \
		"$(ls -l "$VP_SOCKET_DIR")"
fi

prestart "$G" "$REQ2"
mapfile -t GN2 < <(ports_of "$G")
if [ "$HOOK_RC" -eq 0 ] && [ "${#GN2[@]}" -eq 2 ] && [ "${GN2[0]}" != "$F0" ] &&
	[ "${GN2[1]}" != "$F1" ] && ovs_has_port "$BR" "${GN2[0]}" && ovs_has_port "$BR" "${GN2[1]}" &&
	foreign_ok && grep -q "port name $F0 is taken" <<<"$HOOK_ERR" &&
	grep -q "port name $F1 is taken" <<<"$HOOK_ERR" &&
	jq -e --arg s0 "$(sock "${GN2[0]}")" --arg s1 "$(sock "${GN2[1]}")" \
		'[.args[] | select(contains("path=" + $s0 + ",") or contains("path=" + $s1 + ","))] | length == 2' \
		"$(vp_sandbox_dir "$G")/devices.json" >/dev/null; then
	tap_ok "the next prestart takes the next names (${GN2[*]}), devices.json names their sockets"
else
	tap_fail "the next prestart takes the next names, devices.json names their sockets" \
		"exit $HOOK_RC" "$HOOK_ERR" "record: ${GN2[*]}" \
		"$(cat "$(vp_sandbox_dir "$G")/devices.json" 2>&1)"
fi
poststop "$G" "$REQ2"
if [ "$HOOK_RC" -eq 0 ] && foreign_ok && [ "$(ovs_port_count "$BR")" -eq 2 ] &&
	[ "$(vp_sandbox_count)" -eq 0 ]; then
	tap_ok "its poststop removes its two ports and leaves $F0, $F1 and the socket"
else
	tap_fail "its poststop removes its two ports and leaves $F0, $F1 and the socket" \
		"exit $HOOK_RC" "$HOOK_ERR" "ports: $(ovs_ports "$BR" | tr '\n' ' ')"
fi

# ------------------------------------ 3. a journal naming their port ----
prestart dpost "$REQ1"
PD=$(ports_of dpost)
add_entry dpost "$F1" 1 pending
poststop dpost "$REQ1"
if [ "$HOOK_RC" -eq 0 ] && [ -n "$PD" ] && ! ovs_has_port "$BR" "$PD" && foreign_ok &&
	grep -q "port $F1 is not this sandbox's" <<<"$HOOK_ERR" &&
	[ "$(vp_sandbox_count)" -eq 0 ]; then
	tap_ok "poststop of a journal naming $F1 deletes its own $PD, leaves $F1 and its socket, and says so"
else
	tap_fail "poststop of a journal naming $F1 deletes its own $PD, leaves $F1 and its socket, and says so" \
		"exit $HOOK_RC" "$HOOK_ERR" "ports: $(ovs_ports "$BR" | tr '\n' ' ')"
fi

prestart dgc "$REQ1"
PG=$(ports_of dgc)
add_entry dgc "$F1" 1 created
kill "$OWNER"
wait "$OWNER" 2>/dev/null
hook_run gc --min-age 0 </dev/null
if [ "$HOOK_RC" -eq 0 ] && [ -n "$PG" ] && ! ovs_has_port "$BR" "$PG" && foreign_ok &&
	grep -q "^released dgc: " <<<"$HOOK_OUT" &&
	grep -q "^left port $F1 alone in dgc: not this sandbox's" <<<"$HOOK_OUT" &&
	[ "$(vp_sandbox_count)" -eq 0 ]; then
	tap_ok "gc of a dead sandbox's journal naming $F1 deletes $PG, leaves $F1 and its socket, and reports it"
else
	tap_fail "gc of a dead sandbox's journal naming $F1 deletes $PG, leaves $F1 and its socket, and reports it" \
		"exit $HOOK_RC" "$HOOK_OUT" "$HOOK_ERR" "ports: $(ovs_ports "$BR" | tr '\n' ' ')"
fi

# --------------------------- 4. the deadline covers an earlier record ----
cat >"$T/slow-vsctl" <<EOF
#!/bin/sh
case " \$* " in *" del-port "*) sleep 5 ;; esac
exec $(command -v ovs-vsctl) "\$@"
EOF
chmod 0755 "$T/slow-vsctl"
jq --arg v "$T/slow-vsctl" '.ovs_vsctl = $v | .deadline_ms = 1000' "$CFG" >"$T/slow.json"
prestart dslow "$REQ2"
mapfile -t DN < <(ports_of dslow)
kill "$OWNER"
wait "$OWNER" 2>/dev/null
owner
state_json dslow --pid "$OWNER" --request "$REQ2" >"$T/dslow.json"
t0=$(date +%s%N)
hook_run --config "$T/slow.json" prestart <"$T/dslow.json"
ms=$((($(date +%s%N) - t0) / 1000000))
# the deadline, plus the grace ovs-vsctl gets to report its own timeout
# (1 s), plus slack for a loaded machine
if [ "$HOOK_RC" -ne 0 ] && [ "$ms" -lt 3000 ] &&
	grep -q "earlier sandbox of this id" <<<"$HOOK_ERR" &&
	[ -f "$(vp_sandbox_dir dslow)/record.json" ] && ovs_has_port "$BR" "${DN[0]:-none}" &&
	ovs_has_port "$BR" "${DN[1]:-none}"; then
	tap_ok "slow del-port, deadline_ms 1000: the earlier record's release stops at the deadline ($ms ms), record kept"
else
	tap_fail "slow del-port, deadline_ms 1000: the earlier record's release stops at the deadline, record kept" \
		"exit $HOOK_RC after $ms ms" "$HOOK_ERR" "ports: $(ovs_ports "$BR" | tr '\n' ' ')"
fi
hook_run gc --min-age 0 </dev/null
if [ "$HOOK_RC" -eq 0 ] && ! ovs_has_port "$BR" "${DN[0]:-none}" && ! ovs_has_port "$BR" "${DN[1]:-none}" &&
	[ "$(vp_sandbox_count)" -eq 0 ]; then
	tap_ok "gc releases what the cut prestart left"
else
	tap_fail "gc releases what the cut prestart left" "exit $HOOK_RC" "$HOOK_OUT" "$HOOK_ERR"
fi

tap_done
