// `npm run bench:soak`: one worker under a steady load for 10 minutes (issue 16 §3). Samples its
// memory, event-loop delay and handles from its own `/metrics`, its CPU from /proc and the Redis key
// count, then says whether they stay flat once warm (./soak/trend.ts) and whether every job ended
// well. See bench/results/README.md, "Soak".
//
// Processes: this one (fixtures, load, sampling), the local stack with the sandbox
// (bench/lib/stackProcess.ts), the API and ONE worker with its metrics listener on a loopback port.
// The load is the chaos suite's (bench/chaos/load.ts): manual POSTs, scheduler-style messages and
// webhook deliveries over a fixed set of users, so the working set stops growing once each synced.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../core/config/config.js';
import { freePort } from '../infra/local/freePort.js';
import { readQueues } from './chaos/audit.js';
import { pipelineBacklog } from './chaos/experiment.js';
import { createConfiguredUsers } from './chaos/fleet.js';
import { watchJobs } from './chaos/jobWatch.js';
import { startLoad } from './chaos/load.js';
import { seededRandom } from './chaos/random.js';
import { logLevelCounts, REPO_ROOT, spawnNode, waitForHttp, type NodeChild } from './lib/proc.js';
import { nonFiniteFigures, positive, resultsFile, smokeVerdict, smokeWatchdog } from './lib/smoke.js';
import { round } from './lib/stats.js';
import {
  startApiProcess,
  startStack,
  systemEnv,
  shortenWebhookWindow,
  widenFitbitLimit,
  widenSandboxLimits,
} from './lib/system.js';
import { sampleHeader, sampleLine, trendTable } from './soak/report.js';
import { startSampler, type SoakSample } from './soak/sampler.js';
import { LIMITS, notFlat, trends } from './soak/trend.js';

process.removeAllListeners('warning');

