#!/usr/bin/env python3
"""Runs the garbage-collector benchmarks side by side (issue 13) and prints
two tables.

1. binary-trees and GCBench on this runtime's stop-the-world collector (gt,
   C through gt-cc), the Boehm collector (the same C source with -DGC_BOEHM,
   Debian libgc-dev), Go (Debian golang-go, default GC) and Java 17 (one
   source, run with G1, the default, and with -XX:+UseZGC; heap sizes left to
   the JVM). CMake builds the C programs; this script builds the Go and Java
   peers into the build directory. Every run's output is compared with the
   output computed here from the rules (node counts), so all runtimes do the
   same work. Each program runs as a process: wall time (median of 3 runs; 1
   with --quick), and from the same run's rusage (os.wait4) its CPU time
   (user + system), peak RSS and minor page faults. Ratios are to Boehm's
   wall and CPU times; the issue's target is gt <= 1.0x Boehm's wall time on
   both benchmarks (the CPU verdict is printed too: on a machine shared with
   other work, CPU time is the steadier figure).
   binary-trees runs with 1 worker and with one per CPU (the depth loop in
   parallel, as the Benchmarks Game allows; every runtime alike). A runtime
   whose first run takes longer than --long seconds is run once.

2. The pauses of gt's collectors (gc-pause, GT_GC per --gt-gc): min,
   median and max of the pauses of 9 forced collections (gt_gc_stats' pause
   log; three per concurrent cycle, its snapshot, flip and release, and any
   flip it gave up) against the live
   heap (16, 64, 256 MiB of trees held by one thread) and against the number
   of parked green threads each holding one GC object (1,000; 100,000;
   1,000,000, with default spawn options when memory allows, and with
   GT_ATTR_COMPACT). Stop-the-world: the stop and copy phases are medians
   over the same collections from GT_GC_TRACE=1; concurrent: the median of
   the flips alone.

3. The write barrier's cost (wbarrier.c, gt only): a mutation-heavy kernel
   built with the barrier (gc-wbarrier), with its optimizations off
   (gc-wbarrier-noopt, gc-barriers<no-opt>) and without barriers
   (gc-wbarrier-nobarrier, --gt-no-barriers), on one executor with the
   collector idle (no collection, write log off): the kernel's CPU time as
   the program measures it (its thread's clock, so that time the machine
   gives other work does not count), median and minimum of --barrier-runs
   runs, the builds interleaved; then each build once with the write log on, as
   during a concurrent collection: the entries logged and the flushes. The
   target is a barrier cost <= 5% of the kernel's time.

4. The mailbox's fields kept in registers between safepoints (gt only):
   allocseq.c (four allocations in a row per iteration, the initializing
   stores between them), binary-trees and GCBench, built as usual and with
   --gt-no-mailbox-cse (no GVN after inline-gc-allocs, so every inline
   allocation loads alloc_ptr and alloc_limit again): the loads of the two
   fields on the fast paths of the program's own code (gt-cc -S, X86-64:
   16(%r14) and 24(%r14) in blocks that call nothing) and the CPU time (allocseq: its kernel's, from the thread's
   clock), median of --runs runs (at least 5), the builds interleaved.

5. The service workload (issue 14; service.c, service.go, Service.java):
   a live set of trees in a hash map, parked sessions holding GC data
   (gt: green threads, Go: goroutines, Java 17: objects served by a thread
   pool, no virtual threads), paced request workers, and a progress probe
   per CPU. Per run: every pause in the measured window (gt: gt_gc_stats'
   pause log, each checked against GT_GC_TRACE's line for its collection;
   Go: the two stop-the-world pauses of each cycle from GODEBUG=gctrace=1;
   Java: the collector's safepoints (their Total, from the stop request) and
   ZGC's allocation stalls from -Xlog:gc*,safepoint), count, p50, p99 and
   max (nearest rank); MMU at 1 and 10 ms from the probes' stalls (below);
   peak RSS (rusage) over the live size after a collection forced at the end
   (each collector's own figure); requests per second. Every run's checksum
   is compared with a replay of its request counts by the Go program
   (service.go replay: one goroutine, no pacing), so each runtime is checked
   against another's sequential execution. Rows: gt with GT_GC=<each of
   --gt-gc>, Go, Java ZGC and G1, at P = 1,000,000 and 1,000 sessions and at
   half, the default and double the live set; and a no-collection reference
   (gt, GT_GC_GROWTH=100000: no collection in the run) at the default
   configuration, whose MMU is what the machine and the other mutator work
   alone leave to the probes. (Go with GOGC=off and Java with Epsilon would
   be the same reference for them, but every allocation would then touch
   fresh memory, and a page fault costs 12-25 us on this VM: they would
   measure faults.)

   MMU(w): each probe repeats 20 us units of arithmetic and reads the clock
   after each; a gap over --stall-us (100 us) between readings is a stall.
   For a probe, MMU(w) is the minimum, over every window of length w within
   the measured window, of the fraction of the window not covered by its
   stalls; the table shows the worst probe's, and its utilization over the
   whole window (util).

  run.py --build BUILD_DIR [--quick]
         [--only binarytrees,gcbench,pause,wbarrier,mailbox,service]
         [--runs N] [--long SECONDS] [--barrier-runs N]
         [--service-seconds S] [--service-rate R] [--gt-gc stw[,concurrent]]
"""
import argparse
import bisect
import functools
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

