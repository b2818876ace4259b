// Message pacts: the worker (consumer) and the API (producer) agree on HotPathSyncRequested, the
// message POST /v1/sync-jobs puts on the FIFO queue, on WebhookEventReceived, which the webhook
// endpoints put on the coalescing buffer, on HistoricalChunkRequested, which POST /v1/sync-jobs
// (mode historical) puts on the historical queue, on PollScheduled, which the worker's adaptive
// poller sends to its own pre-flight checker, and on ExportRequested, which POST /v1/export-jobs puts
// on the export queue. The consumer side runs each expected
// message through the message runtime's parser (JSON + the AsyncAPI schema), the one every consumer uses;
// pact/provider/messages.verify.ts checks that the producer's real builder produces messages
// matching these expectations.
import { MatchersV3, PactV4 } from '@pact-foundation/pact';
import { rm } from 'node:fs/promises';
import { expect } from 'chai';
import { windowOfDateRange } from '../../core/domain/historicalRange.js';
import { parseMessage } from '../../core/messaging/messageCodec.js';
import { MESSAGE_PACT_FILE, PACT_DIR, PROVIDER, WORKER_CONSUMER, disablePactTracking } from '../pactFiles.js';
import { asyncApi } from '../messageMetadata.js';

const { like, regex, datetime, date, integer, eachLike } = MatchersV3;
// Not imported from ./support.js: its root hook deletes the SDK's pact file.
const UUID_V4 = '[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}';
const JOB_ID = `job_${UUID_V4}`;
const CONNECTION_ID = `conn_${UUID_V4}`;
const ISO = "yyyy-MM-dd'T'HH:mm:ss.SSSX";
const PROVIDER_NAME = '^(strava|fitbit|garmin|google_fit|apple_health)$';
const DATA_TYPE = '^(workout|sleep_session|steps|weight)$';

