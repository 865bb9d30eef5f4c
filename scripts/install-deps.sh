#!/usr/bin/env bash
# Installs (idempotently) every Debian package the project needs, and adds
# deb-src entries derived from the machine's own apt sources so that
# `apt-get source` can fetch LLVM.  Safe to run repeatedly; fast when done.
# With --bench, also the peers that only the benchmarks run (Java 17 for
# benchmarks/gc; Go, Boehm GC and Boost are test dependencies already).
set -euo pipefail

PKGS=(clang-19 lld-19 llvm-19-tools ninja-build ccache cmake python3 xz-utils
      dpkg-dev git qemu-user libc6-dev-arm64-cross gcc-aarch64-linux-gnu
      libboost-context-dev libboost-fiber-dev golang-go libgc-dev valgrind
      libgtest-dev binutils-aarch64-linux-gnu libstdc++-12-dev-arm64-cross
      libclang-rt-19-dev)
if [ "${1:-}" = --bench ]; then
  PKGS+=(openjdk-17-jdk-headless)
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

ensure_deb_src() {
  local src=/etc/apt/sources.list.d/debian.sources
  local out=/etc/apt/sources.list.d/project-deb-src.sources
  [ -f "$out" ] && return 0
  if [ -f "$src" ]; then
    # deb822 stanzas: copy each "Types: deb" stanza as "Types: deb-src".
    sed -e 's/^Types: deb$/Types: deb-src/' "$src" | $SUDO tee "$out" >/dev/null
  elif [ -f /etc/apt/sources.list ]; then
    grep -E '^deb ' /etc/apt/sources.list | sed 's/^deb /deb-src /' |
      $SUDO tee /etc/apt/sources.list.d/project-deb-src.list >/dev/null
    $SUDO touch "$out"
  else
    echo "install-deps: no apt sources file found to derive deb-src entries from" >&2
    exit 1
  fi
  NEED_UPDATE=1
}

NEED_UPDATE=0
ensure_deb_src
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ] || [ "$NEED_UPDATE" = 1 ]; then
  $SUDO apt-get update -q
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
