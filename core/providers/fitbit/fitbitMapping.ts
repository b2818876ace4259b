// Fitbit ⇄ canonical. Fitbit stores "floating" local times: the activity list adds the offset the
// device had, sleep and weight logs carry none, and daily steps are local calendar days. Without
// an offset the only zone a client can know is the profile's (GET /1/user/-/profile.json), so those
// records are read, and written, in that zone.
import type {
  CanonicalSleepSession,
  CanonicalSteps,
  CanonicalWeight,
  CanonicalWorkout,
  WorkoutType,
} from '../../domain/types.js';
import type { RecordSummary } from '../dataProvider.js';
import { floatingToInstant, offsetMinutes, wallClock, zoneFormatter } from '../../domain/localTime.js';
import type {
  FitbitActivityLog,
  FitbitProfile,
  FitbitSleepLog,
  FitbitStepsDay,
  FitbitWeightLog,
} from './fitbitSchemas.js';

const DAY_MS = 86_400_000;

// ---------------------------------------------------------------- time zones

/** An IANA fixed-offset zone for a whole-hour offset (`+60` → `Etc/GMT-1`, POSIX signs), else null. */
export function fixedOffsetZone(minutes: number): string | null {
  if (minutes % 60 !== 0 || Math.abs(minutes) > 14 * 60) return null;
  if (minutes === 0) return 'Etc/UTC';
  return `Etc/GMT${minutes > 0 ? '-' : '+'}${Math.abs(minutes) / 60}`;
}

function isZone(zone: string): boolean {
  try {
    zoneFormatter(zone);
    return true;
  } catch {
    return false;
  }
}

/** The profile's IANA zone; a fixed-offset zone from its offset when the name is unusable; else UTC. */
export function profileZone(profile: FitbitProfile): string {
  if (profile.timezone && isZone(profile.timezone)) return profile.timezone;
  const fixed =
    profile.offsetFromUTCMillis !== undefined
      ? fixedOffsetZone(Math.round(profile.offsetFromUTCMillis / 60_000))
      : null;
  return fixed ?? 'Etc/UTC';
}

export const addDays = (date: string, days: number): string =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);

/** Splits [start, end] (inclusive calendar days) into ranges of at most `maxDays` days. */
export function dateChunks(start: string, end: string, maxDays: number): { start: string; end: string }[] {
  const chunks: { start: string; end: string }[] = [];
  for (let from = start; from <= end; from = addDays(from, maxDays)) {
    const to = addDays(from, maxDays - 1);
    chunks.push({ start: from, end: to < end ? to : end });
  }
  return chunks;
}

// ---------------------------------------------------------------- workouts

/** Fitbit activity directory ids for the canonical types that have one. */
export const FITBIT_ACTIVITY_IDS: Readonly<Partial<Record<WorkoutType, number>>> = {
  running: 90009,
  cycling: 90001,
  walking: 90013,
  swimming: 90024,
  hiking: 90012,
  strength_training: 2131,
  yoga: 52001,
  elliptical: 20047,
};

const TYPE_BY_ID = new Map<number, WorkoutType>(
  Object.entries(FITBIT_ACTIVITY_IDS).map(([type, id]) => [id, type as WorkoutType]),
);

// Fitbit has many variants per sport (Treadmill, Outdoor Bike, Spinning, ...); names catch them.
const TYPE_BY_NAME: [RegExp, WorkoutType][] = [
  [/run|jog|treadmill/i, 'running'],
  [/bike|cycl|ride|spinning/i, 'cycling'],
  [/swim/i, 'swimming'],
  [/hike|hiking/i, 'hiking'],
  [/walk/i, 'walking'],
  [/weight|strength|lift/i, 'strength_training'],
  [/yoga/i, 'yoga'],
  [/row/i, 'rowing'],
  [/elliptical|cross.?trainer/i, 'elliptical'],
];