describe(`${WORKER_CONSUMER} ← ${PROVIDER}: worker messages`, () => {
  disablePactTracking();
  // Pact merges into an existing file: start from nothing so removed interactions disappear.
  before(() => rm(MESSAGE_PACT_FILE, { force: true }));
  const pact = new PactV4({ consumer: WORKER_CONSUMER, provider: PROVIDER, dir: PACT_DIR, logLevel: 'warn' });

  it('consumes a HotPathSyncRequested for a manual job', async () => {
    await pact
      .addAsynchronousInteraction()
      .expectsToReceive('a hot-path sync request for a manual job', (b) =>
        b.withMetadata(asyncApi('HotPathSyncRequested', 'hotPathSync')).withJSONContent({
          schemaVersion: 1,
          jobId: regex(`^${JOB_ID}$`, 'job_3f2b8c1e-9d4a-4b7e-8c2a-1f0e9d8c7b6a'),
          userId: like('8fJ2kQ1xYbTz0pWc3nLd5RaVh7U2'),
          sourceConnectionId: regex(`^${CONNECTION_ID}$`, 'conn_7c9e6679-7425-40de-944b-e07fc1f90ae7'),
          destinationConnectionId: regex(`^${CONNECTION_ID}$`, 'conn_1b4e28ba-2fa1-4d2b-883f-0016d3cca427'),
          sourceProvider: regex('^(strava|fitbit|garmin|google_fit|apple_health)$', 'strava'),
          destinationProvider: regex('^(strava|fitbit|garmin|google_fit|apple_health)$', 'fitbit'),
          dataType: regex('^(workout|sleep_session|steps|weight)$', 'workout'),
          priority: regex('^(high|medium|low)$', 'medium'),
          trigger: 'manual',
          tier: regex('^(FREE|PRO)$', 'PRO'),
          requestedAt: datetime(ISO, '2024-03-02T10:00:00.000Z'),
          correlationId: like('9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d'),
        }),
      )
      .executeTest(async (m) => {
        const message = parseMessage('hotPathSync', JSON.stringify(m.contents.content));
        expect(message).to.include({ trigger: 'manual', dataType: 'workout', sourceProvider: 'strava' });
        expect(message.jobId).to.match(/^job_/);
      });
  });

  it('consumes a buffered webhook event (WebhookEventReceived) in the coalescer', async () => {
    await pact
      .addAsynchronousInteraction()
      .expectsToReceive('a buffered Strava activity event', (b) =>
        b.withMetadata(asyncApi('WebhookEventReceived', 'coalescingBuffer')).withJSONContent({
          schemaVersion: 1,
          provider: 'strava',
          providerUserId: like('134815'),
          userId: null,
          connectionId: null,
          eventType: 'activity.create',
          objectId: like('1360128428'),
          dataType: 'workout',
          receivedAt: datetime(ISO, '2024-03-02T10:00:00.000Z'),
          rawEventId: like('strava:120475:1360128428:create:1709373600'),
        }),
      )
      .executeTest(async (m) => {
        const event = parseMessage('coalescingBuffer', JSON.stringify(m.contents.content));
        expect(event).to.include({
          provider: 'strava',
          eventType: 'activity.create',
          dataType: 'workout',
          userId: null,
        });
      });
  });

  // PollScheduled: producer and consumer are both the worker (AdaptivePoller → PollQueue.send →
  // buildPollScheduled; PreflightChecker → parsePollScheduled), on the standard queue
  // syncwell-poll-schedule. remainingDelaySeconds is exact: > 0 means "send the next hop", 0 means
  // "check the provider now", and the checker branches on exactly that.
  it('consumes a PollScheduled hop with time still to wait (pre-flight checker)', async () => {
    await pact
      .addAsynchronousInteraction()
      .expectsToReceive('a poll hop with 2700 seconds still to wait', (b) =>
        b.withMetadata(asyncApi('PollScheduled', 'pollSchedule')).withJSONContent({
          schemaVersion: 1,
          userId: like('8fJ2kQ1xYbTz0pWc3nLd5RaVh7U2'),
          connectionId: regex(`^${CONNECTION_ID}$`, 'conn_a8098c1a-f86e-41d0-a9b6-0f3c2d5e7b91'),
          provider: regex(PROVIDER_NAME, 'garmin'),
          dataTypes: eachLike(regex(DATA_TYPE, 'workout')),
          scheduledFor: datetime(ISO, '2024-03-02T11:00:00.000Z'),
          lastCheckedAt: datetime(ISO, '2024-03-02T10:00:00.000Z'),
          remainingDelaySeconds: 2700,
        }),
      )
      .executeTest(async (m) => {
        const poll = parseMessage('pollSchedule', JSON.stringify(m.contents.content));
        expect(poll.connectionId).to.match(/^conn_/);
        expect(Number.isFinite(Date.parse(poll.scheduledFor))).to.equal(true);
        expect(poll.remainingDelaySeconds).to.equal(2700);
        expect(poll.lastCheckedAt).to.be.a('string');
        expect(Date.parse(poll.lastCheckedAt!)).to.be.below(Date.parse(poll.scheduledFor));
      });
  });

  it('consumes a PollScheduled first check that is due now (never checked before)', async () => {
    await pact
      .addAsynchronousInteraction()
      .expectsToReceive('a first poll check due now', (b) =>
        b.withMetadata(asyncApi('PollScheduled', 'pollSchedule')).withJSONContent({
          schemaVersion: 1,
          userId: like('8fJ2kQ1xYbTz0pWc3nLd5RaVh7U2'),
          connectionId: regex(`^${CONNECTION_ID}$`, 'conn_a8098c1a-f86e-41d0-a9b6-0f3c2d5e7b91'),
          provider: regex(PROVIDER_NAME, 'garmin'),
          dataTypes: eachLike(regex(DATA_TYPE, 'workout')),
          scheduledFor: datetime(ISO, '2024-03-02T10:00:00.000Z'),
          lastCheckedAt: null,
          remainingDelaySeconds: 0,
        }),
      )
      .executeTest(async (m) => {
        const poll = parseMessage('pollSchedule', JSON.stringify(m.contents.content));
        expect(poll.connectionId).to.match(/^conn_/);
        expect(Number.isFinite(Date.parse(poll.scheduledFor))).to.equal(true);
        expect(poll.remainingDelaySeconds).to.equal(0);
        // null: the checker looks back one longest poll interval instead.
        expect(poll.lastCheckedAt).to.equal(null);
      });
  });

  // HistoricalChunkRequested: POST /v1/sync-jobs (mode historical) → HistoricalQueue.sendChunks →
  // buildHistoricalChunkRequested; HistoricalChunkJob → parseHistoricalChunk. Chunks always
  // travel at low priority, whatever the job's priority.
  it('consumes a HistoricalChunkRequested chunk (historical chunk job)', async () => {
    await pact
      .addAsynchronousInteraction()
      .expectsToReceive('the first chunk of a historical Strava to Fitbit workout backfill', (b) =>
        b.withMetadata(asyncApi('HistoricalChunkRequested', 'historicalSync')).withJSONContent({
          schemaVersion: 1,
          jobId: regex(`^${JOB_ID}$`, 'job_9a7c6b5d-4e3f-4a2b-8c1d-0e9f8a7b6c5d'),
          userId: like('8fJ2kQ1xYbTz0pWc3nLd5RaVh7U2'),
          chunkIndex: integer(0),
          totalChunks: integer(13),
          dateRange: {
            startDate: date('yyyy-MM-dd', '2023-01-01'),
            endDate: date('yyyy-MM-dd', '2023-01-30'),
          },
          sourceConnectionId: regex(`^${CONNECTION_ID}$`, 'conn_7c9e6679-7425-40de-944b-e07fc1f90ae7'),
          destinationConnectionId: regex(`^${CONNECTION_ID}$`, 'conn_1b4e28ba-2fa1-4d2b-883f-0016d3cca427'),
          sourceProvider: regex(PROVIDER_NAME, 'strava'),
          destinationProvider: regex(PROVIDER_NAME, 'fitbit'),
          dataType: regex(DATA_TYPE, 'workout'),
          priority: 'low',
        }),
      )
      .executeTest(async (m) => {
        const chunk = parseMessage('historicalSync', JSON.stringify(m.contents.content));
        expect(chunk).to.include({ chunkIndex: 0, totalChunks: 13, priority: 'low', dataType: 'workout' });
        expect(chunk.jobId).to.match(/^job_/);
        expect(chunk.chunkIndex).to.be.below(chunk.totalChunks);
        // The window the job syncs: whole UTC days, end day included.
        expect(windowOfDateRange(chunk.dateRange)).to.deep.equal({
          since: new Date('2023-01-01T00:00:00.000Z'),
          until: new Date('2023-01-31T00:00:00.000Z'),
        });
      });
  });

  // ExportRequested: POST /v1/export-jobs → exportRequestOf (core/export/exportRequest.ts);
  // the export worker (worker/export/exportJob.ts) builds the export named by jobId and userId.
  it('consumes an ExportRequested (export worker)', async () => {
    await pact
      .addAsynchronousInteraction()
      .expectsToReceive('a request to build a data export', (b) =>
        b.withMetadata(asyncApi('ExportRequested', 'exportRequests')).withJSONContent({
          schemaVersion: 1,
          jobId: regex(`^export-job-${UUID_V4}$`, 'export-job-5d3c2b1a-8e7f-4a6b-9c0d-1e2f3a4b5c6d'),
          userId: like('8fJ2kQ1xYbTz0pWc3nLd5RaVh7U2'),
          requestedAt: datetime(ISO, '2024-03-02T10:00:00.000Z'),
        }),
      )
      .executeTest(async (m) => {
        const request = parseMessage('exportRequests', JSON.stringify(m.contents.content));
        expect(request.jobId).to.match(/^export-job-/);
        expect(request.userId).to.equal('8fJ2kQ1xYbTz0pWc3nLd5RaVh7U2');
      });
  });

  it('rejects a message the producer must never send (missing jobId)', () => {
    // The other half of the agreement: what the worker refuses goes to the DLQ as poison.
    expect(() =>
      parseMessage('hotPathSync', JSON.stringify({ schemaVersion: 1, userId: 'u', trigger: 'manual' })),
    ).to.throw(/HotPathSyncRequested/);
  });
});
