// The request budget's degraded mode against a real Redis client whose server is not there (a free
// port nothing listens on): every take falls back to the process's own bucket of the same size,
// which still refuses with 429 once spent, and the loss is logged once, not per request.
import { expect } from 'chai';
import { createRedis } from '../../core/cache/redis.js';
import type { AppError } from '../../core/errors/AppError.js';
import { createLogger } from '../../core/logging/logger.js';
import { DEFAULT_POLICIES } from '../../core/ratelimit/policies.js';
import { RedisRateLimiter } from '../../core/ratelimit/tokenBucket.js';
import { freePort } from '../../infra/local/freePort.js';
import { RequestBudget } from './rateLimit.js';

describe('request budget without Redis', () => {
  it('falls back to a per-process bucket of the same size, logging the loss once', async () => {
    const lines: string[] = [];
    const logger = createLogger({
      level: 'info',
      service: 'test',
      destination: { write: (line: string) => void lines.push(line) },
    });
    const redis = createRedis(
      `redis://127.0.0.1:${await freePort()}`,
      createLogger({ level: 'silent', service: 'test' }),
      'gone',
    );
    try {
      const budget = new RequestBudget({
        lane: 'http',
        limiter: new RedisRateLimiter(redis, DEFAULT_POLICIES, { timeoutMs: 100 }),
        perMinute: (tier) => (tier === 'PRO' ? 5 : 3),
        logger,
      });
      const outcomes: Array<number | 'ok'> = [];
      for (let i = 0; i < 4; i++)
        outcomes.push(
          await budget.take('user-a', 'FREE').then(
            () => 'ok' as const,
            (error: unknown) => (error as AppError).status,
          ),
        );
      expect(outcomes).to.deep.equal(['ok', 'ok', 'ok', 429]);
      await budget.take('user-b', 'PRO');
      const warnings = lines.filter((l) => l.includes('per-process budget'));
      expect(warnings).to.have.length(1);
    } finally {
      redis.disconnect();
    }
  });
});
