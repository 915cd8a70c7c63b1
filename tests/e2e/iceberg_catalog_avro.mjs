// Avro for the test Iceberg catalog and its self-test (avsc): the manifest_file (manifest list)
// and manifest_entry schemas of spec.md "Manifest Lists" / "Manifests" per format version, with
// Iceberg's Avro conventions (spec Appendix A "Avro"; Java AvroSchemaUtil): every field carries
// "field-id", optional fields are ["null", T] with default null, nested structs are records
// named r<fieldId>, list elements carry "element-id", maps with int keys are arrays of
// k<kid>_v<vid> records with "logicalType": "map". Longs beyond 2^53 (63-bit snapshot ids) are
// read and written as BigInt, smaller ones as Numbers.
// (tests/e2e/iceberg_avro.mjs is a separate command-line dump/write tool for the C++ tests.)
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const avro = require('avsc');

const SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const exactLong = avro.types.LongType.__with({
  fromBuffer: (buf) => {
    const n = buf.readBigInt64LE();
    return n > SAFE || n < -SAFE ? n : Number(n);
  },
  toBuffer: (n) => {
    const buf = Buffer.alloc(8);
    buf.writeBigInt64LE(BigInt(n));
    return buf;
  },
  fromJSON: (v) => v,
  toJSON: (v) => (typeof v === 'bigint' ? Number(v) : v),
  isValid: (v) => typeof v === 'bigint' || Number.isInteger(v),
  compare: (a, b) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0),
});

export function typeFor(schema) {
  return avro.Type.forSchema(schema, { registry: { long: exactLong } });
}

const opt = (name, id, type) => ({ name, type: ['null', type], default: null, 'field-id': id });
const req = (name, id, type) => ({ name, type, 'field-id': id });

// spec.md "Manifest Lists": manifest_file for format version 1, 2 or 3 (field order as Java's
// V1Metadata/V2Metadata/V3Metadata write it).
export function manifestFileSchema(formatVersion) {
  const v2 = formatVersion >= 2;
  const count = v2 ? req : opt;
  const fieldSummary = {
    type: 'record', name: 'r508', fields: [
      req('contains_null', 509, 'boolean'),
      opt('contains_nan', 518, 'boolean'),
      opt('lower_bound', 510, 'bytes'),
      opt('upper_bound', 511, 'bytes'),
    ],
  };
  return {
    type: 'record', name: 'manifest_file', fields: [
      req('manifest_path', 500, 'string'),
      req('manifest_length', 501, 'long'),
      req('partition_spec_id', 502, 'int'),
      ...(v2 ? [req('content', 517, 'int'), req('sequence_number', 515, 'long'),
                req('min_sequence_number', 516, 'long')] : []),
      req('added_snapshot_id', 503, 'long'),
      count('added_files_count', 504, 'int'),
      count('existing_files_count', 505, 'int'),
      count('deleted_files_count', 506, 'int'),
      count('added_rows_count', 512, 'long'),
      count('existing_rows_count', 513, 'long'),
      count('deleted_rows_count', 514, 'long'),
      opt('partitions', 507, { type: 'array', items: fieldSummary, 'element-id': 508 }),
      opt('key_metadata', 519, 'bytes'),
      ...(formatVersion >= 3 ? [opt('first_row_id', 520, 'long')] : []),
    ],
  };
}

// spec.md "Manifests": manifest_entry with the data_file fields an unpartitioned data manifest
// needs (the required ones, plus record-level metrics maps and split offsets).
export function manifestEntrySchema(formatVersion) {
  const v2 = formatVersion >= 2;
  const intMap = (name, id, kid, vid, vtype) => opt(name, id, {
    type: 'array', logicalType: 'map',
    items: { type: 'record', name: `k${kid}_v${vid}`, fields: [req('key', kid, 'int'), req('value', vid, vtype)] },
  });
  const dataFile = {
    type: 'record', name: 'r2', fields: [
      ...(v2 ? [req('content', 134, 'int')] : []),
      req('file_path', 100, 'string'),
      req('file_format', 101, 'string'),
      req('partition', 102, { type: 'record', name: 'r102', fields: [] }),
      req('record_count', 103, 'long'),
      req('file_size_in_bytes', 104, 'long'),
      ...(v2 ? [] : [req('block_size_in_bytes', 105, 'long')]),
      intMap('column_sizes', 108, 117, 118, 'long'),
      intMap('value_counts', 109, 119, 120, 'long'),
      intMap('null_value_counts', 110, 121, 122, 'long'),
      intMap('lower_bounds', 125, 126, 127, 'bytes'),
      intMap('upper_bounds', 128, 129, 130, 'bytes'),
      opt('split_offsets', 132, { type: 'array', items: 'long', 'element-id': 133 }),
      ...(formatVersion >= 3 ? [opt('first_row_id', 142, 'long')] : []),
    ],
  };
  return {
    type: 'record', name: 'manifest_entry', fields: [
      req('status', 0, 'int'),
      (v2 ? opt : req)('snapshot_id', 1, 'long'),
      ...(v2 ? [opt('sequence_number', 3, 'long'), opt('file_sequence_number', 4, 'long')] : []),
      req('data_file', 2, dataFile),
    ],
  };
}

// An Avro object container file (codec deflate, what Java's default gzip setting means for
// Avro) in a Buffer. `metadata`: string key/values (spec.md: manifest-list metadata snapshot-id,
// parent-snapshot-id, sequence-number, first-row-id, format-version).
export function encodeContainer(schema, records, metadata = {}) {
  const type = typeFor(schema);
  const meta = Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k, Buffer.from(String(v))]));
  return new Promise((resolve, reject) => {
    const enc = new avro.streams.BlockEncoder(type, { codec: 'deflate', metadata: meta, writeHeader: 'never' });
    // avsc builds the header from type.getSchema(), which drops field attributes ("field-id"),
    // and writes no header at all for zero records with writeHeader 'auto'. The header must carry
    // the schema exactly as given (Iceberg readers project by field id), so write it here.
    enc._schema = schema;
    enc._writeHeader();
    const chunks = [];
    enc.on('data', (c) => chunks.push(c));
    enc.on('end', () => resolve(Buffer.concat(chunks)));
    enc.on('error', reject);
    for (const r of records) enc.write(r);
    enc.end();
  });
}

// Decodes a container file: {schema (writer schema JSON), metadata (strings), records}.
export function decodeContainer(buffer) {
  return new Promise((resolve, reject) => {
    let header = { meta: {} };
    const records = [];
    const dec = new avro.streams.BlockDecoder({ parseHook: (s) => typeFor(s) });
    dec.on('metadata', (type, codec, h) => { header = h; });
    dec.on('data', (r) => records.push(r));
    dec.on('end', () => {
      const metadata = {};
      for (const [k, v] of Object.entries(header.meta)) metadata[k] = v.toString();
      resolve({ schema: metadata['avro.schema'] ? JSON.parse(metadata['avro.schema']) : null, metadata, records });
    });
    dec.on('error', reject);
    dec.end(buffer);
  });
}
