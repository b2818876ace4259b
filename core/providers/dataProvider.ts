// The plug-in contract every third-party integration implements (seed §2, "DataProvider"). The
// sync engine only ever sees canonical records; each provider maps its native shapes to and from
// them. Metadata-first (seed §3b): `fetchMetadata` returns light summaries, the engine decides what
// must be written, and only then `fetchPayloads` hydrates those records.
import type { CanonicalByDataType, CloudProvider, DataType, WorkoutType } from '../domain/types.js';
import type { CloudProviderProfile, ProviderCapabilities } from './profile.js';
import type { JobCache } from './jobCache.js';
import type { ProviderHttp } from './providerHttp.js';

// Capabilities are a fact of the provider's profile (core/providers/<provider>/profile.ts).
export type { DataTypeCapability, ProviderCapabilities } from './profile.js';

/** Half-open time window [since, until). */
export interface TimeWindow {
  since: Date;
  until: Date;
}

/**
 * What the engine needs to decide about a record without its heavy payload. Times are ISO 8601
 * instants (UTC, `Z`). For steps `startTime` is the start of the local day and `date` the day.
 */
export interface RecordSummary {
  dataType: DataType;
  recordId: string;
  startTime: string;
  endTime: string | null;
  /** Local calendar day (steps only). */
  date?: string;
  workoutType?: WorkoutType;
  durationSeconds?: number;
  distanceMeters?: number | null;
  /** Light scalar value: steps for steps, kilograms for weight. */
  value?: number;
  timezone: string | null;
  lastModified: string;
}

/** The identity of the connection a provider call is made for. Never carries tokens. */
export interface ProviderConnection {
  userId: string;
  connectionId: string;
  provider: CloudProvider;
  /** Id of the user at the provider (Strava athlete id, Fitbit encoded id, ...), when known. */
  providerUserId?: string;
}

/** One job's access to one connection's provider: a new context per job. */
export interface ProviderContext {
  connection: ProviderConnection;
  /** Authorised, rate-limited HTTP to this provider's API for this connection. */
  http: ProviderHttp;
  /** What this job learned from the provider; dropped with the job (core/providers/jobCache.ts). */
  job: JobCache;
  signal?: AbortSignal;
}

export interface PushWrite<T extends DataType = DataType> {
  record: CanonicalByDataType[T];
  /** Destination record to replace (only when the capability has `update`). */
  replaces?: string;
}

export type PushOutcome =
  | { sourceRecordId: string; status: 'created' | 'updated'; destinationRecordId: string }
  /** The destination already holds this record (its own duplicate check said so): nothing written. */
  | { sourceRecordId: string; status: 'conflict'; destinationRecordId?: string; reason: string };

export interface DataProvider {
  readonly id: CloudProvider;
  /** The profile's capabilities. */
  readonly capabilities: ProviderCapabilities;
  /**
   * How SyncWell learns of new data: the provider's `webhook`s, or `poll` (adaptive polling with
   * pre-flight checks, seed §3f) for providers that have none (`changeNotificationsOf` its profile).
   */
  readonly changeNotifications: 'webhook' | 'poll';

  /** Light summaries of records in the window, all pages. */
  fetchMetadata(ctx: ProviderContext, dataType: DataType, window: TimeWindow): Promise<RecordSummary[]>;

  /** Full canonical records for the given summaries (same order), with `sourceId` = the connection id. */
  fetchPayloads<T extends DataType>(
    ctx: ProviderContext,
    dataType: T,
    summaries: readonly RecordSummary[],
  ): Promise<CanonicalByDataType[T][]>;

  /** Writes records; one outcome per write, in order. Throws only for failures of the whole call. */
  push<T extends DataType>(
    ctx: ProviderContext,
    dataType: T,
    writes: readonly PushWrite<T>[],
  ): Promise<PushOutcome[]>;

  /** One cheap request: has anything changed since `since`? (pre-flight polling, seed §3f) */
  hasNewData(ctx: ProviderContext, dataType: DataType, since: Date): Promise<boolean>;
}

/** A DataProvider's `changeNotifications`, as its profile states them. */
export function changeNotificationsOf(profile: CloudProviderProfile): DataProvider['changeNotifications'] {
  return profile.changeNotifications.style === 'none' ? 'poll' : 'webhook';
}
