// Google Health API fake (health.googleapis.com, v4), built from Google's discovery document
// (health.v4.json beside this file). Mounted at `/google_health`, Google's paths below it:
// - `GET v4/users/{user}/identity` (users.getIdentity): `healthUserId`, and `legacyUserId`, the
//   same person's Fitbit user id in the sandbox.
// - `users.dataTypes.dataPoints` list / get / create for `exercise`, `sleep`, `steps` and `weight`.
//   list: the documented AIP-160 filter (per type: steps `interval.start_time` /
//   `interval.civil_start_time`, weight `sample_time.physical_time` / `sample_time.civil_time`,
//   exercise `interval.civil_start_time`, sleep `interval.end_time` / `interval.civil_end_time`;
//   operators `>=` and `<`, `AND`, and `OR` for sleep), newest first (interval start descending,
//   as documented), pageSize default 1440 / max 10000 (exercise and sleep 25 / 25, larger values
//   truncated), keyset page tokens so each point is returned once even if points are added
//   between pages. create answers an Operation (the document's response type), already done
//   (the document has no operations.get to poll), holding the DataPoint.
// - `projects.subscribers` and `projects.subscribers.subscriptions` (googleHealthSubscribers.ts):
//   subscriber endpoints verified as Google verifies them, then notified of every data point a
//   client creates (or the person's tracker records: `recordDataPoint`, or deletes:
//   `deleteDataPoint`) for the users and types they subscribe to.
// The person's data comes from the persona as the Fitbit tracker (platform FITBIT) and the phone's
// Google Fit (platform FIT) recorded it, so Google Health describes the same person as fitbit.ts
// and googleFit.ts: workouts become exercises with civil times and UTC offsets, nights sleeps with
// stages (Fitbit: STAGES; the phone: CLASSIC), daily steps hourly intervals, weigh-ins samples.
// Every request is checked against the document (discoverySchemas.ts): what it would refuse is a
// 400 INVALID_ARGUMENT in Google's error format, as is a bad filter, page size or body.
// OAuth: Google's (code + PKCE, refresh tokens that do not rotate); scopes are recorded per grant at
// the token endpoint, and a call the grant's scopes do not cover is 403 PERMISSION_DENIED.
// Quota: 300 requests per minute per user (developers.google.com/health/rate-limits), then 429
// RESOURCE_EXHAUSTED.
import { createHash, randomUUID } from 'node:crypto';
import type { DataType, WorkoutType } from '../../../../core/domain/types.js';
import type { IssuedGrant } from '../oauthServer.js';
import { recordedBy, recordedStart, type Persona } from '../persona.js';
import { FixedWindowCounter } from '../rateWindow.js';
import { utcOffsetMinutes, zonedToUtc } from '../time.js';
import type {
  ProviderErrorReplies,
  ProviderFake,
  ProviderFakeDeps,
  SandboxRecordView,
  SandboxReply,
  SandboxRequest,
} from '../types.js';
import {
  badRequest,
  errorInfo,
  googleError,
  invalidArgument,
  permissionDenied,
  SERVICE,
  type Json,
} from './googleErrors.js';
import { createSubscriberRegistry, type WebhookCall } from './googleHealthSubscribers.js';
import {
  discovery,
  discoveryMethods,
  isGoogleDatetime,
  STATUS_OF_HTTP,
  validateRequest,
  type DiscoveryMethod,
} from './discoverySchemas.js';

export const GOOGLE_HEALTH_DEFAULT_QUOTA_PER_MINUTE = 300;
export const GOOGLE_HEALTH_SCOPE_PREFIX = 'https://www.googleapis.com/auth/googlehealth.';
const TYPE_URL = 'type.googleapis.com/google.devicesandservices.health.v4.';
const HOUR = 3_600_000;

export type HealthDataType = 'exercise' | 'sleep' | 'steps' | 'weight';
const HEALTH_TYPES: readonly HealthDataType[] = ['exercise', 'sleep', 'steps', 'weight'];

/** The scope family of each type (the scopes' own descriptions: activity, sleep, body metrics). */
const AREA: Record<HealthDataType, string> = {
  exercise: 'activity_and_fitness',
  steps: 'activity_and_fitness',
  sleep: 'sleep',
  weight: 'health_metrics_and_measurements',
};

export function googleHealthScope(type: HealthDataType, access: 'readonly' | 'writeonly'): string {
  return `${GOOGLE_HEALTH_SCOPE_PREFIX}${AREA[type]}.${access}`;
}

/** pageSize defaults and maxima as the list method documents them. */
const PAGE_SIZE: Record<HealthDataType, { default: number; max: number }> = {
  exercise: { default: 25, max: 25 },
  sleep: { default: 25, max: 25 },
  steps: { default: 1440, max: 10_000 },
  weight: { default: 1440, max: 10_000 },
};

/** Filter fields each type supports (the list method's `filter` description), and whether OR is. */
const FILTERS: Record<HealthDataType, { fields: Record<string, 'physical' | 'civil'>; or: boolean }> = {
  steps: { fields: { 'interval.start_time': 'physical', 'interval.civil_start_time': 'civil' }, or: false },
  weight: {
    fields: { 'sample_time.physical_time': 'physical', 'sample_time.civil_time': 'civil' },
    or: false,
  },
  exercise: { fields: { 'interval.civil_start_time': 'civil' }, or: false },
  sleep: { fields: { 'interval.end_time': 'physical', 'interval.civil_end_time': 'civil' }, or: true },
};

const EXERCISE_OF: Record<WorkoutType, string> = {
  running: 'RUNNING',
  cycling: 'BIKING',
  swimming: 'SWIMMING',
  walking: 'WALKING',
  hiking: 'HIKING',
  strength_training: 'STRENGTH_TRAINING',
  yoga: 'YOGA',
  rowing: 'ROWING',
  elliptical: 'ELLIPTICAL',
  other: 'OTHER',
};
const WORKOUT_OF = new Map<string, WorkoutType>(
  Object.entries(EXERCISE_OF).map(([k, v]) => [v, k as WorkoutType]),
);

interface StoredPoint {
  id: string;
  type: HealthDataType;
  /** The DataPoint as served (`name` carries the health user id). */
  body: Json;
  /** Interval start or sample time, epoch ms: lists are ordered by it, newest first. */
  startMs: number;
  startOffsetMinutes: number;
  durationMs: number;
  /** Values of the filter fields (`interval.start_time` → epoch ms, civil ones → `YYYY-MM-DDTHH:mm:ss`). */
  fields: Record<string, number | string>;
  createdBy: 'seed' | 'api';
  /** Seeded steps: the persona day and platform the hourly point belongs to (views group by them). */
  day?: { date: string; timezone: string; platform: string };
}

interface HealthUser {
  sandboxUserId: string;
  healthUserId: string;
  persona: Persona;
  /** Seeded on first use (most sandbox users never call this API). */
  points?: Map<HealthDataType, Map<string, StoredPoint>>;
}

