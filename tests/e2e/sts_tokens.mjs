// Temporary S3 credentials for the tests, shared by the test Iceberg catalog (which vends them, as
// a catalog backed by AWS STS AssumeRole does) and the S3 front (which accepts them until they
// expire, as S3 does). Both are given the same --sts-secret; a token carries its access key id
// and expiry, authenticated by an HMAC, so the front verifies a credential it never saw minted.
//   access key id   "ASIA" + 16 hex digits (STS temporary keys start with ASIA);
//   secret key      base64 HMAC-SHA256(secret, "secret:" + access key id);
//   session token   base64url(JSON {ak, exp}) + "." + hex HMAC-SHA256(secret, that base64url).
// S3's answer to an expired session token is HTTP 400 with code ExpiredToken
// (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html#ErrorCodeList).
import crypto from 'node:crypto';

const hmac = (secret, text) => crypto.createHmac('sha256', secret).update(text);

// A new credential valid until `expiresAtMs` (epoch ms).
export function mintCredential(secret, expiresAtMs) {
  const ak = `ASIA${crypto.randomBytes(8).toString('hex').toUpperCase()}`;
  const payload = Buffer.from(JSON.stringify({ ak, exp: expiresAtMs })).toString('base64url');
  return {
    accessKeyId: ak,
    secretAccessKey: hmac(secret, `secret:${ak}`).digest('base64'),
    sessionToken: `${payload}.${hmac(secret, payload).digest('hex')}`,
    expiresAtMs,
  };
}

export const isTemporaryKey = (ak) => /^ASIA[0-9A-F]{16}$/.test(ak);

// Checks `token` for access key `ak` at time `nowMs`: {secretAccessKey, expiresAtMs} or
// {error: [status, code, message]} (403 InvalidToken for a forged or mismatched token, 400
// ExpiredToken past its expiry).
export function checkCredential(secret, ak, token, nowMs) {
  const invalid = { error: [403, 'InvalidToken', 'The provided token is malformed or otherwise invalid.'] };
  const m = /^([A-Za-z0-9_-]+)\.([0-9a-f]{64})$/.exec(token || '');
  if (!m) return invalid;
  const want = hmac(secret, m[1]).digest();
  if (!crypto.timingSafeEqual(want, Buffer.from(m[2], 'hex'))) return invalid;
  let claims;
  try {
    claims = JSON.parse(Buffer.from(m[1], 'base64url').toString());
  } catch {
    return invalid;
  }
  if (claims.ak !== ak || typeof claims.exp !== 'number') return invalid;
  if (nowMs >= claims.exp) return { error: [400, 'ExpiredToken', 'The provided token has expired.'] };
  return { secretAccessKey: hmac(secret, `secret:${ak}`).digest('base64'), expiresAtMs: claims.exp };
}
