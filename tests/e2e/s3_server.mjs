// Test S3 endpoint for tests/fs: a real s3rver behind a *verifying front*.
//
// The front listens on a free loopback port and, for every request:
//  1. recomputes the AWS SigV4 signature with @smithy/signature-v4 (the AWS SDK's own signer)
//     from the signed headers, raw path and decoded query, and answers 403
//     SignatureDoesNotMatch / InvalidAccessKeyId (S3 XML error body) on any mismatch; it also
//     checks x-amz-content-sha256 against the received body (400 XAmzContentSHA256Mismatch) and
//     the credential scope's region (400 AuthorizationHeaderMalformed);
//  2. applies an injected fault if one is queued (see /__admin/faults);
//  3. forwards the request, unsigned, to s3rver (which has no usable SigV4 check of its own).
// Virtual-host requests (Host: <bucket>.localhost:<port>) are rewritten to path style.
// s3rver lacks AbortMultipartUpload and ListMultipartUploads, so the front keeps the bookkeeping:
// it records uploads started/completed, answers DELETE ?uploadId itself, and serves
// GET /<bucket>?uploads[&prefix=P] (ListMultipartUploadsResult with Key, UploadId and Initiated,
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListMultipartUploads.html) and
// GET /__admin/uploads (JSON). Like S3, UploadPart and CompleteMultipartUpload of an upload that
// is not open (completed, aborted, unknown) answer 404 NoSuchUpload; s3rver would answer 500.
// Like S3, an object made by CompleteMultipartUpload has the ETag "<md5 of the concatenated
// binary part MD5s>-<part count>" (s3rver gives the MD5 of the whole object): the front rewrites
// ETag headers of such objects and translates If-Match/If-None-Match back for s3rver.
//
// GCS service accounts (--gcs-public-key PEM-file --gcs-client-email E): POST /__oauth2/token is a
// Google OAuth2 token endpoint (gcs_token_server.mjs: JWT-bearer grant, RS256 signature checked
// with the public key), and requests with "Authorization: Bearer <token>" are accepted instead of
// SigV4 exactly when the token was issued there and is unexpired (403 AccessDenied otherwise),
// then forwarded to s3rver like signed ones.
//
// Temporary credentials (--sts-secret S): besides the fixed key, temporary keys minted with the
// same secret by the test catalog (sts_tokens.mjs) are accepted with their session token until
// they expire; afterwards, or once expired by the `expire` fault, requests signed with them get
// 400 ExpiredToken, like S3.
//
// Usage: node s3_server.mjs --dir D --access-key AK --secret-key SK [--region R]
//                           [--session-token T] [--buckets b1,b2] [--sts-secret S]
//                           [--gcs-public-key F --gcs-client-email E [--gcs-token-ttl S]]
// Prints one JSON line {"port":N} when ready; exits when stdin closes.
//
// Admin API (unsigned, JSON):
//  POST /__admin/faults  {"faults":[{"mode":"status","status":503,"code":"SlowDown","count":2,
//                          "method":"PUT","query":"partNumber"}]}  modes: status | reset |
//                          stall (holds the request for "ms" then drops it) | truncate (GET:
//                          forwards headers and half the body, then drops the connection).
//                          delay (holds the request for "ms", then serves it normally).
//                          drop (applies the request -- s3rver and the front's bookkeeping
//                          act on it -- then closes the connection without a response: a reply
//                          lost after the server acted). list-extra (ListObjectsV2: appends
//                          <Contents> entries for "keys" with "size" to s3rver's listing -- keys
//                          s3rver cannot store, e.g. with ".." segments). expire (the temporary
//                          key that signed the request expires now, before its stated expiry --
//                          as a revoked or clock-skewed credential does: this request and every
//                          later one signed with it get 400 ExpiredToken).
//                          "method"/"query" (a query parameter name)/"partNumber"/"path" (a
//                          substring of the request path) restrict which requests match; each fault applies to the next "count"
//                          matching requests.
//  DELETE /__admin/faults      clears queued faults.
//  GET /__admin/uploads        {"open":[{bucket,key,uploadId}],"completed":N,"aborted":N}
//  GET /__admin/log            [{method,path,query,status,fault}] of signed requests.
//  GET /__admin/stats          {"connections":N} TCP connections accepted so far.
//  GET /__admin/concurrency    {"current":N,"max":M} UploadPart requests in flight (after
//                              verification, until the response is sent); DELETE resets max.
//  GET /__admin/sts            {"keys":{ak: requests accepted},"expired":N} temporary keys seen and
//                              requests refused with ExpiredToken;
//  GET /__admin/oauth          {"requests","issued","rejected"} of the token endpoint;
//  POST /__admin/oauth/revoke  forgets every issued token.
import http from 'node:http';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { createTokenService } from './gcs_token_server.mjs';
import { checkCredential, isTemporaryKey } from './sts_tokens.mjs';

