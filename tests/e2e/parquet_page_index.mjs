// Test helper: reads a Parquet file's page index (ColumnIndex, OffsetIndex) with hyparquet and,
// independently, walks every column chunk page by page (page headers, decompression, levels and
// values decoded by hyparquet's page reader, dictionary indices resolved here), so a test can
// check the index against the pages actually written.
//
// Prints one JSON document:
//   { created_by, row_groups: [ { num_rows, columns: [ {
//       path, type,
//       column_index: null | { null_pages, min_values, max_values (PLAIN bytes as hex),
//                              boundary_order ("UNORDERED"|"ASCENDING"|"DESCENDING"), null_counts },
//       offset_index: null | [ { offset, compressed_page_size, first_row_index } ],
//       pages: [ { offset, size (header + compressed body), first_row, rows, num_values, nulls,
//                  values, encoding, min, max (hex, null when the page has no non-NaN value) } ],
//       boundary_order   // what the pages' min/max imply (parquet-java's rule, see below)
//   } ] } ] }
//
// Page min/max follow the column order of LogicalTypes.md "Sort Order" and parquet.thrift
// (ColumnOrder / ColumnIndex notes): signed for INT32/INT64/FLOAT/DOUBLE/BOOLEAN and DECIMAL
// on FIXED_LEN_BYTE_ARRAY, unsigned bytes for BYTE_ARRAY and other FIXED_LEN_BYTE_ARRAY; NaN is
// never a bound; a zero min is written as -0.0 and a zero max as +0.0. nulls counts entries whose
// definition level is below the maximum (null rows and empty lists), like Statistics.null_count.
// Usage: node parquet_page_index.mjs FILE
import fs from 'node:fs';
import { parquetMetadata, readColumnIndex, readOffsetIndex } from 'hyparquet';
import { parquetHeader } from 'hyparquet/src/column.js';
import { decompressPage, readDataPage } from 'hyparquet/src/datapage.js';
import { readPlain } from 'hyparquet/src/plain.js';
import { getSchemaPath } from 'hyparquet/src/schema.js';
import { compressors } from 'hyparquet-compressors';

const file = process.argv[2];
const bytes = fs.readFileSync(file);
const buf = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
const view = new DataView(buf);
const metadata = parquetMetadata(buf);
const hex = (b) => Buffer.from(b.buffer ?? b, b.byteOffset ?? 0, b.byteLength ?? b.length).toString('hex');
const num = (x) => (x === undefined ? undefined : Number(x));

// Typed comparison of two decoded values in the column's order (< 0, 0, > 0).
function comparator(type, element) {
  if (type === 'INT32' || type === 'FLOAT' || type === 'DOUBLE') return (a, b) => (a < b ? -1 : a > b ? 1 : 0);
  if (type === 'INT64') return (a, b) => (a < b ? -1 : a > b ? 1 : 0);
  if (type === 'BOOLEAN') return (a, b) => Number(a) - Number(b);
  const signed = type === 'FIXED_LEN_BYTE_ARRAY' && element.converted_type === 'DECIMAL';
  return (a, b) => {
    if (signed && a.length && b.length && a[0] !== b[0]) return ((a[0] << 24) >> 24) - ((b[0] << 24) >> 24);
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
    return a.length - b.length;
  };
}

// PLAIN bytes (no length prefix) of one value, as hex.
function plainHex(type, v) {
  const dv = new DataView(new ArrayBuffer(8));
  switch (type) {
    case 'INT32': dv.setInt32(0, v, true); return hex(new Uint8Array(dv.buffer, 0, 4));
    case 'INT64': dv.setBigInt64(0, v, true); return hex(new Uint8Array(dv.buffer, 0, 8));
    case 'FLOAT': dv.setFloat32(0, v, true); return hex(new Uint8Array(dv.buffer, 0, 4));
    case 'DOUBLE': dv.setFloat64(0, v, true); return hex(new Uint8Array(dv.buffer, 0, 8));
    case 'BOOLEAN': return v ? '01' : '00';
    default: return hex(v);
  }
}

// parquet-java's ColumnIndexBuilder rule over the non-null pages: ASCENDING if every min and max
// is >= the previous one, else DESCENDING if every one is <=, else UNORDERED.
function boundaryOrder(pages, cmp) {
  const p = pages.filter((x) => x.lo !== undefined);
  let asc = true, desc = true;
  for (let i = 1; i < p.length; i++) {
    if (cmp(p[i].lo, p[i - 1].lo) < 0 || cmp(p[i].hi, p[i - 1].hi) < 0) asc = false;
    if (cmp(p[i].lo, p[i - 1].lo) > 0 || cmp(p[i].hi, p[i - 1].hi) > 0) desc = false;
  }
  return asc ? 'ASCENDING' : desc ? 'DESCENDING' : 'UNORDERED';
}

