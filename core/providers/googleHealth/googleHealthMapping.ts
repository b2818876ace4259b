// Google Health API data points ⇄ canonical records (exercise, sleep, steps, weight).
//
// Time zones. Google stores physical instants plus the UTC offset the user's clock had at each one
// (`startUtcOffset`, `endUtcOffset`, `utcOffset`, as google-durations: "-18000s" is UTC−5); the civil
// times it returns are derived from them (physical time + offset) and are output only. A record's
// zone comes from the offset at its start (sample time for weight, first interval for a steps day):
//   1. the user's IANA zone (users/me/settings `timeZone`), when its offset at that instant agrees;
//   2. else the fixed-offset zone of a whole-hour offset (`-18000s` → `Etc/GMT+5`, POSIX signs);
//   3. else null (Asia/Kolkata's +05:30 without the settings zone), as Garmin does: the record is then
//      processed as UTC and counted by the sync engine as InvalidTimezoneData_Omitted.
// Writing, every offset is the record zone's offset at that instant (UTC when it has none), so the
// civil times Google derives are the wall-clock times in the record's zone, also across DST.
//
// Record ids: the last segment of the data point name (`users/{user}/dataTypes/exercise/dataPoints/
// {id}` → `{id}`); the `{user}` segment is `me` or the health user id depending on the call, the data
// type is the record's own. Steps points are not identifiable: a steps record is one local day and
// its id is the date, as for Fitbit.
import { createHash } from 'node:crypto';
import type {
  CanonicalSleepSession,
  CanonicalSteps,
  CanonicalWeight,
  CanonicalWorkout,
  Provider,
  WorkoutType,
} from '../../domain/types.js';
import { localDayStart, offsetMinutes, zoneFormatter } from '../../domain/localTime.js';
import type {
  CivilDateTime,
  ExerciseDataPoint,
  SleepDataPoint,
  StepsDataPoint,
  WeightDataPoint,
} from './googleHealthSchemas.js';

/** Where the records come from. */
export interface GoogleHealthSource {
  /** The connection id (`conn_…`). */
  sourceId: string;
  // A parameter rather than a constant: the contract's Provider enum has no `google_health` yet, and
  // during Google's migration bridge the same mapping may serve the `fitbit` or `google_fit` id.
  provider: Provider;
  /** IANA zone of users/me/settings (`timeZone`): names offsets that agree with it. */
  userZone?: string | null;
}

export type GoogleHealthDataType = 'exercise' | 'sleep' | 'steps' | 'weight';

const iso = (ms: number) => new Date(ms).toISOString();
const ms = (t: string) => Date.parse(t);
const text = (s: string | undefined, max: number) => (s ? s.slice(0, max) : null);

// ---------------------------------------------------------------- ids

const NAME = /^users\/[^/]+\/dataTypes\/[^/]+\/dataPoints\/([^/]+)$/;

/** The canonical record id of a data point name: its `{data_point}` segment. */
export function recordIdOf(name: string): string {
  const id = NAME.exec(name)?.[1];
  if (!id) throw new TypeError(`not a data point name: ${name}`);
  return id;
}

/** The data point name of a record id (for get, patch and batchDelete). */
export const dataPointName = (dataType: GoogleHealthDataType, recordId: string, user = 'me'): string =>
  `users/${user}/dataTypes/${dataType}/dataPoints/${recordId}`;

/**
 * A client-chosen data point id for a record written to Google (4–63 of [a-z0-9-]): the same record
 * always gets the same id, so a create retried after a timeout cannot make a duplicate.
 */
export const clientDataPointId = (sourceId: string, recordId: string): string =>
  `sw-${createHash('sha256').update(`${sourceId}|${recordId}`).digest('hex').slice(0, 32)}`;

// ---------------------------------------------------------------- time

/** Seconds of a google-duration (`"-18000s"` → -18000, `"1800.5s"` → 1800.5). */
export const durationSecondsOf = (duration: string): number => Number(duration.slice(0, -1));

