// The signed-in user through the SDK: getCurrentUser, getUserSettings, updateUserSettings (200,
// 409 `version_conflict` for a stale body version, 412 `precondition_failed` for a stale If-Match)
// and deleteCurrentUser, which answers 501 `not_implemented` until the deletion worker ships.
import { MatchersV3 } from '@pact-foundation/pact';
import { expect } from 'chai';
import {
  BEARER,
  ISO_TIMESTAMP,
  JSON_TYPE,
  PROBLEM_TYPE,
  SETTINGS_USER_ID,
  USER_ID,
  apiErrorOf,
  jsonMutationHeaders,
  mutationHeaders,
  newPact,
  problem,
  sdkFor,
} from './support.js';

const { datetime, like } = MatchersV3;

const UPDATE_SETTINGS_KEY = '8f9e4cb0-abcd-4e6f-b0d1-d3be9fa0c1e8';
const STALE_SETTINGS_VERSION_KEY = '9a0f5dc1-bcde-4f70-81e2-e4cf0ab1d2f9';
const STALE_SETTINGS_ETAG_KEY = 'ab1a6ed2-cdef-4081-92f3-f5d01bc2e30a';
const DELETE_USER_KEY = 'bc2b7fe3-def0-4192-a304-06e12cd3f41b';

const SETTINGS_V2 = {
  conflictResolutionStrategy: 'newest_wins' as const,
  timezone: 'America/New_York',
  unitSystem: 'metric' as const,
  locale: 'en-US',
};
const NEW_SETTINGS = {
  ...SETTINGS_V2,
  conflictResolutionStrategy: 'source_wins' as const,
  unitSystem: 'imperial' as const,
};

const SETTINGS_AT_VERSION_2 = {
  state: 'a user with settings at version N',
  params: { userId: SETTINGS_USER_ID, version: 2, settings: SETTINGS_V2 },
};

