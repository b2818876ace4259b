// `npm run test:bench-smoke`: every benchmark in smoke mode (bench/lib/smoke.ts), the last step of
// `npm test`. Two lanes run side by side, each its runs one after the other: a smoke run checks
// that a benchmark runs and measures, never its figures, so sharing the two cores costs it nothing
// but wall time, and most of a smoke run is processes starting. Runs of the same benchmark share
// log and result files, so they stay in one lane.
//
// The runs are written in package.json itself (`--lane` starts a lane; each argument after it is
// one command), so whoever reads `npm test` sees every smoke run:
//   tsx scripts/benchSmoke.ts --lane 'npm run bench:api -- --smoke' … --lane 'npm run bench:worker -- --smoke' …
// Lanes balanced by their times side by side on the 2-core machine (2026-12-07, seconds): api 45,
// api-floor 25, ingest 16, chaos 94, anonymizer 5, capacity 1 | worker 23, worker-floor 34, poll
// 21, export 18, device 32, soak 48; one after the other they took 303 s.
//
//   npm run test:bench-smoke                  # both lanes
//   npm run test:bench-smoke -- --lanes 1     # everything one after the other
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The lanes (`--lane cmd cmd … --lane cmd …`) and `--lanes 1` (one lane of everything). */
export function parseLanes(argv: readonly string[]): string[][] {
  const lanes: string[][] = [];
  let sequential = false;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    if (arg === '--lane') lanes.push([]);
    else if (arg === '--lanes') {
      const n = argv[(i += 1)];
      if (n !== '1') throw new Error(`--lanes: only 1 is meaningful (the lanes are given), not ${n}`);
      sequential = true;
    } else if (lanes.length === 0) throw new Error(`"${arg}" comes before the first --lane`);
    else lanes[lanes.length - 1]!.push(arg);
  }
  if (lanes.some((lane) => lane.length === 0)) throw new Error('a --lane without a command');
  return sequential ? [lanes.flat()] : lanes;
}

/**
 * The `bench:*` scripts of package.json that no smoke run names: a benchmark added without one
 * would rot unnoticed, so the runner refuses to start.
 */
export function benchmarksWithoutSmoke(scripts: Record<string, string>, runs: readonly string[]): string[] {
  return Object.keys(scripts)
    .filter((name) => name.startsWith('bench:'))
    .filter((name) => !runs.some((run) => run.includes(`npm run ${name} `) && run.includes('--smoke')));
}

interface Outcome {
  script: string;
  ok: boolean;
  seconds: number;
  log: string;
}

function run(script: string, logDir: string): Promise<Outcome> {
  const started = performance.now();
  const log = join(logDir, `${script.replace(/\W+/g, '-').slice(0, 80)}.log`);
  return new Promise((resolve) => {
    const child = spawn(script, { shell: true, stdio: ['ignore', 'pipe', 'pipe'] });
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
  const lanes = parseLanes(process.argv.slice(2));
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };
  const missing = benchmarksWithoutSmoke(pkg.scripts, lanes.flat());
  if (missing.length > 0) throw new Error(`no smoke run in the lanes for ${missing.join(', ')}`);
  const logDir = mkdtempSync(join(tmpdir(), 'syncwell-bench-smoke-'));
  console.log(`every benchmark in smoke mode, ${lanes.length} at a time (logs: ${logDir})`);
  const started = performance.now();
  const outcomes: Outcome[] = [];
  await Promise.all(
    lanes.map(async (lane) => {
      for (const script of lane) {
        const o = await run(script, logDir);
        outcomes.push(o);
        const name = script.replace(/^npm run (-s )?/, '');
        console.log(`${o.ok ? 'PASS' : 'FAIL'}  ${name.padEnd(55)} ${o.seconds.toFixed(0).padStart(4)} s`);
      }
    }),
  );
  const failed = outcomes.filter((o) => !o.ok);
  for (const o of failed) {
    console.log(`\n──── ${o.script} ────`);
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

if (import.meta.url === `file://${process.argv[1]}`) await main();
