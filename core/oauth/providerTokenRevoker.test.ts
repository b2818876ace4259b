// The revoker against the provider sandbox over real HTTP: each provider's own call, the answers
// that mean "already gone", refreshing first where a live access token is needed (the new pair
// handed to the caller before the revocation), and outages (5xx with Retry-After, timeouts).
import { expect } from 'chai';
import { loadConfig } from '../config/config.js';
import { CLOUD_PROVIDERS } from '../providers/profiles.js';
import type { CloudProvider } from '../domain/types.js';
import { createLogger } from '../logging/logger.js';
import { ProviderTokens } from '../secrets/providerTokens.js';
import type { IssuedGrant } from '../../infra/local/sandbox/oauthServer.js';
import { startProviderSandbox, type ProviderSandbox } from '../../infra/local/sandbox/sandboxServer.js';
import { issueTokens } from '../../infra/local/sandbox/testTokens.js';
import { ProviderTokenRevoker } from './providerTokenRevoker.js';

const NOW = new Date('2026-05-04T08:00:00Z');
const logger = createLogger({ level: 'silent', service: 'test' });

const tokensOf = (grant: IssuedGrant, overrides: { expiresAt?: number; refreshToken?: string | null } = {}) =>
  new ProviderTokens({
    accessToken: grant.accessToken,
    refreshToken: overrides.refreshToken === undefined ? grant.refreshToken : overrides.refreshToken,
    expiresAt: overrides.expiresAt ?? grant.expiresAt * 1000,
  });

