// Cross-service duplicate detection on record summaries (metadata-first: no payload is needed).
//
// The rules mirror tapiriik's activity matching (cpfair/tapiriik, tapiriik/sync/sync.py,
// `SynchronizationTask._accumulateActivities`) and improve on it where we have more information:
//
// - tapiriik treats two activities as the same when their start times are less than 3 minutes
//   apart (`activityStartLeeway = timedelta(minutes=3)`). We keep 3 minutes: copies of one recording
//   at two services start within seconds of each other, and a wider window only adds the risk of
//   folding two real, back-to-back sessions into one (a workout that is then never written).
// - tapiriik also accepts two activities whose start times differ by whole hours (up to 38 h) when
//   their minutes and seconds agree within 1 minute (`activityStartTZOffsetLeeway`), and likewise
//   for half-hour offsets: the signature of a time-zone bug ("local time uploaded as UTC"). We
//   accept whole-hour offsets of 1..14 h (the real range of UTC offsets; tapiriik's 38 h served one
//   broken importer) with the same 1-minute residual, plus the exact UTC offsets of the records' own
//   time zones (so +05:30 or +05:45 zones are caught precisely, without accepting every half hour).
//   Hour-shifted matches need more evidence than exact ones: durations (and distances, when both
//   are known) must agree closely, because two different sessions of similar length an hour apart
//   are far more common than a time-zone bug.
// - tapiriik compares wall-clock times when one side has no time zone (`replace(tzinfo=None)`). Our
//   summaries always carry instants (ISO 8601 with `Z`), so we compare instants: two records at
//   01:30 local on a DST fall-back night are an hour apart, and only the hour-offset rule (which
//   ranks below any exact match) can pair them.
// - tapiriik's type rule: same type, either side `Other`, or both in one variant group of
//   `ActivityType._hierarchy` (tapiriik/services/interchange.py: [Cycling, MountainBiking],
//   [Running, Walking, Hiking]). Our `WorkoutType` already folds cycling variants into `cycling`;
//   we keep walking~hiking but not running~walking/hiking (see WORKOUT_TYPE_GROUPS).
// - tapiriik takes the first coinciding activity; we rank candidates (exact before hour-shifted,
//   then the smallest time difference) and never give one destination record to two source records
//   (`findMatch`, `matchAll`).
import type { RecordSummary } from '../providers/dataProvider.js';
import type { WorkoutType } from '../domain/types.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

/** Workouts: starts this close are the same session (tapiriik `activityStartLeeway`). */
export const WORKOUT_START_TOLERANCE_MS = 3 * MINUTE_MS;
/** Residual allowed after removing a time-zone offset (tapiriik `activityStartTZOffsetLeeway`). */
export const TZ_SHIFT_TOLERANCE_MS = 1 * MINUTE_MS;
/** Whole-hour offsets considered for time-zone bugs: ±1..±14 h (UTC−12 … UTC+14). */
export const MAX_TZ_SHIFT_HOURS = 14;
/** Durations of the same workout may differ this much (moving vs elapsed time, auto-pause). */
export const MAX_DURATION_RATIO = 2;
/** Stricter duration/distance agreement for hour-shifted matches (copies of one recording). */
export const MAX_SHIFTED_RATIO = 1.2;
/** Sleep: intervals must overlap by at least this share of the shorter one. */
export const MIN_SLEEP_OVERLAP = 0.5;
/** Weight: measurements this close in time are the same measurement. */
export const WEIGHT_TOLERANCE_MS = 10 * MINUTE_MS;
/** Weight: hour-shifted copies must also carry (nearly) the same value (lb↔kg rounding). */
export const WEIGHT_SHIFTED_VALUE_TOLERANCE_KG = 0.2;
/** No two records further apart than this can match (pre-filter for large inputs). */
export const MAX_CANDIDATE_WINDOW_MS = 48 * HOUR_MS;

