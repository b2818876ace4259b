// Per-user request budget of one API process (a token bucket: API_RATE_LIMIT_PER_MINUTE tokens,
// refilled continuously). It protects the backend from one runaway client; fleet-wide throttling
// belongs to the edge (API Gateway / WAF) in AWS. 0 disables it.
import type { NextFunction, Request, Response } from 'express';
import { LRUCache } from 'lru-cache';
import { AppError } from '../../core/errors/AppError.js';
import { clock } from '../../core/clock/clock.js';

interface Bucket {
  tokens: number;
  updatedAt: number;
}

export function rateLimitPerUser(perMinute: number) {
  const buckets = new LRUCache<string, Bucket>({ max: 100_000, ttl: 10 * 60_000 });
  const perMs = perMinute / 60_000;
  return (_req: Request, res: Response, next: NextFunction) => {
    const userId = res.locals.ctx.auth?.userId;
    if (perMinute <= 0 || !userId) return next();
    const now = clock.now();
    const bucket = buckets.get(userId) ?? { tokens: perMinute, updatedAt: now };
    bucket.tokens = Math.min(perMinute, bucket.tokens + (now - bucket.updatedAt) * perMs);
    bucket.updatedAt = now;
    buckets.set(userId, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return next();
    }
    const retryAfterSeconds = Math.max(1, Math.ceil((1 - bucket.tokens) / perMs / 1000));
    next(
      new AppError(429, 'rate_limited', {
        params: { retryAfterSeconds },
        headers: { 'Retry-After': String(retryAfterSeconds) },
      }),
    );
  };
}
