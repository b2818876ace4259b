// Is the soaked worker flat? Each watched figure's least-squares slope over the second half of the
// load (the first half is warm-up: JIT, caches and connection pools filling, every user's first
// sync writing its workouts), against a written limit per minute.
import { round, slope } from '../lib/stats.js';
import type { SoakSample } from './sampler.js';

export type WatchedFigure = 'rssMb' | 'heapUsedMb' | 'eventLoopLagP99Ms' | 'activeHandles' | 'redisKeys';

export interface FlatnessLimit {
  /** Largest slope over the steady half that still counts as flat, per minute. */
  perMinute: number;
  unit: string;
  why: string;
}

/**
 * The limits. At the default 20 jobs/s a steady half sees 6,000 jobs, so 1 MB/min of heap is under
 * 1 KB kept per job: a per-job leak of any real size shows; GC's sawtooth over tens of samples does
 * not. The Redis working set depends on the users, who are fixed, so it must stop growing once every
 * user has synced; handles (sockets in the keep-alive pools, timers) likewise.
 */
export const LIMITS: Record<WatchedFigure, FlatnessLimit> = {
  heapUsedMb: { perMinute: 1, unit: 'MB', why: 'under 1 KB kept per job at 20 jobs/s' },
  rssMb: { perMinute: 2, unit: 'MB', why: 'the heap plus native memory (Buffers, sockets, code)' },
  eventLoopLagP99Ms: {
    perMinute: 2,
    unit: 'ms',
    why: 'no creeping work per tick (a list scanned that grows)',
  },
  activeHandles: { perMinute: 1, unit: 'handles', why: 'fewer than 5 more over the steady half' },
  redisKeys: { perMinute: 5, unit: 'keys', why: 'a fixed set of users: the working set plateaus' },
};

export interface Trend {
  first: number;
  last: number;
  max: number;
  /** Least-squares slope over the steady half, per minute. */
  slopePerMinute: number;
  limitPerMinute: number;
  flat: boolean;
}

/** The samples of the steady half: from half the load's duration on. */
export function steadyHalf(samples: readonly SoakSample[], loadSeconds: number): SoakSample[] {
  return samples.filter((s) => s.t >= loadSeconds / 2);
}

export function trends(samples: readonly SoakSample[], loadSeconds: number): Record<WatchedFigure, Trend> {
  const steady = steadyHalf(samples, loadSeconds);
  const minutes = steady.map((s) => s.t / 60);
  const out = {} as Record<WatchedFigure, Trend>;
  for (const figure of Object.keys(LIMITS) as WatchedFigure[]) {
    const values = samples.map((s) => s[figure]);
    const perMinute = slope(
      minutes,
      steady.map((s) => s[figure]),
    );
    out[figure] = {
      first: values[0] ?? Number.NaN,
      last: values[values.length - 1] ?? Number.NaN,
      max: values.length ? Math.max(...values) : Number.NaN,
      slopePerMinute: round(perMinute, 3),
      limitPerMinute: LIMITS[figure].perMinute,
      flat: perMinute <= LIMITS[figure].perMinute,
    };
  }
  return out;
}

/** What is not flat, in words; empty when every watched figure is. */
export function notFlat(t: Record<WatchedFigure, Trend>): string[] {
  return (Object.entries(t) as [WatchedFigure, Trend][]).flatMap(([figure, trend]) =>
    trend.flat
      ? []
      : [
          `${figure} grows ${trend.slopePerMinute} ${LIMITS[figure].unit}/min over the steady half ` +
            `(limit ${trend.limitPerMinute}: ${LIMITS[figure].why})`,
        ],
  );
}
