# tests/integration/lib/lib.sh - shared helpers for the integration tests.
#
# Sourced by every tests/integration/[0-9]*.sh.  tests/run runs each script
# as `bash FILE` from the repository root with VP_BUILD=<abs build dir>.
# Scripts print TAP ("ok N - what", "not ok N - what", "ok N - what # SKIP
# why") on stdout; details of failures go to stderr as "# ..." lines.
#
# Everything a script starts (OVS-DPDK, containers, mounts, hugepages) is
# registered with vp_on_exit and undone by the EXIT trap, in reverse order,
# however the script ends (normal end, error, SIGTERM from tests/run's
# timeout).  Nothing here touches the system's /run/openvswitch, the system
# OVS database, the system podman storage or sends traffic off the machine.
#
# VP_KEEP_TMP=1 keeps the temp dir (logs, OVS database) for debugging.
#
# Overview:
#   TAP        tap_ok tap_fail tap_skip tap_check tap_result tap_done
#              tap_bail tap_skip_all tap_diag
#   cleanup    vp_tmpdir vp_on_exit (the temp dir exists once sourced)
#   checks     vp_require_root vp_require_cmd vp_require_hook vp_wait_for
#              vp_pid_alive vp_kill_pidfile
#   hugepages  hugepages_ensure N
#   OVS-DPDK   ovs_start ovs_stop ovs_vsctl ovs_add_bridge ovs_up ovs_ports
#              ovs_has_port
#              ovs_port_count ovs_iface_get ovs_iface_live
#              (vswitchd runs in its own network namespace: the netdev
#              datapath's tap devices cannot clash with another instance)
#   hook       vp_config_write vp_sandbox_dir vp_sandbox_count state_json
#              vp_fake_vsctl vp_record_port vp_require_shim
#              hook_run
#   runc       runc_bundle runc_run runc_run_detached runc_delete runc_log
#              vp_runc vp_rootfs vp_json_array
#   podman     podman_image vp_podman podman_annotation
#
# Call ovs_start, vp_on_exit and hook_run in the script's own shell, not
# inside $(...): what they set would be lost with the subshell.

set -u
set -o pipefail
# vnfplug refuses state directories (run_dir, socket_dir) writable by group
# or others; the ones a test makes itself must not depend on the caller's
# umask
umask 022

VP_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
: "${VP_BUILD:=$VP_ROOT/build}"
export VP_BUILD
VP_HOOK="$VP_BUILD/vnfplug-hook"
VP_SCRIPT=$(basename "${BASH_SOURCE[1]:-$0}" .sh)
export LC_ALL=C

# ---------------------------------------------------------------- TAP ----

VP_TAP_N=0
VP_TAP_FAILED=0
VP_TAP_DONE=0

# tap_diag LINE...: diagnostics to stderr, each line prefixed with '#'.
tap_diag() {
	local l
	printf '%s\n' "$@" | while IFS= read -r l; do printf '# %s\n' "$l"; done >&2
}

tap_ok() {
	VP_TAP_N=$((VP_TAP_N + 1))
	printf 'ok %d - %s\n' "$VP_TAP_N" "$1"
}

