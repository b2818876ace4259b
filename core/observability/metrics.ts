// The process's metrics: one prom-client registry (scraped at `/metrics`, metricsServer.ts) and,
// where configured, the same observations as CloudWatch EMF lines (emfSink.ts). Instruments live
// at module level like prom-client's default registry: each process (API, worker, or both under
// `npm start`) has one set, and any module records into it without wiring. Names and units are
// in the catalog below and nowhere else; docs/architecture.md ("Observability") lists them.
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { EmfSink, Rollups } from './emfSink.js';

/** The process's registry: the `/metrics` listener serves it, tests read it. */
export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'syncwell_' });

/** Where the observations also go as EMF; undefined unless `METRICS_EMF_INTERVAL_SECONDS` is set. */
let emf: EmfSink | undefined;

/** Starts (or, with undefined, stops) the EMF copy of every observation. */
export function useEmfSink(sink: EmfSink | undefined): void {
  emf = sink;
}

type Labels<L extends string> = Record<L, string>;

/**
 * Every EMF metric this process can write, with the dimension sets CloudWatch will know it by
 * (`service` + all labels, then each rollup): the alarms in infra/terraform/monitoring.tf must
 * name one of these (infra/local/monitoring.test.ts).
 */
export const EMF_CATALOG: { name: string; dimensionSets: string[][] }[] = [];

function catalogued(name: string, labels: readonly string[], rollups: Rollups = []): void {
  EMF_CATALOG.push({
    name,
    dimensionSets: [['service', ...[...labels].sort()], ...rollups.map((r) => [...r])],
  });
}

export interface CounterMetric<L extends string> {
  readonly name: string;
  inc(labels: Labels<L>, by?: number): void;
}

export interface HistogramMetric<L extends string> {
  readonly name: string;
  observe(labels: Labels<L>, value: number): void;
}

/** `emfRollups`: the label subsets CloudWatch also aggregates by (what the alarms watch). */
function counter<L extends string>(d: {
  name: string;
  emfName: string;
  help: string;
  labels: readonly L[];
  emfRollups?: readonly (readonly L[])[];
}): CounterMetric<L> {
  const c = new Counter({ name: d.name, help: d.help, labelNames: d.labels, registers: [registry] });
  catalogued(d.emfName, d.labels, d.emfRollups as Rollups | undefined);
  return {
    name: d.name,
    inc(labels, by = 1) {
      c.inc(labels, by);
      emf?.add(d.emfName, 'Count', labels, by, d.emfRollups as Rollups | undefined);
    },
  };
}

function histogram<L extends string>(d: {
  name: string;
  emfName: string;
  help: string;
  labels: readonly L[];
  buckets: number[];
  emfRollups?: readonly (readonly L[])[];
}): HistogramMetric<L> {
  catalogued(d.emfName, d.labels, d.emfRollups as Rollups | undefined);
  const h = new Histogram({
    name: d.name,
    help: d.help,
    labelNames: d.labels,
    buckets: d.buckets,
    registers: [registry],
  });
  return {
    name: d.name,
    observe(labels, value) {
      h.observe(labels, value);
      emf?.observe(d.emfName, 'Seconds', labels, value, d.emfRollups as Rollups | undefined);
    },
  };
}

const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 15, 30, 60, 120];
const CALL_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15];

// --- Sync outcomes (seed §6 KPIs: SyncSuccessRate, P95_ManualSyncLatency) ---

/** SyncSuccessRate = succeeded / (succeeded + failed). A retried failure is not final: `sync_attempt_failures`. */
export const syncJobs = counter({
  name: 'syncwell_sync_jobs_total',
  emfName: 'SyncJobs',
  help: 'Sync jobs that reached a final status, by trigger and outcome (succeeded, failed).',
  labels: ['trigger', 'outcome'] as const,
  emfRollups: [['outcome']],
});

export const syncAttemptFailures = counter({
  name: 'syncwell_sync_attempt_failures_total',
  emfName: 'SyncAttemptFailures',
  help: 'Failed sync attempts that will be retried, by error code.',
  labels: ['code'] as const,
});

export const manualSyncLatency = histogram({
  name: 'syncwell_manual_sync_latency_seconds',
  emfName: 'ManualSyncLatency',
  help: 'From the user’s request to the job’s final status, manual jobs only.',
  labels: ['outcome'] as const,
  buckets: LATENCY_BUCKETS,
  emfRollups: [[]],
});

// --- The API's idempotency (seed §6: idempotency-key collisions) ---

