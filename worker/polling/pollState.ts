// Per-connection polling state in Redis, `poll:{connectionId}` (a hash):
//   next  — `scheduledFor` of the connection's current poll chain. Every new schedule overwrites
//           it, so of two chains (a sync and a pre-flight check both scheduled one) only the
//           latest survives: the other is dropped at its next hop. A missing key accepts any
//           chain, so losing Redis data never stops polling; the next schedule writes it again.
//   seen  — when new data was last seen (the "sync velocity" input).
// Redis is a cache here, never the source of truth: losing the key costs at most one extra check.
import type { Redis } from '../../core/cache/redis.js';
import { pollStateKey } from '../../core/cache/redisKeys.js';

const key = pollStateKey;

export class PollState {
  constructor(
    private readonly redis: Redis,
    /** Keys outlive the longest wait, then expire with connections that stopped polling. */
    private readonly ttlSeconds: number,
  ) {}

  async lastNewDataAt(connectionId: string): Promise<Date | undefined> {
    const seen = await this.redis.hget(key(connectionId), 'seen');
    return seen ? new Date(seen) : undefined;
  }

  /** Records the new chain head (and new data, when seen) in one round trip. */
  async schedule(connectionId: string, scheduledFor: string, newDataAt?: Date): Promise<void> {
    const fields: Record<string, string> = { next: scheduledFor };
    if (newDataAt) fields.seen = newDataAt.toISOString();
    await this.redis
      .multi()
      .hset(key(connectionId), fields)
      .expire(key(connectionId), this.ttlSeconds)
      .exec();
  }

  /** `scheduledFor` of the current chain's check, if any. */
  next(connectionId: string): Promise<string | null> {
    return this.redis.hget(key(connectionId), 'next');
  }

  /** False when a newer chain replaced the one `scheduledFor` belongs to. */
  async isCurrent(connectionId: string, scheduledFor: string): Promise<boolean> {
    const next = await this.redis.hget(key(connectionId), 'next');
    return next === null || next === scheduledFor;
  }

  /** The connection stopped polling (gone, revoked, no enabled configuration). */
  async clear(connectionId: string): Promise<void> {
    await this.redis.del(key(connectionId));
  }
}
