#!/usr/bin/env bash
# Sets everything up on a fresh machine, idempotently, and prints nothing but
# progress: installs the Debian packages, materialises the forked LLVM tree of
# the current patch series, builds the fork's tools (ccache makes a rebuild
# minutes), and configures and builds the project (build/) with them.
# Writes build/fork.env (LLVM_TREE, LLVM_BIN) for the other scripts.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

bash "$ROOT/scripts/install-deps.sh"
TREE="$(bash "$ROOT/llvm/scripts/materialize.sh")"
mkdir -p "$ROOT/build"
LOG="$ROOT/build/fork-build.log"
echo "setup: building the fork in $TREE/build (about 50 min cold, seconds warm; log: $LOG)" >&2
# Full log to $LOG, every 200th line (ninja's progress) to the terminal.
if ! bash "$ROOT/llvm/scripts/build.sh" "$TREE" 2>&1 | tee "$LOG" |
     awk 'NR % 200 == 0 { print "setup: " substr($0, 1, 100); fflush() }' >&2; then
  echo "setup: the fork's build failed; the end of $LOG:" >&2
  tail -n 60 "$LOG" >&2
  exit 1
fi

cat > "$ROOT/build/fork.env" <<ENV
LLVM_TREE=$TREE
LLVM_BIN=$TREE/build/bin
ENV
cmake -S "$ROOT" -B "$ROOT/build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19 \
  -DCMAKE_ASM_COMPILER=clang-19 -DSWAPSTACK_LLVM_BIN="$TREE/build/bin" >/dev/null
ninja -C "$ROOT/build"
# The runtime and its tests for AArch64 (run under qemu-aarch64).
cmake -S "$ROOT" -B "$ROOT/build/aarch64" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_TOOLCHAIN_FILE="$ROOT/cmake/aarch64-linux-gnu.cmake" \
  -DSWAPSTACK_RUNTIME_ONLY=ON -DSWAPSTACK_LLVM_BIN="$TREE/build/bin" >/dev/null
ninja -C "$ROOT/build/aarch64"
