// The OAuth flow returning to a mobile app: a connection created with a `redirectUri` (the app's
// deep link, or an allowed https page) ends with the callback sending the browser there, 302 with
// the outcome as query parameters, on success and on every failure path; without one the callback
// answers JSON as before. The Location never carries a code, token or state.
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { expect } from 'chai';
import type { Problem } from '../../core/domain/types.js';
import { createDocumentClient } from '../../core/store/dynamoClient.js';
import { oauthStateKey, singletonKey } from '../../core/store/keys.js';
import { startApi } from '../../server/main.js';
import { consentAtSandbox, testEnv } from '../support/harness.js';
import { getHarness } from './hooks.js';

const APP_LINK = 'syncwell://oauth/complete';

interface Authorization {
  connectionId: string;
  authorizationUrl: string;
  state: string;
}

async function start(token: string, provider: string, redirectUri?: string): Promise<Authorization> {
  const res = await getHarness().request<Authorization>('POST', '/v1/connections', {
    token,
    body: { provider, ...(redirectUri ? { redirectUri } : {}) },
  });
  expect(res.status, res.text).to.equal(201);
  return res.body;
}

/** The callback as the browser sees it (redirects not followed). */
async function callback(path: string) {
  const res = await fetch(`${getHarness().api.url}${path}`, { redirect: 'manual' });
  const location = res.headers.get('location');
  return { status: res.status, location: location ? new URL(location) : null, text: await res.text() };
}

/** The outcome the app reads from its deep link: the target without its query, and the query. */
function outcome(location: URL | null) {
  expect(location, 'a Location header').to.not.equal(null);
  const target = new URL(location!.href);
  target.search = '';
  return { target: target.href, params: Object.fromEntries(location!.searchParams) };
}

