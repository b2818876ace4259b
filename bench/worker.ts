// `npm run bench:worker`: jobs through the real queue, worker and provider sandbox. Prints, per
// phase: jobs/s, latency from POST to SUCCEEDED (p50/p95), the worker process's CPU per job,
// third-party calls per job and DynamoDB write calls per job. See bench/results/README.md.
//
// Processes: this one (fixtures, load, measurement), the local stack with the sandbox
// (bench/lib/stackProcess.ts, which also counts the AWS calls the emulators receive), the API
// and the worker, each separate so /proc/<pid>/stat gives the worker's CPU time alone.
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { GetQueueAttributesCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { clock } from '../core/clock/clock.js';
import type { CloudProvider, Provider } from '../core/domain/types.js';
import { cloudProfile, isCloudProvider, PROVIDER_PROFILES } from '../core/providers/profiles.js';
import { loadConfig } from '../core/config/config.js';
import { createSqsClient } from '../core/queue/sqs.js';
import { freePort } from '../infra/local/freePort.js';
import { processCpuMicros, REPO_ROOT, spawnNode, threadCpuMicros, type NodeChild } from './lib/proc.js';
import {
  startApiProcess,
  createUsers,
  json,
  postJson,
  startStack,
  type User,
  systemEnv,
  widenSandboxLimits,
} from './lib/system.js';
import { nonFiniteFigures, positive, resultsFile, smokeVerdict, smokeWatchdog } from './lib/smoke.js';
import { percentile, round } from './lib/stats.js';

process.removeAllListeners('warning');

const { values: given } = parseArgs({
  options: {
    'empty-jobs': { type: 'string' },
    'warm-up-jobs': { type: 'string' },
    'empty-users': { type: 'string' },
    'sync-users': { type: 'string' },
    source: { type: 'string', default: 'strava' },
    destination: { type: 'string', default: 'google_fit' },
    rate: { type: 'string' },
    'log-level': { type: 'string', default: 'warn' },
    'cpu-prof': { type: 'string' },
    'worker-node-args': { type: 'string' },
    floor: { type: 'boolean', default: false },
    out: { type: 'string' },
    smoke: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
const SMOKE = given.smoke ?? false;
// The full run's defaults, or the smoke run's (bench/lib/smoke.ts): the same phases, a few jobs each.
const defaults = SMOKE
  ? { 'empty-jobs': '20', 'warm-up-jobs': '10', 'empty-users': '5', 'sync-users': '2', rate: '20' }
  : { 'empty-jobs': '1000', 'warm-up-jobs': '1000', 'empty-users': '200', 'sync-users': '40', rate: '100' };
// parseArgs leaves options that were not given out of `given`: those take the defaults.
const args = { ...defaults, ...given };
if (args.help) {
  console.log(`npm run bench:worker -- [options]
  --empty-jobs N     jobs in each "nothing new" phase                         [1000]
  --warm-up-jobs N   requested jobs run first and discarded: the worker's CPU per job falls for
                     about 15 s at 100/s (JIT, pools) before it settles              [1000]
  --empty-users N    users those jobs are spread over (FIFO group = user)     [200]
  --sync-users N     users with a month of data for the "real sync" phases    [40]
  --rate R           POST /v1/sync-jobs per second                            [100]
  --source P         the jobs' source provider (workouts)                     [strava]
  --destination P    their destination provider                               [google_fit]
  --log-level L      the worker's and the API's LOG_LEVEL                     [warn]
  --floor            the worker replaced by bench/lib/floorWorker.ts, which makes only the network
                     round trips of a requested job that finds nothing new (same libraries, same
                     emulators): the warm-up and the requested phase only; its CPU per job is the
                     floor under the worker's
  --worker-node-args="A B"  extra node flags for the worker (experiments, e.g. --max-semi-space-size=32)
  --cpu-prof DIR     run the worker with --cpu-prof (profile written to DIR on exit; bench/profileSummary.ts)
  --out FILE         JSON results                                             [bench/results/worker-latest.json]
  --smoke            20 jobs per empty phase over 5 users, 2 real syncs, 20 POST/s (options above
                     override): exit 1 unless every phase ran and measured; targets not checked;
                     writes bench/results/worker-smoke.json.tmp`);
  process.exit(0);
}
const int = (name: string, v: string | undefined) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer`);
  return n;
};
const EMPTY_JOBS = int('empty-jobs', args['empty-jobs']);
const EMPTY_USERS = int('empty-users', args['empty-users']);
const SYNC_USERS = int('sync-users', args['sync-users']);
const RATE = int('rate', args.rate);
const provider = (name: string, v: string | undefined): CloudProvider => {
  if (!v || !isProvider(v) || !isCloudProvider(v))
    throw new Error(`--${name} must be a cloud provider (got ${String(v)})`);
  return v;
};
const isProvider = (v: string): v is Provider => Object.hasOwn(PROVIDER_PROFILES, v);
const SOURCE = provider('source', args.source);
const DESTINATION = provider('destination', args.destination);
const WARMUP_JOBS = int('warm-up-jobs', args['warm-up-jobs']);
/** How long the worker's idle CPU is sampled before the warm-up. */
const IDLE_MS = SMOKE ? 1000 : 5000;
const FLOOR = args.floor ?? false;
const OUT = resultsFile(
  FLOOR ? 'worker-floor' : 'worker',
  SMOKE,
  args.out,
  FLOOR ? 'bench/results/worker-floor-latest.json' : 'bench/results/worker-latest.json',
);
const LOG_DIR = path.join(REPO_ROOT, '.state', 'bench');
mkdirSync(LOG_DIR, { recursive: true });

interface Phase {
  name: string;
  jobs: number;
  seconds: number;
  jobsPerSecond: number;
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
  workerCpuMicrosPerJob: number;
  /** Of that, the main thread's (JavaScript) and the other threads' (GC, compilers, libuv's pool). */
  workerMainThreadMicrosPerJob: number;
  workerOtherThreadsMicrosPerJob: number;
  /** Third-party API requests the worker made (its own count; the sandbox's agrees). */
  providerCallsPerJob: number;
  /** DynamoDB items the worker wrote: JOB transitions, ledger entries, cursors. */
  workerDynamoWritesPerJob: number;
  /** Every DynamoDB write call the emulator received in the phase (API and worker together). */
  allDynamoWriteCallsPerJob: number;
  allDynamoReadCallsPerJob: number;
  allSqsCallsPerJob: number;
  recordsWrittenPerJob: number | null;
  /** Job log lines written and discarded by tail sampling (at the run's --log-level). */
  logLinesWrittenPerJob: number;
  logLinesDiscardedPerJob: number;
  /**
   * Secret-store reads (credential-cache misses) per job: the worker's per-secret STS sessions
   * (SECRET_ACCESS_ROLE_ARN) cost at most this many AssumeRole calls per job.
   */
  credentialStoreReadsPerJob: number;
  failed: number;
}

/** SyncSucceeded/SyncFailed events in the local event log, by job id. */
function readEvents(file: string): Map<string, { type: string; finishedAt: number; recordsWritten: number }> {
  const out = new Map<string, { type: string; finishedAt: number; recordsWritten: number }>();
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return out;
  }
  for (const line of text.split('\n')) {
    if (!line) continue;
    const e = JSON.parse(line) as {
      type: string;
      publishedAt: string;
      detail: { jobId: string; finishedAt?: string; recordsWritten?: number; retryable?: boolean };
    };
    if (e.type === 'SyncFailed' && e.detail.retryable !== false) continue;
    out.set(e.detail.jobId, {
      type: e.type,
      finishedAt: Date.parse(e.detail.finishedAt ?? e.publishedAt),
      recordsWritten: e.detail.recordsWritten ?? 0,
    });
  }
  return out;
}

const sum = (counts: Record<string, number>, pick: (op: string) => boolean) =>
  Object.entries(counts).reduce((n, [op, c]) => (pick(op) ? n + c : n), 0);
const delta = (after: Record<string, number>, before: Record<string, number>) =>
  Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)]));
const isWrite = (op: string) => /DynamoDB_\d+\.(PutItem|UpdateItem|DeleteItem|BatchWriteItem)$/.test(op);
const isRead = (op: string) => /DynamoDB_\d+\.(GetItem|Query|BatchGetItem|Scan)$/.test(op);
const isSqs = (op: string) => op.startsWith('AmazonSQS.');

async function main(): Promise<void> {
  const stack = await startStack(path.join(LOG_DIR, 'worker-bench-stack.log'));
  const children: NodeChild[] = [stack.child];
  try {
    const port = String(await freePort());
    const apiUrl = `http://127.0.0.1:${port}`;
    // A provider still in its rollout (Google Health) is opened to everyone for the run, and nothing
    // else of the dynamic document changes (log sampling stays the default).
    const rollout = [SOURCE, DESTINATION].flatMap((p) => cloudProfile(p).rolloutFlag ?? []);
    const dynamicConfigFile = path.join(LOG_DIR, 'worker-bench-dynamic-config.json');
    if (rollout.length > 0)
      writeFileSync(
        dynamicConfigFile,
        JSON.stringify({
          flags: Object.fromEntries(rollout.map((f) => [f, { enabled: true, percentage: 100 }])),
        }),
      );
    const env = systemEnv(stack.env, port, {
      LOG_LEVEL: args['log-level'] ?? 'warn',
      SYNC_INITIAL_LOOKBACK_DAYS: '30',
      ...(rollout.length > 0
        ? { DYNAMIC_CONFIG_SOURCE: 'file', DYNAMIC_CONFIG_FILE: dynamicConfigFile }
        : {}),
    });
    const sandboxUrl = env.PROVIDER_SANDBOX_URL!;
    await widenSandboxLimits(sandboxUrl);

    await startApiProcess(env, path.join(LOG_DIR, 'worker-bench-api.log'), children);
    const worker = spawnNode({
      name: 'worker',
      script: FLOOR ? 'bench/lib/floorWorker.ts' : 'worker/main.ts',
      env,
      logFile: path.join(LOG_DIR, 'worker-bench-worker.log'),
      nodeArgs: [
        ...(args['worker-node-args']?.split(/\s+/).filter(Boolean) ?? []),
        ...(args['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(args['cpu-prof'])}`] : []),
      ],
    });
    children.push(worker);

    console.log(
      `fixtures: ${EMPTY_USERS} users with nothing to sync, ${SYNC_USERS} with a month of workouts (OAuth through the API)...`,
    );
    const emptyUsers = await createUsers(apiUrl, sandboxUrl, EMPTY_USERS, {
      empty: true,
      tag: 'wb-e',
      source: SOURCE,
      destination: DESTINATION,
    });
    const syncUsers = await createUsers(apiUrl, sandboxUrl, SYNC_USERS, {
      empty: false,
      tag: 'wb-s',
      source: SOURCE,
      destination: DESTINATION,
    });
    const config = loadConfig(env);
    const sqs = createSqsClient(config);
    const eventFile = env.EVENT_LOG_FILE!;
    const sandboxRequests = async () => {
      const stats = await json<{ requests: Record<string, number> }>(
        await fetch(`${sandboxUrl}/_sandbox/stats`),
      );
      return Object.values(stats.requests).reduce((a, b) => a + b, 0);
    };

    const owners = new Map<string, string>();
    type Counts = {
      providerCalls: number;
      jobWrites: number;
      itemsWritten: number;
      written: number;
      discarded: number;
      storeReads: number;
    };
    const workerStats = () =>
      new Promise<Counts>((resolve) => {
        worker.process.once(
          'message',
          (m: {
            stats: { providerCalls: number; jobWrites: number; itemsWritten: number };
            logLines: { written: number; discarded: number };
            credentials: { storeReads: number };
          }) => resolve({ ...m.stats, ...m.logLines, storeReads: m.credentials.storeReads }),
        );
        worker.process.send({ type: 'stats' });
      });
    async function measure(
      name: string,
      jobs: number,
      run: () => Promise<{ posted: Map<string, number> | null }>,
    ): Promise<Phase> {
      const stats0 = await workerStats();
      const cpu0 = processCpuMicros(worker.pid);
      const threads0 = threadCpuMicros(worker.pid);
      const calls0 = await stack.counters();
      const provider0 = await sandboxRequests();
      const t0 = Date.now();
      const { posted } = await run();
      let failed = 0;
      const latencies: number[] = [];
      let records = 0;
      if (posted) {
        const deadline = Date.now() + 300_000;
        for (;;) {
          const events = readEvents(eventFile);
          const done = [...posted.keys()].filter((id) => events.has(id));
          if (done.length === posted.size) {
            for (const [id, at] of posted) {
              const e = events.get(id)!;
              if (e.type === 'SyncFailed') failed += 1;
              latencies.push(e.finishedAt - at);
              records += e.recordsWritten;
            }
            break;
          }
          if (Date.now() > deadline) {
            const missing = [...posted.keys()].filter((id) => !events.has(id)).slice(0, 5);
            const states = await Promise.all(
              missing.map(async (id) => {
                const res = await fetch(`${apiUrl}/v1/sync-jobs/${id}`, {
                  headers: { authorization: owners.get(id)! },
                });
                return `${id}: ${res.status} ${(await res.text()).slice(0, 300)}`;
              }),
            );
            throw new Error(
              `${name}: ${posted.size - done.length} jobs unfinished after 300 s\n${states.join('\n')}`,
            );
          }
          await new Promise((r) => setTimeout(r, 100));
        }
      } else {
        for (;;) {
          const out = await sqs.send(
            new GetQueueAttributesCommand({
              QueueUrl: config.HOT_PATH_QUEUE_URL,
              AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
            }),
          );
          const left =
            Number(out.Attributes?.ApproximateNumberOfMessages ?? 0) +
            Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
          if (left === 0) break;
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      const seconds = (Date.now() - t0) / 1000;
      // Let deferred batch writes land before counting.
      await new Promise((r) => setTimeout(r, 300));
      const calls = delta(await stack.counters(), calls0);
      const cpu = processCpuMicros(worker.pid) - cpu0;
      const threads1 = threadCpuMicros(worker.pid);
      const mainThread = (threads1['main thread'] ?? 0) - (threads0['main thread'] ?? 0);
      const otherThreads = (threads1['other threads'] ?? 0) - (threads0['other threads'] ?? 0);
      const sandboxCalls = (await sandboxRequests()) - provider0;
      const stats1 = await workerStats();
      const providerCalls = stats1.providerCalls - stats0.providerCalls;
      const workerWrites = stats1.jobWrites + stats1.itemsWritten - (stats0.jobWrites + stats0.itemsWritten);
      if (Math.abs(sandboxCalls - providerCalls) > jobs * 0.05)
        console.warn(
          `  (${name}: the sandbox counted ${sandboxCalls} requests, the worker ${providerCalls})`,
        );
      const phase: Phase = {
        name,
        jobs,
        seconds: round(seconds, 2),
        jobsPerSecond: round(jobs / seconds, 1),
        latencyP50Ms: latencies.length ? round(percentile(latencies, 50)) : null,
        latencyP95Ms: latencies.length ? round(percentile(latencies, 95)) : null,
        workerCpuMicrosPerJob: round(cpu / jobs),
        workerMainThreadMicrosPerJob: round(mainThread / jobs),
        workerOtherThreadsMicrosPerJob: round(otherThreads / jobs),
        providerCallsPerJob: round(providerCalls / jobs, 2),
        workerDynamoWritesPerJob: round(workerWrites / jobs, 2),
        allDynamoWriteCallsPerJob: round(sum(calls, isWrite) / jobs, 2),
        allDynamoReadCallsPerJob: round(sum(calls, isRead) / jobs, 2),
        allSqsCallsPerJob: round(sum(calls, isSqs) / jobs, 2),
        recordsWrittenPerJob: posted ? round(records / jobs, 2) : null,
        logLinesWrittenPerJob: round((stats1.written - stats0.written) / jobs, 3),
        logLinesDiscardedPerJob: round((stats1.discarded - stats0.discarded) / jobs, 3),
        credentialStoreReadsPerJob: round((stats1.storeReads - stats0.storeReads) / jobs, 3),
        failed,
      };
      console.log(
        `${name.padEnd(34)} ${String(jobs).padStart(5)} jobs ${String(phase.jobsPerSecond).padStart(7)} jobs/s  ` +
          `p50 ${String(phase.latencyP50Ms ?? '-').padStart(5)} ms  p95 ${String(phase.latencyP95Ms ?? '-').padStart(5)} ms  ` +
          `worker CPU ${String(phase.workerCpuMicrosPerJob).padStart(6)} µs/job  provider calls ${phase.providerCallsPerJob}/job  ` +
          `worker DynamoDB writes ${phase.workerDynamoWritesPerJob}/job  ` +
          `job log lines ${phase.logLinesWrittenPerJob} written, ${phase.logLinesDiscardedPerJob} discarded/job  ` +
          `secret reads ${phase.credentialStoreReadsPerJob}/job  failed ${failed}`,
      );
      console.log(
        `${''.padEnd(34)} worker CPU by thread: main ${phase.workerMainThreadMicrosPerJob} µs/job, other threads ${phase.workerOtherThreadsMicrosPerJob} µs/job`,
      );
      return phase;
    }

    /** POSTs jobs at RATE per second, round-robin over users; returns jobId → POST time. */
    async function postJobs(users: User[], count: number): Promise<{ posted: Map<string, number> }> {
      const posted = new Map<string, number>();
      const started = Date.now();
      const inFlight = new Set<Promise<void>>();
      for (let i = 0; i < count; i += 1) {
        const due = started + (i * 1000) / RATE;
        const wait = due - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const user = users[i % users.length]!;
        const p = (async () => {
          // The process clock, as the worker's finishedAt: latency = finishedAt - at.
          const at = clock.now();
          const res = await postJson<{ jobId: string }>(apiUrl, '/v1/sync-jobs', user.authorization, {
            sourceConnectionId: user.source,
            destinationConnectionId: user.destination,
            dataType: 'workout',
            mode: 'manual',
          });
          posted.set(res.jobId, at);
          owners.set(res.jobId, user.authorization);
        })();
        inFlight.add(p);
        void p.finally(() => inFlight.delete(p));
      }
      await Promise.all(inFlight);
      return { posted };
    }

    /** Scheduler-style messages (trigger scheduled: no JOB item unless something is written). */
    async function sendScheduled(users: User[], count: number): Promise<{ posted: null }> {
      for (let i = 0; i < count; i += 10) {
        await sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: config.HOT_PATH_QUEUE_URL,
            Entries: Array.from({ length: Math.min(10, count - i) }, (_, j) => {
              const user = users[(i + j) % users.length]!;
              return {
                Id: String(j),
                MessageGroupId: user.userId,
                MessageDeduplicationId: randomUUID(),
                MessageBody: JSON.stringify({
                  schemaVersion: 1,
                  jobId: `job_${randomUUID()}`,
                  userId: user.userId,
                  sourceConnectionId: user.source,
                  destinationConnectionId: user.destination,
                  sourceProvider: SOURCE,
                  destinationProvider: DESTINATION,
                  dataType: 'workout',
                  priority: 'low',
                  trigger: 'schedule',
                  tier: 'PRO',
                  requestedAt: clock.date().toISOString(),
                }),
              };
            }),
          }),
        );
      }
      return { posted: null };
    }

    // What the worker spends with no job at all (long polls, timers, gauges): part of every phase's
    // CPU per job (at 100 jobs/s, 1 % of a core idle is 100 µs per job).
    const idleCpu0 = processCpuMicros(worker.pid);
    const idleT0 = performance.now();
    await new Promise((r) => setTimeout(r, IDLE_MS));
    const idleShare = (processCpuMicros(worker.pid) - idleCpu0) / ((performance.now() - idleT0) * 1000);
    console.log(`worker idle: ${round(idleShare * 100, 2)} % of a core over ${IDLE_MS / 1000} s`);
    console.log('warm-up...');
    await measure('warm-up (discarded)', WARMUP_JOBS, () => postJobs(emptyUsers, WARMUP_JOBS));
    console.log('');
    const phases: Phase[] = [];
    phases.push(
      await measure('nothing new, manual (POST)', EMPTY_JOBS, () => postJobs(emptyUsers, EMPTY_JOBS)),
    );
    if (!FLOOR) {
      phases.push(
        await measure('nothing new, scheduled (queue)', EMPTY_JOBS, () =>
          sendScheduled(emptyUsers, EMPTY_JOBS),
        ),
      );
      phases.push(
        await measure('first sync: a month of workouts', SYNC_USERS, () => postJobs(syncUsers, SYNC_USERS)),
      );
      phases.push(
        await measure('again: everything in the ledger', SYNC_USERS, () => postJobs(syncUsers, SYNC_USERS)),
      );
    }
    sqs.destroy();

    writeFileSync(
      OUT,
      `${JSON.stringify({ when: new Date().toISOString(), floor: FLOOR, workerIdleCoreShare: round(idleShare, 4), source: SOURCE, destination: DESTINATION, rate: RATE, emptyUsers: EMPTY_USERS, syncUsers: SYNC_USERS, phases }, null, 2)}\n`,
    );
    console.log(`\nresults: ${path.relative(REPO_ROOT, OUT)}`);
    const failed = phases.reduce((n, p) => n + p.failed, 0);
    if (SMOKE)
      process.exitCode = smokeVerdict('worker', [
        ...(failed > 0 ? [`${failed} jobs failed; see ${path.relative(REPO_ROOT, worker.logFile)}`] : []),
        ...phases.flatMap((p) => [
          ...positive(`${p.name}: jobs/s`, p.jobsPerSecond),
          // Every job asks its source at least once, even when there is nothing new.
          ...positive(`${p.name}: provider calls per job`, p.providerCallsPerJob),
        ]),
        ...(FLOOR
          ? []
          : positive(
              'first sync: records written per job',
              phases.find((p) => p.name.startsWith('first sync'))?.recordsWrittenPerJob,
            )),
        ...nonFiniteFigures(phases, 'phases'),
      ]);
    else if (failed > 0) {
      console.error(`${failed} jobs failed; see ${path.relative(REPO_ROOT, worker.logFile)}`);
      process.exitCode = 1;
    }
  } finally {
    for (const child of children.reverse()) await child.stop(30_000);
  }
}

if (SMOKE) smokeWatchdog('worker', 180);
await main();
