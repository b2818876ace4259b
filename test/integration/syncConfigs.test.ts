import { expect } from 'chai';
import { getHarness } from './hooks.js';

interface SyncConfig {
  configId: string;
  sourceConnectionId: string;
  destinationConnectionId: string;
  dataType: string;
  conflictStrategy: string;
  isEnabled: boolean;
  version: number;
}

describe('sync configurations', () => {
  async function setup() {
    const h = getHarness();
    const user = h.newUserId();
    const token = await h.token(user);
    const [strava, fitbit, garmin] = await Promise.all([
      h.connection(user, 'strava'),
      h.connection(user, 'fitbit'),
      h.connection(user, 'garmin'),
    ]);
    return { h, user, token, strava, fitbit, garmin };
  }

  it('creates (201 + ETag + Location with defaults), reads, lists, updates and deletes', async () => {
    const { h, token, strava, fitbit, garmin } = await setup();
    const created = await h.request<SyncConfig>('POST', '/v1/sync-configs', {
      token,
      body: {
        sourceConnectionId: strava.connectionId,
        destinationConnectionId: fitbit.connectionId,
        dataType: 'workout',
      },
    });
    expect(created.status, created.text).to.equal(201);
    expect(created.body).to.include({ conflictStrategy: 'newest_wins', isEnabled: true, version: 1 });
    expect(created.body.configId).to.match(/^cfg_[0-9a-f-]{36}$/);
    expect(created.headers.get('etag')).to.equal('"1"');
    expect(created.headers.get('location')).to.equal(`/v1/sync-configs/${created.body.configId}`);

    const got = await h.request<SyncConfig>('GET', `/v1/sync-configs/${created.body.configId}`, { token });
    expect(got.body).to.deep.equal(created.body);

    const patched = await h.request<SyncConfig>('PATCH', `/v1/sync-configs/${created.body.configId}`, {
      token,
      headers: { 'if-match': '"1"' },
      body: { isEnabled: false, destinationConnectionId: garmin.connectionId },
    });
    expect(patched.status, patched.text).to.equal(200);
    expect(patched.body).to.include({
      isEnabled: false,
      destinationConnectionId: garmin.connectionId,
      version: 2,
    });
    expect(patched.headers.get('etag')).to.equal('"2"');

    const list = await h.request<{ syncConfigs: SyncConfig[] }>('GET', '/v1/sync-configs', { token });
    expect(list.body.syncConfigs).to.deep.equal([patched.body]);

    const del = await h.request('DELETE', `/v1/sync-configs/${created.body.configId}`, {
      token,
      headers: { 'if-match': '"2"' },
    });
    expect(del.status).to.equal(204);
    const gone = await h.request('GET', `/v1/sync-configs/${created.body.configId}`, { token });
    expect(gone.status).to.equal(404);
  });

  it("takes the user's conflictResolutionStrategy setting when the request names no strategy", async () => {
    const { h, token, strava, fitbit, garmin } = await setup();
    const settings = await h.request('PUT', '/v1/users/me/settings', {
      token,
      headers: { 'if-match': '*' },
      body: { settings: { conflictResolutionStrategy: 'source_wins' } },
    });
    expect(settings.status, settings.text).to.equal(200);
    const implicit = await h.request<SyncConfig>('POST', '/v1/sync-configs', {
      token,
      body: {
        sourceConnectionId: strava.connectionId,
        destinationConnectionId: fitbit.connectionId,
        dataType: 'workout',
      },
    });
    expect(implicit.status, implicit.text).to.equal(201);
    expect(implicit.body.conflictStrategy).to.equal('source_wins');
    // A strategy in the request wins over the setting.
    const explicit = await h.request<SyncConfig>('POST', '/v1/sync-configs', {
      token,
      body: {
        sourceConnectionId: garmin.connectionId,
        destinationConnectionId: fitbit.connectionId,
        dataType: 'workout',
        conflictStrategy: 'dest_wins',
      },
    });
    expect(explicit.status, explicit.text).to.equal(201);
    expect(explicit.body.conflictStrategy).to.equal('dest_wins');
  });

  it('refuses a second configuration for the same source and data type (409 sync_config_exists)', async () => {
    const { h, token, strava, fitbit, garmin } = await setup();
    const body = {
      sourceConnectionId: strava.connectionId,
      destinationConnectionId: fitbit.connectionId,
      dataType: 'steps',
    };
    const first = await h.request<SyncConfig>('POST', '/v1/sync-configs', { token, body });
    const second = await h.request('POST', '/v1/sync-configs', {
      token,
      body: { ...body, destinationConnectionId: garmin.connectionId },
    });
    expect(second.status).to.equal(409);
    expect(second.body).to.include({ code: 'sync_config_exists' });
    expect((second.body as { detail: string }).detail).to.contain(first.body.configId);
  });

  it('uses optimistic locking: stale version 409, stale If-Match 412, neither 428', async () => {
    const { h, token, strava, fitbit } = await setup();
    const created = await h.request<SyncConfig>('POST', '/v1/sync-configs', {
      token,
      body: {
        sourceConnectionId: strava.connectionId,
        destinationConnectionId: fitbit.connectionId,
        dataType: 'weight',
      },
    });
    const path = `/v1/sync-configs/${created.body.configId}`;
    const ok = await h.request<SyncConfig>('PATCH', path, {
      token,
      body: { conflictStrategy: 'dest_wins', version: 1 },
    });
    expect(ok.status, ok.text).to.equal(200);

    const stale = await h.request('PATCH', path, {
      token,
      body: { conflictStrategy: 'source_wins', version: 1 },
    });
    expect(stale.status).to.equal(409);
    expect(stale.body).to.include({ code: 'version_conflict' });

    const staleEtag = await h.request('PATCH', path, {
      token,
      headers: { 'if-match': '"1"' },
      body: { isEnabled: false },
    });
    expect(staleEtag.status).to.equal(412);
    expect(staleEtag.body).to.include({ code: 'precondition_failed' });

    const blind = await h.request('PATCH', path, { token, body: { isEnabled: false } });
    expect(blind.status).to.equal(428);
    expect(blind.body).to.include({ code: 'precondition_required' });

    const staleDelete = await h.request('DELETE', path, { token, headers: { 'if-match': '"1"' } });
    expect(staleDelete.status).to.equal(412);

    const current = await h.request<SyncConfig>('GET', path, { token });
    expect(current.body).to.include({ conflictStrategy: 'dest_wins', isEnabled: true, version: 2 });
  });

  it("checks both connections: another user's is 404 connection_not_found, the same twice is 400", async () => {
    const { h, token, strava } = await setup();
    const foreign = await h.connection(h.newUserId('other'), 'fitbit');
    const r = await h.request('POST', '/v1/sync-configs', {
      token,
      body: {
        sourceConnectionId: strava.connectionId,
        destinationConnectionId: foreign.connectionId,
        dataType: 'workout',
      },
    });
    expect(r.status).to.equal(404);
    expect(r.body).to.include({ code: 'connection_not_found' });
    const same = await h.request('POST', '/v1/sync-configs', {
      token,
      body: {
        sourceConnectionId: strava.connectionId,
        destinationConnectionId: strava.connectionId,
        dataType: 'workout',
      },
    });
    expect(same.status).to.equal(400);
    expect(same.body).to.include({ code: 'same_connection' });
  });

  it("hides another user's configuration from every route (404) and leaves it unchanged", async () => {
    const { h, user, strava, fitbit } = await setup();
    const config = await h.syncConfig(user, strava.connectionId, fitbit.connectionId, 'workout');
    const intruder = await h.token(h.newUserId('intruder'));
    const path = `/v1/sync-configs/${config.configId}`;
    expect((await h.request('GET', path, { token: intruder })).status).to.equal(404);
    expect(
      (await h.request('PATCH', path, { token: intruder, body: { isEnabled: false, version: 1 } })).status,
    ).to.equal(404);
    expect((await h.request('DELETE', path, { token: intruder })).status).to.equal(404);
    const [stored] = await h.syncConfigs.listByUser(user);
    expect(stored).to.deep.include({ isEnabled: true, version: 1 });
  });

  it('lists configurations oldest first (createdAt, then id for equal times), whatever the ids', async () => {
    const { h, user, token, strava, fitbit, garmin } = await setup();
    const created = [
      ['cfg_ffffffff-ffff-4fff-bfff-ffffffffffff', '2026-01-05T10:00:00.000Z', strava, 'workout'],
      ['cfg_aaaaaaaa-aaaa-4aaa-baaa-aaaaaaaaaaaa', '2026-01-05T10:00:01.000Z', fitbit, 'sleep_session'],
      ['cfg_dddddddd-dddd-4ddd-bddd-dddddddddddd', '2026-01-05T10:00:01.000Z', garmin, 'steps'],
      ['cfg_11111111-1111-4111-b111-111111111111', '2026-01-05T10:00:02.000Z', strava, 'weight'],
    ] as const;
    for (const [configId, createdAt, source, dataType] of created)
      await h.syncConfigs.create({
        userId: user,
        configId,
        sourceConnectionId: source.connectionId,
        destinationConnectionId: source === strava ? fitbit.connectionId : strava.connectionId,
        dataType,
        conflictStrategy: 'newest_wins',
        isEnabled: true,
        version: 1,
        createdAt,
        updatedAt: createdAt,
      });
    const r = await h.request<{ syncConfigs: SyncConfig[] }>('GET', '/v1/sync-configs', { token });
    expect(r.status, r.text).to.equal(200);
    expect(r.body.syncConfigs.map((c) => c.configId)).to.deep.equal(created.map(([id]) => id));
  });
});
