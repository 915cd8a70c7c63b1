// A Pinot controller's read endpoints for tests/task/controller_source_test.cc, served from
// ZNRecord JSON files (tests/data/pinot_zk: the records as Pinot keeps them in ZooKeeper) and
// shaped as apache/pinot 210c2951e7 answers (pinot-controller/.../controller/api/resources):
//   GET /segments/{t}/zkmetadata[?type=]   PinotSegmentRestletResource.getZookeeperMetadata:
//       {segment: SegmentZKMetadata.toMap()} (simpleFields + "custom.map" as JSON text)
//   GET /segments/{t}/lineage?type=T       PinotSegmentRestletResource.listSegmentLineage:
//       SegmentLineage.toJsonObject(), or no entity (204) without lineage; type is required (400)
//   GET /tables/{t}/idealstate[?tableType=] TableViews.getIdealState: {"OFFLINE":..,"REALTIME":..}
//       (the ideal state's mapFields; null for a type not asked for or absent)
//   GET /tables/{t}[?type=]                PinotTableRestletResource.listTableConfigs:
//       {"REALTIME": table config JSON} (TableConfigSerDeUtils.fromZNRecord's reading of the record)
// Table names as Pinot resolves them (PinotHelixResourceManager.getExistingTableNamesWithType for
// /segments: a name with a type suffix contradicting ?type= is 403, an unknown table 404; TableViews
// and listTableConfigs append the type suffix when missing). Errors are WebApplicationExceptionMapper's
// {"code": N, "error": "..."}: an unknown path 404, another method on a known path 405 (Jersey),
// then authentication as BasicAuthAccessControlFactory: with --auth V, a request without
// Authorization V (or --auth-no-access W) is 401 "HTTP 401 Unauthorized"; W is a valid principal
// without access to the table: 403 "Permission is denied for ...".
//
// Usage: node pinot_controller.mjs --table-config F --idealstate F [--lineage F] --segment F ...
//        [--segment-dir D] [--auth V] [--auth-no-access W]. Prints {"port":N}; exits when stdin
//        closes. The ideal state, lineage and segment records (--segment files and every *.json in
//        --segment-dir) are read again for each request, so a test changes what the controller
//        says by rewriting them (as Pinot rewrites the ZooKeeper records).
// Admin (never authenticated): POST /__admin/faults {"faults":[{"mode":..,"path":"zkmetadata",
//        "count":1,"status":500}]} (path: a substring of the request path; count default 1),
//        DELETE /__admin/faults, GET /__admin/log -> [{method, path, query, authorization, status}].
//        Modes: "status" answers {"code":status,"error":"injected"}; "reset" destroys the
//        connection without an answer; "hang" never answers (the client's timeout must fire);
//        "garbage" answers 200 with a body that is not JSON; "huge" answers 200 with a valid JSON
//        object of `bytes` (default 1 MiB) bytes.
import http from 'node:http';
import fs from 'node:fs';

const argv = process.argv.slice(2);
function args(name) {
  const out = [];
  for (let i = 0; i < argv.length; i++) if (argv[i] === name) out.push(argv[i + 1]);
  return out;
}
const readRecord = (f) => JSON.parse(fs.readFileSync(f, 'utf8'));
const tableRecord = readRecord(args('--table-config')[0]);
const idealState = () => readRecord(args('--idealstate')[0]);
const lineage = () => (args('--lineage').length ? readRecord(args('--lineage')[0]) : null);
const segmentFiles = () => args('--segment').concat(args('--segment-dir').flatMap((d) =>
  fs.readdirSync(d).filter((f) => f.endsWith('.json')).sort().map((f) => `${d}/${f}`)));
const segments = () => segmentFiles().map(readRecord);
const auth = args('--auth')[0] ?? null;
const authNoAccess = args('--auth-no-access')[0] ?? null;

const tableNameWithType = tableRecord.id;
const tableType = tableNameWithType.endsWith('_REALTIME') ? 'REALTIME' : 'OFFLINE';
const rawTable = tableNameWithType.slice(0, tableNameWithType.lastIndexOf('_'));

let faults = [];
const log = [];

function json(res, status, obj) {
  const b = typeof obj === 'string' ? obj : JSON.stringify(obj);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(b) });
  res.end(b);
}
const error = (res, status, message) => json(res, status, { code: status, error: message });

