// Per-user request budgets (seed §10's tiering: PRO users get more), one token bucket per user in
// Redis shared by every API process of the fleet: API_RATE_LIMIT_PER_MINUTE tokens for FREE,
// API_RATE_LIMIT_PER_MINUTE_PRO for PRO, refilled continuously; 0 disables a tier's. The bucket is
// the provider limiter's (core/ratelimit/tokenBucket.ts: one atomic script, Redis's clock). It
// protects the backend from one runaway client; volumetric attacks belong to the edge (WAF). HTTP
// requests and WebSocket frames take from budgets of their own, as large as each other.
//
// When Redis does not answer (degraded mode), each process falls back to a bucket of its own of
// the same size: a user can then get up to that many per process, never an error for it.
import type { NextFunction, Request, Response } from 'express';
import { LRUCache } from 'lru-cache';
import { requestBudgetKey } from '../../core/cache/redisKeys.js';
import { clock } from '../../core/clock/clock.js';
import { AppError } from '../../core/errors/AppError.js';
import type { Logger } from '../../core/logging/logger.js';
import { RateLimiterUnavailableError, type RedisRateLimiter } from '../../core/ratelimit/tokenBucket.js';
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
  limiter?: Pick<RedisRateLimiter, 'takeFrom'>;
  /** Requests per minute for a tier, read at each request (the dynamic configuration's tunable). */
  perMinute: (tier: SubscriptionLevel) => number;
  logger: Logger;
}

export class RequestBudget {
  private readonly local = new LocalUserBudget();
  private degraded = false;

  constructor(private readonly o: RequestBudgetOptions) {}

  /** Takes one request from the user's budget; throws 429 rate_limited when it is spent. */
  async take(userId: string, tier: SubscriptionLevel): Promise<void> {
    const perMinute = this.o.perMinute(tier);
    if (perMinute <= 0) return;
    if (!this.o.limiter) return this.local.take(userId, perMinute);
    let taken;
    try {
      taken = await this.o.limiter.takeFrom(requestBudgetKey(this.o.lane, userId), perMinute, perMinute / 60);
    } catch (error) {
      if (!(error instanceof RateLimiterUnavailableError)) throw error;
      this.noteDegraded(true, error);
      return this.local.take(userId, perMinute);
    }
    this.noteDegraded(false);
    if (!taken.allowed) throw rateLimited(Math.max(1, Math.ceil(taken.retryAfterMs / 1000)));
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
