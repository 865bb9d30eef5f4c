#!/usr/bin/env bash
# Usage: llvm/scripts/build.sh [TREE] [ninja targets...]
# Configures (once) and builds the fork's tools in TREE/build. TREE defaults
# to the tree of the current patch series (see materialize.sh).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

TREE="${1:-$(tree_dir)}"
[ $# -gt 0 ] && shift
[ -d "$TREE/llvm" ] || die "no LLVM tree at $TREE (run llvm/scripts/materialize.sh first)"
BUILD="$TREE/build"
ensure_ccache_conf

if [ ! -f "$BUILD/build.ninja" ]; then
  cmake -S "$TREE/llvm" -B "$BUILD" -G Ninja \
    -DCMAKE_BUILD_TYPE=Release \
    -DLLVM_ENABLE_ASSERTIONS=ON \
    -DLLVM_TARGETS_TO_BUILD="X86;AArch64" \
    -DLLVM_ENABLE_PROJECTS= \
    -DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19 \
    -DLLVM_USE_LINKER=lld \
    -DCMAKE_C_COMPILER_LAUNCHER="env;CCACHE_DIR=$CCACHE_DIR;ccache" \
    -DCMAKE_CXX_COMPILER_LAUNCHER="env;CCACHE_DIR=$CCACHE_DIR;ccache" \
    -DLLVM_INCLUDE_BENCHMARKS=OFF -DLLVM_INCLUDE_EXAMPLES=OFF \
    -DLLVM_INCLUDE_DOCS=OFF -DLLVM_ENABLE_BINDINGS=OFF \
    -DLLVM_ENABLE_ZLIB=OFF -DLLVM_ENABLE_ZSTD=OFF -DLLVM_ENABLE_LIBXML2=OFF \
    -DLLVM_ENABLE_TERMINFO=OFF -DLLVM_BUILD_LLVM_DYLIB=OFF \
    -DLLVM_PARALLEL_LINK_JOBS=1 \
    -DLLVM_LIT_ARGS="-sv --no-progress-bar"
fi

if [ $# -eq 0 ]; then
  set -- "${LLVM_TOOLS[@]}"
fi
ninja -C "$BUILD" ${NINJA_FLAGS:-} "$@"
