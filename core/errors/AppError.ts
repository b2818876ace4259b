// The one error hierarchy. Every error a client can see has a stable code, an HTTP status and a
// message resolved from messages.en.json (no user-facing strings in code).
import messages from './messages.en.json' with { type: 'json' };

export type ErrorCode = keyof typeof messages;

export interface FieldError {
  location: 'body' | 'query' | 'path' | 'header';
  path: string;
  message: string;
  code?: string;
}

export interface AppErrorOptions {
  params?: Record<string, string | number>;
  errors?: FieldError[];
  headers?: Record<string, string>;
  cause?: unknown;
}

export class AppError extends Error {
  override readonly name = 'AppError';
  readonly params: Record<string, string | number>;
  readonly errors: FieldError[] | undefined;
  readonly headers: Record<string, string>;

  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    options: AppErrorOptions = {},
  ) {
    super(code, { cause: options.cause });
    this.params = options.params ?? {};
    this.errors = options.errors;
    this.headers = options.headers ?? {};
  }

  get title(): string {
    return messages[this.code].title;
  }

  get detail(): string {
    return messages[this.code].detail.replace(/\{(\w+)\}/g, (_, k: string) =>
      String(this.params[k] ?? `{${k}}`),
    );
  }
}

export const notFound = (resource: string) => new AppError(404, 'not_found', { params: { resource } });

export const notImplemented = (operation: string) =>
  new AppError(501, 'not_implemented', { params: { operation } });

export const serviceUnavailable = (retryAfterSeconds: number, cause?: unknown) =>
  new AppError(503, 'service_unavailable', {
    params: { retryAfterSeconds },
    headers: { 'Retry-After': String(retryAfterSeconds) },
    cause,
  });
