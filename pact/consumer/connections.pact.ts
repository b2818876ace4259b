// Connections through the SDK: listConnections, deleteConnection (204 and 404 for another user's
// connection), and the OAuth pair: createConnection (201 with the authorization URL) and
// completeOAuth (200 for a pending authorization, 404 for an unknown or spent state).
import { MatchersV3 } from '@pact-foundation/pact';
import { expect } from 'chai';
import {
  BEARER,
  CONNECTION_ID,
  ISO_TIMESTAMP,
  JSON_TYPE,
  OTHER_USER_ID,
  PROBLEM_TYPE,
  SIGNED_IN,
  SOURCE_CONNECTION_ID,
  TWO_ACTIVE_CONNECTIONS,
  USER_ID,
  apiErrorOf,
  jsonMutationHeaders,
  mutationHeaders,
  newPact,
  problem,
  sdkFor,
} from './support.js';

const { datetime, eachLike, like, regex } = MatchersV3;

const DISCONNECTED_CONNECTION_ID = 'conn_a8098c1a-f86e-41d0-a9b6-0f3c2d5e7b91';
const FOREIGN_CONNECTION_ID = 'conn_2d7f4b9e-6c1a-4f3b-8e5d-9a0c1b2d3e4f';
const DELETE_CONNECTION_KEY = '0d1c6a3e-2f4b-4c8d-9e7a-5b3c1d2e4f60';
const DELETE_FOREIGN_CONNECTION_KEY = '1e2d7b4f-3a5c-4d9e-8f6b-6c4d2e3f5a71';
const CREATE_CONNECTION_KEY = '2f3e8c5a-4b6d-4e0f-9a7c-7d5e3f4a6b82';
const OAUTH_STATE = '0f8fad5b-d9cb-469f-a165-70867728950e';
const OAUTH_CODE = '3c1a0f4e8b2d7c6a5f9e';

const PENDING_CONNECTION_ID = 'conn_5b7d9f1e-3c2a-4e6b-8d0f-1a2b3c4d5e6f';
const UNKNOWN_STATE = '9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b';
const UUID = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';

