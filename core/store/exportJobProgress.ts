// The worker's side of an EXPORT item: a lease, so one delivery builds an export at a time (a
// standard queue may deliver a message twice, and POST /v1/export-jobs re-sends the message of an
// export stuck PENDING), the plan, one checkpoint per part written, the streams that failed for
// good, and the final status. Every write after the lease is conditional on still holding it: a
// worker that lost it (too slow to renew, the account deleted) stops instead of racing the new
// holder.
import type { ExportPlan } from '../export/exportPlan.js';
import { isConditionalCheckFailed, type DocumentStore } from './documentStore.js';
import { EXPORT_EXPIRY_SHARD } from './keys.js';
import {
  exportKey,
  toExportRecord,
  type ExportFailure,
  type ExportJobItem,
  type ExportJobRecord,
} from './exportJobRepository.js';

/** The lease is gone (taken over after it lapsed, or the export deleted): stop working on the export. */
export class ExportLeaseLostError extends Error {
  override readonly name = 'ExportLeaseLostError';
  constructor(readonly jobId: string) {
    super(`export ${jobId}: the lease is no longer this worker's`);
  }
}

export type LeaseOutcome =
  | { kind: 'acquired'; record: ExportJobRecord }
  /** Another delivery holds a live lease on the export. */
  | { kind: 'busy'; retryAfterMs: number }
  | { kind: 'finished'; record: ExportJobRecord }
  | { kind: 'gone' };

export interface ExportSuccess {
  archiveKey: string;
  sizeBytes: number;
  completedAt: Date;
  availableUntil: Date;
}

export class ExportJobProgress {
  constructor(
    private readonly db: DocumentStore,
    private readonly tableName: string,
  ) {}

