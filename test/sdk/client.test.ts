// The SDK against the real local API: typed happy paths, error mapping, token refresh, retries with
// the same Idempotency-Key, and cancellation.
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import {
  ApiError,
  NetworkError,
  createSyncWellClient,
  type SyncWellEvent,
} from '../../client-sdk/dist/index.js';
import { startHarness, type Harness } from '../support/harness.js';
import { connectionRefused, observingFetch, problemResponse, signedInUser } from './support.js';

describe('client SDK against the local API', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h?.stop();
  });

  const fastRetry = { baseDelayMs: 5, maxDelayMs: 50, maxTotalMs: 5000 };

  it('lists connections, and creates, reads, updates (with the ETag) and deletes a sync config', async () => {
    const u = await signedInUser(h);
    const client = createSyncWellClient({ baseUrl: h.api.url, getToken: u.getToken });

    const { connections } = await client.listConnections();
    expect(connections.map((c) => c.connectionId)).to.have.members([
      u.strava.connectionId,
      u.fitbit.connectionId,
      u.garmin.connectionId,
    ]);

    const created = await client.createSyncConfig({
      sourceConnectionId: u.strava.connectionId,
      destinationConnectionId: u.fitbit.connectionId,
      dataType: 'workout',
    });
    expect(created.etag).to.equal('"1"');
    expect(created.data).to.include({ version: 1, conflictStrategy: 'newest_wins', isEnabled: true });
    const configId: string = created.data.configId;

    const got = await client.getSyncConfig(configId);
    expect(got).to.deep.equal(created);

    const updated = await client.updateSyncConfig(configId, { isEnabled: false }, { ifMatch: got.etag });
    expect(updated.etag).to.equal('"2"');
    expect(updated.data).to.include({ isEnabled: false, version: 2 });

    // A stale ETag is a typed 412.
    const stale = await client
      .updateSyncConfig(configId, { isEnabled: true }, { ifMatch: '"1"' })
      .catch((e) => e);
    expect(stale).to.be.instanceOf(ApiError);
    expect(stale).to.include({ status: 412, code: 'precondition_failed' });

    const listed = await client.listSyncConfigs();
    expect(listed.syncConfigs).to.deep.equal([updated.data]);

    await client.deleteSyncConfig(configId, { ifMatch: updated.etag });
    const gone = await client.getSyncConfig(configId).catch((e) => e);
    expect(gone).to.be.instanceOf(ApiError);
    expect(gone.status).to.equal(404);
  });

  it('creates a sync job and reads it back', async () => {
    const u = await signedInUser(h);
    const client = createSyncWellClient({ baseUrl: h.api.url, getToken: u.getToken });
    const accepted = await client.createSyncJob({
      sourceConnectionId: u.fitbit.connectionId,
      destinationConnectionId: u.strava.connectionId,
      dataType: 'workout',
      mode: 'manual',
    });
    expect(accepted.status).to.equal('QUEUED');
    expect(accepted.jobId).to.match(/^job_/);
    const job = await client.getSyncJob(accepted.jobId);
    expect(job).to.include({ jobId: accepted.jobId, mode: 'manual', dataType: 'workout' });
    const page = await client.listSyncJobs({ limit: 10 });
    expect(page.syncJobs.map((j) => j.jobId)).to.deep.equal([accepted.jobId]);
  });

  it('maps problem+json to ApiError: 404 connection_not_found with its correlation id', async () => {
    const u = await signedInUser(h);
    const client = createSyncWellClient({ baseUrl: h.api.url, getToken: u.getToken });
    const error = await client.deleteConnection(`conn_${randomUUID()}`).catch((e) => e);
    expect(error).to.be.instanceOf(ApiError);
    expect(error).not.to.be.instanceOf(NetworkError);
    expect(error.status).to.equal(404);
    expect(error.code).to.equal('connection_not_found');
    expect(error.correlationId).to.be.a('string').and.match(/.+/);
    expect(error.problem).to.include({ status: 404, code: 'connection_not_found' });
  });

  it('maps a reused key with a different body to 422 idempotency_key_reused', async () => {
    const u = await signedInUser(h);
    const client = createSyncWellClient({ baseUrl: h.api.url, getToken: u.getToken });
    const idempotencyKey = randomUUID();
    await client.createSyncConfig(
      {
        sourceConnectionId: u.strava.connectionId,
        destinationConnectionId: u.fitbit.connectionId,
        dataType: 'steps',
      },
      { idempotencyKey },
    );
    const error = await client
      .createSyncConfig(
        {
          sourceConnectionId: u.garmin.connectionId,
          destinationConnectionId: u.fitbit.connectionId,
          dataType: 'steps',
        },
        { idempotencyKey },
      )
      .catch((e) => e);
    expect(error).to.be.instanceOf(ApiError);
    expect(error).to.include({ status: 422, code: 'idempotency_key_reused' });
  });

  it('calls the operations that need no sign-in (security: []) without asking for a token', async () => {
    const observed = observingFetch();
    const signedOut = async (): Promise<string> => {
      throw new Error('no user is signed in');
    };
    const client = createSyncWellClient({ baseUrl: h.api.url, getToken: signedOut, fetch: observed.fetch });
    expect(await client.getHealth()).to.deep.equal({ status: 'ok' });
    // The OAuth callback reaches the server (an unknown state is 404), not the token provider.
    const error = await client
      .completeOAuth('strava', { state: 'state-1', code: 'code-1' })
      .catch((e: unknown) => e);
    expect(error).to.be.instanceOf(ApiError).with.property('code', 'not_found');
    expect(observed.seen).to.have.length(2);
    expect(observed.seen.every((r) => r.authorization === null)).to.equal(true);
  });

  it('refreshes an expired token once (forceRefresh) and succeeds', async () => {
    const userId = h.newUserId();
    const now = Math.floor(Date.now() / 1000);
    const expired = await h.token(userId, { issuedAtSeconds: now - 7200, expiresInSeconds: 3600 });
    const fresh = await h.token(userId);
    const calls: Array<{ forceRefresh?: boolean } | undefined> = [];
    const events: SyncWellEvent[] = [];
    const client = createSyncWellClient({
      baseUrl: h.api.url,
      getToken: async (options) => {
        calls.push(options);
        return options?.forceRefresh ? fresh : expired;
      },
      onEvent: (e) => events.push(e),
    });
    const user = await client.getCurrentUser();
    expect(user.userId).to.equal(userId);
    expect(calls.filter((c) => c?.forceRefresh)).to.have.length(1);
    expect(events.filter((e) => e.type === 'token_refresh')).to.have.length(1);
    expect(
      events.filter((e) => e.type === 'response').map((e) => (e as { status: number }).status),
    ).to.deep.equal([401, 200]);
  });

  it('gives up with ApiError 401 when the refreshed token is refused too (one refresh only)', async () => {
    const userId = h.newUserId();
    const now = Math.floor(Date.now() / 1000);
    const expired = await h.token(userId, { issuedAtSeconds: now - 7200, expiresInSeconds: 3600 });
    let calls = 0;
    const client = createSyncWellClient({
      baseUrl: h.api.url,
      getToken: async () => {
        calls += 1;
        return expired;
      },
    });
    const error = await client.getCurrentUser().catch((e) => e);
    expect(error).to.be.instanceOf(ApiError);
    expect(error.status).to.equal(401);
    expect(calls).to.equal(2);
  });

  it('retries a network error with the same Idempotency-Key: exactly one job exists', async () => {
    const u = await signedInUser(h);
    const observed = observingFetch((_r, i) => (i === 0 ? connectionRefused() : undefined));
    const client = createSyncWellClient({
      baseUrl: h.api.url,
      getToken: u.getToken,
      fetch: observed.fetch,
      retry: fastRetry,
    });
    const accepted = await client.createSyncJob({
      sourceConnectionId: u.fitbit.connectionId,
      destinationConnectionId: u.strava.connectionId,
      dataType: 'workout',
      mode: 'manual',
    });
    expect(observed.seen).to.have.length(2);
    const [first, second] = observed.seen;
    expect(first!.idempotencyKey).to.match(/^[0-9a-f-]{36}$/);
    expect(second!.idempotencyKey).to.equal(first!.idempotencyKey);
    const page = await client.listSyncJobs();
    expect(page.syncJobs.map((j) => j.jobId)).to.deep.equal([accepted.jobId]);
  });

  it('retries a synthetic 503 with the same key (and the caller’s own key): exactly one config exists', async () => {
    const u = await signedInUser(h);
    const observed = observingFetch((r, i) =>
      i === 0 && r.method === 'POST' ? problemResponse(503, 'service_unavailable') : undefined,
    );
    const client = createSyncWellClient({
      baseUrl: h.api.url,
      getToken: u.getToken,
      fetch: observed.fetch,
      retry: fastRetry,
    });
    const idempotencyKey = randomUUID();
    await client.createSyncConfig(
      {
        sourceConnectionId: u.garmin.connectionId,
        destinationConnectionId: u.fitbit.connectionId,
        dataType: 'weight',
      },
      { idempotencyKey },
    );
    expect(observed.seen.map((r) => r.idempotencyKey)).to.deep.equal([idempotencyKey, idempotencyKey]);
    const { syncConfigs } = await client.listSyncConfigs();
    expect(syncConfigs).to.have.length(1);
  });

  it('honours Retry-After on 429 (capped by maxDelayMs)', async () => {
    const u = await signedInUser(h);
    const observed = observingFetch((_r, i) =>
      i === 0 ? problemResponse(429, 'rate_limited', { 'Retry-After': '1' }) : undefined,
    );
    const events: SyncWellEvent[] = [];
    const client = createSyncWellClient({
      baseUrl: h.api.url,
      getToken: u.getToken,
      fetch: observed.fetch,
      retry: { ...fastRetry, maxDelayMs: 5000 },
      onEvent: (e) => events.push(e),
    });
    const started = Date.now();
    await client.listConnections();
    const elapsed = Date.now() - started;
    expect(elapsed).to.be.at.least(950);
    const retry = events.find((e) => e.type === 'retry');
    expect(retry).to.include({ delayMs: 1000, status: 429 });

    // Capped: Retry-After 60 with maxDelayMs 100 waits 100 ms.
    const capped = observingFetch((_r, i) =>
      i === 0 ? problemResponse(429, 'rate_limited', { 'Retry-After': '60' }) : undefined,
    );
    const cappedClient = createSyncWellClient({
      baseUrl: h.api.url,
      getToken: u.getToken,
      fetch: capped.fetch,
      retry: { ...fastRetry, maxDelayMs: 100 },
    });
    const t0 = Date.now();
    await cappedClient.listConnections();
    expect(Date.now() - t0).to.be.below(2000);
    expect(capped.seen).to.have.length(2);
  });

  it('never retries 400 or 404, and gives up after maxAttempts on persistent 503', async () => {
    const u = await signedInUser(h);
    const observed = observingFetch();
    const client = createSyncWellClient({
      baseUrl: h.api.url,
      getToken: u.getToken,
      fetch: observed.fetch,
      retry: fastRetry,
    });
    const notFound = await client.getSyncJob(`job_${randomUUID()}`).catch((e) => e);
    expect(notFound).to.include({ status: 404 });
    expect(observed.seen).to.have.length(1);
    const invalid = await client.listSyncJobs({ limit: 1000 }).catch((e) => e);
    expect(invalid).to.be.instanceOf(ApiError);
    expect(invalid.status).to.equal(400);
    expect(observed.seen).to.have.length(2);

    const down = observingFetch(() => problemResponse(503, 'service_unavailable'));
    const downClient = createSyncWellClient({
      baseUrl: h.api.url,
      getToken: u.getToken,
      fetch: down.fetch,
      retry: { ...fastRetry, maxAttempts: 3 },
    });
    const error = await downClient.listConnections().catch((e) => e);
    expect(error).to.be.instanceOf(ApiError);
    expect(error).to.include({ status: 503, code: 'service_unavailable' });
    expect(down.seen).to.have.length(3);
  });

  it('surfaces a NetworkError (not an ApiError) when the network stays down', async () => {
    const u = await signedInUser(h);
    const down = observingFetch(() => connectionRefused());
    const client = createSyncWellClient({
      baseUrl: h.api.url,
      getToken: u.getToken,
      fetch: down.fetch,
      retry: { ...fastRetry, maxAttempts: 2 },
    });
    const error = await client.deleteSyncConfig(`cfg_${randomUUID()}`).catch((e) => e);
    expect(error).to.be.instanceOf(NetworkError);
    expect(error).not.to.be.instanceOf(ApiError);
    expect(down.seen).to.have.length(2);
    expect(down.seen[1]!.idempotencyKey).to.equal(down.seen[0]!.idempotencyKey);
  });

  it('cancels during a backoff wait: rejects promptly with the abort reason', async () => {
    const u = await signedInUser(h);
    const down = observingFetch(() => problemResponse(503, 'service_unavailable', { 'Retry-After': '10' }));
    const client = createSyncWellClient({
      baseUrl: h.api.url,
      getToken: u.getToken,
      fetch: down.fetch,
      retry: { maxDelayMs: 10_000, maxTotalMs: 60_000 },
    });
    const controller = new AbortController();
    const reason = new Error('user left the screen');
    setTimeout(() => controller.abort(reason), 100);
    const started = Date.now();
    const error = await client.listConnections({ signal: controller.signal }).catch((e) => e);
    expect(error).to.equal(reason);
    expect(Date.now() - started).to.be.below(1000);
    expect(down.seen).to.have.length(1);

    const plain = new AbortController();
    setTimeout(() => plain.abort(), 50);
    const abortError = await client.listConnections({ signal: plain.signal }).catch((e) => e);
    expect(abortError.name).to.equal('AbortError');
  });
});
