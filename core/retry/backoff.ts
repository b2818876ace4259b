// The one retry and backoff policy of the codebase: exponential growth with full jitter (the delay
// is uniform in [0, min(max, base * 2^(attempt-1)))), from cockatiel. Two uses share it:
// - `retrying()`: a call retried in process (AWS calls, unprocessed batch items, event publishing);
// - `backoffMs()`: how long a queue message waits before its next delivery (the message runtime).
// A server's own hint (Retry-After, a rate-limit reset) is a floor, never replaced by a shorter jitter.
import {
  ExponentialBackoff,
  fullJitterGenerator,
  handleWhen,
  retry,
  type IExponentialBackoffOptions,
} from 'cockatiel';

export interface BackoffPolicy {
  /** The first retry waits up to this long. */
  baseMs: number;
  /** No single wait is longer than this (before a hint's floor). */
  maxMs: number;
}

function generatorOptions(policy: BackoffPolicy): IExponentialBackoffOptions<number> {
  return {
    generator: fullJitterGenerator,
    initialDelay: policy.baseMs,
    maxDelay: policy.maxMs,
    exponent: 2,
    maxAttempts: Number.POSITIVE_INFINITY,
  } as IExponentialBackoffOptions<number>;
}

/**
 * The wait before retry number `attempt` (1 = the first retry), at least `floorMs` (a server's own
 * Retry-After) and at least 1 ms, so a retry never spins.
 */
export function backoffMs(attempt: number, policy: BackoffPolicy, floorMs = 0): number {
  const [jittered] = fullJitterGenerator(Math.max(0, attempt - 1), generatorOptions(policy));
  return Math.max(jittered, floorMs, 1);
}

export interface RetryOptions extends BackoffPolicy {
  /** Attempts in all, the first one included. */
  attempts: number;
  /** Only these errors are retried; anything else is thrown at once. */
  retryIf(error: unknown): boolean;
  /** Stops waiting and retrying when aborted. */
  signal?: AbortSignal;
  /** Called before each wait, e.g. to log. */
  onRetry?(error: unknown, attempt: number): void;
}

/** Runs `fn` until it succeeds, throws an error `retryIf` refuses, or `attempts` are used up. */
export async function retrying<T>(
  fn: (signal: AbortSignal) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  const policy = retry(
    handleWhen((error) => options.retryIf(error)),
    {
      maxAttempts: Math.max(0, options.attempts - 1),
      backoff: new ExponentialBackoff(generatorOptions(options)),
    },
  );
  if (options.onRetry) {
    const onRetry = options.onRetry;
    policy.onRetry((event) => {
      if ('error' in event) onRetry(event.error, event.attempt);
    });
  }
  return policy.execute(({ signal }) => fn(signal), options.signal);
}
