// Message pacts for the push payloads the SDK consumes (consumer syncwell-mobile-sdk, provider
// syncwell-api), in the SDK's pact beside its HTTP interactions and socket frames:
// - silent pushes (AsyncAPI silentPush: DeviceReadRequest, DeviceWriteRequest): each payload goes to
//   the device module's push handler (createDeviceSync().handlePush), as the app passes the APNs
//   `userInfo` or FCM `data` map. What it understood shows in what it does: the health store is read
//   for the push's data type and window, and the API is called for the push's job (and request). The
//   API answers 404 (the backend no longer waits: the pending-work interactions of devices.pact.ts), so
//   nothing else runs.
// - visible notifications (userNotifications: SyncNotification, ReconnectNotification,
//   ProviderNoticeNotification, ExportReady):
//   each data map goes to parseNotification, which tells the app which screen a tap opens, and to the
//   push handler, which must leave it alone.
// The provider side, pact/provider/pushPayloads.ts, builds each payload with the backend's own code.
import { MatchersV3 } from '@pact-foundation/pact';
import { expect } from 'chai';
import {
  createDeviceSync,
  createSyncWellClient,
  parseNotification,
  type DeviceSync,
  type HealthStore,
  type TimeWindow,
} from '../../client-sdk/dist/index.js';
import { asyncApi } from '../messageMetadata.js';
import { CONNECTION_ID, ISO_TIMESTAMP, JOB_ID, PLACEHOLDER_TOKEN, newPact } from './support.js';

const { datetime, like, regex } = MatchersV3;

const SILENT = 'silentPush';
const VISIBLE = 'userNotifications';
const DATA_TYPE = '^(workout|sleep_session|steps|weight)$';
const EXPORT_JOB_ID = '^export-job-[0-9a-f-]{36}$';
const EXAMPLE_JOB = 'job_3f2b8c1e-9d4a-4b7e-8c2a-1f0e9d8c7b6a';

/** The payload as the pact hands it over (matchers resolved to their examples). */
type Received = { contents: { content: unknown } };
const content = (m: Received) => m.contents.content as Record<string, string>;

interface Phone {
  device: DeviceSync;
  /** What the module asked the health store to read. */
  reads: { dataType: string; window: TimeWindow }[];
  /** The API calls the module made, as `METHOD path`, with their JSON bodies. */
  calls: { call: string; body: unknown }[];
}

/**
 * The device module as the app sets it up, on an empty health store. Every API call is answered 404:
 * the backend no longer waits for the work, so the module stops after the first call.
 */
function phone(): Phone {
  const reads: Phone['reads'] = [];
  const calls: Phone['calls'] = [];
  const healthStore: HealthStore = {
    read: async (dataType, window) => {
      reads.push({ dataType, window });
      return [];
    },
    write: async () => {
      throw new Error('nothing is staged: the module must not write');
    },
    changedSince: async () => [],
  };
  const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = new URL(String(input));
    const body = typeof init?.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined;
    calls.push({ call: `${init?.method ?? 'GET'} ${url.pathname}`, body });
    return new Response(
      JSON.stringify({ type: 'about:blank', title: 'Not found', status: 404, code: 'not_found' }),
      { status: 404, headers: { 'Content-Type': 'application/problem+json' } },
    );
  };
  const client = createSyncWellClient({
    baseUrl: 'https://api.syncwell.example',
    getToken: async () => PLACEHOLDER_TOKEN,
    retry: { maxAttempts: 1 },
    fetch: fetch as typeof globalThis.fetch,
  });
  const device = createDeviceSync({
    client,
    healthStore,
    platform: 'ios',
    installationId: '3b1f8e2a-5c4d-4e6f-8a9b-0c1d2e3f4a5b',
  });
  return { device, reads, calls };
}

