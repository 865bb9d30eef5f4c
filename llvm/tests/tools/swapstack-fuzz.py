#!/usr/bin/env python3
"""Fuzz-style robustness check of the swapstack IR contract: every valid
program must get through `opt -O2` and `llc` on both targets without a crash,
an assertion or a fatal error.

For each seed S (1..N, or --first..), deterministically:
  1. `llvm-stress -seed=S` gives a function `@autogen_SD<S>` (straight-line
     blocks with loops, no phis, fixed signature) and `llvm-stress` with a
     second seed gives the body of an entry function `@ss_entry`, which gets
     `ptr %from` and a few floating-point/vector parameters in front of and
     behind the stress parameters, and ends in a final switch + `unreachable`
     instead of `ret void`. The text is parsed (llvm-stress output is simple:
     `%name = op ...` lines in labelled blocks) and each value's type is read
     off its defining instruction.
  2. Each function keeps its current context in an alloca slot (the main
     function fills it from `llvm.newstack` with a constant or a dynamic size
     >= 4096 on an alloca'd, dynamically alloca'd or incoming stack; the entry
     function from `%from`) and gets swapstack switches inserted at random
     points: plain switches, switches under a branch whose results meet the
     passed values in phis, and counted loops (constant or dynamic trip count)
     that carry the context and the passed values in phis. A switch passes
     values that fit 9 integer/pointer and 8 FP/vector registers (i1..i128,
     ptr, half..fp128, <=128-bit vectors, small structs and arrays; values
     that dominate it, constants, earlier results); its results are stored,
     combined with other values, or replace the passed values in every later
     dominated use, so values stay live across switches and results feed the
     stress code. The
     entry function also calls `@autogen_SD<S>` (which switches) between its
     switches, and sometimes makes a stack of its own.
  3. The module must pass `opt -passes=verify` (else the generator is wrong,
     which is reported as a failure too); then, per target (x86_64-linux-gnu
     and aarch64-linux-gnu), `opt -O2` and `llc -O0`/`-O2` on its output, and
     `llc` with the mailbox register reserved and frame pointers on the
     unoptimised and the optimised module. Every step must exit 0 without a
     crash, an assertion or `LLVM ERROR`.

Contexts are threaded coherently (each switch resumes the context the last
one returned), but the two sides of a switch do not agree on the values they
exchange: the programs are compiled, never run.

A failure that the same module with ordinary calls for its switches and an
ordinary function for llvm.newstack shares (same error or assertion line, or a
crash in the same pass) is an upstream LLVM bug, not swapstack's: the seed is
counted as skipped, with a note (LLVM 19.1.7's AArch64 GlobalISel crashes in
RegBankSelect on some llvm-stress shuffles, for one).

Prints each failure (seed, command, the first lines of stderr, the reproducer,
kept in a temp dir or --keep) and "swapstack-fuzz: N passed, M failed, K
skipped"; exits 1 on any failure. --print SEED prints a seed's module.
--emulate-upstream runs an upstream LLVM instead (preserve_nonecc for
swapstackcc, an ordinary function for llvm.newstack), to debug the generator."""

import argparse
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

TARGETS = [("x86_64-linux-gnu", "+reserve-r14"), ("aarch64-linux-gnu", "+reserve-x28")]
CRASH_MARKERS = ["PLEASE submit a bug report", "Assertion", "Stack dump", "LLVM ERROR"]
INT_TYPES = ["i1", "i8", "i16", "i32", "i64", "ptr"]
FP_TYPES = ["float", "double", "<2 x i32>", "<4 x i32>", "<2 x i64>", "<8 x i16>",
            "<16 x i8>", "<2 x float>", "<4 x float>", "<2 x double>"]
# Types llvm-stress does not make; passed as constants and results.
OTHER_TYPES = ["i128", "half", "bfloat", "fp128", "<4 x i1>", "<1 x i32>",
               "{ i32, double }", "[2 x i64]", "{ ptr, <4 x float> }"]
