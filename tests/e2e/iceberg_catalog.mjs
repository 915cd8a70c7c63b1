// Test Iceberg REST catalog for the iceberg-rest target's tests (not shipped). The contract other
// tests code against is /work/notes/catalog_contract.md; in short:
//
// Usage: node iceberg_catalog.mjs --dir D [--prefix P] [--warehouse W]
//          [--auth none|token|oauth2|sigv4] [--token T]
//          [--client-id ID --client-secret S [--token-ttl SECONDS] [--oauth2-path /path]]
//          [--sigv4-region R --sigv4-service NAME --access-key AK --secret-key SK [--session-token T]]
//          [--idempotency] [--anonymous-config] [--no-endpoints]
//          [--s3-endpoint URL --s3-bucket B --s3-access-key AK --s3-secret-key SK
//           [--s3-session-token T] [--s3-region R] [--vend-ttl-ms N] [--vend-in-config]
//           [--s3-sts-secret S]]
// With --s3-sts-secret every vend mints a new temporary key (sts_tokens.mjs) that the S3 front
// started with the same --sts-secret accepts until it expires (--vend-ttl-ms after the vend);
// without it the catalog vends its own --s3-* key.
// Prints one JSON line {"port":N} when ready, serves HTTP on 127.0.0.1:N, exits when stdin closes.
//
// Every request and every response of a spec route is validated against
// tests/data/iceberg/rest-catalog-open-api.yaml (iceberg_validator.mjs): a request that fails is
// answered 400 and recorded in /__admin/violations; a response that fails is replaced by a 500
// and recorded too, so the catalog cannot drift from the protocol.
//
// Commits (updateTable) follow Java's TableMetadata rules: requirements are checked against the
// current metadata, updates are applied to a copy, the new metadata file is written, and only
// then is the copy swapped in. Mutations run one at a time (a promise-chain mutex), so no commit
// can be checked against metadata another commit is replacing; a failed metadata write leaves
// the table unchanged.
//
// Table metadata files follow spec.md "Table Metadata" for format versions 1, 2 and 3 (v1 also
// carries the deprecated "schema" and "partition-spec"; "last-sequence-number" only from v2;
// "next-row-id" only in v3) and are named <location>/metadata/<NNNNN>-<uuid>.metadata.json
// (NNNNN from 00000), with <location>/metadata/version-hint.text holding the current NNNNN.
// No current snapshot is written as "current-snapshot-id": -1 for v1/v2 (as Java's
// TableMetadataParser does) and omitted for v3 (Java writes null there, which the REST schema's
// int64 "current-snapshot-id" does not allow).
import http from 'node:http';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify, big, norm, idEq } from './iceberg_catalog_json.mjs';
import { loadSpec } from './iceberg_catalog_validator.mjs';
import { verifyRequest, signedRequest, parseQuery } from './iceberg_catalog_sigv4.mjs';
import { manifestFileSchema, encodeContainer } from './iceberg_catalog_avro.mjs';
import { mintCredential } from './sts_tokens.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));

function arg(name, def) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : def;
}
const flag = (name) => process.argv.includes(`--${name}`);

const opts = {
  dir: path.resolve(arg('dir', '.')),
  prefix: arg('prefix', ''),
  warehouse: arg('warehouse', ''),
  auth: arg('auth', 'none'),
  token: arg('token', ''),
  clientId: arg('client-id', ''),
  clientSecret: arg('client-secret', ''),
  tokenTtl: Number(arg('token-ttl', '3600')),
  oauth2Path: arg('oauth2-path', ''),
  sigv4: { region: arg('sigv4-region', 'us-east-1'), service: arg('sigv4-service', 'execute-api'),
           accessKey: arg('access-key', ''), secretKey: arg('secret-key', ''), sessionToken: arg('session-token', '') },
  idempotency: flag('idempotency'),
  anonymousConfig: flag('anonymous-config'),
  noEndpoints: flag('no-endpoints'),
  s3: arg('s3-endpoint', '') ? {
    endpoint: arg('s3-endpoint').replace(/\/$/, ''), bucket: arg('s3-bucket', 'bucket'),
    accessKey: arg('s3-access-key', ''), secretKey: arg('s3-secret-key', ''),
    sessionToken: arg('s3-session-token', ''), region: arg('s3-region', 'us-east-1'),
  } : null,
  vendTtlMs: Number(arg('vend-ttl-ms', '3600000')),
  stsSecret: arg('s3-sts-secret', ''),
  vendInConfig: flag('vend-in-config'),
  spec: arg('spec', path.join(HERE, '..', 'data', 'iceberg', 'rest-catalog-open-api.yaml')),
};
if (!['none', 'token', 'oauth2', 'sigv4'].includes(opts.auth)) {
  process.stderr.write(`unknown --auth ${opts.auth}\n`);
  process.exit(2);
}

const spec = loadSpec(opts.spec);

// ---------------------------------------------------------------------------------------------
// State
let clockOffsetMs = 0;
const now = () => Date.now() + clockOffsetMs;
const namespaces = new Map(); // levels joined by \x1f -> {namespace, properties}
const tables = new Map(); // nsKey \x00 name -> table (see createTableState)
const tokens = new Map(); // issued OAuth2 access token -> expiry (catalog clock, ms)
const idempotent = new Map(); // Idempotency-Key -> {method, path, result}
let faults = [];
const log = [];
const violations = [];
let port = 0;

const nsKey = (levels) => levels.join('\x1f');
const tableKey = (levels, name) => `${nsKey(levels)}\x00${name}`;

// One mutation at a time (create, commit, injected concurrent appends).
let chain = Promise.resolve();
function locked(fn) {
  const p = chain.then(fn);
  chain = p.catch(() => {});
  return p;
}

// ---------------------------------------------------------------------------------------------
// Storage: metadata files go to local disk (file://) or through the S3 endpoint (s3://, signed).
function tableBase(levels, name) {
  const rel = `warehouse/${levels.join('/')}/${name}`;
  return opts.s3 ? `s3://${opts.s3.bucket}/${rel}` : `file://${opts.dir}/${rel}`;
}

