// One HotPathSyncRequested message, start to finish: validate it, move the JOB item through
// QUEUED → RUNNING → SUCCEEDED/FAILED (conditional updates, so a duplicate delivery is a no-op),
// run the SyncManager, publish SyncSucceeded/SyncFailed, and tell the consumer what to do with
// the message. The claim is lazy on a first delivery: taken before the run's first side effect (a
// write, a device request, a failure to record), so a job that finds nothing new costs one
// conditional write, QUEUED → SUCCEEDED (bench:worker, issue 11). Redeliveries, and jobs the API's
// foreground runner may also run (`claimFirst`), claim before reading anything. Jobs the API created (trigger manual) always get their final status; system jobs
// (scheduled, webhook, poll) have no JOB item until they write something — an empty poll costs no
// DynamoDB write at all (spec §3b write-avoidance).
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../config/config.js';
import type { EventBus, SyncEvent } from '../events/eventBus.js';
import type { Logger } from '../logging/logger.js';
import type { Delivery, Outcome } from '../messaging/outcome.js';
import type { SyncJobRecord, SyncJobRepository } from '../store/syncJobRepository.js';
import type { HotPathSyncRequested } from '../../generated/messages.gen.js';
import type { SyncJob } from '../domain/types.js';
import { classifyFailure, type ClassifiedFailure } from '../sync/jobErrors.js';
import type { SyncManager, SyncRunResult } from '../sync/syncManager.js';
import { clock } from '../clock/clock.js';
import { retryingWhile } from '../retry/backoff.js';
import type { CloudToDevice } from '../sync/cloudToDevice.js';
import type { AccountStatus } from '../account/accountStatus.js';
import { manualSyncLatency } from '../observability/metrics.js';
import { jobLog } from '../logging/jobLogs.js';
import { createTunables, type Tunables } from '../config/tunables.js';
import type { JobStatusFanOut } from '../realtime/jobStatusFanOut.js';

export interface JobOutcome {
  outcome: Outcome;
  /** For metrics and benchmarks. */
  result?: SyncRunResult;
  failure?: ClassifiedFailure;
  jobWrites: number;
}

export interface HotPathJobDeps {
  config: Config;
  /** Log sampling and the job deadline as operators tune them; the environment's when absent. */
  tunables?: Pick<Tunables, 'logSampleRate' | 'jobDeadlineMs'>;
  logger: Logger;
  syncManager: SyncManager;
  syncJobs: SyncJobRepository;
  events: EventBus;
  /**
   * Tells the user's sockets a manual job's status that no sync event carries: RUNNING once claimed
   * (it is about to write), WAITING_FOR_DEVICE once parked. Best effort, like the events' fan-out.
   */
  statuses?: Pick<JobStatusFanOut, 'announce'>;
  /** Cloud → device jobs ask the phone through it (seed §3 Model 3). */
  cloudToDevice: Pick<CloudToDevice, 'ask' | 'hasPending'>;
  /**
   * A deleted account's jobs (queued before the deletion, or delayed) do nothing: no claim, no
   * provider call, no write, no event. Cached per process, so no read per job.
   */
  accountStatus: Pick<AccountStatus, 'isDeleted'>;
  /**
   * Runs after every successful sync (the adaptive poller schedules a polled source's next check).
   * `readUpTo`: the source was read at least up to this instant (the job's start).
   */
  afterSync?: (message: HotPathSyncRequested, result: SyncRunResult, readUpTo: Date) => Promise<void>;
  now?: () => Date;
}

/** The fields every sync event repeats from its job's message. */
function eventBase(message: HotPathSyncRequested) {
  return {
    schemaVersion: 1,
    eventId: randomUUID(),
    jobId: message.jobId,
    userId: message.userId,
    sourceConnectionId: message.sourceConnectionId,
    destinationConnectionId: message.destinationConnectionId,
    dataType: message.dataType,
    trigger: message.trigger,
  } as const;
}

/**
 * The API writes the JOB item just after sending the message: up to 3 more claims, with the
 * codebase's one backoff policy (jittered waits up to 100, 200 and 400 ms), before deferring.
 */
const JOB_ITEM_WAIT = { attempts: 4, baseMs: 100, maxMs: 400 } as const;