/** A google-duration for a number of seconds, to the millisecond (2640.5 → `"2640.5s"`). */
export function googleDurationOf(seconds: number): string {
  const millis = Math.round(seconds * 1000);
  const abs = Math.abs(millis);
  const fraction = abs % 1000 ? `.${String(abs % 1000).padStart(3, '0')}`.replace(/0+$/, '') : '';
  return `${millis < 0 ? '-' : ''}${Math.floor(abs / 1000)}${fraction}s`;
}

const civilMs = (c: CivilDateTime) =>
  Date.UTC(
    c.date.year,
    c.date.month - 1,
    c.date.day,
    c.time?.hours ?? 0,
    c.time?.minutes ?? 0,
    c.time?.seconds ?? 0,
  );

/** A time's UTC offset in seconds: its own, else what its civil time implies (to the minute), else null. */
export function offsetSecondsOf(
  instantMs: number,
  utcOffset: string | undefined,
  civil?: CivilDateTime,
): number | null {
  if (utcOffset !== undefined) return Math.round(durationSecondsOf(utcOffset));
  if (civil) return Math.round((civilMs(civil) - Math.floor(instantMs / 1000) * 1000) / 60_000) * 60;
  return null;
}

function isZone(zone: string): boolean {
  try {
    zoneFormatter(zone);
    return true;
  } catch {
    return false;
  }
}

/** The IANA fixed-offset zone of a whole-hour offset (`3600` → `Etc/GMT-1`: POSIX signs), else null. */
export function fixedOffsetZone(offsetSeconds: number): string | null {
  if (offsetSeconds === 0) return 'Etc/UTC';
  const hours = offsetSeconds / 3600;
  // The Etc zones run from Etc/GMT+12 (UTC−12) to Etc/GMT-14 (UTC+14).
  if (!Number.isInteger(hours) || hours < -12 || hours > 14) return null;
  return `Etc/GMT${hours > 0 ? '-' : '+'}${Math.abs(hours)}`;
}

/** The record zone for an offset observed at `atMs` (rules 1–3 above). */
export function zoneOfOffset(
  offsetSeconds: number | null,
  atMs: number,
  userZone?: string | null,
): string | null {
  if (offsetSeconds === null) return null;
  if (userZone && isZone(userZone) && offsetMinutes(userZone, new Date(atMs)) * 60 === offsetSeconds)
    return userZone;
  return fixedOffsetZone(offsetSeconds);
}

/** Offset seconds of a record zone at an instant; a missing or unknown zone is UTC. */
const offsetIn = (zone: string | null, atMs: number): number =>
  zone && isZone(zone) ? offsetMinutes(zone, new Date(atMs)) * 60 : 0;

/** The google-duration UTC offset to write for an instant of a record in `zone`. */
export const utcOffsetIn = (zone: string | null, atMs: number): string => `${offsetIn(zone, atMs)}s`;

/** `YYYY-MM-DD` of the civil (local) date of an instant at an offset. */
const civilDate = (instantMs: number, offsetSeconds: number | null) =>
  iso(instantMs + (offsetSeconds ?? 0) * 1000).slice(0, 10);

export interface IntervalBody {
  startTime: string;
  startUtcOffset: string;
  endTime: string;
  endUtcOffset: string;
}

function intervalBody(startMs: number, endMs: number, zone: string | null): IntervalBody {
  return {
    startTime: iso(startMs),
    startUtcOffset: utcOffsetIn(zone, startMs),
    endTime: iso(endMs),
    endUtcOffset: utcOffsetIn(zone, endMs),
  };
}

type Interval = { startTime: string; startUtcOffset?: string; civilStartTime?: CivilDateTime };
const startZone = (i: Interval, userZone?: string | null) =>
  zoneOfOffset(
    offsetSecondsOf(ms(i.startTime), i.startUtcOffset, i.civilStartTime),
    ms(i.startTime),
    userZone,
  );

// ---------------------------------------------------------------- exercise types

const words = (list: string): readonly string[] => list.trim().split(/\s+/);

