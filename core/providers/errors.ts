// How a provider call failed, in the terms the worker acts on: transient errors go back to the
// queue (with backoff), permanent ones fail the job for good and end in the DLQ. A 429 is always
// transient (issue: never a DLQ for rate limiting).
import type { CloudProvider } from '../domain/types.js';

export abstract class ProviderError extends Error {
  abstract readonly transient: boolean;
  /** Stable snake_case reason, recorded on the JOB item and in SyncFailed. */
  abstract readonly code: string;
  constructor(
    readonly provider: CloudProvider,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The provider (or our own budget for it) says wait. */
export class ProviderRateLimitedError extends ProviderError {
  override readonly name = 'ProviderRateLimitedError';
  readonly transient = true;
  readonly code = 'provider_rate_limited';
  constructor(
    provider: CloudProvider,
    /** Seconds until a retry may succeed, when known. */
    readonly retryAfterSeconds: number | undefined,
    message = `${provider} rate limit reached`,
  ) {
    super(provider, message);
  }
}

/** 5xx, timeouts, connection failures, truncated or malformed bodies. */
export class ProviderUnavailableError extends ProviderError {
  override readonly name = 'ProviderUnavailableError';
  readonly transient = true;
  readonly code: string;
  constructor(provider: CloudProvider, message: string, options?: { cause?: unknown; code?: string }) {
    super(provider, message, options);
    this.code = options?.code ?? 'provider_unavailable';
  }
}

/** The credentials are no good even after a refresh (401 twice, invalid_grant): the user must reconnect. */
export class ProviderAuthError extends ProviderError {
  override readonly name = 'ProviderAuthError';
  readonly transient = false;
  readonly code = 'provider_auth_revoked';
}

/**
 * The provider's API is gone (410: a retired API, such as the Fitbit Web API after the Google Health
 * API replaced it). Nothing a retry changes: the connection needs the user to reconnect, through the
 * provider's replacement (the connection's notice says which).
 */
export class ProviderRetiredError extends ProviderError {
  override readonly name = 'ProviderRetiredError';
  readonly transient = false;
  readonly code = 'provider_retired';
}

/** A record or resource the job needs does not exist (404). */
export class ProviderNotFoundError extends ProviderError {
  override readonly name = 'ProviderNotFoundError';
  readonly transient = false;
  readonly code = 'provider_not_found';
}

/** The provider answered with something that does not match its documented shape. */
export class ProviderPayloadError extends ProviderError {
  override readonly name = 'ProviderPayloadError';
  readonly transient = false;
  readonly code = 'provider_payload_invalid';
}

/** Any other 4xx: our request was wrong; retrying will not help. */
export class ProviderRequestError extends ProviderError {
  override readonly name = 'ProviderRequestError';
  readonly transient = false;
  readonly code = 'provider_request_rejected';
  constructor(
    provider: CloudProvider,
    readonly status: number,
    message: string,
  ) {
    super(provider, message);
  }
}

export const isProviderError = (e: unknown): e is ProviderError => e instanceof ProviderError;
