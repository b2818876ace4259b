import { expect } from 'chai';
import { getHarness } from './hooks.js';

interface ConnectionList {
  connections: Array<{ connectionId: string; provider: string; displayName: string; status: string }>;
}

describe('connections', () => {
  it("lists only the caller's connections, with display data", async () => {
    const h = getHarness();
    const alice = h.newUserId('alice');
    const bob = h.newUserId('bob');
    const strava = await h.connection(alice, 'strava');
    await h.connection(alice, 'fitbit', 'needs_reauth');
    await h.connection(bob, 'garmin');

    const r = await h.request<ConnectionList>('GET', '/v1/connections', { token: await h.token(alice) });
    expect(r.status).to.equal(200);
    expect(r.body.connections.map((c) => c.provider).sort()).to.deep.equal(['fitbit', 'strava']);
    const s = r.body.connections.find((c) => c.connectionId === strava.connectionId);
    expect(s).to.include({ provider: 'strava', displayName: 'Strava', status: 'active' });
  });

  it('deletes a connection and every sync configuration that uses it (204), then 404', async () => {
    const h = getHarness();
    const user = h.newUserId();
    const token = await h.token(user);
    const [strava, fitbit, garmin] = await Promise.all([
      h.connection(user, 'strava'),
      h.connection(user, 'fitbit'),
      h.connection(user, 'garmin'),
    ]);
    await h.syncConfig(user, strava.connectionId, fitbit.connectionId, 'workout');
    await h.syncConfig(user, garmin.connectionId, strava.connectionId, 'steps');
    const unrelated = await h.syncConfig(user, fitbit.connectionId, garmin.connectionId, 'sleep_session');
    // Warm the cache first: the delete must invalidate it.
    expect(
      (await h.request<ConnectionList>('GET', '/v1/connections', { token })).body.connections,
    ).to.have.length(3);

    const del = await h.request('DELETE', `/v1/connections/${strava.connectionId}`, { token });
    expect(del.status).to.equal(204);
    expect(del.text).to.equal('');

    const list = await h.request<ConnectionList>('GET', '/v1/connections', { token });
    expect(list.body.connections.map((c) => c.connectionId)).not.to.include(strava.connectionId);
    const remaining = await h.syncConfigs.listByUser(user);
    expect(remaining.map((c) => c.configId)).to.deep.equal([unrelated.configId]);

    const again = await h.request('DELETE', `/v1/connections/${strava.connectionId}`, { token });
    expect(again.status).to.equal(404);
    expect((again.body as { code: string }).code).to.equal('connection_not_found');
  });

  it("never deletes another user's connection (404, item intact)", async () => {
    const h = getHarness();
    const owner = h.newUserId('owner');
    const conn = await h.connection(owner, 'strava');
    const r = await h.request('DELETE', `/v1/connections/${conn.connectionId}`, {
      token: await h.token(h.newUserId('intruder')),
    });
    expect(r.status).to.equal(404);
    expect(await h.connections.get(owner, conn.connectionId)).to.not.equal(undefined);
  });

  it('lists connections oldest first (createdAt, then id for equal times), whatever the ids', async () => {
    const h = getHarness();
    const user = h.newUserId();
    // Ids in reverse order of creation, two created in the same millisecond: the table's own
    // (id) order is the opposite of the contract's.
    const created = [
      ['conn_ffffffff-ffff-4fff-bfff-ffffffffffff', '2026-01-05T10:00:00.000Z', 'strava'],
      ['conn_cccccccc-cccc-4ccc-bccc-cccccccccccc', '2026-01-05T10:00:01.000Z', 'fitbit'],
      ['conn_aaaaaaaa-aaaa-4aaa-baaa-aaaaaaaaaaaa', '2026-01-05T10:00:02.000Z', 'garmin'],
      ['conn_bbbbbbbb-bbbb-4bbb-bbbb-bbbbbbbbbbbb', '2026-01-05T10:00:02.000Z', 'google_fit'],
      ['conn_11111111-1111-4111-b111-111111111111', '2026-01-05T10:00:03.000Z', 'strava'],
    ] as const;
    for (const [connectionId, createdAt, provider] of created)
      await h.connections.create({
        userId: user,
        connectionId,
        provider,
        status: 'active',
        credentialRef: null,
        createdAt,
        updatedAt: createdAt,
      });
    const r = await h.request<ConnectionList>('GET', '/v1/connections', { token: await h.token(user) });
    expect(r.status, r.text).to.equal(200);
    expect(r.body.connections.map((c) => c.connectionId)).to.deep.equal(created.map(([id]) => id));
  });
});
