#!/usr/bin/env bash
# DataExportTask benchmark (issue 8; not a timed test). Two measurements:
#   (a) generator cycle over SEGMENTS small segments in a local deep store (bench/task_bench.cc,
#       task::Service::ScheduleNow in-process): one cold cycle (every segment's metadata read and
#       cached in the SQLite state), then warm cycles (metadata from the cache), first with nothing
#       exported yet, then in the steady state where all but 10 segments are checkpointed.
#       Target: a warm cycle <= 1 s at 10,000 segments.
#   (b) BIG segments of BIG_ROWS rows (the `dict` benchmark profile, renamed to LLC names) exported
#       by `pinot-export run --once --executors 1`, against the summed wall time of one
#       `pinot-export convert` per segment on the same tarballs (target: within 10 %), and by
#       `run --once --executors 2` (one executor per core on the 2-core build machine).
# Segments are written once with the sample library (kept in WORKDIR between runs).
# Usage: bench/task.sh [SEGMENTS=10000] [BIG=100] [BIG_ROWS=500000] [WORKDIR=/tmp/pinot-export-task-bench]
#        BUILD=<build dir> (default build) picks the binaries.
set -euo pipefail
cd "$(dirname "$0")/.."
SEGMENTS=${1:-10000}
BIG=${2:-100}
BIG_ROWS=${3:-500000}
WORK=${4:-/tmp/pinot-export-task-bench}
BUILD=${BUILD:-build}
BIN=$BUILD/pinot-export
TB=$BUILD/bench/task_bench
if [ ! -x "$BIN" ] || [ ! -x "$TB" ]; then
  [ -x "$BIN" ] || bash scripts/build.sh >/dev/null
  cmake --build "$BUILD" --target task_bench pinot-export >/dev/null
fi
mkdir -p "$WORK"
# The sample writer fsyncs each file: write segments on a tmpfs when there is one.
SCRATCH=/dev/shm
[ -d "$SCRATCH" ] && [ -w "$SCRATCH" ] || SCRATCH="$WORK"

echo "== (a) generator cycle over $SEGMENTS segments"
"$TB" write --deep-store "$WORK/small" --segments "$SEGMENTS" --rows 10 --scratch "$SCRATCH"
rm -f "$WORK"/small-state.db*
"$TB" cycle --deep-store "$WORK/small" --state "$WORK/small-state.db" --cycles 5
echo "-- steady state: all but 10 segments already exported"
rm -f "$WORK"/small-state.db*
"$TB" cycle --deep-store "$WORK/small" --state "$WORK/small-state.db" --cycles 5 \
  --checkpoint-all-but 10

echo "== (b) $BIG segments of $BIG_ROWS rows (dict profile)"
"$TB" write --deep-store "$WORK/big" --segments "$BIG" --rows "$BIG_ROWS" --profile dict \
  --scratch "$SCRATCH"
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

rm -rf "$WORK/convert-out" && mkdir -p "$WORK/convert-out"
t0=$(now)
for seg in "$WORK"/big/events/*; do
  "$BIN" convert "$seg" "$WORK/convert-out/$(basename "$seg").parquet" >/dev/null
done
convert_s=$(secs "$t0" "$(now)")
convert_bytes=$(du -sb "$WORK/convert-out" | cut -f1)
rm -rf "$WORK/convert-out"

run_export() {  # run_export EXECUTORS -> wall seconds of `run --once`
  rm -rf "$WORK/run-out" "$WORK"/run-state.db*
  cat > "$WORK/table.json" <<EOF
{"tableName": "events_REALTIME", "task": {"taskTypeConfigsMap": {"DataExportTask": {
  "sourceTableName": "events_REALTIME", "outputDirURI": "$WORK/run-out"}}}}
EOF
  local t0 t1
  t0=$(now)
  "$BIN" run --table-config "$WORK/table.json" --deep-store "$WORK/big" \
    --state "$WORK/run-state.db" --once --executors "$1" --log-level warn >"$WORK/run.out"
  t1=$(now)
  grep -q "$BIG completed, 0 failed" "$WORK/run.out" || { cat "$WORK/run.out"; exit 1; }
  [ "$(du -sb "$WORK/run-out" | cut -f1)" = "$convert_bytes" ] ||
    { echo "run wrote other bytes than convert" >&2; exit 1; }
  secs "$t0" "$t1"
}
run1_s=$(run_export 1)
run2_s=$(run_export 2)
rm -rf "$WORK/run-out"

echo
echo "| workload | seconds | vs convert summed |"
echo "|---|---|---|"
echo "| $BIG x $BIG_ROWS rows: \`convert\` per segment, summed | $convert_s | 1.00x |"
awk -v c="$convert_s" -v r="$run1_s" -v b="$BIG" -v n="$BIG_ROWS" \
  'BEGIN { printf "| %s x %s rows: `run --once --executors 1` | %s | %.2fx (%+.1f %%) |\n", b, n, r, r / c, (r / c - 1) * 100 }'
awk -v c="$convert_s" -v r="$run2_s" -v b="$BIG" -v n="$BIG_ROWS" \
  'BEGIN { printf "| %s x %s rows: `run --once --executors 2` | %s | %.2fx (%.2fx faster) |\n", b, n, r, r / c, c / r }'
