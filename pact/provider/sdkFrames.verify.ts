// Message pact, provider side for the SDK: the frames the API's WebSocket lane expects from the app
// (pact/consumer/socketFrames.pact.ts) are the frames the real SDK client sends. Each is taken from
// createSyncSocket over an in-memory socket (pact/socketPeer.ts), through the app's calls:
// requestSync, subscribeJob and the function that ends a subscription.
import { Verifier, providerWithMetadata, type MessageProvider } from '@pact-foundation/pact';
import { asyncApi } from '../messageMetadata.js';
import { CONSUMER, SOCKET_FRAMES_PACT_FILE, disablePactTracking } from '../pactFiles.js';
import { socketPeer } from '../socketPeer.js';

const JOB_ID = 'job_0c7c6b3a-52f4-4d0b-9f1e-2a3b4c5d6e7f';

/** The `index`-th frame the SDK sends after `act`, then the client closed. */
async function sentBy(act: (peer: ReturnType<typeof socketPeer>) => void, index = 0): Promise<unknown> {
  const peer = socketPeer();
  try {
    act(peer);
    return (await peer.sentFrames(index + 1))[index];
  } finally {
    await peer.close();
  }
}

const frames: Record<string, { names: Record<string, string>; produce: () => Promise<unknown> }> = {
  'a sync request frame': {
    names: asyncApi('SyncRequestFrame', 'syncSocket'),
    produce: () =>
      sentBy(({ socket }) => {
        socket
          .requestSync({
            sourceConnectionId: 'conn_7c9e6679-7425-40de-944b-e07fc1f90ae7',
            destinationConnectionId: 'conn_1b4e28ba-2fa1-4d2b-883f-0016d3cca427',
            dataType: 'workout',
          })
          .catch(() => undefined); // rejected by close(): only the frame matters here
      }),
  },
  'a job subscription frame': {
    names: asyncApi('SubscribeJobFrame', 'syncSocket'),
    produce: () => sentBy(({ socket }) => socket.subscribeJob(JOB_ID, () => undefined)),
  },
  // Sent when the app's last listener of the job stops (the socket is open by then).
  'a job unsubscription frame': {
    names: asyncApi('UnsubscribeJobFrame', 'syncSocket'),
    produce: async () => {
      const peer = socketPeer();
      try {
        const stop = peer.socket.subscribeJob(JOB_ID, () => undefined);
        await peer.sentFrames(1);
        stop();
        return (await peer.sentFrames(2))[1];
      } finally {
        await peer.close();
      }
    },
  },
};

describe(`${CONSUMER} produces the socket frames the API expects`, () => {
  disablePactTracking();

  it('syncwell-api: every frame', async function () {
    this.timeout(60_000);
    await new Verifier({
      provider: CONSUMER,
      pactUrls: [SOCKET_FRAMES_PACT_FILE],
      logLevel: 'warn',
      messageProviders: Object.fromEntries(
        Object.entries(frames).map(([description, { names, produce }]): [string, MessageProvider] => [
          description,
          providerWithMetadata(produce, names),
        ]),
      ),
    }).verifyProvider();
  });
});
