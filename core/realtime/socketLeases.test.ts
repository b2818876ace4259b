import { expect } from 'chai';
import { createRedis, waitForRedis, type Redis } from '../cache/redis.js';
import { socketLeasesKey } from '../cache/redisKeys.js';
import { ManualClock } from '../clock/clock.js';
import { createLogger } from '../logging/logger.js';
import { startRedis, type RedisHandle } from '../../infra/local/redis.js';
import { leaseMsFor, MIN_LEASE_MS, SocketLeases, SocketLeasesUnavailableError } from './socketLeases.js';

const logger = createLogger({ level: 'silent', service: 'test' });
const T0 = 1_700_000_000_000;
const LEASE_MS = 90_000;

describe('core/realtime: SocketLeases on a real redis-server', function () {
  this.timeout(20_000);
  let server: RedisHandle;
  let redis: Redis;
  let clock: ManualClock;
  /** Two API processes: their own leases object on their own connection, one clock (the test's). */
  let a: SocketLeases;
  let b: SocketLeases;
  let redisB: Redis;

  const connect = async () => {
    const r = createRedis(server.url, logger, 'socket-leases-test');
    expect(await waitForRedis(r, 5000)).to.equal(true);
    return r;
  };
  const leasesOn = (r: Redis) => new SocketLeases({ redis: r, leaseMs: LEASE_MS, now: () => clock.now() });
  const held = async (userId: string) =>
    Object.fromEntries(
      (await redis.zrange(socketLeasesKey(userId), 0, -1, 'WITHSCORES')).flatMap((v, i, all) =>
        i % 2 === 0 ? [[v, Number(all[i + 1])]] : [],
      ),
    );

  before(async () => {
    server = await startRedis();
    [redis, redisB] = await Promise.all([connect(), connect()]);
  });

  after(async () => {
    redis?.disconnect();
    redisB?.disconnect();
    await server?.stop();
  });

  beforeEach(async () => {
    await redis.flushall();
    clock = new ManualClock(T0);
    a = leasesOn(redis);
    b = leasesOn(redisB);
  });

  it('lasts three heartbeats, never under ten seconds', () => {
    expect(leaseMsFor(30_000)).to.equal(90_000);
    expect(leaseMsFor(100)).to.equal(MIN_LEASE_MS);
  });

  it('keys one sorted set per user: connection id → lease expiry, the key expiring with its last lease', async () => {
    expect(socketLeasesKey('u1')).to.equal('ws:conns:u1');
    expect(await a.reserve('u1', 'c1', 3)).to.equal(true);
    expect(await held('u1')).to.deep.equal({ c1: T0 + LEASE_MS });
    const ttl = await redis.pttl(socketLeasesKey('u1'));
    expect(ttl).to.be.within(LEASE_MS - 5000, LEASE_MS);
  });

  it('refuses the slot past the limit whichever process holds the others, and frees it on release', async () => {
    expect(await a.reserve('u1', 'c1', 3)).to.equal(true);
    expect(await b.reserve('u1', 'c2', 3)).to.equal(true);
    expect(await a.reserve('u1', 'c3', 3)).to.equal(true);
    expect(await b.reserve('u1', 'c4', 3)).to.equal(false);
    expect(await a.reserve('u1', 'c5', 3)).to.equal(false);
    // Another user has slots of their own.
    expect(await b.reserve('u2', 'd1', 3)).to.equal(true);
    // Released in one process, the slot is free in the other.
    expect(await a.release('u1', 'c2')).to.equal(true);
    expect(await b.reserve('u1', 'c4', 3)).to.equal(true);
    expect(Object.keys(await held('u1'))).to.have.members(['c1', 'c3', 'c4']);
    // The last release removes the key.
    for (const id of ['c1', 'c3', 'c4']) await a.release('u1', id);
    expect(await redis.exists(socketLeasesKey('u1'))).to.equal(0);
  });

  it('takes no more than the limit when many processes reserve at once', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).reserve('u1', `c${i}`, 5)),
    );
    expect(results.filter(Boolean)).to.have.length(5);
    expect(await redis.zcard(socketLeasesKey('u1'))).to.equal(5);
  });

  it("stops counting a dead process's leases when they run out, not before", async () => {
    // Process B reserves and dies: it never renews nor releases.
    expect(await b.reserve('u1', 'dead-1', 2)).to.equal(true);
    expect(await a.reserve('u1', 'live-1', 2)).to.equal(true);
    clock.advance(LEASE_MS / 2);
    await a.renew([['u1', ['live-1']]]);
    clock.advance(LEASE_MS / 2 - 1);
    expect(await a.reserve('u1', 'live-2', 2)).to.equal(false);
    // At its expiry the dead lease is gone; A's renewed one still counts.
    clock.advance(1);
    expect(await a.reserve('u1', 'live-2', 2)).to.equal(true);
    expect(await a.reserve('u1', 'live-3', 2)).to.equal(false);
    expect(await held('u1')).to.deep.equal({
      'live-1': T0 + LEASE_MS / 2 + LEASE_MS,
      'live-2': T0 + 2 * LEASE_MS,
    });
  });

  it('renews only the leases it is given, extends the key, and adds back a lease Redis lost', async () => {
    expect(await a.reserve('u1', 'c1', 3)).to.equal(true);
    expect(await b.reserve('u1', 'c2', 3)).to.equal(true);
    clock.advance(60_000);
    expect(await a.renew([['u1', ['c1']]])).to.equal(0);
    expect(await held('u1')).to.deep.equal({ c1: T0 + 60_000 + LEASE_MS, c2: T0 + LEASE_MS });
    // Redis lost everything (flushed, failed over): the sockets still open count again.
    await redis.flushall();
    expect(
      await a.renew([
        ['u1', ['c1']],
        ['u2', ['d1', 'd2']],
        ['u3', []],
      ]),
    ).to.equal(3);
    expect(await held('u1')).to.deep.equal({ c1: T0 + 60_000 + LEASE_MS });
    expect(await held('u2')).to.deep.equal({ d1: T0 + 60_000 + LEASE_MS, d2: T0 + 60_000 + LEASE_MS });
    expect(await redis.pttl(socketLeasesKey('u2'))).to.be.within(LEASE_MS - 5000, LEASE_MS);
    expect(await redis.exists(socketLeasesKey('u3'))).to.equal(0);
  });

  it('keeps the longer time to live of a process with a longer lease', async () => {
    const long = new SocketLeases({ redis, leaseMs: 10 * LEASE_MS, now: () => clock.now() });
    expect(await long.reserve('u1', 'c1', 3)).to.equal(true);
    expect(await a.reserve('u1', 'c2', 3)).to.equal(true);
    await a.renew([['u1', ['c2']]]);
    expect(await redis.pttl(socketLeasesKey('u1'))).to.be.greaterThan(9 * LEASE_MS);
  });

  it('fails with SocketLeasesUnavailableError when Redis cannot answer; release never throws', async () => {
    const down = createRedis('redis://127.0.0.1:1', logger, 'socket-leases-down');
    try {
      const leases = leasesOn(down);
      const error = await leases.reserve('u1', 'c1', 3).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(SocketLeasesUnavailableError);
      expect(await leases.release('u1', 'c1')).to.equal(false);
      const renewal = await leases.renew([['u1', ['c1']]]).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(renewal).to.be.instanceOf(SocketLeasesUnavailableError);
    } finally {
      down.disconnect();
    }
  });

  it('fails within its timeout when Redis does not answer at all (a half-open connection)', async () => {
    const hanging = {
      evalsha: () => new Promise(() => undefined),
      zrem: () => new Promise(() => undefined),
    } as unknown as Redis;
    const leases = new SocketLeases({
      redis: hanging,
      leaseMs: LEASE_MS,
      now: () => clock.now(),
      timeoutMs: 50,
    });
    const error = await leases.reserve('u1', 'c1', 3).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(SocketLeasesUnavailableError);
  });
});
