// Message pacts on the syncNotifications queue: the worker's notification consumer
// (worker/notifications/) and what reaches it from the event bus, SyncSucceeded and SyncFailed as
// the EventBridge rule delivers them (input path `$.detail`: the event's payload is the body). The
// consumer side parses each body with the message runtime (both messages share the channel; the
// body matches exactly one) and applies its notification rule; pact/provider/messages.verify.ts
// checks that the events the producers publish, routed as the rule routes them, match.
// Runs after hotPathMessages.pact.ts, which starts the worker's pact file afresh; this file adds to it.
import { MatchersV3, PactV4 } from '@pact-foundation/pact';
import { expect } from 'chai';
import { parseMessage } from '../../core/messaging/messageCodec.js';
import { notificationFor } from '../../worker/notifications/syncOutcomeNotifications.js';
import { asyncApi } from '../messageMetadata.js';
import { disablePactTracking, PACT_DIR, PROVIDER, WORKER_CONSUMER } from '../pactFiles.js';

const { like, regex, datetime, integer } = MatchersV3;
const UUID_V4 = '[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}';
const JOB_ID = `^job_${UUID_V4}$`;
const CONNECTION_ID = `^conn_${UUID_V4}$`;
const ISO = "yyyy-MM-dd'T'HH:mm:ss.SSSX";
const DATA_TYPE = '^(workout|sleep_session|steps|weight)$';

const base = {
  schemaVersion: 1,
  eventId: regex(`^${UUID_V4}$`, '1f8e2d7c-3b6a-4f5e-9d4c-2b1a0f9e8d7c'),
  jobId: regex(JOB_ID, 'job_3f2b8c1e-9d4a-4b7e-8c2a-1f0e9d8c7b6a'),
  userId: like('8fJ2kQ1xYbTz0pWc3nLd5RaVh7U2'),
  sourceConnectionId: regex(CONNECTION_ID, 'conn_7c9e6679-7425-40de-944b-e07fc1f90ae7'),
  destinationConnectionId: regex(CONNECTION_ID, 'conn_1b4e28ba-2fa1-4d2b-883f-0016d3cca427'),
  dataType: regex(DATA_TYPE, 'workout'),
};

describe(`${WORKER_CONSUMER} ← ${PROVIDER}: sync outcomes to notify about`, () => {
  disablePactTracking();
  const pact = new PactV4({ consumer: WORKER_CONSUMER, provider: PROVIDER, dir: PACT_DIR, logLevel: 'warn' });

  it('consumes a SyncFailed of a manual job that failed for good', async () => {
    await pact
      .addAsynchronousInteraction()
      .expectsToReceive('a manual job that failed for good, routed to the notifications queue', (b) =>
        b.withMetadata(asyncApi('SyncFailed', 'syncNotifications')).withJSONContent({
          ...base,
          trigger: 'manual',
          errorCode: regex('^[a-z][a-z0-9_]*$', 'provider_request_rejected'),
          retryable: false,
          attempt: integer(1),
          failedAt: datetime(ISO, '2024-03-02T10:01:30.000Z'),
        }),
      )
      .executeTest(async (m) => {
        const event = parseMessage('syncNotifications', JSON.stringify(m.contents.content));
        expect(event).to.include({ trigger: 'manual', retryable: false });
        expect(notificationFor(event)).to.deep.include({ notify: true, kind: 'sync_failed' });
      });
  });

  it('consumes a SyncSucceeded of a historical backfill', async () => {
    await pact
      .addAsynchronousInteraction()
      .expectsToReceive('a finished historical backfill, routed to the notifications queue', (b) =>
        b.withMetadata(asyncApi('SyncSucceeded', 'syncNotifications')).withJSONContent({
          ...base,
          trigger: 'historical',
          recordsWritten: integer(52),
          recordsSkipped: integer(3),
          startedAt: datetime(ISO, '2024-03-02T10:00:00.000Z'),
          finishedAt: datetime(ISO, '2024-03-02T11:30:00.000Z'),
        }),
      )
      .executeTest(async (m) => {
        const event = parseMessage('syncNotifications', JSON.stringify(m.contents.content));
        expect(event).to.include({ trigger: 'historical' });
        expect(notificationFor(event)).to.deep.include({ notify: true, kind: 'sync_succeeded' });
      });
  });

  it('refuses a body that is neither message (the whole EventBridge envelope, say)', () => {
    const envelope = { 'detail-type': 'SyncFailed', source: 'syncwell.worker', detail: {} };
    expect(() => parseMessage('syncNotifications', JSON.stringify(envelope))).to.throw(/SyncSucceeded/);
  });
});
