// PROFILE items: subscription level, settings (optimistic locking on `version`) and the
// scheduler's GSI attributes (SyncTierShardId + NextSyncTimestamp).
import { syncTierShardId } from '../domain/shard.js';
import type { SubscriptionLevel, UserSettings } from '../domain/types.js';
import { isConditionalCheckFailed, type DocumentStore } from './documentStore.js';
import { VersionConflictError } from './errors.js';
import { INDEX, PROFILE_SK, userIdOfPk, userPk } from './keys.js';
import { clock } from '../clock/clock.js';

export interface UserProfile {
  userId: string;
  email: string | null;
  subscriptionLevel: SubscriptionLevel;
  settings: UserSettings;
  version: number;
  createdAt: string;
  updatedAt: string;
}

type ProfileItem = {
  PK: string;
  SK: string;
  Entity: 'PROFILE';
  UserId: string;
  Email: string | null;
  SubscriptionLevel: SubscriptionLevel;
  Settings: UserSettings;
  version: number;
  CreatedAt: string;
  UpdatedAt: string;
  SyncTierShardId: string;
  NextSyncTimestamp: number;
};

// Settings the contract has. Profiles written before a setting left the contract may still hold it;
// it is dropped on read, never answered. The compiler checks this list against the contract's
// UserSettings, both ways.
const SETTING_KEYS: Record<keyof UserSettings, true> = {
  conflictResolutionStrategy: true,
  notificationsEnabled: true,
  timezone: true,
  unitSystem: true,
  locale: true,
};

function knownSettings(stored: Record<string, unknown>): UserSettings {
  return Object.fromEntries(
    Object.entries(stored).filter(([key]) => Object.hasOwn(SETTING_KEYS, key)),
  ) as UserSettings;
}

const toProfile = (i: ProfileItem): UserProfile => ({
  userId: i.UserId,
  email: i.Email ?? null,
  subscriptionLevel: i.SubscriptionLevel,
  settings: knownSettings(i.Settings ?? {}),
  version: i.version,
  createdAt: i.CreatedAt,
  updatedAt: i.UpdatedAt,
});

/** A user the scheduler found due, with the due time it read (the next write is conditional on it). */
export interface DueUser {
  userId: string;
  nextSyncTimestamp: number;
}

export const DEFAULT_SETTINGS = {
  conflictResolutionStrategy: 'newest_wins',
  notificationsEnabled: true,
  unitSystem: 'metric',
} satisfies UserSettings;

/** Visible notifications are on unless the user turned them off (the contract's default). */
export const notificationsEnabled = (settings: UserSettings): boolean =>
  settings.notificationsEnabled !== false;

export class ProfileRepository {
  constructor(
    private readonly db: DocumentStore,
    private readonly tableName: string,
    private readonly schedulerShards: number,
  ) {}

  async get(userId: string): Promise<UserProfile | undefined> {
    const out = await this.db.get({
      TableName: this.tableName,
      Key: { PK: userPk(userId), SK: PROFILE_SK },
      ConsistentRead: true,
    });
    return out.Item ? toProfile(out.Item as ProfileItem) : undefined;
  }

  /**
   * Returns the profile, creating it on first sight of the user (a conditional put, so racing
   * creators agree). The tier follows the token's claim, which billing owns; the profile mirrors it
   * because the scheduler's shard key is derived from it.
   */
  async ensure(
    userId: string,
    init: { email: string | null; tier: SubscriptionLevel },
  ): Promise<UserProfile> {
    const existing = await this.get(userId);
    if (existing && existing.subscriptionLevel !== init.tier) return this.changeTier(existing, init.tier);
    if (existing) return existing;
    const now = clock.date();
    const item: ProfileItem = {
      PK: userPk(userId),
      SK: PROFILE_SK,
      Entity: 'PROFILE',
      UserId: userId,
      Email: init.email,
      SubscriptionLevel: init.tier,
      Settings: DEFAULT_SETTINGS,
      version: 1,
      CreatedAt: now.toISOString(),
      UpdatedAt: now.toISOString(),
      SyncTierShardId: syncTierShardId(init.tier, userId, this.schedulerShards),
      // Due immediately: the first scheduler tick after sign-up syncs the new user.
      NextSyncTimestamp: now.getTime(),
    };
    try {
      await this.db.put({
        TableName: this.tableName,
        Item: item,
        ConditionExpression: 'attribute_not_exists(PK)',
      });
      return toProfile(item);
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      const winner = await this.get(userId);
      if (!winner) throw error;
      return winner.subscriptionLevel === init.tier ? winner : this.changeTier(winner, init.tier);
    }
  }