FLOATS = ("half", "bfloat", "float", "double", "fp128")
TYPE_RE = re.compile(r"<\d+ x (?:i\d+|float|double|ptr)>|i\d+|float|double|ptr")
VEC_RE = re.compile(r"<(\d+) x (i\d+|float|double|ptr)>")
DEF_RE = re.compile(r"^\s*%([\w.]+) = (\w+) (.*)$")
CASTS = {"trunc", "zext", "sext", "fptrunc", "fpext", "fptoui", "fptosi", "uitofp",
         "sitofp", "ptrtoint", "inttoptr", "bitcast"}
BINOPS = {"add", "sub", "mul", "udiv", "sdiv", "urem", "srem", "shl", "lshr", "ashr",
          "and", "or", "xor", "fadd", "fsub", "fmul", "fdiv", "frem"}


def cost(ty):
    """(integer, FP/vector) registers a value of type ty takes, the most of
    either over both targets; None if the contract does not pass it. A
    one-element integer vector is a scalar to X86-64's type legalizer and a
    vector to AArch64's; an aggregate takes its fields' registers."""
    if ty in INT_TYPES:
        return 1, 0
    if ty == "i128":
        return 2, 0
    if ty in FLOATS:
        return 0, 1
    if not ty:
        return None
    m = VEC_RE.fullmatch(ty)
    if m:
        n, elem = int(m[1]), m[2]
        width = {"float": 32, "double": 64}.get(elem) or (elem != "ptr" and int(elem[1:]))
        if not width or n * width > 128:
            return None
        return (1, 1) if n == 1 and elem[0] == "i" else (0, 1)
    m = re.fullmatch(r"\[(\d+) x (.*)\]", ty)
    if m:
        fields = [m[2]] * int(m[1])
    elif ty[0] == "{":
        fields = split_top(ty[1:-1].strip())
    else:
        return None
    costs = [cost(f) for f in fields]
    return None if None in costs else tuple(map(sum, zip(*costs)))


def split_top(s):
    """Splits at commas outside brackets."""
    parts, depth, cur = [], 0, ""
    for ch in s:
        depth += (ch in "<[{(") - (ch in ">]})")
        if ch == "," and depth == 0:
            parts.append(cur.strip())
            cur = ""
        else:
            cur += ch
    return parts + [cur.strip()]


def first_type(s):
    m = TYPE_RE.match(s.strip())
    return m and m[0]


def result_type(op, rest):
    """The type of an llvm-stress instruction's result (None if unknown)."""
    parts = split_top(rest)
    if op == "alloca":
        return "ptr"
    if op in CASTS:
        return first_type(rest.rsplit(" to ", 1)[1])
    if op in BINOPS or op == "load":
        return first_type(re.sub(r"^((nuw|nsw|exact|fast|nnan|ninf) )*", "", rest))
    if op in ("icmp", "fcmp"):
        m = VEC_RE.match(rest.split(" ", 1)[1])
        return f"<{m[1]} x i1>" if m else "i1"
    if op == "select":
        return first_type(parts[1])
    if op == "insertelement":
        return first_type(parts[0])
    if op == "extractelement":
        return VEC_RE.match(parts[0])[2]
    if op == "shufflevector":
        return f"<{VEC_RE.match(parts[2])[1]} x {VEC_RE.match(parts[0])[2]}>"
    return None


