// Disconnecting a provider (issue 13 §3): DELETE /v1/connections/{id} revokes the grant at the
// provider (the sandbox speaks each provider's real revocation call) before the connection, its
// configurations and its tokens go. With the provider down the connection still goes, the tokens
// stay and a pending revocation is recorded; the worker's sweep (a real worker's, not started:
// driven here at chosen instants) revokes later, or deletes the tokens anyway after its last
// attempt. A reconnection meanwhile is never cut off.
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { loadConfig } from '../../core/config/config.js';
import type { CloudProvider } from '../../core/domain/types.js';
import { createLogger } from '../../core/logging/logger.js';
import { createSecretStore } from '../../core/secrets/createSecretStore.js';
import type { ProviderTokens } from '../../core/secrets/providerTokens.js';
import { SecretNotFoundError } from '../../core/secrets/secretStore.js';
import { createDocumentStore } from '../../core/store/dynamoClient.js';
import { PendingRevocationRepository } from '../../core/store/pendingRevocationRepository.js';
import { clock } from '../../core/clock/clock.js';
import type { SandboxUser } from '../../infra/local/sandbox/sandboxServer.js';
import { createWorker, type Worker } from '../../worker/compose.js';
import { consentAtSandbox, testEnv, type Harness } from '../support/harness.js';
import { getHarness } from './hooks.js';

const DAY = 24 * 3600 * 1000;
const logger = createLogger({ level: 'silent', service: 'test' });

/** A cheap authenticated GET at each provider: 200 while the token works, 401 once it does not. */
const PROBE: Record<CloudProvider, string> = {
  strava: '/strava/api/v3/athlete/activities?per_page=1',
  fitbit: '/fitbit/1/user/-/profile.json',
  garmin: '/garmin/wellness-api/rest/user/id',
  google_fit: '/google_fit/fitness/v1/users/me/dataSources',
  google_health: '/google_health/v4/users/me/identity',
};

/** The OAuth dance through the API and the sandbox's consent page; returns the active connection's id. */
async function connect(
  h: Harness,
  token: string,
  provider: CloudProvider,
  person: SandboxUser,
): Promise<string> {
  const created = await h.request<{ authorizationUrl: string }>('POST', '/v1/connections', {
    token,
    body: { provider },
  });
  expect(created.status, created.text).to.equal(201);
  const activated = await h.request<{ connectionId: string; status: string }>(
    'GET',
    await consentAtSandbox(created.body.authorizationUrl, person.sandboxUserId),
  );
  expect(activated.status, activated.text).to.equal(200);
  expect(activated.body.status).to.equal('active');
  return activated.body.connectionId;
}

