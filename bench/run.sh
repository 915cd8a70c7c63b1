#!/usr/bin/env bash
# convert vs DuckDB's Parquet writer, on the same rows and codec (issue: Parquet writer benchmark).
#
# For each profile (dict: mostly dictionary-encoded columns; raw: mostly raw columns) it
#   1. generates a synthetic segment of ROWS rows with the project's segment writer
#      (`pinot-export sample --profile P`), extracted to a directory (untimed);
#   2. times `pinot-export convert DIR out.parquet --compression CODEC` (wall seconds, best of
#      REPEAT=3 runs; peak RSS via GNU time, the largest of the runs);
#   3. loads that Parquet file into an in-memory DuckDB table (untimed) and times
#      COPY (SELECT * FROM t) TO ... (FORMAT parquet, COMPRESSION CODEC) with threads=1 and with
#      threads=$(nproc) (bench/duckdb_copy.mjs; best of REPEAT runs in one process);
# and prints a Markdown table: rows/s, output MB/s, the ratio to DuckDB, and peak RSS of both.
# Usage: bench/run.sh [ROWS=10000000] [CODEC=snappy] [WORKDIR=/tmp/pinot-export-bench]
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${1:-10000000}
CODEC=${2:-snappy}
WORK=${3:-/tmp/pinot-export-bench}
BIN=./build/pinot-export
[ -x "$BIN" ] || bash scripts/build.sh >/dev/null
export NODE_PATH="$PWD/node_modules"
mkdir -p "$WORK"
THREADS=$(nproc)

REPEAT=${REPEAT:-3}
measure() {  # measure CMD... -> "best wall seconds, its CPU seconds, peak RSS bytes" over REPEAT runs
  local t="$WORK/time.txt"
  : > "$WORK/times.txt"
  for _ in $(seq "$REPEAT"); do
    /usr/bin/time -f "%e %M %U %S" -o "$t" "$@" >/dev/null
    cat "$t" >> "$WORK/times.txt"
  done
  awk 'NR == 1 || $1 < s {s = $1; c = $3 + $4} $2 > m {m = $2} END {printf "%s %s %d\n", s, c, m * 1024}' \
    "$WORK/times.txt"
}

echo "| profile | rows | engine | seconds | CPU s | rows/s | MB/s (output) | vs DuckDB 1 thread (wall / CPU) | peak RSS MiB |"
echo "|---|---|---|---|---|---|---|---|---|"
for profile in dict raw; do
  seg="$WORK/$profile-$ROWS"
  if [ ! -d "$seg" ]; then
    rm -rf "$seg.tmp" && mkdir -p "$seg.tmp"
    $BIN sample --profile "$profile" --rows "$ROWS" --out "$seg.tmp/seg" >/dev/null
    if [ -f "$seg.tmp/seg" ]; then  # a tarball: extract it (untimed)
      mkdir -p "$seg.tmp/x" && tar -xf "$seg.tmp/seg" -C "$seg.tmp/x"
      inner=$(find "$seg.tmp/x" -name metadata.properties -printf '%h\n' | head -1)
      mv "$(dirname "$inner")" "$seg.dir" 2>/dev/null || mv "$inner" "$seg.dir"
      rm -rf "$seg.tmp"; mv "$seg.dir" "$seg"
    else
      mv "$seg.tmp/seg" "$seg"; rm -rf "$seg.tmp"
    fi
  fi
  out="$WORK/$profile.parquet"
  read -r secs cpu rss < <(measure $BIN convert "$seg" "$out" --compression "$CODEC")
  bytes=$(stat -c %s "$out")
  d1=$(node bench/duckdb_copy.mjs "$out" "$WORK/duck1.parquet" 1 "$CODEC" "$REPEAT")
  dn=$(node bench/duckdb_copy.mjs "$out" "$WORK/duckn.parquet" "$THREADS" "$CODEC" "$REPEAT")
  node -e '
    const [profile, rows, secs, cpu, rss, bytes, d1, dn, threads] = process.argv.slice(1);
    const a = JSON.parse(d1), b = JSON.parse(dn);
    const mib = (x) => (x / 1048576).toFixed(0);
    const line = (engine, s, c, out, peak) => console.log(`| ${profile} | ${rows} | ${engine} | ${s.toFixed(2)} | ${c.toFixed(2)} | ${(rows / s / 1e6).toFixed(2)} M | ${(out / s / 1e6).toFixed(0)} | ${(a.seconds / s).toFixed(2)}x / ${(a.cpu / c).toFixed(2)}x | ${mib(peak)} |`);
    line("pinot-export convert", Number(secs), Number(cpu), Number(bytes), Number(rss));
    line("DuckDB COPY, 1 thread", a.seconds, a.cpu, a.bytes, a.peak_rss);
    line(`DuckDB COPY, ${threads} threads`, b.seconds, b.cpu, b.bytes, b.peak_rss);
  ' "$profile" "$ROWS" "$secs" "$cpu" "$rss" "$bytes" "$d1" "$dn" "$THREADS"
done
