// Strava API v3 fake. Speaks the documented shapes (SummaryActivity, DetailedActivity,
// createActivity, the token JSON with `athlete`) and Strava's quirks that matter to a sync client:
// start_date_local is a wall-clock time that nevertheless ends in `Z`, the timezone is a label like
// `(GMT-05:00) America/New_York`, created activities take their zone from the athlete's profile,
// duplicates are refused, and every response reports the application-wide 15-minute and daily
// request usage (requests over the limit still count, as Strava documents).
import type { DataType, WorkoutType } from '../../../core/domain/types.js';
import type { IssuedGrant } from './oauthServer.js';
import { recordedBy, recordedStart, type Persona, type PersonaWorkout } from './persona.js';
import { FixedWindowCounter } from './rateWindow.js';
import { formatOffset, localIso, utcOffsetMinutes, zonedToUtc } from './time.js';
import type {
  ProviderFake,
  ProviderFakeDeps,
  SandboxRecordView,
  SandboxReply,
  SandboxRequest,
} from './types.js';

/** Strava's SportType enum (API v3, 2022+). */
export const STRAVA_SPORT_TYPES = [
  'AlpineSki',
  'BackcountrySki',
  'Badminton',
  'Canoeing',
  'Crossfit',
  'EBikeRide',
  'Elliptical',
  'EMountainBikeRide',
  'Golf',
  'GravelRide',
  'Handcycle',
  'HighIntensityIntervalTraining',
  'Hike',
  'IceSkate',
  'InlineSkate',
  'Kayaking',
  'Kitesurf',
  'MountainBikeRide',
  'NordicSki',
  'Pickleball',
  'Pilates',
  'Racquetball',
  'Ride',
  'RockClimbing',
  'RollerSki',
  'Rowing',
  'Run',
  'Sail',
  'Skateboard',
  'Snowboard',
  'Snowshoe',
  'Soccer',
  'Squash',
  'StairStepper',
  'StandUpPaddling',
  'Surfing',
  'Swim',
  'TableTennis',
  'Tennis',
  'TrailRun',
  'Velomobile',
  'VirtualRide',
  'VirtualRow',
  'VirtualRun',
  'Walk',
  'WeightTraining',
  'Wheelchair',
  'Windsurf',
  'Workout',
  'Yoga',
] as const;

/** The deprecated `type` (ActivityType) for a sport_type: newer sport types fold into an older one. */
const LEGACY_TYPE: Record<string, string> = {
  TrailRun: 'Run',
  MountainBikeRide: 'Ride',
  GravelRide: 'Ride',
  EMountainBikeRide: 'EBikeRide',
  VirtualRow: 'Rowing',
  Badminton: 'Workout',
  HighIntensityIntervalTraining: 'Workout',
  Pickleball: 'Workout',
  Pilates: 'Workout',
  Racquetball: 'Workout',
  Squash: 'Workout',
  TableTennis: 'Workout',
  Tennis: 'Workout',
};
const legacyType = (sportType: string) => LEGACY_TYPE[sportType] ?? sportType;

/** The fake's own view of sport types, independent of the worker's mapping on purpose. */
const SPORT_OF: Record<WorkoutType, string> = {
  running: 'Run',
  cycling: 'Ride',
  swimming: 'Swim',
  walking: 'Walk',
  hiking: 'Hike',
  strength_training: 'WeightTraining',
  yoga: 'Yoga',
  rowing: 'Rowing',
  elliptical: 'Elliptical',
  other: 'Workout',
};
const WORKOUT_OF: Record<string, WorkoutType> = {
  Run: 'running',
  TrailRun: 'running',
  VirtualRun: 'running',
  Ride: 'cycling',
  MountainBikeRide: 'cycling',
  GravelRide: 'cycling',
  EBikeRide: 'cycling',
  EMountainBikeRide: 'cycling',
  VirtualRide: 'cycling',
  Swim: 'swimming',
  Walk: 'walking',
  Hike: 'hiking',
  WeightTraining: 'strength_training',
  Yoga: 'yoga',
  Rowing: 'rowing',
  VirtualRow: 'rowing',
  Elliptical: 'elliptical',
};

