// Operations the API answers 501 `not_implemented` today: none since data exports shipped (their
// interactions are in exports.pact.ts). The pact records that behaviour (the app shows "not
// available yet" on an ApiError with that code); when an operation ships, its interaction here is
// replaced by the real one (see pact/README.md). getHealth lives here too: it is the one call that
// needs no stored data.
import { expect } from 'chai';
import type { SyncWellClient } from '../../client-sdk/dist/index.js';
import { JSON_TYPE, PROBLEM_TYPE, SIGNED_IN, apiErrorOf, newPact, problem, sdkFor } from './support.js';

type Unconfigured = ReturnType<ReturnType<typeof newPact>['addInteraction']>;

interface PendingCase {
  operation: string;
  description: string;
  request: (i: Unconfigured) => ReturnType<Unconfigured['withRequest']>;
  call: (sdk: SyncWellClient) => Promise<unknown>;
}

const PENDING: PendingCase[] = [];

describe('syncwell-mobile-sdk → syncwell-api: operations not implemented yet, and health', () => {
  const pact = newPact();

  for (const pending of PENDING)
    it(`${pending.operation} is not_implemented yet`, async () => {
      await pending
        .request(
          pact.addInteraction().given(SIGNED_IN.state, SIGNED_IN.params).uponReceiving(pending.description),
        )
        .willRespondWith(501, (b) =>
          b
            .headers({ 'Content-Type': PROBLEM_TYPE })
            .jsonBody(problem(501, 'not_implemented', 'Not implemented yet')),
        )
        .executeTest(async (mockServer) => {
          const failure = await apiErrorOf(pending.call(sdkFor(mockServer.url)));
          expect(failure).to.include({ status: 501, code: 'not_implemented' });
        });
    });

  it('getHealth says the API is alive', async () => {
    await pact
      .addInteraction()
      .given(SIGNED_IN.state, SIGNED_IN.params)
      .uponReceiving('a liveness probe')
      .withRequest('GET', '/healthz')
      .willRespondWith(200, (b) => b.headers({ 'Content-Type': JSON_TYPE }).jsonBody({ status: 'ok' }))
      .executeTest(async (mockServer) => {
        expect(await sdkFor(mockServer.url).getHealth()).to.deep.equal({ status: 'ok' });
      });
  });
});