# tap_fail DESC [DETAIL...]
tap_fail() {
	VP_TAP_N=$((VP_TAP_N + 1))
	VP_TAP_FAILED=$((VP_TAP_FAILED + 1))
	printf 'not ok %d - %s\n' "$VP_TAP_N" "$1"
	shift
	[ $# -gt 0 ] && tap_diag "$@"
	return 0
}

# tap_skip DESC WHY
tap_skip() {
	VP_TAP_N=$((VP_TAP_N + 1))
	printf 'ok %d - %s # SKIP %s\n' "$VP_TAP_N" "$1" "${2:-}"
}

# tap_result DESC RC [DETAIL...]: ok when RC is 0.  Returns RC.
tap_result() {
	local desc=$1 rc=$2
	shift 2
	if [ "$rc" -eq 0 ]; then
		tap_ok "$desc"
	else
		tap_fail "$desc" "$@"
	fi
	return "$rc"
}

# tap_check DESC CMD ARGS...: run the command (output captured, shown on
# failure), ok when it exits 0.  Returns the command's status.
tap_check() {
	local desc=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" -eq 0 ]; then
		tap_ok "$desc"
	else
		tap_fail "$desc" "command: $*" "exit status $rc" "$out"
	fi
	return "$rc"
}

# tap_done: print the plan; exit status 1 when anything failed.
tap_done() {
	VP_TAP_DONE=1
	printf '1..%d\n' "$VP_TAP_N"
	[ "$VP_TAP_FAILED" -eq 0 ] && exit 0
	exit 1
}

# tap_bail DESC [DETAIL...]: a failure that makes the rest meaningless.
tap_bail() {
	tap_fail "$@"
	tap_done
}

# tap_skip_all WHY: nothing can run here (not root, tool missing).
tap_skip_all() {
	tap_skip "$VP_SCRIPT" "$1"
	tap_done
}

# ------------------------------------------------------------ cleanup ----

VP_TMP=""
VP_EXIT_CMDS=()

# vp_on_exit CMD: run CMD (eval'd) when the script exits, LIFO order.
vp_on_exit() {
	VP_EXIT_CMDS+=("$1")
}

vp__exit_trap() {
	local rc=$? i
	trap - EXIT INT TERM HUP
	if [ "$VP_TAP_DONE" -eq 0 ]; then
		VP_TAP_N=$((VP_TAP_N + 1))
		printf 'not ok %d - %s ended early (status %d) before tap_done\n' \
			"$VP_TAP_N" "$VP_SCRIPT" "$rc"
		printf '1..%d\n' "$VP_TAP_N"
		[ "$rc" -eq 0 ] && rc=1
	fi
	# Containers first (their poststop hooks may still need OVS), then
	# everything registered with vp_on_exit, last registered first.
	runc__cleanup >/dev/null 2>&1 </dev/null || true
	podman__cleanup >/dev/null 2>&1 </dev/null || true
	for ((i = ${#VP_EXIT_CMDS[@]} - 1; i >= 0; i--)); do
		eval "${VP_EXIT_CMDS[$i]}" >/dev/null 2>&1 </dev/null || true
	done
	if [ -n "$VP_TMP" ] && [ -d "$VP_TMP" ]; then
		vp__umount_under "$VP_TMP"
		if [ "${VP_KEEP_TMP:-0}" = 1 ]; then
			echo "# VP_KEEP_TMP=1: keeping $VP_TMP" >&2
		else
			rm -rf --one-file-system "$VP_TMP" 2>/dev/null || true
		fi
	fi
	exit "$rc"
}
trap vp__exit_trap EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
trap 'exit 129' HUP

# vp__umount_under DIR: lazily unmount whatever is still mounted below DIR
# (deepest first), so rm -rf never walks into a live mount.
vp__umount_under() {
	local m
	awk -v d="$1/" 'index($2 "/", d) == 1 { print $2 }' /proc/self/mounts |
		sort -r | while IFS= read -r m; do
			umount -l "$m" 2>/dev/null || true
		done
}

# vp_tmpdir: print the script's temp dir ($VP_TMP).  It is created when
# lib.sh is sourced (so a call inside $(...) never makes a second one) and
# kept short (/tmp/vp.XXXXXX): unix socket paths must stay under 108 bytes.
vp_tmpdir() {
	printf '%s\n' "$VP_TMP"
}
VP_TMP=$(mktemp -d /tmp/vp.XXXXXX) || {
	echo "# mktemp failed" >&2
	exit 1
}
chmod 0755 "$VP_TMP"

# ------------------------------------------------------------- checks ----

vp_require_root() {
	[ "$(id -u)" -eq 0 ] || tap_skip_all "needs root"
}

# vp_require_cmd CMD...: skip the whole script when a tool is missing.
vp_require_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || tap_skip_all "$c not installed"
	done
}

# vp_require_hook: the hook must have been built; its absence is a failure.
vp_require_hook() {
	[ -x "$VP_HOOK" ] || tap_bail "vnfplug-hook is built at $VP_HOOK" \
		"run 'make' first (VP_BUILD=$VP_BUILD)"
}

# vp_require_shim: SHIM=<the built vnfplug-qemu>, or bail.
vp_require_shim() {
	SHIM=$VP_BUILD/vnfplug-qemu
	[ -x "$SHIM" ] || tap_bail "vnfplug-qemu is built at $SHIM" "run 'make' first"
}

# vp_wait_for SECONDS CMD ARGS...: poll every 0.1 s until CMD succeeds.
# The arguments are expanded once, by the caller: to re-evaluate a
# command substitution on each poll, quote it for eval:
#   vp_wait_for 10 eval '[ "$(ovs_port_count "$BR")" -eq 0 ]'
# (with `set -u`, variables used inside must be set globally).
vp_wait_for() {
	local deadline=$((SECONDS + $1))
	shift
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		[ "$SECONDS" -ge "$deadline" ] && return 1
		sleep 0.1
	done
}

# vp_pid_alive PID: true for a live (non-zombie) process.
vp_pid_alive() {
	local st
	[ -r "/proc/$1/stat" ] || return 1
	st=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

# vp_kill_pidfile PIDFILE NAME [CTL]: stop the process named in PIDFILE if
# its command line still contains NAME: politely through its unixctl
# socket CTL (ovs-appctl exit) when given, then TERM, then KILL.
vp_kill_pidfile() {
	local pidfile=$1 name=$2 ctl=${3:-} pid
	[ -r "$pidfile" ] || return 0
	pid=$(tr -dc 0-9 <"$pidfile")
	[ -n "$pid" ] || return 0
	vp_pid_alive "$pid" || return 0
	tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$name" || return 0
	if [ -n "$ctl" ] && [ -S "$ctl" ]; then
		timeout 10 ovs-appctl -t "$ctl" --timeout=5 exit >/dev/null 2>&1 || true
		vp_wait_for 5 eval "! vp_pid_alive $pid" && return 0
	fi
	kill -TERM "$pid" 2>/dev/null || true
	vp_wait_for 5 eval "! vp_pid_alive $pid" && return 0
	kill -KILL "$pid" 2>/dev/null || true
	vp_wait_for 5 eval "! vp_pid_alive $pid"
}

# ---------------------------------------------------------- hugepages ----

# hugepages_ensure N: at least N 2 MB hugepages reserved and a hugetlbfs
# mounted (on /dev/hugepages unless one already is).  What this changes is
# restored on exit.
hugepages_ensure() {
	local want=$1 nr_file=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
	local cur got
	[ -w "$nr_file" ] || nr_file=/proc/sys/vm/nr_hugepages
	cur=$(cat "$nr_file")
	if [ "$cur" -lt "$want" ]; then
		echo "$want" >"$nr_file" || return 1
		vp_on_exit "echo $cur > $nr_file"
		got=$(cat "$nr_file")
		if [ "$got" -lt "$want" ]; then
			echo "# only $got of $want hugepages could be reserved" >&2
			return 1
		fi
	fi
	if ! awk '$3 == "hugetlbfs" { f = 1 } END { exit !f }' /proc/self/mounts; then
		if [ ! -d /dev/hugepages ]; then
			mkdir -p /dev/hugepages || return 1
			vp_on_exit "rmdir /dev/hugepages"
		fi
		mount -t hugetlbfs -o pagesize=2M nodev /dev/hugepages || return 1
		vp_on_exit "umount /dev/hugepages"
	fi
	return 0
}

# ----------------------------------------------------------- OVS-DPDK ----

OVS_DB="" OVS_SOCK="" OVS_RUNDIR="" OVS_FILE_PREFIX=""
: "${VP_OVS_VSWITCHD:=/usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk}"
: "${VP_OVS_SCHEMA:=/usr/share/openvswitch/vswitch.ovsschema}"
: "${VP_OVS_SOCKET_MEM:=128}"
: "${VP_OVS_HUGEPAGES:=256}"

# ovs_vsctl ARGS...: ovs-vsctl on the private database, bounded.
ovs_vsctl() {
	timeout 20 ovs-vsctl --db="$OVS_DB" --timeout=15 "$@"
}

# ovs_start [DIR]: a private OVS-DPDK (ovsdb-server + ovs-vswitchd-dpdk)
# in DIR (default $VP_TMP/ovs).  Exports OVS_DB (unix:...), OVS_SOCK,
# OVS_RUNDIR (and OVS_LOGDIR/OVS_DBDIR/OVS_SYSCONFDIR so no default path
# of any OVS tool points at the system instance).  Waits until vswitchd
# reports dpdk_initialized=true.  Stopped on exit.
ovs_start() {
	local d=${1:-} lcores
	[ -n "$d" ] || d="$(vp_tmpdir)/ovs"
	mkdir -p "$d" || return 1
	OVS_RUNDIR=$d
	OVS_SOCK=$d/db.sock
	OVS_DB=unix:$OVS_SOCK
	OVS_FILE_PREFIX=vp$$
	export OVS_RUNDIR OVS_SOCK OVS_DB OVS_FILE_PREFIX
	export OVS_LOGDIR=$d OVS_DBDIR=$d OVS_SYSCONFDIR=$d
	vp_on_exit "ovs_stop"

	hugepages_ensure "$VP_OVS_HUGEPAGES" || {
		echo "# could not reserve $VP_OVS_HUGEPAGES hugepages" >&2
		return 1
	}
	ovsdb-tool create "$d/conf.db" "$VP_OVS_SCHEMA" || return 1
	ovsdb-server "$d/conf.db" --remote="punix:$OVS_SOCK" \
		--pidfile="$d/ovsdb-server.pid" --unixctl="$d/ovsdb-server.ctl" \
		--log-file="$d/ovsdb-server.log" -vconsole:off --detach --no-chdir \
		2>"$d/ovsdb-server.stderr" || {
		echo "# ovsdb-server did not start" >&2
		sed 's/^/# /' "$d/ovsdb-server.stderr" >&2
		return 1
	}
	vp_wait_for 10 test -S "$OVS_SOCK" || return 1
	ovs_vsctl --no-wait init || return 1
	# Core 0 for DPDK's main lcore, the PMD thread on the last core (on a
	# 1-core machine both share core 0).
	lcores=$(nproc)
	ovs_vsctl --no-wait set Open_vSwitch . \
		other_config:dpdk-init=true \
		"other_config:dpdk-extra=--no-pci --file-prefix=$OVS_FILE_PREFIX" \
		"other_config:dpdk-socket-mem=$VP_OVS_SOCKET_MEM" \
		"other_config:dpdk-socket-limit=$VP_OVS_SOCKET_MEM" \
		other_config:dpdk-lcore-mask=0x1 \
		"other_config:pmd-cpu-mask=$(printf '0x%x' $((1 << (lcores - 1))))" \
		other_config:pmd-maxsleep=1000 || return 1
	# vswitchd runs in a network namespace of its own: the netdev datapath
	# creates tap devices ("ovs-netdev", one per bridge) that would clash
	# with any other OVS instance (the system's, another test's) in the
	# host namespace.  vhost-user sockets are files, unaffected.
	unshare --net -- "$VP_OVS_VSWITCHD" "$OVS_DB" \
		--pidfile="$d/ovs-vswitchd.pid" --unixctl="$d/ovs-vswitchd.ctl" \
		--log-file="$d/ovs-vswitchd.log" -vconsole:off --detach --no-chdir \
		2>"$d/ovs-vswitchd.stderr" || {
		sed 's/^/# /' "$d/ovs-vswitchd.stderr" >&2
		echo "# ovs-vswitchd-dpdk did not start; log tail:" >&2
		tail -n 20 "$d/ovs-vswitchd.log" 2>/dev/null | sed 's/^/# /' >&2
		return 1
	}
	if ! vp_wait_for 60 ovs__dpdk_ready; then
		echo "# vswitchd never reported dpdk_initialized=true; log tail:" >&2
		tail -n 20 "$d/ovs-vswitchd.log" 2>/dev/null | sed 's/^/# /' >&2
		return 1
	fi
	return 0
}

ovs__dpdk_ready() {
	[ "$(ovs_vsctl get Open_vSwitch . dpdk_initialized 2>/dev/null)" = true ]
}

# ovs_stop: stop the private instance by its pidfiles (idempotent).
ovs_stop() {
	local d=$OVS_RUNDIR
	[ -n "$d" ] || return 0
	vp_kill_pidfile "$d/ovs-vswitchd.pid" ovs-vswitchd "$d/ovs-vswitchd.ctl"
	vp_kill_pidfile "$d/ovsdb-server.pid" ovsdb-server "$d/ovsdb-server.ctl"
}

# ovs_add_bridge BR: a userspace (netdev) bridge; fails unless vswitchd
# really instantiated it (its local port got ofport 65534).
ovs_add_bridge() {
	ovs_vsctl --may-exist add-br "$1" -- set bridge "$1" datapath_type=netdev ||
		return 1
	if [ "$(ovs_vsctl get Interface "$1" ofport)" != 65534 ]; then
		echo "# bridge $1 not instantiated by vswitchd:" \
			"$(ovs_vsctl get Interface "$1" error)" >&2
		return 1
	fi
}

# ovs_iface_live IFACE: vswitchd instantiated the interface (positive
# ofport, empty error column), not merely a row in the database.
ovs_iface_live() {
	local of err
	of=$(ovs_vsctl get Interface "$1" ofport) || return 1
	err=$(ovs_vsctl get Interface "$1" error) || return 1
	[[ $of =~ ^[1-9][0-9]*$ ]] && [ "$err" = '[]' ]
}

# ovs_ports BR: the bridge's ports, one a line.
ovs_ports() {
	ovs_vsctl list-ports "$1"
}

# ovs_up BR DESC: ovs_start and ovs_add_bridge BR, reported as one TAP
# line DESC; bails when either fails.
ovs_up() {
	if ovs_start && ovs_add_bridge "$1"; then
		tap_ok "$2"
	else
		tap_bail "$2" "see $OVS_RUNDIR/ovs-vswitchd.log"
	fi
}

# ovs_has_port BR PORT: PORT (non-empty) is on BR.
ovs_has_port() {
	[ -n "$2" ] && ovs_ports "$1" | grep -qx "$2"
}

# ovs_port_count BR
ovs_port_count() {
	local out
	out=$(ovs_vsctl list-ports "$1") || { echo -1; return 1; }
	printf '%s' "$out" | grep -c .
}

# ovs_iface_get IFACE COLUMN[:KEY]: value with OVS's quotes stripped.
ovs_iface_get() {
	ovs_vsctl get Interface "$1" "$2" | sed 's/^"\(.*\)"$/\1/'
}

# ---------------------------------------------------------------- hook ----

VP_CFG="" VP_RUN_DIR="" VP_SOCKET_DIR="" VP_BRIDGE=br-vnf

# vp_record_port ID: the OVS port named in the sandbox's record.
vp_record_port() {
	jq -r '.resources[] | select(.kind == "ovs-port") | .port' \
		"$(vp_sandbox_dir "$1")/record.json" 2>/dev/null
}

# vp_fake_vsctl SCRIPT LOG: write an ovs-vsctl stand-in (POSIX sh: bash
# itself trips over the hook's seccomp filter) to SCRIPT for the
# tests whose point comes before OVS matters.  It logs each argv as one
# line to LOG and keeps its ports with their vnfplug tags in SCRIPT.db, so
# the hook's ownership check (`list Port` in JSON) sees its own ports:
# add-port records, list answers, del-port forgets.
vp_fake_vsctl() {
	cat >"$1" <<EOF
#!/bin/sh
db="$1.db"
echo "\$*" >>"$2"
touch "\$db"
while [ \$# -gt 0 ]; do
	case \$1 in --*) shift ;; *) break ;; esac
done
case \$1 in
add-port)
	port=\$3 sb=- ix=-
	shift 3
	for a; do
		case \$a in
		external_ids:vnfplug-sandbox=*) sb=\${a#*=} ;;
		external_ids:vnfplug-index=*) ix=\${a#*=} ;;
		--) break ;;
		esac
	done
	echo "\$port \$sb \$ix" >>"\$db" ;;
del-port)
	grep -v "^\$3 " "\$db" >"\$db.new"; mv "\$db.new" "\$db" ;;
list)
	shift 2; sep=
	printf '{"data":['
	for n; do
		while read -r name sb ix; do
			[ "\$name" = "\$n" ] || continue
			m=
			[ "\$sb" = - ] || m="[\"vnfplug-index\",\"\$ix\"],[\"vnfplug-sandbox\",\"\$sb\"]"
			printf '%s["%s",["map",[%s]]]' "\$sep" "\$name" "\$m"
			sep=,
		done <"\$db"
	done
	printf '],"headings":["name","external_ids"]}\n' ;;