class Func:
    """A function as blocks of instruction lines, with the types of its values."""

    def __init__(self, text, rng, name, params_before=(), params_after=()):
        self.rng, self.n = rng, 0
        self.infra = set()   # values of the generator's plumbing (never passed)
        self.glued = set()   # lines nothing may be inserted before (a switch's tail)
        head, body = text.split("{\n", 1)
        params = re.search(r"\((.*)\)", head)[1]
        self.params = list(params_before)
        self.params += [(p.split()[1][1:], p.split()[0]) for p in split_top(params)]
        self.params += list(params_after)
        self.name, self.blocks, self.types = name, [], dict((n, t) for n, t in self.params)
        for line in body.splitlines():
            if re.match(r"^[\w.]+:", line):
                self.blocks.append([line.split(":")[0], []])
            elif line.startswith("  "):
                self.blocks[-1][1].append(line)
                m = DEF_RE.match(line)
                if m:
                    self.types[m[1]] = result_type(m[2], m[3])

    def fresh(self, stem):
        self.n += 1
        return f"ss.{stem}{self.n}"

    def block(self, name):
        return next(b for b in self.blocks if b[0] == name)

    def dominators(self):
        succ = {b: re.findall(r"label %([\w.]+)", lines[-1]) for b, lines in self.blocks}
        preds = {b: [] for b in succ}
        for b, ss in succ.items():
            for s in ss:
                preds[s].append(b)
        reach, todo = set(), [self.blocks[0][0]]
        while todo:
            b = todo.pop()
            if b not in reach:
                reach.add(b)
                todo += succ[b]
        dom = {b: set(reach) for b in reach}
        dom[self.blocks[0][0]] = {self.blocks[0][0]}
        changed = True
        while changed:
            changed = False
            for b in reach - {self.blocks[0][0]}:
                new = {b} | set.intersection(*(dom[p] for p in preds[b] if p in reach))
                if new != dom[b]:
                    dom[b], changed = new, True
        return dom

    def available(self, block, pos, dom):
        """Named values of register types that dominate position pos of block."""
        names = [n for n, _ in self.params]
        for b, lines in self.blocks:
            if b in dom[block]:
                for line in lines[:pos] if b == block else lines:
                    m = DEF_RE.match(line)
                    if m:
                        names.append(m[1])
        return [n for n in names if n not in self.infra and cost(self.types.get(n))]

    def replace_uses(self, old, new, block, pos):
        """Makes every use of %old after block[pos] that new dominates use %new."""
        dom = self.dominators()
        pat = re.compile(rf"%{re.escape(old)}(?![\w.])")
        count = 0
        for b, lines in self.blocks:
            if b == block or block in dom.get(b, ()):
                for i in range(pos if b == block else 0, len(lines)):
                    lines[i], k = pat.subn(f"%{new}", lines[i])
                    count += k
        return count

    def split(self, block, pos, new_name):
        """Moves block[pos:] into a new block after it; phis follow the edge."""
        lines = self.block(block)[1]
        rest, lines[pos:] = lines[pos:], []
        idx = next(i for i, b in enumerate(self.blocks) if b[0] == block)
        self.blocks.insert(idx + 1, [new_name, rest])
        for _, ls in self.blocks:
            for i, l in enumerate(ls):
                if " = phi " in l:
                    ls[i] = re.sub(rf", %{re.escape(block)} \]", f", %{new_name} ]", l)

    def text(self, header):
        out = [header + " {"]
        for i, (b, lines) in enumerate(self.blocks):
            out += ([""] if i else []) + [f"{b}:"] + lines
        return "\n".join(out + ["}"])


