// JOB items: the job record itself. Written by the API when a job is accepted and by the worker
// as it runs. JobCreatedAt feeds the sparse JobsByCreatedAtIndex LSI: UUIDv4 job ids carry no
// order, and "recent jobs" must be newest first. Items expire (ttl) after JOB_TTL_DAYS; expiry is
// checked on read because DynamoDB deletes expired items lazily (and the local emulator never does).
// The worker's claims live in ./jobClaims.ts, a historical job's chunk tallies in
// ./historicalProgress.ts; ./syncJobRepository.ts puts the three behind one object.
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
import { isConditionalCheckFailed, type DocumentStore } from './documentStore.js';
import { INDEX, jobSk, SK_PREFIX, userIdOfPk, userPk, type ItemKey } from './keys.js';
import { clock } from '../clock/clock.js';
import type { JobHistoryEntry } from './jobHistory.js';

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
  /** Its status transitions, oldest first (operators; ./jobHistory.ts). */
  history?: JobHistoryEntry[];
  /** The trace that created it, when that request was traced. */
  traceId?: string;
}

export type SyncJobItem = {
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
  History?: JobHistoryEntry[];
  TraceId?: string;
  /** The claim's holder and lease (./jobClaims.ts); kept out of the record. */
  ClaimMessageId?: string;
  ClaimedUntil?: number;
  ttl: number;
};

/** Who holds a RUNNING job and until when (epoch ms): ./jobClaims.ts. */
export interface JobClaim {
  originMessageId: string;
  leaseUntilMs: number;
}

export const toRecord = (i: SyncJobItem): SyncJobRecord => ({
  userId: userIdOfPk(i.PK),
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
  ...(i.History ? { history: i.History } : {}),
  ...(i.TraceId ? { traceId: i.TraceId } : {}),
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
  // A job is written whole once (accepted, or already final): its history starts with that status.
  History: r.history ?? [{ status: r.status, at: r.updatedAt }],
  TraceId: r.traceId,
  ttl: r.expiresAt,
});

export const jobKey = (userId: string, jobId: string): ItemKey => ({ PK: userPk(userId), SK: jobSk(jobId) });

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
      raw.s.startsWith(SK_PREFIX.job) &&
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

export class SyncJobRecords {
  constructor(
    private readonly db: DocumentStore,
    private readonly tableName: string,
    private readonly writer: BatchWriter,
  ) {}

  /**
   * Unconditional put through the batch writer (job ids are fresh UUIDs, nobody else writes them yet).
   * `heldBy`: written RUNNING under that claim (its history still starts QUEUED; the holder's own
   * claim adds RUNNING), so that no one else claims it before the holder does.
   */
  put(record: SyncJobRecord, heldBy?: JobClaim): Promise<void> {
    const item = toItem(record);
    return this.writer.put(
      heldBy
        ? {
            ...item,
            Status: 'RUNNING',
            ClaimMessageId: heldBy.originMessageId,
            ClaimedUntil: heldBy.leaseUntilMs,
          }
        : { ...item },
    );
  }

  /** Recovery path: writes the job only if it does not exist, so a job already running is left alone. */
  /** True when written; false when the job already had an item. */
  async putIfAbsent(record: SyncJobRecord): Promise<boolean> {
    try {
      await this.db.put({
        TableName: this.tableName,
        Item: toItem(record),
        ConditionExpression: 'attribute_not_exists(PK)',
      });
      return true;
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      return false;
    }
  }

  async get(userId: string, jobId: string): Promise<SyncJobRecord | undefined> {
    const out = await this.db.get({
      TableName: this.tableName,
      Key: jobKey(userId, jobId),
    });
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
      const out = await this.db.query({
        TableName: this.tableName,
        IndexName: INDEX.jobsByCreatedAt,
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': userPk(userId) },
        ScanIndexForward: false,
        Limit: limit - jobs.length,
        ExclusiveStartKey: exclusiveStart,
      });
      for (const item of (out.Items ?? []) as SyncJobItem[]) {
        const record = toRecord(item);
        if (isLive(record, nowSeconds)) jobs.push(record);
        last = item as unknown as Record<string, unknown>;
      }
      exclusiveStart = out.LastEvaluatedKey;
    } while (exclusiveStart && jobs.length < limit);
    return { jobs, nextCursor: exclusiveStart && last ? encodeCursor(last) : null };
  }
}
