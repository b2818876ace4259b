// DELETE /v1/users/me on the API side (the worker's part is test/e2e/accountDeletion.test.ts): 202
// at once with the tombstone written, the same answer on a repeat, and from then on the user's
// still-valid tokens get 410 `account_deleted` everywhere, recreate no profile, store no tokens
// from an OAuth callback and open no socket. Other users are untouched.
import { readdir } from 'node:fs/promises';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { expect } from 'chai';
import { DeletedUserRepository } from '../../core/store/deletedUserRepository.js';
import { createDocumentClient, createDocumentStore } from '../../core/store/dynamoClient.js';
import { PROFILE_SK, userPk } from '../../core/store/keys.js';
import { startApi, type RunningApi } from '../../server/main.js';
import { consentAtSandbox, testEnv } from '../support/harness.js';
import { refusedUpgrade, TestSocket } from '../support/wsClient.js';
import { getHarness } from './hooks.js';

interface Accepted {
  status: string;
  requestedAt: string;
}

interface Problem {
  status: number;
  code: string;
  title: string;
}

describe('DELETE /v1/users/me (API side)', () => {
  const profileExists = async (userId: string) => {
    const h = getHarness();
    const db = createDocumentClient(h.config);
    try {
      const out = await db.send(
        new GetCommand({ TableName: h.config.TABLE_NAME, Key: { PK: userPk(userId), SK: PROFILE_SK } }),
      );
      return out.Item !== undefined;
    } finally {
      db.destroy();
    }
  };

  it('answers 202 at once with the tombstone written, and a repeat answers the first requestedAt', async () => {
    const h = getHarness();
    const userId = h.newUserId('del');
    const token = await h.token(userId);
    expect((await h.request('GET', '/v1/users/me', { token })).status).to.equal(200);

    const first = await h.request<Accepted>('DELETE', '/v1/users/me', { token });
    expect(first.status, first.text).to.equal(202);
    expect(first.body.status).to.equal('PENDING');
    expect(Number.isNaN(Date.parse(first.body.requestedAt))).to.equal(false);
    const store = createDocumentStore(h.config);
    try {
      const tombstone = await new DeletedUserRepository(store, h.config.TABLE_NAME).get(userId);
      expect(tombstone).to.deep.equal({ requestedAt: first.body.requestedAt });
    } finally {
      store.destroy();
    }

    // Another key (the app retried after a restart): the same deletion, nothing new.
    const again = await h.request<Accepted>('DELETE', '/v1/users/me', { token });
    expect(again.status, again.text).to.equal(202);
    expect(again.body).to.deep.equal(first.body);
    // The same key: the stored answer.
    const key = 'c5e0c1d2-8a6b-4f3e-9d2c-1b0a9f8e7d6c';
    const keyed = await h.request<Accepted>('DELETE', '/v1/users/me', { token, idempotencyKey: key });
    const replay = await h.request<Accepted>('DELETE', '/v1/users/me', { token, idempotencyKey: key });
    expect(replay.body).to.deep.equal(keyed.body);
    expect(replay.headers.get('idempotent-replayed')).to.equal('true');
  });

  it('answers 410 account_deleted to every other operation and recreates no profile', async () => {
    const h = getHarness();
    const userId = h.newUserId('del');
    // Never seen before: the deletion is its first request, so it has no profile.
    const token = await h.token(userId, { tier: 'PRO' });
    expect((await h.request('DELETE', '/v1/users/me', { token })).status).to.equal(202);

    const calls: [string, string, unknown?][] = [
      ['GET', '/v1/users/me'],
      ['GET', '/v1/users/me/settings'],
      ['PUT', '/v1/users/me/settings', { settings: { unitSystem: 'metric' }, version: 1 }],
      ['GET', '/v1/connections'],
      ['POST', '/v1/connections', { provider: 'strava' }],
      ['GET', '/v1/sync-jobs'],
      ['GET', '/v1/devices'],
    ];
    for (const [method, path, body] of calls) {
      const r = await h.request<Problem>(method, path, { token, ...(body ? { body } : {}) });
      expect(r.status, `${method} ${path}: ${r.text}`).to.equal(410);
      expect(r.headers.get('content-type')).to.match(/^application\/problem\+json/);
      expect(r.body).to.include({ status: 410, code: 'account_deleted', title: 'Account deleted' });
    }
    expect(await profileExists(userId), 'profile recreated').to.equal(false);

    // Another user is served as before.
    const other = await h.request<{ userId: string }>('GET', '/v1/users/me', {
      token: await h.token(h.newUserId('keep')),
    });
    expect(other.status).to.equal(200);
  });

  it('stores no tokens when an authorization started before the deletion completes after it', async () => {
    const h = getHarness();
    const userId = h.newUserId('del');
    const token = await h.token(userId);
    const person = h.stack.sandbox.createUser({ persona: { empty: true } });
    const auth = await h.request<{ connectionId: string; authorizationUrl: string }>(
      'POST',
      '/v1/connections',
      {
        token,
        body: { provider: 'strava' },
      },
    );
    expect(auth.status, auth.text).to.equal(201);
    const callback = await consentAtSandbox(auth.body.authorizationUrl, person.sandboxUserId);
    expect((await h.request('DELETE', '/v1/users/me', { token })).status).to.equal(202);

    const secretsBefore = await readdir(h.config.SECRET_STORE_DIR);
    const r = await h.request<Problem>('GET', callback);
    expect(r.status, r.text).to.equal(410);
    expect(r.body.code).to.equal('account_deleted');
    expect(await readdir(h.config.SECRET_STORE_DIR)).to.have.members(secretsBefore);
    const connection = await h.connections.get(userId, auth.body.connectionId);
    expect(connection?.status).to.equal('pending');
    expect(connection?.credentialRef ?? null).to.equal(null);
  });

  it('refuses the socket lane with the same 410', async () => {
    const h = getHarness();
    const token = await h.token(h.newUserId('del'));
    expect((await h.request('DELETE', '/v1/users/me', { token })).status).to.equal(202);
    const refusal = await refusedUpgrade(h.api.url, { token, protocols: ['syncwell.v1'] });
    expect(refusal.status).to.equal(410);
    expect(refusal.body.code).to.equal('account_deleted');
  });

  describe('sockets opened before the deletion', function () {
    this.timeout(30_000);
    /** A second API process on the same stack: it hears of the deletion only through Redis. */
    let other: RunningApi;
    before(async () => {
      other = await startApi(testEnv(getHarness().stack, { WS_HEARTBEAT_INTERVAL_MS: '200' }));
    });
    after(async () => {
      await other?.stop();
    });

    it("are closed with 4410 account_deleted in every API process, and only that user's", async () => {
      const h = getHarness();
      const token = await h.token(h.newUserId('del'));
      const bystanderToken = await h.token(h.newUserId('del'));
      const here = await TestSocket.open(h.api.url, { token });
      const there = await TestSocket.open(other.url, { token });
      const bystander = await TestSocket.open(other.url, { token: bystanderToken });
      try {
        expect((await h.request('DELETE', '/v1/users/me', { token })).status).to.equal(202);
        const closes = await Promise.all([here.closed, there.closed]);
        expect(closes).to.deep.equal([
          { code: 4410, reason: 'account_deleted' },
          { code: 4410, reason: 'account_deleted' },
        ]);
        // Several heartbeats later, another user's socket on the same process is still open.
        let pings = 0;
        bystander.ws.on('ping', () => (pings += 1));
        while (pings < 3) await new Promise((r) => setTimeout(r, 50));
        expect(bystander.ws.readyState).to.equal(bystander.ws.OPEN);
      } finally {
        await Promise.all([here.close(), there.close(), bystander.close()]);
      }
    });
  });
});
