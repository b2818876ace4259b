// A deletion accepted by one process reaches the others' cached account status at once: the
// deleting process invalidates the user's cached config, and every process that hears it over Redis
// pub/sub reads the tombstone again (instead of trusting "not deleted" for AUTH_CACHE_TTL_MS).
import { expect } from 'chai';
import { AccountStatus } from '../../core/account/accountStatus.js';
import { startUserConfigCache } from '../../core/cache/userConfigCache.js';
import { clock } from '../../core/clock/clock.js';
import { createLogger } from '../../core/logging/logger.js';
import { DeletedUserRepository } from '../../core/store/deletedUserRepository.js';
import { createDocumentStore } from '../../core/store/dynamoClient.js';
import { getHarness } from './hooks.js';

describe('account status across processes', () => {
  it('drops a cached "not deleted" as soon as another process accepts the deletion', async () => {
    const h = getHarness();
    const db = createDocumentStore(h.config);
    const deletedUsers = new DeletedUserRepository(db, h.config.TABLE_NAME);
    const logger = createLogger({ level: 'silent', service: 'test' });
    // Two processes' worth: each its own config cache (and Redis subscriber) and account status.
    const start = (name: string) =>
      startUserConfigCache({
        config: h.config,
        logger,
        connections: h.connections,
        syncConfigs: h.syncConfigs,
        name,
      });
    const here = await start('status-here');
    const there = await start('status-there');
    try {
      const status = new AccountStatus(deletedUsers, { ttlMs: 10 * 60_000 });
      status.followInvalidations(here.userConfig);
      const userId = h.newUserId('status');
      expect(await status.isDeleted(userId)).to.equal(false);

      // What DELETE /v1/users/me does in the other process.
      await deletedUsers.request(userId, clock.date().toISOString());
      expect(await status.isDeleted(userId), 'still cached before any invalidation').to.equal(false);
      await there.userConfig.invalidate(userId);

      const deadline = clock.now() + 5000;
      while (!(await status.isDeleted(userId)) && clock.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      expect(await status.deletionOf(userId)).to.have.property('requestedAt');
    } finally {
      for (const p of [here, there]) {
        p.redis.disconnect();
        p.subscriber.disconnect();
      }
      db.destroy();
    }
  });
});
