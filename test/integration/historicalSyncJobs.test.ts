import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { Message } from '@aws-sdk/client-sqs';
import { parseMessage } from '../../core/messaging/messageCodec.js';
import { getHarness } from './hooks.js';
import { clock } from '../../core/clock/clock.js';

interface Job {
  jobId: string;
  status: string;
  mode: string;
  priority: string;
  trigger: string;
  dateRange?: { startDate: string; endDate: string };
  progress?: { totalChunks: number; processedChunks: number; failedChunks: number };
  result?: { recordsWritten: number; recordsSkipped: number };
  error?: { code: string; message: string };
}

async function setup() {
  const h = getHarness();
  const user = h.newUserId();
  const token = await h.token(user, { tier: 'PRO' });
  const [source, destination] = await Promise.all([
    h.connection(user, 'fitbit'),
    h.connection(user, 'strava'),
  ]);
  const body = {
    sourceConnectionId: source.connectionId,
    destinationConnectionId: destination.connectionId,
    dataType: 'workout',
    mode: 'historical',
    priority: 'high',
    dateRange: { startDate: '2025-01-01', endDate: '2025-03-31' },
  };
  return { h, user, token, source, destination, body };
}

const chunksOf = (jobId: string) => (m: Message) => JSON.parse(m.Body ?? '{}').jobId === jobId;

