// Errors in Google's format (AIP-193): `{error: {code, message, status, details}}`, `status` the
// google.rpc.Code name of the HTTP status, details typed by `@type` (ErrorInfo, BadRequest).
import type { SandboxReply } from '../types.js';

export type Json = Record<string, unknown>;

export const SERVICE = 'health.googleapis.com';

export function googleError(
  code: number,
  status: string,
  message: string,
  details: Json[] = [],
  headers?: Record<string, string>,
): SandboxReply {
  return {
    status: code,
    ...(headers ? { headers } : {}),
    body: { error: { code, message, status, ...(details.length ? { details } : {}) } },
  };
}

export const errorInfo = (reason: string, domain = SERVICE, metadata?: Record<string, string>): Json => ({
  '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
  reason,
  domain,
  ...(metadata ? { metadata } : {}),
});

export const invalidArgument = (message: string, reason: string) =>
  googleError(400, 'INVALID_ARGUMENT', message, [errorInfo(reason)]);

/** What the discovery document refuses, as Google's frontend words a bad request. */
export const badRequest = (violations: string[]) =>
  googleError(400, 'INVALID_ARGUMENT', violations.join('; '), [
    {
      '@type': 'type.googleapis.com/google.rpc.BadRequest',
      fieldViolations: violations.map((description) => ({ description })),
    },
  ]);

export const permissionDenied = (message = 'The caller does not have permission') =>
  googleError(403, 'PERMISSION_DENIED', message);
