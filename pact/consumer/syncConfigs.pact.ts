// Sync configurations through the SDK: list, create, get (200 and 404 for another user's config),
// update (200, 409 `version_conflict` for a stale body version, 412 `precondition_failed` for a
// stale If-Match: the app refetches on both) and delete.
import { MatchersV3 } from '@pact-foundation/pact';
import { expect } from 'chai';
import {
  BEARER,
  CONFIG_ID,
  CONFIG_USER_ID,
  CONNECTION_ID,
  DESTINATION_CONNECTION_ID,
  ISO_TIMESTAMP,
  JSON_TYPE,
  OTHER_USER_ID,
  PROBLEM_TYPE,
  SOURCE_CONNECTION_ID,
  TWO_ACTIVE_CONNECTIONS,
  apiErrorOf,
  jsonMutationHeaders,
  mutationHeaders,
  newPact,
  problem,
  sdkFor,
} from './support.js';

const { datetime, eachLike, regex } = MatchersV3;

const EXISTING_CONFIG_ID = 'cfg_0b6a5d2e-4c1f-4e8a-9b3d-7f2e1a0c9d84';
const FOREIGN_CONFIG_ID = 'cfg_4a3b2c1d-5e6f-4a7b-8c9d-0e1f2a3b4c5d';
const CREATED_CONFIG_ID = 'cfg_7e6d5c4b-3a29-4817-a6f5-e4d3c2b1a098';
const CREATE_CONFIG_KEY = '3a4f9d6b-5c7e-4f1a-8b8d-8e6f4a5b7c93';
const UPDATE_CONFIG_KEY = '4b5a0e7c-6d8f-4a2b-9c9e-9f7a5b6c8da4';
const STALE_VERSION_KEY = '5c6b1f8d-7e9a-4b3c-8dae-a08b6c7d9eb5';
const STALE_ETAG_KEY = '6d7c2a9e-8fab-4c4d-9ebf-b19c7d8eafc6';
const DELETE_CONFIG_KEY = '7e8d3baf-9abc-4d5e-afc0-c2ad8e9fb0d7';

/** CONFIG_USER_ID's workout config at version 3 (the state deletes and recreates it). */
const CONFIG_AT_VERSION_3 = {
  state: 'a user with a sync configuration',
  params: {
    userId: CONFIG_USER_ID,
    configId: EXISTING_CONFIG_ID,
    sourceConnectionId: SOURCE_CONNECTION_ID,
    destinationConnectionId: DESTINATION_CONNECTION_ID,
    dataType: 'workout',
    version: 3,
  },
};

const config = (fields: { configId: string; dataType: string; isEnabled: boolean; version: number }) => ({
  configId: regex(`^${CONFIG_ID}$`, fields.configId),
  sourceConnectionId: regex(`^${CONNECTION_ID}$`, SOURCE_CONNECTION_ID),
  destinationConnectionId: regex(`^${CONNECTION_ID}$`, DESTINATION_CONNECTION_ID),
  dataType: fields.dataType,
  conflictStrategy: 'newest_wins',
  isEnabled: fields.isEnabled,
  version: fields.version,
  createdAt: datetime(ISO_TIMESTAMP, '2024-02-12T18:10:00.000Z'),
  updatedAt: datetime(ISO_TIMESTAMP, '2024-03-01T08:00:00.000Z'),
});

const configValue = (fields: {
  configId: string;
  dataType: string;
  isEnabled: boolean;
  version: number;
}) => ({
  ...fields,
  sourceConnectionId: SOURCE_CONNECTION_ID,
  destinationConnectionId: DESTINATION_CONNECTION_ID,
  conflictStrategy: 'newest_wins',
  createdAt: '2024-02-12T18:10:00.000Z',
  updatedAt: '2024-03-01T08:00:00.000Z',
});

const existing = { configId: EXISTING_CONFIG_ID, dataType: 'workout', isEnabled: true, version: 3 };

