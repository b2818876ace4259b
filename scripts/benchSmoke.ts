// `npm run test:bench-smoke`: every benchmark in smoke mode (bench/lib/smoke.ts), the last step of
// `npm test`. Two lanes run side by side, each its list one after the other: a smoke run checks
// that a benchmark runs and measures, never its figures, so sharing the two cores costs it nothing
// but wall time, and most of a smoke run is processes starting. Runs of the same benchmark share
// log and result files, so they stay in one lane. Each run is a `smoke:*` script in package.json.
//
//   npm run test:bench-smoke                  # both lanes
//   npm run test:bench-smoke -- --lanes 1     # everything one after the other
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

/**
 * The `smoke:*` scripts of package.json, one per benchmark run, by lane. Balanced by their times
 * side by side on the 2-core machine (2026-12-07, seconds): api 45, api-floor 25, ingest 16,
 * chaos 94, anonymizer 5, capacity 1 | worker 23, worker-floor 34, poll 21, export 18, device 32,
 * soak 48. One after the other they took 303 s. Every `smoke:*` script must be in one lane.
 */
export const LANES: readonly (readonly string[])[] = [
  ['smoke:api', 'smoke:api-floor', 'smoke:ingest', 'smoke:chaos', 'smoke:anonymizer', 'smoke:capacity'],
  ['smoke:worker', 'smoke:worker-floor', 'smoke:poll', 'smoke:export', 'smoke:device', 'smoke:soak'],
];

/** Fails when package.json's `smoke:*` scripts and the lanes disagree: no smoke run is skipped. */
function checkLanes(): void {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };
  const declared = Object.keys(pkg.scripts).filter((name) => name.startsWith('smoke:'));
  const laned = LANES.flat();
  const missing = declared.filter((name) => !laned.includes(name));
  const unknown = laned.filter((name) => !declared.includes(name));
  if (missing.length > 0 || unknown.length > 0)
    throw new Error(
      `scripts/benchSmoke.ts LANES and package.json disagree: not in a lane ${missing.join(', ') || '-'}; ` +
        `not in package.json ${unknown.join(', ') || '-'}`,
    );
}

interface Outcome {
  script: string;
  ok: boolean;
  seconds: number;
  log: string;
}

function run(script: string, logDir: string): Promise<Outcome> {
  const started = performance.now();
  const log = join(logDir, `${script.replace(/\W+/g, '-')}.log`);
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', '-s', script], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => chunks.push(d));
    child.stderr.on('data', (d: Buffer) => chunks.push(d));
    child.on('close', (code) => {
      writeFileSync(log, Buffer.concat(chunks));
      resolve({ script, ok: code === 0, seconds: (performance.now() - started) / 1000, log });
    });
  });
}

async function main(): Promise<void> {
  checkLanes();
  const { values } = parseArgs({ options: { lanes: { type: 'string', default: '2' } } });
  const lanes = values.lanes === '1' ? [LANES.flat()] : LANES.map((lane) => [...lane]);
  const logDir = mkdtempSync(join(tmpdir(), 'syncwell-bench-smoke-'));
  console.log(`every benchmark in smoke mode, ${lanes.length} at a time (logs: ${logDir})`);
  const started = performance.now();
  const outcomes: Outcome[] = [];
  await Promise.all(
    lanes.map(async (lane) => {
      for (const script of lane) {
        const o = await run(script, logDir);
        outcomes.push(o);
        console.log(`${o.ok ? 'PASS' : 'FAIL'}  ${script.padEnd(20)} ${o.seconds.toFixed(0).padStart(4)} s`);
      }
    }),
  );
  const failed = outcomes.filter((o) => !o.ok);
  for (const o of failed) {
    console.log(`\n──── npm run ${o.script} ────`);
    console.log(readFileSync(o.log, 'utf8').slice(-6000));
  }
  const took = ((performance.now() - started) / 1000).toFixed(0);
  if (failed.length > 0) {
    console.log(
      `\n${failed.length} of ${outcomes.length} smoke runs failed (${took} s); logs kept in ${logDir}`,
    );
    process.exitCode = 1;
  } else {
    rmSync(logDir, { recursive: true, force: true });
    console.log(`all ${outcomes.length} smoke runs passed (${took} s)`);
  }
}

await main();
