// Account deletion tombstones: `DELETEDUSER#{sha256(userId)}`, alone in its partition, holding
// when the deletion was asked for and when it finished, nothing else. It is written before anything
// is deleted and outlives everything else of the user: while the user's Firebase tokens stay valid
// (up to an hour), it is what tells the API and the worker that the account is gone, so nothing
// brings the account back (a profile created on sight) or starts new work. Keyed by a hash so the
// one item left behind does not spell the user id.
import { createHash } from 'node:crypto';
import { isConditionalCheckFailed, type DocumentStore } from './documentStore.js';
import { deletedUserKey, singletonKey } from './keys.js';

export interface AccountDeletion {
  /** When the user asked (ISO-8601), as first recorded; a repeated request keeps it. */
  requestedAt: string;
  /** When every step of the deletion was done; absent while it runs. */
  completedAt?: string;
}

type TombstoneItem = {
  PK: string;
  SK: string;
  Entity: 'DELETEDUSER';
  RequestedAt: string;
  CompletedAt?: string;
};

const keyOf = (userId: string) =>
  singletonKey(deletedUserKey(createHash('sha256').update(userId).digest('hex')));

const toRecord = (i: TombstoneItem): AccountDeletion => ({
  requestedAt: i.RequestedAt,
  ...(i.CompletedAt ? { completedAt: i.CompletedAt } : {}),
});

export class DeletedUserRepository {
  constructor(
    private readonly db: DocumentStore,
    private readonly tableName: string,
  ) {}

  /** The account's deletion, if one was requested (a consistent read: it gates writes). */
  async get(userId: string): Promise<AccountDeletion | undefined> {
    const out = await this.db.get({ TableName: this.tableName, Key: keyOf(userId), ConsistentRead: true });
    return out.Item ? toRecord(out.Item as TombstoneItem) : undefined;
  }

  /**
   * Records the request (a conditional put, so racing requests agree on one `requestedAt`) and
   * returns the deletion as stored: a repeated request gets the first one back.
   */
  async request(userId: string, requestedAt: string): Promise<AccountDeletion> {
    const item: TombstoneItem = { ...keyOf(userId), Entity: 'DELETEDUSER', RequestedAt: requestedAt };
    try {
      await this.db.put({
        TableName: this.tableName,
        Item: item,
        ConditionExpression: 'attribute_not_exists(PK)',
      });
      return toRecord(item);
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      const existing = await this.get(userId);
      if (!existing) throw error;
      return existing;
    }
  }

  /** Marks the deletion done; the first completion time is kept when a redelivery finishes again. */
  async complete(userId: string, completedAt: string): Promise<void> {
    try {
      await this.db.update({
        TableName: this.tableName,
        Key: keyOf(userId),
        UpdateExpression: 'SET CompletedAt = if_not_exists(CompletedAt, :at)',
        ConditionExpression: 'attribute_exists(PK)',
        ExpressionAttributeValues: { ':at': completedAt },
      });
    } catch (error) {
      // Never requested: nothing to mark (the caller checked the tombstone first).
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }
}
