#!/bin/bash
# bench/runc-noreq.sh [RUNS] - cost of the registered hook for a container
# without a request: `runc run` of /bin/true with vnfplug-hook as prestart
# and poststop hook vs. the same bundle without hooks, alternating, RUNS
# (default 30) each.  Prints both medians (ms) and their ratio.
# Target (issue #2): ratio <= 1.03.
. "$(dirname "$0")/lib.sh"
runs=${1:-30}
vp_require_root
t=$(vp_tmpdir)
vp_config_write "$t/vnfplug.json"
runc_bundle "$t/with" -- /bin/true || exit 1
runc_bundle "$t/without" --no-hooks -- /bin/true || exit 1
: >"$t/with.ns"; : >"$t/without.ns"
for i in $(seq 1 "$runs"); do
	for kind in with without; do
		s=$(now_ns)
		vp_runc run --bundle "$t/$kind" "b-$kind-$i" </dev/null >/dev/null 2>&1 ||
			{ echo "runc run failed ($kind)" >&2; exit 1; }
		e=$(now_ns)
		echo $(( (e - s) )) >>"$t/$kind.ns"
	done
done
mw=$(median "$t/with.ns"); mo=$(median "$t/without.ns")
printf 'runc run /bin/true, %d runs each, alternating\n' "$runs"
printf '  with hook (no request): median %.2f ms\n' "$(awk -v n="$mw" 'BEGIN{print n/1e6}')"
printf '  without hook:           median %.2f ms\n' "$(awk -v n="$mo" 'BEGIN{print n/1e6}')"
printf '  ratio: %s (target <= 1.03)\n' "$(ratio "$mw" "$mo")"
