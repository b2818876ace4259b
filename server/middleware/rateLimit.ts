// Per-user request budgets (seed §10's tiering: PRO users get more), one token bucket per user in
// Redis shared by every API process of the fleet: API_RATE_LIMIT_PER_MINUTE tokens for FREE,
// API_RATE_LIMIT_PER_MINUTE_PRO for PRO, refilled continuously; 0 disables a tier's. The bucket is
// the provider limiter's (core/ratelimit/tokenBucket.ts: one atomic script, Redis's clock). It
// protects the backend from one runaway client; volumetric attacks belong to the edge (WAF). HTTP
// requests and WebSocket frames take from budgets of their own, as large as each other.
//
// Headroom: a Redis round trip per request cost about a third of a cached GET's CPU (bench:api,
// 2026-12-07: 534 µs per GET with it, 359 µs with the budget off). While a user's bucket, as the
// process last read it, is more than half full, the process admits that user's requests on its own
// and owes them to the bucket: up to 2 % of the budget (none for budgets under 50 a minute), paid in
// one script call for every user every FLUSH_MS, which also refreshes the reading. The fleet can
// then overshoot a budget by at most the processes' debts (each ≤ 2 %), and only when the bucket
// was at least half full; a user near the end of a budget gets an exact answer from Redis.
//
// When Redis does not answer (degraded mode), each process falls back to a bucket of its own of
// the same size: a user can then get up to that many per process, never an error for it.
import type { NextFunction, Request, Response } from 'express';
import { LRUCache } from 'lru-cache';
import { requestBudgetKey } from '../../core/cache/redisKeys.js';
import { clock } from '../../core/clock/clock.js';
import { AppError } from '../../core/errors/AppError.js';
import type { Logger } from '../../core/logging/logger.js';
import {
  RateLimiterUnavailableError,
  type Debit,
  type RedisRateLimiter,
} from '../../core/ratelimit/tokenBucket.js';
import type { SubscriptionLevel } from '../../core/domain/types.js';

interface Bucket {
  tokens: number;
  updatedAt: number;
}

const rateLimited = (retryAfterSeconds: number) =>
  new AppError(429, 'rate_limited', {
    params: { retryAfterSeconds },
    headers: { 'Retry-After': String(retryAfterSeconds) },
  });

/** The in-process fallback: the same token bucket, per process. */
export class LocalUserBudget {
  private readonly buckets = new LRUCache<string, Bucket>({ max: 100_000, ttl: 10 * 60_000 });

  /** Takes one of `perMinute` tokens; throws 429 rate_limited (with Retry-After) when none is left. */
  take(userId: string, perMinute: number): void {
    if (perMinute <= 0) return;
    const perMs = perMinute / 60_000;
    const now = clock.now();
    const bucket = this.buckets.get(userId) ?? { tokens: perMinute, updatedAt: now };
    bucket.tokens = Math.min(perMinute, bucket.tokens + (now - bucket.updatedAt) * perMs);
    bucket.updatedAt = now;
    this.buckets.set(userId, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return;
    }
    throw rateLimited(Math.max(1, Math.ceil((1 - bucket.tokens) / perMs / 1000)));
  }
}

export interface RequestBudgetOptions {
  lane: 'http' | 'ws';
  /** The fleet's buckets; without one (tests of a single process) only the local budget applies. */
  limiter?: Pick<RedisRateLimiter, 'takeFrom' | 'debit'>;
  /** Requests per minute for a tier, read at each request (the dynamic configuration's tunable). */
  perMinute: (tier: SubscriptionLevel) => number;
  logger: Logger;
  /** How often the requests admitted locally are paid to Redis (default FLUSH_MS). */
  flushMs?: number;
}

/** Debts are paid this often: a user's debt is at most 2 % of the budget, so this is rarely reached. */
export const FLUSH_MS = 100;

/** Requests one process may admit for a user before paying for them: 2 % of the budget. */
export function owedLimit(perMinute: number): number {
  return Math.floor(perMinute * 0.02);
}

/** A user's bucket as this process last read it, and the requests it admitted since. */
interface Reading {
  key: string;
  perMinute: number;
  /** Tokens left at the last take or payment (refills since are not counted: conservative). */
  tokens: number;
  /** Requests admitted locally and not yet paid. */
  owed: number;
}

