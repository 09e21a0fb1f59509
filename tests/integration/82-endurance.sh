#!/bin/bash
# 82-endurance.sh - 1000 prestart/poststop cycles mixing vhost-user ports
# (REAL private OVS-DPDK), SR-IOV vfio VFs (fixture + simulated kernel)
# and SR-IOV netns VFs (fixture VF whose netdev is a real veth), one
# sandbox id per cycle, then: no leaked port, record, claim or socket; every
# VF on its driver; the veth back under its name and MAC.
#
# Per 10 cycles (TYPES below): 3 x one port, 2 x two ports (one with 2
# queues), 2 x port + vfio VF, 1 x vfio VF, 1 x netns VF, 1 x netns VF +
# port; with the valgrind cycles' types, 1000 cycles hold about 780 with
# ports, 320 with a vfio VF and 220 with a netns VF.  The simulated kernel
# (bash) makes a vfio cycle about twice as slow as a port cycle; the whole
# script took 5 min on 2 cores under a load average of 10 (other tests and
# fuzzers running), 190 s of it the 950 plain cycles.
#
# Every 20th cycle (50 cycles, 100 hook runs) runs prestart and poststop
# under valgrind memcheck, after the plain cycles and in two lanes at once (--leak-check=full --errors-for-leak-kinds=
# definite --error-exitcode=99 --track-fds=yes), with every fd above 2
# closed first so that what valgrind reports open at exit is the hook's
# own: zero errors, zero definite leaks, no fd beyond 0-2.  Those runs use
# --no-seccomp: valgrind does not implement seccomp(2) (it reports syscall
# 317 unhandled) and a filter loaded through prctl() would also judge
# valgrind's own syscalls; the filter is tested on the real binary
# elsewhere (test_sandbox, and every other run here).
#
# The hook is a short-lived process, so an fd leak can only show at its
# exit: that is what --track-fds checks.  VP_ENDURANCE_CYCLES and
# VP_ENDURANCE_VALGRIND_EVERY change the counts (for debugging).
. "$(dirname "$0")/lib/lib.sh"
. "$(dirname "$0")/lib/faultlib.sh"

vp_require_root
vp_require_cmd jq ip unshare valgrind ovs-vsctl ovsdb-server ovsdb-tool
[ -x "$VP_OVS_VSWITCHD" ] || tap_skip_all "$VP_OVS_VSWITCHD not installed"
vp_require_hook

T=$VP_TMP
BR=$VP_BRIDGE
T_START=$SECONDS
N=${VP_ENDURANCE_CYCLES:-1000}
VG_EVERY=${VP_ENDURANCE_VALGRIND_EVERY:-20}

ovs_up "$BR" "private OVS-DPDK up, bridge $BR"
if fx_veths 2 && fx_sysfs "$T/sys" 2 2 2>"$T/mksysfs.err"; then
	tap_ok "fixture: PF $FX_PF_VFIO (VFs ${FX_VFIO_VFS[*]}), PF $FX_PF_NETNS (VFs ${FX_NETNS_VFS[*]} -> veths ${FX_V}a0/a1)"
else
	tap_bail "fixture sysfs and veth" "$(cat "$T/mksysfs.err")"
fi
fx_kernel_start
fx_config "$T/vnfplug.json" || tap_bail "hook config written"
fx_owner
OWNER=$FX_OWNER

# the requests, already escaped for a JSON string
declare -A REQ=(
	[vh1]='[{\"network\":\"chain\"}]'
	[vh2]='[{\"network\":\"chain\",\"queues\":2},{\"network\":\"chain\"}]'
	[mix]='[{\"network\":\"chain\"},{\"network\":\"fastvf\"}]'
	[vf]='[{\"network\":\"fastvf\"}]'
	[ns]='[{\"network\":\"nsvf\",\"ifname\":\"data0\",\"mac\":\"02:00:00:00:00:42\"}]'
	[nsmix]='[{\"network\":\"nsvf\",\"ifname\":\"data0\"},{\"network\":\"chain\"}]'
)
TYPES=(vh1 vh2 mix vh1 vf vh2 ns vh1 mix nsmix)
VG_TYPES=(vh2 mix ns vf nsmix)

