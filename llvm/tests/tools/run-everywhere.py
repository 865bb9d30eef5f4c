#!/usr/bin/env python3
"""Compiles one target-neutral LLVM IR program (or a C program, through
clang-19 and the fork's lower-swapstack-builtins pass) with the fork's llc for every
configuration (targets x optimisation levels x frame-pointer modes), links it,
runs it (AArch64 under qemu-aarch64) and checks that every configuration
produces the same transcript: standard output, standard error and the exit
status. Prints that transcript once, for FileCheck, and exits 0; exits 1 with a
report if the configurations disagree or a step fails."""

import argparse
import itertools
import os
import resource
import signal
import subprocess
import sys

# The fork's pipeline for C, defined once in tools/gt-cc/gt_pipeline.py (gt-cc
# and cmake/SwapStack.cmake compile through the same).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "..", "tools", "gt-cc"))
import gt_pipeline  # noqa: E402

TARGETS = {
    "x86_64": {
        "triple": "x86_64-linux-gnu",
        "cc": ["clang-19", "--target=x86_64-linux-gnu", "-fuse-ld=lld"],
        "run": [],
        "mailbox": "+reserve-r14",
    },
    "aarch64": {
        "triple": "aarch64-linux-gnu",
        "cc": ["aarch64-linux-gnu-gcc"],
        "run": ["qemu-aarch64", "-L", "/usr/aarch64-linux-gnu"],
        "mailbox": "+reserve-x28",
    },
}


def no_core_dumps():
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True,
                          preexec_fn=no_core_dumps, **kw)


def status(code):
    if code < 0:
        return "signal " + signal.Signals(-code).name
    return "exit " + str(code)


def transcript(proc):
    lines = proc.stdout.splitlines()
    lines += ["stderr: " + l for l in proc.stderr.splitlines()]
    lines.append(status(proc.returncode))
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--llc", required=True)
    ap.add_argument("--opt", help="the fork's opt, for C sources")
    ap.add_argument("--include", action="append", default=[],
                    help="include directory for C sources")
    ap.add_argument("--tmp", required=True, help="prefix for temporary files")
    ap.add_argument("--targets", default="x86_64,aarch64")
    ap.add_argument("--opts", default="0,1,2,3")
    ap.add_argument("--fps", default="none,all")
    ap.add_argument("--llc-arg", action="append", default=[])
    ap.add_argument("--reserve-mailbox", action="store_true",
                    help="reserve the target's mailbox register (llc -mattr)")
    ap.add_argument("--ldflag", action="append", default=[])
    ap.add_argument("--timeout", type=int, default=120)
    ap.add_argument("source")
    args = ap.parse_args()

    os.makedirs(os.path.dirname(os.path.abspath(args.tmp)), exist_ok=True)
    results = {}
    lowered_c = {}
    for tgt, opt, fp in itertools.product(
        args.targets.split(","), args.opts.split(","), args.fps.split(",")
    ):
        t = TARGETS[tgt]
        cfg = f"{tgt}-O{opt}-fp-{fp}"
        obj, exe = f"{args.tmp}.{cfg}.o", f"{args.tmp}.{cfg}"
        ir = args.source
        if args.source.endswith(".c"):
            # C: clang-19 -O2 to unoptimised IR, then the fork's pipeline for C
            # (gt_pipeline.py), once per target in this run.
            if tgt not in lowered_c:
                bc, lowered = f"{args.tmp}.{tgt}.bc", f"{args.tmp}.{tgt}.lowered.bc"
                p = run(["clang-19", f"--target={t['triple']}", "-fPIC",
                         *gt_pipeline.clang_flags(args.include[0]),
                         *[f"-I{i}" for i in args.include[1:]], "-emit-llvm", "-c",
                         args.source, "-o", bc])
                if p.returncode != 0:
                    sys.exit(f"{cfg}: clang failed:\n{p.stderr}")
                # Polls only in SS_SAFEPOINTS functions: the programs count
                # them, and their main runs outside any green thread.
                p = run([args.opt, f"-passes={gt_pipeline.opt_pipeline(poll_all=False)}",
                         bc, "-o", lowered])
                if p.returncode != 0:
                    sys.exit(f"{cfg}: opt failed:\n{p.stderr}")
                lowered_c[tgt] = lowered
            ir = lowered_c[tgt]
        llc = [args.llc, f"-mtriple={t['triple']}", f"-O{opt}", "-relocation-model=pic",
               f"-frame-pointer={fp}", "-filetype=obj", ir, "-o", obj]
        if args.reserve_mailbox or args.source.endswith(".c"):
            llc.append(f"-mattr={t['mailbox']}")
        p = run(llc + args.llc_arg)
        if p.returncode != 0:
            sys.exit(f"{cfg}: llc failed:\n{p.stderr}")
        p = run(t["cc"] + [obj, "-o", exe] + args.ldflag)
        if p.returncode != 0:
            sys.exit(f"{cfg}: link failed:\n{p.stderr}")
        try:
            p = run(t["run"] + [exe], timeout=args.timeout)
        except subprocess.TimeoutExpired:
            sys.exit(f"{cfg}: timed out after {args.timeout}s")
        results[cfg] = transcript(p)

    reference_cfg, reference = next(iter(results.items()))
    bad = [c for c, r in results.items() if r != reference]
    if bad:
        sys.stderr.write(f"configurations disagree with {reference_cfg}:\n")
        sys.stderr.write(f"--- {reference_cfg}\n{reference}")
        for c in bad:
            sys.stderr.write(f"--- {c}\n{results[c]}")
        sys.exit(1)
    sys.stdout.write(reference)
    sys.stdout.write(f"configurations: {len(results)}\n")


if __name__ == "__main__":
    main()
