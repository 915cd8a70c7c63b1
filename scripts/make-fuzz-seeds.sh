#!/usr/bin/env bash
# Writes fuzz seeds into OUT/<target>/ for every target in fuzz/ (framings: fuzz/fuzz_common.h):
# the real Pinot segments vendored in tests/data/pinot (v1 and v3 layouts, and their tarballs as
# they are) and every segment of the sample test matrix. Usage: make-fuzz-seeds.sh OUT [BUILD_DIR]
# (BUILD_DIR: the fuzz build holding fuzz/make_fuzz_seed; default build-fuzz).
set -euo pipefail
cd "$(dirname "$0")/.."
out=$1
build=${2:-build-fuzz}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fixtures=tests/data/pinot
dirs=()
for t in legacyRawInverted_OFFLINE_0.v1 legacyRawInverted_OFFLINE_0.v3; do
  mkdir -p "$tmp/x"
  tar xzf "$fixtures/$t.tar.gz" -C "$tmp/x"
  mv "$tmp"/x/* "$tmp/$t"  # the tarball's one top directory, renamed to name the seeds
  dirs+=("$tmp/$t")
done
"$build/fuzz/make_fuzz_seed" seeds "$out" "${dirs[@]}"
mkdir -p "$out/tarball_fuzz"
cp "$fixtures"/legacyRawInverted_OFFLINE_0.v*.tar.gz "$out/tarball_fuzz/"
