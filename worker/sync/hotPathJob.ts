// One HotPathSyncRequested message, start to finish: validate it, move the JOB item through
// QUEUED → RUNNING → SUCCEEDED/FAILED (conditional updates, so a duplicate delivery is a no-op),
// run the SyncManager, publish SyncSucceeded/SyncFailed, and tell the consumer what to do with
// the message. Jobs the API created (trigger manual) always get their final status; system jobs
// (scheduled, webhook, poll) have no JOB item until they write something — an empty poll costs no
// DynamoDB write at all (spec §3b write-avoidance).
import { randomUUID } from 'node:crypto';
import type { Config } from '../../core/config/config.js';
import type { EventBus, SyncEvent } from '../../core/events/eventBus.js';
import type { Logger } from '../../core/logging/logger.js';
import { assertMessage } from '../../core/messages/messageSchemas.js';
import { parseReceived, POISON } from '../queue/poison.js';
import type { SyncJobRecord, SyncJobRepository } from '../../core/store/syncJobRepository.js';
import type { HotPathSyncRequested } from '../../generated/messages.gen.js';
import type { SyncJob } from '../../core/domain/types.js';
import { classifyFailure, type ClassifiedFailure } from './jobErrors.js';
import type { SyncManager, SyncRunResult } from './syncManager.js';
import { clock } from '../../core/clock/clock.js';

export type Disposition =
  /** Done (or a duplicate): delete the message. */
  | { action: 'delete' }
  /** Let SQS deliver it again after `delaySeconds`; the receive counts toward the DLQ. */
  | { action: 'retry'; delaySeconds: number }
  /** Wait `delaySeconds` WITHOUT counting toward the DLQ (rate limits, degraded mode). */
  | { action: 'defer'; delaySeconds: number };

export interface ReceivedJob {
  body: string;
  /** Stable across redeliveries and re-enqueued copies: the first SQS MessageId. */
  originMessageId: string;
  receiveCount: number;
}

export interface JobOutcome {
  disposition: Disposition;
  /** For metrics and benchmarks. */
  result?: SyncRunResult;
  failure?: ClassifiedFailure;
  jobWrites: number;
}

export interface HotPathJobDeps {
  config: Config;
  logger: Logger;
  syncManager: SyncManager;
  syncJobs: SyncJobRepository;
  events: EventBus;
  /**
   * Runs after every successful sync (the adaptive poller schedules a polled source's next check).
   * `readUpTo`: the source was read at least up to this instant (the job's start).
   */
  afterSync?: (message: HotPathSyncRequested, result: SyncRunResult, readUpTo: Date) => Promise<void>;
  now?: () => Date;
}

/** The consumer side of HotPathSyncRequested: JSON, then the AsyncAPI schema (pact/consumer verifies this). */
export function parseHotPathMessage(body: string): HotPathSyncRequested {
  return assertMessage<HotPathSyncRequested>('HotPathSyncRequested', JSON.parse(body) as unknown);
}

/** The fields every sync event repeats from its job's message. */
function eventBase(message: HotPathSyncRequested) {
  return {
    schemaVersion: 1,
    eventId: randomUUID(),
    jobId: message.jobId,
    userId: message.userId,
    sourceConnectionId: message.sourceConnectionId,
    destinationConnectionId: message.destinationConnectionId,
    dataType: message.dataType,
    trigger: message.trigger,
  } as const;
}

export function backoffSeconds(
  attempt: number,
  config: Pick<Config, 'REQUEUE_BACKOFF_BASE_SECONDS' | 'REQUEUE_BACKOFF_MAX_SECONDS'>,
  hint?: number,
): number {
  // Exponential with full jitter; a provider's Retry-After is a floor, not a suggestion.
  const cap = Math.min(
    config.REQUEUE_BACKOFF_MAX_SECONDS,
    config.REQUEUE_BACKOFF_BASE_SECONDS * 2 ** Math.max(0, attempt - 1),
  );
  const jittered = Math.ceil(Math.random() * cap);
  return Math.min(Math.max(jittered, hint ?? 0, 1), 43_200);
}

export class HotPathJob {
  private readonly now: () => Date;

  constructor(private readonly d: HotPathJobDeps) {
    this.now = d.now ?? (() => clock.date());
  }

  private jobRecordFrom(
    message: HotPathSyncRequested,
    status: SyncJobRecord['status'],
    now: Date,
  ): SyncJobRecord {
    return {
      userId: message.userId,
      jobId: message.jobId,
      status,
      mode: 'manual',
      priority: message.priority,
      trigger: message.trigger,
      sourceConnectionId: message.sourceConnectionId,
      destinationConnectionId: message.destinationConnectionId,
      dataType: message.dataType,
      createdAt: message.requestedAt,
      updatedAt: now.toISOString(),
      expiresAt: Math.floor(now.getTime() / 1000) + this.d.config.JOB_TTL_DAYS * 86_400,
    };
  }

