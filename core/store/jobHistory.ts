// A job's status history, for operators (the console's job view): each transition appended to the
// job item by the same update that makes it, so the history can never disagree with the status.
// Bounded: a job deferred again and again (rate limits) would otherwise grow towards DynamoDB's
// 400 KB item limit; the claim trims the oldest entries (trimHistory).
import type { SyncJobStatus } from '../domain/types.js';

export interface JobHistoryEntry {
  status: SyncJobStatus;
  /** ISO instant of the transition. */
  at: string;
  /** Why, for a deferral or a failure (a stable error code). */
  code?: string;
}

/** Entries kept after a trim; a trim happens once there are HISTORY_TRIM_AT. */
export const HISTORY_KEEP = 40;
export const HISTORY_TRIM_AT = 60;

/** The SET clause that appends one entry (`:history`), creating the list on items written before it existed. */
export const APPEND_HISTORY = 'History = list_append(if_not_exists(History, :noHistory), :history)';

export function historyValues(entry: JobHistoryEntry): {
  ':noHistory': never[];
  ':history': JobHistoryEntry[];
} {
  return { ':noHistory': [], ':history': [{ ...entry }] };
}

/** The REMOVE expression dropping the oldest entries of a history of `length`, or undefined if short enough. */
export function trimExpression(length: number): string | undefined {
  if (length < HISTORY_TRIM_AT) return undefined;
  const drop = length - HISTORY_KEEP;
  return `REMOVE ${Array.from({ length: drop }, (_, i) => `History[${i}]`).join(', ')}`;
}