const hex = (s: string, n = 32) => createHash('sha256').update(s).digest('hex').slice(0, n);
const uuidOf = (s: string) => {
  const h = hex(s);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
};
/** proto3 JSON timestamps: Z-normalised, fractional digits only when there are any. */
const timestamp = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
const durationSeconds = (d: string) => Number(d.slice(0, -1));
const camel = (kebab: string) => kebab.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const snake = (kebab: string) => kebab.replace(/-/g, '_');

/** `2026-11-01T01:30:00`: the wall-clock time `offsetSeconds` from UTC at `ms`. */
const civilIso = (ms: number, offsetSeconds: number) =>
  new Date(ms + offsetSeconds * 1000).toISOString().slice(0, 19);

/** CivilDateTime as proto3 JSON: zero-valued fields are omitted. */
function civilDateTime(ms: number, offsetSeconds: number): Json {
  const d = new Date(Math.floor(ms + offsetSeconds * 1000));
  const time: Json = {};
  if (d.getUTCHours()) time.hours = d.getUTCHours();
  if (d.getUTCMinutes()) time.minutes = d.getUTCMinutes();
  if (d.getUTCSeconds()) time.seconds = d.getUTCSeconds();
  if (d.getUTCMilliseconds()) time.nanos = d.getUTCMilliseconds() * 1_000_000;
  return {
    date: { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() },
    time,
  };
}

/** A session or observation interval with its civil times (output only, derived from the offsets). */
function interval(startMs: number, endMs: number, startOffsetS: number, endOffsetS: number): Json {
  return {
    startTime: timestamp(startMs),
    startUtcOffset: `${startOffsetS}s`,
    endTime: timestamp(endMs),
    endUtcOffset: `${endOffsetS}s`,
    civilStartTime: civilDateTime(startMs, startOffsetS),
    civilEndTime: civilDateTime(endMs, endOffsetS),
  };
}

// ---------------------------------------------------------------------------------------------
// Errors in Google's format (googleErrors.ts).

function insufficientScope(method: DiscoveryMethod): SandboxReply {
  return googleError(
    403,
    'PERMISSION_DENIED',
    'Request had insufficient authentication scopes.',
    [errorInfo('ACCESS_TOKEN_SCOPE_INSUFFICIENT', 'googleapis.com', { service: SERVICE, method: method.id })],
    { 'www-authenticate': 'Bearer realm="https://accounts.google.com/", error="insufficient_scope"' },
  );
}

const errorReplies: ProviderErrorReplies = {
  unauthenticated(reason) {
    const message =
      reason === 'missing'
        ? 'Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.'
        : 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.';
    const errorReason =
      reason === 'missing'
        ? 'CREDENTIALS_MISSING'
        : reason === 'expired'
          ? 'ACCESS_TOKEN_EXPIRED'
          : 'ACCESS_TOKEN_TYPE_UNSUPPORTED';
    return googleError(
      401,
      'UNAUTHENTICATED',
      message,
      [errorInfo(errorReason, 'googleapis.com', { service: SERVICE })],
      {
        'www-authenticate':
          reason === 'missing'
            ? 'Bearer realm="https://accounts.google.com/"'
            : 'Bearer realm="https://accounts.google.com/", error="invalid_token"',
      },
    );
  },
  fault(status, retryAfterSeconds) {
    const name = STATUS_OF_HTTP[status]?.[0] ?? (status >= 500 ? 'UNAVAILABLE' : 'FAILED_PRECONDITION');
    return googleError(
      status,
      name,
      `sandbox fault: ${status}`,
      [],
      retryAfterSeconds !== undefined ? { 'retry-after': String(retryAfterSeconds) } : undefined,
    );
  },
  notFound(req) {
    return googleError(404, 'NOT_FOUND', `The requested URL ${req.path} was not found on this server.`);
  },
};

// ---------------------------------------------------------------------------------------------
// Routing by the discovery document: flatPath picks the method, path ({+name}) names the parameters.

interface Route {
  method: DiscoveryMethod;
  flat: RegExp;
  params: RegExp;
}

let routes: Route[] | undefined;

function templateRegExp(template: string, segment: string): RegExp {
  const source = template
    .split(/(\{\+?[A-Za-z0-9_.]+\})/)
    .map((part) => {
      const variable = /^\{(\+?)([A-Za-z0-9_.]+)\}$/.exec(part);
      if (!variable) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      return `(?<${variable[2]!.replace(/\./g, '_')}>${variable[1] ? '.+' : segment})`;
    })
    .join('');
  return new RegExp(`^/${source}$`);
}

function allRoutes(): Route[] {
  routes ??= [...discoveryMethods().values()]
    .map((method) => ({
      method,
      flat: templateRegExp(method.flatPath ?? method.path, '[^/:]+'),
      params: templateRegExp(method.path, '[^/]+'),
    }))
    // Custom verbs (`dataPoints:rollUp`) before the plain collection and item paths they resemble.
    .sort((a, b) => Number(b.method.path.includes(':')) - Number(a.method.path.includes(':')));
  return routes;
}

function route(req: SandboxRequest): { method: DiscoveryMethod; path: Record<string, string> } | undefined {
  const decoded = req.path
    .split('/')
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    })
    .join('/');
  for (const r of allRoutes()) {
    if (r.method.httpMethod !== req.method || !r.flat.test(decoded)) continue;
    const groups = r.params.exec(decoded)?.groups ?? {};
    return { method: r.method, path: { ...groups } };
  }
  return undefined;
}

function queryRecord(query: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const key of new Set(query.keys())) {
    const all = query.getAll(key);
    out[key] = all.length === 1 ? all[0]! : all;
  }
  return out;
}

/** A query parameter by its JSON name or its proto name (Google binds both). */
function param(query: URLSearchParams, name: string): string | undefined {
  const proto = name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  return query.get(name) ?? query.get(proto) ?? undefined;
}

/** Data type ids of the document (`heart-rate`, ...), from the DataPoint union's descriptions. */
let documentDataTypes: Set<string> | undefined;
function knownDataTypes(): Set<string> {
  documentDataTypes ??= new Set(
    Object.values(discovery().schemas['DataPoint']?.properties ?? {}).flatMap((p) => {
      const m = /`([a-z0-9-]+)` (?:interval|sample|daily|session) data type/.exec(p.description ?? '');
      return m ? [m[1]!] : [];
    }),
  );
  return documentDataTypes;
}

// ---------------------------------------------------------------------------------------------
// The list filter: AIP-160 restricted to what the method documents (see FILTERS).

type FilterNode =
  | { kind: 'and'; parts: FilterNode[] }
  | { kind: 'or'; parts: FilterNode[] }
  | { kind: 'cmp'; field: string; op: '>=' | '<'; value: number | string };

class FilterError extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

type Token = { kind: 'op' | 'lparen' | 'rparen' | 'string' | 'word' | 'other'; text: string };

