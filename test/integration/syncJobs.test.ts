import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { assertMessage } from '../../core/messaging/messageSchemas.js';
import { getHarness } from './hooks.js';

interface Accepted {
  jobId: string;
  status: string;
}
interface Job {
  jobId: string;
  status: string;
  mode: string;
  priority: string;
  trigger: string;
  dataType: string;
  createdAt: string;
}

const JOB_ID = /^job_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

async function setup() {
  const h = getHarness();
  const user = h.newUserId();
  const token = await h.token(user, { tier: 'PRO' });
  const [source, destination] = await Promise.all([
    h.connection(user, 'fitbit'),
    h.connection(user, 'strava'),
  ]);
  const body = {
    sourceConnectionId: source.connectionId,
    destinationConnectionId: destination.connectionId,
    dataType: 'workout',
    mode: 'manual',
  };
  return { h, user, token, source, destination, body };
}

describe('sync jobs', () => {
  it('accepts a job (202, job_<uuidv4>), stores it QUEUED and sends HotPathSyncRequested to the FIFO queue', async () => {
    const { h, user, token, source, destination, body } = await setup();
    const key = randomUUID();
    const r = await h.request<Accepted>('POST', '/v1/sync-jobs', {
      token,
      body: { ...body, priority: 'high' },
      idempotencyKey: key,
    });
    expect(r.status, r.text).to.equal(202);
    expect(r.body.status).to.equal('QUEUED');
    expect(r.body.jobId).to.match(JOB_ID);
    expect(r.headers.get('location')).to.equal(`/v1/sync-jobs/${r.body.jobId}`);

    const job = await h.request<Job>('GET', `/v1/sync-jobs/${r.body.jobId}`, { token });
    expect(job.status).to.equal(200);
    expect(job.body).to.include({
      jobId: r.body.jobId,
      status: 'QUEUED',
      mode: 'manual',
      priority: 'high',
      trigger: 'manual',
    });

    const [message] = await h.receiveHotPath((m) => JSON.parse(m.Body ?? '{}').jobId === r.body.jobId);
    expect(message, 'message on the hot-path queue').to.not.equal(undefined);
    // Grouped by sync pair: this pair's jobs stay in order, the user's other pairs do not wait.
    expect(message!.Attributes?.MessageGroupId).to.equal(
      `${user}:${source.connectionId}:${destination.connectionId}:workout`,
    );
    expect(message!.Attributes?.MessageDeduplicationId).to.equal(key);
    const payload = assertMessage('HotPathSyncRequested', JSON.parse(message!.Body!));
    expect(payload).to.include({
      schemaVersion: 1,
      userId: user,
      sourceConnectionId: source.connectionId,
      destinationConnectionId: destination.connectionId,
      sourceProvider: 'fitbit',
      destinationProvider: 'strava',
      dataType: 'workout',
      priority: 'high',
      trigger: 'manual',
      tier: 'PRO',
    });
  });

  it('defaults priority to medium', async () => {
    const { h, token, body } = await setup();
    const r = await h.request<Accepted>('POST', '/v1/sync-jobs', { token, body });
    const job = await h.request<Job>('GET', `/v1/sync-jobs/${r.body.jobId}`, { token });
    expect(job.body.priority).to.equal('medium');
  });

  it("refuses connections that are not the caller's (404) or not active (409), and enqueues nothing", async () => {
    const { h, user, token, body } = await setup();
    const foreign = await h.connection(h.newUserId('other'), 'garmin');
    const r = await h.request('POST', '/v1/sync-jobs', {
      token,
      body: { ...body, destinationConnectionId: foreign.connectionId },
    });
    expect(r.status).to.equal(404);
    expect(r.body).to.include({ code: 'connection_not_found' });

    const broken = await h.connection(user, 'garmin', 'needs_reauth');
    const r2 = await h.request('POST', '/v1/sync-jobs', {
      token,
      body: { ...body, destinationConnectionId: broken.connectionId },
    });
    expect(r2.status).to.equal(409);
    expect(r2.body).to.include({ code: 'connection_not_active' });

    const none = await h.receiveHotPath((m) => JSON.parse(m.Body ?? '{}').userId === user, 1500);
    expect(none).to.have.length(0);
    const list = await h.request<{ syncJobs: Job[] }>('GET', '/v1/sync-jobs', { token });
    expect(list.body.syncJobs).to.have.length(0);
  });

  it('lists recent jobs newest first with a cursor, and rejects a forged cursor', async () => {
    const { h, token, body } = await setup();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push((await h.request<Accepted>('POST', '/v1/sync-jobs', { token, body })).body.jobId);
      await new Promise((r) => setTimeout(r, 5));
    }
    const page1 = await h.request<{ syncJobs: Job[]; nextCursor: string | null }>(
      'GET',
      '/v1/sync-jobs?limit=3',
      { token },
    );
    expect(page1.status).to.equal(200);
    expect(page1.body.syncJobs.map((j) => j.jobId)).to.deep.equal(ids.slice(2).reverse());
    expect(page1.body.nextCursor).to.be.a('string');
    const page2 = await h.request<{ syncJobs: Job[]; nextCursor: string | null }>(
      'GET',
      `/v1/sync-jobs?limit=3&cursor=${encodeURIComponent(page1.body.nextCursor!)}`,
      { token },
    );
    expect(page2.body.syncJobs.map((j) => j.jobId)).to.deep.equal(ids.slice(0, 2).reverse());
    expect(page2.body.nextCursor).to.equal(null);

    const forged = await h.request('GET', '/v1/sync-jobs?cursor=bm90LWEtY3Vyc29y', { token });
    expect(forged.status).to.equal(400);
    expect(forged.body).to.include({ code: 'invalid_cursor' });
  });

  it("never shows another user's job (404), nor lists it", async () => {
    const { h, token, body } = await setup();
    const r = await h.request<Accepted>('POST', '/v1/sync-jobs', { token, body });
    const intruder = await h.token(h.newUserId('intruder'));
    expect((await h.request('GET', `/v1/sync-jobs/${r.body.jobId}`, { token: intruder })).status).to.equal(
      404,
    );
    const list = await h.request<{ syncJobs: Job[] }>('GET', '/v1/sync-jobs', { token: intruder });
    expect(list.body.syncJobs).to.have.length(0);
  });
});
