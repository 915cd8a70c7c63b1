// Validates Iceberg REST traffic against tests/data/iceberg/rest-catalog-open-api.yaml with ajv
// (JSON Schema draft 2020-12, the dialect of OpenAPI 3.1 schema objects).
//
// How schemas are resolved:
//  * components/schemas become the $defs of one schema document (ID below); every
//    "#/components/schemas/X" $ref in the spec is rewritten to "ID#/$defs/X", so inline schemas
//    of operations compile against the same definitions.
//  * An operation's request body is requestBody.content[<media type>].schema; a response is
//    responses[<code>] (falling back to "4XX"/"5XX" and "default"), following a $ref into
//    components/responses; its body schema is content["application/json"].schema. A declared
//    response without content (204, 304) must have an empty body; an undeclared status is a
//    violation. Query and header parameters (components/parameters $refs resolved) are checked
//    against their schemas after the OpenAPI "simple" style decoding (comma lists, numbers,
//    booleans).
//
// OpenAPI 3.1 quirks handled so that valid traffic passes and invalid traffic does not:
//  * `discriminator` (BaseUpdate, TableRequirement, ViewRequirement) is an annotation to JSON
//    Schema, so TableRequirement alone would accept {"type":"assert-anything"}. Each
//    discriminated base is split: its mapping targets' allOf refs point at a plain copy
//    ("<Name>__base", no discriminator), and the base itself dispatches on the property:
//    the value must be a mapping key (enum), and an if/then per key applies the target schema.
//    TableUpdate/ViewUpdate (anyOf over mapping targets) are rewritten the same way restricted
//    to their members, so an unknown update action or a malformed add-snapshot yields one
//    precise error instead of an anyOf cascade.
//  * `nullable: true` (OpenAPI 3.0 style, still used in this 3.1 document) is honoured by ajv's
//    built-in nullable keyword; `example`, `xml`, `externalDocs` are registered as annotations.
//  * formats (int64, int32, uuid, duration, byte, ...) come from ajv-formats.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { toPlain } from './iceberg_catalog_json.mjs';

const require = createRequire(import.meta.url);
const YAML = require('yaml');
const Ajv2020 = require('ajv/dist/2020').default;
const addFormats = require('ajv-formats').default;

const ID = 'https://iceberg.apache.org/rest-catalog-open-api.json';
const SCHEMA_REF = '#/components/schemas/';

function rewriteRefs(node) {
  if (Array.isArray(node)) return node.map(rewriteRefs);
  if (!node || typeof node !== 'object') return node;
  const out = {};
  for (const [k, v] of Object.entries(node)) {
    out[k] = k === '$ref' && typeof v === 'string' && v.startsWith(SCHEMA_REF)
      ? `${ID}#/$defs/${v.slice(SCHEMA_REF.length)}` : rewriteRefs(v);
  }
  return out;
}
const defRef = (name) => `${ID}#/$defs/${name}`;

// Splits discriminated bases (see the header) in the raw components/schemas map.
function resolveDiscriminators(schemas) {
  const out = { ...schemas };
  const targetName = (ref) => ref.slice(SCHEMA_REF.length);
  const dispatch = (prop, mapping, baseName) => ({
    allOf: [
      { $ref: `${SCHEMA_REF}${baseName}` },
      { properties: { [prop]: { enum: Object.keys(mapping) } } },
      ...Object.entries(mapping).map(([value, ref]) => ({
        if: { properties: { [prop]: { const: value } }, required: [prop] },
        then: { $ref: ref },
      })),
    ],
  });
  const discriminated = {};
  for (const [name, s] of Object.entries(schemas)) {
    if (!s.discriminator || !s.discriminator.mapping) continue;
    const { discriminator, oneOf, ...plain } = s; // the oneOf (ViewRequirement) is the mapping
    discriminated[name] = discriminator;
    out[`${name}__base`] = plain;
    for (const ref of Object.values(discriminator.mapping)) {
      const t = out[targetName(ref)];
      if (t && Array.isArray(t.allOf)) {
        out[targetName(ref)] = { ...t, allOf: t.allOf.map((a) => (a.$ref === `${SCHEMA_REF}${name}` ? { $ref: `${SCHEMA_REF}${name}__base` } : a)) };
      }
    }
    out[name] = dispatch(discriminator.propertyName, discriminator.mapping, `${name}__base`);
  }
  // anyOf/oneOf unions whose members all belong to one discriminated base: dispatch too.
  for (const [name, s] of Object.entries(schemas)) {
    const members = s.anyOf || s.oneOf;
    if (!members || s.discriminator) continue;
    for (const [base, d] of Object.entries(discriminated)) {
      const byRef = new Map(Object.entries(d.mapping).map(([v, r]) => [r, v]));
      if (!members.every((m) => m.$ref && byRef.has(m.$ref))) continue;
      const mapping = Object.fromEntries(members.map((m) => [byRef.get(m.$ref), m.$ref]));
      out[name] = dispatch(d.propertyName, mapping, `${base}__base`);
    }
  }
  return out;
}

function formatErrors(errors) {
  return (errors || []).map((e) => {
    const extra = e.keyword === 'enum' ? ` (${e.params.allowedValues.join(', ')})`
      : e.keyword === 'additionalProperties' ? ` (${e.params.additionalProperty})` : '';
    return `${e.instancePath || '/'} ${e.message}${extra}`;
  });
}

