// Test helper: runs one SQL query in an in-memory DuckDB and prints the result as JSON lines,
// one array of cells per row. Cells: null, or a string (numbers, bigints, decimals, timestamps and
// blobs are stringified so the C++ tests compare text exactly). Blobs print as lowercase hex.
// Usage: node duckdb_rows.mjs "<SQL>"
import { DuckDBInstance } from '@duckdb/node-api';

const sql = process.argv[2];
const db = await DuckDBInstance.create(':memory:');
const con = await db.connect();
const reader = await con.runAndReadAll(sql);
const rows = reader.getRows();
const cell = (v) => {
  if (v === null || v === undefined) return null;
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
  if (typeof v === 'object' && v.bytes instanceof Uint8Array) return Buffer.from(v.bytes).toString('hex');
  if (Array.isArray(v)) return v.map(cell);
  if (typeof v === 'object' && Array.isArray(v.items)) return v.items.map(cell);
  return String(v);
};
const out = [];
for (const r of rows) out.push(JSON.stringify(r.map(cell)));
process.stdout.write(out.join('\n') + (out.length ? '\n' : ''));
