// Runs the end-to-end suite at fixed dates (and today), to prove that nothing in the system or its
// tests depends on the day it runs. Each run is a separate mocha process whose clock
// (core/clock, `SYNCWELL_CLOCK_START`) starts at the chosen instant; the API, worker, scheduler,
// poller, provider sandbox and personas all read that clock. The machine's time zone varies too.
//
//   npm run test:dates                     # every date, two at a time
//   npm run test:dates -- --only leap-day  # one date (names below)
//   npm run test:dates -- --concurrency 3
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

interface DateCase {
  name: string;
  /** The instant the suite's clock starts at; undefined: the real clock (today). */
  start: string | undefined;
  /** The machine's time zone for the run (the code must not care). */
  tz: string;
  why: string;
  /**
   * `all`: every end-to-end file. `windows`: the files whose syncs read the persona's history
   * through windows that cross its DST and travel edges (WINDOW_SUITES), the point of the edge
   * dates; the flows that only need "some date other than today" run at the `all` dates.
   */
  suites: 'all' | 'windows';
}

/** End-to-end files that read or write the persona's records over date windows. */
export const WINDOW_SUITES: readonly string[] = [
  'test/e2e/sync.test.ts',
  'test/e2e/historical.test.ts',
  'test/e2e/polling.test.ts',
  'test/e2e/scheduling.test.ts',
  'test/e2e/webhooks.test.ts',
  'test/e2e/cloudToDevice.test.ts',
  'test/e2e/deviceSimulator.test.ts',
  'test/e2e/export.test.ts',
];

/**
 * Tests in those files that read the persona's history only on the way to something else (a 429
 * storm, a worker killed mid-batch, the scheduler giving up on a connection, webhooks for unknown
 * owners) carry this tag in their title. Their windows are the same as their files' plain syncs,
 * which run at every date; what they test (retries, leases, scheduler ticks, counted calls) is
 * relative time, so they run today only. They were 44 s of each 137 s window run (2026-12-07).
 */
export const ANY_DATE_TAG = '@any-date';

// The persona (infra/local/sandbox/persona.ts) has 21 days of history at home in New York, days
// 8–10 before "now" in Berlin, and a run 30 minutes before the last New York DST change when it
// falls within 35 days. These dates put each of those edges inside a sync's window: New York's
// changes on their day (the run in the skipped or repeated hour is then in every window), Berlin's
// nine days later (the trip is when the persona lives in Berlin's time). Seven runs, two at a time;
// the whole suite runs today, the other dates run the window suites, which keeps `npm test` under
// its budget (until 2026-12-07 New York's spring-forward day ran the whole suite too: 4.8 minutes of
// a run of 26 on that day's machine); the day before a change, Berlin's change seen from New York,
// or New Year in UTC−12 (a machine date behind UTC's, as New York's is every evening) added nothing
// these do not cover. The whole suite at that instant, by hand:
// `SYNCWELL_CLOCK_START=2027-03-14T15:00:00Z TZ=America/New_York npm run test:e2e`.
export const DATE_CASES: readonly DateCase[] = [
  { name: 'today', start: undefined, tz: 'UTC', suites: 'all', why: 'the day the suite runs' },
  {
    name: 'ny-spring',
    suites: 'windows',
    start: '2027-03-14T15:00:00Z',
    tz: 'America/New_York',
    why: 'New York sprang forward this morning: a run spans the skipped hour',
  },
  {
    name: 'berlin-spring-trip',
    suites: 'windows',
    start: '2027-04-06T12:00:00Z',
    tz: 'UTC',
    why: 'the Berlin trip (days 8–10 ago) straddles Berlin springing forward',
  },
  {
    name: 'ny-autumn',
    suites: 'windows',
    start: '2027-11-07T16:00:00Z',
    tz: 'America/New_York',
    why: 'New York fell back this morning: a run sits in the repeated hour',
  },
  {
    name: 'berlin-autumn-trip',
    suites: 'windows',
    start: '2027-11-09T12:00:00Z',
    tz: 'Asia/Kolkata',
    why: 'the Berlin trip straddles Berlin falling back; New York fell back two days ago',
  },
  {
    name: 'leap-day',
    suites: 'windows',
    start: '2028-02-29T12:00:00Z',
    tz: 'UTC',
    why: 'a leap day',
  },
  {
    name: 'new-year-utc+14',
    suites: 'windows',
    start: '2026-12-31T10:30:00Z',
    tz: 'Pacific/Kiritimati',
    why: 'half past midnight on New Year’s Day in UTC+14 (still 30 December in New York)',
  },
];

