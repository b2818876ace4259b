// Whether an account was deleted: asked by the API on every authenticated request and by the
// worker before every job, so it must not cost a read each time. The answer is the deletion
// tombstone (core/store/deletedUserRepository.ts), cached per process for AUTH_CACHE_TTL_MS (the
// spec's authorizer cache): one read per user and period. The process that accepts a deletion
// knows at once (`remember`); the others drop their copy when the user's cached data is invalidated
// (the user config cache's pub/sub, which the deletion fires), and when they may have missed
// invalidations (Redis gone) a copy lives at most the TTL, which the deletion waits out before
// it deletes anything (USER_DELETION_SETTLE_SECONDS).
import { LRUCache } from 'lru-cache';
import { INVALIDATE_ALL } from '../cache/userConfigCache.js';
import type { AccountDeletion, DeletedUserRepository } from '../store/deletedUserRepository.js';

type Status = { deleted: false } | { deleted: true; deletion: AccountDeletion };

const ACTIVE: Status = { deleted: false };

export class AccountStatus {
  private readonly cache: LRUCache<string, Status>;
  /** Told when a user's answer may have changed (see `onChange`). */
  private readonly listeners: Array<(userId: string) => void> = [];
  /** Abort reasons of reads an invalidation overtook (see fetchMethod). */
  private readonly overtaken = new WeakSet<object>();

  constructor(deletedUsers: Pick<DeletedUserRepository, 'get'>, options: { ttlMs: number; max?: number }) {
    this.cache = new LRUCache<string, Status>({
      max: options.max ?? 100_000,
      ttl: Math.max(options.ttlMs, 1),
      // Concurrent misses for one user share one read.
      fetchMethod: async (userId, _stale, { signal }) => {
        // An invalidation (or `remember`) during the read aborts it: its answer may predate the
        // tombstone. The cache rejects the waiting callers with the abort's reason; remember it so
        // they read again instead of failing.
        signal.addEventListener('abort', () => this.overtaken.add(signal.reason as object), { once: true });
        const deletion = await deletedUsers.get(userId);
        return deletion ? { deleted: true, deletion } : ACTIVE;
      },
    });
  }

  /** The account's deletion, when one was requested (whether or not it has finished). */
  async deletionOf(userId: string): Promise<AccountDeletion | undefined> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        const status = await this.cache.fetch(userId);
        return status?.deleted ? status.deletion : undefined;
      } catch (error) {
        // Three invalidations in a row during reads: something else is wrong, let it surface.
        if (attempt >= 3 || typeof error !== 'object' || error === null || !this.overtaken.has(error))
          throw error;
      }
    }
  }

  async isDeleted(userId: string): Promise<boolean> {
    return (await this.deletionOf(userId)) !== undefined;
  }

  /** This process recorded the deletion: every later check here knows it without a read. */
  remember(userId: string, deletion: AccountDeletion): void {
    this.cache.set(userId, { deleted: true, deletion });
    this.changed(userId);
  }

  /**
   * `listener` hears of every user whose answer may have changed here: a deletion this process
   * recorded, or a user dropped by an invalidation (INVALIDATE_ALL: every user). It asks
   * `isDeleted` again to know; the WebSocket lane closes a deleted user's sockets this way.
   */
  onChange(listener: (userId: string) => void): void {
    this.listeners.push(listener);
  }

  private changed(userId: string): void {
    for (const listener of this.listeners) listener(userId);
  }

  /** Follows `source`'s invalidations (the user config cache): a dropped user is read again. */
  followInvalidations(source: { onInvalidate(listener: (userId: string) => void): void }): void {
    source.onInvalidate((userId) => {
      if (userId === INVALIDATE_ALL) this.cache.clear();
      else this.cache.delete(userId);
      this.changed(userId);
    });
  }
}
