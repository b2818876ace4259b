// NOTIFIED#{notificationId} items in the user's partition: a visible notification that was sent (or
// is being sent), so a retried cause (a redelivered event, a re-run job) never notifies twice. A
// marker expires (`ExpiresAt`, checked on read; `ttl` lets DynamoDB remove it in AWS), after which
// the same id may be sent again. Markers go with the user's partition when the account is deleted.
import { isConditionalCheckFailed, type DocumentStore } from './documentStore.js';
import { notifiedSk, userPk } from './keys.js';

/** A claimed marker: what `release` needs to remove exactly this claim and no later one. */
export interface NotificationClaim {
  userId: string;
  notificationId: string;
  claimedAt: string;
}

export class NotificationMarkerRepository {
  constructor(
    private readonly db: DocumentStore,
    private readonly tableName: string,
  ) {}

  /**
   * Takes the marker for `notificationId` (a conditional put): the claim for the first caller, or
   * undefined while an earlier, unexpired claim holds it.
   */
  async claim(
    userId: string,
    notificationId: string,
    kind: string,
    now: Date,
    lifetimeSeconds: number,
  ): Promise<NotificationClaim | undefined> {
    const claimedAt = now.toISOString();
    const expires = now.getTime() + lifetimeSeconds * 1000;
    try {
      await this.db.put({
        TableName: this.tableName,
        Item: {
          PK: userPk(userId),
          SK: notifiedSk(notificationId),
          Entity: 'NOTIFIED',
          Kind: kind,
          ClaimedAt: claimedAt,
          ExpiresAt: new Date(expires).toISOString(),
          ttl: Math.ceil(expires / 1000),
        },
        ConditionExpression: 'attribute_not_exists(PK) OR ExpiresAt <= :now',
        ExpressionAttributeValues: { ':now': claimedAt },
      });
      return { userId, notificationId, claimedAt };
    } catch (error) {
      if (isConditionalCheckFailed(error)) return undefined;
      throw error;
    }
  }

  /** Gives a claim back (nothing reached a device); a later claim of the same id is left alone. */
  async release(claim: NotificationClaim): Promise<void> {
    try {
      await this.db.delete({
        TableName: this.tableName,
        Key: { PK: userPk(claim.userId), SK: notifiedSk(claim.notificationId) },
        ConditionExpression: 'ClaimedAt = :at',
        ExpressionAttributeValues: { ':at': claim.claimedAt },
      });
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }
}
