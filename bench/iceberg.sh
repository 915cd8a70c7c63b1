#!/usr/bin/env bash
# The Iceberg target's benchmark (issue 9; not a timed test). Against the test REST catalog
# (tests/e2e/iceberg_catalog.mjs, a local warehouse, every request and response validated
# against the OpenAPI spec — so its REST latencies are those of a validating node process, not
# of a production catalog):
#   (a) `pinot-export run --once --executors 2` of SEGMENTS `dict`-profile segments of ROWS rows
#       into one unpartitioned v2 table, THRESHOLD segments a snapshot: wall time, snapshots,
#       rows (checked: the table's total-records = SEGMENTS x ROWS, one snapshot per batch), and
#       each COMMIT cycle's time from the run's log (the last subtask's line before it to the
#       "committed batch" line: waking up, listing the deep store, the commit); and the same
#       segments with the filesystem target, as the baseline;
#   (b) bench/iceberg_bench.cc: the commit alone, per batch of THRESHOLD real data files
#       (iceberg::Append: load, manifest, manifest list, commit request), into a second table;
#       the data files are the first THRESHOLD segments staged (once) into that table.
#       Target: < 1 s per batch.
# Segments are written once with the sample library (bench/task_bench.cc `write`, two writers,
# one per core) into WORKDIR/segments-ROWS and kept between runs; a run uses the first SEGMENTS of
# them (hard links). Writing them is the slow part (~2 s a segment of 100k rows per core).
# Usage: bench/iceberg.sh [SEGMENTS=1000] [ROWS=100000] [THRESHOLD=250]
#          [WORKDIR=/tmp/pinot-export-iceberg-bench]
#        BUILD=<build dir> (default build) picks the binaries; BATCHES=<n> (default 8) sets (b).
set -euo pipefail
cd "$(dirname "$0")/.."
SEGMENTS=${1:-1000}
ROWS=${2:-100000}
THRESHOLD=${3:-250}
WORK=${4:-/tmp/pinot-export-iceberg-bench}
BUILD=${BUILD:-build}
BATCHES=${BATCHES:-8}
BIN=$BUILD/pinot-export
TB=$BUILD/bench/task_bench
IB=$BUILD/bench/iceberg_bench
if [ ! -x "$BIN" ] || [ ! -x "$TB" ] || [ ! -x "$IB" ]; then
  [ -x "$BIN" ] || bash scripts/build.sh >/dev/null
  cmake --build "$BUILD" --target pinot-export task_bench iceberg_bench >/dev/null
fi
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
# The sample writer fsyncs each file: write segments on a tmpfs when there is one.
SCRATCH=/dev/shm
[ -d "$SCRATCH" ] && [ -w "$SCRATCH" ] || SCRATCH="$WORK"
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

POOL=$WORK/segments-$ROWS
echo "== $SEGMENTS segments of $ROWS rows (dict profile) in $POOL"
half=$(( (SEGMENTS + 1) / 2 ))
t0=$(now)
"$TB" write --deep-store "$POOL" --segments "$half" --rows "$ROWS" --profile dict \
  --scratch "$SCRATCH" &
w1=$!
"$TB" write --deep-store "$POOL" --segments $(( SEGMENTS - half )) --first "$half" --rows "$ROWS" \
  --profile dict --scratch "$SCRATCH"
wait "$w1"
echo "(written in $(secs "$t0" "$(now)") s; existing segments are kept)"
# The run's deep store: the first SEGMENTS segments (task_bench names segment i with creation time
# base + i x 5 min, the last part of its name, so time order is index order).
rm -rf "$WORK/deepstore" && mkdir -p "$WORK/deepstore/events"
ls "$POOL/events" | sort -t_ -k7 | head -n "$SEGMENTS" |
  while read -r s; do ln "$POOL/events/$s" "$WORK/deepstore/events/$s"; done
[ "$(ls "$WORK/deepstore/events" | wc -l)" = "$SEGMENTS" ] || { echo "too few segments" >&2; exit 1; }

echo "== the test REST catalog"
rm -rf "$WORK/catalog" "$WORK"/state.db*
source scripts/iceberg_catalog.sh
catalog_start "$WORK/catalog"
# The `dict` profile's columns (src/sample/generate.cc Profile) by name: TIMESTAMP event_time ->
# timestamptz, the LONG time column ts -> timestamp, BIG_DECIMAL revenue and JSON payload ->
# string, multi-value tags and scores -> lists.
cat > "$WORK/schema.json" <<'EOF'
{"type": "struct", "schema-id": 0, "fields": [
  {"id": 1, "name": "country", "required": false, "type": "string"},
  {"id": 2, "name": "device", "required": false, "type": "string"},
  {"id": 3, "name": "user_id", "required": false, "type": "long"},
  {"id": 4, "name": "session", "required": false, "type": "string"},
  {"id": 5, "name": "event_time", "required": false, "type": "timestamptz"},
  {"id": 6, "name": "status_code", "required": false, "type": "int"},
  {"id": 7, "name": "is_mobile", "required": false, "type": "boolean"},
  {"id": 8, "name": "tags", "required": false, "type":
    {"type": "list", "element-id": 100, "element": "string", "element-required": true}},
  {"id": 9, "name": "scores", "required": false, "type":
    {"type": "list", "element-id": 101, "element": "float", "element-required": true}},
  {"id": 10, "name": "quantity", "required": false, "type": "int"},
  {"id": 11, "name": "amount", "required": false, "type": "double"},
  {"id": 12, "name": "revenue", "required": false, "type": "string"},
  {"id": 13, "name": "latency_ms", "required": false, "type": "long"},
  {"id": 14, "name": "payload", "required": false, "type": "string"},
  {"id": 15, "name": "checksum", "required": false, "type": "binary"},
  {"id": 16, "name": "ts", "required": false, "type": "timestamp"}
]}
EOF
ice() { node scripts/iceberg_table.mjs "$@"; }
table_config() {  # table_config TABLE FILE
  cat > "$2" <<EOF
{"tableName": "events_REALTIME", "task": {"taskTypeConfigsMap": {"DataExportTask": {
  "sourceTableName": "events_REALTIME",
  "externalTable.target": "iceberg-rest",
  "catalog.iceberg-rest.restUri": "$catalog_uri",
  "catalog.iceberg-rest.table.namespace": "bench",
  "catalog.iceberg-rest.table.tableName": "$1",
  "iceberg.commitThreshold": "$THRESHOLD"}}}}
EOF
}
ice create "$catalog_uri" bench events "$WORK/schema.json"
table_config events "$WORK/table.json"

