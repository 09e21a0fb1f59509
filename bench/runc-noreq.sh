#!/bin/bash
# bench/runc-noreq.sh [RUNS] - cost of the registered hook for a container
# without a request: `runc run` of /bin/true with vnfplug-hook as prestart
# and poststop hook, vs. the same bundle without hooks, vs. the same bundle
# with /bin/true as both hooks (what runc's own hook machinery costs, for
# any hook), alternating, RUNS (default 30) each.  Prints the medians (ms)
# and the ratios.  Target (issues #2, #4): with hook / without <= 1.03.
. "$(dirname "$0")/lib.sh"
runs=${1:-30}
vp_require_root
t=$(vp_tmpdir)
vp_config_write "$t/vnfplug.json"
runc_bundle "$t/with" -- /bin/true || exit 1
runc_bundle "$t/without" --no-hooks -- /bin/true || exit 1
runc_bundle "$t/truehook" -- /bin/true || exit 1
jq '.hooks.prestart[0].path = "/bin/true" | .hooks.prestart[0].args = ["true"]
    | .hooks.poststop[0].path = "/bin/true" | .hooks.poststop[0].args = ["true"]' \
	"$t/truehook/config.json" >"$t/c.json" && mv "$t/c.json" "$t/truehook/config.json"
kinds="with without truehook"
for k in $kinds; do : >"$t/$k.ns"; done
for i in $(seq 1 "$runs"); do
	for kind in $kinds; do
		s=$(now_ns)
		vp_runc run --bundle "$t/$kind" "b-$kind-$i" </dev/null >/dev/null 2>&1 ||
			{ echo "runc run failed ($kind)" >&2; exit 1; }
		e=$(now_ns)
		echo $((e - s)) >>"$t/$kind.ns"
	done
done
mw=$(median "$t/with.ns"); mo=$(median "$t/without.ns"); mt=$(median "$t/truehook.ns")
ms() { awk -v n="$1" 'BEGIN{printf "%.2f", n/1e6}'; }
printf 'runc run /bin/true, %d runs each, alternating\n' "$runs"
printf '  vnfplug-hook as prestart+poststop (no request): median %s ms\n' "$(ms "$mw")"
printf '  /bin/true as prestart+poststop:                 median %s ms\n' "$(ms "$mt")"
printf '  no hooks:                                       median %s ms\n' "$(ms "$mo")"
printf '  ratio vnfplug-hook / no hooks: %s (target <= 1.03)\n' "$(ratio "$mw" "$mo")"
printf '  ratio /bin/true hooks / no hooks: %s (runc'"'"'s cost of running any hook)\n' "$(ratio "$mt" "$mo")"
printf '  ratio vnfplug-hook / /bin/true hooks: %s (the hook'"'"'s own cost)\n' "$(ratio "$mw" "$mt")"