describe('OAuth callback returning to the app (redirectUri)', () => {
  it('redirects to the app with connectionId and status once the connection is active (302)', async () => {
    const h = getHarness();
    const userId = h.newUserId();
    const token = await h.token(userId);
    const person = h.stack.sandbox.createUser({ persona: { empty: true } });
    const auth = await start(token, 'strava', APP_LINK);

    // Strava adds the scopes the athlete granted, Google `scope` and `authuser`; RFC 9207 adds `iss`.
    const extras = '&scope=read,activity:read_all&authuser=0&iss=https://www.strava.com';
    const res = await callback(
      `${await consentAtSandbox(auth.authorizationUrl, person.sandboxUserId)}${extras}`,
    );
    expect(res.status, res.text).to.equal(302);
    expect(outcome(res.location)).to.deep.equal({
      target: APP_LINK,
      params: { connectionId: auth.connectionId, status: 'active' },
    });
    expect((await h.connections.get(userId, auth.connectionId))?.status).to.equal('active');
  });

  it('redirects with error=oauth_denied when the user denies consent, and drops the pending connection', async () => {
    const h = getHarness();
    const userId = h.newUserId();
    const auth = await start(await h.token(userId), 'fitbit', APP_LINK);
    const res = await callback(await consentAtSandbox(auth.authorizationUrl, 'nobody', true));
    expect(res.status, res.text).to.equal(302);
    expect(outcome(res.location)).to.deep.equal({ target: APP_LINK, params: { error: 'oauth_denied' } });
    expect(await h.connections.get(userId, auth.connectionId)).to.equal(undefined);

    // Providers form-encode their explanation (spaces as '+', punctuation as is).
    const described = await start(await h.token(userId), 'fitbit', APP_LINK);
    const withText = await callback(
      `/v1/oauth/fitbit/callback?state=${described.state}&error=access_denied&error_description=The+user+denied+the+request.`,
    );
    expect(withText.status, withText.text).to.equal(302);
    expect(outcome(withText.location)).to.deep.equal({ target: APP_LINK, params: { error: 'oauth_denied' } });
  });

  it('redirects with error=oauth_code_rejected for a refused code, error=provider_unavailable when the token endpoint is down', async () => {
    const h = getHarness();
    const userId = h.newUserId();
    const token = await h.token(userId);
    const refused = await start(token, 'strava', APP_LINK);
    // Google's codes carry a '/' (4/0A…), sent unencoded.
    const bad = await callback(`/v1/oauth/strava/callback?state=${refused.state}&code=4/0Anot-a-code`);
    expect(bad.status, bad.text).to.equal(302);
    expect(outcome(bad.location)).to.deep.equal({
      target: APP_LINK,
      params: { error: 'oauth_code_rejected' },
    });
    expect(await h.connections.get(userId, refused.connectionId)).to.equal(undefined);

    const person = h.stack.sandbox.createUser({ persona: { empty: true } });
    const down = await start(token, 'strava', APP_LINK);
    const path = await consentAtSandbox(down.authorizationUrl, person.sandboxUserId);
    h.stack.sandbox.faults.add({
      provider: 'strava',
      kind: 'status',
      status: 503,
      pathPrefix: '/oauth/token',
    });
    const unavailable = await callback(path);
    expect(unavailable.status, unavailable.text).to.equal(302);
    expect(outcome(unavailable.location)).to.deep.equal({
      target: APP_LINK,
      params: { error: 'provider_unavailable' },
    });
    // The code never travels on to the app.
    expect(unavailable.location!.href).to.not.contain('code=');
  });

  it('redirects with error=not_found for an expired state and for a state presented to another provider', async () => {
    const h = getHarness();
    const userId = h.newUserId();
    const token = await h.token(userId);
    const expired = await start(token, 'garmin', APP_LINK);
    await createDocumentClient(h.config).send(
      new UpdateCommand({
        TableName: h.config.TABLE_NAME,
        Key: singletonKey(oauthStateKey(expired.state)),
        UpdateExpression: 'SET ExpiresAt = :past',
        ExpressionAttributeValues: { ':past': 0 },
      }),
    );
    const late = await callback(`/v1/oauth/garmin/callback?state=${expired.state}&code=abc`);
    expect(late.status, late.text).to.equal(302);
    expect(outcome(late.location)).to.deep.equal({ target: APP_LINK, params: { error: 'not_found' } });
    expect(await h.connections.get(userId, expired.connectionId)).to.equal(undefined);

    const elsewhere = await start(token, 'strava', 'syncwell://oauth/complete?from=settings');
    const wrong = await callback(`/v1/oauth/fitbit/callback?state=${elsewhere.state}&code=abc`);
    expect(wrong.status, wrong.text).to.equal(302);
    // The app's own query parameters are kept.
    expect(outcome(wrong.location)).to.deep.equal({
      target: APP_LINK,
      params: { from: 'settings', error: 'not_found' },
    });
  });

  it('answers JSON without a redirectUri: the Connection on success, problem+json when no state is known', async () => {
    const h = getHarness();
    const token = await h.token(h.newUserId());
    const person = h.stack.sandbox.createUser({ persona: { empty: true } });
    const auth = await start(token, 'strava');
    const ok = await h.request<{ connectionId: string; status: string }>(
      'GET',
      await consentAtSandbox(auth.authorizationUrl, person.sandboxUserId),
    );
    expect(ok.status, ok.text).to.equal(200);
    expect(ok.body).to.include({ connectionId: auth.connectionId, status: 'active' });

    const denied = await start(token, 'strava');
    const problem = await h.request<Problem>(
      'GET',
      await consentAtSandbox(denied.authorizationUrl, 'nobody', true),
    );
    expect(problem.status).to.equal(400);
    expect(problem.headers.get('content-type')).to.match(/^application\/problem\+json/);
    expect(problem.body.code).to.equal('oauth_denied');

    // An unknown (or already used) state names no app to return to: the answer stays problem+json.
    const unknown = await callback('/v1/oauth/strava/callback?state=made-up&code=x');
    expect(unknown.status).to.equal(404);
    expect(unknown.location).to.equal(null);
  });
});

describe('createConnection redirectUri allow-list', () => {
  it("accepts the app's scheme and allowed https pages, refuses any other target (400 redirect_uri_not_allowed)", async () => {
    const h = getHarness();
    const api = await startApi(
      testEnv(h.stack, { OAUTH_ALLOWED_REDIRECT_PREFIXES: 'syncwell://, https://app.syncwell.test/oauth/' }),
    );
    try {
      const token = await h.token(h.newUserId());
      const create = (redirectUri: string) =>
        fetch(`${api.url}/v1/connections`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': 'application/json',
            'idempotency-key': crypto.randomUUID(),
          },
          body: JSON.stringify({ provider: 'strava', redirectUri }),
        });
      for (const allowed of [
        'syncwell://oauth/complete',
        'SyncWell://oauth/complete',
        'https://app.syncwell.test/oauth/complete',
      ])
        expect((await create(allowed)).status, allowed).to.equal(201);
      for (const refused of [
        'https://evil.example/steal',
        'https://app.syncwell.test.evil.example/oauth/complete',
        'https://app.syncwell.test/other',
        'https://user@app.syncwell.test/oauth/complete',
        'http://app.syncwell.test/oauth/complete',
        'javascript:alert(1)',
        'otherapp://oauth/complete',
      ]) {
        const res = await create(refused);
        expect(res.status, refused).to.equal(400);
        expect(res.headers.get('content-type')).to.match(/^application\/problem\+json/);
        expect(((await res.json()) as Problem).code, refused).to.equal('redirect_uri_not_allowed');
      }
    } finally {
      await api.stop();
    }
  });
});
