// Test helper: reads a Parquet file with hyparquet and prints, as JSON lines,
//   line 1: every schema element in footer order (depth-first), as
//           {name, repetition, type, num_children, field_id, converted_type, logical_type}
//           (absent members as null; logical_type as hyparquet decodes it, e.g.
//           {"type":"TIMESTAMP","isAdjustedToUTC":false,"unit":"MICROS"});
//   then one array of cells per row in top-level column order, with raw values kept exact:
//   integers (INT64 and timestamps of any unit, as stored: no unit conversion) as JSON integer
//   text, floats as JavaScript numbers (NaN/Infinity as strings, -0 as -0.0), strings and JSON
//   as text, binary as lowercase hex, DECIMAL as its unscaled integer text, lists as arrays,
//   groups (structs) as objects with their fields in schema order, null as null.
// Usage: node parquet_fields.mjs FILE
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';

const file = process.argv[2];
const buf = await asyncBufferFromFile(file);
const metadata = await parquetMetadataAsync(buf);
const schema = metadata.schema;
const jsonish = (v) => (v === undefined ? null : typeof v === 'bigint' ? Number(v) : v);
const elements = schema.map((e) => ({
  name: e.name,
  repetition: jsonish(e.repetition_type),
  type: jsonish(e.type),
  num_children: jsonish(e.num_children),
  field_id: jsonish(e.field_id),
  converted_type: jsonish(e.converted_type),
  logical_type: e.logical_type ? JSON.parse(JSON.stringify(e.logical_type, (k, v) => jsonish(v))) : null,
}));

// Raw values: no timestamp, decimal or JSON conversion (the parsers return what is stored).
const raw = (v) => (typeof v === 'bigint' ? { bare: v.toString() } : v);
const parsers = {
  timestampFromMilliseconds: raw,
  timestampFromMicroseconds: raw,
  timestampFromNanoseconds: raw,
  dateFromDays: raw,
  stringFromBytes: (b) => b && new TextDecoder().decode(b),
  jsonFromBytes: (b) => b && new TextDecoder().decode(b),
  uuidFromBytes: (b) => b && Buffer.from(b).toString('hex'),
};
// Decimal leaves: read without their annotation; FIXED_LEN_BYTE_ARRAY bytes are decoded here as
// big-endian two's complement (LogicalTypes.md "DECIMAL") into the unscaled integer.
const decimalLeaves = new Set();
for (let k = 0; k < schema.length; k++) {
  const e = schema[k];
  if (!e.num_children && (e.converted_type === 'DECIMAL' || e.logical_type?.type === 'DECIMAL')) {
    schema[k] = { ...e, converted_type: undefined, logical_type: undefined };
    decimalLeaves.add(k);
  }
}
const signed = (bytes) => {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return bytes.length && bytes[0] & 0x80 ? v - (1n << BigInt(8 * bytes.length)) : v;
};
const enc = (v) => {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') {
    if (Object.is(v, -0)) return '-0.0';
    return Number.isFinite(v) ? JSON.stringify(v) : JSON.stringify(String(v));
  }
  if (typeof v === 'boolean' || typeof v === 'string') return JSON.stringify(v);
  if (v instanceof Uint8Array) return JSON.stringify(Buffer.from(v).toString('hex'));
  if (Array.isArray(v)) return '[' + v.map(enc).join(',') + ']';
  if (ArrayBuffer.isView(v)) return '[' + Array.from(v, enc).join(',') + ']';
  if (typeof v === 'object' && typeof v.bare === 'string') return v.bare;
  if (typeof v === 'object') {
    return '{' + Object.entries(v).map(([k, x]) => JSON.stringify(k) + ':' + enc(x)).join(',') + '}';
  }
  throw new Error(`unexpected value ${String(v)} (${typeof v})`);
};
const top = [];
const skip = (n) => {
  let k = n + 1;
  for (let c = 0; c < (schema[n].num_children || 0); c++) k = skip(k);
  return k;
};
const decimalTop = new Set();
for (let i = 1; i < schema.length; i = skip(i)) {
  top.push(schema[i].name);
  for (let k = i; k < skip(i); k++) if (decimalLeaves.has(k)) decimalTop.add(schema[i].name);
}
const unscaled = (v) => {
  if (v === null || v === undefined) return null;
  if (v instanceof Uint8Array) return signed(v);
  if (Array.isArray(v)) return v.map(unscaled);
  return BigInt(v);
};
const rows = await parquetReadObjects({ file: buf, metadata, compressors, utf8: false, parsers });
const out = [JSON.stringify(elements)];
for (const row of rows) {
  out.push('[' + top.map((n) => enc(decimalTop.has(n) ? unscaled(row[n]) : row[n])).join(',') + ']');
}
process.stdout.write(out.join('\n') + '\n');
