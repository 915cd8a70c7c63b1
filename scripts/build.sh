#!/usr/bin/env bash
# Configures and builds into ./build (Release with debug info), warnings in the project's own code
# as errors (PE_WERROR; pass -DPE_WERROR=OFF to build with a compiler that warns differently).
# Extra args go to cmake.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPE_WERROR=ON "$@" >/dev/null
cmake --build build -j"$(nproc)"