async function put(uri, data) {
  if (uri.startsWith('file://')) {
    const p = uri.slice('file://'.length);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    const tmp = `${p}.tmp-${crypto.randomBytes(4).toString('hex')}`;
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, p);
    return;
  }
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (!m || !opts.s3) throw new Error(`cannot write ${uri}`);
  const key = m[2].split('/').map(encodeURIComponent).join('/');
  const r = await signedRequest('PUT', `${opts.s3.endpoint}/${m[1]}/${key}`, Buffer.from(data), {
    accessKey: opts.s3.accessKey, secretKey: opts.s3.secretKey, sessionToken: opts.s3.sessionToken,
    region: opts.s3.region, service: 's3',
  });
  if (r.status !== 200) throw new Error(`PUT ${uri}: HTTP ${r.status} ${r.body.toString().slice(0, 200)}`);
}

// ---------------------------------------------------------------------------------------------
// Results and errors. A handler returns {status, body, headers}; the dispatcher validates and sends.
const ERROR_TYPES = {
  400: 'BadRequestException', 401: 'NotAuthorizedException', 403: 'ForbiddenException',
  404: 'NotFoundException', 409: 'AlreadyExistsException', 419: 'AuthenticationTimeoutException',
  500: 'InternalServerError', 502: 'BadGateway', 503: 'ServiceUnavailableException', 504: 'GatewayTimeout',
};
function errorResult(route, status, type, message, headers = {}) {
  if (route && route.name === 'token') {
    // The token route's errors are OAuthError (RFC 6749 5.2), not IcebergErrorResponse.
    const error = status === 401 ? 'invalid_client' : 'invalid_request';
    return { status, body: { error: type && /^[a-z_]+$/.test(type) ? type : error, error_description: message }, headers };
  }
  let t = type;
  if (!t) {
    t = ERROR_TYPES[status] || 'InternalServerError';
    if (route && route.name === 'commit') {
      if (status === 409) t = 'CommitFailedException';
      if ([500, 502, 504].includes(status)) t = 'CommitStateUnknownException';
    }
  }
  return { status, body: { error: { message, type: t, code: status } }, headers };
}

// ---------------------------------------------------------------------------------------------
// Routing
const P = '/v1/{prefix}';
function matchRoute(method, rawPath) {
  if (opts.oauth2Path && rawPath === opts.oauth2Path) {
    return method === 'POST' ? { name: 'token', template: '/v1/oauth/tokens' } : null;
  }
  if (rawPath === '/v1/config') return method === 'GET' ? { name: 'config', template: '/v1/config' } : null;
  if (rawPath === '/v1/oauth/tokens') {
    return method === 'POST' && !opts.oauth2Path ? { name: 'token', template: '/v1/oauth/tokens' } : null;
  }
  const base = opts.prefix ? `/v1/${opts.prefix}/` : '/v1/';
  if (!rawPath.startsWith(base)) return null;
  let segs;
  try {
    segs = rawPath.slice(base.length).split('/').map(decodeURIComponent);
  } catch {
    return null;
  }
  if (segs[0] !== 'namespaces') return null;
  const ns = segs.length > 1 ? segs[1].split('\x1f') : null;
  const table = segs[3];
  const T = `${P}/namespaces/{namespace}/tables/{table}`;
  const routes = {
    1: { GET: ['list-namespaces', `${P}/namespaces`], POST: ['create-namespace', `${P}/namespaces`] },
    2: { GET: ['load-namespace', `${P}/namespaces/{namespace}`], HEAD: ['namespace-exists', `${P}/namespaces/{namespace}`] },
    3: segs[2] === 'tables' ? { GET: ['list-tables', `${P}/namespaces/{namespace}/tables`],
                                POST: ['create', `${P}/namespaces/{namespace}/tables`] } : {},
    4: segs[2] === 'tables' ? { GET: ['load', T], HEAD: ['table-exists', T], POST: ['commit', T] } : {},
    5: segs[2] === 'tables' && segs[4] === 'credentials' ? { GET: ['credentials', `${T}/credentials`] } : {},
  }[segs.length] || {};
  const r = routes[method];
  if (!r) return null;
  if (ns && ns.some((l) => l === '')) return null;
  return { name: r[0], template: r[1], namespace: ns, table };
}

// ---------------------------------------------------------------------------------------------
// Authentication
async function authenticate(req, route, body, rawPath, rawQuery) {
  if (opts.auth === 'none') return null;
  if (opts.auth === 'sigv4') {
    const why = await verifyRequest(req, body, rawPath, rawQuery, opts.sigv4);
    return why ? errorResult(route, 403, 'ForbiddenException', `SigV4 verification failed: ${why}`) : null;
  }
  if (route.name === 'token') return null; // client authentication happens in the token handler
  if (route.name === 'config' && opts.anonymousConfig) return null;
  const m = /^Bearer (.+)$/.exec(req.headers.authorization || '');
  const ok = m && (opts.auth === 'token' ? m[1] === opts.token : (tokens.get(m[1]) ?? -Infinity) > now());
  return ok ? null : errorResult(route, 401, 'NotAuthorizedException',
    m ? 'Not authorized: the bearer token is unknown, revoked or expired' : 'Not authorized: missing bearer token');
}

// ---------------------------------------------------------------------------------------------
// Table metadata (spec.md "Table Metadata"; JSON serialization per Appendix C)

// Fresh field ids in Java's AssignFreshIds order: a struct's own fields first, then the nested
// types of each field in order (list: element id, then element type; map: key id, value id,
// then key and value types). `ids` maps request ids to new ids (identifier fields, specs, orders).
function assignFreshIds(schema) {
  let last = 0;
  const next = () => ++last;
  const ids = new Map();
  const visitType = (t) => {
    if (typeof t === 'string') return t;
    if (t.type === 'struct') return visitStruct(t);
    if (t.type === 'list') {
      const id = next();
      ids.set(t['element-id'], id);
      return { ...t, 'element-id': id, element: visitType(t.element) };
    }
    if (t.type === 'map') {
      const kid = next();
      const vid = next();
      ids.set(t['key-id'], kid);
      ids.set(t['value-id'], vid);
      return { ...t, 'key-id': kid, key: visitType(t.key), 'value-id': vid, value: visitType(t.value) };
    }
    return t;
  };
  const visitStruct = (s) => {
    const fresh = s.fields.map((f) => {
      const id = next();
      if (!ids.has(f.id)) ids.set(f.id, id);
      return id;
    });
    return { type: 'struct', fields: s.fields.map((f, i) => ({ ...f, id: fresh[i], type: visitType(f.type) })) };
  };
  const struct = visitStruct(schema);
  const out = { type: 'struct', 'schema-id': 0, fields: struct.fields };
  if (schema['identifier-field-ids']) out['identifier-field-ids'] = schema['identifier-field-ids'].map((i) => ids.get(i) ?? i);
  return { schema: out, lastColumnId: last, ids };
}