function typeFromName(name) {
  if (name.endsWith('_OFFLINE')) return 'OFFLINE';
  if (name.endsWith('_REALTIME')) return 'REALTIME';
  return null;
}
// TableNameBuilder.<TYPE>.tableNameWithType: appends the suffix unless it is already there.
const withType = (name, type) => (name.endsWith(`_${type}`) ? name : `${name}_${type}`);
const exists = (nameWithType) => nameWithType === tableNameWithType;

class HttpError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}
// Constants.validateTableType: blank -> null, else TableType.valueOf(upper) or 400.
function validateType(s) {
  if (s === null || s.trim() === '') return null;
  const t = s.toUpperCase();
  if (t !== 'OFFLINE' && t !== 'REALTIME') throw new HttpError(400, `Illegal table type '${s}'`);
  return t;
}
// PinotHelixResourceManager.getExistingTableNamesWithType (through ResourceUtils).
function existingTables(name, type) {
  const out = [];
  const fromName = typeFromName(name);
  if (fromName) {
    if (type && type !== fromName) {
      throw new HttpError(403, `Table name: ${name} does not match table type: ${type}`);
    }
    if (exists(name)) out.push(name);
  } else {
    if (!type || type === 'OFFLINE') if (exists(`${name}_OFFLINE`)) out.push(`${name}_OFFLINE`);
    if (!type || type === 'REALTIME') if (exists(`${name}_REALTIME`)) out.push(`${name}_REALTIME`);
  }
  if (!out.length) throw new HttpError(404, `Table '${name}${type ? `_${type}` : ''}' not found.`);
  return out;
}

