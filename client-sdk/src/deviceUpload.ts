// Device → cloud (seed §3 Model 2): what changed in the health store since the pair's lastSyncTime,
// oldest change first, in batches within the contract's bounds (500 records, the body limit), each
// POSTed to /v1/device-upload. lastSyncTime moves to the answer's `watermark` only after a 200, so a
// failure or a crash re-sends at most one batch, which the backend skips (its ledger): nothing is
// written twice. Without a network the batch goes to the client's offline log.
import type { SyncWellClient } from './client.js';
import type { CanonicalRecord, DeviceProvider, DeviceRecordResult, HealthStore } from './deviceTypes.js';
import { ApiError } from './errors.js';
import type { KeyValueStore } from './keyValueStore.js';
import type { OfflineAction } from './offline.js';
import type { Serial } from './serial.js';
import type { CallOptions, DataType } from './types.js';

/** The contract's limit of records per upload. */
export const MAX_UPLOAD_RECORDS = 500;
/** Below the API's default body limit (256 kB) with room for the request's own fields. */
export const DEFAULT_MAX_UPLOAD_BYTES = 200_000;

export interface UploadSummary {
  /** Records that changed since lastSyncTime and had not been uploaded yet. */
  changed: number;
  /** Batches the API answered (200). */
  batches: number;
  written: number;
  skipped: number;
  /** The API's result for each answered record, in the order sent. */
  results: DeviceRecordResult[];
  /** The pair's lastSyncTime after the upload (`undefined` before the first answered batch). */
  lastSyncTime: string | undefined;
  /**
   * The batch stored in the offline log because the API could not be reached (replay it with
   * `client.replayOfflineActions()`); later batches are left to the next upload.
   */
  queued?: OfflineAction;
}

/** lastSyncTime of one pair, and the records already uploaded at exactly that instant. */
interface PairState {
  lastSyncTime: string;
  idsAtWatermark: string[];
}

export interface DeviceUploaderDeps {
  client: SyncWellClient;
  healthStore: HealthStore;
  state: KeyValueStore;
  serial: Serial;
  source: DeviceProvider;
  maxBatchRecords: number;
  maxBatchBytes: number;
  initialLookbackDays: number;
  now: () => number;
}

const stateKey = (source: string, destinationConnectionId: string, dataType: string) =>
  `syncwell.device.lastSync/${source}/${destinationConnectionId}/${dataType}`;
const time = (instant: string) => Date.parse(instant);
const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)).length;

export function createDeviceUploader(d: DeviceUploaderDeps) {
  async function readState(key: string): Promise<PairState | undefined> {
    const raw = await d.state.get(key);
    return raw ? (JSON.parse(raw) as PairState) : undefined;
  }

  /** Consecutive slices of `records` within the record and byte bounds. */
  function batchesOf(records: CanonicalRecord[]): CanonicalRecord[][] {
    const batches: CanonicalRecord[][] = [];
    let current: CanonicalRecord[] = [];
    let size = 0;
    for (const record of records) {
      const recordBytes = bytes(record) + 1;
      if (
        current.length > 0 &&
        (current.length >= d.maxBatchRecords || size + recordBytes > d.maxBatchBytes)
      ) {
        batches.push(current);
        current = [];
        size = 0;
      }
      current.push(record);
      size += recordBytes;
    }
    if (current.length > 0) batches.push(current);
    return batches;
  }

  async function upload(
    dataType: DataType,
    destinationConnectionId: string,
    options: CallOptions = {},
  ): Promise<UploadSummary> {
    const key = stateKey(d.source, destinationConnectionId, dataType);
    let state = await readState(key);
    const since = state?.lastSyncTime ?? new Date(d.now() - d.initialLookbackDays * 86_400_000).toISOString();
    const sinceMs = time(since);
    const uploaded = new Set(state?.idsAtWatermark ?? []);
    const changed = (await d.healthStore.changedSince(dataType, since))
      .filter(
        (r) =>
          time(r.lastModified) > sinceMs || (time(r.lastModified) === sinceMs && !uploaded.has(r.recordId)),
      )
      .sort((a, b) => time(a.lastModified) - time(b.lastModified));
    const summary: UploadSummary = {
      changed: changed.length,
      batches: 0,
      written: 0,
      skipped: 0,
      results: [],
      lastSyncTime: state?.lastSyncTime,
    };

    const pending = batchesOf(changed);
    while (pending.length > 0) {
      const batch = pending.shift()!;
      let outcome;
      try {
        outcome = await d.client.queueable.uploadDeviceData(
          { source: d.source, destinationConnectionId, dataType, records: batch },
          options,
        );
      } catch (error) {
        // The API's body limit is smaller than ours: halve the batch and go on.
        if (error instanceof ApiError && error.status === 413 && batch.length > 1) {
          const half = Math.ceil(batch.length / 2);
          pending.unshift(batch.slice(0, half), batch.slice(half));
          continue;
        }
        throw error;
      }
      if (outcome.queued) {
        summary.queued = outcome.action;
        break;
      }
      const result = outcome.result;
      summary.batches += 1;
      summary.written += result.written;
      summary.skipped += result.skipped;
      summary.results.push(...(result.results ?? []));
      if (!result.watermark) break;
      const watermark = time(result.watermark);
      const previous = state ? time(state.lastSyncTime) : Number.NEGATIVE_INFINITY;
      if (watermark >= previous) {
        const atWatermark = batch.filter((r) => time(r.lastModified) === watermark).map((r) => r.recordId);
        // Ties across batches: the records uploaded earlier at the same instant stay excluded too.
        const ids = watermark === previous ? [...state!.idsAtWatermark, ...atWatermark] : atWatermark;
        state = { lastSyncTime: result.watermark, idsAtWatermark: [...new Set(ids)] };
        await d.state.set(key, JSON.stringify(state));
        summary.lastSyncTime = state.lastSyncTime;
      }
      // A watermark short of the batch's last change: the rest is not final, the next upload resends it.
      if (watermark < time(batch[batch.length - 1]!.lastModified)) break;
    }
    return summary;
  }

  return {
    /** Uploads one pair's changes; calls for the same pair run one after the other. */
    upload: (dataType: DataType, destinationConnectionId: string, options?: CallOptions) =>
      d.serial.run(`upload/${destinationConnectionId}/${dataType}`, () =>
        upload(dataType, destinationConnectionId, options),
      ),
    /** The pair's stored lastSyncTime, if any upload was answered. */
    lastSyncTime: async (dataType: DataType, destinationConnectionId: string) =>
      (await readState(stateKey(d.source, destinationConnectionId, dataType)))?.lastSyncTime,
  };
}
