import { expect } from 'chai';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../core/store/dynamoClient.js';
import { PROFILE_SK, userPk } from '../../core/store/keys.js';
import { getHarness } from './hooks.js';

interface Envelope {
  settings: Record<string, unknown>;
  version: number;
}

describe('users and settings', () => {
  it('creates the profile on first sight, with the tier from the token and default settings', async () => {
    const h = getHarness();
    const user = h.newUserId();
    const r = await h.request<{
      userId: string;
      email: string;
      subscriptionLevel: string;
      settings: Record<string, unknown>;
    }>('GET', '/v1/users/me', { token: await h.token(user, { tier: 'PRO', email: 'runner@example.test' }) });
    expect(r.status, r.text).to.equal(200);
    expect(r.body).to.include({ userId: user, email: 'runner@example.test', subscriptionLevel: 'PRO' });
    expect(r.body.settings).to.deep.equal({
      conflictResolutionStrategy: 'newest_wins',
      notificationsEnabled: true,
      unitSystem: 'metric',
    });
    // The tier follows the token when billing changes it.
    const later = await h.request<{ subscriptionLevel: string }>('GET', '/v1/users/me', {
      token: await h.token(user, { tier: 'FREE' }),
    });
    expect(later.body.subscriptionLevel).to.equal('FREE');
  });

  it('replaces settings under optimistic locking (ETag, 409, 412, 428)', async () => {
    const h = getHarness();
    const token = await h.token(h.newUserId());
    const got = await h.request<Envelope>('GET', '/v1/users/me/settings', { token });
    expect(got.status).to.equal(200);
    expect(got.headers.get('etag')).to.equal(`"${got.body.version}"`);

    const put = await h.request<Envelope>('PUT', '/v1/users/me/settings', {
      token,
      headers: { 'if-match': got.headers.get('etag')! },
      body: { settings: { unitSystem: 'imperial', timezone: 'Europe/Berlin', locale: 'de-DE' } },
    });
    expect(put.status, put.text).to.equal(200);
    expect(put.body.version).to.equal(got.body.version + 1);
    expect(put.body.settings).to.include({
      unitSystem: 'imperial',
      timezone: 'Europe/Berlin',
      locale: 'de-DE',
    });
    // Keys left out fall back to their defaults: PUT replaces the document.
    expect(put.body.settings).to.include({ conflictResolutionStrategy: 'newest_wins' });

    const stale = await h.request('PUT', '/v1/users/me/settings', {
      token,
      body: { settings: { unitSystem: 'metric' }, version: got.body.version },
    });
    expect(stale.status).to.equal(409);
    expect(stale.body).to.include({ code: 'version_conflict' });
    const staleEtag = await h.request('PUT', '/v1/users/me/settings', {
      token,
      headers: { 'if-match': got.headers.get('etag')! },
      body: { settings: { unitSystem: 'metric' } },
    });
    expect(staleEtag.status).to.equal(412);
    const blind = await h.request('PUT', '/v1/users/me/settings', {
      token,
      body: { settings: { unitSystem: 'metric' } },
    });
    expect(blind.status).to.equal(428);

    const after = await h.request<Envelope>('GET', '/v1/users/me/settings', { token });
    expect(after.body).to.deep.equal(put.body);
  });

  it('rejects unknown or invalid settings with every problem listed', async () => {
    const h = getHarness();
    const token = await h.token(h.newUserId());
    const r = await h.request<{ code: string; errors: Array<{ path: string }> }>(
      'PUT',
      '/v1/users/me/settings',
      {
        token,
        body: { settings: { conflictResolutionStrategy: 'AI_POWERED_MERGE', colour: 'blue' }, version: 1 },
      },
    );
    expect(r.status).to.equal(400);
    expect(r.body.code).to.equal('validation_failed');
    expect(r.body.errors.length).to.be.at.least(2);
  });

  // notificationsEnabled switches the visible notifications off (core/push/pushUserNotifier.ts);
  // left out of a PUT it falls back to its default, true, like every other setting.
  it('stores notificationsEnabled, which defaults to true when a PUT leaves it out', async () => {
    const h = getHarness();
    const user = h.newUserId();
    const token = await h.token(user);
    const off = await h.request<Envelope>('PUT', '/v1/users/me/settings', {
      token,
      headers: { 'if-match': '*' },
      body: { settings: { notificationsEnabled: false, locale: 'de-DE' } },
    });
    expect(off.status, off.text).to.equal(200);
    expect(off.body.settings).to.include({ notificationsEnabled: false, locale: 'de-DE' });
    expect((await h.request<Envelope>('GET', '/v1/users/me/settings', { token })).body.settings).to.include({
      notificationsEnabled: false,
    });
    const wrongType = await h.request<{ code: string }>('PUT', '/v1/users/me/settings', {
      token,
      headers: { 'if-match': '*' },
      body: { settings: { notificationsEnabled: 'no' } },
    });
    expect(wrongType.status).to.equal(400);
    expect(wrongType.body.code).to.equal('validation_failed');
    const back = await h.request<Envelope>('PUT', '/v1/users/me/settings', {
      token,
      headers: { 'if-match': '*' },
      body: { settings: { unitSystem: 'imperial' } },
    });
    expect(back.status, back.text).to.equal(200);
    expect(back.body.settings).to.include({ notificationsEnabled: true, unitSystem: 'imperial' });
  });

  it('never answers a setting the contract does not have, even when an older profile holds it', async () => {
    const h = getHarness();
    const user = h.newUserId();
    const token = await h.token(user);
    expect((await h.request('GET', '/v1/users/me', { token })).status).to.equal(200);
    await createDocumentClient(h.config).send(
      new UpdateCommand({
        TableName: h.config.TABLE_NAME,
        Key: { PK: userPk(user), SK: PROFILE_SK },
        UpdateExpression: 'SET Settings = :s',
        ExpressionAttributeValues: {
          ':s': { conflictResolutionStrategy: 'dest_wins', notificationsEnabled: false, theme: 'dark' },
        },
      }),
    );
    const got = await h.request<Envelope>('GET', '/v1/users/me/settings', { token });
    expect(got.status, got.text).to.equal(200);
    expect(got.body.settings).to.deep.equal({
      conflictResolutionStrategy: 'dest_wins',
      notificationsEnabled: false,
    });
  });

  it('accepts an account deletion with 202 (test/integration/accountDeletion.test.ts has the rest)', async () => {
    const h = getHarness();
    const r = await h.request('DELETE', '/v1/users/me', { token: await h.token(h.newUserId()) });
    expect(r.status, r.text).to.equal(202);
  });
});