class Generator:
    def __init__(self, rng):
        self.rng = rng

    def constant(self, ty):
        r = self.rng
        if ty == "ptr":
            return "null"
        if ty.startswith("<"):
            return r.choice(["zeroinitializer", "undef"] if r.random() < 0.2 else ["zeroinitializer"])
        if ty == "fp128":  # 0.0, 1.5, -2.0
            return "0xL" + r.choice(["0" * 32, "0" * 16 + "3FFF8" + "0" * 11, "0" * 16 + "C" + "0" * 15])
        if ty in FLOATS:
            return r.choice(["0.0", "1.5", "-2.0"] + ["0x7FF0000000000000"] * (ty == "double"))
        if ty[0] in "{[":
            return "zeroinitializer"
        return r.choice(["true", "false"]) if ty == "i1" else str(r.choice([0, 1, -1, 7, 42]))

    def pick_args(self, f, avail):
        """(type, value) arguments for at most 9 integer/pointer registers (the
        context takes the 10th) and 8 FP/vector ones, mostly values in avail."""
        r, args = self.rng, []
        left = [r.choice([0, 1, 1, 2, 2, 3, 4, n]) if r.random() < 0.9 else n for n in (9, 8)]
        for _ in range(3 * sum(left)):
            if avail and r.random() < 0.85:
                v = r.choice(avail)
                ty, v = f.types[v], "%" + v
            else:
                ty = r.choice(INT_TYPES + FP_TYPES + OTHER_TYPES)
                v = self.constant(ty)
            need = cost(ty)
            if need[0] <= left[0] and need[1] <= left[1]:
                args.append((ty, v))
                left = [left[0] - need[0], left[1] - need[1]]
        return args

    def switch(self, f, ctx, args, result_types):
        """Lines of a switch to ctx; returns (lines, call name, result names)."""
        call = f.fresh("r")
        f.infra.add(call)
        if result_types or self.rng.random() < 0.3:
            rty = "{ " + ", ".join(["ptr"] + result_types) + " }"
        else:
            rty = "ptr"
        argtext = ", ".join(f"{t} {v}" for t, v in args)
        lines = [f"  %{call} = call swapstackcc {rty} %{ctx}({argtext})"]
        names = [call]
        if rty != "ptr":
            names = []
            for i, ty in enumerate(["ptr"] + result_types):
                names.append(f"{call}.{i}")
                lines.append(f"  %{call}.{i} = extractvalue {rty} %{call}, {i}")
                f.types[f"{call}.{i}"] = ty
        f.infra.add(names[0])
        f.glued.update(lines[1:])
        return lines, names[0], names[1:]

    def use(self, f, value, avail, lines):
        """Appends a use of value: a store of it, or of it combined with another."""
        r, ty = self.rng, f.types[value]
        ptrs = [v for v in avail if f.types[v] == "ptr"]
        same = [v for v in avail if f.types[v] == ty]
        out = value
        if same and ty[0] not in "{[" and r.random() < 0.6:
            out = f.fresh("u")
            other = r.choice(same)
            elem = VEC_RE.fullmatch(ty)[2] if ty.startswith("<") else ty
            if ty == "ptr":
                lines.append(f"  %{out} = getelementptr i8, ptr %{value}, i64 16")
            elif elem in FLOATS:
                lines.append(f"  %{out} = fadd {ty} %{value}, %{other}")
            else:
                lines.append(f"  %{out} = {r.choice(['add', 'xor', 'mul'])} {ty} %{value}, %{other}")
            f.types[out] = ty
        lines.append(f"  store {ty} %{out}, ptr %{r.choice(ptrs)}")

    def finish(self, f, block, pos, pairs, avail):
        """Uses the results at block[pos]: each (arg, result) either replaces
        the argument in later dominated uses or is stored/combined."""
        lines = []
        for (ty, arg), res in pairs:
            if not (arg.startswith("%") and self.rng.random() < 0.5
                    and f.replace_uses(arg[1:], res, block, pos)):
                self.use(f, res, avail, lines)
        f.block(block)[1][pos:pos] = lines

    def point(self, f, dom):
        """A random insertion point: after the phis, not inside a switch."""
        points = [(b, p) for b, lines in f.blocks if b in dom
                  for p in range(len(lines)) if " = phi " not in lines[p]
                  and lines[p] not in f.glued]
        return self.rng.choice(points)

    def insert(self, f, dom):
        r = self.rng
        block, pos = self.point(f, dom)
        lines = f.block(block)[1]
        avail = f.available(block, pos, dom)
        args = self.pick_args(f, avail)
        kind = r.choice(["plain", "plain", "branch", "loop"])
        ctx = f.fresh("c")
        f.infra.add(ctx)
        pre = [f"  %{ctx} = load ptr, ptr %ss.slot"]
        if kind == "plain":
            mirror = r.random() < 0.5
            rtys = [t for t, _ in args] if mirror else [
                r.choice(INT_TYPES + FP_TYPES + OTHER_TYPES) for _ in range(r.choice([0, 1, 2, 3]))]
            sw, new_ctx, results = self.switch(f, ctx, args, rtys)
            pre += sw + [f"  store ptr %{new_ctx}, ptr %ss.slot"]
            f.glued.add(pre[-1])
            lines[pos:pos] = pre
            pos += len(pre)
            pairs = list(zip(args if mirror else [("", "")] * len(results), results))
            self.finish(f, block, pos, pairs, avail + results)
            return
        rtys = [t for t, _ in args]
        if kind == "branch":
            conds = [v for v in avail if f.types[v] == "i1"]
            cond = "%" + r.choice(conds) if conds else r.choice(["true", "false"])
            then, join = f.fresh("then"), f.fresh("join")
            f.split(block, pos, join)
            lines.extend(pre + [f"  br i1 {cond}, label %{then}, label %{join}"])
            sw, new_ctx, results = self.switch(f, ctx, args, rtys)
            idx = next(i for i, b in enumerate(f.blocks) if b[0] == block)
            f.blocks.insert(idx + 1, [then, sw + [f"  store ptr %{new_ctx}, ptr %ss.slot",
                                                   f"  br label %{join}"]])
            f.glued.add(f"  store ptr %{new_ctx}, ptr %ss.slot")
            phis = []
            for (ty, arg), res in zip(args, results):
                p = f.fresh("p")
                f.types[p] = ty
                phis.append(p)
                f.block(join)[1].insert(0, f"  %{p} = phi {ty} [ %{res}, %{then} ], [ {arg}, %{block} ]")
            self.finish(f, join, len(phis), list(zip(args, phis)), avail + phis)
            return
        # A counted loop around the switch, the context and the values in phis.
        loop, exit_ = f.fresh("loop"), f.fresh("exit")
        i, inext, trip = f.fresh("i"), f.fresh("inext"), f.fresh("trip")
        i32s = [v for v in avail if f.types[v] == "i32"]
        if i32s and r.random() < 0.5:
            pre.append(f"  %{trip} = and i32 %{r.choice(i32s)}, 7")
        else:
            pre.append(f"  %{trip} = add i32 0, {r.choice([1, 2, 3, 100])}")
        f.split(block, pos, exit_)
        lines.extend(pre + [f"  br label %{loop}"])
        lc = f.fresh("lc")
        f.infra |= {i, inext, trip, lc}
        phis, carried = [], []
        for ty, arg in args:
            p = f.fresh("lv")
            f.types[p] = ty
            phis.append(p)
            carried.append((ty, "%" + p))
        sw, new_ctx, results = self.switch(f, lc, carried, rtys)
        body = [f"  %{i} = phi i32 [ 0, %{block} ], [ %{inext}, %{loop} ]",
                f"  %{lc} = phi ptr [ %{ctx}, %{block} ], [ %{new_ctx}, %{loop} ]"]
        body += [f"  %{p} = phi {ty} [ {arg}, %{block} ], [ %{res}, %{loop} ]"
                 for p, (ty, arg), res in zip(phis, args, results)]
        body += sw + [f"  %{inext} = add i32 %{i}, 1",
                      f"  %{inext}.done = icmp uge i32 %{inext}, %{trip}",
                      f"  br i1 %{inext}.done, label %{exit_}, label %{loop}"]
        idx = next(k for k, b in enumerate(f.blocks) if b[0] == block)
        f.blocks.insert(idx + 1, [loop, body])
        f.block(exit_)[1].insert(0, f"  store ptr %{new_ctx}, ptr %ss.slot")
        f.glued.update(body + [f"  store ptr %{new_ctx}, ptr %ss.slot"])
        self.finish(f, exit_, 1, list(zip(args, results)), avail + results)

    def newstack(self, f, entry_name):
        """Lines that make a stack for entry_name and put it in the slot."""
        r = self.rng
        i64s = [n for n, t in f.params if t == "i64"]
        lo, size, lines = f.fresh("lo"), f.fresh("size"), []
        f.infra |= {lo, size}
        if i64s and r.random() < 0.5:  # 4096..65535
            lines += [f"  %{size}.m = and i64 %{r.choice(i64s)}, 61439",
                      f"  %{size} = or i64 %{size}.m, 4096"]
            dynamic = True
        else:
            lines.append(f"  %{size} = add i64 0, {r.choice([4096, 16384, 65536])}")
            dynamic = False
        where = r.choice(["alloca", "param"] + (["dynamic"] if dynamic else []))
        if where == "alloca":
            lines.append(f"  %{lo} = alloca [65536 x i8], align 16")
        elif where == "dynamic":
            lines.append(f"  %{lo} = alloca i8, i64 %{size}, align 16")
        else:
            ptr = r.choice([n for n, t in f.params if t == "ptr" and n not in f.infra])
            lines.append(f"  %{lo} = getelementptr i8, ptr %{ptr}, i64 0")
        if not dynamic and r.random() < 0.5:
            size_text = f"i64 {r.choice([4096, 16384, 65536])}"
        else:
            size_text = f"i64 %{size}"
        ctx = f.fresh("new")
        f.infra.add(ctx)
        lines += [f"  %{ctx} = call ptr @llvm.newstack(ptr %{lo}, {size_text}, ptr @{entry_name})",
                  f"  store ptr %{ctx}, ptr %ss.slot"]
        return lines


