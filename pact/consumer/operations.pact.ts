// The operations whose callers are not the mobile SDK: the four providers' webhook deliveries,
// the load balancer's readiness probe and the operator's key eviction. Their consumers are
// outside this code base (Strava, Fitbit, Garmin, Google Health, the ALB, an operator), so these tests speak for
// them with plain HTTP, exactly as those callers send it. The verify token and code are the test
// configuration's (test/support/harness.ts), as a provider holds the ones SyncWell gave it.
import { rm } from 'node:fs/promises';
import { MatchersV3, PactV4 } from '@pact-foundation/pact';
import { expect } from 'chai';
import { SANDBOX_GARMIN_CLIENT_ID } from '../../infra/local/sandbox/webhooks.js';
import {
  FITBIT_VERIFY_CODE,
  GOOGLE_HEALTH_WEBHOOK_AUTHORIZATION,
  STRAVA_VERIFY_TOKEN,
} from '../../test/support/harness.js';
import { OPS_CONSUMER, OPS_PACT_FILE, PACT_DIR, PROVIDER, disablePactTracking } from '../pactFiles.js';

const { like } = MatchersV3;
const PROBLEM_TYPE = 'application/problem+json';
/** Swapped for the provider's real key by the verification's request filter. */
export const PLACEHOLDER_ADMIN_KEY = 'placeholder-admin-key-0000000000';

const problem = (status: number, code: string) => ({
  type: like(`https://api.syncwell.example/problems/${code}`),
  title: like('Title'),
  status,
  code,
  detail: like('Detail'),
  correlationId: like('b1946ac9-2b4c-4e1f-8a3d-5c6e7f8a9b0c'),
});

interface Case {
  description: string;
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: unknown;
  status: number;
  response?: unknown;
}

const CASES: Case[] = [
  {
    description: 'a readiness probe from the load balancer',
    method: 'GET',
    path: '/readyz',
    status: 200,
    response: { status: 'ready', checks: { dynamodb: 'ok', sqs: 'ok', redis: 'ok' } },
  },
  {
    description: 'an operator evicting a signing key that is not cached',
    method: 'DELETE',
    path: '/v1/admin/jwks-cache/unknown-kid-7f3a',
    headers: { 'X-Admin-Key': PLACEHOLDER_ADMIN_KEY },
    status: 404,
    response: problem(404, 'not_found'),
  },
  {
    description: 'Strava validating the webhook subscription with the right verify token',
    method: 'GET',
    path: '/v1/webhooks/strava',
    query: {
      'hub.mode': 'subscribe',
      'hub.challenge': '15f7d1a91c1f40f8a748fd134752feb3',
      'hub.verify_token': STRAVA_VERIFY_TOKEN,
    },
    status: 200,
    response: { 'hub.challenge': '15f7d1a91c1f40f8a748fd134752feb3' },
  },
  {
    description: 'Strava delivering an activity event',
    method: 'POST',
    path: '/v1/webhooks/strava',
    headers: { 'Content-Type': 'application/json' },
    body: {
      object_type: 'activity',
      object_id: 1360128428,
      aspect_type: 'create',
      owner_id: 134815,
      subscription_id: 120475,
      event_time: 1516126040,
      updates: {},
    },
    status: 200,
    response: { received: true },
  },
  {
    description: 'Fitbit verifying the subscriber endpoint with the right code',
    method: 'GET',
    path: '/v1/webhooks/fitbit',
    query: { verify: FITBIT_VERIFY_CODE },
    status: 204,
  },
  {
    description: 'Fitbit notifications whose signature does not verify',
    method: 'POST',
    path: '/v1/webhooks/fitbit',
    headers: { 'Content-Type': 'application/json', 'X-Fitbit-Signature': 'Jk3V0Rc0Xm8rQnH1bH1+o2LQb9c=' },
    body: [
      {
        collectionType: 'sleep',
        date: '2024-03-02',
        ownerId: '228S74',
        ownerType: 'user',
        subscriptionId: 'conn_1b4e28ba-2fa1-4d2b-883f-0016d3cca427-sleep',
      },
    ],
    status: 404,
    response: problem(404, 'not_found'),
  },
  {
    description: 'Google Health verifying the subscriber endpoint with the configured Authorization',
    method: 'POST',
    path: '/v1/webhooks/google_health',
    headers: { 'Content-Type': 'application/json', Authorization: GOOGLE_HEALTH_WEBHOOK_AUTHORIZATION },
    body: { type: 'verification' },
    status: 201,
  },
  {
    description: 'a Google Health verification without the Authorization',
    method: 'POST',
    path: '/v1/webhooks/google_health',
    headers: { 'Content-Type': 'application/json' },
    body: { type: 'verification' },
    status: 401,
    response: problem(401, 'unauthenticated'),
  },
  {
    description: 'Garmin delivering a ping notification',
    method: 'POST',
    path: '/v1/webhooks/garmin',
    // Garmin's only credential: the app's client id (the provider side runs against the sandbox's).
    headers: { 'Content-Type': 'application/json', 'garmin-client-id': SANDBOX_GARMIN_CLIENT_ID },
    body: {
      activities: [
        {
          userId: '4aacafe82427c251df9c9592d0c06768',
          userAccessToken: '8f57a6f1-26ba-4b05-a7cd-c6b525a4c7a2',
          uploadStartTimeInSeconds: 1709380800,
          uploadEndTimeInSeconds: 1709384400,
          callbackURL:
            'https://apis.garmin.com/wellness-api/rest/activities?uploadStartTimeInSeconds=1709380800&uploadEndTimeInSeconds=1709384400',
        },
      ],
    },
    status: 200,
  },
];

describe(`${OPS_CONSUMER} → ${PROVIDER}: webhooks, probes and operator calls`, () => {
  disablePactTracking();
  before(() => rm(OPS_PACT_FILE, { force: true }));
  const pact = new PactV4({ consumer: OPS_CONSUMER, provider: PROVIDER, dir: PACT_DIR, logLevel: 'warn' });

  for (const c of CASES)
    it(c.description, async () => {
      await pact
        .addInteraction()
        .uponReceiving(c.description)
        .withRequest(c.method, c.path, (b) => {
          if (c.query) b.query(c.query);
          if (c.headers) b.headers(c.headers);
          if (c.body !== undefined) b.jsonBody(c.body);
        })
        .willRespondWith(c.status, (b) => {
          if (c.response !== undefined)
            b.headers({ 'Content-Type': c.status >= 400 ? PROBLEM_TYPE : 'application/json' }).jsonBody(
              c.response,
            );
        })
        .executeTest(async (mockServer) => {
          const url = new URL(c.path, mockServer.url);
          for (const [k, v] of Object.entries(c.query ?? {})) url.searchParams.set(k, v);
          const res = await fetch(url, {
            method: c.method,
            headers: c.headers ?? {},
            ...(c.body !== undefined ? { body: JSON.stringify(c.body) } : {}),
          });
          expect(res.status).to.equal(c.status);
        });
    });
});
