// Google OAuth2 token endpoint for service accounts, for tests/fs (used by s3_server.mjs with
// --gcs-public-key, mounted at POST /__oauth2/token). Enforces the JWT-bearer grant of
// "Using OAuth 2.0 for Server to Server Applications"
// (https://developers.google.com/identity/protocols/oauth2/service-account) / RFC 7523:
//  * Content-Type application/x-www-form-urlencoded with
//    grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer and assertion=<JWT>;
//  * the JWT header is {"alg":"RS256","typ":"JWT"} and its RS256 signature verifies with the
//    service account's public key (node:crypto);
//  * claims: iss = the service account's client_email, aud = this endpoint's URL,
//    scope contains https://www.googleapis.com/auth/devstorage.read_write (or full_control),
//    iat within 5 minutes of now, exp > now and exp - iat <= 3600.
// Anything else gets HTTP 400 with an RFC 6749 section 5.2 JSON error
// ({"error":"invalid_grant"|"invalid_request"|"unsupported_grant_type","error_description"}).
// Success: {"access_token","expires_in","token_type":"Bearer"}; issued tokens are remembered so
// the S3/GCS front can accept "Authorization: Bearer <token>" for exactly those.
import crypto from 'node:crypto';

const GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const SCOPES = ['https://www.googleapis.com/auth/devstorage.read_write',
                'https://www.googleapis.com/auth/devstorage.full_control'];

function b64urlJson(s) {
  return JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
}

export function createTokenService({ publicKeyPem, clientEmail, expiresIn = 3600 }) {
  const publicKey = crypto.createPublicKey(publicKeyPem);
  const issued = new Map(); // token -> expiry (ms)
  const stats = { requests: 0, issued: 0, rejected: 0 };

  function check(req, body) {
    const ctype = (req.headers['content-type'] || '').split(';')[0].trim();
    if (req.method !== 'POST' || ctype !== 'application/x-www-form-urlencoded') {
      return ['invalid_request', 'POST an application/x-www-form-urlencoded body'];
    }
    const form = new URLSearchParams(body.toString('utf8'));
    if (form.get('grant_type') !== GRANT) {
      return ['unsupported_grant_type', `grant_type must be ${GRANT}`];
    }
    const jwt = form.get('assertion') || '';
    const parts = jwt.split('.');
    if (parts.length !== 3) return ['invalid_request', 'assertion is not a JWT'];
    let header, claims;
    try {
      header = b64urlJson(parts[0]);
      claims = b64urlJson(parts[1]);
    } catch {
      return ['invalid_request', 'assertion is not a JWT'];
    }
    if (header.alg !== 'RS256' || header.typ !== 'JWT') {
      return ['invalid_grant', 'Invalid JWT: alg must be RS256 and typ JWT'];
    }
    const ok = crypto.verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), publicKey,
                             Buffer.from(parts[2], 'base64url'));
    if (!ok) return ['invalid_grant', 'Invalid JWT Signature.'];
    if (claims.iss !== clientEmail) return ['invalid_grant', 'Invalid issuer: unknown client_email'];
    const aud = `http://${req.headers.host}/__oauth2/token`;
    if (claims.aud !== aud) return ['invalid_grant', `Invalid JWT: aud must be ${aud}`];
    const scopes = String(claims.scope || '').split(' ');
    if (!scopes.some((s) => SCOPES.includes(s))) {
      return ['invalid_scope', 'scope does not grant Cloud Storage read-write access'];
    }
    const now = Math.floor(Date.now() / 1000);
    if (!Number.isInteger(claims.iat) || !Number.isInteger(claims.exp) ||
        Math.abs(claims.iat - now) > 300 || claims.exp <= now || claims.exp - claims.iat > 3600) {
      return ['invalid_grant', 'Invalid JWT: Token must be a short-lived token (60 minutes) and ' +
              'in a reasonable timeframe. Check your iat and exp values in the JWT claim.'];
    }
    return null;
  }

  function handle(req, res, body) {
    stats.requests += 1;
    const err = check(req, body);
    let status, obj;
    if (err) {
      stats.rejected += 1;
      status = 400;
      obj = { error: err[0], error_description: err[1] };
    } else {
      stats.issued += 1;
      const token = `ya29.test-${crypto.randomBytes(18).toString('base64url')}`;
      issued.set(token, Date.now() + expiresIn * 1000);
      status = 200;
      obj = { access_token: token, expires_in: expiresIn, token_type: 'Bearer' };
    }
    const b = JSON.stringify(obj);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8',
                            'content-length': Buffer.byteLength(b) });
    res.end(b);
  }

  // True when `token` was issued here and has not expired.
  function accepts(token) {
    const exp = issued.get(token);
    return exp !== undefined && exp > Date.now();
  }
  function revokeAll() {
    issued.clear();
  }
  return { handle, accepts, revokeAll, stats };
}
