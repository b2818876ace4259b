// Distributed rate limiter for third-party APIs: Redis token buckets, one per provider and window
// (app scope) and one per provider user and window (user scope), spec key `ratelimit##{...}`, a
// hash { tokens, ts, blockedUntil? }.
//
// - Atomic: one Lua script refills every bucket of the provider's policy, checks them all and takes
//   the tokens only when every bucket allows (all-or-nothing), so concurrent workers never overdraw.
// - Priority reserve: a low-priority job may only take while every bucket keeps at least 50 % of its
//   capacity after the take, medium 20 %, high down to 0: when the budget runs low, user-facing
//   (high) jobs still get through and background ones wait.
// - Clock: the scripts read Redis TIME, one clock for every worker (no client skew). Redis >= 5
//   replicates script effects, so TIME is allowed before writes; `redis.replicate_commands()` is
//   called when it exists for older servers. `options.now` replaces it in tests.
// - Expiry: each key gets PEXPIRE max(60 s, time to refill fully, time until its block ends), so
//   idle buckets disappear but a drained or blocked bucket is not forgotten early.
// - Failure: every Redis error (or a call slower than `timeoutMs`) is a RateLimiterUnavailableError.
//   Callers enter degraded mode (no third-party calls); the limiter never allows by default.
// - Provider truth: `observe` lowers buckets to what the provider's rate-limit headers say is left
//   (never raises them); `penalize` blocks after a 429 until its Retry-After.
//
// Keys are not hash-tagged: on a Redis Cluster the keys of one script would need a common `{tag}`.
import { createHash } from 'node:crypto';
import type { Redis } from '../cache/redis.js';
import type { CloudProvider } from '../domain/types.js';
import type { BucketPolicy, RateLimitPolicies } from './policies.js';
import type { RateLimitObservation } from './types.js';
import { clock } from '../clock/clock.js';

export type RateLimitPriority = 'high' | 'medium' | 'low';

/** Share of each bucket's capacity a priority must leave behind. */
export const PRIORITY_RESERVE: Readonly<Record<RateLimitPriority, number>> = Object.freeze({
  high: 0,
  medium: 0.2,
  low: 0.5,
});

export interface TakeRequest {
  provider: CloudProvider;
  providerUserId: string;
  priority: RateLimitPriority;
  /** Tokens (requests) to take at once; default 1. */
  cost?: number;
}

export type TakeResult = { allowed: true } | { allowed: false; retryAfterMs: number };

/** A take from one named bucket also says what it left: the request budget's local headroom reads it. */
export type NamedTakeResult =
  { allowed: true; tokensLeft: number } | { allowed: false; retryAfterMs: number };

/** Tokens one process spent on its own and owes a named bucket (server/middleware/rateLimit.ts). */
export interface Debit {
  key: string;
  capacity: number;
  refillPerSecond: number;
  amount: number;
}

export interface RedisRateLimiterOptions {
  /** Clock in epoch ms for tests; by default the scripts use Redis TIME. */
  now?: () => number;
  /** A Redis call slower than this counts as unavailable (default 2000 ms). */
  timeoutMs?: number;
}