  /**
   * A targeted update: it leaves the settings (and their version) alone. The user moves to the new
   * tier's scheduler shard and is due at once: the new tier's interval starts at the next tick, not
   * when the old tier's would have ended (a day away for FREE).
   */
  private async changeTier(profile: UserProfile, tier: SubscriptionLevel): Promise<UserProfile> {
    const now = clock.date();
    try {
      const out = await this.db.update({
        TableName: this.tableName,
        Key: { PK: userPk(profile.userId), SK: PROFILE_SK },
        UpdateExpression:
          'SET SubscriptionLevel = :tier, SyncTierShardId = :shard, NextSyncTimestamp = :due, UpdatedAt = :now',
        ConditionExpression: 'SubscriptionLevel = :old',
        ExpressionAttributeValues: {
          ':tier': tier,
          ':old': profile.subscriptionLevel,
          ':shard': syncTierShardId(tier, profile.userId, this.schedulerShards),
          ':due': now.getTime(),
          ':now': now.toISOString(),
        },
        ReturnValues: 'ALL_NEW',
      });
      return toProfile(out.Attributes as ProfileItem);
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      return (await this.get(profile.userId)) ?? profile;
    }
  }

  /** Replaces the settings if the stored version is still `expectedVersion`. */
  async updateSettings(
    userId: string,
    settings: UserSettings,
    expectedVersion: number,
  ): Promise<UserProfile> {
    try {
      const out = await this.db.update({
        TableName: this.tableName,
        Key: { PK: userPk(userId), SK: PROFILE_SK },
        UpdateExpression: 'SET Settings = :s, UpdatedAt = :now, version = version + :one',
        ConditionExpression: 'attribute_exists(PK) AND version = :expected',
        ExpressionAttributeValues: {
          ':s': settings,
          ':now': clock.date().toISOString(),
          ':one': 1,
          ':expected': expectedVersion,
        },
        ReturnValues: 'ALL_NEW',
      });
      return toProfile(out.Attributes as ProfileItem);
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      const current = await this.get(userId);
      throw new VersionConflictError(expectedVersion, current?.version);
    }
  }

  /** One page of the shard's users due at `now` (SchedulerIndex); `next` continues the listing. */
  async dueInShard(
    shardId: string,
    now: number,
    start?: Record<string, unknown>,
  ): Promise<{ users: DueUser[]; next?: Record<string, unknown> }> {
    const page = await this.db.query({
      TableName: this.tableName,
      IndexName: INDEX.scheduler,
      KeyConditionExpression: 'SyncTierShardId = :s AND NextSyncTimestamp <= :now',
      ExpressionAttributeValues: { ':s': shardId, ':now': now },
      ExclusiveStartKey: start,
      Limit: 200,
    });
    return {
      users: (page.Items as Pick<ProfileItem, 'PK' | 'NextSyncTimestamp'>[]).map((i) => ({
        userId: userIdOfPk(i.PK),
        nextSyncTimestamp: i.NextSyncTimestamp,
      })),
      ...(page.LastEvaluatedKey ? { next: page.LastEvaluatedKey } : {}),
    };
  }

  /**
   * Moves the user's next scheduled sync to `next`, only if it is still the `due` the scheduler
   * read (a tier change or another tick meanwhile wins). Returns whether it moved.
   */
  async advanceNextSync(user: DueUser, next: number): Promise<boolean> {
    try {
      await this.db.update({
        TableName: this.tableName,
        Key: { PK: userPk(user.userId), SK: PROFILE_SK },
        UpdateExpression: 'SET NextSyncTimestamp = :next',
        ConditionExpression: 'NextSyncTimestamp = :old',
        ExpressionAttributeValues: { ':next': next, ':old': user.nextSyncTimestamp },
      });
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }
}
