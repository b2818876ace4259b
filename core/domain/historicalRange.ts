// Historical sync (the cold path): checking a requested date range and splitting it into chunks.
// Days are UTC calendar days: chunk i covers [startDate 00:00Z, endDate + 1 day 00:00Z), so
// consecutive chunks meet exactly and no instant falls into two of them. (A record's local day
// can differ from its UTC day; the chunks still cover the whole range without gaps or overlaps.)
import { PROVIDER_PROFILES } from '../providers/profiles.js';
import type { DateRange, Provider } from './types.js';

const DAY_MS = 86_400_000;

export type DateRangeProblem =
  | { code: 'invalid_date_range'; reason: 'end_before_start' | 'starts_in_future' | 'not_a_date' }
  | { code: 'date_range_too_long'; days: number; maxDays: number };

const dayMs = (date: string) => Date.parse(`${date}T00:00:00Z`);
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Days in the inclusive range. */
export function daysIn(range: DateRange): number {
  return Math.round((dayMs(range.endDate) - dayMs(range.startDate)) / DAY_MS) + 1;
}

/**
 * Why a range cannot be backfilled, or undefined when it can. A range may end in the future (the
 * chunk just finds nothing there) but may not start after today.
 */
export function checkDateRange(
  range: DateRange,
  options: { today: Date; maxDays: number },
): DateRangeProblem | undefined {
  const start = dayMs(range.startDate);
  const end = dayMs(range.endDate);
  // The schema's `format: date` accepts 2023-02-30; Date.parse does not round-trip it.
  if (
    Number.isNaN(start) ||
    Number.isNaN(end) ||
    isoDay(start) !== range.startDate ||
    isoDay(end) !== range.endDate
  )
    return { code: 'invalid_date_range', reason: 'not_a_date' };
  if (end < start) return { code: 'invalid_date_range', reason: 'end_before_start' };
  if (start > dayMs(options.today.toISOString().slice(0, 10)))
    return { code: 'invalid_date_range', reason: 'starts_in_future' };
  const days = daysIn(range);
  if (days > options.maxDays) return { code: 'date_range_too_long', days, maxDays: options.maxDays };
  return undefined;
}

/** Consecutive chunks of at most `chunkDays` days covering the range, oldest first. */
export function splitDateRange(range: DateRange, chunkDays: number): DateRange[] {
  if (!Number.isInteger(chunkDays) || chunkDays < 1)
    throw new RangeError('chunkDays must be a positive integer');
  const chunks: DateRange[] = [];
  const end = dayMs(range.endDate);
  for (let start = dayMs(range.startDate); start <= end; start += chunkDays * DAY_MS) {
    chunks.push({
      startDate: isoDay(start),
      endDate: isoDay(Math.min(start + (chunkDays - 1) * DAY_MS, end)),
    });
  }
  return chunks;
}

/** The half-open instant window of a range of UTC days. */
export function windowOfDateRange(range: DateRange): { since: Date; until: Date } {
  return { since: new Date(dayMs(range.startDate)), until: new Date(dayMs(range.endDate) + DAY_MS) };
}

/**
 * Chunk length for a job: the configured length, never more than the source provider serves
 * comfortably in one job (its profile's `maxHistoricalChunkDays`).
 */
export function chunkDaysFor(provider: Provider, configured: number): number {
  return Math.max(1, Math.min(configured, PROVIDER_PROFILES[provider].maxHistoricalChunkDays));
}
