#!/bin/bash
# bench/shim-start.sh [RUNS] - what vnfplug-qemu adds to QEMU's start-up.
#
# Measures, for the same QEMU argv, the time from process start (fork+exec
# by the harness) until QEMU's QMP socket accepts a connection, sends its
# greeting and answers {"execute":"qmp_capabilities"} - "QMP ready", the
# moment a runtime such as Kata can start talking to the VM:
#
#   direct   /usr/bin/qemu-system-x86_64 ARGS
#   shim     vnfplug-qemu --vnfplug-config=CFG ARGS, where the sandbox has
#            no device list (the shim loads its config, parses the argv,
#            finds no devices.json and execs QEMU unchanged)
#   shim+dl  the same with a device list that adds nothing
#            ({"shared_memory":false,"args":[]}): config + device list
#            parsing + argv rebuild, still an identical QEMU argv
#
# ARGS are Kata-shaped: -name sandbox-<id>,debug-threads=on, q35, 256M,
# -qmp unix:...,server=on,wait=off, -kernel/-initrd (the test guest from
# tests/integration/lib/guestlib.sh), -nodefaults, -display none, -accel tcg,
# and -S so the guest never runs: only QEMU's own start-up is timed.  The
# three variants alternate within each round (RUNS rounds, default 20) so
# drift (page cache, CPU frequency) hits all of them alike.  Prints each
# variant's median, min, max and the shim/direct ratio of the medians.
#
# A second, finer measurement isolates the shim itself: spawn-to-exit of
# the shim configured with qemu=/bin/true (sandbox without and with a
# device list) vs /bin/true run directly (same argv, 10*RUNS alternating
# runs each), which is the shim's whole cost (config load, argv scan,
# device-list lookup, its own bookkeeping, one extra execve) without
# QEMU's start-up noise.
#
# Environment: VP_BUILD (default ./build) must hold vnfplug-qemu; QEMU from
# VP_QEMU (default /usr/bin/qemu-system-x86_64).
set -u
cd "$(dirname "$0")/.."
RUNS=${1:-20}
export VP_BUILD=${VP_BUILD:-$PWD/build}
VP_BUILD=$(realpath "$VP_BUILD")
SHIM=$VP_BUILD/vnfplug-qemu
QEMU=${VP_QEMU:-/usr/bin/qemu-system-x86_64}
[ -x "$SHIM" ] || { echo "shim-start: $SHIM not built (make)" >&2; exit 1; }
[ -x "$QEMU" ] || { echo "shim-start: $QEMU not installed" >&2; exit 1; }

. tests/integration/lib/guestlib.sh
guest_prepare || { echo "shim-start: cannot build the test initramfs" >&2; exit 1; }

T=$(mktemp -d /tmp/vpbench.XXXXXX) || exit 1
# The shim writes <run_dir>/sandboxes/<id>/vm.json with fsync before its
# execv.  Production's run_dir (/run/vnfplug) is on tmpfs, where fsync is
# free; keep the bench's run_dir on tmpfs too (VP_BENCH_RUN_PARENT to
# choose another file system, e.g. /tmp on a disk).
R=$(mktemp -d "${VP_BENCH_RUN_PARENT:-/dev/shm}/vpbench-run.XXXXXX") || exit 1
trap 'rm -rf "$T" "$R"' EXIT
mkdir -p "$R/sandboxes/benchdl"
cat >"$T/vnfplug.json" <<EOF
{"run_dir": "$R", "qemu": "$QEMU", "networks": {}}
EOF
cat >"$T/true.json" <<EOF
{"run_dir": "$R", "qemu": "/bin/true", "networks": {}}
EOF
echo "run_dir on $(stat -f -c %T "$R") ($R)"
cat >"$R/sandboxes/benchdl/devices.json" <<EOF
{"version": 1, "sandbox": "benchdl", "shared_memory": false, "args": []}
EOF

/usr/bin/python3 - "$RUNS" "$T" "$QEMU" "$SHIM" "$GUEST_KERNEL" "$GUEST_INITRD" <<'EOF'
import os, socket, statistics, subprocess, sys, time

runs, tmp, qemu, shim, kernel, initrd = sys.argv[1:]
runs = int(runs)
cfg = os.path.join(tmp, "vnfplug.json")
qmp = os.path.join(tmp, "qmp.sock")

