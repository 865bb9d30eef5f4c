#!/usr/bin/env bash
# Usage: llvm/scripts/materialize.sh [TREE]
#
# Materialises the forked LLVM tree: fetches LLVM 19.1.7 from Debian's
# llvm-toolchain-19 source package through apt (once; deb-src entries are
# derived from the machine's own apt sources by scripts/install-deps.sh),
# verifies the tarball's sha256, unpacks the parts the build needs, makes the
# result a git repository whose first commit is pristine 19.1.7 (tagged
# pristine-19.1.7) and applies llvm/patches/*.patch with `git am`, in order.
# TREE defaults to $SWAPSTACK_HOME/trees/<hash of the series>; an existing,
# complete tree for the same series is reused. Prints the tree's path.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

TREE="${1:-$(tree_dir)}"
if [ -f "$TREE/.materialized" ]; then
  # Reuse it only if its commits are exactly the series and nothing is
  # modified (a tree may be a developer's working tree, see export-patches.sh).
  if [ -z "$(git -C "$TREE" status --porcelain --untracked-files=no)" ] &&
     [ "$(tree_key "$TREE")" = "$(series_key)" ]; then
    echo "$TREE"
    exit 0
  fi
  [ $# -eq 0 ] || die "$TREE exists but does not hold the current series"
  # Never delete work: a tree with uncommitted changes, or the developer's
  # tree, is left alone.
  [ -z "$(git -C "$TREE" status --porcelain --untracked-files=no)" ] ||
    die "$TREE has uncommitted changes (a developer's working tree?); commit and export them (llvm/scripts/export-patches.sh), or remove the tree by hand"
  [ "$(readlink -f "$SWAPSTACK_HOME/trees/dev")" != "$(readlink -f "$TREE")" ] ||
    die "$TREE is the developer's tree (trees/dev) but does not hold the current series; export its commits (llvm/scripts/export-patches.sh)"
  echo "materialize: $TREE does not hold the current series; recreating it" >&2
  rm -rf "$TREE"
fi

verify() {
  [ -f "$DOWNLOAD_DIR/$LLVM_ORIG_TARBALL" ] &&
    echo "$LLVM_ORIG_SHA256  $DOWNLOAD_DIR/$LLVM_ORIG_TARBALL" | sha256sum -c --quiet - 2>/dev/null
}

if ! verify; then
  mkdir -p "$DOWNLOAD_DIR"
  echo "materialize: downloading $LLVM_DEB_SOURCE=$LLVM_DEB_VERSION (source package)" >&2
  rm -f "$DOWNLOAD_DIR/$LLVM_ORIG_TARBALL"
  (cd "$DOWNLOAD_DIR" &&
    apt-get source --download-only "$LLVM_DEB_SOURCE=$LLVM_DEB_VERSION") >&2 ||
    die "could not download the source package $LLVM_DEB_SOURCE=$LLVM_DEB_VERSION; are deb-src entries configured? (run scripts/install-deps.sh)"
  [ -f "$DOWNLOAD_DIR/$LLVM_ORIG_TARBALL" ] ||
    die "the source package has no $LLVM_ORIG_TARBALL"
  verify || die "checksum mismatch for $DOWNLOAD_DIR/$LLVM_ORIG_TARBALL: expected sha256 $LLVM_ORIG_SHA256, got $(sha256sum "$DOWNLOAD_DIR/$LLVM_ORIG_TARBALL" | cut -d' ' -f1)"
fi

PARTIAL="$TREE.partial"
rm -rf "$PARTIAL"
mkdir -p "$PARTIAL"
echo "materialize: unpacking into $TREE" >&2
tar -xJf "$DOWNLOAD_DIR/$LLVM_ORIG_TARBALL" -C "$PARTIAL" --strip-components=1 \
  "${LLVM_PARTS[@]/#/$LLVM_ORIG_TOPDIR/}" || die "could not unpack $LLVM_ORIG_TARBALL"

cd "$PARTIAL"
git init -q -b main
git config user.name "Swapstack Team"
git config user.email "team@swapstack.invalid"
git config core.autocrlf false
printf "/build/\n/.materialized\n" >> .git/info/exclude
git add -A >/dev/null
GIT_AUTHOR_DATE="2025-01-14T00:00:00Z" GIT_COMMITTER_DATE="2025-01-14T00:00:00Z" \
  git commit -qm "LLVM 19.1.7 (pristine, from Debian $LLVM_ORIG_TARBALL)"
git tag pristine-19.1.7

shopt -s nullglob
patches=("$PATCH_DIR"/*.patch)
shopt -u nullglob
for p in "${patches[@]}"; do
  if ! git am -q --keep-non-patch "$p" >&2; then
    git am --abort >/dev/null 2>&1 || true
    die "patch $(basename "$p") does not apply onto pristine 19.1.7 (plus the patches before it)"
  fi
done
echo "materialize: applied ${#patches[@]} patches" >&2

cd /
mv "$PARTIAL" "$TREE"
touch "$TREE/.materialized"
echo "$TREE"
