# tests/integration/lib/sriovguest.sh - a real kernel's SR-IOV in a QEMU guest.
#
# Sourced by 60-sriov-concurrency.sh and 70-sriov-guest.sh (after lib.sh).
# The host has no VF-capable NIC and no vfio (docs/architecture.md §12), so
# vnfplug-hook *inside* a TCG guest that has an intel-iommu and QEMU's
# emulated NVMe controller with SR-IOV: the guest kernel creates real VFs
# (virtfnN, physfn, IOMMU groups) and really rebinds them between the nvme
# driver and vfio-pci.  The guest prints one console line per checked fact;
# the host turns each into a TAP line.
#
#   sguest_prepare           build (once, cached under $VP_BUILD/guest-sriov/)
#                            the base initramfs: busybox, the guest kernel's
#                            nvme + vfio modules (with their dependencies,
#                            decompressed), and vpnvme, a tiny static helper
#                            that sends the NVMe admin commands needed to give
#                            the VFs resources.  Sets SGUEST_KERNEL,
#                            SGUEST_INITRD, SGUEST_KVER.
#   sguest_overlay OUT       a second (uncompressed) cpio archive with /init,
#                            $VP_HOOK and its shared libraries (ldd, loader
#                            included).  Built on every run: the hook changes
#                            often.  The kernel unpacks both archives.
#   sguest_boot LOG PHASE NUMVFS [SECONDS]
#                            boot the guest in the background (SGUEST_PID),
#                            serial console to LOG; its QEMU is killed on
#                            exit.  PHASE is "basic" or "conc" (below).
#   sguest_wait LOG SECONDS  wait for VP-DONE (0), timeout (1), QEMU gone (2).
#   sguest_facts_tap LOG     one TAP line per "VP-FACT name ok|FAIL detail".
#
# Guest phases (kernel command line vp.phase=, vp.numvfs=):
#   basic  2 VFs: prestart sb1, sb2 (each gets a VF on vfio-pci, its
#          /dev/vfio/<group>, "vfio-pci,host=<vf>" in devices.json), sb3 is
#          refused with "no free VF", poststop sb1 and sb2 give the VFs back
#          to nvme (driver_override cleared, the nvme controller live again).
#   conc   4 VFs: 16 concurrent prestarts c1..c16: exactly 4 succeed with 4
#          distinct VFs, 12 are refused with "no free VF"; poststop all.
#
# Console lines: VP-INIT-START, VP-INFO ..., VP-FACT <name> ok|FAIL <detail>,
# VP-DONE.  The guest has no network device at all.
#
# Why the VFs get resources first: a VF of QEMU's NVMe (7.2) is a secondary
# controller that stays offline (CSTS.CFS on enable) until the PF assigns it
# flexible queue and interrupt resources and puts it online (Virtualization
# Management, NVMe 1.4 §5.22; QEMU docs/system/devices/nvme.rst).  Without
# that the nvme driver binds a VF, fails to enable it and, seconds later,
# releases it: "back on nvme" would be a race.  With resources, the VF is a
# live nvme controller before vnfplug takes it and again after poststop.

# shellcheck source=tests/integration/guestlib.sh
. "$(dirname "${BASH_SOURCE[0]}")/guestlib.sh"

SGUEST_DIR=${VP_BUILD:?VP_BUILD must be set}/guest-sriov
SGUEST_QEMU=${SGUEST_QEMU:-/usr/bin/qemu-system-x86_64}
# Wanted modules; their dependencies come from modules.dep.  On Debian 12's
# 6.1 kernel intel-iommu, IRQ remapping and PCI_IOV are built in.
SGUEST_MODULES="nvme vfio vfio_iommu_type1 vfio_pci"
SGUEST_PID=""