print = functools.partial(print, flush=True)

HERE = os.path.dirname(os.path.abspath(__file__))
CPUS = os.cpu_count() or 1
DEFAULT_THREAD_BYTES = 4500   # resident bytes per parked default gt thread
COMPACT_THREAD_BYTES = 1000   # ... with GT_ATTR_COMPACT (README: 874)


def mem_available():
    for line in open("/proc/meminfo"):
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) * 1024
    return 0


def expected_binarytrees(n):
    min_depth = 4
    max_depth = max(min_depth + 2, n)
    size = lambda d: (1 << (d + 1)) - 1
    lines = [f"stretch tree of depth {max_depth + 1}\t check: {size(max_depth + 1)}"]
    for d in range(min_depth, max_depth + 1, 2):
        iters = 1 << (max_depth - d + min_depth)
        lines.append(f"{iters}\t trees of depth {d}\t check: {iters * size(d)}")
    lines.append(f"long lived tree of depth {max_depth}\t check: {size(max_depth)}")
    return "\n".join(lines) + "\n"


def expected_gcbench(n):
    size = lambda d: (1 << (d + 1)) - 1
    nodes = size(n + 2) + size(n)
    lines = ["Garbage Collector Test",
             f" Stretching memory with a binary tree of depth {n + 2}",
             f" Stretch tree check {size(n + 2)}",
             f" Creating a long-lived binary tree of depth {n}",
             " Creating a long-lived array of 250000 doubles"]
    for d in range(4, n + 1, 2):
        iters = 2 * size(n + 2) // size(d)
        nodes += 2 * iters * size(d)
        lines += [f"Creating {iters} trees of depth {d}",
                  f"\tTop down construction: last tree check {size(d)}",
                  f"\tBottom up construction: last tree check {size(d)}"]
    lines += [f"Long-lived tree check {size(n)}, array[1000] 0.001000",
              f"Nodes allocated {nodes}"]
    return "\n".join(lines) + "\n"


