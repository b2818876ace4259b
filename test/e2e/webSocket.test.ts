// The WebSocket lane end to end: a SyncRequestFrame on the API's socket, the job through the hot path
// (its message queued in SQS, its JOB item written), run either in the API process itself (the
// foreground runner, seed §2.9) or, when the API has no room, by the worker; the SyncResultFrame
// comes back on the same socket either way (the worker's through its sync event's fan-out over Redis).
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { SyncJob } from '../../core/domain/types.js';
import { TestSocket } from '../support/wsClient.js';
import { connectedUser, createSyncConfig, startE2E, until, type E2E } from './support.js';

/** Asks for a sync over a socket and waits for its result; the job as the HTTP API then shows it. */
async function syncOverSocket(e: E2E) {
  const { userId, token, connections } = await connectedUser(e, ['garmin', 'strava']);
  await createSyncConfig(e.h, token, connections.garmin, connections.strava, 'workout');
  const socket = await TestSocket.open(e.h.api.url, { token });
  try {
    const requestId = randomUUID();
    socket.send({
      schemaVersion: 1,
      action: 'sync',
      requestId,
      sourceConnectionId: connections.garmin,
      destinationConnectionId: connections.strava,
      dataType: 'workout',
    });
    const queued = await socket.next();
    expect(queued).to.include({ type: 'job_status', requestId, status: 'QUEUED' });
    const jobId = queued.jobId as string;

    const result = await socket.next((f) => f.type === 'sync_result', 60_000);
    // The socket says what the HTTP API says about the job.
    const job = await e.h.request<SyncJob>('GET', `/v1/sync-jobs/${jobId}`, { token });
    expect(job.body.status, JSON.stringify(job.body.error)).to.equal('SUCCEEDED');
    expect(result).to.deep.equal({
      schemaVersion: 1,
      type: 'sync_result',
      requestId,
      jobId,
      status: 'SUCCEEDED',
      recordsWritten: job.body.result!.recordsWritten,
      error: null,
    });
    expect(job.body.result!.recordsWritten).to.be.greaterThan(0);
    expect(job.body.priority).to.equal('high');
    // Run once, whoever ran it: one claim in its history.
    const record = await e.h.syncJobs.get(userId, jobId);
    expect(record?.history?.map((h) => h.status)).to.deep.equal(['QUEUED', 'RUNNING', 'SUCCEEDED']);
    return { userId, jobId };
  } finally {
    await socket.close();
  }
}

describe('WebSocket sync end to end', function () {
  this.timeout(120_000);

  describe('with room in the API process', () => {
    let e: E2E;
    before(async () => {
      // No worker at first: only the API process can run the job.
      e = await startE2E({}, { worker: false });
    });
    after(async () => {
      await e?.stop();
    });

    it('runs the SyncRequestFrame in the API process and answers with its SyncResultFrame; the queued copy does nothing', async () => {
      const job = await syncOverSocket(e);
      expect(e.h.api.foreground.stats).to.deep.include({ started: 1, handedBack: 0 });
      // A worker arriving later receives the queued message, finds the job finished and drops it.
      const worker = await e.startWorker();
      await until(async () => worker.worker.stats.jobs >= 1, 30_000, 'the worker to receive the queued copy');
      expect(worker.worker.stats).to.deep.include({ succeeded: 0, providerCalls: 0 });
      expect((await e.h.syncJobs.get(job.userId, job.jobId))?.history?.length).to.equal(3);
    });
  });

  describe('with room in the API process and a worker receiving at once', () => {
    let e: E2E;
    before(async () => {
      e = await startE2E();
    });
    after(async () => {
      await e?.stop();
    });

    it('runs every socket sync in the API process: the worker that receives the queued copy first waits for it and calls no provider', async () => {
      const jobs = 5;
      for (let i = 0; i < jobs; i += 1) await syncOverSocket(e);
      expect(e.h.api.foreground.stats).to.deep.include({ started: jobs, declined: 0, handedBack: 0 });
      expect(e.worker!.worker.stats).to.deep.include({ succeeded: 0, providerCalls: 0 });
    });
  });

  describe('with no room in the API process (WS_FOREGROUND_CONCURRENCY=0)', () => {
    let e: E2E;
    before(async () => {
      e = await startE2E({ WS_FOREGROUND_CONCURRENCY: '0' });
    });
    after(async () => {
      await e?.stop();
    });

    it('leaves the job to the worker, and the socket still gets its SyncResultFrame', async () => {
      await syncOverSocket(e);
      expect(e.h.api.foreground.stats).to.deep.include({ started: 0, declined: 1 });
    });
  });
});