describe('disconnecting a provider revokes the grant at the provider', function () {
  this.timeout(30_000);
  let h: Harness;
  let worker: Worker;
  let pending: PendingRevocationRepository;
  let db: ReturnType<typeof createDocumentStore>;
  const secrets = () => createSecretStore(h.config, logger);

  before(async () => {
    h = getHarness();
    // A worker of this system, never started: its sweep runs only when a test drives it.
    worker = await createWorker(
      loadConfig({
        ...testEnv(h.stack),
        REVOCATION_SWEEP_SECONDS: '0',
        REVOCATION_MAX_ATTEMPTS: '3',
        REVOCATION_RETRY_MAX_SECONDS: '3600',
      }),
      logger,
      { onCritical: (error) => logger.error({ err: error }, 'worker critical') },
    );
    db = createDocumentStore(h.config);
    pending = new PendingRevocationRepository(db, h.config.TABLE_NAME);
  });
  afterEach(() => h.stack.sandbox.faults.clear());
  after(async () => {
    db?.destroy();
    await worker?.stop();
  });

  /** A signed-in user and a sandbox person connected to `providers` through the API. */
  async function connectedUser(providers: CloudProvider[]) {
    const userId = h.newUserId('revoke');
    const token = await h.token(userId);
    const person = h.stack.sandbox.createUser({ persona: { empty: true } });
    const connections = {} as Record<CloudProvider, string>;
    for (const provider of providers) connections[provider] = await connect(h, token, provider, person);
    return { userId, token, person, connections };
  }

  async function storedTokens(
    userId: string,
    connectionId: string,
  ): Promise<{ ref: string; tokens: ProviderTokens }> {
    const conn = await h.connections.get(userId, connectionId);
    expect(conn?.credentialRef, 'the connection points at its tokens').to.be.a('string');
    return { ref: conn!.credentialRef!, tokens: await secrets().get(conn!.credentialRef!) };
  }

  const probe = async (provider: CloudProvider, tokens: ProviderTokens) =>
    (
      await fetch(`${h.stack.sandbox.url}${PROBE[provider]}`, {
        headers: { authorization: `Bearer ${tokens.revealAccessToken()}` },
      })
    ).status;

  const secretGone = async (ref: string) => {
    const error: unknown = await secrets()
      .get(ref)
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    return error instanceof SecretNotFoundError;
  };

  const deleteConnection = (token: string, connectionId: string) =>
    h.request<{ code?: string }>('DELETE', `/v1/connections/${connectionId}`, { token });

  const listed = async (token: string) =>
    (
      await h.request<{ connections: { connectionId: string }[] }>('GET', '/v1/connections', { token })
    ).body.connections.map((c) => c.connectionId);

  const sweepAt = (ms: number) => worker.revocations.runOnce(new Date(ms));

  for (const provider of ['strava', 'fitbit', 'google_fit', 'garmin'] as const)
    it(`${provider}: 204, the grant is revoked at the provider, the old token is refused, nothing is left`, async () => {
      const { userId, token, person, connections } = await connectedUser([provider]);
      const connectionId = connections[provider];
      const { ref, tokens } = await storedTokens(userId, connectionId);
      expect(await probe(provider, tokens)).to.equal(200);

      const res = await deleteConnection(token, connectionId);
      expect(res.status, res.text).to.equal(204);

      expect(await probe(provider, tokens)).to.equal(401);
      const grants = h.stack.sandbox.oauth[provider].grants(person.sandboxUserId);
      expect(grants).to.deep.include({ active: 0, revoked: 1 });
      expect(grants.revocations.map((r) => r.via)).to.deep.equal(['client']);
      expect(await secretGone(ref)).to.equal(true);
      expect(await pending.get(userId, connectionId)).to.equal(undefined);
      expect(await listed(token)).to.not.include(connectionId);

      const again = await deleteConnection(token, connectionId);
      expect(again.status).to.equal(404);
      expect(again.body.code).to.equal('connection_not_found');
    });

  it('strava: an access token that expired at the provider is refreshed (and stored) first, then revoked', async () => {
    const { userId, token, person, connections } = await connectedUser(['strava']);
    const { ref } = await storedTokens(userId, connections.strava);
    const oauth = h.stack.sandbox.oauth.strava;
    oauth.expireAccessTokens(person.sandboxUserId);
    const refreshes = oauth.stats.refreshes;
    expect((await deleteConnection(token, connections.strava)).status).to.equal(204);
    expect(oauth.stats.refreshes).to.equal(refreshes + 1);
    expect(oauth.grants(person.sandboxUserId)).to.deep.include({ active: 0, revoked: 1 });
    expect(await secretGone(ref)).to.equal(true);
  });

  it('provider down: 204 and gone locally, tokens kept, pending revocation recorded; the sweep revokes once it is back', async () => {
    const { userId, token, person, connections } = await connectedUser(['fitbit']);
    const connectionId = connections.fitbit;
    const { ref, tokens } = await storedTokens(userId, connectionId);
    const sandbox = h.stack.sandbox;
    const fault = { provider: 'fitbit', kind: 'status', status: 503, pathPrefix: '/oauth2/revoke' } as const;
    sandbox.faults.add({ ...fault, retryAfterSeconds: 7200 });
    const deletedAt = clock.now();

    expect((await deleteConnection(token, connectionId)).status).to.equal(204);
    expect(await listed(token)).to.not.include(connectionId);
    expect(await h.connections.get(userId, connectionId)).to.equal(undefined);
    const item = await pending.get(userId, connectionId);
    expect(item).to.deep.include({ provider: 'fitbit', credentialRef: ref, attempts: 1 });
    expect(item!.lastError).to.equal('fitbit revocation endpoint answered 503');
    // The provider's Retry-After is a floor under the backoff.
    expect(item!.nextAttemptAt).to.be.at.least(deletedAt + 7_200_000);
    expect((await secrets().get(ref)).revealRefreshToken()).to.equal(tokens.revealRefreshToken());
    expect(sandbox.oauth.fitbit.grants(person.sandboxUserId).active).to.equal(1);
    expect((await deleteConnection(token, connectionId)).status).to.equal(404);

    // Not due yet: the sweep leaves it alone.
    await sweepAt(deletedAt + 60_000);
    expect(await pending.get(userId, connectionId)).to.deep.equal(item);

    // Due, still down: attempt 2 fails and is rescheduled.
    sandbox.faults.add(fault);
    const second = await sweepAt(deletedAt + DAY);
    expect(second.rescheduled).to.be.at.least(1);
    const after2 = await pending.get(userId, connectionId);
    expect(after2).to.deep.include({ attempts: 2, lastError: 'fitbit revocation endpoint answered 503' });
    expect(after2!.nextAttemptAt).to.be.above(deletedAt + DAY);
    expect(await secretGone(ref)).to.equal(false);

    // Back: attempt 3 revokes, then the tokens and the item go.
    const third = await sweepAt(deletedAt + 2 * DAY);
    expect(third.revoked).to.be.at.least(1);
    expect(await pending.get(userId, connectionId)).to.equal(undefined);
    expect(await secretGone(ref)).to.equal(true);
    expect(sandbox.oauth.fitbit.grants(person.sandboxUserId)).to.deep.include({ active: 0, revoked: 1 });
    expect(await probe('fitbit', tokens)).to.equal(401);
    // A later sweep finds nothing of it.
    expect((await sweepAt(deletedAt + 3 * DAY)).revoked).to.equal(0);
  });

  it('two sweeps at once run one attempt: the claim is conditional', async () => {
    const { userId, token, person, connections } = await connectedUser(['garmin']);
    const sandbox = h.stack.sandbox;
    sandbox.faults.add({
      provider: 'garmin',
      kind: 'status',
      status: 503,
      pathPrefix: '/wellness-api/rest/user/registration',
    });
    const deletedAt = clock.now();
    expect((await deleteConnection(token, connections.garmin)).status).to.equal(204);
    const due = (await pending.due(deletedAt + DAY / 2)).items.find(
      (i) => i.connectionId === connections.garmin,
    );
    expect(due, 'due by then').to.not.equal(undefined);
    // Two workers read the same due item: the first claim wins, the second finds it moved.
    expect(await pending.claim(due!, deletedAt + DAY / 2 + 1)).to.deep.include({ attempts: 2 });
    expect(await pending.claim(due!, deletedAt + DAY / 2 + 1)).to.equal(undefined);
    const [a, b] = await Promise.all([sweepAt(deletedAt + DAY), sweepAt(deletedAt + DAY)]);
    expect(a.revoked + b.revoked).to.equal(1);
    expect(a.failed + b.failed).to.equal(0);
    expect(await pending.get(userId, connections.garmin)).to.equal(undefined);
    expect(sandbox.oauth.garmin.grants(person.sandboxUserId).revocations).to.have.length(1);
  });

  it('a device store has no tokens: its connection just goes (204)', async () => {
    const userId = h.newUserId('device');
    const token = await h.token(userId);
    const now = clock.date().toISOString();
    const conn = await h.connections.create({
      userId,
      connectionId: `conn_${randomUUID()}`,
      provider: 'apple_health',
      status: 'active',
      credentialRef: null,
      createdAt: now,
      updatedAt: now,
    });
    expect((await deleteConnection(token, conn.connectionId)).status).to.equal(204);
    expect(await h.connections.get(userId, conn.connectionId)).to.equal(undefined);
    expect(await pending.get(userId, conn.connectionId)).to.equal(undefined);
  });

  it('a connection whose tokens are gone (or whose pointer is no secret ref) goes without a provider call', async () => {
    const userId = h.newUserId('gone');
    const token = await h.token(userId);
    const now = clock.date().toISOString();
    // Any call to either provider would meet this fault and be counted.
    const { faults } = h.stack.sandbox;
    for (const provider of ['garmin', 'strava'] as const)
      faults.add({ provider, kind: 'status', status: 500, times: Number.POSITIVE_INFINITY });
    const before = faults.applied.status;
    for (const [provider, credentialRef] of [
      ['garmin', randomUUID()],
      ['strava', 'pact-credential-fixture'],
    ] as const) {
      const conn = await h.connections.create({
        userId,
        connectionId: `conn_${randomUUID()}`,
        provider,
        status: 'active',
        credentialRef,
        createdAt: now,
        updatedAt: now,
      });
      expect((await deleteConnection(token, conn.connectionId)).status).to.equal(204);
      expect(await h.connections.get(userId, conn.connectionId)).to.equal(undefined);
      expect(await pending.get(userId, conn.connectionId)).to.equal(undefined);
    }
    expect(faults.applied.status).to.equal(before);
  });

  it('ConnectionRemoval.remove is idempotent: repeated with the same record, it finishes, never duplicates', async () => {
    const { userId, token, person, connections } = await connectedUser(['strava']);
    const connection = (await h.connections.get(userId, connections.strava))!;
    const ref = connection.credentialRef!;
    const sandbox = h.stack.sandbox;
    sandbox.faults.add({
      provider: 'strava',
      kind: 'status',
      status: 503,
      pathPrefix: '/oauth/deauthorize',
      times: 2,
    });

    expect(await worker.connectionRemoval.remove(userId, connection)).to.deep.equal({
      connectionId: connection.connectionId,
      revocation: 'pending',
    });
    const first = await pending.get(userId, connection.connectionId);
    // Again, provider still down (an account deletion redelivered): the pending item is kept as it was.
    expect((await worker.connectionRemoval.remove(userId, connection)).revocation).to.equal('pending');
    expect(await pending.get(userId, connection.connectionId)).to.deep.equal(first);
    expect(await listed(token)).to.not.include(connection.connectionId);
    // Once more with the provider back: revoked, and what the first calls left is settled.
    expect((await worker.connectionRemoval.remove(userId, connection)).revocation).to.equal('revoked');
    expect(await pending.get(userId, connection.connectionId)).to.equal(undefined);
    expect(await secretGone(ref)).to.equal(true);
    expect(sandbox.oauth.strava.grants(person.sandboxUserId)).to.deep.include({ active: 0, revoked: 1 });
    // And after completion: nothing left to revoke with, nothing breaks.
    expect((await worker.connectionRemoval.remove(userId, connection)).revocation).to.equal('no_credentials');
  });

  it('after the last attempt the tokens are deleted anyway (revocation abandoned)', async () => {
    const { userId, token, person, connections } = await connectedUser(['strava']);
    const connectionId = connections.strava;
    const { ref, tokens } = await storedTokens(userId, connectionId);
    const sandbox = h.stack.sandbox;
    sandbox.faults.add({
      provider: 'strava',
      kind: 'status',
      status: 500,
      pathPrefix: '/oauth/deauthorize',
      times: 3,
    });
    const deletedAt = clock.now();
    expect((await deleteConnection(token, connectionId)).status).to.equal(204);
    expect((await pending.get(userId, connectionId))!.attempts).to.equal(1);

    expect((await sweepAt(deletedAt + DAY)).rescheduled).to.be.at.least(1);
    expect((await pending.get(userId, connectionId))!.attempts).to.equal(2);
    const last = await sweepAt(deletedAt + 2 * DAY);
    expect(last.abandoned).to.be.at.least(1);
    expect(await pending.get(userId, connectionId)).to.equal(undefined);
    expect(await secretGone(ref)).to.equal(true);
    // Never revoked: the provider still honours the grant SyncWell no longer holds.
    expect(sandbox.oauth.strava.grants(person.sandboxUserId)).to.deep.include({ active: 1, revoked: 0 });
    expect(await probe('strava', tokens)).to.equal(200);
  });

  it('a reconnection to the same provider account before the retry is never cut off', async () => {
    const { userId, token, person, connections } = await connectedUser(['fitbit']);
    const { ref } = await storedTokens(userId, connections.fitbit);
    const sandbox = h.stack.sandbox;
    sandbox.faults.add({ provider: 'fitbit', kind: 'status', status: 503, pathPrefix: '/oauth2/revoke' });
    const deletedAt = clock.now();
    expect((await deleteConnection(token, connections.fitbit)).status).to.equal(204);
    expect(await pending.get(userId, connections.fitbit)).to.not.equal(undefined);

    // Fitbit's revocation ends every token of the user: revoking the old grant now would end the new one.
    const reconnected = await connect(h, token, 'fitbit', person);
    const { tokens: fresh } = await storedTokens(userId, reconnected);
    const report = await sweepAt(deletedAt + DAY);
    expect(report.grant_in_use).to.be.at.least(1);
    expect(await pending.get(userId, connections.fitbit)).to.equal(undefined);
    expect(await secretGone(ref)).to.equal(true);
    expect(await probe('fitbit', fresh)).to.equal(200);
    expect(sandbox.oauth.fitbit.grants(person.sandboxUserId).revoked).to.equal(0);
  });

  it('google_fit: deleting one of two connections to the same account leaves the other working', async () => {
    const { userId, token, person, connections } = await connectedUser(['google_fit']);
    // Google gives no account id, so connecting again makes a second connection to the same account.
    const second = await connect(h, token, 'google_fit', person);
    const first = await storedTokens(userId, connections.google_fit);
    const other = await storedTokens(userId, second);
    const oauth = h.stack.sandbox.oauth.google_fit;

    expect((await deleteConnection(token, connections.google_fit)).status).to.equal(204);
    expect(await secretGone(first.ref)).to.equal(true);
    expect(oauth.grants(person.sandboxUserId)).to.deep.include({ active: 2, revoked: 0 });
    expect(await probe('google_fit', other.tokens)).to.equal(200);

    // The last connection to the account revokes.
    expect((await deleteConnection(token, second)).status).to.equal(204);
    expect(await probe('google_fit', other.tokens)).to.equal(401);
    expect(oauth.grants(person.sandboxUserId).revoked).to.equal(1);
  });
});
