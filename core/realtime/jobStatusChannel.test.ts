import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { SyncEvent } from '../events/eventBus.js';
import { assertMessage } from '../messaging/messageSchemas.js';
import { jobStatusChannel, jobStatusFromEvent } from './jobStatusChannel.js';

const base = {
  schemaVersion: 1,
  eventId: randomUUID(),
  jobId: 'job_3f2b8c1e-9d4a-4b7e-8c2a-1f0e9d8c7b6a',
  userId: 'user-1',
  sourceConnectionId: 'conn_7c9e6679-7425-40de-944b-e07fc1f90ae7',
  destinationConnectionId: 'conn_8c9e6679-7425-40de-944b-e07fc1f90ae7',
  dataType: 'workout',
  trigger: 'manual',
} as const;

const failed = (retryable: boolean): SyncEvent => ({
  type: 'SyncFailed',
  detail: {
    ...base,
    errorCode: 'provider_unavailable',
    retryable,
    attempt: 2,
    failedAt: '2026-11-24T10:00:03.000Z',
  },
});

describe('core/realtime: job status from sync events', () => {
  it('names one channel per user', () => {
    expect(jobStatusChannel('user-1')).to.equal('ws:user:user-1');
  });

  it('maps SyncSucceeded to SUCCEEDED with its counts, and nothing else of the event', () => {
    const update = jobStatusFromEvent({
      type: 'SyncSucceeded',
      detail: {
        ...base,
        recordsWritten: 3,
        recordsSkipped: 1,
        startedAt: '2026-11-24T10:00:00.000Z',
        finishedAt: '2026-11-24T10:00:02.000Z',
      },
    });
    expect(assertMessage('JobStatusChanged', update)).to.deep.equal({
      schemaVersion: 1,
      userId: 'user-1',
      jobId: base.jobId,
      status: 'SUCCEEDED',
      recordsWritten: 3,
      recordsSkipped: 1,
      changedAt: '2026-11-24T10:00:02.000Z',
    });
  });

  it('maps a final SyncFailed to FAILED, a retryable one to RUNNING', () => {
    expect(assertMessage('JobStatusChanged', jobStatusFromEvent(failed(false)))).to.include({
      status: 'FAILED',
      errorCode: 'provider_unavailable',
      retryable: false,
    });
    expect(assertMessage('JobStatusChanged', jobStatusFromEvent(failed(true)))).to.include({
      status: 'RUNNING',
      retryable: true,
    });
  });
});
