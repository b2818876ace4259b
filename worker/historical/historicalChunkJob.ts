// One HistoricalChunkRequested message (the cold path): sync the chunk's window with the same
// SyncManager as the hot path (explicit window, low priority, the hot path's cursor untouched),
// then count the chunk on its JOB item exactly once. A chunk already counted is dropped before
// any provider call, so a worker that restarts mid-job resumes with the chunks still on the queue
// and never redoes finished ones. A chunk that fails for good is counted as failed and goes to the
// DLQ with its reason, for operators; the job's progress reports it, and a redriven copy is dropped
// as a duplicate.
import { randomUUID } from 'node:crypto';
import type { Config } from '../../core/config/config.js';
import { windowOfDateRange } from '../../core/domain/historicalRange.js';
import type { EventBus } from '../../core/events/eventBus.js';
import type { Logger } from '../../core/logging/logger.js';
import type { SyncJobRecord, SyncJobRepository } from '../../core/store/syncJobRepository.js';
import type { HistoricalChunkRequested } from '../../generated/messages.gen.js';
import type { Delivery, Outcome } from '../../core/messaging/outcome.js';
import { classifyFailure } from '../../core/sync/jobErrors.js';
import type { SyncManager, SyncRunResult } from '../../core/sync/syncManager.js';
import { clock } from '../../core/clock/clock.js';
import type { AccountStatus } from '../../core/account/accountStatus.js';

export interface HistoricalChunkDeps {
  config: Config;
  logger: Logger;
  syncManager: SyncManager;
  syncJobs: SyncJobRepository;
  events: EventBus;
  /** A deleted account's chunks do nothing. */
  accountStatus: Pick<AccountStatus, 'isDeleted'>;
  now?: () => Date;
}

export interface ChunkOutcome {
  outcome: Outcome;
  /** What happened to the chunk, for stats and tests. */
  kind: 'synced' | 'failed' | 'duplicate' | 'orphan' | 'deferred' | 'retry';
  result?: SyncRunResult;
}

export class HistoricalChunkJob {
  private readonly now: () => Date;

  constructor(private readonly d: HistoricalChunkDeps) {
    this.now = d.now ?? (() => clock.date());
  }

  async handle(
    chunk: HistoricalChunkRequested,
    delivery: Delivery,
    signal?: AbortSignal,
  ): Promise<ChunkOutcome> {
    const log = this.d.logger.child({ jobId: chunk.jobId, userId: chunk.userId, chunk: chunk.chunkIndex });
    if (await this.d.accountStatus.isDeleted(chunk.userId)) {
      log.info('chunk of a deleted account: dropped');
      return { outcome: { kind: 'done' }, kind: 'orphan' };
    }
    const state = await this.d.syncJobs.historicalState(chunk.userId, chunk.jobId);
    if (!state?.record.progress) {
      log.warn('chunk of a job that no longer exists: dropped');
      return { outcome: { kind: 'done' }, kind: 'orphan' };
    }
    if (state.finishedChunks.has(chunk.chunkIndex) || isFinal(state.record)) {
      // Every chunk counted but no final status: the update after the last count failed (or its
      // worker died in between), and this delivery is that chunk's retry. Finish the job here.
      const progress = state.record.progress;
      if (!isFinal(state.record) && progress.processedChunks >= progress.totalChunks) {
        const now = this.now();
        if (await this.d.syncJobs.finishHistorical(chunk.userId, chunk.jobId, now)) {
          log.info('every chunk was counted: job finished on redelivery');
          await this.announce(chunk, now);
        }
      }
      log.info('chunk already counted: dropped');
      return { outcome: { kind: 'done' }, kind: 'duplicate' };
    }
    const startedAt = this.now();
    await this.d.syncJobs.markRunning(chunk.userId, chunk.jobId, startedAt);

    try {
      const result = await this.d.syncManager.run({
        message: {
          userId: chunk.userId,
          sourceConnectionId: chunk.sourceConnectionId,
          destinationConnectionId: chunk.destinationConnectionId,
          dataType: chunk.dataType,
          priority: chunk.priority,
          trigger: 'historical',
        },
        attempt: delivery.receiveCount,
        window: windowOfDateRange(chunk.dateRange),
        ...(signal ? { signal } : {}),
      });
      await this.count(chunk, { failed: false, result });
      log.info(
        { written: result.recordsWritten, skipped: result.recordsSkipped, calls: result.providerCalls },
        'chunk synced',
      );
      return { outcome: { kind: 'done' }, kind: 'synced', result };
    } catch (error) {
      const failure = classifyFailure(error);
      log.warn(
        { code: failure.code, kind: failure.kind, attempt: delivery.receiveCount },
        'chunk attempt failed',
      );
      const retryAfter =
        failure.retryAfterSeconds !== undefined ? { retryAfterSeconds: failure.retryAfterSeconds } : {};
      if (failure.kind === 'defer') return { outcome: { kind: 'defer', ...retryAfter }, kind: 'deferred' };
      if (failure.kind === 'retry' && !delivery.isLastAttempt)
        return { outcome: { kind: 'retry', code: failure.code, ...retryAfter }, kind: 'retry' };
      const reason = failure.message.slice(0, 500);
      await this.count(chunk, { failed: true, error: { code: failure.code, message: reason } });
      return { outcome: { kind: 'fail', code: failure.code, reason }, kind: 'failed' };
    }
  }

