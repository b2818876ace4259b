// Fixed-window request counters, the way Strava (15 minutes + daily, per application) and Fitbit
// (an hour, per user) count. Windows start at the wall-clock boundary, as both providers document.
export interface WindowState {
  limit: number;
  used: number;
  /** Epoch ms when the window resets. */
  resetAt: number;
}

export class FixedWindowCounter {
  private readonly counts = new Map<string, { start: number; used: number }>();

  constructor(
    private readonly windowMs: number,
    public limit: number,
  ) {}

  /** Counts one request for `key` unless the window is full; returns the state after it. */
  hit(key: string, nowMs: number): WindowState & { allowed: boolean } {
    const start = Math.floor(nowMs / this.windowMs) * this.windowMs;
    let entry = this.counts.get(key);
    if (!entry || entry.start !== start) {
      entry = { start, used: 0 };
      this.counts.set(key, entry);
    }
    const allowed = entry.used < this.limit;
    if (allowed) entry.used += 1;
    return { allowed, limit: this.limit, used: entry.used, resetAt: start + this.windowMs };
  }

  peek(key: string, nowMs: number): WindowState {
    const start = Math.floor(nowMs / this.windowMs) * this.windowMs;
    const entry = this.counts.get(key);
    const used = entry && entry.start === start ? entry.used : 0;
    return { limit: this.limit, used, resetAt: start + this.windowMs };
  }

  reset(): void {
    this.counts.clear();
  }
}
