// Erases a user's items from the single table, for account deletion:
// - items outside the partition that name the user: PROVIDERUSER#, PUSHTOKEN#, IDEM#{userId}#…,
//   OAUTHSTATE#. Each carries a `UserId` attribute, and the `UserIdIndex` GSI (keys only) lists them
//   with one Query, so no Scan of the table is ever needed. Each is deleted only while it still
//   names this user (another account may have taken a push token or a provider account since).
// - every item of the partition `USER#{userId}`, page after page (consistent reads), with
//   BatchWriteItem deletes. An item that points at a singleton (a DEVICE at its PUSHTOKEN#, a CONN
//   at its PROVIDERUSER#) has that singleton removed first, so a crash never leaves a singleton
//   whose pointer is gone (the index would still find it, but this does not depend on its lag).
// GSI entries (SchedulerIndex, ReAuthStatusIndex, the LSI) follow their items. Every step is safe
// to repeat: a second run finds less, and finally nothing.
import {
  isConditionalCheckFailed,
  type BatchWriteRequest,
  type DocumentStore,
  type Item,
} from './documentStore.js';
import { INDEX, providerUserKey, pushTokenKey, singletonKey, userPk, type ItemKey } from './keys.js';
import { sendUntilProcessed } from './unprocessedItems.js';
import type { CloudProvider } from '../domain/types.js';

/** Items per partition page; each page becomes ceil(page / 25) BatchWriteItem calls. */
const PAGE_SIZE = 200;
const BATCH_SIZE = 25;
/** BatchWriteItem calls in flight at once: a heavy user's ledger goes faster without flooding the table. */
const PARALLEL_BATCHES = 4;

export interface ErasedCounts {
  /** Items outside the partition (PROVIDERUSER#, PUSHTOKEN#, IDEM#, OAUTHSTATE#). */
  singletons: number;
  /** Items of the partition. */
  partition: number;
}

type PartitionItem = ItemKey & { Provider?: string; ProviderUserId?: string; TokenHash?: string };

export class UserItemEraser {
  constructor(
    private readonly db: DocumentStore,
    private readonly tableName: string,
  ) {}

  async erase(userId: string): Promise<ErasedCounts> {
    const singletons = await this.eraseIndexed(userId);
    const partition = await this.erasePartition(userId);
    return { singletons: singletons + partition.pointed, partition: partition.items };
  }

  /** The user's items outside the partition, found through the UserIdIndex. */
  private async eraseIndexed(userId: string): Promise<number> {
    const partitionKey = userPk(userId);
    let erased = 0;
    let start: Item | undefined;
    do {
      const page = await this.db.query({
        TableName: this.tableName,
        IndexName: INDEX.userItems,
        KeyConditionExpression: 'UserId = :u',
        ExpressionAttributeValues: { ':u': userId },
        ExclusiveStartKey: start,
      });
      for (const item of page.Items as ItemKey[])
        if (item.PK !== partitionKey && (await this.deleteIfOwned({ PK: item.PK, SK: item.SK }, userId)))
          erased += 1;
      start = page.LastEvaluatedKey;
    } while (start);
    return erased;
  }

  private async erasePartition(userId: string): Promise<{ items: number; pointed: number }> {
    let items = 0;
    let pointed = 0;
    for (;;) {
      // Always the first page again: what was just deleted is gone from a consistent read.
      const page = await this.db.query({
        TableName: this.tableName,
        KeyConditionExpression: '#pk = :pk',
        ProjectionExpression: '#pk, #sk, #provider, #providerUserId, #tokenHash',
        ExpressionAttributeNames: {
          '#pk': 'PK',
          '#sk': 'SK',
          '#provider': 'Provider',
          '#providerUserId': 'ProviderUserId',
          '#tokenHash': 'TokenHash',
        },
        ExpressionAttributeValues: { ':pk': userPk(userId) },
        ConsistentRead: true,
        Limit: PAGE_SIZE,
      });
      const found = page.Items as PartitionItem[];
      if (found.length === 0) return { items, pointed };
      for (const item of found) {
        const singleton = singletonPointedAt(item);
        if (singleton && (await this.deleteIfOwned(singleton, userId))) pointed += 1;
      }
      await this.deleteKeys(found.map((i) => ({ PK: i.PK, SK: i.SK })));
      items += found.length;
    }
  }

  private async deleteKeys(keys: ItemKey[]): Promise<void> {
    const batches: ItemKey[][] = [];
    for (let i = 0; i < keys.length; i += BATCH_SIZE) batches.push(keys.slice(i, i + BATCH_SIZE));
    for (let i = 0; i < batches.length; i += PARALLEL_BATCHES)
      await Promise.all(
        batches.slice(i, i + PARALLEL_BATCHES).map(async (batch) => {
          const left = await sendUntilProcessed<BatchWriteRequest>(
            batch.map((Key) => ({ DeleteRequest: { Key } })),
            (requests) => this.db.batchWrite(this.tableName, requests),
          );
          // Throttled for good this time: the run fails and its redelivery deletes the rest.
          if (left.length > 0) throw new Error(`${left.length} deletes left unprocessed`);
        }),
      );
  }

  /** Deletes a singleton while it still names `userId`; false when it was gone or is someone else's. */
  private async deleteIfOwned(key: ItemKey, userId: string): Promise<boolean> {
    try {
      await this.db.delete({
        TableName: this.tableName,
        Key: key,
        ConditionExpression: 'UserId = :u',
        ExpressionAttributeValues: { ':u': userId },
      });
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }
}

/** The singleton a partition item points at: a device's push-token holder, a connection's provider-user link. */
function singletonPointedAt(item: PartitionItem): ItemKey | undefined {
  if (item.TokenHash) return singletonKey(pushTokenKey(item.TokenHash));
  if (item.Provider && item.ProviderUserId)
    return singletonKey(providerUserKey(item.Provider as CloudProvider, item.ProviderUserId));
  return undefined;
}
