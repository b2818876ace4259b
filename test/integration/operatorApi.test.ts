// The operator console's API (tag `operations`) against the real stack: who may call it, what it
// refuses and how, and the answers that do not need a worker (the browser test covers the rest).
import { expect } from 'chai';
import { clock } from '../../core/clock/clock.js';
import { startApi } from '../../server/main.js';
import { testEnv } from '../support/harness.js';
import { freePort } from '../../infra/local/freePort.js';
import { getHarness } from './hooks.js';

describe('operator API (operatorJwt)', () => {
  const operatorToken = () => getHarness().token(getHarness().newUserId('ops'), { role: 'operator' });

  it('answers 401 without a token and 403 forbidden to an ordinary user, as problem+json', async () => {
    const h = getHarness();
    const none = await h.request('GET', '/v1/operations/queues');
    expect(none.status).to.equal(401);
    expect(none.headers.get('content-type')).to.match(/^application\/problem\+json/);
    const user = await h.request('GET', '/v1/operations/queues', { token: await h.token(h.newUserId()) });
    expect(user.status).to.equal(403);
    expect((user.body as { code: string }).code).to.equal('forbidden');
    // A PRO user is still not an operator.
    const pro = await h.request('GET', '/v1/operations/kpis', {
      token: await h.token(h.newUserId(), { tier: 'PRO' }),
    });
    expect(pro.status).to.equal(403);
  });

  it('lists every queue with a DLQ, with both depths', async () => {
    const h = getHarness();
    const res = await h.request<{ queues: { channel: string; queueName: string; deadLetters: number }[] }>(
      'GET',
      '/v1/operations/queues',
      { token: await operatorToken() },
    );
    expect(res.status, res.text).to.equal(200);
    const hotPath = res.body.queues.find((q) => q.channel === 'hotPathSync');
    expect(hotPath?.queueName).to.equal('syncwell-hot-path-sync.fifo');
    expect(hotPath?.deadLetters).to.be.a('number');
    // Dead-letter queues are not listed as channels of their own.
    expect(res.body.queues.map((q) => q.channel)).not.to.include('hotPathSyncDlq');
  });

  it('refuses a channel the contract does not name, a bad limit and a redrive without an Idempotency-Key (400)', async () => {
    const h = getHarness();
    const token = await operatorToken();
    for (const path of [
      '/v1/operations/dead-letters/hotPathSyncDlq',
      '/v1/operations/dead-letters/hotPathSync?limit=0',
    ]) {
      const res = await h.request('GET', path, { token });
      expect(res.status, path).to.equal(400);
      expect((res.body as { code: string }).code).to.equal('validation_failed');
    }
    const noKey = await h.request('POST', '/v1/operations/dead-letters/hotPathSync/redrive', {
      token,
      idempotencyKey: null,
      body: { messageIds: ['x'] },
    });
    expect((noKey.body as { code: string }).code).to.equal('idempotency_key_required');
    const tooMany = await h.request('POST', '/v1/operations/dead-letters/hotPathSync/redrive', {
      token,
      body: { messageIds: Array.from({ length: 11 }, (_, i) => `m${i}`) },
    });
    expect(tooMany.status).to.equal(400);
  });

  it('reports a message that is not in the DLQ as not_found, and moves nothing', async () => {
    const h = getHarness();
    const res = await h.request<{ redriven: string[]; skipped: { messageId: string; reason: string }[] }>(
      'POST',
      '/v1/operations/dead-letters/exportRequests/redrive',
      { token: await operatorToken(), body: { messageIds: ['no-such-message'] } },
    );
    expect(res.status, res.text).to.equal(200);
    expect(res.body).to.deep.equal({
      redriven: [],
      skipped: [{ messageId: 'no-such-message', reason: 'not_found' }],
    });
  });

  it("shows a user's job with its history, 404 for another user's, and no trace when it was not traced", async () => {
    const h = getHarness();
    const token = await operatorToken();
    const userId = h.newUserId();
    const now = clock.date().toISOString();
    await h.syncJobs.put({
      userId,
      jobId: 'job_00000000-0000-4000-8000-000000000001',
      status: 'QUEUED',
      mode: 'manual',
      priority: 'medium',
      trigger: 'manual',
      sourceConnectionId: 'conn_00000000-0000-4000-8000-000000000001',
      destinationConnectionId: 'conn_00000000-0000-4000-8000-000000000002',
      dataType: 'workout',
      createdAt: now,
      updatedAt: now,
      expiresAt: Math.floor(clock.now() / 1000) + 3600,
    });
    const path = `/v1/operations/users/${userId}/sync-jobs/job_00000000-0000-4000-8000-000000000001`;
    const res = await h.request<{ job: { history: unknown[]; userId: string }; trace: unknown }>(
      'GET',
      path,
      { token },
    );
    expect(res.status, res.text).to.equal(200);
    expect(res.body.job.userId).to.equal(userId);
    expect(res.body.job.history).to.deep.equal([{ status: 'QUEUED', at: now }]);
    expect(res.body.trace).to.equal(null);
    const other = await h.request('GET', path.replace(userId, h.newUserId()), { token });
    expect(other.status).to.equal(404);
    const list = await h.request<{ syncJobs: unknown[] }>('GET', `/v1/operations/users/${userId}/sync-jobs`, {
      token,
    });
    expect(list.body.syncJobs).to.have.length(1);
  });

  it('lists connections waiting for re-authentication by state, paging with a cursor it checks', async () => {
    const h = getHarness();
    const token = await operatorToken();
    const userId = h.newUserId();
    for (let i = 0; i < 2; i++) {
      const c = await h.connection(userId, 'fitbit');
      await h.connections.markNeedsReauth(userId, c.connectionId, clock.date().toISOString());
    }
    const seen = new Set<string>();
    let cursor: string | null = null;
    do {
      const page: {
        status: number;
        body: {
          connections: { userId: string; connectionId: string; state: string }[];
          nextCursor: string | null;
        };
      } = await h.request(
        'GET',
        `/v1/operations/reauth-connections?limit=1${cursor ? `&cursor=${cursor}` : ''}`,
        { token },
      );
      expect(page.status).to.equal(200);
      for (const c of page.body.connections) {
        expect(c.state).to.equal('pending_user_action');
        if (c.userId === userId) seen.add(c.connectionId);
      }
      cursor = page.body.nextCursor;
    } while (cursor && seen.size < 2);
    expect(seen.size).to.equal(2);
    const forged = Buffer.from(
      JSON.stringify({ PK: 'USER#x', SK: 'CONN#y', ReAuthStatus: 'failed' }),
    ).toString('base64url');
    const bad = await h.request('GET', `/v1/operations/reauth-connections?cursor=${forged}`, { token });
    expect(bad.status).to.equal(400);
    expect((bad.body as { code: string }).code).to.equal('invalid_cursor');
  });

  it('shows the configuration in force (environment only here) and KPI samples', async () => {
    const h = getHarness();
    const token = await operatorToken();
    const config = await h.request<{ source: string; version: string; degraded: boolean; flags: unknown[] }>(
      'GET',
      '/v1/operations/configuration',
      { token },
    );
    expect(config.body).to.deep.include({
      source: 'none',
      version: 'environment',
      degraded: false,
      flags: [],
    });
    const kpis = await h.request<{ intervalSeconds: number; samples: unknown[] }>(
      'GET',
      '/v1/operations/kpis',
      {
        token,
      },
    );
    expect(kpis.status).to.equal(200);
    expect(kpis.body.intervalSeconds).to.equal(60);
  });

  it('answers 503 (not 500) when SQS cannot be reached', async () => {
    const h = getHarness();
    const deadSqs = `http://127.0.0.1:${await freePort()}`;
    const api = await startApi(testEnv(h.stack, { SQS_ENDPOINT: deadSqs, PORT: '0' }));
    try {
      const res = await fetch(`${api.url}/v1/operations/queues`, {
        headers: { authorization: `Bearer ${await operatorToken()}` },
      });
      expect(res.status).to.equal(503);
      const body = (await res.json()) as { code: string };
      expect(body.code).to.equal('service_unavailable');
      expect(res.headers.get('retry-after')).to.equal('5');
    } finally {
      await api.stop();
    }
  });
});
