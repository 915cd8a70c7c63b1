#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test:
#   1. a bounded libFuzzer run over the segment reader (clang, ASan+UBSan; fails on any crash);
#   2. the unit and end-to-end tests built with ASan+UBSan (gcc);
#   3. the unit and end-to-end tests of the release build (ctest; its summary closes the output).
# FUZZ_SECONDS (default 60) bounds step 1; SKIP_SANITIZERS=1 skips steps 1 and 2.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh

if [ "${SKIP_SANITIZERS:-0}" != "1" ]; then
  echo "== fuzz: segment reader (${FUZZ_SECONDS:-60}s)"
  CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DPE_FUZZ=ON -DPE_TESTS=OFF -DPE_BENCH=OFF \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build build-fuzz -j"$(nproc)" --target segment_fuzz make_fuzz_seed
  seeds=$(mktemp -d); corpus=$(mktemp -d)
  trap 'rm -rf "$seeds" "$corpus"' EXIT
  scripts/make-fuzz-seeds.sh "$seeds"
  ./build-fuzz/fuzz/segment_fuzz -max_total_time="${FUZZ_SECONDS:-60}" -rss_limit_mb=2048 \
    -timeout=20 -print_final_stats=1 "$corpus" "$seeds" 2>&1 | tail -n 3

  echo "== unit tests under ASan+UBSan"
  # -O1 keeps sanitized runs quick. The wide reader-comparison sweeps (every matrix segment and
  # every baseball variant read back by DuckDB and hyparquet) run in the release pass only: their
  # C++ paths are the ones the smaller sanitized convert/writer tests already drive.
  cmake -S . -B build-asan -G Ninja -DPE_SANITIZE=ON -DPE_BENCH=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" >/dev/null
  cmake --build build-asan -j"$(nproc)"
  (cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --output-on-failure -j2 \
      -E 'Benchmark|Matrix\.EverySegmentEveryReader|Matrix\.DictionarySegmentUnderEveryVariant|BaseballVariants')
fi

echo "== tests (release build)"
(cd build && ctest --output-on-failure -j2)
