// Sync confidence (spec §3b): a counter of consecutive empty destination reads per user and
// destination provider, `sync:confidence:{userId}:{destProvider}`, 7 days. At the threshold the
// destination fetch is skipped (the ledger still prevents our own duplicates). Data at the
// destination, or a push conflict, resets it. Redis trouble means "not confident": fetch.
import type { Redis } from '../cache/redis.js';
import { syncConfidenceKey } from '../cache/redisKeys.js';
import type { Logger } from '../logging/logger.js';

const TTL_SECONDS = 7 * 24 * 3600;
const keyOf = syncConfidenceKey;

export class SyncConfidence {
  private readonly threshold: () => number;

  /** `threshold`: a number, or a getter read at each job (the dynamic configuration's tunable). */
  constructor(
    private readonly redis: Redis,
    threshold: number | (() => number),
    private readonly logger: Logger,
  ) {
    this.threshold = typeof threshold === 'number' ? () => threshold : threshold;
  }

  async skipDestinationFetch(userId: string, destinationProvider: string): Promise<boolean> {
    const threshold = this.threshold();
    if (threshold <= 0) return false;
    try {
      const value = Number(await this.redis.get(keyOf(userId, destinationProvider)));
      return Number.isFinite(value) && value >= threshold;
    } catch (error) {
      this.logger.debug({ err: error }, 'sync confidence unavailable; fetching the destination');
      return false;
    }
  }

  async recordDestinationRead(userId: string, destinationProvider: string, empty: boolean): Promise<void> {
    const key = keyOf(userId, destinationProvider);
    try {
      if (empty) await this.redis.multi().incr(key).expire(key, TTL_SECONDS).exec();
      else await this.redis.del(key);
    } catch (error) {
      this.logger.debug({ err: error }, 'sync confidence not updated');
    }
  }

  reset(userId: string, destinationProvider: string): Promise<void> {
    return this.recordDestinationRead(userId, destinationProvider, false);
  }
}