/**
 * How long after `requestedAt` the API's JOB item is normally in the table (the message is sent
 * first, then the item goes out in a BatchWriteItem shared with other requests). bench:worker at
 * 100 manual jobs/s: without this wait 42 % of first claims missed (2.42 writes per job, p50 97 ms
 * from POST to SUCCEEDED); with it none did (2.0 writes, p50 40 ms). Only an optimisation: a job
 * whose item is later still is handled by the retries below.
 */
export const JOB_ITEM_SETTLE_MS = 30;

/** A job whose message SQS dead-lettered after its last receive, with no outcome recorded. */
export const RETRIES_EXHAUSTED = 'retries_exhausted';

type Claim = { ok: true; writes: number } | { ok: false; writes: number; outcome: Outcome };

/** Thrown through the SyncManager by a lazy claim that was refused: the run stops before writing. */
class ClaimRefused extends Error {
  constructor(readonly outcome: Outcome) {
    super('job claim refused');
  }
}

export class HotPathJob {
  private readonly now: () => Date;

  private readonly tunables: Pick<Tunables, 'logSampleRate' | 'jobDeadlineMs'>;

  constructor(private readonly d: HotPathJobDeps) {
    this.now = d.now ?? (() => clock.date());
    this.tunables = d.tunables ?? createTunables(d.config);
  }

  private jobRecordFrom(
    message: HotPathSyncRequested,
    status: SyncJobRecord['status'],
    now: Date,
  ): SyncJobRecord {
    return {
      userId: message.userId,
      jobId: message.jobId,
      status,
      mode: 'manual',
      priority: message.priority,
      trigger: message.trigger,
      sourceConnectionId: message.sourceConnectionId,
      destinationConnectionId: message.destinationConnectionId,
      dataType: message.dataType,
      createdAt: message.requestedAt,
      updatedAt: now.toISOString(),
      expiresAt: Math.floor(now.getTime() / 1000) + this.d.config.JOB_TTL_DAYS * 86_400,
    };
  }

  private async publish(event: SyncEvent): Promise<void> {
    try {
      await this.d.events.publish([event]);
    } catch (error) {
      // The JOB item already holds the outcome; a lost notification must not redo the sync.
      this.d.logger.error({ err: error, jobId: event.detail.jobId }, 'sync event not published');
    }
  }

  /**
   * The final transition. The API writes the JOB item after sending the message; should that
   * QUEUED write land on top of our claim (an API request slower than its idempotency lock), we
   * claim again (same message) and finish. Anything else (a newer claim by another delivery) wins
   * over this attempt.
   */
  private async finish(
    message: HotPathSyncRequested,
    delivery: Delivery,
    outcome: {
      status: 'SUCCEEDED' | 'FAILED' | 'WAITING_FOR_DEVICE';
      now: Date;
      result?: SyncJob['result'];
      error?: SyncJob['error'];
    },
  ): Promise<{ ok: boolean; writes: number }> {
    const args = { originMessageId: delivery.originMessageId, ...outcome };
    if (await this.d.syncJobs.finish(message.userId, message.jobId, args)) {
      this.observeLatency(message, outcome);
      return { ok: true, writes: 1 };
    }
    const current = await this.d.syncJobs.get(message.userId, message.jobId);
    if (current?.status !== 'QUEUED') return { ok: false, writes: 1 };
    const claim = await this.d.syncJobs.claim(message.userId, message.jobId, {
      originMessageId: delivery.originMessageId,
      leaseUntilMs: outcome.now.getTime() + this.d.config.WORKER_VISIBILITY_TIMEOUT_SECONDS * 1000,
      now: outcome.now,
    });
    if (!claim.claimed) return { ok: false, writes: 2 };
    const ok = await this.d.syncJobs.finish(message.userId, message.jobId, args);
    if (ok) this.observeLatency(message, outcome);
    return { ok, writes: 3 };
  }

  private async announce(
    message: HotPathSyncRequested,
    status: 'RUNNING' | 'WAITING_FOR_DEVICE',
    at = this.now(),
  ): Promise<void> {
    if (message.trigger !== 'manual' || !this.d.statuses) return;
    await this.d.statuses.announce({
      userId: message.userId,
      jobId: message.jobId,
      status,
      changedAt: at.toISOString(),
    });
  }

  /** P95_ManualSyncLatency (seed §6): the user's request to the job's final status. */
  private observeLatency(message: HotPathSyncRequested, outcome: { status: string; now: Date }): void {
    if (message.trigger !== 'manual' || outcome.status === 'WAITING_FOR_DEVICE') return;
    manualSyncLatency.observe(
      { outcome: outcome.status === 'SUCCEEDED' ? 'succeeded' : 'failed' },
      (outcome.now.getTime() - Date.parse(message.requestedAt)) / 1000,
    );
  }

