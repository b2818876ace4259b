// The only way a provider talks to its API: bearer auth with one forced refresh on 401, the
// rate-limit budget taken before every request, responses classified into ProviderErrors, and the
// provider's rate-limit headers handed back to the limiter. Providers never see tokens.
import type { CloudProvider } from '../domain/types.js';
import {
  ProviderAuthError,
  ProviderNotFoundError,
  ProviderRetiredError,
  ProviderPayloadError,
  ProviderRateLimitedError,
  ProviderRequestError,
  ProviderUnavailableError,
} from './errors.js';
import { clock } from '../clock/clock.js';
import { request, type Dispatcher } from 'undici';
import { providerCallDuration, providerCalls } from '../observability/metrics.js';
import { endWithError, SpanKind, SpanStatusCode, startSpan } from '../observability/tracing.js';

export interface ProviderRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path below the provider's API base URL, starting with `/`. */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  json?: unknown;
  form?: Record<string, string>;
  /** Non-2xx statuses returned to the caller instead of thrown (for example 409 on a duplicate). */
  allowStatus?: readonly number[];
  /** Skip JSON parsing (204s, HEAD-like calls). */
  expectEmpty?: boolean;
}

export interface ProviderResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

export interface ProviderHttp {
  request<T = unknown>(req: ProviderRequest): Promise<ProviderResponse<T>>;
}

/** Hands out access tokens; `forceRefresh` after the provider rejected `rejected`. */
export interface AccessTokenSource {
  accessToken(options?: { forceRefresh?: boolean; rejected?: string }): Promise<string>;
  /** The API answered 410 Gone: the connection cannot be used any more (marked needs_reauth). */
  retired?(why: string): Promise<void>;
}

/** The worker's rate limiter as the HTTP layer sees it. */
export interface RequestBudget {
  /** Resolves when a request may be sent; throws ProviderRateLimitedError when the job must wait. */
  acquire(): Promise<void>;
  /** Every response's headers (and status), so published limits and usage can tighten the bucket. */
  observe(status: number, headers: Headers): void | Promise<void>;
}

export interface ProviderHttpOptions {
  provider: CloudProvider;
  baseUrl: string;
  tokens: AccessTokenSource;
  budget?: RequestBudget;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Counts calls for metrics and benchmarks. */
  onCall?: (provider: CloudProvider, status: number) => void;
}

function buildUrl(base: string, path: string, query: ProviderRequest['query']): string {
  const url = new URL(base.replace(/\/$/, '') + path);
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
  return url.toString();
}

/** A Retry-After header (seconds or an HTTP date) as seconds from now. */
export function retryAfterSeconds(headers: Headers): number | undefined {
  const raw = headers.get('retry-after');
  if (!raw) return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const at = Date.parse(raw);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - clock.now()) / 1000));
}

/** A response as the HTTP layer reads it: status, WHATWG headers, the body read or discarded once. */
interface SentResponse {
  status: number;
  headers: Headers;
  text(): Promise<string>;
  discard(): Promise<void>;
}

function sentResponse(
  status: number,
  raw: Dispatcher.ResponseData['headers'],
  body: Dispatcher.ResponseData['body'],
): SentResponse {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else if (value !== undefined) headers.set(name, value);
  }
  return {
    status,
    headers,
    text: () => body.text(),
    discard: () => body.dump(),
  };
}

/** A status as the provider-call metric groups it. */
function resultOf(status: number): string {
  if (status === 429) return '429';
  return status >= 500 ? '5xx' : status >= 400 ? '4xx' : status >= 300 ? '3xx' : '2xx';
}

