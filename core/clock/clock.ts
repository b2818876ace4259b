// The one place product code reads the current time. Everything that asks "what time is it"
// (API, worker, scheduler, poller, provider sandbox, personas, dev token issuer) calls `clock`, so
// a test or the date matrix (`npm run test:dates`) can run the whole system at a chosen date and
// the suite cannot depend on the day it runs. ESLint forbids `Date.now()` and `new Date()` elsewhere.
import { clockOffsetFromEnv, clockStartFromEnv } from '../config/clockStart.js';

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

  get offset(): number {
    return this.offsetMs;
  }
}

const start = clockStartFromEnv();
const processClock = new ShiftedClock(
  // eslint-disable-next-line no-restricted-syntax -- the one read of the system clock
  clockOffsetFromEnv() ?? (start === undefined ? 0 : start - Date.now()),
);

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
 * The environment a child process needs to share this process's clock (benchmarks and tests spawn
 * workers): the offset itself, so the child reads exactly the parent's time however long it takes
 * to start (an instant would leave it behind by its start-up time).
 */
export function clockEnvForChild(): Record<string, string> {
  return processClock.shifted
    ? { SYNCWELL_CLOCK_OFFSET_MS: String(processClock.offset), SYNCWELL_CLOCK_START: '' }
    : { SYNCWELL_CLOCK_OFFSET_MS: '', SYNCWELL_CLOCK_START: '' };
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