const require = createRequire(import.meta.url);

// s3rver encrypts ListObjectsV2 continuation tokens with DES, which OpenSSL 3 only offers through
// its legacy provider (node --openssl-legacy-provider). Without it every truncated listing fails
// with 500, so substitute an identity "cipher" for 'des': tokens stay opaque base64 strings
// (with '+', '/' and '=' that clients must encode), which is all the tests need.
{
  const nodeCrypto = require('node:crypto');
  let desWorks = true;
  try {
    nodeCrypto.createCipheriv('des', Buffer.alloc(8), Buffer.alloc(8));
  } catch {
    desWorks = false;
  }
  if (!desWorks) {
    const identity = () => ({
      update: (data, enc) => (Buffer.isBuffer(data) ? data : Buffer.from(data, enc)),
      final: () => Buffer.alloc(0),
    });
    const { createCipheriv, createDecipheriv } = nodeCrypto;
    nodeCrypto.createCipheriv = (alg, ...rest) =>
      (alg === 'des' ? identity() : createCipheriv(alg, ...rest));
    nodeCrypto.createDecipheriv = (alg, ...rest) =>
      (alg === 'des' ? identity() : createDecipheriv(alg, ...rest));
  }
}
const S3rver = require('s3rver');
const { SignatureV4 } = require('@smithy/signature-v4');
const { Sha256 } = require('@aws-crypto/sha256-js');

function arg(name, def) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
}
const dir = arg('dir');
const accessKey = arg('access-key', 'AKIDTEST');
const secretKey = arg('secret-key', 'test-secret');
const sessionToken = arg('session-token', '');
const region = arg('region', 'us-east-1');
const buckets = arg('buckets', 'bucket').split(',').filter(Boolean);
const stsSecret = arg('sts-secret', '');
const stsKeys = new Map(); // temporary access key -> requests accepted
const stsExpired = new Set(); // temporary keys expired early by the `expire` fault
let stsRejected = 0;
const gcsPublicKey = arg('gcs-public-key', '');
const tokens = gcsPublicKey
  ? createTokenService({ publicKeyPem: fs.readFileSync(gcsPublicKey, 'utf8'),
                         clientEmail: arg('gcs-client-email', ''),
                         expiresIn: Number(arg('gcs-token-ttl', '3600')) })
  : null;
let partsInFlight = 0;
let maxPartsInFlight = 0;

const s3rver = new S3rver({
  address: '127.0.0.1',
  port: 0,
  silent: true,
  directory: dir,
  configureBuckets: buckets.map((name) => ({ name })),
});
const backend = await s3rver.run();

let faults = [];
const log = [];
let connections = 0;
const uploads = new Map(); // uploadId -> {bucket, key, initiated (ISO 8601, ms)}
const multipartEtags = new Map(); // "bucket/key" -> {backend: s3rver's ETag, aws: S3's ETag}
let completed = 0;
let aborted = 0;