def run_once(cmd, env=None, timeout=3600):
    """Runs cmd; returns (wall s, cpu s, peak RSS KiB, minor faults, stdout,
    stderr, exit status). Time and rusage are the child's own (os.wait4)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=out, stderr=err, env=env)
        deadline = t0 + timeout
        while True:
            pid, status, ru = os.wait4(p.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                p.kill()
                pid, status, ru = os.wait4(p.pid, 0)
                status = -1
                break
            time.sleep(0.005)
        wall = time.perf_counter() - t0
        p.returncode = 0  # reaped here; keep Popen from waiting again
        out.seek(0)
        err.seek(0)
        code = os.waitstatus_to_exitcode(status) if status != -1 else -1
        return (wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss, ru.ru_minflt,
                out.read().decode(errors="replace"),
                err.read().decode(errors="replace"), code)


def build_peers(out):
    """Builds the Go and Java peers into out; returns {name: argv prefix}."""
    peers = {}
    if shutil.which("go"):
        env = dict(os.environ, GO111MODULE="off",
                   GOCACHE=os.path.join(out, "gocache"))
        for prog in ("binarytrees", "gcbench", "service"):
            exe = os.path.join(out, f"gc-{prog}-go")
            subprocess.run(["go", "build", "-o", exe,
                            os.path.join(HERE, f"{prog}.go")], check=True, env=env)
            peers[("Go", prog)] = [exe]
    else:
        print("run.py: no go in PATH: Go rows skipped", file=sys.stderr)
    if shutil.which("javac") and shutil.which("java"):
        classes = os.path.join(out, "java")
        os.makedirs(classes, exist_ok=True)
        subprocess.run(["javac", "-d", classes,
                        os.path.join(HERE, "BinaryTrees.java"),
                        os.path.join(HERE, "GCBench.java"),
                        os.path.join(HERE, "Service.java")], check=True)
        for prog, cls in (("binarytrees", "BinaryTrees"), ("gcbench", "GCBench"),
                          ("service", "Service")):
            peers[("Java G1", prog)] = ["java", "-XX:+UseG1GC", "-cp", classes, cls]
            peers[("Java ZGC", prog)] = ["java", "-XX:+UseZGC", "-cp", classes, cls]
    else:
        print("run.py: no javac/java (openjdk-17-jdk): Java rows skipped",
              file=sys.stderr)
    return peers


def fmt_mib(kib):
    return f"{kib / 1024:.0f} MiB"


def throughput_table(args, out):
    peers = build_peers(out)
    runtimes = ["gt", "Boehm", "Go", "Java G1", "Java ZGC"]
    if args.runtimes:
        runtimes = [r for r in runtimes if r in args.runtimes.split(",")]
    # gt once per collector of --gt-gc: (row name, program key, environment)
    modes = args.gt_gc.split(",")
    entries = []
    for rt in runtimes:
        if rt == "gt":
            entries += [("gt" if len(modes) == 1 else f"gt {m[:4]}", "gt",
                         {"GT_GC": m}) for m in modes]
        else:
            entries.append((rt, rt, {}))
    progs = {}
    for prog in ("binarytrees", "gcbench"):
        progs[("gt", prog)] = [os.path.join(out, f"gc-{prog}-gt")]
        boehm = os.path.join(out, f"gc-{prog}-boehm")
        if os.path.exists(boehm):
            progs[("Boehm", prog)] = [boehm]
    progs.update(peers)
    bt_depth = 16 if args.quick else 21
    gcb_depth = 14 if args.quick else 16
    rows = []  # (label, prog, args, expected)
    only = set(filter(None, args.only.split(",")))
    if not only or "binarytrees" in only:
        for w in sorted({1, CPUS}):
            rows.append((f"binary-trees {bt_depth}, {w} worker{'s' if w > 1 else ''}",
                         "binarytrees", [str(bt_depth), str(w)],
                         expected_binarytrees(bt_depth)))
    if not only or "gcbench" in only:
        rows.append((f"GCBench {gcb_depth}", "gcbench", [str(gcb_depth)],
                     expected_gcbench(gcb_depth)))
    if not rows:
        return True
    runs = 1 if args.quick else args.runs
    print(f"{'benchmark':26} {'runtime':9} {'wall s':>8} {'cpu s':>8} "
          f"{'peak RSS':>10} {'faults':>9} {'/Boehm':>7} {'cpu/B':>6}  runs  target")
    ok = True
    for label, prog, pargs, expected in rows:
        results = {}
        for name, rt, envx in entries:
            if (rt, prog) not in progs:
                results[name] = None
                continue
            samples = []
            for i in range(runs):
                r = run_once(progs[(rt, prog)] + pargs, env=dict(os.environ, **envx))
                wall, cpu, rss, faults, stdout, stderr, code = r
                if code != 0 or stdout != expected:
                    why = (f"exit {code}" if code != 0 else "wrong output")
                    print(f"  {name} {label}: {why}; stderr: {stderr.strip()[-500:]}",
                          file=sys.stderr)
                    if stdout != expected:
                        print(f"  output:\n{stdout[-2000:]}", file=sys.stderr)
                    samples = None
                    ok = ok and rt != "gt"
                    break
                samples.append(r)
                if wall > args.long:
                    break
            results[name] = samples
        boehm = results.get("Boehm")
        boehm_wall = statistics.median(s[0] for s in boehm) if boehm else None
        boehm_cpu = statistics.median(s[1] for s in boehm) if boehm else None
        for name, rt, _ in entries:
            samples = results[name]
            if samples is None:
                if (rt, prog) in progs:
                    print(f"{label:26} {name:9} {'FAILED':>8}")
                continue
            med = lambda k: statistics.median(s[k] for s in samples)
            wall = med(0)
            cpu = med(1)
            ratio = f"{wall / boehm_wall:6.2f}x" if boehm_wall else ""
            cpu_ratio = f"{cpu / boehm_cpu:5.2f}x" if boehm_cpu else ""
            verdict = ""
            if rt == "gt" and boehm_wall:
                verdict = ("<= 1.0x Boehm: " +
                           ("met" if wall <= boehm_wall else "NOT met") +
                           " (cpu: " + ("met" if cpu <= boehm_cpu else "not met") + ")")
            print(f"{label:26} {name:9} {wall:8.2f} {cpu:8.2f} "
                  f"{fmt_mib(med(2)):>10} {med(3):9.0f} {ratio:>7} {cpu_ratio:>6}  "
                  f"{len(samples):4}  {verdict}")
    return ok


TRACE = re.compile(r"^gc (\d+): .*pause ([\d.]+) ms \(stop ([\d.]+), copy ([\d.]+), "
                   r"flip ([\d.]+)\)")


def pause_table(args, out):
    exe = os.path.join(out, "gc-pause")
    ncoll = args.collections or (5 if args.quick else 9)
    configs = []  # (threads label, argv, memory needed)
    for mib in ((16, 64) if args.quick else (16, 64, 256)):
        configs.append(("1 (main)", ["live", str(mib)], mib * 3 << 20))
    for n in ((1000, 100000) if args.quick else (1000, 100000, 1000000)):
        configs.append((f"{n:,}", ["threads", str(n)], n * DEFAULT_THREAD_BYTES * 13 // 10))
        if n >= 100000:
            configs.append((f"{n:,} compact", ["threads", str(n), "compact"],
                            n * COMPACT_THREAD_BYTES * 13 // 10))
    print(f"{'parked threads':18} {'GC':10} {'live MiB':>9} {'min ms':>8} {'median ms':>10} "
          f"{'max ms':>9} {'stop ms':>8} {'copy ms':>8} {'flip ms':>8} {'pauses':>6} "
          f"{'peak RSS':>10} {'run s':>7}")
    ok = True
    for mode in args.gt_gc.split(","):
        for label, pargs, need in configs:
            if need > mem_available():
                print(f"{label:18} {mode:10} skipped: needs ~{need / 2**30:.1f} GiB, "
                      f"{mem_available() / 2**30:.1f} GiB available")
                continue
            argv = [exe, pargs[0], pargs[1], str(ncoll)] + pargs[2:]
            env = dict(os.environ, GT_GC_TRACE="1", GT_GC=mode)
            wall, cpu, rss, faults, stdout, stderr, code = run_once(argv, env=env)
            res = [l.split() for l in stdout.splitlines() if l.startswith("RESULT ")]
            flip = [l.split() for l in stdout.splitlines() if l.startswith("FLIP ")]
            if code != 0 or not res:
                print(f"{label:18} {mode:10} FAILED (exit {code}): {stderr.strip()[-500:]}")
                ok = False
                continue
            median, mx, n, live, first, mn = res[0][1:7]
            stops, copies = [], []
            for line in stderr.splitlines():
                m = TRACE.match(line)
                if m and int(m.group(1)) >= int(first):
                    stops.append(float(m.group(3)))
                    copies.append(float(m.group(4)))
            stop = f"{statistics.median(stops):8.2f}" if stops else f"{'':8}"
            copy = f"{statistics.median(copies):8.2f}" if copies else f"{'':8}"
            flipm = f"{float(flip[0][1]):8.2f}" if flip else f"{'':8}"
            print(f"{label:18} {mode:10} {float(live):9.1f} {float(mn):8.2f} {float(median):10.2f} "
                  f"{float(mx):9.2f} {stop} {copy} {flipm} {n:>6} {fmt_mib(rss):>10} {wall:7.1f}")
    return ok


WBARRIER_BUILDS = [("no barrier (--gt-no-barriers)", "gc-wbarrier-nobarrier"),
                   ("barrier, optimized (default)", "gc-wbarrier"),
                   ("barrier, gc-barriers<no-opt>", "gc-wbarrier-noopt")]
WBARRIER_ITERATIONS = 65536  # per round (wbarrier.c's N)


def wbarrier_table(args, out):
    rounds = 500 if args.quick else 3000
    runs = 3 if args.quick else args.barrier_runs
    exes = [(label, os.path.join(out, exe)) for label, exe in WBARRIER_BUILDS]
    times = {label: [] for label, _ in exes}
    sums = set()
    ok = True
    for _ in range(runs):
        for label, exe in exes:
            wall, cpu, rss, faults, stdout, stderr, code = run_once([exe, str(rounds)])
            res = [l.split() for l in stdout.splitlines() if l.startswith("RESULT ")]
            if code != 0 or not res:
                print(f"{label}: FAILED (exit {code}): {stderr.strip()[-500:]}")
                return False
            t, checksum, _, _, collections = res[0][1:6]
            if collections != "0" and ok:
                print(f"{label}: {collections} collections during the kernel "
                      "(the collector should be idle)", file=sys.stderr)
                ok = False
            times[label].append(float(t))
            sums.add(checksum)
    logs = {}
    for label, exe in exes:
        wall, cpu, rss, faults, stdout, stderr, code = run_once([exe, str(rounds), "log"])
        res = [l.split() for l in stdout.splitlines() if l.startswith("RESULT ")]
        if code != 0 or not res:
            print(f"{label} (log on): FAILED (exit {code}): {stderr.strip()[-500:]}")
            return False
        sums.add(res[0][2])
        logs[label] = (int(res[0][3]), int(res[0][4]))
    if len(sums) != 1:
        print("run.py: the builds of wbarrier.c computed different checksums",
              file=sys.stderr)
        ok = False
    iterations = rounds * WBARRIER_ITERATIONS
    base_med = statistics.median(times[exes[0][0]])
    base_min = min(times[exes[0][0]])
    print(f"wbarrier.c: {rounds} rounds x {WBARRIER_ITERATIONS:,} iterations, 1 executor, "
          f"{runs} runs per build (interleaved)")
    print(f"{'build':32} {'cpu s med':>9} {'min':>8} {'cost (med)':>11} {'cost (min)':>11} "
          f"{'log entries':>13} {'per iter':>9} {'flushes':>8}")
    for label, _ in exes:
        med, mn = statistics.median(times[label]), min(times[label])
        entries, flushes = logs[label]
        cost_med = f"{(med / base_med - 1) * 100:+10.1f}%"
        cost_min = f"{(mn / base_min - 1) * 100:+10.1f}%"
        print(f"{label:32} {med:9.4f} {mn:8.4f} {cost_med} {cost_min} "
              f"{entries:13,} {entries / iterations:9.3f} {flushes:8,}")
    opt = statistics.median(times[exes[1][0]])
    print("target: barrier cost <= 5% with the collector idle: " +
          ("met" if opt <= base_med * 1.05 else "NOT met") +
          f" ({(opt / base_med - 1) * 100:+.1f}% at the median)")
    return ok


MAILBOX_LOAD = re.compile(r"^\s*movq\s+(16|24)\(%r14\), %")


def mailbox_loads(gt_cc, source, flags):
    """Loads of alloc_ptr/alloc_limit in the X86-64 assembly of source, in
    blocks without a call: the fast paths (a slow path's block calls the
    runtime, and the loads after that call are its reloads)."""
    with tempfile.TemporaryDirectory() as tmp:
        asm = os.path.join(tmp, "out.s")
        subprocess.run([gt_cc, "-O2", "-S", *flags, source, "-o", asm], check=True)
        count, block, calls = 0, 0, False
        with open(asm) as f:
            for line in f:
                # A block starts at a function's or a block's label (not at
                # .Ltmp labels, which mark the statepoint after a call).
                if re.match(r"^(\.LBB\w+|[A-Za-z_]\w*):", line):
                    count += 0 if calls else block
                    block, calls = 0, False
                elif re.match(r"^\s*call", line):
                    calls = True
                elif MAILBOX_LOAD.match(line):
                    block += 1
        return count + (0 if calls else block)


def mailbox_table(args, out):
    gt_cc = os.path.join(os.path.abspath(args.build), "bin", "gt-cc")
    runs = 1 if args.quick else max(args.runs, 5)
    bt_depth = 16 if args.quick else 20
    gcb_depth = 14 if args.quick else 16
    seq_iters = 2000000 if args.quick else 20000000
    rows = [(f"allocseq {seq_iters:,}", "allocseq", [str(seq_iters)], None),
            (f"binary-trees {bt_depth}, 1 worker", "binarytrees", [str(bt_depth), "1"],
             expected_binarytrees(bt_depth)),
            (f"GCBench {gcb_depth}", "gcbench", [str(gcb_depth)],
             expected_gcbench(gcb_depth))]
    print(f"mailbox fields in registers: {runs} runs per build (interleaved)")
    print(f"{'benchmark':26} {'build':20} {'fast-path loads':>15} {'cpu s med':>10} {'min':>8} {'vs no-cse':>10}")
    ok = True
    for label, prog, pargs, want in rows:
        suffix = "" if prog == "allocseq" else "-gt"
        builds = [("default", f"gc-{prog}{suffix}", []),
                  ("--gt-no-mailbox-cse", f"gc-{prog}{suffix}-nocse",
                   ["--gt-no-mailbox-cse"])]
        times = {b: [] for b, _, _ in builds}
        sums = set()
        for _ in range(runs):
            for b, exe, _ in builds:
                wall, cpu, rss, faults, stdout, stderr, code = run_once(
                    [os.path.join(out, exe)] + pargs)
                res = [l.split() for l in stdout.splitlines()
                       if l.startswith("RESULT ")]
                if code != 0 or (want is not None and stdout != want) or \
                        (want is None and not res):
                    print(f"{label} {b}: FAILED (exit {code})")
                    return False
                if want is None:  # allocseq: the kernel's own CPU time
                    cpu = float(res[0][1])
                    sums.add(res[0][2])
                times[b].append(cpu)
        if len(sums) > 1:
            print(f"{label}: the builds computed different checksums")
            ok = False
        base = statistics.median(times["--gt-no-mailbox-cse"])
        for b, exe, flags in builds:
            loads = mailbox_loads(gt_cc, os.path.join(HERE, f"{prog}.c"), flags)
            med = statistics.median(times[b])
            print(f"{label:26} {b:20} {loads:15} {med:10.3f} {min(times[b]):8.3f} "
                  f"{(med / base - 1) * 100:+9.1f}%")
    return ok


# --- 5. the service workload

GT_TRACE = re.compile(r"^gc (\d+): ")
GT_TRACE_PAUSE = re.compile(r"pause (?:\w+ )?([\d.]+) ms")
GO_TRACE = re.compile(r"^gc (\d+) @[\d.]+s \d+%: ([\d.]+)\+[\d.]+\+([\d.]+) ms clock")
JAVA_SAFEPOINT = re.compile(r"^\[(\d+)ns\].*Safepoint \"([^\"]+)\".*Total: (\d+) ns")
JAVA_STALL = re.compile(r"^\[(\d+)ns\].*Allocation Stall \(.*\) ([\d.]+)ms")
P99_TARGET, MAX_TARGET, MMU10_TARGET, RSS_TARGET = 0.1, 1.0, 0.70, 2.5


def is_gc_safepoint(name):
    """A JVM safepoint operation of the collector (ZGC's Z*, G1's G1*, the
    generic collection requests), not Cleanup or class unloading's."""
    return name.startswith(("Z", "G1", "CGC")) or "Collect" in name or "GC" in name


