// GET /v1/ws against the real local stack: real API processes (the harness's and two more on the same
// DynamoDB, SQS and redis-server), a real `ws` client, and job updates published the way the worker
// publishes them (its event bus wrapped in the job status fan-out, over Redis).
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { SignJWT } from 'jose';
import { createRedis, waitForRedis, type Redis } from '../../core/cache/redis.js';
import { LocalEventBus } from '../../core/events/localEventBus.js';
import type { SyncEvent } from '../../core/events/eventBus.js';
import { createLogger } from '../../core/logging/logger.js';
import { jobStatusChannel } from '../../core/realtime/jobStatusChannel.js';
import { JobStatusFanOut } from '../../core/realtime/jobStatusFanOut.js';
import type { SyncJobRecord } from '../../core/store/syncJobRepository.js';
import { DEV_ISSUER, loadDevKeys } from '../../infra/local/devIssuer.js';
import { startApi, type RunningApi } from '../../server/main.js';
import { clock } from '../../core/clock/clock.js';
import { testEnv } from '../support/harness.js';
import { refusedUpgrade, TestSocket, type Frame } from '../support/wsClient.js';
import { getHarness } from './hooks.js';

const logger = createLogger({ level: 'silent', service: 'test' });
const newJobId = () => `job_${randomUUID()}`;

