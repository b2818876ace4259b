// Message pact on the userDeletion queue: the worker's account deletion consumer
// (core/account/accountDeletion.ts) and what DELETE /v1/users/me puts there. The consumer side
// parses the body with the message runtime, as the consumer does; pact/provider/messages.verify.ts
// checks that the API's builder produces it. The message carries only who and when: the deletion
// itself is the tombstone the API wrote first.
// Runs after hotPathMessages.pact.ts, which starts the worker's pact file afresh; this file adds to it.
import { MatchersV3, PactV4 } from '@pact-foundation/pact';
import { expect } from 'chai';
import { parseMessage } from '../../core/messaging/messageCodec.js';
import { asyncApi } from '../messageMetadata.js';
import { disablePactTracking, PACT_DIR, PROVIDER, WORKER_CONSUMER } from '../pactFiles.js';

const { like, datetime } = MatchersV3;
const ISO = "yyyy-MM-dd'T'HH:mm:ss.SSSX";

describe(`${WORKER_CONSUMER} ← ${PROVIDER}: account deletions`, () => {
  disablePactTracking();
  const pact = new PactV4({ consumer: WORKER_CONSUMER, provider: PROVIDER, dir: PACT_DIR, logLevel: 'warn' });

  it('consumes a UserDeletionRequested', async () => {
    await pact
      .addAsynchronousInteraction()
      .expectsToReceive('a request to delete an account', (b) =>
        b.withMetadata(asyncApi('UserDeletionRequested', 'userDeletion')).withJSONContent({
          schemaVersion: 1,
          userId: like('8fJ2kQ1xYbTz0pWc3nLd5RaVh7U2'),
          requestedAt: datetime(ISO, '2024-03-02T10:00:00.000Z'),
        }),
      )
      .executeTest(async (m) => {
        const request = parseMessage('userDeletion', JSON.stringify(m.contents.content));
        expect(request.userId).to.equal('8fJ2kQ1xYbTz0pWc3nLd5RaVh7U2');
        expect(Number.isFinite(Date.parse(request.requestedAt))).to.equal(true);
      });
  });
});
