"""The fork's pipeline for C and C++, defined once.

gt-cc and gt-c++ (gt-cc.in) compile through it, cmake/SwapStack.cmake's
swapstack_c_object() compiles through gt-cc, and the executed-test tool
(llvm/tests/tools/run-everywhere.py) imports this module.

  clang-19   IR, unoptimised (optimisation happens in opt), frame pointers
             kept (the GC's stack walker follows them), the runtime's hooks
             (gt/hooks.h) included in every translation unit;
  opt        thread-local addresses made safe across switches before the
             optimiser could merge them (llvm-project 98479), the -O<n>
             pipeline, the swapstack builtins lowered to switches and entry
             functions, safepoint polls (the gc.safepoint_poll hook inlined)
             in SS_SAFEPOINTS functions;
  llc        managed code: the mailbox register reserved.
"""

OPT_PIPELINE = ("swapstack-safe-tls,default<O{O}>,lower-swapstack-builtins,"
                "insert-safepoint-polls")


def opt_pipeline(level="2"):
    """The opt -passes= string for optimisation level 0-3, s or z."""
    return OPT_PIPELINE.replace("{O}", level)


def clang_flags(runtime_include, hooks=True):
    """clang-19 flags that emit the IR the pipeline starts from. hooks=False
    for code compiled without the mailbox register reserved, which must not
    poll (the hooks read the register)."""
    flags = ["-O2", "-Xclang", "-disable-llvm-passes",
             "-fno-omit-frame-pointer", "-I", runtime_include]
    if hooks:
        flags += ["-include", "gt/hooks.h"]
    return flags


def mailbox_attr(triple):
    """The llc -mattr that reserves the mailbox register, or None."""
    arch = triple.split("-")[0]
    if arch in ("aarch64", "arm64"):
        return "+reserve-x28"
    if arch in ("x86_64", "amd64"):
        return "+reserve-r14"
    return None
