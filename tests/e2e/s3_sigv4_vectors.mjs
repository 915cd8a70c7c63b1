// Prints the AWS SigV4 test-suite vectors (as shipped by @aws-sdk/signature-v4's bundled
// @smithy/signature-v4 `suite.fixture.js`) as one JSON document on stdout, for
// tests/fs/sigv4_test.cc. Each request: name, method, hostname, path, query, headers, body,
// expected authorization; plus the suite's region, service, credentials and signing date.
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const sdk = path.dirname(require.resolve('@aws-sdk/signature-v4/package.json'));
const candidates = [
  path.join(sdk, 'node_modules/@smithy/signature-v4/dist-cjs/suite.fixture.js'),
  '@smithy/signature-v4/dist-cjs/suite.fixture.js',
];
let suite;
for (const c of candidates) {
  try {
    suite = require(c);
    break;
  } catch {
    // try the next location
  }
}
if (!suite) {
  console.error('suite.fixture.js not found under @aws-sdk/signature-v4');
  process.exit(1);
}
const out = {
  region: suite.region,
  service: suite.service,
  accessKeyId: suite.credentials.accessKeyId,
  secretAccessKey: suite.credentials.secretAccessKey,
  signingDate: suite.signingDate.toISOString(),
  requests: suite.requests.map(({ name, request, authorization }) => ({
    name,
    method: request.method,
    hostname: request.hostname,
    path: request.path,
    query: request.query || {},
    headers: request.headers || {},
    body: request.body === undefined ? '' : String(request.body),
    authorization,
  })),
};
process.stdout.write(JSON.stringify(out, null, 1));
