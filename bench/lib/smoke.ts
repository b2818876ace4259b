// Smoke mode, shared by every benchmark (`--smoke`, run by `npm run test:bench-smoke` in `npm test`):
// a few seconds of tiny load through the same code and the same processes as the full run, so a
// benchmark that can no longer run, or that measures nothing, fails the suite instead of rotting.
// It checks that the figures are measurements (finite, non-zero throughput, nothing failed), never
// the performance targets, and it never writes the recorded bench/results/*-latest.json.
import path from 'node:path';
import { REPO_ROOT, stopAllChildren } from './proc.js';

/** Where a smoke run's results go: git-ignored (`bench/results/*.tmp`), beside the recorded ones. */
export function smokeResultsFile(bench: string): string {
  return path.join(REPO_ROOT, 'bench', 'results', `${bench}-smoke.json.tmp`);
}

/**
 * The results file of a run: `--out`, else the recorded file, or the smoke file in smoke mode
 * (which refuses `--out`, so that no smoke run can replace a recorded result).
 */
export function resultsFile(
  bench: string,
  smoke: boolean,
  out: string | undefined,
  recorded: string,
): string {
  if (smoke && out !== undefined)
    throw new Error(
      `--smoke writes ${path.relative(REPO_ROOT, smokeResultsFile(bench))}; --out is not allowed`,
    );
  return path.resolve(REPO_ROOT, out ?? (smoke ? smokeResultsFile(bench) : recorded));
}

/**
 * Where in `value` a number is NaN or ±Infinity (an empty percentile, a division by zero). JSON
 * would write them as `null` and hide them; `null` itself is a figure that does not apply.
 */
export function nonFiniteFigures(value: unknown, at = 'results'): string[] {
  if (typeof value === 'number') return Number.isFinite(value) ? [] : [`${at} is ${value}`];
  if (Array.isArray(value)) return value.flatMap((v, i) => nonFiniteFigures(v, `${at}[${i}]`));
  if (value !== null && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => nonFiniteFigures(v, `${at}.${k}`));
  return [];
}

/** A problem unless `value` is a number above zero (a throughput, a count of work done). */
export function positive(label: string, value: number | null | undefined): string[] {
  return typeof value === 'number' && value > 0 ? [] : [`${label} is ${value}, expected > 0`];
}

/** Prints the smoke verdict; returns the process exit code (1 when anything is wrong). */
export function smokeVerdict(bench: string, problems: readonly string[]): number {
  if (problems.length === 0) {
    console.log(`\nsmoke ${bench}: OK (it runs and measures; targets not checked)`);
    return 0;
  }
  console.error(`\nsmoke ${bench}: FAILED, the benchmark does not produce valid figures:`);
  for (const p of problems) console.error(`  - ${p}`);
  return 1;
}

/**
 * A smoke run that hangs (a child that never answers, a queue that never drains) fails after
 * `seconds` instead of blocking `npm test`: the children are stopped and the process exits 1.
 */
export function smokeWatchdog(bench: string, seconds: number): void {
  setTimeout(() => {
    console.error(`\nsmoke ${bench}: FAILED, not finished after ${seconds} s; stopping its processes`);
    void Promise.race([stopAllChildren(5000), new Promise((r) => setTimeout(r, 10_000))]).then(() =>
      process.exit(1),
    );
  }, seconds * 1000).unref();
}
