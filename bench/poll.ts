// `npm run bench:poll`: adaptive polling with pre-flight checks (seed §3f) for sources without
// webhooks (Google Fit). Two parts, see bench/results/README.md:
//
// A. A simulated week with the real planner (worker/polling/pollPlanner.ts) for several named
//    populations of Google Fit users ("mostly idle", the one the issue's "≤ 5 %" is about;
//    "regular"; "dormant only"), each one's poll chain walked check by check. Prints per population
//    checks per user per day, full jobs per check, detection delay (upload → job), SQS messages
//    (checks + hops) and the same figures for a fixed 15-minute poll. Deterministic (seeded PRNG),
//    no stack needed.
// B. The real stack (API, worker, local AWS emulators, provider sandbox): users with a Google Fit →
//    Strava workout configuration get one due pre-flight check each (PollScheduled on the
//    poll-schedule queue), first with nothing new, then with ~5 % of them having uploaded a session
//    since, then a few users uploading a session that ended before their last check (a late upload).
//    Prints checks/s, provider calls, hot-path jobs, DynamoDB writes and worker CPU per check, and
//    the cost of a hop (a long wait travelling through the queue).
//
// The worker runs as a child process started from this same file (BENCH_POLL_ROLE=worker), so it
// can report the pre-flight checker's counters and its own process.cpuUsage() over IPC.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { clock } from '../core/clock/clock.js';
import { loadConfig } from '../core/config/config.js';
import { SqsMessageProducer } from '../core/messaging/producer.js';
import { sendPollHop } from '../worker/polling/pollHops.js';
import { createSqsJsonClient } from '../core/queue/sqs.js';
import { freePort } from '../infra/local/freePort.js';
import type { PreflightStats } from '../worker/polling/preflightChecker.js';
import { nextPollDelaySeconds } from '../worker/polling/pollPlanner.js';
import { PollState } from '../worker/polling/pollState.js';
import type { WorkerStats } from '../worker/compose.js';
import { REPO_ROOT, spawnNode, type NodeChild } from './lib/proc.js';
import { nonFiniteFigures, positive, resultsFile, smokeVerdict, smokeWatchdog } from './lib/smoke.js';
import { percentile, round } from './lib/stats.js';
import {
  startApiProcess,
  createUsers,
  createWorkoutConfig,
  inBatches,
  json,
  startStack,
  systemEnv,
  type User,
  widenSandboxLimits,
} from './lib/system.js';

process.removeAllListeners('warning');

interface ChildStats {
  type: 'stats';
  stats: WorkerStats;
  preflight: PreflightStats;
  cpu: NodeJS.CpuUsage;
}

// ---- the worker child ---------------------------------------------------------------------------

async function workerChild(): Promise<void> {
  const { startWorker } = await import('../worker/main.js');
  const running = await startWorker();
  const preflight = running.worker.preflight;
  if (!preflight) throw new Error('the worker has no pre-flight checker (POLL_SCHEDULE_QUEUE_URL unset)');
  process.on('message', (m: { type?: string }) => {
    if (m.type === 'stats')
      process.send?.({
        type: 'stats',
        stats: running.worker.stats,
        preflight: preflight.stats,
        cpu: process.cpuUsage(),
      } satisfies ChildStats);
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => void running.stop().then(() => process.exit(0)));
}

// ---- Part A: the simulated week -----------------------------------------------------------------

/** mulberry32: a small, fast, seedable PRNG (uniform in [0, 1)). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

interface UserType {
  name: string;
  share: number;
  describe: string;
  /** Mean time between two uploads of one user of this type, in hours; Infinity: never uploads. */
  meanGapHours(rng: () => number): number;
}

interface Population {
  /** Key in the JSON results. */
  key: 'mostlyIdle' | 'regular' | 'dormant';
  name: string;
  describe: string;
  types: UserType[];
}

const dormant = (share: number): UserType => ({
  name: 'dormant',
  share,
  describe: 'no upload at all (connected, nothing recorded)',
  meanGapHours: () => Number.POSITIVE_INFINITY,
});
const everyFewDays = (share: number): UserType => ({
  name: '2-5 d',
  share,
  describe: 'one upload every 2-5 days',
  meanGapHours: (r) => 24 * (2 + 3 * r()),
});
const daily = (share: number): UserType => ({
  name: 'daily',
  share,
  describe: 'about one upload a day',
  meanGapHours: () => 24,
});

const POPULATIONS: Population[] = [
  {
    key: 'mostlyIdle',
    name: 'mostly idle',
    describe: 'the population of the requirement "≤ 5 % for mostly-idle users"',
    types: [
      dormant(0.5),
      {
        name: '7-14 d',
        share: 0.3,
        describe: 'one upload every 7-14 days',
        meanGapHours: (r) => 24 * (7 + 7 * r()),
      },
      everyFewDays(0.15),
      daily(0.05),
    ],
  },
  {
    key: 'regular',
    name: 'regular',
    describe: 'every user active every few days; for information',
    types: [
      everyFewDays(0.7),
      daily(0.25),
      {
        name: '3-6/day',
        share: 0.05,
        describe: '3-6 uploads a day',
        meanGapHours: (r) => 24 / (3 + 3 * r()),
      },
    ],
  },
  { key: 'dormant', name: 'dormant only', describe: 'the floor', types: [dormant(1)] },
];

const DAY = 86_400;
const FIXED_INTERVAL = 900;

interface SimTotals {
  users: number;
  uploads: number;
  checks: number;
  jobs: number;
  hops: number;
  delays: number[];
  fixedJobs: number;
  fixedDelays: number[];
}

interface SimRow {
  group: string;
  users: number;
  uploadsPerUserDay: number;
  checksPerUserDay: number;
  jobsPerCheckPct: number;
  /** null: no upload in the measured week. */
  jobsPerUpload: number | null;
  /** SQS deliveries of the chain besides the checks: waits longer than a hop travel in pieces. */
  hopsPerUserDay: number;
  /** Every SQS message of the chain: its checks and its hops. */
  sqsMessagesPerUserDay: number;
  delayP50Minutes: number | null;
  delayP95Minutes: number | null;
  fixed15: {
    checksPerUserDay: number;
    sqsMessagesPerUserDay: number;
    jobsPerCheckPct: number;
    delayP50Minutes: number | null;
    delayP95Minutes: number | null;
  };
}