# _sguest_mod_paths KVER: the module files (relative to /lib/modules/KVER)
# of $SGUEST_MODULES and their dependencies, in load order, one a line.
_sguest_mod_paths() {
	local mdir=/lib/modules/$1 m line rel deps d i
	local -a out=() list
	for m in $SGUEST_MODULES; do
		line=$(grep -E "(^|/)(${m}|${m//_/-})\.ko(\.xz|\.zst|\.gz)?:" "$mdir/modules.dep" | head -1)
		if [ -z "$line" ]; then
			echo "sriovguest: module $m not found for $1 (assuming built in)" >&2
			continue
		fi
		rel=${line%%:*}
		deps=${line#*:}
		# modules.dep lists dependencies so that the last one loads first
		read -r -a list <<<"$deps"
		for ((i = ${#list[@]} - 1; i >= -1; i--)); do
			if [ "$i" -ge 0 ]; then d=${list[$i]}; else d=$rel; fi
			[[ " ${out[*]} " == *" $d "* ]] || out+=("$d")
		done
	done
	printf '%s\n' "${out[@]}"
}

# _sguest_vpnvme_src: C source of the guest's NVMe admin helper.
_sguest_vpnvme_src() {
	cat <<'EOF'
/* vpnvme - NVMe admin commands for the SR-IOV test guest (no nvme-cli there):
 *   vpnvme DEV seclist                 Identify CNS 15h, one line per
 *                                      secondary controller: scid vfn scs nvq nvi
 *   vpnvme DEV virt CNTLID RT ACT NR   Virtualization Management (opcode 1Ch)
 *   vpnvme DEV reset                   controller reset (NVME_IOCTL_RESET)
 */
#include <fcntl.h>
#include <linux/nvme_ioctl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct nvme_admin_cmd c;
	int fd, rc;

	if (argc < 3) {
		fprintf(stderr, "usage: vpnvme DEV seclist|virt C RT ACT NR|reset\n");
		return 2;
	}
	fd = open(argv[1], O_RDWR);
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	memset(&c, 0, sizeof(c));
	if (strcmp(argv[2], "seclist") == 0) {
		static uint8_t buf[4096];
		unsigned n, i;
		c.opcode = 0x06;
		c.addr = (uintptr_t)buf;
		c.data_len = sizeof(buf);
		c.cdw10 = 0x15;
		rc = ioctl(fd, NVME_IOCTL_ADMIN_CMD, &c);
		if (rc != 0) {
			fprintf(stderr, "identify 15h: status %d\n", rc);
			return 1;
		}
		n = buf[0];
		for (i = 0; i < n && i < 127; i++) {
			uint8_t *e = buf + 32 + 32 * i;
			printf("%u %u %u %u %u\n", e[0] | e[1] << 8, e[8] | e[9] << 8,
			       e[4], e[10] | e[11] << 8, e[12] | e[13] << 8);
		}
		return 0;
	}
	if (strcmp(argv[2], "virt") == 0 && argc == 7) {
		c.opcode = 0x1c;
		c.cdw10 = (strtoul(argv[5], 0, 0) & 0xf) |
			  (strtoul(argv[4], 0, 0) & 0x7) << 8 |
			  (strtoul(argv[3], 0, 0) & 0xffff) << 16;
		c.cdw11 = strtoul(argv[6], 0, 0) & 0xffff;
		rc = ioctl(fd, NVME_IOCTL_ADMIN_CMD, &c);
		if (rc != 0) {
			fprintf(stderr, "virt-mgmt %s %s %s %s: status 0x%x\n",
				argv[3], argv[4], argv[5], argv[6], rc);
			return 1;
		}
		return 0;
	}
	if (strcmp(argv[2], "reset") == 0) {
		if (ioctl(fd, NVME_IOCTL_RESET) != 0) {
			perror("reset");
			return 1;
		}
		return 0;
	}
	fprintf(stderr, "vpnvme: bad arguments\n");
	return 2;
}
EOF
}

# sguest_prepare: build the base initramfs unless an up-to-date one is
# cached.  The key covers the kernel version, the module list, busybox and
# the helper's source; builds are serialised with flock.
sguest_prepare() {
	local kver key stamp
	kver=$(_guest_kver) || { echo "sriovguest: no /boot/vmlinuz-<ver> with /lib/modules/<ver>" >&2; return 1; }
	# shellcheck disable=SC2034 # for the tests' messages
	SGUEST_KVER=$kver
	SGUEST_KERNEL=/boot/vmlinuz-$kver
	SGUEST_INITRD=$SGUEST_DIR/base-$kver.cpio.gz
	mkdir -p "$SGUEST_DIR" || return 1
	key=$({ echo "$kver $SGUEST_MODULES"; _sguest_vpnvme_src; stat -c '%s %Y' /bin/busybox; } | sha256sum | cut -c1-16)
	stamp=$SGUEST_INITRD.$key
	(
		flock 9
		[ -f "$stamp" ] && [ -s "$SGUEST_INITRD" ] && exit 0
		tmp=$(mktemp -d "$SGUEST_DIR/root.XXXXXX") || exit 1
		trap 'rm -rf "$tmp"' EXIT
		mkdir -p "$tmp"/bin "$tmp"/sbin "$tmp"/proc "$tmp"/sys "$tmp"/dev \
			"$tmp"/tmp "$tmp"/run "$tmp"/etc "$tmp"/lib/modules || exit 1
		cp /bin/busybox "$tmp/bin/busybox" || exit 1
		for f in $(/bin/busybox --list); do
			[ "$f" = busybox ] || ln -s busybox "$tmp/bin/$f"
		done
		mdir=/lib/modules/$kver
		: >"$tmp/lib/modules/order"
		for rel in $(_sguest_mod_paths "$kver"); do
			m=${rel##*/}
			m=${m%%.ko*}
			# busybox insmod cannot read compressed modules
			case "$rel" in
			*.ko.xz) xz -dc "$mdir/$rel" >"$tmp/lib/modules/$m.ko" ;;
			*.ko.zst) zstd -dcq "$mdir/$rel" >"$tmp/lib/modules/$m.ko" ;;
			*.ko.gz) gzip -dc "$mdir/$rel" >"$tmp/lib/modules/$m.ko" ;;
			*) cp "$mdir/$rel" "$tmp/lib/modules/$m.ko" ;;
			esac || exit 1
			echo "$m" >>"$tmp/lib/modules/order"
		done
		_sguest_vpnvme_src >"$tmp/vpnvme.c" || exit 1
		gcc -O2 -static -Wall -o "$tmp/bin/vpnvme" "$tmp/vpnvme.c" || exit 1
		rm -f "$tmp/vpnvme.c"
		(cd "$tmp" && find . -print0 | cpio --null -o -H newc --quiet | gzip -1) >"$SGUEST_INITRD.new" || exit 1
		mv -f "$SGUEST_INITRD.new" "$SGUEST_INITRD" || exit 1
		rm -f "$SGUEST_INITRD".???????????????? 2>/dev/null
		touch "$stamp"
	) 9>"$SGUEST_DIR/.lock"
}

