#!/usr/bin/env python3
"""Runs the project's test suites and prints one summary line,
"N passed, N failed, N skipped". Called by scripts/test.sh.

Suites:
  upstream  the lit suites of LLVM that the fork touches, run in the fork's
            tree (they include the fork's own lit tests). A failure listed in
            llvm/upstream-baseline.txt fails the same way on pristine 19.1.7
            (a tool that is not built); any other failure is a regression.
  exec      the executed end-to-end programs in llvm/tests (X86-64 natively,
            AArch64 under qemu-aarch64).
  runtime   the runtime's self-checking test programs (build/runtime/tests/
            test-*, and build/aarch64/... under qemu-aarch64), each run with
            1 executor and with one per CPU; the GC's (test-gc*) also with
            GT_GC_VERIFY=1 GT_GC_LOG=1 and with GT_GC_TORTURE=200, and all
            three again under GT_GC=concurrent (a few in extra modes:
            EXTRA_MODES).
  fuzz      llvm/tests/tools/swapstack-fuzz.py: llvm-stress functions with
            switches, loops and an entry function inserted, through opt -O2
            and llc for both targets; one test per seed. A seed whose module
            fails the same way with ordinary calls instead of switches (an
            upstream LLVM bug) counts as skipped.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

UPSTREAM_SUITES = ["CodeGen/X86", "CodeGen/AArch64", "Verifier", "Assembler",
                   "Bitcode", "Transforms/PreISelIntrinsicLowering",
                   "Transforms/LowerSwapStackBuiltins", "Transforms/SwapStackSafeTLS",
                   "Transforms/InsertSafepointPolls", "Transforms/RewriteStatepointsForGC",
                   "Transforms/DeadArgElim", "Transforms/ArgumentPromotion",
                   "Transforms/PlaceSafepoints", "Transforms/SwapStackGC",
                   "Transforms/SplitStackCalls",
                   "Analysis/Lint"]
# The collector's tests (test-gc*) also run checking the heap after every
# collection and every write-log entry as its interval ends (logging on
# throughout, gc/wlog.cpp), and collecting at every 200th allocation through
# the slow path (which then every allocation takes).
GC_MODES = [{}, {"GT_GC_VERIFY": "1", "GT_GC_LOG": "1"},
            {"GT_GC_TORTURE": "200"}]
# And the same three under the concurrent collector (GT_GC=concurrent, issue
# 14), except for the tests whose own C++ code stores into old GC objects
# without the compiler's write barrier (runtime/tests is built without it:
# the concurrent collector's replicas would miss those stores; test-gc and
# test-gc_limits, whose ring arrays GT_GC_VERIFY's replica check catches),
# or fakes write-log entries, or drives replication sessions itself (which
# hold cycles off, so such a run adds nothing).
GC_MODES += [dict(m, GT_GC="concurrent") for m in GC_MODES]
STW_ONLY = {"test-gc", "test-gc_limits", "test-gc_wlog_seal",
            "test-gc_replay", "test-gc_newobj", "test-gc_claim"}
# Extra modes of single tests: the concurrent cycle with a flip budget of
# 1 µs, so that flips are given up (and, after 8, forced) in every cycle
# whose mutators leave a residue (gc/cycle.cpp, flip_residue); and with
# mutators that assist at every safepoint while log buffers are queued
# (cycle_assist). Plain and under GT_GC_VERIFY.
VERIFY = {"GT_GC_VERIFY": "1", "GT_GC_LOG": "1"}
EXTRA_MODES = {"test-gc-cycle": [
    {"GT_GC": "concurrent", "GT_GC_FLIP_BUDGET_US": "1"},
    {"GT_GC": "concurrent", "GT_GC_FLIP_BUDGET_US": "1", **VERIFY},
    {"GT_GC": "concurrent", "GT_GC_ASSIST_BACKLOG": "0"},
    {"GT_GC": "concurrent", "GT_GC_ASSIST_BACKLOG": "0", **VERIFY}]}
PASS_CODES = {"PASS", "XFAIL"}
SKIP_CODES = {"UNSUPPORTED", "EXCLUDED"}


def run_lit(lit, paths, params=()):
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        out = f.name
    cmd = [sys.executable, lit, "-q", "--no-progress-bar", "-o", out]
    cmd += [f"--param={p}" for p in params] + paths
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        tests = json.load(open(out))["tests"]
    except (OSError, ValueError, KeyError):
        sys.stdout.write(proc.stdout)
        sys.exit("run-tests: lit produced no results")
    finally:
        if os.path.exists(out):
            os.unlink(out)
    return proc.stdout, {t["name"]: t["code"] for t in tests}


def load_baseline(path):
    known = {}
    for line in open(path):
        line = line.split("#", 1)
        name = line[0].strip()
        if name:
            known[name] = line[1].strip() if len(line) > 1 else ""
    return known


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--tree", required=True)
    ap.add_argument("--llvm-bin", required=True)
    ap.add_argument("--suites", default="upstream,exec,runtime,fuzz")
    ap.add_argument("--write-baseline", action="store_true",
                    help="record the current upstream failures as the baseline")
    args = ap.parse_args()
    lit = os.path.join(args.llvm_bin, "llvm-lit")
    suites = args.suites.split(",")
    passed = failed = skipped = 0
    problems = []

    if "upstream" in suites:
        paths = [os.path.join(args.tree, "llvm", "test", s) for s in UPSTREAM_SUITES]
        _, results = run_lit(lit, paths)
        baseline_path = os.path.join(args.root, "llvm", "upstream-baseline.txt")
        failing = sorted(n for n, c in results.items()
                         if c not in PASS_CODES and c not in SKIP_CODES)
        if args.write_baseline:
            with open(baseline_path, "w") as f:
                f.write("# Upstream lit tests that fail in this build for reasons unrelated\n"
                        "# to the fork (a tool that is not built); they fail the same way\n"
                        "# on pristine 19.1.7. Written by run-tests.py --write-baseline.\n")
                for n in failing:
                    f.write(f"{n}\n")
        known = load_baseline(baseline_path)
        for suite in UPSTREAM_SUITES:
            prefix = f"LLVM :: {suite}/"
            mine = {n: c for n, c in results.items() if n.startswith(prefix)}
            p = sum(c in PASS_CODES for c in mine.values())
            k = sum(n in known for n in mine if mine[n] not in PASS_CODES | SKIP_CODES)
            s = sum(c in SKIP_CODES for c in mine.values())
            bad = [n for n, c in mine.items()
                   if c not in PASS_CODES | SKIP_CODES and n not in known]
            print(f"upstream {suite:38} {len(mine):5} tests: {p:5} passed, "
                  f"{k} known failures (baseline), {s} unsupported, {len(bad)} regressions")
            passed += p
            skipped += s + k
            failed += len(bad)
            problems += [f"REGRESSION: {n} ({mine[n]})" for n in sorted(bad)]
        fixed = sorted(n for n in known if results.get(n) in PASS_CODES)
        for n in fixed:
            print(f"note: baseline failure now passes: {n}")

    if "exec" in suites:
        exec_dir = os.path.join(args.root, "llvm", "tests")
        out, results = run_lit(lit, [exec_dir], [f"llvm_bin={args.llvm_bin}",
                                                 f"exec_root={os.path.join(args.root, 'build', 'llvm-tests')}"])
        p = sum(c in PASS_CODES for c in results.values())
        xfail = sorted(n for n, c in results.items() if c == "XFAIL")
        bad = sorted(n for n, c in results.items() if c not in PASS_CODES | SKIP_CODES)
        print(f"exec     {'llvm/tests (x86-64 + AArch64/qemu)':38} {len(results):5} tests: "
              f"{p:5} passed ({len(xfail)} of them expected failures), {len(bad)} failed")
        for n in xfail:
            print(f"note: expected failure (a known bug the test tracks): {n}")
        passed += p
        failed += len(bad)
        if bad:
            sys.stdout.write(out)
        problems += [f"FAILED: {n}" for n in bad]

    if "runtime" in suites:
        # Each test program with 1 executor and with one per CPU, natively and
        # (the AArch64 build) under qemu-aarch64.
        builds = [("x86-64", os.path.join(args.root, "build"), []),
                  ("aarch64", os.path.join(args.root, "build", "aarch64"),
                   ["qemu-aarch64", "-L", "/usr/aarch64-linux-gnu"])]
        p = bad = 0
        for arch, build, runner in builds:
            bin_dir = os.path.join(build, "runtime", "tests")
            tests = sorted(f for f in os.listdir(bin_dir) if f.startswith("test-")
                           and os.access(os.path.join(bin_dir, f), os.X_OK))
            for name in tests:
                modes = GC_MODES if name.startswith("test-gc") else [{}]
                if name in STW_ONLY:
                    modes = [m for m in modes if "GT_GC" not in m]
                modes = modes + EXTRA_MODES.get(name, [])
                for executors, gc_env in [(x, m) for x in sorted({1, os.cpu_count() or 1})
                                          for m in modes]:
                    env = dict(os.environ, GT_EXECUTORS=str(executors), **gc_env)
                    try:
                        proc = subprocess.run(runner + [os.path.join(bin_dir, name)], env=env,
                                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                              text=True, timeout=300)
                        ok, out = proc.returncode == 0, proc.stdout
                    except subprocess.TimeoutExpired as e:
                        ok, out = False, f"timed out after 300 s\n{e.stdout or ''}"
                    if ok:
                        p += 1
                    else:
                        bad += 1
                        sys.stdout.write(out)
                        mode = "".join(f" {k}={v}" for k, v in gc_env.items())
                        problems.append(f"FAILED: runtime {arch} {name} (GT_EXECUTORS={executors}{mode})")
        print(f"runtime  {'runtime/tests (x86-64 + AArch64/qemu)':38} {p + bad:5} tests: "
              f"{p:5} passed, {bad} failed")
        passed += p
        failed += bad

    if "fuzz" in suites:
        fuzz = os.path.join(args.root, "llvm", "tests", "tools", "swapstack-fuzz.py")
        proc = subprocess.run([sys.executable, fuzz, "--llvm-bin", args.llvm_bin],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        m = re.search(r"^swapstack-fuzz: (\d+) passed, (\d+) failed, (\d+) skipped$",
                      proc.stdout, re.M)
        p, bad, s = (int(g) for g in m.groups()) if m else (0, 1, 0)
        print(f"fuzz     {'swapstack-fuzz (llvm-stress, both targets)':38} {p + bad + s:5} tests: "
              f"{p:5} passed, {s} skipped (upstream bugs), {bad} failed")
        if bad or s or proc.returncode:
            sys.stdout.write(proc.stdout)
        if bad or not m or proc.returncode:
            problems.append(f"FAILED: swapstack-fuzz ({bad} seeds; reproducers above)")
        passed += p
        skipped += s
        failed += bad

    for line in problems:
        print(line)
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
