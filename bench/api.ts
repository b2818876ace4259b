// `npm run bench:api`: the API's own cost on its two hottest endpoints, next to a bare-Express
// baseline serving the same JSON, in the same run. See bench/results/README.md for the method.
//
// Processes: this one (autocannon), the local stack (bench/lib/stackProcess.ts), the API
// (`node --import tsx server/main.ts`, NODE_ENV=production; `--api-processes N` runs N of them side
// by side on the same stack, each on its own port) and the baseline (bench/baseline.ts), each a
// separate process so /proc/<pid>/stat gives each one's CPU time alone.
import { execFileSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../core/config/config.js';
import { createSqsClient } from '../core/queue/sqs.js';
import { freePort } from '../infra/local/freePort.js';
import { purgeQueues } from '../infra/local/resources.js';
import { createUsers, type BenchUser } from './lib/fixtures.js';
import {
  fixedRate,
  requestsFor,
  saturate,
  stopAllLoad,
  type EndpointName,
  type LoadResult,
} from './lib/load.js';
import {
  baseEnv,
  childPids,
  clockTicksPerSecond,
  logTail,
  machineCpuMicros,
  processCpuMicros,
  REPO_ROOT,
  threadCpuMicros,
  spawnNode,
  waitForHttp,
  type NodeChild,
} from './lib/proc.js';
import {
  checkTargets,
  phaseLine,
  summarize,
  table,
  type PhaseKind,
  type PhaseMeasurement,
  type Summary,
  type TargetName,
} from './lib/report.js';
import type { ProbeMessage } from './lib/apiProbe.js';
import { extrapolate, extrapolationLines } from './lib/extrapolate.js';
import type { CountersMessage, StackReadyMessage } from './lib/stackProcess.js';
import { nonFiniteFigures, positive, resultsFile, smokeVerdict, smokeWatchdog } from './lib/smoke.js';
import { percentile, round } from './lib/stats.js';
import { localSecretKeyEnv } from './lib/system.js';

// The AWS SDK's "will need Node 22" notice (fixtures and queue purges use it here) is noise in a report.
process.removeAllListeners('warning');
process.on('warning', (w) => {
  if (!`${w.name} ${w.message}`.includes('NodeVersionSupportWarning'))
    console.error(`${w.name}: ${w.message}`);
});

const { values: given } = parseArgs({
  options: {
    runs: { type: 'string' },
    'fixed-seconds': { type: 'string' },
    'saturation-seconds': { type: 'string' },
    'warmup-seconds': { type: 'string' },
    'post-rate': { type: 'string' },
    'get-rate': { type: 'string' },
    connections: { type: 'string' },
    'saturation-connections': { type: 'string' },
    users: { type: 'string' },
    'api-processes': { type: 'string' },
    'log-level': { type: 'string', default: 'info' },
    endpoints: { type: 'string', default: 'get,post' },
    targets: { type: 'string', default: 'api,baseline' },
    phases: { type: 'string', default: 'fixed,saturation' },
    'cpu-prof': { type: 'string' },
    'api-env': { type: 'string', multiple: true, default: [] },
    baseline: { type: 'string', default: 'bare' },
    out: { type: 'string' },
    check: { type: 'boolean', default: false },
    probe: { type: 'boolean', default: false },
    smoke: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
const SMOKE = given.smoke ?? false;
// The full run's defaults, or the smoke run's (bench/lib/smoke.ts): the same phases, in seconds.
const defaults = SMOKE
  ? {
      runs: '1',
      'fixed-seconds': '1',
      'saturation-seconds': '1',
      'warmup-seconds': '1',
      'post-rate': '40',
      'get-rate': '100',
      connections: '4',
      'saturation-connections': '4',
      users: '10',
      // Two API processes, so the multi-process path (load spread, summed CPU) cannot rot.
      'api-processes': '2',
    }
  : {
      runs: '3',
      'fixed-seconds': '15',
      'saturation-seconds': '8',
      'warmup-seconds': '3',
      'post-rate': '400',
      'get-rate': '1000',
      connections: '20',
      'saturation-connections': '50',
      users: '500',
      'api-processes': '1',
    };
// parseArgs leaves options that were not given out of `given`: those take the defaults.
const args = { ...defaults, ...given };

if (args.help) {
  console.log(`npm run bench:api -- [options]
  --runs N                  measured repetitions of every phase (median reported)   [3]
  --fixed-seconds S         duration of a fixed-rate phase                           [15]
  --saturation-seconds S    duration of a saturation phase                           [8]
  --warmup-seconds S        JIT warm-up per endpoint and target                      [3]
  --post-rate R             fixed rate for POST /v1/sync-jobs, req/s                 [400]
  --get-rate R              fixed rate for GET /v1/connections, req/s                [1000]
  --connections N           connections of a fixed-rate phase                        [20]
  --saturation-connections N                                                         [50]
  --users N                 users (2 active connections and a token each)            [500]
  --api-processes N         API processes side by side on the same stack, each on its own
                            port; a fixed-rate phase gives each rate / N, a saturation phase
                            each connections / N (both must divide by N); CPU is summed      [1]
  --log-level L             the API's LOG_LEVEL                                      [info]
  --endpoints get,post  --targets api,baseline  --phases fixed,saturation  (subsets)
  --cpu-prof DIR            run the API and the baseline with --cpu-prof; profiles (named by pid)
                            are written to DIR when they exit; see bench/profileSummary.ts
  --api-env KEY=VALUE       extra API environment, repeatable (experiments, e.g. BATCH_WINDOW_MS=10)
  --baseline bare|floor     bare: Express serving the same JSON; floor: POST also makes the API's
                            round trips and nothing else (bench/lib/apiFloor.ts), the floor under
                            the API's POST figure; GET is bare either way. Full runs are bare [bare]
  --out FILE                JSON results [bench/results/api-latest.json; partial runs: *.json.tmp;
                            a full run with noisy or invalid phases: api-rejected.json.tmp]
  --probe                   instrument the API process (bench/lib/apiProbe.ts): its own view of
                            request time, AWS call latency by operation, event-loop delay
  --check                   exit 1 when a target fails (invalid measurements always exit 1)
  --smoke                   a few seconds of tiny load through the same phases and processes
                            (1 run, 1 s fixed at 40 / 100 req/s on 4 connections, 1 s saturation,
                            10 users, 2 API processes; options above override): exit 1 unless
                            every figure is a valid measurement; targets not checked; writes
                            api-smoke.json.tmp
Any run exits 1 when a request fails (non-2xx or connection error) or a fixed rate is not sustained.`);
  process.exit(0);
}

const int = (name: keyof typeof args, value: string | boolean | undefined) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer`);
  return n;
};
const list = <T extends string>(name: string, value: string | undefined, allowed: readonly T[]): T[] => {
  const items = (value ?? '').split(',').map((s) => s.trim()) as T[];
  for (const i of items) if (!allowed.includes(i)) throw new Error(`--${name}: unknown "${i}"`);
  return items;
};

const RUNS = int('runs', args.runs);
const FIXED_SECONDS = int('fixed-seconds', args['fixed-seconds']);
const SATURATION_SECONDS = int('saturation-seconds', args['saturation-seconds']);
const WARMUP_SECONDS = int('warmup-seconds', args['warmup-seconds']);
const CONNECTIONS = int('connections', args.connections);
const SATURATION_CONNECTIONS = int('saturation-connections', args['saturation-connections']);
const USERS = int('users', args.users);
const API_PROCESSES = int('api-processes', args['api-processes']);
for (const [name, n] of [
  ['connections', CONNECTIONS],
  ['saturation-connections', SATURATION_CONNECTIONS],
] as const)
  if (n % API_PROCESSES !== 0) throw new Error(`--${name} must be a multiple of --api-processes`);
// The probe answers for the one process it is loaded in.
if (args.probe && API_PROCESSES > 1) throw new Error('--probe measures one API process: --api-processes 1');
const RATES: Record<EndpointName, number> = {
  'GET /v1/connections': int('get-rate', args['get-rate']),
  'POST /v1/sync-jobs': int('post-rate', args['post-rate']),
};
const ENDPOINTS: EndpointName[] = list('endpoints', args.endpoints, ['get', 'post'] as const).map((e) =>
  e === 'get' ? 'GET /v1/connections' : 'POST /v1/sync-jobs',
);
const TARGETS = list<TargetName>('targets', args.targets, ['api', 'baseline']);
const PHASES = list<PhaseKind>('phases', args.phases, ['fixed', 'saturation']);
const LOG_LEVEL = args['log-level'] ?? 'info';
const API_ENV: Record<string, string> = Object.fromEntries(
  (args['api-env'] ?? []).map((kv) => {
    const at = kv.indexOf('=');
    if (at <= 0) throw new Error(`--api-env expects KEY=VALUE, got "${kv}"`);
    return [kv.slice(0, at), kv.slice(at + 1)];
  }),
);
// api-latest.json (read by the capacity model) holds one API process's figures.
const BASELINE_KIND = list<'bare' | 'floor'>('baseline', args.baseline, ['bare', 'floor'])[0] ?? 'bare';
const FULL_RUN =
  ENDPOINTS.length === 2 &&
  TARGETS.length === 2 &&
  PHASES.length === 2 &&
  API_PROCESSES === 1 &&
  BASELINE_KIND === 'bare';
const OUT = resultsFile(
  'api',
  SMOKE,
  args.out,
  FULL_RUN ? 'bench/results/api-latest.json' : 'bench/results/api-partial.json.tmp',
);
const PROF_DIR = args['cpu-prof'] ? path.resolve(args['cpu-prof']) : undefined;
const LOG_DIR = path.join(REPO_ROOT, 'bench/results');
mkdirSync(LOG_DIR, { recursive: true });

/** The code under test: HEAD and the files that differ from it (the figures belong to that tree). */
function gitState(): { commit: string | null; modified: string[] } {
  const git = (...a: string[]) => execFileSync('git', a, { cwd: REPO_ROOT, encoding: 'utf8' }).trimEnd();
  try {
    const modified = git('status', '--porcelain', '--', 'server', 'core', 'generated', 'package.json')
      .split('\n')
      .filter(Boolean)
      .map((l) => l.slice(3));
    return { commit: git('rev-parse', '--short', 'HEAD'), modified };
  } catch {
    return { commit: null, modified: [] };
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (line = '') => console.log(line);

// ---------------------------------------------------------------------------------------------
// Processes

let stack: NodeChild | undefined;
const apis: NodeChild[] = [];
let baseline: NodeChild | undefined;

async function startStack(): Promise<StackReadyMessage> {
  const child = spawnNode({
    name: 'local stack',
    script: 'bench/lib/stackProcess.ts',
    env: baseEnv(),
    logFile: path.join(LOG_DIR, 'stack.log.tmp'),
  });
  stack = child;
  return new Promise<StackReadyMessage>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`local stack not ready in 60 s:\n${logTail(child)}`)),
      60_000,
    );
    child.process.on('message', (m: StackReadyMessage) => {
      if (m.type !== 'ready') return;
      clearTimeout(timer);
      resolve(m);
    });
    void child.exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`local stack exited during start:\n${logTail(child)}`));
    });
  });
}

/** API process number `index` (from 1) of API_PROCESSES; its URL once it answers. */
async function startApiChild(stackEnv: Record<string, string>, index: number): Promise<string> {
  const port = await freePort();
  const api = spawnNode({
    name: API_PROCESSES > 1 ? `API ${index}` : 'API',
    script: 'server/main.ts',
    env: {
      ...baseEnv(),
      ...stackEnv,
      NODE_ENV: 'production',
      ...localSecretKeyEnv(),
      // Production mode demands push credentials; nothing measured here sends a push.
      PUSH_MODE: 'off',
      LOG_LEVEL,
      HOST: '127.0.0.1',
      PORT: String(port),
      // The per-user limiter stays on (its bookkeeping is part of the cost: with buckets this full,
      // local admission and one debit script call per 100 ms, as for most users) but never rejects; the fixtures' users are PRO, whose 1,200 a minute each would
      // otherwise cap a run at 500 users × 20 req/s.
      API_RATE_LIMIT_PER_MINUTE: '1000000000',
      API_RATE_LIMIT_PER_MINUTE_PRO: '1000000000',
      ...API_ENV,
    },
    logFile: path.join(LOG_DIR, API_PROCESSES > 1 ? `api-${index}.log.tmp` : 'api.log.tmp'),
    nodeArgs: [
      ...(args.probe ? ['--import', path.join(REPO_ROOT, 'bench/lib/apiProbe.ts')] : []),
      ...(PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${PROF_DIR}`] : []),
    ],
  });
  apis.push(api);
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/healthz`, api);
  return url;
}

async function startBaselineChild(
  connectionsBody: string,
  stackEnv: Record<string, string>,
): Promise<string> {
  const port = await freePort();
  baseline = spawnNode({
    name: 'baseline',
    script: 'bench/baseline.ts',
    env: {
      ...baseEnv(),
      // The floor reaches the stack's emulators like the API.
      ...(BASELINE_KIND === 'floor' ? { ...stackEnv, BASELINE_KIND } : {}),
      NODE_ENV: 'production',
      PORT: String(port),
      BASELINE_CONNECTIONS_BODY: connectionsBody,
    },
    logFile: path.join(LOG_DIR, 'baseline.log.tmp'),
    nodeArgs: PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${PROF_DIR}`] : [],
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/healthz`, baseline);
  return url;
}

/** Sends `{ type }` to a child over IPC and resolves with its answer of the same type (or undefined). */
function ask<T extends { type: string }>(
  child: NodeChild | undefined,
  type: T['type'],
): Promise<T | undefined> {
  if (!child) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.process.off('message', onMessage);
      resolve(undefined);
    }, 2000);
    const onMessage = (m: T) => {
      if (m.type !== type) return;
      clearTimeout(timer);
      child.process.off('message', onMessage);
      resolve(m);
    };
    child.process.on('message', onMessage);
    child.process.send({ type });
  });
}

/** AWS calls the emulators have received so far, by operation (X-Amz-Target without its prefix). */
async function backendCalls(): Promise<Record<string, number>> {
  const m = await ask<CountersMessage>(stack, 'counters');
  return Object.fromEntries(
    Object.entries(m?.counts ?? {}).map(([k, v]) => [k.replace(/^[A-Za-z0-9_]+\./, ''), v]),
  );
}

let cleaning: Promise<void> | undefined;
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    stopAllLoad();
    await Promise.allSettled([...apis.map((a) => a.stop(10_000)), baseline?.stop()]);
    await stack?.stop(10_000);
  })();
  return cleaning;
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    interrupted = true;
    log(`\n${signal}: stopping the load, the API, the baseline and the local stack...`);
    void cleanup().then(() => process.exit(130));
  });

// ---------------------------------------------------------------------------------------------
// Measurement

interface Context {
  /** Each target's processes (the API's are API_PROCESSES; the baseline is one), in the same order. */
  urls: Record<TargetName, string[]>;
  pids: Record<TargetName, number[]>;
  users: BenchUser[];
  purge: () => Promise<void>;
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

/** Thread CPU of several processes, added up by thread kind. */
function summedThreadCpuMicros(pids: number[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const pid of pids)
    for (const [name, us] of Object.entries(threadCpuMicros(pid))) out[name] = (out[name] ?? 0) + us;
  return out;
}

function cpuSnapshot(ctx: Context, target: TargetName) {
  const redisPid = stack ? childPids(stack.pid)[0] : undefined;
  const self = process.cpuUsage();
  const other: TargetName = target === 'api' ? 'baseline' : 'api';
  const perProcess = ctx.pids[target].map(processCpuMicros);
  return {
    at: performance.now(),
    machine: machineCpuMicros(),
    idleTarget: sum(ctx.pids[other].map(processCpuMicros)),
    target: sum(perProcess),
    perProcess,
    threads: summedThreadCpuMicros(ctx.pids[target]),
    loadGenerator: self.user + self.system,
    stack: stack ? processCpuMicros(stack.pid) : 0,
    // The emulators share one event loop: its thread at 100 % of a core is their limit.
    stackMainThread: stack ? (threadCpuMicros(stack.pid)['main thread'] ?? 0) : 0,
    redis: redisPid ? processCpuMicros(redisPid) : 0,
  };
}

async function measurePhase(
  ctx: Context,
  run: number,
  kind: PhaseKind,
  endpoint: EndpointName,
  target: TargetName,
): Promise<PhaseMeasurement> {
  const requests = requestsFor(endpoint, ctx.users);
  const callsBefore = await backendCalls();
  const probing = args.probe && target === 'api';
  if (probing) await ask<ProbeMessage>(apis[0], 'probe'); // resets the probe
  const before = cpuSnapshot(ctx, target);
  let result: LoadResult;
  if (kind === 'fixed')
    result = await fixedRate({
      urls: ctx.urls[target],
      rate: RATES[endpoint],
      connections: CONNECTIONS,
      durationSeconds: FIXED_SECONDS,
      requests,
    });
  else
    result = await saturate({
      urls: ctx.urls[target],
      connections: SATURATION_CONNECTIONS,
      durationSeconds: SATURATION_SECONDS,
      requests,
    });
  // Let batches that requests already waited for, and in-flight responses, finish on the server.
  await sleep(300);
  const after = cpuSnapshot(ctx, target);
  const callsAfter = await backendCalls();
  const probe = probing ? await ask<ProbeMessage>(apis[0], 'probe') : undefined;
  const calls = Object.fromEntries(
    Object.entries(callsAfter)
      .map(([op, n]) => [op, round((n - (callsBefore[op] ?? 0)) / Math.max(result.ok, 1), 3)] as const)
      .filter(([, perRequest]) => perRequest > 0),
  );
  const wallUs = (after.at - before.at) * 1000;
  const pct = (a: number, b: number) => round(((b - a) / wallUs) * 100, 1);
  const durationSeconds = kind === 'fixed' ? FIXED_SECONDS : result.wallSeconds;
  return {
    run,
    kind,
    endpoint,
    target,
    processes: ctx.pids[target].length,
    rate: kind === 'fixed' ? RATES[endpoint] : null,
    connections: kind === 'fixed' ? CONNECTIONS : SATURATION_CONNECTIONS,
    durationSeconds,
    ok: result.ok,
    non2xx: result.non2xx,
    statusCodes: result.statusCodes,
    errors: result.errors,
    timeouts: result.timeouts,
    achievedRps: round(result.ok / durationSeconds, 1),
    cpuMicrosPerRequest: round((after.target - before.target) / Math.max(result.ok, 1), 1),
    cpuPercent: pct(before.target, after.target),
    perProcess: ctx.pids[target].map((pid, i) => {
      const ok = result.perUrl[i]?.ok ?? 0;
      const cpu = (after.perProcess[i] ?? 0) - (before.perProcess[i] ?? 0);
      return {
        pid,
        ok,
        cpuPercent: round((cpu / wallUs) * 100, 1),
        cpuMicrosPerRequest: round(cpu / Math.max(ok, 1), 1),
      };
    }),
    latencyMs: {
      p50: round(percentile(result.latenciesMs, 50), 3),
      p90: round(percentile(result.latenciesMs, 90), 3),
      p99: round(percentile(result.latenciesMs, 99), 3),
      max: round(percentile(result.latenciesMs, 100), 3),
    },
    ...(result.autocannonP50 !== undefined && result.autocannonP99 !== undefined
      ? { autocannonLatencyMs: { p50: result.autocannonP50, p99: result.autocannonP99 } }
      : {}),
    backendCallsPerRequest: calls,
    ...(probe
      ? { apiProbe: { server: probe.server, calls: probe.calls, eventLoopDelayMs: probe.eventLoopDelayMs } }
      : {}),
    targetThreadsMicrosPerRequest: Object.fromEntries(
      Object.entries(after.threads)
        .map(
          ([name, us]) => [name, round((us - (before.threads[name] ?? 0)) / Math.max(result.ok, 1))] as const,
        )
        .filter(([, us]) => us > 0),
    ),
    otherCpuPercent: {
      loadGenerator: pct(before.loadGenerator, after.loadGenerator),
      stack: pct(before.stack, after.stack),
      stackMainThread: pct(before.stackMainThread, after.stackMainThread),
      redis: pct(before.redis, after.redis),
      // Everything else on the machine (other users' processes): noise, not part of the bench.
      foreign: round(
        Math.max(
          0,
          pct(before.machine.busy, after.machine.busy) -
            pct(before.target, after.target) -
            pct(before.idleTarget, after.idleTarget) -
            pct(before.loadGenerator, after.loadGenerator) -
            pct(before.stack, after.stack) -
            pct(before.redis, after.redis),
        ),
        1,
      ),
      steal: pct(before.machine.steal, after.machine.steal),
    },
  };
}

/** Phases during which other processes (or the hypervisor) took a noticeable share of the machine. */
function noise(p: PhaseMeasurement): string | undefined {
  const { foreign, steal } = p.otherCpuPercent;
  return foreign > 20 || steal > 10
    ? `run ${p.run} ${p.endpoint} ${p.target} ${p.kind}: other processes used ${foreign}% of a core, steal ${steal}%`
    : undefined;
}

/**
 * Problems that make a phase's figures meaningless (the run still finishes and prints them). A
 * smoke run's phases last a second or two on a machine busy with the rest of `npm test`: a rate
 * short by a few requests there says nothing about the code, so it is printed, not counted.
 */
function invalidity(p: PhaseMeasurement, o: { rateSustained: boolean }): string | undefined {
  const problems: string[] = [];
  if (p.non2xx > 0) problems.push(`${p.non2xx} non-2xx responses ${JSON.stringify(p.statusCodes)}`);
  if (p.errors > 0) problems.push(`${p.errors} connection errors (${p.timeouts} timeouts)`);
  if (p.ok === 0) problems.push('no 2xx response at all');
  if (o.rateSustained && p.kind === 'fixed' && p.rate !== null && p.achievedRps < 0.97 * p.rate)
    problems.push(`rate not sustained: ${p.achievedRps} of ${p.rate} req/s`);
  return problems.length
    ? `run ${p.run} ${p.endpoint} ${p.target} ${p.kind}: ${problems.join('; ')}`
    : undefined;
}

async function warmUp(ctx: Context): Promise<void> {
  // Every user once on every API process (each has its own caches), so each token is verified
  // and each user's config is cached ("from cache").
  let bad = 0;
  for (const url of ctx.urls.api)
    for (let i = 0; i < ctx.users.length; i += 20) {
      await Promise.all(
        ctx.users.slice(i, i + 20).map(async (u) => {
          const res = await fetch(`${url}/v1/connections`, {
            headers: { authorization: u.authorization },
          });
          await res.arrayBuffer();
          if (res.status !== 200) bad++;
        }),
      );
    }
  if (bad)
    throw new Error(
      `warm-up: ${bad} of ${ctx.users.length * ctx.urls.api.length} GET /v1/connections were not 200`,
    );
  // JIT: a short full-speed run of each measured endpoint on each target.
  for (const endpoint of ENDPOINTS)
    for (const target of TARGETS) {
      const r = await saturate({
        urls: ctx.urls[target],
        connections: CONNECTIONS,
        durationSeconds: WARMUP_SECONDS,
        requests: requestsFor(endpoint, ctx.users),
      });
      log(`  warm-up ${endpoint} ${target}: ${r.ok} ok, ${r.non2xx} non-2xx, ${r.errors} errors`);
      if (r.non2xx || r.errors)
        throw new Error(`warm-up ${endpoint} on ${target} failed: ${JSON.stringify(r.statusCodes)}`);
    }
  await ctx.purge();
}

async function idleCpuPercent(pid: number, ms = 2000): Promise<number> {
  await sleep(500);
  const a = processCpuMicros(pid);
  await sleep(ms);
  return round(((processCpuMicros(pid) - a) / (ms * 1000)) * 100, 2);
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const started = Date.now();
  const tree = gitState();
  log(
    `SyncWell API benchmark: ${RUNS} run(s); fixed ${FIXED_SECONDS} s at POST ${RATES['POST /v1/sync-jobs']} / ` +
      `GET ${RATES['GET /v1/connections']} req/s on ${CONNECTIONS} connections; saturation ${SATURATION_SECONDS} s ` +
      `on ${SATURATION_CONNECTIONS}; ${USERS} users; ${API_PROCESSES} API process(es), LOG_LEVEL=${LOG_LEVEL}` +
      Object.entries(API_ENV)
        .map(([k, v]) => ` ${k}=${v}`)
        .join(''),
  );
  log(
    `code: ${tree.commit ?? '?'}${tree.modified.length ? ` + uncommitted changes in ${tree.modified.join(', ')}` : ' (clean)'}`,
  );
  log(
    `machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}, node ${process.version}, CLK_TCK ${clockTicksPerSecond()}`,
  );

  const ready = await startStack();
  log(`local stack up (pid ${stack?.pid})`);
  const config = loadConfig(ready.env);
  const sqs = createSqsClient(config);
  try {
    // One after the other: their start-up (module loading, JIT) would compete for the cores.
    const apiUrls: string[] = [];
    for (let i = 1; i <= API_PROCESSES; i++) apiUrls.push(await startApiChild(ready.env, i));
    log(
      `API up at ${apiUrls.join(', ')} (pid ${apis.map((a) => a.pid).join(', ')}, NODE_ENV=production, LOG_LEVEL=${LOG_LEVEL})`,
    );
    const apiUrl = apiUrls[0] ?? '';
    const users = await createUsers(ready.env, USERS);
    log(`fixtures: ${users.length} users with 2 active connections each`);

    // The JSON a real user's list returns, for the baseline to serve.
    const first = users[0];
    if (!first) throw new Error('no users');
    const res = await fetch(`${apiUrl}/v1/connections`, { headers: { authorization: first.authorization } });
    const connectionsBody = await res.text();
    if (res.status !== 200) throw new Error(`GET /v1/connections: ${res.status} ${connectionsBody}`);
    const baselineUrl = await startBaselineChild(connectionsBody, ready.env);
    log(
      `baseline (${BASELINE_KIND}) up at ${baselineUrl} (pid ${baseline?.pid}); serving ${connectionsBody.length} bytes of JSON`,
    );
    if (apis.length !== API_PROCESSES || !baseline) throw new Error('processes not started');

    const ctx: Context = {
      urls: { api: apiUrls, baseline: [baselineUrl] },
      pids: { api: apis.map((a) => a.pid), baseline: [baseline.pid] },
      users,
      purge: () => purgeQueues(sqs, { queues: ready.queues }),
    };
    await warmUp(ctx);
    const idleMs = SMOKE ? 500 : 2000;
    const idle = {
      api: round(sum(await Promise.all(apis.map((a) => idleCpuPercent(a.pid, idleMs)))), 2),
      baseline: await idleCpuPercent(baseline.pid, idleMs),
    };
    log(`idle CPU: API ${idle.api}% of a core, baseline ${idle.baseline}%\n`);

    const phases: PhaseMeasurement[] = [];
    for (let run = 1; run <= RUNS && !interrupted; run++) {
      for (const endpoint of ENDPOINTS) {
        // Alternate which target goes first, so neither always runs on a "fresher" machine.
        const order = run % 2 === 1 ? TARGETS : [...TARGETS].reverse();
        for (const target of order)
          for (const kind of PHASES) {
            if (interrupted) break;
            const p = await measurePhase(ctx, run, kind, endpoint, target);
            phases.push(p);
            log(phaseLine(p));
            // Nothing consumes the hot-path queue; keep fauxqs small between phases.
            if (endpoint === 'POST /v1/sync-jobs' && target === 'api') await ctx.purge();
            await sleep(300);
          }
      }
    }
    if (interrupted) return 130;

    const summaries = ENDPOINTS.flatMap((endpoint) =>
      TARGETS.flatMap((target) => summarize(phases, endpoint, target, RATES[endpoint]) ?? []),
    ) as Summary[];
    // A smoke run checks that the figures are measurements, not what they are.
    const checks = TARGETS.includes('api') && !SMOKE ? checkTargets(summaries) : [];
    const invalid = phases
      .map((p) => invalidity(p, { rateSustained: !SMOKE }))
      .filter((s): s is string => s !== undefined);
    const noisy = phases.map(noise).filter((s): s is string => s !== undefined);

    const extrapolations = summaries.filter((s) => s.target === 'api').flatMap(extrapolate);
    const failed = {
      requests: sum(phases.map((p) => p.ok + p.non2xx + p.errors)),
      non2xx: sum(phases.map((p) => p.non2xx)),
      connectionErrors: sum(phases.map((p) => p.errors)),
    };

    log(
      `\nMedians of ${RUNS} run(s) (CPU = the target processes' user+system time per 2xx response` +
        `${API_PROCESSES > 1 ? `, summed over ${API_PROCESSES} API processes` : ''}):\n`,
    );
    log(table(summaries, checks));
    const coresLines = summaries
      .filter((s) => s.target === 'api')
      .flatMap((s) => [
        ...(Number.isFinite(s.cores) ? [`${s.endpoint} ${s.cores} at ${s.rate} req/s`] : []),
        ...(Number.isFinite(s.saturationCpuPercent)
          ? [`${s.endpoint} ${round(s.saturationCpuPercent / 100, 2)} at saturation`]
          : []),
      ]);
    if (coresLines.length) log(`\nAPI cores used (CPU s / wall s): ${coresLines.join('; ')}`);
    log(
      `failed requests: ${failed.non2xx} non-2xx and ${failed.connectionErrors} connection errors ` +
        `of ${failed.requests} in the measured phases`,
    );
    if (extrapolations.length) log(`\n${extrapolationLines(extrapolations)}`);
    if (noisy.length) {
      log('\nNOISY PHASES (the machine was busy with other work; consider running again):');
      for (const line of noisy) log(`  ${line}`);
    }
    if (invalid.length) {
      log('\nINVALID MEASUREMENTS (figures above are not trustworthy):');
      for (const line of invalid) log(`  ${line}`);
    }

    const report = {
      generatedAt: new Date().toISOString(),
      durationSeconds: round((Date.now() - started) / 1000),
      baseline: BASELINE_KIND,
      code: tree,
      machine: {
        cpus: cpus().length,
        model: cpus()[0]?.model ?? null,
        loadAverageAtStart: loadavg(),
        node: process.version,
        clockTicksPerSecond: clockTicksPerSecond(),
      },
      settings: {
        runs: RUNS,
        fixedSeconds: FIXED_SECONDS,
        saturationSeconds: SATURATION_SECONDS,
        warmupSeconds: WARMUP_SECONDS,
        rates: RATES,
        connections: CONNECTIONS,
        saturationConnections: SATURATION_CONNECTIONS,
        users: USERS,
        apiProcesses: API_PROCESSES,
        apiEnv: { NODE_ENV: 'production', LOG_LEVEL, ...API_ENV },
        cpuProfile: Boolean(args['cpu-prof']),
      },
      idleCpuPercent: idle,
      summaries: summaries.map((s) => {
        const base = summaries.find((b) => b.endpoint === s.endpoint && b.target === 'baseline');
        return s.target === 'api' && base
          ? {
              ...s,
              cpuRatioToBaseline: round(s.cpuMicrosPerRequest / base.cpuMicrosPerRequest, 2),
              saturationRatioToBaseline: round(s.saturationRps / base.saturationRps, 3),
            }
          : s;
      }),
      targets: checks,
      failed,
      extrapolations,
      invalid,
      noisy,
      phases,
    };
    // api-latest.json is meant to be committed: a noisy or invalid run must not replace it silently.
    const rejected = !SMOKE && !args.out && FULL_RUN && (noisy.length > 0 || invalid.length > 0);
    const out = rejected ? path.join(LOG_DIR, 'api-rejected.json.tmp') : OUT;
    writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
    log(`\nwrote ${path.relative(REPO_ROOT, out)} (${round((Date.now() - started) / 1000)} s)`);
    if (rejected)
      log(
        `${path.relative(REPO_ROOT, OUT)} left as it was: this run had noisy or invalid phases ` +
          '(run again on a quiet machine, or pass --out to keep it anyway)',
      );
    if (SMOKE)
      return smokeVerdict('api', [
        ...invalid,
        ...ENDPOINTS.flatMap((endpoint) =>
          TARGETS.flatMap((target) => {
            const s = summaries.find((x) => x.endpoint === endpoint && x.target === target);
            return s
              ? positive(`${endpoint} ${target} saturation req/s`, s.saturationRps)
              : [`${endpoint} ${target}: no summary`];
          }),
        ),
        ...nonFiniteFigures({ summaries: report.summaries, phases }),
      ]);
    if (invalid.length) return 1;
    if (args.check && checks.some((c) => !c.pass)) return 1;
    return 0;
  } finally {
    sqs.destroy();
  }
}

let exitCode = 1;
if (SMOKE) smokeWatchdog('api', 180);
try {
  exitCode = await main();
} catch (error) {
  console.error(interrupted ? 'interrupted' : error);
  for (const child of [...apis, baseline, stack])
    if (child && !interrupted)
      console.error(`--- last lines of ${child.name} log (${child.logFile}):\n${logTail(child, 15)}`);
} finally {
  await cleanup();
}
process.exit(exitCode);