echo "== (a) run --once --executors 2: $SEGMENTS segments into bench.events, $THRESHOLD a snapshot"
t0=$(now)
"$BIN" run --table-config "$WORK/table.json" --deep-store "$WORK/deepstore" \
  --state "$WORK/state.db" --once --executors 2 --log-level info >"$WORK/run.out" 2>"$WORK/run.log"
run_s=$(secs "$t0" "$(now)")
grep -q "$SEGMENTS completed, 0 failed" "$WORK/run.out" || { cat "$WORK/run.out"; exit 1; }
grep COMMIT "$WORK/run.out"
ice snapshots "$catalog_uri" bench events | tee "$WORK/snapshots.txt"
snapshots=$(tail -1 "$WORK/snapshots.txt" | cut -d' ' -f1)
records=$(tail -1 "$WORK/snapshots.txt" | cut -d' ' -f3)
[ "$records" = $(( SEGMENTS * ROWS )) ] || { echo "the table has $records records" >&2; exit 1; }
[ "$snapshots" = $(( (SEGMENTS + THRESHOLD - 1) / THRESHOLD )) ] ||
  { echo "$snapshots snapshots for $SEGMENTS segments at $THRESHOLD" >&2; exit 1; }
# COMMIT cycles from the log's timestamps (2026-12-03T07:43:12.345Z): the line before each
# "committed batch" line is the batch's last subtask ending.
commit_cycles=$(awk '
  function ms(t) { split(substr(t, 12, 12), a, ":"); return (a[1] * 3600 + a[2] * 60 + a[3]) * 1000 }
  /committed batch/ { if (prev != "") printf "%s%.0f", (n++ ? ", " : ""), ms($1) - ms(prev) }
  { prev = $1 }' "$WORK/run.log")
echo "COMMIT cycles (ms): $commit_cycles"

echo "== (a') the same segments with the filesystem target (the baseline)"
rm -rf "$WORK/fs-out" "$WORK"/fs-state.db*
cat > "$WORK/fs-table.json" <<EOF
{"tableName": "events_REALTIME", "task": {"taskTypeConfigsMap": {"DataExportTask": {
  "sourceTableName": "events_REALTIME", "outputDirURI": "$WORK/fs-out"}}}}
EOF
t0=$(now)
"$BIN" run --table-config "$WORK/fs-table.json" --deep-store "$WORK/deepstore" \
  --state "$WORK/fs-state.db" --once --executors 2 --log-level warn >"$WORK/fs-run.out"
fs_s=$(secs "$t0" "$(now)")
grep -q "$SEGMENTS completed, 0 failed" "$WORK/fs-run.out" || { cat "$WORK/fs-run.out"; exit 1; }
rm -rf "$WORK/fs-out"

echo "== (b) iceberg_bench: the commit alone, $BATCHES batches of $THRESHOLD data files"
ice create "$catalog_uri" bench commits "$WORK/schema.json"
table_config commits "$WORK/commits.json"
"$IB" --table-config "$WORK/commits.json" --segments "$WORK/deepstore/events" \
  --threshold "$THRESHOLD" --batches "$BATCHES" | tee "$WORK/iceberg_bench.out"

echo
echo "| workload | seconds | snapshots | rows | rows/s | vs filesystem target |"
echo "|---|---|---|---|---|---|"
awk -v s="$run_s" -v f="$fs_s" -v n="$SEGMENTS" -v r="$ROWS" -v t="$THRESHOLD" -v k="$snapshots" \
  -v rec="$records" 'BEGIN {
    printf "| %s x %s rows, `run --once --executors 2`, iceberg-rest, threshold %s | %s | %s | %s | %.2f M | %+.1f %% |\n", n, r, t, s, k, rec, rec / s / 1e6, (s / f - 1) * 100
    printf "| %s x %s rows, `run --once --executors 2`, filesystem | %s | — | %s | %.2f M | — |\n", n, r, f, rec, rec / f / 1e6 }'
echo "COMMIT cycles in the run (ms): $commit_cycles"
