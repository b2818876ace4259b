// `npm run canary:windows -- --load-balancer <arn suffix> --baseline-target-group <arn suffix>
//   --canary-target-group <arn suffix> [--start ISO] [--end ISO] [--minutes 30] --out windows.json`
// Fetches the canary's and the baseline's metrics from CloudWatch (GetMetricData, 60 s periods)
// and writes the windows file `npm run canary -- --windows <file>` judges (seed §9, C-005;
// docs/deploy.md section 10). Per target group (AWS/ApplicationELB): RequestCount, the targets'
// 4xx and 5xx (the analysis's error rate counts both) and TargetResponseTime p99; per EMF namespace
// (SyncWell for the baseline, SyncWellCanary for the canary, infra/terraform/canary.tf): SyncJobs
// by outcome (core/observability/metrics.ts). The dimensions are Terraform's `canary_dimensions`
// output. Exit 0: written; 1: a metric is missing or the windows are unusable.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CloudWatchClient, GetMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { validateWindows, type CanaryWindows, type MinuteMetrics } from '../core/release/canaryAnalysis.js';

export const PERIOD_SECONDS = 60;
export const BASELINE_NAMESPACE = 'SyncWell'; // METRICS_NAMESPACE's default, the main services'
export const CANARY_NAMESPACE = 'SyncWellCanary'; // local.canary_metrics_environment (ecs.tf)
export const SYNC_JOBS_METRIC = 'SyncJobs'; // its `outcome` rollup is what the alarms read too

export interface WindowsOptions {
  /** `app/<name>/<id>`: aws_lb.api.arn_suffix. */
  loadBalancer: string;
  /** `targetgroup/<name>/<id>`: the main and the canary target groups' arn_suffix. */
  baselineTargetGroup: string;
  canaryTargetGroup: string;
  /** The first minute (inclusive) and the end (exclusive), on minute boundaries. */
  start: Date;
  end: Date;
  /** false: an API-only canary; the sync success rule then has nothing to compare. */
  requireSync?: boolean;
}

type Side = 'canary' | 'baseline';
type Field = 'requests' | 'errors4xx' | 'errors5xx' | 'p99' | 'succeeded' | 'failed';

/** Only these may have no data point at all in a window: ALB and EMF write them when non-zero. */
const SPARSE: ReadonlySet<Field> = new Set(['errors4xx', 'errors5xx', 'failed']);

export class CanaryWindowsError extends Error {
  override name = 'CanaryWindowsError';
}

const queryId = (side: Side, field: Field): string => `${side}_${field}`;

/** The queries, ids `<side>_<field>` (GetMetricData ids start with a lower-case letter). */
export function windowQueries(o: Omit<WindowsOptions, 'start' | 'end'>): MetricDataQuery[] {
  const queries: MetricDataQuery[] = [];
  for (const side of ['canary', 'baseline'] as const) {
    const targetGroup = side === 'canary' ? o.canaryTargetGroup : o.baselineTargetGroup;
    const alb = (field: Field, metricName: string, stat: string): MetricDataQuery => ({
      Id: queryId(side, field),
      MetricStat: {
        Metric: {
          Namespace: 'AWS/ApplicationELB',
          MetricName: metricName,
          Dimensions: [
            { Name: 'LoadBalancer', Value: o.loadBalancer },
            { Name: 'TargetGroup', Value: targetGroup },
          ],
        },
        Period: PERIOD_SECONDS,
        Stat: stat,
      },
      ReturnData: true,
    });
    const syncJobs = (field: Field, outcome: string): MetricDataQuery => ({
      Id: queryId(side, field),
      MetricStat: {
        Metric: {
          Namespace: side === 'canary' ? CANARY_NAMESPACE : BASELINE_NAMESPACE,
          MetricName: SYNC_JOBS_METRIC,
          Dimensions: [{ Name: 'outcome', Value: outcome }],
        },
        Period: PERIOD_SECONDS,
        Stat: 'Sum',
      },
      ReturnData: true,
    });
    queries.push(
      alb('requests', 'RequestCount', 'Sum'),
      alb('errors4xx', 'HTTPCode_Target_4XX_Count', 'Sum'),
      alb('errors5xx', 'HTTPCode_Target_5XX_Count', 'Sum'),
      // Seconds; the analysis compares p99s of the same minute, so CloudWatch's percentile is enough.
      alb('p99', 'TargetResponseTime', 'p99'),
      syncJobs('succeeded', 'succeeded'),
      syncJobs('failed', 'failed'),
    );
  }
  return queries;
}

