// Pieces of the sync socket tests: a clock whose timers run only when the test says so (the
// socket's backoff becomes a list of delays to assert, then fire), and a token provider that
// records how it was asked.
import type { SocketClock } from '../../client-sdk/dist/index.js';
import { clock } from '../../core/clock/clock.js';

interface Timer {
  callback: () => void;
  ms: number;
  at: number;
}

export class ManualClock implements SocketClock {
  private time = clock.now();
  private nextId = 1;
  private readonly timers = new Map<number, Timer>();

  readonly now = (): number => this.time;

  readonly setTimeout = (callback: () => void, ms: number): unknown => {
    const id = this.nextId++;
    this.timers.set(id, { callback, ms, at: this.time + ms });
    return id;
  };

  readonly clearTimeout = (handle: unknown): void => {
    this.timers.delete(handle as number);
  };

  /** The delays of the timers waiting, in the order they were set. */
  get pending(): number[] {
    return [...this.timers.values()].map((t) => t.ms);
  }

  /** Moves the time to the earliest timer and runs it; returns its delay. */
  fireNext(): number {
    const next = [...this.timers.entries()].sort(([, a], [, b]) => a.at - b.at)[0];
    if (!next) throw new Error('no timer is waiting');
    const [id, timer] = next;
    this.timers.delete(id);
    this.time = Math.max(this.time, timer.at);
    timer.callback();
    return timer.ms;
  }

  advance(ms: number): void {
    this.time += ms;
  }
}

export type TokenRequest = { forceRefresh?: boolean } | undefined;

/** A token provider answering `next()` each time, and the options of every call. */
export function recordingTokenProvider(next: (request: TokenRequest) => string | Promise<string>) {
  const calls: TokenRequest[] = [];
  return {
    calls,
    getToken: async (request?: { forceRefresh?: boolean }) => {
      calls.push(request);
      return next(request);
    },
  };
}