const pad5 = (n) => String(n).padStart(5, '0');
const mainId = (m) => (m.refs && m.refs.main ? m.refs.main['snapshot-id'] : null);
const findSnapshot = (m, id) => m.snapshots.find((s) => idEq(s['snapshot-id'], id));

// Derived and deprecated fields, recomputed before every write.
function refreshDerived(m) {
  const fv = m['format-version'];
  const cur = mainId(m);
  if (cur !== null) m['current-snapshot-id'] = cur;
  else if (fv < 3) m['current-snapshot-id'] = -1;
  else delete m['current-snapshot-id'];
  if (fv === 1) {
    m.schema = m.schemas.find((s) => s['schema-id'] === m['current-schema-id']);
    m['partition-spec'] = m['partition-specs'].find((s) => s['spec-id'] === m['default-spec-id']).fields;
  }
}

function newMetadata({ fv, location, schema, lastColumnId, spec, lastPartitionId, order, properties }) {
  const m = { 'format-version': fv, 'table-uuid': crypto.randomUUID(), location };
  if (fv >= 2) m['last-sequence-number'] = 0;
  m['last-updated-ms'] = now();
  m['last-column-id'] = lastColumnId;
  if (fv === 1) m.schema = schema;
  m.schemas = [schema];
  m['current-schema-id'] = 0;
  if (fv === 1) m['partition-spec'] = spec.fields;
  m['partition-specs'] = [spec];
  m['default-spec-id'] = 0;
  m['last-partition-id'] = lastPartitionId;
  m['default-sort-order-id'] = order['order-id'];
  m['sort-orders'] = order['order-id'] === 0 ? [order] : [{ 'order-id': 0, fields: [] }, order];
  m.properties = properties;
  m['current-snapshot-id'] = -1; // placeholder keeping Java's field order; see refreshDerived
  m.refs = {};
  m.snapshots = [];
  m.statistics = [];
  m['partition-statistics'] = [];
  m['snapshot-log'] = [];
  m['metadata-log'] = [];
  if (fv >= 3) m['next-row-id'] = 0;
  refreshDerived(m);
  return m;
}

async function writeMetadata(table, m, version) {
  const loc = `${m.location}/metadata/${pad5(version)}-${crypto.randomUUID()}.metadata.json`;
  await put(loc, stringify(m));
  await put(`${m.location}/metadata/version-hint.text`, String(version));
  return loc;
}

// Requirements (rest.yaml TableRequirement; Java UpdateRequirement.validate): each failure is a
// CommitFailedException (409). Checked against the metadata the commit is based on.
function checkRequirement(m, r) {
  const eq = (a, b) => a === b;
  switch (r.type) {
    case 'assert-create': return 'Requirement failed: table already exists';
    case 'assert-table-uuid':
      return eq(r.uuid, m['table-uuid']) ? null : `Requirement failed: UUID does not match: expected ${m['table-uuid']} != ${r.uuid}`;
    case 'assert-ref-snapshot-id': {
      const ref = m.refs[r.ref];
      if (r['snapshot-id'] === null || r['snapshot-id'] === undefined) {
        return ref ? `Requirement failed: ${ref.type} ${r.ref} was created concurrently` : null;
      }
      if (!ref) return `Requirement failed: branch or tag ${r.ref} is missing, expected ${r['snapshot-id']}`;
      return idEq(ref['snapshot-id'], r['snapshot-id']) ? null
        : `Requirement failed: ${ref.type} ${r.ref} has changed: expected id ${r['snapshot-id']} != ${ref['snapshot-id']}`;
    }
    case 'assert-current-schema-id':
      return eq(r['current-schema-id'], m['current-schema-id']) ? null
        : `Requirement failed: current schema changed: expected id ${r['current-schema-id']} != ${m['current-schema-id']}`;
    case 'assert-last-assigned-field-id':
      return eq(r['last-assigned-field-id'], m['last-column-id']) ? null
        : `Requirement failed: last assigned field id changed: expected id ${r['last-assigned-field-id']} != ${m['last-column-id']}`;
    case 'assert-default-spec-id':
      return eq(r['default-spec-id'], m['default-spec-id']) ? null
        : `Requirement failed: default partition spec changed: expected id ${r['default-spec-id']} != ${m['default-spec-id']}`;
    case 'assert-last-assigned-partition-id':
      return eq(r['last-assigned-partition-id'], m['last-partition-id']) ? null
        : `Requirement failed: last assigned partition id changed: expected id ${r['last-assigned-partition-id']} != ${m['last-partition-id']}`;
    case 'assert-default-sort-order-id':
      return eq(r['default-sort-order-id'], m['default-sort-order-id']) ? null
        : `Requirement failed: default sort order id changed: expected id ${r['default-sort-order-id']} != ${m['default-sort-order-id']}`;
    default: return `unknown requirement ${r.type}`; // unreachable: the request validator rejects it
  }
}

