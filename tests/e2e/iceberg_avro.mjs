// Test helper: an independent Avro object container reader/writer (avsc) for Iceberg manifests
// and manifest lists.
//
//   node iceberg_avro.mjs [dump] FILE
//     prints one JSON object: {"codec": "...", "meta": {key: value as UTF-8 text, ...},
//     "schema": <the writer schema, avro.schema parsed>, "records": [...]}; records are decoded
//     with the file's own writer schema: longs as exact JSON integers, bytes/fixed as lowercase
//     hex strings, unions unwrapped (null or the value), maps in their array-of-records form.
//
//   node iceberg_avro.mjs write SPEC OUT
//     writes OUT from SPEC, a JSON file {"schema": <Avro schema>, "codec": "null"|"deflate",
//     "meta": {key: text}, "records": [...]} (longs as integers or decimal strings, bytes as
//     hex); the header carries the schema text exactly as given (attributes such as field-id
//     included).
import avro from 'avsc';
import fs from 'node:fs';

// Longs as BigInt, so that 64-bit ids survive (avsc's default long is a JS number).
const Long = avro.types.LongType.__with({
  fromBuffer: (buf) => buf.readBigInt64LE(),
  toBuffer: (n) => {
    const b = Buffer.alloc(8);
    b.writeBigInt64LE(BigInt(n));
    return b;
  },
  fromJSON: (x) => BigInt(x),
  toJSON: (n) => Number(n),
  isValid: (n) => typeof n === 'bigint',
  compare: (a, b) => (a < b ? -1 : a > b ? 1 : 0),
});
const typeOf = (schema) => avro.Type.forSchema(schema, { registry: { long: Long } });

const enc = (v) => {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string') {
    return JSON.stringify(v);
  }
  if (Buffer.isBuffer(v)) return JSON.stringify(v.toString('hex'));
  if (Array.isArray(v)) return '[' + v.map(enc).join(',') + ']';
  if (typeof v === 'object') {
    return '{' + Object.entries(v).map(([k, x]) => JSON.stringify(k) + ':' + enc(x)).join(',') + '}';
  }
  throw new Error(`unexpected value ${String(v)} (${typeof v})`);
};

async function dump(file) {
  let header = null;
  const records = [];
  await new Promise((resolve, reject) => {
    avro
      .createFileDecoder(file, { parseHook: (schema) => typeOf(schema) })
      .on('metadata', (type, codec, h) => {
        header = { codec, meta: h.meta };
      })
      .on('data', (r) => records.push(r))
      .on('error', reject)
      .on('end', resolve);
  });
  const meta = {};
  for (const [k, v] of Object.entries(header.meta)) meta[k] = v.toString('utf8');
  process.stdout.write(
    '{"codec":' + JSON.stringify(header.codec) + ',"meta":' + JSON.stringify(meta) +
      ',"schema":' + meta['avro.schema'] + ',"records":' + enc(records) + '}\n');
}

// Converts JSON input to avsc values following the schema (longs to BigInt, bytes from hex).
function convert(schema, v, named) {
  if (typeof schema === 'string') {
    if (schema === 'long') return BigInt(v);
    if (schema === 'bytes') return Buffer.from(v, 'hex');
    if (named[schema]) return convert(named[schema], v, named);
    return v;
  }
  if (Array.isArray(schema)) {
    if (v === null || v === undefined) return null;
    return convert(schema.find((s) => s !== 'null'), v, named);
  }
  switch (schema.type) {
    case 'record': {
      named[schema.name] = schema;
      const o = {};
      for (const f of schema.fields) o[f.name] = convert(f.type, v[f.name] ?? null, named);
      return o;
    }
    case 'array':
      return v.map((x) => convert(schema.items, x, named));
    case 'fixed':
      named[schema.name] = schema;
      return Buffer.from(v, 'hex');
    default:
      return convert(schema.type, v, named);
  }
}

async function write(specFile, out) {
  const spec = JSON.parse(fs.readFileSync(specFile, 'utf8'));
  const metadata = {};
  for (const [k, v] of Object.entries(spec.meta || {})) metadata[k] = Buffer.from(v, 'utf8');
  const encoder = new avro.streams.BlockEncoder(spec.schema, { codec: spec.codec, metadata });
  // The header is written from the schema object as given; values are encoded with BigInt longs.
  encoder._type = typeOf(spec.schema);
  const sink = fs.createWriteStream(out);
  const done = new Promise((resolve, reject) => sink.on('finish', resolve).on('error', reject));
  encoder.pipe(sink);
  for (const r of spec.records) encoder.write(convert(spec.schema, r, {}));
  encoder.end();
  await done;
}

const [mode, ...args] = process.argv.slice(2);
if (mode === 'dump') await dump(args[0]);
else if (mode === 'write') await write(args[0], args[1]);
else if (mode && args.length === 0) await dump(mode);  // `iceberg_avro.mjs FILE` = dump FILE
else {
  process.stderr.write('usage: iceberg_avro.mjs [dump] FILE | write SPEC OUT\n');
  process.exit(2);
}
