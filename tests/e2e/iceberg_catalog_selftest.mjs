// Self-test of the test Iceberg REST catalog (iceberg_catalog.mjs), run by ctest as
// IcebergCatalog.SelfTest. Starts catalogs (and s3_server.mjs for S3 mode) as real processes and
// checks them against expectations written here from the REST spec and spec.md, not from the
// catalog's code. Exit code 0 only when every check passes; each failure prints one line.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { parse, stringify } from './iceberg_catalog_json.mjs';
import { loadSpec } from './iceberg_catalog_validator.mjs';
import { signedRequest } from './iceberg_catalog_sigv4.mjs';
import { manifestFileSchema, manifestEntrySchema, encodeContainer, decodeContainer } from './iceberg_catalog_avro.mjs';

const require = createRequire(import.meta.url);
const { SignatureV4 } = require('@smithy/signature-v4');
const { Sha256 } = require('@aws-crypto/sha256-js');

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SPEC = path.join(HERE, '..', 'data', 'iceberg', 'rest-catalog-open-api.yaml');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'iceberg-catalog-selftest-'));

let failures = 0;
let checks = 0;
function check(name, ok, detail) {
  checks += 1;
  if (!ok) {
    failures += 1;
    const text = detail === undefined ? '' : `: ${typeof detail === 'string' ? detail : stringify(detail)}`;
    process.stdout.write(`FAIL ${name}${text.length > 800 ? `${text.slice(0, 800)}...` : text}\n`);
  }
}

// ---------------------------------------------------------------------------------------------
// Processes
const procs = [];
function start(script, args) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [path.join(HERE, script), ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
    procs.push(p);
    let out = '';
    p.stdout.on('data', (c) => {
      out += c;
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve({ port: JSON.parse(out.slice(0, nl)).port, proc: p });
    });
    p.on('exit', (code) => reject(new Error(`${script} exited with ${code} before it was ready`)));
  });
}
function stopAll() {
  for (const p of procs) p.stdin.end();
}

// HTTP: resolves {status, headers, text, json} or {error} when the connection dies.
function request(method, url, { headers = {}, body } = {}) {
  return new Promise((resolve) => {
    const u = new URL(url);
    const data = body === undefined ? undefined : Buffer.from(typeof body === 'string' ? body : stringify(body));
    const h = { ...headers };
    if (data) {
      h['content-length'] = String(data.length);
      h['content-type'] ??= 'application/json';
    }
    const r = http.request({ host: u.hostname, port: u.port, method, path: u.pathname + u.search, headers: h, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json;
        try {
          json = text ? parse(text) : undefined;
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode, headers: res.headers, text, json });
      });
    });
    r.on('error', (e) => resolve({ error: e.message }));
    r.end(data);
  });
}

function catalogClient(port, { prefix = '', headers = {} } = {}) {
  const base = `http://127.0.0.1:${port}`;
  const p = prefix ? `/v1/${prefix}` : '/v1';
  const ns = (levels) => levels.map(encodeURIComponent).join('%1F');
  const c = {
    base,
    call: (method, pth, o = {}) => request(method, `${base}${pth}`, { ...o, headers: { ...headers, ...(o.headers || {}) } }),
    config: (q = '') => c.call('GET', `/v1/config${q}`),
    createNamespace: (levels) => c.call('POST', `${p}/namespaces`, { body: { namespace: levels } }),
    tablePath: (levels, t) => `${p}/namespaces/${ns(levels)}/tables/${encodeURIComponent(t)}`,
    createTable: (levels, body, h) => c.call('POST', `${p}/namespaces/${ns(levels)}/tables`, { body, headers: h }),
    load: (levels, t, o) => c.call('GET', c.tablePath(levels, t), o),
    commit: (levels, t, body, h) => c.call('POST', c.tablePath(levels, t), { body, headers: h }),
    admin: (method, pth, body) => request(method, `${base}/__admin/${pth}`, { body }),
  };
  return c;
}

// ---------------------------------------------------------------------------------------------
// Table content helpers: a Parquet data file (DuckDB, with Iceberg field ids), a v1/v2/v3
// manifest and manifest list (avsc), and the add-snapshot commit of spec.md / iceberg-notes §1.
const SCHEMA_REQUEST = {
  type: 'struct', fields: [
    { id: 101, name: 'id', required: true, type: 'long' },
    { id: 102, name: 'attrs', required: false, type: { type: 'struct', fields: [
      { id: 103, name: 'k', required: false, type: 'string' }] } },
    { id: 104, name: 'tags', required: false, type: { type: 'list', 'element-id': 105, element: 'string', 'element-required': false } },
    { id: 106, name: 'name', required: false, type: 'string' },
  ],
};

