#!/usr/bin/env bash
# Installs what is missing, builds, and runs the export end to end on the embedded default:
#   1. writes a REALTIME table's deep store: 24 LLC-named segments (4 partitions x 6 sequences, a
#      day apart) in Pinot's exact on-disk format, at demo-out/deepstore/events/;
#   2. writes a Pinot table config with a DataExportTask (demo-out/table-config.json) and
#      validates it;
#   3. `pinot-export run --once`: every completed segment older than bufferTimePeriod becomes
#      demo-out/lake/events/<segment>.parquet, remembered in demo-out/state.db;
#   4. reads all the files back with DuckDB;
#   5. runs it again: nothing is exported twice.
# Idempotent: demo-out/ is recreated on every run.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
pe=./build/pinot-export
out=demo-out
rm -rf "$out"
mkdir -p "$out/deepstore/events" "$out/lake"
out_abs="$(cd "$out" && pwd)"

# Segment names carry their creation time (events__<partition>__<sequence>__<yyyyMMdd>T<HHmm>Z);
# `sample --demo` ends each segment's rows (one per second, column ts) there. Sequence s of
# partition p is created (7 - s) days before today 00:00, plus p x 10 minutes: six days of data,
# all older than the 1 day bufferTimePeriod.
today=$(date -u +%s)
today=$(( today - today % 86400 ))
echo "== writing 24 segments of 2000 rows into $out/deepstore/events"
for p in 0 1 2 3; do
  for s in 0 1 2 3 4 5; do
    t=$(( today - (7 - s) * 86400 + p * 600 ))
    echo "$out/deepstore/events/events__${p}__${s}__$(date -u -d "@$t" +%Y%m%dT%H%MZ)"
  done
done | xargs -P 4 -I{} "$pe" sample --demo --rows 2000 --seed 7 --out {} >/dev/null
ls "$out/deepstore/events" | head -3
echo "... ($(ls "$out/deepstore/events" | wc -l) segments)"

cat > "$out/table-config.json" <<EOF
{
  "tableName": "events_REALTIME",
  "tableType": "REALTIME",
  "task": {
    "taskTypeConfigsMap": {
      "DataExportTask": {
        "sourceTableName": "events_REALTIME",
        "outputDirURI": "$out_abs/lake/events",
        "bufferTimePeriod": "1d",
        "fileFormat.parquet.compressionCodec": "ZSTD"
      }
    }
  }
}
EOF
echo "== validate $out/table-config.json"
"$pe" validate --table-config "$out/table-config.json"

run=("$pe" run --table-config "$out/table-config.json" --deep-store "$out/deepstore"
     --state "$out/state.db" --once --log-level warn)
echo "== run --once"
"${run[@]}"
echo "== the lake: $out/lake/events"
ls -l "$out/lake/events" | head -5
echo "... ($(ls "$out/lake/events" | wc -l) files)"

echo "== DuckDB over all of them"
duck() { NODE_PATH="$PWD/node_modules" node tests/e2e/duckdb_rows.mjs "$1"; }
files="$out_abs/lake/events/*.parquet"
duck "select count(*) as rows, count(distinct filename) as files,
        epoch_ms(min(ts)) as first, epoch_ms(max(ts)) as last
      from read_parquet('$files', filename = true)"
echo "-- rows per event_type"
duck "select event_type, count(*) from read_parquet('$files') group by all order by 2 desc"

echo "== run --once again: nothing is exported twice"
"${run[@]}"
