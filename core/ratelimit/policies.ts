// Rate-limit policies: per cloud provider, the token buckets a request must fit into. Each bucket
// mirrors one published limit: `limit` requests per `windowSeconds` becomes capacity = limit and a
// refill of limit / windowSeconds tokens per second (a bucket never holds more than one window's
// worth, so a burst can never exceed what the provider allows in a window).
//
// The published limits, and where a number is not published the conservative choice made, are in
// each provider's profile (core/providers/<provider>/profile.ts, `rateLimits`).
//
// RATE_LIMIT_OVERRIDES (JSON) replaces a provider's whole list of buckets, e.g. for tests, load runs
// or a raised Strava limit:
//   { "strava": [{ "scope": "app", "capacity": 5, "windowSeconds": 60 }] }
// `refillPerSecond` may be given; it defaults to capacity / windowSeconds.
import { z } from 'zod';
import type { CloudProvider } from '../domain/types.js';
import { CLOUD_PROVIDERS, cloudProfile } from '../providers/profiles.js';

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

export const RATE_LIMITED_PROVIDERS: readonly CloudProvider[] = CLOUD_PROVIDERS;

/** A bucket for "`limit` requests per `windowSeconds`". */
export function bucket(scope: BucketScope, limit: number, windowSeconds: number): BucketPolicy {
  return Object.freeze({ scope, capacity: limit, refillPerSecond: limit / windowSeconds, windowSeconds });
}

/** Every cloud provider's buckets, from its profile's published limits. */
export const DEFAULT_POLICIES: RateLimitPolicies = Object.freeze(
  Object.fromEntries(
    RATE_LIMITED_PROVIDERS.map((provider) => [
      provider,
      Object.freeze(cloudProfile(provider).rateLimits.map((r) => bucket(r.scope, r.limit, r.windowSeconds))),
    ]),
  ) as Record<CloudProvider, ProviderPolicy>,
);

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

/** Per provider, the whole list of buckets that replaces its defaults (RATE_LIMIT_OVERRIDES, or the dynamic configuration's `rateLimits`). */
export const rateLimitOverridesSchema = z.strictObject(
  Object.fromEntries(RATE_LIMITED_PROVIDERS.map((p) => [p, bucketListSchema.optional()])) as Record<
    CloudProvider,
    z.ZodOptional<typeof bucketListSchema>
  >,
);

export type RateLimitOverrides = z.infer<typeof rateLimitOverridesSchema>;

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
  const parsed = rateLimitOverridesSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new RateLimitPolicyError(`RATE_LIMIT_OVERRIDES is invalid:\n${lines.join('\n')}`);
  }
  return applyOverrides(DEFAULT_POLICIES, parsed.data);
}

/** `base` with each provider named in `overrides` given exactly the buckets listed. */
export function applyOverrides(base: RateLimitPolicies, overrides: RateLimitOverrides): RateLimitPolicies {
  const policies: Record<CloudProvider, ProviderPolicy> = { ...base };
  for (const provider of RATE_LIMITED_PROVIDERS) {
    const buckets = overrides[provider];
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