export function loadSpec(path) {
  const doc = YAML.parse(fs.readFileSync(path, 'utf8'));
  const ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false, strictRequired: false,
                            strictTuples: false, allowUnionTypes: true });
  addFormats(ajv);
  ajv.addVocabulary(['example', 'xml', 'externalDocs', 'discriminator']);
  const schemas = resolveDiscriminators(doc.components.schemas);
  ajv.addSchema({ $id: ID, $defs: rewriteRefs(schemas) });
  const cache = new Map();
  const compile = (schema) => {
    const key = JSON.stringify(schema);
    if (!cache.has(key)) cache.set(key, ajv.compile(rewriteRefs(schema)));
    return cache.get(key);
  };
  const resolve = (obj) => {
    let o = obj;
    for (let i = 0; o && o.$ref && i < 10; i += 1) {
      const parts = o.$ref.replace(/^#\//, '').split('/');
      o = parts.reduce((n, p) => n && n[p], doc);
    }
    return o;
  };

  // Operations: "METHOD path-template" -> {op, params}.
  const operations = new Map();
  for (const [template, item] of Object.entries(doc.paths)) {
    for (const method of ['get', 'post', 'put', 'delete', 'head']) {
      if (!item[method]) continue;
      const params = [...(item.parameters || []), ...(item[method].parameters || [])].map(resolve);
      operations.set(`${method.toUpperCase()} ${template}`, { op: item[method], params });
    }
  }
  const operation = (method, template) => {
    const o = operations.get(`${method} ${template}`);
    if (!o) throw new Error(`spec has no operation ${method} ${template}`);
    return o;
  };

  function decodeParam(p, raw) {
    const t = p.schema && p.schema.type;
    if (t === 'array') return raw.split(',').map((s) => s.trim());
    if (t === 'integer' || t === 'number') return /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw;
    if (t === 'boolean') return raw === 'true' ? true : raw === 'false' ? false : raw;
    return raw;
  }

  // Returns a list of error strings (empty when valid). `query`: decoded query map; `headers`:
  // node's lower-cased header map; `body`: the parsed body (undefined when absent).
  function validateRequest(method, template, { query = {}, headers = {}, body, mediaType = 'application/json' }) {
    const { op, params } = operation(method, template);
    const errors = [];
    for (const p of params) {
      if (p.in !== 'query' && p.in !== 'header') continue;
      const raw = p.in === 'query' ? query[p.name] : headers[p.name.toLowerCase()];
      if (raw === undefined) {
        if (p.required) errors.push(`${p.in} parameter ${p.name} is required`);
        continue;
      }
      if (!p.schema) continue;
      const v = compile(p.schema);
      if (!v(decodeParam(p, String(raw)))) {
        errors.push(...formatErrors(v.errors).map((e) => `${p.in} parameter ${p.name}: ${e}`));
      }
    }
    const rb = resolve(op.requestBody);
    if (rb) {
      if (body === undefined) {
        if (rb.required) errors.push('request body is required');
      } else {
        const content = rb.content[mediaType];
        if (!content) {
          errors.push(`request media type ${mediaType} is not one of ${Object.keys(rb.content).join(', ')}`);
        } else if (content.schema) {
          const v = compile(content.schema);
          if (!v(toPlain(body))) errors.push(...formatErrors(v.errors).map((e) => `body${e}`));
        }
      }
    } else if (body !== undefined) {
      errors.push('this operation takes no request body');
    }
    return errors;
  }

  function responseFor(op, status) {
    const r = op.responses || {};
    return resolve(r[String(status)] || r[`${String(status)[0]}XX`] || r.default);
  }

  // `body`: parsed JSON or undefined for an empty body.
  function validateResponse(method, template, status, body) {
    const { op } = operation(method, template);
    const resp = responseFor(op, status);
    if (!resp) return [`status ${status} is not a declared response of ${op.operationId}`];
    const content = resp.content && resp.content['application/json'];
    if (!content) return body === undefined ? [] : [`status ${status} of ${op.operationId} has no body`];
    if (method === 'HEAD') return [];
    if (body === undefined) return [`status ${status} of ${op.operationId} needs a JSON body`];
    const v = compile(content.schema);
    return v(toPlain(body)) ? [] : formatErrors(v.errors).map((e) => `body${e}`);
  }

  // Validates a value against a named component schema (for self-checks and tests).
  function validateSchema(name, value) {
    const v = compile({ $ref: `${SCHEMA_REF}${name}` });
    return v(toPlain(value)) ? [] : formatErrors(v.errors);
  }

  // The spec's own examples of request/response bodies (media-type `example`/`examples` of
  // operations and components/responses), each with the schema it is documented under.
  function examples() {
    const out = [];
    const visit = (where, content) => {
      for (const [mt, c] of Object.entries(content || {})) {
        if (!mt.includes('json') || !c.schema) continue;
        if (c.example !== undefined) out.push({ where: `${where} ${mt}`, schema: c.schema, value: c.example });
        for (const [n, e] of Object.entries(c.examples || {})) {
          const ex = resolve(e);
          if (ex && ex.value !== undefined) out.push({ where: `${where} ${mt} ${n}`, schema: c.schema, value: ex.value });
        }
      }
    };
    for (const [key, { op }] of operations) {
      visit(`${key} request`, resolve(op.requestBody) && resolve(op.requestBody).content);
      for (const [code, r] of Object.entries(op.responses || {})) visit(`${key} ${code}`, resolve(r).content);
    }
    return out.map((e) => {
      const v = compile(e.schema);
      return { ...e, errors: v(e.value) ? [] : formatErrors(v.errors) };
    });
  }

  return { validateRequest, validateResponse, validateSchema, examples, doc };
}