interface Outcome {
  c: DateCase;
  ok: boolean;
  seconds: number;
  summary: string;
  log: string;
}

function runCase(c: DateCase, logDir: string, extraArgs: string[]): Promise<Outcome> {
  const started = performance.now();
  const log = join(logDir, `${c.name}.log`);
  const env: NodeJS.ProcessEnv = { ...process.env, TZ: c.tz };
  delete env.SYNCWELL_CLOCK_START;
  if (c.start) env.SYNCWELL_CLOCK_START = c.start;
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [
        'node_modules/mocha/bin/mocha.js',
        '--timeout',
        '120000',
        '--reporter',
        'dot',
        ...(extraArgs.length > 0
          ? extraArgs
          : c.suites === 'all'
            ? ['test/e2e/**/*.test.ts']
            : ['--grep', ANY_DATE_TAG, '--invert', ...WINDOW_SUITES]),
      ],
      { env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const chunks: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => chunks.push(d));
    child.stderr.on('data', (d: Buffer) => chunks.push(d));
    child.on('close', (code, signal) => {
      const text = Buffer.concat(chunks).toString('utf8');
      writeFileSync(log, text);
      const passing = /(\d+) passing/.exec(text)?.[1] ?? '0';
      const failing = /(\d+) failing/.exec(text)?.[1] ?? '0';
      // A run that ends without mocha's summary was killed or crashed: say how.
      const ended = signal ? `, killed by ${signal}` : /passing/.test(text) ? '' : `, exited ${String(code)}`;
      resolve({
        c,
        ok: code === 0,
        seconds: (performance.now() - started) / 1000,
        summary: `${passing} passing, ${failing} failing${ended}`,
        log,
      });
    });
  });
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      only: { type: 'string', multiple: true },
      concurrency: { type: 'string', default: '2' },
      list: { type: 'boolean', default: false },
    },
  });
  if (values.list) {
    for (const c of DATE_CASES)
      console.log(`${c.name.padEnd(20)} ${c.start ?? 'now'}  TZ=${c.tz}  ${c.suites.padEnd(7)}  ${c.why}`);
    return;
  }
  const cases = values.only ? DATE_CASES.filter((c) => values.only!.includes(c.name)) : [...DATE_CASES];
  const unknown = (values.only ?? []).filter((n) => !DATE_CASES.some((c) => c.name === n));
  if (unknown.length > 0) throw new Error(`unknown date case(s): ${unknown.join(', ')} (see --list)`);
  const concurrency = Math.max(1, Number(values.concurrency) || 1);
  const logDir = mkdtempSync(join(tmpdir(), 'syncwell-dates-'));
  console.log(`end-to-end suite at ${cases.length} dates, ${concurrency} at a time (logs: ${logDir})`);

  // The whole-suite dates first: they take twice as long, so the short runs fill the end.
  const queue = [...cases].sort((a, b) => Number(a.suites !== 'all') - Number(b.suites !== 'all'));
  const outcomes: Outcome[] = [];
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let c = queue.shift(); c; c = queue.shift()) {
        const o = await runCase(c, logDir, positionals);
        outcomes.push(o);
        console.log(
          `${o.ok ? 'PASS' : 'FAIL'}  ${c.name.padEnd(20)} ${(c.start ?? 'now').padEnd(21)} TZ=${c.tz.padEnd(18)} ${o.summary} (${o.seconds.toFixed(0)} s)`,
        );
      }
    }),
  );

  const failed = outcomes.filter((o) => !o.ok);
  for (const o of failed) {
    console.log(`\n──── ${o.c.name} (${o.c.why}) ────`);
    const text = readFileSync(o.log, 'utf8');
    const at = text.search(/\n\s+\d+ passing/);
    console.log(at >= 0 ? text.slice(at) : text.slice(-6000));
  }
  if (failed.length > 0) {
    console.log(`\n${failed.length} of ${outcomes.length} dates failed; logs kept in ${logDir}`);
    process.exitCode = 1;
  } else {
    rmSync(logDir, { recursive: true, force: true });
    console.log(`all ${outcomes.length} dates passed`);
  }
}

await main();
