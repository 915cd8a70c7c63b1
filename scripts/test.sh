#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test:
#   1. bounded libFuzzer runs over the segment reader and converter (clang, ASan+UBSan, UBSan
#      fatal; fail on any finding, printing libFuzzer's report);
#   2. the unit and end-to-end tests built with ASan+UBSan (gcc);
#   3. the unit and end-to-end tests of the release build (ctest; its summary closes the output).
# FUZZ_SECONDS (default 60) bounds step 1; SKIP_SANITIZERS=1 skips steps 1 and 2.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh

if [ "${SKIP_SANITIZERS:-0}" != "1" ]; then
  # Each fuzz target (fuzz/fuzz_common.h) runs FUZZ_SECONDS / 4 from the committed corpus
  # (fuzz/corpus/<target>) and freshly generated seeds; UBSan reports are fatal in this build. A
  # finding prints libFuzzer's whole report, keeps the input in build-fuzz/artifacts/ and fails.
  fuzz_targets=(segment_v3_fuzz segment_v1_fuzz tarball_fuzz convert_fuzz)
  fuzz_each=$(( ${FUZZ_SECONDS:-60} / ${#fuzz_targets[@]} )); [ "$fuzz_each" -ge 1 ] || fuzz_each=1
  echo "== fuzz: ${fuzz_targets[*]} (${fuzz_each}s each)"
  CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DPE_FUZZ=ON -DPE_TESTS=OFF -DPE_BENCH=OFF \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build build-fuzz -j"$(nproc)" --target fuzz_targets
  fuzz_work=$(mktemp -d)
  trap 'rm -rf "$fuzz_work"' EXIT
  scripts/make-fuzz-seeds.sh "$fuzz_work/seeds" build-fuzz
  mkdir -p build-fuzz/artifacts
  for t in "${fuzz_targets[@]}"; do
    mkdir -p "$fuzz_work/new/$t" "$fuzz_work/seeds/$t"
    if ! ./build-fuzz/fuzz/$t -max_total_time="$fuzz_each" -rss_limit_mb=2048 -timeout=20 \
        -max_len=1048576 -print_final_stats=1 -artifact_prefix="build-fuzz/artifacts/$t-" \
        "$fuzz_work/new/$t" "fuzz/corpus/$t" "$fuzz_work/seeds/$t" >"$fuzz_work/$t.log" 2>&1; then
      cat "$fuzz_work/$t.log"
      echo "fuzz: $t found a bug; the input is in build-fuzz/artifacts/ (see fuzz/README.md)"
      exit 1
    fi
    grep -E '^(#[0-9]+[[:space:]]+DONE|stat::number_of_executed_units)' "$fuzz_work/$t.log" |
      sed "s/^/$t: /"
  done

  echo "== unit tests under ASan+UBSan"
  # -O1 keeps sanitized runs quick. Tests labelled "slow" in tests/CMakeLists.txt (the wide
  # reader-comparison sweeps) run in the release pass only: their C++ paths are the ones the
  # smaller sanitized convert/writer tests already drive.
  cmake -S . -B build-asan -G Ninja -DPE_SANITIZE=ON -DPE_WERROR=ON -DPE_BENCH=OFF \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" >/dev/null
  cmake --build build-asan -j"$(nproc)"
  (cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --output-on-failure -j2 -LE slow)
fi

echo "== tests (release build)"
(cd build && ctest --output-on-failure -j2)
