// `npm run bench:device`: the phone's two sync paths against the real API, worker and provider
// sandbox, driven by device simulators (test/support/deviceSimulator.ts: the SDK's device module over
// an in-memory HealthKit). Prints, for device uploads (Model 2, Apple Health → Strava): records/s,
// the API process's CPU per record and per request, and one upload request's p50/p99; first with
// every record new (written to Strava), then again from reinstalled apps (every record found in the
// ledger, nothing written). For the cloud → device round trip (Model 3, Garmin → Apple Health): the
// p50/p99 from POST /v1/sync-jobs to SUCCEEDED through pullPendingWork, split into the wait for the
// job to park and the phone's work, with the API's and the worker's CPU per round trip. For a
// foreground app's sync (Garmin → Strava, cloud to cloud): POST /v1/sync-jobs then polling
// GET /v1/sync-jobs/{id}, next to a `sync` frame on an open socket (the SDK's requestSync) in the
// same run, alternating, each with its p50/p99 and the API's and the worker's CPU per job. See
// bench/results/README.md.
//
// Processes: this one (fixtures, simulators, measurement), the local stack with the sandbox, the API
// and the worker, each separate so /proc/<pid>/stat gives the API's and the worker's CPU alone.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import {
  createSyncSocket,
  createSyncWellClient,
  type CanonicalRecord,
  type DeviceWorkOutcome,
  type SyncSocket,
} from '../client-sdk/dist/index.js';
import { clock } from '../core/clock/clock.js';
import { freePort } from '../infra/local/freePort.js';
import { mintDevToken } from '../infra/local/devIssuer.js';
import { DeviceSimulator } from '../test/support/deviceSimulator.js';
import { processCpuMicros, REPO_ROOT, spawnNode, type NodeChild } from './lib/proc.js';
import { nonFiniteFigures, positive, resultsFile, smokeVerdict, smokeWatchdog } from './lib/smoke.js';
import { metricTotal, scrapeMetrics } from './lib/prometheus.js';
import { percentile, round } from './lib/stats.js';
import {
  WIDE,
  connect,
  createUsers,
  createWorkoutConfig,
  json,
  startApiProcess,
  startStack,
  systemEnv,
  widenSandboxLimits,
} from './lib/system.js';

process.removeAllListeners('warning');

