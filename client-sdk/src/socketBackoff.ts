// When the sync socket tries again. A small function rather than a library: the SDK's only dependency
// is openapi-fetch, its REST retries (transport.ts) use the same formula hand-written, and a
// reconnect needs nothing a retry library adds (no policy composition, no circuit breaker); pulling
// one into every app bundle for one line of arithmetic is not worth it.

/** The time source and timers the socket uses; injectable so tests control backoff deterministically. */
export interface SocketClock {
  /** Epoch milliseconds. */
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: SocketClock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>),
};

export interface ReconnectOptions {
  /** Backoff base: attempt n waits a random time in [0, min(maxDelayMs, baseDelayMs * 2^(n-1))]. Default 500. */
  baseDelayMs?: number;
  /** Upper bound of one backoff wait. Default 30000. */
  maxDelayMs?: number;
  /**
   * Added to the backoff when the server says a limit is reached (upgrade refused 429
   * `too_many_connections`, whose Retry-After is 60 s; close 4429 `slow_consumer`). Default 60000.
   */
  limitDelayMs?: number;
  /** A connection open at least this long counts as healthy: the next failure starts again at attempt 1. Default 10000. */
  stableAfterMs?: number;
}

export const DEFAULT_RECONNECT: Required<ReconnectOptions> = {
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  limitDelayMs: 60_000,
  stableAfterMs: 10_000,
};

/**
 * Exponential backoff with full jitter (the AWS Architecture Blog's "full jitter"): a uniformly random
 * wait up to the exponential bound, so the phones a restarting API process drops do not come back in
 * lockstep. `attempt` counts consecutive failures from 1; `random` returns [0, 1).
 */
export function fullJitterDelay(
  attempt: number,
  options: Pick<Required<ReconnectOptions>, 'baseDelayMs' | 'maxDelayMs'>,
  random: () => number,
): number {
  const bound = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * bound);
}
