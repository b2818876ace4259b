// Cache-aside for a user's connections and sync configurations (spec 3b: `config##{userId}`,
// 15 min). Two levels: an in-process LRU (L1, short TTL) and Redis (L2). Writers call
// invalidate(): it bumps a generation counter in Redis, deletes the entry and tells every API
// process over pub/sub to drop its L1 copy. A reader only stores what it loaded if the generation
// did not move while it was loading, so a slow reader cannot put back data older than a write.
import { LRUCache } from 'lru-cache';
import type { Logger } from '../logging/logger.js';
import type { ConnectionRecord, ConnectionRepository } from '../store/connectionRepository.js';
import type { SyncConfigRecord, SyncConfigRepository } from '../store/syncConfigRepository.js';
import type { Config } from '../config/config.js';
import { createRedis, waitForRedis, type Redis } from './redis.js';
import { userConfigGenerationKey, userConfigKey } from './redisKeys.js';

export interface UserConfigSnapshot {
  connections: ConnectionRecord[];
  syncConfigs: SyncConfigRecord[];
}

export const INVALIDATION_CHANNEL = 'syncwell:config-invalidated';
/** Published instead of a user id when every cached entry must go (e.g. after a table reset). */
export const INVALIDATE_ALL = '*';
const valueKey = userConfigKey;
const generationKey = userConfigGenerationKey;

// Store only if the generation is unchanged since the read that started the load.
const SET_IF_GENERATION = `
local current = redis.call('GET', KEYS[2]) or '0'
if current == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
  return 1
end
return 0`;

export interface UserConfigCacheOptions {
  redis: Redis;
  /** A second connection in subscriber mode; L1 is bypassed while it is not subscribed. */
  subscriber: Redis;
  connections: ConnectionRepository;
  syncConfigs: SyncConfigRepository;
  l1TtlMs: number;
  ttlSeconds: number;
  logger: Logger;
}

export class UserConfigCache {
  private readonly l1: LRUCache<string, UserConfigSnapshot>;
  /** Local generation per user, bumped on every invalidation this process hears of. */
  private readonly localGeneration = new Map<string, number>();
  private readonly loading = new Map<string, Promise<UserConfigSnapshot>>();
  private readonly invalidationListeners: ((userId: string) => void)[] = [];
  private subscribed = false;

  constructor(private readonly o: UserConfigCacheOptions) {
    this.l1 = new LRUCache({ max: 50_000, ttl: Math.max(o.l1TtlMs, 1) });
  }

  async start(): Promise<void> {
    this.o.subscriber.on('message', (_channel: string, userId: string) =>
      userId === INVALIDATE_ALL ? this.dropAllLocal() : this.dropLocal(userId),
    );
    // A lost subscription means missed invalidations: stop trusting L1 until we are back.
    this.o.subscriber.on('close', () => {
      this.subscribed = false;
      this.l1.clear();
      this.notify(INVALIDATE_ALL);
    });
    this.o.subscriber.on('ready', () => void this.subscribe());
    if (this.o.subscriber.status === 'ready') await this.subscribe();
  }

  private async subscribe(): Promise<void> {
    try {
      await this.o.subscriber.subscribe(INVALIDATION_CHANNEL);
      this.subscribed = true;
    } catch (error) {
      this.o.logger.warn({ err: error }, 'config cache: subscribe failed; L1 disabled');
    }
  }

  async get(userId: string): Promise<UserConfigSnapshot> {
    if (this.subscribed && this.o.l1TtlMs > 0) {
      const hit = this.l1.get(userId);
      if (hit) return hit;
    }
    const localGen = this.localGeneration.get(userId) ?? 0;
    const flightKey = `${userId}\u0000${localGen}`;
    let flight = this.loading.get(flightKey);
    if (!flight) {
      flight = this.load(userId, localGen).finally(() => this.loading.delete(flightKey));
      this.loading.set(flightKey, flight);
    }
    return flight;
  }

  async invalidate(userId: string): Promise<void> {
    this.dropLocal(userId);
    try {
      await this.o.redis.multi().incr(generationKey(userId)).del(valueKey(userId)).exec();
      await this.o.redis.publish(INVALIDATION_CHANNEL, userId);
    } catch (error) {
      // Redis down: nothing is served from it either, so nothing stale can be read from it.
      this.o.logger.warn({ err: error, userId }, 'config cache: invalidation not propagated');
    }
  }