// add-snapshot as Java's TableMetadata.Builder.addSnapshot checks it; returns an error or null.
function addSnapshot(m, s, added) {
  const fv = m['format-version'];
  const id = s['snapshot-id'];
  if (big(id) < 0n) return `Cannot add snapshot with negative id ${id}`;
  if (findSnapshot(m, id)) return `Snapshot already exists for id: ${id}`;
  if (s['parent-snapshot-id'] !== undefined && s['parent-snapshot-id'] !== null && !findSnapshot(m, s['parent-snapshot-id'])) {
    return `Cannot add snapshot ${id}: parent snapshot ${s['parent-snapshot-id']} does not exist`;
  }
  if (s['schema-id'] !== undefined && !m.schemas.some((x) => x['schema-id'] === s['schema-id'])) {
    return `Cannot add snapshot ${id}: unknown schema id ${s['schema-id']}`;
  }
  if (fv === 1) {
    // spec.md "Snapshots": v1 snapshots have no sequence number (readers use 0).
    if (s['sequence-number'] !== undefined && !idEq(s['sequence-number'], 0)) {
      return `Cannot add snapshot ${id}: format version 1 snapshots have no sequence-number (got ${s['sequence-number']})`;
    }
  } else {
    if (s['sequence-number'] === undefined) return `Cannot add snapshot ${id}: sequence-number is required for format version ${fv}`;
    if (!(big(s['sequence-number']) > big(m['last-sequence-number']))) {
      return `Cannot add snapshot with sequence number ${s['sequence-number']} older than last sequence number ${m['last-sequence-number']}`;
    }
    m['last-sequence-number'] = norm(s['sequence-number']);
  }
  if (fv >= 3) {
    // spec.md "Row Lineage"; Java: first-row-id required and not behind next-row-id.
    if (s['first-row-id'] === undefined || s['first-row-id'] === null) return 'Cannot add a snapshot: first-row-id is null';
    if (s['added-rows'] === undefined || s['added-rows'] === null) return 'Cannot add a snapshot: added-rows is null';
    if (big(s['added-rows']) < 0n) return `Cannot add a snapshot: added-rows is negative (${s['added-rows']})`;
    if (big(s['first-row-id']) < big(m['next-row-id'])) {
      return `Cannot add a snapshot, first-row-id is behind table next-row-id: ${s['first-row-id']} < ${m['next-row-id']}`;
    }
    m['next-row-id'] = norm(big(m['next-row-id']) + big(s['added-rows']));
  } else if (s['first-row-id'] !== undefined || s['added-rows'] !== undefined) {
    return `Cannot add snapshot ${id}: first-row-id and added-rows need format version 3 (table is v${fv})`;
  }
  const keys = ['snapshot-id', 'parent-snapshot-id', 'sequence-number', 'timestamp-ms', 'manifest-list', 'summary',
                'schema-id', 'first-row-id', 'added-rows', 'key-id'];
  const snap = {};
  for (const k of keys) if (s[k] !== undefined && s[k] !== null) snap[k] = s[k];
  for (const k of Object.keys(s)) if (!(k in snap) && s[k] !== null) snap[k] = s[k];
  if (fv === 1) delete snap['sequence-number'];
  m.snapshots.push(snap);
  added.set(String(big(id)), snap);
  return null;
}

function setSnapshotRef(m, u, added) {
  const id = u['snapshot-id'];
  const snap = findSnapshot(m, id);
  if (!snap) return `Cannot set ${u['ref-name']} to unknown snapshot: ${id}`;
  if (u['ref-name'] === 'main' && u.type !== 'branch') return 'Cannot set main: it must be a branch';
  const prev = m.refs[u['ref-name']];
  const ref = { 'snapshot-id': id, type: u.type };
  for (const k of ['max-ref-age-ms', 'max-snapshot-age-ms', 'min-snapshots-to-keep']) if (u[k] !== undefined) ref[k] = u[k];
  m.refs[u['ref-name']] = ref;
  if (u['ref-name'] === 'main' && !(prev && idEq(prev['snapshot-id'], id))) {
    // Java logs the snapshot's own timestamp when it was added in this commit.
    const a = added.get(String(big(id)));
    m['snapshot-log'].push({ 'timestamp-ms': a ? a['timestamp-ms'] : now(), 'snapshot-id': id });
  }
  return null;
}

// Applies a CommitTableRequest to a copy of `table.meta`; writes the new metadata file; swaps it
// in. Returns a result. Must run under locked().
async function commit(table, request, route) {
  const base = table.meta;
  for (const r of request.requirements) {
    const why = checkRequirement(base, r);
    if (why) return errorResult(route, 409, 'CommitFailedException', why);
  }
  // Java's REST server commits nothing for a request without updates; the current metadata is
  // the answer.
  if (!request.updates.length) {
    return { status: 200, body: { 'metadata-location': table.metadataLocation, metadata: base }, headers: { etag: etag(table, 'all') } };
  }
  const m = structuredClone(base);
  const added = new Map();
  for (const u of request.updates) {
    let why = null;
    switch (u.action) {
      case 'add-snapshot': why = addSnapshot(m, u.snapshot, added); break;
      case 'set-snapshot-ref': why = setSnapshotRef(m, u, added); break;
      case 'remove-snapshot-ref':
        if (!m.refs[u['ref-name']]) why = `Cannot remove unknown ref ${u['ref-name']}`;
        else delete m.refs[u['ref-name']];
        break;
      case 'set-properties':
        if ('format-version' in u.updates) why = 'Table properties should not contain reserved properties, but got {format-version}';
        else Object.assign(m.properties, u.updates);
        break;
      case 'remove-properties':
        for (const k of u.removals) delete m.properties[k];
        break;
      case 'assign-uuid':
        if (u.uuid !== m['table-uuid']) why = `Cannot reassign uuid ${m['table-uuid']} to ${u.uuid}`;
        break;
      case 'upgrade-format-version':
        if (u['format-version'] !== m['format-version']) why = 'upgrade-format-version is not supported by the test catalog';
        break;
      default:
        why = `update ${u.action} is not supported by the test catalog`;
    }
    if (why) return errorResult(route, 400, why.startsWith('update ') ? 'BadRequestException' : 'ValidationException', why);
  }
  const latestAdded = Math.max(0, ...[...added.values()].map((s) => Number(s['timestamp-ms'])));
  m['last-updated-ms'] = Math.max(now(), latestAdded);
  m['metadata-log'].push({ 'timestamp-ms': base['last-updated-ms'], 'metadata-file': table.metadataLocation });
  refreshDerived(m);
  let loc;
  try {
    loc = await writeMetadata(table, m, table.version + 1);
  } catch (e) {
    return errorResult(route, 500, 'CommitStateUnknownException', `cannot write metadata: ${e.message}`);
  }
  table.meta = m;
  table.version += 1;
  table.metadataLocation = loc;
  return { status: 200, body: { 'metadata-location': loc, metadata: m }, headers: { etag: etag(table, 'all') } };
}

function randomSnapshotId(m) {
  for (;;) {
    // spec Appendix F / Java SnapshotIdGeneratorUtil: (uuid.msb ^ uuid.lsb) & Long.MAX_VALUE.
    const b = crypto.randomBytes(16);
    const id = (b.readBigUInt64BE(0) ^ b.readBigUInt64BE(8)) & 0x7fffffffffffffffn;
    if (id !== 0n && !findSnapshot(m, id)) return norm(id);
  }
}

