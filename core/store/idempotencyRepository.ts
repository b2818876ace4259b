// IDEM#{userId}#{key} items: the API's idempotency records (Stripe semantics). `begin` takes the
// key with a conditional put; the stored response is replayed to retries with the same request;
// a different request under the same key is refused. Records expire after IDEMPOTENCY_TTL_HOURS
// (checked on write and read; DynamoDB TTL only removes them eventually).
import type { BatchWriter } from './batchWriter.js';
import { isConditionalCheckFailed, type DocumentStore } from './documentStore.js';
import { idempotencyKey, singletonKey } from './keys.js';
import { clock } from '../clock/clock.js';

export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  /** The serialized body, exactly as first sent; empty for 204. */
  body: string;
}

export type BeginResult =
  /** `reservedId` is the id reserved by the first attempt when this one recovers from it. */
  | { kind: 'started'; reservedId: string; recovered: boolean }
  | { kind: 'replay'; response: StoredResponse }
  | { kind: 'mismatch' }
  | { kind: 'in_progress' };

type IdempotencyItem = {
  PK: string;
  SK: string;
  Entity: 'IDEM';
  /** Whose key this is: the UserIdIndex finds a user's records by it (account deletion). */
  UserId: string;
  status: 'INPROGRESS' | 'COMPLETED';
  Fingerprint: string;
  LockedAt: number;
  /** A UUID the request may derive ids from, kept when a crashed attempt is taken over. */
  Reserved: string;
  Response?: StoredResponse;
  ttl: number;
};

export class IdempotencyRepository {
  constructor(
    private readonly db: DocumentStore,
    private readonly tableName: string,
    private readonly writer: BatchWriter,
    private readonly options: { ttlHours: number; lockTimeoutMs: number },
  ) {}

  async begin(userId: string, key: string, fingerprint: string, reservedId: string): Promise<BeginResult> {
    const id = idempotencyKey(userId, key);
    const now = clock.now();
    const item = this.item(userId, id, 'INPROGRESS', fingerprint, reservedId, now);
    try {
      const out = await this.db.put({
        TableName: this.tableName,
        Item: { ...item },
        // New key, an expired record, or the same request whose first attempt died holding the lock.
        ConditionExpression:
          'attribute_not_exists(PK) OR #ttl < :nowSeconds OR (#status = :inProgress AND LockedAt < :staleBefore AND Fingerprint = :fp)',
        ExpressionAttributeNames: { '#ttl': 'ttl', '#status': 'status' },
        ExpressionAttributeValues: {
          ':nowSeconds': Math.floor(now / 1000),
          ':inProgress': 'INPROGRESS',
          ':staleBefore': now - this.options.lockTimeoutMs,
          ':fp': fingerprint,
        },
        ReturnValues: 'ALL_OLD',
      });
      const previous = out.Attributes as IdempotencyItem | undefined;
      const takeover = previous && previous.ttl >= Math.floor(now / 1000) && previous.Reserved;
      if (!takeover) return { kind: 'started', reservedId, recovered: false };
      // Keep the first attempt's reservation so ids derived from it stay the same.
      await this.db.update({
        TableName: this.tableName,
        Key: singletonKey(id),
        UpdateExpression: 'SET Reserved = :r',
        ExpressionAttributeValues: { ':r': previous.Reserved },
      });
      return { kind: 'started', reservedId: previous.Reserved, recovered: true };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
    const out = await this.db.get({
      TableName: this.tableName,
      Key: singletonKey(id),
      ConsistentRead: true,
    });
    const existing = out.Item as IdempotencyItem | undefined;
    // Deleted between our put and get (a released 5xx): the client's retry will take the key.
    if (!existing) return { kind: 'in_progress' };
    if (existing.Fingerprint !== fingerprint) return { kind: 'mismatch' };
    if (existing.status === 'COMPLETED' && existing.Response)
      return { kind: 'replay', response: existing.Response };
    return { kind: 'in_progress' };
  }

  /** Stores the first response. The key is ours (begin succeeded), so a plain batched put is safe. */
  complete(
    userId: string,
    key: string,
    fingerprint: string,
    reservedId: string,
    response: StoredResponse,
  ): Promise<void> {
    const item = this.item(
      userId,
      idempotencyKey(userId, key),
      'COMPLETED',
      fingerprint,
      reservedId,
      clock.now(),
    );
    item.Response = response;
    return this.writer.put({ ...item });
  }

  private item(
    userId: string,
    id: string,
    status: IdempotencyItem['status'],
    fingerprint: string,
    reservedId: string,
    now: number,
  ): IdempotencyItem {
    return {
      PK: id,
      SK: id,
      Entity: 'IDEM',
      UserId: userId,
      status,
      Fingerprint: fingerprint,
      LockedAt: now,
      Reserved: reservedId,
      ttl: Math.floor(now / 1000) + this.options.ttlHours * 3600,
    };
  }

  /** Gives the key back (after a server error) so a retry executes the request again. */
  async release(userId: string, key: string, fingerprint: string): Promise<void> {
    const id = idempotencyKey(userId, key);
    try {
      await this.db.delete({
        TableName: this.tableName,
        Key: singletonKey(id),
        ConditionExpression: '#status = :inProgress AND Fingerprint = :fp',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':inProgress': 'INPROGRESS', ':fp': fingerprint },
      });
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }
}
