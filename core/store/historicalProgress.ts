// A historical job's progress (the cold path). Its chunks run in parallel on several workers, so
// there is no claim: the JOB item counts finished chunks exactly once, by a set of their indexes.
import type { SyncJob } from '../domain/types.js';
import { APPEND_HISTORY, historyValues } from './jobHistory.js';
import { isConditionalCheckFailed, type DocumentStore } from './documentStore.js';
import type { ItemKey } from './keys.js';
import { jobKey, toRecord, type SyncJobItem, type SyncJobRecord } from './syncJobRecords.js';

/** A historical job's item: its chunk tallies live beside the job's fields. */
type HistoricalJobItem = SyncJobItem & {
  DoneChunks?: Set<number>;
  ChunkWritten?: number;
  ChunkSkipped?: number;
  ChunkError?: SyncJob['error'];
};

export class HistoricalProgress {
  constructor(
    private readonly db: DocumentStore,
    private readonly tableName: string,
  ) {}

  /** QUEUED → RUNNING when the first chunk starts; a no-op afterwards. */
  async markRunning(userId: string, jobId: string, now: Date): Promise<void> {
    try {
      await this.db.update({
        TableName: this.tableName,
        Key: jobKey(userId, jobId),
        UpdateExpression: `SET #s = :running, UpdatedAt = :now, ${APPEND_HISTORY}`,
        ConditionExpression: '#s = :queued',
        ExpressionAttributeNames: { '#s': 'Status' },
        ExpressionAttributeValues: {
          ':running': 'RUNNING',
          ':queued': 'QUEUED',
          ':now': now.toISOString(),
          ...historyValues({ status: 'RUNNING', at: now.toISOString() }),
        },
      });
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  /** The job and the indexes of its finished chunks (succeeded or failed); undefined if there is no job. */
  async historicalState(
    userId: string,
    jobId: string,
  ): Promise<{ record: SyncJobRecord; finishedChunks: ReadonlySet<number> } | undefined> {
    const item = await this.readHistorical(jobKey(userId, jobId));
    if (!item) return undefined;
    return { record: toRecord(item), finishedChunks: new Set(item.DoneChunks ?? []) };
  }

  /**
   * Records one chunk's outcome, exactly once per chunk index (a redelivered chunk that ran again
   * is not counted twice), and finishes the job after its last chunk: SUCCEEDED when every chunk
   * succeeded, FAILED (with the first chunk error) otherwise. Returns `finished` when this call
   * gave the job its final status (also for a chunk counted before whose job still lacked it),
   * `duplicate` when the chunk was already counted and `missing` when the job is gone (expired or
   * never written).
   */
  async recordChunk(
    userId: string,
    jobId: string,
    chunk: {
      index: number;
      failed: boolean;
      recordsWritten: number;
      recordsSkipped: number;
      error?: SyncJob['error'];
      now: Date;
    },
  ): Promise<'recorded' | 'finished' | 'duplicate' | 'missing'> {
    const key = jobKey(userId, jobId);
    let after: HistoricalJobItem;
    try {
      const out = await this.db.update({
        TableName: this.tableName,
        Key: key,
        UpdateExpression: [
          'SET Progress.processedChunks = Progress.processedChunks + :one,',
          'Progress.failedChunks = Progress.failedChunks + :failed, UpdatedAt = :now',
          chunk.error ? ', ChunkError = if_not_exists(ChunkError, :error)' : '',
          ' ADD DoneChunks :indexes, ChunkWritten :written, ChunkSkipped :skipped',
        ].join(' '),
        ConditionExpression: 'attribute_exists(Progress) AND NOT contains(DoneChunks, :index)',
        ExpressionAttributeValues: {
          ':one': 1,
          ':failed': chunk.failed ? 1 : 0,
          ':now': chunk.now.toISOString(),
          ':indexes': new Set([chunk.index]),
          ':index': chunk.index,
          ':written': chunk.recordsWritten,
          ':skipped': chunk.recordsSkipped,
          ...(chunk.error ? { ':error': chunk.error } : {}),
        },
        ReturnValues: 'ALL_NEW',
      });
      after = out.Attributes as typeof after;
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      const job = await this.readHistorical(key);
      if (!job?.Progress) return 'missing';
      // Counted before; the job may still lack its final status (see finishHistorical).
      return (await this.finishIfAllCounted(key, job, chunk.now)) ? 'finished' : 'duplicate';
    }
    const progress = after.Progress!;
    if (progress.processedChunks < progress.totalChunks) return 'recorded';
    return (await this.finalizeHistorical(key, after, chunk.now)) ? 'finished' : 'recorded';
  }

  /**
   * The second half of counting the last chunk, on its own: moves a historical job whose chunks
   * are all counted to its final status. Finishing takes two updates (the count, then this), so a
   * failure or a crash between them leaves every chunk counted and the job RUNNING; a redelivered
   * chunk, dropped as already counted, calls this to finish the job. Returns true when this call
   * made the transition (false: chunks still missing, already final, or no such job).
   */
  async finishHistorical(userId: string, jobId: string, now: Date): Promise<boolean> {
    const key = jobKey(userId, jobId);
    const job = await this.readHistorical(key);
    return job ? this.finishIfAllCounted(key, job, now) : false;
  }

  private finishIfAllCounted(key: ItemKey, job: HistoricalJobItem, now: Date): Promise<boolean> {
    const progress = job.Progress;
    if (!progress || progress.processedChunks < progress.totalChunks) return Promise.resolve(false);
    if (job.Status !== 'QUEUED' && job.Status !== 'RUNNING') return Promise.resolve(false);
    return this.finalizeHistorical(key, job, now);
  }

  private async readHistorical(key: ItemKey): Promise<HistoricalJobItem | undefined> {
    const out = await this.db.get({ TableName: this.tableName, Key: key, ConsistentRead: true });
    return out.Item as HistoricalJobItem | undefined;
  }

  /** SUCCEEDED when every chunk succeeded, FAILED with the first chunk error otherwise; once. */
  private async finalizeHistorical(key: ItemKey, job: HistoricalJobItem, now: Date): Promise<boolean> {
    const progress = job.Progress!;
    const failed = progress.failedChunks > 0;
    const firstError = job.ChunkError;
    try {
      await this.db.update({
        TableName: this.tableName,
        Key: key,
        UpdateExpression: `SET #s = :final, UpdatedAt = :now, ${APPEND_HISTORY}, #r = :result${failed ? ', #e = :error' : ''}`,
        ConditionExpression: '#s IN (:queued, :running)',
        ExpressionAttributeNames: { '#s': 'Status', '#r': 'Result', ...(failed ? { '#e': 'Error' } : {}) },
        ExpressionAttributeValues: {
          ':final': failed ? 'FAILED' : 'SUCCEEDED',
          ':now': now.toISOString(),
          ':queued': 'QUEUED',
          ':running': 'RUNNING',
          ':result': { recordsWritten: job.ChunkWritten ?? 0, recordsSkipped: job.ChunkSkipped ?? 0 },
          ...historyValues({
            status: failed ? 'FAILED' : 'SUCCEEDED',
            at: now.toISOString(),
            ...(failed ? { code: 'historical_chunks_failed' } : {}),
          }),
          ...(failed
            ? {
                ':error': {
                  code: 'historical_chunks_failed',
                  message: `${progress.failedChunks} of ${progress.totalChunks} chunks failed${
                    firstError ? `; first: ${firstError.code}: ${firstError.message}` : ''
                  }`.slice(0, 1000),
                },
              }
            : {}),
        },
      });
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }
}