// "Another writer" appends a snapshot that adds nothing: its manifest list is the parent's (or,
// with no parent, a new empty manifest list of the table's format version), sequence number and
// row lineage advance as for any append (added-rows 0), totals carry over from the parent.
async function concurrentAppend(table) {
  const m = table.meta;
  const fv = m['format-version'];
  const parentId = mainId(m);
  const parent = parentId === null ? null : findSnapshot(m, parentId);
  const id = randomSnapshotId(m);
  const seq = fv >= 2 ? norm(big(m['last-sequence-number']) + 1n) : undefined;
  let manifestList = parent ? parent['manifest-list'] : null;
  if (!manifestList) {
    manifestList = `${m.location}/metadata/snap-${big(id)}-1-${crypto.randomUUID()}.avro`;
    const meta = { 'snapshot-id': String(big(id)), 'parent-snapshot-id': 'null', 'format-version': String(fv) };
    if (fv >= 2) meta['sequence-number'] = String(seq);
    if (fv >= 3) meta['first-row-id'] = String(m['next-row-id']);
    await put(manifestList, await encodeContainer(manifestFileSchema(fv), [], meta));
  }
  const summary = { operation: 'append', 'added-data-files': '0', 'added-records': '0', 'added-files-size': '0',
                    'changed-partition-count': '0' };
  // Java SnapshotProducer: totals carry over from the parent, omitted when the parent lacks
  // them; an empty table starts from 0.
  for (const k of ['total-records', 'total-files-size', 'total-data-files', 'total-delete-files',
                   'total-position-deletes', 'total-equality-deletes']) {
    if (!parent) summary[k] = '0';
    else if (parent.summary[k] !== undefined) summary[k] = parent.summary[k];
  }
  summary['iceberg-catalog-test.concurrent-writer'] = 'true';
  const snapshot = { 'snapshot-id': id, 'timestamp-ms': now(), 'manifest-list': manifestList, summary,
                     'schema-id': m['current-schema-id'] };
  if (parent) snapshot['parent-snapshot-id'] = parentId;
  if (fv >= 2) snapshot['sequence-number'] = seq;
  if (fv >= 3) {
    snapshot['first-row-id'] = m['next-row-id'];
    snapshot['added-rows'] = 0;
  }
  const request = {
    requirements: [{ type: 'assert-ref-snapshot-id', ref: 'main', 'snapshot-id': parentId }],
    updates: [{ action: 'add-snapshot', snapshot },
              { action: 'set-snapshot-ref', 'ref-name': 'main', type: 'branch', 'snapshot-id': id }],
  };
  const errors = spec.validateSchema('CommitTableRequest', request);
  if (errors.length) violations.push({ direction: 'internal', route: 'concurrent-append', errors });
  const r = await commit(table, request, { name: 'commit' });
  if (r.status !== 200) throw new Error(`concurrent append failed: ${stringify(r.body)}`);
}

// ---------------------------------------------------------------------------------------------
// Handlers
function etag(table, mode) {
  return `"${crypto.createHash('sha1').update(`${table.metadataLocation}|${mode}`).digest('hex')}"`;
}

function vendedCredentials() {
  const expiresAt = now() + opts.vendTtlMs;
  const key = opts.stsSecret
    ? mintCredential(opts.stsSecret, expiresAt)
    : { accessKeyId: opts.s3.accessKey, secretAccessKey: opts.s3.secretKey, sessionToken: opts.s3.sessionToken };
  const config = {
    's3.access-key-id': key.accessKeyId,
    's3.secret-access-key': key.secretAccessKey,
    ...(key.sessionToken ? { 's3.session-token': key.sessionToken } : {}),
    's3.session-token-expires-at-ms': String(expiresAt),
    's3.endpoint': opts.s3.endpoint,
    's3.path-style-access': 'true',
    'client.region': opts.s3.region,
  };
  return [{ prefix: `s3://${opts.s3.bucket}/`, config }];
}

function loadResult(ctx, table, metadata) {
  const body = { 'metadata-location': table.metadataLocation, metadata, config: {} };
  const delegation = String(ctx.req.headers['x-iceberg-access-delegation'] || '').split(',').map((s) => s.trim());
  if (opts.s3 && delegation.includes('vended-credentials')) {
    if (opts.vendInConfig) Object.assign(body.config, vendedCredentials()[0].config);
    else body['storage-credentials'] = vendedCredentials();
  }
  return body;
}

function getTable(ctx) {
  return tables.get(tableKey(ctx.route.namespace, ctx.route.table));
}
const noSuchTable = (ctx) => errorResult(ctx.route, 404, 'NoSuchTableException',
  `Table does not exist: ${ctx.route.namespace.join('.')}.${ctx.route.table}`);
const noSuchNamespace = (route, levels) => errorResult(route, 404, 'NoSuchNamespaceException',
  `Namespace does not exist: ${levels.join('.')}`);

function configResult(ctx) {
  if (opts.warehouse) {
    const w = ctx.query.warehouse;
    if (w === undefined) return errorResult(ctx.route, 400, 'BadRequestException', 'the warehouse query parameter is required');
    if (w !== opts.warehouse) return errorResult(ctx.route, 404, 'NoSuchWarehouseException', `Warehouse does not exist: ${w}`);
  }
  const body = { defaults: {}, overrides: {} };
  if (opts.prefix) body.overrides.prefix = opts.prefix;
  if (opts.oauth2Path) body.defaults['oauth2-server-uri'] = `http://127.0.0.1:${port}${opts.oauth2Path}`;
  if (!opts.noEndpoints) {
    const T = `${P}/namespaces/{namespace}/tables/{table}`;
    body.endpoints = [`GET ${P}/namespaces`, `POST ${P}/namespaces`, `GET ${P}/namespaces/{namespace}`,
                      `HEAD ${P}/namespaces/{namespace}`, `GET ${P}/namespaces/{namespace}/tables`,
                      `POST ${P}/namespaces/{namespace}/tables`, `GET ${T}`, `HEAD ${T}`, `POST ${T}`,
                      `GET ${T}/credentials`];
  }
  if (opts.idempotency) body['idempotency-key-lifetime'] = 'PT30M';
  return { status: 200, body };
}

function tokenResult(ctx) {
  const route = ctx.route;
  if (opts.auth !== 'oauth2') return errorResult(route, 401, 'invalid_client', `this catalog does not issue tokens (--auth ${opts.auth})`);
  const form = ctx.form;
  const issue = () => {
    const token = `ice-${crypto.randomBytes(18).toString('base64url')}`;
    tokens.set(token, now() + opts.tokenTtl * 1000);
    return { status: 200, body: { access_token: token, token_type: 'bearer', expires_in: opts.tokenTtl,
                                  issued_token_type: 'urn:ietf:params:oauth:token-type:access_token' } };
  };
  if (form.grant_type === 'client_credentials') {
    if (form.client_id !== opts.clientId || form.client_secret !== opts.clientSecret) {
      return errorResult(route, 401, 'invalid_client', 'unknown client_id or wrong client_secret');
    }
    return issue();
  }
  // Token exchange (Java's refresh): the subject token must be a live token issued here.
  if ((tokens.get(form.subject_token) ?? -Infinity) > now()) return issue();
  return errorResult(route, 400, 'invalid_grant', 'subject_token is unknown or expired');
}

