// The Fitbit Web API fake: OAuth with HTTP Basic client auth and PKCE, the activity log list with
// `pagination.next` links, sleep v1.2 with stages, weight logs, daily steps, the profile (the only
// place the user's time zone is stated) and the per-user hourly rate limit with Fitbit's headers.
//
// Fitbit stores "floating" local times. The activity list adds an offset; sleep and weight logs do
// not, so a client can only read them in the profile's zone. By default the fake's tracker clock
// follows the profile zone (the user did not switch zones while in Berlin), which keeps every
// instant recoverable; `configure({ floatingClock: 'device' })` makes the clock follow the zone the
// person was in, Fitbit's behaviour with automatic time zones, where sleep and weight instants of
// travel days cannot be recovered by any client.
import { createHash } from 'node:crypto';
import type { DataType, WorkoutType } from '../../../core/domain/types.js';
import type { IssuedGrant } from './oauthServer.js';
import { recordedBy, recordedStart, type Persona } from './persona.js';
import { FixedWindowCounter } from './rateWindow.js';
import { formatOffset, utcOffsetMinutes, zonedToUtc } from './time.js';
import type {
  ProviderFake,
  ProviderFakeDeps,
  SandboxRecordView,
  SandboxReply,
  SandboxRequest,
} from './types.js';

/** Fitbit's activity directory, the entries the sandbox knows (id → name). */
export const FITBIT_ACTIVITY_TYPES: Readonly<
  Record<number, { name: string; workoutType: WorkoutType; hasDistance: boolean }>
> = {
  90009: { name: 'Run', workoutType: 'running', hasDistance: true },
  90001: { name: 'Bike', workoutType: 'cycling', hasDistance: true },
  90013: { name: 'Walk', workoutType: 'walking', hasDistance: true },
  90024: { name: 'Swim', workoutType: 'swimming', hasDistance: true },
  90012: { name: 'Hike', workoutType: 'hiking', hasDistance: true },
  2131: { name: 'Weights', workoutType: 'strength_training', hasDistance: false },
  52001: { name: 'Yoga', workoutType: 'yoga', hasDistance: false },
  20047: { name: 'Elliptical', workoutType: 'elliptical', hasDistance: false },
  3000: { name: 'Workout', workoutType: 'other', hasDistance: false },
};

const ACTIVITY_ID_BY_TYPE: Partial<Record<WorkoutType, number>> = Object.fromEntries(
  Object.entries(FITBIT_ACTIVITY_TYPES).map(([id, t]) => [t.workoutType, Number(id)]),
);

const KM_PER_MILE = 1.609344;
const LB_PER_KG = 2.20462262;
const FT_PER_M = 3.2808399;
const HEIGHT_CM = 178;
const DAY_MS = 86_400_000;

type Units = 'metric' | 'us';
type Clock = 'profile' | 'device';
type CreatedBy = 'seed' | 'api';

interface Activity {
  logId: number;
  activityTypeId: number;
  name: string;
  start: Date;
  /** Zone the person was in (the device zone). */
  zone: string;
  durationMs: number;
  activeDurationMs: number;
  distanceKm: number | null;
  calories: number;
  averageHeartRate: number | null;
  elevationGainM: number | null;
  logType: 'auto_detected' | 'manual' | 'tracker' | 'mobile_run';
  source: Record<string, unknown>;
  lastModified: string;
  createdBy: CreatedBy;
}

interface Sleep {
  logId: number;
  start: Date;
  zone: string;
  durationMs: number;
  minutesAsleep: number;
  minutesAwake: number;
  efficiency: number;
  /** Seconds per stage; absent for manual ("classic") logs. */
  stages?: { wake: number; light: number; deep: number; rem: number };
  logType: 'auto_detected' | 'manual';
  createdBy: CreatedBy;
}

interface Weight {
  logId: number;
  instant: Date;
  zone: string;
  kg: number;
  fat: number | null;
  source: 'Aria' | 'API';
  createdBy: CreatedBy;
}

interface FitbitUser {
  sandboxUserId: string;
  encodedId: string;
  persona: Persona;
  activities: Activity[];
  sleeps: Sleep[];
  weights: Weight[];
  steps: Map<string, { value: number; zone: string }>;
}

const ENCODED_ALPHABET = '0123456789ABCDEFGHIJKLMNPQRSTUVWXYZ';

function encodedIdFor(seed: string): string {
  const digest = createHash('sha256').update(seed).digest();
  let id = '';
  for (let i = 0; i < 6; i += 1) id += ENCODED_ALPHABET[digest[i]! % ENCODED_ALPHABET.length];
  return id;
}

