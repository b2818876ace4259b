import { expect } from 'chai';
import { EmfSink } from './emfSink.js';
import { startObservability } from './observability.js';
import { syncJobs } from './metrics.js';
import { createLogger } from '../logging/logger.js';

interface EmfDoc {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: {
      Namespace: string;
      Dimensions: string[][];
      Metrics: { Name: string; Unit: string }[];
    }[];
  };
  [member: string]: unknown;
}

function sink(now = 1_700_000_000_000) {
  const lines: string[] = [];
  const s = new EmfSink({
    namespace: 'SyncWell',
    service: 'worker',
    write: (l) => lines.push(l),
    now: () => now,
  });
  return { s, docs: () => lines.map((l) => JSON.parse(l) as EmfDoc) };
}

/** What the EMF specification requires of a document: every dimension and metric is a member. */
function expectValidEmf(doc: EmfDoc): void {
  expect(doc._aws.Timestamp).to.be.a('number');
  for (const directive of doc._aws.CloudWatchMetrics) {
    expect(directive.Namespace).to.equal('SyncWell');
    for (const set of directive.Dimensions) {
      expect(set.length).to.be.at.most(30);
      for (const d of set) expect(doc[d], `dimension ${d}`).to.be.a('string');
    }
    for (const m of directive.Metrics) {
      const v = doc[m.Name];
      if (Array.isArray(v)) {
        expect(v.length).to.be.within(1, 100);
        for (const x of v) expect(x).to.be.a('number');
      } else expect(v, m.Name).to.be.a('number');
    }
  }
}

describe('EMF sink (CloudWatch embedded metric format)', () => {
  it('sums a counter per label set and writes each series once per flush', () => {
    const { s, docs } = sink();
    s.add('SyncJobs', 'Count', { trigger: 'manual', outcome: 'succeeded' }, 1);
    s.add('SyncJobs', 'Count', { outcome: 'succeeded', trigger: 'manual' }, 2);
    s.add('SyncJobs', 'Count', { trigger: 'webhook', outcome: 'failed' }, 1);
    s.flush();
    const out = docs();
    expect(out).to.have.length(2);
    out.forEach(expectValidEmf);
    const manual = out.find((d) => d.trigger === 'manual')!;
    expect(manual.SyncJobs).to.equal(3);
    expect(manual._aws.CloudWatchMetrics[0]!.Dimensions).to.deep.equal([['service', 'outcome', 'trigger']]);
    expect(manual._aws.CloudWatchMetrics[0]!.Metrics).to.deep.equal([{ Name: 'SyncJobs', Unit: 'Count' }]);
    expect(manual.service).to.equal('worker');
    expect(manual._aws.Timestamp).to.equal(1_700_000_000_000);
    // Nothing recorded since: nothing written.
    s.flush();
    expect(docs()).to.have.length(2);
  });

  it('keeps histogram observations as raw values, at most 100 per document', () => {
    const { s, docs } = sink();
    for (let i = 0; i < 250; i++)
      s.observe('ManualSyncLatency', 'Seconds', { outcome: 'succeeded' }, i / 100);
    expect(docs()).to.have.length(2); // two full documents written as they filled
    s.flush();
    const out = docs();
    expect(out).to.have.length(3);
    out.forEach(expectValidEmf);
    const values = out.flatMap((d) => d.ManualSyncLatency as number[]);
    expect(values).to.have.length(250);
    expect(values[0]).to.equal(0);
    expect(values[249]).to.equal(2.49);
  });

  it('adds the rollup dimension sets the alarms watch', () => {
    const { s, docs } = sink();
    s.add('SyncJobs', 'Count', { trigger: 'manual', outcome: 'failed' }, 1, [['outcome'], []]);
    s.flush();
    const [doc] = docs();
    expectValidEmf(doc!);
    expect(doc!._aws.CloudWatchMetrics[0]!.Dimensions).to.deep.equal([
      ['service', 'outcome', 'trigger'],
      ['outcome'],
      [],
    ]);
  });

  it('writes the gauges it is given at each flush', () => {
    const { s, docs } = sink();
    s.flush([
      { name: 'QueueDepth', unit: 'Count', labels: { channel: 'hotPathSync', state: 'visible' }, value: 7 },
    ]);
    const [doc] = docs();
    expectValidEmf(doc!);
    expect(doc).to.include({ QueueDepth: 7, channel: 'hotPathSync', state: 'visible' });
  });

  it('the process flush: what was recorded before stop() goes out as EMF lines', async () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'silent', service: 'test' });
    const o = await startObservability(
      {
        METRICS_PORT: undefined,
        METRICS_HOST: '127.0.0.1',
        METRICS_EMF_INTERVAL_SECONDS: 3600,
        METRICS_NAMESPACE: 'SyncWellTest',
        TRACES_ENDPOINT: undefined,
        TRACE_SAMPLE_RATE: 0.05,
        TRACE_RESERVOIR_PER_SECOND: 1,
        TRACE_EXPORT_DELAY_MS: 5000,
      },
      logger,
      { service: 'worker', write: (l) => lines.push(l) },
    );
    syncJobs.inc({ trigger: 'schedule', outcome: 'failed' }, 2);
    await o.stop();
    const docs = lines.map((l) => JSON.parse(l) as EmfDoc);
    const jobs = docs.filter((d) => d.SyncJobs !== undefined);
    expect(jobs).to.have.length(1);
    expect(jobs[0]).to.include({ SyncJobs: 2, trigger: 'schedule', outcome: 'failed', service: 'worker' });
    expect(jobs[0]!._aws.CloudWatchMetrics[0]!.Namespace).to.equal('SyncWellTest');
    // After stop, observations no longer go to the sink.
    syncJobs.inc({ trigger: 'schedule', outcome: 'failed' });
    expect(lines).to.have.length(docs.length);
  });
});