export const idempotencyCollisions = counter({
  name: 'syncwell_idempotency_collisions_total',
  emfName: 'IdempotencyKeyCollisions',
  help: 'Requests whose Idempotency-Key was already used: replay (answered from the first response), in_progress (409), mismatch (another body, 422).',
  labels: ['kind'] as const,
  emfRollups: [[]],
});

// --- Providers and their rate limits ---

export const providerCalls = counter({
  name: 'syncwell_provider_calls_total',
  emfName: 'ProviderCalls',
  help: 'HTTP calls to provider APIs, by provider and result (2xx, 4xx, 429, 5xx, network).',
  labels: ['provider', 'result'] as const,
  emfRollups: [['provider', 'result']],
});

export const providerCallDuration = histogram({
  name: 'syncwell_provider_call_duration_seconds',
  emfName: 'ProviderCallDuration',
  help: 'Time to a provider’s response headers, by provider.',
  labels: ['provider'] as const,
  buckets: CALL_BUCKETS,
});

export const rateLimitDeferrals = counter({
  name: 'syncwell_rate_limit_deferrals_total',
  emfName: 'RateLimitDeferrals',
  help: 'Provider calls our own token bucket refused (the job waits), by provider and priority.',
  labels: ['provider', 'priority'] as const,
  emfRollups: [['provider']],
});

export const rateLimitWait = histogram({
  name: 'syncwell_rate_limit_wait_seconds',
  emfName: 'RateLimitWait',
  help: 'How long a refused call is told to wait before its bucket has tokens again, by provider.',
  labels: ['provider'] as const,
  buckets: [1, 5, 15, 30, 60, 120, 300, 900, 3600],
});

/** Seed §3e: a record without a usable IANA zone is processed as UTC, and counted here. */
export const invalidTimezoneOmitted = counter({
  name: 'syncwell_invalid_timezone_omitted_total',
  emfName: 'InvalidTimezoneData_Omitted',
  help: 'Source records without a usable IANA time zone (processed as UTC), by provider.',
  labels: ['provider'] as const,
  emfRollups: [['provider']],
});

// --- Webhook coalescing (coalescing ratio = webhook events / jobs enqueued) ---

export const webhookEvents = counter({
  name: 'syncwell_coalescer_events_total',
  emfName: 'CoalescerEvents',
  help: 'Webhook events the coalescer read, by result: enqueued (a job), coalesced (into a job already queued in the window), revocation, dropped (unknown owner, deleted account, nothing to sync).',
  labels: ['result'] as const,
});

export const coalescerJobs = counter({
  name: 'syncwell_coalescer_jobs_total',
  emfName: 'CoalescerJobs',
  help: 'Hot-path jobs the coalescer enqueued (one per sync configuration and window).',
  labels: [] as const,
});

// --- Logs (seed §6: tiered log sampling) ---

export const jobLogLines = counter({
  name: 'syncwell_job_log_lines_total',
  emfName: 'JobLogLines',
  help: 'Log lines of finished jobs: written (failed or sampled), discarded (not sampled), dropped (over the per-job limit).',
  labels: ['result'] as const,
});

// --- Dynamic configuration (core/config/dynamicConfig.ts) ---

export const configRefusals = counter({
  name: 'syncwell_config_refusals_total',
  emfName: 'ConfigRefusals',
  help: 'Dynamic configuration documents refused as invalid (the last good one stayed in force), by source.',
  labels: ['source'] as const,
  emfRollups: [[]],
});

// --- The message runtime ---

export const messages = counter({
  name: 'syncwell_messages_total',
  emfName: 'Messages',
  help: 'Messages handled, by channel and outcome (done, retry, defer, fail, poison).',
  labels: ['channel', 'outcome'] as const,
});

export const dlqArrivals = counter({
  name: 'syncwell_dlq_arrivals_total',
  emfName: 'DLQArrivals',
  help: 'Messages the runtime sent to a dead-letter queue, by channel and code.',
  labels: ['channel', 'code'] as const,
  emfRollups: [[]],
});

/**
 * The sum of a metric's series matching `labels` (tests, the EMF flush); 0 when never recorded.
 * For a histogram, the number of observations (its `_count`).
 */
export async function valueOf(name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  const { values, type } = await metric.get();
  return values
    .filter(
      (v) => String(type) !== 'histogram' || (v as { metricName?: string }).metricName === `${name}_count`,
    )
    .filter((v) => Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want))
    .reduce((sum, v) => sum + v.value, 0);
}