// SegmentZKMetadata.toMap: the simpleFields (a TreeMap) plus the custom map as JSON text.
function toMap(r) {
  const m = { ...r.simpleFields };
  if (r.mapFields && r.mapFields['custom.map']) m['custom.map'] = JSON.stringify(r.mapFields['custom.map']);
  return Object.fromEntries(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
// SegmentLineage.fromZNRecord + toJsonObject (entries by timestamp, then id).
function lineageJson(r) {
  const entries = Object.entries(r.listFields || {}).map(([id, v]) => [id, {
    segmentsFrom: v[0].split(',').filter((s) => s),
    segmentsTo: v[1].split(',').filter((s) => s),
    state: v[2],
    timestamp: Number(v[3]),
    autoCompleteLineageEntry: v.length >= 5 && v[4].toLowerCase() === 'true',
  }]);
  entries.sort(([ia, a], [ib, b]) => a.timestamp - b.timestamp || (ia < ib ? -1 : ia > ib ? 1 : 0));
  const out = { tableNameWithType: r.id, lineageEntries: Object.fromEntries(entries) };
  if (r.mapFields && r.mapFields['custom.map']) out.customMap = r.mapFields['custom.map'];
  return out;
}
// TableConfigSerDeUtils.fromZNRecord, then TableConfig.toJsonNode (the keys it has).
const kJsonKeys = new Set(['segmentsConfig', 'tenants', 'tableIndexConfig', 'metadata', 'quota', 'task',
  'routing', 'query', 'instanceAssignmentConfigMap', 'fieldConfigList', 'upsertConfig', 'dedupConfig',
  'dimensionTableConfig', 'ingestionConfig', 'tierConfigs', 'tunerConfigs', 'instancePartitionsMap',
  'segmentAssignmentConfigMap', 'tableSamplers', 'tags']);
function tableConfigJson(r) {
  const out = { tableName: r.id };
  for (const [k, v] of Object.entries(r.simpleFields)) {
    if (k === 'tableName') continue;
    if (kJsonKeys.has(k)) out[k] = JSON.parse(v);
    else if (k === 'isDimTable' || k === 'isMaterializedView') out[k] = v === 'true';
    else out[k] = v;
  }
  return out;
}

const routes = [
  [/^\/segments\/([^/]+)\/zkmetadata$/, (t, q) => {
    existingTables(t, validateType(q.get('type')));
    return Object.fromEntries(segments().map((r) => [r.id, toMap(r)]));
  }],
  [/^\/segments\/([^/]+)\/lineage$/, (t, q) => {
    const type = validateType(q.get('type'));
    if (!type) throw new HttpError(400, 'Table type should either be offline or realtime');
    existingTables(t, type);
    const l = lineage();
    return l ? lineageJson(l) : undefined;
  }],
  [/^\/tables\/([^/]+)\/idealstate$/, (t, q) => {
    const type = validateType(q.get('tableType'));
    const view = { OFFLINE: null, REALTIME: null };
    for (const ty of ['OFFLINE', 'REALTIME']) {
      if (type && type !== ty) continue;
      const n = type ? withType(t, ty) : t;  // TableViews.getTableNameWithType
      if (exists(n) && typeFromName(n) === ty) view[ty] = idealState().mapFields;
    }
    if (!view.OFFLINE && !view.REALTIME) throw new HttpError(404, 'Table not found');
    return view;
  }],
  [/^\/tables\/([^/]+)$/, (t, q) => {
    const typeStr = q.get('type');
    const ret = {};
    for (const ty of ['OFFLINE', 'REALTIME']) {
      if (typeStr !== null && typeStr.toUpperCase() !== ty) continue;
      if (exists(withType(t, ty))) ret[ty] = tableConfigJson(tableRecord);
    }
    if (!Object.keys(ret).length) {
      throw new HttpError(404, `Table ${typeStr !== null ? `${t}_${typeStr.toUpperCase()}` : t} does not exist`);
    }
    return ret;
  }],
];

function takeFault(path) {
  for (const f of faults) {
    if ((f.count ?? 1) <= 0) continue;
    if (f.path && !path.includes(f.path)) continue;
    f.count = (f.count ?? 1) - 1;
    return f;
  }
  return null;
}

const server = http.createServer((req, res) => {
  const u = new URL(req.url, 'http://x');
  const path = u.pathname;
  if (path.startsWith('/__admin/')) {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      if (path === '/__admin/faults' && req.method === 'POST') {
        faults = JSON.parse(body).faults;
        return json(res, 200, {});
      }
      if (path === '/__admin/faults' && req.method === 'DELETE') {
        faults = [];
        return json(res, 200, {});
      }
      if (path === '/__admin/log' && req.method === 'GET') return json(res, 200, log);
      return error(res, 404, 'no such admin call');
    });
    return;
  }
  const entry = { method: req.method, path, query: u.search, authorization: req.headers.authorization ?? null, status: 0 };
  log.push(entry);
  const end = res.end.bind(res);
  res.end = (...a) => {
    entry.status = res.statusCode;
    return end(...a);
  };
  req.resume();
  let route = null;
  let match = null;
  for (const [re, fn] of routes) {
    match = re.exec(path);
    if (match) {
      route = fn;
      break;
    }
  }
  if (!route) return error(res, 404, 'HTTP 404 Not Found');
  if (req.method !== 'GET') return error(res, 405, 'HTTP 405 Method Not Allowed');
  let table;
  try {
    table = decodeURIComponent(match[1]);
  } catch {
    return error(res, 404, 'HTTP 404 Not Found');
  }
  if (auth !== null) {
    const given = req.headers.authorization;
    if (given !== auth && (authNoAccess === null || given !== authNoAccess)) {
      return error(res, 401, 'HTTP 401 Unauthorized');
    }
    if (given === authNoAccess) {
      const raw = typeFromName(table) ? table.slice(0, table.lastIndexOf('_')) : table;
      return error(res, 403, `Permission is denied for access type 'READ' to the endpoint '${path}' for table '${raw}'`);
    }
  }
  const f = takeFault(path);
  if (f) {
    entry.fault = f.mode;
    if (f.mode === 'reset') return req.socket.destroy();
    if (f.mode === 'hang') return undefined;  // the client gives up
    if (f.mode === 'status') return error(res, f.status ?? 500, 'injected');
    if (f.mode === 'garbage') return json(res, 200, '{"events__0__12__20260101T0000Z": {"segment.crc": ');
    if (f.mode === 'huge') {
      const n = f.bytes ?? (1 << 20);
      return json(res, 200, `{"pad":"${'x'.repeat(Math.max(0, n - 10))}"}`);
    }
  }
  try {
    const out = route(table, u.searchParams);
    if (out === undefined) {
      res.writeHead(204);
      return res.end();
    }
    return json(res, 200, out);
  } catch (e) {
    if (e instanceof HttpError) return error(res, e.status, e.message);
    return error(res, 500, String(e.message));
  }
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
process.stdin.on('end', () => process.exit(0));
process.stdin.on('close', () => process.exit(0));
process.stdin.resume();
