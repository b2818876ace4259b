// Cloud → device (seed §3 Model 3, Diagram 8). The backend cannot reach the phone's health store,
// so a job whose destination is Apple Health or Health Connect parks instead of waiting:
// 1. ask (worker): the source has records the ledger has not seen → a DEVICEREQ read request, the
//    JOB WAITING_FOR_DEVICE, a silent push. The queue message is done; no worker waits on a phone.
// 2. answer (API, POST /v1/device-read-response): the device's records in the window are the
//    destination's side; conflict resolution runs in the request, the records to write are
//    hydrated from the source and staged (core/staging), a write request and a second push follow.
// 3. staged / confirm (API): the phone fetches, writes, confirms; the ledger records what it wrote,
//    the job succeeds, the staged object and its key are deleted.
// A phone that never answers: the request is offered again at each app launch (`pending`), and
// once it is older than DEVICE_REQUEST_TTL_HOURS the job fails `device_unreachable` and the staging
// is deleted. Every step is idempotent or conditional, so retries and races settle a job once.
import { randomUUID } from 'node:crypto';
import type { Config } from '../config/config.js';
import { deterministicJobId } from '../domain/ids.js';
import type { CanonicalRecord, DataType, DevicePlatform, Provider } from '../domain/types.js';
import type { EventBus } from '../events/eventBus.js';
import type { Logger } from '../logging/logger.js';
import { canonicalSummary } from '../providers/canonicalSummary.js';
import type { TimeWindow } from '../providers/dataProvider.js';
import { deviceProfile } from '../providers/profiles.js';
import type { StagingStore } from '../staging/stagingStore.js';
import type { DeviceRequestRecord, DeviceRequestRepository } from '../store/deviceRequestRepository.js';
import type { LedgerRecord, LedgerRepository } from '../store/ledgerRepository.js';
import type { SyncCursorRepository } from '../store/syncCursorRepository.js';
import type { SyncJobRepository } from '../store/syncJobRepository.js';
import { clock } from '../clock/clock.js';
import { resolveConflicts, summarizeDecisions, type Decision } from './conflictResolution.js';
import { MAX_CANDIDATE_WINDOW_MS } from './duplicateDetection.js';
import type { ProviderContexts } from './providerContexts.js';
import { pairOf, type SyncManager, type SyncRequest } from './syncManager.js';

/** What a silent push to the phone carries (AsyncAPI DeviceReadRequest / DeviceWriteRequest): ids and times. */
export type DevicePush =
  | {
      schemaVersion: 1;
      type: 'device_read_request';
      jobId: string;
      requestId: string;
      dataType: DataType;
      dateRange: { start: string; end: string };
      respondBy: string;
    }
  | {
      schemaVersion: 1;
      type: 'device_write_request';
      jobId: string;
      dataType: DataType;
      recordCount: number;
      expiresAt: string;
    };

/** Sends a silent push to the user's devices of one platform; best effort (the app also pulls). */
export interface DeviceNotifier {
  notify(userId: string, platform: DevicePlatform, push: DevicePush): Promise<void>;
}

/** What the staging object holds: the records to write and what the ledger will need. */
interface StagedWrite {
  dataType: DataType;
  records: CanonicalRecord[];
  /** recordId → the source's lastModified (the ledger's change detector). */
  sourceLastModified: Record<string, string>;
  skipped: number;
  /** False when more records were due than one confirmation can carry: the rest wait for the next sync. */
  complete: boolean;
}

/** A confirmation lists at most this many records (ConfirmWriteRequest), so no more are staged at once. */
export const MAX_STAGED_RECORDS = 500;

/** A narrowed read answer that decides no record: the phone's records around the first one are too dense. */
export const DEVICE_WINDOW_TOO_DENSE = 'device_window_too_dense';

export class DeviceRequestGoneError extends Error {
  override readonly name = 'DeviceRequestGoneError';
}

