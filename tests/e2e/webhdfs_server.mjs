// In-memory WebHDFS NameNode + DataNode for tests/fs (REST API of
// https://hadoop.apache.org/docs/stable/hadoop-project-dist/hadoop-hdfs/WebHDFS.html), strict
// where clients tend to cut corners:
//  * CREATE is two-step: the NameNode (/webhdfs/v1/...) refuses a request carrying data and
//    answers 307 with a one-time DataNode Location (/datanode/webhdfs/v1/...?token=...); only
//    that URL accepts the bytes (201 Created).
//  * OPEN redirects (307) to the DataNode, which honours offset/length.
//  * every NameNode call needs user.name (simple auth) equal to --user, or delegation equal to
//    --delegation (and then no user.name); errors are
//    RemoteException JSON bodies with Hadoop's exception names.
//  * RENAME without renameoptions=OVERWRITE refuses an existing destination ({"boolean":false}).
// Also serves the stored files read-only under /static/<path> (GET/HEAD, Range) for the
// http(s):// file system tests.
//
// Usage: node webhdfs_server.mjs [--user U]. Prints {"port":N}; exits when stdin closes.
// Admin: POST /__admin/faults {"faults":[{"mode":"status"|"reset"|"drop","status":503,"count":1,
//        "op":"CREATE","datanode":true}]}; GET /__admin/files -> {"/path": size, ...};
//        GET /__admin/log -> [{method, path, op, status}].
//        Fault modes: "status" answers with that HTTP status and does nothing; "reset" closes
//        the connection without doing anything; "drop" APPLIES the request and then closes the
//        connection instead of answering (a reply lost after the server acted; logged with
//        status "dropped").
import http from 'node:http';
import crypto from 'node:crypto';

const userIdx = process.argv.indexOf('--user');
const requiredUser = userIdx >= 0 ? process.argv[userIdx + 1] : 'pinot';
// --delegation T: a valid delegation token; a request may carry delegation=T instead of user.name.
const delegIdx = process.argv.indexOf('--delegation');
const validToken = delegIdx >= 0 ? process.argv[delegIdx + 1] : null;

const files = new Map(); // path -> Buffer
const mtimes = new Map(); // path -> modification time (epoch ms), FileStatus.modificationTime
const dirs = new Set(['/']);
const tokens = new Map(); // token -> {path, overwrite}
let faults = [];
const log = [];
let port = 0;

function json(res, status, obj, headers = {}) {
  const b = JSON.stringify(obj);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(b), ...headers });
  res.end(b);
}
function remoteError(res, status, exception, message) {
  json(res, status, { RemoteException: { exception, javaClassName: `java.io.${exception}`, message } });
}
function parent(p) {
  const i = p.lastIndexOf('/');
  return i <= 0 ? '/' : p.slice(0, i);
}
function mkdirs(p) {
  for (let d = p; d !== '/'; d = parent(d)) dirs.add(d);
}
function encodePath(p) {
  return p.split('/').map(encodeURIComponent).join('/');
}
function normalize(p) {
  return p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p;
}
function status(p) {
  if (files.has(p)) {
    return { pathSuffix: p.slice(p.lastIndexOf('/') + 1), type: 'FILE', length: files.get(p).length,
             modificationTime: mtimes.get(p) || 0, permission: '644', replication: 1,
             blockSize: 134217728 };
  }
  if (dirs.has(p)) {
    return { pathSuffix: p === '/' ? '' : p.slice(p.lastIndexOf('/') + 1), type: 'DIRECTORY',
             length: 0, permission: '755', replication: 0, blockSize: 0 };
  }
  return null;
}
function takeFault(op, datanode) {
  for (const f of faults) {
    if (f.count <= 0) continue;
    if (f.op && f.op !== op) continue;
    if (f.datanode !== undefined && !!f.datanode !== datanode) continue;
    f.count -= 1;
    return f;
  }
  return null;
}

