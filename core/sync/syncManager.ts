// SyncManager (spec §2): one sync job from source to destination. Metadata first (spec §3b): the
// source's light summaries, the ledger of what earlier runs wrote, the destination's summaries
// (unless sync confidence says it is empty), conflict resolution on summaries only, THEN hydrate
// and push just the records that must be written. Nothing of the records is persisted: the ledger
// keeps ids and timestamps, the cursor a watermark, and both are written only when the job wrote
// something (write-avoidance).
import type { UserConfigCache } from '../cache/userConfigCache.js';
import type { Config } from '../config/config.js';
import type { CanonicalRecord, ConflictStrategy, DataType, Provider } from '../domain/types.js';
import type { Logger } from '../logging/logger.js';
import type { ConnectionRecord, ConnectionRepository } from '../store/connectionRepository.js';
import type { LedgerPair, LedgerRecord, LedgerRepository } from '../store/ledgerRepository.js';
import type { ConfigMigration } from '../store/syncConfigRepository.js';
import type { SyncCursorRepository } from '../store/syncCursorRepository.js';
import type { HotPathSyncRequested } from '../../generated/messages.gen.js';
import type { DataProvider, PushWrite, RecordSummary, TimeWindow } from '../providers/dataProvider.js';
import { MAX_CANDIDATE_WINDOW_MS } from './duplicateDetection.js';
import type { ProviderManager } from '../providers/providerManager.js';
import {
  resolveConflicts,
  summarizeDecisions,
  type Decision,
  type LedgerEntry,
  type SkipReason,
} from './conflictResolution.js';
import { canonicalSummary } from '../providers/canonicalSummary.js';
import { deviceProfile } from '../providers/profiles.js';
import { JobError } from './jobErrors.js';
import type { ProviderContexts } from './providerContexts.js';
import type { SyncConfidence } from './syncConfidence.js';
import { clock } from '../clock/clock.js';
import { invalidTimezoneOmitted } from '../observability/metrics.js';

/** Whole-hour time-zone bugs shift records by up to 14 h: read the destination that much wider. */
const DESTINATION_MARGIN_MS = 14 * 3_600_000;

export interface SyncRunResult {
  recordsRead: number;
  recordsWritten: number;
  recordsSkipped: number;
  skippedByReason: Record<string, number>;
  destinationFetched: boolean;
  /** Third-party API requests this job made (both providers). */
  providerCalls: number;
  /** DynamoDB items this job wrote (ledger + cursor), excluding the JOB item. */
  itemsWritten: number;
  /** The span of source data this run read (absent when it stopped before reading). */
  window?: TimeWindow;
  /** What happened to each source record (ids only), once conflict resolution ran. */
  records?: RecordResult[];
  /** Cloud → device: the source has records the device may not have; the job must ask the phone. */
  awaitingDevice?: { window: TimeWindow; candidates: number; destinationProvider: Provider };
}

export interface RecordResult {
  recordId: string;
  status: 'written' | 'skipped';
  reason?: SkipReason;
  destinationRecordId?: string;
}

export interface SyncManagerDeps {
  config: Config;
  logger: Logger;
  providers: ProviderManager;
  confidence: SyncConfidence;
  ledger: LedgerRepository;
  cursors: SyncCursorRepository;
  userConfig: UserConfigCache;
  connections: ConnectionRepository;
  /** Authorised, rate-limited provider HTTP per connection (shared with the pre-flight checker). */
  contexts: ProviderContexts;
  now?: () => Date;
}

/** What a sync needs of its request: a hot-path message, or a historical chunk's equivalent. */
export type SyncRequest = Pick<
  HotPathSyncRequested,
  'userId' | 'sourceConnectionId' | 'destinationConnectionId' | 'dataType' | 'priority' | 'trigger'
>;

export interface SyncRunContext {
  message: SyncRequest;
  /** SQS receive count of this logical message: 1 on the first delivery. */
  attempt: number;
  signal?: AbortSignal;
  /**
   * A historical chunk: sync exactly this window, always read the destination (old records are
   * likely there already) and leave the hot path's cursor where it is.
   */
  window?: TimeWindow;
  /**
   * Called once before the run's first side effect (hydrating and writing records), never when it
   * finds nothing to write: the hot path claims its job here. What it throws ends the run.
   */
  beforeWrite?: () => Promise<void>;
}