  /** Counts the chunk; the count that finishes the job announces its outcome. */
  private async count(
    chunk: HistoricalChunkRequested,
    outcome: { failed: boolean; result?: SyncRunResult; error?: { code: string; message: string } },
  ): Promise<void> {
    const now = this.now();
    const recorded = await this.d.syncJobs.recordChunk(chunk.userId, chunk.jobId, {
      index: chunk.chunkIndex,
      failed: outcome.failed,
      recordsWritten: outcome.result?.recordsWritten ?? 0,
      recordsSkipped: outcome.result?.recordsSkipped ?? 0,
      ...(outcome.error ? { error: outcome.error } : {}),
      now,
    });
    if (recorded === 'finished') await this.announce(chunk, now);
  }

  /** Publishes the job's outcome, once: by the call that gave the job its final status. */
  private async announce(chunk: HistoricalChunkRequested, now: Date): Promise<void> {
    const job = (await this.d.syncJobs.historicalState(chunk.userId, chunk.jobId))?.record;
    if (!job || !isFinal(job)) return;
    const base = {
      schemaVersion: 1,
      eventId: randomUUID(),
      jobId: job.jobId,
      userId: job.userId,
      sourceConnectionId: job.sourceConnectionId,
      destinationConnectionId: job.destinationConnectionId,
      dataType: job.dataType,
      trigger: 'historical',
    } as const;
    try {
      await this.d.events.publish([
        job.status === 'SUCCEEDED'
          ? {
              type: 'SyncSucceeded',
              detail: {
                ...base,
                recordsWritten: job.result?.recordsWritten ?? 0,
                recordsSkipped: job.result?.recordsSkipped ?? 0,
                startedAt: job.createdAt,
                finishedAt: now.toISOString(),
              },
            }
          : {
              type: 'SyncFailed',
              detail: {
                ...base,
                errorCode: job.error?.code ?? 'historical_chunks_failed',
                retryable: false,
                attempt: 1,
                failedAt: now.toISOString(),
              },
            },
      ]);
    } catch (error) {
      // The JOB item holds the outcome; a lost notification must not redo the job.
      this.d.logger.error({ err: error, jobId: job.jobId }, 'sync event not published');
    }
  }
}

const isFinal = (job: SyncJobRecord) => job.status === 'SUCCEEDED' || job.status === 'FAILED';