def llvm_stress(llvm_bin, seed, size):
    out = subprocess.run([os.path.join(llvm_bin, "llvm-stress"), f"-seed={seed}",
                          f"-size={size}", "-o", "-"], capture_output=True, text=True, check=True)
    return out.stdout[out.stdout.index("define "):].split("\n}\n")[0] + "\n}\n"


def generate(seed, llvm_bin):
    """The module for one seed (deterministic)."""
    rng = random.Random(seed)
    gen = Generator(rng)
    main = Func(llvm_stress(llvm_bin, seed, rng.randint(8, 50)), rng, f"autogen_SD{seed}")
    fp_only = FP_TYPES + ["half", "bfloat", "fp128", "<4 x i1>"]  # 7 integer parameters already
    extra_before = [(f"ss.a{k}", rng.choice(fp_only)) for k in range(rng.randint(0, 2))]
    extra_after = [(f"ss.b{k}", rng.choice(fp_only)) for k in range(rng.randint(0, 3))]
    entry = Func(llvm_stress(llvm_bin, seed + 1000003, rng.randint(8, 40)), rng, "ss_entry",
                 [("from", "ptr")] + extra_before, extra_after)
    entry.infra.add("from")
    for f in (main, entry):
        for _ in range(rng.randint(1, 5)):
            gen.insert(f, f.dominators())
    # Entry calls the main function (which switches) at random points.
    for _ in range(rng.randint(0, 2)):
        dom = entry.dominators()
        b, pos = gen.point(entry, dom)
        lines = entry.block(b)[1]
        avail = entry.available(b, pos, dom)
        args = []
        for _, ty in main.params:
            same = [v for v in avail if entry.types[v] == ty]
            args.append(f"{ty} %{rng.choice(same)}" if same else f"{ty} {gen.constant(ty)}")
        lines.insert(pos, f"  call void @{main.name}({', '.join(args)})")
    # Plumbing: the context slots, the stacks, the start switch, the final switch.
    start_args = [(ty, "%" + n if n in main.types else gen.constant(ty))
                  for n, ty in entry.params[1:]]
    prologue = ["  %ss.slot = alloca ptr, align 8"] + gen.newstack(main, "ss_entry")
    if rng.random() < 0.7:
        sw, new_ctx, _ = gen.switch(main, "ss.start", start_args, [])
        prologue += (["  %ss.start = load ptr, ptr %ss.slot"] + sw
                     + [f"  store ptr %{new_ctx}, ptr %ss.slot"])
    main.blocks[0][1][0:0] = prologue
    prologue = ["  %ss.slot = alloca ptr, align 8", "  store ptr %from, ptr %ss.slot"]
    if rng.random() < 0.3:
        prologue += gen.newstack(entry, "ss_entry")
    entry.blocks[0][1][0:0] = prologue
    dom = entry.dominators()
    for b, lines in entry.blocks:
        if lines[-1].strip() == "ret void":
            args = gen.pick_args(entry, entry.available(b, len(lines) - 1, dom))
            argtext = ", ".join(f"{t} {v}" for t, v in args)
            final = entry.fresh("final")
            lines[-1:] = [f"  %{final} = load ptr, ptr %ss.slot",
                          f"  %{final}.r = call swapstackcc ptr %{final}({argtext})",
                          "  unreachable"]
    def params(f):
        return ", ".join(f"{t} %{n}" for n, t in f.params)
    attrs = rng.choice(["", " noinline", ' "frame-pointer"="all"'])
    return "\n\n".join([
        f"; swapstack-fuzz seed {seed}",
        "declare ptr @llvm.newstack(ptr, i64, ptr)",
        main.text(f"define void @{main.name}({params(main)}){attrs}"),
        entry.text(f"define swapstackcc void @ss_entry({params(entry)})"),
    ]) + "\n"