/** DetailedActivity as the fake stores it; the summary is this minus DETAIL_ONLY. */
export interface StravaNativeActivity {
  resource_state: number;
  id: number;
  external_id: string | null;
  upload_id: number | null;
  upload_id_str?: string;
  athlete: { id: number; resource_state: number };
  name: string;
  distance: number;
  moving_time: number;
  elapsed_time: number;
  total_elevation_gain: number;
  type: string;
  sport_type: string;
  workout_type: number | null;
  start_date: string;
  start_date_local: string;
  timezone: string;
  utc_offset: number;
  location_city: null;
  location_state: null;
  location_country: string | null;
  achievement_count: number;
  kudos_count: number;
  comment_count: number;
  athlete_count: number;
  photo_count: number;
  map: { id: string; summary_polyline: string; resource_state: number };
  trainer: boolean;
  commute: boolean;
  manual: boolean;
  private: boolean;
  visibility: 'everyone' | 'followers_only' | 'only_me';
  flagged: boolean;
  gear_id: string | null;
  start_latlng: number[];
  end_latlng: number[];
  average_speed: number;
  max_speed: number;
  has_heartrate: boolean;
  average_heartrate?: number;
  max_heartrate?: number;
  heartrate_opt_out: boolean;
  display_hide_heartrate_option: boolean;
  elev_high?: number;
  elev_low?: number;
  pr_count: number;
  total_photo_count: number;
  has_kudoed: boolean;
  // DetailedActivity only:
  description: string | null;
  calories: number;
  device_name?: string;
  embed_token: string;
  segment_efforts: unknown[];
  splits_metric: unknown[];
  laps: unknown[];
  photos: { primary: null; count: number };
  hide_from_home: boolean;
  available_zones: string[];
}

const DETAIL_ONLY = [
  'description',
  'calories',
  'device_name',
  'embed_token',
  'segment_efforts',
  'splits_metric',
  'laps',
  'photos',
  'hide_from_home',
  'available_zones',
] as const;

interface Athlete {
  sandboxUserId: string;
  id: number;
  persona: Persona;
  createdAt: string;
}

interface Stored {
  ownerSandboxUserId: string;
  createdBy: 'seed' | 'api';
  native: StravaNativeActivity;
}

export interface StravaFakeSettings {
  /** Application-wide requests per 15 minutes (Strava's default overall limit: 200). */
  shortLimit?: number;
  /** Application-wide requests per UTC day (default 2000). */
  dailyLimit?: number;
  /** Read ("non-upload") limits; default equal to the overall ones so only tests opt into the split. */
  readShortLimit?: number;
  readDailyLimit?: number;
}

const FIRST_ACTIVITY_ID = 10_000_000_000;
const FIRST_ATHLETE_ID = 28_000_001;
const API_PREFIX = '/api/v3';

const isoSeconds = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

/** Strava labels a zone with its standard (non-DST) offset: `(GMT+01:00) Europe/Berlin` all year. */
function timezoneLabel(timeZone: string, at: Date): string {
  const year = at.getUTCFullYear();
  const standard = Math.min(
    utcOffsetMinutes(timeZone, new Date(Date.UTC(year, 0, 1))),
    utcOffsetMinutes(timeZone, new Date(Date.UTC(year, 6, 1))),
  );
  return `(GMT${formatOffset(standard)}) ${timeZone}`;
}

function stravaError(resource: string, field: string, code: string, message = 'Bad Request') {
  return { message, errors: [{ resource, field, code }] };
}

function summaryOf(native: StravaNativeActivity): Record<string, unknown> {
  const summary: Record<string, unknown> = { ...native, resource_state: 2 };
  for (const key of DETAIL_ONLY) delete summary[key];
  return summary;
}

function intParam(query: URLSearchParams, name: string): number | undefined | 'invalid' {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  return /^-?\d+$/.test(raw) ? Number(raw) : 'invalid';
}

