// Shared by the consumer tests: the pact (one file, rewritten on every run), the SDK pointed at
// Pact's mock server, the matchers and the example ids every interaction carries. The ids are the
// exact values the provider states receive, so each must be a valid id of its kind (`conn_`,
// `cfg_`, `job_` + a lowercase UUIDv4) and each Idempotency-Key example is used by ONE interaction
// only: the provider receives it verbatim, and the same key with another request is 422.
import { rm } from 'node:fs/promises';
import { MatchersV3, PactV4 } from '@pact-foundation/pact';
import { expect } from 'chai';
import { ApiError, createSyncWellClient, type SyncWellClient } from '../../client-sdk/dist/index.js';
import { CONSUMER, PACT_DIR, PACT_FILE, PROVIDER, disablePactTracking } from '../pactFiles.js';

const { like, regex } = MatchersV3;

disablePactTracking();

// Pact merges into an existing file, so an interaction renamed or removed would linger in the
// committed pact. A root hook (registered once, when the first test file imports this module)
// deletes it before any consumer test of the run writes to it.
before(() => rm(PACT_FILE, { force: true }));

/** One PactV4 per test file; all write (merge) into the same pact file. */
export const newPact = () =>
  new PactV4({ consumer: CONSUMER, provider: PROVIDER, dir: PACT_DIR, logLevel: 'warn' });

export const UUID_V4 = '[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}';
export const JOB_ID = `job_${UUID_V4}`;
export const CONNECTION_ID = `conn_${UUID_V4}`;
export const CONFIG_ID = `cfg_${UUID_V4}`;

// The provider cannot verify a token minted here: its verification swaps in a real one for the
// state's user. The matcher only pins the shape the SDK sends.
export const PLACEHOLDER_TOKEN =
  'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJwYWN0LXBsYWNlaG9sZGVyIn0.cGxhY2Vob2xkZXI';
export const BEARER = regex(
  '^Bearer [A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$',
  `Bearer ${PLACEHOLDER_TOKEN}`,
);
export const JSON_TYPE = regex('^application/json(;\\s*charset=utf-8)?$', 'application/json; charset=utf-8');
export const PROBLEM_TYPE = regex(
  '^application/problem\\+json(;\\s*charset=utf-8)?$',
  'application/problem+json; charset=utf-8',
);
// Java SimpleDateFormat, as Pact's timestamp matcher takes it: what toISOString() produces.
export const ISO_TIMESTAMP = "yyyy-MM-dd'T'HH:mm:ss.SSSX";

/** Request headers of a state-changing call: the SDK's bearer token and the example key. */
export const mutationHeaders = (idempotencyKey: string, extra: Record<string, unknown> = {}) => ({
  Authorization: BEARER,
  'Idempotency-Key': MatchersV3.uuid(idempotencyKey),
  ...extra,
});
export const jsonMutationHeaders = (idempotencyKey: string, extra: Record<string, unknown> = {}) =>
  mutationHeaders(idempotencyKey, { 'Content-Type': 'application/json', ...extra });

// Users (Firebase uids). One per group of interactions whose states must not see each other's data.
export const USER_ID = '8fJ2kQ1xYbTz0pWc3nLd5RaVh7U2';
export const OTHER_USER_ID = 'Zq9mW4rT7yUe2iOp5aSd8fGh1jK3';
export const CONFIG_USER_ID = 'Cf4nG7sYw2Lq9Xe1Rt6Ub3Kp8Vm5';
export const JOBS_USER_ID = 'Jb2xH5qN8wE3rT6yU9iO1pA4sD7f';
export const SETTINGS_USER_ID = 'St7kW1eR4tY8uI2oP5aS9dF3gH6j';

// Connections of USER_ID (and of CONFIG_USER_ID: connection ids are per user).
export const SOURCE_CONNECTION_ID = 'conn_7c9e6679-7425-40de-944b-e07fc1f90ae7';
export const DESTINATION_CONNECTION_ID = 'conn_1b4e28ba-2fa1-4d2b-883f-0016d3cca427';

export const TWO_ACTIVE_CONNECTIONS = {
  state: 'a user with two active connections',
  params: {
    userId: USER_ID,
    sourceConnectionId: SOURCE_CONNECTION_ID,
    destinationConnectionId: DESTINATION_CONNECTION_ID,
  },
};

/** Any user the provider signs in, for calls whose answer does not depend on stored data. */
export const SIGNED_IN = { state: 'a signed-in user', params: { userId: USER_ID } };

/** A problem+json body: exact where the contract fixes it (status, code), matched where it is prose. */
export const problem = (status: number, code: string, title: string) => ({
  type: like(`https://api.syncwell.example/problems/${code}`),
  title: like(title),
  status,
  code,
});

/** The SDK as the app configures it, against the mock server; one attempt so a mismatch fails fast. */
export const sdkFor = (baseUrl: string, fetch?: typeof globalThis.fetch): SyncWellClient =>
  createSyncWellClient({
    baseUrl,
    getToken: async () => PLACEHOLDER_TOKEN,
    retry: { maxAttempts: 1 },
    ...(fetch ? { fetch } : {}),
  });

/** The ApiError a call rejects with; fails the test if it resolves or rejects with anything else. */
export async function apiErrorOf(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(ApiError);
    return error as ApiError;
  }
  throw new Error('expected the call to fail');
}
