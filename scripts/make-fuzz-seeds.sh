#!/usr/bin/env bash
# Writes fuzz seeds (segment_fuzz framing) into DIR: the small real segment vendored in tests/data/pinot and
# the project's own sample segments (every format the fixture writer produces).
set -euo pipefail
cd "$(dirname "$0")/.."
out=$1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fixtures=tests/data/pinot
if [ -f "$fixtures/legacyRawInverted_OFFLINE_0.v3.tar.gz" ]; then
  tar xzf "$fixtures/legacyRawInverted_OFFLINE_0.v3.tar.gz" -C "$tmp"
  ./build-fuzz/fuzz/make_fuzz_seed "$tmp/legacyRawInverted_OFFLINE_0/v3" "$out/legacy"
fi
if ./build/pinot-export --help 2>/dev/null | grep -qE "^ +sample"; then
  ./build/pinot-export sample --matrix --rows 200 --out "$tmp/matrix" >/dev/null
  for d in "$tmp"/matrix/*/v3; do
    [ -d "$d" ] && ./build-fuzz/fuzz/make_fuzz_seed "$d" "$out/$(basename "$(dirname "$d")")"
  done
fi
ls "$out" | wc -l | xargs echo "fuzz seeds:"
