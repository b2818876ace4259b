// The capacity model's formulas do what they say: each test varies one input and checks the
// outputs that must move (and only by how much). Runs on the recorded bench files, no processes.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { defaultAssumptions, defaultBenchFiles, type Assumptions } from './capacity/assumptions.js';
import {
  BenchFigureError,
  extractBenchFigures,
  loadBenchFigures,
  type BenchFigures,
  type BenchFiles,
} from './capacity/bench.js';
import { asciiChart, svgChart } from './capacity/chart.js';
import { fargateMonthlyCost, runModel } from './capacity/model.js';
import { loadPriceTable, parsePriceTable, PriceTableError, type Prices } from './capacity/pricing.js';
import { costCurve, curveDau, sensitivities } from './capacity/scenarios.js';

const root = new URL('..', import.meta.url).pathname;
const benchDir = join(root, 'bench/results');
const priceFile = join(root, 'infra/pricing/aws-us-east-1.json');

const docs = () =>
  Object.fromEntries(
    Object.entries(defaultBenchFiles).map(([bench, file]) => [
      bench,
      JSON.parse(readFileSync(join(benchDir, file), 'utf8')) as unknown,
    ]),
  ) as Record<keyof BenchFiles, unknown>;

describe('capacity model (scripts/capacity)', () => {
  let bench: BenchFigures;
  let prices: Prices;
  const a: Assumptions = defaultAssumptions;
  const run = (change: Partial<Assumptions> = {}) => runModel(bench, { ...a, ...change }, prices);

  before(() => {
    bench = loadBenchFigures(benchDir, defaultBenchFiles);
    prices = loadPriceTable(priceFile).prices;
  });

  it('reads the measured figures from the recorded bench files', () => {
    expect(bench.api.postCpuMicros).to.be.greaterThan(0);
    expect(bench.worker.systemEmpty.workerItemsWritten).to.equal(0);
    expect(bench.worker.systemEmpty.records).to.equal(0); // recorded as null: those jobs write nothing
    expect(bench.poll.jobsPerCheckPct).to.be.within(0, 100);
  });

  it('sizes the API for the spec peak from the measured CPU per request, with the stated headroom', () => {
    const r = run();
    expect(r.requests.peakPerSecond).to.equal(3000);
    const vcpu = (3000 * r.requests.blendedCpuMicros) / 1e6;
    expect(r.api.peakVcpu).to.be.closeTo(vcpu, 1e-9);
    expect(r.api.tasksAtPeak).to.equal(
      Math.max(a.minTasksPerFleet, Math.ceil(vcpu / (a.apiTaskVcpu * a.targetCpuUtilisation))),
    );
    // Less headroom, fewer tasks.
    expect(run({ targetCpuUtilisation: 0.9 }).api.tasksAtPeak).to.be.at.most(r.api.tasksAtPeak);
  });

  it('never sizes a fleet below one task per AZ', () => {
    const r = run({ dau: 1000 });
    expect(r.api.tasksAtAverage).to.equal(a.minTasksPerFleet);
    expect(r.workers.tasksAtAverage).to.equal(a.minTasksPerFleet);
    expect(r.workers.boundBy).to.equal('minimum');
  });

  it('doubling DAU doubles the request-driven volumes and costs', () => {
    const one = run({ dau: 1_000_000 });
    const two = run({ dau: 2_000_000 });
    for (const pick of [
      (r: typeof one) => r.requests.total,
      (r: typeof one) => r.jobs.total,
      (r: typeof one) => r.dynamo.writeUnitsPerDay,
      (r: typeof one) => r.dynamo.readUnitsPerDay,
      (r: typeof one) => r.sqs.fifoRequests,
      (r: typeof one) => r.sqs.sends + r.sqs.receives + r.sqs.deletes + r.sqs.visibilityChanges,
      (r: typeof one) => r.secrets.getCalls + r.secrets.putCalls,
      (r: typeof one) => r.push.perDay,
      (r: typeof one) => r.costs.DynamoDB,
      (r: typeof one) => r.costs.EventBridge,
      (r: typeof one) => r.costs['Secrets Manager'],
    ]) {
      expect(pick(two)).to.be.closeTo(2 * pick(one), 1e-6 * pick(one));
    }
    // Fixed parts (NAT gateway-hours, the load balancer-hour, minimum tasks) make the total sub-linear.
    expect(two.totalUsdPerMonth).to.be.at.most(2 * one.totalUsdPerMonth);
  });

  it('Spot share 0.9 against 0 cuts the worker fleet cost by 0.9 × the Spot discount, and nothing else', () => {
    const onDemand = run({ workerSpotShare: 0 });
    const spot = run({ workerSpotShare: 0.9 });
    expect(spot.costs['Fargate workers']).to.be.closeTo(
      onDemand.costs['Fargate workers'] * (1 - 0.9 * prices.fargateSpotDiscount),
      1e-9,
    );
    expect(spot.costs['Fargate API']).to.equal(onDemand.costs['Fargate API']);
    expect(spot.workers.tasksAtPeak).to.equal(onDemand.workers.tasksAtPeak);
  });

  it('prices Fargate by vCPU and memory hours', () => {
    const hours = 24 * (730 / 24);
    expect(fargateMonthlyCost(24, 1, 2, 0, prices)).to.be.closeTo(
      hours * (prices.fargateArmVcpuHour + 2 * prices.fargateArmGbHour),
      1e-9,
    );
  });

  it('a higher coalescing ratio means fewer webhook jobs, in proportion', () => {
    const low = run({ coalescingRatio: 1 });
    const high = run({ coalescingRatio: 4 });
    expect(high.jobs.webhook).to.be.closeTo(low.jobs.webhook / 4, 1e-6);
    expect(high.requests.webhookDeliveries).to.equal(low.requests.webhookDeliveries);
    expect(high.costs.DynamoDB).to.be.below(low.costs.DynamoDB);
  });

  it('the pre-flight skip rate defaults to the poll bench and decides how many polls become jobs', () => {
    const measured = 1 - bench.poll.jobsPerCheckPct / 100;
    expect(run().jobs.preflightSkipRate).to.be.closeTo(measured, 1e-12);
    expect(run({ preflightSkipRate: 1 }).jobs.poll).to.equal(0);
    const none = run({ preflightSkipRate: 0 });
    expect(none.jobs.poll).to.be.closeTo(none.jobs.pollChecks, 1e-6);
  });

  it('a better credential cache hit rate means proportionally fewer GetSecretValue calls', () => {
    const cold = run({ credentialCacheHitRate: 0 });
    const warm = run({ credentialCacheHitRate: 0.5 });
    expect(warm.secrets.getCalls).to.be.closeTo(cold.secrets.getCalls / 2, 1e-6);
  });

  it('keeps job logs for 1 in the sampling rate, and every failed job', () => {
    const none = run({ failedJobShare: 0, jobLogSampleRatePro: 1e12, jobLogSampleRateFree: 1e12 });
    expect(none.logs.jobKeepRate).to.be.below(1e-9);
    expect(run({ failedJobShare: 1 }).logs.jobKeepRate).to.be.closeTo(1, 1e-12);
    expect(
      run({ jobLogSampleRatePro: 1, jobLogSampleRateFree: 1, failedJobShare: 0 }).logs.jobKeepRate,
    ).to.be.closeTo(1, 1e-12);
  });

  it('fails naming the file and field when a bench figure is missing', () => {
    const edited = docs();
    const worker = edited.worker as { phases: Record<string, unknown>[] };
    const manual = worker.phases.find((p) => p.name === 'nothing new, manual (POST)')!;
    delete manual.workerCpuMicrosPerJob;
    expect(() => extractBenchFigures(edited, defaultBenchFiles))
      .to.throw(BenchFigureError)
      .with.property('message')
      .that.includes(defaultBenchFiles.worker)
      .and.includes('phases[name=nothing new, manual (POST)].workerCpuMicrosPerJob');

    const noPoll = docs();
    delete (noPoll.poll as { partA: { requirement: Record<string, unknown> } }).partA.requirement
      .jobsPerCheckPct;
    expect(() => extractBenchFigures(noPoll, defaultBenchFiles)).to.throw(
      BenchFigureError,
      'poll-latest.json: field "partA.requirement.jobsPerCheckPct" is missing',
    );
  });

  it('fails naming the file when a bench result file is absent', () => {
    const dir = mkdtempSync(join(tmpdir(), 'capacity-test-'));
    try {
      expect(() => loadBenchFigures(dir, defaultBenchFiles)).to.throw(
        BenchFigureError,
        'bench/results/api-latest.json is missing',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a price without its source URL, or a missing price', () => {
    const doc = JSON.parse(readFileSync(priceFile, 'utf8')) as {
      prices: Record<string, Record<string, unknown>>;
    };
    delete doc.prices.natGatewayGb!.source;
    expect(() => parsePriceTable(doc, 'p.json')).to.throw(PriceTableError, 'natGatewayGb" has no source URL');
    delete doc.prices.natGatewayGb;
    expect(() => parsePriceTable(doc, 'p.json')).to.throw(PriceTableError, 'prices.natGatewayGb.usd');
  });

  it('sensitivity tables mark the base case and the DAU curve has one point per DAU', () => {
    const tables = sensitivities(bench, a, prices);
    expect(tables).to.have.length(3);
    for (const t of tables) expect(t.rows.filter((r) => r.label.endsWith('*'))).to.have.length(1);
    const curve = costCurve(bench, a, prices);
    expect(curve.map((p) => p.dau)).to.deep.equal(curveDau);
    for (let i = 1; i < curve.length; i++) expect(curve[i]!.totalUsd).to.be.above(curve[i - 1]!.totalUsd);
    const svg = svgChart(curve, 'cost <&> DAU');
    expect(svg.trimEnd()).to.match(/<\/svg>$/);
    expect(svg).to.include('cost &lt;&amp;&gt; DAU');
    expect(svg.match(/<circle /g)).to.have.length(2 * curve.length);
    expect(asciiChart(curve).split('\n')).to.have.length(2 * (curve.length + 1));
  });
});