/** Every page of one GetMetricData request, each query's points merged by minute. */
async function fetchPoints(
  client: CloudWatchClient,
  queries: MetricDataQuery[],
  start: Date,
  end: Date,
): Promise<Map<string, Map<number, number>>> {
  const points = new Map<string, Map<number, number>>();
  const problems: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new GetMetricDataCommand({
        MetricDataQueries: queries,
        StartTime: start,
        EndTime: end,
        ScanBy: 'TimestampAscending',
        NextToken: token,
      }),
    );
    for (const r of page.MetricDataResults ?? []) {
      if (!r.Id) continue;
      // PartialData: the rest comes with NextToken; anything else is CloudWatch refusing.
      if (r.StatusCode && r.StatusCode !== 'Complete' && r.StatusCode !== 'PartialData')
        problems.push(
          `${r.Id}: ${r.StatusCode}${r.Messages?.length ? ` (${r.Messages.map((m) => m.Value).join('; ')})` : ''}`,
        );
      const byMinute = points.get(r.Id) ?? new Map<number, number>();
      points.set(r.Id, byMinute);
      (r.Timestamps ?? []).forEach((t, i) => {
        const value = r.Values?.[i];
        if (value !== undefined) byMinute.set(new Date(t).getTime(), value);
      });
    }
    token = page.NextToken;
  } while (token);
  if (problems.length > 0) throw new CanaryWindowsError(`GetMetricData failed for ${problems.join(', ')}`);
  return points;
}

function describeQuery(q: MetricDataQuery): string {
  const m = q.MetricStat?.Metric;
  const dims = (m?.Dimensions ?? []).map((d) => `${d.Name}=${d.Value}`).join(', ');
  return `${m?.Namespace} ${m?.MetricName} (${dims})`;
}

const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

/**
 * The two windows, minute by minute. A side's minute is written only when it has requests or sync
 * outcomes, so a minute the canary saw nothing is not counted as a watched minute (the analysis
 * compares minutes present in both, and a gap ends a breach run).
 */
export async function fetchCanaryWindows(
  client: CloudWatchClient,
  o: WindowsOptions,
): Promise<CanaryWindows> {
  const start = o.start.getTime();
  const end = o.end.getTime();
  const minute = PERIOD_SECONDS * 1000;
  if (start % minute !== 0 || end % minute !== 0 || end <= start)
    throw new CanaryWindowsError(
      `start and end must be whole minutes, start before end (got ${o.start.toISOString()}, ${o.end.toISOString()})`,
    );
  const queries = windowQueries(o);
  const points = await fetchPoints(client, queries, o.start, o.end);

  // A metric with no point at all in the window is a wrong dimension, a namespace nothing writes
  // to, or a canary that is not running: none of them can be judged.
  const missing = queries.filter((q) => {
    const field = q.Id?.split('_')[1] as Field;
    if (SPARSE.has(field) || (o.requireSync === false && field === 'succeeded')) return false;
    return (points.get(q.Id ?? '')?.size ?? 0) === 0;
  });
  if (missing.length > 0)
    throw new CanaryWindowsError(
      `no data from ${iso(start)} to ${iso(end)} for:\n  ${missing.map((q) => `${q.Id}: ${describeQuery(q)}`).join('\n  ')}\n` +
        'check the dimensions (terraform output canary_dimensions), that the canary services run and take ' +
        'traffic (canary_api_tasks, canary_worker_tasks, canary_traffic_percent), or pass --skip-sync for an API-only canary',
    );

  const windows: CanaryWindows = { canary: [], baseline: [] };
  for (const side of ['canary', 'baseline'] as const) {
    const at = (field: Field, t: number): number | undefined => points.get(queryId(side, field))?.get(t);
    for (let t = start; t < end; t += minute) {
      const requests = at('requests', t);
      const succeeded = at('succeeded', t);
      const failed = at('failed', t);
      if (requests === undefined && succeeded === undefined && failed === undefined) continue;
      const p99 = at('p99', t);
      const m: MinuteMetrics = {
        minute: iso(t),
        requests: requests ?? 0,
        errors: (at('errors4xx', t) ?? 0) + (at('errors5xx', t) ?? 0),
        // Seconds to milliseconds; no requests, no latency.
        p99LatencyMs: p99 === undefined || !requests ? null : Math.round(p99 * 1_000_000) / 1000,
        syncSucceeded: succeeded ?? 0,
        syncFailed: failed ?? 0,
      };
      windows[side].push(m);
    }
  }
  const problems = validateWindows(windows);
  if (problems.length > 0)
    throw new CanaryWindowsError(
      `the fetched windows are unusable:\n  ${problems.slice(0, 20).join('\n  ')}`,
    );
  return windows;
}

