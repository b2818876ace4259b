// The seed's SyncOverSocketLambda (§2.9): a sync asked for over the socket by a user who is looking
// at the app runs here, in the API process, instead of waiting for a worker to receive it. The job
// still takes the hot path (its message is queued and its JOB item written), so nothing depends on
// this process. A slot is reserved before the job is accepted, and the JOB item is written already
// held by this process's claim (its own origin id and a lease): a worker receiving the queued
// message at once finds it held and defers it instead of racing this process to the claim. The run
// then claims the job like a worker would (core/sync/hotPathJob.ts, same origin) and the queued
// message stands by. When this process is busy the runner declines and a worker runs the job;
// should this process die mid-run, the lease runs out and a worker takes over. Either way the
// outcome reaches the socket through the job status fan-out.
import type { Logger } from '../../core/logging/logger.js';
import type { HotPathJob } from '../../core/sync/hotPathJob.js';
import type { SyncJobRepository } from '../../core/store/syncJobRepository.js';
import { clock } from '../../core/clock/clock.js';
import type { HotPathSyncRequested } from '../../generated/messages.gen.js';

export interface ForegroundStats {
  /** Jobs this process ran. */
  started: number;
  /** Jobs declined because this process was at its limit (a worker ran them). */
  declined: number;
  /** Runs that ended before the job did (deferred or to be retried): handed back to the queued message. */
  handedBack: number;
}

export class ForegroundSyncRunner {
  readonly stats: ForegroundStats = { started: 0, declined: 0, handedBack: 0 };
  private readonly running = new Set<Promise<void>>();
  private readonly stopping = new AbortController();

  constructor(
    private readonly o: {
      job: Pick<HotPathJob, 'handle'>;
      syncJobs: Pick<SyncJobRepository, 'release'>;
      logger: Logger;
      /** At most this many jobs at once in this process (WS_FOREGROUND_CONCURRENCY; 0: never). */
      concurrency: number;
      /** How long the claim written with the JOB item holds (the hot path's lease). */
      leaseMs: number;
    },
  ) {}

  private reserved = 0;

  /**
   * A slot for a job about to be accepted, or undefined when a worker should run it (no room, or
   * stopping). Write the JOB item held by `claim`, then `run` the job, or `cancel` when it was not
   * accepted after all.
   */
  reserve(jobId: string): ForegroundSlot | undefined {
    if (this.stopping.signal.aborted || this.running.size + this.reserved >= this.o.concurrency) {
      this.stats.declined += 1;
      return undefined;
    }
    this.reserved += 1;
    let open = true;
    const close = () => {
      const was = open;
      open = false;
      if (was) this.reserved -= 1;
      return was;
    };
    const claim = { originMessageId: foregroundOrigin(jobId), leaseUntilMs: clock.now() + this.o.leaseMs };
    return {
      claim,
      run: (message) => {
        if (!close()) return;
        this.stats.started += 1;
        const run = this.run(message).finally(() => this.running.delete(run));
        this.running.add(run);
      },
      cancel: () => void close(),
    };
  }

  /** Aborts the jobs in flight (each is handed back to its queued message) and waits for them. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await Promise.allSettled([...this.running]);
  }

  private async run(message: HotPathSyncRequested): Promise<void> {
    // Its own origin id: the worker's delivery of the queued message is another claimant.
    const originMessageId = foregroundOrigin(message.jobId);
    try {
      const { outcome, failure } = await this.o.job.handle(
        message,
        { originMessageId, receiveCount: 1, isLastAttempt: false },
        this.stopping.signal,
      );
      if (outcome.kind === 'defer') this.stats.handedBack += 1; // HotPathJob released the claim itself
      if (outcome.kind !== 'retry') return;
      // A transient failure or a shutdown: give the job back at once, so the queued message runs it
      // without waiting for this claim's lease to run out.
      this.stats.handedBack += 1;
      await this.o.syncJobs.release(message.userId, message.jobId, {
        originMessageId,
        now: clock.date(),
        ...(failure ? { code: failure.code } : {}),
      });
    } catch (error) {
      this.o.logger.warn(
        { err: error, jobId: message.jobId },
        'foreground sync failed in the API; the queued message will run it',
      );
    }
  }
}

/** The claim of a job this process runs: written with its JOB item, renewed by the run's own claim. */
export interface ForegroundSlot {
  claim: { originMessageId: string; leaseUntilMs: number };
  /** The JOB item is written: run the job here. */
  run(message: HotPathSyncRequested): void;
  /** The job was not accepted (its message or item could not be written): give the slot back. */
  cancel(): void;
}

const foregroundOrigin = (jobId: string) => `foreground:${jobId}`;
