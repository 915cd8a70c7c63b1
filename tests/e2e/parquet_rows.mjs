// Test helper: reads a Parquet file with an independent reader and prints, as JSON lines,
//   line 1: the top-level columns, [[name, type], ...]: DuckDB's SQL type names, or (hyparquet) the
//           Parquet schema: "<REPETITION> <physical>[(<length>)][ <logical type>]", lists as
//           "<REPETITION> LIST<...element...>" (tests/testing/parquet_check.cc builds the expected
//           strings from the README's type mapping);
//   then one array of cells per row, in that column order, in the value forms of
//   `pinot-export dump --format jsonl`, kept exact:
//   - integers as JSON integers (64-bit ones as exact digits);
//   - FLOAT/DOUBLE as JSON numbers in JavaScript's shortest round-trip form of the value the reader
//     returned (a float widened to double is exact), -0 as -0.0, NaN/Infinity/-Infinity as strings;
//   - DECIMAL as exact text from the unscaled integer ("-12.30" for unscaled -1230, scale 2), never
//     through a float: DuckDB gives the unscaled integer, and hyparquet (which converts DECIMAL to a
//     JS number) reads the column without its DECIMAL annotation and the bytes are decoded here as
//     big-endian two's complement (parquet LogicalTypes.md, DECIMAL);
//   - timestamps as ISO-8601 UTC millisecond strings, binary and UUID as lowercase hex, JSON as its
//     exact text, lists as arrays in stored order, null as null.
// Usage: node parquet_rows.mjs duckdb|hyparquet FILE
// Each reader's modules are loaded only when used (loading DuckDB's takes most of a second).

const [reader, file] = process.argv.slice(2);
const hex = (b) => Buffer.from(b).toString('hex');

// Marks a cell to be printed as bare JSON text (exact integers, -0.0).
const bare = (text) => ({ bare: text });
const decimalText = (unscaled, scale) => {
  const neg = unscaled < 0n;
  let digits = (neg ? -unscaled : unscaled).toString();
  if (scale > 0) {
    digits = digits.padStart(scale + 1, '0');
    digits = digits.slice(0, digits.length - scale) + '.' + digits.slice(digits.length - scale);
  }
  return (neg ? '-' : '') + digits;
};
// Big-endian two's complement bytes -> BigInt.
const signedBigInt = (bytes) => {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return bytes.length && bytes[0] & 0x80 ? v - (1n << BigInt(8 * bytes.length)) : v;
};

const cell = (v, decimalScale) => {
  if (v === null || v === undefined) return null;
  if (Array.isArray(v)) return v.map((x) => cell(x, decimalScale));
  if (decimalScale !== undefined) {
    if (v instanceof Uint8Array) return decimalText(signedBigInt(v), decimalScale);
    if (typeof v === 'object' && typeof v.value === 'bigint') return decimalText(v.value, v.scale);
    return decimalText(BigInt(v), decimalScale);  // INT32/INT64-backed DECIMAL
  }
  if (typeof v === 'bigint') return bare(v.toString());
  if (typeof v === 'number') {
    if (Object.is(v, -0)) return bare('-0.0');
    return Number.isFinite(v) ? v : String(v);
  }
  if (typeof v === 'boolean' || typeof v === 'string') return v;
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Uint8Array) return hex(v);
  if (ArrayBuffer.isView(v)) return Array.from(v, (x) => cell(x, decimalScale));
  if (typeof v === 'object') {
    if (v.bytes instanceof Uint8Array) return hex(v.bytes);           // DuckDB BLOB
    if (Array.isArray(v.items)) return v.items.map((x) => cell(x));   // DuckDB LIST
    if (typeof v.micros === 'bigint') {                                 // DuckDB TIMESTAMP*
      return new Date(Number(v.micros / 1000n)).toISOString();
    }
    if (typeof v.hugeint === 'bigint') return String(v).replace(/-/g, '');  // DuckDB UUID
    if (typeof v.value === 'bigint' && typeof v.scale === 'number') {  // DuckDB DECIMAL
      return decimalText(v.value, v.scale);
    }
  }
  throw new Error(`unexpected value ${String(v)} (${typeof v})`);
};
// JSON text of a converted cell (bare ones as their text); faster than a JSON.stringify replacer.
const enc = (v) => {
  if (v === null) return 'null';
  if (Array.isArray(v)) return '[' + v.map(enc).join(',') + ']';
  if (typeof v === 'object') return v.bare;
  return JSON.stringify(v);
};
const line = (cells) => enc(cells);

