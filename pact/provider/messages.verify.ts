// Message pact, provider side: the API's real builder (core/messages/hotPathQueue.ts, the one the
// createSyncJob handler sends through) produces every message the worker's pact expects. A change
// to the builder or the schema that breaks the worker fails here.
import { Verifier } from '@pact-foundation/pact';
import { buildWebhookEventReceived } from '../../core/messages/coalescingQueue.js';
import { buildHotPathSyncRequested } from '../../core/messages/hotPathQueue.js';
import { MESSAGE_PACT_FILE, PROVIDER, disablePactTracking } from '../pactFiles.js';

describe(`${PROVIDER} produces the messages its consumers expect`, () => {
  disablePactTracking();

  it('syncwell-worker: every message', async function () {
    this.timeout(60_000);
    await new Verifier({
      provider: PROVIDER,
      pactUrls: [MESSAGE_PACT_FILE],
      logLevel: 'warn',
      messageProviders: {
        // What receiveStravaEvent enqueues for an activity creation (server/handlers/webhooks.ts).
        'a buffered Strava activity event': () =>
          buildWebhookEventReceived({
            provider: 'strava',
            providerUserId: '134815',
            userId: null,
            connectionId: null,
            eventType: 'activity.create',
            objectId: '1360128428',
            dataType: 'workout',
            receivedAt: new Date().toISOString(),
            rawEventId: 'strava:120475:1360128428:create:1709373600',
          }),
        'a hot-path sync request for a manual job': () =>
          buildHotPathSyncRequested({
            jobId: 'job_0c7c6b3a-52f4-4d0b-9f1e-2a3b4c5d6e7f',
            userId: 'pact-user-1',
            sourceConnectionId: 'conn_7c9e6679-7425-40de-944b-e07fc1f90ae7',
            destinationConnectionId: 'conn_1b4e28ba-2fa1-4d2b-883f-0016d3cca427',
            sourceProvider: 'garmin',
            destinationProvider: 'strava',
            dataType: 'workout',
            priority: 'medium',
            trigger: 'manual',
            tier: 'FREE',
            requestedAt: new Date().toISOString(),
            correlationId: '0f6f7d2e-3a4b-4c5d-8e9f-0a1b2c3d4e5f',
          }),
      },
    }).verifyProvider();
  });
});
