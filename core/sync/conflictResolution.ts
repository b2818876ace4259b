// ConflictResolutionEngine (seed: "detects and resolves data conflicts; rules-based"). Metadata-first:
// it decides on record summaries only, and its decisions say which source records must be hydrated
// (`fetchPayloads`) and written (`push`), and whether as a new record or over an existing one.
//
// Order of the rules, for each source record (duplicates by recordId collapse to one):
// 1. The idempotency ledger (sourceRecordId → destinationRecordId, written after each successful
//    write). Unchanged since our write → skip `already_synced`. Changed → the ledger's destination
//    record is its match, and the strategy decides. This is tapiriik's `SynchronizedActivities`
//    check in `_determineRecipientServices` (cpfair/tapiriik, tapiriik/sync/sync.py): an activity
//    whose UID the destination connection already received is never sent again.
// 2. Otherwise, cross-service duplicate detection against the destination's summaries
//    (`duplicateDetection.ts`, tapiriik's `_accumulateActivities` rules): one-to-one and globally
//    best-first. A destination record the ledger says we wrote for another source record is never
//    a candidate.
// 3. No match → `create`, unless the record is an exact duplicate of a destination record already
//    claimed by another source record, or of another source record that is (or is about to be) at
//    the destination: then skip `duplicate_at_destination` (for example Apple Health holding both the
//    watch recording and the Strava import of one run). Hour-shifted matches are not used here:
//    within one batch an hour apart is likelier a second session than a time-zone bug.
// 4. A match with a destination record that a migrated configuration's old pair wrote (`adopted`)
//    is `already_synced`: the same record, seen through the retiring provider's replacement.
//    Any other match is settled by the strategy: `source_wins` updates, `dest_wins` keeps the destination,
//    `newest_wins` updates only when the source changed strictly later than the destination record
//    (equal → the destination stays). An update the destination cannot do is skipped
//    `update_unsupported` (never turned into a create: that would write a duplicate).
import type { ConflictStrategy, DataType } from '../domain/types.js';
import type { RecordSummary } from '../providers/dataProvider.js';
import { CandidateIndex, findMatch, matchAll } from './duplicateDetection.js';

export interface LedgerEntry {
  destinationRecordId: string;
  sourceLastModified: string;
}

export interface ResolutionInput {
  dataType: DataType;
  strategy: ConflictStrategy;
  source: readonly RecordSummary[];
  /** undefined when the destination read was skipped (sync confidence): then only the ledger protects against duplicates. */
  destination: readonly RecordSummary[] | undefined;
  /** Source records already written by earlier runs: sourceRecordId → entry. */
  ledger: ReadonlyMap<string, LedgerEntry>;
  destinationCanUpdate: boolean;
  /**
   * Destination records that the old pair of a migrated configuration wrote (a retiring provider's
   * ledger, under its record ids): a source record matching one is the same record seen through the
   * replacement, already synced, whatever the strategy.
   */
  adopted?: ReadonlySet<string>;
}

export type SkipReason =
  | 'already_synced'
  | 'duplicate_at_destination'
  | 'destination_wins'
  | 'destination_newer'
  | 'update_unsupported';

export type Decision =
  | { action: 'create'; source: RecordSummary }
  | { action: 'update'; source: RecordSummary; destinationRecordId: string }
  | {
      action: 'skip';
      source: RecordSummary;
      reason: SkipReason;
      destinationRecordId?: string;
      /** A destination record the old pair of a migrated configuration wrote, now this record's (ledger it). */
      adopted?: true;
    };

export interface DecisionSummary {
  create: number;
  update: number;
  skip: number;
  byReason: Record<SkipReason, number>;
}

