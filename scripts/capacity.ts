// `npm run capacity`: tasks, request units, queue requests and the monthly bill for the spec's
// 1M DAU and 3,000 req/s peak, from the recorded benchmarks (bench/results/), the assumptions
// (scripts/capacity/assumptions.ts) and the price table (infra/pricing/aws-us-east-1.json).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultAssumptions, defaultBenchFiles, type Assumptions } from './capacity/assumptions.js';
import { BenchFigureError, loadBenchFigures, type BenchFiles } from './capacity/bench.js';
import { svgChart } from './capacity/chart.js';
import { runModel } from './capacity/model.js';
import { loadPriceTable, PriceTableError } from './capacity/pricing.js';
import { formatReport } from './capacity/report.js';
import { costCurve, sensitivities } from './capacity/scenarios.js';

const root = new URL('..', import.meta.url).pathname;

const { values } = parseArgs({
  options: {
    dau: { type: 'string' },
    'bench-dir': { type: 'string', default: join(root, 'bench/results') },
    bench: { type: 'string', multiple: true },
    prices: { type: 'string', default: join(root, 'infra/pricing/aws-us-east-1.json') },
    svg: { type: 'string' },
    smoke: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

if (values.help) {
  console.log(`npm run capacity -- [options]
  --dau N              daily active users (default ${defaultAssumptions.dau}, spec §8)
  --bench NAME=FILE    another recorded result for one benchmark, e.g. --bench worker=worker-latest.json
  --bench-dir DIR      where the results are (default bench/results)
  --prices FILE        the price table (default infra/pricing/aws-us-east-1.json)
  --svg PATH           also write the cost-against-DAU chart (docs/capacity-cost.svg)
  --smoke              run everything, check every figure is finite, print a one-line summary (CI)`);
  process.exit(0);
}

function fail(message: string): never {
  console.error(`capacity: ${message}`);
  process.exit(1);
}

const files: BenchFiles = { ...defaultBenchFiles };
for (const pair of values.bench ?? []) {
  const [name, file] = pair.split('=');
  if (!name || !file || !(name in files))
    fail(`--bench ${pair}: expected NAME=FILE, NAME one of ${Object.keys(files).join(', ')}`);
  files[name as keyof BenchFiles] = file;
}
const assumptions: Assumptions = { ...defaultAssumptions };
if (values.dau !== undefined) {
  const dau = Number(values.dau);
  if (!Number.isFinite(dau) || dau <= 0) fail(`--dau ${values.dau}: expected a positive number`);
  assumptions.dau = dau;
}

try {
  const bench = loadBenchFigures(values['bench-dir'], files);
  const table = loadPriceTable(values.prices);
  const result = runModel(bench, assumptions, table.prices);
  const sens = sensitivities(bench, assumptions, table.prices);
  const curve = costCurve(bench, assumptions, table.prices);
  const svg = svgChart(curve, 'SyncWell: monthly AWS cost against DAU (scripts/capacity.ts)');

  if (values.smoke) {
    // Every number the report prints must be a finite figure; the SVG must be written and read back.
    const numbers: number[] = [];
    const collect = (v: unknown) => {
      if (typeof v === 'number') numbers.push(v);
      else if (v && typeof v === 'object') Object.values(v).forEach(collect);
    };
    collect([result, sens.map((s) => s.rows.map((r) => r.result)), curve]);
    const bad = numbers.filter((v) => !Number.isFinite(v) || v < 0).length;
    if (bad > 0) fail(`smoke: ${bad} figure(s) are not finite non-negative numbers`);
    if (!(result.totalUsdPerMonth > 0)) fail('smoke: the total cost is not positive');
    formatReport(result, assumptions, bench, table, sens, curve);
    const dir = mkdtempSync(join(tmpdir(), 'capacity-smoke-'));
    try {
      writeFileSync(join(dir, 'chart.svg'), svg);
      if (!readFileSync(join(dir, 'chart.svg'), 'utf8').trimEnd().endsWith('</svg>'))
        fail('smoke: SVG not written');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    console.log(
      `capacity smoke OK: ${numbers.length} figures, ${result.api.tasksAtPeak} API + ${result.workers.tasksAtPeak} worker tasks at peak, $${Math.round(result.totalUsdPerMonth).toLocaleString('en-US')}/month at ${assumptions.dau.toLocaleString('en-US')} DAU`,
    );
  } else {
    console.log(formatReport(result, assumptions, bench, table, sens, curve));
    if (values.svg) {
      writeFileSync(values.svg, svg);
      console.log(`chart written to ${values.svg}`);
    }
  }
} catch (error) {
  if (error instanceof BenchFigureError || error instanceof PriceTableError) fail(error.message);
  throw error;
}
