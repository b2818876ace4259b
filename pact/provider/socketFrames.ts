// The API's side of the socket-frame pact with the SDK: each frame the SDK's pact expects, built by
// the WebSocket lane's own code. A SocketSession (the only writer of frames: it validates every frame
// against its AsyncAPI message before it is written) is given a socket that records instead of
// sending; the JobStatusFrame/SyncResultFrame builders take the updates the lane derives from a
// JobStatusChanged (updateFromChange) and from a JOB item (updateFromRecord), and the ErrorFrame
// carries the problem the HTTP API would answer (toProblem). api.verify.ts passes these to the
// Verifier beside the HTTP interactions of the same pact file.
import { providerWithMetadata, type MessageProvider } from '@pact-foundation/pact';
import type { WebSocket } from 'ws';
import { createLogger } from '../../core/logging/logger.js';
import { connectionNotFound } from '../../server/handlers/connections.js';
import { toProblem } from '../../server/http/problem.js';
import { updateFromChange } from '../../server/ws/jobUpdateDelivery.js';
import { SocketSession } from '../../server/ws/socketSession.js';
import { WS_PATH } from '../../server/ws/upgrade.js';
import { clock } from '../../core/clock/clock.js';
import { asyncApi } from '../messageMetadata.js';

const JOB_ID = 'job_0c7c6b3a-52f4-4d0b-9f1e-2a3b4c5d6e7f';
const REQUEST_ID = '6f1d2c3b-4a5e-4f60-9a7b-8c9d0e1f2a3b';

/** A session of the lane over a socket that keeps what would be written. */
function recordingSession(): { session: SocketSession; written: () => unknown } {
  const sent: string[] = [];
  const socket = {
    OPEN: 1,
    readyState: 1,
    bufferedAmount: 0,
    send: (text: string) => sent.push(text),
    close: () => undefined,
    terminate: () => undefined,
    on: () => socket,
  };
  const session = new SocketSession(
    socket as unknown as WebSocket,
    { userId: 'pact-user-1', email: null, tier: 'PRO', role: 'user', kid: 'pact' },
    clock.now() + 3_600_000,
    {
      maxBufferedBytes: 1_048_576,
      maxJobs: 50,
      closeGraceMs: 5000,
      logger: createLogger({ level: 'silent', service: 'pact-socket' }),
      stats: { framesSent: 0, slowConsumers: 0 },
    },
  );
  return {
    session,
    written: () => {
      if (sent.length !== 1) throw new Error(`the session wrote ${sent.length} frames, not 1`);
      return JSON.parse(sent[0]!);
    },
  };
}

/** The same update a JobStatusChanged relayed over Redis becomes in the lane. */
const relayed = (
  change: Omit<Parameters<typeof updateFromChange>[0], 'schemaVersion' | 'userId' | 'changedAt'>,
) =>
  updateFromChange({
    schemaVersion: 1,
    userId: 'pact-user-1',
    changedAt: clock.date().toISOString(),
    ...change,
  });

const frames: Record<string, { names: Record<string, string>; build: () => unknown }> = {
  // SyncRequests.handle: the job is created and the request answered at once.
  'a job status frame answering a sync request': {
    names: asyncApi('JobStatusFrame', 'syncSocket'),
    build: () => {
      const { session, written } = recordingSession();
      session.sendStatus({ jobId: JOB_ID, status: 'QUEUED' }, REQUEST_ID);
      return written();
    },
  },
  'a sync result frame of a succeeded sync': {
    names: asyncApi('SyncResultFrame', 'syncSocket'),
    build: () => {
      const { session, written } = recordingSession();
      session.sendResult(
        REQUEST_ID,
        relayed({ jobId: JOB_ID, status: 'SUCCEEDED', recordsWritten: 3, recordsSkipped: 1 }),
        null,
      );
      return written();
    },
  },
  // JobUpdateDelivery: a failed job's result carries the error of its JOB item.
  'a sync result frame of a failed sync': {
    names: asyncApi('SyncResultFrame', 'syncSocket'),
    build: () => {
      const { session, written } = recordingSession();
      session.sendResult(
        REQUEST_ID,
        relayed({ jobId: JOB_ID, status: 'FAILED', errorCode: 'destination_auth_revoked', retryable: false }),
        {
          code: 'destination_auth_revoked',
          message: 'Strava rejected the stored credentials; reconnect Strava.',
        },
      );
      return written();
    },
  },
  'a job status update of a followed job that succeeded': {
    names: asyncApi('JobStatusFrame', 'syncSocket'),
    build: () => {
      const { session, written } = recordingSession();
      session.sendStatus(
        relayed({ jobId: JOB_ID, status: 'SUCCEEDED', recordsWritten: 3, recordsSkipped: 1 }),
      );
      return written();
    },
  },
  'a job status update of a followed job whose attempt will be retried': {
    names: asyncApi('JobStatusFrame', 'syncSocket'),
    build: () => {
      const { session, written } = recordingSession();
      session.sendStatus(
        relayed({ jobId: JOB_ID, status: 'RUNNING', errorCode: 'provider_unavailable', retryable: true }),
      );
      return written();
    },
  },
  // WebSocketLane.background: a refused request frame gets the HTTP API's problem, with its requestId.
  'an error frame refusing a sync request between connections the user does not have': {
    names: asyncApi('ErrorFrame', 'syncSocket'),
    build: () => {
      const { session, written } = recordingSession();
      const problem = toProblem(
        connectionNotFound('conn_7c9e6679-7425-40de-944b-e07fc1f90ae7'),
        WS_PATH,
        '0f6f7d2e-3a4b-4c5d-8e9f-0a1b2c3d4e5f',
      );
      session.sendProblem(problem.body, { requestId: REQUEST_ID });
      return written();
    },
  },
};

/** Message providers for the socket frames of the SDK's pact, each naming its AsyncAPI message. */
export const socketFrameProviders: Record<string, MessageProvider> = Object.fromEntries(
  Object.entries(frames).map(([description, { names, build }]) => [
    description,
    providerWithMetadata(async () => build(), names),
  ]),
);
