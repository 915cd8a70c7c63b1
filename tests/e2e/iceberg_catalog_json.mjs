// Lossless JSON for the test Iceberg catalog (tests/e2e/iceberg_catalog.mjs).
//
// Iceberg ids are Java longs: snapshot ids are (uuid.msb ^ uuid.lsb) & Long.MAX_VALUE (spec
// Appendix F), so most exceed 2^53 and JSON.parse would silently round them. Node 20 has no
// JSON.parse source access, so integer literals that are not safe integers are rewritten to
// marker strings before JSON.parse and revived as BigInt; stringify writes BigInt back as bare
// digits. Safe integers stay Numbers, so code only meets a BigInt for a genuinely large value.
const MARK = '\u0000int64:';

// Strings are matched first so that digits inside them are left alone.
const TOKENS = /"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;

export function parse(text) {
  const marked = text.replace(TOKENS, (m) => {
    if (m[0] === '"' || /[.eE]/.test(m) || Number.isSafeInteger(Number(m))) return m;
    return `"\\u0000int64:${m}"`;
  });
  return JSON.parse(marked, (k, v) =>
    (typeof v === 'string' && v.startsWith(MARK) ? BigInt(v.slice(MARK.length)) : v));
}

export function stringify(value, indent) {
  const s = JSON.stringify(value, (k, v) => (typeof v === 'bigint' ? `${MARK}${v}` : v), indent);
  return s === undefined ? s : s.replace(/"\\u0000int64:(-?\d+)"/g, '$1');
}

// A copy with every BigInt turned into a Number: what a JSON-schema validator (which knows only
// Numbers) should see. Type and range checks stay meaningful; exact digits do not matter there.
export function toPlain(value) {
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(toPlain);
  if (value && typeof value === 'object') {
    const out = {};
    for (const [k, v] of Object.entries(value)) out[k] = toPlain(v);
    return out;
  }
  return value;
}

// Exact int64 arithmetic and comparison on values that may be Number or BigInt.
export function big(v) {
  return typeof v === 'bigint' ? v : BigInt(v);
}
// Back to the narrowest exact representation.
export function norm(v) {
  const b = big(v);
  return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
}
export function idEq(a, b) {
  if (a === null || a === undefined || b === null || b === undefined) return a == b; // eslint-disable-line eqeqeq
  return big(a) === big(b);
}
