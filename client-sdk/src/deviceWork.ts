// Cloud → device (seed §3 Model 3) on the phone. A read request: read the health store for the
// window and answer it; when the backend stages records, go on with the write at once (the phone is
// awake now; the write push may come late or never). A write request: fetch the staged records,
// write them, confirm. The same work arrives as silent pushes and in the pending list the app pulls at
// launch, possibly both: work runs one item at a time, and work the backend no longer waits for answers
// 404, which is "gone", not an error. A journal of what was written (ids only) is kept until the
// confirmation is answered, so a failed or crashed confirmation never writes the records twice.
import type { SyncWellClient } from './client.js';
import {
  HealthStoreUnavailableError,
  type CanonicalRecord,
  type DeviceProvider,
  type DeviceWorkOutcome,
  type HealthStore,
  type TimeWindow,
} from './deviceTypes.js';
import { ApiError, NetworkError } from './errors.js';
import type { KeyValueStore } from './keyValueStore.js';
import type { Serial } from './serial.js';
import type { DataType } from './types.js';

/** The contract's limit of records in one read response. */
export const MAX_READ_RESPONSE_RECORDS = 500;

const HOUR_MS = 3_600_000;

/**
 * When a record starts, for ordering a read answer. A day of steps starts at local midnight, which is
 * at most 14 hours before UTC midnight (UTC+14): taking that earliest instant keeps this time at or
 * before the backend's, so "every record starting before `coveredUntil`" holds by the backend's clock too.
 */
function startOf(record: CanonicalRecord): number {
  if ('startTime' in record) return Date.parse(record.startTime);
  if ('measuredAt' in record) return Date.parse(record.measuredAt);
  return Date.parse(`${record.date}T00:00:00Z`) - 14 * HOUR_MS;
}

const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)).length;

/**
 * The read answer's records: all of them, or, when the store holds more than one answer carries
 * (`maxRecords`, at most the contract's 500, and `maxBytes` of JSON), the earliest ones with
 * `coveredUntil`, the start of the first one left out; the backend syncs the part of the window they
 * decide and the next sync asks for the rest (DeviceReadResponseRequest).
 */
export function readAnswer(
  records: CanonicalRecord[],
  maxRecords: number,
  maxBytes: number,
): { records: CanonicalRecord[]; coveredUntil?: string } {
  const ordered = [...records].sort((a, b) => startOf(a) - startOf(b));
  let size = 0;
  let fits = 0;
  while (fits < ordered.length && fits < maxRecords) {
    size += bytes(ordered[fits]) + 1;
    if (size > maxBytes) break;
    fits += 1;
  }
  if (fits === ordered.length) return { records };
  const cut = startOf(ordered[fits]!);
  // Records starting at the cut itself go with the first one left out: every record sent starts before it.
  return {
    records: ordered.slice(0, fits).filter((r) => startOf(r) < cut),
    coveredUntil: new Date(cut).toISOString(),
  };
}

type ReadWork = { kind: 'read'; jobId: string; requestId: string; dataType: DataType; window: TimeWindow };
type WriteWork = { kind: 'write'; jobId: string };
type Work = ReadWork | WriteWork;

/** Written (and already present) records of staged writes not yet confirmed, by jobId. */
type Journal = Record<
  string,
  { written: string[]; present?: string[]; deviceRecordIds: Record<string, string> }
>;

const JOURNAL_KEY = 'syncwell.device.writeJournal';

export interface DeviceWorkDeps {
  client: SyncWellClient;
  healthStore: HealthStore;
  /** The store's provider (`apple_health`, `health_connect`), for reporting it unavailable. */
  source: DeviceProvider;
  state: KeyValueStore;
  serial: Serial;
  /** Records and JSON bytes of records in one read answer (DeviceSyncOptions.maxBatchRecords / maxBatchBytes). */
  maxBatchRecords: number;
  maxBatchBytes: number;
}

const gone = (error: unknown) => error instanceof ApiError && error.status === 404;

