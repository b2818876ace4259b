// Message pacts: the worker (consumer) and the API (producer) agree on HotPathSyncRequested, the
// message POST /v1/sync-jobs puts on the FIFO queue, and on WebhookEventReceived, which the
// webhook endpoints put on the coalescing buffer. The consumer side runs each expected message
// through the worker's own parser (JSON + the AsyncAPI schema); pact/provider/messages.verify.ts
// checks that the API's real builder produces messages matching these expectations.
import { MatchersV3, PactV4 } from '@pact-foundation/pact';
import { rm } from 'node:fs/promises';
import { expect } from 'chai';
import { parseWebhookEvent } from '../../worker/coalescer/coalescer.js';
import { parseHotPathMessage } from '../../worker/sync/hotPathJob.js';
import { MESSAGE_PACT_FILE, PACT_DIR, PROVIDER, WORKER_CONSUMER, disablePactTracking } from '../pactFiles.js';

const { like, regex, datetime } = MatchersV3;
// Not imported from ./support.js: its root hook deletes the SDK's pact file.
const UUID_V4 = '[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}';
const JOB_ID = `job_${UUID_V4}`;
const CONNECTION_ID = `conn_${UUID_V4}`;
const ISO = "yyyy-MM-dd'T'HH:mm:ss.SSSX";

describe(`${WORKER_CONSUMER} ← ${PROVIDER}: hot-path messages`, () => {
  disablePactTracking();
  // Pact merges into an existing file: start from nothing so removed interactions disappear.
  before(() => rm(MESSAGE_PACT_FILE, { force: true }));
  const pact = new PactV4({ consumer: WORKER_CONSUMER, provider: PROVIDER, dir: PACT_DIR, logLevel: 'warn' });

  it('consumes a HotPathSyncRequested for a manual job', async () => {
    await pact
      .addAsynchronousInteraction()
      .expectsToReceive('a hot-path sync request for a manual job', (b) =>
        b.withJSONContent({
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
        const message = parseHotPathMessage(JSON.stringify(m.contents.content));
        expect(message).to.include({ trigger: 'manual', dataType: 'workout', sourceProvider: 'strava' });
        expect(message.jobId).to.match(/^job_/);
      });
  });

  it('consumes a buffered webhook event (WebhookEventReceived) in the coalescer', async () => {
    await pact
      .addAsynchronousInteraction()
      .expectsToReceive('a buffered Strava activity event', (b) =>
        b.withJSONContent({
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
        const event = parseWebhookEvent(JSON.stringify(m.contents.content));
        expect(event).to.include({
          provider: 'strava',
          eventType: 'activity.create',
          dataType: 'workout',
          userId: null,
        });
      });
  });

  it('rejects a message the producer must never send (missing jobId)', () => {
    // The other half of the agreement: what the worker refuses goes to the DLQ as poison.
    expect(() =>
      parseHotPathMessage(JSON.stringify({ schemaVersion: 1, userId: 'u', trigger: 'manual' })),
    ).to.throw(/HotPathSyncRequested/);
  });
});