describe('syncwell-mobile-sdk → syncwell-api: users', () => {
  const pact = newPact();

  it('getCurrentUser reads the profile', async () => {
    await pact
      .addInteraction()
      .given('a signed-in user', { userId: USER_ID, tier: 'PRO' })
      .uponReceiving('a request for the signed-in user')
      .withRequest('GET', '/v1/users/me', (b) => b.headers({ Authorization: BEARER }))
      .willRespondWith(200, (b) =>
        b.headers({ 'Content-Type': JSON_TYPE }).jsonBody({
          userId: USER_ID,
          email: like('ada@example.org'),
          subscriptionLevel: 'PRO',
          createdAt: datetime(ISO_TIMESTAMP, '2024-02-11T09:28:00.000Z'),
          settings: like({ conflictResolutionStrategy: 'newest_wins', unitSystem: 'metric' }),
        }),
      )
      .executeTest(async (mockServer) => {
        const user = await sdkFor(mockServer.url).getCurrentUser();
        expect(user).to.include({ userId: USER_ID, subscriptionLevel: 'PRO' });
        expect(user.settings).to.include({ conflictResolutionStrategy: 'newest_wins' });
      });
  });

  it('getUserSettings reads the settings and their ETag', async () => {
    await pact
      .addInteraction()
      .given(SETTINGS_AT_VERSION_2.state, SETTINGS_AT_VERSION_2.params)
      .uponReceiving('a request for the user’s settings')
      .withRequest('GET', '/v1/users/me/settings', (b) => b.headers({ Authorization: BEARER }))
      .willRespondWith(200, (b) =>
        b.headers({ 'Content-Type': JSON_TYPE, ETag: '"2"' }).jsonBody({ settings: SETTINGS_V2, version: 2 }),
      )
      .executeTest(async (mockServer) => {
        const result = await sdkFor(mockServer.url).getUserSettings();
        expect(result).to.deep.equal({ data: { settings: SETTINGS_V2, version: 2 }, etag: '"2"' });
      });
  });

  it('updateUserSettings replaces the settings, naming their version in the body', async () => {
    await pact
      .addInteraction()
      .given(SETTINGS_AT_VERSION_2.state, SETTINGS_AT_VERSION_2.params)
      .uponReceiving('a request to replace the user’s settings at their current version')
      .withRequest('PUT', '/v1/users/me/settings', (b) =>
        b.headers(jsonMutationHeaders(UPDATE_SETTINGS_KEY)).jsonBody({ settings: NEW_SETTINGS, version: 2 }),
      )
      .willRespondWith(200, (b) =>
        b
          .headers({ 'Content-Type': JSON_TYPE, ETag: '"3"' })
          .jsonBody({ settings: NEW_SETTINGS, version: 3 }),
      )
      .executeTest(async (mockServer) => {
        const result = await sdkFor(mockServer.url).updateUserSettings(
          { settings: NEW_SETTINGS, version: 2 },
          { idempotencyKey: UPDATE_SETTINGS_KEY },
        );
        expect(result).to.deep.equal({ data: { settings: NEW_SETTINGS, version: 3 }, etag: '"3"' });
      });
  });

  it('updateUserSettings with a stale body version is version_conflict', async () => {
    await pact
      .addInteraction()
      .given(SETTINGS_AT_VERSION_2.state, SETTINGS_AT_VERSION_2.params)
      .uponReceiving('a request to replace the user’s settings at a stale version')
      .withRequest('PUT', '/v1/users/me/settings', (b) =>
        b
          .headers(jsonMutationHeaders(STALE_SETTINGS_VERSION_KEY))
          .jsonBody({ settings: NEW_SETTINGS, version: 1 }),
      )
      .willRespondWith(409, (b) =>
        b
          .headers({ 'Content-Type': PROBLEM_TYPE })
          .jsonBody(problem(409, 'version_conflict', 'Version conflict')),
      )
      .executeTest(async (mockServer) => {
        const failure = await apiErrorOf(
          sdkFor(mockServer.url).updateUserSettings(
            { settings: NEW_SETTINGS, version: 1 },
            { idempotencyKey: STALE_SETTINGS_VERSION_KEY },
          ),
        );
        expect(failure).to.include({ status: 409, code: 'version_conflict' });
      });
  });

  it('updateUserSettings with a stale If-Match is precondition_failed', async () => {
    await pact
      .addInteraction()
      .given(SETTINGS_AT_VERSION_2.state, SETTINGS_AT_VERSION_2.params)
      .uponReceiving('a request to replace the user’s settings with a stale If-Match')
      .withRequest('PUT', '/v1/users/me/settings', (b) =>
        b
          .headers(jsonMutationHeaders(STALE_SETTINGS_ETAG_KEY, { 'If-Match': '"1"' }))
          .jsonBody({ settings: NEW_SETTINGS }),
      )
      .willRespondWith(412, (b) =>
        b
          .headers({ 'Content-Type': PROBLEM_TYPE })
          .jsonBody(problem(412, 'precondition_failed', 'Precondition failed')),
      )
      .executeTest(async (mockServer) => {
        const failure = await apiErrorOf(
          sdkFor(mockServer.url).updateUserSettings(
            { settings: NEW_SETTINGS },
            { idempotencyKey: STALE_SETTINGS_ETAG_KEY, ifMatch: '"1"' },
          ),
        );
        expect(failure).to.include({ status: 412, code: 'precondition_failed' });
      });
  });

  it('deleteCurrentUser is not_implemented yet', async () => {
    await pact
      .addInteraction()
      .given('a signed-in user', { userId: USER_ID })
      .uponReceiving('a request to delete the account (not implemented yet)')
      .withRequest('DELETE', '/v1/users/me', (b) => b.headers(mutationHeaders(DELETE_USER_KEY)))
      .willRespondWith(501, (b) =>
        b
          .headers({ 'Content-Type': PROBLEM_TYPE })
          .jsonBody(problem(501, 'not_implemented', 'Not implemented yet')),
      )
      .executeTest(async (mockServer) => {
        const failure = await apiErrorOf(
          sdkFor(mockServer.url).deleteCurrentUser({ idempotencyKey: DELETE_USER_KEY }),
        );
        expect(failure).to.include({ status: 501, code: 'not_implemented' });
      });
  });
});