export function createDeviceWork(d: DeviceWorkDeps) {
  const { client, healthStore } = d;

  async function readJournal(): Promise<Journal> {
    const raw = await d.state.get(JOURNAL_KEY);
    return raw ? (JSON.parse(raw) as Journal) : {};
  }
  async function updateJournal(change: (journal: Journal) => void): Promise<void> {
    const journal = await readJournal();
    change(journal);
    if (Object.keys(journal).length === 0) await d.state.delete(JOURNAL_KEY);
    else await d.state.set(JOURNAL_KEY, JSON.stringify(journal));
  }

  async function read(work: ReadWork): Promise<DeviceWorkOutcome[]> {
    const { jobId, requestId } = work;
    let answer;
    let sent;
    try {
      let held;
      try {
        held = await healthStore.read(work.dataType, work.window);
      } catch (error) {
        if (!(error instanceof HealthStoreUnavailableError)) throw error;
        await client.submitDeviceReadResponse({
          jobId,
          requestId,
          records: [],
          storeUnavailable: error.reason,
        });
        return [{ kind: 'read', jobId, status: 'store_unavailable', reason: error.reason }];
      }
      let maxBytes = d.maxBatchBytes;
      for (;;) {
        sent = readAnswer(held, Math.min(d.maxBatchRecords, MAX_READ_RESPONSE_RECORDS), maxBytes);
        try {
          answer = await client.submitDeviceReadResponse({ jobId, requestId, ...sent });
          break;
        } catch (error) {
          // The API's body limit is lower than assumed: a smaller answer (the backend decides less).
          if (!(error instanceof ApiError && error.status === 413 && sent.records.length > 1)) throw error;
          maxBytes = Math.floor(bytes(sent.records) / 2);
        }
      }
    } catch (error) {
      if (gone(error)) return [{ kind: 'read', jobId, status: 'gone' }];
      return [{ kind: 'read', jobId, status: 'failed', error }];
    }
    const outcome: DeviceWorkOutcome = {
      kind: 'read',
      jobId,
      status: 'answered',
      records: sent.records.length,
      jobStatus: answer.status,
      staged: answer.recordCount ?? 0,
    };
    if (answer.status !== 'WAITING_FOR_DEVICE') return [outcome];
    return [outcome, ...(await write({ kind: 'write', jobId }))];
  }

  async function write({ jobId }: WriteWork): Promise<DeviceWorkOutcome[]> {
    const failed = (error: unknown): DeviceWorkOutcome[] => [
      { kind: 'write', jobId, status: 'failed', error },
    ];
    const forget = () => updateJournal((j) => delete j[jobId]);
    let staged;
    try {
      staged = await client.getStagedData(jobId);
    } catch (error) {
      if (!gone(error)) return failed(error);
      await forget();
      return [{ kind: 'write', jobId, status: 'gone' }];
    }
    const entry = (await readJournal())[jobId] ?? { written: [], deviceRecordIds: {} };
    const done = new Set(entry.written);
    const present = new Set(entry.present ?? []);
    const toWrite = staged.records.filter((r) => !done.has(r.recordId) && !present.has(r.recordId));
    if (toWrite.length > 0) {
      let result;
      try {
        result = await healthStore.write(toWrite);
      } catch (error) {
        if (!(error instanceof HealthStoreUnavailableError)) return failed(error);
        // Nothing can be written there: the backend fails this job and every other one for the store.
        try {
          await client.reportHealthStoreUnavailable(d.source, { reason: error.reason });
        } catch (reportError) {
          return failed(reportError);
        }
        await forget();
        return [{ kind: 'write', jobId, status: 'store_unavailable', reason: error.reason }];
      }
      const asked = new Set(toWrite.map((r) => r.recordId));
      const keep = (ids: readonly string[], into: Set<string>) => {
        for (const id of ids) {
          if (!asked.has(id)) continue;
          into.add(id);
          const deviceId = result.deviceRecordIds?.[id];
          if (deviceId) entry.deviceRecordIds[id] = deviceId;
        }
      };
      keep(result.written, done);
      keep(
        (result.alreadyPresent ?? []).filter((id) => !done.has(id)),
        present,
      );
      entry.written = [...done];
      entry.present = [...present];
      // Before confirming: a confirmation that fails (or a crash) must not lead to a second write.
      await updateJournal((j) => (j[jobId] = entry));
    }
    const ids = staged.records.map((r) => r.recordId);
    const writtenRecordIds = ids.filter((id) => done.has(id));
    const alreadyPresentRecordIds = ids.filter((id) => present.has(id));
    const failedRecordIds = ids.filter((id) => !done.has(id) && !present.has(id));
    const deviceRecordIds = Object.fromEntries(
      [...writtenRecordIds, ...alreadyPresentRecordIds].flatMap((id) =>
        entry.deviceRecordIds[id] ? [[id, entry.deviceRecordIds[id]]] : [],
      ),
    );
    try {
      await client.confirmDeviceWrite(jobId, {
        writtenRecordIds,
        ...(failedRecordIds.length > 0 ? { failedRecordIds } : {}),
        ...(alreadyPresentRecordIds.length > 0 ? { alreadyPresentRecordIds } : {}),
        ...(Object.keys(deviceRecordIds).length > 0 ? { deviceRecordIds } : {}),
      });
    } catch (error) {
      if (!gone(error)) return failed(error);
      await forget();
      return [{ kind: 'write', jobId, status: 'gone' }];
    }
    await forget();
    return [
      {
        kind: 'write',
        jobId,
        status: 'confirmed',
        written: writtenRecordIds.length,
        failed: failedRecordIds.length,
        alreadyPresent: alreadyPresentRecordIds.length,
      },
    ];
  }

  /** A read push without its window (a platform that dropped fields): the pending list has it. */
  async function completeRead(jobId: string, requestId: string): Promise<ReadWork | undefined> {
    const { requests } = await client.listDeviceRequests();
    const pending = requests.find((r) => r.kind === 'read' && r.jobId === jobId && r.requestId === requestId);
    return pending && { kind: 'read', jobId, requestId, dataType: pending.dataType, window: pending.window };
  }

  const perform = (work: Work) => (work.kind === 'read' ? read(work) : write(work));

  return {
    /** Handles one silent-push payload (the APNs `userInfo` or the FCM `data` map, as received). */
    handlePush(payload: unknown): Promise<DeviceWorkOutcome[]> {
      const parsed = parsePush(payload);
      if ('ignored' in parsed) return Promise.resolve([{ kind: 'ignored', type: parsed.ignored }]);
      return d.serial.run('device-work', async () => {
        if (parsed.kind === 'write' || parsed.window) return perform(parsed as Work);
        try {
          const work = await completeRead(parsed.jobId, parsed.requestId);
          return work ? perform(work) : [{ kind: 'read', jobId: parsed.jobId, status: 'gone' }];
        } catch (error) {
          return [{ kind: 'read', jobId: parsed.jobId, status: 'failed', error }];
        }
      });
    },

    /**
     * What the backend waits for from this phone (GET /v1/device-requests), handled oldest first. Call
     * at launch and on coming to the foreground: pushes may be delayed or dropped. Rejects when the
     * list cannot be fetched; stops at the first network failure (the rest stays pending).
     */
    pullPendingWork(): Promise<DeviceWorkOutcome[]> {
      return d.serial.run('device-work', async () => {
        const { requests } = await client.listDeviceRequests();
        // Journal entries of writes the backend no longer waits for (expired, confirmed elsewhere).
        const live = new Set(requests.filter((r) => r.kind === 'write').map((r) => r.jobId));
        await updateJournal((j) => {
          for (const jobId of Object.keys(j)) if (!live.has(jobId)) delete j[jobId];
        });
        const outcomes: DeviceWorkOutcome[] = [];
        for (const r of requests) {
          const work: Work =
            r.kind === 'read'
              ? {
                  kind: 'read',
                  jobId: r.jobId,
                  requestId: r.requestId ?? '',
                  dataType: r.dataType,
                  window: r.window,
                }
              : { kind: 'write', jobId: r.jobId };
          const done = await perform(work);
          outcomes.push(...done);
          if (done.some((o) => 'error' in o && o.error instanceof NetworkError)) break;
        }
        return outcomes;
      });
    },
  };
}

