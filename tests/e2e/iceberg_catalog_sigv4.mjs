// AWS SigV4 for the test Iceberg catalog, with @smithy/signature-v4 (the AWS SDK's own signer):
//  * verifyRequest: recomputes the signature of an incoming REST catalog request (the Glue /
//    S3 Tables modes, where clients sign every catalog call: Java RESTSigV4AuthSession).
//  * signedRequest: signs an outgoing S3 request (the catalog writing metadata files through the
//    tests' verifying S3 front, tests/e2e/s3_server.mjs).
// Canonical URI: for services other than S3 the SDKs URI-encode the already-encoded path once
// more ("double encoding", e.g. a namespace separator %1F is signed as %251F); S3 signs the path
// as sent. Hence uriEscapePath = (service !== 's3').
import crypto from 'node:crypto';
import http from 'node:http';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { SignatureV4 } = require('@smithy/signature-v4');
const { Sha256 } = require('@aws-crypto/sha256-js');

export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export function parseQuery(raw) {
  const q = {};
  if (!raw) return q;
  for (const part of raw.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const k = decodeURIComponent((eq < 0 ? part : part.slice(0, eq)).replace(/\+/g, ' '));
    const v = eq < 0 ? '' : decodeURIComponent(part.slice(eq + 1).replace(/\+/g, ' '));
    if (k in q) q[k] = [].concat(q[k], v);
    else q[k] = v;
  }
  return q;
}

function amzDate(s) {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s || '');
  return m ? new Date(Date.UTC(+m[1], m[2] - 1, +m[3], +m[4], +m[5], +m[6])) : null;
}

// applyChecksum: add x-amz-content-sha256 when absent (outgoing S3 requests); a verifier must
// not, or it would sign a header the client never sent.
function signer({ accessKey, secretKey, sessionToken, region, service }, applyChecksum) {
  return new SignatureV4({
    credentials: { accessKeyId: accessKey, secretAccessKey: secretKey, ...(sessionToken ? { sessionToken } : {}) },
    region,
    service,
    sha256: Sha256,
    uriEscapePath: service !== 's3',
    applyChecksum,
  });
}

// Returns null when the request is correctly signed, else a one-line reason. `creds`:
// {accessKey, secretKey, sessionToken?, region, service}.
export async function verifyRequest(req, body, rawPath, rawQuery, creds) {
  const auth = req.headers.authorization;
  if (!auth) return 'missing SigV4 Authorization header';
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(auth);
  if (!m) return 'malformed SigV4 Authorization header';
  const [, ak, , region, service, signedHeaders, signature] = m;
  if (ak !== creds.accessKey) return `unknown access key ${ak}`;
  if (region !== creds.region) return `credential scope region ${region}, expected ${creds.region}`;
  if (service !== creds.service) return `credential scope service ${service}, expected ${creds.service}`;
  const sha = crypto.createHash('sha256').update(body).digest('hex');
  const contentSha = req.headers['x-amz-content-sha256'];
  if (contentSha !== undefined && contentSha !== sha) return 'x-amz-content-sha256 does not match the body';
  if (creds.sessionToken && req.headers['x-amz-security-token'] !== creds.sessionToken) {
    return 'missing or wrong x-amz-security-token';
  }
  if (creds.sessionToken && !signedHeaders.split(';').includes('x-amz-security-token')) {
    return 'x-amz-security-token is not signed';
  }
  const headers = {};
  for (const name of signedHeaders.split(';')) {
    if (!(name in req.headers)) return `signed header ${name} is missing`;
    headers[name] = req.headers[name];
  }
  const date = amzDate(req.headers['x-amz-date']);
  if (!date) return 'missing or malformed x-amz-date';
  const signed = await signer(creds, false).sign({
    method: req.method,
    protocol: 'http:',
    hostname: (req.headers.host || '').split(':')[0],
    path: rawPath,
    query: parseQuery(rawQuery),
    headers,
    body: body.length ? body : undefined,
  }, { signingDate: date });
  const expected = /Signature=([0-9a-f]{64})/.exec(signed.headers.authorization)[1];
  const expectedSigned = /SignedHeaders=([^,]+)/.exec(signed.headers.authorization)[1];
  if (expectedSigned !== signedHeaders) return `signed headers ${signedHeaders}, expected ${expectedSigned}`;
  if (expected !== signature) return 'signature does not match';
  return null;
}

// Sends one signed request; resolves {status, body}. `url`: http://host:port/path (path already
// URI-encoded as it should go on the wire).
export async function signedRequest(method, url, body, creds, extraHeaders = {}) {
  const u = new URL(url);
  const payload = body || Buffer.alloc(0);
  const headers = {
    host: u.host,
    'x-amz-content-sha256': crypto.createHash('sha256').update(payload).digest('hex'),
    ...extraHeaders,
  };
  if (payload.length) headers['content-length'] = String(payload.length);
  const signed = await signer(creds, true).sign({
    method, protocol: u.protocol, hostname: u.hostname, port: Number(u.port), path: u.pathname,
    query: parseQuery(u.search.slice(1)), headers, body: payload,
  });
  return new Promise((resolve, reject) => {
    const r = http.request({ host: u.hostname, port: u.port, method, path: u.pathname + u.search,
                             headers: signed.headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    r.on('error', reject);
    r.end(payload);
  });
}
