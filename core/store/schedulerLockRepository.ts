// SCHEDLOCK#{tier}#{shard} items: the tiered scheduler's claim on one shard for one tick, so two
// workers never run the same shard in the same tick.
import { isConditionalCheckFailed, type DocumentStore } from './documentStore.js';
import { schedulerLockKey, singletonKey } from './keys.js';

export class SchedulerLockRepository {
  constructor(
    private readonly db: DocumentStore,
    private readonly tableName: string,
  ) {}

  /**
   * Claims `tick` (a count of scheduler intervals) for the shard (`PRO#5`): true for the first
   * caller, false when this tick or a later one was claimed already.
   */
  async claimTick(shardId: string, tick: number): Promise<boolean> {
    try {
      await this.db.put({
        TableName: this.tableName,
        Item: { ...singletonKey(schedulerLockKey(shardId)), Entity: 'SCHEDLOCK', Tick: tick },
        ConditionExpression: 'attribute_not_exists(PK) OR Tick < :tick',
        ExpressionAttributeValues: { ':tick': tick },
      });
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }
}
