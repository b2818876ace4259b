// Scheduler sharding (spec 3f, C-011): shard = murmur3(userId) % totalShards, stored on the
// profile as SyncTierShardId = `${tier}#${shard}` so each shard is one GSI partition.
import murmurhash from 'murmurhash';
import type { SubscriptionLevel } from './types.js';

export function shardOf(userId: string, totalShards: number): number {
  return murmurhash.v3(Buffer.from(userId, 'utf8')) % totalShards;
}

export function syncTierShardId(tier: SubscriptionLevel, userId: string, totalShards: number): string {
  return `${tier}#${shardOf(userId, totalShards)}`;
}
