// Collects items from concurrent callers and flushes them together: when the batch is full or
// after a short window. Each caller gets back its own result (or error). This is how the API turns
// N concurrent requests into N/25 DynamoDB BatchWriteItem calls and N/10 SQS SendMessageBatch calls.

export interface MicroBatcherOptions<T, R> {
  /** Largest batch the backend accepts (25 for BatchWriteItem, 10 for SendMessageBatch). */
  maxSize: number;
  /** How long the first item of a batch may wait for company, in ms. 0 flushes on the next tick. */
  windowMs: number;
  /** Items that cannot share one batch (e.g. two writes to the same DynamoDB key) return the same key. */
  keyOf?: (item: T) => string;
  /** Sends one batch; returns one settled result per item, in order. */
  flush: (items: T[]) => Promise<Array<{ ok: true; value: R } | { ok: false; error: unknown }>>;
}

interface Pending<T, R> {
  item: T;
  resolve: (value: R) => void;
  reject: (error: unknown) => void;
}

export class MicroBatcher<T, R> {
  private pending: Pending<T, R>[] = [];
  private keys = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private inFlight = new Set<Promise<void>>();

  constructor(private readonly options: MicroBatcherOptions<T, R>) {}

  add(item: T): Promise<R> {
    const key = this.options.keyOf?.(item);
    if (key !== undefined && this.keys.has(key)) this.flushNow();
    return new Promise<R>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (key !== undefined) this.keys.add(key);
      if (this.pending.length >= this.options.maxSize) this.flushNow();
      else this.timer ??= setTimeout(() => this.flushNow(), this.options.windowMs);
    });
  }

  /** Waits until everything added so far has been sent (for graceful shutdown). */
  async drain(): Promise<void> {
    this.flushNow();
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private flushNow(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.keys = new Set();
    const run = this.send(batch).finally(() => this.inFlight.delete(run));
    this.inFlight.add(run);
  }

  private async send(batch: Pending<T, R>[]): Promise<void> {
    let results: Awaited<ReturnType<MicroBatcherOptions<T, R>['flush']>>;
    try {
      results = await this.options.flush(batch.map((p) => p.item));
    } catch (error) {
      for (const p of batch) p.reject(error);
      return;
    }
    batch.forEach((p, i) => {
      const r = results[i];
      if (!r) p.reject(new Error('batch flush returned fewer results than items'));
      else if (r.ok) p.resolve(r.value);
      else p.reject(r.error);
    });
  }
}