// Every documented exerciseType (discovery revision 20260923) is listed once: under the canonical
// type it is a variant of, or in UNMAPPED_EXERCISE_TYPES. Types Google adds later are `other` until
// listed here. The first of each list is what the canonical type is written as.
const MAPPED: Record<Exclude<WorkoutType, 'other'>, readonly string[]> = {
  running: words('RUNNING TRAIL_RUN TREADMILL INCLINE_RUN'),
  cycling: words(
    'BIKING OUTDOOR_BIKE MOUNTAIN_BIKE STATIONARY_BIKE SPINNING ASSAULT_BIKE ELECTRIC_BIKE HAND_CYCLING',
  ),
  swimming: words('SWIMMING SWIMMING_POOL SWIMMING_OPEN_WATER SYNCHRONIZED_SWIMMING'),
  walking: words(
    'WALKING POWER_WALKING NORDIC_WALKING TREADMILL_WALK INCLINE_WALK STROLLER_WALK WALK_WITH_WEIGHTS RUCKING',
  ),
  hiking: words('HIKING BACKPACKING'),
  strength_training: words(`STRENGTH_TRAINING WEIGHTLIFTING WEIGHTS FREE_WEIGHTS WEIGHT_MACHINES POWERLIFTING
    FUNCTIONAL_STRENGTH_TRAINING BODY_WEIGHT CALISTHENICS RESISTANCE_BANDS CORE_TRAINING TRX`),
  yoga: words('YOGA YOGA_BIKRAM YOGA_HATHA YOGA_POWER YOGA_VINYASA'),
  rowing: words('ROWING ROWING_MACHINE'),
  elliptical: words('ELLIPTICAL'),
};

/** Documented types with no SyncWell equivalent (paddling, team sports, gym classes, chores, ...). */
export const UNMAPPED_EXERCISE_TYPES = words(`EXERCISE_TYPE_UNSPECIFIED OTHER WORKOUT
  AEROBIC_WORKOUT ARCHERY BADMINTON BALLET BALLROOM_DANCE BARRE_CLASS BASEBALL BASKETBALL BILLIARDS
  BOOTCAMP BOWLING BOXING BREAKDANCING CANOEING CARDIO_SCULPT CARDIO_WORKOUT CARPENTRY CHEERLEADING
  CIRCUIT_TRAINING CLEANING CLIMBING CRICKET CROQUET CROSS_COUNTRY_SKI CROSS_TRAINING CROSSFIT CURLING
  DANCING DIVING ELECTRIC_SCOOTER EQUESTRIAN_SPORTS EXERCISE_CLASS FENCING FIELD_HOCKEY FISHING
  FITNESS_GAMING FOILING FOOTBALL_AMERICAN FOOTBALL_AUSTRALIAN FRISBEE_PLAYING_GENERAL GARDENING GOLF
  GYMNASTICS HANDBALL HIIT HIP_HOP HOCKEY HOEING HOUSEHOLD_CHORES HUNTING ICE_SKATING INDOOR_CLIMBING
  INTERVAL_WORKOUT JAZZ_DANCE JIU_JITSU JUMPING_ROPE KARATE KAYAKING KICKBOXING KITESURFING LACROSSE
  MARTIAL_ARTS MEDITATE MODERN_DANCE MOTOCROSS MOTORCYCLE MOWING_LAWN MUAY_THAI MULTISPORT
  MUSICAL_PERFORMANCE ORIENTEERING OUTDOOR_WORKOUT PADDLEBOARDING PADEL PAINTING PARAGLIDING PARKOUR
  PICKELBALL PILATES POLO RACKET_SPORTS RACQUETBALL ROCK_CLIMBING ROLLERBLADING ROLLER_SKATING RUGBY
  SAILING SCOOTERING SCUBA_DIVING SHOOTING SHOVELING SKATEBOARDING SKATING SKIING SKYDIVING SNORKELING
  SNOWBOARDING SNOWMOBILING SNOWSHOEING SNOW_SPORT SOCCER SOFTBALL SPEED_SKATING SPORT SQUASH
  STAIRCLIMBER STEP_TRAINING STRETCHING SURFING TABATA_WORKOUT TABLE_TENNIS TAEKWONDO TAI_CHI TANGO
  TENNIS TRACK_AND_FIELD TRAMPOLINE ULTIMATE_FRISBEE UNICYCLING VOLLEYBALL VOLLEYBALL_BEACH
  WAKEBOARDING WATER_AEROBICS WATER_JOGGING WATER_POLO WATER_SKIING WATER_SPORT WATER_VOLLEYBALL
  WEEDING WHEELCHAIR WINDSURFING WRESTLING ZUMBA`);

