// PROFILE items: subscription level, settings (optimistic locking on `version`) and the
// scheduler's GSI attributes (SyncTierShardId + NextSyncTimestamp).
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { syncTierShardId } from '../domain/shard.js';
import type { SubscriptionLevel, UserSettings } from '../domain/types.js';
import { isConditionalCheckFailed, type DocumentClient } from './dynamoClient.js';
import { VersionConflictError } from './errors.js';
import { PROFILE_SK, userPk } from './keys.js';
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

interface ProfileItem {
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
}

// Settings the contract has. Profiles written before a setting left the contract may still hold it
// (`notificationsEnabled` until notifications exist); it is dropped on read, never answered.
// The compiler checks this list against the contract's UserSettings, both ways.
const SETTING_KEYS: Record<keyof UserSettings, true> = {
  conflictResolutionStrategy: true,
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

export const DEFAULT_SETTINGS = {
  conflictResolutionStrategy: 'newest_wins',
  unitSystem: 'metric',
} satisfies UserSettings;

export class ProfileRepository {
  constructor(
    private readonly db: DocumentClient,
    private readonly tableName: string,
    private readonly schedulerShards: number,
  ) {}

  async get(userId: string): Promise<UserProfile | undefined> {
    const out = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { PK: userPk(userId), SK: PROFILE_SK },
        ConsistentRead: true,
      }),
    );
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
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      );
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
      const out = await this.db.send(
        new UpdateCommand({
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
        }),
      );
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
      const out = await this.db.send(
        new UpdateCommand({
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
        }),
      );
      return toProfile(out.Attributes as ProfileItem);
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      const current = await this.get(userId);
      throw new VersionConflictError(expectedVersion, current?.version);
    }
  }
}
