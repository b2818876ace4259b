// Property tests of the C-006 rules: for any canonical record (and any unexpected field a provider
// might add), nothing the table removes, and no raw series, survives; times are on quarter hours;
// the source id is hashed per user; what C-006 keeps is kept exactly.
import { expect } from 'chai';
import fc from 'fast-check';
import { Anonymizer, toQuarterHour } from './anonymizer.js';
import type { CanonicalRecord } from '../domain/types.js';
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import addFormatsPlugin from 'ajv-formats';
import { parse } from 'yaml';

// The contract's AnonymizedRecord, from the bundle the API validates against.
const addFormats = addFormatsPlugin as unknown as (ajv: Ajv) => Ajv;
const ajv = addFormats(new Ajv({ strict: false, allErrors: true }));
ajv.addSchema({
  $id: 'openapi',
  components: (parse(readFileSync('generated/openapi.bundle.gen.yaml', 'utf8')) as { components: unknown })
    .components,
});
const validateAnonymized = ajv.getSchema('openapi#/components/schemas/AnonymizedRecord')!;
function assertValid(record: unknown): void {
  if (!validateAnonymized(record))
    throw new Error(
      `not an AnonymizedRecord: ${ajv.errorsText(validateAnonymized.errors)} in ${JSON.stringify(record)}`,
    );
}

const MIN = Date.parse('2000-01-01T00:00:00Z');
const MAX = Date.parse('2040-01-01T00:00:00Z');
const instant = fc.integer({ min: MIN, max: MAX }).map((ms) => new Date(ms).toISOString());
// Free text a user could type: marked so a leak is found wherever it ends up.
const pii = fc.string({ minLength: 1, maxLength: 30 }).map((s) => `PII<${s}>`);
const provider = fc.constantFrom(
  'strava',
  'fitbit',
  'garmin',
  'google_fit',
  'apple_health',
  'health_connect',
);
const zone = fc.option(fc.constantFrom('America/New_York', 'Europe/Berlin', 'Asia/Kolkata'), { nil: null });
const ids = { recordId: pii, sourceId: pii };

/** Fields no canonical model defines, with identifying values: the allowlist must drop them. */
const extras = fc.record(
  {
    userId: pii,
    sourcePayload: fc.record({ athlete: fc.record({ firstname: pii, city: pii }) }),
    weatherInfo: fc.record({
      conditions: fc.constantFrom('Cloudy', 'Sunny'),
      temperatureC: fc.integer(),
      station: pii,
    }),
    email: pii,
  },
  { requiredKeys: [] },
);

const series = <T>(item: fc.Arbitrary<T>) => fc.array(item, { maxLength: 50 });

const workout = fc.record({
  ...ids,
  provider,
  timezone: zone,
  lastModified: instant,
  workoutType: fc.constantFrom('running', 'cycling', 'swimming', 'walking'),
  title: fc.option(pii, { nil: null }),
  notes: fc.option(pii, { nil: null }),
  startTime: instant,
  endTime: instant,
  durationSeconds: fc.integer({ min: 0, max: 86_400 }),
  distanceMeters: fc.option(fc.double({ min: 0, max: 1e6, noNaN: true }), { nil: null }),
  calories: fc.option(fc.integer({ min: 0, max: 10_000 }), { nil: null }),
  elevationGainMeters: fc.option(fc.integer({ min: -500, max: 9000 }), { nil: null }),
  averageHeartRate: fc.option(fc.integer({ min: 30, max: 220 }), { nil: null }),
  maxHeartRate: fc.option(fc.integer({ min: 30, max: 240 }), { nil: null }),
  heartRateSamples: series(fc.record({ time: instant, bpm: fc.integer({ min: 30, max: 240 }) })),
  route: series(
    fc.record({
      time: instant,
      latitude: fc.double({ min: -89.9, max: 89.9, noNaN: true }),
      longitude: fc.double({ min: -179.9, max: 179.9, noNaN: true }),
      altitudeMeters: fc.option(fc.integer({ min: -400, max: 8848 }), { nil: null }),
    }),
  ),
  deviceName: fc.option(pii, { nil: null }),
});

const sleep = fc.record({
  ...ids,
  provider,
  timezone: zone,
  lastModified: instant,
  startTime: instant,
  endTime: instant,
  durationSeconds: fc.integer({ min: 0, max: 86_400 }),
  efficiency: fc.option(fc.integer({ min: 0, max: 100 }), { nil: null }),
  sleepStages: series(
    fc.record({
      stage: fc.constantFrom('awake', 'light', 'deep', 'rem'),
      startTime: instant,
      endTime: instant,
    }),
  ),
});

