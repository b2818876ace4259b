// Turns a job's status (relayed over Redis, or read from its JOB item) into the frames one socket
// is owed: a JobStatusFrame where the app subscribed, a SyncResultFrame per sync request waiting
// for the job once it is final. A failed job's result needs the error's message, which only the
// JOB item holds (the update carries the code): it is read then, from the socket owner's partition.
import type { Logger } from '../../core/logging/logger.js';
import type { SyncJobRecord, SyncJobRepository } from '../../core/store/syncJobRepository.js';
import type { JobStatusChanged, SyncJobError } from '../../generated/messages.gen.js';
import type { JobUpdate } from './followedJobs.js';
import type { SocketSession } from './socketSession.js';

export function updateFromChange(change: JobStatusChanged): JobUpdate {
  const { userId: _userId, schemaVersion: _version, changedAt: _at, ...update } = change;
  return update;
}

export function updateFromRecord(record: SyncJobRecord): JobUpdate {
  return {
    jobId: record.jobId,
    status: record.status,
    ...(record.result ? { recordsWritten: record.result.recordsWritten } : {}),
    ...(record.result ? { recordsSkipped: record.result.recordsSkipped } : {}),
    ...(record.error ? { errorCode: record.error.code, error: record.error } : {}),
  };
}

export class JobUpdateDelivery {
  constructor(
    private readonly syncJobs: Pick<SyncJobRepository, 'get'>,
    private readonly logger: Logger,
  ) {}

  /** Sends what `update` means to `session`; `requestId` marks the status frame that answers a request. */
  async apply(session: SocketSession, update: JobUpdate, requestId?: string): Promise<void> {
    const delivery = session.follows.deliver(update);
    if (!delivery) return;
    if (delivery.status) session.sendStatus(update, requestId);
    if (delivery.results.length === 0) return;
    const error = update.status === 'FAILED' ? await this.errorOf(session.user.userId, update) : null;
    for (const waiting of delivery.results) session.sendResult(waiting, update, error);
  }

  private async errorOf(userId: string, update: JobUpdate): Promise<SyncJobError> {
    if (update.error) return update.error;
    const fallback = { code: update.errorCode ?? 'internal_error', message: update.errorCode ?? '' };
    try {
      return (await this.syncJobs.get(userId, update.jobId))?.error ?? fallback;
    } catch (error) {
      this.logger.warn(
        { err: error, jobId: update.jobId },
        'failed job not read: result without its message',
      );
      return fallback;
    }
  }
}
