// Text tables of a model run: capacity, volumes, monthly cost per service, sensitivity. Formatting
// only; every figure comes from model.ts.
import type { Assumptions } from './assumptions.js';
import type { BenchFigures } from './bench.js';
import { asciiChart, type CostPoint } from './chart.js';
import { DAYS_PER_MONTH, type ModelResult, type Service } from './model.js';
import type { PriceTable } from './pricing.js';

const n = (v: number, digits = 0) =>
  v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const big = (v: number) =>
  v >= 1e9
    ? `${n(v / 1e9, 2)} B`
    : v >= 1e6
      ? `${n(v / 1e6, 2)} M`
      : v >= 1e4
        ? `${n(v / 1e3, 1)} k`
        : n(v, 1);
const usd = (v: number) => `$${n(v)}`;
const signedUsd = (v: number) => `${v < 0 ? '−' : '+'}${usd(Math.abs(v))}`;
const pct = (v: number, digits = 1) => `${n(v * 100, digits)} %`;

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export interface SensitivityRow {
  label: string;
  result: ModelResult;
}

export function formatReport(
  r: ModelResult,
  a: Assumptions,
  b: BenchFigures,
  prices: PriceTable,
  sensitivity: { title: string; rows: SensitivityRow[]; focus: Service[] }[],
  curve: CostPoint[],
): string {
  const m = DAYS_PER_MONTH;
  const out: string[] = [];
  out.push(
    `SyncWell capacity and cost model — ${n(r.dau)} DAU, ${n(r.requests.peakPerSecond)} req/s peak (spec §3b, §8)`,
    `bench: ${Object.values(b.files).join(', ')} (bench/results/)`,
    `prices: infra/pricing/aws-us-east-1.json, ${prices.region}, transcribed ${prices.taken} (not fetched: see its provenance)`,
    '',
    '== Load per day',
    table(
      ['', 'per day', 'per second (avg)'],
      [
        ['API requests, all', big(r.requests.total), n(r.requests.averagePerSecond, 1)],
        ['  cached GETs (incl. job status polls)', big(r.requests.cachedGets), ''],
        ['  POST /v1/sync-jobs', big(r.requests.syncPosts), ''],
        ['  webhook deliveries', big(r.requests.webhookDeliveries), ''],
        ['  device uploads', big(r.requests.deviceUploads), ''],
        ['  cloud → device round trips', big(r.requests.roundTrips), ''],
        ['Worker jobs, all', big(r.jobs.total), n(r.jobs.total / 86_400, 1)],
        ['  manual', big(r.jobs.manual), ''],
        [`  scheduled (Pro every 15 min: ${big(r.jobs.scheduledPro)})`, big(r.jobs.scheduled), ''],
        [`  webhook (coalescing ratio ${n(a.coalescingRatio, 1)})`, big(r.jobs.webhook), ''],
        [`  poll-triggered (pre-flight skips ${pct(r.jobs.preflightSkipRate)})`, big(r.jobs.poll), ''],
        ['  with new data', big(r.jobs.withNewData), ''],
        ['Pre-flight checks / hops', `${big(r.jobs.pollChecks)} / ${big(r.jobs.pollHops)}`, ''],
        ['Exports', n(r.jobs.exports, 0), ''],
      ],
    ),
    '',
    `== Compute (Fargate ARM, target CPU ${pct(a.targetCpuUtilisation, 0)}: ${pct(1 - a.targetCpuUtilisation, 0)} headroom)`,
    table(
      [
        'fleet',
        'task',
        'CPU/unit',
        'per task',
        'avg vCPU',
        'peak vCPU',
        'tasks avg',
        'tasks peak',
        'bound by',
        'task-h/day',
      ],
      [
        [
          'API',
          `${a.apiTaskVcpu} vCPU/${a.apiTaskMemoryGb} GB`,
          `${n(r.requests.blendedCpuMicros)} µs/req`,
          `${n(r.api.perTaskThroughput)} req/s`,
          n(r.api.averageVcpu, 1),
          n(r.api.peakVcpu, 1),
          String(r.api.tasksAtAverage),
          String(r.api.tasksAtPeak),
          r.api.boundBy,
          n(r.api.taskHoursPerDay),
        ],
        [
          'workers',
          `${a.workerTaskVcpu} vCPU/${a.workerTaskMemoryGb} GB`,
          `${n((r.workers.averageVcpu * 86_400 * 1e6) / r.jobs.total)} µs/job`,
          `${n(r.workers.perTaskThroughput)} jobs/s`,
          n(r.workers.averageVcpu, 1),
          n(r.workers.peakVcpu, 1),
          String(r.workers.tasksAtAverage),
          String(r.workers.tasksAtPeak),
          r.workers.boundBy,
          n(r.workers.taskHoursPerDay),
        ],
      ],
    ),
    `API peak: ${n(r.requests.peakPerSecond)} req/s = ${n(r.requests.peakPerSecond / r.requests.averagePerSecond, 1)}x the day's average; ` +
      `${a.peakHoursPerDay} h/day at peak size. Workers: peak ${a.workerPeakToAverage}x average; ` +
      `worker CPU per job: manual empty ${n(r.jobs.cpuMicros.manualEmpty)} µs, system empty ${n(r.jobs.cpuMicros.systemEmpty)} µs, + ${n(r.jobs.cpuMicros.perRecord)} µs per record.`,
    `Jobs in flight at peak: ${n(r.jobs.peakInFlight)} (${n(r.jobs.jobSeconds, 2)} s per job against real providers, ASSUMED) ÷ ${a.workerConcurrency} per process (WORKER_CONCURRENCY).`,
    '',
    '== DynamoDB (on-demand; 1 WRU per item < 1 KB written, 1 RRU per strongly consistent read < 4 KB)',
    table(
      ['', 'avg /s', 'peak /s', 'per month'],
      [
        [
          'write request units',
          n(r.dynamo.writeUnitsPerSecondAverage),
          n(r.dynamo.writeUnitsPerSecondPeak),
          big(r.dynamo.writeUnitsPerDay * m),
        ],
        [
          'read request units',
          n(r.dynamo.readUnitsPerSecondAverage),
          n(r.dynamo.readUnitsPerSecondPeak),
          big(r.dynamo.readUnitsPerDay * m),
        ],
      ],
    ),
    `storage ${n(r.dynamo.storageGb, 1)} GB. Spec §3b's hybrid (provisioned for 70 % of peak) would provision ~${n(r.dynamo.writeUnitsPerSecondPeak * 0.7)} WCU and ~${n(r.dynamo.readUnitsPerSecondPeak * 0.7)} RCU.`,
    '',
    '== SQS requests per month',
    table(
      ['', 'per month'],
      [
        ['sends (SendMessageBatch / SendMessage)', big(r.sqs.sends * m)],
        [`receives with messages (batches of ${a.receiveBatchFill})`, big(r.sqs.receives * m)],
        [`empty long-poll receives (${a.longPollSeconds} s)`, big(r.sqs.emptyReceives * m)],
        [`deletes (batches of ${a.deleteBatchFill})`, big(r.sqs.deletes * m)],
        [
          `visibility changes (${pct(a.deferredJobShare, 0)} of jobs deferred)`,
          big(r.sqs.visibilityChanges * m),
        ],
        ['FIFO (hot path, coalescing buffer)', big(r.sqs.fifoRequests * m)],
        ['Standard (poll chain, notifications, empty receives)', big(r.sqs.standardRequests * m)],
      ],
    ),
    `hot-path requests per job: model ${n(r.sqs.hotPathRequestsPerJob, 2)}; worker bench measured ${n(r.sqs.benchRequestsPerJob.manual, 2)} (manual, sparse arrivals) and ${n(r.sqs.benchRequestsPerJob.scheduled, 2)} (scheduled, full batches).`,
    '',
    '== Other volumes',
    table(
      ['', 'avg', 'peak / note'],
      [
        [
          'Redis ops/s',
          n(r.redis.opsPerSecondAverage),
          `${n(r.redis.opsPerSecondPeak)} → ${r.redis.shards} shard(s), ${r.redis.nodes} cache.r7g.large nodes`,
        ],
        ['Secrets stored (one per connection)', big(r.secrets.stored), ''],
        [
          'Secrets Manager calls / month',
          big((r.secrets.getCalls + r.secrets.putCalls) * m),
          `Get ${big(r.secrets.getCalls * m)} at ${pct(a.credentialCacheHitRate, 0)} cache hits (ASSUMED), Put ${big(r.secrets.putCalls * m)}`,
        ],
        ['Pushes / day', big(r.push.perDay), `${n(r.push.perDay / 86_400, 1)}/s avg`],
        [
          'Logs ingested / month',
          `${n(r.logs.ingestedGbPerDay * m, 1)} GB`,
          `job logs kept for ${pct(r.logs.jobKeepRate, 2)} of jobs (1/${a.jobLogSampleRatePro} Pro, 1/${a.jobLogSampleRateFree} Free, failures all)`,
        ],
        [
          'Provider calls / day (NAT)',
          big(r.network.providerCalls),
          `${n(r.network.natGbPerDay * m)} GB/month`,
        ],
        ['EventBridge events / month', big(r.events.perDay * m), ''],
      ],
    ),
    '',
    '== Monthly cost (USD, list prices, us-east-1)',
    table(
      ['service', 'per month', 'share'],
      [
        ...(Object.entries(r.costs) as [Service, number][])
          .sort((x, y) => y[1] - x[1])
          .map(([s, c]) => [s, usd(c), pct(c / r.totalUsdPerMonth)]),
        ['total', usd(r.totalUsdPerMonth), ''],
      ],
    ),
    `per DAU: $${n(r.totalUsdPerMonth / r.dau, 4)} a month`,
    `Secrets Manager storage alone (one secret per connection, core/secrets/awsSecretStore.ts): ` +
      `${usd(r.secretStorageUsdPerMonth)} for ${big(r.secrets.stored)} secrets; ` +
      `everything else: ${usd(r.totalUsdPerMonth - r.secretStorageUsdPerMonth)} ($${n((r.totalUsdPerMonth - r.secretStorageUsdPerMonth) / r.dau, 4)} per DAU).`,
  );

  for (const s of sensitivity) {
    const base = s.rows.find((row) => row.label.endsWith('*'));
    out.push(
      '',
      `== Sensitivity: ${s.title}`,
      table(
        ['value', ...s.focus, 'total', 'vs *'],
        s.rows.map((row) => [
          row.label,
          ...s.focus.map((f) => usd(row.result.costs[f])),
          usd(row.result.totalUsdPerMonth),
          base ? signedUsd(row.result.totalUsdPerMonth - base.result.totalUsdPerMonth) : '',
        ]),
      ),
    );
  }
  out.push('', '== Monthly cost against DAU', asciiChart(curve), '');
  return out.join('\n');
}
