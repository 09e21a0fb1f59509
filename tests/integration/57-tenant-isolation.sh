#!/bin/bash
# 57-tenant-isolation.sh - a container must not take over another pod's
# sandbox by naming it in its annotations, nor forge the hook's output with
# its id.  The real hook on a private OVS-DPDK, states on stdin as CRI-O
# would write them, and one plain runc container with the real hooks.
#
#   1. the victim pod's infra container (CRI-O keys SandboxID=v-infra,
#      ContainerType=sandbox) sets up sandbox v-infra: a port and a record
#   2. an attacker whose CRI-O keys name its own pod, plus containerd's
#      keys naming v-infra as the sandbox and itself as its owner: its
#      prestart is refused naming both keys; after its poststop the
#      victim's port and record are still there
#   3. a plain runc container with io.kubernetes.cri.sandbox-id=v-infra
#      runs to completion (prestart, poststop through runc): the victim's
#      port and record are still there
#   4. another container of the victim's pod stops: nothing released
#   5. a pod whose infra container id holds ESC and CR: the hook's stderr
#      ("already set up by container ...") and `status` (table and --json)
#      carry no ESC or CR byte
#   6. the victim's own poststop (with its prestart's pid, as Kata gives
#      it) releases its port and record
. "$(dirname "$0")/lib/lib.sh"

vp_require_root
vp_require_cmd runc jq busybox ovs-vsctl ovsdb-server ovsdb-tool
[ -x "$VP_OVS_VSWITCHD" ] || tap_skip_all "$VP_OVS_VSWITCHD not installed"
vp_require_hook

vp_tmpdir >/dev/null
T=$VP_TMP
BR=$VP_BRIDGE
REQ='[{"network":"chain"}]'
CRIO_ID=io.kubernetes.cri-o.SandboxID
CRIO_TYPE=io.kubernetes.cri-o.ContainerType

ovs_up "$BR" "private OVS-DPDK up, bridge $BR (netdev)"
vp_config_write "$T/vnfplug.json"

# vp_record_port SANDBOX: the OVS port in the sandbox's record.
# victim_intact: the victim's port is on the bridge and its record still
# names the victim's infra container as the owner.
PV=""
victim_intact() {
	[ -n "$PV" ] && ovs_ports "$BR" | grep -qx "$PV" &&
		[ "$(jq -r .container "$(vp_sandbox_dir v-infra)/record.json" 2>/dev/null)" = v-infra ]
}

# no_ctl TEXT: TEXT holds no ESC and no CR byte.
no_ctl() {
	case $1 in
	*$'\e'* | *$'\r'*) return 1 ;;
	esac
	return 0
}

# victim_setup: the victim's prestart (again, when an attack above took
# its sandbox, so that each attack is judged on its own).
victim_setup() {
	hook_run prestart < <(state_json v-infra --annotation "$CRIO_ID" v-infra \
		--annotation "$CRIO_TYPE" sandbox --request "$REQ")
	PV=$(vp_record_port v-infra)
}

# ------------------------------------------------------------ victim ----
victim_setup
if [ "$HOOK_RC" -eq 0 ] && victim_intact; then
	tap_ok "victim pod's infra container sets up sandbox v-infra (port $PV)"
else
	tap_bail "victim pod's infra container sets up sandbox v-infra" \
		"exit $HOOK_RC" "$HOOK_ERR" "ports: $(ovs_ports "$BR" | tr '\n' ' ')"
fi

# --------------------------------------- CRI-O pod naming v-infra -------
attacker() { # attacker STATUS
	state_json a-ctr --status "$1" --annotation "$CRIO_ID" a-infra \
		--annotation "$CRIO_TYPE" container \
		--annotation io.kubernetes.cri.sandbox-id v-infra \
		--annotation io.kubernetes.cri.container-type sandbox \
		--request "$REQ"
}
hook_run prestart < <(attacker creating)
if [ "$HOOK_RC" -ne 0 ] && [ "$HOOK_RC" -lt 126 ] &&
	printf '%s\n' "$HOOK_ERR" | grep -q 'annotations of two runtimes disagree: io.kubernetes.cri.sandbox-id is `v-infra`, io.kubernetes.cri-o.SandboxID is `a-infra`'; then
	tap_ok "CRI-O container with containerd keys naming v-infra: prestart refused, both keys named"
else
	tap_fail "CRI-O container with containerd keys naming v-infra: prestart refused, both keys named" \
		"exit $HOOK_RC" "$HOOK_ERR"
fi
hook_run poststop < <(attacker stopped)
if victim_intact; then
	tap_ok "its poststop leaves the victim's port $PV and record alone"
else
	tap_fail "its poststop leaves the victim's port $PV and record alone" \
		"exit $HOOK_RC" "$HOOK_ERR" "ports: $(ovs_ports "$BR" | tr '\n' ' ')" \
		"record: $(cat "$(vp_sandbox_dir v-infra)/record.json" 2>&1)"
fi

# -------------------------------------- plain runc naming v-infra -------
victim_intact || victim_setup
runc_bundle "$T/bstr" --request "$REQ" \
	--annotation io.kubernetes.cri.sandbox-id v-infra -- true