export class SyncManager {
  private readonly now: () => Date;

  constructor(private readonly d: SyncManagerDeps) {
    this.now = d.now ?? (() => clock.date());
  }

  async connectionsFor(message: SyncRequest): Promise<{
    source: ConnectionRecord;
    destination: ConnectionRecord;
    strategy: ConflictStrategy;
    enabled: boolean;
    migration: ConfigMigration | undefined;
  }> {
    const snapshot = await this.d.userConfig.get(message.userId);
    const find = async (id: string) =>
      snapshot.connections.find((c) => c.connectionId === id) ??
      (await this.d.connections.get(message.userId, id));
    const [source, destination] = await Promise.all([
      find(message.sourceConnectionId),
      find(message.destinationConnectionId),
    ]);
    for (const [role, c, id] of [
      ['source', source, message.sourceConnectionId],
      ['destination', destination, message.destinationConnectionId],
    ] as const) {
      if (!c) throw new JobError('fail', 'connection_not_found', `${role} connection ${id} no longer exists`);
      if (c.status === 'needs_reauth' || c.status === 'revoked')
        throw new JobError(
          'fail',
          `${role}_auth_revoked`,
          `${role} connection ${id} needs to be reconnected (${c.status})`,
        );
      if (c.status !== 'active')
        throw new JobError('fail', 'connection_not_active', `${role} connection ${id} is ${c.status}`);
    }
    const config = snapshot.syncConfigs.find(
      (s) =>
        s.sourceConnectionId === message.sourceConnectionId &&
        s.destinationConnectionId === message.destinationConnectionId &&
        s.dataType === message.dataType,
    );
    return {
      source: source!,
      destination: destination!,
      strategy: config?.conflictStrategy ?? 'newest_wins',
      enabled: config?.isEnabled ?? true,
      migration: config?.migration,
    };
  }

  providerFor(connection: ConnectionRecord, dataType: DataType, direction: 'read' | 'write'): DataProvider {
    const provider = this.d.providers.get(connection.provider);
    const capability = provider?.capabilities[dataType];
    if (!provider || !capability?.[direction])
      throw new JobError(
        'fail',
        'unsupported_data_type',
        `${connection.provider} cannot ${direction} ${dataType} through its cloud API`,
      );
    return provider;
  }

  async windowFor(pair: LedgerPair): Promise<TimeWindow> {
    const now = this.now();
    const floor = now.getTime() - this.d.config.SYNC_INITIAL_LOOKBACK_DAYS * 86_400_000;
    const watermark = await this.d.cursors.getWatermark(pair);
    const since = watermark
      ? Math.max(watermark.getTime() - this.d.config.SYNC_OVERLAP_HOURS * 3_600_000, floor)
      : floor;
    return { since: new Date(since), until: now };
  }

