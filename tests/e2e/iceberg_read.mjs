// Reads an Iceberg table with icebird (an independent Iceberg reader built on hyparquet) and
// prints its rows as one JSON array (BigInts as strings, Uint8Arrays as hex, Dates as ISO text).
//
// Usage: node iceberg_read.mjs METADATA_JSON_FILE
//          [--s3-endpoint URL --access-key AK --secret-key SK [--session-token T] [--region R]]
//   METADATA_JSON_FILE holds the table metadata object (as loadTable / the catalog returns it).
// Files named by file:// URIs (the test catalog's local warehouse) are served to icebird's fetch
// from disk, with HEAD and Range support, so the reader follows exactly the paths the metadata,
// manifest lists and manifests name. With --s3-endpoint, s3://bucket/key URIs (the catalog's S3
// mode; icebird asks for them as https://bucket.s3.amazonaws.com/key) are fetched path-style from
// that endpoint (tests/e2e/s3_server.mjs), SigV4-signed.
import fs from 'node:fs';
import { icebergRead } from 'icebird';
import { signedRequest } from './iceberg_catalog_sigv4.mjs';

function arg(name) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : undefined;
}
const s3 = arg('s3-endpoint') && {
  endpoint: arg('s3-endpoint').replace(/\/$/, ''),
  creds: { accessKey: arg('access-key'), secretKey: arg('secret-key'),
           sessionToken: arg('session-token') || '', region: arg('region') || 'us-east-1',
           service: 's3' },
};

const realFetch = globalThis.fetch;
globalThis.fetch = async (url, init = {}) => {
  const u = String(url);
  const headers0 = new Headers(init.headers || {});
  // icebird itself rewrites s3://bucket/key to https://bucket.s3.amazonaws.com/key.
  const m3 = /^s3a?:\/\/([^/]+)\/(.+)$/.exec(u) || /^https:\/\/([^./]+)\.s3\.amazonaws\.com\/(.+)$/.exec(u);
  if (m3 && s3) {
    const key = m3[2].split('/').map((p) => encodeURIComponent(decodeURIComponent(p))).join('/');
    const range = headers0.get('range');
    const r = await signedRequest((init.method || 'GET').toUpperCase(), `${s3.endpoint}/${m3[1]}/${key}`,
      undefined, s3.creds, range ? { range } : {});
    const h = {};
    for (const k of ['content-length', 'content-range', 'etag']) if (r.headers[k]) h[k] = r.headers[k];
    return new Response(r.status === 204 || (init.method || '').toUpperCase() === 'HEAD' ? null : r.body,
                        { status: r.status, headers: h });
  }
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
