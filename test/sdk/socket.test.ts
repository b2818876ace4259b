// The SDK's sync socket against the real API's WebSocket lane (and the real worker where a job must
// run): sync requests answered on the socket, job subscriptions until the job is final, reconnects
// after the API process restarts (pending requests and subscriptions carried over), refused and
// expiring tokens, limits, protocol errors and close(). The backoff runs on a manual clock, so its
// delays are asserted exactly and nothing waits for them.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import WebSocket from 'ws';
import { parse } from 'yaml';
import {
  ApiError,
  SOCKET_CLOSE_CODES,
  SyncSocketError,
  createSyncSocket,
  fullJitterDelay,
  type JobStatusFrame,
  type SyncSocket,
  type SyncSocketEvent,
} from '../../client-sdk/dist/index.js';
import { refusalStatus } from '../../client-sdk/dist/socketCloses.js';
import { readServerFrame } from '../../client-sdk/dist/socketFrames.js';
import { createRedis, waitForRedis, type Redis } from '../../core/cache/redis.js';
import { clock } from '../../core/clock/clock.js';
import { createLogger } from '../../core/logging/logger.js';
import { jobStatusChannel } from '../../core/realtime/jobStatusChannel.js';
import type { JobStatusChanged } from '../../generated/messages.gen.js';
import type { SyncJob } from '../../core/domain/types.js';
import type { SyncJobRecord } from '../../core/store/syncJobRepository.js';
import { freePort } from '../../infra/local/freePort.js';
import { startApi, type RunningApi } from '../../server/main.js';
import { testEnv } from '../support/harness.js';
import { TestSocket } from '../support/wsClient.js';
import {
  connectedUser,
  createSyncConfig,
  requestSync as postSyncJob,
  startE2E,
  until,
  type E2E,
} from '../e2e/support.js';
import { ManualClock, recordingTokenProvider, type TokenRequest } from './socketSupport.js';

const contract = parse(readFileSync(new URL('../../contracts/asyncapi.yaml', import.meta.url), 'utf8')) as {
  channels: { syncSocket: { description: string } };
  components: { messages: Record<string, { examples: { payload: unknown }[] }> };
};

const states = (events: SyncSocketEvent[]) => events.flatMap((ev) => (ev.type === 'state' ? [ev.state] : []));

/** With random() = 0.5, attempt n of the default backoff waits 250 * 2^(n-1) ms. */
const HALF = () => 0.5;