export function workoutTypeOf(log: Pick<FitbitActivityLog, 'activityTypeId' | 'activityName'>): WorkoutType {
  const byId = log.activityTypeId !== undefined ? TYPE_BY_ID.get(log.activityTypeId) : undefined;
  return byId ?? TYPE_BY_NAME.find(([pattern]) => pattern.test(log.activityName))?.[1] ?? 'other';
}

const METERS_PER_UNIT: Record<string, number> = { Kilometer: 1000, Mile: 1609.344, Meter: 1 };

/** Distance in metres. Without a unit Fitbit answered in the default (metric) system: kilometres. */
export function distanceMeters(log: Pick<FitbitActivityLog, 'distance' | 'distanceUnit'>): number | null {
  if (log.distance === undefined) return null;
  const factor = METERS_PER_UNIT[log.distanceUnit ?? 'Kilometer'];
  return factor === undefined ? null : Math.round(log.distance * factor * 10) / 10;
}

const OFFSET = /(Z|([+-])(\d{2}):?(\d{2}))$/;

/** The start instant and its zone: the log's own offset, named as the profile zone when they agree. */
export function activityStart(
  log: FitbitActivityLog,
  zone: string,
): { start: Date; timezone: string | null } {
  const match = OFFSET.exec(log.startTime);
  if (!match) return { start: floatingToInstant(zone, log.startTime), timezone: zone };
  const start = new Date(Date.parse(log.startTime));
  const offset =
    match[1] === 'Z' ? 0 : (match[2] === '-' ? -1 : 1) * (Number(match[3]) * 60 + Number(match[4]));
  // A different offset means the device was elsewhere (travel); only the offset is known then.
  return { start, timezone: offset === offsetMinutes(zone, start) ? zone : fixedOffsetZone(offset) };
}

export function workoutSummary(log: FitbitActivityLog, zone: string): RecordSummary {
  const { start, timezone } = activityStart(log, zone);
  return {
    dataType: 'workout',
    recordId: String(log.logId),
    startTime: start.toISOString(),
    endTime: new Date(start.getTime() + log.duration).toISOString(),
    workoutType: workoutTypeOf(log),
    durationSeconds: (log.activeDuration ?? log.duration) / 1000,
    distanceMeters: distanceMeters(log),
    timezone,
    lastModified: new Date(Date.parse(log.lastModified)).toISOString(),
  };
}

const heartRate = (bpm: number | undefined): number | null =>
  bpm !== undefined && bpm >= 20 && bpm <= 250 ? Math.round(bpm) : null;

/**
 * The list already holds every field of the canonical workout (Fitbit has no public "get one
 * activity log" endpoint). The heavy parts, the TCX track and intraday heart rate, are not fetched.
 * Elevation is metres because requests carry no Accept-Language (metric).
 */
export function workoutFromLog(log: FitbitActivityLog, zone: string, sourceId: string): CanonicalWorkout {
  const summary = workoutSummary(log, zone);
  return {
    recordId: summary.recordId,
    sourceId,
    provider: 'fitbit',
    workoutType: summary.workoutType!,
    title: log.activityName,
    notes: null,
    startTime: summary.startTime,
    endTime: summary.endTime!,
    durationSeconds: summary.durationSeconds!,
    distanceMeters: summary.distanceMeters ?? null,
    calories: log.calories !== undefined && log.calories >= 0 ? log.calories : null,
    elevationGainMeters: log.elevationGain ?? null,
    averageHeartRate: heartRate(log.averageHeartRate),
    maxHeartRate: null,
    deviceName: log.source?.type === 'tracker' ? (log.source.name ?? null) : null,
    timezone: summary.timezone,
    lastModified: summary.lastModified,
  };
}

const CUSTOM_ACTIVITY_NAMES: Partial<Record<WorkoutType, string>> = { rowing: 'Rowing', other: 'Workout' };

