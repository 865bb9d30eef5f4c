# Executed end-to-end tests of the fork: IR programs that use swapstackcc and
# llvm.newstack, compiled by the fork's llc for X86-64 and AArch64, linked and
# run (AArch64 under qemu-aarch64). Parameters: llvm_bin (the fork's tools).
import os

import lit.formats

config.name = "swapstack-exec"
config.test_format = lit.formats.ShTest(execute_external=True)
config.suffixes = [".ll", ".test"]
config.excludes = ["tools"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = lit_config.params.get(
    "exec_root", os.path.join(config.test_source_root, "..", "..", "build", "llvm-tests"))

llvm_bin = lit_config.params.get("llvm_bin")
if not llvm_bin:
    lit_config.fatal("pass --param llvm_bin=<the fork's bin directory>")
config.environment["PATH"] = os.pathsep.join([llvm_bin, os.environ["PATH"]])
runner = os.path.join(config.test_source_root, "tools", "run-everywhere.py")
include = os.path.join(config.test_source_root, "..", "..", "runtime", "include")
config.substitutions.append(
    ("%run-everywhere", f"python3 {runner} --llc {llvm_bin}/llc "
     f"--opt {llvm_bin}/opt --include {include} --tmp %t"))
config.substitutions.append(
    ("%project", os.path.join(config.test_source_root, "..", "..")))