async function writeParquet(file, rows) {
  const { DuckDBInstance } = require('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  const values = rows.map((r) => `(${r.id}::BIGINT, '${r.name}')`).join(',');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await con.run(`COPY (SELECT * FROM (VALUES ${values}) t(id, name)) TO '${file}' (FORMAT PARQUET, FIELD_IDS {id: 1, name: 4})`);
}

let snapshotCounter = 0n;
const bigId = () => (1n << 60n) + (snapshotCounter += 1n); // > 2^53: exercises lossless ids

// Writes a manifest with `files` ({path, records, size}) and a manifest list carrying `carried`
// (parent manifest_file rows) plus the new manifest. Returns {manifestList, manifestFile}.
async function writeManifests(dir, fv, snapshotId, seq, firstRowId, files, carried = []) {
  const uuid = crypto.randomUUID();
  const manifestPath = `${dir}/${uuid}-m0.avro`;
  const entries = files.map((f) => ({
    status: 1,
    snapshot_id: snapshotId,
    ...(fv >= 2 ? { sequence_number: null, file_sequence_number: null } : {}),
    data_file: {
      ...(fv >= 2 ? { content: 0 } : {}),
      file_path: f.path, file_format: 'PARQUET', partition: {}, record_count: f.records,
      file_size_in_bytes: f.size, ...(fv >= 2 ? {} : { block_size_in_bytes: 67108864 }),
      column_sizes: null, value_counts: null, null_value_counts: null, lower_bounds: null, upper_bounds: null,
      split_offsets: null, ...(fv >= 3 ? { first_row_id: null } : {}),
    },
  }));
  const schemaJson = stringify({ type: 'struct', 'schema-id': 0, fields: [] });
  const manifest = await encodeContainer(manifestEntrySchema(fv), entries, {
    schema: schemaJson, 'schema-id': '0', 'partition-spec': '[]', 'partition-spec-id': '0',
    'format-version': String(fv), content: 'data',
  });
  fs.writeFileSync(manifestPath.replace('file://', ''), manifest);
  const rows = files.reduce((a, f) => a + f.records, 0);
  const mf = {
    manifest_path: manifestPath, manifest_length: manifest.length, partition_spec_id: 0,
    ...(fv >= 2 ? { content: 0, sequence_number: seq, min_sequence_number: seq } : {}),
    added_snapshot_id: snapshotId, added_files_count: files.length, existing_files_count: 0,
    deleted_files_count: 0, added_rows_count: rows, existing_rows_count: 0, deleted_rows_count: 0,
    partitions: null, key_metadata: null, ...(fv >= 3 ? { first_row_id: firstRowId } : {}),
  };
  const listPath = `${dir}/snap-${snapshotId}-1-${uuid}.avro`;
  const meta = { 'snapshot-id': String(snapshotId), 'parent-snapshot-id': 'null', 'format-version': String(fv) };
  if (fv >= 2) meta['sequence-number'] = String(seq);
  if (fv >= 3) meta['first-row-id'] = String(firstRowId);
  fs.writeFileSync(listPath.replace('file://', ''), await encodeContainer(manifestFileSchema(fv), [...carried, mf], meta));
  return { manifestList: listPath, manifestFile: mf };
}

function appendRequest(meta, { snapshotId, parentId = null, manifestList, records, files = 1, seq, firstRowId, addedRows, expectParent }) {
  const fv = meta['format-version'];
  const snapshot = {
    'snapshot-id': snapshotId, 'timestamp-ms': Date.now(), 'manifest-list': manifestList, 'schema-id': 0,
    summary: { operation: 'append', 'added-data-files': String(files), 'added-records': String(records),
               'total-records': String(records), 'pinot-export.batch-id': 'selftest' },
  };
  if (parentId !== null) snapshot['parent-snapshot-id'] = parentId;
  if (fv >= 2) snapshot['sequence-number'] = seq ?? meta['last-sequence-number'] + 1;
  if (fv >= 3) {
    snapshot['first-row-id'] = firstRowId ?? meta['next-row-id'];
    snapshot['added-rows'] = addedRows ?? records;
  }
  return {
    requirements: [{ type: 'assert-table-uuid', uuid: meta['table-uuid'] },
                   { type: 'assert-ref-snapshot-id', ref: 'main', 'snapshot-id': expectParent === undefined ? parentId : expectParent }],
    updates: [{ action: 'add-snapshot', snapshot },
              { action: 'set-snapshot-ref', 'ref-name': 'main', type: 'branch', 'snapshot-id': snapshotId }],
  };
}

const eqId = (a, b) => a !== undefined && b !== undefined && a !== null && b !== null && BigInt(a) === BigInt(b);
const errType = (r) => r.json && r.json.error && r.json.error.type;

// ---------------------------------------------------------------------------------------------
// 1. The validator against the spec's own examples and hand-written known-good / known-bad bodies.
function validatorSelfCheck() {
  const spec = loadSpec(SPEC);
  const served = ['/v1/config', '/v1/oauth/tokens', '/v1/{prefix}/namespaces', '/v1/{prefix}/namespaces/{namespace}',
                  '/v1/{prefix}/namespaces/{namespace}/tables', '/v1/{prefix}/namespaces/{namespace}/tables/{table}',
                  '/v1/{prefix}/namespaces/{namespace}/tables/{table}/credentials'];
  const examples = spec.examples();
  check('spec has examples', examples.length > 50, examples.length);
  for (const e of examples) {
    const [, template, code] = e.where.split(' ');
    // Known inconsistency of the spec itself: UnsupportedOperationResponse (406) declares the
    // ErrorModel schema but its example is wrapped in {"error": ...}. The catalog never sends 406.
    if (!served.includes(template) || code === '406') continue;
    check(`spec example ${e.where} validates`, e.errors.length === 0, e.errors);
  }
  const T = '/v1/{prefix}/namespaces/{namespace}/tables/{table}';
  const good = appendRequest({ 'format-version': 3, 'table-uuid': crypto.randomUUID(), 'last-sequence-number': 4, 'next-row-id': 10 },
    { snapshotId: (1n << 62n) + 7n, parentId: (1n << 61n) + 3n, manifestList: 's3://b/m.avro', records: 5 });
  good.updates.push({ action: 'set-properties', updates: { a: 'b' } }, { action: 'remove-properties', removals: ['c'] });
  good.requirements.push({ type: 'assert-ref-snapshot-id', ref: 'other', 'snapshot-id': null });
  check('good v3 commit validates', spec.validateRequest('POST', T, { body: good }).length === 0, spec.validateRequest('POST', T, { body: good }));
  const bad = (mutate) => {
    const b = structuredClone(good);
    mutate(b);
    return spec.validateRequest('POST', T, { body: b });
  };
  check('unknown update action rejected', bad((b) => { b.updates[0].action = 'add-snapshots'; }).some((e) => e.includes('action')));
  check('snapshot without manifest-list rejected', bad((b) => { delete b.updates[0].snapshot['manifest-list']; }).some((e) => e.includes('manifest-list')));
  check('unknown requirement rejected', bad((b) => { b.requirements[0].type = 'assert-nothing'; }).length > 0);
  check('string snapshot id rejected', bad((b) => { b.updates[1]['snapshot-id'] = '12'; }).length > 0);
  check('bad operation rejected', bad((b) => { b.updates[0].snapshot.summary.operation = 'upsert'; }).length > 0);
  check('non-string summary value rejected', bad((b) => { b.updates[0].snapshot.summary['added-records'] = 5; }).length > 0);
  check('missing requirements rejected', bad((b) => { delete b.requirements; }).length > 0);
  check('bad ref type rejected', bad((b) => { b.updates[1].type = 'trunk'; }).length > 0);
  check('undeclared status is a response violation', spec.validateResponse('GET', '/v1/config', 302, undefined).length > 0);
  check('error body shape enforced', spec.validateResponse('GET', '/v1/config', 400, { message: 'x' }).length > 0);
  check('LoadTableResult needs metadata', spec.validateResponse('GET', T, 200, { 'metadata-location': 'x' }).length > 0);
  check('bad Idempotency-Key rejected', spec.validateRequest('POST', T, { body: good, headers: { 'idempotency-key': 'nope' } }).length > 0);
  check('bad access delegation rejected', spec.validateRequest('GET', T, { headers: { 'x-iceberg-access-delegation': 'magic' } }).length > 0);
}

// ---------------------------------------------------------------------------------------------
// 2. Local mode, no auth: config, namespaces, createTable, commits v1/v2/v3, 409, 400s,
//    idempotency, every fault, /files + icebird.
async function localCatalog() {
  const dir = path.join(work, 'local');
  fs.mkdirSync(dir);
  const { port } = await start('iceberg_catalog.mjs', ['--dir', dir, '--prefix', 'cat', '--warehouse', 'wh', '--idempotency']);
  const c = catalogClient(port, { prefix: 'cat' });
  let expectedViolations = 0;

  // Config.
  let r = await c.config();
  check('config without warehouse is 400', r.status === 400 && errType(r), r);
  r = await c.config('?warehouse=other');
  check('config with unknown warehouse is 404', r.status === 404 && errType(r) === 'NoSuchWarehouseException', r);
  r = await c.config('?warehouse=wh');
  check('config ok', r.status === 200 && r.json.overrides.prefix === 'cat' && r.json['idempotency-key-lifetime'] === 'PT30M'
    && r.json.endpoints.includes('POST /v1/{prefix}/namespaces/{namespace}/tables/{table}'), r.json);
  r = await c.call('GET', '/v1/namespaces');
  check('routes need the prefix', r.status === 404, r.status);

  // Namespaces.
  r = await c.createNamespace(['db']);
  check('create namespace', r.status === 200 && stringify(r.json.namespace) === '["db"]', r);
  r = await c.createNamespace(['db']);
  check('duplicate namespace is 409', r.status === 409 && errType(r) === 'AlreadyExistsException', r);
  await c.createNamespace(['db', 'inner']);
  r = await c.call('GET', '/v1/cat/namespaces');
  check('list top-level namespaces', r.status === 200 && stringify(r.json.namespaces) === '[["db"]]', r.json);
  r = await c.call('GET', '/v1/cat/namespaces?parent=db');
  check('list child namespaces', r.status === 200 && stringify(r.json.namespaces) === '[["db","inner"]]', r.json);
  r = await c.call('HEAD', '/v1/cat/namespaces/db%1Finner');
  check('namespace exists (multi-level)', r.status === 204, r.status);
  r = await c.call('HEAD', '/v1/cat/namespaces/nope');
  check('missing namespace HEAD 404', r.status === 404, r.status);
  r = await c.call('GET', '/v1/cat/namespaces/db');
  check('load namespace', r.status === 200 && stringify(r.json.namespace) === '["db"]', r.json);

  // createTable renumbers ids (Java AssignFreshIds order: a struct's fields, then nested types).
  const tables = {};
  for (const fv of [1, 2, 3]) {
    r = await c.createTable(['db', 'inner'], { name: `t${fv}`, schema: SCHEMA_REQUEST, properties: { 'format-version': String(fv), owner: 'me' } });
    check(`create v${fv} table`, r.status === 200, r);
    if (r.status !== 200) continue;
    const m = r.json.metadata;
    tables[fv] = { meta: m, location: r.json['metadata-location'] };
    const f = m.schemas[0].fields;
    check(`v${fv} fresh ids`, stringify(f.map((x) => x.id)) === '[1,2,3,4]' && f[1].type.fields[0].id === 5
      && f[2].type['element-id'] === 6 && m['last-column-id'] === 6, m.schemas[0]);
    check(`v${fv} format-version`, m['format-version'] === fv && m.properties.owner === 'me' && !('format-version' in m.properties), m);
    check(`v${fv} metadata file name`, /\/warehouse\/db\/inner\/t\d\/metadata\/00000-[0-9a-f-]{36}\.metadata\.json$/.test(r.json['metadata-location']), r.json['metadata-location']);
    const onDisk = parse(fs.readFileSync(new URL(r.json['metadata-location']), 'utf8'));
    check(`v${fv} metadata file equals response`, stringify(onDisk) === stringify(m));
    check(`v${fv} version fields`, fv === 1
      ? 'schema' in m && stringify(m['partition-spec']) === '[]' && !('last-sequence-number' in m) && m['current-snapshot-id'] === -1
      : !('schema' in m) && m['last-sequence-number'] === 0 && (fv === 3 ? m['next-row-id'] === 0 && !('current-snapshot-id' in m) : m['current-snapshot-id'] === -1), m);
    check(`v${fv} unpartitioned`, m['default-spec-id'] === 0 && stringify(m['partition-specs']) === '[{"spec-id":0,"fields":[]}]' && m['last-partition-id'] === 999);
  }
  r = await c.createTable(['db', 'inner'], { name: 't1', schema: SCHEMA_REQUEST });
  check('duplicate table is 409', r.status === 409, r.status);
  r = await c.createTable(['nope'], { name: 'x', schema: SCHEMA_REQUEST });
  check('table in missing namespace is 404', r.status === 404 && errType(r) === 'NoSuchNamespaceException', r);
  r = await c.createTable(['db'], { name: 'p', schema: SCHEMA_REQUEST, 'partition-spec': { fields: [{ 'source-id': 101, transform: 'identity', name: 'id_p' }] } });
  check('partition spec re-pointed at fresh ids', r.status === 200 && stringify(r.json.metadata['partition-specs'][0].fields) === '[{"name":"id_p","transform":"identity","source-id":1,"field-id":1000}]', r.json && r.json.metadata['partition-specs']);
  r = await c.call('GET', '/v1/cat/namespaces/db%1Finner/tables');
  check('list tables', r.status === 200 && r.json.identifiers.length === 3, r.json);

  // A valid append commit per format version, with a real data file, manifest and manifest list.
  const ns = ['db', 'inner'];
  const tdir = (fv) => `file://${dir}/warehouse/db/inner/t${fv}`;
  const committed = {};
  for (const fv of [1, 2, 3]) {
    if (!tables[fv]) continue;
    const m = tables[fv].meta;
    const dataFile = `${dir}/warehouse/db/inner/t${fv}/data/part-0.parquet`;
    await writeParquet(dataFile, [{ id: 1, name: 'a' }, { id: 2, name: 'b' }, { id: 3, name: 'c' }]);
    const snapshotId = bigId();
    const { manifestList, manifestFile } = await writeManifests(`${tdir(fv)}/metadata`, fv, snapshotId, 1, 0,
      [{ path: `file://${dataFile}`, records: 3, size: fs.statSync(dataFile).size }]);
    r = await c.commit(ns, `t${fv}`, appendRequest(m, { snapshotId, manifestList, records: 3 }));
    check(`v${fv} append commit`, r.status === 200, r);
    if (r.status !== 200) continue;
    const n = r.json.metadata;
    committed[fv] = { meta: n, snapshotId, manifestList, manifestFile };
    check(`v${fv} current snapshot (lossless id)`, eqId(n['current-snapshot-id'], snapshotId) && eqId(n.refs.main['snapshot-id'], snapshotId)
      && n.refs.main.type === 'branch' && n.snapshots.length === 1, n);
    check(`v${fv} snapshot-log`, n['snapshot-log'].length === 1 && eqId(n['snapshot-log'][0]['snapshot-id'], snapshotId));
    check(`v${fv} metadata-log`, n['metadata-log'].length === 1 && n['metadata-log'][0]['metadata-file'] === tables[fv].location);
    check(`v${fv} sequence numbers`, fv === 1 ? !('last-sequence-number' in n) && !('sequence-number' in n.snapshots[0])
      : n['last-sequence-number'] === 1 && n.snapshots[0]['sequence-number'] === 1, n);
    if (fv === 3) check('v3 next-row-id advanced by added-rows', n['next-row-id'] === 3 && n.snapshots[0]['first-row-id'] === 0 && n.snapshots[0]['added-rows'] === 3, n);
    check(`v${fv} metadata file 00001`, /\/metadata\/00001-[0-9a-f-]{36}\.metadata\.json$/.test(r.json['metadata-location'])
      && stringify(parse(fs.readFileSync(new URL(r.json['metadata-location']), 'utf8'))) === stringify(n));
    check(`v${fv} version-hint`, fs.readFileSync(`${dir}/warehouse/db/inner/t${fv}/metadata/version-hint.text`, 'utf8') === '1');
    const raw = fs.readFileSync(new URL(r.json['metadata-location']), 'utf8');
    check(`v${fv} snapshot id written exactly`, raw.includes(`"snapshot-id":${snapshotId}`), raw.slice(0, 200));
  }

  // 409 on a stale assert-ref-snapshot-id (and the body is CommitFailedException).
  if (committed[2]) {
    const m = tables[2].meta; // stale: no snapshot
    r = await c.commit(ns, 't2', appendRequest(m, { snapshotId: bigId(), manifestList: 'file:///x.avro', records: 1, seq: 2 }));
    check('stale ref is 409 CommitFailedException', r.status === 409 && errType(r) === 'CommitFailedException' && r.json.error.code === 409, r);
    r = await c.commit(ns, 't2', { requirements: [{ type: 'assert-table-uuid', uuid: crypto.randomUUID() }], updates: [] });
    check('wrong table uuid is 409', r.status === 409 && errType(r) === 'CommitFailedException', r);
    r = await c.commit(ns, 't2', { requirements: [{ type: 'assert-current-schema-id', 'current-schema-id': 7 }], updates: [] });
    check('wrong schema id is 409', r.status === 409, r.status);
    r = await c.commit(ns, 't2', { requirements: [{ type: 'assert-create' }], updates: [] });
    check('assert-create on an existing table is 409', r.status === 409, r.status);
  }

  // Malformed bodies: 400 and a recorded violation; nothing applied.
  const before = (await c.admin('GET', 'table?namespace=db.inner&name=t2')).json;
  const cur = committed[2] && committed[2].meta;
  const malformed = [
    ['unknown update action', () => { const b = appendRequest(cur, { snapshotId: bigId(), parentId: committed[2].snapshotId, manifestList: 'file:///x', records: 1 }); b.updates[0].action = 'append-snapshot'; return b; }],
    ['snapshot missing manifest-list', () => { const b = appendRequest(cur, { snapshotId: bigId(), parentId: committed[2].snapshotId, manifestList: 'file:///x', records: 1 }); delete b.updates[0].snapshot['manifest-list']; return b; }],
    ['unknown requirement', () => ({ requirements: [{ type: 'assert-magic' }], updates: [] })],
    ['not JSON', () => '{"requirements": ['],
  ];
  for (const [name, make] of malformed) {
    if (!cur) break;
    const v0 = (await c.admin('GET', 'violations')).json.length;
    r = await c.commit(ns, 't2', make());
    const v1 = (await c.admin('GET', 'violations')).json;
    expectedViolations += 1;
    check(`malformed (${name}) is 400`, r.status === 400 && errType(r) === 'BadRequestException', r);
    check(`malformed (${name}) recorded`, v1.length === v0 + 1 && v1[v1.length - 1].direction === 'request' && v1[v1.length - 1].route === 'commit', v1[v1.length - 1]);
  }
  const after = (await c.admin('GET', 'table?namespace=db.inner&name=t2')).json;
  check('malformed commits applied nothing', after['metadata-location'] === before['metadata-location']);

  // Semantic 400s (valid JSON, rejected as Java's TableMetadata would) are atomic.
  if (committed[2] && committed[3]) {
    const m2 = committed[2].meta;
    const p2 = committed[2].snapshotId;
    r = await c.commit(ns, 't2', appendRequest(m2, { snapshotId: bigId(), parentId: p2, manifestList: 'file:///x', records: 1, seq: 1 }));
    check('v2 sequence number not above last is 400', r.status === 400 && /sequence number/.test(r.json.error.message), r);
    r = await c.commit(ns, 't2', appendRequest(m2, { snapshotId: p2, parentId: p2, manifestList: 'file:///x', records: 1 }));
    check('duplicate snapshot id is 400', r.status === 400, r);
    r = await c.commit(ns, 't2', appendRequest(m2, { snapshotId: bigId(), parentId: 12345, expectParent: p2, manifestList: 'file:///x', records: 1 }));
    check('unknown parent is 400', r.status === 400, r);
    const bad = appendRequest(m2, { snapshotId: bigId(), parentId: p2, manifestList: 'file:///x', records: 1 });
    bad.updates[1]['snapshot-id'] = 999;
    r = await c.commit(ns, 't2', bad);
    check('ref to unknown snapshot is 400 and nothing applied', r.status === 400
      && (await c.admin('GET', 'table?namespace=db.inner&name=t2')).json.metadata.snapshots.length === 1, r);
    const v2first = appendRequest(m2, { snapshotId: bigId(), parentId: p2, manifestList: 'file:///x', records: 1 });
    v2first.updates[0].snapshot['first-row-id'] = 0;
    v2first.updates[0].snapshot['added-rows'] = 1;
    r = await c.commit(ns, 't2', v2first);
    check('row lineage fields on a v2 table are 400', r.status === 400, r);
    const m3 = committed[3].meta;
    r = await c.commit(ns, 't3', appendRequest(m3, { snapshotId: bigId(), parentId: committed[3].snapshotId, manifestList: 'file:///x', records: 1, firstRowId: 2 }));
    check('v3 first-row-id behind next-row-id is 400', r.status === 400 && /first-row-id/.test(r.json.error.message), r);
    const noRows = appendRequest(m3, { snapshotId: bigId(), parentId: committed[3].snapshotId, manifestList: 'file:///x', records: 1 });
    delete noRows.updates[0].snapshot['added-rows'];
    r = await c.commit(ns, 't3', noRows);
    check('v3 without added-rows is 400', r.status === 400, r);
    const v1seq = appendRequest(committed[1].meta, { snapshotId: bigId(), parentId: committed[1].snapshotId, manifestList: 'file:///x', records: 1 });
    v1seq.updates[0].snapshot['sequence-number'] = 5;
    r = await c.commit(ns, 't1', v1seq);
    check('v1 snapshot with a sequence number is 400', r.status === 400, r);
    r = await c.commit(ns, 't2', { requirements: [], updates: [{ action: 'set-location', location: 'file:///elsewhere' }] });
    check('unsupported update is 400', r.status === 400, r);
    r = await c.commit(ns, 't2', { requirements: [], updates: [{ action: 'set-properties', updates: { 'commit.retry.num-retries': '9' } }] });
    check('set-properties', r.status === 200 && r.json.metadata.properties['commit.retry.num-retries'] === '9', r);
    r = await c.commit(ns, 't2', { requirements: [], updates: [{ action: 'remove-properties', removals: ['commit.retry.num-retries'] }] });
    check('remove-properties', r.status === 200 && !('commit.retry.num-retries' in r.json.metadata.properties), r);
    r = await c.commit(['db', 'inner'], 'nope', { requirements: [], updates: [] });
    check('commit to a missing table is 404', r.status === 404 && errType(r) === 'NoSuchTableException', r);
  }

  // loadTable: snapshots=refs, ETag / If-None-Match, HEAD.
  r = await c.load(ns, 't2');
  const etag = r.headers.etag;
  check('load has an etag', r.status === 200 && !!etag, r.headers);
  r = await c.load(ns, 't2', { headers: { 'if-none-match': etag } });
  check('If-None-Match gives 304', r.status === 304 && r.text === '', r.status);
  r = await c.call('GET', `${c.tablePath(ns, 't2')}?snapshots=refs`);
  check('snapshots=refs', r.status === 200 && r.json.metadata.snapshots.length === 1, r.status);
  r = await c.call('GET', `${c.tablePath(ns, 't2')}?snapshots=some`);
  expectedViolations += 1;
  check('bad snapshots parameter is 400', r.status === 400, r.status);
  r = await c.call('HEAD', c.tablePath(ns, 't2'));
  check('table exists HEAD', r.status === 204, r.status);
  r = await c.call('HEAD', c.tablePath(ns, 'nope'));
  check('missing table HEAD 404', r.status === 404, r.status);
  r = await c.call('GET', `${c.tablePath(ns, 't2')}/credentials`);
  check('credentials without S3 mode', r.status === 200 && stringify(r.json) === '{"storage-credentials":[]}', r.json);

  // Idempotency-Key: the final response is replayed; the commit is applied once.
  const commitNext = async (t, headers, extra = {}) => {
    const m = (await c.load(ns, t)).json.metadata;
    return [m, await c.commit(ns, t, appendRequest(m, { snapshotId: bigId(), parentId: m['current-snapshot-id'],
      manifestList: committed[2].manifestList, records: 0, ...extra }), headers)];
  };
  {
    const key = crypto.randomUUID();
    const [m, first] = await commitNext('t2', { 'idempotency-key': key });
    const body = appendRequest(m, { snapshotId: bigId(), parentId: m['current-snapshot-id'], manifestList: committed[2].manifestList, records: 0 });
    const again = await c.commit(ns, 't2', body, { 'idempotency-key': key });
    const now = (await c.load(ns, 't2')).json;
    check('idempotent replay', first.status === 200 && again.status === 200 && again.json['metadata-location'] === first.json['metadata-location']
      && now['metadata-location'] === first.json['metadata-location'], [first.status, again.status]);
    const log = (await c.admin('GET', 'log')).json;
    check('replay logged', log[log.length - 2].replayed === true && log[log.length - 2].idempotencyKey === key, log.slice(-2));
    const k409 = crypto.randomUUID();
    const stale = appendRequest(m, { snapshotId: bigId(), parentId: m['current-snapshot-id'], manifestList: 'file:///x', records: 0 });
    const s1 = await c.commit(ns, 't2', stale, { 'idempotency-key': k409 });
    const s2 = await c.commit(ns, 't2', stale, { 'idempotency-key': k409 });
    check('409 is replayed too', s1.status === 409 && s2.status === 409 && s2.text === s1.text, [s1.status, s2.status]);
    r = await c.commit(ns, 't2', stale, { 'idempotency-key': 'not-a-uuid' });
    expectedViolations += 1;
    check('malformed Idempotency-Key is 400', r.status === 400, r.status);
  }

  // Faults.
  const snapshots = async (t) => (await c.admin('GET', `table?namespace=db.inner&name=${t}`)).json.metadata.snapshots.length;
  const fault = (f) => c.admin('POST', 'faults', { faults: [f] });
  {
    const n0 = await snapshots('t2');
    await fault({ route: 'commit', mode: 'status', status: 503, retryAfter: 1 });
    let [, res] = await commitNext('t2');
    check('status fault 503 with Retry-After', res.status === 503 && res.headers['retry-after'] === '1' && errType(res) === 'ServiceUnavailableException', res);
    check('status fault not applied', (await snapshots('t2')) === n0);
    await fault({ route: 'commit', mode: 'status', status: 500 });
    [, res] = await commitNext('t2');
    check('status fault 500 is CommitStateUnknownException', res.status === 500 && errType(res) === 'CommitStateUnknownException', res);

    await fault({ route: 'commit', mode: 'apply-then-fail', status: 504 });
    [, res] = await commitNext('t2');
    check('apply-then-fail answers 504', res.status === 504 && errType(res) === 'CommitStateUnknownException', res);
    check('apply-then-fail applied', (await snapshots('t2')) === n0 + 1);

    const key = crypto.randomUUID();
    await fault({ route: 'commit', mode: 'apply-then-fail', status: 503 });
    const m = (await c.load(ns, 't2')).json.metadata;
    const body = appendRequest(m, { snapshotId: bigId(), parentId: m['current-snapshot-id'], manifestList: committed[2].manifestList, records: 0 });
    const a = await c.commit(ns, 't2', body, { 'idempotency-key': key });
    const b = await c.commit(ns, 't2', body, { 'idempotency-key': key });
    check('apply-then-fail then retry with the same key replays 200', a.status === 503 && b.status === 200 && (await snapshots('t2')) === n0 + 2, [a.status, b.status]);

    await fault({ route: 'commit', mode: 'drop' });
    [, res] = await commitNext('t2');
    check('drop: no response', res.error !== undefined, res);
    check('drop: applied', (await snapshots('t2')) === n0 + 3);
    await fault({ route: 'commit', mode: 'drop-before' });
    [, res] = await commitNext('t2');
    check('drop-before: no response', res.error !== undefined, res);
    check('drop-before: not applied', (await snapshots('t2')) === n0 + 3);

    // concurrent-append on a table with a parent: reuses the parent's manifest list.
    for (const fv of [1, 2, 3]) {
      const t = `t${fv}`;
      const base = (await c.load(ns, t)).json.metadata;
      await fault({ route: 'commit', mode: 'concurrent-append' });
      const resp = await c.commit(ns, t, appendRequest(base, { snapshotId: bigId(), parentId: base['current-snapshot-id'], manifestList: committed[fv].manifestList, records: 0 }));
      check(`v${fv} concurrent-append makes the commit 409`, resp.status === 409 && errType(resp) === 'CommitFailedException', resp);
      const m2 = (await c.load(ns, t)).json.metadata;
      const s = m2.snapshots[m2.snapshots.length - 1];
      const parent = base.snapshots.find((x) => eqId(x['snapshot-id'], base['current-snapshot-id']));
      check(`v${fv} concurrent snapshot`, eqId(m2['current-snapshot-id'], s['snapshot-id']) && eqId(s['parent-snapshot-id'], parent['snapshot-id'])
        && s['manifest-list'] === parent['manifest-list'] && s.summary.operation === 'append' && s.summary['added-records'] === '0'
        && s.summary['total-records'] === parent.summary['total-records'], s);
      if (fv >= 2) check(`v${fv} concurrent sequence number`, s['sequence-number'] === base['last-sequence-number'] + 1 && m2['last-sequence-number'] === s['sequence-number'], s);
      if (fv === 3) check('v3 concurrent row lineage', s['first-row-id'] === base['next-row-id'] && s['added-rows'] === 0 && m2['next-row-id'] === base['next-row-id'], s);
    }
    // ... and on an empty table: a new, empty manifest list of the table's format version.
    for (const fv of [1, 2, 3]) {
      r = await c.createTable(['db'], { name: `empty${fv}`, schema: SCHEMA_REQUEST, properties: { 'format-version': String(fv) } });
      const m = r.json.metadata;
      await fault({ route: 'commit', mode: 'concurrent-append' });
      const resp = await c.commit(['db'], `empty${fv}`, appendRequest(m, { snapshotId: bigId(), manifestList: 'file:///x', records: 0 }));
      check(`empty v${fv} concurrent-append 409`, resp.status === 409, resp.status);
      const m2 = (await c.load(['db'], `empty${fv}`)).json.metadata;
      const s = m2.snapshots[0];
      check(`empty v${fv} concurrent snapshot`, m2.snapshots.length === 1 && !('parent-snapshot-id' in s) && s.summary['total-records'] === '0'
        && (fv < 2 || s['sequence-number'] === 1) && (fv < 3 || (s['first-row-id'] === 0 && s['added-rows'] === 0)), s);
      const list = await decodeContainer(fs.readFileSync(new URL(s['manifest-list'])));
      const fields = list.schema.fields.map((f) => `${f['field-id']}:${f.name}`);
      const expected = fv === 1 ? ['500:manifest_path', '501:manifest_length', '502:partition_spec_id', '503:added_snapshot_id']
        : ['500:manifest_path', '501:manifest_length', '502:partition_spec_id', '517:content', '515:sequence_number', '516:min_sequence_number', '503:added_snapshot_id'];
      check(`empty v${fv} manifest list`, list.records.length === 0 && list.schema.name === 'manifest_file'
        && stringify(fields.slice(0, expected.length)) === stringify(expected) && fields.includes('520:first_row_id') === (fv === 3)
        && list.metadata['snapshot-id'] === String(s['snapshot-id']) && list.metadata['parent-snapshot-id'] === 'null'
        && list.metadata['format-version'] === String(fv) && (fv < 2 || list.metadata['sequence-number'] === '1')
        && (fv < 3 || list.metadata['first-row-id'] === '0'), { fields, meta: list.metadata });
      // The client's retry on the new parent succeeds.
      const retry = await c.commit(['db'], `empty${fv}`, appendRequest(m2, { snapshotId: bigId(), parentId: s['snapshot-id'], manifestList: s['manifest-list'], records: 0 }));
      check(`empty v${fv} retry on the new parent`, retry.status === 200, retry);
    }
    for (const route of ['load', 'config', 'credentials']) {
      await fault({ route, mode: 'status', status: 503 });
      const resp = route === 'config' ? await c.config('?warehouse=wh') : route === 'load' ? await c.load(ns, 't2')
        : await c.call('GET', `${c.tablePath(ns, 't2')}/credentials`);
      check(`status fault on ${route}`, resp.status === 503 && errType(resp) === 'ServiceUnavailableException', resp);
    }
    // Response validation: a status the spec does not declare for loadTable (418) is replaced by
    // a 500 and recorded as a response violation.
    await fault({ route: 'load', mode: 'status', status: 418 });
    const teapot = await c.load(ns, 't2');
    const rv = (await c.admin('GET', 'violations')).json.filter((x) => x.direction === 'response');
    check('undeclared response status becomes 500 + violation', teapot.status === 500 && rv.length === 1
      && rv[0].route === 'load' && rv[0].status === 418, [teapot.status, rv]);
    await fault({ route: 'load', mode: 'concurrent-append' });
    const l0 = await snapshots('t2');
    r = await c.load(ns, 't2');
    check('concurrent-append before a load', r.status === 200 && r.json.metadata.snapshots.length === l0 + 1, r.status);
    await fault({ route: 'any', mode: 'status', status: 503, count: 2 });
    const a1 = await c.config('?warehouse=wh');
    const a2 = await c.load(ns, 't2');
    const a3 = await c.load(ns, 't2');
    check('fault count and route any', a1.status === 503 && a2.status === 503 && a3.status === 200, [a1.status, a2.status, a3.status]);
    await fault({ route: 'commit', mode: 'status', status: 503, count: 5 });
    await c.admin('DELETE', 'faults');
    [, res] = await commitNext('t2');
    check('DELETE /__admin/faults clears faults', res.status === 200, res.status);
    const log = (await c.admin('GET', 'log')).json;
    check('log records faults', log.some((e) => e.fault === 'apply-then-fail' && e.route === 'commit') && log.some((e) => e.fault === 'drop'), log.length);
  }

  // /files serves the warehouse in the layout icebird expects; icebird reads the v1/v2/v3 tables.
  {
    r = await request('GET', `${c.base}/files/warehouse/db/inner/t2/metadata/version-hint.text`);
    const version = Number(r.text);
    r = await request('GET', `${c.base}/files/warehouse/db/inner/t2/metadata/v${version}.metadata.json`);
    const current = (await c.admin('GET', 'table?namespace=db.inner&name=t2')).json;
    check('/files resolves v<N>.metadata.json', r.status === 200 && stringify(r.json) === stringify(current.metadata), r.status);
    r = await request('GET', `${c.base}/files/warehouse/db/inner/t2/data/part-0.parquet`, { headers: { range: 'bytes=0-3' } });
    check('/files serves ranges', r.status === 206 && r.text === 'PAR1', r.status);
    r = await request('GET', `${c.base}/files/../../etc/passwd`);
    check('/files stays inside the warehouse', r.status === 403 || r.status === 404, r.status);
    const { icebergRead } = await import('icebird');
    const realFetch = globalThis.fetch;
    globalThis.fetch = (url, init) => realFetch(String(url).replace(`file://${dir}/`, `${c.base}/files/`), init);
    try {
      for (const fv of [1, 2, 3]) {
        // A fresh table per version whose current snapshot holds the data file.
        const t = `r${fv}`;
        const created = (await c.createTable(['db'], { name: t, schema: SCHEMA_REQUEST, properties: { 'format-version': String(fv) } })).json.metadata;
        const dataFile = `${dir}/warehouse/db/${t}/data/part-0.parquet`;
        await writeParquet(dataFile, [{ id: 7, name: 'x' }, { id: 8, name: 'y' }]);
        const sid = bigId();
        const { manifestList } = await writeManifests(`file://${dir}/warehouse/db/${t}/metadata`, fv, sid, 1, 0,
          [{ path: `file://${dataFile}`, records: 2, size: fs.statSync(dataFile).size }]);
        const cr = await c.commit(['db'], t, appendRequest(created, { snapshotId: sid, manifestList, records: 2 }));
        check(`icebird v${fv} table committed`, cr.status === 200, cr);
        const rows = await icebergRead({ tableUrl: `${c.base}/files/warehouse/db/${t}` });
        check(`icebird reads the v${fv} table`, stringify(rows.map((x) => [Number(x.id), x.name])) === '[[7,"x"],[8,"y"]]', rows);
      }
    } catch (e) {
      check('icebird reads the tables', false, e.stack);
    } finally {
      globalThis.fetch = realFetch;
    }
  }

  const v = (await c.admin('GET', 'violations')).json.filter((x) => !(x.direction === 'response' && x.status === 418));
  check('only the provoked violations, all requests', v.length === expectedViolations && v.every((x) => x.direction === 'request'), v);
}

// ---------------------------------------------------------------------------------------------
// 3. Auth modes.
async function tokenAuth() {
  const dir = path.join(work, 'token');
  const { port } = await start('iceberg_catalog.mjs', ['--dir', dir, '--auth', 'token', '--token', 'sekrit']);
  const c = catalogClient(port);
  check('token: no header is 401', (await c.config()).status === 401);
  const wrong = await c.call('GET', '/v1/config', { headers: { authorization: 'Bearer nope' } });
  check('token: wrong token is 401 NotAuthorizedException', wrong.status === 401 && errType(wrong) === 'NotAuthorizedException', wrong);
  const ok = catalogClient(port, { headers: { authorization: 'Bearer sekrit' } });
  check('token: right token', (await ok.config()).status === 200);
  check('token: namespaces need it too', (await c.createNamespace(['x'])).status === 401 && (await ok.createNamespace(['x'])).status === 200);
  const v = (await c.admin('GET', 'violations')).json;
  check('token: no violations', v.length === 0, v);
}

const form = (o) => new URLSearchParams(o).toString();
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

async function oauth2Auth() {
  const dir = path.join(work, 'oauth2');
  const { port } = await start('iceberg_catalog.mjs', ['--dir', dir, '--auth', 'oauth2', '--client-id', 'cid', '--client-secret', 'cs:x', '--token-ttl', '60']);
  const c = catalogClient(port);
  const tokenReq = (body, headers = {}) => c.call('POST', '/v1/oauth/tokens', { body, headers: { ...FORM, ...headers } });
  let r = await tokenReq(form({ grant_type: 'client_credentials', client_id: 'cid', client_secret: 'wrong', scope: 'catalog' }));
  check('oauth2: wrong secret is 401 invalid_client', r.status === 401 && r.json.error === 'invalid_client', r);
  r = await tokenReq(form({ grant_type: 'client_credentials', client_id: 'cid', client_secret: 'cs:x', scope: 'catalog' }));
  check('oauth2: token issued', r.status === 200 && r.json.token_type === 'bearer' && r.json.expires_in === 60 && !!r.json.access_token, r);
  const t1 = r.json.access_token;
  r = await tokenReq(form({ grant_type: 'client_credentials', scope: 'catalog' }), { authorization: `Basic ${Buffer.from('cid:cs:x').toString('base64')}` });
  check('oauth2: HTTP Basic client authentication', r.status === 200, r);
  r = await tokenReq(form({ grant_type: 'password', username: 'u' }));
  check('oauth2: bad grant is 400 OAuthError', r.status === 400 && r.json.error === 'invalid_request', r);
  const auth = (t) => ({ headers: { authorization: `Bearer ${t}` } });
  check('oauth2: no token is 401', (await c.config()).status === 401);
  check('oauth2: issued token works', (await c.call('GET', '/v1/config', auth(t1))).status === 200);
  r = await tokenReq(form({ grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', subject_token: t1,
                             subject_token_type: 'urn:ietf:params:oauth:token-type:access_token' }), auth(t1).headers);
  check('oauth2: token exchange refresh', r.status === 200 && r.json.access_token !== t1, r);
  await c.admin('POST', 'clock', { advance_ms: 61000 });
  r = await c.call('GET', '/v1/config', auth(t1));
  check('oauth2: expired token is 401', r.status === 401 && errType(r) === 'NotAuthorizedException', r);
  r = await tokenReq(form({ grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', subject_token: t1,
                             subject_token_type: 'urn:ietf:params:oauth:token-type:access_token' }));
  check('oauth2: exchanging an expired token is 400 invalid_grant', r.status === 400 && r.json.error === 'invalid_grant', r);
  r = await tokenReq(form({ grant_type: 'client_credentials', client_id: 'cid', client_secret: 'cs:x' }));
  const t2 = r.json.access_token;
  check('oauth2: new token after expiry works', (await c.call('GET', '/v1/config', auth(t2))).status === 200);
  await c.admin('POST', 'expire-tokens');
  check('oauth2: expire-tokens revokes', (await c.call('GET', '/v1/config', auth(t2))).status === 401);
  const v = (await c.admin('GET', 'violations')).json;
  check('oauth2: only the provoked violation', v.length === 1 && v[0].route === 'token', v);

  // Custom token endpoint advertised as oauth2-server-uri.
  const { port: p2 } = await start('iceberg_catalog.mjs', ['--dir', path.join(work, 'oauth2b'), '--auth', 'oauth2', '--client-id', 'cid',
    '--client-secret', 'cs', '--oauth2-path', '/realms/test/token', '--anonymous-config']);
  const c2 = catalogClient(p2);
  r = await c2.config();
  check('oauth2-path: anonymous config advertises oauth2-server-uri', r.status === 200
    && r.json.defaults['oauth2-server-uri'] === `http://127.0.0.1:${p2}/realms/test/token`, r);
  r = await c2.call('POST', '/v1/oauth/tokens', { body: form({ grant_type: 'client_credentials', client_id: 'cid', client_secret: 'cs' }), headers: FORM });
  check('oauth2-path: spec route not served', r.status === 404, r.status);
  r = await c2.call('POST', '/realms/test/token', { body: form({ grant_type: 'client_credentials', client_id: 'cid', client_secret: 'cs' }), headers: FORM });
  check('oauth2-path: token from the custom path', r.status === 200 && (await c2.createNamespace(['n'])).status === 401
    && (await c2.call('POST', '/v1/namespaces', { body: { namespace: ['n'] }, ...auth(r.json.access_token) })).status === 200, r);
}

async function sigv4Auth() {
  const dir = path.join(work, 'sigv4');
  const creds = { accessKey: 'AKIDGLUE', secretKey: 'glue-secret', sessionToken: 'glue-session', region: 'eu-west-1', service: 'glue' };
  const { port } = await start('iceberg_catalog.mjs', ['--dir', dir, '--prefix', 'catalogs/123', '--auth', 'sigv4', '--sigv4-region', creds.region,
    '--sigv4-service', creds.service, '--access-key', creds.accessKey, '--secret-key', creds.secretKey, '--session-token', creds.sessionToken]);
  const base = `http://127.0.0.1:${port}`;
  const signed = async (method, p, body, c = creds) => {
    const r = await signedRequest(method, `${base}${p}`, body === undefined ? undefined : Buffer.from(stringify(body)), c,
      body === undefined ? {} : { 'content-type': 'application/json' });
    return { status: r.status, json: r.body.length ? parse(r.body.toString()) : undefined };
  };
  let r = await signed('GET', '/v1/config');
  check('sigv4: signed config', r.status === 200 && r.json.overrides.prefix === 'catalogs/123', r);
  r = await signed('POST', '/v1/catalogs/123/namespaces', { namespace: ['a', 'b c'] });
  check('sigv4: signed POST', r.status === 200, r);
  r = await signed('POST', '/v1/catalogs/123/namespaces/a%1Fb%20c/tables', { name: 't', schema: SCHEMA_REQUEST });
  check('sigv4: signed create in a multi-level namespace (double-encoded path)', r.status === 200, r);
  r = await signed('GET', '/v1/catalogs/123/namespaces/a%1Fb%20c/tables/t?snapshots=all');
  check('sigv4: signed load with a query', r.status === 200 && r.json.metadata['format-version'] === 2, r);
  r = await request('GET', `${base}/v1/config`);
  check('sigv4: unsigned is 403', r.status === 403 && errType(r) === 'ForbiddenException', r);
  r = await signed('GET', '/v1/config', undefined, { ...creds, secretKey: 'wrong' });
  check('sigv4: wrong secret is 403', r.status === 403, r);
  r = await signed('GET', '/v1/config', undefined, { ...creds, service: 'execute-api' });
  check('sigv4: wrong signing name is 403', r.status === 403, r);
  r = await signed('GET', '/v1/config', undefined, { ...creds, sessionToken: '' });
  check('sigv4: missing session token is 403', r.status === 403, r);
  // Tampered body: signed for one body, sent with another.
  const signer = new SignatureV4({ credentials: { accessKeyId: creds.accessKey, secretAccessKey: creds.secretKey, sessionToken: creds.sessionToken },
                                   region: creds.region, service: creds.service, sha256: Sha256 });
  const host = `127.0.0.1:${port}`;
  const good = Buffer.from(stringify({ namespace: ['z'] }));
  const s = await signer.sign({ method: 'POST', protocol: 'http:', hostname: '127.0.0.1', port, path: '/v1/catalogs/123/namespaces',
                                query: {}, headers: { host, 'content-type': 'application/json' }, body: good });
  r = await request('POST', `${base}/v1/catalogs/123/namespaces`, { headers: s.headers, body: stringify({ namespace: ['evil'] }) });
  check('sigv4: tampered body is 403', r.status === 403, r);
  r = await request('POST', `${base}/v1/catalogs/123/namespaces`, { headers: s.headers, body: good.toString() });
  check('sigv4: the same request untampered (no x-amz-content-sha256 header)', r.status === 200, r);
  const v = (await request('GET', `${base}/__admin/violations`)).json;
  check('sigv4: no violations', v.length === 0, v);
}

// ---------------------------------------------------------------------------------------------
// 4. S3 mode through the verifying S3 front: signed metadata writes, vended credentials.
async function s3Mode() {
  const s3dir = path.join(work, 's3');
  fs.mkdirSync(s3dir);
  const s3creds = { accessKey: 'AKIDS3', secretKey: 's3-secret', sessionToken: 's3-session', region: 'us-east-1', service: 's3' };
  const { port: s3port } = await start('s3_server.mjs', ['--dir', s3dir, '--access-key', s3creds.accessKey, '--secret-key', s3creds.secretKey,
    '--session-token', s3creds.sessionToken, '--buckets', 'lake']);
  const endpoint = `http://127.0.0.1:${s3port}`;
  const { port } = await start('iceberg_catalog.mjs', ['--dir', path.join(work, 's3cat'), '--s3-endpoint', endpoint, '--s3-bucket', 'lake',
    '--s3-access-key', s3creds.accessKey, '--s3-secret-key', s3creds.secretKey, '--s3-session-token', s3creds.sessionToken, '--vend-ttl-ms', '60000']);
  const c = catalogClient(port);
  const s3get = async (uri) => {
    const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
    return signedRequest('GET', `${endpoint}/${m[1]}/${m[2]}`, undefined, s3creds);
  };
  await c.createNamespace(['db']);
  const vend = { 'x-iceberg-access-delegation': 'vended-credentials' };
  let r = await c.createTable(['db'], { name: 't', schema: SCHEMA_REQUEST, properties: { 'format-version': '3' } }, vend);
  check('s3: create', r.status === 200 && /^s3:\/\/lake\/warehouse\/db\/t\/metadata\/00000-[0-9a-f-]{36}\.metadata\.json$/.test(r.json['metadata-location']), r);
  const loc = r.json['metadata-location'];
  let obj = await s3get(loc);
  check('s3: metadata written through the S3 front', obj.status === 200 && stringify(parse(obj.body.toString())) === stringify(r.json.metadata), obj.status);
  obj = await s3get('s3://lake/warehouse/db/t/metadata/version-hint.text');
  check('s3: version-hint', obj.status === 200 && obj.body.toString() === '0', obj.status);
  const clock = (await c.admin('GET', 'clock')).json.now;
  const sc = r.json['storage-credentials'];
  check('s3: vended credentials on create', Array.isArray(sc) && sc.length === 1 && sc[0].prefix === 's3://lake/'
    && sc[0].config['s3.access-key-id'] === s3creds.accessKey && sc[0].config['s3.secret-access-key'] === s3creds.secretKey
    && sc[0].config['s3.session-token'] === s3creds.sessionToken && sc[0].config['s3.endpoint'] === endpoint
    && sc[0].config['s3.path-style-access'] === 'true' && sc[0].config['client.region'] === 'us-east-1'
    && Math.abs(Number(sc[0].config['s3.session-token-expires-at-ms']) - (clock + 60000)) < 5000, sc);
  r = await c.load(['db'], 't');
  check('s3: no credentials without the delegation header', r.status === 200 && !('storage-credentials' in r.json), r.json && Object.keys(r.json));
  r = await c.load(['db'], 't', { headers: vend });
  check('s3: vended credentials on load', r.status === 200 && r.json['storage-credentials'].length === 1, r.json);
  await c.admin('POST', 'clock', { advance_ms: 3600000 });
  r = await c.call('GET', `${c.tablePath(['db'], 't')}/credentials`);
  check('s3: credentials route gives a fresh expiry', r.status === 200
    && Number(r.json['storage-credentials'][0].config['s3.session-token-expires-at-ms']) > clock + 3600000, r.json);

  // Concurrent append on the empty table writes an empty manifest list to S3; then a real commit.
  const m = (await c.load(['db'], 't')).json.metadata;
  await c.admin('POST', 'faults', { faults: [{ route: 'commit', mode: 'concurrent-append' }] });
  r = await c.commit(['db'], 't', appendRequest(m, { snapshotId: bigId(), manifestList: 's3://lake/x.avro', records: 0 }));
  check('s3: concurrent-append 409', r.status === 409, r.status);
  const m2 = (await c.load(['db'], 't')).json.metadata;
  obj = await s3get(m2.snapshots[0]['manifest-list']);
  const list = obj.status === 200 ? await decodeContainer(obj.body) : null;
  check('s3: empty manifest list in S3', list && list.records.length === 0 && list.metadata['format-version'] === '3', obj.status);
  r = await c.commit(['db'], 't', appendRequest(m2, { snapshotId: bigId(), parentId: m2['current-snapshot-id'], manifestList: m2.snapshots[0]['manifest-list'], records: 0 }));
  check('s3: commit', r.status === 200 && /\/metadata\/00002-/.test(r.json['metadata-location']), r);
  obj = await s3get(r.json['metadata-location']);
  check('s3: committed metadata in S3', obj.status === 200 && stringify(parse(obj.body.toString())) === stringify(r.json.metadata), obj.status);
  const s3log = (await request('GET', `${endpoint}/__admin/log`)).json;
  const puts = s3log.filter((e) => e.method === 'PUT');
  check('s3: every catalog write was signed and accepted', puts.length >= 6 && puts.every((e) => e.status === 200), puts);
  const v = (await c.admin('GET', 'violations')).json;
  check('s3: no violations', v.length === 0, v);
}

// ---------------------------------------------------------------------------------------------
try {
  for (const section of [validatorSelfCheck, localCatalog, tokenAuth, oauth2Auth, sigv4Auth, s3Mode]) {
    const t0 = Date.now();
    await section();
    process.stdout.write(`${section.name}: ${Date.now() - t0} ms\n`);
  }
} catch (e) {
  check('selftest ran to the end', false, e.stack);
} finally {
  stopAll();
  fs.rmSync(work, { recursive: true, force: true });
}
process.stdout.write(`${checks - failures}/${checks} checks passed\n`);
process.exit(failures ? 1 : 0);
