// Google Health API ⇄ canonical mapping: examples for each data type both ways (DST, half-hour
// zones, types without an equivalent), and properties: every create body conforms to the discovery
// document (infra/local/sandbox/googleHealth/discoverySchemas.ts, plus the output-only and one-of
// rules it leaves out), every record read conforms to the contract, and canonical → Google →
// canonical keeps what the mapping claims to keep.
import { expect } from 'chai';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import addFormatsPlugin from 'ajv-formats';
import { parse } from 'yaml';
import type {
  CanonicalSleepSession,
  CanonicalSteps,
  CanonicalWeight,
  CanonicalWorkout,
  WorkoutType,
} from '../../domain/types.js';
import { localDayStart, offsetMinutes, wallClock } from '../../domain/localTime.js';
import {
  discovery,
  validateRequest,
  validateResponse,
  type DiscoverySchema,
} from '../../../infra/local/sandbox/googleHealth/discoverySchemas.js';
import {
  clientDataPointId,
  dataPointName,
  durationSecondsOf,
  exerciseCreateBody,
  exerciseTypeOf,
  fixedOffsetZone,
  googleDurationOf,
  recordIdOf,
  sleepCreateBody,
  sleepFromDataPoint,
  stepsCreateBodies,
  stepsFromDataPoints,
  weightCreateBody,
  weightFromDataPoint,
  workoutFromDataPoint,
  workoutTypeOf,
  UNMAPPED_EXERCISE_TYPES,
  WORKOUT_TYPE_OF_EXERCISE,
  type GoogleHealthDataType,
  type GoogleHealthSource,
} from './googleHealthMapping.js';
import {
  exerciseDataPointSchema,
  exerciseListSchema,
  googleErrorSchema,
  identitySchema,
  sleepDataPointSchema,
  stepsListSchema,
  weightDataPointSchema,
} from './googleHealthSchemas.js';

// ---------------------------------------------------------------- support

// Any contract Provider: `google_health` is not in the contract's enum yet.
const SOURCE: GoogleHealthSource = {
  sourceId: 'conn_7c9e6679-7425-40de-944b-e07fc1f90ae7',
  provider: 'fitbit',
};
const inZone = (userZone: string | null): GoogleHealthSource => ({ ...SOURCE, userZone });
const HEALTH_USER = 'a1B2c3-d4';
const CREATED = '2026-11-20T10:00:00.123456Z';

/** The records read must be what the API accepts: the contract's canonical models. */
const addFormats = addFormatsPlugin as unknown as (ajv: Ajv) => Ajv;
const contract = addFormats(new Ajv({ strict: false, allErrors: true }));
contract.addSchema({
  $id: 'openapi',
  components: (parse(readFileSync('generated/openapi.bundle.gen.yaml', 'utf8')) as { components: unknown })
    .components,
});
function expectCanonical(model: string, record: unknown): void {
  const validate = contract.getSchema(`openapi#/components/schemas/${model}`)!;
  if (!validate(record))
    expect.fail(`not a ${model}: ${contract.errorsText(validate.errors)} in ${JSON.stringify(record)}`);
}

/** Output-only fields present in a request body (discoverySchemas checks types and required fields). */
function outputOnlyFields(node: unknown, schema: DiscoverySchema, at: string): string[] {
  const schemas = discovery().schemas;
  const resolved = schema.$ref ? schemas[schema.$ref]! : schema;
  if (Array.isArray(node))
    return node.flatMap((item, i) => outputOnlyFields(item, resolved.items!, `${at}[${i}]`));
  if (typeof node !== 'object' || node === null || !resolved.properties) return [];
  return Object.entries(node).flatMap(([key, value]) => {
    const property = resolved.properties![key];
    if (!property) return [];
    if (property.readOnly) return [`${at}.${key} is output only`];
    return outputOnlyFields(value, property, `${at}.${key}`);
  });
}

/** A create body as users.dataTypes.dataPoints.create must receive it for `dataType`. */
function expectCreateBody(dataType: GoogleHealthDataType, body: object): void {
  const errors = validateRequest('health.users.dataTypes.dataPoints.create', {
    path: { parent: `users/me/dataTypes/${dataType}` },
    query: {},
    body,
  });
  errors.push(...outputOnlyFields(body, { $ref: 'DataPoint' }, 'DataPoint'));
  // `data` is a one-of: exactly the member of the data type (same name for these four).
  const members = Object.keys(body).filter((k) => k !== 'name' && k !== 'dataSource');
  if (members.join() !== dataType) errors.push(`data members ${members.join()} for ${dataType}`);
  const name = (body as { name?: string }).name;
  if (
    name !== undefined &&
    !new RegExp(`^users/me/dataTypes/${dataType}/dataPoints/[a-z0-9-]{4,63}$`).test(name)
  )
    errors.push(`name ${name} is not a client-provided data point name`);
  expect(errors, JSON.stringify(body)).to.deep.equal([]);
}

/** proto3 JSON of google.type Date/TimeOfDay: zero fields left out. */
function civil(time: string, offset: string) {
  const d = new Date(Date.parse(time) + durationSecondsOf(offset) * 1000);
  const nonZero = (o: Record<string, number>) =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== 0));
  return {
    date: { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() },
    time: nonZero({
      hours: d.getUTCHours(),
      minutes: d.getUTCMinutes(),
      seconds: d.getUTCSeconds(),
      nanos: d.getUTCMilliseconds() * 1e6,
    }),
  };
}

type Json = Record<string, unknown>;
type TimedInterval = { startTime: string; startUtcOffset: string; endTime: string; endUtcOffset: string };
const withCivil = (i: TimedInterval) => ({
  ...i,
  civilStartTime: civil(i.startTime, i.startUtcOffset),
  civilEndTime: civil(i.endTime, i.endUtcOffset),
});
const googleName = (type: string) =>
  type === 'OTHER' ? undefined : type.charAt(0) + type.slice(1).toLowerCase().replaceAll('_', ' ');

/**
 * What Google returns for a created point: the name (user id in place of `me`), the output-only
 * fields (times, civil times, platform, sleep summary) and, for every exercise type but OTHER, the
 * type's own name in place of the client's displayName.
 */