  async run(ctx: SyncRunContext): Promise<SyncRunResult> {
    const { message } = ctx;
    const result = emptyResult();
    const { source, destination, strategy, enabled, migration } = await this.connectionsFor(message);
    // A paused config stops automatic syncs; a user's explicit request (manual, historical) still runs.
    if (!enabled && message.trigger !== 'manual' && message.trigger !== 'historical') return result;
    const sourceProvider = this.providerFor(source, message.dataType, 'read');
    const pair = pairOf(message, source, destination);
    const adopted = await this.adoptionFor(pair, migration);
    const window = ctx.window ?? (await this.windowFor(pair));
    result.window = window;
    const counter = { calls: 0 };
    const sourceCtx = this.d.contexts.forConnection(source, message.priority, counter, ctx.signal);
    try {
      const summaries = await sourceProvider.fetchMetadata(sourceCtx, message.dataType, window);
      result.recordsRead = summaries.length;
      if (summaries.length === 0) return result;
      // Cloud → device (Model 3): only the phone can read and write its store. If the ledger says
      // something is new, the job waits for the device (core/sync/cloudToDevice.ts); nothing else here.
      if (deviceProfile(destination.provider)) {
        const ledger = await this.ledgerFor(pair, summaries);
        const fresh = summaries.filter((s) => ledger.get(s.recordId)?.sourceLastModified !== s.lastModified);
        result.recordsSkipped = summaries.length - fresh.length;
        if (fresh.length > 0)
          result.awaitingDevice = {
            window: deviceReadWindow(window, fresh),
            candidates: fresh.length,
            destinationProvider: destination.provider,
          };
        return result;
      }
      await this.resolveAndWrite(result, {
        pair,
        destination,
        strategy,
        priority: message.priority,
        summaries,
        hydrate: async (toWrite) =>
          countZoneless(
            source.provider,
            await sourceProvider.fetchPayloads(sourceCtx, message.dataType, toWrite),
          ),
        window,
        // Confidence may skip the destination read, but never on a redelivery (the last attempt
        // may have pushed records without recording them in the ledger), for a historical chunk, or
        // while a migrated source's records are known only by the destination records they match.
        trustConfidence: !ctx.window && ctx.attempt <= 1 && !adopted,
        ...(adopted ? { adopted } : {}),
        moveCursor: !ctx.window,
        counter,
        ...(ctx.beforeWrite ? { beforeWrite: ctx.beforeWrite } : {}),
        ...(ctx.signal ? { signal: ctx.signal } : {}),
      });
      return result;
    } finally {
      result.providerCalls = counter.calls;
    }
  }

  /**
   * Device → cloud (seed §3, Model 2): the phone already read the source, so the records are the
   * source. Everything else is the cloud sync's: conflict resolution against the destination (always
   * read: a retried upload must find what an interrupted one wrote), the ledger, one write per
   * record. The records stay in memory; the hot path's cursor is not the phone's, so it is left alone.
   */
  async runUpload(upload: DeviceUpload): Promise<SyncRunResult> {
    const request: SyncRequest = { ...upload, priority: 'high', trigger: 'manual' };
    const result = emptyResult();
    const { source, destination, strategy, enabled } = await this.connectionsFor(request);
    if (!enabled) throw new JobError('fail', 'sync_paused', 'the sync configuration of this pair is paused');
    const summaries = upload.records.map((r) => canonicalSummary(upload.dataType, r));
    const byId = new Map(upload.records.map((r) => [r.recordId, r]));
    result.recordsRead = summaries.length;
    const window = spanOf(summaries);
    result.window = window;
    const counter = { calls: 0 };
    try {
      await this.resolveAndWrite(result, {
        pair: pairOf(request, source, destination),
        destination,
        strategy,
        priority: request.priority,
        summaries,
        hydrate: (toWrite) =>
          Promise.resolve(
            countZoneless(
              source.provider,
              toWrite.map((s) => byId.get(s.recordId)!),
            ),
          ),
        window,
        trustConfidence: false,
        moveCursor: false,
        counter,
        ...(upload.signal ? { signal: upload.signal } : {}),
      });
      return result;
    } finally {
      result.providerCalls = counter.calls;
    }
  }

  /**
   * For a configuration whose source moved off a retiring provider (core/connections/
   * providerMigration.ts): the destination records its old pairs wrote, which the new source's
   * records (new ids) adopt when they match. Only while the migration is recent: no hot-path window
   * reaches back further than SYNC_INITIAL_LOOKBACK_DAYS, so after that no old record is read again.
   */
  async adoptionFor(
    pair: LedgerPair,
    migration: ConfigMigration | undefined,
  ): Promise<Set<string> | undefined> {
    if (migration?.role !== 'source') return undefined;
    const horizon = Date.parse(migration.at) + this.d.config.SYNC_INITIAL_LOOKBACK_DAYS * 86_400_000;
    if (this.now().getTime() >= horizon) return undefined;
    const written = await Promise.all(
      migration.fromConnectionIds.map((sourceConnectionId) =>
        this.d.ledger.listPair({ ...pair, sourceConnectionId }),
      ),
    );
    return new Set(written.flat().map((e) => e.destinationRecordId));
  }

