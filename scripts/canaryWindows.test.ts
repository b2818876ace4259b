import {
  CloudWatchClient,
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
  type MetricDataResult,
} from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { expect } from 'chai';
import { EMF_CATALOG } from '../core/observability/metrics.js';
import { analyzeCanary, validateWindows } from '../core/release/canaryAnalysis.js';
import {
  CanaryWindowsError,
  fetchCanaryWindows,
  windowQueries,
  type WindowsOptions,
} from './canaryWindows.js';

const cw = mockClient(CloudWatchClient);
const client = new CloudWatchClient({
  region: 'us-east-1',
  credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
});

const START = Date.parse('2026-12-01T10:00:00Z');
const options: WindowsOptions = {
  loadBalancer: 'app/syncwell-api/50dc6c495c0c9188',
  baselineTargetGroup: 'targetgroup/syncwell-api/73e2d6bc24d8a067',
  canaryTargetGroup: 'targetgroup/syncwell-api-canary/2453ed029918f21f',
  start: new Date(START),
  end: new Date(START + 30 * 60_000),
};

const minutes = (n: number): Date[] => Array.from({ length: n }, (_, i) => new Date(START + i * 60_000));

/** A result per query id: `value(i)` for each of the first `n` minutes. */
function result(id: string, n: number, value: (i: number) => number): MetricDataResult {
  return {
    Id: id,
    StatusCode: 'Complete',
    Timestamps: minutes(n),
    Values: minutes(n).map((_, i) => value(i)),
  };
}

function steadyResults(n = 30, canaryP99 = 0.2): MetricDataResult[] {
  return (['canary', 'baseline'] as const).flatMap((side) => [
    result(`${side}_requests`, n, () => (side === 'canary' ? 60 : 540)),
    result(`${side}_errors4xx`, n, () => (side === 'canary' ? 1 : 9)),
    result(`${side}_errors5xx`, n, (i) => (i % 10 === 0 ? 1 : 0)),
    result(`${side}_p99`, n, () => (side === 'canary' ? canaryP99 : 0.2)),
    result(`${side}_succeeded`, n, () => (side === 'canary' ? 10 : 90)),
    // Only written when non-zero: no failed job, no metric.
    { Id: `${side}_failed`, StatusCode: 'Complete', Timestamps: [], Values: [] },
  ]);
}

