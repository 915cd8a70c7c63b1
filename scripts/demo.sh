#!/usr/bin/env bash
# Installs what is missing, builds, and runs the export end to end on the embedded default:
#   1. writes a REALTIME table's deep store: 24 LLC-named segments (4 partitions x 6 sequences, a
#      day apart) in Pinot's exact on-disk format, at demo-out/deepstore/events/;
#   2. writes a Pinot table config with a DataExportTask (demo-out/table-config.json) and
#      validates it;
#   3. `pinot-export run --once`: every completed segment older than bufferTimePeriod becomes
#      demo-out/lake/events/<segment>.parquet, remembered in demo-out/state.db;
#   4. reads all the files back with DuckDB;
#   5. runs it again: nothing is exported twice;
#   6. the Iceberg target: starts the test Iceberg REST catalog (tests/e2e/iceberg_catalog.mjs, a
#      local warehouse in demo-out/catalog), creates table lake.events, appends the same 24
#      segments with a second table config (externalTable.target = iceberg-rest, 10 segments a
#      snapshot: 10, 10, 4), prints the snapshots, reads the table back with icebird, runs again.
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

echo
echo "== Iceberg: the test REST catalog (tests/e2e/iceberg_catalog.mjs), warehouse $out/catalog"
source scripts/iceberg_catalog.sh
catalog_start "$out_abs/catalog"
echo "catalog at $catalog_uri"
# The table for `sample --demo` segments (as DemoSchema() of the run tests, tests/run/): every
# Pinot column by name, INT quantity promoted to long, TIMESTAMP event_time -> timestamptz, the
# LONG time column ts (epoch ms) -> timestamp, JSON payload and BIG_DECIMAL price -> string, MV
# tags -> list<string>, plus an optional field no segment has (read back as null). The catalog
# assigns its own field ids; pinot-export maps columns by name onto them.
cat > "$out/iceberg-schema.json" <<'EOF'
{"type": "struct", "schema-id": 0, "fields": [
  {"id": 1, "name": "event_type", "required": true, "type": "string"},
  {"id": 2, "name": "user_id", "required": true, "type": "long"},
  {"id": 3, "name": "country", "required": false, "type": "string"},
  {"id": 4, "name": "device", "required": false, "type": "string"},
  {"id": 5, "name": "is_mobile", "required": false, "type": "boolean"},
  {"id": 6, "name": "tags", "required": false, "type":
    {"type": "list", "element-id": 100, "element": "string", "element-required": true}},
  {"id": 7, "name": "quantity", "required": false, "type": "long"},
  {"id": 8, "name": "amount", "required": false, "type": "double"},
  {"id": 9, "name": "price", "required": false, "type": "string"},
  {"id": 10, "name": "event_time", "required": false, "type": "timestamptz"},
  {"id": 11, "name": "payload", "required": false, "type": "string"},
  {"id": 12, "name": "session_key", "required": false, "type": "binary"},
  {"id": 13, "name": "ts", "required": true, "type": "timestamp"},
  {"id": 14, "name": "note", "required": false, "type": "string"}
]}
EOF
ice() { node scripts/iceberg_table.mjs "$@"; }
ice create "$catalog_uri" lake events "$out/iceberg-schema.json"

cat > "$out/iceberg-table-config.json" <<EOF
{
  "tableName": "events_REALTIME",
  "tableType": "REALTIME",
  "task": {
    "taskTypeConfigsMap": {
      "DataExportTask": {
        "sourceTableName": "events_REALTIME",
        "bufferTimePeriod": "1d",
        "externalTable.target": "iceberg-rest",
        "catalog.iceberg-rest.restUri": "$catalog_uri",
        "catalog.iceberg-rest.table.namespace": "lake",
        "catalog.iceberg-rest.table.tableName": "events",
        "iceberg.commitThreshold": "10",
        "fileFormat.parquet.compressionCodec": "ZSTD"
      }
    }
  }
}
EOF
echo "== validate $out/iceberg-table-config.json"
"$pe" validate --table-config "$out/iceberg-table-config.json"

ice_run=("$pe" run --table-config "$out/iceberg-table-config.json" --deep-store "$out/deepstore"
         --state "$out/iceberg-state.db" --once --log-level warn)
echo "== run --once into lake.events: 24 segments, 10 a snapshot"
"${ice_run[@]}"
echo "== the table's snapshots"
ice snapshots "$catalog_uri" lake events "$out/iceberg-metadata.json"
echo "== icebird reads the table"
node tests/e2e/iceberg_read.mjs "$out/iceberg-metadata.json" >"$out/iceberg-rows.json"
ice count "$out/iceberg-rows.json" event_type

echo "== run --once again: nothing new, no snapshot"
"${ice_run[@]}"
ice snapshots "$catalog_uri" lake events | tail -1
