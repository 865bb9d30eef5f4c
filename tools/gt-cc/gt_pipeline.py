"""The fork's pipeline for C and C++, defined once.

gt-cc and gt-c++ (gt-cc.in) compile through it, cmake/SwapStack.cmake's
swapstack_c_object() compiles through gt-cc, and the executed-test tool
(llvm/tests/tools/run-everywhere.py) imports this module.

  clang-19   IR, unoptimised (optimisation happens in opt), frame pointers
             kept (the GC's stack walker follows them), the runtime's hooks
             (gt/hooks.h) included in every translation unit;
  opt        thread-local addresses made safe across switches before the
             optimiser could merge them (llvm-project 98479); GC pointers
             (address space 1) made non-integral and gt_new/gt_new_array
             lowered to the runtime's inline allocation hooks with
             compiler-derived type descriptors (lower-gc-builtins, after
             mem2reg so that the type's prototype is visible); the -O<n>
             pipeline; the swapstack builtins lowered to switches and entry
             functions; safepoint polls (the gc.safepoint_poll hook inlined)
             in every function of GC-managed code but SS_NO_SAFEPOINTS ones
             (insert-safepoint-polls<all>: a collection must not wait forever
             for a thread spinning without calls), in SS_SAFEPOINTS
             functions only in the runtime's own code; the write barrier (the runtime's
             gc.write_barrier_* hooks inlined for the stores into GC
             memory, logged in groups between safepoints, gc-barriers);
             the "swapstack" GC strategy for every function that handles
             GC pointers, and errors for what the collector cannot support
             (gc-prepare); the allocation hooks inlined (inline-gc-allocs:
             they stay calls until gc-barriers has seen where objects are
             allocated), with the mailbox register read once between the
             points where it may change and its accesses in an alias scope
             of their own, so that GVN (-O1 and up) keeps the mailbox's
             fields in registers between safepoints; calls, polls' slow
             paths and switches made statepoints
             (rewrite-statepoints-for-gc); the hooks deleted once inlined
             (strip-gc-hooks);
  llc        managed code: the mailbox register reserved; statepoints
             recorded in .llvm_stackmaps (link with -z notext, docs/gc.md).
"""

OPT_PIPELINE = ("swapstack-safe-tls,function(mem2reg),lower-gc-builtins,"
                "default<O{O}>,lower-swapstack-builtins{SPLIT},"
                "insert-safepoint-polls"
                "{POLLS}{BARRIERS}{PREPARE},inline-gc-allocs{CSE}{STATEPOINTS},"
                "strip-gc-hooks")
BARRIER_PASS = ",gc-barriers"
# gc-prepare runs before inline-gc-allocs: it rejects integers converted into
# GC pointers, which the inlined allocation hooks make of the addresses they
# allocate.
PREPARE_PASS = ",gc-prepare"
# After inline-gc-allocs, which makes the mailbox register's reads one value
# and scopes the accesses through it: the mailbox's fields loaded once between
# safepoints (§4(d) of issue 13).
CSE_PASS = ",function(gvn)"
STATEPOINT_PASS = ",rewrite-statepoints-for-gc"
# -fsplit-stack: calls into code not known to check its stack (the C library,
# code compiled without split stacks) move to a big segment through thunks,
# so that a small-stack thread may call anything (runtime/src/segment.cpp).
# After lower-swapstack-builtins, which turns the split_stack_checked
# annotations (gt/gt.h, gt/hooks.h) into attributes and the switches into
# swapstack calls (functions that switch run unchecked); before the passes
# that add the runtime's own calls (polls, barriers, allocation slow paths),
# which are made for running near the limit.
SPLIT_STACK_PASS = ",split-stack-calls"


def opt_pipeline(level="2", gc=True, barriers=True, poll_all=None,
                 mailbox_cse=True, split_stack=False):
    """The opt -passes= string for optimisation level 0-3, s or z. gc=False
    for the runtime's own code (the collector itself), whose functions must
    not become GC-managed: no statepoints, no stack maps (and no barriers).
    barriers=False drops only the write barrier (gc-barriers), for measuring
    what it costs; barriers="no-opt" keeps one log entry per store, emitted
    right after it (gc-barriers<no-opt>), for measuring its optimizations.
    poll_all (default: gc) polls every function, not only SS_SAFEPOINTS
    ones. mailbox_cse=False drops the GVN after inline-gc-allocs, for
    measuring what keeping the mailbox's fields in registers saves.
    split_stack: the code is compiled with -fsplit-stack (split-stack-calls
    moves its calls into unchecked code)."""
    if poll_all is None:
        poll_all = gc
    barrier = ""
    if gc and barriers:
        barrier = (BARRIER_PASS + "<no-opt>" if barriers == "no-opt"
                   else BARRIER_PASS)
    optimize = level not in ("0",)
    return (OPT_PIPELINE.replace("{O}", level)
            .replace("{SPLIT}", SPLIT_STACK_PASS if split_stack else "")
            .replace("{POLLS}", "<all>" if poll_all else "")
            .replace("{BARRIERS}", barrier)
            .replace("{PREPARE}", PREPARE_PASS if gc else "")
            .replace("{CSE}",
                     CSE_PASS if gc and optimize and mailbox_cse else "")
            .replace("{STATEPOINTS}", STATEPOINT_PASS if gc else ""))


def clang_flags(runtime_include, hooks=True, split_stack_calls=False):
    """clang-19 flags that emit the IR the pipeline starts from. hooks=False
    for code compiled without the mailbox register reserved, which must not
    poll (the hooks read the register). split_stack_calls: the pipeline runs
    split-stack-calls, which gt/hooks.h learns from __GT_SPLIT_STACK_CALLS__
    (it then places the code where the runtime looks for entry functions
    that may start on small stacks)."""
    flags = ["-O2", "-Xclang", "-disable-llvm-passes",
             "-fno-omit-frame-pointer", "-I", runtime_include]
    flags += split_stack_defines(split_stack_calls)
    if hooks:
        flags += ["-include", "gt/hooks.h"]
    return flags


def split_stack_defines(split_stack_calls):
    """The preprocessor flags that tell gt/hooks.h whether split-stack-calls
    runs (also for gt-cc -E)."""
    return ["-D__GT_SPLIT_STACK_CALLS__=1"] if split_stack_calls else []


def _arch(triple):
    arch = triple.split("-")[0]
    return {"arm64": "aarch64", "amd64": "x86_64"}.get(arch, arch)


def mailbox_attr(triple):
    """The llc -mattr that reserves the mailbox register, or None."""
    return {"aarch64": "+reserve-x28",
            "x86_64": "+reserve-r14"}.get(_arch(triple))


def has_split_stack(triple):
    """Whether the fork has segmented-stack prologues for the target (LLVM's
    on x86-64, patch 0037's on AArch64)."""
    return _arch(triple) in ("x86_64", "aarch64")
