#!/usr/bin/env python3
"""Counts the bytes a ping-pong loop stores to its stack per switch, from the
x86-64 assembly of the function that contains it: every push, call (return
address) and store to an (%rsp)/(%rbp)-based slot in the loop that contains
the switch, plus --extra bytes the switch itself stores out of view (e.g. a
stub's push). Prints the number of bytes.

usage: saved_bytes.py FILE.s FUNCTION MARKER_REGEX [--extra N]"""
import re
import sys

SIZES = {"q": 8, "l": 4, "w": 2, "b": 1, "sd": 8, "ss": 4, "aps": 16,
         "ups": 16, "dqa": 16, "dqu": 16, "apd": 16, "upd": 16}


def store_bytes(line):
    ins = line.split()
    if not ins:
        return 0
    op = ins[0]
    if op.startswith("push"):
        return 8
    if op.startswith("call"):
        return 8
    if op.startswith(("cmp", "test", "lea", "ucomi", "comi")):
        return 0
    m = re.search(r",\s*-?\w*\((%rsp|%rbp)\)\s*(#.*)?$", line)
    if not m:
        return 0
    for suffix, size in sorted(SIZES.items(), key=lambda kv: -len(kv[0])):
        if op.endswith(suffix):
            return size
    return 8


def function_body(asm, func):
    """The lines of `func` in assembly text `asm`, comments removed."""
    lines = asm.splitlines()
    start = next(i for i, l in enumerate(lines) if l.startswith(func + ":"))
    end = next(i for i in range(start, len(lines)) if lines[i].startswith(".Lfunc_end"))
    return [l.split("//")[0].split("#")[0].rstrip() for l in lines[start:end]]


def loop_store_bytes(asm, func, marker, store=store_bytes):
    """Bytes stored to the stack by one iteration of the loop in `func` that
    contains the first line matching `marker`: from the loop's label to the
    branch back to it. `store` sizes one instruction (x86-64 by default)."""
    body = function_body(asm, func)
    switch = next(i for i, l in enumerate(body) if re.search(marker, l))
    head = max(i for i in range(switch) if re.match(r"^\.?L?\w+:", body[i]))
    label = body[head].split(":")[0]
    back = next(i for i in range(switch, len(body))
                if re.match(r"\s+\S+\s+" + re.escape(label) + r"\s*$", body[i]))
    return sum(store(l.strip()) for l in body[head:back + 1] if l.startswith("\t"))


def main():
    path, func, marker = sys.argv[1:4]
    extra = int(sys.argv[5]) if len(sys.argv) > 5 and sys.argv[4] == "--extra" else 0
    print(loop_store_bytes(open(path).read(), func, marker) + extra)


if __name__ == "__main__":
    main()
