// Stripe-style idempotency on every state-changing route (spec 3a).
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { expect } from 'chai';
import { loadConfig } from '../../core/config/config.js';
import { createLogger } from '../../core/logging/logger.js';
import { createApi } from '../../server/compose.js';
import { testEnv } from '../support/harness.js';
import { getHarness } from './hooks.js';

async function setup() {
  const h = getHarness();
  const user = h.newUserId();
  const token = await h.token(user);
  const [a, b] = await Promise.all([h.connection(user, 'fitbit'), h.connection(user, 'garmin')]);
  const body = {
    sourceConnectionId: a.connectionId,
    destinationConnectionId: b.connectionId,
    dataType: 'steps',
    mode: 'manual',
  };
  return { h, user, token, body };
}

describe('idempotency', () => {
  it('replays the first response for a retry with the same key and body: one job, one message', async () => {
    const { h, user, token, body } = await setup();
    const key = randomUUID();
    const first = await h.request<{ jobId: string }>('POST', '/v1/sync-jobs', {
      token,
      body,
      idempotencyKey: key,
    });
    const retry = await h.request<{ jobId: string }>('POST', '/v1/sync-jobs', {
      token,
      body,
      idempotencyKey: key,
    });
    expect(first.status).to.equal(202);
    expect(retry.status).to.equal(202);
    expect(retry.text).to.equal(first.text);
    expect(retry.headers.get('idempotent-replayed')).to.equal('true');
    expect(retry.headers.get('location')).to.equal(first.headers.get('location'));

    const list = await h.request<{ syncJobs: unknown[] }>('GET', '/v1/sync-jobs', { token });
    expect(list.body.syncJobs).to.have.length(1);
    const messages = await h.receiveHotPath((m) => JSON.parse(m.Body ?? '{}').userId === user, 2500);
    expect(messages).to.have.length(1);
  });

  it('refuses the same key with a different body (422) and changes nothing', async () => {
    const { h, token, body } = await setup();
    const key = randomUUID();
    await h.request('POST', '/v1/sync-jobs', { token, body, idempotencyKey: key });
    const r = await h.request('POST', '/v1/sync-jobs', {
      token,
      body: { ...body, priority: 'high' },
      idempotencyKey: key,
    });
    expect(r.status).to.equal(422);
    expect(r.body).to.include({ code: 'idempotency_key_reused' });
    const list = await h.request<{ syncJobs: Array<{ priority: string }> }>('GET', '/v1/sync-jobs', {
      token,
    });
    expect(list.body.syncJobs.map((j) => j.priority)).to.deep.equal(['medium']);
  });

  it('scopes keys per user: the same key from two users makes two jobs', async () => {
    const one = await setup();
    const two = await setup();
    const key = randomUUID();
    const r1 = await one.h.request<{ jobId: string }>('POST', '/v1/sync-jobs', {
      token: one.token,
      body: one.body,
      idempotencyKey: key,
    });
    const r2 = await two.h.request<{ jobId: string }>('POST', '/v1/sync-jobs', {
      token: two.token,
      body: two.body,
      idempotencyKey: key,
    });
    expect(r1.status).to.equal(202);
    expect(r2.status).to.equal(202);
    expect(r1.body.jobId).to.not.equal(r2.body.jobId);
    expect(r2.headers.get('idempotent-replayed')).to.equal(null);
  });

  it('lets only one of several concurrent identical requests run', async () => {
    const { h, token, body } = await setup();
    const key = randomUUID();
    const responses = await Promise.all(
      Array.from({ length: 5 }, () =>
        h.request<{ jobId?: string; code?: string }>('POST', '/v1/sync-jobs', {
          token,
          body,
          idempotencyKey: key,
        }),
      ),
    );
    const accepted = responses.filter((r) => r.status === 202);
    const inFlight = responses.filter((r) => r.status === 409);
    expect(accepted.length + inFlight.length).to.equal(5);
    expect(new Set(accepted.map((r) => r.body.jobId)).size).to.equal(1);
    for (const r of inFlight) {
      expect(r.body.code).to.equal('idempotency_key_in_use');
      expect(r.headers.get('retry-after')).to.equal('1');
    }
    const list = await h.request<{ syncJobs: unknown[] }>('GET', '/v1/sync-jobs', { token });
    expect(list.body.syncJobs).to.have.length(1);
  });

  it('stores client errors as the outcome, and does not store server errors', async () => {
    const { h, token, body } = await setup();
    const key = randomUUID();
    const missing = { ...body, destinationConnectionId: `conn_${randomUUID()}` };
    const first = await h.request('POST', '/v1/sync-jobs', { token, body: missing, idempotencyKey: key });
    const replay = await h.request('POST', '/v1/sync-jobs', { token, body: missing, idempotencyKey: key });
    expect(first.status).to.equal(404);
    expect(replay.status).to.equal(404);
    expect(replay.text).to.equal(first.text);
    expect(replay.headers.get('content-type')).to.match(/^application\/problem\+json/);
    expect(replay.headers.get('idempotent-replayed')).to.equal('true');

    // A server error is not the outcome: not stored. An API without an export bucket answers a
    // new export 503 (a dependency missing); the retry runs again instead of being replayed.
    const { EXPORT_BUCKET: _bucket, ...withoutBucket } = testEnv(h.stack) as Record<string, string>;
    const api = await createApi(loadConfig(withoutBucket), createLogger({ level: 'silent', service: 'api' }));
    const server = api.app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/v1/export-jobs`;
      const key2 = randomUUID();
      const post = () =>
        fetch(url, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'idempotency-key': key2 },
        });
      const a = await post();
      const b = await post();
      expect([a.status, b.status]).to.deep.equal([503, 503]);
      expect(b.headers.get('idempotent-replayed')).to.equal(null);
      // Once the dependency is back, the same key runs the request for real.
      const c = await h.request<{ status: string }>('POST', '/v1/export-jobs', {
        token,
        idempotencyKey: key2,
      });
      expect(c.status, c.text).to.equal(202);
      expect(c.headers.get('idempotent-replayed')).to.equal(null);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await api.close();
    }
  });
});