/**
 * Workout types that may describe the same session. `other` matches anything (tapiriik:
 * `x.Type == ActivityType.Other or act.Type == ActivityType.Other`); otherwise the types must be
 * equal or share a group.
 *
 * | type               | also matches            | why                                                   |
 * | ------------------ | ----------------------- | ----------------------------------------------------- |
 * | walking            | hiking                  | services label the same outing either way (tapiriik)  |
 * | hiking             | walking                 |                                                       |
 * | running            | (only running)          | tapiriik allows running~walking; at equal start times |
 * |                    |                         | a run and a walk are more often two sessions          |
 * | cycling            | (only cycling)          | road/MTB/indoor variants all map to `cycling` already |
 * | swimming, rowing,  | (only themselves)       |                                                       |
 * | elliptical, yoga,  |                         |                                                       |
 * | strength_training  |                         |                                                       |
 * | other              | everything              | unmapped provider types land here                     |
 */
export const WORKOUT_TYPE_GROUPS: readonly (readonly WorkoutType[])[] = [['walking', 'hiking']];

export type MatchKind = 'exact' | 'shifted';

/** How well two summaries match; lower `score` is better within a kind. */
export interface MatchQuality {
  kind: MatchKind;
  /** Time-zone offset removed (ms, b − a); 0 for exact matches. */
  offsetMs: number;
  /** Remaining difference: ms for timed records, |Δ steps| for steps. */
  score: number;
}

export interface RecordMatch {
  candidate: RecordSummary;
  quality: MatchQuality;
}

/** Whether two workout types may describe the same session (see WORKOUT_TYPE_GROUPS). */
export function compatibleWorkoutTypes(a: WorkoutType | undefined, b: WorkoutType | undefined): boolean {
  if (a === undefined || b === undefined || a === 'other' || b === 'other' || a === b) return true;
  return WORKOUT_TYPE_GROUPS.some((group) => group.includes(a) && group.includes(b));
}

/** Total order on match qualities: exact before shifted, then smaller score, then smaller offset. */
export function compareQuality(x: MatchQuality, y: MatchQuality): number {
  if (x.kind !== y.kind) return x.kind === 'exact' ? -1 : 1;
  if (x.score !== y.score) return x.score - y.score;
  return Math.abs(x.offsetMs) - Math.abs(y.offsetMs);
}

function instant(iso: string | null | undefined): number {
  if (iso === null || iso === undefined) return Number.NaN;
  return Date.parse(iso);
}

/** Duration in seconds: the summary's duration, else end − start; undefined when unknown or 0. */
export function durationSecondsOf(s: RecordSummary): number | undefined {
  if (s.durationSeconds !== undefined && Number.isFinite(s.durationSeconds) && s.durationSeconds > 0) {
    return s.durationSeconds;
  }
  const span = (instant(s.endTime) - instant(s.startTime)) / 1000;
  return Number.isFinite(span) && span > 0 ? span : undefined;
}

/** max/min ≤ limit when both values are known and positive; true when either is unknown. */
function withinRatio(a: number | null | undefined, b: number | null | undefined, limit: number): boolean {
  if (a === null || a === undefined || b === null || b === undefined || !(a > 0) || !(b > 0)) return true;
  return Math.max(a, b) / Math.min(a, b) <= limit;
}

const offsetFormatters = new Map<string, Intl.DateTimeFormat | null>();

/** UTC offset (ms) of an IANA zone at an instant; undefined for unknown zones. */
export function zoneOffsetMs(timeZone: string, atMs: number): number | undefined {
  let formatter = offsetFormatters.get(timeZone);
  if (formatter === undefined) {
    try {
      formatter = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' });
    } catch {
      formatter = null;
    }
    offsetFormatters.set(timeZone, formatter);
  }
  if (formatter === null || !Number.isFinite(atMs)) return undefined;
  const name = formatter.formatToParts(new Date(atMs)).find((p) => p.type === 'timeZoneName')?.value;
  if (name === undefined) return undefined;
  if (name === 'GMT') return 0;
  const m = /^GMT([+-])(\d{2}):(\d{2})$/.exec(name);
  if (!m) return undefined;
  const minutes = Number(m[2]) * 60 + Number(m[3]);
  return (m[1] === '-' ? -1 : 1) * minutes * MINUTE_MS;
}

