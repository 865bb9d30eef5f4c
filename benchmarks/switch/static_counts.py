#!/usr/bin/env python3
"""Static half of benchmarks/switch: instructions executed and bytes saved
per one-way switch, counted from generated code, for the fork's swapstack
and for Boost.Context's fcontext (the routine under boost::context::fiber),
on x86-64 and AArch64. qemu timings are not meaningful, so AArch64 is
compared by these counts only.

- swapstack: the fork's llc compiles swapstack.ll for each target; the switch
  is the expanded sequence from the resume-address instruction to its label,
  and the bytes saved are the stores to the stack in each side's ping-pong
  loop (the resume record included), averaged over the two sides.
- Boost: jump_fcontext disassembled from Debian's libboost-context1.74.0
  (amd64 installed; the arm64 package is downloaded with apt into the cache
  directory); the bytes saved are its stack frame (plus the return address the
  call pushes on x86-64), the instructions are its own plus the call.

usage: static_counts.py --llc LLC --objdump OBJDUMP --cache DIR SWAPSTACK_LL"""
import argparse
import glob
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from saved_bytes import function_body, loop_store_bytes, store_bytes  # noqa: E402

STORE_BYTES = [(r"^stp\s+q", 32), (r"^stp\s+[xd]", 16), (r"^stp\s+[ws]", 8),
               (r"^str\s+q", 16), (r"^str\s+[xd]", 8), (r"^str\s+[ws]", 4)]


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw).stdout


def a64_store(ins):
    if "[sp" not in ins and "[x29" not in ins:
        return 0
    for pat, size in STORE_BYTES:
        if re.match(pat, ins):
            return size
    return 0


def swapstack_counts(llc, ll, triple, first, store):
    """Instructions in the switch sequence, and the stack bytes per switch
    averaged over the two sides of the ping-pong."""
    asm = sh([llc, f"-mtriple={triple}", "-O2", ll, "-o", "-"])
    body = function_body(asm, "swapstack_peer")
    i = next(k for k, l in enumerate(body) if re.search(first, l))
    label = re.search(r"(\.Lswapstack_resume\d+)", body[i]).group(1)
    j = next(k for k in range(i, len(body)) if body[k].startswith(label + ":"))
    seq = sum(1 for l in body[i:j] if l.startswith("\t") and not l.strip().startswith("."))
    sides = [loop_store_bytes(asm, f, first, store)
             for f in ("swapstack_pingpong", "swapstack_peer")]
    return seq, sum(sides) / 2


def boost_so(arch, cache):
    if arch == "x86_64":
        return "/usr/lib/x86_64-linux-gnu/libboost_context.so.1.74.0"
    root = os.path.join(cache, "boost-arm64")
    so = os.path.join(root, "usr/lib/aarch64-linux-gnu/libboost_context.so.1.74.0")
    if os.path.exists(so):
        return so
    lists = os.path.join(cache, "apt-arm64-lists")
    os.makedirs(os.path.join(lists, "partial"), exist_ok=True)
    opts = ["-oAPT::Architecture=arm64", "-oAPT::Architectures=arm64",
            f"-oDir::State::Lists={lists}", "-oDir::Cache::pkgcache=",
            "-oDir::Cache::srcpkgcache="]
    sh(["apt-get", *opts, "update", "-q"])
    sh(["apt-get", *opts, "download", "libboost-context1.74.0"], cwd=cache)
    deb = sorted(glob.glob(os.path.join(cache, "libboost-context1.74.0_*_arm64.deb")))[-1]
    sh(["dpkg-deb", "-x", deb, root])
    return so


def boost_counts(objdump, so, arch):
    syms = sh([objdump, "-T", so])
    m = re.search(r"^([0-9a-f]+)\s.*\s([0-9a-f]+)\s+(?:\S+\s+)?jump_fcontext$", syms, re.M)
    start, size = int(m.group(1), 16), int(m.group(2), 16)
    dis = sh([objdump, "-d", "--no-show-raw-insn", f"--start-address={start}",
              f"--stop-address={start + size}", so])
    ins = [l.split(":", 1)[1].strip() for l in dis.splitlines()
           if re.match(r"^\s+[0-9a-f]+:", l)]
    if arch == "x86_64":
        frame = int(re.search(r"lea\w*\s+-0x([0-9a-f]+)\(%rsp\)", "\n".join(ins)).group(1), 16)
        return len(ins) + 1, frame + 8  # + the call and its return address
    frame = int(re.search(r"sub\s+sp, sp, #0x([0-9a-f]+)", "\n".join(ins)).group(1), 16)
    return len(ins) + 1, frame  # + the bl; LR is stored inside the frame


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--llc", required=True)
    ap.add_argument("--objdump", required=True)
    ap.add_argument("--cache", required=True)
    ap.add_argument("ll")
    a = ap.parse_args()
    os.makedirs(a.cache, exist_ok=True)
    rows = []
    for arch, triple, first, store in (
            ("x86_64", "x86_64-linux-gnu", r"leaq\s+\.Lswapstack_resume", store_bytes),
            ("aarch64", "aarch64-linux-gnu", r"adr\s+x16, \.Lswapstack_resume", a64_store)):
        n, b = swapstack_counts(a.llc, a.ll, triple, first, store)
        rows.append((arch, "swapstack (fork)", n, b))
        n, b = boost_counts(a.objdump, boost_so(arch, a.cache), arch)
        rows.append((arch, "Boost.Context fcontext", n, b))
    print("static counts from generated code (per one-way switch); AArch64 runs only\n"
          "under qemu here, whose timings are not meaningful, so it is compared by\n"
          "these counts\n")
    print(f"| {'target':8} | {'mechanism':24} | {'instructions':>12} | {'bytes saved':>11} |")
    print(f"|{'-' * 10}|{'-' * 26}|{'-' * 14}|{'-' * 13}|")
    for arch, name, n, b in rows:
        print(f"| {arch:8} | {name:24} | {n:12} | {b:11.0f} |")


if __name__ == "__main__":
    sys.exit(main())
