#!/usr/bin/env bash
# Cluster mode's fleet throughput (issue 10's benchmark; not a test, CI does not run it):
#   1. writes SEGMENTS `sample --demo --rows ROWS` segments into a local deep store (once, cached
#      in CACHE=/tmp/pinot-export-fleet-bench; LLC names 4 partitions, one a minute, 3 days old,
#      so every end time is older than the table's bufferTimePeriod of 1d);
#   2. starts a local ZooKeeper (bench/zk_server.sh) and, per measured setup, writes Pinot's
#      records of events_REALTIME into a cluster of its own (bench/fleet_setup.cc write: table
#      config with DataExportTask every second and no task cap, DONE segment records, ideal state);
#   3. baseline: `run --once --zk ... --state <SQLite file> --executors 1` — metadata from
#      ZooKeeper, state in SQLite, so no ZooKeeper coordination; then for W in 1 2 3: one
#      `--role generator` and W `--role worker --executors 1` processes, timed from their start
#      until all SEGMENTS checkpoints are in ZooKeeper (fleet_setup wait polls every 100 ms), then
#      stopped with SIGTERM;
#   4. prints a Markdown table. "export span" is first subtask start .. last checkpoint (from the
#      checkpoints' completedMs - durationMs), without process start-up, election and the first
#      cron tick; "idle ms/segment" = (span x executors - sum of subtask durations) / SEGMENTS:
#      the time an executor spends not exporting (claims, checkpoints, waiting for work).
# Usage: bench/fleet.sh [SEGMENTS=60] [ROWS=200000]; BUILD=<build dir> (default build),
# REPEAT=<runs of every setup> (default 1). Also runs bench/zk_store_bench (Google Benchmark,
# the coordination calls alone) when it is built, unless STORE_BENCH=0.
set -euo pipefail
cd "$(dirname "$0")/.."
SEGMENTS=${1:-60}
ROWS=${2:-200000}
BUILD=${BUILD:-build}
REPEAT=${REPEAT:-1}
CACHE=${CACHE:-/tmp/pinot-export-fleet-bench}
BIN=$BUILD/pinot-export
SETUP=$BUILD/bench/fleet_setup
TABLE=events_REALTIME
[ -x "$BIN" ] || cmake --build "$BUILD" --target pinot-export >/dev/null
[ -x "$SETUP" ] || cmake --build "$BUILD" --target fleet_setup >/dev/null

WORK=$(mktemp -d /tmp/pinot-export-fleet.XXXXXX)
PIDS=()
source bench/zk_server.sh
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  zk_stop
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- 1. the segments (cached: writing them is not what is measured) ----
DEEP="$CACHE/deepstore-$SEGMENTS-$ROWS/events"
if [ ! -f "$DEEP/.complete" ]; then
  rm -rf "$DEEP" && mkdir -p "$DEEP"
  echo "== writing $SEGMENTS segments of $ROWS rows into $DEEP"
  base=$(( $(date +%s) / 60 * 60 - 3 * 86400 ))
  for i in $(seq 0 $((SEGMENTS - 1))); do
    echo "events__$((i % 4))__$((i / 4))__$(date -u -d "@$((base + i * 60))" +%Y%m%dT%H%MZ)"
  done > "$WORK/names"
  xargs -P 4 -I{} "$BIN" sample --demo --rows "$ROWS" --out "$DEEP/{}" < "$WORK/names" >/dev/null &
  PIDS=($!)
  wait "${PIDS[0]}"
  PIDS=()
  [ "$(ls "$DEEP" | wc -l)" -eq "$SEGMENTS" ] || { echo "sample wrote too few segments" >&2; exit 1; }
  touch "$DEEP/.complete"
fi

zk_start "$WORK/zk"
now() { date +%s.%N; }
load() { cut -d' ' -f1 /proc/loadavg; }
TICK=$(getconf CLK_TCK)
cpu_of() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }  # user + system ticks of a live process
busy() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }  # all cores, not idle

