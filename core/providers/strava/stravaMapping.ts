// Strava activities ↔ SyncWell's canonical workout. Strava units are already SI (metres, seconds);
// the work is in types and time: `sport_type` ↔ WorkoutType, the `(GMT-05:00) America/New_York`
// timezone label ↔ an IANA name, and the wall-clock `start_date_local` Strava wants on create.
import type { CanonicalWorkout, WorkoutType } from '../../domain/types.js';
import type { RecordSummary } from '../dataProvider.js';
import type { StravaDetailedActivity, StravaSummaryActivity } from './stravaSchemas.js';

const WORKOUT_TYPE_OF_SPORT: Readonly<Record<string, WorkoutType>> = {
  Run: 'running',
  TrailRun: 'running',
  VirtualRun: 'running',
  Ride: 'cycling',
  MountainBikeRide: 'cycling',
  GravelRide: 'cycling',
  EBikeRide: 'cycling',
  EMountainBikeRide: 'cycling',
  VirtualRide: 'cycling',
  Velomobile: 'cycling',
  Handcycle: 'cycling',
  Swim: 'swimming',
  Walk: 'walking',
  Hike: 'hiking',
  WeightTraining: 'strength_training',
  Crossfit: 'strength_training',
  Yoga: 'yoga',
  Rowing: 'rowing',
  VirtualRow: 'rowing',
  Elliptical: 'elliptical',
};

const SPORT_OF_WORKOUT_TYPE: Readonly<Record<WorkoutType, string>> = {
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

/** Name Strava's apps give an untitled activity of each type (used when a record has no title). */
const DEFAULT_NAME: Readonly<Record<WorkoutType, string>> = {
  running: 'Run',
  cycling: 'Ride',
  swimming: 'Swim',
  walking: 'Walk',
  hiking: 'Hike',
  strength_training: 'Weight Training',
  yoga: 'Yoga',
  rowing: 'Rowing',
  elliptical: 'Elliptical',
  other: 'Workout',
};

/** sport_type (or the deprecated `type` on old activities) → WorkoutType; unknown sports are `other`. */
export function workoutTypeFromStrava(activity: { sport_type?: string; type?: string }): WorkoutType {
  const sport = activity.sport_type ?? activity.type;
  return (sport && WORKOUT_TYPE_OF_SPORT[sport]) || 'other';
}

export function stravaSportType(workoutType: WorkoutType): string {
  return SPORT_OF_WORKOUT_TYPE[workoutType];
}

const IANA_PATTERN = /^[A-Za-z0-9_+-]+(\/[A-Za-z0-9_+-]+)*$/;

function isKnownTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/**
 * `(GMT-05:00) America/New_York` → `America/New_York`. The GMT part is Strava's standard-offset
 * label, not the offset at the activity, so it is ignored. Null when there is no usable zone.
 */
export function parseStravaTimezone(label: string | null | undefined): string | null {
  if (!label) return null;
  const name = label.replace(/^\s*\(GMT[^)]*\)\s*/, '').trim();
  if (!name || name.length > 64 || !IANA_PATTERN.test(name) || !isKnownTimeZone(name)) return null;
  return name;
}

/** ISO instant without milliseconds when they are zero (`2024-03-02T07:00:00Z`). */
export function isoInstant(ms: number): string {
  return new Date(ms).toISOString().replace(/\.000Z$/, 'Z');
}

/** Strava has no modification time in its activity lists; the end of the activity stands in for it. */
function lastModifiedOf(startMs: number, elapsedSeconds: number): string {
  return isoInstant(startMs + elapsedSeconds * 1000);
}

/** Heart rates Strava reports as decimals; the canonical model wants integers in 20..250. */
function heartRate(value: number | null | undefined, present: boolean | undefined): number | null {
  if (present === false || value === null || value === undefined) return null;
  const bpm = Math.round(value);
  return bpm >= 20 && bpm <= 250 ? bpm : null;
}

