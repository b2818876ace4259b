// EXPORT items (PK USER#{userId}, SK EXPORT#{jobId}): one data export, from the API's 202 to the
// deletion of its archive. Ids, times, counts and reason codes only, never health data. Beside them,
// ACTIVEEXPORT names the user's export in progress, so two requests cannot start two exports (no
// transactions: a conditional put of that one item decides). The worker's lease and checkpoints on
// the item are in ./exportJobProgress.ts. A SUCCEEDED export carries `SyncTierShardId =
// EXPORTEXPIRY` and `NextSyncTimestamp` = the end of its retention, so the worker's sweep finds it
// through the SchedulerIndex (overloaded, like pending revocations) without a scan.
import type { ExportJobStatus } from '../domain/types.js';
import type { ExportPlan } from '../export/exportPlan.js';
import { isConditionalCheckFailed, type DocumentStore } from './documentStore.js';
import {
  ACTIVE_EXPORT_SK,
  EXPORT_EXPIRY_SHARD,
  exportJobSk,
  INDEX,
  SK_PREFIX,
  userIdOfPk,
  userPk,
} from './keys.js';
import { queryPartition } from './queryPartition.js';
import { clock } from '../clock/clock.js';

export interface ExportFailure {
  code: string;
  message: string;
}

export interface ExportJobRecord {
  userId: string;
  jobId: string;
  status: ExportJobStatus;
  createdAt: string;
  updatedAt: string;
  /** Set by the worker's first claim (core/export/exportPlan.ts). */
  plan?: ExportPlan;
  /** Checkpoints: parts (`s{stream}w{window}`) written to the bucket, and their record counts. */
  doneParts: ReadonlySet<string>;
  partRecords: Readonly<Record<string, number>>;
  /** Streams (by plan index) that failed for good, with the reason. */
  missing: Readonly<Record<string, ExportFailure>>;
  leaseOwner?: string;
  /** Epoch ms. */
  leaseUntil?: number;
  archiveKey?: string;
  sizeBytes?: number;
  completedAt?: string;
  /** When the archive is deleted (ISO). */
  availableUntil?: string;
  notifiedAt?: string;
  /** When the archive was deleted after its retention. */
  purgedAt?: string;
  error?: ExportFailure;
  /** Epoch seconds after which the item itself is gone (JOB_TTL_DAYS). */
  expiresAt: number;
}

export type ExportJobItem = {
  PK: string;
  SK: string;
  Entity: 'EXPORT';
  JobId: string;
  Status: ExportJobStatus;
  CreatedAt: string;
  UpdatedAt: string;
  Plan?: ExportPlan;
  DoneParts?: Set<string>;
  PartRecords?: Record<string, number>;
  Missing?: Record<string, ExportFailure>;
  LeaseOwner?: string;
  LeaseUntil?: number;
  ArchiveKey?: string;
  SizeBytes?: number;
  CompletedAt?: string;
  AvailableUntil?: string;
  NotifiedAt?: string;
  PurgedAt?: string;
  Error?: ExportFailure;
  SyncTierShardId?: string;
  NextSyncTimestamp?: number;
  ttl: number;
};

export const toExportRecord = (i: ExportJobItem): ExportJobRecord => ({
  userId: userIdOfPk(i.PK),
  jobId: i.JobId,
  status: i.Status,
  createdAt: i.CreatedAt,
  updatedAt: i.UpdatedAt,
  ...(i.Plan ? { plan: i.Plan } : {}),
  doneParts: new Set(i.DoneParts ?? []),
  partRecords: i.PartRecords ?? {},
  missing: i.Missing ?? {},
  ...(i.LeaseOwner ? { leaseOwner: i.LeaseOwner } : {}),
  ...(i.LeaseUntil !== undefined ? { leaseUntil: i.LeaseUntil } : {}),
  ...(i.ArchiveKey ? { archiveKey: i.ArchiveKey } : {}),
  ...(i.SizeBytes !== undefined ? { sizeBytes: i.SizeBytes } : {}),
  ...(i.CompletedAt ? { completedAt: i.CompletedAt } : {}),
  ...(i.AvailableUntil ? { availableUntil: i.AvailableUntil } : {}),
  ...(i.NotifiedAt ? { notifiedAt: i.NotifiedAt } : {}),
  ...(i.PurgedAt ? { purgedAt: i.PurgedAt } : {}),
  ...(i.Error ? { error: i.Error } : {}),
  expiresAt: i.ttl,
});

export const exportKey = (userId: string, jobId: string) => ({ PK: userPk(userId), SK: exportJobSk(jobId) });

export const isInProgress = (r: Pick<ExportJobRecord, 'status'>) =>
  r.status === 'PENDING' || r.status === 'RUNNING';

/**
 * Whether the user's in-progress claim was taken by this request, is held by another export, or
 * vanished between the two reads (account deletion removed it: try again).
 */
export type ActiveClaim =
  { kind: 'claimed' } | { kind: 'held'; jobId: string; claimedAt: number } | { kind: 'vanished' };

export class ExportJobRepository {
  constructor(
    private readonly db: DocumentStore,
    private readonly tableName: string,
  ) {}

