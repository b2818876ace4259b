// End-to-end support: the real local stack (emulators, Redis, provider sandbox), the API and a
// worker, driven only through the public HTTP API and the sandbox — the way the mobile app and
// the third parties see SyncWell.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { SqsMessageProducer } from '../../core/messaging/producer.js';
import { createSqsJsonClient } from '../../core/queue/sqs.js';
import { systemJob } from '../../worker/sync/systemJob.js';
import { expect } from 'chai';
import type { CloudProvider, ConflictStrategy, DataType, SyncJob } from '../../core/domain/types.js';
import type { PersonaOptions } from '../../infra/local/sandbox/persona.js';
import { startHarness, testEnv, type Harness } from '../support/harness.js';
import { startWorker, type RunningWorker } from '../../worker/main.js';
import { clock, clockEnvForChild } from '../../core/clock/clock.js';

export interface E2E {
  h: Harness;
  worker: RunningWorker | undefined;
  /** The environment a worker process of this system needs. */
  workerEnv: Record<string, string>;
  startWorker(overrides?: Record<string, string>): Promise<RunningWorker>;
  stop(): Promise<void>;
}

/** Worker settings that keep tests fast: short long-polls and visibility, small backoffs. */
export const FAST_WORKER: Record<string, string> = {
  WORKER_WAIT_TIME_SECONDS: '1',
  WORKER_VISIBILITY_TIMEOUT_SECONDS: '5',
  WORKER_SHUTDOWN_GRACE_MS: '5000',
  REQUEUE_BACKOFF_BASE_SECONDS: '1',
  REQUEUE_BACKOFF_MAX_SECONDS: '2',
  SYNC_INITIAL_LOOKBACK_DAYS: '30',
  BATCH_WINDOW_MS: '2',
  // Jobs in these tests are requested explicitly; the scheduler has its own test.
  SCHEDULER_ENABLED: 'false',
  // Socket syncs run in the API process when it has room, as in production (8).
  WS_FOREGROUND_CONCURRENCY: '8',
  // Every job's log lines (the suites read them); tail sampling has its own tests.
  JOB_LOG_SAMPLE_RATE_PRO: '1',
  JOB_LOG_SAMPLE_RATE_FREE: '1',
  // Garmin's published budget is small (a sync scans one request per day of uploads); the suite
  // runs many syncs per minute, so its own buckets are widened. Rate limiting has its own tests.
  RATE_LIMIT_OVERRIDES: JSON.stringify({
    garmin: [
      { scope: 'app', capacity: 100_000, windowSeconds: 60 },
      { scope: 'user', capacity: 100_000, windowSeconds: 3600 },
    ],
  }),
};

export async function startE2E(
  overrides: Record<string, string> = {},
  options: { worker?: boolean } = {},
): Promise<E2E> {
  const h = await startHarness(
    { ...FAST_WORKER, ...overrides },
    { portEnv: (port) => ({ OAUTH_REDIRECT_BASE_URL: `http://127.0.0.1:${port}` }) },
  );
  const workerEnv = testEnv(h.stack, { ...FAST_WORKER, ...overrides });
  const workers: RunningWorker[] = [];
  const e2e: E2E = {
    h,
    worker: undefined,
    workerEnv,
    async startWorker(extra = {}) {
      const w = await startWorker({ ...workerEnv, ...extra });
      workers.push(w);
      return w;
    },
    async stop() {
      await Promise.allSettled(workers.map((w) => w.stop()));
      await h.stop();
    },
  };
  if (options.worker !== false) e2e.worker = await e2e.startWorker();
  return e2e;
}

/** The whole OAuth dance through the API and the sandbox's consent page, as a browser would do it. */
export async function connectProvider(
  h: Harness,
  token: string,
  provider: CloudProvider,
  sandboxUserId: string,
): Promise<string> {
  const created = await h.request<{ connectionId: string; authorizationUrl: string; state: string }>(
    'POST',
    '/v1/connections',
    {
      token,
      body: { provider },
    },
  );
  expect(created.status, created.text).to.equal(201);
  const consent = new URL(created.body.authorizationUrl);
  consent.searchParams.set('sandbox_user', sandboxUserId);
  const redirect = await fetch(consent, { redirect: 'manual' });
  expect(redirect.status).to.equal(302);
  const callback = new URL(redirect.headers.get('location')!);
  expect(callback.pathname).to.equal(`/v1/oauth/${provider}/callback`);
  const activated = await h.request<{ connectionId: string; status: string }>(
    'GET',
    `${callback.pathname}${callback.search}`,
  );
  expect(activated.status, activated.text).to.equal(200);
  expect(activated.body.status).to.equal('active');
  return activated.body.connectionId;
}

export async function createSyncConfig(
  h: Harness,
  token: string,
  source: string,
  destination: string,
  dataType: DataType,
  conflictStrategy: ConflictStrategy = 'newest_wins',
): Promise<string> {
  const res = await h.request<{ configId: string }>('POST', '/v1/sync-configs', {
    token,
    body: { sourceConnectionId: source, destinationConnectionId: destination, dataType, conflictStrategy },
  });
  expect(res.status, res.text).to.equal(201);
  return res.body.configId;
}

export async function requestSync(
  h: Harness,
  token: string,
  source: string,
  destination: string,
  dataType: DataType,
  idempotencyKey?: string,
): Promise<string> {
  const res = await h.request<{ jobId: string }>('POST', '/v1/sync-jobs', {
    token,
    body: { sourceConnectionId: source, destinationConnectionId: destination, dataType, mode: 'manual' },
    ...(idempotencyKey ? { idempotencyKey } : {}),
  });
  expect(res.status, res.text).to.equal(202);
  return res.body.jobId;
}

