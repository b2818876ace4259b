// Conformance checks against Google's discovery document for the Google Health API (health.v4.json,
// vendored beside this file). The document's `schemas` become JSON Schema for Ajv, one per `$defs`
// entry, so the fake's responses and a client's requests are checked against what Google publishes
// rather than against what the fake believes:
// - `$ref: "Name"` → `#/$defs/Name`; `type: any` → any JSON value;
// - int64 / uint64 are JSON strings of digits (proto3 JSON), in range; int32 / uint32 are integers
//   in range; double / float are numbers;
// - google-datetime is an RFC 3339 timestamp with an offset (`Z` or ±hh:mm), 0–9 fractional digits;
//   google-duration is seconds with up to nine fractional digits and an `s` (`"3600s"`, `"-1.5s"`);
//   byte is base64; google-fieldmask is comma-separated field paths;
// - enums are kept; a schema that lists properties and has no `additionalProperties` refuses unknown
//   ones (Google's JSON parser refuses unknown names in requests; the fake must not invent fields);
// - a property whose description starts with "Required." is required: the discovery generator
//   writes field_behavior REQUIRED that way, and the document has no other `required` marker;
//   except "Required. Input only." (EndpointAuthorization.secret), absent from every answer, which
//   the fake requires itself.
// Errors (any status ≥ 400) are Google's JSON error envelope: `{error: {code, message, status,
// details?}}`, `status` the google.rpc.Code name of the HTTP status (AIP-193).
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsPlugin from 'ajv-formats';

const addFormats = addFormatsPlugin as unknown as (ajv: Ajv, formats: string[]) => Ajv;
const DOCUMENT_URL = new URL('./health.v4.json', import.meta.url);
const SCHEMA_ID = 'https://health.googleapis.com/discovery/v4';

interface DiscoveryParameter {
  type: string;
  format?: string;
  location: 'path' | 'query';
  required?: boolean;
  repeated?: boolean;
  pattern?: string;
  enum?: string[];
}

export interface DiscoveryMethod {
  id: string;
  httpMethod: string;
  path: string;
  flatPath?: string;
  parameters?: Record<string, DiscoveryParameter>;
  request?: { $ref: string };
  response?: { $ref: string };
  scopes?: string[];
}

interface DiscoveryResource {
  methods?: Record<string, DiscoveryMethod>;
  resources?: Record<string, DiscoveryResource>;
}

export interface DiscoverySchema {
  type?: string;
  format?: string;
  $ref?: string;
  description?: string;
  enum?: string[];
  enumDescriptions?: string[];
  properties?: Record<string, DiscoverySchema>;
  additionalProperties?: DiscoverySchema;
  items?: DiscoverySchema;
  readOnly?: boolean;
}

export interface DiscoveryDocument {
  revision: string;
  parameters: Record<string, DiscoveryParameter>;
  resources: Record<string, DiscoveryResource>;
  schemas: Record<string, DiscoverySchema>;
}

let document: DiscoveryDocument | undefined;
let methods: Map<string, DiscoveryMethod> | undefined;

/** The vendored discovery document, read once. */
export function discovery(): DiscoveryDocument {
  document ??= JSON.parse(readFileSync(DOCUMENT_URL, 'utf8')) as DiscoveryDocument;
  return document;
}

/** Every method of the document by id (`health.users.dataTypes.dataPoints.list`, ...). */
export function discoveryMethods(): Map<string, DiscoveryMethod> {
  if (methods) return methods;
  const found = new Map<string, DiscoveryMethod>();
  const walk = (resource: DiscoveryResource) => {
    for (const method of Object.values(resource.methods ?? {})) found.set(method.id, method);
    for (const child of Object.values(resource.resources ?? {})) walk(child);
  };
  walk({ resources: discovery().resources });
  methods = found;
  return found;
}

function method(methodId: string): DiscoveryMethod {
  const found = discoveryMethods().get(methodId);
  if (!found) throw new Error(`${methodId} is not a method of the Google Health API discovery document`);
  return found;
}