/** exerciseType → WorkoutType for every documented exerciseType. */
export const WORKOUT_TYPE_OF_EXERCISE: ReadonlyMap<string, WorkoutType> = new Map<string, WorkoutType>([
  ...Object.entries(MAPPED).flatMap(([type, names]) => names.map((n) => [n, type as WorkoutType] as const)),
  ...UNMAPPED_EXERCISE_TYPES.map((n) => [n, 'other'] as const),
]);

export const workoutTypeOf = (exerciseType: string): WorkoutType =>
  WORKOUT_TYPE_OF_EXERCISE.get(exerciseType) ?? 'other';

/** The exerciseType a canonical type is written as (`other` → OTHER, the one free-named type). */
export const exerciseTypeOf = (type: WorkoutType): string => (type === 'other' ? 'OTHER' : MAPPED[type][0]!);

// Google replaces the displayName of every type but OTHER by the type's name.
const DISPLAY_NAME: Record<WorkoutType, string> = {
  running: 'Running',
  cycling: 'Biking',
  swimming: 'Swimming',
  walking: 'Walking',
  hiking: 'Hiking',
  strength_training: 'Strength training',
  yoga: 'Yoga',
  rowing: 'Rowing',
  elliptical: 'Elliptical',
  other: 'Workout',
};

// ---------------------------------------------------------------- exercise

const heartRate = (bpm: number | undefined) =>
  bpm !== undefined && bpm >= 20 && bpm <= 250 ? Math.round(bpm) : null;

/**
 * What the exercise point holds; maximum heart rate, heart-rate samples and the route live in other
 * data types (heart-rate, exportExerciseTcx) and are not read here.
 */
export function workoutFromDataPoint(point: ExerciseDataPoint, source: GoogleHealthSource): CanonicalWorkout {
  const e = point.exercise;
  const start = ms(e.interval.startTime);
  const end = ms(e.interval.endTime);
  const m = e.metricsSummary;
  return {
    recordId: recordIdOf(point.name),
    sourceId: source.sourceId,
    provider: source.provider,
    workoutType: workoutTypeOf(e.exerciseType),
    title: text(e.displayName, 1024),
    notes: text(e.notes, 16_384),
    startTime: iso(start),
    endTime: iso(end),
    // activeDuration excludes pauses; without it the whole interval counts.
    durationSeconds: Math.max(
      0,
      e.activeDuration ? durationSecondsOf(e.activeDuration) : (end - start) / 1000,
    ),
    distanceMeters: m.distanceMillimeters !== undefined ? m.distanceMillimeters / 1000 : null,
    calories: m.caloriesKcal !== undefined && m.caloriesKcal >= 0 ? m.caloriesKcal : null,
    elevationGainMeters: m.elevationGainMillimeters !== undefined ? m.elevationGainMillimeters / 1000 : null,
    averageHeartRate: heartRate(m.averageHeartRateBeatsPerMinute),
    maxHeartRate: null,
    deviceName: text(point.dataSource?.device?.displayName, 256),
    timezone: startZone(e.interval, source.userZone),
    lastModified: iso(ms(e.updateTime ?? e.createTime ?? e.interval.endTime)),
  };
}

export interface ExerciseCreateBody {
  name?: string;
  dataSource?: { device: { displayName: string } };
  exercise: {
    interval: IntervalBody;
    exerciseType: string;
    displayName: string;
    metricsSummary: {
      caloriesKcal?: number;
      distanceMillimeters?: number;
      elevationGainMillimeters?: number;
      averageHeartRateBeatsPerMinute?: string;
    };
    activeDuration: string;
    notes?: string;
  };
}