interface SimOptions {
  users: number;
  seed: number;
  minSeconds: number;
  maxSeconds: number;
  hopSeconds: number;
  types: UserType[];
}

/**
 * One measured week after a warm-up week (chains reach their steady state). Each user uploads as a
 * renewal process (gap = mean × U(0.5, 1.5), random phase). A check finds new data iff an upload
 * happened since the previous check; it then triggers one full job and the planner sees activity
 * (`AdaptivePoller.scheduleNext` with `newData`). Jobs are instantaneous. The fixed poll checks
 * every 15 minutes from a random phase.
 */
function simulate(o: SimOptions): SimRow[] {
  const rng = prng(o.seed);
  const measureFrom = 7 * DAY;
  const measureTo = 14 * DAY;
  const horizon = measureTo + 3 * DAY;
  const measured = (t: number) => t >= measureFrom && t < measureTo;
  const intervals = { minSeconds: o.minSeconds, maxSeconds: o.maxSeconds };
  const totals = new Map<string, SimTotals>();
  const empty = (): SimTotals => ({
    users: 0,
    uploads: 0,
    checks: 0,
    jobs: 0,
    hops: 0,
    delays: [],
    fixedJobs: 0,
    fixedDelays: [],
  });
  const shareSum = o.types.reduce((s, t) => s + t.share, 0);
  let assigned = 0;
  for (const [index, type] of o.types.entries()) {
    const count =
      index === o.types.length - 1 ? o.users - assigned : Math.round((o.users * type.share) / shareSum);
    assigned += count;
    const g = empty();
    totals.set(type.name, g);
    for (let u = 0; u < count; u += 1) {
      g.users += 1;
      const meanGap = type.meanGapHours(rng) * 3600;
      const uploads: number[] = [];
      if (Number.isFinite(meanGap))
        for (let t = rng() * meanGap; t < horizon; t += meanGap * (0.5 + rng())) uploads.push(t);
      g.uploads += uploads.filter(measured).length;

      // The adaptive chain. It starts like `ensureChain` does: lastCheckedAt null (look back one
      // longest interval), never seen with data (so idle).
      let t = rng() * o.maxSeconds;
      let since = t - o.maxSeconds;
      let lastNewDataAt: number | undefined;
      let next = 0;
      while (t < horizon) {
        let newData = false;
        for (; next < uploads.length && uploads[next]! <= t; next += 1) {
          const up = uploads[next]!;
          if (up <= since) continue;
          newData = true;
          if (measured(up)) g.delays.push(t - up);
        }
        if (newData) lastNewDataAt = t;
        const wait = nextPollDelaySeconds(
          new Date(t * 1000),
          lastNewDataAt === undefined ? undefined : new Date(lastNewDataAt * 1000),
          intervals,
        );
        if (measured(t)) {
          g.checks += 1;
          if (newData) g.jobs += 1;
          g.hops += Math.max(0, Math.ceil(wait / o.hopSeconds) - 1);
        }
        since = t;
        t += wait;
      }

      // The fixed 15-minute poll over the same uploads: one job per slot with an upload.
      const phase = rng() * FIXED_INTERVAL;
      const slots = new Set<number>();
      for (const up of uploads) {
        if (!measured(up)) continue;
        const k = Math.ceil((up - phase) / FIXED_INTERVAL);
        slots.add(k);
        g.fixedDelays.push(phase + k * FIXED_INTERVAL - up);
      }
      g.fixedJobs += slots.size;
    }
  }

  const all = empty();
  for (const g of totals.values()) {
    all.users += g.users;
    all.uploads += g.uploads;
    all.checks += g.checks;
    all.jobs += g.jobs;
    all.hops += g.hops;
    all.fixedJobs += g.fixedJobs;
    for (const d of g.delays) all.delays.push(d);
    for (const d of g.fixedDelays) all.fixedDelays.push(d);
  }
  const row = (group: string, g: SimTotals): SimRow => {
    const userDays = g.users * 7;
    const fixedChecks = userDays * (DAY / FIXED_INTERVAL);
    const minutes = (delays: number[], p: number) =>
      delays.length === 0 ? null : round(percentile(delays, p) / 60, 1);
    return {
      group,
      users: g.users,
      uploadsPerUserDay: round(g.uploads / userDays, 2),
      checksPerUserDay: round(g.checks / userDays, 2),
      jobsPerCheckPct: round((100 * g.jobs) / g.checks, 2),
      jobsPerUpload: g.uploads === 0 ? null : round(g.jobs / g.uploads, 2),
      hopsPerUserDay: round(g.hops / userDays, 1),
      sqsMessagesPerUserDay: round((g.checks + g.hops) / userDays, 1),
      delayP50Minutes: minutes(g.delays, 50),
      delayP95Minutes: minutes(g.delays, 95),
      fixed15: {
        checksPerUserDay: DAY / FIXED_INTERVAL,
        sqsMessagesPerUserDay: DAY / FIXED_INTERVAL,
        jobsPerCheckPct: round((100 * g.fixedJobs) / fixedChecks, 2),
        delayP50Minutes: minutes(g.fixedDelays, 50),
        delayP95Minutes: minutes(g.fixedDelays, 95),
      },
    };
  };
  return [...[...totals].map(([name, g]) => row(name, g)), row('all', all)];
}

/** A delay in minutes as printed: minutes below two hours, hours above; '-' for none. */
const minutesText = (m: number | null) =>
  m === null ? '-' : m < 120 ? `${round(m)} min` : `${round(m / 60, 1)} h`;
const delayText = (p50: number | null, p95: number | null) => `${minutesText(p50)} / ${minutesText(p95)}`;

