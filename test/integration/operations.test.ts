// Health, readiness (including degraded mode with Redis gone), the admin JWKS eviction and docs.
import { expect } from 'chai';
import { startApi } from '../../server/main.js';
import { ADMIN_KEY, testEnv } from '../support/harness.js';
import { freePort } from '../../infra/local/freePort.js';
import { getHarness } from './hooks.js';

describe('health, admin and docs', () => {
  it('reports liveness and readiness of every dependency', async () => {
    const h = getHarness();
    expect((await h.request('GET', '/healthz')).body).to.deep.equal({ status: 'ok' });
    const ready = await h.request('GET', '/readyz');
    expect(ready.status).to.equal(200);
    expect(ready.body).to.deep.equal({ status: 'ready', checks: { dynamodb: 'ok', sqs: 'ok', redis: 'ok' } });
  });

  it('keeps serving from DynamoDB when Redis is unavailable, and says so on /readyz', async () => {
    const h = getHarness();
    const deadRedis = `redis://127.0.0.1:${await freePort()}`;
    const api = await startApi(testEnv(h.stack, { REDIS_URL: deadRedis }));
    try {
      const user = h.newUserId();
      await h.connection(user, 'strava');
      const token = await h.token(user);
      const list = await fetch(`${api.url}/v1/connections`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(list.status).to.equal(200);
      expect(((await list.json()) as { connections: unknown[] }).connections).to.have.length(1);
      const ready = await fetch(`${api.url}/readyz`);
      expect(ready.status).to.equal(503);
      expect(ready.headers.get('retry-after')).to.equal('5');
      expect(await ready.json()).to.deep.equal({
        status: 'not_ready',
        checks: { dynamodb: 'ok', sqs: 'ok', redis: 'failing' },
      });
    } finally {
      await api.stop();
    }
  });

  it('evicts a cached signing key only for an operator', async () => {
    const h = getHarness();
    const token = await h.token(h.newUserId());
    const kid = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()).kid as string;
    expect((await h.request('GET', '/v1/connections', { token })).status).to.equal(200);

    const anonymous = await h.request('DELETE', `/v1/admin/jwks-cache/${kid}`);
    expect(anonymous.status).to.equal(401);
    const wrongKey = await h.request('DELETE', `/v1/admin/jwks-cache/${kid}`, {
      headers: { 'x-admin-key': 'x'.repeat(31) },
    });
    expect(wrongKey.status).to.equal(401);

    const admin = { 'x-admin-key': ADMIN_KEY };
    expect((await h.request('DELETE', `/v1/admin/jwks-cache/${kid}`, { headers: admin })).status).to.equal(
      204,
    );
    const again = await h.request('DELETE', `/v1/admin/jwks-cache/${kid}`, { headers: admin });
    expect(again.status).to.equal(404);
    // The issuer still publishes the key, so the next request fetches it again and succeeds.
    const fresh = await h.token(h.newUserId());
    expect((await h.request('GET', '/v1/connections', { token: fresh })).status).to.equal(200);
    expect((await h.request('DELETE', `/v1/admin/jwks-cache/${kid}`, { headers: admin })).status).to.equal(
      204,
    );
  });

  it('serves the REST and message documentation at /docs', async () => {
    const h = getHarness();
    const index = await h.request('GET', '/docs/');
    expect(index.status).to.equal(200);
    expect(index.text).to.contain('openapi.html').and.to.contain('asyncapi.html');
    const openapi = await h.request('GET', '/docs/openapi.html');
    expect(openapi.status).to.equal(200);
    expect(openapi.text).to.contain('SyncWell API');
    const asyncapi = await h.request('GET', '/docs/asyncapi.html');
    expect(asyncapi.status).to.equal(200);
    expect(asyncapi.text).to.contain('HotPathSyncRequested');
  });
});

describe('per-user rate limit', () => {
  it('answers 429 rate_limited with Retry-After once a user spends the budget, without affecting others', async () => {
    const h = getHarness();
    const api = await startApi(testEnv(h.stack, { API_RATE_LIMIT_PER_MINUTE: '5' }));
    try {
      const get = async (token: string) =>
        fetch(`${api.url}/v1/sync-jobs`, { headers: { authorization: `Bearer ${token}` } });
      const greedy = await h.token(h.newUserId('greedy'));
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push((await get(greedy)).status);
      expect(statuses).to.deep.equal([200, 200, 200, 200, 200, 429]);
      const limited = await get(greedy);
      expect(limited.status).to.equal(429);
      expect(Number(limited.headers.get('retry-after'))).to.be.within(1, 60);
      expect(((await limited.json()) as { code: string }).code).to.equal('rate_limited');
      expect((await get(await h.token(h.newUserId('polite')))).status).to.equal(200);
    } finally {
      await api.stop();
    }
  });
});