  /** PENDING → RUNNING under a lease of `leaseMs`; a RUNNING export only once its lease lapsed. */
  async acquire(
    userId: string,
    jobId: string,
    owner: string,
    now: number,
    leaseMs: number,
  ): Promise<LeaseOutcome> {
    try {
      const out = await this.db.update({
        TableName: this.tableName,
        Key: exportKey(userId, jobId),
        UpdateExpression: 'SET #s = :running, LeaseOwner = :o, LeaseUntil = :until, UpdatedAt = :iso',
        ConditionExpression:
          'attribute_exists(PK) AND #s IN (:pending, :running) AND ' +
          '(attribute_not_exists(LeaseUntil) OR LeaseUntil < :now OR LeaseOwner = :o)',
        ExpressionAttributeNames: { '#s': 'Status' },
        ExpressionAttributeValues: {
          ':running': 'RUNNING',
          ':pending': 'PENDING',
          ':o': owner,
          ':until': now + leaseMs,
          ':now': now,
          ':iso': new Date(now).toISOString(),
        },
        ReturnValues: 'ALL_NEW',
      });
      return { kind: 'acquired', record: toExportRecord(out.Attributes as ExportJobItem) };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
    const out = await this.db.get({
      TableName: this.tableName,
      Key: exportKey(userId, jobId),
      ConsistentRead: true,
    });
    if (!out.Item) return { kind: 'gone' };
    const record = toExportRecord(out.Item as ExportJobItem);
    if (record.status === 'SUCCEEDED' || record.status === 'FAILED') return { kind: 'finished', record };
    return { kind: 'busy', retryAfterMs: Math.max(1, (record.leaseUntil ?? now) - now) };
  }

  /** Extends the lease; false when it is no longer ours. */
  async renew(userId: string, jobId: string, owner: string, now: number, leaseMs: number): Promise<boolean> {
    return this.ifOwner(userId, jobId, owner, {
      UpdateExpression: 'SET LeaseUntil = :until',
      ExpressionAttributeValues: { ':until': now + leaseMs },
    });
  }

  /** Gives the lease up (a deferral or retry): the next delivery, whichever it is, takes it at once. */
  async release(userId: string, jobId: string, owner: string): Promise<void> {
    await this.ifOwner(userId, jobId, owner, {
      UpdateExpression: 'SET LeaseUntil = :zero',
      ExpressionAttributeValues: { ':zero': 0 },
    });
  }

  /** Stores the plan, once: a resumed export keeps the first one (and gets it back). */
  async setPlan(userId: string, jobId: string, owner: string, plan: ExportPlan): Promise<ExportPlan> {
    try {
      await this.db.update({
        TableName: this.tableName,
        Key: exportKey(userId, jobId),
        UpdateExpression:
          'SET #plan = :plan, #parts = if_not_exists(#parts, :empty), #missing = if_not_exists(#missing, :empty)',
        ConditionExpression: 'LeaseOwner = :o AND attribute_not_exists(#plan)',
        ExpressionAttributeNames: { '#plan': 'Plan', '#parts': 'PartRecords', '#missing': 'Missing' },
        ExpressionAttributeValues: { ':plan': plan, ':empty': {}, ':o': owner },
      });
      return plan;
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
    const out = await this.db.get({
      TableName: this.tableName,
      Key: exportKey(userId, jobId),
      ConsistentRead: true,
    });
    const item = out.Item as ExportJobItem | undefined;
    if (!item?.Plan || item.LeaseOwner !== owner) throw new ExportLeaseLostError(jobId);
    return item.Plan;
  }

  /** Checkpoint: part `part` is in the bucket with `records` records. */
  async recordPart(
    userId: string,
    jobId: string,
    owner: string,
    part: string,
    records: number,
    now: Date,
  ): Promise<void> {
    const ok = await this.ifOwner(userId, jobId, owner, {
      UpdateExpression: 'SET #parts.#p = :n, UpdatedAt = :now ADD DoneParts :done',
      ExpressionAttributeNames: { '#parts': 'PartRecords', '#p': part },
      ExpressionAttributeValues: { ':n': records, ':now': now.toISOString(), ':done': new Set([part]) },
    });
    if (!ok) throw new ExportLeaseLostError(jobId);
  }

  /** Stream `stream` of the plan failed for good: it is left out and reported. */
  async markMissing(
    userId: string,
    jobId: string,
    owner: string,
    stream: number,
    failure: ExportFailure,
    now: Date,
  ): Promise<void> {
    const ok = await this.ifOwner(userId, jobId, owner, {
      UpdateExpression: 'SET #missing.#s = :f, UpdatedAt = :now',
      ExpressionAttributeNames: { '#missing': 'Missing', '#s': streamKey(stream) },
      ExpressionAttributeValues: { ':f': failure, ':now': now.toISOString() },
    });
    if (!ok) throw new ExportLeaseLostError(jobId);
  }

  /** RUNNING → SUCCEEDED, entering the retention sweep's index. */
  async succeed(userId: string, jobId: string, owner: string, s: ExportSuccess): Promise<void> {
    const ok = await this.ifOwner(userId, jobId, owner, {
      UpdateExpression:
        'SET #s = :done, ArchiveKey = :key, SizeBytes = :size, CompletedAt = :at, UpdatedAt = :at, ' +
        'AvailableUntil = :until, SyncTierShardId = :shard, NextSyncTimestamp = :untilMs REMOVE LeaseOwner, LeaseUntil',
      ConditionExpression: '#s = :running',
      ExpressionAttributeNames: { '#s': 'Status' },
      ExpressionAttributeValues: {
        ':done': 'SUCCEEDED',
        ':running': 'RUNNING',
        ':key': s.archiveKey,
        ':size': s.sizeBytes,
        ':at': s.completedAt.toISOString(),
        ':until': s.availableUntil.toISOString(),
        ':untilMs': s.availableUntil.getTime(),
        ':shard': EXPORT_EXPIRY_SHARD,
      },
    });
    if (!ok) throw new ExportLeaseLostError(jobId);
  }

  /** RUNNING → FAILED: the export cannot be built (its storage kept failing). */
  async fail(
    userId: string,
    jobId: string,
    owner: string,
    error: ExportFailure,
    now: Date,
  ): Promise<boolean> {
    return this.ifOwner(userId, jobId, owner, {
      UpdateExpression:
        'SET #s = :failed, #e = :error, CompletedAt = :at, UpdatedAt = :at REMOVE LeaseOwner, LeaseUntil',
      ExpressionAttributeNames: { '#s': 'Status', '#e': 'Error' },
      ExpressionAttributeValues: { ':failed': 'FAILED', ':error': error, ':at': now.toISOString() },
    });
  }

  /** An update made only while `owner` holds the lease; false when it does not. */
  private async ifOwner(
    userId: string,
    jobId: string,
    owner: string,
    update: {
      UpdateExpression: string;
      ConditionExpression?: string;
      ExpressionAttributeNames?: Record<string, string>;
      ExpressionAttributeValues: Record<string, unknown>;
    },
  ): Promise<boolean> {
    try {
      await this.db.update({
        TableName: this.tableName,
        Key: exportKey(userId, jobId),
        UpdateExpression: update.UpdateExpression,
        ConditionExpression: `LeaseOwner = :owner${update.ConditionExpression ? ` AND ${update.ConditionExpression}` : ''}`,
        ...(update.ExpressionAttributeNames
          ? { ExpressionAttributeNames: update.ExpressionAttributeNames }
          : {}),
        ExpressionAttributeValues: { ...update.ExpressionAttributeValues, ':owner': owner },
      });
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }
}

/** The key of a stream in the item's Missing map. */
export const streamKey = (stream: number) => `s${stream}`;