function tokenize(filter: string): Token[] {
  const tokens: Token[] = [];
  const re = /(>=|<=|!=|=|>|<|:)|(\()|(\))|"((?:[^"\\]|\\.)*)"|([A-Za-z0-9_][\w.-]*)|(\S)/y;
  let at = 0;
  while (at < filter.length) {
    if (/\s/.test(filter[at]!)) {
      at += 1;
      continue;
    }
    re.lastIndex = at;
    const m = re.exec(filter)!;
    at = re.lastIndex;
    if (m[1]) tokens.push({ kind: 'op', text: m[1] });
    else if (m[2]) tokens.push({ kind: 'lparen', text: '(' });
    else if (m[3]) tokens.push({ kind: 'rparen', text: ')' });
    else if (m[4] !== undefined) tokens.push({ kind: 'string', text: m[4].replace(/\\(.)/g, '$1') });
    else if (m[5]) tokens.push({ kind: 'word', text: m[5] });
    else tokens.push({ kind: 'other', text: m[6]! });
  }
  return tokens;
}

const CIVIL = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2}))?$/;

/** `2023-11-24` or `2023-11-24T12:34:56` as `YYYY-MM-DDTHH:mm:ss`, or undefined. */
function civilLiteral(text: string): string | undefined {
  const m = CIVIL.exec(text);
  if (!m) return undefined;
  const iso = `${m[1]}-${m[2]}-${m[3]}T${m[4] ?? '00'}:${m[5] ?? '00'}:${m[6] ?? '00'}`;
  return isGoogleDatetime(`${iso}Z`) ? iso : undefined;
}

function parseFilter(filter: string, type: HealthDataType): FilterNode | undefined {
  const tokens = tokenize(filter);
  if (tokens.length === 0) return undefined;
  let at = 0;
  const spec = FILTERS[type];
  const peek = () => tokens[at];
  const next = (expect: string) => {
    const token = tokens[at];
    if (!token)
      throw new FilterError(
        'INVALID_DATA_POINT_FILTER_UNEXPECTED_END_OF_INPUT',
        `Invalid filter: unexpected end of input (expected ${expect}).`,
      );
    at += 1;
    return token;
  };
  const unexpected = (token: Token) =>
    new FilterError(
      'INVALID_DATA_POINT_FILTER_UNEXPECTED_TOKEN',
      `Invalid filter: unexpected token ${JSON.stringify(token.text)}.`,
    );

  const restriction = (): FilterNode => {
    const field = next('a field');
    if (field.kind !== 'word') throw unexpected(field);
    const prefix = `${snake(type)}.`;
    if (!field.text.startsWith(prefix)) {
      const other = [...knownDataTypes()].find((t) => field.text.startsWith(`${snake(t)}.`));
      throw other
        ? new FilterError(
            'INVALID_DATA_POINT_FILTER_DATA_TYPE_RESTRICTION',
            `Invalid filter data type restriction: ${field.text} restricts ${other}, the request lists ${type}.`,
          )
        : new FilterError('INVALID_DATA_POINT_FILTER', `Invalid filter: unknown field ${field.text}.`);
    }
    const kind = spec.fields[field.text.slice(prefix.length)];
    if (!kind)
      throw new FilterError(
        'INVALID_DATA_POINT_FILTER',
        `Invalid filter: ${field.text} is not a supported filter field for ${type}.`,
      );
    const op = next('a comparison operator');
    if (op.kind !== 'op') throw unexpected(op);
    if (op.text !== '>=' && op.text !== '<')
      throw new FilterError(
        'INVALID_DATA_POINT_FILTER',
        `Invalid filter: operator ${op.text} is not supported; use >= or <.`,
      );
    const literal = next('a quoted literal');
    if (literal.kind !== 'string') throw unexpected(literal);
    let value: number | string | undefined;
    if (kind === 'physical') value = isGoogleDatetime(literal.text) ? Date.parse(literal.text) : undefined;
    else value = civilLiteral(literal.text);
    if (value === undefined)
      throw new FilterError(
        'INVALID_DATA_POINT_FILTER',
        kind === 'physical'
          ? `Invalid filter: ${field.text} expects an RFC 3339 timestamp, got "${literal.text}".`
          : `Invalid filter: ${field.text} expects YYYY-MM-DD[THH:mm:ss], got "${literal.text}".`,
      );
    return { kind: 'cmp', field: field.text.slice(prefix.length), op: op.text, value };
  };

  const term = (): FilterNode => {
    const token = peek();
    if (token?.kind === 'lparen') {
      at += 1;
      const inner = expression();
      const close = next('")"');
      if (close.kind !== 'rparen') throw unexpected(close);
      return inner;
    }
    if (token?.kind === 'word' && (token.text === 'NOT' || token.text.startsWith('-')))
      throw new FilterError('INVALID_DATA_POINT_FILTER', 'Invalid filter: NOT is not supported.');
    return restriction();
  };

  // AIP-160: OR binds tighter than AND.
  const factor = (): FilterNode => {
    const parts = [term()];
    while (peek()?.kind === 'word' && peek()!.text === 'OR') {
      if (!spec.or)
        throw new FilterError(
          'INVALID_DATA_POINT_FILTER',
          `Invalid filter: OR is not supported for ${type} (only AND).`,
        );
      at += 1;
      parts.push(term());
    }
    return parts.length === 1 ? parts[0]! : { kind: 'or', parts };
  };

  const expression = (): FilterNode => {
    const parts = [factor()];
    while (peek()?.kind === 'word' && peek()!.text === 'AND') {
      at += 1;
      parts.push(factor());
    }
    return parts.length === 1 ? parts[0]! : { kind: 'and', parts };
  };

  const tree = expression();
  if (at < tokens.length) throw unexpected(tokens[at]!);
  return tree;
}

function matches(node: FilterNode | undefined, point: StoredPoint): boolean {
  if (!node) return true;
  if (node.kind === 'and') return node.parts.every((p) => matches(p, point));
  if (node.kind === 'or') return node.parts.some((p) => matches(p, point));
  const actual = point.fields[node.field];
  if (actual === undefined) return false;
  return node.op === '>=' ? actual >= node.value : actual < node.value;
}

// ---------------------------------------------------------------------------------------------
// Page tokens: the last point served (its start and id) and the query they belong to.

interface PageCursor {
  startMs: number;
  id: string;
}

const queryKey = (type: HealthDataType, filter: string) => hex(`${type}\n${filter}`, 16);

function encodeToken(type: HealthDataType, filter: string, last: StoredPoint): string {
  return Buffer.from(
    JSON.stringify({ q: queryKey(type, filter), s: last.startMs, i: last.id }),
    'utf8',
  ).toString('base64url');
}

function decodeToken(token: string, type: HealthDataType, filter: string): PageCursor | 'bad' | 'mismatch' {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
      q?: unknown;
      s?: unknown;
      i?: unknown;
    };
    if (typeof parsed.q !== 'string' || typeof parsed.s !== 'number' || typeof parsed.i !== 'string')
      return 'bad';
    if (parsed.q !== queryKey(type, filter)) return 'mismatch';
    return { startMs: parsed.s, id: parsed.i };
  } catch {
    return 'bad';
  }
}

/** Newest first; equal starts by id, so the order (and a cursor into it) is total. */
const byStartDescending = (a: StoredPoint, b: StoredPoint) =>
  b.startMs - a.startMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
