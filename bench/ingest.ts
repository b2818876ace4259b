// `npm run bench:ingest`: a webhook storm against the real API, buffer queue, coalescer and worker.
// Prints events/s accepted at the API, the API's p50/p99 during the storm and its CPU per event,
// and how many sync jobs the events became (the coalescing ratio). See bench/results/README.md.
//
// The buffer queue's 60 s delivery delay is set to `--delay` seconds for the run (the window that
// matters for coalescing is COALESCING_WINDOW_SECONDS, 60 s, unchanged).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { GetQueueAttributesCommand, SetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { loadConfig } from '../core/config/config.js';
import { createSqsClient } from '../core/queue/sqs.js';
import { freePort } from '../infra/local/freePort.js';
import { stravaEvent } from '../infra/local/sandbox/webhooks.js';
import { processCpuMicros, REPO_ROOT, spawnNode, type NodeChild } from './lib/proc.js';
import { nonFiniteFigures, positive, resultsFile, smokeVerdict, smokeWatchdog } from './lib/smoke.js';
import { percentile, round } from './lib/stats.js';
import { startApiProcess, createUsers, createWorkoutConfig, startStack, systemEnv } from './lib/system.js';

process.removeAllListeners('warning');

const { values: given } = parseArgs({
  options: {
    events: { type: 'string' },
    users: { type: 'string' },
    concurrency: { type: 'string' },
    delay: { type: 'string' },
    out: { type: 'string' },
    smoke: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
const SMOKE = given.smoke ?? false;
// The full run's defaults, or the smoke run's (bench/lib/smoke.ts): the same storm, a hundred events.
const defaults = SMOKE
  ? { events: '100', users: '10', concurrency: '10', delay: '1' }
  : { events: '5000', users: '500', concurrency: '50', delay: '5' };
// parseArgs leaves options that were not given out of `given`: those take the defaults.
const args = { ...defaults, ...given };
if (args.help) {
  console.log(`npm run bench:ingest -- [options]
  --events N        Strava webhook deliveries in the storm             [5000]
  --users N         users they are spread over (each with a sync config) [500]
  --concurrency N   deliveries in flight                               [50]
  --delay S         the buffer queue's delivery delay for the run, s     [5]
  --out FILE        JSON results                                        [bench/results/ingest-latest.json]
  --smoke           100 deliveries over 10 users, 10 in flight, 1 s delay (options above override):
                    exit 1 unless every event was accepted and coalesced into jobs; targets not
                    checked; writes bench/results/ingest-smoke.json.tmp`);
  process.exit(0);
}
const int = (name: string, v: string | undefined) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer`);
  return n;
};
const EVENTS = int('events', args.events);
const USERS = int('users', args.users);
const CONCURRENCY = int('concurrency', args.concurrency);
const DELAY = int('delay', args.delay);
const OUT = resultsFile('ingest', SMOKE, args.out, 'bench/results/ingest-latest.json');
const LOG_DIR = path.join(REPO_ROOT, '.state', 'bench');
mkdirSync(LOG_DIR, { recursive: true });

interface CoalescerStats {
  events: number;
  jobs: number;
  coalesced: number;
  unknownOwners: number;
}

async function main(): Promise<void> {
  const stack = await startStack(path.join(LOG_DIR, 'ingest-bench-stack.log'));
  const children: NodeChild[] = [stack.child];
  try {
    const port = String(await freePort());
    const apiUrl = `http://127.0.0.1:${port}`;
    const env = systemEnv(stack.env, port);
    const config = loadConfig(env);
    const sqs = createSqsClient(config);
    await sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl: config.COALESCING_QUEUE_URL,
        Attributes: { DelaySeconds: String(DELAY) },
      }),
    );
    const api = await startApiProcess(env, path.join(LOG_DIR, 'ingest-bench-api.log'), children);
    const worker = spawnNode({
      name: 'worker',
      script: 'worker/main.ts',
      env,
      logFile: path.join(LOG_DIR, 'ingest-bench-worker.log'),
    });
    children.push(worker);
    const coalescerStats = () =>
      new Promise<CoalescerStats>((resolve) => {
        worker.process.once('message', (m: { coalescer: CoalescerStats }) => resolve(m.coalescer));
        worker.process.send({ type: 'stats' });
      });

    console.log(
      `fixtures: ${USERS} users with Strava → Google Fit workout configs (OAuth through the API)...`,
    );
    const users = await createUsers(apiUrl, env.PROVIDER_SANDBOX_URL!, USERS, { empty: true, tag: 'ing' });
    for (let i = 0; i < users.length; i += 20)
      await Promise.all(users.slice(i, i + 20).map((u) => createWorkoutConfig(apiUrl, u, 'newest_wins')));

    console.log(`storm: ${EVENTS} Strava deliveries, ${CONCURRENCY} in flight...`);
    const before = await coalescerStats();
    const apiCpu0 = processCpuMicros(api.pid);
    const latencies: number[] = [];
    let failures = 0;
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let i = next++; i < EVENTS; i = next++) {
          const user = users[i % users.length]!;
          const body = JSON.stringify(stravaEvent(user.providerUserIds.strava, { objectId: 1_000_000 + i }));
          const start = performance.now();
          const res = await fetch(`${apiUrl}/v1/webhooks/strava`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body,
          });
          await res.arrayBuffer();
          latencies.push(performance.now() - start);
          if (res.status !== 200) failures += 1;
        }
      }),
    );
    const stormSeconds = (performance.now() - t0) / 1000;
    const apiCpu = processCpuMicros(api.pid) - apiCpu0;

    // Wait for the buffer to drain through the coalescer.
    const deadline = Date.now() + 300_000;
    let after = await coalescerStats();
    while (after.events - before.events < EVENTS - failures && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      after = await coalescerStats();
    }
    const out = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: config.COALESCING_QUEUE_URL,
        AttributeNames: ['ApproximateNumberOfMessages'],
      }),
    );
    sqs.destroy();
    const events = after.events - before.events;
    const jobs = after.jobs - before.jobs;
    const result = {
      when: new Date().toISOString(),
      events: EVENTS,
      users: USERS,
      concurrency: CONCURRENCY,
      acceptedPerSecond: round(EVENTS / stormSeconds, 1),
      apiP50Ms: round(percentile(latencies, 50), 1),
      apiP99Ms: round(percentile(latencies, 99), 1),
      apiCpuMicrosPerEvent: round(apiCpu / EVENTS),
      failedDeliveries: failures,
      eventsCoalesced: events,
      jobsProduced: jobs,
      coalescingRatio: jobs > 0 ? round(events / jobs, 1) : null,
      bufferLeft: Number(out.Attributes?.ApproximateNumberOfMessages ?? 0),
    };
    console.log(
      `\naccepted ${result.acceptedPerSecond} events/s at the API (p50 ${result.apiP50Ms} ms, p99 ${result.apiP99Ms} ms, ` +
        `${result.apiCpuMicrosPerEvent} µs API CPU/event, ${failures} failed)\n` +
        `${events} events → ${jobs} sync jobs (coalescing ratio ${result.coalescingRatio}; ${USERS} users)`,
    );
    writeFileSync(OUT, `${JSON.stringify(result, null, 2)}\n`);
    console.log(`results: ${path.relative(REPO_ROOT, OUT)}`);
    if (SMOKE)
      process.exitCode = smokeVerdict('ingest', [
        ...(failures > 0 ? [`${failures} of ${EVENTS} deliveries were not answered 200`] : []),
        ...(events < EVENTS ? [`the coalescer saw ${events} of ${EVENTS} events`] : []),
        ...positive('events/s accepted', result.acceptedPerSecond),
        ...positive('jobs produced', result.jobsProduced),
        ...nonFiniteFigures(result),
      ]);
    else if (failures > 0 || events < EVENTS) process.exitCode = 1;
  } finally {
    for (const child of children.reverse()) await child.stop(30_000);
  }
}

if (SMOKE) smokeWatchdog('ingest', 180);
await main();
