// What the worker does with a failed job, decided from the error:
// - defer: wait and try again, as often as needed, never to the DLQ (rate limits, degraded mode);
// - retry: transient failure; back to the queue with backoff; the 5th failed receive goes to the DLQ;
// - fail: permanent; the JOB is FAILED with the reason, one SyncFailed, and the message is deleted.
import { OAuthGrantError, OAuthUnavailableError } from '../oauth/oauthClient.js';
import { RateLimiterUnavailableError } from '../ratelimit/tokenBucket.js';
import { SecretNotFoundError, SecureStorageUnavailableError } from '../secrets/secretStore.js';
import { ProviderError, ProviderRateLimitedError } from '../providers/errors.js';

export type FailureKind = 'defer' | 'retry' | 'fail';

/** A job-level failure that is not a provider's: missing connections, unsupported pairs, ... */
export class JobError extends Error {
  override readonly name = 'JobError';
  constructor(
    readonly kind: FailureKind,
    readonly code: string,
    message: string,
    options?: { cause?: unknown; retryAfterSeconds?: number },
  ) {
    super(message, options);
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
  readonly retryAfterSeconds: number | undefined;
}

export interface ClassifiedFailure {
  kind: FailureKind;
  code: string;
  message: string;
  retryAfterSeconds?: number;
}

export function classifyFailure(error: unknown): ClassifiedFailure {
  if (error instanceof JobError)
    return {
      kind: error.kind,
      code: error.code,
      message: error.message,
      ...(error.retryAfterSeconds !== undefined ? { retryAfterSeconds: error.retryAfterSeconds } : {}),
    };
  if (error instanceof ProviderRateLimitedError)
    return {
      kind: 'defer',
      code: error.code,
      message: error.message,
      ...(error.retryAfterSeconds !== undefined ? { retryAfterSeconds: error.retryAfterSeconds } : {}),
    };
  if (error instanceof ProviderError)
    return { kind: error.transient ? 'retry' : 'fail', code: error.code, message: error.message };
  if (error instanceof RateLimiterUnavailableError)
    return {
      kind: 'defer',
      code: 'rate_limiter_unavailable',
      message: 'Redis unavailable: degraded mode, no provider calls',
    };
  if (error instanceof SecureStorageUnavailableError || error instanceof OAuthUnavailableError)
    return { kind: 'retry', code: 'credentials_unavailable', message: error.message };
  if (error instanceof SecretNotFoundError || error instanceof OAuthGrantError)
    return {
      kind: 'fail',
      code: 'provider_auth_revoked',
      message: 'stored credentials are gone or refused; reconnect the provider',
    };
  // Unknown errors (bugs, AWS outages) are retried; a bug ends in the DLQ after 5 receives.
  return {
    kind: 'retry',
    code: 'internal_error',
    message: error instanceof Error ? error.message : String(error),
  };
}
