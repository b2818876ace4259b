// Wall-clock time in IANA zones with Intl only (no date library): the offsets of a zone at an
// instant, and the instant a floating local time denotes. Shared by providers that store local
// times (Fitbit) and by the device path (steps are local calendar days).
const formatters = new Map<string, Intl.DateTimeFormat>();

export function zoneFormatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' });
    formatters.set(zone, f);
  }
  return f;
}

/** Offset of `zone` from UTC at `instant`, in minutes (New York in winter: -300). */
export function offsetMinutes(zone: string, instant: Date): number {
  const name = zoneFormatter(zone)
    .formatToParts(instant)
    .find((p) => p.type === 'timeZoneName')?.value;
  const match = /GMT([+-])(\d{2}):(\d{2})/.exec(name ?? '');
  if (!match) return 0;
  const minutes = Number(match[2]) * 60 + Number(match[3]);
  return match[1] === '-' ? -minutes : minutes;
}

/** `2026-11-20T07:00:00`: the wall-clock time of `instant` in `zone`. */
export function wallClock(zone: string, instant: Date): string {
  return new Date(instant.getTime() + offsetMinutes(zone, instant) * 60_000).toISOString().slice(0, 19);
}

/**
 * The instant a floating local time denotes in `zone`. In the repeated hour of a DST end the first
 * occurrence wins; a time in the skipped hour of a DST start moves past the gap.
 */
export function floatingToInstant(zone: string, local: string): Date {
  const asUtc = Date.parse(`${local.slice(0, 19)}Z`);
  const candidates: number[] = [];
  for (const probe of [asUtc - 14 * 3_600_000, asUtc + 14 * 3_600_000]) {
    const guess = asUtc - offsetMinutes(zone, new Date(probe)) * 60_000;
    if (wallClock(zone, new Date(guess)) === local.slice(0, 19)) candidates.push(guess);
  }
  if (candidates.length) return new Date(Math.min(...candidates));
  return new Date(asUtc - offsetMinutes(zone, new Date(asUtc - 14 * 3_600_000)) * 60_000);
}

/** The instant a local calendar day (`2026-11-20`) starts in `zone`. */
export const localDayStart = (zone: string, date: string): Date =>
  floatingToInstant(zone, `${date}T00:00:00`);
