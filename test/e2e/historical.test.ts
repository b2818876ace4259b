// Historical sync (the cold path) end to end: POST /v1/sync-jobs with mode historical over two
// months of a person's Garmin history, chunks of 7 days on the historical queue, workers syncing
// them into Strava, and GET /v1/sync-jobs/{id} reporting progress until SUCCEEDED. A worker stopped
// half-way hands over to another that finishes the job without redoing finished chunks, and a
// chunk delivered again after the job finished changes nothing.
import { PurgeQueueCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { expect } from 'chai';
import { buildMessage } from '../../core/messaging/messageCodec.js';
import type { Persona } from '../../infra/local/sandbox/persona.js';
import type { SyncJob } from '../../core/domain/types.js';
import {
  connectedUser,
  createSyncConfig,
  FAST_WORKER,
  requestSync,
  startE2E,
  waitForJob,
  type E2E,
} from './support.js';
import { clock } from '../../core/clock/clock.js';

const DAY_MS = 86_400_000;
const GARMIN_WIDE = (JSON.parse(FAST_WORKER.RATE_LIMIT_OVERRIDES!) as { garmin: unknown[] }).garmin;
/** Limits wide enough that this test measures the chunks, not the buckets. */
const WIDE_LIMITS = JSON.stringify({
  garmin: GARMIN_WIDE,
  strava: [{ scope: 'app', capacity: 100_000, windowSeconds: 900 }],
});
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Garmin workouts Strava does not already have, started inside [since, until). */
function garminOnlyBetween(persona: Persona, since: number, until: number) {
  return persona.workouts.filter(
    (w) =>
      w.recordedBy.includes('garmin') &&
      !w.recordedBy.includes('strava') &&
      Date.parse(w.start) >= since &&
      Date.parse(w.start) < until,
  );
}

async function progressOf(e: E2E, token: string, jobId: string): Promise<SyncJob> {
  const res = await e.h.request<SyncJob>('GET', `/v1/sync-jobs/${jobId}`, { token });
  expect(res.status).to.equal(200);
  return res.body;
}

describe('historical sync end to end', function () {
  this.timeout(180_000);
  let e: E2E;

  before(async () => {
    // Weekly chunks, one chunk at a time per worker: progress is visible between chunks.
    e = await startE2E({ HISTORICAL_CHUNK_DAYS: '7', HISTORICAL_CONCURRENCY: '1' }, { worker: false });
  });
  after(async () => {
    await e?.stop();
  });
  afterEach(async () => {
    e.h.stack.sandbox.fakes.garmin.configure!({ rateLimitPerMinute: 100 });
    // Chunks a test left waiting must not reach the next test's workers.
    await e.h.sqs.send(new PurgeQueueCommand({ QueueUrl: e.h.config.HISTORICAL_QUEUE_URL }));
  });

  function requestBackfill(token: string, source: string, destination: string, days: number) {
    const today = Date.parse(`${isoDay(clock.now())}T00:00:00Z`);
    return e.h.request<{ jobId: string }>('POST', '/v1/sync-jobs', {
      token,
      body: {
        sourceConnectionId: source,
        destinationConnectionId: destination,
        dataType: 'workout',
        mode: 'historical',
        dateRange: { startDate: isoDay(today - days * DAY_MS), endDate: isoDay(today) },
      },
    });
  }

  it('backfills two months in weekly chunks, survives a worker hand-over and reports progress', async () => {
    const { userId, token, person, connections } = await connectedUser(e, ['garmin', 'strava'], 'historian', {
      days: 56,
    });
    await createSyncConfig(e.h, token, connections.garmin, connections.strava, 'workout');
    // A Garmin chunk scans one upload day per request (7 days + Garmin's upload lag): lift the
    // sandbox's per-minute limit so this test is about chunks, not Garmin's 429s.
    e.h.stack.sandbox.fakes.garmin.configure!({ rateLimitPerMinute: 100_000 });
    const today = Date.parse(`${isoDay(clock.now())}T00:00:00Z`);
    const dateRange = { startDate: isoDay(today - 62 * DAY_MS), endDate: isoDay(today) };
    const created = await requestBackfill(token, connections.garmin, connections.strava, 62);
    expect(created.status, created.text).to.equal(202);
    const { jobId } = created.body;
    expect((await progressOf(e, token, jobId)).progress).to.deep.equal({
      totalChunks: 9,
      processedChunks: 0,
      failedChunks: 0,
    });

    // The first worker takes a few chunks, then stops (graceful: its chunk in flight finishes or
    // goes back to the queue).
    const first = await e.startWorker({ RATE_LIMIT_OVERRIDES: WIDE_LIMITS });
    let seen: SyncJob;
    const deadline = clock.now() + 60_000;
    do {
      await new Promise((r) => setTimeout(r, 100));
      seen = await progressOf(e, token, jobId);
    } while ((seen.progress?.processedChunks ?? 0) < 3 && clock.now() < deadline);
    expect(seen.status).to.equal('RUNNING');
    await first.stop();
    const afterFirst = (await progressOf(e, token, jobId)).progress!;
    expect(afterFirst.processedChunks).to.be.within(3, 8);
    const firstStats = first.worker.historical!;

    const second = await e.startWorker({ RATE_LIMIT_OVERRIDES: WIDE_LIMITS });
    const job = await waitForJob(e.h, token, jobId, 90_000);
    expect(job.status, JSON.stringify(job.error)).to.equal('SUCCEEDED');
    expect(job.progress).to.deep.equal({ totalChunks: 9, processedChunks: 9, failedChunks: 0 });
    const secondStats = second.worker.historical!;
    // Every chunk ran to completion exactly once across both workers; none was redone.
    // The job turns SUCCEEDED inside the last chunk's handler, just before it returns.
    const settle = clock.now() + 5000;
    while (firstStats.synced + secondStats.synced < 9 && clock.now() < settle)
      await new Promise((r) => setTimeout(r, 20));
    expect(firstStats.synced + secondStats.synced).to.equal(9);
    expect(firstStats.synced).to.equal(afterFirst.processedChunks);
    expect(firstStats.duplicates + secondStats.duplicates).to.equal(0);

    const expected = garminOnlyBetween(person.persona, today - 62 * DAY_MS, today + DAY_MS);
    expect(expected.length).to.be.greaterThan(5);
    expect(job.result?.recordsWritten).to.equal(expected.length);
    const created2 = e.h.stack.sandbox
      .records('strava', person.sandboxUserId, 'workout')
      .filter((v) => v.createdBy === 'api');
    expect(created2).to.have.length(expected.length);
    for (const w of expected)
      expect(
        created2.filter((v) => Math.abs(Date.parse(v.startTime) - Date.parse(w.start)) < 1000),
        w.key,
      ).to.have.length(1);

    // A chunk delivered again after the job finished: dropped before any provider call.
    const calls = e.h.stack.sandbox.requestCounts().garmin;
    await e.h.sqs.send(
      new SendMessageCommand({
        QueueUrl: e.h.config.HISTORICAL_QUEUE_URL,
        MessageBody: JSON.stringify(
          buildMessage('historicalSync', {
            jobId,
            userId,
            chunkIndex: 0,
            totalChunks: 9,
            dateRange: { startDate: dateRange.startDate, endDate: isoDay(today - 56 * DAY_MS) },
            sourceConnectionId: connections.garmin,
            destinationConnectionId: connections.strava,
            sourceProvider: 'garmin',
            destinationProvider: 'strava',
            dataType: 'workout',
            priority: 'low',
          }),
        ),
      }),
    );
    const until = clock.now() + 15_000;
    while (second.worker.historical!.duplicates < 1 && clock.now() < until)
      await new Promise((r) => setTimeout(r, 100));
    expect(second.worker.historical!.duplicates).to.equal(1);
    expect(e.h.stack.sandbox.requestCounts().garmin).to.equal(calls);
    expect(await progressOf(e, token, jobId)).to.deep.include({ status: 'SUCCEEDED' });
  });

  it('never starves the hot path: chunks wait for budget while a user-requested sync goes through', async () => {
    // A tight Strava application budget: 30 requests per 10 minutes. Chunks (low priority) may
    // only use it down to half; a manual job (medium) down to a fifth.
    const worker = await e.startWorker({
      RATE_LIMIT_OVERRIDES: JSON.stringify({
        garmin: GARMIN_WIDE,
        strava: [{ scope: 'app', capacity: 30, windowSeconds: 600 }],
      }),
    });
    try {
      const backfiller = await connectedUser(e, ['garmin', 'strava'], 'backfiller', { days: 56 });
      const created = await requestBackfill(
        backfiller.token,
        backfiller.connections.garmin,
        backfiller.connections.strava,
        62,
      );
      expect(created.status, created.text).to.equal(202);
      const stats = worker.worker.historical!;
      const deadline = clock.now() + 60_000;
      while (stats.deferred === 0 && clock.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(stats.deferred, 'chunks deferred for budget').to.be.greaterThan(0);

      const other = await connectedUser(e, ['garmin', 'strava'], 'in-a-hurry', { days: 4 });
      const started = clock.now();
      const jobId = await requestSync(
        e.h,
        other.token,
        other.connections.garmin,
        other.connections.strava,
        'workout',
      );
      const job = await waitForJob(e.h, other.token, jobId, 20_000);
      expect(job.status, JSON.stringify(job.error)).to.equal('SUCCEEDED');
      expect(clock.now() - started).to.be.lessThan(15_000);
      const backfill = await progressOf(e, backfiller.token, created.body.jobId);
      expect(backfill.status).to.equal('RUNNING');
      expect(backfill.progress!.processedChunks).to.be.lessThan(9);
    } finally {
      await worker.stop();
    }
  });
});