const { values: given } = parseArgs({
  options: {
    'upload-users': { type: 'string' },
    records: { type: 'string' },
    batch: { type: 'string' },
    concurrency: { type: 'string' },
    'round-trips': { type: 'string' },
    'poll-ms': { type: 'string' },
    'socket-jobs': { type: 'string' },
    'log-level': { type: 'string', default: 'warn' },
    out: { type: 'string' },
    smoke: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
const SMOKE = given.smoke ?? false;
// The full run's defaults, or the smoke run's (bench/lib/smoke.ts): the same phases, tiny sizes.
const defaults = SMOKE
  ? {
      'upload-users': '2',
      records: '20',
      batch: '10',
      concurrency: '2',
      'round-trips': '3',
      'poll-ms': '25',
      'socket-jobs': '3',
    }
  : {
      'upload-users': '10',
      records: '1000',
      batch: '500',
      concurrency: '4',
      'round-trips': '40',
      'poll-ms': '25',
      'socket-jobs': '40',
    };
// parseArgs leaves options that were not given out of `given`: those take the defaults.
const args = { ...defaults, ...given };
if (args.help) {
  console.log(`npm run bench:device -- [options]
  --upload-users N   phones uploading Apple Health workouts to Strava            [10]
  --records N        workouts each phone uploads                                 [1000]
  --batch N          records per POST /v1/device-upload (at most 500)            [500]
  --concurrency N    phones uploading at the same time                           [4]
  --round-trips N    Garmin → Apple Health jobs, one after the other, a user each [40]
  --poll-ms N        the phone's pause between two pullPendingWork (or GET job) calls [25]
  --socket-jobs N    Garmin → Strava syncs by POST + polling, and as many over the socket [40]
  --log-level L      the API's and the worker's LOG_LEVEL                        [warn]
  --out FILE         JSON results                                                [bench/results/device-latest.json]
  --smoke            2 phones × 20 records in batches of 10, 3 round trips, 3 + 3 foreground syncs
                     (options above override):
                     exit 1 unless every upload and round trip succeeded and measured; writes
                     bench/results/device-smoke.json.tmp`);
  process.exit(0);
}
const int = (name: string, v: string | undefined) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer`);
  return n;
};
const UPLOAD_USERS = int('upload-users', args['upload-users']);
const RECORDS = int('records', args.records);
const BATCH = int('batch', args.batch);
const CONCURRENCY = int('concurrency', args.concurrency);
const ROUND_TRIPS = int('round-trips', args['round-trips']);
const POLL_MS = int('poll-ms', args['poll-ms']);
const SOCKET_JOBS = int('socket-jobs', args['socket-jobs']);
if (BATCH > 500) throw new Error('--batch must be at most 500 (the contract bound)');
const OUT = resultsFile('device', SMOKE, args.out, 'bench/results/device-latest.json');
const LOG_DIR = path.join(REPO_ROOT, '.state', 'bench');
mkdirSync(LOG_DIR, { recursive: true });

/**
 * Workouts this far apart never look like one workout with a time-zone bug: up to the largest shift
 * (14 h), no multiple of 97 minutes is within a minute of whole hours (37 minutes would be: 13 × 37
 * minutes is 8 h 01).
 */
const SPACING_MS = 97 * 60_000;
const RUN = Math.floor(clock.now() / 1000).toString(36);

interface UploadPhase {
  name: string;
  phones: number;
  records: number;
  requests: number;
  seconds: number;
  recordsPerSecond: number;
  apiCpuMicrosPerRecord: number;
  apiCpuMicrosPerRequest: number;
  requestP50Ms: number;
  requestP99Ms: number;
  written: number;
  skipped: number;
  failures: string[];
}

interface RoundTripPhase {
  roundTrips: number;
  succeeded: number;
  recordsWrittenPerRoundTrip: number;
  p50Ms: number;
  p99Ms: number;
  /** POST → the first pullPendingWork that found the job's read request (the worker parked it). */
  parkP50Ms: number;
  parkP99Ms: number;
  /** That pullPendingWork: read the store, answer, fetch the staged records, write, confirm. */
  phoneP50Ms: number;
  phoneP99Ms: number;
  apiCpuMicrosPerRoundTrip: number;
  workerCpuMicrosPerRoundTrip: number;
  failures: string[];
}

/** A foreground sync by one method: POST + polling, or the socket. */
interface ForegroundPhase {
  method: 'POST + polling' | 'socket';
  jobs: number;
  succeeded: number;
  p50Ms: number;
  p99Ms: number;
  /** The API's CPU per job: a socket sync runs in the API process when it has room. */
  apiCpuMicrosPerJob: number;
  /** The worker's CPU per job: the whole sync for POST, the standing-by message for the socket. */
  workerCpuMicrosPerJob: number;
  /** HTTP requests (POST and every GET) or frames sent, per job. */
  callsPerJob: number;
  /** Jobs the API process ran itself (its metrics), the rest a worker ran. */
  ranInApi: number;
}

/** Runs `fn` over `items`, at most `limit` at a time. */
async function pool<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return out;
}

/** `count` workouts on the phone's watch, one every 97 minutes going back from an hour ago. */
function watchWorkouts(count: number): CanonicalRecord[] {
  const newest = Math.floor(clock.now() / 60_000) * 60_000 - 3_600_000;
  return Array.from({ length: count }, (_, k) => {
    const start = newest - k * SPACING_MS;
    const seconds = 1200 + (k % 7) * 30;
    return {
      recordId: `AH-${RUN}-${k}-${Math.random().toString(36).slice(2, 10)}`.toUpperCase(),
      sourceId: 'com.apple.health',
      provider: 'apple_health',
      workoutType: 'running',
      title: `Run ${k}`,
      startTime: new Date(start).toISOString(),
      endTime: new Date(start + seconds * 1000).toISOString(),
      durationSeconds: seconds,
      distanceMeters: seconds * 3,
      calories: Math.round(seconds / 6),
      timezone: 'Europe/Berlin',
      lastModified: new Date(start + seconds * 1000 + 120_000).toISOString(),
    };
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const stack = await startStack(path.join(LOG_DIR, 'device-bench-stack.log'));
  const children: NodeChild[] = [stack.child];
  try {
    const port = String(await freePort());
    const apiUrl = `http://127.0.0.1:${port}`;
    const env = systemEnv(stack.env, port, {
      LOG_LEVEL: args['log-level'] ?? 'warn',
      SYNC_INITIAL_LOOKBACK_DAYS: '7',
    });
    const sandboxUrl = env.PROVIDER_SANDBOX_URL!;
    await widenSandboxLimits(sandboxUrl);
    await json(
      await fetch(`${sandboxUrl}/_sandbox/configure`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ provider: 'garmin', settings: { rateLimitPerMinute: WIDE } }),
      }),
    );
    // The API's own metrics: jobs it finished itself (socket syncs its runner took) are counted there.
    const apiMetricsPort = String(await freePort());
    const api = await startApiProcess(
      { ...env, METRICS_PORT: apiMetricsPort, METRICS_HOST: '127.0.0.1' },
      path.join(LOG_DIR, 'device-bench-api.log'),
      children,
    );
    const jobsFinishedInApi = async () =>
      metricTotal(
        await scrapeMetrics(`http://127.0.0.1:${apiMetricsPort}/metrics`),
        'syncwell_sync_jobs_total',
        {
          outcome: 'succeeded',
        },
      );
    const worker = spawnNode({
      name: 'worker',
      script: 'worker/main.ts',
      env,
      logFile: path.join(LOG_DIR, 'device-bench-worker.log'),
    });
    children.push(worker);

    // Every upload request's duration, from the phones' own fetch.
    const uploadLatencies: number[] = [];
    const uploadStatuses: number[] = [];
    const timedFetch: typeof fetch = async (input, init) => {
      if (init?.method !== 'POST' || !String(input).endsWith('/v1/device-upload')) return fetch(input, init);
      const t0 = performance.now();
      const res = await fetch(input, init);
      await res.clone().arrayBuffer();
      uploadLatencies.push(performance.now() - t0);
      uploadStatuses.push(res.status);
      return res;
    };

    /** A user with a sandbox person, a phone (registered, Apple Health connected) and `provider` connected. */
    async function phoneUser(tag: string, i: number, provider: 'strava' | 'garmin', empty: boolean) {
      const userId = `${tag}-${RUN}-${String(i).padStart(4, '0')}`;
      const authorization = `Bearer ${await mintDevToken(userId, { tier: 'PRO', expiresInSeconds: 3 * 3600 })}`;
      const person = await json<{ sandboxUserId: string }>(
        await fetch(`${sandboxUrl}/_sandbox/users`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ name: userId, persona: { empty } }),
        }),
      );
      const phone = await DeviceSimulator.start({
        baseUrl: apiUrl,
        userId,
        maxBatchRecords: BATCH,
        initialLookbackDays: Math.ceil((RECORDS * SPACING_MS) / 86_400_000) + 2,
        fetch: timedFetch,
        // A failure is a finding here, not something to retry past.
        retry: { maxAttempts: 1 },
      });
      const connectionId = await connect(apiUrl, authorization, provider, person.sandboxUserId);
      return { userId, sandboxUserId: person.sandboxUserId, phone, connectionId };
    }

    console.log(
      `fixtures: ${UPLOAD_USERS} phones with ${RECORDS} workouts each and Strava, ${ROUND_TRIPS} phones with Garmin (OAuth through the API)...`,
    );
    const uploaders = await pool(
      Array.from({ length: UPLOAD_USERS }, (_, i) => i),
      10,
      (i) => phoneUser('db-u', i, 'strava', true),
    );
    for (const u of uploaders) for (const r of watchWorkouts(RECORDS)) u.phone.store.seed(r);
    const roundTrippers = await pool(
      Array.from({ length: ROUND_TRIPS }, (_, i) => i),
      10,
      async (i) => {
        const u = await phoneUser('db-r', i, 'garmin', false);
        await u.phone.client.createSyncConfig({
          sourceConnectionId: u.connectionId,
          destinationConnectionId: u.phone.healthConnectionId,
          dataType: 'workout',
        });
        return u;
      },
    );

    // Foreground syncs: pairs of Garmin → Strava users, one syncing by POST + polling, one by socket.
    const foreground = await createUsers(apiUrl, sandboxUrl, 2 * SOCKET_JOBS, {
      empty: false,
      tag: `db-f-${RUN}`,
      source: 'garmin',
      destination: 'strava',
    });
    await pool(foreground, 10, (u) => createWorkoutConfig(apiUrl, u));

    async function uploadPhase(
      name: string,
      phones: DeviceSimulator[],
      strava: string[],
    ): Promise<UploadPhase> {
      uploadLatencies.length = 0;
      uploadStatuses.length = 0;
      const failures: string[] = [];
      const cpu0 = processCpuMicros(api.pid);
      const t0 = performance.now();
      const summaries = await pool(
        phones.map((phone, i) => ({ phone, destination: strava[i]! })),
        CONCURRENCY,
        async ({ phone, destination }) => {
          try {
            const s = await phone.device.upload('workout', destination);
            if (s.queued) failures.push(`${name}: an upload went to the offline log`);
            if (s.changed !== RECORDS)
              failures.push(`${name}: ${s.changed} changed records, expected ${RECORDS}`);
            return s;
          } catch (error) {
            failures.push(`${name}: ${(error as Error).message}`);
            return undefined;
          }
        },
      );
      const seconds = (performance.now() - t0) / 1000;
      const cpu = processCpuMicros(api.pid) - cpu0;
      const records = summaries.reduce((n, s) => n + (s?.changed ?? 0), 0);
      const requests = uploadLatencies.length;
      const bad = uploadStatuses.filter((s) => s !== 200).length;
      if (bad > 0) failures.push(`${name}: ${bad} upload requests answered other than 200`);
      const phase: UploadPhase = {
        name,
        phones: phones.length,
        records,
        requests,
        seconds: round(seconds, 2),
        recordsPerSecond: round(records / seconds, 1),
        apiCpuMicrosPerRecord: round(cpu / records),
        apiCpuMicrosPerRequest: round(cpu / requests),
        requestP50Ms: round(percentile(uploadLatencies, 50), 1),
        requestP99Ms: round(percentile(uploadLatencies, 99), 1),
        written: summaries.reduce((n, s) => n + (s?.written ?? 0), 0),
        skipped: summaries.reduce((n, s) => n + (s?.skipped ?? 0), 0),
        failures,
      };
      console.log(
        `${name.padEnd(36)} ${String(records).padStart(6)} records ${String(phase.recordsPerSecond).padStart(8)} records/s  ` +
          `API CPU ${String(phase.apiCpuMicrosPerRecord).padStart(6)} µs/record ${String(phase.apiCpuMicrosPerRequest).padStart(8)} µs/request  ` +
          `request p50 ${phase.requestP50Ms} ms p99 ${phase.requestP99Ms} ms  written ${phase.written} skipped ${phase.skipped}`,
      );
      return phase;
    }

    /** One Garmin → Apple Health job, from POST to SUCCEEDED, the phone pulling its work. */
    async function roundTrip(u: (typeof roundTrippers)[number]) {
      const t0 = performance.now();
      const { jobId } = await u.phone.client.createSyncJob({
        sourceConnectionId: u.connectionId,
        destinationConnectionId: u.phone.healthConnectionId,
        dataType: 'workout',
        mode: 'manual',
      });
      let outcomes: DeviceWorkOutcome[];
      let found: number;
      for (let polls = 1; ; polls += 1) {
        found = performance.now();
        outcomes = await u.phone.device.pullPendingWork();
        if (outcomes.length > 0) break;
        if (polls % 40 === 0) {
          const job = await u.phone.client.getSyncJob(jobId);
          if (job.status === 'SUCCEEDED' || job.status === 'FAILED')
            throw new Error(`job ${jobId} ended ${job.status} without asking the phone`);
        }
        if (performance.now() - t0 > 60_000) throw new Error(`job ${jobId} did not reach the phone in 60 s`);
        await sleep(POLL_MS);
      }
      const done = performance.now();
      const failed = outcomes.filter((o) => 'error' in o);
      if (failed.length > 0) throw new Error(`job ${jobId}: ${JSON.stringify(failed)}`);
      const job = await u.phone.client.getSyncJob(jobId);
      if (job.status !== 'SUCCEEDED') throw new Error(`job ${jobId} is ${job.status} after the phone's work`);
      return {
        totalMs: done - t0,
        parkMs: found - t0,
        phoneMs: done - found,
        written: job.result?.recordsWritten ?? 0,
      };
    }

    /** POST /v1/sync-jobs, then GET /v1/sync-jobs/{id} every POLL_MS until it is final. */
    async function postAndPoll(u: (typeof foreground)[number], calls: { n: number }) {
      const client = createSyncWellClient({
        baseUrl: apiUrl,
        getToken: async () => u.authorization.slice('Bearer '.length),
        fetch: (input, init) => {
          calls.n += 1;
          return fetch(input, init);
        },
        retry: { maxAttempts: 1 },
      });
      const t0 = performance.now();
      const { jobId } = await client.createSyncJob({
        sourceConnectionId: u.source,
        destinationConnectionId: u.destination,
        dataType: 'workout',
        mode: 'manual',
      });
      for (;;) {
        const job = await client.getSyncJob(jobId);
        if (job.status === 'SUCCEEDED') return performance.now() - t0;
        if (job.status === 'FAILED') throw new Error(`job ${jobId} failed: ${JSON.stringify(job.error)}`);
        if (performance.now() - t0 > 60_000) throw new Error(`job ${jobId} not final after 60 s`);
        await sleep(POLL_MS);
      }
    }

    /** A connected socket (a foreground app has one open), for `socketSync`. */
    async function openSocket(u: (typeof foreground)[number]): Promise<SyncSocket> {
      let opened: () => void;
      const open = new Promise<void>((resolve) => (opened = resolve));
      const socket = createSyncSocket({
        baseUrl: apiUrl,
        getToken: async () => u.authorization.slice('Bearer '.length),
        WebSocket,
        onEvent: (event) => {
          if (event.type === 'state' && event.state === 'open') opened();
        },
      });
      socket.connect();
      await open;
      return socket;
    }

    /** A `sync` frame on an open socket, until its SyncResultFrame. */
    async function socketSync(u: (typeof foreground)[number], socket: SyncSocket) {
      const t0 = performance.now();
      const result = await socket.requestSync({
        sourceConnectionId: u.source,
        destinationConnectionId: u.destination,
        dataType: 'workout',
      });
      if (result.status !== 'SUCCEEDED')
        throw new Error(`socket job ${result.jobId} ended ${result.status}: ${JSON.stringify(result)}`);
      return performance.now() - t0;
    }

    console.log('warm-up...');
    // Not measured: the first requests of a process pay for compilation and connections.
    const warm = await phoneUser('db-w', 0, 'strava', true);
    for (const r of watchWorkouts(Math.min(RECORDS, 2 * BATCH))) warm.phone.store.seed(r);
    await warm.phone.device.upload('workout', warm.connectionId);
    console.log('');

    const strava = uploaders.map((u) => u.connectionId);
    const first = await uploadPhase(
      'upload: every record new',
      uploaders.map((u) => u.phone),
      strava,
    );
    const again = await uploadPhase(
      'upload again (reinstalled app)',
      uploaders.map((u) => u.phone.withFreshState()),
      strava,
    );
    for (const u of uploaders) {
      const atStrava = await json<unknown[]>(
        await fetch(
          `${sandboxUrl}/_sandbox/users/${u.sandboxUserId}/records?provider=strava&dataType=workout`,
        ),
      );
      if (atStrava.length !== RECORDS)
        first.failures.push(`${u.userId}: Strava holds ${atStrava.length} workouts, expected ${RECORDS}`);
    }

    const failures: string[] = [];
    const trips: Awaited<ReturnType<typeof roundTrip>>[] = [];
    const apiCpu0 = processCpuMicros(api.pid);
    const workerCpu0 = processCpuMicros(worker.pid);
    for (const u of roundTrippers) {
      try {
        trips.push(await roundTrip(u));
      } catch (error) {
        failures.push((error as Error).message);
      }
    }
    const apiCpu = processCpuMicros(api.pid) - apiCpu0;
    const workerCpu = processCpuMicros(worker.pid) - workerCpu0;
    const ms = (f: (t: (typeof trips)[number]) => number, p: number) => round(percentile(trips.map(f), p), 1);
    const roundTrips: RoundTripPhase = {
      roundTrips: ROUND_TRIPS,
      succeeded: trips.length,
      recordsWrittenPerRoundTrip: round(trips.reduce((n, t) => n + t.written, 0) / trips.length, 2),
      p50Ms: ms((t) => t.totalMs, 50),
      p99Ms: ms((t) => t.totalMs, 99),
      parkP50Ms: ms((t) => t.parkMs, 50),
      parkP99Ms: ms((t) => t.parkMs, 99),
      phoneP50Ms: ms((t) => t.phoneMs, 50),
      phoneP99Ms: ms((t) => t.phoneMs, 99),
      apiCpuMicrosPerRoundTrip: round(apiCpu / ROUND_TRIPS),
      workerCpuMicrosPerRoundTrip: round(workerCpu / ROUND_TRIPS),
      failures,
    };
    console.log(
      `${'round trip: POST → SUCCEEDED'.padEnd(36)} ${String(trips.length).padStart(6)} jobs    ` +
        `p50 ${roundTrips.p50Ms} ms p99 ${roundTrips.p99Ms} ms (park p50 ${roundTrips.parkP50Ms}/p99 ${roundTrips.parkP99Ms}, ` +
        `phone p50 ${roundTrips.phoneP50Ms}/p99 ${roundTrips.phoneP99Ms})  API CPU ${roundTrips.apiCpuMicrosPerRoundTrip} µs, ` +
        `worker CPU ${roundTrips.workerCpuMicrosPerRoundTrip} µs per round trip  ${roundTrips.recordsWrittenPerRoundTrip} records written each`,
    );

    // Alternating, one job at a time, so both methods see the same machine.
    const latencies = { post: [] as number[], socket: [] as number[] };
    const cpu = { post: 0, socket: 0 };
    const foregroundWorkerCpu = { post: 0, socket: 0 };
    const ranInApi = { post: 0, socket: 0 };
    const calls = { post: { n: 0 }, socket: 0 };
    const foregroundFailures: string[] = [];
    for (let i = 0; i < SOCKET_JOBS; i += 1) {
      const byPost = foreground[2 * i]!;
      const bySocket = foreground[2 * i + 1]!;
      let inApi = await jobsFinishedInApi();
      let c0 = processCpuMicros(api.pid);
      let w0 = processCpuMicros(worker.pid);
      try {
        latencies.post.push(await postAndPoll(byPost, calls.post));
      } catch (error) {
        foregroundFailures.push(`POST + polling: ${(error as Error).message}`);
      }
      cpu.post += processCpuMicros(api.pid) - c0;
      foregroundWorkerCpu.post += processCpuMicros(worker.pid) - w0;
      ranInApi.post += (await jobsFinishedInApi()) - inApi;
      const socket = await openSocket(bySocket);
      inApi = await jobsFinishedInApi();
      c0 = processCpuMicros(api.pid);
      w0 = processCpuMicros(worker.pid);
      try {
        latencies.socket.push(await socketSync(bySocket, socket));
        calls.socket += 1;
      } catch (error) {
        foregroundFailures.push(`socket: ${(error as Error).message}`);
      }
      cpu.socket += processCpuMicros(api.pid) - c0;
      foregroundWorkerCpu.socket += processCpuMicros(worker.pid) - w0;
      ranInApi.socket += (await jobsFinishedInApi()) - inApi;
      await socket.close();
    }
    const foregroundPhase = (
      method: ForegroundPhase['method'],
      ms: number[],
      cpuMicros: number,
      workerCpuMicros: number,
      n: number,
      inApi: number,
    ) =>
      ({
        method,
        jobs: SOCKET_JOBS,
        succeeded: ms.length,
        p50Ms: round(percentile(ms, 50), 1),
        p99Ms: round(percentile(ms, 99), 1),
        apiCpuMicrosPerJob: round(cpuMicros / SOCKET_JOBS),
        workerCpuMicrosPerJob: round(workerCpuMicros / SOCKET_JOBS),
        callsPerJob: round(n / SOCKET_JOBS, 2),
        ranInApi: inApi,
      }) satisfies ForegroundPhase;
    const foregroundSyncs = [
      foregroundPhase(
        'POST + polling',
        latencies.post,
        cpu.post,
        foregroundWorkerCpu.post,
        calls.post.n,
        ranInApi.post,
      ),
      foregroundPhase(
        'socket',
        latencies.socket,
        cpu.socket,
        foregroundWorkerCpu.socket,
        calls.socket,
        ranInApi.socket,
      ),
    ];
    for (const f of foregroundSyncs)
      console.log(
        `${`foreground sync: ${f.method}`.padEnd(36)} ${String(f.succeeded).padStart(6)} jobs    ` +
          `p50 ${f.p50Ms} ms p99 ${f.p99Ms} ms  API CPU ${f.apiCpuMicrosPerJob} µs, ` +
          `worker CPU ${f.workerCpuMicrosPerJob} µs per job  ` +
          `${f.callsPerJob} ${f.method === 'socket' ? 'frames' : 'HTTP requests'} per job  ${f.ranInApi} run in the API`,
      );

    writeFileSync(
      OUT,
      `${JSON.stringify(
        {
          when: new Date().toISOString(),
          options: {
            uploadUsers: UPLOAD_USERS,
            records: RECORDS,
            batch: BATCH,
            concurrency: CONCURRENCY,
            roundTrips: ROUND_TRIPS,
            pollMs: POLL_MS,
            socketJobs: SOCKET_JOBS,
          },
          uploads: [first, again],
          roundTrips,
          foregroundSyncs,
        },
        null,
        2,
      )}\n`,
    );
    console.log(`\nresults: ${path.relative(REPO_ROOT, OUT)}`);
    const problems = [
      ...first.failures,
      ...again.failures,
      ...failures,
      ...foregroundFailures,
      ...(first.written !== UPLOAD_USERS * RECORDS
        ? [`first upload wrote ${first.written} records, expected ${UPLOAD_USERS * RECORDS}`]
        : []),
      ...(again.written !== 0 ? [`the repeated upload wrote ${again.written} records again`] : []),
    ];
    if (SMOKE)
      process.exitCode = smokeVerdict('device', [
        ...problems,
        ...[first, again].flatMap((p) => [
          ...positive(`${p.name}: records/s`, p.recordsPerSecond),
          ...positive(`${p.name}: API CPU per record`, p.apiCpuMicrosPerRecord),
        ]),
        ...positive('round trips succeeded', roundTrips.succeeded),
        ...positive('records written per round trip', roundTrips.recordsWrittenPerRoundTrip),
        ...foregroundSyncs.flatMap((f) => [
          ...positive(`foreground sync ${f.method}: jobs succeeded`, f.succeeded),
          ...positive(`foreground sync ${f.method}: API CPU per job`, f.apiCpuMicrosPerJob),
        ]),
        ...nonFiniteFigures({ uploads: [first, again], roundTrips, foregroundSyncs }, 'results'),
      ]);
    else if (problems.length > 0) {
      for (const p of problems) console.error(p);
      process.exitCode = 1;
    }
  } finally {
    for (const child of children.reverse()) await child.stop(30_000);
  }
}

if (SMOKE) smokeWatchdog('device', 180);
await main();