describe('canary windows from CloudWatch (scripts/canaryWindows.ts)', () => {
  beforeEach(() => cw.reset());

  it('asks for both target groups and both namespaces, at 60 s, Sum and p99', async () => {
    cw.on(GetMetricDataCommand).resolves({ MetricDataResults: steadyResults() });
    await fetchCanaryWindows(client, options);
    const calls = cw.commandCalls(GetMetricDataCommand);
    expect(calls).to.have.length(1);
    const input = calls[0]!.args[0].input as GetMetricDataCommandInput;
    expect(input.StartTime).to.deep.equal(options.start);
    expect(input.EndTime).to.deep.equal(options.end);
    const byId = new Map((input.MetricDataQueries ?? []).map((q) => [q.Id, q.MetricStat]));
    expect([...byId.keys()]).to.have.members([
      'canary_requests',
      'canary_errors4xx',
      'canary_errors5xx',
      'canary_p99',
      'canary_succeeded',
      'canary_failed',
      'baseline_requests',
      'baseline_errors4xx',
      'baseline_errors5xx',
      'baseline_p99',
      'baseline_succeeded',
      'baseline_failed',
    ]);
    for (const stat of byId.values()) expect(stat?.Period).to.equal(60);
    expect(byId.get('canary_requests')).to.deep.equal({
      Metric: {
        Namespace: 'AWS/ApplicationELB',
        MetricName: 'RequestCount',
        Dimensions: [
          { Name: 'LoadBalancer', Value: options.loadBalancer },
          { Name: 'TargetGroup', Value: options.canaryTargetGroup },
        ],
      },
      Period: 60,
      Stat: 'Sum',
    });
    expect(byId.get('baseline_p99')?.Metric?.MetricName).to.equal('TargetResponseTime');
    expect(byId.get('baseline_p99')?.Stat).to.equal('p99');
    expect(byId.get('baseline_p99')?.Metric?.Dimensions?.[1]?.Value).to.equal(options.baselineTargetGroup);
    expect(byId.get('canary_errors5xx')?.Metric?.MetricName).to.equal('HTTPCode_Target_5XX_Count');
    expect(byId.get('canary_errors4xx')?.Metric?.MetricName).to.equal('HTTPCode_Target_4XX_Count');
    expect(byId.get('canary_succeeded')).to.deep.equal({
      Metric: {
        Namespace: 'SyncWellCanary',
        MetricName: 'SyncJobs',
        Dimensions: [{ Name: 'outcome', Value: 'succeeded' }],
      },
      Period: 60,
      Stat: 'Sum',
    });
    expect(byId.get('baseline_failed')?.Metric?.Namespace).to.equal('SyncWell');
    expect(byId.get('baseline_failed')?.Metric?.Dimensions).to.deep.equal([
      { Name: 'outcome', Value: 'failed' },
    ]);
  });

  it('asks for a metric the code writes, by a dimension set CloudWatch knows it by', () => {
    const syncJobs = EMF_CATALOG.find((m) => m.name === 'SyncJobs');
    expect(syncJobs?.dimensionSets).to.deep.include(['outcome']);
    for (const q of windowQueries(options).filter((q) => q.MetricStat?.Metric?.MetricName === 'SyncJobs'))
      expect(q.MetricStat?.Metric?.Dimensions?.map((d) => d.Name)).to.deep.equal(['outcome']);
  });

  it('builds windows validateWindows accepts and the analysis judges', async () => {
    cw.on(GetMetricDataCommand).resolves({ MetricDataResults: steadyResults() });
    const windows = await fetchCanaryWindows(client, options);
    expect(validateWindows(windows)).to.deep.equal([]);
    expect(windows.canary).to.have.length(30);
    expect(windows.canary[0]).to.deep.equal({
      minute: '2026-12-01T10:00:00Z',
      requests: 60,
      errors: 2,
      p99LatencyMs: 200,
      syncSucceeded: 10,
      syncFailed: 0,
    });
    expect(windows.baseline[1]).to.include({ minute: '2026-12-01T10:01:00Z', requests: 540, errors: 9 });
    expect(analyzeCanary(windows).decision).to.equal('promote');

    cw.on(GetMetricDataCommand).resolves({ MetricDataResults: steadyResults(30, 0.25) });
    const slow = analyzeCanary(await fetchCanaryWindows(client, options));
    expect(slow.decision).to.equal('rollback');
    expect(slow.breaches.map((b) => b.rule)).to.deep.equal(['p99_latency']);
  });

  it('follows NextToken and merges a query split across pages', async () => {
    const all = steadyResults();
    const firstHalf = all.map((r) => ({
      ...r,
      StatusCode: 'PartialData' as const,
      Timestamps: r.Timestamps?.slice(0, 15),
      Values: r.Values?.slice(0, 15),
    }));
    const secondHalf = all.map((r) => ({
      ...r,
      Timestamps: r.Timestamps?.slice(15),
      Values: r.Values?.slice(15),
    }));
    cw.on(GetMetricDataCommand)
      .resolvesOnce({ MetricDataResults: firstHalf, NextToken: 'page-2' })
      .resolvesOnce({ MetricDataResults: secondHalf });
    const windows = await fetchCanaryWindows(client, options);
    const calls = cw.commandCalls(GetMetricDataCommand);
    expect(calls.map((c) => c.args[0].input.NextToken)).to.deep.equal([undefined, 'page-2']);
    expect(calls[1]!.args[0].input.MetricDataQueries).to.deep.equal(
      calls[0]!.args[0].input.MetricDataQueries,
    );
    expect(windows.canary).to.have.length(30);
    expect(windows.baseline.map((m) => m.minute).at(-1)).to.equal('2026-12-01T10:29:00Z');
  });

  it('leaves out minutes a side has no data for, so they are not counted as watched', async () => {
    // The canary took traffic from minute 10 on only.
    const results = steadyResults().map((r) =>
      r.Id?.startsWith('canary_')
        ? { ...r, Timestamps: r.Timestamps?.slice(10), Values: r.Values?.slice(10) }
        : r,
    );
    cw.on(GetMetricDataCommand).resolves({ MetricDataResults: results });
    const windows = await fetchCanaryWindows(client, options);
    expect(windows.canary[0]?.minute).to.equal('2026-12-01T10:10:00Z');
    expect(windows.baseline).to.have.length(30);
    expect(analyzeCanary(windows)).to.include({ decision: 'continue', minutesCompared: 20 });
  });

  it('fails clearly when a metric has no data at all', async () => {
    const results = steadyResults().map((r) =>
      r.Id === 'canary_requests' || r.Id === 'canary_succeeded' ? { ...r, Timestamps: [], Values: [] } : r,
    );
    cw.on(GetMetricDataCommand).resolves({ MetricDataResults: results });
    const error = await fetchCanaryWindows(client, options).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(CanaryWindowsError);
    const message = (error as Error).message;
    expect(message).to.match(
      /canary_requests: AWS\/ApplicationELB RequestCount \(LoadBalancer=app\/syncwell-api\/50dc6c495c0c9188, TargetGroup=targetgroup\/syncwell-api-canary\/2453ed029918f21f\)/,
    );
    expect(message).to.match(/canary_succeeded: SyncWellCanary SyncJobs \(outcome=succeeded\)/);
    expect(message).not.to.match(/errors4xx|_failed/); // written only when non-zero: absent is zero

    // An API-only canary: the sync rule is skipped, not failed.
    const apiOnly = steadyResults().map((r) =>
      r.Id === 'canary_succeeded' ? { ...r, Timestamps: [], Values: [] } : r,
    );
    cw.on(GetMetricDataCommand).resolves({ MetricDataResults: apiOnly });
    const windows = await fetchCanaryWindows(client, { ...options, requireSync: false });
    expect(windows.canary[0]).to.include({ syncSucceeded: 0, syncFailed: 0 });
  });

  it('fails when a query is missing from the answer or CloudWatch refuses it', async () => {
    cw.on(GetMetricDataCommand).resolves({
      MetricDataResults: steadyResults().filter((r) => r.Id !== 'baseline_p99'),
    });
    const missing = await fetchCanaryWindows(client, options).catch((e: unknown) => e);
    expect((missing as Error).message).to.match(/baseline_p99: AWS\/ApplicationELB TargetResponseTime/);

    cw.on(GetMetricDataCommand).resolves({
      MetricDataResults: steadyResults().map((r) =>
        r.Id === 'canary_p99'
          ? { ...r, StatusCode: 'Forbidden', Messages: [{ Code: 'Forbidden', Value: 'not authorized' }] }
          : r,
      ),
    });
    const refused = await fetchCanaryWindows(client, options).catch((e: unknown) => e);
    expect((refused as Error).message).to.equal(
      'GetMetricData failed for canary_p99: Forbidden (not authorized)',
    );
  });

  it('refuses a window that is not on whole minutes', async () => {
    const error = await fetchCanaryWindows(client, { ...options, start: new Date(START + 30_000) }).catch(
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(CanaryWindowsError);
    expect(cw.commandCalls(GetMetricDataCommand)).to.have.length(0);
  });
});
