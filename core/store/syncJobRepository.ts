// JOB items. Written by the API when a job is accepted and by the worker as it runs. JobCreatedAt
// feeds the sparse JobsByCreatedAtIndex LSI: UUIDv4 job ids carry no order, and "recent jobs"
// must be newest first. Items expire (ttl) after JOB_TTL_DAYS; expiry is checked on read because
// DynamoDB deletes expired items lazily (and the local emulator never does).
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type {
  DataType,
  DateRange,
  SyncJob,
  SyncJobStatus,
  SyncMode,
  SyncPriority,
  SyncTrigger,
} from '../domain/types.js';
import type { BatchWriter } from './batchWriter.js';
import { isConditionalCheckFailed, type DocumentClient } from './dynamoClient.js';
import { INDEX, jobSk, userPk, type ItemKey } from './keys.js';
import { clock } from '../clock/clock.js';

export interface SyncJobRecord {
  userId: string;
  jobId: string;
  status: SyncJobStatus;
  mode: SyncMode;
  priority: SyncPriority;
  trigger: SyncTrigger;
  sourceConnectionId: string;
  destinationConnectionId: string;
  dataType: DataType;
  dateRange?: DateRange;
  createdAt: string;
  updatedAt: string;
  progress?: SyncJob['progress'];
  result?: SyncJob['result'];
  error?: SyncJob['error'];
  /** Epoch seconds after which the job is gone. */
  expiresAt: number;
}

interface SyncJobItem {
  PK: string;
  SK: string;
  Entity: 'JOB';
  JobId: string;
  Status: SyncJobStatus;
  Mode: SyncMode;
  Priority: SyncPriority;
  Trigger: SyncTrigger;
  SourceConnectionId: string;
  DestinationConnectionId: string;
  DataType: DataType;
  DateRange?: DateRange;
  JobCreatedAt: string;
  UpdatedAt: string;
  Progress?: SyncJob['progress'];
  Result?: SyncJob['result'];
  Error?: SyncJob['error'];
  ttl: number;
}

/** A historical job's item: its chunk tallies live beside the job's fields. */
type HistoricalJobItem = SyncJobItem & {
  DoneChunks?: Set<number>;
  ChunkWritten?: number;
  ChunkSkipped?: number;
  ChunkError?: SyncJob['error'];
};

const toRecord = (i: SyncJobItem): SyncJobRecord => ({
  userId: i.PK.slice('USER#'.length),
  jobId: i.JobId,
  status: i.Status,
  mode: i.Mode,
  priority: i.Priority,
  trigger: i.Trigger,
  sourceConnectionId: i.SourceConnectionId,
  destinationConnectionId: i.DestinationConnectionId,
  dataType: i.DataType,
  ...(i.DateRange ? { dateRange: i.DateRange } : {}),
  createdAt: i.JobCreatedAt,
  updatedAt: i.UpdatedAt,
  ...(i.Progress ? { progress: i.Progress } : {}),
  ...(i.Result ? { result: i.Result } : {}),
  ...(i.Error ? { error: i.Error } : {}),
  expiresAt: i.ttl,
});

const toItem = (r: SyncJobRecord): SyncJobItem => ({
  PK: userPk(r.userId),
  SK: jobSk(r.jobId),
  Entity: 'JOB',
  JobId: r.jobId,
  Status: r.status,
  Mode: r.mode,
  Priority: r.priority,
  Trigger: r.trigger,
  SourceConnectionId: r.sourceConnectionId,
  DestinationConnectionId: r.destinationConnectionId,
  DataType: r.dataType,
  DateRange: r.dateRange,
  JobCreatedAt: r.createdAt,
  UpdatedAt: r.updatedAt,
  Progress: r.progress,
  Result: r.result,
  Error: r.error,
  ttl: r.expiresAt,
});

export type ClaimOutcome =
  { claimed: true; record: SyncJobRecord } | { claimed: false; record: SyncJobRecord | undefined };

export class InvalidCursorError extends Error {
  override readonly name = 'InvalidCursorError';
}

interface CursorKey {
  SK: string;
  JobCreatedAt: string;
}

/** Cursors carry only the sort keys; the partition is always the caller's, so a cursor cannot read another user's jobs. */
function encodeCursor(key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify({ s: key.SK, c: key.JobCreatedAt })).toString('base64url');
}

function decodeCursor(cursor: string): CursorKey {
  try {
    const raw = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { s?: unknown; c?: unknown };
    if (
      typeof raw.s === 'string' &&
      raw.s.startsWith('JOB#') &&
      typeof raw.c === 'string' &&
      !Number.isNaN(Date.parse(raw.c))
    )
      return { SK: raw.s, JobCreatedAt: raw.c };
  } catch {
    // fall through
  }
  throw new InvalidCursorError('malformed cursor');
}

