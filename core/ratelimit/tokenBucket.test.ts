import { expect } from 'chai';
import { createRedis, waitForRedis, type Redis } from '../cache/redis.js';
import { createLogger } from '../logging/logger.js';
import { startRedis, type RedisHandle } from '../../infra/local/redis.js';
import {
  bucket,
  DEFAULT_POLICIES,
  loadPolicies,
  RateLimitPolicyError,
  type RateLimitPolicies,
} from './policies.js';
import { bucketKey, RateLimiterUnavailableError, RedisRateLimiter } from './tokenBucket.js';

const logger = createLogger({ level: 'silent', service: 'test' });
const T0 = 1_700_000_000_000;

// Small buckets refilling 1 token per second, so the arithmetic is easy to follow.
const policies: RateLimitPolicies = {
  ...DEFAULT_POLICIES,
  strava: [bucket('app', 50, 50)],
  fitbit: [bucket('user', 10, 10)],
  google_fit: [bucket('app', 10, 10), bucket('user', 5, 5)],
};

async function connect(url: string): Promise<Redis> {
  const redis = createRedis(url, logger, 'ratelimit-test');
  expect(await waitForRedis(redis, 5000)).to.equal(true);
  return redis;
}

async function expectUnavailable(promise: Promise<unknown>) {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).to.be.instanceOf(RateLimiterUnavailableError);
}