function namenode(req, res, path, q, body, entry) {
  if (q.delegation !== undefined) {
    if (q.delegation !== validToken || q['user.name'] !== undefined) {
      return remoteError(res, 403, 'InvalidToken', 'token is expired or invalid');
    }
  } else if (q['user.name'] !== requiredUser) {
    return remoteError(res, 401, 'SecurityException', `Failed to obtain user group information: user.name=${q['user.name']}`);
  }
  const op = (q.op || '').toUpperCase();
  const st = status(path);
  switch (`${req.method} ${op}`) {
    case 'GET GETFILESTATUS':
      if (!st) return remoteError(res, 404, 'FileNotFoundException', `File does not exist: ${path}`);
      return json(res, 200, { FileStatus: st });
    case 'GET LISTSTATUS': {
      if (!st) return remoteError(res, 404, 'FileNotFoundException', `File ${path} does not exist.`);
      if (st.type === 'FILE') return json(res, 200, { FileStatuses: { FileStatus: [st] } });
      const prefix = path === '/' ? '/' : `${path}/`;
      const children = [...new Set([...files.keys(), ...dirs])]
        .filter((p) => p !== path && p.startsWith(prefix) && !p.slice(prefix.length).includes('/'))
        .sort().map(status);
      return json(res, 200, { FileStatuses: { FileStatus: children } });
    }
    case 'GET OPEN': {
      if (!files.has(path)) return remoteError(res, 404, 'FileNotFoundException', `File does not exist: ${path}`);
      const loc = `http://127.0.0.1:${port}/datanode/webhdfs/v1${encodePath(path)}?op=OPEN` +
        `&offset=${q.offset || 0}${q.length ? `&length=${q.length}` : ''}`;
      res.writeHead(307, { location: loc, 'content-length': 0 });
      return res.end();
    }
    case 'PUT CREATE': {
      if (body.length > 0) {
        return remoteError(res, 400, 'IllegalArgumentException',
                           'CREATE step 1 must not carry data; follow the redirect');
      }
      if (dirs.has(path)) return remoteError(res, 403, 'FileAlreadyExistsException', `${path} is a directory`);
      if (files.has(path) && q.overwrite !== 'true') {
        return remoteError(res, 403, 'FileAlreadyExistsException', `${path} already exists`);
      }
      const token = crypto.randomBytes(8).toString('hex');
      tokens.set(token, { path, overwrite: q.overwrite === 'true' });
      const loc = `http://127.0.0.1:${port}/datanode/webhdfs/v1${encodePath(path)}?op=CREATE` +
        `&namenoderpcaddress=nn:8020&overwrite=${q.overwrite || 'false'}&token=${token}`;
      res.writeHead(307, { location: loc, 'content-length': 0 });
      return res.end();
    }
    case 'PUT MKDIRS':
      mkdirs(path);
      return json(res, 200, { boolean: true });
    case 'PUT RENAME': {
      const dest = normalize(q.destination || '');
      if (!st || !dest.startsWith('/')) return json(res, 200, { boolean: false });
      const overwrite = (q.renameoptions || '').split(',').includes('OVERWRITE');
      if ((files.has(dest) && !overwrite) || dirs.has(dest)) return json(res, 200, { boolean: false });
      if (st.type !== 'FILE') return json(res, 200, { boolean: false });
      mkdirs(parent(dest));
      files.set(dest, files.get(path));
      mtimes.set(dest, mtimes.get(path));
      files.delete(path);
      return json(res, 200, { boolean: true });
    }
    case 'DELETE DELETE':
      if (files.delete(path)) return json(res, 200, { boolean: true });
      if (dirs.has(path) && path !== '/') {
        const prefix = `${path}/`;
        const nonEmpty = [...files.keys(), ...dirs].some((p) => p.startsWith(prefix));
        if (nonEmpty && q.recursive !== 'true') {
          return remoteError(res, 403, 'PathIsNotEmptyDirectoryException', `${path} is non empty`);
        }
        for (const p of [...files.keys()]) if (p.startsWith(prefix)) files.delete(p);
        for (const p of [...dirs]) if (p.startsWith(prefix)) dirs.delete(p);
        dirs.delete(path);
        return json(res, 200, { boolean: true });
      }
      return json(res, 200, { boolean: false });
    default:
      entry.status = 400;
      return remoteError(res, 400, 'IllegalArgumentException', `Invalid operation ${req.method} ${op}`);
  }
}

