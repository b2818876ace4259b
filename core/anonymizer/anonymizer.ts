// The anonymizer (seed §6, C-006): what an AI feature may see of a user's canonical records.
// Built as an allowlist: each output is a new object holding only the fields C-006 keeps, and the
// generalized or aggregated form of the ones it transforms, so a field nobody listed (a provider
// adding `sourcePayload`, `userId` or anything else to a record) can never pass through.
//
//   remove      userId, recordId, title, notes, deviceName, sourcePayload, anything unlisted
//   hash        sourceId: HMAC-SHA-256 with a per-user salt (same source id → same hash, per user)
//   generalize  times to the nearest 15 minutes; a route to the 1° cell (~100 km) of its centre;
//               weather to its conditions only
//   aggregate   heart-rate samples → avg/min/max; intra-day steps → hourly totals; sleep stage
//               intervals → seconds per stage
//   keep        calories, steps (daily total), distance, weight, body fat, BMI, durations, types
import { createHmac } from 'node:crypto';
import { ConfigError, type Config } from '../config/config.js';
import type { Logger } from '../logging/logger.js';
import type {
  AnonymizedRecord,
  AnonymizedSleepSession,
  AnonymizedSteps,
  AnonymizedWeight,
  AnonymizedWorkout,
  CanonicalRecord,
  CanonicalSleepSession,
  CanonicalSteps,
  CanonicalWeight,
  CanonicalWorkout,
} from '../domain/types.js';

const QUARTER_HOUR_MS = 15 * 60 * 1000;

/** The instant rounded to the nearest quarter hour, as ISO-8601 UTC. */
export function toQuarterHour(instant: string): string {
  return new Date(Math.round(Date.parse(instant) / QUARTER_HOUR_MS) * QUARTER_HOUR_MS).toISOString();
}

/**
 * The user's salt: derived from the service secret and the user id (no table to keep, nothing to
 * delete with the account), so one user's hashes cannot be joined with another's.
 */
export function userSalt(secret: string, userId: string): Buffer {
  return createHmac('sha256', secret).update(`anonymizer-salt:${userId}`).digest();
}

/** Only for development and tests: hashes made with it are not secret. */
const DEVELOPMENT_SECRET = 'syncwell-development-anonymizer-secret-not-for-production';

export class Anonymizer {
  constructor(private readonly secret: string) {}

  /** ANONYMIZER_SECRET, required in production (hashes with a known secret could be reversed by trying ids). */
  static fromConfig(config: Pick<Config, 'ANONYMIZER_SECRET' | 'NODE_ENV'>, logger: Logger): Anonymizer {
    if (config.ANONYMIZER_SECRET) return new Anonymizer(config.ANONYMIZER_SECRET);
    if (config.NODE_ENV === 'production')
      throw new ConfigError(
        'Invalid configuration:\n  ANONYMIZER_SECRET: required in production (32+ characters)',
      );
    logger.warn('ANONYMIZER_SECRET not set: the anonymizer uses a development secret');
    return new Anonymizer(DEVELOPMENT_SECRET);
  }

  /** The records of one user, anonymized; the user id itself never appears in the output. */
  anonymize(userId: string, records: readonly CanonicalRecord[]): AnonymizedRecord[] {
    const salt = userSalt(this.secret, userId);
    return records.map((r) => anonymizeRecord(r, salt));
  }
}

function hashSourceId(sourceId: string, salt: Buffer): string {
  return createHmac('sha256', salt).update(sourceId).digest('base64url').slice(0, 22);
}

/** Which model a record is: the fields only that model requires (CanonicalRecord's oneOf). */
function anonymizeRecord(record: CanonicalRecord, salt: Buffer): AnonymizedRecord {
  const r = record as Record<string, unknown>;
  if ('workoutType' in r) return workout(record as CanonicalWorkout, salt);
  if ('sleepStages' in r || 'stageSummary' in r || 'efficiency' in r)
    return sleep(record as CanonicalSleepSession, salt);
  if ('weightKg' in r) return weight(record as CanonicalWeight, salt);
  return steps(record as CanonicalSteps, salt);
}

