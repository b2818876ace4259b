// What one socket follows: per job, whether the app subscribed to its status frames and which sync
// requests wait for its result. While a request is being answered (its job read or created), updates
// of that job wait, so the answer comes first and nothing older overtakes it; a job is forgotten
// once it is final, so a status read and a relayed update never both report the end.
import type { SyncJobError, SyncJobStatus } from '../../generated/messages.gen.js';

/** A job's status as the socket reports it: from a JobStatusChanged, or from the JOB item. */
export interface JobUpdate {
  jobId: string;
  status: SyncJobStatus;
  recordsWritten?: number;
  recordsSkipped?: number;
  errorCode?: string;
  retryable?: boolean;
  /** Known when the update was read from the JOB item (a relayed one carries only the code). */
  error?: SyncJobError;
}

export const isFinal = (status: SyncJobStatus): boolean => status === 'SUCCEEDED' || status === 'FAILED';

interface Followed {
  status: boolean;
  /** requestIds of sync requests waiting for this job's SyncResultFrame. */
  results: Set<string>;
  /** Requests being answered; updates wait while it is above 0. */
  holds: number;
  waiting: JobUpdate[];
}

export type Purpose = { status: true } | { resultFor: string };

/** What to send for one update. */
export interface Delivery {
  status: boolean;
  results: string[];
}

export class FollowedJobs {
  private readonly jobs = new Map<string, Followed>();

  constructor(private readonly limit: number) {}

  get size(): number {
    return this.jobs.size;
  }

  /** Follows `jobId` for `purpose` and holds its updates until release(); false past the limit. */
  hold(jobId: string, purpose: Purpose): boolean {
    let followed = this.jobs.get(jobId);
    if (!followed) {
      if (this.jobs.size >= this.limit) return false;
      followed = { status: false, results: new Set(), holds: 0, waiting: [] };
      this.jobs.set(jobId, followed);
    }
    if ('status' in purpose) followed.status = true;
    else followed.results.add(purpose.resultFor);
    followed.holds += 1;
    return true;
  }

  /** Ends a hold; returns the updates that waited meanwhile (deliver them in order). */
  release(jobId: string): JobUpdate[] {
    const followed = this.jobs.get(jobId);
    if (!followed) return [];
    followed.holds -= 1;
    if (followed.holds > 0) return [];
    const waiting = followed.waiting;
    followed.waiting = [];
    this.forgetIfUnused(jobId, followed);
    return waiting;
  }

  /** Drops one purpose (an unsubscription, or a request that failed). */
  drop(jobId: string, purpose: Purpose): void {
    const followed = this.jobs.get(jobId);
    if (!followed) return;
    if ('status' in purpose) followed.status = false;
    else followed.results.delete(purpose.resultFor);
    this.forgetIfUnused(jobId, followed);
  }

  /**
   * What an update means for this socket: nothing (not followed, or held: it waits), a status frame,
   * results. A final update ends the following.
   */
  deliver(update: JobUpdate): Delivery | undefined {
    const followed = this.jobs.get(update.jobId);
    if (!followed) return undefined;
    if (followed.holds > 0) {
      followed.waiting.push(update);
      return undefined;
    }
    if (!isFinal(update.status)) return { status: followed.status, results: [] };
    this.jobs.delete(update.jobId);
    return { status: followed.status, results: [...followed.results] };
  }

  /** Every followed job (to re-read them after missed updates). */
  jobIds(): string[] {
    return [...this.jobs.keys()];
  }

  private forgetIfUnused(jobId: string, followed: Followed): void {
    if (followed.holds === 0 && !followed.status && followed.results.size === 0) this.jobs.delete(jobId);
  }
}