const steps = fc.record({
  ...ids,
  provider,
  timezone: zone,
  lastModified: instant,
  date: instant.map((i) => i.slice(0, 10)),
  steps: fc.integer({ min: 0, max: 100_000 }),
  stepsTimeseries: series(
    fc.record({ startTime: instant, endTime: instant, steps: fc.integer({ min: 0, max: 5000 }) }),
  ),
});

const weight = fc.record({
  ...ids,
  provider,
  timezone: zone,
  lastModified: instant,
  measuredAt: instant,
  weightKg: fc.double({ min: 1, max: 500, noNaN: true }),
  bodyFatPercentage: fc.option(fc.double({ min: 0, max: 100, noNaN: true }), { nil: null }),
  bmi: fc.option(fc.double({ min: 5, max: 100, noNaN: true }), { nil: null }),
});

const record = fc
  .tuple(fc.oneof(workout, sleep, steps, weight), extras)
  .map(([r, more]) => ({ ...more, ...r }) as unknown as CanonicalRecord);

const anonymizer = new Anonymizer('test-secret');
const RUNS = { numRuns: 300 };

/** Every string anywhere in a JSON value. */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}

describe('anonymizer (C-006), for any canonical record', () => {
  it('lets no identifier, free text, raw payload or unknown field through', () => {
    fc.assert(
      fc.property(pii, fc.array(record, { minLength: 1, maxLength: 5 }), (userId, records) => {
        const out = anonymizer.anonymize(userId, records);
        const text = JSON.stringify(out);
        expect(text).not.to.include('PII<');
        expect(text).not.to.include(userId);
        for (const o of out)
          for (const gone of [
            'userId',
            'recordId',
            'sourceId',
            'title',
            'notes',
            'deviceName',
            'sourcePayload',
            'weatherInfo',
            'email',
            'lastModified',
          ])
            expect(o, gone).not.to.have.property(gone);
      }),
      RUNS,
    );
  });

  it('keeps no raw series: heart rate, route, steps and sleep stages become summaries', () => {
    fc.assert(
      fc.property(record, (r) => {
        const [o] = anonymizer.anonymize('user_1', [r]);
        const text = JSON.stringify(o);
        for (const series of [
          'heartRateSamples',
          'route',
          'stepsTimeseries',
          'sleepStages',
          'latitude',
          'longitude',
          'bpm',
        ])
          expect(text, series).not.to.include(`"${series}"`);
        if (o!.dataType === 'steps' && o!.hourlySteps)
          for (const h of o!.hourlySteps) expect(Date.parse(h.hour) % 3_600_000).to.equal(0);
      }),
      RUNS,
    );
  });

  it('rounds every time to the nearest quarter hour', () => {
    fc.assert(
      fc.property(record, (r) => {
        const [o] = anonymizer.anonymize('user_1', [r]);
        const times = [o!, ...Object.values(o!)]
          .flatMap((v) => (v && typeof v === 'object' ? Object.entries(v) : []))
          .filter(([k]) => k === 'startTime' || k === 'endTime' || k === 'measuredAt')
          .map(([, v]) => v as string);
        for (const t of times) expect(Date.parse(t) % (15 * 60_000), t).to.equal(0);
        const original = r as unknown as Record<string, string>;
        for (const k of ['startTime', 'endTime', 'measuredAt'] as const)
          if (k in original) {
            expect((o as unknown as Record<string, string>)[k]).to.equal(toQuarterHour(original[k]!));
            expect(
              Math.abs(Date.parse((o as unknown as Record<string, string>)[k]!) - Date.parse(original[k]!)),
            ).to.be.at.most(7.5 * 60_000);
          }
      }),
      RUNS,
    );
  });

  it('hashes the source id with a per-user salt: stable for one user, different across users', () => {
    fc.assert(
      fc.property(record, pii, pii, (r, a, b) => {
        fc.pre(a !== b);
        const [first] = anonymizer.anonymize(a, [r]);
        const [again] = anonymizer.anonymize(a, [r]);
        const [other] = anonymizer.anonymize(b, [r]);
        expect(first!.sourceIdHash)
          .to.equal(again!.sourceIdHash)
          .and.match(/^[A-Za-z0-9_-]{22}$/);
        expect(first!.sourceIdHash).not.to.equal(other!.sourceIdHash);
        expect(new Anonymizer('another-secret').anonymize(a, [r])[0]!.sourceIdHash).not.to.equal(
          first!.sourceIdHash,
        );
      }),
      RUNS,
    );
  });

  it('keeps what C-006 keeps, exactly, and answers in the contract’s schema', () => {
    fc.assert(
      fc.property(record, (r) => {
        const [o] = anonymizer.anonymize('user_1', [r]);
        assertValid(o);
        const src = r as unknown as Record<string, unknown>;
        const out = o as unknown as Record<string, unknown>;
        for (const k of [
          'calories',
          'steps',
          'distanceMeters',
          'weightKg',
          'bodyFatPercentage',
          'bmi',
          'durationSeconds',
          'provider',
          'timezone',
        ])
          if (k in src) expect(out[k], k).to.deep.equal(src[k]);
        // No string of the input survives but the kept enumerations, zones and dates.
        const kept = new Set(
          [src.provider, src.timezone, src.workoutType, src.date].filter((v) => typeof v === 'string'),
        );
        for (const s of strings(o))
          if (!kept.has(s) && s !== o!.dataType && s !== o!.sourceIdHash)
            expect(s).to.match(/^\d{4}-\d\d-\d\dT/);
      }),
      RUNS,
    );
  });

  it('aggregates exactly: heart-rate avg/min/max, hourly step totals, sleep stage seconds', () => {
    const hr = [100, 120, 140];
    const [w] = anonymizer.anonymize('u', [
      {
        recordId: 'r',
        sourceId: 's',
        provider: 'strava',
        timezone: null,
        lastModified: '2024-03-02T07:50:00Z',
        workoutType: 'running',
        startTime: '2024-03-02T07:07:29Z',
        endTime: '2024-03-02T07:52:29Z',
        durationSeconds: 2700,
        heartRateSamples: hr.map((bpm, i) => ({ time: `2024-03-02T07:1${i}:00Z`, bpm })),
        route: [
          { time: '2024-03-02T07:10:00Z', latitude: 37.2, longitude: -122.6, altitudeMeters: null },
          { time: '2024-03-02T07:20:00Z', latitude: 37.8, longitude: -122.2, altitudeMeters: null },
        ],
      } as CanonicalRecord,
    ]);
    expect(w).to.deep.include({
      startTime: '2024-03-02T07:00:00.000Z',
      endTime: '2024-03-02T07:45:00.000Z',
      heartRate: { avg: 120, min: 100, max: 140, samples: 3 },
      region: { latitudeCell: 37, longitudeCell: -123 },
    });
    const [s] = anonymizer.anonymize('u', [
      {
        recordId: 'r',
        sourceId: 's',
        provider: 'garmin',
        timezone: null,
        lastModified: '2024-03-02T23:00:00Z',
        date: '2024-03-02',
        steps: 600,
        stepsTimeseries: [
          { startTime: '2024-03-02T08:00:00Z', endTime: '2024-03-02T08:15:00Z', steps: 100 },
          { startTime: '2024-03-02T08:45:00Z', endTime: '2024-03-02T09:00:00Z', steps: 200 },
          { startTime: '2024-03-02T09:00:00Z', endTime: '2024-03-02T09:15:00Z', steps: 300 },
        ],
      } as CanonicalRecord,
    ]);
    expect(s).to.deep.include({
      hourlySteps: [
        { hour: '2024-03-02T08:00:00.000Z', steps: 300 },
        { hour: '2024-03-02T09:00:00.000Z', steps: 300 },
      ],
    });
    const [z] = anonymizer.anonymize('u', [
      {
        recordId: 'r',
        sourceId: 's',
        provider: 'fitbit',
        timezone: null,
        lastModified: '2024-03-02T07:00:00Z',
        startTime: '2024-03-01T23:00:00Z',
        endTime: '2024-03-02T01:00:00Z',
        durationSeconds: 7200,
        sleepStages: [
          { stage: 'light', startTime: '2024-03-01T23:00:00Z', endTime: '2024-03-01T23:40:00Z' },
          { stage: 'deep', startTime: '2024-03-01T23:40:00Z', endTime: '2024-03-02T00:30:00Z' },
          { stage: 'light', startTime: '2024-03-02T00:30:00Z', endTime: '2024-03-02T01:00:00Z' },
        ],
      } as CanonicalRecord,
    ]);
    expect(z).to.deep.include({
      stageTotals: { awakeSeconds: 0, lightSeconds: 4200, deepSeconds: 3000, remSeconds: 0 },
    });
  });
});