# ---- 2./3. the runs ----
# setup workers wall_s count first_ms last_ms sum_ms load pinot-export_cpu_s zk_cpu_s others_cpu_s
RESULTS="$WORK/results.txt"
: > "$RESULTS"
run_setup() {  # run_setup NAME WORKERS
  local name=$1 w=$2 cluster out t0 t1 l ours=0 zk0 zk1 b0 b1 p
  cluster="${name}_$RANDOM$RANDOM"
  out="$WORK/out-$cluster"
  mkdir -p "$out"
  "$SETUP" write --zk "$ZK_HOSTS" --cluster "$cluster" --deep-store "$DEEP" --out "$out" \
    --rows "$ROWS"
  l=$(load)
  if [ "$w" = 0 ]; then  # the SQLite baseline: one process, one executor, one cycle
    zk0=$(cpu_of "$ZK_PID"); b0=$(busy); t0=$(now)
    /usr/bin/time -f "%U %S" -o "$WORK/$cluster.time" \
      "$BIN" run --once --zk "$ZK_HOSTS" --cluster "$cluster" --table "$TABLE" \
      --state "$WORK/$cluster.db" --executors 1 > "$WORK/$cluster.log" 2>&1 ||
      { cat "$WORK/$cluster.log" >&2; exit 1; }
    t1=$(now); zk1=$(cpu_of "$ZK_PID"); b1=$(busy)
    ours=$(awk -v t="$TICK" '{ printf "%d", ($1 + $2) * t + 0.5 }' "$WORK/$cluster.time")
    span=$("$SETUP" span --state "$WORK/$cluster.db")
    w=1
  else
    local args=(run --zk "$ZK_HOSTS" --cluster "$cluster" --table "$TABLE" --port 0
                --zk-session-timeout 10000 --executors 1)
    PIDS=()
    zk0=$(cpu_of "$ZK_PID"); b0=$(busy); t0=$(now)
    "$BIN" "${args[@]}" --role generator > "$WORK/$cluster.gen.log" 2>&1 &
    PIDS+=($!)
    for k in $(seq 1 "$w"); do
      "$BIN" "${args[@]}" --role worker > "$WORK/$cluster.w$k.log" 2>&1 &
      PIDS+=($!)
    done
    "$SETUP" wait --zk "$ZK_HOSTS" --cluster "$cluster" --count "$SEGMENTS" --timeout-s 3600 ||
      { tail -n 20 "$WORK/$cluster".*.log >&2; exit 1; }
    t1=$(now); zk1=$(cpu_of "$ZK_PID"); b1=$(busy)
    for p in "${PIDS[@]}"; do ours=$((ours + $(cpu_of "$p"))); done
    for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do
      wait "$p" || { echo "a fleet process of $cluster exited $?" >&2; tail -n 20 "$WORK/$cluster".*.log >&2; }
    done
    PIDS=()
    span=$("$SETUP" span --zk "$ZK_HOSTS" --cluster "$cluster")
  fi
  local zkcpu others
  zkcpu=$((zk1 - zk0))
  others=$((b1 - b0 - ours - zkcpu))  # (the poller and the baseline's wait included)
  local files
  files=$(find "$out" -name '*.parquet' | wc -l)
  [ "$files" -eq "$SEGMENTS" ] || { echo "$cluster: $files Parquet files, want $SEGMENTS" >&2; exit 1; }
  echo "$name $w $(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }') $span $l" \
    "$(awk -v t="$TICK" -v a="$ours" -v z="$zkcpu" -v o="$others" 'BEGIN { print a / t, z / t, o / t }')" \
    >> "$RESULTS"
  rm -rf "$out"
}
for r in $(seq 1 "$REPEAT"); do
  echo "== run $r of $REPEAT (load average $(load))"
  run_setup baseline 0
  for w in 1 2 3; do run_setup fleet "$w"; done
done

# ---- 4. the table ----
echo
echo "$SEGMENTS segments x $ROWS rows, $(nproc) cores; every worker --executors 1"
echo
awk -v n="$SEGMENTS" -v rows="$ROWS" '
  { name[NR] = $1; w[NR] = $2; wall[NR] = $3; first[NR] = $5; last[NR] = $6; sum[NR] = $7;
    ld[NR] = $8; pe[NR] = $9; zk[NR] = $10; oth[NR] = $11; if ($1 == "fleet" && $2 == 1) one[int((NR - 1) / 4)] = $3 }
  END {
    print "| setup | workers | wall s | segments/s | rows/s | speed-up vs 1 worker | export span s | mean subtask ms | idle ms/segment | CPU s: pinot-export / ZooKeeper / rest of the machine | load avg at start |"
    print "|---|---|---|---|---|---|---|---|---|---|---|"
    for (i = 1; i <= NR; ++i) {
      span = (last[i] - first[i]) / 1000
      label = name[i] == "baseline" ? "`run --once`, SQLite state" : "ZooKeeper fleet"
      up = one[int((i - 1) / 4)] > 0 ? sprintf("%.2fx", one[int((i - 1) / 4)] / wall[i]) : "-"
      printf "| %s | %d | %.1f | %.2f | %.2f M | %s | %.1f | %.0f | %.1f | %.1f / %.1f / %.1f | %s |\n", label, w[i],
        wall[i], n / wall[i], n * rows / wall[i] / 1e6, name[i] == "baseline" ? "-" : up, span,
        sum[i] / n, (span * 1000 * w[i] - sum[i]) / n, pe[i], zk[i], oth[i], ld[i]
    }
    for (r = 0; r * 4 < NR; ++r) {
      b = r * 4 + 1; f = b + 1
      printf "\nrun %d: 1 ZooKeeper worker vs the SQLite baseline: %+.1f ms a segment of wall time (start-up included), %+.1f ms a segment of executor idle time\n",
        r + 1, (wall[f] - wall[b]) * 1000 / n,
        ((last[f] - first[f]) - sum[f] - ((last[b] - first[b]) - sum[b])) / n
    }
  }' "$RESULTS"

# ---- the coordination calls alone ----
if [ "${STORE_BENCH:-1}" != 0 ] && [ -x "$BUILD/bench/zk_store_bench" ]; then
  echo
  echo "== zk_store_bench (state::ZkStateStore against the same ZooKeeper)"
  "$BUILD/bench/zk_store_bench" --zk "$ZK_HOSTS" --checkpoints 10000 --benchmark_min_time=2
fi
