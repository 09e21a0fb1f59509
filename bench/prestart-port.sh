#!/bin/bash
# bench/prestart-port.sh [RUNS] - `vnfplug-hook prestart` creating one
# vhost-user port vs. one bare `ovs-vsctl add-port` of the same port type on
# the same private OVS-DPDK, alternating, RUNS (default 20) each; each is
# undone (poststop / del-port) outside the timed part.
# A third series runs the same prestart with --no-seccomp: the cost of the
# self-sandbox on the one-port path (the journal is always on).  The
# poststop after the first series and the bare del-port are timed too:
# a release looks the record's ports up (one ovs-vsctl run) before it
# deletes the ones tagged as the sandbox's.
# BENCH_RUN_BASE=DIR puts the run dir elsewhere (e.g. a disk, to see fsync).
# Targets: hook / bare add-port <= 1.2 (issue #2); hardened / --no-seccomp
# <= 1.1 (issue #4).
. "$(dirname "$0")/lib.sh"
runs=${1:-20}
vp_require_root
t=$(vp_tmpdir)
ovs_start || { echo "OVS-DPDK did not start" >&2; exit 1; }
ovs_add_bridge "$VP_BRIDGE" || exit 1
# run_dir on tmpfs, as /run (the default /run/vnfplug) is on a systemd host;
# on this machine /run sits on the disk, so /dev/shm stands in for it
rd=$(mktemp -d "${BENCH_RUN_BASE:-/dev/shm}/vp-bench.XXXXXX"); vp_on_exit "rm -rf $rd"
vp_config_write "$t/vnfplug.json" run_dir="$rd"
: >"$t/hook.ns"; : >"$t/bare.ns"; : >"$t/nosec.ns"; : >"$t/post.ns"; : >"$t/baredel.ns"
vsctl=$(command -v ovs-vsctl)
for i in $(seq 1 "$runs"); do
	state_json "bench$i" --request '[{"network":"chain"}]' >"$t/state.json"
	s=$(now_ns)
	"$VP_HOOK" --config "$VP_CFG" --log-level error prestart <"$t/state.json" ||
		{ echo "prestart failed" >&2; exit 1; }
	e=$(now_ns)
	echo $((e - s)) >>"$t/hook.ns"
	s=$(now_ns)
	"$VP_HOOK" --config "$VP_CFG" --log-level error poststop <"$t/state.json" || exit 1
	e=$(now_ns)
	echo $((e - s)) >>"$t/post.ns"

	s=$(now_ns)
	"$VP_HOOK" --config "$VP_CFG" --log-level error --no-seccomp prestart <"$t/state.json" ||
		{ echo "prestart --no-seccomp failed" >&2; exit 1; }
	e=$(now_ns)
	echo $((e - s)) >>"$t/nosec.ns"
	"$VP_HOOK" --config "$VP_CFG" --log-level error poststop <"$t/state.json" || exit 1

	s=$(now_ns)
	"$vsctl" --db="$OVS_DB" --timeout=5 add-port "$VP_BRIDGE" bare$i -- set Interface bare$i \
		type=dpdkvhostuserclient "options:vhost-server-path=$VP_SOCKET_DIR/bare$i.sock" \
		options:n_rxq=1 || exit 1
	e=$(now_ns)
	echo $((e - s)) >>"$t/bare.ns"
	s=$(now_ns)
	"$vsctl" --db="$OVS_DB" --timeout=5 --if-exists del-port "$VP_BRIDGE" bare$i
	e=$(now_ns)
	echo $((e - s)) >>"$t/baredel.ns"
done
mh=$(median "$t/hook.ns"); mb=$(median "$t/bare.ns"); mn=$(median "$t/nosec.ns")
printf 'one vhost-user port on a private OVS-DPDK, %d runs each, alternating\n' "$runs"
printf '  vnfplug-hook prestart:  median %.2f ms\n' "$(awk -v n="$mh" 'BEGIN{print n/1e6}')"
printf '  bare ovs-vsctl add-port: median %.2f ms\n' "$(awk -v n="$mb" 'BEGIN{print n/1e6}')"
printf '  prestart --no-seccomp:  median %.2f ms\n' "$(awk -v n="$mn" 'BEGIN{print n/1e6}')"
printf '  ratio hook / bare add-port: %s (target <= 1.2)\n' "$(ratio "$mh" "$mb")"
printf '  ratio hardened / --no-seccomp: %s (target <= 1.1)\n' "$(ratio "$mh" "$mn")"
mp=$(median "$t/post.ns"); md=$(median "$t/baredel.ns")
printf '  vnfplug-hook poststop:  median %.2f ms\n' "$(awk -v n="$mp" 'BEGIN{print n/1e6}')"
printf '  bare ovs-vsctl del-port: median %.2f ms\n' "$(awk -v n="$md" 'BEGIN{print n/1e6}')"
printf '  ratio poststop / bare del-port: %s\n' "$(ratio "$mp" "$md")"
[ "$(ovs_port_count "$VP_BRIDGE")" -eq 0 ] || echo "warning: ports left on the bridge" >&2
