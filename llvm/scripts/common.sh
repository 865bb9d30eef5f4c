# Shared settings for the fork's scripts. Sourced, not run.
#
# Everything big lives outside the clone, at fixed paths, so that a fresh
# clone on the same machine (CI) reuses it:
#   $SWAPSTACK_HOME/download/         the Debian source package (verified)
#   $SWAPSTACK_HOME/ccache/           the compiler cache, shared by all trees
#   $SWAPSTACK_HOME/trees/<key>/      an unpacked, patched LLVM git tree, with
#                                     its build directory at <key>/build
# <key> is the hash of the patch series, so a tree matches one series exactly.
# Each build directory sits at the same place relative to its sources, and
# ccache's base_dir is $SWAPSTACK_HOME, so trees share cache hits.

set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PATCH_DIR="$REPO_ROOT/llvm/patches"
SWAPSTACK_HOME="${SWAPSTACK_HOME:-$HOME/.cache/swapstack-llvm}"
DOWNLOAD_DIR="$SWAPSTACK_HOME/download"
export CCACHE_DIR="$SWAPSTACK_HOME/ccache"

LLVM_DEB_SOURCE=llvm-toolchain-19
LLVM_DEB_VERSION=1:19.1.7-3~deb12u1
LLVM_ORIG_TARBALL=llvm-toolchain-19_19.1.7.orig.tar.xz
LLVM_ORIG_SHA256=ae498f3bc58ae2d9f64ef5f0c035c4240152bf015a5b7738b15c22e93bdc97ce
LLVM_ORIG_TOPDIR=llvm-toolchain-19_19.1.7
# Parts of the monorepo the build needs.
LLVM_PARTS=(llvm cmake third-party)

# Tools the project and the lit suites use.
LLVM_TOOLS=(llc opt llvm-as llvm-dis llvm-mc llvm-objdump llvm-readobj
            llvm-readelf llvm-dwarfdump llvm-bcanalyzer llvm-link llvm-nm
            llvm-objcopy llvm-strip llvm-ar llvm-config llvm-cxxfilt llvm-size
            verify-uselistorder llvm-extract llvm-cat llvm-modextract llvm-split
            llvm-lto llvm-lto2 llvm-profdata llvm-stress
            FileCheck not count split-file yaml2obj)

die() { echo "error: $*" >&2; exit 1; }

series_key() {
  # Hash of the ordered patch series (empty series = pristine).
  local files=()
  shopt -s nullglob
  files=("$PATCH_DIR"/*.patch)
  shopt -u nullglob
  if [ ${#files[@]} -eq 0 ]; then
    echo pristine
  else
    cat "${files[@]}" | sha256sum | cut -c1-16
  fi
}

tree_dir() { echo "$SWAPSTACK_HOME/trees/$(series_key)"; }

# The series key of the commits in TREE after pristine-19.1.7, computed the
# way export-patches.sh writes them.
tree_key() {
  local tree="$1" tmp
  tmp="$(mktemp -d)"
  git -C "$tree" format-patch -q --zero-commit --no-signature --no-stat \
    --abbrev=12 --full-index -o "$tmp" pristine-19.1.7..HEAD
  if [ -z "$(ls -A "$tmp")" ]; then
    echo pristine
  else
    cat "$tmp"/*.patch | sha256sum | cut -c1-16
  fi
  rm -rf "$tmp"
}

ensure_ccache_conf() {
  mkdir -p "$CCACHE_DIR"
  cat > "$CCACHE_DIR/ccache.conf" <<CONF
max_size = 25G
base_dir = $SWAPSTACK_HOME
compiler_check = content
CONF
}
