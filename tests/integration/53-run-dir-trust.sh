#!/bin/bash
# 53-run-dir-trust.sh - a state directory someone else created is not
# trusted.  Another user (uid 65534, through setpriv) pre-creates run_dir in
# a shared sticky directory, mode 0777, and plants a devices.json whose
# `-chardev file,path=...` would make QEMU write a file of that user's
# choosing.  The real shim and the real hook must refuse, naming the
# directory, and the QEMU stand-in (it records its argv) must never run
# with the planted arguments.  Controls: the same shim and hook with a
# root-owned run_dir do use the list and do create the port, so each
# refusal is the check and not a broken setup.
#   1. control: prestart + shim with a root-owned run_dir
#   2. squatted run_dir: the shim refuses, QEMU not started
#   3. squatted run_dir: prestart and poststop refuse, nothing written
#   4. run_dir of root's but mode 0777, list planted by another user
#   5. socket_dir squatted: prestart refuses, no port, nothing left
# ovs-vsctl is a stand-in that logs and succeeds: every refusal happens
# before any OVS command, and the controls show one would have run.
. "$(dirname "$0")/lib/lib.sh"

vp_require_root
vp_require_cmd jq setpriv
vp_require_hook
vp_require_shim

T=$VP_TMP
NOBODY=65534
# as_nobody CMD...: run as uid/gid 65534 with no supplementary groups
as_nobody() {
	setpriv --reuid "$NOBODY" --regid "$NOBODY" --clear-groups -- "$@"
}

# stand-ins: QEMU records its argv, ovs-vsctl its arguments
cat >"$T/qemu" <<EOF
#!/bin/sh
printf '%s\n' "\$@" >>"$T/qemu.argv"
EOF
chmod 0755 "$T/qemu"
vp_fake_vsctl "$T/vsctl" "$T/vsctl.log"

SHARED=$T/shared
mkdir -m 1777 "$SHARED" && chmod 1777 "$SHARED"
REQ='[{"network":"chain"}]'
PLANT='{"version":1,"sandbox":"victim","shared_memory":false,"args":["-chardev","file,id=leak,path=/etc/vp-planted"]}'

# cfg FILE RUN_DIR [SOCKET_DIR]: a config with the stand-ins
cfg() {
	vp_config_write "$1" "run_dir=$2" "qemu=$T/qemu" "ovs_vsctl=$T/vsctl" \
		"net.socket_dir=${3:-$T/s}" "net.ovsdb=unix:$T/no-ovsdb.sock"
}

# shim CFG: the shim as Kata starts it; sets SHIM_RC and SHIM_ERR
shim() {
	rm -f "$T/qemu.argv"
	timeout 20 "$SHIM" "--vnfplug-config=$1" -name sandbox-victim,debug-threads=on \
		-m 64 -nographic </dev/null >"$T/shim.out" 2>"$T/shim.err"
	SHIM_RC=$?
	SHIM_ERR=$(cat "$T/shim.err")
}

# ------------------------------------------------------------ control --
cfg "$T/good.json" "$T/run"
GOOD=$VP_CFG
hook_run --config "$GOOD" prestart <<<"$(state_json victim --request "$REQ")"
shim "$GOOD"
if [ "$HOOK_RC" -eq 0 ] && grep -q 'add-port' "$T/vsctl.log" 2>/dev/null &&
	[ "$SHIM_RC" -eq 0 ] && grep -q '^socket,id=vp-c0' "$T/qemu.argv" 2>/dev/null; then
	tap_ok "control: with a root-owned run_dir prestart adds the port and the shim passes the list to QEMU"
else
	tap_bail "control: with a root-owned run_dir prestart adds the port and the shim passes the list to QEMU" \
		"prestart exit $HOOK_RC: $HOOK_ERR" "vsctl: $(cat "$T/vsctl.log" 2>&1)" \
		"shim exit $SHIM_RC: $SHIM_ERR" "QEMU argv: $(cat "$T/qemu.argv" 2>&1)"
fi
hook_run --config "$GOOD" poststop <<<"$(state_json victim --status stopped --request "$REQ")"

# ---------------------------------------------- squatted run_dir: shim --
# What another user can do in a shared sticky directory: make run_dir
# first, open to all, with a device list of its choosing.
SQ=$SHARED/x
as_nobody mkdir -m 0777 -p "$SQ/run/sandboxes/victim" &&
	as_nobody chmod -R 0777 "$SQ" &&
	as_nobody sh -c "printf '%s\n' '$PLANT' >'$SQ/run/sandboxes/victim/devices.json'"
[ "$(stat -c %u "$SQ/run/sandboxes/victim/devices.json" 2>/dev/null)" = "$NOBODY" ] ||
	tap_bail "uid $NOBODY planted $SQ/run/sandboxes/victim/devices.json"
cfg "$T/squat.json" "$SQ/run"
SQCFG=$VP_CFG

