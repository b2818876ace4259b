// The re-authentication side of CONN items (seed §3c, C-007). `ReAuthStatus` is the sparse
// ReAuthStatusIndex key, present only while the user has to act, so "absent" is C-007's `ok`:
//   ok ──(a refresh fails for good, or the credentials are gone: ConnectionRepository.markNeedsReauth)──▶
//   pending_user_action ──(not reconnected within REAUTH_FAILED_AFTER_DAYS: markFailed)──▶ failed
// and a reconnect (OAuth activation) brings any of them back to ok. `ReAuthSince` starts the
// episode (one reconnect notification each), `ReAuthNotifiedAt` says it was dealt with.
import { connectionFromItem, type ConnectionItem, type ConnectionRecord } from './connectionRepository.js';
import { isConditionalCheckFailed, type DocumentStore, type Item } from './documentStore.js';
import { connectionSk, INDEX, userPk } from './keys.js';

/** A connection that needs the user, with where its episode stands. */
export interface ReAuthCandidate extends ConnectionRecord {
  reAuthNotifiedAt?: string;
}

export interface ReAuthPage {
  connections: ReAuthCandidate[];
  next?: Item;
}

type ReAuthItem = ConnectionItem & { ReAuthNotifiedAt?: string };

const toCandidate = (item: Item): ReAuthCandidate => {
  const i = item as ReAuthItem;
  return {
    ...connectionFromItem(i),
    ...(i.ReAuthNotifiedAt ? { reAuthNotifiedAt: i.ReAuthNotifiedAt } : {}),
  };
};

const page = (out: { Items: Item[]; LastEvaluatedKey?: Item }): ReAuthPage => ({
  connections: out.Items.map(toCandidate),
  ...(out.LastEvaluatedKey ? { next: out.LastEvaluatedKey } : {}),
});

export class ReAuthRepository {
  constructor(
    private readonly db: DocumentStore,
    private readonly tableName: string,
  ) {}

  /**
   * One page of the connections waiting for their user (ReAuthStatus `pending_user_action`), by the
   * index: those not dealt with yet, and those whose episode began at or before `expiredSince`.
   */
  async pendingPage(expiredSince: string, start?: Item, limit = 100): Promise<ReAuthPage> {
    return page(
      await this.db.query({
        TableName: this.tableName,
        IndexName: INDEX.reAuth,
        KeyConditionExpression: 'ReAuthStatus = :pending',
        FilterExpression:
          'attribute_not_exists(ReAuthNotifiedAt) OR attribute_not_exists(ReAuthSince) OR ReAuthSince <= :expired',
        ExpressionAttributeValues: { ':pending': 'pending_user_action', ':expired': expiredSince },
        Limit: limit,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
  }

  /** One page of the connections in one episode state, by the index (the operator console). */
  async listByState(
    state: 'pending_user_action' | 'failed',
    limit: number,
    start?: Item,
  ): Promise<ReAuthPage> {
    return page(
      await this.db.query({
        TableName: this.tableName,
        IndexName: INDEX.reAuth,
        KeyConditionExpression: 'ReAuthStatus = :state',
        ExpressionAttributeValues: { ':state': state },
        Limit: limit,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
  }

  /**
   * One page of the fallback Scan: `limit` items of the table read (the throttle), of which the
   * connections whose Status is `needs_reauth` are returned, whatever their ReAuthStatus says.
   */
  async scanPage(limit: number, start?: Item): Promise<ReAuthPage> {
    return page(
      await this.db.scan({
        TableName: this.tableName,
        FilterExpression: 'Entity = :conn AND #s = :needs',
        ExpressionAttributeNames: { '#s': 'Status' },
        ExpressionAttributeValues: { ':conn': 'CONN', ':needs': 'needs_reauth' },
        Limit: limit,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
  }

  /**
   * A `needs_reauth` connection missing from the index (no ReAuthStatus: written by an older path,
   * or by hand) joins it: `pending_user_action` since it last changed. Undefined when it changed
   * meanwhile (reconnected, deleted, or repaired by another worker).
   */
  async repair(c: ReAuthCandidate): Promise<ReAuthCandidate | undefined> {
    return this.update(
      c,
      'SET ReAuthStatus = :pending, ReAuthSince = :since',
      'attribute_not_exists(ReAuthStatus)',
      { ':pending': 'pending_user_action', ':since': c.reAuthSince ?? c.updatedAt },
    );
  }

  /** The episode's reconnect notification was dealt with (sent, or nobody to send it to). */
  async markNotified(c: ReAuthCandidate, now: string): Promise<boolean> {
    return (
      (await this.update(c, 'SET ReAuthNotifiedAt = :now', this.sameEpisode(c), {
        ':now': now,
        ...this.episodeValues(c),
      })) !== undefined
    );
  }

  /** `pending_user_action` → `failed`: the user did not reconnect in time. */
  async markFailed(c: ReAuthCandidate, now: string): Promise<boolean> {
    return (
      (await this.update(c, 'SET ReAuthStatus = :failed, UpdatedAt = :now', this.sameEpisode(c), {
        ':failed': 'failed',
        ':now': now,
        ...this.episodeValues(c),
      })) !== undefined
    );
  }

  private sameEpisode(c: ReAuthCandidate): string {
    return c.reAuthSince === undefined
      ? 'ReAuthStatus = :pending AND attribute_not_exists(ReAuthSince)'
      : 'ReAuthStatus = :pending AND ReAuthSince = :since';
  }

  private episodeValues(c: ReAuthCandidate): Item {
    return {
      ':pending': 'pending_user_action',
      ...(c.reAuthSince === undefined ? {} : { ':since': c.reAuthSince }),
    };
  }

  /** A conditional update of a connection that still needs re-authorization. */
  private async update(
    c: ReAuthCandidate,
    expression: string,
    condition: string,
    values: Item,
  ): Promise<ReAuthCandidate | undefined> {
    try {
      const out = await this.db.update({
        TableName: this.tableName,
        Key: { PK: userPk(c.userId), SK: connectionSk(c.connectionId) },
        UpdateExpression: expression,
        ConditionExpression: `attribute_exists(PK) AND #s = :needs AND ${condition}`,
        ExpressionAttributeNames: { '#s': 'Status' },
        ExpressionAttributeValues: { ...values, ':needs': 'needs_reauth' },
        ReturnValues: 'ALL_NEW',
      });
      return out.Attributes ? toCandidate(out.Attributes) : undefined;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return undefined;
      throw error;
    }
  }
}
