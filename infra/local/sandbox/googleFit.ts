// Google Fit REST fake (fitness/v1). What it models:
// - Sessions (`users/me/sessions`): workouts and sleep (activityType 72), listed by a time range
//   (RFC 3339; Google includes sessions ENDING inside it), created or replaced with PUT by id.
//   Google's int64 fields (…Millis, …Nanos) are JSON strings, as the real API sends them.
// - Data sources and datasets: raw streams (the phone's, and the ones a client creates with
//   `POST users/me/dataSources`: SyncWell owns `raw:<type>:<project>:<dataStreamName>`), and the
//   derived merge streams that read every raw stream of a type (`…:merge_weight`,
//   `…:estimated_steps`). Only raw streams created by the caller are writable (PATCH / DELETE).
// - `dataset:aggregate` for com.google.step_count.delta, by fixed durations or by calendar days of
//   a time zone (`bucketByTime.period.timeZoneId`). A point counts in the bucket holding its start.
// Google Fit keeps no time zone on sessions or points, so the views report utcOffsetMinutes null.
//
// Quota: 300 requests per minute per user, the per-user default Google publishes for its Health
// API (the Fitness API's successor); over it, 429 RESOURCE_EXHAUSTED. Google sends no quota headers.
import { createHash } from 'node:crypto';
import type { DataType, WorkoutType } from '../../../core/domain/types.js';
import type { IssuedGrant } from './oauthServer.js';
import { recordedBy, type Persona } from './persona.js';
import { FixedWindowCounter } from './rateWindow.js';
import { zonedToUtc } from './time.js';
import type {
  ProviderFake,
  ProviderFakeDeps,
  SandboxRecordView,
  SandboxReply,
  SandboxRequest,
} from './types.js';

export const GOOGLE_FIT_DEFAULT_QUOTA_PER_MINUTE = 300;
/** The sandbox's stand-in for the Google Cloud project number in raw data source ids. */
export const GOOGLE_FIT_SANDBOX_PROJECT_NUMBER = '407408718192';
export const STEPS_DATA_TYPE = 'com.google.step_count.delta';
export const WEIGHT_DATA_TYPE = 'com.google.weight';
export const MERGE_WEIGHT_SOURCE = 'derived:com.google.weight:com.google.android.gms:merge_weight';
export const ESTIMATED_STEPS_SOURCE =
  'derived:com.google.step_count.delta:com.google.android.gms:estimated_steps';
export const MERGE_STEPS_SOURCE =
  'derived:com.google.step_count.delta:com.google.android.gms:merge_step_deltas';
export const SLEEP_ACTIVITY_TYPE = 72;

/** Integer activity types (developers.google.com/fit/rest/v1/reference/activity-types). */
const ACTIVITY_OF: Record<WorkoutType, number> = {
  running: 8,
  cycling: 1,
  swimming: 82,
  walking: 7,
  hiking: 35,
  strength_training: 80,
  yoga: 100,
  rowing: 53,
  elliptical: 25,
  other: 108,
};
const WORKOUT_OF = new Map<number, WorkoutType>(
  Object.entries(ACTIVITY_OF).map(([k, v]) => [v, k as WorkoutType]),
);

const FIELDS: Record<string, { name: string; format: 'integer' | 'floatPoint' }[]> = {
  [STEPS_DATA_TYPE]: [{ name: 'steps', format: 'integer' }],
  [WEIGHT_DATA_TYPE]: [{ name: 'weight', format: 'floatPoint' }],
};

interface FitSession {
  id: string;
  name: string;
  description: string;
  startTimeMillis: string;
  endTimeMillis: string;
  modifiedTimeMillis: string;
  activityType: number;
  application: { packageName?: string; name?: string; version?: string };
  activeTimeMillis?: string;
}

interface StoredSession {
  session: FitSession;
  deleted: boolean;
  createdBy: 'seed' | 'api';
}

interface FitDataSource {
  dataStreamId: string;
  dataStreamName: string;
  type: 'raw' | 'derived';
  dataType: { name: string; field: { name: string; format: string }[] };
  application: { packageName?: string; name?: string };
  /** Created by the API caller (writable), not by the phone. */
  owned: boolean;
}