# states ID TYPE: $T/pre.json and $T/post.json (printf, no fork per cycle)
states() {
	printf '{"ociVersion":"1.0.2","id":"%s","status":"creating","pid":%d,"bundle":"/nonexistent","annotations":{"io.vnfplug.networks":"%s"}}\n' \
		"$1" "$OWNER" "${REQ[$2]}" >"$T/pre.json"
	printf '{"ociVersion":"1.0.2","id":"%s","status":"stopped","bundle":"/nonexistent","annotations":{"io.vnfplug.networks":"%s"}}\n' \
		"$1" "${REQ[$2]}" >"$T/post.json"
}

# vg_run STAGE STATE LOG: the hook under valgrind, no fd above 2 inherited;
# valgrind's report and the hook's stderr both go to LOG.
vg_run() {
	(
		for fd in /proc/$BASHPID/fd/*; do
			fd=${fd##*/}
			[ "$fd" -gt 2 ] && eval "exec $fd>&-"
		done
		exec timeout 300 valgrind --log-fd=2 --track-fds=yes --leak-check=full \
			--errors-for-leak-kinds=definite --error-exitcode=99 \
			"$VP_HOOK" --config "$VP_CFG" --no-seccomp "$1" <"$2" >/dev/null 2>"$3"
	)
}

# vg_why LOG RC: what is wrong with one valgrind run (empty when fine)
vg_why() {
	local log=$1 rc=$2 l
	[ "$rc" -eq 0 ] || echo "exit $rc"
	grep -q 'ERROR SUMMARY: 0 errors' "$log" || echo "$(grep 'ERROR SUMMARY' "$log")"
	l=$(grep -E 'definitely lost: [1-9]' "$log") && echo "$l"
	l=$(grep 'FILE DESCRIPTORS:' "$log")
	[[ $l == *'FILE DESCRIPTORS: 3 open (3 std) at exit.'* ]] ||
		echo "${l:-no FILE DESCRIPTORS line}: $(grep -A2 'Open file descriptor' "$log" | tr '\n' ' ')"
}