/** Form of POST /1/user/-/activities.json: local date and time in the profile zone. */
export function activityForm(record: CanonicalWorkout, zone: string): Record<string, string> {
  const startMs = Date.parse(record.startTime);
  const local = wallClock(zone, new Date(startMs));
  const durationMs = Math.round(
    record.durationSeconds > 0 ? record.durationSeconds * 1000 : Date.parse(record.endTime) - startMs,
  );
  const activityId = FITBIT_ACTIVITY_IDS[record.workoutType];
  const form: Record<string, string> = {
    date: local.slice(0, 10),
    startTime: local.slice(11, 19),
    durationMillis: String(Math.max(1000, durationMs)),
  };
  if (activityId !== undefined) form.activityId = String(activityId);
  else {
    // A custom activity (Fitbit then requires the calories), named by its type rather than its
    // title so that it reads back as the same type ("Morning Erg" would come back as `other`).
    form.activityName = CUSTOM_ACTIVITY_NAMES[record.workoutType] ?? 'Workout';
    form.manualCalories = String(Math.round(record.calories ?? 0));
  }
  if (record.calories !== null && record.calories !== undefined)
    form.manualCalories = String(Math.round(record.calories));
  if (record.distanceMeters) {
    form.distance = (record.distanceMeters / 1000).toFixed(3);
    form.distanceUnit = 'Kilometer';
  }
  return form;
}

// ---------------------------------------------------------------- sleep

const STAGE: Record<string, 'awake' | 'light' | 'deep' | 'rem'> = {
  wake: 'awake',
  light: 'light',
  deep: 'deep',
  rem: 'rem',
};

export function sleepSummary(log: FitbitSleepLog, zone: string): RecordSummary {
  const start = floatingToInstant(zone, log.startTime);
  return {
    dataType: 'sleep_session',
    recordId: String(log.logId),
    startTime: start.toISOString(),
    // From the duration, not endTime: a floating end is ambiguous across a DST change.
    endTime: new Date(start.getTime() + log.duration).toISOString(),
    durationSeconds: log.minutesAsleep * 60,
    timezone: zone,
    // Sleep logs carry no modification time; a log cannot be older than its end.
    lastModified: new Date(start.getTime() + log.duration).toISOString(),
  };
}

/** Stage intervals: Fitbit's `data` is contiguous, so instants follow from the durations (DST-safe). */
function sleepStages(log: FitbitSleepLog, start: Date, zone: string): CanonicalSleepSession['sleepStages'] {
  const stages: NonNullable<CanonicalSleepSession['sleepStages']> = [];
  let previous: { floating: number; instant: number; seconds: number } | undefined;
  for (const item of log.levels?.data ?? []) {
    const floating = Date.parse(`${item.dateTime.slice(0, 19)}Z`);
    let instant: number;
    if (!previous) instant = start.getTime() + (floating - Date.parse(`${log.startTime.slice(0, 19)}Z`));
    else {
      const gap = floating - previous.floating - previous.seconds * 1000;
      // 0 when contiguous; ±1 h when the wall clock jumped for DST in between.
      instant =
        gap === 0 || Math.abs(gap) === 3_600_000
          ? previous.instant + previous.seconds * 1000
          : floatingToInstant(zone, item.dateTime).getTime();
    }
    previous = { floating, instant, seconds: item.seconds };
    const stage = STAGE[item.level];
    if (stage && item.seconds > 0)
      stages.push({
        stage,
        startTime: new Date(instant).toISOString(),
        endTime: new Date(instant + item.seconds * 1000).toISOString(),
      });
  }
  return stages;
}