/**
 * Body of users.dataTypes.dataPoints.create for a workout. `dataSource.recordingMethod` is left out:
 * SyncWell does not know how the source recorded it, and Google marks such uploads UNKNOWN.
 */
export function exerciseCreateBody(w: CanonicalWorkout, dataPointId?: string): ExerciseCreateBody {
  const metrics: ExerciseCreateBody['exercise']['metricsSummary'] = {};
  if (w.calories !== null && w.calories !== undefined) metrics.caloriesKcal = w.calories;
  if (w.distanceMeters !== null && w.distanceMeters !== undefined)
    metrics.distanceMillimeters = w.distanceMeters * 1000;
  if (w.elevationGainMeters !== null && w.elevationGainMeters !== undefined)
    metrics.elevationGainMillimeters = w.elevationGainMeters * 1000;
  if (w.averageHeartRate !== null && w.averageHeartRate !== undefined)
    metrics.averageHeartRateBeatsPerMinute = String(w.averageHeartRate);
  return {
    ...(dataPointId ? { name: dataPointName('exercise', dataPointId) } : {}),
    ...(w.deviceName ? { dataSource: { device: { displayName: w.deviceName } } } : {}),
    exercise: {
      interval: intervalBody(ms(w.startTime), ms(w.endTime), w.timezone),
      exerciseType: exerciseTypeOf(w.workoutType),
      displayName: w.title || DISPLAY_NAME[w.workoutType],
      metricsSummary: metrics,
      activeDuration: googleDurationOf(w.durationSeconds),
      ...(w.notes ? { notes: w.notes } : {}),
    },
  };
}

// ---------------------------------------------------------------- sleep

type Stage = NonNullable<CanonicalSleepSession['sleepStages']>[number]['stage'];

const STAGE_OF: Record<string, Stage> = { AWAKE: 'awake', LIGHT: 'light', DEEP: 'deep', REM: 'rem' };
const SLEEP_STAGE_TYPE: Record<Stage, string> = { awake: 'AWAKE', light: 'LIGHT', deep: 'DEEP', rem: 'REM' };
/** Stages of "classic" sleep, which have no canonical equivalent (as for Fitbit's classic logs). */
const CLASSIC = new Set(['ASLEEP', 'RESTLESS']);

function stageTotals(stages: readonly { stage: Stage; startTime: string; endTime: string }[]) {
  const seconds = { awake: 0, light: 0, deep: 0, rem: 0 };
  for (const s of stages) seconds[s.stage] += (ms(s.endTime) - ms(s.startTime)) / 1000;
  return seconds;
}

/**
 * Time asleep is the LIGHT + DEEP + REM stage time when the hypnogram is there (exact, and equal to
 * the stage summary reported with it), else Google's minutesAsleep, else the whole interval.
 */
export function sleepFromDataPoint(point: SleepDataPoint, source: GoogleHealthSource): CanonicalSleepSession {
  const s = point.sleep;
  const start = ms(s.interval.startTime);
  const end = ms(s.interval.endTime);
  const inBed = (end - start) / 1000;
  const classic = s.type === 'CLASSIC' || s.stages.some((st) => CLASSIC.has(st.type));
  const stages = classic
    ? []
    : s.stages
        .flatMap((st) => {
          const stage = STAGE_OF[st.type];
          return stage ? [{ stage, startTime: iso(ms(st.startTime)), endTime: iso(ms(st.endTime)) }] : [];
        })
        .sort((a, b) => ms(a.startTime) - ms(b.startTime));

  let asleep = inBed;
  let stageSummary: CanonicalSleepSession['stageSummary'];
  if (stages.length) {
    const t = stageTotals(stages);
    asleep = t.light + t.deep + t.rem;
    stageSummary = { awakeSeconds: t.awake, lightSeconds: t.light, deepSeconds: t.deep, remSeconds: t.rem };
  } else if (s.summary) {
    if (s.summary.minutesAsleep !== undefined) asleep = s.summary.minutesAsleep * 60;
    const minutes = new Map(s.summary.stagesSummary.map((x) => [x.type, x.minutes]));
    if (!classic && ['LIGHT', 'DEEP', 'REM'].some((t) => minutes.has(t)))
      stageSummary = {
        awakeSeconds: (minutes.get('AWAKE') ?? 0) * 60,
        lightSeconds: (minutes.get('LIGHT') ?? 0) * 60,
        deepSeconds: (minutes.get('DEEP') ?? 0) * 60,
        remSeconds: (minutes.get('REM') ?? 0) * 60,
      };
  }
  return {
    recordId: recordIdOf(point.name),
    sourceId: source.sourceId,
    provider: source.provider,
    startTime: iso(start),
    endTime: iso(end),
    durationSeconds: asleep,
    efficiency: inBed > 0 ? Math.min(100, Math.round((asleep / inBed) * 100)) : null,
    ...(stages.length ? { sleepStages: stages.slice(0, 10_000) } : {}),
    ...(stageSummary ? { stageSummary } : {}),
    timezone: startZone(s.interval, source.userZone),
    lastModified: iso(ms(s.updateTime ?? s.createTime ?? s.interval.endTime)),
  };
}