function printSim(rows: SimRow[]): void {
  const pad = (v: unknown, n: number) => String(v).padStart(n);
  console.log(
    `  ${'group'.padEnd(8)} ${pad('users', 5)} ${pad('uploads/d', 9)} | ${pad('checks/d', 8)} ${pad('jobs/check', 10)} ` +
      `${pad('jobs/upload', 11)} ${pad('hops/d', 6)} ${pad('SQS msgs/d', 10)} ${pad('delay p50 / p95', 17)} | ` +
      `fixed 15 min: ${pad('checks/d', 8)} ${pad('jobs/check', 10)} ${pad('delay p50 / p95', 17)}`,
  );
  for (const r of rows)
    console.log(
      `  ${r.group.padEnd(8)} ${pad(r.users, 5)} ${pad(r.uploadsPerUserDay, 9)} | ${pad(r.checksPerUserDay, 8)} ` +
        `${pad(`${r.jobsPerCheckPct} %`, 10)} ${pad(r.jobsPerUpload ?? '-', 11)} ${pad(r.hopsPerUserDay, 6)} ` +
        `${pad(r.sqsMessagesPerUserDay, 10)} ${pad(delayText(r.delayP50Minutes, r.delayP95Minutes), 17)} | ` +
        `              ${pad(r.fixed15.checksPerUserDay, 8)} ${pad(`${r.fixed15.jobsPerCheckPct} %`, 10)} ` +
        `${pad(delayText(r.fixed15.delayP50Minutes, r.fixed15.delayP95Minutes), 17)}`,
    );
}

// ---- Part B: the real stack ---------------------------------------------------------------------

interface Counts {
  child: ChildStats;
  aws: Record<string, number>;
  redis: Record<string, number>;
  sandbox: number;
  benchSqs: number;
  at: number;
}

interface PhaseResult {
  name: string;
  messages: number;
  seconds: number;
  perSecond: number;
  checks: number;
  hops: number;
  checksWithNewData: number;
  jobsEnqueued: number;
  superseded: number;
  stopped: number;
  /** The checker's own count of `hasNewData` requests, per check. */
  providerCallsPerCheck: number | null;
  /** What the sandbox served in the phase (every provider, every caller), per message. */
  sandboxRequestsPerMessage: number;
  workerCpuMicrosPerMessage: number;
  dynamoWriteCallsPerMessage: number;
  dynamoReadCallsPerMessage: number;
  /** The worker's SQS calls (receives, deletes, sends), the bench's own sends excluded. */
  workerSqsCallsPerMessage: number;
  /** Redis commands the worker ran (the bench's own scheduling happens before the phase starts). */
  redisCommandsPerMessage: number;
  awsCalls: Record<string, number>;
  redisCommands: Record<string, number>;
}

const delta = (after: Record<string, number>, before: Record<string, number>) =>
  Object.fromEntries(
    Object.entries(after)
      .map(([k, v]) => [k, v - (before[k] ?? 0)] as const)
      .filter(([, v]) => v !== 0),
  );
const sum = (counts: Record<string, number>, pick: (op: string) => boolean) =>
  Object.entries(counts).reduce((n, [op, c]) => (pick(op) ? n + c : n), 0);
const isWrite = (op: string) =>
  /DynamoDB_\d+\.(PutItem|UpdateItem|DeleteItem|BatchWriteItem|TransactWriteItems)$/.test(op);
const isRead = (op: string) => /DynamoDB_\d+\.(GetItem|Query|BatchGetItem|Scan|TransactGetItems)$/.test(op);
const isSqs = (op: string) => op.startsWith('AmazonSQS.');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Per-command totals from Redis INFO commandstats (`cmdstat_hget:calls=12,...`). */
async function redisCommandStats(redis: Redis): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const line of (await redis.info('commandstats')).split('\n')) {
    const m = /^cmdstat_([^:]+):calls=(\d+)/.exec(line.trim());
    if (m && m[1] !== 'info') out[m[1]!] = Number(m[2]);
  }
  return out;
}

/** SyncSucceeded/SyncFailed events of the local event log. */
function readEvents(file: string): Array<{ type: string; jobId: string; trigger: string; records: number }> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const e = JSON.parse(line) as {
        type: string;
        detail: { jobId: string; trigger?: string; recordsWritten?: number };
      };
      return {
        type: e.type,
        jobId: e.detail.jobId,
        trigger: e.detail.trigger ?? '',
        records: e.detail.recordsWritten ?? 0,
      };
    });
}

/** The sandbox's OAuth flow over HTTP (consent + code exchange, like testTokens.issueTokens). */
async function googleFitToken(sandboxUrl: string, sandboxUserId: string): Promise<string> {
  const verifier = randomBytes(32).toString('base64url');
  const redirectUri = 'http://127.0.0.1/callback';
  const consent = new URL(`${sandboxUrl}/google_fit/o/oauth2/v2/auth`);
  for (const [k, v] of Object.entries({
    client_id: 'sandbox-google_fit-client',
    redirect_uri: redirectUri,
    response_type: 'code',
    sandbox_user: sandboxUserId,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  }))
    consent.searchParams.set(k, v);
  const redirect = await fetch(consent, { redirect: 'manual' });
  const code = new URL(redirect.headers.get('location') ?? 'http://x/').searchParams.get('code');
  if (!code) throw new Error(`sandbox consent for ${sandboxUserId} gave no code`);
  const token = await json<{ access_token: string }>(
    await fetch(`${sandboxUrl}/google_fit/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: redirectUri,
        code_verifier: verifier,
        client_id: 'sandbox-google_fit-client',
        client_secret: 'sandbox-google_fit-secret',
      }),
    }),
  );
  return token.access_token;
}

/** A session uploaded through Google Fit's REST API, as the phone's Fit app would. */
async function uploadSession(
  sandboxUrl: string,
  token: string,
  id: string,
  startMs: number,
  endMs: number,
): Promise<void> {
  await json(
    await fetch(`${sandboxUrl}/google_fit/fitness/v1/users/me/sessions/${id}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        id,
        name: 'Evening Run',
        description: '',
        startTimeMillis: String(startMs),
        endTimeMillis: String(endMs),
        activeTimeMillis: String(endMs - startMs),
        activityType: 8,
        application: { packageName: 'com.google.android.apps.fitness' },
      }),
    }),
  );
}

interface PartBOptions {
  users: number;
  newShare: number;
  late: number;
  rounds: number;
}