esac
exit 0
EOF
	chmod 0755 "$1"
}

# vp_config_write FILE [PATH=VALUE...]: write a hook config.  Defaults:
# run_dir=$VP_TMP/run, ovs_vsctl=$(command -v ovs-vsctl), and one network
# "chain" (vhost-user on ovs-dpdk, bridge $VP_BRIDGE, ovsdb $OVS_DB,
# socket_dir $VP_TMP/s, queues 1, max_queues 8, vectors -1).
# Each PATH=VALUE sets a jq path ("run_dir", "networks.chain.queues");
# "net.KEY" is short for "networks.chain.KEY"; a VALUE that parses as JSON
# is used as JSON, otherwise as a string; "-PATH" deletes the key.
# Sets VP_CFG, VP_RUN_DIR and VP_SOCKET_DIR (creating the socket dir).
vp_config_write() {
	local file=$1 t doc kv path val
	shift
	t=$(vp_tmpdir)
	doc=$(jq -n --arg run "$t/run" --arg vsctl "$(command -v ovs-vsctl)" \
		--arg br "$VP_BRIDGE" --arg db "$OVS_DB" --arg sd "$t/s" '{
		run_dir: $run, ovs_vsctl: $vsctl,
		networks: {chain: {type: "vhost-user", switch: "ovs-dpdk",
			bridge: $br, ovsdb: $db, socket_dir: $sd,
			queues: 1, max_queues: 8, vectors: -1}}}') || return 1
	for kv in "$@"; do
		if [ "${kv#-}" != "$kv" ]; then
			path=${kv#-}
			path=${path/#net./networks.chain.}
			doc=$(jq --arg p "$path" 'delpaths([$p | split(".")])' <<<"$doc") || return 1
			continue
		fi
		path=${kv%%=*}
		val=${kv#*=}
		path=${path/#net./networks.chain.}
		if jq -e . >/dev/null 2>&1 <<<"$val" && [ -n "$val" ]; then
			doc=$(jq --arg p "$path" --argjson v "$val" \
				'setpath($p | split("."); $v)' <<<"$doc") || return 1
		else
			doc=$(jq --arg p "$path" --arg v "$val" \
				'setpath($p | split("."); $v)' <<<"$doc") || return 1
		fi
	done
	printf '%s\n' "$doc" >"$file" || return 1
	VP_CFG=$file
	VP_RUN_DIR=$(jq -r '.run_dir' <<<"$doc")
	VP_SOCKET_DIR=$(jq -r '.networks.chain.socket_dir // empty' <<<"$doc")
	[ -z "$VP_SOCKET_DIR" ] || mkdir -p "$VP_SOCKET_DIR"
}

# vp_sandbox_dir ID
vp_sandbox_dir() {
	printf '%s/sandboxes/%s\n' "$VP_RUN_DIR" "$1"
}

# vp_sandbox_count: how many sandbox directories the hook holds.
vp_sandbox_count() {
	local d="$VP_RUN_DIR/sandboxes"
	[ -d "$d" ] || { echo 0; return 0; }
	find "$d" -mindepth 1 -maxdepth 1 | grep -c .
}

# state_json ID [--status S] [--pid N] [--bundle DIR] [--request JSON]
#            [--annotation KEY VALUE]... [--no-annotations]
# An OCI state document as runc gives it to a hook.
state_json() {
	local id=$1 status=creating pid=$$ bundle=/nonexistent ann='{}' noann=0
	shift
	while [ $# -gt 0 ]; do
		case $1 in
		--status) status=$2; shift 2 ;;
		--pid) pid=$2; shift 2 ;;
		--bundle) bundle=$2; shift 2 ;;
		--request)
			ann=$(jq -c --arg v "$2" '. + {"io.vnfplug.networks": $v}' <<<"$ann")
			shift 2 ;;
		--annotation)
			ann=$(jq -c --arg k "$2" --arg v "$3" '. + {($k): $v}' <<<"$ann")
			shift 3 ;;
		--no-annotations) noann=1; shift ;;
		*) echo "state_json: unknown option $1" >&2; return 2 ;;
		esac
	done
	jq -cn --arg id "$id" --arg st "$status" --argjson pid "$pid" \
		--arg b "$bundle" --argjson ann "$ann" --argjson noann "$noann" '
		{ociVersion: "1.0.2", id: $id, status: $st}
		+ (if $st == "stopped" then {} else {pid: $pid} end)
		+ {bundle: $b}
		+ (if $noann == 1 then {} else {annotations: $ann} end)'
}