interface FitValue {
  intVal?: number;
  fpVal?: number;
}

interface StoredPoint {
  startTimeNanos: string;
  endTimeNanos: string;
  dataTypeName: string;
  value: FitValue[];
  modifiedTimeMillis: string;
  createdBy: 'seed' | 'api';
  /** Seeded steps: the persona day the point belongs to (views group by it). */
  day?: { date: string; timezone: string };
}

interface FitUser {
  sessions: Map<string, StoredSession>;
  sources: Map<string, FitDataSource>;
  points: Map<string, StoredPoint[]>;
}

const hex = (s: string, n = 16) => createHash('sha256').update(s).digest('hex').slice(0, n);
const ms = (iso: string) => Date.parse(iso);
const NS_PER_MS = 1_000_000n;
const nanos = (millis: number) => (BigInt(millis) * NS_PER_MS).toString();
const msOfNanos = (n: string) => Number(BigInt(n) / NS_PER_MS);

function fitError(code: number, status: string, message: string, reason = 'invalidArgument'): SandboxReply {
  return {
    status: code,
    body: { error: { code, message, status, errors: [{ message, domain: 'global', reason }] } },
  };
}
const badRequest = (message: string) => fitError(400, 'INVALID_ARGUMENT', message);

function parseJson(req: SandboxRequest): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(req.rawBody.toString('utf8') || 'null');
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

const int64 = (v: unknown): number | undefined => {
  const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : typeof v === 'number' ? v : NaN;
  return Number.isSafeInteger(n) ? n : undefined;
};

/** Calendar-day boundaries of `timeZone` strictly after `fromMs`, up to `toMs`. */
function localMidnightsBetween(timeZone: string, fromMs: number, toMs: number): number[] {
  const out: number[] = [];
  const dayOf = (t: number) =>
    new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(
      new Date(t),
    );
  let date = dayOf(fromMs);
  for (let i = 0; i < 400; i += 1) {
    date = new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    const t = zonedToUtc(timeZone, `${date}T00:00:00`).getTime();
    if (t >= toMs) break;
    if (t > fromMs) out.push(t);
  }
  return out;
}

export interface GoogleFitFake extends ProviderFake {
  /** Data sources of a user (ids), for assertions. */
  dataSourceIds(sandboxUserId: string): string[];
}