describe('core/ratelimit: RedisRateLimiter on a real redis-server', function () {
  this.timeout(20000);
  let server: RedisHandle;
  let redis: Redis;
  let clock: number;
  let limiter: RedisRateLimiter;

  before(async () => {
    server = await startRedis();
    redis = await connect(server.url);
  });

  after(async () => {
    redis?.disconnect();
    await server?.stop();
  });

  beforeEach(async () => {
    await redis.flushall();
    clock = T0;
    limiter = new RedisRateLimiter(redis, policies, { now: () => clock });
  });

  const take = (providerUserId: string, priority: 'high' | 'medium' | 'low' = 'high', cost?: number) =>
    limiter.take({ provider: 'fitbit', providerUserId, priority, ...(cost === undefined ? {} : { cost }) });
  const tokensOf = async (key: string) => Number(await redis.hget(key, 'tokens'));
  const fitbitKey = (user: string) => bucketKey('fitbit', policies.fitbit[0]!, user);

  it('uses the spec key layout ratelimit##{provider}##app|user##...##{window}', () => {
    expect(bucketKey('strava', bucket('app', 200, 900), 'u1')).to.equal('ratelimit##strava##app##900');
    expect(bucketKey('fitbit', bucket('user', 150, 3600), 'ABC12')).to.equal(
      'ratelimit##fitbit##user##ABC12##3600',
    );
  });

  it('reads a policies getter at each take: a raised limit applies to the next request', async () => {
    let current: RateLimitPolicies = { ...policies, fitbit: [bucket('user', 2, 60)] };
    const live = new RedisRateLimiter(redis, () => current, { now: () => clock });
    const takeLive = () => live.take({ provider: 'fitbit', providerUserId: 'u9', priority: 'high' });
    expect(await takeLive()).to.deep.equal({ allowed: true });
    expect(await takeLive()).to.deep.equal({ allowed: true });
    expect((await takeLive()).allowed).to.equal(false);
    // An operator raises the quota (a new window, so a new bucket): allowed at once, no restart.
    current = { ...policies, fitbit: [bucket('user', 100, 3600)] };
    expect(await takeLive()).to.deep.equal({ allowed: true });
  });

  it('starts full, drains, then refills over time up to capacity', async () => {
    for (let i = 0; i < 10; i++) expect(await take('u1')).to.deep.equal({ allowed: true });
    expect(await take('u1')).to.deep.equal({ allowed: false, retryAfterMs: 1000 });
    clock += 500;
    expect(await take('u1')).to.deep.equal({ allowed: false, retryAfterMs: 500 });
    clock += 500;
    expect(await take('u1')).to.deep.equal({ allowed: true });
    clock += 100_000; // far more than a full refill: capped at capacity
    let allowed = 0;
    for (let i = 0; i < 15; i++) if ((await take('u1')).allowed) allowed++;
    expect(allowed).to.equal(10);
    const hash = await redis.hgetall(fitbitKey('u1'));
    expect(Number(hash.tokens)).to.equal(0);
    expect(Number(hash.ts)).to.equal(clock);
  });

  it('keeps users apart in user buckets', async () => {
    for (let i = 0; i < 10; i++) await take('u1');
    expect((await take('u1')).allowed).to.equal(false);
    expect((await take('u2')).allowed).to.equal(true);
  });

  it('is all-or-nothing across the app and user buckets', async () => {
    const g = (user: string) =>
      limiter.take({ provider: 'google_fit', providerUserId: user, priority: 'high' });
    const appKey = bucketKey('google_fit', policies.google_fit[0]!, '');
    const userKey = (u: string) => bucketKey('google_fit', policies.google_fit[1]!, u);

    for (let i = 0; i < 5; i++) expect((await g('a')).allowed).to.equal(true);
    // a's user bucket is empty: refused, and the app bucket keeps its 5 tokens.
    expect(await g('a')).to.deep.equal({ allowed: false, retryAfterMs: 1000 });
    expect(await tokensOf(appKey)).to.equal(5);

    for (let i = 0; i < 5; i++) expect((await g('b')).allowed).to.equal(true);
    expect(await tokensOf(appKey)).to.equal(0);
    // c has a full user bucket, but the app bucket is empty: refused, and c's bucket is untouched.
    expect(await g('c')).to.deep.equal({ allowed: false, retryAfterMs: 1000 });
    expect(await redis.exists(userKey('c'))).to.equal(0);
  });

  it('keeps a reserve per priority: low stops at 50 %, medium at 20 %, high goes down to 0', async () => {
    const count = async (priority: 'high' | 'medium' | 'low') => {
      let n = 0;
      while ((await take('u1', priority)).allowed) n++;
      return n;
    };
    expect(await count('low')).to.equal(5); // 10 → 5
    expect(await count('medium')).to.equal(3); // 5 → 2
    expect(await count('high')).to.equal(2); // 2 → 0
    expect(await tokensOf(fitbitKey('u1'))).to.equal(0);
  });

  it('lets high priority through while low priority waits when the budget is low', async () => {
    for (let i = 0; i < 6; i++) await take('u1', 'high'); // 4 tokens left (< 50 %)
    expect(await take('u1', 'low')).to.deep.equal({ allowed: false, retryAfterMs: 2000 });
    expect(await take('u1', 'medium')).to.deep.equal({ allowed: true });
    expect(await take('u1', 'high')).to.deep.equal({ allowed: true });
  });

  it('computes retryAfterMs as the time until the worst bucket has enough for this priority and cost', async () => {
    for (let i = 0; i < 10; i++) await take('u1');
    // empty: low needs 5 reserve + 1 → 6 s; medium 2 + 1 → 3 s; high 1 → 1 s; high cost 4 → 4 s.
    expect(await take('u1', 'low')).to.deep.equal({ allowed: false, retryAfterMs: 6000 });
    expect(await take('u1', 'medium')).to.deep.equal({ allowed: false, retryAfterMs: 3000 });
    expect(await take('u1', 'high')).to.deep.equal({ allowed: false, retryAfterMs: 1000 });
    expect(await take('u1', 'high', 4)).to.deep.equal({ allowed: false, retryAfterMs: 4000 });
    clock += 5999;
    expect(await take('u1', 'low')).to.deep.equal({ allowed: false, retryAfterMs: 1 });
    clock += 1;
    expect(await take('u1', 'low')).to.deep.equal({ allowed: true });

    // Across buckets the slowest one decides.
    const appKey = bucketKey('google_fit', policies.google_fit[0]!, '');
    const userKey = bucketKey('google_fit', policies.google_fit[1]!, 'a');
    const g = () => limiter.take({ provider: 'google_fit', providerUserId: 'a', priority: 'high', cost: 3 });
    await redis.hset(appKey, 'tokens', '0', 'ts', String(clock));
    await redis.hset(userKey, 'tokens', '1', 'ts', String(clock));
    expect(await g()).to.deep.equal({ allowed: false, retryAfterMs: 3000 }); // app: 3 s, user: 2 s
    await redis.hset(appKey, 'tokens', '2', 'ts', String(clock));
    await redis.hset(userKey, 'tokens', '0', 'ts', String(clock - 500));
    expect(await g()).to.deep.equal({ allowed: false, retryAfterMs: 2500 }); // app: 1 s, user: 2.5 s
  });

  it('takes a cost in one step and refuses a cost larger than a bucket', async () => {
    expect(await take('u1', 'high', 7)).to.deep.equal({ allowed: true });
    expect(await tokensOf(fitbitKey('u1'))).to.equal(3);
    expect(await take('u1', 'high', 4)).to.deep.equal({ allowed: false, retryAfterMs: 1000 });
    const err = await take('u1', 'high', 11).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(RangeError);
  });

  it('allows exactly the capacity under 200 parallel takes (frozen clock)', async () => {
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        limiter.take({ provider: 'strava', providerUserId: `u${i}`, priority: 'high' }),
      ),
    );
    expect(results.filter((r) => r.allowed)).to.have.length(50);
    expect(await tokensOf('ratelimit##strava##app##50')).to.equal(0);
  });

  it('allows exactly the capacity under 200 parallel takes with the Redis clock', async () => {
    // 50 per day: the refill during the test is far below one token.
    const redisClock = new RedisRateLimiter(redis, { ...policies, strava: [bucket('app', 50, 86_400)] });
    const results = await Promise.all(
      Array.from({ length: 200 }, () =>
        redisClock.take({ provider: 'strava', providerUserId: 'x', priority: 'high' }),
      ),
    );
    expect(results.filter((r) => r.allowed)).to.have.length(50);
    const denied = results.find((r) => !r.allowed);
    // One token per 1,728 s.
    expect(denied).to.have.property('retryAfterMs').within(1_700_000, 1_728_000);
    const [seconds] = await redis.time();
    const ts = Number(await redis.hget('ratelimit##strava##app##86400', 'ts'));
    expect(Math.abs(ts - Number(seconds) * 1000)).to.be.below(5000);
  });

  it('reloads its scripts after SCRIPT FLUSH (NOSCRIPT)', async () => {
    expect((await take('u1')).allowed).to.equal(true);
    await redis.script('FLUSH');
    expect((await take('u1')).allowed).to.equal(true);
    expect(await tokensOf(fitbitKey('u1'))).to.equal(8);
  });

  describe('observe', () => {
    it('lowers a bucket to the provider-reported share left, and never raises it', async () => {
      await limiter.observe('fitbit', 'u1', {
        windows: [{ scope: 'user', limit: 150, used: 75, windowSeconds: 3600 }],
      });
      expect(await tokensOf(fitbitKey('u1'))).to.equal(5);
      await limiter.observe('fitbit', 'u1', {
        windows: [{ scope: 'user', limit: 150, used: 0, windowSeconds: 3600 }],
      });
      expect(await tokensOf(fitbitKey('u1'))).to.equal(5);
      await limiter.observe('fitbit', 'u1', {
        windows: [{ scope: 'user', limit: 150, used: 135, windowSeconds: 3600 }],
      });
      expect(await tokensOf(fitbitKey('u1'))).to.equal(1);
    });

    it('blocks a used-up window until resetAt', async () => {
      await limiter.observe('fitbit', 'u1', {
        windows: [{ scope: 'user', limit: 150, used: 150, windowSeconds: 3600, resetAt: T0 + 30_000 }],
      });
      const hash = await redis.hgetall(fitbitKey('u1'));
      expect(Number(hash.tokens)).to.equal(0);
      expect(Number(hash.blockedUntil)).to.equal(T0 + 30_000);
      expect(await take('u1')).to.deep.equal({ allowed: false, retryAfterMs: 30_000 });
      clock += 29_999;
      expect((await take('u1')).allowed).to.equal(false);
      clock += 1;
      expect((await take('u1')).allowed).to.equal(true);
      expect(await redis.hexists(fitbitKey('u1'), 'blockedUntil')).to.equal(0);
    });

    it('empties a used-up window without resetAt (it then refills at its normal rate)', async () => {
      await limiter.observe('fitbit', 'u1', {
        windows: [{ scope: 'user', limit: 150, used: 160, windowSeconds: 3600 }],
      });
      expect(await take('u1')).to.deep.equal({ allowed: false, retryAfterMs: 1000 });
    });

    it('maps each window to the bucket of the same scope with the nearest window, ignoring other scopes', async () => {
      const strava = new RedisRateLimiter(redis, DEFAULT_POLICIES, { now: () => clock });
      await strava.observe('strava', 'athlete-1', {
        windows: [
          { scope: 'app', limit: 600, used: 300, windowSeconds: 900 },
          { scope: 'app', limit: 30_000, used: 27_000, windowSeconds: 86_400 },
          { scope: 'user', limit: 10, used: 10, windowSeconds: 60 },
        ],
      });
      expect(await tokensOf('ratelimit##strava##app##900')).to.equal(100);
      expect(await tokensOf('ratelimit##strava##app##86400')).to.equal(200);
      expect(await redis.keys('ratelimit##strava##user*')).to.deep.equal([]);
      // A 1-hour observation on a policy with 60 s and 86,400 s app buckets goes to the 60 s one.
      const nearest = new RedisRateLimiter(
        redis,
        { ...policies, garmin: [bucket('app', 100, 60), bucket('app', 1000, 86_400)] },
        { now: () => clock },
      );
      await nearest.observe('garmin', 'g', {
        windows: [{ scope: 'app', limit: 10, used: 9, windowSeconds: 3600 }],
      });
      expect(await tokensOf('ratelimit##garmin##app##60')).to.equal(10);
      expect(await redis.exists('ratelimit##garmin##app##86400')).to.equal(0);
    });
  });

  describe('penalize', () => {
    it('blocks the user bucket until Retry-After, without emptying it, and leaves other users alone', async () => {
      await limiter.penalize('fitbit', 'u1', 30);
      expect(await take('u1')).to.deep.equal({ allowed: false, retryAfterMs: 30_000 });
      expect((await take('u2')).allowed).to.equal(true);
      expect(await tokensOf(fitbitKey('u1'))).to.equal(10);
      clock += 30_000;
      expect((await take('u1')).allowed).to.equal(true);
    });

    it('blocks the app buckets of a provider counted per application (Strava) for everyone', async () => {
      await limiter.penalize('strava', 'athlete-1', 15);
      const r = await limiter.take({ provider: 'strava', providerUserId: 'athlete-2', priority: 'high' });
      expect(r).to.deep.equal({ allowed: false, retryAfterMs: 15_000 });
    });

    it('blocks only the user bucket when the provider has one, the app buckets too when asked', async () => {
      const g = (user: string) =>
        limiter.take({ provider: 'google_fit', providerUserId: user, priority: 'high' });
      await limiter.penalize('google_fit', 'a', 10);
      expect((await g('a')).allowed).to.equal(false);
      expect((await g('b')).allowed).to.equal(true);
      await limiter.penalize('google_fit', 'a', 20, { scope: 'app' });
      expect(await g('b')).to.deep.equal({ allowed: false, retryAfterMs: 20_000 });
    });

    it('never shortens an existing block', async () => {
      await limiter.penalize('fitbit', 'u1', 60);
      await limiter.penalize('fitbit', 'u1', 5);
      expect(await take('u1')).to.deep.equal({ allowed: false, retryAfterMs: 60_000 });
    });
  });

  describe('named buckets (the request budget)', () => {
    it('says how many tokens an allowed takeFrom left, and nothing more when refused', async () => {
      expect(await limiter.takeFrom('budget##a', 3, 1)).to.deep.equal({ allowed: true, tokensLeft: 2 });
      expect(await limiter.takeFrom('budget##a', 3, 1, 2)).to.deep.equal({ allowed: true, tokensLeft: 0 });
      expect(await limiter.takeFrom('budget##a', 3, 1)).to.deep.equal({ allowed: false, retryAfterMs: 1000 });
      clock += 1500;
      // 1.5 tokens refilled: one taken, the half left is floored.
      expect(await limiter.takeFrom('budget##a', 3, 1)).to.deep.equal({ allowed: true, tokensLeft: 0 });
    });

    it('debits several buckets in one call, never below 0, refilled first, and returns what each has left', async () => {
      await limiter.takeFrom('budget##a', 100, 10); // 99 left
      clock += 100; // +1 refilled: 100 (the cap)
      const left = await limiter.debit([
        { key: 'budget##a', capacity: 100, refillPerSecond: 10, amount: 30 },
        { key: 'budget##b', capacity: 20, refillPerSecond: 1, amount: 25 },
        { key: 'budget##c', capacity: 50, refillPerSecond: 1, amount: 0 },
      ]);
      expect(left).to.deep.equal([70, 0, 50]);
      expect(await tokensOf('budget##b')).to.equal(0);
      // A debited bucket keeps its expiry rule: until it could have refilled fully.
      expect(await redis.pttl('budget##b')).to.be.within(59_000, 60_000);
      expect(await redis.pttl('budget##a')).to.be.within(59_000, 60_000);
      expect(await limiter.takeFrom('budget##b', 20, 1)).to.deep.equal({
        allowed: false,
        retryAfterMs: 1000,
      });
      expect(await limiter.debit([])).to.deep.equal([]);
    });

    it('refuses a debit it cannot express', async () => {
      let error: unknown;
      await limiter
        .debit([{ key: 'budget##a', capacity: 10, refillPerSecond: 1, amount: -1 }])
        .catch((e: unknown) => (error = e));
      expect(error).to.be.instanceOf(RangeError);
    });
  });

  describe('expiry', () => {
    it('expires an idle bucket after 60 s at least', async () => {
      await take('u1');
      const ttl = await redis.pttl(fitbitKey('u1'));
      expect(ttl).to.be.within(59_000, 60_000);
    });

    it('keeps a drained bucket until it could have refilled fully', async () => {
      const strava = new RedisRateLimiter(redis, DEFAULT_POLICIES, { now: () => clock });
      await strava.observe('strava', 'a', {
        windows: [{ scope: 'app', limit: 2000, used: 2000, windowSeconds: 86_400 }],
      });
      expect(await redis.pttl('ratelimit##strava##app##86400')).to.be.within(86_399_000, 86_400_000);
    });

    it('keeps a blocked bucket until its block ends', async () => {
      await limiter.penalize('fitbit', 'u1', 600);
      expect(await redis.pttl(fitbitKey('u1'))).to.be.within(599_000, 600_000);
    });
  });

  describe('when Redis is unavailable', () => {
    it('throws RateLimiterUnavailableError from take, observe and penalize (never allows)', async () => {
      const own = await startRedis();
      const client = await connect(own.url);
      try {
        const l = new RedisRateLimiter(client, policies);
        expect(
          (await l.take({ provider: 'fitbit', providerUserId: 'u', priority: 'high' })).allowed,
        ).to.equal(true);
        await own.stop();
        await expectUnavailable(l.take({ provider: 'fitbit', providerUserId: 'u', priority: 'high' }));
        await expectUnavailable(
          l.observe('fitbit', 'u', { windows: [{ scope: 'user', limit: 1, used: 1, windowSeconds: 1 }] }),
        );
        await expectUnavailable(l.penalize('fitbit', 'u', 1));
      } finally {
        client.disconnect();
        await own.stop();
      }
    });

    it('times out instead of hanging on a Redis that does not answer', async () => {
      const hanging = { evalsha: () => new Promise(() => undefined) } as unknown as Redis;
      const l = new RedisRateLimiter(hanging, policies, { timeoutMs: 50 });
      await expectUnavailable(l.take({ provider: 'fitbit', providerUserId: 'u', priority: 'high' }));
    });
  });
});