function stored(dataType: GoogleHealthDataType, created: object): Json {
  const body = created as Json;
  const point = structuredClone(body) as Record<string, Json | string>;
  if (dataType !== 'steps')
    point.name = ((body.name as string | undefined) ?? dataPointName(dataType, 'server-made-id')).replace(
      'users/me/',
      `users/${HEALTH_USER}/`,
    );
  point.dataSource = {
    ...(body.dataSource as Json | undefined),
    recordingMethod: 'UNKNOWN',
    platform: 'GOOGLE_WEB_API',
    application: { googleWebClientId: '1234-abc.apps.googleusercontent.com' },
  };
  if (dataType === 'exercise') {
    const e = point.exercise as Json & { interval: TimedInterval; exerciseType: string };
    e.interval = withCivil(e.interval);
    e.displayName = googleName(e.exerciseType) ?? e.displayName;
    Object.assign(e, { createTime: CREATED, updateTime: CREATED });
  } else if (dataType === 'sleep') {
    const s = point.sleep as Json & {
      interval: TimedInterval;
      stages?: (TimedInterval & { type: string })[];
    };
    s.interval = withCivil(s.interval);
    const minutes = (type: string) =>
      (s.stages ?? [])
        .filter((st) => st.type === type)
        .reduce((sum, st) => sum + (Date.parse(st.endTime) - Date.parse(st.startTime)) / 60_000, 0);
    s.stages = s.stages?.map((st) => ({ ...st, createTime: CREATED, updateTime: CREATED }));
    s.summary = {
      minutesAsleep: String(Math.round(minutes('LIGHT') + minutes('DEEP') + minutes('REM'))),
      minutesAwake: String(Math.round(minutes('AWAKE'))),
      stagesSummary: ['AWAKE', 'LIGHT', 'DEEP', 'REM'].map((type) => ({
        type,
        minutes: String(Math.round(minutes(type))),
      })),
    };
    s.metadata = { processed: true, mainSleep: true, stagesStatus: 'SUCCEEDED' };
    Object.assign(s, { createTime: CREATED, updateTime: CREATED });
  } else if (dataType === 'steps') {
    const st = point.steps as Json & { interval: TimedInterval };
    st.interval = withCivil(st.interval);
  } else {
    const sample = (point.weight as { sampleTime: { physicalTime: string; utcOffset: string } }).sampleTime;
    Object.assign(sample, { civilTime: civil(sample.physicalTime, sample.utcOffset) });
  }
  const errors =
    dataType === 'steps'
      ? validateResponse('health.users.dataTypes.dataPoints.list', { dataPoints: [point] })
      : validateResponse('health.users.dataTypes.dataPoints.get', point);
  expect(errors, JSON.stringify(point)).to.deep.equal([]);
  return point;
}

/** Every time written reads, at its offset, as the wall clock of the record's zone (UTC without one). */
function expectCivilInZone(zone: string | null, times: { time: string; offset: string }[]): void {
  for (const { time, offset } of times) {
    const local = new Date(Date.parse(time) + durationSecondsOf(offset) * 1000).toISOString().slice(0, 19);
    expect(local, `${time} at ${offset}`).to.equal(wallClock(zone ?? 'Etc/UTC', new Date(time)));
  }
}

const intervalTimes = (i: TimedInterval) => [
  { time: i.startTime, offset: i.startUtcOffset },
  { time: i.endTime, offset: i.endUtcOffset },
];

/** Without the settings zone a record keeps its offset at `at`, as an Etc zone, or none (not whole hours). */
function expectOffsetZone(read: string | null, written: string | null, at: string): void {
  const minutes = offsetMinutes(written ?? 'Etc/UTC', new Date(at));
  if (minutes % 60 !== 0) expect(read).to.equal(null);
  else expect(offsetMinutes(read!, new Date(at))).to.equal(minutes);
}

const ZONES = [
  'America/New_York',
  'Europe/Berlin',
  'Asia/Kolkata',
  'Asia/Kathmandu',
  'America/St_Johns',
  'Australia/Lord_Howe',
  'Pacific/Chatham',
  'Pacific/Kiritimati',
  'Etc/GMT+5',
  'Etc/UTC',
];
const zone = fc.option(fc.constantFrom(...ZONES), { nil: null, freq: 6 });
const MIN = Date.parse('2000-01-01T00:00:00Z');
const MAX = Date.parse('2040-01-01T00:00:00Z');
const instantMs = fc.integer({ min: MIN, max: MAX });
const recordId = fc.stringMatching(/^[a-z0-9]{1,20}$/);
const WORKOUT_TYPES: WorkoutType[] = [
  'running',
  'cycling',
  'swimming',
  'walking',
  'hiking',
  'strength_training',
  'yoga',
  'rowing',
  'elliptical',
  'other',
];

// ---------------------------------------------------------------- ids and time helpers

describe('Google Health mapping: ids and durations', () => {
  it('takes the record id from the data point name, whoever the user segment names', () => {
    expect(recordIdOf('users/me/dataTypes/exercise/dataPoints/123')).to.equal('123');
    expect(recordIdOf(`users/${HEALTH_USER}/dataTypes/sleep/dataPoints/a1b2-c3d4`)).to.equal('a1b2-c3d4');
    expect(() => recordIdOf('users/me/dataTypes/exercise')).to.throw(TypeError);
    expect(dataPointName('weight', 'w-1')).to.equal('users/me/dataTypes/weight/dataPoints/w-1');
  });

  it('chooses stable client data point ids Google accepts (4–63 of a-z, 0-9, -)', () => {
    const id = clientDataPointId('conn_1', 'Ride/42');
    expect(id).to.match(/^[a-z0-9-]{4,63}$/);
    expect(clientDataPointId('conn_1', 'Ride/42')).to.equal(id);
    expect(clientDataPointId('conn_2', 'Ride/42')).to.not.equal(id);
  });

  it('reads and writes google-durations', () => {
    expect(durationSecondsOf('-18000s')).to.equal(-18000);
    expect(durationSecondsOf('1800.5s')).to.equal(1800.5);
    expect(durationSecondsOf('0s')).to.equal(0);
    expect([2640, 2640.5, 0.05, 0, -19800, 1.0004].map(googleDurationOf)).to.deep.equal([
      '2640s',
      '2640.5s',
      '0.05s',
      '0s',
      '-19800s',
      '1s',
    ]);
  });

  it('names whole-hour offsets by their Etc zone (POSIX signs) within UTC−12…UTC+14, nothing else', () => {
    expect(fixedOffsetZone(0)).to.equal('Etc/UTC');
    expect(fixedOffsetZone(-18000)).to.equal('Etc/GMT+5');
    expect(fixedOffsetZone(3600)).to.equal('Etc/GMT-1');
    expect(fixedOffsetZone(14 * 3600)).to.equal('Etc/GMT-14');
    expect(fixedOffsetZone(-12 * 3600)).to.equal('Etc/GMT+12');
    expect(fixedOffsetZone(-13 * 3600)).to.equal(null);
    expect(fixedOffsetZone(19800)).to.equal(null);
  });
});