const INT64 = { min: -(2n ** 63n), max: 2n ** 63n - 1n };
const UINT64_MAX = 2n ** 64n - 1n;
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** proto3 Timestamp in JSON: RFC 3339 with `T`, an offset, and at most nanosecond precision. */
export function isGoogleDatetime(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:Z|([+-])(\d{2}):(\d{2}))$/.exec(
    value,
  );
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as number[];
  const leap = year! % 4 === 0 && (year! % 100 !== 0 || year! % 400 === 0);
  const monthDays = month === 2 && !leap ? 28 : (DAYS_IN_MONTH[month! - 1] ?? 0);
  return (
    year! >= 1 &&
    day! >= 1 &&
    day! <= monthDays &&
    hour! <= 23 &&
    minute! <= 59 &&
    second! <= 59 &&
    (m[7] === undefined || (Number(m[8]) <= 23 && Number(m[9]) <= 59))
  );
}

/** proto3 Duration in JSON: signed seconds, up to nine fractional digits, `s`; ±10,000 years at most. */
export function isGoogleDuration(value: string): boolean {
  const m = /^-?(\d+)(?:\.\d{1,9})?s$/.exec(value);
  return m !== null && Number(m[1]) <= 315_576_000_000;
}

const FORMATS: Record<string, (value: string) => boolean> = {
  int64: (v) => /^-?\d+$/.test(v) && BigInt(v) >= INT64.min && BigInt(v) <= INT64.max,
  uint64: (v) => /^\d+$/.test(v) && BigInt(v) <= UINT64_MAX,
  'google-datetime': isGoogleDatetime,
  'google-duration': isGoogleDuration,
  'google-fieldmask': (v) =>
    v === '' || v.split(',').every((path) => /^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$/.test(path)),
};

const INTEGER_RANGES: Record<string, { minimum: number; maximum: number }> = {
  int32: { minimum: -(2 ** 31), maximum: 2 ** 31 - 1 },
  uint32: { minimum: 0, maximum: 2 ** 32 - 1 },
};

type JsonSchema = Record<string, unknown>;

/** One discovery schema node as JSON Schema. */
function toJsonSchema(node: DiscoverySchema): JsonSchema {
  if (node.$ref) return { $ref: `#/$defs/${node.$ref}` };
  const out: JsonSchema = {};
  switch (node.type) {
    case 'any':
    case undefined:
      return {};
    case 'string':
      out.type = 'string';
      if (node.format === 'byte') out.format = 'byte';
      else if (node.format && FORMATS[node.format]) out.format = node.format;
      break;
    case 'integer':
      out.type = 'integer';
      Object.assign(out, INTEGER_RANGES[node.format ?? ''] ?? {});
      break;
    case 'number':
    case 'boolean':
    case 'null':
      out.type = node.type;
      break;
    case 'array':
      out.type = 'array';
      if (node.items) out.items = toJsonSchema(node.items);
      break;
    case 'object': {
      out.type = 'object';
      if (node.properties) {
        out.properties = Object.fromEntries(
          Object.entries(node.properties).map(([name, property]) => [name, toJsonSchema(property)]),
        );
        // "Required. Input only." (a subscriber's secret) is required in requests and never in an
        // answer; one schema serves both, so it is not required here (the fake checks it itself).
        const required = Object.entries(node.properties)
          .filter(
            ([, property]) =>
              property.description?.startsWith('Required.') &&
              !property.description.startsWith('Required. Input only.'),
          )
          .map(([name]) => name);
        if (required.length > 0) out.required = required;
      }
      if (node.additionalProperties) out.additionalProperties = toJsonSchema(node.additionalProperties);
      else if (node.properties) out.additionalProperties = false;
      break;
    }
    default:
      throw new Error(`unknown discovery type ${node.type}`);
  }
  if (node.enum) out.enum = node.enum;
  return out;
}

