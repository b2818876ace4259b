// The API's side of the push-payload pact with the SDK: each payload the SDK's pact expects, built by
// the backend's own code and checked as the push port checks it before sending (assertSafePush).
// - Silent pushes (AsyncAPI silentPush): a cloud → device step (core/sync/cloudToDevice.ts's
//   DevicePush) through wirePayload, the flat map DevicePushNotifier sends.
// - Visible notifications (userNotifications): the UserNotification a worker hands the notifier,
//   through notificationPayload, the data PushUserNotifier sends (with the texts it renders). The sync
//   outcomes come from the worker's own handler (SyncOutcomeNotifications) given a SyncSucceeded or
//   SyncFailed; the export and reconnect notifications are the ones exportJob.ts and reAuthSurfacer.ts
//   hand over.
// api.verify.ts passes these to the Verifier beside the HTTP interactions and socket frames.
import { providerWithMetadata, type MessageProvider } from '@pact-foundation/pact';
import type { ConnectionRecord } from '../../core/store/connectionRepository.js';
import { createLogger } from '../../core/logging/logger.js';
import { wirePayload } from '../../core/push/devicePushNotifier.js';
import { renderNotification } from '../../core/push/notificationTexts.js';
import { assertSafePush } from '../../core/push/pushPayloadGuard.js';
import type { PushData } from '../../core/push/pushSender.js';
import { notificationPayload } from '../../core/push/pushUserNotifier.js';
import type { UserNotification } from '../../core/push/userNotifier.js';
import type { DevicePush } from '../../core/sync/cloudToDevice.js';
import {
  SyncOutcomeNotifications,
  type SyncOutcomeEvent,
} from '../../worker/notifications/syncOutcomeNotifications.js';
import { exportReadyNotification } from '../../worker/export/exportJob.js';
import { reconnectNotification } from '../../worker/reauth/reAuthSurfacer.js';
import { asyncApi } from '../messageMetadata.js';

const USER_ID = 'pact-user-1';
const JOB_ID = 'job_0c7c6b3a-52f4-4d0b-9f1e-2a3b4c5d6e7f';
const SOURCE = 'conn_7c9e6679-7425-40de-944b-e07fc1f90ae7';
const DESTINATION = 'conn_1b4e28ba-2fa1-4d2b-883f-0016d3cca427';

/** The silent push's data as DevicePushNotifier sends it. */
function silent(push: DevicePush): PushData {
  const data: PushData = { ...wirePayload(push) };
  assertSafePush({ kind: 'silent', data });
  return data;
}

/** The visible notification's data as PushUserNotifier sends it (English texts, as for a user without a locale). */
function visible(n: Pick<UserNotification, 'kind' | 'data' | 'params'>): PushData {
  const data = notificationPayload(n);
  const { title, body } = renderNotification(n.kind, undefined, n.params);
  assertSafePush({ kind: 'visible', title, body, data });
  return data;
}

const connection = (connectionId: string, provider: ConnectionRecord['provider']): ConnectionRecord => ({
  userId: USER_ID,
  connectionId,
  provider,
  status: 'active',
  credentialRef: null,
  createdAt: '2024-03-01T09:00:00.000Z',
  updatedAt: '2024-03-01T09:00:00.000Z',
});

/** What the worker's sync-outcome handler asks the notifier to send for `event`. */
async function syncOutcomeNotification(event: SyncOutcomeEvent): Promise<PushData> {
  const handed: UserNotification[] = [];
  const handler = new SyncOutcomeNotifications({
    notifier: {
      notify: async (_userId, n) => {
        handed.push(n);
        return { outcome: 'sent', devices: 1 };
      },
    },
    userConfig: {
      get: async () => ({
        connections: [connection(SOURCE, 'strava'), connection(DESTINATION, 'fitbit')],
        syncConfigs: [],
      }),
    },
    logger: createLogger({ level: 'silent', service: 'pact-push' }),
  });
  await handler.handle(event);
  if (handed.length !== 1) throw new Error(`the handler notified ${handed.length} times, not once`);
  return visible(handed[0]!);
}