/** a > b for ISO instants; falls back to string order when either does not parse. */
function isNewer(a: string, b: string): boolean {
  const ta = Date.parse(a);
  const tb = Date.parse(b);
  if (Number.isFinite(ta) && Number.isFinite(tb)) return ta > tb;
  return a > b;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Of two summaries with the same recordId, the one to keep: the later lastModified, then (for a
 * result independent of input order) the larger canonical JSON.
 */
function preferred(a: RecordSummary, b: RecordSummary): RecordSummary {
  if (isNewer(a.lastModified, b.lastModified)) return a;
  if (isNewer(b.lastModified, a.lastModified)) return b;
  return compareStrings(canonicalJson(a), canonicalJson(b)) >= 0 ? a : b;
}

function canonicalJson(s: RecordSummary): string {
  const entries = Object.entries(s)
    .filter(([, v]) => v !== undefined)
    .sort(([x], [y]) => compareStrings(x, y));
  return JSON.stringify(entries);
}

/** Source records by recordId (one per id), in order of first appearance. */
function collapseSources(source: readonly RecordSummary[]): RecordSummary[] {
  const byId = new Map<string, RecordSummary>();
  for (const s of source) {
    const seen = byId.get(s.recordId);
    byId.set(s.recordId, seen ? preferred(seen, s) : s);
  }
  return [...byId.values()];
}

function settleMatch(
  source: RecordSummary,
  destinationRecordId: string,
  destination: RecordSummary | undefined,
  strategy: ConflictStrategy,
  canUpdate: boolean,
): Decision {
  const update = (): Decision =>
    canUpdate
      ? { action: 'update', source, destinationRecordId }
      : { action: 'skip', source, reason: 'update_unsupported', destinationRecordId };
  switch (strategy) {
    case 'source_wins':
      return update();
    case 'dest_wins':
      return { action: 'skip', source, reason: 'destination_wins', destinationRecordId };
    case 'newest_wins': {
      // Without the destination's summary (a ledger match whose destination was not read), the
      // destination holds what we wrote from an older version of this source record: source newer.
      const sourceNewer = destination === undefined || isNewer(source.lastModified, destination.lastModified);
      return sourceNewer
        ? update()
        : { action: 'skip', source, reason: 'destination_newer', destinationRecordId };
    }
    default: {
      const unknown: never = strategy;
      throw new RangeError(`Unknown conflict strategy: ${String(unknown)}`);
    }
  }
}

/** Decides, for each source record (in source order), whether to create, update or skip it. */
export function resolveConflicts(input: ResolutionInput): Decision[] {
  const { strategy, ledger, destinationCanUpdate } = input;
  const sources = collapseSources(input.source);
  const destination = input.destination?.filter((d) => d.dataType === input.dataType);
  const destinationById = new Map<string, RecordSummary>();
  for (const d of destination ?? []) {
    const seen = destinationById.get(d.recordId);
    destinationById.set(d.recordId, seen ? preferred(seen, d) : d);
  }

  const decisions = new Map<string, Decision>();
  /** Destination records spoken for: written by us (ledger) or matched in this run. */
  const claimed = new Set<string>();
  for (const entry of ledger.values()) claimed.add(entry.destinationRecordId);
  /** Source records that are (or will be) at the destination, for the in-batch duplicate check. */
  const present: RecordSummary[] = [];
  const presentAt = new Map<string, string | undefined>();

  // 1. Ledger.
  const pending: RecordSummary[] = [];
  for (const source of sources) {
    const entry = ledger.get(source.recordId);
    if (!entry) {
      pending.push(source);
      continue;
    }
    const { destinationRecordId } = entry;
    decisions.set(
      source.recordId,
      isNewer(source.lastModified, entry.sourceLastModified)
        ? settleMatch(
            source,
            destinationRecordId,
            destinationById.get(destinationRecordId),
            strategy,
            destinationCanUpdate,
          )
        : { action: 'skip', source, reason: 'already_synced', destinationRecordId },
    );
    present.push(source);
    presentAt.set(source.recordId, destinationRecordId);
  }

  // 2. Duplicate detection against unclaimed destination records.
  const candidates = [...destinationById.values()].filter((d) => !claimed.has(d.recordId));
  const matches = matchAll(pending, candidates, claimed);
  const unmatched: RecordSummary[] = [];
  for (const source of pending) {
    const match = matches.get(source.recordId);
    if (!match) {
      unmatched.push(source);
      continue;
    }
    const destinationRecordId = match.candidate.recordId;
    decisions.set(
      source.recordId,
      input.adopted?.has(destinationRecordId)
        ? { action: 'skip', source, reason: 'already_synced', destinationRecordId, adopted: true }
        : settleMatch(source, destinationRecordId, match.candidate, strategy, destinationCanUpdate),
    );
    present.push(source);
    presentAt.set(source.recordId, destinationRecordId);
  }

  // 3. Create, unless an exact duplicate is already (or about to be) at the destination. Processed
  //    by recordId so that which one of several in-batch duplicates is created does not depend on
  //    input order.
  const claimedAtDestination = new CandidateIndex(
    [...destinationById.values()].filter((d) => claimed.has(d.recordId)),
  );
  const presentIndex = new CandidateIndex(present);
  for (const source of [...unmatched].sort((a, b) => compareStrings(a.recordId, b.recordId))) {
    const atDestination = findMatch(source, claimedAtDestination.near(source), new Set(), {
      exactOnly: true,
    });
    if (atDestination) {
      decisions.set(source.recordId, {
        action: 'skip',
        source,
        reason: 'duplicate_at_destination',
        destinationRecordId: atDestination.candidate.recordId,
      });
      continue;
    }
    const twin = findMatch(source, presentIndex.near(source), new Set(), { exactOnly: true });
    if (twin) {
      const destinationRecordId = presentAt.get(twin.candidate.recordId);
      decisions.set(source.recordId, {
        action: 'skip',
        source,
        reason: 'duplicate_at_destination',
        ...(destinationRecordId === undefined ? {} : { destinationRecordId }),
      });
      continue;
    }
    decisions.set(source.recordId, { action: 'create', source });
    presentIndex.add(source);
    presentAt.set(source.recordId, undefined);
  }

  return sources.map((s) => {
    const decision = decisions.get(s.recordId);
    if (!decision) throw new Error(`No decision for ${s.recordId}`); // unreachable
    return decision;
  });
}

/** Counts of decisions by action, and of skips by reason. */
export function summarizeDecisions(decisions: readonly Decision[]): DecisionSummary {
  const summary: DecisionSummary = {
    create: 0,
    update: 0,
    skip: 0,
    byReason: {
      already_synced: 0,
      duplicate_at_destination: 0,
      destination_wins: 0,
      destination_newer: 0,
      update_unsupported: 0,
    },
  };
  for (const d of decisions) {
    summary[d.action] += 1;
    if (d.action === 'skip') summary.byReason[d.reason] += 1;
  }
  return summary;
}
