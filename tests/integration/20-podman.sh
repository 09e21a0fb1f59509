#!/bin/bash
# 20-podman.sh - podman runs vnfplug-hook through --hooks-dir with the
# shipped config/hooks.d/vnfplug.json (path and config rewritten for the
# test): the hook runs (prestart and poststop, stage "auto") for a
# container carrying io.vnfplug.networks and not for one without.
# The hooks.d entry points at a wrapper that logs every invocation (argv
# and state) and then execs the real hook, so "not run" is proven.
. "$(dirname "$0")/lib/lib.sh"

vp_require_root
vp_require_cmd podman jq busybox tar ovs-vsctl ovsdb-server ovsdb-tool
[ -x "$VP_OVS_VSWITCHD" ] || tap_skip_all "$VP_OVS_VSWITCHD not installed"
vp_require_hook

vp_tmpdir >/dev/null
T=$VP_TMP
BR=$VP_BRIDGE
SHIPPED=$VP_ROOT/config/hooks.d/vnfplug.json

ovs_up "$BR" "private OVS-DPDK up, bridge $BR"
vp_config_write "$T/vnfplug.json"

if podman_image; then
	tap_ok "busybox image imported into private podman storage (run opts: ${VP_PODMAN_RUN[*]})"
else
	tap_bail "busybox image imported into private podman storage"
fi

# The wrapper: one log line per invocation (argv, then the state on the
# next line), then the real hook with the same argv and state.
LOG=$T/hook-calls.log
: >"$LOG"
cat >"$T/hook-wrapper" <<EOF
#!/bin/sh
state=\$(cat)
printf 'argv: %s\\n%s\\n' "\$*" "\$state" >>'$LOG'
printf '%s' "\$state" | exec '$VP_HOOK' "\$@"
EOF
chmod 0755 "$T/hook-wrapper"

# hooks.d: the shipped file with the path and the config rewritten.
HOOKS=$T/hooks.d
mkdir -p "$HOOKS"
if [ -f "$SHIPPED" ] &&
	jq --arg path "$T/hook-wrapper" --arg cfg "$VP_CFG" '
		.hook.path = $path
		| .hook.args |= map(if . == "/etc/vnfplug/vnfplug.json" then $cfg else . end)
	' "$SHIPPED" >"$HOOKS/vnfplug.json" &&
	jq -e --arg cfg "$VP_CFG" '.hook.args | index($cfg) != null' "$HOOKS/vnfplug.json" >/dev/null &&
	jq -e '(.stages | index("prestart") != null and index("poststop") != null)
		and .hook.args[-1] == "auto"' "$HOOKS/vnfplug.json" >/dev/null; then
	tap_ok "shipped hooks.d/vnfplug.json rewritten (path -> wrapper, --config -> test config)"
else
	tap_bail "shipped hooks.d/vnfplug.json rewritten (path -> wrapper, --config -> test config)" \
		"$(cat "$SHIPPED" 2>&1)"
fi

# calls ID: how many times the wrapper saw container ID.
calls() {
	grep -c "\"id\":\"$1\"" "$LOG"
}

MAC=02:00:00:00:00:21
REQ='[{"network":"chain","ifname":"net1","mac":"'$MAC'"}]'

# ---------------------------------------------- with the annotation ---
if CID=$(vp_podman --hooks-dir "$HOOKS" run -d --name vp-annotated "${VP_PODMAN_RUN[@]}" \
	--annotation "$(podman_annotation io.vnfplug.networks "$REQ")" \
	"$VP_IMAGE" sleep 60 2>"$T/run1.err"); then
	tap_ok "podman run -d with io.vnfplug.networks starts"
else
	tap_bail "podman run -d with io.vnfplug.networks starts" "$(cat "$T/run1.err")" \
		"hook calls: $(cat "$LOG")"
fi
CID=$(printf '%s' "$CID" | tail -n 1)

