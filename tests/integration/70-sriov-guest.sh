#!/bin/bash
# 70-sriov-guest - VM mode on a real kernel's SR-IOV.
#
# A TCG guest with an intel-iommu and QEMU's emulated NVMe SR-IOV PF
# (docs/architecture.md §12) runs vnfplug-hook itself (copied in with its shared
# libraries; sriovguest.sh).  With 2 VFs over that PF in one pool
# ("fastnet", mode vfio, pf_netlink false: the NVMe PF has no netdev):
#   - sandbox sb1 gets a VF: bound to vfio-pci, /dev/vfio/<group> exists,
#     its devices.json holds "vfio-pci,host=<vf>";
#   - sandbox sb2 gets the other VF;
#   - sandbox sb3 is refused with "no free VF", leaving the others alone;
#   - poststop of sb1 and sb2 returns the VFs to the nvme driver
#     (driver_override cleared, the VF's nvme controller live again).
# Every fact is checked inside the guest and reported on its console as
# "VP-FACT <name> ok|FAIL <detail>"; each becomes one TAP line here.  The
# test passes only if the guest reports all of them.  Until the hook
# supports sriov, the hook facts fail: that is the correct result.
#
# VP_SRIOV_GUEST_TIMEOUT (default 240) bounds the guest's run in seconds;
# VP_SRIOV_KEEP_LOG=FILE keeps a copy of the guest's console log.
# Takes 30-80 s (TCG; most of it the guest's boot and nvme probing).
. "$(dirname "$0")/lib/lib.sh"
. "$(dirname "$0")/lib/sriovguest.sh"

vp_require_cmd "$SGUEST_QEMU" cpio gzip gcc
vp_require_hook
[ -r /dev/null ] || tap_bail "no /dev/null"

if ! sguest_prepare 2>"$(vp_tmpdir)/prepare.err"; then
	tap_bail "guest initramfs builds" "$(cat "$(vp_tmpdir)/prepare.err")"
fi
tap_ok "guest initramfs ($SGUEST_KVER, nvme + vfio modules, vpnvme helper)"

LOG=$(vp_tmpdir)/console.log
t0=$SECONDS
sguest_boot "$LOG" basic 2 || tap_bail "guest boots" "could not start QEMU" \
	"$(cat "$(vp_tmpdir)/qemu.out" 2>/dev/null)"
sguest_wait "$LOG" "${VP_SRIOV_GUEST_TIMEOUT:-240}"
rc=$?
case $rc in
0) tap_ok "guest ran the test and reported VP-DONE ($((SECONDS - t0)) s)" ;;
1) tap_fail "guest reported VP-DONE within ${VP_SRIOV_GUEST_TIMEOUT:-240} s" \
	"$(guest_console_diag "$LOG")" ;;
*) tap_fail "guest reported VP-DONE before QEMU exited" \
	"$(guest_console_diag "$LOG")" "qemu: $(cat "$(vp_tmpdir)/qemu.out" 2>/dev/null)" ;;
esac
kill_pid "$SGUEST_PID"

grep -a '^VP-INFO' "$LOG" | tr -d '\r' | sed 's/^/# /' >&2
grep -a '^VP-INSMOD-FAIL' "$LOG" | tr -d '\r' | sed 's/^/# /' >&2
[ "${VP_SRIOV_KEEP_LOG:-}" ] && cp "$LOG" "$VP_SRIOV_KEEP_LOG"

sguest_facts_tap "$LOG"
# Every fact the guest must report; a missing one (the guest died or the
# script stopped early) is a failure of its own.
for f in pf-found pf-nvme-live vf-provision vf0-exists vf1-exists \
	vf0-nvme-live vf1-nvme-live \
	sb1-prestart sb1-devices sb1-vfio-driver sb1-vfio-dev \
	sb2-prestart sb2-devices sb2-vfio-driver sb2-vfio-dev sb2-distinct-vf \
	sb3-refused sb3-no-free-vf sb3-no-devices sb3-others-kept \
	sb1-poststop sb1-vf-on-nvme sb1-override-cleared sb1-nvme-live sb1-sandbox-gone \
	sb2-poststop sb2-vf-on-nvme sb2-override-cleared sb2-nvme-live sb2-sandbox-gone \
	sb3-poststop; do
	grep -aq "^VP-FACT $f " "$LOG" || missing="${missing:-} $f"
done
if [ -n "${missing:-}" ]; then
	tap_fail "guest reported every fact" "missing:$missing" "$(guest_console_diag "$LOG")"
else
	tap_ok "guest reported every fact"
fi
tap_done