type ParsedPush =
  | WriteWork
  | { kind: 'read'; jobId: string; requestId: string; dataType?: DataType; window?: TimeWindow }
  | { ignored: string | undefined };

/**
 * The contract's DeviceReadRequest / DeviceWriteRequest: flat maps of strings (FCM data values are
 * strings), the window as `windowStart` and `windowEnd`. A nested `dateRange` (an object or its JSON
 * text) is still read.
 */
export function parsePush(payload: unknown): ParsedPush {
  if (!payload || typeof payload !== 'object') return { ignored: undefined };
  const p = payload as Record<string, unknown>;
  const type = typeof p.type === 'string' ? p.type : undefined;
  const text = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v : undefined);
  const jobId = text(p.jobId);
  if (type === 'device_write_request' && jobId) return { kind: 'write', jobId };
  const requestId = text(p.requestId);
  if (type !== 'device_read_request' || !jobId || !requestId) return { ignored: type };
  let range: unknown = p.windowStart !== undefined ? { start: p.windowStart, end: p.windowEnd } : p.dateRange;
  if (typeof range === 'string') {
    try {
      range = JSON.parse(range);
    } catch {
      range = undefined;
    }
  }
  const r = range as Partial<TimeWindow> | undefined;
  const dataType = text(p.dataType) as DataType | undefined;
  const window = r && text(r.start) && text(r.end) ? { start: r.start!, end: r.end! } : undefined;
  return dataType && window
    ? { kind: 'read', jobId, requestId, dataType, window }
    : { kind: 'read', jobId, requestId };
}