function xmlEscape(s) {
  return String(s).replace(/[&<>"']/g, (c) =>
    ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]);
}
function sendError(res, status, code, message, headers = {}) {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code>` +
    `<Message>${xmlEscape(message)}</Message><RequestId>front</RequestId></Error>`;
  res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}
function parseQuery(raw) {
  const q = {};
  if (!raw) return q;
  for (const part of raw.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const k = decodeURIComponent(eq < 0 ? part : part.slice(0, eq));
    const v = eq < 0 ? '' : decodeURIComponent(part.slice(eq + 1));
    if (k in q) q[k] = [].concat(q[k], v);
    else q[k] = v;
  }
  return q;
}
function amzDateToDate(s) {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s || '');
  return m ? new Date(Date.UTC(+m[1], m[2] - 1, +m[3], +m[4], +m[5], +m[6])) : null;
}

async function verify(req, body, rawPath, rawQuery) {
  const auth = req.headers.authorization;
  if (!auth) return [403, 'AccessDenied', 'Anonymous access is forbidden for this front'];
  if (auth.startsWith('Bearer ')) {
    if (tokens && tokens.accepts(auth.slice(7))) return null;
    return [403, 'AccessDenied', 'Invalid or expired OAuth2 access token.'];
  }
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(auth);
  if (!m) return [400, 'AuthorizationHeaderMalformed', 'The authorization header is malformed'];
  const [, ak, , scopeRegion, service, signedHeaders, signature] = m;
  let keySecret = secretKey;
  let keyToken = sessionToken;
  if (stsSecret && isTemporaryKey(ak)) {
    const c = checkCredential(stsSecret, ak, req.headers['x-amz-security-token'], Date.now());
    if (!c.error && stsExpired.has(ak)) c.error = [400, 'ExpiredToken', 'The provided token has expired.'];
    if (c.error) {
      if (c.error[1] === 'ExpiredToken') stsRejected += 1;
      return c.error;
    }
    keySecret = c.secretAccessKey;
    keyToken = req.headers['x-amz-security-token'];
  } else if (ak !== accessKey) {
    return [403, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.'];
  } else if (sessionToken && req.headers['x-amz-security-token'] !== sessionToken) {
    return [403, 'InvalidToken', 'The provided token is malformed or otherwise invalid.'];
  }
  if (scopeRegion !== region) {
    // Like S3, name the bucket's region so clients can redirect themselves.
    return [400, 'AuthorizationHeaderMalformed', `the region '${scopeRegion}' is wrong; expecting '${region}'`,
            { 'x-amz-bucket-region': region }];
  }
  const contentSha = req.headers['x-amz-content-sha256'];
  if (!contentSha) return [400, 'InvalidRequest', 'Missing required header for this request: x-amz-content-sha256'];
  if (contentSha !== 'UNSIGNED-PAYLOAD' &&
      contentSha !== crypto.createHash('sha256').update(body).digest('hex')) {
    return [400, 'XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed."];
  }
  const headers = {};
  for (const name of signedHeaders.split(';')) {
    if (!(name in req.headers)) return [403, 'SignatureDoesNotMatch', `signed header ${name} is missing`];
    headers[name] = req.headers[name];
  }
  const date = amzDateToDate(req.headers['x-amz-date']);
  if (!date) return [403, 'AccessDenied', 'missing or bad x-amz-date'];
  const signer = new SignatureV4({
    credentials: { accessKeyId: ak, secretAccessKey: keySecret,
                   ...(keyToken ? { sessionToken: keyToken } : {}) },
    region,
    service,
    sha256: Sha256,
    uriEscapePath: false, // S3: the path is signed as sent, no double encoding
    applyChecksum: true,
  });
  const signed = await signer.sign({
    method: req.method,
    protocol: 'http:',
    hostname: (req.headers.host || '').split(':')[0],
    path: rawPath,
    query: parseQuery(rawQuery),
    headers,
  }, { signingDate: date });
  const expected = /Signature=([0-9a-f]{64})/.exec(signed.headers.authorization)[1];
  const expectedSigned = /SignedHeaders=([^,]+)/.exec(signed.headers.authorization)[1];
  if (expected !== signature || expectedSigned !== signedHeaders) {
    return [403, 'SignatureDoesNotMatch',
            'The request signature we calculated does not match the signature you provided. Check your key and signing method.'];
  }
  if (stsSecret && isTemporaryKey(ak)) stsKeys.set(ak, (stsKeys.get(ak) || 0) + 1);
  return null;
}

function takeFault(req, query) {
  for (const f of faults) {
    if (f.count <= 0) continue;
    if (f.method && f.method !== req.method) continue;
    if (f.path && !req.url.split('?')[0].includes(f.path)) continue;
    if (f.query && !(f.query in query)) continue;
    if (f.partNumber !== undefined && query.partNumber !== String(f.partNumber)) continue;
    f.count -= 1;
    return f;
  }
  return null;
}

function admin(req, res, path, body) {
  const json = (status, obj) => {
    const b = JSON.stringify(obj);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(b) });
    res.end(b);
  };
  if (path === '/__admin/faults' && req.method === 'POST') {
    const spec = JSON.parse(body.toString() || '{}');
    faults = faults.concat((spec.faults || []).map((f) => ({ count: 1, ...f })));
    return json(200, { queued: faults.length });
  }
  if (path === '/__admin/faults' && req.method === 'DELETE') {
    faults = [];
    return json(200, {});
  }
  if (path === '/__admin/uploads') {
    return json(200, { open: [...uploads].map(([uploadId, u]) => ({ uploadId, ...u })), completed, aborted });
  }
  if (path === '/__admin/log') return json(200, log);
  if (path === '/__admin/stats') return json(200, { connections });
  if (path === '/__admin/concurrency' && req.method === 'DELETE') {
    maxPartsInFlight = partsInFlight;
    return json(200, {});
  }
  if (path === '/__admin/concurrency') return json(200, { current: partsInFlight, max: maxPartsInFlight });
  if (path === '/__admin/oauth/revoke' && tokens) {
    tokens.revokeAll();
    return json(200, {});
  }
  if (path === '/__admin/oauth' && tokens) return json(200, tokens.stats);
  if (path === '/__admin/sts') return json(200, { keys: Object.fromEntries(stsKeys), expired: stsRejected });
  return json(404, { error: 'unknown admin path' });
}

// S3's ETag of a multipart object: MD5 of the concatenated binary MD5s of its parts (the part
// ETags of the CompleteMultipartUpload body), then "-" and the part count.
function multipartEtag(completeBody) {
  const parts = [...completeBody.toString().matchAll(/<ETag>([^<]*)<\/ETag>/g)]
    .map((m) => Buffer.from(m[1].replace(/&quot;|"/g, ''), 'hex'));
  const md5 = crypto.createHash('md5').update(Buffer.concat(parts)).digest('hex');
  return `"${md5}-${parts.length}"`;
}

function forward(req, res, path, rawQuery, body, fault, onDone) {
  const headers = { ...req.headers };
  delete headers.authorization;
  delete headers['x-amz-security-token'];
  const objectKey = decodeURIComponent(path.slice(1));
  const mp = multipartEtags.get(objectKey);
  for (const h of ['if-match', 'if-none-match']) {
    if (mp && headers[h] === mp.aws) headers[h] = mp.backend;
  }
  headers.host = `127.0.0.1:${backend.port}`;
  headers['content-length'] = String(body.length);
  const up = http.request({
    host: '127.0.0.1', port: backend.port, method: req.method,
    path: path + (rawQuery ? `?${rawQuery}` : ''), headers,
  }, (ur) => {
    const chunks = [];
    ur.on('data', (c) => chunks.push(c));
    ur.on('end', () => {
      let data = Buffer.concat(chunks);
      const rewritten = onDone(ur.statusCode, data);
      if (rewritten) {
        data = rewritten;
        delete ur.headers['content-length'];
      }
      const cur = multipartEtags.get(objectKey);
      if (cur && ur.headers.etag === cur.backend) ur.headers.etag = cur.aws;
      if (fault && fault.mode === 'drop') return req.socket.destroy();
      if (fault && fault.mode === 'list-extra' && req.method === 'GET' && 'list-type' in parseQuery(rawQuery)) {
        const extra = (fault.keys || []).map((k) =>
          `<Contents><Key>${xmlEscape(k)}</Key><Size>${fault.size || 0}</Size></Contents>`).join('');
        data = Buffer.from(data.toString().replace('</ListBucketResult>', `${extra}</ListBucketResult>`));
        delete ur.headers['content-length'];
      }
      if (fault && fault.mode === 'truncate' && req.method === 'GET' && data.length > 1) {
        res.writeHead(ur.statusCode, ur.headers);
        res.write(data.subarray(0, Math.floor(data.length / 2)));
        setTimeout(() => res.socket && res.socket.destroy(), 20);
        return;
      }
      res.writeHead(ur.statusCode, ur.headers);
      res.end(data);
    });
  });
  up.on('error', (e) => sendError(res, 502, 'InternalError', `backend: ${e.message}`));
  up.end(body);
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    const body = Buffer.concat(chunks);
    const qi = req.url.indexOf('?');
    const rawPath = qi < 0 ? req.url : req.url.slice(0, qi);
    const rawQuery = qi < 0 ? '' : req.url.slice(qi + 1);
    if (rawPath.startsWith('/__admin/')) return admin(req, res, rawPath, body);
    if (rawPath === '/__oauth2/token' && tokens) return tokens.handle(req, res, body);
    const query = parseQuery(rawQuery);
    const entry = { method: req.method, path: rawPath, query, status: 0, fault: null };
    log.push(entry);
    let err;
    try {
      err = await verify(req, body, rawPath, rawQuery);
    } catch (e) {
      err = [500, 'InternalError', `front verifier failed: ${e.message}`];
    }
    if (err) {
      entry.status = err[0];
      return sendError(res, ...err);
    }
    // Virtual-host style -> path style.
    let path = rawPath;
    const host = (req.headers.host || '').split(':')[0];
    const vm = /^(.+)\.localhost$/.exec(host);
    if (vm) path = `/${vm[1]}${rawPath === '/' ? '' : rawPath}`;
    const [, bucket = '', key = ''] = /^\/([^/]*)\/?(.*)$/.exec(path) || [];

    if (req.method === 'PUT' && 'partNumber' in query) {
      partsInFlight += 1;
      maxPartsInFlight = Math.max(maxPartsInFlight, partsInFlight);
      let done = false;
      const dec = () => {
        if (!done) partsInFlight -= 1;
        done = true;
      };
      res.on('finish', dec);
      res.on('close', dec);
    }
    let fault = takeFault(req, query);
    if (fault && fault.mode === 'delay') {
      entry.fault = 'delay';
      await new Promise((r) => setTimeout(r, fault.ms || 200));
      fault = null;
    }
    if (fault) {
      entry.fault = fault.mode;
      if (fault.mode === 'status') {
        entry.status = fault.status;
        return sendError(res, fault.status, fault.code || 'InternalError', 'injected fault');
      }
      if (fault.mode === 'reset') return req.socket.destroy();
      if (fault.mode === 'expire') {
        const ak = /Credential=([^/]+)\//.exec(req.headers.authorization || '');
        if (ak && isTemporaryKey(ak[1])) stsExpired.add(ak[1]);
        stsRejected += 1;
        entry.status = 400;
        return sendError(res, 400, 'ExpiredToken', 'The provided token has expired.');
      }
      if (fault.mode === 'stall') {
        return setTimeout(() => req.socket.destroy(), fault.ms || 5000);
      }
    }
    // Multipart bookkeeping (s3rver implements neither Abort nor ListMultipartUploads).
    const dropped = fault && fault.mode === 'drop';
    const noSuchUpload = () => {
      entry.status = 404;
      return sendError(res, 404, 'NoSuchUpload', 'The specified upload does not exist.');
    };
    if ('uploadId' in query && !uploads.has(query.uploadId) &&
        (req.method === 'DELETE' || req.method === 'POST' || (req.method === 'PUT' && 'partNumber' in query))) {
      return noSuchUpload();
    }
    if (req.method === 'DELETE' && 'uploadId' in query) {
      uploads.delete(query.uploadId);
      aborted += 1;
      entry.status = 204;
      if (dropped) return req.socket.destroy();
      res.writeHead(204);
      return res.end();
    }
    if (req.method === 'GET' && 'uploads' in query && !key) {
      const prefix = query.prefix || '';
      const items = [...uploads].filter(([, u]) => u.bucket === bucket && u.key.startsWith(prefix))
        .map(([id, u]) => `<Upload><Key>${xmlEscape(u.key)}</Key><UploadId>${id}</UploadId>` +
             `<Initiated>${u.initiated}</Initiated></Upload>`);
      const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<ListMultipartUploadsResult>` +
        `<Bucket>${xmlEscape(bucket)}</Bucket><Prefix>${xmlEscape(prefix)}</Prefix>` +
        `<IsTruncated>false</IsTruncated>${items.join('')}</ListMultipartUploadsResult>`;
      entry.status = 200;
      if (dropped) return req.socket.destroy();
      res.writeHead(200, { 'content-type': 'application/xml' });
      return res.end(xml);
    }
    const initiated = new Date().toISOString();
    forward(req, res, path, rawQuery, body, fault, (status, data) => {
      entry.status = status;
      if (req.method === 'POST' && 'uploads' in query && status === 200) {
        const id = /<UploadId>([^<]+)<\/UploadId>/.exec(data.toString());
        if (id) uploads.set(id[1], { bucket, key: decodeURIComponent(key), initiated });
      }
      if (req.method === 'POST' && 'uploadId' in query && status === 200 &&
          !data.toString().includes('<Error>')) {
        if (uploads.delete(query.uploadId)) completed += 1;
        const backend = /<ETag>([^<]*)<\/ETag>/.exec(data.toString());
        if (backend) {
          const aws = multipartEtag(body);
          const unescaped = backend[1].replace(/&quot;/g, '"');
          multipartEtags.set(`${bucket}/${decodeURIComponent(key)}`, { backend: unescaped, aws });
          return Buffer.from(data.toString().replace(backend[0], `<ETag>${xmlEscape(aws)}</ETag>`));
        }
      }
      return null;
    });
  });
});
server.on('connection', () => {
  connections += 1;
});
server.keepAliveTimeout = 30000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
process.stdin.on('end', () => process.exit(0));
process.stdin.on('close', () => process.exit(0));
process.stdin.resume();
