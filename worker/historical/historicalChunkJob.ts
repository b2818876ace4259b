// One HistoricalChunkRequested message (the cold path): sync the chunk's window with the same
// SyncManager as the hot path (explicit window, low priority, the hot path's cursor untouched),
// then count the chunk on its JOB item exactly once. A chunk already counted is dropped before
// any provider call, so a worker that restarts mid-job resumes with the chunks still on the queue
// and never redoes finished ones. A chunk that fails for good is counted as failed and deleted:
// the job's progress reports it and redriving it could only be dropped as a duplicate.
import { randomUUID } from 'node:crypto';
import type { Config } from '../../core/config/config.js';
import { windowOfDateRange } from '../../core/domain/historicalRange.js';
import type { EventBus } from '../../core/events/eventBus.js';
import type { Logger } from '../../core/logging/logger.js';
import { parseHistoricalChunk } from '../../core/messages/historicalQueue.js';
import type { SyncJobRecord, SyncJobRepository } from '../../core/store/syncJobRepository.js';
import type { HistoricalChunkRequested } from '../../generated/messages.gen.js';
import { backoffSeconds, type Disposition, type ReceivedJob } from '../sync/hotPathJob.js';
import { classifyFailure } from '../sync/jobErrors.js';
import { parseReceived, POISON } from '../queue/poison.js';
import type { SyncManager, SyncRunResult } from '../sync/syncManager.js';
import { clock } from '../../core/clock/clock.js';

export interface HistoricalChunkDeps {
  config: Config;
  logger: Logger;
  syncManager: SyncManager;
  syncJobs: SyncJobRepository;
  events: EventBus;
  now?: () => Date;
}

export interface ChunkOutcome {
  disposition: Disposition;
  /** What happened to the chunk, for stats and tests. */
  kind: 'synced' | 'failed' | 'duplicate' | 'orphan' | 'deferred' | 'retry' | 'poison';
  result?: SyncRunResult;
}

export class HistoricalChunkJob {
  private readonly now: () => Date;

  constructor(private readonly d: HistoricalChunkDeps) {
    this.now = d.now ?? (() => clock.date());
  }

  async handle(received: ReceivedJob, signal?: AbortSignal): Promise<ChunkOutcome> {
    const parsed = parseReceived(received, parseHistoricalChunk, this.d.logger, 'chunk');
    if (!parsed.ok) return { disposition: POISON, kind: 'poison' };
    const chunk = parsed.message;
    const log = this.d.logger.child({ jobId: chunk.jobId, userId: chunk.userId, chunk: chunk.chunkIndex });
    const state = await this.d.syncJobs.historicalState(chunk.userId, chunk.jobId);
    if (!state?.record.progress) {
      log.warn('chunk of a job that no longer exists: dropped');
      return { disposition: { action: 'delete' }, kind: 'orphan' };
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
      return { disposition: { action: 'delete' }, kind: 'duplicate' };
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
        attempt: received.receiveCount,
        window: windowOfDateRange(chunk.dateRange),
        ...(signal ? { signal } : {}),
      });
      await this.count(chunk, { failed: false, result });
      log.info(
        { written: result.recordsWritten, skipped: result.recordsSkipped, calls: result.providerCalls },
        'chunk synced',
      );
      return { disposition: { action: 'delete' }, kind: 'synced', result };
    } catch (error) {
      const failure = classifyFailure(error);
      log.warn(
        { code: failure.code, kind: failure.kind, attempt: received.receiveCount },
        'chunk attempt failed',
      );
      const delay = () => backoffSeconds(received.receiveCount, this.d.config, failure.retryAfterSeconds);
      if (failure.kind === 'defer')
        return { disposition: { action: 'defer', delaySeconds: delay() }, kind: 'deferred' };
      if (failure.kind === 'retry' && received.receiveCount < this.d.config.MAX_RECEIVE_COUNT)
        return { disposition: { action: 'retry', delaySeconds: delay() }, kind: 'retry' };
      await this.count(chunk, {
        failed: true,
        error: { code: failure.code, message: failure.message.slice(0, 500) },
      });
      return { disposition: { action: 'delete' }, kind: 'failed' };
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