  /** Claims a job the API created (trigger manual); system jobs have no JOB item to claim. */
  private async claimTracked(
    message: HotPathSyncRequested,
    delivery: Delivery,
    startedAt: Date,
    log: Logger,
  ): Promise<Claim> {
    const claimArgs = {
      originMessageId: delivery.originMessageId,
      leaseUntilMs: startedAt.getTime() + this.d.config.WORKER_VISIBILITY_TIMEOUT_SECONDS * 1000,
      now: startedAt,
    };
    let writes = 0;
    // A message younger than the API's JOB write usually is: wait for that write instead of
    // spending a conditional write that fails and a backoff of up to 100 ms on it.
    const ageMs = startedAt.getTime() - Date.parse(message.requestedAt);
    if (ageMs >= 0 && ageMs < JOB_ITEM_SETTLE_MS) await sleep(JOB_ITEM_SETTLE_MS - ageMs);
    let claim = await retryingWhile(
      () => {
        writes += 1;
        return this.d.syncJobs.claim(message.userId, message.jobId, claimArgs);
      },
      (c) => !c.claimed && !c.record,
      JOB_ITEM_WAIT,
    );
    if (!claim.claimed && !claim.record) {
      // Still missing. The API's write of it is unconditional (it shares a BatchWriteItem with
      // other requests' writes), so an item created here could be overwritten by it later:
      // QUEUED on top of this job's outcome, for good. While the API's request may still write
      // it (until its idempotency lock times out; a retry that takes over writes only if absent),
      // wait without counting toward the DLQ. After that the API died: recreate it from the message.
      const lockMs = this.d.config.IDEMPOTENCY_LOCK_TIMEOUT_MS;
      const apiMayWriteMs = Math.min(Date.parse(message.requestedAt) + lockMs - startedAt.getTime(), lockMs);
      if (apiMayWriteMs > 0) {
        log.info({ apiMayWriteMs }, 'job not written by the API yet: waiting for it');
        return {
          ok: false,
          writes,
          outcome: { kind: 'defer', maxDelaySeconds: Math.ceil(apiMayWriteMs / 1000) },
        };
      }
      await this.d.syncJobs.putIfAbsent(this.jobRecordFrom(message, 'QUEUED', startedAt));
      claim = await this.d.syncJobs.claim(message.userId, message.jobId, claimArgs);
      writes += 2;
    }
    if (!claim.claimed && claim.record?.status === 'RUNNING') {
      // Another holder runs it (the API's foreground runner, or a worker whose lease has not run
      // out): wait, do not drop. Should that holder die, its lease ends and this message takes over.
      log.info('job running under another claim: deferred until it ends or its lease runs out');
      return {
        ok: false,
        writes,
        outcome: { kind: 'defer', retryAfterSeconds: this.d.config.WORKER_VISIBILITY_TIMEOUT_SECONDS },
      };
    }
    if (!claim.claimed) {
      log.info({ status: claim.record?.status }, 'duplicate delivery of a finished job: dropped');
      return { ok: false, writes, outcome: { kind: 'done' } };
    }
    return { ok: true, writes };
  }

  /** Runs the job with its log lines held until its end: written if it failed, else sampled. */
  async handle(message: HotPathSyncRequested, delivery: Delivery, signal?: AbortSignal): Promise<JobOutcome> {
    const job = jobLog(
      this.d.logger,
      { jobId: message.jobId, userId: message.userId, correlationId: message.correlationId },
      {
        jobId: message.jobId,
        rate: this.sampleRate(message.tier),
      },
    );
    let failed = true;
    try {
      const outcome = await this.run(message, delivery, job.logger, signal);
      failed = outcome.outcome.kind === 'retry' || outcome.outcome.kind === 'fail';
      return outcome;
    } finally {
      job.finish({ failed });
    }
  }

  /** 1 successful job in this many keeps its log lines. */
  private sampleRate(tier: HotPathSyncRequested['tier']): number {
    return this.tunables.logSampleRate(tier);
  }