def mmu(stalls, w0, w1, w):
    """Minimum mutator utilization over windows of length w in [w0, w1],
    given one probe's stall intervals: the least fraction of a window not
    covered by stalls. The minimum is at a window that starts where a stall
    starts or ends where one ends, so those windows are the candidates."""
    if w1 - w0 < w:
        return None
    iv = sorted((max(a, w0), min(b, w1)) for a, b in stalls if b > w0 and a < w1)
    starts = [a for a, _ in iv]
    ends = [b for _, b in iv]
    prefix = [0]
    for a, b in iv:
        prefix.append(prefix[-1] + b - a)

    def covered(x, y):  # stall time within [x, y]
        i = bisect.bisect_right(ends, x)  # first stall ending after x
        j = bisect.bisect_left(starts, y)  # stalls starting before y
        if i >= j:
            return 0
        t = prefix[j] - prefix[i]
        t -= max(0, x - starts[i])
        t -= max(0, ends[j - 1] - y)
        return t

    worst = 0
    for x in [w0, w1 - w] + starts + [b - w for b in ends]:
        x = min(max(x, w0), w1 - w)
        worst = max(worst, covered(x, x + w))
    return 1 - worst / w


def quantile(xs, q):
    """Nearest rank."""
    return xs[max(0, math.ceil(q * len(xs)) - 1)] if xs else None