// Each Intl lookup builds a formatter (slow when rendering hundreds of stage intervals). Zone
// offsets only change on quarter-hour boundaries, so one lookup per zone and quarter hour is exact.
const offsetMemo = new Map<string, number>();
function offsetAt(zone: string, instant: Date): number {
  const key = `${zone}|${Math.floor(instant.getTime() / 900_000)}`;
  let offset = offsetMemo.get(key);
  if (offset === undefined) {
    offset = utcOffsetMinutes(zone, instant);
    offsetMemo.set(key, offset);
  }
  return offset;
}
const localIso = (zone: string, instant: Date) =>
  new Date(instant.getTime() + offsetAt(zone, instant) * 60_000).toISOString().slice(0, 19);
const localDate = (zone: string, instant: Date) => localIso(zone, instant).slice(0, 10);

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

/** `2026-11-20T07:00:00.000-05:00`, the activity list's local time with the offset. */
function localWithOffset(instant: Date, offsetMinutes: number): string {
  const shifted = new Date(instant.getTime() + offsetMinutes * 60_000).toISOString().slice(0, 23);
  return `${shifted}${formatOffset(offsetMinutes)}`;
}

function fitbitError(status: number, errorType: string, message: string, fieldName = 'n/a'): SandboxReply {
  return { status, body: { errors: [{ errorType, fieldName, message }], success: false } };
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/;

function daysBetween(start: string, end: string): number {
  return Math.round((Date.parse(`${end}T00:00:00Z`) - Date.parse(`${start}T00:00:00Z`)) / DAY_MS);
}

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

export function createFitbitFake(deps: ProviderFakeDeps): ProviderFake {
  const users = new Map<string, FitbitUser>();
  const encodedIds = new Set<string>();
  const counter = new FixedWindowCounter(3_600_000, 150);
  let clock: Clock = 'profile';
  let nextLogId = 40_000_000_001;
  const newLogId = () => nextLogId++;

  const profileZone = (user: FitbitUser) => user.persona.homeTimezone;
  /** The zone floating times of a record are written in (see the file comment). */
  const clockZone = (user: FitbitUser, recordZone: string) =>
    clock === 'device' ? recordZone : profileZone(user);

  function unitsOf(req: SandboxRequest): Units {
    const lang = String(req.headers['accept-language'] ?? '').replace('-', '_');
    return lang.split(',')[0]!.trim() === 'en_US' ? 'us' : 'metric';
  }

  // ---- rendering (units depend on the request's Accept-Language) ----

  function renderActivity(user: FitbitUser, a: Activity, units: Units): Record<string, unknown> {
    const offset = offsetAt(clockZone(user, a.zone), a.start);
    const local = localWithOffset(a.start, offset);
    const activeMinutes = Math.round(a.activeDurationMs / 60_000);
    const day = local.slice(0, 10);
    return {
      activeDuration: a.activeDurationMs,
      activityLevel: [
        { minutes: 0, name: 'sedentary' },
        { minutes: Math.round(activeMinutes * 0.2), name: 'lightly' },
        { minutes: Math.round(activeMinutes * 0.3), name: 'fairly' },
        {
          minutes: activeMinutes - Math.round(activeMinutes * 0.2) - Math.round(activeMinutes * 0.3),
          name: 'very',
        },
      ],
      activityName: a.name,
      activityTypeId: a.activityTypeId,
      ...(a.averageHeartRate !== null ? { averageHeartRate: a.averageHeartRate } : {}),
      calories: a.calories,
      caloriesLink: `https://api.fitbit.com/1/user/-/activities/calories/date/${day}/${day}/1min/time/${local.slice(11, 16)}/${local.slice(11, 16)}.json`,
      ...(a.distanceKm !== null
        ? units === 'us'
          ? { distance: round(a.distanceKm / KM_PER_MILE, 4), distanceUnit: 'Mile' }
          : { distance: round(a.distanceKm, 4), distanceUnit: 'Kilometer' }
        : {}),
      duration: a.durationMs,
      ...(a.elevationGainM !== null
        ? { elevationGain: units === 'us' ? round(a.elevationGainM * FT_PER_M, 1) : a.elevationGainM }
        : {}),
      hasActiveZoneMinutes: a.logType !== 'manual',
      heartRateLink: `https://api.fitbit.com/1/user/-/activities/heart/date/${day}/${day}/1sec/time/${local.slice(11, 19)}/${local.slice(11, 19)}.json`,
      lastModified: a.lastModified,
      logId: a.logId,
      logType: a.logType,
      manualValuesSpecified: {
        calories: a.logType === 'manual',
        distance: a.logType === 'manual' && a.distanceKm !== null,
        steps: false,
      },
      originalDuration: a.durationMs,
      originalStartTime: local,
      source: a.source,
      startTime: local,
      ...(a.logType !== 'manual'
        ? { tcxLink: `https://api.fitbit.com/1/user/-/activities/${a.logId}.tcx` }
        : {}),
    };
  }

  function hypnogram(
    start: Date,
    zone: string,
    stages: NonNullable<Sleep['stages']>,
  ): { dateTime: string; level: string; seconds: number }[] {
    // Four cycles of light → deep → light → rem → wake, each a quarter of every stage's total.
    const cycles = 4;
    const parts: { level: 'light' | 'deep' | 'rem' | 'wake'; total: number; share: number }[] = [
      { level: 'light', total: stages.light, share: 0.5 },
      { level: 'deep', total: stages.deep, share: 1 },
      { level: 'light', total: stages.light, share: 0.5 },
      { level: 'rem', total: stages.rem, share: 1 },
      { level: 'wake', total: stages.wake, share: 1 },
    ];
    const used = { light: 0, deep: 0, rem: 0, wake: 0 };
    const data: { dateTime: string; level: string; seconds: number }[] = [];
    let cursor = start.getTime();
    for (let c = 0; c < cycles; c += 1) {
      parts.forEach((part, index) => {
        const lastOfLevel = c === cycles - 1 && (part.level !== 'light' || index === 2);
        const seconds = lastOfLevel
          ? part.total - used[part.level]
          : Math.floor((part.total * part.share) / cycles);
        if (seconds <= 0) return;
        used[part.level] += seconds;
        // Wall-clock times: across a DST change they jump, as the device clock does.
        data.push({ dateTime: `${localIso(zone, new Date(cursor))}.000`, level: part.level, seconds });
        cursor += seconds * 1000;
      });
    }
    return data;
  }

  function renderSleep(user: FitbitUser, s: Sleep): Record<string, unknown> {
    const zone = clockZone(user, s.zone);
    const end = new Date(s.start.getTime() + s.durationMs);
    const startLocal = `${localIso(zone, s.start)}.000`;
    const timeInBed = Math.round(s.durationMs / 60_000);
    const minutes = (seconds: number) => Math.round(seconds / 60);
    const levels = s.stages
      ? {
          data: hypnogram(s.start, zone, s.stages),
          shortData: [],
          summary: Object.fromEntries(
            (['deep', 'light', 'rem', 'wake'] as const).map((level) => [
              level,
              {
                count: level === 'wake' ? 4 : level === 'light' ? 8 : 4,
                minutes: minutes(s.stages![level]),
                thirtyDayAvgMinutes: minutes(s.stages![level]),
              },
            ]),
          ),
        }
      : {
          data: [{ dateTime: startLocal, level: 'asleep', seconds: Math.round(s.durationMs / 1000) }],
          summary: {
            asleep: { count: 0, minutes: s.minutesAsleep },
            awake: { count: 0, minutes: s.minutesAwake },
            restless: { count: 0, minutes: 0 },
          },
        };
    return {
      dateOfSleep: localDate(zone, end),
      duration: s.durationMs,
      efficiency: s.efficiency,
      endTime: `${localIso(zone, end)}.000`,
      infoCode: 0,
      isMainSleep: s.durationMs >= 3 * 3_600_000,
      levels,
      logId: s.logId,
      logType: s.logType,
      minutesAfterWakeup: 0,
      minutesAsleep: s.minutesAsleep,
      minutesAwake: s.minutesAwake,
      minutesToFallAsleep: 0,
      startTime: startLocal,
      timeInBed,
      type: s.stages ? 'stages' : 'classic',
    };
  }

  function renderWeight(user: FitbitUser, w: Weight, units: Units): Record<string, unknown> {
    const local = localIso(clockZone(user, w.zone), w.instant);
    return {
      bmi: round(w.kg / (HEIGHT_CM / 100) ** 2, 2),
      date: local.slice(0, 10),
      ...(w.fat !== null ? { fat: w.fat } : {}),
      logId: w.logId,
      source: w.source,
      time: local.slice(11, 19),
      // The classic unit bug: en_US gets pounds although the field is just called `weight`.
      weight: units === 'us' ? round(w.kg * LB_PER_KG, 2) : round(w.kg, 2),
    };
  }

  // ---- request helpers ----

  function today(user: FitbitUser): string {
    return localDate(profileZone(user), deps.now());
  }

  function resolveDate(user: FitbitUser, raw: string): string | undefined {
    if (raw === 'today') return today(user);
    return DATE.test(raw) && !Number.isNaN(Date.parse(`${raw}T00:00:00Z`)) ? raw : undefined;
  }

  function dateRange(
    user: FitbitUser,
    rawStart: string,
    rawEnd: string,
    maxDays: number,
  ): { start: string; end: string } | SandboxReply {
    const start = resolveDate(user, rawStart);
    const end = resolveDate(user, rawEnd);
    if (!start) return fitbitError(400, 'validation', `Invalid date: ${rawStart}`, 'startDate');
    if (!end) return fitbitError(400, 'validation', `Invalid date: ${rawEnd}`, 'endDate');
    const span = daysBetween(start, end) + 1;
    if (span < 1) return fitbitError(400, 'validation', 'endDate must not be before startDate', 'endDate');
    if (span > maxDays)
      return fitbitError(400, 'validation', `The maximum range is ${maxDays} days`, 'endDate');
    return { start, end };
  }

  /** Query and urlencoded body together: Fitbit takes POST parameters in either. */
  function params(req: SandboxRequest): URLSearchParams {
    const merged = new URLSearchParams(req.query);
    const type = String(req.headers['content-type'] ?? '');
    if (req.rawBody.length && (type === '' || type.includes('application/x-www-form-urlencoded')))
      for (const [k, v] of new URLSearchParams(req.rawBody.toString('utf8'))) merged.set(k, v);
    return merged;
  }

  interface ListQuery {
    bound: string;
    field: 'afterDate' | 'beforeDate';
    sort: 'asc' | 'desc';
    limit: number;
    offset: number;
  }

  function listQuery(req: SandboxRequest): ListQuery | SandboxReply {
    const after = req.query.get('afterDate');
    const before = req.query.get('beforeDate');
    if ((after === null) === (before === null))
      return fitbitError(400, 'validation', 'Either beforeDate or afterDate must be specified', 'afterDate');
    const raw = (after ?? before)!;
    if (!DATE.test(raw) && !DATE_TIME.test(raw))
      return fitbitError(
        400,
        'validation',
        `Invalid date: ${raw}`,
        after !== null ? 'afterDate' : 'beforeDate',
      );
    const sort = req.query.get('sort');
    if (sort !== (after !== null ? 'asc' : 'desc'))
      return fitbitError(
        400,
        'validation',
        'Use sort=asc with afterDate and sort=desc with beforeDate',
        'sort',
      );
    const limit = Number(req.query.get('limit'));
    if (!Number.isInteger(limit) || limit < 1 || limit > 100)
      return fitbitError(400, 'validation', 'limit must be between 1 and 100', 'limit');
    const offset = Number(req.query.get('offset'));
    if (req.query.get('offset') === null || !Number.isInteger(offset) || offset < 0)
      return fitbitError(400, 'validation', 'offset is required', 'offset');
    // A date alone means from (or before) the start of that day; a date-time is exclusive.
    const bound = DATE.test(raw) ? `${raw}T00:00:00` : raw.length === 16 ? `${raw}:00` : raw;
    return { bound, field: after !== null ? 'afterDate' : 'beforeDate', sort, limit, offset };
  }

  /** Filters by floating local time (as Fitbit does), orders, pages, and links the neighbours. */
  function page<T>(
    req: SandboxRequest,
    q: ListQuery,
    items: T[],
    localOf: (item: T) => string,
    instantOf: (item: T) => number,
    apiPath: string,
  ): { items: T[]; pagination: Record<string, unknown> } {
    const inclusive = q.bound.endsWith('T00:00:00');
    const matching = items
      .filter((item) => {
        const local = localOf(item).slice(0, 19);
        if (q.field === 'afterDate') return inclusive ? local >= q.bound : local > q.bound;
        return local < q.bound;
      })
      .sort((a, b) => (q.sort === 'asc' ? instantOf(a) - instantOf(b) : instantOf(b) - instantOf(a)));
    const root = `http://${req.headers.host ?? '127.0.0.1'}/fitbit${apiPath}`;
    const link = (offset: number) => {
      const search = new URLSearchParams({
        offset: String(offset),
        limit: String(q.limit),
        sort: q.sort,
        [q.field]: req.query.get(q.field)!,
      });
      return `${root}?${search.toString()}`;
    };
    return {
      items: matching.slice(q.offset, q.offset + q.limit),
      pagination: {
        [q.field]: req.query.get(q.field),
        limit: q.limit,
        next: q.offset + q.limit < matching.length ? link(q.offset + q.limit) : '',
        offset: q.offset,
        previous: q.offset > 0 ? link(Math.max(0, q.offset - q.limit)) : '',
        sort: q.sort,
      },
    };
  }

  const TIME = /^(\d{2}):(\d{2})(?::(\d{2}))?$/;

  function localStart(
    user: FitbitUser,
    date: string | null,
    time: string | null,
  ): { start: Date; date: string; time: string } | SandboxReply {
    const day = date ? resolveDate(user, date) : undefined;
    if (!day) return fitbitError(400, 'validation', 'date is required (yyyy-MM-dd)', 'date');
    const match = TIME.exec(time ?? '');
    if (!match || Number(match[1]) > 23 || Number(match[2]) > 59)
      return fitbitError(400, 'validation', 'startTime must be HH:mm or HH:mm:ss', 'startTime');
    const hhmmss = `${match[1]}:${match[2]}:${match[3] ?? '00'}`;
    // Floating local time, read in the profile's zone (the API takes no offset).
    return { start: zonedToUtc(profileZone(user), `${day}T${hhmmss}`), date: day, time: hhmmss };
  }

  // ---- routes ----

  function route(
    user: FitbitUser,
    req: SandboxRequest,
    version: string,
    rest: string,
  ): SandboxReply | undefined {
    const units = unitsOf(req);
    const now = deps.now();
    let m: RegExpExecArray | null;

    if (version === '1' && req.method === 'GET' && rest === '/profile.json') {
      const zone = profileZone(user);
      return {
        status: 200,
        body: {
          user: {
            age: 36,
            avatar: 'https://static0.fitbit.com/images/profile/defaultProfile_100.png',
            dateOfBirth: '1990-04-12',
            displayName: user.persona.name,
            distanceUnit: units === 'us' ? 'en_US' : 'METRIC',
            encodedId: user.encodedId,
            firstName: user.persona.name,
            fullName: user.persona.name,
            gender: 'NA',
            height: units === 'us' ? round(HEIGHT_CM / 2.54, 1) : HEIGHT_CM,
            heightUnit: units === 'us' ? 'en_US' : 'METRIC',
            locale: 'en_US',
            memberSince: '2019-03-01',
            offsetFromUTCMillis: offsetAt(zone, now) * 60_000,
            startDayOfWeek: 'MONDAY',
            strideLengthRunning: units === 'us' ? 45.9 : 116.6,
            strideLengthWalking: units === 'us' ? 29.1 : 73.9,
            timezone: zone,
            weightUnit: units === 'us' ? 'en_US' : 'METRIC',
          },
        },
      };
    }

    if (version === '1' && req.method === 'GET' && rest === '/activities/list.json') {
      const q = listQuery(req);
      if ('status' in q) return q;
      const result = page(
        req,
        q,
        user.activities,
        (a) => localIso(clockZone(user, a.zone), a.start),
        (a) => a.start.getTime(),
        '/1/user/-/activities/list.json',
      );
      return {
        status: 200,
        body: {
          activities: result.items.map((a) => renderActivity(user, a, units)),
          pagination: result.pagination,
        },
      };
    }

    if (version === '1' && req.method === 'POST' && rest === '/activities.json') {
      const p = params(req);
      const at = localStart(user, p.get('date'), p.get('startTime'));
      if ('status' in at) return at;
      const durationMs = Number(p.get('durationMillis'));
      if (!Number.isInteger(durationMs) || durationMs <= 0)
        return fitbitError(400, 'validation', 'durationMillis is required', 'durationMillis');
      const activityIdRaw = p.get('activityId');
      const activityName = p.get('activityName');
      let typeId: number;
      let name: string;
      if (activityIdRaw !== null) {
        typeId = Number(activityIdRaw);
        const known = FITBIT_ACTIVITY_TYPES[typeId];
        if (!known)
          return fitbitError(400, 'validation', `Invalid activityId: ${activityIdRaw}`, 'activityId');
        name = known.name;
      } else if (activityName) {
        if (p.get('manualCalories') === null)
          return fitbitError(
            400,
            'validation',
            'manualCalories is required with activityName',
            'manualCalories',
          );
        typeId = 0;
        name = activityName;
      } else
        return fitbitError(400, 'validation', 'Either activityId or activityName is required', 'activityId');
      let distanceKm: number | null = null;
      if (p.get('distance') !== null) {
        const distance = Number(p.get('distance'));
        if (!Number.isFinite(distance) || distance < 0)
          return fitbitError(400, 'validation', 'distance must be a decimal', 'distance');
        const unit = p.get('distanceUnit') ?? (units === 'us' ? 'Mile' : 'Kilometer');
        const factor = { Kilometer: 1, Mile: KM_PER_MILE, Meter: 0.001 }[unit];
        if (factor === undefined)
          return fitbitError(400, 'validation', `Invalid distanceUnit: ${unit}`, 'distanceUnit');
        distanceKm = distance * factor;
      }
      const manual = p.get('manualCalories');
      const activity: Activity = {
        logId: newLogId(),
        activityTypeId: typeId,
        name,
        start: at.start,
        zone: profileZone(user),
        durationMs,
        activeDurationMs: durationMs,
        distanceKm,
        calories: manual !== null ? Math.round(Number(manual)) : Math.round((durationMs / 60_000) * 7),
        averageHeartRate: null,
        elevationGainM: null,
        logType: 'manual',
        source: { id: 'sandbox-fitbit-client', name: 'SyncWell', type: 'app', url: 'https://syncwell.app' },
        lastModified: now.toISOString(),
        createdBy: 'api',
      };
      user.activities.push(activity);
      return {
        status: 201,
        body: {
          activityLog: {
            activityId: typeId,
            activityParentId: typeId,
            activityParentName: name,
            calories: activity.calories,
            description: '',
            ...(distanceKm !== null
              ? { distance: units === 'us' ? round(distanceKm / KM_PER_MILE, 4) : round(distanceKm, 4) }
              : {}),
            duration: durationMs,
            hasActiveZoneMinutes: false,
            hasStartTime: true,
            isFavorite: false,
            lastModified: activity.lastModified,
            logId: activity.logId,
            name,
            startDate: at.date,
            startTime: at.time.slice(0, 5),
            steps: 0,
          },
        },
      };
    }

    if (version === '1' && req.method === 'DELETE' && (m = /^\/activities\/(\d+)\.json$/.exec(rest))) {
      const index = user.activities.findIndex((a) => a.logId === Number(m![1]));
      if (index < 0) return fitbitError(404, 'not_found', `Activity log ${m[1]} not found`, 'logId');
      user.activities.splice(index, 1);
      return { status: 204 };
    }

    if (
      version === '1' &&
      req.method === 'GET' &&
      (m = /^\/activities\/steps\/date\/([^/]+)\/([^/]+)\.json$/.exec(rest))
    ) {
      const range = dateRange(user, m[1]!, m[2]!, 1095);
      if ('status' in range) return range;
      const series: { dateTime: string; value: string }[] = [];
      for (let d = range.start; d <= range.end; d = addDays(d, 1))
        series.push({ dateTime: d, value: String(user.steps.get(d)?.value ?? 0) });
      return { status: 200, body: { 'activities-steps': series } };
    }

    if (
      version === '1' &&
      req.method === 'GET' &&
      (m = /^\/body\/log\/weight\/date\/([^/]+?)(?:\/([^/]+))?\.json$/.exec(rest))
    ) {
      const range = dateRange(user, m[1]!, m[2] ?? m[1]!, 31);
      if ('status' in range) return range;
      const logs = user.weights
        .map((w) => renderWeight(user, w, units))
        .filter((w) => (w.date as string) >= range.start && (w.date as string) <= range.end)
        .sort((a, b) => `${a.date}T${a.time}`.localeCompare(`${b.date}T${b.time}`));
      return { status: 200, body: { weight: logs } };
    }

    if (version === '1' && req.method === 'POST' && rest === '/body/log/weight.json') {
      const p = params(req);
      const value = Number(p.get('weight'));
      if (p.get('weight') === null || !Number.isFinite(value) || value <= 0)
        return fitbitError(400, 'validation', 'weight is required', 'weight');
      // Without a time Fitbit logs the last second of the day.
      const at = localStart(user, p.get('date'), p.get('time') ?? '23:59:59');
      if ('status' in at) return at;
      const weight: Weight = {
        logId: newLogId(),
        instant: at.start,
        zone: profileZone(user),
        kg: units === 'us' ? value / LB_PER_KG : value,
        fat: null,
        source: 'API',
        createdBy: 'api',
      };
      user.weights.push(weight);
      return { status: 201, body: { weightLog: renderWeight(user, weight, units) } };
    }

    if (version === '1' && req.method === 'POST' && rest === '/body/log/fat.json') {
      const p = params(req);
      const fat = Number(p.get('fat'));
      if (p.get('fat') === null || !Number.isFinite(fat) || fat < 0 || fat > 100)
        return fitbitError(400, 'validation', 'fat is required', 'fat');
      const at = localStart(user, p.get('date'), p.get('time') ?? '23:59:59');
      if ('status' in at) return at;
      // Fitbit shows a fat log on the weight log taken at the same moment.
      const weight = user.weights.find((w) => w.instant.getTime() === at.start.getTime());
      if (weight) weight.fat = fat;
      return {
        status: 201,
        body: { fatLog: { date: at.date, fat, logId: newLogId(), source: 'API', time: at.time } },
      };
    }

    if (version === '1' && req.method === 'DELETE' && (m = /^\/body\/log\/weight\/(\d+)\.json$/.exec(rest))) {
      const index = user.weights.findIndex((w) => w.logId === Number(m![1]));
      if (index < 0) return fitbitError(404, 'not_found', `Weight log ${m[1]} not found`, 'logId');
      user.weights.splice(index, 1);
      return { status: 204 };
    }

    if (
      version === '1.2' &&
      req.method === 'GET' &&
      (m = /^\/sleep\/date\/([^/]+?)(?:\/([^/]+))?\.json$/.exec(rest))
    ) {
      const range = dateRange(user, m[1]!, m[2] ?? m[1]!, 100);
      if ('status' in range) return range;
      // Newest first, as Fitbit answers; dateOfSleep is the day the sleep ended.
      const logs = user.sleeps
        .map((s) => ({ s, rendered: renderSleep(user, s) }))
        .filter(
          ({ rendered }) =>
            (rendered.dateOfSleep as string) >= range.start && (rendered.dateOfSleep as string) <= range.end,
        )
        .sort((a, b) => b.s.start.getTime() - a.s.start.getTime())
        .map(({ rendered }) => rendered);
      return { status: 200, body: { sleep: logs } };
    }

    if (version === '1.2' && req.method === 'GET' && rest === '/sleep/list.json') {
      const q = listQuery(req);
      if ('status' in q) return q;
      const result = page(
        req,
        q,
        user.sleeps,
        (s) => localIso(clockZone(user, s.zone), s.start),
        (s) => s.start.getTime(),
        '/1.2/user/-/sleep/list.json',
      );
      return {
        status: 200,
        body: { sleep: result.items.map((s) => renderSleep(user, s)), pagination: result.pagination },
      };
    }

    if (version === '1.2' && req.method === 'POST' && rest === '/sleep.json') {
      const p = params(req);
      const at = localStart(user, p.get('date'), p.get('startTime'));
      if ('status' in at) return at;
      const durationMs = Number(p.get('duration'));
      if (!Number.isInteger(durationMs) || durationMs <= 0)
        return fitbitError(400, 'validation', 'duration is required (milliseconds)', 'duration');
      // A manual log has no stages ("classic") and counts the whole time in bed as asleep.
      const sleep: Sleep = {
        logId: newLogId(),
        start: at.start,
        zone: profileZone(user),
        durationMs,
        minutesAsleep: Math.round(durationMs / 60_000),
        minutesAwake: 0,
        efficiency: 100,
        logType: 'manual',
        createdBy: 'api',
      };
      user.sleeps.push(sleep);
      return { status: 201, body: { sleep: renderSleep(user, sleep) } };
    }

    if (version === '1.2' && req.method === 'DELETE' && (m = /^\/sleep\/(\d+)\.json$/.exec(rest))) {
      const index = user.sleeps.findIndex((s) => s.logId === Number(m![1]));
      if (index < 0) return fitbitError(404, 'not_found', `Sleep log ${m[1]} not found`, 'logId');
      user.sleeps.splice(index, 1);
      return { status: 204 };
    }
    return undefined;
  }

  function addUser(sandboxUserId: string, persona: Persona): string {
    let encodedId = encodedIdFor(sandboxUserId);
    for (let n = 1; encodedIds.has(encodedId); n += 1) encodedId = encodedIdFor(`${sandboxUserId}#${n}`);
    encodedIds.add(encodedId);
    const mine = recordedBy(persona, 'fitbit');
    const user: FitbitUser = {
      sandboxUserId,
      encodedId,
      persona,
      activities: mine.workouts.map((w) => {
        const typeId = ACTIVITY_ID_BY_TYPE[w.workoutType] ?? 3000;
        const start = recordedStart(w, 'fitbit');
        return {
          logId: newLogId(),
          activityTypeId: typeId,
          name: FITBIT_ACTIVITY_TYPES[typeId]!.name,
          start,
          zone: w.timezone,
          durationMs: w.elapsedSeconds * 1000,
          activeDurationMs: w.movingSeconds * 1000,
          distanceKm: w.distanceMeters !== null ? w.distanceMeters / 1000 : null,
          calories: w.calories,
          averageHeartRate: w.averageHeartRate,
          elevationGainM: w.elevationGainMeters,
          logType: 'tracker' as const,
          source: {
            id: '2573108960',
            name: w.device.replace(/^Fitbit /, ''),
            trackerFeatures: ['HEARTRATE', 'CALORIES', 'STEPS', 'ELEVATION'],
            type: 'tracker',
            url: 'https://www.fitbit.com/',
          },
          lastModified: new Date(start.getTime() + (w.elapsedSeconds + 420) * 1000).toISOString(),
          createdBy: 'seed' as const,
        };
      }),
      sleeps: mine.sleeps.map((s) => ({
        logId: newLogId(),
        start: new Date(s.start),
        zone: s.timezone,
        durationMs: Date.parse(s.end) - Date.parse(s.start),
        minutesAsleep: Math.round(s.asleepSeconds / 60),
        minutesAwake: Math.round(s.stages.awakeSeconds / 60),
        efficiency: s.efficiency,
        stages: {
          wake: s.stages.awakeSeconds,
          light: s.stages.lightSeconds,
          deep: s.stages.deepSeconds,
          rem: s.stages.remSeconds,
        },
        logType: 'auto_detected' as const,
        createdBy: 'seed' as const,
      })),
      weights: mine.weights.map((w) => ({
        logId: newLogId(),
        instant: new Date(w.measuredAt),
        zone: w.timezone,
        kg: w.weightKg,
        fat: w.bodyFatPercentage,
        source: 'Aria' as const,
        createdBy: 'seed' as const,
      })),
      steps: new Map(mine.steps.map((s) => [s.date, { value: s.byProvider.fitbit!, zone: s.timezone }])),
    };
    users.set(sandboxUserId, user);
    return encodedId;
  }

  function records(sandboxUserId: string, dataType: DataType): SandboxRecordView[] {
    const user = users.get(sandboxUserId);
    if (!user) return [];
    const view = (
      id: number | string,
      start: Date,
      zone: string,
      createdBy: CreatedBy,
      native: unknown,
      extra: Partial<SandboxRecordView>,
    ): SandboxRecordView => ({
      id: String(id),
      dataType,
      startTime: start.toISOString(),
      localStartTime: localIso(zone, start),
      utcOffsetMinutes: offsetAt(zone, start),
      createdBy,
      native,
      ...extra,
    });
    switch (dataType) {
      case 'workout':
        return [...user.activities]
          .sort((a, b) => a.start.getTime() - b.start.getTime())
          .map((a) =>
            view(a.logId, a.start, clockZone(user, a.zone), a.createdBy, renderActivity(user, a, 'metric'), {
              durationSeconds: a.activeDurationMs / 1000,
              workoutType: FITBIT_ACTIVITY_TYPES[a.activityTypeId]?.workoutType ?? 'other',
              distanceMeters: a.distanceKm !== null ? round(a.distanceKm * 1000, 1) : null,
            }),
          );
      case 'sleep_session':
        return [...user.sleeps]
          .sort((a, b) => a.start.getTime() - b.start.getTime())
          .map((s) =>
            view(s.logId, s.start, clockZone(user, s.zone), s.createdBy, renderSleep(user, s), {
              durationSeconds: s.minutesAsleep * 60,
            }),
          );
      case 'weight':
        return [...user.weights]
          .sort((a, b) => a.instant.getTime() - b.instant.getTime())
          .map((w) =>
            view(w.logId, w.instant, clockZone(user, w.zone), w.createdBy, renderWeight(user, w, 'metric'), {
              value: round(w.kg, 2),
            }),
          );
      case 'steps':
        return [...user.steps.entries()]
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([date, s]) => {
            const zone = clockZone(user, s.zone);
            return view(
              date,
              zonedToUtc(zone, `${date}T00:00:00`),
              zone,
              'seed',
              { dateTime: date, value: String(s.value) },
              {
                value: s.value,
              },
            );
          });
      default:
        return [];
    }
  }

  return {
    id: 'fitbit',
    oauthShape: {
      authorizePath: '/oauth2/authorize',
      tokenPath: '/oauth2/token',
      clientAuth: 'basic',
      pkce: true,
      tokenJson: (grant: IssuedGrant) => ({
        access_token: grant.accessToken,
        expires_in: grant.expiresInSeconds,
        refresh_token: grant.refreshToken,
        scope: grant.scope || 'activity sleep weight profile',
        token_type: 'Bearer',
        user_id: grant.providerUserId,
      }),
      // Fitbit's error envelope; errorType carries the OAuth error so clients can spot invalid_grant.
      errorJson: (error: string, description: string) => ({
        errors: [{ errorType: error, message: description }],
        success: false,
      }),
      // "When the token is revoked, all tokens are revoked for that user" (RFC 7009, Basic auth).
      revocation: {
        style: 'rfc7009',
        path: '/oauth2/revoke',
        clientAuth: 'basic',
        unknownToken: 'ok',
        ends: 'user',
      },
    },

    handle(req: SandboxRequest): SandboxReply | undefined {
      const user = req.userId ? users.get(req.userId) : undefined;
      const m = /^\/(1|1\.2)\/user\/([^/]+)(\/.*)$/.exec(req.path);
      if (!user || !m) return undefined;
      const nowMs = deps.now().getTime();
      const window = counter.hit(user.sandboxUserId, nowMs);
      const resetSeconds = Math.max(0, Math.ceil((window.resetAt - nowMs) / 1000));
      const headers = {
        'fitbit-rate-limit-limit': String(window.limit),
        'fitbit-rate-limit-remaining': String(Math.max(0, window.limit - window.used)),
        'fitbit-rate-limit-reset': String(resetSeconds),
      };
      const withHeaders = (reply: SandboxReply): SandboxReply => ({
        ...reply,
        headers: { ...headers, ...(reply.headers ?? {}) },
      });
      if (!window.allowed)
        return withHeaders({
          ...fitbitError(429, 'system', 'Too Many Requests'),
          headers: { 'retry-after': String(resetSeconds) },
        });
      if (m[2] !== '-' && m[2] !== user.encodedId)
        return withHeaders(
          fitbitError(403, 'insufficient_permissions', 'The token may only read its own user', 'user-id'),
        );
      const reply =
        route(user, req, m[1]!, m[3]!) ??
        fitbitError(404, 'not_found', 'The API you are requesting could not be found.');
      return withHeaders(reply);
    },

    addUser,
    records,

    reset(): void {
      users.clear();
      encodedIds.clear();
      counter.reset();
      counter.limit = 150;
      clock = 'profile';
    },

    configure(settings: Record<string, unknown>): void {
      if (typeof settings.hourlyLimit === 'number') counter.limit = settings.hourlyLimit;
      if (settings.floatingClock === 'profile' || settings.floatingClock === 'device')
        clock = settings.floatingClock;
    },
  };
}
