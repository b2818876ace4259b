// Message pacts for the sync socket (AsyncAPI channel `syncSocket`, GET /v1/ws), both directions:
//   syncwell-mobile-sdk ← syncwell-api   the frames the SDK relies on (JobStatusFrame, SyncResultFrame,
//                                        ErrorFrame), in the SDK's pact beside its HTTP interactions.
//                                        Each expected frame goes through the real SDK client (over an
//                                        in-memory socket) and the test asserts what the app gets.
//   syncwell-api ← syncwell-mobile-sdk   the frames the SDK sends (SyncRequestFrame, SubscribeJobFrame,
//                                        UnsubscribeJobFrame), each run through the API's own frame
//                                        parser (routing on `action` and the AsyncAPI schema).
// The provider sides: pact/provider/api.verify.ts builds the server frames with the lane's own
// SocketSession; pact/provider/sdkFrames.verify.ts takes the SDK's frames from the SDK itself.
import { rm } from 'node:fs/promises';
import { MatchersV3, PactV4 } from '@pact-foundation/pact';
import { expect } from 'chai';
import { ApiError, type JobStatusFrame } from '../../client-sdk/dist/index.js';
import { parseClientFrame } from '../../server/ws/frames.js';
import { asyncApi } from '../messageMetadata.js';
import { CONSUMER, PACT_DIR, PROVIDER, SOCKET_FRAMES_PACT_FILE, disablePactTracking } from '../pactFiles.js';
import { socketPeer } from '../socketPeer.js';
import { CONNECTION_ID, JOB_ID, UUID_V4, newPact } from './support.js';

const { like, regex, integer } = MatchersV3;

const SOCKET = 'syncSocket';
const STATUS = '^(QUEUED|RUNNING|WAITING_FOR_DEVICE|SUCCEEDED|FAILED)$';
const EXAMPLE_JOB = 'job_3f2b8c1e-9d4a-4b7e-8c2a-1f0e9d8c7b6a';
const SOURCE = 'conn_7c9e6679-7425-40de-944b-e07fc1f90ae7';
const DESTINATION = 'conn_1b4e28ba-2fa1-4d2b-883f-0016d3cca427';
const REQUEST_ID = '5b2d9c1e-7a4f-4e8b-9c3d-1f0a2b3c4d5e';
const syncRequest = {
  sourceConnectionId: SOURCE,
  destinationConnectionId: DESTINATION,
  dataType: 'workout',
} as const;

/** The frame as the pact hands it over (matchers resolved to their examples). */
type Received = { contents: { content: unknown } };
const content = <T>(m: Received) => m.contents.content as T;