describe('client SDK sync socket', function () {
  this.timeout(60_000);
  let e: E2E;
  /** Heartbeat every 100 ms (a token's expiry is noticed at once) and two sockets per user. */
  let edge: RunningApi;
  const sockets: SyncSocket[] = [];
  /** Stands in for the worker's job status fan-out. */
  let redis: Redis;

  before(async () => {
    // Workers are started by the tests that need one, after their jobs are queued.
    e = await startE2E({}, { worker: false });
    redis = createRedis(
      e.h.config.REDIS_URL,
      createLogger({ level: 'silent', service: 'test' }),
      'test-worker',
    );
    await waitForRedis(redis, 3000);
    edge = await startApi(
      testEnv(e.h.stack, { WS_HEARTBEAT_INTERVAL_MS: '100', WS_MAX_CONNECTIONS_PER_USER: '2' }),
    );
  });
  afterEach(async () => {
    await Promise.all(sockets.splice(0).map((s) => s.close()));
  });
  after(async () => {
    redis?.disconnect();
    await edge?.stop();
    await e?.stop();
  });

  function socketFor(baseUrl: string, getToken: (r?: TokenRequest) => Promise<string>) {
    const manual = new ManualClock();
    const events: SyncSocketEvent[] = [];
    const socket = createSyncSocket({
      baseUrl,
      getToken,
      WebSocket,
      clock: manual,
      random: HALF,
      onEvent: (event) => events.push(event),
    });
    sockets.push(socket);
    const disconnects = () =>
      events.filter(
        (ev): ev is Extract<SyncSocketEvent, { type: 'disconnected' }> => ev.type === 'disconnected',
      );
    return { socket, clock: manual, events, disconnects };
  }

  /** A user with two connections and a QUEUED job that is on no queue: only the test changes it. */
  async function parkedJob() {
    const userId = e.h.newUserId('sock');
    const [source, destination] = await Promise.all([
      e.h.connection(userId, 'fitbit'),
      e.h.connection(userId, 'strava'),
    ]);
    const now = clock.date();
    const job: SyncJobRecord = {
      userId,
      jobId: `job_${randomUUID()}`,
      status: 'QUEUED',
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
    await e.h.syncJobs.put(job);
    return { userId, job };
  }

  /** A Garmin → Strava user of the provider sandbox, whose workout sync writes records. */
  async function garminToStrava() {
    const u = await connectedUser(e, ['garmin', 'strava']);
    await createSyncConfig(e.h, u.token, u.connections.garmin, u.connections.strava, 'workout');
    const request = {
      sourceConnectionId: u.connections.garmin,
      destinationConnectionId: u.connections.strava,
      dataType: 'workout' as const,
    };
    return { ...u, request };
  }

  /**
   * Publishes a retryable attempt failure of `job` on its user's channel, as the worker's fan-out does,
   * until `delivered` holds (a renewed subscription is registered by the server soon after the open).
   */
  async function relayedUntil(job: SyncJobRecord, delivered: () => boolean): Promise<void> {
    const update: JobStatusChanged = {
      schemaVersion: 1,
      userId: job.userId,
      jobId: job.jobId,
      status: 'RUNNING',
      errorCode: 'provider_unavailable',
      retryable: true,
      changedAt: clock.date().toISOString(),
    };
    await until(
      async () =>
        delivered() || (await redis.publish(jobStatusChannel(job.userId), JSON.stringify(update)), false),
      10_000,
      'a relayed update',
    );
  }

  const getJob = async (token: string, jobId: string) =>
    (await e.h.request<SyncJob>('GET', `/v1/sync-jobs/${jobId}`, { token })).body;

  it('connects with the token provider and resolves requestSync with the SyncResultFrame of the job the worker ran', async () => {
    const u = await garminToStrava();
    const tokens = recordingTokenProvider(() => u.token);
    const { socket, events } = socketFor(e.h.api.url, tokens.getToken);
    const worker = await e.startWorker();
    try {
      const statuses: JobStatusFrame[] = [];
      const result = await socket.requestSync(u.request, { onStatus: (f) => statuses.push(f) });

      expect(statuses).to.have.length(1);
      const [queued] = statuses;
      expect(queued).to.include({ type: 'job_status', status: 'QUEUED', jobId: result.jobId });
      // The socket says what the HTTP API says about the job.
      const job = await getJob(u.token, result.jobId);
      expect(job.status, JSON.stringify(job.error)).to.equal('SUCCEEDED');
      expect(result).to.deep.equal({
        schemaVersion: 1,
        type: 'sync_result',
        requestId: queued!.requestId,
        jobId: job.jobId,
        status: 'SUCCEEDED',
        recordsWritten: job.result!.recordsWritten,
        error: null,
      });
      expect(result.recordsWritten).to.be.greaterThan(0);
      expect(tokens.calls).to.deep.equal([undefined]);
      expect(states(events)).to.deep.equal(['connecting', 'open']);
      expect(socket.state).to.equal('open');
    } finally {
      await worker.stop();
    }
  });

  it('delivers a subscribed job’s status frames until it is SUCCEEDED, then stops following it', async () => {
    const u = await garminToStrava();
    // Created over HTTP while no worker runs: QUEUED until one starts.
    const jobId = await postSyncJob(
      e.h,
      u.token,
      u.request.sourceConnectionId,
      u.request.destinationConnectionId,
      'workout',
    );
    const { socket } = socketFor(e.h.api.url, async () => u.token);
    const frames: JobStatusFrame[] = [];
    const final = new Promise<void>((resolve, reject) =>
      socket.subscribeJob(
        jobId,
        (frame) => {
          frames.push(frame);
          if (frame.status === 'SUCCEEDED' || frame.status === 'FAILED') resolve();
        },
        { onError: reject },
      ),
    );
    await until(() => frames.length === 1, 10_000, 'the current status');
    expect(frames[0]).to.include({ type: 'job_status', jobId, status: 'QUEUED' });
    expect(frames[0]!.requestId).to.be.a('string');

    const worker = await e.startWorker();
    try {
      await final;
    } finally {
      await worker.stop();
    }
    const job = await getJob(u.token, jobId);
    expect(job.status, JSON.stringify(job.error)).to.equal('SUCCEEDED');
    // RUNNING when the worker claimed it to write, live like the outcome.
    expect(frames.map((f) => f.status)).to.deep.equal(['QUEUED', 'RUNNING', 'SUCCEEDED']);
    expect(frames[1]).to.deep.equal({ schemaVersion: 1, type: 'job_status', jobId, status: 'RUNNING' });
    expect(frames[2]).to.deep.equal({
      schemaVersion: 1,
      type: 'job_status',
      jobId,
      status: 'SUCCEEDED',
      recordsWritten: job.result!.recordsWritten,
      recordsSkipped: job.result!.recordsSkipped,
    });
  });

  it('reconnects with backoff after the API process restarts, and carries its sync request and subscription over', async () => {
    const u = await garminToStrava();
    const port = String(await freePort());
    let api = await startApi(testEnv(e.h.stack, { PORT: port }));
    let worker: Awaited<ReturnType<E2E['startWorker']>> | undefined;
    try {
      const tokens = recordingTokenProvider(() => e.h.token(u.userId, { tier: 'PRO' }));
      const { socket, clock: manual, disconnects } = socketFor(api.url, tokens.getToken);
      const statuses: JobStatusFrame[] = [];
      const result = socket.requestSync(u.request, { onStatus: (f) => statuses.push(f) });
      await until(() => statuses.length === 1, 10_000, 'the QUEUED answer');
      const { jobId } = statuses[0]!;
      const frames: JobStatusFrame[] = [];
      socket.subscribeJob(jobId, (f) => frames.push(f));
      await until(() => frames.length === 1, 10_000, 'the subscription’s answer');

      // The process stops: 1001, and the first wait is drawn from [0, 500) ms.
      await api.stop();
      await until(() => manual.pending.length === 1, 5000, 'a reconnect to be scheduled');
      expect(disconnects()).to.deep.equal([
        { type: 'disconnected', code: 1001, reason: 'going_away', wasOpen: true },
      ]);
      expect(manual.pending).to.deep.equal([250]);
      expect(socket.state).to.equal('waiting');

      // Still down: the attempt fails and the next wait doubles.
      manual.fireNext();
      await until(() => manual.pending.length === 1, 5000, 'the second reconnect to be scheduled');
      expect(manual.pending).to.deep.equal([500]);
      expect(disconnects()[1]).to.include({ wasOpen: false });

      api = await startApi(testEnv(e.h.stack, { PORT: port }));
      const restarted = api;
      manual.fireNext();
      // Both renewed on the new connection: the subscription, then the request.
      await until(
        () => statuses.length === 2 && restarted.webSockets.stats.framesReceived === 2,
        10_000,
        'the renewed subscription and request',
      );
      expect(socket.state).to.equal('open');
      // The same requestId again: the server created no second job and follows the first.
      expect(statuses[1]).to.include({ requestId: statuses[0]!.requestId, jobId, status: 'QUEUED' });
      // The renewal's answer (QUEUED again) is no news for the listener.
      expect(frames.map((f) => f.status)).to.deep.equal(['QUEUED']);
      // A token asked for every attempt, none forced.
      expect(tokens.calls).to.deep.equal([undefined, undefined, undefined]);

      worker = await e.startWorker();
      const final = await result;
      expect(final).to.include({
        type: 'sync_result',
        requestId: statuses[0]!.requestId,
        jobId,
        status: 'SUCCEEDED',
      });
      await until(() => frames.length === 3, 10_000, 'the subscription’s RUNNING and SUCCEEDED');
      // Relayed updates (no requestId): the new process follows the job for this socket.
      expect(frames.map((f) => f.status)).to.deep.equal(['QUEUED', 'RUNNING', 'SUCCEEDED']);
      expect(frames[2]).to.deep.include({ jobId, status: 'SUCCEEDED', recordsWritten: final.recordsWritten });
      expect(frames[2]).to.not.have.property('requestId');
      const listed = await e.h.request<{ syncJobs: SyncJob[] }>('GET', '/v1/sync-jobs', { token: u.token });
      expect(listed.body.syncJobs.map((j) => j.jobId)).to.deep.equal([jobId]);
    } finally {
      await worker?.stop();
      await api.stop();
    }
  });

  it('gives up on a refused token after one forced refresh, and connects again once the provider has a new one', async () => {
    const userId = e.h.newUserId('sock');
    const nowSeconds = Math.floor(clock.now() / 1000);
    const expired = (ago: number) =>
      e.h.token(userId, { issuedAtSeconds: nowSeconds - ago, expiresInSeconds: 3600 });
    // Like Firebase: the cached token, until a forced refresh replaces it (here with another refused one).
    let current = await expired(7200);
    const refreshed = await expired(7100);
    const tokens = recordingTokenProvider((request) =>
      request?.forceRefresh ? (current = refreshed) : current,
    );
    const { socket, clock: manual, disconnects } = socketFor(e.h.api.url, tokens.getToken);
    const refusedBefore = e.h.api.webSockets.stats.refused;
    const request = {
      sourceConnectionId: `conn_${randomUUID()}`,
      destinationConnectionId: `conn_${randomUUID()}`,
      dataType: 'steps' as const,
    };

    const refused = await socket.requestSync(request).catch((error: unknown) => error);
    expect(refused).to.be.instanceOf(SyncSocketError);
    expect(refused).to.include({ reason: 'unauthorized' });
    expect(tokens.calls).to.deep.equal([undefined, { forceRefresh: true }]);
    expect(disconnects().map((d) => d.status)).to.deep.equal([401, 401]);
    expect(e.h.api.webSockets.stats.refused - refusedBefore).to.equal(2);
    expect(socket.state).to.equal('unauthorized');
    expect(manual.pending).to.deep.equal([]);

    // The provider still has only the refused token: failed at once, without another upgrade.
    const again = await socket.requestSync(request).catch((error: unknown) => error);
    expect(again).to.include({ reason: 'unauthorized' });
    expect(tokens.calls).to.have.length(3);
    expect(e.h.api.webSockets.stats.refused - refusedBefore).to.equal(2);

    // The user signed in again: the next request connects, and the server's answer is a typed problem.
    current = await e.h.token(userId);
    const problem = await socket.requestSync(request).catch((error: unknown) => error);
    expect(problem).to.be.instanceOf(ApiError);
    expect(problem).to.include({ status: 404, code: 'connection_not_found' });
    expect((problem as ApiError).request).to.include({ method: 'WS', path: '/v1/ws' });
    expect(socket.state).to.equal('open');
  });

  it('stops when the account is deleted: what it followed fails with account_deleted, and it does not reconnect', async () => {
    const { userId, job } = await parkedJob();
    let current = await e.h.token(userId);
    const tokens = recordingTokenProvider(() => current);
    const { socket, clock: manual, disconnects } = socketFor(e.h.api.url, tokens.getToken);
    const frames: JobStatusFrame[] = [];
    const ended = new Promise<unknown>((resolve) =>
      socket.subscribeJob(job.jobId, (frame) => frames.push(frame), { onError: resolve }),
    );
    await until(() => frames.length === 1, 10_000, 'the current status');

    expect((await e.h.request('DELETE', '/v1/users/me', { token: current })).status).to.equal(202);
    const error = await ended;
    expect(error).to.be.instanceOf(SyncSocketError);
    expect(error).to.include({ reason: 'account_deleted', closeCode: 4410 });
    expect(disconnects().map((d) => d.code)).to.deep.equal([4410]);
    expect(socket.state).to.equal('account_deleted');
    expect(manual.pending).to.deep.equal([]);

    const request = {
      sourceConnectionId: job.sourceConnectionId,
      destinationConnectionId: job.destinationConnectionId,
      dataType: 'workout' as const,
    };
    // The same token again: failed at once, without an upgrade.
    const again = await socket.requestSync(request).catch((err: unknown) => err);
    expect(again).to.include({ reason: 'account_deleted' });
    expect(disconnects()).to.have.length(1);
    // Another token of the deleted account: one upgrade, refused 410, the same error, no retry.
    current = await e.h.token(userId, { issuedAtSeconds: Math.floor(clock.now() / 1000) - 60 });
    const refused = await socket.requestSync(request).catch((err: unknown) => err);
    expect(refused).to.include({ reason: 'account_deleted' });
    expect(disconnects().map((d) => d.status ?? d.code)).to.deep.equal([4410, 410]);
    expect(socket.state).to.equal('account_deleted');
    expect(manual.pending).to.deep.equal([]);
  });

  it('backs off when the token provider fails (offline), then connects with its next token', async () => {
    const { userId, job } = await parkedJob();
    const token = await e.h.token(userId);
    let offline = true;
    const tokens = recordingTokenProvider(() => {
      if (offline) throw new Error('network unavailable');
      return token;
    });
    const { socket, clock: manual, events } = socketFor(e.h.api.url, tokens.getToken);
    const frames: JobStatusFrame[] = [];
    socket.subscribeJob(job.jobId, (f) => frames.push(f));
    await until(() => manual.pending.length === 1, 5000, 'a reconnect to be scheduled');
    expect(events).to.deep.include({ type: 'reconnect_scheduled', attempt: 1, delayMs: 250 });
    const failed = events.find((ev) => ev.type === 'attempt_failed');
    expect(failed).to.include({ stage: 'token' });

    offline = false;
    manual.fireNext();
    await until(() => frames.length === 1, 10_000, 'the subscription’s answer');
    expect(frames[0]).to.include({ jobId: job.jobId, status: 'QUEUED' });
    expect(tokens.calls).to.deep.equal([undefined, undefined]);
  });

  it('reconnects at once with a refreshed token when the server closes for token expiry (4401)', async () => {
    const { userId, job } = await parkedJob();
    // Expires two to three seconds from now (JWT times are whole seconds): time enough to open the
    // socket on a busy machine. "Within the next second" was sometimes a millisecond, and the
    // upgrade itself was refused with 401 instead of the open socket being closed with 4401.
    const expiresAt = Math.ceil(clock.now() / 1000) + 2;
    const expiring = await e.h.token(userId, { issuedAtSeconds: expiresAt - 3600, expiresInSeconds: 3600 });
    const fresh = await e.h.token(userId);
    const tokens = recordingTokenProvider((request) => (request?.forceRefresh ? fresh : expiring));
    const { socket, clock: manual, disconnects } = socketFor(edge.url, tokens.getToken);
    const frames: JobStatusFrame[] = [];
    socket.subscribeJob(job.jobId, (f) => frames.push(f));

    await until(
      () => disconnects().length === 1 && socket.state === 'open',
      10_000,
      'the reconnect after 4401',
    );
    expect(disconnects()).to.deep.equal([
      { type: 'disconnected', code: 4401, reason: 'token_expired', wasOpen: true },
    ]);
    expect(tokens.calls).to.deep.equal([undefined, { forceRefresh: true }]);
    expect(manual.pending).to.deep.equal([]);
    // The subscription lives on the new connection: a relayed update reaches the listener.
    await relayedUntil(job, () => frames.length === 2);
    expect(frames.map((f) => f.status)).to.deep.equal(['QUEUED', 'RUNNING']);
  });

  it('backs off by the limit delay when the user already holds every socket allowed (429)', async () => {
    const { userId, job } = await parkedJob();
    const token = await e.h.token(userId);
    const holders = [await TestSocket.open(edge.url, { token }), await TestSocket.open(edge.url, { token })];
    try {
      const { socket, clock: manual, disconnects } = socketFor(edge.url, async () => token);
      const frames: JobStatusFrame[] = [];
      socket.subscribeJob(job.jobId, (f) => frames.push(f));
      await until(() => manual.pending.length === 1, 5000, 'a reconnect to be scheduled');
      expect(disconnects()).to.have.length(1);
      expect(disconnects()[0]).to.include({ wasOpen: false, status: 429 });
      // Retry-After says 60 s: the limit delay plus the backoff's jitter.
      expect(manual.pending).to.deep.equal([60_000 + 250]);

      const held = edge.webSockets.connections;
      await holders[0]!.close();
      await until(() => edge.webSockets.connections < held, 5000, 'the slot to be free');
      manual.fireNext();
      await until(() => frames.length === 1, 10_000, 'the subscription’s answer');
      expect(frames[0]).to.include({ jobId: job.jobId, status: 'QUEUED' });
    } finally {
      await Promise.all(holders.map((h) => h.close()));
    }
  });

  it('fails the frame the server refused (4422), keeps the rest across the reconnect, and close() stops everything', async () => {
    const { userId, job } = await parkedJob();
    const token = await e.h.token(userId);
    const { socket, clock: manual, disconnects, events } = socketFor(edge.url, async () => token);
    socket.connect();
    const frames: JobStatusFrame[] = [];
    const errors: unknown[] = [];
    socket.subscribeJob(job.jobId, (f) => frames.push(f), { onError: (error) => errors.push(error) });
    await until(() => frames.length === 1, 10_000, 'the subscription’s answer');

    let refused: unknown;
    socket.subscribeJob('job_42', () => undefined, { onError: (error) => (refused = error) });
    await until(() => refused !== undefined, 5000, 'the bad subscription to fail');
    expect(refused).to.be.instanceOf(SyncSocketError);
    expect(refused).to.include({ reason: 'protocol_error', closeCode: SOCKET_CLOSE_CODES.invalid_frame });
    expect(disconnects()).to.deep.equal([
      { type: 'disconnected', code: 4422, reason: 'invalid_frame', wasOpen: true },
    ]);
    expect(manual.pending).to.deep.equal([250]);

    manual.fireNext();
    await relayedUntil(job, () => frames.length === 2);
    expect(frames[1]).to.include({ status: 'RUNNING', retryable: true });
    expect(errors).to.deep.equal([]);

    // Again, and close() while the reconnect waits: nothing is left to fire.
    socket.subscribeJob('job_43', () => undefined);
    // The connection did not stay up 10 s (the manual clock stood still): the backoff goes on growing.
    await until(() => manual.pending.length === 1, 5000, 'a reconnect to be scheduled');
    expect(manual.pending).to.deep.equal([500]);
    const waiting = socket.requestSync({
      sourceConnectionId: job.sourceConnectionId,
      destinationConnectionId: job.destinationConnectionId,
      dataType: 'workout',
    });
    await socket.close();
    expect(manual.pending).to.deep.equal([]);
    expect(socket.state).to.equal('closed');
    expect(await waiting.catch((error: unknown) => error)).to.include({
      name: 'SyncSocketError',
      reason: 'closed',
    });
    expect(errors).to.have.length(1);
    expect(errors[0]).to.include({ reason: 'closed' });
    expect(() => socket.subscribeJob(job.jobId, () => undefined)).to.throw(SyncSocketError);
    expect(() => socket.connect()).to.throw(SyncSocketError);
    expect(events.at(-1)).to.deep.equal({ type: 'state', state: 'closed' });
  });

  it('close() on an open socket closes it on the server too', async () => {
    const { userId, job } = await parkedJob();
    const token = await e.h.token(userId);
    const { socket } = socketFor(edge.url, async () => token);
    const frames: JobStatusFrame[] = [];
    socket.subscribeJob(job.jobId, (f) => frames.push(f));
    await until(() => frames.length === 1, 10_000, 'the subscription’s answer');
    expect(edge.webSockets.connections).to.equal(1);
    await socket.close();
    await until(() => edge.webSockets.connections === 0, 5000, 'the server to let the socket go');
    expect(
      await socket.requestSync({ ...job, dataType: 'workout' }).catch((error: unknown) => error),
    ).to.include({
      reason: 'closed',
    });
  });

  describe('pieces', () => {
    it('knows exactly the close codes the contract documents', () => {
      const documented = [
        ...contract.channels.syncSocket.description.matchAll(/^\| (\d{4}) \| `([a-z_]+)` \|/gm),
      ].map(([, code, reason]) => [reason, Number(code)]);
      expect(Object.fromEntries(documented)).to.deep.equal(SOCKET_CLOSE_CODES);
    });

    it('reads the contract’s example server frames, and ignores what it does not know without throwing', () => {
      for (const name of ['SyncResultFrame', 'JobStatusFrame', 'ErrorFrame'])
        for (const { payload } of contract.components.messages[name]!.examples)
          expect(readServerFrame(JSON.stringify(payload)), name).to.deep.equal({ frame: payload });
      for (const data of [
        '{"schemaVersion":2,"type":"job_progress","jobId":"job_1","percent":40}',
        '{"type":"sync_result"}',
        '{"type":"error","problem":"no"}',
        '[1,2]',
        'not json',
        new ArrayBuffer(4),
      ])
        expect(readServerFrame(data)).to.have.property('ignored').that.is.a('string');
    });

    it('reads a refused upgrade’s status from the runtimes’ error texts', () => {
      expect(refusalStatus({ message: 'Unexpected server response: 401' })).to.equal(401);
      expect(
        refusalStatus({ message: "Expected HTTP 101 response but was '429 Too Many Requests'" }),
      ).to.equal(429);
      expect(refusalStatus({ message: 'Received bad response code from server: 503.' })).to.equal(503);
      expect(refusalStatus({ error: new Error('connect ECONNREFUSED 127.0.0.1:4401') })).to.equal(undefined);
      expect(refusalStatus({ type: 'error' })).to.equal(undefined);
    });

    it('draws each wait uniformly below a bound that doubles up to the maximum', () => {
      const o = { baseDelayMs: 500, maxDelayMs: 30_000 };
      const almostOne = () => 0.999_999;
      expect([1, 2, 3, 4, 7, 20].map((n) => fullJitterDelay(n, o, almostOne))).to.deep.equal([
        499, 999, 1999, 3999, 29_999, 29_999,
      ]);
      expect(fullJitterDelay(5, o, () => 0)).to.equal(0);
    });
  });
});
