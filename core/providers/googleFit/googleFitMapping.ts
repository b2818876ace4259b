// Google Fit ↔ canonical records. Google Fit stores instants only: sessions and data points carry no
// time zone, so workouts, sleep and weight read from it have `timezone: null`. Step totals are
// bucketed by calendar days of the zone the provider is configured with (Google's
// `bucketByTime.period.timeZoneId`), or by UTC days without one.
import type { CanonicalSleepSession, CanonicalWorkout, WorkoutType } from '../../domain/types.js';
import type { RecordSummary } from '../dataProvider.js';
import type { FitSession } from './googleFitSchemas.js';

/** Integer activity types (developers.google.com/fit/rest/v1/reference/activity-types). */
export const FIT_SLEEP = 72;
/** Sleep-stage activity codes that are not workouts (light, deep, REM, awake during sleep). */
const SLEEP_STAGE_CODES = new Set([FIT_SLEEP, 109, 110, 111, 112]);

const FIT_ACTIVITY_OF: Record<WorkoutType, number> = {
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

const WORKOUT_OF: ReadonlyMap<number, WorkoutType> = new Map<number, WorkoutType>([
  ...([8, 56, 57, 58].map((c) => [c, 'running']) as [number, WorkoutType][]),
  ...([1, 14, 15, 16, 17, 18, 19].map((c) => [c, 'cycling']) as [number, WorkoutType][]),
  ...([82, 83, 84].map((c) => [c, 'swimming']) as [number, WorkoutType][]),
  ...([7, 93, 94, 95, 116].map((c) => [c, 'walking']) as [number, WorkoutType][]),
  [35, 'hiking'],
  [80, 'strength_training'],
  [97, 'strength_training'],
  [100, 'yoga'],
  [53, 'rowing'],
  [54, 'rowing'],
  [25, 'elliptical'],
]);

export const fitActivityType = (t: WorkoutType): number => FIT_ACTIVITY_OF[t];
export const fitWorkoutType = (code: number): WorkoutType => WORKOUT_OF.get(code) ?? 'other';
export const isWorkoutSession = (s: FitSession): boolean => !SLEEP_STAGE_CODES.has(s.activityType);

const iso = (ms: number) => new Date(ms).toISOString();

export function sessionToWorkout(s: FitSession, sourceId: string): CanonicalWorkout {
  return {
    recordId: s.id,
    sourceId,
    provider: 'google_fit',
    workoutType: fitWorkoutType(s.activityType),
    title: s.name || null,
    notes: s.description || null,
    startTime: iso(s.startTimeMillis),
    endTime: iso(s.endTimeMillis),
    // activeTimeMillis excludes pauses; without it the whole session counts.
    durationSeconds: Math.round((s.activeTimeMillis ?? s.endTimeMillis - s.startTimeMillis) / 1000),
    // Distance and calories live in separate Fit datasets, not on the session.
    distanceMeters: null,
    calories: null,
    timezone: null,
    lastModified: iso(s.modifiedTimeMillis ?? s.endTimeMillis),
  };
}

export function sessionToSleep(s: FitSession, sourceId: string): CanonicalSleepSession {
  const inBed = s.endTimeMillis - s.startTimeMillis;
  // The Fit app records time asleep as the session's active time (awake periods are inactive).
  const asleep = s.activeTimeMillis ?? inBed;
  return {
    recordId: s.id,
    sourceId,
    provider: 'google_fit',
    startTime: iso(s.startTimeMillis),
    endTime: iso(s.endTimeMillis),
    durationSeconds: Math.round(asleep / 1000),
    efficiency:
      s.activeTimeMillis !== undefined && inBed > 0
        ? Math.min(100, Math.round((asleep / inBed) * 100))
        : null,
    timezone: null,
    lastModified: iso(s.modifiedTimeMillis ?? s.endTimeMillis),
  };
}

export interface FitSessionBody {
  id: string;
  name: string;
  description: string;
  startTimeMillis: string;
  endTimeMillis: string;
  activityType: number;
  application: { name: string };
  activeTimeMillis: string;
}

export function workoutToSession(w: CanonicalWorkout, id: string, appName: string): FitSessionBody {
  return {
    id,
    name: w.title ?? w.workoutType.replace('_', ' '),
    description: w.notes ?? '',
    startTimeMillis: String(Date.parse(w.startTime)),
    endTimeMillis: String(Date.parse(w.endTime)),
    activityType: fitActivityType(w.workoutType),
    application: { name: appName },
    activeTimeMillis: String(Math.round(w.durationSeconds * 1000)),
  };
}

export function sleepToSession(s: CanonicalSleepSession, id: string, appName: string): FitSessionBody {
  return {
    id,
    name: 'Sleep',
    description: '',
    startTimeMillis: String(Date.parse(s.startTime)),
    endTimeMillis: String(Date.parse(s.endTime)),
    activityType: FIT_SLEEP,
    application: { name: appName },
    activeTimeMillis: String(Math.round(s.durationSeconds * 1000)),
  };
}

export function sessionSummary(
  dataType: 'workout' | 'sleep_session',
  r: CanonicalWorkout | CanonicalSleepSession,
): RecordSummary {
  return {
    dataType,
    recordId: r.recordId,
    startTime: r.startTime,
    endTime: r.endTime,
    ...('workoutType' in r ? { workoutType: r.workoutType, distanceMeters: r.distanceMeters ?? null } : {}),
    durationSeconds: r.durationSeconds,
    timezone: r.timezone,
    lastModified: r.lastModified,
  };
}

// Calendar arithmetic in a zone, with Intl only (the worker does not depend on the sandbox helpers).
function offsetMs(timeZone: string, t: number): number {
  const name = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' })
    .formatToParts(new Date(t))
    .find((p) => p.type === 'timeZoneName')?.value;
  const m = /GMT([+-])(\d{2}):(\d{2})/.exec(name ?? '');
  if (!m) return 0;
  const minutes = Number(m[2]) * 60 + Number(m[3]);
  return (m[1] === '-' ? -minutes : minutes) * 60_000;
}

/** `YYYY-MM-DD` of instant `t` in `timeZone` (UTC when null). */
export function localDateOf(t: number, timeZone: string | null): string {
  return new Date(t + (timeZone ? offsetMs(timeZone, t) : 0)).toISOString().slice(0, 10);
}

/** Epoch ms of local midnight starting `date` in `timeZone` (UTC when null). */
export function localMidnight(date: string, timeZone: string | null): number {
  const asUtc = Date.parse(`${date}T00:00:00Z`);
  if (!timeZone) return asUtc;
  const first = asUtc - offsetMs(timeZone, asUtc);
  return asUtc - offsetMs(timeZone, first);
}

export const nextDate = (date: string): string =>
  new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

/** The first local midnight at or after `t`. */
export function midnightAtOrAfter(t: number, timeZone: string | null): number {
  const today = localDateOf(t, timeZone);
  const m = localMidnight(today, timeZone);
  return m >= t ? m : localMidnight(nextDate(today), timeZone);
}