export interface CloudToDeviceDeps {
  config: Config;
  logger: Logger;
  sync: SyncManager;
  contexts: ProviderContexts;
  requests: DeviceRequestRepository;
  syncJobs: SyncJobRepository;
  ledger: LedgerRepository;
  cursors: SyncCursorRepository;
  staging: StagingStore | undefined;
  notifier: DeviceNotifier | undefined;
  events: EventBus;
}

export class CloudToDevice {
  constructor(private readonly d: CloudToDeviceDeps) {}

  private expiry(from: Date): string {
    return new Date(from.getTime() + this.d.config.DEVICE_REQUEST_TTL_HOURS * 3_600_000).toISOString();
  }

  private async push(userId: string, destinationProvider: Provider, push: DevicePush): Promise<void> {
    const platform = deviceProfile(destinationProvider)?.platform;
    if (!platform || !this.d.notifier) return;
    try {
      await this.d.notifier.notify(userId, platform, push);
    } catch (error) {
      // The phone also pulls its pending work at launch: a lost push delays, never loses, the job.
      this.d.logger.warn({ err: error, jobId: push.jobId, type: push.type }, 'device push not sent');
    }
  }

  /** Worker: the job must ask the phone. Idempotent per job (a redelivery re-sends the same push). */
  async ask(
    job: SyncRequest & { jobId: string },
    destinationProvider: Provider,
    window: TimeWindow,
  ): Promise<DeviceRequestRecord> {
    const now = clock.date();
    const request = await this.d.requests.createRead({
      userId: job.userId,
      jobId: job.jobId,
      requestId: `req_${deterministicJobId(`device-read#${job.jobId}`).slice(4)}`,
      dataType: job.dataType,
      sourceConnectionId: job.sourceConnectionId,
      destinationConnectionId: job.destinationConnectionId,
      priority: job.priority,
      trigger: job.trigger,
      windowStart: window.since.toISOString(),
      windowEnd: window.until.toISOString(),
      expiresAt: this.expiry(now),
      createdAt: now.toISOString(),
    });
    await this.push(job.userId, destinationProvider, readPush(request));
    return request;
  }

  /** A pending read request already covers this pair (a second scheduled job need not ask again). */
  async hasPending(job: SyncRequest): Promise<boolean> {
    const now = clock.now();
    return (await this.d.requests.listByUser(job.userId)).some(
      (r) =>
        r.sourceConnectionId === job.sourceConnectionId &&
        r.destinationConnectionId === job.destinationConnectionId &&
        r.dataType === job.dataType &&
        Date.parse(r.expiresAt) > now,
    );
  }

  /** The user's live requests, oldest first; expired ones are settled (failed) on the way. */
  async pending(userId: string): Promise<DeviceRequestRecord[]> {
    const live: DeviceRequestRecord[] = [];
    for (const request of await this.d.requests.listByUser(userId))
      if (!(await this.expireIfDue(request))) live.push(request);
    return live;
  }

  /** The live request of a job, or DeviceRequestGoneError (unknown, another user's, expired, done). */
  private async live(
    userId: string,
    jobId: string,
    kind: DeviceRequestRecord['kind'],
  ): Promise<DeviceRequestRecord> {
    const request = await this.d.requests.get(userId, jobId);
    if (!request || request.kind !== kind || (await this.expireIfDue(request)))
      throw new DeviceRequestGoneError(`no ${kind} request is pending for job ${jobId}`);
    return request;
  }

