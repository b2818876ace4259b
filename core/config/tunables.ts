// What operators tune without a deploy, as the code reads it: the dynamic configuration's value when
// the document in force has one, else the environment's (config.ts). Getters, read where the value is
// used (each job, each poll, each webhook, each request), so a new document applies at once without a
// restart. Values the code cannot change safely while running stay in the environment only: the
// scheduler's shard count (profiles are written to shards: changing it is a migration), queue URLs,
// the table, and the timeouts of clients built once at start-up.
import type { CloudProvider } from '../domain/types.js';
import { applyOverrides, loadPolicies, type RateLimitPolicies } from '../ratelimit/policies.js';
import type { Config } from './config.js';
import type { DynamicConfig, DynamicConfigDocument } from './dynamicConfig.js';

export type TunableConfig = Pick<
  Config,
  | 'SYNC_CONFIDENCE_THRESHOLD'
  | 'JOB_DEADLINE_SECONDS'
  | 'JOB_LOG_SAMPLE_RATE_PRO'
  | 'JOB_LOG_SAMPLE_RATE_FREE'
  | 'POLL_MIN_INTERVAL_SECONDS'
  | 'POLL_MAX_INTERVAL_SECONDS'
  | 'COALESCING_WINDOW_SECONDS'
  | 'API_RATE_LIMIT_PER_MINUTE'
  | 'API_RATE_LIMIT_PER_MINUTE_PRO'
  | 'RATE_LIMIT_OVERRIDES'
>;

export interface Tunables {
  /** Consecutive clean syncs before the destination's read is skipped (0: never skipped). */
  syncConfidenceThreshold(): number;
  /** A hot-path job's deadline (seed §6: no health data in flight longer). */
  jobDeadlineMs(): number;
  /** 1 successful job in this many keeps its log lines. */
  logSampleRate(tier: 'PRO' | 'FREE'): number;
  /** The adaptive poller's bounds. */
  pollIntervals(): { minSeconds: number; maxSeconds: number };
  /** Webhook events for one sync configuration within this window make one job. */
  coalescingWindowSeconds(): number;
  /** The API's per-user request budget per minute for a tier (0: off). */
  apiRateLimitPerMinute(tier: 'PRO' | 'FREE'): number;
  /** The token buckets per provider: published limits, RATE_LIMIT_OVERRIDES, then the document's `rateLimits`. */
  rateLimitPolicies(): RateLimitPolicies;
  /** A provider's buckets (the limiter's per-request read). */
  rateLimitPolicy(provider: CloudProvider): RateLimitPolicies[CloudProvider];
}

export function createTunables(config: TunableConfig, dynamic?: Pick<DynamicConfig, 'current'>): Tunables {
  const doc = (): Partial<DynamicConfigDocument> => dynamic?.current ?? {};
  // Parsed once: RATE_LIMIT_OVERRIDES is validated at start-up (it throws on a bad value).
  const environmentPolicies = loadPolicies(config.RATE_LIMIT_OVERRIDES);
  // The merge is redone only when the document changes (documents are replaced, never mutated).
  let mergedFor: DynamicConfigDocument['rateLimits'] | undefined;
  let merged = environmentPolicies;
  const rateLimitPolicies = () => {
    const overrides = doc().rateLimits;
    if (!overrides) return environmentPolicies;
    if (overrides !== mergedFor) {
      merged = applyOverrides(environmentPolicies, overrides);
      mergedFor = overrides;
    }
    return merged;
  };
  return {
    syncConfidenceThreshold: () => doc().syncConfidenceThreshold ?? config.SYNC_CONFIDENCE_THRESHOLD,
    jobDeadlineMs: () => (doc().jobDeadlineSeconds ?? config.JOB_DEADLINE_SECONDS) * 1000,
    logSampleRate: (tier) =>
      tier === 'PRO'
        ? (doc().logSampling?.pro ?? config.JOB_LOG_SAMPLE_RATE_PRO)
        : (doc().logSampling?.free ?? config.JOB_LOG_SAMPLE_RATE_FREE),
    pollIntervals: () => ({
      minSeconds: doc().pollIntervals?.minSeconds ?? config.POLL_MIN_INTERVAL_SECONDS,
      maxSeconds: doc().pollIntervals?.maxSeconds ?? config.POLL_MAX_INTERVAL_SECONDS,
    }),
    coalescingWindowSeconds: () => doc().coalescingWindowSeconds ?? config.COALESCING_WINDOW_SECONDS,
    apiRateLimitPerMinute: (tier) =>
      tier === 'PRO'
        ? (doc().apiRateLimitPerMinutePro ?? config.API_RATE_LIMIT_PER_MINUTE_PRO)
        : (doc().apiRateLimitPerMinute ?? config.API_RATE_LIMIT_PER_MINUTE),
    rateLimitPolicies,
    rateLimitPolicy: (provider) => rateLimitPolicies()[provider],
  };
}