const after = (p: StoredPoint, c: PageCursor) =>
  p.startMs < c.startMs || (p.startMs === c.startMs && p.id > c.id);

// ---------------------------------------------------------------------------------------------

export interface GoogleHealthFakeDeps extends ProviderFakeDeps {
  /** The same person's Fitbit user id (Identity.legacyUserId). */
  legacyUserId(sandboxUserId: string): string | undefined;
}

export interface GoogleHealthFake extends ProviderFake<'google_health'> {
  /** The scopes a grant holds, for assertions (space-separated, as granted at the token endpoint). */
  grantedScope(accessToken: string): string | undefined;
  /**
   * The person's tracker records a data point (the DataPoint's union field, e.g. `{exercise: {...}}`,
   * checked like a create request; platform FITBIT): subscribers are notified (UPSERT). Returns the
   * stored DataPoint.
   */
  recordDataPoint(sandboxUserId: string, dataPoint: Record<string, unknown>): Record<string, unknown>;
  /** The person deletes a data point in the app: subscribers are notified (DELETE). */
  deleteDataPoint(sandboxUserId: string, type: HealthDataType, id: string): boolean;
  /** Subscriber endpoint calls (verifications and notification batches) made so far. */
  webhookCalls(): readonly WebhookCall[];
  /** Resolves once every webhook call started so far has been answered. */
  webhooksSettled(): Promise<void>;
  /** The public key (SPKI PEM) of `GOOGLE-HEALTH-API-SIGNATURE`. */
  readonly notificationPublicKeyPem: string;
}

interface Source {
  platform: 'FITBIT' | 'FIT';
  provider: 'fitbit' | 'google_fit';
  application: Json;
}

const SOURCES: Source[] = [
  { platform: 'FITBIT', provider: 'fitbit', application: { packageName: 'com.fitbit.FitbitMobile' } },
  {
    platform: 'FIT',
    provider: 'google_fit',
    application: { packageName: 'com.google.android.apps.fitness' },
  },
];

