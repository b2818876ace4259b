// Google Health API error answers (google.rpc.Status in Google's REST envelope, AIP-193) as the
// worker's ProviderErrors. ProviderHttp already turns 401 (after one forced refresh) into
// ProviderAuthError and 5xx / 408 into ProviderUnavailableError; the provider lets the statuses
// below through (`allowStatus`) so that Google's status name and details can be read here.
import type { RateLimitObservation } from '../../ratelimit/types.js';
import { clock } from '../../clock/clock.js';
import {
  ProviderAuthError,
  ProviderNotFoundError,
  ProviderRateLimitedError,
  ProviderRequestError,
  type ProviderError,
} from '../errors.js';
import type { ProviderResponse } from '../providerHttp.js';
import { googleHealthProfile } from './profile.js';
import { durationSecondsOf } from './googleHealthMapping.js';
import { googleErrorSchema } from './googleHealthSchemas.js';

/** Statuses read here instead of by ProviderHttp. */
export const GOOGLE_ERROR_STATUSES: readonly number[] = [400, 403, 404, 409, 410, 429];

const PROVIDER = 'google_health';
const ERROR_INFO = 'type.googleapis.com/google.rpc.ErrorInfo';
const RETRY_INFO = 'type.googleapis.com/google.rpc.RetryInfo';

/**
 * 403 reasons that are about SyncWell's Cloud project (API not enabled, billing, a bad client), not
 * the user's grant: every user would get them, so reconnecting cannot help.
 */
const PROJECT_REASONS = new Set([
  'SERVICE_DISABLED',
  'ACCESS_NOT_CONFIGURED',
  'BILLING_DISABLED',
  'CONSUMER_INVALID',
  'CONSUMER_SUSPENDED',
  'API_KEY_SERVICE_BLOCKED',
]);

/** `Retry-After` as seconds from `nowMs`: delta seconds or an HTTP date. */
function retryAfterHeader(headers: Headers, nowMs: number): number | undefined {
  const raw = headers.get('retry-after')?.trim();
  if (!raw) return undefined;
  if (/^\d+$/.test(raw)) return Number(raw);
  const at = Date.parse(raw);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - nowMs) / 1000));
}

/**
 * What Google's rate-limit headers say. The API sends no usage headers; on a 429 it may send
 * `Retry-After`, and then the user's window is spent until that moment (the 429 itself also blocks
 * the bucket, core/sync/requestBudget.ts). Without it nothing is known.
 */
export function parseGoogleHealthRateLimit(
  headers: Headers,
  now: Date = clock.date(),
): RateLimitObservation | undefined {
  const seconds = retryAfterHeader(headers, now.getTime());
  if (seconds === undefined) return undefined;
  const user = googleHealthProfile.rateLimits.find((r) => r.scope === 'user')!;
  return {
    windows: [
      {
        scope: 'user',
        limit: user.limit,
        used: user.limit,
        windowSeconds: user.windowSeconds,
        resetAt: now.getTime() + seconds * 1000,
      },
    ],
  };
}

type Detail = { '@type': string } & Record<string, unknown>;

/**
 * Seconds to wait after a 429: `Retry-After`, else a google.rpc.RetryInfo `retryDelay`, else the
 * length of a per-minute quota named by the ErrorInfo (`quota_limit: RequestsPerMinutePerUser`):
 * the window it counts in is over by then. Unknown otherwise.
 */
function retryAfterOf(headers: Headers, details: readonly Detail[], nowMs: number): number | undefined {
  const header = retryAfterHeader(headers, nowMs);
  if (header !== undefined) return header;
  for (const d of details) {
    const delay = d['@type'] === RETRY_INFO ? d.retryDelay : undefined;
    if (typeof delay === 'string' && /^\d+(\.\d+)?s$/.test(delay)) return Math.ceil(durationSecondsOf(delay));
  }
  for (const d of details) {
    const metadata =
      d['@type'] === ERROR_INFO ? (d.metadata as Record<string, unknown> | undefined) : undefined;
    const limit = metadata?.quota_limit;
    if (typeof limit === 'string' && /perminute/i.test(limit)) return 60;
  }
  return undefined;
}

/** A non-2xx answer of `GOOGLE_ERROR_STATUSES` as the ProviderError the worker acts on. */
export function googleHealthError(
  res: Pick<ProviderResponse, 'status' | 'headers' | 'body'>,
  what: string,
  nowMs: number = clock.now(),
): ProviderError {
  const parsed = googleErrorSchema.safeParse(res.body);
  const error = parsed.success ? parsed.data.error : undefined;
  const details: Detail[] = error?.details ?? [];
  const reasons = details.flatMap((d) =>
    d['@type'] === ERROR_INFO && typeof d.reason === 'string' ? [d.reason] : [],
  );
  const message = `${PROVIDER}: ${what} answered ${res.status}${
    error ? ` ${error.status}: ${error.message.slice(0, 300)}` : ''
  }`;

  if (res.status === 429 || error?.status === 'RESOURCE_EXHAUSTED')
    return new ProviderRateLimitedError(PROVIDER, retryAfterOf(res.headers, details, nowMs), message);
  switch (res.status) {
    case 403:
      // The project's own setup: a request error for every user, not a grant to renew.
      if (reasons.some((r) => PROJECT_REASONS.has(r)))
        return new ProviderRequestError(PROVIDER, 403, message);
      // ACCESS_TOKEN_SCOPE_INSUFFICIENT (the user unticked a data type on Google's consent screen,
      // or withdrew it later) or any other PERMISSION_DENIED on `users/me`: only new consent helps.
      return new ProviderAuthError(PROVIDER, `${message} (the grant does not cover this call: reconnect)`);
    case 404:
      return new ProviderNotFoundError(PROVIDER, message);
    case 410:
      // Gone for good: the API version or method was retired (as the Fitbit Web API was).
      return new ProviderRequestError(PROVIDER, 410, `${message} (retired by Google)`);
    default:
      return new ProviderRequestError(PROVIDER, res.status, message);
  }
}
