// Garmin Health API summaries ↔ canonical records. Garmin gives UTC seconds plus the device's UTC
// offset at the time, never a zone name, so the canonical time zone is the fixed-offset IANA zone
// for that offset (`Etc/GMT+4` is UTC−4: the IANA sign is inverted). Offsets that are not whole
// hours have no Etc zone and map to null (the record is then processed as UTC).
import type {
  CanonicalSleepSession,
  CanonicalSteps,
  CanonicalWeight,
  CanonicalWorkout,
  WorkoutType,
} from '../../domain/types.js';
import type { RecordSummary } from '../dataProvider.js';
import { canonicalSummary } from '../canonicalSummary.js';
import type { GarminActivity, GarminBodyComp, GarminDaily, GarminSleep } from './garminSchemas.js';

const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

/** The fixed-offset IANA zone for a UTC offset in seconds, or null when it is not whole hours. */
export function offsetTimezone(offsetSeconds: number): string | null {
  if (offsetSeconds === 0) return 'Etc/UTC';
  if (offsetSeconds % 3600 !== 0) return null;
  const hours = -offsetSeconds / 3600;
  if (hours < -14 || hours > 12) return null;
  return `Etc/GMT${hours > 0 ? '+' : '-'}${Math.abs(hours)}`;
}

const RULES: readonly [RegExp, WorkoutType][] = [
  [/RUN/, 'running'],
  [/CYCLING|BIKING|BIKE|RIDE/, 'cycling'],
  [/SWIM/, 'swimming'],
  [/HIKING/, 'hiking'],
  [/WALK/, 'walking'],
  [/STRENGTH/, 'strength_training'],
  [/YOGA/, 'yoga'],
  [/ROWING/, 'rowing'],
  [/ELLIPTICAL/, 'elliptical'],
];

/** Garmin's activityType (RUNNING, TRAIL_RUNNING, ROAD_BIKING, LAP_SWIMMING, ...) → WorkoutType. */
export function garminWorkoutType(activityType: string): WorkoutType {
  const type = activityType.toUpperCase();
  return RULES.find(([pattern]) => pattern.test(type))?.[1] ?? 'other';
}

const heartRate = (bpm: number | undefined) =>
  bpm !== undefined && bpm >= 20 && bpm <= 250 ? Math.round(bpm) : null;

// Garmin summaries carry no modification time; a summary is final once uploaded, so its end stands
// in for lastModified (an updated summary comes back with the same summaryId and is re-read).
export function activityToWorkout(a: GarminActivity, sourceId: string): CanonicalWorkout {
  const end = a.startTimeInSeconds + a.durationInSeconds;
  return {
    recordId: a.summaryId,
    sourceId,
    provider: 'garmin',
    workoutType: garminWorkoutType(a.activityType),
    title: a.activityName ?? null,
    startTime: iso(a.startTimeInSeconds),
    endTime: iso(end),
    durationSeconds: a.movingDurationInSeconds ?? a.durationInSeconds,
    distanceMeters: a.distanceInMeters ?? null,
    calories: a.activeKilocalories ?? null,
    elevationGainMeters: a.totalElevationGainInMeters ?? null,
    averageHeartRate: heartRate(a.averageHeartRateInBeatsPerMinute),
    maxHeartRate: heartRate(a.maxHeartRateInBeatsPerMinute),
    deviceName: a.deviceName ?? null,
    timezone: offsetTimezone(a.startTimeOffsetInSeconds),
    lastModified: iso(end),
  };
}

export function sleepToCanonical(s: GarminSleep, sourceId: string): CanonicalSleepSession {
  const end = s.startTimeInSeconds + s.durationInSeconds;
  const deep = s.deepSleepDurationInSeconds ?? 0;
  const light = s.lightSleepDurationInSeconds ?? 0;
  const rem = s.remSleepInSeconds ?? 0;
  const awake = s.awakeDurationInSeconds ?? 0;
  const staged = deep + light + rem > 0;
  // durationInSeconds is the whole night; canonical duration is time asleep.
  const asleep = staged ? deep + light + rem : Math.max(0, s.durationInSeconds - awake);
  return {
    recordId: s.summaryId,
    sourceId,
    provider: 'garmin',
    startTime: iso(s.startTimeInSeconds),
    endTime: iso(end),
    durationSeconds: asleep,
    efficiency:
      s.durationInSeconds > 0 ? Math.min(100, Math.round((asleep / s.durationInSeconds) * 100)) : null,
    ...(staged
      ? { stageSummary: { awakeSeconds: awake, lightSeconds: light, deepSeconds: deep, remSeconds: rem } }
      : {}),
    timezone: offsetTimezone(s.startTimeOffsetInSeconds),
    lastModified: iso(end),
  };
}

export function dailyToSteps(d: GarminDaily, sourceId: string): CanonicalSteps {
  return {
    recordId: d.summaryId,
    sourceId,
    provider: 'garmin',
    date: d.calendarDate,
    steps: d.steps,
    timezone: offsetTimezone(d.startTimeOffsetInSeconds),
    lastModified: iso(d.startTimeInSeconds + d.durationInSeconds),
  };
}

export function bodyCompToWeight(b: GarminBodyComp, sourceId: string): CanonicalWeight {
  return {
    recordId: b.summaryId,
    sourceId,
    provider: 'garmin',
    measuredAt: iso(b.measurementTimeInSeconds),
    // Garmin reports grams.
    weightKg: Math.round(b.weightInGrams) / 1000,
    bodyFatPercentage: b.bodyFatInPercent ?? null,
    bmi:
      b.bodyMassIndex !== undefined && b.bodyMassIndex >= 5 && b.bodyMassIndex <= 100
        ? b.bodyMassIndex
        : null,
    timezone: offsetTimezone(b.measurementTimeOffsetInSeconds),
    lastModified: iso(b.measurementTimeInSeconds),
  };
}

/** Garmin says when the day started in the user's zone at the time: it is the summary's start. */
export function stepsSummary(s: CanonicalSteps, dayStartSeconds: number): RecordSummary {
  return { ...canonicalSummary('steps', s), startTime: iso(dayStartSeconds) };
}
