// The alarms in infra/terraform/monitoring.tf read EMF metrics the code writes. CloudWatch matches a
// metric by its exact name and dimension set, so an alarm naming a metric or a dimension set the
// code does not emit would never fire: this test fails instead.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { parse } from '@cdktf/hcl2json';
import { DEFAULT_TERRAFORM_DIR } from './terraform.js';
import { EMF_CATALOG } from '../../core/observability/metrics.js';
import '../../core/observability/processGauges.js';

interface AlarmMetric {
  namespace: string;
  metric_name: string;
  dimensions?: Record<string, string>;
}

describe('infra/terraform/monitoring.tf: alarms read metrics the code emits', () => {
  let alarms: [string, AlarmMetric[]][];

  before(async () => {
    const file = path.join(DEFAULT_TERRAFORM_DIR, 'monitoring.tf');
    const json = (await parse('monitoring.tf', await readFile(file, 'utf8'))) as {
      resource: { aws_cloudwatch_metric_alarm: Record<string, [Record<string, unknown>]> };
    };
    alarms = Object.entries(json.resource.aws_cloudwatch_metric_alarm).map(([name, [body]]) => {
      const queries = (body.metric_query ?? []) as { metric?: AlarmMetric[] }[];
      const metrics = body.metric_name
        ? [body as unknown as AlarmMetric]
        : queries.flatMap((q) => q.metric ?? []);
      return [name, metrics];
    });
  });

  it('has the seed’s alarms: success rate, p95 manual latency, collisions, DLQ, degraded mode', () => {
    const names = alarms.map(([n]) => n);
    for (const n of [
      'sync_success_rate',
      'manual_sync_latency_p95',
      'idempotency_collisions',
      'dlq_arrivals',
      'worker_degraded',
    ])
      expect(names).to.include(n);
  });

  it('every alarm metric is in the SyncWell namespace with a dimension set the code writes', () => {
    for (const [alarm, metrics] of alarms) {
      expect(metrics.length, alarm).to.be.greaterThan(0);
      for (const m of metrics) {
        expect(m.namespace, alarm).to.equal('SyncWell');
        const emitted = EMF_CATALOG.find((c) => c.name === m.metric_name);
        expect(emitted, `${alarm}: ${m.metric_name} is not an EMF metric of core/observability`).to.not.equal(
          undefined,
        );
        const wanted = Object.keys(m.dimensions ?? {}).sort();
        expect(
          emitted!.dimensionSets.map((d) => [...d].sort().join(',')),
          `${alarm}: ${m.metric_name} by [${wanted.join(', ')}]`,
        ).to.include(wanted.join(','));
      }
    }
  });
});
