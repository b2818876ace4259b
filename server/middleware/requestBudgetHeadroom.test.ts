// The request budget's local headroom against a real redis-server, on a fixed clock (no refill):
// while a user's bucket is more than half full, a process admits requests without a Redis round
// trip and pays for them later in one debit; near the end of a budget every answer is Redis's.
// The property: two processes sharing one user's budget admit at least everything the budget
// allows, overshoot it by at most their two debts, and leave the bucket exactly what they used.
import { expect } from 'chai';
import fc from 'fast-check';
import { createRedis, waitForRedis, type Redis } from '../../core/cache/redis.js';
import { requestBudgetKey } from '../../core/cache/redisKeys.js';
import type { AppError } from '../../core/errors/AppError.js';
import { createLogger } from '../../core/logging/logger.js';
import { DEFAULT_POLICIES } from '../../core/ratelimit/policies.js';
import { RedisRateLimiter } from '../../core/ratelimit/tokenBucket.js';
import { startRedis, type RedisHandle } from '../../infra/local/redis.js';
import { owedLimit, RequestBudget } from './rateLimit.js';

const logger = createLogger({ level: 'silent', service: 'test' });
const T0 = 1_700_000_000_000;
const USER = 'user-a';
const KEY = requestBudgetKey('http', USER);

/** A real limiter on the fixed clock, counting the script calls each kind makes. */
function countingLimiter(redis: Redis) {
  const limiter = new RedisRateLimiter(redis, DEFAULT_POLICIES, { now: () => T0 });
  const calls = { takeFrom: 0, debit: 0 };
  return {
    calls,
    takeFrom: (...a: Parameters<RedisRateLimiter['takeFrom']>) => {
      calls.takeFrom += 1;
      return limiter.takeFrom(...a);
    },
    debit: (...a: Parameters<RedisRateLimiter['debit']>) => {
      calls.debit += 1;
      return limiter.debit(...a);
    },
  };
}

/** A budget whose payments happen only when the test flushes (no timer fires during a test). */
function budgetOf(limiter: ReturnType<typeof countingLimiter>, perMinute: number) {
  return new RequestBudget({ lane: 'http', limiter, perMinute: () => perMinute, logger, flushMs: 3_600_000 });
}

const admitted = (budget: RequestBudget) =>
  budget.take(USER, 'FREE').then(
    () => true,
    (error: unknown) => {
      expect((error as AppError).status).to.equal(429);
      return false;
    },
  );