export class RequestBudget {
  private readonly local = new LocalUserBudget();
  private readonly readings = new LRUCache<string, Reading>({ max: 100_000, ttl: 10 * 60_000 });
  private degraded = false;
  private timer: NodeJS.Timeout | undefined;
  /** The payment under way; one at a time, so debts are never paid twice. */
  private paying: Promise<void> | undefined;

  constructor(private readonly o: RequestBudgetOptions) {}

  /** Takes one request from the user's budget; throws 429 rate_limited when it is spent. */
  async take(userId: string, tier: SubscriptionLevel): Promise<void> {
    const perMinute = this.o.perMinute(tier);
    if (perMinute <= 0) return;
    if (!this.o.limiter) return this.local.take(userId, perMinute);
    const key = requestBudgetKey(this.o.lane, userId);
    const reading = this.readings.get(key);
    if (
      reading?.perMinute === perMinute &&
      reading.owed < owedLimit(perMinute) &&
      reading.tokens - reading.owed - 1 >= perMinute / 2
    ) {
      reading.owed += 1;
      this.schedulePayment();
      return;
    }
    let taken;
    try {
      // Debts first: the exact answer must count every request this process admitted.
      if (reading && reading.owed > 0) await this.flush();
      taken = await this.o.limiter.takeFrom(key, perMinute, perMinute / 60);
    } catch (error) {
      if (!(error instanceof RateLimiterUnavailableError)) throw error;
      this.noteDegraded(true, error);
      return this.local.take(userId, perMinute);
    }
    this.noteDegraded(false);
    if (!taken.allowed) {
      this.readings.delete(key);
      throw rateLimited(Math.max(1, Math.ceil(taken.retryAfterMs / 1000)));
    }
    const current = this.readings.get(key);
    // Requests admitted locally while this take was in flight stay owed.
    this.readings.set(key, { key, perMinute, tokens: taken.tokensLeft, owed: current?.owed ?? 0 });
  }

  /** Pays every debt now (also what `close` does); resolves when paid or given up on. */
  async flush(): Promise<void> {
    while (this.paying) await this.paying;
    clearTimeout(this.timer);
    this.timer = undefined;
    const debts: Array<{ reading: Reading; debit: Debit }> = [];
    for (const reading of this.readings.values())
      if (reading.owed > 0)
        debts.push({
          reading,
          debit: {
            key: reading.key,
            capacity: reading.perMinute,
            refillPerSecond: reading.perMinute / 60,
            amount: reading.owed,
          },
        });
    if (debts.length === 0 || !this.o.limiter) return;
    for (const { reading } of debts) reading.owed = 0;
    this.paying = this.pay(debts).finally(() => {
      this.paying = undefined;
    });
    await this.paying;
  }

  /** Stops the payment timer after paying what is owed. */
  async close(): Promise<void> {
    await this.flush();
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async pay(debts: Array<{ reading: Reading; debit: Debit }>): Promise<void> {
    let left: number[];
    try {
      left = await this.o.limiter!.debit(debts.map((d) => d.debit));
    } catch (error) {
      // Unpaid debts are at most 2 % of each budget: dropped with their readings, so each of
      // those users' next request asks Redis (or, while it is down, the per-process bucket).
      for (const { reading } of debts) this.readings.delete(reading.key);
      if (!(error instanceof RateLimiterUnavailableError)) throw error;
      this.noteDegraded(true, error);
      return;
    }
    this.noteDegraded(false);
    debts.forEach(({ reading }, i) => {
      // Requests admitted during the payment stay owed on top of the fresh reading.
      reading.tokens = left[i] ?? 0;
    });
  }

  private schedulePayment(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush().catch((error: unknown) =>
        this.o.logger.error({ err: error, lane: this.o.lane }, 'request budget: payment failed'),
      );
    }, this.o.flushMs ?? FLUSH_MS);
    this.timer.unref();
  }

  /** One log line when the fleet's budget is lost and one when it is back, not one per request. */
  private noteDegraded(degraded: boolean, error?: unknown): void {
    if (degraded === this.degraded) return;
    this.degraded = degraded;
    if (degraded)
      this.o.logger.warn(
        { err: error, lane: this.o.lane },
        'request budget: Redis unavailable, per-process budget',
      );
    else this.o.logger.info({ lane: this.o.lane }, 'request budget: fleet-wide again');
  }
}

export function rateLimitPerUser(budget: RequestBudget) {
  return (_req: Request, res: Response, next: NextFunction) => {
    const auth = res.locals.ctx.auth;
    if (!auth?.userId) return next();
    budget.take(auth.userId, auth.tier).then(() => next(), next);
  };
}
