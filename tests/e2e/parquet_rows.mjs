// Test helper: reads a Parquet file with an independent reader and prints its rows as JSON
// lines, one array of cells per row in schema column order, in the value forms of
// `pinot-export dump --format jsonl`: integers as numbers (64-bit ones as exact digit strings),
// floats as numbers (NaN/Infinity as strings), timestamps as ISO-8601 UTC millis strings, binary
// as lowercase hex, JSON as its text, lists as arrays, null as null. Decimals as text (DuckDB)
// or numbers (hyparquet converts DECIMAL to a JS number).
// Usage: node parquet_rows.mjs duckdb|hyparquet FILE
import { DuckDBInstance } from '@duckdb/node-api';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';

const [reader, file] = process.argv.slice(2);
const hex = (b) => Buffer.from(b).toString('hex');

const cell = (v) => {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return { raw: v.toString() };
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Uint8Array) return hex(v);
  if (Array.isArray(v)) return v.map(cell);
  if (ArrayBuffer.isView(v)) return Array.from(v, cell);
  if (typeof v === 'object') {
    if (v.bytes instanceof Uint8Array) return hex(v.bytes);          // DuckDB BLOB
    if (Array.isArray(v.items)) return v.items.map(cell);              // DuckDB LIST
    if (typeof v.micros === 'bigint') {                                // DuckDB TIMESTAMP*
      return new Date(Number(v.micros / 1000n)).toISOString();
    }
    return String(v);                                                  // DECIMAL, UUID, ...
  }
  return v;
};
// JSON with bigints as bare digits (exact).
const line = (cells) =>
  JSON.stringify(cells, (k, v) => (v && typeof v === 'object' && 'raw' in v ? `@@${v.raw}@@` : v))
    .replace(/"@@(-?\d+)@@"/g, '$1');

const out = [];
if (reader === 'duckdb') {
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  await con.run('SET threads=1');
  const r = await con.runAndReadAll(`SELECT * FROM read_parquet('${file.replace(/'/g, "''")}')`);
  for (const row of r.getRows()) out.push(line(row.map(cell)));
} else if (reader === 'hyparquet') {
  const buf = await asyncBufferFromFile(file);
  const metadata = await parquetMetadataAsync(buf);
  const names = metadata.schema.slice(1).filter((_, i, a) => true);
  const top = [];
  // Top-level column names in order: walk the flattened schema tree.
  let i = 1;
  const skip = (n) => { const e = metadata.schema[n]; let k = n + 1; for (let c = 0; c < (e.num_children || 0); c++) k = skip(k); return k; };
  while (i < metadata.schema.length) { top.push(metadata.schema[i].name); i = skip(i); }
  void names;
  const parsers = {
    timestampFromMilliseconds: (ms) => new Date(Number(ms)),
    jsonFromBytes: (b) => b && new TextDecoder().decode(b),
    uuidFromBytes: (b) => b && hex(b),
  };
  const rows = await parquetReadObjects({ file: buf, metadata, compressors, utf8: false, parsers });
  for (const row of rows) out.push(line(top.map((n) => cell(row[n]))));
} else {
  console.error('usage: parquet_rows.mjs duckdb|hyparquet FILE');
  process.exit(2);
}
process.stdout.write(out.join('\n') + (out.length ? '\n' : ''));
