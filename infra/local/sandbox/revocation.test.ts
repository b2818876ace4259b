// The providers' revocation calls through real HTTP, as each provider answers them: Strava's
// deauthorize, Fitbit's and Google's RFC 7009 endpoints, Garmin's user deregistration. After a
// revocation the fakes refuse the grant's tokens (API calls and refresh grants), the grant is
// reported revoked, and injected faults make the call fail the way a provider outage does.
import { expect } from 'chai';
import type { CloudProvider } from '../../../core/domain/types.js';
import type { IssuedGrant } from './oauthServer.js';
import { startProviderSandbox, type ProviderSandbox, type SandboxUser } from './sandboxServer.js';
import { issueTokens } from './testTokens.js';

const NOW = new Date('2026-03-02T09:00:00Z');

interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
}

describe('sandbox: revocation at the providers', () => {
  let sandbox: ProviderSandbox;
  let user: SandboxUser;

  before(async () => {
    sandbox = await startProviderSandbox({ now: () => NOW });
  });
  after(async () => {
    await sandbox.stop();
  });
  beforeEach(() => {
    sandbox.reset();
    user = sandbox.createUser({ name: 'robin' });
  });

  async function call(
    url: string,
    init: { method?: string; form?: Record<string, string>; headers?: Record<string, string> } = {},
  ): Promise<Answer> {
    const res = await fetch(url, {
      method: init.method ?? 'POST',
      headers: {
        ...(init.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        ...init.headers,
      },
      ...(init.form ? { body: new URLSearchParams(init.form).toString() } : {}),
    });
    const text = await res.text();
    return {
      status: res.status,
      headers: res.headers,
      body: text ? (JSON.parse(text) as unknown) : undefined,
    };
  }

  const basic = (provider: CloudProvider) => {
    const server = sandbox.oauth[provider];
    return `Basic ${Buffer.from(`${server.clientId}:${server.clientSecret}`).toString('base64')}`;
  };

  /** A refresh grant at the provider's token endpoint, with the client authentication it wants. */
  function refresh(provider: CloudProvider, tokenPath: string, refreshToken: string): Promise<Answer> {
    const server = sandbox.oauth[provider];
    const basicAuth = sandbox.fakes[provider].oauthShape.clientAuth === 'basic';
    return call(`${sandbox.url}/${provider}${tokenPath}`, {
      form: {
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
        ...(basicAuth ? {} : { client_id: server.clientId, client_secret: server.clientSecret }),
      },
      headers: basicAuth ? { authorization: basic(provider) } : {},
    });
  }

  const bearer = (grant: IssuedGrant) => ({ authorization: `Bearer ${grant.accessToken}` });

  describe('Strava: POST /oauth/deauthorize', () => {
    const deauthorize = (form: Record<string, string>) =>
      call(`${sandbox.url}/strava/oauth/deauthorize`, { form });

    it('ends every token of the athlete for the app and answers the token back', async () => {
      const grant = issueTokens(sandbox, 'strava', user.sandboxUserId);
      const other = issueTokens(sandbox, 'strava', user.sandboxUserId);
      const res = await deauthorize({ access_token: grant.accessToken });
      expect(res.status).to.equal(200);
      expect(res.body).to.deep.equal({ access_token: grant.accessToken });

      for (const g of [grant, other])
        expect(
          (await call(`${sandbox.url}/strava/api/v3/athlete`, { method: 'GET', headers: bearer(g) })).status,
        ).to.equal(401);
      const refused = await refresh('strava', '/oauth/token', grant.refreshToken);
      expect(refused.status).to.equal(400);
      expect(sandbox.oauth.strava.grants(user.sandboxUserId)).to.deep.include({ active: 0, revoked: 2 });
      expect(sandbox.oauth.strava.grants(user.sandboxUserId).revocations.map((r) => r.via)).to.deep.equal([
        'client',
        'client',
      ]);
      // A second deauthorization presents a dead token: Strava's Authorization Error.
      const again = await deauthorize({ access_token: grant.accessToken });
      expect(again.status).to.equal(401);
      expect(again.body).to.deep.include({ message: 'Authorization Error' });
    });

    it('needs a live access token: an expired one is refused and revokes nothing', async () => {
      const grant = issueTokens(sandbox, 'strava', user.sandboxUserId);
      sandbox.oauth.strava.expireAccessTokens(user.sandboxUserId);
      expect((await deauthorize({ access_token: grant.accessToken })).status).to.equal(401);
      expect((await deauthorize({ access_token: grant.refreshToken })).status).to.equal(401);
      expect(sandbox.oauth.strava.grants(user.sandboxUserId)).to.deep.include({ active: 1, revoked: 0 });
      // After a refresh the new access token deauthorizes.
      const refreshed = await refresh('strava', '/oauth/token', grant.refreshToken);
      const fresh = (refreshed.body as { access_token: string }).access_token;
      expect((await deauthorize({ access_token: fresh })).status).to.equal(200);
      expect(sandbox.oauth.strava.grants(user.sandboxUserId).active).to.equal(0);
    });
  });

  describe('Fitbit: POST /oauth2/revoke (RFC 7009, Basic client auth)', () => {
    const revoke = (token: string | undefined, authorization?: string) =>
      call(`${sandbox.url}/fitbit/oauth2/revoke`, {
        form: token === undefined ? {} : { token },
        headers: authorization ? { authorization } : {},
      });

    it('refuses a caller without the client credentials', async () => {
      const grant = issueTokens(sandbox, 'fitbit', user.sandboxUserId);
      const res = await revoke(grant.refreshToken);
      expect(res.status).to.equal(401);
      expect(res.body).to.deep.include({ success: false });
      expect(sandbox.oauth.fitbit.grants(user.sandboxUserId).active).to.equal(1);
    });

    it('revoking the refresh token ends every token of the user; dead or unknown tokens answer 200', async () => {
      const grant = issueTokens(sandbox, 'fitbit', user.sandboxUserId);
      const other = issueTokens(sandbox, 'fitbit', user.sandboxUserId);
      expect((await revoke(grant.refreshToken, basic('fitbit'))).status).to.equal(200);
      for (const g of [grant, other])
        expect(
          (await call(`${sandbox.url}/fitbit/1/user/-/profile.json`, { method: 'GET', headers: bearer(g) }))
            .status,
        ).to.equal(401);
      expect((await refresh('fitbit', '/oauth2/token', other.refreshToken)).status).to.equal(400);
      expect(sandbox.oauth.fitbit.grants(user.sandboxUserId)).to.deep.include({ active: 0, revoked: 2 });
      expect((await revoke(grant.accessToken, basic('fitbit'))).status).to.equal(200);
      expect((await revoke('never-issued', basic('fitbit'))).status).to.equal(200);
      expect(sandbox.oauth.fitbit.stats.revocations).to.equal(2);
    });

    it('answers a request without a token with invalid_request', async () => {
      const res = await revoke(undefined, basic('fitbit'));
      expect(res.status).to.equal(400);
      expect(res.body).to.deep.include({
        errors: [{ errorType: 'invalid_request', message: 'Missing parameters: token.' }],
      });
    });
  });

  describe('Google: POST /revoke', () => {
    const revoke = (token: string) => call(`${sandbox.url}/google_fit/revoke`, { form: { token } });

    it('ends the grant of the token (and only that grant) without client authentication', async () => {
      const grant = issueTokens(sandbox, 'google_fit', user.sandboxUserId);
      const other = issueTokens(sandbox, 'google_fit', user.sandboxUserId);
      expect((await revoke(grant.refreshToken)).status).to.equal(200);
      const api = (g: IssuedGrant) =>
        call(`${sandbox.url}/google_fit/fitness/v1/users/me/dataSources`, {
          method: 'GET',
          headers: bearer(g),
        });
      expect((await api(grant)).status).to.equal(401);
      expect((await api(other)).status).to.equal(200);
      expect((await refresh('google_fit', '/token', grant.refreshToken)).status).to.equal(400);
      expect(sandbox.oauth.google_fit.grants(user.sandboxUserId)).to.deep.include({ active: 1, revoked: 1 });
    });

    it('answers invalid_token for a revoked, unknown or expired token, and an expired access token revokes nothing', async () => {
      const grant = issueTokens(sandbox, 'google_fit', user.sandboxUserId);
      sandbox.oauth.google_fit.expireAccessTokens(user.sandboxUserId);
      const expired = await revoke(grant.accessToken);
      expect(expired.status).to.equal(400);
      expect(expired.body).to.deep.equal({
        error: 'invalid_token',
        error_description: 'Token expired or revoked',
      });
      expect(sandbox.oauth.google_fit.grants(user.sandboxUserId).active).to.equal(1);
      expect((await revoke(grant.refreshToken)).status).to.equal(200);
      expect((await revoke(grant.refreshToken)).status).to.equal(400);
      expect((await revoke('never-issued')).status).to.equal(400);
    });
  });

  describe('Garmin: DELETE /wellness-api/rest/user/registration', () => {
    const deregister = (g: IssuedGrant) =>
      call(`${sandbox.url}/garmin/wellness-api/rest/user/registration`, {
        method: 'DELETE',
        headers: bearer(g),
      });

    it('answers 204, then refuses every token of the user', async () => {
      const grant = issueTokens(sandbox, 'garmin', user.sandboxUserId);
      const res = await deregister(grant);
      expect(res.status).to.equal(204);
      expect(res.body).to.equal(undefined);
      const userId = await call(`${sandbox.url}/garmin/wellness-api/rest/user/id`, {
        method: 'GET',
        headers: bearer(grant),
      });
      expect(userId.status).to.equal(401);
      expect((await refresh('garmin', '/di-oauth2-service/oauth/token', grant.refreshToken)).status).to.equal(
        400,
      );
      expect((await deregister(grant)).status).to.equal(401);
      expect(sandbox.oauth.garmin.grants(user.sandboxUserId).revocations).to.have.length(1);
    });
  });

  it('lets tests make a revocation endpoint fail like an outage, then work again', async () => {
    const grant = issueTokens(sandbox, 'fitbit', user.sandboxUserId);
    sandbox.faults.add({
      provider: 'fitbit',
      kind: 'status',
      status: 503,
      retryAfterSeconds: 120,
      pathPrefix: '/oauth2/revoke',
    });
    const down = await call(`${sandbox.url}/fitbit/oauth2/revoke`, {
      form: { token: grant.refreshToken },
      headers: { authorization: basic('fitbit') },
    });
    expect(down.status).to.equal(503);
    expect(down.headers.get('retry-after')).to.equal('120');
    expect(sandbox.oauth.fitbit.grants(user.sandboxUserId).active).to.equal(1);
    const up = await call(`${sandbox.url}/fitbit/oauth2/revoke`, {
      form: { token: grant.refreshToken },
      headers: { authorization: basic('fitbit') },
    });
    expect(up.status).to.equal(200);
    expect(sandbox.oauth.fitbit.grants(user.sandboxUserId).active).to.equal(0);
  });

  it('reports a user’s grants through the admin API', async () => {
    issueTokens(sandbox, 'strava', user.sandboxUserId);
    sandbox.oauth.strava.revokeUser(user.sandboxUserId);
    const res = await call(`${sandbox.url}/_sandbox/users/${user.sandboxUserId}/grants?provider=strava`, {
      method: 'GET',
    });
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.include({ active: 0, revoked: 1 });
    expect((res.body as { revocations: { via: string }[] }).revocations[0]!.via).to.equal('user');
  });
});