describe('syncwell-mobile-sdk → syncwell-api: sync configurations', () => {
  const pact = newPact();

  it('listSyncConfigs lists the user’s configurations', async () => {
    await pact
      .addInteraction()
      .given(CONFIG_AT_VERSION_3.state, CONFIG_AT_VERSION_3.params)
      .uponReceiving('a request for the user’s sync configurations')
      .withRequest('GET', '/v1/sync-configs', (b) => b.headers({ Authorization: BEARER }))
      .willRespondWith(200, (b) =>
        b.headers({ 'Content-Type': JSON_TYPE }).jsonBody({ syncConfigs: eachLike(config(existing)) }),
      )
      .executeTest(async (mockServer) => {
        const { syncConfigs } = await sdkFor(mockServer.url).listSyncConfigs();
        expect(syncConfigs).to.deep.equal([configValue(existing)]);
      });
  });

  it('createSyncConfig creates a configuration at version 1', async () => {
    const request = {
      sourceConnectionId: SOURCE_CONNECTION_ID,
      destinationConnectionId: DESTINATION_CONNECTION_ID,
      dataType: 'steps' as const,
      conflictStrategy: 'newest_wins' as const,
      isEnabled: true,
    };
    const created = { configId: CREATED_CONFIG_ID, dataType: 'steps', isEnabled: true, version: 1 };
    await pact
      .addInteraction()
      .given(TWO_ACTIVE_CONNECTIONS.state, TWO_ACTIVE_CONNECTIONS.params)
      .uponReceiving('a request to create a sync configuration')
      .withRequest('POST', '/v1/sync-configs', (b) =>
        b.headers(jsonMutationHeaders(CREATE_CONFIG_KEY)).jsonBody(request),
      )
      .willRespondWith(201, (b) =>
        b
          .headers({
            'Content-Type': JSON_TYPE,
            ETag: '"1"',
            Location: regex(`^/v1/sync-configs/${CONFIG_ID}$`, `/v1/sync-configs/${CREATED_CONFIG_ID}`),
          })
          .jsonBody(config(created)),
      )
      .executeTest(async (mockServer) => {
        const result = await sdkFor(mockServer.url).createSyncConfig(request, {
          idempotencyKey: CREATE_CONFIG_KEY,
        });
        expect(result).to.deep.equal({ data: configValue(created), etag: '"1"' });
      });
  });

  it('getSyncConfig reads a configuration and its ETag', async () => {
    await pact
      .addInteraction()
      .given(CONFIG_AT_VERSION_3.state, CONFIG_AT_VERSION_3.params)
      .uponReceiving('a request for a sync configuration')
      .withRequest('GET', `/v1/sync-configs/${EXISTING_CONFIG_ID}`, (b) =>
        b.headers({ Authorization: BEARER }),
      )
      .willRespondWith(200, (b) =>
        b.headers({ 'Content-Type': JSON_TYPE, ETag: '"3"' }).jsonBody(config(existing)),
      )
      .executeTest(async (mockServer) => {
        const result = await sdkFor(mockServer.url).getSyncConfig(EXISTING_CONFIG_ID);
        expect(result).to.deep.equal({ data: configValue(existing), etag: '"3"' });
      });
  });

  it('getSyncConfig is not_found for another user’s configuration', async () => {
    await pact
      .addInteraction()
      .given('no sync configuration with this id exists for the user', {
        userId: CONFIG_USER_ID,
        configId: FOREIGN_CONFIG_ID,
        ownerUserId: OTHER_USER_ID,
      })
      .uponReceiving('a request for another user’s sync configuration')
      .withRequest('GET', `/v1/sync-configs/${FOREIGN_CONFIG_ID}`, (b) =>
        b.headers({ Authorization: BEARER }),
      )
      .willRespondWith(404, (b) =>
        b.headers({ 'Content-Type': PROBLEM_TYPE }).jsonBody(problem(404, 'not_found', 'Not Found')),
      )
      .executeTest(async (mockServer) => {
        const failure = await apiErrorOf(sdkFor(mockServer.url).getSyncConfig(FOREIGN_CONFIG_ID));
        expect(failure).to.include({ status: 404, code: 'not_found' });
      });
  });

  it('updateSyncConfig pauses a configuration, naming its version in the body', async () => {
    const paused = { ...existing, isEnabled: false, version: 4 };
    await pact
      .addInteraction()
      .given(CONFIG_AT_VERSION_3.state, CONFIG_AT_VERSION_3.params)
      .uponReceiving('a request to pause a sync configuration at its current version')
      .withRequest('PATCH', `/v1/sync-configs/${EXISTING_CONFIG_ID}`, (b) =>
        b.headers(jsonMutationHeaders(UPDATE_CONFIG_KEY)).jsonBody({ isEnabled: false, version: 3 }),
      )
      .willRespondWith(200, (b) =>
        b.headers({ 'Content-Type': JSON_TYPE, ETag: '"4"' }).jsonBody(config(paused)),
      )
      .executeTest(async (mockServer) => {
        const result = await sdkFor(mockServer.url).updateSyncConfig(
          EXISTING_CONFIG_ID,
          { isEnabled: false, version: 3 },
          { idempotencyKey: UPDATE_CONFIG_KEY },
        );
        expect(result).to.deep.equal({ data: configValue(paused), etag: '"4"' });
      });
  });

  it('updateSyncConfig with a stale body version is version_conflict', async () => {
    await pact
      .addInteraction()
      .given(CONFIG_AT_VERSION_3.state, CONFIG_AT_VERSION_3.params)
      .uponReceiving('a request to pause a sync configuration at a stale version')
      .withRequest('PATCH', `/v1/sync-configs/${EXISTING_CONFIG_ID}`, (b) =>
        b.headers(jsonMutationHeaders(STALE_VERSION_KEY)).jsonBody({ isEnabled: false, version: 2 }),
      )
      .willRespondWith(409, (b) =>
        b
          .headers({ 'Content-Type': PROBLEM_TYPE })
          .jsonBody(problem(409, 'version_conflict', 'Version conflict')),
      )
      .executeTest(async (mockServer) => {
        const failure = await apiErrorOf(
          sdkFor(mockServer.url).updateSyncConfig(
            EXISTING_CONFIG_ID,
            { isEnabled: false, version: 2 },
            { idempotencyKey: STALE_VERSION_KEY },
          ),
        );
        expect(failure).to.include({ status: 409, code: 'version_conflict' });
      });
  });

  it('updateSyncConfig with a stale If-Match is precondition_failed', async () => {
    await pact
      .addInteraction()
      .given(CONFIG_AT_VERSION_3.state, CONFIG_AT_VERSION_3.params)
      .uponReceiving('a request to change a sync configuration with a stale If-Match')
      .withRequest('PATCH', `/v1/sync-configs/${EXISTING_CONFIG_ID}`, (b) =>
        b
          .headers(jsonMutationHeaders(STALE_ETAG_KEY, { 'If-Match': '"2"' }))
          .jsonBody({ conflictStrategy: 'source_wins' }),
      )
      .willRespondWith(412, (b) =>
        b
          .headers({ 'Content-Type': PROBLEM_TYPE })
          .jsonBody(problem(412, 'precondition_failed', 'Precondition failed')),
      )
      .executeTest(async (mockServer) => {
        const failure = await apiErrorOf(
          sdkFor(mockServer.url).updateSyncConfig(
            EXISTING_CONFIG_ID,
            { conflictStrategy: 'source_wins' },
            { idempotencyKey: STALE_ETAG_KEY, ifMatch: '"2"' },
          ),
        );
        expect(failure).to.include({ status: 412, code: 'precondition_failed' });
      });
  });

  it('deleteSyncConfig deletes a configuration', async () => {
    await pact
      .addInteraction()
      .given(CONFIG_AT_VERSION_3.state, CONFIG_AT_VERSION_3.params)
      .uponReceiving('a request to delete a sync configuration')
      .withRequest('DELETE', `/v1/sync-configs/${EXISTING_CONFIG_ID}`, (b) =>
        b.headers(mutationHeaders(DELETE_CONFIG_KEY)),
      )
      .willRespondWith(204)
      .executeTest(async (mockServer) => {
        const result = await sdkFor(mockServer.url).deleteSyncConfig(EXISTING_CONFIG_ID, {
          idempotencyKey: DELETE_CONFIG_KEY,
        });
        expect(result).to.equal(undefined);
      });
  });
});
