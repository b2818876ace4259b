// Maps any error to an RFC 9457 problem: AppErrors as they are, validator and body-parser errors to
// stable codes (listing every field error), anything else to a 500 without internals.
import { isRetryable } from '../../core/aws/awsJsonClient.js';
import { QueueSendError } from '../../core/queue/sqs.js';
import { AppError, serviceUnavailable, type FieldError } from '../../core/errors/AppError.js';

export interface ProblemResponse {
  status: number;
  headers: Record<string, string>;
  body: {
    type: string;
    title: string;
    status: number;
    detail: string;
    code: string;
    instance?: string;
    correlationId?: string;
    errors?: FieldError[];
  };
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
const PROBLEM_TYPE_BASE = 'https://api.syncwell.example/problems/';

interface ValidatorError {
  status: number;
  message?: string;
  errors?: Array<{ path?: string; message?: string; errorCode?: string }>;
  headers?: Record<string, string>;
}

interface BodyParserError {
  type: string;
  status?: number;
  limit?: number;
}

const isValidatorError = (e: unknown): e is ValidatorError =>
  typeof e === 'object' &&
  e !== null &&
  typeof (e as ValidatorError).status === 'number' &&
  Array.isArray((e as ValidatorError).errors);

const isBodyParserError = (e: unknown): e is BodyParserError =>
  typeof e === 'object' && e !== null && typeof (e as BodyParserError).type === 'string' && 'expose' in e;

const LOCATIONS: Record<string, FieldError['location']> = {
  body: 'body',
  query: 'query',
  params: 'path',
  path: 'path',
  headers: 'header',
  header: 'header',
};

/**
 * express-openapi-validator paths look like `/body/dateRange/startDate` or `/query/limit`; a few
 * errors carry a path relative to the body, or the request path itself (the body as a whole).
 */
function toFieldError(
  e: { path?: string; message?: string; errorCode?: string },
  requestPath: string,
): FieldError {
  const raw = e.path ?? '';
  const [, where = '', ...rest] = raw.split('/');
  const location = LOCATIONS[where];
  const [resolvedLocation, path] =
    raw === requestPath || raw === ''
      ? (['body', ''] as const)
      : location
        ? ([
            location,
            location === 'body' ? (rest.length ? `/${rest.join('/')}` : '') : rest.join('/'),
          ] as const)
        : (['body', raw] as const);
  return {
    location: resolvedLocation,
    path,
    message: e.message ?? 'invalid',
    ...(e.errorCode ? { code: e.errorCode.replace(/\.openapi\.validation$/, '') } : {}),
  };
}

function fromValidator(e: ValidatorError, method: string, path: string): AppError {
  switch (e.status) {
    case 400:
      return new AppError(400, 'validation_failed', {
        // `if` errors only say "must match then": the branch's own errors follow them.
        errors: (e.errors ?? [])
          .filter((x) => x.errorCode !== 'if.openapi.validation')
          .map((x) => toFieldError(x, path)),
      });
    case 404:
      return new AppError(404, 'route_not_found', { params: { method, path } });
    case 405:
      return new AppError(405, 'method_not_allowed', { params: { method, path }, headers: e.headers ?? {} });
    case 413:
      return new AppError(413, 'payload_too_large', { params: { limit: 'the configured limit' } });
    case 415:
      return new AppError(415, 'unsupported_media_type');
    default:
      return new AppError(500, 'internal_error', { cause: e });
  }
}

function fromBodyParser(e: BodyParserError, bodyLimit: string): AppError {
  switch (e.type) {
    case 'entity.parse.failed':
      return new AppError(400, 'malformed_json');
    case 'entity.too.large':
      return new AppError(413, 'payload_too_large', { params: { limit: bodyLimit } });
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return new AppError(415, 'unsupported_media_type');
    default:
      return new AppError(400, 'malformed_json', { cause: e });
  }
}

/** The AppError a client should see for `error` (unknown errors become internal_error). */
export function toAppError(
  error: unknown,
  request: { method: string; path: string },
  bodyLimit: string,
): AppError {
  if (error instanceof AppError) return error;
  if (isBodyParserError(error)) return fromBodyParser(error, bodyLimit);
  if (isValidatorError(error)) return fromValidator(error, request.method, request.path);
  // A store or queue failing for the moment (its retries spent) is an outage the client may retry
  // after, not a bug: 503 with Retry-After, as when the account gate cannot read DynamoDB.
  if (isRetryable(error) || (error instanceof QueueSendError && !error.senderFault))
    return serviceUnavailable(1, error);
  return new AppError(500, 'internal_error', { cause: error });
}

/**
 * `instance` is the request's path, never its query: a query can carry a secret (an OAuth
 * callback's authorization code, a token a client put in the URL), and a problem body ends up in
 * the app's logs and crash reports.
 */
export function toProblem(error: AppError, requestTarget: string, correlationId: string): ProblemResponse {
  const query = requestTarget.indexOf('?');
  const instance = query === -1 ? requestTarget : requestTarget.slice(0, query);
  return {
    status: error.status,
    headers: error.headers,
    body: {
      type: `${PROBLEM_TYPE_BASE}${error.code}`,
      title: error.title,
      status: error.status,
      detail: error.detail,
      code: error.code,
      instance,
      correlationId,
      ...(error.errors ? { errors: error.errors } : {}),
    },
  };
}
