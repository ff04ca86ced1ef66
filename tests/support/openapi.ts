import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv from 'ajv';
import Ajv2020 from 'ajv/dist/2020';
import type { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { parse as parseYaml } from 'yaml';
import type { Exchange } from '../../main/sandbox/kit';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const providersDir = path.resolve(repoRoot, '../shared/providers');

/** The provider specs shipped beside the repository in `../shared/providers`. */
export const specFiles = {
  soracom: path.join(providersDir, 'soracom/soracom-api.en.yaml'),
  spatialflow: path.join(providersDir, 'spatialflow/openapi.yaml'),
  agilicus: path.join(providersDir, 'agilicus/billing-reconstructed.openapi.yaml'),
} as const;

type Json = Record<string, unknown>;
type Method = 'get' | 'post' | 'put' | 'delete' | 'patch';

interface PathEntry {
  template: string;
  regex: RegExp;
  params: number;
  item: Json;
}

export interface OpenApiSpec {
  file: string;
  version: '3.0' | '3.1';
  doc: Json;
  /** Path of the first server URL ('/v1' for Soracom), '' when none. */
  serverBasePath: string;
  paths: PathEntry[];
  ajv: Ajv;
  validators: Map<unknown, ValidateFunction | Error>;
}

export interface ValidateOptions {
  /** Prefix to strip from the exchange path; default: the first server URL's path. */
  basePath?: string;
  /** Do not report a response status the operation does not document (injected faults). */
  ignoreUndocumentedStatus?: boolean;
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * OpenAPI 3.0 schema dialect -> JSON Schema: `nullable`, boolean exclusive bounds.
 * Applied to 3.1 documents too, since generated 3.1 files (SpatialFlow) still use `nullable`.
 */
function normalizeSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(normalizeSchema);
  if (!isObject(node)) return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node)) out[k] = normalizeSchema(v);
  for (const [flag, bound] of [
    ['exclusiveMinimum', 'minimum'],
    ['exclusiveMaximum', 'maximum'],
  ] as const) {
    if (typeof out[flag] === 'boolean') {
      if (out[flag] === true && typeof out[bound] === 'number') {
        out[flag] = out[bound];
        Reflect.deleteProperty(out, bound);
      } else {
        Reflect.deleteProperty(out, flag);
      }
    }
  }
  if (out['nullable'] === true) {
    delete out['nullable'];
    if (typeof out['type'] === 'string' && out['$ref'] === undefined) {
      out['type'] = [out['type'], 'null'];
      if (Array.isArray(out['enum']) && !out['enum'].includes(null)) out['enum'] = [...out['enum'], null];
      return out;
    }
    return { anyOf: [out, { type: 'null' }] };
  }
  if (typeof out['nullable'] === 'boolean') delete out['nullable'];
  return out;
}

