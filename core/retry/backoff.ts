// The one retry and backoff policy of the codebase: exponential growth with full jitter (the delay
// is uniform in [0, min(max, base * 2^(attempt-1))), cockatiel's generator). Two uses share it:
// - `retrying()`: a call retried in process (AWS calls, unprocessed batch items, event publishing),
//   and `retryingWhile()` for calls whose result, not an error, asks for another attempt;
// - `backoffMs()`: how long a queue message waits before its next delivery (the message runtime).
// A server's own hint (Retry-After, a rate-limit reset) is a floor, never replaced by a shorter jitter.
import { setTimeout as sleep } from 'node:timers/promises';
import { fullJitterGenerator, type IExponentialBackoffOptions } from 'cockatiel';

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

/** For calls without a signal: one shared, never aborted (a new controller per call showed in profiles). */
const NEVER_ABORTED = new AbortController().signal;

/**
 * Runs `fn` until it succeeds, throws an error `retryIf` refuses, or `attempts` are used up (then
 * the last error is thrown). An abort ends a wait at once and rejects with the signal's reason.
 */
export async function retrying<T>(
  fn: (signal: AbortSignal) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  // cockatiel's RetryPolicy sleeps through an abort and then calls once more, so the loop is ours.
  const signal = options.signal ?? NEVER_ABORTED;
  for (let attempt = 1; ; attempt += 1) {
    signal.throwIfAborted();
    try {
      return await fn(signal);
    } catch (error) {
      if (attempt >= options.attempts || signal.aborted || !options.retryIf(error)) throw error;
      options.onRetry?.(error, attempt);
      await sleep(backoffMs(attempt, options), undefined, { signal });
    }
  }
}

/** Carries a result `retryingWhile()` was told to try again after. */
class RetryAfterResult<T> extends Error {
  constructor(readonly result: T) {
    super('the result asked for another attempt');
  }
}

/**
 * For calls that answer "try again" with a result rather than an error (a batch with unprocessed
 * items, a claim that raced): runs `fn` until `again(result)` is false or `attempts` are used up,
 * and resolves with the last result. Thrown errors are retried only when `retryIf` accepts them;
 * `onRetry` sees a result-caused retry as an error whose `result` is that result.
 */
export async function retryingWhile<T>(
  fn: (signal: AbortSignal) => Promise<T>,
  again: (result: T) => boolean,
  options: Omit<RetryOptions, 'retryIf'> & { retryIf?(error: unknown): boolean },
): Promise<T> {
  try {
    return await retrying(
      async (signal) => {
        const result = await fn(signal);
        if (again(result)) throw new RetryAfterResult(result);
        return result;
      },
      {
        ...options,
        retryIf: (error) => error instanceof RetryAfterResult || (options.retryIf?.(error) ?? false),
      },
    );
  } catch (error) {
    if (error instanceof RetryAfterResult) return error.result as T;
    throw error;
  }
}