const dateFormatters = new Map<string, Intl.DateTimeFormat | null>();

/** The record's local calendar day: its `date`, else its start in its time zone (UTC when none). */
export function localDateOf(s: RecordSummary): string | undefined {
  if (s.date) return s.date;
  const at = instant(s.startTime);
  if (!Number.isFinite(at)) return undefined;
  const zone = s.timezone ?? 'UTC';
  let formatter = dateFormatters.get(zone);
  if (formatter === undefined) {
    try {
      formatter = new Intl.DateTimeFormat('en-CA', {
        timeZone: zone,
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
      });
    } catch {
      formatter = null;
    }
    dateFormatters.set(zone, formatter);
  }
  if (formatter === null) return new Date(at).toISOString().slice(0, 10);
  return formatter.format(new Date(at));
}

/**
 * The time-zone offset that explains a start-time difference `deltaMs` (b − a), if any: a whole
 * number of hours (1..14, either sign) or the UTC offset of either record's zone at either start,
 * with at most `tolerance` left over. Returns the offset closest to `deltaMs`.
 */
export function explainingOffset(
  a: RecordSummary,
  b: RecordSummary,
  deltaMs: number,
  tolerance = TZ_SHIFT_TOLERANCE_MS,
): number | undefined {
  // No UTC offset exceeds 14 h: nothing further apart can be a time-zone bug (and no zone lookups).
  if (!(Math.abs(deltaMs) <= MAX_TZ_SHIFT_HOURS * HOUR_MS + tolerance)) return undefined;
  // Every UTC offset in use is a multiple of 15 minutes: anything else needs no zone lookups.
  const quarter = 15 * MINUTE_MS;
  if (Math.abs(deltaMs - Math.round(deltaMs / quarter) * quarter) > tolerance) return undefined;
  const offsets = new Set<number>();
  const hours = Math.round(deltaMs / HOUR_MS);
  if (hours !== 0 && Math.abs(hours) <= MAX_TZ_SHIFT_HOURS) offsets.add(hours * HOUR_MS);
  for (const zone of [a.timezone, b.timezone]) {
    if (!zone) continue;
    for (const at of [instant(a.startTime), instant(b.startTime)]) {
      const off = zoneOffsetMs(zone, at);
      if (off !== undefined && off !== 0) {
        offsets.add(off);
        offsets.add(-off);
      }
    }
  }
  let best: number | undefined;
  for (const off of offsets) {
    const residual = Math.abs(deltaMs - off);
    if (residual > tolerance) continue;
    if (best === undefined || residual < Math.abs(deltaMs - best)) best = off;
  }
  return best;
}

function compareWorkouts(a: RecordSummary, b: RecordSummary): MatchQuality | null {
  if (!compatibleWorkoutTypes(a.workoutType, b.workoutType)) return null;
  const delta = instant(b.startTime) - instant(a.startTime);
  if (!Number.isFinite(delta)) return null;
  const da = durationSecondsOf(a);
  const db = durationSecondsOf(b);
  if (Math.abs(delta) <= WORKOUT_START_TOLERANCE_MS) {
    return withinRatio(da, db, MAX_DURATION_RATIO)
      ? { kind: 'exact', offsetMs: 0, score: Math.abs(delta) }
      : null;
  }
  const offset = explainingOffset(a, b, delta);
  if (offset === undefined) return null;
  if (
    !withinRatio(da, db, MAX_SHIFTED_RATIO) ||
    !withinRatio(a.distanceMeters, b.distanceMeters, MAX_SHIFTED_RATIO)
  ) {
    return null;
  }
  return { kind: 'shifted', offsetMs: offset, score: Math.abs(delta - offset) };
}