export function createProviderHttp(options: ProviderHttpOptions): ProviderHttp {
  const { provider, baseUrl, tokens, budget, timeoutMs = 15_000 } = options;
  const host = new URL(baseUrl).host;

  async function send(req: ProviderRequest, token: string): Promise<SentResponse> {
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'application/json' };
    let body: string | undefined;
    if (req.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(req.json);
    } else if (req.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(req.form).toString();
    }
    const started = performance.now();
    // The route template is not known here and paths hold ids: the span names the method and host only.
    const span = startSpan(`${provider} ${req.method ?? 'GET'}`, SpanKind.CLIENT, {
      'http.request.method': req.method ?? 'GET',
      'server.address': host,
      'syncwell.provider': provider,
    });
    try {
      const res = await request(buildUrl(baseUrl, req.path, req.query), {
        method: req.method ?? 'GET',
        headers,
        body,
        // The job's signal when it has one; undici's own timers bound a silent peer (headers, then
        // each gap in the body), so no timer and no combined signal is made per call.
        ...(options.signal ? { signal: options.signal } : {}),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      const sent = sentResponse(res.statusCode, res.headers, res.body);
      providerCallDuration.observe({ provider }, (performance.now() - started) / 1000);
      providerCalls.inc({ provider, result: resultOf(sent.status) });
      span.setAttribute('http.response.status_code', sent.status);
      if (sent.status >= 400) span.setStatus({ code: SpanStatusCode.ERROR, message: resultOf(sent.status) });
      span.end();
      options.onCall?.(provider, sent.status);
      await budget?.observe(sent.status, sent.headers);
      return sent;
    } catch (error) {
      providerCalls.inc({ provider, result: 'network' });
      endWithError(span, error);
      options.onCall?.(provider, 0);
      throw new ProviderUnavailableError(
        provider,
        `${provider} request failed: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
  }

  return {
    async request<T>(req: ProviderRequest): Promise<ProviderResponse<T>> {
      // Budget first: without one (rate limited, or Redis down) not even a token refresh is sent.
      await budget?.acquire();
      let token = await tokens.accessToken();
      let res = await send(req, token);
      if (res.status === 401) {
        await res.discard();
        // One forced refresh: the token may have been revoked or expired early.
        await budget?.acquire();
        token = await tokens.accessToken({ forceRefresh: true, rejected: token });
        res = await send(req, token);
        if (res.status === 401) {
          await res.discard();
          throw new ProviderAuthError(provider, `${provider} rejected the credentials after a refresh`);
        }
      }
      const allowed = req.allowStatus?.includes(res.status) ?? false;
      if ((res.status < 200 || res.status > 299) && !allowed) {
        await res.discard();
        const what = `${req.method ?? 'GET'} ${req.path} answered ${res.status}`;
        if (res.status === 429)
          throw new ProviderRateLimitedError(provider, retryAfterSeconds(res.headers), what);
        if (res.status >= 500 || res.status === 408)
          throw new ProviderUnavailableError(provider, `${provider}: ${what}`);
        if (res.status === 404) throw new ProviderNotFoundError(provider, `${provider}: ${what}`);
        if (res.status === 410) {
          await tokens.retired?.(what);
          throw new ProviderRetiredError(provider, `${provider}: ${what} (the API is retired)`);
        }
        throw new ProviderRequestError(provider, res.status, `${provider}: ${what}`);
      }
      if (req.expectEmpty || res.status === 204) {
        await res.discard();
        return { status: res.status, headers: res.headers, body: undefined as T };
      }
      const text = await res.text().catch((error: unknown) => {
        throw new ProviderUnavailableError(provider, `${provider}: body read failed`, { cause: error });
      });
      try {
        return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : undefined) as T };
      } catch (error) {
        // Truncated or garbled JSON is usually a transport glitch: retry rather than fail the job.
        throw new ProviderUnavailableError(provider, `${provider}: malformed JSON from ${req.path}`, {
          cause: error,
          code: 'provider_malformed_response',
        });
      }
    },
  };
}

/** Parse a provider body with a zod-like schema; a mismatch is a permanent ProviderPayloadError. */
export function parsePayload<T>(
  provider: CloudProvider,
  what: string,
  schema: {
    safeParse(v: unknown): { success: true; data: T } | { success: false; error: { message: string } };
  },
  value: unknown,
): T {
  const result = schema.safeParse(value);
  if (!result.success)
    throw new ProviderPayloadError(
      provider,
      `${provider}: ${what} did not match the documented shape: ${result.error.message.slice(0, 300)}`,
    );
  return result.data;
}