  /**
   * API: the phone's answer to a read request. Resolves, stages, asks the phone to write.
   * `coveredUntil`: the store held more records than one answer carries and sent every one starting
   * before this instant. Only source records no record left out can match are decided: those starting
   * MAX_CANDIDATE_WINDOW_MS before it. The job covers that part of the window and its cursor moves to
   * the part's end; the next job asks from its first undecided record on (SyncManager narrows a
   * device read to the records it is about), so every answer decides at least one record, or the job
   * fails `device_window_too_dense`.
   */
  async answer(
    userId: string,
    jobId: string,
    requestId: string,
    deviceRecords: readonly CanonicalRecord[],
    coveredUntil?: Date,
  ): Promise<{ status: 'SUCCEEDED' | 'WAITING_FOR_DEVICE' | 'FAILED'; recordCount: number }> {
    const request = await this.live(userId, jobId, 'read');
    if (request.requestId !== requestId)
      throw new DeviceRequestGoneError(`request ${requestId} is not pending`);
    const job: SyncRequest = {
      userId,
      sourceConnectionId: request.sourceConnectionId,
      destinationConnectionId: request.destinationConnectionId,
      dataType: request.dataType,
      priority: request.priority,
      trigger: request.trigger,
    };
    const requested = { since: new Date(request.windowStart), until: new Date(request.windowEnd) };
    const decidedUntil = coveredUntil
      ? Math.min(coveredUntil.getTime() - MAX_CANDIDATE_WINDOW_MS, requested.until.getTime())
      : requested.until.getTime();
    const narrowed = decidedUntil < requested.until.getTime();
    const window = { since: requested.since, until: new Date(decidedUntil) };
    const { source, destination, strategy } = await this.d.sync.connectionsFor(job);
    const sourceProvider = this.d.sync.providerFor(source, job.dataType, 'read');
    const ctx = this.d.contexts.forConnection(source, job.priority, { calls: 0 });
    const pair = pairOf(job, source, destination);
    const read = await sourceProvider.fetchMetadata(ctx, job.dataType, requested);
    const summaries = narrowed ? read.filter((s) => Date.parse(s.startTime) < decidedUntil) : read;
    const ledger = await this.d.sync.ledgerFor(pair, read);
    if (narrowed && !summaries.some((s) => ledger.get(s.recordId)?.sourceLastModified !== s.lastModified)) {
      await this.settle(request, 'FAILED', undefined, {
        code: DEVICE_WINDOW_TOO_DENSE,
        message: `the phone holds more ${request.dataType} records around the first one to sync than one answer carries (${deviceRecords.length} sent); none could be decided`,
      });
      return { status: 'FAILED', recordCount: 0 };
    }
    const decisions = resolveConflicts({
      dataType: job.dataType,
      strategy,
      source: summaries,
      destination: deviceRecords.map((r) => canonicalSummary(job.dataType, r as never)),
      ledger,
      // HealthKit cannot update a sample in place; the app would have to delete it first.
      destinationCanUpdate: false,
    });
    // Records the phone already holds (matched to one of its records, which keeps its own id): the
    // ledger takes them as if SyncWell had written them, as the cloud path does for a destination's
    // `conflict` with an id. The worker asks the phone only about what the ledger has not seen, so
    // without this every later job would wake the phone for them again, forever. `already_synced` is
    // in the ledger already; a skip without an id (a twin of a record about to be written) cannot be.
    const held = heldByDevice(decisions, clock.date().toISOString());
    if (held.length > 0) await this.d.ledger.record(pair, held);
    const due = decisions.filter((d): d is Exclude<Decision, { action: 'skip' }> => d.action !== 'skip');
    const toWrite = due.slice(0, MAX_STAGED_RECORDS);
    const skipped = summarizeDecisions(decisions).skip;
    if (toWrite.length === 0) {
      // A narrowed answer decided its part for good: without the cursor there, the next sync would
      // ask for the whole window again and get the same earliest records, forever.
      if (narrowed) await this.d.cursors.setWatermark(pair, window.until);
      await this.settle(request, 'SUCCEEDED', { recordsWritten: 0, recordsSkipped: skipped, window });
      return { status: 'SUCCEEDED', recordCount: 0 };
    }
    if (!this.d.staging)
      throw new Error('STAGING_BUCKET is not configured: cloud → device writes cannot be staged');
    const records = await sourceProvider.fetchPayloads(
      ctx,
      job.dataType,
      toWrite.map((d) => d.source),
    );
    const staged: StagedWrite = {
      dataType: job.dataType,
      records,
      sourceLastModified: Object.fromEntries(toWrite.map((d) => [d.source.recordId, d.source.lastModified])),
      skipped,
      complete: toWrite.length === due.length,
    };
    const dataKey = await this.d.staging.put(userId, jobId, staged);
    if (
      !(await this.d.requests.toWrite(userId, jobId, requestId, {
        recordCount: records.length,
        dataKey,
        windowEnd: window.until.toISOString(),
      }))
    ) {
      // Another answer to the same request won the race: its staging stands, this one goes.
      throw new DeviceRequestGoneError(`request ${requestId} was answered already`);
    }
    await this.push(userId, destination.provider, {
      schemaVersion: 1,
      type: 'device_write_request',
      jobId,
      dataType: job.dataType,
      recordCount: records.length,
      expiresAt: request.expiresAt,
    });
    return { status: 'WAITING_FOR_DEVICE', recordCount: records.length };
  }

