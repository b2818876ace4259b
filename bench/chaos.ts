// `npm run chaos`: seed §3b's fault catalog under a steady load of real sync jobs, through the real
// API, queues, a fleet of worker processes and the provider sandbox, each experiment ending with
// an audit (bench/chaos/audit.ts). One stack and one fleet serve every experiment in turn; each
// experiment has users of its own. Method and results: bench/results/README.md, "Chaos".
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from './lib/proc.js';
import { nonFiniteFigures, resultsFile, smokeVerdict, smokeWatchdog } from './lib/smoke.js';
import { apiDependencies } from './chaos/apiDependencies.js';
import { batchPartial } from './chaos/batchPartial.js';
import { dynamoFaults } from './chaos/dynamoFaults.js';
import { runExperiment, type Experiment, type ExperimentResult, type Scale } from './chaos/experiment.js';
import { LOG_DIR, startFleet } from './chaos/fleet.js';
import { providerLatency } from './chaos/providerLatency.js';
import { providerStorm } from './chaos/providerStorm.js';
import { queueFaults } from './chaos/queueFaults.js';
import { redisOutage } from './chaos/redisOutage.js';
import { secretStoreOutage } from './chaos/secretStoreOutage.js';
import { seededRandom } from './chaos/random.js';
import { printTable } from './chaos/report.js';
import { workerKill } from './chaos/workerKill.js';

process.removeAllListeners('warning');

/** In the order the issue ranks them; partial batch failures came later. */
const EXPERIMENTS: readonly Experiment[] = [
  workerKill,
  providerLatency,
  providerStorm,
  dynamoFaults,
  queueFaults,
  redisOutage,
  secretStoreOutage,
  apiDependencies,
  batchPartial,
];

const { values: args } = parseArgs({
  options: {
    only: { type: 'string' },
    smoke: { type: 'boolean', default: false },
    seed: { type: 'string', default: '1' },
    workers: { type: 'string', default: '3' },
    out: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log(`npm run chaos -- [options]
  --only NAME   one experiment: ${EXPERIMENTS.map((e) => e.name).join(', ')}
  --seed N      the load mix, the victims and the fault schedule                 [1]
  --workers N   worker processes (at least 3)                                     [3]
  --out FILE    JSON results                                   [bench/results/chaos-latest.json]
  --smoke       every experiment briefly (4 users, 4 jobs/s, a 3 s fault): exit 1 on any audit
                violation; no timing is checked; writes bench/results/chaos-smoke.json.tmp`);
  process.exit(0);
}
const SMOKE = args.smoke ?? false;
const SEED = Number(args.seed);
const WORKERS = Number(args.workers);
if (!Number.isInteger(SEED)) throw new Error('--seed must be an integer');
if (!Number.isInteger(WORKERS) || WORKERS < 3) throw new Error('--workers must be an integer ≥ 3');
const selected = args.only ? EXPERIMENTS.filter((e) => e.name === args.only) : EXPERIMENTS;
if (selected.length === 0) throw new Error(`--only: no experiment named ${args.only}`);
const OUT = resultsFile('chaos', SMOKE, args.out, 'bench/results/chaos-latest.json');
const SCALE: Scale = SMOKE
  ? { users: 4, rate: 4, steadySeconds: 0.5, faultSeconds: 3, afterSeconds: 0.5, drainSeconds: 90 }
  : { users: 16, rate: 8, steadySeconds: 8, faultSeconds: 30, afterSeconds: 8, drainSeconds: 120 };

async function main(): Promise<ExperimentResult[]> {
  const random = seededRandom(SEED);
  const started = Date.now();
  console.log(
    `chaos: ${WORKERS} workers, seed ${SEED}, ${selected.length} experiment(s); logs in ${path.relative(REPO_ROOT, LOG_DIR)}`,
  );
  const fleet = await startFleet({ workers: WORKERS, random: random.fork('fleet') });
  const results: ExperimentResult[] = [];
  const seenDeadLetters = new Set<string>();
  try {
    for (const experiment of selected) {
      console.log(`\n${experiment.name}: ${experiment.title}...`);
      const t0 = Date.now();
      const result = await runExperiment(
        experiment,
        { fleet, random: random.fork(experiment.name), smoke: SMOKE, scale: SCALE },
        seenDeadLetters,
      );
      results.push(result);
      console.log(`  ${Math.round((Date.now() - t0) / 1000)} s (users, load, drain, audit)`);
      for (const v of result.audit.violations.slice(0, 20)) console.log(`  VIOLATION ${v}`);
      for (const d of result.audit.deadLetters.slice(0, 10))
        console.log(
          `  dead letter (${d.channel}): ${d.failureCode} ${d.failureReason} job ${d.jobId ?? '?'} (${d.jobStatus ?? '?'})`,
        );
    }
  } finally {
    await fleet.stop();
  }
  printTable(results);
  writeFileSync(
    OUT,
    `${JSON.stringify({ when: new Date().toISOString(), seed: SEED, workers: WORKERS, smoke: SMOKE, scale: SCALE, seconds: Math.round((Date.now() - started) / 1000), experiments: results }, null, 2)}\n`,
  );
  console.log(`\nresults: ${path.relative(REPO_ROOT, OUT)} (${Math.round((Date.now() - started) / 1000)} s)`);
  return results;
}

if (SMOKE) smokeWatchdog('chaos', 300);
const results = await main();
const violations = results.flatMap((r) => r.audit.violations.map((v) => `${r.name}: ${v}`));
if (SMOKE)
  process.exitCode = smokeVerdict('chaos', [
    ...violations,
    ...results.flatMap((r) => (r.loadJobsPerSecond > 0 ? [] : [`${r.name}: no load was accepted`])),
    // The audit looked at real writes: some job of the run moved records to the destination.
    ...(results.some((r) => r.audit.destinationRecords > 0) ? [] : ['no job wrote a destination record']),
    ...results.flatMap((r) =>
      r.drainSeconds === null ? [`${r.name}: did not drain in ${SCALE.drainSeconds} s`] : [],
    ),
    ...nonFiniteFigures(results, 'experiments'),
  ]);
else if (violations.length > 0) {
  console.error(`\n${violations.length} audit violation(s); see above and ${path.relative(REPO_ROOT, OUT)}`);
  process.exitCode = 1;
}
