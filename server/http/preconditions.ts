// Optimistic locking over HTTP: the version to update comes from If-Match (an ETag, answered with
// 412 when stale) or from `version` in the body (answered with 409 when stale); without either the
// request is refused with 428, so a blind overwrite is impossible.
import { AppError } from '../../core/errors/AppError.js';
import type { VersionConflictError } from '../../core/store/errors.js';

export interface Precondition {
  version: number;
  via: 'if-match' | 'body';
  ifMatch?: string;
}

export const etagOf = (version: number) => `"${version}"`;

const ETAG = /^(?:W\/)?"(\d{1,15})"$/;

export function preconditionFrom(
  ifMatch: string | undefined,
  bodyVersion: number | undefined,
): Precondition | undefined {
  if (ifMatch !== undefined) {
    if (ifMatch.trim() === '*') return undefined;
    const match = ETAG.exec(ifMatch.trim());
    // An ETag we never issued cannot match the current one.
    if (!match) throw new AppError(412, 'precondition_failed', { params: { ifMatch, etag: 'unknown' } });
    return { version: Number(match[1]), via: 'if-match', ifMatch };
  }
  if (bodyVersion !== undefined) return { version: bodyVersion, via: 'body' };
  return undefined;
}

/** Like preconditionFrom, but a precondition is mandatory (`If-Match: *` still counts as one). */
export function requirePrecondition(
  ifMatch: string | undefined,
  bodyVersion: number | undefined,
): Precondition | '*' {
  const p = preconditionFrom(ifMatch, bodyVersion);
  if (p) return p;
  if (ifMatch?.trim() === '*') return '*';
  throw new AppError(428, 'precondition_required');
}

/** Turns a lost optimistic-locking race into the status the caller's precondition calls for. */
export function versionConflictToHttp(error: VersionConflictError, precondition: Precondition): AppError {
  if (precondition.via === 'if-match')
    return new AppError(412, 'precondition_failed', {
      params: {
        ifMatch: precondition.ifMatch ?? '',
        etag: error.actual === undefined ? 'none' : etagOf(error.actual),
      },
    });
  return new AppError(409, 'version_conflict', {
    params: { expected: precondition.version, actual: error.actual ?? 'none' },
  });
}