def emulate_upstream(ir):
    """For an upstream LLVM: preserve_nonecc for swapstackcc and a function for
    llvm.newstack (generator debugging only)."""
    return ir.replace("swapstackcc", "preserve_nonecc").replace("@llvm.newstack", "@ss_newstack")


def control(ir):
    """The module with ordinary calls for switches and a function for
    llvm.newstack: a failure it shares is not swapstack's."""
    return ir.replace(" swapstackcc", "").replace("@llvm.newstack", "@ss_newstack")


def commands(args, src, stem):
    opt, llc = (os.path.join(args.llvm_bin, t) for t in ("opt", "llc"))
    cmds = [[opt, "-passes=verify", "-disable-output", src]]
    for triple, mailbox in TARGETS:
        o2 = f"{stem}.{triple.split('-')[0]}.O2.bc"
        cmds += [[opt, "-O2", f"-mtriple={triple}", src, "-o", o2],
                 [llc, "-O0", f"-mtriple={triple}", o2, "-o", os.devnull],
                 [llc, "-O2", f"-mtriple={triple}", o2, "-o", os.devnull],
                 [llc, "-O0", f"-mtriple={triple}", f"-mattr={mailbox}",
                  "-frame-pointer=all", src, "-o", os.devnull],
                 [llc, "-O2", f"-mtriple={triple}", f"-mattr={mailbox}",
                  "-frame-pointer=all", o2, "-o", os.devnull]]
    return cmds