# hook_run [--config CFG] STAGE [< STATE]: run the hook directly (stdin is
# the state).  Sets HOOK_RC, HOOK_OUT, HOOK_ERR (contents) and returns
# HOOK_RC.
# shellcheck disable=SC2034 # read by the tests
HOOK_RC=0 HOOK_OUT="" HOOK_ERR=""
hook_run() {
	local cfg=$VP_CFG t
	if [ "${1:-}" = --config ]; then cfg=$2; shift 2; fi
	t=$(vp_tmpdir)
	timeout 60 "$VP_HOOK" --config "$cfg" "$@" >"$t/hook.out" 2>"$t/hook.err"
	HOOK_RC=$?
	# shellcheck disable=SC2034
	HOOK_OUT=$(cat "$t/hook.out")
	# shellcheck disable=SC2034
	HOOK_ERR=$(cat "$t/hook.err")
	return "$HOOK_RC"
}

# ---------------------------------------------------------------- runc ----

VP_RUNC_ROOT=$VP_TMP/runc

# vp_runc ARGS...: runc with a private state root, bounded.
vp_runc() {
	mkdir -p "$VP_RUNC_ROOT"
	timeout 60 runc --root "$VP_RUNC_ROOT" "$@"
}

runc__cleanup() {
	local id
	[ -d "$VP_RUNC_ROOT" ] || return 0
	for id in $(timeout 20 runc --root "$VP_RUNC_ROOT" list -q 2>/dev/null); do
		timeout 30 runc --root "$VP_RUNC_ROOT" delete -f "$id" || true
	done
}

