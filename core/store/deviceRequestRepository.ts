// DEVICEREQ items (PK USER#{userId}, SK DEVICEREQ#{jobId}): what a parked cloud → device job waits
// for from the user's phone (seed §3 Model 3). First a read request (the device's records in the
// window), then, once the answer is resolved and staged, a write request (fetch, write, confirm).
// Ids, times and counts only; the staged records' key (`dataKey`) lives here and nowhere else, so
// deleting the item makes the staged object unreadable. Gone with the job's answer or its expiry.
import type { DataType, SyncPriority, SyncTrigger } from '../domain/types.js';
import { isConditionalCheckFailed, type DocumentStore } from './documentStore.js';
import { deviceRequestSk, SK_PREFIX, userIdOfPk, userPk } from './keys.js';
import { queryPartition } from './queryPartition.js';

export interface DeviceRequestRecord {
  userId: string;
  jobId: string;
  kind: 'read' | 'write';
  requestId: string;
  dataType: DataType;
  sourceConnectionId: string;
  destinationConnectionId: string;
  priority: SyncPriority;
  trigger: SyncTrigger;
  windowStart: string;
  windowEnd: string;
  /** When the job stops waiting (ISO); checked on read, and the item's ttl. */
  expiresAt: string;
  createdAt: string;
  /** `write` only. */
  recordCount?: number;
  dataKey?: string;
}

type DeviceRequestItem = {
  PK: string;
  SK: string;
  Entity: 'DEVICEREQ';
  JobId: string;
  Kind: 'read' | 'write';
  RequestId: string;
  DataType: DataType;
  SourceConnectionId: string;
  DestinationConnectionId: string;
  Priority: SyncPriority;
  Trigger: SyncTrigger;
  WindowStart: string;
  WindowEnd: string;
  ExpiresAt: string;
  CreatedAt: string;
  RecordCount?: number;
  DataKey?: string;
  ttl: number;
};

const toRecord = (i: DeviceRequestItem): DeviceRequestRecord => ({
  userId: userIdOfPk(i.PK),
  jobId: i.JobId,
  kind: i.Kind,
  requestId: i.RequestId,
  dataType: i.DataType,
  sourceConnectionId: i.SourceConnectionId,
  destinationConnectionId: i.DestinationConnectionId,
  priority: i.Priority,
  trigger: i.Trigger,
  windowStart: i.WindowStart,
  windowEnd: i.WindowEnd,
  expiresAt: i.ExpiresAt,
  createdAt: i.CreatedAt,
  ...(i.RecordCount !== undefined ? { recordCount: i.RecordCount } : {}),
  ...(i.DataKey ? { dataKey: i.DataKey } : {}),
});

export class DeviceRequestRepository {
  constructor(
    private readonly db: DocumentStore,
    private readonly tableName: string,
  ) {}

  /** The read request; a redelivered job message finds the one it made and gets it back. */
  async createRead(
    r: Omit<DeviceRequestRecord, 'kind' | 'recordCount' | 'dataKey'>,
  ): Promise<DeviceRequestRecord> {
    try {
      await this.db.put({
        TableName: this.tableName,
        Item: {
          PK: userPk(r.userId),
          SK: deviceRequestSk(r.jobId),
          Entity: 'DEVICEREQ',
          JobId: r.jobId,
          Kind: 'read',
          RequestId: r.requestId,
          DataType: r.dataType,
          SourceConnectionId: r.sourceConnectionId,
          DestinationConnectionId: r.destinationConnectionId,
          Priority: r.priority,
          Trigger: r.trigger,
          WindowStart: r.windowStart,
          WindowEnd: r.windowEnd,
          ExpiresAt: r.expiresAt,
          CreatedAt: r.createdAt,
          ttl: Math.ceil(Date.parse(r.expiresAt) / 1000),
        } satisfies DeviceRequestItem,
        ConditionExpression: 'attribute_not_exists(PK)',
      });
      return { ...r, kind: 'read' };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      const existing = await this.get(r.userId, r.jobId);
      if (!existing) throw error;
      return existing;
    }
  }

  async get(userId: string, jobId: string): Promise<DeviceRequestRecord | undefined> {
    const out = await this.db.get({
      TableName: this.tableName,
      Key: { PK: userPk(userId), SK: deviceRequestSk(jobId) },
      ConsistentRead: true,
    });
    return out.Item ? toRecord(out.Item as DeviceRequestItem) : undefined;
  }

  async listByUser(userId: string): Promise<DeviceRequestRecord[]> {
    const items = await queryPartition<DeviceRequestItem>(
      this.db,
      this.tableName,
      userPk(userId),
      SK_PREFIX.deviceRequest,
      { consistentRead: true },
    );
    return items
      .map(toRecord)
      .sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
  }

  /** read → write, only for the read request being answered (a second answer finds it moved on). */
  async toWrite(
    userId: string,
    jobId: string,
    requestId: string,
    /** `windowEnd`: the part of the window the answer decided (the whole one unless it was narrowed). */
    staged: { recordCount: number; dataKey: string; windowEnd: string },
  ): Promise<boolean> {
    try {
      await this.db.update({
        TableName: this.tableName,
        Key: { PK: userPk(userId), SK: deviceRequestSk(jobId) },
        UpdateExpression: 'SET Kind = :write, RecordCount = :n, DataKey = :k, WindowEnd = :end',
        ConditionExpression: 'Kind = :read AND RequestId = :r',
        ExpressionAttributeValues: {
          ':write': 'write',
          ':read': 'read',
          ':r': requestId,
          ':n': staged.recordCount,
          ':k': staged.dataKey,
          ':end': staged.windowEnd,
        },
      });
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  /** Removes the request; false when another call removed it first (only one caller settles a job). */
  async delete(userId: string, jobId: string): Promise<boolean> {
    const out = await this.db.delete({
      TableName: this.tableName,
      Key: { PK: userPk(userId), SK: deviceRequestSk(jobId) },
      ReturnValues: 'ALL_OLD',
    });
    return out.Attributes !== undefined;
  }
}