def first_failure(cmds):
    """(index, command, stderr) of the first command that fails, or None."""
    for i, cmd in enumerate(cmds):
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
            err, bad = p.stderr, p.returncode != 0
            if p.returncode < 0:
                err += f"\n(killed by signal {-p.returncode})"
        except subprocess.TimeoutExpired:
            err, bad = "timed out after 120 s", True
        if bad or any(m in err for m in CRASH_MARKERS):
            return i, cmd, err
    return None


def signature(err, path):
    """What identifies a failure: its error or assertion line, else the pass
    it crashed in."""
    lines = [l.replace(path, "") for l in err.splitlines()]
    return (next((l for l in lines if "LLVM ERROR" in l or "Assertion" in l), None)
            or next((l for l in reversed(lines) if re.match(r"\d+\.\s+Running pass", l)), None)
            or "\n".join(lines[-1:]))


def run_seed(seed, args, tmp):
    """(verdict, command, stderr, reproducer): 'pass', 'fail', or 'skip' for a
    failure that the module with ordinary calls instead of switches shares."""
    src = os.path.join(tmp, f"swapstack-fuzz-{seed}.ll")
    try:
        ir = generate(seed, args.stress_bin or args.llvm_bin)
    except Exception as e:  # a generator bug
        return "fail", ["generate", str(seed)], f"generator exception: {e!r}", src
    with open(src, "w") as fh:
        fh.write(emulate_upstream(ir) if args.emulate_upstream else ir)
    fail = first_failure(commands(args, src, src[:-3]))
    if not fail:
        for f in os.listdir(tmp):
            if f.startswith(f"swapstack-fuzz-{seed}."):
                os.unlink(os.path.join(tmp, f))
        return "pass", None, "", src
    i, cmd, err = fail
    ctl = src[:-3] + ".control.ll"
    with open(ctl, "w") as fh:
        fh.write(control(ir))
    same = first_failure(commands(args, ctl, ctl[:-3])[:i + 1])
    if i > 0 and same and same[0] == i and signature(same[2], ctl) == signature(err, src):
        return "skip", cmd, err, src
    return "fail", cmd, err, src


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--llvm-bin", required=True, help="directory with opt and llc")
    ap.add_argument("--stress-bin", help="directory with llvm-stress (default: --llvm-bin)")
    ap.add_argument("-n", "--seeds", type=int, default=150,
                    help="how many seeds (default 150: under 2 minutes on 2 idle cores)")
    ap.add_argument("--first", type=int, default=1, help="first seed")
    ap.add_argument("-j", "--jobs", type=int, default=2)
    ap.add_argument("--keep", help="directory for reproducers (default: a new temp dir)")
    ap.add_argument("--emulate-upstream", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--print", type=int, metavar="SEED", help="print the module of SEED and exit")
    args = ap.parse_args()
    for tool in ("opt", "llc", "llvm-stress"):
        path = os.path.join(args.stress_bin or args.llvm_bin if tool == "llvm-stress"
                            else args.llvm_bin, tool)
        if not os.access(path, os.X_OK):
            sys.exit(f"swapstack-fuzz: no {path} (scripts/setup.sh builds it)")
    if args.print is not None:
        ir = generate(args.print, args.stress_bin or args.llvm_bin)
        sys.stdout.write(emulate_upstream(ir) if args.emulate_upstream else ir)
        return 0
    tmp = args.keep or tempfile.mkdtemp(prefix="swapstack-fuzz-")
    os.makedirs(tmp, exist_ok=True)
    seeds = range(args.first, args.first + args.seeds)
    count = {"pass": 0, "fail": 0, "skip": 0}
    with ThreadPoolExecutor(args.jobs) as pool:
        for seed, (verdict, cmd, err, src) in zip(seeds, pool.map(lambda s: run_seed(s, args, tmp), seeds)):
            count[verdict] += 1
            head = "\n".join("    " + l for l in err.strip().splitlines()[:8])
            if verdict == "fail":
                print(f"FAILED seed {seed}: {' '.join(cmd)}\n{head}\n  reproducer: {src}", flush=True)
            elif verdict == "skip":
                print(f"note: seed {seed} fails the same way without swapstack (an upstream "
                      f"bug): {' '.join(cmd)}\n"
                      f"    {signature(err, src)}", flush=True)
    if not count["fail"] and not args.keep:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"swapstack-fuzz: {count['pass']} passed, {count['fail']} failed, {count['skip']} skipped")
    return 1 if count["fail"] else 0


if __name__ == "__main__":
    sys.exit(main())