export class RateLimiterUnavailableError extends Error {
  override readonly name = 'RateLimiterUnavailableError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

const KEY_PREFIX = 'ratelimit';
const MIN_TTL_MS = 60_000;

/** Redis key of one bucket: `ratelimit##{provider}##app##{window}` or `...##user##{providerUserId}##{window}`. */
export function bucketKey(provider: CloudProvider, bucket: BucketPolicy, providerUserId: string): string {
  return bucket.scope === 'app'
    ? `${KEY_PREFIX}##${provider}##app##${bucket.windowSeconds}`
    : `${KEY_PREFIX}##${provider}##user##${providerUserId}##${bucket.windowSeconds}`;
}

// Shared Lua: the clock, loading a bucket with its refill, and saving it with its TTL.
const LUA_COMMON = `
if redis.replicate_commands then redis.replicate_commands() end
local MIN_TTL = ${MIN_TTL_MS}
local function clock(arg)
  if arg ~= '' then return tonumber(arg) end
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
-- Refilled state at 'now'. A missing bucket starts full. A clock that went backwards refills nothing.
local function load(key, cap, rate, now)
  local h = redis.call('HMGET', key, 'tokens', 'ts', 'blockedUntil')
  local tokens = tonumber(h[1])
  local ts = tonumber(h[2])
  local blocked = tonumber(h[3]) or 0
  if tokens == nil or ts == nil then
    return cap, now, blocked
  end
  if now > ts then
    tokens = tokens + (now - ts) * rate
    ts = now
  end
  if tokens > cap then tokens = cap end
  if tokens < 0 then tokens = 0 end
  return tokens, ts, blocked
end
local function save(key, tokens, ts, blocked, cap, rate, now)
  if blocked > now then
    redis.call('HSET', key, 'tokens', tokens, 'ts', ts, 'blockedUntil', blocked)
  else
    redis.call('HSET', key, 'tokens', tokens, 'ts', ts)
    redis.call('HDEL', key, 'blockedUntil')
  end
  local ttl = math.ceil((cap - tokens) / rate)
  if blocked - now > ttl then ttl = blocked - now end
  if ttl < MIN_TTL then ttl = MIN_TTL end
  redis.call('PEXPIRE', key, ttl)
end
`;

// KEYS: buckets. ARGV: now ('' = Redis TIME), cost, reserve fraction, then per bucket capacity and
// refill per second. Returns {1, 0, tokens the fullest-spent bucket has left (floored)} when taken,
// {0, retryAfterMs} otherwise.
const TAKE_SCRIPT = `${LUA_COMMON}
local now = clock(ARGV[1])
local cost = tonumber(ARGV[2])
local reserve = tonumber(ARGV[3])
local EPSILON = 1e-9
local state = {}
local wait = 0
for i = 1, #KEYS do
  local cap = tonumber(ARGV[2 + 2 * i])
  local rate = tonumber(ARGV[3 + 2 * i]) / 1000
  local tokens, ts, blocked = load(KEYS[i], cap, rate, now)
  local need = cap * reserve + cost
  if need > cap then need = cap end
  local w = 0
  if blocked > now then
    w = blocked - now
    local atEnd = tokens + w * rate
    if atEnd > cap then atEnd = cap end
    if atEnd + EPSILON < need then w = w + (need - atEnd) / rate end
  elseif tokens + EPSILON < need then
    w = (need - tokens) / rate
  end
  if w > wait then wait = w end
  state[i] = { tokens, ts, blocked, cap, rate }
end
if wait > 0 then
  return { 0, math.ceil(wait) }
end
local least = -1
for i = 1, #KEYS do
  local s = state[i]
  local left = s[1] - cost
  if left < 0 then left = 0 end
  save(KEYS[i], left, s[2], s[3], s[4], s[5], now)
  if least < 0 or left < least then least = left end
end
return { 1, 0, math.floor(least) }
`;

// KEYS: buckets. ARGV: now ('' = Redis TIME), then per bucket: capacity, refill per second, tokens
// to debit. Takes them whatever is left (a debit pays for requests already served; a bucket
// never goes below 0). Returns the tokens each bucket has left after it (floored).
const DEBIT_SCRIPT = `${LUA_COMMON}
local now = clock(ARGV[1])
local left = {}
for i = 1, #KEYS do
  local base = 2 + 3 * (i - 1)
  local cap = tonumber(ARGV[base])
  local rate = tonumber(ARGV[base + 1]) / 1000
  local amount = tonumber(ARGV[base + 2])
  local tokens, ts, blocked = load(KEYS[i], cap, rate, now)
  tokens = tokens - amount
  if tokens < 0 then tokens = 0 end
  save(KEYS[i], tokens, ts, blocked, cap, rate, now)
  left[i] = math.floor(tokens)
end
return left
`;

// KEYS: buckets. ARGV: now ('' = Redis TIME), then per bucket: capacity, refill per second, the
// largest share of capacity it may hold (-1: no limit), empty and block for (ms from now, 0: none),
// block for (ms from now, 0: none). Only ever lowers tokens and lengthens blocks. Returns the
// number of keys. Both blocks are relative: the caller's clock and Redis TIME never meet.
const ADJUST_SCRIPT = `${LUA_COMMON}
local now = clock(ARGV[1])
for i = 1, #KEYS do
  local base = 2 + 5 * (i - 1)
  local cap = tonumber(ARGV[base])
  local rate = tonumber(ARGV[base + 1]) / 1000
  local share = tonumber(ARGV[base + 2])
  local emptyFor = tonumber(ARGV[base + 3])
  local blockFor = tonumber(ARGV[base + 4])
  local tokens, ts, blocked = load(KEYS[i], cap, rate, now)
  if share >= 0 and tokens > cap * share then tokens = cap * share end
  -- A window the provider reports as used up: empty until it resets.
  if emptyFor > 0 then
    tokens = 0
    if now + emptyFor > blocked then blocked = now + emptyFor end
  end
  -- A 429's Retry-After: no request until then; tokens keep refilling (a daily bucket is not
  -- emptied by a short penalty).
  if blockFor > 0 and now + blockFor > blocked then blocked = now + blockFor end
  save(KEYS[i], tokens, ts, blocked, cap, rate, now)
end
return #KEYS
`;

interface Script {
  source: string;
  sha: string;
}

function script(source: string): Script {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

const TAKE = script(TAKE_SCRIPT);
const ADJUST = script(ADJUST_SCRIPT);
const DEBIT = script(DEBIT_SCRIPT);

interface Adjustment {
  bucket: BucketPolicy;
  /** Largest share of capacity the bucket may hold after the adjustment (-1: unchanged). */
  share: number;
  /** Empty the bucket and block it for this long (a provider window used up until its reset). */
  emptyForMs: number;
  blockForMs: number;
}

export class RedisRateLimiter {
  private readonly now: (() => number) | undefined;
  private readonly timeoutMs: number;

  private readonly policies: () => RateLimitPolicies;

  /** `policies`: fixed, or a getter read at each take (the dynamic configuration's `rateLimits`). */
  constructor(
    private readonly redis: Redis,
    policies: RateLimitPolicies | (() => RateLimitPolicies),
    options: RedisRateLimiterOptions = {},
  ) {
    this.policies = typeof policies === 'function' ? policies : () => policies;
    this.now = options.now;
    this.timeoutMs = options.timeoutMs ?? 2000;
  }

  /** Takes `cost` tokens from every bucket of the provider's policy, or none of them. */
  async take(req: TakeRequest): Promise<TakeResult> {
    const cost = req.cost ?? 1;
    const buckets = this.policyOf(req.provider);
    if (!(cost > 0) || !Number.isFinite(cost))
      throw new RangeError(`cost must be a positive number, got ${cost}`);
    const reserve = PRIORITY_RESERVE[req.priority];
    if (reserve === undefined) throw new RangeError(`unknown priority ${String(req.priority)}`);
    const tooSmall = buckets.find((b) => b.capacity < cost);
    if (tooSmall)
      throw new RangeError(
        `cost ${cost} exceeds the capacity ${tooSmall.capacity} of ${req.provider}'s ${tooSmall.scope} bucket`,
      );
    const keys = buckets.map((b) => bucketKey(req.provider, b, this.userIdFor(b, req.providerUserId)));
    const args: (string | number)[] = [this.clockArg(), cost, reserve];
    for (const b of buckets) args.push(b.capacity, b.refillPerSecond);
    const taken = await this.takeKeys(keys, args);
    return taken.allowed ? { allowed: true } : taken;
  }

  /**
   * Takes `cost` tokens from one bucket the caller names itself (the API's per-user request budget,
   * server/middleware/rateLimit.ts): the same atomic script, clock, expiry and failure mode as the
   * providers' buckets, no priority reserve. A take that is allowed says how many tokens are left.
   */
  async takeFrom(key: string, capacity: number, refillPerSecond: number, cost = 1): Promise<NamedTakeResult> {
    if (!(capacity >= cost) || !(refillPerSecond > 0))
      throw new RangeError(`a bucket of ${capacity} refilled at ${refillPerSecond}/s cannot give ${cost}`);
    return this.takeKeys([key], [this.clockArg(), cost, 0, capacity, refillPerSecond]);
  }

  /**
   * Takes what each named bucket is owed, whatever it has left (never below 0), in one script
   * call; returns the tokens each has left afterwards, in the order given.
   */
  async debit(debits: readonly Debit[]): Promise<number[]> {
    if (debits.length === 0) return [];
    const args: (string | number)[] = [this.clockArg()];
    for (const d of debits) {
      if (!(d.capacity > 0) || !(d.refillPerSecond > 0) || !(d.amount >= 0))
        throw new RangeError(
          `cannot debit ${d.amount} from a bucket of ${d.capacity} at ${d.refillPerSecond}/s`,
        );
      args.push(d.capacity, d.refillPerSecond, d.amount);
    }
    const reply = await this.run(
      DEBIT,
      debits.map((d) => d.key),
      args,
    );
    if (!Array.isArray(reply) || reply.length !== debits.length)
      throw new RateLimiterUnavailableError(
        `unexpected reply from the debit script: ${JSON.stringify(reply)}`,
      );
    return reply.map(Number);
  }

  private async takeKeys(keys: string[], args: (string | number)[]): Promise<NamedTakeResult> {
    const reply = await this.run(TAKE, keys, args);
    if (!Array.isArray(reply) || (reply.length !== 2 && reply.length !== 3))
      throw new RateLimiterUnavailableError(
        `unexpected reply from the rate-limit script: ${JSON.stringify(reply)}`,
      );
    const [allowed, retryAfterMs, tokensLeft] = reply as [number, number, number?];
    return allowed === 1
      ? { allowed: true, tokensLeft: Number(tokensLeft ?? 0) }
      : { allowed: false, retryAfterMs: Math.max(1, Number(retryAfterMs)) };
  }

  /**
   * Tightens the buckets to the provider's own count. Each observed window goes to the bucket of the
   * same scope with the nearest windowSeconds; the bucket then holds at most
   * capacity × (limit − used) / limit. A window used up (`used >= limit`) empties the bucket and
   * blocks it until `resetAt`. Never raises a bucket. Windows of a scope the policy has no bucket for
   * are ignored.
   */
  async observe(
    provider: CloudProvider,
    providerUserId: string,
    observation: RateLimitObservation,
  ): Promise<void> {
    const buckets = this.policyOf(provider);
    const byBucket = new Map<BucketPolicy, Adjustment>();
    // Reset instants come from the provider's headers, read on this process's clock: they travel
    // as durations, so the scripts' clock (Redis TIME) never compares against them.
    const nowMs = this.now ? this.now() : clock.now();
    for (const w of observation.windows) {
      if (!(w.limit > 0) || !Number.isFinite(w.used)) continue;
      const target = nearestBucket(buckets, w.scope, w.windowSeconds);
      if (!target) continue;
      const share = Math.min(1, Math.max(0, (w.limit - w.used) / w.limit));
      const emptyForMs = w.used >= w.limit && w.resetAt !== undefined ? Math.max(0, w.resetAt - nowMs) : 0;
      const prev = byBucket.get(target);
      byBucket.set(target, {
        bucket: target,
        share: prev ? Math.min(prev.share, share) : share,
        emptyForMs: Math.max(prev?.emptyForMs ?? 0, emptyForMs),
        blockForMs: 0,
      });
    }
    await this.adjust(provider, providerUserId, [...byBucket.values()]);
  }

  /**
   * After a provider 429: blocks the user's buckets until now + retryAfterSeconds. A provider that
   * counts per application only (no user bucket, like Strava) has its app buckets blocked instead;
   * `scope: 'app'` blocks the app buckets as well (a 429 known to be about the app's quota).
   */
  async penalize(
    provider: CloudProvider,
    providerUserId: string,
    retryAfterSeconds: number,
    options: { scope?: 'user' | 'app' } = {},
  ): Promise<void> {
    const buckets = this.policyOf(provider);
    const hasUserBuckets = buckets.some((b) => b.scope === 'user');
    const blockApp = options.scope === 'app' || !hasUserBuckets;
    const blockForMs = Math.max(
      1000,
      Math.ceil((Number.isFinite(retryAfterSeconds) ? retryAfterSeconds : 60) * 1000),
    );
    const targets = buckets.filter((b) => b.scope === 'user' || blockApp);
    await this.adjust(
      provider,
      providerUserId,
      targets.map((bucket) => ({ bucket, share: -1, emptyForMs: 0, blockForMs })),
    );
  }

  private async adjust(
    provider: CloudProvider,
    providerUserId: string,
    adjustments: Adjustment[],
  ): Promise<void> {
    if (adjustments.length === 0) return;
    const keys = adjustments.map((a) =>
      bucketKey(provider, a.bucket, this.userIdFor(a.bucket, providerUserId)),
    );
    const args: (string | number)[] = [this.clockArg()];
    for (const a of adjustments)
      args.push(a.bucket.capacity, a.bucket.refillPerSecond, a.share, a.emptyForMs, a.blockForMs);
    await this.run(ADJUST, keys, args);
  }

  private policyOf(provider: CloudProvider) {
    const buckets = this.policies()[provider];
    if (!buckets || buckets.length === 0)
      throw new RangeError(`no rate-limit policy for provider ${provider}`);
    return buckets;
  }

  private userIdFor(bucket: BucketPolicy, providerUserId: string): string {
    if (bucket.scope === 'user' && !providerUserId) throw new RangeError('providerUserId is required');
    return providerUserId;
  }

  private clockArg(): string {
    return this.now ? String(Math.floor(this.now())) : '';
  }

  /** EVALSHA, loading the script on NOSCRIPT (EVAL caches it); every failure becomes unavailable. */
  private async run(s: Script, keys: string[], args: (string | number)[]): Promise<unknown> {
    const call = async () => {
      try {
        return await this.redis.evalsha(s.sha, keys.length, ...keys, ...args);
      } catch (err) {
        if (err instanceof Error && err.message.startsWith('NOSCRIPT'))
          return await this.redis.eval(s.source, keys.length, ...keys, ...args);
        throw err;
      }
    };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new RateLimiterUnavailableError(`rate limiter: Redis did not answer within ${this.timeoutMs} ms`),
          ),
        this.timeoutMs,
      );
    });
    try {
      return await Promise.race([call(), timeout]);
    } catch (err) {
      if (err instanceof RateLimiterUnavailableError) throw err;
      throw new RateLimiterUnavailableError(`rate limiter unavailable: ${(err as Error).message}`, {
        cause: err,
      });
    } finally {
      clearTimeout(timer);
    }
  }
}

function nearestBucket(
  buckets: readonly BucketPolicy[],
  scope: 'app' | 'user',
  windowSeconds: number,
): BucketPolicy | undefined {
  let best: BucketPolicy | undefined;
  for (const b of buckets) {
    if (b.scope !== scope) continue;
    if (!best || Math.abs(b.windowSeconds - windowSeconds) < Math.abs(best.windowSeconds - windowSeconds))
      best = b;
  }
  return best;
}