export function sleepFromLog(log: FitbitSleepLog, zone: string, sourceId: string): CanonicalSleepSession {
  const summary = sleepSummary(log, zone);
  const start = new Date(summary.startTime);
  const record: CanonicalSleepSession = {
    recordId: summary.recordId,
    sourceId,
    provider: 'fitbit',
    startTime: summary.startTime,
    endTime: summary.endTime!,
    durationSeconds: summary.durationSeconds!,
    efficiency:
      log.efficiency !== undefined && log.efficiency >= 0 && log.efficiency <= 100
        ? Math.round(log.efficiency)
        : null,
    timezone: zone,
    lastModified: summary.lastModified,
  };
  const s = log.levels?.summary;
  // Only "stages" logs have deep/light/rem; "classic" ones (asleep/restless/awake) do not map.
  if (log.type === 'stages' && s?.deep && s.light && s.rem && s.wake) {
    record.stageSummary = {
      awakeSeconds: s.wake.minutes * 60,
      lightSeconds: s.light.minutes * 60,
      deepSeconds: s.deep.minutes * 60,
      remSeconds: s.rem.minutes * 60,
    };
    const stages = sleepStages(log, start, zone);
    if (stages?.length) record.sleepStages = stages;
  }
  return record;
}

/** Query of POST /1.2/user/-/sleep.json: the local date and HH:mm of the start, duration in ms. */
export function sleepQuery(record: CanonicalSleepSession, zone: string): Record<string, string> {
  const startMs = Date.parse(record.startTime);
  const local = wallClock(zone, new Date(startMs));
  return {
    date: local.slice(0, 10),
    startTime: local.slice(11, 16),
    duration: String(Math.max(60_000, Date.parse(record.endTime) - startMs)),
  };
}

// ---------------------------------------------------------------- weight

export function weightSummary(log: FitbitWeightLog, zone: string): RecordSummary {
  // Without a time Fitbit means the last second of the day.
  const measured = floatingToInstant(zone, `${log.date}T${(log.time ?? '23:59:59').padEnd(8, ':00')}`);
  return {
    dataType: 'weight',
    recordId: String(log.logId),
    startTime: measured.toISOString(),
    endTime: null,
    // Kilograms: requests carry no Accept-Language, and Fitbit's default unit system is metric.
    value: log.weight,
    timezone: zone,
    lastModified: measured.toISOString(),
  };
}

export function weightFromLog(log: FitbitWeightLog, zone: string, sourceId: string): CanonicalWeight {
  const summary = weightSummary(log, zone);
  return {
    recordId: summary.recordId,
    sourceId,
    provider: 'fitbit',
    measuredAt: summary.startTime,
    weightKg: log.weight,
    bodyFatPercentage: log.fat !== undefined && log.fat >= 0 && log.fat <= 100 ? log.fat : null,
    bmi: log.bmi !== undefined && log.bmi >= 5 && log.bmi <= 100 ? log.bmi : null,
    timezone: zone,
    lastModified: summary.lastModified,
  };
}

/** Form of POST /1/user/-/body/log/weight.json (and of the body-fat log at the same moment). */
export function weightForm(record: CanonicalWeight, zone: string): Record<string, string> {
  const local = wallClock(zone, new Date(Date.parse(record.measuredAt)));
  return {
    weight: (Math.round(record.weightKg * 100) / 100).toFixed(2),
    date: local.slice(0, 10),
    time: local.slice(11, 19),
  };
}

// ---------------------------------------------------------------- steps

export function stepsSummary(day: FitbitStepsDay, zone: string, now: Date): RecordSummary {
  const start = floatingToInstant(zone, `${day.dateTime}T00:00:00`);
  const end = floatingToInstant(zone, `${addDays(day.dateTime, 1)}T00:00:00`);
  return {
    dataType: 'steps',
    recordId: day.dateTime,
    startTime: start.toISOString(),
    endTime: end.toISOString(),
    date: day.dateTime,
    value: day.value,
    timezone: zone,
    // Today's total still grows; a past day is final once it has ended.
    lastModified: new Date(Math.min(end.getTime(), now.getTime())).toISOString(),
  };
}

export function stepsFromSummary(summary: RecordSummary, sourceId: string): CanonicalSteps {
  return {
    recordId: summary.recordId,
    sourceId,
    provider: 'fitbit',
    date: summary.date!,
    steps: summary.value!,
    timezone: summary.timezone,
    lastModified: summary.lastModified,
  };
}