  private async run(
    message: HotPathSyncRequested,
    delivery: Delivery,
    log: Logger,
    signal: AbortSignal | undefined,
  ): Promise<JobOutcome> {
    if (await this.d.accountStatus.isDeleted(message.userId)) {
      log.info('job of a deleted account: dropped');
      return { outcome: { kind: 'done' }, jobWrites: 0 };
    }
    const startedAt = this.now();
    const tracked = message.trigger === 'manual';
    // System jobs have no JOB item to claim. A redelivery may find its job held or finished, and a
    // job the foreground runner may run is held there: both claim before reading the provider.
    const lazy = tracked && delivery.receiveCount <= 1 && message.claimFirst !== true;
    const hold = { claimed: !tracked, writes: 0 };
    /** Claims the job unless held already; the claim's outcome when it is refused. */
    const claim = async (): Promise<Outcome | undefined> => {
      if (hold.claimed) return undefined;
      const c = await this.claimTracked(message, delivery, startedAt, log);
      hold.writes += c.writes;
      if (!c.ok) return c.outcome;
      hold.claimed = true;
      await this.announce(message, 'RUNNING');
      return undefined;
    };
    if (!lazy) {
      const refused = await claim();
      if (refused) return { outcome: refused, jobWrites: hold.writes };
    }
    let result: SyncRunResult;
    // Seed §6: no job holds health data in flight longer than its deadline; past it, the provider
    // calls in flight are aborted, what was read is dropped, and the job runs again later.
    const deadlineMs = this.tunables.jobDeadlineMs();
    const deadline = jobDeadline(signal, deadlineMs);
    try {
      result = await this.d.syncManager.run({
        message,
        attempt: delivery.receiveCount,
        signal: deadline.signal,
        beforeWrite: async () => {
          const refused = await claim();
          if (refused) throw new ClaimRefused(refused);
        },
      });
    } catch (error) {
      if (error instanceof ClaimRefused) return { outcome: error.outcome, jobWrites: hold.writes };
      const failure =
        deadline.expired() && !signal?.aborted
          ? {
              kind: 'retry' as const,
              code: 'job_deadline_exceeded',
              message: `the job ran past its ${deadlineMs / 1000} s deadline; its data was dropped`,
            }
          : classifyFailure(error);
      // Recording a failure (a release, FAILED) is the claim holder's: claim first.
      const refused = await claim();
      if (refused) return { outcome: refused, jobWrites: hold.writes };
      const failed = await this.recordFailure(message, delivery, failure, log);
      return { ...failed, jobWrites: hold.writes + failed.jobWrites };
    } finally {
      deadline.clear();
    }

    if (result.awaitingDevice) {
      const refused = await claim();
      if (refused) return { outcome: refused, jobWrites: hold.writes };
      const parked = await this.parkForDevice(message, delivery, result.awaitingDevice, log);
      return { outcome: { kind: 'done' }, result, jobWrites: hold.writes + parked };
    }
    const success = await this.recordSuccess(message, delivery, result, startedAt, log, hold.claimed);
    return { outcome: success.outcome, result, jobWrites: hold.writes + success.jobWrites };
  }

  /**
   * The job's message ran out of receives without any attempt recording an outcome (each worker
   * running it died, core/messaging/deadLetters.ts `settleExhausted`): no delivery will finish it,
   * so it ends here, FAILED `retries_exhausted` with one final SyncFailed. A manual job fails from
   * QUEUED or RUNNING (whatever claim it holds is a dead worker's); a system job, which has no JOB
   * item until it writes, gets a FAILED one unless an attempt wrote one. A job that ended already
   * is left as it is, with no event, so settling twice changes nothing.
   */
  async settleExhausted(message: HotPathSyncRequested): Promise<boolean> {
    const now = this.now();
    const error = {
      code: RETRIES_EXHAUSTED,
      message: `every attempt (${this.d.config.MAX_RECEIVE_COUNT}) stopped before recording an outcome; sync again to retry`,
    };
    const ended =
      message.trigger === 'manual'
        ? await this.d.syncJobs.failAbandoned(message.userId, message.jobId, { now, error })
        : await this.d.syncJobs.putIfAbsent({ ...this.jobRecordFrom(message, 'FAILED', now), error });
    if (!ended) return false;
    this.observeLatency(message, { status: 'FAILED', now });
    this.d.logger.warn(
      { jobId: message.jobId, userId: message.userId, code: error.code },
      'sync job abandoned',
    );
    await this.publish({
      type: 'SyncFailed',
      detail: {
        ...eventBase(message),
        errorCode: error.code,
        retryable: false,
        attempt: this.d.config.MAX_RECEIVE_COUNT,
        failedAt: now.toISOString(),
      },
    });
    return true;
  }

