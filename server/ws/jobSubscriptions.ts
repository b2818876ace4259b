// `subscribe_job` and `unsubscribe_job`: a job's live status instead of polling GET /v1/sync-jobs/{id}.
// The job is looked up in the caller's own partition (like the HTTP API): another user's job is not
// found, exactly like an unknown one, so a subscription reveals nothing about other users.
import { AppError } from '../../core/errors/AppError.js';
import type { SyncJobRepository } from '../../core/store/syncJobRepository.js';
import type { SubscribeJobFrame, UnsubscribeJobFrame } from '../../generated/messages.gen.js';
import { updateFromRecord, type JobUpdateDelivery } from './jobUpdateDelivery.js';
import type { SocketSession } from './socketSession.js';

export const jobNotFound = () => new AppError(404, 'not_found', { params: { resource: 'sync job' } });

export const tooManyJobs = (limit: number) =>
  new AppError(429, 'too_many_subscriptions', { params: { limit } });

export class JobSubscriptions {
  constructor(
    private readonly syncJobs: Pick<SyncJobRepository, 'get'>,
    private readonly delivery: JobUpdateDelivery,
    private readonly maxJobs: number,
  ) {}

  async subscribe(session: SocketSession, frame: SubscribeJobFrame): Promise<void> {
    const { jobId } = frame;
    // Followed (and its updates held) before the read: nothing published meanwhile is missed.
    if (!session.follows.hold(jobId, { status: true })) throw tooManyJobs(this.maxJobs);
    let record;
    try {
      record = await this.syncJobs.get(session.user.userId, jobId);
    } catch (error) {
      session.follows.drop(jobId, { status: true });
      session.follows.release(jobId);
      throw error;
    }
    if (!record) {
      session.follows.drop(jobId, { status: true });
      session.follows.release(jobId);
      throw jobNotFound();
    }
    const waited = session.follows.release(jobId);
    await this.delivery.apply(session, updateFromRecord(record), frame.requestId);
    for (const update of waited) await this.delivery.apply(session, update);
  }

  unsubscribe(session: SocketSession, frame: UnsubscribeJobFrame): Promise<void> {
    session.follows.drop(frame.jobId, { status: true });
    return Promise.resolve();
  }
}