  /**
   * `listener` hears each user id whose cached data this process drops (its own writes and, over
   * pub/sub, other processes'), and INVALIDATE_ALL when everything goes or invalidations may have
   * been missed: caches of other per-user facts (core/account/accountStatus.ts) follow the same
   * signal.
   */
  onInvalidate(listener: (userId: string) => void): void {
    this.invalidationListeners.push(listener);
  }

  private notify(userId: string): void {
    for (const listener of this.invalidationListeners) listener(userId);
  }

  private dropAllLocal(): void {
    this.notify(INVALIDATE_ALL);
    this.l1.clear();
    // Bumping every known generation keeps in-flight loads from storing what they read before.
    for (const [userId, gen] of this.localGeneration) this.localGeneration.set(userId, gen + 1);
  }

  private dropLocal(userId: string): void {
    this.notify(userId);
    this.l1.delete(userId);
    this.localGeneration.set(userId, (this.localGeneration.get(userId) ?? 0) + 1);
  }

  private async load(userId: string, localGen: number): Promise<UserConfigSnapshot> {
    let redisGen: string | undefined;
    try {
      const [cached, gen] = await this.o.redis.mget(valueKey(userId), generationKey(userId));
      redisGen = gen ?? '0';
      if (cached) {
        const snapshot = JSON.parse(cached) as UserConfigSnapshot;
        this.storeLocal(userId, localGen, snapshot);
        return snapshot;
      }
    } catch (error) {
      this.o.logger.debug({ err: error }, 'config cache: redis read failed');
    }
    const [connections, syncConfigs] = await Promise.all([
      this.o.connections.listByUser(userId),
      this.o.syncConfigs.listByUser(userId),
    ]);
    const snapshot: UserConfigSnapshot = { connections, syncConfigs };
    if (redisGen !== undefined) {
      try {
        await this.o.redis.eval(
          SET_IF_GENERATION,
          2,
          valueKey(userId),
          generationKey(userId),
          redisGen,
          JSON.stringify(snapshot),
          String(this.o.ttlSeconds),
        );
      } catch (error) {
        // Cache-aside: a failed cache write is logged and the data still returned (spec 3b).
        this.o.logger.warn({ err: error }, 'config cache: redis write failed');
      }
    }
    this.storeLocal(userId, localGen, snapshot);
    return snapshot;
  }

  private storeLocal(userId: string, localGen: number, snapshot: UserConfigSnapshot): void {
    if (this.subscribed && (this.localGeneration.get(userId) ?? 0) === localGen)
      this.l1.set(userId, snapshot);
  }
}

/**
 * A process's cache with its two Redis connections (commands, invalidation subscription), started.
 * Redis being down does not stop the process: it starts degraded after a few seconds.
 */
export async function startUserConfigCache(o: {
  config: Pick<Config, 'REDIS_URL' | 'USER_CACHE_L1_TTL_MS' | 'USER_CACHE_TTL_SECONDS'>;
  logger: Logger;
  connections: ConnectionRepository;
  syncConfigs: SyncConfigRepository;
  /** Names the connections in Redis's CLIENT LIST (`syncwell-<name>`). */
  name: string;
}): Promise<{ userConfig: UserConfigCache; redis: Redis; subscriber: Redis }> {
  const redis = createRedis(o.config.REDIS_URL, o.logger, o.name);
  const subscriber = createRedis(o.config.REDIS_URL, o.logger, `${o.name}-invalidation`);
  await Promise.all([waitForRedis(redis, 3000), waitForRedis(subscriber, 3000)]);
  const userConfig = new UserConfigCache({
    redis,
    subscriber,
    connections: o.connections,
    syncConfigs: o.syncConfigs,
    l1TtlMs: o.config.USER_CACHE_L1_TTL_MS,
    ttlSeconds: o.config.USER_CACHE_TTL_SECONDS,
    logger: o.logger,
  });
  await userConfig.start();
  return { userConfig, redis, subscriber };
}