function floorToMinute(ms: number): number {
  return Math.floor(ms / 60_000) * 60_000;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'load-balancer': { type: 'string' },
      'baseline-target-group': { type: 'string' },
      'canary-target-group': { type: 'string' },
      start: { type: 'string' },
      end: { type: 'string' },
      minutes: { type: 'string', default: '30' },
      out: { type: 'string' },
      region: { type: 'string' },
      'skip-sync': { type: 'boolean', default: false },
      help: { type: 'boolean' },
    },
  });
  const loadBalancer = values['load-balancer'];
  const baselineTargetGroup = values['baseline-target-group'];
  const canaryTargetGroup = values['canary-target-group'];
  if (values.help || !loadBalancer || !baselineTargetGroup || !canaryTargetGroup || !values.out) {
    console.log(`npm run canary:windows -- --load-balancer app/... --baseline-target-group targetgroup/...
    --canary-target-group targetgroup/... --out FILE [--start ISO] [--end ISO] [--minutes 30]
    [--region us-east-1] [--skip-sync]
  The three dimensions are \`terraform output -json canary_dimensions\`. The window ends at --end
  (default: two minutes before now, the last minutes are still being filled) and starts at --start
  (default: --minutes before the end), both rounded down to the minute. Writes the file
  \`npm run canary -- --windows FILE\` reads. --skip-sync: no worker canary runs, so SyncJobs in
  SyncWellCanary may be absent.`);
    process.exit(values.help ? 0 : 1);
  }
  const end = floorToMinute(values.end ? Date.parse(values.end) : Date.now() - 2 * 60_000);
  const start = floorToMinute(
    values.start ? Date.parse(values.start) : end - Number(values.minutes) * 60_000,
  );
  if (Number.isNaN(start) || Number.isNaN(end)) {
    console.error('--start, --end: ISO-8601 date-times; --minutes: a number');
    process.exit(1);
  }
  const client = new CloudWatchClient(values.region ? { region: values.region } : {});
  try {
    const windows = await fetchCanaryWindows(client, {
      loadBalancer,
      baselineTargetGroup,
      canaryTargetGroup,
      start: new Date(start),
      end: new Date(end),
      requireSync: !values['skip-sync'],
    });
    writeFileSync(values.out, `${JSON.stringify(windows, null, 2)}\n`);
    console.log(
      `${values.out}: ${windows.canary.length} canary and ${windows.baseline.length} baseline minutes from ${iso(start)} to ${iso(end)}`,
    );
  } catch (error) {
    console.error(error instanceof CanaryWindowsError ? error.message : error);
    process.exit(1);
  } finally {
    client.destroy();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  await main();
}
