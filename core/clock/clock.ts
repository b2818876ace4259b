// The one place product code reads the current time. Everything that asks "what time is it"
// (API, worker, scheduler, poller, provider sandbox, personas, dev token issuer) calls `clock`, so
// a test or the date matrix (`npm run test:dates`) can run the whole system at a chosen date and
// the suite cannot depend on the day it runs. ESLint forbids `Date.now()` and `new Date()` elsewhere.
import { clockStartFromEnv } from '../config/clockStart.js';

export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  date(): Date;
}

/** A clock that runs at real speed, `offsetMs` away from the system clock. */
class ShiftedClock implements Clock {
  constructor(private offsetMs: number) {}

  // Arrow properties: `clock.now` may be passed around as a plain function.
  // eslint-disable-next-line no-restricted-syntax -- the one read of the system clock
  readonly now = (): number => Date.now() + this.offsetMs;

  readonly date = (): Date => new Date(this.now());

  /** Moves the clock so that it reads `instantMs` now, and runs on from there. */
  startAt(instantMs: number): void {
    // eslint-disable-next-line no-restricted-syntax -- the one read of the system clock
    this.offsetMs = instantMs - Date.now();
  }

  get shifted(): boolean {
    return this.offsetMs !== 0;
  }
}

const start = clockStartFromEnv();
// eslint-disable-next-line no-restricted-syntax -- the one read of the system clock
const processClock = new ShiftedClock(start === undefined ? 0 : start - Date.now());

/** The process clock: the system clock, or the date `SYNCWELL_CLOCK_START` chose. */
export const clock: Clock = processClock;

/**
 * Moves the process clock (tests that need the whole in-process system at one date). Production
 * code never calls it.
 */
export function startProcessClockAt(instant: Date | number): void {
  processClock.startAt(typeof instant === 'number' ? instant : instant.getTime());
}

/**
 * The environment a child process needs to share this process's clock (benchmarks and `npm start`
 * spawn processes): the current reading, so parent and child agree to within the spawn time.
 */
export function clockEnvForChild(): Record<string, string> {
  return processClock.shifted ? { SYNCWELL_CLOCK_START: processClock.date().toISOString() } : {};
}

/** A clock that moves only when told to (unit tests). */
export class ManualClock implements Clock {
  constructor(private ms: number) {}

  now(): number {
    return this.ms;
  }

  date(): Date {
    return new Date(this.ms);
  }

  set(instant: Date | number): void {
    this.ms = typeof instant === 'number' ? instant : instant.getTime();
  }

  advance(ms: number): void {
    this.ms += ms;
  }
}