if [ "$(calls "$CID")" -eq 1 ] && grep -q '"status":"creat' "$LOG" &&
	grep -q "^argv: vnfplug-hook --config $VP_CFG auto$\|^argv: --config $VP_CFG auto$" "$LOG"; then
	tap_ok "hook ran once (stage auto, state status creating) for the annotated container"
else
	tap_fail "hook ran once (stage auto, state status creating) for the annotated container" \
		"$(cat "$LOG")"
fi

ports=$(ovs_ports "$BR")
P=$(printf '%s\n' "$ports" | head -n 1)
if [ "$(printf '%s' "$ports" | grep -c .)" -eq 1 ] &&
	[ "$(ovs_iface_get "$P" type)" = dpdkvhostuserclient ] &&
	[ "$(ovs_iface_get "$P" options:vhost-server-path)" = "$VP_SOCKET_DIR/$P.sock" ] &&
	ovs_iface_live "$P"; then
	tap_ok "port $P (dpdkvhostuserclient, socket in socket_dir) on $BR while the container runs"
else
	tap_fail "port on $BR while the container runs" "ports: $(printf '%s' "$ports" | tr '\n' ' ')" \
		"$(cat "$LOG")"
fi

SB=$(vp_sandbox_dir "$CID")
if [ -f "$SB/record.json" ] &&
	jq -e --arg mac "$MAC" '[.args[] | select(test("^virtio-net-pci,.*mac=" + $mac))] | length == 1' \
		"$SB/devices.json" >/dev/null 2>&1; then
	tap_ok "record and devices.json (mac $MAC) under the container id"
else
	tap_fail "record and devices.json (mac $MAC) under the container id" \
		"$(ls -la "$SB" 2>&1)" "$(cat "$SB/devices.json" 2>&1)"
fi

if vp_podman rm -f -t 0 vp-annotated >"$T/rm.log" 2>&1; then
	tap_ok "podman rm -f of the annotated container"
else
	tap_fail "podman rm -f of the annotated container" "$(cat "$T/rm.log")"
fi
# podman runs poststop from its cleanup process: bounded wait for it.
vp_wait_for 20 eval '[ "$(ovs_port_count "$BR")" -eq 0 ]'
if [ "$(ovs_port_count "$BR")" -eq 0 ] && [ ! -e "$SB" ]; then
	tap_ok "after podman rm: port, record and sandbox dir gone"
else
	tap_fail "after podman rm: port, record and sandbox dir gone" \
		"ports: $(ovs_ports "$BR" | tr '\n' ' ')" "$(ls -la "$SB" 2>&1)" \
		"hook calls: $(cat "$LOG")"
fi
if [ "$(calls "$CID")" -eq 2 ] && grep -q '"status":"stopped"' "$LOG"; then
	tap_ok "hook ran a second time (state status stopped: poststop)"
else
	tap_fail "hook ran a second time (state status stopped: poststop)" "$(cat "$LOG")"
fi

# A detached container that exits on its own: poststop comes from
# podman's cleanup process (conmon's exit command), not from a podman
# command run by the test.
if CID2=$(vp_podman --hooks-dir "$HOOKS" run -d --name vp-selfexit "${VP_PODMAN_RUN[@]}" \
	--annotation "$(podman_annotation io.vnfplug.networks "$REQ")" \
	"$VP_IMAGE" sleep 2 2>"$T/run2.err"); then
	CID2=$(printf '%s' "$CID2" | tail -n 1)
	n=$(ovs_port_count "$BR")
	vp_wait_for 30 eval '[ "$(calls "$CID2")" -ge 2 ]'
	vp_wait_for 10 eval '[ "$(ovs_port_count "$BR")" -eq 0 ]'
	if [ "$n" -eq 1 ] && [ "$(ovs_port_count "$BR")" -eq 0 ] &&
		[ ! -e "$(vp_sandbox_dir "$CID2")" ] && [ "$(calls "$CID2")" -eq 2 ]; then
		tap_ok "container exiting on its own: port while running, poststop from podman's cleanup removes it"
	else
		tap_fail "container exiting on its own: port while running, poststop from podman's cleanup removes it" \
			"ports while running: $n, now: $(ovs_port_count "$BR")" \
			"hook calls for $CID2: $(calls "$CID2")" "$(cat "$LOG")"
	fi