// ---------------------------------------------------------------- exercise

describe('Google Health mapping: exercise ⇄ workout', () => {
  const listed = {
    dataPoints: [
      {
        name: `users/${HEALTH_USER}/dataTypes/exercise/dataPoints/1957430291`,
        dataSource: {
          recordingMethod: 'ACTIVELY_MEASURED',
          platform: 'FITBIT',
          device: { displayName: 'Pixel Watch 3', formFactor: 'WATCH', manufacturer: 'Google' },
        },
        exercise: {
          interval: {
            startTime: '2026-01-15T12:00:00Z',
            startUtcOffset: '-18000s',
            endTime: '2026-01-15T12:45:12Z',
            endUtcOffset: '-18000s',
            civilStartTime: { date: { year: 2026, month: 1, day: 15 }, time: { hours: 7 } },
            civilEndTime: {
              date: { year: 2026, month: 1, day: 15 },
              time: { hours: 7, minutes: 45, seconds: 12 },
            },
          },
          exerciseType: 'TRAIL_RUN',
          displayName: 'Trail run',
          metricsSummary: {
            caloriesKcal: 612,
            distanceMillimeters: 8012500,
            elevationGainMillimeters: 48300,
            averageHeartRateBeatsPerMinute: '151',
            activeZoneMinutes: '32',
            heartRateZoneDurations: {
              lightTime: '600s',
              moderateTime: '1200s',
              vigorousTime: '0s',
              peakTime: '0s',
            },
          },
          exerciseMetadata: { hasGps: true },
          activeDuration: '2640s',
          createTime: '2026-01-15T12:50:03.120934Z',
          updateTime: '2026-01-15T12:51:44.5Z',
        },
      },
    ],
    nextPageToken: '',
  };

  it('reads a listed run: units, heart rate, device, offset as Etc zone, update time as lastModified', () => {
    expect(validateResponse('health.users.dataTypes.dataPoints.list', listed)).to.deep.equal([]);
    const [point] = exerciseListSchema.parse(listed).dataPoints;
    const workout = workoutFromDataPoint(point!, SOURCE);
    expect(workout).to.deep.equal({
      recordId: '1957430291',
      sourceId: SOURCE.sourceId,
      provider: 'fitbit',
      workoutType: 'running',
      title: 'Trail run',
      notes: null,
      startTime: '2026-01-15T12:00:00.000Z',
      endTime: '2026-01-15T12:45:12.000Z',
      durationSeconds: 2640,
      distanceMeters: 8012.5,
      calories: 612,
      elevationGainMeters: 48.3,
      averageHeartRate: 151,
      maxHeartRate: null,
      deviceName: 'Pixel Watch 3',
      timezone: 'Etc/GMT+5',
      lastModified: '2026-01-15T12:51:44.500Z',
    });
    expectCanonical('CanonicalWorkout', workout);
  });

  it('names the offset by the settings zone when they agree at the start, else keeps the Etc zone', () => {
    const [point] = exerciseListSchema.parse(listed).dataPoints;
    expect(workoutFromDataPoint(point!, inZone('America/New_York')).timezone).to.equal('America/New_York');
    // Berlin is UTC+1 then: the user was travelling; only the offset is known.
    expect(workoutFromDataPoint(point!, inZone('Europe/Berlin')).timezone).to.equal('Etc/GMT+5');
  });

  it('maps a Google type with no SyncWell equivalent (badminton) and one added after this table to other', () => {
    const point = exerciseDataPointSchema.parse({
      name: 'users/me/dataTypes/exercise/dataPoints/b-1',
      exercise: {
        interval: {
          startTime: '2026-03-02T18:00:00Z',
          startUtcOffset: '3600s',
          endTime: '2026-03-02T19:00:00Z',
          endUtcOffset: '3600s',
        },
        exerciseType: 'BADMINTON',
        displayName: 'Badminton',
        metricsSummary: {},
      },
    });
    const workout = workoutFromDataPoint(point, inZone('Europe/Berlin'));
    expect([
      workout.workoutType,
      workout.title,
      workout.durationSeconds,
      workout.distanceMeters,
    ]).to.deep.equal(['other', 'Badminton', 3600, null]);
    expect(workout.timezone).to.equal('Europe/Berlin');
    expect(workoutTypeOf('UNDERWATER_HOCKEY')).to.equal('other');
  });

  it('has one entry for every exerciseType of the discovery document, and writes every canonical type back as itself', () => {
    const documented = discovery().schemas['Exercise']!.properties!['exerciseType']!.enum!;
    expect([...WORKOUT_TYPE_OF_EXERCISE.keys()].sort()).to.deep.equal([...documented].sort());
    expect(new Set(UNMAPPED_EXERCISE_TYPES).size).to.equal(UNMAPPED_EXERCISE_TYPES.length);
    const mapped = documented.filter((t) => workoutTypeOf(t) !== 'other');
    expect(mapped.length + UNMAPPED_EXERCISE_TYPES.length).to.equal(documented.length);
    for (const type of WORKOUT_TYPES) {
      expect(documented).to.include(exerciseTypeOf(type));
      expect(workoutTypeOf(exerciseTypeOf(type))).to.equal(type);
    }
    expect(
      Object.fromEntries(
        ['ROWING_MACHINE', 'SPINNING', 'YOGA_VINYASA', 'CANOEING', 'PILATES'].map((t) => [
          t,
          workoutTypeOf(t),
        ]),
      ),
    ).to.deep.equal({
      ROWING_MACHINE: 'rowing',
      SPINNING: 'cycling',
      YOGA_VINYASA: 'yoga',
      CANOEING: 'other',
      PILATES: 'other',
    });
  });

  const morningErg: CanonicalWorkout = {
    recordId: '10958373640',
    sourceId: 'conn_strava',
    provider: 'strava',
    workoutType: 'other',
    title: 'Morning Erg',
    notes: 'Intervals 4×500 m',
    startTime: '2026-03-29T00:30:00Z',
    endTime: '2026-03-29T01:45:00Z',
    durationSeconds: 4200.25,
    distanceMeters: null,
    calories: 410,
    elevationGainMeters: null,
    averageHeartRate: null,
    maxHeartRate: 171,
    timezone: 'Europe/Berlin',
    lastModified: '2026-03-29T02:00:00Z',
    deviceName: null,
  };

  it('writes a workout without a specific Google type as OTHER, the one type that keeps its own name', () => {
    const body = exerciseCreateBody(morningErg, 'sw-erg-1');
    expect(body).to.deep.equal({
      name: 'users/me/dataTypes/exercise/dataPoints/sw-erg-1',
      exercise: {
        // 01:30 CET and 03:45 CEST: the DST change lies in between.
        interval: {
          startTime: '2026-03-29T00:30:00.000Z',
          startUtcOffset: '3600s',
          endTime: '2026-03-29T01:45:00.000Z',
          endUtcOffset: '7200s',
        },
        exerciseType: 'OTHER',
        displayName: 'Morning Erg',
        metricsSummary: { caloriesKcal: 410 },
        activeDuration: '4200.25s',
        notes: 'Intervals 4×500 m',
      },
    });
    expectCreateBody('exercise', body);
    const back = workoutFromDataPoint(
      exerciseDataPointSchema.parse(stored('exercise', body)),
      inZone('Europe/Berlin'),
    );
    expect(back).to.include({
      recordId: 'sw-erg-1',
      workoutType: 'other',
      title: 'Morning Erg',
      timezone: 'Europe/Berlin',
    });
    expect(back.durationSeconds).to.equal(4200.25);
  });

  it('writes a typed workout with its metrics in Google units, device as data source, times in its zone', () => {
    const ride: CanonicalWorkout = {
      ...morningErg,
      workoutType: 'cycling',
      title: 'Commute',
      notes: null,
      startTime: '2026-07-01T03:15:00Z',
      endTime: '2026-07-01T04:00:00Z',
      durationSeconds: 2400,
      distanceMeters: 15234.7,
      elevationGainMeters: 120,
      averageHeartRate: 138,
      timezone: 'Asia/Kolkata',
      deviceName: 'Edge 540',
    };
    const body = exerciseCreateBody(ride);
    expect(body).to.deep.equal({
      dataSource: { device: { displayName: 'Edge 540' } },
      exercise: {
        interval: {
          startTime: '2026-07-01T03:15:00.000Z',
          startUtcOffset: '19800s',
          endTime: '2026-07-01T04:00:00.000Z',
          endUtcOffset: '19800s',
        },
        exerciseType: 'BIKING',
        displayName: 'Commute',
        metricsSummary: {
          caloriesKcal: 410,
          distanceMillimeters: 15234700,
          elevationGainMillimeters: 120000,
          averageHeartRateBeatsPerMinute: '138',
        },
        activeDuration: '2400s',
      },
    });
    expectCreateBody('exercise', body);
    expectCivilInZone('Asia/Kolkata', intervalTimes(body.exercise.interval));
    const point = exerciseDataPointSchema.parse(stored('exercise', body));
    // +05:30 has no Etc zone: zoneless unless the settings zone names it.
    expect(workoutFromDataPoint(point, SOURCE).timezone).to.equal(null);
    expect(workoutFromDataPoint(point, inZone('Asia/Kolkata')).timezone).to.equal('Asia/Kolkata');
  });

  const workout = fc
    .record({
      recordId,
      workoutType: fc.constantFrom(...WORKOUT_TYPES),
      title: fc.option(fc.string({ maxLength: 40 }), { nil: null }),
      notes: fc.option(fc.string({ maxLength: 40 }), { nil: null }),
      start: instantMs,
      lengthMs: fc.integer({ min: 1000, max: 12 * 3_600_000 }),
      movingShare: fc.double({ min: 0, max: 1, noNaN: true }),
      distanceMeters: fc.option(fc.double({ min: 0, max: 1e6, noNaN: true }), { nil: null }),
      calories: fc.option(fc.double({ min: 0, max: 1e4, noNaN: true }), { nil: null }),
      elevationGainMeters: fc.option(fc.double({ min: -500, max: 9000, noNaN: true }), { nil: null }),
      averageHeartRate: fc.option(fc.integer({ min: 20, max: 250 }), { nil: null }),
      deviceName: fc.option(fc.string({ maxLength: 30 }), { nil: null }),
      timezone: zone,
    })
    .map((w): CanonicalWorkout => ({
      recordId: w.recordId,
      sourceId: 'conn_source',
      provider: 'garmin',
      workoutType: w.workoutType,
      title: w.title,
      notes: w.notes,
      startTime: new Date(w.start).toISOString(),
      endTime: new Date(w.start + w.lengthMs).toISOString(),
      durationSeconds: Math.round(w.lengthMs * w.movingShare) / 1000,
      distanceMeters: w.distanceMeters,
      calories: w.calories,
      elevationGainMeters: w.elevationGainMeters,
      averageHeartRate: w.averageHeartRate,
      maxHeartRate: null,
      deviceName: w.deviceName,
      timezone: w.timezone,
      lastModified: new Date(w.start + w.lengthMs).toISOString(),
    }));

  it('property: create bodies conform to the discovery document, civil times are the record zone’s wall clock', () => {
    fc.assert(
      fc.property(workout, fc.boolean(), (w, named) => {
        const body = exerciseCreateBody(w, named ? clientDataPointId(w.sourceId, w.recordId) : undefined);
        expectCreateBody('exercise', body);
        expectCivilInZone(w.timezone, intervalTimes(body.exercise.interval));
      }),
    );
  });

  it('property: workout → Google → workout keeps type, times, duration, metrics, notes, device and zone', () => {
    fc.assert(
      fc.property(workout, (w) => {
        const id = clientDataPointId(w.sourceId, w.recordId);
        const point = exerciseDataPointSchema.parse(stored('exercise', exerciseCreateBody(w, id)));
        const back = workoutFromDataPoint(point, inZone(w.timezone));
        expectCanonical('CanonicalWorkout', back);
        expect(back).to.include({
          recordId: id,
          workoutType: w.workoutType,
          startTime: w.startTime,
          endTime: w.endTime,
          durationSeconds: w.durationSeconds,
          calories: w.calories,
          averageHeartRate: w.averageHeartRate,
          notes: w.notes || null,
          deviceName: w.deviceName || null,
          // A zoneless record was written at UTC and comes back as UTC.
          timezone: w.timezone ?? 'Etc/UTC',
          lastModified: new Date(CREATED).toISOString(),
        });
        // Google keeps the client's name for OTHER only.
        if (w.workoutType === 'other') expect(back.title).to.equal(w.title || 'Workout');
        for (const key of ['distanceMeters', 'elevationGainMeters'] as const)
          if (w[key] === null) expect(back[key]).to.equal(null);
          else expect(back[key]).to.be.closeTo(w[key]!, 1e-9 * Math.max(1, Math.abs(w[key]!)));
        expectOffsetZone(workoutFromDataPoint(point, SOURCE).timezone, w.timezone, w.startTime);
      }),
    );
  });
});