  /** What earlier runs wrote for these source records (the idempotency ledger). */
  async ledgerFor(pair: LedgerPair, summaries: readonly RecordSummary[]): Promise<Map<string, LedgerEntry>> {
    const records = await this.d.ledger.getMany(
      pair,
      summaries.map((s) => s.recordId),
    );
    return new Map<string, LedgerEntry>(
      [...records].map(([id, r]) => [
        id,
        { destinationRecordId: r.destinationRecordId, sourceLastModified: r.sourceLastModified },
      ]),
    );
  }

  /** The destination's side of every run: read it, decide, write, remember what was written. */
  private async resolveAndWrite(result: SyncRunResult, run: ResolveRun): Promise<void> {
    const { pair, destination, summaries, window, counter } = run;
    const destinationProvider = this.providerFor(destination, pair.dataType, 'write');
    const destinationCtx = this.d.contexts.forConnection(destination, run.priority, counter, run.signal);
    const ledger = await this.ledgerFor(pair, summaries);

    const skipDestination =
      run.trustConfidence &&
      (await this.d.confidence.skipDestinationFetch(pair.userId, destination.provider));
    let destinationSummaries: RecordSummary[] | undefined;
    if (!skipDestination) {
      destinationSummaries = await destinationProvider.fetchMetadata(destinationCtx, pair.dataType, {
        since: new Date(window.since.getTime() - DESTINATION_MARGIN_MS),
        until: new Date(window.until.getTime() + DESTINATION_MARGIN_MS),
      });
      result.destinationFetched = true;
      await this.d.confidence.recordDestinationRead(
        pair.userId,
        destination.provider,
        destinationSummaries.length === 0,
      );
    }

    const decisions = resolveConflicts({
      dataType: pair.dataType,
      strategy: run.strategy,
      source: summaries,
      destination: destinationSummaries,
      ledger,
      destinationCanUpdate: destinationProvider.capabilities[pair.dataType]?.update ?? false,
      ...(run.adopted ? { adopted: run.adopted } : {}),
    });
    const summary = summarizeDecisions(decisions);
    result.skippedByReason = { ...summary.byReason };
    result.recordsSkipped = summary.skip;
    result.records = decisions.flatMap((d) =>
      d.action === 'skip'
        ? [
            {
              recordId: d.source.recordId,
              status: 'skipped' as const,
              reason: d.reason,
              ...(d.destinationRecordId ? { destinationRecordId: d.destinationRecordId } : {}),
            },
          ]
        : [],
    );
    const toWrite = decisions.filter((d): d is Exclude<Decision, { action: 'skip' }> => d.action !== 'skip');
    // Adopted records get ledger entries of their own, so later runs know them without the old pair.
    const adoptedEntries: LedgerRecord[] = decisions.flatMap((d) =>
      d.action === 'skip' && d.adopted && d.destinationRecordId
        ? [
            {
              sourceRecordId: d.source.recordId,
              destinationRecordId: d.destinationRecordId,
              sourceLastModified: d.source.lastModified,
              writtenAt: this.now().toISOString(),
            },
          ]
        : [],
    );
    if (toWrite.length === 0) {
      if (adoptedEntries.length > 0) {
        await this.d.ledger.record(pair, adoptedEntries);
        result.itemsWritten = adoptedEntries.length;
      }
      return;
    }
    await run.beforeWrite?.();

    // Hydrate on demand: only the records that will be written.
    const payloads = await run.hydrate(toWrite.map((d) => d.source));
    const writes: PushWrite[] = payloads.map((record, i) => {
      const decision = toWrite[i]!;
      return decision.action === 'update' ? { record, replaces: decision.destinationRecordId } : { record };
    });
    const outcomes = await destinationProvider.push(destinationCtx, pair.dataType, writes);

    const writtenAt = this.now().toISOString();
    const entries: LedgerRecord[] = [...adoptedEntries];
    let conflicts = 0;
    outcomes.forEach((outcome, i) => {
      const summaryOf = toWrite[i]!.source;
      if (outcome.status === 'conflict') {
        conflicts += 1;
        result.recordsSkipped += 1;
        result.skippedByReason.duplicate_at_destination =
          (result.skippedByReason.duplicate_at_destination ?? 0) + 1;
        result.records!.push({
          recordId: outcome.sourceRecordId,
          status: 'skipped',
          reason: 'duplicate_at_destination',
          ...(outcome.destinationRecordId ? { destinationRecordId: outcome.destinationRecordId } : {}),
        });
        if (!outcome.destinationRecordId) return;
      } else {
        result.recordsWritten += 1;
        result.records!.push({
          recordId: outcome.sourceRecordId,
          status: 'written',
          destinationRecordId: outcome.destinationRecordId,
        });
      }
      entries.push({
        sourceRecordId: outcome.sourceRecordId,
        destinationRecordId: outcome.destinationRecordId!,
        sourceLastModified: summaryOf.lastModified,
        writtenAt,
      });
    });
    // The destination held records we did not see: the confidence counter was wrong.
    if (conflicts > 0) await this.d.confidence.reset(pair.userId, destination.provider);

    if (entries.length > 0) {
      await Promise.all([
        this.d.ledger.record(pair, entries),
        run.moveCursor ? this.d.cursors.setWatermark(pair, window.until) : undefined,
      ]);
      result.itemsWritten = entries.length + (run.moveCursor ? 1 : 0);
    }
  }
}

