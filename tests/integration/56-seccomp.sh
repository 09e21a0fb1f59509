#!/bin/bash
# 56-seccomp.sh - the real binaries run sandboxed (vnfplug-hook(8),
# vnfplug-qemu(8) SECCOMP).
#
#   1. a hook blocked on the allocation lock (held here with flock(1)) shows
#      "Seccomp: 2" and one filter in /proc/<pid>/status: the base filter
#      is on before the request is acted on; with --no-seccomp, mode 0
#   2. the backend command it runs (a fake ovs-vsctl, a shell script)
#      inherits the base and the tightening filter (Seccomp_filters: 2),
#      and a mount(2) it attempts fails with EPERM and mounts nothing;
#      the kernel logs the denial (audit type 1326) where dmesg is readable
#   3. a request without vhost-user (an SR-IOV network whose PF does not
#      exist) still fails for its own reason, not for the filter
#   4. vnfplug-qemu adds QEMU's own -sandbox and the QEMU it starts runs
#      under it; a runtime's own "-sandbox off" and --vnfplug-no-sandbox
#      are honoured
# No OVS needed: the fake ovs-vsctl stands in for the backend.
. "$(dirname "$0")/lib/lib.sh"

vp_require_root
vp_require_cmd jq flock mount mountpoint
vp_require_hook
: "${GUEST_QEMU:=/usr/bin/qemu-system-x86_64}"
SHIM=$VP_BUILD/vnfplug-qemu

T=$VP_TMP
mkdir -p "$T/mnt"

# The fake backend reports its own seccomp state and tries a mount.
cat >"$T/fake-vsctl" <<EOF
#!/bin/sh
while IFS= read -r l; do
	case \$l in Seccomp*) echo "\$l" ;; esac
done </proc/self/status >"$T/child.status"
/bin/mount -t tmpfs vp-seccomp-test "$T/mnt" >"$T/mount.out" 2>&1
echo "rc=\$?" >>"$T/mount.out"
exit 0
EOF
chmod 0755 "$T/fake-vsctl"
vp_config_write "$T/vnfplug.json" "ovs_vsctl=$T/fake-vsctl" \
	"net.ovsdb=unix:$T/db.sock" lock_timeout_ms=60000
REQ='[{"network":"chain","mac":"02:00:00:00:00:56"}]'

# status_of PID KEY: the value of "KEY:" in /proc/PID/status.
status_of() {
	awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status" 2>/dev/null
}

# blocked_hook_status ID [HOOK-ARGS...]: run a prestart while the lock is
# held, read the hook's seccomp state once it waits, then let it finish.
# Sets SC_MODE, SC_FILTERS, SC_RC.
blocked_hook_status() {
	local id=$1 holder hook
	shift
	mkdir -p -m 0700 "$VP_RUN_DIR"
	# -o: flock holds the lock itself, so killing it releases the lock
	flock -o "$VP_RUN_DIR/lock" sleep 60 &
	holder=$!
	vp_wait_for 5 eval "[ -n \"\$(awk '\$5 ~ /FLOCK/' /proc/locks)\" ]"
	state_json "$id" --request "$REQ" >"$T/state-$id.json"
	"$VP_HOOK" --config "$VP_CFG" "$@" prestart <"$T/state-$id.json" \
		>"$T/hook-$id.out" 2>&1 &
	hook=$!
	# by now it waits in its lock back-off loop (it gives up after
	# lock_timeout_ms, 60 s)
	sleep 1
	vp_pid_alive "$hook" || echo "# hook $hook did not wait for the lock" >&2
	SC_MODE=$(status_of "$hook" Seccomp)
	SC_FILTERS=$(status_of "$hook" Seccomp_filters)
	kill "$holder" 2>/dev/null
	wait "$holder" 2>/dev/null
	wait "$hook"
	SC_RC=$?
}

# 1. the hook itself
blocked_hook_status s1
if [ "$SC_MODE" = 2 ] && [ "${SC_FILTERS:-0}" -ge 1 ] && [ "$SC_RC" -eq 0 ]; then
	tap_ok "hook waiting for the lock runs filtered (Seccomp: $SC_MODE, filters: $SC_FILTERS), then succeeds"
else
	tap_fail "hook waiting for the lock runs filtered" \
		"Seccomp: '$SC_MODE', filters: '$SC_FILTERS', exit $SC_RC" \
		"$(cat "$T/hook-s1.out")"
fi

# 2. its backend command
if grep -qx 'Seccomp:.2' "$T/child.status" &&
	grep -qx 'Seccomp_filters:.2' "$T/child.status"; then
	tap_ok "backend command inherits the base and the tightening filter"
else
	tap_fail "backend command inherits the base and the tightening filter" \
		"$(cat "$T/child.status" 2>/dev/null)"
fi
if ! mountpoint -q "$T/mnt" && grep -q 'rc=[1-9]' "$T/mount.out" &&
	grep -qi 'permission denied\|not permitted' "$T/mount.out"; then
	tap_ok "mount(2) under the inherited filter fails with EPERM, nothing mounted"
