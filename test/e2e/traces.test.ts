// Traces end to end: a manual sync through the API, the queue, the worker and the provider sandbox
// is one OpenTelemetry trace, exported over OTLP/HTTP to the local collector; the job remembers
// the trace's id and its status history. The sampling policy comes from the dynamic configuration
// file, so the test turns sampling off and on without restarting anything.
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  startTraceCollector,
  type CollectedSpan,
  type TraceCollector,
} from '../../infra/local/traces/traceCollector.js';
import { connectedUser, createSyncConfig, requestSync, startE2E, waitForJob, type E2E } from './support.js';

const SERVER = 2;
const CLIENT = 3;
const PRODUCER = 4;
const CONSUMER = 5;

async function eventually<T>(read: () => T | undefined, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('traces end to end (OTLP to the local collector)', function () {
  this.timeout(120_000);
  let e: E2E;
  let collector: TraceCollector;
  let dir: string;
  let configFile: string;

  const setSampling = async (traceSampling: unknown) => {
    writeFileSync(configFile, JSON.stringify({ traceSampling }));
    // Both the API's and the worker's copy of the document, at once (the file is re-read at each refresh).
    await e.h.api.dynamicConfig.refresh();
    await e.worker!.dynamicConfig.refresh();
  };

  before(async () => {
    collector = await startTraceCollector();
    dir = mkdtempSync(join(tmpdir(), 'syncwell-traces-'));
    configFile = join(dir, 'dynamic-config.json');
    writeFileSync(configFile, '{}');
    e = await startE2E({
      TRACES_ENDPOINT: collector.endpoint,
      TRACE_EXPORT_DELAY_MS: '20',
      DYNAMIC_CONFIG_SOURCE: 'file',
      DYNAMIC_CONFIG_FILE: configFile,
      DYNAMIC_CONFIG_REFRESH_SECONDS: '3600',
    });
  });
  after(async () => {
    await e?.stop();
    await collector?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('follows a manual sync from the request through the queue to every provider call, as one trace', async () => {
    await setSampling({ rate: 1 });
    const { userId, token, connections } = await connectedUser(e, ['garmin', 'strava']);
    await createSyncConfig(e.h, token, connections.garmin, connections.strava, 'workout');
    const jobId = await requestSync(e.h, token, connections.garmin, connections.strava, 'workout');
    const job = await waitForJob(e.h, token, jobId);
    expect(job.status).to.equal('SUCCEEDED');

    const record = await e.h.syncJobs.get(userId, jobId);
    expect(record?.traceId, 'the job keeps its trace id').to.match(/^[0-9a-f]{32}$/);
    const traceId = record!.traceId!;
    // The status history, oldest first, written by the same updates that moved the status.
    expect(record!.history!.map((h) => h.status)).to.deep.equal(['QUEUED', 'RUNNING', 'SUCCEEDED']);

    const spans = await eventually(() => {
      const s = collector.store.trace(traceId);
      return s.some((x) => x.kind === CONSUMER && x.endUnixNano !== '0') &&
        s.filter((x) => x.kind === CLIENT).length >= 2
        ? s
        : undefined;
    }, 'the worker side of the trace');

    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const one = (pred: (s: CollectedSpan) => boolean, what: string) => {
      const found = spans.filter(pred);
      expect(found, what).to.have.length(1);
      return found[0]!;
    };
    const server = one((s) => s.kind === SERVER, 'the API request span');
    expect(server.name).to.equal('POST /v1/sync-jobs');
    expect(server.service).to.equal('syncwell-api');
    expect(server.parentSpanId).to.equal(undefined);
    expect(server.attributes['http.response.status_code']).to.equal(202);
    expect(server.attributes['syncwell.sampling_rule']).to.equal('default');

    const producer = one((s) => s.kind === PRODUCER && s.name === 'hotPathSync send', 'the send');
    expect(producer.parentSpanId).to.equal(server.spanId);
    const consumer = one((s) => s.kind === CONSUMER && s.name === 'hotPathSync process', 'the handling');
    expect(consumer.parentSpanId, 'the queue carried the context').to.equal(producer.spanId);
    expect(consumer.attributes['syncwell.job_id']).to.equal(jobId);
    expect(consumer.attributes['syncwell.outcome']).to.equal('done');

    // Every provider call is a child of the handling, Garmin read and Strava written.
    const calls = spans.filter((s) => s.kind === CLIENT);
    for (const call of calls) {
      let parent = call.parentSpanId;
      while (parent && parent !== consumer.spanId) parent = byId.get(parent)?.parentSpanId;
      expect(parent, call.name).to.equal(consumer.spanId);
      expect(call.attributes['http.response.status_code']).to.be.a('number');
    }
    expect(calls.map((c) => c.attributes['syncwell.provider'])).to.include.members(['garmin', 'strava']);

    // Spans carry ids, routes and statuses: no token, no URL query, no health data.
    const text = JSON.stringify(spans);
    expect(text).not.to.match(/Bearer|access_token|"url\.full"|\?/);
    expect(text).not.to.include(token);
  });

  it('samples by the policy in force: with sampling off nothing of the job is recorded, in the API or the worker', async () => {
    await setSampling({ rate: 0, reservoirPerSecond: 0, rules: [] });
    const { userId, token, connections } = await connectedUser(e, ['garmin', 'strava']);
    await createSyncConfig(e.h, token, connections.garmin, connections.strava, 'workout');
    const unsampled = await requestSync(e.h, token, connections.garmin, connections.strava, 'workout');
    expect((await waitForJob(e.h, token, unsampled)).status).to.equal('SUCCEEDED');

    // Then a traced one: once its spans are in, the unsampled job's would have been too.
    await setSampling({ rate: 1 });
    const sampled = await requestSync(e.h, token, connections.garmin, connections.strava, 'workout');
    expect((await waitForJob(e.h, token, sampled)).status).to.equal('SUCCEEDED');
    await eventually(
      () => (collector.store.tracesOfJob(sampled).length ? true : undefined),
      'the traced job',
    );

    expect(collector.store.tracesOfJob(unsampled), 'the worker followed the request decision').to.deep.equal(
      [],
    );
    const record = await e.h.syncJobs.get(userId, unsampled);
    expect(record?.status).to.equal('SUCCEEDED');
    expect(record?.traceId).to.equal(undefined);
  });

  it('keeps the critical flows by their rules even when the default keeps nothing', async () => {
    await setSampling({ rate: 0, reservoirPerSecond: 0 });
    const userId = e.h.newUserId('e2e');
    const token = await e.h.token(userId);
    const res = await e.h.request('POST', '/v1/connections', {
      token,
      body: { provider: 'strava' },
    });
    expect(res.status).to.equal(201);
    const span = await eventually(
      () =>
        [...allSpans(collector)].find(
          (s) => s.kind === SERVER && s.name === 'POST /v1/connections' && s.endUnixNano !== '0',
        ),
      'the connection request span',
    );
    expect(span.attributes['syncwell.sampling_rule']).to.equal('connect-provider');
  });
});

function* allSpans(collector: TraceCollector): Generator<CollectedSpan> {
  for (const traceId of collector.store.traceIds()) yield* collector.store.trace(traceId);
}
