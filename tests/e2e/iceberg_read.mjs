// Reads an Iceberg table with icebird (an independent Iceberg reader built on hyparquet) and
// prints its rows as one JSON array (BigInts as strings, Uint8Arrays as hex, Dates as ISO text).
//
// Usage: node iceberg_read.mjs METADATA_JSON_FILE
//   METADATA_JSON_FILE holds the table metadata object (as loadTable / the catalog returns it).
// Files named by file:// URIs (the test catalog's local warehouse) are served to icebird's fetch
// from disk, with HEAD and Range support, so the reader follows exactly the paths the metadata,
// manifest lists and manifests name.
import fs from 'node:fs';
import { icebergRead } from 'icebird';

const realFetch = globalThis.fetch;
globalThis.fetch = async (url, init = {}) => {
  const u = String(url);
  if (!u.startsWith('file://')) return realFetch(url, init);
  const path = decodeURIComponent(new URL(u).pathname);
  let data;
  try {
    data = fs.readFileSync(path);
  } catch (e) {
    return new Response(`not found: ${path}`, { status: 404 });
  }
  const headers = new Headers(init.headers || {});
  if ((init.method || 'GET').toUpperCase() === 'HEAD') {
    return new Response(null, { status: 200, headers: { 'content-length': String(data.length) } });
  }
  const range = headers.get('range');
  if (range) {
    const m = /^bytes=(\d+)-(\d*)$/.exec(range);
    const start = Number(m[1]);
    const end = m[2] === '' ? data.length - 1 : Math.min(Number(m[2]), data.length - 1);
    const body = data.subarray(start, end + 1);
    return new Response(body, {
      status: 206,
      headers: { 'content-length': String(body.length),
                 'content-range': `bytes ${start}-${end}/${data.length}` },
    });
  }
  return new Response(data, { status: 200, headers: { 'content-length': String(data.length) } });
};

const metadata = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const rows = await icebergRead({ tableUrl: metadata.location, metadata });
const out = JSON.stringify(rows, (k, v) => {
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
  if (v instanceof Date) return v.toISOString();
  return v;
});
process.stdout.write(out + '\n');
