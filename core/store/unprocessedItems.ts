// DynamoDB's batch calls may leave part of a batch unprocessed (throttling, size): the caller sends
// that part again, with backoff (core/retry/backoff.ts), up to a number of calls in all.
import { retryingWhile } from '../retry/backoff.js';

/** Six calls in all, the retries waiting up to 50, 100, 200, 400 and 800 ms. */
export const UNPROCESSED_RETRY = { attempts: 6, baseMs: 50, maxMs: 800 } as const;

/**
 * Calls `send` with `requests`, then with what it answered as unprocessed, until nothing is left or
 * `attempts` calls were made; resolves with what is still unprocessed (empty when all went through).
 * An error `send` throws is thrown as is.
 */
export async function sendUntilProcessed<R>(
  requests: readonly R[],
  send: (batch: readonly R[]) => Promise<readonly R[]>,
  attempts: number = UNPROCESSED_RETRY.attempts,
): Promise<readonly R[]> {
  let remaining = requests;
  return retryingWhile(
    async () => (remaining = await send(remaining)),
    (unprocessed) => unprocessed.length > 0,
    { ...UNPROCESSED_RETRY, attempts },
  );
}