/** Until `predicate` holds (event-driven checks poll briefly; no wall-clock assertion). */
async function until(predicate: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!predicate()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('WebSocket lane (GET /v1/ws)', function () {
  this.timeout(60_000);
  const h = () => getHarness();
  /** Fast heartbeats: the second API process of the fleet. */
  let fast: RunningApi;
  /** A short idle timeout. */
  let idle: RunningApi;
  /** Stands in for the worker: the event bus it publishes SyncSucceeded/SyncFailed through. */
  let worker: JobStatusFanOut;
  let redis: Redis;
  let eventDir: string;
  const sockets: TestSocket[] = [];

  const open = async (url: string, o: Parameters<typeof TestSocket.open>[1]) => {
    const socket = await TestSocket.open(url, o);
    sockets.push(socket);
    return socket;
  };

  before(async () => {
    [fast, idle] = await Promise.all([
      startApi(testEnv(h().stack, { WS_HEARTBEAT_INTERVAL_MS: '250' })),
      startApi(testEnv(h().stack, { WS_HEARTBEAT_INTERVAL_MS: '100', WS_IDLE_TIMEOUT_MS: '400' })),
    ]);
    redis = createRedis(h().config.REDIS_URL, logger, 'test-worker');
    await waitForRedis(redis, 3000);
    eventDir = await mkdtemp(path.join(tmpdir(), 'syncwell-ws-events-'));
    worker = new JobStatusFanOut(new LocalEventBus(path.join(eventDir, 'events.jsonl')), redis, logger);
  });

  afterEach(async () => {
    await Promise.all(sockets.splice(0).map((s) => s.close()));
  });

  after(async () => {
    await Promise.allSettled([fast?.stop(), idle?.stop(), worker?.close()]);
    redis?.disconnect();
    if (eventDir) await rm(eventDir, { recursive: true, force: true });
  });

  /** A user with two active connections and a QUEUED job between them. */
  async function userWithJob(status: SyncJobRecord['status'] = 'QUEUED') {
    const userId = h().newUserId('ws');
    const token = await h().token(userId);
    const [source, destination] = await Promise.all([
      h().connection(userId, 'fitbit'),
      h().connection(userId, 'strava'),
    ]);
    const now = clock.date();
    const job: SyncJobRecord = {
      userId,
      jobId: newJobId(),
      status,
      mode: 'manual',
      priority: 'medium',
      trigger: 'manual',
      sourceConnectionId: source.connectionId,
      destinationConnectionId: destination.connectionId,
      dataType: 'workout',
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
      expiresAt: Math.floor(now.getTime() / 1000) + 86_400,
    };
    await h().syncJobs.put(job);
    return { userId, token, source, destination, job };
  }

  const eventBase = (job: SyncJobRecord) => ({
    schemaVersion: 1,
    eventId: randomUUID(),
    jobId: job.jobId,
    userId: job.userId,
    sourceConnectionId: job.sourceConnectionId,
    destinationConnectionId: job.destinationConnectionId,
    dataType: job.dataType,
    trigger: 'manual' as const,
  });
  const succeeded = (job: SyncJobRecord, recordsWritten = 3): SyncEvent => ({
    type: 'SyncSucceeded',
    detail: {
      ...eventBase(job),
      recordsWritten,
      recordsSkipped: 1,
      startedAt: clock.date().toISOString(),
      finishedAt: clock.date().toISOString(),
    },
  });
  const failed = (job: SyncJobRecord, retryable: boolean): SyncEvent => ({
    type: 'SyncFailed',
    detail: {
      ...eventBase(job),
      errorCode: 'destination_auth_revoked',
      retryable,
      attempt: 1,
      failedAt: clock.date().toISOString(),
    },
  });
  const subscribe = (jobId: string, requestId = randomUUID()) => ({
    schemaVersion: 1,
    action: 'subscribe_job',
    requestId,
    jobId,
  });
  const isStatus = (jobId: string, status?: string) => (f: Frame) =>
    f.type === 'job_status' && f.jobId === jobId && (status === undefined || f.status === status);

  describe('$connect: authentication and limits before the upgrade', () => {
    it('refuses an upgrade without a token, with an expired one or one for another audience: 401 problem+json', async () => {
      const url = h().api.url;
      const userId = h().newUserId('ws');
      const none = await refusedUpgrade(url);
      expect(none.status).to.equal(401);
      expect(none.headers['content-type']).to.equal('application/problem+json');
      expect(none.headers['www-authenticate']).to.contain('Bearer');
      expect(none.body).to.include({ code: 'unauthenticated', status: 401, instance: '/v1/ws' });

      const nowSeconds = Math.floor(clock.now() / 1000);
      const expired = await h().token(userId, { issuedAtSeconds: nowSeconds - 7200, expiresInSeconds: 3600 });
      expect((await refusedUpgrade(url, { token: expired })).body.code).to.equal('token_expired');

      const { kid, privateKey } = await loadDevKeys();
      const otherAudience = await new SignJWT({ user_id: userId })
        .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
        .setIssuer(DEV_ISSUER)
        .setAudience('another-project')
        .setSubject(userId)
        .setIssuedAt(nowSeconds)
        .setExpirationTime(nowSeconds + 3600)
        .sign(privateKey);
      const wrong = await refusedUpgrade(url, { token: otherAudience });
      expect(wrong.status).to.equal(401);
      expect(wrong.body.code).to.equal('unauthenticated');
      // The bearer subprotocol is checked the same way.
      const viaProtocol = await refusedUpgrade(url, {
        protocols: ['syncwell.v1', `bearer.${otherAudience}`],
      });
      expect(viaProtocol.status).to.equal(401);
    });

    it('takes the token from the subprotocol list (browsers) and never echoes it', async () => {
      const userId = h().newUserId('ws');
      const token = await h().token(userId);
      const socket = await open(h().api.url, { protocols: ['syncwell.v1', `bearer.${token}`] });
      expect(socket.ws.protocol).to.equal('syncwell.v1');
    });

    it('refuses the connection past the per-user limit with 429, and frees the slot when one closes', async () => {
      const userId = h().newUserId('ws');
      const token = await h().token(userId);
      const limit = h().config.WS_MAX_CONNECTIONS_PER_USER;
      const opened = await Promise.all(Array.from({ length: limit }, () => open(h().api.url, { token })));
      const refused = await refusedUpgrade(h().api.url, { token });
      expect(refused.status).to.equal(429);
      expect(refused.headers['retry-after']).to.equal('60');
      expect(refused.body).to.include({ code: 'too_many_connections', status: 429 });
      // Another user is not affected, and a closed socket gives its slot back.
      await open(h().api.url, { token: await h().token(h().newUserId('ws')) });
      await opened[0]!.close();
      // The server unregisters it when its side of the close completes.
      const deadline = performance.now() + 5000;
      for (;;) {
        try {
          await open(h().api.url, { token });
          break;
        } catch (error) {
          if (performance.now() > deadline) throw error;
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    });
  });

  describe('heartbeats, idle timeout, token expiry', () => {
    it('drops a socket that does not answer pings, keeps one that does', async () => {
      const token = await h().token(h().newUserId('ws'));
      const before = fast.webSockets.stats.heartbeatTimeouts;
      const silent = await open(fast.url, { token, autoPong: false });
      const alive = await open(fast.url, { token });
      let pings = 0;
      alive.ws.on('ping', () => (pings += 1));
      const { code } = await silent.closed;
      expect(code).to.equal(1006); // terminated: no close frame
      expect(fast.webSockets.stats.heartbeatTimeouts).to.be.greaterThan(before);
      await until(() => pings >= 5, 'five pings');
      expect(alive.ws.readyState).to.equal(alive.ws.OPEN);
    });

    it('closes an idle socket with 4408', async () => {
      const socket = await open(idle.url, { token: await h().token(h().newUserId('ws')) });
      expect(await socket.closed).to.deep.equal({ code: 4408, reason: 'idle_timeout' });
    });

    it('closes a socket when the token it was opened with expires (4401)', async () => {
      const userId = h().newUserId('ws');
      // Expires within the next second.
      const nowSeconds = Math.floor(clock.now() / 1000);
      const token = await h().token(userId, { issuedAtSeconds: nowSeconds - 3599, expiresInSeconds: 3600 });
      const socket = await open(fast.url, { token });
      expect(await socket.closed).to.deep.equal({ code: 4401, reason: 'token_expired' });
    });
  });

  describe('$default: frames are validated against the contract', () => {
    const closesWith = async (frame: unknown) => {
      const socket = await open(h().api.url, { token: await h().token(h().newUserId('ws')) });
      socket.send(frame);
      return socket.closed;
    };

    it('closes 4400 for text that is not JSON and for binary frames', async () => {
      expect(await closesWith('hello')).to.deep.equal({ code: 4400, reason: 'frame_not_json' });
      expect(await closesWith(Buffer.from([1, 2, 3]))).to.include({ code: 4400 });
    });

    it('closes 4404 for an unknown action and 4422 for a frame off its schema', async () => {
      expect(await closesWith({ schemaVersion: 1, action: 'sync_everything' })).to.deep.equal({
        code: 4404,
        reason: 'unknown_action',
      });
      expect(await closesWith({ schemaVersion: 1, action: 'subscribe_job', jobId: 'job_42' })).to.deep.equal({
        code: 4422,
        reason: 'invalid_frame',
      });
    });

    it('closes 1009 for a frame larger than the limit', async () => {
      const limit = h().config.WS_MAX_FRAME_BYTES;
      const big = { ...subscribe(newJobId()), requestId: 'x'.repeat(limit) };
      expect((await closesWith(big)).code).to.equal(1009);
    });
  });

  describe('job status over the socket', () => {
    it('answers a subscription with the current status, then pushes each change until the job is final', async () => {
      const { token, job } = await userWithJob();
      const socket = await open(h().api.url, { token });
      const requestId = randomUUID();
      socket.send(subscribe(job.jobId, requestId));
      expect(await socket.next()).to.deep.equal({
        schemaVersion: 1,
        type: 'job_status',
        requestId,
        jobId: job.jobId,
        status: 'QUEUED',
      });

      await worker.publish([failed(job, true)]);
      expect(await socket.next()).to.deep.equal({
        schemaVersion: 1,
        type: 'job_status',
        jobId: job.jobId,
        status: 'RUNNING',
        errorCode: 'destination_auth_revoked',
        retryable: true,
      });
      await worker.publish([succeeded(job, 4)]);
      // Ids, status and counts: nothing else.
      expect(await socket.next()).to.deep.equal({
        schemaVersion: 1,
        type: 'job_status',
        jobId: job.jobId,
        status: 'SUCCEEDED',
        recordsWritten: 4,
        recordsSkipped: 1,
      });
      // Final: the job is no longer followed.
      await worker.publish([succeeded(job, 4)]);
      socket.send(subscribe(newJobId()));
      expect((await socket.next()).type).to.equal('error');
      expect(socket.unread).to.deep.equal([]);
    });

    it('pushes the statuses no sync event carries (RUNNING once claimed, WAITING_FOR_DEVICE), and keeps following', async () => {
      const { token, job } = await userWithJob();
      const socket = await open(h().api.url, { token });
      socket.send(subscribe(job.jobId));
      expect(await socket.next()).to.include({ type: 'job_status', status: 'QUEUED' });
      const changedAt = clock.date().toISOString();
      for (const status of ['RUNNING', 'WAITING_FOR_DEVICE'] as const) {
        await worker.announce({ userId: job.userId, jobId: job.jobId, status, changedAt });
        expect(await socket.next()).to.deep.equal({
          schemaVersion: 1,
          type: 'job_status',
          jobId: job.jobId,
          status,
        });
      }
      await worker.publish([succeeded(job, 2)]);
      expect(await socket.next()).to.include({ type: 'job_status', status: 'SUCCEEDED', recordsWritten: 2 });
      expect(socket.unread).to.deep.equal([]);
    });

    it("answers not_found for another user's job and never shows it that job's updates", async () => {
      const a = await userWithJob();
      const b = await userWithJob();
      const socketA = await open(h().api.url, { token: a.token });
      const socketB = await open(h().api.url, { token: b.token });
      socketA.send(subscribe(a.job.jobId));
      await socketA.next(isStatus(a.job.jobId, 'QUEUED'));
      const requestId = randomUUID();
      socketB.send(subscribe(a.job.jobId, requestId));
      const refused = await socketB.next();
      expect(refused).to.deep.include({ type: 'error', requestId, jobId: a.job.jobId });
      expect(refused.problem).to.include({ code: 'not_found', status: 404, instance: '/v1/ws' });

      // A's update reaches A (same process) and not B.
      await worker.publish([succeeded(a.job)]);
      await socketA.next(isStatus(a.job.jobId, 'SUCCEEDED'));
      // An update forged on B's channel for B's own job, but naming user A, is dropped too.
      socketB.send(subscribe(b.job.jobId));
      await socketB.next(isStatus(b.job.jobId, 'QUEUED'));
      const forged = {
        schemaVersion: 1,
        userId: a.userId,
        jobId: b.job.jobId,
        status: 'FAILED',
        errorCode: 'forged',
        changedAt: clock.date().toISOString(),
      };
      await redis.publish(jobStatusChannel(b.userId), JSON.stringify(forged));
      await worker.publish([succeeded(b.job, 7)]);
      expect(await socketB.next()).to.deep.include({
        jobId: b.job.jobId,
        status: 'SUCCEEDED',
        recordsWritten: 7,
      });
      expect(socketB.unread).to.deep.equal([]);
    });

    it('announces nothing the event bus refused', async () => {
      const { token, job } = await userWithJob();
      const socket = await open(h().api.url, { token });
      socket.send(subscribe(job.jobId));
      await socket.next(isStatus(job.jobId, 'QUEUED'));
      const offContract = succeeded(job, -1);
      let refused: unknown;
      await worker.publish([offContract]).catch((error: unknown) => (refused = error));
      expect(refused).to.be.instanceOf(Error);
      await worker.publish([succeeded(job, 1)]);
      expect(await socket.next()).to.deep.include({ status: 'SUCCEEDED', recordsWritten: 1 });
      expect(socket.unread).to.deep.equal([]);
    });

    it('reaches a socket held by another API process (Redis pub/sub), and every socket of the user', async () => {
      const { token, job } = await userWithJob();
      const here = await open(h().api.url, { token });
      const there = await open(fast.url, { token });
      for (const socket of [here, there]) {
        socket.send(subscribe(job.jobId));
        await socket.next(isStatus(job.jobId, 'QUEUED'));
      }
      await worker.publish([succeeded(job, 2)]);
      for (const socket of [here, there])
        expect(await socket.next()).to.deep.include({
          jobId: job.jobId,
          status: 'SUCCEEDED',
          recordsWritten: 2,
        });
    });

    it('catches up after the job channel was lost: followed jobs are re-read when Redis reconnects', async () => {
      const { token, job } = await userWithJob();
      const socket = await open(h().api.url, { token });
      socket.send(subscribe(job.jobId));
      await socket.next(isStatus(job.jobId, 'QUEUED'));
      // The job finishes while no update can be delivered: the JOB item only.
      await h().syncJobs.put({
        ...job,
        status: 'SUCCEEDED',
        result: { recordsWritten: 5, recordsSkipped: 0 },
      });
      await redis.client('KILL', 'TYPE', 'pubsub');
      expect(await socket.next(isStatus(job.jobId), 10_000)).to.deep.include({
        status: 'SUCCEEDED',
        recordsWritten: 5,
      });
    });

    it('closes a socket that does not read with 4429 instead of buffering without bound', async () => {
      // The harness's API: its heartbeat (30 s) leaves a client that does not read alone meanwhile.
      const api = h().api;
      const { token, job } = await userWithJob();
      const socket = await open(api.url, { token });
      socket.send(subscribe(job.jobId));
      await socket.next(isStatus(job.jobId, 'QUEUED'));
      socket.ws.pause();
      const before = api.webSockets.stats.slowConsumers;
      const update = JSON.stringify({
        schemaVersion: 1,
        userId: job.userId,
        jobId: job.jobId,
        status: 'RUNNING',
        errorCode: 'provider_unavailable',
        retryable: true,
        changedAt: clock.date().toISOString(),
      });
      // Until the kernel's buffers are full and the socket's own passes WS_MAX_BUFFERED_BYTES (1 MiB).
      const batch = 2000;
      for (let n = 0; n < 100 && api.webSockets.stats.slowConsumers === before; n++) {
        const sent = api.webSockets.stats.framesSent;
        const pipeline = redis.pipeline();
        for (let i = 0; i < batch; i++) pipeline.publish(jobStatusChannel(job.userId), update);
        await pipeline.exec();
        // Every update of the batch relayed, or the socket shed on the way.
        await until(
          () =>
            api.webSockets.stats.framesSent - sent >= batch || api.webSockets.stats.slowConsumers > before,
          'the API to relay the batch',
        );
      }
      expect(api.webSockets.stats.slowConsumers).to.equal(before + 1);
      socket.ws.resume();
      expect(await socket.closed).to.deep.equal({ code: 4429, reason: 'slow_consumer' });
    });
  });

  describe('sync requests over the socket', () => {
    const syncFrame = (source: string, destination: string, requestId = randomUUID()) => ({
      schemaVersion: 1,
      action: 'sync',
      requestId,
      sourceConnectionId: source,
      destinationConnectionId: destination,
      dataType: 'workout',
    });

    it('creates the job on the hot path, answers QUEUED, then the SyncResultFrame when it is final', async () => {
      const { userId, token, source, destination } = await userWithJob();
      const socket = await open(h().api.url, { token });
      const frame = syncFrame(source.connectionId, destination.connectionId);
      socket.send(frame);
      const queued = await socket.next();
      expect(queued).to.include({ type: 'job_status', requestId: frame.requestId, status: 'QUEUED' });
      const jobId = queued.jobId as string;
      expect(jobId).to.match(/^job_[0-9a-f-]{36}$/);

      // The same HotPathSyncRequested as POST /v1/sync-jobs, keyed by the request id, at high priority.
      const [message] = await h().receiveHotPath((m) => JSON.parse(m.Body!).jobId === jobId);
      expect(JSON.parse(message!.Body!)).to.include({
        userId,
        trigger: 'manual',
        priority: 'high',
        sourceConnectionId: source.connectionId,
      });
      expect(message!.Attributes?.MessageDeduplicationId).to.equal(`ws:${frame.requestId}`);
      const job = await h().syncJobs.get(userId, jobId);
      expect(job).to.include({ status: 'QUEUED', mode: 'manual', priority: 'high' });

      // The same request again (a reconnect): no second job, the first one followed.
      const again = await open(h().api.url, { token });
      again.send(frame);
      expect(await again.next()).to.include({
        type: 'job_status',
        requestId: frame.requestId,
        jobId,
        status: 'QUEUED',
      });
      // The same id with another body is refused.
      again.send({ ...frame, dataType: 'steps' });
      expect(((await again.next()).problem as Frame).code).to.equal('idempotency_key_reused');

      await worker.publish([succeeded(job!, 6)]);
      for (const s of [socket, again])
        expect(await s.next()).to.deep.equal({
          schemaVersion: 1,
          type: 'sync_result',
          requestId: frame.requestId,
          jobId,
          status: 'SUCCEEDED',
          recordsWritten: 6,
          error: null,
        });
    });

    it("a failed job's result carries the error of its JOB item", async () => {
      const { userId, token, source, destination } = await userWithJob();
      const socket = await open(h().api.url, { token });
      const frame = syncFrame(source.connectionId, destination.connectionId);
      socket.send(frame);
      const jobId = (await socket.next()).jobId as string;
      await h().receiveHotPath((m) => JSON.parse(m.Body!).jobId === jobId);
      const job = (await h().syncJobs.get(userId, jobId))!;
      const error = { code: 'destination_auth_revoked', message: 'Strava rejected the stored credentials.' };
      // As the worker does: the final status first, then the event.
      await h().syncJobs.put({ ...job, status: 'FAILED', error });
      await worker.publish([failed(job, false)]);
      expect(await socket.next()).to.deep.equal({
        schemaVersion: 1,
        type: 'sync_result',
        requestId: frame.requestId,
        jobId,
        status: 'FAILED',
        recordsWritten: 0,
        error,
      });
    });

    it("refuses another user's connections with the HTTP API's problem, without closing the socket", async () => {
      const a = await userWithJob();
      const b = await userWithJob();
      const socket = await open(h().api.url, { token: b.token });
      const frame = syncFrame(a.source.connectionId, b.destination.connectionId);
      socket.send(frame);
      const refused = await socket.next();
      expect(refused).to.include({ type: 'error', requestId: frame.requestId });
      expect(refused.problem).to.include({ code: 'connection_not_found', status: 404 });
      socket.send(syncFrame(b.source.connectionId, b.source.connectionId));
      expect(((await socket.next()).problem as Frame).code).to.equal('same_connection');
    });
  });
});
