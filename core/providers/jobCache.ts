// What one job has learned from one connection's provider (a profile's time zone, the records a
// listing returned so hydration needs no second listing). It lives on the job's ProviderContext and
// is dropped with it, so provider instances (one per process) hold nothing per user or per job.
// Each provider declares its own typed slots; nothing here knows a provider.

/** A typed place in the job cache; `create` makes its empty value on first use in a job. */
export interface JobSlot<T> {
  readonly name: string;
  create(): T;
}

export function jobSlot<T>(name: string, create: () => T): JobSlot<T> {
  return Object.freeze({ name, create });
}

export class JobCache {
  private readonly values = new Map<JobSlot<unknown>, unknown>();

  /** The slot's value in this job, created on first use. */
  get<T>(slot: JobSlot<T>): T {
    if (!this.values.has(slot)) this.values.set(slot, slot.create());
    return this.values.get(slot) as T;
  }

  /** Slots used so far (for tests). */
  get size(): number {
    return this.values.size;
  }
}