const { values: given } = parseArgs({
  options: {
    seconds: { type: 'string' },
    'sample-seconds': { type: 'string' },
    rate: { type: 'string' },
    users: { type: 'string' },
    seed: { type: 'string', default: '1' },
    'log-level': { type: 'string', default: 'warn' },
    out: { type: 'string' },
    smoke: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
const SMOKE = given.smoke ?? false;
// The full run's defaults, or the smoke run's (bench/lib/smoke.ts): the same run, 20 s of it.
const defaults = SMOKE
  ? { seconds: '20', 'sample-seconds': '2', rate: '10', users: '8' }
  : { seconds: '600', 'sample-seconds': '10', rate: '20', users: '200' };
// parseArgs leaves options that were not given out of `given`: those take the defaults.
const args = { ...defaults, ...given };
if (args.help) {
  console.log(`npm run bench:soak -- [options]
  --seconds S          how long the steady load runs                              [600]
  --sample-seconds S   time between samples of the worker                         [10]
  --rate R             jobs submitted per second (manual, scheduled, webhook)     [20]
  --users N            users the load is spread over (each with workouts)         [200]
  --seed N             the load mix                                               [1]
  --log-level L        the worker's and the API's LOG_LEVEL                       [warn]
  --out FILE           JSON results                                [bench/results/soak-latest.json]
  --smoke              20 s at 10 jobs/s over 8 users, a sample every 2 s (options above override):
                       exit 1 unless every job ended well and every figure is a number; flatness
                       not checked; writes bench/results/soak-smoke.json.tmp`);
  process.exit(0);
}
const int = (name: string, v: string | undefined) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer`);
  return n;
};
const SECONDS = int('seconds', args.seconds);
const SAMPLE_SECONDS = int('sample-seconds', args['sample-seconds']);
const RATE = int('rate', args.rate);
const USERS = int('users', args.users);
const SEED = Number(args.seed);
if (!Number.isInteger(SEED)) throw new Error('--seed must be an integer');
const OUT = resultsFile('soak', SMOKE, args.out, 'bench/results/soak-latest.json');
const LOG_DIR = path.join(REPO_ROOT, '.state', 'bench');
mkdirSync(LOG_DIR, { recursive: true });
/** Webhook buffer delay and coalescing window (AWS: 60 s each), so the drain takes seconds. */
const WEBHOOK_WINDOW_SECONDS = '5';
const DRAIN_SECONDS = SMOKE ? 60 : 180;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const loadAverage = () => loadavg().map((v) => round(v, 2));
const commit = () => {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
};

async function main(): Promise<void> {
  const startedAt = new Date();
  const loadAverageStart = loadAverage();
  const stack = await startStack(path.join(LOG_DIR, 'soak-stack.log'));
  const children: NodeChild[] = [stack.child];
  try {
    const port = String(await freePort());
    const apiUrl = `http://127.0.0.1:${port}`;
    const env = systemEnv(stack.env, port, {
      LOG_LEVEL: args['log-level'] ?? 'warn',
      SYNC_INITIAL_LOOKBACK_DAYS: '30',
      COALESCING_WINDOW_SECONDS: WEBHOOK_WINDOW_SECONDS,
    });
    const config = loadConfig(env);
    const sandboxUrl = env.PROVIDER_SANDBOX_URL!;
    await widenSandboxLimits(sandboxUrl);
    await widenFitbitLimit(sandboxUrl);
    await shortenWebhookWindow(config, WEBHOOK_WINDOW_SECONDS);
    await startApiProcess(env, path.join(LOG_DIR, 'soak-api.log'), children);
    // Only the worker gets the metrics listener: the API would take the same port.
    const metricsPort = String(await freePort());
    const worker = spawnNode({
      name: 'worker',
      script: 'worker/main.ts',
      env: { ...env, METRICS_PORT: metricsPort, METRICS_HOST: '127.0.0.1' },
      logFile: path.join(LOG_DIR, 'soak-worker.log'),
    });
    children.push(worker);
    const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    await waitForHttp(metricsUrl, worker, 60_000);
    let workerExited = false;
    void worker.exited.then(() => (workerExited = true));

    console.log(`fixtures: ${USERS} users, each with workouts at the source and a sync configuration...`);
    const users = await createConfiguredUsers(apiUrl, sandboxUrl, USERS, 'soak');

    const sampler = startSampler({ metricsUrl, redisUrl: env.REDIS_URL!, workerPid: worker.pid });
    const watch = watchJobs(config);
    const samples: SoakSample[] = [];
    let redisKeysAtHalf: Record<string, number> = {};
    let redisKeysAtEnd: Record<string, number> = {};
    let drainSeconds: number | null = null;
    const load = startLoad({ apiUrl, config }, users, {
      rate: RATE,
      random: seededRandom(SEED).fork('soak'),
    });
    const t0 = performance.now();
    try {
      console.log(
        `load: ${RATE} jobs/s for ${SECONDS} s over ${USERS} users; a sample every ${SAMPLE_SECONDS} s\n`,
      );
      console.log(sampleHeader());
      for (let k = 0; k * SAMPLE_SECONDS <= SECONDS; k += 1) {
        const wait = t0 + k * SAMPLE_SECONDS * 1000 - performance.now();
        if (wait > 0) await sleep(wait);
        const sample = await sampler.sample((performance.now() - t0) / 1000);
        samples.push(sample);
        console.log(sampleLine(sample));
        if (k * SAMPLE_SECONDS < SECONDS / 2 && (k + 1) * SAMPLE_SECONDS >= SECONDS / 2)
          redisKeysAtHalf = await sampler.redisKeysByKind();
        if (workerExited) throw new Error(`the worker exited during the soak; see ${worker.logFile}`);
      }
      redisKeysAtEnd = await sampler.redisKeysByKind();
    } finally {
      await load.stop();
    }
    const loadSeconds = (performance.now() - t0) / 1000;
    const submitted = load.current;

    // Drain: every manual job final and nothing left in the pipeline's queues.
    const drainStart = performance.now();
    const deadline = Date.now() + DRAIN_SECONDS * 1000;
    for (;;) {
      await watch.poll(submitted.manualJobs);
      const final = submitted.manualJobs.every((j) => watch.finishedAt.has(j.jobId));
      if (final && (await pipelineBacklog({ config })) === 0) {
        drainSeconds = round((performance.now() - drainStart) / 1000, 1);
        break;
      }
      if (Date.now() > deadline) break;
      await sleep(500);
    }
    // One more sample with nothing to do: where the worker settles when idle.
    const afterDrain = await sampler.sample((performance.now() - t0) / 1000);
    const queues = await readQueues({ config }, new Set());
    await sampler.stop();
    watch.stop();

    const manual = submitted.manualJobs;
    const manualFailed = manual.filter((j) => watch.finalStatus.get(j.jobId) === 'FAILED').length;
    const manualNotFinal = manual.filter((j) => !watch.finishedAt.has(j.jobId)).length;
    const refused = Object.values(submitted.refused).reduce((a, b) => a + b, 0);
    const accepted = Object.values(submitted.accepted).reduce((a, b) => a + b, 0);
    const workerLog = logLevelCounts(worker.logFile);
    const errors = [
      ...(refused > 0 ? [`${refused} submissions refused: ${JSON.stringify(submitted.refused)}`] : []),
      ...(manualNotFinal > 0 ? [`${manualNotFinal} manual jobs not final after ${DRAIN_SECONDS} s`] : []),
      ...(manualFailed > 0 ? [`${manualFailed} manual jobs FAILED`] : []),
      ...(afterDrain.jobsFailed > 0 ? [`the worker counted ${afterDrain.jobsFailed} failed jobs`] : []),
      ...(afterDrain.attemptFailures > 0
        ? [`${afterDrain.attemptFailures} sync attempts failed and were retried`]
        : []),
      ...(afterDrain.messagesFailed > 0 ? [`${afterDrain.messagesFailed} messages failed or poisonous`] : []),
      ...(Object.keys(queues.waiting).length > 0
        ? [`left in queues: ${JSON.stringify(queues.waiting)}`]
        : []),
      ...(queues.deadLetterDepth > 0 ? [`${queues.deadLetterDepth} dead letters`] : []),
      ...(workerLog.errors > 0 ? [`${workerLog.errors} error lines in ${worker.logFile}`] : []),
      ...(workerExited ? ['the worker exited'] : []),
    ];
    const trend = trends(samples, SECONDS);
    const problems = notFlat(trend);
    const result = {
      when: startedAt.toISOString(),
      commit: commit(),
      smoke: SMOKE,
      seconds: SECONDS,
      sampleSeconds: SAMPLE_SECONDS,
      rate: RATE,
      users: USERS,
      seed: SEED,
      machine: { cpus: cpus().length, loadAverageStart, loadAverageEnd: loadAverage() },
      load: {
        seconds: round(loadSeconds, 1),
        acceptedPerSecond: round(accepted / loadSeconds, 2),
        accepted: submitted.accepted,
        refused: submitted.refused,
      },
      jobs: {
        manual: manual.length,
        manualSucceeded: manual.length - manualFailed - manualNotFinal,
        manualFailed,
        manualNotFinal,
        workerDone: afterDrain.jobsDone,
        workerFailed: afterDrain.jobsFailed,
        attemptFailures: afterDrain.attemptFailures,
        messagesFailed: afterDrain.messagesFailed,
      },
      drainSeconds,
      queuesLeft: queues.waiting,
      deadLetters: queues.deadLetterDepth,
      workerLog,
      redisKeysByKind: { atHalf: redisKeysAtHalf, atEnd: redisKeysAtEnd },
      limits: LIMITS,
      trends: trend,
      flat: problems.length === 0,
      errors,
      samples,
      afterDrain,
    };
    writeFileSync(OUT, `${JSON.stringify(result, null, 2)}\n`);

    console.log(`${sampleLine(afterDrain)}  (after the drain, ${drainSeconds ?? 'not drained in'} s)\n`);
    console.log(trendTable(trend));
    console.log(
      `\n${accepted} submissions (${round(accepted / loadSeconds, 1)}/s: ${JSON.stringify(submitted.accepted)}), ` +
        `${afterDrain.jobsDone} jobs done, ${afterDrain.jobsFailed} failed; ${manual.length} manual jobs, ` +
        `${manualFailed} FAILED, ${manualNotFinal} not final; worker log: ${workerLog.errors} errors, ` +
        `${workerLog.warnings} warnings; load average ${loadAverageStart.join('/')} → ${result.machine.loadAverageEnd.join('/')}`,
    );
    console.log(`redis keys by kind at the half: ${JSON.stringify(redisKeysAtHalf)}`);
    console.log(`redis keys by kind at the end:  ${JSON.stringify(redisKeysAtEnd)}`);
    console.log(`results: ${path.relative(REPO_ROOT, OUT)}`);
    if (SMOKE)
      process.exitCode = smokeVerdict('soak', [
        ...errors,
        ...positive('jobs done', afterDrain.jobsDone),
        ...positive('manual jobs', manual.length),
        ...(samples.length >= 4 ? [] : [`${samples.length} samples, expected at least 4`]),
        ...nonFiniteFigures(result),
      ]);
    else {
      for (const e of errors) console.error(`ERROR: ${e}`);
      for (const p of problems) console.error(`NOT FLAT: ${p}`);
      console.log(errors.length === 0 && problems.length === 0 ? '\nsoak: flat, no errors' : '');
      if (errors.length > 0 || problems.length > 0) process.exitCode = 1;
    }
  } finally {
    for (const child of children.reverse()) await child.stop(30_000);
  }
}

if (SMOKE) smokeWatchdog('soak', 180);
await main();
