// Garmin Health API fake (server-to-server "pull" flavour). Garmin is push/ping first: summaries are
// served by UPLOAD time (`uploadStartTimeInSeconds`/`uploadEndTimeInSeconds`, at most 86400 s per
// request), never by when the activity happened; history before the upload window is requested with
// the backfill endpoints, which answer 202 and (at Garmin) push the data later. The fake records
// backfill requests so tests can assert them. Every summary type is read-only for partners. Deleting
// the user's registration (`DELETE /wellness-api/rest/user/registration`) ends every token of the user.
//
// Rate limit: Garmin documents that partner keys are rate limited and answers 429 when exceeded, but
// the per-user numbers are not in the material we could find (the Health API spec is confidential).
// We chose 100 requests per minute per user (fixed window): a 21-day sync of one type needs ~22
// upload-window requests, so a healthy client never hits it, while a runaway loop does quickly.
// Garmin sends no rate-limit headers, so neither does the fake.
import { createHash } from 'node:crypto';
import type { DataType, WorkoutType } from '../../../core/domain/types.js';
import type { IssuedGrant } from './oauthServer.js';
import { recordedBy, type Persona } from './persona.js';
import { FixedWindowCounter } from './rateWindow.js';
import { localDate, utcOffsetMinutes, zonedToUtc } from './time.js';
import type {
  ProviderFake,
  ProviderFakeDeps,
  SandboxRecordView,
  SandboxReply,
  SandboxRequest,
} from './types.js';

export const GARMIN_MAX_UPLOAD_RANGE_SECONDS = 86_400;
/** Garmin accepts backfill ranges of up to 90 days per request. */
export const GARMIN_MAX_BACKFILL_RANGE_SECONDS = 90 * 86_400;
export const GARMIN_DEFAULT_RATE_LIMIT_PER_MINUTE = 100;

type SummaryType = 'activities' | 'dailies' | 'sleeps' | 'bodyComps';
const SUMMARY_TYPES: readonly SummaryType[] = ['activities', 'dailies', 'sleeps', 'bodyComps'];
const DATA_TYPE_OF: Record<SummaryType, DataType> = {
  activities: 'workout',
  dailies: 'steps',
  sleeps: 'sleep_session',
  bodyComps: 'weight',
};

const GARMIN_ACTIVITY_TYPE: Record<WorkoutType, string> = {
  running: 'RUNNING',
  cycling: 'CYCLING',
  swimming: 'LAP_SWIMMING',
  walking: 'WALKING',
  hiking: 'HIKING',
  strength_training: 'STRENGTH_TRAINING',
  yoga: 'YOGA',
  rowing: 'INDOOR_ROWING',
  elliptical: 'ELLIPTICAL',
  other: 'OTHER',
};

export interface GarminBackfillRequest {
  summaryType: SummaryType;
  summaryStartTimeInSeconds: number;
  summaryEndTimeInSeconds: number;
  /** Epoch seconds the request was received. */
  requestedAt: number;
}

interface StoredSummary {
  summaryId: string;
  /** Epoch seconds Garmin received the upload from the device. */
  uploadTime: number;
  native: Record<string, unknown>;
  view: SandboxRecordView;
}

interface GarminUser {
  garminUserId: string;
  summaries: Record<SummaryType, StoredSummary[]>;
  backfills: GarminBackfillRequest[];
}

export interface GarminBodyCompositionSeed {
  measuredAt: string;
  timezone: string;
  weightKg: number;
  bodyFatPercentage?: number | null;
  bodyMassIndex?: number | null;
}

export interface GarminFake extends ProviderFake {
  /** Backfill requests the user's client made, oldest first. */
  backfillRequests(sandboxUserId: string): GarminBackfillRequest[];
  /**
   * Adds a body-composition measurement (the persona's scale does not sync to Garmin, so tests add
   * Index-scale weigh-ins themselves). Returns the summaryId.
   */
  addBodyComposition(sandboxUserId: string, seed: GarminBodyCompositionSeed): string;
}