# _sguest_init_script: the guest's /init, on stdout.
_sguest_init_script() {
	cat <<'EOF'
#!/bin/sh
# vnfplug SR-IOV test guest (generated by tests/integration/sriovguest.sh)
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
mkdir -p /run /tmp
exec </dev/console >/dev/console 2>&1
echo "VP-INIT-START"
for m in $(cat /lib/modules/order); do
	insmod "/lib/modules/$m.ko" || echo "VP-INSMOD-FAIL $m"
done

phase=basic numvfs=2
for kv in $(cat /proc/cmdline); do
	case "$kv" in
	vp.phase=*) phase=${kv#vp.phase=} ;;
	vp.numvfs=*) numvfs=${kv#vp.numvfs=} ;;
	esac
done

HOOK="/bin/vnfplug-hook --config /etc/vnfplug/vnfplug.json"
RUN=/run/vnfplug
SYS=/sys/bus/pci/devices

fact() { # fact NAME ok|FAIL DETAIL...
	local fn=$1 fr=$2
	shift 2
	echo "VP-FACT $fn $fr $*"
}
# expect NAME DETAIL CMD...: ok when CMD succeeds
expect() {
	local en=$1 ed=$2
	shift 2
	if "$@"; then fact "$en" ok "$ed"; else fact "$en" FAIL "$ed"; fi
}
finish() {
	echo "VP-DONE"
	sync
	poweroff -f
	sleep 5
}
now() { cut -d' ' -f1 /proc/uptime; }
# wait_until TENTHS CMD...: poll CMD every 0.1 s
wait_until() {
	local t=$1
	shift
	while [ "$t" -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		t=$((t - 1))
	done
	"$@"
}
drv() { d=$(readlink "$SYS/$1/driver" 2>/dev/null); echo "${d##*/}"; }
is_drv() { [ "$(drv "$1")" = "$2" ]; }
group() { g=$(readlink "$SYS/$1/iommu_group" 2>/dev/null); echo "${g##*/}"; }
ovr() { cat "$SYS/$1/driver_override" 2>/dev/null; }
# nvme_ctrl DEV: the nvme controller name (nvmeN) of a PCI function
nvme_ctrl() { for c in "$SYS/$1"/nvme/nvme*; do [ -e "$c" ] && echo "${c##*/}" && return; done; }
nvme_live() { c=$(nvme_ctrl "$1"); [ -n "$c" ] && [ "$(cat /sys/class/nvme/$c/state 2>/dev/null)" = live ]; }
vf_state() { echo "driver=$(drv "$1") override=$(ovr "$1") ctrl=$(nvme_ctrl "$1") state=$(c=$(nvme_ctrl "$1"); [ -n "$c" ] && cat /sys/class/nvme/$c/state)"; }

state_json() { # state_json ID STATUS
	if [ "$2" = stopped ]; then
		printf '{"ociVersion":"1.0.2","id":"%s","status":"stopped","bundle":"/nonexistent","annotations":{"io.vnfplug.networks":"[{\\"network\\":\\"fastnet\\"}]"}}\n' "$1"
	else
		printf '{"ociVersion":"1.0.2","id":"%s","status":"%s","pid":1,"bundle":"/nonexistent","annotations":{"io.vnfplug.networks":"[{\\"network\\":\\"fastnet\\"}]"}}\n' "$1" "$2"
	fi
}
# hook STAGE ID: run the hook; rc, stdout, stderr in /tmp/ID.STAGE.{rc,out,err}
hook() {
	st=creating
	[ "$1" = poststop ] && st=stopped
	state_json "$2" "$st" | $HOOK "$1" >"/tmp/$2.$1.out" 2>"/tmp/$2.$1.err"
	echo $? >"/tmp/$2.$1.rc"
}
hook_rc() { cat "/tmp/$2.$1.rc"; }
hook_err() { tr '\n' ' ' <"/tmp/$2.$1.err" | cut -c1-300; }
# devvf ID: the VF named by "vfio-pci,host=<vf>" in the sandbox's device list
devvf() { sed -n 's/.*vfio-pci,host=\([0-9a-fA-F:.]*\).*/\1/p' "$RUN/sandboxes/$1/devices.json" 2>/dev/null | head -1; }

# ---------------------------------------------------------------- PF ----
pf=
i=0
while [ $i -lt 100 ] && [ -z "$pf" ]; do
	for d in "$SYS"/*; do
		[ "$(cat "$d/class" 2>/dev/null)" = 0x010802 ] || continue
		[ -e "$d/sriov_totalvfs" ] || continue
		pf=${d##*/}
	done
	[ -n "$pf" ] || sleep 0.1
	i=$((i + 1))
done
if [ -z "$pf" ]; then
	fact pf-found FAIL "no NVMe function with sriov_totalvfs in $SYS"
	finish
fi
fact pf-found ok "$pf vendor $(cat $SYS/$pf/vendor):$(cat $SYS/$pf/device) totalvfs $(cat $SYS/$pf/sriov_totalvfs)"
expect pf-nvme-live "$pf $(vf_state $pf)" wait_until 300 nvme_live "$pf"
pfc=$(nvme_ctrl "$pf")
expect pf-iommu-group "$pf group $(group $pf)" [ -n "$(group $pf)" ]
total=$(cat "$SYS/$pf/sriov_totalvfs")
expect pf-totalvfs "sriov_totalvfs $total, need $numvfs" [ "$total" -ge "$numvfs" ]

# ------------------------------------------------- VFs with resources ----
# Primary controller gives up its flexible resources (effective after a
# controller reset), then each secondary controller gets 2 queues (admin +
# one I/O) and 1 interrupt and goes online, with driver autoprobe off
# meanwhile; then the VFs are probed and bind to nvme like any VF would.
provision() {
	dev=/dev/$pfc
	cntlid=$(cat /sys/class/nvme/$pfc/cntlid)
	vpnvme $dev virt "$cntlid" 0 1 0 || return 1
	vpnvme $dev virt "$cntlid" 1 1 0 || return 1
	vpnvme $dev reset || return 1
	wait_until 300 nvme_live "$pf" || { echo "VP-INFO PF not live after reset"; return 1; }
	echo 0 >"$SYS/$pf/sriov_drivers_autoprobe" || return 1
	echo "$numvfs" >"$SYS/$pf/sriov_numvfs" || return 1
	vpnvme $dev seclist >/tmp/seclist || return 1
	while read -r scid vfn scs nvq nvi; do
		[ "$vfn" -ge 1 ] && [ "$vfn" -le "$numvfs" ] || continue
		vpnvme $dev virt "$scid" 0 8 2 || return 1
		vpnvme $dev virt "$scid" 1 8 1 || return 1
		vpnvme $dev virt "$scid" 0 9 0 || return 1
	done </tmp/seclist
	vpnvme $dev seclist | sed 's/^/VP-INFO seclist (scid vfn scs nvq nvi) /'
	echo 1 >"$SYS/$pf/sriov_drivers_autoprobe" || return 1
	for l in "$SYS/$pf"/virtfn*; do
		v=$(readlink "$l")
		echo "${v##*/}" >/sys/bus/pci/drivers_probe
	done
	return 0
}
expect vf-provision "VQ/VI resources and online state for $numvfs secondary controllers" provision

VFS=
for n in $(seq 0 $((numvfs - 1))); do
	v=$(readlink "$SYS/$pf/virtfn$n" 2>/dev/null)
	v=${v##*/}
	if [ -z "$v" ]; then
		fact vf$n-exists FAIL "no virtfn$n under $pf"
		continue
	fi
	VFS="$VFS $v"
	p=$(readlink "$SYS/$v/physfn")
	expect vf$n-exists "virtfn$n -> $v physfn ${p##*/} group $(group $v)" [ "${p##*/}" = "$pf" ] && [ -n "$(group $v)" ]
	expect vf$n-nvme-live "$v $(vf_state $v)" wait_until 300 nvme_live "$v"
	echo "VP-INFO $v group $(group $v) members $(ls /sys/kernel/iommu_groups/$(group $v)/devices | tr '\n' ' ')"
done

mkdir -p /etc/vnfplug
cat >/etc/vnfplug/vnfplug.json <<EOC
{"run_dir":"$RUN","sysfs_root":"/sys","networks":{"fastnet":{"type":"sriov","pfs":["$pf"],"mode":"vfio","pf_netlink":false}}}
EOC
echo "VP-INFO config $(cat /etc/vnfplug/vnfplug.json)"
echo "VP-INFO hook $($HOOK --version 2>&1 | head -1)"

is_vf() { [ -n "$1" ] || return 1; case " $VFS " in *" $1 "*) return 0 ;; esac; return 1; }

# check_alloc ID: the sandbox got a VF on vfio-pci; prints the VF
check_alloc() {
	id=$1
	v=$(devvf "$id")
	expect "$id-prestart" "exit $(hook_rc prestart $id) $(hook_err prestart $id)" [ "$(hook_rc prestart $id)" = 0 ]
	expect "$id-devices" "devices.json names vfio-pci,host=${v:-none}: $(head -c 300 $RUN/sandboxes/$id/devices.json 2>&1 | tr '\n' ' ')" is_vf "$v"
	g=$(group "$v")
	expect "$id-vfio-driver" "$v $(vf_state $v)" is_drv "$v" vfio-pci
	expect "$id-vfio-dev" "/dev/vfio/$g $(ls -l /dev/vfio/$g 2>&1)" [ -c "/dev/vfio/$g" ]
}
# check_returned ID VF
check_returned() {
	id=$1 v=$2
	expect "$id-poststop" "exit $(hook_rc poststop $id) $(hook_err poststop $id)" [ "$(hook_rc poststop $id)" = 0 ]
	expect "$id-vf-on-nvme" "$v $(vf_state $v)" is_drv "$v" nvme
	expect "$id-override-cleared" "$v driver_override '$(ovr $v)'" [ "$(ovr $v)" = "(null)" ]
	expect "$id-nvme-live" "$v $(vf_state $v)" wait_until 300 nvme_live "$v"
	expect "$id-sandbox-gone" "$(ls -d $RUN/sandboxes/$id 2>&1)" [ ! -e "$RUN/sandboxes/$id" ]
}

case "$phase" in
basic)
	t0=$(now)
	hook prestart sb1
	echo "VP-INFO sb1 prestart $(now) (start $t0)"
	vf1=$(devvf sb1)
	check_alloc sb1
	hook prestart sb2
	echo "VP-INFO sb2 prestart $(now)"
	vf2=$(devvf sb2)
	check_alloc sb2
	expect sb2-distinct-vf "sb1 $vf1, sb2 $vf2" [ -n "$vf1" ] && [ -n "$vf2" ] && [ "$vf1" != "$vf2" ]
	hook prestart sb3
	expect sb3-refused "exit $(hook_rc prestart sb3)" [ "$(hook_rc prestart sb3)" != 0 ]
	expect sb3-no-free-vf "stderr: $(hook_err prestart sb3)" grep -q "no free VF" /tmp/sb3.prestart.err
	expect sb3-no-devices "$(ls $RUN/sandboxes/sb3 2>&1 | tr '\n' ' ')" [ ! -e "$RUN/sandboxes/sb3/devices.json" ]
	# the refusal left the others' VFs alone
	expect sb3-others-kept "sb1 $vf1 $(drv $vf1), sb2 $vf2 $(drv $vf2)" eval 'is_drv "$vf1" vfio-pci && is_drv "$vf2" vfio-pci'
	hook poststop sb1
	check_returned sb1 "$vf1"
	hook poststop sb2
	check_returned sb2 "$vf2"
	hook poststop sb3
	expect sb3-poststop "exit $(hook_rc poststop sb3) $(hook_err poststop sb3)" [ "$(hook_rc poststop sb3)" = 0 ]
	echo "VP-INFO basic phase done $(now) (start $t0)"
	;;
