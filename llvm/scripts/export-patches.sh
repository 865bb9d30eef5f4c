#!/usr/bin/env bash
# Usage: llvm/scripts/export-patches.sh [TREE]
#
# Exports the commits of an LLVM tree made by materialize.sh (everything after
# the tag pristine-19.1.7) into llvm/patches/ as a `git format-patch` series,
# replacing the series there. The output is stable: re-exporting the same
# commits gives the same files, so the series hash (the tree key) is stable.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

TREE="${1:-$SWAPSTACK_HOME/trees/dev}"
git -C "$TREE" rev-parse -q --verify pristine-19.1.7 >/dev/null ||
  die "$TREE is not a tree made by materialize.sh (no tag pristine-19.1.7)"
[ -z "$(git -C "$TREE" status --porcelain --untracked-files=no)" ] ||
  die "$TREE has uncommitted changes; commit them first"

mkdir -p "$PATCH_DIR"
rm -f "$PATCH_DIR"/*.patch
git -C "$TREE" format-patch -q --zero-commit --no-signature --no-stat \
  --abbrev=12 --full-index -o "$PATCH_DIR" pristine-19.1.7..HEAD
ls "$PATCH_DIR"
KEY="$(series_key)"
echo "series key: $KEY"
# The exported tree holds exactly this series: let materialize.sh (and so CI
# on this machine) reuse it, and its build, under the series' key.
touch "$TREE/.materialized"
LINK="$SWAPSTACK_HOME/trees/$KEY"
if [ ! -e "$LINK" ] || [ -L "$LINK" ]; then
  ln -sfn "$TREE" "$LINK"
  echo "linked $LINK -> $TREE"
fi