/** What a device upload brings: the phone's records, all of one data type, and where they go. */
export interface DeviceUpload {
  userId: string;
  /** The user's device connection (Apple Health, Health Connect) the records were read from. */
  sourceConnectionId: string;
  destinationConnectionId: string;
  dataType: DataType;
  records: readonly CanonicalRecord[];
  signal?: AbortSignal;
}

interface ResolveRun {
  pair: LedgerPair;
  destination: ConnectionRecord;
  strategy: ConflictStrategy;
  priority: SyncRequest['priority'];
  summaries: RecordSummary[];
  /** The full records of the summaries that will be written, same order. */
  hydrate(toWrite: RecordSummary[]): Promise<CanonicalRecord[]>;
  window: TimeWindow;
  /** May sync confidence skip the destination read? */
  trustConfidence: boolean;
  /** Destination records a migrated configuration's old pairs wrote (`adoptionFor`). */
  adopted?: ReadonlySet<string>;
  /** The run's hook before its first write (SyncRunContext.beforeWrite). */
  beforeWrite?: () => Promise<void>;
  /** Advance the pair's watermark after writing (the hot path's cursor). */
  moveCursor: boolean;
  counter: { calls: number };
  signal?: AbortSignal;
}

const emptyResult = (): SyncRunResult => ({
  recordsRead: 0,
  recordsWritten: 0,
  recordsSkipped: 0,
  skippedByReason: {},
  destinationFetched: false,
  providerCalls: 0,
  itemsWritten: 0,
});

/** Seed §3e: a record without a usable IANA zone is processed as UTC, and counted per source. */
function countZoneless(provider: string, records: CanonicalRecord[]): CanonicalRecord[] {
  let zoneless = 0;
  for (const r of records) if ('timezone' in r && !r.timezone) zoneless += 1;
  if (zoneless > 0) invalidTimezoneOmitted.inc({ provider }, zoneless);
  return records;
}

export const pairOf = (
  message: SyncRequest,
  source: ConnectionRecord,
  destination: ConnectionRecord,
): LedgerPair => ({
  userId: message.userId,
  sourceConnectionId: source.connectionId,
  destinationConnectionId: destination.connectionId,
  dataType: message.dataType,
});

/**
 * What a cloud → device job asks the phone to read: from the earliest record to sync less the
 * furthest two records of one session can be apart, so the phone's answer is about those records
 * (and one it must cut short decides at least the earliest, core/sync/cloudToDevice.ts).
 */
function deviceReadWindow(window: TimeWindow, fresh: readonly RecordSummary[]): TimeWindow {
  const earliest = Math.min(...fresh.map((s) => Date.parse(s.startTime)));
  return {
    since: new Date(Math.max(window.since.getTime(), earliest - MAX_CANDIDATE_WINDOW_MS)),
    until: window.until,
  };
}

/** The half-open span the summaries cover. */
function spanOf(summaries: readonly RecordSummary[]): TimeWindow {
  let since = Infinity;
  let until = -Infinity;
  for (const s of summaries) {
    since = Math.min(since, Date.parse(s.startTime));
    until = Math.max(until, Date.parse(s.endTime ?? s.startTime));
  }
  return { since: new Date(since), until: new Date(until + 1) };
}