else
	tap_fail "mount(2) under the inherited filter fails with EPERM" \
		"$(cat "$T/mount.out")" "$(grep vp-seccomp-test /proc/self/mounts)"
fi
mountpoint -q "$T/mnt" && umount "$T/mnt"
if ! dmesg >/dev/null 2>&1; then
	tap_skip "kernel logs the denial (audit type 1326)" "dmesg not readable"
elif [[ $(dmesg | grep 'type=1326') == *'comm="mount"'*'syscall=165 '* ]]; then
	tap_ok "kernel logs the denial (audit type 1326, syscall=165 mount)"
else
	tap_fail "kernel logs the denial (audit type 1326)" \
		"$(dmesg | grep 'type=1326' | tail -3)"
fi

state_json s1 --status stopped >"$T/state-s1-stop.json"
hook_run poststop <"$T/state-s1-stop.json"
tap_result "poststop under the filter (backend run again) succeeds" "$HOOK_RC" "$HOOK_ERR"

# 1b. the escape hatch
rm -f "$T/child.status"
blocked_hook_status s2 --no-seccomp
if [ "$SC_MODE" = 0 ] && [ "$SC_RC" -eq 0 ] &&
	grep -qx 'Seccomp:.0' "$T/child.status"; then
	tap_ok "--no-seccomp: hook and backend run unfiltered (Seccomp: 0)"
else
	tap_fail "--no-seccomp: hook and backend run unfiltered" \
		"Seccomp: '$SC_MODE', exit $SC_RC" "$(cat "$T/hook-s2.out")" \
		"$(cat "$T/child.status" 2>/dev/null)"
fi
mountpoint -q "$T/mnt" && umount "$T/mnt"
state_json s2 --status stopped >"$T/state-s2-stop.json"
hook_run --no-seccomp poststop <"$T/state-s2-stop.json"

# 3. an SR-IOV request (no exec, netlink + netns kept): fails on its PF
vp_config_write "$T/sriov.json" "ovs_vsctl=$T/fake-vsctl" \
	"net.ovsdb=unix:$T/db.sock" \
	'networks.fast={"type":"sriov","pfs":["vpnopf0"]}'
state_json s3 --request '[{"network":"fast"}]' >"$T/state-s3.json"
hook_run prestart <"$T/state-s3.json"
if [ "$HOOK_RC" -ne 0 ] && [[ $HOOK_ERR == *vpnopf0* ]] &&
	! grep -qi 'not permitted' <<<"$HOOK_ERR"; then
	tap_ok "SR-IOV request with a missing PF: refused for that, not by the filter"
else
	tap_fail "SR-IOV request with a missing PF: refused for that, not by the filter" \
		"exit $HOOK_RC" "$HOOK_ERR"
fi

# 4. the shim: QEMU's own sandbox
if [ ! -x "$SHIM" ] || [ ! -x "$GUEST_QEMU" ]; then
	tap_skip "vnfplug-qemu adds -sandbox" "no shim or no $GUEST_QEMU"
	tap_done
fi
vp_config_write "$T/shim.json" "qemu=$GUEST_QEMU" "net.ovsdb=unix:$T/db.sock"

# shim_qemu NAME SHIM-ARGS... -- QEMU-ARGS...: start QEMU (paused, no
# machine) through the shim; prints "<Seccomp> <-sandbox value or none>".
shim_qemu() {
	local name=$1 pid mode sb
	shift
	local pre=()
	while [ "$1" != -- ]; do pre+=("$1"); shift; done
	shift
	"$SHIM" --vnfplug-config="$T/shim.json" "${pre[@]}" -name "sandbox-$name" \
		-machine none -display none -nodefaults -S "$@" \
		>"$T/qemu-$name.out" 2>&1 &
	pid=$!
	vp_wait_for 10 eval "tr '\\0' '\\n' </proc/$pid/cmdline | grep -q qemu-system"
	sleep 0.5
	mode=$(status_of "$pid" Seccomp)
	sb=$(tr '\0' '\n' <"/proc/$pid/cmdline" | grep -A1 -x -- -sandbox | tail -n +2)
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	echo "${mode:-gone} ${sb:-none}"
}

got=$(shim_qemu q1 --)
want="2 on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny"
tap_result "QEMU started by the shim runs under -sandbox (all sets denied)" \
	"$([ "$got" = "$want" ]; echo $?)" "got '$got', want '$want'" \
	"$(cat "$T/qemu-q1.out")"
got=$(shim_qemu q2 -- -sandbox off)
tap_result "a runtime's own '-sandbox off' is kept" \
	"$([ "$got" = "0 off" ]; echo $?)" "got '$got'"
got=$(shim_qemu q3 --vnfplug-no-sandbox --)
tap_result "--vnfplug-no-sandbox: QEMU unfiltered" \
	"$([ "$got" = "0 none" ]; echo $?)" "got '$got'"

tap_done