def parse_service(stdout):
    """The lines every service program prints (service.c's comment)."""
    r = {"stalls": {}, "probes": {}, "pauses": []}
    for line in stdout.splitlines():
        f = line.split()
        if not f:
            continue
        if f[0] == "config":
            r["entries"] = int(f[8])
        elif f[0] == "window":
            r["window"] = (int(f[1]), int(f[2]))
        elif f[0] == "probe":
            r["probes"][int(f[1])] = int(f[2])
            r["stalls"].setdefault(int(f[1]), [])
        elif f[0] == "stall":
            r["stalls"].setdefault(int(f[1]), []).append((int(f[2]), int(f[3])))
        elif f[0] == "pause":
            r["pauses"].append((int(f[1]), int(f[2]), int(f[3])))
        elif f[0] == "gcwindow":
            r["gcwindow"] = (int(f[1]), int(f[2]))
        elif f[0] == "live_bytes":
            r["live"] = int(f[1])
        elif f[0] == "requests":
            r["requests"] = [int(x) for x in f[1:]]
        elif f[0] == "checksum":
            r["checksum"] = line
        elif f[0] == "errors":
            r["errors"] = int(f[1])
    return r


def service_pauses(kind, r, stderr, log):
    """The pauses (ms) in the window, and a problem or None."""
    w0, w1 = r["window"]
    if kind == "gt":
        traced = {}
        for line in stderr.splitlines():
            m = GT_TRACE.match(line)
            if m:  # stw: "pause X ms"; concurrent: "pause flip X ms, pause release Y ms"
                traced[int(m.group(1))] = [float(x) for x in GT_TRACE_PAUSE.findall(line)]
        for start, dur, n in r["pauses"]:
            if not any(abs(t - dur / 1e6) <= 0.002 for t in traced.get(n, [])):
                return [], f"pause of collection {n} ({dur / 1e6:.3f} ms) not in GT_GC_TRACE"
        return [dur / 1e6 for _, dur, _ in r["pauses"]], None
    if kind == "go":
        n0, n1 = r["gcwindow"]
        ms, seen = [], set()
        for line in stderr.splitlines():
            m = GO_TRACE.match(line)
            if m and n0 < int(m.group(1)) <= n1:
                ms += [float(m.group(2)), float(m.group(3))]
                seen.add(int(m.group(1)))
        if len(seen) != n1 - n0:
            return ms, f"gctrace has {len(seen)} of cycles {n0 + 1}-{n1}"
        return ms, None
    ms = []
    for line in open(log, errors="replace"):
        m = JAVA_SAFEPOINT.match(line)
        if m and is_gc_safepoint(m.group(2)):
            end, total = int(m.group(1)), int(m.group(3))
            if w0 <= end - total < w1:
                ms.append(total / 1e6)
            continue
        m = JAVA_STALL.match(line)
        if m:
            end, dur = int(m.group(1)), float(m.group(2))
            if w0 <= end - dur * 1e6 < w1:
                ms.append(dur)
    return ms, None


