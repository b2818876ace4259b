// Canary analysis (seed §9, C-005): compares the canary's metrics with the baseline's, minute by
// minute, and answers whether to roll back, promote or keep watching. A rule counts only when it
// is breached for SUSTAINED_MINUTES consecutive minutes:
//   - API p99 latency more than 10 % above the baseline's;
//   - API error rate (4xx and 5xx) more than 1 point above the baseline's;
//   - SyncSuccessRate more than 2 points below the baseline's.
// The canary is promoted after the whole monitoring window (30 minutes) without such a breach.
// Pure: the windows come from CloudWatch (GetMetricData on the two deployment groups) or a file.

export interface MinuteMetrics {
  /** The minute, ISO-8601 (e.g. 2026-12-05T10:31:00Z). */
  minute: string;
  requests: number;
  /** Responses with a 4xx or 5xx status. */
  errors: number;
  /** p99 API latency in the minute, milliseconds; null when there were no requests. */
  p99LatencyMs: number | null;
  syncSucceeded: number;
  syncFailed: number;
}

export interface CanaryWindows {
  canary: MinuteMetrics[];
  baseline: MinuteMetrics[];
}

export type RuleName = 'p99_latency' | 'error_rate' | 'sync_success_rate';

export interface Breach {
  rule: RuleName;
  /** The first and last minute of the sustained breach. */
  from: string;
  to: string;
  /** The worst deviation seen in it: a ratio for latency, points for the rates. */
  worst: number;
}

export interface CanaryVerdict {
  decision: 'rollback' | 'promote' | 'continue';
  /** Minutes present in both windows (the ones compared). */
  minutesCompared: number;
  breaches: Breach[];
  reason: string;
}

export const RULES = {
  /** canary p99 / baseline p99 above this. */
  latencyRatio: 1.1,
  /** canary error rate − baseline error rate above this (1 point). */
  errorRatePoints: 0.01,
  /** baseline success rate − canary success rate above this (2 points). */
  successRatePoints: 0.02,
  sustainedMinutes: 5,
  monitoringMinutes: 30,
} as const;

type Deviation = { breached: boolean; value: number };

function latency(c: MinuteMetrics, b: MinuteMetrics): Deviation | undefined {
  if (c.p99LatencyMs === null || b.p99LatencyMs === null || b.p99LatencyMs <= 0) return undefined;
  const ratio = c.p99LatencyMs / b.p99LatencyMs;
  return { breached: ratio > RULES.latencyRatio, value: ratio };
}

function errorRate(c: MinuteMetrics, b: MinuteMetrics): Deviation | undefined {
  if (c.requests === 0 || b.requests === 0) return undefined;
  const points = c.errors / c.requests - b.errors / b.requests;
  return { breached: points > RULES.errorRatePoints, value: points };
}

function successRate(c: MinuteMetrics, b: MinuteMetrics): Deviation | undefined {
  const cJobs = c.syncSucceeded + c.syncFailed;
  const bJobs = b.syncSucceeded + b.syncFailed;
  if (cJobs === 0 || bJobs === 0) return undefined;
  const points = b.syncSucceeded / bJobs - c.syncSucceeded / cJobs;
  return { breached: points > RULES.successRatePoints, value: points };
}

const CHECKS: Record<RuleName, (c: MinuteMetrics, b: MinuteMetrics) => Deviation | undefined> = {
  p99_latency: latency,
  error_rate: errorRate,
  sync_success_rate: successRate,
};

/** Rejects what cannot be compared: counts that are not non-negative numbers, errors above requests. */
export function validateWindows(w: CanaryWindows): string[] {
  const problems: string[] = [];
  for (const side of ['canary', 'baseline'] as const) {
    if (!Array.isArray(w[side])) {
      problems.push(`${side}: expected an array of minutes`);
      continue;
    }
    w[side].forEach((m, i) => {
      const at = `${side}[${i}]`;
      if (Number.isNaN(Date.parse(m.minute))) problems.push(`${at}.minute: not a date-time`);
      for (const k of ['requests', 'errors', 'syncSucceeded', 'syncFailed'] as const)
        if (!(Number.isFinite(m[k]) && m[k] >= 0)) problems.push(`${at}.${k}: expected a count ≥ 0`);
      if (m.errors > m.requests) problems.push(`${at}.errors: more than requests`);
      if (m.p99LatencyMs !== null && !(Number.isFinite(m.p99LatencyMs) && m.p99LatencyMs >= 0))
        problems.push(`${at}.p99LatencyMs: expected milliseconds ≥ 0 or null`);
    });
  }
  return problems;
}

export function analyzeCanary(w: CanaryWindows): CanaryVerdict {
  const baseline = new Map(w.baseline.map((m) => [Date.parse(m.minute), m]));
  const minutes = w.canary
    .map((c) => ({ at: Date.parse(c.minute), c, b: baseline.get(Date.parse(c.minute)) }))
    .filter((x): x is { at: number; c: MinuteMetrics; b: MinuteMetrics } => x.b !== undefined)
    .sort((x, y) => x.at - y.at);

  const breaches: Breach[] = [];
  for (const rule of Object.keys(CHECKS) as RuleName[]) {
    let run: { from: string; count: number; worst: number; last: number } | undefined;
    for (const { at, c, b } of minutes) {
      const d = CHECKS[rule](c, b);
      // A minute missing from the sequence, or without data for the rule, ends a run.
      const consecutive = run !== undefined && at - run.last === 60_000;
      if (d?.breached) {
        run =
          consecutive && run
            ? { ...run, count: run.count + 1, worst: Math.max(run.worst, d.value), last: at }
            : { from: c.minute, count: 1, worst: d.value, last: at };
        if (run.count === RULES.sustainedMinutes)
          breaches.push({ rule, from: run.from, to: c.minute, worst: run.worst });
        else if (run.count > RULES.sustainedMinutes) {
          const open = breaches[breaches.length - 1]!;
          open.to = c.minute;
          open.worst = run.worst;
        }
      } else run = undefined;
    }
  }

  if (breaches.length > 0)
    return {
      decision: 'rollback',
      minutesCompared: minutes.length,
      breaches,
      reason: breaches
        .map(
          (b) =>
            `${b.rule} breached for ${RULES.sustainedMinutes}+ minutes from ${b.from} (worst ${round(b.worst)})`,
        )
        .join('; '),
    };
  if (minutes.length >= RULES.monitoringMinutes)
    return {
      decision: 'promote',
      minutesCompared: minutes.length,
      breaches,
      reason: `${minutes.length} minutes compared, no rule breached for ${RULES.sustainedMinutes} minutes in a row`,
    };
  return {
    decision: 'continue',
    minutesCompared: minutes.length,
    breaches,
    reason: `${minutes.length} of ${RULES.monitoringMinutes} minutes compared so far, no sustained breach`,
  };
}

const round = (n: number) => Math.round(n * 1000) / 1000;
