// `npm run bench:export`: one data export of a person with a year of workouts, sleep, steps and
// weight at every connected cloud provider (the sandbox's persona over 365 days), through the real
// API and worker processes against the local stack. Prints how long the export took (POST to
// SUCCEEDED), the worker's memory while it ran (peak RSS and peak V8 heap, sampled every 100 ms,
// against its resting figures just before), the ZIP's size and the records per data type; then
// downloads the archive through the presigned URL and checks it unzips into the six files with the
// records the export reported. A full run writes bench/results/export-latest.json.
//
// Processes: this one (fixtures, measurement), the local stack with the sandbox, the API and the
// worker, each separate so /proc/<pid>/status and the worker's own memoryUsage() (over IPC) are the
// worker's alone.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import type { CloudProvider, ExportJob } from '../core/domain/types.js';
import { freePort } from '../infra/local/freePort.js';
import { zipEntries } from '../test/support/zipEntries.js';
import { mintDevToken } from '../infra/local/devIssuer.js';
import { REPO_ROOT, spawnNode, type NodeChild } from './lib/proc.js';
import { nonFiniteFigures, positive, resultsFile, smokeVerdict, smokeWatchdog } from './lib/smoke.js';
import { round } from './lib/stats.js';
import {
  WIDE,
  connect,
  json,
  startApiProcess,
  startStack,
  systemEnv,
  widenSandboxLimits,
} from './lib/system.js';

process.removeAllListeners('warning');

const CLOUD: readonly CloudProvider[] = ['strava', 'fitbit', 'garmin', 'google_fit'];
const FILES = ['workouts.json', 'sleep.json', 'steps.json', 'weight.json', 'account.json', 'manifest.json'];