def service_table(args, out):
    peers = build_peers(out)
    gt = os.path.join(out, "gc-service")
    go = peers.get(("Go", "service"))
    seconds = args.service_seconds or (2 if args.quick else 10)
    rate = args.service_rate
    if args.quick:
        configs = [(32, 10000, False)]
    else:  # (live MiB, sessions, with the no-collection reference rows)
        configs = [(256, 1000000, True), (256, 1000, False), (128, 1000000, False),
                   (512, 1000000, False)]
    runtimes = []  # (label, GC column, kind, argv prefix, env, reference row)
    for mode in args.gt_gc.split(","):
        runtimes.append(("gt", mode, "gt", [gt], {"GT_GC": mode, "GT_GC_TRACE": "1"}, False))
    if go:
        runtimes.append(("Go", "GOGC=100", "go", go, {"GODEBUG": "gctrace=1"}, False))
    for label, flag in (("Java", "ZGC"), ("Java", "G1")):
        if (f"Java {flag}", "service") in peers:
            argv = peers[(f"Java {flag}", "service")]
            runtimes.append((label, flag, "java", argv, {}, False))
    runtimes.append(("gt", "none", "gt", [gt], {"GT_GC_GROWTH": "100000", "GT_GC_TRACE": "1"}, True))
    print(f"service: {seconds} s measured after 1 s of warm-up, {rate:,} requests/s "
          f"offered, {CPUS} workers and {CPUS} probes; stall > {args.stall_us} us")
    print(f"{'runtime':6} {'GC':9} {'sessions':>9} {'live':>5} {'live now':>8} {'pauses':>6} "
          f"{'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'MMU 1ms':>7} {'MMU 10ms':>8} {'util':>6} "
          f"{'peak RSS':>9} {'RSS/live':>8} {'req/s':>7}  targets")
    ok = True
    for live, sessions, with_reference in configs:
        summary = {}
        for label, gc, kind, argv, envx, reference in runtimes:
            if reference and not with_reference:
                continue
            env = dict(os.environ, **envx)
            log = None
            cmd = list(argv)
            if kind == "java":
                fd, log = tempfile.mkstemp(prefix="service-java-", suffix=".log")
                os.close(fd)
                cmd = cmd[:-3] + [f"-Xlog:gc*,safepoint:file={log}:tn,tg"] + cmd[-3:]
            cmd += [str(live), str(sessions), str(seconds), str(rate), "0",
                    str(args.stall_us)]
            wall, cpu, rss, faults, stdout, stderr, code = run_once(cmd, env=env, timeout=600)
            r = parse_service(stdout)
            problem = None
            if code != 0 or r.get("errors") != 0 or "checksum" not in r:
                problem = f"exit {code}, errors {r.get('errors')}: {stderr.strip()[-300:]}"
            elif go:
                counts = ",".join(map(str, r["requests"]))
                rep = subprocess.run(go + ["replay", str(live), str(sessions),
                                           str(len(r["requests"])), counts],
                                     capture_output=True, text=True)
                want = [l for l in rep.stdout.splitlines() if l.startswith("checksum")]
                if rep.returncode != 0 or want != [r["checksum"]]:
                    problem = f"checksum {r['checksum']} but the replay's is {want}"
            pauses = []
            if problem is None:
                pauses, problem = service_pauses(kind, r, stderr, log)
            if log:
                os.unlink(log)
            if problem:
                print(f"{label:6} {gc:9} {sessions:9,} {live:5} FAILED: {problem}")
                ok = False
                continue
            pauses.sort()
            w0, w1 = r["window"]
            mmus = {}
            for w in (1_000_000, 10_000_000):
                vals = [mmu(r["stalls"].get(p, []), w0, w1, w) for p in r["probes"]]
                mmus[w] = min(v for v in vals if v is not None) if vals else 0.0
            util = min(1 - sum(min(b, w1) - max(a, w0) for a, b in r["stalls"].get(p, [])
                               if b > w0 and a < w1) / (w1 - w0) for p in r["probes"])
            reqs = sum(r["requests"]) / (seconds + 1)
            ratio = rss * 1024 / r["live"] if r["live"] else float("inf")
            fmt = lambda v: f"{v:8.3f}" if v is not None else f"{'-':>8}"
            p50, p99, mx = (quantile(pauses, 0.5), quantile(pauses, 0.99),
                            pauses[-1] if pauses else None)
            verdict = ""
            if kind == "gt" and not reference:
                missed = [name for name, bad in (
                    ("p99", p99 is not None and p99 > P99_TARGET),
                    ("max", mx is not None and mx > MAX_TARGET),
                    ("MMU(10ms)", mmus[10_000_000] < MMU10_TARGET),
                    ("RSS/live", ratio > RSS_TARGET)) if bad]
                verdict = "met" if not missed else "NOT met: " + ", ".join(missed)
            elif reference:
                verdict = "(no collection: the probes' floor)"
            if not reference:
                summary[(label, gc)] = (p99, mx)
            print(f"{label:6} {gc:9} {sessions:9,} {live:5} {r['live'] / 2**20:8.0f} "
                  f"{len(pauses):6} {fmt(p50)} {fmt(p99)} {fmt(mx)} "
                  f"{mmus[1_000_000] * 100:6.1f}% {mmus[10_000_000] * 100:7.1f}% {util * 100:5.1f}% "
                  f"{fmt_mib(rss):>9} {ratio:8.2f} {reqs:7.0f}  {verdict}")
        for mode in args.gt_gc.split(","):
            mine = summary.get(("gt", mode))
            if not mine or mine[0] is None:
                continue
            peers_here = [(k, v) for k, v in summary.items()
                          if k in (("Go", "GOGC=100"), ("Java", "ZGC")) and v[0] is not None]
            if peers_here:
                better = all(mine[0] < v[0] and mine[1] < v[1] for _, v in peers_here)
                print(f"{'':6} gt {mode}: p99 and max below Go's and ZGC's: "
                      f"{'yes' if better else 'no'}")
    return ok


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True, help="the project's build directory")
    ap.add_argument("--quick", action="store_true",
                    help="small sizes (binary-trees 16, GCBench 14), 1 run")
    ap.add_argument("--only", default="",
                    help="comma-separated: binarytrees, gcbench, pause, wbarrier, mailbox, "
                         "service "
                         "(default: all)")
    ap.add_argument("--runs", type=int, default=3, help="runs per program (median)")
    ap.add_argument("--long", type=float, default=300.0,
                    help="a runtime whose run takes longer is run once")
    ap.add_argument("--runtimes", default="",
                    help="comma-separated subset of: gt,Boehm,Go,Java G1,Java ZGC")
    ap.add_argument("--barrier-runs", type=int, default=11,
                    help="runs per build of the write-barrier kernel (median)")
    ap.add_argument("--service-seconds", type=int, default=0,
                    help="the service workload's measured seconds (default 10; --quick 2)")
    ap.add_argument("--service-rate", type=int, default=50000,
                    help="requests per second offered, all workers together")
    ap.add_argument("--stall-us", type=int, default=100,
                    help="a probe's gap longer than this is a stall (MMU)")
    ap.add_argument("--gt-gc", default="stw",
                    help="comma-separated GT_GC modes to run gt's rows with "
                         "(throughput, pauses, service)")
    ap.add_argument("--collections", type=int, default=0,
                    help="forced collections per pause row (default 9; --quick 5)")
    args = ap.parse_args()
    out = os.path.join(os.path.abspath(args.build), "benchmarks", "gc")
    only = set(filter(None, args.only.split(",")))
    load0 = os.getloadavg()
    print(f"machine: {CPUS} CPUs, {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.1f} GiB; "
          f"load average at start {load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f}")
    ok = True
    if not only or only & {"binarytrees", "gcbench"}:
        ok = throughput_table(args, out) and ok
        print("wall: median; cpu (user + system), peak RSS and faults (minor page "
              "faults): medians of the same runs; /Boehm: wall time ratio, cpu/B: "
              "cpu time ratio")
    if not only or "pause" in only:
        if not only or only & {"binarytrees", "gcbench"}:
            print()
        ok = pause_table(args, out) and ok
        print("pauses of the forced collections (gt_gc_stats), one per-CPU executor "
              "each; stop and copy: medians of the same collections (GT_GC_TRACE)")
    if not only or "wbarrier" in only:
        if not only or only - {"wbarrier"}:
            print()
        ok = wbarrier_table(args, out) and ok
    if not only or "mailbox" in only:
        print()
        ok = mailbox_table(args, out) and ok
    if not only or "service" in only:
        if not only or only - {"service"}:
            print()
        ok = service_table(args, out) and ok
    load1 = os.getloadavg()
    print(f"load average at end {load1[0]:.2f} {load1[1]:.2f} {load1[2]:.2f}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