export interface SleepCreateBody {
  name?: string;
  sleep: {
    interval: IntervalBody;
    type?: 'STAGES';
    stages?: (IntervalBody & { type: string })[];
  };
}

/**
 * Body of users.dataTypes.dataPoints.create for a sleep session: the interval, and the hypnogram as
 * a STAGES sleep when the record has one. Time asleep, efficiency and the stage summary are computed
 * by Google (summary is output only), so a record without stages keeps only its interval.
 */
export function sleepCreateBody(s: CanonicalSleepSession, dataPointId?: string): SleepCreateBody {
  const stages = [...(s.sleepStages ?? [])].sort((a, b) => ms(a.startTime) - ms(b.startTime));
  return {
    ...(dataPointId ? { name: dataPointName('sleep', dataPointId) } : {}),
    sleep: {
      interval: intervalBody(ms(s.startTime), ms(s.endTime), s.timezone),
      ...(stages.length
        ? {
            type: 'STAGES' as const,
            stages: stages.map((st) => ({
              ...intervalBody(ms(st.startTime), ms(st.endTime), s.timezone),
              type: SLEEP_STAGE_TYPE[st.stage],
            })),
          }
        : {}),
    },
  };
}

// ---------------------------------------------------------------- steps

const MAX_SERIES = 1440;
const HOUR_MS = 3_600_000;

type StepsInterval = NonNullable<CanonicalSteps['stepsTimeseries']>[number];

/** A day's series; more than the canonical 1440 items (a 25-hour DST day) is summed per hour. */
function series(intervals: StepsInterval[]): StepsInterval[] {
  if (intervals.length <= MAX_SERIES) return intervals;
  const hours = new Map<number, StepsInterval>();
  for (const i of intervals) {
    const key = Math.floor(ms(i.startTime) / HOUR_MS);
    const h = hours.get(key);
    if (!h) hours.set(key, { ...i });
    else {
      h.steps += i.steps;
      if (ms(i.endTime) > ms(h.endTime)) h.endTime = i.endTime;
    }
  }
  return [...hours.values()];
}

/**
 * Steps intervals → one record per local calendar day (the civil date of each interval's start).
 * Pass reconciled points (dataPoints:reconcile) or points of one source: raw points of overlapping
 * sources (phone and watch) would be counted twice. Steps points carry no modification time; a day
 * cannot have changed before its last interval ended, so that end is its lastModified.
 */
