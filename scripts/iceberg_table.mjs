// The demo's and the Iceberg benchmark's helper for the test REST catalog
// (tests/e2e/iceberg_catalog.mjs; its admin API is described in /work/notes/catalog_contract.md
// and at the top of that file). Not shipped.
//
//   node scripts/iceberg_table.mjs create URI NAMESPACE TABLE SCHEMA_FILE [FORMAT_VERSION=2]
//       creates NAMESPACE.TABLE (and the namespace) with the schema in SCHEMA_FILE (an Iceberg
//       "struct" schema as JSON; the catalog assigns fresh field ids) through
//       POST /__admin/create-table; prints the table's location.
//   node scripts/iceberg_table.mjs snapshots URI NAMESPACE TABLE [METADATA_OUT]
//       prints one line per snapshot, oldest first: its id, the segment count pinot-export put in
//       the summary (pinot-export.segment-count) and added-records; then one summary line
//       "N snapshot(s), R record(s)" (total-records of the current snapshot). METADATA_OUT gets
//       the current table metadata (what tests/e2e/iceberg_read.mjs reads).
//   node scripts/iceberg_table.mjs count ROWS_FILE COLUMN
//       ROWS_FILE holds the JSON array tests/e2e/iceberg_read.mjs prints; prints the row count
//       and the rows per value of COLUMN, most frequent first.
//
// Snapshot ids are 63-bit: metadata is parsed and written with the catalog's lossless JSON
// (JSON.parse would round them).
import fs from 'node:fs';
import { parse, stringify } from '../tests/e2e/iceberg_catalog_json.mjs';

function die(msg) {
  process.stderr.write(`iceberg_table: ${msg}\n`);
  process.exit(1);
}

async function admin(uri, method, path, body) {
  const res = await fetch(uri + path, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (!res.ok) die(`${method} ${path}: HTTP ${res.status}: ${text}`);
  return parse(text);
}

const [cmd, ...args] = process.argv.slice(2);
if (cmd === 'create') {
  const [uri, ns, name, schemaFile, fv = '2'] = args;
  if (!schemaFile) die('usage: create URI NAMESPACE TABLE SCHEMA_FILE [FORMAT_VERSION]');
  const schema = JSON.parse(fs.readFileSync(schemaFile, 'utf8'));
  const r = await admin(uri, 'POST', '/__admin/create-table', {
    namespace: ns.split('.'), name, schema, 'format-version': Number(fv),
  });
  console.log(`created ${ns}.${name} (format v${r.metadata['format-version']}) at ${r.metadata.location}`);
} else if (cmd === 'snapshots') {
  const [uri, ns, name, out] = args;
  if (!name) die('usage: snapshots URI NAMESPACE TABLE [METADATA_OUT]');
  const q = `namespace=${encodeURIComponent(ns)}&name=${encodeURIComponent(name)}`;
  const t = await admin(uri, 'GET', `/__admin/table?${q}`);
  const m = t.metadata;
  if (out) fs.writeFileSync(out, stringify(m));
  const snaps = m.snapshots || [];  // in the order they were added
  for (const s of snaps) {
    const sum = s.summary || {};
    console.log(`  snapshot ${s['snapshot-id']}: ${sum['pinot-export.segment-count'] ?? '?'} segment(s), ` +
                `added-records ${sum['added-records'] ?? '?'}`);
  }
  const current = snaps.find((s) => String(s['snapshot-id']) === String(m['current-snapshot-id']));
  console.log(`${snaps.length} snapshot(s), ${current ? current.summary['total-records'] : 0} record(s)`);
} else if (cmd === 'count') {
  const [file, column] = args;
  if (!column) die('usage: count ROWS_FILE COLUMN');
  const rows = JSON.parse(fs.readFileSync(file, 'utf8'));
  const counts = new Map();
  for (const r of rows) counts.set(r[column], (counts.get(r[column]) || 0) + 1);
  console.log(`${rows.length} rows`);
  for (const [v, n] of [...counts].sort((a, b) => b[1] - a[1] || String(a[0]).localeCompare(String(b[0]))))
    console.log(`  ${column} ${v}: ${n}`);
} else {
  die('usage: create|snapshots|count ... (see the header of scripts/iceberg_table.mjs)');
}