  /** API: what the phone must write, while the write request lives. */
  async staged(
    userId: string,
    jobId: string,
  ): Promise<{ dataType: DataType; records: CanonicalRecord[]; expiresAt: string }> {
    const request = await this.live(userId, jobId, 'write');
    const staged = (await this.d.staging?.get(userId, jobId, request.dataKey!)) as StagedWrite | undefined;
    if (!staged) throw new DeviceRequestGoneError(`nothing is staged for job ${jobId}`);
    return { dataType: staged.dataType, records: staged.records, expiresAt: request.expiresAt };
  }

  /** API: the phone wrote (some of) the staged records. The ledger remembers them; the job succeeds. */
  async confirm(
    userId: string,
    jobId: string,
    confirmation: {
      written: readonly string[];
      failed: readonly string[];
      /** Not written because the store already held them: synced all the same, under the store's id. */
      alreadyPresent?: readonly string[];
      deviceRecordIds: Record<string, string>;
    },
  ): Promise<{ written: number }> {
    const request = await this.live(userId, jobId, 'write');
    const staged = (await this.d.staging?.get(userId, jobId, request.dataKey!)) as StagedWrite | undefined;
    if (!staged) throw new DeviceRequestGoneError(`nothing is staged for job ${jobId}`);
    const stagedIds = new Set(staged.records.map((r) => r.recordId));
    const written = [...new Set(confirmation.written)].filter((id) => stagedIds.has(id));
    // A record listed both ways was written: it is not counted twice.
    const present = [...new Set(confirmation.alreadyPresent ?? [])].filter(
      (id) => stagedIds.has(id) && !written.includes(id),
    );
    const now = clock.date().toISOString();
    const pair = {
      userId,
      sourceConnectionId: request.sourceConnectionId,
      destinationConnectionId: request.destinationConnectionId,
      dataType: request.dataType,
    };
    const synced = [...written, ...present];
    if (synced.length > 0)
      await this.d.ledger.record(
        pair,
        synced.map((id) => ({
          sourceRecordId: id,
          destinationRecordId: confirmation.deviceRecordIds[id] ?? id,
          sourceLastModified: staged.sourceLastModified[id]!,
          writtenAt: now,
        })),
      );
    // Records the phone could not write (or that did not fit in this round) are offered again by
    // the next sync: the cursor only moves when everything due was staged and is now on the phone.
    const window = { since: new Date(request.windowStart), until: new Date(request.windowEnd) };
    if (staged.complete && synced.length === stagedIds.size)
      await this.d.cursors.setWatermark(pair, window.until);
    await this.settle(request, 'SUCCEEDED', {
      recordsWritten: written.length,
      recordsSkipped: staged.skipped + (stagedIds.size - written.length),
      window,
    });
    return { written: written.length };
  }

