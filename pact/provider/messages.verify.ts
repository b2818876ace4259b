// Message pact, provider side: the message runtime's own builder (buildMessage, which every
// producer's send() runs: the createSyncJob handler, the webhook endpoints, the worker's adaptive
// poller) produces every message the worker's pact expects. A change to a producer's input or to
// the schema that breaks the worker fails here.
import { Verifier, providerWithMetadata, type MessageProvider } from '@pact-foundation/pact';
import { chunkDaysFor, splitDateRange } from '../../core/domain/historicalRange.js';
import { buildMessage } from '../../core/messaging/messageCodec.js';
import type { MessageProducer } from '../../core/messaging/producer.js';
import { sendPollHop, type PollInput } from '../../worker/polling/pollHops.js';
import { MESSAGE_PACT_FILE, PROVIDER, disablePactTracking } from '../pactFiles.js';
import { clock } from '../../core/clock/clock.js';
import { asyncApi } from '../messageMetadata.js';
import { exportRequestOf } from '../../core/export/exportRequest.js';
import { deletionRequestOf } from '../../core/account/deletionRequest.js';
import { assertSyncEvents, type SyncEvent } from '../../core/events/eventBus.js';
import { routedBody } from '../../core/events/eventRoutes.js';

/**
 * What the adaptive poller sends for a connection through sendPollHop (which computes the hop and
 * `remainingDelaySeconds`): the message as the producer builds it, taken from a producer that only
 * builds and records.
 */
async function pollMessage(input: PollInput, totalWaitSeconds: number): Promise<unknown> {
  const sent: unknown[] = [];
  const recorder: Pick<MessageProducer, 'send'> = {
    send: async (channel, message, ..._options) => {
      const built = buildMessage(channel, message);
      sent.push(built);
      return built;
    },
  };
  await sendPollHop(recorder, input, totalWaitSeconds);
  return sent[0];
}

/**
 * What reaches the syncNotifications queue for a published sync event: the event as the producers
 * publish it (validated as every event bus adapter does), with the body the EventBridge rule's input
 * path makes of it (core/events/eventRoutes.ts, which the local bus uses too).
 */
function routedEvent(event: SyncEvent): unknown {
  assertSyncEvents([event]);
  return JSON.parse(routedBody(event));
}

const EVENT_IDS = {
  eventId: '6b1f0c2e-8d4a-4f7b-9e3c-2a1b0c9d8e7f',
  jobId: 'job_0c7c6b3a-52f4-4d0b-9f1e-2a3b4c5d6e7f',
  userId: 'pact-user-1',
  sourceConnectionId: 'conn_7c9e6679-7425-40de-944b-e07fc1f90ae7',
  destinationConnectionId: 'conn_1b4e28ba-2fa1-4d2b-883f-0016d3cca427',
  dataType: 'workout',
} as const;

/** Which AsyncAPI message (and channel) each producer below sends: its messages carry the names. */
const PRODUCES: Record<string, Record<string, string>> = {
  'a poll hop with 2700 seconds still to wait': asyncApi('PollScheduled', 'pollSchedule'),
  'a first poll check due now': asyncApi('PollScheduled', 'pollSchedule'),
  'the first chunk of a historical Strava to Fitbit workout backfill': asyncApi(
    'HistoricalChunkRequested',
    'historicalSync',
  ),
  'a buffered Strava activity event': asyncApi('WebhookEventReceived', 'coalescingBuffer'),
  'a hot-path sync request for a manual job': asyncApi('HotPathSyncRequested', 'hotPathSync'),
  'a request to build a data export': asyncApi('ExportRequested', 'exportRequests'),
  'a request to delete an account': asyncApi('UserDeletionRequested', 'userDeletion'),
  'a manual job that failed for good, routed to the notifications queue': asyncApi(
    'SyncFailed',
    'syncNotifications',
  ),
  'a finished historical backfill, routed to the notifications queue': asyncApi(
    'SyncSucceeded',
    'syncNotifications',
  ),
};

function producing(providers: Record<string, MessageProvider>): Record<string, MessageProvider> {
  return Object.fromEntries(
    Object.entries(providers).map(([description, provide]) => {
      const names = PRODUCES[description];
      if (!names) throw new Error(`no AsyncAPI message named for the producer of '${description}'`);
      return [description, providerWithMetadata(provide, names)];
    }),
  );
}

