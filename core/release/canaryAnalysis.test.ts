import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { analyzeCanary, validateWindows, type CanaryWindows, type MinuteMetrics } from './canaryAnalysis.js';

const START = Date.parse('2026-11-30T14:00:00Z');

/** `minutes` steady minutes; `change(i)` alters minute i. */
function window(
  minutes: number,
  change: (i: number) => Partial<MinuteMetrics> = () => ({}),
): MinuteMetrics[] {
  return Array.from({ length: minutes }, (_, i) => ({
    minute: new Date(START + i * 60_000).toISOString(),
    requests: 1000,
    errors: 5,
    p99LatencyMs: 200,
    syncSucceeded: 999,
    syncFailed: 1,
    ...change(i),
  }));
}

const during = (from: number, to: number, m: Partial<MinuteMetrics>) => (i: number) =>
  i >= from && i <= to ? m : {};

describe('canary analysis (seed §9, C-005)', () => {
  it('promotes after 30 steady minutes, keeps watching before', () => {
    expect(analyzeCanary({ canary: window(30), baseline: window(30) })).to.include({
      decision: 'promote',
      minutesCompared: 30,
    });
    expect(analyzeCanary({ canary: window(12), baseline: window(30) })).to.include({
      decision: 'continue',
      minutesCompared: 12,
    });
  });

  it('rolls back on p99 latency > 10 % above the baseline for 5 minutes in a row, not for 4', () => {
    const five = analyzeCanary({
      canary: window(30, during(10, 14, { p99LatencyMs: 221 })),
      baseline: window(30),
    });
    expect(five.decision).to.equal('rollback');
    expect(five.breaches).to.deep.equal([
      { rule: 'p99_latency', from: window(30)[10]!.minute, to: window(30)[14]!.minute, worst: 1.105 },
    ]);
    const four = analyzeCanary({
      canary: window(30, during(10, 13, { p99LatencyMs: 400 })),
      baseline: window(30),
    });
    expect(four.decision).to.equal('promote');
    // Exactly +10 % is not "more than 10 %".
    expect(
      analyzeCanary({ canary: window(30, () => ({ p99LatencyMs: 220 })), baseline: window(30) }).decision,
    ).to.equal('promote');
  });

  it('rolls back on an error rate > 1 point above the baseline, sustained', () => {
    const v = analyzeCanary({ canary: window(30, during(3, 9, { errors: 16 })), baseline: window(30) });
    expect(v.decision).to.equal('rollback');
    expect(v.breaches.map((b) => [b.rule, b.from, b.to])).to.deep.equal([
      ['error_rate', window(30)[3]!.minute, window(30)[9]!.minute],
    ]);
    // 1.5 % vs 0.5 %: exactly 1 point, not more.
    expect(
      analyzeCanary({ canary: window(30, () => ({ errors: 15 })), baseline: window(30) }).decision,
    ).to.equal('promote');
  });

  it('rolls back on a SyncSuccessRate > 2 points below the baseline, sustained', () => {
    const v = analyzeCanary({
      canary: window(30, during(20, 29, { syncSucceeded: 960, syncFailed: 40 })),
      baseline: window(30),
    });
    expect(v.decision).to.equal('rollback');
    expect(v.breaches[0]).to.include({ rule: 'sync_success_rate' });
    expect(v.breaches[0]!.worst).to.be.closeTo(0.039, 1e-9);
  });

  it('a gap in the minutes breaks a run; minutes without data do not count either way', () => {
    // Minutes 10–18 breach, but 14 is missing: two runs of 4.
    const gap = window(30, during(10, 18, { p99LatencyMs: 300 })).filter((_, i) => i !== 14);
    // No breach; 29 minutes compared, so not yet a promotion.
    expect(analyzeCanary({ canary: gap, baseline: window(30) })).to.deep.include({
      decision: 'continue',
      breaches: [],
    });
    const idle = window(30, () => ({
      requests: 0,
      errors: 0,
      p99LatencyMs: null,
      syncSucceeded: 0,
      syncFailed: 0,
    }));
    expect(analyzeCanary({ canary: idle, baseline: window(30) })).to.include({
      decision: 'promote',
      minutesCompared: 30,
    });
  });

  it('refuses windows it cannot compare', () => {
    const bad = {
      canary: [
        { ...window(1)[0]!, errors: 2000 },
        { ...window(1)[0]!, minute: 'soon', requests: -1 },
      ],
      baseline: 'x',
    };
    expect(validateWindows(bad as unknown as CanaryWindows)).to.deep.equal([
      'canary[0].errors: more than requests',
      'canary[1].minute: not a date-time',
      'canary[1].requests: expected a count ≥ 0',
      'canary[1].errors: more than requests',
      'baseline: expected an array of minutes',
    ]);
  });

  describe('npm run canary on recorded windows (test/fixtures/canary/)', () => {
    const run = (file: string) =>
      spawnSync(process.execPath, ['--import', 'tsx', 'scripts/canary.ts', '--windows', file], {
        encoding: 'utf8',
      });

    it('promotes the healthy release (exit 0)', () => {
      const out = run('test/fixtures/canary/healthy.json');
      expect(out.status, out.stderr).to.equal(0);
      expect(JSON.parse(out.stdout)).to.include({ decision: 'promote', minutesCompared: 30 });
    });

    it('rolls back the latency regression (exit 2) and says when', () => {
      const out = run('test/fixtures/canary/latency-regression.json');
      expect(out.status, out.stderr).to.equal(2);
      const verdict = JSON.parse(out.stdout) as {
        decision: string;
        breaches: { rule: string; from: string; to: string }[];
      };
      const recorded = JSON.parse(
        readFileSync('test/fixtures/canary/latency-regression.json', 'utf8'),
      ) as CanaryWindows;
      expect(verdict.decision).to.equal('rollback');
      expect(verdict.breaches.map((b) => [b.rule, b.from, b.to])).to.deep.equal([
        ['p99_latency', recorded.canary[12]!.minute, recorded.canary[19]!.minute],
      ]);
    });

    it('answers 1 with the problems for unusable input', () => {
      const out = run('package.json');
      expect(out.status).to.equal(1);
      expect(out.stderr).to.include('canary: expected an array of minutes');
    });
  });
});