else
	tap_fail "container exiting on its own: port while running, poststop from podman's cleanup removes it" \
		"$(cat "$T/run2.err")"
fi
vp_podman rm -f -t 0 vp-selfexit >/dev/null 2>&1

# ------------------------------------------- without the annotation ---
before=$(grep -c '^argv:' "$LOG")
if out=$(vp_podman --hooks-dir "$HOOKS" run --rm "${VP_PODMAN_RUN[@]}" \
	"$VP_IMAGE" sh -c 'echo vp-plain-ran' 2>&1) && [ "${out##*$'\n'}" = vp-plain-ran ]; then
	tap_ok "container without the annotation runs"
else
	tap_fail "container without the annotation runs" "$out"
fi
after=$(grep -c '^argv:' "$LOG")
if [ "$before" -eq "$after" ]; then
	tap_ok "hook not run for a container without the annotation (wrapper log unchanged)"
else
	tap_fail "hook not run for a container without the annotation (wrapper log unchanged)" \
		"$(cat "$LOG")"
fi

# The hooks.d regex is anchored: an annotation that merely contains the
# name does not trigger the hook either.
if out=$(vp_podman --hooks-dir "$HOOKS" run --rm "${VP_PODMAN_RUN[@]}" \
	--annotation "$(podman_annotation x-io.vnfplug.networks-y "$REQ")" \
	"$VP_IMAGE" true 2>&1) && [ "$(grep -c '^argv:' "$LOG")" -eq "$after" ]; then
	tap_ok "hook not run for annotation x-io.vnfplug.networks-y (anchored regex)"
else
	tap_fail "hook not run for annotation x-io.vnfplug.networks-y (anchored regex)" \
		"$out" "$(cat "$LOG")"
fi
if [ "$(ovs_port_count "$BR")" -eq 0 ] && [ "$(vp_sandbox_count)" -eq 0 ]; then
	tap_ok "no port and no sandbox after the unannotated containers"
else
	tap_fail "no port and no sandbox after the unannotated containers" \
		"ports: $(ovs_ports "$BR" | tr '\n' ' ')" "$(ls "$VP_RUN_DIR/sandboxes" 2>&1)"
fi

# ------------------------------------------------------ bad request ---
BAD='[{"network":"chain","mac":"01:00:5e:00:00:01"}]'
if out=$(vp_podman --hooks-dir "$HOOKS" run --name vp-bad "${VP_PODMAN_RUN[@]}" \
	--annotation "$(podman_annotation io.vnfplug.networks "$BAD")" \
	"$VP_IMAGE" sh -c 'echo vp-bad-ran' 2>&1); then
	tap_fail "podman run with a multicast MAC request fails" "$out"
elif printf '%s' "$out" | grep -q vp-bad-ran; then
	tap_fail "podman run with a multicast MAC request fails before the process starts" "$out"
else
	tap_ok "podman run with a multicast MAC request fails before the process starts"
fi
vp_podman rm -f -t 0 vp-bad >/dev/null 2>&1
vp_wait_for 10 eval '[ "$(vp_sandbox_count)" -eq 0 ]'
if [ "$(ovs_port_count "$BR")" -eq 0 ] && [ "$(vp_sandbox_count)" -eq 0 ]; then
	tap_ok "refused podman container leaves no port and no sandbox"
else
	tap_fail "refused podman container leaves no port and no sandbox" \
		"ports: $(ovs_ports "$BR" | tr '\n' ' ')" "$(ls "$VP_RUN_DIR/sandboxes" 2>&1)"
fi

tap_done