# vp_rootfs DIR: a busybox-static root filesystem.
vp_rootfs() {
	local r=$1 a bb
	bb=$(command -v busybox) || return 1
	mkdir -p "$r/bin" "$r/proc" "$r/sys" "$r/dev" "$r/tmp" "$r/etc" || return 1
	cp "$bb" "$r/bin/busybox" || return 1
	for a in $("$r/bin/busybox" --list); do
		[ "$a" = busybox ] || ln -sf busybox "$r/bin/$a"
	done
	echo 'root:x:0:0:root:/:/bin/sh' >"$r/etc/passwd"
	echo 'root:x:0:' >"$r/etc/group"
}

# vp_json_array ARGS...: the arguments as a JSON array of strings.
vp_json_array() {
	local a j='[]'
	for a in "$@"; do
		j=$(jq -c --arg a "$a" '. + [$a]' <<<"$j") || return 1
	done
	printf '%s\n' "$j"
}

# runc_bundle DIR [--config CFG] [--request JSON] [--annotation K V]...
#             [--no-hooks] [--hook-args "ARG..."] [--mount HOSTDIR:CDIR]
#             [-- CMD ARGS...]
# A bundle with a busybox rootfs and config.json from `runc spec`, edited:
# terminal false, process args (default: sleep 60), annotations, and
# hooks.prestart/poststop running $VP_HOOK --config CFG prestart|poststop
# (CFG defaults to $VP_CFG).  The network namespace is kept.
runc_bundle() {
	local b=$1 cfg=$VP_CFG ann='{}' hooks=1 extra='[]' mounts='[]' args
	shift
	args='["sleep","60"]'
	while [ $# -gt 0 ]; do
		case $1 in
		--config) cfg=$2; shift 2 ;;
		--request)
			ann=$(jq -c --arg v "$2" '. + {"io.vnfplug.networks": $v}' <<<"$ann")
			shift 2 ;;
		--annotation)
			ann=$(jq -c --arg k "$2" --arg v "$3" '. + {($k): $v}' <<<"$ann")
			shift 3 ;;
		--no-hooks) hooks=0; shift ;;
		--hook-args)
			# shellcheck disable=SC2086
			extra=$(vp_json_array $2)
			shift 2 ;;
		--mount)
			mounts=$(jq -c --arg s "${2%%:*}" --arg d "${2#*:}" \
				'. + [{destination: $d, type: "bind", source: $s,
				       options: ["rbind", "rw"]}]' <<<"$mounts")
			shift 2 ;;
		--) shift; args=$(vp_json_array "$@"); break ;;
		*) echo "runc_bundle: unknown option $1" >&2; return 2 ;;
		esac
	done
	mkdir -p "$b" || return 1
	[ -x "$b/rootfs/bin/busybox" ] || vp_rootfs "$b/rootfs" || return 1
	rm -f "$b/config.json"
	(cd "$b" && runc spec) || return 1
	jq --argjson args "$args" --argjson ann "$ann" --arg hook "$VP_HOOK" \
		--arg cfg "$cfg" --argjson hooks "$hooks" --argjson extra "$extra" \
		--argjson mounts "$mounts" '
		.process.terminal = false
		| .process.args = $args
		| .root.readonly = false
		| .mounts += $mounts
		| (if ($ann | length) > 0 then .annotations = $ann else del(.annotations) end)
		| (if $hooks == 1 then .hooks = {
			prestart: [{path: $hook, timeout: 60,
				args: (["vnfplug-hook", "--config", $cfg] + $extra + ["prestart"])}],
			poststop: [{path: $hook, timeout: 60,
				args: (["vnfplug-hook", "--config", $cfg] + $extra + ["poststop"])}]}
		   else del(.hooks) end)' "$b/config.json" >"$b/config.json.new" &&
		mv "$b/config.json.new" "$b/config.json"
}

