// Redis connections. Commands fail fast while disconnected (no offline queue), so callers fall
// back to DynamoDB instead of hanging: Redis is a cache here, never the source of truth.
import { Redis } from 'ioredis';
import type { Logger } from '../logging/logger.js';

export type { Redis };

export function createRedis(url: string, logger: Logger, name: string): Redis {
  const redis = new Redis(url, {
    connectionName: `syncwell-${name}`,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    retryStrategy: (times) => Math.min(times * 200, 5000),
  });
  let warned = false;
  redis.on('error', (error: Error) => {
    if (!warned) logger.warn({ err: error, name }, 'redis unavailable; running degraded (cache bypassed)');
    warned = true;
  });
  redis.on('ready', () => {
    if (warned) logger.info({ name }, 'redis reconnected');
    warned = false;
  });
  return redis;
}

/** Resolves once connected, or after `timeoutMs` (the process still starts, degraded). */
export function waitForRedis(redis: Redis, timeoutMs: number): Promise<boolean> {
  if (redis.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      resolve(false);
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      resolve(true);
    };
    redis.once('ready', onReady);
  });
}
