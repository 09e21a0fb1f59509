#!/bin/bash
# 60-sriov-concurrency - 16 concurrent prestarts against 4 VFs give exactly
# 4 allocations with 4 distinct VFs and 12 clean refusals ("no free VF");
# 16 concurrent poststops then give every VF back.
#
# Twice, against two kinds of "kernel":
#   fixture  a sysfs tree from tests/fixtures/mksysfs.sh (ixgbe layout, one
#            PF, 4 VFs on ixgbevf) with its simulated kernel running, so the
#            hook's vfio-pci binds (driver_override, unbind, drivers_probe)
#            take effect in the tree.  mode vfio: the netns mode would need
#            real VF netdevs.  Fast; checks allocation and claim under the
#            lock and the journal, not a kernel.
#   guest    the real thing: vnfplug-hook inside a TCG guest with QEMU's NVMe
#            SR-IOV PF and 4 VFs on the nvme driver (sriovguest.sh, phase
#            "conc"), rebinding them to vfio-pci and back for real.
#
# VP_SRIOV_GUEST_TIMEOUT (default 240) bounds the guest's run in seconds;
# VP_SRIOV_NO_GUEST=1 runs only the fixture part; VP_SRIOV_KEEP_LOG=FILE
# keeps a copy of the guest's console log.
. "$(dirname "$0")/lib/lib.sh"
. "$(dirname "$0")/lib/sriovguest.sh"

vp_require_cmd jq
vp_require_hook
N=16
NVF=4
MKSYSFS=$VP_ROOT/tests/fixtures/mksysfs.sh
T=$(vp_tmpdir)

# ------------------------------------------------------------ fixture ----
fixture_part() {
	local root=$T/sys pf=0000:3b:00.0 i rc ok=0 refused=0 other="" vfs v
	local kpid back=0 bad="" nv=0 distinct good out o
	local -a pids vfs
	[ -x "$MKSYSFS" ] || [ -f "$MKSYSFS" ] || {
		tap_fail "fixture: tests/fixtures/mksysfs.sh exists"
		return
	}
	if ! out=$(bash "$MKSYSFS" "$root" pf ens1 "$pf" --vfs "$NVF" 2>&1); then
		tap_fail "fixture: sysfs tree with 1 PF and $NVF VFs" "$out"
		return
	fi
	mapfile -t vfs < <(for i in $(seq 0 $((NVF - 1))); do
		basename "$(readlink "$root/bus/pci/devices/$pf/virtfn$i")"; done)
	bash "$MKSYSFS" "$root" kernel --interval-ms 2 &
	kpid=$!
	vp_on_exit "kill $kpid"
	vp_config_write "$T/fx.json" "run_dir=$T/fxrun" "sysfs_root=$root" \
		-networks.chain \
		"networks.fastnet={\"type\":\"sriov\",\"pfs\":[\"$pf\"],\"mode\":\"vfio\",\"pf_netlink\":false}" ||
		{ tap_fail "fixture: config"; return; }

	pids=()
	for i in $(seq 1 $N); do
		(state_json "c$i" --request '[{"network":"fastnet"}]' |
			timeout 60 "$VP_HOOK" --config "$VP_CFG" prestart \
				>"$T/c$i.pre.out" 2>"$T/c$i.pre.err"
		 echo $? >"$T/c$i.pre.rc") &
		pids+=($!)
	done
	wait "${pids[@]}"
	: >"$T/fx.vfs"
	for i in $(seq 1 $N); do
		rc=$(cat "$T/c$i.pre.rc")
		if [ "$rc" = 0 ]; then
			ok=$((ok + 1))
			jq -r '.args[] | select(startswith("vfio-pci,host=")) | sub("vfio-pci,host="; "")' \
				"$(vp_sandbox_dir "c$i")/devices.json" >>"$T/fx.vfs" 2>/dev/null
		elif grep -q "no free VF" "$T/c$i.pre.err"; then
			refused=$((refused + 1))
			[ -e "$(vp_sandbox_dir "c$i")/devices.json" ] &&
				other="$other c$i:refused-but-has-devices.json"
		else
			other="$other c$i:rc=$rc:$(head -c 200 "$T/c$i.pre.err")"
		fi
	done
	tap_result "fixture: $ok of $N concurrent prestarts allocated (want $NVF)" \
		"$([ "$ok" = "$NVF" ]; echo $?)" "$(cat "$T"/c*.pre.err | sort | uniq -c)"
	distinct=$(sort -u "$T/fx.vfs" | grep -c .)
	good=1
	while read -r v; do [[ " ${vfs[*]} " == *" $v "* ]] || good=0; done <"$T/fx.vfs"
	tap_result "fixture: $distinct distinct VFs of the pool (want $NVF)" \
		"$([ "$distinct" = "$NVF" ] && [ "$good" = 1 ]; echo $?)" \
		"allocated: $(tr '\n' ' ' <"$T/fx.vfs")" "pool: ${vfs[*]}"
	tap_result "fixture: $refused clean refusals with \"no free VF\" (want $((N - NVF)))" \
		"$([ "$refused" = $((N - NVF)) ] && [ -z "$other" ]; echo $?)" "other:$other"
	for v in "${vfs[@]}"; do
		[ "$(basename "$(readlink "$root/bus/pci/devices/$v/driver")")" = vfio-pci ] &&
			nv=$((nv + 1))
	done
	tap_result "fixture: $nv of $NVF VFs on vfio-pci" "$([ "$nv" = "$NVF" ]; echo $?)"
	tap_result "fixture: $(vp_sandbox_count) sandbox records (want $NVF)" \
		"$([ "$(vp_sandbox_count)" = "$NVF" ]; echo $?)" "$(ls "$VP_RUN_DIR/sandboxes" 2>&1)"

	pids=()
	for i in $(seq 1 $N); do
		(state_json "c$i" --status stopped --request '[{"network":"fastnet"}]' |
			timeout 60 "$VP_HOOK" --config "$VP_CFG" poststop \
				>"$T/c$i.post.out" 2>"$T/c$i.post.err"
		 echo $? >"$T/c$i.post.rc") &
		pids+=($!)
	done
	wait "${pids[@]}"
	for i in $(seq 1 $N); do
		[ "$(cat "$T/c$i.post.rc")" = 0 ] || bad="$bad c$i:$(head -c 200 "$T/c$i.post.err")"
	done
	tap_result "fixture: $N concurrent poststops exit 0" "$([ -z "$bad" ]; echo $?)" "failed:$bad"
	# a real kernel reads a cleared override back as "(null)"; the fixture
	# keeps the last write, the hook's empty line
	for v in "${vfs[@]}"; do
		o=$(cat "$root/bus/pci/devices/$v/driver_override")
		[ "$(basename "$(readlink "$root/bus/pci/devices/$v/driver")")" = ixgbevf ] &&
			{ [ "$o" = "(null)" ] || [ -z "$o" ]; } && back=$((back + 1))
	done
	tap_result "fixture: $back of $NVF VFs back on ixgbevf, driver_override cleared" \
		"$([ "$back" = "$NVF" ]; echo $?)"
	tap_result "fixture: no sandbox record left" "$([ "$(vp_sandbox_count)" = 0 ]; echo $?)" \
		"$(ls "$VP_RUN_DIR/sandboxes" 2>&1)"
	kill "$kpid" 2>/dev/null
}

