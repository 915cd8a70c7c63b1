#!/usr/bin/env bash
# Cluster mode's metadata read against a local ZooKeeper (issue 10's benchmark; not a timed test):
# starts Debian's ZooKeeper (scripts/setup.sh installs it) on a free loopback port in a temp dir,
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
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat > "$WORK/zoo.cfg" <<CFG
tickTime=2000
dataDir=$WORK/data
clientPort=$PORT
clientPortAddress=127.0.0.1
maxClientCnxns=0
admin.enableServer=false
4lw.commands.whitelist=ruok
CFG
java -Xmx1g -cp /usr/share/java/zookeeper.jar org.apache.zookeeper.server.ZooKeeperServerMain \
  "$WORK/zoo.cfg" > "$WORK/server.log" 2>&1 &
ZK=$!
trap 'kill $ZK 2>/dev/null; wait $ZK 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 1 200); do
  if { exec 3<>"/dev/tcp/127.0.0.1/$PORT" && printf ruok >&3 && [ "$(cat <&3)" = imok ]; } 2>/dev/null; then
    break
  fi
  sleep 0.1
done
echo "== ZooKeeper $(dpkg-query -W -f='${Version}' zookeeper 2>/dev/null) on 127.0.0.1:$PORT"
stdbuf -oL "$BUILD/bench/zk_bench" --zk "127.0.0.1:$PORT" --segments "$SEGMENTS" --repeat "$REPEAT"
