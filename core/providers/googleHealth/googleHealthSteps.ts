// Steps, the one data type here whose Google Health points have no names (not identifiable): a
// day is read from points of several sources, and written as points that a retry cannot recognise
// by id. Both sides are decided here, without I/O; googleHealthProvider.ts lists and creates.
//
// Google keeps every source's points (Fitbit tracker, phone, other apps) side by side: summing
// them would count a day twice (the mapping takes points of one source). Until the reconciled
// stream (dataPoints:reconcile) is used, a day is the source that counted the most that day.
import type { CanonicalSteps } from '../../domain/types.js';
import { localDayStart } from '../../domain/localTime.js';
import { stepsFromDataPoints, type GoogleHealthSource, type StepsCreateBody } from './googleHealthMapping.js';
import type { StepsDataPoint } from './googleHealthSchemas.js';

const DAY_MS = 86_400_000;
/** What dataSource.platform says of points written through the REST API (SyncWell's among them). */
const WEB_API = 'GOOGLE_WEB_API';

/** Where a steps point comes from: the uploading platform and app (not the device). */
function sourceKeyOf(point: StepsDataPoint): string {
  const s = point.dataSource;
  const app = s?.application;
  return JSON.stringify([
    s?.platform ?? '',
    app?.packageName ?? app?.webClientId ?? app?.googleWebClientId ?? '',
  ]);
}

/** One record per local day: the day as the source with the most steps that day counted it. */
export function stepsDays(points: readonly StepsDataPoint[], source: GoogleHealthSource): CanonicalSteps[] {
  const bySource = new Map<string, StepsDataPoint[]>();
  for (const p of points) {
    const key = sourceKeyOf(p);
    const list = bySource.get(key);
    if (list) list.push(p);
    else bySource.set(key, [p]);
  }
  const days = new Map<string, CanonicalSteps>();
  for (const group of bySource.values())
    for (const day of stepsFromDataPoints(group, source)) {
      const best = days.get(day.date);
      if (!best || day.steps > best.steps) days.set(day.date, day);
    }
  return [...days.values()];
}

const nextDate = (date: string) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10);

/** The instants whose steps points belong to the record's local day, and the bodies' own span. */
export function stepsDayRange(
  record: CanonicalSteps,
  bodies: readonly StepsCreateBody[],
): { from: number; to: number } {
  let start: number;
  let end: number;
  try {
    start = localDayStart(record.timezone ?? 'Etc/UTC', record.date).getTime();
    end = localDayStart(record.timezone ?? 'Etc/UTC', nextDate(record.date)).getTime();
  } catch {
    // Not an IANA zone: the UTC day.
    start = Date.parse(`${record.date}T00:00:00Z`);
    end = start + DAY_MS;
  }
  const starts = bodies.map((b) => Date.parse(b.steps.interval.startTime));
  return { from: Math.min(start, ...starts), to: Math.max(end, ...starts.map((s) => s + 1)) };
}

const keyOf = (i: { startTime: string; endTime: string }, count: number) =>
  `${Date.parse(i.startTime)}|${Date.parse(i.endTime)}|${count}`;

export type StepsWritePlan = { write: StepsCreateBody[] } | { conflict: string };

/**
 * What to create for a steps day, given the points Google already holds in it. Points written
 * through the REST API with one of the bodies' interval and count are SyncWell's earlier write
 * (a retry, or one cut off half-way): only the rest is written, and nothing left is a conflict. Any
 * other point means another source (or an earlier, different write) already counts that day:
 * writing would count it twice, so that is a conflict too.
 */
export function planStepsWrite(
  record: CanonicalSteps,
  bodies: readonly StepsCreateBody[],
  existing: readonly StepsDataPoint[],
): StepsWritePlan {
  const planned = new Set(bodies.map((b) => keyOf(b.steps.interval, Number(b.steps.count))));
  const written = new Set<string>();
  let others = 0;
  for (const p of existing) {
    const key = keyOf(p.steps.interval, p.steps.count);
    if (p.dataSource?.platform === WEB_API && planned.has(key)) written.add(key);
    else others += p.steps.count;
  }
  // Another source's zero counts nothing twice.
  if (others > 0)
    return {
      conflict: `Google Health already counts ${others} steps on ${record.date} (other sources or writes)`,
    };
  const write = bodies.filter((b) => !written.has(keyOf(b.steps.interval, Number(b.steps.count))));
  if (write.length === 0)
    return { conflict: `Google Health already holds these steps on ${record.date} (written before)` };
  return { write };
}