# -------------------------------------------------------------- guest ----
guest_part() {
	local log=$T/console.log rc missing="" f t0
	if ! command -v "$SGUEST_QEMU" >/dev/null || ! command -v gcc >/dev/null ||
		! command -v cpio >/dev/null; then
		tap_skip "guest: 16 concurrent prestarts against 4 real NVMe VFs" \
			"qemu-system-x86_64, gcc or cpio not installed"
		return
	fi
	if ! sguest_prepare 2>"$T/prepare.err"; then
		tap_fail "guest: initramfs builds" "$(cat "$T/prepare.err")"
		return
	fi
	t0=$SECONDS
	sguest_boot "$log" conc "$NVF" || {
		tap_fail "guest: boots" "$(cat "$T/qemu.out" 2>/dev/null)"
		return
	}
	sguest_wait "$log" "${VP_SRIOV_GUEST_TIMEOUT:-240}"
	rc=$?
	tap_result "guest: ran the test and reported VP-DONE ($((SECONDS - t0)) s)" \
		"$([ "$rc" = 0 ]; echo $?)" "$(guest_console_diag "$log")"
	kill_pid "$SGUEST_PID"
	grep -a '^VP-INFO' "$log" | tr -d '\r' | sed 's/^/# /' >&2
	[ "${VP_SRIOV_KEEP_LOG:-}" ] && cp "$log" "$VP_SRIOV_KEEP_LOG"
	sguest_facts_tap "$log" "guest: "
	for f in pf-found pf-nvme-live vf-provision vf0-nvme-live vf1-nvme-live \
		vf2-nvme-live vf3-nvme-live conc-4-allocated conc-4-distinct-vfs \
		conc-12-refused conc-vfs-on-vfio conc-records conc-poststop conc-vfs-returned \
		conc-nothing-left; do
		grep -aq "^VP-FACT $f " "$log" || missing="$missing $f"
	done
	tap_result "guest: reported every fact" "$([ -z "$missing" ]; echo $?)" \
		"missing:$missing" "$(guest_console_diag "$log")"
}

fixture_part
[ "${VP_SRIOV_NO_GUEST:-0}" = 1 ] || guest_part
tap_done