function interval(s: RecordSummary): [number, number] | undefined {
  const start = instant(s.startTime);
  if (!Number.isFinite(start)) return undefined;
  let end = instant(s.endTime);
  if (!Number.isFinite(end) && s.durationSeconds !== undefined) end = start + s.durationSeconds * 1000;
  return Number.isFinite(end) && end > start ? [start, end] : undefined;
}

function compareSleep(a: RecordSummary, b: RecordSummary): MatchQuality | null {
  const ia = interval(a);
  const ib = interval(b);
  const deltaStart = instant(b.startTime) - instant(a.startTime);
  if (!Number.isFinite(deltaStart)) return null;
  if (!ia || !ib) {
    // Without intervals only near-identical starts can tell.
    return Math.abs(deltaStart) <= WORKOUT_START_TOLERANCE_MS
      ? { kind: 'exact', offsetMs: 0, score: Math.abs(deltaStart) }
      : null;
  }
  const deltaEnd = ib[1] - ia[1];
  const overlap = Math.min(ia[1], ib[1]) - Math.max(ia[0], ib[0]);
  const shorter = Math.min(ia[1] - ia[0], ib[1] - ib[0]);
  if (overlap > 0 && overlap >= MIN_SLEEP_OVERLAP * shorter) {
    return { kind: 'exact', offsetMs: 0, score: Math.abs(deltaStart) + Math.abs(deltaEnd) };
  }
  // A shifted copy moves both ends by the same offset (else any nap would match some night).
  const offset = explainingOffset(a, b, deltaStart);
  if (offset === undefined || Math.abs(deltaEnd - offset) > TZ_SHIFT_TOLERANCE_MS) return null;
  return {
    kind: 'shifted',
    offsetMs: offset,
    score: Math.abs(deltaStart - offset) + Math.abs(deltaEnd - offset),
  };
}

function compareSteps(a: RecordSummary, b: RecordSummary): MatchQuality | null {
  const da = localDateOf(a);
  if (da === undefined || da !== localDateOf(b)) return null;
  const score = a.value !== undefined && b.value !== undefined ? Math.abs(a.value - b.value) : 0;
  return { kind: 'exact', offsetMs: 0, score };
}

function compareWeight(a: RecordSummary, b: RecordSummary): MatchQuality | null {
  const delta = instant(b.startTime) - instant(a.startTime);
  if (!Number.isFinite(delta)) return null;
  if (Math.abs(delta) <= WEIGHT_TOLERANCE_MS) return { kind: 'exact', offsetMs: 0, score: Math.abs(delta) };
  const offset = explainingOffset(a, b, delta);
  if (offset === undefined) return null;
  if (
    a.value !== undefined &&
    b.value !== undefined &&
    Math.abs(a.value - b.value) > WEIGHT_SHIFTED_VALUE_TOLERANCE_KG
  ) {
    return null;
  }
  return { kind: 'shifted', offsetMs: offset, score: Math.abs(delta - offset) };
}

/** How `b` matches `a` (same data type, same real-world record), or null when they differ. */
export function matchQuality(a: RecordSummary, b: RecordSummary): MatchQuality | null {
  if (a.dataType !== b.dataType) return null;
  switch (a.dataType) {
    case 'workout':
      return compareWorkouts(a, b);
    case 'sleep_session':
      return compareSleep(a, b);
    case 'steps':
      return compareSteps(a, b);
    case 'weight':
      return compareWeight(a, b);
    default:
      return null;
  }
}

/** Whether two summaries (usually from different services) describe the same real-world record. */
export function sameRecord(a: RecordSummary, b: RecordSummary): boolean {
  return matchQuality(a, b) !== null;
}

function compareMatches(x: RecordMatch, y: RecordMatch): number {
  const q = compareQuality(x.quality, y.quality);
  if (q !== 0) return q;
  return x.candidate.recordId < y.candidate.recordId
    ? -1
    : x.candidate.recordId > y.candidate.recordId
      ? 1
      : 0;
}

