// The SDK's error hierarchy: ApiError for problem+json answers, NetworkError for transport failures.
// An aborted call rejects with the AbortSignal's reason (an AbortError DOMException by default), untouched.
import type { components } from './generated/openapi.gen.js';

/** RFC 9457 problem details as the contract defines them. */
export type Problem = components['schemas']['Problem'];

/** The request a failure belongs to: what the offline queue stores to replay it later. */
export interface FailedRequest {
  method: string;
  /** Path and query relative to `baseUrl`, e.g. `/v1/sync-configs/cfg_...`. */
  path: string;
  /** The JSON body as sent, or `undefined` when there was none. */
  body: string | undefined;
  /** The Idempotency-Key the request carried (state-changing requests only). */
  idempotencyKey: string | undefined;
  /** The If-Match precondition the request carried, if any. */
  ifMatch?: string | undefined;
}

/** The API answered with an error status. `code` is the contract's stable snake_case code to branch on. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly detail: string | undefined;
  readonly correlationId: string | undefined;

  constructor(
    readonly problem: Problem,
    readonly request: FailedRequest,
  ) {
    super(`${problem.status} ${problem.code}: ${problem.detail ?? problem.title}`);
    this.status = problem.status;
    this.code = problem.code;
    this.title = problem.title;
    this.detail = problem.detail;
    this.correlationId = problem.correlationId;
  }

  /** Builds the error from a response and its (already parsed, if any) body. */
  static from(response: Response, body: unknown, request: FailedRequest): ApiError {
    const candidate = body as Partial<Problem> | undefined;
    if (candidate && typeof candidate === 'object' && typeof candidate.code === 'string') {
      return new ApiError({ ...candidate, status: response.status } as Problem, request);
    }
    return new ApiError(
      {
        type: 'about:blank',
        title: response.statusText || 'Unexpected response',
        status: response.status,
        code: 'unexpected_response',
        detail: typeof body === 'string' && body ? body.slice(0, 500) : undefined,
        correlationId: response.headers.get('x-correlation-id') ?? undefined,
      },
      request,
    );
  }
}

/** The request never got an answer (offline, DNS, connection refused or reset), or the client is offline. */
export class NetworkError extends Error {
  override readonly name = 'NetworkError';

  constructor(
    message: string,
    readonly request: FailedRequest,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** True for the rejection an aborted call produces. */
export function isAbortError(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError');
}
