// Metrics end to end: a real manual sync through the API, the queue, the worker and the provider
// sandbox, then `GET /metrics` on the operations port, read as Prometheus text. Each assertion is a
// difference between a scrape before and one after, so other suites in the same process (they
// share the registry) cannot make it pass or fail.
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import {
  metricTotal as total,
  parseMetrics as parse,
  type MetricSample,
} from '../../bench/lib/prometheus.js';
import { connectedUser, createSyncConfig, requestSync, startE2E, waitForJob, type E2E } from './support.js';

async function scrapeText(url: string): Promise<string> {
  const res = await fetch(url);
  expect(res.status).to.equal(200);
  expect(res.headers.get('content-type')).to.match(/^text\/plain; version=0\.0\.4/);
  return res.text();
}

// The parser and the sum are the benchmarks' (bench/lib/prometheus.ts): one reading of the format.
const scrape = async (url: string): Promise<MetricSample[]> => parse(await scrapeText(url));

describe('metrics end to end (GET /metrics on the operations port)', function () {
  this.timeout(120_000);
  let e: E2E;
  let url: string;

  before(async () => {
    e = await startE2E({ METRICS_PORT: '0' });
    url = e.h.api.metricsUrl!;
    expect(url).to.match(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
  });
  after(async () => {
    await e?.stop();
  });

  it('counts a manual sync: outcome, latency, provider calls, the message, an idempotent replay', async () => {
    const { userId, token, connections } = await connectedUser(e, ['garmin', 'strava']);
    await createSyncConfig(e.h, token, connections.garmin, connections.strava, 'workout');
    const before = await scrape(url);

    const key = randomUUID();
    const jobId = await requestSync(e.h, token, connections.garmin, connections.strava, 'workout', key);
    const job = await waitForJob(e.h, token, jobId);
    expect(job.status, JSON.stringify(job.error)).to.equal('SUCCEEDED');
    // The same request again: answered from the first response, counted as a collision.
    const replayed = await requestSync(e.h, token, connections.garmin, connections.strava, 'workout', key);
    expect(replayed).to.equal(jobId);
    const text = await scrapeText(url);
    const after = parse(text);
    // Labels are providers, channels, codes and outcomes: never a user's, connection's or job's id.
    for (const id of [userId, jobId, connections.garmin, connections.strava]) expect(text).not.to.include(id);

    const delta = (name: string, labels: Record<string, string> = {}) =>
      total(after, name, labels) - total(before, name, labels);
    expect(delta('syncwell_sync_jobs_total', { trigger: 'manual', outcome: 'succeeded' })).to.equal(1);
    expect(delta('syncwell_sync_jobs_total', { outcome: 'failed' })).to.equal(0);
    expect(delta('syncwell_manual_sync_latency_seconds_count', { outcome: 'succeeded' })).to.equal(1);
    expect(delta('syncwell_idempotency_collisions_total', { kind: 'replay' })).to.equal(1);
    expect(delta('syncwell_messages_total', { channel: 'hotPathSync', outcome: 'done' })).to.be.at.least(1);
    // Garmin read, Strava read and written: every call counted and timed, per provider.
    for (const provider of ['garmin', 'strava']) {
      expect(delta('syncwell_provider_calls_total', { provider, result: '2xx' }), provider).to.be.greaterThan(
        0,
      );
      expect(delta('syncwell_provider_call_duration_seconds_count', { provider }), provider).to.equal(
        delta('syncwell_provider_calls_total', { provider }) -
          delta('syncwell_provider_calls_total', { provider, result: 'network' }),
      );
    }
    // The latency histogram's sum is the request → SUCCEEDED time, which the job record bounds.
    const latency = delta('syncwell_manual_sync_latency_seconds_sum', { outcome: 'succeeded' });
    expect(latency).to.be.greaterThan(0).and.at.most(30);
  });

  it('reports queue depths from SQS and Redis as not degraded', async () => {
    const samples = await scrape(url);
    const depth = samples.filter(
      (s) => s.name === 'syncwell_queue_depth' && s.labels.channel === 'hotPathSync',
    );
    expect(depth.map((s) => s.labels.state).sort()).to.deep.equal(['delayed', 'in_flight', 'visible']);
    for (const s of depth) expect(s.value).to.be.at.least(0);
    expect(total(samples, 'syncwell_degraded', { component: 'api_redis' })).to.equal(0);
    expect(total(samples, 'syncwell_degraded', { component: 'worker_redis' })).to.equal(0);
    expect(total(samples, 'syncwell_process_resident_memory_bytes')).to.be.greaterThan(0);
  });

  it('answers 404 beside /metrics', async () => {
    for (const path of ['/', '/metrics/x', '/v1/users/me']) {
      const res = await fetch(url.replace(/\/metrics$/, path));
      expect(res.status, path).to.equal(404);
    }
  });
});