// ---------------------------------------------------------------- sleep

describe('Google Health mapping: sleep ⇄ sleep session', () => {
  // New York, night of the DST end: in bed 22:30 EDT (UTC−4), up 06:30 EST (UTC−5), nine hours.
  const dstNight: CanonicalSleepSession = {
    recordId: '44120398772',
    sourceId: 'conn_fitbit',
    provider: 'fitbit',
    startTime: '2024-11-03T02:30:00.000Z',
    endTime: '2024-11-03T11:30:00.000Z',
    durationSeconds: 29_400,
    efficiency: 91,
    sleepStages: [
      { stage: 'awake', startTime: '2024-11-03T02:30:00.000Z', endTime: '2024-11-03T02:50:00.000Z' },
      { stage: 'light', startTime: '2024-11-03T02:50:00.000Z', endTime: '2024-11-03T04:30:00.000Z' },
      { stage: 'deep', startTime: '2024-11-03T04:30:00.000Z', endTime: '2024-11-03T05:30:00.000Z' },
      // 01:30 EDT → 01:30 EST: the repeated hour.
      { stage: 'rem', startTime: '2024-11-03T05:30:00.000Z', endTime: '2024-11-03T06:30:00.000Z' },
      { stage: 'light', startTime: '2024-11-03T06:30:00.000Z', endTime: '2024-11-03T10:20:00.000Z' },
      { stage: 'awake', startTime: '2024-11-03T10:20:00.000Z', endTime: '2024-11-03T10:50:00.000Z' },
      { stage: 'rem', startTime: '2024-11-03T10:50:00.000Z', endTime: '2024-11-03T11:30:00.000Z' },
    ],
    stageSummary: { awakeSeconds: 3000, lightSeconds: 19_800, deepSeconds: 3600, remSeconds: 6000 },
    timezone: 'America/New_York',
    lastModified: '2024-11-03T11:35:00.000Z',
  };

  it('writes a DST-crossing night with the offset of each instant, so civil times stay New York wall clock', () => {
    const body = sleepCreateBody(dstNight, 'sw-night-1');
    expect(body.sleep.interval).to.deep.equal({
      startTime: '2024-11-03T02:30:00.000Z',
      startUtcOffset: '-14400s',
      endTime: '2024-11-03T11:30:00.000Z',
      endUtcOffset: '-18000s',
    });
    expect(body.sleep.type).to.equal('STAGES');
    expect(body.sleep.stages!.map((s) => [s.type, s.startUtcOffset, s.endUtcOffset])).to.deep.equal([
      ['AWAKE', '-14400s', '-14400s'],
      ['LIGHT', '-14400s', '-14400s'],
      ['DEEP', '-14400s', '-14400s'],
      ['REM', '-14400s', '-18000s'],
      ['LIGHT', '-18000s', '-18000s'],
      ['AWAKE', '-18000s', '-18000s'],
      ['REM', '-18000s', '-18000s'],
    ]);
    expectCreateBody('sleep', body);
    expectCivilInZone('America/New_York', [
      ...intervalTimes(body.sleep.interval),
      ...body.sleep.stages!.flatMap(intervalTimes),
    ]);
    const stored6 = stored('sleep', body) as {
      sleep: { interval: { civilStartTime: unknown; civilEndTime: unknown } };
    };
    expect(stored6.sleep.interval.civilStartTime).to.deep.equal({
      date: { year: 2024, month: 11, day: 2 },
      time: { hours: 22, minutes: 30 },
    });
    expect(stored6.sleep.interval.civilEndTime).to.deep.equal({
      date: { year: 2024, month: 11, day: 3 },
      time: { hours: 6, minutes: 30 },
    });
  });

  it('reads it back whole in the settings zone, and as its start offset without one', () => {
    const point = sleepDataPointSchema.parse(stored('sleep', sleepCreateBody(dstNight, 'sw-night-1')));
    const back = sleepFromDataPoint(point, inZone('America/New_York'));
    expectCanonical('CanonicalSleepSession', back);
    expect(back).to.deep.equal({
      ...dstNight,
      recordId: 'sw-night-1',
      sourceId: SOURCE.sourceId,
      lastModified: new Date(CREATED).toISOString(),
    });
    expect(sleepFromDataPoint(point, SOURCE).timezone).to.equal('Etc/GMT+4');
  });

  it('reads a classic sleep (asleep/restless/awake) without stages, time asleep from Google’s summary', () => {
    const point = sleepDataPointSchema.parse({
      name: `users/${HEALTH_USER}/dataTypes/sleep/dataPoints/yyy`,
      dataSource: { recordingMethod: 'MANUAL', platform: 'FITBIT' },
      sleep: {
        interval: {
          startTime: '2026-04-04T18:39:00Z',
          startUtcOffset: '7200s',
          endTime: '2026-04-05T02:39:00Z',
          endUtcOffset: '7200s',
        },
        type: 'CLASSIC',
        stages: [
          {
            startTime: '2026-04-04T18:39:00Z',
            startUtcOffset: '7200s',
            endTime: '2026-04-05T02:29:00Z',
            endUtcOffset: '7200s',
            type: 'ASLEEP',
          },
          {
            startTime: '2026-04-05T02:29:00Z',
            startUtcOffset: '7200s',
            endTime: '2026-04-05T02:39:00Z',
            endUtcOffset: '7200s',
            type: 'RESTLESS',
          },
        ],
        metadata: { stagesStatus: 'REJECTED_SERVER', processed: true, externalId: '' },
        summary: {
          minutesInSleepPeriod: '480',
          minutesAsleep: '470',
          minutesAwake: '0',
          stagesSummary: [
            { type: 'ASLEEP', minutes: '470', count: '1' },
            { type: 'RESTLESS', minutes: '10', count: '1' },
          ],
        },
        createTime: '2026-04-05T02:39:44.295167Z',
        updateTime: '2026-04-05T02:39:44.648127Z',
      },
    });
    const sleep = sleepFromDataPoint(point, SOURCE);
    expectCanonical('CanonicalSleepSession', sleep);
    expect(sleep).to.deep.equal({
      recordId: 'yyy',
      sourceId: SOURCE.sourceId,
      provider: 'fitbit',
      startTime: '2026-04-04T18:39:00.000Z',
      endTime: '2026-04-05T02:39:00.000Z',
      durationSeconds: 28_200,
      efficiency: 98,
      timezone: 'Etc/GMT-2',
      lastModified: '2026-04-05T02:39:44.648Z',
    });
  });

  it('writes a session without a hypnogram as its interval only (Google computes the rest)', () => {
    const { sleepStages: _stages, stageSummary: _summary, ...plain } = dstNight;
    const body = sleepCreateBody({ ...plain, timezone: null });
    expect(body).to.deep.equal({
      sleep: {
        interval: {
          startTime: '2024-11-03T02:30:00.000Z',
          startUtcOffset: '0s',
          endTime: '2024-11-03T11:30:00.000Z',
          endUtcOffset: '0s',
        },
      },
    });
    expectCreateBody('sleep', body);
  });

  const STAGES = ['awake', 'light', 'deep', 'rem'] as const;
  const night = fc
    .record({
      recordId,
      start: instantMs,
      hypnogram: fc.array(fc.tuple(fc.constantFrom(...STAGES), fc.integer({ min: 1, max: 90 })), {
        minLength: 1,
        maxLength: 14,
      }),
      timezone: zone,
    })
    .map(({ recordId, start, hypnogram, timezone }): CanonicalSleepSession => {
      let t = start;
      const sleepStages = hypnogram.map(([stage, minutes]) => {
        const s = {
          stage,
          startTime: new Date(t).toISOString(),
          endTime: new Date(t + minutes * 60_000).toISOString(),
        };
        t += minutes * 60_000;
        return s;
      });
      const total = (stage: (typeof STAGES)[number]) =>
        hypnogram.filter(([s]) => s === stage).reduce((sum, [, m]) => sum + m * 60, 0);
      const asleep = total('light') + total('deep') + total('rem');
      return {
        recordId,
        sourceId: 'conn_garmin',
        provider: 'garmin',
        startTime: new Date(start).toISOString(),
        endTime: new Date(t).toISOString(),
        durationSeconds: asleep,
        efficiency: Math.min(100, Math.round((asleep / ((t - start) / 1000)) * 100)),
        sleepStages,
        stageSummary: {
          awakeSeconds: total('awake'),
          lightSeconds: total('light'),
          deepSeconds: total('deep'),
          remSeconds: total('rem'),
        },
        timezone,
        lastModified: new Date(t).toISOString(),
      };
    });

  it('property: create bodies conform, every time (interval and stages) is the record zone’s wall clock', () => {
    fc.assert(
      fc.property(night, (s) => {
        const body = sleepCreateBody(s, clientDataPointId(s.sourceId, s.recordId));
        expectCreateBody('sleep', body);
        expectCivilInZone(s.timezone, [
          ...intervalTimes(body.sleep.interval),
          ...body.sleep.stages!.flatMap(intervalTimes),
        ]);
      }),
    );
  });

  it('property: session → Google → session keeps times, hypnogram, time asleep, stage totals, efficiency and zone', () => {
    fc.assert(
      fc.property(night, (s) => {
        const id = clientDataPointId(s.sourceId, s.recordId);
        const point = sleepDataPointSchema.parse(stored('sleep', sleepCreateBody(s, id)));
        const back = sleepFromDataPoint(point, inZone(s.timezone));
        expectCanonical('CanonicalSleepSession', back);
        expect(back).to.deep.equal({
          ...s,
          recordId: id,
          sourceId: SOURCE.sourceId,
          provider: SOURCE.provider,
          timezone: s.timezone ?? 'Etc/UTC',
          lastModified: new Date(CREATED).toISOString(),
        });
        expectOffsetZone(sleepFromDataPoint(point, SOURCE).timezone, s.timezone, s.startTime);
      }),
    );
  });
});