const out = [];
if (reader === 'duckdb') {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  await con.run('SET threads=1');
  const r = await con.runAndReadAll(`SELECT * FROM read_parquet('${file.replace(/'/g, "''")}')`);
  const names = r.columnNames();
  const types = r.columnTypes().map(String);
  out.push(JSON.stringify(names.map((n, i) => [n, types[i]])));
  for (const row of r.getRows()) out.push(line(row.map((v) => cell(v))));
} else if (reader === 'hyparquet') {
  const { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } = await import('hyparquet');
  const { compressors } = await import('hyparquet-compressors');
  const buf = await asyncBufferFromFile(file);
  const metadata = await parquetMetadataAsync(buf);
  const schema = metadata.schema;
  // Index just past the subtree rooted at schema[n].
  const skip = (n) => {
    let k = n + 1;
    for (let c = 0; c < (schema[n].num_children || 0); c++) k = skip(k);
    return k;
  };
  const leaf = (e) => {
    let t = e.type + (e.type === 'FIXED_LEN_BYTE_ARRAY' ? `(${e.type_length})` : '');
    const lt = e.logical_type;
    if (lt?.type === 'TIMESTAMP') t += ` TIMESTAMP(${lt.unit},${lt.isAdjustedToUTC ? 'utc' : 'local'})`;
    else if (lt?.type === 'DECIMAL' || e.converted_type === 'DECIMAL') t += ` DECIMAL(${e.precision},${e.scale})`;
    else if (lt?.type) t += ` ${lt.type}`;
    return t;
  };
  const describe = (n) => {
    const e = schema[n];
    if (!e.num_children) return `${e.repetition_type} ${leaf(e)}`;
    if (e.logical_type?.type === 'LIST' || e.converted_type === 'LIST') {
      // LogicalTypes.md, Lists: <list-repetition> group (LIST) { repeated group list { element } }
      const rep = schema[n + 1];
      const inner = rep.num_children ? describe(n + 2) : leaf(rep);
      return `${e.repetition_type} LIST<${inner}>`;
    }
    return `${e.repetition_type} GROUP`;
  };
  const top = [];
  const decimalScales = {};
  for (let i = 1; i < schema.length; i = skip(i)) {
    top.push([schema[i].name, describe(i)]);
    // Decimal leaves of this column: read as plain bytes/ints, decoded above.
    for (let k = i; k < skip(i); k++) {
      const e = schema[k];
      if (!e.num_children && (e.converted_type === 'DECIMAL' || e.logical_type?.type === 'DECIMAL')) {
        decimalScales[schema[i].name] = e.scale || 0;
        schema[k] = { ...e, converted_type: undefined, logical_type: undefined };
      }
    }
  }
  out.push(JSON.stringify(top));
  const parsers = {
    timestampFromMilliseconds: (ms) => new Date(Number(ms)),
    jsonFromBytes: (b) => b && new TextDecoder().decode(b),
    uuidFromBytes: (b) => b && hex(b),
  };
  const rows = await parquetReadObjects({ file: buf, metadata, compressors, utf8: false, parsers });
  for (const row of rows) out.push(line(top.map(([n]) => cell(row[n], decimalScales[n]))));
} else {
  console.error('usage: parquet_rows.mjs duckdb|hyparquet FILE');
  process.exit(2);
}
process.stdout.write(out.join('\n') + '\n');