describe('core/ratelimit: policies', () => {
  it('derives buckets from the published limits', () => {
    const p = loadPolicies();
    expect(p.strava).to.deep.equal([
      { scope: 'app', capacity: 200, refillPerSecond: 200 / 900, windowSeconds: 900 },
      { scope: 'app', capacity: 2000, refillPerSecond: 2000 / 86_400, windowSeconds: 86_400 },
    ]);
    expect(p.fitbit).to.deep.equal([
      { scope: 'user', capacity: 150, refillPerSecond: 150 / 3600, windowSeconds: 3600 },
    ]);
    expect(p.garmin.length).to.be.greaterThan(0);
    expect(p.google_fit.map((b) => b.scope)).to.have.members(['app', 'user']);
    expect(loadPolicies('')).to.equal(DEFAULT_POLICIES);
  });

  it('merges RATE_LIMIT_OVERRIDES: a named provider gets exactly the listed buckets', () => {
    const p = loadPolicies(
      JSON.stringify({
        strava: [{ scope: 'app', capacity: 5, windowSeconds: 60 }],
        fitbit: [{ scope: 'user', capacity: 3, windowSeconds: 10, refillPerSecond: 1 }],
      }),
    );
    expect(p.strava).to.deep.equal([
      { scope: 'app', capacity: 5, windowSeconds: 60, refillPerSecond: 5 / 60 },
    ]);
    expect(p.fitbit).to.deep.equal([{ scope: 'user', capacity: 3, windowSeconds: 10, refillPerSecond: 1 }]);
    expect(p.garmin).to.equal(DEFAULT_POLICIES.garmin);
  });

  it('rejects bad JSON with a clear error', () => {
    expect(() => loadPolicies('{strava:')).to.throw(
      RateLimitPolicyError,
      /RATE_LIMIT_OVERRIDES is not valid JSON/,
    );
  });

  it('rejects invalid overrides, naming every problem', () => {
    const bad = (value: unknown) => () => loadPolicies(JSON.stringify(value));
    expect(bad({ strava: [{ scope: 'app', capacity: -1, windowSeconds: 60 }] })).to.throw(
      RateLimitPolicyError,
      /strava\.0\.capacity/,
    );
    expect(bad({ peloton: [] })).to.throw(RateLimitPolicyError, /peloton/);
    expect(bad({ fitbit: [] })).to.throw(RateLimitPolicyError, /fitbit/);
    expect(bad({ fitbit: [{ scope: 'team', capacity: 1, windowSeconds: 1 }] })).to.throw(/fitbit\.0\.scope/);
    expect(bad({ fitbit: [{ scope: 'user', capacity: 1, windowSeconds: 1, burst: 2 }] })).to.throw(/burst/);
    expect(
      bad({
        garmin: [
          { scope: 'app', capacity: 1, windowSeconds: 60 },
          { scope: 'app', capacity: 2, windowSeconds: 60 },
        ],
      }),
    ).to.throw(/duplicate bucket/);
    expect(bad([1])).to.throw(RateLimitPolicyError);
    const err = (() => {
      try {
        loadPolicies(JSON.stringify({ strava: [{ scope: 'x', capacity: 0, windowSeconds: 1.5 }] }));
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err?.message)
      .to.match(/scope/)
      .and.match(/capacity/)
      .and.match(/windowSeconds/);
  });
});
