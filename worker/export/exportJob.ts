// One ExportRequested message: build the user's data export. The delivery takes a lease on the
// export item (one builder at a time), plans it once, writes the parts still missing
// (partCollector.ts), assembles the ZIP (archiveAssembler.ts), marks it SUCCEEDED with the end of
// its retention and tells the user. Idempotent and resumable: a redelivery of a finished export
// does nothing (beyond a notification a crash kept from going out), a crash mid-way loses at most
// the window being written, and a provider rate limit defers the message through the runtime
// without losing a written window. A provider that fails for good leaves its data out and the
// export still succeeds; only the export's own storage failing on the last attempt fails it.
import { randomUUID } from 'node:crypto';
import type { Config } from '../../core/config/config.js';
import type { Logger } from '../../core/logging/logger.js';
import type { Delivery, Outcome } from '../../core/messaging/outcome.js';
import type { UserNotification, UserNotifier } from '../../core/push/userNotifier.js';
import type { AccountSources } from '../../core/export/accountRecords.js';
import type { ExportArchiveStore } from '../../core/export/exportArchiveStore.js';
import { planExport } from '../../core/export/exportPlan.js';
import type { ConnectionRepository } from '../../core/store/connectionRepository.js';
import { ExportLeaseLostError, type ExportJobProgress } from '../../core/store/exportJobProgress.js';
import type { ExportJobRecord, ExportJobRepository } from '../../core/store/exportJobRepository.js';
import { classifyFailure, type ClassifiedFailure } from '../../core/sync/jobErrors.js';
import type { ExportRequested } from '../../generated/messages.gen.js';
import { assembleArchive } from './archiveAssembler.js';
import type { PartCollector } from './partCollector.js';
import { clock } from '../../core/clock/clock.js';

/** What the user's phones are told when an export is ready (the push pact is built from it). */
export function exportReadyNotification(
  record: Pick<ExportJobRecord, 'jobId' | 'availableUntil'>,
): UserNotification {
  return {
    kind: 'export_ready',
    notificationId: record.jobId,
    data: { jobId: record.jobId, ...(record.availableUntil ? { expiresAt: record.availableUntil } : {}) },
  };
}

export interface ExportJobDeps {
  config: Config;
  logger: Logger;
  exports: ExportJobRepository;
  progress: ExportJobProgress;
  store: ExportArchiveStore;
  connections: ConnectionRepository;
  collector: PartCollector;
  account: AccountSources;
  /** Tells the user the export is ready (core/push/pushUserNotifier.ts in the worker). */
  notifier: UserNotifier;
}

export interface ExportRun {
  outcome: Outcome;
  /** What happened, for stats and tests. */
  kind: 'succeeded' | 'duplicate' | 'orphan' | 'busy' | 'deferred' | 'retry' | 'failed' | 'lease_lost';
  providerCalls: number;
}

/** The worker stopped while the export was being built. */
class ShutdownError extends Error {
  override readonly name = 'ShutdownError';
  constructor() {
    super('the worker is stopping');
  }
}

export class ExportJob {
  constructor(private readonly d: ExportJobDeps) {}

  /** How long a lease lasts without renewal: two visibility timeouts, renewed every third of it. */
  private get leaseMs(): number {
    return Math.max(10, 2 * this.d.config.WORKER_VISIBILITY_TIMEOUT_SECONDS) * 1000;
  }