conc)
	t0=$(now)
	for i in $(seq 1 16); do
		hook prestart c$i &
	done
	wait
	echo "VP-INFO 16 concurrent prestarts took $(now) - $t0 s"
	ok=0 refused=0 other=
	: >/tmp/conc.vfs
	for i in $(seq 1 16); do
		rc=$(hook_rc prestart c$i)
		if [ "$rc" = 0 ]; then
			ok=$((ok + 1))
			devvf c$i >>/tmp/conc.vfs
			echo "VP-INFO c$i -> $(devvf c$i)"
		elif grep -q "no free VF" /tmp/c$i.prestart.err; then
			refused=$((refused + 1))
		else
			other="$other c$i:rc=$rc:$(hook_err prestart c$i)"
		fi
	done
	distinct=$(sort -u /tmp/conc.vfs | grep -c .)
	allvf=1
	for v in $(sort -u /tmp/conc.vfs); do is_vf "$v" || allvf=0; done
	expect conc-4-allocated "$ok of 16 prestarts succeeded" [ "$ok" = 4 ]
	expect conc-4-distinct-vfs "$distinct distinct VFs: $(sort /tmp/conc.vfs | tr '\n' ' ')" [ "$distinct" = 4 ] && [ "$allvf" = 1 ]
	expect conc-12-refused "$refused refused with 'no free VF'${other:+; other failures:$other}" [ "$refused" = 12 ]
	nv=0
	for v in $VFS; do is_drv "$v" vfio-pci && nv=$((nv + 1)); done
	expect conc-vfs-on-vfio "$nv of $numvfs VFs on vfio-pci" [ "$nv" = "$numvfs" ]
	expect conc-records "sandboxes: $(ls $RUN/sandboxes 2>&1 | tr '\n' ' ')" [ "$(ls $RUN/sandboxes | grep -c .)" = 4 ]
	for i in $(seq 1 16); do
		hook poststop c$i &
	done
	wait
	bad=
	for i in $(seq 1 16); do
		[ "$(hook_rc poststop c$i)" = 0 ] || bad="$bad c$i:$(hook_err poststop c$i)"
	done
	expect conc-poststop "all 16 poststops exit 0${bad:+; failed:$bad}" [ -z "$bad" ]
	back=0
	for v in $VFS; do
		wait_until 300 nvme_live "$v"
		is_drv "$v" nvme && [ "$(ovr $v)" = "(null)" ] && back=$((back + 1))
		echo "VP-INFO after poststop $v $(vf_state $v)"
	done
	expect conc-vfs-returned "$back of $numvfs VFs back on nvme with driver_override cleared" [ "$back" = "$numvfs" ]
	left=$(ls $RUN/sandboxes 2>/dev/null | tr '\n' ' ')
	expect conc-nothing-left "sandboxes left: ${left:-none}" [ -z "$left" ]
	;;