export function createGoogleFitFake(deps: ProviderFakeDeps): GoogleFitFake {
  const users = new Map<string, FitUser>();
  const quota = new FixedWindowCounter(60_000, GOOGLE_FIT_DEFAULT_QUOTA_PER_MINUTE);
  let sessionsPageSize = 100;
  const nowMs = () => deps.now().getTime();

  function addSource(user: FitUser, source: FitDataSource): void {
    user.sources.set(source.dataStreamId, source);
    user.points.set(source.dataStreamId, user.points.get(source.dataStreamId) ?? []);
  }

  function seed(user: FitUser, persona: Persona): void {
    const mine = recordedBy(persona, 'google_fit');
    const app = { packageName: 'com.google.android.apps.fitness' };
    const lag = (key: string) => 60_000 + (parseInt(hex(key, 4), 16) % 600_000);
    for (const w of mine.workouts) {
      const start = ms(w.start);
      const end = start + w.elapsedSeconds * 1000;
      const id = `${start}-${hex(w.key, 12)}`;
      user.sessions.set(id, {
        createdBy: 'seed',
        deleted: false,
        session: {
          id,
          name: w.title,
          description: '',
          startTimeMillis: String(start),
          endTimeMillis: String(end),
          modifiedTimeMillis: String(Math.min(end + lag(w.key), nowMs())),
          activityType: ACTIVITY_OF[w.workoutType],
          application: app,
          activeTimeMillis: String(w.movingSeconds * 1000),
        },
      });
    }
    for (const s of mine.sleeps) {
      const start = ms(s.start);
      const end = ms(s.end);
      const id = `${start}-${hex(s.key, 12)}`;
      user.sessions.set(id, {
        createdBy: 'seed',
        deleted: false,
        session: {
          id,
          name: 'Sleep',
          description: '',
          startTimeMillis: String(start),
          endTimeMillis: String(end),
          modifiedTimeMillis: String(Math.min(end + lag(s.key), nowMs())),
          activityType: SLEEP_ACTIVITY_TYPE,
          application: app,
          // Time asleep: the Fit app counts awake periods as inactive.
          activeTimeMillis: String(s.asleepSeconds * 1000),
        },
      });
    }
    const phoneSteps = `raw:${STEPS_DATA_TYPE}:com.google.android.gms:Google:Pixel 8:${hex(persona.name, 8)}:step_counter`;
    addSource(user, {
      dataStreamId: phoneSteps,
      dataStreamName: 'step_counter',
      type: 'raw',
      dataType: { name: STEPS_DATA_TYPE, field: FIELDS[STEPS_DATA_TYPE]! },
      application: { packageName: 'com.google.android.gms' },
      owned: false,
    });
    for (const d of mine.steps) {
      // Thirteen hourly deltas, 08:00–21:00 local, summing to the day's total.
      const total = d.byProvider.google_fit!;
      const per = Math.floor(total / 13);
      for (let h = 0; h < 13; h += 1) {
        const start = zonedToUtc(d.timezone, `${d.date}T${String(8 + h).padStart(2, '0')}:00:00`).getTime();
        user.points.get(phoneSteps)!.push({
          startTimeNanos: nanos(start),
          endTimeNanos: nanos(start + 3_600_000),
          dataTypeName: STEPS_DATA_TYPE,
          value: [{ intVal: h === 12 ? total - per * 12 : per }],
          modifiedTimeMillis: String(Math.min(start + 3_900_000, nowMs())),
          createdBy: 'seed',
          day: { date: d.date, timezone: d.timezone },
        });
      }
    }
    const manualWeight = `raw:${WEIGHT_DATA_TYPE}:com.google.android.apps.fitness:user_input`;
    addSource(user, {
      dataStreamId: manualWeight,
      dataStreamName: 'user_input',
      type: 'raw',
      dataType: { name: WEIGHT_DATA_TYPE, field: FIELDS[WEIGHT_DATA_TYPE]! },
      application: { packageName: 'com.google.android.apps.fitness' },
      owned: false,
    });
    for (const w of mine.weights) {
      const at = ms(w.measuredAt);
      user.points.get(manualWeight)!.push({
        startTimeNanos: nanos(at),
        endTimeNanos: nanos(at),
        dataTypeName: WEIGHT_DATA_TYPE,
        value: [{ fpVal: w.weightKg }],
        modifiedTimeMillis: String(Math.min(at + 30_000, nowMs())),
        createdBy: 'seed',
      });
    }
  }

  const DERIVED: Record<string, string> = {
    [MERGE_WEIGHT_SOURCE]: WEIGHT_DATA_TYPE,
    [ESTIMATED_STEPS_SOURCE]: STEPS_DATA_TYPE,
    [MERGE_STEPS_SOURCE]: STEPS_DATA_TYPE,
  };

  /** Points of a stream; a derived merge stream reads every raw stream of its type. */
  function streamPoints(user: FitUser, sourceId: string): { point: StoredPoint; origin: string }[] {
    const mergedType = DERIVED[sourceId];
    const out: { point: StoredPoint; origin: string }[] = [];
    for (const [id, source] of user.sources) {
      if (mergedType ? source.dataType.name !== mergedType : id !== sourceId) continue;
      for (const point of user.points.get(id) ?? []) out.push({ point, origin: id });
    }
    return out.sort((a, b) => (BigInt(a.point.startTimeNanos) < BigInt(b.point.startTimeNanos) ? -1 : 1));
  }

  function serializeSource(s: FitDataSource) {
    return {
      dataStreamId: s.dataStreamId,
      dataStreamName: s.dataStreamName,
      type: s.type,
      dataType: s.dataType,
      application: s.application,
      dataQualityStandard: [],
    };
  }

  function derivedSources() {
    return Object.entries(DERIVED).map(([id, type]) => ({
      dataStreamId: id,
      dataStreamName: id.split(':').pop()!,
      type: 'derived',
      dataType: { name: type, field: FIELDS[type]! },
      application: { packageName: 'com.google.android.gms' },
      dataQualityStandard: [],
    }));
  }

  function listSessions(user: FitUser, req: SandboxRequest): SandboxReply {
    const startRaw = req.query.get('startTime');
    const endRaw = req.query.get('endTime');
    const start = startRaw === null ? undefined : Date.parse(startRaw);
    const end = endRaw === null ? undefined : Date.parse(endRaw);
    if ((start !== undefined && Number.isNaN(start)) || (end !== undefined && Number.isNaN(end)))
      return badRequest('startTime and endTime must be RFC3339 timestamps');
    if (start !== undefined && end !== undefined && end < start)
      return badRequest('endTime is before startTime');
    const types = req.query.getAll('activityType').map(Number);
    const includeDeleted = req.query.get('includeDeleted') === 'true';
    const from = start ?? (end === undefined ? nowMs() - 30 * 86_400_000 : 0);
    const to = end ?? nowMs();
    const ranged = start !== undefined || end !== undefined;
    // With a time range Google selects sessions ENDING in it; without, sessions modified lately.
    const matches = [...user.sessions.values()].filter((s) => {
      const t = Number(ranged ? s.session.endTimeMillis : s.session.modifiedTimeMillis);
      return t >= from && t <= to && (types.length === 0 || types.includes(s.session.activityType));
    });
    const live = matches
      .filter((s) => !s.deleted)
      .sort((a, b) => Number(a.session.startTimeMillis) - Number(b.session.startTimeMillis));
    const token = req.query.get('pageToken');
    const offset = token && /^p\d+$/.test(token) ? Number(token.slice(1)) : 0;
    const page = live.slice(offset, offset + sessionsPageSize);
    const more = offset + sessionsPageSize < live.length;
    return {
      status: 200,
      body: {
        session: page.map((s) => s.session),
        deletedSession: includeDeleted ? matches.filter((s) => s.deleted).map((s) => s.session) : [],
        // Sandbox: the token pages through the current range (Google uses it for incremental sync).
        nextPageToken: more ? `p${offset + sessionsPageSize}` : String(nowMs()),
        hasMoreData: more,
      },
    };
  }

  function putSession(user: FitUser, id: string, req: SandboxRequest): SandboxReply {
    const body = parseJson(req);
    if (!body) return badRequest('Invalid JSON payload received.');
    if (body.id !== undefined && body.id !== id)
      return badRequest('Session id in the body does not match the URL');
    const start = int64(body.startTimeMillis);
    const end = int64(body.endTimeMillis);
    const activityType = body.activityType;
    const application = body.application as FitSession['application'] | undefined;
    if (start === undefined || end === undefined || end < start)
      return badRequest('startTimeMillis and endTimeMillis are required and must be ordered');
    if (typeof activityType !== 'number' || !Number.isInteger(activityType))
      return badRequest('activityType must be an integer');
    if (!application || (typeof application.packageName !== 'string' && typeof application.name !== 'string'))
      return badRequest('application.packageName or application.name is required');
    const active = body.activeTimeMillis === undefined ? undefined : int64(body.activeTimeMillis);
    const session: FitSession = {
      id,
      name: typeof body.name === 'string' ? body.name : '',
      description: typeof body.description === 'string' ? body.description : '',
      startTimeMillis: String(start),
      endTimeMillis: String(end),
      modifiedTimeMillis: String(nowMs()),
      activityType,
      application,
      ...(active !== undefined ? { activeTimeMillis: String(active) } : {}),
    };
    user.sessions.set(id, { session, deleted: false, createdBy: 'api' });
    return { status: 200, body: session };
  }

  function createSource(user: FitUser, req: SandboxRequest): SandboxReply {
    const body = parseJson(req);
    const dataType = body?.dataType as { name?: unknown } | undefined;
    const application = body?.application as FitDataSource['application'] | undefined;
    if (!body || body.type !== 'raw') return badRequest('Only raw data sources can be created');
    if (typeof dataType?.name !== 'string' || !FIELDS[dataType.name])
      return badRequest(`Unsupported data type ${String(dataType?.name)}`);
    if (!application || (typeof application.packageName !== 'string' && typeof application.name !== 'string'))
      return badRequest('application is required');
    const streamName = typeof body.dataStreamName === 'string' ? body.dataStreamName : '';
    const id = `raw:${dataType.name}:${GOOGLE_FIT_SANDBOX_PROJECT_NUMBER}${streamName ? `:${streamName}` : ''}`;
    if (user.sources.has(id))
      return fitError(409, 'ALREADY_EXISTS', `Data Source: ${id} already exists`, 'conflict');
    const source: FitDataSource = {
      dataStreamId: id,
      dataStreamName: streamName,
      type: 'raw',
      dataType: { name: dataType.name, field: FIELDS[dataType.name]! },
      application,
      owned: true,
    };
    addSource(user, source);
    return { status: 200, body: serializeSource(source) };
  }

  function dataset(user: FitUser, req: SandboxRequest, sourceId: string, range: string): SandboxReply {
    const match = /^(\d+)-(\d+)$/.exec(range);
    if (!match) return badRequest('Dataset id must be <startNanos>-<endNanos>');
    const [lo, hi] = [BigInt(match[1]!), BigInt(match[2]!)];
    if (hi < lo) return badRequest('Dataset end is before its start');
    const source = user.sources.get(sourceId);
    const known = source !== undefined || DERIVED[sourceId] !== undefined;
    if (!known) return fitError(404, 'NOT_FOUND', `DataSourceId: ${sourceId} not found`, 'notFound');

    if (req.method === 'GET') {
      const limit = Number(req.query.get('limit') ?? '0') || Infinity;
      const token = req.query.get('pageToken');
      const offset = token && /^d\d+$/.test(token) ? Number(token.slice(1)) : 0;
      const all = streamPoints(user, sourceId).filter(({ point }) => {
        const s = BigInt(point.startTimeNanos);
        return s >= lo && s <= hi;
      });
      const page = all.slice(offset, offset + limit);
      return {
        status: 200,
        body: {
          minStartTimeNs: match[1],
          maxEndTimeNs: match[2],
          dataSourceId: sourceId,
          point: page.map(({ point, origin }) => ({
            startTimeNanos: point.startTimeNanos,
            endTimeNanos: point.endTimeNanos,
            dataTypeName: point.dataTypeName,
            ...(DERIVED[sourceId] ? { originDataSourceId: origin } : {}),
            value: point.value.map((v) => ({ ...v, mapVal: [] })),
            modifiedTimeMillis: point.modifiedTimeMillis,
          })),
          ...(offset + limit < all.length ? { nextPageToken: `d${offset + limit}` } : {}),
        },
      };
    }
    if (!source?.owned)
      return fitError(
        403,
        'PERMISSION_DENIED',
        `Data source ${sourceId} is not writable by this application`,
        'forbidden',
      );
    const points = user.points.get(sourceId)!;
    if (req.method === 'DELETE') {
      user.points.set(
        sourceId,
        points.filter((p) => BigInt(p.startTimeNanos) < lo || BigInt(p.endTimeNanos) > hi),
      );
      return { status: 204 };
    }
    if (req.method === 'PATCH') {
      const body = parseJson(req);
      const incoming = body?.point;
      if (!body || !Array.isArray(incoming)) return badRequest('point is required');
      if (body.dataSourceId !== undefined && body.dataSourceId !== sourceId)
        return badRequest('dataSourceId in the body does not match the URL');
      const accepted: StoredPoint[] = [];
      for (const p of incoming as Record<string, unknown>[]) {
        const s =
          typeof p.startTimeNanos === 'string' || typeof p.startTimeNanos === 'number'
            ? String(p.startTimeNanos)
            : '';
        const e =
          typeof p.endTimeNanos === 'string' || typeof p.endTimeNanos === 'number'
            ? String(p.endTimeNanos)
            : '';
        if (!/^\d+$/.test(s) || !/^\d+$/.test(e) || BigInt(e) < BigInt(s))
          return badRequest('Each point needs startTimeNanos <= endTimeNanos');
        if (BigInt(s) < lo || BigInt(e) > hi) return badRequest('Point outside the dataset range');
        if (p.dataTypeName !== source.dataType.name)
          return badRequest(`dataTypeName must be ${source.dataType.name}`);
        const value = Array.isArray(p.value) ? (p.value as FitValue[]) : [];
        const format = source.dataType.field[0]!.format;
        const v = value[0];
        const ok =
          format === 'integer'
            ? Number.isInteger(v?.intVal) && v!.intVal! >= 0
            : typeof v?.fpVal === 'number' && v.fpVal > 0;
        if (!ok) return badRequest(`Point value does not match the ${format} field`);
        accepted.push({
          startTimeNanos: s,
          endTimeNanos: e,
          dataTypeName: source.dataType.name,
          value: [format === 'integer' ? { intVal: v!.intVal! } : { fpVal: v!.fpVal! }],
          modifiedTimeMillis: String(nowMs()),
          createdBy: 'api',
        });
      }
      // A point with the same interval in the same stream replaces the earlier one.
      const kept = points.filter(
        (p) =>
          !accepted.some((a) => a.startTimeNanos === p.startTimeNanos && a.endTimeNanos === p.endTimeNanos),
      );
      user.points.set(sourceId, [...kept, ...accepted]);
      return {
        status: 200,
        body: { dataSourceId: sourceId, minStartTimeNs: match[1], maxEndTimeNs: match[2], point: incoming },
      };
    }
    return fitError(405, 'METHOD_NOT_ALLOWED', `${req.method} not allowed on datasets`);
  }

  function aggregate(user: FitUser, req: SandboxRequest): SandboxReply {
    const body = parseJson(req);
    if (!body) return badRequest('Invalid JSON payload received.');
    const by = Array.isArray(body.aggregateBy) ? (body.aggregateBy as Record<string, unknown>[]) : [];
    if (by.length === 0) return badRequest('aggregateBy is required');
    const start = int64(body.startTimeMillis);
    const end = int64(body.endTimeMillis);
    if (start === undefined || end === undefined || end <= start)
      return badRequest('startTimeMillis and endTimeMillis are required and must be ordered');
    const bucket = body.bucketByTime as
      | { durationMillis?: unknown; period?: { type?: unknown; value?: unknown; timeZoneId?: unknown } }
      | undefined;
    let bounds: number[];
    if (bucket?.period) {
      const { type, value, timeZoneId } = bucket.period;
      if (type !== 'day' || value !== 1 || typeof timeZoneId !== 'string')
        return badRequest('Sandbox supports bucketByTime.period {type: day, value: 1, timeZoneId}');
      try {
        new Intl.DateTimeFormat('en-US', { timeZone: timeZoneId });
      } catch {
        return badRequest(`Unknown timeZoneId ${timeZoneId}`);
      }
      bounds = [start, ...localMidnightsBetween(timeZoneId, start, end), end];
    } else {
      const duration = int64(bucket?.durationMillis);
      if (duration === undefined || duration <= 0)
        return badRequest('bucketByTime.durationMillis is required');
      bounds = [];
      for (let t = start; t < end; t += duration) bounds.push(t);
      bounds.push(end);
    }
    if (bounds.length - 1 > 1000) return badRequest('Too many buckets requested');
    const sources: string[] = [];
    for (const spec of by) {
      const id =
        typeof spec.dataSourceId === 'string'
          ? spec.dataSourceId
          : spec.dataTypeName === STEPS_DATA_TYPE
            ? MERGE_STEPS_SOURCE
            : undefined;
      const typeOf = id ? (DERIVED[id] ?? user.sources.get(id)?.dataType.name) : undefined;
      if (!id || typeOf !== STEPS_DATA_TYPE)
        return badRequest(`Sandbox aggregates only ${STEPS_DATA_TYPE}, not ${JSON.stringify(spec)}`);
      sources.push(id);
    }
    const buckets = [];
    for (let i = 0; i + 1 < bounds.length; i += 1) {
      const [lo, hi] = [bounds[i]!, bounds[i + 1]!];
      buckets.push({
        startTimeMillis: String(lo),
        endTimeMillis: String(hi),
        dataset: sources.map((id) => {
          const sum = streamPoints(user, id)
            .filter(({ point }) => {
              const t = msOfNanos(point.startTimeNanos);
              return t >= lo && t < hi;
            })
            .reduce((acc, { point }) => acc + (point.value[0]?.intVal ?? 0), 0);
          return {
            dataSourceId: 'derived:com.google.step_count.delta:com.google.android.gms:aggregated',
            point:
              sum > 0
                ? [
                    {
                      startTimeNanos: nanos(lo),
                      endTimeNanos: nanos(hi),
                      dataTypeName: STEPS_DATA_TYPE,
                      originDataSourceId: '',
                      value: [{ intVal: sum, mapVal: [] }],
                    },
                  ]
                : [],
          };
        }),
      });
    }
    return { status: 200, body: { bucket: buckets } };
  }

  function handle(req: SandboxRequest): SandboxReply | undefined {
    const user = req.userId ? users.get(req.userId) : undefined;
    if (!user) return fitError(401, 'UNAUTHENTICATED', 'Unknown user', 'authError');
    if (!quota.hit(req.userId!, nowMs()).allowed)
      return fitError(
        429,
        'RESOURCE_EXHAUSTED',
        "Quota exceeded for quota metric 'Queries' and limit 'Queries per minute per user' of service 'fitness.googleapis.com'.",
        'rateLimitExceeded',
      );
    const prefix = '/fitness/v1/users/me/';
    if (!req.path.startsWith(prefix)) return undefined;
    const rest = req.path.slice(prefix.length);
    const parts = rest.split('/').map((p) => decodeURIComponent(p));

    if (rest === 'sessions' && req.method === 'GET') return listSessions(user, req);
    if (parts[0] === 'sessions' && parts.length === 2 && parts[1]) {
      if (req.method === 'PUT') return putSession(user, parts[1], req);
      if (req.method === 'DELETE') {
        const stored = user.sessions.get(parts[1]);
        if (!stored || stored.deleted)
          return fitError(404, 'NOT_FOUND', `Session ${parts[1]} not found`, 'notFound');
        stored.deleted = true;
        stored.session.modifiedTimeMillis = String(nowMs());
        return { status: 204 };
      }
    }
    if (rest === 'dataset:aggregate' && req.method === 'POST') return aggregate(user, req);
    if (rest === 'dataSources') {
      if (req.method === 'POST') return createSource(user, req);
      if (req.method === 'GET') {
        const types = req.query.getAll('dataTypeName');
        const all = [...[...user.sources.values()].map(serializeSource), ...derivedSources()];
        return {
          status: 200,
          body: { dataSource: all.filter((s) => types.length === 0 || types.includes(s.dataType.name)) },
        };
      }
    }
    if (parts[0] === 'dataSources' && parts.length === 4 && parts[2] === 'datasets')
      return dataset(user, req, parts[1]!, parts[3]!);
    if (parts[0] === 'dataSources' && parts.length === 2 && req.method === 'GET') {
      const source = user.sources.get(parts[1]!);
      const derived = derivedSources().find((s) => s.dataStreamId === parts[1]);
      if (source) return { status: 200, body: serializeSource(source) };
      if (derived) return { status: 200, body: derived };
      return fitError(404, 'NOT_FOUND', `DataSourceId: ${parts[1]} not found`, 'notFound');
    }
    return undefined;
  }

  function sessionView(s: StoredSession, dataType: DataType): SandboxRecordView {
    const start = Number(s.session.startTimeMillis);
    const end = Number(s.session.endTimeMillis);
    const active = s.session.activeTimeMillis === undefined ? undefined : Number(s.session.activeTimeMillis);
    return {
      id: s.session.id,
      dataType,
      startTime: new Date(start).toISOString(),
      localStartTime: new Date(start).toISOString().slice(0, 19),
      utcOffsetMinutes: null,
      durationSeconds: Math.round((active ?? end - start) / 1000),
      ...(dataType === 'workout' ? { workoutType: WORKOUT_OF.get(s.session.activityType) ?? 'other' } : {}),
      createdBy: s.createdBy,
      native: s.session,
    };
  }

  function records(sandboxUserId: string, dataType: DataType): SandboxRecordView[] {
    const user = users.get(sandboxUserId);
    if (!user) return [];
    const byStart = (a: SandboxRecordView, b: SandboxRecordView) => a.startTime.localeCompare(b.startTime);
    if (dataType === 'workout' || dataType === 'sleep_session')
      return [...user.sessions.values()]
        .filter(
          (s) =>
            !s.deleted && (s.session.activityType === SLEEP_ACTIVITY_TYPE) === (dataType === 'sleep_session'),
        )
        .map((s) => sessionView(s, dataType))
        .sort(byStart);
    const type = dataType === 'steps' ? STEPS_DATA_TYPE : WEIGHT_DATA_TYPE;
    const views: SandboxRecordView[] = [];
    const seededDays = new Map<string, { date: string; timezone: string; points: StoredPoint[] }>();
    for (const { point, origin } of streamPoints(
      user,
      type === STEPS_DATA_TYPE ? MERGE_STEPS_SOURCE : MERGE_WEIGHT_SOURCE,
    )) {
      if (point.day) {
        const day = seededDays.get(point.day.date) ?? { ...point.day, points: [] };
        day.points.push(point);
        seededDays.set(point.day.date, day);
        continue;
      }
      const start = msOfNanos(point.startTimeNanos);
      views.push({
        id:
          dataType === 'weight'
            ? point.startTimeNanos
            : `${origin}:${point.startTimeNanos}-${point.endTimeNanos}`,
        dataType,
        startTime: new Date(start).toISOString(),
        localStartTime: new Date(start).toISOString().slice(0, 19),
        utcOffsetMinutes: null,
        value: point.value[0]?.intVal ?? point.value[0]?.fpVal ?? 0,
        createdBy: point.createdBy,
        native: { ...point, originDataSourceId: origin },
      });
    }
    for (const day of seededDays.values()) {
      const start = zonedToUtc(day.timezone, `${day.date}T00:00:00`);
      views.push({
        id: `steps:${day.date}`,
        dataType,
        startTime: start.toISOString(),
        localStartTime: `${day.date}T00:00:00`,
        utcOffsetMinutes: null,
        value: day.points.reduce((acc, p) => acc + (p.value[0]?.intVal ?? 0), 0),
        createdBy: 'seed',
        native: day.points,
      });
    }
    return views.sort(byStart);
  }

  return {
    id: 'google_fit',
    oauthShape: {
      authorizePath: '/o/oauth2/v2/auth',
      tokenPath: '/token',
      clientAuth: 'body',
      pkce: true,
      // Google's refresh tokens do not rotate: the same one keeps working.
      rotateRefreshTokens: false,
      tokenJson: (grant: IssuedGrant, kind) => ({
        access_token: grant.accessToken,
        expires_in: grant.expiresInSeconds,
        scope: grant.scope,
        token_type: 'Bearer',
        // Google returns a refresh token only on the code exchange (with access_type=offline).
        ...(kind === 'authorization_code' ? { refresh_token: grant.refreshToken } : {}),
      }),
      errorJson: (error, description) => ({ error, error_description: description }),
      // No client authentication; the token's grant ends (its refresh token with it).
      revocation: {
        style: 'rfc7009',
        path: '/revoke',
        clientAuth: 'none',
        unknownToken: 'invalid_token',
        ends: 'grant',
      },
    },
    handle,
    addUser(sandboxUserId, persona) {
      const user: FitUser = { sessions: new Map(), sources: new Map(), points: new Map() };
      seed(user, persona);
      users.set(sandboxUserId, user);
      // Google identifies the user only as `me`; a stable numeric id stands in for the account.
      return String(BigInt(`0x${hex(`google-${sandboxUserId}-${persona.name}`, 15)}`));
    },
    records,
    reset() {
      users.clear();
      quota.reset();
    },
    configure(settings) {
      if (typeof settings.rateLimitPerMinute === 'number') quota.limit = settings.rateLimitPerMinute;
      if (typeof settings.sessionsPageSize === 'number') sessionsPageSize = settings.sessionsPageSize;
    },
    dataSourceIds: (sandboxUserId) => [...(users.get(sandboxUserId)?.sources.keys() ?? [])],
  };
}