  /**
   * The destination is the phone: ask it, and park the job WAITING_FOR_DEVICE (the request first,
   * so a crash in between only repeats an idempotent ask). The message is done: no worker waits.
   * A system job finds a pending request for its pair and leaves the phone alone.
   */
  private async parkForDevice(
    message: HotPathSyncRequested,
    delivery: Delivery,
    awaiting: NonNullable<SyncRunResult['awaitingDevice']>,
    log: Logger,
  ): Promise<number> {
    const tracked = message.trigger === 'manual';
    if (!tracked && (await this.d.cloudToDevice.hasPending(message))) {
      log.info('a device request for this pair is pending: not asking again');
      return 0;
    }
    await this.d.cloudToDevice.ask(message, awaiting.destinationProvider, awaiting.window);
    const now = this.now();
    log.info({ candidates: awaiting.candidates }, 'waiting for the device');
    if (tracked) {
      const parked = await this.finish(message, delivery, { status: 'WAITING_FOR_DEVICE', now });
      if (parked.ok) await this.announce(message, 'WAITING_FOR_DEVICE', now);
      return parked.writes;
    }
    await this.d.syncJobs.put(this.jobRecordFrom(message, 'WAITING_FOR_DEVICE', now));
    return 1;
  }

  /**
   * SUCCEEDED on the JOB item (system jobs: only when they wrote something), SyncSucceeded, the next
   * poll. `claimed`: false for a lazy run that wrote nothing, which claims and finishes in one write.
   */
  private async recordSuccess(
    message: HotPathSyncRequested,
    delivery: Delivery,
    result: SyncRunResult,
    startedAt: Date,
    log: Logger,
    claimed: boolean,
  ): Promise<{ outcome: Outcome; jobWrites: number }> {
    const tracked = message.trigger === 'manual';
    let jobWrites = 0;
    const finishedAt = this.now();
    const jobResult = {
      recordsWritten: result.recordsWritten,
      recordsSkipped: result.recordsSkipped,
      // What the user (and a test) needs to know which records this job could have moved.
      ...(result.window
        ? { window: { since: result.window.since.toISOString(), until: result.window.until.toISOString() } }
        : {}),
    };
    if (tracked && !claimed) {
      const finished = await this.finishUnclaimed(message, delivery, startedAt, jobResult, log);
      jobWrites += finished.writes;
      // Held elsewhere, or finished already: this attempt's result is not the job's, and says nothing.
      if (finished.refused) return { outcome: finished.refused, jobWrites };
    } else if (tracked) {
      const finished = await this.finish(message, delivery, {
        status: 'SUCCEEDED',
        now: finishedAt,
        result: jobResult,
      });
      jobWrites += finished.writes;
      if (!finished.ok) log.warn('job claim was taken over; outcome not recorded by this attempt');
    } else if (result.itemsWritten > 0) {
      await this.d.syncJobs.put({
        ...this.jobRecordFrom(message, 'SUCCEEDED', finishedAt),
        result: jobResult,
      });
      jobWrites += 1;
    }
    if (tracked || result.itemsWritten > 0)
      await this.publish({
        type: 'SyncSucceeded',
        detail: {
          ...eventBase(message),
          recordsWritten: result.recordsWritten,
          recordsSkipped: result.recordsSkipped,
          startedAt: startedAt.toISOString(),
          finishedAt: finishedAt.toISOString(),
        },
      });
    await this.d.afterSync?.(message, result, startedAt);
    log.info(
      {
        ...jobResult,
        read: result.recordsRead,
        calls: result.providerCalls,
        destinationFetched: result.destinationFetched,
      },
      'sync succeeded',
    );
    return { outcome: { kind: 'done' }, jobWrites };
  }