function workout(w: CanonicalWorkout, salt: Buffer): AnonymizedWorkout {
  const samples = w.heartRateSamples ?? [];
  return {
    dataType: 'workout',
    sourceIdHash: hashSourceId(w.sourceId, salt),
    provider: w.provider,
    timezone: w.timezone,
    workoutType: w.workoutType,
    startTime: toQuarterHour(w.startTime),
    endTime: toQuarterHour(w.endTime),
    durationSeconds: w.durationSeconds,
    distanceMeters: w.distanceMeters ?? null,
    calories: w.calories ?? null,
    elevationGainMeters: w.elevationGainMeters ?? null,
    averageHeartRate: w.averageHeartRate ?? null,
    maxHeartRate: w.maxHeartRate ?? null,
    heartRate:
      samples.length === 0
        ? null
        : {
            avg: Math.round(samples.reduce((s, x) => s + x.bpm, 0) / samples.length),
            min: Math.min(...samples.map((x) => x.bpm)),
            max: Math.max(...samples.map((x) => x.bpm)),
            samples: samples.length,
          },
    region: regionOf(w.route ?? []),
  };
}

/** The 1° cell (about 100 km) of the route's centre: never its start or end points. */
function regionOf(route: readonly { latitude: number; longitude: number }[]): AnonymizedWorkout['region'] {
  if (route.length === 0) return null;
  const lat = route.reduce((s, p) => s + p.latitude, 0) / route.length;
  const lon = route.reduce((s, p) => s + p.longitude, 0) / route.length;
  return { latitudeCell: Math.floor(lat), longitudeCell: Math.floor(lon) };
}

function sleep(s: CanonicalSleepSession, salt: Buffer): AnonymizedSleepSession {
  const totals = { awakeSeconds: 0, lightSeconds: 0, deepSeconds: 0, remSeconds: 0 };
  const stages = s.sleepStages ?? [];
  if (stages.length > 0)
    for (const st of stages)
      totals[`${st.stage}Seconds`] += Math.max(0, (Date.parse(st.endTime) - Date.parse(st.startTime)) / 1000);
  else if (s.stageSummary) Object.assign(totals, pickStageTotals(s.stageSummary));
  return {
    dataType: 'sleep_session',
    sourceIdHash: hashSourceId(s.sourceId, salt),
    provider: s.provider,
    timezone: s.timezone,
    startTime: toQuarterHour(s.startTime),
    endTime: toQuarterHour(s.endTime),
    durationSeconds: s.durationSeconds,
    efficiency: s.efficiency ?? null,
    stageTotals: stages.length > 0 || s.stageSummary ? totals : null,
  };
}

function pickStageTotals(summary: NonNullable<CanonicalSleepSession['stageSummary']>) {
  return {
    awakeSeconds: summary.awakeSeconds,
    lightSeconds: summary.lightSeconds,
    deepSeconds: summary.deepSeconds,
    remSeconds: summary.remSeconds,
  };
}

function steps(s: CanonicalSteps, salt: Buffer): AnonymizedSteps {
  // Intra-day intervals become totals per UTC hour (an interval counts in the hour it starts in).
  const hourly = new Map<string, number>();
  for (const i of s.stepsTimeseries ?? []) {
    const hour = new Date(Math.floor(Date.parse(i.startTime) / 3_600_000) * 3_600_000).toISOString();
    hourly.set(hour, (hourly.get(hour) ?? 0) + i.steps);
  }
  return {
    dataType: 'steps',
    sourceIdHash: hashSourceId(s.sourceId, salt),
    provider: s.provider,
    timezone: s.timezone,
    date: s.date,
    steps: s.steps,
    hourlySteps:
      hourly.size === 0
        ? null
        : [...hourly].sort(([a], [b]) => a.localeCompare(b)).map(([hour, total]) => ({ hour, steps: total })),
  };
}

function weight(w: CanonicalWeight, salt: Buffer): AnonymizedWeight {
  return {
    dataType: 'weight',
    sourceIdHash: hashSourceId(w.sourceId, salt),
    provider: w.provider,
    timezone: w.timezone,
    measuredAt: toQuarterHour(w.measuredAt),
    weightKg: w.weightKg,
    bodyFatPercentage: w.bodyFatPercentage ?? null,
    bmi: w.bmi ?? null,
  };
}