export function summaryFromStrava(activity: StravaSummaryActivity): RecordSummary {
  const startMs = Date.parse(activity.start_date);
  return {
    dataType: 'workout',
    recordId: String(activity.id),
    startTime: isoInstant(startMs),
    endTime: isoInstant(startMs + activity.elapsed_time * 1000),
    workoutType: workoutTypeFromStrava(activity),
    durationSeconds: activity.moving_time,
    // Strava stores 0 m for activities without distance (weights, yoga, manual entries).
    distanceMeters: activity.distance > 0 ? activity.distance : null,
    timezone: parseStravaTimezone(activity.timezone),
    lastModified: lastModifiedOf(startMs, activity.elapsed_time),
  };
}

export function canonicalFromStrava(activity: StravaDetailedActivity, sourceId: string): CanonicalWorkout {
  const startMs = Date.parse(activity.start_date);
  return {
    recordId: String(activity.id),
    sourceId,
    provider: 'strava',
    workoutType: workoutTypeFromStrava(activity),
    title: activity.name || null,
    notes: activity.description ?? null,
    startTime: isoInstant(startMs),
    endTime: isoInstant(startMs + activity.elapsed_time * 1000),
    durationSeconds: activity.moving_time,
    distanceMeters: activity.distance > 0 ? activity.distance : null,
    // 0 kcal is Strava's "not estimated" (manual entries), not a real zero.
    calories: activity.calories ? activity.calories : null,
    elevationGainMeters: activity.total_elevation_gain ?? null,
    averageHeartRate: heartRate(activity.average_heartrate, activity.has_heartrate),
    maxHeartRate: heartRate(activity.max_heartrate, activity.has_heartrate),
    timezone: parseStravaTimezone(activity.timezone),
    lastModified: lastModifiedOf(startMs, activity.elapsed_time),
    deviceName: activity.device_name ?? null,
  };
}

/** `2026-11-01T01:30:00`: the wall-clock time of `instant` in `timeZone` (UTC when null or unknown). */
export function localWallTime(instant: Date, timeZone: string | null): string {
  if (!timeZone || !isKnownTimeZone(timeZone)) return instant.toISOString().slice(0, 19);
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(instant)
      .map((p) => [p.type, p.value]),
  ) as Record<string, string>;
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}`;
}

/** `+01:00`: the record zone's offset at `instant` (UTC when the zone is unknown). */
function offsetSuffix(instant: Date, timeZone: string | null): string {
  if (!timeZone || !isKnownTimeZone(timeZone)) return '+00:00';
  const name = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' })
    .formatToParts(instant)
    .find((p) => p.type === 'timeZoneName')?.value;
  const match = /GMT([+-]\d{2}:\d{2})/.exec(name ?? '');
  return match ? match[1]! : '+00:00';
}

/**
 * The createActivity form for a canonical workout. Strava takes only these fields: heart rate,
 * calories and elevation cannot be written through the API. `start_date_local` is the record's
 * wall-clock time with its UTC offset, so the instant is right even when the record was made
 * away from the athlete's profile zone.
 */
export function stravaCreateForm(record: CanonicalWorkout): Record<string, string> {
  const startMs = Date.parse(record.startTime);
  const span = Math.round((Date.parse(record.endTime) - startMs) / 1000);
  // elapsed_time must be a positive integer and cannot be shorter than the moving time.
  const elapsed = Math.max(1, span, Math.round(record.durationSeconds));
  const form: Record<string, string> = {
    name: record.title?.trim() || DEFAULT_NAME[record.workoutType],
    sport_type: stravaSportType(record.workoutType),
    start_date_local: `${localWallTime(new Date(startMs), record.timezone)}${offsetSuffix(new Date(startMs), record.timezone)}`,
    elapsed_time: String(elapsed),
    trainer: '0',
    commute: '0',
  };
  if (record.notes) form.description = record.notes;
  if (record.distanceMeters !== null && record.distanceMeters !== undefined && record.distanceMeters > 0)
    form.distance = String(record.distanceMeters);
  return form;
}
