// The runs around the base case: one small table per input the cost is most sensitive to (spec
// §3 Model 4's coalescing, §3f's pre-flight checks, §4's Spot share) and the cost-against-DAU curve.
import type { Assumptions } from './assumptions.js';
import type { BenchFigures } from './bench.js';
import type { CostPoint } from './chart.js';
import { runModel, type Service } from './model.js';
import type { Prices } from './pricing.js';
import type { SensitivityRow } from './report.js';

export interface Sensitivity {
  title: string;
  rows: SensitivityRow[];
  focus: Service[];
}

/** The DAU values of the curve (brief: 100k … 5M). */
export const curveDau = [100_000, 250_000, 500_000, 1_000_000, 2_000_000, 5_000_000];

const mark = (value: boolean) => (value ? ' *' : '');

export function sensitivities(b: BenchFigures, a: Assumptions, p: Prices): Sensitivity[] {
  const run = (change: Partial<Assumptions>) => runModel(b, { ...a, ...change }, p);
  const measuredSkip = 1 - b.poll.jobsPerCheckPct / 100;
  const baseSkip = a.preflightSkipRate ?? measuredSkip;
  const ratios = [...new Set([1, a.coalescingRatio, 5, b.ingest.coalescingRatio])].sort((x, y) => x - y);
  const skips = [...new Set([0, 0.5, 0.9, baseSkip, 0.99])].sort((x, y) => x - y);
  const spots = [...new Set([0, 0.5, a.workerSpotShare, 1])].sort((x, y) => x - y);
  return [
    {
      title: `coalescing ratio (webhook deliveries per job; ingest bench: ${b.ingest.coalescingRatio} by construction)`,
      focus: ['Fargate workers', 'DynamoDB', 'SQS', 'Secrets Manager'],
      rows: ratios.map((v) => ({
        label: `${v}${mark(v === a.coalescingRatio)}`,
        result: run({ coalescingRatio: v }),
      })),
    },
    {
      title: `pre-flight skip rate (polls that start no job; poll bench: ${(measuredSkip * 100).toFixed(2)} %)`,
      focus: ['Fargate workers', 'DynamoDB', 'SQS', 'Secrets Manager'],
      rows: skips.map((v) => ({
        label: `${(v * 100).toFixed(2)} %${mark(v === baseSkip)}`,
        result: run({ preflightSkipRate: v }),
      })),
    },
    {
      title: 'Spot share of worker task-hours (spec §4: 90 %)',
      focus: ['Fargate workers'],
      rows: spots.map((v) => ({
        label: `${(v * 100).toFixed(0)} %${mark(v === a.workerSpotShare)}`,
        result: run({ workerSpotShare: v }),
      })),
    },
  ];
}

export function costCurve(b: BenchFigures, a: Assumptions, p: Prices, dau = curveDau): CostPoint[] {
  return dau.map((d) => {
    const r = runModel(b, { ...a, dau: d }, p);
    return {
      dau: d,
      totalUsd: r.totalUsdPerMonth,
      withoutSecretStorageUsd: r.totalUsdPerMonth - r.secretStorageUsdPerMonth,
      computeUsd: r.costs['Fargate API'] + r.costs['Fargate workers'],
    };
  });
}