export function stepsFromDataPoints(
  points: readonly Pick<StepsDataPoint, 'steps'>[],
  source: GoogleHealthSource,
): CanonicalSteps[] {
  const days = new Map<string, { first: StepsDataPoint['steps']; intervals: StepsInterval[] }>();
  for (const { steps } of points) {
    const i = steps.interval;
    const start = ms(i.startTime);
    const date = civilDate(start, offsetSecondsOf(start, i.startUtcOffset, i.civilStartTime));
    const day = days.get(date) ?? { first: steps, intervals: [] };
    if (start < ms(day.first.interval.startTime)) day.first = steps;
    day.intervals.push({ startTime: iso(start), endTime: iso(ms(i.endTime)), steps: steps.count });
    days.set(date, day);
  }
  return [...days.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([date, day]) => {
      const intervals = day.intervals.sort((a, b) => ms(a.startTime) - ms(b.startTime));
      return {
        recordId: date,
        sourceId: source.sourceId,
        provider: source.provider,
        date,
        steps: intervals.reduce((sum, i) => sum + i.steps, 0),
        stepsTimeseries: series(intervals),
        timezone: startZone(day.first.interval, source.userZone),
        lastModified: iso(Math.max(...intervals.map((i) => ms(i.endTime)))),
      };
    });
}

export interface StepsCreateBody {
  steps: { interval: IntervalBody; count: string };
}

const nextDate = (date: string) => iso(Date.parse(`${date}T00:00:00Z`) + 86_400_000).slice(0, 10);

/**
 * Bodies of users.dataTypes.dataPoints.create for a steps day: one per series interval when the
 * series adds up to the total, else one interval over the whole local day. Google's steps guide lists
 * list, reconcile, rollUp and dailyRollUp only (no create), so the API may refuse these bodies.
 */
export function stepsCreateBodies(s: CanonicalSteps): StepsCreateBody[] {
  const zone = s.timezone && isZone(s.timezone) ? s.timezone : 'Etc/UTC';
  const seriesTotal = (s.stepsTimeseries ?? []).reduce((sum, i) => sum + i.steps, 0);
  const intervals: StepsInterval[] =
    s.stepsTimeseries?.length && seriesTotal === s.steps
      ? s.stepsTimeseries
      : [
          {
            startTime: localDayStart(zone, s.date).toISOString(),
            endTime: localDayStart(zone, nextDate(s.date)).toISOString(),
            steps: s.steps,
          },
        ];
  return intervals.map((i) => {
    if (i.steps > 1_000_000)
      throw new RangeError(`${i.steps} steps in one interval (Google's limit: 1000000)`);
    return {
      steps: { interval: intervalBody(ms(i.startTime), ms(i.endTime), s.timezone), count: String(i.steps) },
    };
  });
}

// ---------------------------------------------------------------- weight

/**
 * A weight sample in kilograms, or null when the canonical model cannot hold it (under 1 kg or over
 * 500 kg: a unit mix-up, not a weight to clamp). Body fat and BMI are other data types (body-fat),
 * and a weight point has no modification time: its sample time stands in.
 */
export function weightFromDataPoint(
  point: WeightDataPoint,
  source: GoogleHealthSource,
): CanonicalWeight | null {
  const w = point.weight;
  const kg = w.weightGrams / 1000;
  if (kg < 1 || kg > 500) return null;
  const measured = ms(w.sampleTime.physicalTime);
  return {
    recordId: recordIdOf(point.name),
    sourceId: source.sourceId,
    provider: source.provider,
    measuredAt: iso(measured),
    weightKg: kg,
    bodyFatPercentage: null,
    bmi: null,
    timezone: zoneOfOffset(
      offsetSecondsOf(measured, w.sampleTime.utcOffset, w.sampleTime.civilTime),
      measured,
      source.userZone,
    ),
    lastModified: iso(measured),
  };
}

export interface WeightCreateBody {
  name?: string;
  weight: { sampleTime: { physicalTime: string; utcOffset: string }; weightGrams: number };
}

/** Body of users.dataTypes.dataPoints.create for a weight, in whole grams (scales resolve 50–100 g). */
export function weightCreateBody(w: CanonicalWeight, dataPointId?: string): WeightCreateBody {
  const measured = ms(w.measuredAt);
  return {
    ...(dataPointId ? { name: dataPointName('weight', dataPointId) } : {}),
    weight: {
      sampleTime: { physicalTime: iso(measured), utcOffset: utcOffsetIn(w.timezone, measured) },
      weightGrams: Math.round(w.weightKg * 1000),
    },
  };
}