# runc_run ID BUNDLE: run in the foreground to completion (prestart,
# process, poststop).  Output to $VP_TMP/runc-ID.log; returns runc's status.
runc_run() {
	local t
	t=$(vp_tmpdir)
	vp_runc run --bundle "$2" "$1" </dev/null >"$t/runc-$1.log" 2>&1
}

# runc_run_detached ID BUNDLE: start (prestart hooks run before this
# returns) and leave running.  Output to $VP_TMP/runc-ID.log.
runc_run_detached() {
	local t
	t=$(vp_tmpdir)
	vp_runc run --detach --bundle "$2" "$1" </dev/null >"$t/runc-$1.log" 2>&1
}

# runc_delete ID: kill and delete (runs the poststop hooks).
runc_delete() {
	vp_runc delete -f "$1"
}

# runc_log ID: what runc printed for that container.
runc_log() {
	cat "$(vp_tmpdir)/runc-$1.log" 2>/dev/null
}

# -------------------------------------------------------------- podman ----

VP_PODMAN_DIR=$VP_TMP/podman
VP_PODMAN_BASE=(podman --root "$VP_PODMAN_DIR/root" --runroot "$VP_PODMAN_DIR/run"
	--tmpdir "$VP_PODMAN_DIR/tmp" --storage-driver vfs --events-backend file)