const outcome = {
  schemaVersion: 1,
  eventId: '2f1e0d9c-8b7a-4c6d-9e5f-4a3b2c1d0e9f',
  jobId: JOB_ID,
  userId: USER_ID,
  sourceConnectionId: SOURCE,
  destinationConnectionId: DESTINATION,
  dataType: 'workout',
} as const;

const payloads: Record<string, { names: Record<string, string>; build: () => Promise<PushData> }> = {
  // CloudToDevice.ask: the read request of a parked job.
  'a silent push asking the phone to read a window of workouts': {
    names: asyncApi('DeviceReadRequest', 'silentPush'),
    build: async () =>
      silent({
        schemaVersion: 1,
        type: 'device_read_request',
        jobId: JOB_ID,
        requestId: 'req_5e4d3c2b-1a09-4f8e-9d7c-6b5a4f3e2d1c',
        dataType: 'workout',
        dateRange: { start: '2024-03-01T00:00:00.000Z', end: '2024-03-02T10:00:00.000Z' },
        respondBy: '2024-03-03T10:00:00.000Z',
      }),
  },
  // CloudToDevice: the phone answered, records were staged for it.
  'a silent push telling the phone that records are staged for it': {
    names: asyncApi('DeviceWriteRequest', 'silentPush'),
    build: async () =>
      silent({
        schemaVersion: 1,
        type: 'device_write_request',
        jobId: JOB_ID,
        dataType: 'workout',
        recordCount: 2,
        expiresAt: '2024-03-03T10:05:00.000Z',
      }),
  },
  // A manual job that wrote records.
  'a notification that a sync job succeeded': {
    names: asyncApi('SyncNotification', 'userNotifications'),
    build: () =>
      syncOutcomeNotification({
        ...outcome,
        trigger: 'manual',
        recordsWritten: 3,
        recordsSkipped: 0,
        startedAt: '2024-03-02T10:00:00.000Z',
        finishedAt: '2024-03-02T10:01:30.000Z',
      }),
  },
  // A manual job that failed for good.
  'a notification that a sync job failed for good': {
    names: asyncApi('SyncNotification', 'userNotifications'),
    build: () =>
      syncOutcomeNotification({
        ...outcome,
        trigger: 'manual',
        errorCode: 'provider_request_rejected',
        retryable: false,
        attempt: 1,
        failedAt: '2024-03-02T10:01:30.000Z',
      }),
  },
  // worker/reauth/reAuthSurfacer.ts: a connection that needs the user to sign in again.
  'a notification asking the user to reconnect a provider': {
    names: asyncApi('ReconnectNotification', 'userNotifications'),
    build: async () =>
      visible(
        reconnectNotification(
          { connectionId: 'conn_a8098c1a-f86e-41d0-a9b6-0f3c2d5e7b91', provider: 'garmin' },
          '2024-03-02T10:00:00.000Z',
        ),
      ),
  },
  // worker/notices/providerNoticeSweeper.ts: a connection's provider is being retired.
  'a notification that a provider is being retired': {
    names: asyncApi('ProviderNoticeNotification', 'userNotifications'),
    build: async () =>
      visible({
        kind: 'provider_notice',
        params: { provider: 'fitbit' },
        data: {
          connectionId: 'conn_1b4e28ba-2fa1-4d2b-883f-0016d3cca427',
          provider: 'fitbit',
          retiresOn: '2027-06-30',
          replacement: 'google_health',
        },
      }),
  },
  // worker/export/exportJob.ts: the archive is ready until its availableUntil.
  'a notification that a data export is ready': {
    names: asyncApi('ExportReady', 'userNotifications'),
    build: async () =>
      visible(
        exportReadyNotification({
          jobId: 'export-job-5d3c2b1a-8e7f-4a6b-9c0d-1e2f3a4b5c6d',
          availableUntil: '2024-03-09T11:05:00.000Z',
        }),
      ),
  },
};

/** Message providers for the push payloads of the SDK's pact, each naming its AsyncAPI message. */
export const pushPayloadProviders: Record<string, MessageProvider> = Object.fromEntries(
  Object.entries(payloads).map(([description, { names, build }]) => [
    description,
    providerWithMetadata(build, names),
  ]),
);