function templateRegex(template: string): RegExp {
  const source = template
    .split(/(\{[^}]+\})/)
    .map((part) => (part.startsWith('{') ? '[^/]+' : part.replace(/[.*+?^$()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}/?$`);
}

export function loadOpenApi(file: string): OpenApiSpec {
  const resolved = path.resolve(repoRoot, file);
  const doc = parseYaml(readFileSync(resolved, 'utf8')) as Json;
  const versionText = String(doc['openapi'] ?? '');
  if (!/^3\.[01]\./.test(versionText)) throw new Error(`${resolved}: not an OpenAPI 3.0/3.1 document (${versionText})`);
  const version = versionText.startsWith('3.1') ? '3.1' : '3.0';

  const options = { strict: false, allErrors: true, validateSchema: false, logger: false } as const;
  const ajv = version === '3.1' ? new Ajv2020(options) : new Ajv(options);
  addFormats(ajv);
  const components = isObject(doc['components']) ? doc['components'] : {};
  // Refs like '#/components/schemas/X' resolve against this document, added under a fixed id.
  ajv.addSchema({ $id: 'spec.json', components: normalizeSchema(components) });

  const servers = Array.isArray(doc['servers']) ? doc['servers'] : [];
  const firstServer: unknown = servers[0];
  let serverBasePath = '';
  if (isObject(firstServer) && typeof firstServer['url'] === 'string') {
    serverBasePath = new URL(firstServer['url'], 'http://x').pathname.replace(/\/+$/, '');
  }

  const paths: PathEntry[] = [];
  for (const [template, item] of Object.entries(isObject(doc['paths']) ? doc['paths'] : {})) {
    if (!isObject(item)) continue;
    paths.push({ template, regex: templateRegex(template), params: (template.match(/\{/g) ?? []).length, item });
  }
  paths.sort((a, b) => a.params - b.params);
  return { file: resolved, version, doc, serverBasePath, paths, ajv, validators: new Map() };
}

/** Follows an OpenAPI-level `$ref` (responses, requestBodies, parameters) inside the document. */
function deref(spec: OpenApiSpec, value: unknown, problems: string[], where: string): Json | undefined {
  let current = value;
  for (let depth = 0; isObject(current) && typeof current['$ref'] === 'string'; depth++) {
    const ref = current['$ref'];
    if (depth > 10 || !ref.startsWith('#/')) {
      problems.push(`${where}: cannot resolve ${ref}`);
      return undefined;
    }
    let target: unknown = spec.doc;
    for (const part of ref.slice(2).split('/')) {
      const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
      target = isObject(target) ? target[key] : undefined;
    }
    if (target === undefined) {
      problems.push(`${where}: ${ref} is missing from the spec`);
      return undefined;
    }
    current = target;
  }
  return isObject(current) ? current : undefined;
}

function rewriteRefs(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(rewriteRefs);
  if (!isObject(node)) return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node)) {
    out[k] = k === '$ref' && typeof v === 'string' && v.startsWith('#/') ? `spec.json${v}` : rewriteRefs(v);
  }
  return out;
}

function validatorFor(spec: OpenApiSpec, schema: unknown): ValidateFunction | Error {
  const cached = spec.validators.get(schema);
  if (cached !== undefined) return cached;
  let result: ValidateFunction | Error;
  try {
    const prepared = rewriteRefs(normalizeSchema(schema));
    result = spec.ajv.compile(isObject(prepared) ? prepared : {});
  } catch (e) {
    result = e instanceof Error ? e : new Error(String(e));
  }
  spec.validators.set(schema, result);
  return result;
}

function formatErrors(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((e) => `${e.instancePath === '' ? '(root)' : e.instancePath} ${e.message ?? e.keyword}`);
}

function jsonSchemaOf(content: unknown): { schema: unknown; type: string } | undefined {
  if (!isObject(content)) return undefined;
  const type = Object.keys(content).find((t) => /json/i.test(t));
  if (type === undefined) return undefined;
  const media = content[type];
  return isObject(media) && media['schema'] !== undefined ? { schema: media['schema'], type } : undefined;
}

function checkBody(spec: OpenApiSpec, schema: unknown, value: unknown, where: string, problems: string[]): void {
  const validate = validatorFor(spec, schema);
  if (validate instanceof Error) {
    problems.push(`${where}: schema cannot be compiled: ${validate.message}`);
    return;
  }
  if (!validate(value)) for (const msg of formatErrors(validate.errors)) problems.push(`${where}: ${msg}`);
}

function findPath(spec: OpenApiSpec, requestPath: string, basePath: string): PathEntry | undefined {
  const candidates = [requestPath];
  if (basePath !== '' && (requestPath === basePath || requestPath.startsWith(`${basePath}/`))) {
    candidates.push(requestPath.slice(basePath.length) || '/');
  }
  for (const candidate of candidates) {
    const hit = spec.paths.find((p) => p.regex.test(candidate));
    if (hit) return hit;
  }
  return undefined;
}

function checkQuery(spec: OpenApiSpec, parameters: unknown[], query: string, where: string, problems: string[]): void {
  const declared = new Map<string, Json>();
  for (const p of parameters) {
    const param = deref(spec, p, problems, where);
    if (param && param['in'] === 'query' && typeof param['name'] === 'string') declared.set(param['name'], param);
  }
  const actual = new URLSearchParams(query);
  for (const name of new Set(actual.keys())) {
    const param = declared.get(name);
    if (!param) {
      problems.push(`${where}: query parameter '${name}' is not declared`);
      continue;
    }
    const type = isObject(param['schema']) ? param['schema']['type'] : undefined;
    const value = actual.get(name) ?? '';
    if (type === 'integer' && !/^-?\d+$/.test(value)) problems.push(`${where}: query parameter '${name}' must be an integer`);
    if (type === 'number' && Number.isNaN(Number(value))) problems.push(`${where}: query parameter '${name}' must be a number`);
    if (type === 'boolean' && value !== 'true' && value !== 'false') problems.push(`${where}: query parameter '${name}' must be true or false`);
  }
  for (const [name, param] of declared) {
    if (param['required'] === true && !actual.has(name)) problems.push(`${where}: required query parameter '${name}' is missing`);
  }
}

/** Checks one recorded exchange against the spec; returns human-readable problems, empty when it conforms. */
export function validateExchange(spec: OpenApiSpec, exchange: Exchange, opts: ValidateOptions = {}): string[] {
  const problems: string[] = [];
  const method = exchange.method.toLowerCase() as Method;
  const label = `${exchange.method} ${exchange.path}`;
  const entry = findPath(spec, exchange.path, opts.basePath ?? spec.serverBasePath);
  if (!entry) return [`${label}: path is not in the spec`];
  const where = `${exchange.method} ${entry.template}`;
  const operation = entry.item[method];
  if (!isObject(operation)) return [`${where}: method is not in the spec`];

  const pathParams = Array.isArray(entry.item['parameters']) ? entry.item['parameters'] : [];
  const opParams = Array.isArray(operation['parameters']) ? operation['parameters'] : [];
  checkQuery(spec, [...pathParams, ...opParams], exchange.query, where, problems);

  const requestBody = operation['requestBody'] === undefined ? undefined : deref(spec, operation['requestBody'], problems, `${where} request`);
  if (exchange.requestBody !== undefined) {
    const body = requestBody ? jsonSchemaOf(requestBody['content']) : undefined;
    if (!requestBody) problems.push(`${where} request: the operation takes no body`);
    else if (body) checkBody(spec, body.schema, exchange.requestBody, `${where} request body`, problems);
  } else if (requestBody?.['required'] === true) {
    problems.push(`${where} request: body is required`);
  }

  if (exchange.status === 0) return problems;
  const responses = isObject(operation['responses']) ? operation['responses'] : {};
  const status = String(exchange.status);
  const key = [status, `${status[0] ?? ''}XX`, `${status[0] ?? ''}xx`, 'default'].find((k) => responses[k] !== undefined);
  if (key === undefined) {
    if (!opts.ignoreUndocumentedStatus) problems.push(`${where}: response status ${status} is not documented`);
    return problems;
  }
  const response = deref(spec, responses[key], problems, `${where} response ${key}`);
  const body = response ? jsonSchemaOf(response['content']) : undefined;
  if (body && exchange.responseBody === undefined) {
    problems.push(`${where} response ${status}: expected a JSON body, got none`);
  } else if (body) {
    checkBody(spec, body.schema, exchange.responseBody, `${where} response ${status}`, problems);
  }
  return problems;
}