VP_PODMAN_RUN=(--network none)
VP_IMAGE=localhost/vp-busybox:latest

podman__init() {
	mkdir -p "$VP_PODMAN_DIR/root" "$VP_PODMAN_DIR/run" "$VP_PODMAN_DIR/tmp"
}

podman__cleanup() {
	[ -d "$VP_PODMAN_DIR" ] || return 0
	timeout 60 "${VP_PODMAN_BASE[@]}" rm -a -f -t 0 || true
	timeout 60 "${VP_PODMAN_BASE[@]}" system reset -f || true
}

# vp_podman [--hooks-dir DIR] SUBCOMMAND ARGS...: podman on private
# storage (--root/--runroot/--tmpdir under the temp dir), bounded.
# For `run`, add "${VP_PODMAN_RUN[@]}" (ulimits and --network none).
vp_podman() {
	podman__init
	timeout 120 "${VP_PODMAN_BASE[@]}" "$@"
}

# podman_image: import the busybox rootfs as $VP_IMAGE (once per script)
# and choose run options that work here (VP_PODMAN_RUN).
podman_image() {
	local t
	podman__init
	t=$(vp_tmpdir)
	if ! vp_podman image exists "$VP_IMAGE"; then
		vp_rootfs "$t/podman-rootfs" || return 1
		tar -C "$t/podman-rootfs" -cf "$t/busybox.tar" . || return 1
		vp_podman import --quiet "$t/busybox.tar" "$VP_IMAGE" >/dev/null || return 1
	fi
	# `--ulimit host` is enough where the engine may raise rlimits; without
	# CAP_SYS_RESOURCE even that fails (runc cannot raise RLIMIT_NOFILE to
	# 1048576), so fall back to limits below the current ones.
	VP_PODMAN_RUN=(--ulimit host --network none)
	if ! vp_podman run --rm "${VP_PODMAN_RUN[@]}" "$VP_IMAGE" true >/dev/null 2>&1; then
		VP_PODMAN_RUN=(--ulimit nofile=1024:1024 --ulimit nproc=4096:4096 --network none)
		vp_podman run --rm "${VP_PODMAN_RUN[@]}" "$VP_IMAGE" true >/dev/null || return 1
	fi
}

# podman_annotation KEY VALUE: the --annotation argument.  podman parses
# the flag as CSV, so a value with '"' or ',' (any JSON) must be quoted.
podman_annotation() {
	local s="$1=$2"
	printf '"%s"' "${s//\"/\"\"}"
}