function listNamespaces(ctx) {
  const parent = ctx.query.parent ? String(ctx.query.parent).split('\x1f') : [];
  if (parent.length && !namespaces.has(nsKey(parent))) return noSuchNamespace(ctx.route, parent);
  const seen = new Map();
  for (const { namespace } of namespaces.values()) {
    if (namespace.length <= parent.length || parent.some((l, i) => namespace[i] !== l)) continue;
    const child = namespace.slice(0, parent.length + 1);
    seen.set(nsKey(child), child);
  }
  return { status: 200, body: { namespaces: [...seen.values()] } };
}

function createNamespace(levels, properties) {
  if (namespaces.has(nsKey(levels))) return false;
  namespaces.set(nsKey(levels), { namespace: levels, properties: properties || {} });
  return true;
}

// createTable: fresh field ids, partition spec and sort order re-pointed at them, format version
// from properties["format-version"] (removed from the stored properties, as Java does), metadata
// file 00000-<uuid>.metadata.json.
async function createTable(ctx, levels, request) {
  const route = ctx.route;
  if (!namespaces.has(nsKey(levels))) return noSuchNamespace(route, levels);
  const key = tableKey(levels, request.name);
  if (tables.has(key)) return errorResult(route, 409, 'AlreadyExistsException', `Table already exists: ${levels.join('.')}.${request.name}`);
  if (request['stage-create']) return errorResult(route, 400, 'BadRequestException', 'stage-create is not supported by the test catalog');
  const properties = { ...(request.properties || {}) };
  const fv = properties['format-version'] === undefined ? 2 : Number(properties['format-version']);
  delete properties['format-version'];
  if (![1, 2, 3].includes(fv)) return errorResult(route, 400, 'BadRequestException', `unsupported format-version ${fv}`);
  const { schema, lastColumnId, ids } = assignFreshIds(request.schema);
  const source = (id) => ids.get(id);
  let lastPartitionId = 999; // spec ids of partition fields start at 1000 (Java PartitionSpec)
  const specFields = [];
  for (const f of (request['partition-spec'] && request['partition-spec'].fields) || []) {
    if (source(f['source-id']) === undefined) return errorResult(route, 400, 'BadRequestException', `partition field ${f.name}: unknown source-id ${f['source-id']}`);
    lastPartitionId += 1;
    specFields.push({ name: f.name, transform: f.transform, 'source-id': source(f['source-id']), 'field-id': lastPartitionId });
  }
  const orderFields = [];
  for (const f of (request['write-order'] && request['write-order'].fields) || []) {
    if (source(f['source-id']) === undefined) return errorResult(route, 400, 'BadRequestException', `sort field: unknown source-id ${f['source-id']}`);
    orderFields.push({ ...f, 'source-id': source(f['source-id']) });
  }
  const location = request.location ? request.location.replace(/\/$/, '') : tableBase(levels, request.name);
  const meta = newMetadata({
    fv, location, schema, lastColumnId, spec: { 'spec-id': 0, fields: specFields }, lastPartitionId,
    order: orderFields.length ? { 'order-id': 1, fields: orderFields } : { 'order-id': 0, fields: [] }, properties,
  });
  const table = { namespace: levels, name: request.name, meta, version: 0, metadataLocation: null };
  table.metadataLocation = await writeMetadata(table, meta, 0);
  tables.set(key, table);
  return { status: 200, body: loadResult(ctx, table, meta), headers: { etag: etag(table, 'all') } };
}

async function handle(ctx) {
  const { route } = ctx;
  switch (route.name) {
    case 'config': return configResult(ctx);
    case 'token': return tokenResult(ctx);
    case 'list-namespaces': return listNamespaces(ctx);
    case 'create-namespace':
      if (!ctx.json.namespace.length || ctx.json.namespace.some((l) => l === '')) {
        return errorResult(route, 400, 'BadRequestException', 'namespace levels must be non-empty');
      }
      return locked(() => (createNamespace(ctx.json.namespace, ctx.json.properties)
        ? { status: 200, body: { namespace: ctx.json.namespace, properties: ctx.json.properties || {} } }
        : errorResult(route, 409, 'AlreadyExistsException', `Namespace already exists: ${ctx.json.namespace.join('.')}`)));
    case 'load-namespace':
    case 'namespace-exists': {
      const ns = namespaces.get(nsKey(route.namespace));
      if (!ns) return noSuchNamespace(route, route.namespace);
      return route.name === 'namespace-exists' ? { status: 204 }
        : { status: 200, body: { namespace: ns.namespace, properties: ns.properties } };
    }
    case 'list-tables': {
      if (!namespaces.has(nsKey(route.namespace))) return noSuchNamespace(route, route.namespace);
      const identifiers = [...tables.values()].filter((t) => nsKey(t.namespace) === nsKey(route.namespace))
        .map((t) => ({ namespace: t.namespace, name: t.name }));
      return { status: 200, body: { identifiers } };
    }
    case 'create': return locked(() => createTable(ctx, route.namespace, ctx.json));
    case 'load':
    case 'table-exists': {
      const table = getTable(ctx);
      if (!table) return noSuchTable(ctx);
      if (route.name === 'table-exists') return { status: 204 };
      const mode = ctx.query.snapshots || 'all';
      const tag = etag(table, mode);
      if (ctx.req.headers['if-none-match'] === tag) return { status: 304, headers: { etag: tag } };
      let metadata = table.meta;
      if (mode === 'refs') {
        const referenced = Object.values(metadata.refs).map((r) => r['snapshot-id']);
        metadata = { ...metadata, snapshots: metadata.snapshots.filter((s) => referenced.some((id) => idEq(id, s['snapshot-id']))) };
      }
      return { status: 200, body: loadResult(ctx, table, metadata), headers: { etag: tag } };
    }
    case 'commit': {
      const id = ctx.json.identifier;
      if (id && (nsKey(id.namespace) !== nsKey(route.namespace) || id.name !== route.table)) {
        return errorResult(route, 400, 'BadRequestException', `identifier ${id.namespace.join('.')}.${id.name} does not match the path`);
      }
      return locked(async () => {
        const table = getTable(ctx);
        if (!table) return noSuchTable(ctx);
        if (ctx.fault && ctx.fault.mode === 'concurrent-append') await concurrentAppend(table);
        return commit(table, ctx.json, route);
      });
    }
    case 'credentials': {
      const table = getTable(ctx);
      if (!table) return noSuchTable(ctx);
      return { status: 200, body: { 'storage-credentials': opts.s3 ? vendedCredentials() : [] } };
    }
    default: return errorResult(route, 404, 'NotFoundException', 'no such route');
  }
}

