#!/usr/bin/env bash
# The main demo, from a fresh machine: sets everything up (scripts/setup.sh),
# then runs a generator written in LLVM IR that the fork's llc compiled (the
# generator runs on its own stack made by llvm.newstack and every value it
# yields is a swapstack context switch), then a C++ program on the green-thread
# runtime: a concurrent prime sieve and a million parked threads.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/setup.sh"
echo
echo "== llvm/examples/fibonacci-generator.ll, compiled by the fork's llc =="
"$ROOT/build/llvm/examples/fibonacci-generator"
echo
echo "== runtime/examples/primes: green threads on every CPU (the runtime's switches are swapstack switches) =="
"$ROOT/build/runtime/examples/primes"
