// Tier 1 of the seed's polling (§3f), the "sync velocity": how long to wait before the next
// pre-flight check of a connection. The wait is half the time since new data was last seen,
// between POLL_MIN_INTERVAL_SECONDS (15 min: an active user) and POLL_MAX_INTERVAL_SECONDS (an idle
// one: 12 h by default; the seed's example is 24 h, and `npm run bench:poll` shows why 12 h: for
// mostly-idle users 3.9 % of checks trigger a full job instead of 5.3 %, and new data is found
// within 11 h instead of 22 h (p95), for less than one more light request per user and day). So checks come every 15 min right after activity and thin out geometrically
// (×1.5 per empty check): from 15 min to a day in about fifteen checks. A connection never seen with
// new data counts as idle.

export interface PollIntervals {
  minSeconds: number;
  maxSeconds: number;
}

export function nextPollDelaySeconds(
  now: Date,
  lastNewDataAt: Date | undefined,
  intervals: PollIntervals,
): number {
  const idleSeconds = lastNewDataAt
    ? Math.max(0, (now.getTime() - lastNewDataAt.getTime()) / 1000)
    : Number.POSITIVE_INFINITY;
  return Math.round(Math.min(intervals.maxSeconds, Math.max(intervals.minSeconds, idleSeconds / 2)));
}
