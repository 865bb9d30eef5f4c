#!/usr/bin/env python3
"""Interleaved A/B of gt-bench builds: N rounds, each running every program
once in turn, then the median, min and max of each program's result. On a VM
whose speed drifts (this project's machines do: skynet gave 93 ms and 120 ms
for one binary an hour apart), only results from the same rounds compare.

  ab.py [--build BUILD --baseline REV] [--bench skynet] [--result NAME]
        [--executors 2] [--n 1000000] [--rounds 11] [NAME=PROGRAM ...]

Each PROGRAM is a gt-bench-style binary (argv: bench executors n; prints
"RESULT <bench> <executors> <n> <value> <unit>"). --baseline REV builds
gt-bench of commit REV of this repository (git archive, then the same
cmake configuration as scripts/setup.sh, against the fork in BUILD's
fork.env) into BUILD/baseline-REV and runs it first, as the reference: e.g.
the runtime before an issue, against which "no row gets slower" is judged.
"""
import argparse
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def build_baseline(build, rev):
    env = dict(line.strip().split("=", 1)
               for line in open(os.path.join(build, "fork.env")) if "=" in line)
    src = os.path.join(os.path.abspath(build), f"baseline-{rev}")
    prog = os.path.join(src, "build", "benchmarks", "runtime", "gt-bench")
    if not os.path.exists(os.path.join(src, "CMakeLists.txt")):
        os.makedirs(src, exist_ok=True)
        archive = subprocess.run(["git", "-C", ROOT, "archive", rev],
                                 check=True, stdout=subprocess.PIPE).stdout
        subprocess.run(["tar", "-x", "-C", src], input=archive, check=True)
    subprocess.run(["cmake", "-S", src, "-B", os.path.join(src, "build"),
                    "-G", "Ninja", "-DCMAKE_BUILD_TYPE=Release",
                    "-DCMAKE_C_COMPILER=clang-19",
                    "-DCMAKE_CXX_COMPILER=clang++-19",
                    "-DCMAKE_ASM_COMPILER=clang-19",
                    f"-DSWAPSTACK_LLVM_BIN={env['LLVM_BIN']}"],
                   check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["ninja", "-C", os.path.join(src, "build"),
                    "benchmarks/runtime/gt-bench"], check=True,
                   stdout=subprocess.DEVNULL)
    return prog


def one(prog, bench, execs, n, result):
    out = subprocess.run([prog, bench, str(execs), str(n)], check=True,
                         stdout=subprocess.PIPE, text=True, timeout=600).stdout
    for line in out.splitlines():
        f = line.split()
        if f[:2] == ["RESULT", result]:
            return float(f[4]), f[5]
    sys.exit(f"{prog} printed no RESULT {result}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--baseline", help="a commit whose gt-bench runs first")
    ap.add_argument("--bench", default="skynet")
    ap.add_argument("--result", help="the result to compare (default: the "
                    "benchmark's own; park also prints wake)")
    ap.add_argument("--executors", type=int, default=2)
    ap.add_argument("--n", type=int, default=1000000)
    ap.add_argument("--rounds", type=int, default=11)
    ap.add_argument("progs", nargs="*", help="NAME=PROGRAM")
    args = ap.parse_args()
    progs = [p.split("=", 1) for p in args.progs]
    if args.baseline:
        progs.insert(0, [args.baseline, build_baseline(args.build,
                                                       args.baseline)])
    if not progs:
        sys.exit("ab.py: nothing to run")
    vals = {name: [] for name, _ in progs}
    unit = ""
    for _ in range(args.rounds):
        for name, prog in progs:
            v, unit = one(prog, args.bench, args.executors, args.n,
                          args.result or args.bench)
            vals[name].append(v)
    print(f"{args.result or args.bench}, {args.executors} executors, n={args.n}, "
          f"{args.rounds} interleaved rounds ({unit})")
    base = statistics.median(vals[progs[0][0]])
    for name, _ in progs:
        v = vals[name]
        med = statistics.median(v)
        print(f"  {name:<24} median {med:9.2f}  min {min(v):9.2f}  "
              f"max {max(v):9.2f}  median/{progs[0][0]} {med / base:.3f}")


if __name__ == "__main__":
    main()
