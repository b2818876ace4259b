// The Redis token bucket as the provider HTTP layer sees it: a token before every request (or a
// ProviderRateLimitedError that defers the job), the provider's own rate-limit headers folded back
// into the buckets, and a provider 429 blocking the bucket for its Retry-After.
import type { CloudProvider, SyncPriority } from '../domain/types.js';
import type { Logger } from '../logging/logger.js';
import type { RedisRateLimiter } from '../ratelimit/tokenBucket.js';
import type { RateLimitObservation } from '../ratelimit/types.js';
import { ProviderRateLimitedError } from '../providers/errors.js';
import type { RequestBudget } from '../providers/providerHttp.js';
import { rateLimitDeferrals, rateLimitWait } from '../observability/metrics.js';

export type RateLimitParser = (headers: Headers) => RateLimitObservation | undefined;

const DEFAULT_PENALTY_SECONDS = 60;
/** Provider-reported usage (share of a window's limit) from which the buckets follow the provider. */
const OBSERVE_FROM_USAGE = 0.5;

export function createRequestBudget(options: {
  limiter: RedisRateLimiter;
  provider: CloudProvider;
  providerUserId: string;
  priority: SyncPriority;
  parse: RateLimitParser;
  logger: Logger;
}): RequestBudget {
  const { limiter, provider, providerUserId, priority, parse, logger } = options;
  return {
    async acquire() {
      const taken = await limiter.take({ provider, providerUserId, priority });
      if (!taken.allowed) {
        rateLimitDeferrals.inc({ provider, priority });
        rateLimitWait.observe({ provider }, taken.retryAfterMs / 1000);
        throw new ProviderRateLimitedError(
          provider,
          Math.ceil(taken.retryAfterMs / 1000),
          `SyncWell's ${provider} budget is exhausted for ${priority}-priority jobs`,
        );
      }
    },
    async observe(status, headers) {
      try {
        const observation = parse(headers);
        // Our bucket already counts our own requests; the provider's count only matters once it
        // shows real pressure (other clients of the same app, drift): skip the Redis call otherwise.
        if (observation?.windows.some((w) => w.limit > 0 && w.used / w.limit >= OBSERVE_FROM_USAGE))
          await limiter.observe(provider, providerUserId, observation);
        if (status === 429) {
          const retryAfter = Number(headers.get('retry-after'));
          await limiter.penalize(
            provider,
            providerUserId,
            Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : DEFAULT_PENALTY_SECONDS,
          );
        }
      } catch (error) {
        // Bookkeeping only: the response itself is still good.
        logger.warn({ err: error, provider }, 'rate-limit observation not recorded');
      }
    },
  };
}