function readPages(col) {
  const meta = col.meta_data;
  const schemaPath = getSchemaPath(metadata.schema, meta.path_in_schema);
  const element = schemaPath[schemaPath.length - 1].element;
  const type = meta.type;
  const isFloat = type === 'FLOAT' || type === 'DOUBLE';
  const cmp = comparator(type, element);
  const decoder = { type, element, schemaPath, codec: meta.codec, compressors };
  const start = num(meta.dictionary_page_offset ?? meta.data_page_offset);
  const end = start + num(meta.total_compressed_size);
  let dictionary;
  let row = 0;
  const pages = [];
  for (let offset = start; offset < end;) {
    const reader = { view, offset };
    const header = parquetHeader(reader);
    const body = new Uint8Array(buf, reader.offset, header.compressed_page_size);
    const size = reader.offset - offset + header.compressed_page_size;
    const page = decompressPage(body, header.uncompressed_page_size, meta.codec, compressors);
    if (header.type === 'DICTIONARY_PAGE') {
      const r = { view: new DataView(page.buffer, page.byteOffset, page.byteLength), offset: 0 };
      dictionary = readPlain(r, type, header.dictionary_page_header.num_values, element.type_length);
    } else if (header.type === 'DATA_PAGE') {
      const daph = header.data_page_header;
      const { repetitionLevels, dataPage } = readDataPage(page, daph, decoder);
      let values = Array.from(dataPage);
      if (daph.encoding.endsWith('_DICTIONARY')) values = values.map((i) => dictionary[i]);
      const rows = repetitionLevels.length ? repetitionLevels.filter((r) => r === 0).length : daph.num_values;
      let lo, hi;
      for (const v of values) {
        if (isFloat && Number.isNaN(v)) continue;
        if (lo === undefined || cmp(v, lo) < 0) lo = v;
        if (hi === undefined || cmp(v, hi) > 0) hi = v;
      }
      if (isFloat && lo === 0) lo = -0;
      if (isFloat && hi === 0) hi = 0;
      pages.push({
        offset, size, first_row: row, rows, num_values: daph.num_values,
        nulls: daph.num_values - values.length, values: values.length, encoding: daph.encoding,
        min: lo === undefined ? null : plainHex(type, lo), max: hi === undefined ? null : plainHex(type, hi),
        lo, hi,
      });
      row += rows;
    } else {
      throw new Error(`unexpected page type ${header.type} at ${offset}`);
    }
    offset += size;
  }
  const order = boundaryOrder(pages, cmp);
  for (const p of pages) delete p.lo, delete p.hi;
  return { path: meta.path_in_schema.join('.'), type, pages, boundary_order: order };
}

const raw = { type: 'FIXED_LEN_BYTE_ARRAY' };  // min/max as their PLAIN bytes, not converted
const out = { created_by: metadata.created_by, row_groups: [] };
for (const rg of metadata.row_groups) {
  const g = { num_rows: num(rg.num_rows), columns: [] };
  for (const col of rg.columns) {
    const c = readPages(col);
    c.column_index = null;
    c.offset_index = null;
    if (col.column_index_offset !== undefined) {
      const at = num(col.column_index_offset);
      const ci = readColumnIndex({ view: new DataView(buf, at, col.column_index_length), offset: 0 }, raw);
      c.column_index = {
        null_pages: ci.null_pages,
        min_values: ci.min_values.map(hex),
        max_values: ci.max_values.map(hex),
        boundary_order: ci.boundary_order,
        null_counts: ci.null_counts?.map(num),
      };
    }
    if (col.offset_index_offset !== undefined) {
      const at = num(col.offset_index_offset);
      const oi = readOffsetIndex({ view: new DataView(buf, at, col.offset_index_length), offset: 0 });
      c.offset_index = oi.page_locations.map((l) => ({
        offset: num(l.offset), compressed_page_size: l.compressed_page_size, first_row_index: num(l.first_row_index),
      }));
    }
    g.columns.push(c);
  }
  out.row_groups.push(g);
}
process.stdout.write(JSON.stringify(out) + '\n');