export function createStravaFake(deps: ProviderFakeDeps): ProviderFake {
  const athletes = new Map<string, Athlete>();
  const activities = new Map<number, Stored>();
  let nextActivityId = FIRST_ACTIVITY_ID;
  let nextAthleteId = FIRST_ATHLETE_ID;
  let nextUploadId = 11_000_000_000;

  // Counters never refuse by themselves: Strava counts requests past the limit too.
  const shortWindow = new FixedWindowCounter(15 * 60_000, Number.POSITIVE_INFINITY);
  const dailyWindow = new FixedWindowCounter(86_400_000, Number.POSITIVE_INFINITY);
  const readShortWindow = new FixedWindowCounter(15 * 60_000, Number.POSITIVE_INFINITY);
  const readDailyWindow = new FixedWindowCounter(86_400_000, Number.POSITIVE_INFINITY);
  const limits = { shortLimit: 200, dailyLimit: 2000, readShortLimit: 200, readDailyLimit: 2000 };

  function seedActivity(athlete: Athlete, w: PersonaWorkout): StravaNativeActivity {
    const id = nextActivityId++;
    const uploadId = nextUploadId++;
    const start = recordedStart(w, 'strava');
    const sport = SPORT_OF[w.workoutType];
    const distance = w.distanceMeters ?? 0;
    const speed = w.movingSeconds > 0 ? round(distance / w.movingSeconds, 3) : 0;
    const garmin = w.device.startsWith('Garmin');
    return {
      resource_state: 3,
      id,
      // Garmin Connect auto-sync labels its uploads like this; the phone app sends a file name.
      external_id: garmin ? `garmin_ping_${300_000_000 + id - FIRST_ACTIVITY_ID}` : `${w.key}.gpx`,
      upload_id: uploadId,
      upload_id_str: String(uploadId),
      athlete: { id: athlete.id, resource_state: 1 },
      name: w.title,
      distance,
      moving_time: w.movingSeconds,
      elapsed_time: w.elapsedSeconds,
      total_elevation_gain: w.elevationGainMeters ?? 0,
      type: legacyType(sport),
      sport_type: sport,
      workout_type: w.workoutType === 'running' ? 0 : w.workoutType === 'cycling' ? 10 : null,
      start_date: isoSeconds(start),
      start_date_local: `${localIso(w.timezone, start)}Z`,
      timezone: timezoneLabel(w.timezone, start),
      utc_offset: utcOffsetMinutes(w.timezone, start) * 60,
      location_city: null,
      location_state: null,
      location_country: null,
      achievement_count: 0,
      kudos_count: 0,
      comment_count: 0,
      athlete_count: 1,
      photo_count: 0,
      map: { id: `a${id}`, summary_polyline: '', resource_state: 2 },
      trainer: false,
      commute: false,
      manual: false,
      private: false,
      visibility: 'everyone',
      flagged: false,
      gear_id: null,
      start_latlng: [],
      end_latlng: [],
      average_speed: speed,
      max_speed: round(speed * 1.4, 3),
      has_heartrate: true,
      average_heartrate: w.averageHeartRate,
      max_heartrate: w.maxHeartRate,
      heartrate_opt_out: false,
      display_hide_heartrate_option: true,
      elev_high: round(40 + (w.elevationGainMeters ?? 0), 1),
      elev_low: 40,
      pr_count: 0,
      total_photo_count: 0,
      has_kudoed: false,
      description: null,
      calories: w.calories,
      device_name: w.device,
      embed_token: `e${id.toString(16)}`,
      segment_efforts: [],
      splits_metric: [],
      laps: [],
      photos: { primary: null, count: 0 },
      hide_from_home: false,
      available_zones: [],
    };
  }

  function athleteJson(a: Athlete, detailed: boolean): Record<string, unknown> {
    const [firstname = a.persona.name, ...rest] = a.persona.name.split(/\s+/);
    return {
      id: a.id,
      username: a.persona.name.toLowerCase().replace(/[^a-z0-9]+/g, ''),
      resource_state: detailed ? 3 : 2,
      firstname,
      lastname: rest.join(' ') || 'Sandbox',
      bio: null,
      city: 'New York',
      state: 'New York',
      country: 'United States',
      sex: null,
      premium: false,
      summit: false,
      created_at: a.createdAt,
      updated_at: a.createdAt,
      badge_type_id: 0,
      weight: null,
      profile_medium: 'avatar/athlete/medium.png',
      profile: 'avatar/athlete/large.png',
      friend: null,
      follower: null,
      ...(detailed
        ? { follower_count: 0, friend_count: 0, measurement_preference: 'meters', ftp: null }
        : {}),
    };
  }

  /** Counts the request and says whether it is over a limit; headers for every answer. */
  function meter(isRead: boolean): { allowed: boolean; headers: Record<string, string> } {
    const nowMs = deps.now().getTime();
    const short = shortWindow.hit('app', nowMs);
    const daily = dailyWindow.hit('app', nowMs);
    const readShort = isRead ? readShortWindow.hit('app', nowMs) : readShortWindow.peek('app', nowMs);
    const readDaily = isRead ? readDailyWindow.hit('app', nowMs) : readDailyWindow.peek('app', nowMs);
    const allowed =
      short.used <= limits.shortLimit &&
      daily.used <= limits.dailyLimit &&
      (!isRead || (readShort.used <= limits.readShortLimit && readDaily.used <= limits.readDailyLimit));
    return {
      allowed,
      headers: {
        'x-ratelimit-limit': `${limits.shortLimit},${limits.dailyLimit}`,
        'x-ratelimit-usage': `${short.used},${daily.used}`,
        'x-readratelimit-limit': `${limits.readShortLimit},${limits.readDailyLimit}`,
        'x-readratelimit-usage': `${readShort.used},${readDaily.used}`,
      },
    };
  }

  function listActivities(athlete: Athlete, query: URLSearchParams): SandboxReply {
    const before = intParam(query, 'before');
    const after = intParam(query, 'after');
    const page = intParam(query, 'page') ?? 1;
    const perPage = intParam(query, 'per_page') ?? 30;
    for (const [field, value] of Object.entries({ before, after, page, per_page: perPage }))
      if (value === 'invalid') return { status: 400, body: stravaError('Application', field, 'invalid') };
    if ((page as number) < 1) return { status: 400, body: stravaError('Application', 'page', 'invalid') };
    if ((perPage as number) < 1)
      return { status: 400, body: stravaError('Application', 'per_page', 'invalid') };
    const size = Math.min(perPage as number, 200); // Strava caps per_page at 200
    const mine = [...activities.values()]
      .filter((s) => s.ownerSandboxUserId === athlete.sandboxUserId)
      .map((s) => s.native)
      .filter((a) => {
        const startS = Date.parse(a.start_date) / 1000;
        return (
          (after === undefined || startS > (after as number)) &&
          (before === undefined || startS < (before as number))
        );
      })
      // Newest first, like Strava's athlete activity list.
      .sort((a, b) => b.start_date.localeCompare(a.start_date) || b.id - a.id);
    const from = ((page as number) - 1) * size;
    return { status: 200, body: mine.slice(from, from + size).map(summaryOf) };
  }

  function getActivity(athlete: Athlete, rawId: string): SandboxReply {
    const stored = /^\d+$/.test(rawId) ? activities.get(Number(rawId)) : undefined;
    if (!stored || stored.ownerSandboxUserId !== athlete.sandboxUserId)
      return { status: 404, body: stravaError('Activity', 'id', 'invalid', 'Record Not Found') };
    return { status: 200, body: stored.native };
  }

  function readCreateBody(req: SandboxRequest): Record<string, string> | undefined {
    const text = req.rawBody.toString('utf8');
    if (String(req.headers['content-type'] ?? '').includes('application/json')) {
      try {
        const parsed = JSON.parse(text || '{}') as unknown;
        if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
        return Object.fromEntries(
          Object.entries(parsed as Record<string, unknown>)
            .filter(([, v]) => v !== null && v !== undefined)
            .map(([k, v]) => [k, String(v)]),
        );
      } catch {
        return undefined;
      }
    }
    return Object.fromEntries(new URLSearchParams(text));
  }

  function createActivity(athlete: Athlete, req: SandboxRequest): SandboxReply {
    const body = readCreateBody(req);
    if (!body) return { status: 400, body: stravaError('Activity', 'body', 'invalid') };
    const name = body.name?.trim();
    if (!name) return { status: 400, body: stravaError('Activity', 'name', 'missing') };
    const sport = body.sport_type ?? body.type;
    if (!sport) return { status: 400, body: stravaError('Activity', 'sport_type', 'missing') };
    if (!(STRAVA_SPORT_TYPES as readonly string[]).includes(sport))
      return { status: 400, body: stravaError('Activity', 'sport_type', 'invalid') };
    const wall = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?)/.exec(body.start_date_local ?? '')?.[1];
    if (!wall || Number.isNaN(Date.parse(`${wall}Z`)))
      return {
        status: 400,
        body: stravaError('Activity', 'start_date_local', body.start_date_local ? 'invalid' : 'missing'),
      };
    const elapsed = Number(body.elapsed_time);
    if (!body.elapsed_time || !Number.isInteger(elapsed) || elapsed <= 0)
      return {
        status: 400,
        body: stravaError('Activity', 'elapsed_time', body.elapsed_time ? 'invalid' : 'missing'),
      };
    const distance = body.distance === undefined || body.distance === '' ? 0 : Number(body.distance);
    if (!Number.isFinite(distance) || distance < 0)
      return { status: 400, body: stravaError('Activity', 'distance', 'invalid') };

    // Strava places a manual activity in the athlete's profile time zone. A start_date_local with
    // an explicit numeric offset (ISO 8601 `+01:00`) pins the instant instead; a trailing `Z`
    // means nothing (Strava writes local times with a `Z`). The sandbox's assumption, documented
    // in infra/local/sandbox/README.md: without it a workout recorded abroad lands hours off.
    const timeZone = athlete.persona.homeTimezone;
    const local = wall.length === 16 ? `${wall}:00` : wall;
    const offset = /([+-])(\d{2}):?(\d{2})$/.exec(body.start_date_local ?? '');
    const start = offset
      ? new Date(
          Date.parse(`${local}Z`) -
            (offset[1] === '-' ? -1 : 1) * (Number(offset[2]) * 60 + Number(offset[3])) * 60_000,
        )
      : zonedToUtc(timeZone, local);
    const startDate = isoSeconds(start);
    const duplicate = [...activities.values()].find(
      (s) =>
        s.ownerSandboxUserId === athlete.sandboxUserId &&
        s.native.start_date === startDate &&
        s.native.elapsed_time === elapsed,
    );
    if (duplicate)
      return {
        status: 409,
        body: {
          ...stravaError('Activity', 'start_date_local', 'duplicate', 'Conflict'),
          // The same wording Strava's upload status uses for a duplicate.
          error: `duplicate of activity ${duplicate.native.id}`,
        },
      };

    const flag = (v: string | undefined) => v === '1' || v === 'true';
    const id = nextActivityId++;
    const native: StravaNativeActivity = {
      resource_state: 3,
      id,
      external_id: null,
      upload_id: null,
      athlete: { id: athlete.id, resource_state: 1 },
      name,
      distance,
      moving_time: elapsed,
      elapsed_time: elapsed,
      total_elevation_gain: 0,
      type: legacyType(sport),
      sport_type: sport,
      workout_type: null,
      start_date: startDate,
      start_date_local: `${localIso(timeZone, start)}Z`,
      timezone: timezoneLabel(timeZone, start),
      utc_offset: utcOffsetMinutes(timeZone, start) * 60,
      location_city: null,
      location_state: null,
      location_country: null,
      achievement_count: 0,
      kudos_count: 0,
      comment_count: 0,
      athlete_count: 1,
      photo_count: 0,
      map: { id: `a${id}`, summary_polyline: '', resource_state: 3 },
      trainer: flag(body.trainer),
      commute: flag(body.commute),
      manual: true,
      private: false,
      visibility: 'everyone',
      flagged: false,
      gear_id: null,
      start_latlng: [],
      end_latlng: [],
      average_speed: round(distance / elapsed, 3),
      max_speed: 0,
      has_heartrate: false,
      heartrate_opt_out: false,
      display_hide_heartrate_option: false,
      pr_count: 0,
      total_photo_count: 0,
      has_kudoed: false,
      description: body.description ?? null,
      calories: 0,
      embed_token: `e${id.toString(16)}`,
      segment_efforts: [],
      splits_metric: [],
      laps: [],
      photos: { primary: null, count: 0 },
      hide_from_home: false,
      available_zones: [],
    };
    activities.set(id, { ownerSandboxUserId: athlete.sandboxUserId, createdBy: 'api', native });
    return { status: 201, body: native };
  }

  function route(athlete: Athlete, req: SandboxRequest, sub: string): SandboxReply | undefined {
    if (req.method === 'GET' && sub === '/athlete') return { status: 200, body: athleteJson(athlete, true) };
    if (req.method === 'GET' && sub === '/athlete/activities') return listActivities(athlete, req.query);
    const detail = /^\/activities\/([^/]+)$/.exec(sub);
    if (req.method === 'GET' && detail) return getActivity(athlete, detail[1]!);
    if (req.method === 'POST' && sub === '/activities') return createActivity(athlete, req);
    return undefined;
  }

  function errorJson(error: string, description: string): Record<string, unknown> {
    // Strava's error body, plus the RFC 6749 `error` so a generic OAuth client can tell invalid_grant.
    const [resource, field] =
      error === 'invalid_client'
        ? ['Application', 'client_id']
        : error === 'unsupported_grant_type'
          ? ['Application', 'grant_type']
          : /refresh/i.test(description)
            ? ['RefreshToken', 'refresh_token']
            : ['AuthorizationCode', 'code'];
    return {
      ...stravaError(
        resource,
        field,
        'invalid',
        error === 'invalid_client' ? 'Authorization Error' : 'Bad Request',
      ),
      error,
      error_description: description,
    };
  }

  function tokenJson(
    grant: IssuedGrant,
    kind: 'authorization_code' | 'refresh_token',
  ): Record<string, unknown> {
    const body: Record<string, unknown> = {
      token_type: 'Bearer',
      expires_at: grant.expiresAt,
      expires_in: grant.expiresInSeconds,
      refresh_token: grant.refreshToken,
      access_token: grant.accessToken,
    };
    const athlete = athletes.get(grant.sandboxUserId);
    if (kind === 'authorization_code' && athlete) body.athlete = athleteJson(athlete, false);
    return body;
  }

  return {
    id: 'strava',
    oauthShape: {
      authorizePath: '/oauth/authorize',
      tokenPath: '/oauth/token',
      clientAuth: 'body',
      pkce: false,
      tokenJson,
      errorJson,
      // Deauthorization ends every token of the athlete-app pair.
      revocation: { style: 'access_token', path: '/oauth/deauthorize', ends: 'user' },
    },

    handle(req) {
      if (!req.path.startsWith(`${API_PREFIX}/`)) return undefined;
      const { allowed, headers } = meter(req.method === 'GET');
      if (!allowed)
        return {
          status: 429,
          headers,
          body: stravaError('Application', 'rate limit', 'exceeded', 'Rate Limit Exceeded'),
        };
      const athlete = req.userId ? athletes.get(req.userId) : undefined;
      const reply = athlete
        ? route(athlete, req, req.path.slice(API_PREFIX.length))
        : { status: 401, body: stravaError('Athlete', 'access_token', 'invalid', 'Authorization Error') };
      const answer = reply ?? {
        status: 404,
        body: stravaError(req.path, 'path', 'not found', 'Record Not Found'),
      };
      return { ...answer, headers: { ...headers, ...(answer.headers ?? {}) } };
    },

    addUser(sandboxUserId, persona) {
      const athlete: Athlete = {
        sandboxUserId,
        id: nextAthleteId++,
        persona,
        createdAt: isoSeconds(deps.now()),
      };
      athletes.set(sandboxUserId, athlete);
      for (const w of recordedBy(persona, 'strava').workouts) {
        const native = seedActivity(athlete, w);
        activities.set(native.id, { ownerSandboxUserId: sandboxUserId, createdBy: 'seed', native });
      }
      return String(athlete.id);
    },

    records(sandboxUserId: string, dataType: DataType): SandboxRecordView[] {
      if (dataType !== 'workout') return [];
      return [...activities.values()]
        .filter((s) => s.ownerSandboxUserId === sandboxUserId)
        .sort((a, b) => a.native.start_date.localeCompare(b.native.start_date) || a.native.id - b.native.id)
        .map(({ native, createdBy }) => ({
          id: String(native.id),
          dataType: 'workout',
          startTime: native.start_date,
          localStartTime: native.start_date_local.slice(0, 19),
          utcOffsetMinutes: native.utc_offset / 60,
          durationSeconds: native.moving_time,
          workoutType: WORKOUT_OF[native.sport_type] ?? 'other',
          distanceMeters: native.distance > 0 ? native.distance : null,
          createdBy,
          native,
        }));
    },

    reset() {
      athletes.clear();
      activities.clear();
      nextActivityId = FIRST_ACTIVITY_ID;
      nextAthleteId = FIRST_ATHLETE_ID;
      nextUploadId = 11_000_000_000;
      for (const w of [shortWindow, dailyWindow, readShortWindow, readDailyWindow]) w.reset();
      Object.assign(limits, { shortLimit: 200, dailyLimit: 2000, readShortLimit: 200, readDailyLimit: 2000 });
    },

    configure(settings: Record<string, unknown>) {
      const s = settings as StravaFakeSettings;
      for (const key of ['shortLimit', 'dailyLimit', 'readShortLimit', 'readDailyLimit'] as const) {
        const value = s[key];
        if (typeof value === 'number' && value >= 0) limits[key] = value;
      }
      // Setting an overall limit without naming the read limit moves both (reads are a subset).
      if (s.readShortLimit === undefined && typeof s.shortLimit === 'number')
        limits.readShortLimit = s.shortLimit;
      if (s.readDailyLimit === undefined && typeof s.dailyLimit === 'number')
        limits.readDailyLimit = s.dailyLimit;
    },
  };
}
