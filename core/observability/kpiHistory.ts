// The operator console's "KPIs over time": every interval, what this process's metrics registry
// counted since the previous sample (sync outcomes, P95 manual latency from the histogram's
// buckets, DLQ arrivals, deferrals, idempotency collisions) and the hot path's depth, kept for an
// hour. Under `npm start` the API and the worker share the registry; in AWS each task has its
// own, and the CloudWatch dashboard (infra/terraform/monitoring.tf) is where the fleet's figures are.
import { clock } from '../clock/clock.js';
import type { Logger } from '../logging/logger.js';
import { registry } from './metrics.js';

export interface KpiSample {
  at: string;
  syncSucceeded: number;
  syncFailed: number;
  syncSuccessRate: number | null;
  manualLatencyP95Seconds: number | null;
  dlqArrivals: number;
  rateLimitDeferrals: number;
  idempotencyCollisions: number;
  hotPathVisible: number | null;
}

/** Cumulative figures read from the registry; a sample is the difference of two. */
interface Snapshot {
  succeeded: number;
  failed: number;
  dlq: number;
  deferrals: number;
  collisions: number;
  /** Manual latency histogram: cumulative count per upper bound (le), +Inf last. */
  latencyBuckets: Map<number, number>;
}

const WINDOW_SECONDS = 3600;

interface MetricValue {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
}

async function valuesOf(name: string): Promise<MetricValue[]> {
  const metric = registry.getSingleMetric(name);
  return metric ? ((await metric.get()).values as MetricValue[]) : [];
}

const sum = (values: MetricValue[], pred: (v: MetricValue) => boolean = () => true) =>
  values.filter(pred).reduce((total, v) => total + v.value, 0);

async function snapshot(): Promise<Snapshot> {
  const [jobs, dlq, deferrals, collisions, latency] = await Promise.all([
    valuesOf('syncwell_sync_jobs_total'),
    valuesOf('syncwell_dlq_arrivals_total'),
    valuesOf('syncwell_rate_limit_deferrals_total'),
    valuesOf('syncwell_idempotency_collisions_total'),
    valuesOf('syncwell_manual_sync_latency_seconds'),
  ]);
  const latencyBuckets = new Map<number, number>();
  for (const v of latency) {
    if (v.metricName !== 'syncwell_manual_sync_latency_seconds_bucket') continue;
    const le = v.labels.le === '+Inf' ? Infinity : Number(v.labels.le);
    latencyBuckets.set(le, (latencyBuckets.get(le) ?? 0) + v.value);
  }
  return {
    succeeded: sum(jobs, (v) => v.labels.outcome === 'succeeded'),
    failed: sum(jobs, (v) => v.labels.outcome === 'failed'),
    dlq: sum(dlq),
    deferrals: sum(deferrals),
    collisions: sum(collisions),
    latencyBuckets,
  };
}

/**
 * The q-quantile of the observations between two cumulative bucket readings, interpolated within
 * its bucket like Prometheus's histogram_quantile; null without observations.
 */
export function quantileOf(
  q: number,
  before: Map<number, number>,
  after: Map<number, number>,
): number | null {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const counts = bounds.map((le) => (after.get(le) ?? 0) - (before.get(le) ?? 0));
  const total = counts.at(-1) ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  for (let i = 0; i < bounds.length; i++) {
    if (counts[i]! < rank) continue;
    const upper = bounds[i]!;
    const lower = i === 0 ? 0 : bounds[i - 1]!;
    // Beyond the last finite bound all we know is that it was larger: answer that bound.
    if (upper === Infinity) return lower;
    const below = i === 0 ? 0 : counts[i - 1]!;
    const inBucket = counts[i]! - below;
    return inBucket > 0 ? lower + ((upper - lower) * (rank - below)) / inBucket : upper;
  }
  return bounds.length > 1 ? bounds[bounds.length - 2]! : null;
}

export class KpiHistory {
  private readonly samples: KpiSample[] = [];
  private previous: Snapshot | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly o: {
      intervalSeconds: number;
      logger: Logger;
      /** The hot path's visible messages, or undefined when unknown. */
      hotPathVisible?: () => Promise<number | undefined>;
    },
  ) {}

  get intervalSeconds(): number {
    return this.o.intervalSeconds;
  }

  /** The samples, oldest first. */
  list(): KpiSample[] {
    return [...this.samples];
  }

  start(): void {
    if (this.timer) return;
    void this.sample();
    this.timer = setInterval(() => void this.sample(), this.o.intervalSeconds * 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Takes one sample (the timer's work; tests call it to close an interval). Never throws. */
  async sample(): Promise<KpiSample | undefined> {
    try {
      const [now, visible] = await Promise.all([
        snapshot(),
        this.o.hotPathVisible?.().catch(() => undefined) ?? Promise.resolve(undefined),
      ]);
      const before = this.previous;
      this.previous = now;
      if (!before) return undefined;
      const succeeded = now.succeeded - before.succeeded;
      const failed = now.failed - before.failed;
      const sample: KpiSample = {
        at: clock.date().toISOString(),
        syncSucceeded: succeeded,
        syncFailed: failed,
        syncSuccessRate: succeeded + failed > 0 ? succeeded / (succeeded + failed) : null,
        manualLatencyP95Seconds: quantileOf(0.95, before.latencyBuckets, now.latencyBuckets),
        dlqArrivals: now.dlq - before.dlq,
        rateLimitDeferrals: now.deferrals - before.deferrals,
        idempotencyCollisions: now.collisions - before.collisions,
        hotPathVisible: visible ?? null,
      };
      this.samples.push(sample);
      const keep = Math.max(1, Math.ceil(WINDOW_SECONDS / this.o.intervalSeconds));
      if (this.samples.length > keep) this.samples.splice(0, this.samples.length - keep);
      return sample;
    } catch (error) {
      this.o.logger.warn({ err: error }, 'KPI sample not taken');
      return undefined;
    }
  }
}