describe('syncwell-mobile-sdk ← syncwell-api: push payloads', () => {
  const pact = newPact();

  it('reads the window of a read push from the health store and answers it for the push’s job', async () => {
    await pact
      .addAsynchronousInteraction()
      .expectsToReceive('a silent push asking the phone to read a window of workouts', (b) =>
        b.withMetadata(asyncApi('DeviceReadRequest', SILENT)).withJSONContent({
          type: 'device_read_request',
          jobId: regex(`^${JOB_ID}$`, EXAMPLE_JOB),
          requestId: like('req_2c5ea4c0-4067-41d1-9e2b-7a3c6f1d8e90'),
          dataType: regex(DATA_TYPE, 'workout'),
          windowStart: datetime(ISO_TIMESTAMP, '2024-03-01T00:00:00.000Z'),
          windowEnd: datetime(ISO_TIMESTAMP, '2024-03-02T10:00:00.000Z'),
        }),
      )
      .executeTest(async (m) => {
        const push = content(m);
        const { device, reads, calls } = phone();
        const outcomes = await device.handlePush(push);
        expect(reads).to.deep.equal([
          { dataType: push.dataType, window: { start: push.windowStart, end: push.windowEnd } },
        ]);
        expect(calls).to.deep.equal([
          {
            call: 'POST /v1/device-read-response',
            body: { jobId: push.jobId, requestId: push.requestId, records: [] },
          },
        ]);
        expect(outcomes).to.deep.equal([{ kind: 'read', jobId: push.jobId, status: 'gone' }]);
      });
  });

  it('fetches the records staged for the job of a write push', async () => {
    await pact
      .addAsynchronousInteraction()
      .expectsToReceive('a silent push telling the phone that records are staged for it', (b) =>
        b.withMetadata(asyncApi('DeviceWriteRequest', SILENT)).withJSONContent({
          type: 'device_write_request',
          jobId: regex(`^${JOB_ID}$`, EXAMPLE_JOB),
        }),
      )
      .executeTest(async (m) => {
        const push = content(m);
        const { device, reads, calls } = phone();
        const outcomes = await device.handlePush(push);
        expect(calls).to.deep.equal([{ call: `GET /v1/staged-data/${push.jobId}`, body: undefined }]);
        expect(reads).to.deep.equal([]);
        expect(outcomes).to.deep.equal([{ kind: 'write', jobId: push.jobId, status: 'gone' }]);
      });
  });

  /** The notification's data as the app gets it, and proof that the device module leaves it alone. */
  async function notification(m: Received) {
    const data = content(m);
    const { device, reads, calls } = phone();
    expect(await device.handlePush(data)).to.deep.equal([{ kind: 'ignored', type: data.type }]);
    expect(reads).to.deep.equal([]);
    expect(calls).to.deep.equal([]);
    return { data, opens: parseNotification(data) };
  }

  it('opens the job of a sync-succeeded notification', async () => {
    await pact
      .addAsynchronousInteraction()
      .expectsToReceive('a notification that a sync job succeeded', (b) =>
        b.withMetadata(asyncApi('SyncNotification', VISIBLE)).withJSONContent({
          schemaVersion: '1',
          type: 'sync_succeeded',
          jobId: regex(`^${JOB_ID}$`, EXAMPLE_JOB),
          dataType: regex(DATA_TYPE, 'workout'),
        }),
      )
      .executeTest(async (m) => {
        const { data, opens } = await notification(m);
        expect(opens).to.deep.equal({ type: 'sync_succeeded', jobId: data.jobId, dataType: data.dataType });
      });
  });

  it('opens the job of a sync-failed notification, with the job’s error code', async () => {
    await pact
      .addAsynchronousInteraction()
      .expectsToReceive('a notification that a sync job failed for good', (b) =>
        b.withMetadata(asyncApi('SyncNotification', VISIBLE)).withJSONContent({
          schemaVersion: '1',
          type: 'sync_failed',
          jobId: regex(`^${JOB_ID}$`, EXAMPLE_JOB),
          dataType: regex(DATA_TYPE, 'workout'),
          errorCode: regex('^[a-z][a-z0-9_]*$', 'provider_request_rejected'),
        }),
      )
      .executeTest(async (m) => {
        const { data, opens } = await notification(m);
        expect(opens).to.deep.equal({
          type: 'sync_failed',
          jobId: data.jobId,
          dataType: data.dataType,
          errorCode: data.errorCode,
        });
      });
  });

  it('opens the connection and its provider of a reconnect notification', async () => {
    await pact
      .addAsynchronousInteraction()
      .expectsToReceive('a notification asking the user to reconnect a provider', (b) =>
        b.withMetadata(asyncApi('ReconnectNotification', VISIBLE)).withJSONContent({
          schemaVersion: '1',
          type: 'reconnect_provider',
          connectionId: regex(`^${CONNECTION_ID}$`, 'conn_a8098c1a-f86e-41d0-a9b6-0f3c2d5e7b91'),
          provider: regex('^(strava|fitbit|garmin|google_fit)$', 'garmin'),
        }),
      )
      .executeTest(async (m) => {
        const { data, opens } = await notification(m);
        expect(opens).to.deep.equal({
          type: 'reconnect_provider',
          connectionId: data.connectionId,
          provider: data.provider,
        });
      });
  });

  it('opens the connection of a provider notice, with the date and the replacement', async () => {
    await pact
      .addAsynchronousInteraction()
      .expectsToReceive('a notification that a provider is being retired', (b) =>
        b.withMetadata(asyncApi('ProviderNoticeNotification', VISIBLE)).withJSONContent({
          schemaVersion: '1',
          type: 'provider_notice',
          connectionId: regex(`^${CONNECTION_ID}$`, 'conn_1b4e28ba-2fa1-4d2b-883f-0016d3cca427'),
          provider: regex('^(fitbit|google_fit)$', 'fitbit'),
          retiresOn: regex('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', '2027-06-30'),
          replacement: 'google_health',
        }),
      )
      .executeTest(async (m) => {
        const { data, opens } = await notification(m);
        expect(opens).to.deep.equal({
          type: 'provider_notice',
          connectionId: data.connectionId,
          provider: data.provider,
          retiresOn: data.retiresOn,
          replacement: 'google_health',
        });
      });
  });

  it('opens the export of an export-ready notification, with when it expires', async () => {
    await pact
      .addAsynchronousInteraction()
      .expectsToReceive('a notification that a data export is ready', (b) =>
        b.withMetadata(asyncApi('ExportReady', VISIBLE)).withJSONContent({
          schemaVersion: '1',
          type: 'export_ready',
          jobId: regex(EXPORT_JOB_ID, 'export-job-5d3c2b1a-8e7f-4a6b-9c0d-1e2f3a4b5c6d'),
          expiresAt: datetime(ISO_TIMESTAMP, '2024-03-09T11:05:00.000Z'),
        }),
      )
      .executeTest(async (m) => {
        const { data, opens } = await notification(m);
        expect(opens).to.deep.equal({ type: 'export_ready', jobId: data.jobId, expiresAt: data.expiresAt });
      });
  });
});
