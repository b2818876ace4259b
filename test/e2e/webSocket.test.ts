// The WebSocket lane end to end: a SyncRequestFrame on the API's socket, the job through the real hot
// path (SQS, the worker, the provider sandbox), and the SyncResultFrame back on the same socket, carried
// from the worker's process by its sync event's fan-out over Redis.
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { SyncJob } from '../../core/domain/types.js';
import { TestSocket } from '../support/wsClient.js';
import { connectedUser, createSyncConfig, startE2E, type E2E } from './support.js';

describe('WebSocket sync end to end', function () {
  this.timeout(120_000);
  let e: E2E;

  before(async () => {
    e = await startE2E();
  });
  after(async () => {
    await e?.stop();
  });

  it('answers a SyncRequestFrame with the SyncResultFrame of the job the worker ran', async () => {
    const { token, connections } = await connectedUser(e, ['garmin', 'strava']);
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
    } finally {
      await socket.close();
    }
  });
});
