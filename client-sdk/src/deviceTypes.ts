// What the device module and the app exchange: the app's health store (HealthKit, Health Connect)
// behind a small interface, and the outcomes the module reports. Record shapes come from the contract.
import type { DeviceReadRequest, DeviceWriteRequest } from './generated/messages.gen.js';
import type { DataType, Schemas } from './types.js';

export type CanonicalRecord = Schemas['CanonicalRecord'];
export type Device = Schemas['Device'];
export type DevicePlatform = Schemas['DevicePlatform'];
export type DeviceProvider = Schemas['DeviceProvider'];
export type DeviceRecordResult = Schemas['DeviceRecordResult'];
export type SyncJobStatus = Schemas['SyncJobStatus'];
export type HealthStoreUnavailableReason = Schemas['HealthStoreUnavailableReason'];

/**
 * What a HealthStore throws when the store itself cannot be used: Health Connect not installed
 * (`HealthConnectClient.getSdkStatus` SDK_UNAVAILABLE) or needing an update
 * (SDK_UNAVAILABLE_PROVIDER_UPDATE_REQUIRED), HealthKit not available on the device
 * (`HKHealthStore.isHealthDataAvailable()` false), or SyncWell's permissions taken away. The module
 * tells the backend, which stops syncing the store until `connectHealthStore` is called again (and
 * syncs Google Fit through its cloud API meanwhile).
 */
export class HealthStoreUnavailableError extends Error {
  override readonly name = 'HealthStoreUnavailableError';
  constructor(readonly reason: HealthStoreUnavailableReason) {
    super(`the health store cannot be used: ${reason}`);
  }
}

/** The silent pushes the backend sends (AsyncAPI `silentPush`): ids and times, never health data. */
export type DevicePush = DeviceReadRequest | DeviceWriteRequest;

/** A span of time, RFC 3339 instants; `start` inclusive, `end` exclusive. */
export interface TimeWindow {
  start: string;
  end: string;
}

/** What the health store did with the records it was asked to write. */
export interface HealthStoreWriteResult {
  /** `recordId`s (the staged records' ids) that are now in the store. */
  written: string[];
  /** `recordId`s it could not write (permission missing, store full); offered again by the next sync. */
  failed: string[];
  /**
   * `recordId`s it did not write because the store already held them (another app saved the same
   * sample since the read): synced all the same, never offered again. Give their ids below too.
   */
  alreadyPresent?: string[];
  /** The store's own id of each written or already present record (`recordId` → HealthKit UUID / Health Connect id). */
  deviceRecordIds?: Record<string, string>;
}

/**
 * The phone's health store as the app exposes it. Records are the contract's canonical records; the
 * app maps them to and from HKSample / Health Connect records.
 */
export interface HealthStore {
  /** The store's records of `dataType` that start in `window` (the backend's side of a conflict check). */
  read(dataType: DataType, window: TimeWindow): Promise<CanonicalRecord[]>;
  /**
   * Writes staged records (cloud → device). Report per record rather than throw: a throw leaves the
   * module not knowing what was written. Tag each sample with its `recordId` (HealthKit
   * `HKMetadataKeySyncIdentifier`, Health Connect `clientRecordId`) so that a write repeated after a
   * crash replaces instead of duplicating.
   */
  write(records: CanonicalRecord[]): Promise<HealthStoreWriteResult>;
  /**
   * Records of `dataType` whose `lastModified` is at or after `since` (inclusive: the module drops the
   * ones it already uploaded at exactly that instant), excluding what SyncWell itself wrote (those came
   * from the cloud). `provider` must be the store's (`apple_health` or `health_connect`).
   */
  changedSince(dataType: DataType, since: string): Promise<CanonicalRecord[]>;
}

/** What the module did about one piece of pending work (a push, or an item of the pending list). */
export type DeviceWorkOutcome =
  | {
      kind: 'read';
      jobId: string;
      status: 'answered';
      /** Records of the window sent to the backend. */
      records: number;
      /** The job after the answer: `WAITING_FOR_DEVICE` when records were staged, `SUCCEEDED` when none. */
      jobStatus: SyncJobStatus;
      staged: number;
    }
  | {
      kind: 'write';
      jobId: string;
      status: 'confirmed';
      written: number;
      failed: number;
      /** Staged records the store already held (HealthStoreWriteResult.alreadyPresent). */
      alreadyPresent: number;
    }
  /**
   * The health store threw HealthStoreUnavailableError: the backend was told, failed the job (and every
   * other one waiting on the store) and needs the store connected again (`connectHealthStore`).
   */
  | {
      kind: 'read' | 'write';
      jobId: string;
      status: 'store_unavailable';
      reason: HealthStoreUnavailableReason;
    }
  /** The backend no longer waits for it: already handled, expired (24 h), or not this user's job. */
  | { kind: 'read' | 'write'; jobId: string; status: 'gone' }
  /** It could not be done now (offline, the store failed, the API refused); it stays pending. */
  | { kind: 'read' | 'write'; jobId: string; status: 'failed'; error: unknown }
  /** A push that is not device work (e.g. `export_ready`), or not a SyncWell payload at all. */
  | { kind: 'ignored'; type: string | undefined };
