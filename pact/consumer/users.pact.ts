// The signed-in user through the SDK: getCurrentUser, getUserSettings, updateUserSettings (200,
// 409 `version_conflict` for a stale body version, 412 `precondition_failed` for a stale If-Match),
// deleteCurrentUser (202, the deletion runs in the worker) and what a deleted account's still-valid
// token gets afterwards (410 `account_deleted`). The deletions use users of their own, so no other
// interaction meets a deleted account.
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
/** Deletes its account in the deleteCurrentUser interaction (every verification run again: still 202). */
const DELETING_USER_ID = 'Dl3tE9mRq2Wz7Yx4Nc8Vb1Kj5Hs6';
/** An account deleted before the interaction. */
const DELETED_USER_ID = 'Gn5vQ8wZ1xC4bN7mL2kJ9hF6dS3a';

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

  it('deleteCurrentUser accepts the deletion at once', async () => {
    await pact
      .addInteraction()
      .given('a signed-in user', { userId: DELETING_USER_ID })
      .uponReceiving('a request to delete the account')
      .withRequest('DELETE', '/v1/users/me', (b) => b.headers(mutationHeaders(DELETE_USER_KEY)))
      .willRespondWith(202, (b) =>
        b.headers({ 'Content-Type': JSON_TYPE }).jsonBody({
          status: 'PENDING',
          requestedAt: datetime(ISO_TIMESTAMP, '2024-03-02T10:00:00.000Z'),
        }),
      )
      .executeTest(async (mockServer) => {
        const accepted = await sdkFor(mockServer.url).deleteCurrentUser({ idempotencyKey: DELETE_USER_KEY });
        expect(accepted).to.deep.equal({ status: 'PENDING', requestedAt: '2024-03-02T10:00:00.000Z' });
      });
  });

  it('a deleted account gets account_deleted, whatever its token asks', async () => {
    await pact
      .addInteraction()
      .given('a deleted account', { userId: DELETED_USER_ID })
      .uponReceiving('a request for the signed-in user of a deleted account')
      .withRequest('GET', '/v1/users/me', (b) => b.headers({ Authorization: BEARER }))
      .willRespondWith(410, (b) =>
        b
          .headers({ 'Content-Type': PROBLEM_TYPE })
          .jsonBody(problem(410, 'account_deleted', 'Account deleted')),
      )
      .executeTest(async (mockServer) => {
        const failure = await apiErrorOf(sdkFor(mockServer.url).getCurrentUser());
        expect(failure).to.include({ status: 410, code: 'account_deleted' });
      });
  });
});
