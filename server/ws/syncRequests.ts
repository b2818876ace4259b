// `sync` frames: a sync for a foreground user, answered on the socket. The job is created by the same
// code as POST /v1/sync-jobs (handlers/syncJobCreation.ts) under the same idempotency protocol, with
// the frame's requestId as the key (namespaced, so it never meets an HTTP Idempotency-Key): the same
// request again after a reconnect creates nothing and follows the first job. The job then runs where
// it can: it always takes the hot path, and the ForegroundSyncRunner also runs it in this process
// when it has room (a worker then finds it running and waits). Either way its outcome reaches the
// socket through the job status fan-out.
import { createHash, randomUUID } from 'node:crypto';
import stringify from 'safe-stable-stringify';
import { AppError } from '../../core/errors/AppError.js';
import type { IdempotencyRepository, StoredResponse } from '../../core/store/idempotencyRepository.js';
import type { SyncRequestFrame } from '../../generated/messages.gen.js';
import type { HandlerDependencies } from '../handlers/dependencies.js';
import { prepareManualSyncJob, sendToHotPath, type PreparedSyncJob } from '../handlers/syncJobCreation.js';
import { toProblem } from '../http/problem.js';
import { jobNotFound, tooManyJobs } from './jobSubscriptions.js';
import { updateFromRecord, type JobUpdateDelivery } from './jobUpdateDelivery.js';
import type { SocketSession } from './socketSession.js';
import { WS_PATH } from './upgrade.js';
import { accountDeleted } from '../middleware/accountGate.js';
import type { ForegroundSyncRunner } from './foregroundSyncRunner.js';

/**
 * Runs a job in this process once it has taken the hot path (./foregroundSyncRunner.ts): no slot
 * when busy, and the queued message is then run by a worker.
 */
export type ForegroundRunner = Pick<ForegroundSyncRunner, 'reserve'>;

/** Stored as the key's outcome: the job a replay follows. */
interface AcceptedBody {
  jobId: string;
}

const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export class SyncRequests {
  constructor(
    private readonly o: {
      dependencies: HandlerDependencies;
      idempotency: IdempotencyRepository;
      delivery: JobUpdateDelivery;
      maxJobs: number;
      runner?: ForegroundRunner;
    },
  ) {}

  async handle(session: SocketSession, frame: SyncRequestFrame, correlationId: string): Promise<void> {
    const { userId } = session.user;
    // A socket opened before the account was deleted starts no work after it.
    if (await this.o.dependencies.accountStatus.isDeleted(userId)) throw accountDeleted();
    const key = `ws:${frame.requestId}`;
    const fingerprint = createHash('sha256')
      .update(
        `WS sync\n${stringify({
          sourceConnectionId: frame.sourceConnectionId,
          destinationConnectionId: frame.destinationConnectionId,
          dataType: frame.dataType,
        })}`,
      )
      .digest('base64url');
    const begun = await this.o.idempotency.begin(userId, key, fingerprint, randomUUID());
    if (begun.kind === 'replay') return this.replay(session, frame, begun.response);
    if (begun.kind === 'mismatch') throw new AppError(422, 'idempotency_key_reused');
    if (begun.kind === 'in_progress')
      throw new AppError(409, 'idempotency_key_in_use', { headers: { 'Retry-After': '1' } });

    const store = (response: StoredResponse) =>
      this.o.idempotency.complete(userId, key, fingerprint, begun.reservedId, response);
    const jobId = `job_${begun.reservedId}`;
    const purpose = { resultFor: frame.requestId };
    let held = false;
    try {
      const prepared = await prepareManualSyncJob(this.o.dependencies, {
        caller: session.user,
        request: { ...frame, priority: 'high' },
        idempotency: { key, reservedId: begun.reservedId, recovered: begun.recovered },
        correlationId,
      });
      // Followed before it can run, so no update of it is missed; they wait until the answer is out.
      if (!session.follows.hold(jobId, purpose)) throw tooManyJobs(this.o.maxJobs);
      held = true;
      const written = await this.dispatch(prepared);
      const body: AcceptedBody = { jobId };
      await Promise.all([
        store({ status: 202, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
        written,
      ]);
    } catch (error) {
      if (held) {
        session.follows.drop(jobId, purpose);
        session.follows.release(jobId);
      }
      if (error instanceof AppError && error.status < 500) {
        // A client error is the request's outcome (as over HTTP): a replay gets the same problem.
        const problem = toProblem(error, WS_PATH, correlationId);
        await store({
          status: problem.status,
          headers: { 'content-type': PROBLEM_CONTENT_TYPE },
          body: JSON.stringify(problem.body),
        });
      } else {
        await this.o.idempotency
          .release(userId, key, fingerprint)
          .catch((e: unknown) => session.logger.warn({ err: e }, 'idempotency release failed'));
      }
      throw error;
    }
    session.sendStatus({ jobId, status: 'QUEUED' }, frame.requestId);
    for (const update of session.follows.release(jobId)) await this.o.delivery.apply(session, update);
  }

  /**
   * The hot path always (the queued message is what makes the job durable); when its runner has
   * room this process runs the job, its JOB item written already held by the runner's claim.
   * Resolves to that write.
   */
  private async dispatch(prepared: PreparedSyncJob): Promise<unknown> {
    const runner = this.o.runner;
    // A replayed request's job may be running elsewhere already: its item is only written if absent.
    const slot = prepared.recovered ? undefined : runner?.reserve(prepared.job.jobId);
    let sent;
    try {
      // The runner may hold the job: a worker receiving the message claims before reading the
      // provider, so it waits for this run instead of making the same calls (claimFirst).
      sent = await sendToHotPath(
        this.o.dependencies,
        runner ? { ...prepared, message: { ...prepared.message, claimFirst: true } } : prepared,
        slot?.claim,
      );
    } catch (error) {
      slot?.cancel();
      throw error;
    }
    const { written, message } = sent;
    if (slot)
      void written.then(
        () => slot.run(message),
        () => slot.cancel(),
      );
    return written;
  }

  /** The same request again: its first outcome, and the job it created followed from its current status. */
  private async replay(session: SocketSession, frame: SyncRequestFrame, stored: StoredResponse) {
    const body = JSON.parse(stored.body) as AcceptedBody | ReturnType<typeof toProblem>['body'];
    if (!('jobId' in body) || stored.status !== 202) {
      const problem = body as ReturnType<typeof toProblem>['body'];
      session.sendProblem(problem, { requestId: frame.requestId });
      return;
    }
    const { jobId } = body;
    const purpose = { resultFor: frame.requestId };
    if (!session.follows.hold(jobId, purpose)) throw tooManyJobs(this.o.maxJobs);
    let record;
    try {
      record = await this.o.dependencies.syncJobs.get(session.user.userId, jobId);
      if (!record) throw jobNotFound();
    } catch (error) {
      session.follows.drop(jobId, purpose);
      session.follows.release(jobId);
      throw error;
    }
    const update = updateFromRecord(record);
    session.sendStatus(update, frame.requestId);
    const waited = session.follows.release(jobId);
    for (const next of [update, ...waited]) await this.o.delivery.apply(session, next);
  }
}
