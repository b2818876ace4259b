/* eslint-disable @typescript-eslint/no-explicit-any -- tests probe Google's JSON bodies ad hoc */
// The fake's notification methods (projects.subscribers, projects.subscribers.subscriptions) over
// HTTP, every answer checked against the discovery document, and its webhook calls to a real
// endpoint on loopback: Google's two verification POSTs, then signed notification batches.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verify } from 'node:crypto';
import { expect } from 'chai';
import { startProviderSandbox, type ProviderSandbox, type SandboxUser } from '../sandboxServer.js';
import { validateResponse } from './discoverySchemas.js';
import { googleHealthScope } from './googleHealthFake.js';
import { CLOUD_PLATFORM_SCOPE, sandboxGoogleHealthToken } from './googleHealthSubscribers.js';

const NOW = new Date('2026-11-10T12:00:00Z');
const SECRET = 'Bearer endpoint-secret-1';
const PROJECT = 'projects/syncwell-sandbox';
const SUBSCRIBERS = 'health.projects.subscribers';
const SUBSCRIPTIONS = 'health.projects.subscribers.subscriptions';
const READ_ALL = (['exercise', 'sleep', 'steps', 'weight'] as const).map((t) =>
  googleHealthScope(t, 'readonly'),
);
const WRITE_EXERCISE = googleHealthScope('exercise', 'writeonly');

interface Received {
  headers: IncomingHttpHeaders;
  raw: string;
  body: any;
}