def qemu_args(sandbox):
    return ["-name", "sandbox-%s,debug-threads=on" % sandbox,
            "-machine", "q35", "-accel", "tcg", "-m", "256M",
            "-qmp", "unix:%s,server=on,wait=off" % qmp,
            "-kernel", kernel, "-initrd", initrd,
            "-append", "console=ttyS0 panic=-1",
            "-nodefaults", "-no-user-config", "-display", "none",
            "-serial", "null", "-no-reboot", "-S"]

variants = [
    ("direct", lambda: [qemu] + qemu_args("benchnone")),
    ("shim", lambda: [shim, "--vnfplug-config=" + cfg] + qemu_args("benchnone")),
    ("shim+dl", lambda: [shim, "--vnfplug-config=" + cfg] + qemu_args("benchdl")),
]

def recv_line(f):
    while True:
        line = f.readline()
        if not line:
            raise RuntimeError("QMP connection closed")
        if b'"event"' not in line:
            return line

def one(argv):
    try:
        os.unlink(qmp)
    except FileNotFoundError:
        pass
    t0 = time.monotonic()
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = t0 + 30
    s = None
    while True:
        if p.poll() is not None:
            raise RuntimeError("%s exited %d: %s" % (argv[0], p.returncode,
                               p.stderr.read().decode(errors="replace")))
        if time.monotonic() > deadline:
            p.kill()
            raise RuntimeError("QMP not ready within 30 s")
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(qmp)
            break
        except OSError:
            s.close()
            time.sleep(0.0005)
    s.settimeout(30)
    f = s.makefile("rwb")
    greet = recv_line(f)
    if b'"QMP"' not in greet:
        raise RuntimeError("no QMP greeting: %r" % greet)
    f.write(b'{"execute":"qmp_capabilities"}\n'); f.flush()
    r = recv_line(f)
    t1 = time.monotonic()
    if b'"return"' not in r:
        raise RuntimeError("qmp_capabilities: %r" % r)
    f.write(b'{"execute":"quit"}\n'); f.flush()
    try:
        p.wait(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill(); p.wait()
    s.close()
    return (t1 - t0) * 1000.0

# one warm-up of each (page cache, dynamic loader caches), not counted
for name, mk in variants:
    one(mk())
res = {name: [] for name, _ in variants}
for i in range(runs):
    order = variants if i % 2 == 0 else list(reversed(variants))
    for name, mk in order:
        res[name].append(one(mk()))

print("QEMU start to QMP ready (qmp_capabilities answered), %d runs each, -S -accel tcg" % runs)
print("%-8s %9s %9s %9s %9s %9s" % ("variant", "median", "p25", "p75", "min", "max"))
med = {}
for name, _ in variants:
    v = res[name]
    med[name] = statistics.median(v)
    q = statistics.quantiles(v, n=4)
    print("%-8s %7.1fms %7.1fms %7.1fms %7.1fms %7.1fms" %
          (name, med[name], q[0], q[2], min(v), max(v)))
for name in ("shim", "shim+dl"):
    print("ratio %s/direct (medians): %.3f  (overhead %+.1f ms)" %
          (name, med[name] / med["direct"], med[name] - med["direct"]))
print("(QEMU's own start-up varies by tens of ms with machine load; a median")
print(" difference inside the p25..p75 spread is noise, see the next figure)")

# the shim alone: exec /bin/true through it vs directly
tcfg = os.path.join(tmp, "true.json")
args = qemu_args("benchdl")
def spawn(argv):
    t0 = time.monotonic()
    rc = subprocess.call(argv, stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t1 = time.monotonic()
    if rc != 0:
        raise RuntimeError("%s exited %d" % (argv[0], rc))
    return (t1 - t0) * 1000.0
ex = {"true": [], "shim->true": [], "shim+dl->true": []}
for i in range(10 * runs):
    ex["true"].append(spawn(["/bin/true"] + args))
    ex["shim->true"].append(spawn([shim, "--vnfplug-config=" + tcfg] + qemu_args("benchnone")))
    ex["shim+dl->true"].append(spawn([shim, "--vnfplug-config=" + tcfg] + args))
print()
print("spawn to exit, QEMU replaced by /bin/true, %d runs each" % (10 * runs))
for k, v in ex.items():
    print("%-14s median %6.3fms  min %6.3fms" % (k, statistics.median(v), min(v)))
for k in ("shim->true", "shim+dl->true"):
    print("%s: shim's own cost %+.3f ms (median difference), %+.3f ms (min difference, robust to load)" %
          (k, statistics.median(ex[k]) - statistics.median(ex["true"]),
           min(ex[k]) - min(ex["true"])))
EOF