export function createGoogleHealthFake(deps: GoogleHealthFakeDeps): GoogleHealthFake {
  const users = new Map<string, HealthUser>();
  const scopes = new Map<string, string>();
  const quota = new FixedWindowCounter(60_000, GOOGLE_HEALTH_DEFAULT_QUOTA_PER_MINUTE);
  /** Each user's consents (code exchanges): a grant's refresh token, to see it revoked, and its scopes. */
  const consents = new Map<string, { refreshToken: string; scope: Set<string> }[]>();
  const notifications = createSubscriberRegistry({
    now: () => nowMs(),
    isDataType: (type) => knownDataTypes().has(type),
    hasUser: (healthUserId) => [...users.values()].some((u) => u.healthUserId === healthUserId),
    consents: (sandboxUserId, type) =>
      HEALTH_TYPES.includes(type as HealthDataType) &&
      (consents.get(sandboxUserId) ?? []).some(
        (c) =>
          c.scope.has(googleHealthScope(type as HealthDataType, 'readonly')) &&
          deps.oauth.describe(c.refreshToken)?.state !== 'revoked',
      ),
  });
  const nowMs = () => deps.now().getTime();

  function store(
    user: HealthUser,
    point: Omit<StoredPoint, 'body'> & { data: Json; dataSource: Json },
  ): void {
    const body: Json = {
      name: `users/${user.healthUserId}/dataTypes/${point.type}/dataPoints/${point.id}`,
      dataSource: point.dataSource,
      [camel(point.type)]: point.data,
    };
    const { data: _data, dataSource: _source, ...rest } = point;
    user.points!.get(point.type)!.set(point.id, { ...rest, body });
  }

  /** Filter-field values and bookkeeping of a point from its (normalised) data. */
  function indexOf(
    type: HealthDataType,
    data: Json,
  ): Pick<StoredPoint, 'startMs' | 'startOffsetMinutes' | 'durationMs' | 'fields'> {
    if (type === 'weight') {
      const sample = data.sampleTime as { physicalTime: string; utcOffset: string };
      const at = Date.parse(sample.physicalTime);
      const offset = durationSeconds(sample.utcOffset);
      return {
        startMs: at,
        startOffsetMinutes: Math.round(offset / 60),
        durationMs: 0,
        fields: { 'sample_time.physical_time': at, 'sample_time.civil_time': civilIso(at, offset) },
      };
    }
    const iv = data.interval as {
      startTime: string;
      endTime: string;
      startUtcOffset: string;
      endUtcOffset: string;
    };
    const start = Date.parse(iv.startTime);
    const end = Date.parse(iv.endTime);
    const startOffset = durationSeconds(iv.startUtcOffset);
    const endOffset = durationSeconds(iv.endUtcOffset);
    return {
      startMs: start,
      startOffsetMinutes: Math.round(startOffset / 60),
      durationMs: end - start,
      fields: {
        'interval.start_time': start,
        'interval.end_time': end,
        'interval.civil_start_time': civilIso(start, startOffset),
        'interval.civil_end_time': civilIso(end, endOffset),
      },
    };
  }

  const offsetAt = (timezone: string, ms: number) => utcOffsetMinutes(timezone, new Date(ms)) * 60;
  const zonedInterval = (timezone: string, start: number, end: number) =>
    interval(start, end, offsetAt(timezone, start), offsetAt(timezone, end));
  const lag = (key: string) => 60_000 + (parseInt(hex(key, 4), 16) % 600_000);

  function device(source: Source, displayName: string, formFactor: string): Json {
    return {
      displayName,
      manufacturer: source.provider === 'fitbit' ? 'Fitbit' : 'Google',
      formFactor,
    };
  }

  function sleepStages(
    source: Source,
    start: number,
    timezone: string,
    s: Persona['sleeps'][number],
  ): { type: string; stages: Json[]; summary: Json } {
    const { awakeSeconds, lightSeconds, deepSeconds, remSeconds } = s.stages;
    const firstAwake = Math.floor(awakeSeconds / 2);
    const segments: [string, number][] =
      source.platform === 'FITBIT'
        ? [
            ['AWAKE', firstAwake],
            ['LIGHT', Math.floor(lightSeconds / 2)],
            ['DEEP', deepSeconds],
            ['LIGHT', lightSeconds - Math.floor(lightSeconds / 2)],
            ['REM', remSeconds],
            ['AWAKE', awakeSeconds - firstAwake],
          ]
        : // The phone does not stage sleep: asleep between two awake spells.
          [
            ['AWAKE', firstAwake],
            ['ASLEEP', s.asleepSeconds],
            ['AWAKE', awakeSeconds - firstAwake],
          ];
    const stages: Json[] = [];
    const totals = new Map<string, { seconds: number; count: number }>();
    let t = start;
    for (const [type, seconds] of segments) {
      if (seconds <= 0) continue;
      const end = t + seconds * 1000;
      stages.push({
        type,
        startTime: timestamp(t),
        startUtcOffset: `${offsetAt(timezone, t)}s`,
        endTime: timestamp(end),
        endUtcOffset: `${offsetAt(timezone, end)}s`,
      });
      const total = totals.get(type) ?? { seconds: 0, count: 0 };
      totals.set(type, { seconds: total.seconds + seconds, count: total.count + 1 });
      t = end;
    }
    return { type: source.platform === 'FITBIT' ? 'STAGES' : 'CLASSIC', stages, summary: summaryOf(totals) };
  }

  function summaryOf(totals: Map<string, { seconds: number; count: number }>): Json {
    let asleep = 0;
    let awake = 0;
    for (const [type, { seconds }] of totals)
      if (type === 'AWAKE' || type === 'RESTLESS') awake += seconds;
      else asleep += seconds;
    return {
      minutesAsleep: String(Math.round(asleep / 60)),
      minutesAwake: String(Math.round(awake / 60)),
      minutesInSleepPeriod: String(Math.round((asleep + awake) / 60)),
      stagesSummary: [...totals].map(([type, { seconds, count }]) => ({
        type,
        minutes: String(Math.round(seconds / 60)),
        count: String(count),
      })),
    };
  }

  function seed(user: HealthUser): void {
    user.points = new Map(HEALTH_TYPES.map((t) => [t, new Map()]));
    const { persona } = user;
    const now = nowMs();
    for (const source of SOURCES) {
      const mine = recordedBy(persona, source.provider);
      const dataSource = (recordingMethod: string, dev: Json) => ({
        recordingMethod,
        device: dev,
        platform: source.platform,
        application: source.application,
      });
      // The Fitbit tracker's own device for what it measured, else the phone that recorded it.
      const recorder = (fitbitModel: string, fitbitKind: string) =>
        source.platform === 'FITBIT'
          ? device(source, fitbitModel, fitbitKind)
          : device(source, 'Pixel 8', 'PHONE');
      for (const w of mine.workouts) {
        const start = recordedStart(w, source.provider).getTime();
        const end = start + w.elapsedSeconds * 1000;
        const written = timestamp(Math.min(end + lag(w.key), now));
        const exerciseType = EXERCISE_OF[w.workoutType];
        const metrics: Json = {
          caloriesKcal: w.calories,
          averageHeartRateBeatsPerMinute: String(w.averageHeartRate),
        };
        if (w.distanceMeters !== null) {
          metrics.distanceMillimeters = w.distanceMeters * 1000;
          metrics.averageSpeedMillimetersPerSecond = Math.round((w.distanceMeters * 1000) / w.movingSeconds);
          metrics.averagePaceSecondsPerMeter = Math.round((w.movingSeconds / w.distanceMeters) * 1000) / 1000;
        }
        if (w.elevationGainMeters !== null) metrics.elevationGainMillimeters = w.elevationGainMeters * 1000;
        const data: Json = {
          interval: zonedInterval(w.timezone, start, end),
          exerciseType,
          displayName: displayNameOf(exerciseType),
          activeDuration: `${w.movingSeconds}s`,
          metricsSummary: metrics,
          ...(w.distanceMeters !== null ? { exerciseMetadata: { hasGps: true } } : {}),
          createTime: written,
          updateTime: written,
        };
        const formFactor = source.platform === 'FITBIT' ? 'FITNESS_BAND' : 'PHONE';
        store(user, {
          id: uuidOf(`${source.platform}:${w.key}`),
          type: 'exercise',
          ...indexOf('exercise', data),
          createdBy: 'seed',
          data,
          dataSource: dataSource('ACTIVELY_MEASURED', device(source, w.device, formFactor)),
        });
      }
      for (const s of mine.sleeps) {
        const start = Date.parse(s.start);
        const end = Date.parse(s.end);
        const written = timestamp(Math.min(end + lag(s.key), now));
        const { type, stages, summary } = sleepStages(source, start, s.timezone, s);
        const data: Json = {
          interval: zonedInterval(s.timezone, start, end),
          type,
          stages,
          // The tracker's staged night is the main sleep; the phone's copy of it is not.
          metadata:
            source.platform === 'FITBIT'
              ? { processed: true, mainSleep: true, stagesStatus: 'SUCCEEDED' }
              : { processed: true },
          summary,
          createTime: written,
          updateTime: written,
        };
        const dev = recorder('Fitbit Charge 6', 'FITNESS_BAND');
        store(user, {
          id: uuidOf(`${source.platform}:${s.key}`),
          type: 'sleep',
          ...indexOf('sleep', data),
          createdBy: 'seed',
          data,
          dataSource: dataSource('PASSIVELY_MEASURED', dev),
        });
      }
      for (const d of mine.steps) {
        // Thirteen hourly intervals, 08:00–21:00 local, summing to the day's count.
        const total = d.byProvider[source.provider]!;
        const per = Math.floor(total / 13);
        for (let h = 0; h < 13; h += 1) {
          const start = zonedToUtc(d.timezone, `${d.date}T${String(8 + h).padStart(2, '0')}:00:00`).getTime();
          const data: Json = {
            count: String(h === 12 ? total - per * 12 : per),
            interval: zonedInterval(d.timezone, start, start + HOUR),
          };
          const dev = recorder('Fitbit Charge 6', 'FITNESS_BAND');
          store(user, {
            id: uuidOf(`${source.platform}:${persona.name}:steps:${d.date}:${h}`),
            type: 'steps',
            ...indexOf('steps', data),
            createdBy: 'seed',
            day: { date: d.date, timezone: d.timezone, platform: source.platform },
            data,
            dataSource: dataSource('PASSIVELY_MEASURED', dev),
          });
        }
      }
      for (const w of mine.weights) {
        const at = Date.parse(w.measuredAt);
        const data: Json = {
          sampleTime: {
            physicalTime: timestamp(at),
            utcOffset: `${offsetAt(w.timezone, at)}s`,
            civilTime: civilDateTime(at, offsetAt(w.timezone, at)),
          },
          weightGrams: Math.round(w.weightKg * 1000),
        };
        const dev = recorder('Aria Air', 'SCALE');
        store(user, {
          id: uuidOf(`${source.platform}:${w.key}`),
          type: 'weight',
          ...indexOf('weight', data),
          createdBy: 'seed',
          data,
          // The phone's weights are typed in; the scale's measured.
          dataSource: dataSource(source.platform === 'FITBIT' ? 'ACTIVELY_MEASURED' : 'MANUAL', dev),
        });
      }
    }
  }

  function pointsOf(user: HealthUser): Map<HealthDataType, Map<string, StoredPoint>> {
    if (!user.points) seed(user);
    return user.points!;
  }

  // -------------------------------------------------------------------------------------------
  // Methods.

  function list(user: HealthUser, type: HealthDataType, req: SandboxRequest): SandboxReply {
    const filterText = param(req.query, 'filter') ?? '';
    let filter: FilterNode | undefined;
    try {
      filter = parseFilter(filterText, type);
    } catch (error) {
      if (error instanceof FilterError) return invalidArgument(error.message, error.reason);
      throw error;
    }
    const requested = Number(param(req.query, 'pageSize') ?? '0');
    if (requested < 0) return invalidArgument('page_size must not be negative.', 'INVALID_PAGE_SIZE');
    const limits = PAGE_SIZE[type];
    const pageSize = requested === 0 ? limits.default : Math.min(requested, limits.max);
    const token = param(req.query, 'pageToken');
    let cursor: PageCursor | undefined;
    if (token) {
      const decoded = decodeToken(token, type, filterText);
      if (decoded === 'bad') return invalidArgument('Invalid page token.', 'INVALID_PAGE_TOKEN');
      if (decoded === 'mismatch')
        return invalidArgument(
          'The page token belongs to a different request: keep the data type and filter across pages.',
          'INVALID_PAGE_TOKEN',
        );
      cursor = decoded;
    }
    const all = [...pointsOf(user).get(type)!.values()]
      .filter((p) => matches(filter, p) && (!cursor || after(p, cursor)))
      .sort(byStartDescending);
    const page = all.slice(0, pageSize);
    // proto3 JSON: an empty list and an empty token are left out.
    return {
      status: 200,
      body: {
        ...(page.length ? { dataPoints: page.map((p) => p.body) } : {}),
        ...(all.length > pageSize ? { nextPageToken: encodeToken(type, filterText, page.at(-1)!) } : {}),
      },
    };
  }

  function get(user: HealthUser, type: HealthDataType, id: string): SandboxReply {
    const point = pointsOf(user).get(type)!.get(id);
    if (!point) return googleError(404, 'NOT_FOUND', `Data point ${type}/${id} not found.`);
    return { status: 200, body: point.body };
  }

  /** A data point's interval as notifications carry it (a weight's sample time is an instant). */
  function notificationInterval(point: StoredPoint): Json {
    const data = point.body[camel(point.type)] as Json;
    if (point.type === 'weight') {
      const sample = data.sampleTime as { physicalTime: string; civilTime: Json };
      return {
        physicalTimeInterval: { startTime: sample.physicalTime, endTime: sample.physicalTime },
        civilDateTimeInterval: { start: sample.civilTime, end: sample.civilTime },
      };
    }
    const iv = data.interval as {
      startTime: string;
      endTime: string;
      civilStartTime: Json;
      civilEndTime: Json;
    };
    return {
      physicalTimeInterval: { startTime: iv.startTime, endTime: iv.endTime },
      civilDateTimeInterval: { start: iv.civilStartTime, end: iv.civilEndTime },
    };
  }

  function changed(user: HealthUser, point: StoredPoint, operation: 'UPSERT' | 'DELETE'): void {
    notifications.notify({
      sandboxUserId: user.sandboxUserId,
      healthUserId: user.healthUserId,
      dataType: point.type,
      operation,
      interval: notificationInterval(point),
    });
  }

  /**
   * dataPoints.create; with `origin`, a data point the person's own device recorded (the sandbox's
   * `recordDataPoint`), stored with that data source like the seeded ones.
   */
  function create(
    user: HealthUser,
    type: HealthDataType,
    body: Json,
    clientId: string,
    origin?: { dataSource: Json },
  ): SandboxReply {
    const union = Object.keys(body).filter((k) => k !== 'name' && k !== 'dataSource');
    if (union.length !== 1 || union[0] !== camel(type))
      return invalidArgument(
        `The data point must set exactly the ${camel(type)} field of the data union (got ${union.join(', ') || 'none'}).`,
        'INVALID_DATA_POINT',
      );
    let id: string = randomUUID();
    if (body.name !== undefined) {
      const m = /^users\/([^/]+)\/dataTypes\/([^/]+)\/dataPoints\/([^/]+)$/.exec(String(body.name));
      if (!m || (m[1] !== 'me' && m[1] !== user.healthUserId) || m[2] !== type)
        return invalidArgument(
          `name must be users/me/dataTypes/${type}/dataPoints/{dataPoint}.`,
          'INVALID_DATA_POINT_NAME',
        );
      if (!/^[a-z0-9-]{4,63}$/.test(m[3]!))
        return invalidArgument(
          'A client-provided data point id is 4-63 lowercase letters, digits and hyphens.',
          'INVALID_DATA_POINT_NAME',
        );
      id = m[3]!;
    }
    const points = pointsOf(user).get(type)!;
    if (points.has(id))
      return googleError(
        409,
        'ALREADY_EXISTS',
        `Data point users/me/dataTypes/${type}/dataPoints/${id} already exists.`,
      );
    const data = normalise(type, body[camel(type)] as Json);
    if (typeof data === 'string') return invalidArgument(data, 'INVALID_DATA_POINT');
    const given = (body.dataSource ?? {}) as Json;
    // platform and application are output only: Google stamps the writing client.
    const dataSource: Json = origin?.dataSource ?? {
      ...(given.recordingMethod !== undefined ? { recordingMethod: given.recordingMethod } : {}),
      ...(given.device !== undefined ? { device: given.device } : {}),
      platform: 'GOOGLE_WEB_API',
      application: { googleWebClientId: clientId },
    };
    store(user, { id, type, ...indexOf(type, data), createdBy: origin ? 'seed' : 'api', data, dataSource });
    changed(user, points.get(id)!, 'UPSERT');
    return {
      status: 200,
      body: {
        name: `operations/${randomUUID()}`,
        metadata: { '@type': `${TYPE_URL}CreateDataPointOperationMetadata` },
        done: true,
        response: { '@type': `${TYPE_URL}DataPoint`, ...points.get(id)!.body },
      },
    };
  }

  /**
   * A client's data (already valid against the document) with its output-only fields computed, or
   * what is wrong with it. Output-only fields a client sends are ignored, as Google ignores them.
   */
  function normalise(type: HealthDataType, input: Json): Json | string {
    const now = timestamp(nowMs());
    const offsetOk = (d: string) => Math.abs(durationSeconds(d)) <= 18 * 3600;
    if (type === 'weight') {
      const sample = input.sampleTime as { physicalTime: string; utcOffset: string };
      const grams = input.weightGrams as number;
      if (grams < 0 || grams > 1_000_000) return 'weightGrams must be in the range [0, 1000000].';
      if (!offsetOk(sample.utcOffset)) return 'utcOffset must be within ±18 hours.';
      const at = Date.parse(sample.physicalTime);
      return {
        ...(input.notes !== undefined ? { notes: input.notes } : {}),
        sampleTime: {
          physicalTime: timestamp(at),
          utcOffset: sample.utcOffset,
          civilTime: civilDateTime(at, durationSeconds(sample.utcOffset)),
        },
        weightGrams: grams,
      };
    }
    const iv = input.interval as {
      startTime: string;
      endTime: string;
      startUtcOffset: string;
      endUtcOffset: string;
    };
    const start = Date.parse(iv.startTime);
    const end = Date.parse(iv.endTime);
    if (end < start) return 'interval.endTime is before interval.startTime.';
    if (!offsetOk(iv.startUtcOffset) || !offsetOk(iv.endUtcOffset))
      return 'UTC offsets must be within ±18 hours.';
    const observed = interval(
      start,
      end,
      durationSeconds(iv.startUtcOffset),
      durationSeconds(iv.endUtcOffset),
    );
    if (type === 'steps') {
      const count = BigInt(input.count as string);
      if (count < 0n || count > 1_000_000n) return 'count must be in the range [0, 1000000].';
      return { count: count.toString(), interval: observed };
    }
    if (type === 'exercise') {
      const exerciseType = input.exerciseType as string;
      if (exerciseType === 'EXERCISE_TYPE_UNSPECIFIED') return 'exerciseType is required.';
      const { interval: _i, createTime: _c, updateTime: _u, ...rest } = input;
      return {
        ...rest,
        interval: observed,
        // Google names every exercise but OTHER after its type, whatever the client sent.
        displayName: exerciseType === 'OTHER' ? input.displayName : displayNameOf(exerciseType),
        createTime: now,
        updateTime: now,
      };
    }
    const stages = (input.stages ?? []) as { type: string; startTime: string; endTime: string }[];
    const totals = new Map<string, { seconds: number; count: number }>();
    let previousEnd = start;
    for (const stage of [...stages].sort((a, b) => Date.parse(a.startTime) - Date.parse(b.startTime))) {
      const s = Date.parse(stage.startTime);
      const e = Date.parse(stage.endTime);
      if (e < s || s < start || e > end) return 'Sleep stages must lie within the sleep interval.';
      if (s < previousEnd) return 'Sleep stages must not overlap.';
      previousEnd = e;
      const total = totals.get(stage.type) ?? { seconds: 0, count: 0 };
      totals.set(stage.type, { seconds: total.seconds + (e - s) / 1000, count: total.count + 1 });
    }
    const staged = stages.some((s) => ['LIGHT', 'DEEP', 'REM'].includes(s.type));
    const externalId = (input.metadata as { externalId?: string } | undefined)?.externalId;
    return {
      interval: observed,
      // proto3 JSON leaves an unset enum out: the type is given, derived from the stages, or absent.
      ...(input.type !== undefined || stages.length
        ? { type: input.type ?? (staged ? 'STAGES' : 'CLASSIC') }
        : {}),
      ...(stages.length ? { stages } : {}),
      ...(input.outOfBedSegments !== undefined ? { outOfBedSegments: input.outOfBedSegments } : {}),
      metadata: { processed: true, ...(externalId !== undefined ? { externalId } : {}) },
      ...(stages.length ? { summary: summaryOf(totals) } : {}),
      createTime: now,
      updateTime: now,
    };
  }

  function identity(user: HealthUser, name: string): SandboxReply {
    const legacy = deps.legacyUserId(user.sandboxUserId);
    return {
      status: 200,
      body: { name, healthUserId: user.healthUserId, ...(legacy ? { legacyUserId: legacy } : {}) },
    };
  }

  function bearerGrant(req: SandboxRequest): { scope: Set<string>; clientId: string } {
    const token = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '';
    const grantId = deps.oauth.describe(token)?.grantId;
    const granted = grantId ? (scopes.get(grantId) ?? '') : '';
    return { scope: new Set(granted.split(/\s+/).filter(Boolean)), clientId: deps.oauth.clientId };
  }

  function handle(req: SandboxRequest): Promise<SandboxReply> | SandboxReply | undefined {
    const user = req.userId ? users.get(req.userId) : undefined;
    if (!user) return errorReplies.unauthenticated('invalid');
    const found = route(req);
    if (!found) return undefined;
    const { method, path } = found;
    if (!quota.hit(user.sandboxUserId, nowMs()).allowed)
      return googleError(
        429,
        'RESOURCE_EXHAUSTED',
        `Quota exceeded for quota metric 'Requests' and limit 'Requests per minute per user' of service '${SERVICE}'.`,
        [
          errorInfo('RATE_LIMIT_EXCEEDED', 'googleapis.com', {
            service: SERVICE,
            quota_limit: 'RequestsPerMinutePerUser',
            quota_limit_value: String(quota.limit),
          }),
        ],
      );
    const grant = bearerGrant(req);
    if (!(method.scopes ?? []).some((s) => grant.scope.has(s))) return insufficientScope(method);

    let body: unknown;
    if (method.request) {
      const text = req.rawBody.toString('utf8');
      try {
        body = text.trim() === '' ? {} : (JSON.parse(text) as unknown);
      } catch (error) {
        return badRequest([`Invalid JSON payload received. ${(error as Error).message}`]);
      }
      if (typeof body !== 'object' || body === null || Array.isArray(body))
        return badRequest(['Invalid JSON payload received. The body must be a JSON object.']);
    }
    const named = Object.fromEntries(Object.entries(path).map(([k, v]) => [k.replace(/_/g, '.'), v]));
    const violations = validateRequest(method.id, {
      path: named,
      query: queryRecord(req.query),
      ...(method.request ? { body } : {}),
    });
    if (violations.length > 0) return badRequest(violations);

    // Notifications: the project's subscribers and their subscriptions (googleHealthSubscribers.ts).
    if (method.id.startsWith('health.projects.'))
      return notifications.handle(method.id, named, req.query, (body ?? {}) as Json);
    const resource = (named.parent ?? named.name ?? '').split('/');
    if (resource[0] !== 'users' || (resource[1] !== 'me' && resource[1] !== user.healthUserId))
      return permissionDenied();
    if (method.id === 'health.users.getIdentity') return identity(user, named.name!);
    if (!method.id.startsWith('health.users.dataTypes.dataPoints.'))
      return googleError(
        501,
        'UNIMPLEMENTED',
        `The sandbox's Google Health fake does not implement ${method.id}.`,
      );
    const dataType = resource[3]!;
    if (!knownDataTypes().has(dataType))
      return invalidArgument(
        `Invalid data type ID referenced in the parent data type collection: ${dataType}.`,
        'INVALID_PARENT_DATA_TYPE_COLLECTION',
      );
    if (!HEALTH_TYPES.includes(dataType as HealthDataType))
      return googleError(
        501,
        'UNIMPLEMENTED',
        `The sandbox's Google Health fake serves no ${dataType} data.`,
      );
    const type = dataType as HealthDataType;
    const write = method.id.endsWith('.create');
    if (!grant.scope.has(googleHealthScope(type, write ? 'writeonly' : 'readonly')))
      return insufficientScope(method);
    switch (method.id) {
      case 'health.users.dataTypes.dataPoints.list':
        return list(user, type, req);
      case 'health.users.dataTypes.dataPoints.get':
        return get(user, type, resource[5]!);
      case 'health.users.dataTypes.dataPoints.create':
        return create(user, type, body as Json, grant.clientId);
      default:
        return googleError(
          501,
          'UNIMPLEMENTED',
          `The sandbox's Google Health fake does not implement ${method.id}.`,
        );
    }
  }

  // -------------------------------------------------------------------------------------------
  // Normalised views for tests.

  function records(sandboxUserId: string, dataType: DataType): SandboxRecordView[] {
    const user = users.get(sandboxUserId);
    if (!user) return [];
    const type: HealthDataType =
      dataType === 'workout' ? 'exercise' : dataType === 'sleep_session' ? 'sleep' : dataType;
    const views: SandboxRecordView[] = [];
    const days = new Map<string, { day: NonNullable<StoredPoint['day']>; points: StoredPoint[] }>();
    for (const point of pointsOf(user).get(type)!.values()) {
      if (point.day) {
        const key = `${point.day.platform}:${point.day.date}`;
        const entry = days.get(key) ?? { day: point.day, points: [] };
        entry.points.push(point);
        days.set(key, entry);
        continue;
      }
      const data = point.body[camel(type)] as Json;
      const view: SandboxRecordView = {
        id: point.id,
        dataType,
        startTime: new Date(point.startMs).toISOString(),
        localStartTime: civilIso(point.startMs, point.startOffsetMinutes * 60),
        utcOffsetMinutes: point.startOffsetMinutes,
        createdBy: point.createdBy,
        native: point.body,
      };
      if (type === 'exercise') {
        const metrics = (data.metricsSummary ?? {}) as { distanceMillimeters?: number };
        view.durationSeconds = Math.round(
          data.activeDuration ? durationSeconds(data.activeDuration as string) : point.durationMs / 1000,
        );
        view.workoutType = WORKOUT_OF.get(data.exerciseType as string) ?? 'other';
        view.distanceMeters =
          metrics.distanceMillimeters === undefined ? null : metrics.distanceMillimeters / 1000;
      } else if (type === 'sleep') {
        const asleep = (data.summary as { minutesAsleep?: string } | undefined)?.minutesAsleep;
        view.durationSeconds =
          asleep === undefined ? Math.round(point.durationMs / 1000) : Number(asleep) * 60;
      } else if (type === 'steps') view.value = Number(data.count);
      else view.value = (data.weightGrams as number) / 1000;
      views.push(view);
    }
    for (const { day, points } of days.values()) {
      const start = zonedToUtc(day.timezone, `${day.date}T00:00:00`);
      views.push({
        id: `steps:${day.platform}:${day.date}`,
        dataType,
        startTime: start.toISOString(),
        localStartTime: `${day.date}T00:00:00`,
        utcOffsetMinutes: utcOffsetMinutes(day.timezone, start),
        value: points.reduce((acc, p) => acc + Number((p.body.steps as { count: string }).count), 0),
        createdBy: 'seed',
        native: points.map((p) => p.body),
      });
    }
    return views.sort((a, b) => a.startTime.localeCompare(b.startTime) || a.id.localeCompare(b.id));
  }

  return {
    id: 'google_health',
    oauthShape: {
      authorizePath: '/o/oauth2/v2/auth',
      tokenPath: '/token',
      clientAuth: 'body',
      pkce: true,
      // Google's refresh tokens do not rotate: the same one keeps working.
      rotateRefreshTokens: false,
      tokenJson: (grant: IssuedGrant, kind) => {
        // The grant's scopes are known only here (the code exchange); a refresh keeps them.
        const grantId = deps.oauth.describe(grant.accessToken)?.grantId;
        if (grantId && kind === 'authorization_code') {
          scopes.set(grantId, grant.scope);
          const mine = consents.get(grant.sandboxUserId) ?? [];
          mine.push({ refreshToken: grant.refreshToken, scope: new Set(grant.scope.split(/\s+/)) });
          consents.set(grant.sandboxUserId, mine);
        }
        return {
          access_token: grant.accessToken,
          expires_in: grant.expiresInSeconds,
          scope: (grantId ? scopes.get(grantId) : undefined) ?? grant.scope,
          token_type: 'Bearer',
          // Google returns a refresh token only on the code exchange (with access_type=offline).
          ...(kind === 'authorization_code' ? { refresh_token: grant.refreshToken } : {}),
        };
      },
      errorJson: (error, description) => ({ error, error_description: description }),
      revocation: {
        style: 'rfc7009',
        path: '/revoke',
        clientAuth: 'none',
        unknownToken: 'invalid_token',
        ends: 'grant',
      },
    },
    errorReplies,
    handle,
    addUser(sandboxUserId, persona) {
      // A stable numeric id stands in for the Google Health user id (Identity.healthUserId).
      const healthUserId = String(BigInt(`0x${hex(`google-health-${sandboxUserId}-${persona.name}`, 15)}`));
      users.set(sandboxUserId, { sandboxUserId, healthUserId, persona });
      return healthUserId;
    },
    records,
    reset() {
      users.clear();
      scopes.clear();
      consents.clear();
      notifications.reset();
      quota.reset();
      quota.limit = GOOGLE_HEALTH_DEFAULT_QUOTA_PER_MINUTE;
    },
    configure(settings) {
      if (typeof settings.rateLimitPerMinute === 'number') quota.limit = settings.rateLimitPerMinute;
    },
    recordDataPoint(sandboxUserId, dataPoint) {
      const user = users.get(sandboxUserId);
      if (!user) throw new Error(`no Google Health user ${sandboxUserId}`);
      const type = HEALTH_TYPES.find((t) => dataPoint[camel(t)] !== undefined);
      if (!type) throw new Error(`no data of ${HEALTH_TYPES.join(', ')} in the data point`);
      const violations = validateRequest('health.users.dataTypes.dataPoints.create', {
        path: { parent: `users/me/dataTypes/${type}` },
        query: {},
        body: dataPoint,
      });
      if (violations.length > 0) throw new Error(violations.join('; '));
      const source = SOURCES[0]!;
      const reply = create(user, type, dataPoint, deps.oauth.clientId, {
        dataSource: {
          recordingMethod: type === 'exercise' ? 'ACTIVELY_MEASURED' : 'PASSIVELY_MEASURED',
          device:
            type === 'weight'
              ? device(source, 'Aria Air', 'SCALE')
              : device(source, 'Fitbit Charge 6', 'FITNESS_BAND'),
          platform: source.platform,
          application: source.application,
        },
      });
      if (reply.status !== 200) throw new Error(JSON.stringify(reply.body));
      const { '@type': _type, ...point } = (reply.body as { response: Json }).response;
      return point;
    },
    deleteDataPoint(sandboxUserId, type, id) {
      const user = users.get(sandboxUserId);
      const point = user ? pointsOf(user).get(type)!.get(id) : undefined;
      if (!user || !point) return false;
      pointsOf(user).get(type)!.delete(id);
      changed(user, point, 'DELETE');
      return true;
    },
    webhookCalls: () => notifications.calls(),
    webhooksSettled: () => notifications.settled(),
    notificationPublicKeyPem: notifications.publicKeyPem,
    grantedScope(accessToken) {
      const grantId = deps.oauth.describe(accessToken)?.grantId;
      return grantId ? scopes.get(grantId) : undefined;
    },
  };
}

/** Google's name for an exercise type: its enum description without " type." ("Running"). */
function displayNameOf(exerciseType: string): string {
  const schema = discovery().schemas['Exercise']?.properties?.['exerciseType'];
  const index = schema?.enum?.indexOf(exerciseType) ?? -1;
  const description = index >= 0 ? schema?.enumDescriptions?.[index] : undefined;
  return description?.replace(/ type\.$/, '') ?? exerciseType;
}
