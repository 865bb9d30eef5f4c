#!/usr/bin/env python3
"""Runs the green-thread benchmarks side by side, gt against Go (Debian
golang-go) and Boost.Fiber (Debian libboost-fiber-dev, work_stealing), and
prints one table. Each program prints "RESULT <bench> <executors> <n> <value>
<unit>"; see gt_bench.cpp and peers/ for what each benchmark does.

  run.py --build BUILD_DIR [--quick] [--only park,wake,...] [--executors 1,2]

A row whose peer would need more memory than the machine has available is
skipped and says so (estimated from the 1M-thread run).
"""
import argparse
import os
import subprocess
import functools
import sys

print = functools.partial(print, flush=True)

HERE = os.path.dirname(os.path.abspath(__file__))
CPUS = os.cpu_count() or 1

# (bench, executors, n, target as "gt <= X * Go" or None)
ROWS = [
    ("skynet", CPUS, 1000000, 0.5),
    ("skynet", 1, 1000000, 0.5),
    ("skynet_clang", CPUS, 1000000, 0.5),
    ("skynet_clang", 1, 1000000, 0.5),
    ("spawn", CPUS, 100000, None),
    ("yield", 1, 1000000, None),
    ("chanpp", CPUS, 200000, None),
    ("chanpp", 1, 200000, None),
    ("memory", CPUS, 1000000, None),
    ("memory_compact", CPUS, 1000000, None),
    ("memory_clang", CPUS, 1000000, None),
    ("memory_small", CPUS, 1000000, None),
    ("park", CPUS, 1000000, 0.5),
    ("wake", CPUS, 1000000, 0.5),
    ("park", 1, 1000000, 0.5),
    ("wake", 1, 1000000, 0.5),
    ("park_compact", CPUS, 1000000, 0.5),
    ("wake_compact", CPUS, 1000000, 0.5),
    ("park_clang", CPUS, 1000000, 0.5),
    ("wake_clang", CPUS, 1000000, 0.5),
    ("park_clang", 1, 1000000, 0.5),
    ("wake_clang", 1, 1000000, 0.5),
    ("park_small", CPUS, 1000000, 0.5),
    ("wake_small", CPUS, 1000000, 0.5),
    ("park_small", 1, 1000000, 0.5),
    ("wake_small", 1, 1000000, 0.5),
    ("idle", CPUS, 1, None),
    ("idle", 1, 1, None),
    # Last: 10M parked threads leave the kernel reclaiming gigabytes for a
    # while, which slowed the rows after them (spawn + park 11.5 s alone,
    # 20.6 s right after them).
    ("memory", CPUS, 10000000, None),
    ("memory_compact", CPUS, 10000000, None),
    ("memory_clang", CPUS, 10000000, None),
    ("memory_small", CPUS, 10000000, None),
]
# gt's program is gt-bench-cc, the benchmark built the way the README builds
# programs (through gt-cc, whose defaults include split stacks on x86-64),
# where it exists, else gt-bench. *_compact rows: threads spawned with
# GT_ATTR_COMPACT. *_clang rows: gt-bench, the same source built by plain
# clang++ (with -fsplit-stack, as the runtime) and default spawn options;
# *_small rows: gt-bench with GT_ATTR_SMALL_STACK (the opt-in for such
# code). All are compared with the peers' plain benchmark.
PEER_BENCH = {"memory_compact": "memory", "park_compact": "park",
              "wake_compact": "wake", "memory_small": "memory",
              "park_small": "park", "wake_small": "wake",
              "memory_clang": "memory", "park_clang": "park",
              "wake_clang": "wake", "skynet_clang": "skynet"}
# Results a program prints as the second result of another run: "park" prints
# the park and the wake times of one run.
PROGRAM_BENCH = {"wake": "park", "wake_compact": "park_compact",
                 "wake_small": "park_small"}
# Boost.Fiber's park benchmark grows quadratically with n (2 executors:
# 11 s at 100,000 fibers, 153 s at 200,000; 1 executor: 23 s to wake
# 100,000): rows above this many fibers are skipped.
BOOST_PARK_MAX_N = 100000
MEMORY_TARGET = 1024  # bytes per parked thread with GT_ATTR_COMPACT; plain: <= Go


def mem_available():
    for line in open("/proc/meminfo"):
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) * 1024
    return 0


_outputs = {}


