// Deletes a user's Redis keys, for account deletion, by their exact names (core/cache/redisKeys.ts,
// the rate limiter's bucketKey): no SCAN of the keyspace. Keys named after a connection or a
// configuration (poll chains, coalescing windows, the provider user's rate-limit buckets) can only
// be named while the item that holds the id exists, so the deletion erases them before it removes
// the connection; keys named after the user alone go at the end. Redis is a cache here: every key
// also expires on its own, this makes it immediate.
import type { Redis } from '../cache/redis.js';
import {
  coalesceWindowKey,
  pollStateKey,
  requestBudgetKey,
  syncConfidenceKey,
  userConfigGenerationKey,
  userConfigKey,
} from '../cache/redisKeys.js';
import type { CloudProvider, Provider } from '../domain/types.js';
import { isCloudProvider, PROVIDER_PROFILES } from '../providers/profiles.js';
import type { RateLimitPolicies } from '../ratelimit/policies.js';
import { bucketKey } from '../ratelimit/tokenBucket.js';
import type { ConnectionRecord } from '../store/connectionRepository.js';

const PROVIDERS = Object.keys(PROVIDER_PROFILES) as Provider[];

/** The keys named after one connection and the configurations that use it. */
export function connectionKeys(
  connection: Pick<ConnectionRecord, 'connectionId' | 'provider' | 'providerUserId'>,
  configIds: readonly string[],
  policies: RateLimitPolicies,
): string[] {
  const keys = [pollStateKey(connection.connectionId), ...configIds.map(coalesceWindowKey)];
  if (isCloudProvider(connection.provider)) {
    const provider: CloudProvider = connection.provider;
    // The limiter's per-user buckets are keyed like this (core/sync/providerContexts.ts).
    const providerUserId = connection.providerUserId ?? connection.connectionId;
    for (const bucket of policies[provider])
      if (bucket.scope === 'user') keys.push(bucketKey(provider, bucket, providerUserId));
  }
  return keys;
}

/** The keys named after the user alone. */
export function userKeys(userId: string): string[] {
  return [
    userConfigKey(userId),
    userConfigGenerationKey(userId),
    ...PROVIDERS.map((provider) => syncConfidenceKey(userId, provider)),
    requestBudgetKey('http', userId),
    requestBudgetKey('ws', userId),
  ];
}

export class UserCacheEraser {
  private readonly policies: () => RateLimitPolicies;

  /** `policies`: fixed, or the getter of the policies in force (their user-scoped buckets' keys go). */
  constructor(
    private readonly redis: Redis,
    policies: RateLimitPolicies | (() => RateLimitPolicies),
  ) {
    this.policies = typeof policies === 'function' ? policies : () => policies;
  }

  /** Returns how many keys existed. */
  eraseConnection(
    connection: Pick<ConnectionRecord, 'connectionId' | 'provider' | 'providerUserId'>,
    configIds: readonly string[],
  ): Promise<number> {
    return this.redis.del(...connectionKeys(connection, configIds, this.policies()));
  }

  eraseUser(userId: string): Promise<number> {
    return this.redis.del(...userKeys(userId));
  }
}