describe('syncwell-mobile-sdk → syncwell-api: connections', () => {
  const pact = newPact();

  it('listConnections lists the user’s connections', async () => {
    await pact
      .addInteraction()
      .given(TWO_ACTIVE_CONNECTIONS.state, TWO_ACTIVE_CONNECTIONS.params)
      .uponReceiving('a request for the user’s connections')
      .withRequest('GET', '/v1/connections', (b) => b.headers({ Authorization: BEARER }))
      .willRespondWith(200, (b) =>
        b.headers({ 'Content-Type': JSON_TYPE }).jsonBody({
          connections: eachLike({
            connectionId: regex(`^${CONNECTION_ID}$`, SOURCE_CONNECTION_ID),
            provider: like('fitbit'),
            displayName: like('Fitbit'),
            providerIconUrl: regex('^https?://\\S+$', 'https://cdn.syncwell.example/icons/fitbit.png'),
            status: 'active',
            createdAt: datetime(ISO_TIMESTAMP, '2024-02-11T09:30:00.000Z'),
          }),
        }),
      )
      .executeTest(async (mockServer) => {
        const { connections } = await sdkFor(mockServer.url).listConnections();
        expect(connections).to.have.length(1);
        expect(connections[0]).to.include({ connectionId: SOURCE_CONNECTION_ID, status: 'active' });
      });
  });

  it('deleteConnection disconnects a provider', async () => {
    await pact
      .addInteraction()
      .given('a user with an active connection', {
        userId: USER_ID,
        connectionId: DISCONNECTED_CONNECTION_ID,
        provider: 'garmin',
      })
      .uponReceiving('a request to delete a connection')
      .withRequest('DELETE', `/v1/connections/${DISCONNECTED_CONNECTION_ID}`, (b) =>
        b.headers(mutationHeaders(DELETE_CONNECTION_KEY)),
      )
      .willRespondWith(204)
      .executeTest(async (mockServer) => {
        const result = await sdkFor(mockServer.url).deleteConnection(DISCONNECTED_CONNECTION_ID, {
          idempotencyKey: DELETE_CONNECTION_KEY,
        });
        expect(result).to.equal(undefined);
      });
  });

  it('deleteConnection is connection_not_found for another user’s connection', async () => {
    await pact
      .addInteraction()
      .given('no connection with this id exists for the user', {
        userId: USER_ID,
        connectionId: FOREIGN_CONNECTION_ID,
        ownerUserId: OTHER_USER_ID,
      })
      .uponReceiving('a request to delete another user’s connection')
      .withRequest('DELETE', `/v1/connections/${FOREIGN_CONNECTION_ID}`, (b) =>
        b.headers(mutationHeaders(DELETE_FOREIGN_CONNECTION_KEY)),
      )
      .willRespondWith(404, (b) =>
        b
          .headers({ 'Content-Type': PROBLEM_TYPE })
          .jsonBody(problem(404, 'connection_not_found', 'Connection not found')),
      )
      .executeTest(async (mockServer) => {
        const failure = await apiErrorOf(
          sdkFor(mockServer.url).deleteConnection(FOREIGN_CONNECTION_ID, {
            idempotencyKey: DELETE_FOREIGN_CONNECTION_KEY,
          }),
        );
        expect(failure).to.include({ status: 404, code: 'connection_not_found' });
      });
  });

  it('createConnection starts the OAuth flow', async () => {
    const request = { provider: 'strava' as const, redirectUri: 'syncwell://oauth/complete' };
    await pact
      .addInteraction()
      .given(SIGNED_IN.state, SIGNED_IN.params)
      .uponReceiving('a request to start connecting Strava')
      .withRequest('POST', '/v1/connections', (b) =>
        b.headers(jsonMutationHeaders(CREATE_CONNECTION_KEY)).jsonBody(request),
      )
      .willRespondWith(201, (b) =>
        b.headers({ 'Content-Type': JSON_TYPE }).jsonBody({
          connectionId: regex(`^${CONNECTION_ID}$`, 'conn_7c9e6679-7425-40de-944b-e07fc1f90ae7'),
          provider: 'strava',
          authorizationUrl: regex(
            '^https?://\\S+state=\\S+$',
            `https://www.strava.com/oauth/authorize?client_id=12345&response_type=code&state=${OAUTH_STATE}`,
          ),
          state: regex(UUID, OAUTH_STATE),
          expiresAt: datetime(ISO_TIMESTAMP, '2024-03-02T10:10:00.000Z'),
        }),
      )
      .executeTest(async (mockServer) => {
        const authorization = await sdkFor(mockServer.url).createConnection(request, {
          idempotencyKey: CREATE_CONNECTION_KEY,
        });
        expect(authorization.provider).to.equal('strava');
        expect(new URL(authorization.authorizationUrl).searchParams.get('state')).to.equal(
          authorization.state,
        );
      });
  });

  it('completeOAuth activates the connection', async () => {
    await pact
      .addInteraction()
      .given('a pending Strava authorization', {
        userId: USER_ID,
        connectionId: PENDING_CONNECTION_ID,
        state: OAUTH_STATE,
        code: OAUTH_CODE,
      })
      .uponReceiving('the OAuth callback from Strava with a valid state and code')
      .withRequest('GET', '/v1/oauth/strava/callback', (b) =>
        b.query({ state: OAUTH_STATE, code: OAUTH_CODE }),
      )
      .willRespondWith(200, (b) =>
        b.headers({ 'Content-Type': JSON_TYPE }).jsonBody({
          connectionId: PENDING_CONNECTION_ID,
          provider: 'strava',
          displayName: 'Strava',
          providerIconUrl: regex('^https?://\\S+$', 'https://cdn.syncwell.example/icons/strava.png'),
          status: 'active',
          createdAt: datetime(ISO_TIMESTAMP, '2024-03-02T10:00:00.000Z'),
        }),
      )
      .executeTest(async (mockServer) => {
        const connection = await sdkFor(mockServer.url).completeOAuth('strava', {
          state: OAUTH_STATE,
          code: OAUTH_CODE,
        });
        expect(connection).to.include({ connectionId: PENDING_CONNECTION_ID, status: 'active' });
      });
  });

  it('completeOAuth is not_found for an unknown or spent state', async () => {
    await pact
      .addInteraction()
      .uponReceiving('an OAuth callback whose state is unknown')
      .withRequest('GET', '/v1/oauth/strava/callback', (b) =>
        b.query({ state: UNKNOWN_STATE, code: OAUTH_CODE }),
      )
      .willRespondWith(404, (b) =>
        b.headers({ 'Content-Type': PROBLEM_TYPE }).jsonBody(problem(404, 'not_found', 'Not found')),
      )
      .executeTest(async (mockServer) => {
        const failure = await apiErrorOf(
          sdkFor(mockServer.url).completeOAuth('strava', { state: UNKNOWN_STATE, code: OAUTH_CODE }),
        );
        expect(failure).to.include({ status: 404, code: 'not_found' });
      });
  });
});