describe(`${CONSUMER} ← ${PROVIDER}: sync socket frames`, () => {
  disablePactTracking();
  const pact = newPact();

  it('takes the QUEUED job status answering a sync request as its first status', async () => {
    await pact
      .addAsynchronousInteraction()
      .expectsToReceive('a job status frame answering a sync request', (b) =>
        b.withMetadata(asyncApi('JobStatusFrame', SOCKET)).withJSONContent({
          schemaVersion: 1,
          type: 'job_status',
          requestId: like(REQUEST_ID),
          jobId: regex(`^${JOB_ID}$`, EXAMPLE_JOB),
          status: 'QUEUED',
        }),
      )
      .executeTest(async (m) => {
        const frame = content<JobStatusFrame>(m);
        const peer = socketPeer();
        const statuses: JobStatusFrame[] = [];
        const result = peer.socket.requestSync(syncRequest, {
          requestId: frame.requestId!,
          onStatus: (f) => statuses.push(f),
        });
        await peer.sentFrames(1);
        peer.deliver(frame);
        expect(statuses).to.deep.equal([frame]);
        await peer.close();
        expect(await result.catch((error: unknown) => error)).to.include({ reason: 'closed' });
      });
  });

  it('resolves requestSync with the result frame of a succeeded sync', async () => {
    await pact
      .addAsynchronousInteraction()
      .expectsToReceive('a sync result frame of a succeeded sync', (b) =>
        b.withMetadata(asyncApi('SyncResultFrame', SOCKET)).withJSONContent({
          schemaVersion: 1,
          type: 'sync_result',
          requestId: like(REQUEST_ID),
          jobId: regex(`^${JOB_ID}$`, EXAMPLE_JOB),
          status: 'SUCCEEDED',
          recordsWritten: integer(3),
          error: null,
        }),
      )
      .executeTest(async (m) => {
        const frame = content<{ requestId: string; jobId: string }>(m);
        const peer = socketPeer();
        const result = peer.socket.requestSync(syncRequest, { requestId: frame.requestId });
        await peer.sentFrames(1);
        peer.deliver(frame);
        expect(await result).to.deep.equal(frame);
        await peer.close();
      });
  });

  it('resolves requestSync with the result frame of a failed sync, with its error', async () => {
    await pact
      .addAsynchronousInteraction()
      .expectsToReceive('a sync result frame of a failed sync', (b) =>
        b.withMetadata(asyncApi('SyncResultFrame', SOCKET)).withJSONContent({
          schemaVersion: 1,
          type: 'sync_result',
          requestId: like(REQUEST_ID),
          jobId: regex(`^${JOB_ID}$`, EXAMPLE_JOB),
          status: 'FAILED',
          recordsWritten: integer(0),
          error: {
            code: regex('^[a-z][a-z0-9_]*$', 'destination_auth_revoked'),
            message: like('Strava rejected the stored credentials; reconnect Strava.'),
          },
        }),
      )
      .executeTest(async (m) => {
        const frame = content<{ requestId: string }>(m);
        const peer = socketPeer();
        const result = peer.socket.requestSync(syncRequest, { requestId: frame.requestId });
        await peer.sentFrames(1);
        peer.deliver(frame);
        const outcome = await result;
        expect(outcome.status).to.equal('FAILED');
        expect(outcome.error?.code).to.match(/^[a-z][a-z0-9_]*$/);
        await peer.close();
      });
  });

  it('passes a followed job’s final status update to the subscriber and stops following it', async () => {
    await pact
      .addAsynchronousInteraction()
      .expectsToReceive('a job status update of a followed job that succeeded', (b) =>
        b.withMetadata(asyncApi('JobStatusFrame', SOCKET)).withJSONContent({
          schemaVersion: 1,
          type: 'job_status',
          jobId: regex(`^${JOB_ID}$`, EXAMPLE_JOB),
          status: 'SUCCEEDED',
          recordsWritten: integer(3),
          recordsSkipped: integer(1),
        }),
      )
      .executeTest(async (m) => {
        const frame = content<JobStatusFrame>(m);
        const peer = socketPeer();
        const received: JobStatusFrame[] = [];
        peer.socket.subscribeJob(frame.jobId, (f) => received.push(f));
        await peer.sentFrames(1);
        peer.deliver(frame);
        // Final: delivered once, and the job is no longer followed (a repeat reaches nobody).
        peer.deliver(frame);
        expect(received).to.deep.equal([frame]);
        await peer.close();
      });
  });

  it('passes a retried attempt’s status update to the subscriber', async () => {
    await pact
      .addAsynchronousInteraction()
      .expectsToReceive('a job status update of a followed job whose attempt will be retried', (b) =>
        b.withMetadata(asyncApi('JobStatusFrame', SOCKET)).withJSONContent({
          schemaVersion: 1,
          type: 'job_status',
          jobId: regex(`^${JOB_ID}$`, EXAMPLE_JOB),
          status: regex(STATUS, 'RUNNING'),
          errorCode: regex('^[a-z][a-z0-9_]*$', 'provider_unavailable'),
          retryable: true,
        }),
      )
      .executeTest(async (m) => {
        const frame = content<JobStatusFrame>(m);
        const peer = socketPeer();
        const received: JobStatusFrame[] = [];
        peer.socket.subscribeJob(frame.jobId, (f) => received.push(f));
        await peer.sentFrames(1);
        peer.deliver(frame);
        expect(received).to.deep.equal([frame]);
        expect(received[0]).to.include({ retryable: true });
        await peer.close();
      });
  });

  it('rejects requestSync with the ApiError of the problem an error frame carries', async () => {
    await pact
      .addAsynchronousInteraction()
      .expectsToReceive(
        'an error frame refusing a sync request between connections the user does not have',
        (b) =>
          b.withMetadata(asyncApi('ErrorFrame', SOCKET)).withJSONContent({
            schemaVersion: 1,
            type: 'error',
            requestId: like(REQUEST_ID),
            problem: {
              type: like('https://api.syncwell.example/problems/connection_not_found'),
              title: like('Connection not found'),
              status: 404,
              detail: like('No connection with that id exists for this user.'),
              code: 'connection_not_found',
              instance: '/v1/ws',
              correlationId: like('9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d'),
            },
          }),
      )
      .executeTest(async (m) => {
        const frame = content<{ requestId: string }>(m);
        const peer = socketPeer();
        const result = peer.socket.requestSync(syncRequest, { requestId: frame.requestId });
        await peer.sentFrames(1);
        peer.deliver(frame);
        const error = await result.catch((e: unknown) => e);
        expect(error).to.be.instanceOf(ApiError);
        expect(error).to.include({ status: 404, code: 'connection_not_found' });
        // The socket stays open for the next request.
        expect(peer.socket.state).to.equal('open');
        await peer.close();
      });
  });
});