// ---------------------------------------------------------------- steps

describe('Google Health mapping: steps ⇄ daily steps', () => {
  const interval = (start: string, minutes: number, offset: string, count?: string) => ({
    steps: {
      interval: {
        startTime: start,
        startUtcOffset: offset,
        endTime: new Date(Date.parse(start) + minutes * 60_000).toISOString(),
        endUtcOffset: offset,
      },
      ...(count === undefined ? {} : { count }),
    },
  });

  it('sums intervals into local days of Asia/Kolkata (+05:30): 19:00Z is already the next day', () => {
    const listed = {
      dataPoints: [
        // Newest first, as Google lists them.
        interval('2024-03-01T19:00:00Z', 1, '19800s', '40'),
        interval('2024-03-01T18:00:00Z', 1, '19800s', '0'),
        interval('2024-03-01T10:15:00Z', 1, '19800s', '512'),
        interval('2024-03-01T03:00:00Z', 1, '19800s', '88'),
      ],
      nextPageToken: 'page-2',
    };
    expect(validateResponse('health.users.dataTypes.dataPoints.list', listed)).to.deep.equal([]);
    const days = stepsFromDataPoints(stepsListSchema.parse(listed).dataPoints, SOURCE);
    days.forEach((d) => expectCanonical('CanonicalSteps', d));
    expect(days).to.deep.equal([
      {
        recordId: '2024-03-01',
        sourceId: SOURCE.sourceId,
        provider: 'fitbit',
        date: '2024-03-01',
        steps: 600,
        stepsTimeseries: [
          { startTime: '2024-03-01T03:00:00.000Z', endTime: '2024-03-01T03:01:00.000Z', steps: 88 },
          { startTime: '2024-03-01T10:15:00.000Z', endTime: '2024-03-01T10:16:00.000Z', steps: 512 },
          { startTime: '2024-03-01T18:00:00.000Z', endTime: '2024-03-01T18:01:00.000Z', steps: 0 },
        ],
        timezone: null,
        lastModified: '2024-03-01T18:01:00.000Z',
      },
      {
        recordId: '2024-03-02',
        sourceId: SOURCE.sourceId,
        provider: 'fitbit',
        date: '2024-03-02',
        steps: 40,
        stepsTimeseries: [
          { startTime: '2024-03-01T19:00:00.000Z', endTime: '2024-03-01T19:01:00.000Z', steps: 40 },
        ],
        timezone: null,
        lastModified: '2024-03-01T19:01:00.000Z',
      },
    ]);
    const named = stepsFromDataPoints(stepsListSchema.parse(listed).dataPoints, inZone('Asia/Kolkata'));
    expect(named.map((d) => d.timezone)).to.deep.equal(['Asia/Kolkata', 'Asia/Kolkata']);
  });

  it('sums a 25-hour DST day of minute intervals per hour (the canonical series holds 1440 items)', () => {
    const dayStart = localDayStart('America/New_York', '2024-11-03').getTime();
    const points = Array.from({ length: 1500 }, (_, i) => {
      const start = dayStart + i * 60_000;
      const offset = `${offsetMinutes('America/New_York', new Date(start)) * 60}s`;
      return interval(new Date(start).toISOString(), 1, offset, '2');
    });
    const [day, ...rest] = stepsFromDataPoints(
      stepsListSchema.parse({ dataPoints: points }).dataPoints,
      inZone('America/New_York'),
    );
    expect(rest).to.deep.equal([]);
    expectCanonical('CanonicalSteps', day);
    expect([day!.date, day!.steps, day!.stepsTimeseries!.length, day!.timezone]).to.deep.equal([
      '2024-11-03',
      3000,
      25,
      'America/New_York',
    ]);
    expect(day!.stepsTimeseries![0]).to.deep.equal({
      startTime: '2024-11-03T04:00:00.000Z',
      endTime: '2024-11-03T05:00:00.000Z',
      steps: 120,
    });
  });

  it('writes a day without a series as one interval from local midnight to local midnight', () => {
    const day: CanonicalSteps = {
      recordId: '2024-03-31',
      sourceId: 'conn_fitbit',
      provider: 'fitbit',
      date: '2024-03-31',
      steps: 10_432,
      timezone: 'Europe/Berlin',
      lastModified: '2024-03-31T21:58:00Z',
    };
    const bodies = stepsCreateBodies(day);
    // The DST start: a 23-hour day, +01:00 at its start and +02:00 at its end.
    expect(bodies).to.deep.equal([
      {
        steps: {
          interval: {
            startTime: '2024-03-30T23:00:00.000Z',
            startUtcOffset: '3600s',
            endTime: '2024-03-31T22:00:00.000Z',
            endUtcOffset: '7200s',
          },
          count: '10432',
        },
      },
    ]);
    bodies.forEach((b) => expectCreateBody('steps', b));
    expect(() => stepsCreateBodies({ ...day, steps: 1_000_001 })).to.throw(RangeError);
  });

  const stepsDay = fc
    .record({
      date: fc.integer({ min: MIN, max: MAX }).map((t) => new Date(t).toISOString().slice(0, 10)),
      timezone: zone,
      minutes: fc.uniqueArray(fc.integer({ min: 0, max: 1379 }), { maxLength: 60 }),
      counts: fc.array(fc.integer({ min: 0, max: 200 }), { minLength: 60, maxLength: 60 }),
    })
    .map(({ date, timezone, minutes, counts }): CanonicalSteps => {
      const start = localDayStart(timezone ?? 'Etc/UTC', date).getTime();
      const stepsTimeseries = [...minutes]
        .sort((a, b) => a - b)
        .map((m, i) => ({
          startTime: new Date(start + m * 60_000).toISOString(),
          endTime: new Date(start + (m + 1) * 60_000).toISOString(),
          steps: counts[i]!,
        }));
      return {
        recordId: date,
        sourceId: 'conn_health_connect',
        provider: 'health_connect',
        date,
        steps: stepsTimeseries.reduce((sum, i) => sum + i.steps, 0),
        ...(stepsTimeseries.length ? { stepsTimeseries } : {}),
        timezone,
        lastModified: new Date(start).toISOString(),
      };
    });

  it('property: create bodies conform, their civil times are the record zone’s wall clock', () => {
    fc.assert(
      fc.property(stepsDay, (s) => {
        for (const body of stepsCreateBodies(s)) {
          expectCreateBody('steps', body);
          expectCivilInZone(s.timezone, intervalTimes(body.steps.interval));
        }
      }),
    );
  });

  it('property: day → Google → day keeps the date, the total, the series and the zone', () => {
    fc.assert(
      fc.property(stepsDay, (s) => {
        const points = stepsCreateBodies(s).map((b) => stored('steps', b));
        const parsed = stepsListSchema.parse({ dataPoints: points }).dataPoints;
        const [back, ...rest] = stepsFromDataPoints(parsed, inZone(s.timezone));
        expect(rest).to.deep.equal([]);
        expectCanonical('CanonicalSteps', back);
        expect(back).to.include({
          recordId: s.date,
          date: s.date,
          steps: s.steps,
          timezone: s.timezone ?? 'Etc/UTC',
        });
        if (s.stepsTimeseries) expect(back!.stepsTimeseries).to.deep.equal(s.stepsTimeseries);
        const dayStart = localDayStart(s.timezone ?? 'Etc/UTC', s.date).toISOString();
        expectOffsetZone(
          stepsFromDataPoints(parsed, SOURCE)[0]!.timezone,
          s.timezone,
          s.stepsTimeseries?.[0]?.startTime ?? dayStart,
        );
      }),
    );
  });
});

