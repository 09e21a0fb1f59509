#!/bin/bash
# 54-blocking-files.sh - a bundle's config.json that is not a regular file
# can not hold the hook.  The real hook reads config.json when the state
# has no annotations; a FIFO there used to block its open(2) for ever (and
# the runtime with it).  Now a FIFO, a device node and a symlink to one are
# refused at once, for prestart and poststop, with an error naming the
# file.  Each run is bounded by `timeout 10`: a hang is a failure, not a
# stuck test.  Control: the same bundle with a regular config.json is read
# and its request served.  ovs-vsctl is a stand-in that logs and succeeds.
. "$(dirname "$0")/lib/lib.sh"

vp_require_root
vp_require_cmd jq timeout mknod mkfifo
vp_require_hook

T=$VP_TMP
vp_fake_vsctl "$T/vsctl" "$T/vsctl.log"
vp_config_write "$T/vnfplug.json" "ovs_vsctl=$T/vsctl" "net.ovsdb=unix:$T/no-ovsdb.sock"
B=$T/bundle
mkdir -p "$B"

# run STAGE: the hook on a state without annotations (so it reads
# $B/config.json), bounded; sets RC, ERR and MS (elapsed).
run() {
	local st=creating t0
	[ "$1" = poststop ] && st=stopped
	state_json b1 --status "$st" --bundle "$B" --no-annotations >"$T/state.json"
	t0=$(date +%s%N)
	timeout 10 "$VP_HOOK" --config "$VP_CFG" "$1" <"$T/state.json" \
		>"$T/out" 2>"$T/err"
	RC=$?
	MS=$((($(date +%s%N) - t0) / 1000000))
	ERR=$(cat "$T/err")
}

# ------------------------------------------------------------ control --
jq -n --arg req '[{"network":"chain"}]' \
	'{ociVersion: "1.0.2", annotations: {"io.vnfplug.networks": $req}}' >"$B/config.json"
run prestart
p_rc=$RC p_err=$ERR
run poststop
if [ "$p_rc" -eq 0 ] && [ "$RC" -eq 0 ] && grep -q add-port "$T/vsctl.log" 2>/dev/null &&
	grep -q del-port "$T/vsctl.log"; then
	tap_ok "control: the request in a regular config.json is served (prestart adds, poststop removes the port)"
else
	tap_bail "control: the request in a regular config.json is served" \
		"prestart exit $p_rc: $p_err" "poststop exit $RC: $ERR" \
		"vsctl: $(cat "$T/vsctl.log" 2>&1)"
fi

# blocked DESC REGEX: prestart and poststop both fail fast with REGEX
blocked() {
	local desc=$1 re=$2 stage why
	for stage in prestart poststop; do
		run "$stage"
		why=()
		[ "$RC" -ne 124 ] && [ "$RC" -lt 126 ] ||
			why+=("exit status $RC: hung (killed by timeout 10) or crashed")
		[ "$RC" -ne 0 ] || why+=("exit status 0, want non-zero")
		[ "$MS" -lt 5000 ] || why+=("took $MS ms")
		printf '%s\n' "$ERR" | grep -Eq -- "$re" ||
			why+=("stderr does not match /$re/")
		if [ ${#why[@]} -eq 0 ]; then
			tap_ok "$desc: $stage fails at once ($MS ms)"
		else
			tap_fail "$desc: $stage fails at once" "${why[@]}" "stderr: $ERR"
		fi
	done
}

rm -f "$B/config.json"
mkfifo "$B/config.json"
blocked "config.json a FIFO nobody writes to" "\`$B/config.json\` is not a regular file"

rm -f "$B/config.json"
mknod -m 0666 "$B/config.json" c 1 3
blocked "config.json a character device (a /dev/null of its own)" \
	"\`$B/config.json\` is not a regular file"

rm -f "$B/config.json"
mkfifo "$T/fifo"
ln -s "$T/fifo" "$B/config.json"
blocked "config.json a symlink to a FIFO" \
	"open \`$B/config.json\`: Too many levels of symbolic links"

rm -f "$B/config.json"
ln -s /dev/null "$B/config.json"
blocked "config.json a symlink to /dev/null" \
	"open \`$B/config.json\`: Too many levels of symbolic links"

tap_done
