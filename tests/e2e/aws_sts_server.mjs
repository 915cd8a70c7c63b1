// Minimal AWS STS for tests/fs: AssumeRoleWithWebIdentity only
// (https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html).
// Enforces: POST / with Content-Type application/x-www-form-urlencoded; Action=
// AssumeRoleWithWebIdentity; Version=2011-06-15; RoleArn equal to --role-arn; RoleSessionName
// matching [\w+=,.@-]{2,64}; WebIdentityToken equal to the current content of --token-file
// (re-read per request, trailing newline ignored). Errors are STS XML ErrorResponse bodies
// (400 InvalidIdentityToken / ValidationError / InvalidAction, 403 AccessDenied). Success returns
// AssumeRoleWithWebIdentityResponse with the --access-key/--secret-key/--session-token
// credentials and an Expiration --duration seconds ahead (default 3600).
//
// Usage: node aws_sts_server.mjs --token-file F --role-arn A --access-key AK --secret-key SK
//                                --session-token T [--duration S]
// Prints {"port":N}; exits when stdin closes. GET /__admin/stats -> {"requests","issued",
// "sessionNames":[...]}.
import http from 'node:http';
import fs from 'node:fs';

function arg(name, def) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
}
const tokenFile = arg('token-file');
const roleArn = arg('role-arn');
const accessKey = arg('access-key');
const secretKey = arg('secret-key');
const sessionToken = arg('session-token');
const duration = Number(arg('duration', '3600'));
const stats = { requests: 0, issued: 0, sessionNames: [] };

function xmlEscape(s) {
  return String(s).replace(/[&<>"']/g, (c) =>
    ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]);
}
function send(res, status, xml) {
  res.writeHead(status, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(xml) });
  res.end(xml);
}
function error(res, status, code, message) {
  send(res, status, '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error>' +
    `<Type>Sender</Type><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error>` +
    '<RequestId>sts-test</RequestId></ErrorResponse>');
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    if (req.url === '/__admin/stats') {
      const b = JSON.stringify(stats);
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(b);
    }
    stats.requests += 1;
    const ctype = (req.headers['content-type'] || '').split(';')[0].trim();
    if (req.method !== 'POST' || req.url !== '/' || ctype !== 'application/x-www-form-urlencoded') {
      return error(res, 400, 'InvalidRequest', 'POST / with a form-encoded body expected');
    }
    const form = new URLSearchParams(body);
    if (form.get('Action') !== 'AssumeRoleWithWebIdentity') {
      return error(res, 400, 'InvalidAction', `Could not find operation ${form.get('Action')}`);
    }
    if (form.get('Version') !== '2011-06-15') {
      return error(res, 400, 'InvalidParameterValue', 'Version must be 2011-06-15');
    }
    const name = form.get('RoleSessionName') || '';
    if (!/^[\w+=,.@-]{2,64}$/.test(name)) {
      return error(res, 400, 'ValidationError', 'RoleSessionName is missing or invalid');
    }
    let expected = '';
    try {
      expected = fs.readFileSync(tokenFile, 'utf8').replace(/\s+$/, '');
    } catch {
      return error(res, 500, 'InternalFailure', 'test STS cannot read its token file');
    }
    if (form.get('WebIdentityToken') !== expected) {
      return error(res, 400, 'InvalidIdentityToken', 'Couldn\'t retrieve verification key from your identity provider');
    }
    if (form.get('RoleArn') !== roleArn) {
      return error(res, 403, 'AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity');
    }
    stats.issued += 1;
    stats.sessionNames.push(name);
    const exp = new Date(Date.now() + duration * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    send(res, 200, '<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">' +
      '<AssumeRoleWithWebIdentityResult><SubjectFromWebIdentityToken>system:serviceaccount:ns:sa' +
      '</SubjectFromWebIdentityToken><AssumedRoleUser>' +
      `<Arn>${xmlEscape(roleArn)}/${xmlEscape(name)}</Arn><AssumedRoleId>AROATEST:${xmlEscape(name)}</AssumedRoleId>` +
      '</AssumedRoleUser><Credentials>' +
      `<SessionToken>${xmlEscape(sessionToken)}</SessionToken>` +
      `<SecretAccessKey>${xmlEscape(secretKey)}</SecretAccessKey>` +
      `<Expiration>${exp}</Expiration>` +
      `<AccessKeyId>${xmlEscape(accessKey)}</AccessKeyId>` +
      '</Credentials><Audience>sts.amazonaws.com</Audience></AssumeRoleWithWebIdentityResult>' +
      '<ResponseMetadata><RequestId>sts-test</RequestId></ResponseMetadata>' +
      '</AssumeRoleWithWebIdentityResponse>');
  });
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
process.stdin.on('end', () => process.exit(0));
process.stdin.on('close', () => process.exit(0));
process.stdin.resume();
