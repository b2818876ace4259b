// Rate-limit policies: per cloud provider, the token buckets a request must fit into. Each bucket
// mirrors one published limit: `limit` requests per `windowSeconds` becomes capacity = limit and a
// refill of limit / windowSeconds tokens per second (a bucket never holds more than one window's
// worth, so a burst can never exceed what the provider allows in a window).
//
// Published limits, and where a number is not published, the conservative choice made here:
//
// - Strava: 200 requests / 15 minutes and 2,000 / day per APPLICATION (all users together).
//   https://developers.strava.com/docs/rate-limits/ — no per-user limit is published, so Strava has
//   app buckets only.
// - Fitbit (legacy Web API): 150 requests / hour per USER.
//   https://dev.fitbit.com/build/reference/web-api/developer-guide/application-design/#Rate-Limits
// - Google Fit (REST): the Fitness API's quotas are per project and shown in the Cloud Console; no
//   fixed figure is published for it. Its successor, the Google Health API, publishes 300 requests /
//   minute per user, 120,000 / minute and 86.4 M / day per project
//   (https://developers.google.com/health/rate-limits). UNCLEAR for Google Fit, so we take half of
//   those per-minute figures: 150 / minute per user and 60,000 / minute per app, and leave the daily
//   figure (far above what the per-minute bucket lets through) out.
// - Garmin Health API: the limits are only in the partner-only (confidential) API specification
//   ("API Rate Limiting or Excessive Usage"); nothing public gives numbers. UNCLEAR, so conservative
//   values: 100 requests / minute per application and 100 / hour per user. Garmin's model is
//   ping/pull or push, so a sync needs few calls per user; raise these once the partner agreement's
//   figures are known (RATE_LIMIT_OVERRIDES does it without a release).
//
// RATE_LIMIT_OVERRIDES (JSON) replaces a provider's whole list of buckets, e.g. for tests, load runs
// or a raised Strava limit:
//   { "strava": [{ "scope": "app", "capacity": 5, "windowSeconds": 60 }] }
// `refillPerSecond` may be given; it defaults to capacity / windowSeconds.
import { z } from 'zod';
import type { CloudProvider } from '../domain/types.js';

export type BucketScope = 'app' | 'user';

export interface BucketPolicy {
  /** `app`: one bucket shared by every user of the provider; `user`: one per provider user. */
  readonly scope: BucketScope;
  /** Most tokens the bucket holds (the provider's limit per window). */
  readonly capacity: number;
  readonly refillPerSecond: number;
  /** The provider's window this bucket mirrors; part of the Redis key and used to match headers. */
  readonly windowSeconds: number;
}

export type ProviderPolicy = readonly BucketPolicy[];
export type RateLimitPolicies = Readonly<Record<CloudProvider, ProviderPolicy>>;

export const RATE_LIMITED_PROVIDERS: readonly CloudProvider[] = ['strava', 'fitbit', 'garmin', 'google_fit'];

/** A bucket for "`limit` requests per `windowSeconds`". */
export function bucket(scope: BucketScope, limit: number, windowSeconds: number): BucketPolicy {
  return Object.freeze({ scope, capacity: limit, refillPerSecond: limit / windowSeconds, windowSeconds });
}

const MINUTE = 60;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export const DEFAULT_POLICIES: RateLimitPolicies = Object.freeze({
  strava: Object.freeze([bucket('app', 200, 15 * MINUTE), bucket('app', 2000, DAY)]),
  fitbit: Object.freeze([bucket('user', 150, HOUR)]),
  garmin: Object.freeze([bucket('app', 100, MINUTE), bucket('user', 100, HOUR)]),
  google_fit: Object.freeze([bucket('app', 60_000, MINUTE), bucket('user', 150, MINUTE)]),
});

export class RateLimitPolicyError extends Error {
  override readonly name = 'RateLimitPolicyError';
}

const bucketSchema = z.strictObject({
  scope: z.enum(['app', 'user']),
  capacity: z.number().positive(),
  windowSeconds: z.number().int().positive(),
  refillPerSecond: z.number().positive().optional(),
});

const bucketListSchema = z
  .array(bucketSchema)
  .min(1)
  .superRefine((buckets, ctx) => {
    const seen = new Set<string>();
    buckets.forEach((b, index) => {
      const id = `${b.scope}/${b.windowSeconds}`;
      // Scope and window form the Redis key: two such buckets would share one key.
      if (seen.has(id))
        ctx.addIssue({
          code: 'custom',
          path: [index],
          message: `duplicate bucket: scope ${b.scope} with windowSeconds ${b.windowSeconds}`,
        });
      seen.add(id);
    });
  });

const overridesSchema = z.strictObject({
  strava: bucketListSchema.optional(),
  fitbit: bucketListSchema.optional(),
  garmin: bucketListSchema.optional(),
  google_fit: bucketListSchema.optional(),
});

/**
 * The default policies with RATE_LIMIT_OVERRIDES applied (a provider named there gets exactly the
 * buckets listed). Throws a RateLimitPolicyError naming every problem on bad JSON or bad values.
 */
export function loadPolicies(overridesJson?: string): RateLimitPolicies {
  if (overridesJson === undefined || overridesJson.trim() === '') return DEFAULT_POLICIES;
  let raw: unknown;
  try {
    raw = JSON.parse(overridesJson);
  } catch (err) {
    throw new RateLimitPolicyError(`RATE_LIMIT_OVERRIDES is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = overridesSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new RateLimitPolicyError(`RATE_LIMIT_OVERRIDES is invalid:\n${lines.join('\n')}`);
  }
  const policies: Record<CloudProvider, ProviderPolicy> = { ...DEFAULT_POLICIES };
  for (const provider of RATE_LIMITED_PROVIDERS) {
    const buckets = parsed.data[provider];
    if (!buckets) continue;
    policies[provider] = Object.freeze(
      buckets.map((b) =>
        Object.freeze({
          scope: b.scope,
          capacity: b.capacity,
          windowSeconds: b.windowSeconds,
          refillPerSecond: b.refillPerSecond ?? b.capacity / b.windowSeconds,
        }),
      ),
    );
  }
  return Object.freeze(policies);
}