describe('request budget headroom on a real redis-server', function () {
  this.timeout(60_000);
  let server: RedisHandle;
  let redis: Redis;

  before(async () => {
    server = await startRedis();
    redis = createRedis(server.url, logger, 'headroom-test');
    expect(await waitForRedis(redis, 5000)).to.equal(true);
  });
  after(async () => {
    redis?.disconnect();
    await server?.stop();
  });
  beforeEach(() => redis.flushall());

  const tokens = async () => Number(await redis.hget(KEY, 'tokens'));

  it('admits a user with a full bucket locally, up to 2 % of the budget per payment, and pays in one call', async () => {
    const limiter = countingLimiter(redis);
    const budget = budgetOf(limiter, 600);
    for (let i = 0; i < 13; i++) expect(await admitted(budget)).to.equal(true);
    // The first request reads the bucket (599 left); the next 12 (2 % of 600) are owed.
    expect(limiter.calls).to.deep.equal({ takeFrom: 1, debit: 0 });
    expect(await tokens()).to.equal(599);
    // The 14th finds the debt at its limit: the debt is paid, then Redis answers.
    expect(await admitted(budget)).to.equal(true);
    expect(limiter.calls).to.deep.equal({ takeFrom: 2, debit: 1 });
    expect(await tokens()).to.equal(586);
    expect(await admitted(budget)).to.equal(true);
    await budget.close();
    expect(limiter.calls).to.deep.equal({ takeFrom: 2, debit: 2 });
    expect(await tokens()).to.equal(585);
  });

  it('asks Redis for every request of a budget under 50 a minute, or of a bucket at most half full', async () => {
    const limiter = countingLimiter(redis);
    const small = budgetOf(limiter, 49);
    for (let i = 0; i < 5; i++) await admitted(small);
    expect(limiter.calls.takeFrom).to.equal(5);

    await redis.flushall();
    limiter.calls.takeFrom = 0;
    await limiter.takeFrom(KEY, 100, 100 / 60, 50); // another process used half of it
    limiter.calls.takeFrom = 0;
    const budget = budgetOf(limiter, 100);
    const outcomes: boolean[] = [];
    for (let i = 0; i < 52; i++) outcomes.push(await admitted(budget));
    expect(outcomes).to.deep.equal([...Array<boolean>(50).fill(true), false, false]);
    expect(limiter.calls).to.deep.equal({ takeFrom: 52, debit: 0 });
    expect(await tokens()).to.equal(0);
  });

  it('stops admitting locally once a payment shows the bucket drained by another process', async () => {
    const ofA = countingLimiter(redis);
    const a = budgetOf(ofA, 100);
    const b = budgetOf(countingLimiter(redis), 100);
    expect(await admitted(a)).to.equal(true); // a reads 99 left
    for (let i = 0; i < 99; i++) expect(await admitted(b)).to.equal(true); // b spends the rest
    // a still believes in 99: it admits its 2 % on that reading, no more.
    const early = [await admitted(a), await admitted(a)];
    expect(early).to.deep.equal([true, true]);
    // Its payment reads the bucket again: empty, so the next request asks Redis and is refused.
    await a.flush();
    expect(ofA.calls.debit).to.equal(1);
    expect(await admitted(a)).to.equal(false);
    expect(await admitted(a)).to.equal(false);
    expect(await tokens()).to.equal(0);
    expect(owedLimit(100)).to.equal(2);
  });

  it('drops the debts it cannot pay while Redis is away, logs the loss once, and lets the per-process bucket answer', async () => {
    const own = await startRedis();
    const client = createRedis(own.url, logger, 'headroom-gone');
    const lines: string[] = [];
    const watched = createLogger({
      level: 'info',
      service: 'test',
      destination: { write: (line: string) => void lines.push(line) },
    });
    try {
      expect(await waitForRedis(client, 5000)).to.equal(true);
      const limiter = new RedisRateLimiter(client, DEFAULT_POLICIES, { now: () => T0, timeoutMs: 100 });
      const budget = new RequestBudget({
        lane: 'http',
        limiter,
        perMinute: () => 50,
        logger: watched,
        flushMs: 3_600_000,
      });
      // The first reads the bucket (49 left), the second is owed (2 % of 50 is 1).
      for (let i = 0; i < 2; i++) expect(await admitted(budget)).to.equal(true);
      await own.stop();
      await budget.flush(); // never throws: the debt is dropped with the reading
      // With no reading left every request asks Redis, which is gone: the per-process bucket of
      // 50 answers, so exactly 50 more get through, and the loss is logged once.
      const outcomes: boolean[] = [];
      for (let i = 0; i < 51; i++) outcomes.push(await admitted(budget));
      expect(outcomes).to.deep.equal([...Array<boolean>(50).fill(true), false]);
      expect(lines.filter((l) => l.includes('per-process budget'))).to.have.length(1);
    } finally {
      client.disconnect();
      await own.stop();
    }
  });

  it('two processes: at least min(requests, budget) admitted, at most the budget plus both debts, the bucket left exact', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(50, 100, 250),
        // Rounds of concurrent requests, each from process 0 or 1, sometimes followed by a payment.
        fc.array(
          fc.record({
            from: fc.array(fc.integer({ min: 0, max: 1 }), { minLength: 1, maxLength: 8 }),
            pay: fc.boolean(),
          }),
          {
            minLength: 1,
            maxLength: 60,
          },
        ),
        async (perMinute, rounds) => {
          await redis.flushall();
          const limiter = countingLimiter(redis);
          const processes = [budgetOf(limiter, perMinute), budgetOf(limiter, perMinute)];
          let requests = 0;
          let count = 0;
          for (const round of rounds) {
            requests += round.from.length;
            const outcomes = await Promise.all(round.from.map((p) => admitted(processes[p]!)));
            count += outcomes.filter(Boolean).length;
            if (round.pay) await Promise.all(processes.map((p) => p.flush()));
          }
          await Promise.all(processes.map((p) => p.close()));
          expect(count).to.be.at.least(Math.min(requests, perMinute));
          expect(count).to.be.at.most(perMinute + 2 * owedLimit(perMinute));
          expect(await tokens()).to.equal(Math.max(0, perMinute - count));
        },
      ),
      { numRuns: 60 },
    );
  });
});
