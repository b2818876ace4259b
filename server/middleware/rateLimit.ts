// Per-user request budget of one API process (a token bucket: API_RATE_LIMIT_PER_MINUTE tokens,
// refilled continuously). It protects the backend from one runaway client; fleet-wide throttling
// belongs to the edge (API Gateway / WAF) in AWS. 0 disables it. The WebSocket lane takes frames
// from a budget of its own (server/ws/).
import type { NextFunction, Request, Response } from 'express';
import { LRUCache } from 'lru-cache';
import { AppError } from '../../core/errors/AppError.js';
import { clock } from '../../core/clock/clock.js';

interface Bucket {
  tokens: number;
  updatedAt: number;
}

export class PerUserBudget {
  private readonly buckets = new LRUCache<string, Bucket>({ max: 100_000, ttl: 10 * 60_000 });
  private readonly perMinuteNow: () => number;

  /** `perMinute`: fixed, or a getter read at each request (the dynamic configuration's tunable). */
  constructor(perMinute: number | (() => number)) {
    this.perMinuteNow = typeof perMinute === 'number' ? () => perMinute : perMinute;
  }

  /** Takes one token; throws 429 rate_limited (with Retry-After) when the user has none left. */
  take(userId: string): void {
    const perMinute = this.perMinuteNow();
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
    const retryAfterSeconds = Math.max(1, Math.ceil((1 - bucket.tokens) / perMs / 1000));
    throw new AppError(429, 'rate_limited', {
      params: { retryAfterSeconds },
      headers: { 'Retry-After': String(retryAfterSeconds) },
    });
  }
}

export function rateLimitPerUser(perMinute: number | (() => number)) {
  const budget = new PerUserBudget(perMinute);
  return (_req: Request, res: Response, next: NextFunction) => {
    const userId = res.locals.ctx.auth?.userId;
    if (!userId) return next();
    try {
      budget.take(userId);
    } catch (error) {
      return next(error);
    }
    next();
  };
}