def run(cmd, want, env=None):
    """The value and unit of result `want` printed by cmd (run once per cmd)."""
    key = tuple(cmd)
    if key not in _outputs:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, env=env, timeout=1200)
        results = {}
        for line in p.stdout.splitlines():
            if line.startswith("RESULT "):
                f = line.split()
                results[f[1]] = (float(f[4]), f[5])
        if not results or p.returncode != 0:
            results = RuntimeError(f"{' '.join(cmd)} failed ({p.returncode}): "
                                   f"{p.stderr.strip()}")
        _outputs[key] = results
    results = _outputs[key]
    if isinstance(results, Exception):
        raise results
    if want not in results:
        raise RuntimeError(f"{' '.join(cmd)} printed no result {want}")
    return results[want]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True, help="the project's build directory")
    ap.add_argument("--quick", action="store_true", help="1/10 of the sizes")
    ap.add_argument("--only", default="",
                    help="comma-separated benchmarks to run (default: all rows)")
    ap.add_argument("--executors", default="",
                    help="comma-separated executor counts to run (default: all rows)")
    args = ap.parse_args()
    out = os.path.join(os.path.abspath(args.build), "benchmarks", "runtime")
    go_bin = os.path.join(out, "peer-go")
    env = dict(os.environ, GO111MODULE="off", GOCACHE=os.path.join(out, "gocache"))
    subprocess.run(["go", "build", "-o", go_bin, os.path.join(HERE, "peers", "bench.go")],
                   check=True, env=env)
    gt_plain = os.path.join(out, "gt-bench")
    gt_default = os.path.join(out, "gt-bench-cc")
    if not os.path.exists(gt_default):  # built on x86-64 (split stacks) only
        gt_default = gt_plain
    progs = [("gt", gt_default), ("Go", go_bin),
             ("Boost.Fiber", os.path.join(out, "peer-boost-fiber"))]
    print(f"{'benchmark':14} {'exec':>4} {'threads':>9}  " +
          "".join(f"{name:>14}" for name, _ in progs) + f"  {'gt/Go':>6}  target")
    per_thread = {}  # memory bytes/thread at 1M, to size the 10M row
    peer_seen = {}   # a peer's result, reused where gt runs a variant
    failed = False
    only = set(filter(None, args.only.split(",")))
    only_execs = set(int(x) for x in filter(None, args.executors.split(",")))
    for bench, execs, n, target in ROWS:
        if (only and bench not in only) or (only_execs and execs not in only_execs):
            continue
        if args.quick:
            n = max(1, n // 10)
        values, unit = {}, ""
        for name, prog in progs:
            run_bench = bench if name == "gt" else PEER_BENCH.get(bench, bench)
            key = (name, run_bench)
            want = run_bench
            if name == "gt" and bench.endswith("_clang"):
                prog, run_bench = gt_plain, PEER_BENCH[bench]
                want = run_bench
            elif name == "gt" and bench.endswith("_small"):
                prog = gt_plain
            if bench.startswith("memory") and key in per_thread and n > 1000000:
                need = per_thread[key] * n * 1.2
                if need > mem_available():
                    values[name] = f"skip:{need / 2**30:.0f}G"
                    continue
            # Boost.Fiber's skynet with one thread keeps the whole tree of
            # 128 KiB stacks alive (10 GB): too slow and big to be useful.
            if name == "Boost.Fiber" and run_bench == "skynet" and execs == 1:
                values[name] = "skip"
                continue
            if (name == "Boost.Fiber" and run_bench in ("park", "wake") and
                    n > BOOST_PARK_MAX_N):
                values[name] = "skip"
                continue
            if name != "gt" and bench in PEER_BENCH and (key, execs, n) in peer_seen:
                values[name] = peer_seen[(key, execs, n)]  # measured for the row above
                continue
            try:
                prog_bench = PROGRAM_BENCH.get(run_bench, run_bench)
                v, unit = run([prog, prog_bench, str(execs), str(n)], want)
                values[name] = v
                if name != "gt":
                    peer_seen[(key, execs, n)] = v
                if bench.startswith("memory"):
                    per_thread[key] = v
            except (RuntimeError, subprocess.TimeoutExpired) as e:
                print(f"  {name} {bench}: {e}", file=sys.stderr)
                values[name] = "fail"
                failed = failed or name == "gt"
        cells = "".join(f"{v:>14.2f}" if isinstance(v, float) else f"{v:>14}"
                        for v in (values[name] for name, _ in progs))
        ratio, verdict = "", ""
        gt, go = values.get("gt"), values.get("Go")
        if isinstance(gt, float) and isinstance(go, float) and go > 0:
            ratio = f"{gt / go:6.2f}"
        if target and ratio:
            verdict = f"<= {target}x Go: {'met' if gt / go <= target else 'NOT met'}"
        if bench == "memory_compact" and isinstance(gt, float):
            verdict = (f"<= {MEMORY_TARGET} B: "
                       f"{'met' if gt <= MEMORY_TARGET else 'NOT met'}")
        elif bench in ("memory", "memory_small", "memory_clang") and isinstance(gt, float):
            verdict = (f"<= Go: {'met' if ratio and gt <= go else 'NOT met'}"
                       if ratio else "<= Go: no Go figure")
        print(f"{bench:14} {execs:>4} {n:>9}  {cells}  {ratio:>6}  {verdict}  ({unit})")
    print(f"machine: {CPUS} CPUs; values: skynet ms, spawn ns/thread, yield ns/yield, "
          "chanpp ns/roundtrip, memory resident bytes/parked thread, park/wake ms "
          "(spawn and park all / close and finish all), idle CPU ms per s; "
          f"gt: {os.path.basename(gt_default)} (built through gt-cc, default "
          "spawn options); *_compact: its threads spawned with GT_ATTR_COMPACT; "
          "*_clang: gt-bench (plain clang++ -fsplit-stack), default options; "
          "*_small: gt-bench with GT_ATTR_SMALL_STACK (peers: plain)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
