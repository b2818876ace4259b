// The subscriber setup command against the sandbox's Google Health fake over HTTP, with a loopback
// endpoint that answers Google's verification as SyncWell's API does (201 with the configured
// Authorization, 401 without): create, then nothing, then only what changed.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import {
  CLOUD_PLATFORM_SCOPE,
  sandboxGoogleHealthToken,
} from '../infra/local/sandbox/googleHealth/googleHealthSubscribers.js';
import { startProviderSandbox, type ProviderSandbox } from '../infra/local/sandbox/sandboxServer.js';
import {
  ensureGoogleHealthSubscriber,
  GoogleHealthSubscriberError,
  NOTIFIED_DATA_TYPES,
  type SubscriberSettings,
} from './googleHealthSubscriber.js';

const AUTHORIZATION = 'Bearer subscriber-script-secret';

describe('npm run google-health:subscribe (ensureGoogleHealthSubscriber)', () => {
  let sandbox: ProviderSandbox;
  let server: Server;
  let endpoint: string;
  let expected = AUTHORIZATION;
  let settings: SubscriberSettings;

  before(async () => {
    sandbox = await startProviderSandbox();
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(req.headers.authorization === expected ? 201 : 401);
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/webhooks/google_health`;
  });
  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await sandbox.stop();
  });
  beforeEach(async () => {
    sandbox.reset();
    expected = AUTHORIZATION;
    const developer = sandbox.createUser({ name: 'developer', persona: { empty: true } });
    settings = {
      apiBaseUrl: `${sandbox.url}/google_health`,
      project: 'syncwell-sandbox',
      endpointUri: endpoint,
      authorization: AUTHORIZATION,
      accessToken: await sandboxGoogleHealthToken(sandbox.url, developer.sandboxUserId, [
        CLOUD_PLATFORM_SCOPE,
      ]),
    };
  });

  const verifications = () =>
    sandbox.fakes.google_health.webhookCalls().filter((c) => c.kind === 'verification').length;

  it('creates the subscriber (AUTOMATIC for the synced types), then leaves an equal one alone', async () => {
    const created = await ensureGoogleHealthSubscriber(settings);
    expect(created).to.deep.equal({
      action: 'created',
      name: 'projects/syncwell-sandbox/subscribers/syncwell-webhooks',
      updated: [],
    });
    expect(verifications()).to.equal(2);
    expect(await ensureGoogleHealthSubscriber(settings)).to.include({ action: 'unchanged' });
    expect(verifications()).to.equal(2);

    const listed = await fetch(`${settings.apiBaseUrl}/v4/projects/syncwell-sandbox/subscribers`, {
      headers: { authorization: `Bearer ${settings.accessToken}` },
    });
    const { subscribers } = (await listed.json()) as { subscribers: Record<string, unknown>[] };
    expect(subscribers).to.have.length(1);
    expect(subscribers[0]).to.deep.include({
      endpointUri: endpoint,
      subscriberConfigs: [{ dataTypes: NOTIFIED_DATA_TYPES, subscriptionCreatePolicy: 'AUTOMATIC' }],
    });
    expect(NOTIFIED_DATA_TYPES).to.deep.equal(['exercise', 'sleep', 'steps', 'weight']);
  });

  it('patches only what differs: a new endpoint (with the secret, re-verified), then the data types', async () => {
    await ensureGoogleHealthSubscriber({ ...settings, endpointUri: `${endpoint}?old=1` });
    expect(await ensureGoogleHealthSubscriber(settings)).to.deep.include({
      action: 'updated',
      updated: ['endpoint_uri', 'endpoint_authorization'],
    });
    expect(verifications()).to.equal(4);

    // Someone narrowed the types by hand: the command puts them back, without a verification.
    const name = 'projects/syncwell-sandbox/subscribers/syncwell-webhooks';
    await fetch(`${settings.apiBaseUrl}/v4/${name}?updateMask=subscriber_configs`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${settings.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        endpointUri: endpoint,
        endpointAuthorization: { secret: AUTHORIZATION },
        subscriberConfigs: [{ dataTypes: ['sleep'], subscriptionCreatePolicy: 'AUTOMATIC' }],
      }),
    });
    expect(await ensureGoogleHealthSubscriber(settings)).to.deep.include({
      action: 'updated',
      updated: ['subscriber_configs'],
    });
    expect(verifications()).to.equal(4);

    // A rotated secret cannot be seen (Google answers only `secretSet`): the flag sends it again.
    expected = 'Bearer rotated';
    const rotated = await ensureGoogleHealthSubscriber({
      ...settings,
      authorization: 'Bearer rotated',
      rotateAuthorization: true,
    });
    expect(rotated).to.deep.include({ action: 'updated', updated: ['endpoint_authorization'] });
  });

  it('fails, saying why and never echoing the secret, when the endpoint does not accept the Authorization', async () => {
    expected = 'Bearer the-api-has-another-one';
    const error = await ensureGoogleHealthSubscriber(settings).then(
      () => expect.fail('expected a rejection'),
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(GoogleHealthSubscriberError);
    expect((error as GoogleHealthSubscriberError).googleStatus).to.equal('FAILED_PRECONDITION');
    expect((error as Error).message)
      .to.match(/verification/)
      .and.not.include('subscriber-script-secret');
    const badToken = await ensureGoogleHealthSubscriber({ ...settings, accessToken: 'nope' }).then(
      () => expect.fail('expected a rejection'),
      (e: unknown) => e as GoogleHealthSubscriberError,
    );
    expect(badToken.status).to.equal(401);
  });
});