*)
	fact phase FAIL "unknown phase $phase"
	;;
esac
finish
EOF
}

# sguest_overlay OUT: the per-run cpio archive (/init, the hook, its libs).
sguest_overlay() {
	local dst=$1 tmp lib
	tmp=$(mktemp -d "$(vp_tmpdir)/overlay.XXXXXX") || return 1
	mkdir -p "$tmp/bin" "$tmp/etc/vnfplug" || return 1
	_sguest_init_script >"$tmp/init" && chmod 755 "$tmp/init" || return 1
	cp "$VP_HOOK" "$tmp/bin/vnfplug-hook" || return 1
	# every shared library and the loader, at the paths the binary names
	for lib in $(ldd "$tmp/bin/vnfplug-hook" | grep -oE '(^|[[:space:]])/[^ ]+' | tr -d ' \t'); do
		mkdir -p "$tmp$(dirname "$lib")" || return 1
		cp -L "$lib" "$tmp$lib" || return 1
	done
	(cd "$tmp" && find . -print0 | cpio --null -o -H newc --quiet) >"$dst" || return 1
	rm -rf "$tmp"
}

# sguest_boot LOG PHASE NUMVFS: start the guest in the background.  The
# initrd is this run's overlay followed by the cached base archive.
sguest_boot() {
	local log=$1 phase=$2 numvfs=$3 t
	t=$(vp_tmpdir)
	sguest_overlay "$t/overlay.cpio" || return 1
	# uncompressed archive first: the kernel finds the next archive
	# reliably after an uncompressed one, not after a gzip stream
	cat "$t/overlay.cpio" "$SGUEST_INITRD" >"$t/initrd.img" || return 1
	: >"$log"
	"$SGUEST_QEMU" -machine q35,kernel-irqchip=split -accel tcg -cpu max \
		-m 512M -smp 1 -display none -no-reboot -nodefaults -nic none \
		-device intel-iommu,intremap=on,caching-mode=on \
		-device pcie-root-port,id=rp0,chassis=1 \
		-device nvme-subsys,id=s0 \
		-device nvme,serial=vpsriov,bus=rp0,subsys=s0,sriov_max_vfs=4,sriov_vq_flexible=8,sriov_vi_flexible=4,max_ioqpairs=10,msix_qsize=6 \
		-kernel "$SGUEST_KERNEL" -initrd "$t/initrd.img" \
		-append "console=ttyS0 panic=-1 loglevel=4 intel_iommu=on rdinit=/init vp.phase=$phase vp.numvfs=$numvfs" \
		-serial "file:$log" </dev/null >"$t/qemu.out" 2>&1 &
	SGUEST_PID=$!
	vp_on_exit "kill_pid $SGUEST_PID"
}

# sguest_wait LOG SECONDS: 0 VP-DONE seen, 1 timeout, 2 QEMU exited first.
sguest_wait() {
	guest_wait_for "$1" '^VP-DONE' "$2" "$SGUEST_PID"
}

# sguest_facts_tap LOG [PREFIX]: a TAP line for every VP-FACT of the log.
sguest_facts_tap() {
	local log=$1 prefix=${2:-} line name res detail
	while IFS= read -r line; do
		line=${line%$'\r'}
		read -r _ name res detail <<<"$line"
		if [ "$res" = ok ]; then
			tap_ok "$prefix$name: $detail"
		else
			tap_fail "$prefix$name" "$detail"
		fi
	done < <(grep -a '^VP-FACT ' "$log")
}
