// `npm run bench:anonymizer`: what the anonymizer (core/anonymizer/, C-006) costs per record, in
// process: p50/p99 per record for each data type at realistic sizes (an hour-long workout with a
// heart-rate sample and a route point every second, a night of sleep stages, a day of 15-minute
// step intervals, a weight), and the throughput of mixed batches of 500 (the endpoint's limit).
// The seed's SLO is p99 < 50 ms for the proxy; the figures say how far below it the transform is.
// A full run writes bench/results/anonymizer-latest.json; `--smoke` runs a few hundred records.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Anonymizer } from '../core/anonymizer/anonymizer.js';
import type { CanonicalRecord } from '../core/domain/types.js';
import { nonFiniteFigures, positive, resultsFile, smokeVerdict } from './lib/smoke.js';
import { percentile, round } from './lib/stats.js';

const { values: args } = parseArgs({
  options: {
    records: { type: 'string' },
    out: { type: 'string' },
    smoke: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log(`npm run bench:anonymizer -- [options]
  --records N   records per data type (timed one by one)                 [2000; smoke 100]
  --out FILE    JSON results                  [bench/results/anonymizer-latest.json]
  --smoke       a short run that checks the benchmark works (no targets)`);
  process.exit(0);
}
const SMOKE = args.smoke ?? false;
const N = Number(args.records ?? (SMOKE ? 100 : 2000));

const START = Date.parse('2026-03-02T07:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

function workout(i: number): CanonicalRecord {
  const start = START + i * 86_400_000;
  return {
    recordId: `w${i}`,
    sourceId: 'conn_7c9e6679-7425-40de-944b-e07fc1f90ae7',
    provider: 'strava',
    timezone: 'America/Los_Angeles',
    lastModified: iso(start + 3_700_000),
    workoutType: 'running',
    title: 'Morning run with Jane Doe',
    notes: 'felt good',
    startTime: iso(start),
    endTime: iso(start + 3_600_000),
    durationSeconds: 3600,
    distanceMeters: 10_000,
    calories: 700,
    elevationGainMeters: 80,
    averageHeartRate: 150,
    maxHeartRate: 180,
    heartRateSamples: Array.from({ length: 3600 }, (_, s) => ({
      time: iso(start + s * 1000),
      bpm: 120 + (s % 60),
    })),
    route: Array.from({ length: 3600 }, (_, s) => ({
      time: iso(start + s * 1000),
      latitude: 37.77 + s * 1e-5,
      longitude: -122.42 + s * 1e-5,
      altitudeMeters: 10,
    })),
    deviceName: "Jane's watch",
  } as CanonicalRecord;
}

function sleep(i: number): CanonicalRecord {
  const start = START + i * 86_400_000 - 9 * 3_600_000;
  const stages = ['light', 'deep', 'light', 'rem', 'awake'] as const;
  return {
    recordId: `s${i}`,
    sourceId: 'conn_1b4e28ba-2fa1-4d2b-883f-0016d3cca427',
    provider: 'fitbit',
    timezone: 'Europe/Berlin',
    lastModified: iso(start + 8 * 3_600_000),
    startTime: iso(start),
    endTime: iso(start + 8 * 3_600_000),
    durationSeconds: 8 * 3600,
    efficiency: 92,
    sleepStages: Array.from({ length: 32 }, (_, k) => ({
      stage: stages[k % stages.length],
      startTime: iso(start + k * 900_000),
      endTime: iso(start + (k + 1) * 900_000),
    })),
  } as CanonicalRecord;
}

function steps(i: number): CanonicalRecord {
  const day = START + i * 86_400_000;
  return {
    recordId: `st${i}`,
    sourceId: 'conn_steps',
    provider: 'garmin',
    timezone: null,
    lastModified: iso(day),
    date: iso(day).slice(0, 10),
    steps: 96 * 120,
    stepsTimeseries: Array.from({ length: 96 }, (_, k) => ({
      startTime: iso(day + k * 900_000),
      endTime: iso(day + (k + 1) * 900_000),
      steps: 120,
    })),
  } as CanonicalRecord;
}

function weight(i: number): CanonicalRecord {
  const at = START + i * 86_400_000;
  return {
    recordId: `wt${i}`,
    sourceId: 'com.apple.Health',
    provider: 'apple_health',
    timezone: 'America/New_York',
    lastModified: iso(at),
    measuredAt: iso(at),
    weightKg: 72.4,
    bodyFatPercentage: 18.2,
    bmi: 22.9,
  } as CanonicalRecord;
}

const anonymizer = new Anonymizer('bench-secret');
const MAKERS = { workout, sleep, steps, weight };

interface PerType {
  dataType: string;
  records: number;
  p50Micros: number;
  p99Micros: number;
  maxMicros: number;
}

function timeEach(dataType: keyof typeof MAKERS): PerType {
  // Records are made one at a time (a workout holds 7,200 samples and points): memory stays flat.
  for (let i = 0; i < Math.min(200, N); i++) anonymizer.anonymize('user_bench', [MAKERS[dataType](i)]); // JIT warm-up
  const micros: number[] = [];
  for (let i = 0; i < N; i++) {
    const record = MAKERS[dataType](i);
    const t0 = performance.now();
    anonymizer.anonymize('user_bench', [record]);
    micros.push((performance.now() - t0) * 1000);
  }
  return {
    dataType,
    records: N,
    p50Micros: round(percentile(micros, 50), 1),
    p99Micros: round(percentile(micros, 99), 1),
    maxMicros: round(Math.max(...micros), 1),
  };
}

const started = performance.now();
const perType = (Object.keys(MAKERS) as (keyof typeof MAKERS)[]).map(timeEach);
for (const t of perType)
  console.log(
    `${t.dataType.padEnd(8)} ${String(t.records).padStart(6)} records  p50 ${String(t.p50Micros).padStart(8)} µs  ` +
      `p99 ${String(t.p99Micros).padStart(8)} µs  max ${String(t.maxMicros).padStart(8)} µs`,
  );

// Mixed batches of 500 (the endpoint's limit): what one proxy call costs.
const TYPES = Object.keys(MAKERS) as (keyof typeof MAKERS)[];
const batch = Array.from({ length: 500 }, (_, i) => MAKERS[TYPES[i % TYPES.length]!](i));
const batches = SMOKE ? 3 : 20;
const batchMs: number[] = [];
for (let b = 0; b < batches; b++) {
  const t0 = performance.now();
  anonymizer.anonymize('user_bench', batch);
  batchMs.push(performance.now() - t0);
}
const mixed = {
  batchRecords: batch.length,
  batches,
  p50Ms: round(percentile(batchMs, 50), 2),
  p99Ms: round(percentile(batchMs, 99), 2),
  recordsPerSecond: round(batch.length / (percentile(batchMs, 50) / 1000), 0),
};
console.log(
  `mixed batches of ${mixed.batchRecords}: p50 ${mixed.p50Ms} ms, p99 ${mixed.p99Ms} ms, ${mixed.recordsPerSecond} records/s`,
);

const results = {
  generatedAt: new Date().toISOString(),
  durationSeconds: round((performance.now() - started) / 1000, 1),
  node: process.version,
  perType,
  mixed,
};
const file = resultsFile('anonymizer', SMOKE, args.out, 'bench/results/anonymizer-latest.json');
mkdirSync(path.dirname(file), { recursive: true });
writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
console.log(`\nresults: ${path.relative(process.cwd(), file)}`);
if (SMOKE) {
  const problems = [
    ...nonFiniteFigures(results),
    ...perType.flatMap((t) => positive(`${t.dataType} p50`, t.p50Micros)),
    ...positive('mixed records/s', mixed.recordsPerSecond),
  ];
  process.exit(smokeVerdict('anonymizer', problems));
}
