import { expect } from 'chai';
import { INVALIDATE_ALL } from '../cache/userConfigCache.js';
import type { AccountDeletion } from '../store/deletedUserRepository.js';
import { AccountStatus } from './accountStatus.js';

/** The tombstones as a repository would return them, counting the reads. */
function tombstones() {
  const stored = new Map<string, AccountDeletion>();
  const reads: string[] = [];
  return {
    stored,
    reads,
    get: async (userId: string) => {
      reads.push(userId);
      return stored.get(userId);
    },
  };
}

/** A source of invalidations like the user config cache. */
function invalidations() {
  const listeners: ((userId: string) => void)[] = [];
  return {
    onInvalidate: (listener: (userId: string) => void) => listeners.push(listener),
    fire: (userId: string) => listeners.forEach((l) => l(userId)),
  };
}

describe('AccountStatus', () => {
  it('reads a user’s tombstone once per period, however many requests ask (concurrent ones included)', async () => {
    const repo = tombstones();
    const status = new AccountStatus(repo, { ttlMs: 60_000 });
    const answers = await Promise.all([status.isDeleted('u1'), status.isDeleted('u1')]);
    expect(answers).to.deep.equal([false, false]);
    expect(await status.isDeleted('u1')).to.equal(false);
    expect(repo.reads).to.deep.equal(['u1']);
  });

  it('knows at once in the process that recorded the deletion', async () => {
    const repo = tombstones();
    const status = new AccountStatus(repo, { ttlMs: 60_000 });
    expect(await status.isDeleted('u1')).to.equal(false);
    status.remember('u1', { requestedAt: '2026-01-01T00:00:00.000Z' });
    expect(await status.deletionOf('u1')).to.deep.equal({ requestedAt: '2026-01-01T00:00:00.000Z' });
    expect(repo.reads).to.have.length(1);
  });

  it('reads again after an invalidation of the user (or of everyone) heard from another process', async () => {
    const repo = tombstones();
    const source = invalidations();
    const status = new AccountStatus(repo, { ttlMs: 60_000 });
    status.followInvalidations(source);
    expect(await status.isDeleted('u1')).to.equal(false);
    expect(await status.isDeleted('u2')).to.equal(false);
    repo.stored.set('u1', { requestedAt: '2026-01-01T00:00:00.000Z' });
    source.fire('u2');
    expect(await status.isDeleted('u1'), 'u1 still cached').to.equal(false);
    source.fire('u1');
    expect(await status.isDeleted('u1')).to.equal(true);
    source.fire(INVALIDATE_ALL);
    expect(await status.isDeleted('u2')).to.equal(false);
    expect(repo.reads).to.deep.equal(['u1', 'u2', 'u1', 'u2']);
  });

  it('passes a failed read on to the caller and caches nothing', async () => {
    let fail = true;
    const status = new AccountStatus(
      {
        get: async () => {
          if (fail) throw new Error('dynamodb down');
          return undefined;
        },
      },
      { ttlMs: 60_000 },
    );
    let thrown: unknown;
    await status.isDeleted('u1').catch((error: unknown) => (thrown = error));
    expect(thrown).to.be.instanceOf(Error);
    fail = false;
    expect(await status.isDeleted('u1')).to.equal(false);
  });

  it('answers a check whose read was overtaken by an invalidation with a fresh read, not an error', async () => {
    // A connection created by one request invalidates the user while another request's check is
    // still reading: the check must not fail (it used to reject with the cache's abort: a 503).
    const stored = new Map<string, AccountDeletion>();
    const pending: (() => void)[] = [];
    let reads = 0;
    const source = invalidations();
    const status = new AccountStatus(
      {
        get: (userId: string) => {
          reads += 1;
          return new Promise<AccountDeletion | undefined>((resolve) =>
            pending.push(() => resolve(stored.get(userId))),
          );
        },
      },
      { ttlMs: 60_000 },
    );
    status.followInvalidations(source);
    const check = status.isDeleted('u1');
    await Promise.resolve();
    stored.set('u1', { requestedAt: '2026-01-01T00:00:00.000Z' });
    source.fire('u1');
    // Release the first read (it saw no tombstone) and every read after it.
    while (reads > 0 && pending.length > 0) {
      pending.shift()?.();
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(await check, 'the read after the invalidation sees the tombstone').to.equal(true);
    expect(reads).to.equal(2);
  });
});
