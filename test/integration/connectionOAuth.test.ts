// Connecting a provider through OAuth 2.0 against the provider sandbox: authorization URL and
// state, the callback's code exchange, tokens in the secret store behind a UUID pointer, and every
// way the flow can go wrong (denied consent, refused or replayed code, unknown or used state,
// unreachable token endpoint, disallowed redirect), each a clear problem+json with no leftovers.
import { expect } from 'chai';
import { readdir } from 'node:fs/promises';
import type { Problem } from '../../core/domain/types.js';
import { isSecretRef } from '../../core/secrets/secretStore.js';
import { getHarness } from './hooks.js';
import { consentAtSandbox } from '../support/harness.js';
import { clock } from '../../core/clock/clock.js';

interface Authorization {
  connectionId: string;
  provider: string;
  authorizationUrl: string;
  state: string;
  expiresAt: string;
}

async function start(provider: string, token: string) {
  const h = getHarness();
  const res = await h.request<Authorization>('POST', '/v1/connections', { token, body: { provider } });
  expect(res.status, res.text).to.equal(201);
  return res.body;
}

describe('connecting a provider (OAuth)', () => {
  it('creates a pending connection with an authorization URL carrying state and PKCE, then activates it', async () => {
    const h = getHarness();
    const userId = h.newUserId();
    const token = await h.token(userId);
    const person = h.stack.sandbox.createUser({ persona: { empty: true } });
    const auth = await start('fitbit', token);
    expect(auth.connectionId).to.match(/^conn_[0-9a-f-]{36}$/);
    const url = new URL(auth.authorizationUrl);
    expect(url.pathname).to.equal('/fitbit/oauth2/authorize');
    expect(url.searchParams.get('state')).to.equal(auth.state);
    expect(url.searchParams.get('client_id')).to.equal('sandbox-fitbit-client');
    expect(url.searchParams.get('code_challenge_method')).to.equal('S256');
    expect(url.searchParams.get('redirect_uri')).to.match(/\/v1\/oauth\/fitbit\/callback$/);
    expect(Date.parse(auth.expiresAt) - clock.now()).to.be.within(9 * 60_000, 10 * 60_000 + 1000);

    const pending = await h.request<{ connections: { connectionId: string; status: string }[] }>(
      'GET',
      '/v1/connections',
      { token },
    );
    expect(pending.body.connections.find((c) => c.connectionId === auth.connectionId)?.status).to.equal(
      'pending',
    );

    const activated = await h.request<{ connectionId: string; status: string; provider: string }>(
      'GET',
      await consentAtSandbox(auth.authorizationUrl, person.sandboxUserId),
    );
    expect(activated.status, activated.text).to.equal(200);
    expect(activated.body).to.include({
      connectionId: auth.connectionId,
      status: 'active',
      provider: 'fitbit',
    });

    // The item holds a UUID pointer and the provider's user id, never a token.
    const stored = await h.connections.get(userId, auth.connectionId);
    expect(stored?.status).to.equal('active');
    expect(isSecretRef(stored?.credentialRef)).to.equal(true);
    expect(stored?.providerUserId).to.equal(person.providerUserIds.fitbit);
    expect(JSON.stringify(stored)).to.not.match(/at_|rt_/);
    const files = await readdir(h.config.SECRET_STORE_DIR);
    expect(files).to.include(`${stored!.credentialRef}.secret`);
  });

  it('works once per state: a replayed callback is 404 and changes nothing', async () => {
    const h = getHarness();
    const token = await h.token(h.newUserId());
    const person = h.stack.sandbox.createUser({ persona: { empty: true } });
    const auth = await start('strava', token);
    expect(new URL(auth.authorizationUrl).searchParams.get('code_challenge')).to.equal(null); // Strava has no PKCE
    const callback = await consentAtSandbox(auth.authorizationUrl, person.sandboxUserId);
    expect((await h.request('GET', callback)).status).to.equal(200);
    const replay = await h.request<Problem>('GET', callback);
    expect(replay.status).to.equal(404);
    expect(replay.body.code).to.equal('not_found');
    expect(
      (await h.request<Problem>('GET', '/v1/oauth/strava/callback?state=made-up&code=x')).status,
    ).to.equal(404);
  });

  it('rejects a state presented for another provider', async () => {
    const h = getHarness();
    const token = await h.token(h.newUserId());
    const auth = await start('strava', token);
    const res = await h.request<Problem>('GET', `/v1/oauth/fitbit/callback?state=${auth.state}&code=abc`);
    expect(res.status).to.equal(404);
  });

  it('drops the pending connection when the user denies consent (400 oauth_denied at /error)', async () => {
    const h = getHarness();
    const userId = h.newUserId();
    const token = await h.token(userId);
    const auth = await start('google_fit', token);
    const res = await h.request<Problem>(
      'GET',
      await consentAtSandbox(auth.authorizationUrl, 'nobody', true),
    );
    expect(res.status).to.equal(400);
    expect(res.body.code).to.equal('oauth_denied');
    expect(res.body.errors?.[0]).to.include({ location: 'query', path: '/error', code: 'access_denied' });
    expect(await h.connections.get(userId, auth.connectionId)).to.equal(undefined);
  });

  it('answers 400 oauth_code_rejected for a code the provider refuses, and 503 when its token endpoint is down', async () => {
    const h = getHarness();
    const userId = h.newUserId();
    const token = await h.token(userId);
    const refused = await start('strava', token);
    const bad = await h.request<Problem>(
      'GET',
      `/v1/oauth/strava/callback?state=${refused.state}&code=not-a-code`,
    );
    expect(bad.status).to.equal(400);
    expect(bad.body.code).to.equal('oauth_code_rejected');
    expect(await h.connections.get(userId, refused.connectionId)).to.equal(undefined);

    const person = h.stack.sandbox.createUser({ persona: { empty: true } });
    const down = await start('strava', token);
    const callback = await consentAtSandbox(down.authorizationUrl, person.sandboxUserId);
    h.stack.sandbox.faults.add({
      provider: 'strava',
      kind: 'status',
      status: 503,
      pathPrefix: '/oauth/token',
    });
    const unavailable = await h.request<Problem>('GET', callback);
    expect(unavailable.status).to.equal(503);
    expect(unavailable.body.code).to.equal('provider_unavailable');
    expect(unavailable.headers.get('retry-after')).to.equal('30');
  });

  it('refuses a redirectUri that is not on the allow-list, and Apple Health (device-only)', async () => {
    const h = getHarness();
    const token = await h.token(h.newUserId());
    const bad = await h.request<Problem>('POST', '/v1/connections', {
      token,
      body: { provider: 'strava', redirectUri: 'https://evil.example/steal' },
    });
    expect(bad.status).to.equal(400);
    expect(bad.body.code).to.equal('redirect_uri_not_allowed');
    const ok = await h.request('POST', '/v1/connections', {
      token,
      body: { provider: 'strava', redirectUri: 'syncwell://oauth/done' },
    });
    expect(ok.status).to.equal(201);
    const apple = await h.request<Problem>('POST', '/v1/connections', {
      token,
      body: { provider: 'apple_health' },
    });
    expect(apple.status).to.equal(400);
    expect(apple.body.code).to.equal('validation_failed');
  });

  it('replays createConnection for the same Idempotency-Key (same connection and state)', async () => {
    const h = getHarness();
    const token = await h.token(h.newUserId());
    const key = crypto.randomUUID();
    const a = await h.request<Authorization>('POST', '/v1/connections', {
      token,
      body: { provider: 'garmin' },
      idempotencyKey: key,
    });
    const b = await h.request<Authorization>('POST', '/v1/connections', {
      token,
      body: { provider: 'garmin' },
      idempotencyKey: key,
    });
    expect(b.status).to.equal(201);
    expect(b.headers.get('idempotent-replayed')).to.equal('true');
    expect(b.body).to.deep.equal(a.body);
  });

  it('reconnecting the same provider account revives the existing connection and deletes its old secret', async () => {
    const h = getHarness();
    const userId = h.newUserId();
    const token = await h.token(userId);
    const person = h.stack.sandbox.createUser({ persona: { empty: true } });
    const first = await start('garmin', token);
    await h.request('GET', await consentAtSandbox(first.authorizationUrl, person.sandboxUserId));
    const before = await h.connections.get(userId, first.connectionId);
    const second = await start('garmin', token);
    const revived = await h.request<{ connectionId: string; status: string }>(
      'GET',
      await consentAtSandbox(second.authorizationUrl, person.sandboxUserId),
    );
    expect(revived.status).to.equal(200);
    expect(revived.body).to.include({ connectionId: first.connectionId, status: 'active' });
    expect(await h.connections.get(userId, second.connectionId)).to.equal(undefined);
    const after = await h.connections.get(userId, first.connectionId);
    expect(after?.credentialRef).to.not.equal(before?.credentialRef);
    const files = await readdir(h.config.SECRET_STORE_DIR);
    expect(files).to.not.include(`${before!.credentialRef}.secret`);
    expect(files).to.include(`${after!.credentialRef}.secret`);
  });

  it('deleting a connection deletes its stored tokens', async () => {
    const h = getHarness();
    const userId = h.newUserId();
    const token = await h.token(userId);
    const person = h.stack.sandbox.createUser({ persona: { empty: true } });
    const auth = await start('strava', token);
    await h.request('GET', await consentAtSandbox(auth.authorizationUrl, person.sandboxUserId));
    const ref = (await h.connections.get(userId, auth.connectionId))!.credentialRef!;
    expect(await readdir(h.config.SECRET_STORE_DIR)).to.include(`${ref}.secret`);
    expect((await h.request('DELETE', `/v1/connections/${auth.connectionId}`, { token })).status).to.equal(
      204,
    );
    expect(await readdir(h.config.SECRET_STORE_DIR)).to.not.include(`${ref}.secret`);
  });
});