describe(`${PROVIDER} produces the messages its consumers expect`, () => {
  disablePactTracking();

  it('syncwell-worker: every message', async function () {
    this.timeout(60_000);
    await new Verifier({
      provider: PROVIDER,
      pactUrls: [MESSAGE_PACT_FILE],
      logLevel: 'warn',
      messageProviders: producing({
        // AdaptivePoller.scheduleNext for a check due in an hour: the first hop waits SQS's
        // maximum of 900 s and carries the other 2700 s (worker/polling/adaptivePoller.ts).
        'a poll hop with 2700 seconds still to wait': () =>
          pollMessage(
            {
              userId: 'pact-user-1',
              connectionId: 'conn_a8098c1a-f86e-41d0-a9b6-0f3c2d5e7b91',
              provider: 'garmin',
              dataTypes: ['workout', 'sleep_session'],
              scheduledFor: new Date(clock.now() + 3_600_000).toISOString(),
              lastCheckedAt: clock.date().toISOString(),
            },
            3600,
          ),
        // AdaptivePoller.ensureChain: a chain started now, never checked before.
        'a first poll check due now': () =>
          pollMessage(
            {
              userId: 'pact-user-1',
              connectionId: 'conn_a8098c1a-f86e-41d0-a9b6-0f3c2d5e7b91',
              provider: 'garmin',
              dataTypes: ['workout'],
              scheduledFor: clock.date().toISOString(),
              lastCheckedAt: null,
            },
            0,
          ),
        // What createSyncJob sends for the first chunk of a 2023 backfill (mode historical,
        // server/handlers/syncJobs.ts): the range split as the handler splits it, priority low.
        'the first chunk of a historical Strava to Fitbit workout backfill': () => {
          const chunks = splitDateRange(
            { startDate: '2023-01-01', endDate: '2023-12-31' },
            chunkDaysFor('strava', 30),
          );
          return buildMessage('historicalSync', {
            jobId: 'job_0c7c6b3a-52f4-4d0b-9f1e-2a3b4c5d6e7f',
            userId: 'pact-user-1',
            chunkIndex: 0,
            totalChunks: chunks.length,
            dateRange: chunks[0]!,
            sourceConnectionId: 'conn_7c9e6679-7425-40de-944b-e07fc1f90ae7',
            destinationConnectionId: 'conn_1b4e28ba-2fa1-4d2b-883f-0016d3cca427',
            sourceProvider: 'strava',
            destinationProvider: 'fitbit',
            dataType: 'workout',
            priority: 'low',
          });
        },
        // What receiveStravaEvent enqueues for an activity creation (server/handlers/webhooks.ts).
        'a buffered Strava activity event': () =>
          buildMessage('coalescingBuffer', {
            provider: 'strava',
            providerUserId: '134815',
            userId: null,
            connectionId: null,
            eventType: 'activity.create',
            objectId: '1360128428',
            dataType: 'workout',
            receivedAt: clock.date().toISOString(),
            rawEventId: 'strava:120475:1360128428:create:1709373600',
          }),
        // HotPathJob.recordFailure on a permanent failure of a manual job (core/sync/hotPathJob.ts).
        'a manual job that failed for good, routed to the notifications queue': () =>
          routedEvent({
            type: 'SyncFailed',
            detail: {
              schemaVersion: 1,
              ...EVENT_IDS,
              trigger: 'manual',
              errorCode: 'provider_request_rejected',
              retryable: false,
              attempt: 1,
              failedAt: clock.date().toISOString(),
            },
          }),
        // HistoricalChunkJob.announce once the last chunk is counted (worker/historical/).
        'a finished historical backfill, routed to the notifications queue': () =>
          routedEvent({
            type: 'SyncSucceeded',
            detail: {
              schemaVersion: 1,
              ...EVENT_IDS,
              trigger: 'historical',
              recordsWritten: 52,
              recordsSkipped: 3,
              startedAt: new Date(clock.now() - 5_400_000).toISOString(),
              finishedAt: clock.date().toISOString(),
            },
          }),
        // What createExportJob sends for a new export (server/handlers/exportJobs.ts).
        // What deleteCurrentUser sends once the tombstone is written (server/handlers/users.ts).
        'a request to delete an account': () =>
          buildMessage(
            'userDeletion',
            deletionRequestOf('pact-user-1', { requestedAt: clock.date().toISOString() }),
          ),
        'a request to build a data export': () =>
          buildMessage(
            'exportRequests',
            exportRequestOf({
              userId: 'pact-user-1',
              jobId: 'export-job-0f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f',
              createdAt: clock.date().toISOString(),
            }),
          ),
        'a hot-path sync request for a manual job': () =>
          buildMessage('hotPathSync', {
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
            requestedAt: clock.date().toISOString(),
            correlationId: '0f6f7d2e-3a4b-4c5d-8e9f-0a1b2c3d4e5f',
          }),
      }),
    }).verifyProvider();
  });
});