export async function waitForJob(
  h: Harness,
  token: string,
  jobId: string,
  timeoutMs = 30_000,
): Promise<SyncJob> {
  const deadline = clock.now() + timeoutMs;
  let last: SyncJob | undefined;
  while (clock.now() < deadline) {
    const res = await h.request<SyncJob>('GET', `/v1/sync-jobs/${jobId}`, { token });
    if (res.status === 200) {
      last = res.body;
      if (last.status === 'SUCCEEDED' || last.status === 'FAILED') return last;
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(
    `job ${jobId} did not finish within ${timeoutMs} ms (last status ${last?.status ?? 'none'})`,
  );
}

export async function connectedUser(
  e: E2E,
  providers: CloudProvider[],
  name?: string,
  persona?: PersonaOptions,
) {
  const userId = e.h.newUserId('e2e');
  const token = await e.h.token(userId, { tier: 'PRO' });
  const person = e.h.stack.sandbox.createUser({ ...(name ? { name } : {}), ...(persona ? { persona } : {}) });
  const connections = {} as Record<CloudProvider, string>;
  for (const provider of providers)
    connections[provider] = await connectProvider(e.h, token, provider, person.sandboxUserId);
  return { userId, token, person, connections };
}

/**
 * Whether an instant lies in the span of source data a finished job read (its result's `window`).
 * Expectations are filtered through it, so they follow the window the job really used whatever day
 * the suite runs on (the persona's history and the job's look-back need not line up).
 */
export function inJobWindow(job: SyncJob): (instant: string) => boolean {
  const window = job.result?.window;
  expect(window, `job ${job.jobId} reports the window it read`).to.not.equal(undefined);
  const since = Date.parse(window!.since);
  const until = Date.parse(window!.until);
  return (instant) => {
    const t = Date.parse(instant);
    return t >= since && t < until;
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `predicate` every 100 ms until it holds; fails naming `what` after `timeoutMs`. */
export async function until(
  predicate: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = clock.now() + timeoutMs;
  while (!(await predicate())) {
    if (clock.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/**
 * Webhook events wait 60 s in the coalescing buffer in AWS (the queue's DelaySeconds); the suites
 * shorten it to 1 s so a test does not wait a minute. The coalescing window is left as configured.
 */
export async function shortenWebhookBuffer(e: E2E): Promise<void> {
  await e.h.sqs.send(
    new SetQueueAttributesCommand({
      QueueUrl: e.h.config.COALESCING_QUEUE_URL,
      Attributes: { DelaySeconds: '1' },
    }),
  );
}

/** A worker in a child process of its own (to kill it, or to read its log), on this process's clock. */
export function spawnWorkerProcess(e: E2E, logLevel: string, stdio: StdioOptions): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'worker/main.ts'], {
    env: { ...process.env, ...e.workerEnv, ...clockEnvForChild(), LOG_LEVEL: logLevel },
    stdio,
  });
}

/**
 * A scheduled Garmin → Strava workout job put straight on the hot-path queue, built by the
 * scheduler's own builder and sent by the message runtime's producer, for tests that need a
 * system-triggered job now. Each call is a new occasion, so a new job.
 */
export async function sendScheduledJob(
  e: E2E,
  job: { userId: string; sourceConnectionId: string; destinationConnectionId: string },
): Promise<string> {
  const { message, deduplicationId } = systemJob({
    trigger: 'schedule',
    occasion: randomUUID(),
    userId: job.userId,
    config: { configId: `cfg_${randomUUID()}`, dataType: 'workout' },
    source: { connectionId: job.sourceConnectionId, provider: 'garmin' },
    destination: { connectionId: job.destinationConnectionId, provider: 'strava' },
    tier: 'PRO',
    requestedAt: clock.date(),
  });
  const sqs = createSqsJsonClient(e.h.config);
  try {
    const producer = new SqsMessageProducer(sqs, { hotPathSync: e.h.config.HOT_PATH_QUEUE_URL }, 0);
    await producer.send('hotPathSync', message, { deduplicationId });
  } finally {
    sqs.destroy();
  }
  return message.jobId;
}

/**
 * A dynamic configuration document (flags, provider notices) in a file of its own, and the settings
 * that point the API and the worker at it; `remove` deletes the file once the suite has stopped.
 */
export async function dynamicConfigFile(
  document: Record<string, unknown>,
): Promise<{ env: Record<string, string>; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'syncwell-dynamic-config-'));
  const file = path.join(dir, 'dynamic-config.json');
  await writeFile(file, JSON.stringify(document));
  return {
    env: { DYNAMIC_CONFIG_SOURCE: 'file', DYNAMIC_CONFIG_FILE: file },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** A run the person's tracker records at Google Health (subscribers are notified), in whole UTC. */
export function recordGoogleHealthRun(
  e: E2E,
  sandboxUserId: string,
  run: { start: number; minutes: number; meters: number; name?: string },
): void {
  e.h.stack.sandbox.fakes.google_health.recordDataPoint(sandboxUserId, {
    exercise: {
      interval: {
        startTime: new Date(run.start).toISOString(),
        startUtcOffset: '0s',
        endTime: new Date(run.start + run.minutes * 60_000).toISOString(),
        endUtcOffset: '0s',
      },
      exerciseType: 'RUNNING',
      displayName: run.name ?? 'Running',
      activeDuration: `${run.minutes * 60}s`,
      metricsSummary: {
        distanceMillimeters: Math.round(run.meters * 1000),
        caloriesKcal: Math.round(run.minutes * 13),
      },
    },
  });
}
