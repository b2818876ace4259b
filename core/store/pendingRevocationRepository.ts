// REVOKE items (PK USER#{userId}, SK REVOKE#{connectionId}): a connection was deleted while its
// provider could not take the revocation, so its tokens are kept (CredentialArn) until the worker's
// sweep revokes them (core/connections/connectionRemoval.ts, worker/revocation/). The item also
// carries the SchedulerIndex attributes, `SyncTierShardId = REVOKE` and `NextSyncTimestamp` = when
// the next attempt is due, so the sweep finds due items with one Query (no Scan, no GSI of its own).
import type { CloudProvider } from '../domain/types.js';
import { isConditionalCheckFailed, type DocumentStore } from './documentStore.js';
import {
  INDEX,
  PENDING_REVOCATION_SHARD,
  pendingRevocationSk,
  SK_PREFIX,
  userIdOfPk,
  userPk,
} from './keys.js';
import { queryPartition } from './queryPartition.js';

export interface PendingRevocationRecord {
  userId: string;
  connectionId: string;
  provider: CloudProvider;
  /** The secret-store pointer of the tokens still to revoke. */
  credentialRef: string;
  /** The provider's id for the account, when known: a newer connection to it must not be cut off. */
  providerUserId?: string;
  /** Attempts made so far, the one when the connection was deleted included. */
  attempts: number;
  /** Epoch ms the next attempt is due (while an attempt runs: when its claim lapses). */
  nextAttemptAt: number;
  createdAt: string;
  /** Why the last attempt did not revoke (a provider status, never token material). */
  lastError?: string;
}

type PendingRevocationItem = {
  PK: string;
  SK: string;
  Entity: 'REVOKE';
  ConnectionId: string;
  Provider: CloudProvider;
  CredentialArn: string;
  ProviderUserId?: string;
  Attempts: number;
  SyncTierShardId: typeof PENDING_REVOCATION_SHARD;
  NextSyncTimestamp: number;
  CreatedAt: string;
  LastError?: string;
};

const toRecord = (i: PendingRevocationItem): PendingRevocationRecord => ({
  userId: userIdOfPk(i.PK),
  connectionId: i.ConnectionId,
  provider: i.Provider,
  credentialRef: i.CredentialArn,
  ...(i.ProviderUserId ? { providerUserId: i.ProviderUserId } : {}),
  attempts: i.Attempts,
  nextAttemptAt: i.NextSyncTimestamp,
  createdAt: i.CreatedAt,
  ...(i.LastError ? { lastError: i.LastError } : {}),
});

const toItem = (r: PendingRevocationRecord): PendingRevocationItem => ({
  PK: userPk(r.userId),
  SK: pendingRevocationSk(r.connectionId),
  Entity: 'REVOKE',
  ConnectionId: r.connectionId,
  Provider: r.provider,
  CredentialArn: r.credentialRef,
  ...(r.providerUserId ? { ProviderUserId: r.providerUserId } : {}),
  Attempts: r.attempts,
  SyncTierShardId: PENDING_REVOCATION_SHARD,
  NextSyncTimestamp: r.nextAttemptAt,
  CreatedAt: r.createdAt,
  ...(r.lastError ? { LastError: r.lastError } : {}),
});

/** A due item as the index returns it (keys only): enough to claim it. */
export interface DuePendingRevocation {
  userId: string;
  connectionId: string;
  nextAttemptAt: number;
}

export class PendingRevocationRepository {
  constructor(
    private readonly db: DocumentStore,
    private readonly tableName: string,
  ) {}

  private key(userId: string, connectionId: string) {
    return { PK: userPk(userId), SK: pendingRevocationSk(connectionId) };
  }

  /**
   * Records a pending revocation. One that already exists (a repeated removal) is kept as it is,
   * attempts and due time included, and returned.
   */
  async record(record: PendingRevocationRecord): Promise<PendingRevocationRecord> {
    try {
      await this.db.put({
        TableName: this.tableName,
        Item: toItem(record),
        ConditionExpression: 'attribute_not_exists(PK)',
      });
      return record;
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      return (await this.get(record.userId, record.connectionId)) ?? record;
    }
  }

  async get(userId: string, connectionId: string): Promise<PendingRevocationRecord | undefined> {
    const out = await this.db.get({
      TableName: this.tableName,
      Key: this.key(userId, connectionId),
      ConsistentRead: true,
    });
    return out.Item ? toRecord(out.Item as PendingRevocationItem) : undefined;
  }

  async listByUser(userId: string): Promise<PendingRevocationRecord[]> {
    const items = await queryPartition<PendingRevocationItem>(
      this.db,
      this.tableName,
      userPk(userId),
      SK_PREFIX.pendingRevocation,
    );
    return items.map(toRecord);
  }

  /** One page of pending revocations due at `now`, oldest due first; `next` continues the listing. */
  async due(
    now: number,
    start?: Record<string, unknown>,
  ): Promise<{ items: DuePendingRevocation[]; next?: Record<string, unknown> }> {
    const page = await this.db.query({
      TableName: this.tableName,
      IndexName: INDEX.scheduler,
      KeyConditionExpression: 'SyncTierShardId = :s AND NextSyncTimestamp <= :now',
      ExpressionAttributeValues: { ':s': PENDING_REVOCATION_SHARD, ':now': now },
      ExclusiveStartKey: start,
      Limit: 100,
    });
    return {
      items: (page.Items as Pick<PendingRevocationItem, 'PK' | 'SK' | 'NextSyncTimestamp'>[]).map((i) => ({
        userId: userIdOfPk(i.PK),
        connectionId: i.SK.slice(SK_PREFIX.pendingRevocation.length),
        nextAttemptAt: i.NextSyncTimestamp,
      })),
      ...(page.LastEvaluatedKey ? { next: page.LastEvaluatedKey } : {}),
    };
  }

  /**
   * Takes a due item for one attempt: counts the attempt and moves its due time to `until` (the
   * next attempt should this one not finish), only if its due time is still the one read, so two
   * workers never run the same attempt. Returns the claimed record, or undefined when another
   * worker claimed it first or it is gone.
   */
  async claim(due: DuePendingRevocation, until: number): Promise<PendingRevocationRecord | undefined> {
    try {
      const out = await this.db.update({
        TableName: this.tableName,
        Key: this.key(due.userId, due.connectionId),
        UpdateExpression: 'SET Attempts = Attempts + :one, NextSyncTimestamp = :until',
        ConditionExpression: 'NextSyncTimestamp = :seen',
        ExpressionAttributeValues: { ':one': 1, ':until': until, ':seen': due.nextAttemptAt },
        ReturnValues: 'ALL_NEW',
      });
      return out.Attributes ? toRecord(out.Attributes as PendingRevocationItem) : undefined;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return undefined;
      throw error;
    }
  }

  /** After an attempt the provider could not take: when to try next, and why this one failed. */
  async reschedule(
    userId: string,
    connectionId: string,
    nextAttemptAt: number,
    lastError: string,
  ): Promise<void> {
    try {
      await this.db.update({
        TableName: this.tableName,
        Key: this.key(userId, connectionId),
        UpdateExpression: 'SET NextSyncTimestamp = :next, LastError = :error',
        ConditionExpression: 'attribute_exists(PK)',
        ExpressionAttributeValues: { ':next': nextAttemptAt, ':error': lastError },
      });
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  async delete(userId: string, connectionId: string): Promise<void> {
    await this.db.delete({ TableName: this.tableName, Key: this.key(userId, connectionId) });
  }
}
