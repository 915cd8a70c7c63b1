#!/usr/bin/env bash
# Cluster mode's per-segment coordination calls alone (bench/zk_store_bench.cc, Google Benchmark)
# against a local ZooKeeper started in a temp dir (bench/zk_server.sh); bench/fleet.sh runs the
# same after its fleet runs. Not a test.
# Usage: bench/zk_store.sh [CHECKPOINTS=10000] [Google Benchmark flags...]; BUILD=<build dir>
# (default build, configured with -DPE_BENCH=ON and libbenchmark-dev installed).
set -euo pipefail
cd "$(dirname "$0")/.."
CHECKPOINTS=${1:-10000}
shift || true
BUILD=${BUILD:-build}
[ -x "$BUILD/bench/zk_store_bench" ] || cmake --build "$BUILD" --target zk_store_bench >/dev/null
WORK=$(mktemp -d /tmp/pinot-export-zk-store-bench.XXXXXX)
source bench/zk_server.sh
trap 'zk_stop; rm -rf "$WORK"' EXIT
zk_start "$WORK"
"$BUILD/bench/zk_store_bench" --zk "$ZK_HOSTS" --checkpoints "$CHECKPOINTS" \
  --benchmark_min_time=2 "$@"