// ---------------------------------------------------------------- weight

describe('Google Health mapping: weight ⇄ weight', () => {
  const kolkata: CanonicalWeight = {
    recordId: '5A1C3E2F',
    sourceId: 'com.apple.Health',
    provider: 'apple_health',
    measuredAt: '2024-03-02T01:25:00Z',
    weightKg: 72.4,
    bodyFatPercentage: 18.2,
    bmi: 22.9,
    timezone: 'Asia/Kolkata',
    lastModified: '2024-03-02T01:25:04Z',
  };

  it('writes grams at the Asia/Kolkata offset, reads kilograms back, zoneless without the settings zone', () => {
    const body = weightCreateBody(kolkata, 'sw-w-1');
    expect(body).to.deep.equal({
      name: 'users/me/dataTypes/weight/dataPoints/sw-w-1',
      weight: {
        sampleTime: { physicalTime: '2024-03-02T01:25:00.000Z', utcOffset: '19800s' },
        weightGrams: 72_400,
      },
    });
    expectCreateBody('weight', body);
    const returned = stored('weight', body) as {
      weight: { sampleTime: { civilTime: unknown } };
    };
    expect(returned.weight.sampleTime.civilTime).to.deep.equal({
      date: { year: 2024, month: 3, day: 2 },
      time: { hours: 6, minutes: 55 },
    });
    const point = weightDataPointSchema.parse(returned);
    const back = weightFromDataPoint(point, SOURCE)!;
    expectCanonical('CanonicalWeight', back);
    expect(back).to.deep.equal({
      recordId: 'sw-w-1',
      sourceId: SOURCE.sourceId,
      provider: 'fitbit',
      measuredAt: '2024-03-02T01:25:00.000Z',
      weightKg: 72.4,
      // Body fat and BMI are separate Google data types.
      bodyFatPercentage: null,
      bmi: null,
      timezone: null,
      lastModified: '2024-03-02T01:25:00.000Z',
    });
    expect(weightFromDataPoint(point, inZone('Asia/Kolkata'))!.timezone).to.equal('Asia/Kolkata');
  });

  it('derives a missing offset from the civil time, and skips weights the canonical model cannot hold', () => {
    const point = (weightGrams: number, sampleTime: object) =>
      weightDataPointSchema.parse({
        name: 'users/me/dataTypes/weight/dataPoints/w-2',
        weight: { sampleTime, weightGrams },
      });
    const civilOnly = point(80_000, {
      physicalTime: '2024-07-01T05:00:00Z',
      civilTime: { date: { year: 2024, month: 7, day: 1 }, time: { hours: 7 } },
    });
    expect(weightFromDataPoint(civilOnly, inZone('Europe/Berlin'))!.timezone).to.equal('Europe/Berlin');
    expect(
      weightFromDataPoint(point(80_000, { physicalTime: '2024-07-01T05:00:00Z' }), SOURCE)!.timezone,
    ).to.equal(null);
    expect(
      weightFromDataPoint(point(500, { physicalTime: '2024-07-01T05:00:00Z', utcOffset: '0s' }), SOURCE),
    ).to.equal(null);
    expect(
      weightFromDataPoint(point(600_000, { physicalTime: '2024-07-01T05:00:00Z', utcOffset: '0s' }), SOURCE),
    ).to.equal(null);
  });

  const weight = fc
    .record({ recordId, at: instantMs, kg: fc.double({ min: 1, max: 500, noNaN: true }), timezone: zone })
    .map(({ recordId, at, kg, timezone }): CanonicalWeight => ({
      recordId,
      sourceId: 'conn_withings',
      provider: 'garmin',
      measuredAt: new Date(at).toISOString(),
      weightKg: kg,
      bodyFatPercentage: null,
      bmi: null,
      timezone,
      lastModified: new Date(at).toISOString(),
    }));

  it('property: create bodies conform; weight → Google → weight keeps the time, the weight to the gram and the zone', () => {
    fc.assert(
      fc.property(weight, (w) => {
        const id = clientDataPointId(w.sourceId, w.recordId);
        const body = weightCreateBody(w, id);
        expectCreateBody('weight', body);
        expectCivilInZone(w.timezone, [
          { time: body.weight.sampleTime.physicalTime, offset: body.weight.sampleTime.utcOffset },
        ]);
        const point = weightDataPointSchema.parse(stored('weight', body));
        const back = weightFromDataPoint(point, inZone(w.timezone))!;
        expectCanonical('CanonicalWeight', back);
        expect(back).to.include({
          recordId: id,
          measuredAt: w.measuredAt,
          timezone: w.timezone ?? 'Etc/UTC',
        });
        expect(back.weightKg).to.be.closeTo(w.weightKg, 0.0005 + 1e-9);
        expectOffsetZone(weightFromDataPoint(point, SOURCE)!.timezone, w.timezone, w.measuredAt);
      }),
    );
  });
});

