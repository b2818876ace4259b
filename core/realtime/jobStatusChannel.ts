// Job status updates between processes: the AsyncAPI channel `jobStatusUpdates`, one Redis pub/sub
// channel per user (`ws:user:{userId}`). A job's new status comes from the sync event of the same
// attempt, so whatever publishes SyncSucceeded/SyncFailed can tell the sockets too. Ids, status and
// counts only: never health data (the events carry none either).
import type { JobStatusChanged } from '../../generated/messages.gen.js';
import type { SyncEvent } from '../events/eventBus.js';

/** The Redis channel of one user's job updates. */
export const jobStatusChannel = (userId: string): string => `ws:user:${userId}`;

/**
 * SyncSucceeded → SUCCEEDED; SyncFailed → FAILED when final, otherwise RUNNING with `retryable`
 * (the job keeps its claim until SQS delivers the message again).
 */
export function jobStatusFromEvent(event: SyncEvent): JobStatusChanged {
  const { detail } = event;
  const base = { schemaVersion: 1, userId: detail.userId, jobId: detail.jobId } as const;
  if (event.type === 'SyncSucceeded')
    return {
      ...base,
      status: 'SUCCEEDED',
      recordsWritten: event.detail.recordsWritten,
      recordsSkipped: event.detail.recordsSkipped,
      changedAt: event.detail.finishedAt,
    };
  return {
    ...base,
    status: event.detail.retryable ? 'RUNNING' : 'FAILED',
    errorCode: event.detail.errorCode,
    retryable: event.detail.retryable,
    changedAt: event.detail.failedAt,
  };
}
