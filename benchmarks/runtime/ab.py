#!/usr/bin/env python3
"""Interleaved A/B of gt-bench builds: N rounds, each running every program
once in turn, then the median, min and max of each program's result. On a VM
whose speed drifts (this project's machines do: skynet gave 93 ms and 120 ms
for one binary an hour apart), only results from the same rounds compare.

  ab.py --bench skynet --executors 2 --n 1000000 --rounds 15 \
        NAME=PROGRAM [NAME=PROGRAM ...]

Each PROGRAM is a gt-bench-style binary (argv: bench executors n; prints
"RESULT <bench> <executors> <n> <value> <unit>"), e.g. the build of another
commit to compare against.
"""
import argparse
import statistics
import subprocess
import sys


def one(prog, bench, execs, n):
    out = subprocess.run([prog, bench, str(execs), str(n)], check=True,
                         stdout=subprocess.PIPE, text=True, timeout=600).stdout
    for line in out.splitlines():
        f = line.split()
        if f[:2] == ["RESULT", bench]:
            return float(f[4]), f[5]
    sys.exit(f"{prog} printed no RESULT {bench}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bench", default="skynet")
    ap.add_argument("--executors", type=int, default=2)
    ap.add_argument("--n", type=int, default=1000000)
    ap.add_argument("--rounds", type=int, default=11)
    ap.add_argument("progs", nargs="+", help="NAME=PROGRAM")
    args = ap.parse_args()
    progs = [p.split("=", 1) for p in args.progs]
    vals = {name: [] for name, _ in progs}
    unit = ""
    for _ in range(args.rounds):
        for name, prog in progs:
            v, unit = one(prog, args.bench, args.executors, args.n)
            vals[name].append(v)
    print(f"{args.bench}, {args.executors} executors, n={args.n}, "
          f"{args.rounds} interleaved rounds ({unit})")
    base = statistics.median(vals[progs[0][0]])
    for name, _ in progs:
        v = vals[name]
        med = statistics.median(v)
        print(f"  {name:<24} median {med:9.2f}  min {min(v):9.2f}  "
              f"max {max(v):9.2f}  median/{progs[0][0]} {med / base:.3f}")


if __name__ == "__main__":
    main()