declare -A DONE=()
fails=0 fail_msgs=() leaks=()
t_cycles=$SECONDS
for ((i = 1; i <= N; i++)); do
	# every VG_EVERY-th cycle runs under valgrind, below
	[ $((i % VG_EVERY)) -eq 0 ] && continue
	id=e$i
	type=${TYPES[$((i % 10))]}
	states "$id" "$type"
	timeout 60 "$VP_HOOK" --config "$VP_CFG" prestart <"$T/pre.json" >/dev/null 2>"$T/pre.err"
	rc=$?
	if [ "$rc" -ne 0 ]; then
		fails=$((fails + 1))
		[ ${#fail_msgs[@]} -lt 5 ] && fail_msgs+=("$id $type prestart exit $rc: $(cat "$T/pre.err")")
	fi
	timeout 60 "$VP_HOOK" --config "$VP_CFG" poststop <"$T/post.json" >/dev/null 2>"$T/post.err"
	rc=$?
	if [ "$rc" -ne 0 ]; then
		fails=$((fails + 1))
		[ ${#fail_msgs[@]} -lt 5 ] && fail_msgs+=("$id $type poststop exit $rc: $(cat "$T/post.err")")
	fi
	DONE[$type]=$((${DONE[$type]:-0} + 1))
	# (not at multiples of 100: those are valgrind cycles, run later)
	if [ $((i % 100)) -eq 50 ]; then
		p=$(ovs_port_count "$BR")
		r=$(vp_sandbox_count)
		[ "$p" = 0 ] && [ "$r" = 0 ] || leaks+=("after cycle $i: $p port(s), $r record(s)")
		tap_diag "cycle $i: $((SECONDS - t_cycles)) s"
	fi
done
t_plain=$((SECONDS - t_cycles))

# The valgrind cycles, in two lanes at once (valgrind's start-up is most
# of their cost; two lanes use both cores).  Each lane writes one line per
# hook run to $T/vg-lane<L>: "<id> <type> <stage> ok" or "... bad <why>".
vg_lane() {
	local lane=$1 i id type stage st rc why
	for ((i = VG_EVERY * lane; i <= N; i += 2 * VG_EVERY)); do
		id=e$i
		type=${VG_TYPES[$(((i / VG_EVERY) % ${#VG_TYPES[@]}))]}
		vg_states "$id" "$type" "$lane"
		for stage in prestart poststop; do
			st=$T/vg$lane-$stage.json
			vg_run "$stage" "$st" "$T/vg-$id-$stage.log"
			rc=$?
			why=$(vg_why "$T/vg-$id-$stage.log" "$rc" | tr '\n' ' ')
			if [ -z "$why" ]; then
				echo "$id $type $stage ok"
				rm -f "$T/vg-$id-$stage.log"
			else
				echo "$id $type $stage bad $why"
			fi
		done
	done >"$T/vg-lane$lane"
}
# vg_states ID TYPE LANE: $T/vg<LANE>-prestart.json, -poststop.json
vg_states() {
	printf '{"ociVersion":"1.0.2","id":"%s","status":"creating","pid":%d,"bundle":"/nonexistent","annotations":{"io.vnfplug.networks":"%s"}}\n' \
		"$1" "$OWNER" "${REQ[$2]/data0/data$3}" >"$T/vg$3-prestart.json"
	printf '{"ociVersion":"1.0.2","id":"%s","status":"stopped","bundle":"/nonexistent","annotations":{"io.vnfplug.networks":"%s"}}\n' \
		"$1" "${REQ[$2]/data0/data$3}" >"$T/vg$3-poststop.json"
}
t_vg=$SECONDS
vg_lane 1 &
l1=$!
vg_lane 2 &
l2=$!
wait "$l1" "$l2"
t_vg=$((SECONDS - t_vg))
vg_runs=$(cat "$T"/vg-lane* | grep -c .)
mapfile -t vg_bad < <(grep -h ' bad ' "$T"/vg-lane*)
vg_errs=0 vg_leaks=0 vg_fds=0
for l in "${vg_bad[@]}"; do
	read -r vid _ vstage _ <<<"$l"
	log=$T/vg-$vid-$vstage.log
	c=0
	grep -q 'ERROR SUMMARY: 0 errors' "$log" || { vg_errs=$((vg_errs + 1)); c=1; }
	grep -qE 'definitely lost: [1-9]' "$log" && { vg_leaks=$((vg_leaks + 1)); c=1; }
	grep -q 'FILE DESCRIPTORS: 3 open (3 std)' "$log" || { vg_fds=$((vg_fds + 1)); c=1; }
	[ "$c" = 1 ] || vg_errs=$((vg_errs + 1)) # a bad exit status alone
done
while read -r _ type _; do
	DONE[$type(valgrind)]=$((${DONE[$type(valgrind)]:-0} + 1))
done < <(grep -h ' prestart ' "$T"/vg-lane*)
t_cycles=$((SECONDS - t_cycles))
summary=$(for k in "${!DONE[@]}"; do echo "$k=${DONE[$k]}"; done | sort | tr '\n' ' ')

tap_result "$N cycles ($summary) in $t_cycles s: every prestart and poststop exits 0" \
	"$fails" "$fails failure(s)" "${fail_msgs[@]}"
tap_result "no port or record left after cycles 50, 150, ..." "${#leaks[@]}" "${leaks[@]}"
fx_check "at the end: no OVS port on $BR" fx_why_ports
fx_check "at the end: no record" fx_why_records
fx_check "at the end: no VF claimed" fx_why_claims
fx_check "at the end: every VF on its original driver, driver_override cleared" fx_why_drivers
fx_check "at the end: the veth back in the host under its name and MAC" fx_why_veths
left=$(find "$VP_SOCKET_DIR" -mindepth 1 2>/dev/null | head -5)
tap_result "at the end: socket_dir holds nothing" "$([ -z "$left" ]; echo $?)" "$left"
tap_result "valgrind: $vg_runs hook runs ($((vg_runs / 2)) cycles, $t_vg s) with zero memcheck errors" \
	"$vg_errs" "${vg_bad[@]}"
tap_result "valgrind: zero definitely lost blocks" "$vg_leaks" "${vg_bad[@]}"
tap_result "valgrind --track-fds: no fd beyond 0-2 open at the hook's exit" "$vg_fds" "${vg_bad[@]}"
tap_result "valgrind ran $((N / VG_EVERY * 2)) times" "$([ "$vg_runs" -eq $((N / VG_EVERY * 2)) ]; echo $?)"

tap_diag "82-endurance: $((SECONDS - T_START)) s ($t_plain s of plain cycles, $t_vg s of valgrind cycles)"
tap_done