  /** The new export, PENDING; a retried request that already wrote it leaves it as it is. */
  async create(r: { userId: string; jobId: string; createdAt: string; expiresAt: number }): Promise<void> {
    try {
      await this.db.put({
        TableName: this.tableName,
        Item: {
          ...exportKey(r.userId, r.jobId),
          Entity: 'EXPORT',
          JobId: r.jobId,
          Status: 'PENDING',
          CreatedAt: r.createdAt,
          UpdatedAt: r.createdAt,
          ttl: r.expiresAt,
        } satisfies ExportJobItem,
        ConditionExpression: 'attribute_not_exists(PK)',
      });
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  /** The export, or undefined when it does not exist, is another user's, or its item expired. */
  async get(userId: string, jobId: string): Promise<ExportJobRecord | undefined> {
    const out = await this.db.get({
      TableName: this.tableName,
      Key: exportKey(userId, jobId),
      ConsistentRead: true,
    });
    const record = out.Item ? toExportRecord(out.Item as ExportJobItem) : undefined;
    return record && record.expiresAt > clock.now() / 1000 ? record : undefined;
  }

  /** The user's exports whose items have not expired, oldest first (for the account's own records). */
  async listByUser(userId: string): Promise<ExportJobRecord[]> {
    const items = await queryPartition<ExportJobItem>(
      this.db,
      this.tableName,
      userPk(userId),
      SK_PREFIX.exportJob,
    );
    const nowSeconds = clock.now() / 1000;
    return items
      .map(toExportRecord)
      .filter((r) => r.expiresAt > nowSeconds)
      .sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
  }

  /**
   * Makes `jobId` the user's export in progress, unless another one holds the claim (then its id
   * and since when). The same export may claim again (a retried request).
   */
  async claimActive(userId: string, jobId: string, now: number): Promise<ActiveClaim> {
    try {
      await this.db.put({
        TableName: this.tableName,
        Item: {
          PK: userPk(userId),
          SK: ACTIVE_EXPORT_SK,
          Entity: 'ACTIVEEXPORT',
          JobId: jobId,
          ClaimedAt: now,
        },
        ConditionExpression: 'attribute_not_exists(PK) OR JobId = :j',
        ExpressionAttributeValues: { ':j': jobId },
      });
      return { kind: 'claimed' };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
    const out = await this.db.get({
      TableName: this.tableName,
      Key: { PK: userPk(userId), SK: ACTIVE_EXPORT_SK },
      ConsistentRead: true,
    });
    const held = out.Item as { JobId: string; ClaimedAt: number } | undefined;
    return held ? { kind: 'held', jobId: held.JobId, claimedAt: held.ClaimedAt } : { kind: 'vanished' };
  }

  /** Takes the claim over from a finished (or never written) export; false when someone else did first. */
  async replaceActive(userId: string, fromJobId: string, toJobId: string, now: number): Promise<boolean> {
    try {
      await this.db.put({
        TableName: this.tableName,
        Item: {
          PK: userPk(userId),
          SK: ACTIVE_EXPORT_SK,
          Entity: 'ACTIVEEXPORT',
          JobId: toJobId,
          ClaimedAt: now,
        },
        ConditionExpression: 'JobId = :from',
        ExpressionAttributeValues: { ':from': fromJobId },
      });
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  /** Records that the user was told the export is ready (a redelivery then sends nothing). */
  async markNotified(userId: string, jobId: string, now: Date): Promise<void> {
    await this.db
      .update({
        TableName: this.tableName,
        Key: exportKey(userId, jobId),
        UpdateExpression: 'SET NotifiedAt = :now',
        ConditionExpression: 'attribute_exists(PK)',
        ExpressionAttributeValues: { ':now': now.toISOString() },
      })
      .catch((error: unknown) => {
        if (!isConditionalCheckFailed(error)) throw error;
      });
  }

  /** One page of finished exports whose retention ended by `now` (SchedulerIndex, EXPORTEXPIRY). */
  async dueForPurge(
    now: number,
    start?: Record<string, unknown>,
  ): Promise<{ exports: { userId: string; jobId: string }[]; next?: Record<string, unknown> }> {
    const page = await this.db.query({
      TableName: this.tableName,
      IndexName: INDEX.scheduler,
      KeyConditionExpression: 'SyncTierShardId = :s AND NextSyncTimestamp <= :now',
      ExpressionAttributeValues: { ':s': EXPORT_EXPIRY_SHARD, ':now': now },
      ExclusiveStartKey: start,
      Limit: 100,
    });
    return {
      exports: (page.Items as { PK: string; SK: string }[]).map((i) => ({
        userId: userIdOfPk(i.PK),
        jobId: i.SK.slice(SK_PREFIX.exportJob.length),
      })),
      ...(page.LastEvaluatedKey ? { next: page.LastEvaluatedKey } : {}),
    };
  }

  /** The archive is gone: the export leaves the sweep's index and says since when. */
  async markPurged(userId: string, jobId: string, now: Date): Promise<void> {
    await this.db
      .update({
        TableName: this.tableName,
        Key: exportKey(userId, jobId),
        UpdateExpression:
          'SET PurgedAt = if_not_exists(PurgedAt, :now) REMOVE SyncTierShardId, NextSyncTimestamp',
        ConditionExpression: 'attribute_exists(PK)',
        ExpressionAttributeValues: { ':now': now.toISOString() },
      })
      .catch((error: unknown) => {
        if (!isConditionalCheckFailed(error)) throw error;
      });
  }
}