// ---------------------------------------------------------------------------------------------
// Dispatcher: auth, request validation, idempotency, faults, handler, response validation.
function takeFault(routeName) {
  for (const f of faults) {
    if (f.count <= 0) continue;
    if (f.route !== 'any' && f.route !== routeName) continue;
    f.count -= 1;
    return f;
  }
  return null;
}

function send(res, ctx, result) {
  const { route, entry } = ctx;
  let r = result;
  let bodyText = r.body === undefined ? undefined : stringify(r.body);
  if (route.template) {
    const errors = spec.validateResponse(ctx.req.method, route.template, r.status,
      r.body === undefined ? undefined : parse(bodyText));
    if (errors.length) {
      violations.push({ direction: 'response', route: route.name, status: r.status, errors });
      r = errorResult(route, 500, 'InternalServerError', `test catalog response failed validation: ${errors.join('; ')}`);
      bodyText = stringify(r.body);
    }
  }
  entry.status = r.status;
  if (ctx.dropAfter) return ctx.req.socket.destroy(); // entry.status: what the catalog did
  const headers = { ...(r.headers || {}) };
  if (bodyText !== undefined) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = Buffer.byteLength(bodyText);
  }
  res.writeHead(r.status, headers);
  res.end(ctx.req.method === 'HEAD' ? undefined : bodyText);
}

async function dispatch(req, res, route, body, rawPath, rawQuery) {
  const query = parseQuery(rawQuery);
  const entry = { method: req.method, route: route.name, path: rawPath, status: null,
                  idempotencyKey: req.headers['idempotency-key'] ?? null, fault: null };
  log.push(entry);
  const ctx = { req, route, entry, query };
  const denied = await authenticate(req, route, body, rawPath, rawQuery);
  if (denied) return send(res, ctx, denied);

  // Request validation.
  let parsed;
  let mediaType = 'application/json';
  const errors = [];
  if (body.length) {
    if (route.name === 'token') {
      mediaType = (req.headers['content-type'] || '').split(';')[0].trim();
      ctx.form = parseQuery(body.toString('utf8'));
      // OAuth2 clients may authenticate with HTTP Basic instead of body fields (RFC 6749 2.3.1);
      // the schema requires the body fields, so the header's values stand in for absent ones.
      const basic = /^Basic (.+)$/.exec(req.headers.authorization || '');
      if (basic) {
        const [id, ...secret] = Buffer.from(basic[1], 'base64').toString('utf8').split(':');
        ctx.form.client_id ??= decodeURIComponent(id);
        ctx.form.client_secret ??= decodeURIComponent(secret.join(':'));
      }
      parsed = ctx.form;
    } else {
      try {
        parsed = parse(body.toString('utf8'));
        ctx.json = parsed;
      } catch (e) {
        errors.push(`malformed JSON: ${e.message}`);
      }
    }
  }
  if (!errors.length) errors.push(...spec.validateRequest(req.method, route.template, { query, headers: req.headers, body: parsed, mediaType }));
  if (errors.length) {
    violations.push({ direction: 'request', route: route.name, errors });
    return send(res, ctx, errorResult(route, 400, route.name === 'token' ? 'invalid_request' : 'BadRequestException',
      `request failed validation: ${errors.join('; ')}`));
  }

  // Idempotency-Key (rest.yaml components/parameters/idempotency-key): replay a finalized
  // result (2xx and 4xx) of the same operation without applying it again.
  const key = opts.idempotency && ['POST', 'DELETE'].includes(req.method) && route.name !== 'token'
    ? req.headers['idempotency-key'] : undefined;
  if (key && idempotent.has(key)) {
    const prior = idempotent.get(key);
    entry.replayed = true;
    if (prior.method !== req.method || prior.path !== rawPath) {
      return send(res, ctx, errorResult(route, 400, 'BadRequestException', `Idempotency-Key ${key} was used for ${prior.method} ${prior.path}`));
    }
    return send(res, ctx, prior.result);
  }

  const fault = takeFault(route.name);
  if (fault) {
    entry.fault = fault.mode;
    ctx.fault = fault;
    if (fault.mode === 'drop-before') return req.socket.destroy();
    // Every issued OAuth2 token becomes invalid (as POST /__admin/expire-tokens) once this request
    // has been authenticated; the request itself is then handled normally. A token expiring
    // between a client's requests, placed at a chosen request instead of a chosen time.
    if (fault.mode === 'expire-tokens') tokens.clear();
    if (fault.mode === 'status') {
      const status = fault.status || 503;
      const headers = fault.retryAfter !== undefined ? { 'retry-after': String(fault.retryAfter) } : {};
      return send(res, ctx, errorResult(route, status, fault.type, fault.message || 'injected fault', headers));
    }
    if (fault.mode === 'concurrent-append' && route.name !== 'commit' && route.table) {
      const table = getTable(ctx);
      if (table) await locked(() => concurrentAppend(table));
    }
  }
  let result;
  try {
    result = await handle(ctx);
  } catch (e) {
    result = errorResult(route, 500, undefined, `test catalog failure: ${e.stack || e.message}`);
  }
  if (key && result.status < 500) idempotent.set(key, { method: req.method, path: rawPath, result });
  if (fault && fault.mode === 'apply-then-fail') {
    // The operation happened; the client only sees an error (a proxy failing after the commit).
    const status = fault.status || 503;
    const headers = fault.retryAfter !== undefined ? { 'retry-after': String(fault.retryAfter) } : {};
    send({ writeHead() {}, end() {} }, { ...ctx, entry: {} }, result); // still validate what would have been sent
    return send(res, ctx, errorResult(route, status, fault.type, fault.message || 'injected fault after applying', headers));
  }
  if (fault && fault.mode === 'drop') ctx.dropAfter = true;
  return send(res, ctx, result);
}