// ---------------------------------------------------------------- payload schemas

describe('Google Health payload schemas', () => {
  const exercise = {
    name: 'users/me/dataTypes/exercise/dataPoints/e-1',
    exercise: {
      interval: {
        startTime: '2026-01-15T12:00:00Z',
        startUtcOffset: '0s',
        endTime: '2026-01-15T13:00:00Z',
        endUtcOffset: '0s',
      },
      exerciseType: 'RUNNING',
      metricsSummary: {},
    },
  };
  const patched = (patch: (p: typeof exercise) => void) => {
    const copy = structuredClone(exercise);
    patch(copy);
    return copy;
  };

  it('accepts fields and enum values Google may add', () => {
    const parsed = exerciseDataPointSchema.parse(
      patched((p) => {
        Object.assign(p.exercise, { exerciseType: 'UNDERWATER_HOCKEY', futureField: { x: 1 } });
        Object.assign(p, { futureTopLevel: true });
      }),
    );
    expect(parsed.exercise.exerciseType).to.equal('UNDERWATER_HOCKEY');
  });

  it('rejects what the documented shape forbids', () => {
    const rejected = [
      patched((p) => (p.exercise.interval.endTime = '2026-01-15T11:00:00Z')),
      patched((p) => (p.exercise.interval.startUtcOffset = '-5h')),
      patched((p) => (p.exercise.interval.startTime = '2026-01-15 12:00')),
      patched((p) => (p.name = 'users/me/dataTypes/sleep/dataPoints/e-1')),
      patched((p) => delete (p as Partial<typeof exercise>).exercise),
      patched((p) => (p.exercise.metricsSummary = { averageHeartRateBeatsPerMinute: 'fast' } as never)),
    ];
    for (const body of rejected)
      expect(exerciseDataPointSchema.safeParse(body).success, JSON.stringify(body)).to.equal(false);
    const steps = (count: unknown) =>
      stepsListSchema.safeParse({ dataPoints: [{ steps: { interval: exercise.exercise.interval, count } }] })
        .success;
    expect([steps('1000000'), steps(12), steps('1000001'), steps('-1')]).to.deep.equal([
      true,
      true,
      false,
      false,
    ]);
  });

  it('reads identities and Google error bodies', () => {
    expect(
      identitySchema.parse({ name: 'users/me/identity', healthUserId: HEALTH_USER, legacyUserId: 'ABC123' }),
    ).to.include({
      healthUserId: HEALTH_USER,
      legacyUserId: 'ABC123',
    });
    expect(identitySchema.safeParse({ healthUserId: 'not/an/id' }).success).to.equal(false);
    const error = {
      error: {
        code: 400,
        message: 'Invalid time range',
        status: 'INVALID_ARGUMENT',
        details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'INVALID_TIME_RANGE' }],
      },
    };
    expect(validateResponse('health.users.dataTypes.dataPoints.create', error, 400)).to.deep.equal([]);
    expect(googleErrorSchema.parse(error).error.details![0]).to.include({ reason: 'INVALID_TIME_RANGE' });
    expect(googleErrorSchema.safeParse({ error: { code: 400, message: 'x' } }).success).to.equal(false);
  });
});