const { values: given } = parseArgs({
  options: {
    days: { type: 'string' },
    providers: { type: 'string' },
    'log-level': { type: 'string', default: 'warn' },
    out: { type: 'string' },
    smoke: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
const SMOKE = given.smoke ?? false;
const defaults = SMOKE
  ? { days: '14', providers: CLOUD.join(',') }
  : { days: '365', providers: CLOUD.join(',') };
const args = { ...defaults, ...given };
if (args.help) {
  console.log(`npm run bench:export -- [options]
  --days N          the person's history and the export's look-back, in days        [365]
  --providers LIST  cloud providers connected, comma-separated  [strava,fitbit,garmin,google_fit]
  --log-level L     the API's and the worker's LOG_LEVEL                               [warn]
  --out FILE        JSON results                          [bench/results/export-latest.json]
  --smoke           14 days (options above override): exit 1 unless the export succeeded, its
                    archive unzipped into every file and every figure is a measurement; writes
                    bench/results/export-smoke.json.tmp`);
  process.exit(0);
}
const DAYS = Number(args.days);
if (!Number.isInteger(DAYS) || DAYS < 1 || DAYS > 3650)
  throw new Error('--days must be an integer in 1-3650');
const PROVIDERS = args.providers.split(',').map((p) => p.trim()) as CloudProvider[];
for (const p of PROVIDERS)
  if (!CLOUD.includes(p)) throw new Error(`--providers: ${p} is not a cloud provider`);
const OUT = resultsFile('export', SMOKE, args.out, 'bench/results/export-latest.json');
const LOG_DIR = path.join(REPO_ROOT, '.state', 'bench');
mkdirSync(LOG_DIR, { recursive: true });

const MB = 1024 * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The worker's resident set (VmRSS) from /proc, in bytes. */
function rssOf(pid: number): number {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** The worker's V8 heap in use, asked over IPC (worker/main.ts answers `stats` with memoryUsage()). */
function heapOf(worker: NodeChild): Promise<number> {
  return new Promise((resolve) => {
    const onMessage = (m: { type?: string; memory?: NodeJS.MemoryUsage }) => {
      if (m.type !== 'stats') return;
      worker.process.off('message', onMessage);
      resolve(m.memory?.heapUsed ?? Number.NaN);
    };
    worker.process.on('message', onMessage);
    worker.process.send({ type: 'stats' });
  });
}

/** Entry names and the number of array elements of each JSON data file of the ZIP. */
async function inspectZip(bytes: Buffer): Promise<Record<string, number>> {
  const entries: Record<string, number> = {};
  for (const [name, text] of await zipEntries(bytes)) {
    const parsed = JSON.parse(text) as unknown;
    entries[name] = Array.isArray(parsed) ? parsed.length : 1;
  }
  return entries;
}

async function main(): Promise<void> {
  const stack = await startStack(path.join(LOG_DIR, 'export-bench-stack.log'));
  const children: NodeChild[] = [stack.child];
  try {
    const port = String(await freePort());
    const apiUrl = `http://127.0.0.1:${port}`;
    const env = systemEnv(stack.env, port, {
      LOG_LEVEL: args['log-level'] ?? 'warn',
      EXPORT_LOOKBACK_DAYS: String(DAYS),
      // Nothing else runs in this worker: every message it receives is the export's.
      WORKER_WAIT_TIME_SECONDS: '1',
    });
    const sandboxUrl = env.PROVIDER_SANDBOX_URL!;
    await widenSandboxLimits(sandboxUrl);
    for (const [provider, settings] of [
      ['fitbit', { hourlyLimit: WIDE }],
      ['garmin', { rateLimitPerMinute: WIDE }],
    ] as const)
      await json(
        await fetch(`${sandboxUrl}/_sandbox/configure`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ provider, settings }),
        }),
      );
    await startApiProcess(env, path.join(LOG_DIR, 'export-bench-api.log'), children);
    const worker = spawnNode({
      name: 'worker',
      script: 'worker/main.ts',
      env,
      logFile: path.join(LOG_DIR, 'export-bench-worker.log'),
    });
    children.push(worker);

    console.log(
      `fixture: a person with ${DAYS} days of history at ${PROVIDERS.join(', ')} (OAuth through the API)...`,
    );
    const userId = `exp-${randomUUID().slice(0, 8)}`;
    const authorization = `Bearer ${await mintDevToken(userId, { tier: 'PRO', expiresInSeconds: 3 * 3600 })}`;
    const person = await json<{ sandboxUserId: string }>(
      await fetch(`${sandboxUrl}/_sandbox/users`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: userId, persona: { days: DAYS } }),
      }),
    );
    for (const provider of PROVIDERS) await connect(apiUrl, authorization, provider, person.sandboxUserId);

    // The worker at rest (started, connected, idle) before the export.
    await sleep(1000);
    const restingRss = rssOf(worker.pid);
    const restingHeap = await heapOf(worker);
    let peakRss = restingRss;
    let peakHeap = restingHeap;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        peakRss = Math.max(peakRss, rssOf(worker.pid));
        peakHeap = Math.max(peakHeap, await heapOf(worker));
        await sleep(100);
      }
    })();

    const t0 = performance.now();
    const created = await json<{ jobId: string }>(
      await fetch(`${apiUrl}/v1/export-jobs`, {
        method: 'POST',
        headers: { authorization, 'idempotency-key': randomUUID() },
      }),
    );
    let job: ExportJob;
    for (;;) {
      job = await json<ExportJob>(
        await fetch(`${apiUrl}/v1/export-jobs/${created.jobId}`, { headers: { authorization } }),
      );
      if (job.status === 'SUCCEEDED' || job.status === 'FAILED') break;
      if (performance.now() - t0 > (SMOKE ? 120_000 : 3_600_000))
        throw new Error(`export still ${job.status}`);
      await sleep(250);
    }
    const seconds = (performance.now() - t0) / 1000;
    sampling = false;
    await sampler;
    if (job.status !== 'SUCCEEDED') throw new Error(`export ${job.status}: ${JSON.stringify(job.error)}`);

    const download = await fetch(job.downloadUrl!);
    const bytes = Buffer.from(await download.arrayBuffer());
    const entries = await inspectZip(bytes);
    const records = Object.fromEntries((job.progress ?? []).map((p) => [p.dataType, p.recordCount]));
    const recordsTotal = Object.values(records).reduce((n, r) => n + r, 0);
    const results = {
      seconds: round(seconds, 2),
      zipBytes: job.sizeBytes ?? Number.NaN,
      zipMiB: round((job.sizeBytes ?? Number.NaN) / MB, 2),
      records,
      recordsTotal,
      recordsPerSecond: round(recordsTotal / seconds, 1),
      worker: {
        restingRssMiB: round(restingRss / MB, 1),
        peakRssMiB: round(peakRss / MB, 1),
        restingHeapMiB: round(restingHeap / MB, 1),
        peakHeapMiB: round(peakHeap / MB, 1),
      },
      missing: job.missing ?? [],
      files: entries,
    };
    console.log(
      `export of ${DAYS} days: ${results.seconds} s, ${recordsTotal} records (${Object.entries(records)
        .map(([t, n]) => `${t} ${n}`)
        .join(', ')}), ZIP ${results.zipMiB} MiB\n` +
        `worker memory: RSS ${results.worker.restingRssMiB} → peak ${results.worker.peakRssMiB} MiB, ` +
        `V8 heap ${results.worker.restingHeapMiB} → peak ${results.worker.peakHeapMiB} MiB`,
    );
    writeFileSync(
      OUT,
      `${JSON.stringify({ when: new Date().toISOString(), options: { days: DAYS, providers: PROVIDERS }, ...results }, null, 2)}\n`,
    );
    console.log(`\nresults: ${path.relative(REPO_ROOT, OUT)}`);

    const problems = [
      ...FILES.filter((f) => !(f in entries)).map((f) => `the archive lacks ${f}`),
      ...(bytes.length !== job.sizeBytes
        ? [`downloaded ${bytes.length} bytes, the export says ${job.sizeBytes}`]
        : []),
      ...(entries['workouts.json'] !== records.workout
        ? [`workouts.json holds ${entries['workouts.json']} records, the export counted ${records.workout}`]
        : []),
      ...(results.missing.length > 0 ? [`missing data: ${JSON.stringify(results.missing)}`] : []),
    ];
    if (SMOKE)
      process.exitCode = smokeVerdict('export', [
        ...problems,
        ...positive('records exported', recordsTotal),
        ...positive('ZIP size', results.zipBytes),
        ...positive('worker peak RSS', results.worker.peakRssMiB),
        ...positive('worker peak heap', results.worker.peakHeapMiB),
        ...nonFiniteFigures(results, 'results'),
      ]);
    else if (problems.length > 0) {
      for (const p of problems) console.error(p);
      process.exitCode = 1;
    }
  } finally {
    for (const child of children.reverse()) await child.stop(30_000);
  }
}

if (SMOKE) smokeWatchdog('export', 240);
await main();