  private async publish(event: SyncEvent): Promise<void> {
    try {
      await this.d.events.publish([event]);
    } catch (error) {
      // The JOB item already holds the outcome; a lost notification must not redo the sync.
      this.d.logger.error({ err: error, jobId: event.detail.jobId }, 'sync event not published');
    }
  }

  /**
   * The final transition. The API writes the JOB item after sending the message; should that
   * QUEUED write land on top of our claim (an API request slower than its idempotency lock), we
   * claim again (same message) and finish. Anything else (a newer claim by another delivery) wins
   * over this attempt.
   */
  private async finish(
    message: HotPathSyncRequested,
    received: ReceivedJob,
    outcome: {
      status: 'SUCCEEDED' | 'FAILED';
      now: Date;
      result?: SyncJob['result'];
      error?: SyncJob['error'];
    },
  ): Promise<{ ok: boolean; writes: number }> {
    const args = { originMessageId: received.originMessageId, ...outcome };
    if (await this.d.syncJobs.finish(message.userId, message.jobId, args)) return { ok: true, writes: 1 };
    const current = await this.d.syncJobs.get(message.userId, message.jobId);
    if (current?.status !== 'QUEUED') return { ok: false, writes: 1 };
    const claim = await this.d.syncJobs.claim(message.userId, message.jobId, {
      originMessageId: received.originMessageId,
      leaseUntilMs: outcome.now.getTime() + this.d.config.WORKER_VISIBILITY_TIMEOUT_SECONDS * 1000,
      now: outcome.now,
    });
    if (!claim.claimed) return { ok: false, writes: 2 };
    return { ok: await this.d.syncJobs.finish(message.userId, message.jobId, args), writes: 3 };
  }