describe('ProviderTokenRevoker', () => {
  let sandbox: ProviderSandbox;
  let revoker: ProviderTokenRevoker;

  before(async () => {
    sandbox = await startProviderSandbox({ now: () => NOW });
  });
  after(async () => {
    await sandbox.stop();
  });
  beforeEach(() => {
    sandbox.reset();
    revoker = revokerWith();
  });

  function revokerWith(timeoutMs = 2000): ProviderTokenRevoker {
    const config = loadConfig({
      HOT_PATH_QUEUE_URL: 'http://127.0.0.1:1/000000000000/q.fifo',
      FIREBASE_PROJECT_ID: 'p',
      PROVIDER_SANDBOX_URL: sandbox.url,
    });
    return new ProviderTokenRevoker({ config, logger, timeoutMs, now: () => NOW.getTime() });
  }

  const person = () => sandbox.createUser({ persona: { empty: true } }).sandboxUserId;

  for (const provider of CLOUD_PROVIDERS)
    it(`${provider}: revokes the grant, and a second revocation finds it gone (revoked again)`, async () => {
      const id = person();
      const grant = issueTokens(sandbox, provider, id);
      expect(await revoker.revoke(provider, tokensOf(grant))).to.deep.equal({ outcome: 'revoked' });
      expect(sandbox.oauth[provider].grants(id)).to.deep.include({ active: 0, revoked: 1 });
      expect(sandbox.oauth[provider].check(`Bearer ${grant.accessToken}`)).to.deep.equal({
        ok: false,
        reason: 'invalid',
      });
      expect(await revoker.revoke(provider, tokensOf(grant))).to.deep.equal({ outcome: 'revoked' });
    });

  for (const provider of ['strava', 'garmin'] as const)
    it(`${provider}: refreshes an expired access token first and hands the new pair over before revoking`, async () => {
      const id = person();
      const grant = issueTokens(sandbox, provider, id);
      sandbox.oauth[provider].expireAccessTokens(id);
      const stored: ProviderTokens[] = [];
      const result = await revoker.revoke(
        provider,
        tokensOf(grant, { expiresAt: NOW.getTime() - 1000 }),
        undefined,
        {
          onTokensRefreshed: async (t) => {
            // The grant is still live when the caller stores the new pair.
            expect(sandbox.oauth[provider].grants(id).active).to.equal(1);
            stored.push(t);
          },
        },
      );
      expect(result).to.deep.equal({ outcome: 'revoked' });
      expect(stored).to.have.length(1);
      expect(stored[0]!.revealRefreshToken()).to.not.equal(grant.refreshToken);
      expect(sandbox.oauth[provider].stats.refreshes).to.equal(1);
      expect(sandbox.oauth[provider].grants(id).active).to.equal(0);
    });

  it('strava: an access token refused though not expired by our clock is refreshed once, then revoked', async () => {
    const id = person();
    const grant = issueTokens(sandbox, 'strava', id);
    sandbox.oauth.strava.expireAccessTokens(id);
    expect(await revoker.revoke('strava', tokensOf(grant))).to.deep.equal({ outcome: 'revoked' });
    expect(sandbox.oauth.strava.stats.refreshes).to.equal(1);
    expect(sandbox.oauth.strava.grants(id).active).to.equal(0);
  });

  it('strava: a grant the athlete already revoked (refresh refused) is revoked, not retried', async () => {
    const id = person();
    const grant = issueTokens(sandbox, 'strava', id);
    sandbox.oauth.strava.revokeUser(id);
    expect(await revoker.revoke('strava', tokensOf(grant))).to.deep.equal({ outcome: 'revoked' });
  });

  it('strava: uses the stored pair when another process rotated the refresh token meanwhile', async () => {
    const id = person();
    const grant = issueTokens(sandbox, 'strava', id);
    sandbox.oauth.strava.expireAccessTokens(id);
    // Another process refreshed: the copy we hold has a spent refresh token, the store the live pair.
    const rotated = await fetch(`${sandbox.url}/strava/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: grant.refreshToken,
        client_id: sandbox.oauth.strava.clientId,
        client_secret: sandbox.oauth.strava.clientSecret,
      }).toString(),
    }).then((r) => r.json() as Promise<{ access_token: string; refresh_token: string; expires_at: number }>);
    const live = new ProviderTokens({
      accessToken: rotated.access_token,
      refreshToken: rotated.refresh_token,
      expiresAt: rotated.expires_at * 1000,
    });
    const result = await revoker.revoke(
      'strava',
      tokensOf(grant, { expiresAt: NOW.getTime() - 1 }),
      undefined,
      {
        reloadTokens: async () => live,
      },
    );
    expect(result).to.deep.equal({ outcome: 'revoked' });
    expect(sandbox.oauth.strava.grants(id)).to.deep.include({ active: 0, revoked: 1 });
    expect(sandbox.oauth.strava.stats.refreshReuseRefused).to.equal(1);
  });

  it('google_fit: revokes with the refresh token, which outlives an expired access token', async () => {
    const id = person();
    const grant = issueTokens(sandbox, 'google_fit', id);
    sandbox.oauth.google_fit.expireAccessTokens(id);
    expect(
      await revoker.revoke('google_fit', tokensOf(grant, { expiresAt: NOW.getTime() - 1 })),
    ).to.deep.equal({
      outcome: 'revoked',
    });
    expect(sandbox.oauth.google_fit.grants(id).active).to.equal(0);
  });

  it('is unavailable on a 503 (with its Retry-After) and on a 429, and revokes nothing', async () => {
    const id = person();
    const grant = issueTokens(sandbox, 'fitbit', id);
    sandbox.faults.add({ provider: 'fitbit', kind: 'status', status: 503, retryAfterSeconds: 90 });
    expect(await revoker.revoke('fitbit', tokensOf(grant))).to.deep.equal({
      outcome: 'unavailable',
      reason: 'fitbit revocation endpoint answered 503',
      retryAfterSeconds: 90,
    });
    sandbox.faults.add({ provider: 'fitbit', kind: 'status', status: 429 });
    expect(await revoker.revoke('fitbit', tokensOf(grant))).to.include({ outcome: 'unavailable' });
    expect(sandbox.oauth.fitbit.grants(id).active).to.equal(1);
  });

  it('is unavailable when the provider does not answer in time or drops the connection', async () => {
    const id = person();
    const grant = issueTokens(sandbox, 'garmin', id);
    sandbox.faults.add({ provider: 'garmin', kind: 'latency', ms: 500 });
    expect(await revokerWith(100).revoke('garmin', tokensOf(grant))).to.deep.equal({
      outcome: 'unavailable',
      reason: 'garmin revocation endpoint timed out',
    });
    sandbox.faults.add({ provider: 'garmin', kind: 'reset' });
    expect(await revoker.revoke('garmin', tokensOf(grant))).to.deep.equal({
      outcome: 'unavailable',
      reason: 'garmin revocation endpoint unreachable',
    });
    expect(sandbox.oauth.garmin.grants(id).active).to.equal(1);
  });

  it('strava: a refused access token with no refresh token leaves nothing to revoke with', async () => {
    const id = person();
    const grant = issueTokens(sandbox, 'strava', id);
    sandbox.oauth.strava.expireAccessTokens(id);
    expect(await revoker.revoke('strava', tokensOf(grant, { refreshToken: null }))).to.deep.equal({
      outcome: 'revoked',
    });
  });

  it('is unavailable when the refresh it needs cannot be made (token endpoint down)', async () => {
    const id = person();
    const grant = issueTokens(sandbox, 'garmin', id);
    sandbox.faults.add({ provider: 'garmin', kind: 'status', status: 502, pathPrefix: '/di-oauth2-service' });
    const provider: CloudProvider = 'garmin';
    expect(await revoker.revoke(provider, tokensOf(grant, { expiresAt: NOW.getTime() - 1 }))).to.deep.equal({
      outcome: 'unavailable',
      reason: 'garmin token refresh failed',
    });
    expect(sandbox.oauth.garmin.grants(id).active).to.equal(1);
  });
});