/** google.rpc.Code names by the HTTP status Google maps them to (AIP-193, google/rpc/code.proto). */
export const STATUS_OF_HTTP: Record<number, string[]> = {
  400: ['INVALID_ARGUMENT', 'FAILED_PRECONDITION', 'OUT_OF_RANGE'],
  401: ['UNAUTHENTICATED'],
  403: ['PERMISSION_DENIED'],
  404: ['NOT_FOUND'],
  409: ['ABORTED', 'ALREADY_EXISTS'],
  429: ['RESOURCE_EXHAUSTED'],
  499: ['CANCELLED'],
  500: ['INTERNAL', 'UNKNOWN', 'DATA_LOSS'],
  501: ['UNIMPLEMENTED'],
  503: ['UNAVAILABLE'],
  504: ['DEADLINE_EXCEEDED'],
};

/** The `$defs` of every schema in the document, plus Google's JSON error envelope. */
export function discoveryJsonSchema(): JsonSchema {
  const $defs: Record<string, JsonSchema> = {};
  for (const [name, schema] of Object.entries(discovery().schemas)) $defs[name] = toJsonSchema(schema);
  // The envelope wraps google.rpc.Status (the document's `Status`) and adds the code's name.
  $defs['GoogleErrorResponse'] = {
    type: 'object',
    required: ['error'],
    additionalProperties: false,
    properties: {
      error: {
        type: 'object',
        required: ['code', 'message', 'status'],
        additionalProperties: false,
        properties: {
          code: { type: 'integer', minimum: 400, maximum: 599 },
          message: { type: 'string' },
          status: { enum: [...new Set(Object.values(STATUS_OF_HTTP).flat())] },
          details: {
            type: 'array',
            items: { type: 'object', required: ['@type'], properties: { '@type': { type: 'string' } } },
          },
        },
      },
    },
  };
  return { $id: SCHEMA_ID, $defs };
}

let ajv: Ajv | undefined;
const validators = new Map<string, ValidateFunction>();

/** The compiled validator of one `$defs` entry, compiled on first use. */
function validatorFor(name: string): ValidateFunction {
  let validate = validators.get(name);
  if (validate) return validate;
  if (!ajv) {
    ajv = addFormats(new Ajv({ allErrors: true, strict: true, verbose: true }), ['byte']);
    for (const [format, check] of Object.entries(FORMATS))
      ajv.addFormat(format, { type: 'string', validate: check });
    ajv.addSchema(discoveryJsonSchema());
  }
  validate = ajv.getSchema(`${SCHEMA_ID}#/$defs/${name}`);
  if (!validate) throw new Error(`no schema ${name} in the discovery document`);
  validators.set(name, validate);
  return validate;
}

function describe(errors: ErrorObject[] | null | undefined, at: string): string[] {
  return (errors ?? []).map((e) => {
    const where = `${at}${e.instancePath}`;
    if (e.keyword === 'additionalProperties')
      return `${where}: unknown field "${String((e.params as { additionalProperty: string }).additionalProperty)}"`;
    if (e.keyword === 'enum') return `${where}: ${JSON.stringify(e.data)} is not one of the enum's values`;
    return `${where}: ${e.message ?? e.keyword}`;
  });
}

function validateAgainst(schemaName: string, body: unknown, at: string): string[] {
  const validate = validatorFor(schemaName);
  return validate(body) ? [] : describe(validate.errors, at);
}

/**
 * Errors of a response body of `methodId` (empty when it conforms). `httpStatus` ≥ 400 (or, without
 * a status, a body whose only field is `error`) is checked as Google's error envelope, whose `code`
 * must then be the HTTP status and `status` a code name Google maps to it.
 */
export function validateResponse(methodId: string, body: unknown, httpStatus?: number): string[] {
  const target = method(methodId);
  const isError =
    httpStatus !== undefined
      ? httpStatus >= 400
      : typeof body === 'object' && body !== null && Object.keys(body).join() === 'error';
  if (isError) {
    const errors = validateAgainst('GoogleErrorResponse', body, 'error response');
    if (errors.length > 0 || httpStatus === undefined) return errors;
    const { code, status } = (body as { error: { code: number; status: string } }).error;
    if (code !== httpStatus) errors.push(`error.code ${code} is not the HTTP status ${httpStatus}`);
    if (!(STATUS_OF_HTTP[httpStatus] ?? []).includes(status))
      errors.push(`error.status ${status} is not a code Google answers with HTTP ${httpStatus}`);
    return errors;
  }
  if (!target.response)
    return body === undefined || (typeof body === 'object' && body !== null && Object.keys(body).length === 0)
      ? []
      : [`${methodId} returns no body`];
  return validateAgainst(target.response.$ref, body, target.response.$ref);
}