  async handle(received: ReceivedJob, signal?: AbortSignal): Promise<JobOutcome> {
    const parsed = parseReceived(received, parseHotPathMessage, this.d.logger, 'message');
    if (!parsed.ok)
      return {
        disposition: POISON,
        failure: { kind: 'fail', code: 'invalid_message', message: parsed.reason },
        jobWrites: 0,
      };
    const message = parsed.message;
    const log = this.d.logger.child({
      jobId: message.jobId,
      userId: message.userId,
      correlationId: message.correlationId,
    });
    const startedAt = this.now();
    const tracked = message.trigger === 'manual';
    let jobWrites = 0;

    if (tracked) {
      // The API writes the JOB item after sending the message; it may not be there yet.
      let claim = await this.d.syncJobs.claim(message.userId, message.jobId, {
        originMessageId: received.originMessageId,
        leaseUntilMs: startedAt.getTime() + this.d.config.WORKER_VISIBILITY_TIMEOUT_SECONDS * 1000,
        now: startedAt,
      });
      jobWrites += 1;
      // The API writes the JOB item just after sending the message: give it a moment.
      for (const waitMs of [50, 150, 400]) {
        if (claim.claimed || claim.record) break;
        await new Promise((r) => setTimeout(r, waitMs));
        claim = await this.d.syncJobs.claim(message.userId, message.jobId, {
          originMessageId: received.originMessageId,
          leaseUntilMs: startedAt.getTime() + this.d.config.WORKER_VISIBILITY_TIMEOUT_SECONDS * 1000,
          now: startedAt,
        });
        jobWrites += 1;
      }
      if (!claim.claimed && !claim.record) {
        // Still missing. The API's write of it is unconditional (it shares a BatchWriteItem with
        // other requests' writes), so an item created here could be overwritten by it later:
        // QUEUED on top of this job's outcome, for good. While the API's request may still write
        // it (until its idempotency lock times out; a retry that takes over writes only if absent),
        // wait without counting toward the DLQ. After that the API died: recreate it from the message.
        const lockMs = this.d.config.IDEMPOTENCY_LOCK_TIMEOUT_MS;
        const apiMayWriteMs = Math.min(
          Date.parse(message.requestedAt) + lockMs - startedAt.getTime(),
          lockMs,
        );
        if (apiMayWriteMs > 0) {
          log.info({ apiMayWriteMs }, 'job not written by the API yet: waiting for it');
          const delaySeconds = Math.min(
            Math.ceil(apiMayWriteMs / 1000),
            backoffSeconds(received.receiveCount, this.d.config),
          );
          return { disposition: { action: 'defer', delaySeconds }, jobWrites };
        }
        await this.d.syncJobs.putIfAbsent(this.jobRecordFrom(message, 'QUEUED', startedAt));
        claim = await this.d.syncJobs.claim(message.userId, message.jobId, {
          originMessageId: received.originMessageId,
          leaseUntilMs: startedAt.getTime() + this.d.config.WORKER_VISIBILITY_TIMEOUT_SECONDS * 1000,
          now: startedAt,
        });
        jobWrites += 2;
      }
      if (!claim.claimed) {
        const status = claim.record?.status;
        log.info({ status }, 'duplicate delivery of a finished or running job: dropped');
        return { disposition: { action: 'delete' }, jobWrites };
      }
    }

    try {
      const result = await this.d.syncManager.run({
        message,
        attempt: received.receiveCount,
        ...(signal ? { signal } : {}),
      });
      const finishedAt = this.now();
      const jobResult = {
        recordsWritten: result.recordsWritten,
        recordsSkipped: result.recordsSkipped,
        // What the user (and a test) needs to know which records this job could have moved.
        ...(result.window
          ? { window: { since: result.window.since.toISOString(), until: result.window.until.toISOString() } }
          : {}),
      };
      if (tracked) {
        const finished = await this.finish(message, received, {
          status: 'SUCCEEDED',
          now: finishedAt,
          result: jobResult,
        });
        jobWrites += finished.writes;
        if (!finished.ok) log.warn('job claim was taken over; outcome not recorded by this attempt');
      } else if (result.itemsWritten > 0) {
        await this.d.syncJobs.put({
          ...this.jobRecordFrom(message, 'SUCCEEDED', finishedAt),
          result: jobResult,
        });
        jobWrites += 1;
      }
      if (tracked || result.itemsWritten > 0)
        await this.publish({
          type: 'SyncSucceeded',
          detail: {
            ...eventBase(message),
            recordsWritten: result.recordsWritten,
            recordsSkipped: result.recordsSkipped,
            startedAt: startedAt.toISOString(),
            finishedAt: finishedAt.toISOString(),
          },
        });
      await this.d.afterSync?.(message, result, startedAt);
      log.info(
        {
          ...jobResult,
          read: result.recordsRead,
          calls: result.providerCalls,
          destinationFetched: result.destinationFetched,
        },
        'sync succeeded',
      );
      return { disposition: { action: 'delete' }, result, jobWrites };
    } catch (error) {
      const failure = classifyFailure(error);
      const lastAttempt = received.receiveCount >= this.d.config.MAX_RECEIVE_COUNT;
      const final = failure.kind === 'fail' || (failure.kind === 'retry' && lastAttempt);
      const failedAt = this.now();
      log.warn(
        { code: failure.code, kind: failure.kind, attempt: received.receiveCount, reason: failure.message },
        'sync attempt failed',
      );
      if (failure.kind === 'defer') {
        if (tracked) {
          await this.d.syncJobs.release(message.userId, message.jobId, {
            originMessageId: received.originMessageId,
            now: failedAt,
          });
          jobWrites += 1;
        }
        return {
          disposition: {
            action: 'defer',
            delaySeconds: backoffSeconds(received.receiveCount, this.d.config, failure.retryAfterSeconds),
          },
          failure,
          jobWrites,
        };
      }
      if (final) {
        const jobError = { code: failure.code, message: failure.message.slice(0, 1000) };
        if (tracked) {
          jobWrites +=
            (await this.finish(message, received, { status: 'FAILED', now: failedAt, error: jobError }))
              .writes - 1;
        } else
          await this.d.syncJobs.put({ ...this.jobRecordFrom(message, 'FAILED', failedAt), error: jobError });
        jobWrites += 1;
      }
      await this.publish({
        type: 'SyncFailed',
        detail: {
          ...eventBase(message),
          errorCode: failure.code,
          retryable: !final,
          attempt: received.receiveCount,
          failedAt: failedAt.toISOString(),
        },
      });
      // Failed for good: the job is over, and its outcome is on the JOB item and in SyncFailed.
      // The message is deleted: every further receive would only fail again, publish again and
      // (for jobs without a claim) call the providers again. Transient failures come back after a
      // backoff; after the last one (FAILED above) SQS moves the message to the DLQ.
      if (failure.kind === 'fail') return { disposition: { action: 'delete' }, failure, jobWrites };
      const delaySeconds = backoffSeconds(received.receiveCount, this.d.config, failure.retryAfterSeconds);
      return { disposition: { action: 'retry', delaySeconds }, failure, jobWrites };
    }
  }
}
