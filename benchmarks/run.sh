#!/usr/bin/env bash
# Runs the benchmarks (after scripts/setup.sh) and prints their tables:
#   switch   one-way context switch: swapstack vs Boost.Context fiber,
#            preserve_none + stub and swapcontext (timed, x86-64), plus the
#            static instruction/byte counts for x86-64 and AArch64;
#   runtime  the green-thread runtime vs Go and Boost.Fiber: skynet, spawn,
#            yield, channel ping-pong, memory per parked thread (1M and 10M);
#   safepoint what safepoint polls and the mailbox register reservation cost
#            on loop kernels (bench-polls), and the time to safepoint of
#            polled tight loops (bench-ttsp);
#   gc       both collectors (GT_GC=stw and concurrent) vs Boehm, Go and
#            Java (G1, ZGC): binary-trees and GCBench, their pauses against
#            live heap size and parked threads, and the service workload
#            (benchmarks/gc/run.py).
# Arguments go to benchmarks/runtime/run.py (e.g. --quick); --quick also
# shortens bench-polls and benchmarks/gc.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
[ -f "$ROOT/build/fork.env" ] || bash "$ROOT/scripts/setup.sh"
bash "$ROOT/scripts/install-deps.sh" --bench # the Java peers of benchmarks/gc
source "$ROOT/build/fork.env"
ninja -C "$ROOT/build" >/dev/null
echo "== benchmarks/switch (timed) =="
"$ROOT/build/benchmarks/switch/bench-switch"
echo
echo "== benchmarks/switch (static) =="
python3 "$ROOT/benchmarks/switch/static_counts.py" --llc "$LLVM_BIN/llc" \
  --objdump "$LLVM_BIN/llvm-objdump" --cache "$ROOT/build/benchmarks/cache" \
  "$ROOT/benchmarks/switch/swapstack.ll"
echo
echo "== benchmarks/runtime (gt vs Go vs Boost.Fiber) =="
python3 "$ROOT/benchmarks/runtime/run.py" --build "$ROOT/build" "$@"
echo
echo "== benchmarks/safepoint (poll overhead) =="
polls_args=()
for arg in "$@"; do
  if [ "$arg" = --quick ]; then polls_args=(--quick); fi
done
"$ROOT/build/benchmarks/safepoint/bench-polls" "${polls_args[@]}"
echo
echo "== benchmarks/safepoint (time to safepoint) =="
"$ROOT/build/benchmarks/safepoint/bench-ttsp" "${polls_args[@]}"
echo
echo "== benchmarks/gc (gt stw and concurrent vs Boehm vs Go vs Java) =="
python3 "$ROOT/benchmarks/gc/run.py" --build "$ROOT/build" --gt-gc stw,concurrent \
  "${polls_args[@]}"
