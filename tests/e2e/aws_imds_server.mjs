// Minimal EC2 instance metadata service (IMDSv2 only) for tests/fs
// (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-instance-metadata-service.html).
// Enforces the session-token protocol:
//  * PUT /latest/api/token with X-aws-ec2-metadata-token-ttl-seconds in [1, 21600] -> a token
//    (400 without or with a bad TTL; 403 when X-Forwarded-For is present, like IMDS);
//  * every GET needs X-aws-ec2-metadata-token with a live token (401 otherwise; IMDSv1 is off);
//  * GET /latest/meta-data/iam/security-credentials/ -> the role name;
//    GET /latest/meta-data/iam/security-credentials/<role> -> {"Code":"Success","Type":
//    "AWS-HMAC","AccessKeyId","SecretAccessKey","Token","Expiration",...}; other paths 404.
//
// Usage: node aws_imds_server.mjs --role R --access-key AK --secret-key SK --session-token T
//                                 [--duration S]
// Prints {"port":N}; exits when stdin closes. GET /__admin/stats -> {"tokens","credentials",
// "rejected"}.
import http from 'node:http';
import crypto from 'node:crypto';

function arg(name, def) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
}
const role = arg('role', 'pinot-export-role');
const accessKey = arg('access-key');
const secretKey = arg('secret-key');
const sessionToken = arg('session-token');
const duration = Number(arg('duration', '21600'));
const tokens = new Map(); // token -> expiry ms
const stats = { tokens: 0, credentials: 0, rejected: 0 };

function text(res, status, body, type = 'text/plain') {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    if (req.url === '/__admin/stats') return text(res, 200, JSON.stringify(stats), 'application/json');
    if (req.url === '/latest/api/token') {
      if (req.method !== 'PUT') return text(res, 405, 'Method Not Allowed');
      if (req.headers['x-forwarded-for']) return text(res, 403, 'Forbidden');
      const ttl = Number(req.headers['x-aws-ec2-metadata-token-ttl-seconds']);
      if (!Number.isInteger(ttl) || ttl < 1 || ttl > 21600) {
        stats.rejected += 1;
        return text(res, 400, 'Bad Request');
      }
      const token = crypto.randomBytes(24).toString('base64');
      tokens.set(token, Date.now() + ttl * 1000);
      stats.tokens += 1;
      res.setHeader('x-aws-ec2-metadata-token-ttl-seconds', String(ttl));
      return text(res, 200, token);
    }
    if (req.method !== 'GET') return text(res, 405, 'Method Not Allowed');
    const exp = tokens.get(req.headers['x-aws-ec2-metadata-token'] || '');
    if (exp === undefined || exp < Date.now()) {
      stats.rejected += 1;
      return text(res, 401, 'Unauthorized');
    }
    const base = '/latest/meta-data/iam/security-credentials/';
    if (req.url === base) return text(res, 200, role);
    if (req.url === base + encodeURIComponent(role)) {
      stats.credentials += 1;
      const now = new Date();
      const body = JSON.stringify({
        Code: 'Success',
        LastUpdated: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
        Type: 'AWS-HMAC',
        AccessKeyId: accessKey,
        SecretAccessKey: secretKey,
        Token: sessionToken,
        Expiration: new Date(now.getTime() + duration * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      }, null, 2);
      return text(res, 200, body);
    }
    return text(res, 404, 'Not Found');
  });
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
process.stdin.on('end', () => process.exit(0));
process.stdin.on('close', () => process.exit(0));
process.stdin.resume();