function datanode(req, res, path, q, body) {
  const op = (q.op || '').toUpperCase();
  if (req.method === 'PUT' && op === 'CREATE') {
    const t = tokens.get(q.token);
    if (!t || t.path !== path) return remoteError(res, 403, 'InvalidToken', 'missing or bad DataNode token');
    tokens.delete(q.token);
    if (files.has(path) && !t.overwrite) return remoteError(res, 403, 'FileAlreadyExistsException', `${path} already exists`);
    mkdirs(parent(path));
    files.set(path, body);
    mtimes.set(path, Date.now());
    res.writeHead(201, { location: `hdfs://nn:8020${path}`, 'content-length': 0 });
    return res.end();
  }
  if (req.method === 'GET' && op === 'OPEN') {
    const data = files.get(path);
    if (!data) return remoteError(res, 404, 'FileNotFoundException', `File does not exist: ${path}`);
    const off = Number(q.offset || 0);
    if (off > data.length) return remoteError(res, 403, 'IOException', `Offset=${off} out of the range`);
    const end = q.length ? Math.min(data.length, off + Number(q.length)) : data.length;
    const slice = data.subarray(off, end);
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': slice.length });
    return res.end(slice);
  }
  return remoteError(res, 400, 'IllegalArgumentException', `Invalid DataNode operation ${op}`);
}

function serveStatic(req, res, path) {
  const data = files.get(path);
  if (!data) {
    res.writeHead(404, { 'content-length': 0 });
    return res.end();
  }
  const headers = { 'content-type': 'application/octet-stream', 'accept-ranges': 'bytes' };
  const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range || '');
  if (m) {
    const start = Number(m[1]);
    if (start >= data.length) {
      res.writeHead(416, { 'content-range': `bytes */${data.length}`, 'content-length': 0 });
      return res.end();
    }
    const end = m[2] ? Math.min(Number(m[2]), data.length - 1) : data.length - 1;
    const slice = data.subarray(start, end + 1);
    res.writeHead(206, { ...headers, 'content-range': `bytes ${start}-${end}/${data.length}`,
                         'content-length': slice.length });
    return res.end(req.method === 'HEAD' ? undefined : slice);
  }
  res.writeHead(200, { ...headers, 'content-length': data.length });
  return res.end(req.method === 'HEAD' ? undefined : data);
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const url = new URL(req.url, 'http://x');
    const q = Object.fromEntries(url.searchParams);
    const rawPath = url.pathname;
    if (rawPath.startsWith('/__admin/')) {
      if (rawPath === '/__admin/faults' && req.method === 'POST') {
        faults = faults.concat((JSON.parse(body.toString() || '{}').faults || []).map((f) => ({ count: 1, ...f })));
        return json(res, 200, {});
      }
      if (rawPath === '/__admin/faults' && req.method === 'DELETE') {
        faults = [];
        return json(res, 200, {});
      }
      if (rawPath === '/__admin/files') {
        return json(res, 200, Object.fromEntries([...files].map(([p, b]) => [p, b.length])));
      }
      if (rawPath === '/__admin/log') return json(res, 200, log);
      return json(res, 404, {});
    }
    if (rawPath.startsWith('/static/')) return serveStatic(req, res, decodeURIComponent(rawPath.slice(7)));
    const dn = rawPath.startsWith('/datanode/webhdfs/v1');
    const prefix = dn ? '/datanode/webhdfs/v1' : '/webhdfs/v1';
    if (!rawPath.startsWith(prefix)) return remoteError(res, 404, 'FileNotFoundException', 'not a WebHDFS path');
    const path = normalize(decodeURIComponent(rawPath.slice(prefix.length)) || '/');
    const op = (q.op || '').toUpperCase();
    const entry = { method: req.method, path, op, datanode: dn, status: 0 };
    log.push(entry);
    const fault = takeFault(op, dn);
    if (fault && fault.mode === 'drop') {
      entry.status = 'dropped';
      res.writeHead = () => res;
      res.end = () => {
        req.socket.destroy();
        return res;
      };
      return dn ? datanode(req, res, path, q, body) : namenode(req, res, path, q, body, entry);
    }
    if (fault) {
      if (fault.mode === 'reset') return req.socket.destroy();
      entry.status = fault.status || 503;
      return remoteError(res, fault.status || 503, 'RetriableException', 'injected fault');
    }
    const end = res.end.bind(res);
    res.end = (...a) => {
      entry.status = res.statusCode;
      return end(...a);
    };
    return dn ? datanode(req, res, path, q, body) : namenode(req, res, path, q, body, entry);
  });
});
server.listen(0, '127.0.0.1', () => {
  port = server.address().port;
  process.stdout.write(`${JSON.stringify({ port })}\n`);
});
process.stdin.on('end', () => process.exit(0));
process.stdin.on('close', () => process.exit(0));
process.stdin.resume();