export interface FindMatchOptions {
  /** Accept only exact matches (no time-zone-shifted ones). */
  exactOnly?: boolean;
}

/**
 * The best candidate for `source` whose recordId is not in `used` (exact before hour-shifted, then
 * the smallest difference, then the smallest recordId). The chosen id is added to `used`, so calling
 * it for several sources never gives one candidate to two of them. Prefer `matchAll` for a batch:
 * it assigns the globally best pairs first, independent of input order.
 */
export function findMatch(
  source: RecordSummary,
  candidates: readonly RecordSummary[],
  used: Set<string>,
  options: FindMatchOptions = {},
): RecordMatch | undefined {
  let best: RecordMatch | undefined;
  for (const candidate of candidates) {
    if (used.has(candidate.recordId)) continue;
    const quality = matchQuality(source, candidate);
    if (quality === null || (options.exactOnly && quality.kind !== 'exact')) continue;
    const match = { candidate, quality };
    if (best === undefined || compareMatches(match, best) < 0) best = match;
  }
  if (best) used.add(best.candidate.recordId);
  return best;
}

/** Candidates sorted by start time, for finding those near a record without scanning them all. */
export class CandidateIndex {
  private readonly entries: { at: number; record: RecordSummary }[] = [];

  constructor(records: Iterable<RecordSummary> = []) {
    for (const record of records) this.add(record);
  }

  /** Adds a record (records without a parseable start time can never match and are ignored). */
  add(record: RecordSummary): void {
    const at = instant(record.startTime);
    if (!Number.isFinite(at)) return;
    const i = this.lowerBound(at, record.recordId);
    this.entries.splice(i, 0, { at, record });
  }

  /** Records whose start is within MAX_CANDIDATE_WINDOW_MS of `source`'s start, by start time. */
  near(source: RecordSummary): RecordSummary[] {
    const at = instant(source.startTime);
    if (!Number.isFinite(at)) return [];
    const out: RecordSummary[] = [];
    for (let i = this.lowerBound(at - MAX_CANDIDATE_WINDOW_MS, ''); i < this.entries.length; i++) {
      const entry = this.entries[i];
      if (!entry || entry.at > at + MAX_CANDIDATE_WINDOW_MS) break;
      out.push(entry.record);
    }
    return out;
  }

  private lowerBound(at: number, recordId: string): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const e = this.entries[mid];
      if (e && (e.at < at || (e.at === at && e.record.recordId < recordId))) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/**
 * Matches many sources against candidates one-to-one: every acceptable pair is ranked (exact before
 * shifted, smaller difference first, ties by record ids) and taken greedily when neither side is
 * taken yet. Unlike matching source by source, a source cannot take (through an hour-shifted match)
 * the record whose exact copy belongs to another source, and the result does not depend on the
 * order of either list. Candidates in `used` are skipped; chosen ones are added to it.
 * Returns sourceRecordId → match.
 */
export function matchAll(
  sources: readonly RecordSummary[],
  candidates: readonly RecordSummary[],
  used: Set<string> = new Set(),
): Map<string, RecordMatch> {
  const index = new CandidateIndex(candidates.filter((c) => !used.has(c.recordId)));
  const pairs: { source: RecordSummary; match: RecordMatch }[] = [];
  for (const source of sources) {
    for (const candidate of index.near(source)) {
      const quality = matchQuality(source, candidate);
      if (quality !== null) pairs.push({ source, match: { candidate, quality } });
    }
  }
  pairs.sort(
    (x, y) =>
      compareMatches(x.match, y.match) ||
      (x.source.recordId < y.source.recordId ? -1 : x.source.recordId > y.source.recordId ? 1 : 0),
  );
  const result = new Map<string, RecordMatch>();
  for (const { source, match } of pairs) {
    if (result.has(source.recordId) || used.has(match.candidate.recordId)) continue;
    result.set(source.recordId, match);
    used.add(match.candidate.recordId);
  }
  return result;
}