shim "$SQCFG"
why=()
[ "$SHIM_RC" -ne 0 ] || why+=("exit status 0, want non-zero")
printf '%s\n' "$SHIM_ERR" | grep -qF "\`$SQ\` is owned by uid $NOBODY, not root" ||
	why+=("stderr does not name \`$SQ\` and its owner")
[ ! -e "$T/qemu.argv" ] || why+=("QEMU was started: $(tr '\n' ' ' <"$T/qemu.argv")")
[ ! -e "$SQ/run/sandboxes/victim/vm.json" ] || why+=("vm.json written into the squatted directory")
if [ ${#why[@]} -eq 0 ]; then
	tap_ok "squatted run_dir: the shim refuses, naming \`$SQ\`; QEMU never runs"
else
	tap_fail "squatted run_dir: the shim refuses, naming \`$SQ\`; QEMU never runs" \
		"${why[@]}" "stderr: $SHIM_ERR"
fi

# ---------------------------------------------- squatted run_dir: hook --
: >"$T/vsctl.log"
for stage in prestart poststop; do
	if [ "$stage" = prestart ]; then
		hook_run --config "$SQCFG" prestart <<<"$(state_json victim --request "$REQ")"
	else
		hook_run --config "$SQCFG" poststop <<<"$(state_json victim --status stopped --request "$REQ")"
	fi
	why=()
	[ "$HOOK_RC" -ne 0 ] || why+=("exit status 0, want non-zero")
	[ "$HOOK_RC" -lt 126 ] || why+=("exit status $HOOK_RC: crashed or timed out")
	printf '%s\n' "$HOOK_ERR" | grep -qF "\`$SQ\` is owned by uid $NOBODY, not root" ||
		why+=("stderr does not name \`$SQ\` and its owner")
	[ ! -s "$T/vsctl.log" ] || why+=("ovs-vsctl ran: $(cat "$T/vsctl.log")")
	left=$(find "$SQ" -user 0 2>/dev/null)
	[ -z "$left" ] || why+=("root wrote into the squatted tree: $left")
	cmp -s "$SQ/run/sandboxes/victim/devices.json" <(printf '%s\n' "$PLANT") ||
		why+=("the planted list was changed")
	if [ ${#why[@]} -eq 0 ]; then
		tap_ok "squatted run_dir: $stage refuses, naming \`$SQ\`; nothing run or written"
	else
		tap_fail "squatted run_dir: $stage refuses, naming \`$SQ\`; nothing run or written" \
			"${why[@]}" "stderr: $HOOK_ERR"
	fi
done

# ------------------------------- root's run_dir, mode 0777, list planted --
OPEN=$T/open/run
mkdir -p "$OPEN" && chmod 0777 "$OPEN"
as_nobody mkdir -p "$OPEN/sandboxes/victim" &&
	as_nobody sh -c "printf '%s\n' '$PLANT' >'$OPEN/sandboxes/victim/devices.json'"
cfg "$T/open.json" "$OPEN"
shim "$VP_CFG"
why=()
[ "$SHIM_RC" -ne 0 ] || why+=("exit status 0, want non-zero")
printf '%s\n' "$SHIM_ERR" | grep -qF "\`$OPEN\` is writable by group or others (mode 0777)" ||
	why+=("stderr does not name \`$OPEN\` and its mode")
[ ! -e "$T/qemu.argv" ] || why+=("QEMU was started: $(tr '\n' ' ' <"$T/qemu.argv")")
if [ ${#why[@]} -eq 0 ]; then
	tap_ok "run_dir of root's but mode 0777: the shim refuses the list planted there"
else
	tap_fail "run_dir of root's but mode 0777: the shim refuses the list planted there" \
		"${why[@]}" "stderr: $SHIM_ERR"
fi

# ------------------------------------------------- squatted socket_dir --
as_nobody mkdir -m 0755 "$SHARED/sock"
cfg "$T/sock.json" "$T/run2" "$SHARED/sock"
: >"$T/vsctl.log"
hook_run prestart <<<"$(state_json victim --request "$REQ")"
why=()
[ "$HOOK_RC" -ne 0 ] || why+=("exit status 0, want non-zero")
printf '%s\n' "$HOOK_ERR" | grep -qF "\`$SHARED/sock\` is owned by uid $NOBODY, not root" ||
	why+=("stderr does not name \`$SHARED/sock\` and its owner")
grep -q 'add-port' "$T/vsctl.log" && why+=("a port was added: $(cat "$T/vsctl.log")")
[ "$(vp_sandbox_count)" -eq 0 ] || why+=("sandbox dir left: $(ls "$VP_RUN_DIR/sandboxes")")
if [ ${#why[@]} -eq 0 ]; then
	tap_ok "socket_dir made by another user: prestart refuses, naming it; no port, nothing left"
else
	tap_fail "socket_dir made by another user: prestart refuses, naming it; no port, nothing left" \
		"${why[@]}" "stderr: $HOOK_ERR"
fi

tap_done