describe(`${PROVIDER} ← ${CONSUMER}: sync socket frames`, () => {
  disablePactTracking();
  // Pact merges into an existing file: start from nothing so removed interactions disappear.
  before(() => rm(SOCKET_FRAMES_PACT_FILE, { force: true }));
  const pact = new PactV4({ consumer: PROVIDER, provider: CONSUMER, dir: PACT_DIR, logLevel: 'warn' });

  /** The lane's own parser: routed on `action`, validated against the AsyncAPI message. */
  const parsed = (m: Received) => {
    const frame = content<unknown>(m);
    const result = parseClientFrame(Buffer.from(JSON.stringify(frame)), false);
    expect(result.ok, JSON.stringify(result)).to.equal(true);
    return { frame, result: result as Extract<typeof result, { ok: true }> };
  };

  it('routes a sync request frame to the sync handler', async () => {
    await pact
      .addAsynchronousInteraction()
      .expectsToReceive('a sync request frame', (b) =>
        b.withMetadata(asyncApi('SyncRequestFrame', SOCKET)).withJSONContent({
          schemaVersion: 1,
          action: 'sync',
          requestId: regex(`^${UUID_V4}$`, REQUEST_ID),
          sourceConnectionId: regex(`^${CONNECTION_ID}$`, SOURCE),
          destinationConnectionId: regex(`^${CONNECTION_ID}$`, DESTINATION),
          dataType: regex('^(workout|sleep_session|steps|weight)$', 'workout'),
        }),
      )
      .executeTest(async (m) => {
        const { frame, result } = parsed(m);
        expect(result.frame).to.deep.equal(frame);
        expect(result.frame.action).to.equal('sync');
      });
  });

  it('routes a job subscription frame to the subscriptions', async () => {
    await pact
      .addAsynchronousInteraction()
      .expectsToReceive('a job subscription frame', (b) =>
        b.withMetadata(asyncApi('SubscribeJobFrame', SOCKET)).withJSONContent({
          schemaVersion: 1,
          action: 'subscribe_job',
          requestId: regex(`^${UUID_V4}$`, '0d9c8b7a-6f5e-4d3c-8b2a-1f0e9d8c7b6a'),
          jobId: regex(`^${JOB_ID}$`, EXAMPLE_JOB),
        }),
      )
      .executeTest(async (m) => {
        const { frame, result } = parsed(m);
        expect(result.frame).to.deep.equal(frame);
        expect(result.frame.action).to.equal('subscribe_job');
      });
  });

  it('routes a job unsubscription frame to the subscriptions', async () => {
    await pact
      .addAsynchronousInteraction()
      .expectsToReceive('a job unsubscription frame', (b) =>
        b.withMetadata(asyncApi('UnsubscribeJobFrame', SOCKET)).withJSONContent({
          schemaVersion: 1,
          action: 'unsubscribe_job',
          jobId: regex(`^${JOB_ID}$`, EXAMPLE_JOB),
        }),
      )
      .executeTest(async (m) => {
        const { frame, result } = parsed(m);
        expect(result.frame).to.deep.equal(frame);
        expect(result.frame.action).to.equal('unsubscribe_job');
      });
  });
});