// ---------------------------------------------------------------------------------------------
// Admin API and /files
function json(res, status, obj) {
  const b = stringify(obj);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(b) });
  res.end(b);
}

async function admin(req, res, rawPath, query, body) {
  let input = {};
  if (body.length) {
    try {
      input = parse(body.toString('utf8'));
    } catch (e) {
      return json(res, 400, { error: `malformed JSON: ${e.message}` });
    }
  }
  if (rawPath === '/__admin/faults' && req.method === 'POST') {
    faults = faults.concat((input.faults || []).map((f) => ({ count: 1, route: 'any', ...f })));
    return json(res, 200, { queued: faults.filter((f) => f.count > 0).length });
  }
  if (rawPath === '/__admin/faults' && req.method === 'DELETE') {
    faults = [];
    return json(res, 200, {});
  }
  if (rawPath === '/__admin/faults') return json(res, 200, faults);
  if (rawPath === '/__admin/log') return json(res, 200, log);
  if (rawPath === '/__admin/violations') return json(res, 200, violations);
  if (rawPath === '/__admin/expire-tokens' && req.method === 'POST') {
    tokens.clear();
    return json(res, 200, {});
  }
  if (rawPath === '/__admin/clock' && req.method === 'POST') {
    clockOffsetMs += Number(input.advance_ms || 0);
    return json(res, 200, { now: now() });
  }
  if (rawPath === '/__admin/clock') return json(res, 200, { now: now() });
  if (rawPath === '/__admin/table') {
    const levels = String(query.namespace || '').split('.');
    const t = tables.get(tableKey(levels, query.name));
    if (!t) return json(res, 404, { error: 'no such table' });
    return json(res, 200, { 'metadata-location': t.metadataLocation, metadata: t.meta });
  }
  if (rawPath === '/__admin/create-table' && req.method === 'POST') {
    const levels = input.namespace;
    if (!Array.isArray(levels) || !levels.length) return json(res, 400, { error: 'namespace must be a non-empty array' });
    await locked(() => createNamespace(levels, {}));
    const request = { name: input.name, schema: input.schema, properties: { ...(input.properties || {}) } };
    if (input['format-version'] !== undefined) request.properties['format-version'] = String(input['format-version']);
    if (input['partition-spec']) request['partition-spec'] = input['partition-spec'];
    if (input['write-order']) request['write-order'] = input['write-order'];
    if (input.location) request.location = input.location;
    const route = { name: 'create', template: `${P}/namespaces/{namespace}/tables` };
    const errors = spec.validateRequest('POST', route.template, { body: request });
    if (errors.length) {
      violations.push({ direction: 'request', route: 'admin-create-table', errors });
      return json(res, 400, { error: errors.join('; ') });
    }
    const r = await locked(() => createTable({ req, route, query: {} }, levels, request));
    return json(res, r.status, r.body);
  }
  return json(res, 404, { error: 'unknown admin path' });
}

// Static readers (icebird) read <table>/metadata/version-hint.text and then
// <table>/metadata/v<N>.metadata.json (Hadoop-table naming); that name is resolved here to the
// file <NNNNN>-<uuid>.metadata.json with the same N. Supports HEAD and single byte ranges
// (hyparquet reads data files by range).
function files(req, res, rawPath) {
  let rel;
  try {
    rel = decodeURIComponent(rawPath.slice('/files/'.length));
  } catch {
    return json(res, 400, { error: 'bad path' });
  }
  let p = path.resolve(opts.dir, rel);
  if (!p.startsWith(`${opts.dir}/`)) return json(res, 403, { error: 'outside the warehouse' });
  const hint = /^v(\d+)\.metadata\.json$/.exec(path.basename(p));
  if (!fs.existsSync(p) && hint) {
    const dir = path.dirname(p);
    const name = fs.existsSync(dir) && fs.readdirSync(dir).find((n) => n.startsWith(`${pad5(Number(hint[1]))}-`) && n.endsWith('.metadata.json'));
    if (name) p = path.join(dir, name);
  }
  let data;
  try {
    data = fs.readFileSync(p);
  } catch {
    return json(res, 404, { error: `no such file ${rel}` });
  }
  const type = p.endsWith('.json') ? 'application/json' : 'application/octet-stream';
  const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range || '');
  if (range) {
    let start = range[1] === '' ? Math.max(0, data.length - Number(range[2])) : Number(range[1]);
    let end = range[1] === '' || range[2] === '' ? data.length - 1 : Math.min(Number(range[2]), data.length - 1);
    if (start > end || start >= data.length) {
      res.writeHead(416, { 'content-range': `bytes */${data.length}` });
      return res.end();
    }
    res.writeHead(206, { 'content-type': type, 'content-length': end - start + 1,
                         'content-range': `bytes ${start}-${end}/${data.length}`, 'accept-ranges': 'bytes' });
    return res.end(req.method === 'HEAD' ? undefined : data.subarray(start, end + 1));
  }
  res.writeHead(200, { 'content-type': type, 'content-length': data.length, 'accept-ranges': 'bytes' });
  return res.end(req.method === 'HEAD' ? undefined : data);
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    const body = Buffer.concat(chunks);
    const qi = req.url.indexOf('?');
    const rawPath = qi < 0 ? req.url : req.url.slice(0, qi);
    const rawQuery = qi < 0 ? '' : req.url.slice(qi + 1);
    try {
      if (rawPath.startsWith('/__admin/')) return await admin(req, res, rawPath, parseQuery(rawQuery), body);
      if (rawPath.startsWith('/files/') && ['GET', 'HEAD'].includes(req.method)) return files(req, res, rawPath);
      const route = matchRoute(req.method, rawPath);
      if (!route) {
        log.push({ method: req.method, route: null, path: rawPath, status: 404, idempotencyKey: null, fault: null });
        return json(res, 404, { error: { message: `no route for ${req.method} ${rawPath}`, type: 'NotFoundException', code: 404 } });
      }
      return await dispatch(req, res, route, body, rawPath, rawQuery);
    } catch (e) {
      if (!res.headersSent) json(res, 500, { error: { message: `test catalog failure: ${e.stack || e.message}`, type: 'InternalServerError', code: 500 } });
    }
  });
});
server.keepAliveTimeout = 30000;
server.listen(0, '127.0.0.1', () => {
  port = server.address().port;
  process.stdout.write(`${JSON.stringify({ port })}\n`);
});
process.stdin.on('end', () => process.exit(0));
process.stdin.on('close', () => process.exit(0));
process.stdin.resume();