const hex = (s: string, n = 16) => createHash('sha256').update(s).digest('hex').slice(0, n);
const secs = (iso: string) => Math.floor(Date.parse(iso) / 1000);
const iso = (s: number) => new Date(s * 1000).toISOString();
/** Uploads land a few minutes after the record ends (the watch syncs over the phone). */
const uploadLag = (key: string) => 180 + (parseInt(hex(key, 4), 16) % 420);

const garminError = (status: number, errorMessage: string): SandboxReply => ({
  status,
  body: { errorMessage },
});

export function createGarminFake(deps: ProviderFakeDeps): GarminFake {
  const users = new Map<string, GarminUser>();
  const limiter = new FixedWindowCounter(60_000, GARMIN_DEFAULT_RATE_LIMIT_PER_MINUTE);
  const nowSeconds = () => Math.floor(deps.now().getTime() / 1000);

  function store(
    user: GarminUser,
    type: SummaryType,
    key: string,
    end: number,
    s: Omit<StoredSummary, 'uploadTime'>,
  ) {
    // Never in the future: a record ending just before `now` was uploaded by now.
    const uploadTime = Math.min(end + uploadLag(key), nowSeconds() - 1);
    user.summaries[type].push({ ...s, uploadTime });
  }

  function view(
    summaryId: string,
    dataType: DataType,
    startSeconds: number,
    offsetSeconds: number,
    native: Record<string, unknown>,
    extra: Partial<SandboxRecordView>,
    createdBy: 'seed' | 'api' = 'seed',
  ): SandboxRecordView {
    return {
      id: summaryId,
      dataType,
      startTime: iso(startSeconds),
      localStartTime: iso(startSeconds + offsetSeconds).slice(0, 19),
      utcOffsetMinutes: offsetSeconds / 60,
      createdBy,
      native,
      ...extra,
    };
  }

  function addBodyCompositionTo(user: GarminUser, seed: GarminBodyCompositionSeed): string {
    const at = secs(seed.measuredAt);
    const offset = utcOffsetMinutes(seed.timezone, new Date(at * 1000)) * 60;
    const summaryId = `x${hex(`${user.garminUserId}-bc-${at}`, 7)}-${at.toString(16)}`;
    const native = {
      summaryId,
      measurementTimeInSeconds: at,
      measurementTimeOffsetInSeconds: offset,
      weightInGrams: Math.round(seed.weightKg * 1000),
      ...(seed.bodyFatPercentage != null ? { bodyFatInPercent: seed.bodyFatPercentage } : {}),
      ...(seed.bodyMassIndex != null ? { bodyMassIndex: seed.bodyMassIndex } : {}),
    };
    store(user, 'bodyComps', summaryId, at, {
      summaryId,
      native,
      view: view(summaryId, 'weight', at, offset, native, { value: seed.weightKg }),
    });
    return summaryId;
  }

  function seed(user: GarminUser, persona: Persona): void {
    const mine = recordedBy(persona, 'garmin');
    for (const w of mine.workouts) {
      const start = secs(w.start);
      const offset = utcOffsetMinutes(w.timezone, new Date(start * 1000)) * 60;
      const activityId = parseInt(hex(w.key, 8), 16) + 10_000_000_000;
      const summaryId = String(activityId);
      const native = {
        summaryId,
        activityId,
        activityName: w.title,
        activityType: GARMIN_ACTIVITY_TYPE[w.workoutType],
        startTimeInSeconds: start,
        startTimeOffsetInSeconds: offset,
        durationInSeconds: w.elapsedSeconds,
        movingDurationInSeconds: w.movingSeconds,
        ...(w.distanceMeters !== null ? { distanceInMeters: w.distanceMeters } : {}),
        activeKilocalories: w.calories,
        averageHeartRateInBeatsPerMinute: w.averageHeartRate,
        maxHeartRateInBeatsPerMinute: w.maxHeartRate,
        ...(w.elevationGainMeters !== null ? { totalElevationGainInMeters: w.elevationGainMeters } : {}),
        deviceName: w.device,
      };
      store(user, 'activities', w.key, start + w.elapsedSeconds, {
        summaryId,
        native,
        view: view(summaryId, 'workout', start, offset, native, {
          durationSeconds: w.movingSeconds,
          workoutType: w.workoutType,
          distanceMeters: w.distanceMeters,
        }),
      });
    }
    for (const s of mine.sleeps) {
      const start = secs(s.start);
      const end = secs(s.end);
      const offset = utcOffsetMinutes(s.timezone, new Date(start * 1000)) * 60;
      const summaryId = `x${hex(s.key, 7)}-${start.toString(16)}`;
      const native = {
        summaryId,
        // Garmin files a night under the day the user woke up.
        calendarDate: localDate(s.timezone, new Date(end * 1000)),
        startTimeInSeconds: start,
        startTimeOffsetInSeconds: offset,
        durationInSeconds: end - start,
        deepSleepDurationInSeconds: s.stages.deepSeconds,
        lightSleepDurationInSeconds: s.stages.lightSeconds,
        remSleepInSeconds: s.stages.remSeconds,
        awakeDurationInSeconds: s.stages.awakeSeconds,
        validation: 'ENHANCED_FINAL',
      };
      store(user, 'sleeps', s.key, end, {
        summaryId,
        native,
        view: view(summaryId, 'sleep_session', start, offset, native, { durationSeconds: s.asleepSeconds }),
      });
    }
    for (const d of mine.steps) {
      const steps = d.byProvider.garmin!;
      const start = Math.floor(zonedToUtc(d.timezone, `${d.date}T00:00:00`).getTime() / 1000);
      const next = new Date(Date.parse(`${d.date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
      const end = Math.floor(zonedToUtc(d.timezone, `${next}T00:00:00`).getTime() / 1000);
      const offset = utcOffsetMinutes(d.timezone, new Date(start * 1000)) * 60;
      const summaryId = `x${hex(`${persona.name}-daily-${d.date}`, 7)}-${start.toString(16)}`;
      const native = {
        summaryId,
        calendarDate: d.date,
        startTimeInSeconds: start,
        startTimeOffsetInSeconds: offset,
        durationInSeconds: end - start,
        steps,
        activityType: 'WALKING',
      };
      store(user, 'dailies', summaryId, end, {
        summaryId,
        native,
        view: view(summaryId, 'steps', start, offset, native, { value: steps }),
      });
    }
    for (const w of mine.weights)
      addBodyCompositionTo(user, {
        measuredAt: w.measuredAt,
        timezone: w.timezone,
        weightKg: w.weightKg,
        bodyFatPercentage: w.bodyFatPercentage,
      });
  }

  function intParam(req: SandboxRequest, name: string): number | undefined {
    const raw = req.query.get(name);
    return raw !== null && /^\d+$/.test(raw) ? Number(raw) : undefined;
  }

  function handle(req: SandboxRequest): SandboxReply | undefined {
    const user = req.userId ? users.get(req.userId) : undefined;
    if (!user) return garminError(401, 'Unknown user');
    const rate = limiter.hit(req.userId!, deps.now().getTime());
    if (!rate.allowed) return garminError(429, 'Rate limit exceeded');

    const parts = req.path.split('/').filter(Boolean); // ['wellness-api', 'rest', ...]
    if (parts[0] !== 'wellness-api' || parts[1] !== 'rest') return undefined;
    // "Delete User Access Token": the registration goes, every token of the user is refused from
    // now on (start guide §3.1: 204, no body). The bearer was checked before this handler runs.
    if (req.method === 'DELETE' && parts[2] === 'user' && parts[3] === 'registration' && parts.length === 4) {
      deps.oauth.revokeAllOf(req.userId!, 'client');
      return { status: 204 };
    }
    if (req.method !== 'GET') {
      // Health API summaries cannot be written by partners.
      return parts.length >= 3 ? garminError(405, `Method ${req.method} not allowed`) : undefined;
    }
    if (parts[2] === 'user' && parts[3] === 'id' && parts.length === 4)
      return { status: 200, body: { userId: user.garminUserId } };

    if (parts[2] === 'backfill' && parts.length === 4) {
      const type = SUMMARY_TYPES.find((t) => t === parts[3]);
      if (!type) return undefined;
      const start = intParam(req, 'summaryStartTimeInSeconds');
      const end = intParam(req, 'summaryEndTimeInSeconds');
      if (start === undefined || end === undefined)
        return garminError(400, 'summaryStartTimeInSeconds and summaryEndTimeInSeconds are required');
      if (end <= start)
        return garminError(400, 'summaryEndTimeInSeconds must be after summaryStartTimeInSeconds');
      if (end - start > GARMIN_MAX_BACKFILL_RANGE_SECONDS)
        return garminError(400, `timestamp range of ${GARMIN_MAX_BACKFILL_RANGE_SECONDS} seconds exceeded`);
      user.backfills.push({
        summaryType: type,
        summaryStartTimeInSeconds: start,
        summaryEndTimeInSeconds: end,
        requestedAt: nowSeconds(),
      });
      return { status: 202 };
    }

    if (parts.length === 3) {
      const type = SUMMARY_TYPES.find((t) => t === parts[2]);
      if (!type) return undefined;
      const start = intParam(req, 'uploadStartTimeInSeconds');
      const end = intParam(req, 'uploadEndTimeInSeconds');
      if (start === undefined || end === undefined)
        return garminError(400, 'uploadStartTimeInSeconds and uploadEndTimeInSeconds are required');
      if (end < start)
        return garminError(400, 'uploadEndTimeInSeconds must not be before uploadStartTimeInSeconds');
      if (end - start > GARMIN_MAX_UPLOAD_RANGE_SECONDS)
        return garminError(400, `timestamp range of ${GARMIN_MAX_UPLOAD_RANGE_SECONDS} seconds exceeded`);
      // Half-open [start, end): consecutive windows never return a summary twice.
      const body = user.summaries[type]
        .filter((s) => s.uploadTime >= start && s.uploadTime < end)
        .sort((a, b) => a.uploadTime - b.uploadTime)
        .map((s) => s.native);
      return { status: 200, body };
    }
    return undefined;
  }

  function requireUser(sandboxUserId: string): GarminUser {
    const user = users.get(sandboxUserId);
    if (!user) throw new Error(`unknown garmin sandbox user ${sandboxUserId}`);
    return user;
  }

  return {
    id: 'garmin',
    oauthShape: {
      authorizePath: '/oauth2Confirm',
      tokenPath: '/di-oauth2-service/oauth/token',
      clientAuth: 'body',
      pkce: true,
      tokenJson: (grant: IssuedGrant) => ({
        access_token: grant.accessToken,
        token_type: 'bearer',
        refresh_token: grant.refreshToken,
        expires_in: grant.expiresInSeconds,
        scope: grant.scope || 'ACTIVITY_EXPORT HEALTH_EXPORT',
        jti: hex(grant.accessToken, 32).replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5'),
        // Garmin refresh tokens live about three months.
        refresh_token_expires_in: 7_775_999,
      }),
      errorJson: (error, description) => ({ error, error_description: description }),
    },
    handle,
    addUser(sandboxUserId, persona) {
      const garminUserId = hex(`garmin-${sandboxUserId}-${persona.name}`, 32);
      const user: GarminUser = {
        garminUserId,
        summaries: { activities: [], dailies: [], sleeps: [], bodyComps: [] },
        backfills: [],
      };
      seed(user, persona);
      users.set(sandboxUserId, user);
      return garminUserId;
    },
    records(sandboxUserId, dataType) {
      const user = users.get(sandboxUserId);
      if (!user) return [];
      const type = SUMMARY_TYPES.find((t) => DATA_TYPE_OF[t] === dataType);
      if (!type) return [];
      return user.summaries[type].map((s) => s.view).sort((a, b) => a.startTime.localeCompare(b.startTime));
    },
    reset() {
      users.clear();
      limiter.reset();
    },
    configure(settings) {
      if (typeof settings.rateLimitPerMinute === 'number') limiter.limit = settings.rateLimitPerMinute;
    },
    backfillRequests: (sandboxUserId) => [...requireUser(sandboxUserId).backfills],
    addBodyComposition: (sandboxUserId, s) => addBodyCompositionTo(requireUser(sandboxUserId), s),
  };
}