  async handle(message: ExportRequested, delivery: Delivery, signal: AbortSignal): Promise<ExportRun> {
    const { userId, jobId } = message;
    const log = this.d.logger.child({ jobId, userId });
    const owner = `${delivery.originMessageId}/${randomUUID()}`;
    const claim = await this.d.progress.acquire(userId, jobId, owner, clock.now(), this.leaseMs);
    if (claim.kind === 'gone') {
      log.warn('export request for an export that no longer exists: dropped');
      // A builder cut short by the deletion may have left objects behind.
      if (!(await this.removeObjectsOfGoneExport(userId, jobId, log)))
        return { outcome: { kind: 'retry', code: 'export_cleanup_failed' }, kind: 'retry', providerCalls: 0 };
      return { outcome: { kind: 'done' }, kind: 'orphan', providerCalls: 0 };
    }
    if (claim.kind === 'finished') {
      if (claim.record.status === 'SUCCEEDED' && !claim.record.notifiedAt)
        await this.notify(claim.record, log);
      return { outcome: { kind: 'done' }, kind: 'duplicate', providerCalls: 0 };
    }
    if (claim.kind === 'busy') {
      // Another delivery builds it (a copy re-sent by the API, or SQS delivering twice); should that
      // builder die, its own message comes back. Try again once its lease would have lapsed.
      log.info('export is being built by another delivery: deferred');
      return {
        outcome: { kind: 'defer', retryAfterSeconds: Math.ceil(claim.retryAfterMs / 1000) },
        kind: 'busy',
        providerCalls: 0,
      };
    }
    return this.build(claim.record, owner, delivery, signal, log);
  }

  private async build(
    record: ExportJobRecord,
    owner: string,
    delivery: Delivery,
    signal: AbortSignal,
    log: Logger,
  ): Promise<ExportRun> {
    const { userId, jobId } = record;
    const lost = new AbortController();
    const heartbeat = setInterval(() => {
      this.d.progress
        .renew(userId, jobId, owner, clock.now(), this.leaseMs)
        .then((held) => {
          if (!held) lost.abort(new ExportLeaseLostError(jobId));
        })
        .catch((error: unknown) => log.warn({ err: error }, 'export lease not renewed'));
    }, this.leaseMs / 3);
    heartbeat.unref();
    const runSignal = AbortSignal.any([signal, lost.signal]);
    const calls = { calls: 0 };
    let built: ExportJobRecord;
    try {
      const plan =
        record.plan ??
        (await this.d.progress.setPlan(
          userId,
          jobId,
          owner,
          planExport(await this.d.connections.listByUser(userId), {
            now: clock.date(),
            lookbackDays: this.d.config.EXPORT_LOOKBACK_DAYS,
            windowDays: this.d.config.EXPORT_WINDOW_DAYS,
          }),
        ));
      await this.d.collector.collect({
        record: { ...record, plan },
        plan,
        owner,
        lastAttempt: delivery.isLastAttempt,
        signal: runSignal,
        calls,
      });
      // The checkpoints and missing streams as they are now (written by this delivery and earlier ones).
      const current = await this.d.exports.get(userId, jobId);
      if (!current) throw new ExportLeaseLostError(jobId);
      const now = clock.date();
      const archive = await assembleArchive(
        { store: this.d.store, account: this.d.account },
        { record: current, plan, now, signal: runSignal },
      );
      const availableUntil = new Date(now.getTime() + this.d.config.EXPORT_RETENTION_HOURS * 3_600_000);
      await this.d.progress.succeed(userId, jobId, owner, {
        archiveKey: archive.key,
        sizeBytes: archive.sizeBytes,
        completedAt: now,
        availableUntil,
      });
      built = { ...current, status: 'SUCCEEDED', availableUntil: availableUntil.toISOString() };
      log.info({ sizeBytes: archive.sizeBytes, providerCalls: calls.calls }, 'export built');
    } catch (error) {
      // Stopped by a shutdown: not a failure of the export, whatever attempt this was.
      const cause = lost.signal.aborted ? lost.signal.reason : signal.aborted ? new ShutdownError() : error;
      return await this.failed(record, owner, delivery, cause, calls, log);
    } finally {
      clearInterval(heartbeat);
    }
    const done: ExportRun = { outcome: { kind: 'done' }, kind: 'succeeded', providerCalls: calls.calls };
    await this.d.store
      .deleteParts(userId, jobId)
      .catch((error: unknown) =>
        log.warn({ err: error }, 'export parts not deleted (the retention sweep will)'),
      );
    try {
      await this.notify(built, log);
    } catch (error) {
      // The export is ready whatever happens here; a redelivery finds it SUCCEEDED and only notifies.
      log.warn({ err: error }, 'export ready notification failed');
      if (!delivery.isLastAttempt)
        return { ...done, outcome: { kind: 'retry', code: 'notification_unavailable' } };
    }
    return done;
  }

