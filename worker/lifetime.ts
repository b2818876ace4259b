// A worker's maximum lifetime (WORKER_MAX_LIFETIME_SECONDS): long-lived processes accumulate what no
// test sees (heap fragmentation, a slow leak, a stale DNS answer), so each task retires itself after
// a while and the orchestrator (ECS) replaces it. Jittered ±10 %, so tasks started together do not
// all leave together.
const JITTER = 0.1;

export interface RetirementTimer {
  /** When it fires, in ms from now; undefined when retirement is off. */
  readonly afterMs: number | undefined;
  cancel(): void;
}

export function scheduleRetirement(o: {
  seconds: number;
  onRetire: () => void;
  random?: () => number;
  setTimer?: (fn: () => void, ms: number) => { unref?(): unknown } & object;
  clearTimer?: (timer: object) => void;
}): RetirementTimer {
  if (o.seconds <= 0) return { afterMs: undefined, cancel: () => undefined };
  const random = o.random ?? Math.random;
  const afterMs = Math.round(o.seconds * 1000 * (1 - JITTER + 2 * JITTER * random()));
  const setTimer = o.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
  const clearTimer = o.clearTimer ?? ((t) => clearTimeout(t as NodeJS.Timeout));
  const timer = setTimer(o.onRetire, afterMs);
  // Retirement alone never keeps the process alive.
  timer.unref?.();
  return { afterMs, cancel: () => clearTimer(timer) };
}
