#!/usr/bin/env bash
# Installs what is missing, builds, and runs the main job on an embedded default: the project
# writes a sample REALTIME segment (Pinot's exact on-disk format), then inspects it, dumps a few
# rows and converts it to Parquet. Output goes to ./demo-out/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
out=demo-out
mkdir -p "$out"
seg="$out/events__0__42__20261124T0000Z"
./build/pinot-export sample --demo --rows 100000 --out "$seg"
echo "== inspect $seg"
./build/pinot-export inspect "$seg"
echo "== dump (first 5 rows, JSON lines)"
./build/pinot-export dump "$seg" --format jsonl --limit 5
echo "== convert to Parquet"
./build/pinot-export convert "$seg" "$out/events.parquet"
echo "== read the Parquet file back with DuckDB"
NODE_PATH="$PWD/node_modules" node tests/e2e/duckdb_rows.mjs \
  "select count(*) as rows, min(ts) as first, max(ts) as last from '$out/events.parquet'"
