// The Redis keys that carry a user's, a connection's or a sync configuration's id, built in one
// place (as core/store/keys.ts does for the table) so that account deletion names every one of
// them. The rate limiter's per-provider-user buckets are built by `bucketKey`
// (core/ratelimit/tokenBucket.ts) from the policies; WebSocket job updates use a pub/sub channel
// (`ws:user:{userId}`, core/realtime/), which holds nothing. The socket leases below are not erased
// by account deletion: the deletion closes the user's sockets (4410), which gives their leases back,
// and the key expires on its own one lease after the last of them.

/** A user's connections and sync configurations (core/cache/userConfigCache.ts), 15 minutes. */
export const userConfigKey = (userId: string) => `config##${userId}`;
/** Bumped by every invalidation of the entry above. */
export const userConfigGenerationKey = (userId: string) => `configgen##${userId}`;
/** Consecutive empty destination reads (core/sync/syncConfidence.ts), 7 days. */
export const syncConfidenceKey = (userId: string, destinationProvider: string) =>
  `sync:confidence:${userId}:${destinationProvider}`;
/** A connection's adaptive polling chain (worker/polling/pollState.ts). */
export const pollStateKey = (connectionId: string) => `poll:${connectionId}`;
/** A configuration's webhook coalescing window claim (worker/coalescer/coalescer.ts). */
export const coalesceWindowKey = (configId: string) => `coalesce##${configId}`;
/**
 * A user's open WebSocket connections across the API fleet (core/realtime/socketLeases.ts): a sorted
 * set of connection ids scored by lease expiry (epoch ms), expiring one lease after its last renewal.
 */
export const socketLeasesKey = (userId: string) => `ws:conns:${userId}`;
/**
 * A user's request budget across the API fleet (server/middleware/rateLimit.ts): a token bucket of
 * the rate limiter's shape (core/ratelimit/tokenBucket.ts), one for HTTP requests and one for
 * WebSocket frames, expiring once full again.
 */
export const requestBudgetKey = (lane: 'http' | 'ws', userId: string) => `ratelimit##api##${lane}##${userId}`;