  /**
   * A lazy run that wrote nothing: QUEUED → SUCCEEDED in one conditional write, after the API's
   * JOB write has normally landed. Should the job not be QUEUED, the usual claim decides what it
   * is (not written yet, held elsewhere, finished), as if this delivery had claimed first; a
   * successful claim then finishes with this run's result (it read nothing it could have changed).
   */
  private async finishUnclaimed(
    message: HotPathSyncRequested,
    delivery: Delivery,
    startedAt: Date,
    result: NonNullable<SyncJob['result']>,
    log: Logger,
  ): Promise<{ writes: number; refused?: Outcome }> {
    const ageMs = this.now().getTime() - Date.parse(message.requestedAt);
    if (ageMs >= 0 && ageMs < JOB_ITEM_SETTLE_MS) await sleep(JOB_ITEM_SETTLE_MS - ageMs);
    const now = this.now();
    const args = { originMessageId: delivery.originMessageId, startedAt, now, result };
    if (await this.d.syncJobs.finishUnclaimed(message.userId, message.jobId, args)) {
      this.observeLatency(message, { status: 'SUCCEEDED', now });
      return { writes: 1 };
    }
    const claim = await this.claimTracked(message, delivery, startedAt, log);
    if (!claim.ok) return { writes: 1 + claim.writes, refused: claim.outcome };
    const finished = await this.finish(message, delivery, { status: 'SUCCEEDED', now: this.now(), result });
    if (!finished.ok) log.warn('job claim was taken over; outcome not recorded by this attempt');
    return { writes: 1 + claim.writes + finished.writes };
  }

  /**
   * A failed attempt. Deferrals release the claim and wait. A permanent failure, or a transient one on
   * the last attempt, is final: FAILED on the JOB item, once. Every non-deferred attempt publishes
   * SyncFailed (retryable unless final). A permanent failure leaves for the DLQ at once: every further
   * receive would only fail again and (for jobs without a claim) call the providers again.
   */
  private async recordFailure(
    message: HotPathSyncRequested,
    delivery: Delivery,
    failure: ClassifiedFailure,
    log: Logger,
  ): Promise<JobOutcome> {
    const tracked = message.trigger === 'manual';
    let jobWrites = 0;
    const final = failure.kind === 'fail' || (failure.kind === 'retry' && delivery.isLastAttempt);
    const failedAt = this.now();
    const retryAfter =
      failure.retryAfterSeconds !== undefined ? { retryAfterSeconds: failure.retryAfterSeconds } : {};
    log.warn(
      { code: failure.code, kind: failure.kind, attempt: delivery.receiveCount, reason: failure.message },
      'sync attempt failed',
    );
    if (failure.kind === 'defer') {
      if (tracked) {
        await this.d.syncJobs.release(message.userId, message.jobId, {
          originMessageId: delivery.originMessageId,
          now: failedAt,
          code: failure.code,
        });
        jobWrites += 1;
      }
      return { outcome: { kind: 'defer', ...retryAfter }, failure, jobWrites };
    }
    if (final) {
      const jobError = { code: failure.code, message: failure.message.slice(0, 1000) };
      if (tracked)
        jobWrites += (
          await this.finish(message, delivery, { status: 'FAILED', now: failedAt, error: jobError })
        ).writes;
      else {
        await this.d.syncJobs.put({ ...this.jobRecordFrom(message, 'FAILED', failedAt), error: jobError });
        jobWrites += 1;
      }
    }
    await this.publish({
      type: 'SyncFailed',
      detail: {
        ...eventBase(message),
        errorCode: failure.code,
        retryable: !final,
        attempt: delivery.receiveCount,
        failedAt: failedAt.toISOString(),
      },
    });
    if (failure.kind === 'fail')
      return {
        outcome: { kind: 'fail', code: failure.code, reason: failure.message.slice(0, 1000) },
        failure,
        jobWrites,
      };
    return { outcome: { kind: 'retry', code: failure.code, ...retryAfter }, failure, jobWrites };
  }
}

/**
 * The job's signal: aborted by `parent` (shutdown) or after `ms`. Its timer is cleared when the job
 * ends: `AbortSignal.timeout` would keep one per job alive for the whole deadline, and
 * `AbortSignal.any` is slow on Node 20 (bench:worker: +560 µs per job at 100 jobs/s).
 */
function jobDeadline(parent: AbortSignal | undefined, ms: number) {
  const controller = new AbortController();
  let expired = false;
  const timer = setTimeout(() => {
    expired = true;
    controller.abort(new Error(`job deadline of ${ms} ms passed`));
  }, ms);
  timer.unref();
  const onParent = () => controller.abort(parent?.reason);
  if (parent?.aborted) onParent();
  else parent?.addEventListener('abort', onParent, { once: true });
  return {
    signal: controller.signal,
    expired: () => expired,
    clear: () => {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onParent);
    },
  };
}