  private async failed(
    record: ExportJobRecord,
    owner: string,
    delivery: Delivery,
    error: unknown,
    calls: { calls: number },
    log: Logger,
  ): Promise<ExportRun> {
    const { userId, jobId } = record;
    const providerCalls = calls.calls;
    if (error instanceof ExportLeaseLostError) {
      // Another delivery took it over (it cleans up after itself), or the export is gone: the
      // account was deleted (or the export expired) while it was built, and what this builder
      // wrote after the deletion's sweep must not stay in the bucket.
      if (await this.d.exports.get(userId, jobId).catch(() => 'unknown' as const)) {
        log.warn('export lease lost: another delivery took the export over');
        return { outcome: { kind: 'done' }, kind: 'lease_lost', providerCalls };
      }
      // Until the objects are gone the message comes back (and finds the export gone).
      if (!(await this.removeObjectsOfGoneExport(userId, jobId, log)))
        return { outcome: { kind: 'retry', code: 'export_cleanup_failed' }, kind: 'retry', providerCalls };
      return { outcome: { kind: 'done' }, kind: 'lease_lost', providerCalls };
    }
    const failure: ClassifiedFailure =
      error instanceof ShutdownError
        ? { kind: 'defer', code: 'worker_stopping', message: error.message }
        : classifyFailure(error);
    const retryAfter =
      failure.retryAfterSeconds !== undefined ? { retryAfterSeconds: failure.retryAfterSeconds } : {};
    if (failure.kind === 'defer' || (failure.kind === 'retry' && !delivery.isLastAttempt)) {
      // Written windows stay checkpointed; the next delivery, whichever, resumes at once.
      await this.d.progress.release(userId, jobId, owner).catch(() => undefined);
      log.info(
        { code: failure.code, attempt: delivery.receiveCount },
        `export ${failure.kind === 'defer' ? 'deferred' : 'will be retried'}`,
      );
      return failure.kind === 'defer'
        ? { outcome: { kind: 'defer', ...retryAfter }, kind: 'deferred', providerCalls }
        : { outcome: { kind: 'retry', code: failure.code, ...retryAfter }, kind: 'retry', providerCalls };
    }
    const reason = failure.message.slice(0, 500);
    log.error({ code: failure.code, err: error }, 'export failed for good');
    const marked = await this.d.progress.fail(
      userId,
      jobId,
      owner,
      { code: 'export_failed', message: `${failure.code}: ${reason}` },
      clock.date(),
    );
    // What was written so far is of no use any more (and is the user's health data).
    if (marked) await this.d.store.deleteExport(userId, jobId).catch(() => undefined);
    return { outcome: { kind: 'fail', code: failure.code, reason }, kind: 'failed', providerCalls };
  }

  /** Deletes every object of an export whose item no longer exists; false when the bucket refused. */
  private async removeObjectsOfGoneExport(userId: string, jobId: string, log: Logger): Promise<boolean> {
    try {
      await this.d.store.deleteExport(userId, jobId);
      log.warn('export vanished while it was built (account deleted or export expired): its objects removed');
      return true;
    } catch (error) {
      log.error({ err: error }, 'objects of a vanished export not removed; retrying through the queue');
      return false;
    }
  }

  /** "Your export is ready", once per export (the notifier deduplicates by notification id). */
  private async notify(record: ExportJobRecord, log: Logger): Promise<void> {
    const result = await this.d.notifier.notify(record.userId, exportReadyNotification(record));
    log.info(
      { notification: result.outcome, ...('reason' in result ? { reason: result.reason } : {}) },
      'export ready notification',
    );
    await this.d.exports.markNotified(record.userId, record.jobId, clock.date());
  }
}
