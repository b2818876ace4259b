// Wall-clock helpers for the fakes: providers show local times in the user's zone (Strava's
// start_date_local, Fitbit's startTime, Garmin's offsets), and the persona lives in real zones
// with DST. Intl does the zone arithmetic; nothing here hard-codes an offset.

/** Offset of `timeZone` from UTC at `instant`, in minutes (New York in winter: -300). */
const formatters = new Map<string, Intl.DateTimeFormat>();

export function utcOffsetMinutes(timeZone: string, instant: Date): number {
  // Building an Intl formatter costs far more than using one: keep one per zone.
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' });
    formatters.set(timeZone, formatter);
  }
  const part = formatter.formatToParts(instant).find((p) => p.type === 'timeZoneName')?.value;
  const match = /GMT([+-])(\d{2}):(\d{2})/.exec(part ?? '');
  if (!match) return 0;
  const minutes = Number(match[2]) * 60 + Number(match[3]);
  return match[1] === '-' ? -minutes : minutes;
}

/** `2026-11-01T01:30:00` (no offset): the wall-clock time at `instant` in `timeZone`. */
export function localIso(timeZone: string, instant: Date): string {
  const shifted = new Date(instant.getTime() + utcOffsetMinutes(timeZone, instant) * 60_000);
  return shifted.toISOString().slice(0, 19);
}

/** `2026-11-01`: the local calendar day of `instant` in `timeZone`. */
export function localDate(timeZone: string, instant: Date): string {
  return localIso(timeZone, instant).slice(0, 10);
}

/**
 * The instant a local wall-clock time denotes in `timeZone`. In the repeated hour of a DST end the
 * EARLIER instant is returned (first occurrence); in the skipped hour of a DST start, the instant
 * just after the gap.
 */
export function zonedToUtc(timeZone: string, local: string): Date {
  const asUtc = Date.parse(`${local.slice(0, 19)}Z`);
  // Two passes settle on the offset valid at the result; try both candidate offsets for ambiguity.
  const candidates = new Set<number>();
  for (const probe of [asUtc - 12 * 3_600_000, asUtc, asUtc + 12 * 3_600_000]) {
    const offset = utcOffsetMinutes(timeZone, new Date(probe));
    const guess = asUtc - offset * 60_000;
    if (localIso(timeZone, new Date(guess)) === local.slice(0, 19)) candidates.add(guess);
  }
  if (candidates.size > 0) return new Date(Math.min(...candidates));
  // Skipped hour: the wall time does not exist; use the offset from before the gap.
  return new Date(asUtc - utcOffsetMinutes(timeZone, new Date(asUtc - 12 * 3_600_000)) * 60_000);
}

/** Formats an offset in minutes as `-05:00`. */
export function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** The most recent instant before `now` at which `timeZone` changed its offset (a DST start or end). */
export function lastDstChange(timeZone: string, now: Date): Date | undefined {
  // Day steps find the day of the change; bisection then finds its minute (zones change on whole
  // minutes, and Intl calls are not free), so the result does not carry now's minutes and seconds.
  const DAY = 86_400_000;
  const MINUTE = 60_000;
  const offsetAt = (minute: number) => utcOffsetMinutes(timeZone, new Date(minute * MINUTE));
  let laterOffset = utcOffsetMinutes(timeZone, now);
  for (let t = now.getTime() - DAY; t > now.getTime() - 400 * DAY; t -= DAY) {
    const earlierOffset = utcOffsetMinutes(timeZone, new Date(t));
    if (earlierOffset !== laterOffset) {
      // The earlier offset holds at `lo`, the later one from `hi` on.
      let lo = Math.floor(t / MINUTE);
      let hi = Math.ceil((t + DAY) / MINUTE);
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (offsetAt(mid) === earlierOffset) lo = mid;
        else hi = mid;
      }
      return new Date(hi * MINUTE);
    }
    laterOffset = earlierOffset;
  }
  return undefined;
}
