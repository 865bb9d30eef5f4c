#!/usr/bin/env bash
# Runs every test of the project (after scripts/setup.sh):
#   1. the upstream lit suites the fork touches (CodeGen/X86, CodeGen/AArch64,
#      Verifier, Assembler, Bitcode, Analysis/Lint, Transforms/
#      PreISelIntrinsicLowering, RewriteStatepointsForGC, DeadArgElim,
#      ArgumentPromotion and the fork's Transforms suites), which
#      include the fork's own lit tests; any failure not in
#      llvm/upstream-baseline.txt is a regression;
#   2. the executed end-to-end programs in llvm/tests (X86-64 natively,
#      AArch64 under qemu-aarch64);
#   3. the runtime's test programs (runtime/tests), with 1 executor and with
#      one per CPU, X86-64 natively and AArch64 under qemu-aarch64.
#   4. the fuzz check (llvm/tests/tools/swapstack-fuzz.py): 150 llvm-stress
#      functions with switches and entry functions through opt -O2 and llc
#      for both targets; nothing may crash, assert or stop with LLVM ERROR.
# Ends with the line "N passed, N failed".
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
[ "${SKIP_SETUP:-0}" = 1 ] || bash "$ROOT/scripts/setup.sh"
source "$ROOT/build/fork.env"
python3 "$ROOT/scripts/run-tests.py" --root "$ROOT" --tree "$LLVM_TREE" \
  --llvm-bin "$LLVM_BIN" "$@"
