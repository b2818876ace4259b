// One HTTP exchange per logical call: bearer token (refreshed once on 401), retries with exponential
// backoff and full jitter (network errors, 5xx except 501, 429 and 409 idempotency_key_in_use), bounded
// by attempts and total time, cancellable with an AbortSignal. The request (including its
// Idempotency-Key) is rebuilt from the same parts on every attempt, so every retry carries the same key.
import { NetworkError, isAbortError, type FailedRequest } from './errors.js';
import type { SyncWellEvent } from './events.js';

/** Returns a current Firebase ID token; `forceRefresh` asks for a new one (after a 401). */
export type TokenProvider = (options?: { forceRefresh?: boolean }) => Promise<string>;

export interface RetryOptions {
  /** Attempts per logical call, the first included. Default 4. */
  maxAttempts?: number;
  /** Backoff base: attempt n waits a random time in [0, min(maxDelayMs, baseDelayMs * 2^(n-1))]. Default 200. */
  baseDelayMs?: number;
  /** Upper bound of one wait, `Retry-After` included. Default 5000. */
  maxDelayMs?: number;
  /** No retry starts once this much time would have passed since the first attempt. Default 20000. */
  maxTotalMs?: number;
}

export interface TransportOptions {
  baseUrl: string;
  getToken: TokenProvider;
  fetch: typeof globalThis.fetch;
  retry: Required<RetryOptions>;
  onEvent: (event: SyncWellEvent) => void;
  isOffline: () => boolean;
}

/** A request as plain parts, rebuilt on every attempt. */
export interface RequestParts {
  method: string;
  /** Path and query relative to `baseUrl`. */
  path: string;
  headers: Headers;
  body: string | undefined;
}

export interface CallContext {
  operation: string;
  signal?: AbortSignal | undefined;
  /** The contract requires no authentication (security: []): no token is asked for or sent. */
  anonymous?: boolean;
}

export const DEFAULT_RETRY: Required<RetryOptions> = {
  maxAttempts: 4,
  baseDelayMs: 200,
  maxDelayMs: 5000,
  maxTotalMs: 20000,
};

export class Transport {
  constructor(private readonly options: TransportOptions) {}

  /** The path of a full URL relative to `baseUrl`. */
  relativePath(url: string): string {
    const base = this.options.baseUrl.replace(/\/+$/, '');
    if (url.startsWith(base)) return url.slice(base.length) || '/';
    const parsed = new URL(url);
    return parsed.pathname + parsed.search;
  }

  /** Sends one logical call and returns the final response (which may be an error status). */
  async send(parts: RequestParts, context: CallContext): Promise<Response> {
    const { retry, onEvent } = this.options;
    const { signal, operation } = context;
    const failed = describeRequest(parts);
    const started = Date.now();
    let attempt = 0;
    let refreshed = false;
    let forceRefresh = false;

    for (;;) {
      signal?.throwIfAborted();
      if (this.options.isOffline()) throw new NetworkError('The client is marked offline', failed);
      attempt += 1;
      const headers = new Headers(parts.headers);
      if (!context.anonymous) {
        const token = await this.options.getToken(forceRefresh ? { forceRefresh: true } : undefined);
        headers.set('authorization', `Bearer ${token}`);
      }
      forceRefresh = false;
      onEvent({ type: 'request', operation, method: parts.method, path: parts.path, attempt });

      let response: Response | undefined;
      let networkError: NetworkError | undefined;
      try {
        response = await this.options.fetch(this.options.baseUrl.replace(/\/+$/, '') + parts.path, {
          method: parts.method,
          headers,
          body: parts.body,
          signal,
        });
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        if (isAbortError(error)) throw error;
        networkError = new NetworkError(`Network request failed: ${messageOf(error)}`, failed, {
          cause: error,
        });
        onEvent({ type: 'network_error', operation, attempt, error: networkError });
      }

      let retryAfterMs: number | undefined;
      if (response) {
        onEvent({ type: 'response', operation, status: response.status, attempt });
        if (response.status === 401 && !refreshed && !context.anonymous) {
          // The token expired or was revoked: ask the provider for a fresh one and try once more.
          refreshed = true;
          forceRefresh = true;
          attempt = 0;
          await response.body?.cancel();
          onEvent({ type: 'token_refresh', operation });
          continue;
        }
        if (!(await isRetryable(response))) return response;
        retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
      }

      const delayMs =
        retryAfterMs !== undefined
          ? Math.min(retryAfterMs, retry.maxDelayMs)
          : Math.floor(Math.random() * Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1)));
      if (attempt >= retry.maxAttempts || Date.now() - started + delayMs > retry.maxTotalMs) {
        if (response) return response;
        throw networkError;
      }
      await response?.body?.cancel();
      onEvent({
        type: 'retry',
        operation,
        attempt,
        delayMs,
        status: response?.status,
        idempotencyKey: failed.idempotencyKey,
      });
      await sleep(delayMs, signal);
    }
  }
}

/** The parts of a request that errors report and the offline queue stores. */
export function describeRequest(parts: RequestParts): FailedRequest {
  return {
    method: parts.method,
    path: parts.path,
    body: parts.body,
    idempotencyKey: parts.headers.get('idempotency-key') ?? undefined,
    ifMatch: parts.headers.get('if-match') ?? undefined,
  };
}

/** 5xx (but 501, which is permanent), 429 and 409 `idempotency_key_in_use` are worth another attempt. */
async function isRetryable(response: Response): Promise<boolean> {
  const { status } = response;
  if (status === 429 || (status >= 500 && status !== 501)) return true;
  if (status !== 409) return false;
  try {
    const body = (await response.clone().json()) as { code?: unknown };
    return body.code === 'idempotency_key_in_use';
  } catch {
    return false;
  }
}

/** `Retry-After` in seconds (or an HTTP date) as milliseconds. */
function parseRetryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function messageOf(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
  }
  return String(error);
}