async function partB(o: PartBOptions, logDir: string) {
  const stack = await startStack(path.join(logDir, 'poll-bench-stack.log'));
  const children: NodeChild[] = [stack.child];
  const redis = new Redis(stack.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true });
  try {
    const port = String(await freePort());
    const apiUrl = `http://127.0.0.1:${port}`;
    // The planner's minimum and hop set explicitly: every next check a measured check schedules
    // waits at least 900 s in the queue, beyond the end of the run, so each phase counts only the
    // messages it sent itself.
    const env = systemEnv(stack.env, port, {
      POLL_MIN_INTERVAL_SECONDS: '900',
      POLL_MAX_HOP_SECONDS: '900',
    });
    const sandboxUrl = env.PROVIDER_SANDBOX_URL!;
    await widenSandboxLimits(sandboxUrl);
    await startApiProcess(env, path.join(logDir, 'poll-bench-api.log'), children);
    const worker = spawnNode({
      name: 'worker',
      script: 'bench/poll.ts',
      env: { ...env, BENCH_POLL_ROLE: 'worker' },
      logFile: path.join(logDir, 'poll-bench-worker.log'),
    });
    children.push(worker);
    const childStats = () =>
      new Promise<ChildStats>((resolve) => {
        worker.process.once('message', (m: ChildStats) => resolve(m));
        worker.process.send({ type: 'stats' });
      });
    await redis.connect();
    const config = loadConfig(env);
    const sqsClient = createSqsJsonClient(config);
    let benchSqs = 0;
    const call = sqsClient.call.bind(sqsClient);
    sqsClient.call = ((operation: string, input: object, signal?: AbortSignal) => {
      benchSqs += 1;
      return call(operation, input, signal);
    }) as typeof sqsClient.call;
    // maxHop 0: a message that still has to wait is delivered at once, carrying all of its wait.
    const producer = new SqsMessageProducer(sqsClient, { pollSchedule: config.POLL_SCHEDULE_QUEUE_URL! }, 2);
    const pollState = new PollState(redis, config.POLL_MAX_INTERVAL_SECONDS * 2 + 3600);

    console.log(
      `fixtures: ${o.users} users with a Google Fit → Strava workout config (OAuth through the API), ` +
        'one session from yesterday each, first sync...',
    );
    const users = await createUsers(apiUrl, sandboxUrl, o.users, {
      empty: true,
      tag: 'poll',
      source: 'google_fit',
      destination: 'strava',
    });
    const tokens = new Map<string, string>();
    const yesterday = clock.now() - DAY * 1000;
    await inBatches(users, 20, async (u) => {
      tokens.set(u.userId, await googleFitToken(sandboxUrl, u.sandboxUserId));
      await uploadSession(
        sandboxUrl,
        tokens.get(u.userId)!,
        `bench-${u.userId}-0`,
        yesterday,
        yesterday + 1_800_000,
      );
      await createWorkoutConfig(apiUrl, u, 'newest_wins');
    });
    const firstJobs = await inBatches(users, 20, async (u) => {
      const res = await json<{ jobId: string }>(
        await fetch(`${apiUrl}/v1/sync-jobs`, {
          method: 'POST',
          headers: {
            authorization: u.authorization,
            'content-type': 'application/json',
            'idempotency-key': randomUUID(),
          },
          body: JSON.stringify({
            sourceConnectionId: u.source,
            destinationConnectionId: u.destination,
            dataType: 'workout',
            mode: 'manual',
          }),
        }),
      );
      return res.jobId;
    });
    const waitFor = async (what: string, done: () => Promise<boolean>, pollMs = 100, timeoutMs = 180_000) => {
      const deadline = Date.now() + timeoutMs;
      while (!(await done())) {
        if (Date.now() > deadline) throw new Error(`${what}: not done after ${timeoutMs / 1000} s`);
        await sleep(pollMs);
      }
    };
    const eventFile = env.EVENT_LOG_FILE!;
    // A job's event is written before its afterSync schedules the connection's first poll check:
    // wait for both, or a phase's chain head could be overwritten by a late afterSync and its
    // checks counted as superseded (the phase then never finishes; seen on a loaded machine).
    await waitFor('first sync', async () => {
      const seen = new Set(readEvents(eventFile).map((e) => e.jobId));
      if (!firstJobs.every((id) => seen.has(id))) return false;
      const heads = await Promise.all(users.map((u) => pollState.next(u.source)));
      return heads.every((head) => head !== null);
    });
    const firstEvents = readEvents(eventFile).filter((e) => firstJobs.includes(e.jobId));
    const firstFailed = firstEvents.filter((e) => e.type !== 'SyncSucceeded').length;
    const firstRecords = firstEvents.reduce((n, e) => n + e.records, 0);
    console.log(
      `first sync: ${firstJobs.length} jobs, ${firstRecords} workouts to Strava, ${firstFailed} failed`,
    );
    if (firstFailed > 0) throw new Error(`first sync: ${firstFailed} jobs failed; see ${worker.logFile}`);

    const snapshot = async (): Promise<Counts> => {
      await sleep(300); // deferred batch writes and sends land first
      const stats = await json<{ requests: Record<string, number> }>(
        await fetch(`${sandboxUrl}/_sandbox/stats`),
      );
      return {
        child: await childStats(),
        aws: await stack.counters(),
        redis: await redisCommandStats(redis),
        sandbox: Object.values(stats.requests).reduce((a, b) => a + b, 0),
        benchSqs,
        at: performance.now(),
      };
    };

    /** Every message checked, and every hot-path job those checks enqueued run. */
    const checksAndJobsDone = (n: number) => (c0: ChildStats, c: ChildStats) =>
      c.preflight.checks - c0.preflight.checks >= n &&
      c.stats.jobs - c0.stats.jobs >= c.preflight.jobs - c0.preflight.jobs;

    /**
     * One due message per user, as `AdaptivePoller.ensureChain` sends it: the chain head in
     * Redis first (before the measurement starts), then the message. `wait` > 0 makes it a hop.
     */
    async function phase(
      name: string,
      targets: User[],
      lastCheckedAt: Date,
      wait = 0,
      until: (c0: ChildStats, c: ChildStats) => boolean = checksAndJobsDone(targets.length),
    ): Promise<PhaseResult> {
      const scheduledFor = new Date(clock.now() + wait * 1000).toISOString();
      await inBatches(targets, 50, (u) => pollState.schedule(u.source, scheduledFor));
      const before = await snapshot();
      const t0 = performance.now();
      await Promise.all(
        targets.map((u) =>
          sendPollHop(
            producer,
            {
              userId: u.userId,
              connectionId: u.source,
              provider: 'google_fit',
              dataTypes: ['workout'],
              scheduledFor,
              lastCheckedAt: lastCheckedAt.toISOString(),
            },
            wait,
            0,
          ),
        ),
      );
      await producer.drain();
      // A phase lasts well under a second: the worker is asked every 5 ms.
      await waitFor(name, async () => until(before.child, await childStats()), 5);
      const seconds = (performance.now() - t0) / 1000;
      const after = await snapshot();
      const p0 = before.child.preflight;
      const p1 = after.child.preflight;
      const aws = delta(after.aws, before.aws);
      const redisCommands = delta(after.redis, before.redis);
      const checks = p1.checks - p0.checks;
      const hops = p1.hops - p0.hops;
      const messages = targets.length;
      const cpu =
        after.child.cpu.user + after.child.cpu.system - (before.child.cpu.user + before.child.cpu.system);
      return {
        name,
        messages,
        seconds: round(seconds, 2),
        perSecond: round(messages / seconds, 1),
        checks,
        hops,
        checksWithNewData: p1.checksWithNewData - p0.checksWithNewData,
        jobsEnqueued: p1.jobs - p0.jobs,
        superseded: p1.superseded - p0.superseded,
        stopped: p1.stopped - p0.stopped,
        providerCallsPerCheck: checks > 0 ? round((p1.providerCalls - p0.providerCalls) / checks, 2) : null,
        sandboxRequestsPerMessage: round((after.sandbox - before.sandbox) / messages, 2),
        workerCpuMicrosPerMessage: round(cpu / messages),
        dynamoWriteCallsPerMessage: round(sum(aws, isWrite) / messages, 3),
        dynamoReadCallsPerMessage: round(sum(aws, isRead) / messages, 3),
        workerSqsCallsPerMessage: round((sum(aws, isSqs) - (after.benchSqs - before.benchSqs)) / messages, 2),
        redisCommandsPerMessage: round(sum(redisCommands, () => true) / messages, 2),
        awsCalls: aws,
        redisCommands,
      };
    }
    const show = (p: PhaseResult) =>
      console.log(
        `${p.name.padEnd(36)} ${String(p.messages).padStart(5)} msgs ${String(p.perSecond).padStart(7)}/s  ` +
          `checks ${p.checks} hops ${p.hops} jobs ${p.jobsEnqueued}  provider calls/check ${p.providerCallsPerCheck ?? '-'}  ` +
          `CPU ${p.workerCpuMicrosPerMessage} µs/msg  DynamoDB writes/msg ${p.dynamoWriteCallsPerMessage} ` +
          `reads/msg ${p.dynamoReadCallsPerMessage}  SQS/msg ${p.workerSqsCallsPerMessage}  Redis/msg ${p.redisCommandsPerMessage}`,
      );

    let lastChecked = clock.date();
    console.log('\nwarm-up (discarded)...');
    for (let r = 1; r <= 2; r += 1) show(await phase(`warm-up ${r} (discarded)`, users, lastChecked));
    const idle: PhaseResult[] = [];
    for (let r = 1; r <= o.rounds; r += 1) {
      const at = clock.date();
      const p = await phase(`nothing new, round ${r}`, users, lastChecked);
      lastChecked = at;
      show(p);
      idle.push(p);
    }
    const hops: PhaseResult[] = [];
    for (let r = 1; r <= 3; r += 1) {
      const p = await phase(
        `hops (1 h still to wait), round ${r}`,
        users,
        lastChecked,
        3600,
        (c0, c) => c.preflight.hops - c0.preflight.hops >= users.length,
      );
      show(p);
      hops.push(p);
    }

    // ~5 % of users finish a run and their phone uploads it.
    const step = Math.max(1, Math.round(1 / o.newShare));
    const fresh = users.filter((_, i) => i % step === 0);
    const late = users.filter((_, i) => i % step === Math.floor(step / 2)).slice(0, o.late);
    const checkedAt = clock.date();
    await sleep(20);
    const uploadedAt = clock.now();
    await Promise.all(
      fresh.map((u) =>
        uploadSession(
          sandboxUrl,
          tokens.get(u.userId)!,
          `bench-${u.userId}-1`,
          uploadedAt - 1_800_000,
          uploadedAt,
        ),
      ),
    );
    const worker0 = (await childStats()).stats;
    // The phase ends when the hot-path jobs the checks started have run too (each copies the new
    // session to Strava), so its CPU includes them.
    const mixed = await phase(`${fresh.length} of ${users.length} with a new session`, users, checkedAt);
    show(mixed);
    const worker1 = (await childStats()).stats;
    const stravaHas = async (u: User) => {
      const records = await json<Array<{ createdBy?: string }>>(
        await fetch(
          `${sandboxUrl}/_sandbox/users/${u.sandboxUserId}/records?provider=strava&dataType=workout`,
        ),
      );
      return records.filter((r) => r.createdBy === 'api').length;
    };
    const synced = async (group: User[], atLeast: number) =>
      (await Promise.all(group.map(stravaHas))).filter((n) => n >= atLeast).length;
    const freshSynced = await synced(fresh, 2);

    // Late uploads: a session that ENDED before the user's last check (phone offline, watch synced
    // late) is uploaded after it. `hasNewData` asks Google Fit for sessions modified since the last
    // check, so the next check should see it and its job copy it.
    let lateUploads: (PhaseResult & { uploads: number; detected: number; onStrava: number }) | null = null;
    if (late.length > 0) {
      const lateCheckedAt = clock.date();
      await sleep(20);
      await Promise.all(
        late.map((u) =>
          uploadSession(
            sandboxUrl,
            tokens.get(u.userId)!,
            `bench-${u.userId}-late`,
            lateCheckedAt.getTime() - 2_400_000,
            lateCheckedAt.getTime() - 600_000,
          ),
        ),
      );
      const p = await phase('late uploads (ended before last check)', late, lateCheckedAt);
      show(p);
      lateUploads = {
        ...p,
        uploads: late.length,
        detected: p.checksWithNewData,
        onStrava: await synced(late, 2),
      };
    }
    const pollJobs = readEvents(eventFile).filter((e) => e.trigger === 'poll');

    redis.disconnect();
    return {
      users: o.users,
      firstSync: { jobs: firstJobs.length, recordsWritten: firstRecords },
      idleRounds: idle,
      hops,
      mixed: {
        ...mixed,
        usersWithNewSession: fresh.length,
        triggeredJobsRun: worker1.jobs - worker0.jobs,
        triggeredJobsSucceeded: worker1.succeeded - worker0.succeeded,
        pollJobEvents: pollJobs.length,
        pollJobRecordsWritten: pollJobs.reduce((n, e) => n + e.records, 0),
        newSessionsOnStrava: freshSynced,
      },
      lateUploads,
    };
  } finally {
    redis.disconnect();
    for (const child of children.reverse()) await child.stop(30_000);
  }
}