describe('historical sync jobs (cold path)', () => {
  it('splits the range into 30-day chunks, stores the job with its progress and sends one low-priority chunk message each', async () => {
    const { h, user, token, source, destination, body } = await setup();
    const r = await h.request<{ jobId: string; status: string }>('POST', '/v1/sync-jobs', {
      token,
      body,
      idempotencyKey: randomUUID(),
    });
    expect(r.status, r.text).to.equal(202);
    expect(r.body.status).to.equal('QUEUED');

    const job = await h.request<Job>('GET', `/v1/sync-jobs/${r.body.jobId}`, { token });
    expect(job.body).to.deep.include({
      status: 'QUEUED',
      mode: 'historical',
      priority: 'high',
      trigger: 'historical',
      dateRange: body.dateRange,
      progress: { totalChunks: 3, processedChunks: 0, failedChunks: 0 },
    });

    const messages = await h.receive(h.config.HISTORICAL_QUEUE_URL, chunksOf(r.body.jobId), { want: 3 });
    const chunks = messages
      .map((m) => parseMessage('historicalSync', m.Body!))
      .sort((a, b) => a.chunkIndex - b.chunkIndex);
    expect(chunks.map((c) => [c.chunkIndex, c.dateRange.startDate, c.dateRange.endDate])).to.deep.equal([
      [0, '2025-01-01', '2025-01-30'],
      [1, '2025-01-31', '2025-03-01'],
      [2, '2025-03-02', '2025-03-31'],
    ]);
    for (const c of chunks)
      expect(c).to.include({
        jobId: r.body.jobId,
        userId: user,
        totalChunks: 3,
        sourceConnectionId: source.connectionId,
        destinationConnectionId: destination.connectionId,
        sourceProvider: 'fitbit',
        destinationProvider: 'strava',
        dataType: 'workout',
        // Chunks never compete with the hot path, whatever the job's priority.
        priority: 'low',
      });
    // Nothing on the hot path.
    expect(await h.receiveHotPath(chunksOf(r.body.jobId), 1000)).to.have.length(0);
  });

  it('replays a retried request without sending its chunks again', async () => {
    const { h, token, body } = await setup();
    const key = randomUUID();
    const first = await h.request<{ jobId: string }>('POST', '/v1/sync-jobs', {
      token,
      body,
      idempotencyKey: key,
    });
    const again = await h.request<{ jobId: string }>('POST', '/v1/sync-jobs', {
      token,
      body,
      idempotencyKey: key,
    });
    expect(again.status).to.equal(202);
    expect(again.body.jobId).to.equal(first.body.jobId);
    expect(again.headers.get('idempotent-replayed')).to.equal('true');
    const messages = await h.receive(h.config.HISTORICAL_QUEUE_URL, chunksOf(first.body.jobId), {
      want: 4,
      waitMs: 2500,
    });
    expect(messages).to.have.length(3);
  });

  it('refuses bad ranges with a problem+json code, and stores and sends nothing', async () => {
    const { h, token, body } = await setup();
    const cases: Array<[{ startDate: string; endDate: string }, string]> = [
      [{ startDate: '2025-03-01', endDate: '2025-02-01' }, 'invalid_date_range'],
      [{ startDate: '2099-01-01', endDate: '2099-01-31' }, 'invalid_date_range'],
      // Not a calendar day: the schema's `format: date` already refuses it.
      [{ startDate: '2023-02-30', endDate: '2023-03-31' }, 'validation_failed'],
      [{ startDate: '2020-01-01', endDate: '2025-01-01' }, 'date_range_too_long'],
    ];
    for (const [dateRange, code] of cases) {
      const r = await h.request<{ code: string; detail: string }>('POST', '/v1/sync-jobs', {
        token,
        body: { ...body, dateRange },
        idempotencyKey: randomUUID(),
      });
      expect(r.status, `${JSON.stringify(dateRange)}: ${r.text}`).to.equal(400);
      expect(r.headers.get('content-type')).to.match(/^application\/problem\+json/);
      expect(r.body.code).to.equal(code);
      if (code !== 'validation_failed') expect(r.body.detail).to.include(dateRange.startDate);
    }
    const tooLong = await h.request<{ detail: string }>('POST', '/v1/sync-jobs', {
      token,
      body: { ...body, dateRange: { startDate: '2020-01-01', endDate: '2025-01-01' } },
      idempotencyKey: randomUUID(),
    });
    expect(tooLong.body.detail).to.include('730').and.include('1828');
    // The manual mode never takes a range.
    const manual = await h.request<{ code: string }>('POST', '/v1/sync-jobs', {
      token,
      body: { ...body, mode: 'manual' },
      idempotencyKey: randomUUID(),
    });
    expect(manual.status).to.equal(400);
    expect(manual.body.code).to.equal('validation_failed');

    const list = await h.request<{ syncJobs: Job[] }>('GET', '/v1/sync-jobs', { token });
    expect(list.body.syncJobs).to.have.length(0);
  });

  it('counts each chunk once and finishes the job after the last one', async () => {
    const { h, user, token, body } = await setup();
    const r = await h.request<{ jobId: string }>('POST', '/v1/sync-jobs', {
      token,
      body,
      idempotencyKey: randomUUID(),
    });
    const jobId = r.body.jobId;
    const now = clock.date();
    await h.syncJobs.markRunning(user, jobId, now);
    const chunk = (index: number, failed = false) =>
      h.syncJobs.recordChunk(user, jobId, {
        index,
        failed,
        recordsWritten: failed ? 0 : 4,
        recordsSkipped: 1,
        ...(failed ? { error: { code: 'source_auth_revoked', message: 'reconnect Fitbit' } } : {}),
        now,
      });
    expect(await chunk(0)).to.equal('recorded');
    expect(await chunk(0)).to.equal('duplicate');
    const running = await h.request<Job>('GET', `/v1/sync-jobs/${jobId}`, { token });
    expect(running.body).to.deep.include({
      status: 'RUNNING',
      progress: { totalChunks: 3, processedChunks: 1, failedChunks: 0 },
    });
    expect(running.body.result).to.equal(undefined);
    expect(await chunk(2, true)).to.equal('recorded');
    expect(await chunk(1)).to.equal('finished');
    expect(await chunk(1)).to.equal('duplicate');

    const done = await h.request<Job>('GET', `/v1/sync-jobs/${jobId}`, { token });
    expect(done.body).to.deep.include({
      status: 'FAILED',
      progress: { totalChunks: 3, processedChunks: 3, failedChunks: 1 },
      result: { recordsWritten: 8, recordsSkipped: 3 },
    });
    expect(done.body.error?.code).to.equal('historical_chunks_failed');
    expect(done.body.error?.message).to.include('1 of 3 chunks failed').and.include('source_auth_revoked');
    expect(
      await h.syncJobs.recordChunk(user, 'job_00000000-0000-4000-8000-000000000000', {
        index: 0,
        failed: false,
        recordsWritten: 0,
        recordsSkipped: 0,
        now,
      }),
    ).to.equal('missing');
  });
});