  /**
   * API: the phone's health store behind `destinationConnectionId` cannot be used (core/sync/
   * healthStoreOutage.ts). Every live request to it ends FAILED with `error` (reads and staged writes:
   * nothing can be written there); returns the jobs it ended.
   */
  async failPendingFor(
    userId: string,
    destinationConnectionId: string,
    error: { code: string; message: string },
  ): Promise<string[]> {
    const failed: string[] = [];
    for (const request of await this.d.requests.listByUser(userId)) {
      if (request.destinationConnectionId !== destinationConnectionId) continue;
      if (await this.expireIfDue(request)) continue;
      if (await this.settle(request, 'FAILED', undefined, error)) failed.push(request.jobId);
    }
    return failed;
  }

  /** Fails the job of a request older than its deadline; true when it was (or had been) expired. */
  private async expireIfDue(request: DeviceRequestRecord): Promise<boolean> {
    if (Date.parse(request.expiresAt) > clock.now()) return false;
    await this.settle(request, 'FAILED', undefined, {
      code: 'device_unreachable',
      message: `the phone did not answer within ${this.d.config.DEVICE_REQUEST_TTL_HOURS} hours; the next sync asks again`,
    });
    return true;
  }

  /**
   * Ends the wait once: the request and its staging go, the JOB item and the event follow. False
   * when another call ended it first.
   */
  private async settle(
    request: DeviceRequestRecord,
    status: 'SUCCEEDED' | 'FAILED',
    result?: { recordsWritten: number; recordsSkipped: number; window: TimeWindow },
    error?: { code: string; message: string },
  ): Promise<boolean> {
    const { userId, jobId } = request;
    await this.d.staging?.delete(userId, jobId);
    if (!(await this.d.requests.delete(userId, jobId))) return false;
    const now = clock.date();
    const jobResult = result && {
      recordsWritten: result.recordsWritten,
      recordsSkipped: result.recordsSkipped,
      window: { since: result.window.since.toISOString(), until: result.window.until.toISOString() },
    };
    await this.d.syncJobs.settleWaiting(userId, jobId, {
      status,
      now,
      ...(jobResult ? { result: jobResult } : {}),
      ...(error ? { error } : {}),
    });
    const base = {
      schemaVersion: 1,
      eventId: randomUUID(),
      jobId,
      userId,
      sourceConnectionId: request.sourceConnectionId,
      destinationConnectionId: request.destinationConnectionId,
      dataType: request.dataType,
      trigger: request.trigger,
    };
    await this.d.events.publish([
      status === 'SUCCEEDED'
        ? {
            type: 'SyncSucceeded',
            detail: {
              ...base,
              recordsWritten: jobResult!.recordsWritten,
              recordsSkipped: jobResult!.recordsSkipped,
              startedAt: request.createdAt,
              finishedAt: now.toISOString(),
            },
          }
        : {
            type: 'SyncFailed',
            detail: {
              ...base,
              errorCode: error!.code,
              retryable: false,
              attempt: 1,
              failedAt: now.toISOString(),
            },
          },
    ]);
    this.d.logger.info({ jobId, userId, status, code: error?.code }, 'device round trip settled');
    return true;
  }
}

/** Ledger entries for the source records a device already holds: skips that name its record. */
function heldByDevice(decisions: readonly Decision[], writtenAt: string): LedgerRecord[] {
  return decisions.flatMap((d) =>
    d.action === 'skip' && d.reason !== 'already_synced' && d.destinationRecordId
      ? [
          {
            sourceRecordId: d.source.recordId,
            destinationRecordId: d.destinationRecordId,
            sourceLastModified: d.source.lastModified,
            writtenAt,
          },
        ]
      : [],
  );
}

/** The read request as a push shows it. */
function readPush(request: DeviceRequestRecord): DevicePush {
  return {
    schemaVersion: 1,
    type: 'device_read_request',
    jobId: request.jobId,
    requestId: request.requestId,
    dataType: request.dataType,
    dateRange: { start: request.windowStart, end: request.windowEnd },
    respondBy: request.expiresAt,
  };
}