// ---- main ---------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const { values: given } = parseArgs({
    options: {
      'sim-users': { type: 'string' },
      seed: { type: 'string', default: '42' },
      users: { type: 'string' },
      'new-share': { type: 'string' },
      late: { type: 'string' },
      rounds: { type: 'string' },
      'sim-only': { type: 'boolean', default: false },
      out: { type: 'string' },
      smoke: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  const smoke = given.smoke ?? false;
  // The full run's defaults, or the smoke run's (bench/lib/smoke.ts): both parts, few users.
  const runDefaults = smoke
    ? { 'sim-users': '100', users: '20', 'new-share': '0.1', late: '2', rounds: '1' }
    : { 'sim-users': '1000', users: '200', 'new-share': '0.05', late: '5', rounds: '10' };
  // parseArgs leaves options that were not given out of `given`: those take the defaults.
  const args = { ...runDefaults, ...given };
  if (args.help) {
    console.log(`npm run bench:poll -- [options]
  --sim-users N    Part A: simulated Google Fit users per population          [1000]
  --seed N         Part A: PRNG seed                                          [42]
  --users N        Part B: users on the real stack                            [200]
  --new-share F    Part B: share of them with a new session before the check  [0.05]
  --late N         Part B: users uploading a session that ended before their last check [5]
  --rounds N       Part B: measured rounds of "nothing new" checks            [10]
  --sim-only       Part A only (no stack; writes a file only with --out)
  --out FILE       JSON results                                               [bench/results/poll-latest.json]
  --smoke          both parts, small: 100 simulated users, 20 real ones, 1 measured round, 2 late
                   uploads (options above override): exit 1 unless every check, hop and job was
                   counted and every figure is a number; targets not checked; writes
                   bench/results/poll-smoke.json.tmp`);
    return;
  }
  const file = resultsFile('poll', smoke, args.out, 'bench/results/poll-latest.json');
  const num = (name: string, v: string | undefined, min: number) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number ≥ ${min}`);
    return n;
  };
  // The product's defaults (core/config/config.ts), so the figures follow a change of them.
  const defaults = loadConfig({ HOT_PATH_QUEUE_URL: 'http://127.0.0.1/q', FIREBASE_PROJECT_ID: 'bench' });
  const intervals = {
    minSeconds: defaults.POLL_MIN_INTERVAL_SECONDS,
    maxSeconds: defaults.POLL_MAX_INTERVAL_SECONDS,
    hopSeconds: defaults.POLL_MAX_HOP_SECONDS,
  };
  // Checks from an upload until the wait reaches the ceiling (the planner's ramp).
  let ramp = 0;
  for (let t = 0, wait = 0; wait < intervals.maxSeconds; ramp++) {
    wait = nextPollDelaySeconds(new Date(t * 1000), new Date(0), intervals);
    t += wait;
  }
  const seed = num('seed', args.seed, 0);
  const simUsers = num('sim-users', args['sim-users'], 1);

  console.log(
    `Part A: ${simUsers} simulated Google Fit users per population, one measured week after a warm-up ` +
      `week (seed ${seed}),\nplanner ${intervals.minSeconds / 60} min .. ${intervals.maxSeconds / 3600} h ` +
      `(worker/polling/pollPlanner.ts), hops of ${intervals.hopSeconds} s. ` +
      'Uploads: gap = mean × U(0.5, 1.5), random phase.\nA check finds new data iff an upload came since ' +
      'the last check, and then triggers one full job.',
  );
  const simulated = POPULATIONS.map((pop) => {
    const rows = simulate({ users: simUsers, seed, ...intervals, types: pop.types });
    console.log(
      `\n${pop.name} (${pop.describe}): ` +
        pop.types.map((t) => `${Math.round(t.share * 100)} % ${t.describe} (${t.name})`).join(', '),
    );
    printSim(rows);
    return { pop, rows, all: rows.find((r) => r.group === 'all')! };
  });
  const allOf = (key: Population['key']) => simulated.find((p) => p.pop.key === key)!.all;
  const idleAll = allOf('mostlyIdle');
  const regularAll = allOf('regular');
  const dormantAll = allOf('dormant');
  const pass = idleAll.jobsPerCheckPct <= 5;
  console.log(
    [
      '',
      `requirement "full jobs per poll ≤ 5 % for mostly-idle users", checked against the "mostly idle" ` +
        `population: ${idleAll.jobsPerCheckPct} % → ${pass ? 'PASS' : 'FAIL'} ` +
        `(${idleAll.checksPerUserDay} checks and ${idleAll.sqsMessagesPerUserDay} SQS messages per user and day; ` +
        `fixed 15-min poll: ${idleAll.fixed15.jobsPerCheckPct} % at 96 checks)`,
      `regular, for information: ${regularAll.jobsPerCheckPct} %. Jobs per check ≈ uploads / checks ` +
        `(${regularAll.uploadsPerUserDay} / ${regularAll.checksPerUserDay}); the planner makes ~${ramp} checks between ` +
        `an upload and the ${intervals.maxSeconds / 3600} h ceiling, then ${DAY / intervals.maxSeconds} a day, so a user ` +
        `uploading every d days gets about 1 / (${ramp} + ${DAY / intervals.maxSeconds}·d) jobs per check: the ratio ` +
        'is bounded by how rarely users upload, not by the checker.',
      `dormant only, the floor: ${dormantAll.checksPerUserDay} checks/user/day, ${dormantAll.jobsPerCheckPct} % ` +
        `jobs, ${dormantAll.sqsMessagesPerUserDay} SQS messages/user/day (a day of waiting travels as ` +
        `${DAY / intervals.hopSeconds} hops of ≤ ${intervals.hopSeconds} s).`,
    ].join('\n'),
  );
  // How the share depends on how idle users are: one user type at a time.
  const byIdleness = [0.25, 1, 2, 3.5, 7, 14].map((days) => {
    const [row] = simulate({
      users: Math.min(500, simUsers),
      seed,
      ...intervals,
      types: [{ name: `${days} d`, share: 1, describe: '', meanGapHours: () => days * 24 }],
    });
    return {
      uploadEveryDays: days,
      checksPerUserDay: row!.checksPerUserDay,
      jobsPerCheckPct: row!.jobsPerCheckPct,
      delayP50Minutes: row!.delayP50Minutes,
    };
  });
  console.log(
    '\nsensitivity, all users alike, upload every: ' +
      byIdleness
        .map((s) => `${s.uploadEveryDays} d → ${s.jobsPerCheckPct} % (${s.checksPerUserDay} checks/d)`)
        .join(', '),
  );
  // And on the longest wait (POLL_MAX_INTERVAL_SECONDS): the share of checks that find something
  // falls only when there are more checks per upload.
  const byMaxInterval = (pop: Population) =>
    [24, 12, 6, 3, 2].map((hours) => {
      const row = simulate({
        users: simUsers,
        seed,
        ...intervals,
        maxSeconds: hours * 3600,
        types: pop.types,
      }).find((r) => r.group === 'all')!;
      return {
        maxIntervalHours: hours,
        checksPerUserDay: row.checksPerUserDay,
        jobsPerCheckPct: row.jobsPerCheckPct,
        sqsMessagesPerUserDay: row.sqsMessagesPerUserDay,
        delayP50Minutes: row.delayP50Minutes,
        delayP95Minutes: row.delayP95Minutes,
      };
    });
  const sensitivityMax = Object.fromEntries(
    POPULATIONS.filter((p) => p.key !== 'dormant').map((p) => [p.key, byMaxInterval(p)]),
  );
  for (const pop of POPULATIONS.filter((p) => p.key !== 'dormant'))
    console.log(
      `sensitivity, ${pop.name}, POLL_MAX_INTERVAL_SECONDS: ` +
        sensitivityMax[pop.key]!.map(
          (s) =>
            `${s.maxIntervalHours} h → ${s.jobsPerCheckPct} % (${s.checksPerUserDay} checks/d, ` +
            `delay p95 ${minutesText(s.delayP95Minutes)})`,
        ).join(', '),
    );
  const partA = {
    usersPerPopulation: simUsers,
    seed,
    intervals,
    requirement: { population: 'mostlyIdle', jobsPerCheckPct: idleAll.jobsPerCheckPct, maxPct: 5, pass },
    populations: Object.fromEntries(
      simulated.map(({ pop, rows }) => [
        pop.key,
        {
          name: pop.name,
          describe: pop.describe,
          mix: pop.types.map((t) => ({ name: t.name, share: t.share, uploads: t.describe })),
          rows,
        },
      ]),
    ),
    sensitivity: { byIdleness, byMaxInterval: sensitivityMax },
  };
  const partAProblems = [
    ...positive('Part A: checks per user and day, mostly idle', idleAll.checksPerUserDay),
    ...nonFiniteFigures(partA, 'partA'),
  ];
  if (args['sim-only']) {
    if (args.out)
      writeFileSync(args.out, `${JSON.stringify({ when: new Date().toISOString(), partA }, null, 2)}\n`);
    if (smoke) process.exitCode = smokeVerdict('poll', partAProblems);
    return;
  }

  const logDir = path.join(REPO_ROOT, '.state', 'bench');
  mkdirSync(logDir, { recursive: true });
  console.log('\nPart B: the real stack (API, worker, emulators, provider sandbox)');
  const partBResult = await partB(
    {
      users: num('users', args.users, 20),
      newShare: num('new-share', args['new-share'], 0.001),
      late: num('late', args.late, 0),
      rounds: num('rounds', args.rounds, 1),
    },
    logDir,
  );
  const idle = partBResult.idleRounds;
  // Every round has one message per user: the mean over rounds is the pooled figure.
  const meanOf = (rounds: PhaseResult[], f: (p: PhaseResult) => number, digits = 2) =>
    round(rounds.reduce((n, p) => n + f(p), 0) / rounds.length, digits);
  const unitCosts = (rounds: PhaseResult[]) => {
    const cpu = rounds.map((p) => p.workerCpuMicrosPerMessage);
    return {
      rounds: rounds.length,
      perSecond: round(
        rounds.reduce((n, p) => n + p.messages, 0) / rounds.reduce((n, p) => n + p.seconds, 0),
        1,
      ),
      providerCalls: meanOf(rounds, (p) => p.sandboxRequestsPerMessage),
      hotPathJobs: meanOf(rounds, (p) => p.jobsEnqueued / p.messages),
      dynamoWrites: meanOf(rounds, (p) => p.dynamoWriteCallsPerMessage, 3),
      dynamoReads: meanOf(rounds, (p) => p.dynamoReadCallsPerMessage, 3),
      workerSqsCalls: meanOf(rounds, (p) => p.workerSqsCallsPerMessage),
      redisCommands: meanOf(rounds, (p) => p.redisCommandsPerMessage),
      workerCpuMicros: meanOf(rounds, (p) => p.workerCpuMicrosPerMessage, 0),
      // An object, not an array: the file stays as Prettier would print it.
      workerCpuMicrosRange: { min: Math.min(...cpu), max: Math.max(...cpu) },
    };
  };
  const m = partBResult.mixed;
  const lu = partBResult.lateUploads;
  const summary = {
    emptyCheck: unitCosts(idle),
    hop: unitCosts(partBResult.hops),
    roundWithNewData: {
      checks: m.checks,
      usersWithNewSession: m.usersWithNewSession,
      jobsEnqueued: m.jobsEnqueued,
      jobsPerCheckPct: round((100 * m.jobsEnqueued) / m.checks, 2),
      triggeredJobsSucceeded: m.triggeredJobsSucceeded,
      newSessionsOnStrava: m.newSessionsOnStrava,
      workerCpuMicrosPerCheckInclJobs: m.workerCpuMicrosPerMessage,
    },
    lateUploads: lu && {
      uploads: lu.uploads,
      detected: lu.detected,
      jobsEnqueued: lu.jobsEnqueued,
      onStrava: lu.onStrava,
    },
  };
  // Part A's chain shapes priced with Part B's unit costs: one user of each population, one day.
  const e = summary.emptyCheck;
  const h = summary.hop;
  const perUserDay = (checks: number, hopCount: number) => ({
    checks,
    hops: hopCount,
    providerCalls: round(checks * e.providerCalls, 1),
    sqsMessages: round(checks + hopCount, 1),
    redisCommands: round(checks * e.redisCommands + hopCount * h.redisCommands),
    workerCpuMs: round((checks * e.workerCpuMicros + hopCount * h.workerCpuMicros) / 1000, 1),
  });
  const costPerUserDay = {
    ...Object.fromEntries(
      simulated.map(({ pop, all }) => [pop.key, perUserDay(all.checksPerUserDay, all.hopsPerUserDay)]),
    ),
    fixed15: perUserDay(idleAll.fixed15.checksPerUserDay, 0),
  } as Record<Population['key'] | 'fixed15', ReturnType<typeof perUserDay>>;
  const row = (label: string, ...cells: unknown[]) =>
    `  ${label.padEnd(30)}${cells.map((c) => ` ${String(c).padStart(14)}`).join('')}`;
  const costColumns = [...POPULATIONS.map((p) => p.key), 'fixed15'] as const;
  const costRow = (label: string, f: (c: ReturnType<typeof perUserDay>) => unknown) =>
    row(label, ...costColumns.map((k) => f(costPerUserDay[k])));
  console.log(
    [
      '',
      `summary (${e.rounds} rounds of ${partBResult.users} empty checks, ${h.rounds} of ${partBResult.users} hops):`,
      row('', 'empty check', 'hop'),
      row('per second', e.perSecond, h.perSecond),
      row('provider calls', e.providerCalls, h.providerCalls),
      row('hot-path jobs', e.hotPathJobs, h.hotPathJobs),
      row('DynamoDB writes', e.dynamoWrites, h.dynamoWrites),
      row('DynamoDB reads', e.dynamoReads, h.dynamoReads),
      row('SQS calls (worker)', e.workerSqsCalls, h.workerSqsCalls),
      row('Redis commands', e.redisCommands, h.redisCommands),
      row('worker CPU, µs', e.workerCpuMicros, h.workerCpuMicros),
      row(
        '  (rounds)',
        `${e.workerCpuMicrosRange.min}-${e.workerCpuMicrosRange.max}`,
        `${h.workerCpuMicrosRange.min}-${h.workerCpuMicrosRange.max}`,
      ),
      '',
      `round with new data: ${m.usersWithNewSession} of ${m.checks} users uploaded a session since the last check → ` +
        `${m.jobsEnqueued} hot-path jobs (${summary.roundWithNewData.jobsPerCheckPct} % of checks), ` +
        `${m.triggeredJobsSucceeded} succeeded, ${m.newSessionsOnStrava} sessions on Strava; ` +
        `${m.workerCpuMicrosPerMessage} µs worker CPU per check with the jobs`,
      ...(lu
        ? [
            `late uploads (session ended before the last check, uploaded after): ${lu.detected} of ` +
              `${lu.uploads} detected by the next check → ${lu.jobsEnqueued} hot-path jobs, ` +
              `${lu.onStrava} of ${lu.uploads} sessions on Strava`,
          ]
        : []),
      '',
      "per user and day (Part A's populations priced with the unit costs above; triggered jobs not included):",
      row('', ...POPULATIONS.map((p) => p.name), 'fixed 15 min'),
      costRow('checks', (c) => c.checks),
      costRow('hops', (c) => c.hops),
      costRow('provider calls', (c) => c.providerCalls),
      costRow('SQS messages (checks + hops)', (c) => c.sqsMessages),
      costRow('Redis commands', (c) => c.redisCommands),
      costRow('worker CPU, ms', (c) => c.workerCpuMs),
    ].join('\n'),
  );

  const partBFigures = { summary, costPerUserDay, ...partBResult };
  writeFileSync(
    file,
    `${JSON.stringify({ when: new Date().toISOString(), partA, partB: partBFigures }, null, 2)}\n`,
  );
  console.log(`results: ${path.relative(REPO_ROOT, file)}`);
  const problems: string[] = [];
  const ok =
    m.jobsEnqueued === m.usersWithNewSession &&
    m.triggeredJobsSucceeded === m.jobsEnqueued &&
    m.newSessionsOnStrava === m.usersWithNewSession &&
    idle.every((p) => p.checks === partBResult.users && p.jobsEnqueued === 0);
  if (!ok)
    problems.push('a check went wrong: jobs ≠ users with new data, a job failed, or a round lost checks');
  if (lu && (lu.detected !== lu.uploads || lu.jobsEnqueued !== lu.uploads || lu.onStrava !== lu.uploads))
    problems.push(
      `late uploads: ${lu.detected} of ${lu.uploads} detected, ${lu.onStrava} on Strava (expected all)`,
    );
  if (smoke) {
    process.exitCode = smokeVerdict('poll', [
      ...problems,
      ...partAProblems,
      ...positive('Part B: first sync records written', partBResult.firstSync.recordsWritten),
      ...positive('Part B: empty checks per second', e.perSecond),
      ...positive('Part B: provider calls per empty check', e.providerCalls),
      ...positive('Part B: hops per second', h.perSecond),
      ...nonFiniteFigures(partBFigures, 'partB'),
    ]);
    return;
  }
  for (const p of problems) console.error(p);
  if (problems.length) process.exitCode = 1;
}

if (process.env.BENCH_POLL_ROLE === 'worker') await workerChild();
else {
  if (process.argv.includes('--smoke')) smokeWatchdog('poll', 180);
  await main();
}