if runc_run stranger1 "$T/bstr"; then
	tap_ok "plain runc container naming sandbox v-infra runs (prestart, poststop)"
else
	tap_fail "plain runc container naming sandbox v-infra runs (prestart, poststop)" \
		"$(runc_log stranger1)"
fi
if victim_intact && [ "$(ovs_port_count "$BR")" -eq 1 ]; then
	tap_ok "its poststop leaves the victim's port $PV and record alone"
else
	tap_fail "its poststop leaves the victim's port $PV and record alone" \
		"ports: $(ovs_ports "$BR" | tr '\n' ' ')" "$(runc_log stranger1)" \
		"record: $(cat "$(vp_sandbox_dir v-infra)/record.json" 2>&1)"
fi

# ------------------------------------ another container of the pod -----
victim_intact || victim_setup
sibling() { # sibling STATUS
	state_json v-app --status "$1" --annotation "$CRIO_ID" v-infra \
		--annotation "$CRIO_TYPE" container --request "$REQ"
}
hook_run prestart < <(sibling creating)
RC1=$HOOK_RC
hook_run poststop < <(sibling stopped)
if [ "$RC1" -eq 0 ] && [ "$HOOK_RC" -eq 0 ] && victim_intact; then
	tap_ok "an app container of the victim's pod starts and stops: nothing released"
else
	tap_fail "an app container of the victim's pod starts and stops: nothing released" \
		"exit $RC1, $HOOK_RC" "$HOOK_ERR"
fi

# ------------------------------------------ a hostile container id ------
EVIL=$'ctr\e[2J\e[31mFORGED\r'
evil() { # evil ID TYPE STATUS
	state_json "$1" --status "$3" --annotation "$CRIO_ID" e-infra \
		--annotation "$CRIO_TYPE" "$2" --request "$REQ"
}
hook_run prestart < <(evil "$EVIL" sandbox creating)
E1=$HOOK_RC
hook_run prestart < <(evil e-app container creating)
if [ "$E1" -eq 0 ] && [ "$HOOK_RC" -eq 0 ] &&
	[ "$(jq -r .container "$(vp_sandbox_dir e-infra)/record.json")" = "$EVIL" ] &&
	printf '%s\n' "$HOOK_ERR" | grep -q 'already set up by container ctr?\[2J?\[31mFORGED?;' &&
	no_ctl "$HOOK_ERR"; then
	tap_ok "container id with ESC/CR: \"already set up by container ...\" printed printable"
else
	tap_fail "container id with ESC/CR: \"already set up by container ...\" printed printable" \
		"exit $E1, $HOOK_RC" "stderr: $(printf '%s' "$HOOK_ERR" | od -c | head -20)"
fi
hook_run status </dev/null
S1=$HOOK_RC
STAB=$HOOK_OUT$HOOK_ERR
hook_run status --json </dev/null
if [ "$S1" -eq 0 ] && [ "$HOOK_RC" -eq 0 ] && no_ctl "$STAB" &&
	no_ctl "$HOOK_OUT$HOOK_ERR" &&
	[ "$(jq -r '.sandboxes[] | select(.id == "e-infra") | .container' <<<"$HOOK_OUT")" = "$EVIL" ]; then
	tap_ok "status table and --json carry no ESC/CR (JSON escapes the id)"
else
	tap_fail "status table and --json carry no ESC/CR (JSON escapes the id)" \
		"exit $S1, $HOOK_RC" "$(printf '%s\n%s' "$STAB" "$HOOK_OUT" | od -c | head -30)"
fi
hook_run poststop < <(evil "$EVIL" sandbox stopped)
if [ "$HOOK_RC" -eq 0 ] && no_ctl "$HOOK_ERR" && [ ! -e "$(vp_sandbox_dir e-infra)" ]; then
	tap_ok "that container's own poststop releases its sandbox"
else
	tap_fail "that container's own poststop releases its sandbox" "exit $HOOK_RC" \
		"$(printf '%s' "$HOOK_ERR" | od -c | head -10)"
fi

# ------------------------------------------------ the victim's own ------
# With the pid of its prestart, as Kata gives it (the runtime's own pid):
# still the same process, so the owner (and the check runs under the
# hook's seccomp filter).
hook_run poststop < <(state_json v-infra --status stopped --annotation "$CRIO_ID" v-infra \
	--annotation "$CRIO_TYPE" sandbox --request "$REQ" | jq -c --argjson p $$ '.pid = $p')
if [ "$HOOK_RC" -eq 0 ] && [ "$(ovs_port_count "$BR")" -eq 0 ] &&
	[ "$(vp_sandbox_count)" -eq 0 ]; then
	tap_ok "the victim's own poststop releases port $PV and its record"
else
	tap_fail "the victim's own poststop releases port $PV and its record" \
		"exit $HOOK_RC" "$HOOK_ERR" "ports: $(ovs_ports "$BR" | tr '\n' ' ')" \
		"sandboxes: $(ls "$VP_RUN_DIR/sandboxes" 2>&1)"
fi

tap_done
