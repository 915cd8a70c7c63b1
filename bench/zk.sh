#!/usr/bin/env bash
# Cluster mode's metadata read against a local ZooKeeper (issue 10's benchmark; not a timed test):
# starts Debian's ZooKeeper on a free loopback port in a temp dir (bench/zk_server.sh),
# writes SEGMENTS segment records + the ideal state as Pinot does, and times
# ZkSegmentSource::ListSegments + PlanCycle (bench/zk_bench.cc). Target: 10,000 records in <= 1 s.
# Usage: bench/zk.sh [SEGMENTS=10000] [REPEAT=5]; BUILD=<build dir> (default build).
set -euo pipefail
cd "$(dirname "$0")/.."
SEGMENTS=${1:-10000}
REPEAT=${2:-5}
BUILD=${BUILD:-build}
[ -x "$BUILD/bench/zk_bench" ] || cmake --build "$BUILD" --target zk_bench >/dev/null
WORK=$(mktemp -d /tmp/pinot-export-zk-bench.XXXXXX)
source bench/zk_server.sh
trap 'zk_stop; rm -rf "$WORK"' EXIT
zk_start "$WORK"
stdbuf -oL "$BUILD/bench/zk_bench" --zk "$ZK_HOSTS" --segments "$SEGMENTS" --repeat "$REPEAT"