/** A subscriber endpoint: Google's verification answered as `mode` says; every call recorded. */
async function startEndpoint(secret: string) {
  const received: Received[] = [];
  let mode: 'correct' | 'always201' = 'correct';
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      received.push({ headers: req.headers, raw, body: JSON.parse(raw) });
      const authorized = req.headers.authorization === secret;
      const verification = !Array.isArray(JSON.parse(raw));
      res.writeHead(verification ? (authorized || mode === 'always201' ? 201 : 401) : authorized ? 204 : 401);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    notifications: () => received.filter((r) => Array.isArray(r.body)),
    setMode: (m: typeof mode) => (mode = m),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('sandbox: Google Health API fake, notifications (projects.subscribers)', () => {
  let sandbox: ProviderSandbox;
  let endpoint: Awaited<ReturnType<typeof startEndpoint>>;
  let developer: SandboxUser;
  let person: SandboxUser;
  let adminToken: string;
  let served: { methodId: string; status: number; body: unknown }[];

  before(async () => {
    sandbox = await startProviderSandbox({ now: () => NOW });
    endpoint = await startEndpoint(SECRET);
  });
  after(async () => {
    await endpoint.stop();
    await sandbox.stop();
  });
  beforeEach(async () => {
    sandbox.reset();
    endpoint.received.length = 0;
    endpoint.setMode('correct');
    served = [];
    developer = sandbox.createUser({ name: 'developer' });
    person = sandbox.createUser({ name: 'subscribed-person' });
    adminToken = await consent(developer, [CLOUD_PLATFORM_SCOPE]);
  });
  afterEach(function () {
    // EVERY answer of the fake in the test conforms to the discovery document.
    if (this.currentTest?.state !== 'passed') return;
    for (const r of served)
      expect(validateResponse(r.methodId, r.body, r.status), `${r.methodId} ${r.status}`).to.deep.equal([]);
  });

  const fake = () => sandbox.fakes.google_health;

  async function call(methodId: string, method: string, path: string, body?: unknown, bearer = adminToken) {
    const res = await fetch(`${sandbox.url}/google_health${path}`, {
      method,
      headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    const parsed = (text ? JSON.parse(text) : undefined) as any;
    served.push({ methodId, status: res.status, body: parsed });
    return { status: res.status, body: parsed };
  }

  /** The person's consent to a SyncWell-like client (OAuth over HTTP): returns the access token. */
  const consent = (user: SandboxUser, scopes: string[]) =>
    sandboxGoogleHealthToken(sandbox.url, user.sandboxUserId, scopes);

  const createSubscriber = (
    id: string,
    policy: 'AUTOMATIC' | 'MANUAL' = 'AUTOMATIC',
    overrides: Record<string, unknown> = {},
  ) =>
    call(`${SUBSCRIBERS}.create`, 'POST', `/v4/${PROJECT}/subscribers?subscriberId=${id}`, {
      endpointUri: endpoint.url,
      endpointAuthorization: { secret: SECRET },
      subscriberConfigs: [
        { dataTypes: ['exercise', 'sleep', 'steps', 'weight'], subscriptionCreatePolicy: policy },
      ],
      ...overrides,
    });

  const exercise = (startIso: string, minutes: number) => ({
    exercise: {
      interval: {
        startTime: startIso,
        startUtcOffset: '3600s',
        endTime: new Date(Date.parse(startIso) + minutes * 60_000).toISOString(),
        endUtcOffset: '3600s',
      },
      exerciseType: 'RUNNING',
      displayName: 'Running',
      metricsSummary: {},
    },
  });

  it('creates a subscriber only when its endpoint answers the verification with and without Authorization', async () => {
    const created = await createSubscriber('syncwell-webhooks');
    expect(created.status).to.equal(200);
    expect(created.body.done).to.equal(true);
    // The secret is input only: the answer says it is set, never what it is.
    expect(created.body.response).to.include({
      name: `${PROJECT}/subscribers/syncwell-webhooks`,
      endpointUri: endpoint.url,
      state: 'ACTIVE',
    });
    expect(created.body.response.endpointAuthorization).to.deep.equal({ secretSet: true });
    expect(JSON.stringify(created.body)).to.not.include('endpoint-secret');
    // Google's two POSTs: with the secret (201 expected), then without it (401/403 expected).
    expect(endpoint.received.map((r) => [r.body, r.headers.authorization ?? null])).to.deep.equal([
      [{ type: 'verification' }, SECRET],
      [{ type: 'verification' }, null],
    ]);
    expect(
      fake()
        .webhookCalls()
        .map((c) => [c.kind, c.authorized, c.status]),
    ).to.deep.equal([
      ['verification', true, 201],
      ['verification', false, 401],
    ]);
    expect((await createSubscriber('syncwell-webhooks')).status).to.equal(409);

    // An endpoint that lets anyone in fails the second check: nothing is stored.
    endpoint.setMode('always201');
    const lax = await createSubscriber('lax-endpoint');
    expect(lax.status).to.equal(400);
    expect(lax.body.error).to.include({ status: 'FAILED_PRECONDITION' });
    expect(lax.body.error.message).to.match(/without Authorization/);
    const unreachable = await createSubscriber('gone-endpoint', 'AUTOMATIC', {
      endpointUri: 'http://127.0.0.1:9/x',
    });
    expect(unreachable.status).to.equal(400);
    const plainHttp = await createSubscriber('plain-http', 'AUTOMATIC', {
      endpointUri: 'http://example.com/hook',
    });
    expect(plainHttp.body.error).to.include({ code: 400, status: 'INVALID_ARGUMENT' });
    const noSecret = await createSubscriber('no-secret', 'AUTOMATIC', { endpointAuthorization: {} });
    expect(noSecret.status).to.equal(400);
    const badType = await createSubscriber('bad-type', 'AUTOMATIC', {
      subscriberConfigs: [{ dataTypes: ['moods'], subscriptionCreatePolicy: 'AUTOMATIC' }],
    });
    expect(badType.status).to.equal(400);

    const listed = await call(`${SUBSCRIBERS}.list`, 'GET', `/v4/${PROJECT}/subscribers`);
    expect(listed.body.subscribers.map((s: any) => s.name)).to.deep.equal([
      `${PROJECT}/subscribers/syncwell-webhooks`,
    ]);
    // The person's own token (no cloud-platform scope) manages nothing.
    const personal = await consent(person, READ_ALL);
    expect(
      (await call(`${SUBSCRIBERS}.list`, 'GET', `/v4/${PROJECT}/subscribers`, undefined, personal)).status,
    ).to.equal(403);
  });

  it('lists page by page, patches (re-verifying a new endpoint or secret only) and deletes subscribers', async () => {
    for (const id of ['sub-one', 'sub-two', 'sub-three'])
      expect((await createSubscriber(id)).status).to.equal(200);
    const first = await call(`${SUBSCRIBERS}.list`, 'GET', `/v4/${PROJECT}/subscribers?pageSize=2`);
    expect(first.body.subscribers).to.have.length(2);
    expect(first.body.totalSize).to.equal(3);
    const second = await call(
      `${SUBSCRIBERS}.list`,
      'GET',
      `/v4/${PROJECT}/subscribers?pageSize=2&pageToken=${first.body.nextPageToken}`,
    );
    expect(second.body.subscribers).to.have.length(1);
    expect(second.body).to.not.have.property('nextPageToken');

    const name = `${PROJECT}/subscribers/sub-one`;
    const calls = () => fake().webhookCalls().length;
    const before = calls();
    const configsOnly = await call(
      `${SUBSCRIBERS}.patch`,
      'PATCH',
      `/v4/${name}?updateMask=subscriber_configs`,
      {
        endpointUri: endpoint.url,
        endpointAuthorization: { secret: SECRET },
        subscriberConfigs: [{ dataTypes: ['sleep'], subscriptionCreatePolicy: 'MANUAL' }],
      },
    );
    expect(configsOnly.status).to.equal(200);
    expect(configsOnly.body.response.subscriberConfigs).to.deep.equal([
      { dataTypes: ['sleep'], subscriptionCreatePolicy: 'MANUAL' },
    ]);
    expect(calls()).to.equal(before);
    // A new secret is verified before it is taken: the endpoint still expects the old one.
    const wrongSecret = await call(
      `${SUBSCRIBERS}.patch`,
      'PATCH',
      `/v4/${name}?updateMask=endpointAuthorization`,
      { endpointUri: endpoint.url, endpointAuthorization: { secret: 'Bearer another' } },
    );
    expect(wrongSecret.status).to.equal(400);
    expect(calls()).to.equal(before + 1);
    const moved = await call(
      `${SUBSCRIBERS}.patch`,
      'PATCH',
      `/v4/${name}?updateMask=endpoint_uri,endpoint_authorization`,
      {
        endpointUri: `${endpoint.url}?v=2`,
        endpointAuthorization: { secret: SECRET },
      },
    );
    expect(moved.status).to.equal(200);
    expect(moved.body.response.endpointUri).to.equal(`${endpoint.url}?v=2`);
    expect(calls()).to.equal(before + 3);
    const unknownField = await call(`${SUBSCRIBERS}.patch`, 'PATCH', `/v4/${name}?updateMask=state`, {
      endpointUri: endpoint.url,
      endpointAuthorization: { secret: SECRET },
    });
    expect(unknownField.status).to.equal(400);

    const subscription = await call(`${SUBSCRIPTIONS}.create`, 'POST', `/v4/${name}/subscriptions`, {
      user: `users/${person.providerUserIds.google_health}`,
    });
    expect(subscription.status).to.equal(200);
    const refused = await call(`${SUBSCRIBERS}.delete`, 'DELETE', `/v4/${name}`);
    expect(refused.body.error).to.include({ code: 400, status: 'FAILED_PRECONDITION' });
    const deleted = await call(`${SUBSCRIBERS}.delete`, 'DELETE', `/v4/${name}?force=true`);
    expect(deleted.body).to.include({ done: true });
    expect((await call(`${SUBSCRIBERS}.delete`, 'DELETE', `/v4/${name}`)).status).to.equal(404);
    const left = await call(`${SUBSCRIBERS}.list`, 'GET', `/v4/${PROJECT}/subscribers`);
    expect(left.body.subscribers.map((s: any) => s.name.split('/').pop())).to.deep.equal([
      'sub-two',
      'sub-three',
    ]);
  });

  it('manages MANUAL subscriptions per user: create, filtered list, patch, delete', async () => {
    await createSubscriber('manual-sub', 'MANUAL');
    const parent = `${PROJECT}/subscribers/manual-sub`;
    const user = `users/${person.providerUserIds.google_health}`;
    const created = await call(
      `${SUBSCRIPTIONS}.create`,
      'POST',
      `/v4/${parent}/subscriptions?subscriptionId=person-one`,
      {
        user,
        dataTypes: ['sleep', 'steps'],
      },
    );
    expect(created.body).to.deep.equal({
      name: `${parent}/subscriptions/person-one`,
      user,
      dataTypes: [`${user}/dataTypes/sleep`, `${user}/dataTypes/steps`],
    });
    const other = await call(`${SUBSCRIPTIONS}.create`, 'POST', `/v4/${parent}/subscriptions`, {
      user: `users/${developer.providerUserIds.google_health}`,
    });
    expect(other.body.dataTypes).to.have.length(4);
    expect(
      (await call(`${SUBSCRIPTIONS}.create`, 'POST', `/v4/${parent}/subscriptions`, { user: 'users/404' }))
        .status,
    ).to.equal(404);
    const filter = (f: string) =>
      call(`${SUBSCRIPTIONS}.list`, 'GET', `/v4/${parent}/subscriptions?filter=${encodeURIComponent(f)}`);
    expect((await filter(`user = "${user}"`)).body.subscriptions).to.have.length(1);
    expect((await filter('data_type = "weight"')).body.subscriptions).to.have.length(1);
    expect(
      (await filter(`user = "${user}" AND (data_type = "weight" OR data_type = "sleep")`)).body.subscriptions,
    ).to.have.length(1);
    expect((await filter('weight >= 3')).status).to.equal(400);
    const patched = await call(
      `${SUBSCRIPTIONS}.patch`,
      'PATCH',
      `/v4/${parent}/subscriptions/person-one?updateMask=dataTypes`,
      {
        dataTypes: [`${user}/dataTypes/weight`],
      },
    );
    expect(patched.body.dataTypes).to.deep.equal([`${user}/dataTypes/weight`]);
    expect(
      (await call(`${SUBSCRIPTIONS}.delete`, 'DELETE', `/v4/${parent}/subscriptions/person-one`)).body,
    ).to.deep.equal({});
    expect(
      (await call(`${SUBSCRIPTIONS}.delete`, 'DELETE', `/v4/${parent}/subscriptions/person-one`)).status,
    ).to.equal(404);

    // Only MANUAL types take subscriptions.
    await createSubscriber('automatic-sub');
    const automatic = await call(
      `${SUBSCRIPTIONS}.create`,
      'POST',
      `/v4/${PROJECT}/subscribers/automatic-sub/subscriptions`,
      {
        user,
      },
    );
    expect(automatic.body.error).to.include({ status: 'FAILED_PRECONDITION' });
  });

  it('notifies subscribers of data points the user consented to: signed batches with the Authorization, no values', async () => {
    await createSubscriber('syncwell-webhooks');
    const token = await consent(person, [...READ_ALL, WRITE_EXERCISE]);
    const stranger = sandbox.createUser({ name: 'never-consented' });

    // Through the API, then by the person's tracker (not for a user who never consented).
    const created = await call(
      'health.users.dataTypes.dataPoints.create',
      'POST',
      '/v4/users/me/dataTypes/exercise/dataPoints',
      exercise('2026-11-10T07:00:00Z', 30),
      token,
    );
    expect(created.status).to.equal(200);
    await fake().webhooksSettled();
    const recorded = fake().recordDataPoint(person.sandboxUserId, exercise('2026-11-10T09:00:00Z', 45));
    fake().recordDataPoint(stranger.sandboxUserId, exercise('2026-11-10T09:00:00Z', 45));
    await fake().webhooksSettled();

    const batches = endpoint.notifications();
    expect(batches).to.have.length(2);
    for (const batch of batches) {
      expect(batch.headers.authorization).to.equal(SECRET);
      const signature = Buffer.from(String(batch.headers['google-health-api-signature']), 'base64');
      expect(verify('sha256', Buffer.from(batch.raw), fake().notificationPublicKeyPem, signature)).to.equal(
        true,
      );
    }
    expect(batches[1]!.body).to.deep.equal([
      {
        data: {
          version: '1',
          clientProvidedSubscriptionName: `${PROJECT}/subscribers/syncwell-webhooks`,
          healthUserId: person.providerUserIds.google_health,
          operation: 'UPSERT',
          dataType: 'exercise',
          intervals: [
            {
              physicalTimeInterval: { startTime: '2026-11-10T09:00:00Z', endTime: '2026-11-10T09:45:00Z' },
              civilDateTimeInterval: {
                start: { date: { year: 2026, month: 11, day: 10 }, time: { hours: 10 } },
                end: { date: { year: 2026, month: 11, day: 10 }, time: { hours: 10, minutes: 45 } },
              },
            },
          ],
        },
      },
    ]);
    expect(batches[0]!.body[0].data).to.include({ operation: 'UPSERT', dataType: 'exercise' });
    expect(
      sandbox
        .records('google_health', person.sandboxUserId, 'workout')
        .find((v) => v.id === String(recorded.name).split('/').pop()),
    ).to.include({
      createdBy: 'seed',
    });

    // A deletion; then, once the person revokes the app, nothing more is sent.
    expect(
      fake().deleteDataPoint(person.sandboxUserId, 'exercise', String(recorded.name).split('/').pop()!),
    ).to.equal(true);
    await fake().webhooksSettled();
    expect(endpoint.notifications()[2]!.body[0].data).to.include({
      operation: 'DELETE',
      dataType: 'exercise',
    });
    sandbox.oauth.google_health.revokeUser(person.sandboxUserId);
    fake().recordDataPoint(person.sandboxUserId, exercise('2026-11-10T11:00:00Z', 20));
    await fake().webhooksSettled();
    expect(endpoint.notifications()).to.have.length(3);
  });

  it('notifies a MANUAL subscriber only of the subscribed users and types, under the subscription’s name', async () => {
    await createSubscriber('manual-sub', 'MANUAL');
    await consent(person, READ_ALL);
    const parent = `${PROJECT}/subscribers/manual-sub`;
    const user = `users/${person.providerUserIds.google_health}`;
    await call(`${SUBSCRIPTIONS}.create`, 'POST', `/v4/${parent}/subscriptions?subscriptionId=person-sleep`, {
      user,
      dataTypes: ['sleep'],
    });
    fake().recordDataPoint(person.sandboxUserId, exercise('2026-11-10T07:00:00Z', 30));
    fake().recordDataPoint(person.sandboxUserId, {
      sleep: {
        interval: {
          startTime: '2026-11-09T22:00:00Z',
          startUtcOffset: '0s',
          endTime: '2026-11-10T06:00:00Z',
          endUtcOffset: '0s',
        },
      },
    });
    await fake().webhooksSettled();
    const [batch, ...more] = endpoint.notifications();
    expect(more).to.have.length(0);
    expect(
      batch!.body.map((n: any) => [n.data.dataType, n.data.clientProvidedSubscriptionName]),
    ).to.deep.equal([['sleep', `${parent}/subscriptions/person-sleep`]]);
  });

  it('batches at most 99 entries a call', async () => {
    await createSubscriber('syncwell-webhooks');
    const users = Array.from({ length: 120 }, (_, i) =>
      sandbox.createUser({ name: `batch-${i}`, persona: { empty: true } }),
    );
    for (const u of users) await consent(u, READ_ALL);
    for (const u of users) fake().recordDataPoint(u.sandboxUserId, exercise('2026-11-10T07:00:00Z', 30));
    await fake().webhooksSettled();
    expect(endpoint.notifications().map((b) => b.body.length)).to.deep.equal([99, 21]);
  });
});