const isLive = (r: SyncJobRecord, nowSeconds: number) => r.expiresAt > nowSeconds;

export class SyncJobRepository {
  constructor(
    private readonly db: DocumentClient,
    private readonly tableName: string,
    private readonly writer: BatchWriter,
  ) {}

  /** Unconditional put through the batch writer (job ids are fresh UUIDs, nobody else writes them yet). */
  put(record: SyncJobRecord): Promise<void> {
    return this.writer.put({ ...toItem(record) });
  }

  /** Recovery path: writes the job only if it does not exist, so a job already running is left alone. */
  async putIfAbsent(record: SyncJobRecord): Promise<void> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: toItem(record),
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  async get(userId: string, jobId: string): Promise<SyncJobRecord | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: { PK: userPk(userId), SK: jobSk(jobId) } }),
    );
    if (!out.Item) return undefined;
    const record = toRecord(out.Item as SyncJobItem);
    return isLive(record, clock.now() / 1000) ? record : undefined;
  }

  /** Newest first. Throws InvalidCursorError for a cursor this listing did not issue. */
  async listRecent(
    userId: string,
    limit: number,
    cursor?: string,
  ): Promise<{ jobs: SyncJobRecord[]; nextCursor: string | null }> {
    const start = cursor ? { PK: userPk(userId), ...decodeCursor(cursor) } : undefined;
    const nowSeconds = clock.now() / 1000;
    const jobs: SyncJobRecord[] = [];
    let exclusiveStart: Record<string, unknown> | undefined = start;
    let last: Record<string, unknown> | undefined;
    // Expired items are filtered after the read, so a page can come back short; keep reading.
    do {
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: INDEX.jobsByCreatedAt,
          KeyConditionExpression: 'PK = :pk',
          ExpressionAttributeValues: { ':pk': userPk(userId) },
          ScanIndexForward: false,
          Limit: limit - jobs.length,
          ExclusiveStartKey: exclusiveStart,
        }),
      );
      for (const item of (out.Items ?? []) as SyncJobItem[]) {
        const record = toRecord(item);
        if (isLive(record, nowSeconds)) jobs.push(record);
        last = item as unknown as Record<string, unknown>;
      }
      exclusiveStart = out.LastEvaluatedKey;
    } while (exclusiveStart && jobs.length < limit);
    return { jobs, nextCursor: exclusiveStart && last ? encodeCursor(last) : null };
  }

  /**
   * The worker's claim: QUEUED → RUNNING. A job already RUNNING may be claimed again only by the
   * same logical message (a redelivery after a failed attempt: SQS shows one message to one
   * consumer at a time) or once the previous claim's lease ran out (its worker died). Terminal
   * jobs are never claimed: a duplicate delivery of a finished job does nothing.
   */
  async claim(
    userId: string,
    jobId: string,
    claim: { originMessageId: string; leaseUntilMs: number; now: Date },
  ): Promise<ClaimOutcome> {
    // The item may appear (QUEUED) between a failed attempt and the read that explains it: retry.
    for (let attempt = 1; ; attempt += 1) {
      const outcome = await this.tryClaim(userId, jobId, claim);
      if (outcome.claimed || outcome.record?.status !== 'QUEUED' || attempt >= 3) return outcome;
    }
  }

  private async tryClaim(
    userId: string,
    jobId: string,
    claim: { originMessageId: string; leaseUntilMs: number; now: Date },
  ): Promise<ClaimOutcome> {
    try {
      const out = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { PK: userPk(userId), SK: jobSk(jobId) },
          UpdateExpression:
            'SET #s = :running, UpdatedAt = :now, ClaimMessageId = :origin, ClaimedUntil = :lease, Attempts = if_not_exists(Attempts, :zero) + :one',
          ConditionExpression:
            'attribute_exists(PK) AND (#s = :queued OR (#s = :running AND (ClaimMessageId = :origin OR ClaimedUntil < :nowMs)))',
          ExpressionAttributeNames: { '#s': 'Status' },
          ExpressionAttributeValues: {
            ':running': 'RUNNING',
            ':queued': 'QUEUED',
            ':now': claim.now.toISOString(),
            ':nowMs': claim.now.getTime(),
            ':origin': claim.originMessageId,
            ':lease': claim.leaseUntilMs,
            ':zero': 0,
            ':one': 1,
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { claimed: true, record: toRecord(out.Attributes as SyncJobItem) };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      const current = await this.db.send(
        new GetCommand({ TableName: this.tableName, Key: { PK: userPk(userId), SK: jobSk(jobId) } }),
      );
      return { claimed: false, record: current.Item ? toRecord(current.Item as SyncJobItem) : undefined };
    }
  }

  /**
   * RUNNING → SUCCEEDED/FAILED, only by the claim holder (a worker whose lease was taken over must
   * not overwrite the newer attempt's outcome). Returns false when the claim was lost.
   */
  async finish(
    userId: string,
    jobId: string,
    outcome: {
      originMessageId: string;
      status: 'SUCCEEDED' | 'FAILED';
      now: Date;
      result?: SyncJob['result'];
      error?: SyncJob['error'];
    },
  ): Promise<boolean> {
    const sets = ['#s = :status', 'UpdatedAt = :now'];
    const values: Record<string, unknown> = {
      ':status': outcome.status,
      ':now': outcome.now.toISOString(),
      ':running': 'RUNNING',
      ':origin': outcome.originMessageId,
    };
    if (outcome.result) {
      sets.push('#r = :result');
      values[':result'] = outcome.result;
    }
    if (outcome.error) {
      sets.push('#e = :error');
      values[':error'] = outcome.error;
    }
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { PK: userPk(userId), SK: jobSk(jobId) },
          UpdateExpression: `SET ${sets.join(', ')} REMOVE ClaimedUntil`,
          ConditionExpression: '#s = :running AND ClaimMessageId = :origin',
          ExpressionAttributeNames: {
            '#s': 'Status',
            ...(outcome.result ? { '#r': 'Result' } : {}),
            ...(outcome.error ? { '#e': 'Error' } : {}),
          },
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  /**
   * RUNNING → QUEUED when the worker hands the job back to wait (rate limit, degraded mode): the
   * user sees it waiting, and the next delivery of the same message claims it again.
   */
  async release(
    userId: string,
    jobId: string,
    release: { originMessageId: string; now: Date },
  ): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { PK: userPk(userId), SK: jobSk(jobId) },
          UpdateExpression: 'SET #s = :queued, UpdatedAt = :now REMOVE ClaimedUntil',
          ConditionExpression: '#s = :running AND ClaimMessageId = :origin',
          ExpressionAttributeNames: { '#s': 'Status' },
          ExpressionAttributeValues: {
            ':queued': 'QUEUED',
            ':running': 'RUNNING',
            ':origin': release.originMessageId,
            ':now': release.now.toISOString(),
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }
  // --- Historical jobs (the cold path). Their chunks run in parallel on several workers, so there
  // is no claim: the JOB item counts finished chunks exactly once, by a set of their indexes.

  /** QUEUED → RUNNING when the first chunk starts; a no-op afterwards. */
  async markRunning(userId: string, jobId: string, now: Date): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { PK: userPk(userId), SK: jobSk(jobId) },
          UpdateExpression: 'SET #s = :running, UpdatedAt = :now',
          ConditionExpression: '#s = :queued',
          ExpressionAttributeNames: { '#s': 'Status' },
          ExpressionAttributeValues: {
            ':running': 'RUNNING',
            ':queued': 'QUEUED',
            ':now': now.toISOString(),
          },
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  /** The job and the indexes of its finished chunks (succeeded or failed); undefined if there is no job. */
  async historicalState(
    userId: string,
    jobId: string,
  ): Promise<{ record: SyncJobRecord; finishedChunks: ReadonlySet<number> } | undefined> {
    const item = await this.readHistorical({ PK: userPk(userId), SK: jobSk(jobId) });
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
    const key = { PK: userPk(userId), SK: jobSk(jobId) };
    let after: HistoricalJobItem;
    try {
      const out = await this.db.send(
        new UpdateCommand({
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
        }),
      );
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
    const key = { PK: userPk(userId), SK: jobSk(jobId) };
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
    const out = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
    );
    return out.Item as HistoricalJobItem | undefined;
  }

  /** SUCCEEDED when every chunk succeeded, FAILED with the first chunk error otherwise; once. */
  private async finalizeHistorical(key: ItemKey, job: HistoricalJobItem, now: Date): Promise<boolean> {
    const progress = job.Progress!;
    const failed = progress.failedChunks > 0;
    const firstError = job.ChunkError;
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: `SET #s = :final, UpdatedAt = :now, #r = :result${failed ? ', #e = :error' : ''}`,
          ConditionExpression: '#s IN (:queued, :running)',
          ExpressionAttributeNames: { '#s': 'Status', '#r': 'Result', ...(failed ? { '#e': 'Error' } : {}) },
          ExpressionAttributeValues: {
            ':final': failed ? 'FAILED' : 'SUCCEEDED',
            ':now': now.toISOString(),
            ':queued': 'QUEUED',
            ':running': 'RUNNING',
            ':result': { recordsWritten: job.ChunkWritten ?? 0, recordsSkipped: job.ChunkSkipped ?? 0 },
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
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }
}