export interface RequestParts {
  /** Path parameters by the method's parameter names (`parent: 'users/me/dataTypes/steps'`). */
  path: Record<string, string>;
  query: Record<string, string | string[]>;
  body?: unknown;
}

/** `page_size` → `pageSize`: Google binds a query parameter by its proto name or its JSON name. */
const camel = (name: string) => name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

function parameterErrors(name: string, where: string, spec: DiscoveryParameter, value: string): string[] {
  const errors: string[] = [];
  const label = `${where} parameter "${name}"`;
  if (spec.type === 'integer') {
    const range = INTEGER_RANGES[spec.format ?? 'int32']!;
    if (!/^-?\d+$/.test(value) || Number(value) < range.minimum || Number(value) > range.maximum)
      errors.push(
        `${label}: ${JSON.stringify(value)} is not a${spec.format === 'uint32' ? 'n unsigned' : 'n'} ${spec.format ?? 'int32'}`,
      );
  } else if (spec.type === 'number') {
    if (value.trim() === '' || !Number.isFinite(Number(value)))
      errors.push(`${label}: ${JSON.stringify(value)} is not a number`);
  } else if (spec.type === 'boolean') {
    if (value !== 'true' && value !== 'false')
      errors.push(`${label}: ${JSON.stringify(value)} is not a boolean`);
  } else if (spec.format && FORMATS[spec.format] && !FORMATS[spec.format]!(value)) {
    errors.push(`${label}: ${JSON.stringify(value)} is not a ${spec.format}`);
  }
  if (spec.enum && !spec.enum.includes(value))
    errors.push(`${label}: ${JSON.stringify(value)} is not one of ${spec.enum.join(', ')}`);
  if (spec.pattern && !new RegExp(spec.pattern).test(value))
    errors.push(`${label}: ${JSON.stringify(value)} does not match ${spec.pattern}`);
  return errors;
}

/**
 * Errors of a request to `methodId` (empty when the document accepts it): required parameters,
 * their types, enums and patterns (the method's and the document's global ones; unknown query
 * parameters are refused, as Google's frontend refuses them), and the body against `request`.
 */
export function validateRequest(methodId: string, parts: RequestParts): string[] {
  const target = method(methodId);
  const own = target.parameters ?? {};
  const errors: string[] = [];
  for (const [name, spec] of Object.entries(own)) {
    if (spec.location !== 'path') continue;
    const value = parts.path[name];
    if (value === undefined || value === '') {
      if (spec.required) errors.push(`path parameter "${name}" is required`);
      continue;
    }
    errors.push(...parameterErrors(name, 'path', spec, value));
  }
  for (const name of Object.keys(parts.path))
    if (own[name]?.location !== 'path') errors.push(`"${name}" is not a path parameter of ${methodId}`);

  const queryParams = {
    ...discovery().parameters,
    ...Object.fromEntries(Object.entries(own).filter(([, p]) => p.location === 'query')),
  };
  const seen = new Set<string>();
  for (const [given, raw] of Object.entries(parts.query)) {
    const name = queryParams[given] ? given : camel(given);
    const spec = queryParams[name];
    if (!spec) {
      errors.push(`unknown query parameter "${given}"`);
      continue;
    }
    const values = Array.isArray(raw) ? raw : [raw];
    if (seen.has(name) || (values.length > 1 && !spec.repeated))
      errors.push(`query parameter "${name}" is not repeated but was given more than once`);
    seen.add(name);
    for (const value of values) errors.push(...parameterErrors(name, 'query', spec, value));
  }
  for (const [name, spec] of Object.entries(queryParams))
    if (spec.required && spec.location === 'query' && !seen.has(name))
      errors.push(`query parameter "${name}" is required`);

  if (target.request)
    errors.push(...validateAgainst(target.request.$ref, parts.body ?? {}, target.request.$ref));
  else if (parts.body !== undefined) errors.push(`${methodId} takes no request body`);
  return errors;
}
