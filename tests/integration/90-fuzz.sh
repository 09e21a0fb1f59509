#!/bin/bash
# 90-fuzz.sh - a bounded libFuzzer run of every harness in tests/fuzz/
# (ASan+UBSan, built by `make fuzz` into build-fuzz/): one TAP line per
# harness, ok when the run ends with no crash, leak, timeout or OOM.
#
# Each harness starts from a copy of its seed corpus (tests/fuzz/corpus/
# <harness>/) in the temp dir, so nothing is written into the repository;
# a failing input is copied to tests/out/fuzz/<harness>/ (ignored by git)
# and the diagnostics give its path and the command that reproduces it.
#
#   VP_FUZZ_SECONDS   time per harness (default 30; 6 harnesses = 3 min)
#   VP_FUZZ_BUILD     where the harnesses are built (default build-fuzz)
#   VP_FUZZ_RSS_MB    -rss_limit_mb (default 1024)
. "$(dirname "$0")/lib/lib.sh"

SECS=${VP_FUZZ_SECONDS:-30}
RSS=${VP_FUZZ_RSS_MB:-1024}
FUZZ_BUILD=${VP_FUZZ_BUILD:-$VP_ROOT/build-fuzz}
OUT_DIR=$VP_ROOT/tests/out/fuzz

vp_require_cmd clang

cd "$VP_ROOT" || tap_bail "cd $VP_ROOT"
T=$(vp_tmpdir)
if make -j"$(nproc)" FUZZ_BUILD="$FUZZ_BUILD" fuzz >"$T/make.log" 2>&1; then
	tap_ok "make fuzz"
else
	tap_bail "make fuzz" "$(tail -n 20 "$T/make.log")"
fi

# fuzz_stat NAME LOG: one of libFuzzer's final stats (-print_final_stats=1).
fuzz_stat() {
	sed -n "s/^stat::$1: *//p" "$2" | tail -n 1
}

for src in tests/fuzz/fuzz_*.c; do
	h=$(basename "$src" .c)
	bin=$FUZZ_BUILD/$h
	w=$T/$h
	mkdir -p "$w/corpus" "$w/artifacts"
	cp -R "tests/fuzz/corpus/$h/." "$w/corpus/" 2>/dev/null || true
	dict=()
	[ -f "tests/fuzz/$h.dict" ] && dict=(-dict="tests/fuzz/$h.dict")
	# the outer timeout only catches a hang of libFuzzer itself
	timeout --kill-after=10 $((SECS + 120)) "$bin" "${dict[@]}" \
		-max_total_time="$SECS" -timeout=10 -rss_limit_mb="$RSS" \
		-print_final_stats=1 -artifact_prefix="$w/artifacts/" \
		"$w/corpus" >"$w/log" 2>&1
	rc=$?
	final=$(grep -E '^#[0-9]+.*(DONE|cov:)' "$w/log" | tail -n 1)
	cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$final")
	ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$final")
	execs=$(fuzz_stat number_of_executed_units "$w/log")
	found=$(find "$w/artifacts" -type f | head -n 1)
	if [ "$rc" -eq 0 ] && [ -z "$found" ]; then
		tap_ok "$h: ${SECS}s, ${execs:-?} execs, cov ${cov:-?} ft ${ft:-?}, no crash"
		continue
	fi
	keep=""
	if [ -n "$found" ]; then
		mkdir -p "$OUT_DIR/$h"
		cp "$found" "$OUT_DIR/$h/"
		keep=$OUT_DIR/$h/$(basename "$found")
	fi
	tap_fail "$h: crash or failure after ${execs:-?} execs (exit $rc)" \
		"input: ${keep:-none saved}" \
		"reproduce: make fuzz && $bin ${keep:-<input>}" \
		"$(grep -E 'ERROR|invariant|SUMMARY|==[0-9]+==' "$w/log" | head -n 10)" \
		"$(tail -n 25 "$w/log")"
done

tap_done
